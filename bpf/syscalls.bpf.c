// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscalls tracer: latency histogram and errno counts per syscall (and per
 * comm / process / thread), from the sys_enter/sys_exit raw tracepoints.
 * The enter timestamp lives in task-local storage; aggregation goes to the
 * series storage of include/tracetool/hist.h: per-CPU stats, shared cells.
 */
#include "lib/tt.bpf.h"
#include "lib/series.bpf.h"
#include "tracetool/syscalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tt_syscalls_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tt_syscall_start);
} starts SEC(".maps");

/*
 * Series storage (include/tracetool/hist.h), sized by user space.  stats is
 * per-CPU and indexed by series id: the verifier inlines the lookup, and
 * each CPU updates its own entry without atomics.  dense, cells and errs
 * hold cumulative counts shared by all CPUs; the hashes are preallocated so
 * an insert from tracepoint context never waits on an allocator.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_SYSCALL_NR_MAX);
	__type(key, __u32);
	__type(value, struct tt_series_stats);
} stats SEC(".maps");

/* Cells of the syscall ids below TT_SYSCALL_DENSE_NR: index id * TT_HIST_NSLOTS + slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* user space reads it in place */
	__uint(max_entries, TT_SYSCALL_DENSE_NR * TT_HIST_NSLOTS);
	__type(key, __u32);
	__type(value, __u64);
} dense SEC(".maps");

/* Cells of finer series, and of syscalls past the dense rows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tt_cell_key(series id, slot) */
	__type(value, __u64);
} cells SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);	/* tt_cell_key(series id, errno) */
	__type(value, __u64);
} errs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* max_series, when --by is not syscall */
	__type(key, struct tt_syscall_key);
	__type(value, __u32);
} series SEC(".maps");

/* Hashed cells per finer series (index: series id), for tt_cell_add_fair. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TT_SYSCALL_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ncells SEC(".maps");

/* Cells and error counters inserted so far (the finer series stop at their limit). */
__u32 cells_used = 0;
__u32 errs_used = 0;

/* arch/x86/include/asm/thread_info.h: set while a 32-bit syscall runs */
#define TT_TS_COMPAT 0x0002

/*
 * The ABI of the current call: compat while the kernel runs an ia32
 * syscall (the flag is per call, so a 32-bit task's 64-bit syscalls stay
 * native).  tp_btf reads the trusted task pointer directly; raw_tp through
 * a probe read.
 */
static __always_inline __u32 call_abi(struct task_struct *task, bool btf)
{
#if defined(__TARGET_ARCH_x86)
	__u32 status;

	if (btf)
		status = task->thread_info.status;
	else
		status = BPF_CORE_READ(task, thread_info.status);
	return status & TT_TS_COMPAT ? TT_SYSCALL_ABI_COMPAT : TT_SYSCALL_ABI_NATIVE;
#else
	return TT_SYSCALL_ABI_NATIVE;
#endif
}

static __always_inline bool mask_has(__u32 id)
{
	return cfg.nr_mask[(id / 64) & (TT_SYSCALL_MASK_WORDS - 1)] & (1ULL << (id % 64));
}

static __always_inline int on_enter(long nr, bool btf)
{
	struct task_struct *task;
	struct tt_syscall_start *st;
	__u32 id;

	if (!tt_ready || nr < 0 || nr >= TT_SYSCALL_NR_LIMIT)
		return 0;
	/* --syscall: most calls are in neither ABI's mask, known before reading the ABI */
	if (cfg.filter_nr && !mask_has(tt_syscall_id(TT_SYSCALL_ABI_NATIVE, (__u32)nr)) &&
	    !mask_has(tt_syscall_id(TT_SYSCALL_ABI_COMPAT, (__u32)nr)))
		return 0;
	if (!tt_task_wanted(&cfg.filter))
		return 0;
	task = bpf_get_current_task_btf();
	id = tt_syscall_id(call_abi(task, btf), (__u32)nr);
	if (cfg.filter_nr && !mask_has(id))
		return 0;
	st = bpf_task_storage_get(&starts, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* tracetool's own storage carries `skip`: cheaper than a pid compare */
	if (!st || st->skip)
		return 0;
	st->nr = id;
	st->ts = bpf_ktime_get_ns();
	return 0;
}

/* Count a sample of syscall id nr's row; false past the dense rows. */
static __always_inline bool dense_add(__u32 nr, __u32 slot)
{
	__u32 idx = nr * TT_HIST_NSLOTS + slot;
	__u64 *c;

	if (nr >= TT_SYSCALL_DENSE_NR)
		return false;
	c = bpf_map_lookup_elem(&dense, &idx);	/* inlined: an index, no hashing */
	if (!c)
		return false;
	__sync_fetch_and_add(c, 1);
	return true;
}

/*
 * May a finer series count error `err`: its counter exists, or the finer
 * series' share of the error counters has room.  Checked before anything is
 * counted, so a call whose error cannot have a counter of its series goes
 * to its syscall's _other series whole (latency and error), and no row
 * shows more errors than calls.
 */
static __always_inline bool errs_room(__u32 id, __u32 err)
{
	__u32 key = tt_cell_key(id, err);

	return bpf_map_lookup_elem(&errs, &key) || errs_used < cfg.errs_limit;
}

static __always_inline int on_exit(long ret)
{
	struct tt_series_stats *s;
	struct tt_syscall_start *st;
	__u64 delta;
	__u32 err = 0, nr, id, slot;

	/* untracked tasks (filters) leave before paying for a clock read */
	st = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->ts)
		return 0;
	delta = bpf_ktime_get_ns() - st->ts;
	nr = st->nr & (TT_SYSCALL_NR_MAX - 1);
	st->ts = 0;
	if (ret < 0 && ret >= -TT_MAX_ERRNO)
		err = (__u32)-ret;
	if (cfg.failed_only && !err)
		return 0;
	id = nr;
	if (cfg.by != TT_BY_SYSCALL) {
		struct tt_syscall_key key = { .nr = nr };
		__u64 pid_tgid = bpf_get_current_pid_tgid();

		if (cfg.by == TT_BY_PROCESS) {
			/* one series per process, named as ps names it: its main thread */
			struct task_struct *task = bpf_get_current_task_btf();

			BPF_CORE_READ_STR_INTO(&key.comm, task, group_leader, comm);
		} else {
			bpf_get_current_comm(key.comm, sizeof(key.comm));
		}
		if (cfg.by >= TT_BY_PROCESS)
			key.tgid = pid_tgid >> 32;
		if (cfg.by == TT_BY_THREAD)
			key.tid = (__u32)pid_tgid;
		id = tt_series_id(&series, &key, TT_SYSCALL_NR_MAX, cfg.max_series, nr);
	}
	if (err && id >= TT_SYSCALL_NR_MAX && !errs_room(id, err))
		id = nr;
	slot = tt_hist_slot(delta);
	/* a finer series whose new bucket does not fit goes to its syscall's _other */
	if (id >= TT_SYSCALL_NR_MAX &&
	    !tt_cell_add_fair(&cells, tt_cell_key(id, slot), &cells_used, cfg.cells_limit,
			      bpf_map_lookup_elem(&ncells, &id)))
		id = nr;
	if (id < TT_SYSCALL_NR_MAX && !dense_add(id, slot) &&
	    !tt_cell_add(&cells, tt_cell_key(id, slot), 1, &cells_used, ~0u)) {
		tt_count_lost(TT_LOST_MAP_FULL);
		return 0;
	}
	s = bpf_map_lookup_elem(&stats, &id);
	if (s)
		tt_series_stats_record(s, delta);
	/*
	 * In the series that took the sample: errs_room reserved the finer
	 * series' counter (racing CPUs may pass errs_limit by a few; the map
	 * has twice that room), and _other may fill the rest.  A counter that
	 * cannot be inserted at all is a lost error, never one counted
	 * elsewhere.
	 */
	if (err && !tt_cell_add(&errs, tt_cell_key(id, err), 1, &errs_used, ~0u))
		tt_count_lost(TT_LOST_MAP_FULL);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_enter(id, true);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_enter(id, false);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

TT_FOLLOW_PROGS(cfg.filter)
