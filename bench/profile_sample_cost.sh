#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The BPF cost per sample of `tracetool profile` (kernel.bpf_stats_enabled,
# restored afterwards), compared between builds: each TRACETOOL given runs a
# host-wide `profile -F HZ` for SECS seconds while build/workloads/prof_cpu
# burns one CPU (full user stacks: frame pointers), ROUNDS times, the builds
# alternating so drift hits all alike.  Prints, per build, the samples and
# ns per sample of each round and their median.  Takes /tmp/tt-live.lock for
# each run (only while it runs).  Figures only: it fails on a broken setup.
#
# Usage: sh bench/profile_sample_cost.sh TRACETOOL...
# Knobs: ROUNDS [5], HZ [999], SECS [4], OUT [build].
set -u
cd "$(dirname "$0")/.." || exit 1

ROUNDS=${ROUNDS:-5}
HZ=${HZ:-999}
SECS=${SECS:-4}
OUT=${OUT:-build}
CPU=$OUT/workloads/prof_cpu
. tests/live/lib.sh	# tt_bg, tt_bss_ready, tt_fd_ids, tt_wait_exit; cleanup trap
. bench/turns.sh	# bench_turns, bench_report

die() {
	echo "bench/profile_sample_cost.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
[ $# -gt 0 ] || die "usage: sh bench/profile_sample_cost.sh TRACETOOL..."
[ -x "$CPU" ] || die "no $CPU: run make all"

# one_run TRACETOOL: "samples ns_per_sample" of one host-wide run.
one_run() {
	_old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	tt_bg "$1" profile -F "$HZ" -f json -o /dev/null >"$TT_TMP/tracer.err" 2>&1
	_t=$TT_PID
	_n=0
	while ! tt_bss_ready "$_t" && [ $_n -lt 300 ]; do
		tt_alive "$_t" || break
		sleep 0.05
		_n=$((_n + 1))
	done
	"$CPU" "$SECS" 2>/dev/null
	_stats=""
	for _id in $(tt_fd_ids "$_t" prog_id); do
		_stats=$("$BPFTOOL" -j prog show id "$_id" 2>/dev/null |
			jq -r 'select(.name == "on_cpu_sample") | "\(.run_cnt) \(.run_time_ns)"')
		[ -n "$_stats" ] && break
	done
	kill -INT "$_t" 2>/dev/null
	tt_wait_exit "$_t" 20 || tt_stop "$_t"
	sysctl -qw kernel.bpf_stats_enabled="$_old"
	echo "$_stats" | awk '{ printf "%d %.0f\n", $1, $1 ? $2 / $1 : 0 }'
}

if [ "$1" = --one ]; then	# one run, under the lock the caller took
	one_run "$2"
	exit 0
fi
for t in "$@"; do
	[ -x "$t" ] || die "no $t"
done

echo "== BPF cost per sample: host-wide profile -F $HZ, $SECS s of prof_cpu, $ROUNDS rounds,"
echo "   $(nproc) CPUs, kernel $(uname -r), $(date -u +%FT%TZ)"
# locked_run TRACETOOL: one_run in a process of its own, under the live lock
locked_run() {
	flock /tmp/tt-live.lock sh "$0" --one "$1"
}

# show RES: a build's rounds and their median
show() {
	echo "     rounds (samples:ns): $(awk '{ printf "%s:%s ", $1, $2 }' "$1")"
	sort -n -k2 "$1" | awk '{ v[NR] = $2 } END { if (NR % 2) m = v[(NR + 1) / 2];
		else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "     median %.0f ns per sample\n", m }'
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	bench_turns "$TT_TMP" locked_run "" "$@"
	r=$((r + 1))
done
bench_report "$TT_TMP" show "$@"
