/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The requests tracer's Redis (RESP) and PostgreSQL (frontend/backend
 * protocol v3) decoders, shared by bpf/requests.bpf.c, the unit tests and
 * the fuzz targets: which protocol a server connection speaks (from its
 * first inbound bytes), the command name or statement keyword of a
 * request, a walk over the length-prefixed messages of one read that
 * counts the turns it starts (pipelining), and where the inbound stream
 * stands between reads (a message cut by a read's end: the next read
 * starts inside it).
 *
 * Plain integer code on a fixed buffer (struct tt_wire_in: every index is
 * masked into it and checked against its byte count), with constant loop
 * bounds, so the same code is safe on untrusted input in user space and
 * verifiable in the kernel.  The two inner parsers (a RESP count, a word)
 * are called through TT_WIRE_NUMBER / TT_WIRE_WORD_OF: the kernel makes
 * them global functions, verified once instead of once per path.
 */
#ifndef TRACETOOL_REQPROTO_H
#define TRACETOOL_REQPROTO_H

#include "common.h"
#include "requests.h"	/* struct tt_wire_sync */

#ifndef __tt_inline
#define __tt_inline static inline __attribute__((always_inline))
#endif

#define TT_WIRE_BUF 64		/* bytes a decoder looks at; power of two */
#define TT_WIRE_WORD 16		/* bytes of a command name / statement keyword kept */
#define TT_WIRE_HEAD 48		/* bytes of a read classified at once (header + word) */
#define TT_WIRE_STEP 24		/* bytes one walk step looks at */
#define TT_WIRE_STEPS 64	/* walk steps per read (a RESP element or a PG message each) */
#define TT_PG_PROTOCOL_V3 196608	/* StartupMessage: protocol 3.0 */
#define TT_PG_SSL_REQUEST 80877103
#define TT_PG_GSSENC_REQUEST 80877104
#define TT_PG_CANCEL_REQUEST 80877102

/* A server connection's protocol, decided from its first inbound bytes. */
enum tt_wire_proto {
	TT_WIRE_NONE = 0,
	TT_WIRE_REDIS = 1,
	TT_WIRE_PG = 2,
};

/* Bytes to decode: b[0..n) hold data (n <= TT_WIRE_BUF), the rest zeros. */
struct tt_wire_in {
	unsigned char b[TT_WIRE_BUF];
	__u32 n;
	__u32 pad;
};

#define TT_WIRE_AT(in, i) ((in)->b[(i) & (TT_WIRE_BUF - 1)])

/* A word (command name, keyword): in off, end (0: ends at a non-letter); out len, w. */
struct tt_wire_word {
	__u32 off, end;
	__u32 len;		/* 0: empty, too long, not letters only, or cut by n */
	__u32 pad;
	char w[TT_WIRE_WORD];	/* upper case, zero padded */
};

/* A RESP count "123\r\n": in off (first digit); out off (after "\r\n", 0 = malformed), val. */
struct tt_wire_num {
	__u32 off;
	__u32 val;
};

__tt_inline __u32 tt_wire_be32(const struct tt_wire_in *in, __u32 off)
{
	return (__u32)TT_WIRE_AT(in, off) << 24 | (__u32)TT_WIRE_AT(in, off + 1) << 16 |
	       (__u32)TT_WIRE_AT(in, off + 2) << 8 | (__u32)TT_WIRE_AT(in, off + 3);
}

__tt_inline int tt_wire_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * The word of letters at in->b[w->off..): upper case into w->w.  With
 * w->end it must fill [off, end) exactly (RESP: the bulk string's length);
 * with end = 0 it ends at the first byte that is no letter (SQL).  A word
 * that is empty, longer than TT_WIRE_WORD, holds anything but letters or
 * runs past n is never kept (len 0), so nothing but a command name or
 * keyword leaves the kernel.
 */
__tt_inline void tt_wire_word(const struct tt_wire_in *in, struct tt_wire_word *w)
{
	__u32 i, off = w->off, len = 0, n = in->n;
	int open = 1;

	for (i = 0; i < TT_WIRE_WORD; i++)
		w->w[i] = 0;
	for (i = 0; i <= TT_WIRE_WORD; i++) {
		unsigned char c;

		if (w->end && off + i == w->end) {
			open = 0;
			break;
		}
		if (off + i >= n)
			break;
		c = TT_WIRE_AT(in, off + i);
		if (!tt_wire_alpha(c)) {
			if (!w->end)
				open = 0;	/* SQL: the keyword ends here */
			break;			/* RESP: a non-letter inside the name */
		}
		if (i == TT_WIRE_WORD)
			break;	/* too long */
		w->w[i] = (char)(c & ~0x20);
		len = i + 1;
	}
	if (open || !len) {
		for (i = 0; i < TT_WIRE_WORD; i++)
			w->w[i] = 0;
		len = 0;
	}
	w->len = len;
}

/* A decimal count (1 to 9 digits) ended by "\r\n", within in->n. */
__tt_inline void tt_resp_number(const struct tt_wire_in *in, struct tt_wire_num *nm)
{
	__u32 i, v = 0, off = nm->off, n = in->n;

	nm->off = 0;
	nm->val = 0;
	for (i = 0; i < 10; i++) {
		unsigned char c;

		if (off + i + 1 >= n)
			return;
		c = TT_WIRE_AT(in, off + i);
		if (c == '\r') {
			if (i && TT_WIRE_AT(in, off + i + 1) == '\n') {
				nm->off = off + i + 2;
				nm->val = v;
			}
			return;
		}
		if (c < '0' || c > '9' || i == 9)
			return;
		v = v * 10 + (c - '0');
	}
}

/* No word: nothing of an earlier one stays. */
__tt_inline void tt_wire_word_clear(struct tt_wire_word *w)
{
	__u32 i;

	w->off = 0;
	w->end = 0;
	w->len = 0;
	for (i = 0; i < TT_WIRE_WORD; i++)
		w->w[i] = 0;
}

#ifndef TT_WIRE_NUMBER
#define TT_WIRE_NUMBER(in, nm) tt_resp_number(in, nm)
#endif
#ifndef TT_WIRE_WORD_OF
#define TT_WIRE_WORD_OF(in, w) tt_wire_word(in, w)
#endif

/*
 * A Redis request at the start of in: a RESP array of bulk strings
 * ("*N\r\n$M\r\nNAME\r\n..."), or with `inline_ok` an inline command
 * (letters ended by ' ' or "\r\n").  Its name in w (len 0: not a
 * recognisable name).  1 for a request, 0 when the bytes start none.
 */
__tt_inline int tt_resp_request(const struct tt_wire_in *in, int inline_ok, struct tt_wire_word *w)
{
	struct tt_wire_num nm = { .off = 1 };
	__u32 off;

	tt_wire_word_clear(w);
	if (in->n < 4)
		return 0;
	if (in->b[0] == '*') {
		TT_WIRE_NUMBER(in, &nm);
		off = nm.off;
		if (!off || !nm.val || off >= in->n || TT_WIRE_AT(in, off) != '$')
			return 0;
		nm.off = off + 1;
		TT_WIRE_NUMBER(in, &nm);
		if (!nm.off)
			return 0;
		w->off = nm.off;
		w->end = nm.val <= TT_WIRE_WORD ? nm.off + nm.val : 0;
		off = w->end;
		if (!off || off + 1 >= in->n || TT_WIRE_AT(in, off) != '\r' ||
		    TT_WIRE_AT(in, off + 1) != '\n')
			return 1;	/* a name that does not end where its length says */
		TT_WIRE_WORD_OF(in, w);
		return 1;
	}
	if (!inline_ok || !tt_wire_alpha(in->b[0]))
		return 0;
	TT_WIRE_WORD_OF(in, w);
	off = w->len;
	if (off && off < in->n &&
	    (TT_WIRE_AT(in, off) == ' ' ||
	     (TT_WIRE_AT(in, off) == '\r' && off + 1 < in->n && TT_WIRE_AT(in, off + 1) == '\n')))
		return 1;
	tt_wire_word_clear(w);
	return 0;
}

/*
 * Is this a Redis connection's first request?  A RESP array whose first
 * bulk string is a command name, or one of the inline commands a client
 * opens with (PING, AUTH, HELLO, QUIT): an arbitrary word would take
 * other line protocols (memcached's "get k") for Redis.
 */
__tt_inline int tt_resp_first(const struct tt_wire_in *in, struct tt_wire_word *w)
{
	__u64 v;

	if (!tt_resp_request(in, 1, w) || !w->len)
		return 0;
	if (in->b[0] == '*')
		return 1;
	v = (__u64)(unsigned char)w->w[0] | (__u64)(unsigned char)w->w[1] << 8 |
	    (__u64)(unsigned char)w->w[2] << 16 | (__u64)(unsigned char)w->w[3] << 24 |
	    (__u64)(unsigned char)w->w[4] << 32 | (__u64)(unsigned char)w->w[5] << 40;
	return v == 0x474e4950ULL /* PING */ || v == 0x48545541ULL /* AUTH */ ||
	       v == 0x54495551ULL /* QUIT */ || v == 0x4f4c4c4548ULL /* HELLO */;
}

/*
 * Is this a PostgreSQL connection's first message?  A StartupMessage
 * (length, protocol 3.0), or an SSLRequest / GSSENCRequest (the startup
 * follows) or a CancelRequest: all set-up, none of them a turn.
 */
__tt_inline int tt_pg_first(const struct tt_wire_in *in)
{
	__u32 len, code;

	if (in->n < 8)
		return 0;
	len = tt_wire_be32(in, 0);
	code = tt_wire_be32(in, 4);
	if (code == TT_PG_PROTOCOL_V3)
		return len >= 8 && len <= 10000;
	if (code == TT_PG_SSL_REQUEST || code == TT_PG_GSSENC_REQUEST)
		return len == 8;
	if (code == TT_PG_CANCEL_REQUEST)
		return len == 16;
	return 0;
}

/*
 * Does the frontend message at the start of in begin a turn (a statement
 * the backend answers)?  Query 'Q', Parse 'P', Bind 'B', Execute 'E',
 * FunctionCall 'F': returns its type, with the statement's first keyword
 * in w for 'Q' and 'P' (after the statement name of 'P'; leading white
 * space skipped).  0 for set-up and other messages (password 'p', Sync
 * 'S', Terminate 'X', ...).
 */
__tt_inline __u8 tt_pg_request(const struct tt_wire_in *in, struct tt_wire_word *w)
{
	__u32 i, off = 5;
	unsigned char t = in->b[0];

	tt_wire_word_clear(w);
	if (in->n < 5 || tt_wire_be32(in, 1) < 4)
		return 0;
	if (t != 'Q' && t != 'P' && t != 'B' && t != 'E' && t != 'F')
		return 0;
	if (t == 'P') {	/* the statement name, NUL-terminated, before the query */
		for (i = 0; i < TT_WIRE_HEAD; i++) {
			if (off >= in->n)
				return t;
			if (!TT_WIRE_AT(in, off))
				break;
			off++;
		}
		off++;
	}
	if (t == 'Q' || t == 'P') {
		for (i = 0; i < TT_WIRE_HEAD; i++) {	/* leading white space */
			unsigned char c;

			if (off >= in->n)
				return t;
			c = TT_WIRE_AT(in, off);
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				break;
			off++;
		}
		w->off = off;
		TT_WIRE_WORD_OF(in, w);
	}
	return t;
}

/* Which protocol a server connection's first inbound bytes speak. */
__tt_inline __u8 tt_wire_detect(const struct tt_wire_in *in, struct tt_wire_word *w)
{
	if (tt_pg_first(in))
		return TT_WIRE_PG;
	if (tt_resp_first(in, w))
		return TT_WIRE_REDIS;
	return TT_WIRE_NONE;
}

/* Why a walk stopped (struct tt_wire_walk.stop). */
enum tt_wire_stop {
	TT_WIRE_END = 0,	/* at or past the read's end (pos - len: bytes still to come) */
	TT_WIRE_CUT = 1,	/* a header cut by the read's end: its bytes start the next read */
	TT_WIRE_BAD = 2,	/* bytes that are no header where one must start */
	TT_WIRE_INLINE = 3,	/* a Redis inline command: no length, its end is not looked for */
};

/*
 * The walk over one read's messages: each step decodes the header at
 * `pos` (struct tt_wire_in holding the read's bytes [pos, pos + n)) and
 * moves pos past one RESP header and its bulk string, or one PG message.
 * `turns` counts the turns started: RESP commands (arrays, and an inline
 * command, which ends the walk), PG Query and FunctionCall messages and
 * the first Parse, Bind or Execute after a Sync (the sequence is answered
 * at its Sync); `first` is where the first of them starts.  `elems` and
 * `ext` go on from the read before (struct tt_wire_sync).
 */
struct tt_wire_walk {
	__u64 pos;		/* offset in the read of the next header */
	__u64 len;		/* bytes of the read */
	__u64 first;		/* offset of the first turn's header (turns > 0) */
	__u32 elems;		/* RESP: bulk strings left in the current command */
	__u32 turns;
	__u8 proto;		/* enum tt_wire_proto */
	__u8 ext;		/* PG: inside a Parse/Bind/Execute sequence, until its Sync */
	__u8 stop;		/* enum tt_wire_stop, once a step returned 1 */
	__u8 pad[5];
};

__tt_inline void tt_wire_turn(struct tt_wire_walk *w)
{
	if (!w->turns)
		w->first = w->pos;
	w->turns++;
}

/*
 * Could the bytes of in, all that is left of the read, be the start of a
 * RESP header ("*", "$12", "$12\r") cut by the read's end?  The type byte
 * is checked by the caller.
 */
__tt_inline int tt_resp_cut(const struct tt_wire_in *in, __u64 rest)
{
	__u32 i, n = in->n;

	if (!n || rest != n || n >= 12)
		return 0;
	for (i = 1; i < 12; i++) {
		unsigned char c;

		if (i >= n)
			break;
		c = TT_WIRE_AT(in, i);
		if (c == '\r' && i == n - 1)
			break;
		if (c < '0' || c > '9')
			return 0;
	}
	return 1;
}

__tt_inline int tt_wire_stop_at(struct tt_wire_walk *w, __u8 why)
{
	w->stop = why;
	return 1;
}

/*
 * One step over in (the read's bytes at w->pos: TT_WIRE_STEP of them, or
 * all that is left of the read).  0: go on, 1: stop (w->stop says why).
 */
__tt_inline int tt_wire_step(struct tt_wire_walk *w, const struct tt_wire_in *in)
{
	struct tt_wire_num nm = { .off = 1 };
	__u64 rest;
	unsigned char t;
	__u32 v;

	if (w->pos >= w->len)
		return tt_wire_stop_at(w, TT_WIRE_END);
	rest = w->len - w->pos;
	t = in->b[0];
	if (w->proto == TT_WIRE_PG) {
		if (in->n < 5)
			return tt_wire_stop_at(w, in->n && rest == in->n ? TT_WIRE_CUT : TT_WIRE_BAD);
		v = tt_wire_be32(in, 1);
		if (v < 4)
			return tt_wire_stop_at(w, TT_WIRE_BAD);
		if (t == 'Q' || t == 'F' || ((t == 'P' || t == 'B' || t == 'E') && !w->ext))
			tt_wire_turn(w);
		if (t == 'P' || t == 'B' || t == 'E')
			w->ext = 1;
		else if (t == 'S')
			w->ext = 0;
		w->pos += 1 + (__u64)v;
		return 0;
	}
	if (w->proto != TT_WIRE_REDIS || !in->n)
		return tt_wire_stop_at(w, TT_WIRE_BAD);
	if (!w->elems) {
		if (t != '*') {
			if (!tt_wire_alpha(t))
				return tt_wire_stop_at(w, TT_WIRE_BAD);
			tt_wire_turn(w);	/* an inline command: no length to skip by */
			return tt_wire_stop_at(w, TT_WIRE_INLINE);
		}
		TT_WIRE_NUMBER(in, &nm);
		if (!nm.off)
			return tt_wire_stop_at(w, tt_resp_cut(in, rest) ? TT_WIRE_CUT : TT_WIRE_BAD);
		if (!nm.val)
			return tt_wire_stop_at(w, TT_WIRE_BAD);
		tt_wire_turn(w);
		w->elems = nm.val;
		w->pos += nm.off;
		return 0;
	}
	if (t != '$')
		return tt_wire_stop_at(w, TT_WIRE_BAD);
	TT_WIRE_NUMBER(in, &nm);
	if (!nm.off)
		return tt_wire_stop_at(w, tt_resp_cut(in, rest) ? TT_WIRE_CUT : TT_WIRE_BAD);
	w->elems--;
	w->pos += nm.off + (__u64)nm.val + 2;
	return 0;
}

/*
 * The stream's state after a read walked to its end, or stopped early
 * (`last`: the window of the step that stopped, holding the cut header's
 * bytes; `steps_left`: 0 when the walk ran out of steps).  Returns 1 when
 * the rest of the read could not be followed (a bad header, or no steps
 * left): the stream's position is lost until a read starts with a request.
 */
__tt_inline int tt_wire_sync_end(struct tt_wire_sync *s, const struct tt_wire_walk *w,
				 const struct tt_wire_in *last, int steps_left)
{
	__u32 i;

	s->skip = 0;
	s->carry_len = 0;
	s->elems = w->elems;
	s->ext = w->ext;
	s->lost = 0;
	for (i = 0; i < TT_WIRE_CARRY; i++)
		s->carry[i] = 0;
	if (w->pos >= w->len) {
		s->skip = w->pos - w->len;
		return 0;
	}
	if (steps_left && w->stop == TT_WIRE_CUT && last->n < TT_WIRE_CARRY) {
		for (i = 0; i < TT_WIRE_CARRY; i++)
			if (i < last->n)
				s->carry[i] = TT_WIRE_AT(last, i);
		s->carry_len = (__u8)last->n;
		return 0;
	}
	s->elems = 0;
	s->ext = 0;
	s->lost = 1;
	/* an inline command: the read is taken to end with it (the next one is checked) */
	return !(steps_left && w->stop == TT_WIRE_INLINE);
}

#endif /* TRACETOOL_REQPROTO_H */
