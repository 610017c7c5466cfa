#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool record` and of `tracetool report` reading its
# bundles (root, real kernel).  The workload's getppid count is known
# exactly, so every run of a bundle must hold exactly that count (the
# tracers load once, but each run's report is that run's alone: nothing
# carries over, not even a descendant of the previous run's command that
# outlives it); interleaved runs alternate two known counts; -d windows
# follow each other without a gap; a command that crashes in run 2 fails the recording with a
# message naming run 2, exit 1, and leaves an existing -o file as it was;
# -o NAME.gz is gzip and report reads it; damaged bundles exit 2.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload
CHECKS="record_runs_count record_runs_exact record_runs_indices record_fingerprint record_noise
record_core_to_core record_core_to_core_windows record_core_to_core_one_cpu
record_gzip_magic record_gzip_report_merged record_report_run
record_warmup_marked record_warmup_left_out
record_interleave_variants record_interleave_exact record_interleave_report_cand
record_interleave_report_needs_variant
record_duration_windows record_duration_contiguous
record_relaunch_exact record_relaunch_leftover_done
record_crash_exit record_crash_names_run record_crash_keeps_file record_crash_stops
record_bad_gzip_exit record_bad_schema_exit
record_usage_no_output record_usage_cmd_and_duration record_usage_bad_interleave
record_noise_after_load"

# shellcheck disable=SC2086
tt_require_base $CHECKS

# check_c2c NAME WHAT N FILE: N runs of FILE have the host's core-to-core
# latency, a cache line's round trip, in (5 ns, 20 us); skipped on one CPU
check_c2c() {
	if [ "$(nproc)" -ge 2 ]; then
		check_eq "$1" "$2 with core_to_core_ns in (5, 20000)" "$3" \
			"$(jq '[.runs[] | select(.noise.core_to_core_ns > 5
				and .noise.core_to_core_ns < 20000)] | length' "$4")"
	else
		skip "$1" "one CPU: no pair to probe"
	fi
}
if [ ! -x "$W" ]; then
	for n in $CHECKS; do
		fail "$n" "workload $W is missing: run make all"
	done
	exit 0
fi

# getppid counts of the runs of a bundle (plain or gzip), one per line: "INDEX VARIANT WARMUP COUNT"
counts() {
	gzip -dcf "$1" | jq -r '.runs[] | "\(.index) \(.variant) \(.warmup) \([.report.metrics[]
		| select(.name == "tracetool_syscall_duration_seconds") | .series[]
		| select(.labels.syscall == "getppid") | .count] | add // 0)"' | tr '\n' ' ' | sed 's/ $//'
}
report_count() {	# report_count ARGS...: getppid count of `tracetool report -f json ARGS`
	"$TT" report -f json "$@" 2>/dev/null | jq '[.metrics[]
		| select(.name == "tracetool_syscall_duration_seconds") | .series[]
		| select(.labels.syscall == "getppid") | .count] | add // 0'
}

# (a) three runs of a command: exact counts per run
B=$TT_TMP/a.json
"$TT" record syscalls --runs 3 -o "$B" -- "$W" --getppid 1000 2>"$TT_TMP/a.err"; rc=$?
if [ $rc -ne 0 ] || [ ! -s "$B" ]; then
	fail_all "record exited $rc: $(head -2 "$TT_TMP/a.err")" record_runs_count record_runs_exact \
		record_runs_indices record_fingerprint record_noise record_report_run \
		record_core_to_core
else
	check_eq record_runs_count "runs" 3 "$(jq '.runs | length' "$B")"
	check_eq record_runs_exact "index variant warmup getppid per run" \
		"0 run false 1000 1 run false 1000 2 run false 1000" "$(counts "$B")"
	check_eq record_runs_indices "schema, tracers, argv[1]" "tracetool.bundle/v1 syscalls record" \
		"$(jq -r '[.schema, (.tracers | join(",")), .argv[1]] | join(" ")' "$B")"
	check_eq record_fingerprint "kernel, cpus" "$(uname -r) $(nproc)" \
		"$(jq -r '[.fingerprint.kernel, .fingerprint.cpus] | join(" ")' "$B")"
	# the window covers the run: at least the report's own duration
	check_eq record_noise "runs whose noise is >= 0 and wall >= report duration" 3 \
		"$(jq '[.runs[] | select(.noise.steal_seconds >= 0 and .noise.other_cpu_seconds >= 0
			and .noise.wall_seconds >= .report.duration_seconds)] | length' "$B")"
	check_eq record_report_run "report --run 2: getppid" 1000 "$(report_count --run 2 "$B")"
	check_c2c record_core_to_core "runs" 3 "$B"
fi

# (b) -o NAME.gz is gzip; report reads it (the runs merged)
G=$TT_TMP/b.json.gz
"$TT" record syscalls --runs 2 -o "$G" -- "$W" --getppid 500 2>"$TT_TMP/b.err"; rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -2 "$TT_TMP/b.err")" record_gzip_magic record_gzip_report_merged
else
	check_eq record_gzip_magic "first bytes" "1f8b" "$(od -An -tx1 -N2 "$G" | tr -d ' ')"
	check_eq record_gzip_report_merged "report of 2 runs: getppid" 1000 "$(report_count "$G")"
fi

# (c) warm-up runs: kept, marked, left out of the merge
C=$TT_TMP/c.json
"$TT" record syscalls --runs 2 --warmup 1 -o "$C" -- "$W" --getppid 400 2>"$TT_TMP/c.err"; rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -2 "$TT_TMP/c.err")" record_warmup_marked record_warmup_left_out
else
	check_eq record_warmup_marked "runs" "0 run true 400 1 run false 400 2 run false 400" "$(counts "$C")"
	check_eq record_warmup_left_out "report: getppid of 2 runs" 800 "$(report_count "$C")"
fi

# (d) interleaved: base (700 calls) and cand (300 calls) alternate
D=$TT_TMP/d.json
"$TT" record syscalls --runs 2 --interleave "$W --getppid 300" -o "$D" -- "$W" --getppid 700 \
	2>"$TT_TMP/d.err"; rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -2 "$TT_TMP/d.err")" record_interleave_variants \
		record_interleave_exact record_interleave_report_cand record_interleave_report_needs_variant
else
	check_eq record_interleave_variants "variants" "base cand base cand" \
		"$(jq -r '[.runs[].variant] | join(" ")' "$D")"
	check_eq record_interleave_exact "runs" \
		"0 base false 700 1 cand false 300 2 base false 700 3 cand false 300" "$(counts "$D")"
	check_eq record_interleave_report_cand "report --variant cand: getppid" 600 \
		"$(report_count --variant cand "$D")"
	err=$("$TT" report "$D" 2>&1 >/dev/null); rc=$?
	check_eq record_interleave_report_needs_variant "exit, says --variant" "2 1" \
		"$rc $(echo "$err" | grep -c -- '--variant')"
fi

# (e) -d: each run a window of SEC
E=$TT_TMP/e.json
"$TT" record syscalls --runs 2 -d 0.3 -c tt-no-such-comm -o "$E" 2>"$TT_TMP/e.err"; rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -2 "$TT_TMP/e.err")" record_duration_windows \
		record_core_to_core_windows
else
	check_eq record_duration_windows "runs with duration in [0.3, 1.5]" 2 \
		"$(jq '[.runs[] | select(.report.duration_seconds >= 0.3 and .report.duration_seconds <= 1.5)] | length' "$E")"
	check_c2c record_core_to_core_windows "-d runs" 2 "$E"
fi

# (e2) a late snapshot does not shorten the next window: tracetool stopped
# 0.12 s in every 0.2 s, so each snapshot comes up to 0.12 s after its
# window's end; every window still holds its whole 0.3 s (a fixed cadence
# gave the next one 0.3 s minus that lateness)
L=$TT_TMP/late.json
"$TT" record syscalls --runs 6 -d 0.3 -c tt-no-such-comm -o "$L" 2>"$TT_TMP/late.err" &
p=$!
i=0
while kill -0 $p 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.08
	kill -STOP $p 2>/dev/null
	sleep 0.12
	kill -CONT $p 2>/dev/null
	i=$((i + 1))
done
wait $p
rc=$?
if [ $rc -ne 0 ]; then
	fail record_windows_late_snapshot "record exited $rc: $(head -2 "$TT_TMP/late.err")"
else
	check_eq record_windows_late_snapshot "of 6 windows, those of 0.3 s or more" 6 \
		"$(jq '[.runs[] | select(.report.duration_seconds >= 0.3)] | length' "$L")" \
		"$(jq -c '[.runs[].report.duration_seconds]' "$L")"
fi

# (e1) pinned to one CPU (away from a client, docs/ci.md) record still probes the
# pairs of the CPUs it may use, between runs; with one CPU usable there is no pair:
# no core_to_core_ns, the bundle otherwise whole
O=$TT_TMP/one.json
taskset -c 0 "$TT" record syscalls --runs 2 -o "$O" -- "$W" --getppid 100 2>"$TT_TMP/one.err"; rc=$?
probed=0
[ "$(nproc)" -lt 2 ] || probed=2
check_eq record_core_to_core_one_cpu "exit, runs, runs with core_to_core_ns in (5, 20000)" "0 2 $probed" \
	"$rc $(jq '.runs | length' "$O" 2>/dev/null) $(jq '[.runs[] | select(.noise.core_to_core_ns > 5
		and .noise.core_to_core_ns < 20000)] | length' "$O" 2>/dev/null)" "$(head -2 "$TT_TMP/one.err")"

# (e2) -d windows are contiguous: each starts where the previous one's report ended
# (started_at has millisecond resolution: 3 ms of slack)
E2=$TT_TMP/e2.json
"$TT" record syscalls --runs 3 -d 0.2 -c tt-no-such-comm -o "$E2" 2>"$TT_TMP/e2.err"; rc=$?
if [ $rc -ne 0 ]; then
	fail record_duration_contiguous "record exited $rc: $(head -2 "$TT_TMP/e2.err")"
else
	check_eq record_duration_contiguous "gaps between windows within 3 ms" 2 \
		"$(jq '[.runs[].report | (.started_at | capture("T(?<h>..):(?<m>..):(?<s>[0-9.]+)Z")
			| (.h | tonumber) * 3600 + (.m | tonumber) * 60 + (.s | tonumber))
			+ .duration_seconds] as $ends | [.runs[].report.started_at
			| capture("T(?<h>..):(?<m>..):(?<s>[0-9.]+)Z")
			| (.h | tonumber) * 3600 + (.m | tonumber) * 60 + (.s | tonumber)] as $starts
			| [range(1; $starts | length) | $starts[.] - $ends[. - 1]
			| select(. > -0.003 and . < 0.003)] | length' "$E2")"
fi

# (e3) runs are independent: run K makes K * 100 getppid calls, and run 1
# leaves a descendant behind that makes 500 more during run 2 (then exits):
# a command's descendants are followed only in its own run, and no run's
# counts leak into the next.  Only the workload's own calls are counted (sh
# may call getppid itself).
R=$TT_TMP/e3
echo 0 >"$R.n"
"$TT" record syscalls --by comm --runs 3 -o "$R.json" -- sh -c '
n=$(($(cat "$1") + 1)); echo $n >"$1"
if [ $n -eq 1 ]; then
	( i=0; while [ ! -e "$2.go" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	  "$3" --getppid 500; : >"$2.done" ) &
elif [ $n -eq 2 ]; then
	: >"$2.go"
	i=0; while [ ! -e "$2.done" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
fi
exec "$3" --getppid $((n * 100))' sh "$R.n" "$R" "$W" >"$R.out" 2>&1; rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -2 "$R.out")" record_relaunch_exact \
		record_relaunch_leftover_done
else
	check_eq record_relaunch_exact "workload getppid per run" "100 200 300" \
		"$(jq -r '[.runs[] | [.report.metrics[]
			| select(.name == "tracetool_syscall_duration_seconds") | .series[]
			| select(.labels.syscall == "getppid" and .labels.comm == "syscall_workloa")
			| .count] | add // 0] | map(tostring) | join(" ")' "$R.json")"
	check_eq record_relaunch_leftover_done "the leftover descendant ran in run 2" yes \
		"$([ -e "$R.done" ] && echo yes || echo no)"
fi

# (f) a command that crashes in run 2 (of 3): exit 1, run 2 named, the old file untouched
F=$TT_TMP/f.json
N=$TT_TMP/f.count
echo precious >"$F"
echo 0 >"$N"
err=$("$TT" record syscalls --runs 3 -o "$F" -- sh -c \
	'n=$(($(cat "$1") + 1)); echo $n >"$1"; [ $n -ne 2 ] || kill -SEGV $$' sh "$N" 2>&1); rc=$?
check_eq record_crash_exit "exit status" 1 "$rc"
if echo "$err" | grep -q 'run 2/3 (index 1).*killed by SIGSEGV'; then
	pass "record_crash_names_run ($err)"
else
	fail record_crash_names_run "stderr: $err"
fi
check_eq record_crash_keeps_file "-o file" precious "$(cat "$F")"
check_eq record_crash_stops "runs started" 2 "$(cat "$N")"

# (g) damaged bundles: one line, exit 2
if [ -s "$G" ]; then
	head -c $(($(stat -c %s "$G") / 2)) "$G" >"$TT_TMP/cut.json.gz"
	err=$("$TT" report "$TT_TMP/cut.json.gz" 2>&1 >/dev/null); rc=$?
	check_eq record_bad_gzip_exit "exit, lines, says truncated" "2 1 1" \
		"$rc $(echo "$err" | wc -l) $(echo "$err" | grep -c 'truncated')"
else
	fail record_bad_gzip_exit "no gzip bundle from (b)"
fi
if [ -s "$B" ]; then
	sed 's#tracetool.bundle/v1#tracetool.bundle/v2#' "$B" >"$TT_TMP/v2.json"
	err=$("$TT" report "$TT_TMP/v2.json" 2>&1 >/dev/null); rc=$?
	check_eq record_bad_schema_exit "exit, lines, names \$.schema" "2 1 1" \
		"$rc $(echo "$err" | wc -l) $(echo "$err" | grep -c 'v2.json: \$.schema')"
else
	fail record_bad_schema_exit "no bundle from (a)"
fi

# (g2) a run's noise window starts when tracing is ready, not before the load:
# requests loads in over a second, which run 1's wall_seconds held (1.6 s
# against 0.002 s of report), with -- CMD and with -d alike
"$TT" record requests --runs 2 -o "$TT_TMP/l1.json" -- true 2>"$TT_TMP/l.err"
rc1=$?
"$TT" record requests --runs 2 -d 0.2 -o "$TT_TMP/l2.json" 2>>"$TT_TMP/l.err"
rc2=$?
check_eq record_noise_after_load \
	"exit statuses, runs whose wall_seconds exceeds the report's duration by under 0.25 s" "0 0 2 2" \
	"$rc1 $rc2 $(for f in l1 l2; do jq '[.runs[] | select(.noise.wall_seconds - .report.duration_seconds < 0.25)] | length' "$TT_TMP/$f.json" 2>/dev/null || echo -; done | tr '\n' ' ' | sed 's/ $//')" \
	"$(jq -c '[.runs[] | [.noise.wall_seconds, .report.duration_seconds]]' "$TT_TMP/l1.json" "$TT_TMP/l2.json" 2>/dev/null | tr '\n' ' ') $(head -c 200 "$TT_TMP/l.err")"

# (h) usage errors exit 2 before anything runs
"$TT" record syscalls --runs 2 -- true >/dev/null 2>&1; rc=$?
check_eq record_usage_no_output "no -o: exit" 2 "$rc"
"$TT" record syscalls -d 1 -o "$TT_TMP/h.json" -- true >/dev/null 2>&1; rc=$?
check_eq record_usage_cmd_and_duration "-d with -- CMD: exit" 2 "$rc"
"$TT" record syscalls --interleave 'x $(id)' -o "$TT_TMP/h.json" -- true >/dev/null 2>&1; rc=$?
check_eq record_usage_bad_interleave "command substitution: exit, file" "2 no" \
	"$rc $([ -e "$TT_TMP/h.json" ] && echo yes || echo no)"
exit 0
