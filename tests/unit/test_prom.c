// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for `serve`'s library parts: the Prometheus 0.0.4 and
 * OpenMetrics renderers (user/render/prom.c) against golden files
 * (tests/unit/golden/metrics.prom, metrics.om; TT_UPDATE_GOLDEN=1 rewrites
 * them), the exactness of their `le` buckets against the raw samples, the
 * snapping of bounds onto tracetool bucket bounds, and the exporter's view
 * (user/export.c): counters that never go backwards across overflow and
 * series churn, TTL expiry that forgets and return with a new start time,
 * state bounded by the live series, the overflow series and its count, and
 * histograms folded onto the exported bounds.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "export.h"
#include "prom.h"
#include "tt_golden.h"
#include "tt_rng.h"

#define T0_SEC 1795776808	/* 2026-11-27T10:53:28Z */
#define LAT "tracetool_syscall_duration_seconds"
#define ERR "tracetool_syscall_errors_total"

static const uint64_t samples_ns[] = {
	700, 700, 1007, 1008, 1600, 1600, 1600, 21000, 50175, 50176, 3000000, 999999999,
	2000000000ULL, 200000000000ULL,	/* 200 s: the overflow bucket */
};

static struct tt_report *make_report(void)
{
	static const char *lat_labels[] = { "syscall", "comm" };
	static const char *err_labels[] = { "syscall", "errno" };
	static const char *g_labels[] = { "tracer" };
	struct tt_report *r = tt_report__new();
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_family *f;
	struct tt_series *s;
	size_t i;

	assert_non_null(r);
	assert_non_null(h);
	r->started_at.tv_sec = T0_SEC;
	r->started_at.tv_nsec = 500000000;
	f = tt_report_add_family(r, LAT, "Time from syscall entry to exit.", "seconds",
				 TT_METRIC_HISTOGRAM, 2, lat_labels);
	assert_non_null(f);
	for (i = 0; i < sizeof(samples_ns) / sizeof(samples_ns[0]); i++)
		tt_hist_record(h, samples_ns[i]);
	s = tt_family_add_series(f, (const char *[]){ "read", "we\"ird\\na\nme" });
	assert_non_null(s);
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, 1e-9), 0);
	s->created = T0_SEC + 7.25;
	f = tt_report_add_family(r, ERR, "Failed syscalls by errno.", "", TT_METRIC_COUNTER, 2,
				 err_labels);
	assert_non_null(f);
	s = tt_family_add_series(f, (const char *[]){ "openat", "ENOENT" });
	s->value = 7;
	/* whole numbers with trailing zeros print as integers, not 3e+01 */
	s = tt_family_add_series(f, (const char *[]){ "close", "EBADF" });
	s->value = 30;
	s = tt_family_add_series(f, (const char *[]){ "read", "EAGAIN" });
	s->value = 1000000;
	/* a family with no series yet: HELP and TYPE all the same */
	assert_non_null(tt_report_add_family(r, "tracetool_tcp_resets_total", "TCP resets.\\ok",
					     "", TT_METRIC_COUNTER, 0, NULL));
	f = tt_report_add_family(r, "tracetool_bpf_map_memory_bytes", "Map memory.", "bytes",
				 TT_METRIC_GAUGE, 1, g_labels);
	s = tt_family_add_series(f, (const char *[]){ "syscalls" });
	s->value = 1048576;
	free(h);
	return r;
}

static char *render(const struct tt_report *r, const struct tt_prom_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(tt_render_prom(r, o, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_prom_golden(void **state)
{
	struct tt_report *r = make_report();
	char *text = render(r, &(struct tt_prom_opts){ .openmetrics = false });
	char *om = render(r, &(struct tt_prom_opts){ .openmetrics = true });

	(void)state;
	tt_check_golden("metrics.prom", text);
	tt_check_golden("metrics.om", om);
	/* properties whatever the goldens say */
	assert_non_null(strstr(text, "comm=\"we\\\"ird\\\\na\\nme\""));
	assert_null(strstr(text, "# EOF"));
	assert_null(strstr(text, "_created"));
	assert_non_null(strstr(text, "# TYPE tracetool_tcp_resets_total counter\n"));
	assert_non_null(strstr(om, "# TYPE tracetool_tcp_resets counter\n"));
	assert_non_null(strstr(om, "\n# EOF\n"));
	assert_non_null(strstr(om, "# UNIT tracetool_syscall_duration_seconds seconds\n"));
	assert_non_null(strstr(om, "tracetool_syscall_errors_total{syscall=\"openat\",errno=\"ENOENT\"} 7\n"));
	assert_non_null(strstr(text, "tracetool_syscall_errors_total{syscall=\"close\",errno=\"EBADF\"} 30\n"));
	assert_non_null(strstr(text, "tracetool_syscall_errors_total{syscall=\"read\",errno=\"EAGAIN\"} 1000000\n"));
	assert_non_null(strstr(om, "tracetool_syscall_errors_created{syscall=\"openat\",errno=\"ENOENT\"} 1795776808.500\n"));
	assert_non_null(strstr(om, "_created{syscall=\"read\",comm=\"we\\\"ird\\\\na\\nme\"} 1795776815.250\n"));
	free(text);
	free(om);
	tt_report__free(r);
}

/* Every exported `le` count equals the number of raw samples <= le: exact, not interpolated. */
static void test_buckets_exact(void **state)
{
	static double user[] = { 2e-6, 5e-5, 0.003, 1 };
	struct tt_report *r = make_report();
	size_t nuser = tt_prom_snap_bounds(user, 4, "seconds");
	struct tt_prom_opts opts[2] = { { .openmetrics = false },
					{ .bounds = user, .nbounds = nuser } };
	size_t o, i, checked = 0;

	(void)state;
	for (o = 0; o < 2; o++) {
		char *text = render(r, &opts[o]), *p = text;

		while ((p = strstr(p, LAT "_bucket{"))) {
			double le;
			unsigned long long got, want = 0;
			char *q = strstr(p, "le=\"");

			assert_non_null(q);
			if (!strncmp(q + 4, "+Inf", 4)) {
				want = sizeof(samples_ns) / sizeof(samples_ns[0]);
				assert_int_equal(sscanf(strchr(q, '}') + 1, "%llu", &got), 1);
			} else {
				assert_int_equal(sscanf(q + 4, "%lf\"} %llu", &le, &got), 2);
				for (i = 0; i < sizeof(samples_ns) / sizeof(samples_ns[0]); i++)
					want += (double)samples_ns[i] * 1e-9 <= le * (1 + 1e-12);
			}
			if (got != want)
				fail_msg("bucket %.60s: %llu, samples <= le: %llu", p, got, want);
			checked++;
			p = q;
		}
		free(text);
	}
	assert_int_equal(checked, 17 + 5);	/* 16 default bounds + +Inf, 4 chosen + +Inf */
	tt_report__free(r);
}

/* A snapped bound is the last value of a tracetool bucket, and snapping is idempotent. */
static void test_snap(void **state)
{
	size_t n, i;
	const double *d = tt_prom_default_bounds("seconds", &n);
	double b[] = { 0.001, 0.001, 5e-6, 1e-10 };

	(void)state;
	assert_true(n >= 10 && n <= 20);
	for (i = 0; i < n; i++) {
		double s = tt_prom_snap_bound(d[i], "seconds");
		uint64_t ns = (uint64_t)llround(s * 1e9);

		assert_true(s >= d[i]);
		assert_true(tt_hist_slot(ns) != tt_hist_slot(ns + 1));
		assert_true(tt_prom_snap_bound(s, "seconds") == s);
	}
	assert_true(tt_prom_snap_bound(0.001, "seconds") == 0.001007615);
	assert_int_equal(tt_prom_snap_bounds(b, 4, "seconds"), 3);	/* duplicates dropped */
	assert_true(b[0] == 0 && b[1] == 5.055e-6 && b[2] == 0.001007615);
	assert_true(tt_prom_snap_bound(1000, "bytes") == 1007);
}

/* --- the exporter's view ----------------------------------------------------------- */

static struct tt_report *snap_counters(const char *const *names, const double *values, size_t n)
{
	static const char *labels[] = { "route" };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	size_t i;

	assert_non_null(r);
	f = tt_report_add_family(r, "c_total", "c", "", TT_METRIC_COUNTER, 1, labels);
	for (i = 0; i < n; i++)
		tt_family_add_series(f, (const char *[]){ names[i] })->value = values[i];
	f = tt_report_add_family(r, "g", "g", "", TT_METRIC_GAUGE, 1, labels);
	tt_family_add_series(f, (const char *[]){ "x" })->value = 3;
	return r;
}

static const struct tt_series *find(const struct tt_report *r, const char *fam, const char *l)
{
	const struct tt_family *f = tt_report_find_family(r, fam);

	return f ? tt_family_find_series(f, (const char *[]){ l }) : NULL;
}

/*
 * Series churn past the export limit and the tracer's own _other series:
 * every exported series and the overflow series only grow, and the sum of
 * what is exported equals the cumulative total.
 */
static void test_export_monotonic(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "_other" };
	/* cumulative values at 4 snapshots: c, d and _other appear late */
	static const double v[4][5] = {
		{ 5, 3, 0, 0, 0 }, { 7, 3, 1, 0, 0 }, { 7, 4, 4, 2, 0 }, { 9, 4, 6, 2, 5 },
	};
	static const size_t nseries[4] = { 2, 3, 4, 5 };
	struct tt_export *x = tt_export__new(&(struct tt_export_opts){ .start = 100, .ttl = 0,
									 .max_series = 2 });
	double prev[3] = { 0 };
	size_t t, i;

	(void)state;
	assert_non_null(x);
	for (t = 0; t < 4; t++) {
		struct tt_report *s = snap_counters(names, v[t], nseries[t]);
		struct tt_report *view = tt_export_view(x, s, 100 + t);
		const struct tt_series *e[3] = { find(view, "c_total", "a"),
						 find(view, "c_total", "b"),
						 find(view, "c_total", "_other") };
		double total = 0, exported = 0;

		assert_non_null(view);
		for (i = 0; i < nseries[t]; i++)
			total += v[t][i];
		for (i = 0; i < 3; i++) {
			double now = e[i] ? e[i]->value : 0;

			if (now < prev[i])
				fail_msg("snapshot %zu: series %zu went back from %g to %g", t, i,
					 prev[i], now);
			prev[i] = now;
			exported += now;
		}
		assert_true(exported == total);
		assert_int_equal(tt_report_find_family(view, "c_total")->nseries, t ? 3 : 2);
		tt_report__free(view);
		tt_report__free(s);
	}
	assert_int_equal(tt_export_overflowed(x, "c_total"), 2);	/* c and d, not _other */
	assert_true(prev[2] == 6 + 2 + 5);
	tt_export__free(x);
}

/*
 * Idle series expire after the TTL and are forgotten (tt_export_gone); the
 * caller's cumulative state drops them, and one that comes back counts
 * from zero with created = the view before its return.
 */
static void test_export_ttl(void **state)
{
	static const char *const names[] = { "b", "a" };
	struct tt_export *x = tt_export__new(&(struct tt_export_opts){ .start = 1000, .ttl = 10 });
	struct {
		double now, a, b;
		bool a_in_snap, a_shown, a_gone;
		double a_value, a_created;
		size_t expired, remembered;
	} steps[] = {
		{ 1000, 5, 1, true, true, false, 5, 1000, 0, 3 },	/* a, b and the gauge */
		{ 1005, 5, 2, true, true, false, 5, 1000, 0, 3 },	/* a idle 5 s */
		{ 1011, 5, 3, true, false, true, 0, 0, 1, 2 },	/* a idle 11 s: forgotten */
		{ 1020, 0, 4, false, false, false, 0, 0, 1, 2 },	/* the session dropped it */
		{ 1021, 3, 5, true, true, false, 3, 1020, 1, 3 },	/* back from zero */
		{ 1022, 4, 6, true, true, false, 4, 1020, 1, 3 },
	};
	size_t i;

	(void)state;
	assert_non_null(x);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct tt_report *s = snap_counters(names, (double[]){ steps[i].b, steps[i].a },
						    steps[i].a_in_snap ? 2 : 1);
		struct tt_report *view = tt_export_view(x, s, steps[i].now);
		const struct tt_series *a = find(view, "c_total", "a");
		const struct tt_series *b = find(view, "c_total", "b");
		const struct tt_series *g = find(tt_export_gone(x), "c_total", "a");

		assert_non_null(view);
		assert_non_null(b);
		assert_true(b->value == steps[i].b && b->created == 1000);
		assert_non_null(find(view, "g", "x"));	/* gauges never expire */
		if (steps[i].a_shown != (a != NULL))
			fail_msg("step %zu: a %s", i, a ? "shown" : "missing");
		if (a && (a->value != steps[i].a_value || a->created != steps[i].a_created))
			fail_msg("step %zu: a = %g created %g", i, a->value, a->created);
		if (steps[i].a_gone != (g != NULL))
			fail_msg("step %zu: a %s", i, g ? "forgotten" : "not forgotten");
		assert_int_equal(tt_export_stats(x)->expired, steps[i].expired);
		assert_int_equal(tt_export_stats(x)->remembered, steps[i].remembered);
		tt_report__free(view);
		tt_report__free(s);
	}
	tt_export__free(x);
}

/* A histogram that expires is forgotten; back, it holds only the samples since. */
static void test_export_hist_return(void **state)
{
	static const char *labels[] = { "syscall" };
	struct tt_export *x = tt_export__new(&(struct tt_export_opts){ .start = 0, .ttl = 1 });
	struct tt_hist *h = calloc(1, sizeof(*h));
	double when[] = { 0, 2, 3 };
	uint64_t add[] = { 1000, 0, 5000 };
	size_t i;

	(void)state;
	assert_non_null(h);
	tt_hist_record(h, 1000);
	for (i = 0; i < 3; i++) {
		struct tt_report *s = tt_report__new();
		struct tt_family *f = tt_report_add_family(s, LAT, "h", "seconds",
							   TT_METRIC_HISTOGRAM, 1, labels);
		struct tt_series *ss = tt_family_add_series(f, (const char *[]){ "read" });
		struct tt_report *view;
		const struct tt_series *e;

		if (i && add[i]) {
			memset(h, 0, sizeof(*h));	/* forgotten at when[1]: counted afresh */
			tt_hist_record(h, add[i]);
		}
		assert_int_equal(tt_hsum_from_hist(&ss->hist, h, 1e-9), 0);
		view = tt_export_view(x, s, when[i]);
		e = find(view, LAT, "read");
		if (i == 1) {
			assert_null(e);
			assert_non_null(find(tt_export_gone(x), LAT, "read"));
		} else {
			assert_non_null(e);
			assert_int_equal(e->hist.count, 1);
			assert_int_equal(e->hist.nbuckets, 1);
			assert_true(fabs(e->hist.sum - add[i] * 1e-9) < 1e-15);
			assert_true(e->created == when[i ? 1 : 0]);
		}
		tt_report__free(view);
		tt_report__free(s);
	}
	free(h);
	tt_export__free(x);
}

/* The text format's number as the renderer wrote it before its fast paths: the reference. */
static void shortest_g(char *buf, size_t len, double v)
{
	int prec;

	if (isinf(v) || isnan(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

static void check_fmt(double v)
{
	char want[64], got[32];
	size_t n = tt_prom_fmt_double(got, v);

	shortest_g(want, sizeof(want), v);
	if (strcmp(got, want) || n != strlen(want))
		fail_msg("%.17g: got \"%s\" (%zu), want \"%s\"", v, got, n, want);
}

/*
 * tt_prom_fmt_double's fast paths (whole numbers, nanosecond multiples)
 * write what the shortest %.Pg writes, byte for byte: sums of nanoseconds
 * in seconds across every magnitude the fast path takes and past it,
 * negative ones, whole numbers, and values that are not ns multiples.
 */
static void test_fmt_double(void **state)
{
	static const double fixed[] = {
		0, -0.0, 1, -1, 30, 1e15 - 1, 1e15, 1e16, 0.1, 0.2, 0.1 + 0.2, 1e-9, 5e-10, 1.5e-9,
		1e-5, 1.5e-5, 0.0001, 0.00012345, 999999.999999999, 1e6 + 0.5, 123456.000000001,
		0.001007615, 1.007e-06, 16.777215, 4294.967295, 1e300, 5e-324,
		/* just below a power of ten: 10 significant digits, past 1e-9 */
		0.9999999999, 9.999999999e-5, 99999.99999999999, 0.5, 0.25, 1.0 / 1024, 3.0 / 1024,
	};
	struct rng r = { 0x9e3779b97f4a7c15ULL };
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_fmt(fixed[i]);
		check_fmt(-fixed[i]);
	}
	check_fmt(INFINITY);
	check_fmt(-INFINITY);
	check_fmt(NAN);
	for (k = 0; k < 200000; k++) {
		/* ns counts from 1 to 2^60: sum * 1e-9 as tt_hsum_from_hist computes it */
		uint64_t ns = rng_next(&r) >> (4 + rng_next(&r) % 60);
		double x = rng_unit(&r) * pow(10, (int)(rng_next(&r) % 30) - 15);

		check_fmt((double)ns * 1e-9);
		check_fmt((double)ns);
		check_fmt(x);
	}
}

/* OpenMetrics _created: the renderer's %.3f of many start times, as printf writes it. */
static void test_created(void **state)
{
	static const char *labels[] = { "k" };
	struct rng r = { 42 };
	struct tt_report *rep = tt_report__new();
	struct tt_family *f;
	struct tt_prom_opts o = { .openmetrics = true };
	char *text = NULL, *line, *save = NULL, want[64], id[32];
	size_t len = 0, i, n = 5000, seen = 0;
	FILE *out;

	(void)state;
	assert_non_null(rep);
	f = tt_report_add_family(rep, "c_total", "C.", "", TT_METRIC_COUNTER, 1, labels);
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		struct tt_series *s;

		snprintf(id, sizeof(id), "%zu", i);
		s = tt_family_add_series(f, (const char *[]){ id });
		assert_non_null(s);
		s->value = (double)i;
		/* whole ms, half ms (ties), and arbitrary times */
		s->created = i % 3 == 0 ? T0_SEC + (double)(i * 1000 + 1) / 1000 :
			     i % 3 == 1 ? T0_SEC + (double)(i * 2 + 1) / 2000 :
			     T0_SEC + rng_unit(&r) * 1e6;
	}
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(tt_render_prom(rep, &o, out), 0);
	fclose(out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "c_created{k=\"", 13))
			continue;
		i = strtoul(line + 13, NULL, 10);
		snprintf(want, sizeof(want), "%.3f", f->series[i].created);
		assert_string_equal(strrchr(line, ' ') + 1, want);
		seen++;
	}
	assert_int_equal(seen, n);
	free(text);
	tt_report__free(rep);
}

/*
 * 2,000 label sets that each count once and then stay idle (pids or comms
 * coming and going on a host), past a series limit of 2: the exporter
 * remembers only the live ones and hands every idle one out to be
 * forgotten, the overflow series never goes down although the label sets
 * summed into it are forgotten, and every count ever made is either in a
 * live series, in the overflow series, or in a series that expired.  Before
 * forgetting, the state kept every label set ever seen (2,000).
 */
static void test_export_churn_bounded(void **state)
{
	enum { N = 2000 };
	static const char *labels[] = { "route" };
	struct tt_export *x = tt_export__new(&(struct tt_export_opts){ .start = 0, .ttl = 10,
								      .max_series = 2 });
	/* the caller's cumulative state: label i counted i + 1 while remembered */
	bool *live = calloc(N, sizeof(*live));
	double ov_prev = 0, expired_counts = 0;
	size_t i, k, max_remembered = 0;

	(void)state;
	assert_non_null(x);
	assert_non_null(live);
	for (i = 0; i < N; i++) {
		struct tt_report *s = tt_report__new();
		struct tt_family *f = tt_report_add_family(s, "c_total", "c", "", TT_METRIC_COUNTER,
							   1, labels);
		const struct tt_family *vf, *gf;
		struct tt_report *view;
		double shown = 0, ov = 0, total = 0;
		char name[32];

		live[i] = true;
		for (k = 0; k <= i; k++) {
			if (!live[k])
				continue;
			snprintf(name, sizeof(name), "/r/%zu", k);
			tt_family_add_series(f, (const char *[]){ name })->value = (double)k + 1;
		}
		view = tt_export_view(x, s, 4.0 * (double)i);
		assert_non_null(view);
		vf = tt_report_find_family(view, "c_total");
		for (k = 0; k < vf->nseries; k++) {
			if (!strcmp(vf->series[k].labels[0], TT_OVERFLOW_LABEL))
				ov = vf->series[k].value;
			else
				shown += vf->series[k].value;
		}
		if (ov < ov_prev)
			fail_msg("view %zu: the overflow series went back from %g to %g", i, ov_prev, ov);
		ov_prev = ov;
		/* forget what the view forgot, as tt_session_forget does */
		gf = tt_report_find_family(tt_export_gone(x), "c_total");
		for (k = 0; gf && k < gf->nseries; k++) {
			size_t id = strtoul(gf->series[k].labels[0] + 3, NULL, 10);

			assert_true(live[id]);
			live[id] = false;
			if (!find(view, "c_total", gf->series[k].labels[0]))
				expired_counts += (double)id + 1;
		}
		for (k = 0; k <= i; k++)
			total += (double)k + 1;
		assert_true(shown + ov + expired_counts >= total - 1e-9);
		if (tt_export_stats(x)->remembered > max_remembered)
			max_remembered = tt_export_stats(x)->remembered;
		tt_report__free(view);
		tt_report__free(s);
	}
	/* idle 10 s at 4 s a view: a label set lives 4 views at most */
	assert_true(max_remembered <= 4);
	assert_true(tt_export_stats(x)->expired >= N - 4);
	free(live);
	tt_export__free(x);
}

/*
 * serve keeps its cumulative histograms folded onto the exported bounds
 * (tt_hsum_fold): the rendered text is the same as from the model's
 * buckets, a folded summary has at most n + 1 buckets, and folded
 * summaries add up bucket by bucket without growing.
 */
static void test_hsum_fold(void **state)
{
	static const char *labels[] = { "syscall" };
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_report *fine = tt_report__new(), *folded = tt_report__new();
	struct tt_family *ff, *gf;
	double b[64];
	const double *d;
	size_t n, i;
	char *t1, *t2;
	uint64_t v = 1;

	(void)state;
	assert_non_null(h);
	d = tt_prom_default_bounds("seconds", &n);
	memcpy(b, d, n * sizeof(*d));
	n = tt_prom_snap_bounds(b, n, "seconds");
	for (i = 0; i < 3000; i++, v = v * 6364136223846793005ull + 1442695040888963407ull)
		tt_hist_record(h, (v >> 20) % 40000000000ull >> (v % 30));
	ff = tt_report_add_family(fine, LAT, "h", "seconds", TT_METRIC_HISTOGRAM, 1, labels);
	gf = tt_report_add_family(folded, LAT, "h", "seconds", TT_METRIC_HISTOGRAM, 1, labels);
	assert_int_equal(tt_hsum_from_hist(&tt_family_add_series(ff, (const char *[]){ "read" })->hist,
					   h, 1e-9), 0);
	assert_int_equal(tt_hsum_from_hist(&tt_family_add_series(gf, (const char *[]){ "read" })->hist,
					   h, 1e-9), 0);
	assert_true(ff->series[0].hist.nbuckets > 4 * (n + 1));
	tt_hsum_fold(&gf->series[0].hist, b, n);
	assert_true(gf->series[0].hist.nbuckets <= n + 1);
	assert_true(gf->series[0].hist.count == ff->series[0].hist.count);
	assert_true(gf->series[0].hist.sum == ff->series[0].hist.sum);
	assert_true(gf->series[0].hist.min == ff->series[0].hist.min);
	assert_true(gf->series[0].hist.max == ff->series[0].hist.max);
	t1 = render(fine, &(struct tt_prom_opts){ .openmetrics = false });
	t2 = render(folded, &(struct tt_prom_opts){ .openmetrics = false });
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	for (i = 0; i < 3; i++) {
		struct tt_hsum more;

		assert_int_equal(tt_hsum_from_hist(&more, h, 1e-9), 0);
		tt_hsum_fold(&more, b, n);
		assert_int_equal(tt_hsum_add(&gf->series[0].hist, &more), 0);
		tt_hsum_release(&more);
		assert_true(gf->series[0].hist.nbuckets <= n + 1);
	}
	assert_true(gf->series[0].hist.count == 4 * h->count);
	tt_report__free(fine);
	tt_report__free(folded);
	free(h);
}

/*
 * The overflow series is created while own series are still to be added
 * to the view (the snapshot lists an overflowed label set first): adding
 * them moves the view's series array, and what the later overflowed label
 * sets add must still reach the overflow series.  Before the fix the view
 * kept a pointer into the old array (serve: a double free, and `_other`
 * going down with a bucket above +Inf, when expiry and the limit met).
 */
static void test_export_overflow_after_moves(void **state)
{
	enum { N = 600 };
	static const char *labels[] = { "route" };
	struct tt_export *x = tt_export__new(&(struct tt_export_opts){ .start = 0,
								      .max_series = N });
	size_t v, i;

	(void)state;
	assert_non_null(x);
	for (v = 0; v < 3; v++) {
		struct tt_report *s = tt_report__new();
		struct tt_family *f = tt_report_add_family(s, "c_total", "c", "", TT_METRIC_COUNTER,
							   1, labels);
		const struct tt_series *ov;
		struct tt_report *view;
		char name[32];

		/* the first view makes r0..r599 own series; later ones list /x1 first */
		if (v)
			tt_family_add_series(f, (const char *[]){ "/x1" })->value = 10.0 * (double)v;
		for (i = 0; i < N; i++) {
			snprintf(name, sizeof(name), "/r%zu", i);
			tt_family_add_series(f, (const char *[]){ name })->value = (double)v + 1;
		}
		if (!v)
			tt_family_add_series(f, (const char *[]){ "/x1" })->value = 1;
		tt_family_add_series(f, (const char *[]){ "/x2" })->value = 100.0 * ((double)v + 1);
		view = tt_export_view(x, s, (double)v);
		assert_non_null(view);
		ov = find(view, "c_total", TT_OVERFLOW_LABEL);
		assert_non_null(ov);
		if (ov->value != (v ? 10.0 * (double)v : 1) + 100.0 * ((double)v + 1))
			fail_msg("view %zu: the overflow series is %g", v, ov->value);
		assert_int_equal(tt_report_find_family(view, "c_total")->nseries, N + 1);
		tt_report__free(view);
		tt_report__free(s);
	}
	tt_export__free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_golden),
		cmocka_unit_test(test_buckets_exact),
		cmocka_unit_test(test_snap),
		cmocka_unit_test(test_fmt_double),
		cmocka_unit_test(test_created),
		cmocka_unit_test(test_export_monotonic),
		cmocka_unit_test(test_export_ttl),
		cmocka_unit_test(test_export_hist_return),
		cmocka_unit_test(test_export_churn_bounded),
		cmocka_unit_test(test_export_overflow_after_moves),
		cmocka_unit_test(test_hsum_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
