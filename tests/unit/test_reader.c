// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the report reader and merge (user/reader.c,
 * user/report_merge.c).  Reports are built the way each tracer fills them
 * (syscalls, tcp, requests, profile, events, per-tracer losses), written as
 * JSON, read back and written again: the two documents must be identical,
 * and so must the text renders.  The golden report reads back into the
 * golden JSON and text.  Malformed, truncated and wrong-schema documents
 * and wrong types at every level are rejected with the JSON path.  Merge
 * arithmetic is checked number by number.
 */
#include <errno.h>
#include <limits.h>
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

#include "agg.h"
#include "reader.h"
#include "tt_golden.h"

#define T0_SEC 1795776808	/* 2026-11-27T10:53:28Z */
#define LAT "tracetool_syscall_duration_seconds"
#define ERRS "tracetool_syscall_errors_total"

/* ---- helpers ----------------------------------------------------------- */

static char *render_fmt(const struct tt_report *r, const char *fmt, bool hist)
{
	struct tt_render_opts o = { .hist = hist };
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	assert_int_equal(tt_render(r, &o, fmt, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(data);
	return data;
}

static struct tt_report *parse_ok(const char *json)
{
	char err[512] = "";
	struct tt_report *r = tt_report_parse(json, strlen(json), err, sizeof(err));

	if (!r)
		fail_msg("rejected: %s", err);
	return r;
}

/* The input must be rejected with an error that contains `want`. */
static void parse_bad(const char *json, const char *want)
{
	char err[512] = "";
	struct tt_report *r = tt_report_parse(json, strlen(json), err, sizeof(err));

	if (r) {
		tt_report__free(r);
		fail_msg("accepted, wanted \"%s\"", want);
	}
	assert_int_equal(errno, EINVAL);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

static struct tt_report *new_report(const char *tracer, const char *hook)
{
	struct tt_report *r = tt_report__new();

	assert_non_null(r);
	snprintf(r->host, sizeof(r->host), "testhost");
	snprintf(r->kernel, sizeof(r->kernel), "6.0.0-test");
	r->started_at = (struct timespec){ T0_SEC, 123000000 };
	r->duration_seconds = 10.0;
	assert_int_equal(tt_report_add_tracer(r, tracer, hook), 0);
	return r;
}

static void add_hist(struct tt_family *f, const char *const *labels, const uint64_t *v,
		     size_t n, double scale)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_series *s = tt_family_add_series(f, labels);
	size_t i;

	assert_non_null(h);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		tt_hist_record(h, v[i]);
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, scale), 0);
	free(h);
}

static void add_value(struct tt_family *f, const char *const *labels, double v)
{
	struct tt_series *s = tt_family_add_series(f, labels);

	assert_non_null(s);
	s->value = v;
}

/*
 * JSON -> model -> JSON gives the same document, and the model read back
 * renders the same text (with `join` restored: the JSON has no text hints).
 */
static void check_round_trip(struct tt_report *r, bool join)
{
	struct tt_report *back;
	char *j1, *j2, *t1, *t2;
	size_t i, k, b;

	j1 = render_fmt(r, "json", false);
	back = parse_ok(j1);
	j2 = render_fmt(back, "json", false);
	assert_string_equal(j1, j2);
	if (join)
		assert_int_equal(tt_report_set_text_join(back, LAT, ERRS, "ERRORS"), 0);
	t1 = render_fmt(r, "text", true);
	t2 = render_fmt(back, "text", true);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	t1 = render_fmt(r, "folded", false);
	t2 = render_fmt(back, "folded", false);
	assert_string_equal(t1, t2);
	/* tracetool's own buckets come back with their exact bounds */
	assert_int_equal(back->nfamilies, r->nfamilies);
	for (i = 0; i < r->nfamilies; i++) {
		const struct tt_family *f = r->families[i], *g = back->families[i];

		assert_int_equal(g->nseries, f->nseries);
		for (k = 0; f->type == TT_METRIC_HISTOGRAM && k < f->nseries; k++) {
			const struct tt_hsum *a = &f->series[k].hist, *c = &g->series[k].hist;

			assert_int_equal(c->count, a->count);
			assert_int_equal(c->nbuckets, a->nbuckets);
			for (b = 0; b < a->nbuckets; b++) {
				assert_true(c->buckets[b].lower == a->buckets[b].lower);
				assert_true(c->buckets[b].upper == a->buckets[b].upper);
				assert_int_equal(c->buckets[b].count, a->buckets[b].count);
			}
		}
	}
	free(t1);
	free(t2);
	free(j1);
	free(j2);
	tt_report__free(back);
}

/* ---- reports as each tracer builds them -------------------------------- */

static struct tt_report *syscalls_report(void)
{
	static const char *const names[] = { "syscall", "comm", "pid", "errno" };
	static const uint64_t rd[] = { 0, 1, 63, 64, 700, 1600, 1600, 21000, 3000000 };
	static const uint64_t wr[] = { 5000, 200000000000ULL, 137438953471ULL };
	struct tt_report *r = new_report("syscalls", "tp_btf");
	struct tt_family *lat, *errs;

	assert_int_equal(tt_report_add_filter(r, "pid", "42"), 0);
	assert_int_equal(tt_report_add_filter(r, "pid", "43"), 0);
	r->lost[TT_LOST_MAP_FULL] = 3;
	r->tracer_lost[0][TT_LOST_MAP_FULL] = 3;	/* lost is the sum over tracers */
	lat = tt_report_add_family(r, LAT, "Time from syscall entry to exit.", "seconds",
				   TT_METRIC_HISTOGRAM, 3, names);
	errs = tt_report_add_family(r, ERRS, "Syscalls that returned an error, by errno.", "",
				    TT_METRIC_COUNTER, 4, names);
	assert_non_null(lat);
	assert_non_null(errs);
	lat->text_join = errs;
	lat->text_join_title = strdup("ERRORS");
	add_hist(lat, (const char *const[]){ "read", "nginx", "42" }, rd, 9, 1e-9);
	add_hist(lat, (const char *const[]){ "write", "nginx", "42" }, wr, 3, 1e-9);
	add_hist(lat, (const char *const[]){ "close", "n\"g;x", "43" }, NULL, 0, 1e-9);
	add_value(errs, (const char *const[]){ "read", "nginx", "42", "EAGAIN" }, 4);
	add_value(errs, (const char *const[]){ "write", "nginx", "42", "EPIPE" }, 18446744073709551615.0);
	return r;
}

static struct tt_report *tcp_report(void)
{
	static const char *const flow[] = { "saddr", "daddr", "dport" };
	static const char *const reset[] = { "direction", "saddr", "daddr", "dport" };
	static const char *const peer[] = { "daddr", "dport" };
	static const uint64_t conn[] = { 51234, 61234, 1000000 };
	struct tt_report *r = new_report("tcp", "tracepoint");
	struct tt_family *f;
	struct tt_event *e;
	struct timespec t = { T0_SEC + 1, 5000000 };

	f = tt_report_add_family(r, "tracetool_tcp_retransmits_total", "h", "",
				 TT_METRIC_COUNTER, 3, flow);
	add_value(f, (const char *const[]){ "10.0.0.1", "::1", "80" }, 7);
	f = tt_report_add_family(r, "tracetool_tcp_retransmits_per_second", "h", "",
				 TT_METRIC_GAUGE, 3, flow);
	add_value(f, (const char *const[]){ "10.0.0.1", "::1", "80" }, 0.7);
	add_value(f, (const char *const[]){ "10.0.0.2", "::1", "80" }, NAN);
	f = tt_report_add_family(r, "tracetool_tcp_resets_total", "h", "", TT_METRIC_COUNTER,
				 4, reset);
	add_value(f, (const char *const[]){ "sent", "10.0.0.1", "10.0.0.3", "443" }, 2);
	f = tt_report_add_family(r, "tracetool_tcp_connect_duration_seconds", "h", "seconds",
				 TT_METRIC_HISTOGRAM, 2, peer);
	add_hist(f, (const char *const[]){ "10.0.0.3", "443" }, conn, 3, 1e-9);
	f = tt_report_add_family(r, "tracetool_tcp_rtt_seconds", "h", "seconds",
				 TT_METRIC_HISTOGRAM, 2, peer);
	assert_non_null(f);	/* no series: label names are lost, and not needed */
	e = tt_report_add_event(r, "tcp_retransmit", &t);
	assert_non_null(e);
	assert_int_equal(tt_event_add_str(e, "saddr", "10.0.0.1"), 0);
	assert_int_equal(tt_event_add_num(e, "dport", 80), 0);
	assert_int_equal(tt_event_add_num(e, "srtt_seconds", 0.000125), 0);
	assert_int_equal(tt_event_add_num(e, "big", 1e300), 0);
	assert_int_equal(tt_event_add_num(e, "nan", NAN), 0);
	assert_int_equal(tt_event_add_str(e, "state", "ESTABLISHED"), 0);
	r->lost[TT_LOST_RINGBUF] = 5;
	r->tracer_lost = calloc(1, sizeof(*r->tracer_lost));
	assert_non_null(r->tracer_lost);
	r->tracer_lost[0][TT_LOST_RINGBUF] = 5;
	return r;
}

static struct tt_report *requests_report(void)
{
	static const char *const srv[] = { "http_request_method", "http_response_status_code",
					   "http_route", "comm", "pid" };
	struct tt_report *r = new_report("requests", "tracepoint");
	struct tt_agg *a = tt_agg__new(5);
	struct tt_family *f;
	unsigned i;

	assert_non_null(a);
	for (i = 0; i < 500; i++)
		assert_int_equal(tt_agg_record(a, (const char *const[]){
					i % 3 ? "GET" : "POST", i % 7 ? "200" : "500",
					i % 2 ? "/users/:id" : "/", "srv", "7" },
					(uint64_t)i * 7919 + 100), 0);
	f = tt_report_add_family(r, "http_server_request_duration_seconds", "h", "seconds",
				 TT_METRIC_HISTOGRAM, 5, srv);
	assert_non_null(f);
	assert_int_equal(tt_agg_fill(a, f, 1e-9), 0);
	tt_agg__free(a);
	return r;
}

static struct tt_report *profile_report(void)
{
	struct tt_report *r = new_report("profile", "perf_event");
	struct tt_profile *p = tt_report_add_profile(r, "cpu", "samples");
	struct tt_family *f;

	assert_non_null(p);
	assert_int_equal(tt_profile_add_stack(p, 3, (const char *const[]){
				"prof_cpu", "main", "spin" }, 40), 0);
	assert_int_equal(tt_profile_add_stack(p, 4, (const char *const[]){
				"prof_cpu", "main", "write", "vfs_write_[k]" }, 2), 0);
	assert_int_equal(tt_profile_add_stack(p, 2, (const char *const[]){
				"x;y", "[unknown]" }, 1), 0);
	assert_int_equal(tt_profile_add_stack(p, 0, NULL, 3), 0);
	/* a histogram in bytes: recorded in whole units */
	f = tt_report_add_family(r, "x_size_bytes", "h", "bytes", TT_METRIC_HISTOGRAM, 0, NULL);
	add_hist(f, NULL, (const uint64_t[]){ 1, 100, 4096, 1ULL << 40 }, 4, 1);
	return r;
}

/* ---- round trips ------------------------------------------------------- */

static void test_round_trip_syscalls(void **state)
{
	struct tt_report *r = syscalls_report();

	(void)state;
	check_round_trip(r, true);
	tt_report__free(r);
}

/* The traced command's fate (additive to v1): exit code, signal, still running. */
static void test_round_trip_command(void **state)
{
	static const int statuses[] = { 3 << 8, 11 /* SIGSEGV */, -1 };
	char *const argv[] = { "sh", "-c", "exit 3", NULL };
	struct tt_report *r, *back;
	char *j;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		r = syscalls_report();
		assert_int_equal(tt_report_set_command(r, argv, statuses[i]), 0);
		check_round_trip(r, true);
		j = render_fmt(r, "json", false);
		back = parse_ok(j);
		assert_int_equal(back->cmd.argc, 3);
		assert_string_equal(back->cmd.argv[2], "exit 3");
		assert_int_equal(back->cmd.exited, i == 0);
		assert_int_equal(back->cmd.exit_code, i == 0 ? 3 : 0);
		assert_int_equal(back->cmd.signal, i == 1 ? 11 : 0);
		assert_non_null(strstr(j, i == 0 ? "\"exit_code\": 3" : i == 1 ? "\"signal\": \"SIGSEGV\"" :
				       "\"argv\""));
		free(j);
		tt_report__free(back);
		tt_report__free(r);
	}
}

static void test_round_trip_tcp(void **state)
{
	struct tt_report *r = tcp_report();

	(void)state;
	check_round_trip(r, false);
	tt_report__free(r);
}

static void test_round_trip_requests(void **state)
{
	struct tt_report *r = requests_report();

	(void)state;
	check_round_trip(r, false);
	tt_report__free(r);
}

static void test_round_trip_profile(void **state)
{
	struct tt_report *r = profile_report();

	(void)state;
	check_round_trip(r, false);
	tt_report__free(r);
}

static char *golden(const char *name)
{
	const char *dir = getenv("TT_GOLDEN_DIR");
	char path[PATH_MAX];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/unit/golden", name);
	s = tt_read_file(path, NULL);
	if (!s)
		fail_msg("%s: %s", path, strerror(errno));
	return s;
}

/* The golden JSON reads back into itself, and into the golden text renders. */
static void test_golden_reads_back(void **state)
{
	char *json = golden("report.json"), *out;
	struct tt_report *r = parse_ok(json);

	(void)state;
	out = render_fmt(r, "json", false);
	assert_string_equal(out, json);
	free(out);
	assert_int_equal(tt_report_set_text_join(r, LAT, ERRS, "ERRORS"), 0);
	out = render_fmt(r, "text", false);
	tt_check_golden("report.txt", out);
	free(out);
	out = render_fmt(r, "text", true);
	tt_check_golden("report_hist.txt", out);
	free(out);
	out = render_fmt(r, "folded", false);
	assert_string_equal(out, "main;idle 9\nmain;io;vfs_read_[k] 5\nmain;work;compute 42\n");
	free(out);
	tt_report__free(r);
	free(json);
}

/* Reading from a stream; a file cut anywhere is rejected, never half-read. */
static void test_truncated(void **state)
{
	char *json = golden("report.json"), err[512];
	size_t len = strlen(json), cut;
	struct tt_report *r;
	FILE *f;

	(void)state;
	f = fmemopen(json, len, "r");
	assert_non_null(f);
	r = tt_report_read(f, err, sizeof(err));
	assert_non_null(r);
	tt_report__free(r);
	fclose(f);
	/* every cut but at trailing whitespace must fail */
	for (cut = 0; cut < len - 2; cut += 7) {
		r = tt_report_parse(json, cut, err, sizeof(err));
		if (r)
			fail_msg("accepted the first %zu of %zu bytes", cut, len);
		assert_non_null(strstr(err, "$"));
	}
	parse_bad("", "$: not JSON");
	free(json);
}

/* A sequence of documents (-i writes one per interval) reads as their merge. */
static void test_document_stream(void **state)
{
	char *one = golden("report.json"), *two, *j1, *j2;
	struct tt_report *a, *b, *m;
	size_t n = strlen(one), lines = 0, i;
	char err[256], want[64];

	(void)state;
	for (i = 0; i < n; i++)	/* the second document's error counts lines from the start */
		lines += one[i] == '\n';
	two = malloc(2 * n + 2);
	assert_non_null(two);
	snprintf(two, 2 * n + 2, "%s\n%s", one, one);
	m = parse_ok(two);
	a = parse_ok(one);
	b = parse_ok(one);
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	j1 = render_fmt(a, "json", false);
	j2 = render_fmt(m, "json", false);
	assert_string_equal(j1, j2);
	assert_int_equal(m->lost[TT_LOST_MAP_FULL], 6);
	free(j1);
	free(j2);
	/* errors in a later document say which; the line counts from the start */
	snprintf(two, 2 * n + 2, "%s{\"schema\": 1}", one);
	parse_bad(two, "document 2: $.schema: expected a string");
	snprintf(two, 2 * n + 2, "%s\n{\"schema\":", one);
	snprintf(want, sizeof(want), "document 2: $: not JSON (line %zu,", lines + 2);
	parse_bad(two, want);
	snprintf(two, 2 * n + 2, "%s x", one);
	parse_bad(two, "document 2: $: not JSON");
	tt_report__free(a);
	tt_report__free(b);
	tt_report__free(m);
	free(two);
	free(one);
}

/* ---- rejection with the path ------------------------------------------- */

#define HEAD "{\"schema\": \"tracetool.report/v1\", \"tracers\": [\"syscalls\"], " \
	     "\"host\": \"h\", \"kernel\": \"k\", \"started_at\": \"2026-11-27T10:53:28.123Z\", " \
	     "\"duration_seconds\": 1.5, \"hooks\": {\"syscalls\": \"tp_btf\"}, " \
	     "\"lost\": {\"ringbuf\": 0}, "
#define HIST(series) "{\"name\": \"lat\", \"type\": \"histogram\", \"unit\": \"seconds\", " \
		     "\"help\": \"\", \"series\": [" series "]}"
#define S_OK "{\"labels\": {\"a\": \"1\"}, \"count\": 2, \"sum\": 1e-6, \"min\": 1e-7, " \
	     "\"max\": 9e-7, \"quantiles\": {\"0.5\": 1e-7}, \"buckets\": [[7.03e-7, 1], [\"+Inf\", 1]]}"

static void test_minimal_ok(void **state)
{
	struct tt_report *r;

	(void)state;
	r = parse_ok(HEAD "\"metrics\": [" HIST(S_OK) "]}");
	assert_int_equal(r->nfamilies, 1);
	assert_int_equal(r->families[0]->series[0].hist.nbuckets, 2);
	/* 703 ns ends a bucket of tracetool's layout: [696, 703] ns */
	assert_true(r->families[0]->series[0].hist.buckets[0].lower == 696 / 1e9);
	assert_true(isinf(r->families[0]->series[0].hist.buckets[1].upper));
	assert_int_equal(r->started_at.tv_sec, T0_SEC);
	assert_int_equal(r->started_at.tv_nsec, 123000000);
	assert_null(r->tracer_lost);
	tt_report__free(r);
	/* offsets, and unknown keys (v1 grows only by addition) */
	r = parse_ok("{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", "
		     "\"kernel\": \"\", \"started_at\": \"2026-11-27T11:53:28+01:00\", "
		     "\"duration_seconds\": 0, \"hooks\": {}, \"lost\": {}, \"metrics\": [], "
		     "\"future\": {\"x\": [1]}}");
	assert_int_equal(r->started_at.tv_sec, T0_SEC);
	tt_report__free(r);
}

/* Values no tracer writes, which would add up wrongly when merged. */
static void test_rejects_impossible_values(void **state)
{
	(void)state;
	parse_bad(HEAD "\"metrics\": [" HIST(S_OK ", " S_OK) "]}",
		  "$.metrics[0].series[1].labels: the same labels as series 0");
	parse_bad(HEAD "\"metrics\": [{\"name\": \"c_total\", \"type\": \"counter\", \"unit\": "
		  "\"\", \"help\": \"\", \"series\": [{\"labels\": {}, \"value\": -3}]}]}",
		  "$.metrics[0].series[0].value: a counter is never negative");
	parse_bad(HEAD "\"metrics\": [" HIST("{\"labels\": {\"a\": \"1\"}, \"count\": 2, \"sum\": -1, "
		  "\"min\": 1e-7, \"max\": 9e-7, \"quantiles\": {}, \"buckets\": [[7.03e-7, 1], "
		  "[\"+Inf\", 1]]}") "]}", "a histogram's sum is never negative");
}

/*
 * Sums that add past DBL_MAX in a merge are +Inf, which JSON spells null: the
 * merged report reads back (the sum still +Inf) and writes the same bytes.
 */
static void test_merged_sum_overflow_round_trip(void **state)
{
	static const char doc[] = HEAD "\"metrics\": [" HIST("{\"labels\": {\"a\": \"1\"}, "
		"\"count\": 2, \"sum\": 1.5e308, \"min\": 1e-7, \"max\": 9e-7, \"quantiles\": {}, "
		"\"buckets\": [[7.03e-7, 1], [\"+Inf\", 1]]}") "]}";
	struct tt_report *a = parse_ok(doc), *b = parse_ok(doc), *back;
	char err[256] = "", *json, *again;

	(void)state;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_true(isinf(a->families[0]->series[0].hist.sum));
	json = render_fmt(a, "json", false);
	assert_non_null(strstr(json, "\"sum\": null"));
	back = parse_ok(json);
	assert_true(isinf(back->families[0]->series[0].hist.sum) &&
		    back->families[0]->series[0].hist.sum > 0);
	assert_int_equal(back->families[0]->series[0].hist.count, 4);
	again = render_fmt(back, "json", false);
	assert_string_equal(again, json);
	free(again);
	free(json);
	tt_report__free(back);
	tt_report__free(a);
	tt_report__free(b);
	/* a sum is a number or null, nothing else */
	parse_bad(HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 0, \"sum\": \"x\", "
		  "\"min\": 0, \"max\": 0, \"quantiles\": {}, \"buckets\": []}") "]}",
		  "$.metrics[0].series[0].sum: expected a number or null");
}

/* -0.0 in a magnitude reads as 0: written back as 0.0 and "0.00 s", never "-0". */
static void test_negative_zero_magnitudes(void **state)
{
	struct tt_report *r;
	char *json, *text;

	(void)state;
	r = parse_ok("{\"schema\": \"tracetool.report/v1\", \"tracers\": [\"syscalls\"], "
		     "\"host\": \"h\", \"kernel\": \"k\", \"started_at\": "
		     "\"2026-11-27T10:53:28.123Z\", \"duration_seconds\": -0.0, \"hooks\": {}, "
		     "\"lost\": {}, \"metrics\": [" HIST("{\"labels\": {\"a\": \"1\"}, \"count\": 1, "
		     "\"sum\": -0.0, \"min\": -0.0, \"max\": -0.0, \"quantiles\": {}, "
		     "\"buckets\": [[-0.0, 1]]}") ", {\"name\": \"c_total\", \"type\": \"counter\", "
		     "\"unit\": \"\", \"help\": \"\", \"series\": [{\"labels\": {}, \"value\": -0.0}]}]}");
	assert_false(signbit(r->duration_seconds));
	assert_false(signbit(r->families[0]->series[0].hist.sum));
	assert_false(signbit(r->families[0]->series[0].hist.min));
	assert_false(signbit(r->families[0]->series[0].hist.max));
	assert_false(signbit(r->families[0]->series[0].hist.buckets[0].upper));
	assert_false(signbit(r->families[1]->series[0].value));
	json = render_fmt(r, "json", false);
	text = render_fmt(r, "text", false);
	if (strstr(json, "-0") || strstr(text, "-0"))
		fail_msg("a -0 printed:\n%s\n%s", json, text);
	free(json);
	free(text);
	tt_report__free(r);
}

static void test_command_rejects(void **state)
{
	(void)state;
	parse_bad(HEAD "\"metrics\": [], \"command\": {\"argv\": []}}", "$.command.argv");
	parse_bad(HEAD "\"metrics\": [], \"command\": {\"argv\": [\"a\"], \"signal\": \"SIGNOPE\"}}",
		  "$.command.signal: unknown signal");
	parse_bad(HEAD "\"metrics\": [], \"command\": {\"argv\": [\"a\"], \"exit_code\": 256}}",
		  "$.command.exit_code");
}

static void test_rejects_with_path(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "[1, 2]", "$: expected an object" },
		{ "{\"schema\": \"tracetool.report/v1\",}", "$: not JSON (line 1" },
		{ "{\"a\": 1, \"a\": 2}", "$: not JSON" },
		{ "{}", "$: missing key \"schema\"" },
		{ "{\"schema\": 2}", "$.schema: expected a string" },
		{ "{\"schema\": \"tracetool.report/v2\"}", "$.schema: \"tracetool.report/v2\" is not" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": {}}", "$.tracers: expected an array" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [1]}", "$.tracers[0]: expected a string" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [\"a\", \"a\"]}", "$.tracers[1]: \"a\" appears twice" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": null}", "$.host: expected a string" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"a\\u0000b\"}", "$: not JSON" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"yesterday\"}",
		  "$.started_at: expected an RFC 3339 time" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Zjunk\"}",
		  "$.started_at: expected an RFC 3339 time" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": \"5\"}",
		  "$.duration_seconds: expected a number" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": -1}",
		  "$.duration_seconds: expected a number >= 0" },
		{ HEAD "\"hooks\": 1}", "$: not JSON" },	/* duplicate key */
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": 1, \"hooks\": {\"x\": 1}}",
		  "$.hooks.x: expected a string" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": 1, \"hooks\": {}, \"filters\": [], \"lost\": {}}",
		  "$.filters: expected an object" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": 1, \"hooks\": {}, \"lost\": {\"ringbuf\": -1}}",
		  "$.lost.ringbuf: expected a count" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": 1, \"hooks\": {}, \"lost\": {\"ringbuf\": 1.5}}",
		  "$.lost.ringbuf: expected a count" },
		{ "{\"schema\": \"tracetool.report/v1\", \"tracers\": [], \"host\": \"\", \"kernel\": \"\", \"started_at\": \"2026-11-27T10:53:28Z\", \"duration_seconds\": 1, \"hooks\": {}, \"lost\": {\"gremlins\": 1}}",
		  "$.lost.gremlins: unknown loss reason" },
		{ HEAD "\"lost_by_tracer\": {\"tcp\": {}}, \"metrics\": []}", "$.lost_by_tracer.tcp: not one of the report's tracers" },
		{ HEAD "\"lost_by_tracer\": {\"syscalls\": {\"ringbuf\": \"0\"}}, \"metrics\": []}", "$.lost_by_tracer.syscalls.ringbuf: expected a count" },
		{ HEAD "\"lost_by_tracer\": {\"syscalls\": {\"map_full\": 2}}, \"metrics\": []}", "$.lost_by_tracer: map_full adds to 2, $.lost.map_full is 0" },
		{ HEAD "\"events\": []}", "$: missing key \"metrics\"" },
		{ HEAD "\"metrics\": {}}", "$.metrics: expected an array" },
		{ HEAD "\"metrics\": [1]}", "$.metrics[0]: expected an object" },
		{ HEAD "\"metrics\": [{\"name\": 1}]}", "$.metrics[0].name: expected a string" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"summary\", \"unit\": \"\", \"help\": \"\", \"series\": []}]}",
		  "$.metrics[0].type: unknown metric type \"summary\"" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\"}]}",
		  "$.metrics[0]: missing key \"series\"" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": []}, "
		  "{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": []}]}",
		  "$.metrics[1].name: metric \"x\" appears twice" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": [{\"labels\": {}, \"value\": \"7\"}]}]}",
		  "$.metrics[0].series[0].value: expected a number or null" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": [{\"labels\": []}]}]}",
		  "$.metrics[0].series[0].labels: expected an object" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": [{\"labels\": {\"a\": 1}, \"value\": 1}]}]}",
		  "$.metrics[0].series[0].labels.a: expected a string" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": ["
		  "{\"labels\": {\"a\": \"1\"}, \"value\": 1}, {\"labels\": {\"b\": \"1\"}, \"value\": 1}]}]}",
		  "$.metrics[0].series[1].labels: missing label \"a\"" },
		{ HEAD "\"metrics\": [{\"name\": \"x\", \"type\": \"counter\", \"unit\": \"\", \"help\": \"\", \"series\": ["
		  "{\"labels\": {\"a\": \"1\"}, \"value\": 1}, {\"labels\": {}, \"value\": 1}]}]}",
		  "$.metrics[0].series[1].labels: 0 labels where the family's first series has 1" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": -2}") "]}",
		  "$.metrics[0].series[0].count: expected a count" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": true}") "]}",
		  "$.metrics[0].series[0].sum: expected a number" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 2, \"max\": 1}") "]}",
		  "$.metrics[0].series[0]: min is above max" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {\"0.5\": \"x\"}}") "]}",
		  "$.metrics[0].series[0].quantiles.0.5: expected a number or null" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}}") "]}",
		  "$.metrics[0].series[0]: missing key \"buckets\"" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[1, 1], 5]}") "]}",
		  "$.metrics[0].series[0].buckets[1]: expected [upper_bound, count]" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[1, 1, 1]]}") "]}",
		  "$.metrics[0].series[0].buckets[0]: expected [upper_bound, count]" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[\"Inf\", 1]]}") "]}",
		  "$.metrics[0].series[0].buckets[0]: upper bound \"Inf\" is neither" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 2, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[2, 1], [1, 1]]}") "]}",
		  "$.metrics[0].series[0].buckets[1]: upper bounds must ascend" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 2, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[\"+Inf\", 1], [1, 1]]}") "]}",
		  "$.metrics[0].series[0].buckets[1]: upper bounds must ascend, \"+Inf\" last" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[-1, 1]]}") "]}",
		  "$.metrics[0].series[0].buckets[0]: upper bound must be a number >= 0" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 1, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[1, \"1\"]]}") "]}",
		  "$.metrics[0].series[0].buckets[0][1]: expected a count" },
		{ HEAD "\"metrics\": [" HIST("{\"labels\": {}, \"count\": 3, \"sum\": 1, \"min\": 1, \"max\": 1, \"quantiles\": {}, \"buckets\": [[1, 1]]}") "]}",
		  "$.metrics[0].series[0].buckets: bucket counts add to 1, count is 3" },
		{ HEAD "\"metrics\": [], \"events\": [{\"type\": \"x\"}]}", "$.events[0]: missing key \"time\"" },
		{ HEAD "\"metrics\": [], \"events\": [{\"type\": \"x\", \"time\": \"2026-11-27T10:53:28Z\", \"f\": [1]}]}",
		  "$.events[0].f: expected a string or a number" },
		{ HEAD "\"metrics\": [], \"events\": {}}", "$.events: expected an array" },
		{ HEAD "\"metrics\": [], \"profiles\": [{\"name\": \"cpu\", \"unit\": \"samples\"}]}",
		  "$.profiles[0]: missing key \"stacks\"" },
		{ HEAD "\"metrics\": [], \"profiles\": [{\"name\": \"cpu\", \"unit\": \"samples\", \"stacks\": [{\"frames\": \"main\", \"value\": 1}]}]}",
		  "$.profiles[0].stacks[0].frames: expected an array" },
		{ HEAD "\"metrics\": [], \"profiles\": [{\"name\": \"cpu\", \"unit\": \"samples\", \"stacks\": [{\"frames\": [\"a\", 2], \"value\": 1}]}]}",
		  "$.profiles[0].stacks[0].frames[1]: expected a string" },
		{ HEAD "\"metrics\": [], \"profiles\": [{\"name\": \"cpu\", \"unit\": \"samples\", \"stacks\": [{\"frames\": [], \"value\": -3}]}]}",
		  "$.profiles[0].stacks[0].value: expected a count" },
		{ HEAD "\"metrics\": [], \"measurement\": []}", "$.measurement: expected an object" },
		{ HEAD "\"metrics\": [], \"measurement\": {\"offcpu\": {}}}",
		  "$.measurement.offcpu: \"offcpu\" is not one of $.tracers" },
		{ HEAD "\"metrics\": [], \"measurement\": {\"syscalls\": \"failed\"}}",
		  "$.measurement.syscalls: expected an object" },
		{ HEAD "\"metrics\": [], \"measurement\": {\"syscalls\": {\"failed\": true}}}",
		  "$.measurement.syscalls.failed: expected a string" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_bad(cases[i].json, cases[i].want);
}

/* ---- merge ------------------------------------------------------------- */

static const struct tt_series *series(const struct tt_report *r, const char *fam,
				      const char *const *labels)
{
	const struct tt_family *f = tt_report_find_family(r, fam);

	assert_non_null(f);
	return tt_family_find_series(f, labels);
}

static void test_merge_arithmetic(void **state)
{
	static const char *const rd[] = { "read", "nginx", "42" };
	static const char *const wr[] = { "write", "nginx", "42" };
	struct tt_report *a = syscalls_report(), *b = syscalls_report();
	const struct tt_series *s;
	struct tt_family *lat, *g;
	char err[256] = "", *txt;
	struct tt_event *e;
	struct timespec t = { T0_SEC, 0 };
	size_t i;

	(void)state;
	/* b: a later, 30 s run on another host with another hook, and a new series */
	b->duration_seconds = 30;
	b->started_at.tv_sec -= 100;
	snprintf(b->host, sizeof(b->host), "otherhost");
	free(b->hooks[0].value);
	b->hooks[0].value = strdup("raw_tp");
	b->lost[TT_LOST_MAP_FULL] = 4;
	b->lost[TT_LOST_RINGBUF] = 1;
	lat = tt_report_find_family(b, LAT);
	add_hist(lat, (const char *const[]){ "openat", "sh", "9" },
		 (const uint64_t[]){ 1, 2, 3 }, 3, 1e-9);
	g = tt_report_add_family(b, "g", "", "", TT_METRIC_GAUGE, 0, NULL);
	add_value(g, NULL, 4.0);
	e = tt_report_add_event(b, "x", &t);
	assert_int_equal(tt_event_add_num(e, "n", 1), 0);
	g = tt_report_add_family(a, "g", "", "", TT_METRIC_GAUGE, 0, NULL);
	add_value(g, NULL, 2.0);

	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_true(a->duration_seconds == 40);
	assert_int_equal(a->started_at.tv_sec, T0_SEC - 100);
	assert_string_equal(a->host, "testhost,otherhost");
	assert_string_equal(a->kernel, "6.0.0-test");
	assert_string_equal(a->hooks[0].value, "tp_btf,raw_tp");
	assert_int_equal(a->nhooks, 1);
	assert_int_equal(a->nfilters, 2);	/* pid=42, pid=43 once each */
	txt = render_fmt(a, "text", false);
	assert_non_null(strstr(txt, "\nfilters: pid=42,43\n"));
	assert_non_null(strstr(txt, "hooks: syscalls=tp_btf,raw_tp\n"));
	free(txt);
	assert_int_equal(a->lost[TT_LOST_MAP_FULL], 7);
	assert_int_equal(a->lost[TT_LOST_RINGBUF], 1);
	assert_int_equal(a->nevents, 1);

	s = series(a, LAT, rd);
	assert_non_null(s);
	assert_int_equal(s->hist.count, 18);
	assert_true(fabs(s->hist.sum - 2 * 3025028e-9) < 1e-15);
	assert_true(s->hist.min == 0);
	assert_true(s->hist.max == 3000000e-9);
	for (i = 0; i < s->hist.nbuckets; i++) {
		assert_int_equal(s->hist.buckets[i].count % 2, 0);	/* every bucket doubled */
		if (i)
			assert_true(s->hist.buckets[i].upper > s->hist.buckets[i - 1].upper);
	}
	s = series(a, LAT, wr);
	assert_int_equal(s->hist.count, 6);
	assert_true(isinf(s->hist.buckets[s->hist.nbuckets - 1].upper));
	assert_int_equal(s->hist.buckets[s->hist.nbuckets - 1].count, 2);
	s = series(a, LAT, (const char *const[]){ "openat", "sh", "9" });
	assert_non_null(s);
	assert_int_equal(s->hist.count, 3);
	s = series(a, ERRS, (const char *const[]){ "read", "nginx", "42", "EAGAIN" });
	assert_true(s->value == 8);
	/* gauge: 2 over 10 s and 4 over 30 s is 3.5 over 40 s */
	s = series(a, "g", NULL);
	assert_true(fabs(s->value - 3.5) < 1e-12);

	tt_report__free(a);
	tt_report__free(b);
}

static void test_merge_profiles_and_split(void **state)
{
	struct tt_report *a = profile_report(), *b = profile_report();
	char err[256], *j;
	size_t k, six = 0;

	(void)state;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_int_equal(a->nprofiles, 1);
	assert_int_equal(a->profiles[0]->nstacks, 4);
	assert_int_equal(a->profiles[0]->stacks[0].value, 80);	/* heaviest first */
	for (k = 0; k < a->profiles[0]->nstacks; k++)
		six += a->profiles[0]->stacks[k].value == 6;
	assert_int_equal(six, 1);
	tt_report__free(a);
	tt_report__free(b);

	/* one tracer: the per-tracer split follows the total */
	a = tcp_report();
	b = tcp_report();
	free(b->tracer_lost);
	b->tracer_lost = NULL;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_non_null(a->tracer_lost);
	assert_int_equal(a->tracer_lost[0][TT_LOST_RINGBUF], 10);
	assert_int_equal(a->lost[TT_LOST_RINGBUF], 10);
	/* gauges over equal durations: the mean */
	assert_true(fabs(series(a, "tracetool_tcp_retransmits_per_second",
				(const char *const[]){ "10.0.0.1", "::1", "80" })->value - 0.7) < 1e-12);
	tt_report__free(a);
	tt_report__free(b);

	/* a family without series (no label names once read back) takes b's names */
	b = tcp_report();
	j = render_fmt(b, "json", false);
	a = parse_ok(j);
	free(j);
	assert_int_equal(tt_report_find_family(a, "tracetool_tcp_rtt_seconds")->nlabels, 0);
	add_hist(tt_report_find_family(b, "tracetool_tcp_rtt_seconds"),
		 (const char *const[]){ "::1", "22" }, (const uint64_t[]){ 5000 }, 1, 1e-9);
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_int_equal(tt_report_find_family(a, "tracetool_tcp_rtt_seconds")->nlabels, 2);
	assert_non_null(series(a, "tracetool_tcp_rtt_seconds", (const char *const[]){ "::1", "22" }));
	tt_report__free(a);
	tt_report__free(b);
}

/* Many series, in another order and partly new: each lands on its own. */
static void test_merge_many_series(void **state)
{
	static const char *const names[] = { "route", "code" };
	struct tt_report *a = new_report("requests", "tracepoint");
	struct tt_report *b = new_report("requests", "tracepoint");
	struct tt_family *fa, *fb;
	char err[256], route[32], code[8];
	const char *labels[2] = { route, code };
	unsigned i;

	(void)state;
	fa = tt_report_add_family(a, "c", "", "", TT_METRIC_COUNTER, 2, names);
	fb = tt_report_add_family(b, "c", "", "", TT_METRIC_COUNTER, 2, names);
	for (i = 0; i < 3000; i++) {
		snprintf(route, sizeof(route), "/r%u", i % 1000);
		snprintf(code, sizeof(code), "%u", 200 + i / 1000);
		add_value(fa, labels, i);
	}
	for (i = 4500; i-- > 1500;) {	/* 1500 shared, 1500 new, reversed */
		snprintf(route, sizeof(route), "/r%u", i % 1000);
		snprintf(code, sizeof(code), "%u", 200 + i / 1000);
		add_value(fb, labels, 1);
	}
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_int_equal(fa->nseries, 4500);
	for (i = 0; i < 4500; i++) {
		snprintf(route, sizeof(route), "/r%u", i % 1000);
		snprintf(code, sizeof(code), "%u", 200 + i / 1000);
		assert_true(tt_family_find_series(fa, labels)->value ==
			    (i < 1500 ? i : i < 3000 ? i + 1 : 1));
	}
	tt_report__free(a);
	tt_report__free(b);
}

static void test_merge_refuses(void **state)
{
	struct tt_report *a = syscalls_report(), *b = tcp_report();
	char err[256] = "";

	(void)state;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "different tracers"));
	tt_report__free(b);
	b = syscalls_report();
	tt_report_find_family(b, ERRS)->type = TT_METRIC_GAUGE;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ERRS ": type or unit differs"));
	tt_report__free(b);
	b = profile_report();
	free(b->tracers[0]);
	b->tracers[0] = strdup("syscalls");
	free(b->profiles[0]->unit);
	b->profiles[0]->unit = strdup("ns");
	tt_report__free(a);
	a = profile_report();
	free(a->tracers[0]);
	a->tracers[0] = strdup("syscalls");
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "profile cpu"));
	tt_report__free(a);
	tt_report__free(b);
}

/* ---- measurement options (struct tt_measure) --------------------------- */

/* An offcpu report as offcpu --state STATE fills it (notes left out). */
static struct tt_report *offcpu_report(const char *state)
{
	struct tt_report *r = new_report("offcpu", "tp_btf");
	struct tt_profile *p = tt_report_add_profile(r, "offcpu", "microseconds");

	assert_non_null(p);
	assert_int_equal(tt_profile_add_stack(p, 3, (const char *const[]){
				"prof_block", "main", "schedule_[k]" }, 1000), 0);
	assert_int_equal(tt_report_set_measure(r, "offcpu", "state", state, NULL), 0);
	assert_int_equal(tt_report_set_measure(r, "offcpu", "min-block", "1", NULL), 0);
	return r;
}

static const char *measure(const struct tt_report *r, const char *tracer, const char *key)
{
	const struct tt_measure *m = tt_report_find_measure(r, tracer, key);

	return m ? m->value : NULL;
}

/* Written as {tracer: {option: value}}, read back the same; notes are text only. */
static void test_measure_round_trip(void **state)
{
	struct tt_report *r = offcpu_report("0"), *back;
	char *j, *t;

	(void)state;
	check_round_trip(r, false);
	j = render_fmt(r, "json", false);
	assert_non_null(strstr(j, "\"measurement\": {\n    \"offcpu\": {\n      \"state\": \"0\",\n"
			       "      \"min-block\": \"1\"\n    }\n  }"));
	back = parse_ok(j);
	assert_int_equal(back->nmeasures, 2);
	assert_string_equal(measure(back, "offcpu", "state"), "0");
	assert_string_equal(measure(back, "offcpu", "min-block"), "1");
	assert_null(back->measures[0].note);
	free(j);
	/* setting a key again replaces it; a note shows in text, never in JSON */
	assert_int_equal(tt_report_set_measure(r, "offcpu", "state", "0", "run-queue waits"), 0);
	assert_int_equal(r->nmeasures, 2);
	t = render_fmt(r, "text", false);
	assert_non_null(strstr(t, "\noffcpu: run-queue waits (state=0), min-block=1\n"));
	free(t);
	j = render_fmt(r, "json", false);
	assert_null(strstr(j, "run-queue"));
	free(j);
	/* without notes the tracer's options add no text line */
	t = render_fmt(back, "text", false);
	assert_null(strstr(t, "state=0"));
	free(t);
	tt_report__free(back);
	tt_report__free(r);
	/* a report written before they were recorded: the options are unknown */
	r = parse_ok(HEAD "\"metrics\": []}");
	assert_int_equal(r->nmeasures, 0);
	assert_false(tt_report_has_measures(r, "syscalls"));
	j = render_fmt(r, "json", false);
	assert_null(strstr(j, "measurement"));
	free(j);
	tt_report__free(r);
}

/*
 * The defect: a --state 0 report (run-queue waits) merged into a default one
 * (blocked time) gave one profile of both, no error.  Refused, dst untouched.
 */
static void test_merge_measures(void **state)
{
	struct tt_report *a = offcpu_report("sleeping"), *b = offcpu_report("0");
	char err[256] = "";

	(void)state;
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "offcpu --state: sleeping in one report, 0 in the other: they "
			    "measure different things");
	assert_true(a->duration_seconds == 10.0);
	assert_int_equal(a->profiles[0]->stacks[0].value, 1000);
	/* a key one of them lacks differs too */
	tt_report__free(b);
	b = offcpu_report("sleeping");
	assert_int_equal(tt_report_set_measure(b, "offcpu", "x", "1", NULL), 0);
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "offcpu --x: (not set) in one report, 1 in the other"));
	/* equal: merged, kept */
	tt_report__free(b);
	b = offcpu_report("sleeping");
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_int_equal(a->profiles[0]->stacks[0].value, 2000);
	assert_string_equal(measure(a, "offcpu", "state"), "sleeping");
	/* one input of unknown options: the merge's are unknown, either way round */
	tt_report_drop_measures(b, "offcpu");
	assert_int_equal(b->nmeasures, 0);
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_false(tt_report_has_measures(a, "offcpu"));
	tt_report__free(b);
	b = offcpu_report("0");
	assert_int_equal(tt_report_merge(a, b, err, sizeof(err)), 0);
	assert_false(tt_report_has_measures(a, "offcpu"));
	tt_report__free(a);
	tt_report__free(b);
}

/* Snapshots carry them: accumulated into the cumulative report, kept by a difference. */
static void test_measure_snapshots(void **state)
{
	struct tt_report *cum = new_report("offcpu", "tp_btf"), *a = offcpu_report("2"), *d;
	struct tt_measure_diff md;

	(void)state;
	assert_int_equal(tt_report_accumulate(cum, a), 0);
	assert_string_equal(measure(cum, "offcpu", "state"), "2");
	d = tt_report_diff(cum, a);
	assert_non_null(d);
	assert_int_equal(tt_report_measure_cmp(d, a, "offcpu", &md), TT_MEASURE_SAME);
	assert_int_equal(tt_report_measure_cmp(d, cum, "syscalls", &md), TT_MEASURE_UNKNOWN);
	tt_report__free(d);
	tt_report__free(cum);
	tt_report__free(a);
}

/* compare's check: every run of one side against every run of the other. */
static void test_measure_runs(void **state)
{
	struct tt_report *a[2] = { offcpu_report("sleeping"), offcpu_report("sleeping") };
	struct tt_report *b[2] = { offcpu_report("sleeping"), offcpu_report("0") };
	const struct tt_report *const *ca = (const struct tt_report *const *)a;
	const struct tt_report *const *cb = (const struct tt_report *const *)b;
	struct tt_measure_diff d;
	const char *t;

	(void)state;
	assert_int_equal(tt_reports_measure_cmp(ca, 2, cb, 1, &t, &d), TT_MEASURE_SAME);
	assert_int_equal(tt_reports_measure_cmp(ca, 2, cb, 2, &t, &d), TT_MEASURE_DIFFER);
	assert_string_equal(t, "offcpu");
	assert_string_equal(d.key, "state");
	assert_string_equal(tt_measure_value(d.a), "sleeping");
	assert_string_equal(tt_measure_value(d.b), "0");
	/* a run of an older bundle: compared, said */
	tt_report_drop_measures(b[1], "offcpu");
	assert_int_equal(tt_reports_measure_cmp(ca, 2, cb, 2, &t, &d), TT_MEASURE_UNKNOWN);
	assert_string_equal(t, "offcpu");
	/* none records any: nothing to say */
	tt_report_drop_measures(a[0], "offcpu");
	tt_report_drop_measures(a[1], "offcpu");
	tt_report_drop_measures(b[0], "offcpu");
	assert_int_equal(tt_reports_measure_cmp(ca, 2, cb, 2, &t, &d), TT_MEASURE_SAME);
	tt_report__free(a[0]);
	tt_report__free(a[1]);
	tt_report__free(b[0]);
	tt_report__free(b[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_syscalls),
		cmocka_unit_test(test_round_trip_command),
		cmocka_unit_test(test_command_rejects),
		cmocka_unit_test(test_round_trip_tcp),
		cmocka_unit_test(test_round_trip_requests),
		cmocka_unit_test(test_round_trip_profile),
		cmocka_unit_test(test_golden_reads_back),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_document_stream),
		cmocka_unit_test(test_minimal_ok),
		cmocka_unit_test(test_rejects_impossible_values),
		cmocka_unit_test(test_merged_sum_overflow_round_trip),
		cmocka_unit_test(test_negative_zero_magnitudes),
		cmocka_unit_test(test_rejects_with_path),
		cmocka_unit_test(test_merge_arithmetic),
		cmocka_unit_test(test_merge_profiles_and_split),
		cmocka_unit_test(test_merge_many_series),
		cmocka_unit_test(test_merge_refuses),
		cmocka_unit_test(test_measure_round_trip),
		cmocka_unit_test(test_merge_measures),
		cmocka_unit_test(test_measure_snapshots),
		cmocka_unit_test(test_measure_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
