/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a tracer's series storage (include/tracetool/hist.h) into plain
 * arrays, and the one place where an interval becomes the difference of
 * two cumulative readings (tt_snap_diff).
 */
#ifndef TT_CELLS_H
#define TT_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracetool/hist.h"

struct bpf_map;
struct bpf_object;
struct tt_report;

/* One cell: a u32 cell key (tt_cell_key) and its count. */
struct tt_cell {
	__u32 key;
	__u64 count;
};

/* Cells sorted by key, so the cells of one series are adjacent and ordered by slot. */
struct tt_cellv {
	size_t n;
	struct tt_cell *v;
};

/*
 * A cumulative reading of one tracer's storage, or the difference of two.
 * stats[id] is the merged (over CPUs) count/sum/min/max of series `id`.
 */
struct tt_snap {
	struct tt_cellv cells;	/* histogram cells: tt_cell_key(id, slot) -> samples */
	struct tt_cellv counts;	/* counters: tt_cell_key(id, sub) -> count */
	size_t nstats;
	struct tt_series_stats *stats;
};

/*
 * One tracer's storage.  cells and counts are hashes of __u32 -> __u64;
 * stats is an array (per-CPU or shared) of struct tt_series_stats.  dense,
 * if set, is an mmapable array of __u64 whose row r (TT_HIST_NSLOTS cells)
 * holds the cells of series r; it is mapped at the first read.  Any map may
 * be NULL.  `prev` is the reading the last tt_store_delta ended at.  `fold`,
 * if set (tt_fold_slots), merges every histogram cell into the cell of
 * fold[slot] as it is read, so readings, and the previous one kept, hold
 * a cell per coarse bucket, not per model bucket ever hit.
 */
struct tt_store {
	struct bpf_map *cells, *counts, *stats, *dense;
	const __u64 *dense_mem;
	size_t dense_len;	/* bytes mapped */
	const __u16 *fold;	/* TT_HIST_NSLOTS entries, or NULL */
	struct tt_snap prev;
};

/*
 * A fold table for tt_store.fold: the n + 1 buckets (-inf, b[0]], ...,
 * (b[n-1], +inf) of bounds `b` (ascending, raw units times `scale`, each a
 * model bucket's upper bound: tt_prom_snap_bound), each slot mapped to the
 * top slot of its bucket (the overflow slot for the last).  Interval
 * min/max estimates (tt_snap_diff) become those of the coarse buckets;
 * cumulative min/max stay exact.
 */
void tt_fold_slots(__u16 out[TT_HIST_NSLOTS], const double *b, size_t n, double scale);

/* Read the maps (cumulative since load) into `out`.  0 or -errno. */
int tt_store_read(struct tt_store *s, struct tt_snap *out);

/*
 * out = cur - prev, leaving out cells and series without samples in
 * between.  count and sum are exact.  min/max of a series are exact when
 * the interval moved the cumulative min/max (or the series is new); else
 * they are bounded by the lowest/highest bucket that gained samples,
 * clamped to the cumulative min/max.  0 or -ENOMEM.
 */
int tt_snap_diff(const struct tt_snap *cur, const struct tt_snap *prev, struct tt_snap *out);

/* Read, report the difference from the previous call (from load, the first time), keep the reading. */
int tt_store_delta(struct tt_store *s, struct tt_snap *out);

/*
 * Fold the series whose cells start at index `i` of d->cells into `h`
 * (cleared first): its buckets, count = their total, and sum/min/max from
 * d->stats.  Returns the index after the series.
 */
size_t tt_snap_fold(const struct tt_snap *d, size_t i, struct tt_hist *h);

void tt_snap_release(struct tt_snap *s);

/*
 * The label keys of series ids [base, base + max), learned from a series
 * map (a hash of ksz-byte key -> __u32 id).  Ids never change and entries
 * are never deleted, so what was learned stays true.
 */
struct tt_series_keys {
	struct bpf_map *map;
	size_t ksz, base, max;
	unsigned char *keys;	/* max keys, by id - base */
	unsigned char *filled;	/* max flags: keys[i] was read from the map */
};

/*
 * Make sure the key of every bounded series id in `d`'s cells and counters
 * is known (re-reads the series map when one is not).  0 or -errno.
 */
int tt_series_keys_learn(struct tt_series_keys *k, const struct tt_snap *d);

/* Key of series `id`, or NULL for an id not (yet) read from the map. */
const void *tt_series_keys_get(const struct tt_series_keys *k, __u32 id);

void tt_series_keys_release(struct tt_series_keys *k);
void tt_store_release(struct tt_store *s);


#endif /* TT_CELLS_H */
