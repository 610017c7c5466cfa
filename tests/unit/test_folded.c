// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for folded stacks: the `-f folded` renderer
 * (user/render/folded.c) against a golden file and its rules asserted one
 * by one (sanitizing, sorting, merging, first profile only, empty output,
 * write errors); the parser (user/fold.c: CRLF, blank lines, spaces in
 * frames, malformed lines reported as FILE:LINE); the stack tree and its
 * differential base values; and the round trip report model -> folded
 * text -> parser, which must give back the same stacks and values.
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
#include "session.h"
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
	text = render_folded(r);
	assert_string_equal(text, "[unknown] 6\n");
	free(text);
	tt_report__free(r);

	/* the largest value alone is written; a total past 2^64 is refused, as the parser would */
	r = new_report();
	p = tt_report_add_profile(r, "cpu", "samples");
	assert_non_null(p);
	STACK(p, 18446744073709551615ULL, "big");
	text = render_folded(r);
	assert_string_equal(text, "big 18446744073709551615\n");
	free(text);
	add_stack(p, 0, NULL, 6);
	{
		FILE *f = fopen("/dev/null", "w");

		assert_non_null(f);
		assert_int_equal(tt_render(r, NULL, "folded", f), -EOVERFLOW);
		fclose(f);
	}
	tt_report__free(r);
}

static void test_folded_write_error(void **state)
{
	struct tt_report *r = build_report();
	FILE *f = fopen("/dev/full", "r+");	/* r+: never creates it */

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

/* ---- the parser -------------------------------------------------------- */

static void test_parse_line_ok(void **state)
{
	static const struct {
		const char *in, *stack;
		long double value;
	} cases[] = {
		{ "a;b 12", "a;b", 12 },
		{ "a;b 12\r\n", "a;b", 12 },
		{ "a;b 12 \t ", "a;b", 12 },
		{ "a;b\t9", "a;b", 9 },
		{ "frame with spaces;x y 7", "frame with spaces;x y", 7 },
		{ "nginx 2;main 1", "nginx 2;main", 1 },
		{ "std::map<int, int>::find(int const&) 3", "std::map<int, int>::find(int const&)", 3 },
		{ "trailing  5", "trailing ", 5 },	/* only the last blank separates */
		{ "zero 0", "zero", 0 },
		{ "max 18446744073709551615", "max", 18446744073709551615.0L },
		{ "x;;y 1", "x;;y", 1 },
		/* fractions, as flamegraph.pl and other producers write them */
		{ "a;b 0.156", "a;b", 0.156L },
		{ "a;b 1.5", "a;b", 1.5L },
		{ "a;b 3.", "a;b", 3 },
		{ "a;b .25", "a;b", 0.25L },
		{ "a;b 007.50", "a;b", 7.5L },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *line = strdup(cases[i].in), *stack = NULL;
		const char *why = NULL;
		long double v = 0;

		assert_non_null(line);
		assert_int_equal(tt_fold_parse_line(line, &stack, &v, &why), 0);
		assert_string_equal(stack, cases[i].stack);
		assert_true(v == cases[i].value);
		free(line);
	}
}

static void test_parse_line_blank_and_bad(void **state)
{
	static const char *const blank[] = { "", "\n", "\r\n", "   \t \r\n" };
	static const char *const bad[] = {
		"a;b", "a;b\r\n", "5", " 5", "a;b x", "a;b -3", "a;b 12x",
		"a;b 18446744073709551616", "a;b 99999999999999999999999",
		"a;b .", "a;b 1.2.3", "a;b 1e3", "a;b 0x10", "a;b inf", "a;b nan", "a;b +1",
		"a;b 1,5", "a;b 18446744073709551615.5",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		char *line = strdup(blank[i]), *stack;
		const char *why;
		long double v;

		assert_int_equal(tt_fold_parse_line(line, &stack, &v, &why), 1);
		free(line);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *line = strdup(bad[i]), *stack;
		const char *why = NULL;
		long double v;

		if (tt_fold_parse_line(line, &stack, &v, &why) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(why);
		free(line);
	}
}

/* Parse `text` as a file named `name`; returns tt_folded_read's result. */
static int parse_text(struct tt_folded *f, const char *text, const char *name,
		      struct tt_error *err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(in);
	memset(err, 0, sizeof(*err));
	ret = tt_folded_read(f, in, name, err);
	fclose(in);
	return ret;
}

static void test_read_merge_sort(void **state)
{
	static const char text[] =
		"b;y 2\r\n"
		"\r\n"
		"a b;z 1\r\n"
		"a;x 5\r\n"
		"   \n"
		"b;y 3\n"
		"a 4\n"
		"a;x 1";		/* no final newline */
	struct tt_folded *f = tt_folded__new();
	struct tt_error err;

	(void)state;
	assert_non_null(f);
	assert_int_equal(parse_text(f, text, "t.folded", &err), 0);
	assert_int_equal(f->lines, 6);
	assert_true(f->total == 16);
	tt_folded_sort(f);
	assert_int_equal(f->nstacks, 4);
	assert_string_equal(f->stacks[0].text, "a");
	assert_true(f->stacks[0].value == 4);
	assert_string_equal(f->stacks[1].text, "a;x");
	assert_true(f->stacks[1].value == 6);
	assert_string_equal(f->stacks[2].text, "a b;z");
	assert_string_equal(f->stacks[3].text, "b;y");
	assert_true(f->stacks[3].value == 5);
	assert_true(f->total == 16);
	tt_folded__free(f);
}

static void test_read_malformed(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "a 1\n\nb;c\n", "in.folded:3: no value" },
		{ "a 1\r\nb;c 2,5\r\n", "in.folded:2: the value after the last space is not a number" },
		{ " 7\n", "in.folded:1: no frames before the value" },
		{ "a 18446744073709551615\nb 1\n", "in.folded:2: the values add up past 2^64" },
	};
	struct tt_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_folded *f = tt_folded__new();

		assert_non_null(f);
		assert_true(parse_text(f, cases[i].text, "in.folded", &err) < 0);
		assert_true(err.usage);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("message '%s', want '%s...'", err.msg, cases[i].msg);
		tt_folded__free(f);
	}
}

/* As deep as the parser allows is drawn; one frame more is an error. */
static void test_read_depth_limit(void **state)
{
	size_t n = TT_FOLD_MAX_DEPTH, len = 2 * n + 8, i;
	char *line = malloc(len), *stack;
	const char *why = NULL;
	long double v;

	(void)state;
	assert_non_null(line);
	for (i = 0; i < n; i++) {
		line[2 * i] = 'f';
		line[2 * i + 1] = ';';
	}
	strcpy(line + 2 * n - 1, " 3");
	assert_int_equal(tt_fold_parse_line(line, &stack, &v, &why), 0);
	for (i = 0; i < n; i++) {
		line[2 * i] = 'f';
		line[2 * i + 1] = ';';
	}
	strcpy(line + 2 * n, "g 3");
	assert_int_equal(tt_fold_parse_line(line, &stack, &v, &why), -EINVAL);
	assert_non_null(strstr(why, "16384 frames"));
	free(line);
}

static void test_read_nul_byte(void **state)
{
	static const char text[] = "a 1\nb\0c 2\n";
	struct tt_folded *f = tt_folded__new();
	struct tt_error err = { 0 };
	FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_non_null(in);
	assert_int_equal(tt_folded_read(f, in, "nul.folded", &err), -EINVAL);
	assert_string_equal(err.msg, "nul.folded:2: NUL byte in a folded line");
	fclose(in);
	tt_folded__free(f);
}

/* ---- the tree ---------------------------------------------------------- */

static struct tt_folded *folded_of(const char *text)
{
	struct tt_folded *f = tt_folded__new();
	struct tt_error err;

	assert_non_null(f);
	if (parse_text(f, text, "t", &err))
		fail_msg("%s", err.msg);
	tt_folded_sort(f);
	return f;
}

static void test_tree(void **state)
{
	struct tt_folded *f = folded_of("m;b;c 3\nm;a 2\nm 1\nm;b 4\nk;z_[k] 5\nm;zero 0\n");
	struct tt_fold_node *root = tt_fold_tree__new(f), *m, *b;

	(void)state;
	assert_non_null(root);
	assert_string_equal(root->name, "all");
	assert_true(root->value == 15);
	assert_int_equal(root->nchildren, 2);
	assert_string_equal(root->children[0]->name, "k");	/* siblings by name */
	m = root->children[1];
	assert_string_equal(m->name, "m");
	assert_true(m->value == 10 && m->self == 1);
	assert_int_equal(m->nchildren, 2);			/* value-0 stack: no node */
	assert_string_equal(m->children[0]->name, "a");
	b = tt_fold_node_child(m, "b");
	assert_non_null(b);
	assert_true(b->value == 7 && b->self == 4);
	assert_true(tt_fold_node_child(b, "c")->value == 3);
	assert_null(tt_fold_node_child(m, "zero"));
	assert_null(tt_fold_node_child(b, "nope"));
	tt_fold_tree__free(root);
	tt_folded__free(f);
}

/*
 * Frames of any length match: a 4096-byte frame, one a byte longer and one
 * that shares the first 4095 bytes but differs after them.
 */
static void test_tree_base_long_frames(void **state)
{
	static const size_t lens[] = { 4095, 4096, 4097, 70000 };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		char *text = malloc(2 * n + 64), *p = text;
		struct tt_folded *cur, *base;
		struct tt_fold_node *root, *m;

		assert_non_null(text);
		/* m;<n x 'a'> 3 and m;<n-1 x 'a'>b 5: frames alike up to their last byte */
		p += sprintf(p, "m;");
		for (k = 0; k < n; k++)
			*p++ = 'a';
		p += sprintf(p, " 3\nm;");
		for (k = 0; k + 1 < n; k++)
			*p++ = 'a';
		sprintf(p, "b 5\n");
		cur = folded_of(text);
		base = folded_of(text);
		root = tt_fold_tree__new(cur);
		assert_non_null(root);
		assert_true(tt_fold_tree_add_base(root, base) == 0);
		m = tt_fold_node_child(root, "m");
		assert_non_null(m);
		assert_int_equal(m->nchildren, 2);
		for (k = 0; k < 2; k++)
			assert_true(m->children[k]->base == m->children[k]->value);
		tt_fold_tree__free(root);
		tt_folded__free(cur);
		tt_folded__free(base);
		free(text);
	}
}

static void test_tree_base(void **state)
{
	struct tt_folded *cur = folded_of("m;a 6\nm;b 2\n");
	struct tt_folded *base = folded_of("m;a 2\nm;b 6\nm;gone 4\nother;x 3\n");
	struct tt_fold_node *root = tt_fold_tree__new(cur), *m;

	(void)state;
	assert_non_null(root);
	assert_true(tt_fold_tree_add_base(root, base) == 7);	/* m;gone + other;x */
	assert_true(root->base == 15);
	m = tt_fold_node_child(root, "m");
	assert_true(m->base == 12);
	assert_true(tt_fold_node_child(m, "a")->base == 2);
	assert_true(tt_fold_node_child(m, "b")->base == 6);
	assert_null(tt_fold_node_child(root, "other"));	/* the shape is the new profile */
	tt_fold_tree__free(root);
	tt_folded__free(cur);
	tt_folded__free(base);
}

/* ---- round trip: report model -> folded text -> parser ----------------- */

struct expect {
	char *text;
	uint64_t value;
};

static int cmp_expect(const void *a, const void *b)
{
	return tt_fold_cmp(((const struct expect *)a)->text, ((const struct expect *)b)->text);
}

static void test_round_trip(void **state)
{
	struct tt_report *r = build_report();
	const struct tt_profile *p = r->profiles[0];
	struct expect *want = calloc(p->nstacks, sizeof(*want));
	char *text = render_folded(r);
	struct tt_folded *f = folded_of(text);
	size_t i, k, n = 0, m = 0;

	(void)state;
	assert_non_null(want);
	/* what the model says, sanitized and merged independently of the renderer */
	for (i = 0; i < p->nstacks; i++) {
		char buf[512], *e = buf;

		if (!p->stacks[i].value)
			continue;
		for (k = 0; k < p->stacks[i].nframes; k++) {
			if (k)
				*e++ = ';';
			assert_true(tt_fold_frame_len(p->stacks[i].frames[k]) < 100);
			e = tt_fold_sanitize(e, p->stacks[i].frames[k]);
		}
		want[n].text = strdup(buf);
		want[n++].value = p->stacks[i].value;
	}
	qsort(want, n, sizeof(*want), cmp_expect);
	for (i = 0; i < n; i++) {
		if (m && !strcmp(want[m - 1].text, want[i].text)) {
			want[m - 1].value += want[i].value;
			free(want[i].text);
		} else {
			want[m++] = want[i];
		}
	}
	assert_int_equal(f->nstacks, m);
	for (i = 0; i < m; i++) {
		assert_string_equal(f->stacks[i].text, want[i].text);
		assert_true(f->stacks[i].value == want[i].value);
		free(want[i].text);
	}
	free(want);
	tt_folded__free(f);
	free(text);
	tt_report__free(r);
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
		cmocka_unit_test(test_parse_line_ok),
		cmocka_unit_test(test_parse_line_blank_and_bad),
		cmocka_unit_test(test_read_merge_sort),
		cmocka_unit_test(test_read_malformed),
		cmocka_unit_test(test_read_depth_limit),
		cmocka_unit_test(test_read_nul_byte),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_base),
		cmocka_unit_test(test_tree_base_long_frames),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
