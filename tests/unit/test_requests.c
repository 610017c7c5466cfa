// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for request tracing's pure parts: the byte classifiers the
 * BPF program runs (include/tracetool/requests.h: method, status line,
 * method prefixes, end of a path), route normalisation and the per-service
 * route bound (user/http.c), and the series aggregate (user/agg.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agg.h"
#include "http.h"
#include "labels.h"
#include "tracetool/requests.h"

/* Classify a C string the way the kernel does: a zero-padded TT_REQ_HEAD buffer. */
static unsigned char head_buf[TT_REQ_HEAD + 64];

static __u8 method_of(const char *s, __u32 *skip)
{
	size_t n = strlen(s);

	memset(head_buf, 0, sizeof(head_buf));
	memcpy(head_buf, s, n < sizeof(head_buf) ? n : sizeof(head_buf));
	return tt_req_method(head_buf, (__u32)n, skip);
}

static void test_methods(void **state)
{
	static const struct {
		const char *line;
		__u8 m;
		__u32 skip;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n", TT_M_GET, 4 },
		{ "HEAD /x HTTP/1.1", TT_M_HEAD, 5 },
		{ "POST /api HTTP/1.0", TT_M_POST, 5 },
		{ "PUT /a", TT_M_PUT, 4 },
		{ "DELETE /a/1 HTTP/1.1", TT_M_DELETE, 7 },
		{ "CONNECT host:443 HTTP/1.1", TT_M_CONNECT, 8 },
		{ "OPTIONS * HTTP/1.1", TT_M_OPTIONS, 8 },
		{ "TRACE / HTTP/1.1", TT_M_TRACE, 6 },
		{ "PATCH /p HTTP/1.1", TT_M_PATCH, 6 },
		{ "PROPFIND /dav HTTP/1.1", TT_M_OTHER, 9 },	/* unknown: _OTHER */
		{ "FOO /x HTTP/1.1", TT_M_OTHER, 4 },
		{ "MKCOL * HTTP/1.1", TT_M_OTHER, 6 },
		{ "T /slow HTTP/1.1", TT_M_NONE, 0 },		/* the tail of a split "GET" */
		{ "get / HTTP/1.1", TT_M_NONE, 0 },		/* methods are case-sensitive */
		{ "GET", TT_M_NONE, 0 },			/* no target byte yet */
		{ "GET ", TT_M_NONE, 0 },
		{ "HTTP/1.1 200 OK", TT_M_NONE, 0 },		/* a response */
		{ "*1\r\n$4\r\nPING\r\n", TT_M_NONE, 0 },	/* redis */
		{ "SSH-2.0-OpenSSH", TT_M_NONE, 0 },
		{ "HELO example.org", TT_M_NONE, 0 },		/* SMTP: no '/' */
		{ "VERYLONGMETHODNAME /x", TT_M_NONE, 0 },	/* token past the classifier window */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u32 skip = 99;
		__u8 m = method_of(cases[i].line, &skip);

		if (m != cases[i].m || skip != cases[i].skip)
			fail_msg("'%s': method %u skip %u, expected %u skip %u", cases[i].line, m, skip,
				 cases[i].m, cases[i].skip);
	}
}

/* Bytes past n are never trusted, whatever they hold. */
static void test_method_ignores_bytes_past_n(void **state)
{
	unsigned char b[TT_REQ_HEAD] = "DELETE /x";
	__u32 skip;

	(void)state;
	assert_int_equal(tt_req_method(b, 6, &skip), TT_M_NONE);	/* "DELETE" then garbage */
	memcpy(b, "OPTIONS *", 9);
	assert_int_equal(tt_req_method(b, 8, &skip), TT_M_NONE);
	assert_int_equal(tt_req_method(b, 9, &skip), TT_M_OPTIONS);
}

static void test_method_names(void **state)
{
	(void)state;
	assert_string_equal(tt_http_method_name(TT_M_GET), "GET");
	assert_string_equal(tt_http_method_name(TT_M_PATCH), "PATCH");
	assert_string_equal(tt_http_method_name(TT_M_OTHER), "_OTHER");
	assert_string_equal(tt_http_method_name(TT_M_NONE), "_OTHER");
	assert_string_equal(tt_http_method_name(250), "_OTHER");
}

static __u16 status_of(const char *s)
{
	size_t n = strlen(s);

	memset(head_buf, 0, sizeof(head_buf));
	memcpy(head_buf, s, n < sizeof(head_buf) ? n : sizeof(head_buf));
	return tt_req_status(head_buf, (__u32)n);
}

static void test_status_line(void **state)
{
	(void)state;
	assert_int_equal(status_of("HTTP/1.1 200 OK\r\n"), 200);
	assert_int_equal(status_of("HTTP/1.0 404 Not Found"), 404);
	assert_int_equal(status_of("HTTP/1.1 503"), 503);
	assert_int_equal(status_of("HTTP/1.1 100 Continue"), 100);
	assert_int_equal(status_of("HTTP/1.1 20"), 0);		/* cut */
	assert_int_equal(status_of("HTTP/2 200 OK"), 0);
	assert_int_equal(status_of("HTTP/1.1 600 X"), 0);
	assert_int_equal(status_of("HTTP/1.1 2x0 X"), 0);
	assert_int_equal(status_of("HTTP/1.1  200"), 0);
	assert_int_equal(status_of("http/1.1 200 OK"), 0);
	assert_int_equal(status_of("GET / HTTP/1.1"), 0);
}

static void test_method_prefix(void **state)
{
	(void)state;
	assert_true(tt_req_is_method_prefix((const unsigned char *)"GE", 2));
	assert_true(tt_req_is_method_prefix((const unsigned char *)"POS", 3));
	assert_true(tt_req_is_method_prefix((const unsigned char *)"OPTIONS", 7));
	assert_false(tt_req_is_method_prefix((const unsigned char *)"OPTIONS ", 8));
	assert_false(tt_req_is_method_prefix((const unsigned char *)"ge", 2));
	assert_false(tt_req_is_method_prefix((const unsigned char *)"G\r", 2));
	assert_false(tt_req_is_method_prefix((const unsigned char *)"", 0));
}

static void test_route_end(void **state)
{
	(void)state;
	assert_true(tt_req_route_end(' '));
	assert_true(tt_req_route_end('?'));
	assert_true(tt_req_route_end('#'));
	assert_true(tt_req_route_end('\r'));
	assert_true(tt_req_route_end('\n'));
	assert_false(tt_req_route_end('/'));
	assert_false(tt_req_route_end('%'));
}

static void check_route(const char *raw, bool truncated, const char *want)
{
	char out[TT_ROUTE_MAX];

	tt_http_route_normalize(raw, strlen(raw), truncated, out, sizeof(out));
	if (strcmp(out, want))
		fail_msg("route '%s'%s -> '%s', expected '%s'", raw, truncated ? " (cut)" : "", out,
			 want);
}

static void test_route_normalize(void **state)
{
	(void)state;
	check_route("/", false, "/");
	check_route("", false, "/");
	check_route("/fast", false, "/fast");
	check_route("/users/12345", false, "/users/:id");
	check_route("/users/12345/orders/9", false, "/users/:id/orders/:id");
	check_route("/users/123e4567-e89b-12d3-a456-426614174000/x", false, "/users/:id/x");
	check_route("/USERS/123E4567-E89B-12D3-A456-426614174000", false, "/USERS/:id");
	check_route("/blob/0123456789abcdef0123456789abcdef01234567", false, "/blob/:id");	/* sha1 */
	check_route("/o/5f2b1c3d4e5f6a7b8c9d0e1f", false, "/o/:id");	/* 24 hex */
	check_route("/c/0x1F", false, "/c/:id");
	check_route("/deadbeef", false, "/deadbeef");	/* hex letters only: a word */
	check_route("/abc123", false, "/abc123");	/* short mixed: kept */
	check_route("/v1/items", false, "/v1/items");
	check_route("/api/v2/", false, "/api/v2/");
	check_route("//a///b", false, "/a/b");
	/* query and fragment never survive, whatever reaches user space */
	check_route("/search?q=secret&token=abc", false, "/search");
	check_route("/page#frag", false, "/page");
	check_route("/?x=1", false, "/");
	/* percent-encoding: decoded to classify, kept as written otherwise */
	check_route("/users/%31%32%33", false, "/users/:id");
	check_route("/files/a%20b", false, "/files/a%20b");
	/* absolute form (proxies) keeps only the path */
	check_route("http://example.org/users/42?x", false, "/users/:id");
	check_route("http://example.org", false, "/");
	check_route("*", false, "*");
	/* a cut target: the last, maybe partial, segment becomes * */
	check_route("/a/very/long/rou", true, "/a/very/long/*");
	check_route("/users/123e4567-e89b-12d3-a4", true, "/users/*");
	/* bytes outside printable ASCII */
	check_route("/a\x01\x7f" "b", false, "/a__b");
}

static void test_route_out_small(void **state)
{
	char out[8];

	(void)state;
	tt_http_route_normalize("/abcdefghijklmnop", 17, false, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(out[0], '/');
}

static void test_segment_is_id(void **state)
{
	(void)state;
	assert_true(tt_http_segment_is_id("0", 1));
	assert_true(tt_http_segment_is_id("9876543210", 10));
	assert_true(tt_http_segment_is_id("deadbeef01", 10));
	assert_false(tt_http_segment_is_id("", 0));
	assert_false(tt_http_segment_is_id("v1", 2));
	assert_false(tt_http_segment_is_id("12ab", 4));
	assert_false(tt_http_segment_is_id("123e4567-e89b-12d3-a456-42661417400z", 36));
}

static void test_route_limit(void **state)
{
	struct tt_route_limit *l = tt_route_limit__new(3);
	char r[32];
	int i;

	(void)state;
	assert_non_null(l);
	for (i = 0; i < 3; i++) {
		snprintf(r, sizeof(r), "/r%d", i);
		assert_string_equal(tt_route_limit_admit(l, "nginx", r), r);
	}
	assert_string_equal(tt_route_limit_admit(l, "nginx", "/r3"), TT_ROUTE_OTHER);
	assert_string_equal(tt_route_limit_admit(l, "nginx", "/r4"), TT_ROUTE_OTHER);
	/* routes seen before stay themselves, other services have their own bound */
	assert_string_equal(tt_route_limit_admit(l, "nginx", "/r1"), "/r1");
	assert_string_equal(tt_route_limit_admit(l, "api", "/r3"), "/r3");
	assert_int_equal(tt_route_limit_overflows(l), 2);
	tt_route_limit__free(l);
}

static void test_agg(void **state)
{
	struct tt_agg *a = tt_agg__new(2);
	struct tt_report *r = tt_report__new();
	const char *names[] = { "comm", "route" };
	struct tt_family *f;
	char route[32];
	uint64_t total = 0;
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_non_null(r);
	/* enough series to make the table grow several times */
	for (i = 0; i < 1000; i++) {
		snprintf(route, sizeof(route), "/r%zu", i % 200);
		assert_int_equal(tt_agg_record(a, (const char *const[]){ "srv", route }, 1000 + i), 0);
	}
	assert_int_equal(a->n, 200);
	{
		struct tt_agg_entry *e = tt_agg_find(a, (const char *const[]){ "srv", "/r7" });

		assert_non_null(e);
		assert_int_equal(e->count, 5);
		assert_int_equal(e->min, 1007);
		assert_int_equal(e->max, 1807);
		assert_int_equal(e->sum, 1007 + 1207 + 1407 + 1607 + 1807);
	}
	assert_null(tt_agg_find(a, (const char *const[]){ "srv", "/nope" }));
	f = tt_report_add_family(r, "x", "h", "seconds", TT_METRIC_HISTOGRAM, 2, names);
	assert_non_null(f);
	assert_int_equal(tt_agg_fill(a, f, 1e-9), 0);
	assert_int_equal(f->nseries, 200);
	for (i = 0; i < f->nseries; i++) {
		uint64_t bsum = 0;
		size_t k;

		for (k = 0; k < f->series[i].hist.nbuckets; k++) {
			bsum += f->series[i].hist.buckets[k].count;
			if (k)
				assert_true(f->series[i].hist.buckets[k].upper >
					    f->series[i].hist.buckets[k - 1].upper);
		}
		assert_int_equal(bsum, f->series[i].hist.count);
		total += f->series[i].hist.count;
	}
	assert_int_equal(total, 1000);
	tt_agg_clear(a);
	assert_int_equal(a->n, 0);
	assert_null(tt_agg_find(a, (const char *const[]){ "srv", "/r7" }));
	tt_report__free(r);
	tt_agg__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_method_ignores_bytes_past_n),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_method_prefix),
		cmocka_unit_test(test_route_end),
		cmocka_unit_test(test_route_normalize),
		cmocka_unit_test(test_route_out_small),
		cmocka_unit_test(test_segment_is_id),
		cmocka_unit_test(test_route_limit),
		cmocka_unit_test(test_agg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
