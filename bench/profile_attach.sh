#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# How late `tracetool profile -p PID` starts sampling a process of many
# threads.  For each thread count and mode, build/workloads/prof_threads
# starts N threads that sleep or spin (every thread runnable: tracetool's
# share of a CPU is then about CPUs/(N+1) when it shares the workload's
# scheduling group), and each TRACETOOL given runs `profile -p PID -v
# --dry-run` once per round, the builds alternating.  Prints, per run,
# tracetool's own figures (its -v lines: loaded at / attached at, in ms from
# its start, which leaves out exec and the dynamic linker) and, when the
# build prints it, the attach step's split (perf events, CPU ms of the
# attach, perf_event_open, PERF_EVENT_IOC_SET_BPF, closing); then the median
# "attached at" per build and case.  Figures only: it fails on a broken
# setup.  It measures time and its spinning threads slow everything on the
# host: run it under both locks, e.g.
#
#   flock /tmp/tt-bench.lock flock /tmp/tt-live.lock sh bench/profile_attach.sh build/tracetool
#
# Usage: sh bench/profile_attach.sh TRACETOOL...
# Knobs: COUNTS ["10 200 2000"], MODES ["sleep spin"], ROUNDS [3],
#        GROUP [same: the workload in tracetool's session (autogroup); own:
#        started by setsid, a scheduling group of its own], OUT [build].
set -u
cd "$(dirname "$0")/.." || exit 1

COUNTS=${COUNTS:-10 200 2000}
MODES=${MODES:-sleep spin}
ROUNDS=${ROUNDS:-3}
GROUP=${GROUP:-same}
OUT=${OUT:-build}
WL=$OUT/workloads/prof_threads
. bench/turns.sh	# bench_turns, bench_report
TMP=$(mktemp -d /tmp/profile_attach.XXXXXX) || exit 1
WPID=""
trap '[ -z "$WPID" ] || kill -KILL "$WPID" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench/profile_attach.sh: $*" >&2
	exit 1
}

# one_run TRACETOOL N MODE: one line of figures.
# While N threads spin, every command the shell starts is starved too: it
# waits for the workload with a builtin read on a fifo and runs nothing
# else until tracetool is done.
one_run() {
	_fifo=$TMP/fifo
	rm -f "$_fifo"
	mkfifo "$_fifo" || die "mkfifo"
	if [ "$GROUP" = own ]; then
		setsid "$WL" "$2" 300 "$3" >"$_fifo" &
	else
		"$WL" "$2" 300 "$3" >"$_fifo" &
	fi
	_w=$!
	WPID=$_w
	exec 3<"$_fifo"
	read -r _line <&3 || _line=""
	timeout -k 5 240 "$1" profile -p "$_w" -v --dry-run >/dev/null 2>"$TMP/err"
	_rc=$?
	kill -KILL "$_w" 2>/dev/null
	wait "$_w" 2>/dev/null
	WPID=""
	exec 3<&-
	[ "$_line" = ready ] || die "prof_threads $2 $3 did not start"
	[ $_rc -eq 0 ] || die "$1 failed: $(head -c 300 "$TMP/err")"
	awk -v n="$2" -v m="$3" '
		/loaded at/ { for (i = 1; i <= NF; i++) { if ($i == "loaded") l = $(i + 2);
			if ($i == "attached") a = $(i + 2) } }
		/perf events attached in/ { split($0, x, /[ (]+/)
			for (i = 1; i in x; i++) { if (x[i] == "perf" && x[i + 1] == "events") ev = x[i - 1]
				if (x[i] == "CPU):") cpu = x[i - 2]
				if (x[i] == "perf_event_open") po = x[i + 1]
				if (x[i] == "PERF_EVENT_IOC_SET_BPF" ||
				    x[i] == "bpf_program__attach_perf_event") sb = x[i + 1]
				if (x[i] == "closed") cl = x[i + 2] } }
		END { printf "%s %s %s %s %s %s %s %s %s\n", n, m, l, a, ev ? ev : "-",
			cpu ? cpu : "-", po ? po : "-", sb ? sb : "-", cl ? cl : "-" }' "$TMP/err"
}

[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
[ $# -gt 0 ] || die "usage: sh bench/profile_attach.sh TRACETOOL..."
[ -x "$WL" ] || die "no $WL: run make all"
for t in "$@"; do
	[ -x "$t" ] || die "no $t"
done
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt 4200 ] || ulimit -n 8192 ||
	die "ulimit -n $(ulimit -n): 2000 threads need more descriptors"

echo "== profile -p start: prof_threads N sleep|spin, workload group $GROUP, $ROUNDS rounds,"
echo "   $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "   N mode loaded_ms attached_ms events attach_cpu_ms perf_event_open_ms set_bpf_ms closed_ms"
# show RES: a build's runs, then its median "attached at" per case
show() {
	sed 's/^/     /' "$1"
	for n in $COUNTS; do
		for m in $MODES; do
			awk -v n="$n" -v m="$m" '$1 == n && $2 == m { v[++k] = $4 }
				END { for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++)
					if (v[b] < v[a]) { x = v[a]; v[a] = v[b]; v[b] = x }
				printf "     median attached at %s ms: %s threads, %s\n",
					k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2, n, m }' "$1"
		done
	done
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	for n in $COUNTS; do
		for m in $MODES; do
			bench_turns "$TMP" one_run "$n $m" "$@"
		done
	done
	r=$((r + 1))
done
bench_report "$TMP" show "$@"
