/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear (HDR-style) latency histogram shared by the BPF programs and
 * user space.  Values are unsigned integers (nanoseconds for latencies).
 * Values below TT_HIST_SUB are counted exactly, one slot each; above that,
 * every power of two is split into TT_HIST_SUB equal sub-buckets, so a
 * bucket is at most 1/64 of its lower bound wide and the bucket midpoint is
 * within 0.78 % of any value in it.  Values at or above 2^TT_HIST_MAX_BITS
 * go to the explicit overflow slot, never into the last finite one.
 *
 * This header is compiled by clang -target bpf and by the host compiler:
 * keep it free of anything but fixed-width integer code.
 */
#ifndef TRACETOOL_HIST_H
#define TRACETOOL_HIST_H

#ifdef __TT_BPF__
/* vmlinux.h already defines __u32/__u64 */
#else
#include <linux/types.h>
#endif

#ifndef __tt_inline
#define __tt_inline static inline __attribute__((always_inline))
#endif

#define TT_HIST_SUB_BITS 6
#define TT_HIST_SUB (1u << TT_HIST_SUB_BITS)		/* 64 sub-buckets */
#define TT_HIST_MAX_BITS 37				/* finite range < 2^37 (137 s in ns) */
#define TT_HIST_FINITE ((TT_HIST_MAX_BITS - TT_HIST_SUB_BITS + 1) * TT_HIST_SUB)
#define TT_HIST_OVERFLOW TT_HIST_FINITE			/* slot index of the overflow bucket */
#define TT_HIST_NSLOTS (TT_HIST_FINITE + 1)

/*
 * A dense histogram, as user space merges it.  count/sum/min/max are exact;
 * min is only meaningful when count > 0.  (16 KB: too big to keep one per
 * key per CPU in the kernel; BPF maps hold struct tt_hist_cell instead.)
 */
struct tt_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 slots[TT_HIST_NSLOTS];
};

_Static_assert(TT_HIST_FINITE == 2048, "histogram layout changed: update docs");
_Static_assert(sizeof(struct tt_hist) == 8 * (4 + TT_HIST_NSLOTS), "tt_hist has padding");

/* Index of the most significant set bit of v (v > 0); branch-light, no clz. */
__tt_inline __u32 tt_log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (__u32)(v >> 1);
	return r;
}

/* Slot for value v: [0, TT_HIST_FINITE) or TT_HIST_OVERFLOW. */
__tt_inline __u32 tt_hist_slot(__u64 v)
{
	__u32 msb, sub;

	if (v < TT_HIST_SUB)
		return (__u32)v;
	msb = tt_log2_u64(v);
	if (msb >= TT_HIST_MAX_BITS)
		return TT_HIST_OVERFLOW;
	sub = (__u32)(v >> (msb - TT_HIST_SUB_BITS)) & (TT_HIST_SUB - 1);
	return (msb - TT_HIST_SUB_BITS + 1) * TT_HIST_SUB + sub;
}

/* Smallest value that lands in finite slot s (s < TT_HIST_FINITE). */
__tt_inline __u64 tt_hist_slot_lower(__u32 s)
{
	__u32 group = s / TT_HIST_SUB, sub = s % TT_HIST_SUB;

	if (group == 0)
		return s;
	return (__u64)(TT_HIST_SUB + sub) << (group - 1);
}

/* Largest value that lands in finite slot s (inclusive upper bound). */
__tt_inline __u64 tt_hist_slot_upper(__u32 s)
{
	if (s + 1 >= TT_HIST_FINITE)
		return (1ULL << TT_HIST_MAX_BITS) - 1;
	return tt_hist_slot_lower(s + 1) - 1;
}

/* count/sum/min/max of the samples of one bucket in one generation. */
struct tt_hist_sum {
	__u64 gen;		/* generation these samples belong to */
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
};

/*
 * One non-empty bucket of one histogram as BPF keeps it, per CPU, in a hash
 * keyed by (series key, slot).  Keeping count/sum/min/max per bucket makes
 * the whole histogram's count, sum, min and max exact with a single map
 * update per sample, and memory grows with the buckets actually used.
 *
 * Interval reports must not lose samples, so cells are never deleted or
 * zeroed by user space.  Instead BPF records into the half g[gen & 1] for
 * the generation user space publishes (tt_gen), restarting that half when
 * it holds an older generation.  User space bumps tt_gen, then reads the
 * halves tagged with the old generation: nothing restarts them until two
 * generations later.
 */
struct tt_hist_cell {
	struct tt_hist_sum g[2];
};

_Static_assert(sizeof(struct tt_hist_cell) == 80, "tt_hist_cell layout");

/* Record one value into a per-CPU cell (no atomics: per-CPU storage). */
__tt_inline void tt_hist_cell_record(struct tt_hist_cell *c, __u32 gen, __u64 v)
{
	struct tt_hist_sum *s = &c->g[gen & 1];

	if (s->gen != gen || s->count == 0) {
		s->gen = gen;
		s->count = 0;
		s->sum = 0;
		s->min = v;
		s->max = v;
	}
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
}

/* dst += src (user space: merging CPUs and cells); gen is left alone. */
__tt_inline void tt_hist_sum_add(struct tt_hist_sum *dst, const struct tt_hist_sum *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
}

/* The samples generation `gen` recorded in cell `c`, or NULL when none. */
__tt_inline const struct tt_hist_sum *tt_hist_cell_read(const struct tt_hist_cell *c, __u32 gen)
{
	const struct tt_hist_sum *s = &c->g[gen & 1];

	return s->gen == gen && s->count ? s : 0;
}

/* A counter with the same two-generation scheme (e.g. errors by errno). */
struct tt_gen_counter {
	__u64 gen[2];
	__u64 v[2];
};

__tt_inline void tt_gen_counter_inc(struct tt_gen_counter *c, __u32 gen)
{
	if (c->gen[gen & 1] != gen) {
		c->gen[gen & 1] = gen;
		c->v[gen & 1] = 0;
	}
	c->v[gen & 1]++;
}

__tt_inline __u64 tt_gen_counter_read(const struct tt_gen_counter *c, __u32 gen)
{
	return c->gen[gen & 1] == gen ? c->v[gen & 1] : 0;
}

/* Record one value into a dense histogram. */
__tt_inline void tt_hist_record(struct tt_hist *h, __u64 v)
{
	__u32 s = tt_hist_slot(v);

	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	if (s < TT_HIST_NSLOTS)	/* always true; tells the verifier the bound */
		h->slots[s]++;
}

#endif /* TRACETOOL_HIST_H */
