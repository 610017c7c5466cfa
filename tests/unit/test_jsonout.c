// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for JSON output (user/jsonout.h): reals in the shortest form
 * that reads back to the same double (0.1 as "0.1", 0.1 + 0.2 with all its
 * 17 digits), spelled as jansson spells reals ("1.0", "1e-6", "1e20");
 * 100,000 seeded random doubles read back exactly and no fewer significant
 * digits would; a document dumped through the filter differs from jansson's own
 * only in its reals (integers, and digits inside strings and keys, kept),
 * across the filter's buffer boundary and through a FILE.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jsonout.h"
#include "report.h"
#include "tt_rng.h"

static void real_is(double v, const char *want)
{
	char buf[32];

	assert_string_equal(tt_json_real_str(buf, sizeof(buf), v), want);
}

static void test_real_spelling(void **state)
{
	(void)state;
	real_is(0.1, "0.1");
	real_is(0.05, "0.05");
	real_is(0.1 + 0.2, "0.30000000000000004");
	real_is(1.0 / 3, "0.3333333333333333");
	real_is(4.8955e-6, "4.8955e-6");
	real_is(1.0, "1.0");
	real_is(-2.0, "-2.0");
	real_is(0.0, "0.0");
	real_is(1e20, "1e20");
	real_is(1e-300, "1e-300");
	real_is(123456789012345678.0, "1.2345678901234568e17");
	real_is(5e-324, "5e-324");	/* subnormal: fewer digits than 15 tell it apart */
	real_is(2.5e-320, "2.5e-320");
	real_is(120000.0, "120000.0");
	real_is(1.7976931348623157e308, "1.7976931348623157e308");
}

/* Significant digits of a number's text: its mantissa without sign, point, leading and trailing zeros. */
static int sig_digits(const char *s)
{
	char d[32];
	int n = 0;

	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && (n || *s != '0'))
			d[n++] = *s;
	while (n > 0 && d[n - 1] == '0')
		n--;
	return n;
}

static void test_random_round_trip(void **state)
{
	struct rng r = { 0x9e3779b97f4a7c15ULL };
	char buf[32], shorter[32];
	int i, nd;

	(void)state;
	for (i = 0; i < 100000; i++) {
		uint64_t bits = rng_next(&r);
		double v;

		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		if (i % 2)	/* latencies and ratios: plain magnitudes too, not only raw bits */
			v = rng_unit(&r) * pow(10, (int)(rng_next(&r) % 13) - 9);
		tt_json_real_str(buf, sizeof(buf), v);
		if (strtod(buf, NULL) != v)
			fail_msg("%s does not read back as %.17g", buf, v);
		assert_true(strpbrk(buf, ".e") != NULL);
		/* and no fewer digits would do */
		nd = sig_digits(buf);
		assert_true(nd >= 1 && nd <= 17);
		snprintf(shorter, sizeof(shorter), "%.*g", nd - 1, v);
		if (nd > 1 && strtod(shorter, NULL) == v)
			fail_msg("%s reads back as %.17g too, shorter than %s", shorter, v, buf);
	}
}

static void test_document(void **state)
{
	json_t *root = json_pack("{s:f,s:f,s:I,s:s,s:[f,i,f],s:f}", "allowed", 0.05, "sum",
				 0.1 + 0.2, "count", (json_int_t)1234567890123LL, "text",
				 "0.10000000000000001 \"1.5e3\\\" -7", "runs", 4.8955e-6, -12, 2.0,
				 "2.5e-1 key", 0.25);
	char *text;

	(void)state;
	assert_non_null(root);
	/* a precision in the flags is ignored: 15 digits would lose 0.1 + 0.2 */
	text = tt_json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	assert_non_null(text);
	assert_string_equal(text, "{\"allowed\":0.05,\"sum\":0.30000000000000004,"
			    "\"count\":1234567890123,\"text\":\"0.10000000000000001 \\\"1.5e3\\\\\\\" "
			    "-7\",\"runs\":[4.8955e-6,-12,2.0],\"2.5e-1 key\":0.25}");
	free(text);
	json_decref(root);
}

/* A long document through a FILE: the filter's 4,096-byte buffer fills many times. */
static void test_long_document_file(void **state)
{
	json_t *root = json_array(), *back;
	char *data = NULL, *jansson;
	size_t len = 0, i;
	FILE *f = open_memstream(&data, &len);

	(void)state;
	assert_non_null(root);
	assert_non_null(f);
	for (i = 0; i < 5000; i++)
		assert_int_equal(json_array_append_new(root, i % 3 ? json_real(i * 0.1) :
								     json_integer((json_int_t)i)), 0);
	assert_int_equal(tt_json_dumpf(root, f, JSON_INDENT(2)), 0);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 3 * 4096);
	jansson = json_dumps(root, JSON_INDENT(2));
	assert_non_null(jansson);
	assert_true(len < strlen(jansson));	/* 0.1 * i at 17 digits: most carry noise */
	free(jansson);
	back = json_loadb(data, len, 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(back), 5000);
	for (i = 0; i < 5000; i++) {
		json_t *v = json_array_get(back, i);

		if (i % 3) {
			assert_true(json_is_real(v));
			assert_true(json_real_value(v) == i * 0.1);
		} else {
			assert_true(json_is_integer(v));
			assert_int_equal(json_integer_value(v), i);
		}
	}
	json_decref(back);
	json_decref(root);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_spelling),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_long_document_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
