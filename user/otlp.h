/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OTLP/HTTP metrics push.  The encoder turns a cumulative report snapshot
 * into one ExportMetricsServiceRequest (protobuf, or OTLP/JSON) with
 * cumulative temporality, OpenTelemetry semantic-convention names and
 * exact explicit-bucket histograms (the bounds of serve's /metrics,
 * user/prom.h); the exporter queues
 * encoded bodies and sends them from a worker thread with libcurl,
 * retrying with backoff.  Names, attributes and the environment variables
 * honoured: docs/otlp.md.
 */
#ifndef TT_OTLP_H
#define TT_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "report.h"

#define TT_OTLP_MAX_BOUNDS 64

enum tt_otlp_format {
	TT_OTLP_PROTOBUF,	/* http/protobuf: application/x-protobuf */
	TT_OTLP_JSON,		/* http/json: application/json */
};

struct tt_otlp_encode_opts {
	const char *service_name;	/* resource service.name; NULL = "tracetool" */
	/*
	 * Extra resource attributes, OTEL_RESOURCE_ATTRIBUTES syntax
	 * ("k=v,k2=v2", values percent-decoded); NULL for none.  service.name
	 * in it counts only when service_name is NULL.
	 */
	const char *resource_attributes;
	const char *scope_version;	/* instrumentation scope version; NULL = "" */
	/*
	 * Histogram bounds in seconds, snapped with tt_prom_snap_bounds (at most
	 * TT_OTLP_MAX_BOUNDS); NULL/0: tt_prom_default_bounds, as /metrics.
	 */
	const double *seconds_bounds;
	size_t nseconds_bounds;
};

struct tt_otlp_encoder;

/*
 * An encoder for the snapshots of one process that started at `start`
 * (CLOCK_REALTIME): the start time of every series in its first export;
 * a series first seen later starts at the previous export's time, the
 * last time it was known to be absent; a series with its own `created`
 * (an exporter view, user/export.h) starts then.  NULL + errno (EINVAL: a malformed
 * resource_attributes).
 */
struct tt_otlp_encoder *tt_otlp_encoder__new(const struct tt_otlp_encode_opts *o,
					     const struct timespec *start);
void tt_otlp_encoder__free(struct tt_otlp_encoder *e);

/*
 * Encode the cumulative snapshot `r` taken at `now` (CLOCK_REALTIME) as
 * one export body in `fmt`, malloc'ed into *body / *len.  Every family of
 * r is exported: counters as monotonic cumulative sums, gauges as gauges,
 * histograms as cumulative explicit-bucket histograms.  Series absent
 * from `r` are forgotten, so one that comes back gets a new start time.
 * 0 or -errno.
 */
int tt_otlp_encode(struct tt_otlp_encoder *e, const struct tt_report *r,
		   const struct timespec *now, enum tt_otlp_format fmt, void **body, size_t *len);

/*
 * The OTLP/JSON form of a protobuf body tt_otlp_encode wrote (the
 * exporter thread's work, so the caller only pays for protobuf), malloc'ed
 * into *json / *jlen.  0, -EINVAL (not such a body) or -ENOMEM.
 */
int tt_otlp_to_json(const void *pb, size_t len, char **json, size_t *jlen);

/* OpenTelemetry name of a tracetool family or label (docs/otlp.md); malloc'ed, NULL + ENOMEM. */
char *tt_otlp_metric_name(const char *family, const char *unit, bool counter);
const char *tt_otlp_attribute_name(const char *label);

/*
 * Each entry of a "key=value,..." list (OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS): key and value percent-decoded and trimmed of
 * blanks, handed to fn as malloc'ed strings it owns; blank entries (a
 * trailing comma) are skipped.  0, fn's error, -ENOMEM, or -EINVAL for an
 * entry without '=' or with an empty key, with *bad / *badlen the entry.
 */
int tt_otlp_each_kv(const char *spec, int (*fn)(void *ctx, char *key, char *value), void *ctx,
		    const char **bad, int *badlen);

/* gzip (RFC 1952) of `in` into a malloc'ed *out / *outlen.  0 or -errno. */
int tt_gzip(const void *in, size_t len, void **out, size_t *outlen);
/* The same at zlib `level` (0-9, or -1: zlib's default, 6). */
int tt_gzip_level(const void *in, size_t len, int level, void **out, size_t *outlen);

/* --- the exporter (user/otlp_push.c) --- */

#define TT_OTLP_MAX_HEADERS 32

struct tt_otlp_config {
	char *url;			/* full URL, .../v1/metrics; malloc'ed */
	enum tt_otlp_format format;
	bool gzip;			/* Content-Encoding: gzip */
	double timeout;			/* seconds per request */
	double interval;		/* seconds between exports */
	size_t nheaders;
	char *headers[TT_OTLP_MAX_HEADERS];	/* "Name: value", malloc'ed */
	size_t queue_max;		/* bodies waiting; past it the oldest is dropped */
	int max_attempts;		/* sends per body before it counts as failed */
	double backoff;			/* first retry delay, seconds, doubled per retry */
	double backoff_max;		/* the longest delay (Retry-After included) */
	struct tt_otlp_encode_opts enc;
};

/*
 * Defaults (http/protobuf, gzip, 10 s timeout, 60 s interval, queue of 8,
 * 5 attempts, backoff 1 s to 30 s) overridden by the environment:
 * OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, _HEADERS, _PROTOCOL,
 * _COMPRESSION, _TIMEOUT (ms), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
 * (pointers into the environment).  The url stays NULL unless an endpoint
 * variable is set.  0, or -EINVAL with `err` saying which variable is
 * wrong, or -ENOMEM.
 */
int tt_otlp_config_init(struct tt_otlp_config *c, struct tt_error *err);
void tt_otlp_config_release(struct tt_otlp_config *c);

/*
 * Set the endpoint from --otlp URL: a URL with no path (or "/") is a base
 * endpoint and gets "/v1/metrics" appended, as OTEL_EXPORTER_OTLP_ENDPOINT
 * does; any other path is used as given.  http:// or https:// only.
 * 0, -EINVAL (err set) or -ENOMEM.
 */
int tt_otlp_config_set_url(struct tt_otlp_config *c, const char *url, bool base,
			   struct tt_error *err);

/* What the exporter did so far (the self-metrics). */
struct tt_otlp_stats {
	uint64_t success;	/* bodies the receiver took (2xx) */
	uint64_t rejected;	/* answered with a status not worth retrying (400...) */
	uint64_t failed;	/* retryable failures past max_attempts, or stopped */
	uint64_t retries;	/* sends repeated after a retryable failure */
	uint64_t dropped;	/* bodies dropped from a full queue */
	size_t queued;		/* waiting now */
};

struct tt_otlp;

/*
 * Start the exporter thread for `c` (copied; c may be released) in a
 * process that started at `start`.  NULL + errno.
 */
struct tt_otlp *tt_otlp__new(const struct tt_otlp_config *c, const struct timespec *start,
			     struct tt_error *err);
/*
 * Stop the thread (a request in flight is abandoned) and free everything;
 * queued exports are dropped unsent.
 */
void tt_otlp__free(struct tt_otlp *x);

/*
 * Wait until every queued body has been sent, rejected or has used up its
 * attempts (serve's last export at stop), at most `timeout` seconds; then
 * free the exporter, which abandons what is left.  0 when nothing is left,
 * -ETIMEDOUT otherwise.
 */
int tt_otlp_drain(struct tt_otlp *x, double timeout);

/* Seconds until the next export is due (0 when due): for a poll timeout. */
double tt_otlp_due_in(const struct tt_otlp *x);

/*
 * Encode the cumulative snapshot `r` (taken at `now`, CLOCK_REALTIME) as
 * protobuf (the thread turns it into JSON when that is the format) and
 * queue it for the thread, dropping the oldest queued body when the queue
 * is full; the next export is due one interval later.  0 or -errno.
 */
int tt_otlp_export(struct tt_otlp *x, const struct tt_report *r, const struct timespec *now);

void tt_otlp_stats(struct tt_otlp *x, struct tt_otlp_stats *s);

/*
 * Add the exporter's self-metrics to `r`:
 * tracetool_otlp_exports_total{result="success|rejected|failed"},
 * tracetool_otlp_retries_total and tracetool_otlp_queue_dropped_total.
 * 0 or -errno.
 */
int tt_otlp_add_self_metrics(struct tt_otlp *x, struct tt_report *r);

#endif /* TT_OTLP_H */
