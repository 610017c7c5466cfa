// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User-space side of the log-linear histogram: merging per-CPU copies,
 * compressing a dense histogram to its non-empty buckets, and quantile
 * estimation with a bounded error (see include/tracetool/hist.h).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void tt_hist_merge(struct tt_hist *dst, const struct tt_hist *src)
{
	size_t i;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (i = 0; i < TT_HIST_NSLOTS; i++)
		dst->slots[i] += src->slots[i];
}

int tt_hsum_from_hist(struct tt_hsum *out, const struct tt_hist *h)
{
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < TT_HIST_NSLOTS; i++)
		n += h->slots[i] != 0;
	if (n) {
		out->buckets = calloc(n, sizeof(*out->buckets));
		if (!out->buckets)
			return -ENOMEM;
	}
	for (i = 0; i < TT_HIST_NSLOTS; i++) {
		if (!h->slots[i])
			continue;
		out->buckets[out->nbuckets].slot = (uint32_t)i;
		out->buckets[out->nbuckets].count = h->slots[i];
		out->nbuckets++;
	}
	out->count = h->count;
	out->sum = h->sum;
	out->min = h->count ? h->min : 0;
	out->max = h->max;
	return 0;
}

void tt_hsum_release(struct tt_hsum *s)
{
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}

double tt_bucket_upper(uint32_t slot)
{
	if (slot >= TT_HIST_OVERFLOW)
		return INFINITY;
	return (double)tt_hist_slot_upper(slot);
}

double tt_hsum_quantile(const struct tt_hsum *s, double q)
{
	uint64_t total = 0, rank, seen = 0;
	double lo, hi, est;
	size_t i;

	for (i = 0; i < s->nbuckets; i++)
		total += s->buckets[i].count;
	if (total == 0)
		return 0;
	if (q <= 0)
		return (double)s->min;
	/*
	 * Nearest rank: the ceil(q * n)-th smallest sample, 1-based.  The
	 * product can land an ulp above an integer (0.07 * 100), so shave that
	 * off before rounding up.  The top rank is the exact maximum.
	 */
	rank = (uint64_t)ceil(q * (double)total * (1 - 4 * DBL_EPSILON));
	if (rank < 1)
		rank = 1;
	if (rank >= total)
		return (double)s->max;
	for (i = 0; i < s->nbuckets; i++) {
		seen += s->buckets[i].count;
		if (seen >= rank)
			break;
	}
	if (i == s->nbuckets)
		i = s->nbuckets - 1;
	if (s->buckets[i].slot >= TT_HIST_OVERFLOW)
		return (double)s->max;	/* only the maximum is known past the top */
	lo = (double)tt_hist_slot_lower(s->buckets[i].slot);
	hi = (double)tt_hist_slot_upper(s->buckets[i].slot);
	est = (lo + hi) / 2;
	if (est < (double)s->min)
		est = (double)s->min;
	if (est > (double)s->max)
		est = (double)s->max;
	return est;
}
