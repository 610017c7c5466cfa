// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON renderer: the report as the versioned document of DESIGN §4
 * ("tracetool.report/v1") that scripts, `compare` and CI gates read.
 * Values are in base units, label values are strings, histogram buckets are
 * non-cumulative [upper_bound, count] pairs of the non-empty buckets with
 * overflow as ["+Inf", count].  Key order is part of the contract.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "escape.h"
#include "jsonout.h"
#include "report.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define MAX_SAFE_INT 9007199254740992.0	/* 2^53: doubles past it are not exact integers */

static const char *const type_names[] = {
	[TT_METRIC_COUNTER] = "counter",
	[TT_METRIC_GAUGE] = "gauge",
	[TT_METRIC_HISTOGRAM] = "histogram",
};

static const struct {
	const char *key;
	double q;
} quantiles[] = { { "0.5", 0.5 }, { "0.9", 0.9 }, { "0.99", 0.99 }, { "0.999", 0.999 } };

/* --- values --- */

/*
 * jansson refuses strings that are not UTF-8 (json_string returns NULL), but
 * comm names, paths and symbols come from the kernel and binaries as
 * arbitrary bytes: such a string is written with each byte of invalid UTF-8
 * as "\xNN" (tt_utf8_repair_dup), as text output shows it, so distinct
 * names stay distinct series when the report is read back.
 */
static json_t *str_new(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *tmp;

	if (j || !s)
		return j;
	tmp = tt_utf8_repair_dup(s);
	if (!tmp)
		return NULL;
	j = json_string(tmp);
	free(tmp);
	return j;
}

/* Non-finite numbers have no JSON spelling: null. */
/* JSON has no NaN or infinity: null (a histogram's sum reads back as +Inf, user/reader.c). */
static json_t *real_new(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* Whole numbers as integers (7, not 7.0), the rest as reals. */
static json_t *num_new(double x)
{
	if (isfinite(x) && x == floor(x) && fabs(x) < MAX_SAFE_INT)
		return json_integer((json_int_t)x);
	return real_new(x);
}

static json_t *u64_new(uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

/* RFC 3339, UTC, milliseconds: 2026-11-27T10:53:28.123Z */
static json_t *time_new(const struct timespec *ts)
{
	char date[48], buf[64];
	time_t t = ts->tv_sec;
	long ms = ts->tv_nsec / 1000000;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		return NULL;
	snprintf(buf, sizeof(buf), "%s.%03ldZ", date, ms >= 0 && ms < 1000 ? ms : 0);
	return json_string(buf);
}

/*
 * Set obj[key] = v, taking the reference to v; a NULL v is a failure.
 * Keys are label and field names chosen by tracers, always ASCII.
 * 0 or -ENOMEM.
 */
static int obj_set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(obj, key, v) ? -ENOMEM : 0;
}

/* Append v to arr, taking the reference to v.  0 or -ENOMEM. */
static int arr_add(json_t *arr, json_t *v)
{
	return json_array_append_new(arr, v) ? -ENOMEM : 0;	/* NULL v fails too */
}

/* --- metrics --- */

static json_t *labels_new(const struct tt_family *f, const struct tt_series *s)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < f->nlabels; i++)
		if (obj_set(o, f->label_names[i], str_new(s->labels[i])))
			goto err;
	return o;
err:
	json_decref(o);
	return NULL;
}

static json_t *quantiles_new(const struct tt_hsum *h)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < ARRAY_SIZE(quantiles); i++)
		if (obj_set(o, quantiles[i].key,
			    real_new(tt_hsum_quantile(h, quantiles[i].q))))
			goto err;
	return o;
err:
	json_decref(o);
	return NULL;
}

static json_t *buckets_new(const struct tt_hsum *h)
{
	json_t *a = json_array(), *pair;
	size_t i;

	for (i = 0; a && i < h->nbuckets; i++) {
		const struct tt_bucket *b = &h->buckets[i];

		if (!b->count)
			continue;
		pair = json_array();
		if (arr_add(a, pair))
			goto err;
		if (isinf(b->upper)) {
			if (arr_add(pair, json_string("+Inf")))
				goto err;
		} else if (arr_add(pair, real_new(b->upper))) {
			goto err;
		}
		if (arr_add(pair, u64_new(b->count)))
			goto err;
	}
	return a;
err:
	json_decref(a);
	return NULL;
}

static json_t *series_new(const struct tt_family *f, const struct tt_series *s)
{
	const struct tt_hsum *h = &s->hist;
	json_t *o = json_object();

	if (!o || obj_set(o, "labels", labels_new(f, s)))
		goto err;
	if (f->type != TT_METRIC_HISTOGRAM) {
		if (obj_set(o, "value", num_new(s->value)))
			goto err;
		return o;
	}
	if (obj_set(o, "count", u64_new(h->count)) ||
	    obj_set(o, "sum", real_new(h->sum)) ||
	    obj_set(o, "min", real_new(h->count ? h->min : 0)) ||
	    obj_set(o, "max", real_new(h->count ? h->max : 0)) ||
	    obj_set(o, "quantiles", quantiles_new(h)) ||
	    obj_set(o, "buckets", buckets_new(h)))
		goto err;
	return o;
err:
	json_decref(o);
	return NULL;
}

static json_t *family_new(const struct tt_family *f)
{
	json_t *o = json_object(), *series = json_array();
	size_t i;

	if (!o || !series)
		goto err;
	for (i = 0; i < f->nseries; i++)
		if (arr_add(series, series_new(f, &f->series[i])))
			goto err;
	if (obj_set(o, "name", str_new(f->name)) ||
	    obj_set(o, "type", json_string(f->type < ARRAY_SIZE(type_names) ?
					   type_names[f->type] : "unknown")) ||
	    obj_set(o, "unit", str_new(f->unit)) ||
	    obj_set(o, "help", str_new(f->help))) {
		goto err;
	}
	if (obj_set(o, "series", series)) {
		series = NULL;	/* obj_set dropped it */
		goto err;
	}
	return o;
err:
	json_decref(series);
	json_decref(o);
	return NULL;
}

/* --- events and profiles --- */

static json_t *event_new(const struct tt_event *e)
{
	json_t *o = json_object();
	size_t i;

	if (!o || obj_set(o, "type", str_new(e->type)) || obj_set(o, "time", time_new(&e->time)))
		goto err;
	for (i = 0; i < e->nfields; i++) {
		const struct tt_field *fld = &e->fields[i];

		if (obj_set(o, fld->name, fld->str ? str_new(fld->str) : num_new(fld->num)))
			goto err;
	}
	return o;
err:
	json_decref(o);
	return NULL;
}

static json_t *stack_new(const struct tt_stack *s)
{
	json_t *o = json_object(), *frames = json_array();
	size_t i;

	if (!o || !frames)
		goto err;
	for (i = 0; i < s->nframes; i++)
		if (arr_add(frames, str_new(s->frames[i])))
			goto err;
	if (obj_set(o, "frames", frames)) {
		frames = NULL;
		goto err;
	}
	frames = NULL;
	if (obj_set(o, "value", u64_new(s->value)))
		goto err;
	return o;
err:
	json_decref(frames);
	json_decref(o);
	return NULL;
}

static json_t *profile_new(const struct tt_profile *p)
{
	json_t *o = json_object(), *stacks = json_array();
	size_t i;

	if (!o || !stacks)
		goto err;
	for (i = 0; i < p->nstacks; i++)
		if (arr_add(stacks, stack_new(&p->stacks[i])))
			goto err;
	if (obj_set(o, "name", str_new(p->name)) || obj_set(o, "unit", str_new(p->unit)))
		goto err;
	if (obj_set(o, "stacks", stacks)) {
		stacks = NULL;
		goto err;
	}
	return o;
err:
	json_decref(stacks);
	json_decref(o);
	return NULL;
}

/* --- the document --- */

/*
 * A repeated filter key (-p given twice) keeps every value, comma-joined:
 * a JSON object cannot hold the key twice.
 */
static int filter_add(json_t *filters, const char *key, const char *value)
{
	json_t *prev = json_object_get(filters, key);
	char *joined;
	size_t n;
	int err;

	if (!prev || !json_is_string(prev))
		return obj_set(filters, key, str_new(value));
	n = strlen(json_string_value(prev)) + strlen(value) + 2;
	joined = malloc(n);
	if (!joined)
		return -ENOMEM;
	snprintf(joined, n, "%s,%s", json_string_value(prev), value);
	err = obj_set(filters, key, str_new(joined));
	free(joined);
	return err;
}

/* {tracer: {reason: count}}: the split of `lost` (additive to tracetool.report/v1). */
static json_t *lost_by_tracer_new(const struct tt_report *r)
{
	json_t *o = json_object(), *t;
	size_t i, k;

	for (i = 0; o && i < r->ntracers; i++) {
		t = json_object();
		for (k = 0; t && k < TT_LOST_NR; k++)
			if (obj_set(t, tt_lost_names[k], u64_new(r->tracer_lost[i][k]))) {
				json_decref(t);
				t = NULL;
			}
		if (!t || obj_set(o, r->tracers[i], t)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* {tracer: {option: value}}: struct tt_measure (additive to tracetool.report/v1). */
static json_t *measurement_new(const struct tt_report *r)
{
	json_t *o = json_object(), *t;
	size_t i;

	for (i = 0; o && i < r->nmeasures; i++) {
		const struct tt_measure *m = &r->measures[i];

		t = json_object_get(o, m->tracer);
		if (!t) {
			t = json_object();
			if (obj_set(o, m->tracer, t))
				break;
		}
		if (obj_set(t, m->key, str_new(m->value)))
			break;
	}
	if (o && i < r->nmeasures) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"argv": [...], "exit_code": N} or {"argv": [...], "signal": "SIGSEGV"}; argv alone: running. */
static json_t *command_new(const struct tt_command *c)
{
	json_t *o = json_object(), *argv = json_array();
	size_t i;

	if (!o || !argv)
		goto err;
	for (i = 0; i < c->argc; i++)
		if (arr_add(argv, str_new(c->argv[i])))
			goto err;
	if (obj_set(o, "argv", argv)) {
		argv = NULL;
		goto err;
	}
	argv = NULL;
	if (c->exited && obj_set(o, "exit_code", json_integer(c->exit_code)))
		goto err;
	if (c->signal && obj_set(o, "signal", tt_signal_name(c->signal) ?
				 str_new(tt_signal_name(c->signal)) : json_integer(c->signal)))
		goto err;
	return o;
err:
	json_decref(argv);
	json_decref(o);
	return NULL;
}

static json_t *header_new(const struct tt_report *r)
{
	json_t *o = json_object(), *tracers = json_array(), *hooks = json_object();
	json_t *filters = NULL, *lost = json_object();
	size_t i;

	if (!o || !tracers || !hooks || !lost)
		goto err;
	for (i = 0; i < r->ntracers; i++)
		if (arr_add(tracers, str_new(r->tracers[i])))
			goto err;
	for (i = 0; i < r->nhooks; i++)
		if (obj_set(hooks, r->hooks[i].key, str_new(r->hooks[i].value)))
			goto err;
	if (r->nfilters) {
		filters = json_object();
		for (i = 0; filters && i < r->nfilters; i++)
			if (filter_add(filters, r->filters[i].key, r->filters[i].value))
				goto err;
		if (!filters)
			goto err;
	}
	for (i = 0; i < TT_LOST_NR; i++)
		if (obj_set(lost, tt_lost_names[i], u64_new(r->lost[i])))
			goto err;

	if (obj_set(o, "schema", json_string(TT_SCHEMA)))
		goto err;
	/* from here on obj_set owns each container whether it succeeds or not */
	if (obj_set(o, "tracers", tracers)) {
		tracers = NULL;
		goto err;
	}
	tracers = NULL;
	if (obj_set(o, "host", str_new(r->host)) || obj_set(o, "kernel", str_new(r->kernel)) ||
	    obj_set(o, "started_at", time_new(&r->started_at)) ||
	    obj_set(o, "duration_seconds", real_new(r->duration_seconds)))
		goto err;
	if (obj_set(o, "hooks", hooks)) {
		hooks = NULL;
		goto err;
	}
	hooks = NULL;
	if (filters && obj_set(o, "filters", filters)) {
		filters = NULL;
		goto err;
	}
	filters = NULL;
	if (r->nmeasures && obj_set(o, "measurement", measurement_new(r)))
		goto err;
	if (obj_set(o, "lost", lost)) {
		lost = NULL;
		goto err;
	}
	if (r->cmd.argv && obj_set(o, "command", command_new(&r->cmd)))
		goto err_o;
	if (r->tracer_lost && obj_set(o, "lost_by_tracer", lost_by_tracer_new(r)))
		goto err_o;
	return o;
err:
	json_decref(tracers);
	json_decref(hooks);
	json_decref(filters);
	json_decref(lost);
err_o:
	json_decref(o);
	return NULL;
}

static json_t *report_new(const struct tt_report *r)
{
	json_t *o = header_new(r), *metrics = json_array(), *events = json_array();
	json_t *profiles = json_array();
	size_t i;

	if (!o || !metrics || !events || !profiles)
		goto err;
	for (i = 0; i < r->nfamilies; i++)
		if (arr_add(metrics, family_new(r->families[i])))
			goto err;
	for (i = 0; i < r->nevents; i++)
		if (arr_add(events, event_new(&r->events[i])))
			goto err;
	for (i = 0; i < r->nprofiles; i++)
		if (arr_add(profiles, profile_new(r->profiles[i])))
			goto err;
	/* obj_set takes each reference even when it fails */
	if (obj_set(o, "metrics", metrics)) {
		metrics = NULL;
		goto err;
	}
	metrics = NULL;
	if (obj_set(o, "events", events)) {
		events = NULL;
		goto err;
	}
	events = NULL;
	if (obj_set(o, "profiles", profiles)) {
		profiles = NULL;
		goto err;
	}
	return o;
err:
	json_decref(metrics);
	json_decref(events);
	json_decref(profiles);
	json_decref(o);
	return NULL;
}

json_t *tt_report_to_json(const struct tt_report *r)
{
	return report_new(r);
}

int tt_render_json(const struct tt_report *r, const struct tt_render_opts *o, FILE *out)
{
	json_t *root;
	int rc;

	(void)o;	/* text-only options; JSON always carries everything */
	root = report_new(r);
	if (!root)
		return -ENOMEM;
	rc = tt_json_dumpf(root, out, JSON_FLAGS);
	json_decref(root);
	if (rc == 0)
		fputc('\n', out);
	/* flush so a full disk or closed pipe is reported here, not lost at exit */
	if (fflush(out) || ferror(out))
		return -EIO;
	return rc ? -ENOMEM : 0;	/* jansson fails without a write error only on memory */
}
