// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Series storage readings.  BPF only ever adds to the maps, so a reading
 * changes nothing and an interval is the difference of two readings: no
 * sample recorded between two reports can fall between them.  A sample in
 * flight during a reading (its cell counted, its stats not yet) shows in
 * the next interval; totals over a run are exact.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cells.h"
#include "report.h"

static int cell_cmp(const void *a, const void *b)
{
	const struct tt_cell *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* A whole map in batches: `vsz` bytes of value per key (all CPUs for per-CPU maps). */
static int read_batches(struct bpf_map *map, size_t vsz, __u32 **keys_out, void **vals_out,
			size_t *n_out)
{
	size_t cap = bpf_map__max_entries(map), n = 0;
	__u32 *keys = calloc(cap ? cap : 1, sizeof(*keys));
	unsigned char *vals = calloc(cap ? cap : 1, vsz);
	__u64 in = 0, out = 0;
	bool first = true;
	int fd = bpf_map__fd(map), ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto fail;
	}
	while (n < cap) {
		__u32 count = (__u32)(cap - n);

		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys + n, vals + n * vsz,
					   &count, NULL);
		n += count;
		if (ret == -ENOENT) {	/* the last batch */
			ret = 0;
			break;
		}
		if (ret)
			goto fail;
		first = false;
		in = out;
	}
	*keys_out = keys;
	*vals_out = vals;
	*n_out = n;
	return 0;
fail:
	free(keys);
	free(vals);
	return ret;
}

static int read_cellv(struct bpf_map *map, struct tt_cellv *out)
{
	__u32 *keys;
	__u64 *vals;
	size_t n, i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!map)
		return 0;
	ret = read_batches(map, sizeof(__u64), &keys, (void **)&vals, &n);
	if (ret)
		return ret;
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v)
		ret = -ENOMEM;
	for (i = 0; !ret && i < n; i++)
		out->v[i] = (struct tt_cell){ .key = keys[i], .count = vals[i] };
	if (!ret) {
		out->n = n;
		qsort(out->v, n, sizeof(*out->v), cell_cmp);
	}
	free(keys);
	free(vals);
	return ret;
}

void tt_fold_slots(__u16 out[TT_HIST_NSLOTS], const double *b, size_t n, double scale)
{
	size_t i, j = 0;

	for (i = TT_HIST_NSLOTS; i-- > 0;)
		out[i] = TT_HIST_OVERFLOW;
	for (i = 0; i < TT_HIST_OVERFLOW; i++) {
		/* a bound's raw value is its slot's upper bound, up to the last bit */
		while (j < n && (double)tt_hist_slot_upper((__u32)i) > b[j] / scale * (1 + 1e-9))
			j++;
		if (j == n)
			break;
		out[i] = (__u16)tt_hist_slot((__u64)floor(b[j] / scale + 1e-6));	/* 1e-6: 4999.999... */
	}
}

/* Merge sorted cells into the cells of their fold slots (still sorted). */
static void fold_cellv(struct tt_cellv *v, const __u16 *fold)
{
	size_t i, k = 0;

	if (!fold)
		return;
	for (i = 0; i < v->n; i++)
		v->v[i].key = tt_cell_key(tt_cell_id(v->v[i].key), fold[tt_cell_sub(v->v[i].key)]);
	qsort(v->v, v->n, sizeof(*v->v), cell_cmp);
	for (i = 0; i < v->n; i++) {
		if (k && v->v[k - 1].key == v->v[i].key)
			v->v[k - 1].count += v->v[i].count;
		else
			v->v[k++] = v->v[i];
	}
	v->n = k;
}

/* Array of stats, merged over CPUs when per-CPU; ids past the last non-empty one left out. */
static int read_stats(struct bpf_map *map, struct tt_snap *out)
{
	bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
	int ncpu = percpu ? libbpf_num_possible_cpus() : 1, c;
	struct tt_series_stats *vals;
	__u32 *keys;
	size_t n, i;
	int ret;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	ret = read_batches(map, sizeof(*vals) * (size_t)ncpu, &keys, (void **)&vals, &n);
	if (ret)
		return ret;
	out->stats = calloc(bpf_map__max_entries(map) + 1, sizeof(*out->stats));
	if (!out->stats)
		ret = -ENOMEM;
	for (i = 0; !ret && i < n; i++) {
		struct tt_series_stats *dst;

		if (keys[i] >= bpf_map__max_entries(map))
			continue;
		dst = &out->stats[keys[i]];
		for (c = 0; c < ncpu; c++)
			tt_series_stats_add(dst, &vals[i * (size_t)ncpu + (size_t)c]);
		if (dst->count && keys[i] + 1 > out->nstats)
			out->nstats = keys[i] + 1;
	}
	free(keys);
	free(vals);
	return ret;
}

void tt_snap_release(struct tt_snap *s)
{
	free(s->cells.v);
	free(s->counts.v);
	free(s->stats);
	memset(s, 0, sizeof(*s));
}

void tt_store_release(struct tt_store *s)
{
	if (s->dense_mem)
		munmap((void *)s->dense_mem, s->dense_len);
	s->dense_mem = NULL;
	tt_snap_release(&s->prev);
}

/*
 * The non-zero cells of the dense rows, in key order, then those of the
 * cells hash (sorted together if the hash holds keys of dense rows too).
 * The rows are read in one pass into a vector that grows as it goes: BPF
 * keeps turning cells non-zero meanwhile, and a cell left out of one
 * reading would be counted whole again by the next difference.
 */
static int read_dense(struct tt_store *s, struct tt_cellv *out)
{
	size_t n = bpf_map__max_entries(s->dense), i, cap, nhash;
	struct tt_cellv hash;
	struct tt_cell *v;
	int ret;

	if (!s->dense_mem) {
		long page = sysconf(_SC_PAGESIZE);
		void *m;

		s->dense_len = (n * sizeof(__u64) + (size_t)page - 1) / (size_t)page * (size_t)page;
		m = mmap(NULL, s->dense_len, PROT_READ, MAP_SHARED, bpf_map__fd(s->dense), 0);
		if (m == MAP_FAILED)
			return -errno;
		s->dense_mem = m;
	}
	ret = read_cellv(s->cells, &hash);
	if (ret)
		return ret;
	fold_cellv(&hash, s->fold);
	nhash = hash.n;
	cap = s->prev.cells.n + nhash + 256;	/* about what the last reading held */
	v = malloc(cap * sizeof(*v));
	if (!v) {
		free(hash.v);
		return -ENOMEM;
	}
	out->v = v;
	out->n = 0;
	for (i = 0; i < n; i++) {
		__u64 c = __atomic_load_n(&s->dense_mem[i], __ATOMIC_RELAXED);

		if (!c)
			continue;
		if (s->fold) {
			__u32 key = tt_cell_key((__u32)(i / TT_HIST_NSLOTS),
						s->fold[i % TT_HIST_NSLOTS]);

			/* a row's slots ascend and fold keeps their order: merge into the last */
			if (out->n && out->v[out->n - 1].key == key) {
				out->v[out->n - 1].count += c;
				continue;
			}
		}
		if (out->n + nhash == cap) {
			cap *= 2;
			v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				free(out->v);
				free(hash.v);
				out->v = NULL;
				return -ENOMEM;
			}
			out->v = v;
		}
		out->v[out->n++] = (struct tt_cell){
			tt_cell_key((__u32)(i / TT_HIST_NSLOTS),
				    s->fold ? s->fold[i % TT_HIST_NSLOTS] : (__u32)(i % TT_HIST_NSLOTS)), c };
	}
	if (nhash)
		memcpy(out->v + out->n, hash.v, nhash * sizeof(*hash.v));
	free(hash.v);
	if (out->n && nhash && out->v[out->n].key < out->v[out->n - 1].key) {
		out->n += nhash;
		qsort(out->v, out->n, sizeof(*out->v), cell_cmp);
	} else {
		out->n += nhash;
	}
	return 0;
}

int tt_store_read(struct tt_store *s, struct tt_snap *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	/*
	 * The reverse of the order a sample is written in (cell, stats, then
	 * its error count): counts before stats before cells, so a reading
	 * never holds an error whose call is missing from the buckets
	 * (ERRORS <= COUNT), nor stats ahead of the buckets.
	 */
	ret = read_cellv(s->counts, &out->counts);
	ret = ret ?: (s->stats ? read_stats(s->stats, out) : 0);
	if (!ret && s->dense) {
		ret = read_dense(s, &out->cells);
	} else if (!ret) {
		ret = read_cellv(s->cells, &out->cells);
		fold_cellv(&out->cells, s->fold);
	}
	if (ret)
		tt_snap_release(out);
	return ret;
}

/* out = cur - prev over sorted cells; keys only in prev (impossible: nothing is deleted) are skipped. */
static int cellv_diff(const struct tt_cellv *cur, const struct tt_cellv *prev, struct tt_cellv *out)
{
	size_t i, j = 0;

	out->n = 0;
	out->v = calloc(cur->n ? cur->n : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < cur->n; i++) {
		__u64 was = 0;

		while (j < prev->n && prev->v[j].key < cur->v[i].key)
			j++;
		if (j < prev->n && prev->v[j].key == cur->v[i].key)
			was = prev->v[j].count;
		if (cur->v[i].count > was)
			out->v[out->n++] = (struct tt_cell){ cur->v[i].key, cur->v[i].count - was };
	}
	return 0;
}

/* min/max of an interval of series `id`: the rule of tt_snap_diff. */
static void interval_min_max(struct tt_series_stats *d, const struct tt_series_stats *cur,
			     const struct tt_series_stats *prev, const struct tt_cellv *cells,
			     size_t lo, size_t hi)
{
	__u64 cmin = tt_series_stats_min(cur);
	__u32 first, last;

	d->nmin = cur->nmin;
	d->max = cur->max;
	if (lo == hi)	/* no bucket moved yet (samples in flight): the cumulative bounds */
		return;
	first = tt_cell_sub(cells->v[lo].key);
	last = tt_cell_sub(cells->v[hi - 1].key);
	if (prev->count && cmin == tt_series_stats_min(prev) && first < TT_HIST_FINITE) {
		__u64 b = tt_hist_slot_lower(first);

		if (b > cmin)
			d->nmin = ~(b < cur->max ? b : cur->max);
	}
	if (prev->count && cur->max == prev->max && last < TT_HIST_FINITE) {
		__u64 b = tt_hist_slot_upper(last);

		if (b < cur->max)
			d->max = b > cmin ? b : cmin;
	}
}

int tt_snap_diff(const struct tt_snap *cur, const struct tt_snap *prev, struct tt_snap *out)
{
	static const struct tt_series_stats none;
	size_t id, c = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = cellv_diff(&cur->cells, &prev->cells, &out->cells);
	ret = ret ?: cellv_diff(&cur->counts, &prev->counts, &out->counts);
	if (!ret && cur->nstats) {
		out->stats = calloc(cur->nstats, sizeof(*out->stats));
		if (!out->stats)
			ret = -ENOMEM;
	}
	for (id = 0; !ret && id < cur->nstats; id++) {
		const struct tt_series_stats *p = id < prev->nstats ? &prev->stats[id] : &none;
		const struct tt_series_stats *n = &cur->stats[id];
		struct tt_series_stats *d = &out->stats[id];
		size_t lo;

		while (c < out->cells.n && tt_cell_id(out->cells.v[c].key) < id)
			c++;
		for (lo = c; c < out->cells.n && tt_cell_id(out->cells.v[c].key) == id; c++)
			;
		if (n->count <= p->count)
			continue;
		d->count = n->count - p->count;
		d->sum = n->sum - p->sum;
		interval_min_max(d, n, p, &out->cells, lo, c);
		out->nstats = id + 1;
	}
	if (ret)
		tt_snap_release(out);
	return ret;
}

int tt_store_delta(struct tt_store *s, struct tt_snap *out)
{
	struct tt_snap cur;
	int ret;

	ret = tt_store_read(s, &cur);
	if (ret)
		return ret;
	ret = tt_snap_diff(&cur, &s->prev, out);
	if (ret) {
		tt_snap_release(&cur);
		return ret;
	}
	tt_snap_release(&s->prev);
	s->prev = cur;
	return 0;
}

size_t tt_snap_fold(const struct tt_snap *d, size_t i, struct tt_hist *h)
{
	__u32 id = tt_cell_id(d->cells.v[i].key);
	size_t j;

	memset(h, 0, sizeof(*h));
	for (j = i; j < d->cells.n && tt_cell_id(d->cells.v[j].key) == id; j++) {
		__u32 slot = tt_cell_sub(d->cells.v[j].key);

		if (slot < TT_HIST_NSLOTS) {
			h->slots[slot] += d->cells.v[j].count;
			h->count += d->cells.v[j].count;
		}
	}
	if (id < d->nstats && d->stats[id].count) {
		h->sum = d->stats[id].sum;
		h->min = tt_series_stats_min(&d->stats[id]);
		h->max = d->stats[id].max;
	} else if (h->count) {	/* stats still in flight: the buckets' bounds */
		size_t k;

		for (k = 0; !h->slots[k]; k++)
			;
		h->min = tt_hist_slot_lower((__u32)k < TT_HIST_FINITE ? (__u32)k : TT_HIST_FINITE - 1);
		h->max = h->min;
	}
	return j;
}

/* Read every key -> id of the series map into k->keys, marking the ids found. */
static int keys_reread(struct tt_series_keys *k)
{
	unsigned char *key, *prev;
	bool first = true;
	__u32 v;

	key = malloc(k->ksz);
	prev = malloc(k->ksz);
	if (!key || !prev) {
		free(key);
		free(prev);
		return -ENOMEM;
	}
	while (!bpf_map__get_next_key(k->map, first ? NULL : prev, key, k->ksz)) {
		first = false;
		memcpy(prev, key, k->ksz);
		if (bpf_map__lookup_elem(k->map, key, k->ksz, &v, sizeof(v), 0))
			continue;
		if (v < k->base || v - k->base >= k->max)
			continue;
		memcpy(k->keys + (v - k->base) * k->ksz, key, k->ksz);
		k->filled[v - k->base] = 1;
	}
	free(key);
	free(prev);
	return 0;
}

static bool id_unknown(const struct tt_series_keys *k, __u32 id)
{
	return id >= k->base && id - k->base < k->max && !k->filled[id - k->base];
}

/*
 * BPF takes a series id (fetch-and-add) before it inserts the key, so the
 * map may hold id N + 1 while N is still on its way: every id is learned
 * on its own, when a reading first shows samples of it (by then its key is
 * in the map: a program inserts the key before it records under the id).
 */
int tt_series_keys_learn(struct tt_series_keys *k, const struct tt_snap *d)
{
	const struct tt_cellv *vs[2] = { &d->cells, &d->counts };
	size_t i, j;

	if (!k->keys) {
		k->keys = calloc(k->max ? k->max : 1, k->ksz);
		k->filled = calloc(k->max ? k->max : 1, 1);
		if (!k->keys || !k->filled)
			return -ENOMEM;
	}
	for (j = 0; j < 2; j++)
		for (i = 0; i < vs[j]->n; i++)
			if (id_unknown(k, tt_cell_id(vs[j]->v[i].key)))
				return keys_reread(k);
	return 0;
}

const void *tt_series_keys_get(const struct tt_series_keys *k, __u32 id)
{
	if (id < k->base || id - k->base >= k->max || !k->filled || !k->filled[id - k->base])
		return NULL;
	return k->keys + (id - k->base) * k->ksz;
}

void tt_series_keys_release(struct tt_series_keys *k)
{
	free(k->keys);
	free(k->filled);
	k->keys = NULL;
	k->filled = NULL;
}
