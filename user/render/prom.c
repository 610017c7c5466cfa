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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
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

/* --- the output buffer ----------------------------------------------------------- */

/* Room for `n` more bytes (and a NUL). 0 or -ENOMEM (b->data kept). */
static int buf_reserve(struct tt_prom_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *d;

	if (b->len + n < b->cap)
		return 0;
	while (cap <= b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

/* Appends with the room reserved by the caller (buf_reserve). */
static inline void put_mem(struct tt_prom_buf *b, const char *s, size_t n)
{
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void put_char(struct tt_prom_buf *b, char c)
{
	b->data[b->len++] = c;
}

/* %PRIu64, at most 20 bytes. */
static inline void put_u64(struct tt_prom_buf *b, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(b, tmp + sizeof(tmp) - n, (size_t)n);
}

/* Append at most `max` bytes of printf output (max <= 64). */
static void put_fmt(struct tt_prom_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(struct tt_prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, 64, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += n < 64 ? (size_t)n : 63;
}

/* --- numbers ---------------------------------------------------------------------- */

size_t tt_prom_fmt_double(char *buf, double v)
{
	if (isnan(v))
		return (size_t)sprintf(buf, "NaN");
	if (isinf(v))
		return (size_t)sprintf(buf, "%s", v > 0 ? "+Inf" : "-Inf");
	return tt_num_shortest(buf, v);
}

/* %.3f of a Unix time (OpenMetrics _created); near a tie of the rounding, printf decides. */
static void put_created(struct tt_prom_buf *b, double v)
{
	double ms = v * 1000, r = floor(ms + 0.5);
	uint64_t m = (uint64_t)r;

	if (!(v >= 0 && v < 1e12) || fabs(ms - r) > 0.4999) {
		put_fmt(b, "%.3f", v);
		return;
	}
	put_u64(b, m / 1000);
	put_char(b, '.');
	put_char(b, (char)('0' + m / 100 % 10));
	put_char(b, (char)('0' + m / 10 % 10));
	put_char(b, (char)('0' + m % 10));
}

/* --- text ------------------------------------------------------------------------- */

/* Bytes `s` takes escaped (put_escaped), at most 2 per byte. */
static size_t escaped_max(const char *s)
{
	return 2 * strlen(s);
}

/* A label value or (OpenMetrics) HELP text, escaped: \\, \" (quote: label values and OM), \n. */
static void put_escaped(struct tt_prom_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\') {
			put_char(b, '\\');
			put_char(b, '\\');
		} else if (*s == '\n') {
			put_char(b, '\\');
			put_char(b, 'n');
		} else if (*s == '"' && quote) {
			put_char(b, '\\');
			put_char(b, '"');
		} else {
			put_char(b, *s);
		}
	}
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * A series' label block without its closing brace, `{a="x",b="y"`, or
 * nothing for no labels, into `lab` (emptied first): written once per
 * series and copied to each of its lines.
 */
static int put_label_block(struct tt_prom_buf *lab, const struct tt_family *f,
			   const struct tt_series *s)
{
	size_t i, need = 1;

	lab->len = 0;
	for (i = 0; i < f->nlabels; i++)
		need += strlen(f->label_names[i]) + 4 +
			escaped_max(s->labels[i] ? s->labels[i] : "");
	if (buf_reserve(lab, need))
		return -ENOMEM;
	for (i = 0; i < f->nlabels; i++) {
		put_char(lab, i ? ',' : '{');
		put_mem(lab, f->label_names[i], strlen(f->label_names[i]));
		put_char(lab, '=');
		put_char(lab, '"');
		put_escaped(lab, s->labels[i] ? s->labels[i] : "", true);
		put_char(lab, '"');
	}
	return 0;
}

static double series_created(const struct tt_report *r, const struct tt_series *s)
{
	if (s->created > 0)
		return s->created;
	return (double)r->started_at.tv_sec + r->started_at.tv_nsec * 1e-9;
}

/* What every line of a family starts with and the `le` label of each bucket line. */
struct fam_text {
	char name[256];
	size_t name_len;
	const double *bounds;
	size_t n;
	double def[64];
	char (*le)[48];		/* `le="0.001007615"} `, or with `,` before it after labels */
	size_t *le_len;
};

static int le_init(struct fam_text *ft, const struct tt_family *f, const struct tt_prom_opts *o)
{
	char v[32];
	size_t i;

	ft->bounds = o->bounds;
	ft->n = o->nbounds;
	if (!ft->bounds) {
		const double *d = tt_prom_default_bounds(f->unit, &ft->n);

		memcpy(ft->def, d, ft->n * sizeof(*d));
		ft->n = tt_prom_snap_bounds(ft->def, ft->n, f->unit);
		ft->bounds = ft->def;
	}
	ft->le = calloc(ft->n + 1, sizeof(*ft->le));
	ft->le_len = calloc(ft->n + 1, sizeof(*ft->le_len));
	if (!ft->le || !ft->le_len)
		return -ENOMEM;
	for (i = 0; i <= ft->n; i++) {
		if (i < ft->n)
			tt_prom_fmt_double(v, ft->bounds[i]);
		ft->le_len[i] = (size_t)snprintf(ft->le[i], sizeof(ft->le[i]), "%sle=\"%s\"} ",
						 f->nlabels ? "," : "{", i < ft->n ? v : "+Inf");
	}
	return 0;
}

/* The start of a sample line, NAME SUFFIX LABEL-BLOCK; room reserved by the caller. */
static inline void put_head(struct tt_prom_buf *b, const struct fam_text *ft, const char *suffix,
			    size_t suffix_len, const struct tt_prom_buf *lab)
{
	put_mem(b, ft->name, ft->name_len);
	put_mem(b, suffix, suffix_len);
	put_mem(b, lab->data, lab->len);
}

/* The end of a line's labels without an extra label: `} `, or ` ` for no labels. */
static inline void put_close(struct tt_prom_buf *b, const struct tt_family *f)
{
	if (f->nlabels)
		put_char(b, '}');
	put_char(b, ' ');
}

#define SUFFIX(s) s, sizeof(s) - 1

static int render_series(const struct tt_report *r, const struct tt_family *f,
			 const struct tt_series *s, const struct fam_text *ft,
			 const struct tt_prom_opts *o, struct tt_prom_buf *lab, struct tt_prom_buf *b)
{
	size_t i, k = 0, lines;
	uint64_t cum = 0;
	char v[32];
	int ret;

	ret = put_label_block(lab, f, s);
	if (ret)
		return ret;
	/* each line: name, suffix (<= 8), labels, `le` (< 48), a number (< 32), newline */
	lines = f->type == TT_METRIC_HISTOGRAM ? ft->n + 4 : 2;
	if (buf_reserve(b, lines * (ft->name_len + lab->len + 96)))
		return -ENOMEM;
	if (f->type == TT_METRIC_HISTOGRAM) {
		for (i = 0; i < ft->n; i++) {
			/*
			 * a model bucket counts for `le` when all its values are <= le; the
			 * slack absorbs the last-bit difference of upper * 1e-9 and upper / 1e9
			 * (neighbouring bucket bounds are >= 1/128 apart, relative)
			 */
			for (; k < s->hist.nbuckets &&
			       s->hist.buckets[k].upper <= ft->bounds[i] * (1 + 1e-12); k++)
				cum += s->hist.buckets[k].count;
			put_head(b, ft, SUFFIX("_bucket"), lab);
			put_mem(b, ft->le[i], ft->le_len[i]);
			put_u64(b, cum);
			put_char(b, '\n');
		}
		put_head(b, ft, SUFFIX("_bucket"), lab);
		put_mem(b, ft->le[ft->n], ft->le_len[ft->n]);
		put_u64(b, s->hist.count);
		put_char(b, '\n');
		put_head(b, ft, SUFFIX("_count"), lab);
		put_close(b, f);
		put_u64(b, s->hist.count);
		put_char(b, '\n');
		put_head(b, ft, SUFFIX("_sum"), lab);
		put_close(b, f);
		put_mem(b, v, tt_prom_fmt_double(v, s->hist.sum));
		put_char(b, '\n');
		if (o->openmetrics) {
			put_head(b, ft, SUFFIX("_created"), lab);
			put_close(b, f);
			put_created(b, series_created(r, s));
			put_char(b, '\n');
		}
	} else if (f->type == TT_METRIC_COUNTER && o->openmetrics) {
		put_head(b, ft, SUFFIX("_total"), lab);
		put_close(b, f);
		put_mem(b, v, tt_prom_fmt_double(v, s->value));
		put_char(b, '\n');
		put_head(b, ft, SUFFIX("_created"), lab);
		put_close(b, f);
		put_created(b, series_created(r, s));
		put_char(b, '\n');
	} else {
		put_head(b, ft, SUFFIX(""), lab);
		put_close(b, f);
		put_mem(b, v, tt_prom_fmt_double(v, s->value));
		put_char(b, '\n');
	}
	return 0;
}

static const char *type_name(enum tt_metric_type t)
{
	return t == TT_METRIC_COUNTER ? "counter" : t == TT_METRIC_HISTOGRAM ? "histogram" : "gauge";
}

static int render_family(const struct tt_report *r, const struct tt_family *f,
			 const struct tt_prom_opts *o, struct tt_prom_buf *lab, struct tt_prom_buf *b)
{
	struct fam_text ft = { 0 };
	const char *help = f->help ? f->help : "";
	size_t i;
	int ret = 0;

	/* OpenMetrics: a counter family is named without _total, its samples with it */
	snprintf(ft.name, sizeof(ft.name), "%s", f->name);
	if (o->openmetrics && f->type == TT_METRIC_COUNTER && has_suffix(ft.name, "_total"))
		ft.name[strlen(ft.name) - 6] = 0;
	ft.name_len = strlen(ft.name);
	if (buf_reserve(b, 3 * ft.name_len + escaped_max(help) + 64 +
			(f->unit ? strlen(f->unit) : 0)))
		return -ENOMEM;
	put_mem(b, SUFFIX("# HELP "));
	put_mem(b, ft.name, ft.name_len);
	put_char(b, ' ');
	put_escaped(b, help, o->openmetrics);
	put_mem(b, SUFFIX("\n# TYPE "));
	put_mem(b, ft.name, ft.name_len);
	put_char(b, ' ');
	put_mem(b, type_name(f->type), strlen(type_name(f->type)));
	put_char(b, '\n');
	if (o->openmetrics && f->unit && f->unit[0]) {
		char suffix[64];

		snprintf(suffix, sizeof(suffix), "_%s", f->unit);
		if (has_suffix(ft.name, suffix)) {
			put_mem(b, SUFFIX("# UNIT "));
			put_mem(b, ft.name, ft.name_len);
			put_char(b, ' ');
			put_mem(b, f->unit, strlen(f->unit));
			put_char(b, '\n');
		}
	}
	if (f->type == TT_METRIC_HISTOGRAM && f->nseries)
		ret = le_init(&ft, f, o);
	for (i = 0; !ret && i < f->nseries; i++)
		ret = render_series(r, f, &f->series[i], &ft, o, lab, b);
	free(ft.le);
	free(ft.le_len);
	return ret;
}

int tt_render_prom_buf(const struct tt_report *r, const struct tt_prom_opts *o,
		       struct tt_prom_buf *b)
{
	struct tt_prom_buf lab = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < r->nfamilies; i++)
		ret = render_family(r, r->families[i], o, &lab, b);
	free(lab.data);
	if (ret || buf_reserve(b, 8))
		return -ENOMEM;
	if (o->openmetrics)
		put_mem(b, SUFFIX("# EOF\n"));
	b->data[b->len] = 0;
	return 0;
}

int tt_render_prom(const struct tt_report *r, const struct tt_prom_opts *o, FILE *out)
{
	struct tt_prom_buf b = { 0 };
	int ret = tt_render_prom_buf(r, o, &b);

	if (!ret && b.len && fwrite(b.data, 1, b.len, out) != b.len)
		ret = -EIO;
	free(b.data);
	if (!ret && ferror(out))
		ret = -EIO;
	return ret;
}
