// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscalls tracer: latency histogram and errno counts per syscall (and per
 * comm / process / thread), from the sys_enter/sys_exit raw tracepoints.
 * The enter timestamp lives in task-local storage; aggregation is per CPU,
 * so the hot path takes no lock and no atomic.
 */
#include "lib/tt.bpf.h"
#include "tracetool/syscalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tt_syscalls_config cfg = {};

/* Sources of zeroed values for first inserts: never written, never on the stack. */
struct tt_hist_cell zero_cell;
struct tt_gen_counter zero_counter;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tt_syscall_start);
} starts SEC(".maps");

/*
 * Histogram cells keyed by (series, slot).  Preallocated: an insert from
 * tracepoint context never waits on the allocator, and a full map is a
 * counted loss, not a silent one.  User space sizes it (--max-cells).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tt_syscall_key);
	__type(value, struct tt_hist_cell);
} lat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tt_syscall_err_key);
	__type(value, struct tt_gen_counter);
} errs SEC(".maps");

static __always_inline int on_enter(long id)
{
	struct tt_syscall_start *st;
	__u32 nr = (__u32)id;

	if (!tt_ready || id < 0 || id >= TT_SYSCALL_NR_MAX)
		return 0;
	if (cfg.filter_nr && !(cfg.nr_mask[(nr / 64) & (TT_SYSCALL_MASK_WORDS - 1)] & (1ULL << (nr % 64))))
		return 0;
	if (!tt_task_wanted(&cfg.filter))
		return 0;
	st = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* tracetool's own storage carries `skip`: cheaper than a pid compare */
	if (!st || st->skip)
		return 0;
	st->nr = nr;
	st->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct tt_syscall_key key = {};
	struct tt_syscall_start *st;
	struct tt_hist_cell *cell;
	__u64 delta, id;
	__u32 err = 0, gen = tt_gen;

	/* untracked tasks (filters) leave before paying for a clock read */
	st = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->ts)
		return 0;
	delta = bpf_ktime_get_ns() - st->ts;
	key.nr = st->nr;
	st->ts = 0;
	if (ret < 0 && ret >= -TT_MAX_ERRNO)
		err = (__u32)-ret;
	if (cfg.failed_only && !err)
		return 0;
	if (cfg.by != TT_BY_SYSCALL) {
		id = bpf_get_current_pid_tgid();
		bpf_get_current_comm(key.comm, sizeof(key.comm));
		if (cfg.by >= TT_BY_PROCESS)
			key.tgid = id >> 32;
		if (cfg.by == TT_BY_THREAD)
			key.tid = (__u32)id;
	}
	/* the error is counted only with its sample, so ERRORS <= COUNT even on loss */
	key.slot = tt_hist_slot(delta);
	cell = tt_lookup_or_init(&lat, &key, &zero_cell);
	if (!cell)
		return 0;
	tt_hist_cell_record(cell, gen, delta);
	if (err) {
		struct tt_syscall_err_key ek = { .k = key, .err = err };
		struct tt_gen_counter *cnt;

		ek.k.slot = 0;
		cnt = tt_lookup_or_init(&errs, &ek, &zero_counter);
		if (cnt)
			tt_gen_counter_inc(cnt, gen);
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

TT_FOLLOW_PROGS(cfg.filter)
