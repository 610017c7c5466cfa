#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool profile` and of symbolization (root, real
# kernel).  Each check asserts on the JSON report (jq): CPU shares of a
# workload with a known 70/30 split, its stacks, kernel frames of a
# syscall-heavy workload, and symbols of a PIE with a shared library, of a
# stripped binary with a .gnu_debuglink file (both deleted before the
# report), of a binary in a chroot (through /proc/PID/root), and of a
# process that exits long before the report.  Every run is limited to the
# test's own processes (-- CMD or -c with a unique comm), so other tracers,
# builds and benchmarks on the host do not matter.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

CPU=$WL/prof_cpu
SYS=$WL/prof_sys

CHECKS="profile_share_hot profile_stack_main_hot profile_stack_main_cold profile_comm_first
profile_hook_perf_event profile_kernel_frames profile_kernel_innermost profile_kernel_hidden_said profile_kernel_hidden_marked
profile_sym_pie profile_sym_shared_lib profile_sym_debuglink profile_sym_debuglink_stripped
profile_sym_chroot profile_sym_mount_ns profile_exited_process profile_sym_exec_first
profile_sym_exec_second profile_sym_dlopen_before profile_sym_dlopen_lib profile_sym_jit_perf_map
profile_sym_vdso profile_task_clock_shared_first profile_task_clock_shared_second
profile_pid_threads profile_pid_fd_fallback profile_pid_fd_per_thread profile_pid_busy_start
profile_interval_sum profile_folded
profile_folded_flamegraph profile_offcpu_folded_flamegraph
profile_stack_map_full_counted profile_stack_map_full_kept
profile_usage_bad_freq profile_usage_only_both profile_text_report profile_text_frequency
profile_report_merge_frequency_exit2"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$CPU" ] || [ ! -x "$SYS" ]; then
	for n in $CHECKS; do
		fail "$n" "workloads $CPU / $SYS are missing: run make all"
	done
	exit 0
fi

# prof_run OUT ERR ARGS...: tracetool ARGS (bounded), exit status in TT_RC.
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

# has FILE SUBSTRING: 1 if a stack's ;-joined frames contain SUBSTRING, else 0.
has() {
	jq --arg s "$2" '[.profiles[]?.stacks[]? | select(.frames | join(";") | contains($s))] |
		if length > 0 then 1 else 0 end' "$1" 2>/dev/null
}

# frames_of FILE: the heaviest stacks, for failure messages.
frames_of() {
	jq -c '[.profiles[]?.stacks[:4][]? | "\(.value) \(.frames | join(";"))"]' "$1" 2>/dev/null |
		head -c 600
}

# (a) 70/30 CPU split between prof_hot and prof_cold, stacks main;fn.
test_shares() {
	local o="$TT_TMP/cpu.json" e="$TT_TMP/cpu.err" why hot cold
	prof_run "$o" "$e" profile -F 499 -f json -- "$CPU" 3
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_share_hot profile_stack_main_hot profile_stack_main_cold \
			profile_comm_first profile_hook_perf_event
		return
	fi
	hot=$(value "$o" ";prof_hot")
	cold=$(value "$o" ";prof_cold")
	if [ "$((hot + cold))" -lt 200 ]; then
		fail profile_share_hot "only $hot + $cold samples in prof_hot/prof_cold: $(frames_of "$o")"
	else
		# The split is 70/30 by construction; what a run sees is a binomial
		# sample of it: on a loaded host fewer samples land (seen: 63 to 84 %
		# with a few hundred), so the window is 4 standard deviations of the
		# share for this many samples, and never under 5 points.
		tol=$(awk -v n="$((hot + cold))" 'BEGIN { t = 400 * sqrt(0.21 / n); printf "%.1f", t < 5 ? 5 : t }')
		check_range profile_share_hot "prof_hot share (%) of $((hot + cold)) samples, 70 +- $tol" \
			"$(awk -v t="$tol" 'BEGIN { print 70 - t }')" "$(awk -v t="$tol" 'BEGIN { print 70 + t }')" \
			"$(awk -v h="$hot" -v c="$cold" 'BEGIN { printf "%.1f", 100 * h / (h + c) }')"
	fi
	check_eq profile_stack_main_hot "a stack with main;prof_hot" 1 "$(has "$o" "main;prof_hot")" \
		"$(frames_of "$o")"
	check_eq profile_stack_main_cold "a stack with main;prof_cold" 1 \
		"$(has "$o" "main;prof_cold")" "$(frames_of "$o")"
	# the launched child is still called tracetool until its execve completes
	check_eq profile_comm_first "stacks whose frames[0] is not the comm prof_cpu (or tracetool)" 0 \
		"$(jq '[.profiles[0].stacks[] | select(.frames[0] != "prof_cpu" and
			.frames[0] != "tracetool")] | length' "$o")" "$(frames_of "$o")"
	check_eq profile_hook_perf_event "JSON .hooks.profile, profile name and unit" \
		"perf_event cpu samples" \
		"$(jq -r '"\(.hooks.profile) \(.profiles[0].name) \(.profiles[0].unit)"' "$o")"
}

# (b) A syscall-heavy workload shows kernel frames, marked _[k], innermost.
test_kernel() {
	local o="$TT_TMP/sys.json" e="$TT_TMP/sys.err" why
	prof_run "$o" "$e" profile -F 199 -f json -- "$SYS" 2
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_kernel_frames profile_kernel_innermost
		return
	fi
	check_eq profile_kernel_frames "a stack through vfs_read_[k] below main" 1 \
		"$(jq '[.profiles[0].stacks[] | select((.frames | index("main")) and
			(.frames | index("vfs_read_[k]")))] | if length > 0 then 1 else 0 end' "$o")" \
		"$(frames_of "$o")"
	# kernel frames come after every user frame: no plain frame after a _[k] one
	check_eq profile_kernel_innermost "stacks with a user frame inside a kernel frame" 0 \
		"$(jq '[.profiles[0].stacks[] | .frames[1:] | . as $f |
			[range(1; length) | select(($f[. - 1] | endswith("_[k]")) and
				($f[.] | endswith("_[k]") | not))] | select(length > 0)] | length' "$o")"
}

# (b2) Without CAP_SYSLOG while kernel.kptr_restrict is 1, /proc/kallsyms
# shows no addresses: tracetool says so once, and marks kernel frames
# [kernel symbols hidden]_[k] instead of [unknown]_[k].  The sysctl is set
# to 1 for this run only when it is 0 (restored at exit; tests run under
# the live lock), and tracetool runs as root without CAP_SYSLOG.
test_kernel_hidden() {
	local o="$TT_TMP/kh.json" e="$TT_TMP/kh.err" why old
	if ! command -v setpriv >/dev/null 2>&1; then
		skip_all "no setpriv (util-linux) to drop CAP_SYSLOG" profile_kernel_hidden_said \
			profile_kernel_hidden_marked
		return
	fi
	old=$(cat /proc/sys/kernel/kptr_restrict 2>/dev/null)
	if [ "$old" = 0 ]; then
		tt_on_exit "echo 0 > /proc/sys/kernel/kptr_restrict"
		echo 1 >/proc/sys/kernel/kptr_restrict
	fi
	timeout -k 5 60 setpriv --inh-caps=-syslog --bounding-set=-syslog -- \
		"$TT" profile -F 199 -f json -- "$SYS" 1 >"$o" 2>"$e"
	TT_RC=$?
	[ "$old" = 0 ] && echo 0 >/proc/sys/kernel/kptr_restrict
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_kernel_hidden_said profile_kernel_hidden_marked
		return
	fi
	check_eq profile_kernel_hidden_said "lines saying kernel frames are hidden, naming kptr_restrict" \
		1 "$(grep -c 'kernel frames show as .kernel symbols hidden._.k.: .*kptr_restrict=' "$e")"
	check_eq profile_kernel_hidden_marked \
		"a stack prof_sys_read;read;[kernel symbols hidden]_[k], and [unknown]_[k] frames" "1 0" \
		"$(has "$o" "prof_sys_read;read;[kernel symbols hidden]_[k]") $(has "$o" "[unknown]_[k]")" \
		"$(frames_of "$o")"
}

# Sources of the symbolization workloads: a non-leaf spinning function (gcc
# sets up no frame in a leaf that needs no stack, hiding its caller).
write_spin_src() {	# write_spin_src FILE FUNC STORAGE
	cat >"$1" <<EOF_SRC
volatile unsigned long prof_sink_$2;
static __attribute__((noinline)) void store_$2(unsigned long x) { prof_sink_$2 = x; }
$3 __attribute__((noinline)) void $2(void)
{
	unsigned long i, x = prof_sink_$2;
	for (i = 0; i < 2000000UL; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store_$2(x);
}
EOF_SRC
}

write_main_src() {	# write_main_src FILE DECLS CALLS
	cat >"$1" <<EOF_SRC
#include <stdlib.h>
#include <time.h>
$2
int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		$3
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	return 0;
}
EOF_SRC
}

CFL="-O1 -g -fno-omit-frame-pointer"

# (c) A PIE executable and a shared library, built here.
test_pie() {
	local d="$TT_TMP/pie" o="$TT_TMP/pie.json" e="$TT_TMP/pie.err" why
	mkdir -p "$d"
	write_spin_src "$d/lib.c" prof_lib_spin ""
	write_spin_src "$d/exe.c" prof_pie_spin ""
	write_main_src "$d/main.c" "void prof_lib_spin(void); void prof_pie_spin(void);" \
		"prof_pie_spin(); prof_lib_spin();"
	# shellcheck disable=SC2086
	if ! cc $CFL -fPIC -shared -o "$d/libprofspin.so" "$d/lib.c" 2>"$d/cc.err" ||
		! cc $CFL -fPIE -pie -o "$d/prof_pie" "$d/main.c" "$d/exe.c" -L"$d" -lprofspin \
			-Wl,-rpath,"$d" 2>>"$d/cc.err"; then
		fail_all "cannot build the PIE workload: $(head -c 300 "$d/cc.err")" profile_sym_pie \
			profile_sym_shared_lib
		return
	fi
	if ! readelf -h "$d/prof_pie" 2>/dev/null | grep -q 'DYN'; then
		fail_all "prof_pie is not a PIE (readelf -h)" profile_sym_pie profile_sym_shared_lib
		return
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- "$d/prof_pie" 2
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_sym_pie profile_sym_shared_lib
		return
	fi
	check_eq profile_sym_pie "a stack main;prof_pie_spin (PIE)" 1 \
		"$(has "$o" "main;prof_pie_spin")" "$(frames_of "$o")"
	check_eq profile_sym_shared_lib "a stack main;prof_lib_spin (shared library)" 1 \
		"$(has "$o" "main;prof_lib_spin")" "$(frames_of "$o")"
}

# (d) A stripped binary whose symbols are only in a .gnu_debuglink file;
# binary and debug file are deleted as soon as it exits, before the report.
test_debuglink() {
	local d="$TT_TMP/dbg" o="$TT_TMP/dbg.json" e="$TT_TMP/dbg.err" why
	mkdir -p "$d"
	write_spin_src "$d/spin.c" prof_dbg_spin static
	write_main_src "$d/main.c" "" "prof_dbg_spin();"
	cat "$d/spin.c" >>"$d/main.c"
	sed -i 's/^\(int main\)/static void prof_dbg_spin(void);\n\1/' "$d/main.c"
	# shellcheck disable=SC2086
	if ! cc $CFL -o "$d/prof_dbg" "$d/main.c" 2>"$d/cc.err" ||
		! (cd "$d" && objcopy --only-keep-debug prof_dbg prof_dbg.debug &&
			strip --strip-all prof_dbg &&
			objcopy --add-gnu-debuglink=prof_dbg.debug prof_dbg) 2>>"$d/cc.err"; then
		fail_all "cannot build the stripped workload: $(head -c 300 "$d/cc.err")" \
			profile_sym_debuglink profile_sym_debuglink_stripped
		return
	fi
	if nm "$d/prof_dbg" 2>/dev/null | grep -q prof_dbg_spin ||
		nm -D "$d/prof_dbg" 2>/dev/null | grep -q prof_dbg_spin; then
		fail profile_sym_debuglink_stripped "prof_dbg still has prof_dbg_spin in a symbol table"
	else
		pass profile_sym_debuglink_stripped
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- sh -c \
		"'$d/prof_dbg' 2; rm -f '$d/prof_dbg' '$d/prof_dbg.debug'"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_sym_debuglink "$why"
		return
	fi
	if [ -e "$d/prof_dbg" ]; then
		fail profile_sym_debuglink "the workload binary was not deleted before the report"
		return
	fi
	check_eq profile_sym_debuglink "a stack main;prof_dbg_spin (symbol from the debuglink file)" \
		1 "$(has "$o" "main;prof_dbg_spin")" "$(frames_of "$o")"
}

# (e) A stripped static binary in a chroot: its maps name /prof_chroot, and
# its debuglink file /prof_chroot.debug exists only under /proc/PID/root.
test_chroot() {
	local d="$TT_TMP/root" o="$TT_TMP/chroot.json" e="$TT_TMP/chroot.err" why
	mkdir -p "$d"
	write_spin_src "$TT_TMP/cr_spin.c" prof_chroot_spin ""
	write_main_src "$TT_TMP/cr_main.c" "void prof_chroot_spin(void);" "prof_chroot_spin();"
	# shellcheck disable=SC2086
	if ! cc $CFL -static -o "$d/prof_chroot" "$TT_TMP/cr_main.c" "$TT_TMP/cr_spin.c" \
		2>"$TT_TMP/cr.err"; then
		skip profile_sym_chroot "cannot link a static binary: $(head -c 200 "$TT_TMP/cr.err")"
		return
	fi
	# stripped, its symbols in /prof_chroot.debug inside the chroot: found only
	# through /proc/PID/root
	if ! (cd "$d" && objcopy --only-keep-debug prof_chroot prof_chroot.debug &&
		strip --strip-all prof_chroot &&
		objcopy --add-gnu-debuglink=prof_chroot.debug prof_chroot) 2>"$TT_TMP/cr.err"; then
		fail profile_sym_chroot "cannot strip the chroot binary: $(head -c 200 "$TT_TMP/cr.err")"
		return
	fi
	if [ -e /prof_chroot ] || [ -e /prof_chroot.debug ]; then
		skip profile_sym_chroot "/prof_chroot exists on the host: the check would prove nothing"
		return
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- chroot "$d" /prof_chroot 2
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_sym_chroot "$why"
		return
	fi
	check_eq profile_sym_chroot "a stack main;prof_chroot_spin (debuglink file in a chroot)" 1 \
		"$(has "$o" "main;prof_chroot_spin")" "$(frames_of "$o")"
}

# (e2) A container-like mount namespace: the stripped binary and its
# debuglink file sit on a tmpfs mounted only inside the namespace, so the
# path /proc/PID/maps shows is valid only under /proc/PID/root.
test_mount_ns() {
	local d="$TT_TMP/ns" m="$TT_TMP/ns/mnt" o="$TT_TMP/ns.json" e="$TT_TMP/ns.err" why
	mkdir -p "$m"
	write_spin_src "$d/spin.c" prof_ns_spin ""
	write_main_src "$d/main.c" "void prof_ns_spin(void);" "prof_ns_spin();"
	# shellcheck disable=SC2086
	if ! cc $CFL -o "$d/prof_ns" "$d/main.c" "$d/spin.c" 2>"$d/cc.err" ||
		! (cd "$d" && objcopy --only-keep-debug prof_ns prof_ns.debug && strip --strip-all prof_ns &&
			objcopy --add-gnu-debuglink=prof_ns.debug prof_ns) 2>>"$d/cc.err"; then
		fail profile_sym_mount_ns "cannot build the workload: $(head -c 300 "$d/cc.err")"
		return
	fi
	if ! command -v unshare >/dev/null 2>&1 ||
		! unshare -m --propagation private true 2>/dev/null; then
		skip profile_sym_mount_ns "cannot create a mount namespace (unshare -m)"
		return
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- unshare -m --propagation private sh -c \
		"mount -t tmpfs tt-prof-ns '$m' && cp '$d/prof_ns' '$d/prof_ns.debug' '$m/' &&
		exec '$m/prof_ns' 2"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_sym_mount_ns "$why"
		return
	fi
	if [ -e "$m/prof_ns" ]; then
		fail profile_sym_mount_ns "the tmpfs is visible outside the namespace: proves nothing"
		return
	fi
	check_eq profile_sym_mount_ns "a stack main;prof_ns_spin (debuglink file in a mount namespace)" \
		1 "$(has "$o" "main;prof_ns_spin")" "$(frames_of "$o")"
}

# (f) A process that exits (and whose binary is deleted) seconds before the
# report, traced by comm: tracetool keeps running after it is gone.
test_exited() {
	local d="$TT_TMP/exit" o="$TT_TMP/exit.json" e="$TT_TMP/exit.err" t n
	mkdir -p "$d"
	cp "$CPU" "$d/prof_exitcpu"
	tt_bg "$TT" profile -F 199 -f json -c prof_exitcpu -d 5 >"$o" 2>"$e"
	t=$TT_PID
	n=0
	while ! tt_bss_ready "$t" && [ $n -lt 200 ]; do
		tt_alive "$t" || break
		sleep 0.05
		n=$((n + 1))
	done
	if ! tt_bss_ready "$t"; then
		tt_stop "$t"
		fail profile_exited_process "tracetool not ready: $(head -c 300 "$e")"
		return
	fi
	"$d/prof_exitcpu" 1 2>/dev/null
	rm -f "$d/prof_exitcpu"
	if ! tt_wait_exit "$t" 20; then
		tt_stop "$t"
		fail profile_exited_process "tracetool did not finish after -d 5"
		return
	fi
	check_eq profile_exited_process "a stack main;prof_hot of the exited, deleted process" 1 \
		"$(has "$o" "main;prof_hot")" "rc $TT_RC, $(frames_of "$o") $(head -c 200 "$e")"
}

# cpu_of FILE NAME: the CPU seconds a workload printed as "NAME_cpu_seconds=S".
cpu_of() {
	sed -n "s/^.*: $2_cpu_seconds=//p" "$1"
}

# share NAME FILE SUBSTRING CPU HZ: the samples of the stacks containing
# SUBSTRING against CPU x HZ, within [0.85, 1.1]: none lost to [unknown].
check_share() {
	if [ -z "$4" ]; then
		fail "$1" "the workload printed no CPU time: $(head -c 300 "$5")"
		return
	fi
	check_range "$1" "samples with $3 / (CPU seconds $4 x $6 Hz)" 0.85 1.1 \
		"$(awk -v v="$(value "$2" "$3")" -v c="$4" -v hz="$6" \
			'BEGIN { printf "%.3f", v / (c * hz) }')"
}

# (f2) execve: one pid, two images (the PIE at two load addresses).  The
# samples taken before the exec must be named from the first image, those
# after from the second; the process exits before the report.
test_exec() {
	local o="$TT_TMP/exec.json" e="$TT_TMP/exec.err" why
	prof_run "$o" "$e" profile -F 199 -f json -- "$WL/prof_exec" 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_sym_exec_first profile_sym_exec_second
		return
	fi
	check_share profile_sym_exec_first "$o" "main;burn;prof_exec_first" "$(cpu_of "$e" first)" "$e" 199
	check_share profile_sym_exec_second "$o" "main;burn;prof_exec_second" "$(cpu_of "$e" second)" \
		"$e" 199
}

# (f3) dlopen after the first sample: the library's code is named although
# the process exits (right after) before the report.
test_dlopen() {
	local o="$TT_TMP/dl.json" e="$TT_TMP/dl.err" why
	if [ ! -f "$WL/libprof_dl.so" ]; then
		fail_all "$WL/libprof_dl.so is missing: run make all" profile_sym_dlopen_before \
			profile_sym_dlopen_lib
		return
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- "$WL/prof_dlopen" 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_sym_dlopen_before profile_sym_dlopen_lib
		return
	fi
	check_share profile_sym_dlopen_before "$o" "main;burn;prof_dlopen_before" \
		"$(cpu_of "$e" before)" "$e" 199
	check_share profile_sym_dlopen_lib "$o" "main;burn;prof_dl_spin" "$(cpu_of "$e" lib)" "$e" 199
}

# (f4) JIT code named by the process's perf map: prof_jit writes its code
# into anonymous memory and /tmp/perf-PID.map, and deletes the map as it
# exits, before the report.
test_jit() {
	local o="$TT_TMP/jit.json" e="$TT_TMP/jit.err" why
	"$WL/prof_jit" 0 2>/dev/null
	if [ $? -eq 3 ]; then
		skip profile_sym_jit_perf_map "the prof_jit workload knows only x86-64 machine code"
		return
	fi
	prof_run "$o" "$e" profile -F 199 -f json -- "$WL/prof_jit" 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail profile_sym_jit_perf_map "$why"
		return
	fi
	check_share profile_sym_jit_perf_map "$o" "main;burn;prof_jit_spin" \
		"$(cpu_of "$e" jit)" "$e" 199
}

# (f5) vDSO frames are named: prof_vdso spends its time in clock_gettime,
# which the vDSO answers.  It runs for 1 s of CPU time (not of wall time:
# on a busy host it got 0.3 s, and 64 samples failed a minimum of 100).
test_vdso() {
	local o="$TT_TMP/vdso.json" e="$TT_TMP/vdso.err" why all cpu
	prof_run "$o" "$e" profile -F 199 -f json -- "$WL/prof_vdso" 1
	why=$(tt_run_why "$o" "$e")
	cpu=$(sed -n 's/^prof_vdso: cpu_seconds=//p' "$e")
	if [ -z "$why" ] && [ -z "$cpu" ]; then
		why="prof_vdso printed no CPU time: $(head -c 300 "$e")"
	fi
	if [ -n "$why" ]; then
		fail profile_sym_vdso "$why"
		return
	fi
	all=$(value "$o" "prof_vdso;")
	if ! awk -v a="${all:-0}" -v c="$cpu" 'BEGIN { exit !(a >= 0.85 * c * 199 && a >= 100) }'
	then
		fail profile_sym_vdso "only ${all:-0} samples of prof_vdso for its $cpu CPU seconds: $(
			frames_of "$o")"
		return
	fi
	# measured: 97 % of the samples are in the vDSO, the rest in libc's wrapper
	check_range profile_sym_vdso "share of prof_vdso's samples with a __vdso_clock_gettime frame" \
		0.5 1 "$(awk -v v="$(value "$o" "__vdso_clock_gettime")" -v a="$all" \
			'BEGIN { printf "%.3f", v / a }')"
}

# (f6) With -- CMD a sample is 1/HZ s of the traced task's own CPU time,
# also when the task shares its CPU: prof_exec and a busy loop pinned to
# one CPU take turns at the scheduler's tick.  At -F 125 (every other tick
# of a 250 Hz kernel) the per-CPU cpu-clock timers of earlier builds gave
# one of the two all the samples, or none: 0 to 2 samples per (CPU second
# x 125 Hz) per half.  The same skew, smaller, failed the checks above on
# a busy host.
test_shared_cpu() {
	local o="$TT_TMP/shared.json" e="$TT_TMP/shared.err" why cpu hog c1 c2
	if ! command -v taskset >/dev/null 2>&1; then
		skip_all "no taskset (util-linux)" profile_task_clock_shared_first \
			profile_task_clock_shared_second
		return
	fi
	cpu=$(sed 's/[-,].*//' /sys/devices/system/cpu/online)
	timeout -k 1 60 taskset -c "$cpu" sh -c 'while :; do :; done' &
	hog=$!
	prof_run "$o" "$e" profile -F 125 -f json -- taskset -c "$cpu" "$WL/prof_exec" 1
	kill "$hog" 2>/dev/null
	wait "$hog" 2>/dev/null
	why=$(tt_run_why "$o" "$e")
	c1=$(cpu_of "$e" first)
	c2=$(cpu_of "$e" second)
	if [ -z "$why" ] && ! awk -v a="${c1:-1}" -v b="${c2:-1}" 'BEGIN { exit !(a < 0.8 && b < 0.8) }'
	then
		why="prof_exec did not share CPU $cpu (CPU seconds ${c1:-?} and ${c2:-?} in 1 s)"
	fi
	if [ -n "$why" ]; then
		fail_all "$why" profile_task_clock_shared_first profile_task_clock_shared_second
		return
	fi
	check_share profile_task_clock_shared_first "$o" "main;burn;prof_exec_first" "$c1" "$e" 125
	check_share profile_task_clock_shared_second "$o" "main;burn;prof_exec_second" "$c2" "$e" 125
}

# (f7) -p PID: each thread that already runs gets its own task-clock event;
# past the open-file limit (an event per thread is a descriptor) the CPUs'
# events sample instead, said once.  sys_threads: 16 (then 64) threads,
# each named tN, making system calls for longer than the test runs (about
# 0.1 us each: bounded by their count, 30 s of CPU each time).
test_pid_threads() {
	local o="$TT_TMP/pt.json" e="$TT_TMP/pt.err" pid n
	"$WL/sys_threads" prof_pt 16 20000000 &
	pid=$!
	sleep 0.5
	prof_run "$o" "$e" profile -F 199 -d 1 -f json -p "$pid"
	n=$(jq '[.profiles[]?.stacks[]? | select(.value > 0) | .frames[0] | select(test("^t[0-9]+$"))] |
		unique | length' "$o" 2>/dev/null)
	check_eq profile_pid_threads "threads of sys_threads with samples, of 16 (rc $TT_RC)" 16 \
		"$n" "$(head -c 300 "$e")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	"$WL/sys_threads" prof_pt 64 5000000 &
	pid=$!
	sleep 0.5
	rm -f "$o"
	(ulimit -n 64 && prof_run "$o" "$e" profile -F 199 -d 1 -f json -p "$pid" &&
		echo "$TT_RC" >"$TT_TMP/pt.rc")
	n=$(jq '[.profiles[]?.stacks[]?.value] | add // 0 | if . > 0 then 1 else 0 end' "$o" \
		2>/dev/null)
	check_eq profile_pid_fd_fallback "exit status, the fallback said, samples > 0 (ulimit -n 64)" \
		"0 1 1" "$(cat "$TT_TMP/pt.rc" 2>/dev/null) $(grep -c 'sampling per CPU' "$e") $n" \
		"$(head -c 300 "$e")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || :	# killed: 143
}

# (f8) An event per thread costs one descriptor (the program is set on the
# event, no bpf_link beside it): 64 threads fit under ulimit -n 128, where
# two descriptors per thread made it fall back to the CPUs' events; each of
# the 64 threads is still sampled on its own.
test_pid_fd_per_thread() {
	local o="$TT_TMP/pf.json" e="$TT_TMP/pf.err" pid n
	"$WL/sys_threads" prof_pf 64 5000000 &
	pid=$!
	sleep 0.5
	rm -f "$o" "$TT_TMP/pf.rc"
	(ulimit -n 128 && prof_run "$o" "$e" profile -F 199 -d 1 -f json -p "$pid" &&
		echo "$TT_RC" >"$TT_TMP/pf.rc")
	n=$(jq '[.profiles[]?.stacks[]? | select(.value > 0) | .frames[0] | select(test("^t[0-9]+$"))] |
		unique | length' "$o" 2>/dev/null)
	check_eq profile_pid_fd_per_thread \
		"exit status, fallbacks said, threads with samples of 64 (ulimit -n 128)" "0 0 64" \
		"$(cat "$TT_TMP/pf.rc" 2>/dev/null) $(grep -c 'sampling per CPU' "$e") $n" \
		"$(head -c 300 "$e")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || :	# killed: 143
}

# (f9) -p of a process whose threads all spin, started from this shell (one
# scheduling group): a nice-0 tracetool got 1/(threads + 1) of a CPU and
# began sampling 2.7 s late beside 200 of them on 2 CPUs (BPF loading takes
# ~20 ms of CPU); its setup runs at nice -20 now.  100 threads a CPU (at
# most 1000); "attached at" (-v: ms from tracetool's start to sampling)
# within 1 s.  Needs CAP_SYS_NICE, else skipped.
test_pid_busy_start() {
	local e="$TT_TMP/busy.err" fifo="$TT_TMP/busy.fifo" n pid line at
	if ! nice -n -20 true 2>/dev/null; then
		skip profile_pid_busy_start "cannot raise priority here (no CAP_SYS_NICE)"
		return
	fi
	n=$(($(nproc) * 100))
	[ "$n" -le 1000 ] || n=1000
	mkfifo "$fifo" || { fail profile_pid_busy_start "mkfifo $fifo"; return; }
	"$WL/prof_threads" "$n" 30 spin >"$fifo" &
	pid=$!
	# nothing forked until tracetool: every command waits its turn behind the threads
	exec 3<"$fifo"
	read -r line <&3 || line=""
	timeout -k 5 60 "$TT" profile -p "$pid" -v --dry-run >/dev/null 2>"$e"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	exec 3<&-
	at=$(sed -n 's/^tracetool profile: hook .*, attached at \([0-9.]*\) ms.*/\1/p' "$e")
	if [ "$line" != ready ] || [ -z "$at" ]; then
		fail profile_pid_busy_start "prof_threads: '$line'; tracetool: $(head -c 300 "$e")"
		return
	fi
	check_range profile_pid_busy_start "ms from start to sampling beside $n spinning threads" \
		0 1000 "$at"
}

# (g) Interval reports add up: each shows only its own interval's samples.
# The workload prints the CPU time it used; samples = CPU time x 199 Hz.
test_interval() {
	local o="$TT_TMP/int.json" e="$TT_TMP/int.err" n sum cpu
	prof_run "$o" "$e" profile -F 199 -i 0.5 -f json -- "$CPU" 2
	n=$(jq -s 'length' "$o" 2>/dev/null)
	sum=$(jq -s '[.[] | .profiles[]?.stacks[]? | select(.frames | join(";") |
		test(";prof_(hot|cold)")) | .value] | add // 0' "$o" 2>/dev/null)
	cpu=$(sed -n 's/^prof_cpu: cpu_seconds=//p' "$e")
	if [ "$TT_RC" != 0 ] || [ "${n:-0}" -lt 3 ] || [ -z "$cpu" ]; then
		fail profile_interval_sum "exit $TT_RC, $n report(s), cpu '$cpu': $(head -c 300 "$e")"
		return
	fi
	# a sample counted twice, or an interval dropped, would leave this band
	check_range profile_interval_sum "samples over $n reports / (CPU seconds $cpu x 199 Hz)" \
		0.85 1.1 "$(awk -v s="$sum" -v c="$cpu" 'BEGIN { printf "%.3f", s / (c * 199) }')"
}

# (h) Folded output: comm;outer;...;inner count, the same totals as JSON.
test_folded() {
	local o="$TT_TMP/cpu.folded" e="$TT_TMP/folded.err" bad
	prof_run "$o" "$e" profile -F 199 -f folded -- "$CPU" 1
	if [ "$TT_RC" != 0 ]; then
		if grep -q "unknown format" "$e"; then
			skip profile_folded "no folded renderer in this build (flame branch)"
		else
			fail profile_folded "exit $TT_RC: $(head -c 300 "$e")"
		fi
		return
	fi
	bad=$(grep -cvE '^prof_cpu(;[^;]+)+ [0-9]+$' "$o")
	if [ "$bad" -ne 0 ] || ! grep -q ';main;prof_hot [0-9]*$' "$o"; then
		fail profile_folded "$bad malformed line(s) or no ;main;prof_hot line: $(head -c 300 "$o")"
	else
		pass profile_folded
	fi
}

# (i) Folded output goes through `tracetool flamegraph`: the SVG parses as
# XML and names the workload's functions (profile and offcpu).
test_flamegraph() {
	local f="$TT_TMP/cpu.folded" off="$TT_TMP/off.folded" svg="$TT_TMP/cpu.svg" e="$TT_TMP/fg.err"
	if ! "$TT" flamegraph --help >/dev/null 2>&1; then
		skip_all "no flamegraph command in this build" profile_folded_flamegraph \
			profile_offcpu_folded_flamegraph
		return
	fi
	if ! command -v xmllint >/dev/null 2>&1; then
		skip_all "xmllint is not installed (libxml2-utils)" profile_folded_flamegraph \
			profile_offcpu_folded_flamegraph
		return
	fi
	if [ ! -s "$f" ]; then
		fail profile_folded_flamegraph "no folded profile from the folded check"
	elif "$TT" flamegraph -o "$svg" "$f" 2>"$e" && xmllint --noout "$svg" 2>>"$e" &&
		grep -q 'prof_hot' "$svg" && grep -q 'prof_cold' "$svg"; then
		pass profile_folded_flamegraph
	else
		fail profile_folded_flamegraph "flamegraph/xmllint: $(head -c 300 "$e")"
	fi
	timeout -k 5 60 "$TT" offcpu -f folded -- "$WL/prof_block" 20 5 >"$off" 2>"$e"
	if [ -s "$off" ] && "$TT" flamegraph -o "$svg" "$off" 2>>"$e" &&
		xmllint --noout "$svg" 2>>"$e" && grep -q 'prof_block_wait' "$svg"; then
		pass profile_offcpu_folded_flamegraph
	else
		fail profile_offcpu_folded_flamegraph "$(head -c 300 "$e") $(head -c 200 "$off")"
	fi
}

# (j) A stack map too small for the workload's stacks: the stacks that do
# not fit are counted (map_full) and their samples stay in the report under
# [lost user stack]: the total still matches the CPU time.  One entry: the
# hot loops of prof_hot and prof_cold are often sampled at one instruction
# each (the interrupt lands after the multiply), so a 1 s run can have
# exactly two distinct user stacks and no kernel stack, and a map of two
# then never fills.  The stacks of prof_hot and prof_cold cannot share one.
test_map_full() {
	local o="$TT_TMP/full.json" e="$TT_TMP/full.err" why cpu
	prof_run "$o" "$e" profile -F 499 --max-stacks 1 --call-graph fp -f json -- "$CPU" 1
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" profile_stack_map_full_counted profile_stack_map_full_kept
		return
	fi
	check_eq profile_stack_map_full_counted "map_full > 0 and a [lost user stack] frame" "1 1" \
		"$(jq '.lost.map_full > 0 | if . then 1 else 0 end' "$o") $(has "$o" "[lost user stack]")" \
		"lost $(jq -c .lost "$o")"
	cpu=$(sed -n 's/^prof_cpu: cpu_seconds=//p' "$e")
	check_range profile_stack_map_full_kept "prof_cpu samples / (CPU seconds $cpu x 499 Hz)" 0.85 1.1 \
		"$(jq --arg c "$cpu" '[.profiles[0].stacks[] | select(.frames[0] == "prof_cpu") | .value] |
			add / (($c | tonumber) * 499) | . * 1000 | round / 1000' "$o")"
}

test_usage() {
	local rc
	"$TT" profile -F 0 -d 1 >/dev/null 2>"$TT_TMP/u.err"
	rc=$?
	check_eq profile_usage_bad_freq "exit status of -F 0 (and a message naming -F)" "2 1" \
		"$rc $(grep -c '^tracetool profile: -F' "$TT_TMP/u.err")"
	"$TT" profile --user-only --kernel-only -d 1 >/dev/null 2>&1
	check_eq profile_usage_only_both "exit status of --user-only --kernel-only" 2 "$?"
}

# Text format: header, the profile title, the heaviest stack first.
test_text() {
	local o="$TT_TMP/cpu.txt" e="$TT_TMP/txt.err"
	prof_run "$o" "$e" profile -F 199 -- "$CPU" 1
	if [ "$TT_RC" = 0 ] && grep -q '^cpu (samples)$' "$o" &&
		sed -n '/^cpu (samples)$/{n;p}' "$o" | grep -q 'prof_cpu;.*main;prof_hot$'; then
		pass profile_text_report
	else
		fail profile_text_report "exit $TT_RC: $(head -c 400 "$o" "$e")"
	fi
	# -F is recorded: a sample weighs 1/HZ s, so samples at 499 Hz (cpu.json)
	# and 199 Hz (sys.json) do not add up (report merged them before)
	check_eq profile_text_frequency "the text's profile line" "profile: a sample is 1/199 s (frequency=199)" \
		"$(grep '^profile:' "$o")"
	if [ ! -s "$TT_TMP/cpu.json" ] || [ ! -s "$TT_TMP/sys.json" ]; then
		skip profile_report_merge_frequency_exit2 "needs test_shares and test_kernel's reports"
		return
	fi
	"$TT" report "$TT_TMP/cpu.json" "$TT_TMP/sys.json" >"$TT_TMP/fm.out" 2>"$e"
	check_eq profile_report_merge_frequency_exit2 "exit status, stdout bytes, message" \
		"2 0 tracetool report: cannot merge $TT_TMP/sys.json with $TT_TMP/cpu.json: profile --frequency differs: 199 (a sample is 1/199 s) in $TT_TMP/sys.json, 499 (a sample is 1/499 s) in $TT_TMP/cpu.json" \
		"$? $(wc -c <"$TT_TMP/fm.out") $(cat "$e")"
}

# TT_PROFILE_ONLY="test_pie test_mount_ns" runs only those checks (bench/profile_sym_repeat.sh).
for t in ${TT_PROFILE_ONLY:-test_shares test_kernel test_kernel_hidden test_pie test_debuglink test_chroot test_mount_ns
	test_exited test_exec test_dlopen test_jit test_vdso test_shared_cpu test_pid_threads
	test_pid_fd_per_thread test_pid_busy_start
	test_interval test_folded test_flamegraph test_map_full test_usage test_text}; do
	"$t"
done
