// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the SVG flame graph renderer (user/flamegraph.c): normal
 * and differential graphs of small fixed inputs against golden files, and
 * the properties the goldens must have whatever they say: frame geometry
 * follows the values, narrow frames are elided and counted, labels fit,
 * all text is XML-escaped (invalid UTF-8 and control characters replaced),
 * colours are deterministic (warm for user frames, green for kernel ones)
 * and differential fills are red for growth and blue for shrinkage with
 * intensity by magnitude.  That the SVG parses as XML is checked by
 * xmllint in tests/live/test_flamegraph.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include "flamegraph.h"
#include "session.h"
#include "tt_golden.h"

struct graph {
	struct tt_folded *cur, *base;
	struct tt_fold_node *root;
};

static struct tt_folded *parse(const char *text)
{
	struct tt_folded *f = tt_folded__new();
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	struct tt_error err = { 0 };

	assert_non_null(f);
	assert_non_null(in);
	if (tt_folded_read(f, in, "test", &err))
		fail_msg("%s", err.msg);
	fclose(in);
	tt_folded_sort(f);
	return f;
}

static void graph_init(struct graph *g, const char *cur, const char *base,
		       long double *missing)
{
	g->cur = parse(cur);
	g->root = tt_fold_tree__new(g->cur);
	assert_non_null(g->root);
	g->base = base ? parse(base) : NULL;
	if (base)
		*missing = tt_fold_tree_add_base(g->root, g->base);
}

static void graph_release(struct graph *g)
{
	tt_fold_tree__free(g->root);
	tt_folded__free(g->cur);
	tt_folded__free(g->base);
}

static char *svg_of(const struct tt_fold_node *root, const struct tt_flame_opts *o)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	assert_int_equal(tt_flamegraph_svg(root, o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(data), len);
	return data;
}

/* The <g> line of the frame named `name` (its data-n, escaped), or NULL. */
static char *frame_line(const char *svg, const char *name)
{
	char key[256];
	const char *p, *e;

	snprintf(key, sizeof(key), "data-n=\"%s\">", name);
	p = strstr(svg, key);
	if (!p)
		return NULL;
	while (p > svg && p[-1] != '\n')
		p--;
	e = strchr(p, '\n');
	return strndup(p, (size_t)(e - p));
}

/* Numeric attribute `attr` of the first element in `line` that has it. */
static double attr_num(const char *line, const char *attr)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", attr);
	p = strstr(line, key);
	if (!p)
		fail_msg("no %s in %s", attr, line);
	return strtod(p + strlen(key), NULL);
}

static void fill_of(const char *line, unsigned int rgb[3])
{
	const char *p = strstr(line, "fill=\"rgb(");

	assert_non_null(p);
	assert_int_equal(sscanf(p, "fill=\"rgb(%u,%u,%u)\"", &rgb[0], &rgb[1], &rgb[2]), 3);
}

static const char sample[] =
	"nginx;main;ngx_process_events;epoll_wait;do_epoll_wait_[k] 7\n"
	"nginx;main;ngx_http_handler;ngx_http_send 30\n"
	"nginx;main;ngx_http_handler 12\n"
	"nginx;main;ngx_http_send;write;ksys_write_[k] 5\n"
	"sh;[unknown] 3\n"
	"x;<tag> & \"quoted\" 'it' 2\n"
	"x;a_very_long_function_name_that_does_not_fit_in_its_frame_at_all 2\n"
	"tiny;frame 1\n";

/* ---- golden files ------------------------------------------------------ */

static void test_svg_golden(void **state)
{
	struct tt_flame_opts o = { .title = "Golden", .width = 800, .min_width = 0.1 };
	struct graph g;
	char *svg;

	(void)state;
	graph_init(&g, sample, NULL, NULL);
	svg = svg_of(g.root, &o);
	tt_check_golden("flame.svg", svg);
	free(svg);
	graph_release(&g);
}

static const char diff_new[] = "m;grow 60\nm;shrink 20\nm;same 20\nm;fresh 0\n";
static const char diff_base[] = "m;grow 20\nm;shrink 60\nm;same 20\nm;gone 50\n";

static void test_svg_diff_golden(void **state)
{
	struct tt_flame_opts o = { .width = 600, .min_width = 0.1, .diff = true,
				   .unit = "us", .subtitle = "after vs before" };
	struct graph g;
	char *svg;

	(void)state;
	graph_init(&g, diff_new, diff_base, &o.base_missing);
	assert_true(o.base_missing == 50);
	svg = svg_of(g.root, &o);
	tt_check_golden("flame_diff.svg", svg);
	free(svg);
	graph_release(&g);
}

/* ---- geometry, elision, labels ----------------------------------------- */

static void test_svg_geometry(void **state)
{
	struct tt_flame_opts o = { .width = 1020, .min_width = 0.1 };	/* 1000 px for 62 */
	struct graph g;
	char *svg, *all, *send, *handler, *main_;
	double px = 1000.0 / 62;

	(void)state;
	graph_init(&g, sample, NULL, NULL);
	svg = svg_of(g.root, &o);
	all = frame_line(svg, "all");
	main_ = frame_line(svg, "main");
	handler = frame_line(svg, "ngx_http_handler");
	send = frame_line(svg, "ngx_http_send");	/* the first of two: under the handler */
	assert_non_null(all);
	assert_non_null(main_);
	assert_non_null(handler);
	assert_non_null(send);
	assert_true(attr_num(all, "data-v") == 62);
	assert_float_equal(attr_num(all, "width"), 1000, 0.01);
	assert_float_equal(attr_num(main_, "width"), 54 * px, 0.01);
	assert_float_equal(attr_num(handler, "width"), 42 * px, 0.01);
	assert_float_equal(attr_num(send, "width"), 30 * px, 0.01);
	/* children start where the parent starts, one row (16 px) higher */
	assert_float_equal(attr_num(send, "x"), attr_num(handler, "x"), 0.001);
	assert_float_equal(attr_num(handler, "y") - attr_num(send, "y"), 16, 0.001);
	assert_float_equal(attr_num(all, "y") - attr_num(main_, "y"), 32, 0.001);
	/* siblings by name: ngx_http_handler, ngx_http_send, ngx_process_events */
	assert_float_equal(attr_num(handler, "x"), 10, 0.001);
	assert_non_null(strstr(svg, "<title>ngx_http_handler (42 samples, 67.74%)</title>"));
	free(all);
	free(main_);
	free(handler);
	free(send);
	free(svg);
	graph_release(&g);
}

/* Fractional values: widths, shares and data attributes are exact. */
static void test_svg_fractions(void **state)
{
	struct tt_flame_opts o = { .width = 1020 };	/* 1000 px */
	struct graph g;
	char *svg, *b, *c, *all;

	(void)state;
	graph_init(&g, "a;b 0.156\na;c 0.25\na;c 0.594\n", NULL, NULL);
	svg = svg_of(g.root, &o);
	all = frame_line(svg, "all");
	b = frame_line(svg, "b");
	c = frame_line(svg, "c");
	assert_non_null(all);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(attr_num(all, "data-v") == 1);
	assert_non_null(strstr(b, "data-s=\"0\" data-v=\"0.156\""));
	assert_non_null(strstr(c, "data-s=\"0.156\" data-v=\"0.844\""));
	assert_float_equal(attr_num(b, "width"), 156, 0.005);
	assert_float_equal(attr_num(c, "width"), 844, 0.005);
	assert_float_equal(attr_num(c, "x"), 10 + 156, 0.005);
	assert_non_null(strstr(b, "<title>b (0.156 samples, 15.60%)</title>"));
	assert_non_null(strstr(svg, "data-total=\"1\""));
	free(all);
	free(b);
	free(c);
	free(svg);
	graph_release(&g);

	/* differential with fractions: identical profiles show no change */
	o.diff = true;
	graph_init(&g, "a;b 0.156\na;c 0.844\n", "a;b 0.156\na;c 0.844\n", &o.base_missing);
	svg = svg_of(g.root, &o);
	b = frame_line(svg, "b");
	assert_non_null(b);
	assert_non_null(strstr(b, "; base 0.156 samples, 15.60%; change +0.00 points)"));
	assert_true(o.base_missing == 0);
	free(b);
	free(svg);
	graph_release(&g);
}

static void test_svg_elided(void **state)
{
	/* 200 px wide: 180 px for 1000 samples, 0.18 px per sample */
	static const char text[] = "big;a 995\nsmall;b;c 1\nsmall2 4\n";
	struct tt_flame_opts o = { .width = 200, .min_width = 0.5 };
	struct graph g;
	char *svg;

	(void)state;
	graph_init(&g, text, NULL, NULL);
	svg = svg_of(g.root, &o);
	/* small (0.18 px) and its two descendants are elided; small2 (0.72 px) is drawn */
	assert_null(strstr(svg, "data-n=\"small\""));
	assert_null(strstr(svg, "data-n=\"c\""));
	assert_non_null(strstr(svg, "data-n=\"small2\""));
	assert_non_null(strstr(svg, ">1000 samples; 3 frames narrower than 0.50 px not drawn<"));
	free(svg);
	o.min_width = 0;
	svg = svg_of(g.root, &o);
	assert_non_null(strstr(svg, "data-n=\"c\""));
	assert_non_null(strstr(svg, "; 0 frames narrower than 0.00 px not drawn<"));
	free(svg);
	graph_release(&g);
}

static void test_svg_labels(void **state)
{
	struct tt_flame_opts o = { .width = 1200 };
	struct graph g;
	char *svg, *line;

	(void)state;
	graph_init(&g, sample, NULL, NULL);
	svg = svg_of(g.root, &o);
	/* 2/62 of 1180 px = 38 px: (38 - 6) / 7.08 = 4 characters, "a_" + ".." */
	line = frame_line(svg, "a_very_long_function_name_that_does_not_fit_in_its_frame_at_all");
	assert_non_null(line);
	assert_non_null(strstr(line, ">a_..</text>"));
	free(line);
	line = frame_line(svg, "all");
	assert_non_null(strstr(line, ">all</text>"));
	free(line);
	line = frame_line(svg, "frame");	/* 19 px: too narrow for 3 characters */
	assert_non_null(strstr(line, "\"></text>"));
	free(line);
	free(svg);
	graph_release(&g);
}

/* ---- escaping ---------------------------------------------------------- */

static void test_svg_escaping(void **state)
{
	static const char text[] = "a<b>&\"c'\t;caf\xc3\xa9 3\nbad\xff\xc3(utf8;\x01\x7f 2\n";
	struct tt_flame_opts o = { .title = "<T> & \"u\"", .subtitle = "s<", .unit = "a&b" };
	struct graph g;
	char *svg;
	const char *p;

	(void)state;
	graph_init(&g, text, NULL, NULL);
	svg = svg_of(g.root, &o);
	assert_non_null(strstr(svg, "data-n=\"a&lt;b&gt;&amp;&quot;c&apos;&#9;\""));
	assert_non_null(strstr(svg, "data-n=\"caf\xc3\xa9\""));	/* UTF-8 kept */
	assert_non_null(strstr(svg, "data-n=\"bad?" "?(utf8\""));	/* invalid bytes replaced */
	assert_non_null(strstr(svg, "data-n=\"??\""));		/* control characters too */
	assert_non_null(strstr(svg, ">&lt;T&gt; &amp; &quot;u&quot;</text>"));
	assert_non_null(strstr(svg, ">s&lt;</text>"));
	assert_non_null(strstr(svg, " a&amp;b, "));
	/* no raw '<' or '&' outside markup and entities in any frame line */
	for (p = strstr(svg, "<g id=\"frames\">"); p && *p; p++) {
		if (*p == '&')
			assert_true(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) ||
				    !strncmp(p, "&gt;", 4) || !strncmp(p, "&quot;", 6) ||
				    !strncmp(p, "&apos;", 6) || !strncmp(p, "&#", 2) ||
				    !strncmp(p, "&& ", 3) || !strncmp(p, "&$", 2));
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
		if (!strncmp(p, "<script", 7))
			break;
	}
	free(svg);
	graph_release(&g);
}

/* ---- colours ----------------------------------------------------------- */

static void test_colors(void **state)
{
	static const char *const user[] = { "main", "ngx_http_handler", "epoll_wait", "x" };
	static const char *const kernel[] = { "do_epoll_wait_[k]", "ksys_write_[k]", "x_[k]" };
	uint8_t a[3], b[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(user) / sizeof(user[0]); i++) {
		tt_flame_color(user[i], a);
		tt_flame_color(user[i], b);
		assert_memory_equal(a, b, 3);			/* deterministic */
		assert_true(a[0] >= 205 && a[2] <= 55);		/* warm: red high, blue low */
		assert_true(a[0] > a[2] && a[0] >= a[1]);
	}
	for (i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++) {
		tt_flame_color(kernel[i], a);
		assert_true(a[1] >= 170 && a[1] > a[0] && a[1] > a[2]);	/* green */
	}
	tt_flame_color("[unknown]", a);
	assert_true(a[0] == a[1] && a[1] == a[2]);
	tt_flame_color("main", a);
	tt_flame_color("mainx", b);
	assert_memory_not_equal(a, b, 3);
}

static void test_diff_color_scale(void **state)
{
	uint8_t c[3], d[3];

	(void)state;
	tt_flame_diff_color(0, 0.4, c);
	assert_true(c[0] == 255 && c[1] == 255 && c[2] == 255);	/* unchanged: white */
	tt_flame_diff_color(0.4, 0.4, c);
	assert_true(c[0] == 255 && c[1] == 40 && c[2] == 40);		/* largest growth */
	tt_flame_diff_color(-0.4, 0.4, c);
	assert_true(c[0] == 40 && c[1] == 40 && c[2] == 255);		/* largest shrinkage */
	tt_flame_diff_color(0.1, 0.4, d);
	assert_true(d[0] == 255 && d[1] > 40 && d[1] < 255 && d[1] == d[2]);
	tt_flame_diff_color(0.2, 0.4, c);
	assert_true(c[1] < d[1]);					/* more change, deeper red */
	tt_flame_diff_color(0.3, 0, c);
	assert_true(c[1] == 255 && c[2] == 255);			/* no change anywhere */
}

static void test_svg_diff_fills(void **state)
{
	struct tt_flame_opts o = { .width = 600, .diff = true, .unit = "us" };
	struct graph g;
	unsigned int grow[3], shrink[3], same[3], m[3], all[3];
	char *svg, *line;

	(void)state;
	graph_init(&g, diff_new, diff_base, &o.base_missing);
	svg = svg_of(g.root, &o);
	/* shares new/base: grow 0.6/0.133, shrink 0.2/0.4, same 0.2/0.133, m 1/1 (gone is under m) */
	line = frame_line(svg, "grow");
	fill_of(line, grow);
	assert_non_null(strstr(line, "<title>grow (60 us, 60.00%; base 20 us, 13.33%; change "
				     "+46.67 points)</title>"));
	free(line);
	line = frame_line(svg, "shrink");
	fill_of(line, shrink);
	free(line);
	line = frame_line(svg, "same");
	fill_of(line, same);
	free(line);
	line = frame_line(svg, "m");
	fill_of(line, m);
	free(line);
	line = frame_line(svg, "all");
	fill_of(line, all);
	free(line);
	/* grow has the largest change: full red */
	assert_true(grow[0] == 255 && grow[1] == 40 && grow[2] == 40);
	/* shrink: blue, 20 points of 46.67: 255 - 215 * 0.4286 = 163 */
	assert_true(shrink[2] == 255 && shrink[0] == 163 && shrink[1] == 163);
	/* same value, but a larger share of the smaller (normalised) new total: light red */
	assert_true(same[0] == 255 && same[1] == 224 && same[2] == 224);
	assert_true(m[0] == 255 && m[1] == 255 && m[2] == 255);
	assert_true(all[0] == 255 && all[1] == 255 && all[2] == 255);
	assert_null(strstr(svg, "data-n=\"gone\""));	/* base-only frames are not drawn */
	assert_null(strstr(svg, "data-n=\"fresh\""));	/* value 0 */
	assert_non_null(strstr(svg, "; 50 us only in base;"));
	free(svg);
	graph_release(&g);
}

/* ---- errors ------------------------------------------------------------ */

static void test_svg_errors(void **state)
{
	struct tt_flame_opts o = { 0 };
	struct graph g;
	FILE *f;

	(void)state;
	graph_init(&g, "a;b 0\n", NULL, NULL);
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(tt_flamegraph_svg(g.root, &o, f), -EINVAL);	/* nothing to draw */
	fclose(f);
	graph_release(&g);

	graph_init(&g, sample, NULL, NULL);
	f = fopen("/dev/full", "r+");	/* r+: never creates it */
	if (f) {
		assert_int_equal(tt_flamegraph_svg(g.root, &o, f), -EIO);
		fclose(f);
	}
	graph_release(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_golden),
		cmocka_unit_test(test_svg_diff_golden),
		cmocka_unit_test(test_svg_geometry),
		cmocka_unit_test(test_svg_fractions),
		cmocka_unit_test(test_svg_elided),
		cmocka_unit_test(test_svg_labels),
		cmocka_unit_test(test_svg_escaping),
		cmocka_unit_test(test_colors),
		cmocka_unit_test(test_diff_color_scale),
		cmocka_unit_test(test_svg_diff_fills),
		cmocka_unit_test(test_svg_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
