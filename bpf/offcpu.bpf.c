// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * offcpu tracer: time threads spend blocked, by stack.  At sched_switch the
 * thread leaving the CPU (if wanted, and blocking: it leaves in a sleeping
 * state, or in the states --state names) gets its stacks and a timestamp
 * stored by thread id; when it comes back the blocked time is added, in
 * nanoseconds, to its key's total.  Blocks shorter than --min-block are
 * ignored.  tp_btf, falling back to raw_tp.
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
static __always_inline bool wanted_switch(bool preempt, struct task_struct *prev)
{
	unsigned int state = task_state(prev);
	bool runnable = preempt || !state;

	if (!cfg.has_states)
		return !runnable;
	if (!cfg.states)
		return runnable;
	return !runnable && (state & cfg.states);
}

static __always_inline void switch_out(void *ctx, bool preempt, struct task_struct *prev)
{
	struct tt_stack_span st = { .key = { .user_stack = TT_STACK_NONE,
					       .kern_stack = TT_STACK_NONE } };
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	/* exiting threads never return */
	if (!tid || BPF_CORE_READ(prev, exit_state) || !wanted_switch(preempt, prev))
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
	st.ts = bpf_ktime_get_ns();
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
	delta = bpf_ktime_get_ns() - st->ts;
	key = st->key;
	/*
	 * Forget the span before adding it: user space reads the totals, then
	 * the spans in progress; a span still present after its time was added
	 * would be counted twice in that report.
	 */
	bpf_map_delete_elem(&starts, &tid);
	if (delta >= cfg.min_block_ns)
		tt_stack_add(&key, delta);
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

TT_FOLLOW_PROGS(cfg.filter)
