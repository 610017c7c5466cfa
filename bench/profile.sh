#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Benchmarks of `tracetool profile` (run by `make bench`):
#  1. overhead on a CPU-bound workload: wall time of a fixed amount of work
#     (build/workloads/prof_cpu --rounds N) untraced, and under a host-wide
#     `tracetool profile` at 49 Hz and at 99 Hz, alternating the three
#     configurations in rounds so that drift hits all alike; medians;
#  2. the BPF program's own cost per sample (kernel.bpf_stats_enabled for
#     one run, restored afterwards), and the CPU share it implies per Hz;
#  3. symbolization throughput (bench/prof_symbench.c): addresses per
#     second, cold (first lookup of each address) and cached.
# Runs under `flock /tmp/tt-bench.lock`, so it never overlaps another
# benchmark.  It prints figures; it fails only on a broken setup.
#
# Knobs: BENCH_PROF_ROUNDS [5] rounds, BENCH_PROF_WORK [600] workload rounds
# (about 2 s of CPU), BENCH_SYM_ADDRS [200000], OUT [build].
set -u
cd "$(dirname "$0")/.." || exit 1

. bench/lock.sh
bench_exclusive "$0" "$@"

OUT=${OUT:-build}
ROUNDS=${BENCH_PROF_ROUNDS:-5}
WORK=${BENCH_PROF_WORK:-600}
NADDR=${BENCH_SYM_ADDRS:-200000}
TT=$OUT/tracetool
CPU=$OUT/workloads/prof_cpu
SYMB=$OUT/bench/prof_symbench
WL=$OUT/workloads
. tests/live/lib.sh	# tt_bg, tt_bss_ready, tt_stop, tt_fd_ids; cleanup trap
. bench/prof_lib.sh	# start_tracer, stop_tracer, run_work, median, prog_stats

die() {
	echo "bench/profile.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
[ -x "$TT" ] && [ -x "$CPU" ] || die "run make all first"
mkdir -p "$OUT/bench"
gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -o "$SYMB" \
	bench/prof_symbench.c "$OUT/libtracetool.a" -lbpf -lelf -ldw -lz -ljansson -lseccomp -lm ||
	die "building $SYMB failed"

STATS_OLD=""
tt_on_exit '[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"'

echo "== tracetool profile overhead: $(nproc) CPUs, kernel $(uname -r), $(date -u +%FT%TZ)"
echo "   workload: prof_cpu --rounds $WORK (CPU-bound, one thread); $ROUNDS rounds of"
echo "   untraced / profile -F 49 / profile -F 99 (host-wide, no filter), order rotated"
: >"$TT_TMP/none"
: >"$TT_TMP/f49"
: >"$TT_TMP/f99"
r=0
while [ $r -lt "$ROUNDS" ]; do
	case $((r % 3)) in
	0) order="none f49 f99" ;;
	1) order="f49 f99 none" ;;
	*) order="f99 none f49" ;;
	esac
	for cfg in $order; do
		case $cfg in
		none) run_work >>"$TT_TMP/none" ;;
		f49) start_tracer 49; run_work >>"$TT_TMP/f49"; stop_tracer ;;
		f99) start_tracer 99; run_work >>"$TT_TMP/f99"; stop_tracer ;;
		esac
	done
	r=$((r + 1))
done
echo "   per run, wall seconds / workload CPU seconds:"
for cfg in none f49 f99; do
	echo "     $cfg: $(awk '{ printf "%s/%s ", $1, $2 }' "$TT_TMP/$cfg")"
done
for col in 1 2; do
	base=$(median $col <"$TT_TMP/none")
	m49=$(median $col <"$TT_TMP/f49")
	m99=$(median $col <"$TT_TMP/f99")
	[ $col = 1 ] && what="wall" || what="CPU "
	awk -v b="$base" -v a="$m49" -v c="$m99" -v w="$what" 'BEGIN {
		printf "   median %s: untraced %.4f s | -F 49 %.4f s (%+.2f %%) | -F 99 %.4f s (%+.2f %%)   target <= 1 %%\n",
			w, b, a, 100 * (a - b) / b, c, 100 * (c - b) / b }'
done

echo "== BPF program cost per sample (kernel.bpf_stats_enabled=1 for this run only)"
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
start_tracer 99
run_work >/dev/null
stats=$(prog_stats "$TRACER")
stop_tracer
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
STATS_OLD=""
if [ -n "$stats" ]; then
	echo "$stats" | awk '{ per = $1 ? $2 / $1 : 0;
		printf "   %d samples, %.0f ns per sample (stack walks included)\n", $1, per;
		printf "   = %.4f %% of one CPU at 49 Hz, %.4f %% at 99 Hz (per CPU sampled)\n",
			100 * per * 49 / 1e9, 100 * per * 99 / 1e9 }'
else
	echo "   (no run statistics: bpftool could not show the program)"
fi

echo "== symbolization throughput (prof_symbench $NADDR: random addresses in the"
echo "   executable mappings of its own process: itself, libc, libdw, libelf, ...)"
"$SYMB" "$NADDR" | sed 's/^/   /'
echo "   the same against a PIE built with symbols (prof_cpu, running):"
"$CPU" 3 2>/dev/null &
cpid=$!
sleep 0.3
"$SYMB" "$NADDR" "$cpid" | sed 's/^/   /'
wait "$cpid"
