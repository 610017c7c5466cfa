/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exact classic histogram buckets for the exporters (OTLP explicit bounds,
 * Prometheus `le`): every exported bound is the inclusive upper bound of one
 * of tracetool's own buckets, so each exported bucket is a union of
 * tracetool buckets and every exported count is exact, never interpolated.
 */
#ifndef TT_BOUNDS_H
#define TT_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Most bounds an exported histogram has (the +Inf bucket not counted). */
#define TT_BOUNDS_MAX 64

/*
 * Snap `n` requested bounds (base units of `unit`: seconds, bytes...) to
 * tracetool bucket bounds: each becomes the inclusive upper bound of the
 * tracetool bucket holding it (within 1/64 above it; exact below 64 raw
 * units, e.g. 64 ns), written as tt_bucket_of_slot writes bucket bounds so
 * comparisons with a report's buckets are exact.  The result ascends,
 * without duplicates; bounds not above zero or past the finite range
 * (2^37 raw units) are left out.  Writes at most TT_BOUNDS_MAX to `out`
 * and returns how many.
 */
size_t tt_bounds_snap(double *out, const double *in, size_t n, const char *unit);

/*
 * The default bounds for a histogram of `unit`, snapped: for "seconds"
 * 1 µs, 10 µs, 100 µs, 250 µs, 1 ms, 2.5 ms, 10 ms, 25 ms, 100 ms, 250 ms,
 * 1 s, 2.5 s, 16 s requested (1.007e-06 ... 16.106127359 s written); for
 * any other unit the powers of 4 from 1 to 4^12.  Returns the count
 * (at most TT_BOUNDS_MAX).
 */
size_t tt_bounds_default(double *out, const char *unit);

/*
 * The non-cumulative counts of `h` in the n + 1 buckets (-inf, b[0]],
 * (b[0], b[1]], ..., (b[n-1], +inf) into `counts`: a report bucket goes to
 * the first bound at or above its upper bound (all of its values are at or
 * below it), so with snapped bounds and tracetool's buckets each count is
 * exact.  The counts sum to the sum of h's bucket counts.
 */
void tt_bounds_counts(const struct tt_hsum *h, const double *b, size_t n, uint64_t *counts);

#endif /* TT_BOUNDS_H */
