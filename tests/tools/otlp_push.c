// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A test driver of the OTLP exporter (user/otlp.h), for the cases `tracetool
 * serve` cannot produce on demand: it exports a synthetic cumulative report
 * whose counts are known, with the configuration serve uses (environment,
 * then the flags), and prints the exporter's self-metrics as a JSON report.
 *
 * Export k (1-based) holds: http_server_request_duration_seconds{GET,200,
 * /users/:id,8080} with 10*k samples of 1500 ns (and, from export 2, {POST,
 * 201,/orders,8080} with 3*(k-1) samples of 2 ms), and
 * tracetool_syscall_errors_total{openat,ENOENT} = k.
 *
 * --series N adds N more GET series (routes /r/0 ...) of one sample each and
 * prints how long each tt_otlp_export (encoding and queueing) took, for
 * bench/otlp.sh.
 *
 * Usage: otlp_push [--otlp URL] [--otlp-interval SEC] [--exports N]
 *        [--queue N] [--attempts N] [--backoff SEC] [--drain SEC] [--series N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "otlp.h"

static void add_samples(struct tt_report *r, const char *const *labels, uint64_t ns, uint64_t n)
{
	struct tt_family *f = tt_report_find_family(r, "http_server_request_duration_seconds");
	struct tt_series *s = tt_family_find_series(f, labels);
	struct tt_hsum one = { 0 };
	struct tt_bucket b = tt_bucket_of_slot(tt_hist_slot(ns), n, 1e-9);

	if (!s && !(s = tt_family_add_series(f, labels)))
		exit(1);
	one.count = n;
	one.sum = (double)(ns * n) * 1e-9;
	one.min = one.max = (double)ns * 1e-9;
	one.nbuckets = 1;
	one.buckets = &b;
	if (tt_hsum_add(&s->hist, &one))
		exit(1);
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *const http[] = { "http_request_method", "http_response_status_code",
					    "http_route", "server_port" };
	static const char *const get[] = { "GET", "200", "/users/:id", "8080" };
	static const char *const post[] = { "POST", "201", "/orders", "8080" };
	static const char *const errl[] = { "syscall", "errno" };
	static const char *const errv[] = { "openat", "ENOENT" };
	struct tt_otlp_config c;
	struct tt_error err = { 0 };
	struct tt_otlp_stats st;
	struct timespec start, now;
	struct tt_report *r, *self;
	struct tt_series *errs;
	struct tt_otlp *x;
	double drain = 30, deadline, t0;
	long exports = 3, k, nextra = 0, j;
	char route[32];
	int i;

	clock_gettime(CLOCK_REALTIME, &start);
	if (tt_otlp_config_init(&c, &err))
		goto usage;
	for (i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--otlp") && tt_otlp_config_set_url(&c, v, false, &err))
			goto usage;
		else if (!strcmp(a, "--otlp-interval"))
			c.interval = atof(v);
		else if (!strcmp(a, "--exports"))
			exports = atol(v);
		else if (!strcmp(a, "--queue"))
			c.queue_max = (size_t)atol(v);
		else if (!strcmp(a, "--attempts"))
			c.max_attempts = atoi(v);
		else if (!strcmp(a, "--backoff"))
			c.backoff = atof(v);
		else if (!strcmp(a, "--drain"))
			drain = atof(v);
		else if (!strcmp(a, "--series"))
			nextra = atol(v);
		else if (strcmp(a, "--otlp"))
			goto usage;
	}
	if (i != argc)
		goto usage;
	r = tt_report__new();
	if (!r || !tt_report_add_family(r, "http_server_request_duration_seconds",
					"Duration of HTTP server requests.", "seconds",
					TT_METRIC_HISTOGRAM, 4, http))
		return 1;
	errs = tt_family_add_series(tt_report_add_family(r, "tracetool_syscall_errors_total",
							 "Failed syscalls.", "", TT_METRIC_COUNTER,
							 2, errl), errv);
	x = tt_otlp__new(&c, &start, &err);
	if (!x || !errs) {
		fprintf(stderr, "otlp_push: %s\n", err.msg);
		return 1;
	}
	for (j = 0; j < nextra; j++) {
		snprintf(route, sizeof(route), "/r/%ld", j);
		add_samples(r, (const char *const[]){ "GET", "200", route, "8080" }, 1000 + (uint64_t)j,
			    1);
	}
	for (k = 1; k <= exports; k++) {
		usleep((useconds_t)(tt_otlp_due_in(x) * 1e6));
		add_samples(r, get, 1500, 10);
		if (k > 1)
			add_samples(r, post, 2000000, 3);
		errs->value = (double)k;
		clock_gettime(CLOCK_REALTIME, &now);
		t0 = mono();
		if (tt_otlp_export(x, r, &now))
			return 1;
		if (nextra)
			fprintf(stderr, "export %ld: %zu series encoded and queued in %.2f ms\n", k,
				tt_report_find_family(r, "http_server_request_duration_seconds")->nseries + 1,
				(mono() - t0) * 1e3);
	}
	/* every export ends as sent, rejected, failed or dropped */
	deadline = mono() + drain;
	do {
		tt_otlp_stats(x, &st);
		if (st.success + st.rejected + st.failed + st.dropped == (uint64_t)exports)
			break;
		usleep(20000);
	} while (mono() < deadline);
	self = tt_report__new();
	if (!self || tt_otlp_add_self_metrics(x, self) || tt_render_json(self, NULL, stdout))
		return 1;
	tt_otlp__free(x);
	tt_report__free(self);
	tt_report__free(r);
	tt_otlp_config_release(&c);
	return 0;
usage:
	fprintf(stderr, "otlp_push: %s\nusage: otlp_push [--otlp URL] [--otlp-interval SEC] "
		"[--exports N] [--queue N] [--attempts N] [--backoff SEC] [--drain SEC] "
		"[--series N]\n",
		err.msg);
	return 2;
}
