#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool offcpu` (root, real kernel): a workload that
# blocks a known total time (COUNT x MS in nanosleep) in one function; the
# report's total for that function's stack must be within 10 %, on both
# hooks; the minimum-block filter; the pid filter; units and names; two CPU
# hogs sharing one CPU are never blocked (preemption is not blocking), and
# --state chooses task states.  A block ends at the wakeup: the wait for a
# busy CPU after it is not blocked time (--state 0 counts it).  The report
# records --state and --min-block, and report/compare refuse to add up
# run-queue waits with blocked time.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/prof_block

CHECKS="offcpu_hook_tp_btf offcpu_total_tp_btf offcpu_stack_main_wait offcpu_kernel_frames
offcpu_unit offcpu_total_raw_tp offcpu_min_block_filter offcpu_min_block_busy_cpu
offcpu_state_runnable_after_wakeup offcpu_pid_filter
offcpu_inflight_shown offcpu_inflight_intervals_sum
offcpu_hogs_not_blocked offcpu_state_runnable offcpu_state_sleeping offcpu_state_uninterruptible
offcpu_usage_bad_min_block offcpu_usage_bad_state
offcpu_measurement_recorded offcpu_report_merge_state_exit2 offcpu_report_text_state
offcpu_report_merge_same offcpu_report_merge_unknown_warns offcpu_compare_state_exit2"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$W" ]; then
	for n in $CHECKS; do
		fail "$n" "workload $W is missing: run make all"
	done
	exit 0
fi

prof_run() {
	_out=$1
	_err=$2
	shift 2
	timeout -k 5 120 "$TT" "$@" >"$_out" 2>"$_err"
	TT_RC=$?
}

# value FILE SUBSTRING: total value of the stacks whose ;-joined frames contain SUBSTRING.
value() {
	jq --arg s "$2" '[.profiles[]?.stacks[]? | select(.frames | join(";") | contains($s)) |
		.value] | add // 0' "$1" 2>/dev/null
}

frames_of() {
	jq -c '[.profiles[]?.stacks[:3][]? | "\(.value) \(.frames | join(";"))"]' "$1" 2>/dev/null |
		head -c 600
}

feature() {
	"$TT" list -f json 2>/dev/null |
		jq -e --arg f "$1" 'any(.features[]?; .name == $f and .supported == true)' >/dev/null 2>&1
}

# 20 x 50 ms = 1,000,000 us blocked in prof_block_wait.
test_total() {
	local o="$TT_TMP/btf.json" e="$TT_TMP/btf.err" why
	prof_run "$o" "$e" offcpu -f json -- "$W" 50 20
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" offcpu_hook_tp_btf offcpu_total_tp_btf offcpu_stack_main_wait offcpu_kernel_frames \
			offcpu_unit
		return
	fi
	if feature tp_btf; then
		check_eq offcpu_hook_tp_btf "JSON .hooks.offcpu" tp_btf "$(jq -r '.hooks.offcpu' "$o")"
	else
		skip offcpu_hook_tp_btf "this kernel has no tp_btf (tracetool list)"
	fi
	check_range offcpu_total_tp_btf "microseconds blocked in main;prof_block_wait (1e6 expected)" \
		900000 1100000 "$(value "$o" "main;prof_block_wait")"
	check_eq offcpu_stack_main_wait "share of prof_block's blocked time under main;prof_block_wait" \
		1 "$(jq '([.profiles[0].stacks[] | select(.frames[0] == "prof_block") | .value] | add) as $all |
			([.profiles[0].stacks[] | select(.frames | join(";") | contains("main;prof_block_wait")) |
			.value] | add // 0) as $w | if $all > 0 and $w / $all > 0.95 then 1 else 0 end' "$o")" \
		"$(frames_of "$o")"
	check_eq offcpu_kernel_frames "a blocked stack whose innermost frame is the scheduler (schedule_[k])" 1 \
		"$(jq '[.profiles[0].stacks[] | select(.frames | join(";") |
			test("prof_block_wait;.*schedule_\\[k\\]$"))] | if length > 0 then 1 else 0 end' "$o")" \
		"$(frames_of "$o")"
	check_eq offcpu_unit "profile name and unit" "offcpu microseconds" \
		"$(jq -r '"\(.profiles[0].name) \(.profiles[0].unit)"' "$o")"
}

test_raw_tp() {
	local o="$TT_TMP/raw.json" e="$TT_TMP/raw.err" why
	if ! feature raw_tp; then
		skip offcpu_total_raw_tp "this kernel has no raw_tp (tracetool list)"
		return
	fi
	prof_run "$o" "$e" offcpu --hook raw_tp -f json -- "$W" 40 10
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail offcpu_total_raw_tp "$why"
		return
	fi
	if [ "$(jq -r '.hooks.offcpu' "$o")" != raw_tp ]; then
		fail offcpu_total_raw_tp "hook is $(jq -r '.hooks.offcpu' "$o"), not raw_tp"
		return
	fi
	check_range offcpu_total_raw_tp "raw_tp: microseconds in main;prof_block_wait (4e5 expected)" \
		360000 440000 "$(value "$o" "main;prof_block_wait")"
}

# --min-block 30000: the 10 ms blocks vanish, the 50 ms ones stay.  Both
# runs block in the same stack, so the 10 ms run would add 200,000 us.
test_min_block() {
	local o="$TT_TMP/min.json" e="$TT_TMP/min.err" why
	prof_run "$o" "$e" offcpu --min-block 30000 -f json -- sh -c "'$W' 10 20; '$W' 50 4"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail offcpu_min_block_filter "$why"
		return
	fi
	check_range offcpu_min_block_filter "us in prof_block_wait with --min-block 30000 (2e5 expected)" \
		180000 220000 "$(value "$o" "main;prof_block_wait")"
}

# The same blocks beside a SCHED_FIFO hog on their CPU (40 ms busy, 5 ms
# idle): most wakeups wait for the CPU, up to 40 ms, so a 10 ms sleep was
# off the CPU for 30 ms and more and passed --min-block 30000 (a loaded
# host once gave 416,641 us for 200,000).  Blocked time ends at the
# wakeup: still 200,000 us; --state 0 shows the wait after the wakeups.
test_min_block_busy_cpu() {
	local o="$TT_TMP/busy.json" e="$TT_TMP/busy.err" why cmd
	if ! command -v taskset >/dev/null 2>&1 || ! taskset -c 0 true 2>/dev/null; then
		skip_all "cannot pin to CPU 0 (taskset)" offcpu_min_block_busy_cpu \
			offcpu_state_runnable_after_wakeup
		return
	fi
	# 36 x 45 ms outlast the blocks, also when they wait 40 ms each
	cmd="(taskset -c 0 '$WL/rq_hog' 40 5 36; echo \$? >'$TT_TMP/hog.rc') &
		taskset -c 0 '$W' 10 20; taskset -c 0 '$W' 50 4; wait"
	prof_run "$o" "$e" offcpu --min-block 30000 -f json -- sh -c "$cmd"
	why=$(tt_run_why "$o" "$e")
	[ -z "$why" ] && [ "$(cat "$TT_TMP/hog.rc" 2>/dev/null)" != 0 ] &&
		why="rq_hog failed (SCHED_FIFO needs CAP_SYS_NICE): $(head -c 200 "$e")"
	if [ -n "$why" ]; then
		fail_all "$why" offcpu_min_block_busy_cpu offcpu_state_runnable_after_wakeup
		return
	fi
	check_range offcpu_min_block_busy_cpu \
		"us in prof_block_wait with --min-block 30000 beside a busy CPU (2e5 expected)" \
		180000 220000 "$(value "$o" "main;prof_block_wait")"
	prof_run "$o" "$e" offcpu --state 0 -f json -- sh -c "$cmd"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail offcpu_state_runnable_after_wakeup "$why"
		return
	fi
	# 24 wakeups, most of them waiting (up to 40 ms) for the hog's CPU
	check_range offcpu_state_runnable_after_wakeup \
		"us prof_block_wait waited for the CPU after wakeups (--state 0)" \
		100000 1200000 "$(value "$o" "main;prof_block_wait")"
}

# -p: only the chosen process appears.
test_pid() {
	local o="$TT_TMP/pid.json" e="$TT_TMP/pid.err" p other rc
	tt_bg "$W" 20 60
	p=$TT_PID
	tt_bg "$W" 20 60
	other=$TT_PID
	prof_run "$o" "$e" offcpu -p "$p" -d 0.6 -f json
	rc=$TT_RC	# tt_stop sets TT_RC
	tt_stop "$p"
	tt_stop "$other"
	if [ "$rc" != 0 ]; then
		fail offcpu_pid_filter "exit $rc: $(head -c 300 "$e")"
		return
	fi
	# one process, 20 ms blocks for 0.6 s: at most ~0.6 s; two would give ~1.2 s
	check_eq offcpu_pid_filter "comms seen, and total within one process's time" "prof_block 1" \
		"$(jq -r '[.profiles[0].stacks[].frames[0]] | unique | join(",")' "$o") $(jq '
			([.profiles[0].stacks[].value] | add // 0) as $t | if $t > 300000 and $t <= 650000
			then 1 else 0 end' "$o")" "$(frames_of "$o")"
}

# A thread still blocked at the report shows with the time so far; with
# -i, each interval shows its own part, and the end of the block adds only
# what was not shown yet.
test_inflight() {
	local o="$TT_TMP/infl.json" e="$TT_TMP/infl.err" why n
	prof_run "$o" "$e" offcpu -d 1 -f json -- "$W" 3000 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail offcpu_inflight_shown "$why"
	else
		check_range offcpu_inflight_shown "us in prof_block_wait after 1 s of a 3 s block" \
			900000 1100000 "$(value "$o" "main;prof_block_wait")"
	fi
	prof_run "$o" "$e" offcpu -i 0.4 -f json -- "$W" 1200 1
	n=$(jq -s 'length' "$o" 2>/dev/null)
	if [ "$TT_RC" != 0 ] || [ "${n:-0}" -lt 3 ]; then
		fail offcpu_inflight_intervals_sum "exit $TT_RC, $n report(s): $(head -c 300 "$e")"
		return
	fi
	# one 1.2 s block; counting a part twice would give up to 2.4 s
	check_range offcpu_inflight_intervals_sum "us in prof_block_wait summed over $n reports" \
		1080000 1320000 "$(jq -s '[.[] | .profiles[]?.stacks[]? | select(.frames | join(";") |
			contains("main;prof_block_wait")) | .value] | add // 0' "$o")"
}

# comm_total FILE COMM: microseconds of the stacks whose comm is COMM.
comm_total() {
	jq --arg c "$2" '[.profiles[]?.stacks[]? | select(.frames[0] == $c) | .value] | add // 0' \
		"$1" 2>/dev/null
}

# Two CPU hogs pinned to one CPU for 2 s take turns: each waits about 1 s
# for the CPU, runnable, never blocked.  They are preempted in user mode,
# where the kernel's flag says "not preempt" (the switch happens on the way
# back to user mode): only the task state tells.  --state 0 shows that
# runnable wait instead.
test_hogs() {
	local o="$TT_TMP/hogs.json" e="$TT_TMP/hogs.err" hogs v
	if ! command -v taskset >/dev/null 2>&1 || ! taskset -c 0 true 2>/dev/null; then
		skip_all "cannot pin to CPU 0 (taskset)" offcpu_hogs_not_blocked offcpu_state_runnable
		return
	fi
	hogs="taskset -c 0 $WL/prof_cpu 2 & taskset -c 0 $WL/prof_cpu 2; wait"
	prof_run "$o" "$e" offcpu -f json -- sh -c "$hogs"
	if [ "$TT_RC" != 0 ] || [ "$(grep -c 'cpu_seconds=' "$e")" != 2 ]; then
		fail_all "exit $TT_RC: $(head -c 300 "$e")" offcpu_hogs_not_blocked offcpu_state_runnable
		return
	fi
	v=$(comm_total "$o" prof_cpu)
	if [ "${v:-0}" -lt 50000 ]; then
		pass "offcpu_hogs_not_blocked (us off-CPU of two hogs sharing a CPU: $v, < 50000)"
	else
		fail offcpu_hogs_not_blocked "us off-CPU of two hogs sharing a CPU: $v, expected < 50000 ($(frames_of "$o"))"
	fi
	prof_run "$o" "$e" offcpu --state 0 -f json -- sh -c "$hogs"
	# each waits for the other about half of its 2 s; the host adds its own load
	check_range offcpu_state_runnable "us the two hogs waited runnable (--state 0)" \
		1000000 4000000 "$(comm_total "$o" prof_cpu)"
}

# prof_block sleeps in nanosleep: TASK_INTERRUPTIBLE (1), never 2.
test_state() {
	local o="$TT_TMP/state.json" e="$TT_TMP/state.err"
	prof_run "$o" "$e" offcpu --state 1 -f json -- "$W" 50 4
	check_range offcpu_state_sleeping "us in prof_block_wait with --state 1 (2e5 expected)" \
		180000 220000 "$(value "$o" "main;prof_block_wait")"
	prof_run "$o" "$e" offcpu --state 2 -f json -- "$W" 50 4
	check_range offcpu_state_uninterruptible "us in prof_block_wait with --state 2" \
		0 10000 "$(value "$o" "main;prof_block_wait")"
}

test_usage() {
	"$TT" offcpu --min-block abc -d 1 >/dev/null 2>&1
	check_eq offcpu_usage_bad_min_block "exit status of --min-block abc" 2 "$?"
	"$TT" offcpu --state abc -d 1 >/dev/null 2>&1
	check_eq offcpu_usage_bad_state "exit status of --state abc" 2 "$?"
}

# --state and --min-block in the report ("measurement"): `tracetool report`
# refuses to merge a --state 0 report (run-queue waits) with a default one
# (blocked time), naming both files and the option (it merged them into one
# profile before); equal options merge and stay recorded; a report without
# them (an older tracetool's) merges with a warning and leaves them
# unknown; compare refuses bundles recorded with either.
test_measurement() {
	local a="$TT_TMP/meas_a.json" b="$TT_TMP/meas_b.json" e="$TT_TMP/meas.err" why
	local names="offcpu_measurement_recorded offcpu_report_merge_state_exit2
		offcpu_report_text_state offcpu_report_merge_same offcpu_report_merge_unknown_warns"
	prof_run "$a" "$e" offcpu -f json -- "$W" 10 2
	why=$(tt_run_why "$a" "$e")
	[ -z "$why" ] && prof_run "$b" "$e" offcpu --state 0 --min-block 5 -f json -- "$W" 10 2
	[ -z "$why" ] && why=$(tt_run_why "$b" "$e")
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $names offcpu_compare_state_exit2
		return
	fi
	check_eq offcpu_measurement_recorded "JSON .measurement.offcpu, default and --state 0 --min-block 5" \
		'{"state":"sleeping","min-block":"1"} {"state":"0","min-block":"5"}' \
		"$(jq -c .measurement.offcpu "$a") $(jq -c .measurement.offcpu "$b")"
	"$TT" report "$a" "$b" >"$TT_TMP/meas.out" 2>"$e"
	check_eq offcpu_report_merge_state_exit2 "exit, stdout bytes, stderr lines, the line names both files and --state 0" \
		"2 0 1 1" "$? $(wc -c <"$TT_TMP/meas.out") $(wc -l <"$e") $(grep -c -F \
		"cannot merge $b with $a: offcpu --state differs: 0 (run-queue waits) in $b, sleeping" "$e")" \
		"$(head -2 "$e")"
	check_eq offcpu_report_text_state "the text's line for offcpu" \
		"offcpu: run-queue waits (state=0), spans of 5 us or more (min-block=5)" \
		"$("$TT" report "$b" 2>&1 | grep '^offcpu:')"
	cp "$a" "$TT_TMP/meas_a2.json"
	"$TT" report -f json "$a" "$TT_TMP/meas_a2.json" >"$TT_TMP/meas.out" 2>"$e"
	check_eq offcpu_report_merge_same "exit, stderr bytes, merged .measurement.offcpu" \
		'0 0 {"state":"sleeping","min-block":"1"}' \
		"$? $(wc -c <"$e") $(jq -c .measurement.offcpu "$TT_TMP/meas.out")"
	jq 'del(.measurement)' "$b" >"$TT_TMP/meas_old.json"
	"$TT" report -f json "$TT_TMP/meas_old.json" "$a" >"$TT_TMP/meas.out" 2>"$e"
	check_eq offcpu_report_merge_unknown_warns "exit, warning lines naming the old file, merged .measurement" \
		"0 1 null" "$? $(grep -c "warning: $TT_TMP/meas_old.json records no offcpu measurement options" "$e") \
$(jq -c .measurement "$TT_TMP/meas.out")" "$(head -2 "$e")"

	"$TT" record offcpu --runs 2 -o "$TT_TMP/meas_a.bundle" -- "$W" 10 2 >/dev/null 2>"$e" &&
		"$TT" record offcpu --state 0 --runs 2 -o "$TT_TMP/meas_b.bundle" -- "$W" 10 2 \
			>/dev/null 2>"$e"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail offcpu_compare_state_exit2 "record exited $rc: $(head -2 "$e")"
		return
	fi
	"$TT" compare "$TT_TMP/meas_a.bundle" "$TT_TMP/meas_b.bundle" >"$TT_TMP/meas.out" 2>"$e"
	check_eq offcpu_compare_state_exit2 "exit, stdout bytes, stderr lines naming both bundles and --state" \
		"2 0 1 1" "$? $(wc -c <"$TT_TMP/meas.out") $(wc -l <"$e") $(grep -c -F \
		"cannot compare $TT_TMP/meas_a.bundle with $TT_TMP/meas_b.bundle: offcpu --state differs: sleeping" "$e")" \
		"$(head -2 "$e")"
}

test_total
test_measurement
test_raw_tp
test_min_block
test_min_block_busy_cpu
test_pid
test_inflight
test_hogs
test_state
test_usage
