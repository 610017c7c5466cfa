#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Benchmarks of profile's user-space unwinding (--call-graph):
#  1. overhead on a CPU-bound workload: wall and CPU time of a fixed amount
#     of work (build/workloads/prof_cpu --rounds N: built with frame
#     pointers, but Debian's libc is not, so auto copies its stacks) untraced
#     and under a host-wide `tracetool profile` with --call-graph fp, auto
#     and dwarf at 49 and 99 Hz, the configurations rotated in rounds;
#     medians;
#  2. the BPF program's cost per sample, fp against dwarf
#     (kernel.bpf_stats_enabled for those runs only);
#  3. completeness and unwinding rate on Debian's python3 running a
#     pure-Python loop: tracetool (default options) against
#     `perf record --call-graph dwarf` + `perf report` at the same rate:
#     the share of samples whose stack runs from _start through
#     Py_BytesMain, and samples unwound per CPU second.
# perf is a reference here only (skipped when it is not installed).  Take
# /tmp/tt-live.lock around it (it traces the whole host); it prints figures
# and fails only on a broken setup.
#
# Knobs: BENCH_UNW_ROUNDS [3], BENCH_PROF_WORK [600] (about 2 s of CPU),
# BENCH_UNW_HZ [999] (rate of part 3), OUT [build].
set -u
cd "$(dirname "$0")/.." || exit 1

. bench/lock.sh
bench_exclusive "$0" "$@"

OUT=${OUT:-build}
ROUNDS=${BENCH_UNW_ROUNDS:-3}
WORK=${BENCH_PROF_WORK:-600}
HZ=${BENCH_UNW_HZ:-999}
TT=$OUT/tracetool
CPU=$OUT/workloads/prof_cpu
PY=/usr/bin/python3
. tests/live/lib.sh	# tt_bg, tt_bss_ready, tt_stop, tt_fd_ids; cleanup trap
. bench/prof_lib.sh	# start_tracer, stop_tracer, run_work, median, prog_stats

die() {
	echo "bench/profile_unwind.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
[ -x "$TT" ] && [ -x "$CPU" ] || die "run make all first"
[ -x "$PY" ] || die "no $PY (Debian's python3)"

STATS_OLD=""
tt_on_exit '[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"'

CFGS="none fp49 auto49 dwarf49 fp99 auto99 dwarf99"
echo "== profile overhead by --call-graph: $(nproc) CPUs, kernel $(uname -r), $(date -u +%FT%TZ)"
echo "   workload: prof_cpu --rounds $WORK (one thread); $ROUNDS rounds of $CFGS"
echo "   (host-wide profile, no filter), the order rotated each round"
for c in $CFGS; do : >"$TT_TMP/$c"; done
r=0
while [ $r -lt "$ROUNDS" ]; do
	order=$(echo $CFGS | tr ' ' '\n' | awk -v r=$r '{ v[NR] = $0 } END { for (i = 0; i < NR; i++) print v[(i + r) % NR + 1] }')
	for c in $order; do
		case $c in
		none) run_work >>"$TT_TMP/$c" ;;
		*) hz=${c##*[a-z]}; mode=${c%%[0-9]*}
		   start_tracer "$hz" --call-graph "$mode"; run_work >>"$TT_TMP/$c"; stop_tracer ;;
		esac
	done
	r=$((r + 1))
done
for c in $CFGS; do
	echo "     $c: $(awk '{ printf "%s/%s ", $1, $2 }' "$TT_TMP/$c")"
done
for col in 1 2; do
	base=$(median $col <"$TT_TMP/none")
	[ $col = 1 ] && what="wall" || what="CPU "
	line="   median $what: untraced $base s"
	for c in fp49 auto49 dwarf49 fp99 auto99 dwarf99; do
		m=$(median $col <"$TT_TMP/$c")
		line="$line | $c $(awk -v b="$base" -v m="$m" 'BEGIN { printf "%+.2f %%", 100 * (m - b) / b }')"
	done
	echo "$line"
done
echo "   targets: fp <= 1 %; auto and dwarf <= 3 % at 49 Hz"

echo "== BPF program cost per sample (kernel.bpf_stats_enabled=1 for these runs only)"
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
for mode in fp dwarf; do
	start_tracer 99 --call-graph "$mode"
	run_work >/dev/null
	stats=$(prog_stats "$TRACER")
	stop_tracer
	echo "$stats" | awk -v m="$mode" '{ per = $1 ? $2 / $1 : 0;
		printf "   %-5s %d samples, %.0f ns per sample = %.4f %% of a CPU at 49 Hz\n",
			m, $1, per, 100 * per * 49 / 1e9 }'
done
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
STATS_OLD=""

cat >"$TT_TMP/loop.py" <<'EOF'
import time
end = time.monotonic() + 4
x = 0
while time.monotonic() < end:
    for i in range(10000):
        x += i * i
EOF

# py_share MODE FILE: python3's samples from _start through Py_BytesMain in a report
py_share() {
	jq -r --arg m "$1" '[.profiles[0].stacks[] | select(.frames[0] == "python3")] as $s |
		([$s[] | select(.frames[1] == "_start" and (.frames | join(";") | contains(";Py_BytesMain;")) and
			(.frames | index("[truncated]") == null)) | .value] | add // 0) as $ok |
		([$s[].value] | add // 0) as $all |
		"   tracetool --call-graph \($m): \($ok) of \($all) samples from _start through Py_BytesMain (\(if $all > 0 then ($ok / $all * 1000 | round / 10) else 0 end) %)"' "$2"
}

echo "== python3 pure-Python loop, 4 s at $HZ Hz: complete stacks and unwinding rate"
"$PY" "$TT_TMP/loop.py" &
py=$!
# tracetool alone (-p, not -- CMD): its own CPU time, python's left out
/usr/bin/time -f "%U %S" -o "$TT_TMP/tt.time" "$TT" profile -v -F "$HZ" -p "$py" -d 4 -f json \
	-o "$TT_TMP/py.json" 2>"$TT_TMP/tt.err"
wait "$py"
py_share auto "$TT_TMP/py.json"
n=$(sed -n 's/^tracetool profile: unwound \([0-9]*\) user stacks .* in \([0-9.]*\) s CPU.*/\1 \2/p' \
	"$TT_TMP/tt.err")
echo "$n" | awk '{ printf "   tracetool: unwound %d stacks in %.3f s of CPU: %.0f stacks/s (unwinding alone)\n",
	$1, $2, ($2 > 0 ? $1 / $2 : 0) }'
awk -v n="${n%% *}" '{ printf "   tracetool: whole process %.2f s user + %.2f s system (BPF load, symbolization, report included): %.0f samples/s of CPU\n",
	$1, $2, (($1 + $2) > 0 ? n / ($1 + $2) : 0) }' "$TT_TMP/tt.time"
"$TT" profile -F "$HZ" --call-graph fp -f json -o "$TT_TMP/py_fp.json" -- "$PY" "$TT_TMP/loop.py" \
	2>/dev/null
py_share fp "$TT_TMP/py_fp.json"
if ! command -v perf >/dev/null 2>&1; then
	echo "   (perf is not installed: no reference figures)"
	exit 0
fi
perf record -q -F "$HZ" --call-graph dwarf -o "$TT_TMP/perf.data" -- "$PY" "$TT_TMP/loop.py" \
	>/dev/null 2>&1 || die "perf record failed"
/usr/bin/time -f "%e %U %S" -o "$TT_TMP/perf.time" perf script -i "$TT_TMP/perf.data" \
	-F comm,ip,sym >"$TT_TMP/perf.txt" 2>/dev/null
/usr/bin/time -f "%e %U %S" -o "$TT_TMP/perf_report.time" perf report -i "$TT_TMP/perf.data" \
	--stdio >/dev/null 2>&1
# perf script: a "comm" line, then "ip symbol" per frame, innermost first, then a blank line
awk 'function done() { if (n) { all++; if (last == "_start" && py) ok++ } n = 0; py = 0 }
	/^[^ \t]/ { done(); n = 1; next }
	NF == 0 { done(); next }
	{ last = $2; if ($2 == "Py_BytesMain") py = 1 }
	END { done(); printf "   perf: %d of %d samples from _start through Py_BytesMain (%.1f %%)\n", ok, all, all ? 100 * ok / all : 0;
		print all > "/dev/stderr" }' "$TT_TMP/perf.txt" 2>"$TT_TMP/perf.n"
n=$(cat "$TT_TMP/perf.n")
awk -v n="$n" '{ printf "   perf script: %d samples unwound in %.2f s (%.2f s user + %.2f s system): %.0f samples/s of CPU\n",
	n, $1, $2, $3, (($2 + $3) > 0 ? n / ($2 + $3) : 0) }' "$TT_TMP/perf.time"
awk -v n="$n" '{ printf "   perf report: %d samples in %.2f s (%.2f s user + %.2f s system): %.0f samples/s of CPU\n",
	n, $1, $2, $3, (($2 + $3) > 0 ? n / ($2 + $3) : 0) }' "$TT_TMP/perf_report.time"
