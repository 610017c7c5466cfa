#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of profile's user stacks without frame pointers and of deep
# stacks (--call-graph, --stack-size).  Debian's python3 and gzip are built
# without frame pointers: with the default (auto) their stacks must be
# complete, from the program's first frame (_start, then
# __libc_start_main) to the sampled one, in at least 95 % of the samples.
# prof_deep recurses 300 levels, past the kernel's 127-frame walk: each
# stack is either complete (all 300 levels) or starts with [truncated].
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

DEEP=$WL/prof_deep
PY=/usr/bin/python3
GZ=/usr/bin/gzip

CHECKS="profile_unwind_python_complete profile_unwind_gzip_complete
profile_deep_default_marked profile_deep_copy_complete profile_deep_fp_marked
profile_usage_call_graph"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$DEEP" ]; then
	for n in $CHECKS; do
		fail "$n" "workload $DEEP is missing: run make all"
	done
	exit 0
fi

# unw_run OUT ERR ARGS...: tracetool profile ARGS (bounded) with its report in
# OUT (the workload's output is discarded), exit status in TT_RC.
unw_run() {
	_out=$1
	_err=$2
	shift 2
	timeout -k 5 120 "$TT" profile -f json -o "$_out" "$@" >/dev/null 2>"$_err"
	TT_RC=$?
}

# complete_share FILE COMM JQ-CONDITION: share (3 decimals) of COMM's samples whose
# frames (an array: [comm, outermost, ..., innermost]) satisfy the condition.
complete_share() {
	jq --arg c "$2" "[.profiles[0].stacks[] | select(.frames[0] == \$c)] as \$s |
		([\$s[] | select(.frames | $3) | .value] | add // 0) as \$ok |
		([\$s[].value] | add // 0) as \$all |
		if \$all < 50 then \"only \\(\$all) samples\" else (\$ok / \$all * 1000 | round / 1000) end" \
		"$1" 2>/dev/null
}

# frames_of FILE: the heaviest stacks, for failure messages.
frames_of() {
	jq -c '[.profiles[]?.stacks[:3][]? | "\(.value) \(.frames | join(";"))"]' "$1" 2>/dev/null |
		head -c 600
}

# A stack from the program's first frame: _start (named, or unnamed in a
# stripped executable) called __libc_start_main, and no [truncated] marker.
FROM_START='(.[1] == "_start" or .[1] == "[unknown]") and
	(.[2] | startswith("__libc_start_main")) and (index("[truncated]") == null)'

test_python() {
	local o="$TT_TMP/py.json" e="$TT_TMP/py.err" why
	if [ ! -x "$PY" ] || ! "$PY" -c 'pass' 2>/dev/null; then
		skip profile_unwind_python_complete "no $PY (Debian's python3 package)"
		return
	fi
	unw_run "$o" "$e" -F 199 -- "$PY" -c '
import time
end = time.monotonic() + 2
x = 0
while time.monotonic() < end:
    for i in range(10000):
        x += i * i
'
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_unwind_python_complete "$why"
		return
	fi
	check_range profile_unwind_python_complete \
		"share of python3's samples from _start through Py_BytesMain" 0.95 1 \
		"$(complete_share "$o" python3 "$FROM_START and (join(\";\") | contains(\";Py_BytesMain;\"))")"
}

test_gzip() {
	local o="$TT_TMP/gz.json" e="$TT_TMP/gz.err" in="$TT_TMP/gz.in" why
	if [ ! -x "$GZ" ]; then
		skip profile_unwind_gzip_complete "no $GZ"
		return
	fi
	# 48 MB of text deflate has to work on (random bytes, base64): about 2 s of CPU
	head -c 36000000 /dev/urandom | base64 >"$in"
	unw_run "$o" "$e" -F 199 -- "$GZ" -c -f "$in"
	rm -f "$in"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_unwind_gzip_complete "$why"
		return
	fi
	check_range profile_unwind_gzip_complete "share of gzip's samples from _start" 0.95 1 \
		"$(complete_share "$o" gzip "$FROM_START")"
}

# deep_counts FILE COND: "N M": prof_deep's samples in its spin, and those whose
# frames do not satisfy COND.
deep_counts() {
	jq -r "[.profiles[0].stacks[] | select(.frames[0] == \"prof_deep\" and
		(.frames | index(\"prof_deep_spin\") != null))] |
		\"\\([.[].value] | add // 0) \\([.[] | select(.frames | ($2) | not) | .value] | add // 0)\"" \
		"$1" 2>/dev/null
}

LEVELS='[.[] | select(. == "prof_deep_recurse")] | length'

# deep_check NAME WHAT COND MAX_BAD ARGS...: profile ARGS of prof_deep 300 1; NAME
# passes when at least 100 samples are in the spin and at most MAX_BAD of them
# (0, or "5%") have frames not satisfying COND (WHAT says which).
deep_check() {
	local name=$1 what=$2 cond=$3 bad=$4 o="$TT_TMP/deep.json" e="$TT_TMP/deep.err" why n max
	shift 4
	unw_run "$o" "$e" -F 199 "$@" -- "$DEEP" 300 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail "$name" "$why"
		return
	fi
	n=$(deep_counts "$o" "$cond")
	max=$bad
	[ "$bad" = 5% ] && max=$((${n%% *} / 20))
	if [ "${n%% *}" -ge 100 ] && [ "${n#* }" -le "$max" ]; then
		pass "$name (samples in the spin, and those $what: $n)"
	else
		fail "$name" "samples in the spin, and those $what: $n; $(frames_of "$o")"
	fi
}

test_deep() {
	# default: an 8 KB copy holds about 250 of the 300 levels
	deep_check profile_deep_default_marked "neither complete nor marked [truncated]" \
		".[1] == \"[truncated]\" or (.[1] == \"_start\" and ($LEVELS) == 300)" 0
	# a copy large enough: every level, from _start
	deep_check profile_deep_copy_complete "without all 300 levels from _start" \
		".[1] == \"_start\" and ($LEVELS) == 300" 5% --stack-size 16384
	# the kernel's frame-pointer walk stops at 127 frames: every stack marked
	deep_check profile_deep_fp_marked "not marked [truncated]" '.[1] == "[truncated]"' 0 \
		--call-graph fp
}

test_usage() {
	local a b c
	"$TT" profile --call-graph lbr -d 1 >/dev/null 2>&1
	a=$?
	"$TT" profile --stack-size 100 -d 1 >/dev/null 2>&1
	b=$?
	"$TT" profile --stack-size 65536 -d 1 >/dev/null 2>&1
	c=$?
	check_eq profile_usage_call_graph \
		"exit status of --call-graph lbr, --stack-size 100, --stack-size 65536" "2 2 2" "$a $b $c"
}

test_python
test_gzip
test_deep
test_usage
