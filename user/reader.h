/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading saved reports back: a tracetool.report/v1 JSON document (what
 * `-f json` writes, DESIGN §4) into the report model, validated, and the
 * merge of several such reports into one.  What renders from a report read
 * back is what rendered from the report its tracer filled.
 */
#ifndef TT_READER_H
#define TT_READER_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

/*
 * Parse the document in buf[0..len) (need not be NUL-terminated), or a
 * sequence of documents separated by white space (what `-i SEC -f json`
 * writes, one per interval), merged with tt_report_merge.  Returns a new
 * report, or NULL with errno set: EINVAL when the input is not valid, with
 * `err` holding one line naming the JSON path and what is wrong
 * ("$.metrics[3].series[0].buckets[2]: expected [upper_bound, count]",
 * "document 2: " before it from the second document on); ENOMEM otherwise.  Keys a v1 reader does not know are ignored
 * (v1 changes only by addition).  Histogram buckets get their lower bounds
 * back from tracetool's bucket layout (tt_hist_resolution of the family's
 * unit); a bucket off that layout starts at the previous bucket's upper
 * bound (the first: at the series minimum).
 */
struct tt_report *tt_report_parse(const char *buf, size_t len, char *err, size_t errlen);

/*
 * One document already parsed by jansson (a report inside a bundle), as
 * tt_report_parse checks it; errors name the path with `path` standing for
 * the document's root ("$.runs[2].report.metrics[0]: ...").  NULL with errno
 * EINVAL (err filled) or ENOMEM.
 */
struct json_t;
struct tt_report *tt_report_from_json(const struct json_t *root, const char *path, char *err,
				      size_t errlen);

/* Append a copy of `s` to the string array v[0..n). 0 or -ENOMEM. */
int tt_strv_push(char ***v, size_t *n, const char *s);

/* tt_report_parse of everything `f` holds (read to EOF); EIO on a read error. */
struct tt_report *tt_report_read(FILE *f, char *err, size_t errlen);

/*
 * Add report `src` into `dst`; both must name the same tracers (in any
 * order).  Counters, `lost`, `lost_by_tracer`, histogram counts, sums and
 * buckets add (buckets matched by upper bound); min and max combine;
 * `duration_seconds` adds (the merged report covers the time its inputs
 * observed) and a gauge becomes the duration-weighted mean of its inputs,
 * a series absent from one input counting 0 over its duration; started_at
 * is the earliest; hooks, host and kernel that differ are listed
 * comma-separated; filters are the union; events are appended in order;
 * profiles of the same name add stacks with equal frames.  Measurement
 * options (struct tt_measure) must be equal where both record a tracer's;
 * where one does not, the merge's are unknown (dropped).  0, -EINVAL
 * with `err` set when the reports cannot be merged (other tracers, a
 * tracer's measurement options that differ, a family with another type,
 * unit or label names, a profile in another unit), or -ENOMEM; on failure
 * `dst` may be partly merged (not for differing measurement options).
 */
int tt_report_merge(struct tt_report *dst, const struct tt_report *src, char *err,
		    size_t errlen);

/*
 * Text hint the JSON does not carry: show counter family `counter` as
 * column `title` of histogram family `hist` (the ERRORS column of the
 * syscall table), as the tracer that filled them does.  0 when either
 * family is absent, -ENOMEM.
 */
int tt_report_set_text_join(struct tt_report *r, const char *hist, const char *counter,
			    const char *title);

#endif /* TT_READER_H */
