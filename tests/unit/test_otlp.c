// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the OTLP encoder and exporter configuration (user/otlp.*,
 * user/bounds.*): a known report encoded and decoded back with protobuf-c
 * (every field checked, bucket counts against a brute-force count of the
 * samples), OTLP/JSON, series start times across exports, gzip, names, and
 * the OTEL_EXPORTER_OTLP_* variables.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "otlp.h"
#include "prom.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest pb_req;
typedef Opentelemetry__Proto__Metrics__V1__Metric pb_metric;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;

/* Samples of the histogram series, ns: exact values on and around the default bounds. */
static const uint64_t samples_get[] = { 5, 63, 64, 999, 1000, 1007, 1008, 9999, 10000, 250000,
					1000000, 2500000, 1000000000, 16106127359ull,
					16106127360ull, 200000000000ull };
static const uint64_t samples_post[] = { 1500, 1500, 7000000 };

static const char *const http_labels[] = { "http_request_method", "http_response_status_code",
					   "http_route", "server_port" };
static const char *const err_labels[] = { "syscall", "errno" };

static void add_hist(struct tt_family *f, const char *const *labels, const uint64_t *v, size_t n)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_series *s = tt_family_add_series(f, labels);
	size_t i;

	assert_non_null(h);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		tt_hist_record(h, v[i]);
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, 1e-9), 0);
	free(h);
}

static struct tt_report *mk_report(bool with_post)
{
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	struct tt_series *s;

	assert_non_null(r);
	strcpy(r->host, "box1");
	f = tt_report_add_family(r, "http_server_request_duration_seconds", "Server latency.",
				 "seconds", TT_METRIC_HISTOGRAM, 4, http_labels);
	assert_non_null(f);
	add_hist(f, (const char *const[]){ "GET", "200", "/users/:id", "8080" }, samples_get,
		 sizeof(samples_get) / sizeof(*samples_get));
	if (with_post)
		add_hist(f, (const char *const[]){ "POST", "_other", "/x", "8080" }, samples_post, 3);
	f = tt_report_add_family(r, "tracetool_syscall_errors_total", "Errors.", "",
				 TT_METRIC_COUNTER, 2, err_labels);
	assert_non_null(f);
	s = tt_family_add_series(f, (const char *const[]){ "openat", "ENOENT" });
	assert_non_null(s);
	s->value = 7;
	f = tt_report_add_family(r, "tracetool_bpf_map_memory_bytes", "Map memory.", "bytes",
				 TT_METRIC_GAUGE, 0, NULL);
	s = tt_family_add_series(f, NULL);
	assert_non_null(s);
	s->value = 4096;
	return r;
}

static const pb_kv *attr(pb_kv **kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i]->key, key))
			return kv[i];
	return NULL;
}

static void check_str_attr(pb_kv **kv, size_t n, const char *key, const char *want)
{
	const pb_kv *a = attr(kv, n, key);

	assert_non_null(a);
	assert_int_equal(a->value->value_case,
			 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
	assert_string_equal(a->value->string_value, want);
}

static void check_int_attr(pb_kv **kv, size_t n, const char *key, int64_t want)
{
	const pb_kv *a = attr(kv, n, key);

	assert_non_null(a);
	assert_int_equal(a->value->value_case,
			 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
	assert_int_equal(a->value->int_value, want);
}

static pb_req *encode_pb(struct tt_otlp_encoder *e, const struct tt_report *r, time_t sec)
{
	struct timespec now = { .tv_sec = sec, .tv_nsec = 5 };
	void *body;
	size_t len;
	pb_req *req;

	assert_int_equal(tt_otlp_encode(e, r, &now, TT_OTLP_PROTOBUF, &body, &len), 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, len, body);
	free(body);
	assert_non_null(req);
	assert_int_equal(req->n_resource_metrics, 1);
	assert_int_equal(req->resource_metrics[0]->n_scope_metrics, 1);
	return req;
}

static const pb_metric *metric(const pb_req *req, const char *name)
{
	const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
		req->resource_metrics[0]->scope_metrics[0];
	size_t i;

	for (i = 0; i < sm->n_metrics; i++)
		if (!strcmp(sm->metrics[i]->name, name))
			return sm->metrics[i];
	return NULL;
}

static void free_req(pb_req *req)
{
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
		req, NULL);
}

/* serve's default bounds of `unit`, snapped: what /metrics shows. */
static size_t prom_bounds(double *b, const char *unit)
{
	size_t n;
	const double *d = tt_prom_default_bounds(unit, &n);

	memcpy(b, d, n * sizeof(*d));
	return tt_prom_snap_bounds(b, n, unit);
}

static const pb_metric *metric(const pb_req *req, const char *name);

/* The bounds are /metrics' (defaults, or serve --buckets), on tracetool bucket bounds. */
static void test_bounds(void **state)
{
	double want[TT_OTLP_MAX_BOUNDS], custom[] = { 0.5, 1e-3, 1e-3 };
	struct timespec start = { 0 };
	struct tt_otlp_encode_opts o = { 0 };
	struct tt_report *r = mk_report(false);
	struct tt_otlp_encoder *e;
	const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p;
	size_t n, i;
	pb_req *req;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			o.seconds_bounds = custom;
			o.nseconds_bounds = 3;
			memcpy(want, custom, sizeof(custom));
			n = tt_prom_snap_bounds(want, 3, "seconds");
			assert_int_equal(n, 2);
		} else {
			n = prom_bounds(want, "seconds");
			assert_true(n >= 10);
		}
		e = tt_otlp_encoder__new(&o, &start);
		assert_non_null(e);
		req = encode_pb(e, r, 10);
		p = metric(req, "http.server.request.duration")->histogram->data_points[0];
		assert_int_equal(p->n_explicit_bounds, n);
		for (i = 0; i < n; i++) {
			uint64_t raw = (uint64_t)llround(p->explicit_bounds[i] / 1e-9);

			assert_true(p->explicit_bounds[i] == want[i]);
			/* an inclusive upper bound: the next raw value opens the next bucket */
			assert_true(tt_hist_slot(raw + 1) == tt_hist_slot(raw) + 1);
		}
		free_req(req);
		tt_otlp_encoder__free(e);
	}
	tt_report__free(r);
}

static void test_encode_protobuf(void **state)
{
	struct tt_otlp_encode_opts o = { .service_name = NULL,
					 .resource_attributes = "deployment.environment=prod,a%2Cb=c%3Dd,",
					 .scope_version = "1.2" };
	struct timespec start = { .tv_sec = 1000, .tv_nsec = 1 };
	struct tt_report *r = mk_report(false);
	const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm;
	const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p;
	const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *np;
	struct tt_otlp_encoder *e;
	const pb_metric *m;
	double b[TT_OTLP_MAX_BOUNDS];
	uint64_t total = 0, want, sum = 0;
	size_t i, j, n, nsamples = sizeof(samples_get) / sizeof(*samples_get);
	pb_req *req;

	(void)state;
	setenv("OTEL_SERVICE_NAME", "ignored-by-the-encoder", 1);
	e = tt_otlp_encoder__new(&o, &start);
	assert_non_null(e);
	req = encode_pb(e, r, 2000);
	rm = req->resource_metrics[0];
	assert_int_equal(rm->resource->n_attributes, 4);
	check_str_attr(rm->resource->attributes, 4, "service.name", "tracetool");
	check_str_attr(rm->resource->attributes, 4, "host.name", "box1");
	check_str_attr(rm->resource->attributes, 4, "deployment.environment", "prod");
	check_str_attr(rm->resource->attributes, 4, "a,b", "c=d");
	assert_string_equal(rm->scope_metrics[0]->scope->name, "tracetool");
	assert_string_equal(rm->scope_metrics[0]->scope->version, "1.2");
	assert_int_equal(rm->scope_metrics[0]->n_metrics, 3);

	m = metric(req, "http.server.request.duration");
	assert_non_null(m);
	assert_string_equal(m->unit, "s");
	assert_string_equal(m->description, "Server latency.");
	assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
	assert_int_equal(m->histogram->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	assert_int_equal(m->histogram->n_data_points, 1);
	p = m->histogram->data_points[0];
	assert_int_equal(p->n_attributes, 4);
	check_str_attr(p->attributes, 4, "http.request.method", "GET");
	check_int_attr(p->attributes, 4, "http.response.status_code", 200);
	check_str_attr(p->attributes, 4, "http.route", "/users/:id");
	check_int_attr(p->attributes, 4, "server.port", 8080);
	assert_true(p->start_time_unix_nano == 1000000000001ull);
	assert_true(p->time_unix_nano == 2000000000005ull);
	assert_int_equal(p->count, nsamples);
	for (i = 0; i < nsamples; i++)
		sum += samples_get[i];
	assert_int_equal(p->_sum_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM);
	assert_true(p->sum == (double)sum * 1e-9);
	assert_true(p->_min_case && p->min == 5e-9);
	assert_true(p->_max_case && p->max == 200000000000ull * 1e-9);
	n = prom_bounds(b, "seconds");
	assert_int_equal(p->n_explicit_bounds, n);
	assert_int_equal(p->n_bucket_counts, n + 1);
	for (j = 0; j <= n; j++) {
		/* brute force: the samples in (b[j-1], b[j]] */
		/* brute force in integer ns: the samples in (b[j-1], b[j]] */
		want = 0;
		for (i = 0; i < nsamples; i++) {
			uint64_t v = samples_get[i];

			want += (j == 0 || v > (uint64_t)llround(b[j - 1] * 1e9)) &&
				(j == n || v <= (uint64_t)llround(b[j] * 1e9));
		}
		if (j < n)
			assert_true(p->explicit_bounds[j] == b[j]);
		assert_int_equal(p->bucket_counts[j], want);
		total += p->bucket_counts[j];
	}
	assert_int_equal(total, p->count);
	/* the samples on either side of 1.007 µs and of 16.106 s are split exactly */
	assert_int_equal(p->bucket_counts[0], 6);	/* 5 63 64 999 1000 1007 */
	assert_int_equal(p->bucket_counts[n], 2);	/* 16106127360 and 200 s */

	m = metric(req, "tracetool.syscall.errors");
	assert_non_null(m);
	assert_string_equal(m->unit, "");
	assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
	assert_true(m->sum->is_monotonic);
	assert_int_equal(m->sum->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	assert_int_equal(m->sum->n_data_points, 1);
	np = m->sum->data_points[0];
	check_str_attr(np->attributes, np->n_attributes, "syscall", "openat");
	check_str_attr(np->attributes, np->n_attributes, "errno", "ENOENT");
	assert_int_equal(np->value_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
	assert_int_equal(np->as_int, 7);
	assert_true(np->start_time_unix_nano == 1000000000001ull);

	m = metric(req, "tracetool.bpf.map.memory");
	assert_non_null(m);
	assert_string_equal(m->unit, "By");
	assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
	np = m->gauge->data_points[0];
	assert_int_equal(np->n_attributes, 0);
	assert_int_equal(np->value_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
	assert_true(np->as_double == 4096);
	assert_true(np->start_time_unix_nano == 0);
	free_req(req);
	tt_otlp_encoder__free(e);
	tt_report__free(r);
	unsetenv("OTEL_SERVICE_NAME");
}

static uint64_t post_start(const pb_req *req, bool *found)
{
	const pb_metric *m = metric(req, "http.server.request.duration");
	size_t i;

	*found = false;
	for (i = 0; i < m->histogram->n_data_points; i++) {
		const pb_kv *a = attr(m->histogram->data_points[i]->attributes,
				      m->histogram->data_points[i]->n_attributes,
				      "http.request.method");

		if (!strcmp(a->value->string_value, "POST")) {
			*found = true;
			/* "_other" is no number: it stays a string */
			check_str_attr(m->histogram->data_points[i]->attributes, 4,
				       "http.response.status_code", "_other");
			return m->histogram->data_points[i]->start_time_unix_nano;
		}
	}
	return 0;
}

static void test_start_times(void **state)
{
	struct tt_otlp_encode_opts o = { .service_name = "svc" };
	struct timespec start = { .tv_sec = 1000 };
	struct tt_report *without = mk_report(false), *with = mk_report(true);
	struct tt_otlp_encoder *e = tt_otlp_encoder__new(&o, &start);
	const pb_metric *m;
	bool found;
	pb_req *req;

	(void)state;
	assert_non_null(e);
	req = encode_pb(e, without, 1010);
	check_str_attr(req->resource_metrics[0]->resource->attributes, 2, "service.name", "svc");
	free_req(req);
	/* a series first seen in the second export starts at the first export's time */
	req = encode_pb(e, with, 1020);
	assert_true(post_start(req, &found) == 1010000000005ull && found);
	m = metric(req, "tracetool.syscall.errors");
	assert_true(m->sum->data_points[0]->start_time_unix_nano == 1000000000000ull);
	free_req(req);
	req = encode_pb(e, with, 1030);
	assert_true(post_start(req, &found) == 1010000000005ull && found);
	free_req(req);
	/* gone, then back: a new start time, the last export it was absent from */
	req = encode_pb(e, without, 1040);
	post_start(req, &found);
	assert_false(found);
	free_req(req);
	req = encode_pb(e, with, 1050);
	assert_true(post_start(req, &found) == 1040000000005ull && found);
	m = metric(req, "http.server.request.duration");
	assert_true(m->histogram->data_points[0]->start_time_unix_nano == 1000000000000ull);
	free_req(req);
	/* a series' own created (serve's view) is its start time */
	tt_report_find_family(with, "http_server_request_duration_seconds")->series[0].created =
		1234.5;
	req = encode_pb(e, with, 1060);
	m = metric(req, "http.server.request.duration");
	assert_true(m->histogram->data_points[0]->start_time_unix_nano == 1234500000000ull);
	assert_true(post_start(req, &found) == 1040000000005ull && found);
	free_req(req);
	tt_otlp_encoder__free(e);
	tt_report__free(without);
	tt_report__free(with);
}

static void test_encode_json(void **state)
{
	struct tt_otlp_encode_opts o = { .service_name = "svc" };
	struct timespec start = { .tv_sec = 1000 }, now = { .tv_sec = 2000 };
	struct tt_report *r = mk_report(false);
	struct tt_otlp_encoder *e = tt_otlp_encoder__new(&o, &start);
	json_t *root, *metrics, *m, *dp, *attrs;
	double b[TT_OTLP_MAX_BOUNDS];
	size_t nb = prom_bounds(b, "seconds");
	json_error_t jerr;
	uint64_t total = 0;
	void *body;
	size_t len, i;

	(void)state;
	assert_int_equal(tt_otlp_encode(e, r, &now, TT_OTLP_JSON, &body, &len), 0);
	root = json_loadb(body, len, 0, &jerr);
	free(body);
	assert_non_null(root);
	metrics = json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(root, "resourceMetrics"), 0), "scopeMetrics"), 0),
		"metrics");
	assert_int_equal(json_array_size(metrics), 3);
	m = json_array_get(metrics, 0);
	assert_string_equal(json_string_value(json_object_get(m, "name")),
			    "http.server.request.duration");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "histogram"),
							    "aggregationTemporality")), 2);
	dp = json_array_get(json_object_get(json_object_get(m, "histogram"), "dataPoints"), 0);
	/* 64-bit integers are strings in OTLP/JSON */
	assert_string_equal(json_string_value(json_object_get(dp, "startTimeUnixNano")),
			    "1000000000000");
	assert_string_equal(json_string_value(json_object_get(dp, "timeUnixNano")),
			    "2000000000000");
	assert_string_equal(json_string_value(json_object_get(dp, "count")), "16");
	for (i = 0; i < json_array_size(json_object_get(dp, "bucketCounts")); i++)
		total += strtoull(json_string_value(json_array_get(json_object_get(dp, "bucketCounts"),
								   i)), NULL, 10);
	assert_int_equal(total, 16);
	assert_int_equal(json_array_size(json_object_get(dp, "explicitBounds")), nb);
	/* bounds survive JSON exactly (17 significant digits) */
	for (i = 0; i < nb; i++)
		assert_true(json_real_value(json_array_get(json_object_get(dp, "explicitBounds"),
							   i)) == b[i]);
	attrs = json_object_get(dp, "attributes");
	for (i = 0; i < json_array_size(attrs); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(attrs, i), "key")),
			    "http.response.status_code"))
			assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_array_get(attrs, i), "value"), "intValue")), "200");
	m = json_array_get(metrics, 1);
	assert_true(json_is_true(json_object_get(json_object_get(m, "sum"), "isMonotonic")));
	dp = json_array_get(json_object_get(json_object_get(m, "sum"), "dataPoints"), 0);
	assert_string_equal(json_string_value(json_object_get(dp, "asInt")), "7");
	json_decref(root);
	tt_otlp_encoder__free(e);
	tt_report__free(r);
}

/* The exporter's JSON (from the protobuf body, in its thread) is the encoder's JSON. */
static void test_to_json(void **state)
{
	struct tt_otlp_encode_opts o = { .service_name = "svc", .resource_attributes = "k=v" };
	struct timespec start = { .tv_sec = 1000 }, now = { .tv_sec = 2000, .tv_nsec = 7 };
	struct tt_report *r = mk_report(true);
	struct tt_otlp_encoder *a = tt_otlp_encoder__new(&o, &start);
	struct tt_otlp_encoder *b = tt_otlp_encoder__new(&o, &start);
	void *pb, *json;
	char *conv;
	size_t pblen, jlen, clen;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(tt_otlp_encode(a, r, &now, TT_OTLP_PROTOBUF, &pb, &pblen), 0);
	assert_int_equal(tt_otlp_encode(b, r, &now, TT_OTLP_JSON, &json, &jlen), 0);
	assert_int_equal(tt_otlp_to_json(pb, pblen, &conv, &clen), 0);
	assert_int_equal(clen, jlen);
	assert_memory_equal(conv, json, jlen);
	free(conv);
	assert_int_equal(tt_otlp_to_json("\xff\xff", 2, &conv, &clen), -EINVAL);
	assert_int_equal(tt_otlp_to_json("", 0, &conv, &clen), -EINVAL);	/* no resource */
	free(pb);
	free(json);
	tt_otlp_encoder__free(a);
	tt_otlp_encoder__free(b);
	tt_report__free(r);
}

static void test_gzip(void **state)
{
	char in[5000], out[6000];
	z_stream z = { 0 };
	void *gz;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i % 7 + 'a');
	assert_int_equal(tt_gzip(in, sizeof(in), &gz, &len), 0);
	assert_true(len > 18 && len < sizeof(in));
	assert_int_equal(((unsigned char *)gz)[0], 0x1f);	/* the gzip magic */
	assert_int_equal(((unsigned char *)gz)[1], 0x8b);
	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	inflateEnd(&z);
	free(gz);
}

static void test_names(void **state)
{
	static const struct {
		const char *family, *unit, *want;
		bool counter;
	} t[] = {
		{ "http_server_request_duration_seconds", "seconds", "http.server.request.duration", false },
		{ "http_client_request_duration_seconds", "seconds", "http.client.request.duration", false },
		{ "tracetool_syscall_duration_seconds", "seconds", "tracetool.syscall.duration", false },
		{ "tracetool_tcp_retransmits_total", "", "tracetool.tcp.retransmits", true },
		{ "tracetool_lost_events_total", "", "tracetool.lost.events", true },
		{ "tracetool_bpf_run_seconds_total", "seconds", "tracetool.bpf.run", true },
		{ "process_cpu_seconds_total", "seconds", "process.cpu.time", true },
		{ "process_resident_memory_bytes", "bytes", "process.memory.usage", false },
		{ "g_total", "", "g.total", false },	/* only a counter loses _total */
		{ "seconds", "seconds", "seconds", false },	/* never an empty name */
	};
	size_t i;
	char *n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		n = tt_otlp_metric_name(t[i].family, t[i].unit, t[i].counter);
		assert_non_null(n);
		assert_string_equal(n, t[i].want);
		free(n);
	}
	assert_string_equal(tt_otlp_attribute_name("server_address"), "server.address");
	assert_string_equal(tt_otlp_attribute_name("http_route"), "http.route");
	assert_string_equal(tt_otlp_attribute_name("comm"), "comm");
}

static void clear_env(void)
{
	static const char *const vars[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
		"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
		"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
}

static void test_config_env(void **state)
{
	struct tt_otlp_config c;
	struct tt_error err = { 0 };

	(void)state;
	clear_env();
	assert_int_equal(tt_otlp_config_init(&c, &err), 0);
	assert_null(c.url);
	assert_int_equal(c.format, TT_OTLP_PROTOBUF);
	assert_true(c.gzip);
	assert_true(c.timeout == 10 && c.interval == 60);
	tt_otlp_config_release(&c);

	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", 1);
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%20t, x-tenant = a ,", 1);
	setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", 1);
	setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "none", 1);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500", 1);
	setenv("OTEL_SERVICE_NAME", "edge", 1);
	assert_int_equal(tt_otlp_config_init(&c, &err), 0);
	assert_string_equal(c.url, "http://collector:4318/v1/metrics");
	assert_int_equal(c.nheaders, 2);
	assert_string_equal(c.headers[0], "api-key: s3cr t");
	assert_string_equal(c.headers[1], "x-tenant: a");
	assert_int_equal(c.format, TT_OTLP_JSON);
	assert_false(c.gzip);
	assert_true(c.timeout == 2.5);
	assert_string_equal(c.enc.service_name, "edge");
	tt_otlp_config_release(&c);

	/* the signal-specific endpoint is used as given and wins */
	setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://c/custom/path", 1);
	setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf", 1);
	assert_int_equal(tt_otlp_config_init(&c, &err), 0);
	assert_string_equal(c.url, "https://c/custom/path");
	assert_int_equal(c.format, TT_OTLP_PROTOBUF);
	/* --otlp: a base URL gets the path, one with a path keeps it */
	assert_int_equal(tt_otlp_config_set_url(&c, "http://h:4318/", false, &err), 0);
	assert_string_equal(c.url, "http://h:4318/v1/metrics");
	assert_int_equal(tt_otlp_config_set_url(&c, "http://h:4318", false, &err), 0);
	assert_string_equal(c.url, "http://h:4318/v1/metrics");
	assert_int_equal(tt_otlp_config_set_url(&c, "http://h:4318/otlp/v1/metrics", false, &err), 0);
	assert_string_equal(c.url, "http://h:4318/otlp/v1/metrics");
	assert_int_equal(tt_otlp_config_set_url(&c, "ftp://h/", false, &err), -EINVAL);
	assert_int_equal(tt_otlp_config_set_url(&c, "http:///x", false, &err), -EINVAL);
	tt_otlp_config_release(&c);

	static const char *const bad[][2] = {
		{ "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc" },
		{ "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd" },
		{ "OTEL_EXPORTER_OTLP_TIMEOUT", "10s" },
		{ "OTEL_EXPORTER_OTLP_TIMEOUT", "0" },
		{ "OTEL_EXPORTER_OTLP_HEADERS", "novalue" },
		{ "OTEL_EXPORTER_OTLP_HEADERS", "a:b=c" },
		{ "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		clear_env();
		memset(&err, 0, sizeof(err));
		setenv(bad[i][0], bad[i][1], 1);
		assert_int_equal(tt_otlp_config_init(&c, &err), -EINVAL);
		assert_true(err.usage);
		assert_non_null(strstr(err.msg, "OTEL_EXPORTER_OTLP") ? err.msg : strstr(err.msg, "OTLP"));
		tt_otlp_config_release(&c);
	}
	clear_env();
}

static void test_bad_resource(void **state)
{
	struct tt_otlp_encode_opts o = { .resource_attributes = "a=b,oops" };
	struct timespec start = { 0 };

	(void)state;
	errno = 0;
	assert_null(tt_otlp_encoder__new(&o, &start));
	assert_int_equal(errno, EINVAL);
	o.resource_attributes = "=b";
	assert_null(tt_otlp_encoder__new(&o, &start));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_encode_protobuf),
		cmocka_unit_test(test_start_times),
		cmocka_unit_test(test_encode_json),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config_env),
		cmocka_unit_test(test_bad_resource),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
