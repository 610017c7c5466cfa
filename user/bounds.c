// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exported histogram bounds snapped to tracetool's bucket bounds, and the
 * exact bucket counts of a report histogram under them (user/bounds.h).
 */
#include <math.h>
#include <stdlib.h>

#include "bounds.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

size_t tt_bounds_snap(double *out, const double *in, size_t n, const char *unit)
{
	double scale = tt_hist_resolution(unit), raw;
	size_t i, k = 0;

	for (i = 0; i < n && k < TT_BOUNDS_MAX; i++) {
		if (!(in[i] > 0))
			continue;
		raw = round(in[i] / scale);
		if (raw < 0 || raw >= ldexp(1, TT_HIST_MAX_BITS))
			continue;
		out[k++] = tt_bucket_of_slot(tt_hist_slot((__u64)raw), 0, scale).upper;
	}
	qsort(out, k, sizeof(*out), cmp_double);
	for (i = n = 0; i < k; i++)
		if (!n || out[i] != out[n - 1])
			out[n++] = out[i];
	return n;
}

size_t tt_bounds_default(double *out, const char *unit)
{
	static const double seconds[] = { 1e-6, 1e-5, 1e-4, 2.5e-4, 1e-3, 2.5e-3, 1e-2,
					  2.5e-2, 0.1, 0.25, 1, 2.5, 16 };
	double pow4[13];
	size_t i;

	if (tt_hist_resolution(unit) != 1)
		return tt_bounds_snap(out, seconds, sizeof(seconds) / sizeof(*seconds), unit);
	for (i = 0; i < 13; i++)
		pow4[i] = ldexp(1, 2 * (int)i);
	return tt_bounds_snap(out, pow4, 13, unit);
}

void tt_bounds_counts(const struct tt_hsum *h, const double *b, size_t n, uint64_t *counts)
{
	size_t i, j = 0;

	for (i = 0; i <= n; i++)
		counts[i] = 0;
	/* report buckets ascend by upper bound: one merge-like pass */
	for (i = 0; i < h->nbuckets; i++) {
		while (j < n && h->buckets[i].upper > b[j])
			j++;
		counts[j] += h->buckets[i].count;
	}
}
