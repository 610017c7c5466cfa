/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side of the series storage (include/tracetool/hist.h): bounded series
 * ids with an overflow series, and cumulative u64 cells in a hash shared by
 * all CPUs.  Nothing here is ever reset or deleted, so user space reads
 * without side effects and reports intervals as differences.
 *
 * Why the cells are shared and not per-CPU: a per-CPU hash costs
 * 80 + 8 x possible-CPUs bytes per cell and preallocates every per-CPU
 * value one by one at map creation (131072 cells: 95 ms on the 2-CPU test
 * host, against 3 ms shared), so at the size that never fills it would blow
 * the start-up budget and grow with the CPU count.  A shared cell costs one
 * locked add; per-series stats stay per-CPU where the tracer allows it.
 *
 * Nothing is ever deleted, so a pointer from a lookup stays valid: a
 * preallocated hash element that is deleted can be reused for another key
 * while a program on another CPU still writes through its old pointer.
 * That is why series of exited processes are not retired (yet); the bound
 * and the overflow series keep the maps from filling instead.
 */
#ifndef TT_SERIES_BPF_H
#define TT_SERIES_BPF_H

#ifdef __TT_BPF__
#include "lib/tt.bpf.h"
#endif
/* else: a unit test (tests/unit/test_cells.c) provides the map helpers */
#include "tracetool/hist.h"

/* Series ids handed out past the reserved (overflow) ones. */
__u32 tt_series_next = 0;

/*
 * Id of the series `key` in `series` (a hash of key -> __u32 id), added
 * with the next id in [base, base + max) on first sight.  Past the bound,
 * or when the hash refuses the insert, the sample belongs to the overflow
 * series `overflow` (an id below base).  Two CPUs racing on a new key both
 * take an id; the loser uses the winner's, and its id stays unused.
 */
static __always_inline __u32 tt_series_id(void *series, const void *key, __u32 base, __u32 max,
					  __u32 overflow)
{
	__u32 *id = bpf_map_lookup_elem(series, key);
	__u32 n, nid;

	if (id)
		return *id;
	if (tt_series_next >= max)	/* full: no atomic on every sample of a new key */
		return overflow;
	n = __sync_fetch_and_add(&tt_series_next, 1);
	if (n >= max)
		return overflow;
	nid = base + n;
	if (!bpf_map_update_elem(series, key, &nid, BPF_NOEXIST))
		return nid;
	id = bpf_map_lookup_elem(series, key);
	return id ? *id : overflow;
}

#define TT_CELL_ADDED 1		/* tt_cell_add: counted in an existing cell */
#define TT_CELL_INSERTED 2	/* tt_cell_add: counted in a cell it inserted */

/*
 * Add n to cell `key` of `cells` (a hash of __u32 -> __u64 shared by all
 * CPUs: atomic), inserting the cell when it is new and fewer than `limit`
 * cells were inserted so far (*used counts them).  Returns TT_CELL_ADDED or
 * TT_CELL_INSERTED, or 0 when the cell is new and may not or cannot be
 * inserted: the caller routes the sample to an overflow series or counts it
 * as lost.
 */
static __always_inline int tt_cell_add(void *cells, __u32 key, __u64 n, __u32 *used, __u32 limit)
{
	__u64 *c = bpf_map_lookup_elem(cells, &key);
	long err;

	if (c) {
		__sync_fetch_and_add(c, n);
		return TT_CELL_ADDED;
	}
	if (*used >= limit)
		return 0;
	err = bpf_map_update_elem(cells, &key, &n, BPF_NOEXIST);
	if (!err) {
		__sync_fetch_and_add(used, 1);
		return TT_CELL_INSERTED;
	}
	if (err != -TT_EEXIST)
		return 0;
	c = bpf_map_lookup_elem(cells, &key);
	if (!c)
		return 0;
	__sync_fetch_and_add(c, n);
	return TT_CELL_ADDED;
}

/*
 * Cells a series may always insert while the map has room; past that it
 * stops at its tracer's limit.  The map above the limit is thus kept for
 * series that are new or small, so a few busy series cannot starve the
 * series that appear later (they overflow instead).
 */
#define TT_SMALL_SERIES_CELLS 32

/*
 * tt_cell_add for series with a cell count *own (NULL: none kept): below
 * TT_SMALL_SERIES_CELLS cells the whole map is open to it, else `limit`.
 */
static __always_inline int tt_cell_add_fair(void *cells, __u32 key, __u32 *used, __u32 limit,
					    __u32 *own)
{
	int r = tt_cell_add(cells, key, 1, used,
			    own && *own < TT_SMALL_SERIES_CELLS ? ~0u : limit);

	if (r == TT_CELL_INSERTED && own)
		__sync_fetch_and_add(own, 1);
	return r;
}

/*
 * Count one sample of series `id` in its cell tt_cell_key(id, sub).  A
 * bounded series (id >= base) may insert a new cell only while fewer than
 * `limit` cells exist, so the rest of the map stays for the overflow
 * series; past that, the sample goes to series `overflow`.  Returns the id
 * that took the sample, or TT_SERIES_ID_MAX when even the overflow series
 * had no room (the caller counts it as lost).
 */
static __always_inline __u32 tt_cell_count(void *cells, __u32 *used, __u32 limit, __u32 id,
					   __u32 base, __u32 overflow, __u32 sub)
{
	if (tt_cell_add(cells, tt_cell_key(id, sub), 1, used, id < base ? ~0u : limit))
		return id;
	if (id >= base && tt_cell_add(cells, tt_cell_key(overflow, sub), 1, used, ~0u))
		return overflow;
	return TT_SERIES_ID_MAX;
}

/* *p = max(*p, v) where several CPUs (or a nested program) write. */
static __always_inline void tt_atomic_max(__u64 *p, __u64 v)
{
	__u64 old = *p, seen;
	int i;

	/*
	 * Each retry means another writer raised it, so the loop ends; the
	 * verifier needs a bound, and 32 writers racing on one series' max in
	 * a row do not happen.
	 */
	for (i = 0; i < 32 && v > old; i++) {
		seen = __sync_val_compare_and_swap(p, old, v);
		if (seen == old)
			break;
		old = seen;
	}
}

/* tt_series_stats_record for an entry shared by all CPUs. */
static __always_inline void tt_series_stats_record_shared(struct tt_series_stats *s, __u64 v)
{
	tt_atomic_max(&s->nmin, ~v);
	tt_atomic_max(&s->max, v);
	__sync_fetch_and_add(&s->count, 1);
	__sync_fetch_and_add(&s->sum, v);
}

#endif /* TT_SERIES_BPF_H */
