/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tcp tracer's view shared by bpf/tcp.bpf.c and tools/tcp.c:
 * configuration (flow filters applied in the kernel), the aggregation key
 * of counters and histogram cells, the streamed event and the socket owner
 * record.  Addresses are 16 bytes; an IPv4 address sits in the first 4
 * (IPv4-mapped IPv6 sockets are reported as IPv4).  Ports are host order.
 */
#ifndef TRACETOOL_TCP_H
#define TRACETOOL_TCP_H

#include "common.h"
#include "hist.h"

#define TT_TCP_MAX_PORTS 8	/* --port values */
#define TT_TCP_AF_INET 2
#define TT_TCP_AF_INET6 10

/* What a counter or histogram key counts; also the event kind. */
enum tt_tcp_kind {
	TT_TCP_RETRANS = 0,		/* counter: segments retransmitted (tcp_retransmit_skb err == 0,
					 * plus SYN-ACK retransmits) */
	TT_TCP_RETRANS_FAILED = 1,	/* counter: retransmit attempts that failed (err != 0) */
	TT_TCP_RESET_SENT = 2,		/* counter */
	TT_TCP_RESET_RECEIVED = 3,	/* counter */
	TT_TCP_CONNECT_FAILED = 4,	/* counter: SYN_SENT -> CLOSE */
	TT_TCP_CONNECT = 5,		/* histogram: SYN_SENT -> ESTABLISHED, ns */
	TT_TCP_RTT = 6,			/* histogram: smoothed RTT per received segment, ns */
	TT_TCP_KIND_NR = 7,
};

struct tt_tcp_config {
	struct tt_filter filter;	/* applies to the socket owner (see tools/tcp.c) */
	__u8 nports;			/* --port: local or remote port is one of ports[] */
	__u8 filter_laddr;		/* --laddr: local address equals laddr */
	__u8 filter_raddr;		/* --raddr: remote address equals raddr */
	__u8 events;			/* stream retransmit/reset events */
	__u8 laddr_family;
	__u8 raddr_family;
	__u8 pad[2];
	__u16 ports[TT_TCP_MAX_PORTS];
	__u8 laddr[16];
	__u8 raddr[16];
	__u32 max_series;		/* flow series ids past TT_TCP_SERIES_BASE */
	__u32 cells_limit;		/* histogram cells flow series may take; the rest is kept for _other */
};

_Static_assert(sizeof(struct tt_tcp_config) == 24 + 8 + 2 * TT_TCP_MAX_PORTS + 32 + 8,
	       "tt_tcp_config layout");

/*
 * Series storage (include/tracetool/hist.h): ids below TT_TCP_SERIES_BASE
 * are the overflow series of each kind (labels `_other`), flows past the
 * --max-series bound land there; flow series take ids from the base on.
 * Counters are cells tt_cell_key(id, 0) of one hash, histograms are cells
 * tt_cell_key(id, slot) of another plus the stats array.
 */
#define TT_TCP_SERIES_BASE 8
_Static_assert(TT_TCP_KIND_NR <= TT_TCP_SERIES_BASE, "one overflow id per kind");

/*
 * Key of the series map: what a counter or histogram series counts, for
 * which flow.  Histogram keys leave saddr zero (their labels are daddr and
 * dport).
 */
struct tt_tcp_key {
	__u8 kind;		/* enum tt_tcp_kind */
	__u8 family;		/* TT_TCP_AF_INET or TT_TCP_AF_INET6 */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

_Static_assert(sizeof(struct tt_tcp_key) == 36, "tt_tcp_key layout");

/* One retransmit or reset, streamed through the ring buffer. */
struct tt_tcp_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns (bpf_ktime_get_ns) */
	__u8 kind;		/* TT_TCP_RETRANS, TT_TCP_RESET_SENT or TT_TCP_RESET_RECEIVED */
	__u8 family;
	__u8 state;		/* TCP state of the socket, 0 when there is none */
	__u8 has_owner;		/* pid and comm are the socket owner's */
	__u16 sport;
	__u16 dport;
	__u32 pid;
	__u32 segs;		/* retransmit: segments in this skb */
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_tcp_event) == 24 + 32 + TT_COMM_LEN, "tt_tcp_event layout");

/*
 * Socket owner, recorded where the socket enters SYN_SENT (in connect(),
 * so in the owner's context; with --owner-io also at its first send or
 * receive) and forgotten when the socket is destroyed.
 */
struct tt_tcp_owner {
	__u64 connect_ts;	/* ktime ns of SYN_SENT, 0 once the connect is resolved */
	__u32 pid;		/* tgid */
	__u32 pad;
	char comm[TT_COMM_LEN];
};

_Static_assert(sizeof(struct tt_tcp_owner) == 16 + TT_COMM_LEN, "tt_tcp_owner layout");

#endif /* TRACETOOL_TCP_H */
