/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The unit tests' deterministic generator: xorshift64* with Box-Muller, so
 * every run of a statistical test sees the same numbers; and what the tests
 * that draw samples into histograms share.  Needs <math.h>, <stdint.h>,
 * <stdlib.h>, cmocka and report.h first.
 */
#ifndef TT_RNG_H
#define TT_RNG_H

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform double in the open interval (0, 1). */
static inline double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal deviate (Box-Muller, cosine branch only). */
static inline double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Log-normal value with the given median and sigma, at least 1. */
static inline uint64_t rng_lognormal(struct rng *r, double median, double sigma)
{
	double v = median * exp(sigma * rng_normal(r));

	return v < 1.0 ? 1 : (uint64_t)llround(v);
}

/* A zeroed dense histogram (16 KB: heap, not stack). */
static inline struct tt_hist *hist_new(void)
{
	struct tt_hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

/* qsort order of uint64_t samples. */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#endif /* TT_RNG_H */
