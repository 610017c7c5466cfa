/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side shared by the stack tracers (profile, offcpu): the stack map
 * (stacks keyed by content),
 * the (process, user stack, kernel stack, comm) -> value aggregation map,
 * and the announcement of processes seen for the first time, so user space
 * captures their mappings while they live (a process may exit before the
 * report).  Include after lib/tt.bpf.h.
 */
#ifndef TT_STACK_BPF_H
#define TT_STACK_BPF_H

#include "tracetool/stack.h"

#define TT_PF_KTHREAD 0x00200000	/* include/linux/sched.h */

/*
 * Stacks by content -> id; sized by user space (--max-stacks).  Not a
 * BPF_MAP_TYPE_STACK_TRACE: that map stores a stack in the bucket its hash
 * selects and fails (-EEXIST) when another stack holds the bucket, so it
 * loses a growing share of stacks as it fills (3 % already in a 4-second
 * host-wide profile with 8192 buckets).  Here a stack is lost only when the
 * map is full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tt_stack_ips);
	__type(value, __u32);
} stacks SEC(".maps");

/* Scratch space for one stack (too large for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_stack_ips);
} stack_buf SEC(".maps");

/* Next stack id to hand out. */
__u32 tt_next_stack_id = 0;

/* Samples (profile) or blocked nanoseconds (offcpu) per key; never deleted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tt_stack_key);
	__type(value, __u64);
} counts SEC(".maps");

/*
 * Processes already announced to user space, with the mm they had then.
 * LRU: on a long host-wide run the oldest are forgotten (and announced again
 * if they are seen again) instead of new ones never being announced.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} new_pids SEC(".maps");

/*
 * The id of the current stack (user stack with BPF_F_USER_STACK), or
 * TT_STACK_LOST, counted: TT_LOST_STACK when the kernel could not read it,
 * TT_LOST_MAP_FULL when the stack map is full.
 */
static __always_inline __s32 tt_stackid(void *ctx, __u64 flags)
{
	struct tt_stack_ips *b;
	__u32 zero = 0, *id, nid;
	long n, err;

	b = bpf_map_lookup_elem(&stack_buf, &zero);
	if (!b)
		return TT_STACK_LOST;
	n = bpf_get_stack(ctx, b->ip, sizeof(b->ip), flags);	/* zero-fills the rest */
	if (n <= 0) {
		tt_count_lost(TT_LOST_STACK);
		return TT_STACK_LOST;
	}
	id = bpf_map_lookup_elem(&stacks, b);
	if (id)
		return (__s32)*id;
	nid = __sync_fetch_and_add(&tt_next_stack_id, 1) & 0x7fffffff;
	err = bpf_map_update_elem(&stacks, b, &nid, BPF_NOEXIST);
	if (!err)
		return (__s32)nid;
	if (err == -TT_EEXIST) {	/* another CPU inserted the same stack */
		id = bpf_map_lookup_elem(&stacks, b);
		if (id)
			return (__s32)*id;
	}
	tt_count_lost(TT_LOST_MAP_FULL);
	return TT_STACK_LOST;
}

static __always_inline void tt_stack_add(const struct tt_stack_key *key, __u64 v)
{
	__u64 *cur = bpf_map_lookup_elem(&counts, key);
	long err;

	if (cur) {
		__sync_fetch_and_add(cur, v);
		return;
	}
	err = bpf_map_update_elem(&counts, key, &v, BPF_NOEXIST);
	if (!err)
		return;
	if (err == -TT_EEXIST) {	/* another CPU inserted it first */
		cur = bpf_map_lookup_elem(&counts, key);
		if (cur)
			__sync_fetch_and_add(cur, v);
		return;
	}
	tt_count_lost(TT_LOST_MAP_FULL);
}

/*
 * First sample of a process, or first since it called exec (its mm
 * changed): tell user space, which then reads its mappings and opens its
 * binaries.  A process is often first seen before it execs (a forked
 * shell, `chroot`, a launcher).  If the ring buffer is full the mark is
 * taken back, so the next sample tries again.  Call it in the
 * context of the process itself.
 */
static __always_inline void tt_note_pid(__u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tt_new_pid ev = { .tgid = tgid };
	__u64 mm = (__u64)task->mm, *known;

	if (!tgid || !mm)
		return;
	known = bpf_map_lookup_elem(&seen, &tgid);
	if (known && *known == mm)
		return;
	if (bpf_map_update_elem(&seen, &tgid, &mm, BPF_ANY))
		return;
	if (bpf_ringbuf_output(&new_pids, &ev, sizeof(ev), 0)) {
		tt_count_lost(TT_LOST_RINGBUF);
		bpf_map_delete_elem(&seen, &tgid);
	}
}

/* Can this task have a user stack?  Not a kernel thread, nor a task past exit_mm(). */
static __always_inline bool tt_has_user_stack(struct task_struct *t)
{
	return !(BPF_CORE_READ(t, flags) & TT_PF_KTHREAD) && BPF_CORE_READ(t, mm);
}

#endif /* TT_STACK_BPF_H */
