// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for folded stacks: the `-f folded` renderer
 * (user/render/folded.c) against a golden file and its rules asserted one
 * by one (sanitizing, sorting, merging, first profile only, empty output,
 * write errors).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fold.h"
#include "report.h"
#include "tt_golden.h"

/* ---- helpers ----------------------------------------------------------- */

static void add_stack(struct tt_profile *p, size_t n, const char *const *frames, uint64_t v)
{
	assert_int_equal(tt_profile_add_stack(p, n, frames, v), 0);
}

#define STACK(p, v, ...)                                                               \
	add_stack(p, sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), \
		  (const char *const[]){ __VA_ARGS__ }, v)

/* Render into memory; the renderer must succeed.  Caller frees. */
static char *render_folded(const struct tt_report *r)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	assert_int_equal(tt_render(r, NULL, "folded", f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(data);
	assert_int_equal(strlen(data), len);
	return data;
}

static struct tt_report *new_report(void)
{
	struct tt_report *r = tt_report__new();

	assert_non_null(r);
	return r;
}

/*
 * A cpu profile as the profile tracer fills it, in map-walk (random)
 * order: frames[0] the comm, then outermost first, kernel frames "_[k]",
 * "[unknown]" for what did not resolve, plus the awkward cases.
 */
static struct tt_report *build_report(void)
{
	struct tt_report *r = new_report();
	struct tt_profile *p = tt_report_add_profile(r, "cpu", "samples");

	assert_non_null(p);
	STACK(p, 7, "nginx", "main", "ngx_process_events", "epoll_wait",
	      "entry_SYSCALL_64_[k]", "do_epoll_wait_[k]");
	STACK(p, 30, "nginx", "main", "ngx_http_handler", "ngx_http_send");
	STACK(p, 3, "sh", "[unknown]");
	STACK(p, 12, "nginx", "main", "ngx_http_handler");
	STACK(p, 0, "nginx", "main", "never_sampled");		/* value 0: left out */
	STACK(p, 2, "nginx", "main", "std::map<int, int>::find(int const&)");
	STACK(p, 4, "we;ird", "a\nb", "tab\there", "");		/* sanitized */
	STACK(p, 1, "we_ird", "a_b", "tab_here", "[unknown]");	/* ... and merged with it */
	STACK(p, 5, "nginx", "main", "ngx_http_send", "write", "ksys_write_[k]");
	STACK(p, 1, "nginx 2", "main");				/* comm with a space */
	return r;
}

/* ---- the renderer ------------------------------------------------------ */

static void test_folded_golden(void **state)
{
	struct tt_report *r = build_report();
	char *text = render_folded(r);

	(void)state;
	tt_check_golden("profile.folded", text);
	free(text);
	tt_report__free(r);
}

static void test_folded_rules(void **state)
{
	struct tt_report *r = build_report();
	char *text = render_folded(r), *line, *save = NULL, *prev = NULL, *sp;
	unsigned int n = 0;
	uint64_t total = 0;

	(void)state;
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	/* every line "stack VALUE", no control character, sorted, unique */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *c;

		sp = strrchr(line, ' ');
		assert_non_null(sp);
		assert_true(sp[1] >= '1' && sp[1] <= '9');
		total += strtoull(sp + 1, NULL, 10);
		*sp = '\0';
		for (c = line; *c; c++)
			assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
		assert_null(strstr(line, ";;"));
		if (prev)
			assert_true(tt_fold_cmp(prev, line) < 0);
		prev = line;
		n++;
	}
	/* 10 stacks, one of value 0, two merged by sanitizing */
	assert_int_equal(n, 8);
	assert_int_equal(total, 7 + 30 + 3 + 12 + 2 + 4 + 1 + 5 + 1);
	free(text);
	tt_report__free(r);
}

static void test_folded_merge_line(void **state)
{
	struct tt_report *r = build_report();
	char *text = render_folded(r);

	(void)state;
	assert_non_null(strstr(text, "\nwe_ird;a_b;tab_here;[unknown] 5\n"));
	assert_null(strstr(text, "never_sampled"));
	free(text);
	tt_report__free(r);
}

/* Only the first profile: folded text has no room for a profile's name or unit. */
static void test_folded_first_profile_only(void **state)
{
	struct tt_report *r = new_report();
	struct tt_profile *cpu = tt_report_add_profile(r, "cpu", "samples");
	struct tt_profile *off = tt_report_add_profile(r, "offcpu", "microseconds");
	char *text;

	(void)state;
	assert_non_null(cpu);
	assert_non_null(off);
	STACK(cpu, 3, "a", "b");
	STACK(off, 1000, "a", "sleep");
	text = render_folded(r);
	assert_string_equal(text, "a;b 3\n");
	free(text);
	tt_report__free(r);
}

static void test_folded_empty(void **state)
{
	struct tt_report *r = new_report();
	char *text;

	(void)state;
	text = render_folded(r);		/* no profile at all */
	assert_string_equal(text, "");
	free(text);
	assert_non_null(tt_report_add_profile(r, "cpu", "samples"));
	text = render_folded(r);		/* a profile without samples */
	assert_string_equal(text, "");
	free(text);
	tt_report__free(r);
}

static void test_folded_no_frames(void **state)
{
	struct tt_report *r = new_report();
	struct tt_profile *p = tt_report_add_profile(r, "cpu", "samples");
	char *text;

	(void)state;
	assert_non_null(p);
	add_stack(p, 0, NULL, 6);
	STACK(p, 18446744073709551615ULL, "big");
	text = render_folded(r);
	assert_string_equal(text, "[unknown] 6\nbig 18446744073709551615\n");
	free(text);
	tt_report__free(r);
}

static void test_folded_write_error(void **state)
{
	struct tt_report *r = build_report();
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(tt_render(r, NULL, "folded", f), -EIO);
	fclose(f);
	tt_report__free(r);
}

static void test_fold_sanitize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "[unknown]" },
		{ "a;b", "a_b" },
		{ "x\r\n\t\x01\x1f\x7fy", "x______y" },
		{ "with space 12", "with space 12" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },	/* UTF-8 passes */
		{ "do_sys_open_[k]", "do_sys_open_[k]" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *end = tt_fold_sanitize(buf, cases[i].in);

		assert_string_equal(buf, cases[i].out);
		assert_int_equal(end - buf, strlen(cases[i].out));
		assert_int_equal(tt_fold_frame_len(cases[i].in), strlen(cases[i].out));
	}
}

static void test_fold_cmp(void **state)
{
	(void)state;
	assert_true(tt_fold_cmp("a;b", "a b") < 0);	/* frame "a" before frame "a b" */
	assert_true(tt_fold_cmp("a", "a;b") < 0);	/* a prefix stack first */
	assert_true(tt_fold_cmp("a;b", "a;c") < 0);
	assert_true(tt_fold_cmp("b", "a;z") > 0);
	assert_int_equal(tt_fold_cmp("a;b", "a;b"), 0);
	assert_true(tt_fold_cmp("a;\xc3", "a;b") > 0);	/* bytes compare unsigned */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_golden),
		cmocka_unit_test(test_folded_rules),
		cmocka_unit_test(test_folded_merge_line),
		cmocka_unit_test(test_folded_first_profile_only),
		cmocka_unit_test(test_folded_empty),
		cmocka_unit_test(test_folded_no_frames),
		cmocka_unit_test(test_folded_write_error),
		cmocka_unit_test(test_fold_sanitize),
		cmocka_unit_test(test_fold_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
