/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The statistics of `tracetool compare` (issue 15): pure functions over
 * per-run values.  The unit of evidence is the run, not the sample: samples
 * of one run share its drift, so each run gives one value per statistic
 * (its p99, its mean...) and base and candidate runs are compared with a
 * rank test whose null distribution is enumerated exactly.
 *
 * Exact Mann-Whitney U under ties (mid-ranks), the Hodges-Lehmann shift with
 * the confidence interval that inverts that test, Benjamini-Hochberg across
 * the gated tests, per-run quantiles from a report's buckets with an interval
 * that holds the exact sample quantile, and the verdict rule.
 */
#ifndef TT_COMPARE_STATS_H
#define TT_COMPARE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Most runs a side the exact distributions are enumerated for. */
#define TT_MW_MAX_RUNS 30

/*
 * One-sided exact Mann-Whitney test of y against x.  u: the number of
 * pairs (x_i, y_j) with y_j > x_i, ties counting 1/2 (0..nx*ny).  p_greater:
 * P(U >= u) and p_less: P(U <= u) when every assignment of the pooled values
 * to the two sides is equally likely, the values' own ties kept (mid-ranks):
 * the permutation distribution, not the normal approximation.
 */
struct tt_mw {
	double u;
	double p_greater;
	double p_less;
};

/*
 * 0, or -EINVAL (a side empty or longer than TT_MW_MAX_RUNS, a NaN) or
 * -ENOMEM.  Cost: about N * ny * N^2 for N = nx + ny pooled values.
 */
int tt_mw_exact(const double *x, size_t nx, const double *y, size_t ny, struct tt_mw *out);

/*
 * Hodges-Lehmann estimate of the shift y - x: the median of the nx*ny
 * pairwise differences, with the two-sided `conf` confidence interval that
 * inverts the exact test (its bounds are the (k+1)-th smallest and largest
 * differences, k the largest count with P(U <= k) <= (1 - conf) / 2 in the
 * tie-free distribution).  With too few runs for that level the bounds are
 * -INFINITY and INFINITY.  0, -EINVAL (as tt_mw_exact, or conf not in (0,1)),
 * -ENOMEM.
 */
struct tt_hl {
	double shift;
	double lo, hi;
};
int tt_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double conf,
		      struct tt_hl *out);

/*
 * Benjamini-Hochberg adjusted p-values: q[i] is the smallest false
 * discovery rate at which p[i] is rejected among the n tests (q may be p).
 * 0 or -ENOMEM.
 */
int tt_bh_adjust(const double *p, size_t n, double *q);

/*
 * A run's q-quantile (0 < q < 1) from its buckets, base units.  value: the
 * estimate tt_hsum_quantile gives; [lo, hi]: the bounds of the bucket that
 * holds the nearest-rank sample (the ceil(q*n)-th smallest), narrowed to
 * the run's exact min and max, so the exact sample quantile is always
 * inside.  All 0 for an empty histogram.
 */
struct tt_qint {
	double value;
	double lo, hi;
};
void tt_hsum_quantile_interval(const struct tt_hsum *s, double q, struct tt_qint *out);

/*
 * Fewest samples a run needs for its q-quantile to be evidence: 20 beyond
 * it, ceil(20 / (1 - q)) (p50: 40, p90: 200, p99: 2,000, p99.9: 20,000).
 * The number of samples above the true q-quantile is binomial with mean
 * n(1-q), so with 20 expected its relative spread is 1/sqrt(20) = 22 %, and
 * the sample quantile's rank moves by about that much of the tail; with
 * fewer, a run's p99 is decided by a handful of samples.
 */
uint64_t tt_quantile_min_samples(double q);

enum tt_verdict {
	TT_SAME,		/* the change is shown to be inside the allowed one */
	TT_IMPROVED,		/* better by more than allowed, significantly */
	TT_REGRESSED,		/* worse by more than allowed, significantly */
	TT_INCONCLUSIVE,	/* neither shown */
	TT_INSUFFICIENT,	/* a run had too few samples for the statistic */
};

/* "SAME", "IMPROVED", ... */
const char *tt_verdict_name(enum tt_verdict v);

/*
 * One gated statistic of one series: per-run values of each side, and the
 * rule.  log_scale: compare ratios of a non-negative statistic (values
 * must be > 0; a side with a value <= 0 falls back to differences relative
 * to the base median, whose change and interval are then cut at -1: a
 * candidate >= 0 cannot fall by more than 100 %).  absolute
 * (without log_scale): compare plain differences, for fractions such as an
 * error ratio or a function's share, whose base is often 0; change, its
 * interval and allowed are then differences (0.01 = one percentage point).
 * allowed: the change tolerated (0.05 = 5 %), the minimum effect.
 */
struct tt_cmp_in {
	const double *base;
	size_t nbase;
	const double *cand;
	size_t ncand;
	double allowed;
	bool higher_is_worse;
	bool log_scale;
	bool absolute;
};

/*
 * The outcome.  change, lo, hi: the Hodges-Lehmann relative change
 * cand/base - 1 and its 1 - 2*alpha interval.  p_worse / p_better: exact
 * one-sided p-values of "the candidate is worse (better) by more than the
 * allowed change" (the candidate's values moved back by the allowed change
 * before the test); q_*: the same after Benjamini-Hochberg across the
 * family tt_cmp_decide is given.
 */
struct tt_cmp {
	double base_median, cand_median;
	double change, lo, hi;
	double p_worse, p_better;
	double q_worse, q_better;
	bool insufficient;	/* set by the caller: verdict INSUFFICIENT, kept out of the family */
	enum tt_verdict verdict;
};

/* Fill `out` but its q-values and verdict; 0 or -errno as tt_mw_exact. */
int tt_cmp_series(const struct tt_cmp_in *in, double alpha, struct tt_cmp *out);

/*
 * The verdicts of a family of n comparisons (the gated tests), at false
 * discovery rate alpha: REGRESSED when q_worse < alpha, IMPROVED when
 * q_better < alpha, SAME when the interval lies inside +-allowed (given per
 * comparison in allowed[]), INCONCLUSIVE otherwise; entries marked
 * insufficient are INSUFFICIENT and not part of the family.  Returns the
 * family size, or -ENOMEM.
 */
int tt_cmp_decide(struct tt_cmp *c, const double *allowed, size_t n, double alpha);

/*
 * The host's core-to-core latency, tested like a statistic (not gated, not
 * in the BH family): per-run core_to_core_ns of each side (user/bundle.h;
 * ns per round trip of a cache line between two CPUs, higher is slower),
 * the same exact Mann-Whitney test and Hodges-Lehmann ratio with its 90 %
 * interval.
 *
 * The host counts as slower (faster) when p < TT_HOST_ALPHA and the probe's
 * ratio is at least 1 + TT_HOST_MIN_SHIFT (at most its inverse).  A slower host then explains a REGRESSED
 * verdict of a ratio statistic (not a fraction) whose change could be the
 * host's: the bound of its interval nearest to no change is at most
 * TT_HOST_MAX_EFFECT.  On a 2-vCPU VM (docs/performance.md, "gatehost")
 * the probe read about 48 ns while the host ran both vCPUs close and
 * about 400 ns (+700 %) while it ran them apart, and a loopback nginx + wrk
 * benchmark's latency rose by +15 to +25 % meanwhile; the probe's step does
 * not scale with a workload's (that depends on how much it talks across
 * CPUs), so the bound is fixed: twice the largest effect measured.  Within
 * one placement the probe's medians moved by up to 26 % between
 * recordings, between the two by 6-9x: a step is x2 (MIN_SHIFT 100 %).  A
 * real change of 10x, or +2 ms on a 100 us route, stays far beyond the
 * bound.
 */
#define TT_HOST_ALPHA 0.05
#define TT_HOST_MIN_SHIFT 1.0
#define TT_HOST_MAX_EFFECT 0.5

struct tt_host_speed {
	bool tested;		/* both sides had a probe in every run */
	double base_median, cand_median;	/* ns per round trip */
	double change, lo, hi;	/* cand/base - 1 of the probe: + slower, - faster */
	double p_slower, p_faster;	/* exact one-sided p-values */
	int step;		/* +1 significantly slower, -1 faster, 0 neither */
};

/*
 * Test the probe values; a side empty (a bundle without probes) leaves
 * out->tested false and step 0.  0, or -errno as tt_cmp_series.
 */
int tt_host_speed_test(const double *base, size_t nbase, const double *cand, size_t ncand,
		       struct tt_host_speed *out);

/*
 * Could the host's step explain the verdict of `c` (a decided ratio
 * statistic)?  True for REGRESSED under a slower host and IMPROVED under a
 * faster one when the change's interval reaches within TT_HOST_MAX_EFFECT
 * of no change; the caller then makes it INCONCLUSIVE.
 */
bool tt_host_explains(const struct tt_host_speed *h, const struct tt_cmp *c);

#endif /* TT_COMPARE_STATS_H */
