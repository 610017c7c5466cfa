// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for terminal-safe text (user/escape.h) and its use by the text
 * renderer: control bytes and DEL escaped, backslash doubled, valid UTF-8
 * kept except the code points a terminal acts on, invalid UTF-8 escaped per
 * byte, truncation at escape boundaries; a report whose comm carries a
 * newline and an OSC sequence renders one row and no control byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "escape.h"
#include "report.h"

#define EVIL_COMM "a\nb\x1b]0;pwn\x07"
#define EVIL_ESCAPED "a\\nb\\x1b]0;pwn\\x07"

static void check(const char *in, const char *want)
{
	char buf[256];
	char *dup;

	assert_int_equal(tt_escape(buf, sizeof(buf), in), strlen(want));
	assert_string_equal(buf, want);
	dup = tt_escape_dup(in);
	assert_non_null(dup);
	assert_string_equal(dup, want);
	free(dup);
}

static void test_escape_rule(void **state)
{
	(void)state;
	check("", "");
	check(NULL, "");
	check("nginx", "nginx");
	check(EVIL_COMM, EVIL_ESCAPED);
	check("a\\b", "a\\\\b");
	check("\t\r\n", "\\t\\r\\n");
	check("\x01\x1f\x7f", "\\x01\\x1f\\x7f");
	/* valid UTF-8 is kept: é, €, U+1F600 */
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 CSI (U+009B), bidi override U+202E, line separator U+2028 */
	check("x\xc2\x9by", "x\\xc2\\x9by");
	check("\xe2\x80\xae", "\\xe2\\x80\\xae");
	check("\xe2\x80\xa8", "\\xe2\\x80\\xa8");
	/* invalid: lone continuation, overlong '/', surrogate, truncated sequence, 0xff */
	check("\x80", "\\x80");
	check("\xc0\xaf", "\\xc0\\xaf");
	check("\xed\xa0\x80", "\\xed\\xa0\\x80");
	check("\xe2\x82", "\\xe2\\x82");
	check("\xe2\x82z", "\\xe2\\x82z");
	check("\xff", "\\xff");
}

static void test_escape_truncates_whole(void **state)
{
	char buf[6];

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	/* "ab\x1b" needs "ab\\x1b" (6 bytes): the escape does not fit whole */
	assert_int_equal(tt_escape(buf, sizeof(buf), "ab\x1b" "c"), 7);
	assert_string_equal(buf, "ab");
	assert_int_equal(tt_escape(buf, 3, "abcdef"), 6);
	assert_string_equal(buf, "ab");
	assert_int_equal(tt_escape(NULL, 0, "\n"), 2);
}

static void test_fputs_escaped_long(void **state)
{
	char in[1001], *data = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(in, '\x1b', 1000);
	in[1000] = '\0';
	f = open_memstream(&data, &len);
	assert_non_null(f);
	assert_int_equal(tt_fputs_escaped(in, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(len, 4000);
	assert_null(memchr(data, '\x1b', len));
	free(data);
}

static void test_error_message_escaped(void **state)
{
	struct tt_error err;

	(void)state;
	tt_error_set(&err, -EINVAL, true, "cannot read '%s'", "x\n\x1b[2J");
	assert_string_equal(err.msg, "cannot read 'x\\n\\x1b[2J'");
}

/* Count bytes < 0x20 other than '\n', and DEL */
static size_t control_bytes(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
			c++;
	return c;
}

static size_t count_lines_with(const char *s, const char *needle)
{
	size_t c = 0;
	const char *p = s;

	while ((p = strstr(p, needle))) {
		c++;
		p += strlen(needle);
	}
	return c;
}

/* A comm with a newline and an OSC title sequence is one row, no raw byte. */
static void test_text_report_evil_comm(void **state)
{
	static const char *const lab[] = { "comm", "syscall" };
	struct timespec t = { 0, 0 };
	struct tt_report *r = tt_report__new();
	struct tt_family *f;
	struct tt_series *s;
	struct tt_profile *p;
	struct tt_event *e;
	char *data = NULL;
	size_t len = 0, nl = 0, i;
	FILE *out;

	(void)state;
	assert_non_null(r);
	snprintf(r->host, sizeof(r->host), "h\x1b[31m");
	snprintf(r->kernel, sizeof(r->kernel), "6.0");
	assert_int_equal(tt_report_add_tracer(r, "syscalls", "tp_btf"), 0);
	assert_int_equal(tt_report_add_filter(r, "comm", EVIL_COMM), 0);
	f = tt_report_add_family(r, "tracetool_syscalls_total", "Calls.", "", TT_METRIC_COUNTER, 2,
				 lab);
	assert_non_null(f);
	s = tt_family_add_series(f, (const char *const[]){ EVIL_COMM, "getpid" });
	assert_non_null(s);
	s->value = 7;
	s = tt_family_add_series(f, (const char *const[]){ "plain", "getpid" });
	assert_non_null(s);
	s->value = 3;
	e = tt_report_add_event(r, "exec", &t);
	assert_non_null(e);
	assert_int_equal(tt_event_add_str(e, "comm", EVIL_COMM), 0);
	p = tt_report_add_profile(r, "cpu", "samples");
	assert_non_null(p);
	assert_int_equal(tt_profile_add_stack(p, 2, (const char *const[]){ "main", EVIL_COMM }, 5),
			 0);

	out = open_memstream(&data, &len);
	assert_non_null(out);
	assert_int_equal(tt_render_text(r, NULL, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(control_bytes(data, len), 0);
	/* header, filter, row, event and stack: each shows the comm escaped once */
	assert_int_equal(count_lines_with(data, EVIL_ESCAPED), 4);
	assert_non_null(strstr(data, "on h\\x1b[31m (kernel"));
	assert_non_null(strstr(data, "filters: comm=" EVIL_ESCAPED "\n"));
	/* the table: title, header, 2 rows; the evil row ends with its value */
	assert_non_null(strstr(data, "\n  " EVIL_ESCAPED "  getpid       7\n"));
	for (i = 0; i < len; i++)
		nl += data[i] == '\n';
	/* header, filters, table (blank, title, head, 2 rows), events (blank, title, 1),
	 * profile (blank, title, 1 stack) */
	assert_int_equal(nl, 2 + 5 + 3 + 3);
	free(data);
	tt_report__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_rule),
		cmocka_unit_test(test_escape_truncates_whole),
		cmocka_unit_test(test_fputs_escaped_long),
		cmocka_unit_test(test_error_message_escaped),
		cmocka_unit_test(test_text_report_evil_comm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
