// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of user/compare_profile.c: per-function inclusive and self
 * shares of a profile (recursion counted once), the differential tree drawn
 * from both sides' stacks (a function only the base has is in it), and the
 * verdicts compare reaches on runs sampled from synthetic stacks with a
 * seeded generator: a function doubling its work is REGRESSED, its sibling
 * SAME in amount per run (and IMPROVED in share: shares are zero-sum).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compare_profile.h"
#include "compare_stats.h"
#include "flamegraph.h"
#include "tt_rng.h"

/* Add folded `stack` ("a;b;c") with `value` to p. */
static void add(struct tt_profile *p, const char *stack, uint64_t value)
{
	char *copy = strdup(stack), *save, *f;
	const char *frames[32];
	size_t n = 0;

	assert_non_null(copy);
	for (f = strtok_r(copy, ";", &save); f; f = strtok_r(NULL, ";", &save))
		frames[n++] = f;
	assert_int_equal(tt_profile_add_stack(p, n, frames, value), 0);
	free(copy);
}

static const struct tt_fn_share *find(const struct tt_fn_share *s, size_t n, const char *fn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].function, fn))
			return &s[i];
	return NULL;
}

static void test_shares(void **state)
{
	struct tt_report *r = tt_report__new();
	struct tt_profile *p = tt_report_add_profile(r, "cpu", "samples");
	struct tt_fn_share *s;
	size_t n;
	double total;

	(void)state;
	assert_non_null(p);
	add(p, "app;main;hot", 60);
	add(p, "app;main;cold", 30);
	add(p, "app;main;rec;rec;rec", 8);	/* recursion: rec counts once */
	add(p, "app;main", 2);
	assert_int_equal(tt_profile_shares(p, &s, &n, &total), 0);
	assert_float_equal(total, 100, 0);
	assert_int_equal(n, 5);
	/* heaviest first, ties by name */
	assert_string_equal(s[0].function, "app");
	assert_string_equal(s[1].function, "main");
	assert_string_equal(s[2].function, "hot");
	assert_float_equal(find(s, n, "app")->inclusive, 1.0, 1e-12);
	assert_float_equal(find(s, n, "app")->self, 0, 0);
	assert_float_equal(find(s, n, "main")->self, 0.02, 1e-12);
	assert_float_equal(find(s, n, "hot")->inclusive, 0.60, 1e-12);
	assert_float_equal(find(s, n, "hot")->self, 0.60, 1e-12);
	assert_float_equal(find(s, n, "rec")->inclusive, 0.08, 1e-12);
	assert_float_equal(find(s, n, "rec")->self, 0.08, 1e-12);
	free(s);

	/* an empty profile: no functions */
	p = tt_report_add_profile(r, "offcpu", "microseconds");
	assert_int_equal(tt_profile_shares(p, &s, &n, &total), 0);
	assert_int_equal(n, 0);
	assert_float_equal(total, 0, 0);
	free(s);
	tt_report__free(r);
}

/* The node at path "a;b;c" under root, or NULL. */
static const struct tt_fold_node *node_at(const struct tt_fold_node *root, const char *path)
{
	char *copy = strdup(path), *save, *f;
	const struct tt_fold_node *n = root;

	for (f = strtok_r(copy, ";", &save); f && n; f = strtok_r(NULL, ";", &save))
		n = tt_fold_node_child(n, f);
	free(copy);
	return n;
}

/*
 * Base: two runs of different lengths, the same split (gone 20 %); the
 * candidate no longer calls `gone`.  Each side is scaled to a million parts.
 */
static void test_diff_tree(void **state)
{
	struct tt_report *r = tt_report__new();
	struct tt_profile *b1 = tt_report_add_profile(r, "cpu", "samples");
	struct tt_profile *b2 = tt_report_add_profile(r, "cpu", "samples");
	struct tt_profile *c1 = tt_report_add_profile(r, "cpu", "samples");
	const struct tt_profile *base[3] = { b1, NULL, b2 }, *cand[1] = { c1 };
	const struct tt_fold_node *n;
	struct tt_fold_node *root;

	(void)state;
	add(b1, "app;main;work", 80);
	add(b1, "app;main;gone", 20);
	add(b2, "app;main;work", 400);
	add(b2, "app;main;gone", 100);
	add(c1, "app;main;work", 50);
	root = tt_profile_diff_tree(base, 3, cand, 1);
	assert_non_null(root);
	assert_true(root->base == TT_DIFF_SIDE_TOTAL);
	assert_true(root->value == 2 * TT_DIFF_SIDE_TOTAL);
	n = node_at(root, "app;main;gone");
	assert_non_null(n);		/* drawn from the base's stacks */
	assert_true(n->base == 200000 && n->value == 200000);	/* candidate part 0 */
	n = node_at(root, "app;main;work");
	assert_true(n->base == 800000 && n->value - n->base == 1000000);
	tt_fold_tree__free(root);

	/* a side without samples */
	errno = 0;
	assert_null(tt_profile_diff_tree(base, 3, (const struct tt_profile *const[]){ NULL }, 1));
	assert_int_equal(errno, ENODATA);
	tt_report__free(r);
}

#define RUNS 10
#define ALPHA 0.10

/*
 * One run of the synthetic program: `samples` expected samples split over
 * main;hot (7 parts) and main;cold (3 parts x cold_factor), each sample
 * drawn with the seeded generator (Poisson noise of a sampling profiler).
 */
static void sample_run(struct rng *g, struct tt_profile *p, double samples, double cold_factor)
{
	double w_hot = 7, w_cold = 3 * cold_factor, per_unit = samples / 10;
	uint64_t hot = 0, cold = 0;
	size_t i, draws = (size_t)(per_unit * (w_hot + w_cold));

	for (i = 0; i < draws; i++) {
		if (rng_unit(g) * (w_hot + w_cold) < w_hot)
			hot++;
		else
			cold++;
	}
	add(p, "prog;main;hot", hot);
	if (cold)
		add(p, "prog;main;cold", cold);
}

/* Per-run inclusive amount and share of `fn` in the runs' profiles. */
static void values_of(struct tt_profile **runs, const char *fn, double *amount, double *share)
{
	size_t r, n;

	for (r = 0; r < RUNS; r++) {
		struct tt_fn_share *s;
		const struct tt_fn_share *f;
		double total;

		assert_int_equal(tt_profile_shares(runs[r], &s, &n, &total), 0);
		f = find(s, n, fn);
		amount[r] = f ? f->inclusive * total : 0;
		share[r] = f ? f->inclusive : 0;
		free(s);
	}
}

/*
 * Verdicts of hot and cold, amounts (ratio scale, 5 %) and shares
 * (differences, one point), in one family as compare's profile family.
 */
static void trial(struct rng *g, double cold_factor, enum tt_verdict v[4])
{
	struct tt_report *r = tt_report__new();
	struct tt_profile *runs[2][RUNS];
	double amount[2][2][RUNS], share[2][2][RUNS], allowed[4];
	struct tt_cmp c[4];
	size_t sd, i, k;

	for (sd = 0; sd < 2; sd++)
		for (i = 0; i < RUNS; i++) {
			runs[sd][i] = tt_report_add_profile(r, "cpu", "samples");
			sample_run(g, runs[sd][i], 1000, sd ? cold_factor : 1);
		}
	for (sd = 0; sd < 2; sd++) {
		values_of(runs[sd], "hot", amount[0][sd], share[0][sd]);
		values_of(runs[sd], "cold", amount[1][sd], share[1][sd]);
	}
	for (k = 0; k < 4; k++) {
		double (*v2)[RUNS] = k < 2 ? amount[k] : share[k - 2];
		struct tt_cmp_in in = { v2[0], RUNS, v2[1], RUNS, k < 2 ? 0.05 : 0.01, true,
					k < 2, k >= 2 };

		allowed[k] = in.allowed;
		assert_int_equal(tt_cmp_series(&in, ALPHA, &c[k]), 0);
	}
	assert_int_equal(tt_cmp_decide(c, allowed, 4, ALPHA), 4);
	for (k = 0; k < 4; k++)
		v[k] = c[k].verdict;
	tt_report__free(r);
}

/*
 * cold doing twice the work: cold REGRESSED (amount and share), hot SAME in
 * amount and IMPROVED in share, in every one of 50 trials; A/A: nothing
 * flagged in at least 45 of 50.
 */
static void test_verdicts(void **state)
{
	struct rng g = { 23 };
	int t, ok = 0, aa_clean = 0;
	enum tt_verdict v[4];

	(void)state;
	for (t = 0; t < 50; t++) {
		trial(&g, 2, v);
		ok += v[0] == TT_SAME && v[1] == TT_REGRESSED && v[2] == TT_IMPROVED &&
		      v[3] == TT_REGRESSED;
		trial(&g, 1, v);
		aa_clean += v[0] != TT_REGRESSED && v[0] != TT_IMPROVED && v[1] != TT_REGRESSED &&
			    v[1] != TT_IMPROVED && v[2] != TT_REGRESSED && v[2] != TT_IMPROVED &&
			    v[3] != TT_REGRESSED && v[3] != TT_IMPROVED;
	}
	print_message("cold x2: expected verdicts in %d/50 trials; A/A clean in %d/50\n", ok,
		      aa_clean);
	assert_int_equal(ok, 50);
	assert_true(aa_clean >= 45);
}

/* The frame style hook: its colour and details replace the defaults. */
static void style(void *ctx, const struct tt_fold_node *n, uint8_t rgb[3], char *buf, size_t len)
{
	(void)ctx;
	rgb[0] = rgb[1] = rgb[2] = 190;
	if (!strcmp(n->name, "gone")) {
		rgb[0] = 40;
		rgb[1] = 40;
		rgb[2] = 255;
	}
	snprintf(buf, len, "%s -100.0%%", n->name);
}

static void test_svg_style(void **state)
{
	struct tt_report *r = tt_report__new();
	struct tt_profile *b = tt_report_add_profile(r, "cpu", "samples");
	struct tt_profile *c = tt_report_add_profile(r, "cpu", "samples");
	const struct tt_profile *base[1] = { b }, *cand[1] = { c };
	struct tt_flame_opts o = { .frame_style = style };
	struct tt_fold_node *root;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	add(b, "app;main;work", 80);
	add(b, "app;main;gone", 20);
	add(c, "app;main;work", 50);
	root = tt_profile_diff_tree(base, 1, cand, 1);
	assert_non_null(root);
	assert_int_equal(tt_flamegraph_svg(root, &o, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "data-n=\"gone\"><title>gone (gone -100.0%)</title><rect"));
	assert_non_null(strstr(text, "fill=\"rgb(40,40,255)\""));
	assert_non_null(strstr(text, "<title>work (work -100.0%)</title>"));
	free(text);
	tt_fold_tree__free(root);
	tt_report__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_diff_tree),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_svg_style),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
