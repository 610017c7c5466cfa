// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool serve [TRACER...] [OPTIONS]`: run tracers (default syscalls,
 * tcp, requests) until stopped and answer Prometheus / OpenMetrics scrapes
 * on /metrics.  One thread: the session's fds and the HTTP server's epoll
 * fd are polled together, and a scrape takes a fresh cumulative snapshot
 * in the handler (at most SNAP_MAX_AGE old), so no lock guards the
 * snapshot and nothing is read from the maps between scrapes.  The view
 * exported (series start times, TTL, the series limit) is user/export.c's;
 * the text is user/render/prom.c's.  With --otlp the same view is pushed
 * every --otlp-interval (user/otlp.h: encoded here, sent by its thread).
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cells.h"
#include "commands.h"
#include "export.h"
#include "httpd.h"
#include "otlp.h"
#include "prom.h"
#include "registry.h"
#include "version.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9436"
#define SERVE_DEFAULT_TTL 300.0
#define SERVE_DEFAULT_MAX_SERIES 10000
/* A scrape reuses a snapshot this recent (seconds): 100 scrapers at once cost one collect. */
#define SNAP_MAX_AGE 0.25
#define MAX_BOUNDS 64
/*
 * At stop, serve waits this long (seconds) for its last OTLP export, so
 * the counts of the last interval reach the receiver; a receiver that is
 * down costs a stop no more than this.
 */
#define OTLP_FINAL_TIMEOUT 5.0

enum {
	OPT_LISTEN = 1,
	OPT_BUCKETS,
	OPT_SERIES_TTL,
	OPT_MAX_EXPORT_SERIES,
	OPT_KEEP_CAPS,
	OPT_BPF_STATS,
	OPT_WEB_CONFIG,
	OPT_OTLP,
	OPT_OTLP_INTERVAL,
};

struct serve {
	const char *listen;
	const char *web_config;		/* --web.config.file */
	struct tt_webconfig web;
	double bounds[MAX_BOUNDS];	/* --buckets, seconds, snapped; nbounds 0 = default */
	size_t nbounds;
	double ttl;
	unsigned long max_series;
	bool keep_caps;
	bool bpf_stats;			/* --bpf-stats asked */
	int stats_fd;			/* BPF_ENABLE_STATS fd: stats on while it is open */
	const char *stats_why;		/* why BPF statistics are on or off */

	struct tt_session *s;
	struct tt_httpd *httpd;
	struct tt_export *x;
	struct tt_report *view;		/* the exported view of the latest snapshot */
	double view_mono;
	double start_real;		/* process start, Unix seconds */
	double last_scrape_mono;
	double trimmed_mono;		/* last malloc_trim */
	double max_scrape_gap;		/* longest time between two scrapes seen */
	double scrape_seconds;		/* how long the previous /metrics answer took */
	size_t scrape_len;		/* bytes of the previous /metrics text */
	int verbose;			/* -v: stage times per scrape, the state's size once a minute */
	double t_collect, t_view, t_self;	/* stages of the last refresh_view, seconds */
	/* the `le` bounds histograms are kept on (serve_fold): seconds, other units */
	double sec_bounds[MAX_BOUNDS], other_bounds[MAX_BOUNDS];
	size_t nsec_bounds, nother_bounds;
	__u16 fold_slots[TT_HIST_NSLOTS];	/* sec_bounds for the tracers' map readings */
	double state_mono;		/* last time it was printed */
	const char *caps_note;		/* what happened to capabilities, for -v */
	const char *otlp_url;		/* --otlp */
	double otlp_interval;		/* --otlp-interval; 0 = the default */
	struct tt_otlp_config otlp_cfg;	/* environment, then the options */
	struct tt_otlp *otlp;		/* the push, when an endpoint is set */
};

static const struct tt_optdef serve_opts[] = {
	{ "listen", 0, "ADDR", OPT_LISTEN,
	  "HTTP address: HOST:PORT, [V6]:PORT or :PORT for every\n"
	  "address (default " SERVE_DEFAULT_LISTEN ")", NULL },
	{ "web.config.file", 0, "FILE", OPT_WEB_CONFIG,
	  "TLS and basic auth, exporter-toolkit style: tls_server_config\n"
	  "(cert_file, key_file), basic_auth_users (name: bcrypt hash)", NULL },
	{ "buckets", 0, "LIST", OPT_BUCKETS,
	  "histogram `le` bounds in seconds (comma list), each moved to\n"
	  "the tracetool bucket bound holding it so counts stay exact\n"
	  "(default about a dozen from 1us to 16s: tracetool(1))", "1-64 bounds" },
	{ "series-ttl", 0, "SEC", OPT_SERIES_TTL,
	  "a series unchanged this long is no longer exported; it\n"
	  "comes back with a new _created when it changes (default 5m;\n"
	  "never less than twice the longest gap between scrapes)", "1s to 365d" },
	{ "max-export-series", 0, "N", OPT_MAX_EXPORT_SERIES,
	  "label sets exported per metric (default 10000); later ones are\n"
	  "summed into its _other series and counted in\n"
	  "tracetool_export_overflow_series_total", "1-10000000" },
	{ "bpf-stats", 0, NULL, OPT_BPF_STATS,
	  "export run time and run count per BPF program (turns the\n"
	  "kernel's BPF statistics on while serve runs; needs CAP_SYS_ADMIN)", NULL },
	{ "keep-caps", 0, NULL, OPT_KEEP_CAPS,
	  "keep every capability after attach (default: all are dropped)", NULL },
	{ "otlp", 0, "URL", OPT_OTLP,
	  "also push the metrics to this OTLP/HTTP receiver (protobuf,\n"
	  "gzip; a URL without a path gets /v1/metrics); the\n"
	  "OTEL_EXPORTER_OTLP_* variables are honoured: tracetool(1)", NULL },
	{ "otlp-interval", 0, "SEC", OPT_OTLP_INTERVAL,
	  "seconds between OTLP pushes (default 60)", "1s to 1d" },
	{ 0 },
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *serve_create(void)
{
	struct serve *sv = calloc(1, sizeof(*sv));

	if (!sv)
		return NULL;
	sv->listen = SERVE_DEFAULT_LISTEN;
	sv->ttl = SERVE_DEFAULT_TTL;
	sv->max_series = SERVE_DEFAULT_MAX_SERIES;
	sv->stats_fd = -1;
	return sv;
}

static int add_bound(void *ctx, const char *item, struct tt_error *err)
{
	struct serve *sv = ctx;
	char *end;
	double v;

	errno = 0;
	v = strtod(item, &end);
	if (*end || errno || !(v > 0) || v > 3600)
		return tt_error_set(err, -EINVAL, true, "--buckets: '%s' is not a bound in seconds "
				    "(0 < bound <= 3600)", item);
	if (sv->nbounds == MAX_BOUNDS)
		return tt_error_set(err, -EINVAL, true, "--buckets: at most %d bounds", MAX_BOUNDS);
	sv->bounds[sv->nbounds++] = v;
	return 0;
}

static int serve_opt(void *priv, int key, const char *arg, struct tt_error *err)
{
	struct serve *sv = priv;

	switch (key) {
	case OPT_LISTEN:
		sv->listen = arg;
		return 0;
	case OPT_BUCKETS:
		sv->nbounds = 0;
		if (tt_cli_each_item(arg, add_bound, sv, err))
			return -EINVAL;
		sv->nbounds = tt_prom_snap_bounds(sv->bounds, sv->nbounds, "seconds");
		return 0;
	case OPT_SERIES_TTL:
		if (tt_parse_seconds(arg, &sv->ttl) || sv->ttl < 1 || sv->ttl > 365 * 86400.0)
			return tt_error_set(err, -EINVAL, true, "--series-ttl: '%s' is not a "
					    "duration from 1s to 365d", arg);
		return 0;
	case OPT_MAX_EXPORT_SERIES:
		if (tt_parse_uint(arg, 10000000, &sv->max_series))
			return tt_error_set(err, -EINVAL, true, "--max-export-series: '%s' is not a "
					    "count from 1 to 10000000", arg);
		return 0;
	case OPT_KEEP_CAPS:
		sv->keep_caps = true;
		return 0;
	case OPT_WEB_CONFIG:
		sv->web_config = arg;
		return 0;
	case OPT_BPF_STATS:
		sv->bpf_stats = true;
		return 0;
	case OPT_OTLP:
		sv->otlp_url = arg;
		return 0;
	case OPT_OTLP_INTERVAL:
		if (tt_parse_seconds(arg, &sv->otlp_interval) || sv->otlp_interval < 1 ||
		    sv->otlp_interval > 86400)
			return tt_error_set(err, -EINVAL, true, "--otlp-interval: '%s' is not a "
					    "duration from 1s to 1d", arg);
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

static int serve_check(void *priv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct serve *sv = priv;
	struct tt_otlp_config *c = &sv->otlp_cfg;
	int ret;

	if (o->interval > 0 || o->output || o->hist || o->top)
		return tt_error_set(err, -EINVAL, true, "-i, -o, --hist and --top are for reports; "
				    "serve answers scrapes on /metrics");
	/* the OTLP push: the environment first, the options over it */
	ret = tt_otlp_config_init(c, err);
	if (!ret && sv->otlp_url)
		ret = tt_otlp_config_set_url(c, sv->otlp_url, false, err);
	if (ret)
		return ret;
	if (!c->url && sv->otlp_interval > 0)
		return tt_error_set(err, -EINVAL, true, "--otlp-interval needs --otlp URL (or "
				    "OTEL_EXPORTER_OTLP_ENDPOINT)");
	if (c->url) {
		/* a malformed OTEL_RESOURCE_ATTRIBUTES is a usage error now, not after attach */
		struct tt_otlp_encoder *e = tt_otlp_encoder__new(&c->enc, &(struct timespec){ 0 });

		if (!e)
			return tt_error_set(err, -errno, errno == EINVAL, errno == EINVAL ?
					    "OTEL_RESOURCE_ATTRIBUTES: key=value,... expected" :
					    "out of memory");
		tt_otlp_encoder__free(e);
	}
	if (sv->otlp_interval > 0)
		c->interval = sv->otlp_interval;
	c->enc.seconds_bounds = sv->nbounds ? sv->bounds : NULL;
	c->enc.nseconds_bounds = sv->nbounds;
	c->enc.scope_version = TT_VERSION;
	return 0;
}

static const enum tt_hook no_hooks[] = { TT_HOOK_NR };
static const struct tt_tracer_ops serve_ops = { .name = "serve", .hooks = no_hooks };
static const char *const no_formats[] = { NULL };

/* serve's own row of the parser: its options, never a tracer of the session */
static const struct tt_tracer_def serve_def = {
	.name = "serve",
	.opts = serve_opts,
	.formats = no_formats,
	.ops = &serve_ops,
	.create = serve_create,
	.opt = serve_opt,
	.check = serve_check,
};

/* --- self-metrics ------------------------------------------------------------- */

static int add_gauge(struct tt_report *r, const char *name, const char *help, const char *unit,
		     enum tt_metric_type type, const char *label, const char *value, double v)
{
	struct tt_family *f = tt_report_find_family(r, name);
	struct tt_series *s;
	const char *labels[] = { value };

	if (!f)
		f = tt_report_add_family(r, name, help, unit, type, label ? 1 : 0,
					 label ? (const char *const[]){ label } : NULL);
	if (!f)
		return -ENOMEM;
	s = tt_family_add_series(f, labels);
	if (!s)
		return -ENOMEM;
	s->value = v;
	return 0;
}

static long rss_bytes(void)
{
	long pages = -1, rss = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}

/* tracetool_bpf_run_seconds_total / tracetool_bpf_runs_total per program (kernel statistics). */
static int add_bpf_stats(struct serve *sv, struct tt_report *r)
{
	static const char *const names[] = { "tracer", "program" };
	struct tt_family *sec, *cnt;
	const char *tracer;
	struct bpf_object *obj;
	size_t i;

	sec = tt_report_add_family(r, "tracetool_bpf_run_seconds_total", "Time the kernel spent "
				   "running each BPF program (--bpf-stats), seconds.", "seconds",
				   TT_METRIC_COUNTER, 2, names);
	cnt = tt_report_add_family(r, "tracetool_bpf_runs_total", "Runs of each BPF program "
				   "(--bpf-stats).", "", TT_METRIC_COUNTER, 2, names);
	if (!sec || !cnt)
		return -ENOMEM;
	for (i = 0; i < TT_SESSION_MAX_TRACERS; i++) {
		struct bpf_program *p;

		obj = tt_session_object(sv->s, i, &tracer);
		if (!obj)
			continue;
		bpf_object__for_each_program(p, obj) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			const char *labels[] = { tracer, bpf_program__name(p) };
			struct tt_series *a, *b;

			if (bpf_program__fd(p) < 0 ||
			    bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
				continue;	/* not loaded: an alternative hook */
			a = tt_family_add_series(sec, labels);
			b = tt_family_add_series(cnt, labels);
			if (!a || !b)
				return -ENOMEM;
			a->value = (double)info.run_time_ns * 1e-9;
			b->value = (double)info.run_cnt;
		}
	}
	return 0;
}

/*
 * BPF_ENABLE_STATS before capabilities are dropped; the statistics stay on
 * while the fd is open.  Off, with why, when not asked or not permitted.
 */
static void enable_bpf_stats(struct serve *sv)
{
	static char why[128];
	int fd;

	if (!sv->bpf_stats) {
		sv->stats_why = "off: --bpf-stats not given";
		return;
	}
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		snprintf(why, sizeof(why), "off: BPF_ENABLE_STATS failed: %s%s", strerror(-fd),
			 fd == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		sv->stats_why = why;
		return;
	}
	sv->stats_fd = fd;
	sv->stats_why = "on: --bpf-stats";
}

/*
 * Families about serve itself, after the tracers' (Prometheus client
 * conventions for the process_* ones).
 */
static int add_self_metrics(struct serve *sv, struct tt_report *r)
{
	const struct tt_export_stats *st = tt_export_stats(sv->x);
	struct rusage ru;
	size_t i, nfam = r->nfamilies;
	int ret = 0;

	ret = ret ?: add_gauge(r, "tracetool_build_info", "tracetool's version; the value is 1.", "",
			       TT_METRIC_GAUGE, "version", TT_VERSION, 1);
	for (i = 0; !ret && i < r->ntracers; i++)
		ret = add_gauge(r, "tracetool_up", "1 for each tracer running in this process.", "",
				TT_METRIC_GAUGE, "tracer", r->tracers[i], 1);
	for (i = 0; !ret && i < nfam; i++)
		ret = add_gauge(r, "tracetool_export_series", "Series exported per metric, its "
				"overflow series included.", "", TT_METRIC_GAUGE, "metric",
				r->families[i]->name, (double)r->families[i]->nseries);
	for (i = 0; !ret && i < nfam; i++)
		ret = add_gauge(r, "tracetool_export_overflow_series_total", "Label sets summed into "
				"a metric's _other series past --max-export-series.", "",
				TT_METRIC_COUNTER, "metric", r->families[i]->name,
				(double)tt_export_overflowed(sv->x, r->families[i]->name));
	ret = ret ?: add_gauge(r, "tracetool_export_expired_series_total", "Series that did not "
			       "change for --series-ttl: no longer exported, and forgotten.", "",
			       TT_METRIC_COUNTER, NULL, NULL, (double)st->expired);
	ret = ret ?: add_gauge(r, "tracetool_scrape_duration_seconds", "How long the previous "
			       "answer to /metrics took.", "seconds", TT_METRIC_GAUGE, NULL, NULL,
			       sv->scrape_seconds);
	ret = ret ?: add_gauge(r, "tracetool_bpf_stats_enabled", "1 when BPF program run time and "
			       "counts are measured (--bpf-stats), with why in `reason`.", "",
			       TT_METRIC_GAUGE, "reason", sv->stats_why, sv->stats_fd >= 0);
	ret = ret ?: (sv->stats_fd >= 0 ? add_bpf_stats(sv, r) : 0);
	getrusage(RUSAGE_SELF, &ru);
	ret = ret ?: add_gauge(r, "process_cpu_seconds_total", "User and system CPU time spent "
			       "by tracetool, seconds.", "seconds", TT_METRIC_COUNTER, NULL, NULL,
			       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
			       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6);
	ret = ret ?: add_gauge(r, "process_resident_memory_bytes", "Resident memory of tracetool, "
			       "bytes.", "bytes", TT_METRIC_GAUGE, NULL, NULL, (double)rss_bytes());
	ret = ret ?: add_gauge(r, "process_start_time_seconds", "Start of tracetool, Unix "
			       "seconds.", "seconds", TT_METRIC_GAUGE, NULL, NULL, sv->start_real);
	if (sv->otlp)
		ret = ret ?: tt_otlp_add_self_metrics(sv->otlp, r);
	return ret;
}

/* --- scrapes -------------------------------------------------------------------- */

/*
 * -v: what serve's state holds, once a minute (stderr): series and
 * histogram buckets of the cumulative snapshot, label sets the exporter
 * remembers and has forgotten, and glibc's heap in use and free but
 * resident.  Long-run memory growth is attributed with it.
 */
static void print_state(const struct serve *sv, const struct tt_report *snap)
{
	const struct tt_export_stats *st = tt_export_stats(sv->x);
	struct mallinfo2 mi = mallinfo2();
	size_t series = 0, buckets = 0, i, k;

	for (i = 0; i < snap->nfamilies; i++) {
		series += snap->families[i]->nseries;
		for (k = 0; k < snap->families[i]->nseries; k++)
			buckets += snap->families[i]->series[k].hist.nbuckets;
	}
	fprintf(stderr, "tracetool serve: state: %zu series, %zu histogram buckets cumulative; "
		"export: %zu label sets remembered, %zu expired so far; heap: %zu KiB in use, "
		"%zu KiB free, %zu KiB mmapped; RSS %ld KiB\n", series, buckets, st->remembered,
		st->expired, mi.uordblks / 1024, mi.fordblks / 1024, mi.hblkhd / 1024,
		rss_bytes() / 1024);
}

/*
 * The session's fold (tt_session_set_fold): every histogram collected is
 * kept on the bounds it is exported with, so a series' cumulative state is
 * at most MAX_BOUNDS + 1 buckets, not one per model bucket its latencies
 * ever reached (up to 2,000, 48 KiB a series, in the cumulative report and
 * again in the view).  Counts stay exact: the bounds are model bounds.
 */
static int serve_fold(void *ctx, struct tt_report *increase)
{
	const struct serve *sv = ctx;
	size_t i, k;

	for (i = 0; i < increase->nfamilies; i++) {
		struct tt_family *f = increase->families[i];
		bool sec = tt_hist_resolution(f->unit) < 1;

		if (f->type != TT_METRIC_HISTOGRAM)
			continue;
		for (k = 0; k < f->nseries; k++)
			tt_hsum_fold(&f->series[k].hist, sec ? sv->sec_bounds : sv->other_bounds,
				     sec ? sv->nsec_bounds : sv->nother_bounds);
	}
	return 0;
}

/* The bounds serve_fold keeps histograms on: --buckets or the defaults, snapped. */
static void fold_bounds(struct serve *sv)
{
	const double *d;
	size_t n;

	if (sv->nbounds) {
		memcpy(sv->sec_bounds, sv->bounds, sv->nbounds * sizeof(*sv->bounds));
		sv->nsec_bounds = sv->nbounds;
	} else {
		d = tt_prom_default_bounds("seconds", &n);
		memcpy(sv->sec_bounds, d, n * sizeof(*d));
		sv->nsec_bounds = tt_prom_snap_bounds(sv->sec_bounds, n, "seconds");
	}
	d = tt_prom_default_bounds("", &n);
	memcpy(sv->other_bounds, d, n * sizeof(*d));
	sv->nother_bounds = tt_prom_snap_bounds(sv->other_bounds, n, "");
	tt_fold_slots(sv->fold_slots, sv->sec_bounds, sv->nsec_bounds, 1e-9);
}

/* A view at most SNAP_MAX_AGE old: a fresh snapshot when the last one is older. */
static int refresh_view(struct serve *sv)
{
	struct tt_error err;
	struct tt_report *snap, *view;
	double t0, t1, t2;
	int ret;

	sv->t_collect = sv->t_view = sv->t_self = 0;
	if (sv->view && now_mono() - sv->view_mono < SNAP_MAX_AGE)
		return 0;
	t0 = now_mono();
	snap = tt_session_snapshot(sv->s, &err);
	if (!snap)
		return err.code;
	t1 = now_mono();
	view = tt_export_view(sv->x, snap, now_real());
	if (view && sv->verbose && now_mono() - sv->state_mono >= 60) {
		print_state(sv, snap);
		sv->state_mono = now_mono();
	}
	tt_report__free(snap);
	if (!view)
		return -errno;
	/* the series that expired are forgotten for good: a return counts from zero */
	ret = tt_session_forget(sv->s, tt_export_gone(sv->x));
	if (ret) {
		tt_report__free(view);
		return ret;
	}
	t2 = now_mono();
	ret = add_self_metrics(sv, view);
	sv->t_collect = t1 - t0;
	sv->t_view = t2 - t1;
	sv->t_self = now_mono() - t2;
	if (ret) {
		tt_report__free(view);
		return ret;
	}
	tt_report__free(sv->view);
	sv->view = view;
	sv->view_mono = now_mono();
	return 0;
}

/*
 * Does the Accept header prefer OpenMetrics 1.0 (or an unversioned
 * OpenMetrics) over the 0.0.4 text format?  Ties go to OpenMetrics, which
 * Prometheus lists first.
 */
static bool wants_openmetrics(const char *accept)
{
	double om = -1, text = -1;
	const char *p = accept;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[256], *q, *v;
		double qv = 1;

		snprintf(item, sizeof(item), "%.*s", (int)(len < 255 ? len : 255), p);
		p = end ? end + 1 : NULL;
		q = strstr(item, "q=");
		if (q)
			qv = strtod(q + 2, NULL);
		v = strstr(item, "version=");
		if (strstr(item, "application/openmetrics-text")) {
			if (!v || !strncmp(v + 8, "1.0.0", 5))
				om = fmax(om, qv);
		} else if (strstr(item, "text/plain") || strstr(item, "*/*")) {
			if (!v || !strncmp(v + 8, "0.0.4", 5))
				text = fmax(text, qv);
		}
	}
	return om > 0 && om >= text;
}

/*
 * A scrape's text buffer of at least `want` bytes (*cap: how many), or NULL
 * for none yet.  A large one is asked for in transparent huge pages: the
 * text is written once into fresh memory, and 4 KiB page faults were most
 * of its rendering time (34 MB: 28 ms of page faults and copying, 12 ms in
 * 2 MiB pages; docs/performance.md).  The pages go back at free() as ever.
 */
static char *alloc_body(size_t want, size_t *cap)
{
	const size_t huge = 2u << 20;
	char *p;

	*cap = 0;
	if (!want)
		return NULL;
	if (want < 2 * huge) {
		p = malloc(want);
	} else {
		want = (want + huge - 1) & ~(huge - 1);
		p = aligned_alloc(huge, want);
		if (p)
			madvise(p, want, MADV_HUGEPAGE);	/* advice: fine to fail */
	}
	if (p)
		*cap = want;
	return p;
}

static int answer(void *ctx, const char *path, const char *accept, struct tt_http_reply *out)
{
	struct serve *sv = ctx;
	double t0 = now_mono(), t1, t2, ttl;
	struct tt_prom_opts po = { .bounds = sv->nbounds ? sv->bounds : NULL,
				   .nbounds = sv->nbounds };
	struct tt_prom_buf body = { 0 };
	int ret;

	if (!strcmp(path, "/-/healthy")) {
		out->status = 200;
		out->content_type = "text/plain; charset=utf-8";
		out->body = strdup("tracetool is healthy.\n");
		out->len = out->body ? strlen(out->body) : 0;
		return out->body ? 0 : -ENOMEM;
	}
	if (strcmp(path, "/metrics")) {
		out->status = 404;
		out->content_type = "text/plain; charset=utf-8";
		out->body = strdup("not found: try /metrics or /-/healthy\n");
		out->len = out->body ? strlen(out->body) : 0;
		return out->body ? 0 : -ENOMEM;
	}
	if (sv->last_scrape_mono > 0)
		sv->max_scrape_gap = fmax(sv->max_scrape_gap, t0 - sv->last_scrape_mono);
	sv->last_scrape_mono = t0;
	ttl = fmax(sv->ttl, 2 * sv->max_scrape_gap);
	tt_export_set_ttl(sv->x, ttl);
	ret = refresh_view(sv);
	if (ret)
		return ret;
	po.openmetrics = wants_openmetrics(accept);
	t1 = now_mono();
	/* room for the previous answer's size and some: a 34 MB text grows without copies */
	body.data = alloc_body(sv->scrape_len + sv->scrape_len / 8, &body.cap);
	ret = tt_render_prom_buf(sv->view, &po, &body);
	t2 = now_mono();
	out->body = body.data;	/* the server frees it, whatever ret says */
	out->len = body.len;
	if (ret)
		return ret;
	sv->scrape_len = body.len;
	out->status = 200;
	out->content_type = po.openmetrics ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8";
	sv->scrape_seconds = now_mono() - t0;
	if (sv->verbose)
		fprintf(stderr, "tracetool serve: scrape: collect %.1f ms, export view %.1f ms, "
			"self-metrics %.1f ms, render %.1f ms, %zu bytes%s\n", sv->t_collect * 1e3,
			sv->t_view * 1e3, sv->t_self * 1e3, (t2 - t1) * 1e3, out->len,
			sv->t_collect > 0 ? "" : " (snapshot reused)");
	return ret;
}

/* --- capabilities -------------------------------------------------------------- */

/*
 * After attach nothing needs a capability: maps are read and ring buffers
 * consumed through fds this process already holds (kernel >= 6.6 checks
 * capabilities when a BPF object is created or an fd obtained, not on
 * lookups through it), and the listening socket is bound already.  Drop
 * them all, from every set, and allow no regaining through execve.
 */
static const char *drop_caps(void)
{
	cap_t none = cap_init();
	int ret;

	if (!none)
		return "capabilities kept: out of memory";
	ret = cap_set_proc(none);
	cap_free(none);
	if (ret)
		return "capabilities kept: capset failed";
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return "every capability dropped after attach";
}

/* --- the command ----------------------------------------------------------------- */

/* --help; defs[0] is serve's own row, the tracers follow. */
static void serve_help(const struct tt_tracer_def *const *defs, size_t n, FILE *out)
{
	char hooks[256];
	size_t i, k;

	fprintf(out, "Usage: tracetool serve [TRACER...] [OPTIONS]\n\n"
		"Run tracers (default: syscalls tcp requests) until stopped and answer\n"
		"scrapes on http://ADDR/metrics: the Prometheus text format 0.0.4, or\n"
		"OpenMetrics 1.0 when the scraper asks for it (Accept header); /-/healthy\n"
		"answers 200.  Counters are cumulative since serve started and never go\n"
		"backwards; histograms have exact `le` buckets (bounds moved onto\n"
		"tracetool's own bucket bounds).  After attach every capability is dropped.\n"
		"Options of the tracers run are accepted and apply to those that take them.\n"
		"\nOptions:\n");
	for (k = 0; serve_opts[k].name; k++)
		tt_optdef_help(&serve_opts[k], NULL, out);
	for (i = 1; i < n; i++) {
		if (!defs[i]->opts[0].name)
			continue;
		fprintf(out, "\nOptions of %s:\n", defs[i]->name);
		for (k = 0; defs[i]->opts[k].name; k++)
			tt_optdef_help(&defs[i]->opts[k], NULL, out);
	}
	fprintf(out, "\nCommon options:\n");
	tt_tracers_hooks_help(defs + 1, n - 1, hooks, sizeof(hooks));
	for (k = 0; tt_common_optdefs[k].name; k++) {
		const struct tt_optdef *d = &tt_common_optdefs[k];

		if (strcmp(d->name, "format") && strcmp(d->name, "output") &&
		    strcmp(d->name, "interval") && strcmp(d->name, "hist") && strcmp(d->name, "top") &&
		    strcmp(d->name, "no-trace-cmd"))
			tt_optdef_help(d, !strcmp(d->name, "hook") ? hooks : NULL, out);
	}
	fprintf(out, "\nExamples:\n"
		"  tracetool serve                         # syscalls, tcp, requests on 127.0.0.1:9436\n"
		"  tracetool serve requests --listen :9436 --port 8080  # every address\n"
		"  tracetool serve syscalls -c nginx --buckets 0.001,0.01,0.1,1\n"
		"  tracetool serve --otlp http://127.0.0.1:4318 --otlp-interval 15\n"
		"  curl -s 127.0.0.1:9436/metrics | promtool check metrics\n");
}

/* Events (tcp retransmits) are for reports; serve keeps only the counts: free them. */
static int drop_events(struct tt_session *s, struct tt_error *err)
{
	struct tt_report *ev = tt_report__new();
	int ret;

	if (!ev)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	ret = tt_session_take_events(s, ev, err);
	tt_report__free(ev);
	return ret;
}

/*
 * The one place for periodic exporters (the OTLP push): called after every
 * poll with the monotonic time; they take the cumulative view with
 * refresh_view(sv) and sv->view, and the start time sv->start_real.
 */
static int serve_tick(struct serve *sv, double now, struct tt_error *err)
{
	struct timespec real;
	int ret;

	(void)now;
	if (!sv->otlp || tt_otlp_due_in(sv->otlp) > 0)
		return 0;
	ret = refresh_view(sv);
	clock_gettime(CLOCK_REALTIME, &real);
	ret = ret ?: tt_otlp_export(sv->otlp, sv->view, &real);
	if (ret)
		return tt_error_set(err, ret, false, "OTLP export: %s", strerror(-ret));
	return 0;
}

/*
 * The last OTLP export, of the values at stop (a fresh snapshot), and the
 * wait for its delivery, at most OTLP_FINAL_TIMEOUT.  A failure is a
 * warning: the stop itself went well.
 */
static void serve_final_export(struct serve *sv)
{
	struct timespec real;
	int ret;

	sv->view_mono = -INFINITY;	/* never a reused snapshot */
	ret = refresh_view(sv);
	clock_gettime(CLOCK_REALTIME, &real);
	ret = ret ?: tt_otlp_export(sv->otlp, sv->view, &real);
	ret = ret ?: tt_otlp_drain(sv->otlp, OTLP_FINAL_TIMEOUT);
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "tracetool serve: warning: the last OTLP export at stop was not "
			"delivered within %g s\n", OTLP_FINAL_TIMEOUT);
	else if (ret)
		fprintf(stderr, "tracetool serve: warning: the last OTLP export at stop: %s\n",
			strerror(-ret));
}

static int serve_loop(struct serve *sv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct pollfd fds[TT_SESSION_MAX_TRACERS + 2];
	double deadline = o->duration > 0 ? now_mono() + o->duration : INFINITY;
	int ret = 0;

	while (!ret && !tt_session_done(sv->s)) {
		size_t n = tt_session_pollfds(sv->s, fds, TT_SESSION_MAX_TRACERS + 1);
		int timeout = tt_session_timeout(sv->s), ht = tt_httpd_timeout(sv->httpd);
		double now = now_mono();

		if (ht >= 0 && (timeout < 0 || ht < timeout))
			timeout = ht;
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		if (sv->otlp && tt_otlp_due_in(sv->otlp) * 1000 < timeout)
			timeout = (int)ceil(tt_otlp_due_in(sv->otlp) * 1000);
		if (isfinite(deadline) && (deadline - now) * 1000 < timeout)
			timeout = deadline > now ? (int)ceil((deadline - now) * 1000) : 0;
		fds[n] = (struct pollfd){ .fd = tt_httpd_fd(sv->httpd), .events = POLLIN };
		if (poll(fds, n + 1, timeout) < 0 && errno != EINTR)
			return tt_error_set(err, -errno, false, "poll: %s", strerror(errno));
		ret = tt_session_service(sv->s, fds, n, err);
		ret = ret ?: drop_events(sv->s, err);
		if (!ret && tt_httpd_run(sv->httpd))
			ret = tt_error_set(err, -EIO, false, "the HTTP server failed");
		now = now_mono();
		/*
		 * A scrape's snapshot, view and text (MBs with many series) are freed once it
		 * is answered, but glibc keeps freed pages below the top of the heap resident:
		 * RSS would creep up to the largest scrapes seen.  A second after the last
		 * scrape they go back to the kernel (well under a millisecond a scrape).
		 */
		if (sv->last_scrape_mono > sv->trimmed_mono && now - sv->last_scrape_mono >= 1.0) {
			malloc_trim(0);
			sv->trimmed_mono = now;
		}
		ret = ret ?: serve_tick(sv, now, err);
		if (now >= deadline)
			break;
	}
	return ret;
}

const char tt_serve_summary[] = "Prometheus / OpenMetrics endpoint: tracers always on";

static const char *const default_tracers[] = { "syscalls", "tcp", "requests" };

int cmd_serve(const struct tt_cmd *cmd, int argc, char **argv)
{
	const struct tt_tracer_def *defs[TT_SESSION_MAX_TRACERS + 1] = { &serve_def };
	void *privs[TT_SESSION_MAX_TRACERS + 1] = {};
	struct tt_common_opts o = {};
	struct tt_error err = {};
	struct serve *sv = NULL;
	size_t n = 1, i;
	int k, ret, status = TT_EXIT_OK;

	for (k = 1; k < argc && argv[k][0] != '-'; k++) {
		const struct tt_tracer_def *d = tt_tracer_find(argv[k]);

		if (!d) {
			fprintf(stderr, "tracetool serve: '%s' is not a tracer\n"
				"Try 'tracetool serve --help'.\n", argv[k]);
			return TT_EXIT_USAGE;
		}
		for (i = 1; i < n && defs[i] != d; i++)
			;
		if (i < n || n > TT_SESSION_MAX_TRACERS) {
			fprintf(stderr, "tracetool serve: tracer '%s' named twice or too many tracers\n",
				argv[k]);
			return TT_EXIT_USAGE;
		}
		defs[n++] = d;
	}
	if (n == 1)
		for (i = 0; i < sizeof(default_tracers) / sizeof(default_tracers[0]); i++)
			defs[n++] = tt_tracer_find(default_tracers[i]);
	for (i = 0; i < n; i++) {
		privs[i] = defs[i]->create();
		if (!privs[i]) {
			fprintf(stderr, "tracetool serve: out of memory\n");
			status = TT_EXIT_FAIL;
			goto out;
		}
	}
	sv = privs[0];
	/* the options start at argv[k - 1], which the parser takes as the command name */
	if (!tt_tracers_setup(defs, privs, n, argc - (k - 1), argv + (k - 1), &o, "serve",
			      serve_help, &status))
		goto out;
	if (o.cmd) {
		/* one line, no Try line: the usage line shows why */
		fprintf(stderr, "tracetool serve: -- CMD is not taken: serve runs until stopped "
			"(SIGINT, SIGTERM or -d SEC)\n");
		status = TT_EXIT_USAGE;
		goto out;
	}
	tt_set_verbose(o.verbose);
	sv->verbose = o.verbose;
	sv->start_real = now_real();
	if (sv->web_config && tt_webconfig_load(&sv->web, sv->web_config, &err)) {
		status = tt_fail(cmd, &err);
		goto out;
	}
	/* bind before loading anything: a port in use costs no BPF load */
	sv->httpd = tt_httpd__new(sv->listen, answer, sv, sv->web_config ? &sv->web : NULL, &err);
	if (!sv->httpd) {
		status = tt_fail(cmd, &err);
		goto out;
	}
	sv->x = tt_export__new(&(struct tt_export_opts){ .start = sv->start_real, .ttl = sv->ttl,
							  .max_series = sv->max_series });
	/* histograms kept on the exported bounds, from the map readings up */
	fold_bounds(sv);
	o.fold_slots = sv->fold_slots;
	sv->s = tt_session__new(&o);
	if (!sv->x || !sv->s) {
		fprintf(stderr, "tracetool serve: out of memory\n");
		status = TT_EXIT_FAIL;
		goto out;
	}
	for (i = 1; i < n; i++)
		tt_session_add(sv->s, defs[i]->ops, privs[i]);
	tt_session_set_fold(sv->s, serve_fold, sv);
	enable_bpf_stats(sv);
	ret = tt_session_start(sv->s, &err);
	if (!ret && o.dry_run) {
		printf("dry run: serve loaded and attached, listening on %s\n", sv->listen);
		goto out;
	}
	if (!ret) {
		sv->caps_note = sv->keep_caps ? "capabilities kept (--keep-caps)" : drop_caps();
		/* after the drop: capabilities are per thread, the exporter's starts with none */
		if (sv->otlp_cfg.url) {
			struct timespec start = { .tv_sec = (time_t)sv->start_real };

			start.tv_nsec = (long)((sv->start_real - (double)start.tv_sec) * 1e9);
			sv->otlp = tt_otlp__new(&sv->otlp_cfg, &start, &err);
			if (!sv->otlp)
				ret = err.code ? err.code : -errno;
		}
	}
	if (!ret) {
		if (o.verbose)
			fprintf(stderr, "tracetool serve: listening on %s (port %u); %s\n", sv->listen,
				tt_httpd_port(sv->httpd), sv->caps_note);
		ret = serve_loop(sv, &o, &err);
		if (!ret && sv->otlp)
			serve_final_export(sv);
	}
	if (ret)
		status = tt_fail(cmd, &err);
	for (i = 1; i < n; i++)
		if (defs[i]->finish)
			defs[i]->finish(privs[i], &o, ret != 0);
out:
	if (sv) {
		tt_otlp__free(sv->otlp);
		tt_otlp_config_release(&sv->otlp_cfg);
		if (sv->s) {
			tt_session_stop(sv->s);
			tt_session__free(sv->s);
		}
		tt_httpd__free(sv->httpd);
		tt_export__free(sv->x);
		tt_report__free(sv->view);
		if (sv->stats_fd >= 0)
			close(sv->stats_fd);
		tt_webconfig_release(&sv->web);
	}
	tt_tracers_destroy(defs, privs, n);
	return status;
}
