// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the statistics of `tracetool compare` (user/compare_stats.c):
 * exact Mann-Whitney p-values against published critical values and against
 * brute-force enumeration with ties, the Hodges-Lehmann interval, BH, the
 * bucket quantile interval, and the gate's error rates on synthetic runs
 * from a seeded generator (issue 15's A/A, +10 % and +2 % cases).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compare_stats.h"
#include "tt_rng.h"

/* P(U <= u) for y against x, from tt_mw_exact's p_less */
static double p_le(const double *x, size_t nx, const double *y, size_t ny)
{
	struct tt_mw r;

	assert_int_equal(tt_mw_exact(x, nx, y, ny, &r), 0);
	return r.p_less;
}

/*
 * Published lower critical values of the Wilcoxon rank-sum W (the largest W
 * with P(W <= W) <= alpha; U = W - n(n+1)/2): n1 = n2 = 5, 8, 10 at 0.05
 * one-tailed: W 19, 51, 82 (U 4, 15, 27); n1 = n2 = 10 at 0.025: W 78 (U 23).
 * Build samples that realise a given U: y takes the u smallest ranks
 * interleaved so exactly u pairs have y above x.
 */
static void make_u(size_t n, size_t u, double *x, double *y)
{
	size_t i, left = u;

	/* y_j's rank among the x values: how many x it beats, ascending */
	for (i = 0; i < n; i++)
		x[i] = 10.0 * (double)i;
	for (i = 0; i < n; i++) {
		size_t beat = left > n ? n : left;

		/* the largest y beats most; fill from the top, no two y equal */
		y[n - 1 - i] = 10.0 * (double)beat - 5.0 - 0.1 * (double)i;
		left -= beat;
	}
}

static void check_critical(size_t n, size_t crit, double alpha)
{
	double x[TT_MW_MAX_RUNS], y[TT_MW_MAX_RUNS];

	make_u(n, crit, x, y);
	assert_true(p_le(x, n, y, n) <= alpha);
	make_u(n, crit + 1, x, y);
	assert_true(p_le(x, n, y, n) > alpha);
}

static void test_mw_tables(void **state)
{
	double x[5], y[5];
	struct tt_mw r;

	(void)state;
	check_critical(5, 4, 0.05);
	check_critical(8, 15, 0.05);
	check_critical(10, 27, 0.05);
	check_critical(10, 23, 0.025);
	/* n1 = n2 = 5: 12 of the C(10,5) = 252 splits have U <= 4 */
	make_u(5, 4, x, y);
	assert_int_equal(tt_mw_exact(x, 5, y, 5, &r), 0);
	assert_true(r.u == 4);
	assert_true(fabs(r.p_less - 12.0 / 252) < 1e-15);
	/* 3 vs 3, all y above: 1 / C(6,3) */
	{
		double a[3] = { 1, 2, 3 }, b[3] = { 4, 5, 6 };

		assert_int_equal(tt_mw_exact(a, 3, b, 3, &r), 0);
		assert_true(r.u == 9);
		assert_true(fabs(r.p_greater - 1.0 / 20) < 1e-15);
		assert_true(r.p_less == 1);
	}
}

/* Brute force: every way to choose which ny of the pooled values are y. */
static void brute(const double *pool, size_t n, size_t ny, double u_obs, double *pg, double *pl)
{
	unsigned long mask, total = 0, ge = 0, le = 0;
	size_t i, j;

	for (mask = 0; mask < 1UL << n; mask++) {
		double u = 0;

		if ((size_t)__builtin_popcountl(mask) != ny)
			continue;
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if ((mask >> j & 1) && !(mask >> i & 1))
					u += pool[j] > pool[i] ? 1 : pool[j] == pool[i] ? 0.5 : 0;
		total++;
		ge += u >= u_obs - 1e-9;
		le += u <= u_obs + 1e-9;
	}
	*pg = (double)ge / (double)total;
	*pl = (double)le / (double)total;
}

static void test_mw_brute_ties(void **state)
{
	struct rng g = { 0x9e3779b97f4a7c15ULL };
	int trial;

	(void)state;
	for (trial = 0; trial < 300; trial++) {
		size_t nx = 1 + rng_next(&g) % 7, ny = 1 + rng_next(&g) % 7, i;
		double x[8], y[8], pool[16], pg, pl;
		/* few distinct values: heavy ties */
		unsigned levels = 1 + (unsigned)(rng_next(&g) % 5);
		struct tt_mw r;

		for (i = 0; i < nx; i++)
			pool[i] = x[i] = (double)(rng_next(&g) % levels);
		for (i = 0; i < ny; i++)
			pool[nx + i] = y[i] = (double)(rng_next(&g) % levels);
		assert_int_equal(tt_mw_exact(x, nx, y, ny, &r), 0);
		brute(pool, nx + ny, ny, r.u, &pg, &pl);
		assert_true(fabs(r.p_greater - pg) < 1e-12);
		assert_true(fabs(r.p_less - pl) < 1e-12);
	}
}

static void test_mw_limits(void **state)
{
	double v[TT_MW_MAX_RUNS + 1] = { 0 }, nan_v[1] = { NAN };
	struct tt_mw r;
	size_t i;

	(void)state;
	for (i = 0; i <= TT_MW_MAX_RUNS; i++)
		v[i] = (double)i;
	assert_int_equal(tt_mw_exact(v, 0, v, 3, &r), -EINVAL);
	assert_int_equal(tt_mw_exact(v, TT_MW_MAX_RUNS + 1, v, 3, &r), -EINVAL);
	assert_int_equal(tt_mw_exact(nan_v, 1, v, 3, &r), -EINVAL);
	/* 30 a side: C(60,30) splits, p of the extreme is 1 / C(60,30) */
	assert_int_equal(tt_mw_exact(v, TT_MW_MAX_RUNS, v, TT_MW_MAX_RUNS, &r), 0);
	assert_true(fabs(r.p_greater - 0.5) < 0.1);
	{
		double hi[TT_MW_MAX_RUNS];

		for (i = 0; i < TT_MW_MAX_RUNS; i++)
			hi[i] = 100 + (double)i;
		assert_int_equal(tt_mw_exact(v, TT_MW_MAX_RUNS, hi, TT_MW_MAX_RUNS, &r), 0);
		assert_true(fabs(r.p_greater * 118264581564861424.0 - 1) < 1e-9);
	}
}

static void test_hodges_lehmann(void **state)
{
	double x[10], y[10], tmp[10];
	struct tt_hl hl;
	struct tt_mw r;
	size_t i;

	(void)state;
	/* no two pairwise differences equal: the bounds are single differences */
	for (i = 0; i < 10; i++) {
		x[i] = (double)(i * i) + sqrt((double)i + 2) / 7;
		y[i] = x[i] + 3;
	}
	assert_int_equal(tt_hodges_lehmann(x, 10, y, 10, 0.95, &hl), 0);
	assert_true(fabs(hl.shift - 3) < 1e-12);
	assert_true(hl.lo < 3 && hl.hi > 3);
	/*
	 * The interval inverts the test: moved back by a shift just inside a
	 * bound the two-sided 5 % test does not reject, just outside it does.
	 */
	for (i = 0; i < 10; i++)
		tmp[i] = y[i] - (hl.lo + 1e-9);
	assert_int_equal(tt_mw_exact(x, 10, tmp, 10, &r), 0);
	assert_true(r.p_greater > 0.025);
	for (i = 0; i < 10; i++)
		tmp[i] = y[i] - (hl.lo - 1e-9);
	assert_int_equal(tt_mw_exact(x, 10, tmp, 10, &r), 0);
	assert_true(r.p_greater <= 0.025);
	/* 2 vs 2 runs cannot reach 95 %: an open interval */
	assert_int_equal(tt_hodges_lehmann(x, 2, y, 2, 0.95, &hl), 0);
	assert_true(isinf(hl.lo) && isinf(hl.hi));
	assert_int_equal(tt_hodges_lehmann(x, 2, y, 2, 1.0, &hl), -EINVAL);
}

static void test_bh(void **state)
{
	/* Benjamini & Hochberg's example shape: q = min over larger ranks of p n / rank */
	double p[5] = { 0.01, 0.04, 0.03, 0.005, 0.5 }, q[5];

	(void)state;
	assert_int_equal(tt_bh_adjust(p, 5, q), 0);
	assert_true(fabs(q[3] - 0.025) < 1e-15);	/* 0.005 * 5 / 1 */
	assert_true(fabs(q[0] - 0.025) < 1e-15);	/* 0.01 * 5 / 2 */
	assert_true(fabs(q[2] - 0.04 * 5 / 4) < 1e-15);	/* 0.03*5/3 = 0.05 > 0.04*5/4 */
	assert_true(fabs(q[1] - 0.05) < 1e-15);
	assert_true(fabs(q[4] - 0.5) < 1e-15);
}

static void test_quantile_interval(void **state)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999, 0.07, 0.9999 };
	struct rng g = { 42 };
	int trial;

	(void)state;
	for (trial = 0; trial < 200; trial++) {
		size_t n = 1 + rng_next(&g) % 3000, i, k;
		uint64_t *v = malloc(n * sizeof(*v));
		struct tt_hist *h = hist_new();
		struct tt_hsum s;

		assert_non_null(v);
		for (i = 0; i < n; i++) {
			/* some runs past the finite range: the overflow bucket */
			v[i] = trial % 10 == 0 && i % 50 == 0 ? (1ULL << 38) + rng_next(&g) % 1000
				: rng_lognormal(&g, 1e5, 1.5);
			tt_hist_record(h, v[i]);
		}
		qsort(v, n, sizeof(*v), cmp_u64);
		assert_int_equal(tt_hsum_from_hist(&s, h, 1e-9), 0);
		for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			size_t rank = (size_t)ceil(qs[k] * (double)n - 1e-9);
			double exact = (double)v[(rank ? rank : 1) - 1] / 1e9;
			struct tt_qint qi;

			tt_hsum_quantile_interval(&s, qs[k], &qi);
			assert_true(qi.lo <= exact * (1 + 1e-12) && exact <= qi.hi * (1 + 1e-12));
			assert_true(qi.lo <= qi.value && qi.value <= qi.hi);
		}
		tt_hsum_release(&s);
		free(h);
		free(v);
	}
	assert_int_equal(tt_quantile_min_samples(0.99), 2000);
	assert_int_equal(tt_quantile_min_samples(0.5), 40);
	assert_int_equal(tt_quantile_min_samples(0.999), 20000);
}

/* ---- the gate on synthetic runs ---------------------------------------- */

#define RUNS 10
/*
 * compare's default false discovery rate.  It bounds wrong calls at the
 * boundary, a shift of exactly the allowed change; a shift well inside the
 * rule is flagged far more rarely (the A/A and +2 % cases).
 */
#define ALPHA 0.10

/*
 * A/A: 200 series x 4 statistics, each run's statistic off by 5 %
 * (log-normal run-to-run noise), 10 runs a side, one family per comparison.
 * Issue 15: at most 5 % of 500 comparisons may flag anything.
 */
static void test_aa(void **state)
{
	enum { SERIES = 800, COMPARISONS = 500 };
	struct rng g = { 7 };
	static struct tt_cmp c[SERIES];
	static double allowed[SERIES];
	int comp, flagged = 0, fam = 0;
	size_t s, i;

	(void)state;
	for (comp = 0; comp < COMPARISONS; comp++) {
		int any = 0;

		for (s = 0; s < SERIES; s++) {
			double base[RUNS], cand[RUNS], level = 1e-3 * (1 + (double)(s % 97));
			struct tt_cmp_in in = { base, RUNS, cand, RUNS, 0.05, true, true, false };

			for (i = 0; i < RUNS; i++) {
				base[i] = level * exp(0.05 * rng_normal(&g));
				cand[i] = level * exp(0.05 * rng_normal(&g));
			}
			assert_int_equal(tt_cmp_series(&in, ALPHA, &c[s]), 0);
			allowed[s] = 0.05;
		}
		fam = tt_cmp_decide(c, allowed, SERIES, ALPHA);
		assert_int_equal(fam, SERIES);
		for (s = 0; s < SERIES; s++)
			any |= c[s].verdict == TT_REGRESSED || c[s].verdict == TT_IMPROVED;
		flagged += any;
	}
	print_message("A/A: %d of %d comparisons flagged (family %d)\n", flagged, COMPARISONS, fam);
	assert_true(flagged <= COMPARISONS / 20);
}

/*
 * Runs of `samples` log-normal latencies (median 1 ms, sigma 0.3: p99 about
 * twice the median) whose level drifts by `drift` from run to run, times
 * `factor` for the candidate; the gate of mean, p50, p90 and p99 per run,
 * read from the buckets as compare reads a report.  The "noise" of issue 15
 * is what the gate sees, a run's p99 varying from run to run: drift and the
 * p99's own sampling error (about 1.6 % at 5,000 samples); the base side's
 * spread of log p99 is added to *p99_noise.  Returns the p99 verdict.
 */
static enum tt_verdict shifted_trial(struct rng *g, double factor, double drift, size_t samples,
				     double allowed_change, double *p99_noise)
{
	static const double qs[3] = { 0.5, 0.9, 0.99 };
	double vals[4][2][RUNS], allowed[4];
	struct tt_cmp c[4];
	struct tt_hist *h = hist_new();
	size_t side, run, i, k;

	for (side = 0; side < 2; side++) {
		for (run = 0; run < RUNS; run++) {
			double level = exp(drift * rng_normal(g)) * (side ? factor : 1);
			struct tt_hsum s;

			memset(h, 0, sizeof(*h));
			for (i = 0; i < samples; i++)
				tt_hist_record(h, rng_lognormal(g, 1e6 * level, 0.3));
			assert_int_equal(tt_hsum_from_hist(&s, h, 1e-9), 0);
			vals[0][side][run] = s.sum / (double)s.count;
			for (k = 0; k < 3; k++) {
				struct tt_qint qi;

				tt_hsum_quantile_interval(&s, qs[k], &qi);
				vals[k + 1][side][run] = qi.value;
			}
			tt_hsum_release(&s);
		}
	}
	{
		double m = 0, v = 0;

		for (run = 0; run < RUNS; run++)
			m += log(vals[3][0][run]) / RUNS;
		for (run = 0; run < RUNS; run++)
			v += pow(log(vals[3][0][run]) - m, 2) / (RUNS - 1);
		*p99_noise += sqrt(v);
	}
	for (k = 0; k < 4; k++) {
		struct tt_cmp_in in = { vals[k][0], RUNS, vals[k][1], RUNS, allowed_change, true, true,
					false };

		allowed[k] = allowed_change;
		assert_int_equal(tt_cmp_series(&in, ALPHA, &c[k]), 0);
	}
	assert_int_equal(tt_cmp_decide(c, allowed, 4, ALPHA), 4);
	free(h);
	return c[3].verdict;
}

/*
 * Drift 2.5 % with the p99's sampling error gives 3 % noise (checked: the
 * mean spread measured is within 2.5-3.5 %, so the premise is tested too).
 */
#define DRIFT 0.025

/* +10 % with 3 % noise and 5,000 samples per run: p99 REGRESSED in >= 95 % of trials. */
static void test_shift_10(void **state)
{
	struct rng g = { 11 };
	double noise = 0;
	int t, hits = 0;

	(void)state;
	for (t = 0; t < 200; t++)
		hits += shifted_trial(&g, 1.10, DRIFT, 5000, 0.05, &noise) == TT_REGRESSED;
	print_message("+10%%: p99 REGRESSED in %d of 200 trials (p99 noise %.2f %%)\n", hits,
		      noise / 2);
	assert_true(noise / 200 > 0.025 && noise / 200 < 0.035);
	assert_true(hits >= 190);
}

/* +2 % under a 5 % rule, 3 % noise: never REGRESSED. */
static void test_shift_2(void **state)
{
	struct rng g = { 13 };
	double noise = 0;
	int t, hits = 0;

	(void)state;
	for (t = 0; t < 200; t++)
		hits += shifted_trial(&g, 1.02, DRIFT, 5000, 0.05, &noise) == TT_REGRESSED;
	print_message("+2%%: p99 REGRESSED in %d of 200 trials (p99 noise %.2f %%)\n", hits,
		      noise / 2);
	assert_true(noise / 200 > 0.025 && noise / 200 < 0.035);
	assert_int_equal(hits, 0);
}

/* A run's error ratio: `n` requests, each failing with probability `p`. */
static double error_ratio_run(struct rng *g, size_t n, double p)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++)
		failed += rng_unit(g) < p;
	return (double)failed / (double)n;
}

/*
 * error_ratio is a difference of fractions (absolute): one family of
 * `series` error ratios, each 1,000 requests a run, base failure rate pb,
 * candidate pc for the first series and pb for the others, allowed one
 * point.  Returns the first series' verdict; *others_flagged counts the
 * other series flagged either way.
 */
static enum tt_verdict error_trial(struct rng *g, size_t series, double pb, double pc,
				   int *others_flagged)
{
	static struct tt_cmp c[64];
	static double allowed[64];
	double base[RUNS], cand[RUNS];
	size_t s, i;

	assert_true(series <= 64);
	for (s = 0; s < series; s++) {
		struct tt_cmp_in in = { base, RUNS, cand, RUNS, 0.01, true, false, true };

		for (i = 0; i < RUNS; i++) {
			base[i] = error_ratio_run(g, 1000, pb);
			cand[i] = error_ratio_run(g, 1000, s ? pb : pc);
		}
		assert_int_equal(tt_cmp_series(&in, ALPHA, &c[s]), 0);
		allowed[s] = 0.01;
	}
	assert_int_equal(tt_cmp_decide(c, allowed, series, ALPHA), (int)series);
	for (s = 1; s < series; s++)
		*others_flagged += c[s].verdict == TT_REGRESSED || c[s].verdict == TT_IMPROVED;
	return c[0].verdict;
}

/*
 * 1 % -> 10 % of requests failing: REGRESSED in every trial, the change
 * read as +9 points; 1 % -> 1.5 % under a one-point rule: never; A/A at 2 %:
 * at most 5 % of comparisons flag anything.
 */
static void test_error_ratio(void **state)
{
	struct rng g = { 17 };
	int t, hits = 0, small = 0, aa = 0, others = 0;

	(void)state;
	for (t = 0; t < 100; t++) {
		hits += error_trial(&g, 8, 0.01, 0.10, &others) == TT_REGRESSED;
		small += error_trial(&g, 8, 0.01, 0.015, &others) == TT_REGRESSED;
	}
	for (t = 0; t < 100; t++) {
		int flagged = 0;
		enum tt_verdict v = error_trial(&g, 8, 0.02, 0.02, &flagged);

		flagged += v == TT_REGRESSED || v == TT_IMPROVED;
		aa += flagged > 0;
	}
	print_message("error_ratio: +9 points REGRESSED %d/100, +0.5 points %d/100, A/A flagged "
		      "%d/100, others flagged %d\n", hits, small, aa, others);
	assert_int_equal(hits, 100);
	assert_int_equal(small, 0);
	assert_true(aa <= 5);
}

/* No errors in any run: SAME (not INSUFFICIENT nor INCONCLUSIVE), even with 2 runs a side. */
static void test_error_ratio_none(void **state)
{
	const double zero[3] = { 0, 0, 0 };
	struct tt_cmp_in in = { zero, 2, zero, 2, 0.01, true, false, true };
	struct tt_cmp c;
	double allowed = 0.01;

	(void)state;
	assert_int_equal(tt_cmp_series(&in, ALPHA, &c), 0);
	assert_int_equal(tt_cmp_decide(&c, &allowed, 1, ALPHA), 1);
	assert_int_equal(c.verdict, TT_SAME);
	assert_true(c.change == 0 && c.lo == 0 && c.hi == 0);
	in.nbase = in.ncand = 3;
	assert_int_equal(tt_cmp_series(&in, ALPHA, &c), 0);
	assert_int_equal(tt_cmp_decide(&c, &allowed, 1, ALPHA), 1);
	assert_int_equal(c.verdict, TT_SAME);
}

/* absolute: the change is a plain difference, not made relative to the base median. */
static void test_absolute(void **state)
{
	const double base[5] = { 0.10, 0.11, 0.09, 0.10, 0.10 };
	const double cand[5] = { 0.20, 0.21, 0.19, 0.20, 0.20 };
	struct tt_cmp_in in = { base, 5, cand, 5, 0.01, true, false, true };
	struct tt_cmp c;

	(void)state;
	assert_int_equal(tt_cmp_series(&in, ALPHA, &c), 0);
	assert_float_equal(c.change, 0.10, 1e-12);
	in.absolute = false;	/* relative to the base median 0.10: +100 % */
	assert_int_equal(tt_cmp_series(&in, ALPHA, &c), 0);
	assert_float_equal(c.change, 1.0, 1e-9);
}

/*
 * The host's core-to-core latency (tt_host_speed_test, tt_host_explains): 10 runs a
 * side, 1 % run-to-run noise on the probe and the latency, the candidate's
 * probe times `host` and its latency times `code` (rate: divided by it).
 * The verdict after the host check: REGRESSED/IMPROVED left, or
 * INCONCLUSIVE when the host explains it.
 */
static enum tt_verdict host_trial(struct rng *g, double host, double code, bool lower_is_worse,
				  struct tt_host_speed *h)
{
	double pb[RUNS], pc[RUNS], b[RUNS], c[RUNS], allowed = 0.05;
	struct tt_cmp_in in = { b, RUNS, c, RUNS, allowed, !lower_is_worse, true, false };
	struct tt_cmp r;
	size_t i;

	for (i = 0; i < RUNS; i++) {
		pb[i] = 48 * exp(0.01 * rng_normal(g));
		pc[i] = 48 * host * exp(0.01 * rng_normal(g));
		b[i] = 6e-6 * exp(0.01 * rng_normal(g));
		c[i] = 6e-6 * code * exp(0.01 * rng_normal(g));
		if (lower_is_worse) {
			b[i] = 1 / b[i];
			c[i] = 1 / c[i];
		}
	}
	assert_int_equal(tt_cmp_series(&in, ALPHA, &r), 0);
	assert_int_equal(tt_cmp_decide(&r, &allowed, 1, ALPHA), 1);
	assert_int_equal(tt_host_speed_test(pb, RUNS, pc, RUNS, h), 0);
	assert_true(h->tested);
	return tt_host_explains(h, &r) ? TT_INCONCLUSIVE : r.verdict;
}

/*
 * The vCPUs run apart (core-to-core 48 -> 400 ns, +733 %) with a +22 %
 * latency step: INCONCLUSIVE, the host slower by about 733 %.
 */
static void test_host_step(void **state)
{
	struct rng g = { 17 };
	struct tt_host_speed h;
	int t;

	(void)state;
	for (t = 0; t < 50; t++) {
		assert_int_equal(host_trial(&g, 400 / 48.0, 1.22, false, &h), TT_INCONCLUSIVE);
		assert_int_equal(h.step, 1);
		assert_true(h.change > 7 && h.change < 7.7);
		assert_true(h.lo <= h.change && h.change <= h.hi);
		assert_true(h.p_slower < TT_HOST_ALPHA);
		/* throughput 1/1.22 under the same host: explained too */
		assert_int_equal(host_trial(&g, 400 / 48.0, 1.22, true, &h), TT_INCONCLUSIVE);
		/* a smaller step of the probe (x2.5, +150 %) explains the same */
		assert_int_equal(host_trial(&g, 2.5, 1.22, false, &h), TT_INCONCLUSIVE);
		/* and a probe half as fast, a candidate's throughput 1/1.22 */
		assert_int_equal(host_trial(&g, 2.5, 1.22, true, &h), TT_INCONCLUSIVE);
		/* a faster host and a faster candidate: the IMPROVED is the host's */
		assert_int_equal(host_trial(&g, 48 / 400.0, 1 / 1.22, false, &h), TT_INCONCLUSIVE);
		assert_int_equal(h.step, -1);
	}
}

/* A change beyond what a host step explains stays: +10x, +60 %, the opposite direction. */
static void test_host_far(void **state)
{
	struct rng g = { 19 };
	struct tt_host_speed h;
	int t;

	(void)state;
	for (t = 0; t < 50; t++) {
		assert_int_equal(host_trial(&g, 400 / 48.0, 10, false, &h), TT_REGRESSED);
		assert_int_equal(h.step, 1);
		/* +2 ms on a 100 us route */
		assert_int_equal(host_trial(&g, 400 / 48.0, 21, false, &h), TT_REGRESSED);
		/* a slower host does not explain an improvement */
		assert_int_equal(host_trial(&g, 400 / 48.0, 1 / 1.22, false, &h), TT_IMPROVED);
		/* just past the +50 % bound: +60 % */
		assert_int_equal(host_trial(&g, 400 / 48.0, 1.60, false, &h), TT_REGRESSED);
		/* nor does a faster host explain an improvement past -50 % (2x faster: -50 %
		 * exactly is within; 2.5x: -60 %) */
		assert_int_equal(host_trial(&g, 48 / 400.0, 1 / 2.5, false, &h), TT_IMPROVED);
	}
}

/* No host difference: verdicts as they were; no probe in a side: nothing tested. */
static void test_host_none(void **state)
{
	struct rng g = { 23 };
	struct tt_host_speed h;
	struct tt_cmp c = { .verdict = TT_REGRESSED, .change = 0.2, .lo = 0.18, .hi = 0.22 };
	const double v[3] = { 1, 2, 3 };
	int t;

	(void)state;
	for (t = 0; t < 50; t++) {
		assert_int_equal(host_trial(&g, 1, 1.22, false, &h), TT_REGRESSED);
		assert_int_equal(h.step, 0);
		assert_int_equal(host_trial(&g, 1, 1 / 1.22, false, &h), TT_IMPROVED);
		assert_int_equal(host_trial(&g, 1, 1.01, false, &h), TT_SAME);
	}
	assert_int_equal(tt_host_speed_test(v, 0, v, 3, &h), 0);
	assert_false(h.tested);
	assert_int_equal(h.step, 0);
	assert_false(tt_host_explains(&h, &c));
	/* a step under x2 is no step, however significant (one placement's
	 * probe moved by up to 26 % between recordings), either way */
	assert_int_equal(host_trial(&g, 1.8, 1.22, false, &h), TT_REGRESSED);
	assert_int_equal(h.step, 0);
	assert_int_equal(host_trial(&g, 1 / 1.8, 1 / 1.22, false, &h), TT_IMPROVED);
	assert_int_equal(h.step, 0);
}

/*
 * A ratio statistic with runs at 0 (a rate, a mean of nothing) is compared
 * as differences relative to the base median: the change and both bounds
 * never read below -100 %, whatever the base's spread (a candidate >= 0
 * cannot fall by more), in seeded trials with zeros in some or all of the
 * candidate's runs; a candidate all 0 is -100 % exactly.
 */
static void test_floor_minus_100(void **state)
{
	const double base[10] = { 1.00, 1.30, 0.70, 1.05, 0.95, 1.25, 0.75, 1.01, 0.99, 1.40 };
	double cand[10] = { 0 }, b[RUNS], c[RUNS], allowed = 0.05;
	struct tt_cmp_in in = { base, 10, cand, 10, 0.05, true, true, false };
	struct rng g = { 29 };
	struct tt_cmp r;
	size_t i;
	int t, below = 0;

	(void)state;
	assert_int_equal(tt_cmp_series(&in, ALPHA, &r), 0);
	assert_true(r.base_median > 0);
	assert_float_equal(r.change, -1, 1e-12);
	assert_true(r.lo == -1 && r.hi > -1 && r.hi < 0);
	assert_int_equal(tt_cmp_decide(&r, &allowed, 1, ALPHA), 1);
	assert_int_equal(r.verdict, TT_IMPROVED);
	in.base = b;
	in.cand = c;
	in.nbase = in.ncand = RUNS;
	for (t = 0; t < 500; t++) {
		for (i = 0; i < RUNS; i++) {
			b[i] = 100 * exp(0.5 * rng_normal(&g));
			/* a run at 0 now and then, the others up to 2x lower */
			c[i] = rng_unit(&g) < 0.3 ? 0 : b[i] * rng_unit(&g);
		}
		assert_int_equal(tt_cmp_series(&in, ALPHA, &r), 0);
		below += r.lo <= -1;
		assert_true(r.change >= -1 && r.lo >= -1 && r.hi >= r.lo);
		assert_true(r.lo <= r.change && r.change <= r.hi);
	}
	/* the trials do reach the floor (the cut is tested, not avoided) */
	assert_true(below > 10);
	/* fractions are plain differences, not cut: 5 points down from 10 % */
	in.log_scale = false;
	in.absolute = true;
	for (i = 0; i < RUNS; i++) {
		b[i] = 0.10 + 0.001 * (double)i;
		c[i] = 0.05 + 0.001 * (double)i;
	}
	assert_int_equal(tt_cmp_series(&in, ALPHA, &r), 0);
	assert_float_equal(r.change, -0.05, 1e-12);
}

/*
 * Values near DBL_MAX (a hand-edited bundle): medians of an even number of
 * runs and the host probe's medians stay finite (they were (a + b) / 2 =
 * inf), and the midpoint is exact where (a + b) / 2 is finite.
 */
static void test_huge_values(void **state)
{
	const double huge[4] = { 1e308, DBL_MAX, 1e308, DBL_MAX };
	const double probe[4] = { 48, 49, 47, 48.5 };
	struct tt_cmp_in in = { huge, 4, huge, 4, 0.05, true, true, false };
	struct tt_bucket bk[1] = { { 1e308, 1.7e308, 10 } };
	struct tt_hsum s = { 10, INFINITY, 1e308, 1.7e308, 1, bk };
	struct tt_host_speed h;
	struct tt_qint qi;
	struct tt_cmp r;

	(void)state;
	tt_hsum_quantile_interval(&s, 0.5, &qi);
	assert_true(tt_midpoint(DBL_MAX, DBL_MAX) == DBL_MAX);
	assert_true(tt_midpoint(-DBL_MAX, -DBL_MAX) == -DBL_MAX);
	assert_true(tt_midpoint(-DBL_MAX, DBL_MAX) == 0);
	assert_true(tt_midpoint(1, 2) == 1.5);
	assert_true(tt_midpoint(0.1, 0.2) == (0.1 + 0.2) / 2);
	assert_int_equal(tt_cmp_series(&in, ALPHA, &r), 0);
	assert_true(isfinite(r.base_median) && isfinite(r.cand_median));
	assert_true(r.base_median == tt_midpoint(1e308, DBL_MAX));
	assert_true(r.change == 0);
	/* a run's quantile: the midpoint of a bucket near DBL_MAX, not its max */
	assert_true(qi.value == tt_midpoint(1e308, 1.7e308));
	assert_true(qi.lo <= qi.value && qi.value <= qi.hi && qi.hi == 1.7e308);
	assert_int_equal(tt_host_speed_test(probe, 4, huge, 4, &h), 0);
	assert_true(h.tested && isfinite(h.cand_median) && h.cand_median > 1e308);
	assert_true(isfinite(h.change) && h.change > 1e305);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mw_tables),
		cmocka_unit_test(test_mw_brute_ties),
		cmocka_unit_test(test_mw_limits),
		cmocka_unit_test(test_hodges_lehmann),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_quantile_interval),
		cmocka_unit_test(test_aa),
		cmocka_unit_test(test_shift_10),
		cmocka_unit_test(test_shift_2),
		cmocka_unit_test(test_error_ratio),
		cmocka_unit_test(test_error_ratio_none),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_host_step),
		cmocka_unit_test(test_host_far),
		cmocka_unit_test(test_host_none),
		cmocka_unit_test(test_floor_minus_100),
		cmocka_unit_test(test_huge_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
