// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's view of cumulative snapshots (user/export.h): series
 * start times, TTL expiry with a baseline, and the per-family series limit
 * with a sticky overflow series.  The state is a private report holding,
 * per family and label set, the baseline (the cumulative value when the
 * series last expired; zero until then) plus a parallel array of times.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

struct sstate {
	double created;		/* start of the current life */
	double changed;		/* last view in which the cumulative value moved */
	double expired_at;
	double cum;		/* last cumulative value (histograms: count) */
	bool expired;
	bool overflow;		/* summed into the overflow series, for good */
};

struct fstate {
	struct tt_family *base;	/* in x->base: baselines, same order as st */
	struct sstate *st;
	size_t cap;
	size_t live;		/* own series neither expired nor overflowed */
	size_t overflowed;
};

struct tt_export {
	struct tt_export_opts o;
	struct tt_report *base;
	struct fstate *fs;
	size_t nfs, fcap;
	struct tt_export_stats stats;
};

struct tt_export *tt_export__new(const struct tt_export_opts *o)
{
	struct tt_export *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->o = *o;
	x->base = tt_report__new();
	if (!x->base) {
		free(x);
		errno = ENOMEM;
		return NULL;
	}
	return x;
}

void tt_export__free(struct tt_export *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->nfs; i++)
		free(x->fs[i].st);
	free(x->fs);
	tt_report__free(x->base);
	free(x);
}

void tt_export_set_ttl(struct tt_export *x, double ttl)
{
	x->o.ttl = ttl;
}

const struct tt_export_stats *tt_export_stats(const struct tt_export *x)
{
	return &x->stats;
}

static struct fstate *find_fstate(const struct tt_export *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nfs; i++)
		if (!strcmp(x->fs[i].base->name, name))
			return &x->fs[i];
	return NULL;
}

size_t tt_export_overflowed(const struct tt_export *x, const char *name)
{
	const struct fstate *fs = find_fstate(x, name);

	return fs ? fs->overflowed : 0;
}

static struct fstate *get_fstate(struct tt_export *x, const struct tt_family *f)
{
	struct fstate *fs = find_fstate(x, f->name);
	struct tt_family *base;

	if (fs)
		return fs;
	if (x->nfs == x->fcap) {
		size_t cap = x->fcap ? 2 * x->fcap : 16;
		struct fstate *n = realloc(x->fs, cap * sizeof(*n));

		if (!n)
			return NULL;
		x->fs = n;
		x->fcap = cap;
	}
	base = tt_report_add_family(x->base, f->name, f->help, f->unit, f->type, f->nlabels,
				    (const char *const *)f->label_names);
	if (!base)
		return NULL;
	fs = &x->fs[x->nfs++];
	memset(fs, 0, sizeof(*fs));
	fs->base = base;
	return fs;
}

/* out = a - b (b an earlier cumulative state of a), buckets matched by upper bound. */
static int hsum_sub(struct tt_hsum *out, const struct tt_hsum *a, const struct tt_hsum *b)
{
	size_t i, j = 0, n = 0;

	memset(out, 0, sizeof(*out));
	if (a->nbuckets) {
		out->buckets = calloc(a->nbuckets, sizeof(*out->buckets));
		if (!out->buckets)
			return -ENOMEM;
	}
	for (i = 0; i < a->nbuckets; i++) {
		uint64_t c = a->buckets[i].count;

		for (; j < b->nbuckets && b->buckets[j].upper < a->buckets[i].upper; j++)
			;
		if (j < b->nbuckets && b->buckets[j].upper == a->buckets[i].upper)
			c = c > b->buckets[j].count ? c - b->buckets[j].count : 0;
		if (c) {
			out->buckets[n] = a->buckets[i];
			out->buckets[n++].count = c;
		}
	}
	out->nbuckets = n;
	out->count = a->count > b->count ? a->count - b->count : 0;
	out->sum = a->count > b->count ? a->sum - b->sum : 0;
	/* min/max since the baseline are not known: the cumulative ones bound them */
	out->min = out->count ? a->min : 0;
	out->max = out->count ? a->max : 0;
	return 0;
}

static bool is_overflow_series(const struct tt_family *f, const struct tt_series *s)
{
	size_t i;

	for (i = 0; i < f->nlabels; i++)
		if (strcmp(s->labels[i], TT_OVERFLOW_LABEL))
			return false;
	return f->nlabels > 0;
}

/* Add (s - baseline) to the family's overflow series in the view, created on first use. */
static int add_overflow(struct tt_export *x, struct tt_family *vf, struct tt_series **ov,
			const struct tt_series *s, const struct tt_series *bs)
{
	struct tt_hsum d;
	int ret;

	if (!*ov) {
		const char **labels = calloc(vf->nlabels, sizeof(*labels));
		size_t i;

		if (!labels)
			return -ENOMEM;
		for (i = 0; i < vf->nlabels; i++)
			labels[i] = TT_OVERFLOW_LABEL;
		*ov = tt_family_add_series(vf, labels);
		free(labels);
		if (!*ov)
			return -ENOMEM;
		(*ov)->created = x->o.start;
	}
	if (vf->type != TT_METRIC_HISTOGRAM) {
		(*ov)->value += vf->type == TT_METRIC_GAUGE ? s->value : s->value - bs->value;
		return 0;
	}
	ret = hsum_sub(&d, &s->hist, &bs->hist);
	if (!ret)
		ret = tt_hsum_add(&(*ov)->hist, &d);
	tt_hsum_release(&d);
	return ret;
}

static int view_family(struct tt_export *x, struct tt_report *view, const struct tt_family *f,
		       double now)
{
	bool expiring = f->type != TT_METRIC_GAUGE && strcmp(f->name, TT_LOST_FAMILY);
	struct tt_series_index idx;
	struct tt_series *ov = NULL;
	struct tt_family *vf;
	struct fstate *fs;
	size_t i;
	int ret = 0;

	fs = get_fstate(x, f);
	vf = tt_report_add_family(view, f->name, f->help, f->unit, f->type, f->nlabels,
				  (const char *const *)f->label_names);
	if (!fs || !vf)
		return -ENOMEM;
	vf->text_hidden = f->text_hidden;
	if (tt_series_index_init(&idx, fs->base, f->nseries))
		return -ENOMEM;
	/* overflow series first in the view would reorder; it goes last: collect, then add */
	for (i = 0; !ret && i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];
		size_t *slot = tt_series_index_slot(&idx, fs->base, s->labels);
		double cum = f->type == TT_METRIC_HISTOGRAM ? (double)s->hist.count : s->value;
		struct tt_series *bs, *out;
		struct sstate *st;

		if (!*slot) {
			if (fs->base->nseries == fs->cap) {
				size_t cap = fs->cap ? 2 * fs->cap : 64;
				struct sstate *n = realloc(fs->st, cap * sizeof(*n));

				if (!n) {
					ret = -ENOMEM;
					break;
				}
				fs->st = n;
				fs->cap = cap;
			}
			if (!tt_family_add_series(fs->base, (const char *const *)s->labels)) {
				ret = -ENOMEM;
				break;
			}
			*slot = fs->base->nseries;
			st = &fs->st[*slot - 1];
			*st = (struct sstate){ .created = x->o.start, .changed = now, .cum = cum };
			if (is_overflow_series(f, s)) {
				st->overflow = true;
			} else if (x->o.max_series && fs->live >= x->o.max_series) {
				st->overflow = true;
				fs->overflowed++;
			} else {
				fs->live++;
			}
		}
		st = &fs->st[*slot - 1];
		bs = &fs->base->series[*slot - 1];
		if (st->overflow) {
			ret = add_overflow(x, vf, &ov, s, bs);
			continue;
		}
		if (expiring && cum != st->cum) {
			if (st->expired) {
				st->expired = false;
				st->created = st->expired_at;
				if (x->o.max_series && fs->live >= x->o.max_series) {
					st->overflow = true;
					fs->overflowed++;
					ret = add_overflow(x, vf, &ov, s, bs);
					continue;
				}
				fs->live++;
			}
			st->changed = now;
		} else if (expiring && !st->expired && x->o.ttl > 0 &&
			   now - st->changed >= x->o.ttl) {
			/* the cumulative value now is where its next life starts from */
			bs->value = s->value;
			tt_hsum_release(&bs->hist);
			if (tt_hsum_copy(&bs->hist, &s->hist)) {
				ret = -ENOMEM;
				break;
			}
			st->expired = true;
			st->expired_at = now;
			fs->live--;
		}
		st->cum = cum;
		if (st->expired) {
			x->stats.expired++;
			continue;
		}
		out = tt_family_add_series(vf, (const char *const *)s->labels);
		if (!out) {
			ret = -ENOMEM;
			break;
		}
		out->created = st->created;
		if (f->type == TT_METRIC_HISTOGRAM)
			ret = hsum_sub(&out->hist, &s->hist, &bs->hist);
		else
			out->value = f->type == TT_METRIC_GAUGE ? s->value : s->value - bs->value;
	}
	tt_series_index_release(&idx);
	x->stats.series += vf->nseries;
	return ret;
}

static int copy_meta(struct tt_report *v, const struct tt_report *s)
{
	size_t i, k;
	int ret;

	memcpy(v->host, s->host, sizeof(v->host));
	memcpy(v->kernel, s->kernel, sizeof(v->kernel));
	v->started_at = s->started_at;
	v->duration_seconds = s->duration_seconds;
	for (i = 0; i < s->ntracers; i++) {
		const char *hook = "";

		for (k = 0; k < s->nhooks; k++)
			if (!strcmp(s->hooks[k].key, s->tracers[i]))
				hook = s->hooks[k].value;
		ret = tt_report_add_tracer(v, s->tracers[i], hook);
		if (ret)
			return ret;
		if (s->tracer_lost)
			memcpy(v->tracer_lost[i], s->tracer_lost[i], sizeof(v->tracer_lost[i]));
	}
	memcpy(v->lost, s->lost, sizeof(v->lost));
	for (i = 0; i < s->nfilters; i++) {
		ret = tt_report_add_filter(v, s->filters[i].key, s->filters[i].value);
		if (ret)
			return ret;
	}
	return 0;
}

struct tt_report *tt_export_view(struct tt_export *x, const struct tt_report *snap, double now)
{
	struct tt_report *v = tt_report__new();
	size_t i, overflowed = 0;
	int ret;

	if (!v)
		return NULL;
	x->stats.series = 0;
	x->stats.expired = 0;
	ret = copy_meta(v, snap);
	for (i = 0; !ret && i < snap->nfamilies; i++)
		ret = view_family(x, v, snap->families[i], now);
	if (ret) {
		tt_report__free(v);
		errno = -ret;
		return NULL;
	}
	for (i = 0; i < x->nfs; i++)
		overflowed += x->fs[i].overflowed;
	x->stats.overflowed = overflowed;
	return v;
}
