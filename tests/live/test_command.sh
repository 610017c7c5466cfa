#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The traced command's fate (issue 13): the report says how -- CMD ended
# (JSON command.exit_code or command.signal, a text line), tracetool exits
# with CMD's status (its exit code, or 128 + N for signal N) and keeps 2 for
# its own usage errors, and CMD never outlives tracetool, not even one
# killed by SIGKILL or interrupted.  The launcher is not the command: CMD is
# found along $PATH before the fork, so the report holds CMD's one execve.
. "$(dirname "$0")/lib.sh"

NAMES="command_exit_code command_exit_text command_sigsegv command_sigkill command_success
command_not_found command_not_found_line command_path_one_execve command_path_no_failed_execve
command_path_noexec command_orphan_sigkill command_orphan_sigint"
# shellcheck disable=SC2086
tt_require_base $NAMES

J=$TT_TMP/r.json
"$TT" syscalls -f json -o "$J" -- sh -c 'exit 3' 2>"$TT_TMP/err"; rc=$?
check_eq command_exit_code "exit status, command" '3 ["sh","-c","exit 3"] 3' \
	"$rc $(jq -c .command.argv "$J" 2>/dev/null) $(jq -r '.command.exit_code' "$J" 2>/dev/null)"
line=$("$TT" report "$J" | grep '^command:')
check_eq command_exit_text "text line" "command: sh -c exit 3 (exit code 3)" "$line"

"$TT" syscalls -f json -o "$J" -- sh -c 'kill -SEGV $$' 2>/dev/null; rc=$?
check_eq command_sigsegv "exit status, signal" "139 SIGSEGV null" \
	"$rc $(jq -r '.command.signal' "$J" 2>/dev/null) $(jq -r '.command.exit_code' "$J" 2>/dev/null)"
"$TT" syscalls -f json -o "$J" -- sh -c 'kill -KILL $$' 2>/dev/null; rc=$?
check_eq command_sigkill "exit status, signal" "137 SIGKILL" \
	"$rc $(jq -r '.command.signal' "$J" 2>/dev/null)"
"$TT" syscalls -f json -o "$J" -- true 2>/dev/null; rc=$?
check_eq command_success "exit status, exit_code" "0 0" "$rc $(jq -r '.command.exit_code' "$J" 2>/dev/null)"
"$TT" syscalls -f json -- ./no-such-command >/dev/null 2>&1; rc=$?
check_eq command_not_found "exit status (tracetool's own usage error)" 2 "$rc"
"$TT" syscalls -f json -- tt-no-such-command >"$TT_TMP/out" 2>"$TT_TMP/err"; rc=$?
check_eq command_not_found_line "exit status, stderr lines, stdout bytes" "2 1 0" \
	"$rc $(wc -l <"$TT_TMP/err") $(wc -c <"$TT_TMP/out")"

# `true` in the last of several $PATH entries (one missing, one a file named
# true without exec permission, one empty): CMD's exec is its only execve
TRUE_DIR=/usr/bin	# not `command -v true`: a shell builtin
[ -x "$TRUE_DIR/true" ] || TRUE_DIR=/bin
mkdir -p "$TT_TMP/p1" "$TT_TMP/p2"
: >"$TT_TMP/p2/true"
PATH="$TT_TMP/missing:$TT_TMP/p1:$TT_TMP/p2:$TRUE_DIR" "$TT" syscalls -f json -o "$J" \
	--syscall execve -- true 2>"$TT_TMP/err"; rc=$?
check_eq command_path_one_execve "exit status, execve calls" "0 1" \
	"$rc $(tt_hcount "$J" '{"syscall":"execve"}')"
check_eq command_path_no_failed_execve "failed execve" 0 \
	"$(tt_cvalue "$J" "$TT_ERRS" '{"syscall":"execve"}')"
# only the non-executable candidate: execvp's EACCES, a usage error
PATH="$TT_TMP/p2" "$TT" syscalls -f json -o /dev/null -- true 2>"$TT_TMP/err"; rc=$?
check_eq command_path_noexec "exit status, error" "2 Permission denied" \
	"$rc $(grep -o 'Permission denied' "$TT_TMP/err")"

# orphan_check NAME SIGNAL: tracetool traces a sleeping CMD and receives
# SIGNAL; CMD must be gone within 1 s.
orphan_check() {
	_pf=$TT_TMP/cmd.$1.pid
	tt_bg_sigint "$TT" syscalls -o /dev/null -- sh -c "echo \$\$ >$_pf; exec sleep 30" 2>/dev/null
	_tt=$TT_PID
	_i=0
	while [ ! -s "$_pf" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ -s "$_pf" ] && tt_wait_comm "$(cat "$_pf")" sleep 5
	if [ ! -s "$_pf" ] || [ "$(cat "/proc/$(cat "$_pf")/comm" 2>/dev/null)" != sleep ]; then
		fail "$1" "CMD did not start within 10 s"
		tt_stop "$_tt"
		return
	fi
	_cmd=$(cat "$_pf")
	kill "-$2" "$_tt"
	_n=0
	while tt_alive "$_cmd" && [ $_n -lt 20 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	if tt_alive "$_cmd"; then
		fail "$1" "CMD (pid $_cmd) still running 1 s after tracetool got SIG$2"
		kill -KILL "$_cmd" 2>/dev/null
	else
		pass "$1 (CMD gone $((_n * 50)) ms after SIG$2 to tracetool)"
	fi
	tt_wait_exit "$_tt" 5 || tt_stop "$_tt"
}
orphan_check command_orphan_sigkill KILL
orphan_check command_orphan_sigint INT
