// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Construction and destruction of the report model.  Everything a report
 * points to is owned by it and released by tt_report__free().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

const char *const tt_lost_names[TT_LOST_NR] = {
	[TT_LOST_RINGBUF] = "ringbuf",
	[TT_LOST_MAP_FULL] = "map_full",
	[TT_LOST_STACK] = "stack_collisions",
	[TT_LOST_PIDS_FULL] = "pid_map_full",
	[TT_LOST_SYMBOLIZE_FD] = "symbolize_fd",
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static char **strv_dup(size_t n, const char *const *v)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		out[i] = strdup(v[i] ? v[i] : "");
		if (!out[i])
			goto err_free;
	}
	return out;
err_free:
	while (i--)
		free(out[i]);
	free(out);
	return NULL;
}

static void strv_free(size_t n, char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct tt_report *tt_report__new(void)
{
	struct tt_report *r = calloc(1, sizeof(*r));
	struct utsname u;

	if (!r)
		return NULL;
	if (gethostname(r->host, sizeof(r->host) - 1))
		strcpy(r->host, "unknown");
	if (uname(&u) == 0)
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	clock_gettime(CLOCK_REALTIME, &r->started_at);
	return r;
}

static void family_free(struct tt_family *f)
{
	size_t i;

	for (i = 0; i < f->nseries; i++) {
		strv_free(f->nlabels, f->series[i].labels);
		tt_hsum_release(&f->series[i].hist);
	}
	free(f->series);
	strv_free(f->nlabels, f->label_names);
	free(f->name);
	free(f->help);
	free(f->unit);
	free(f->text_join_title);
	free(f);
}

static void measure_free(struct tt_measure *m)
{
	free(m->tracer);
	free(m->key);
	free(m->value);
	free(m->note);
}

static void kv_free(size_t n, struct tt_kv *kv)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void tt_report_clear_command(struct tt_report *r)
{
	strv_free(r->cmd.argc, r->cmd.argv);
	memset(&r->cmd, 0, sizeof(r->cmd));
}

int tt_report_copy_command(struct tt_report *dst, const struct tt_command *c)
{
	size_t i;

	tt_report_clear_command(dst);
	if (!c->argv)
		return 0;
	dst->cmd.argv = calloc(c->argc + 1, sizeof(char *));
	if (!dst->cmd.argv)
		return -ENOMEM;
	for (i = 0; i < c->argc; i++) {
		dst->cmd.argv[i] = strdup(c->argv[i]);
		if (!dst->cmd.argv[i]) {
			dst->cmd.argc = i;
			tt_report_clear_command(dst);
			return -ENOMEM;
		}
	}
	dst->cmd.argc = c->argc;
	dst->cmd.exited = c->exited;
	dst->cmd.exit_code = c->exit_code;
	dst->cmd.signal = c->signal;
	return 0;
}

int tt_report_set_command(struct tt_report *r, char *const *argv, int wait_status)
{
	struct tt_command c = { .argv = (char **)argv };

	while (argv && argv[c.argc])
		c.argc++;
	if (wait_status >= 0 && WIFEXITED(wait_status)) {
		c.exited = true;
		c.exit_code = WEXITSTATUS(wait_status);
	} else if (wait_status >= 0 && WIFSIGNALED(wait_status)) {
		c.signal = WTERMSIG(wait_status);
	}
	return tt_report_copy_command(r, &c);
}

const char *tt_signal_name(int sig)
{
	static char names[NSIG][16];
	const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;

	if (!abbrev)
		return NULL;
	if (!names[sig][0])
		snprintf(names[sig], sizeof(names[sig]), "SIG%s", abbrev);
	return names[sig];
}

int tt_signal_number(const char *name)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (tt_signal_name(sig) && !strcmp(tt_signal_name(sig), name))
			return sig;
	return 0;
}

void tt_report__free(struct tt_report *r)
{
	size_t i;

	if (!r)
		return;
	tt_report_clear_command(r);
	strv_free(r->ntracers, r->tracers);
	free(r->tracer_lost);
	kv_free(r->nhooks, r->hooks);
	kv_free(r->nfilters, r->filters);
	for (i = 0; i < r->nmeasures; i++)
		measure_free(&r->measures[i]);
	free(r->measures);
	for (i = 0; i < r->nfamilies; i++)
		family_free(r->families[i]);
	free(r->families);
	tt_report_clear_events(r);
	free(r->events);
	tt_report_clear_profiles(r);
	for (i = 0; i < r->nprofiles; i++) {
		free(r->profiles[i]->name);
		free(r->profiles[i]->unit);
		free(r->profiles[i]);
	}
	free(r->profiles);
	free(r);
}

void tt_report_clear_profiles(struct tt_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nprofiles; i++) {
		struct tt_profile *p = r->profiles[i];

		for (j = 0; j < p->nstacks; j++)
			strv_free(p->stacks[j].nframes, p->stacks[j].frames);
		free(p->stacks);
		p->stacks = NULL;
		p->nstacks = p->cap = 0;
	}
}

static int kv_add(struct tt_kv **kv, size_t *n, const char *k, const char *v)
{
	struct tt_kv *p = realloc(*kv, (*n + 1) * sizeof(**kv));

	if (!p)
		return -ENOMEM;
	*kv = p;
	p[*n].key = strdup(k);
	p[*n].value = strdup(v);
	if (!p[*n].key || !p[*n].value) {
		free(p[*n].key);
		free(p[*n].value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int tt_report_add_tracer(struct tt_report *r, const char *tracer, const char *hook)
{
	char **t = realloc(r->tracers, (r->ntracers + 1) * sizeof(*t));
	uint64_t (*l)[TT_LOST_NR];

	if (!t)
		return -ENOMEM;
	r->tracers = t;
	l = realloc(r->tracer_lost, (r->ntracers + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	r->tracer_lost = l;
	memset(l[r->ntracers], 0, sizeof(l[r->ntracers]));
	t[r->ntracers] = strdup(tracer);
	if (!t[r->ntracers])
		return -ENOMEM;
	r->ntracers++;
	return kv_add(&r->hooks, &r->nhooks, tracer, hook);
}

int tt_report_tracer_index(const struct tt_report *r, const char *tracer)
{
	size_t i;

	for (i = 0; i < r->ntracers; i++)
		if (!strcmp(r->tracers[i], tracer))
			return (int)i;
	return -1;
}

int tt_report_add_hook(struct tt_report *r, const char *tracer, const char *hook)
{
	return kv_add(&r->hooks, &r->nhooks, tracer, hook);
}

int tt_report_add_filter(struct tt_report *r, const char *key, const char *value)
{
	return kv_add(&r->filters, &r->nfilters, key, value);
}

static struct tt_measure *measure_find(const struct tt_report *r, const char *tracer,
				       const char *key)
{
	size_t i;

	for (i = 0; i < r->nmeasures; i++)
		if (!strcmp(r->measures[i].tracer, tracer) && !strcmp(r->measures[i].key, key))
			return &r->measures[i];
	return NULL;
}

int tt_report_set_measure(struct tt_report *r, const char *tracer, const char *key,
			  const char *value, const char *note)
{
	struct tt_measure *m = measure_find(r, tracer, key), n = {};

	n.tracer = strdup(tracer);
	n.key = strdup(key);
	n.value = strdup(value);
	n.note = note ? strdup(note) : NULL;
	if (!n.tracer || !n.key || !n.value || (note && !n.note))
		goto err;
	if (!m) {
		m = realloc(r->measures, (r->nmeasures + 1) * sizeof(*m));
		if (!m)
			goto err;
		r->measures = m;
		m = &r->measures[r->nmeasures++];
	} else {
		measure_free(m);
	}
	*m = n;
	return 0;
err:
	measure_free(&n);
	return -ENOMEM;
}

bool tt_report_has_measures(const struct tt_report *r, const char *tracer)
{
	size_t i;

	for (i = 0; i < r->nmeasures; i++)
		if (!strcmp(r->measures[i].tracer, tracer))
			return true;
	return false;
}

const struct tt_measure *tt_report_find_measure(const struct tt_report *r, const char *tracer,
						 const char *key)
{
	return measure_find(r, tracer, key);
}

int tt_report_copy_measures(struct tt_report *dst, const struct tt_report *src)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < src->nmeasures; i++)
		ret = tt_report_set_measure(dst, src->measures[i].tracer, src->measures[i].key,
					    src->measures[i].value, src->measures[i].note);
	return ret;
}

void tt_report_drop_measures(struct tt_report *r, const char *tracer)
{
	size_t i, n = 0;

	for (i = 0; i < r->nmeasures; i++) {
		if (!strcmp(r->measures[i].tracer, tracer))
			measure_free(&r->measures[i]);
		else
			r->measures[n++] = r->measures[i];
	}
	r->nmeasures = n;
}

/* The first entry of `tracer` in `x` whose key `y` lacks or holds another value. */
static const struct tt_measure *measure_unlike(const struct tt_report *x,
					       const struct tt_report *y, const char *tracer)
{
	const struct tt_measure *m;
	size_t i;

	for (i = 0; i < x->nmeasures; i++) {
		if (strcmp(x->measures[i].tracer, tracer))
			continue;
		m = measure_find(y, tracer, x->measures[i].key);
		if (!m || strcmp(m->value, x->measures[i].value))
			return &x->measures[i];
	}
	return NULL;
}

enum tt_measure_cmp tt_report_measure_cmp(const struct tt_report *a, const struct tt_report *b,
					  const char *tracer, struct tt_measure_diff *d)
{
	const struct tt_measure *m;

	*d = (struct tt_measure_diff){};
	if (!tt_report_has_measures(a, tracer) || !tt_report_has_measures(b, tracer))
		return TT_MEASURE_UNKNOWN;
	m = measure_unlike(a, b, tracer);
	if (m) {
		*d = (struct tt_measure_diff){ m->key, m, measure_find(b, tracer, m->key) };
		return TT_MEASURE_DIFFER;
	}
	m = measure_unlike(b, a, tracer);
	if (m) {
		*d = (struct tt_measure_diff){ m->key, NULL, m };
		return TT_MEASURE_DIFFER;
	}
	return TT_MEASURE_SAME;
}

const char *tt_measure_value(const struct tt_measure *m)
{
	return m ? m->value : "(not set)";
}

enum tt_measure_cmp tt_reports_measure_cmp(const struct tt_report *const *a, size_t na,
					   const struct tt_report *const *b, size_t nb,
					   const char **tracer, struct tt_measure_diff *d)
{
	enum tt_measure_cmp worst = TT_MEASURE_SAME, c;
	const char *unknown = NULL;
	size_t i, j, k;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			for (k = 0; k < a[i]->ntracers; k++) {
				*tracer = a[i]->tracers[k];
				c = tt_report_measure_cmp(a[i], b[j], *tracer, d);
				if (c == TT_MEASURE_DIFFER)
					return c;
				/* one of them records it: they are not all alike */
				if (c == TT_MEASURE_UNKNOWN && !unknown &&
				    (tt_report_has_measures(a[i], *tracer) ||
				     tt_report_has_measures(b[j], *tracer))) {
					unknown = *tracer;
					worst = c;
				}
			}
	*tracer = unknown;
	*d = (struct tt_measure_diff){};
	return worst;
}

struct tt_family *tt_report_add_family(struct tt_report *r, const char *name,
				       const char *help, const char *unit,
				       enum tt_metric_type type, size_t nlabels,
				       const char *const *label_names)
{
	struct tt_family *f;

	if (grow((void **)&r->families, &r->fam_cap, r->nfamilies + 1, sizeof(*r->families))) {
		errno = ENOMEM;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->unit = strdup(unit ? unit : "");
	f->label_names = strv_dup(nlabels, label_names);
	if (!f->name || !f->help || !f->unit || !f->label_names) {
		family_free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->type = type;
	f->nlabels = nlabels;
	r->families[r->nfamilies++] = f;
	return f;
}

struct tt_series *tt_family_add_series(struct tt_family *f, const char *const *labels)
{
	struct tt_series *s;

	if (grow((void **)&f->series, &f->cap, f->nseries + 1, sizeof(*f->series))) {
		errno = ENOMEM;
		return NULL;
	}
	s = &f->series[f->nseries];
	memset(s, 0, sizeof(*s));
	s->labels = strv_dup(f->nlabels, labels);
	if (!s->labels) {
		errno = ENOMEM;
		return NULL;
	}
	f->nseries++;
	return s;
}

size_t tt_family_drop_series(struct tt_family *f, const bool *drop)
{
	size_t i, k = 0;

	for (i = 0; i < f->nseries; i++) {
		if (drop[i]) {
			strv_free(f->nlabels, f->series[i].labels);
			tt_hsum_release(&f->series[i].hist);
		} else {
			f->series[k++] = f->series[i];
		}
	}
	i = f->nseries - k;
	f->nseries = k;
	return i;
}

struct tt_series *tt_family_find_series(const struct tt_family *f, const char *const *labels)
{
	size_t i, j;

	for (i = 0; i < f->nseries; i++) {
		for (j = 0; j < f->nlabels; j++)
			if (strcmp(f->series[i].labels[j], labels[j] ? labels[j] : ""))
				break;
		if (j == f->nlabels)
			return &f->series[i];
	}
	return NULL;
}

struct tt_family *tt_report_find_family(const struct tt_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfamilies; i++)
		if (!strcmp(r->families[i]->name, name))
			return r->families[i];
	return NULL;
}

struct timespec tt_ktime_to_realtime(uint64_t ktime_ns)
{
	struct timespec real, mono, out;
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ns = (int64_t)ktime_ns + ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
	     (real.tv_nsec - mono.tv_nsec);
	out.tv_sec = (time_t)(ns / 1000000000);
	out.tv_nsec = (long)(ns % 1000000000);
	return out;
}

char *tt_ip_label(char *buf, size_t len, unsigned int family, const void *addr)
{
	static const unsigned char v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	/* one peer, one label: a dual-stack socket's view of an IPv4 peer is that peer */
	if (family == AF_INET6 && !memcmp(addr, v4mapped, sizeof(v4mapped))) {
		family = AF_INET;
		addr = (const unsigned char *)addr + sizeof(v4mapped);
	}
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

struct tt_event *tt_report_add_event(struct tt_report *r, const char *type,
				     const struct timespec *time)
{
	struct tt_event *e;

	if (grow((void **)&r->events, &r->ev_cap, r->nevents + 1, sizeof(*r->events))) {
		errno = ENOMEM;
		return NULL;
	}
	e = &r->events[r->nevents];
	memset(e, 0, sizeof(*e));
	e->type = strdup(type);
	if (!e->type)
		return NULL;
	e->time = *time;
	r->nevents++;
	return e;
}

void tt_report_clear_events(struct tt_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nevents; i++) {
		struct tt_event *e = &r->events[i];

		for (j = 0; j < e->nfields; j++) {
			free(e->fields[j].name);
			free(e->fields[j].str);
		}
		free(e->fields);
		free(e->type);
	}
	r->nevents = 0;
}

int tt_report_take_events(struct tt_report *dst, struct tt_report *src)
{
	if (!src->nevents)
		return 0;
	if (!dst->nevents) {
		struct tt_event *ev = dst->events;
		size_t cap = dst->ev_cap;

		dst->events = src->events;
		dst->ev_cap = src->ev_cap;
		dst->nevents = src->nevents;
		src->events = ev;
		src->ev_cap = cap;
		src->nevents = 0;
		return 0;
	}
	if (grow((void **)&dst->events, &dst->ev_cap, dst->nevents + src->nevents,
		 sizeof(*dst->events)))
		return -ENOMEM;
	memcpy(dst->events + dst->nevents, src->events, src->nevents * sizeof(*src->events));
	dst->nevents += src->nevents;
	src->nevents = 0;	/* fields now belong to dst */
	return 0;
}

static struct tt_field *event_field(struct tt_event *e, const char *name)
{
	struct tt_field *f = realloc(e->fields, (e->nfields + 1) * sizeof(*f));

	if (!f)
		return NULL;
	e->fields = f;
	f = &f[e->nfields];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name)
		return NULL;
	e->nfields++;
	return f;
}

int tt_event_add_str(struct tt_event *e, const char *name, const char *value)
{
	struct tt_field *f = event_field(e, name);

	if (!f)
		return -ENOMEM;
	f->str = strdup(value);
	return f->str ? 0 : -ENOMEM;
}

int tt_event_add_num(struct tt_event *e, const char *name, double value)
{
	struct tt_field *f = event_field(e, name);

	if (!f)
		return -ENOMEM;
	f->num = value;
	return 0;
}

struct tt_profile *tt_report_add_profile(struct tt_report *r, const char *name,
					 const char *unit)
{
	struct tt_profile **pp = realloc(r->profiles, (r->nprofiles + 1) * sizeof(*pp));
	struct tt_profile *p;

	if (!pp)
		return NULL;
	r->profiles = pp;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->name = strdup(name);
	p->unit = strdup(unit);
	if (!p->name || !p->unit) {
		free(p->name);
		free(p->unit);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	pp[r->nprofiles++] = p;
	return p;
}

int tt_profile_add_stack(struct tt_profile *p, size_t nframes, const char *const *frames,
			 uint64_t value)
{
	struct tt_stack *s;

	if (grow((void **)&p->stacks, &p->cap, p->nstacks + 1, sizeof(*p->stacks)))
		return -ENOMEM;
	s = &p->stacks[p->nstacks];
	s->frames = strv_dup(nframes, frames);
	if (!s->frames)
		return -ENOMEM;
	s->nframes = nframes;
	s->value = value;
	p->nstacks++;
	return 0;
}

uint64_t tt_strv_hash(char *const *v, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	const unsigned char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)v[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;	/* separator */
	}
	return h;
}

bool tt_strv_eq(char *const *a, char *const *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

size_t *tt_series_index_slot(const struct tt_series_index *x, const struct tt_family *f,
			     char *const *labels)
{
	size_t i = (size_t)tt_strv_hash(labels, f->nlabels) & x->mask;

	while (x->slot[i] && !tt_strv_eq(f->series[x->slot[i] - 1].labels, labels, f->nlabels))
		i = (i + 1) & x->mask;
	return &x->slot[i];
}

int tt_series_index_init(struct tt_series_index *x, const struct tt_family *f, size_t more)
{
	size_t cap = 16, i;

	while (cap < 2 * (f->nseries + more))
		cap *= 2;
	x->mask = cap - 1;
	x->slot = calloc(cap, sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	for (i = 0; i < f->nseries; i++) {
		size_t *sl = tt_series_index_slot(x, f, f->series[i].labels);

		if (!*sl)
			*sl = i + 1;
	}
	return 0;
}

void tt_series_index_release(struct tt_series_index *x)
{
	free(x->slot);
	x->slot = NULL;
}

void tt_report_hide_self_metrics(struct tt_report *r)
{
	static const char *const names[] = { TT_LOST_FAMILY, TT_MAP_MEMORY_FAMILY };
	/* shown in text only when not empty, as the tracer that made them prints them */
	static const char *const if_empty[] = { "tracetool_syscall_restarts_total" };
	struct tt_family *f;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((f = tt_report_find_family(r, names[i])))
			f->text_hidden = true;
	for (i = 0; i < sizeof(if_empty) / sizeof(if_empty[0]); i++)
		if ((f = tt_report_find_family(r, if_empty[i])) && !f->nseries)
			f->text_hidden = true;
}
