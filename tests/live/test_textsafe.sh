#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of terminal-safe text: a process that names itself (prctl
# PR_SET_NAME) with a newline and an OSC title sequence, traced by
# `syscalls --by comm` in text: no ESC or BEL byte reaches the output, and
# its calls are one row with the comm escaped and the exact count.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/syscall_workload
CHECKS="textsafe_no_control_bytes textsafe_one_row"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$W" ]; then
	fail_all "workload $W is missing: run make all" $CHECKS
	exit 0
fi

o="$TT_TMP/evil.txt"
e="$TT_TMP/evil.err"
evil=$(printf 'a\nb\033]0;pwn\007')
timeout -k 5 120 "$TT" syscalls --by comm -- "$W" --comm "$evil" --getppid 321 >"$o" 2>"$e"
rc=$?
if [ "$rc" != 0 ]; then
	fail_all "tracetool exited $rc: $(head -c 300 "$e" | tr '\n' ' ')" $CHECKS
	exit 0
fi
# bytes 0x00-0x1f except newline, and DEL, on stdout and stderr
bad=$(cat "$o" "$e" | tr -d '\n' | tr -cd '\000-\037\177' | wc -c)
check_eq textsafe_no_control_bytes "control bytes in the text output" 0 "$bad"
rows=$(grep -c '^  getppid  *x86_64  *a\\nb\\x1b\]0;pwn\\x07  *321 ' "$o")
check_eq textsafe_one_row "getppid rows of the escaped comm with count 321" 1 "$rows"
