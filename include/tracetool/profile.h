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
};

_Static_assert(sizeof(struct tt_profile_config) == 24 + 8 + 8, "tt_profile_config layout");

#endif /* TRACETOOL_PROFILE_H */
