/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Configuration of the profile (on-CPU sampling) and offcpu (blocked time)
 * tracers, shared by bpf/{profile,offcpu}.bpf.c and tools/{profile,offcpu}.c.
 * The aggregation key is struct tt_stack_key (stack.h).
 */
#ifndef TRACETOOL_PROFILE_H
#define TRACETOOL_PROFILE_H

#include "common.h"
#include "stack.h"

/*
 * How user stacks are walked.  FP: the kernel's frame-pointer walk
 * (bpf_get_stack).  DWARF: the user registers and the top of the user stack
 * are copied at each sample and unwound in user space from the binaries'
 * CFI (.eh_frame, .debug_frame).  AUTO: FP for an address space whose every
 * executable ELF mapping keeps frame pointers, DWARF for the others.
 */
enum tt_call_graph {
	TT_CALL_GRAPH_FP = 0,
	TT_CALL_GRAPH_DWARF = 1,
	TT_CALL_GRAPH_AUTO = 2,
};

struct tt_profile_config {
	struct tt_filter filter;
	__u8 user_stacks;	/* collect user stacks */
	__u8 kernel_stacks;	/* collect kernel stacks */
	__u8 idle;		/* profile: count samples of the idle task (pid 0) */
	__u8 has_states;	/* offcpu: --state given */
	/*
	 * offcpu, with has_states: count switches out in these task states
	 * (TASK_INTERRUPTIBLE 1, TASK_UNINTERRUPTIBLE 2, ...: a bitmask), or,
	 * when 0, those of runnable threads (preempted or yielding: time
	 * waiting for a CPU).  Without: every blocking switch (state not 0).
	 */
	__u32 states;
	__u64 min_block_ns;	/* offcpu: ignore blocks shorter than this */
	__u8 call_graph;	/* profile: enum tt_call_graph */
	__u8 pad[3];
	__u32 stack_size;	/* profile, call_graph dwarf/auto: user stack bytes copied per sample */
};

_Static_assert(sizeof(struct tt_profile_config) == 24 + 8 + 8 + 8, "tt_profile_config layout");

#endif /* TRACETOOL_PROFILE_H */
