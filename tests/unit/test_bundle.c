// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for bundles (user/bundle.c): a bundle of three runs written
 * plain and gzip-compressed reads back with every run's report identical
 * (JSON byte for byte), the fingerprint and noise as written (every double
 * exactly, also those 15 digits do not carry); ".gz" is gzip
 * and nothing else is; a failed write leaves an existing file as it was;
 * malformed, truncated (plain and gzip), damaged and schema-mismatched
 * bundles are rejected with one line naming the file and the JSON path;
 * the merge of a bundle's runs skips warm-ups, and an interleaved bundle
 * needs a variant.
 */
#include <errno.h>
#include <float.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bundle.h"
#include "reader.h"

#define LAT "tracetool_syscall_duration_seconds"

static char dir[] = "/tmp/tt-bundle-XXXXXX";

static char *path_in(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static char *render_json(const struct tt_report *r)
{
	struct tt_render_opts o = {};
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	assert_int_equal(tt_render_json(r, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	return data;
}

/* A syscalls report of one run: `calls` reads of 1..calls microseconds. */
static struct tt_report *run_report(unsigned calls, int run)
{
	static const char *const names[] = { "syscall", "abi" };
	static const char *const read_labels[] = { "read", "x86_64" };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	struct tt_series *s;
	struct tt_hist *h = calloc(1, sizeof(*h));
	unsigned i;

	assert_non_null(r);
	assert_non_null(h);
	snprintf(r->host, sizeof(r->host), "testhost");
	snprintf(r->kernel, sizeof(r->kernel), "6.18.0-test");
	r->started_at = (struct timespec){ 1795776808 + run * 2, 0 };
	r->duration_seconds = 1.5;
	assert_int_equal(tt_report_add_tracer(r, "syscalls", "tp_btf"), 0);
	f = tt_report_add_family(r, LAT, "Syscall latency.", "seconds", TT_METRIC_HISTOGRAM, 2,
				 names);
	assert_non_null(f);
	s = tt_family_add_series(f, read_labels);
	assert_non_null(s);
	for (i = 1; i <= calls; i++)
		tt_hist_record(h, i * 1000ull);
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, 1e-9), 0);
	free(h);
	return r;
}

/* A bundle of runs with 10, 20, 30 calls; the first a warm-up when `warm`. */
static struct tt_bundle *three_runs(bool warm, const char *const *variants)
{
	static const char *const tracers[] = { "syscalls" };
	static char *const argv[] = { "tracetool", "record", "syscalls", "--runs", "3", "--",
				      "true" };
	struct tt_bundle *b = tt_bundle__new();
	int i;

	assert_non_null(b);
	assert_int_equal(tt_fingerprint_read(&b->fp, "test-1.0"), 0);
	assert_int_equal(tt_bundle_set_header(b, tracers, 1, argv, 7), 0);
	for (i = 0; i < 3; i++) {
		/* doubles that 15 significant digits do not carry exactly
		 * (0.33333333333333331, 0.30000000000000004): all 17 must be written */
		struct tt_run_noise n = { i / 3.0, 0.1 * i + 0.2, 1.5 + i,
					  /* run 0 as recorded before the probe existed */
					  i ? 1000 + i / 3.0 : NAN };

		assert_int_equal(tt_bundle_add_run(b, variants ? variants[i] : "run",
						   warm && i == 0, &n, run_report(10 * (i + 1), i)),
				 0);
	}
	return b;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void check_same(const struct tt_bundle *a, const struct tt_bundle *b)
{
	size_t i;

	assert_string_equal(a->fp.host, b->fp.host);
	assert_string_equal(a->fp.kernel, b->fp.kernel);
	assert_string_equal(a->fp.cpu_model, b->fp.cpu_model);
	assert_string_equal(a->fp.tracetool_version, b->fp.tracetool_version);
	assert_int_equal(a->fp.cpus, b->fp.cpus);
	assert_true(isnan(a->fp.cgroup_cpu_limit) ? isnan(b->fp.cgroup_cpu_limit) :
						    a->fp.cgroup_cpu_limit == b->fp.cgroup_cpu_limit);
	assert_int_equal(a->ntracers, b->ntracers);
	assert_string_equal(a->tracers[0], b->tracers[0]);
	assert_int_equal(a->argc, b->argc);
	for (i = 0; i < a->argc; i++)
		assert_string_equal(a->argv[i], b->argv[i]);
	assert_int_equal(a->nruns, b->nruns);
	for (i = 0; i < a->nruns; i++) {
		char *ja = render_json(a->runs[i].report), *jb = render_json(b->runs[i].report);

		assert_int_equal(b->runs[i].index, i);
		assert_string_equal(a->runs[i].variant, b->runs[i].variant);
		assert_int_equal(a->runs[i].warmup, b->runs[i].warmup);
		assert_true(a->runs[i].noise.steal_seconds == b->runs[i].noise.steal_seconds);
		assert_true(a->runs[i].noise.other_cpu_seconds ==
			    b->runs[i].noise.other_cpu_seconds);
		assert_true(a->runs[i].noise.wall_seconds == b->runs[i].noise.wall_seconds);
		if (i == 0)
			assert_true(isnan(b->runs[i].noise.core_to_core_ns));
		else
			assert_true(a->runs[i].noise.core_to_core_ns ==
				    b->runs[i].noise.core_to_core_ns);
		assert_string_equal(ja, jb);
		free(ja);
		free(jb);
	}
}

static void round_trip(const char *name, bool want_gzip)
{
	struct tt_bundle *b = three_runs(true, NULL), *back = NULL;
	struct tt_error err;
	unsigned char magic[2] = { 0 };
	FILE *f;

	if (tt_bundle_save(b, path_in(name), &err))
		fail_msg("save: %s", err.msg);
	f = fopen(path_in(name), "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	/* gzip exactly when the name ends in .gz */
	assert_int_equal(magic[0] == 0x1f && magic[1] == 0x8b, want_gzip);
	if (!want_gzip)
		assert_int_equal(magic[0], '{');
	if (tt_bundle_read(path_in(name), &back, &err))
		fail_msg("read: %s", err.msg);
	check_same(b, back);
	tt_bundle__free(b);
	tt_bundle__free(back);
}

static void test_round_trip_plain(void **state)
{
	(void)state;
	round_trip("a.json", false);
	round_trip("a.gz.json", false);
}

static void test_round_trip_gzip(void **state)
{
	(void)state;
	round_trip("a.json.gz", true);
}

/* The input must be rejected (usage, EINVAL) with a message containing each of `want`. */
static void bad_file(const char *name, const char *want1, const char *want2)
{
	struct tt_bundle *b = NULL;
	struct tt_error err;
	int ret = tt_bundle_read(path_in(name), &b, &err);

	if (!ret) {
		tt_bundle__free(b);
		fail_msg("%s accepted, wanted \"%s\"", name, want1);
	}
	assert_null(b);
	assert_int_equal(ret, -EINVAL);
	assert_true(err.usage);
	assert_null(strchr(err.msg, '\n'));
	if (!strstr(err.msg, path_in(name)) || !strstr(err.msg, want1) ||
	    (want2 && !strstr(err.msg, want2)))
		fail_msg("error \"%s\" does not name the file, \"%s\" and \"%s\"", err.msg, want1,
			 want2 ? want2 : "");
}

/* Replace the first `from` in the saved plain bundle and write it as `name`. */
static void edited(const char *name, const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(path_in("good.json"), &len), *p = strstr(buf, from), *out;

	assert_non_null(p);
	out = malloc(len + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, buf, (size_t)(p - buf));
	strcpy(out + (p - buf), to);
	strcat(out, p + strlen(from));
	spit(path_in(name), out, strlen(out));
	free(buf);
	free(out);
}

static void test_errors_name_paths(void **state)
{
	struct tt_bundle *b = three_runs(false, NULL);
	struct tt_error err;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(tt_bundle_save(b, path_in("good.json"), &err), 0);
	assert_int_equal(tt_bundle_save(b, path_in("good.json.gz"), &err), 0);
	tt_bundle__free(b);

	spit(path_in("empty.json"), "", 0);
	bad_file("empty.json", "$: not JSON", NULL);
	spit(path_in("report.json"), "{\"schema\": \"tracetool.report/v1\"}", 33);
	bad_file("report.json", "$.schema", "is not tracetool.bundle/v1");
	edited("v2.json", "tracetool.bundle/v1", "tracetool.bundle/v2");
	bad_file("v2.json", "$.schema", "\"tracetool.bundle/v2\" is not tracetool.bundle/v1");
	edited("nofp.json", "\"fingerprint\"", "\"fingerprint_\"");
	bad_file("nofp.json", "$: missing \"fingerprint\"", NULL);
	edited("cpus.json", "\"cpus\": ", "\"cpus\": -");
	bad_file("cpus.json", "$.fingerprint.cpus", ">= 1");
	edited("variant.json", "\"variant\": \"run\"", "\"variant\": \"other\"");
	bad_file("variant.json", "$.runs[0]", "is not run, base or cand");
	edited("mixed.json", "\"variant\": \"run\"", "\"variant\": \"base\"");
	bad_file("mixed.json", "$.runs", "mixed");
	edited("index.json", "\"index\": 1", "\"index\": 5");
	bad_file("index.json", "$.runs[1]", "\"index\" is 5");
	edited("noise.json", "\"wall_seconds\": 2.5", "\"wall_seconds\": -2.5");
	bad_file("noise.json", "$.runs[1].noise", "wall_seconds");
	edited("probe.json", "\"core_to_core_ns\": 1000", "\"core_to_core_ns\": -1000");
	bad_file("probe.json", "$.runs[1].noise", "core_to_core_ns");
	edited("probe0.json", "\"core_to_core_ns\": 1000",
	       "\"core_to_core_ns\": null, \"x\": 1000");
	bad_file("probe0.json", "$.runs[1].noise", "core_to_core_ns");
	edited("warm.json", "\"warmup\": false", "\"warmup\": 0");
	bad_file("warm.json", "$.runs[0]", "\"warmup\": expected true or false");
	/* a defect inside a run's report names its path within the bundle */
	edited("hist.json", "\"count\": 20", "\"count\": \"20\"");
	bad_file("hist.json", "$.runs[1].report.metrics[0].series[0].count", NULL);
	edited("rschema.json", "tracetool.report/v1", "tracetool.report/v9");
	bad_file("rschema.json", "$.runs[0].report.schema", NULL);
	edited("tracers.json", "\"tracers\": [\n    \"syscalls\"", "\"tracers\": [\n    \"tcp\"");
	bad_file("tracers.json", "$.runs[0].report", "tracers differ");

	/* truncated: plain, and gzip cut in the middle and just before its trailer */
	buf = slurp(path_in("good.json"), &len);
	spit(path_in("cut.json"), buf, len / 2);
	bad_file("cut.json", "$: not JSON", NULL);
	free(buf);
	buf = slurp(path_in("good.json.gz"), &len);
	spit(path_in("cut.json.gz"), buf, len / 2);
	bad_file("cut.json.gz", "truncated", NULL);
	spit(path_in("cut4.json.gz"), buf, len - 4);
	bad_file("cut4.json.gz", "truncated", NULL);
	buf[len - 6] ^= 0x55;	/* the CRC-32 */
	spit(path_in("crc.json.gz"), buf, len);
	bad_file("crc.json.gz", "damaged gzip data", NULL);
	free(buf);

	assert_int_equal(tt_bundle_read(path_in("missing.json"), &b, &err), -ENOENT);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "missing.json"));
}

/* A target that cannot be written: the error names it; the existing file stays. */
static void test_failed_save_keeps_file(void **state)
{
	struct tt_bundle *b = three_runs(false, NULL);
	struct tt_error err;
	char *after;
	size_t len;

	(void)state;
	spit(path_in("keep.json"), "precious\n", 9);
	assert_int_equal(chmod(dir, 0500), 0);
	/* as root the mode does not stop the temporary file: then the save succeeds */
	if (access(dir, W_OK)) {
		assert_int_equal(tt_bundle_save(b, path_in("keep.json"), &err), -EACCES);
		assert_non_null(strstr(err.msg, "keep.json"));
		after = slurp(path_in("keep.json"), &len);
		assert_int_equal(len, 9);
		assert_memory_equal(after, "precious\n", 9);
		free(after);
	}
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_not_equal(tt_bundle_save(b, path_in("no/such/dir.json"), &err), 0);
	assert_non_null(strstr(err.msg, "no/such/dir.json"));
	tt_bundle__free(b);
}

static uint64_t count_of(const struct tt_report *r)
{
	struct tt_family *f = tt_report_find_family(r, LAT);

	assert_non_null(f);
	assert_int_equal(f->nseries, 1);
	return f->series[0].hist.count;
}

static void test_merge_runs(void **state)
{
	static const char *const ab[] = { "base", "cand", "base" };
	struct tt_bundle *b = three_runs(true, NULL);
	struct tt_report *r;
	struct tt_error err;

	(void)state;
	/* warm-up (10 calls) left out: 20 + 30 */
	r = tt_bundle_report(b, -1, NULL, &err);
	assert_non_null(r);
	assert_int_equal(count_of(r), 50);
	assert_true(r->duration_seconds == 3.0);
	tt_report__free(r);
	/* --run N: that run alone, a warm-up too */
	r = tt_bundle_report(b, 0, NULL, &err);
	assert_non_null(r);
	assert_int_equal(count_of(r), 10);
	tt_report__free(r);
	assert_null(tt_bundle_report(b, 3, NULL, &err));
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "runs 0 to 2"));
	tt_bundle__free(b);

	b = three_runs(false, ab);
	assert_true(tt_bundle_is_interleaved(b));
	assert_null(tt_bundle_report(b, -1, NULL, &err));
	assert_non_null(strstr(err.msg, "--variant"));
	r = tt_bundle_report(b, -1, "base", &err);
	assert_non_null(r);
	assert_int_equal(count_of(r), 40);
	tt_report__free(r);
	r = tt_bundle_report(b, -1, "cand", &err);
	assert_non_null(r);
	assert_int_equal(count_of(r), 20);
	tt_report__free(r);
	assert_null(tt_bundle_report(b, -1, "run", &err));
	tt_bundle__free(b);
}

static void test_is_bundle(void **state)
{
	static const char rep[] = "{\"schema\": \"tracetool.report/v1\"}";
	static const char bun[] = "{\"schema\": \"tracetool.bundle/v7\", \"runs\": []}";

	(void)state;
	assert_false(tt_is_bundle(rep, strlen(rep)));
	assert_true(tt_is_bundle(bun, strlen(bun)));
	assert_false(tt_is_bundle("[1]", 3));
	assert_false(tt_is_bundle("", 0));
}

/* The measuring side: figures in range, noise never negative. */
static void test_host_figures(void **state)
{
	struct tt_fingerprint fp;
	struct tt_cpu_sample a, b;
	struct tt_run_noise n;
	volatile double x = 0;
	long i;

	(void)state;
	assert_int_equal(tt_fingerprint_read(&fp, "v"), 0);
	assert_true(fp.cpus >= 1);
	assert_true(fp.kernel[0]);
	assert_true(fp.cpu_model[0]);
	assert_true(isnan(fp.cgroup_cpu_limit) || fp.cgroup_cpu_limit > 0);
	tt_fingerprint_release(&fp);
	assert_int_equal(tt_cpu_sample_read(&a), 0);
	for (i = 0; i < 20000000; i++)
		x += (double)i;
	assert_int_equal(tt_cpu_sample_read(&b), 0);
	assert_true(b.self > a.self);	/* the loop above was this process's CPU time */
	tt_run_noise_between(&a, &b, &n);
	assert_true(n.steal_seconds >= 0 && n.other_cpu_seconds >= 0 && n.wall_seconds > 0);
	assert_true(isnan(n.core_to_core_ns));
}

/*
 * The core-to-core probe: one plausible value per pair (with two CPUs
 * allowed or more), none with one, the affinity as it was.
 */
static void test_core_to_core_probe(void **state)
{
	double v[TT_C2C_MAX_PAIRS], med;
	cpu_set_t before, after, one;
	int n, i;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	n = tt_core_to_core_probe(v, TT_C2C_MAX_PAIRS);
	if (CPU_COUNT(&before) >= 2) {
		assert_true(n >= 1);
		assert_true(n <= CPU_COUNT(&before) - 1 && n <= TT_C2C_MAX_PAIRS);
		for (i = 0; i < n; i++)	/* a cache line's round trip: 5 ns to 20 us */
			assert_true(v[i] > 5 && v[i] < 2e4);
	} else {
		assert_int_equal(n, 0);
	}
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	/*
	 * one CPU allowed (a tracer pinned away from the client): the pairs of
	 * the other CPUs it may use still, and its one CPU after; none with one
	 */
	for (i = 0; !CPU_ISSET(i, &before); i++)
		;
	CPU_ZERO(&one);
	CPU_SET(i, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	n = tt_core_to_core_probe(v, TT_C2C_MAX_PAIRS);
	if (CPU_COUNT(&before) >= 2) {
		assert_true(n >= 1);
		for (i = 0; i < n; i++)
			assert_true(v[i] > 5 && v[i] < 2e4);
	} else {
		assert_int_equal(n, 0);
	}
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&one, &after));
	assert_int_equal(sched_setaffinity(0, sizeof(before), &before), 0);
	v[0] = 7;
	med = v[0];
	assert_true(tt_median_inplace(v, 1) == med);
	v[0] = 3, v[1] = 1, v[2] = 2;
	assert_true(tt_median_inplace(v, 3) == 2);
	v[0] = 4, v[1] = 1;
	assert_true(tt_median_inplace(v, 2) == 2.5);
	assert_true(isnan(tt_median_inplace(v, 0)));
	/* two probes near DBL_MAX (a hand-edited bundle): their median, not inf */
	v[0] = DBL_MAX, v[1] = 1e308;
	assert_true(tt_median_inplace(v, 2) == 1e308 / 2 + DBL_MAX / 2);
}

/* a real-time spinner holding its CPU for 60 ms */
static volatile int hog_started;

static void *hog_main(void *arg)
{
	struct timespec a, b;

	(void)arg;
	hog_started = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 60000000L);
	return NULL;
}

/*
 * A pair whose other CPU a real-time task holds: no value, within about
 * the 20 ms deadline, and the probe usable again after.  Skipped where
 * SCHED_FIFO is not allowed (not root) or one CPU is allowed.
 */
static void test_core_to_core_held_cpu(void **state)
{
	cpu_set_t before, two, other;
	struct sched_param sp = { .sched_priority = 1 };
	pthread_attr_t attr;
	struct timespec t0, t1;
	double v[TT_C2C_MAX_PAIRS], ms;
	int cpus[2], n = 0, i, got;
	pthread_t th;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &before))
			cpus[n++] = i;
	if (n < 2)
		skip();
	CPU_ZERO(&two);
	CPU_SET(cpus[0], &two);
	CPU_SET(cpus[1], &two);
	CPU_ZERO(&other);
	CPU_SET(cpus[1], &other);
	assert_int_equal(sched_setaffinity(0, sizeof(two), &two), 0);
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	pthread_attr_setaffinity_np(&attr, sizeof(other), &other);
	hog_started = 0;
	if (pthread_create(&th, &attr, hog_main, NULL)) {
		pthread_attr_destroy(&attr);
		sched_setaffinity(0, sizeof(before), &before);
		skip();
	}
	pthread_attr_destroy(&attr);
	while (!hog_started)
		;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = tt_core_to_core_probe(v, TT_C2C_MAX_PAIRS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_int_equal(got, 0);
	assert_true(ms < 50);
	/* the CPU free again: a value */
	assert_int_equal(tt_core_to_core_probe(v, TT_C2C_MAX_PAIRS), 1);
	assert_int_equal(sched_setaffinity(0, sizeof(before), &before), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_plain),
		cmocka_unit_test(test_round_trip_gzip),
		cmocka_unit_test(test_errors_name_paths),
		cmocka_unit_test(test_failed_save_keeps_file),
		cmocka_unit_test(test_merge_runs),
		cmocka_unit_test(test_is_bundle),
		cmocka_unit_test(test_host_figures),
		cmocka_unit_test(test_core_to_core_probe),
		cmocka_unit_test(test_core_to_core_held_cpu),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
