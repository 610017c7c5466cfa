/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF-side helpers every tracer includes once: the `ready` gate, the process
 * filter (pid set with fork following, comm, cgroup v2 subtree) and the
 * per-CPU loss counters that user space folds into the report.
 */
#ifndef TT_BPF_H
#define TT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tracetool/common.h"

#define TT_MAX_ERRNO 4095
#define TT_EEXIST 17	/* errno.h is not usable with -target bpf */

/* Set by user space once every link is attached (retsnoop's pattern). */
bool tt_ready = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_MAX_PIDS);
	__type(key, __u32);	/* tgid */
	__type(value, __u8);
} tt_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tt_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_LOST_NR);
	__type(key, __u32);
	__type(value, __u64);
} tt_lost SEC(".maps");

static __always_inline void tt_count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&tt_lost, &reason);

	if (v)	/* atomic: tcp counts from process context and from a softirq over it */
		__sync_fetch_and_add(v, 1);
}

static __always_inline bool tt_comm_eq(const char *a, const volatile char *b)
{
	int i;

	for (i = 0; i < TT_COMM_LEN; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			break;
	}
	return true;
}

/*
 * The value of `key` in a preallocated aggregation map, inserted from
 * `zero` (a never-written global, not the stack) on first use.  A full map
 * is a counted loss (map_full), never a silent one.  NULL then.
 */
static __always_inline void *tt_lookup_or_init(void *map, const void *key, void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -TT_EEXIST) {
		tt_count_lost(TT_LOST_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

/*
 * Does the current task pass the filter?  `f` lives in .rodata, so the
 * verifier prunes every disabled check: an unfiltered run pays nothing.
 */
static __always_inline bool tt_task_wanted(const volatile struct tt_filter *f)
{
	if (f->self_tgid || f->filter_pids) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (tgid == f->self_tgid)
			return false;
		if (f->filter_pids && !bpf_map_lookup_elem(&tt_pids, &tgid))
			return false;
	}
	if (f->filter_comm) {
		char comm[TT_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!tt_comm_eq(comm, f->comm))
			return false;
	}
	if (f->filter_cgroup && bpf_current_task_under_cgroup(&tt_cgroup, 0) != 1)
		return false;
	return true;
}

/* sched_process_fork: a child of a followed process is followed too. */
static __always_inline int tt_follow_fork(const volatile struct tt_filter *f,
					  struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;
	__u8 one = 1;
	long err;

	if (!f->follow_forks)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&tt_pids, &ptgid))
		return 0;
	err = bpf_map_update_elem(&tt_pids, &ctgid, &one, BPF_NOEXIST);
	if (err && err != -TT_EEXIST)
		tt_count_lost(TT_LOST_PIDS_FULL);
	return 0;
}

/*
 * sched_process_exit: forget a followed process when its last thread exits.
 * The leader may exit first (pthread_exit in main) while other threads run
 * on; do_exit() has already decremented signal->live when this fires.
 */
static __always_inline int tt_follow_exit(const volatile struct tt_filter *f)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (f->follow_forks && BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&tt_pids, &tgid);
	return 0;
}

/*
 * Fork following programs for both hook kinds; user space loads the pair
 * matching the chosen hook, and only when following is on.
 */
#define TT_FOLLOW_PROGS(cfg_filter)                                                       \
	SEC("tp_btf/sched_process_fork")                                                  \
	int BPF_PROG(tt_follow_fork_btf, struct task_struct *parent, struct task_struct *child) \
	{                                                                                 \
		return tt_follow_fork(&(cfg_filter), parent, child);                      \
	}                                                                                 \
	SEC("raw_tp/sched_process_fork")                                                  \
	int BPF_PROG(tt_follow_fork_raw, struct task_struct *parent, struct task_struct *child) \
	{                                                                                 \
		return tt_follow_fork(&(cfg_filter), parent, child);                      \
	}                                                                                 \
	SEC("tp_btf/sched_process_exit")                                                  \
	int BPF_PROG(tt_follow_exit_btf)                                                  \
	{                                                                                 \
		return tt_follow_exit(&(cfg_filter));                                     \
	}                                                                                 \
	SEC("raw_tp/sched_process_exit")                                                  \
	int BPF_PROG(tt_follow_exit_raw)                                                  \
	{                                                                                 \
		return tt_follow_exit(&(cfg_filter));                                     \
	}

#endif /* TT_BPF_H */
