// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack profiles from a stack tracer's maps (see stackprof.h): new
 * processes are captured as the ring buffer announces them; at a report
 * the aggregation map is read whole, each key's increase since the previous
 * report is symbolized, and keys whose frames come out equal are merged.
 */
#include <errno.h>
#include <malloc.h>
#include <search.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stackprof.h"

#define LOST_USER "[lost user stack]"
#define LOST_KERNEL "[lost kernel stack]_[k]"
#define MAX_FRAMES (2 + TT_UNWIND_MAX_FRAMES + TT_STACK_DEPTH)

struct stack_by_id {
	__u32 id;
	struct tt_stack_ips ips;
};

static int cmp_stack_id(const void *a, const void *b)
{
	__u32 x = ((const struct stack_by_id *)a)->id, y = ((const struct stack_by_id *)b)->id;

	return (x > y) - (x < y);
}

/*
 * Read the stack map (content -> id) into sp->by_id, an array sorted by id
 * (sp->nby_id entries; one block, freed at the end of the report: 8 MB for
 * a full default map, given back between reports).  0 or -errno.
 */
static int read_stacks(struct tt_stackprof *sp)
{
	int fd = bpf_map__fd(sp->stacks);
	struct tt_stack_ips key, next, *prevp = NULL;
	struct stack_by_id *v = NULL, *nv;
	size_t n = 0, cap = 0, i, k;
	__u32 id;

	free(sp->by_id);
	sp->by_id = NULL;
	sp->nby_id = 0;
	while (!bpf_map_get_next_key(fd, prevp, &next)) {
		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n].id = id;
		v[n++].ips = key;
	}
	qsort(v, n, sizeof(*v), cmp_stack_id);
	for (i = 0, k = 0; i < n; i++)	/* the walk may meet a key twice */
		if (!k || v[k - 1].id != v[i].id)
			v[k++] = v[i];
	sp->by_id = v;
	sp->nby_id = k;
	return 0;
}

struct prev_total {
	struct tt_stack_key key;
	uint64_t value;
};

static int on_new_pid(void *ctx, void *data, size_t len)
{
	struct tt_stackprof *sp = ctx;
	const struct tt_new_pid *ev = data;
	struct tt_syms_as as;
	int ret;

	if (len != sizeof(*ev))	/* a sample to unwind, after its address space's announcement */
		return sp->uw && tt_unwind_sample(sp->uw, data, len) == -ENOMEM ? -ENOMEM : 0;
	as = (struct tt_syms_as){ .gen = ev->as_gen, .start_code = ev->start_code,
				  .start_stack = ev->start_stack, .arg_start = ev->arg_start };
	/*
	 * Gone or exec'd already: unknown.  Out of descriptors (counted), the
	 * unwinder still keeps the address space, to report its modules at a
	 * later sample.
	 */
	ret = tt_syms_note_as(sp->syms, (pid_t)ev->tgid, &as);
	if ((!ret || ret == -EMFILE || ret == -ENFILE) && sp->uw)
		tt_unwind_note_as(sp->uw, (pid_t)ev->tgid, &as);
	return 0;
}

int tt_stackprof_init(struct tt_stackprof *sp, struct bpf_map *counts, struct bpf_map *stacks,
		      struct bpf_map *new_pids, const char *name, const char *unit,
		      uint64_t divisor, bool show_addrs)
{
	memset(sp, 0, sizeof(*sp));
	sp->counts = counts;
	sp->stacks = stacks;
	sp->name = name;
	sp->unit = unit;
	sp->divisor = divisor ? divisor : 1;
	sp->syms = tt_syms__new(show_addrs);
	if (!sp->syms)
		return -ENOMEM;
	if (new_pids) {
		sp->rb = ring_buffer__new(bpf_map__fd(new_pids), on_new_pid, sp, NULL);
		if (!sp->rb) {
			int ret = -errno;

			tt_syms__free(sp->syms);
			sp->syms = NULL;
			return ret;
		}
	}
	return 0;
}

void tt_stackprof_set_spans(struct tt_stackprof *sp, struct bpf_map *spans, uint64_t min_ns)
{
	sp->spans = spans;
	sp->min_span_ns = min_ns;
}

void tt_stackprof_set_unwind(struct tt_stackprof *sp, struct tt_unwind *uw)
{
	sp->uw = uw;
}

void tt_stackprof_release(struct tt_stackprof *sp)
{
	tt_unwind__free(sp->uw);
	sp->uw = NULL;
	ring_buffer__free(sp->rb);
	sp->rb = NULL;
	tt_syms__free(sp->syms);
	sp->syms = NULL;
	tt_stack_deltas_release(&sp->deltas);
	free(sp->by_id);
	sp->by_id = NULL;
	sp->nby_id = 0;
	tdestroy(sp->inflight, free);
	sp->inflight = NULL;
}

int tt_stackprof_event_fd(struct tt_stackprof *sp)
{
	return sp->rb ? ring_buffer__epoll_fd(sp->rb) : -1;
}

int tt_stackprof_drain(struct tt_stackprof *sp)
{
	int n;

	if (!sp->rb)
		return 0;
	n = ring_buffer__consume(sp->rb);
	return n < 0 ? n : 0;
}

/* Tracepoint dispatch and the BPF program on top of a stack taken from a tracepoint. */
static bool is_dispatch_frame(const char *name)
{
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13) ||
	       !strncmp(name, "__bpf_trace_", 12) || !strncmp(name, "__traceiter_", 12);
}

/* Append the frames of stack `id` outermost first; returns the new count. */
static size_t add_stack(struct tt_stackprof *sp, const struct tt_stack_key *k, bool kernel,
			const char **frames, size_t n, size_t max)
{
	__s32 id = kernel ? k->kern_stack : k->user_stack;
	struct stack_by_id probe = { .id = (__u32)id }, *found;
	const __u64 *ips;
	size_t depth, skip, i;

	if (id == TT_STACK_NONE)
		return n;
	found = id < 0 || !sp->by_id ? NULL :
		bsearch(&probe, sp->by_id, sp->nby_id, sizeof(probe), cmp_stack_id);
	if (!found) {
		if (n < max)
			frames[n++] = kernel ? LOST_KERNEL : LOST_USER;
		return n;
	}
	ips = found->ips.ip;
	for (depth = 0; depth < TT_STACK_DEPTH && ips[depth]; depth++)
		;
	/*
	 * A kernel stack taken from a tracepoint program starts in the
	 * dispatch (__traceiter_*, bpf_trace_run4, the program itself): not
	 * the traced code.  Sampled stacks (profile) keep every frame: time
	 * spent in BPF programs is real CPU time.
	 */
	for (skip = 0; kernel && sp->tracepoint_stacks && skip < depth; skip++)
		if (!is_dispatch_frame(tt_syms_kernel(sp->syms, ips[skip], skip > 0)))
			break;
	/* the map holds innermost first; every frame but the innermost is a return address */
	for (i = depth; i-- > skip && n < max;)
		frames[n++] = kernel ? tt_syms_kernel(sp->syms, ips[i], i > 0)
				     : tt_syms_user(sp->syms, (pid_t)k->tgid, k->as_gen, ips[i], i > 0);
	return n;
}

/* Did the kernel's walk fill the stack map entry?  Then the stack went on. */
static bool is_full(struct tt_stackprof *sp, __s32 id)
{
	struct stack_by_id probe = { .id = (__u32)id }, *found;

	found = id < 0 || !sp->by_id ? NULL :
		bsearch(&probe, sp->by_id, sp->nby_id, sizeof(probe), cmp_stack_id);
	return found && found->ips.ip[TT_STACK_DEPTH - 1];
}

/* The comm of `k` as the first frame, in a buffer of the calling thread. */
static const char *comm_frame(const struct tt_stack_key *k)
{
	static __thread char comm[TT_COMM_LEN + 1];

	memcpy(comm, k->comm, TT_COMM_LEN);
	comm[TT_COMM_LEN] = 0;
	return comm;
}

size_t tt_stackprof_frames(struct tt_stackprof *sp, const struct tt_stack_key *k,
			   const char **frames, size_t max)
{
	size_t n = 0;

	if (!max)
		return 0;
	frames[n++] = comm_frame(k);
	if ((is_full(sp, k->user_stack) || is_full(sp, k->kern_stack)) && n < max)
		frames[n++] = TT_FRAME_TRUNCATED;
	n = add_stack(sp, k, false, frames, n, max);
	return add_stack(sp, k, true, frames, n, max);
}

/* One merged stack of the report being built. */
struct merged {
	char *joined;		/* frames joined by '\n': the merge key */
	size_t nframes;
	uint64_t value;
};

static void free_merged_nothing(void *p)
{
	(void)p;	/* the list owns the entries */
}

static int cmp_merged(const void *a, const void *b)
{
	return strcmp(((const struct merged *)a)->joined, ((const struct merged *)b)->joined);
}

static int cmp_by_value(const void *pa, const void *pb)
{
	const struct merged *a = *(const struct merged *const *)pa;
	const struct merged *b = *(const struct merged *const *)pb;

	if (a->value != b->value)
		return a->value < b->value ? 1 : -1;
	return strcmp(a->joined, b->joined);
}

static int add_merged(void **tree, struct merged ***list, size_t *n, size_t *cap,
		      const char **frames, size_t nframes, uint64_t value)
{
	struct merged key, *m, **slot;
	size_t len = 0, i;
	char *j;

	for (i = 0; i < nframes; i++)
		len += strlen(frames[i]) + 1;
	j = malloc(len + 1);
	if (!j)
		return -ENOMEM;
	for (i = 0, len = 0; i < nframes; i++) {
		size_t l = strlen(frames[i]);

		memcpy(j + len, frames[i], l);
		len += l;
		j[len++] = '\n';
	}
	j[len] = 0;
	key.joined = j;
	slot = tfind(&key, tree, cmp_merged);
	if (slot) {
		(*slot)->value += value;
		free(j);
		return 0;
	}
	if (*n == *cap) {
		struct merged **nl = realloc(*list, (*cap ? *cap * 2 : 256) * sizeof(*nl));

		if (!nl)
			goto enomem;
		*list = nl;
		*cap = *cap ? *cap * 2 : 256;
	}
	m = malloc(sizeof(*m));
	if (!m)
		goto enomem;
	*m = (struct merged){ .joined = j, .nframes = nframes, .value = value };
	if (!tsearch(m, tree, cmp_merged)) {
		free(m);
		goto enomem;
	}
	(*list)[(*n)++] = m;
	return 0;
enomem:
	free(j);
	return -ENOMEM;
}

/* A span in progress, and how far it has been reported. */
struct inflight {
	__u32 tid;
	__u64 ts;		/* start of the span, to tell a new span of the same thread */
	__u64 until;		/* reported up to this time */
};

static int cmp_inflight(const void *a, const void *b)
{
	__u32 x = ((const struct inflight *)a)->tid, y = ((const struct inflight *)b)->tid;

	return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns() */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Append to `out` the part of every span in progress not reported yet, and
 * remember it as credit of its key.  Returns 0 or -errno.
 */
static int add_inflight(struct tt_stackprof *sp, struct prev_total **out, size_t *n, size_t *cap)
{
	int fd = bpf_map__fd(sp->spans);
	__u32 tid, next, *prevp = NULL;
	void *fresh = NULL;
	uint64_t now = now_ns();
	struct tt_stack_span span;
	int ret = 0;

	while (!ret && !bpf_map_get_next_key(fd, prevp, &next)) {
		struct inflight probe = { .tid = next }, **old, **slot, *f;
		uint64_t from, end;

		tid = next;
		prevp = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &span) || !span.ts || span.ts >= now)
			continue;
		end = span.end && span.end < now ? span.end : now;	/* ended, not yet added */
		if (end <= span.ts || end - span.ts < sp->min_span_ns)
			continue;
		old = tfind(&probe, &sp->inflight, cmp_inflight);
		from = old && (*old)->ts == span.ts ? (*old)->until : span.ts;
		f = malloc(sizeof(*f));
		if (f)
			*f = (struct inflight){ .tid = tid, .ts = span.ts, .until = end };
		slot = f ? tsearch(f, &fresh, cmp_inflight) : NULL;
		if (!slot) {
			free(f);
			ret = -ENOMEM;
			break;
		}
		/*
		 * Seen already in this walk: threads that wake delete their span,
		 * and a walk whose previous key was deleted starts over.
		 */
		if (*slot != f) {
			free(f);
			continue;
		}
		if (end <= from)
			continue;
		if (*n == *cap) {
			struct prev_total *nv = realloc(*out, (*cap ? *cap * 2 : 256) * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			*out = nv;
			*cap = *cap ? *cap * 2 : 256;
		}
		(*out)[(*n)++] = (struct prev_total){ .key = span.key, .value = end - from };
		ret = tt_stack_credit(&sp->deltas, &span.key, end - from);
	}
	/* spans that ended are forgotten: the kernel has added them whole */
	tdestroy(sp->inflight, free);
	sp->inflight = fresh;
	return ret;
}

struct take_unwound {
	struct tt_stackprof *sp;
	const char **frames;
	void **tree;
	struct merged ***list;
	size_t *n, *cap;
};

/* One stack unwound in user space: its frames merged like the kernel's. */
static int add_unwound(void *arg, const struct tt_unwound *w)
{
	struct take_unwound *t = arg;
	const char **frames = t->frames;
	size_t n = 0, i;

	frames[n++] = comm_frame(&w->key);
	if (w->truncated || is_full(t->sp, w->key.kern_stack))
		frames[n++] = TT_FRAME_TRUNCATED;
	for (i = w->n; i-- > 0 && n < MAX_FRAMES;)
		frames[n++] = tt_syms_user(t->sp->syms, (pid_t)w->key.tgid, w->key.as_gen,
					   w->ips[i], i > 0);
	n = add_stack(t->sp, &w->key, true, frames, n, MAX_FRAMES);
	return add_merged(t->tree, t->list, t->n, t->cap, frames, n, w->value);
}

/*
 * Opens that failed for lack of descriptors, symbolizing or unwinding,
 * since the previous call: one loss reason, symbolize_fd.
 */
static void count_fd_lost(struct tt_stackprof *sp, struct tt_report *r)
{
	struct tt_syms_stats st;
	struct tt_unwind_stats ust = { 0 };
	size_t total;

	tt_syms_get_stats(sp->syms, &st);
	if (sp->uw)
		tt_unwind_get_stats(sp->uw, &ust);
	total = st.fd_lost + (size_t)ust.fd_lost;
	r->lost[TT_LOST_SYMBOLIZE_FD] += total - sp->fd_lost;
	sp->fd_lost = total;
}

int tt_stackprof_collect(struct tt_stackprof *sp, struct tt_report *r)
{
	const char **frames = calloc(MAX_FRAMES, sizeof(*frames));
	struct tt_stack_key key, next, *prevp = NULL;
	struct prev_total *deltas = NULL;	/* (key, increase) of this report */
	struct merged **list = NULL;
	size_t n = 0, cap = 0, nd = 0, dcap = 0, i;
	void *tree = NULL;
	struct tt_profile *p;
	int ret = 0, fd = bpf_map__fd(sp->counts);

	p = tt_report_add_profile(r, sp->name, sp->unit);
	if (!p || !frames) {
		free(frames);
		return -ENOMEM;
	}
	tt_syms_next_report(sp->syms);	/* the session drained new pids just before */
	count_fd_lost(sp, r);
	/* the increases first, the stacks after: a key is added after its stacks */
	while (!ret && !bpf_map_get_next_key(fd, prevp, &next)) {
		uint64_t total, delta;

		key = next;
		prevp = &key;
		if (bpf_map_lookup_elem(fd, &key, &total))
			continue;	/* never deleted: cannot vanish, but be safe */
		ret = tt_stack_delta(&sp->deltas, &key, total, &delta);
		if (ret || !delta)
			continue;
		if (nd == dcap) {
			struct prev_total *nv = realloc(deltas, (dcap ? dcap * 2 : 256) * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			deltas = nv;
			dcap = dcap ? dcap * 2 : 256;
		}
		deltas[nd++] = (struct prev_total){ .key = key, .value = delta };
	}
	if (!ret && sp->spans)
		ret = add_inflight(sp, &deltas, &nd, &dcap);
	ret = ret ?: read_stacks(sp);
	for (i = 0; !ret && i < nd; i++) {
		size_t nf = tt_stackprof_frames(sp, &deltas[i].key, frames, MAX_FRAMES);

		ret = add_merged(&tree, &list, &n, &cap, frames, nf, deltas[i].value);
	}
	if (!ret && sp->uw) {
		struct take_unwound t = { sp, frames, &tree, &list, &n, &cap };

		ret = tt_unwind_take(sp->uw, add_unwound, &t);
	}
	free(deltas);
	qsort(list, n, sizeof(*list), cmp_by_value);
	for (i = 0; i < n; i++) {
		struct merged *m = list[i];
		uint64_t v = (m->value + sp->divisor / 2) / sp->divisor;
		size_t k = 0;
		char *s = m->joined, *e;

		if (!ret && v) {
			for (; (e = strchr(s, '\n')) && k < MAX_FRAMES; s = e + 1) {
				*e = 0;
				frames[k++] = s;
			}
			ret = tt_profile_add_stack(p, k, frames, v);
		}
	}
	tdestroy(tree, free_merged_nothing);
	for (i = 0; i < n; i++) {
		free(list[i]->joined);
		free(list[i]);
	}
	free(list);
	free(frames);
	free(sp->by_id);	/* read again at the next report */
	sp->by_id = NULL;
	sp->nby_id = 0;
	/* what failed while naming this report's frames counts in this report */
	count_fd_lost(sp, r);
	/*
	 * The report's temporary trees and stack array are freed, and an
	 * unwinder's Dwfl's caches at times: hand their pages back, or the
	 * heap keeps its highest level behind a few chunks still in use.
	 */
	malloc_trim(0);
	return ret;
}
