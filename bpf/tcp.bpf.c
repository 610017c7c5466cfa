// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp tracer: retransmits, resets, connect latency and smoothed RTT from TCP
 * tracepoints only (tp_btf, raw_tp fallback).  Counters and histograms are
 * aggregated here in cumulative series storage, so they stay exact when the
 * ring buffer that streams retransmit/reset events overflows.
 *
 * Retransmits mostly fire in softirq context, where the current task is
 * whoever was interrupted, so a socket is attributed to its owner as
 * recorded when it entered SYN_SENT inside connect(); with --owner-io also
 * from the first send or receive of sockets that have none (accepted ones).
 */
#include "lib/tt.bpf.h"
#include "lib/series.bpf.h"
#include <bpf/bpf_endian.h>
#include "tracetool/tcp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define IPPROTO_TCP 6
/* include/net/tcp_states.h */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_NEW_SYN_RECV 12

/* Events wake the reader only past this backlog; the session polls every 100 ms anyway. */
#define WAKEUP_BYTES (64 * 1024)

/*
 * A field of a kernel object: a direct load in tp_btf programs (BTF-typed
 * pointers: no helper call, which matters on the per-segment tcp_probe
 * path), a CO-RE probe read in raw_tp ones.  `btf` is a constant at every
 * call site, so each program carries only one of the two.
 */
#define RD(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))

const volatile struct tt_tcp_config cfg = {};

/*
 * Series storage (include/tracetool/hist.h), sized by user space.  Shared
 * by all CPUs and updated with atomics: these hooks run in softirq and in
 * process context, and a softirq may interrupt a process-context update on
 * the same CPU.  counts has room for every series id, so it cannot fill.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);	/* --max-series */
	__type(key, struct tt_tcp_key);
	__type(value, __u32);
} series SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_TCP_SERIES_BASE + 4096);
	__type(key, __u32);	/* tt_cell_key(series id, 0) */
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);	/* --max-cells */
	__type(key, __u32);	/* tt_cell_key(series id, slot) */
	__type(value, __u64);
} cells SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TT_TCP_SERIES_BASE + 4096);
	__type(key, __u32);	/* series id */
	__type(value, struct tt_series_stats);
} stats SEC(".maps");

__u32 counts_used = 0;
__u32 cells_used = 0;

/* struct sock * -> owner, deleted at tcp_destroy_sock; LRU: sockets destroyed while untraced age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tt_tcp_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct flow {
	__u8 family;
	__u8 state;
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

static __always_inline bool is_v4mapped(const __u8 *a)
{
	int i;

	for (i = 0; i < 10; i++)
		if (a[i])
			return false;
	return a[10] == 0xff && a[11] == 0xff;
}

/* IPv4-mapped IPv6 (a dual-stack socket talking IPv4) is reported as IPv4. */
static __always_inline void unmap_v4(struct flow *f)
{
	int i;

	if (!is_v4mapped(f->daddr) || !is_v4mapped(f->saddr))
		return;
	f->family = TT_TCP_AF_INET;
	for (i = 0; i < 4; i++) {
		f->saddr[i] = f->saddr[12 + i];
		f->daddr[i] = f->daddr[12 + i];
	}
	for (i = 4; i < 16; i++) {
		f->saddr[i] = 0;
		f->daddr[i] = 0;
	}
}

/*
 * Addresses, ports and state of a socket, a request socket or a timewait
 * socket: all start with struct sock_common.  false for non-IP families.
 */
static __always_inline bool read_flow(const struct sock_common *skc, struct flow *f, bool btf)
{
	__u16 family = RD(btf, skc, skc_family);

	__builtin_memset(f, 0, sizeof(*f));
	f->sport = RD(btf, skc, skc_num);
	f->dport = bpf_ntohs(RD(btf, skc, skc_dport));
	f->state = RD(btf, skc, skc_state);
	/*
	 * A full socket moving to CLOSE gives its port back (inet_put_port
	 * zeroes inet_num) before, e.g., tcp_close() sends its active reset;
	 * inet_sport keeps it.  Request and timewait sockets have no inet_sport.
	 */
	if (!f->sport && f->state != TCP_TIME_WAIT && f->state != TCP_NEW_SYN_RECV)
		f->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)skc, inet_sport));
	if (family == TT_TCP_AF_INET) {
		f->family = TT_TCP_AF_INET;
		*(__u32 *)f->saddr = RD(btf, skc, skc_rcv_saddr);
		*(__u32 *)f->daddr = RD(btf, skc, skc_daddr);
		return true;
	}
	if (family == TT_TCP_AF_INET6) {
		f->family = TT_TCP_AF_INET6;
		if (btf) {
			__builtin_memcpy(f->saddr, &skc->skc_v6_rcv_saddr, 16);
			__builtin_memcpy(f->daddr, &skc->skc_v6_daddr, 16);
		} else {
			BPF_CORE_READ_INTO(&f->saddr, skc, skc_v6_rcv_saddr.in6_u.u6_addr8);
			BPF_CORE_READ_INTO(&f->daddr, skc, skc_v6_daddr.in6_u.u6_addr8);
		}
		unmap_v4(f);
		return true;
	}
	return false;
}

/*
 * The flow of the reset answering a received segment: local = its
 * destination, remote = its source.  The headers are read from the skb.
 */
static __always_inline bool read_skb_flow(const struct sk_buff *skb, struct flow *f)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	struct tcphdr tcp;
	__u8 ver;

	__builtin_memset(f, 0, sizeof(*f));
	if (bpf_probe_read_kernel(&ver, 1, head + nh))
		return false;
	if (ver >> 4 == 4) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return false;
		f->family = TT_TCP_AF_INET;
		__builtin_memcpy(f->saddr, &ip.daddr, 4);
		__builtin_memcpy(f->daddr, &ip.saddr, 4);
	} else if (ver >> 4 == 6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return false;
		f->family = TT_TCP_AF_INET6;
		__builtin_memcpy(f->saddr, &ip6.daddr, 16);
		__builtin_memcpy(f->daddr, &ip6.saddr, 16);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&tcp, sizeof(tcp), head + th))
		return false;
	f->sport = bpf_ntohs(tcp.dest);
	f->dport = bpf_ntohs(tcp.source);
	return true;
}

static __always_inline bool addr_eq(const struct flow *f, const __u8 *a, __u8 family,
				    const volatile __u8 *want)
{
	int i;

	if (f->family != family)
		return false;
	for (i = 0; i < 16; i++)
		if (a[i] != want[i])
			return false;
	return true;
}

/* --port/--laddr/--raddr; cfg is .rodata, so disabled checks cost nothing. */
static __always_inline bool flow_wanted(const struct flow *f)
{
	int i;

	if (cfg.nports) {
		bool hit = false;

		for (i = 0; i < TT_TCP_MAX_PORTS; i++) {
			if (i >= cfg.nports)
				break;
			if (cfg.ports[i] == f->sport || cfg.ports[i] == f->dport)
				hit = true;
		}
		if (!hit)
			return false;
	}
	if (cfg.filter_laddr && !addr_eq(f, f->saddr, cfg.laddr_family, cfg.laddr))
		return false;
	if (cfg.filter_raddr && !addr_eq(f, f->daddr, cfg.raddr_family, cfg.raddr))
		return false;
	return true;
}

static __always_inline bool has_task_filter(void)
{
	return cfg.filter.filter_pids || cfg.filter.filter_comm || cfg.filter.filter_cgroup;
}

static __always_inline struct tt_tcp_owner *owner_of(const void *sk)
{
	__u64 key = (__u64)sk;

	return sk ? bpf_map_lookup_elem(&owners, &key) : NULL;
}

/* Add n to the counter `kind` of flow f (the kind's _other series past --max-series). */
static __always_inline void count(__u8 kind, const struct flow *f, __u64 n)
{
	struct tt_tcp_key k = { .kind = kind, .family = f->family, .dport = f->dport };
	__u32 id;

	__builtin_memcpy(k.saddr, f->saddr, 16);
	__builtin_memcpy(k.daddr, f->daddr, 16);
	id = tt_series_id(&series, &k, TT_TCP_SERIES_BASE, cfg.max_series, kind);
	if (!tt_cell_add(&counts, tt_cell_key(id, 0), n, &counts_used, ~0u))
		tt_count_lost(TT_LOST_MAP_FULL);	/* sized for every id: not expected */
}

/*
 * Histogram sample (ns) for the remote endpoint of f.  A flow series whose
 * new bucket finds its share of the cells taken goes to the kind's _other.
 */
static __always_inline void record(__u8 kind, const struct flow *f, __u64 v)
{
	struct tt_tcp_key k = { .kind = kind, .family = f->family, .dport = f->dport };
	struct tt_series_stats *s;
	__u32 id, slot = tt_hist_slot(v);

	__builtin_memcpy(k.daddr, f->daddr, 16);
	id = tt_series_id(&series, &k, TT_TCP_SERIES_BASE, cfg.max_series, kind);
	id = tt_cell_count(&cells, &cells_used, cfg.cells_limit, id, TT_TCP_SERIES_BASE, kind, slot);
	if (id == TT_SERIES_ID_MAX) {
		tt_count_lost(TT_LOST_MAP_FULL);
		return;
	}
	s = bpf_map_lookup_elem(&stats, &id);
	if (s)
		tt_series_stats_record_shared(s, v);
}

static __always_inline void emit(__u8 kind, const struct flow *f, const struct tt_tcp_owner *o,
				 __u32 segs)
{
	struct tt_tcp_event *e;
	__u64 flags = 0;

	if (!cfg.events)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		tt_count_lost(TT_LOST_RINGBUF);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->family = f->family;
	e->state = f->state;
	e->sport = f->sport;
	e->dport = f->dport;
	e->segs = segs;
	__builtin_memcpy(e->saddr, f->saddr, 16);
	__builtin_memcpy(e->daddr, f->daddr, 16);
	if (o) {
		e->has_owner = 1;
		e->pid = o->pid;
		__builtin_memcpy(e->comm, o->comm, TT_COMM_LEN);
	} else {
		e->has_owner = 0;
		e->pid = 0;
		__builtin_memset(e->comm, 0, TT_COMM_LEN);
	}
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < WAKEUP_BYTES)
		flags = BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/*
 * A socket passes the task filters (-p, -c, --cgroup) through its owner:
 * with any of them set, sockets without a recorded owner are left out.
 * Returns false when the socket is filtered out.
 */
static __always_inline bool owner_wanted(const void *sk, struct tt_tcp_owner **o)
{
	*o = owner_of(sk);
	return *o || !has_task_filter();
}

/*
 * tcp_retransmit_skb fires for every attempt, with err on recent kernels (6.18
 * has it; kernels whose tracepoint lacks err cannot load this program yet).  Like the
 * kernel's RetransSegs, count segments (tcp_skb_pcount) of those sent;
 * failed attempts (err != 0) are counted apart.
 */
static __always_inline int on_retransmit(const struct sock *sk, const struct sk_buff *skb, int err,
					 bool btf)
{
	struct tt_tcp_owner *o;
	struct flow f;
	__u16 segs = 0;

	if (!tt_ready || !read_flow((const struct sock_common *)sk, &f, btf) || !flow_wanted(&f))
		return 0;
	if (!owner_wanted(sk, &o))
		return 0;
	bpf_core_read(&segs, sizeof(segs), &((struct tcp_skb_cb *)(skb->cb))->tcp_gso_segs);
	if (!segs)
		segs = 1;
	if (err) {
		count(TT_TCP_RETRANS_FAILED, &f, segs);
		return 0;
	}
	count(TT_TCP_RETRANS, &f, segs);
	emit(TT_TCP_RETRANS, &f, o, segs);
	return 0;
}

/* SYN-ACK retransmits count in RetransSegs too, but have their own tracepoint. */
static __always_inline int on_retransmit_synack(const struct request_sock *req, bool btf)
{
	struct flow f;

	if (!tt_ready || has_task_filter())	/* a listener's request: no owner known */
		return 0;
	if (!read_flow((const struct sock_common *)req, &f, btf) || !flow_wanted(&f))
		return 0;
	count(TT_TCP_RETRANS, &f, 1);
	emit(TT_TCP_RETRANS, &f, NULL, 1);
	return 0;
}

static __always_inline int on_send_reset(const struct sock *sk, const struct sk_buff *skb, bool btf)
{
	struct tt_tcp_owner *o;
	struct flow f;
	bool ok;

	if (!tt_ready)
		return 0;
	/* an answer to a received segment (maybe with no socket, or a listener's) */
	if (skb)
		ok = read_skb_flow(skb, &f);
	else
		ok = sk && read_flow((const struct sock_common *)sk, &f, btf);
	if (!ok || !flow_wanted(&f) || !owner_wanted(sk, &o))
		return 0;
	if (sk)
		f.state = RD(btf, sk, __sk_common.skc_state);
	count(TT_TCP_RESET_SENT, &f, 1);
	emit(TT_TCP_RESET_SENT, &f, o, 0);
	return 0;
}

static __always_inline int on_receive_reset(const struct sock *sk, bool btf)
{
	struct tt_tcp_owner *o;
	struct flow f;

	if (!tt_ready || !read_flow((const struct sock_common *)sk, &f, btf) || !flow_wanted(&f))
		return 0;
	if (!owner_wanted(sk, &o))
		return 0;
	count(TT_TCP_RESET_RECEIVED, &f, 1);
	emit(TT_TCP_RESET_RECEIVED, &f, o, 0);
	return 0;
}

/*
 * SYN_SENT is entered inside connect(), in the owner's context: record the
 * owner (if it passes the task filter) and the start.  The local port may
 * not be chosen yet, so the flow filter waits for the outcome.
 */
static __always_inline int on_set_state(const struct sock *sk, int oldstate, int newstate, bool btf)
{
	__u64 key = (__u64)sk;
	struct tt_tcp_owner *o;
	struct flow f;

	if (!tt_ready || RD(btf, sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		struct tt_tcp_owner rec = {};

		if (!tt_task_wanted(&cfg.filter))
			return 0;
		rec.connect_ts = bpf_ktime_get_ns();
		rec.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(rec.comm, sizeof(rec.comm));
		bpf_map_update_elem(&owners, &key, &rec, BPF_ANY);
		return 0;
	}
	if (oldstate == TCP_SYN_SENT) {
		o = bpf_map_lookup_elem(&owners, &key);
		if (o && o->connect_ts && read_flow((const struct sock_common *)sk, &f, btf) &&
		    flow_wanted(&f)) {
			if (newstate == TCP_ESTABLISHED)
				record(TT_TCP_CONNECT, &f, bpf_ktime_get_ns() - o->connect_ts);
			else if (newstate == TCP_CLOSE) {
				/* labelled {daddr,dport}: one series whatever the source address */
				__builtin_memset(f.saddr, 0, sizeof(f.saddr));
				count(TT_TCP_CONNECT_FAILED, &f, 1);
			}
		}
		if (o)
			o->connect_ts = 0;
	}
	return 0;
}

/*
 * Forget the owner when the socket is destroyed, not at TCP_CLOSE: tcp_close()
 * sets CLOSE before it sends the active reset that should still be attributed.
 */
static __always_inline int on_destroy(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&owners, &key);
	return 0;
}

/*
 * --owner-io: a socket that never called connect() (an accepted one, or one
 * connected before tracing began) gets as owner the first task that sends
 * or receives on it, in process context.  One map lookup per send/recv call.
 */
static __always_inline int on_io(const struct sock *sk, bool btf)
{
	struct tt_tcp_owner rec = {};
	__u64 key = (__u64)sk;

	if (!tt_ready || !sk || RD(btf, sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (bpf_map_lookup_elem(&owners, &key))
		return 0;
	if (!tt_task_wanted(&cfg.filter))
		return 0;
	rec.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(rec.comm, sizeof(rec.comm));
	bpf_map_update_elem(&owners, &key, &rec, BPF_NOEXIST);
	return 0;
}

/* The --port filter alone, from the two port fields: the per-segment hook's early exit. */
static __always_inline bool ports_pass(const struct sock_common *skc, bool btf)
{
	__u16 sport, dport;
	bool hit = false;
	int i;

	if (!cfg.nports)
		return true;
	sport = RD(btf, skc, skc_num);
	dport = bpf_ntohs(RD(btf, skc, skc_dport));
	for (i = 0; i < TT_TCP_MAX_PORTS; i++) {
		if (i >= cfg.nports)
			break;
		if (cfg.ports[i] == sport || cfg.ports[i] == dport)
			hit = true;
	}
	return hit;
}

/*
 * Smoothed RTT on every received segment of an established socket (--rtt
 * only).  Other ports leave after two reads; the full flow is read after.
 */
static __always_inline int on_probe(const struct sock *sk, bool btf)
{
	struct flow f;
	__u32 srtt;

	if (!tt_ready || !ports_pass((const struct sock_common *)sk, btf))
		return 0;
	if (!read_flow((const struct sock_common *)sk, &f, btf) || !flow_wanted(&f))
		return 0;
	/* no owner lookup per segment unless a task filter needs it */
	if (has_task_filter() && !owner_of(sk))
		return 0;
	srtt = BPF_CORE_READ((const struct tcp_sock *)sk, srtt_us) >> 3;	/* stored << 3 */
	if (srtt)
		record(TT_TCP_RTT, &f, (__u64)srtt * 1000);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_btf, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return on_retransmit(sk, skb, err, true);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_raw, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return on_retransmit(sk, skb, err, false);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack_btf, const struct sock *sk, const struct request_sock *req)
{
	return on_retransmit_synack(req, true);
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack_raw, const struct sock *sk, const struct request_sock *req)
{
	return on_retransmit_synack(req, false);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset_btf, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send_reset(sk, skb, true);
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_send_reset_raw, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send_reset(sk, skb, false);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset_btf, struct sock *sk)
{
	return on_receive_reset(sk, true);
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset_raw, struct sock *sk)
{
	return on_receive_reset(sk, false);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_btf, const struct sock *sk, int oldstate, int newstate)
{
	return on_set_state(sk, oldstate, newstate, true);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_raw, const struct sock *sk, int oldstate, int newstate)
{
	return on_set_state(sk, oldstate, newstate, false);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe_btf, struct sock *sk, const struct sk_buff *skb)
{
	return on_probe(sk, true);
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_probe_raw, struct sock *sk, const struct sk_buff *skb)
{
	return on_probe(sk, false);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcp_destroy_sock_btf, struct sock *sk)
{
	return on_destroy(sk);
}

SEC("raw_tp/tcp_destroy_sock")
int BPF_PROG(tcp_destroy_sock_raw, struct sock *sk)
{
	return on_destroy(sk);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length_btf, struct sock *sk)
{
	return on_io(sk, true);
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(sock_send_length_raw, struct sock *sk)
{
	return on_io(sk, false);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length_btf, struct sock *sk)
{
	return on_io(sk, true);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv_length_raw, struct sock *sk)
{
	return on_io(sk, false);
}

TT_FOLLOW_PROGS(cfg.filter)
