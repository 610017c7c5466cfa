#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -- CMD never outlives tracetool, nor do its descendants: a child left
# running when the run ends at -d, one that ignores SIGINT when tracetool
# is interrupted, a double-forked one, and the leftovers of record's runs
# are all gone when tracetool exits (before, CMD's own process died through
# PR_SET_PDEATHSIG and its children were handed to init and kept running).
#
# Environment: TT=build/tracetool (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

NAMES="descendants_end_at_duration descendants_end_at_sigint descendants_double_fork
descendants_end_after_record"
# shellcheck disable=SC2086
tt_require_base $NAMES

# left MARK: how many processes run `sleep MARK` (a duration no other test uses)
left() { pgrep -f "^sleep $1\$" | wc -l; }
# settle MARK: give SIGKILLed processes a moment (bounded) to disappear
settle() {
	_n=0
	while [ "$(left "$1")" -gt 0 ] && [ $_n -lt 40 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
}

"$TT" syscalls -d 1 -o /dev/null -- sh -c 'sleep 2347; true' 2>"$TT_TMP/d1.err"
rc=$?
settle 2347
check_eq descendants_end_at_duration "exit status, 'sleep 2347' left running" "0 0" "$rc $(left 2347)"
pkill -KILL -f '^sleep 2347$' 2>/dev/null || :

tt_bg_sigint "$TT" syscalls -o /dev/null -- sh -c 'trap "" INT TERM HUP; sleep 2348; true' 2>/dev/null
tt=$TT_PID
n=0
while [ "$(left 2348)" -eq 0 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
started=$(left 2348)
kill -INT $tt
tt_wait_exit $tt 20 || tt_stop $tt
settle 2348
check_eq descendants_end_at_sigint "'sleep 2348' started, then left running after SIGINT" "1 0" \
	"$started $(left 2348)"
pkill -KILL -f '^sleep 2348$' 2>/dev/null || :

# a daemon-style double fork: the grandchild's parent exits at once
"$TT" syscalls -d 1 -o /dev/null -- sh -c '(setsid sleep 2349 &); sleep 2' 2>/dev/null
settle 2349
check_eq descendants_double_fork "'setsid sleep 2349' left running" 0 "$(left 2349)"
pkill -KILL -f '^sleep 2349$' 2>/dev/null || :

"$TT" record syscalls --runs 3 -o "$TT_TMP/rec.json" -- sh -c 'sleep 2346 & true' 2>"$TT_TMP/rec.err"
rc=$?
settle 2346
check_eq descendants_end_after_record "exit status, 'sleep 2346' of the 3 runs left running" "0 0" \
	"$rc $(left 2346)"
pkill -KILL -f '^sleep 2346$' 2>/dev/null || :
