// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile tracer: a perf_event program run by the software cpu-clock event
 * on every CPU at -F HZ.  Each sample adds one to the count of its
 * (process, address space, user stack, kernel stack, comm) key in the
 * kernel; user space only reads the totals and symbolizes.  With
 * --call-graph dwarf (or auto, for code without frame pointers) a sample's
 * user registers and stack go to user space, which unwinds and counts it.
 */
#include "lib/tt.bpf.h"
#include "lib/stack.bpf.h"
#include "tracetool/profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tt_profile_config cfg = {};

/* Was the sample taken in user mode?  Then there is no kernel stack. */
static __always_inline bool in_user_mode(struct bpf_perf_event_data *ctx)
{
	/* the verifier allows only full 8-byte loads from the context */
#if defined(__TARGET_ARCH_x86)
	return *(volatile __u64 *)&ctx->regs.cs & 3;
#elif defined(__TARGET_ARCH_arm64)
	return (*(volatile __u64 *)&ctx->regs.pstate & 0xf) == 0;	/* EL0t */
#else
	return false;	/* unknown: ask for a kernel stack, a miss is counted */
#endif
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	struct tt_stack_key key = { .user_stack = TT_STACK_NONE, .kern_stack = TT_STACK_NONE };
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task;

	if (!tt_ready)
		return 0;
	if ((__u32)id == 0 && !cfg.idle)	/* the idle task */
		return 0;
	if (!tt_task_wanted(&cfg.filter))
		return 0;
	key.tgid = id >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	task = bpf_get_current_task_btf();
	if (cfg.kernel_stacks && !in_user_mode(ctx))
		key.kern_stack = tt_stackid(ctx, 0);
	if (cfg.user_stacks && tt_has_user_stack(task)) {
		key.as_gen = tt_note_pid(key.tgid);
		/* unwound in user space and counted there; a full ring buffer falls back to fp */
		if (cfg.call_graph != TT_CALL_GRAPH_FP && key.as_gen &&
		    !(cfg.call_graph == TT_CALL_GRAPH_AUTO && tt_fp_suffices(key.tgid, key.as_gen)) &&
		    !tt_ustack_send(&key, 1, cfg.stack_size))
			return 0;
		key.user_stack = tt_stackid(ctx, BPF_F_USER_STACK);
	}
	tt_stack_add(&key, 1);
	return 0;
}

TT_FOLLOW_PROGS(cfg.filter)
