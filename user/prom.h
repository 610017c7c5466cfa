/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus text format 0.0.4 and OpenMetrics 1.0 renderers of the
 * report model (user/render/prom.c), and the histogram bounds they export:
 * classic `le` buckets at tracetool bucket upper bounds, so that every
 * exported bucket count is exact.
 */
#ifndef TT_PROM_H
#define TT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

struct tt_prom_opts {
	/* OpenMetrics 1.0: counter families without _total, _created, # UNIT, # EOF */
	bool openmetrics;
	/*
	 * `le` bounds of every histogram, base units, ascending, each already
	 * a tracetool bucket upper bound (tt_prom_snap_bounds); NULL: the
	 * default set of the family's unit (tt_prom_default_bounds, snapped).
	 */
	const double *bounds;
	size_t nbounds;
};

/* A growing text buffer: data (malloc'd, NUL-terminated after a render) holds len bytes. */
struct tt_prom_buf {
	char *data;
	size_t len;
	size_t cap;		/* bytes allocated; preset data/cap to start with room */
};

/*
 * Render every family of `r`, appended to `b`: HELP and TYPE even for a
 * family with no series, label values escaped (\\, \", \n), counters and
 * histogram counts as integers.  A series' `created` (0: the report's
 * started_at) is its OpenMetrics _created.  0 or -ENOMEM (b->data stays
 * the caller's to free either way).
 */
int tt_render_prom_buf(const struct tt_report *r, const struct tt_prom_opts *o,
		       struct tt_prom_buf *b);
/* The same text written to `out`.  0, -ENOMEM or -EIO. */
int tt_render_prom(const struct tt_report *r, const struct tt_prom_opts *o, FILE *out);

/*
 * The upper bound of the tracetool bucket holding `v` (base units of
 * `unit`, see tt_hist_resolution): the bound an exact `le` near `v` must
 * take, written as shortly as the bucket allows.  For seconds: 1e-3 gives
 * 0.001007615 (the ns bucket [999424, 1007615]), 1e-6 gives 1.007e-06.
 */
double tt_prom_snap_bound(double v, const char *unit);
/*
 * `v` as the text format writes a value into buf (TT_NUM_LEN, 32 bytes):
 * tt_num_shortest (user/numfmt.h: the shortest decimal strtod reads back,
 * whole numbers below 1e15 as integers), or +Inf, -Inf, NaN.  Returns its
 * length.
 */
size_t tt_prom_fmt_double(char *buf, double v);
/* Snap `n` bounds in place, sort them and drop duplicates; returns how many remain. */
size_t tt_prom_snap_bounds(double *b, size_t n, const char *unit);
/* The default bounds of `unit` before snapping (count in *n). */
const double *tt_prom_default_bounds(const char *unit, size_t *n);

#endif /* TT_PROM_H */
