/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading generation-tagged per-CPU maps (struct tt_hist_cell and struct
 * tt_gen_counter values, include/tracetool/hist.h) into plain sorted
 * arrays, merged over CPUs, plus the bookkeeping that keeps interval
 * reports exact: samples that landed in a generation after it was read are
 * found at the next report and added there.
 */
#ifndef TT_CELLS_H
#define TT_CELLS_H

#include <stdbool.h>
#include <stddef.h>

#include "tracetool/hist.h"

struct bpf_map;

enum tt_cell_kind {
	TT_CELLS_HIST,		/* values are struct tt_hist_cell */
	TT_CELLS_COUNTER,	/* values are struct tt_gen_counter; sums[i].count holds it */
};

/* Keys (opaque, ksz bytes each) with their sums, sorted by key bytes. */
struct tt_cells {
	size_t ksz, n;
	unsigned char *keys;
	struct tt_hist_sum *sums;
};

static inline const void *tt_cells_key(const struct tt_cells *c, size_t i)
{
	return c->keys + i * c->ksz;
}

/*
 * One map of a tracer, read generation by generation.  `prev` is what the
 * last interval report read of its generation.
 */
struct tt_cell_map {
	struct bpf_map *map;
	enum tt_cell_kind kind;
	size_t ksz;
	struct tt_cells prev, late;
	bool have_prev;
};

/*
 * Before publishing a new generation: re-read generation `gen - 1` and keep
 * what arrived after the last report read it.  0 or -errno.
 */
int tt_cell_map_catch_late(struct tt_cell_map *m, __u32 gen);

/*
 * Read generation `gen` into `out` (sorted, keys without samples left out),
 * with the late samples found by tt_cell_map_catch_late added.  With
 * `keep`, remember this read for the next catch_late.  0 or -errno.
 */
int tt_cell_map_read(struct tt_cell_map *m, __u32 gen, bool keep, struct tt_cells *out);

/*
 * Fold the histogram cells of the series that starts at index `i` into `h`
 * (cleared first): the series is the run of adjacent keys whose first
 * `slot_off` bytes are equal, and the cell's slot is the __u32 at `slot_off`
 * (the last key field, so sorting keeps a series together).  Returns the
 * index after the series; h->count is 0 if it holds no sample.
 */
size_t tt_cells_fold(const struct tt_cells *c, size_t i, size_t slot_off, struct tt_hist *h);

void tt_cells_release(struct tt_cells *c);
void tt_cell_map_release(struct tt_cell_map *m);

#endif /* TT_CELLS_H */
