// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OTLP metrics encoder (user/otlp.h): a report snapshot becomes one
 * ExportMetricsServiceRequest built from the protobuf-c messages of
 * proto/, then packed as protobuf or written as OTLP/JSON from the same
 * messages, so both encodings carry the same content.  Every message of one
 * export comes from one arena, freed at once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "jsonout.h"
#include "otlp.h"
#include "prom.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;
typedef Opentelemetry__Proto__Metrics__V1__Metric pb_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint pb_ndp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint pb_hdp;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest pb_req;

/* --- arena: every message of one export --- */

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct arena_block *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t size;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!b || b->size - b->used < n) {
		size = n > 65536 ? n : 65536;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->size = size;
		a->head = b;
	}
	b->used += n;
	return memset((char *)b->data + b->used - n, 0, n);
}

static char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	return p ? memcpy(p, s, n) : NULL;
}

static void arena_release(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/* --- series start times --- */

/* One series seen in the last export: key = family and labels, length-prefixed. */
struct start_ent {
	uint64_t hash;
	char *key;
	size_t klen;
	uint64_t start_ns;
};

struct start_tab {
	struct start_ent *ent;
	size_t mask, n;
};

struct tt_otlp_encoder {
	char *service_name;
	size_t nres;
	char **res_keys, **res_vals;
	char *scope_version;
	double sec_bounds[TT_OTLP_MAX_BOUNDS];	/* snapped */
	size_t nsec_bounds;
	uint64_t start_ns;	/* the process */
	uint64_t prev_ns;	/* the last export; 0 before the first */
	struct start_tab starts;
	char *kbuf;		/* scratch for series keys */
	size_t kcap;
};

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ull;
	return h;
}

static void start_tab_release(struct start_tab *t)
{
	size_t i;

	for (i = 0; t->ent && i <= t->mask; i++)
		free(t->ent[i].key);
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

static struct start_ent *start_tab_slot(const struct start_tab *t, const char *k, size_t n,
					uint64_t h)
{
	size_t i;

	if (!t->ent)
		return NULL;
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		struct start_ent *e = &t->ent[i];

		if (!e->key || (e->hash == h && e->klen == n && !memcmp(e->key, k, n)))
			return e;
	}
}

/* A table with room for `n` entries at most half full. 0 or -ENOMEM. */
static int start_tab_init(struct start_tab *t, size_t n)
{
	size_t size = 16;

	while (size < 2 * n + 2)
		size *= 2;
	t->ent = calloc(size, sizeof(*t->ent));
	if (!t->ent)
		return -ENOMEM;
	t->mask = size - 1;
	t->n = 0;
	return 0;
}

/* The key of one series into e->kbuf: each string's length, then its bytes. */
static int series_key(struct tt_otlp_encoder *e, const struct tt_family *f,
		      const struct tt_series *s, size_t *len)
{
	size_t need = strlen(f->name) + 8, i, n, off = 0;
	const char *str;

	for (i = 0; i < f->nlabels; i++)
		need += strlen(s->labels[i]) + 8;
	if (need > e->kcap) {
		char *p = realloc(e->kbuf, need);

		if (!p)
			return -ENOMEM;
		e->kbuf = p;
		e->kcap = need;
	}
	for (i = 0; i <= f->nlabels; i++) {
		str = i ? s->labels[i - 1] : f->name;
		n = strlen(str);
		memcpy(e->kbuf + off, &n, sizeof(n));
		memcpy(e->kbuf + off + sizeof(n), str, n);
		off += sizeof(n) + n;
	}
	*len = off;
	return 0;
}

/*
 * The start time of a series of this export, recorded in `next`: its own
 * `created` when the report has one (serve's exported view: the same as
 * its OpenMetrics _created); else kept from the previous export when it was
 * there, else the last time it was known absent (the previous export; the
 * process start before the first one).
 */
static int series_start(struct tt_otlp_encoder *e, struct start_tab *next,
			const struct tt_family *f, const struct tt_series *s, uint64_t *start)
{
	struct start_ent *old, *ne;
	size_t n;
	uint64_t h;
	int err;

	err = series_key(e, f, s, &n);
	if (err)
		return err;
	h = fnv1a(e->kbuf, n);
	old = start_tab_slot(&e->starts, e->kbuf, n, h);
	*start = old && old->key ? old->start_ns : e->prev_ns ? e->prev_ns : e->start_ns;
	if (s->created > 0)	/* an exporter's view knows better (user/export.c) */
		*start = (uint64_t)llround(s->created * 1e9);
	ne = start_tab_slot(next, e->kbuf, n, h);
	if (ne->key)		/* the same labels twice in one family: keep the first */
		return 0;
	ne->key = malloc(n);
	if (!ne->key)
		return -ENOMEM;
	memcpy(ne->key, e->kbuf, n);
	ne->klen = n;
	ne->hash = h;
	ne->start_ns = *start;
	next->n++;
	return 0;
}

/* --- names --- */

static const struct {
	const char *family, *otel;
} metric_names[] = {
	{ "http_server_request_duration_seconds", "http.server.request.duration" },
	{ "http_client_request_duration_seconds", "http.client.request.duration" },
	{ "process_cpu_seconds_total", "process.cpu.time" },
	{ "process_resident_memory_bytes", "process.memory.usage" },
};

static const struct {
	const char *label, *otel;
	bool integer;
} attr_names[] = {
	{ "http_request_method", "http.request.method", false },
	{ "http_response_status_code", "http.response.status_code", true },
	{ "http_route", "http.route", false },
	{ "server_address", "server.address", false },
	{ "server_port", "server.port", true },
};

static bool has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(s + n - k, suf, k);
}

char *tt_otlp_metric_name(const char *family, const char *unit, bool counter)
{
	size_t i, n = strlen(family);
	char *out;

	for (i = 0; i < sizeof(metric_names) / sizeof(*metric_names); i++)
		if (!strcmp(family, metric_names[i].family))
			return strdup(metric_names[i].otel);
	/*
	 * The reverse of the OpenTelemetry-to-Prometheus translation: drop
	 * the suffixes it adds (_total for monotonic sums, the unit), dots for
	 * underscores, so a collector's Prometheus exporter gives back the
	 * family's own name.
	 */
	if (counter && has_suffix(family, n, "_total"))
		n -= strlen("_total");
	if (unit && *unit) {
		char suf[64];

		snprintf(suf, sizeof(suf), "_%s", unit);
		if (has_suffix(family, n, suf) && n > strlen(suf))
			n -= strlen(suf);
	}
	out = strndup(family, n);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		if (out[i] == '_')
			out[i] = '.';
	return out;
}

const char *tt_otlp_attribute_name(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(*attr_names); i++)
		if (!strcmp(label, attr_names[i].label))
			return attr_names[i].otel;
	return label;
}

static bool attribute_is_int(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(*attr_names); i++)
		if (!strcmp(label, attr_names[i].label))
			return attr_names[i].integer;
	return false;
}

static const char *otel_unit(const char *unit)
{
	if (!unit)
		return "";
	if (!strcmp(unit, "seconds"))
		return "s";
	if (!strcmp(unit, "bytes"))
		return "By";
	return unit;
}

/* --- the encoder --- */

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* Percent-decode [s, s+n) into a malloc'ed string, blanks around it trimmed. */
static char *decode_part(const char *s, size_t n)
{
	char *out, *o;
	size_t i;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	out = o = malloc(n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			*o++ = (char)(hexval((unsigned char)s[i + 1]) * 16 +
				      hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

int tt_otlp_each_kv(const char *spec, int (*fn)(void *ctx, char *key, char *value), void *ctx,
		    const char **bad, int *badlen)
{
	const char *p = spec, *end, *eq;
	char *k, *v;
	int err;

	while (p && *p) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		k = eq ? decode_part(p, (size_t)(eq - p)) : NULL;
		v = eq ? decode_part(eq + 1, (size_t)(end - eq - 1)) : NULL;
		if (eq && (!k || !v))
			err = -ENOMEM;
		else if (eq ? !*k : strspn(p, " \t") != (size_t)(end - p))
			err = -EINVAL;	/* no key; a blank entry (a trailing comma) is fine */
		else
			err = 0;
		if (!err && eq) {
			err = fn(ctx, k, v);
			k = v = NULL;	/* fn owns them */
		}
		free(k);
		free(v);
		if (err) {
			*bad = p;
			*badlen = (int)(end - p);
			return err;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int add_resource(void *ctx, char *key, char *value)
{
	struct tt_otlp_encoder *e = ctx;
	char **k, **v;

	k = realloc(e->res_keys, (e->nres + 1) * sizeof(*k));
	if (k)
		e->res_keys = k;
	v = k ? realloc(e->res_vals, (e->nres + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(key);
		free(value);
		return -ENOMEM;
	}
	e->res_vals = v;
	k[e->nres] = key;
	v[e->nres++] = value;
	return 0;
}

/* The exporters' default bounds of `unit` (serve's, user/render/prom.c), snapped. */
static size_t default_bounds(double *out, const char *unit)
{
	size_t n;
	const double *d = tt_prom_default_bounds(unit, &n);

	if (n > TT_OTLP_MAX_BOUNDS)
		n = TT_OTLP_MAX_BOUNDS;
	memcpy(out, d, n * sizeof(*d));
	return tt_prom_snap_bounds(out, n, unit);
}

/*
 * The non-cumulative counts of `h` in the n + 1 buckets (-inf, b[0]], ...,
 * (b[n-1], +inf): a model bucket goes to the first bound at or above its
 * upper bound.  With bounds on tracetool bucket bounds no model bucket
 * straddles one, so every count is exact.  "At or above" allows a relative
 * 1e-9: a snapped bound is written upper / 1e9 (the short decimal) and the
 * model's bound upper * 1e-9, which can differ in the last bit (1007615 ns:
 * 0.001007615 and 0.0010076150000000001), while the next bucket bound is at
 * least 1/128 higher.
 */
static void bucket_counts(const struct tt_hsum *h, const double *b, size_t n, uint64_t *counts)
{
	size_t i, j = 0;

	for (i = 0; i <= n; i++)
		counts[i] = 0;
	for (i = 0; i < h->nbuckets; i++) {	/* both ascend: one merge-like pass */
		while (j < n && h->buckets[i].upper > b[j] * (1 + 1e-9))
			j++;
		counts[j] += h->buckets[i].count;
	}
}

struct tt_otlp_encoder *tt_otlp_encoder__new(const struct tt_otlp_encode_opts *o,
					     const struct timespec *start)
{
	struct tt_otlp_encoder *e = calloc(1, sizeof(*e));
	const char *name = o->service_name, *bad;
	int err, badlen;
	size_t i;

	if (!e)
		return NULL;
	err = tt_otlp_each_kv(o->resource_attributes, add_resource, e, &bad, &badlen);
	if (err)
		goto fail;
	for (i = 0; !name && i < e->nres; i++)
		if (!strcmp(e->res_keys[i], "service.name"))
			name = e->res_vals[i];
	e->service_name = strdup(name && *name ? name : "tracetool");
	e->scope_version = strdup(o->scope_version ? o->scope_version : "");
	err = -ENOMEM;
	if (!e->service_name || !e->scope_version)
		goto fail;
	e->nsec_bounds = default_bounds(e->sec_bounds, "seconds");
	if (o->seconds_bounds && o->nseconds_bounds) {
		e->nsec_bounds = o->nseconds_bounds < TT_OTLP_MAX_BOUNDS ? o->nseconds_bounds
									 : TT_OTLP_MAX_BOUNDS;
		memcpy(e->sec_bounds, o->seconds_bounds, e->nsec_bounds * sizeof(double));
		e->nsec_bounds = tt_prom_snap_bounds(e->sec_bounds, e->nsec_bounds, "seconds");
	}
	e->start_ns = ts_ns(start);
	return e;
fail:
	tt_otlp_encoder__free(e);
	errno = -err;
	return NULL;
}

void tt_otlp_encoder__free(struct tt_otlp_encoder *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nres; i++) {
		free(e->res_keys[i]);
		free(e->res_vals[i]);
	}
	free(e->res_keys);
	free(e->res_vals);
	free(e->service_name);
	free(e->scope_version);
	start_tab_release(&e->starts);
	free(e->kbuf);
	free(e);
}

static pb_kv *kv_new(struct arena *a, const char *key, const char *str, bool as_int)
{
	pb_kv *kv = arena_alloc(a, sizeof(*kv));
	pb_any *v = arena_alloc(a, sizeof(*v));
	char *end;
	long long n;

	if (!kv || !v)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key = (char *)key;
	kv->value = v;
	errno = 0;
	n = as_int && *str ? strtoll(str, &end, 10) : 0;
	if (as_int && *str && !*end && !errno) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = n;
	} else {
		/* a label value that is no number ("_other") stays a string */
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		v->string_value = (char *)str;
	}
	return kv;
}

static pb_kv **series_attrs(struct arena *a, const struct tt_family *f, const struct tt_series *s)
{
	pb_kv **kv = arena_alloc(a, (f->nlabels + 1) * sizeof(*kv));
	size_t i;

	if (!kv)
		return NULL;
	for (i = 0; i < f->nlabels; i++) {
		kv[i] = kv_new(a, tt_otlp_attribute_name(f->label_names[i]), s->labels[i],
			       attribute_is_int(f->label_names[i]));
		if (!kv[i])
			return NULL;
	}
	return kv;
}

/* The fields every data point has: attributes, start and time. 0 or -errno. */
static int point_head(struct tt_otlp_encoder *e, struct arena *a, struct start_tab *next,
		      const struct tt_family *f, const struct tt_series *s, uint64_t now,
		      pb_kv ***attrs, size_t *nattrs, uint64_t *start, uint64_t *time)
{
	*attrs = series_attrs(a, f, s);
	if (!*attrs)
		return -ENOMEM;
	*nattrs = f->nlabels;
	*time = now;
	return series_start(e, next, f, s, start);
}

static int add_number_points(struct tt_otlp_encoder *e, struct arena *a, struct start_tab *next,
			     const struct tt_family *f, uint64_t now,
			     size_t *np, pb_ndp ***out)
{
	bool as_double = f->type == TT_METRIC_GAUGE || (f->unit && *f->unit);
	pb_ndp **pts = arena_alloc(a, (f->nseries + 1) * sizeof(*pts));
	size_t i;
	int err;

	if (!pts)
		return -ENOMEM;
	for (i = 0; i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];
		pb_ndp *p = arena_alloc(a, sizeof(*p));

		if (!p)
			return -ENOMEM;
		opentelemetry__proto__metrics__v1__number_data_point__init(p);
		err = point_head(e, a, next, f, s, now, &p->attributes, &p->n_attributes,
				 &p->start_time_unix_nano, &p->time_unix_nano);
		if (err)
			return err;
		if (as_double) {
			p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
			p->as_double = s->value;
		} else {
			/* counts: integers, exact to 2^63 (doubles to 2^53) */
			p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
			p->as_int = s->value >= 0x1p63 ? INT64_MAX : (int64_t)llround(s->value);
		}
		pts[i] = p;
	}
	if (f->type == TT_METRIC_GAUGE)	/* a gauge has no start time */
		for (i = 0; i < f->nseries; i++)
			pts[i]->start_time_unix_nano = 0;
	*np = f->nseries;
	*out = pts;
	return 0;
}

static int add_hist_points(struct tt_otlp_encoder *e, struct arena *a, struct start_tab *next,
			   const struct tt_family *f, uint64_t now, size_t *np, pb_hdp ***out)
{
	pb_hdp **pts = arena_alloc(a, (f->nseries + 1) * sizeof(*pts));
	double local[TT_OTLP_MAX_BOUNDS], *bounds = e->sec_bounds;
	size_t i, nb = e->nsec_bounds;
	int err;

	if (!pts)
		return -ENOMEM;
	if (tt_hist_resolution(f->unit) == 1) {
		nb = default_bounds(local, f->unit);
		bounds = local;
	}
	for (i = 0; i < f->nseries; i++) {
		const struct tt_series *s = &f->series[i];
		pb_hdp *p = arena_alloc(a, sizeof(*p));

		if (!p)
			return -ENOMEM;
		opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
		err = point_head(e, a, next, f, s, now, &p->attributes, &p->n_attributes,
				 &p->start_time_unix_nano, &p->time_unix_nano);
		if (err)
			return err;
		p->bucket_counts = arena_alloc(a, (nb + 1) * sizeof(*p->bucket_counts));
		p->explicit_bounds = arena_alloc(a, (nb + 1) * sizeof(*p->explicit_bounds));
		if (!p->bucket_counts || !p->explicit_bounds)
			return -ENOMEM;
		p->count = s->hist.count;
		p->_sum_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM;
		p->sum = s->hist.sum;
		if (s->hist.count) {
			p->_min_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN;
			p->min = s->hist.min;
			p->_max_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX_MAX;
			p->max = s->hist.max;
		}
		memcpy(p->explicit_bounds, bounds, nb * sizeof(*bounds));
		p->n_explicit_bounds = nb;
		bucket_counts(&s->hist, bounds, nb, p->bucket_counts);
		p->n_bucket_counts = nb + 1;
		pts[i] = p;
	}
	*np = f->nseries;
	*out = pts;
	return 0;
}

static pb_metric *metric_new(struct tt_otlp_encoder *e, struct arena *a, struct start_tab *next,
			     const struct tt_family *f, uint64_t now, int *err)
{
	pb_metric *m = arena_alloc(a, sizeof(*m));
	char *name;

	*err = -ENOMEM;
	if (!m)
		return NULL;
	opentelemetry__proto__metrics__v1__metric__init(m);
	name = tt_otlp_metric_name(f->name, f->unit, f->type == TT_METRIC_COUNTER);
	if (!name)
		return NULL;
	m->name = arena_strdup(a, name);
	free(name);
	m->description = f->help ? f->help : "";
	m->unit = (char *)otel_unit(f->unit);
	if (!m->name)
		return NULL;
	if (f->type == TT_METRIC_HISTOGRAM) {
		Opentelemetry__Proto__Metrics__V1__Histogram *h = arena_alloc(a, sizeof(*h));

		if (!h)
			return NULL;
		opentelemetry__proto__metrics__v1__histogram__init(h);
		h->aggregation_temporality =
			OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		*err = add_hist_points(e, a, next, f, now, &h->n_data_points, &h->data_points);
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
		m->histogram = h;
	} else if (f->type == TT_METRIC_COUNTER) {
		Opentelemetry__Proto__Metrics__V1__Sum *s = arena_alloc(a, sizeof(*s));

		if (!s)
			return NULL;
		opentelemetry__proto__metrics__v1__sum__init(s);
		s->aggregation_temporality =
			OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		s->is_monotonic = 1;
		*err = add_number_points(e, a, next, f, now, &s->n_data_points, &s->data_points);
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
		m->sum = s;
	} else {
		Opentelemetry__Proto__Metrics__V1__Gauge *g = arena_alloc(a, sizeof(*g));

		if (!g)
			return NULL;
		opentelemetry__proto__metrics__v1__gauge__init(g);
		*err = add_number_points(e, a, next, f, now, &g->n_data_points, &g->data_points);
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
		m->gauge = g;
	}
	return *err ? NULL : m;
}

static pb_req *request_new(struct tt_otlp_encoder *e, struct arena *a, struct start_tab *next,
			   const struct tt_report *r, uint64_t now, int *err)
{
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = arena_alloc(a, sizeof(*rm));
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = arena_alloc(a, sizeof(*sm));
	Opentelemetry__Proto__Common__V1__InstrumentationScope *sc = arena_alloc(a, sizeof(*sc));
	Opentelemetry__Proto__Resource__V1__Resource *res = arena_alloc(a, sizeof(*res));
	pb_req *req = arena_alloc(a, sizeof(*req));
	size_t i, n = 0;

	*err = -ENOMEM;
	if (!rm || !sm || !sc || !res || !req)
		return NULL;
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(req);
	opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
	opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
	opentelemetry__proto__common__v1__instrumentation_scope__init(sc);
	opentelemetry__proto__resource__v1__resource__init(res);

	res->attributes = arena_alloc(a, (e->nres + 2) * sizeof(*res->attributes));
	if (!res->attributes)
		return NULL;
	res->attributes[n++] = kv_new(a, "service.name", e->service_name, false);
	res->attributes[n++] = kv_new(a, "host.name", r->host, false);
	for (i = 0; i < e->nres; i++)
		if (strcmp(e->res_keys[i], "service.name") && strcmp(e->res_keys[i], "host.name"))
			res->attributes[n++] = kv_new(a, e->res_keys[i], e->res_vals[i], false);
	for (i = 0; i < n; i++)
		if (!res->attributes[i])
			return NULL;
	res->n_attributes = n;

	sc->name = "tracetool";
	sc->version = e->scope_version;
	sm->scope = sc;
	sm->metrics = arena_alloc(a, (r->nfamilies + 1) * sizeof(*sm->metrics));
	if (!sm->metrics)
		return NULL;
	for (i = 0; i < r->nfamilies; i++) {
		sm->metrics[i] = metric_new(e, a, next, r->families[i], now, err);
		if (!sm->metrics[i])
			return NULL;
	}
	sm->n_metrics = r->nfamilies;
	rm->resource = res;
	rm->scope_metrics = arena_alloc(a, sizeof(*rm->scope_metrics));
	req->resource_metrics = arena_alloc(a, sizeof(*req->resource_metrics));
	if (!rm->scope_metrics || !req->resource_metrics)
		return NULL;
	rm->scope_metrics[0] = sm;
	rm->n_scope_metrics = 1;
	req->resource_metrics[0] = rm;
	req->n_resource_metrics = 1;
	*err = 0;
	return req;
}

/* --- OTLP/JSON: lowerCamelCase fields, 64-bit integers as strings, enums as numbers --- */

static json_t *json_u64(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

static json_t *json_attrs(pb_kv **kv, size_t n)
{
	json_t *arr = json_array(), *val;
	size_t i;

	for (i = 0; arr && i < n; i++) {
		if (kv[i]->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE) {
			char buf[24];

			snprintf(buf, sizeof(buf), "%lld", (long long)kv[i]->value->int_value);
			val = json_pack("{s:s}", "intValue", buf);
		} else {
			val = json_pack("{s:s}", "stringValue", kv[i]->value->string_value);
		}
		if (json_array_append_new(arr, json_pack("{s:s,s:o}", "key", kv[i]->key, "value", val))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *json_number_points(pb_ndp **p, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; arr && i < n; i++) {
		o = json_pack("{s:o}", "attributes", json_attrs(p[i]->attributes, p[i]->n_attributes));
		if (o && p[i]->start_time_unix_nano)
			json_object_set_new(o, "startTimeUnixNano", json_u64(p[i]->start_time_unix_nano));
		if (o)
			json_object_set_new(o, "timeUnixNano", json_u64(p[i]->time_unix_nano));
		if (o && p[i]->value_case ==
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT) {
			char buf[24];

			snprintf(buf, sizeof(buf), "%lld", (long long)p[i]->as_int);
			json_object_set_new(o, "asInt", json_string(buf));
		} else if (o) {
			json_object_set_new(o, "asDouble", json_real(p[i]->as_double));
		}
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *json_hist_points(pb_hdp **p, size_t n)
{
	json_t *arr = json_array(), *o, *bc, *eb;
	size_t i, j;

	for (i = 0; arr && i < n; i++) {
		bc = json_array();
		eb = json_array();
		for (j = 0; bc && j < p[i]->n_bucket_counts; j++)
			json_array_append_new(bc, json_u64(p[i]->bucket_counts[j]));
		for (j = 0; eb && j < p[i]->n_explicit_bounds; j++)
			json_array_append_new(eb, json_real(p[i]->explicit_bounds[j]));
		o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:f}", "attributes",
			      json_attrs(p[i]->attributes, p[i]->n_attributes),
			      "startTimeUnixNano", json_u64(p[i]->start_time_unix_nano),
			      "timeUnixNano", json_u64(p[i]->time_unix_nano),
			      "count", json_u64(p[i]->count), "bucketCounts", bc, "sum", p[i]->sum);
		if (o)
			json_object_set_new(o, "explicitBounds", eb);
		else
			json_decref(eb);
		if (o && p[i]->_min_case)
			json_object_set_new(o, "min", json_real(p[i]->min));
		if (o && p[i]->_max_case)
			json_object_set_new(o, "max", json_real(p[i]->max));
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *json_metric(const pb_metric *m)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "name", m->name, "description", m->description,
			      "unit", m->unit);

	if (!o)
		return NULL;
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		json_object_set_new(o, "sum", json_pack("{s:o,s:i,s:b}", "dataPoints",
			json_number_points(m->sum->data_points, m->sum->n_data_points),
			"aggregationTemporality", (int)m->sum->aggregation_temporality,
			"isMonotonic", (int)m->sum->is_monotonic));
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		json_object_set_new(o, "gauge", json_pack("{s:o}", "dataPoints",
			json_number_points(m->gauge->data_points, m->gauge->n_data_points)));
		break;
	default:
		json_object_set_new(o, "histogram", json_pack("{s:o,s:i}", "dataPoints",
			json_hist_points(m->histogram->data_points, m->histogram->n_data_points),
			"aggregationTemporality", (int)m->histogram->aggregation_temporality));
		break;
	}
	return o;
}

static char *json_request(const pb_req *req)
{
	const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[0];
	const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[0];
	json_t *metrics = json_array(), *root;
	char *out;
	size_t i;

	if (!metrics)
		return NULL;
	for (i = 0; metrics && i < sm->n_metrics; i++)
		if (json_array_append_new(metrics, json_metric(sm->metrics[i]))) {
			json_decref(metrics);
			return NULL;
		}
	root = json_pack("{s:[{s:{s:o},s:[{s:{s:s,s:s},s:o}]}]}", "resourceMetrics", "resource",
			 "attributes", json_attrs(rm->resource->attributes, rm->resource->n_attributes),
			 "scopeMetrics", "scope", "name", sm->scope->name, "version",
			 sm->scope->version, "metrics", metrics);
	if (!root)
		return NULL;
	out = tt_json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

int tt_otlp_encode(struct tt_otlp_encoder *e, const struct tt_report *r,
		   const struct timespec *now, enum tt_otlp_format fmt, void **body, size_t *len)
{
	struct arena a = { 0 };
	struct start_tab next = { 0 };
	uint64_t now_ns = ts_ns(now);
	size_t i, nseries = 0;
	pb_req *req;
	int err;

	for (i = 0; i < r->nfamilies; i++)
		nseries += r->families[i]->nseries;
	err = start_tab_init(&next, nseries);
	if (err)
		return err;
	req = request_new(e, &a, &next, r, now_ns, &err);
	if (!req)
		goto out;
	err = -ENOMEM;
	if (fmt == TT_OTLP_JSON) {
		*body = json_request(req);
		if (!*body)
			goto out;
		*len = strlen(*body);
	} else {
		*len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(req);
		*body = malloc(*len ? *len : 1);
		if (!*body)
			goto out;
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(req, *body);
	}
	/* only a successful encoding moves the series' lifetimes on */
	start_tab_release(&e->starts);
	e->starts = next;
	next.ent = NULL;
	e->prev_ns = now_ns;
	err = 0;
out:
	start_tab_release(&next);
	arena_release(&a);
	return err;
}

int tt_otlp_to_json(const void *pb, size_t len, char **json, size_t *jlen)
{
	pb_req *req;

	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, len, pb);
	if (!req)
		return -EINVAL;
	/* the layout tt_otlp_encode writes: one resource, one scope */
	if (req->n_resource_metrics != 1 || req->resource_metrics[0]->n_scope_metrics != 1 ||
	    !req->resource_metrics[0]->resource || !req->resource_metrics[0]->scope_metrics[0]->scope) {
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
			req, NULL);
		return -EINVAL;
	}
	*json = json_request(req);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
		req, NULL);
	if (!*json)
		return -ENOMEM;
	*jlen = strlen(*json);
	return 0;
}

int tt_gzip(const void *in, size_t len, void **out, size_t *outlen)
{
	return tt_gzip_level(in, len, Z_DEFAULT_COMPRESSION, out, outlen);
}

int tt_gzip_level(const void *in, size_t len, int level, void **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap;
	void *buf;
	int rc;

	/* 16 + MAX_WBITS: a gzip header and trailer, as Content-Encoding: gzip means */
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, len);
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*outlen = cap - z.avail_out;
	return 0;
}
