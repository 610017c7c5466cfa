// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The collection contract in code: a cumulative report grows by adding
 * what a tracer collected (tt_report_accumulate), and an interval report
 * is the difference of two cumulative snapshots (tt_report_diff).  Series
 * are matched by their label values through a hash index, so both are
 * linear in the number of series.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* --- stack index: frames -> stack position (series use tt_series_index) -- */

struct index {
	size_t size;		/* power of two */
	size_t *slot;		/* stack position + 1; 0 = empty */
};

/* --- histogram summaries --------------------------------------------------- */

int tt_hsum_sub(struct tt_hsum *out, const struct tt_hsum *a, const struct tt_hsum *b)
{
	size_t i, j = 0, n = 0;

	memset(out, 0, sizeof(*out));
	out->buckets = calloc(a->nbuckets + 1, sizeof(*out->buckets));
	if (!out->buckets)
		return -ENOMEM;
	for (i = 0; i < a->nbuckets; i++) {
		uint64_t c = a->buckets[i].count;

		while (j < b->nbuckets && b->buckets[j].upper < a->buckets[i].upper)
			j++;
		if (j < b->nbuckets && b->buckets[j].upper == a->buckets[i].upper)
			c = c > b->buckets[j].count ? c - b->buckets[j].count : 0;
		if (c) {
			out->buckets[n] = a->buckets[i];
			out->buckets[n++].count = c;
		}
	}
	out->nbuckets = n;
	out->count = a->count > b->count ? a->count - b->count : 0;
	out->sum = a->sum > b->sum ? a->sum - b->sum : 0;
	if (!out->count)
		return 0;
	out->min = a->min;
	out->max = a->max;
	if (!b->count)
		return 0;
	/* the cumulative min (max) did not move: the interval's lies in its lowest (highest) bucket */
	if (a->min >= b->min && n)
		out->min = fmax(out->buckets[0].lower, a->min);
	if (a->max <= b->max && n && isfinite(out->buckets[n - 1].upper))
		out->max = fmin(out->buckets[n - 1].upper, a->max);
	if (out->max < out->min)	/* one sample between the bounds: the bounds meet */
		out->max = out->min;
	return 0;
}

/* --- families -------------------------------------------------------------- */

static struct tt_family *family_like(struct tt_report *r, const struct tt_family *f)
{
	struct tt_family *n = tt_report_add_family(r, f->name, f->help, f->unit, f->type,
						   f->nlabels,
						   (const char *const *)f->label_names);

	if (!n)
		return NULL;
	n->text_hidden = f->text_hidden;
	if (f->text_join_title) {
		n->text_join_title = strdup(f->text_join_title);
		if (!n->text_join_title)
			return NULL;
	}
	return n;
}

/* The text_join links of `src`, by family name, on the families of `dst`. */
static void copy_joins(struct tt_report *dst, const struct tt_report *src)
{
	size_t i;

	for (i = 0; i < src->nfamilies; i++) {
		struct tt_family *f = tt_report_find_family(dst, src->families[i]->name);

		if (f && src->families[i]->text_join && !f->text_join)
			f->text_join = tt_report_find_family(dst, src->families[i]->text_join->name);
	}
}

static int series_add(struct tt_family *f, const struct tt_series *s, struct tt_series **out)
{
	*out = tt_family_add_series(f, (const char *const *)s->labels);
	return *out ? 0 : -ENOMEM;
}

static int family_accumulate(struct tt_family *dst, const struct tt_family *src)
{
	struct tt_series_index ix;
	size_t i;
	int ret = 0;

	if (dst->nlabels != src->nlabels || dst->type != src->type)
		return -EINVAL;
	/*
	 * A gauge is what the latest collect says (a rate over its period): a
	 * series it no longer reports is 0 now, not its last value forever.
	 */
	for (i = 0; dst->type == TT_METRIC_GAUGE && i < dst->nseries; i++)
		dst->series[i].value = 0;
	ret = tt_series_index_init(&ix, dst, src->nseries);
	for (i = 0; !ret && i < src->nseries; i++) {
		const struct tt_series *s = &src->series[i];
		size_t *sl = tt_series_index_slot(&ix, dst, s->labels);
		struct tt_series *d;

		if (!*sl) {
			ret = series_add(dst, s, &d);
			if (ret)
				break;
			*sl = dst->nseries;
		}
		d = &dst->series[*sl - 1];
		if (dst->type == TT_METRIC_HISTOGRAM)
			ret = tt_hsum_add(&d->hist, &s->hist);
		else if (dst->type == TT_METRIC_COUNTER)
			d->value += s->value;
		else
			d->value = s->value;
	}
	tt_series_index_release(&ix);
	return ret;
}

static int family_diff(struct tt_family *out, const struct tt_family *now,
		       const struct tt_family *before)
{
	struct tt_series_index ix = {};
	size_t i;
	int ret = 0;

	if (before && (before->nlabels != now->nlabels || before->type != now->type))
		before = NULL;
	if (before)
		ret = tt_series_index_init(&ix, before, 0);
	for (i = 0; !ret && i < now->nseries; i++) {
		const struct tt_series *s = &now->series[i], *b;
		struct tt_series *d;

		if (before) {
			size_t *sl = tt_series_index_slot(&ix, before, s->labels);

			b = *sl ? &before->series[*sl - 1] : NULL;
		} else {
			b = NULL;
		}
		if (now->type == TT_METRIC_HISTOGRAM) {
			struct tt_hsum h;
			static const struct tt_hsum empty;

			ret = tt_hsum_sub(&h, &s->hist, b ? &b->hist : &empty);
			if (ret)
				break;
			if (!h.count) {
				tt_hsum_release(&h);
				continue;
			}
			ret = series_add(out, s, &d);
			if (ret) {
				tt_hsum_release(&h);
				break;
			}
			d->hist = h;
		} else if (now->type == TT_METRIC_COUNTER) {
			double v = s->value - (b ? b->value : 0);

			if (v <= 0)
				continue;
			ret = series_add(out, s, &d);
			if (!ret)
				d->value = v;
		} else if (s->value != 0) {	/* a gauge at 0: nothing happened */
			ret = series_add(out, s, &d);
			if (!ret)
				d->value = s->value;
		}
	}
	tt_series_index_release(&ix);
	return ret;
}

/* --- profiles -------------------------------------------------------------- */

static bool frames_eq(const struct tt_stack *a, const struct tt_stack *b)
{
	return a->nframes == b->nframes && tt_strv_eq(a->frames, b->frames, a->nframes);
}

static struct tt_profile *find_profile(const struct tt_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nprofiles; i++)
		if (!strcmp(r->profiles[i]->name, name))
			return r->profiles[i];
	return NULL;
}

/* Stack positions of `p` indexed by frames (the index keys on nframes frames). */
static int stack_index(struct index *ix, const struct tt_profile *p)
{
	size_t i, j;

	for (ix->size = 16; ix->size < 2 * p->nstacks; ix->size *= 2)
		;
	ix->slot = calloc(ix->size, sizeof(*ix->slot));
	if (!ix->slot)
		return -ENOMEM;
	for (i = 0; i < p->nstacks; i++) {
		j = tt_strv_hash(p->stacks[i].frames, p->stacks[i].nframes) & (ix->size - 1);
		while (ix->slot[j])
			j = (j + 1) & (ix->size - 1);
		ix->slot[j] = i + 1;
	}
	return 0;
}

static struct tt_stack *stack_find(const struct index *ix, const struct tt_profile *p,
				   const struct tt_stack *s)
{
	size_t j = tt_strv_hash(s->frames, s->nframes) & (ix->size - 1);

	for (; ix->slot[j]; j = (j + 1) & (ix->size - 1))
		if (frames_eq(&p->stacks[ix->slot[j] - 1], s))
			return &p->stacks[ix->slot[j] - 1];
	return NULL;
}

static int cmp_stack_value(const void *pa, const void *pb)
{
	const struct tt_stack *a = pa, *b = pb;

	return (a->value < b->value) - (a->value > b->value);
}

/* Heaviest stacks first, as a tracer's own collect lists them. */
static void sort_stacks(struct tt_profile *p)
{
	qsort(p->stacks, p->nstacks, sizeof(*p->stacks), cmp_stack_value);
}

int tt_profile_accumulate(struct tt_report *dst, const struct tt_profile *src)
{
	struct tt_profile *p = find_profile(dst, src->name);
	struct index ix;
	size_t i, before;
	int ret;

	if (!p)
		p = tt_report_add_profile(dst, src->name, src->unit);
	if (!p)
		return -ENOMEM;
	before = p->nstacks;
	ret = stack_index(&ix, p);
	for (i = 0; !ret && i < src->nstacks; i++) {
		const struct tt_stack *s = &src->stacks[i];
		struct tt_stack *d = stack_find(&ix, p, s);

		/* stacks appended below are not in the index: src has no duplicates */
		if (d && (size_t)(d - p->stacks) < before)
			d->value += s->value;
		else
			ret = tt_profile_add_stack(p, s->nframes, (const char *const *)s->frames,
						   s->value);
	}
	free(ix.slot);
	sort_stacks(p);
	return ret;
}

static int profile_diff(struct tt_report *out, const struct tt_profile *now,
			const struct tt_profile *before)
{
	struct tt_profile *p = tt_report_add_profile(out, now->name, now->unit);
	struct index ix = {};
	size_t i;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	if (before)
		ret = stack_index(&ix, before);
	for (i = 0; !ret && i < now->nstacks; i++) {
		const struct tt_stack *s = &now->stacks[i];
		const struct tt_stack *b = before ? stack_find(&ix, before, s) : NULL;
		uint64_t v = b ? (s->value > b->value ? s->value - b->value : 0) : s->value;

		if (v)
			ret = tt_profile_add_stack(p, s->nframes, (const char *const *)s->frames, v);
	}
	free(ix.slot);
	sort_stacks(p);
	return ret;
}

/* --- reports --------------------------------------------------------------- */

static bool has_filter(const struct tt_report *r, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < r->nfilters; i++)
		if (!strcmp(r->filters[i].key, key) && !strcmp(r->filters[i].value, value))
			return true;
	return false;
}

int tt_report_accumulate(struct tt_report *dst, const struct tt_report *src)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; !ret && i < src->nfilters; i++)
		if (!has_filter(dst, src->filters[i].key, src->filters[i].value))
			ret = tt_report_add_filter(dst, src->filters[i].key, src->filters[i].value);
	ret = ret ?: tt_report_copy_measures(dst, src);
	for (i = 0; !ret && i < src->nfamilies; i++) {
		struct tt_family *f = tt_report_find_family(dst, src->families[i]->name);

		if (!f)
			f = family_like(dst, src->families[i]);
		ret = f ? family_accumulate(f, src->families[i]) : -ENOMEM;
	}
	for (i = 0; !ret && i < src->nprofiles; i++)
		ret = tt_profile_accumulate(dst, src->profiles[i]);
	if (ret)
		return ret;
	copy_joins(dst, src);
	for (k = 0; k < TT_LOST_NR; k++)
		dst->lost[k] += src->lost[k];
	for (i = 0; i < src->ntracers; i++) {
		int j = tt_report_tracer_index(dst, src->tracers[i]);

		for (k = 0; j >= 0 && k < TT_LOST_NR; k++)
			dst->tracer_lost[j][k] += src->tracer_lost[i][k];
	}
	return 0;
}

int tt_report_add_lost_family(struct tt_report *r)
{
	static const char *const names[] = { "tracer", "reason" };
	struct tt_family *f;
	size_t i, k;

	f = tt_report_add_family(r, TT_LOST_FAMILY,
				 "Events and samples tracetool could not record, by tracer and "
				 "reason (the report's lost, split).", "", TT_METRIC_COUNTER, 2, names);
	if (!f)
		return -ENOMEM;
	f->text_hidden = true;
	for (i = 0; i < r->ntracers; i++)
		for (k = 0; k < TT_LOST_NR; k++) {
			struct tt_series *s = tt_family_add_series(
				f, (const char *const[]){ r->tracers[i], tt_lost_names[k] });

			if (!s)
				return -ENOMEM;
			s->value = (double)r->tracer_lost[i][k];
		}
	return 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

struct tt_report *tt_report_diff(const struct tt_report *now, const struct tt_report *before)
{
	struct tt_report *r = tt_report__new();
	size_t i, k;
	int ret = 0;

	if (!r)
		return NULL;
	memcpy(r->host, now->host, sizeof(r->host));
	memcpy(r->kernel, now->kernel, sizeof(r->kernel));
	r->started_at = now->started_at;
	r->duration_seconds = now->duration_seconds;
	for (i = 0; !ret && i < now->ntracers; i++) {
		int j = tt_report_tracer_index(before, now->tracers[i]);

		ret = tt_report_add_tracer(r, now->tracers[i],
					   i < now->nhooks ? now->hooks[i].value : "?");
		for (k = 0; !ret && k < TT_LOST_NR; k++)
			r->tracer_lost[i][k] = sub0(now->tracer_lost[i][k],
						    j >= 0 ? before->tracer_lost[j][k] : 0);
	}
	for (i = 0; !ret && i < now->nfilters; i++)
		ret = tt_report_add_filter(r, now->filters[i].key, now->filters[i].value);
	ret = ret ?: tt_report_copy_measures(r, now);
	ret = ret ?: tt_report_copy_command(r, &now->cmd);
	for (k = 0; k < TT_LOST_NR; k++)
		r->lost[k] = sub0(now->lost[k], before->lost[k]);
	for (i = 0; !ret && i < now->nfamilies; i++) {
		const struct tt_family *f = now->families[i];
		struct tt_family *out;

		if (!strcmp(f->name, TT_LOST_FAMILY)) {
			ret = tt_report_add_lost_family(r);
			continue;
		}
		out = family_like(r, f);
		ret = out ? family_diff(out, f, tt_report_find_family(before, f->name)) : -ENOMEM;
	}
	for (i = 0; !ret && i < now->nprofiles; i++)
		ret = profile_diff(r, now->profiles[i], find_profile(before, now->profiles[i]->name));
	if (ret) {
		tt_report__free(r);
		errno = -ret;
		return NULL;
	}
	copy_joins(r, now);
	return r;
}
