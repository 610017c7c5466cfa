/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report model: the one data structure every tracer fills and every
 * renderer reads (DESIGN §3).  Metric families hold series; a series is a
 * set of label values plus a number or a histogram summary.  Histograms are
 * kept in the family's base unit (seconds, bytes) with only the non-empty
 * buckets, each with its bounds, so no reader of the model needs the
 * kernel's slot math: a report read back from JSON (user/reader.c) holds
 * the same model as the one its tracer filled.
 */
#ifndef TT_REPORT_H
#define TT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tracetool/common.h"
#include "tracetool/hist.h"

#define TT_SCHEMA "tracetool.report/v1"

enum tt_metric_type {
	TT_METRIC_COUNTER,
	TT_METRIC_GAUGE,
	TT_METRIC_HISTOGRAM,
};

/*
 * One non-empty histogram bucket, base units.  It holds the values in
 * [lower, upper], both inclusive (tracetool's buckets hold whole raw units,
 * e.g. ns); the overflow bucket has upper = INFINITY and lower = the first
 * value past the finite range.
 */
struct tt_bucket {
	double lower;
	double upper;
	uint64_t count;
};

/*
 * A histogram summary, base units: count, sum, min and max are those of
 * the samples (not estimated from buckets), converted once from the raw
 * integers (one rounding, relative 2^-53); min and max are 0 when count is
 * 0.  Buckets ascend by upper bound, at most one overflow
 * bucket, last.
 */
struct tt_hsum {
	uint64_t count;
	double sum;
	double min;
	double max;
	size_t nbuckets;
	struct tt_bucket *buckets;
};

struct tt_series {
	char **labels;		/* one value per family label name */
	double value;		/* counter / gauge, base units */
	struct tt_hsum hist;	/* histogram families only */
	/*
	 * When this series began counting, Unix seconds (OpenMetrics _created,
	 * OTLP start time); 0: the report's started_at.  Set by an exporter's
	 * view (user/export.c); the other producers leave it 0.
	 */
	double created;
};

struct tt_family {
	char *name;
	char *help;
	char *unit;		/* base unit: "seconds", "bytes", "" */
	enum tt_metric_type type;
	size_t nlabels;
	char **label_names;
	size_t nseries, cap;
	struct tt_series *series;
	/*
	 * Text rendering only: a counter family summed into an extra column of
	 * this family's table, matching on this family's label names (e.g. the
	 * ERRORS column of the syscall latency table).  NULL for none.
	 */
	const struct tt_family *text_join;
	char *text_join_title;
	bool text_hidden;	/* text renderer skips this family's own table */
};

struct tt_field {
	char *name;
	char *str;		/* string value, or NULL when numeric */
	double num;
};

struct tt_event {
	char *type;
	struct timespec time;	/* CLOCK_REALTIME */
	size_t nfields;
	struct tt_field *fields;
};

struct tt_stack {
	size_t nframes;
	char **frames;		/* outermost first */
	uint64_t value;
};

struct tt_profile {
	char *name;
	char *unit;
	size_t nstacks, cap;
	struct tt_stack *stacks;
};

struct tt_kv {
	char *key;
	char *value;
};

/*
 * One option of a tracer that defines what its values mean, as opposed to a
 * filter that only narrows what is seen: offcpu's --state (blocked time or
 * run-queue waits) and --min-block, profile's -F (what one sample weighs),
 * syscalls' --failed.  `value` is canonical (equal strings: the same
 * measurement), so values that differ mean reports that must not be added
 * up.  A tracer that has such options records each of them, defaults
 * included; a report that records none for a tracer (one written before
 * they were recorded) leaves that tracer's unknown.  JSON "measurement":
 * {tracer: {key: value}}.  `note` is for text only, never in the JSON: a
 * gloss of the value ("run-queue waits"), or NULL.
 */
struct tt_measure {
	char *tracer;
	char *key;		/* the option's long name: "state", "min-block" */
	char *value;
	char *note;
};

/*
 * The traced command (-- CMD) and how it ended (JSON "command").  argv NULL:
 * the run traced no command.  Neither exit_code nor signal set: still running
 * when the report was made (an interval report, or tracetool stopped first).
 */
struct tt_command {
	size_t argc;
	char **argv;
	bool exited;		/* exit_code is how it ended */
	int exit_code;		/* 0-255 */
	int signal;		/* the signal that killed it (SIGSEGV...), or 0 */
};

struct tt_report {
	struct tt_command cmd;
	size_t ntracers;
	char **tracers;
	char host[256];
	char kernel[128];
	struct timespec started_at;	/* CLOCK_REALTIME */
	double duration_seconds;
	size_t nhooks;
	struct tt_kv *hooks;		/* tracer -> hook type chosen */
	size_t nfilters;
	struct tt_kv *filters;		/* human-readable filter description */
	size_t nmeasures;
	struct tt_measure *measures;	/* in the order set; see struct tt_measure */
	uint64_t lost[TT_LOST_NR];	/* enum tt_lost_reason, summed over the tracers */
	/*
	 * Per tracer, indexed like `tracers` (JSON lost_by_tracer); lost[] is
	 * their sum.  NULL when the report carries no per-tracer split.
	 */
	uint64_t (*tracer_lost)[TT_LOST_NR];
	size_t nfamilies, fam_cap;
	struct tt_family **families;
	size_t nevents, ev_cap;
	struct tt_event *events;
	size_t nprofiles;
	struct tt_profile **profiles;
};

/* Name of a loss reason as rendered ("ringbuf", "map_full", ...), indexed by enum tt_lost_reason. */
extern const char *const tt_lost_names[TT_LOST_NR];

/* Empty report with host and kernel filled from uname(); NULL + errno on failure. */
struct tt_report *tt_report__new(void);
void tt_report__free(struct tt_report *r);

/*
 * Record that `tracer` runs with hook type `hook` (e.g. "tp_btf"), with
 * its loss counters zero.  0 or -errno.
 */
int tt_report_add_tracer(struct tt_report *r, const char *tracer, const char *hook);
/* Index of `tracer` in r->tracers, or -1. */
int tt_report_tracer_index(const struct tt_report *r, const char *tracer);
/* The hook entry alone, for a tracer already listed (reading, merging). 0 or -errno. */
int tt_report_add_hook(struct tt_report *r, const char *tracer, const char *hook);
/*
 * Record the traced command `argv` (NULL-terminated, copied) and its end:
 * `wait_status` as waitpid() gives it, or -1 while it runs.  Replaces any
 * earlier command.  0 or -ENOMEM.
 */
int tt_report_set_command(struct tt_report *r, char *const *argv, int wait_status);
/* The same from another report's command (copy). 0 or -ENOMEM. */
int tt_report_copy_command(struct tt_report *dst, const struct tt_command *c);
/* Forget the command (a merged report covers several runs). */
void tt_report_clear_command(struct tt_report *r);
/* "SIGSEGV" for 11; NULL for a number with no name. */
const char *tt_signal_name(int sig);
/* 11 for "SIGSEGV"; 0 for an unknown name. */
int tt_signal_number(const char *name);

/* Describe an active filter (shown in text and JSON headers). 0 or -errno. */
int tt_report_add_filter(struct tt_report *r, const char *key, const char *value);

/*
 * Record that `tracer` ran with measurement option `key` = `value` (note:
 * a text gloss or NULL), replacing an earlier value of that key.  0 or
 * -ENOMEM.
 */
int tt_report_set_measure(struct tt_report *r, const char *tracer, const char *key,
			  const char *value, const char *note);
/* Does `r` record the measurement options of `tracer` (any key)? */
bool tt_report_has_measures(const struct tt_report *r, const char *tracer);
/* The entry of (tracer, key), or NULL. */
const struct tt_measure *tt_report_find_measure(const struct tt_report *r, const char *tracer,
						 const char *key);
/* Set every entry of `src` in `dst` (tt_report_set_measure). 0 or -ENOMEM. */
int tt_report_copy_measures(struct tt_report *dst, const struct tt_report *src);
/* Forget the entries of `tracer`: its measurement becomes unknown. */
void tt_report_drop_measures(struct tt_report *r, const char *tracer);

/*
 * How two reports' measurement options of one tracer compare: SAME when
 * both record the same keys with equal values; UNKNOWN when one or both
 * record none; DIFFER otherwise, with `key` the first key (in a's order,
 * then b's) whose values differ and `a`/`b` its values (NULL: that report
 * lacks the key).
 */
enum tt_measure_cmp {
	TT_MEASURE_SAME,
	TT_MEASURE_UNKNOWN,
	TT_MEASURE_DIFFER,
};
struct tt_measure_diff {
	const char *key;
	const struct tt_measure *a, *b;
};
enum tt_measure_cmp tt_report_measure_cmp(const struct tt_report *a, const struct tt_report *b,
					  const char *tracer, struct tt_measure_diff *d);
/*
 * Every report of a[0..na) against every report of b[0..nb) (the runs of
 * two bundles), tracer by tracer (a's tracers): DIFFER at the first pair
 * whose options differ (*tracer and d as tt_report_measure_cmp, d->a from
 * a), else UNKNOWN when a tracer's options are recorded in some of those
 * reports and not in others (*tracer: the first such), else SAME.
 */
enum tt_measure_cmp tt_reports_measure_cmp(const struct tt_report *const *a, size_t na,
					   const struct tt_report *const *b, size_t nb,
					   const char **tracer, struct tt_measure_diff *d);

/* A measurement entry's value for messages; "(not set)" for NULL. */
const char *tt_measure_value(const struct tt_measure *m);

/*
 * New metric family with `nlabels` label names (copied).  Returns a family
 * owned by the report, or NULL with errno set.
 */
struct tt_family *tt_report_add_family(struct tt_report *r, const char *name,
				       const char *help, const char *unit,
				       enum tt_metric_type type, size_t nlabels,
				       const char *const *label_names);

/* New series with label values copied from `labels`; NULL + errno on failure. */
struct tt_series *tt_family_add_series(struct tt_family *f, const char *const *labels);

/*
 * Remove the series i with drop[i] set (their labels and buckets freed),
 * keeping the others' order.  Returns how many were removed.
 */
size_t tt_family_drop_series(struct tt_family *f, const bool *drop);

/* Series whose label values equal `labels`, or NULL. */
struct tt_series *tt_family_find_series(const struct tt_family *f, const char *const *labels);

/*
 * Hash and equality of a vector of strings (label values, stack frames):
 * FNV-1a with a separator after each string, so ("a","bc") != ("ab","c").
 */
uint64_t tt_strv_hash(char *const *v, size_t n);
bool tt_strv_eq(char *const *a, char *const *b, size_t n);

/*
 * The series of a family by label values: open addressing over positions
 * in f->series, so matching n series against n (merge, difference) is
 * linear, not quadratic.  Not updated by tt_family_add_series: a caller
 * that appends a series stores its position + 1 in the empty slot
 * tt_series_index_slot returned.
 */
struct tt_series_index {
	size_t mask;
	size_t *slot;		/* series position + 1; 0 = empty */
};

/* Index f's series with room for `more` new ones (a duplicate keeps the first). 0 or -ENOMEM. */
int tt_series_index_init(struct tt_series_index *x, const struct tt_family *f, size_t more);
/* The slot of `labels`: the one holding that series, or the empty one it would take. */
size_t *tt_series_index_slot(const struct tt_series_index *x, const struct tt_family *f,
			     char *const *labels);
void tt_series_index_release(struct tt_series_index *x);

/* Family by name, or NULL. */
struct tt_family *tt_report_find_family(const struct tt_report *r, const char *name);

/*
 * Wall-clock time of a BPF timestamp (bpf_ktime_get_ns: CLOCK_MONOTONIC ns),
 * with the clock offset taken now, so a clock step shows in later events.
 */
struct timespec tt_ktime_to_realtime(uint64_t ktime_ns);

/*
 * The label value of an overflow series: the samples of label sets past a
 * tracer's bound (--max-series, --max-cells, a route budget), counted
 * without their own labels.
 */
#define TT_OVERFLOW_LABEL "_other"

/*
 * An IPv4 or IPv6 address as a label value ("?" if it cannot be written),
 * the one formatter of every address label: an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, an IPv4 peer seen through an AF_INET6 socket) is written
 * a.b.c.d, as through AF_INET.  `family` is AF_INET or AF_INET6 (2 or 10,
 * as the kernel's skc_family); `addr` holds 4 or 16 bytes.  Returns buf.
 */
char *tt_ip_label(char *buf, size_t len, unsigned int family, const void *addr);

/* Append an event; fields are added with tt_event_add_*. NULL + errno on failure. */
struct tt_event *tt_report_add_event(struct tt_report *r, const char *type,
				     const struct timespec *time);
int tt_event_add_str(struct tt_event *e, const char *name, const char *value);
int tt_event_add_num(struct tt_event *e, const char *name, double value);

/* Free the events of `r` and empty its list. */
void tt_report_clear_events(struct tt_report *r);
/* Move every event of `src` to the end of `dst`'s list; `src` is left empty. 0 or -errno. */
int tt_report_take_events(struct tt_report *dst, struct tt_report *src);

/* New stack profile; NULL + errno on failure. */
struct tt_profile *tt_report_add_profile(struct tt_report *r, const char *name,
					 const char *unit);
/* Free the stacks of every profile of `r`; the profiles stay, empty. */
void tt_report_clear_profiles(struct tt_report *r);
/* Append a stack (frames copied, outermost first). 0 or -errno. */
int tt_profile_add_stack(struct tt_profile *p, size_t nframes, const char *const *frames,
			 uint64_t value);

/* --- snapshots and their differences (user/report_diff.c) --- */

#define TT_LOST_FAMILY "tracetool_lost_events_total"
/* The self-metric gauge of each tracer's BPF map memory, bytes (session). */
#define TT_MAP_MEMORY_FAMILY "tracetool_bpf_map_memory_bytes"

/*
 * Mark the self-metric families (TT_LOST_FAMILY, TT_MAP_MEMORY_FAMILY) as
 * hidden in text: a text report says losses in its WARNING line and map
 * memory with -v.  Also the families a tracer prints only when they have
 * series (syscalls' restarts).  For reports read back, whose JSON carries no
 * text hints.
 */
void tt_report_hide_self_metrics(struct tt_report *r);

/*
 * The self-metric tracetool_lost_events_total{tracer,reason}: one series
 * per tracer and reason from r->tracer_lost, zeros included; text output
 * hides it (the header's WARNING line says the same).  0 or -errno.
 */
int tt_report_add_lost_family(struct tt_report *r);

/*
 * Add `src` into `dst` (the cumulative report of a tracer or a session):
 * families, series, profiles and stacks are matched by name, labels and
 * frames and created in `src`'s order when new; counters, histogram
 * buckets, count and sum add, min/max widen; a gauge takes `src`'s value.
 * Loss counters add (per tracer by name); filters absent from `dst` are
 * copied, and measurement options (set, replacing dst's).  Tracers, hooks,
 * events and times are left alone.  0 or -errno.
 */
/*
 * Add the stacks of `src` into dst's profile of the same name (created if
 * absent): stacks matched by frames through a hash index, values added,
 * heaviest first afterwards.  0 or -ENOMEM.
 */
int tt_profile_accumulate(struct tt_report *dst, const struct tt_profile *src);
int tt_report_accumulate(struct tt_report *dst, const struct tt_report *src);

/*
 * The interval between two cumulative snapshots of the same tracers: a new
 * report with `now`'s metadata and families in `now`'s order, each series
 * `now` minus `before` (matched by labels; absent from `before` = new).
 * Counters and histogram count/sum/buckets subtract and never go below
 * zero; series and stacks that did not change are left out; gauges keep
 * `now`'s value.  Interval min/max: exact when the cumulative min (max)
 * moved inside the interval, or when `before` had no sample; otherwise the
 * lower (upper) bound of the lowest (highest) non-empty bucket of the
 * difference, kept within the cumulative min and max.  Losses subtract,
 * per tracer too; the self-metric TT_LOST_FAMILY is rebuilt from the
 * differences, zeros included.  Events are not copied.  NULL + errno on
 * failure.
 */
struct tt_report *tt_report_diff(const struct tt_report *now, const struct tt_report *before);

/* --- histograms (user/hist.c) --- */

/* dst += src, for merging per-CPU copies; min/max honour empty histograms. */
void tt_hist_merge(struct tt_hist *dst, const struct tt_hist *src);

/*
 * Summarize a dense histogram of raw units (e.g. ns) into `out` (buckets
 * allocated) in base units: `scale` is the base-unit size of one raw unit
 * (1e-9 for ns -> seconds).  0 or -errno.
 */
int tt_hsum_from_hist(struct tt_hsum *out, const struct tt_hist *h, double scale);
void tt_hsum_release(struct tt_hsum *s);
/*
 * dst += src: buckets matched by upper bound (both ascend), count and sum
 * added, min and max combined.  0 or -ENOMEM (dst unchanged).
 */
int tt_hsum_add(struct tt_hsum *dst, const struct tt_hsum *src);
/*
 * out = a - b, b an earlier cumulative state of a: buckets matched by upper
 * bound, counts and sum subtracted (never below zero); min/max as
 * tt_report_diff says.  `out` is allocated.  0 or -ENOMEM.
 */
int tt_hsum_sub(struct tt_hsum *out, const struct tt_hsum *a, const struct tt_hsum *b);
/* dst = a copy of src (buckets allocated). 0 or -errno. */
int tt_hsum_copy(struct tt_hsum *dst, const struct tt_hsum *src);
/*
 * Merge h's buckets, in place, onto the n + 1 buckets (-inf, b[0]], ...,
 * (b[n-1], +inf) (b ascending, each a tracetool bucket upper bound as
 * tt_prom_snap_bound gives, so no model bucket straddles one; a relative
 * 1e-9 absorbs the last-bit difference of upper * 1e-9 and upper / 1e9).
 * Each non-empty one becomes the bucket (b[i-1], b[i]] with upper exactly
 * b[i] (lower 0 for the first, upper +inf for the last), so folded
 * summaries add bucket by bucket.  count, sum, min and max are unchanged;
 * quantiles lose the model's precision.  At most n + 1 buckets remain.
 */
void tt_hsum_fold(struct tt_hsum *h, const double *b, size_t n);

/* The model bucket of tracetool slot `slot` holding `count` samples (see tt_hsum_from_hist). */
struct tt_bucket tt_bucket_of_slot(uint32_t slot, uint64_t count, double scale);

/*
 * `v` raw units in base units, `scale` as tt_hsum_from_hist's.  A scale that
 * is the inverse of a whole number (1e-9) divides by that number: 700 ns is
 * then the double nearest 7e-7, which JSON writes as "7e-7", where 700 * 1e-9
 * is one bit off and reads "7.000000000000001e-7".
 */
double tt_hist_scaled(double v, double scale);

/*
 * Base-unit size of the raw unit tracetool records a histogram of `unit`
 * in: 1e-9 for "seconds" (integer ns), 1 for anything else.  What the JSON
 * reader recovers tracetool's buckets with and the text bars label
 * power-of-two ranges with.
 */
double tt_hist_resolution(const char *unit);

/*
 * Estimated q-quantile (0 < q <= 1), base units: the midpoint of the bucket
 * holding the nearest-rank sample, clamped to [min, max]; the maximum when
 * that is the overflow bucket.  Within 0.78 % of the exact nearest-rank
 * quantile for tracetool's buckets.  0 for an empty histogram.
 */
double tt_hsum_quantile(const struct tt_hsum *s, double q);

/*
 * (a + b) / 2 of finite a and b, finite: the sum past DBL_MAX (two
 * values near 1e308 in a hand-edited report) is taken as a/2 + b/2
 * instead of turning into inf.  Exactly (a + b) / 2 wherever that is
 * finite, so medians and bucket midpoints do not move by an ulp.
 */
static inline double tt_midpoint(double a, double b)
{
	double m = (a + b) / 2;

	return __builtin_isinf(m) && __builtin_isfinite(a) && __builtin_isfinite(b) ? a / 2 + b / 2
										    : m;
}

/* --- renderers (user/render/) --- */

struct tt_render_opts {
	bool hist;		/* text: histogram bars per series */
	bool interval;		/* text: this is an interval report (shorter header) */
	size_t top;		/* text: at most this many rows per table, 0 = all */
};

/* Each returns 0 or -errno (write errors included). */
int tt_render_text(const struct tt_report *r, const struct tt_render_opts *o, FILE *out);
int tt_render_json(const struct tt_report *r, const struct tt_render_opts *o, FILE *out);
/*
 * The tracetool.report/v1 value tt_render_json writes, as a new jansson
 * reference (a bundle embeds one per run); NULL when out of memory.
 */
struct json_t;
struct json_t *tt_report_to_json(const struct tt_report *r);
/*
 * Folded stacks of the report's first profile, one `comm;outer;...;inner
 * VALUE` line per stack, sorted, sanitized and merged (user/render/folded.c);
 * empty output when there is no profile.
 */
int tt_render_folded(const struct tt_report *r, const struct tt_render_opts *o, FILE *out);
/*
 * The folded text of one stack: its frames sanitized (tt_fold_sanitize) and
 * joined by ';', "[unknown]" for a stack without frames.  Malloc'd; NULL on
 * ENOMEM.
 */
char *tt_stack_fold_text(const struct tt_stack *s);

/*
 * Render `r` in format `fmt` ("text", "json", ...: every format a renderer
 * exists for; user/render/render.c holds the table).  -EINVAL for an
 * unknown format.
 */
int tt_render(const struct tt_report *r, const struct tt_render_opts *o, const char *fmt,
	      FILE *out);

/*
 * One event as one text line, "HH:MM:SS.mmm TYPE name=value ...": the live
 * line a streaming tracer's events are printed as in text mode.
 */
int tt_render_event_line(const struct tt_event *e, FILE *out);

#endif /* TT_REPORT_H */
