# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the profile benchmarks, after tests/live/lib.sh, with TT (the
# tracetool binary), CPU (build/workloads/prof_cpu) and WORK (its rounds)
# set and die() defined: a host-wide profile in the background, a fixed
# amount of work, medians, and the BPF program's run statistics.

# start_tracer HZ [ARGS...]: host-wide profile -F HZ ARGS in the background,
# waits until it is ready; its pid in TRACER.
start_tracer() {
	_hz=$1
	shift
	tt_bg "$TT" profile -F "$_hz" "$@" -f json -o /dev/null >"$TT_TMP/tracer.err" 2>&1
	TRACER=$TT_PID
	_n=0
	while ! tt_bss_ready "$TRACER" && [ $_n -lt 300 ]; do
		tt_alive "$TRACER" || die "tracetool exited: $(cat "$TT_TMP/tracer.err")"
		sleep 0.05
		_n=$((_n + 1))
	done
	tt_bss_ready "$TRACER" || die "tracetool not ready after 15 s"
}

stop_tracer() {
	kill -INT "$TRACER" 2>/dev/null
	tt_wait_exit "$TRACER" 20 || tt_stop "$TRACER"
}

# run_work: "wall_seconds cpu_seconds" of one fixed workload run
run_work() {
	_a=$(date +%s.%N)
	_c=$("$CPU" --rounds "$WORK" 2>&1 | sed -n 's/^prof_cpu: cpu_seconds=//p')
	_b=$(date +%s.%N)
	awk -v a="$_a" -v b="$_b" -v c="$_c" 'BEGIN { printf "%.4f %s\n", b - a, c }'
}

# median COLUMN < FILE
median() {
	awk -v c="$1" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# prog_stats PID: "run_cnt run_time_ns" of the on_cpu_sample program of
# tracetool PID (kernel.bpf_stats_enabled must be on), or nothing.
prog_stats() {
	for _id in $(tt_fd_ids "$1" prog_id); do
		_stats=$("${BPFTOOL:-bpftool}" -j prog show id "$_id" 2>/dev/null |
			jq -r 'select(.name == "on_cpu_sample") | "\(.run_cnt) \(.run_time_ns)"')
		if [ -n "$_stats" ]; then
			echo "$_stats"
			return
		fi
	done
}
