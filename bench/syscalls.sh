#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Overhead benchmark of `tracetool syscalls` (run by `make bench`).
#
# Measures the wall time per getppid() call of bench/getppid_loop.c
#   untraced | under `tracetool syscalls` | under `syscount -L` (libbpf-tools)
#   | under an equivalent bpftrace latency-histogram one-liner,
# alternating the four configurations in rounds so that drift hits all alike,
# then tracetool's start-to-attached time (--dry-run -v, median of 10) and its
# resident memory while tracing.  Optional extra sections: per-program BPF run
# time (kernel.bpf_stats_enabled, restored afterwards) and a decomposition of
# tracetool's cost against empty programs on the same hooks (bench/floor.bpf.c,
# loaded by bench/floor_loader.c; calibration only, not part of tracetool).
#
# It prints figures and targets; it never fails on wall-clock results, only
# on a broken setup (not root, build failure, tracer that does not start).
# Every wait and loop is bounded.
#
# Environment knobs (defaults in brackets):
#   BENCH_CALLS [5000000]   getppid calls per loop run
#   BENCH_ROUNDS [5]        rounds of untraced/tracetool/syscount/bpftrace
#   BENCH_REPS [2]          loop runs per configuration per round
#   BENCH_QUIET_WAIT [60]   max seconds to wait, before each run, for other
#                           engineers' tracetool processes / BPF attachments
#   BENCH_QUIET_HOLD [2]    seconds without them that count as quiet
#   BENCH_STATS [1]         per-program BPF run time section (0: skip)
#   BENCH_DIAG [1]          decomposition section (0: skip)
#   OUT [build]             build directory

set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lock.sh
bench_exclusive "$0" "$@"

OUT=${OUT:-build}
TT_SRC=$OUT/tracetool
TT=""			# snapshot of $TT_SRC: a rebuild during the run cannot mix versions
LOOP=$OUT/bench/getppid_loop
SYSCOUNT=/usr/sbin/syscount
CALLS=${BENCH_CALLS:-5000000}
ROUNDS=${BENCH_ROUNDS:-5}
REPS=${BENCH_REPS:-2}
QUIET_WAIT=${BENCH_QUIET_WAIT:-60}
QUIET_HOLD=${BENCH_QUIET_HOLD:-2}
DO_STATS=${BENCH_STATS:-1}
DO_DIAG=${BENCH_DIAG:-1}
DRY_RUNS=10
ATTACH_TIMEOUT=15	# seconds for a tracer to attach
STOP_TIMEOUT=10		# seconds for a tracer to exit after SIGINT
# Same measurement as tracetool's default mode: per-tid start timestamp on
# sys_enter; on sys_exit a log2 histogram of the latency keyed by syscall id.
BT_PROG='tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @lat[args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }'

TMP=$(mktemp -d /tmp/tt-bench.XXXXXX) || exit 1
TRACER_PID=""		# tracer currently running (ours)
BASE_PIDS=""		# processes holding BPF attachments at start that are not tracers
STATS_OLD=""		# kernel.bpf_stats_enabled before we touched it

cleanup() {
	if [ -n "$TRACER_PID" ] && kill -0 "$TRACER_PID" 2>/dev/null; then
		kill -INT "$TRACER_PID" 2>/dev/null
		sleep 1
		kill -KILL "$TRACER_PID" 2>/dev/null
	fi
	[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE	# e.g. `make bench | head`: still stop our tracer

die() { echo "bench: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() {	# median of the numbers on stdin ("-" if none)
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) printf "%.1f\n", a[(NR + 1) / 2]
		else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------- setup
[ "$(id -u)" = 0 ] || die "run as root (loading BPF programs)"
for c in gcc bpftool pgrep awk; do
	command -v "$c" >/dev/null 2>&1 || die "$c not found"
done
if [ ! -x "$TT_SRC" ]; then
	make --no-print-directory all >/dev/null || die "make all failed"
fi
cp "$TT_SRC" "$TMP/tracetool" || die "cannot copy $TT_SRC"
TT=$TMP/tracetool
TT_ID="$("$TT" --version 2>/dev/null | head -n 1), sha256 $(sha256sum "$TT" | cut -c1-12);"
TT_ID="$TT_ID source tree $(git describe --always --dirty 2>/dev/null || echo '?')"
mkdir -p "$OUT/bench"
gcc -O2 -Wall -Wextra -Werror -o "$LOOP" bench/getppid_loop.c || die "building $LOOP failed"
"$LOOP" 1000 >/dev/null 2>&1 || die "$LOOP does not run"

# Calibration (decomposition/BPF run time sections only): empty programs on
# sys_enter/sys_exit, as tp_btf (tracetool's hook) and as classic tracepoints
# (syscount's), loaded by a small libbpf loader.
FLOOR=0
CLANG=${CLANG:-clang}
if [ "$DO_STATS$DO_DIAG" != 00 ] && command -v "$CLANG" >/dev/null 2>&1 && [ -f "$OUT/vmlinux.h" ]; then
	FL="$CLANG -g -O2 -target bpf -D__TARGET_ARCH_$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/') -I$OUT -Wall"
	$FL -c bench/floor.bpf.c -o "$OUT/bench/floor_btf.bpf.o" &&
	$FL -DFLOOR_TP -c bench/floor.bpf.c -o "$OUT/bench/floor_tp.bpf.o" &&
	gcc -O2 -Wall -Wextra -Werror -o "$OUT/bench/floor_loader" bench/floor_loader.c -lbpf &&
	FLOOR=1
fi
[ $FLOOR = 1 ] || [ "$DO_STATS$DO_DIAG" = 00 ] ||
	echo "bench: calibration programs not built (clang or $OUT/vmlinux.h missing): skipped" >&2

apt_install() {	# package: reference tools only, never tracetool dependencies
	echo "bench: installing $1 (reference point for the benchmark)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1 ||
	{ apt-get update -q >/dev/null 2>&1 &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; } ||
	die "apt-get install $1 failed"
}
[ -x "$SYSCOUNT" ] || apt_install libbpf-tools
[ -x "$SYSCOUNT" ] || die "$SYSCOUNT missing after installing libbpf-tools"
command -v bpftrace >/dev/null 2>&1 || apt_install bpftrace
command -v bpftrace >/dev/null 2>&1 || die "bpftrace missing after installing it"

if [ -z "$(ls -A /sys/kernel/tracing 2>/dev/null)" ]; then
	mount -t tracefs nodev /sys/kernel/tracing || die "cannot mount tracefs"
fi

# ---------------------------------------------------------------- helpers
# BPF program ids held by process $1 (from the fdinfo of its bpf-prog fds),
# and the number of BPF links it holds.
own_prog_ids() {
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-prog" ] || continue
		awk '/^prog_id:/ { print $2 }' /proc/"$1"/fdinfo/"${fd##*/}" 2>/dev/null
	done | sort -n
}
own_link_count() {
	n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf_link" ] && n=$((n + 1))
	done
	echo "$n"
}

# Other tracetool processes (not the one we started).
foreign_tracetool() {
	for p in $(pgrep -x tracetool); do
		[ "$p" = "$TRACER_PID" ] || echo "$p"
	done
}
# BPF programs attached to tracepoints/kprobes (bpftool perf show) by
# processes other than our tracer and the host's own (baseline): "pid:hook".
foreign_attach() {
	bpftool perf show 2>/dev/null | awk -v me="${TRACER_PID:-x}" -v base=" $BASE_PIDS " '
		$1 == "pid" && $2 != me && index(base, " " $2 " ") == 0 { printf "%s:%s ", $2, $NF }'
}

# Bounded wait (QUIET_WAIT s) until neither a foreign tracetool process nor a
# foreign BPF attachment has been seen for QUIET_HOLD s; 1 if still busy.
wait_quiet() {
	start=$(now_ms)
	since=$start
	while :; do
		now=$(now_ms)
		if [ -n "$(foreign_tracetool)" ] || [ -n "$(foreign_attach)" ]; then
			since=$now
		elif [ $((now - since)) -ge $((QUIET_HOLD * 1000)) ]; then
			waited=$(( (now - start) / 1000 - QUIET_HOLD ))
			[ $waited -gt 0 ] && echo "  (waited ${waited}s for other tracers to finish)" >&2
			return 0
		fi
		[ $((now - start)) -lt $((QUIET_WAIT * 1000)) ] || return 1
		sleep 0.25
	done
}

# start_tracer NAME: start it in the background, wait (bounded) until it is
# attached.  Sets TRACER_PID.
start_tracer() {
	case $1 in
	tracetool) "$TT" syscalls >/dev/null 2>"$TMP/tracer.err" & ;;
	tt-filtered) "$TT" syscalls --syscall read >/dev/null 2>"$TMP/tracer.err" & ;;
	syscount) "$SYSCOUNT" -L >/dev/null 2>"$TMP/tracer.err" & ;;
	bpftrace) bpftrace -e "$BT_PROG" >/dev/null 2>"$TMP/tracer.err" & ;;
	floor-btf) "$OUT/bench/floor_loader" "$OUT/bench/floor_btf.bpf.o" >/dev/null 2>"$TMP/tracer.err" & ;;
	floor-tp) "$OUT/bench/floor_loader" "$OUT/bench/floor_tp.bpf.o" >/dev/null 2>"$TMP/tracer.err" & ;;
	*) die "unknown tracer $1" ;;
	esac
	TRACER_PID=$!
	deadline=$(( $(now_ms) + ATTACH_TIMEOUT * 1000 ))
	while :; do
		kill -0 "$TRACER_PID" 2>/dev/null ||
			{ cat "$TMP/tracer.err" >&2; TRACER_PID=""; die "$1 exited before attaching"; }
		ids=$(own_prog_ids "$TRACER_PID")
		nprog=$(echo "$ids" | grep -c .)
		case $1 in
		tracetool|tt-filtered|syscount|floor-*)	# both programs loaded and linked
			if [ "$nprog" -ge 2 ] && [ "$(own_link_count "$TRACER_PID")" -ge 2 ]; then
				# and visible in bpftool prog show
				seen=0
				for id in $ids; do
					bpftool prog show id "$id" >/dev/null 2>&1 && seen=$((seen + 1))
				done
				[ $seen -ge 2 ] && break
			fi ;;
		*)	# bpftrace 0.17 attaches with perf ioctls (no links): programs
			# loaded, then a fixed settle time below
			[ "$nprog" -ge 2 ] && break ;;
		esac
		[ "$(now_ms)" -lt "$deadline" ] || die "$1 not attached after ${ATTACH_TIMEOUT}s"
		sleep 0.05
	done
	case $1 in
	tracetool|tt-filtered|floor-*) sleep 0.2 ;;	# links exist: attached
	syscount) sleep 1 ;;
	*) sleep 2 ;;
	esac
}

stop_tracer() {	# SIGINT, bounded wait, SIGKILL as a last resort
	[ -n "$TRACER_PID" ] || return 0
	kill -INT "$TRACER_PID" 2>/dev/null
	t=0
	while kill -0 "$TRACER_PID" 2>/dev/null && [ $t -lt $((STOP_TIMEOUT * 10)) ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		echo "bench: tracer $TRACER_PID ignored SIGINT for ${STOP_TIMEOUT}s: killed" >&2
		kill -KILL "$TRACER_PID" 2>/dev/null
	fi
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=""
}

# run_loop: one loop run; prints "ns disturbed cpus", where disturbed is 0 or
# what disturbed the run (foreign tracetool or BPF attachment before, during
# or after it; cpu/wall < 0.95) and cpus is the loop's "start->end" CPU.  If
# MEM_FILE is set, samples the tracer's VmRSS/VmHWM 2 s into the run.
run_loop() {
	dist=""
	f=$(foreign_tracetool | tr '\n' ' ')
	[ -n "$f" ] && dist="tracetool:$f"
	fp=$(foreign_attach)
	[ -n "$fp" ] && dist="$dist bpf:$fp"
	"$LOOP" "$CALLS" >"$TMP/loop.out" 2>"$TMP/loop.err" &
	lpid=$!
	t0=$(now_ms)
	memdone=0
	i=0
	while kill -0 "$lpid" 2>/dev/null && [ $i -lt 6000 ]; do	# <= 20 min
		f=$(foreign_tracetool | tr '\n' ' ')
		[ -n "$f" ] && dist="$dist tracetool:$f"
		if [ -n "${MEM_FILE:-}" ] && [ $memdone = 0 ] && [ $(( $(now_ms) - t0 )) -ge 2000 ]; then
			awk '/^Vm(RSS|HWM):/ { printf "%s %s ", $1, $2 } END { print "" }' \
				/proc/"$TRACER_PID"/status >>"$MEM_FILE"
			memdone=1
		fi
		sleep 0.2
		i=$((i + 1))
	done
	kill -0 "$lpid" 2>/dev/null && { kill -KILL "$lpid"; die "loop did not finish"; }
	wait "$lpid" || die "$LOOP failed"
	if [ -n "${MEM_FILE:-}" ] && [ $memdone = 0 ]; then
		awk '/^Vm(RSS|HWM):/ { printf "%s %s ", $1, $2 } END { print "" }' \
			/proc/"$TRACER_PID"/status >>"$MEM_FILE"
	fi
	fp=$(foreign_attach)
	[ -n "$fp" ] && dist="$dist bpf-after:$fp"
	# lost the CPU (another task or the hypervisor) for more than 5 % of the run?
	cw=$(sed -n 's/.*cpu\/wall \([0-9.]*\).*/\1/p' "$TMP/loop.err")
	[ -n "$cw" ] && awk -v x="$cw" 'BEGIN { exit !(x < 0.95) }' && dist="$dist cpu/wall:$cw"
	f=$(foreign_tracetool | tr '\n' ' ')
	[ -n "$f" ] && dist="$dist tracetool-after:$f"
	dist=$(echo "$dist" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ',' | sed 's/,$//')
	cpus=$(sed -n 's/.*on cpu \([0-9-]*->[0-9-]*\).*/\1/p' "$TMP/loop.err")
	echo "$(cat "$TMP/loop.out") ${dist:-0} ${cpus:-?}"
}

# measure CONFIG ROUND: start the tracer (unless untraced), REPS loop runs
# (a disturbed run is retried, at most twice), stop it.  Appends to samples.
measure() {
	cfg=$1 round=$2
	[ "$cfg" = untraced ] || start_tracer "$cfg"
	MEM_FILE=""
	[ "$cfg" = untraced ] || MEM_FILE="$TMP/mem.$cfg"
	clean=0 tries=0
	while [ $clean -lt "$REPS" ] && [ $tries -lt $((REPS + 2)) ]; do
		wait_quiet || echo "  round $round $cfg: still not quiet after ${QUIET_WAIT}s" >&2
		res=$(run_loop)
		[ -n "$res" ] || die "loop run failed"
		# shellcheck disable=SC2086 # three words wanted: ns, disturbance, cpus
		set -- $res
		echo "$round $cfg $1 $2 $3" >>"$TMP/samples"
		MEM_FILE=""	# one memory sample per start
		tries=$((tries + 1))
		if [ "$2" = 0 ]; then
			clean=$((clean + 1))
		else
			echo "  round $round $cfg: disturbed run ($2)" >&2
		fi
	done
	stop_tracer
}

# ---------------------------------------------------------------- run
CONFIGS="untraced tracetool syscount bpftrace"
echo "tracetool syscalls benchmark: $(nproc) CPUs, kernel $(uname -r)," \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "binary: $TT_ID (a copy of $TT_SRC taken at start)"
echo "getppid loop: $CALLS calls per run, $ROUNDS rounds x $REPS runs per configuration"
echo

# Long-lived BPF attachments of the host itself (not a tracer) are ignored.
for p in $(bpftool perf show 2>/dev/null | awk '$1 == "pid" { print $2 }' | sort -u); do
	case $(cat /proc/"$p"/comm 2>/dev/null) in
	tracetool|bpftrace|syscount|"") ;;
	*) BASE_PIDS="$BASE_PIDS $p" ;;
	esac
done
[ -n "$BASE_PIDS" ] && echo "(host processes holding BPF attachments, ignored:$BASE_PIDS)"
: >"$TMP/samples"
: >"$TMP/diag"
: >"$TMP/dry"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "  round $r/$ROUNDS" >&2
	for cfg in $CONFIGS; do
		measure "$cfg" "$r"
	done
	r=$((r + 1))
done

# ---------------------------------------------------------------- report
col() {	# col CONFIG [all]: numbers of the clean (or all) samples
	if [ "${2:-}" = all ]; then
		awk -v c="$1" '$2 == c { print $3 }' "$TMP/samples"
	else
		awk -v c="$1" '$2 == c && $4 == "0" { print $3 }' "$TMP/samples"
	fi
}
base=$(col untraced | median)
tt_add=""
sc_add=""
echo "== ns per getppid() call (median of undisturbed runs; min-max in brackets)"
printf '%-26s %10s %16s %10s %6s %12s\n' config "ns/call" "range" "added ns" runs "all-runs med"
for cfg in $CONFIGS; do
	m=$(col "$cfg" | median)
	n=$(col "$cfg" | grep -c .)
	na=$(col "$cfg" all | grep -c .)
	rng=$(col "$cfg" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.0f-%.0f", lo, hi; else print "-" }')
	ma=$(col "$cfg" all | median)
	if [ "$cfg" = untraced ] || [ "$m" = - ] || [ "$base" = - ]; then
		add=-
	else
		add=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
	fi
	case $cfg in
	tracetool) tt_add=$add; label="tracetool syscalls" ;;
	syscount) sc_add=$add; label="syscount -L" ;;
	bpftrace) label="bpftrace hist one-liner" ;;
	*) label=$cfg ;;
	esac
	printf '%-26s %10s %16s %10s %6s %12s\n' "$label" "$m" "$rng" "$add" "$n/$na" "$ma"
done
ratio=$(awk -v t="$tt_add" -v s="$sc_add" 'BEGIN { if (t == "-" || s == "-" || s <= 0) print "-"; else printf "%.2f", t / s }')
echo "ratio tracetool added / syscount -L added: $ratio   (target <= 0.60, aim 0.50)"
echo
echo "== per-round medians (ns/call; drift check)"
printf '%-6s' round
for cfg in $CONFIGS; do printf ' %10s' "$cfg"; done
echo
r=1
while [ $r -le "$ROUNDS" ]; do
	printf '%-6s' "$r"
	for cfg in $CONFIGS; do
		printf ' %10s' "$(awk -v c="$cfg" -v r="$r" '$1 == r && $2 == c && $4 == "0" { print $3 }' "$TMP/samples" | median)"
	done
	echo
	r=$((r + 1))
done
echo
echo "== by CPU the loop ran on (undisturbed runs that stayed on one CPU; median ns/call [runs])"
for cfg in $CONFIGS; do
	printf '%-10s' "$cfg"
	# shellcheck disable=SC2013 # one CPU number per line
	for c in $(awk -v c="$cfg" '$2 == c && $4 == "0" { split($5, a, "->"); if (a[1] == a[2]) print a[1] }' "$TMP/samples" | sort -un); do
		v=$(awk -v c="$cfg" -v k="$c->$c" '$2 == c && $4 == "0" && $5 == k { print $3 }' "$TMP/samples")
		printf '  cpu%s %8s [%s]' "$c" "$(echo "$v" | median)" "$(echo "$v" | grep -c .)"
	done
	echo
done
nd=$(awk '$4 != "0"' "$TMP/samples" | grep -c .)
echo "disturbed runs (excluded above): $nd"
awk '$4 != "0" { printf "  round %s %s: %s ns (%s)\n", $1, $2, $3, $4 }' "$TMP/samples"
echo

echo "== resident memory of the tracers while tracing (kB, sampled 2 s into a run under load)"
for cfg in tracetool syscount bpftrace; do
	[ -s "$TMP/mem.$cfg" ] || continue
	rss=$(awk '{ for (i = 1; i < NF; i += 2) if ($i == "VmRSS:") print $(i + 1) }' "$TMP/mem.$cfg" | median)
	hwm=$(awk '{ for (i = 1; i < NF; i += 2) if ($i == "VmHWM:") print $(i + 1) }' "$TMP/mem.$cfg" | sort -n | tail -1)
	printf '%-10s VmRSS median %8s kB   VmHWM max %8s kB\n' "$cfg" "$rss" "$hwm"
done
echo "target: tracetool RSS <= 8 MB (8192 kB)"
echo

echo "== tracetool start-to-attached (--dry-run -v, median of $DRY_RUNS)"
: >"$TMP/dry"
i=0
ndist=0
while [ $i -lt $DRY_RUNS ]; do
	wait_quiet || echo "  (dry run $i: other tracers still running)" >&2
	"$TT" syscalls --dry-run -v 2>&1 >/dev/null |
		sed -n 's/.*loaded at \([0-9.]*\) ms, attached at \([0-9.]*\) ms.*/\1 \2/p' >>"$TMP/dry"
	[ -n "$(foreign_tracetool)$(foreign_attach)" ] && ndist=$((ndist + 1))
	i=$((i + 1))
done
[ $ndist -gt 0 ] && echo "($ndist of $DRY_RUNS dry runs overlapped other tracers)"
[ -s "$TMP/dry" ] || die "tracetool --dry-run -v printed no timings"
printf 'loaded at %s ms, attached at %s ms (median); attached range %s ms   (target <= 25 ms)\n' \
	"$(awk '{ print $1 }' "$TMP/dry" | median)" "$(awk '{ print $2 }' "$TMP/dry" | median)" \
	"$(awk '{ print $2 }' "$TMP/dry" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }')"
echo

# ---------------------------------------------------------------- BPF run time
if [ "$DO_STATS" = 1 ]; then
	echo "== per-program BPF run time (kernel.bpf_stats_enabled=1 for this section only;"
	echo "   stats add their own clock reads, so ns/call here is not comparable to the table above;"
	echo "   floor-* and tt-filtered are defined in the decomposition section below)"
	STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	printf '%-26s %-16s %10s %12s %10s\n' tracer program run_cnt "ns/run" "loop ns"
	STATS_CFGS="tt-filtered tracetool syscount bpftrace"
	[ $FLOOR = 1 ] && STATS_CFGS="floor-btf floor-tp $STATS_CFGS"
	for cfg in $STATS_CFGS; do
		sysctl -qw kernel.bpf_stats_enabled=1
		start_tracer "$cfg"
		ids=$(own_prog_ids "$TRACER_PID")
		for id in $ids; do
			bpftool prog show id "$id" 2>/dev/null | awk -v id="$id" 'NR == 1 {
				for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
				print id, n, t + 0, c + 0 }'
		done >"$TMP/stats.before"
		wait_quiet || echo "  (other tracers running: $cfg figures may be disturbed)"
		res=$(run_loop)
		[ -n "$res" ] || die "loop run failed"
		loopns=$(echo "$res" | awk '{ print $1 }')
		ldist=$(echo "$res" | awk '{ print $2 }')
		for id in $ids; do
			bpftool prog show id "$id" 2>/dev/null | awk -v id="$id" 'NR == 1 {
				for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
				print id, n, t + 0, c + 0 }'
		done >"$TMP/stats.after"
		stop_tracer
		sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
		awk -v cfg="$cfg" -v l="$loopns" -v d="$ldist" 'NR == FNR { t[$1] = $3; c[$1] = $4; next }
			($1 in c) { dc = $4 - c[$1]; dt = $3 - t[$1]
			printf "%-26s %-16s %10d %12s %10s%s\n", cfg, $2, dc, (dc > 0 ? sprintf("%.1f", dt / dc) : "-"), l, (d == "0" ? "" : "  (disturbed: " d ")") }' \
			"$TMP/stats.before" "$TMP/stats.after"
	done
	STATS_OLD=""
	echo
fi

# ---------------------------------------------------------------- decomposition
if [ "$DO_DIAG" = 1 ]; then
	echo "== decomposition (median of 5 runs each, measured back to back)"
	echo "   floor-btf: empty tp_btf programs on sys_enter/sys_exit (tracetool's hook);"
	echo "   floor-tp: empty classic tracepoint programs on raw_syscalls (syscount's hook);"
	echo "   tt-filtered: tracetool syscalls --syscall read, so getppid is dropped in the"
	echo "   enter program and the exit program stops after the task-storage lookup"
	printf '%-14s %10s %10s\n' config "ns/call" "added ns"
	DIAG_CFGS="untraced tt-filtered tracetool syscount"
	[ $FLOOR = 1 ] && DIAG_CFGS="untraced floor-btf tt-filtered tracetool floor-tp syscount"
	for cfg in $DIAG_CFGS; do
		[ "$cfg" = untraced ] || start_tracer "$cfg"
		i=0
		while [ $i -lt 5 ]; do
			wait_quiet || echo "  (diag $cfg: still not quiet after ${QUIET_WAIT}s)" >&2
			res=$(run_loop)
			[ -n "$res" ] || die "loop run failed"
			echo "$cfg $res" >>"$TMP/diag"
			i=$((i + 1))
		done
		stop_tracer
	done
	dbase=$(awk '$1 == "untraced" && $3 == "0" { print $2 }' "$TMP/diag" | median)
	for cfg in $DIAG_CFGS; do
		m=$(awk -v c="$cfg" '$1 == c && $3 == "0" { print $2 }' "$TMP/diag" | median)
		nd=$(awk -v c="$cfg" '$1 == c && $3 != "0"' "$TMP/diag" | grep -c .)
		add=$(awk -v a="$m" -v b="$dbase" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", a - b }')
		[ "$cfg" = untraced ] && add=-
		printf '%-14s %10s %10s%s\n' "$cfg" "$m" "$add" "$([ "$nd" -gt 0 ] && echo "  ($nd disturbed runs excluded)")"
	done
	echo
fi
{
	echo "# round config ns/call disturbance(0 = none) cpu(start->end)"
	cat "$TMP/samples"
	[ -s "$TMP/diag" ] && { echo "# decomposition: config ns/call disturbance cpu"; cat "$TMP/diag"; }
	[ -s "$TMP/dry" ] && { echo "# dry runs: loaded_ms attached_ms"; cat "$TMP/dry"; }
} >"$OUT/bench/syscalls-samples.txt"
echo "raw samples: $OUT/bench/syscalls-samples.txt"
echo "targets: added ns <= 0.6x syscount -L's (aim 0.5x), attach <= 25 ms, RSS <= 8 MB"
