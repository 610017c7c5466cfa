// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * requests tracer: per-request latency of HTTP/1.x servers and clients and
 * request/response turns of other TCP services, from the per-syscall
 * tracepoints (syscalls:sys_exit_*) of the calls that
 * move socket data, so unrelated syscalls pay nothing.
 *
 * At sys_exit, with the byte count, the program reads the call's fd and
 * buffer from the saved user registers, finds the socket behind the fd
 * (task->files, CO-RE),
 * keeps only TCP stream sockets, and reads the first bytes of the payload
 * to classify it: a request line starts a request, "HTTP/1.x NNN" its
 * response.  Per-connection state lives in an LRU hash keyed by the struct
 * sock, freed when the socket is destroyed (tcp:tcp_destroy_sock).  A
 * request is finished when the next response starts on its connection,
 * when its socket is destroyed, or when user space runs the flush program (idle
 * responses, and before every report); then one compact record (method,
 * status, request target with the query already cut, latency, process,
 * ports) goes to the ring buffer.  Payload bytes never leave the kernel
 * except the request target's path.
 */
#include "lib/tt.bpf.h"
#include <bpf/bpf_endian.h>

#include "tracetool/requests.h"
/* the Redis/PostgreSQL decoders' inner parsers as global functions (below) */
struct tt_wire_in;
struct tt_wire_num;
struct tt_wire_word;
__noinline int wire_number_g(const struct tt_wire_in *in, struct tt_wire_num *nm);
__noinline int wire_word_g(const struct tt_wire_in *in, struct tt_wire_word *w);
#define TT_WIRE_NUMBER(in, nm) wire_number_g(in, nm)
#define TT_WIRE_WORD_OF(in, w) wire_word_g(in, w)
#include "tracetool/reqproto.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tt_requests_config cfg = {};

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define AF_INET 2
#define AF_INET6 10
#define EINPROGRESS 115
#define MSG_PEEK 2
#define SCRATCH 512	/* power of two, > TT_REQ_PFX_LEN + TT_REQ_SCAN + TT_REQ_HEAD */

/*
 * Records of the per-syscall tracepoints (events/syscalls/sys_*_X/format):
 * unlike raw_syscalls' (trace_event_raw_sys_*), the number is an int.
 */
struct sys_enter_ctx {
	__u64 common;
	int nr;
	int pad;
	unsigned long args[6];
};

struct sys_exit_ctx {
	__u64 common;
	int nr;
	int pad;
	long ret;
};

struct scratch {
	unsigned char b[SCRATCH];
	struct tt_wire_in head;	/* Redis/PostgreSQL: a read's first bytes; zeroed after use */
	struct tt_wire_in step;	/* and the bytes of one walk step */
	__u32 hi;		/* b[0..hi) may hold payload; 0: at most b[0..TT_REQ_HEAD + 8) */
	__u32 pad;
};

/* What the exit program passes to its global functions (at most five arguments each). */
struct data_in {
	__u64 ubuf;		/* first user buffer of the call, 0 for sendfile */
	long len;		/* bytes of the call in that buffer */
	long total;		/* bytes of the call (more than len: further iovecs) */
	__u64 ts;		/* ktime at the call's exit */
	__u32 n;		/* push_pipelined: bytes of the read in the scratch */
	__u32 outbound;
};

/* Zeroed connection state for first inserts (never written). */
struct tt_req_conn zero_conn;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);	/* user space sets --max-conns */
	__type(key, __u64);		/* struct sock address */
	__type(value, struct tt_req_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* 4 MB: about 30,000 records */
} events SEC(".maps");

/* --- process filter -------------------------------------------------------- */

/*
 * tt_task_wanted, with a short fixed -p list compared in registers first
 * (cfg.npids, filled by user space, which then clears the pid and self
 * checks of cfg.filter): the calls of unwanted processes (the load
 * generator) cost one helper call and a few compares, no map lookup.
 */
static __always_inline bool req_task_wanted(void)
{
	if (cfg.npids) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		bool hit = false;
		__u32 i;

		for (i = 0; i < TT_REQ_FAST_PIDS; i++) {
			if (i >= cfg.npids)
				break;
			if (cfg.pids[i] == tgid) {
				hit = true;
				break;
			}
		}
		if (!hit)
			return false;
	}
	return tt_task_wanted(&cfg.filter);
}

/* --- syscall arguments ----------------------------------------------------- */

/*
 * No sys_enter programs: at exit, the call's arguments are still in the
 * user registers saved at entry (direct loads: regs is a BTF pointer).
 * This halves the tracepoint hits of every traced call.
 */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* --- fd -> TCP socket ------------------------------------------------------ */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;	/* kernel 6.2+ */

/*
 * The struct sock behind fd if it is a TCP stream socket, else 0; *ino =
 * its inode number.  Direct (CO-RE) loads through BTF pointers, with
 * bpf_rdonly_cast for the untyped ones (the fd table slot too), instead
 * of one probe-read helper call per field: this runs for every data call
 * of a traced process.  A fault reads 0 (the JIT's exception table).
 */
static __always_inline __u64 fd_tcp_sock(__u32 fd, __u32 *ino)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct callback_head *slot;
	struct file *f;
	struct inode *inode;
	struct socket *so;
	struct sock *sk;
	__u64 fp = 0;

	if (!fdt || fd >= fdt->max_fds)
		return 0;
	/* fdt->fd[fd], read as the first (pointer) member of a struct: no helper call */
	slot = bpf_rdonly_cast((void *)((__u64)fdt->fd + fd * sizeof(__u64)),
			       bpf_core_type_id_kernel(struct callback_head));
	fp = (__u64)slot->next;
	if (!fp)
		return 0;
	f = bpf_rdonly_cast((void *)fp, bpf_core_type_id_kernel(struct file));
	inode = f->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	so = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
	if (!so || so->type != SOCK_STREAM)
		return 0;
	sk = so->sk;
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	*ino = (__u32)inode->i_ino;
	return (__u64)sk;
}

/* --- connection state ---------------------------------------------------- */

/*
 * --port: a socket with neither port equal to it leaves before its state
 * is looked up, and gets none (on_data compares the state's ports again,
 * which the flush and destroy paths do not need).
 */
static __always_inline bool port_wanted(struct sock *sk)
{
	return !cfg.port || sk->__sk_common.skc_num == cfg.port ||
	       sk->__sk_common.skc_dport == bpf_htons(cfg.port);
}

/* The control word with seq one further (held <-> free), the rest as given. */
static __always_inline __u64 ctl_step(__u64 v)
{
	return (v & ~0xffffffffULL) | (__u32)((__u32)v + 1);
}

static __always_inline __u64 ctl_read(const struct tt_req_conn *c)
{
	__u64 v = *(const volatile __u64 *)&c->ctl;

	asm volatile("" ::: "memory");	/* what the caller reads next, after the word */
	return v;
}

/*
 * Take the state for a data or destroy program.  Only another of those
 * holds it for long (two threads on one connection at once, a holder
 * interrupted): the flush never holds it, its compare-and-swap can only
 * make one try here fail.  False after 64 tries.
 */
static __always_inline bool conn_lock(struct tt_req_conn *c)
{
	__u64 v;
	int i;

	for (i = 0; i < 64; i++) {
		v = ctl_read(c);
		if (!(v & 1) && __sync_val_compare_and_swap(&c->ctl, v, v | 1) == v)
			return true;
	}
	return false;
}

/* Release: head, tail and nbatch as the holder left them, seq even again. */
static __always_inline void conn_unlock(struct tt_req_conn *c)
{
	__sync_lock_test_and_set(&c->ctl, ctl_step(ctl_read(c)));
}

/* Fresh state for a connection: addresses from the socket, role as given. */
static __always_inline struct tt_req_conn *conn_new(__u64 skp, __u32 ino, __u8 role)
{
	struct sock *sk = (struct sock *)skp;
	struct tt_req_conn *c;

	if (bpf_map_update_elem(&conns, &skp, &zero_conn, BPF_ANY))
		return NULL;
	c = bpf_map_lookup_elem(&conns, &skp);
	if (!c)
		return NULL;
	c->ino = ino;
	c->role = role;
	c->family = (__u8)BPF_CORE_READ(sk, __sk_common.skc_family);
	c->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (c->family == AF_INET6)
		BPF_CORE_READ_INTO(&c->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)c->raddr, sk, __sk_common.skc_daddr);
	return c;
}

/* State of a connection, made on first sight; a recycled struct sock starts afresh. */
static __always_inline struct tt_req_conn *conn_get(__u64 skp, __u32 ino)
{
	struct tt_req_conn *c = bpf_map_lookup_elem(&conns, &skp);

	if (c && c->ino == ino)
		return c;
	return conn_new(skp, ino, TT_ROLE_UNKNOWN);
}

/*
 * The current thread's name into c->comm: two loads from task->comm, no
 * helper call (bpf_get_current_comm's copy); the kernel pads names with
 * zeros (strscpy_pad), so the bytes are the same.
 */
static __always_inline void conn_comm(struct tt_req_conn *c)
{
	struct task_struct *task = bpf_get_current_task_btf();

	*(__u64 *)c->comm = *(__u64 *)&task->comm[0];
	*(__u64 *)(c->comm + 8) = *(__u64 *)&task->comm[8];
}

/* --- records --------------------------------------------------------------- */

static __always_inline __u64 wake_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wake_bytes ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* The process's and the connection's part of an HTTP record. */
static __always_inline void http_record(struct tt_req_event *e, const struct tt_req_conn *c,
					__u64 end_ns, __u64 duration_ns, __u32 tgid, const char *comm)
{
	e->end_ns = end_ns;
	e->duration_ns = duration_ns;
	e->tgid = tgid;
	e->kind = c->role == TT_ROLE_CLIENT ? TT_REQ_HTTP_CLIENT : TT_REQ_HTTP_SERVER;
	e->lport = c->lport;
	e->rport = c->rport;
	e->family = c->family;
	e->pad = 0;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	__builtin_memcpy(e->raddr, c->raddr, sizeof(e->raddr));
}

/* The request's part. */
static __always_inline void http_request(struct tt_req_event *e, __u16 status, __u8 method,
					 __u8 route_len, __u8 flags, const char *route)
{
	e->status = status;
	e->method = method;
	e->route_len = route_len;
	e->flags = flags;
	__builtin_memcpy(e->route, route, sizeof(e->route));
}

/* n requests (at most a batch) that found the ring buffer full */
static __always_inline void count_lost_n(__u32 n)
{
	for (__u32 k = 0; k < TT_REQ_BATCH; k++)
		if (k < n)
			tt_count_lost(TT_LOST_RINGBUF);
}

/* The record of the first n requests waiting in c->batch. */
static __always_inline void batch_fill(struct tt_req_batch_event *r, const struct tt_req_conn *c,
				       __u8 n)
{
	const struct tt_req_batch *b = &c->batch;
	struct tt_req_event *e = &r->e;

	http_record(e, c, b->end_ns, b->dur[0], b->tgid, b->comm);
	e->kind = b->kind;
	http_request(e, b->status, b->method, b->route_len, b->flags, b->route);
	__builtin_memcpy(r->dur, b->dur, sizeof(r->dur));
	r->n = n;
	r->pad = 0;
}

/* Send the requests waiting in c->batch as one record (the state held). */
static __always_inline void batch_emit(struct tt_req_conn *c)
{
	struct tt_req_batch_event *r;

	if (!c->nbatch)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost_n(c->nbatch);
		c->nbatch = 0;
		return;
	}
	batch_fill(r, c, c->nbatch);
	bpf_ringbuf_submit(r, wake_flag());
	c->nbatch = 0;
}

/* Do the waiting requests have its labels?  (Ports, peer and role are the connection's.) */
static __always_inline bool batch_same(const struct tt_req_conn *c, const struct tt_req_item *it,
				       __u8 kind)
{
	const struct tt_req_batch *b = &c->batch;
	int i;

	if (b->kind != kind || b->tgid != c->tgid || b->status != it->status ||
	    b->method != it->method ||
	    b->route_len != it->route_len || b->flags != it->flags ||
	    *(__u64 *)b->comm != *(__u64 *)c->comm ||
	    *(__u64 *)(b->comm + 8) != *(__u64 *)(c->comm + 8))
		return false;
#pragma unroll
	for (i = 0; i < TT_REQ_ROUTE_LEN / 8; i++)
		if (*(__u64 *)(b->route + i * 8) != *(__u64 *)(it->route + i * 8))
			return false;
	return true;
}

/*
 * A finished request or turn (it: its labels and times) into c->batch: a
 * ring-buffer record per request (reserve, fill, submit) costs about 100
 * ns of BPF time; a batch pays it once per TT_REQ_BATCH like requests.
 */
static __always_inline void batch_add(struct tt_req_conn *c, const struct tt_req_item *it, __u8 kind)
{
	struct tt_req_batch *b = &c->batch;

	if (c->nbatch && !batch_same(c, it, kind))
		batch_emit(c);
	if (!c->nbatch) {
		b->kind = kind;
		b->tgid = c->tgid;
		b->status = it->status;
		b->method = it->method;
		b->route_len = it->route_len;
		b->flags = it->flags;
		__builtin_memcpy(b->comm, c->comm, sizeof(b->comm));
		__builtin_memcpy(b->route, it->route, sizeof(b->route));
	}
	b->dur[c->nbatch & (TT_REQ_BATCH - 1)] = it->last_ns - it->start_ns;
	b->end_ns = it->last_ns;
	c->nbatch++;
	if (c->nbatch >= TT_REQ_BATCH)
		batch_emit(c);
}

static __always_inline void emit(struct tt_req_conn *c, const struct tt_req_item *it)
{
	struct tt_req_event *e;

	if (cfg.batch) {
		batch_add(c, it, c->role == TT_ROLE_CLIENT ? TT_REQ_HTTP_CLIENT : TT_REQ_HTTP_SERVER);
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		tt_count_lost(TT_LOST_RINGBUF);
		return;
	}
	http_record(e, c, it->last_ns, it->last_ns - it->start_ns, c->tgid, c->comm);
	http_request(e, it->status, it->method, it->route_len, it->flags, it->route);
	bpf_ringbuf_submit(e, wake_flag());
}

/*
 * A finished non-HTTP turn: plain TCP, or a Redis command / PostgreSQL
 * statement, whose record carries only the command name or keyword (q[0]).
 */
static __always_inline void emit_turn(struct tt_req_conn *c, __u64 now)
{
	struct tt_req_event *e;

	if (cfg.batch && (c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG)) {
		struct tt_req_item *it = &c->q[0];	/* the turn: word and type (on_wire_data) */

		it->start_ns = c->tcp_start;
		it->last_ns = now;
		batch_add(c, it, c->proto == TT_PROTO_REDIS ? TT_REQ_REDIS : TT_REQ_POSTGRESQL);
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		tt_count_lost(TT_LOST_RINGBUF);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->end_ns = now;
	e->duration_ns = now - c->tcp_start;
	e->tgid = c->tgid;
	e->kind = TT_REQ_TCP;
	if (c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG) {
		e->kind = c->proto == TT_PROTO_REDIS ? TT_REQ_REDIS : TT_REQ_POSTGRESQL;
		e->status = c->q[0].status;
		e->route_len = c->q[0].route_len;
		__builtin_memcpy(e->route, c->q[0].route, TT_WIRE_WORD);
	}
	e->lport = c->lport;
	e->rport = c->rport;
	e->family = c->family;
	__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
	__builtin_memcpy(e->raddr, c->raddr, sizeof(e->raddr));
	bpf_ringbuf_submit(e, wake_flag());
}

/* Finish the oldest request if its response has started; true if one was. */
static __always_inline bool finish_head(struct tt_req_conn *c)
{
	struct tt_req_item *it;

	if (c->head == c->tail)
		return false;
	it = &c->q[c->head & (TT_REQ_QUEUE - 1)];
	if (!it->status)
		return false;
	emit(c, it);
	c->head++;
	return true;
}

/* --- request parsing ------------------------------------------------------- */

/* Does any byte of v equal c?  (The classic has-zero-byte test on v ^ c*0x01..01.) */
static __always_inline bool has_byte(__u64 v, unsigned char c)
{
	__u64 x = v ^ (0x0101010101010101ULL * c);

	return ((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL) != 0;
}

/* Copying the path of a request target. */
struct route_ctx {
	struct tt_req_item *it;
	const unsigned char *b;
	__u32 off, n;
};

/*
 * 0x80 in each byte of v equal to c, and possibly in bytes above such a
 * byte (borrows); the lowest flagged byte is always a true match.
 */
static __always_inline __u64 byte_mask(__u64 v, unsigned char c)
{
	__u64 x = v ^ (0x0101010101010101ULL * c);

	return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

/* Bytes that end a path (tt_req_route_end), as byte_mask: the lowest is the first. */
static __always_inline __u64 route_end_mask(__u64 v)
{
	return byte_mask(v, ' ') | byte_mask(v, '?') | byte_mask(v, '#') | byte_mask(v, '\r') |
	       byte_mask(v, '\n') | byte_mask(v, 0);
}

/* One step: eight bytes at once while no byte of them ends the path, else one byte. */
static long route_step(__u32 i, struct route_ctx *r)
{
	struct tt_req_item *it = r->it;
	__u32 len, idx, at, k;
	unsigned char ch;
	__u64 v;

	at = r->off;
	idx = it->route_len;
	barrier_var(idx);	/* keep the bound check on the register that indexes */
	if (at + 8 <= r->n && at <= SCRATCH - 8 && idx <= TT_REQ_ROUTE_LEN - 8) {
		__u64 m, keep;

		v = *(__u64 *)(r->b + at);
		m = route_end_mask(v);
		if (!m) {
			*(__u64 *)(it->route + idx) = v;
			it->route_len = (__u8)(idx + 8);
			r->off = at + 8;
			return 0;
		}
		/* the path ends inside the word: keep the bytes below its end, zero the rest */
		keep = (((m & -m) >> 7) - 1);
		*(__u64 *)(it->route + idx) = v & keep;
		k = (__u32)(((keep & 0x0101010101010101ULL) * 0x0101010101010101ULL) >> 56);
		it->route_len = (__u8)(idx + k);
		it->flags &= ~TT_REQ_F_ROUTE_OPEN;
		r->off = at + k;
		return 1;
	}
	if (r->off >= r->n) {
		it->flags |= TT_REQ_F_ROUTE_OPEN;
		return 1;
	}
	ch = r->b[r->off & (SCRATCH - 1)];
	if (tt_req_route_end(ch)) {
		it->flags &= ~TT_REQ_F_ROUTE_OPEN;
		return 1;
	}
	len = it->route_len;
	if (len >= TT_REQ_ROUTE_LEN) {
		it->flags |= TT_REQ_F_TRUNCATED;
		it->flags &= ~TT_REQ_F_ROUTE_OPEN;
		return 1;
	}
	idx = len;
	barrier_var(idx);	/* keep the mask: clang drops it after the check above */
	it->route[idx & (TT_REQ_ROUTE_LEN - 1)] = ch;
	it->route_len = (__u8)(len + 1);
	r->off++;
	return 0;
}

/*
 * Append the path of a request target from b[off..n) to it->route, up to
 * the query, fragment or end of the target; past n the target stays open
 * (TT_REQ_F_ROUTE_OPEN) for the next read.  Returns where it stopped.
 */
__noinline int copy_route_g(struct tt_req_item *it, struct scratch *sc, __u32 off, __u32 n)
{
	struct route_ctx r = { .it = it, .off = off, .n = n };
	__u32 i;

	if (!it || !sc)
		return 0;
	r.b = sc->b;
	/*
	 * A short path ends within a few steps: run those here, without a
	 * callback call per step (every call and return pays the return thunk
	 * of CPUs with SRSO "Safe RET"); bpf_loop takes a longer one on.
	 */
	for (i = 0; i < 3; i++)
		if (route_step(i, &r))
			return (int)r.off;
	bpf_loop(TT_REQ_ROUTE_LEN + 1, route_step, &r, 0);
	return (int)r.off;
}

/* (A global function: verified once, not at every call site and state.) */
static __always_inline __u32 copy_route(struct tt_req_item *it, const unsigned char *b, __u32 off,
					__u32 n)
{
	return (__u32)copy_route_g(it, (struct scratch *)b, off, n);	/* b: first member */
}

/* Queue a request whose method starts at b[off]; false when the queue is full. */
static __always_inline bool push_request(struct tt_req_conn *c, const unsigned char *b, __u32 off,
					 __u32 n, __u8 method, __u32 skip, __u64 ts)
{
	struct tt_req_item *it;

	/* a full queue: the oldest response has started, so the new request ends it */
	if ((__u8)(c->tail - c->head) >= TT_REQ_QUEUE && !finish_head(c)) {
		tt_count_lost(TT_LOST_MAP_FULL);
		return false;
	}
	it = &c->q[c->tail & (TT_REQ_QUEUE - 1)];
	it->start_ns = ts;
	it->last_ns = ts;
	it->status = 0;
	it->method = method;
	it->route_len = 0;
	it->flags = 0;
	__builtin_memset(it->route, 0, sizeof(it->route));	/* no bytes of an older path */
	/* a client series has no route label: its path is never copied (nor left open) */
	if (c->role != TT_ROLE_CLIENT)
		copy_route(it, b, off + skip, n);
	c->tail++;
	return true;
}

struct scan_ctx {
	const unsigned char *b;
	__u32 from, n;
	__u32 found;		/* offset after "\r\n\r\n", 0 = none yet */
	__u32 pad;
	__u64 prev;		/* the word before the current one */
};

/*
 * Eight bytes per step: a word without '\n' cannot end "\r\n\r\n", so
 * most steps are one load and one test; the eight windows ending in a word
 * that has one are checked in straight-line code.  The scratch holds zeros
 * right after the payload (read_payload), so no window past n matches.
 */
static long scan_step(__u32 i, struct scan_ctx *s)
{
	__u32 at = s->from + i * 8, w;
	__u64 v, prev = s->prev;
	int k;

	if (at >= s->n || at >= TT_REQ_SCAN)
		return 1;
	v = *(__u64 *)(s->b + (at & (TT_REQ_SCAN - 1)));
	s->prev = v;
	if (!has_byte(v, '\n'))
		return 0;
#pragma unroll
	for (k = 0; k < 8; k++) {
		if (k >= 3)
			w = (__u32)(v >> (8 * (k - 3)));
		else
			w = (__u32)((v << (8 * (3 - k))) | (prev >> (8 * (5 + k))));
		if (w == 0x0a0d0a0d) {	/* "\r\n\r\n" read little-endian */
			s->found = at + k + 1;
			return 1;
		}
	}
	return 0;
}

/*
 * Where the first request head in b[0..n) ends (the offset after its
 * "\r\n\r\n"), 0 if it does not end there: scan_step in a bounded loop,
 * without push_pipelined's callbacks.
 */
__noinline int head_end_g(struct scratch *sc, __u32 n)
{
	struct scan_ctx s = { .n = n };
	__u32 i;

	if (!sc)
		return 0;
	s.b = sc->b;
	for (i = 0; i < TT_REQ_SCAN / 8; i++)
		if (scan_step(i, &s))
			break;
	return (int)s.found;
}

/*
 * head_end_g for a read of at most 64 bytes (a client's or a server's
 * usual request), in straight-line code: no global call, whose return
 * pays SRSO's thunk.  The scratch is zero past the payload (read_payload).
 */
static __always_inline __u32 head_end_short(const unsigned char *b, __u32 n)
{
	struct scan_ctx s = { .b = b, .n = n };
	__u32 i;

#pragma unroll
	for (i = 0; i < 64 / 8; i++)
		if (scan_step(i, &s))
			break;
	return s.found;
}

/* Read up to `max` bytes of the payload at `ubuf` into b[at..]; returns how many. */
static __always_inline __u32 read_payload(unsigned char *b, __u32 at, __u64 ubuf, long avail, __u32 max)
{
	struct scratch *sc = (struct scratch *)b;	/* b is the scratch's first member */
	__u32 n = avail > max ? max : (__u32)avail, z;

	at &= TT_REQ_PFX_LEN - 1;
	*(__u64 *)(b + at) = 0;
	*(__u64 *)(b + at + 8) = 0;
	if (n > TT_REQ_SCAN)
		n = TT_REQ_SCAN;
	z = at + n;
	if ((n > TT_REQ_HEAD || at) && sc->hi < z + 8)
		sc->hi = z + 8;
	if (!n || bpf_probe_read_user(b + at, n, (const void *)ubuf))
		return 0;
	if (z <= SCRATCH - 8)
		*(__u64 *)(b + z) = 0;	/* see scan_step */
	return n;
}

struct pipe_ctx {
	struct tt_req_conn *c;
	unsigned char *b;
	__u32 off, n;		/* scan from b[off]; b[0..n) holds the read's bytes [base, base + n) */
	__u64 ts;
	__u64 ubuf;		/* the read's buffer; 0: the window is all there is */
	long len;		/* bytes of the read */
	long base;
};

/* Move the window to the read's bytes [at, at + TT_REQ_SCAN); false at the end of the read. */
static __always_inline bool pipe_refill(struct pipe_ctx *p, long at)
{
	__u32 n;

	if (!p->ubuf || at <= p->base || at >= p->len)
		return false;
	n = read_payload(p->b, 0, p->ubuf + at, p->len - at, TT_REQ_SCAN);
	if (!n)
		return false;
	p->base = at;
	p->n = n;
	p->off = 0;
	return true;
}

/*
 * One step of the pipelining scan: find the blank line ending the current
 * request's head and queue the request line after it, or move the window
 * on through the read when the head goes on past it.
 */
static long pipe_step(__u32 k, struct pipe_ctx *p)
{
	struct scan_ctx s = { .b = p->b, .from = p->off, .n = p->n };
	__u32 off, skip;
	__u8 m;

	bpf_loop(TT_REQ_SCAN / 8, scan_step, &s, 0);
	off = s.found;
	if (!off) {
		/* keep the last 3 bytes: a "\r\n\r\n" may straddle the windows */
		if (p->n < 4 || !pipe_refill(p, p->base + p->n - 3))
			return 1;
		return 0;
	}
	if (off + TT_REQ_HEAD + TT_REQ_ROUTE_LEN > p->n && p->base + p->n < p->len) {
		/* the request line may run past the window: start the window with it */
		if (!pipe_refill(p, p->base + off))
			return 1;
		off = 0;
	}
	if (off >= p->n || off >= TT_REQ_SCAN)
		return 1;
	m = tt_req_method(p->b + (off & (TT_REQ_SCAN - 1)), p->n - off, &skip);
	if (m == TT_M_NONE)
		return 1;	/* a request body, or no more requests */
	/* a full queue counts the request lost (map_full) and the scan goes on counting */
	push_request(p->c, p->b, off, p->n, m, skip, p->ts);
	p->off = off;
	return 0;
}

/*
 * Pipelined requests: further request lines may follow in the same read,
 * each after the blank line ending the head of the one before (a request
 * with a body ends the scan).  The read is scanned in windows of
 * TT_REQ_SCAN bytes, up to TT_REQ_PIPE_STEPS steps (a window moved or a
 * request found), so a deep pipeline of long heads is counted whole.
 */
__noinline int push_pipelined(struct tt_req_conn *c, struct scratch *sc, struct data_in *d)
{
	struct pipe_ctx p = {};

	if (!c || !sc || !d)
		return 0;
	p.c = c;
	p.b = sc->b;
	p.n = d->n;
	p.ts = d->ts;
	p.ubuf = d->ubuf;
	p.len = d->len;
	bpf_loop(TT_REQ_PIPE_STEPS, pipe_step, &p, 0);
	return 0;
}

/*
 * Data moved in the request direction of an HTTP (or not yet known)
 * connection.  Global functions (this one, on_response_data,
 * push_pipelined) are verified once, whatever the caller's state: inlined,
 * the exit program exceeded the verifier's budget.
 */
__noinline int on_request_data(struct tt_req_conn *c, struct scratch *sc, struct data_in *d)
{
	__u32 n, p = 0, skip = 0, i;
	__u64 ubuf, ts, start;
	bool outbound;
	unsigned char *b;
	long len;
	__u8 m;

	if (!c || !sc || !d)
		return 0;
	b = sc->b;
	ubuf = d->ubuf;
	len = d->len;
	ts = start = d->ts;
	outbound = d->outbound;

	if (c->pfx_len) {	/* a request line cut before its method's space */
		p = c->pfx_len & (TT_REQ_PFX_LEN - 1);
		for (i = 0; i < TT_REQ_PFX_LEN; i++)
			if (i < p)
				b[i] = c->pfx[i];
		start = c->pfx_ns;
		c->pfx_len = 0;
		n = read_payload(b, p, ubuf, len, TT_REQ_SCAN);
		if (!n)
			return 0;
		n += p;
	} else {
		/* a known HTTP connection: read what a request needs at once */
		n = read_payload(b, 0, ubuf, len,
				 c->proto == TT_PROTO_HTTP ? TT_REQ_SCAN : TT_REQ_HEAD);
		if (!n)
			return 0;
	}
	m = tt_req_method(b, n, &skip);
	if (m != TT_M_NONE) {
		if (!p && len > n && n <= TT_REQ_HEAD)	/* the whole start: route, pipelining */
			n = read_payload(b, 0, ubuf, len, TT_REQ_SCAN);
		if (!n)
			return 0;
		if (c->role == TT_ROLE_UNKNOWN)
			c->role = outbound ? TT_ROLE_CLIENT : TT_ROLE_SERVER;
		c->proto = TT_PROTO_HTTP;
		c->tgid = bpf_get_current_pid_tgid() >> 32;
		conn_comm(c);
		push_request(c, b, 0, n, m, skip, start);
		if (!p && (long)n == len) {
			/* the whole read is here: a request can follow only after its head's end */
			__u32 end = n <= 64 ? head_end_short(b, n) : (__u32)head_end_g(sc, n);

			if (!end || end == n)
				return 0;
		}
		{
			/* even when the queue is full: every request behind is counted lost */
			struct data_in pd = { .ubuf = p ? 0 : ubuf, .len = p ? 0 : len, .ts = start, .n = n };

			push_pipelined(c, sc, &pd);
		}
		return 0;
	}
	if (c->tail != c->head) {	/* the rest of a request target cut by a read */
		struct tt_req_item *it = &c->q[(__u8)(c->tail - 1) & (TT_REQ_QUEUE - 1)];

		if (it->flags & TT_REQ_F_ROUTE_OPEN) {
			copy_route(it, b, 0, n);
			return 0;
		}
	}
	if (c->proto != TT_PROTO_TCP && (long)n == len && tt_req_is_method_prefix(b, n)) {
		__builtin_memcpy(c->pfx, b, TT_REQ_PFX_LEN);
		c->pfx_len = (__u8)n;
		c->pfx_ns = ts;
		return 0;
	}
	if (c->tail != c->head)
		return 0;	/* a request body */
	/* a server whose first request is no HTTP: time its turns as plain TCP */
	if (!outbound && c->role == TT_ROLE_SERVER && c->proto == TT_PROTO_UNKNOWN)
		c->proto = cfg.tcp ? TT_PROTO_TCP : TT_PROTO_OTHER;
	/* a client whose first request is no HTTP (a database client): leave it alone */
	if (outbound && c->role == TT_ROLE_CLIENT && c->proto == TT_PROTO_UNKNOWN)
		c->proto = TT_PROTO_OTHER;
	return 0;
}

struct resp_ctx {
	struct tt_req_conn *c;
	const unsigned char *b;
	__u32 from, n;
	__u32 win;
	__u32 found;		/* offset of "HTTP", 0 = none */
	__u64 ts;
};

static long find_http(__u32 i, struct resp_ctx *r)
{
	__u32 at = r->from + i;

	if (at >= r->n)
		return 1;
	r->win = r->win << 8 | r->b[at & (SCRATCH - 1)];
	if (r->win == 0x48545450) {	/* "HTTP" */
		r->found = at - 3;
		return 1;
	}
	return 0;
}

/* The next status line in the same buffer: the response to the next pipelined request. */
static long resp_step(__u32 k, struct resp_ctx *r)
{
	struct tt_req_conn *c = r->c;
	struct tt_req_item *it;
	__u32 at;
	__u16 status;

	r->win = 0;
	r->found = 0;
	bpf_loop(TT_REQ_SCAN, find_http, r, 0);
	at = r->found;
	if (!at || at >= TT_REQ_SCAN || at >= r->n)
		return 1;
	r->from = at + 4;
	status = tt_req_status(r->b + (at & (TT_REQ_SCAN - 1)), r->n - at);
	if (!status || (status >= 100 && status < 200 && status != 101))
		return 0;
	finish_head(c);
	if (c->head == c->tail)
		return 1;
	it = &c->q[c->head & (TT_REQ_QUEUE - 1)];
	it->status = status;
	it->last_ns = r->ts;
	return 0;
}

/*
 * Data moved in the response direction: a status line starts a response.
 * While pipelined requests wait, one buffer may carry several responses:
 * its first TT_REQ_SCAN bytes are searched for further status lines.
 */
__noinline int on_response_data(struct tt_req_conn *c, struct scratch *sc, struct data_in *d)
{
	struct tt_req_item *it;
	__u16 status = 0;
	unsigned char *b;
	__u64 ubuf, ts;
	__u32 n = 0;
	long len;

	if (!c || !sc || !d || c->head == c->tail)
		return 0;
	b = sc->b;
	ubuf = d->ubuf;
	len = d->len;
	ts = d->ts;
	if (ubuf) {
		n = read_payload(b, 0, ubuf, len, TT_REQ_HEAD);
		status = tt_req_status(b, n);
	}
	if (status >= 100 && status < 200 && status != 101)
		return 0;	/* interim response (100 Continue): the final one follows */
	if (status) {
		finish_head(c);
		if (c->head == c->tail)
			return 0;
		it = &c->q[c->head & (TT_REQ_QUEUE - 1)];
		it->status = status;
		it->last_ns = ts;
		if (status == 101 || (it->method == TT_M_CONNECT && status / 100 == 2)) {
			/* the connection becomes a tunnel or a WebSocket: done with HTTP */
			finish_head(c);
			c->head = c->tail;
			c->proto = TT_PROTO_OTHER;
			return 0;
		}
		if ((__u8)(c->tail - c->head) > 1 && len > n) {
			struct resp_ctx r = { .c = c, .b = b, .from = 12, .ts = ts };

			r.n = read_payload(b, 0, ubuf, len, TT_REQ_SCAN);
			bpf_loop(TT_REQ_QUEUE - 1, resp_step, &r, 0);
		}
		return 0;
	}
	it = &c->q[c->head & (TT_REQ_QUEUE - 1)];
	if (it->status)
		it->last_ns = ts;
	return 0;
}

/* A plain TCP service: first inbound bytes of a turn -> first outbound bytes. */
static __always_inline void on_tcp_data(struct tt_req_conn *c, bool outbound, __u64 ts)
{
	if (!outbound) {
		if (!c->tcp_start) {
			c->tcp_start = ts;
			c->tgid = bpf_get_current_pid_tgid() >> 32;
			conn_comm(c);
		}
	} else if (c->tcp_start) {
		emit_turn(c, ts);
		c->tcp_start = 0;
	}
}

/* --- Redis and PostgreSQL turns ----------------------------------------- */

__noinline int wire_number_g(const struct tt_wire_in *in, struct tt_wire_num *nm)
{
	if (in && nm)
		tt_resp_number(in, nm);
	return 0;
}

__noinline int wire_word_g(const struct tt_wire_in *in, struct tt_wire_word *w)
{
	if (in && w)
		tt_wire_word(in, w);
	return 0;
}

/* Read up to max (<= TT_WIRE_BUF) bytes of the user buffer into in (zero padded). */
static __always_inline void wire_read(struct tt_wire_in *in, __u64 ubuf, long avail, __u32 max)
{
	__u32 n = avail > max ? max : (__u32)avail;

	__builtin_memset(in->b, 0, TT_WIRE_BUF);
	in->n = 0;
	if (n && !bpf_probe_read_user(in->b, n & (TT_WIRE_BUF - 1) ?: TT_WIRE_BUF, (const void *)ubuf))
		in->n = n;
}

/*
 * A header cut by the last read's end (k bytes of s->carry) and the first
 * bytes of this read, as one head: the walk then starts at the header.
 */
static __always_inline void wire_read_carry(struct tt_wire_in *in, const struct tt_wire_sync *s,
					    __u32 k, __u64 ubuf, long avail)
{
	__u32 i, n = avail > TT_WIRE_BUF - TT_WIRE_CARRY ? TT_WIRE_BUF - TT_WIRE_CARRY : (__u32)avail;

	__builtin_memset(in->b, 0, TT_WIRE_BUF);
	in->n = 0;
	k &= TT_WIRE_CARRY - 1;
	for (i = 0; i < TT_WIRE_CARRY; i++)
		in->b[i] = i < k ? s->carry[i] : 0;
	n &= TT_WIRE_BUF - 1;	/* at most 48: k + n stays inside b */
	barrier_var(n);
	if (n && n <= TT_WIRE_BUF - TT_WIRE_CARRY && !bpf_probe_read_user(in->b + k, n, (const void *)ubuf))
		in->n = k + n;
}

/*
 * Socket data moved with no user buffer to read (io_uring, splice, a call
 * this tracer does not know) at a point where the payload was needed to
 * classify it: counted here and reported, never guessed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unclassified SEC(".maps");

/* The stream's position is unknown (a read this program could not look at). */
static __always_inline void wire_lose(struct tt_wire_sync *s)
{
	__builtin_memset(s, 0, sizeof(*s));
	s->lost = 1;
}

static __always_inline void count_unclassified(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&unclassified, &zero);

	if (n)
		(*n)++;
}

/*
 * The TT_WIRE_STEP bytes of a read at pos (fewer at its end, zero padded)
 * into sc->step: copied from sc->head when the head read holds them all (a
 * GET or SET of redis-benchmark, a short Query), else read from the user
 * buffer.  Either way the same bytes: the head is zero padded past the read.
 */
static __always_inline void wire_window(struct scratch *sc, __u64 ubuf, __u64 pos, __u64 len)
{
	__u64 m = len - pos > TT_WIRE_STEP ? TT_WIRE_STEP : len - pos;
	struct tt_wire_in *in = &sc->step;
	__u32 o;

	if (pos <= TT_WIRE_BUF - TT_WIRE_STEP && pos + m <= sc->head.n) {
		o = (__u32)pos;
		barrier_var(o);
		if (o > TT_WIRE_BUF - TT_WIRE_STEP)
			return;
		*(__u64 *)in->b = *(__u64 *)(sc->head.b + o);
		*(__u64 *)(in->b + 8) = *(__u64 *)(sc->head.b + o + 8);
		*(__u64 *)(in->b + 16) = *(__u64 *)(sc->head.b + o + 16);
		in->n = (__u32)m;
		return;
	}
	wire_read(in, ubuf + pos, (long)(len - pos), TT_WIRE_STEP);
}

struct wire_ctx {
	struct tt_wire_walk w;
	__u64 ubuf;
	__u32 steps;
	__u32 stopped;		/* a step returned 1 (w.stop says why); 0: out of steps */
};

/*
 * One message (PG) or RESP element, read from the user buffer at the
 * walk's position.  Global functions (this one, the decoders): verified
 * once, not in every state of their callers.
 */
__noinline int wire_step_g(struct wire_ctx *x)
{
	struct scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&scratch, &zero);	/* a pointer in *x would read back as a scalar */
	if (!sc || !x || x->w.pos >= x->w.len)
		return 1;
	x->steps++;
	wire_window(sc, x->ubuf, x->w.pos, x->w.len);
	return tt_wire_step(&x->w, &sc->step);
}

static long wire_step(__u32 i, struct wire_ctx *x)
{
	if (!wire_step_g(x))
		return 0;
	x->stopped = 1;
	return 1;
}

/*
 * Walk up to `steps` steps: the first TT_WIRE_INLINE_STEPS in a plain loop
 * (a GET or SET of redis-benchmark is 3 or 4 steps), without bpf_loop's
 * callback call per step (every call and return pays SRSO's thunk on this
 * CPU); bpf_loop takes a longer read on.  The same steps either way.
 */
#define TT_WIRE_INLINE_STEPS 4

static __always_inline void wire_walk(struct wire_ctx *x, __u32 steps)
{
	__u32 i;

	for (i = 0; i < TT_WIRE_INLINE_STEPS; i++)
		if (wire_step(i, x))
			return;
	bpf_loop(steps - TT_WIRE_INLINE_STEPS, wire_step, x, 0);
}

/* What the head of a read says (wire_head_g). */
struct wire_head {
	__u8 proto;		/* in: enum tt_wire_proto, TT_WIRE_NONE = detect it */
	__u8 type;		/* out: PG message type; Redis: 1 */
	__u8 setup;		/* out: PG set-up with no type byte (startup after SSLRequest) */
	__u8 pad[5];
	struct tt_wire_word w;
};

/*
 * Classify sc->head: with h->proto NONE, the protocol a connection's
 * first bytes speak (into h->proto); then the request it starts, if any
 * (h->type, the word).
 */
__noinline int wire_head_g(struct scratch *sc, struct wire_head *h)
{
	if (!sc || !h)
		return 0;
	h->type = 0;
	if (h->proto == TT_WIRE_NONE)
		h->proto = tt_wire_detect(&sc->head, &h->w);
	if (h->proto == TT_WIRE_REDIS)
		h->type = (__u8)tt_resp_request(&sc->head, 1, &h->w);
	else if (h->proto == TT_WIRE_PG && tt_pg_first(&sc->head))
		h->setup = 1;	/* no typed message starts so: its length would be > 1 GB */
	else if (h->proto == TT_WIRE_PG)
		h->type = tt_pg_request(&sc->head, &h->w);
	return 0;
}

/*
 * Inbound bytes of a Redis or PostgreSQL server connection.  A request
 * (RESP command; PG Query, FunctionCall, or Parse, Bind or Execute opening
 * a sequence) starts a turn that the first outbound bytes finish; its
 * command name or keyword is kept in q[0].  The read's messages are
 * walked (they are length prefixed) from where the stream stands
 * (c->wire: a read may start inside a long value or query, or inside a
 * header cut by the read before) to count the turns it starts: only one
 * can be timed, the others are counted lost (map_full), as are requests
 * that arrive while a turn still waits for its answer.  A read whose start
 * cannot be placed (the stream was lost: a read with no buffer, bytes that
 * are no header) is counted unclassified until one starts with a request.
 * Set-up messages (startup, SSL, password) start nothing.
 */
__noinline int on_wire_data(struct tt_req_conn *c, struct scratch *sc, struct data_in *d)
{
	struct wire_head h = {};
	struct wire_ctx x = {};
	struct tt_wire_in *last;
	struct tt_wire_sync *s;
	struct tt_req_item *it;
	__u64 ubuf, len, more;
	__u32 extra, k;

	if (!c || !sc || !d || d->len <= 0)
		return 0;
	s = &c->wire;
	ubuf = d->ubuf;
	len = (__u64)d->len;
	more = d->total > d->len ? (__u64)(d->total - d->len) : 0;	/* further iovecs */
	if (c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG) {
		if (s->skip >= len + more) {	/* all of it inside one long message */
			s->skip -= len + more;
			return 0;
		}
		if (s->skip >= len) {
			wire_lose(s);	/* the message ends in an iovec not looked at */
			return 0;
		}
		ubuf += s->skip;	/* the walk starts at the next header */
		len -= s->skip;
		s->skip = 0;
	}
	k = c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG ? s->carry_len : 0;
	if (k) {	/* the header cut by the last read goes on here: read from its start */
		wire_read_carry(&sc->head, s, k, ubuf, (long)len);
		ubuf -= k;
		len += k;
	} else {
		wire_read(&sc->head, ubuf, (long)len, TT_WIRE_BUF);
	}
	if (!sc->head.n)
		return 0;
	h.proto = c->proto == TT_PROTO_REDIS ? TT_WIRE_REDIS :
		  c->proto == TT_PROTO_PG ? TT_WIRE_PG : TT_WIRE_NONE;
	wire_head_g(sc, &h);
	/* the head stays for the walk (wire_window); no payload stays in a map after */
	if (c->proto != TT_PROTO_REDIS && c->proto != TT_PROTO_PG) {
		/* a server's first inbound bytes that are no HTTP */
		__builtin_memset(s, 0, sizeof(*s));	/* at a message boundary */
		if (h.proto == TT_WIRE_PG) {
			c->proto = TT_PROTO_PG;	/* the startup message: set-up, no turn */
			__builtin_memset(&sc->head, 0, sizeof(sc->head));
			return 0;
		}
		if (h.proto != TT_WIRE_REDIS) {
			c->proto = TT_PROTO_TCP;
			__builtin_memset(&sc->head, 0, sizeof(sc->head));
			on_tcp_data(c, false, d->ts);
			return 0;
		}
		c->proto = TT_PROTO_REDIS;
	}
	if (h.setup && !k) {
		/* the startup message after an SSLRequest or GSSENCRequest was refused */
		__builtin_memset(&sc->head, 0, sizeof(sc->head));
		return 0;
	}
	if (h.proto == TT_WIRE_PG && !k && sc->head.b[0] == 0x16 && sc->head.b[1] == 3) {
		/* a TLS handshake (SSLRequest accepted): encrypted from here on, nothing to time */
		c->proto = TT_PROTO_OTHER;
		__builtin_memset(&sc->head, 0, sizeof(sc->head));
		return 0;
	}
	if (s->lost) {
		if (!h.type) {	/* still no request where a read starts */
			__builtin_memset(&sc->head, 0, sizeof(sc->head));
			count_unclassified();
			return 0;
		}
		s->lost = 0;	/* a request starts this read: followed again from here */
	}
	x.w.len = len;
	x.w.proto = h.proto;
	x.w.elems = s->elems;
	x.w.ext = s->ext;
	x.ubuf = ubuf;
	last = &sc->step;
	if (h.proto == TT_WIRE_PG) {
		/*
		 * The first step here, on the head (a PG step looks at 5 bytes,
		 * which the head holds as the step's window would): a read that
		 * is one message (pgbench's Query) needs no bpf_loop and no
		 * global call per step.
		 */
		x.steps = 1;
		if (tt_wire_step(&x.w, &sc->head) || x.w.pos >= x.w.len) {
			x.stopped = 1;
			last = &sc->head;
		} else {
			wire_walk(&x, TT_WIRE_STEPS - 1);
		}
	} else {
		wire_walk(&x, TT_WIRE_STEPS);
	}
	extra = x.w.turns;
	if (tt_wire_sync_end(s, &x.w, last, x.stopped)) {
		if (x.stopped)
			count_unclassified();	/* the rest of the read is no message */
		else
			extra++;	/* more than the walk could count: at least one */
	}
	if (more && !s->lost) {
		if (s->skip >= more)
			s->skip -= more;
		else
			wire_lose(s);
	}
	__builtin_memset(&sc->step, 0, sizeof(sc->step));
	if (x.w.turns && !c->tcp_start)
		extra--;	/* the first is timed */
	for (__u32 i = 0; i < TT_WIRE_STEPS + 2; i++) {
		if (i >= extra)
			break;
		tt_count_lost(TT_LOST_MAP_FULL);
	}
	if (c->tcp_start || !x.w.turns) {
		__builtin_memset(&sc->head, 0, sizeof(sc->head));
		return 0;
	}
	if (x.w.first) {	/* the turn starts inside the read: its word is there */
		if (x.w.first < len)
			wire_read(&sc->head, ubuf + x.w.first, (long)(len - x.w.first), TT_WIRE_BUF);
		wire_head_g(sc, &h);
	}
	__builtin_memset(&sc->head, 0, sizeof(sc->head));
	c->tcp_start = d->ts;
	c->tgid = bpf_get_current_pid_tgid() >> 32;
	conn_comm(c);
	it = &c->q[0];
	it->status = h.proto == TT_WIRE_PG ? h.type : 0;
	it->method = 0;
	it->flags = 0;
	it->route_len = (__u8)h.w.len;
	/* all of route: a batch compares and sends it whole */
	__builtin_memset(it->route, 0, sizeof(it->route));
	__builtin_memcpy(it->route, h.w.w, TT_WIRE_WORD);
	return 0;
}

/* The user buffer holding the first bytes a call moved (iovec / msghdr followed). */
static __always_inline __u64 first_buffer(__u32 call, __u64 arg, long *len)
{
	struct iovec iov = {};
	__u64 iovp = arg;

	switch (call) {
	case TT_CALL_READ:
	case TT_CALL_RECVFROM:
	case TT_CALL_WRITE:
		return arg;
	case TT_CALL_RECVMSG:
	case TT_CALL_SENDMSG: {
		struct user_msghdr *msg = (struct user_msghdr *)arg;

		if (bpf_probe_read_user(&iovp, sizeof(iovp), &msg->msg_iov))
			return 0;
	}
		/* fall through */
	case TT_CALL_READV:
	case TT_CALL_WRITEV:
		if (!iovp || bpf_probe_read_user(&iov, sizeof(iov), (void *)iovp))
			return 0;
		if ((long)iov.iov_len < *len)
			*len = (long)iov.iov_len;
		return (__u64)iov.iov_base;
	}
	return 0;
}

/*
 * Zero the 64-byte blocks of the scratch that a call may have written
 * (b[0..hi)).  A global function: verified once, whatever the caller's state.
 */
__noinline int scrub(struct scratch *sc)
{
	__u32 hi, i;

	if (!sc)
		return 0;
	hi = sc->hi;
#pragma unroll
	for (i = 0; i < SCRATCH / 64; i++)
		if (i * 64 < hi)
			__builtin_memset(sc->b + i * 64, 0, 64);
	sc->hi = 0;
	return 0;
}


#define PF_IO_WORKER 0x00000010
#define TT_CALL_SOCK 0xff	/* on_data: socket path, the call not looked up yet */

/*
 * Socket path: the syscall the current task runs in (orig_ax of the saved
 * user registers) says where the first user buffer is: the same table as
 * the fallback path; *arg = its second argument.  Any other call
 * (io_uring_enter, splice, sendmmsg, ...) or a call whose direction does
 * not match the hook has no buffer this program can read: TT_CALL_NONE.
 */
static __always_inline __u32 sock_call(bool outbound, __u64 *arg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	__u32 call = TT_CALL_NONE;
	long nr;

	/* an io_uring worker's saved registers are no syscall of its own */
	if (task->flags & PF_IO_WORKER)
		return TT_CALL_NONE;
	regs = user_regs();
	nr = (long)regs->orig_ax;
	if (nr >= 0 && nr < TT_REQ_NR_MAX)
		call = cfg.call[nr & (TT_REQ_NR_MAX - 1)];
	if (call != TT_CALL_NONE && (call >= TT_CALL_WRITE) != outbound)
		call = TT_CALL_NONE;
	*arg = (__u64)PT_REGS_PARM2_SYSCALL(regs);
	return call;
}

/*
 * One data call of a traced task on a TCP connection, after the hook
 * found its state: `call` says how its first buffer is passed (arg: the
 * call's second argument), TT_CALL_NONE when there is none to read,
 * TT_CALL_SOCK when sock_call is to say (only past the fast paths, which
 * need no buffer); `len` is the bytes moved.  Shared by both hook paths.
 */
static __always_inline int on_data(struct tt_req_conn *c, __u32 call, __u64 arg, long len,
				   bool outbound)
{
	struct data_in d = {};
	bool first_tcp;
	struct scratch *sc;
	__u32 zero = 0;
	__u64 ubuf, ts;

	if (!c || c->proto == TT_PROTO_OTHER ||
	    (cfg.port && c->lport != cfg.port && c->rport != cfg.port))
		return 0;
	ts = bpf_ktime_get_ns();
	if (!conn_lock(c)) {
		/* another call of this connection held it all along: this one is not looked at */
		count_unclassified();
		return 0;
	}
	/*
	 * Fast paths, no payload read: a plain TCP turn needs only the time;
	 * more bytes of a response whose status line was seen, with no
	 * further request queued (so no other response can start), only
	 * extend it.
	 */
	if (c->proto == TT_PROTO_TCP) {
		on_tcp_data(c, outbound, ts);
		conn_unlock(c);
		return 0;
	}
	if ((c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG) && outbound) {
		if (c->tcp_start)	/* the first reply bytes end the turn */
			emit_turn(c, ts);
		c->tcp_start = 0;
		conn_unlock(c);
		return 0;
	}
	if (c->proto == TT_PROTO_HTTP && (c->role == TT_ROLE_SERVER) == outbound &&
	    (__u8)(c->tail - c->head) == 1) {
		struct tt_req_item *it = &c->q[c->head & (TT_REQ_QUEUE - 1)];

		if (it->status) {
			it->last_ns = ts;
			conn_unlock(c);
			return 0;
		}
	}
	if (call == TT_CALL_SOCK)
		call = sock_call(outbound, &arg);
	if (call == TT_CALL_NONE)
		count_unclassified();
	sc = bpf_map_lookup_elem(&scratch, &zero);	/* only past the fast paths */
	if (!sc) {
		conn_unlock(c);
		return 0;
	}
	first_tcp = c->proto == TT_PROTO_UNKNOWN;	/* on_request_data may decide TCP */
	d.total = len;
	ubuf = call == TT_CALL_SENDFILE || call == TT_CALL_NONE ? 0 : first_buffer(call, arg, &len);
	d.ubuf = ubuf;
	d.len = len;
	d.ts = ts;
	d.outbound = outbound;
	if (c->proto == TT_PROTO_HTTP &&
		   (c->role == TT_ROLE_SERVER) == outbound) {	/* response direction */
		if (cfg.http)
			on_response_data(c, sc, &d);
	} else if (c->proto == TT_PROTO_REDIS || c->proto == TT_PROTO_PG) {
		if (ubuf)
			on_wire_data(c, sc, &d);
		else
			wire_lose(&c->wire);	/* bytes not seen: where the next read starts is unknown */
	} else if (ubuf && cfg.http) {
		on_request_data(c, sc, &d);
		if (c->proto == TT_PROTO_TCP) {
			if (first_tcp)
				on_wire_data(c, sc, &d);	/* Redis, PostgreSQL or plain TCP */
			else
				on_tcp_data(c, outbound, ts);
		}
	} else if (ubuf && cfg.tcp && !outbound && c->role == TT_ROLE_SERVER) {
		on_wire_data(c, sc, &d);	/* Redis, PostgreSQL or plain TCP */
	}
	conn_unlock(c);
	/* payload bytes are read only to classify: none stays in the scratch */
	if (sc->hi > 64) {
		scrub(sc);
	} else if (sc->hi) {
		/* one block (a short request read): no call, whose return pays SRSO's thunk */
		__builtin_memset(sc->b, 0, 64);
		sc->hi = 0;
	} else if (ubuf) {
		__builtin_memset(sc->b, 0, TT_REQ_HEAD + 8);	/* a 16-byte read and its zero pad */
	}
	return 0;
}

/* --- fallback path: per-syscall tracepoints, state in an LRU hash ---------- */

static __always_inline int on_data_exit(long id, long ret)
{
	struct pt_regs *regs;
	__u32 call, ino = 0;
	__u64 skp;

	if (ret <= 0 || id < 0 || id >= TT_REQ_NR_MAX || !tt_ready)
		return 0;
	call = cfg.call[id & (TT_REQ_NR_MAX - 1)];
	if (call == TT_CALL_NONE || !req_task_wanted())
		return 0;
	regs = user_regs();
	/* a peek leaves the bytes for the next read: nothing is consumed yet */
	if ((call == TT_CALL_RECVFROM && (PT_REGS_PARM4_SYSCALL(regs) & MSG_PEEK)) ||
	    (call == TT_CALL_RECVMSG && (PT_REGS_PARM3_SYSCALL(regs) & MSG_PEEK)))
		return 0;
	skp = fd_tcp_sock((__u32)PT_REGS_PARM1_SYSCALL(regs), &ino);
	if (!skp || !port_wanted(bpf_rdonly_cast((void *)skp, bpf_core_type_id_kernel(struct sock))))
		return 0;
	return on_data(conn_get(skp, ino), call, (__u64)PT_REGS_PARM2_SYSCALL(regs), ret,
		       call >= TT_CALL_WRITE);
}

/*
 * One program for the exit of every data call (all sys_exit tracepoints
 * share one layout, and the syscall number says which call it was): the
 * verifier checks the big program once instead of nine times.  The
 * skeleton attaches it to sys_exit_read; user space attaches it to the
 * other exits (tools/requests.c, data_exits).
 */
SEC("tp/syscalls/sys_exit_read")
int sys_exit_data(struct sys_exit_ctx *ctx)
{
	return on_data_exit(ctx->nr, ctx->ret);
}

/* A connection made here: its requests go out. */
SEC("tp/syscalls/sys_exit_connect")
int sys_exit_connect(struct sys_exit_ctx *ctx)
{
	__u32 ino = 0;
	__u64 skp;

	if ((ctx->ret != 0 && ctx->ret != -EINPROGRESS) || !tt_ready || !req_task_wanted())
		return 0;
	skp = fd_tcp_sock((__u32)PT_REGS_PARM1_SYSCALL(user_regs()), &ino);
	if (skp)
		conn_new(skp, ino, TT_ROLE_CLIENT);
	return 0;
}

/* A connection accepted here: its requests come in. */
static __always_inline int on_accept_exit(long ret)
{
	__u32 ino = 0;
	__u64 skp;

	if (!tt_ready || ret < 0 || !req_task_wanted())
		return 0;
	skp = fd_tcp_sock((__u32)ret, &ino);
	if (skp)
		conn_new(skp, ino, TT_ROLE_SERVER);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept")
int sys_exit_accept(struct sys_exit_ctx *ctx)
{
	return on_accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept4")
int sys_exit_accept4(struct sys_exit_ctx *ctx)
{
	return on_accept_exit(ctx->ret);
}

/*
 * Finish the response in flight of a connection whose socket goes away.
 * No call can be moving data on it (the socket is orphaned): the state is
 * free but for a flush's swap; failing that, the end is counted as not
 * looked at.
 */
static __always_inline void conn_destroyed(struct tt_req_conn *c)
{
	if (!conn_lock(c)) {
		count_unclassified();
		return;
	}
	finish_head(c);
	c->head = c->tail;
	batch_emit(c);
	conn_unlock(c);
}

/*
 * The socket itself is gone: its response in flight is finished and its
 * state freed.  Not close(): a forking server's parent closes its copy of
 * the accepted socket at once while the child serves it, and dup'ed or
 * passed descriptors outlive any one close.  Runs for every TCP socket of
 * the host, in whatever context frees it: one map lookup.
 */
SEC("raw_tp/tcp_destroy_sock")
int tcp_destroy_sock(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 skp = ctx->args[0];
	struct tt_req_conn *c;

	if (!tt_ready)
		return 0;
	c = bpf_map_lookup_elem(&conns, &skp);
	if (!c)
		return 0;
	conn_destroyed(c);
	bpf_map_delete_elem(&conns, &skp);
	return 0;
}

/* --- socket path: sock:sock_{recv,send}_length, state in socket storage --- */

/*
 * Connection state tied to the socket itself: made at the first data call
 * of a traced task, freed by the kernel with the socket, whatever
 * descriptors (dup, fork, SCM_RIGHTS) pointed at it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tt_req_conn);
} sk_conns SEC(".maps");

/*
 * The role of a connection accepted by any process (TT_ROLE_SERVER), set
 * in softirq context where no task can be filtered: one byte per accepted
 * socket, read once when a traced task first moves data on it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} sk_roles SEC(".maps");

#define PF_KTHREAD 0x00200000
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3

/* Addresses from the socket, role as given (state just made, zeroed). */
static __always_inline void conn_init(struct tt_req_conn *c, struct sock *sk, __u8 role)
{
	c->role = role;
	c->family = (__u8)sk->__sk_common.skc_family;
	c->lport = sk->__sk_common.skc_num;
	c->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (c->family == AF_INET6)
		BPF_CORE_READ_INTO(&c->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)c->raddr, sk, __sk_common.skc_daddr);
}

static __always_inline struct tt_req_conn *sk_conn_get(struct sock *sk)
{
	struct tt_req_conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, 0);
	__u8 *role;

	if (c) {
		/* made at SYN_SENT, before connect() picked the local port */
		if (!c->lport)
			c->lport = sk->__sk_common.skc_num;
		return c;
	}
	c = bpf_sk_storage_get(&sk_conns, sk, &zero_conn, BPF_SK_STORAGE_GET_F_CREATE);
	if (!c)
		return NULL;
	if (!c->family) {
		role = bpf_sk_storage_get(&sk_roles, sk, 0, 0);
		conn_init(c, sk, role ? *role : TT_ROLE_UNKNOWN);
	}
	return c;
}

/* Socket data moved by the current task (its call looked up in on_data: sock_call). */
static __always_inline int on_sock_data(struct sock *sk, int ret, int flags, bool outbound)
{
	struct task_struct *task;

	if (ret <= 0 || !tt_ready)
		return 0;
	/* a peek leaves the bytes for the next read: nothing is consumed yet */
	if (!outbound && (flags & MSG_PEEK))
		return 0;
	if (!req_task_wanted())
		return 0;
	if (!sk || sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM)
		return 0;
	if (!port_wanted(sk))
		return 0;
	task = bpf_get_current_task_btf();
	if (task->flags & PF_KTHREAD)
		return 0;	/* kernel sockets (NFS, ...): no process to count */
	return on_data(sk_conn_get(sk), TT_CALL_SOCK, 0, ret, outbound);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	return on_sock_data(sk, ret, flags, false);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	return on_sock_data(sk, ret, flags, true);
}

/*
 * Roles: a connect (SYN_SENT, in the connecting task) makes a client's
 * state at once; an accepted connection (SYN_RECV -> ESTABLISHED, in
 * softirq, no task to filter) gets only its role byte.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct tt_req_conn *c;
	__u8 *role;

	if (!tt_ready || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		if (!req_task_wanted())
			return 0;
		c = bpf_sk_storage_get(&sk_conns, sk, &zero_conn, BPF_SK_STORAGE_GET_F_CREATE);
		if (c && !c->family)
			conn_init(c, sk, TT_ROLE_CLIENT);
	} else if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		role = bpf_sk_storage_get(&sk_roles, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (role)
			*role = TT_ROLE_SERVER;
	}
	return 0;
}

/* The socket is gone: its response in flight is finished (the kernel frees the state). */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcp_destroy_sock_btf, struct sock *sk)
{
	struct tt_req_conn *c;

	if (!tt_ready)
		return 0;
	c = bpf_sk_storage_get(&sk_conns, sk, 0, 0);
	if (c)
		conn_destroyed(c);
	return 0;
}

/* --- flush, run by user space ------------------------------------------- */

struct flush_ctx {
	__u64 now, idle;
	__u64 finished;
};

/*
 * Take a connection's idle response and waiting batch out without holding
 * its state: a held lock here made a data program that came meanwhile
 * give up its call (a lost request, counted map_full, whenever the flush
 * was interrupted in between).  The records are filled from the state,
 * then the control word is swapped for one with head and nbatch advanced:
 * if any program took the state since the word was read, the swap fails,
 * the records are discarded and the next flush tries again.
 */
static __always_inline void flush_conn(struct tt_req_conn *c, struct flush_ctx *f)
{
	union {
		__u64 v;
		struct {
			__u32 seq;
			__u8 head, tail, nbatch, pad;
		};
	} w, nw;
	struct tt_req_batch_event *r = NULL;
	struct tt_req_event *e = NULL;
	struct tt_req_item *it = NULL;

	w.v = ctl_read(c);
	if (w.seq & 1)
		return;	/* a program holds it: the next flush */
	if (w.head != w.tail) {
		it = &c->q[w.head & (TT_REQ_QUEUE - 1)];
		if (!it->status || (__s64)(f->now - it->last_ns) < (__s64)f->idle)
			it = NULL;
	}
	if (!it && !w.nbatch)
		return;
	nw.v = w.v;
	nw.seq += 2;
	nw.nbatch = 0;
	if (w.nbatch) {
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (r)
			batch_fill(r, c, w.nbatch);
	}
	if (it) {
		nw.head++;
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			http_record(e, c, it->last_ns, it->last_ns - it->start_ns, c->tgid, c->comm);
			http_request(e, it->status, it->method, it->route_len, it->flags, it->route);
		}
	}
	if (__sync_val_compare_and_swap(&c->ctl, w.v, nw.v) != w.v) {
		if (r)
			bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		if (e)
			bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	if (r)
		bpf_ringbuf_submit(r, wake_flag());
	else
		count_lost_n(w.nbatch);
	if (e)
		bpf_ringbuf_submit(e, wake_flag());
	else if (it)
		tt_count_lost(TT_LOST_RINGBUF);
	if (it)
		f->finished++;
}

static long flush_one(struct bpf_map *map, __u64 *key, struct tt_req_conn *c, struct flush_ctx *f)
{
	flush_conn(c, f);
	return 0;
}

/*
 * Finish every response idle for args->idle_ns: a keep-alive connection's
 * last response has no "next response" to end it.  0 finishes every
 * started response (before a report, so that reports are exact).
 * Fallback path (BPF_PROG_TEST_RUN).
 */
SEC("syscall")
int flush(struct tt_req_flush_args *args)
{
	struct flush_ctx f = { .now = bpf_ktime_get_ns(), .idle = args->idle_ns };

	bpf_for_each_map_elem(&conns, flush_one, &f, 0);
	args->finished = f.finished;
	return 0;
}

/*
 * The same on the socket path: socket storage cannot be walked with
 * bpf_for_each_map_elem, so user space reads this iterator over sk_conns
 * (one pass over the traced connections) after setting flush_idle_ns.
 */
__u64 flush_idle_ns;

SEC("iter/bpf_sk_storage_map")
int flush_sk(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct flush_ctx f = { .now = bpf_ktime_get_ns(), .idle = flush_idle_ns };
	struct tt_req_conn *c;

	if (!ctx->sk || !ctx->value)
		return 0;
	/* ctx->value allows constant offsets only: the same state as a map value */
	c = bpf_sk_storage_get(&sk_conns, ctx->sk, 0, 0);
	if (c)
		flush_conn(c, &f);
	return 0;
}

TT_FOLLOW_PROGS(cfg.filter)
