#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live test of profile's memory over a run with interval reports (-i): a
# workload that makes new stacks without end (prof_names: a new comm every
# ~1 ms, 60 calls deep) must not make tracetool's anonymous memory grow
# with every stack ever seen.  Until the fix, the session kept all of them
# twice (its cumulative report and the previous snapshot): some 20 MB more
# over this run; now only an interval's.  The lowest RssAnon over a second
# (reports come and go within it) early in the run and at its end.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

NAMES=$WL/prof_names
CHECKS="profile_interval_memory_flat"

tt_require_base $CHECKS
if [ ! -x "$NAMES" ]; then
	fail profile_interval_memory_flat "workload $NAMES is missing: run make all"
	exit 0
fi

# anon_min PID N: the lowest RssAnon (kB) of PID over N readings 0.1 s apart
anon_min() {
	_m=""
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		[ -n "$_a" ] && { [ -z "$_m" ] || [ "$_a" -lt "$_m" ]; } && _m=$_a
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "${_m:-0}"
}

tt_bg timeout -k 5 60 "$TT" profile -i 0.5 -F 499 --call-graph fp -f json \
	-o "$TT_TMP/out.json" -- "$NAMES" 60 12 >/dev/null 2>"$TT_TMP/err"
pid=$TT_PID
sleep 2
ttpid=$(pgrep -P "$pid" | head -n 1)	# tracetool, under timeout
early=$(anon_min "${ttpid:-0}" 10)	# 2 to 3 s
sleep 7
late=$(anon_min "${ttpid:-0}" 10)	# 10 to 11 s, the workload still running
wait "$pid"
rc=$?
stacks=$(jq -s '[.[].profiles[0].stacks[].frames[0]] | unique | length' "$TT_TMP/out.json" 2>/dev/null)
if [ "$rc" -ne 0 ] || [ -z "$stacks" ] || [ "$early" -eq 0 ] || [ "$late" -eq 0 ]; then
	fail profile_interval_memory_flat "exit $rc, ${stacks:-no} comms, RssAnon '$early' -> '$late' kB: $(head -c 300 "$TT_TMP/err")"
elif [ "$stacks" -lt 2000 ]; then
	skip profile_interval_memory_flat "only $stacks distinct comms sampled (the host too busy?)"
else
	check_range profile_interval_memory_flat \
		"RssAnon growth in kB from 2 s to 10 s, $stacks new comms sampled" \
		-100000 6000 $((late - early))
fi
