// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The statistics of `tracetool compare`: exact rank tests across runs,
 * Hodges-Lehmann shifts, Benjamini-Hochberg, bucket quantile intervals and
 * the verdict rule (contracts in compare_stats.h).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_stats.h"

struct tagged {
	double v;
	bool is_y;
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v, y = ((const struct tagged *)b)->v;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static bool sides_ok(const double *x, size_t nx, const double *y, size_t ny)
{
	size_t i;

	if (nx == 0 || ny == 0 || nx > TT_MW_MAX_RUNS || ny > TT_MW_MAX_RUNS)
		return false;
	for (i = 0; i < nx; i++)
		if (isnan(x[i]))
			return false;
	for (i = 0; i < ny; i++)
		if (isnan(y[i]))
			return false;
	return true;
}

/*
 * The null distribution of the doubled rank sum of ny values drawn from
 * pooled values whose tie groups have sizes size[0..ngroups) and doubled
 * mid-ranks rank2[]: dist[s] = the number of ways (as a long double: C(60,30)
 * is past 2^53 but its relative error stays ~1e-19) to pick ny values
 * summing to s, for s in [0, smax].  Doubling keeps mid-ranks integers, so
 * "at least the observed sum" is an exact comparison.  Picking j of a
 * group of t is C(t, j) ways, each adding j * rank2: a knapsack over groups.
 */
static long double *rank_sum_dist(const size_t *size, const unsigned *rank2, size_t ngroups,
				  size_t ny, size_t smax)
{
	size_t width = smax + 1, g, k, j, s;
	long double *cur, *nxt, *tmp;

	cur = calloc((ny + 1) * width, sizeof(*cur));
	nxt = calloc((ny + 1) * width, sizeof(*nxt));
	if (!cur || !nxt) {
		free(cur);
		free(nxt);
		return NULL;
	}
	cur[0] = 1;
	for (g = 0; g < ngroups; g++) {
		memset(nxt, 0, (ny + 1) * width * sizeof(*nxt));
		for (k = 0; k <= ny; k++) {
			for (s = 0; s <= smax; s++) {
				long double w = cur[k * width + s], choose = 1;

				if (w == 0)
					continue;
				for (j = 0; j <= size[g] && k + j <= ny; j++) {
					size_t s2 = s + j * rank2[g];

					if (j > 0)
						choose = choose * (long double)(size[g] - j + 1) / j;
					if (s2 > smax)
						break;
					nxt[(k + j) * width + s2] += w * choose;
				}
			}
		}
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	free(nxt);
	/* keep only the row of ny picks */
	memmove(cur, cur + ny * width, width * sizeof(*cur));
	return cur;
}

/*
 * The tie-free distribution for ny of n, computed once per (n, ny): per-run
 * values rarely tie, and a gate runs thousands of tests of the same run
 * counts.  Returned pointers stay owned by the cache (a process-lifetime
 * memo of at most 60 x 30 rows; tracetool compares in one thread).
 */
static const long double *tie_free_dist(size_t n, size_t ny)
{
	static long double *cache[2 * TT_MW_MAX_RUNS + 1][TT_MW_MAX_RUNS + 1];
	size_t size[2 * TT_MW_MAX_RUNS], i;
	unsigned rank2[2 * TT_MW_MAX_RUNS];

	if (!cache[n][ny]) {
		for (i = 0; i < n; i++) {
			size[i] = 1;
			rank2[i] = (unsigned)(2 * (i + 1));
		}
		cache[n][ny] = rank_sum_dist(size, rank2, n, ny, n * (n + 1));
	}
	return cache[n][ny];
}

int tt_mw_exact(const double *x, size_t nx, const double *y, size_t ny, struct tt_mw *out)
{
	size_t n = nx + ny, i, j, ngroups = 0, smax = n * (n + 1), s;
	unsigned obs = 0, *rank2 = NULL;
	long double *owned = NULL, total = 0, ge = 0, le = 0;
	const long double *dist;
	struct tagged *t = NULL;
	size_t *size = NULL;
	int ret = -ENOMEM;

	if (!sides_ok(x, nx, y, ny))
		return -EINVAL;
	t = malloc(n * sizeof(*t));
	size = malloc(n * sizeof(*size));
	rank2 = malloc(n * sizeof(*rank2));
	if (!t || !size || !rank2)
		goto out;
	for (i = 0; i < nx; i++)
		t[i] = (struct tagged){ x[i], false };
	for (i = 0; i < ny; i++)
		t[nx + i] = (struct tagged){ y[i], true };
	qsort(t, n, sizeof(*t), cmp_tagged);
	for (i = 0; i < n; i = j) {
		unsigned r2;

		for (j = i + 1; j < n && t[j].v == t[i].v; j++)
			;
		/* positions i+1..j (1-based): mid-rank (i+1+j)/2, doubled i+1+j */
		r2 = (unsigned)(i + 1 + j);
		size[ngroups] = j - i;
		rank2[ngroups++] = r2;
		for (s = i; s < j; s++)
			if (t[s].is_y)
				obs += r2;
	}
	dist = ngroups == n ? tie_free_dist(n, ny)
			    : (owned = rank_sum_dist(size, rank2, ngroups, ny, smax));
	if (!dist)
		goto out;
	for (s = 0; s <= smax; s++) {
		total += dist[s];
		if (s >= obs)
			ge += dist[s];
		if (s <= obs)
			le += dist[s];
	}
	/* U = rank sum - ny(ny+1)/2, in doubled units */
	out->u = ((double)obs - (double)(ny * (ny + 1))) / 2;
	out->p_greater = (double)(ge / total);
	out->p_less = (double)(le / total);
	ret = 0;
out:
	free(owned);
	free(t);
	free(size);
	free(rank2);
	return ret;
}

int tt_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double conf,
		      struct tt_hl *out)
{
	size_t m = nx * ny, n = nx + ny, i, j, smax = n * (n + 1);
	const long double *dist;
	long double total = 0, cum = 0, tail;
	double *d = NULL;
	long k = -1;
	int ret = -ENOMEM;

	if (!sides_ok(x, nx, y, ny) || !(conf > 0 && conf < 1))
		return -EINVAL;
	d = malloc(m * sizeof(*d));
	if (!d)
		goto out;
	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++)
			d[i * ny + j] = y[j] - x[i];
	qsort(d, m, sizeof(*d), cmp_double);
	out->shift = m % 2 ? d[m / 2] : tt_midpoint(d[m / 2 - 1], d[m / 2]);

	/*
	 * The interval is the set of shifts the exact test would not reject;
	 * shifting moves the ties, so the tie-free distribution is the one
	 * that inverts (it is what continuous per-run values have).
	 */
	dist = tie_free_dist(n, ny);
	if (!dist)
		goto out;
	for (i = 0; i <= smax; i++)
		total += dist[i];
	tail = (long double)(1 - conf) / 2 * total;
	/* U = c has doubled rank sum 2c + ny(ny+1) */
	for (i = 0; i <= m; i++) {
		cum += dist[2 * i + ny * (ny + 1)];
		if (cum > tail * (1 + 1e-12L))
			break;
		k = (long)i;
	}
	if (k < 0) {
		out->lo = -INFINITY;
		out->hi = INFINITY;
	} else {
		out->lo = d[k];
		out->hi = d[m - 1 - (size_t)k];
	}
	ret = 0;
out:
	free(d);
	return ret;
}

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *a, const void *b)
{
	return cmp_double(&((const struct pidx *)a)->p, &((const struct pidx *)b)->p);
}

int tt_bh_adjust(const double *p, size_t n, double *q)
{
	struct pidx *v;
	double run = 1;
	size_t r;

	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (r = 0; r < n; r++)
		v[r] = (struct pidx){ p[r], r };
	qsort(v, n, sizeof(*v), cmp_pidx);
	for (r = n; r-- > 0;) {
		double a = v[r].p * (double)n / (double)(r + 1);

		if (a < run)
			run = a;
		q[v[r].i] = run;
	}
	free(v);
	return 0;
}

void tt_hsum_quantile_interval(const struct tt_hsum *s, double q, struct tt_qint *out)
{
	size_t i;

	*out = (struct tt_qint){ 0, 0, 0 };
	if (s->count == 0 || s->nbuckets == 0)
		return;
	out->value = tt_hsum_quantile(s, q);
	/*
	 * The estimate lies in the bucket of the nearest-rank sample (its
	 * midpoint, or min or max when those are in that bucket), and buckets
	 * do not overlap: the bucket holding the estimate is that bucket.
	 */
	for (i = 0; i + 1 < s->nbuckets; i++)
		if (out->value <= s->buckets[i].upper)
			break;
	out->lo = s->buckets[i].lower > s->min ? s->buckets[i].lower : s->min;
	out->hi = s->buckets[i].upper < s->max ? s->buckets[i].upper : s->max;
}

uint64_t tt_quantile_min_samples(double q)
{
	/* 20 / (1 - 0.99) is 2000.0000000000018 in doubles: round off the ulps */
	return (uint64_t)ceil(20 / (1 - q) * (1 - 1e-9));
}

const char *tt_verdict_name(enum tt_verdict v)
{
	static const char *const names[] = {
		[TT_SAME] = "SAME",
		[TT_IMPROVED] = "IMPROVED",
		[TT_REGRESSED] = "REGRESSED",
		[TT_INCONCLUSIVE] = "INCONCLUSIVE",
		[TT_INSUFFICIENT] = "INSUFFICIENT",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

static double median(const double *v, size_t n, double *tmp)
{
	memcpy(tmp, v, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : tt_midpoint(tmp[n / 2 - 1], tmp[n / 2]);
}

static bool all_at_least(const double *v, size_t n, double lowest)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(v[i] >= lowest))
			return false;
	return true;
}

static bool all_equal(const double *v, size_t n, double to)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != to)
			return false;
	return true;
}

int tt_cmp_series(const struct tt_cmp_in *in, double alpha, struct tt_cmp *out)
{
	size_t nb = in->nbase, nc = in->ncand, i;
	double *x = NULL, *y = NULL, *tmp = NULL, up, down, scale;
	bool logs;
	struct tt_mw hi_t, lo_t;
	struct tt_hl hl;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!sides_ok(in->base, nb, in->cand, nc) || !(in->allowed >= 0) || !(alpha > 0 && alpha < 0.5))
		return -EINVAL;
	x = calloc(nb, sizeof(*x));
	y = calloc(nc, sizeof(*y));
	tmp = malloc((nb > nc ? nb : nc) * sizeof(*tmp));
	if (!x || !y || !tmp)
		goto out;
	out->base_median = median(in->base, nb, tmp);
	out->cand_median = median(in->cand, nc, tmp);
	logs = in->log_scale && all_at_least(in->base, nb, DBL_TRUE_MIN) &&
	       all_at_least(in->cand, nc, DBL_TRUE_MIN);
	/*
	 * On a log scale the shift is a ratio; otherwise a difference, made
	 * relative by the base median (1 when that is 0, so the allowed change
	 * reads as absolute) unless the caller asked for plain differences.
	 */
	scale = logs || in->absolute ? 1 : (out->base_median != 0 ? fabs(out->base_median) : 1);
	for (i = 0; i < nb; i++)
		x[i] = logs ? log(in->base[i]) : in->base[i] / scale;
	for (i = 0; i < nc; i++)
		y[i] = logs ? log(in->cand[i]) : in->cand[i] / scale;
	ret = tt_hodges_lehmann(x, nb, y, nc, 1 - 2 * alpha, &hl);
	if (ret)
		goto out;
	/*
	 * Every run of both sides gave the same value (no errors anywhere):
	 * nothing can have moved, however few the runs for an interval.
	 */
	if (all_equal(x, nb, x[0]) && all_equal(y, nc, x[0]))
		hl.lo = hl.hi = hl.shift = 0;
	if (logs) {
		out->change = expm1(hl.shift);
		out->lo = expm1(hl.lo);
		out->hi = expm1(hl.hi);
		up = log1p(in->allowed);
		down = -up;
	} else {
		out->change = hl.shift;
		out->lo = hl.lo;
		out->hi = hl.hi;
		up = in->allowed;
		down = -in->allowed;
	}
	/*
	 * A ratio statistic with a run at 0 is compared as differences
	 * relative to the base median m, and its bounds are extreme pairwise
	 * differences: a base run above m minus a candidate run at 0 reads
	 * below -100 %.  That measures the base's spread, not a possible
	 * change: the candidate's values are >= 0, so every difference y - x
	 * is >= -x and the median of Y - X is >= -median(X): the relative
	 * change cannot be below -100 %, and cutting the interval at -100 %
	 * takes out only values the parameter cannot have (its coverage stays;
	 * the estimate itself is never below it but for rounding).  Fractions
	 * and a zero base are plain differences with no such bound known (the
	 * floor, -median(X), is not known, only its estimate), and stay.
	 */
	if (!logs && in->log_scale && !in->absolute && out->base_median > 0 &&
	    all_at_least(in->cand, nc, 0)) {
		out->change = fmax(out->change, -1);
		out->lo = fmax(out->lo, -1);
		out->hi = fmax(out->hi, -1);
	}
	/*
	 * "Worse by more than allowed" is tested as a shift past the allowed
	 * one: the candidate moved back by it must still rank above the base.
	 * A change inside the rule can then be significant only by chance at
	 * rate alpha (less, the further inside), never routinely.
	 */
	for (i = 0; i < nc; i++)
		y[i] -= up;
	ret = tt_mw_exact(x, nb, y, nc, &hi_t);
	if (ret)
		goto out;
	for (i = 0; i < nc; i++)
		y[i] += up - down;
	ret = tt_mw_exact(x, nb, y, nc, &lo_t);
	if (ret)
		goto out;
	out->p_worse = in->higher_is_worse ? hi_t.p_greater : lo_t.p_less;
	out->p_better = in->higher_is_worse ? lo_t.p_less : hi_t.p_greater;
	out->q_worse = out->p_worse;
	out->q_better = out->p_better;
	out->verdict = TT_INCONCLUSIVE;
out:
	free(x);
	free(y);
	free(tmp);
	return ret;
}

int tt_cmp_decide(struct tt_cmp *c, const double *allowed, size_t n, double alpha)
{
	double *p = malloc((2 * n + 1) * sizeof(*p));
	size_t i, m = 0, k;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!c[i].insufficient) {
			p[m] = c[i].p_worse;
			p[n + m++] = c[i].p_better;
		}
	if (tt_bh_adjust(p, m, p) || tt_bh_adjust(p + n, m, p + n)) {
		free(p);
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < n; i++) {
		if (c[i].insufficient) {
			c[i].verdict = TT_INSUFFICIENT;
			continue;
		}
		c[i].q_worse = p[k];
		c[i].q_better = p[n + k++];
		if (c[i].q_worse < alpha)
			c[i].verdict = TT_REGRESSED;
		else if (c[i].q_better < alpha)
			c[i].verdict = TT_IMPROVED;
		else if (c[i].lo > -allowed[i] && c[i].hi < allowed[i])
			c[i].verdict = TT_SAME;
		else
			c[i].verdict = TT_INCONCLUSIVE;
	}
	free(p);
	return (int)m;
}

int tt_host_speed_test(const double *base, size_t nbase, const double *cand, size_t ncand,
		       struct tt_host_speed *out)
{
	struct tt_cmp_in in = { base, nbase, cand, ncand, 0, true, true, false };
	struct tt_cmp c;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!nbase || !ncand)
		return 0;
	ret = tt_cmp_series(&in, TT_HOST_ALPHA, &c);
	if (ret)
		return ret;
	out->tested = true;
	out->base_median = c.base_median;
	out->cand_median = c.cand_median;
	out->change = c.change;
	out->lo = c.lo;
	out->hi = c.hi;
	out->p_slower = c.p_worse;
	out->p_faster = c.p_better;
	/* the ratio's distance from 1 either way: x2 slower or x2 faster */
	if (c.p_worse < TT_HOST_ALPHA && 1 + c.change >= 1 + TT_HOST_MIN_SHIFT)
		out->step = 1;
	else if (c.p_better < TT_HOST_ALPHA && 1 + c.change <= 1 / (1 + TT_HOST_MIN_SHIFT))
		out->step = -1;
	return 0;
}

bool tt_host_explains(const struct tt_host_speed *h, const struct tt_cmp *c)
{
	/* how far the change surely went, in its own direction */
	double surely = c->change >= 0 ? c->lo : -c->hi;

	if (!h->tested || !h->step)
		return false;
	if (c->verdict != (h->step > 0 ? TT_REGRESSED : TT_IMPROVED))
		return false;
	return surely <= TT_HOST_MAX_EFFECT;
}
