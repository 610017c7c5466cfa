/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Series aggregated in user space: a hash table from a tuple of label
 * values to a sparse histogram (exact count, sum, min, max and the
 * non-empty buckets of include/tracetool/hist.h).  For tracers that stream
 * one record per sample and build labels only user space can (normalised
 * HTTP routes); tt_agg_fill turns it into report series.
 */
#ifndef TT_AGG_H
#define TT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* One non-empty bucket of an entry: tt_hist_slot() index and its count. */
struct tt_agg_bucket {
	uint32_t slot;
	uint64_t count;
};

struct tt_agg_entry {
	char **labels;		/* nlabels values */
	uint64_t count, sum, min, max;
	size_t nbuckets, cap;
	struct tt_agg_bucket *buckets;	/* ascending slot */
};

struct tt_agg {
	size_t nlabels;
	size_t n, size;		/* entries, table slots (power of two) */
	struct tt_agg_entry **slots;
};

/* Empty aggregate of series with `nlabels` labels; NULL + errno. */
struct tt_agg *tt_agg__new(size_t nlabels);
void tt_agg__free(struct tt_agg *a);

/* The series with these label values, or NULL. */
struct tt_agg_entry *tt_agg_find(const struct tt_agg *a, const char *const *labels);
/* The series with these label values, created empty if new; NULL + errno. */
struct tt_agg_entry *tt_agg_get(struct tt_agg *a, const char *const *labels);

/* Record one value (raw units, e.g. ns) into a series. 0 or -ENOMEM. */
int tt_agg_entry_record(struct tt_agg_entry *e, uint64_t v);

/* Record `v` into the series `labels`, creating it. 0 or -ENOMEM. */
int tt_agg_record(struct tt_agg *a, const char *const *labels, uint64_t v);

/*
 * Add every series with samples to histogram family `f` (same label order),
 * raw units times `scale` (1e-9: ns -> seconds).  0 or -errno.
 */
int tt_agg_fill(const struct tt_agg *a, struct tt_family *f, double scale);

/* Forget every series (after an interval report). */
void tt_agg_clear(struct tt_agg *a);

#endif /* TT_AGG_H */
