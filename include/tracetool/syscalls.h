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

/*
 * A call is named by its ABI and its number in that ABI's table: the
 * native one (x86_64), or the compat one (i386: an ia32 task's int 0x80,
 * sysenter or syscall from 32-bit mode, which the kernel marks TS_COMPAT).
 * Both go into one id space, the syscall id:
 *
 *	id = (nr & 511) | abi << 9 | (nr >> 9) << 10	(nr < 1024)
 *
 * so the native numbers below 512 (every x86_64 syscall today) are the ids
 * below 512, the dense rows; the compat ones (i386) are ids 512-1023, and
 * numbers 512-1023 of either ABI take the ids 1024-2047.  Numbers from 1024
 * on are ignored.
 */
#define TT_SYSCALL_ABI_NATIVE 0
#define TT_SYSCALL_ABI_COMPAT 1
#define TT_SYSCALL_NR_LIMIT 1024	/* syscall numbers >= this are ignored, in each ABI */
#define TT_SYSCALL_NR_MAX 2048		/* syscall ids: 2 ABIs x TT_SYSCALL_NR_LIMIT */
#define TT_SYSCALL_MASK_WORDS (TT_SYSCALL_NR_MAX / 64)
/*
 * Syscall ids below this (the native numbers below 512) have a dense row of
 * TT_HIST_NSLOTS cells each in an mmapable array: the bucket is found by
 * index, without a hash lookup, and the row never fills.  The rarer ia32
 * calls take hashed cells: dense rows for them would double the rows'
 * 8 MiB.
 */
#define TT_SYSCALL_DENSE_NR 512

/* Syscall id of number nr (< TT_SYSCALL_NR_LIMIT) in ABI abi; see above. */
static inline __u32 tt_syscall_id(__u32 abi, __u32 nr)
{
	return (nr & 511) | abi << 9 | (nr >> 9) << 10;
}

static inline __u32 tt_syscall_id_abi(__u32 id)
{
	return (id >> 9) & 1;
}

static inline __u32 tt_syscall_id_nr(__u32 id)
{
	return (id & 511) | (id >> 10) << 9;
}

enum tt_syscall_by {
	TT_BY_SYSCALL = 0,	/* key: syscall id */
	TT_BY_COMM = 1,		/* key: syscall id, comm */
	TT_BY_PROCESS = 2,	/* key: syscall id, tgid, comm of the main thread (group leader) */
	TT_BY_THREAD = 3,	/* key: syscall id, tgid, tid, comm */
};

/*
 * Series storage (include/tracetool/hist.h).  Series ids below
 * TT_SYSCALL_NR_MAX are the syscall ids: with --by syscall the series
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
	__u8 filter_nr;		/* only syscall ids set in nr_mask */
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
	__u32 nr;		/* syscall id */
	__u32 tgid;
	__u32 tid;
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_syscall_key) == 28, "tt_syscall_key layout");

/* Per-task state between sys_enter and sys_exit (task local storage). */
struct tt_syscall_start {
	__u64 ts;		/* ktime ns at sys_enter, 0 = not tracked */
	__u32 nr;		/* syscall id */
	__u32 skip;		/* set by user space on tracetool itself */
};

#endif /* TRACETOOL_SYSCALLS_H */
