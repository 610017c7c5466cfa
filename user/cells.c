// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Generation-tagged per-CPU maps, read into sorted arrays.  BPF records
 * into the half of each value tagged with the current generation; user
 * space publishes the next generation and reads the old halves.  A program
 * that read the old generation just before the switch may still write after
 * the read (a stalled vCPU, a long interrupt): those samples are still in
 * the old half at the next report, which re-reads it before switching again
 * and adds the increase, so no sample is lost between interval reports.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cells.h"

static int key_cmp(const void *a, const void *b, void *ksz)
{
	return memcmp(a, b, *(size_t *)ksz);
}

size_t tt_cells_fold(const struct tt_cells *c, size_t i, size_t slot_off, struct tt_hist *h)
{
	const unsigned char *first = tt_cells_key(c, i);
	struct tt_hist_sum tot = {};
	size_t j;

	memset(h, 0, sizeof(*h));
	for (j = i; j < c->n && !memcmp(first, tt_cells_key(c, j), slot_off); j++) {
		__u32 slot;

		memcpy(&slot, (const unsigned char *)tt_cells_key(c, j) + slot_off, sizeof(slot));
		if (slot >= TT_HIST_NSLOTS)
			continue;
		tt_hist_sum_add(&tot, &c->sums[j]);
		h->slots[slot] += c->sums[j].count;
	}
	h->count = tot.count;
	h->sum = tot.sum;
	h->min = tot.min;
	h->max = tot.max;
	return j;
}

void tt_cells_release(struct tt_cells *c)
{
	free(c->keys);
	free(c->sums);
	c->keys = NULL;
	c->sums = NULL;
	c->n = 0;
}

void tt_cell_map_release(struct tt_cell_map *m)
{
	tt_cells_release(&m->prev);
	tt_cells_release(&m->late);
	m->have_prev = false;
}

static int cells_push(struct tt_cells *c, size_t *cap, const void *key, const struct tt_hist_sum *s)
{
	if (c->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		unsigned char *k = realloc(c->keys, ncap * c->ksz);
		struct tt_hist_sum *v;

		if (!k)
			return -ENOMEM;
		c->keys = k;
		v = realloc(c->sums, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->sums = v;
		*cap = ncap;
	}
	memcpy(c->keys + c->n * c->ksz, key, c->ksz);
	c->sums[c->n++] = *s;
	return 0;
}

/* Sort by key (keys and sums move together) and merge equal keys. */
static int cells_sort(struct tt_cells *c)
{
	size_t rec = c->ksz + sizeof(struct tt_hist_sum), i, n = 0;
	unsigned char *tmp;

	if (c->n < 2)
		return 0;
	tmp = malloc(c->n * rec);
	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		memcpy(tmp + i * rec, tt_cells_key(c, i), c->ksz);
		memcpy(tmp + i * rec + c->ksz, &c->sums[i], sizeof(c->sums[i]));
	}
	qsort_r(tmp, c->n, rec, key_cmp, &c->ksz);
	for (i = 0; i < c->n; i++) {
		struct tt_hist_sum s;

		memcpy(&s, tmp + i * rec + c->ksz, sizeof(s));
		if (n && !memcmp(c->keys + (n - 1) * c->ksz, tmp + i * rec, c->ksz)) {
			tt_hist_sum_add(&c->sums[n - 1], &s);
			continue;
		}
		memcpy(c->keys + n * c->ksz, tmp + i * rec, c->ksz);
		c->sums[n++] = s;
	}
	c->n = n;
	free(tmp);
	return 0;
}

/* Every key of the map, then every value: the keys first, so none is missed by deletion races. */
static int cells_read_gen(const struct tt_cell_map *m, __u32 gen, struct tt_cells *out)
{
	int ncpu = libbpf_num_possible_cpus(), c, ret = 0;
	size_t vsz = m->kind == TT_CELLS_HIST ? sizeof(struct tt_hist_cell)
					      : sizeof(struct tt_gen_counter);
	unsigned char *key = malloc(m->ksz), *prev = malloc(m->ksz), *vals;
	size_t cap = 0;
	bool first = true;

	memset(out, 0, sizeof(*out));
	out->ksz = m->ksz;
	vals = calloc((size_t)(ncpu > 0 ? ncpu : 1), vsz);
	if (!key || !prev || !vals || ncpu <= 0) {
		ret = ncpu <= 0 ? ncpu : -ENOMEM;
		goto out;
	}
	while (!ret && !bpf_map__get_next_key(m->map, first ? NULL : prev, key, m->ksz)) {
		struct tt_hist_sum s = {};

		first = false;
		memcpy(prev, key, m->ksz);
		if (bpf_map__lookup_elem(m->map, key, m->ksz, vals, vsz * (size_t)ncpu, 0))
			continue;
		for (c = 0; c < ncpu; c++) {
			const void *v = vals + (size_t)c * vsz;

			if (m->kind == TT_CELLS_HIST) {
				const struct tt_hist_sum *h = tt_hist_cell_read(v, gen);

				if (h)
					tt_hist_sum_add(&s, h);
			} else {
				s.count += tt_gen_counter_read(v, gen);
			}
		}
		if (s.count)
			ret = cells_push(out, &cap, key, &s);
	}
	ret = ret ?: cells_sort(out);
out:
	if (ret)
		tt_cells_release(out);
	free(key);
	free(prev);
	free(vals);
	return ret;
}

static const struct tt_hist_sum *cells_find(const struct tt_cells *c, const void *key)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = memcmp(tt_cells_key(c, mid), key, c->ksz);

		if (!d)
			return &c->sums[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int tt_cell_map_catch_late(struct tt_cell_map *m, __u32 gen)
{
	struct tt_cells again;
	size_t i, cap = 0;
	int ret;

	tt_cells_release(&m->late);
	m->late.ksz = m->ksz;
	if (!m->have_prev)
		return 0;
	ret = cells_read_gen(m, gen - 1, &again);
	for (i = 0; !ret && i < again.n; i++) {
		const struct tt_hist_sum *p = cells_find(&m->prev, tt_cells_key(&again, i));
		struct tt_hist_sum d = again.sums[i];

		if (p) {
			if (d.count <= p->count)
				continue;
			d.count -= p->count;
			d.sum -= p->sum;	/* min/max: those of the whole half, a bound */
		}
		ret = cells_push(&m->late, &cap, tt_cells_key(&again, i), &d);
	}
	tt_cells_release(&again);
	return ret;
}

int tt_cell_map_read(struct tt_cell_map *m, __u32 gen, bool keep, struct tt_cells *out)
{
	size_t cap, i;
	int ret;

	ret = cells_read_gen(m, gen, out);
	if (ret)
		return ret;
	if (keep) {
		struct tt_cells copy = { .ksz = m->ksz };

		cap = 0;
		for (i = 0; !ret && i < out->n; i++)
			ret = cells_push(&copy, &cap, tt_cells_key(out, i), &out->sums[i]);
		if (ret) {
			tt_cells_release(&copy);
			tt_cells_release(out);
			return ret;
		}
		tt_cells_release(&m->prev);
		m->prev = copy;
		m->have_prev = true;
	}
	cap = out->n;
	for (i = 0; !ret && i < m->late.n; i++)
		ret = cells_push(out, &cap, tt_cells_key(&m->late, i), &m->late.sums[i]);
	ret = ret ?: cells_sort(out);
	tt_cells_release(&m->late);
	if (ret)
		tt_cells_release(out);
	return ret;
}
