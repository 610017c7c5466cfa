/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls tracer's view shared by bpf/syscalls.bpf.c and
 * tools/syscalls.c: configuration and series key.  The error counters are
 * cells keyed tt_cell_key(series id, errno).
 */
#ifndef TRACETOOL_SYSCALLS_H
#define TRACETOOL_SYSCALLS_H

#include "common.h"
#include "hist.h"

#define TT_SYSCALL_NR_MAX 1024	/* syscall numbers >= this are ignored */
#define TT_SYSCALL_MASK_WORDS (TT_SYSCALL_NR_MAX / 64)
/*
 * Syscalls below this number (every syscall of x86-64 and arm64 today) have
 * a dense row of TT_HIST_NSLOTS cells each in an mmapable array: the bucket
 * is found by index, without a hash lookup, and the row never fills.
 */
#define TT_SYSCALL_DENSE_NR 512

enum tt_syscall_by {
	TT_BY_SYSCALL = 0,	/* key: nr */
	TT_BY_COMM = 1,		/* key: nr, comm */
	TT_BY_PROCESS = 2,	/* key: nr, tgid, comm of the main thread (group leader) */
	TT_BY_THREAD = 3,	/* key: nr, tgid, tid, comm */
};

/*
 * Series storage (include/tracetool/hist.h).  Series ids below
 * TT_SYSCALL_NR_MAX are the syscall numbers: with --by syscall the series
 * themselves, otherwise each syscall's overflow series (labels `_other`);
 * their cells are the dense rows (TT_SYSCALL_DENSE_NR).  Finer series take
 * ids from TT_SYSCALL_NR_MAX on, at most max_series, with cells in a hash;
 * a finer series whose new bucket does not fit there overflows to its
 * syscall's row.
 */
struct tt_syscalls_config {
	struct tt_filter filter;
	__u8 by;		/* enum tt_syscall_by */
	__u8 failed_only;	/* record only calls that returned -errno */
	__u8 filter_nr;		/* only syscalls set in nr_mask */
	__u8 pad[5];
	__u32 max_series;	/* series ids past TT_SYSCALL_NR_MAX (not --by syscall) */
	__u32 cells_limit;	/* hashed cells series past TT_SMALL_SERIES_CELLS may fill */
	__u32 errs_limit;	/* error counters the finer series may take; the rest is kept for _other */
	__u32 pad2;
	__u64 nr_mask[TT_SYSCALL_MASK_WORDS];
};

_Static_assert(sizeof(struct tt_syscalls_config) == 24 + 8 + 16 + 8 * TT_SYSCALL_MASK_WORDS,
	       "tt_syscalls_config layout");

/* Key of the series map (not --by syscall); fields --by does not use stay 0. */
struct tt_syscall_key {
	__u32 nr;
	__u32 tgid;
	__u32 tid;
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_syscall_key) == 28, "tt_syscall_key layout");

/* Per-task state between sys_enter and sys_exit (task local storage). */
struct tt_syscall_start {
	__u64 ts;		/* ktime ns at sys_enter, 0 = not tracked */
	__u32 nr;
	__u32 skip;		/* set by user space on tracetool itself */
};

#endif /* TRACETOOL_SYSCALLS_H */
