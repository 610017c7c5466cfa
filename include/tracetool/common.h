/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structures every tracer shares between BPF and user space: the process
 * filter configuration and the loss counters.  Fixed-width types only.
 */
#ifndef TRACETOOL_COMMON_H
#define TRACETOOL_COMMON_H

#ifndef __TT_BPF__
#include <linux/types.h>
#endif

#define TT_COMM_LEN 16
#define TT_MAX_PIDS 1024	/* entries of the pid filter map (-p and followed children) */

/* Indexes of the per-CPU loss counter array every tracer exposes as `tt_lost`. */
enum tt_lost_reason {
	TT_LOST_RINGBUF = 0,	/* ring buffer full: event dropped */
	TT_LOST_MAP_FULL = 1,	/* aggregation map full: sample dropped */
	TT_LOST_STACK = 2,	/* stack id collision or missing stack */
	TT_LOST_PIDS_FULL = 3,	/* pid filter map full: a forked child is not followed */
	/*
	 * User space only (the stack tracers): a file or /proc entry that
	 * symbolization could not open for lack of descriptors (EMFILE,
	 * ENFILE); tried again at later reports.  Counted per failed open.
	 */
	TT_LOST_SYMBOLIZE_FD = 4,
	TT_LOST_NR = 5,
};

/*
 * Process filter, placed in .rodata of every tracer before load.
 * Filters combine with AND; an unset filter matches everything.
 */
struct tt_filter {
	__u8 filter_pids;	/* only tgids present in the tt_pids map */
	__u8 follow_forks;	/* add children of tracked tgids to tt_pids */
	__u8 filter_comm;	/* only tasks whose comm equals comm[] */
	__u8 filter_cgroup;	/* only tasks under the cgroup in tt_cgroup[0] */
	__u32 self_tgid;	/* tracetool itself: never traced (0: the tracer excludes it otherwise) */
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_filter) == 24, "tt_filter layout");

#endif /* TRACETOOL_COMMON_H */
