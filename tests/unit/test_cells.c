// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the series storage: the cell key arithmetic and the stats
 * record/merge of include/tracetool/hist.h; the BPF side's series ids and
 * overflow routing (bpf/lib/series.bpf.h, compiled here against small
 * in-memory maps that refuse inserts when full, as preallocated hashes do);
 * and the interval subtraction of user/cells.c, checked against the exact
 * values of the samples recorded in each interval.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <linux/bpf.h>

/* ---- the BPF helpers series.bpf.h uses, over fixed-size maps ----------- */

#define TT_EEXIST EEXIST

struct fake_map {
	size_t ksz, vsz, max, n;
	unsigned char keys[64][64];
	unsigned char vals[64][32];
};

static void *bpf_map_lookup_elem(void *m, const void *key)
{
	struct fake_map *map = m;
	size_t i;

	for (i = 0; i < map->n; i++)
		if (!memcmp(map->keys[i], key, map->ksz))
			return map->vals[i];
	return NULL;
}

static long bpf_map_update_elem(void *m, const void *key, const void *val, __u64 flags)
{
	struct fake_map *map = m;

	if (bpf_map_lookup_elem(m, key))
		return flags == BPF_NOEXIST ? -EEXIST : -EINVAL;
	if (map->n == map->max)
		return -E2BIG;	/* a full preallocated hash */
	memcpy(map->keys[map->n], key, map->ksz);
	memcpy(map->vals[map->n], val, map->vsz);
	map->n++;
	return 0;
}

#include "../../bpf/lib/series.bpf.h"
#include "cells.h"

static __u64 cell_value(struct fake_map *m, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(m, &key);

	return v ? *v : 0;
}

/* ---- arithmetic --------------------------------------------------------- */

static void test_cell_key(void **state)
{
	__u32 id, sub;

	(void)state;
	for (id = 0; id < TT_SERIES_ID_MAX; id += 4099)
		for (sub = 0; sub < TT_HIST_NSLOTS; sub += 97) {
			__u32 k = tt_cell_key(id, sub);

			assert_int_equal(tt_cell_id(k), id);
			assert_int_equal(tt_cell_sub(k), sub);
		}
	assert_int_equal(tt_cell_sub(tt_cell_key(TT_SERIES_ID_MAX - 1, TT_HIST_OVERFLOW)),
			 TT_HIST_OVERFLOW);
	assert_int_equal(tt_cell_id(tt_cell_key(TT_SERIES_ID_MAX - 1, TT_HIST_OVERFLOW)),
			 TT_SERIES_ID_MAX - 1);
	/* an errno up to 4095 fits the sub-key of the error counters */
	assert_int_equal(tt_cell_sub(tt_cell_key(5, 4095)), 4095);
	/* cells of one series sort together, by slot */
	assert_true(tt_cell_key(3, TT_HIST_OVERFLOW) < tt_cell_key(4, 0));
	assert_true(tt_cell_key(3, 7) < tt_cell_key(3, 8));
}

static void test_stats_record_merge(void **state)
{
	struct tt_series_stats a = {}, b = {}, m = {};

	(void)state;
	assert_int_equal(tt_series_stats_min(&a), 0);	/* zeroed = empty */
	tt_series_stats_record(&a, 500);
	tt_series_stats_record(&a, 70);
	tt_series_stats_record(&a, 900);
	assert_int_equal(a.count, 3);
	assert_int_equal(a.sum, 1470);
	assert_int_equal(tt_series_stats_min(&a), 70);
	assert_int_equal(a.max, 900);
	tt_series_stats_record(&b, 0);	/* a zero latency is a real minimum */
	tt_series_stats_add(&m, &a);
	tt_series_stats_add(&m, &b);
	assert_int_equal(m.count, 4);
	assert_int_equal(tt_series_stats_min(&m), 0);
	assert_int_equal(m.max, 900);
	tt_series_stats_record_shared(&b, 1ULL << 40);
	assert_int_equal(b.max, 1ULL << 40);
	assert_int_equal(tt_series_stats_min(&b), 0);
}

/* ---- series ids and overflow routing ------------------------------------ */

static void test_series_bound_overflow(void **state)
{
	struct fake_map series = { .ksz = 4, .vsz = 4, .max = 64 };
	__u32 key, id, ids[8];

	(void)state;
	tt_series_next = 0;
	/* base 100, at most 3 series; overflow series 7 */
	for (key = 0; key < 3; key++) {
		ids[key] = tt_series_id(&series, &key, 100, 3, 7);
		assert_int_equal(ids[key], 100 + key);
	}
	for (key = 0; key < 3; key++)	/* known keys keep their id */
		assert_int_equal(tt_series_id(&series, &key, 100, 3, 7), ids[key]);
	key = 3;
	assert_int_equal(tt_series_id(&series, &key, 100, 3, 7), 7);
	assert_int_equal(tt_series_id(&series, &key, 100, 3, 7), 7);
	assert_int_equal(series.n, 3);

	/* the series map refusing an insert also routes to overflow */
	tt_series_next = 0;
	series.n = 0;
	series.max = 1;
	key = 10;
	assert_int_equal(tt_series_id(&series, &key, 100, 50, 7), 100);
	key = 11;
	id = tt_series_id(&series, &key, 100, 50, 7);
	assert_int_equal(id, 7);
}

static void test_cell_routing(void **state)
{
	struct fake_map cells = { .ksz = 4, .vsz = 8, .max = 6 };
	__u32 used = 0, id;

	(void)state;
	/* bounded series (id >= 10) may take 3 cells; overflow series 2 the rest */
	assert_int_equal(tt_cell_count(&cells, &used, 3, 10, 10, 2, 1), 10);
	assert_int_equal(tt_cell_count(&cells, &used, 3, 10, 10, 2, 1), 10);
	assert_int_equal(tt_cell_count(&cells, &used, 3, 11, 10, 2, 1), 11);
	assert_int_equal(tt_cell_count(&cells, &used, 3, 12, 10, 2, 5), 12);
	assert_int_equal(used, 3);
	/* the limit is reached: a new cell of a bounded series goes to _other ... */
	assert_int_equal(tt_cell_count(&cells, &used, 3, 13, 10, 2, 5), 2);
	/* ... but existing cells still count */
	assert_int_equal(tt_cell_count(&cells, &used, 3, 11, 10, 2, 1), 11);
	assert_int_equal(cell_value(&cells, tt_cell_key(10, 1)), 2);
	assert_int_equal(cell_value(&cells, tt_cell_key(11, 1)), 2);
	assert_int_equal(cell_value(&cells, tt_cell_key(2, 5)), 1);
	/* overflow series use the whole map, then the loss is the caller's to count */
	assert_int_equal(tt_cell_count(&cells, &used, 3, 2, 10, 2, 6), 2);
	assert_int_equal(tt_cell_count(&cells, &used, 3, 2, 10, 2, 7), 2);
	assert_int_equal(cells.n, 6);
	id = tt_cell_count(&cells, &used, 3, 2, 10, 2, 8);
	assert_int_equal(id, TT_SERIES_ID_MAX);
	id = tt_cell_count(&cells, &used, 3, 14, 10, 2, 9);
	assert_int_equal(id, TT_SERIES_ID_MAX);
	/* 10 samples: 8 in cells, 2 refused and reported as such; none counted twice */
	assert_int_equal(cell_value(&cells, tt_cell_key(10, 1)) + cell_value(&cells, tt_cell_key(11, 1)) +
				 cell_value(&cells, tt_cell_key(12, 5)) + cell_value(&cells, tt_cell_key(2, 5)) +
				 cell_value(&cells, tt_cell_key(2, 6)) + cell_value(&cells, tt_cell_key(2, 7)),
			 8);
}

/* Busy series stop at the limit; the rest of the map stays open to small ones. */
static void test_cell_fair_share(void **state)
{
	struct fake_map cells = { .ksz = 4, .vsz = 8, .max = 64 };
	__u32 used = 0, own_a = 0, own_b = 0, k;

	(void)state;
	for (k = 0; k < 40; k++)
		assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(100, k), &used, 40, &own_a),
				 TT_CELL_INSERTED);
	assert_int_equal(own_a, 40);
	assert_int_equal(used, 40);
	/* the busy series is at the limit: refused, its existing cells still count */
	assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(100, 40), &used, 40, &own_a), 0);
	assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(100, 3), &used, 40, &own_a),
			 TT_CELL_ADDED);
	assert_int_equal(cell_value(&cells, tt_cell_key(100, 3)), 2);
	/* a new series gets cells past the limit, until the map is full */
	for (k = 0; k < 24; k++)
		assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(101, k), &used, 40, &own_b),
				 TT_CELL_INSERTED);
	assert_int_equal(own_b, 24);
	assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(101, 24), &used, 40, &own_b), 0);
	assert_int_equal(own_b, 24);
	/* no counter: the limit applies from the first cell */
	assert_int_equal(tt_cell_add_fair(&cells, tt_cell_key(102, 0), &used, 40, NULL), 0);
}

/* ---- interval subtraction ----------------------------------------------- */

#define NIDS 4

/* A cumulative storage, as BPF keeps it, recorded in user space. */
struct model {
	struct tt_series_stats stats[NIDS];
	__u64 cells[NIDS][TT_HIST_NSLOTS];
	__u64 errs[NIDS][8];
};

static void model_record(struct model *m, __u32 id, __u64 v, __u32 err)
{
	tt_series_stats_record(&m->stats[id], v);
	m->cells[id][tt_hist_slot(v)]++;
	if (err)
		m->errs[id][err]++;
}

/* The reading tt_store_read would return for the model. */
static void model_snap(const struct model *m, struct tt_snap *s)
{
	__u32 id, k;

	memset(s, 0, sizeof(*s));
	s->stats = calloc(NIDS, sizeof(*s->stats));
	s->cells.v = calloc(NIDS * TT_HIST_NSLOTS, sizeof(*s->cells.v));
	s->counts.v = calloc(NIDS * 8, sizeof(*s->counts.v));
	assert_non_null(s->stats);
	assert_non_null(s->cells.v);
	assert_non_null(s->counts.v);
	for (id = 0; id < NIDS; id++) {
		s->stats[id] = m->stats[id];
		if (m->stats[id].count)
			s->nstats = id + 1;
		for (k = 0; k < TT_HIST_NSLOTS; k++)
			if (m->cells[id][k])
				s->cells.v[s->cells.n++] = (struct tt_cell){ tt_cell_key(id, k),
									     m->cells[id][k] };
		for (k = 0; k < 8; k++)
			if (m->errs[id][k])
				s->counts.v[s->counts.n++] = (struct tt_cell){ tt_cell_key(id, k),
									       m->errs[id][k] };
	}
}

/* Exact figures of the samples recorded in one interval, per series. */
struct truth {
	__u64 count[NIDS], sum[NIDS], min[NIDS], max[NIDS], errs[NIDS][8];
	__u64 slots[NIDS][TT_HIST_NSLOTS];
};

static void truth_record(struct truth *t, __u32 id, __u64 v, __u32 err)
{
	if (!t->count[id] || v < t->min[id])
		t->min[id] = v;
	if (v > t->max[id])
		t->max[id] = v;
	t->count[id]++;
	t->sum[id] += v;
	t->slots[id][tt_hist_slot(v)]++;
	if (err)
		t->errs[id][err]++;
}

static void check_interval(const struct tt_snap *d, const struct truth *t)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	size_t i, j;
	__u32 id, seen = 0;

	assert_non_null(h);
	for (i = 0; i < d->cells.n; i = j) {
		id = tt_cell_id(d->cells.v[i].key);
		j = tt_snap_fold(d, i, h);
		seen |= 1u << id;
		assert_int_equal(h->count, t->count[id]);
		assert_int_equal(h->sum, t->sum[id]);
		assert_memory_equal(h->slots, t->slots[id], sizeof(h->slots));
		/* min/max: exact, or within the bucket of the true value */
		assert_int_equal(tt_hist_slot(h->min), tt_hist_slot(t->min[id]));
		assert_int_equal(tt_hist_slot(h->max), tt_hist_slot(t->max[id]));
		assert_true(h->min <= t->min[id] || tt_hist_slot(h->min) == tt_hist_slot(t->min[id]));
	}
	for (id = 0; id < NIDS; id++)
		assert_int_equal(!!(seen & (1u << id)), !!t->count[id]);
	for (i = 0; i < d->counts.n; i++) {
		__u32 k = d->counts.v[i].key;

		assert_int_equal(d->counts.v[i].count, t->errs[tt_cell_id(k)][tt_cell_sub(k)]);
	}
	free(h);
}

static void test_interval_difference(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	struct truth *t = calloc(1, sizeof(*t));
	struct tt_snap prev = {}, cur, d;
	__u64 x = 88172645463325252ULL;
	int iv, i;

	(void)state;
	assert_non_null(m);
	assert_non_null(t);
	for (iv = 0; iv < 6; iv++) {
		memset(t, 0, sizeof(*t));
		for (i = 0; i < 5000; i++) {
			__u32 id, err;
			__u64 v;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id = (__u32)(x % NIDS);
			if (iv == 2 && id == 3)	/* series 3 is idle in interval 2 */
				continue;
			if (iv < 1 && id == 1)	/* series 1 starts in interval 1 */
				continue;
			v = 100 + (x >> 20) % (iv == 4 ? 2000 : 1000000);	/* 4: inside old min/max */
			err = (x >> 8) % 8 < 2 ? (__u32)((x >> 12) % 7 + 1) : 0;
			model_record(m, id, v, err);
			truth_record(t, id, v, err);
		}
		model_snap(m, &cur);
		assert_int_equal(tt_snap_diff(&cur, &prev, &d), 0);
		check_interval(&d, t);
		tt_snap_release(&d);
		tt_snap_release(&prev);
		prev = cur;
	}
	/* an interval without samples reports nothing */
	model_snap(m, &cur);
	assert_int_equal(tt_snap_diff(&cur, &prev, &d), 0);
	assert_int_equal(d.cells.n, 0);
	assert_int_equal(d.counts.n, 0);
	assert_int_equal(d.nstats, 0);
	tt_snap_release(&d);
	tt_snap_release(&cur);
	tt_snap_release(&prev);
	free(m);
	free(t);
}

/* Samples recorded in between, as a moved min shows them: exact. */
static void test_interval_min_max_exact_when_moved(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	struct tt_snap a, b, d;
	struct tt_hist h;

	(void)state;
	assert_non_null(m);
	model_record(m, 0, 5000, 0);
	model_record(m, 0, 9000, 0);
	model_snap(m, &a);
	model_record(m, 0, 4321, 0);	/* new min */
	model_record(m, 0, 98765, 0);	/* new max */
	model_record(m, 0, 7000, 0);
	model_snap(m, &b);
	assert_int_equal(tt_snap_diff(&b, &a, &d), 0);
	tt_snap_fold(&d, 0, &h);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.sum, 4321 + 98765 + 7000);
	assert_int_equal(h.min, 4321);
	assert_int_equal(h.max, 98765);
	tt_snap_release(&d);
	tt_snap_release(&a);
	tt_snap_release(&b);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_key),
		cmocka_unit_test(test_stats_record_merge),
		cmocka_unit_test(test_series_bound_overflow),
		cmocka_unit_test(test_cell_routing),
		cmocka_unit_test(test_cell_fair_share),
		cmocka_unit_test(test_interval_difference),
		cmocka_unit_test(test_interval_min_max_exact_when_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
