/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stack aggregation shared by the stack tracers (profile, offcpu) and by
 * user/stackprof.c: the key of the in-kernel aggregation map, the stack id
 * conventions, and the event that announces an address space of a process
 * (so user space can capture its mappings while it lives).
 */
#ifndef TRACETOOL_STACK_H
#define TRACETOOL_STACK_H

#include "common.h"

#define TT_STACK_DEPTH 127	/* PERF_MAX_STACK_DEPTH: frames per stack map entry */

/* Stack ids below 0: no stack was expected, or one was expected but lost. */
#define TT_STACK_NONE (-1)	/* kernel thread (no user stack), or sample in user mode (no kernel stack) */
#define TT_STACK_LOST (-2)	/* unreadable (TT_LOST_STACK) or the stack map was full (TT_LOST_MAP_FULL) */

/*
 * Key of the stack map: the return addresses, innermost first, zero-filled.
 * Stacks are keyed by content in a hash map, not by a hash of their content
 * (BPF_MAP_TYPE_STACK_TRACE), so two stacks never collide; the value is
 * the id the aggregation key refers to.
 */
struct tt_stack_ips {
	__u64 ip[TT_STACK_DEPTH];
};

_Static_assert(sizeof(struct tt_stack_ips) == 8 * TT_STACK_DEPTH, "tt_stack_ips layout");

/*
 * Aggregation key: one entry per (process, address space, user stack,
 * kernel stack, thread comm).  `as_gen` tells which image of the process
 * the user stack's addresses belong to: an execve gives the same tgid a new
 * address space, and the samples taken before it must be named from the
 * old one.  0: no address space (no user stack).
 */
struct tt_stack_key {
	__u32 tgid;
	__s32 user_stack;	/* stack map id, or TT_STACK_NONE / TT_STACK_LOST */
	__s32 kern_stack;	/* stack map id, or TT_STACK_NONE / TT_STACK_LOST */
	__u32 as_gen;		/* struct tt_new_pid.as_gen of the sample's address space */
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_stack_key) == 32, "tt_stack_key layout");

/*
 * A span in progress by thread id (offcpu: a thread off the CPU, with the
 * key its time will be added to when it runs again).  The span counts from
 * `ts` to `end`, or to now while `end` is 0; `ts` 0 means nothing to count
 * yet (offcpu --state 0: a blocked thread not woken yet).  User space
 * reports the part of a span still in progress at each report, so a thread
 * blocked for the whole run is not missing from it.
 */
struct tt_stack_span {
	__u64 ts;		/* ktime (CLOCK_MONOTONIC) ns at the start, 0: not started */
	__u64 end;		/* ktime ns at the end (offcpu: the wakeup), 0: still running */
	struct tt_stack_key key;
};

_Static_assert(sizeof(struct tt_stack_span) == 48, "tt_stack_span layout");

/*
 * Ring buffer record: process `tgid` was sampled in an address space not
 * announced before (its first sample, or the first since an execve), or
 * the executable mappings of an announced one changed (dlopen, a new
 * mapping).  `as_gen` numbers address spaces (never 0, unique per run
 * until it wraps at 2^32); the keys of its samples carry it.  The identity
 * fields are the mm's as /proc/PID/stat shows them (startcode, startstack,
 * arg_start), so user space can tell whether the maps it reads still belong
 * to this address space.
 */
struct tt_new_pid {
	__u32 tgid;
	__u32 as_gen;
	__u64 start_code;
	__u64 start_stack;
	__u64 arg_start;
};

_Static_assert(sizeof(struct tt_new_pid) == 32, "tt_new_pid layout");

/*
 * A sample whose user stack is unwound in user space (--call-graph dwarf):
 * the key as the kernel would count it (user_stack TT_STACK_NONE, the
 * kernel stack taken in the kernel), the value, the user registers in DWARF
 * numbering and `size` bytes of the user stack from the stack pointer up.
 * Sent through the announcement ring buffer, after the announcement of its
 * address space, and told apart from struct tt_new_pid by its length.
 */
#define TT_UREGS 17		/* x86-64 DWARF registers 0-16: rax ... r15, rip */
#define TT_UREG_SP 7
#define TT_UREG_IP 16
#define TT_USTACK_MAX 65528	/* perf's limit for sample_stack_user */

struct tt_ustack_sample {
	struct tt_stack_key key;
	__u64 value;
	__u64 regs[TT_UREGS];
	__u32 size;		/* bytes of stack[] copied from regs[TT_UREG_SP] */
	__u32 pad;
	__u8 stack[];
};

_Static_assert(sizeof(struct tt_ustack_sample) == 32 + 8 + 8 * TT_UREGS + 8,
	       "tt_ustack_sample layout");
_Static_assert(sizeof(struct tt_ustack_sample) != sizeof(struct tt_new_pid),
	       "records are told apart by length");

#endif /* TRACETOOL_STACK_H */
