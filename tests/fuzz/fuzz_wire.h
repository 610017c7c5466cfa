/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the Redis and PostgreSQL fuzz targets share: run every decoder of
 * include/tracetool/reqproto.h on an input the way the kernel does (the
 * first TT_WIRE_BUF bytes as a zero-padded struct tt_wire_in, the walk
 * seeing TT_WIRE_STEP bytes at each position) and check what the kernel
 * relies on besides "no crash, no UB": a word is empty or 1-16 capitals
 * followed by zeros, the walk only moves forward and counts at most one
 * turn per step.
 */
#ifndef TT_FUZZ_WIRE_H
#define TT_FUZZ_WIRE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracetool/reqproto.h"

static void check_word(const struct tt_wire_word *w)
{
	__u32 i;

	if (w->len > TT_WIRE_WORD)
		abort();
	for (i = 0; i < TT_WIRE_WORD; i++) {
		if (i < w->len && (w->w[i] < 'A' || w->w[i] > 'Z'))
			abort();	/* only a name's capitals may leave the kernel */
		if (i >= w->len && w->w[i])
			abort();
	}
}

static struct tt_wire_in fuzz_in(const uint8_t *data, size_t size)
{
	struct tt_wire_in in;

	memset(&in, 0, sizeof(in));
	in.n = (__u32)(size < TT_WIRE_BUF ? size : TT_WIRE_BUF);
	memcpy(in.b, data, in.n);
	return in;
}

/* Walk data as one read of a connection speaking proto. */
static void fuzz_walk(__u8 proto, const uint8_t *data, size_t size)
{
	struct tt_wire_walk w;
	struct tt_wire_sync s;
	struct tt_wire_in in;
	__u64 last = 0;
	unsigned steps;
	int stopped = 0;

	memset(&w, 0, sizeof(w));
	memset(&in, 0, sizeof(in));
	w.len = size;
	w.proto = proto;
	for (steps = 0; steps < TT_WIRE_STEPS; steps++) {
		memset(&in, 0, sizeof(in));
		if (w.pos < size)
			in = fuzz_in(data + w.pos, size - w.pos < TT_WIRE_STEP ? size - w.pos :
										 TT_WIRE_STEP);
		if (tt_wire_step(&w, &in)) {
			stopped = 1;
			break;
		}
		if (w.pos <= last)
			abort();	/* every step moves on */
		last = w.pos;
	}
	if (w.turns > steps + 1)
		abort();
	if (w.turns && w.first >= size)
		abort();	/* the first turn starts inside the read */
	memset(&s, 0xa5, sizeof(s));
	tt_wire_sync_end(&s, &w, &in, stopped);
	/* a carried header is the rest of the read, and shorter than the carry */
	if (s.carry_len && (s.carry_len >= TT_WIRE_CARRY || s.carry_len != size - w.pos ||
			    memcmp(s.carry, data + w.pos, s.carry_len)))
		abort();
	if (s.lost && (s.skip || s.carry_len || s.elems || s.ext))
		abort();
}

/* Every decoder on one input. */
static void fuzz_wire(const uint8_t *data, size_t size)
{
	struct tt_wire_in in = fuzz_in(data, size);
	struct tt_wire_word w;
	__u8 p, t;

	memset(&w, 0x5a, sizeof(w));	/* what a decoder leaves must not depend on this */
	p = tt_wire_detect(&in, &w);
	if (p != TT_WIRE_NONE && p != TT_WIRE_REDIS && p != TT_WIRE_PG)
		abort();
	memset(&w, 0x5a, sizeof(w));
	tt_resp_request(&in, 1, &w);
	check_word(&w);
	memset(&w, 0x5a, sizeof(w));
	if (tt_resp_request(&in, 0, &w) && in.b[0] != '*')
		abort();	/* inline commands only where allowed */
	check_word(&w);
	memset(&w, 0x5a, sizeof(w));
	t = tt_pg_request(&in, &w);
	check_word(&w);
	if (t && t != 'Q' && t != 'P' && t != 'B' && t != 'E' && t != 'F')
		abort();
	if (w.len && t != 'Q' && t != 'P')
		abort();	/* only a statement's text has a keyword */
	fuzz_walk(TT_WIRE_REDIS, data, size);
	fuzz_walk(TT_WIRE_PG, data, size);
}

#endif /* TT_FUZZ_WIRE_H */
