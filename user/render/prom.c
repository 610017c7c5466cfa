// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text
 * renderers (what `tracetool serve` answers a scrape with).  They read only
 * the report model.  Histograms are exported as classic `le` buckets whose
 * bounds are tracetool bucket upper bounds (tt_prom_snap_bound), so every
 * cumulative bucket count is a sum of whole model buckets: exact, never
 * interpolated.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/*
 * The default bounds, seconds, before snapping: about a dozen from 1 us to
 * 16 s, roughly 1-2.5-5 apart where latencies of backends live.
 */
static const double default_seconds[] = {
	1e-6, 1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 0.5, 1, 4, 16,
};
/* Any other unit (raw integers, bytes): powers of 16 from 1 to 2^32. */
static const double default_other[] = {
	1, 16, 256, 4096, 65536, 1048576, 16777216, 268435456, 4294967296.0,
};

double tt_prom_snap_bound(double v, const char *unit)
{
	double res = tt_hist_resolution(unit);
	/* dividing by 1e9 (not multiplying by 1e-9) keeps the decimal short: 0.001007615 */
	double per = res < 1 ? round(1 / res) : 1;
	double raw = floor(v * per + 1e-6);	/* 1e-6: 5e-6 * 1e9 may be 4999.999... */
	uint32_t slot;

	if (!(raw >= 0))
		raw = 0;
	if (raw >= ldexp(1, TT_HIST_MAX_BITS))
		return (double)tt_hist_slot_upper(TT_HIST_FINITE - 1) / per;
	slot = tt_hist_slot((uint64_t)raw);
	return (double)tt_hist_slot_upper(slot) / per;
}

const double *tt_prom_default_bounds(const char *unit, size_t *n)
{
	if (unit && !strcmp(unit, "seconds")) {
		*n = sizeof(default_seconds) / sizeof(default_seconds[0]);
		return default_seconds;
	}
	*n = sizeof(default_other) / sizeof(default_other[0]);
	return default_other;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

size_t tt_prom_snap_bounds(double *b, size_t n, const char *unit)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		b[i] = tt_prom_snap_bound(b[i], unit);
	qsort(b, n, sizeof(*b), cmp_double);
	for (i = 0; i < n; i++)
		if (!k || b[i] != b[k - 1])
			b[k++] = b[i];
	return k;
}

/* The shortest decimal that reads back as `v` (Prometheus parses with strtod). */
static void fmt_double(char *buf, size_t len, double v)
{
	int prec;

	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	/* whole numbers as integers: %g's shortest form of 30 is 3e+01 */
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

/* A label value or (OpenMetrics) HELP text, escaped: \\, \" (quote: label values and OM), \n. */
static void put_escaped(const char *s, bool quote, FILE *out)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quote)
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* `{a="x",b="y"` plus an optional extra label, then `}`; nothing for no labels. */
static void put_labels(const struct tt_family *f, const struct tt_series *s, const char *extra,
		       const char *extra_val, FILE *out)
{
	size_t i;

	if (!f->nlabels && !extra)
		return;
	fputc('{', out);
	for (i = 0; i < f->nlabels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", f->label_names[i]);
		put_escaped(s->labels[i] ? s->labels[i] : "", true, out);
		fputc('"', out);
	}
	if (extra)
		fprintf(out, "%s%s=\"%s\"", f->nlabels ? "," : "", extra, extra_val);
	fputc('}', out);
}

static void put_sample(const char *name, const char *suffix, const struct tt_family *f,
		       const struct tt_series *s, const char *extra, const char *extra_val,
		       const char *value, FILE *out)
{
	fprintf(out, "%s%s", name, suffix);
	put_labels(f, s, extra, extra_val, out);
	fprintf(out, " %s\n", value);
}

static double series_created(const struct tt_report *r, const struct tt_series *s)
{
	if (s->created > 0)
		return s->created;
	return (double)r->started_at.tv_sec + r->started_at.tv_nsec * 1e-9;
}

/* The `le` bounds of a histogram family, written once for all its series. */
struct le_set {
	const double *bounds;
	size_t n;
	double def[64];
	char (*text)[32];
};

static int le_set_init(struct le_set *ls, const struct tt_family *f, const struct tt_prom_opts *o)
{
	size_t i;

	ls->bounds = o->bounds;
	ls->n = o->nbounds;
	if (!ls->bounds) {
		const double *d = tt_prom_default_bounds(f->unit, &ls->n);

		memcpy(ls->def, d, ls->n * sizeof(*d));
		ls->n = tt_prom_snap_bounds(ls->def, ls->n, f->unit);
		ls->bounds = ls->def;
	}
	ls->text = calloc(ls->n + 1, sizeof(*ls->text));
	if (!ls->text)
		return -ENOMEM;
	for (i = 0; i < ls->n; i++)
		fmt_double(ls->text[i], sizeof(ls->text[i]), ls->bounds[i]);
	return 0;
}

static void render_histogram(const struct tt_report *r, const struct tt_family *f,
			     const struct tt_series *s, const char *name, const struct le_set *ls,
			     const struct tt_prom_opts *o, FILE *out)
{
	size_t i, k = 0;
	uint64_t cum = 0;
	char v[64];

	for (i = 0; i < ls->n; i++) {
		/*
		 * a model bucket counts for `le` when all its values are <= le; the
		 * slack absorbs the last-bit difference of upper * 1e-9 and upper / 1e9
		 * (neighbouring bucket bounds are >= 1/128 apart, relative)
		 */
		for (; k < s->hist.nbuckets && s->hist.buckets[k].upper <= ls->bounds[i] * (1 + 1e-12);
		     k++)
			cum += s->hist.buckets[k].count;
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		put_sample(name, "_bucket", f, s, "le", ls->text[i], v, out);
	}
	snprintf(v, sizeof(v), "%" PRIu64, s->hist.count);
	put_sample(name, "_bucket", f, s, "le", "+Inf", v, out);
	put_sample(name, "_count", f, s, NULL, NULL, v, out);
	fmt_double(v, sizeof(v), s->hist.sum);
	put_sample(name, "_sum", f, s, NULL, NULL, v, out);
	if (o->openmetrics) {
		snprintf(v, sizeof(v), "%.3f", series_created(r, s));
		put_sample(name, "_created", f, s, NULL, NULL, v, out);
	}
}

static const char *type_name(enum tt_metric_type t)
{
	return t == TT_METRIC_COUNTER ? "counter" : t == TT_METRIC_HISTOGRAM ? "histogram" : "gauge";
}

static int render_family(const struct tt_report *r, const struct tt_family *f,
			 const struct tt_prom_opts *o, FILE *out)
{
	struct le_set ls = { 0 };
	char name[256], v[64];
	size_t i;

	/* OpenMetrics: a counter family is named without _total, its samples with it */
	snprintf(name, sizeof(name), "%s", f->name);
	if (o->openmetrics && f->type == TT_METRIC_COUNTER && has_suffix(name, "_total"))
		name[strlen(name) - 6] = 0;
	fprintf(out, "# HELP %s ", name);
	put_escaped(f->help ? f->help : "", o->openmetrics, out);
	fprintf(out, "\n# TYPE %s %s\n", name, type_name(f->type));
	if (o->openmetrics && f->unit && f->unit[0]) {
		char suffix[64];

		snprintf(suffix, sizeof(suffix), "_%s", f->unit);
		if (has_suffix(name, suffix))
			fprintf(out, "# UNIT %s %s\n", name, f->unit);
	}
	if (f->type == TT_METRIC_HISTOGRAM && f->nseries && le_set_init(&ls, f, o))
		return -ENOMEM;
	for (i = 0; i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];

		if (f->type == TT_METRIC_HISTOGRAM) {
			render_histogram(r, f, s, name, &ls, o, out);
			continue;
		}
		fmt_double(v, sizeof(v), s->value);
		if (f->type == TT_METRIC_COUNTER && o->openmetrics) {
			put_sample(name, "_total", f, s, NULL, NULL, v, out);
			snprintf(v, sizeof(v), "%.3f", series_created(r, s));
			put_sample(name, "_created", f, s, NULL, NULL, v, out);
		} else {
			put_sample(name, "", f, s, NULL, NULL, v, out);
		}
	}
	free(ls.text);
	return 0;
}

int tt_render_prom(const struct tt_report *r, const struct tt_prom_opts *o, FILE *out)
{
	size_t i;
	int ret;

	for (i = 0; i < r->nfamilies; i++) {
		ret = render_family(r, r->families[i], o, out);
		if (ret)
			return ret;
	}
	if (o->openmetrics)
		fputs("# EOF\n", out);
	return ferror(out) ? -EIO : 0;
}
