// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OTLP/HTTP exporter (user/otlp.h): the caller encodes each snapshot
 * and queues it; one worker thread sends the queue with libcurl, oldest
 * first, retrying 429, 502, 503, 504 and connection failures with
 * exponential backoff (Retry-After honoured).  Exports are cumulative, so
 * when the queue is full the oldest body is the one dropped: a newer one
 * carries everything it did.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "otlp.h"

struct body {
	void *data;
	size_t len;
};

struct tt_otlp {
	struct tt_otlp_config c;
	struct tt_otlp_encoder *enc;
	double next_due;		/* CLOCK_MONOTONIC seconds */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* queue or stop changed */
	bool stop;
	bool busy;			/* the worker holds a body taken from the queue */
	struct body *queue;		/* ring of c.queue_max */
	size_t head, n;
	struct tt_otlp_stats stats;	/* under lock */
};

static const char *env2(const char *metrics_var, const char *var)
{
	const char *v = getenv(metrics_var);

	return v && *v ? v : getenv(var);
}

/* "base" + "/v1/metrics", without doubling the slash. */
static char *append_path(const char *base)
{
	size_t n = strlen(base);
	char *out = malloc(n + sizeof("/v1/metrics"));

	if (!out)
		return NULL;
	memcpy(out, base, n);
	strcpy(out + n - (n && base[n - 1] == '/'), "/v1/metrics");
	return out;
}

int tt_otlp_config_set_url(struct tt_otlp_config *c, const char *url, bool base,
			   struct tt_error *err)
{
	const char *rest, *path;
	char *u;

	if (!strncasecmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		rest = url + 8;
	else
		return tt_error_set(err, -EINVAL, true,
				    "OTLP endpoint '%s': an http:// or https:// URL is needed", url);
	if (!*rest || *rest == '/')
		return tt_error_set(err, -EINVAL, true, "OTLP endpoint '%s' names no host", url);
	path = strchr(rest, '/');
	if (base || !path || !strcmp(path, "/"))
		u = append_path(url);
	else
		u = strdup(url);
	if (!u)
		return -ENOMEM;
	free(c->url);
	c->url = u;
	return 0;
}

static int add_header(void *ctx, char *name, char *value)
{
	struct tt_otlp_config *c = ctx;
	char *h = NULL;
	int ret = -EINVAL;

	if (!strpbrk(name, ":\r\n \t") && !strpbrk(value, "\r\n") &&
	    c->nheaders < TT_OTLP_MAX_HEADERS)
		ret = asprintf(&h, "%s: %s", name, value) > 0 ? 0 : -ENOMEM;
	if (!ret)
		c->headers[c->nheaders++] = h;
	free(name);
	free(value);
	return ret;
}

/* OTEL_EXPORTER_OTLP_HEADERS: "name=value,..." (W3C baggage syntax, values percent-encoded). */
static int parse_headers(struct tt_otlp_config *c, const char *spec, const char *var,
			 struct tt_error *err)
{
	const char *bad;
	int rc, badlen;

	rc = tt_otlp_each_kv(spec, add_header, c, &bad, &badlen);
	if (rc == -EINVAL)
		return tt_error_set(err, -EINVAL, true,
				    "%s: bad entry '%.*s' (name=value, at most %d headers)", var,
				    badlen, bad, TT_OTLP_MAX_HEADERS);
	return rc;
}

int tt_otlp_config_init(struct tt_otlp_config *c, struct tt_error *err)
{
	const char *v;
	char *end;
	long ms;
	int rc;

	memset(c, 0, sizeof(*c));
	c->format = TT_OTLP_PROTOBUF;
	c->gzip = true;
	c->timeout = 10;
	c->interval = 60;
	c->queue_max = 8;
	c->max_attempts = 5;
	c->backoff = 1;
	c->backoff_max = 30;
	c->enc.service_name = getenv("OTEL_SERVICE_NAME");
	if (c->enc.service_name && !*c->enc.service_name)
		c->enc.service_name = NULL;
	c->enc.resource_attributes = getenv("OTEL_RESOURCE_ATTRIBUTES");

	if ((v = getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) && *v)
		rc = tt_otlp_config_set_url(c, v, false, err);
	else if ((v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) && *v)
		rc = tt_otlp_config_set_url(c, v, true, err);
	else
		rc = 0;
	if (rc)
		return rc;
	v = env2("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
	if (v && *v) {
		if (!strcmp(v, "http/protobuf"))
			c->format = TT_OTLP_PROTOBUF;
		else if (!strcmp(v, "http/json"))
			c->format = TT_OTLP_JSON;
		else
			return tt_error_set(err, -EINVAL, true,
					    "OTEL_EXPORTER_OTLP_PROTOCOL '%s': http/protobuf or http/json (no grpc)",
					    v);
	}
	v = env2("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
	if (v && *v) {
		if (!strcmp(v, "gzip") || !strcmp(v, "none"))
			c->gzip = !strcmp(v, "gzip");
		else
			return tt_error_set(err, -EINVAL, true,
					    "OTEL_EXPORTER_OTLP_COMPRESSION '%s': gzip or none", v);
	}
	v = env2("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT");
	if (v && *v) {
		errno = 0;
		ms = strtol(v, &end, 10);
		if (errno || *end || ms <= 0 || ms > 3600000)
			return tt_error_set(err, -EINVAL, true,
					    "OTEL_EXPORTER_OTLP_TIMEOUT '%s': milliseconds, 1 to 3600000", v);
		c->timeout = (double)ms / 1000;
	}
	if ((v = getenv("OTEL_EXPORTER_OTLP_HEADERS")) && *v &&
	    (rc = parse_headers(c, v, "OTEL_EXPORTER_OTLP_HEADERS", err)))
		return rc;
	if ((v = getenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS")) && *v &&
	    (rc = parse_headers(c, v, "OTEL_EXPORTER_OTLP_METRICS_HEADERS", err)))
		return rc;
	return 0;
}

void tt_otlp_config_release(struct tt_otlp_config *c)
{
	size_t i;

	free(c->url);
	for (i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	memset(c, 0, sizeof(*c));
}

static double mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct timespec ts_of(double s)
{
	struct timespec t = { .tv_sec = (time_t)s };

	t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
	return t;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

/* libcurl's progress callback: a stop ends a request in flight at once, not after the timeout. */
static int abort_on_stop(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct tt_otlp *x = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return __atomic_load_n(&x->stop, __ATOMIC_RELAXED);
}

enum send_result { SENT, RETRY, REJECTED };

/* One POST of `b`; *retry_after: the receiver's Retry-After, seconds (0: none). */
static enum send_result send_once(struct tt_otlp *x, CURL *curl, struct curl_slist *hdrs,
				  const struct body *b, double *retry_after)
{
	curl_off_t ra = 0;
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(curl, CURLOPT_URL, x->c.url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, b->data);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(x->c.timeout * 1000));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	*retry_after = 0;
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		return RETRY;	/* connection refused, reset, timed out: the receiver may come back */
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return SENT;
	if (status == 429 || status == 502 || status == 503 || status == 504) {
		if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			*retry_after = (double)ra;
		return RETRY;
	}
	return REJECTED;
}

/* Wait until `deadline` (monotonic seconds) or stop; true when stopped. Under lock. */
static bool wait_until(struct tt_otlp *x, double deadline)
{
	struct timespec now, abs;
	double left;

	while (!x->stop && (left = deadline - mono_now()) > 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		abs = ts_of((double)now.tv_sec + (double)now.tv_nsec / 1e9 + left);
		pthread_cond_timedwait(&x->cond, &x->lock, &abs);
	}
	return x->stop;
}

static void *worker(void *arg)
{
	struct tt_otlp *x = arg;
	struct curl_slist *hdrs = NULL, *h;
	enum send_result res = REJECTED;
	struct body b, z;
	double delay, ra;
	CURL *curl;
	size_t i;
	int attempt;

	curl = curl_easy_init();
	h = curl_slist_append(hdrs, x->c.format == TT_OTLP_JSON ? "Content-Type: application/json"
								  : "Content-Type: application/x-protobuf");
	if (h && x->c.gzip)
		h = curl_slist_append(hdrs = h, "Content-Encoding: gzip");
	for (i = 0; h && i < x->c.nheaders; i++)
		h = curl_slist_append(hdrs = h, x->c.headers[i]);
	hdrs = h;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		while (!x->stop && !x->n)
			pthread_cond_wait(&x->cond, &x->lock);
		if (x->stop)
			break;
		b = x->queue[x->head];
		x->head = (x->head + 1) % x->c.queue_max;
		x->n--;
		x->stats.queued = x->n;
		x->busy = true;
		pthread_mutex_unlock(&x->lock);

		if (x->c.format == TT_OTLP_JSON) {
			char *json = NULL;

			if (tt_otlp_to_json(b.data, b.len, &json, &z.len))
				json = NULL;
			free(b.data);
			b.data = json;
			b.len = z.len;
		}
		z = b;
		if (b.data && x->c.gzip && tt_gzip(b.data, b.len, &z.data, &z.len))
			z.data = NULL;
		delay = x->c.backoff;
		for (attempt = 1;; attempt++) {
			res = curl && hdrs && z.data ? send_once(x, curl, hdrs, &z, &ra) : REJECTED;
			pthread_mutex_lock(&x->lock);
			if (res != RETRY || attempt >= x->c.max_attempts)
				break;
			x->stats.retries++;
			if (wait_until(x, mono_now() + fmin(ra > 0 ? ra : delay, x->c.backoff_max)))
				break;
			pthread_mutex_unlock(&x->lock);
			delay *= 2;
		}
		if (res == SENT)
			x->stats.success++;
		else if (res == REJECTED)
			x->stats.rejected++;
		else
			x->stats.failed++;
		x->busy = false;
		pthread_cond_broadcast(&x->cond);	/* tt_otlp_drain may be waiting */
		if (z.data != b.data)
			free(z.data);
		free(b.data);
	}
	pthread_mutex_unlock(&x->lock);
	curl_slist_free_all(hdrs);
	if (curl)
		curl_easy_cleanup(curl);
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct tt_otlp *tt_otlp__new(const struct tt_otlp_config *c, const struct timespec *start,
			     struct tt_error *err)
{
	struct tt_otlp *x;
	size_t i;
	int rc;

	if (!c->url || !c->queue_max || c->max_attempts < 1) {
		tt_error_set(err, -EINVAL, true, "OTLP: no endpoint (--otlp URL)");
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		tt_error_set(err, -EIO, false, "OTLP: libcurl: %s", curl_easy_strerror(curl_init_rc));
		errno = EIO;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		goto nomem;
	x->c = *c;
	x->c.nheaders = 0;
	x->c.url = strdup(c->url);
	for (i = 0; i < c->nheaders; i++)
		if ((x->c.headers[i] = strdup(c->headers[i])))
			x->c.nheaders++;
	x->queue = calloc(c->queue_max, sizeof(*x->queue));
	if (!x->c.url || x->c.nheaders != c->nheaders || !x->queue)
		goto nomem_x;
	x->enc = tt_otlp_encoder__new(&c->enc, start);
	if (!x->enc) {
		if (errno == EINVAL)
			tt_error_set(err, -EINVAL, true,
				     "OTEL_RESOURCE_ATTRIBUTES '%s': key=value,... expected",
				     c->enc.resource_attributes);
		goto fail;
	}
	x->next_due = mono_now() + c->interval;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	rc = pthread_create(&x->thread, NULL, worker, x);
	if (rc) {
		pthread_mutex_destroy(&x->lock);
		pthread_cond_destroy(&x->cond);
		errno = rc;
		goto fail;
	}
	return x;
nomem_x:
	errno = ENOMEM;
fail:
	rc = errno;
	tt_otlp_encoder__free(x->enc);
	free(x->queue);
	tt_otlp_config_release(&x->c);
	free(x);
	errno = rc;
	if (!err->code)
		tt_error_set(err, -rc, false, "OTLP exporter: %s", strerror(rc));
	return NULL;
nomem:
	tt_error_set(err, -ENOMEM, false, "OTLP exporter: %s", strerror(ENOMEM));
	errno = ENOMEM;
	return NULL;
}

void tt_otlp__free(struct tt_otlp *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	__atomic_store_n(&x->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	pthread_join(x->thread, NULL);
	while (x->n) {
		free(x->queue[x->head].data);
		x->head = (x->head + 1) % x->c.queue_max;
		x->n--;
	}
	pthread_mutex_destroy(&x->lock);
	pthread_cond_destroy(&x->cond);
	tt_otlp_encoder__free(x->enc);
	free(x->queue);
	tt_otlp_config_release(&x->c);
	free(x);
}

int tt_otlp_drain(struct tt_otlp *x, double timeout)
{
	struct timespec now, abs;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	abs = ts_of((double)now.tv_sec + (double)now.tv_nsec / 1e9 + timeout);
	pthread_mutex_lock(&x->lock);
	while (x->n || x->busy)
		if (pthread_cond_timedwait(&x->cond, &x->lock, &abs) == ETIMEDOUT)
			break;
	ret = x->n || x->busy ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&x->lock);
	return ret;
}

double tt_otlp_due_in(const struct tt_otlp *x)
{
	double d = x->next_due - mono_now();

	return d > 0 ? d : 0;
}

int tt_otlp_export(struct tt_otlp *x, const struct tt_report *r, const struct timespec *now)
{
	struct body b;
	int err;

	x->next_due = mono_now() + x->c.interval;
	err = tt_otlp_encode(x->enc, r, now, TT_OTLP_PROTOBUF, &b.data, &b.len);
	if (err)
		return err;
	pthread_mutex_lock(&x->lock);
	if (x->n == x->c.queue_max) {
		free(x->queue[x->head].data);
		x->head = (x->head + 1) % x->c.queue_max;
		x->n--;
		x->stats.dropped++;
	}
	x->queue[(x->head + x->n) % x->c.queue_max] = b;
	x->n++;
	x->stats.queued = x->n;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

void tt_otlp_stats(struct tt_otlp *x, struct tt_otlp_stats *s)
{
	pthread_mutex_lock(&x->lock);
	*s = x->stats;
	pthread_mutex_unlock(&x->lock);
}

/* A counter family of one unlabelled series. 0 or -errno. */
static int add_counter(struct tt_report *r, const char *name, const char *help, uint64_t v)
{
	struct tt_family *f = tt_report_add_family(r, name, help, "", TT_METRIC_COUNTER, 0, NULL);
	struct tt_series *s = f ? tt_family_add_series(f, NULL) : NULL;

	if (!s)
		return -errno;
	s->value = (double)v;
	return 0;
}

int tt_otlp_add_self_metrics(struct tt_otlp *x, struct tt_report *r)
{
	static const char *const result_label[] = { "result" };
	const char *results[] = { "success", "rejected", "failed" };
	struct tt_otlp_stats s;
	struct tt_family *f;
	struct tt_series *ser;
	uint64_t v[3];
	size_t i;

	tt_otlp_stats(x, &s);
	v[0] = s.success;
	v[1] = s.rejected;
	v[2] = s.failed;
	f = tt_report_add_family(r, "tracetool_otlp_exports_total",
				 "OTLP exports by result: success (2xx), rejected (an answer not worth retrying), failed (retries exhausted or stopped).",
				 "", TT_METRIC_COUNTER, 1, result_label);
	for (i = 0; f && i < 3; i++) {
		ser = tt_family_add_series(f, &results[i]);
		if (!ser)
			return -errno;
		ser->value = (double)v[i];
	}
	if (!f)
		return -errno;
	return add_counter(r, "tracetool_otlp_retries_total",
			   "OTLP sends repeated after a retryable failure (429, 502, 503, 504, connection).",
			   s.retries) ?:
	       add_counter(r, "tracetool_otlp_queue_dropped_total",
			   "OTLP exports dropped from the full send queue, oldest first.", s.dropped);
}
