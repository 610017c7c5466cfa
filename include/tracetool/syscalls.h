/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls tracer's view shared by bpf/syscalls.bpf.c and
 * tools/syscalls.c: configuration, aggregation key and value.
 */
#ifndef TRACETOOL_SYSCALLS_H
#define TRACETOOL_SYSCALLS_H

#include "common.h"
#include "hist.h"

#define TT_SYSCALL_NR_MAX 1024	/* syscall numbers >= this are ignored */
#define TT_SYSCALL_MASK_WORDS (TT_SYSCALL_NR_MAX / 64)

enum tt_syscall_by {
	TT_BY_SYSCALL = 0,	/* key: nr */
	TT_BY_COMM = 1,		/* key: nr, comm */
	TT_BY_PROCESS = 2,	/* key: nr, tgid, comm */
	TT_BY_THREAD = 3,	/* key: nr, tgid, tid, comm */
};

struct tt_syscalls_config {
	struct tt_filter filter;
	__u8 by;		/* enum tt_syscall_by */
	__u8 failed_only;	/* record only calls that returned -errno */
	__u8 filter_nr;		/* only syscalls set in nr_mask */
	__u8 pad[5];
	__u64 nr_mask[TT_SYSCALL_MASK_WORDS];
};

_Static_assert(sizeof(struct tt_syscalls_config) == 24 + 8 + 8 * TT_SYSCALL_MASK_WORDS,
	       "tt_syscalls_config layout");

/*
 * Series key; fields the aggregation mode does not use stay 0.  In the
 * latency map `slot` is the histogram slot (tt_hist_slot) of the cell;
 * in the error map it is 0.  `slot` comes last, so sorting keys by their
 * bytes puts the cells of one series next to each other.
 */
struct tt_syscall_key {
	__u32 nr;
	__u32 tgid;
	__u32 tid;
	char comm[TT_COMM_LEN];
	__u32 slot;
};

_Static_assert(sizeof(struct tt_syscall_key) == 32, "tt_syscall_key layout");
_Static_assert(__builtin_offsetof(struct tt_syscall_key, slot) == 28, "slot must come last");

/* Key of the error map: the latency key plus the errno (positive). */
struct tt_syscall_err_key {
	struct tt_syscall_key k;
	__u32 err;
	__u32 pad;
};

_Static_assert(sizeof(struct tt_syscall_err_key) == 40, "tt_syscall_err_key layout");

/* Per-task state between sys_enter and sys_exit (task local storage). */
struct tt_syscall_start {
	__u64 ts;		/* ktime ns at sys_enter, 0 = not tracked */
	__u32 nr;
	__u32 skip;		/* set by user space on tracetool itself */
};

#endif /* TRACETOOL_SYSCALLS_H */
