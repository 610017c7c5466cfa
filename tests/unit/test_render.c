// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the text and JSON renderers (user/render/).  A report is
 * built by hand with fixed host, kernel, start time and samples, rendered,
 * and compared byte for byte with golden files in $TT_GOLDEN_DIR (default
 * tests/unit/golden); TT_UPDATE_GOLDEN=1 rewrites them instead, to be
 * reviewed in the diff.  Properties that must hold whatever the goldens say
 * are asserted directly: the JSON parses back, bucket counts add up to the
 * count, overflow is "+Inf", the ERRORS join sums per row, top cuts rows,
 * durations are formatted with three significant digits, and write errors
 * come back as a negative errno.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
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
#include <jansson.h>

#include "report.h"
#include "termwidth.h"
#include "tt_golden.h"

#define T0_SEC 1795776808	/* 2026-11-27T10:53:28Z */
#define T0_NSEC 123456789
#define LAT_FAMILY "tracetool_syscall_duration_seconds"
#define ERR_FAMILY "tracetool_syscall_errors_total"

typedef int (*render_fn)(const struct tt_report *, const struct tt_render_opts *, FILE *);

/* ---- the report under test --------------------------------------------- */

struct sample {
	uint64_t value;		/* ns */
	unsigned int n;		/* how many times */
};

static void add_hist_series(struct tt_family *f, const char *name, const struct sample *v,
			    size_t nv)
{
	const char *labels[] = { name };
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_series *s;
	size_t i, j;

	assert_non_null(h);
	for (i = 0; i < nv; i++)
		for (j = 0; j < v[i].n; j++)
			tt_hist_record(h, v[i].value);
	s = tt_family_add_series(f, labels);
	assert_non_null(s);
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, 1e-9), 0);
	free(h);
}

static void add_value_series(struct tt_family *f, const char *const *labels, double v)
{
	struct tt_series *s = tt_family_add_series(f, labels);

	assert_non_null(s);
	s->value = v;
}

static void add_stack(struct tt_profile *p, const char *const *frames, size_t n, uint64_t v)
{
	assert_int_equal(tt_profile_add_stack(p, n, frames, v), 0);
}

/*
 * read:  10 x 700ns, 80 x 1.6us, 9 x 21us, 1 x 3ms   (sum 3.324 ms)
 * write: 50 x 5us, 1 x 200 s (past 2^37 ns: the overflow bucket)
 * close: no samples
 * errors: read EAGAIN 4 + EINTR 1, write EPIPE 2, openat ENOENT 7
 */
static struct tt_report *build_report(void)
{
	static const char *const lat_labels[] = { "syscall" };
	static const char *const err_labels[] = { "syscall", "errno" };
	static const char *const prog_labels[] = { "program" };
	static const struct sample rd[] = {
		{ 700, 10 }, { 1600, 80 }, { 21000, 9 }, { 3000000, 1 },
	};
	static const struct sample wr[] = { { 5000, 50 }, { 200000000000ULL, 1 } };
	static const char *const st1[] = { "main", "work", "compute" };
	static const char *const st2[] = { "main", "io", "vfs_read_[k]" };
	static const char *const st3[] = { "main", "idle" };
	struct timespec ev_time = { T0_SEC + 2, 500000000 };
	struct tt_report *r = tt_report__new();
	struct tt_family *lat, *errs, *empty;
	struct tt_profile *p;
	struct tt_event *e;

	assert_non_null(r);
	snprintf(r->host, sizeof(r->host), "testhost");
	snprintf(r->kernel, sizeof(r->kernel), "6.0.0-test");
	r->started_at = (struct timespec){ T0_SEC, T0_NSEC };
	r->duration_seconds = 5.0;
	assert_int_equal(tt_report_add_tracer(r, "syscalls", "tp_btf"), 0);
	assert_int_equal(tt_report_add_filter(r, "comm", "nginx"), 0);
	r->lost[TT_LOST_MAP_FULL] = 3;
	r->tracer_lost[0][TT_LOST_MAP_FULL] = 3;

	lat = tt_report_add_family(r, LAT_FAMILY, "Time from syscall entry to exit.", "seconds",
				   TT_METRIC_HISTOGRAM, 1, lat_labels);
	assert_non_null(lat);
	add_hist_series(lat, "read", rd, 4);
	add_hist_series(lat, "write", wr, 2);
	add_hist_series(lat, "close", NULL, 0);

	errs = tt_report_add_family(r, ERR_FAMILY, "Syscalls that returned an error, by errno.",
				    "", TT_METRIC_COUNTER, 2, err_labels);
	assert_non_null(errs);
	add_value_series(errs, (const char *const[]){ "read", "EAGAIN" }, 4);
	add_value_series(errs, (const char *const[]){ "read", "EINTR" }, 1);
	add_value_series(errs, (const char *const[]){ "write", "EPIPE" }, 2);
	add_value_series(errs, (const char *const[]){ "openat", "ENOENT" }, 7);
	lat->text_join = errs;
	lat->text_join_title = strdup("ERRORS");
	assert_non_null(lat->text_join_title);

	empty = tt_report_add_family(r, "tracetool_bpf_run_seconds_total",
				     "Time spent in BPF programs.", "seconds", TT_METRIC_COUNTER,
				     1, prog_labels);
	assert_non_null(empty);

	e = tt_report_add_event(r, "syscall_slow", &ev_time);
	assert_non_null(e);
	assert_int_equal(tt_event_add_str(e, "comm", "nginx"), 0);
	assert_int_equal(tt_event_add_num(e, "pid", 4242), 0);
	assert_int_equal(tt_event_add_str(e, "syscall", "read"), 0);
	assert_int_equal(tt_event_add_num(e, "latency_seconds", 0.003), 0);

	p = tt_report_add_profile(r, "cpu", "samples");
	assert_non_null(p);
	add_stack(p, st2, 3, 5);
	add_stack(p, st1, 3, 42);
	add_stack(p, st3, 2, 9);
	return r;
}

/* ---- helpers ----------------------------------------------------------- */

/* Render into memory; the renderer must succeed.  Caller frees. */
static char *render(render_fn fn, const struct tt_report *r, const struct tt_render_opts *o)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	assert_int_equal(fn(r, o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(data);
	assert_int_equal(strlen(data), len);
	return data;
}

/*
 * The lines of the text section titled `title`, up to the blank line that
 * ends it.  Caller frees.
 */
static char *section(const char *text, const char *title)
{
	char key[256];
	const char *start, *end;
	char *out;

	snprintf(key, sizeof(key), "\n%s\n", title);
	start = strstr(text, key);
	if (!start)
		return NULL;
	start += strlen(key);
	end = strstr(start, "\n\n");
	end = end ? end + 1 : start + strlen(start);
	out = strndup(start, (size_t)(end - start));
	assert_non_null(out);
	return out;
}

static const char *next_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl + 1 : s + strlen(s);
}

/* Number of lines in s that start with prefix. */
static int count_lines(const char *s, const char *prefix)
{
	int n = 0;

	for (; s && *s; s = next_line(s))
		n += !strncmp(s, prefix, strlen(prefix));
	return n;
}

/* The line of s whose first word (after leading blanks) is `word`, or NULL. */
static const char *row_of(const char *s, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (; s && *s; s = next_line(s)) {
		p = s + strspn(s, " ");
		if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == '\n'))
			return s;
	}
	return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix))) {
		print_error("output starts:\n%.*s\n", (int)strlen(prefix), s);
		return false;
	}
	return true;
}

/* ---- golden files ------------------------------------------------------ */

static void test_text_golden(void **state)
{
	struct tt_render_opts o = { 0 };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);

	(void)state;
	tt_check_golden("report.txt", text);
	free(text);
	tt_report__free(r);
}

static void test_text_hist_golden(void **state)
{
	struct tt_render_opts o = { .hist = true };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);

	(void)state;
	tt_check_golden("report_hist.txt", text);
	free(text);
	tt_report__free(r);
}

static void test_json_golden(void **state)
{
	struct tt_report *r = build_report();
	char *text = render(tt_render_json, r, NULL);

	(void)state;
	tt_check_golden("report.json", text);
	free(text);
	tt_report__free(r);
}

/* ---- JSON contract ----------------------------------------------------- */

static void assert_keys(json_t *obj, const char *const *keys, size_t n)
{
	void *it = json_object_iter(obj);
	size_t i;

	for (i = 0; i < n; i++, it = json_object_iter_next(obj, it)) {
		assert_non_null(it);
		assert_string_equal(json_object_iter_key(it), keys[i]);
	}
	assert_null(it);
}

static json_t *series_by_label(json_t *metric, const char *label, const char *value)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(metric, "series"), i, s) {
		const char *v = json_string_value(json_object_get(json_object_get(s, "labels"),
								  label));

		if (v && !strcmp(v, value))
			return s;
	}
	fail_msg("no series %s=%s", label, value);
	return NULL;
}

/* Buckets ascend, "+Inf" only last, counts positive and summing to count. */
static void assert_buckets_consistent(json_t *s)
{
	json_t *buckets = json_object_get(s, "buckets"), *b;
	json_int_t total = 0;
	double prev = -1;
	size_t i;

	assert_true(json_is_array(buckets));
	json_array_foreach(buckets, i, b) {
		json_t *bound = json_array_get(b, 0), *cnt = json_array_get(b, 1);

		assert_int_equal(json_array_size(b), 2);
		assert_true(json_is_integer(cnt));
		assert_true(json_integer_value(cnt) > 0);
		if (json_is_string(bound)) {
			assert_string_equal(json_string_value(bound), "+Inf");
			assert_int_equal(i, json_array_size(buckets) - 1);
		} else {
			assert_true(json_is_number(bound));
			assert_true(json_number_value(bound) > prev);
			prev = json_number_value(bound);
		}
		total += json_integer_value(cnt);
	}
	assert_true(json_is_integer(json_object_get(s, "count")));
	assert_int_equal(total, json_integer_value(json_object_get(s, "count")));
}

static void assert_near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want))
		fail_msg("%.17g is not within %g of %.17g", got, rel, want);
}

static void test_json_parses_back(void **state)
{
	static const char *const top_keys[] = {
		"schema", "tracers", "host", "kernel", "started_at", "duration_seconds",
		"hooks", "filters", "lost", "lost_by_tracer", "metrics", "events", "profiles",
	};
	static const char *const lost_keys[] = {
		"ringbuf", "map_full", "stack_collisions", "pid_map_full", "symbolize_fd",
	};
	static const char *const metric_keys[] = { "name", "type", "unit", "help", "series" };
	static const char *const hist_keys[] = {
		"labels", "count", "sum", "min", "max", "quantiles", "buckets",
	};
	static const char *const q_keys[] = { "0.5", "0.9", "0.99", "0.999" };
	static const char *const err_label_keys[] = { "syscall", "errno" };
	static const char *const ev_keys[] = {
		"type", "time", "comm", "pid", "syscall", "latency_seconds",
	};
	struct tt_report *r = build_report();
	char *text = render(tt_render_json, r, NULL);
	json_t *root, *lat, *errs, *s, *last, *ev, *stack;
	json_error_t jerr;
	size_t i;

	(void)state;
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	root = json_loads(text, 0, &jerr);
	if (!root)
		fail_msg("JSON does not parse: %s at line %d", jerr.text, jerr.line);
	assert_keys(root, top_keys, sizeof(top_keys) / sizeof(top_keys[0]));
	assert_string_equal(json_string_value(json_object_get(root, "schema")), TT_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(root, "started_at")),
			    "2026-11-27T10:53:28.123Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "hooks"),
							      "syscalls")), "tp_btf");
	assert_keys(json_object_get(root, "lost"), lost_keys, 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "lost"),
							    "map_full")), 3);
	s = json_object_get(json_object_get(root, "lost_by_tracer"), "syscalls");
	assert_keys(s, lost_keys, 5);
	assert_int_equal(json_integer_value(json_object_get(s, "map_full")), 3);

	lat = json_array_get(json_object_get(root, "metrics"), 0);
	assert_keys(lat, metric_keys, 5);
	assert_string_equal(json_string_value(json_object_get(lat, "name")), LAT_FAMILY);
	assert_string_equal(json_string_value(json_object_get(lat, "type")), "histogram");
	assert_int_equal(json_array_size(json_object_get(lat, "series")), 3);
	json_array_foreach(json_object_get(lat, "series"), i, s) {
		assert_keys(s, hist_keys, 7);
		assert_keys(json_object_get(s, "quantiles"), q_keys, 4);
		assert_buckets_consistent(s);
	}

	s = series_by_label(lat, "syscall", "read");
	assert_int_equal(json_integer_value(json_object_get(s, "count")), 100);
	assert_near(json_real_value(json_object_get(s, "sum")), 3.324e-3, 1e-12);
	assert_near(json_real_value(json_object_get(s, "min")), 700e-9, 1e-12);
	assert_near(json_real_value(json_object_get(s, "max")), 3e-3, 1e-12);
	/* estimates within the bucket error bound of the exact nearest rank */
	assert_near(json_real_value(json_object_get(json_object_get(s, "quantiles"), "0.5")),
		    1600e-9, 0.0078);
	assert_near(json_real_value(json_object_get(json_object_get(s, "quantiles"), "0.99")),
		    21000e-9, 0.0078);
	assert_near(json_real_value(json_object_get(json_object_get(s, "quantiles"), "0.999")),
		    3e-3, 0.0078);
	last = json_array_get(json_object_get(s, "buckets"), 3);
	/* the 3 ms sample's bucket: its upper bound is at or above 3 ms */
	assert_true(json_real_value(json_array_get(last, 0)) >= 3e-3);
	assert_true(json_real_value(json_array_get(last, 0)) < 3e-3 * 1.016);

	s = series_by_label(lat, "syscall", "write");
	assert_int_equal(json_integer_value(json_object_get(s, "count")), 51);
	assert_near(json_real_value(json_object_get(s, "max")), 200.0, 1e-12);
	last = json_array_get(json_object_get(s, "buckets"), 1);
	assert_string_equal(json_string_value(json_array_get(last, 0)), "+Inf");
	assert_int_equal(json_integer_value(json_array_get(last, 1)), 1);
	assert_near(json_real_value(json_object_get(json_object_get(s, "quantiles"), "0.99")),
		    200.0, 1e-12);

	s = series_by_label(lat, "syscall", "close");
	assert_int_equal(json_integer_value(json_object_get(s, "count")), 0);
	assert_int_equal(json_array_size(json_object_get(s, "buckets")), 0);
	assert_true(json_number_value(json_object_get(s, "max")) == 0);
	assert_true(json_number_value(json_object_get(json_object_get(s, "quantiles"),
						      "0.5")) == 0);

	errs = json_array_get(json_object_get(root, "metrics"), 1);
	assert_string_equal(json_string_value(json_object_get(errs, "type")), "counter");
	s = json_array_get(json_object_get(errs, "series"), 0);
	assert_keys(s, (const char *const[]){ "labels", "value" }, 2);
	assert_keys(json_object_get(s, "labels"), err_label_keys, 2);
	assert_true(json_is_integer(json_object_get(s, "value")));	/* 4, not 4.0 */
	assert_int_equal(json_integer_value(json_object_get(s, "value")), 4);

	assert_int_equal(json_array_size(json_object_get(json_array_get(
				 json_object_get(root, "metrics"), 2), "series")), 0);

	ev = json_array_get(json_object_get(root, "events"), 0);
	assert_keys(ev, ev_keys, 6);
	assert_string_equal(json_string_value(json_object_get(ev, "time")),
			    "2026-11-27T10:53:30.500Z");
	assert_true(json_is_integer(json_object_get(ev, "pid")));
	assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 4242);
	assert_true(json_is_real(json_object_get(ev, "latency_seconds")));
	assert_true(json_real_value(json_object_get(ev, "latency_seconds")) == 0.003);

	stack = json_array_get(json_object_get(json_array_get(json_object_get(root, "profiles"),
							       0), "stacks"), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(stack, "frames"),
							     2)), "compute");
	assert_int_equal(json_integer_value(json_object_get(stack, "value")), 42);

	json_decref(root);
	free(text);
	tt_report__free(r);
}

static void test_json_minimal_report(void **state)
{
	struct tt_report *r = tt_report__new();
	json_t *root;
	char *text;

	(void)state;
	assert_non_null(r);
	text = render(tt_render_json, r, NULL);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_null(json_object_get(root, "filters"));	/* only when there are filters */
	assert_int_equal(json_array_size(json_object_get(root, "metrics")), 0);
	assert_true(json_is_array(json_object_get(root, "events")));
	assert_true(json_is_array(json_object_get(root, "profiles")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "lost"),
							    "pid_map_full")), 0);
	json_decref(root);
	free(text);
	tt_report__free(r);
}

/*
 * A comm is arbitrary bytes: invalid UTF-8 is written as \xNN per byte and still
 * parses; two names differing only there stay two series (with '?' they merged).
 */
static void test_json_non_utf8_label(void **state)
{
	static const char *const names[] = { "comm" };
	const char *bad[] = { "a\xff\xfe" };
	const char *bad2[] = { "a\xfe\xff" };
	const char *good[] = { "caf\xc3\xa9" };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	struct tt_series *s;
	json_t *root, *series;
	char *text;

	(void)state;
	assert_non_null(r);
	f = tt_report_add_family(r, "m", "h", "", TT_METRIC_COUNTER, 1, names);
	assert_non_null(f);
	s = tt_family_add_series(f, bad);
	assert_non_null(s);
	s->value = 1;
	s = tt_family_add_series(f, good);
	assert_non_null(s);
	s->value = 2;
	s = tt_family_add_series(f, bad2);
	assert_non_null(s);
	s->value = 3;
	text = render(tt_render_json, r, NULL);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	series = json_object_get(json_array_get(json_object_get(root, "metrics"), 0), "series");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(series, 0), "labels"), "comm")),
			    "a\\xff\\xfe");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(series, 1), "labels"), "comm")),
			    "caf\xc3\xa9");	/* valid UTF-8 is kept as is */
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(series, 2), "labels"), "comm")),
			    "a\\xfe\\xff");
	json_decref(root);
	free(text);
	tt_report__free(r);
}

/* ---- text properties --------------------------------------------------- */

static unsigned long errors_of(const char *table, const char *syscall)
{
	const char *row = row_of(table, syscall);
	unsigned long long count;
	char name[32], errs[32];

	assert_non_null(row);
	assert_int_equal(sscanf(row, "%31s %llu %31s", name, &count, errs), 3);
	return strtoul(errs, NULL, 10);
}

static void test_text_errors_join(void **state)
{
	struct tt_render_opts o = { 0 };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);
	char *lat = section(text, LAT_FAMILY);

	(void)state;
	assert_non_null(lat);
	assert_non_null(strstr(lat, "SYSCALL  COUNT  ERRORS"));
	assert_int_equal(errors_of(lat, "read"), 5);	/* EAGAIN 4 + EINTR 1 */
	assert_int_equal(errors_of(lat, "write"), 2);
	assert_int_equal(errors_of(lat, "close"), 0);
	assert_null(row_of(lat, "openat"));	/* no latency row, no join row */
	/* the counter family still has its own table */
	assert_non_null(strstr(text, "\n" ERR_FAMILY "\n  SYSCALL  ERRNO   VALUE\n"));
	free(lat);
	free(text);
	tt_report__free(r);
}

/* A join that cannot match every label shows "-", and text_hidden hides a table. */
static void test_text_join_needs_every_label(void **state)
{
	static const char *const lat_labels[] = { "syscall", "comm" };
	static const char *const err_labels[] = { "syscall", "errno" };
	struct tt_render_opts o = { 0 };
	struct tt_report *r = tt_report__new();
	struct tt_family *lat, *errs;
	struct tt_series *s;
	struct tt_hist h = { 0 };
	char *text, *tab;
	char name[32], comm[32], count[32], joined[32];

	(void)state;
	assert_non_null(r);
	lat = tt_report_add_family(r, LAT_FAMILY, "", "seconds", TT_METRIC_HISTOGRAM, 2,
				   lat_labels);
	errs = tt_report_add_family(r, ERR_FAMILY, "", "", TT_METRIC_COUNTER, 2, err_labels);
	assert_non_null(lat);
	assert_non_null(errs);
	lat->text_join = errs;
	lat->text_join_title = strdup("ERRORS");
	assert_non_null(lat->text_join_title);
	errs->text_hidden = true;
	tt_hist_record(&h, 1000);
	s = tt_family_add_series(lat, (const char *const[]){ "read", "nginx" });
	assert_non_null(s);
	assert_int_equal(tt_hsum_from_hist(&s->hist, &h, 1e-9), 0);
	add_value_series(errs, (const char *const[]){ "read", "EAGAIN" }, 9);

	text = render(tt_render_text, r, &o);
	assert_null(strstr(text, ERR_FAMILY));
	tab = section(text, LAT_FAMILY);
	assert_non_null(tab);
	assert_non_null(row_of(tab, "read"));
	assert_int_equal(sscanf(row_of(tab, "read"), "%31s %31s %31s %31s", name, comm, count,
				joined), 4);
	assert_string_equal(comm, "nginx");
	assert_string_equal(count, "1");
	assert_string_equal(joined, "-");
	free(tab);
	free(text);
	tt_report__free(r);
}

static void test_text_top_cuts_rows(void **state)
{
	struct tt_render_opts o = { .top = 1 };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);
	char *lat = section(text, LAT_FAMILY), *errs = section(text, ERR_FAMILY);
	char *prof = section(text, "cpu (samples)"), *json;

	(void)state;
	assert_non_null(lat);
	assert_non_null(errs);
	assert_non_null(prof);
	/* heaviest first: write (200 s total) before read (3.3 ms) */
	assert_non_null(row_of(lat, "write"));
	assert_null(row_of(lat, "read"));
	assert_null(row_of(lat, "close"));
	assert_non_null(strstr(lat, "  (+2 more)\n"));
	assert_non_null(row_of(errs, "openat"));	/* 7, the largest */
	assert_null(row_of(errs, "read"));
	assert_non_null(strstr(errs, "  (+3 more)\n"));
	assert_non_null(strstr(prof, "  42 main;work;compute\n"));
	assert_null(strstr(prof, "main;idle"));
	assert_non_null(strstr(prof, "  (+2 more)\n"));
	free(lat);
	free(errs);
	free(prof);
	free(text);

	/* top = 0 shows every row and no "(+N more)" line */
	o.top = 0;
	text = render(tt_render_text, r, &o);
	assert_null(strstr(text, "more)"));
	lat = section(text, LAT_FAMILY);
	assert_int_equal(count_lines(lat, "  "), 4);	/* header + 3 rows */
	free(lat);
	free(text);

	/* top is a text option: JSON keeps every series */
	o.top = 1;
	json = render(tt_render_json, r, &o);
	assert_non_null(strstr(json, "\"close\""));
	assert_non_null(strstr(json, "\"openat\""));
	free(json);
	tt_report__free(r);
}

static void test_text_header(void **state)
{
	struct tt_render_opts o = { 0 };
	struct tt_report *r = build_report();
	char *text;

	(void)state;
	assert_int_equal(tt_report_add_tracer(r, "tcp", "tracepoint"), 0);
	r->lost[TT_LOST_RINGBUF] = 2;
	text = render(tt_render_text, r, &o);
	assert_true(starts_with(text, "tracetool syscalls,tcp: 5.00 s on testhost (kernel "
				      "6.0.0-test), hooks: syscalls=tp_btf,tcp=tracepoint\n"
				      "filters: comm=nginx\n"
				      "WARNING: lost events: ringbuf=2 map_full=3\n\n"));
	free(text);

	/* interval: end of the interval in local time (TZ=UTC here), losses still loud */
	o.interval = true;
	text = render(tt_render_text, r, &o);
	assert_true(starts_with(text, "--- 10:53:33 (interval 5.00 s) ---\n"
				      "WARNING: lost events: ringbuf=2 map_full=3\n\n"));
	assert_null(strstr(text, "filters:"));
	free(text);

	/* no losses, no warning */
	memset(r->lost, 0, sizeof(r->lost));
	o.interval = false;
	text = render(tt_render_text, r, &o);
	assert_null(strstr(text, "WARNING"));
	free(text);
	tt_report__free(r);
}

/* A bound reached (series under _other) is a WARNING line, like a loss. */
static void test_text_limit_warning(void **state)
{
	struct tt_render_opts o = { 0 };
	struct tt_report *r = build_report();
	struct tt_family *f;
	char *text;

	(void)state;
	text = render(tt_render_text, r, &o);
	assert_null(strstr(text, "WARNING: series limit"));
	free(text);
	f = tt_report_add_family(r, "tracetool_tcp_resets_total", "", "", TT_METRIC_COUNTER, 2,
				 (const char *const[]){ "saddr", "daddr" });
	assert_non_null(f);
	add_value_series(f, (const char *const[]){ "10.0.0.1", "10.0.0.2" }, 1);
	add_value_series(f, (const char *const[]){ "_other", "_other" }, 7);
	text = render(tt_render_text, r, &o);
	assert_non_null(strstr(text, "\nWARNING: series limit reached, samples counted under "
				     "_other in: tracetool_tcp_resets_total (bounds: the tracers' "
				     "--max-* options)\n"));
	free(text);
	o.interval = true;	/* the short header too */
	text = render(tt_render_text, r, &o);
	assert_non_null(strstr(text, "WARNING: series limit reached"));
	free(text);
	tt_report__free(r);
}

/*
 * Sum of the counts on the bar lines under `heading`; the overflow line's
 * count also goes to *overflow.  Each bar is 40 columns between '|', and
 * the largest count fills them all.
 */
static unsigned long long bar_total(const char *text, const char *heading,
				    unsigned long long *overflow)
{
	unsigned long long total = 0, n, max = 0;
	const char *p = strstr(text, heading), *bar, *num;
	size_t stars, max_stars = 0;

	assert_non_null(p);
	*overflow = 0;
	for (p += strlen(heading); !strncmp(p, "    [", 5); p = strchr(p, '\n') + 1) {
		bar = strchr(p, '|');
		assert_non_null(bar);
		assert_int_equal(strchr(bar + 1, '|') - bar, 41);
		stars = strspn(bar + 1, "*");
		for (num = bar - 1; num > p && *num == ' '; num--)
			;
		while (num > p && num[-1] >= '0' && num[-1] <= '9')
			num--;
		n = strtoull(num, NULL, 10);
		assert_true(n == 0 ? stars == 0 : stars > 0);
		if (n > max) {
			max = n;
			max_stars = stars;
		}
		if (!strncmp(p, "    [>= ", 8))
			*overflow += n;
		total += n;
	}
	assert_int_equal(max_stars, 40);
	return total;
}

/* Count on the bar line `label` of the chart under `heading`; -1 if absent. */
static long long bar_count(const char *text, const char *heading, const char *label)
{
	const char *p = strstr(text, heading);
	unsigned long long n;

	assert_non_null(p);
	for (p += strlen(heading); !strncmp(p, "    [", 5); p = strchr(p, '\n') + 1) {
		if (strncmp(p + 4, label, strlen(label)))
			continue;
		assert_int_equal(sscanf(p + 4 + strlen(label), "%llu", &n), 1);
		return (long long)n;
	}
	return -1;
}

/* Every bar chart accounts for every sample, overflow on its own line. */
static void test_text_bars(void **state)
{
	struct tt_render_opts o = { .hist = true };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);
	unsigned long long overflow;

	(void)state;
	assert_int_equal(bar_total(text, "\n  syscall=read\n", &overflow), 100);
	assert_int_equal(overflow, 0);
	assert_int_equal(bar_total(text, "\n  syscall=write\n", &overflow), 51);
	assert_int_equal(overflow, 1);
	assert_non_null(strstr(text, "\n    [>= 137s] "));
	/* 700 ns lands in [512ns, 1.02us), 1.6 us in [1.02us, 2.05us), 3 ms past 2^21 ns */
	assert_int_equal(bar_count(text, "\n  syscall=read\n", "[512ns, 1.02us)"), 10);
	assert_int_equal(bar_count(text, "\n  syscall=read\n", "[1.02us, 2.05us)"), 80);
	assert_int_equal(bar_count(text, "\n  syscall=read\n", "[2.05us, 4.10us)"), 0);
	assert_int_equal(bar_count(text, "\n  syscall=read\n", "[16.4us, 32.8us)"), 9);
	assert_int_equal(bar_count(text, "\n  syscall=read\n", "[2.10ms, 4.19ms)"), 1);
	assert_int_equal(bar_count(text, "\n  syscall=write\n", "[4.10us, 8.19us)"), 50);
	assert_non_null(strstr(text, "\n  syscall=close\n    (no samples)\n"));
	free(text);
	tt_report__free(r);
}

/* Three significant digits, and the unit chosen after rounding. */
static void test_text_durations(void **state)
{
	static const struct {
		const char *name;
		double seconds;
		const char *want;
	} cases[] = {
		{ "a", 812e-9, "812ns" },  { "b", 1.23e-6, "1.23us" }, { "c", 45.6e-3, "45.6ms" },
		{ "d", 2.35, "2.35s" },    { "e", 999.7e-6, "1.00ms" }, { "f", 9.996e-3, "10.0ms" },
		{ "g", 1234.0, "1234s" },  { "h", 0, "0" },             { "i", 999.4e-9, "999ns" },
	};
	static const char *const labels[] = { "case" };
	struct tt_render_opts o = { 0 };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	char *text, *tab, name[16], val[32];
	size_t i;

	(void)state;
	assert_non_null(r);
	f = tt_report_add_family(r, "durations", "", "seconds", TT_METRIC_GAUGE, 1, labels);
	assert_non_null(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add_value_series(f, (const char *const[]){ cases[i].name }, cases[i].seconds);
	text = render(tt_render_text, r, &o);
	tab = section(text, "durations");
	assert_non_null(tab);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(row_of(tab, cases[i].name));
		assert_int_equal(sscanf(row_of(tab, cases[i].name), "%15s %31s", name, val), 2);
		if (strcmp(val, cases[i].want))
			fail_msg("%g s printed as %s, want %s", cases[i].seconds, val,
				 cases[i].want);
	}
	free(tab);
	free(text);
	tt_report__free(r);
}

static void test_text_empty_family(void **state)
{
	struct tt_render_opts o = { 0 };
	struct tt_report *r = build_report();
	char *text = render(tt_render_text, r, &o);

	(void)state;
	assert_non_null(strstr(text, "\ntracetool_bpf_run_seconds_total\n  (none)\n"));
	free(text);
	tt_report__free(r);
}

/*
 * Label values in CJK (2 cells a character) and with a combining accent (0)
 * line up in screen cells: every row's VALUE ends in the header's column.
 */
static void test_text_columns_in_cells(void **state)
{
	static const char *const lnames[] = { "route" };
	static const char *const routes[] = { "/a", "/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
					      "/cafe\xcc\x81", "/\xf0\x9f\x8d\x95/x" };
	struct tt_render_opts o = { 0 };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	char *text, *sec, *line, *save = NULL;
	size_t i, want = 0, rows = 0;

	(void)state;
	assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
	assert_non_null(r);
	f = tt_report_add_family(r, "c_total", "", "", TT_METRIC_COUNTER, 1, lnames);
	assert_non_null(f);
	for (i = 0; i < 4; i++)
		add_value_series(f, (const char *const[]){ routes[i] }, (double)(i + 1) * 1000);
	text = render(tt_render_text, r, &o);
	sec = section(text, "c_total");
	for (line = strtok_r(sec, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!want) {
			assert_non_null(strstr(line, "VALUE"));
			want = tt_text_cells(line);
			continue;
		}
		rows++;
		if (tt_text_cells(line) != want)
			fail_msg("\"%s\": %zu cells, the header %zu", line, tt_text_cells(line), want);
	}
	assert_int_equal(rows, 4);
	free(sec);
	free(text);
	tt_report__free(r);
	setlocale(LC_CTYPE, "C");
}

/*
 * Routes of three cells each, measured by grapheme cluster (an emoji ZWJ
 * sequence, a flag, VS16, a skin tone: 2 cells, not their code points'
 * sum): every row is padded alike, so what follows each route is the same.
 */
static void test_text_columns_in_clusters(void **state)
{
	static const char *const lnames[] = { "route" };
	static const char *const routes[] = {
		"/ab",
		"/\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",	/* woman ZWJ laptop */
		"/\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa",		/* the flag DE */
		"/\xe2\x9d\xa4\xef\xb8\x8f",			/* heart VS16 */
		"/\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",		/* thumbs up, skin tone */
	};
	const size_t n = sizeof(routes) / sizeof(routes[0]);
	struct tt_render_opts o = { 0 };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	char *text, *sec, *line, *save = NULL, *rest = NULL;
	size_t i, rows = 0;

	(void)state;
	assert_non_null(r);
	f = tt_report_add_family(r, "c_total", "", "", TT_METRIC_COUNTER, 1, lnames);
	assert_non_null(f);
	for (i = 0; i < n; i++)
		add_value_series(f, (const char *const[]){ routes[i] }, 1000);
	text = render(tt_render_text, r, &o);
	sec = section(text, "c_total");
	assert_non_null(sec);
	for (line = strtok_r(sec, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *route = NULL;

		if (strstr(line, "VALUE"))
			continue;
		for (i = 0; i < n && !route; i++)
			if (!strncmp(line + 2, routes[i], strlen(routes[i])))
				route = routes[i];
		if (!route)
			fail_msg("\"%s\": no route", line);
		rows++;
		line += 2 + strlen(route);
		if (!rest)
			rest = line;
		else if (strcmp(line, rest))
			fail_msg("\"%s\" after %s, \"%s\" after the first", line, route, rest);
	}
	assert_int_equal(rows, n);
	free(sec);
	free(text);
	tt_report__free(r);
}

/* ---- write errors ------------------------------------------------------ */

static void check_write_error(render_fn fn)
{
	struct tt_render_opts o = { .hist = true };
	struct tt_report *r = build_report();
	FILE *f = fopen("/dev/full", "r+");	/* r+: never creates it */
	int err;

	if (!f) {
		tt_report__free(r);
		skip();
	}
	assert_int_equal(setvbuf(f, NULL, _IONBF, 0), 0);
	err = fn(r, &o, f);
	assert_true(err < 0);
	assert_int_equal(err, -EIO);
	fclose(f);
	tt_report__free(r);
}

static void test_text_write_error(void **state)
{
	(void)state;
	check_write_error(tt_render_text);
}

static void test_json_write_error(void **state)
{
	(void)state;
	check_write_error(tt_render_json);
}

/* The live line of a streamed event, and events moved between reports. */
static void test_event_line_and_take(void **state)
{
	struct tt_report *a = tt_report__new(), *b = tt_report__new();
	struct timespec t = { .tv_sec = 0, .tv_nsec = 250000000 };
	struct tt_event *e;
	char *data = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	setenv("TZ", "UTC", 1);
	tzset();
	e = tt_report_add_event(a, "tcp_retransmit", &t);
	assert_non_null(e);
	assert_int_equal(tt_event_add_str(e, "daddr", "127.0.0.2"), 0);
	assert_int_equal(tt_event_add_num(e, "dport", 8080), 0);
	f = open_memstream(&data, &len);
	assert_non_null(f);
	assert_int_equal(tt_render_event_line(e, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(data, "00:00:00.250 tcp_retransmit daddr=127.0.0.2 dport=8080\n");
	free(data);

	/* into an empty list: moved whole */
	assert_int_equal(tt_report_take_events(b, a), 0);
	assert_int_equal(a->nevents, 0);
	assert_int_equal(b->nevents, 1);
	/* appended after existing events, fields and all */
	assert_non_null(tt_report_add_event(a, "tcp_reset", &t));
	assert_non_null(tt_report_add_event(a, "tcp_reset", &t));
	assert_int_equal(tt_report_take_events(b, a), 0);
	assert_int_equal(a->nevents, 0);
	assert_int_equal(b->nevents, 3);
	assert_string_equal(b->events[0].fields[0].str, "127.0.0.2");
	assert_string_equal(b->events[2].type, "tcp_reset");
	/* the emptied source is reusable */
	assert_non_null(tt_report_add_event(a, "x", &t));
	tt_report_clear_events(a);
	assert_int_equal(a->nevents, 0);
	tt_report__free(a);
	tt_report__free(b);
}

/* Formats are chosen by name; an unknown one is refused. */
static void test_render_dispatch(void **state)
{
	struct tt_report *r = tt_report__new();
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(r);
	assert_non_null(f);
	assert_int_equal(tt_render(r, NULL, "json", f), 0);
	assert_int_equal(tt_render(r, NULL, "text", f), 0);
	assert_int_equal(tt_render(r, NULL, "yaml", f), -EINVAL);
	fclose(f);
	tt_report__free(r);
}

/* Label helpers for tracers: IP addresses, BPF timestamps as wall-clock time. */
static void test_ip_label_and_ktime(void **state)
{
	const unsigned char v4[4] = { 127, 0, 0, 2 };
	unsigned char v6[16] = { 0 };
	struct timespec mono, real, t;
	char buf[64];

	(void)state;
	v6[15] = 1;
	assert_string_equal(tt_ip_label(buf, sizeof(buf), 2, v4), "127.0.0.2");
	assert_string_equal(tt_ip_label(buf, sizeof(buf), 10, v6), "::1");
	assert_string_equal(tt_ip_label(buf, 4, 2, v4), "?");	/* does not fit */
	/* ::ffff:127.0.0.2, an IPv4 peer through an AF_INET6 socket: the IPv4 label */
	memset(v6, 0, sizeof(v6));
	v6[10] = v6[11] = 0xff;
	memcpy(v6 + 12, v4, 4);
	assert_string_equal(tt_ip_label(buf, sizeof(buf), 10, v6), "127.0.0.2");
	v6[10] = 0;	/* ::ff:7f00:2 is not mapped */
	assert_string_equal(tt_ip_label(buf, sizeof(buf), 10, v6), "::ff:7f00:2");
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	t = tt_ktime_to_realtime((uint64_t)mono.tv_sec * 1000000000 + (uint64_t)mono.tv_nsec);
	assert_true(t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
	assert_true(llabs((long long)(t.tv_sec - real.tv_sec)) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_golden),
		cmocka_unit_test(test_text_columns_in_cells),
		cmocka_unit_test(test_text_columns_in_clusters),
		cmocka_unit_test(test_text_hist_golden),
		cmocka_unit_test(test_json_golden),
		cmocka_unit_test(test_json_parses_back),
		cmocka_unit_test(test_json_minimal_report),
		cmocka_unit_test(test_json_non_utf8_label),
		cmocka_unit_test(test_text_errors_join),
		cmocka_unit_test(test_text_join_needs_every_label),
		cmocka_unit_test(test_text_top_cuts_rows),
		cmocka_unit_test(test_text_header),
		cmocka_unit_test(test_text_limit_warning),
		cmocka_unit_test(test_text_bars),
		cmocka_unit_test(test_text_durations),
		cmocka_unit_test(test_text_empty_family),
		cmocka_unit_test(test_text_write_error),
		cmocka_unit_test(test_json_write_error),
		cmocka_unit_test(test_event_line_and_take),
		cmocka_unit_test(test_render_dispatch),
		cmocka_unit_test(test_ip_label_and_ktime),
	};

	/* local times in the text output are deterministic in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
