// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Label tuples -> sparse histograms, in an open-addressing hash table
 * (FNV-1a over the label values, linear probing, doubled at 70 % load).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

static uint64_t hash_labels(size_t n, const char *const *labels)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	const unsigned char *p;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)labels[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0x1f) * 1099511628211ULL;	/* separator */
	}
	return h;
}

static int same_labels(size_t n, char *const *a, const char *const *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

struct tt_agg *tt_agg__new(size_t nlabels)
{
	struct tt_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->nlabels = nlabels;
	a->size = 64;
	a->slots = calloc(a->size, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return NULL;
	}
	return a;
}

static void entry_free(size_t nlabels, struct tt_agg_entry *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < nlabels; i++)
		free(e->labels[i]);
	free(e->labels);
	free(e->buckets);
	free(e);
}

void tt_agg_clear(struct tt_agg *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->size; i++) {
		entry_free(a->nlabels, a->slots[i]);
		a->slots[i] = NULL;
	}
	a->n = 0;
}

void tt_agg__free(struct tt_agg *a)
{
	if (!a)
		return;
	tt_agg_clear(a);
	free(a->slots);
	free(a);
}

static size_t probe(const struct tt_agg *a, const char *const *labels, uint64_t h)
{
	size_t i = (size_t)h & (a->size - 1);

	while (a->slots[i] && !same_labels(a->nlabels, a->slots[i]->labels, labels))
		i = (i + 1) & (a->size - 1);
	return i;
}

struct tt_agg_entry *tt_agg_find(const struct tt_agg *a, const char *const *labels)
{
	return a->slots[probe(a, labels, hash_labels(a->nlabels, labels))];
}

static int grow(struct tt_agg *a)
{
	struct tt_agg_entry **old = a->slots;
	size_t i, oldsize = a->size;

	a->slots = calloc(oldsize * 2, sizeof(*a->slots));
	if (!a->slots) {
		a->slots = old;
		return -ENOMEM;
	}
	a->size = oldsize * 2;
	for (i = 0; i < oldsize; i++) {
		struct tt_agg_entry *e = old[i];

		if (e)
			a->slots[probe(a, (const char *const *)e->labels,
				       hash_labels(a->nlabels, (const char *const *)e->labels))] = e;
	}
	free(old);
	return 0;
}

struct tt_agg_entry *tt_agg_get(struct tt_agg *a, const char *const *labels)
{
	struct tt_agg_entry *e;
	size_t i;

	i = probe(a, labels, hash_labels(a->nlabels, labels));
	if (a->slots[i])
		return a->slots[i];
	if ((a->n + 1) * 10 > a->size * 7) {
		if (grow(a))
			return NULL;
		i = probe(a, labels, hash_labels(a->nlabels, labels));
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->labels = calloc(a->nlabels, sizeof(*e->labels));
	if (!e->labels)
		goto err;
	for (size_t k = 0; k < a->nlabels; k++) {
		e->labels[k] = strdup(labels[k]);
		if (!e->labels[k])
			goto err;
	}
	a->slots[i] = e;
	a->n++;
	return e;
err:
	entry_free(a->nlabels, e);
	errno = ENOMEM;
	return NULL;
}

int tt_agg_entry_record(struct tt_agg_entry *e, uint64_t v)
{
	uint32_t slot = tt_hist_slot(v);
	size_t lo = 0, hi = e->nbuckets;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->buckets[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == e->nbuckets || e->buckets[lo].slot != slot) {
		if (e->nbuckets == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 8;
			struct tt_agg_bucket *b = realloc(e->buckets, cap * sizeof(*b));

			if (!b)
				return -ENOMEM;
			e->buckets = b;
			e->cap = cap;
		}
		memmove(&e->buckets[lo + 1], &e->buckets[lo], (e->nbuckets - lo) * sizeof(*e->buckets));
		e->buckets[lo] = (struct tt_agg_bucket){ .slot = slot, .count = 0 };
		e->nbuckets++;
	}
	e->buckets[lo].count++;
	if (!e->count || v < e->min)
		e->min = v;
	if (v > e->max)
		e->max = v;
	e->count++;
	e->sum += v;
	return 0;
}

int tt_agg_record(struct tt_agg *a, const char *const *labels, uint64_t v)
{
	struct tt_agg_entry *e = tt_agg_get(a, labels);

	return e ? tt_agg_entry_record(e, v) : -ENOMEM;
}

int tt_agg_fill(const struct tt_agg *a, struct tt_family *f, double scale)
{
	size_t i, k;

	for (i = 0; i < a->size; i++) {
		const struct tt_agg_entry *e = a->slots[i];
		struct tt_series *s;

		if (!e || !e->count)
			continue;
		s = tt_family_add_series(f, (const char *const *)e->labels);
		if (!s)
			return -ENOMEM;
		s->hist.count = e->count;
		s->hist.sum = tt_hist_scaled((double)e->sum, scale);
		s->hist.min = tt_hist_scaled((double)e->min, scale);
		s->hist.max = tt_hist_scaled((double)e->max, scale);
		s->hist.buckets = malloc(e->nbuckets * sizeof(*s->hist.buckets) + 1);
		if (!s->hist.buckets)
			return -ENOMEM;
		for (k = 0; k < e->nbuckets; k++)
			s->hist.buckets[k] = tt_bucket_of_slot(e->buckets[k].slot,
							       e->buckets[k].count, scale);
		s->hist.nbuckets = e->nbuckets;
	}
	return 0;
}
