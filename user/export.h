/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a long-running exporter (`tracetool serve`: Prometheus scrapes,
 * OTLP pushes) shows of a session's cumulative snapshots: per series a
 * start time (_created), idle series expired after a TTL and restarted
 * from zero with a new start time when they come back, and at most
 * `max_series` label sets per family, the rest summed into one overflow
 * series whose labels are all "_other".  Values only ever grow while a
 * series lives, whatever the kernel maps do, because they are derived from
 * the session's cumulative snapshot (DESIGN §3).
 */
#ifndef TT_EXPORT_H
#define TT_EXPORT_H

#include <stddef.h>

#include "report.h"

struct tt_export_opts {
	double start;		/* process start, Unix seconds: _created of the first series */
	double ttl;		/* seconds a series may stay unchanged before it expires; 0 = never */
	size_t max_series;	/* label sets per family, overflow excluded; 0 = no limit */
};

struct tt_export_stats {
	size_t series;		/* series in the last view, overflow series included */
	size_t expired;		/* series expired (and forgotten) so far */
	size_t overflowed;	/* label sets summed into overflow series so far */
	size_t remembered;	/* label sets with state kept: the live ones, overflowed or not */
};

struct tt_export;

/* NULL + errno. */
struct tt_export *tt_export__new(const struct tt_export_opts *o);
void tt_export__free(struct tt_export *x);
/* Change the TTL (serve raises it to twice the observed scrape interval). */
void tt_export_set_ttl(struct tt_export *x, double ttl);

/*
 * The exported view of cumulative snapshot `snap` (every call must get a
 * later snapshot of the same session, from which the label sets of
 * tt_export_gone were removed) at time `now` (Unix seconds): a new report
 * with snap's metadata and families, each live series with its `created`
 * and its value.  Counters and histograms expire; gauges and the
 * self-metric TT_LOST_FAMILY never do.  A series unchanged for the TTL is
 * left out and forgotten: its labels are in tt_export_gone until the next
 * view, and the caller removes them from its cumulative state
 * (tt_session_forget), so that an exporter's memory follows the live
 * series, not every label set ever seen.  When one comes back, counted from
 * zero, its `created` is the time of the view before (it was not in it).
 * A label set past the series limit is summed into the overflow series for
 * as long as it is remembered; the counts of those forgotten stay in it, so
 * that series never goes down.  NULL + errno.
 */
struct tt_report *tt_export_view(struct tt_export *x, const struct tt_report *snap, double now);

/* The label sets the last view forgot, by family (a report of labels only; owned by x). */
const struct tt_report *tt_export_gone(const struct tt_export *x);
/* Figures of the last view. */
const struct tt_export_stats *tt_export_stats(const struct tt_export *x);
/* Label sets of family `name` summed into its overflow series so far. */
size_t tt_export_overflowed(const struct tt_export *x, const char *name);

#endif /* TT_EXPORT_H */
