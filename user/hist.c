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

double tt_hist_scaled(double v, double scale)
{
	double per = scale > 0 && scale < 1 ? round(1 / scale) : 0;

	return per > 1 && fabs(per * scale - 1) < 1e-12 ? v / per : v * scale;
}

struct tt_bucket tt_bucket_of_slot(uint32_t slot, uint64_t count, double scale)
{
	struct tt_bucket b = { .count = count };

	if (slot >= TT_HIST_OVERFLOW) {
		b.lower = tt_hist_scaled(ldexp(1, TT_HIST_MAX_BITS), scale);
		b.upper = INFINITY;
	} else {
		b.lower = tt_hist_scaled((double)tt_hist_slot_lower(slot), scale);
		b.upper = tt_hist_scaled((double)tt_hist_slot_upper(slot), scale);
	}
	return b;
}

int tt_hsum_from_hist(struct tt_hsum *out, const struct tt_hist *h, double scale)
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
	for (i = 0; i < TT_HIST_NSLOTS; i++)
		if (h->slots[i])
			out->buckets[out->nbuckets++] =
				tt_bucket_of_slot((uint32_t)i, h->slots[i], scale);
	out->count = h->count;
	out->sum = tt_hist_scaled((double)h->sum, scale);
	out->min = h->count ? tt_hist_scaled((double)h->min, scale) : 0;
	out->max = h->count ? tt_hist_scaled((double)h->max, scale) : 0;
	return 0;
}

void tt_hsum_release(struct tt_hsum *s)
{
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}

int tt_hsum_add(struct tt_hsum *dst, const struct tt_hsum *src)
{
	struct tt_bucket *out;
	size_t i = 0, j = 0, n = 0;

	if (!src->count && !src->nbuckets)
		return 0;
	out = malloc((dst->nbuckets + src->nbuckets + 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < dst->nbuckets || j < src->nbuckets) {
		const struct tt_bucket *a = i < dst->nbuckets ? &dst->buckets[i] : NULL;
		const struct tt_bucket *b = j < src->nbuckets ? &src->buckets[j] : NULL;

		if (a && b && a->upper == b->upper) {
			out[n] = *a;
			out[n].count += b->count;
			out[n].lower = fmin(a->lower, b->lower);
			i++;
			j++;
		} else if (a && (!b || a->upper < b->upper)) {
			out[n] = *a;
			i++;
		} else {
			out[n] = *b;
			j++;
		}
		n++;
	}
	free(dst->buckets);
	dst->buckets = out;
	dst->nbuckets = n;
	if (src->count) {
		if (!dst->count || src->min < dst->min)
			dst->min = src->min;
		if (!dst->count || src->max > dst->max)
			dst->max = src->max;
	}
	dst->count += src->count;
	dst->sum += src->sum;
	return 0;
}

int tt_hsum_copy(struct tt_hsum *dst, const struct tt_hsum *src)
{
	*dst = *src;
	dst->buckets = NULL;
	if (!src->nbuckets)
		return 0;
	dst->buckets = malloc(src->nbuckets * sizeof(*dst->buckets));
	if (!dst->buckets) {
		dst->nbuckets = 0;
		return -ENOMEM;
	}
	memcpy(dst->buckets, src->buckets, src->nbuckets * sizeof(*dst->buckets));
	return 0;
}

void tt_hsum_fold(struct tt_hsum *h, const double *b, size_t n)
{
	size_t i, j = 0, k = 0;

	for (i = 0; i < h->nbuckets; i++) {	/* both ascend: one merge-like pass */
		const struct tt_bucket *in = &h->buckets[i];

		while (j < n && in->upper > b[j] * (1 + 1e-9))
			j++;
		if (k && h->buckets[k - 1].upper == (j < n ? b[j] : INFINITY)) {
			h->buckets[k - 1].count += in->count;
			continue;
		}
		h->buckets[k] = (struct tt_bucket){ .lower = j ? b[j - 1] : 0,
						    .upper = j < n ? b[j] : INFINITY,
						    .count = in->count };
		k++;
	}
	h->nbuckets = k;
}

double tt_hist_resolution(const char *unit)
{
	return unit && !strcmp(unit, "seconds") ? 1e-9 : 1;
}

double tt_hsum_quantile(const struct tt_hsum *s, double q)
{
	uint64_t total = 0, rank, seen = 0;
	const struct tt_bucket *b;
	double est;
	size_t i;

	for (i = 0; i < s->nbuckets; i++)
		total += s->buckets[i].count;
	if (total == 0)
		return 0;
	if (q <= 0)
		return s->min;
	/*
	 * Nearest rank: the ceil(q * n)-th smallest sample, 1-based.  The
	 * product can land an ulp above an integer (0.07 * 100), so shave that
	 * off before rounding up.  The top rank is the exact maximum.
	 */
	rank = (uint64_t)ceil(q * (double)total * (1 - 4 * DBL_EPSILON));
	if (rank < 1)
		rank = 1;
	if (rank >= total)
		return s->max;
	for (i = 0; i < s->nbuckets; i++) {
		seen += s->buckets[i].count;
		if (seen >= rank)
			break;
	}
	if (i == s->nbuckets)
		i = s->nbuckets - 1;
	b = &s->buckets[i];
	if (isinf(b->upper))
		return s->max;	/* only the maximum is known past the top */
	est = tt_midpoint(b->lower, b->upper);
	if (est < s->min)
		est = s->min;
	if (est > s->max)
		est = s->max;
	return est;
}
