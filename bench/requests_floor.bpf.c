// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark calibration only (not part of tracetool): empty programs on
 * the hooks of `tracetool requests`' socket path, to measure what merely
 * hooking them costs (the tracepoints' dispatch: BPF trampoline entry,
 * RCU and migration bookkeeping, the call and return).  Loaded by
 * bench/floor_loader.c when bench/requests.sh runs with BENCH_TRACER=floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv, struct sock *sk, int ret, int flags)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_state, struct sock *sk, int oldstate, int newstate)
{
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(floor_destroy, struct sock *sk)
{
	return 0;
}
