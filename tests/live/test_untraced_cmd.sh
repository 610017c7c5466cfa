#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --no-trace-cmd: -- CMD is the load or the timer, not a traced process, as
# with perf's -p and a command.  A held workload A (-p) makes 1000 getppid
# calls once released; CMD releases it (its pid file is A's wait file),
# makes 777 getppid calls of its own and sleeps 1 s, so A is done before
# the run ends.  With --no-trace-cmd the report counts A's 1000 alone;
# without it, A's and CMD's 1777.  record: the same across two runs (CMD
# started anew, A released by run 1 only): 500 in all, not 500 + 2 x 777.
# The option without -- CMD, or with no filter (everything traced, CMD
# too), is a usage error.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload
GETPPID='{"syscall":"getppid"}'
NAMES="untraced_cmd_pid_only untraced_cmd_default_both untraced_cmd_workload_done
untraced_cmd_filters untraced_cmd_record untraced_cmd_record_empty_run
untraced_cmd_empty_warning untraced_cmd_empty_strict untraced_cmd_usage_no_cmd
untraced_cmd_usage_no_filter"
# shellcheck disable=SC2086
tt_require_base $NAMES
if [ ! -x "$W" ]; then
	for n in $NAMES; do fail "$n" "workload $W is missing: run make all"; done
	exit 0
fi

# run DIR N_A TRACETOOL_ARGS...: A held on DIR/go with N_A getppid calls,
# then `tracetool syscalls -p A ARGS -- CMD` (CMD releases A); the report in
# DIR/r.json, A's exit status in A_RC
run() {
	_d=$1
	_n=$2
	shift 2
	mkdir -p "$_d"
	tt_bg "$W" --wait-file "$_d/go" --wait-timeout 60 --getppid "$_n"
	_a=$TT_PID
	tt_run "$_d/r.json" "$_d/err" -p "$_a" "$@" -- \
		"$W" --pid-file "$_d/go" --getppid 777 --nanosleep 10 --sleep-us 100000
	tt_wait_exit "$_a" 20 || tt_stop "$_a"
	A_RC=$TT_RC
}

run "$TT_TMP/u" 1000 --no-trace-cmd
why=$(tt_run_why "$TT_TMP/u/r.json" "$TT_TMP/u/err")
if [ -n "$why" ]; then
	fail untraced_cmd_pid_only "$why"
	fail untraced_cmd_filters "$why"
else
	check_eq untraced_cmd_pid_only "getppid calls counted (A's 1000, not CMD's 777)" 1000 \
		"$(tt_hcount "$TT_TMP/u/r.json" "$GETPPID")" "lost $(tt_lost "$TT_TMP/u/r.json")"
	# the command is not a filter; the report still says what ran and how it ended
	check_eq untraced_cmd_filters "filter keys, command's exit code" "pid 0" \
		"$(jq -r '[.filters | keys[]] | join(",")' "$TT_TMP/u/r.json") $(jq -r '.command.exit_code' "$TT_TMP/u/r.json")"
fi
u_rc=$A_RC

run "$TT_TMP/b" 1000
why=$(tt_run_why "$TT_TMP/b/r.json" "$TT_TMP/b/err")
if [ -n "$why" ]; then
	fail untraced_cmd_default_both "$why"
else
	check_eq untraced_cmd_default_both "getppid calls counted without the option (A's and CMD's)" 1777 \
		"$(tt_hcount "$TT_TMP/b/r.json" "$GETPPID")" "lost $(tt_lost "$TT_TMP/b/r.json")"
fi
check_eq untraced_cmd_workload_done "A's exit status in both runs" "0 0" "$u_rc $A_RC"

# record: CMD started anew per run and never traced; A released by run 1
D=$TT_TMP/rec
mkdir -p "$D"
tt_bg "$W" --wait-file "$D/go" --wait-timeout 60 --getppid 500
a=$TT_PID
timeout -k 5 120 "$TT" record syscalls -p "$a" --no-trace-cmd --runs 2 -o "$D/b.json" -- \
	"$W" --pid-file "$D/go" --getppid 777 --nanosleep 10 --sleep-us 100000 2>"$D/err"
rc=$?
tt_wait_exit "$a" 20 || tt_stop "$a"
"$TT" report -f json -o "$D/all.json" "$D/b.json" 2>>"$D/err"
check_eq untraced_cmd_record "record's exit status, getppid over both runs, A's exit status" "0 500 0" \
	"$rc $(tt_hcount "$D/all.json" "$GETPPID") $TT_RC" "$(head -c 300 "$D/err" | tr '\n' ' ')"
# A is gone in run 2: record says that run saw nothing
check_eq untraced_cmd_record_empty_run "record's warnings" \
	"tracetool record: warning: 1 of 2 runs saw nothing traced (run 2): do the filters select what you meant? (-p is that one process, not its workers or children)" \
	"$(grep warning "$D/err")"

# -p naming a process that does nothing (a pre-fork server's master, say):
# record warns, and compare --strict does not pass a gate that gated nothing
sleep 60 &
idle=$!
TT_BG_PIDS="$TT_BG_PIDS $idle"
timeout -k 5 120 "$TT" record syscalls -p "$idle" --no-trace-cmd --runs 2 -o "$D/e.json" -- \
	"$W" --getppid 100 2>"$D/e.err"
rc=$?
check_eq untraced_cmd_empty_warning "exit status, warning lines" "0 1" \
	"$rc $(grep -c 'warning: 2 of 2 runs saw nothing traced (run 1, 2)' "$D/e.err")" \
	"$(head -c 300 "$D/e.err" | tr '\n' ' ')"
"$TT" compare --strict "$D/e.json" "$D/e.json" >/dev/null 2>"$D/c.err"
rc=$?
"$TT" compare "$D/e.json" "$D/e.json" >/dev/null 2>>"$D/c.err"
check_eq untraced_cmd_empty_strict "compare --strict, without it, warning lines" "3 0 2" \
	"$rc $? $(grep -c 'no series was gated' "$D/c.err")"
kill "$idle" 2>/dev/null

out=$("$TT" syscalls -p $$ --no-trace-cmd -d 1 2>&1)
rc=$?
check_eq untraced_cmd_usage_no_cmd "exit status, message" \
	"2 tracetool syscalls: --no-trace-cmd: there is no -- CMD to leave untraced" \
	"$rc $(echo "$out" | head -1)"
out=$("$TT" syscalls --no-trace-cmd -- true 2>&1)
rc=$?
check_eq untraced_cmd_usage_no_filter "exit status, message" \
	"2 tracetool syscalls: --no-trace-cmd needs -p, -c or --cgroup to say what is traced" \
	"$rc $(echo "$out" | head -1)"
