// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON reader: a saved tracetool.report/v1 document (user/render/json.c
 * writes it) back into the report model, with every value checked on the
 * way in.  Input is untrusted (files from other hosts, CI artefacts): any
 * defect becomes one message naming the JSON path, never a crash, and the
 * model that comes out keeps the invariants the renderers rely on
 * (buckets ascending, counts adding up, label values in family order).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "reader.h"

#define PATH_LEN 256
#define U64_LIMIT 18446744073709551616.0	/* 2^64 */

struct ctx {
	char *err;
	size_t errlen;
	size_t doc;		/* 1-based document of a stream, named in errors from the second on */
	const char *prefix;	/* where the document sits in a larger one ("$.runs[2].report"), or NULL */
};

/* Record "PATH: message" (the first failure wins) and return -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const char *path, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!c->errlen)
		return -EINVAL;
	if (c->prefix && path[0] == '$')
		snprintf(c->err, c->errlen, "%s%s: ", c->prefix, path + 1);
	else if (c->doc > 1)
		snprintf(c->err, c->errlen, "document %zu: %s: ", c->doc, path);
	else
		snprintf(c->err, c->errlen, "%s: ", path);
	n = strlen(c->err);
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void path_key(char *out, const char *path, const char *key)
{
	snprintf(out, PATH_LEN, "%s.%s", path, key);
}

static void path_idx(char *out, const char *path, size_t i)
{
	snprintf(out, PATH_LEN, "%s[%zu]", path, i);
}

/* --- typed getters: each fails with the path of the value it checks --- */

static int get_member(struct ctx *c, const json_t *obj, const char *path, const char *key,
		      json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out)
		return fail(c, path, "missing key \"%s\"", key);
	return 0;
}

static int want_object(struct ctx *c, const json_t *v, const char *path)
{
	return json_is_object(v) ? 0 : fail(c, path, "expected an object");
}

static int want_array(struct ctx *c, const json_t *v, const char *path)
{
	return json_is_array(v) ? 0 : fail(c, path, "expected an array");
}

static int as_string(struct ctx *c, const json_t *v, const char *path, const char **out)
{
	if (!json_is_string(v))
		return fail(c, path, "expected a string");
	/* a \u0000 escape would cut the C string the model keeps */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(c, path, "string holds a NUL character");
	*out = json_string_value(v);
	return 0;
}

static int as_number(struct ctx *c, const json_t *v, const char *path, double *out)
{
	if (!json_is_number(v))
		return fail(c, path, "expected a number");
	*out = json_number_value(v);
	return 0;
}

/* A number, or null for a value with no JSON spelling (NaN, infinity). */
static int as_number_or_null(struct ctx *c, const json_t *v, const char *path, double *out)
{
	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v))
		return fail(c, path, "expected a number or null");
	*out = json_number_value(v);
	return 0;
}

/*
 * A magnitude (a duration, a count, a sum, a bound) has one zero: -0.0 + 0.0
 * is +0.0, so a "-0.0" read in is neither printed back as "-0.0" nor as
 * "-0.00 s".
 */
static double magnitude(double x)
{
	return x + 0.0;
}

/*
 * A histogram's sum: a number >= 0, or null.  The JSON writer spells every
 * non-finite value null, and the one a sum of non-negative values reaches is
 * +Inf (added past DBL_MAX: a merge of huge sums), so null reads back as
 * that, and a merged report reads back as it was written.
 */
static int as_sum(struct ctx *c, const json_t *v, const char *path, double *out)
{
	if (json_is_null(v)) {
		*out = INFINITY;
		return 0;
	}
	if (!json_is_number(v))
		return fail(c, path, "expected a number or null");
	*out = magnitude(json_number_value(v));
	if (*out < 0)
		return fail(c, path, "a histogram's sum is never negative");
	return 0;
}

/* A whole number in [0, 2^64): integers, or reals for counts past 2^63. */
static int as_u64(struct ctx *c, const json_t *v, const char *path, uint64_t *out)
{
	double d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return fail(c, path, "expected a count (a whole number >= 0)");
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return fail(c, path, "expected a count (a whole number >= 0)");
	d = json_real_value(v);
	if (!(d >= 0 && d < U64_LIMIT) || d != floor(d))
		return fail(c, path, "expected a count (a whole number >= 0)");
	*out = (uint64_t)d;
	return 0;
}

/* obj[key], its path written to p; NULL with *ret set when it is missing. */
static const json_t *at(struct ctx *c, const json_t *obj, const char *path, const char *key,
			char *p, int *ret)
{
	const json_t *v = json_object_get(obj, key);

	path_key(p, path, key);
	*ret = v ? 0 : fail(c, path, "missing key \"%s\"", key);
	return v;
}

static int get_string(struct ctx *c, const json_t *obj, const char *path, const char *key,
		      const char **out)
{
	char p[PATH_LEN];
	int ret;
	const json_t *v = at(c, obj, path, key, p, &ret);

	return v ? as_string(c, v, p, out) : ret;
}

static int get_number(struct ctx *c, const json_t *obj, const char *path, const char *key,
		      double *out)
{
	char p[PATH_LEN];
	int ret;
	const json_t *v = at(c, obj, path, key, p, &ret);

	return v ? as_number(c, v, p, out) : ret;
}

static int get_u64(struct ctx *c, const json_t *obj, const char *path, const char *key,
		   uint64_t *out)
{
	char p[PATH_LEN];
	int ret;
	const json_t *v = at(c, obj, path, key, p, &ret);

	return v ? as_u64(c, v, p, out) : ret;
}

/*
 * RFC 3339 in UTC or with an offset, optional fraction:
 * 2026-11-27T10:53:28.123Z, 2026-11-27T11:53:28+01:00.
 */
static int as_time(struct ctx *c, const json_t *v, const char *path, struct timespec *out)
{
	const char *s, *p;
	struct tm tm = { 0 };
	long ns = 0, scale = 100000000, off = 0;
	int ret = as_string(c, v, path, &s);
	time_t t;

	if (ret)
		return ret;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		goto bad;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			goto bad;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += scale * (*p - '0');
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
		   p[2] <= '9' && p[3] == ':' && p[4] >= '0' && p[4] <= '5' && p[5] >= '0' &&
		   p[5] <= '9') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		goto bad;
	}
	if (*p)
		goto bad;
	t = timegm(&tm);
	if (t == (time_t)-1)
		goto bad;
	out->tv_sec = t - off;
	out->tv_nsec = ns;
	return 0;
bad:
	return fail(c, path, "expected an RFC 3339 time (2026-11-27T10:53:28.123Z)");
}

/* --- header --- */

int tt_strv_push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	*v = p;
	p[*n] = strdup(s);
	if (!p[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* An object of string values, each added with `add` (hooks, filters). */
static int read_kv(struct ctx *c, const json_t *obj, const char *path, struct tt_report *r,
		   int (*add)(struct tt_report *, const char *, const char *))
{
	char p[PATH_LEN];
	const char *key, *s;
	json_t *v;
	int ret;

	ret = want_object(c, obj, path);
	json_object_foreach((json_t *)obj, key, v) {
		path_key(p, path, key);
		ret = ret ?: as_string(c, v, p, &s);
		ret = ret ?: add(r, key, s);
	}
	return ret;
}

/*
 * {tracer: {option: value}}: the measurement options of tracers the report
 * lists, values strings (struct tt_measure).
 */
static int read_measurement(struct ctx *c, const json_t *obj, struct tt_report *r)
{
	char p[PATH_LEN], q[PATH_LEN];
	const char *tracer, *key, *s;
	json_t *t, *v;
	int ret;

	ret = want_object(c, obj, "$.measurement");
	json_object_foreach((json_t *)obj, tracer, t) {
		if (ret)
			break;
		path_key(p, "$.measurement", tracer);
		if (tt_report_tracer_index(r, tracer) < 0)
			ret = fail(c, p, "\"%s\" is not one of $.tracers", tracer);
		ret = ret ?: want_object(c, t, p);
		json_object_foreach(t, key, v) {
			path_key(q, p, key);
			ret = ret ?: as_string(c, v, q, &s);
			ret = ret ?: tt_report_set_measure(r, tracer, key, s, NULL);
		}
	}
	return ret;
}

/* A {reason: count} object; every reason must be one tracetool knows. */
static int read_lost(struct ctx *c, const json_t *obj, const char *path,
		     uint64_t lost[TT_LOST_NR])
{
	char p[PATH_LEN];
	const char *key;
	json_t *v;
	size_t k;
	int ret;

	ret = want_object(c, obj, path);
	json_object_foreach((json_t *)obj, key, v) {
		if (ret)
			break;
		path_key(p, path, key);
		for (k = 0; k < TT_LOST_NR; k++)
			if (!strcmp(key, tt_lost_names[k]))
				break;
		if (k == TT_LOST_NR)
			return fail(c, p, "unknown loss reason");
		ret = as_u64(c, v, p, &lost[k]);
	}
	return ret;
}

static int read_lost_by_tracer(struct ctx *c, struct tt_report *r, const json_t *obj,
			       const char *path)
{
	char p[PATH_LEN];
	const char *key;
	json_t *v;
	size_t i;
	int ret;

	ret = want_object(c, obj, path);
	if (ret)
		return ret;
	r->tracer_lost = calloc(r->ntracers ? r->ntracers : 1, sizeof(*r->tracer_lost));
	if (!r->tracer_lost)
		return -ENOMEM;
	json_object_foreach((json_t *)obj, key, v) {
		path_key(p, path, key);
		for (i = 0; i < r->ntracers; i++)
			if (!strcmp(key, r->tracers[i]))
				break;
		if (i == r->ntracers)
			return fail(c, p, "not one of the report's tracers");
		ret = read_lost(c, v, p, r->tracer_lost[i]);
		if (ret)
			return ret;
	}
	return 0;
}


/* "command": {"argv": [strings], "exit_code": 0-255 | "signal": "SIGNAME"}, neither: running. */
static int read_command(struct ctx *c, const json_t *v, struct tt_report *r)
{
	struct tt_command cmd = {};
	const json_t *argv, *code, *sig;
	char p[PATH_LEN];
	const char *s;
	size_t i;
	int ret = 0;

	if (!json_is_object(v))
		return fail(c, "$.command", "expected an object");
	argv = json_object_get(v, "argv");
	if (!json_is_array(argv) || !json_array_size(argv))
		return fail(c, "$.command.argv", "expected a non-empty array of strings");
	cmd.argc = json_array_size(argv);
	cmd.argv = calloc(cmd.argc + 1, sizeof(char *));
	if (!cmd.argv)
		return -ENOMEM;
	for (i = 0; !ret && i < cmd.argc; i++) {
		path_idx(p, "$.command.argv", i);
		ret = as_string(c, json_array_get(argv, i), p, &s);
		cmd.argv[i] = (char *)s;
	}
	code = json_object_get(v, "exit_code");
	sig = json_object_get(v, "signal");
	if (!ret && code && sig)
		ret = fail(c, "$.command", "exit_code and signal: a command ends one way");
	if (!ret && code) {
		if (!json_is_integer(code) || json_integer_value(code) < 0 ||
		    json_integer_value(code) > 255)
			ret = fail(c, "$.command.exit_code", "expected an integer 0-255");
		cmd.exited = true;
		cmd.exit_code = (int)json_integer_value(code);
	}
	if (!ret && sig) {
		ret = as_string(c, sig, "$.command.signal", &s);
		if (!ret && !(cmd.signal = tt_signal_number(s)))
			ret = fail(c, "$.command.signal", "unknown signal \"%s\"", s);
	}
	ret = ret ?: tt_report_copy_command(r, &cmd);	/* copies the strings */
	free(cmd.argv);
	return ret;
}

static int read_header(struct ctx *c, struct tt_report *r, const json_t *root)
{
	char p[PATH_LEN];
	const char *s;
	json_t *v, *lbt;
	size_t i;
	int ret;

	ret = get_string(c, root, "$", "schema", &s);
	if (ret)
		return ret;
	if (strcmp(s, TT_SCHEMA))
		return fail(c, "$.schema", "\"%s\" is not %s", s, TT_SCHEMA);

	ret = get_member(c, root, "$", "tracers", &v) ?: want_array(c, v, "$.tracers");
	for (i = 0; !ret && i < json_array_size(v); i++) {
		size_t k;

		path_idx(p, "$.tracers", i);
		ret = as_string(c, json_array_get(v, i), p, &s);
		for (k = 0; !ret && k < r->ntracers; k++)
			if (!strcmp(r->tracers[k], s))
				ret = fail(c, p, "\"%s\" appears twice", s);
		ret = ret ?: tt_strv_push(&r->tracers, &r->ntracers, s);
	}
	if (ret)
		return ret;

	ret = get_string(c, root, "$", "host", &s);
	if (!ret && strlen(s) >= sizeof(r->host))
		ret = fail(c, "$.host", "longer than %zu bytes", sizeof(r->host) - 1);
	if (ret)
		return ret;
	strcpy(r->host, s);
	ret = get_string(c, root, "$", "kernel", &s);
	if (!ret && strlen(s) >= sizeof(r->kernel))
		ret = fail(c, "$.kernel", "longer than %zu bytes", sizeof(r->kernel) - 1);
	if (ret)
		return ret;
	strcpy(r->kernel, s);

	ret = get_member(c, root, "$", "started_at", &v) ?:
	      as_time(c, v, "$.started_at", &r->started_at);
	ret = ret ?: get_number(c, root, "$", "duration_seconds", &r->duration_seconds);
	if (!ret && !(r->duration_seconds >= 0))
		ret = fail(c, "$.duration_seconds", "expected a number >= 0");
	r->duration_seconds = magnitude(r->duration_seconds);
	ret = ret ?: get_member(c, root, "$", "hooks", &v) ?:
	      read_kv(c, v, "$.hooks", r, tt_report_add_hook);
	v = json_object_get(root, "filters");
	if (!ret && v)
		ret = read_kv(c, v, "$.filters", r, tt_report_add_filter);
	ret = ret ?: get_member(c, root, "$", "lost", &v) ?: read_lost(c, v, "$.lost", r->lost);
	lbt = json_object_get(root, "lost_by_tracer");
	if (!ret && lbt)
		ret = read_lost_by_tracer(c, r, lbt, "$.lost_by_tracer");
	v = json_object_get(root, "command");
	if (!ret && v)
		ret = read_command(c, v, r);
	v = json_object_get(root, "measurement");
	if (!ret && v)
		ret = read_measurement(c, v, r);
	return ret;
}

/* lost is the sum of lost_by_tracer; a report where it is not is damaged. */
static int check_lost_split(struct ctx *c, const struct tt_report *r)
{
	uint64_t sum;
	size_t i, k;

	for (k = 0; r->tracer_lost && k < TT_LOST_NR; k++) {
		for (i = 0, sum = 0; i < r->ntracers; i++)
			sum += r->tracer_lost[i][k];
		if (sum != r->lost[k])
			return fail(c, "$.lost_by_tracer", "%s adds to %llu, $.lost.%s is %llu",
				    tt_lost_names[k], (unsigned long long)sum, tt_lost_names[k],
				    (unsigned long long)r->lost[k]);
	}
	return 0;
}

/* --- metrics --- */

static int metric_type(const char *s, enum tt_metric_type *t)
{
	if (!strcmp(s, "counter"))
		*t = TT_METRIC_COUNTER;
	else if (!strcmp(s, "gauge"))
		*t = TT_METRIC_GAUGE;
	else if (!strcmp(s, "histogram"))
		*t = TT_METRIC_HISTOGRAM;
	else
		return -EINVAL;
	return 0;
}

/*
 * The bounds of tracetool's bucket whose inclusive upper bound is `upper`
 * in a histogram of resolution `res` (tt_hist_resolution), or false when
 * no bucket of the layout ends there.
 */
static bool layout_bucket(double upper, double res, struct tt_bucket *b)
{
	double raw = upper / res;
	uint64_t u;
	uint32_t s;

	if (!(raw >= 0 && raw < ldexp(1, TT_HIST_MAX_BITS)))
		return false;
	u = (uint64_t)llround(raw);
	s = tt_hist_slot(u);
	if (s >= TT_HIST_OVERFLOW || tt_hist_slot_upper(s) != u)
		return false;
	/* the JSON keeps 15 significant digits: allow for that rounding only */
	if (fabs((double)u * res - upper) > 1e-12 * upper)
		return false;
	*b = tt_bucket_of_slot(s, b->count, res);
	return true;
}

static int read_buckets(struct ctx *c, struct tt_hsum *h, const json_t *arr, const char *path,
			double res)
{
	char p[PATH_LEN];
	double prev = -INFINITY, upper;
	uint64_t total = 0;
	size_t i, n = json_array_size(arr);
	int ret = want_array(c, arr, path);

	if (ret)
		return ret;
	h->buckets = calloc(n ? n : 1, sizeof(*h->buckets));
	if (!h->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const json_t *pair = json_array_get(arr, i), *ub, *cnt;
		struct tt_bucket b = { 0 };
		const char *s;

		path_idx(p, path, i);
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return fail(c, p, "expected [upper_bound, count]");
		ub = json_array_get(pair, 0);
		cnt = json_array_get(pair, 1);
		if (json_is_string(ub)) {
			s = json_string_value(ub);
			if (strcmp(s, "+Inf"))
				return fail(c, p, "upper bound \"%s\" is neither a number nor \"+Inf\"",
					    s);
			upper = INFINITY;
		} else if (json_is_number(ub)) {
			upper = magnitude(json_number_value(ub));
			if (!isfinite(upper) || upper < 0)
				return fail(c, p, "upper bound must be a number >= 0");
		} else {
			return fail(c, p, "expected [upper_bound, count]");
		}
		if (upper <= prev || prev == INFINITY)
			return fail(c, p, "upper bounds must ascend, \"+Inf\" last");
		strncat(p, "[1]", PATH_LEN - strlen(p) - 1);
		ret = as_u64(c, cnt, p, &b.count);
		if (ret)
			return ret;
		if (__builtin_add_overflow(total, b.count, &total))
			return fail(c, path, "bucket counts overflow");
		if (!b.count) {	/* the writer leaves empty buckets out; so does the model */
			prev = upper;
			continue;
		}
		b.upper = upper;
		if (isinf(upper)) {
			b.lower = fmax(ldexp(1, TT_HIST_MAX_BITS) * res, prev);
		} else if (!layout_bucket(upper, res, &b)) {
			b.lower = h->nbuckets ? prev : fmin(h->min, upper);
			if (isinf(b.lower))
				b.lower = upper;
		}
		h->buckets[h->nbuckets++] = b;
		prev = upper;
	}
	if (total != h->count)
		return fail(c, path, "bucket counts add to %llu, count is %llu",
			    (unsigned long long)total, (unsigned long long)h->count);
	return 0;
}

static int read_hist(struct ctx *c, struct tt_series *s, const json_t *o, const char *path,
		     double res)
{
	struct tt_hsum *h = &s->hist;
	char p[PATH_LEN];
	const char *key;
	json_t *v, *q;
	double x;
	int ret;

	ret = get_u64(c, o, path, "count", &h->count) ?:
	      get_member(c, o, path, "sum", &v);
	path_key(p, path, "sum");
	ret = ret ?: as_sum(c, v, p, &h->sum) ?:
	      get_number(c, o, path, "min", &h->min) ?:
	      get_number(c, o, path, "max", &h->max);
	if (ret)
		return ret;
	h->min = magnitude(h->min);
	h->max = magnitude(h->max);
	if (h->count && h->min > h->max)
		return fail(c, path, "min is above max");
	/* quantiles are recomputed from the buckets; check their shape only */
	ret = get_member(c, o, path, "quantiles", &q);
	path_key(p, path, "quantiles");
	ret = ret ?: want_object(c, q, p);
	json_object_foreach(q, key, v) {
		char qp[PATH_LEN];

		if (ret)
			break;
		path_key(qp, p, key);
		ret = as_number_or_null(c, v, qp, &x);
	}
	ret = ret ?: get_member(c, o, path, "buckets", &v);
	path_key(p, path, "buckets");
	return ret ?: read_buckets(c, h, v, p, res);
}

/*
 * The label values of one series in the family's label order.  The
 * family's label names come from its first series (the JSON keeps them
 * only there); every series must carry the same names.
 */
static int series_labels(struct ctx *c, const struct tt_family *f, const json_t *labels,
			 const char *path, const char **values)
{
	size_t i;
	int ret = want_object(c, labels, path);

	if (ret)
		return ret;
	if (json_object_size(labels) != f->nlabels)
		return fail(c, path, "%zu labels where the family's first series has %zu",
			    json_object_size(labels), f->nlabels);
	for (i = 0; i < f->nlabels; i++) {
		char p[PATH_LEN];
		json_t *v = json_object_get(labels, f->label_names[i]);

		if (!v)
			return fail(c, path, "missing label \"%s\"", f->label_names[i]);
		path_key(p, path, f->label_names[i]);
		ret = as_string(c, v, p, &values[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Label names of the family, from its first series; *n = 0 with no series. */
static int family_label_names(struct ctx *c, const json_t *series, const char *path,
			      const char ***names, size_t *n)
{
	const json_t *first = json_array_get(series, 0);
	char p[PATH_LEN], lp[PATH_LEN];
	const char *key;
	json_t *labels, *v;
	size_t i;
	int ret;

	*n = 0;
	*names = NULL;
	if (!first)
		return 0;
	path_idx(p, path, 0);
	path_key(lp, p, "labels");
	ret = want_object(c, first, p) ?: get_member(c, first, p, "labels", &labels) ?:
	      want_object(c, labels, lp);
	if (ret)
		return ret;
	*names = calloc(json_object_size(labels) + 1, sizeof(**names));
	if (!*names)
		return -ENOMEM;
	json_object_foreach(labels, key, v) {
		for (i = 0; i < *n; i++)
			if (!strcmp((*names)[i], key))	/* keys equal up to a \u0000 */
				return fail(c, lp, "label \"%s\" appears twice", key);
		(*names)[(*n)++] = key;
	}
	return 0;
}

static int read_family(struct ctx *c, struct tt_report *r, const json_t *o, const char *path)
{
	const char *name, *type, *unit, *help;
	const char **names = NULL, **values = NULL;
	enum tt_metric_type t;
	struct tt_family *f = NULL;
	char p[PATH_LEN], sp[PATH_LEN];
	json_t *series, *labels, *v;
	struct tt_series_index ix;
	size_t i, nl = 0, *slot;
	int ret;

	ret = want_object(c, o, path) ?: get_string(c, o, path, "name", &name) ?:
	      get_string(c, o, path, "type", &type) ?: get_string(c, o, path, "unit", &unit) ?:
	      get_string(c, o, path, "help", &help);
	if (ret)
		return ret;
	if (!*name)
		return fail(c, path, "empty family name");
	if (tt_report_find_family(r, name)) {
		path_key(p, path, "name");
		return fail(c, p, "metric \"%s\" appears twice", name);
	}
	if (metric_type(type, &t)) {
		path_key(p, path, "type");
		return fail(c, p, "unknown metric type \"%s\"", type);
	}
	path_key(p, path, "series");
	ret = get_member(c, o, path, "series", &series) ?: want_array(c, series, p) ?:
	      family_label_names(c, series, p, &names, &nl);
	if (!ret) {
		f = tt_report_add_family(r, name, help, unit, t, nl, names);
		ret = f ? 0 : -ENOMEM;
	}
	free(names);
	if (ret)
		return ret;
	values = calloc(nl + 1, sizeof(*values));
	if (!values || tt_series_index_init(&ix, f, json_array_size(series))) {
		free(values);
		return -ENOMEM;
	}
	for (i = 0; !ret && i < json_array_size(series); i++) {
		const json_t *so = json_array_get(series, i);
		struct tt_series *s;
		char lp[PATH_LEN];

		path_idx(sp, p, i);
		ret = want_object(c, so, sp) ?: get_member(c, so, sp, "labels", &labels);
		path_key(lp, sp, "labels");
		ret = ret ?: series_labels(c, f, labels, lp, values);
		if (ret)
			break;
		slot = tt_series_index_slot(&ix, f, (char *const *)values);
		if (*slot) {	/* merged twice, it would count twice */
			ret = fail(c, lp, "the same labels as series %zu", *slot - 1);
			break;
		}
		s = tt_family_add_series(f, values);
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		*slot = f->nseries;
		if (t == TT_METRIC_HISTOGRAM) {
			ret = read_hist(c, s, so, sp, tt_hist_resolution(unit));
		} else {
			char vp[PATH_LEN];

			ret = get_member(c, so, sp, "value", &v);
			path_key(vp, sp, "value");
			ret = ret ?: as_number_or_null(c, v, vp, &s->value);
			if (!ret && t == TT_METRIC_COUNTER && s->value < 0)
				ret = fail(c, vp, "a counter is never negative");
			if (t == TT_METRIC_COUNTER)
				s->value = magnitude(s->value);
		}
	}
	tt_series_index_release(&ix);
	free(values);
	return ret;
}

/* --- events and profiles --- */

static int read_event(struct ctx *c, struct tt_report *r, const json_t *o, const char *path)
{
	struct timespec ts;
	struct tt_event *e;
	const char *type, *key, *s;
	char p[PATH_LEN];
	json_t *v;
	double x = 0;
	int ret;

	ret = want_object(c, o, path) ?: get_string(c, o, path, "type", &type) ?:
	      get_member(c, o, path, "time", &v);
	path_key(p, path, "time");
	ret = ret ?: as_time(c, v, p, &ts);
	if (ret)
		return ret;
	e = tt_report_add_event(r, type, &ts);
	if (!e)
		return -ENOMEM;
	json_object_foreach((json_t *)o, key, v) {
		if (!strcmp(key, "type") || !strcmp(key, "time"))
			continue;
		path_key(p, path, key);
		if (json_is_string(v))
			ret = as_string(c, v, p, &s) ?: tt_event_add_str(e, key, s);
		else if (json_is_number(v) || json_is_null(v))
			ret = as_number_or_null(c, v, p, &x) ?: tt_event_add_num(e, key, x);
		else
			ret = fail(c, p, "expected a string or a number");
		if (ret)
			return ret;
	}
	return 0;
}

static int read_profile(struct ctx *c, struct tt_report *r, const json_t *o, const char *path)
{
	const char *name, *unit, **frames = NULL;
	struct tt_profile *prof;
	char p[PATH_LEN], sp[PATH_LEN], fp[PATH_LEN];
	json_t *stacks, *fr;
	uint64_t value;
	size_t i, k;
	int ret;

	ret = want_object(c, o, path) ?: get_string(c, o, path, "name", &name) ?:
	      get_string(c, o, path, "unit", &unit) ?: get_member(c, o, path, "stacks", &stacks);
	path_key(p, path, "stacks");
	ret = ret ?: want_array(c, stacks, p);
	if (ret)
		return ret;
	prof = tt_report_add_profile(r, name, unit);
	if (!prof)
		return -ENOMEM;
	for (i = 0; !ret && i < json_array_size(stacks); i++) {
		const json_t *so = json_array_get(stacks, i);

		path_idx(sp, p, i);
		ret = want_object(c, so, sp) ?: get_member(c, so, sp, "frames", &fr);
		path_key(fp, sp, "frames");
		ret = ret ?: want_array(c, fr, fp) ?: get_u64(c, so, sp, "value", &value);
		if (ret)
			break;
		frames = calloc(json_array_size(fr) + 1, sizeof(*frames));
		if (!frames)
			return -ENOMEM;
		for (k = 0; !ret && k < json_array_size(fr); k++) {
			char kp[PATH_LEN];

			path_idx(kp, fp, k);
			ret = as_string(c, json_array_get(fr, k), kp, &frames[k]);
		}
		ret = ret ?: tt_profile_add_stack(prof, json_array_size(fr), frames, value);
		free(frames);
	}
	return ret;
}

/* An optional array (events, profiles) whose elements `one` reads. */
static int read_list(struct ctx *c, struct tt_report *r, const json_t *root, const char *key,
		     bool required,
		     int (*one)(struct ctx *, struct tt_report *, const json_t *, const char *))
{
	char p[PATH_LEN], ep[PATH_LEN];
	const json_t *arr = json_object_get(root, key);
	size_t i;
	int ret;

	path_key(p, "$", key);
	if (!arr)
		return required ? fail(c, "$", "missing key \"%s\"", key) : 0;
	ret = want_array(c, arr, p);
	for (i = 0; !ret && i < json_array_size(arr); i++) {
		path_idx(ep, p, i);
		ret = one(c, r, json_array_get(arr, i), ep);
	}
	return ret;
}

/* --- the document --- */

/* One document's root object into a new report; NULL with *ret set. */
static struct tt_report *from_root(struct ctx *c, const json_t *root, int *ret)
{
	struct tt_report *r = NULL;

	*ret = want_object(c, root, "$");
	if (!*ret) {
		r = calloc(1, sizeof(*r));	/* not __new: host and kernel come from the file */
		*ret = r ? 0 : -ENOMEM;
	}
	*ret = *ret ?: read_header(c, r, root) ?: check_lost_split(c, r);
	*ret = *ret ?: read_list(c, r, root, "metrics", true, read_family);
	*ret = *ret ?: read_list(c, r, root, "events", false, read_event);
	*ret = *ret ?: read_list(c, r, root, "profiles", false, read_profile);
	if (*ret) {
		tt_report__free(r);
		return NULL;
	}
	return r;
}

struct tt_report *tt_report_from_json(const struct json_t *root, const char *path, char *err,
				      size_t errlen)
{
	struct ctx c = { err, errlen, 1, path };
	struct tt_report *r;
	int ret;

	if (errlen)
		err[0] = '\0';
	r = from_root(&c, root, &ret);
	if (!r)
		errno = -ret;
	return r;
}

/* Line of buf (1-based) where offset `off` lies. */
static int line_of(const char *buf, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

struct tt_report *tt_report_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct ctx c = { err, errlen, 0, NULL };
	struct tt_report *all = NULL, *r;
	json_error_t jerr;
	size_t off = 0;
	json_t *root;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	do {
		c.doc++;
		/* jansson stops after the value and says how many bytes it read */
		root = json_loadb(buf + off, len - off,
				  JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
		if (!root) {
			/* jansson reports running out of memory like a syntax error */
			if (json_error_code(&jerr) == json_error_out_of_memory) {
				ret = -ENOMEM;
				break;
			}
			ret = fail(&c, "$", "not JSON (line %d, column %d): %s",
				   line_of(buf, off) + jerr.line - 1, jerr.column, jerr.text);
			break;
		}
		off += (size_t)jerr.position;
		r = from_root(&c, root, &ret);
		json_decref(root);
		if (!r)
			break;
		if (!all) {
			all = r;
		} else {
			char msg[400];

			ret = tt_report_merge(all, r, msg, sizeof(msg));
			tt_report__free(r);
			if (ret == -EINVAL)
				fail(&c, "$", "cannot merge with document 1: %s", msg);
			if (ret)
				break;
		}
		while (off < len && (buf[off] == ' ' || buf[off] == '\t' || buf[off] == '\n' ||
				     buf[off] == '\r'))
			off++;
	} while (off < len);
	if (ret) {
		tt_report__free(all);
		errno = -ret;
		return NULL;
	}
	return all;
}

struct tt_report *tt_report_read(FILE *f, char *err, size_t errlen)
{
	struct tt_report *r;
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *p;

	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		snprintf(err, errlen, "read error");
		errno = EIO;
		return NULL;
	}
	r = tt_report_parse(buf, len, err, errlen);
	free(buf);
	return r;
}
