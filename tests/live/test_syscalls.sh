#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool syscalls` (root, real kernel).  Every check
# asserts on what tracetool reports (-f json, read with jq): exact counts of
# the syscalls a workload is known to make, labels, hooks, errno counts.
# Other tracetool instances and benchmarks may run on the host at the same
# time: every exact check filters by command, pid, comm or cgroup.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload
SELF=$$

CHECKS="syscalls_filters_in_report syscalls_cmd_getppid_count syscalls_cmd_nanosleep_count syscalls_cmd_nanosleep_p50
syscalls_fork_getppid_count syscalls_fork_nanosleep_count syscalls_fork_leader_exit_count
syscalls_pid_only_target
syscalls_comm_only_target
syscalls_cgroup_only_target
syscalls_errors_close_ebadf
syscalls_filter_syscall_only_getppid syscalls_filter_syscall_count
syscalls_bound_getppid_exact syscalls_bound_other_present syscalls_bound_no_loss
syscalls_by_process_labels syscalls_by_process_count
syscalls_hook_default_tp_btf syscalls_hook_raw_tp_label syscalls_hook_raw_tp_counts
syscalls_sigint_exit_status syscalls_sigint_report syscalls_sigint_no_leftover_progs
syscalls_usage_unknown_flag syscalls_usage_missing_pid syscalls_usage_bad_duration
syscalls_usage_unknown_command syscalls_usage_help
syscalls_interval_reports syscalls_interval_sum_exact
syscalls_output_file_json syscalls_output_file_stdout_empty"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$W" ]; then
	for n in $CHECKS; do
		fail "$n" "workload $W is missing: run make all"
	done
	exit 0
fi

# fail_all WHY NAME...: one FAIL line per check that depended on a failed run.
# feature NAME: is this hook kind supported here, per `tracetool list`?
feature() {
	"$TT" list -f json 2>/dev/null |
		jq -e --arg f "$1" 'any(.features[]?; .name == $f and .supported == true)' >/dev/null 2>&1
}

GETPPID='{"syscall":"getppid"}'
NANOSLEEP='{"syscall":"nanosleep"}'
HOOKS_RE='\(btf\|raw\)'	# program suffixes of the default hook (tp_btf, else raw_tp)

# (a) -- CMD: exact counts, nanosleep latency; the default hook is tp_btf.
test_cmd() {
	local o="$TT_TMP/cmd.json" e="$TT_TMP/cmd.err" why
	tt_run "$o" "$e" -- "$W" --getppid 1000 --nanosleep 20 --sleep-us 2000
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_cmd_getppid_count syscalls_cmd_nanosleep_count \
			syscalls_cmd_nanosleep_p50 syscalls_hook_default_tp_btf
		return
	fi
	check_eq syscalls_cmd_getppid_count "getppid count" 1000 \
		"$(tt_hcount "$o" "$GETPPID")" "lost $(tt_lost "$o")"
	check_eq syscalls_cmd_nanosleep_count "nanosleep count" 20 \
		"$(tt_hcount "$o" "$NANOSLEEP")" "lost $(tt_lost "$o")"
	check_range syscalls_cmd_nanosleep_p50 "nanosleep(2 ms) p50 in seconds" 0.002 0.012 \
		"$(tt_quantile "$o" "$NANOSLEEP" 0.5)"
	if feature tp_btf; then
		check_eq syscalls_hook_default_tp_btf 'JSON .hooks.syscalls' tp_btf \
			"$(jq -r '.hooks.syscalls' "$o")"
	else
		skip syscalls_hook_default_tp_btf "this kernel has no tp_btf (tracetool list)"
	fi
}

# (b) -- CMD --fork: the forked child's calls are followed and counted.
test_fork() {
	local o="$TT_TMP/fork.json" e="$TT_TMP/fork.err" why
	tt_run "$o" "$e" -- "$W" --fork --getppid 777 --nanosleep 3 --sleep-us 1000
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_fork_getppid_count syscalls_fork_nanosleep_count
		return
	fi
	check_eq syscalls_fork_getppid_count "getppid count of the forked child" 777 \
		"$(tt_hcount "$o" "$GETPPID")" "lost $(tt_lost "$o")"
	check_eq syscalls_fork_nanosleep_count "nanosleep count of the forked child" 3 \
		"$(tt_hcount "$o" "$NANOSLEEP")"
}

# (b') -- CMD: a process lives on after its main thread's pthread_exit; the
# calls of its other thread are still the command's.
test_leader_exit() {
	local o="$TT_TMP/leader.json" e="$TT_TMP/leader.err" why
	tt_run "$o" "$e" -- "$W" --leader-exit --getppid 600
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail syscalls_fork_leader_exit_count "$why"
		return
	fi
	check_eq syscalls_fork_leader_exit_count \
		"getppid count of a thread that outlives the main thread" 600 \
		"$(tt_hcount "$o" "$GETPPID")" "lost $(tt_lost "$o")"
}

# start_pair DIR "A_ARGS" N_A "B_ARGS" N_B: start workloads A and B, both
# held on the wait file DIR/go; A makes N_A getppid calls, B makes N_B.
# Sets A and B to their pids.
start_pair() {
	mkdir -p "$1"
	# shellcheck disable=SC2086
	tt_bg "$W" --wait-file "$1/go" $2 --getppid "$3"
	A=$TT_PID
	# shellcheck disable=SC2086
	tt_bg "$W" --wait-file "$1/go" $4 --getppid "$5"
	B=$TT_PID
}

# run_pair DIR CHECK N_A N_B TRACETOOL_ARGS...: with A and B held (start_pair),
# run tracetool -f json -d 4 ARGS in the background, wait until it is ready,
# release both workloads and check that the report counts exactly A's N_A
# getppid calls.  Sets PAIR_B_RC to B's exit status.
run_pair() {
	local d="$1" check="$2" n_a="$3" n_b="$4" t why rca late
	shift 4
	PAIR_B_RC=""
	tt_bg "$TT" syscalls -f json -d 4 "$@" >"$d/out.json" 2>"$d/err"
	t=$TT_PID
	if ! tt_wait_ready "$t" "$HOOKS_RE" 10; then
		fail "$check" "$TT_WHY: $(head -c 300 "$d/err" | tr '\n' ' ')"
		tt_stop "$t"
		tt_stop "$A"
		tt_stop "$B"
		return
	fi
	touch "$d/go"	# release both workloads
	tt_wait_exit "$A" 20 || tt_stop "$A"
	rca=$TT_RC
	tt_wait_exit "$B" 20 || tt_stop "$B"
	PAIR_B_RC=$TT_RC
	late=""
	tt_alive "$t" || late="; tracetool's 4 s had run out before the workloads ended"
	if ! tt_wait_exit "$t" 20; then
		tt_stop "$t"
		fail "$check" "tracetool -d 4 still running 20 s after the workloads were released"
		return
	fi
	why=$(tt_run_why "$d/out.json" "$d/err")
	if [ -n "$why" ]; then
		fail "$check" "$why"
	elif [ "$rca" != 0 ]; then
		fail "$check" "traced workload A exited $rca"
	elif [ "$PAIR_B_RC" != 0 ]; then
		fail "$check" "untraced workload B exited $PAIR_B_RC (the test proves nothing)"
	else
		check_eq "$check" "getppid count (A made $n_a, B $n_b)" "$n_a" \
			"$(tt_hcount "$d/out.json" "$GETPPID")" "lost $(tt_lost "$d/out.json")$late"
	fi
}

need_bpftool() {	# need_bpftool CHECK: SKIP CHECK unless bpftool works
	tt_have_bpftool && return 0
	skip "$1" "bpftool ($BPFTOOL) is not usable: cannot tell when tracing is ready"
	return 1
}

# (c) -p PID: only the target process is counted.
test_pid() {
	need_bpftool syscalls_pid_only_target || return
	start_pair "$TT_TMP/pid" "" 300 "" 500
	run_pair "$TT_TMP/pid" syscalls_pid_only_target 300 500 -p "$A"
}

# (d) -c COMM: only tasks with that comm are counted.
test_comm() {
	local ca="ttA$SELF" cb="ttB$SELF"
	need_bpftool syscalls_comm_only_target || return
	start_pair "$TT_TMP/comm" "--comm $ca" 400 "--comm $cb" 600
	if ! tt_wait_comm "$A" "$ca" 10 || ! tt_wait_comm "$B" "$cb" 10; then
		fail syscalls_comm_only_target "workloads did not set their comm within 10 s"
		tt_stop "$A"
		tt_stop "$B"
		return
	fi
	run_pair "$TT_TMP/comm" syscalls_comm_only_target 400 600 -c "$ca"
}

# cgroup_root: mount point of the cgroup v2 hierarchy, if any.
cgroup_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# rmdir_cgroup DIR: remove a cgroup once its (exited) tasks are gone; bounded.
rmdir_cgroup() {
	local n=0
	[ -d "$1" ] || return 0
	while ! rmdir "$1" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ ! -d "$1" ]
}

# (e) --cgroup PATH: only tasks in that cgroup v2 directory are counted.
test_cgroup() {
	local root cg err
	need_bpftool syscalls_cgroup_only_target || return
	root=$(cgroup_root)
	if [ -z "$root" ] || [ ! -d "$root" ]; then
		skip syscalls_cgroup_only_target "no cgroup2 file system is mounted (/proc/mounts)"
		return
	fi
	cg=$root/tt-live-$SELF
	if ! err=$(mkdir "$cg" 2>&1); then
		skip syscalls_cgroup_only_target "cannot create a cgroup under $root: $err"
		return
	fi
	tt_on_exit "rmdir_cgroup '$cg'"
	start_pair "$TT_TMP/cgroup" "" 350 "" 650
	if ! err=$( (echo "$A" >"$cg/cgroup.procs") 2>&1); then
		skip syscalls_cgroup_only_target "cannot move a process into $cg: $err"
		tt_stop "$A"
		tt_stop "$B"
		rmdir_cgroup "$cg"
		return
	fi
	run_pair "$TT_TMP/cgroup" syscalls_cgroup_only_target 350 650 --cgroup "$cg"
	rmdir_cgroup "$cg" || echo "note: could not remove $cg" >&2
}

# (e2) --by process at the default series bound (4096): a cgroup whose
# processes make more series than that (300 short-lived /bin/true, ~20
# syscalls each, then the workload).  Past the bound, series overflow to
# their syscall's _other series: the workload's getppid count stays exact
# over all series, an _other series is there, nothing is lost.  (The cgroup
# makes the count exact: nothing else in it calls getppid; the shell that
# moves itself in has called it before.)
test_series_bound() {
	local root cg o="$TT_TMP/bound.json" e="$TT_TMP/bound.err" n=20000 pid why
	local checks="syscalls_bound_getppid_exact syscalls_bound_other_present syscalls_bound_no_loss"
	need_bpftool syscalls_bound_getppid_exact || return
	root=$(cgroup_root)
	cg=$root/tt-bound-$SELF
	if [ -z "$root" ] || ! mkdir "$cg" 2>/dev/null; then
		skip_all "cannot create a cgroup under '$root'" $checks
		return
	fi
	tt_on_exit "rmdir_cgroup '$cg'"
	tt_bg "$TT" syscalls --by process --cgroup "$cg" -d 120 -f json -o "$o" 2>"$e"
	pid=$TT_PID
	if ! tt_wait_bss_ready "$pid" 20; then
		fail_all "$TT_WHY" $checks
		tt_stop "$pid"
		return
	fi
	# shellcheck disable=SC2016
	timeout -k 5 60 sh -c 'echo $$ >"$1/cgroup.procs" || exit 9
		i=0
		while [ $i -lt 300 ]; do /bin/true; i=$((i + 1)); done
		exec "$2" --comm ttBound --getppid "$3"' sh "$cg" "$W" $n
	why=$?
	kill -TERM "$pid" 2>/dev/null
	if [ $why != 0 ]; then
		why="the spawning shell exited $why"
	elif ! tt_wait_exit "$pid" 20 || [ "$TT_RC" != 0 ]; then
		why="tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')"
	else
		why=$(tt_run_why "$o" "$e")
	fi
	if [ -n "$why" ]; then
		tt_stop "$pid"
		fail_all "$why" $checks
		rmdir_cgroup "$cg"
		return
	fi
	check_eq syscalls_bound_getppid_exact "getppid count over all series" $n \
		"$(jq '[.metrics[] | select(.name == "'$TT_LAT'") | .series[] |
			select(.labels.syscall == "getppid") | .count] | add' "$o")" \
		"series $(jq '[.metrics[] | select(.name == "'$TT_LAT'") | .series[]] | length' "$o")"
	check_eq syscalls_bound_other_present "series with comm=_other pid=_other > 0" true \
		"$(jq '[.metrics[] | select(.name == "'$TT_LAT'") | .series[] |
			select(.labels.comm == "_other" and .labels.pid == "_other")] | length > 0' "$o")"
	check_eq syscalls_bound_no_loss "lost" 0 "$(jq '.lost | add' "$o")"
	rmdir_cgroup "$cg"
}

# (f) errors: K failing close(-1) calls are K EBADF errors of close.
test_errors() {
	local o="$TT_TMP/errors.json" e="$TT_TMP/errors.err" why
	tt_run "$o" "$e" -- "$W" --fail-close 7
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail syscalls_errors_close_ebadf "$why"
		return
	fi
	check_eq syscalls_errors_close_ebadf "$TT_ERRS{syscall=close,errno=EBADF}" 7 \
		"$(tt_cvalue "$o" "$TT_ERRS" '{"syscall":"close","errno":"EBADF"}')" \
		"lost $(tt_lost "$o")"
}

# (g) --syscall getppid: nothing else is reported, getppid exactly.
test_filter_syscall() {
	local o="$TT_TMP/filter.json" e="$TT_TMP/filter.err" why
	tt_run "$o" "$e" --syscall getppid -- "$W" --getppid 250 --nanosleep 2 --sleep-us 100 \
		--fail-close 3
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_filter_syscall_only_getppid syscalls_filter_syscall_count
		return
	fi
	check_eq syscalls_filter_syscall_only_getppid "syscalls in the report (both metrics)" \
		getppid "$(tt_syscalls_seen "$o")"
	check_eq syscalls_filter_syscall_count "getppid count" 250 "$(tt_hcount "$o" "$GETPPID")"
}

# (h) --by process: the getppid series carries the workload's comm and pid.
test_by_process() {
	local o="$TT_TMP/byproc.json" e="$TT_TMP/byproc.err" pf="$TT_TMP/byproc.pid"
	local comm="ttP$SELF" why got pid
	tt_run "$o" "$e" --by process -- "$W" --comm "$comm" --pid-file "$pf" --getppid 321
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_by_process_labels syscalls_by_process_count
		return
	fi
	pid=$(cat "$pf" 2>/dev/null)
	got=$(tt_series "$o" "$TT_LAT" "$GETPPID" |
		jq -r 'map("comm=\(.labels.comm) pid=\(.labels.pid)") | join(" ; ")')
	check_eq syscalls_by_process_labels "labels of the getppid series" \
		"comm=$comm pid=$pid" "$got"
	check_eq syscalls_by_process_count "getppid count of comm=$comm pid=$pid" 321 \
		"$(tt_hcount "$o" "{\"syscall\":\"getppid\",\"comm\":\"$comm\",\"pid\":\"$pid\"}")"
}

# (i) --hook raw_tp: the fallback hook counts exactly the same.
test_hook_raw() {
	local o="$TT_TMP/raw.json" e="$TT_TMP/raw.err" why counts
	if ! feature raw_tp; then
		skip_all "this kernel has no raw_tp (tracetool list)" \
			syscalls_hook_raw_tp_label syscalls_hook_raw_tp_counts
		return
	fi
	tt_run "$o" "$e" --hook raw_tp -- "$W" --getppid 1000 --nanosleep 5 --sleep-us 500 \
		--fail-close 4
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_hook_raw_tp_label syscalls_hook_raw_tp_counts
		return
	fi
	check_eq syscalls_hook_raw_tp_label 'JSON .hooks.syscalls' raw_tp "$(jq -r '.hooks.syscalls' "$o")"
	counts="getppid=$(tt_hcount "$o" "$GETPPID") nanosleep=$(tt_hcount "$o" "$NANOSLEEP")"
	counts="$counts close/EBADF=$(tt_cvalue "$o" "$TT_ERRS" '{"syscall":"close","errno":"EBADF"}')"
	check_eq syscalls_hook_raw_tp_counts "counts" "getppid=1000 nanosleep=5 close/EBADF=4" \
		"$counts" "lost $(tt_lost "$o")"
}

# (j) SIGINT ends a system-wide run: status 0, a report, no BPF program left.
test_sigint() {
	local d="$TT_TMP/sigint" t ids before left n=0 rc
	need_bpftool syscalls_sigint_no_leftover_progs || {
		skip_all "bpftool ($BPFTOOL) is not usable" syscalls_sigint_exit_status \
			syscalls_sigint_report
		return
	}
	mkdir -p "$d"
	before=$(tt_orphan_progs | awk '{ print $1 }')	# not ours: there before we start
	tt_bg_sigint "$TT" syscalls -f json >"$d/out.json" 2>"$d/err"
	t=$TT_PID
	if ! tt_wait_ready "$t" "$HOOKS_RE" 10; then
		fail_all "$TT_WHY: $(head -c 300 "$d/err" | tr '\n' ' ')" syscalls_sigint_exit_status \
			syscalls_sigint_report syscalls_sigint_no_leftover_progs
		tt_stop "$t"
		return
	fi
	ids=$(tt_fd_ids "$t" prog_id)
	kill -INT "$t"
	if ! tt_wait_exit "$t" 10; then
		fail_all "still running 10 s after SIGINT" syscalls_sigint_exit_status \
			syscalls_sigint_report
		tt_stop "$t"
	else
		rc=$TT_RC
		check_eq syscalls_sigint_exit_status "exit status after SIGINT" 0 "$rc" \
			"stderr: $(head -c 200 "$d/err" | tr '\n' ' ')"
		if jq -e --arg m "$TT_LAT" '.schema == "tracetool.report/v1" and
			any(.metrics[]; .name == $m and (.series | length) > 0)' "$d/out.json" >/dev/null 2>&1
		then
			pass syscalls_sigint_report
		else
			fail syscalls_sigint_report "no JSON report with $TT_LAT series on stdout: $(head -c 200 "$d/out.json" | tr '\n' ' ')"
		fi
	fi
	# Programs are freed after an RCU grace period: poll, bounded.
	while :; do
		left=$({
			tt_named_progs | while read -r id name; do
				echo "$ids" | grep -qx "$id" && echo "$id $name (held by tracetool $t)"
			done
			tt_orphan_progs | while read -r id name; do
				echo "$before" | grep -qx "$id" || echo "$id $name (held by no process)"
			done
		} | sort -u | tr '\n' ';')
		[ -z "$left" ] && break
		n=$((n + 1))
		[ $n -ge 30 ] && break
		sleep 0.1
	done
	if [ -z "$left" ]; then
		pass syscalls_sigint_no_leftover_progs
	else
		fail syscalls_sigint_no_leftover_progs "BPF programs left after exit: $left"
	fi
}

# (k) usage errors exit 2; --help exits 0.
test_usage() {
	local e="$TT_TMP/usage.err" o="$TT_TMP/usage.out" p=999999 n=0 rc lines
	timeout 30 "$TT" syscalls --no-such-flag >"$o" 2>"$e"
	check_eq syscalls_usage_unknown_flag "exit status of --no-such-flag" 2 "$?"

	while [ -e "/proc/$p" ] && [ $n -lt 1000 ]; do	# a pid that does not exist
		p=$((p + 1))
		n=$((n + 1))
	done
	timeout 30 "$TT" syscalls -p "$p" -d 1 >"$o" 2>"$e"
	rc=$?
	lines=$(wc -l <"$e")
	check_eq syscalls_usage_missing_pid "-p $p (no such process): exit status, stderr lines" \
		"2 1" "$rc $lines" "stderr: $(head -c 300 "$e" | tr '\n' '|')"

	timeout 30 "$TT" syscalls -d junk >"$o" 2>"$e"
	check_eq syscalls_usage_bad_duration "exit status of -d junk" 2 "$?"

	timeout 30 "$TT" no-such-command >"$o" 2>"$e"
	check_eq syscalls_usage_unknown_command "exit status of an unknown command" 2 "$?"

	timeout 30 "$TT" syscalls --help >"$o" 2>"$e"
	rc=$?
	if [ $rc -eq 0 ] && grep -q Examples "$o"; then
		pass syscalls_usage_help
	else
		fail syscalls_usage_help "syscalls --help: exit status $rc, 'Examples' $(grep -q Examples "$o" || echo not) printed on stdout"
	fi
}

# (l) -i 0.5 -d 2: several reports, each a JSON document.
test_interval() {
	local o="$TT_TMP/interval.json" e="$TT_TMP/interval.err" why n
	tt_run "$o" "$e" -i 0.5 -d 2
	if [ "$TT_RC" != 0 ]; then
		fail syscalls_interval_reports "tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')"
		return
	fi
	n=$(jq -s 'length' "$o" 2>/dev/null)
	if [ -z "$n" ]; then
		fail syscalls_interval_reports "stdout is not a sequence of JSON documents"
	elif ! jq -s -e 'all(.[]; .schema == "tracetool.report/v1")' "$o" >/dev/null; then
		fail syscalls_interval_reports "a document is not a tracetool.report/v1 report"
	elif [ "$n" -ge 3 ]; then
		pass syscalls_interval_reports syscalls_interval_sum_exact
	else
		fail syscalls_interval_reports "expected at least 3 reports, got $n"
	fi
}

# (l') interval reports partition the run: their counts add up to the total,
# also while the workload is making calls at every interval boundary.
test_interval_sum() {
	local o="$TT_TMP/intsum.json" e="$TT_TMP/intsum.err" n
	tt_run "$o" "$e" -i 0.02 -- "$W" --getppid 1000000
	if [ "$TT_RC" != 0 ]; then
		fail syscalls_interval_sum_exact "tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')"
		return
	fi
	n=$(jq -s 'length' "$o" 2>/dev/null)
	check_eq syscalls_interval_sum_exact "getppid count summed over $n interval reports" 1000000 \
		"$(jq -s --arg m "$TT_LAT" '[.[].metrics[] | select(.name == $m) | .series[] |
			select(.labels.syscall == "getppid") | .count] | add // 0' "$o" 2>/dev/null)" \
		"lost summed: $(jq -s -c '[.[].lost | to_entries[]] | group_by(.key) |
			map({(.[0].key): (map(.value) | add)}) | add' "$o" 2>/dev/null)"
}

# (m) -o FILE: the report goes to FILE, nothing to stdout.
test_output_file() {
	local o="$TT_TMP/ofile.stdout" e="$TT_TMP/ofile.err" f="$TT_TMP/ofile.json" why
	tt_run "$o" "$e" -o "$f" -- "$W" --getppid 42
	if [ "$TT_RC" != 0 ]; then
		fail_all "tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')" \
			syscalls_output_file_json syscalls_output_file_stdout_empty
		return
	fi
	why=$(tt_run_why "$f" "$e")
	if [ -n "$why" ]; then
		fail syscalls_output_file_json "$why"
	else
		check_eq syscalls_output_file_json "getppid count in the -o file" 42 \
			"$(tt_hcount "$f" "$GETPPID")"
	fi
	check_eq syscalls_output_file_stdout_empty "bytes on stdout" 0 "$(wc -c <"$o")"
}

test_cmd
test_fork
test_leader_exit
test_pid
test_comm
test_cgroup
test_series_bound
test_errors
test_filter_syscall
test_by_process
test_hook_raw
test_sigint
test_usage
test_interval
test_interval_sum
test_output_file

# the report says what it covers: --syscall and --failed are filters of the
# report (a saved or merged report would otherwise not say it)
tt_run "$TT_TMP/filt.json" "$TT_TMP/filt.err" --failed --syscall close,openat -d 0.2
why=$(tt_run_why "$TT_TMP/filt.json" "$TT_TMP/filt.err")
if [ -n "$why" ]; then
	fail syscalls_filters_in_report "$why"
else
	check_eq syscalls_filters_in_report "report filters" '{"syscall":"close,openat","failed":"true"}' \
		"$(jq -c .filters "$TT_TMP/filt.json")"
fi
exit 0
