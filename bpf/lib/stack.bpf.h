/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side shared by the stack tracers (profile, offcpu): the stack map
 * (stacks keyed by content),
 * the (process, address space, user stack, kernel stack, comm) -> value
 * aggregation map, and the announcement of address spaces (a process's
 * first, each one after an execve, and new executable mappings in one), so
 * user space captures their mappings while they live (a process may exit,
 * or exec, before the report).  Include after lib/tt.bpf.h.
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
 * The address space a process was last announced in.  An mm_struct freed
 * by an execve or an exit can be reallocated at the same address for the
 * next image (or for a new process that reuses the pid): the start of its
 * stack, randomized at every execve, tells them apart.  exec_vm (pages of
 * executable mappings) changes when a library is loaded or a mapping made
 * executable: announced again, so user space reads the new mappings.
 */
struct tt_seen {
	__u64 mm;
	__u64 start_stack;
	__u64 exec_vm;		/* when last announced; TT_SEEN_PENDING: announcement lost */
	__u64 last_ns;		/* time of the last mapping-change announcement */
	__u32 as_gen;
	__u32 remaps;		/* mapping-change announcements so far */
};

#define TT_SEEN_PENDING (~0ULL)
/*
 * A JIT changes its executable mappings all the time: after TT_REMAP_BURST
 * quick announcements of one address space, at most one per
 * TT_REMAP_GAP_NS.  A program's start (the loader maps its libraries) and
 * a few dlopen calls fit in the burst.
 */
#define TT_REMAP_BURST 8
#define TT_REMAP_GAP_NS (200 * 1000 * 1000ULL)

/*
 * LRU: on a long host-wide run the oldest are forgotten (and announced
 * again, under a new generation, if they are seen again) instead of new
 * ones never being announced.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct tt_seen);
} seen SEC(".maps");

/* Next address-space generation to hand out (0 is "none"). */
__u32 tt_next_as_gen = 1;

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

/* Tell user space about address space `gen` of `tgid`; false if the ring buffer is full. */
static __always_inline bool tt_announce(__u32 tgid, __u32 gen, struct mm_struct *mm)
{
	struct tt_new_pid ev = {
		.tgid = tgid,
		.as_gen = gen,
		.start_code = mm->start_code,
		.start_stack = mm->start_stack,
		.arg_start = mm->arg_start,
	};

	/*
	 * Woken whatever precedes it: the kernel wakes the reader on a plain
	 * submit only when nothing unread comes before, and stack copies are
	 * submitted without a wakeup.  A short-lived process must be captured
	 * while it lives.
	 */
	if (bpf_ringbuf_output(&new_pids, &ev, sizeof(ev), BPF_RB_FORCE_WAKEUP)) {
		tt_count_lost(TT_LOST_RINGBUF);
		return false;
	}
	return true;
}

/*
 * The generation of the current process's address space, for the key of a
 * sample whose user stack is taken now; 0 when it has none.  A new address
 * space (first sample of the process, or first since an execve: a forked
 * shell, `chroot` or a launcher is often sampled before it execs the real
 * program) gets the next generation and is announced to user space, which
 * reads its mappings and opens its binaries; so is a change of its
 * executable mappings.  An announcement lost to a full ring buffer is
 * tried again at the next sample.  Call it in the context of the process
 * itself.  The fast path (nothing new) is one lookup and three loads.
 */
static __always_inline __u32 tt_note_pid(__u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	struct tt_seen *sn, fresh = {};
	__u64 exec_vm, now;

	if (!tgid || !mm)
		return 0;
	exec_vm = mm->exec_vm;
	sn = bpf_map_lookup_elem(&seen, &tgid);
	if (sn && sn->mm == (__u64)mm && sn->start_stack == mm->start_stack) {
		if (sn->exec_vm == exec_vm)
			return sn->as_gen;
		now = bpf_ktime_get_ns();
		if (sn->remaps >= TT_REMAP_BURST && now - sn->last_ns < TT_REMAP_GAP_NS)
			return sn->as_gen;
		/*
		 * Update a copy and store it: another CPU may replace this LRU
		 * element meanwhile, and its memory may then hold another
		 * process's record.  Racing CPUs may both announce: user space
		 * reads the maps twice.
		 */
		fresh = *sn;
		fresh.exec_vm = tt_announce(tgid, fresh.as_gen, mm) ? exec_vm : TT_SEEN_PENDING;
		fresh.last_ns = now;
		fresh.remaps++;
		bpf_map_update_elem(&seen, &tgid, &fresh, BPF_EXIST);
		return fresh.as_gen;
	}
	fresh.mm = (__u64)mm;
	fresh.start_stack = mm->start_stack;
	fresh.as_gen = __sync_fetch_and_add(&tt_next_as_gen, 1);
	if (!fresh.as_gen)	/* wrapped */
		fresh.as_gen = __sync_fetch_and_add(&tt_next_as_gen, 1);
	fresh.exec_vm = tt_announce(tgid, fresh.as_gen, mm) ? exec_vm : TT_SEEN_PENDING;
	/*
	 * Two CPUs sampling a new process at once give it two generations:
	 * both announced, each key names its own; the later entry stays.
	 */
	bpf_map_update_elem(&seen, &tgid, &fresh, BPF_ANY);
	return fresh.as_gen;
}

/*
 * call_graph auto: address spaces whose every executable ELF mapping keeps
 * frame pointers, as user space judged them from their CFI (tgid ->
 * as_gen); their user stacks are walked in the kernel.  The others, and an
 * address space not judged yet, are copied for unwinding in user space.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);	/* sized by user space */
	__type(key, __u32);
	__type(value, __u32);
} fp_ok SEC(".maps");

static __always_inline bool tt_fp_suffices(__u32 tgid, __u32 as_gen)
{
	__u32 *gen = bpf_map_lookup_elem(&fp_ok, &tgid);

	return gen && *gen == as_gen;
}

/* Page-sized steps the stack copy shrinks by when it runs past the stack's end. */
#define TT_USTACK_TRIES (TT_USTACK_MAX / 4096 + 1)

#if defined(__TARGET_ARCH_x86)
/*
 * Send the current sample (`key`, `value`) with the user registers and the
 * top `size` bytes of the user stack (`size` a load-time constant) to user
 * space for unwinding: 0, or -1 when the ring buffer is full (counted).
 * The registers are the task's user registers (saved at kernel entry), so
 * a sample taken in the kernel unwinds from the system call too.  The
 * copy is shortened page by page when it would run past the end of the
 * stack (a main thread close to its first frame).
 */
static __always_inline int tt_ustack_send(const struct tt_stack_key *key, __u64 value,
					  __u32 size)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct tt_ustack_sample *s;
	__u64 sp, end;
	__u32 len = size;
	int i;

	s = bpf_ringbuf_reserve(&new_pids, sizeof(*s) + size, 0);
	if (!s) {
		tt_count_lost(TT_LOST_RINGBUF);
		return -1;
	}
	s->key = *key;
	s->value = value;
	s->regs[0] = r->ax;
	s->regs[1] = r->dx;
	s->regs[2] = r->cx;
	s->regs[3] = r->bx;
	s->regs[4] = r->si;
	s->regs[5] = r->di;
	s->regs[6] = r->bp;
	s->regs[7] = r->sp;
	s->regs[8] = r->r8;
	s->regs[9] = r->r9;
	s->regs[10] = r->r10;
	s->regs[11] = r->r11;
	s->regs[12] = r->r12;
	s->regs[13] = r->r13;
	s->regs[14] = r->r14;
	s->regs[15] = r->r15;
	s->regs[16] = r->ip;
	sp = r->sp;
	for (i = 0; i < TT_USTACK_TRIES; i++) {
		if (len > size)
			len = 0;
		if (!len || !bpf_probe_read_user(s->stack, len, (void *)sp))
			break;
		end = (sp + len - 1) & ~4095ULL;
		len = end > sp ? (__u32)(end - sp) : 0;
	}
	s->size = i < TT_USTACK_TRIES ? len : 0;
	s->pad = 0;
	/*
	 * No wakeup: the session drains at least every 100 ms, and waking
	 * user space for each of a thousand samples a second cost more CPU
	 * than unwinding them.  Announcements still wake it.
	 */
	bpf_ringbuf_submit(s, BPF_RB_NO_WAKEUP);
	return 0;
}
#else
/* Not ported: user space refuses --call-graph dwarf and makes auto fp elsewhere. */
static __always_inline int tt_ustack_send(const struct tt_stack_key *key, __u64 value,
					  __u32 size)
{
	return -1;
}
#endif

/* Can this task have a user stack?  Not a kernel thread, nor a task past exit_mm(). */
static __always_inline bool tt_has_user_stack(struct task_struct *t)
{
	return !(BPF_CORE_READ(t, flags) & TT_PF_KTHREAD) && BPF_CORE_READ(t, mm);
}

#endif /* TT_STACK_BPF_H */
