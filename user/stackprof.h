/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stack profiles from the maps of a stack tracer (bpf/lib/stack.bpf.h):
 * the aggregation map (struct tt_stack_key -> value), the stack map (struct
 * tt_stack_ips -> id) and the ring buffer announcing new processes.  Used by every stack tracer; knows
 * none by name.  Interval reports are exact: the kernel totals are never
 * reset, each report shows their increase since the previous one.
 */
#ifndef TT_STACKPROF_H
#define TT_STACKPROF_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"
#include "stackdelta.h"
#include "symbolize.h"
#include "unwind.h"
#include "tracetool/profile.h"
#include "tracetool/stack.h"

struct bpf_map;
struct ring_buffer;
struct stack_by_id;

struct tt_stackprof {
	bool tracepoint_stacks;	/* kernel stacks taken in a tracepoint: drop the dispatch frames */
	struct tt_syms *syms;
	struct ring_buffer *rb;
	struct bpf_map *counts, *stacks;
	struct tt_stack_deltas deltas;	/* increases since the previous report, span credit */
	struct stack_by_id *by_id;	/* stacks sorted by id, read from the stack map during a report */
	size_t nby_id;
	struct bpf_map *spans;	/* optional: tid -> struct tt_stack_span in progress */
	uint64_t min_span_ns;	/* spans shorter than this are not reported */
	void *inflight;		/* tsearch: spans in progress already partly reported */
	const char *name;	/* profile name: "cpu", "offcpu" */
	const char *unit;	/* "samples", "microseconds" */
	uint64_t divisor;	/* kernel value / divisor = reported value (ns -> us: 1000) */
	size_t fd_lost;		/* symbolization's + unwinding's fd_lost already reported (TT_LOST_SYMBOLIZE_FD) */
	struct tt_unwind *uw;	/* optional: samples unwound in user space (owned) */
};

#define TT_FRAME_TRUNCATED "[truncated]"

/*
 * Set up for the maps of a loaded object.  `new_pids` is the ring buffer of
 * struct tt_new_pid records.  0 or -errno.
 */
int tt_stackprof_init(struct tt_stackprof *sp, struct bpf_map *counts, struct bpf_map *stacks,
		      struct bpf_map *new_pids, const char *name, const char *unit,
		      uint64_t divisor, bool show_addrs);
void tt_stackprof_release(struct tt_stackprof *sp);

/*
 * Also report spans still in progress (map of tid -> struct tt_stack_span),
 * each report showing the part since the previous one; when a span ends
 * and the kernel adds it whole to its key, the part already reported is
 * taken off.  Spans shorter than `min_ns` in total are left out.
 */
void tt_stackprof_set_spans(struct tt_stackprof *sp, struct bpf_map *spans, uint64_t min_ns);

/*
 * Unwind user stacks in user space too: the ring buffer also carries
 * struct tt_ustack_sample records, unwound and counted by `uw` (owned from
 * here, freed by tt_stackprof_release) and added to each report.
 */
void tt_stackprof_set_unwind(struct tt_stackprof *sp, struct tt_unwind *uw);

/* For tt_tracer_ops.event_fd: the ring buffer's epoll fd. */
int tt_stackprof_event_fd(struct tt_stackprof *sp);

/*
 * For tt_tracer_ops.drain: capture the processes announced since the last
 * call (their mappings and files).  Adds no events; returns 0 or -errno.
 */
int tt_stackprof_drain(struct tt_stackprof *sp);

/*
 * Add one profile to `r`: every key's increase since the previous call,
 * symbolized into frames (comm first, then TT_FRAME_TRUNCATED when the
 * stack was cut short before its outermost frame, then outermost to
 * innermost; kernel frames suffixed "_[k]"), identical frame lists merged.
 * 0 or -errno.
 */
int tt_stackprof_collect(struct tt_stackprof *sp, struct tt_report *r);

/*
 * The frames of one key, for tests: fills `frames` (at most `max`), returns how many.
 * Its stacks are known only during tt_stackprof_collect (read from the map, then freed).
 */
size_t tt_stackprof_frames(struct tt_stackprof *sp, const struct tt_stack_key *k,
			   const char **frames, size_t max);

#endif /* TT_STACKPROF_H */
