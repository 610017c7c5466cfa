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
 * series in the kernel; BPF maps hold series storage instead, see below.)
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

/*
 * Series storage, as BPF keeps it (bpf/lib/series.bpf.h) and user space
 * reads it (user/cells.c).  Everything is cumulative since the tracer
 * started: BPF only adds, user space never writes, so a reading has no side
 * effects and an interval is the difference of two readings.
 *
 * A series (one label set) has a small id.  Its count/sum/min/max live in
 * an array indexed by the id (struct tt_series_stats); its histogram is one
 * u64 sample count per non-empty bucket, in a hash keyed by the u32 cell
 * key `id << TT_CELL_SLOT_BITS | slot`.  Counters (errors by errno, tcp
 * counters) use the same key shape with another sub-key in place of the slot.
 */
#define TT_CELL_SLOT_BITS 12				/* slots < TT_HIST_NSLOTS <= 4096 */
#define TT_CELL_SUB_MASK ((1u << TT_CELL_SLOT_BITS) - 1)
#define TT_SERIES_ID_MAX (1u << (32 - TT_CELL_SLOT_BITS))	/* ids < 2^20 */

_Static_assert(TT_HIST_NSLOTS <= (1u << TT_CELL_SLOT_BITS), "a slot must fit the cell key");

__tt_inline __u32 tt_cell_key(__u32 id, __u32 sub)
{
	return id << TT_CELL_SLOT_BITS | sub;
}

__tt_inline __u32 tt_cell_id(__u32 key)
{
	return key >> TT_CELL_SLOT_BITS;
}

__tt_inline __u32 tt_cell_sub(__u32 key)
{
	return key & TT_CELL_SUB_MASK;
}

/*
 * Exact count/sum/min/max of one series.  `nmin` holds ~min, so a zeroed
 * entry (count 0, nmin 0 = "min is 2^64-1") needs no initialisation and
 * "v < min" is "~v > nmin", which BPF can update with the same compare as max.
 */
struct tt_series_stats {
	__u64 count;
	__u64 sum;	/* wraps after 584 years of summed nanoseconds */
	__u64 nmin;	/* ~min */
	__u64 max;
};

_Static_assert(sizeof(struct tt_series_stats) == 32, "tt_series_stats layout");

/* Record one value where only this CPU writes (a per-CPU entry, no nesting). */
__tt_inline void tt_series_stats_record(struct tt_series_stats *s, __u64 v)
{
	if (~v > s->nmin)
		s->nmin = ~v;
	if (v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
}

__tt_inline __u64 tt_series_stats_min(const struct tt_series_stats *s)
{
	return s->count ? ~s->nmin : 0;
}

/* dst += src (user space: merging CPUs). */
__tt_inline void tt_series_stats_add(struct tt_series_stats *dst, const struct tt_series_stats *src)
{
	if (src->nmin > dst->nmin)
		dst->nmin = src->nmin;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
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
