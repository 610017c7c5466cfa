/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The unit tests' deterministic generator: xorshift64* with Box-Muller, so
 * every run of a statistical test sees the same numbers.  Needs <math.h>,
 * <stdint.h>.
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

#endif /* TT_RNG_H */
