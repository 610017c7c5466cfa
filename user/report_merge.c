// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Merging reports: several saved reports of the same tracers (runs of a
 * CI job, hosts of a fleet) added into one, so that `tracetool report
 * a.json b.json` renders what one long run would have shown.  The rules
 * are in user/reader.h at tt_report_merge.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool has_tracer(const struct tt_report *r, const char *t)
{
	size_t i;

	for (i = 0; i < r->ntracers; i++)
		if (!strcmp(r->tracers[i], t))
			return true;
	return false;
}

/* Is `v` one of the comma-separated items of `list`? */
static bool list_has(const char *list, const char *v)
{
	size_t n = strlen(v);
	const char *p = list;

	for (;;) {
		if (!strncmp(p, v, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
}

/* Append ",v" to the fixed buffer `buf` unless it is listed already or does not fit. */
static void list_add_fixed(char *buf, size_t size, const char *v)
{
	size_t n = strlen(buf);

	if (list_has(buf, v) || n + 1 + strlen(v) >= size)
		return;
	snprintf(buf + n, size - n, ",%s", v);
}

/* The same for a heap string. 0 or -ENOMEM. */
static int list_add(char **s, const char *v)
{
	size_t n;
	char *p;

	if (list_has(*s, v))
		return 0;
	n = strlen(*s) + strlen(v) + 2;
	p = malloc(n);
	if (!p)
		return -ENOMEM;
	snprintf(p, n, "%s,%s", *s, v);
	free(*s);
	*s = p;
	return 0;
}

static int merge_header(struct tt_report *dst, const struct tt_report *src)
{
	size_t i, k;
	int ret;

	tt_report_clear_command(dst);	/* several runs: no one command's fate */
	list_add_fixed(dst->host, sizeof(dst->host), src->host);
	list_add_fixed(dst->kernel, sizeof(dst->kernel), src->kernel);
	if (src->started_at.tv_sec < dst->started_at.tv_sec ||
	    (src->started_at.tv_sec == dst->started_at.tv_sec &&
	     src->started_at.tv_nsec < dst->started_at.tv_nsec))
		dst->started_at = src->started_at;
	for (i = 0; i < src->nhooks; i++) {
		for (k = 0; k < dst->nhooks; k++)
			if (!strcmp(dst->hooks[k].key, src->hooks[i].key))
				break;
		ret = k < dst->nhooks ? list_add(&dst->hooks[k].value, src->hooks[i].value) :
					tt_report_add_hook(dst, src->hooks[i].key, src->hooks[i].value);
		if (ret)
			return ret;
	}
	for (i = 0; i < src->nfilters; i++) {
		for (k = 0; k < dst->nfilters; k++)
			if (!strcmp(dst->filters[k].key, src->filters[i].key) &&
			    !strcmp(dst->filters[k].value, src->filters[i].value))
				break;
		if (k == dst->nfilters &&
		    tt_report_add_filter(dst, src->filters[i].key, src->filters[i].value))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Values measured under other options are other quantities (run-queue
 * waits are not blocked time): refused before dst changes.  A tracer one
 * report records no options for (written before they were recorded) makes
 * the merge's unknown too, so the result never vouches for what it cannot.
 */
static int merge_measures(struct tt_report *dst, const struct tt_report *src, char *err,
			  size_t errlen)
{
	struct tt_measure_diff d;
	size_t i;

	for (i = 0; i < src->ntracers; i++)
		if (tt_report_measure_cmp(dst, src, src->tracers[i], &d) == TT_MEASURE_DIFFER)
			return fail(err, errlen, "%s --%s: %s in one report, %s in the other: they "
				    "measure different things", src->tracers[i], d.key,
				    tt_measure_value(d.a), tt_measure_value(d.b));
	for (i = 0; i < src->ntracers; i++)
		if (!tt_report_has_measures(src, src->tracers[i]))
			tt_report_drop_measures(dst, src->tracers[i]);
	return 0;
}

/*
 * Losses add.  The per-tracer split survives only when both reports carry
 * it (or there is one tracer, whose split is the total): otherwise it
 * would no longer add up to `lost`.
 */
static int merge_lost(struct tt_report *dst, const struct tt_report *src)
{
	size_t i, j, k;

	for (k = 0; k < TT_LOST_NR; k++)
		dst->lost[k] += src->lost[k];
	if (dst->ntracers == 1 && (dst->tracer_lost || src->tracer_lost)) {
		if (!dst->tracer_lost) {
			dst->tracer_lost = calloc(1, sizeof(*dst->tracer_lost));
			if (!dst->tracer_lost)
				return -ENOMEM;
		}
		memcpy(dst->tracer_lost[0], dst->lost, sizeof(dst->lost));
		return 0;
	}
	if (!dst->tracer_lost || !src->tracer_lost) {
		free(dst->tracer_lost);
		dst->tracer_lost = NULL;
		return 0;
	}
	for (i = 0; i < src->ntracers; i++)
		for (j = 0; j < dst->ntracers; j++)
			if (!strcmp(dst->tracers[j], src->tracers[i]))
				for (k = 0; k < TT_LOST_NR; k++)
					dst->tracer_lost[j][k] += src->tracer_lost[i][k];
	return 0;
}

/* --- metrics --- */

static bool same_label_names(const struct tt_family *a, const struct tt_family *b)
{
	size_t i;

	if (a->nlabels != b->nlabels)
		return false;
	for (i = 0; i < a->nlabels; i++)
		if (strcmp(a->label_names[i], b->label_names[i]))
			return false;
	return true;
}

/*
 * Weights of dst's and src's gauges: each input's share of the merged
 * duration (equal shares when neither observed any time).
 */
struct weights {
	double dst, src;
};

static int merge_series(struct tt_family *df, struct tt_series_index *x, const struct tt_series *s,
			struct weights w)
{
	size_t *sl = tt_series_index_slot(x, df, s->labels);
	struct tt_series *d;

	if (*sl) {
		d = &df->series[*sl - 1];
	} else {
		d = tt_family_add_series(df, (const char *const *)s->labels);
		if (!d)
			return -ENOMEM;
		*sl = df->nseries;
		if (df->type == TT_METRIC_GAUGE)
			d->value = 0;	/* absent from dst: 0 over its duration */
	}
	switch (df->type) {
	case TT_METRIC_HISTOGRAM:
		return tt_hsum_add(&d->hist, &s->hist);
	case TT_METRIC_GAUGE:
		d->value += s->value * w.src;
		return 0;
	default:
		d->value += s->value;
		return 0;
	}
}

/* dst (without series) takes src's label names. 0 or -ENOMEM. */
static int set_label_names(struct tt_family *dst, const struct tt_family *src)
{
	char **names = calloc(src->nlabels + 1, sizeof(*names));
	size_t i;

	for (i = 0; names && i < src->nlabels; i++) {
		names[i] = strdup(src->label_names[i]);
		if (!names[i])
			goto err;
	}
	if (!names)
		return -ENOMEM;
	for (i = 0; i < dst->nlabels; i++)
		free(dst->label_names[i]);
	free(dst->label_names);
	dst->label_names = names;
	dst->nlabels = src->nlabels;
	return 0;
err:
	while (i--)
		free(names[i]);
	free(names);
	return -ENOMEM;
}

/*
 * A family of src's that dst has under another shape cannot be merged; a
 * family without series in one of them has no label names there yet.
 */
static int merge_family(struct tt_report *dst, const struct tt_family *sf, struct weights w,
			char *err, size_t errlen)
{
	struct tt_family *df = tt_report_find_family(dst, sf->name);
	struct tt_series_index x;
	size_t i;
	int ret;

	if (!df) {
		df = tt_report_add_family(dst, sf->name, sf->help, sf->unit, sf->type, sf->nlabels,
					  (const char *const *)sf->label_names);
		if (!df)
			return -ENOMEM;
	}
	if (df->type != sf->type || strcmp(df->unit, sf->unit))
		return fail(err, errlen, "metric %s: type or unit differs between reports",
			    sf->name);
	if (!same_label_names(df, sf)) {
		if (df->nseries && sf->nseries)
			return fail(err, errlen, "metric %s: label names differ between reports",
				    sf->name);
		if (df->nseries)
			return 0;	/* src has no series to add */
		ret = set_label_names(df, sf);
		if (ret)
			return ret;
	}
	if (!sf->nseries)
		return 0;
	ret = tt_series_index_init(&x, df, sf->nseries);
	for (i = 0; !ret && i < sf->nseries; i++)
		ret = merge_series(df, &x, &sf->series[i], w);
	tt_series_index_release(&x);
	return ret;
}

/* --- events and profiles --- */

static int copy_event(struct tt_report *dst, const struct tt_event *e)
{
	struct tt_event *d = tt_report_add_event(dst, e->type, &e->time);
	size_t i;
	int ret = d ? 0 : -ENOMEM;

	for (i = 0; !ret && i < e->nfields; i++)
		ret = e->fields[i].str ? tt_event_add_str(d, e->fields[i].name, e->fields[i].str) :
					 tt_event_add_num(d, e->fields[i].name, e->fields[i].num);
	return ret;
}

static int merge_profile(struct tt_report *dst, const struct tt_profile *sp, char *err,
			 size_t errlen)
{
	size_t i;

	for (i = 0; i < dst->nprofiles; i++)
		if (!strcmp(dst->profiles[i]->name, sp->name) && strcmp(dst->profiles[i]->unit, sp->unit))
			return fail(err, errlen, "profile %s: in %s in one report, %s in another",
				    sp->name, dst->profiles[i]->unit, sp->unit);
	return tt_profile_accumulate(dst, sp);
}

int tt_report_merge(struct tt_report *dst, const struct tt_report *src, char *err,
		    size_t errlen)
{
	double total = dst->duration_seconds + src->duration_seconds;
	struct weights w = { 0.5, 0.5 };
	size_t i, k;
	int ret;

	if (dst->ntracers != src->ntracers)
		goto other_tracers;
	for (i = 0; i < src->ntracers; i++)
		if (!has_tracer(dst, src->tracers[i]))
			goto other_tracers;
	ret = merge_measures(dst, src, err, errlen);
	if (ret)
		return ret;
	if (total > 0)
		w = (struct weights){ dst->duration_seconds / total,
				      src->duration_seconds / total };
	ret = merge_header(dst, src) ?: merge_lost(dst, src);
	if (ret)
		return ret;
	for (i = 0; i < dst->nfamilies; i++)
		if (dst->families[i]->type == TT_METRIC_GAUGE)
			for (k = 0; k < dst->families[i]->nseries; k++)
				dst->families[i]->series[k].value *= w.dst;
	for (i = 0; i < src->nfamilies; i++) {
		ret = merge_family(dst, src->families[i], w, err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < src->nevents; i++) {
		ret = copy_event(dst, &src->events[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < src->nprofiles; i++) {
		ret = merge_profile(dst, src->profiles[i], err, errlen);
		if (ret)
			return ret;
	}
	dst->duration_seconds = total;
	return 0;

other_tracers:
	return fail(err, errlen, "reports of different tracers cannot be merged");
}

int tt_report_set_text_join(struct tt_report *r, const char *hist, const char *counter,
			    const char *title)
{
	struct tt_family *h = tt_report_find_family(r, hist);
	const struct tt_family *c = tt_report_find_family(r, counter);
	char *t;

	if (!h || !c || h->type != TT_METRIC_HISTOGRAM || c->type == TT_METRIC_HISTOGRAM)
		return 0;
	t = strdup(title);
	if (!t)
		return -ENOMEM;
	free(h->text_join_title);
	h->text_join_title = t;
	h->text_join = c;
	return 0;
}
