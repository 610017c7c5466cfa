// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the collection contract (user/report_diff.c): cumulative
 * reports grow by tt_report_accumulate, and the difference of two
 * snapshots gives the interval exactly (counters, histogram buckets,
 * count, sum, losses per tracer), with the documented min/max rule.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static const char *const lbl[] = { "syscall" };

/* A report of one tracer with a counter, a gauge and a histogram family. */
static struct tt_report *mk(void)
{
	struct tt_report *r = tt_report__new();

	assert_non_null(r);
	assert_int_equal(tt_report_add_tracer(r, "syscalls", "tp_btf"), 0);
	assert_non_null(tt_report_add_family(r, "c_total", "", "", TT_METRIC_COUNTER, 1, lbl));
	assert_non_null(tt_report_add_family(r, "g", "", "", TT_METRIC_GAUGE, 1, lbl));
	assert_non_null(tt_report_add_family(r, "h_seconds", "", "seconds", TT_METRIC_HISTOGRAM, 1,
					     lbl));
	return r;
}

static void counter(struct tt_report *r, const char *name, const char *label, double v)
{
	struct tt_series *s = tt_family_add_series(tt_report_find_family(r, name),
						   (const char *const[]){ label });

	assert_non_null(s);
	s->value = v;
}

/* A histogram series of the given raw values. */
static void hist(struct tt_report *r, const char *label, const uint64_t *v, size_t n)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	struct tt_series *s = tt_family_add_series(tt_report_find_family(r, "h_seconds"),
						   (const char *const[]){ label });
	size_t i;

	assert_non_null(h);
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		struct tt_hist one = { .count = 1, .sum = v[i], .min = v[i], .max = v[i] };

		one.slots[tt_hist_slot(v[i])] = 1;
		tt_hist_merge(h, &one);
	}
	assert_int_equal(tt_hsum_from_hist(&s->hist, h, 1), 0);
	free(h);
}

static const struct tt_series *find(const struct tt_report *r, const char *fam, const char *l)
{
	const struct tt_family *f = tt_report_find_family(r, fam);

	assert_non_null(f);
	return tt_family_find_series(f, (const char *const[]){ l });
}

/* Cumulative snapshots after intervals d1 and d1+d2 of one tracer ("syscalls"). */
static void snapshots(const struct tt_report *d1, const struct tt_report *d2,
		      struct tt_report **s1, struct tt_report **s2)
{
	*s1 = tt_report__new();
	*s2 = tt_report__new();
	assert_non_null(*s1);
	assert_non_null(*s2);
	assert_int_equal(tt_report_add_tracer(*s1, "syscalls", "tp_btf"), 0);
	assert_int_equal(tt_report_add_tracer(*s2, "syscalls", "tp_btf"), 0);
	assert_int_equal(tt_report_accumulate(*s1, d1), 0);
	assert_int_equal(tt_report_accumulate(*s2, d1), 0);
	assert_int_equal(tt_report_accumulate(*s2, d2), 0);
}

static void test_accumulate_adds(void **state)
{
	struct tt_report *cum = tt_report__new(), *a = mk(), *b = mk();
	static const uint64_t va[] = { 100, 5000 }, vb[] = { 20, 7000, 7000 };
	const struct tt_series *s;

	(void)state;
	assert_int_equal(tt_report_add_tracer(cum, "syscalls", "tp_btf"), 0);
	counter(a, "c_total", "read", 3);
	counter(a, "g", "read", 1.5);
	hist(a, "read", va, 2);
	a->lost[TT_LOST_RINGBUF] = 2;
	a->tracer_lost[0][TT_LOST_RINGBUF] = 2;
	counter(b, "c_total", "read", 4);
	counter(b, "c_total", "write", 1);
	counter(b, "g", "read", 0.5);
	hist(b, "read", vb, 3);
	b->lost[TT_LOST_RINGBUF] = 1;
	b->tracer_lost[0][TT_LOST_RINGBUF] = 1;
	assert_int_equal(tt_report_accumulate(cum, a), 0);
	assert_int_equal(tt_report_accumulate(cum, b), 0);

	assert_int_equal(cum->nfamilies, 3);
	assert_string_equal(cum->families[0]->name, "c_total");	/* src order kept */
	assert_string_equal(cum->families[2]->name, "h_seconds");
	assert_true(find(cum, "c_total", "read")->value == 7);
	assert_true(find(cum, "c_total", "write")->value == 1);
	assert_true(find(cum, "g", "read")->value == 0.5);	/* gauge: latest */
	s = find(cum, "h_seconds", "read");
	assert_int_equal(s->hist.count, 5);
	assert_int_equal(s->hist.sum, 100 + 5000 + 20 + 7000 + 7000);
	assert_int_equal(s->hist.min, 20);
	assert_int_equal(s->hist.max, 7000);
	assert_int_equal(s->hist.nbuckets, 4);	/* 20, 100, 5000, 7000 (x2) */
	assert_int_equal(s->hist.buckets[3].count, 2);
	assert_int_equal(cum->lost[TT_LOST_RINGBUF], 3);
	assert_int_equal(cum->tracer_lost[0][TT_LOST_RINGBUF], 3);
	tt_report__free(a);
	tt_report__free(b);
	tt_report__free(cum);
}

/* Cumulative snapshots after interval 1 and 2: the difference is interval 2 exactly. */
static void test_diff_is_the_interval(void **state)
{
	static const uint64_t i1[] = { 1000, 2000, 900000 }, i2[] = { 3000, 3100 };
	struct tt_report *d1 = mk(), *d2 = mk(), *s1, *s2, *diff;
	const struct tt_series *s;

	(void)state;
	counter(d1, "c_total", "read", 5);
	counter(d1, "c_total", "open", 2);
	hist(d1, "read", i1, 3);
	d1->tracer_lost[0][TT_LOST_MAP_FULL] = 1;
	d1->lost[TT_LOST_MAP_FULL] = 1;
	counter(d2, "c_total", "read", 2);
	hist(d2, "read", i2, 2);
	hist(d2, "write", i2, 1);
	d2->tracer_lost[0][TT_LOST_MAP_FULL] = 4;
	d2->lost[TT_LOST_MAP_FULL] = 4;
	snapshots(d1, d2, &s1, &s2);

	diff = tt_report_diff(s2, s1);
	assert_non_null(diff);
	assert_int_equal(diff->ntracers, 1);
	assert_true(find(diff, "c_total", "read")->value == 2);
	assert_null(find(diff, "c_total", "open"));	/* unchanged: left out */
	s = find(diff, "h_seconds", "read");
	assert_non_null(s);
	assert_int_equal(s->hist.count, 2);
	assert_int_equal(s->hist.sum, 6100);
	assert_int_equal(s->hist.nbuckets, 2);
	/* min/max did not move: bounded by the buckets of the difference */
	assert_true(s->hist.min <= 3000 && s->hist.min >= 2000);
	assert_true(s->hist.max >= 3100 && s->hist.max <= 3200);
	/* a series new in the interval: exact */
	s = find(diff, "h_seconds", "write");
	assert_int_equal(s->hist.count, 1);
	assert_int_equal(s->hist.min, 3000);
	assert_int_equal(s->hist.max, 3000);
	assert_int_equal(diff->lost[TT_LOST_MAP_FULL], 4);
	assert_int_equal(diff->tracer_lost[0][TT_LOST_MAP_FULL], 4);
	tt_report__free(diff);

	/* the difference of a snapshot and itself is empty */
	diff = tt_report_diff(s2, s2);
	assert_non_null(diff);
	assert_int_equal(diff->nfamilies, 3);
	assert_int_equal(diff->families[0]->nseries, 0);
	assert_int_equal(diff->families[2]->nseries, 0);
	tt_report__free(diff);
	tt_report__free(d1);
	tt_report__free(d2);
	tt_report__free(s1);
	tt_report__free(s2);
}

/* Where the cumulative min or max moved inside the interval, the interval's is exact. */
static void test_diff_min_max_exact_when_moved(void **state)
{
	static const uint64_t i1[] = { 5000, 6000 }, i2[] = { 100, 5500, 90000 };
	struct tt_report *d1 = mk(), *d2 = mk(), *s1, *s2, *diff;
	const struct tt_series *s;

	(void)state;
	hist(d1, "read", i1, 2);
	hist(d2, "read", i2, 3);
	snapshots(d1, d2, &s1, &s2);
	diff = tt_report_diff(s2, s1);
	assert_non_null(diff);
	s = find(diff, "h_seconds", "read");
	assert_int_equal(s->hist.count, 3);
	assert_int_equal(s->hist.min, 100);
	assert_int_equal(s->hist.max, 90000);
	tt_report__free(diff);
	tt_report__free(d1);
	tt_report__free(d2);
	tt_report__free(s1);
	tt_report__free(s2);
}

static void test_diff_profiles(void **state)
{
	struct tt_report *a = tt_report__new(), *b = tt_report__new(), *diff;
	const char *const f1[] = { "app", "main", "work" }, *const f2[] = { "app", "main" };
	struct tt_profile *p;

	(void)state;
	p = tt_report_add_profile(a, "cpu", "samples");
	assert_int_equal(tt_profile_add_stack(p, 3, f1, 10), 0);
	assert_int_equal(tt_profile_add_stack(p, 2, f2, 4), 0);
	assert_int_equal(tt_report_accumulate(b, a), 0);
	assert_int_equal(tt_report_accumulate(b, a), 0);	/* b = 2a */
	assert_int_equal(b->profiles[0]->nstacks, 2);
	assert_int_equal(b->profiles[0]->stacks[0].value, 20);
	diff = tt_report_diff(b, a);
	assert_non_null(diff);
	assert_int_equal(diff->nprofiles, 1);
	assert_int_equal(diff->profiles[0]->nstacks, 2);
	assert_int_equal(diff->profiles[0]->stacks[0].value, 10);
	assert_int_equal(diff->profiles[0]->stacks[1].value, 4);
	tt_report__free(diff);
	diff = tt_report_diff(a, a);
	assert_int_equal(diff->profiles[0]->nstacks, 0);
	tt_report__free(diff);
	tt_report__free(a);
	tt_report__free(b);
}

/* Many series: the hash index keeps them apart (labels "a","bc" vs "ab","c" included). */
static void test_many_series(void **state)
{
	static const char *const two[] = { "x", "y" };
	struct tt_report *a = tt_report__new(), *cum = tt_report__new();
	struct tt_family *f = tt_report_add_family(a, "c_total", "", "", TT_METRIC_COUNTER, 2, two);
	char l1[16], l2[16];
	int i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 2000; i++) {
		struct tt_series *s;

		snprintf(l1, sizeof(l1), "%d", i / 10);
		snprintf(l2, sizeof(l2), "%d", i % 10);
		s = tt_family_add_series(f, (const char *const[]){ l1, l2 });
		assert_non_null(s);
		s->value = i + 1;
	}
	assert_non_null(tt_family_add_series(f, (const char *const[]){ "a", "bc" }));
	assert_non_null(tt_family_add_series(f, (const char *const[]){ "ab", "c" }));
	assert_int_equal(tt_report_accumulate(cum, a), 0);
	assert_int_equal(tt_report_accumulate(cum, a), 0);
	assert_int_equal(cum->families[0]->nseries, 2002);
	assert_true(cum->families[0]->series[1999].value == 4000);
	tt_report__free(a);
	tt_report__free(cum);
}

/* The self-metric keeps a series per tracer and reason in an interval, zeros included. */
static void test_diff_lost_family_zeros(void **state)
{
	struct tt_report *a = tt_report__new(), *b = tt_report__new(), *diff;
	const struct tt_family *f;

	(void)state;
	assert_int_equal(tt_report_add_tracer(a, "tcp", "tp_btf"), 0);
	assert_int_equal(tt_report_add_tracer(b, "tcp", "tp_btf"), 0);
	a->tracer_lost[0][TT_LOST_RINGBUF] = a->lost[TT_LOST_RINGBUF] = 5;
	b->tracer_lost[0][TT_LOST_RINGBUF] = b->lost[TT_LOST_RINGBUF] = 7;
	assert_int_equal(tt_report_add_lost_family(a), 0);
	assert_int_equal(tt_report_add_lost_family(b), 0);
	diff = tt_report_diff(b, a);
	assert_non_null(diff);
	f = tt_report_find_family(diff, TT_LOST_FAMILY);
	assert_non_null(f);
	assert_int_equal(f->nseries, TT_LOST_NR);
	assert_true(tt_family_find_series(f, (const char *const[]){ "tcp", "ringbuf" })->value == 2);
	assert_true(tt_family_find_series(f, (const char *const[]){ "tcp", "map_full" })->value == 0);
	assert_true(f->text_hidden);
	tt_report__free(diff);
	tt_report__free(a);
	tt_report__free(b);
}

/*
 * A gauge is the latest collect's value: a series the tracer stopped
 * reporting (a flow that no longer retransmits) reads 0, not its last rate,
 * and interval reports leave it out.
 */
static void test_gauge_not_stale(void **state)
{
	struct tt_report *d1 = mk(), *d2 = mk(), *s1, *s2, *iv;
	const struct tt_family *g;

	(void)state;
	counter(d1, "g", "read", 10);
	counter(d2, "g", "write", 2);
	snapshots(d1, d2, &s1, &s2);
	assert_true(find(s2, "g", "read")->value == 0);
	assert_true(find(s2, "g", "write")->value == 2);
	iv = tt_report_diff(s2, s1);
	assert_non_null(iv);
	g = tt_report_find_family(iv, "g");
	assert_non_null(g);
	assert_int_equal(g->nseries, 1);
	assert_null(find(iv, "g", "read"));
	tt_report__free(iv);
	tt_report__free(s1);
	tt_report__free(s2);
	tt_report__free(d1);
	tt_report__free(d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accumulate_adds),
		cmocka_unit_test(test_diff_is_the_interval),
		cmocka_unit_test(test_diff_min_max_exact_when_moved),
		cmocka_unit_test(test_diff_profiles),
		cmocka_unit_test(test_many_series),
		cmocka_unit_test(test_diff_lost_family_zeros),
		cmocka_unit_test(test_gauge_not_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
