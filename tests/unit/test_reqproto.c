// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the Redis (RESP) and PostgreSQL decoders the BPF program
 * runs (include/tracetool/reqproto.h): protocol detection from a
 * connection's first bytes, command names and statement keywords, the
 * walk that counts pipelined turns in one read, and the label a record
 * turns into (tools/requests_labels.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "labels.h"
#include "tracetool/reqproto.h"

/* The first TT_WIRE_BUF bytes of s (n bytes, NULs allowed), as the kernel reads them. */
static struct tt_wire_in in_of(const void *s, size_t n)
{
	struct tt_wire_in in = { .n = (__u32)(n < TT_WIRE_BUF ? n : TT_WIRE_BUF) };

	memcpy(in.b, s, in.n);
	return in;
}

#define IN(lit) in_of(lit, sizeof(lit) - 1)

/* PG message: type, big-endian length (4 + body), body. */
static size_t pg_msg(unsigned char *out, char type, const void *body, size_t n)
{
	__u32 len = (__u32)(n + 4);

	out[0] = (unsigned char)type;
	out[1] = (unsigned char)(len >> 24);
	out[2] = (unsigned char)(len >> 16);
	out[3] = (unsigned char)(len >> 8);
	out[4] = (unsigned char)len;
	memcpy(out + 5, body, n);
	return n + 5;
}

static void test_detect(void **state)
{
	static const unsigned char startup[] = { 0, 0, 0, 41, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0 };
	static const unsigned char ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	static const unsigned char gss[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };
	static const unsigned char cancel[] = { 0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 1, 2, 3, 4,
						5, 6, 7, 8 };
	static const unsigned char v2[] = { 0, 0, 1, 40, 0, 2, 0, 0 };	/* protocol 2.0 */
	static const unsigned char ssl_len[] = { 0, 0, 0, 9, 0x04, 0xd2, 0x16, 0x2f };
	struct tt_wire_word w;
	struct tt_wire_in in;

	(void)state;
	in = in_of(startup, sizeof(startup));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_PG);
	in = in_of(ssl, sizeof(ssl));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_PG);
	in = in_of(gss, sizeof(gss));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_PG);
	in = in_of(cancel, sizeof(cancel));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_PG);
	in = in_of(v2, sizeof(v2));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = in_of(ssl_len, sizeof(ssl_len));
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = in_of(startup, 7);	/* cut */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);

	in = IN("*1\r\n$4\r\nPING\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_REDIS);
	in = IN("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_REDIS);
	in = IN("PING\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_REDIS);
	in = IN("auth secret\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_REDIS);
	in = IN("HELLO 3\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_REDIS);
	/* other line protocols are not Redis */
	in = IN("get key\r\n");	/* memcached */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("PINGS\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("HELO example.org\r\n");	/* SMTP */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("SSH-2.0-OpenSSH_9.2\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("GET / HTTP/1.1\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("*0\r\n");	/* an empty array is no command */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("*1\r\n$4\r\nPI");	/* the name cut by the read */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("*1\r\n:4\r\n");	/* an integer, not a bulk string */
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
	in = IN("*1x\r\n");
	assert_int_equal(tt_wire_detect(&in, &w), TT_WIRE_NONE);
}

static void test_resp_names(void **state)
{
	static const struct {
		const char *s;
		int req;
		const char *name;	/* "" = not recognisable */
	} cases[] = {
		{ "*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000000\r\n", 1, "GET" },
		{ "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n", 1, "SET" },
		{ "*2\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n", 1, "CLIENT" },
		{ "*1\r\n$16\r\nABCDEFGHIJKLMNOP\r\n", 1, "ABCDEFGHIJKLMNOP" },	/* 16: kept */
		{ "*1\r\n$17\r\nABCDEFGHIJKLMNOPQ\r\n", 1, "" },	/* 17: too long */
		{ "*1\r\n$4\r\nGE T\r\n", 1, "" },	/* not letters only */
		{ "*1\r\n$4\r\nGE\r\n", 1, "" },	/* shorter than its length */
		{ "*1\r\n$2\r\nGET\r\n", 1, "" },	/* longer than its length */
		{ "*1\r\n$0\r\n\r\n", 1, "" },
		{ "*1\r\n$3\r\n", 1, "" },	/* cut after the header */
		{ "*12345678901\r\n$3\r\nGET\r\n", 0, "" },	/* count too long */
		{ "*\r\n$3\r\nGET\r\n", 0, "" },
		{ "*1\r\n$\r\nGET\r\n", 0, "" },
		{ "*1\r$3\r\nGET\r\n", 0, "" },
		{ "PING\r\n", 1, "PING" },
		{ "get key\r\n", 1, "GET" },	/* inline, once the connection is Redis */
		{ "get", 0, "" },		/* no end yet */
		{ "1234\r\n", 0, "" },
		{ "$3\r\nGET\r\n", 0, "" },
	};
	struct tt_wire_word w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_wire_in in = in_of(cases[i].s, strlen(cases[i].s));
		int req = tt_resp_request(&in, 1, &w);
		char name[TT_WIRE_WORD + 1] = "";

		memcpy(name, w.w, w.len);
		name[w.len] = 0;
		if (req != cases[i].req || strcmp(name, cases[i].name))
			fail_msg("'%s': request %d name '%s', expected %d '%s'", cases[i].s, req,
				 name, cases[i].req, cases[i].name);
		for (size_t k = w.len; k < TT_WIRE_WORD; k++)
			assert_int_equal(w.w[k], 0);	/* no byte beyond the name */
	}
	/* no inline commands where not allowed */
	{
		struct tt_wire_in in = IN("PING\r\n");

		assert_int_equal(tt_resp_request(&in, 0, &w), 0);
	}
}

static void test_resp_bytes_past_n(void **state)
{
	struct tt_wire_in in = IN("*1\r\n$4\r\nPING\r\n");
	struct tt_wire_word w;

	(void)state;
	in.n = 11;	/* "PIN" then bytes the read did not return */
	assert_int_equal(tt_resp_request(&in, 1, &w), 1);
	assert_int_equal(w.len, 0);
	in.n = 13;	/* the name, but not the "\r\n" that proves its length */
	assert_int_equal(tt_resp_request(&in, 1, &w), 1);
	assert_int_equal(w.len, 0);
	in.n = 14;
	assert_int_equal(tt_resp_request(&in, 1, &w), 1);
	assert_int_equal(w.len, 4);
}

static void test_pg_requests(void **state)
{
	static const struct {
		char type;
		const char *body;
		size_t n;
		__u8 t;
		const char *word;
	} cases[] = {
		{ 'Q', "SELECT abalance FROM pgbench_accounts WHERE aid = 1;", 52, 'Q', "SELECT" },
		{ 'Q', "  \n\tselect 1", 12, 'Q', "SELECT" },
		{ 'Q', "BEGIN;", 7, 'Q', "BEGIN" },
		{ 'Q', "vacuum pgbench_branches", 24, 'Q', "VACUUM" },
		{ 'Q', "with x as (select 1) select * from x", 37, 'Q', "WITH" },
		{ 'Q', "/* c */ SELECT 1", 17, 'Q', "" },	/* a comment first: _OTHER */
		{ 'Q', "(SELECT 1)", 11, 'Q', "" },
		{ 'Q', "SELECTFROMWHEREORDERBY", 23, 'Q', "" },	/* too long for a keyword */
		{ 'Q', "", 1, 'Q', "" },
		{ 'P', "\0SELECT $1", 11, 'P', "SELECT" },	/* unnamed statement */
		{ 'P', "stmt_1\0 UPDATE t SET a = 1", 27, 'P', "UPDATE" },
		{ 'B', "\0\0\0\0\0\0\0\0", 8, 'B', "" },
		{ 'E', "\0\0\0\0\0", 5, 'E', "" },
		{ 'F', "\0\0\0\1", 4, 'F', "" },
		{ 'S', "", 0, 0, "" },	/* Sync: part of a turn, not its start */
		{ 'p', "secret", 7, 0, "" },	/* password: set-up */
		{ 'X', "", 0, 0, "" },	/* Terminate */
		{ 'H', "", 0, 0, "" },	/* Flush */
	};
	unsigned char buf[128];
	struct tt_wire_word w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = pg_msg(buf, cases[i].type, cases[i].body, cases[i].n);
		struct tt_wire_in in = in_of(buf, n);
		__u8 t = tt_pg_request(&in, &w);
		char word[TT_WIRE_WORD + 1] = "";

		memcpy(word, w.w, w.len);
		word[w.len] = 0;
		if (t != cases[i].t || strcmp(word, cases[i].word))
			fail_msg("case %zu '%c': type %u word '%s', expected %u '%s'", i,
				 cases[i].type, t, word, cases[i].t, cases[i].word);
	}
	/* the keyword cut by the read is not kept */
	{
		size_t n = pg_msg(buf, 'Q', "SELECT 1", 9);
		struct tt_wire_in in = in_of(buf, 5 + 3);

		(void)n;
		assert_int_equal(tt_pg_request(&in, &w), 'Q');
		assert_int_equal(w.len, 0);
	}
	/* a length below 4 is no message */
	{
		static const unsigned char bad[] = { 'Q', 0, 0, 0, 3, 'S' };
		struct tt_wire_in in = in_of(bad, sizeof(bad));

		assert_int_equal(tt_pg_request(&in, &w), 0);
	}
}

/* Walk a whole buffer the way the kernel does: each step sees the bytes at pos. */
static struct tt_wire_walk walk(__u8 proto, const unsigned char *b, size_t len, unsigned *steps)
{
	struct tt_wire_walk w = { .len = len, .proto = proto };

	for (*steps = 0; *steps < TT_WIRE_STEPS; (*steps)++) {
		struct tt_wire_in in = { 0 };

		if (w.pos < len)
			in = in_of(b + w.pos, len - w.pos < TT_WIRE_STEP ? len - w.pos : TT_WIRE_STEP);
		if (tt_wire_step(&w, &in))
			break;
	}
	return w;
}

static void test_walk_resp(void **state)
{
	unsigned char buf[4096];
	size_t n = 0;
	unsigned steps, i;
	struct tt_wire_walk w;

	(void)state;
	/* one command */
	n = (size_t)sprintf((char *)buf, "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000000\r\n$3\r\nxxx\r\n");
	w = walk(TT_WIRE_REDIS, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.pos, n);
	/* a pipeline of 16 (redis-benchmark -P 16): every command counted */
	n = 0;
	for (i = 0; i < 16; i++)
		n += (size_t)sprintf((char *)buf + n, "*2\r\n$3\r\nGET\r\n$16\r\nkey:%012u\r\n", i);
	w = walk(TT_WIRE_REDIS, buf, n, &steps);
	assert_int_equal(w.turns, 16);
	assert_int_equal(w.pos, n);
	assert_true(steps < TT_WIRE_STEPS);
	/* a value larger than the step: skipped by its length */
	n = (size_t)sprintf((char *)buf, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n");
	memset(buf + n, 'x', 1000);
	n += 1000;
	n += (size_t)sprintf((char *)buf + n, "\r\n*1\r\n$4\r\nPING\r\n");
	w = walk(TT_WIRE_REDIS, buf, n, &steps);
	assert_int_equal(w.turns, 2);
	/* a value that goes on in the next read: the walk stops past the read */
	w = walk(TT_WIRE_REDIS, buf, 40, &steps);
	assert_int_equal(w.turns, 1);
	assert_true(w.pos >= 40);
	/* more commands than steps: the walk ends short of the read (counted lost by the kernel) */
	n = 0;
	for (i = 0; i < 40; i++)
		n += (size_t)sprintf((char *)buf + n, "*1\r\n$4\r\nPING\r\n");
	w = walk(TT_WIRE_REDIS, buf, n, &steps);
	assert_int_equal(steps, TT_WIRE_STEPS);
	assert_true(w.pos < n);
	assert_int_equal(w.turns, TT_WIRE_STEPS / 2);
	/* inline commands have no length: one turn, the walk stops */
	n = (size_t)sprintf((char *)buf, "PING\r\nPING\r\n");
	w = walk(TT_WIRE_REDIS, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.stop, TT_WIRE_INLINE);
	/* a header cut by the read's end, and bytes that are no header */
	w = walk(TT_WIRE_REDIS, (const unsigned char *)"*2\r\n$3\r", 7, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.stop, TT_WIRE_CUT);
	assert_int_equal(w.pos, 4);
	w = walk(TT_WIRE_REDIS, (const unsigned char *)"*2\r\n$x\r", 7, &steps);
	assert_int_equal(w.stop, TT_WIRE_BAD);
	w = walk(TT_WIRE_REDIS, (const unsigned char *)"*2\r\n$3\r\nGET\r\n$", 14, &steps);
	assert_int_equal(w.stop, TT_WIRE_CUT);
	assert_int_equal(w.elems, 1);
}

static void test_walk_pg(void **state)
{
	unsigned char buf[1024];
	size_t n = 0;
	unsigned steps;
	struct tt_wire_walk w;

	(void)state;
	n = pg_msg(buf, 'Q', "SELECT 1;", 10);
	w = walk(TT_WIRE_PG, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.pos, n);
	/* extended query: Parse, Bind, Describe, Execute, Sync = one turn */
	n = pg_msg(buf, 'P', "\0SELECT $1\0\0\0", 14);
	n += pg_msg(buf + n, 'B', "\0\0\0\0\0\0\0\0", 8);
	n += pg_msg(buf + n, 'D', "P\0", 2);
	n += pg_msg(buf + n, 'E', "\0\0\0\0\0", 5);
	n += pg_msg(buf + n, 'S', "", 0);
	w = walk(TT_WIRE_PG, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.pos, n);
	/* two of them pipelined, then a simple query: three */
	memcpy(buf + n, buf, n);
	n *= 2;
	n += pg_msg(buf + n, 'Q', "COMMIT", 7);
	w = walk(TT_WIRE_PG, buf, n, &steps);
	assert_int_equal(w.turns, 3);
	/* a message longer than the read */
	n = pg_msg(buf, 'Q', "SELECT 1", 9);
	buf[3] = 0x10;	/* length 4096 + 13 */
	w = walk(TT_WIRE_PG, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_true(w.pos > n);
	/* Sync alone ends a sequence started in an earlier read: no turn of its own */
	n = pg_msg(buf, 'S', "", 0);
	n += pg_msg(buf + n, 'Q', "SELECT 2", 9);
	w = walk(TT_WIRE_PG, buf, n, &steps);
	assert_int_equal(w.turns, 1);
	assert_int_equal(w.first, 5);
	/* a header cut after 3 of its 5 bytes */
	w = walk(TT_WIRE_PG, buf, 8, &steps);
	assert_int_equal(w.stop, TT_WIRE_CUT);
	assert_int_equal(w.pos, 5);
}

/*
 * on_wire_data's handling of the stream in user space: `b` cut into reads
 * at cuts[] (ascending), each read walked from where the stream stands
 * (struct tt_wire_sync).  Returns the turns counted (timed or lost); *uncl
 * the reads counted unclassified.  lose_at: the read of that index is not
 * seen (as one with no buffer), or -1.
 */
static unsigned follow(__u8 proto, const unsigned char *b, size_t n, const size_t *cuts,
		       size_t ncuts, long lose_at, unsigned *uncl)
{
	struct tt_wire_sync s = { 0 };
	unsigned turns = 0;
	size_t at = 0, i;

	*uncl = 0;
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n, len = end - at, vlen, k;
		const unsigned char *r = b + at;
		struct tt_wire_walk w = { .proto = proto };
		struct tt_wire_in last = { 0 }, head;
		unsigned char *v;
		unsigned steps;
		int stopped = 0;

		at = end;
		if (!len)
			continue;
		if ((long)i == lose_at) {
			memset(&s, 0, sizeof(s));
			s.lost = 1;
			continue;
		}
		if (s.skip >= len) {
			s.skip -= len;
			continue;
		}
		r += s.skip;
		len -= s.skip;
		s.skip = 0;
		k = s.carry_len;
		vlen = k + len;
		v = malloc(vlen);
		assert_non_null(v);
		memcpy(v, s.carry, k);
		memcpy(v + k, r, len);
		head = in_of(v, vlen);
		if (s.lost) {
			struct tt_wire_word wd;
			int t = proto == TT_WIRE_REDIS ? tt_resp_request(&head, 1, &wd) :
							 tt_pg_request(&head, &wd);

			if (!t) {
				(*uncl)++;
				free(v);
				continue;
			}
			s.lost = 0;
		}
		w.len = vlen;
		w.elems = s.elems;
		w.ext = s.ext;
		for (steps = 0; steps < TT_WIRE_STEPS; steps++) {
			struct tt_wire_in in = { 0 };

			if (w.pos < vlen)
				in = in_of(v + w.pos, vlen - w.pos < TT_WIRE_STEP ? vlen - w.pos :
										     TT_WIRE_STEP);
			last = in;
			if (tt_wire_step(&w, &in)) {
				stopped = 1;
				break;
			}
		}
		turns += w.turns;
		if (tt_wire_sync_end(&s, &w, &last, stopped)) {
			if (stopped)
				(*uncl)++;
			else
				turns++;
		}
		free(v);
	}
	return turns;
}

/* A Redis stream of 5 commands: values of 3, 200 and 1000 bytes, a GET, a PING. */
static size_t redis_stream(unsigned char *buf)
{
	size_t n = 0;

	n += (size_t)sprintf((char *)buf + n, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n");
	n += (size_t)sprintf((char *)buf + n, "*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$200\r\n");
	memset(buf + n, 'v', 200);
	n += 200;
	n += (size_t)sprintf((char *)buf + n, "\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
	n += (size_t)sprintf((char *)buf + n, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n");
	memset(buf + n, 'w', 1000);
	n += 1000;
	n += (size_t)sprintf((char *)buf + n, "\r\n*1\r\n$4\r\nPING\r\n");
	return n;
}

/* A PostgreSQL stream of 4 turns: a Query, a long Query, Parse/Bind/Execute/Sync, Bind/Execute/Sync. */
static size_t pg_stream(unsigned char *buf)
{
	unsigned char q[3000];
	size_t n = 0;

	n += pg_msg(buf + n, 'Q', "SELECT 1", 9);
	memcpy(q, "SELECT '", 8);
	memset(q + 8, 'Q', sizeof(q) - 10);	/* 'Q' bytes everywhere: none is a header */
	q[sizeof(q) - 2] = '\'';
	q[sizeof(q) - 1] = 0;
	n += pg_msg(buf + n, 'Q', q, sizeof(q));
	n += pg_msg(buf + n, 'P', "\0SELECT $1\0\0\0", 14);
	n += pg_msg(buf + n, 'B', "\0\0\0\0\0\0\0\0", 8);
	n += pg_msg(buf + n, 'E', "\0\0\0\0\0", 5);
	n += pg_msg(buf + n, 'S', "", 0);
	n += pg_msg(buf + n, 'B', "\0\0\0\0\0\0\0\0", 8);
	n += pg_msg(buf + n, 'E', "\0\0\0\0\0", 5);
	n += pg_msg(buf + n, 'S', "", 0);
	return n;
}

/*
 * Reads that start inside a message or a header: every turn is counted
 * exactly, wherever the stream is cut into reads (every single cut, and
 * pairs of cuts), and nothing is unclassified.
 */
static void test_stream_cut_anywhere(void **state)
{
	static unsigned char buf[8192];
	size_t n, c[2];
	unsigned uncl;
	int p;

	(void)state;
	for (p = 0; p < 2; p++) {
		__u8 proto = p ? TT_WIRE_PG : TT_WIRE_REDIS;
		unsigned want = p ? 4 : 5;

		n = p ? pg_stream(buf) : redis_stream(buf);
		assert_int_equal(follow(proto, buf, n, NULL, 0, -1, &uncl), want);
		for (c[0] = 1; c[0] < n; c[0]++) {
			if (follow(proto, buf, n, c, 1, -1, &uncl) != want || uncl)
				fail_msg("proto %u, cut at %zu: %u turns, %u unclassified", proto, c[0],
					 follow(proto, buf, n, c, 1, -1, &uncl), uncl);
			for (c[1] = c[0] + 1; c[0] < 120 && c[1] < n; c[1] += 7)
				if (follow(proto, buf, n, c, 2, -1, &uncl) != want || uncl)
					fail_msg("proto %u, cuts at %zu, %zu: %u turns, %u unclassified",
						 proto, c[0], c[1],
						 follow(proto, buf, n, c, 2, -1, &uncl), uncl);
		}
	}
}

/*
 * A read not seen (no buffer): the reads after it that start inside a
 * message are counted unclassified, and the first that starts with a
 * request is followed again.
 */
static void test_stream_lost_and_found(void **state)
{
	static unsigned char buf[8192];
	size_t n, cuts[8];
	unsigned uncl;

	(void)state;
	n = redis_stream(buf);
	/* offsets: cmd1 ends at 29, cmd2's header at 56, its value + CRLF at 258 (the GET), the
	 * GET at 278 (the SET of 1000 bytes), that SET's header at 305 */
	assert_int_equal(n, 305 + 1002 + 14);
	/* reads: [cmd1][cmd2's header][100 v][100 v, GET, SET's header][500 w][502 w, PING] */
	cuts[0] = 29;
	cuts[1] = 56;
	cuts[2] = 156;
	cuts[3] = 305;
	cuts[4] = 805;
	assert_int_equal(follow(TT_WIRE_REDIS, buf, n, cuts, 5, -1, &uncl), 5);
	assert_int_equal(uncl, 0);
	/* cmd2's header unseen: every later read starts inside a value (unclassified) */
	assert_int_equal(follow(TT_WIRE_REDIS, buf, n, cuts, 5, 1, &uncl), 1);
	assert_int_equal(uncl, 4);
	/* the GET starts a read: followed again from there (GET, SET, PING) */
	cuts[2] = 258;
	assert_int_equal(follow(TT_WIRE_REDIS, buf, n, cuts, 5, 1, &uncl), 4);
	assert_int_equal(uncl, 1);	/* the value's read */
	cuts[2] = 200;	/* two reads inside the value, then the GET's read */
	cuts[3] = 258;
	assert_int_equal(follow(TT_WIRE_REDIS, buf, n, cuts, 5, 1, &uncl), 4);
	assert_int_equal(uncl, 2);
}

static void test_wire_labels(void **state)
{
	struct tt_req_event e = { .kind = TT_REQ_REDIS };
	char buf[TT_REQ_WIRE_LABEL];

	(void)state;
	memcpy(e.route, "GET", 3);
	e.route_len = 3;
	assert_string_equal(tt_req_wire_label(&e, buf), "GET");
	e.route_len = 0;
	assert_string_equal(tt_req_wire_label(&e, buf), "_OTHER");
	e.route_len = 3;
	e.route[1] = '\n';	/* never from the kernel: not passed on */
	assert_string_equal(tt_req_wire_label(&e, buf), "_OTHER");
	e.route_len = 200;	/* past the word */
	memcpy(e.route, "ABCDEFGHIJKLMNOPQRST", 20);
	assert_string_equal(tt_req_wire_label(&e, buf), "ABCDEFGHIJKLMNOP");
	e.kind = TT_REQ_POSTGRESQL;
	e.route_len = 0;
	e.status = 'B';
	assert_string_equal(tt_req_wire_label(&e, buf), "_PREPARED");
	e.status = 'E';
	assert_string_equal(tt_req_wire_label(&e, buf), "_PREPARED");
	e.status = 'F';
	assert_string_equal(tt_req_wire_label(&e, buf), "_FUNCTION");
	e.status = 'Q';
	assert_string_equal(tt_req_wire_label(&e, buf), "_OTHER");
	e.route_len = 6;
	memcpy(e.route, "SELECT", 6);
	assert_string_equal(tt_req_wire_label(&e, buf), "SELECT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_resp_names),
		cmocka_unit_test(test_resp_bytes_past_n),
		cmocka_unit_test(test_pg_requests),
		cmocka_unit_test(test_walk_resp),
		cmocka_unit_test(test_walk_pg),
		cmocka_unit_test(test_stream_cut_anywhere),
		cmocka_unit_test(test_stream_lost_and_found),
		cmocka_unit_test(test_wire_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
