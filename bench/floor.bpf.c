// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark calibration only (not part of tracetool): empty programs on the
 * syscall tracepoints, to measure what merely hooking sys_enter/sys_exit
 * costs per syscall.  Built twice by bench/syscalls.sh:
 *   default      tp_btf/sys_enter, tp_btf/sys_exit (tracetool's hook)
 *   -DFLOOR_TP   tracepoint/raw_syscalls/sys_{enter,exit} (syscount's hook)
 * Both return 0, so the classic-tracepoint variant never feeds the perf event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifdef FLOOR_TP
SEC("tracepoint/raw_syscalls/sys_enter")
int floor_enter_tp(void *ctx)
{
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int floor_exit_tp(void *ctx)
{
	return 0;
}
#else
SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter_btf, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit_btf, struct pt_regs *regs, long ret)
{
	return 0;
}
#endif
