// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool requests`: per-request latency of HTTP/1.x servers and
 * clients and request/response turns of other TCP services, from the
 * per-syscall tracepoints (bpf/requests.bpf.c).  The kernel sends one
 * compact record per finished request through a ring buffer; this file
 * normalises routes (user/http.c), bounds their number per service and
 * aggregates latency histograms per series (user/agg.c).  Every report
 * first has the kernel finish idle responses and drains the ring buffer,
 * so interval reports partition the requests exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "commands.h"
#include "registry.h"
#include "http.h"
#include "labels.h"
#include "tracetool/requests.h"
#include "requests.skel.h"	/* after the header: it names its structs */

#define IDLE_NS (500ULL * 1000 * 1000)	/* a response idle this long is finished */

static const char requests_description[] =
	"Per-request latency of backends, with no change to the application: HTTP/1.x\n"
	"servers (method, route, status) and clients (method, status, server address and\n"
	"port), Redis servers (command) and PostgreSQL servers (statement's first keyword),\n"
	"and request/response turns of other TCP services (first inbound bytes to first\n"
	"outbound bytes), measured at the socket tracepoints sock_recv_length and\n"
	"sock_send_length (tp_btf; state in socket storage, so forking servers, dup and\n"
	"passed descriptors are followed), or with --hook tracepoint at the exits of the\n"
	"syscalls that move socket data. A server request runs from the read that\n"
	"returned its first bytes to the last write of its response; routes have numeric,\n"
	"hex and UUID segments collapsed to :id, and query strings are cut in the kernel.\n";

static const char requests_examples[] =
	"  tracetool requests -c nginx -d 30             # nginx latency by route and status\n"
	"  tracetool requests -p 1234 -i 10              # one service, a report every 10 s\n"
	"  tracetool requests --port 5432 -d 60          # statements of a PostgreSQL server\n"
	"  tracetool requests --events -c myapp          # each request as it completes\n"
	"  tracetool requests -f json -o req.json -- ./load-test.sh\n";

enum {
	OPT_EVENTS = TT_OPT_CMD,
	OPT_PORT,
	OPT_NO_TCP,
	OPT_NO_HTTP,
	OPT_MAX_ROUTES,
	OPT_MAX_CONNS,
	OPT_MAX_EVENTS,
};

static const struct tt_optdef requests_opts[] = {
	{ "events", 0, NULL, OPT_EVENTS, "also print each request as it completes (text: one line\n"
	  "each, live; json: the report's events)", NULL },
	TT_OPTDEF_PORT(OPT_PORT),
	{ "no-tcp", 0, NULL, OPT_NO_TCP, "HTTP only: do not time other TCP services", NULL },
	{ "no-http", 0, NULL, OPT_NO_HTTP, "other TCP services only (HTTP is timed as plain TCP)",
	  NULL },
	{ "max-routes", 0, "N", OPT_MAX_ROUTES, "distinct routes kept per comm and local port (default\n"
	  "100); past that, requests count under the route _other", "1-100000" },
	TT_OPTDEF_MAX_EVENTS(OPT_MAX_EVENTS),
	{ "max-conns", 0, "N", OPT_MAX_CONNS, "connections tracked by the tracepoint fallback\n"
	  "(default 8192, LRU; the socket path keeps state with each socket)",
	  "1-4194304" },
	{ 0 },
};

/* Exits the one data program is attached to besides its own section's (sys_exit_read). */
static const char *const data_exits[] = {
	"sys_exit_recvfrom", "sys_exit_readv", "sys_exit_recvmsg", "sys_exit_write",
	"sys_exit_sendto", "sys_exit_writev", "sys_exit_sendmsg", "sys_exit_sendfile64",
};
#define NDATA_EXITS (sizeof(data_exits) / sizeof(data_exits[0]))

/*
 * The server series of the last record and the record fields it came
 * from: under keep-alive load, records repeat (same process, method,
 * route, status), and a repeat skips route normalisation, labels and the
 * series lookup.  Only set for routes admitted by name (an _other record
 * must count in the route limit's overflows).
 */
struct srv_last {
	struct tt_agg_entry *entry;	/* NULL: nothing cached */
	char comm[TT_COMM_LEN];
	char route[TT_REQ_ROUTE_LEN];
	__u16 status, lport;
	__u8 method, route_len, cut;
};

struct requests_tool {
	struct requests_bpf *skel;
	enum tt_hook hook;		/* TT_HOOK_TP_BTF: socket path; TT_HOOK_TRACEPOINT: syscalls */
	struct bpf_link *exit_links[NDATA_EXITS];
	struct bpf_link *flush_iter;	/* socket path: the flush iterator over sk_conns */
	__u64 unclassified;		/* socket data with no user buffer, cumulative */
	struct tt_requests_config cfg;
	struct ring_buffer *rb;
	bool events;
	unsigned long port, max_routes, max_conns;
	unsigned long max_events;	/* per report; more are counted as lost ringbuf */
	unsigned long events_dropped;	/* since the last collect */
	struct tt_route_limit *routes;
	struct tt_agg *server, *client, *tcp, *redis, *pg;
	struct tt_report *sink;		/* where events go (the session's pending list) */
	int err;			/* first error of the ring-buffer callback */
	int added;			/* events added by the current drain */
	struct srv_last last;		/* see struct srv_last */
};

/* One port: the kernel side compares one (tcp takes up to 8 with the same option). */
static int add_port(void *ctx, const char *item, struct tt_error *err)
{
	struct requests_tool *t = ctx;
	unsigned long port;

	if (tt_parse_uint(item, 65535, &port))
		return tt_error_set(err, -EINVAL, true, "--port: '%s' is not a port (1-65535)", item);
	if (t->port && t->port != port)
		return tt_error_set(err, -EINVAL, true, "--port: requests takes one port");
	t->port = port;
	return 0;
}

static int requests_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct requests_tool *t = ctx;

	switch (key) {
	case OPT_EVENTS:
		t->events = true;
		return 0;
	case OPT_PORT:
		return tt_cli_each_item(arg, add_port, t, err);
	case OPT_NO_TCP:
		t->cfg.tcp = 0;
		return 0;
	case OPT_NO_HTTP:
		t->cfg.http = 0;
		return 0;
	case OPT_MAX_ROUTES:
		if (tt_parse_uint(arg, 100000, &t->max_routes))
			return tt_error_set(err, -EINVAL, true, "--max-routes: '%s' is not a count",
					    arg);
		return 0;
	case OPT_MAX_EVENTS:
		if (tt_parse_uint(arg, 1UL << 30, &t->max_events))
			return tt_error_set(err, -EINVAL, true, "--max-events: '%s' is not a count", arg);
		return 0;
	case OPT_MAX_CONNS:
		if (tt_parse_uint(arg, 1 << 22, &t->max_conns))
			return tt_error_set(err, -EINVAL, true, "--max-conns: '%s' is not a count",
					    arg);
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

static struct bpf_object *requests_open(void *priv, enum tt_hook hook,
					const struct tt_common_opts *o,
					const struct tt_filter *filter)
{
	struct requests_tool *t = priv;
	int ret;

	size_t i;

	t->hook = hook;
	t->skel = requests_bpf__open();
	if (!t->skel)
		return NULL;
	t->cfg.filter = *filter;
	/*
	 * A short, fixed -p list goes into .rodata: the data program compares
	 * it before anything else, instead of a tt_pids lookup per call.
	 */
	t->cfg.npids = 0;
	if (filter->filter_pids && !filter->follow_forks && o->npids <= TT_REQ_FAST_PIDS) {
		for (i = 0; i < o->npids; i++)
			if ((__u32)o->pids[i] != filter->self_tgid)
				t->cfg.pids[t->cfg.npids++] = (__u32)o->pids[i];
		if (t->cfg.npids) {
			t->cfg.filter.filter_pids = 0;
			t->cfg.filter.self_tgid = 0;	/* not in the list */
		}
	}
	t->cfg.port = (__u16)t->port;
	/* this architecture's numbers of the data calls, for the one exit program */
	t->cfg.call[SYS_read] = TT_CALL_READ;
	t->cfg.call[SYS_recvfrom] = TT_CALL_RECVFROM;
	t->cfg.call[SYS_readv] = TT_CALL_READV;
	t->cfg.call[SYS_recvmsg] = TT_CALL_RECVMSG;
	t->cfg.call[SYS_write] = TT_CALL_WRITE;
	t->cfg.call[SYS_sendto] = TT_CALL_WRITE;
	t->cfg.call[SYS_writev] = TT_CALL_WRITEV;
	t->cfg.call[SYS_sendmsg] = TT_CALL_SENDMSG;
	t->cfg.call[SYS_sendfile] = TT_CALL_SENDFILE;
	t->cfg.wake_bytes = bpf_map__max_entries(t->skel->maps.events) / 4;
	/* events are per request; the fallback's LRU may evict a state with a batch waiting */
	t->cfg.batch = hook == TT_HOOK_TP_BTF && !t->events;
	t->skel->rodata->cfg = t->cfg;
	ret = bpf_map__set_max_entries(t->skel->maps.conns, (__u32)t->max_conns);
	/* each path creates only its own state maps */
	ret = ret ?: bpf_map__set_autocreate(t->skel->maps.conns, hook != TT_HOOK_TP_BTF);
	ret = ret ?: bpf_map__set_autocreate(t->skel->maps.sk_conns, hook == TT_HOOK_TP_BTF);
	ret = ret ?: bpf_map__set_autocreate(t->skel->maps.sk_roles, hook == TT_HOOK_TP_BTF);
	if (ret) {
		requests_bpf__destroy(t->skel);
		t->skel = NULL;
		errno = -ret;
		return NULL;
	}
	return t->skel->obj;
}

static int requests_load(void *priv)
{
	struct requests_tool *t = priv;
	bool sock = t->hook == TT_HOOK_TP_BTF;

	/*
	 * The session chose the hook programs; the other programs of each
	 * path are not hooks of the offered kinds, so they are chosen here
	 * (after the session's choice, before load).
	 */
	bpf_program__set_autoload(t->skel->progs.tcp_destroy_sock, !sock);
	bpf_program__set_autoload(t->skel->progs.flush, !sock);
	bpf_program__set_autoload(t->skel->progs.flush_sk, sock);
	bpf_program__set_autoattach(t->skel->progs.flush_sk, false);
	return requests_bpf__load(t->skel);
}

static int on_record(void *ctx, void *data, size_t size);

static int requests_attach(void *priv)
{
	struct requests_tool *t = priv;
	size_t i;
	int ret;

	ret = requests_bpf__attach(t->skel);
	if (ret)
		return ret;
	if (t->hook == TT_HOOK_TP_BTF) {
		union bpf_iter_link_info info = {
			.map.map_fd = (__u32)bpf_map__fd(t->skel->maps.sk_conns),
		};
		LIBBPF_OPTS(bpf_iter_attach_opts, io, .link_info = &info,
			    .link_info_len = sizeof(info));

		t->flush_iter = bpf_program__attach_iter(t->skel->progs.flush_sk, &io);
		if (!t->flush_iter)
			return -errno;
	}
	for (i = 0; t->hook != TT_HOOK_TP_BTF && i < NDATA_EXITS; i++) {
		t->exit_links[i] = bpf_program__attach_tracepoint(t->skel->progs.sys_exit_data,
								  "syscalls", data_exits[i]);
		if (!t->exit_links[i])
			return -errno;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	if (!t->rb)
		return -errno;
	return 0;
}

static int requests_event_fd(void *priv)
{
	struct requests_tool *t = priv;

	return t->rb ? ring_buffer__epoll_fd(t->rb) : -1;
}

static void requests_close(void *priv)
{
	struct requests_tool *t = priv;

	size_t i;

	ring_buffer__free(t->rb);
	t->rb = NULL;
	bpf_link__destroy(t->flush_iter);
	t->flush_iter = NULL;
	for (i = 0; i < NDATA_EXITS; i++) {
		bpf_link__destroy(t->exit_links[i]);
		t->exit_links[i] = NULL;
	}
	requests_bpf__destroy(t->skel);
	t->skel = NULL;
}

/* --- records -> labels ------------------------------------------------------ */

/* One event for --events; fields named like the metric labels. 0 or -errno. */
static int add_event(struct requests_tool *t, const struct tt_req_event *e, const char *method,
		     const char *route, const char *status, const char *addr, const char *port)
{
	struct timespec ts = tt_ktime_to_realtime(e->end_ns);
	struct tt_report *sink = t->sink;
	struct tt_event *ev;
	char comm[TT_COMM_LEN + 1];
	int ret;

	if (!sink)
		return 0;
	/* bounded memory: the pending events of a long JSON run wait for its report */
	if (sink->nevents >= t->max_events) {
		t->events_dropped++;
		return 0;
	}
	snprintf(comm, sizeof(comm), "%.*s", TT_COMM_LEN, e->comm);
	ev = tt_report_add_event(sink, e->kind == TT_REQ_TCP		? "tcp_request" :
				       e->kind == TT_REQ_REDIS		? "redis_request" :
				       e->kind == TT_REQ_POSTGRESQL	? "postgresql_request" :
									  "http_request",
				 &ts);
	if (!ev)
		return -ENOMEM;
	ret = tt_event_add_num(ev, "pid", e->tgid);
	ret = ret ?: tt_event_add_str(ev, "comm", comm);
	if (e->kind == TT_REQ_TCP) {
		ret = ret ?: tt_event_add_str(ev, "port", port);
	} else if (e->kind == TT_REQ_REDIS || e->kind == TT_REQ_POSTGRESQL) {
		/* the command or operation comes as `route` */
		ret = ret ?: tt_event_add_str(ev, e->kind == TT_REQ_REDIS ? "command" : "operation",
					      route);
		ret = ret ?: tt_event_add_str(ev, "server_port", port);
	} else {
		ret = ret ?: tt_event_add_str(ev, "side",
					      e->kind == TT_REQ_HTTP_CLIENT ? "client" : "server");
		ret = ret ?: tt_event_add_str(ev, "http_request_method", method);
		if (route)
			ret = ret ?: tt_event_add_str(ev, "http_route", route);
		ret = ret ?: tt_event_add_str(ev, "http_response_status_code", status);
		if (addr)
			ret = ret ?: tt_event_add_str(ev, "server_address", addr);
		ret = ret ?: tt_event_add_str(ev, "server_port", port);
	}
	ret = ret ?: tt_event_add_num(ev, "duration_seconds", (double)e->duration_ns * 1e-9);
	if (!ret)
		t->added++;
	return ret;
}

static bool srv_last_hit(const struct srv_last *l, const struct tt_req_event *e, size_t rlen,
			 bool cut)
{
	return l->entry && l->status == e->status && l->method == e->method &&
	       l->lport == e->lport &&
	       l->route_len == rlen && l->cut == cut && !memcmp(l->comm, e->comm, TT_COMM_LEN) &&
	       !memcmp(l->route, e->route, rlen);
}

static void srv_last_set(struct srv_last *l, struct tt_agg_entry *entry,
			 const struct tt_req_event *e, size_t rlen, bool cut)
{
	l->entry = entry;
	l->status = e->status;
	l->lport = e->lport;
	l->method = e->method;
	l->route_len = (__u8)rlen;
	l->cut = cut;
	memcpy(l->comm, e->comm, TT_COMM_LEN);
	memcpy(l->route, e->route, rlen);
}

/* The n latencies dur[0..n) into one series: its labels are resolved once. */
static int record_into(struct tt_agg_entry *ent, const __u64 *dur, __u32 n)
{
	int ret = 0;
	__u32 i;

	if (!ent)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = tt_agg_entry_record(ent, dur[i]);
	return ret;
}

/*
 * n requests or turns with the labels of e and the latencies dur[0..n)
 * (a batch record; a single one is n = 1, dur = &e->duration_ns, the only
 * case with --events).
 */
static int record(struct requests_tool *t, const struct tt_req_event *e, const __u64 *dur, __u32 n)
{
	char route[TT_ROUTE_MAX];
	size_t rlen = e->route_len < TT_REQ_ROUTE_LEN ? e->route_len : TT_REQ_ROUTE_LEN;
	struct tt_agg_entry *ent;
	struct tt_req_labels l;
	const char *r;
	int ret;

	if (e->kind == TT_REQ_HTTP_SERVER) {
		bool cut = e->flags & (TT_REQ_F_TRUNCATED | TT_REQ_F_ROUTE_OPEN);

		if (!t->events && srv_last_hit(&t->last, e, rlen, cut))
			return record_into(t->last.entry, dur, n);
		tt_req_labels(e, &l);
		tt_http_route_normalize(e->route, rlen, cut, route, sizeof(route));
		/* a route budget per (comm, server_port): two servers do not share one */
		r = tt_route_limit_admit(t->routes, l.service, route);
		if (!r)
			return -ENOMEM;
		ent = tt_agg_get(t->server,
				 (const char *const[]){ l.comm, l.method, r, l.status, l.port });
		ret = record_into(ent, dur, n);
		if (!ret && r == route)
			srv_last_set(&t->last, ent, e, rlen, cut);
		if (!ret && t->events)
			ret = add_event(t, e, l.method, r, l.status, NULL, l.port);
		return ret;
	}
	tt_req_labels(e, &l);
	switch (e->kind) {
	case TT_REQ_HTTP_CLIENT:
		ent = tt_agg_get(t->client, (const char *const[]){ l.comm, l.method, l.status, l.addr, l.port });
		ret = record_into(ent, dur, n);
		if (!ret && t->events)
			ret = add_event(t, e, l.method, NULL, l.status, l.addr, l.port);
		return ret;
	case TT_REQ_TCP:
		ret = record_into(tt_agg_get(t->tcp, (const char *const[]){ l.comm, l.port }), dur, n);
		if (!ret && t->events)
			ret = add_event(t, e, NULL, NULL, NULL, NULL, l.port);
		return ret;
	case TT_REQ_REDIS:
	case TT_REQ_POSTGRESQL: {
		char word[TT_REQ_WIRE_LABEL];

		/* distinct words per (comm, server_port) share the route budget */
		r = tt_route_limit_admit(t->routes, l.service, tt_req_wire_label(e, word));
		if (!r)
			return -ENOMEM;
		ent = tt_agg_get(e->kind == TT_REQ_REDIS ? t->redis : t->pg,
				 (const char *const[]){ l.comm, r, l.port });
		ret = record_into(ent, dur, n);
		if (!ret && t->events)
			ret = add_event(t, e, NULL, r, NULL, NULL, l.port);
		return ret;
	}
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct requests_tool *t = ctx;
	int ret;

	if (size < sizeof(struct tt_req_event))
		return 0;
	if (size >= sizeof(struct tt_req_batch_event)) {
		const struct tt_req_batch_event *b = data;

		ret = record(t, &b->e, b->dur, b->n < TT_REQ_BATCH ? b->n : TT_REQ_BATCH);
	} else {
		const struct tt_req_event *e = data;

		ret = record(t, e, &e->duration_ns, 1);
	}
	if (ret && !t->err)
		t->err = ret;
	return 0;
}

/*
 * Have the kernel finish responses idle for idle_ns (0: every started
 * one), then take every waiting record.  Returns the events added to
 * t->sink, or -errno.
 */
static int flush(struct requests_tool *t, __u64 idle_ns)
{
	struct tt_req_flush_args args = { .idle_ns = idle_ns };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	char buf[64];
	ssize_t n;
	int fd;

	if (!t->flush_iter)
		return bpf_prog_test_run_opts(bpf_program__fd(t->skel->progs.flush), &opts) ? -errno : 0;
	/* socket path: one pass of the iterator (it prints nothing; read to its end) */
	t->skel->bss->flush_idle_ns = idle_ns;
	fd = bpf_iter_create(bpf_link__fd(t->flush_iter));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static int pull(struct requests_tool *t, __u64 idle_ns)
{
	int ret;

	ret = flush(t, idle_ns);
	if (ret)
		return ret;
	t->added = 0;
	ret = ring_buffer__consume(t->rb);
	if (ret < 0)
		return ret;
	if (t->err) {
		ret = t->err;
		t->err = 0;
		return ret;
	}
	return t->added;
}

static int requests_drain(void *priv, struct tt_report *sink)
{
	struct requests_tool *t = priv;

	t->sink = sink;
	return pull(t, IDLE_NS);
}

/* The report's filters (--port, --no-http, --no-tcp), so a saved report says what it covers. */
static int describe_filters(const struct requests_tool *t, struct tt_report *r)
{
	char buf[16];
	int ret = 0;

	if (t->port) {
		snprintf(buf, sizeof(buf), "%lu", t->port);
		ret = tt_report_add_filter(r, "port", buf);
	}
	if (!ret && !t->cfg.http)
		ret = tt_report_add_filter(r, "http", "off");
	if (!ret && !t->cfg.tcp)
		ret = tt_report_add_filter(r, "tcp", "off");
	return ret;
}

/*
 * tracetool_requests_unclassified_total: socket data of traced processes
 * that needed classifying but had no user buffer to read (io_uring,
 * splice; socket path only), or whose connection's state another call
 * held all along (two threads on one connection at once, the holder
 * interrupted), as the increase since the last collect.
 */
static int add_unclassified(struct requests_tool *t, struct tt_report *r)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct tt_family *f;
	struct tt_series *s;
	__u64 *v, sum = 0;
	__u32 zero = 0;

	f = tt_report_add_family(r, "tracetool_requests_unclassified_total",
				 "Socket reads and writes of traced processes with no user buffer to "
				 "classify (io_uring, splice) or that met another call holding their "
				 "connection's state: requests there are not counted.", "",
				 TT_METRIC_COUNTER, 0, NULL);
	if (!f)
		return -ENOMEM;
	if (ncpu <= 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(t->skel->maps.unclassified, &zero, sizeof(zero), v,
				 sizeof(*v) * (size_t)ncpu, 0)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	free(v);
	if (sum > t->unclassified) {
		s = tt_family_add_series(f, NULL);
		if (!s)
			return -ENOMEM;
		s->value = (double)(sum - t->unclassified);
	}
	t->unclassified = sum;
	return 0;
}

static int requests_collect(void *priv, struct tt_report *r)
{
	static const char *const srv_labels[] = { "comm", "http_request_method", "http_route",
						  "http_response_status_code", "server_port" };
	static const char *const cli_labels[] = { "comm", "http_request_method",
						  "http_response_status_code", "server_address",
						  "server_port" };
	static const char *const tcp_labels[] = { "comm", "port" };
	static const char *const redis_labels[] = { "comm", "command", "server_port" };
	static const char *const pg_labels[] = { "comm", "operation", "server_port" };
	struct requests_tool *t = priv;
	struct tt_family *srv, *cli, *tcp, *redis, *pg;
	int ret;

	ret = describe_filters(t, r);
	if (ret)
		return ret;
	if (t->sink) {
		ret = pull(t, 0);	/* every started response, so the report is exact */
	} else {		/* no drain yet: events go straight into this report */
		t->sink = r;
		ret = pull(t, 0);
		t->sink = NULL;
	}
	if (ret < 0)
		return ret;
	srv = tt_report_add_family(r, "http_server_request_duration_seconds",
				   "Server request latency: first bytes of the request read to the "
				   "last write of its response.", "seconds", TT_METRIC_HISTOGRAM, 5,
				   srv_labels);
	cli = tt_report_add_family(r, "http_client_request_duration_seconds",
				   "Client request latency: first bytes of the request written to the "
				   "last read of its response.", "seconds", TT_METRIC_HISTOGRAM, 5,
				   cli_labels);
	tcp = tt_report_add_family(r, "tracetool_tcp_request_duration_seconds",
				   "Non-HTTP TCP service turn: first inbound bytes to first outbound "
				   "bytes.", "seconds", TT_METRIC_HISTOGRAM, 2, tcp_labels);
	redis = tt_report_add_family(r, "tracetool_redis_request_duration_seconds",
				     "Redis command (server side): first inbound bytes of the command "
				     "to the first bytes of its reply.", "seconds",
				     TT_METRIC_HISTOGRAM, 3, redis_labels);
	pg = tt_report_add_family(r, "tracetool_postgresql_request_duration_seconds",
				  "PostgreSQL statement (server side): first inbound bytes of the "
				  "Query, Parse, Bind, Execute or FunctionCall message to the first "
				  "bytes of the answer.", "seconds", TT_METRIC_HISTOGRAM, 3, pg_labels);
	if (!srv || !cli || !tcp || !redis || !pg)
		return -ENOMEM;
	ret = add_unclassified(t, r);
	if (ret)
		return ret;
	r->lost[TT_LOST_RINGBUF] += t->events_dropped;	/* --max-events */
	t->events_dropped = 0;
	ret = tt_agg_fill(t->server, srv, 1e-9);
	ret = ret ?: tt_agg_fill(t->client, cli, 1e-9);
	ret = ret ?: tt_agg_fill(t->tcp, tcp, 1e-9);
	ret = ret ?: tt_agg_fill(t->redis, redis, 1e-9);
	ret = ret ?: tt_agg_fill(t->pg, pg, 1e-9);
	if (!ret) {	/* the session keeps the totals: each collect starts afresh */
		t->last.entry = NULL;	/* the series it points to goes */
		tt_agg_clear(t->server);
		tt_agg_clear(t->client);
		tt_agg_clear(t->tcp);
		tt_agg_clear(t->redis);
		tt_agg_clear(t->pg);
	}
	return ret;
}

static const enum tt_hook requests_hooks[] = { TT_HOOK_TP_BTF, TT_HOOK_TRACEPOINT, TT_HOOK_NR };

static const struct tt_tracer_ops requests_ops = {
	.name = "requests",
	.hooks = requests_hooks,
	.open = requests_open,
	.load = requests_load,
	.attach = requests_attach,
	.collect = requests_collect,
	.event_fd = requests_event_fd,
	.drain = requests_drain,
	.close = requests_close,
};

static void requests_destroy(void *priv)
{
	struct requests_tool *t = priv;

	tt_route_limit__free(t->routes);
	tt_agg__free(t->server);
	tt_agg__free(t->client);
	tt_agg__free(t->tcp);
	tt_agg__free(t->redis);
	tt_agg__free(t->pg);
	free(t);
}

static void *requests_create(void)
{
	struct requests_tool *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg.http = 1;
	t->cfg.tcp = 1;
	t->server = tt_agg__new(5);
	t->client = tt_agg__new(5);
	t->tcp = tt_agg__new(2);
	t->redis = tt_agg__new(3);
	t->pg = tt_agg__new(3);
	if (!t->server || !t->client || !t->tcp || !t->redis || !t->pg) {
		requests_destroy(t);
		return NULL;
	}
	return t;
}

static int requests_check(void *priv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct requests_tool *t = priv;

	(void)o;
	if (!t->cfg.http && !t->cfg.tcp)
		return tt_error_set(err, -EINVAL, true,
				    "--no-tcp and --no-http leave nothing to trace");
	if (!t->max_routes)
		t->max_routes = 100;
	if (!t->max_conns)
		t->max_conns = 8192;
	if (!t->max_events)
		t->max_events = 100000;
	t->routes = tt_route_limit__new(t->max_routes);
	return t->routes ? 0 : tt_error_set(err, -ENOMEM, false, "out of memory");
}

static void requests_finish(void *priv, const struct tt_common_opts *o, bool failed)
{
	struct requests_tool *t = priv;

	(void)failed;
	if (o->verbose)
		fprintf(stderr, "tracetool requests: %lu route(s) folded into _other\n",
			tt_route_limit_overflows(t->routes));
}

const struct tt_tracer_def tt_requests_tracer = {
	.name = "requests",
	.summary = "per-request latency: HTTP/1.x server and client, Redis, PostgreSQL, other TCP",
	.description = requests_description,
	.examples = requests_examples,
	.opts = requests_opts,
	.ops = &requests_ops,
	.create = requests_create,
	.opt = requests_opt,
	.check = requests_check,
	.finish = requests_finish,
	.destroy = requests_destroy,
};
