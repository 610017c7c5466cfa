// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text renderer: the report as a person reads it on a terminal.  A header
 * saying what ran where, with lost events shouted rather than hidden; one
 * aligned table per metric family (latency tables carry quantiles and an
 * optional joined counter column, and can be followed by power-of-two bar
 * charts); events one per line; the heaviest stacks of each profile.
 * It writes only to the FILE it is given.  Every string that came from
 * outside (labels, names, frames, host) goes through escape.h, so one series
 * is one row and nothing reaches the terminal raw.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "report.h"
#include "termwidth.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BAR_WIDTH 40
#define PROFILE_TOP 20		/* stacks shown per profile when top is 0 */
#define NUM_LEN 64		/* room for one formatted number */
#define MAX_SAFE_INT 9007199254740992.0	/* 2^53 */

/* --- numbers --- */

/*
 * Seconds for a human: 812ns, 1.23us, 45.6ms, 2.35s.  The unit is chosen
 * after rounding so that 999.7us prints as 1.00ms, not 1000us.
 */
static void fmt_duration(char *buf, size_t len, double s)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = { { "ns", 1e9 }, { "us", 1e6 }, { "ms", 1e3 }, { "s", 1 } };
	const char *sign = s < 0 ? "-" : "";
	double x = 0;
	size_t i;

	if (s == 0 || !isfinite(s)) {
		snprintf(buf, len, "%g", s == 0 ? 0.0 : s);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		x = fabs(s) * units[i].mult;
		if (x < 999.5 || i + 1 == ARRAY_SIZE(units))
			break;
	}
	if (i == 0 || x >= 99.95)	/* nanoseconds are whole anyway */
		snprintf(buf, len, "%s%.0f%s", sign, x, units[i].suffix);
	else if (x >= 9.995)
		snprintf(buf, len, "%s%.1f%s", sign, x, units[i].suffix);
	else
		snprintf(buf, len, "%s%.2f%s", sign, x, units[i].suffix);
}

/* Whole numbers without an exponent (counters get large), others with %g. */
static void fmt_number(char *buf, size_t len, double v)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (v == floor(v) && fabs(v) < MAX_SAFE_INT)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%g", v);
}

static bool is_seconds(const char *unit)
{
	return unit && !strcmp(unit, "seconds");
}

/* v in the family's base unit */
static void fmt_value(char *buf, size_t len, const char *unit, double v)
{
	if (is_seconds(unit))
		fmt_duration(buf, len, v);
	else
		fmt_number(buf, len, v);
}

/* --- aligned tables --- */

/*
 * Cells are added row-major; the first `nleft` columns (labels) are
 * left-aligned, the rest (numbers) right-aligned.  An allocation failure is
 * sticky in `err` so that callers check once, before printing.
 */
struct table {
	size_t ncols, nleft;
	size_t ncells, cap;
	char **cells;
	int err;
};

static void table_add(struct table *t, const char *s, bool upper)
{
	char **cells, *copy, *p;

	if (t->err)
		return;
	if (t->ncells == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;

		cells = realloc(t->cells, ncap * sizeof(*cells));
		if (!cells) {
			t->err = -ENOMEM;
			return;
		}
		t->cells = cells;
		t->cap = ncap;
	}
	copy = tt_escape_dup(s);
	if (!copy) {
		t->err = -ENOMEM;
		return;
	}
	for (p = copy; upper && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	t->cells[t->ncells++] = copy;
}

static int table_print(const struct table *t, FILE *out)
{
	size_t *w, i, c;

	if (t->err)
		return t->err;
	w = calloc(t->ncols, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/* widths in screen cells: a CJK comm or route takes two a character */
	for (i = 0; i < t->ncells; i++)
		if (tt_text_cells(t->cells[i]) > w[i % t->ncols])
			w[i % t->ncols] = tt_text_cells(t->cells[i]);
	for (i = 0; i < t->ncells; i++) {
		const char *cell = t->cells[i];
		int pad;

		c = i % t->ncols;
		pad = (int)(w[c] - tt_text_cells(cell));
		fputs("  ", out);	/* indent, then column gap */
		if (c >= t->nleft)
			fprintf(out, "%*s%s", pad, "", cell);
		else if (c + 1 == t->ncols)	/* no trailing blanks */
			fputs(cell, out);
		else
			fprintf(out, "%s%*s", cell, pad, "");
		if (c + 1 == t->ncols)
			fputc('\n', out);
	}
	free(w);
	return 0;
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* --- row order --- */

struct row {
	const struct tt_series *s;
	size_t nlabels;
	double key;		/* sorted descending, then by label text */
};

static int cmp_labels(size_t n, char *const *a, char *const *b)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = strcmp(a[i], b[i]);
		if (c)
			return c;
	}
	return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? 1 : -1;
	return cmp_labels(a->nlabels, a->s->labels, b->s->labels);
}

/* Series of f, heaviest first (histograms by total, others by value). */
static struct row *sorted_rows(const struct tt_family *f)
{
	struct row *rows = calloc(f->nseries ? f->nseries : 1, sizeof(*rows));
	size_t i;

	if (!rows)
		return NULL;
	for (i = 0; i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];

		rows[i].s = s;
		rows[i].nlabels = f->nlabels;
		if (f->type == TT_METRIC_HISTOGRAM)
			rows[i].key = (double)s->hist.sum;
		else
			rows[i].key = isnan(s->value) ? -INFINITY : s->value;
	}
	qsort(rows, f->nseries, sizeof(*rows), cmp_rows);
	return rows;
}

/*
 * Title of a family's table, then its rows sorted; *rows stays NULL (and
 * "(none)" is printed) for a family without series.  0 or -ENOMEM.
 */
static int family_begin(const struct tt_family *f, FILE *out, struct row **rows)
{
	*rows = NULL;
	fputc('\n', out);
	tt_fputs_escaped(f->name, out);
	fputc('\n', out);
	if (!f->nseries) {
		fputs("  (none)\n", out);
		return 0;
	}
	*rows = sorted_rows(f);
	return *rows ? 0 : -ENOMEM;
}

static size_t rows_shown(size_t n, const struct tt_render_opts *o)
{
	return o->top && o->top < n ? o->top : n;
}

static void print_more(size_t n, size_t shown, FILE *out)
{
	if (shown < n)
		fprintf(out, "  (+%zu more)\n", n - shown);
}

/* --- joined column (e.g. ERRORS next to syscall latency) --- */

/*
 * Map each label name of f to the same-named label of the joined family.
 * false when the joined family lacks one of them: its values cannot be
 * attributed to f's rows, and the column shows "-" rather than a total
 * that would be repeated on every row.
 */
static bool join_map(const struct tt_family *f, const struct tt_family *j, size_t *map)
{
	size_t i, k;

	if (!j->nseries)
		return true;	/* 0 on every row (a report read back names no labels then) */
	for (i = 0; i < f->nlabels; i++) {
		for (k = 0; k < j->nlabels; k++)
			if (!strcmp(f->label_names[i], j->label_names[k]))
				break;
		if (k == j->nlabels)
			return false;
		map[i] = k;
	}
	return true;
}

static double join_sum(const struct tt_family *j, const size_t *map, size_t nlabels,
		       const struct tt_series *s)
{
	double sum = 0;
	size_t i, k;

	for (i = 0; i < j->nseries; i++) {
		for (k = 0; k < nlabels; k++)
			if (strcmp(j->series[i].labels[map[k]], s->labels[k]))
				break;
		if (k == nlabels)
			sum += j->series[i].value;
	}
	return sum;
}

/* --- histogram bars --- */

/* `sep`name=value, both escaped */
static void fput_pair(const char *sep, const char *name, const char *value, FILE *out)
{
	fputs(sep, out);
	tt_fputs_escaped(name, out);
	fputc('=', out);
	tt_fputs_escaped(value, out);
}

static void print_series_labels(const struct tt_family *f, const struct tt_series *s,
				FILE *out)
{
	size_t i;

	fputs("\n ", out);	/* a blank line sets each chart off from the one above */
	for (i = 0; i < f->nlabels; i++)
		fput_pair(" ", f->label_names[i], s->labels[i], out);
	if (!f->nlabels)
		fputs(" (all)", out);
	fputc('\n', out);
}

static void print_bar(const char *label, int lw, uint64_t count, int cw, uint64_t max,
		      FILE *out)
{
	char bar[BAR_WIDTH + 1];
	size_t n = max ? (size_t)((double)count * BAR_WIDTH / (double)max) : 0;

	if (count && !n)	/* a non-empty range never looks empty */
		n = 1;
	if (n > BAR_WIDTH)
		n = BAR_WIDTH;
	memset(bar, '*', n);
	bar[n] = '\0';
	fprintf(out, "    %-*s %*" PRIu64 " |%-*s|\n", lw, label, cw, count, BAR_WIDTH, bar);
}

/*
 * One series' buckets folded into power-of-two ranges of the raw unit its
 * values were recorded in (tt_hist_resolution): range 0 holds the value 0,
 * range k >= 1 holds raw values [2^(k-1), 2^k).  Each of tracetool's finite
 * buckets lies inside one such range because the sub-buckets split powers
 * of two; a bucket of another layout counts where its lower bound lies.
 * The overflow bucket gets its own line.
 */
static void render_bars(const struct tt_family *f, const struct tt_series *s, FILE *out)
{
	enum { NRANGES = TT_HIST_MAX_BITS + 1 };
	uint64_t range[NRANGES] = { 0 }, overflow = 0, max = 0;
	char label[NRANGES + 1][2 * NUM_LEN + 8], lo[NUM_LEN], hi[NUM_LEN];
	double res = tt_hist_resolution(f->unit), over_lower = ldexp(1, TT_HIST_MAX_BITS) * res;
	int first = -1, last = -1, k, lw = 0, cw;
	size_t i;

	print_series_labels(f, s, out);
	for (i = 0; i < s->hist.nbuckets; i++) {
		const struct tt_bucket *b = &s->hist.buckets[i];
		double low = round(b->lower / res);

		if (isinf(b->upper)) {
			overflow += b->count;
			over_lower = b->lower;
			continue;
		}
		if (!(low >= 1))	/* 0, negative or NaN */
			k = 0;
		else if (low >= ldexp(1, NRANGES - 2))
			k = NRANGES - 1;
		else
			k = (int)tt_log2_u64((uint64_t)low) + 1;
		range[k] += b->count;
	}
	for (k = 0; k < NRANGES; k++) {
		if (!range[k])
			continue;
		if (first < 0)
			first = k;
		last = k;
		if (range[k] > max)
			max = range[k];
	}
	if (overflow > max)
		max = overflow;
	if (!max) {
		fputs("    (no samples)\n", out);
		return;
	}
	for (k = first; first >= 0 && k <= last; k++) {
		fmt_value(lo, sizeof(lo), f->unit, k ? ldexp(1, k - 1) * res : 0);
		fmt_value(hi, sizeof(hi), f->unit, ldexp(1, k) * res);
		snprintf(label[k], sizeof(label[k]), "[%s, %s)", lo, hi);
		if ((int)strlen(label[k]) > lw)
			lw = (int)strlen(label[k]);
	}
	fmt_value(lo, sizeof(lo), f->unit, over_lower);
	snprintf(label[NRANGES], sizeof(label[NRANGES]), "[>= %s]", lo);
	if (overflow && (int)strlen(label[NRANGES]) > lw)
		lw = (int)strlen(label[NRANGES]);
	cw = snprintf(NULL, 0, "%" PRIu64, max);
	for (k = first; first >= 0 && k <= last; k++)
		print_bar(label[k], lw, range[k], cw, max, out);
	if (overflow)
		print_bar(label[NRANGES], lw, overflow, cw, max, out);
}

/* --- families --- */

static int render_hist_family(const struct tt_family *f, const struct tt_render_opts *o,
			      FILE *out)
{
	static const double qs[] = { 0.5, 0.9, 0.99 };
	static const char *const qcols[] = { "P50", "P90", "P99" };
	const struct tt_family *j = f->text_join;
	struct table t = { 0 };
	struct row *rows = NULL;
	size_t *map = NULL, i, k, shown;
	bool joinable = false;
	char buf[NUM_LEN];
	int err;

	err = family_begin(f, out, &rows);
	if (err || !rows)
		return err;
	if (j) {
		map = calloc(f->nlabels ? f->nlabels : 1, sizeof(*map));
		if (!map) {
			err = -ENOMEM;
			goto out_free;
		}
		joinable = join_map(f, j, map);
	}
	shown = rows_shown(f->nseries, o);

	t.ncols = f->nlabels + 1 + (j ? 1 : 0) + ARRAY_SIZE(qcols) + 2;
	t.nleft = f->nlabels;
	for (k = 0; k < f->nlabels; k++)
		table_add(&t, f->label_names[k], true);
	table_add(&t, "COUNT", false);
	if (j)
		table_add(&t, f->text_join_title ? f->text_join_title : j->name, false);
	for (k = 0; k < ARRAY_SIZE(qcols); k++)
		table_add(&t, qcols[k], false);
	table_add(&t, "MAX", false);
	table_add(&t, "TOTAL", false);

	for (i = 0; i < shown; i++) {
		const struct tt_series *s = rows[i].s;

		for (k = 0; k < f->nlabels; k++)
			table_add(&t, s->labels[k], false);
		snprintf(buf, sizeof(buf), "%" PRIu64, s->hist.count);
		table_add(&t, buf, false);
		if (j) {
			if (joinable)
				fmt_value(buf, sizeof(buf), j->unit,
					  join_sum(j, map, f->nlabels, s));
			else
				snprintf(buf, sizeof(buf), "-");
			table_add(&t, buf, false);
		}
		for (k = 0; k < ARRAY_SIZE(qs); k++) {
			fmt_value(buf, sizeof(buf), f->unit,
				  tt_hsum_quantile(&s->hist, qs[k]));
			table_add(&t, buf, false);
		}
		fmt_value(buf, sizeof(buf), f->unit, s->hist.max);
		table_add(&t, buf, false);
		fmt_value(buf, sizeof(buf), f->unit, s->hist.sum);
		table_add(&t, buf, false);
	}
	err = table_print(&t, out);
	if (err)
		goto out_free;
	print_more(f->nseries, shown, out);

	for (i = 0; o->hist && i < shown; i++)
		render_bars(f, rows[i].s, out);
out_free:
	table_release(&t);
	free(map);
	free(rows);
	return err;
}

static int render_value_family(const struct tt_family *f, const struct tt_render_opts *o,
			       FILE *out)
{
	struct table t = { 0 };
	struct row *rows;
	size_t i, k, shown;
	char buf[NUM_LEN];
	int err;

	err = family_begin(f, out, &rows);
	if (err || !rows)
		return err;
	shown = rows_shown(f->nseries, o);

	t.ncols = f->nlabels + 1;
	t.nleft = f->nlabels;
	for (k = 0; k < f->nlabels; k++)
		table_add(&t, f->label_names[k], true);
	table_add(&t, "VALUE", false);
	for (i = 0; i < shown; i++) {
		for (k = 0; k < f->nlabels; k++)
			table_add(&t, rows[i].s->labels[k], false);
		fmt_value(buf, sizeof(buf), f->unit, rows[i].s->value);
		table_add(&t, buf, false);
	}
	err = table_print(&t, out);
	if (!err)
		print_more(f->nseries, shown, out);
	table_release(&t);
	free(rows);
	return err;
}

/* --- header, events, profiles --- */

/* Does a series of f carry the overflow label value (a bound was reached)? */
static bool has_overflow_series(const struct tt_family *f)
{
	size_t i, k;

	for (i = 0; i < f->nseries; i++)
		for (k = 0; k < f->nlabels; k++)
			if (!strcmp(f->series[i].labels[k], TT_OVERFLOW_LABEL))
				return true;
	return false;
}

/*
 * Series bounds reached (--max-series, --max-cells, requests' route
 * budget): the samples are counted, but under _other rather than their own
 * labels; like a loss, it is never silent.
 */
static void render_limits(const struct tt_report *r, FILE *out)
{
	bool any = false;
	size_t i;

	for (i = 0; i < r->nfamilies; i++) {
		if (!has_overflow_series(r->families[i]))
			continue;
		fputs(any ? ", " : "WARNING: series limit reached, samples counted under "
		      TT_OVERFLOW_LABEL " in: ", out);
		tt_fputs_escaped(r->families[i]->name, out);
		any = true;
	}
	if (any)
		fputs(" (bounds: the tracers' --max-* options)\n", out);
}

static void render_lost(const struct tt_report *r, FILE *out)
{
	bool any = false;
	size_t i;

	for (i = 0; i < TT_LOST_NR; i++) {
		if (!r->lost[i])
			continue;
		fprintf(out, "%s %s=%" PRIu64, any ? "" : "WARNING: lost events:",
			tt_lost_names[i], r->lost[i]);	/* our own names */
		any = true;
	}
	if (any)
		fputc('\n', out);
	render_limits(r, out);
}

/* "command: ls -l (exit code 3)", "(killed by SIGSEGV)" or "(running)". */
static void render_command(const struct tt_command *c, FILE *out)
{
	size_t i;

	fputs("command:", out);
	for (i = 0; i < c->argc; i++) {	/* argv is anybody's text: escaped */
		fputc(' ', out);
		tt_fputs_escaped(c->argv[i], out);
	}
	if (c->exited)
		fprintf(out, " (exit code %d)\n", c->exit_code);
	else if (c->signal)
		fprintf(out, " (killed by %s)\n", tt_signal_name(c->signal) ?: "a signal");
	else
		fputs(" (running)\n", out);
}

/*
 * A line per tracer whose measurement options have a gloss, so a report
 * read alone says what its values are ("offcpu: run-queue waits (state=0),
 * spans of 1 us or more (min-block=1)"); a tracer whose options are all
 * unglossed defaults (syscalls without --failed) adds nothing.
 */
static void render_measures(const struct tt_report *r, FILE *out)
{
	const struct tt_measure *m;
	size_t i, k;
	bool any;

	for (i = 0; i < r->ntracers; i++) {
		for (k = 0, any = false; !any && k < r->nmeasures; k++)
			any = r->measures[k].note && !strcmp(r->measures[k].tracer, r->tracers[i]);
		if (!any)
			continue;
		tt_fputs_escaped(r->tracers[i], out);
		fputc(':', out);
		for (k = 0, any = false; k < r->nmeasures; k++) {
			m = &r->measures[k];
			if (strcmp(m->tracer, r->tracers[i]))
				continue;
			fputs(any ? ", " : " ", out);
			any = true;
			if (m->note) {
				tt_fputs_escaped(m->note, out);
				fputs(" (", out);
			}
			fput_pair("", m->key, m->value, out);
			if (m->note)
				fputc(')', out);
		}
		fputc('\n', out);
	}
}

static void render_header(const struct tt_report *r, const struct tt_render_opts *o,
			  FILE *out)
{
	size_t i;

	if (o->interval) {
		double end = (double)r->started_at.tv_sec + r->started_at.tv_nsec / 1e9 +
			     r->duration_seconds;
		time_t t = (time_t)floor(end);
		char hms[16] = "??:??:??";
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		fprintf(out, "--- %s (interval %.2f s) ---\n", hms, r->duration_seconds);
		render_lost(r, out);	/* never silent, not even in the short form */
		return;
	}
	fputs("tracetool", out);
	for (i = 0; i < r->ntracers; i++) {
		fputs(i ? "," : " ", out);
		tt_fputs_escaped(r->tracers[i], out);
	}
	fprintf(out, ": %.2f s on ", r->duration_seconds);
	tt_fputs_escaped(r->host, out);
	fputs(" (kernel ", out);
	tt_fputs_escaped(r->kernel, out);
	fputc(')', out);
	for (i = 0; i < r->nhooks; i++)
		fput_pair(i ? "," : ", hooks: ", r->hooks[i].key, r->hooks[i].value, out);
	fputc('\n', out);
	/* a repeated key (-p twice) shows once, values comma-joined, as in JSON */
	if (r->nfilters) {
		fputs("filters:", out);
		for (i = 0; i < r->nfilters; i++) {
			size_t k;

			for (k = 0; k < i; k++)
				if (!strcmp(r->filters[k].key, r->filters[i].key))
					break;
			if (k < i)
				continue;
			fput_pair(" ", r->filters[i].key, r->filters[i].value, out);
			for (k = i + 1; k < r->nfilters; k++)
				if (!strcmp(r->filters[k].key, r->filters[i].key)) {
					fputc(',', out);
					tt_fputs_escaped(r->filters[k].value, out);
				}
		}
		fputc('\n', out);
	}
	render_measures(r, out);
	if (r->cmd.argv)
		render_command(&r->cmd, out);
	render_lost(r, out);
}

int tt_render_event_line(const struct tt_event *e, FILE *out)
{
	char hms[16], num[NUM_LEN];
	struct tm tm;
	size_t k;
	long ms;

	if (!localtime_r(&e->time.tv_sec, &tm) || !strftime(hms, sizeof(hms), "%H:%M:%S", &tm))
		snprintf(hms, sizeof(hms), "??:??:??");
	ms = e->time.tv_nsec / 1000000;
	fprintf(out, "%s.%03ld ", hms, ms >= 0 && ms < 1000 ? ms : 0);
	tt_fputs_escaped(e->type, out);
	for (k = 0; k < e->nfields; k++) {
		const struct tt_field *fld = &e->fields[k];

		if (!fld->str)
			fmt_number(num, sizeof(num), fld->num);
		fput_pair(" ", fld->name, fld->str ? fld->str : num, out);
	}
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

static void render_events(const struct tt_report *r, FILE *out)
{
	size_t i;

	fputs("\nevents\n", out);
	for (i = 0; i < r->nevents; i++) {
		fputs("  ", out);
		tt_render_event_line(&r->events[i], out);
	}
}

static int cmp_stacks(const void *pa, const void *pb)
{
	const struct tt_stack *a = *(const struct tt_stack *const *)pa;
	const struct tt_stack *b = *(const struct tt_stack *const *)pb;
	size_t i;
	int c;

	if (a->value != b->value)
		return a->value < b->value ? 1 : -1;
	for (i = 0; i < a->nframes && i < b->nframes; i++) {
		c = strcmp(a->frames[i], b->frames[i]);
		if (c)
			return c;
	}
	return (a->nframes > b->nframes) - (a->nframes < b->nframes);
}

static int render_profile(const struct tt_profile *p, const struct tt_render_opts *o,
			  FILE *out)
{
	const struct tt_stack **v;
	size_t i, k, shown;
	int w;

	fputc('\n', out);
	tt_fputs_escaped(p->name, out);
	fputs(" (", out);
	tt_fputs_escaped(p->unit, out);
	fputs(")\n", out);
	if (!p->nstacks) {
		fputs("  (none)\n", out);
		return 0;
	}
	v = calloc(p->nstacks, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < p->nstacks; i++)
		v[i] = &p->stacks[i];
	qsort(v, p->nstacks, sizeof(*v), cmp_stacks);
	shown = o->top ? o->top : PROFILE_TOP;
	if (shown > p->nstacks)
		shown = p->nstacks;
	w = snprintf(NULL, 0, "%" PRIu64, v[0]->value);
	for (i = 0; i < shown; i++) {
		fprintf(out, "  %*" PRIu64 " ", w, v[i]->value);
		for (k = 0; k < v[i]->nframes; k++) {
			if (k)
				fputc(';', out);
			tt_fputs_escaped(v[i]->frames[k], out);
		}
		fputc('\n', out);
	}
	print_more(p->nstacks, shown, out);
	free(v);
	return 0;
}

int tt_render_text(const struct tt_report *r, const struct tt_render_opts *o, FILE *out)
{
	static const struct tt_render_opts defaults;
	size_t i;
	int err;

	if (!o)
		o = &defaults;
	render_header(r, o, out);
	for (i = 0; i < r->nfamilies; i++) {
		const struct tt_family *f = r->families[i];

		if (f->text_hidden)
			continue;
		if (f->type == TT_METRIC_HISTOGRAM)
			err = render_hist_family(f, o, out);
		else
			err = render_value_family(f, o, out);
		if (err)
			return err;
	}
	if (r->nevents)
		render_events(r, out);
	for (i = 0; i < r->nprofiles; i++) {
		err = render_profile(r->profiles[i], o, out);
		if (err)
			return err;
	}
	/* flush so a full disk or closed pipe is reported here, not lost at exit */
	if (fflush(out) || ferror(out))
		return -EIO;
	return 0;
}
