#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool report` (root, real kernel): reports saved by
# `tracetool syscalls -f json -o FILE -- CMD` read back into the same
# document and the same counts, several merged with their counts added,
# and damaged files rejected with exit 2 and the JSON path.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload

CHECKS="report_json_round_trip report_text_count report_text_same_as_stdin
report_merge_getppid_count report_merge_nanosleep_count report_merge_duration
report_merge_text_count report_output_file report_interval_stream
report_truncated_exit2 report_bad_bucket_path report_other_tracers_exit2 report_same_file_twice_exit2
report_folded_two_profiles_exit2 report_folded_profile_pick report_folded_profile_unknown
report_text_empty_errors_zero report_merge_failed_exit2 report_text_failed_line"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$W" ]; then
	fail_all "workload $W is missing: run make all" $CHECKS
	exit 0
fi

GETPPID='{"syscall":"getppid"}'
NANOSLEEP='{"syscall":"nanosleep"}'
A=$TT_TMP/a.json
B=$TT_TMP/b.json

# save RUN_OUT GETPPID_N NANOSLEEP_N: one traced workload run saved with -o.
save() {
	timeout -k 5 120 "$TT" syscalls -f json -o "$1" -- "$W" --getppid "$2" \
		--nanosleep "$3" --sleep-us 1000 >"$1.stdout" 2>"$1.err"
	TT_RC=$?
	tt_run_why "$1" "$1.err"
}

why=$(save "$A" 1000 5)
[ -z "$why" ] && why=$(save "$B" 234 7)
if [ -n "$why" ]; then
	# shellcheck disable=SC2086
	fail_all "$why" $CHECKS
	exit 0
fi

# (a) one report: the JSON read back is the document that was saved, byte
# for byte (so the text is what the run would have printed), and the text
# table shows the exact count.
if "$TT" report -f json "$A" >"$TT_TMP/a2.json" 2>"$TT_TMP/a2.err" &&
	cmp -s "$A" "$TT_TMP/a2.json"; then
	pass "report_json_round_trip (tracetool report -f json a.json == a.json)"
else
	fail report_json_round_trip "differs: $(diff "$A" "$TT_TMP/a2.json" 2>&1 | head -5 | tr '\n' ' ') $(cat "$TT_TMP/a2.err")"
fi
"$TT" report "$A" >"$TT_TMP/a.txt" 2>&1
check_eq report_text_count "getppid COUNT column of the text table" 1000 \
	"$(awk '$1 == "getppid" && $2 == "x86_64" { print $3 }' "$TT_TMP/a.txt")"
if "$TT" report - <"$A" | cmp -s - "$TT_TMP/a.txt"; then
	pass "report_text_same_as_stdin (report - < a.json)"
else
	fail report_text_same_as_stdin "stdin read renders differently"
fi

# (b) two reports merged: counts and durations add.
"$TT" report -f json "$A" "$B" >"$TT_TMP/ab.json" 2>"$TT_TMP/ab.err"
check_eq report_merge_getppid_count "getppid count of a.json + b.json" 1234 \
	"$(tt_hcount "$TT_TMP/ab.json" "$GETPPID")" "$(cat "$TT_TMP/ab.err")"
check_eq report_merge_nanosleep_count "nanosleep count of a.json + b.json" 12 \
	"$(tt_hcount "$TT_TMP/ab.json" "$NANOSLEEP")"
check_eq report_merge_duration "duration_seconds is the sum" yes \
	"$(jq -rn --slurpfile a "$A" --slurpfile b "$B" --slurpfile m "$TT_TMP/ab.json" \
		'($a[0].duration_seconds + $b[0].duration_seconds - $m[0].duration_seconds) |
		 fabs < 1e-9 | if . then "yes" else "no" end')"
"$TT" report --top 50 "$A" "$B" >"$TT_TMP/ab.txt" 2>&1
check_eq report_merge_text_count "getppid COUNT of the merged text table" 1234 \
	"$(awk '$1 == "getppid" && $2 == "x86_64" { print $3 }' "$TT_TMP/ab.txt")"
if "$TT" report -o "$TT_TMP/out.txt" "$A" "$B" --top 50 >"$TT_TMP/out.stdout" 2>&1 &&
	cmp -s "$TT_TMP/out.txt" "$TT_TMP/ab.txt" && [ ! -s "$TT_TMP/out.stdout" ]; then
	pass "report_output_file (-o FILE holds the report, stdout empty)"
else
	fail report_output_file "-o output differs or stdout not empty"
fi

# (b') -i writes one document per interval: report reads them all, merged.
I=$TT_TMP/int.json
timeout -k 5 120 "$TT" syscalls -f json -i 0.05 -o "$I" -- "$W" --getppid 300000 \
	>/dev/null 2>"$I.err"
rc=$?
n=$(jq -s 'length' "$I" 2>/dev/null)
if [ $rc -ne 0 ] || [ -z "$n" ] || [ "$n" -lt 2 ]; then
	fail report_interval_stream "tracetool exited $rc, ${n:-no} documents: $(head -c 200 "$I.err")"
else
	"$TT" report -f json "$I" >"$TT_TMP/int_all.json" 2>"$TT_TMP/int_all.err"
	check_eq report_interval_stream "getppid count of $n interval documents read as one" \
		300000 "$(tt_hcount "$TT_TMP/int_all.json" "$GETPPID")" "$(cat "$TT_TMP/int_all.err")"
fi

# (c) damaged input: exit 2, one line naming the file and the JSON path.
head -c 300 "$A" >"$TT_TMP/cut.json"
"$TT" report "$TT_TMP/cut.json" >/dev/null 2>"$TT_TMP/cut.err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$TT_TMP/cut.err")" -eq 1 ] &&
	grep -q "^tracetool report: $TT_TMP/cut.json: \\$: not JSON" "$TT_TMP/cut.err"; then
	pass "report_truncated_exit2 ($(cat "$TT_TMP/cut.err"))"
else
	fail report_truncated_exit2 "exit $rc: $(cat "$TT_TMP/cut.err")"
fi
jq '(.metrics[0].series[0].buckets[0]) = "oops"' "$A" >"$TT_TMP/bad.json"
"$TT" report "$TT_TMP/bad.json" >/dev/null 2>"$TT_TMP/bad.err"
rc=$?
want="tracetool report: $TT_TMP/bad.json: \$.metrics[0].series[0].buckets[0]: expected [upper_bound, count]"
check_eq report_bad_bucket_path "exit status and message" "2 $want" "$rc $(cat "$TT_TMP/bad.err")"
jq '.tracers = ["tcp"] | .hooks = {"tcp": "tracepoint"} |
	.lost_by_tracer = {"tcp": .lost_by_tracer.syscalls} | del(.measurement)' "$B" >"$TT_TMP/tcp.json"
"$TT" report "$A" "$TT_TMP/tcp.json" >/dev/null 2>"$TT_TMP/tcp.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot merge" "$TT_TMP/tcp.err"; then
	pass "report_other_tracers_exit2 ($(cat "$TT_TMP/tcp.err"))"
else
	fail report_other_tracers_exit2 "exit $rc: $(cat "$TT_TMP/tcp.err")"
fi
# a glob that also caught an earlier output: the same file (here through a
# link) would be counted twice
ln -s "$A" "$TT_TMP/again.json"
"$TT" report "$A" "$TT_TMP/again.json" >/dev/null 2>"$TT_TMP/twice.err"
rc=$?
check_eq report_same_file_twice_exit2 "exit status and message" \
	"2 tracetool report: $TT_TMP/again.json: the same file is given twice" \
	"$rc $(cat "$TT_TMP/twice.err")"

# A report with no errors at all reads back as the run printed it: ERRORS 0 on
# each row (it showed "-": the empty family names no labels to join on) and no
# restarts table (the run prints one only when a call was restarted).
timeout -k 5 120 "$TT" syscalls --syscall getppid -f json -o "$TT_TMP/noerr.json" -- "$W" \
	--getppid 77 >/dev/null 2>&1
"$TT" report "$TT_TMP/noerr.json" >"$TT_TMP/noerr.txt" 2>&1
check_eq report_text_empty_errors_zero "getppid COUNT and ERRORS, restarts tables" "77 0 0" \
	"$(awk '$1 == "getppid" && $2 == "x86_64" { printf "%s %s ", $3, $4 }' "$TT_TMP/noerr.txt")$(grep -c restarts "$TT_TMP/noerr.txt")"

# --failed times failed calls only: another quantity than every call's
# latency, so a --failed report does not merge with a default one (it did,
# into one histogram), and its text says so.
F=$TT_TMP/failed.json
timeout -k 5 120 "$TT" syscalls --failed -f json -o "$F" -- "$W" --getppid 10 >/dev/null 2>&1
"$TT" report "$A" "$F" >"$TT_TMP/failed.out" 2>"$TT_TMP/failed.err"
check_eq report_merge_failed_exit2 "exit status, stdout bytes, message" \
	"2 0 tracetool report: cannot merge $F with $A: syscalls --failed differs: true (failed calls only) in $F, false in $A" \
	"$? $(wc -c <"$TT_TMP/failed.out") $(cat "$TT_TMP/failed.err")"
check_eq report_text_failed_line "the text's syscalls line" "syscalls: failed calls only (failed=true)" \
	"$("$TT" report "$F" 2>&1 | grep '^syscalls:')"

# -f folded holds one profile: with two (profile offcpu in one run), name
# one with --profile, else a usage error rather than the first one silently
S=tests/fuzz/seeds/profile_lost_by_tracer.json
jq '.profiles += [.profiles[0] | .name = "offcpu" | .unit = "nanoseconds" |
	.stacks = [{"frames": ["ttoff", "wait"], "value": 42}]]' "$S" >"$TT_TMP/two.json"
"$TT" report -f folded "$TT_TMP/two.json" >"$TT_TMP/two.out" 2>"$TT_TMP/two.err"
rc=$?
check_eq report_folded_two_profiles_exit2 "exit status, stdout bytes, message" \
	"2 0 tracetool report: -f folded writes one profile and the report holds 2 (cpu, offcpu): choose one with --profile NAME" \
	"$rc $(wc -c <"$TT_TMP/two.out") $(cat "$TT_TMP/two.err")"
check_eq report_folded_profile_pick "--profile offcpu" "ttoff;wait 42" \
	"$("$TT" report -f folded --profile offcpu "$TT_TMP/two.json" 2>&1)"
"$TT" report -f folded --profile nope "$TT_TMP/two.json" >/dev/null 2>"$TT_TMP/two.err"
check_eq report_folded_profile_unknown "exit status, message" \
	"2 tracetool report: --profile nope: the report's profiles are: cpu, offcpu" \
	"$? $(cat "$TT_TMP/two.err")"
exit 0
