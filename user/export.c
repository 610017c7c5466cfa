// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's view of cumulative snapshots (user/export.h): series
 * start times, TTL expiry that forgets, and the per-family series limit
 * with an overflow series.  The state is a private report holding, per
 * family, the label sets of the live series (no values: the snapshot has
 * them) plus a parallel array of times, so it is as large as the view.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

struct sstate {
	double created;		/* start of the current life */
	double changed;		/* last view in which the cumulative value moved */
	double cum;		/* last cumulative value (histograms: count) */
	bool overflow;		/* summed into the overflow series while remembered */
};

struct fstate {
	struct tt_family *base;	/* in x->base: the label sets remembered, same order as st */
	struct sstate *st;
	size_t cap;
	size_t live;		/* own series (not overflowed) */
	size_t overflowed;
	bool forgot;		/* a label set of this family was forgotten */
	/* what overflowed label sets had counted when they were forgotten */
	double retired_value;
	struct tt_hsum retired_hist;
};

struct tt_export {
	struct tt_export_opts o;
	struct tt_report *base;
	struct fstate *fs;
	size_t nfs, fcap;
	double prev_now;	/* `now` of the previous view */
	struct tt_report *gone;	/* label sets the last view forgot */
	struct tt_export_stats stats;
};

struct tt_export *tt_export__new(const struct tt_export_opts *o)
{
	struct tt_export *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->o = *o;
	x->base = tt_report__new();
	x->gone = tt_report__new();
	if (!x->base || !x->gone) {
		tt_report__free(x->base);
		tt_report__free(x->gone);
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
	for (i = 0; i < x->nfs; i++) {
		free(x->fs[i].st);
		tt_hsum_release(&x->fs[i].retired_hist);
	}
	free(x->fs);
	tt_report__free(x->base);
	tt_report__free(x->gone);
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

const struct tt_report *tt_export_gone(const struct tt_export *x)
{
	return x->gone;
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

static bool is_overflow_series(const struct tt_family *f, const struct tt_series *s)
{
	size_t i;

	for (i = 0; i < f->nlabels; i++)
		if (strcmp(s->labels[i], TT_OVERFLOW_LABEL))
			return false;
	return f->nlabels > 0;
}

/*
 * The family's overflow series in the view, created on first use; NULL +
 * errno.  *ov holds its index + 1, not a pointer: adding a series to vf
 * moves vf->series, and own series keep being added after the overflow
 * series was created.
 */
static struct tt_series *overflow_series(struct tt_export *x, struct tt_family *vf, size_t *ov)
{
	struct tt_series *s;
	const char **labels;
	size_t i;

	if (*ov)
		return &vf->series[*ov - 1];
	labels = calloc(vf->nlabels, sizeof(*labels));
	if (!labels)
		return NULL;
	for (i = 0; i < vf->nlabels; i++)
		labels[i] = TT_OVERFLOW_LABEL;
	s = tt_family_add_series(vf, labels);
	free(labels);
	if (!s)
		return NULL;
	s->created = x->o.start;
	*ov = vf->nseries;
	return s;
}

/* Add series `s` (a value, or a histogram) to `dst`. 0 or -ENOMEM. */
static int add_values(struct tt_series *dst, enum tt_metric_type type, double value,
		      const struct tt_hsum *hist)
{
	if (type != TT_METRIC_HISTOGRAM) {
		dst->value += value;
		return 0;
	}
	return tt_hsum_add(&dst->hist, hist);
}

/*
 * Forget label set `i` of the family (an idle series): its labels go to
 * x->gone, which the caller removes from its cumulative source, and its
 * state is dropped at the end of the view.  An overflowed one's counts stay
 * in the overflow series through the family's retired sums.
 */
static int forget(struct tt_export *x, struct fstate *fs, struct tt_family **gone,
		  const struct tt_family *f, const struct tt_series *s, bool *drop, size_t i)
{
	if (!*gone) {
		*gone = tt_report_add_family(x->gone, f->name, f->help, f->unit, f->type,
					     f->nlabels, (const char *const *)f->label_names);
		if (!*gone)
			return -ENOMEM;
	}
	if (!tt_family_add_series(*gone, (const char *const *)s->labels))
		return -ENOMEM;
	if (fs->st[i].overflow) {
		fs->retired_value += s->value;
		if (f->type == TT_METRIC_HISTOGRAM && tt_hsum_add(&fs->retired_hist, &s->hist))
			return -ENOMEM;
	} else {
		fs->live--;
	}
	drop[i] = true;
	fs->forgot = true;
	x->stats.expired++;
	return 0;
}

static int view_family(struct tt_export *x, struct tt_report *view, const struct tt_family *f,
		       double now)
{
	bool expiring = f->type != TT_METRIC_GAUGE && strcmp(f->name, TT_LOST_FAMILY);
	struct tt_series_index idx;
	struct tt_series *out;
	struct tt_family *vf, *gone = NULL;
	size_t ov = 0;			/* the overflow series' index + 1 */
	struct fstate *fs;
	bool *drop = NULL;
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
	drop = calloc(fs->base->nseries + f->nseries + 1, sizeof(*drop));
	if (!drop) {
		tt_series_index_release(&idx);
		return -ENOMEM;
	}
	/* the overflow series takes the place of the first label set summed into it */
	for (i = 0; !ret && i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];
		size_t *slot = tt_series_index_slot(&idx, fs->base, s->labels);
		double cum = f->type == TT_METRIC_HISTOGRAM ? (double)s->hist.count : s->value;
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
			/*
			 * New to the view.  Once label sets were forgotten, this one may be
			 * one of them back, counted since it was forgotten: since the
			 * previous view at least, which did not have it.
			 */
			*st = (struct sstate){ .created = fs->forgot ? x->prev_now : x->o.start,
					       .changed = now, .cum = cum };
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
		if (expiring && cum != st->cum) {
			st->changed = now;
		} else if (expiring && x->o.ttl > 0 && now - st->changed >= x->o.ttl) {
			ret = forget(x, fs, &gone, f, s, drop, *slot - 1);
			continue;
		}
		st->cum = cum;
		if (st->overflow) {
			out = overflow_series(x, vf, &ov);
			ret = out ? add_values(out, f->type, s->value, &s->hist) : -ENOMEM;
			continue;
		}
		out = tt_family_add_series(vf, (const char *const *)s->labels);
		if (!out) {
			ret = -ENOMEM;
			break;
		}
		out->created = st->created;
		if (f->type == TT_METRIC_HISTOGRAM)
			ret = tt_hsum_copy(&out->hist, &s->hist);
		else
			out->value = s->value;
	}
	if (!ret && (fs->retired_value || fs->retired_hist.count)) {
		out = overflow_series(x, vf, &ov);
		ret = out ? add_values(out, f->type, fs->retired_value, &fs->retired_hist) : -ENOMEM;
	}
	tt_series_index_release(&idx);
	/* the forgotten label sets' state, st in step with the base family */
	{
		size_t k = 0;

		for (i = 0; i < fs->base->nseries; i++)
			if (!drop[i])
				fs->st[k++] = fs->st[i];
		tt_family_drop_series(fs->base, drop);
	}
	free(drop);
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
	return tt_report_copy_measures(v, s);
}

struct tt_report *tt_export_view(struct tt_export *x, const struct tt_report *snap, double now)
{
	struct tt_report *v = tt_report__new();
	size_t i, overflowed = 0;
	int ret;

	if (!v)
		return NULL;
	x->stats.series = 0;
	tt_report__free(x->gone);
	x->gone = tt_report__new();
	ret = x->gone ? copy_meta(v, snap) : -ENOMEM;
	for (i = 0; !ret && i < snap->nfamilies; i++)
		ret = view_family(x, v, snap->families[i], now);
	if (ret) {
		tt_report__free(v);
		errno = -ret;
		return NULL;
	}
	x->stats.remembered = 0;
	for (i = 0; i < x->nfs; i++) {
		overflowed += x->fs[i].overflowed;
		x->stats.remembered += x->fs[i].base->nseries;
	}
	x->stats.overflowed = overflowed;
	x->prev_now = now;
	return v;
}
