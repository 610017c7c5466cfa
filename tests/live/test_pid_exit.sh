#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -p without -- CMD: the run ends when every -p process has exited (as perf
# record -p and strace -p), with its report; a -p process that outlives -d
# still ends at -d; -p of a thread id follows its process.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload
NAMES="pid_exit_ends_run pid_exit_two_pids pid_alive_until_duration"
# shellcheck disable=SC2086
tt_require_base $NAMES
if [ ! -x "$W" ]; then
	fail_all "workload $W is missing: run make all" $NAMES
	exit 0
fi

# ms_since START_NS: milliseconds from a `date +%s%N` reading to now
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# trace NAME PIDS: `syscalls --syscall getppid -p PIDS -d 30 -o NAME.json` started, the
# workloads released through $TT_TMP/go.NAME once it is ready, then waited for (bounded):
# rc, ms (from the release to tracetool's exit) and n (getppid counted) set.
trace() {
	tt_bg "$TT" syscalls --syscall getppid -p "$2" -d 30 -f json -o "$TT_TMP/$1.json" \
		2>"$TT_TMP/$1.err"
	tt=$TT_PID
	tt_wait_bss_ready $tt 30 || echo "$TT_WHY" >>"$TT_TMP/$1.err"
	t0=$(date +%s%N)
	touch "$TT_TMP/go.$1"
	tt_wait_exit $tt 45 || tt_stop $tt
	rc=$TT_RC
	ms=$(ms_since "$t0")
	n=$(jq '[.metrics[] | select(.name == "tracetool_syscall_duration_seconds") |
		.series[].count] | add // 0' "$TT_TMP/$1.json" 2>/dev/null)
}

# One process making 3,000 getppid calls and 1,000 1-ms sleeps once tracing is ready, then
# exiting: the run ends then, long before -d 30, with every call counted.
"$W" --wait-file "$TT_TMP/go.one" --getppid 3000 --nanosleep 1000 --sleep-us 1000 >/dev/null 2>&1 &
w=$!
trace one $w
wait $w 2>/dev/null
if [ "$rc" = 0 ] && [ "$ms" -lt 15000 ] && grep -q "every process given with -p has exited" "$TT_TMP/one.err" &&
	[ "$n" = 3000 ]; then
	pass "pid_exit_ends_run (ended $ms ms after the work started, -d 30; 3000 getppid counted, report written)"
else
	fail pid_exit_ends_run "exit $rc after $ms ms, counted '$n' of 3000, stderr: $(head -c 200 "$TT_TMP/one.err")"
fi

# Two processes: the run lasts until the second one exits, not the first.
"$W" --wait-file "$TT_TMP/go.two" --getppid 10 >/dev/null 2>&1 &
a=$!
"$W" --wait-file "$TT_TMP/go.two" --getppid 2000 --nanosleep 2000 --sleep-us 1000 >/dev/null 2>&1 &
b=$!
trace two "$a,$b"
alive_b=$(kill -0 $b 2>/dev/null && echo alive || echo gone)
wait $a $b 2>/dev/null
if [ "$rc" = 0 ] && [ "$ms" -lt 15000 ] && [ "$alive_b" = gone ] && [ "$n" = 2010 ]; then
	pass "pid_exit_two_pids (ended $ms ms after the work started, once both had exited: 2010 getppid)"
else
	fail pid_exit_two_pids "exit $rc after $ms ms, second process $alive_b at the end, counted '$n' of 2010, stderr: $(head -c 200 "$TT_TMP/two.err")"
fi

# A process alive past -d: the run ends at -d, as before.
sleep 20 &
s=$!
t0=$(date +%s%N)
timeout -k 5 60 "$TT" syscalls -p $s -d 1 >/dev/null 2>"$TT_TMP/alive.err"
rc=$?
ms=$(ms_since "$t0")
kill $s 2>/dev/null
wait $s 2>/dev/null
if [ $rc -eq 0 ] && [ "$ms" -ge 1000 ] && [ "$ms" -lt 10000 ] &&
	! grep -q "has exited" "$TT_TMP/alive.err"; then
	pass "pid_alive_until_duration (ended at -d 1 after $ms ms)"
else
	fail pid_alive_until_duration "exit $rc after $ms ms, stderr: $(head -c 200 "$TT_TMP/alive.err")"
fi
