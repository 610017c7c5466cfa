// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the two spellings of a shortest round-trip double:
 * Prometheus/OpenMetrics values (tt_prom_fmt_double: integers below 1e15
 * without a point, printf's exponent "1e+21", +Inf/-Inf/NaN) and JSON reals
 * (tt_json_real_str: always a point or an exponent, jansson's exponent
 * "1e21"), pinned byte for byte over a spread of values (zeros of both
 * signs, subnormals, the edges of the integer rule, 2^53 + 1, DBL_MAX); and
 * 200,000 seeded random doubles in both spellings against the printf/strtod
 * search each spelling is defined by.
 */
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

#include "jsonout.h"
#include "prom.h"
#include "tt_rng.h"

static const struct {
	double v;
	const char *prom, *json;
} pins[] = {
	{ 0.0, "0", "0.0" },
	{ -0.0, "-0", "-0.0" },
	{ 1e-9, "1e-09", "1e-9" },
	{ 1e-10, "1e-10", "1e-10" },
	{ 0.1, "0.1", "0.1" },
	{ 0.1 + 0.2, "0.30000000000000004", "0.30000000000000004" },
	{ 1.0 / 3, "0.3333333333333333", "0.3333333333333333" },
	{ 0.5, "0.5", "0.5" },
	{ 1.0 / 1024, "0.0009765625", "0.0009765625" },
	{ 1e-5, "1e-05", "1e-5" },
	{ 1e-7, "1e-07", "1e-7" },
	{ 4.8955e-6, "4.8955e-06", "4.8955e-6" },
	{ 0.001007615, "0.001007615", "0.001007615" },
	{ 999999.999999999, "999999.999999999", "999999.999999999" },
	{ 1e6 + 0.5, "1000000.5", "1000000.5" },
	{ 123456.789, "123456.789", "123456.789" },
	{ -1.5, "-1.5", "-1.5" },
	{ -2, "-2", "-2.0" },
	{ 30, "30", "30.0" },
	{ 100, "100", "100.0" },
	{ 1e15 - 1, "999999999999999", "999999999999999.0" },
	{ 1e15, "1e+15", "1e15" },
	{ 1e16, "1e+16", "1e16" },
	{ 1e21, "1e+21", "1e21" },
	{ 1e22, "1e+22", "1e22" },
	{ 9007199254740993.0, "9007199254740992", "9007199254740992.0" },	/* 2^53 + 1 */
	{ 9007199254740994.0, "9007199254740994", "9007199254740994.0" },
	{ 5e-324, "5e-324", "5e-324" },
	{ 2.5e-320, "2.5e-320", "2.5e-320" },
	{ DBL_MIN, "2.2250738585072014e-308", "2.2250738585072014e-308" },
	{ -1e-300, "-1e-300", "-1e-300" },
	{ DBL_MAX, "1.7976931348623157e+308", "1.7976931348623157e308" },
	{ -DBL_MAX, "-1.7976931348623157e+308", "-1.7976931348623157e308" },
};

static void test_pinned(void **state)
{
	char buf[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		n = tt_prom_fmt_double(buf, pins[i].v);
		if (strcmp(buf, pins[i].prom) || n != strlen(buf))
			fail_msg("prom %.17g: \"%s\", want \"%s\"", pins[i].v, buf, pins[i].prom);
		tt_json_real_str(buf, sizeof(buf), pins[i].v);
		if (strcmp(buf, pins[i].json))
			fail_msg("json %.17g: \"%s\", want \"%s\"", pins[i].v, buf, pins[i].json);
	}
	tt_prom_fmt_double(buf, INFINITY);
	assert_string_equal(buf, "+Inf");
	tt_prom_fmt_double(buf, -INFINITY);
	assert_string_equal(buf, "-Inf");
	tt_prom_fmt_double(buf, NAN);
	assert_string_equal(buf, "NaN");
	tt_prom_fmt_double(buf, -NAN);
	assert_string_equal(buf, "NaN");
}

/* The smallest P whose "%.Pg" strtod reads back as v: the definition, searched linearly. */
static int min_precision(double v)
{
	char buf[40];
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return p;
}

/*
 * Both spellings from their definitions: Prometheus, "%.Pg" at that P but
 * whole numbers below 1e15 as integers; JSON, the same digits with a ".0"
 * where nothing marks them a real and jansson's exponent.
 */
static void expected(double v, char *prom, char *json)
{
	char *e, *o;

	if (v == trunc(v) && fabs(v) < 1e15)
		snprintf(prom, 40, "%.0f", v);
	else
		snprintf(prom, 40, "%.*g", min_precision(v), v);
	e = strchr(prom, 'e');
	if (!e) {
		snprintf(json, 40, "%s%s", prom, strchr(prom, '.') ? "" : ".0");
		return;
	}
	memcpy(json, prom, (size_t)(e - prom) + 1);
	o = json + (e - prom) + 1;
	e++;
	if (*e == '-')
		*o++ = *e;
	if (*e == '-' || *e == '+')
		e++;
	while (*e == '0' && e[1])
		e++;
	strcpy(o, e);
}

static void test_random(void **state)
{
	struct rng r = { 0x2545f4914f6cdd1dULL };
	char prom[40], json[40], got[32];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		uint64_t bits = rng_next(&r);
		double v;

		memcpy(&v, &bits, sizeof(v));
		switch (i % 4) {
		case 0:		/* sums of nanoseconds in seconds */
			v = (double)(rng_next(&r) >> (4 + rng_next(&r) % 60)) * 1e-9;
			break;
		case 1:		/* plain magnitudes, both signs */
			v = (rng_unit(&r) - 0.5) * pow(10, (int)(rng_next(&r) % 40) - 20);
			break;
		case 2:		/* whole numbers around the integer rule's edge */
			v = floor(rng_unit(&r) * pow(10, (int)(rng_next(&r) % 20)));
			break;
		}
		if (!isfinite(v))
			continue;
		expected(v, prom, json);
		tt_prom_fmt_double(got, v);
		if (strcmp(got, prom))
			fail_msg("prom %.17g: \"%s\", want \"%s\"", v, got, prom);
		tt_json_real_str(got, sizeof(got), v);
		if (strcmp(got, json))
			fail_msg("json %.17g: \"%s\", want \"%s\"", v, got, json);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
