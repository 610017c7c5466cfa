// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * offcpu tracer: time threads spend blocked, by stack.  At sched_switch the
 * thread leaving the CPU (if wanted, and blocking: it leaves in a sleeping
 * state, or in the states --state names) gets its stacks and a timestamp
 * stored by thread id; sched_wakeup ends the block, and when the thread runs
 * again the blocked time is added, in nanoseconds, to its key's total.  The
 * wait for a CPU after the wakeup is not blocked time: on a busy CPU it can
 * be many times the block, so it is left out, and counted instead with
 * --state 0 (time runnable but not running).  Blocks
 * shorter than --min-block are ignored.  tp_btf, falling back to raw_tp.
 */
#include "lib/tt.bpf.h"
#include "lib/stack.bpf.h"
#include "tracetool/profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tt_profile_config cfg = {};

/* Blocked threads (16384 at a time).  Full: the block is counted as map_full. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);	/* thread id */
	__type(value, struct tt_stack_span);
} starts SEC(".maps");

/* task_struct before 5.14, whose state field was `state` */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (unsigned int)BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/*
 * Is this switch out one to count?  A thread that leaves still runnable
 * (preempted, even on its way back to user mode where the flag says
 * "voluntary", or calling sched_yield) is not blocked: its state is
 * TASK_RUNNING.  --state chooses states instead, 0 meaning those runnable.
 */
static __always_inline bool wanted_switch(bool preempt, struct task_struct *prev, bool *runnable)
{
	unsigned int state = task_state(prev);

	*runnable = preempt || !state;
	if (!cfg.has_states)
		return !*runnable;
	if (!cfg.states)	/* runnable ones, and blocked ones from their wakeup */
		return true;
	return !*runnable && (state & cfg.states);
}

/* --state 0: count time runnable, not time blocked */
static __always_inline bool counting_runnable(void)
{
	return cfg.has_states && !cfg.states;
}

static __always_inline void switch_out(void *ctx, bool preempt, struct task_struct *prev)
{
	struct tt_stack_span st = { .key = { .user_stack = TT_STACK_NONE,
					       .kern_stack = TT_STACK_NONE } };
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	bool runnable;

	/* exiting threads never return */
	if (!tid || BPF_CORE_READ(prev, exit_state) || !wanted_switch(preempt, prev, &runnable))
		return;
	if (!tt_task_wanted(&cfg.filter))
		return;
	st.key.tgid = id >> 32;
	bpf_get_current_comm(st.key.comm, sizeof(st.key.comm));
	if (cfg.kernel_stacks)
		st.key.kern_stack = tt_stackid(ctx, 0);
	if (cfg.user_stacks && tt_has_user_stack(prev)) {
		st.key.user_stack = tt_stackid(ctx, BPF_F_USER_STACK);
		st.key.as_gen = tt_note_pid(st.key.tgid);	/* prev is current here */
	}
	/* a blocked thread's wait for a CPU starts at its wakeup (--state 0) */
	st.ts = counting_runnable() && !runnable ? 0 : bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &st, BPF_ANY))
		tt_count_lost(TT_LOST_MAP_FULL);
}

static __always_inline void switch_in(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	struct tt_stack_span *st;
	struct tt_stack_key key;
	__u64 delta;

	if (!tid)	/* the idle task: never stored, skip the lookup */
		return;
	st = bpf_map_lookup_elem(&starts, &tid);
	if (!st)
		return;
	/* no wakeup seen (it came before the span was stored): up to now */
	delta = (st->end ? st->end : bpf_ktime_get_ns()) - st->ts;
	if (!st->ts)	/* --state 0, blocked, no wakeup seen: nothing to count */
		delta = 0;
	key = st->key;
	/*
	 * Forget the span before adding it: user space reads the totals, then
	 * the spans in progress; a span still present after its time was added
	 * would be counted twice in that report.
	 */
	bpf_map_delete_elem(&starts, &tid);
	if (delta && delta >= cfg.min_block_ns)
		tt_stack_add(&key, delta);
}

/*
 * The wakeup of a stored thread ends its block (or, with --state 0, starts
 * its wait for a CPU).  Under the woken thread's run-queue lock, before it
 * can be switched in, so switch_in sees what is written here.
 */
static __always_inline void on_wakeup(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	struct tt_stack_span *st;

	if (!tt_ready || !tid)
		return;
	st = bpf_map_lookup_elem(&starts, &tid);
	if (!st)
		return;
	if (counting_runnable()) {
		if (!st->ts)
			st->ts = bpf_ktime_get_ns();
	} else if (!st->end) {
		st->end = bpf_ktime_get_ns();
	}
}

static __always_inline int on_switch(void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	if (!tt_ready)
		return 0;
	switch_out(ctx, preempt, prev);
	switch_in(next);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, preempt, prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

TT_FOLLOW_PROGS(cfg.filter)
