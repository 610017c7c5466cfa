/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The requests tracer's view shared by bpf/requests.bpf.c, tools/requests.c
 * and the unit tests: configuration, per-connection state, the ring-buffer
 * record of one finished request, and the byte classifiers (HTTP method,
 * status line, request target) that the kernel runs on the first bytes of
 * a payload.  The classifiers are plain integer code on a byte array, so
 * the unit tests run exactly what the kernel runs.
 */
#ifndef TRACETOOL_REQUESTS_H
#define TRACETOOL_REQUESTS_H

#include "common.h"

#ifndef __tt_inline
#define __tt_inline static inline __attribute__((always_inline))
#endif

#define TT_REQ_ROUTE_LEN 64	/* bytes of request target kept (query already cut) */
#define TT_REQ_QUEUE 4		/* pipelined requests awaiting their response, per connection */
#define TT_REQ_PFX_LEN 8	/* bytes of a request line split before the method's space */
#define TT_REQ_SCAN 256		/* bytes of a request read scanned at once (one window) */
#define TT_REQ_PIPE_STEPS 96	/* windows moved + pipelined requests found, per read */
#define TT_REQ_HEAD 16		/* bytes read to classify a payload's start */

/* Method ids; 0 = not a request. */
enum tt_http_method {
	TT_M_NONE = 0,
	TT_M_GET,
	TT_M_HEAD,
	TT_M_POST,
	TT_M_PUT,
	TT_M_DELETE,
	TT_M_CONNECT,
	TT_M_OPTIONS,
	TT_M_TRACE,
	TT_M_PATCH,
	TT_M_OTHER,	/* a token of capitals followed by " /": rendered _OTHER */
	TT_M_NR,
};

/* What a ring-buffer record describes. */
enum tt_req_kind {
	TT_REQ_HTTP_SERVER = 1,
	TT_REQ_HTTP_CLIENT = 2,
	TT_REQ_TCP = 3,		/* non-HTTP: first inbound bytes -> first outbound bytes */
	TT_REQ_REDIS = 4,	/* a Redis command: route = its name (reqproto.h), first reply bytes */
	TT_REQ_POSTGRESQL = 5,	/* a PostgreSQL statement: route = first keyword, status = message type */
};

/* Connection roles and protocols (struct tt_req_conn). */
enum {
	TT_ROLE_UNKNOWN = 0,
	TT_ROLE_SERVER = 1,	/* accepted, or the first request came inbound */
	TT_ROLE_CLIENT = 2,	/* connected, or the first request went outbound */
};

enum {
	TT_PROTO_UNKNOWN = 0,
	TT_PROTO_HTTP = 1,
	TT_PROTO_TCP = 2,
	TT_PROTO_OTHER = 3,	/* neither: not looked at again (a database client, --no-tcp) */
	TT_PROTO_REDIS = 4,	/* a Redis server connection (RESP) */
	TT_PROTO_PG = 5,	/* a PostgreSQL server connection (protocol v3) */
};

#define TT_REQ_F_ROUTE_OPEN 1	/* request target not finished yet: continues in the next read */
#define TT_REQ_F_TRUNCATED 2	/* request target longer than TT_REQ_ROUTE_LEN */

/* How a data syscall passes its first buffer (the exit program reads its arguments). */
enum tt_req_call {
	TT_CALL_NONE = 0,
	TT_CALL_READ,		/* read: (fd, buf, ...) */
	TT_CALL_RECVFROM,	/* recvfrom: (fd, buf, len, flags, ...); MSG_PEEK consumes nothing */
	TT_CALL_READV,		/* readv: (fd, iov, ...) */
	TT_CALL_RECVMSG,	/* recvmsg: (fd, msghdr, flags); MSG_PEEK consumes nothing */
	TT_CALL_WRITE,		/* write, sendto; outbound from here on */
	TT_CALL_WRITEV,
	TT_CALL_SENDMSG,
	TT_CALL_SENDFILE,	/* (out_fd, in_fd, ...): no user buffer */
};

#define TT_REQ_NR_MAX 512	/* syscall numbers of this architecture's data calls are below */
#define TT_REQ_FAST_PIDS 15	/* -p lists up to this long are checked without a map lookup */

struct tt_requests_config {
	struct tt_filter filter;
	__u8 http;		/* time HTTP/1.x requests */
	__u8 tcp;		/* time other TCP request/response turns */
	__u16 port;		/* only connections with this local or peer port; 0 = any */
	__u8 batch;		/* HTTP: send a connection's like requests in batches (struct tt_req_batch) */
	__u8 pad[3];
	__u64 wake_bytes;	/* wake user space when this much waits in the ring buffer */
	/*
	 * A short, fixed -p list (no fork following): the tgids themselves,
	 * compared in registers before anything else; filter.filter_pids and
	 * filter.self_tgid are then cleared.  npids = 0: filter as `filter` says.
	 */
	__u32 npids;
	__u32 pids[TT_REQ_FAST_PIDS];
	__u8 call[TT_REQ_NR_MAX];	/* syscall number -> enum tt_req_call (user space fills it) */
};

_Static_assert(sizeof(struct tt_requests_config) == 40 + 4 * (1 + TT_REQ_FAST_PIDS) + TT_REQ_NR_MAX,
	       "tt_requests_config layout");

/* One request of a connection, from its first bytes to its response's last. */
struct tt_req_item {
	__u64 start_ns;		/* ktime at the exit of the syscall that moved its first bytes */
	__u64 last_ns;		/* ktime at the exit of the last syscall of its response so far */
	__u16 status;		/* 0 until the response's status line is seen */
	__u8 method;		/* enum tt_http_method */
	__u8 route_len;
	__u8 flags;		/* TT_REQ_F_* */
	__u8 pad[3];
	char route[TT_REQ_ROUTE_LEN];
};

_Static_assert(sizeof(struct tt_req_item) == 88, "tt_req_item layout");

#define TT_WIRE_CARRY 16	/* bytes of a cut header kept (RESP "$123456789\r": 11) */

/*
 * Where a Redis or PostgreSQL server connection's inbound stream stands
 * between reads (reqproto.h): a read may end inside a message (a long
 * value or query) or inside a header, so the next read starts there and
 * not at a message.  All zero: at a message boundary.
 */
struct tt_wire_sync {
	__u64 skip;		/* bytes of the current message still to come */
	__u32 elems;		/* RESP: bulk strings left in the current command */
	__u8 carry_len;		/* bytes of a header cut by the last read's end, in carry */
	__u8 ext;		/* PG: inside a Parse/Bind/Execute sequence */
	__u8 lost;		/* position unknown: the next read must start with a request */
	__u8 pad;
	unsigned char carry[TT_WIRE_CARRY];	/* header bytes only: lengths, never payload */
};

_Static_assert(sizeof(struct tt_wire_sync) == 32, "tt_wire_sync layout");

#define TT_REQ_BATCH 8		/* power of two */

/*
 * Requests or turns of one connection finished in a row with the same
 * labels (kind, process, method, status, path bytes or command word),
 * waiting to go to user space as one record (struct tt_req_batch_event)
 * when TT_REQ_BATCH are there, when one with other labels finishes, at
 * every flush and when the socket is destroyed.  Only without --events,
 * and only on the socket path, whose state is never evicted.
 */
struct tt_req_batch {
	__u8 pad0;		/* the count waiting is tt_req_conn.nbatch */
	__u8 method;
	__u16 status;		/* HTTP status; PostgreSQL: message type */
	__u8 route_len;
	__u8 flags;
	__u8 kind;		/* enum tt_req_kind */
	__u8 pad;
	__u32 tgid;
	__u32 pad2;
	char comm[TT_COMM_LEN];
	char route[TT_REQ_ROUTE_LEN];
	__u64 end_ns;		/* of the last one */
	__u64 dur[TT_REQ_BATCH];
};

/*
 * Per-connection state, in socket storage or (fallback) an LRU hash keyed
 * by the struct sock address; `ino` (the socket inode number) tells a
 * recycled struct sock from the connection the state was made for.
 *
 * `ctl` is one word so that the flush can take finished requests out with
 * a single compare-and-swap and never holds the state: `seq` is odd while
 * a data or destroy program holds it (a lock taken by compare-and-swap)
 * and grows at every take and release; the flush copies what it sends,
 * then swaps in the word with `head` and `nbatch` advanced, which fails
 * (and the copies are discarded) if any program took the state meanwhile.
 */
struct tt_req_conn {
	union {
		__u64 ctl;
		struct {
			__u32 seq;	/* bit 0: held; ctl's low half (little-endian BPF) */
			__u8 head, tail;	/* queue of requests: q[head % N] .. q[(tail - 1) % N] */
			__u8 nbatch;	/* requests waiting in batch: batch.dur[0..nbatch) */
			__u8 pad;
		};
	};
	__u32 ino;
	__u8 role;
	__u8 proto;
	__u8 family;		/* AF_INET / AF_INET6 */
	__u8 pfx_len;		/* bytes held in pfx */
	__u16 lport;		/* local port, host order */
	__u16 rport;		/* peer port, host order */
	__u32 tgid;		/* process that moved the last request's first bytes */
	char comm[TT_COMM_LEN];
	__u8 raddr[16];		/* peer address (IPv4 in the first 4 bytes) */
	__u64 tcp_start;	/* non-HTTP: ktime of the turn's first inbound bytes, 0 = none */
	__u64 pfx_ns;		/* ktime of the read that returned pfx */
	char pfx[TT_REQ_PFX_LEN];	/* a request line cut before the method's space */
	union {
		struct tt_req_item q[TT_REQ_QUEUE];	/* HTTP: requests awaiting their response */
		struct {	/* Redis, PostgreSQL: the queue is unused */
			struct tt_req_item turn;	/* = q[0]: the turn's word */
			struct tt_wire_sync wire;	/* where the inbound stream stands */
		};
	};
	struct tt_req_batch batch;
};

/* The ring-buffer record of one finished request. */
struct tt_req_event {
	__u64 end_ns;		/* ktime of the last byte (or, for TCP, the first reply) */
	__u64 duration_ns;
	__u32 tgid;
	__u16 status;
	__u8 kind;		/* enum tt_req_kind */
	__u8 method;
	__u16 lport, rport;
	__u8 family;
	__u8 route_len;
	__u8 flags;
	__u8 pad;
	char comm[TT_COMM_LEN];
	__u8 raddr[16];
	char route[TT_REQ_ROUTE_LEN];
};

_Static_assert(sizeof(struct tt_req_event) == 128, "tt_req_event layout");

/*
 * n requests with the labels of `e` (whose duration_ns is dur[0] and end_ns
 * the last one's end): told from a single record by its size.
 */
struct tt_req_batch_event {
	struct tt_req_event e;
	__u64 dur[TT_REQ_BATCH];
	__u32 n;
	__u32 pad;
};

/* Input of the flush program (BPF_PROG_TYPE_SYSCALL, run from user space). */
struct tt_req_flush_args {
	__u64 idle_ns;		/* finish responses whose last byte is at least this old */
	__u64 finished;		/* out: requests finished */
};

/* --- classifiers: shared byte code, BPF and unit tests --- */

__tt_inline __u64 tt_req_le64(const unsigned char *b)
{
	return (__u64)b[0] | (__u64)b[1] << 8 | (__u64)b[2] << 16 | (__u64)b[3] << 24 |
	       (__u64)b[4] << 32 | (__u64)b[5] << 40 | (__u64)b[6] << 48 | (__u64)b[7] << 56;
}

#define TT_REQ_W(a, b, c, d, e, f, g, h)                                                  \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 |             \
	 (__u64)(e) << 32 | (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)

__tt_inline int tt_req_is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/*
 * The method a payload starts with, and in *skip the offset of the request
 * target (after "METHOD ").  `b` holds at least TT_REQ_HEAD bytes (zero
 * padded past n).  TT_M_NONE when the bytes are no request line start;
 * TT_M_OTHER for an unknown method of 3+ capitals followed by " /" or " *".
 */
__tt_inline __u8 tt_req_method_token(const unsigned char *b, __u32 n, __u32 *skip)
{
	__u64 w = tt_req_le64(b);
	__u32 i;

	if ((w & 0xffffffffULL) == TT_REQ_W('G', 'E', 'T', ' ', 0, 0, 0, 0)) {
		*skip = 4;
		return TT_M_GET;
	}
	if ((w & 0xffffffffULL) == TT_REQ_W('P', 'U', 'T', ' ', 0, 0, 0, 0)) {
		*skip = 4;
		return TT_M_PUT;
	}
	if ((w & 0xffffffffffULL) == TT_REQ_W('P', 'O', 'S', 'T', ' ', 0, 0, 0)) {
		*skip = 5;
		return TT_M_POST;
	}
	if ((w & 0xffffffffffULL) == TT_REQ_W('H', 'E', 'A', 'D', ' ', 0, 0, 0)) {
		*skip = 5;
		return TT_M_HEAD;
	}
	if ((w & 0xffffffffffffULL) == TT_REQ_W('P', 'A', 'T', 'C', 'H', ' ', 0, 0)) {
		*skip = 6;
		return TT_M_PATCH;
	}
	if ((w & 0xffffffffffffULL) == TT_REQ_W('T', 'R', 'A', 'C', 'E', ' ', 0, 0)) {
		*skip = 6;
		return TT_M_TRACE;
	}
	if ((w & 0xffffffffffffffULL) == TT_REQ_W('D', 'E', 'L', 'E', 'T', 'E', ' ', 0)) {
		*skip = 7;
		return TT_M_DELETE;
	}
	if (w == TT_REQ_W('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ')) {
		*skip = 8;
		return TT_M_OPTIONS;
	}
	if (w == TT_REQ_W('C', 'O', 'N', 'N', 'E', 'C', 'T', ' ')) {
		*skip = 8;
		return TT_M_CONNECT;
	}
	/* an unknown token: 3..13 capitals, a space, then '/' or '*' */
	for (i = 0; i < TT_REQ_HEAD - 2; i++) {
		if (i >= n)
			return TT_M_NONE;
		if (b[i] == ' ')
			break;
		if (!tt_req_is_tchar(b[i]))
			return TT_M_NONE;
	}
	if (i < 3 || i >= TT_REQ_HEAD - 2 || i + 1 >= n || (b[i + 1] != '/' && b[i + 1] != '*'))
		return TT_M_NONE;
	*skip = i + 1;
	return TT_M_OTHER;
}

/*
 * The method a payload of n bytes starts with, and in *skip the offset of
 * the request target (after "METHOD ").  `b` holds at least TT_REQ_HEAD
 * bytes; bytes past n are never trusted.  TT_M_NONE when the bytes are no
 * request line start (at least one byte of the target must be there);
 * TT_M_OTHER for an unknown method of 3+ capitals followed by " /" or " *".
 */
__tt_inline __u8 tt_req_method(const unsigned char *b, __u32 n, __u32 *skip)
{
	__u8 m;

	*skip = 0;
	if (n < 3)
		return TT_M_NONE;
	m = tt_req_method_token(b, n, skip);
	if (m == TT_M_NONE || *skip >= n) {
		*skip = 0;
		return TT_M_NONE;
	}
	return m;
}

/*
 * Could these n bytes (n < 9) be the start of a request line cut before
 * the method's space ("GE", "POS")?  Capitals only.
 */
__tt_inline int tt_req_is_method_prefix(const unsigned char *b, __u32 n)
{
	__u32 i;

	if (n == 0 || n >= TT_REQ_PFX_LEN)
		return 0;
	for (i = 0; i < TT_REQ_PFX_LEN; i++) {
		if (i >= n)
			break;
		if (!tt_req_is_tchar(b[i]))
			return 0;
	}
	return 1;
}

/*
 * Status code of a response that starts with "HTTP/1.x NNN", else 0.
 * `b` holds at least TT_REQ_HEAD bytes (zero padded past n).
 */
__tt_inline __u16 tt_req_status(const unsigned char *b, __u32 n)
{
	__u64 w = tt_req_le64(b);

	if (n < 12)
		return 0;
	if ((w & 0x00ffffffffffffffULL) != TT_REQ_W('H', 'T', 'T', 'P', '/', '1', '.', 0) ||
	    b[8] != ' ')
		return 0;
	if (b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9')
		return 0;
	return (__u16)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
}

/* Does c end the path of a request target?  (Query, fragment, end of the target.) */
__tt_inline int tt_req_route_end(unsigned char c)
{
	return c == ' ' || c == '?' || c == '#' || c == '\r' || c == '\n' || c == 0;
}

#endif /* TRACETOOL_REQUESTS_H */
