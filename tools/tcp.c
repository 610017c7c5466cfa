// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool tcp`: TCP retransmits, resets, connect latency and smoothed RTT
 * from tracepoints.  This file holds the command's options, fills the BPF
 * configuration (flow filters applied in the kernel), turns map keys into
 * labels and ring-buffer records into report events; the session does the
 * rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "cells.h"
#include "commands.h"
#include "labels.h"
#include "registry.h"
#include "tracetool/tcp.h"
#include "tcp.skel.h"	/* after the header: it names its structs */

static const char tcp_description[] =
	"TCP retransmits, resets sent and received, connect latency and (with --rtt)\n"
	"smoothed RTT, from the tcp:* and sock:inet_sock_set_state tracepoints (tp_btf,\n"
	"falling back to raw_tp). Text output prints one line per retransmit and reset\n"
	"as it happens, then a summary; -f json puts them in the report's events.\n"
	"\n"
	"Counters and histograms are exact even when events are dropped (lost ringbuf).\n"
	"Retransmits count segments, like RetransSegs in /proc/net/snmp (SYN-ACK\n"
	"retransmits included); attempts the kernel failed to send are counted apart.\n"
	"\n"
	"Filters on the flow (--port, --laddr, --raddr) are applied in the kernel.\n"
	"Filters on the process (-p, -c, --cgroup, -- CMD) apply to the socket's owner:\n"
	"the process that called connect() while tracetool ran (with --owner-io also\n"
	"the first one to send or receive on a socket without one). Retransmits fire in\n"
	"softirq context, so the task running at that moment says nothing. With any of\n"
	"these, sockets without a known owner (accepted sockets unless --owner-io,\n"
	"sockets connected before tracing began, resets answering segments that have\n"
	"no socket) are left out. Events carry pid and comm only when the owner is known.\n";

static const char tcp_examples[] =
	"  tracetool tcp                                # retransmits and resets, live\n"
	"  tracetool tcp --port 443 -d 60 -f json       # one service, one minute, JSON\n"
	"  tracetool tcp --raddr 10.0.0.7 --rtt -i 10   # one peer: RTT every 10 s\n"
	"  tracetool tcp --owner-io -p $(pidof -s nginx)  # a server's sockets too\n"
	"  tracetool tcp --no-events -- curl -s https://example.org/\n";

enum {
	OPT_PORT = TT_OPT_CMD,
	OPT_LADDR,
	OPT_RADDR,
	OPT_RTT,
	OPT_NO_EVENTS,
	OPT_MAX_CELLS,
	OPT_OWNER_IO,
	OPT_MAX_EVENTS,
	OPT_MAX_SERIES,
};

static const struct tt_optdef tcp_opts[] = {
	TT_OPTDEF_PORT(OPT_PORT),
	{ "laddr", 0, "ADDR", OPT_LADDR, "local IPv4 or IPv6 address", NULL },
	{ "raddr", 0, "ADDR", OPT_RADDR, "remote IPv4 or IPv6 address", NULL },
	{ "rtt", 0, NULL, OPT_RTT, "smoothed RTT histogram per remote endpoint (tcp_probe: runs\n"
	  "on every received segment; narrow it with --port/--raddr)", NULL },
	{ "owner-io", 0, NULL, OPT_OWNER_IO, "learn the owner of accepted and older sockets from "
	  "their\nfirst send or receive (a map lookup per send/recv call)", NULL },
	{ "no-events", 0, NULL, OPT_NO_EVENTS, "counters and histograms only, no per-event lines",
	  NULL },
	TT_OPTDEF_MAX_EVENTS(OPT_MAX_EVENTS),
	TT_OPTDEF_MAX_SERIES(OPT_MAX_SERIES),
	TT_OPTDEF_MAX_CELLS(OPT_MAX_CELLS),
	{ 0 },
};

struct tcp_tool {
	struct tcp_bpf *skel;
	struct tt_tcp_config cfg;
	bool rtt;
	bool owner_io;
	unsigned long max_cells, max_series;
	unsigned long max_events;	/* per report; more are counted as lost ringbuf */
	uint64_t events_dropped;	/* since the last report */
	const char *laddr, *raddr;	/* as given, for the report's filters */
	struct tt_store store;
	struct tt_series_keys keys;
	struct ring_buffer *rb;
	struct tt_report *sink;		/* where the ring buffer callback adds events */
	int drained;
	int drain_err;
};

static int add_port(void *ctx, const char *item, struct tt_error *err)
{
	struct tcp_tool *t = ctx;
	unsigned long port;

	if (tt_parse_uint(item, 65535, &port))
		return tt_error_set(err, -EINVAL, true, "--port: '%s' is not a port (1-65535)", item);
	if (t->cfg.nports >= TT_TCP_MAX_PORTS)
		return tt_error_set(err, -EINVAL, true, "--port: at most %d ports", TT_TCP_MAX_PORTS);
	t->cfg.ports[t->cfg.nports++] = (__u16)port;
	return 0;
}

/* An IPv4 or IPv6 address in the layout of struct flow (IPv4-mapped -> IPv4). */
static int parse_addr(const char *opt, const char *s, __u8 *family, __u8 addr[16],
		      struct tt_error *err)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = TT_TCP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

		*family = TT_TCP_AF_INET6;
		if (!memcmp(addr, mapped, sizeof(mapped))) {
			memmove(addr, addr + 12, 4);
			memset(addr + 4, 0, 12);
			*family = TT_TCP_AF_INET;
		}
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "%s: '%s' is not an IPv4 or IPv6 address", opt, s);
}

static int tcp_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct tcp_tool *t = ctx;

	switch (key) {
	case OPT_PORT:
		return tt_cli_each_item(arg, add_port, t, err);
	case OPT_LADDR:
		t->laddr = arg;
		t->cfg.filter_laddr = 1;
		return parse_addr("--laddr", arg, &t->cfg.laddr_family, t->cfg.laddr, err);
	case OPT_RADDR:
		t->raddr = arg;
		t->cfg.filter_raddr = 1;
		return parse_addr("--raddr", arg, &t->cfg.raddr_family, t->cfg.raddr, err);
	case OPT_RTT:
		t->rtt = true;
		return 0;
	case OPT_NO_EVENTS:
		t->cfg.events = 0;
		return 0;
	case OPT_OWNER_IO:
		t->owner_io = true;
		return 0;
	case OPT_MAX_EVENTS:
		if (tt_parse_uint(arg, 1UL << 30, &t->max_events))
			return tt_error_set(err, -EINVAL, true, "--max-events: '%s' is not a count", arg);
		return 0;
	case OPT_MAX_CELLS:
		if (tt_parse_uint(arg, 1 << 24, &t->max_cells))
			return tt_error_set(err, -EINVAL, true, "--max-cells: '%s' is not a count", arg);
		return 0;
	case OPT_MAX_SERIES:
		/* syscalls' bound (its ids start higher): one range for the shared option */
		if (tt_parse_uint(arg, TT_SERIES_ID_MAX - TT_SYSCALL_NR_MAX, &t->max_series))
			return tt_error_set(err, -EINVAL, true, "--max-series: '%s' is not a count", arg);
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

static struct bpf_object *tcp_open(void *priv, enum tt_hook hook, const struct tt_common_opts *o,
				   const struct tt_filter *filter)
{
	struct tcp_tool *t = priv;
	int ret;

	(void)hook;
	t->skel = tcp_bpf__open();
	if (!t->skel)
		return NULL;
	/* counts and stats have room for every id; flows take half of the cells, _other the rest */
	t->cfg.max_series = (__u32)t->max_series;
	t->cfg.cells_limit = (__u32)t->max_cells / 2;
	ret = bpf_map__set_max_entries(t->skel->maps.series, (__u32)t->max_series);
	ret = ret ?: bpf_map__set_max_entries(t->skel->maps.counts,
					      TT_TCP_SERIES_BASE + (__u32)t->max_series);
	ret = ret ?: bpf_map__set_max_entries(t->skel->maps.stats,
					      TT_TCP_SERIES_BASE + (__u32)t->max_series);
	ret = ret ?: bpf_map__set_max_entries(t->skel->maps.cells, (__u32)t->max_cells);
	if (ret) {
		tcp_bpf__destroy(t->skel);
		t->skel = NULL;
		errno = -ret;
		return NULL;
	}
	t->cfg.filter = *filter;
	t->skel->rodata->cfg = t->cfg;
	t->store = (struct tt_store){ .cells = t->skel->maps.cells, .counts = t->skel->maps.counts,
				      .stats = t->skel->maps.stats, .fold = o->fold_slots };
	t->keys = (struct tt_series_keys){ .map = t->skel->maps.series,
					   .ksz = sizeof(struct tt_tcp_key),
					   .base = TT_TCP_SERIES_BASE, .max = t->max_series };
	return t->skel->obj;
}

/*
 * The RTT programs run on every received segment, the --owner-io ones on
 * every send and receive call: they load only when asked for.
 */
static int tcp_load(void *priv)
{
	struct tcp_tool *t = priv;

	if (!t->rtt) {
		bpf_program__set_autoload(t->skel->progs.tcp_probe_btf, false);
		bpf_program__set_autoload(t->skel->progs.tcp_probe_raw, false);
	}
	if (!t->owner_io) {
		bpf_program__set_autoload(t->skel->progs.sock_send_length_btf, false);
		bpf_program__set_autoload(t->skel->progs.sock_send_length_raw, false);
		bpf_program__set_autoload(t->skel->progs.sock_recv_length_btf, false);
		bpf_program__set_autoload(t->skel->progs.sock_recv_length_raw, false);
	}
	return tcp_bpf__load(t->skel);
}

static int on_record(void *ctx, void *data, size_t size);

/* Attach, and open the ring buffer reader (an error here is an error, not -1 later). */
static int tcp_attach(void *priv)
{
	struct tcp_tool *t = priv;
	int ret;

	ret = tcp_bpf__attach(t->skel);
	if (ret || !t->cfg.events)
		return ret;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	return t->rb ? 0 : -errno;
}


static int add_event(struct tcp_tool *t, const struct tt_tcp_event *e)
{
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN], comm[TT_COMM_LEN + 1];
	struct timespec ts = tt_ktime_to_realtime(e->ts);
	struct tt_event *ev;
	int ret;

	ev = tt_report_add_event(t->sink, e->kind == TT_TCP_RETRANS ? "tcp_retransmit" : "tcp_reset",
				 &ts);
	if (!ev)
		return -ENOMEM;
	tt_ip_label(saddr, sizeof(saddr), e->family, e->saddr);
	tt_ip_label(daddr, sizeof(daddr), e->family, e->daddr);
	ret = 0;
	if (e->kind != TT_TCP_RETRANS)
		ret = tt_event_add_str(ev, "direction",
				       e->kind == TT_TCP_RESET_SENT ? "sent" : "received");
	ret = ret ?: tt_event_add_str(ev, "saddr", saddr);
	ret = ret ?: tt_event_add_num(ev, "sport", e->sport);
	ret = ret ?: tt_event_add_str(ev, "daddr", daddr);
	ret = ret ?: tt_event_add_num(ev, "dport", e->dport);
	if (e->state)
		ret = ret ?: tt_event_add_str(ev, "state", tt_tcp_state_name(e->state));
	if (e->kind == TT_TCP_RETRANS)
		ret = ret ?: tt_event_add_num(ev, "segs", e->segs);
	if (e->has_owner) {
		snprintf(comm, sizeof(comm), "%.*s", TT_COMM_LEN, e->comm);
		ret = ret ?: tt_event_add_num(ev, "pid", e->pid);
		ret = ret ?: tt_event_add_str(ev, "comm", comm);
	}
	return ret;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct tcp_tool *t = ctx;
	int ret;

	if (size < sizeof(struct tt_tcp_event))
		return 0;
	/* bounded memory: the pending list of a long JSON run grows until its report */
	if (t->sink->nevents >= t->max_events) {
		t->events_dropped++;
		return 0;
	}
	ret = add_event(t, data);
	if (ret) {
		t->drain_err = ret;
		return ret;	/* stops ring_buffer__consume */
	}
	t->drained++;
	return 0;
}

static int tcp_event_fd(void *priv)
{
	struct tcp_tool *t = priv;

	return t->rb ? ring_buffer__epoll_fd(t->rb) : -1;
}

static int tcp_drain(void *priv, struct tt_report *sink)
{
	struct tcp_tool *t = priv;
	int ret;

	if (!t->rb)
		return 0;
	t->sink = sink;
	t->drained = 0;
	t->drain_err = 0;
	ret = ring_buffer__consume(t->rb);
	if (t->drain_err)
		return t->drain_err;
	return ret < 0 ? ret : t->drained;
}

static void tcp_close(void *priv)
{
	struct tcp_tool *t = priv;

	ring_buffer__free(t->rb);
	t->rb = NULL;
	tcp_bpf__destroy(t->skel);
	t->skel = NULL;
	tt_store_release(&t->store);
	tt_series_keys_release(&t->keys);
}

/* --- report --- */

struct families {
	struct tt_family *retrans, *rate, *failed, *resets, *conn_failed;	/* counters */
	struct tt_family *connect, *rtt;					/* histograms */
};

/*
 * The key of series `id`: a flow's, or for the overflow ids below
 * TT_TCP_SERIES_BASE the kind alone (*other set: the labels read _other).
 */
static const struct tt_tcp_key *series_key(const struct tcp_tool *t, __u32 id,
					   struct tt_tcp_key *buf, bool *other)
{
	const struct tt_tcp_key *k;

	*other = id < TT_TCP_SERIES_BASE;
	if (*other) {
		memset(buf, 0, sizeof(*buf));
		buf->kind = (__u8)id;
		return buf;
	}
	k = tt_series_keys_get(&t->keys, id);
	return k && k->family ? k : NULL;
}

/* Labels of key `k`, or of its kind's overflow series (`other`: every flow label reads _other). */
static void flow_labels(const struct tt_tcp_key *k, bool other, bool counter,
			struct tt_tcp_labels *l)
{
	if (counter)
		tt_tcp_counter_labels(k, l);
	else
		tt_tcp_peer_labels(k, l);
	if (other) {
		strcpy(l->saddr, "_other");
		strcpy(l->daddr, "_other");
		strcpy(l->dport, "_other");
	}
}

static int add_counters(const struct tcp_tool *t, const struct families *fam,
			const struct tt_snap *d, double duration)
{
	size_t i;

	for (i = 0; i < d->counts.n; i++) {
		double v = (double)d->counts.v[i].count;
		const struct tt_tcp_key *k;
		struct tt_tcp_labels l;
		struct tt_tcp_key buf;
		struct tt_family *f;
		struct tt_series *s;
		bool other;

		k = series_key(t, tt_cell_id(d->counts.v[i].key), &buf, &other);
		if (!k || k->kind == TT_TCP_CONNECT || k->kind == TT_TCP_RTT)
			continue;
		flow_labels(k, other, true, &l);
		f = k->kind == TT_TCP_RETRANS	     ? fam->retrans :
		    k->kind == TT_TCP_RETRANS_FAILED ? fam->failed :
		    k->kind == TT_TCP_CONNECT_FAILED ? fam->conn_failed :
						       fam->resets;
		s = tt_family_add_series(f, l.v);
		if (!s)
			return -ENOMEM;
		s->value = v;
		if (k->kind == TT_TCP_RETRANS) {
			s = tt_family_add_series(fam->rate, l.v);
			if (!s)
				return -ENOMEM;
			s->value = duration > 0 ? v / duration : 0;
		}
	}
	return 0;
}

static int add_histograms(const struct tcp_tool *t, const struct families *fam,
			  const struct tt_snap *d)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	size_t i, j;
	int ret = 0;

	if (!h)
		return -ENOMEM;
	for (i = 0; i < d->cells.n && !ret; i = j) {
		const struct tt_tcp_key *k;
		struct tt_tcp_labels l;
		struct tt_tcp_key buf;
		struct tt_family *f;
		struct tt_series *s;
		bool other;

		j = tt_snap_fold(d, i, h);
		k = series_key(t, tt_cell_id(d->cells.v[i].key), &buf, &other);
		if (!k || !h->count)
			continue;
		f = k->kind == TT_TCP_CONNECT ? fam->connect :
		    k->kind == TT_TCP_RTT     ? fam->rtt :
						NULL;
		if (!f)
			continue;
		flow_labels(k, other, false, &l);
		s = tt_family_add_series(f, l.v);
		ret = s ? tt_hsum_from_hist(&s->hist, h, 1e-9) : -ENOMEM;
	}
	free(h);
	return ret;
}

static int add_families(struct tcp_tool *t, struct tt_report *r, struct families *fam)
{
	static const char *const flow[] = { "saddr", "daddr", "dport" };
	static const char *const reset[] = { "direction", "saddr", "daddr", "dport" };
	static const char *const peer[] = { "daddr", "dport" };

	fam->retrans = tt_report_add_family(r, "tracetool_tcp_retransmits_total",
					    "TCP segments retransmitted (as RetransSegs counts them).",
					    "", TT_METRIC_COUNTER, 3, flow);
	fam->rate = tt_report_add_family(r, "tracetool_tcp_retransmits_per_second",
					 "Retransmitted segments per second over the report's period.",
					 "", TT_METRIC_GAUGE, 3, flow);
	fam->failed = tt_report_add_family(r, "tracetool_tcp_retransmit_failures_total",
					   "Retransmit attempts the kernel failed to send, in segments.",
					   "", TT_METRIC_COUNTER, 3, flow);
	fam->resets = tt_report_add_family(r, "tracetool_tcp_resets_total",
					   "TCP resets sent and received.", "", TT_METRIC_COUNTER,
					   4, reset);
	fam->connect = tt_report_add_family(r, "tracetool_tcp_connect_duration_seconds",
					    "Active open latency: SYN_SENT to ESTABLISHED.",
					    "seconds", TT_METRIC_HISTOGRAM, 2, peer);
	fam->conn_failed = tt_report_add_family(r, "tracetool_tcp_connect_failures_total",
						"Active opens that went from SYN_SENT to CLOSE.", "",
						TT_METRIC_COUNTER, 2, peer);
	if (!fam->retrans || !fam->rate || !fam->failed || !fam->resets || !fam->connect ||
	    !fam->conn_failed)
		return -ENOMEM;
	if (t->rtt) {
		fam->rtt = tt_report_add_family(r, "tracetool_tcp_rtt_seconds",
						"Smoothed RTT of the socket at each received segment.",
						"seconds", TT_METRIC_HISTOGRAM, 2, peer);
		if (!fam->rtt)
			return -ENOMEM;
	}
	return 0;
}

static int describe_filters(struct tcp_tool *t, struct tt_report *r)
{
	char buf[8 * TT_TCP_MAX_PORTS];
	size_t i, n = 0;
	int ret = 0;

	if (t->cfg.nports) {
		for (i = 0; i < t->cfg.nports; i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%u", i ? "," : "", t->cfg.ports[i]);
		ret = tt_report_add_filter(r, "port", buf);
	}
	if (t->laddr)
		ret = ret ?: tt_report_add_filter(r, "laddr", t->laddr);
	if (t->raddr)
		ret = ret ?: tt_report_add_filter(r, "raddr", t->raddr);
	return ret;
}

static int tcp_collect(void *priv, struct tt_report *r)
{
	struct tcp_tool *t = priv;
	struct families fam = {};
	struct tt_snap d;
	int ret;

	ret = describe_filters(t, r);
	ret = ret ?: add_families(t, r, &fam);
	if (ret)
		return ret;
	r->lost[TT_LOST_RINGBUF] += t->events_dropped;	/* --max-events */
	t->events_dropped = 0;
	ret = tt_store_delta(&t->store, &d);
	if (ret)
		return ret;
	/* after the cells: every id seen there is in the series map */
	ret = tt_series_keys_learn(&t->keys, &d);
	ret = ret ?: add_counters(t, &fam, &d, r->duration_seconds);
	ret = ret ?: add_histograms(t, &fam, &d);
	tt_snap_release(&d);
	return ret;
}

static const enum tt_hook tcp_hooks[] = { TT_HOOK_TP_BTF, TT_HOOK_RAW_TP, TT_HOOK_NR };

static const struct tt_tracer_ops tcp_ops = {
	.name = "tcp",
	.hooks = tcp_hooks,
	.open = tcp_open,
	.load = tcp_load,
	.attach = tcp_attach,
	.collect = tcp_collect,
	.event_fd = tcp_event_fd,
	.drain = tcp_drain,
	.close = tcp_close,
};

static void *tcp_create(void)
{
	struct tcp_tool *t = calloc(1, sizeof(*t));

	if (t) {
		t->cfg.events = 1;
		t->max_cells = 65536;
		t->max_series = 4096;
		t->max_events = 100000;
	}
	return t;
}

const struct tt_tracer_def tt_tcp_tracer = {
	.name = "tcp",
	.summary = "TCP retransmits, resets, connect latency and RTT",
	.description = tcp_description,
	.examples = tcp_examples,
	.cmd_help = "run CMD and trace the sockets it and its descendants own",
	.opts = tcp_opts,
	.ops = &tcp_ops,
	.create = tcp_create,
	.opt = tcp_opt,
};
