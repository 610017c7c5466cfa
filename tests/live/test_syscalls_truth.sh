#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of what `tracetool syscalls` claims about the calls it saw:
# --by process is one series per process named by its main thread, --by
# thread one per thread; ERRORS <= COUNT on every row of a final report; the
# kernel's restart codes are named in their own family, never errors; an
# ia32 task's calls are named from the i386 table under abi="i386", and
# --syscall NAME selects the name in every ABI.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

TH=$WL/sys_threads
W=$WL/syscall_workload
EI=$WL/sys_eintr
IA=$WL/sys_ia32
ABI_CHECKS="syscalls_abi_i386_getpid syscalls_abi_i386_getppid_int80 syscalls_abi_no_x86_64_names
syscalls_abi_i386_unknown_nr syscalls_abi_i386_unknown_nr_errors syscalls_abi_filter_i386
syscalls_abi_filter_x86_64 syscalls_abi_filter_only"
CHECKS="$ABI_CHECKS syscalls_max_series_warning syscalls_by_process_one_row syscalls_by_process_main_comm syscalls_by_thread_rows
syscalls_errors_le_count syscalls_restart_intr_named syscalls_restart_intr_no_error
syscalls_restart_restart_named syscalls_restart_restart_no_error"

# shellcheck disable=SC2086
tt_require_base $CHECKS
for b in "$TH" "$W" "$EI"; do
	if [ ! -x "$b" ]; then
		fail_all "workload $b is missing: run make all" $CHECKS
		exit 0
	fi
done

GETPPID='{"syscall":"getppid"}'

# A process whose main thread is ttMain$$ and whose 4 threads t0..t3 make
# 250 getppid each.
test_by_process() {
	local o="$TT_TMP/proc.json" e="$TT_TMP/proc.err" why rows
	tt_run "$o" "$e" --by process --syscall getppid -- "$TH" "ttM$$" 4 250
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_by_process_one_row syscalls_by_process_main_comm
		return
	fi
	rows=$(tt_series "$o" "$TT_LAT" "$GETPPID" | jq -c 'map([.labels.comm, .count])')
	check_eq syscalls_by_process_one_row "getppid rows (comm, count)" "[[\"ttM$$\",1000]]" "$rows"
	check_eq syscalls_by_process_main_comm "getppid count of comm=ttM$$" 1000 \
		"$(tt_hcount "$o" "{\"syscall\":\"getppid\",\"comm\":\"ttM$$\"}")"
}

test_by_thread() {
	local o="$TT_TMP/thr.json" e="$TT_TMP/thr.err" why rows
	tt_run "$o" "$e" --by thread --syscall getppid -- "$TH" "ttM$$" 4 250
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail syscalls_by_thread_rows "$why"
		return
	fi
	rows=$(tt_series "$o" "$TT_LAT" "$GETPPID" |
		jq -c 'map([.labels.comm, .count]) | sort')
	check_eq syscalls_by_thread_rows "getppid rows (comm, count)" \
		'[["t0",250],["t1",250],["t2",250],["t3",250]]' "$rows"
}

# Every row: the errors counted for a series never exceed its calls.
test_errors_le_count() {
	local o="$TT_TMP/errs.json" e="$TT_TMP/errs.err" why bad
	# --max-cells 16384: 1536 error counters for the processes, fewer than the 60 x 34
	# they need, while their latency cells fit: errors overflow on their own
	tt_run "$o" "$e" --by process --max-cells 16384 -- sh -c \
		'i=0; while [ $i -lt 60 ]; do "$0" --fail-close 3 --fail-many; i=$((i+1)); done' "$W"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail syscalls_errors_le_count "$why"
		return
	fi
	bad=$(jq -c --arg l "$TT_LAT" --arg e "$TT_ERRS" '
		([.metrics[] | select(.name == $l) | .series[] |
		  {key: (.labels | [.syscall, .abi, .comm, .pid] | tostring), value: .count}] | from_entries) as $n |
		[.metrics[] | select(.name == $e) | .series[] |
		 {k: (.labels | [.syscall, .abi, .comm, .pid] | tostring), v: .value}] |
		group_by(.k) | map({k: .[0].k, errors: (map(.v) | add)}) |
		map(select(.errors > ($n[.k] // 0)))' "$o")
	check_eq syscalls_errors_le_count "rows with ERRORS > COUNT" "[]" "$bad"
}

# A read interrupted by a signal (handler without and with SA_RESTART): the
# kernel ends the attempt with ERESTARTSYS (512), reported by name in the
# restarts family, and no errno label is a restart code.
test_restart() {
	local m=$1 o="$TT_TMP/r$1.json" e="$TT_TMP/r$1.err" why
	tt_run "$o" "$e" --syscall read -- "$EI" "$m"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" "syscalls_restart_${m}_named" "syscalls_restart_${m}_no_error"
		return
	fi
	check_eq "syscalls_restart_${m}_named" "restarts{read, ERESTARTSYS}" 1 \
		"$(tt_cvalue "$o" tracetool_syscall_restarts_total '{"syscall":"read","code":"ERESTARTSYS"}')"
	check_eq "syscalls_restart_${m}_no_error" "read error series" 0 \
		"$(tt_nseries "$o" "$TT_ERRS" '{"syscall":"read"}')"
}

# An ia32 process (build/workloads/sys_ia32, -m32): 1000 getpid through the
# vDSO's sysenter and 1000 getppid through int 0x80 (i386 numbers 20 and 64,
# x86_64's writev and semget), and 5 calls of number 1000, which i386 lacks.
test_abi() {
	local o="$TT_TMP/abi.json" e="$TT_TMP/abi.err" why
	if [ ! -x "$IA" ]; then
		skip_all "no $IA: the compiler has no -m32 libc (gcc-multilib)" $ABI_CHECKS
		return
	fi
	tt_run "$o" "$e" --by comm -- "$IA" 1000
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_abi_i386_getpid syscalls_abi_i386_getppid_int80 \
			syscalls_abi_no_x86_64_names syscalls_abi_i386_unknown_nr \
			syscalls_abi_i386_unknown_nr_errors
	else
		check_eq syscalls_abi_i386_getpid "getpid{abi=i386}" 1000 \
			"$(tt_hcount "$o" '{"syscall":"getpid","abi":"i386","comm":"sys_ia32"}')"
		check_eq syscalls_abi_i386_getppid_int80 "getppid{abi=i386}" 1000 \
			"$(tt_hcount "$o" '{"syscall":"getppid","abi":"i386","comm":"sys_ia32"}')"
		check_eq syscalls_abi_no_x86_64_names "writev+semget calls of sys_ia32" 0 \
			"$(($(tt_hcount "$o" '{"syscall":"writev","comm":"sys_ia32"}') +
			    $(tt_hcount "$o" '{"syscall":"semget","comm":"sys_ia32"}')))"
		check_eq syscalls_abi_i386_unknown_nr "syscall_1000{abi=i386}" 5 \
			"$(tt_hcount "$o" '{"syscall":"syscall_1000","abi":"i386"}')"
		check_eq syscalls_abi_i386_unknown_nr_errors "errors{syscall_1000, ENOSYS}" 5 \
			"$(tt_cvalue "$o" "$TT_ERRS" '{"syscall":"syscall_1000","abi":"i386","errno":"ENOSYS"}')"
	fi
	# --syscall getppid: the i386 (64) and x86_64 (110) calls of that name, nothing else
	o="$TT_TMP/abif.json"
	e="$TT_TMP/abif.err"
	tt_run "$o" "$e" --by comm --syscall getppid -- sh -c '"$0" 1000 && "$1" --comm ttAbi --getppid 700' \
		"$IA" "$W"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" syscalls_abi_filter_i386 syscalls_abi_filter_x86_64 syscalls_abi_filter_only
		return
	fi
	check_eq syscalls_abi_filter_i386 "getppid{abi=i386}" 1000 \
		"$(tt_hcount "$o" '{"syscall":"getppid","abi":"i386","comm":"sys_ia32"}')"
	check_eq syscalls_abi_filter_x86_64 "getppid{abi=x86_64}" 700 \
		"$(tt_hcount "$o" '{"syscall":"getppid","abi":"x86_64","comm":"ttAbi"}')"
	check_eq syscalls_abi_filter_only "syscalls seen" getppid "$(tt_syscalls_seen "$o")"
}

# --max-series 1 with two processes: the second's calls go to _other, and
# the text report says so on a WARNING line, as it does for losses.
test_max_series_warning() {
	local o="$TT_TMP/ms.txt" e="$TT_TMP/ms.err"
	timeout -k 5 120 "$TT" syscalls --by process --max-series 1 --syscall getppid -- \
		sh -c '"$0" --getppid 10 && "$0" --getppid 10' "$W" >"$o" 2>"$e"
	check_eq syscalls_max_series_warning "exit status, WARNING lines naming the family" "0 1" \
		"$? $(grep -c '^WARNING: series limit reached.* tracetool_syscall_duration_seconds' "$o")"
}

test_abi
test_max_series_warning
test_by_process
test_by_thread
test_errors_le_count
test_restart intr
test_restart restart
