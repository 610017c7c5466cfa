#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Throughput benchmark of `tracetool requests` (run by `make bench`).
#
# nginx (Debian nginx-light, its own configuration on 127.0.0.1:19100, one
# worker, access log off) serves a small response to wrk (1 thread, 32
# keep-alive connections).  Runs alternate untraced / traced (tracetool
# requests -p <nginx master and worker>) in ROUNDS rounds, so drift hits both
# alike.  For each run: wrk's requests per second, and the CPU time of the
# whole machine (/proc/stat, all CPUs, including tracetool's own user-space
# work) per request, and the CPU time of the tracetool process itself (user
# space: draining, route normalisation, aggregation).  Prints the medians, throughput kept (traced/untraced)
# and the CPU added per request, and the same from each round's pair of runs
# (median of the per-round ratios and differences: robust to drift between
# rounds on a shared machine); for each traced run, tracetool's request
# count against wrk's (it must have been tracing during the whole run).
#
# It prints figures and never fails on them; it fails only on a broken
# setup.  Under `flock /tmp/tt-bench.lock` so benchmarks never overlap; about
# 1 minute with the defaults.  Every wait is bounded.
#
# Environment knobs: BENCH_ROUNDS [8], BENCH_SECONDS [4] (wrk -d), OUT [build],
# BENCH_MODE [nginx]: `host` traces the whole host (no -p filter) under
# `wrk -t2 -c16`, the issue's host-wide figure (tracetool's count then takes
# in whatever else the host serves), HOOK (tracetool --hook: tp_btf, the
# socket path, or tracepoint, the syscall fallback; empty: tracetool's choice).
# BENCH_TRACER [tracetool]: `floor` runs the traced rounds under empty
# programs on the same socket-path hooks instead (bench/requests_floor.bpf.c,
# calibration only): the throughput kept and CPU added by the hooks'
# dispatch alone, the floor of any tracer on them (no count, no BPF line).

set -u
cd "$(dirname "$0")/.." || exit 1

OUT=${OUT:-build}
ROUNDS=${BENCH_ROUNDS:-8}
SECS=${BENCH_SECONDS:-4}
PORT=19100
MODE=${BENCH_MODE:-nginx}
HOOK_OPT=${HOOK:+--hook $HOOK}	# not HOOK itself: bench_exclusive re-runs this script with its environment
case $MODE in
nginx) WRK_ARGS="-t1 -c32" ;;
host) WRK_ARGS="-t2 -c16" ;;
*) echo "bench/requests.sh: BENCH_MODE is nginx or host" >&2; exit 2 ;;
esac
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
TRACER_KIND=${BENCH_TRACER:-tracetool}
case $TRACER_KIND in
tracetool | floor) ;;
*) echo "bench/requests.sh: BENCH_TRACER is tracetool or floor" >&2; exit 2 ;;
esac

. bench/lock.sh
. bench/nginx.sh
. bench/tracer.sh
bench_exclusive "$0" "$@"
for t in "$NGINX" wrk "$OUT/tracetool"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench/requests.sh: $t is missing (scripts/deps.sh installs nginx-light and wrk; make all)" >&2
		exit 1
	fi
done
[ "$(id -u)" -eq 0 ] || { echo "bench/requests.sh: needs root" >&2; exit 1; }

TMP=$(mktemp -d /tmp/tt-req-bench.XXXXXX) || exit 1
chmod 755 "$TMP"
TT=$TMP/tracetool
cp "$OUT/tracetool" "$TT"
if [ "$TRACER_KIND" = floor ]; then
	CLANG=${CLANG:-clang}
	[ -f "$OUT/vmlinux.h" ] && command -v "$CLANG" >/dev/null 2>&1 ||
		{ echo "bench/requests.sh: the floor needs clang and $OUT/vmlinux.h" >&2; rm -rf "$TMP"; exit 1; }
	"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$(uname -m | sed -e "s/x86_64/x86/" -e "s/aarch64/arm64/") -I"$OUT" -Wall \
		-c bench/requests_floor.bpf.c -o "$TMP/floor.bpf.o" &&
		gcc -O2 -Wall -Wextra -Werror -o "$TMP/floor_loader" bench/floor_loader.c -lbpf ||
		{ echo "bench/requests.sh: building the floor programs failed" >&2; rm -rf "$TMP"; exit 1; }
fi
MASTER=""
TRACER=""
STATS_OLD=""

cleanup() {
	[ -n "${STATS_OLD:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" 2>/dev/null
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null
	bench_nginx_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_nginx_start bench/requests.sh "$PORT" || exit 1

busy_ticks() {	# all CPUs: user nice system irq softirq steal
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# run_wrk: one wrk run; sets RPS, REQS, CPU_US (machine CPU us per request)
run_wrk() {
	b0=$(busy_ticks)
	wrk $WRK_ARGS -d"$SECS" "http://127.0.0.1:$PORT/api/users/42" >"$TMP/wrk.out" 2>&1
	b1=$(busy_ticks)
	REQS=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$TMP/wrk.out")
	RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk.out")
	CPU_US=$(awk -v t=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v n="$REQS" \
		'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
}

# what tracetool traces: nginx only, or (host mode) every process
if [ "$MODE" = host ]; then FILTER=""; else FILTER="-p $PIDS_CSV"; fi
echo "nginx $($NGINX -v 2>&1 | sed 's/.*\///'), wrk $WRK_ARGS -d${SECS}s, $ROUNDS rounds, $(nproc) CPUs, $(uname -r), mode $MODE ${HOOK_OPT:-}, traced by $TRACER_KIND"
echo "run        req/s      CPU us/req  tracetool count / wrk count"
: >"$TMP/untraced"
: >"$TMP/traced"
: >"$TMP/pairs"
r=1
while [ $r -le "$ROUNDS" ]; do
	run_wrk
	echo "untraced   $RPS  $CPU_US"
	echo "$RPS $CPU_US" >>"$TMP/untraced"
	U_RPS=$RPS
	U_CPU=$CPU_US

	if [ "$TRACER_KIND" = floor ]; then
		"$TMP/floor_loader" "$TMP/floor.bpf.o" 2>/dev/null &
	else
		# shellcheck disable=SC2086
		"$TT" requests $HOOK_OPT $FILTER -f json -o "$TMP/report.json" &
	fi
	TRACER=$!
	bench_tracer_wait "$TRACER" || { echo "bench/requests.sh: $TRACER_KIND did not attach" >&2; exit 1; }
	c0=$(awk '{ print $14 + $15 }' /proc/$TRACER/stat)
	run_wrk
	c1=$(awk '{ print $14 + $15 }' /proc/$TRACER/stat)
	TT_US=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$REQS" \
		'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
	kill -INT "$TRACER"
	n=0
	while kill -0 "$TRACER" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	wait "$TRACER" 2>/dev/null
	TRACER=""
	got=n/a
	[ "$TRACER_KIND" = floor ] ||
		got=$(jq '[.metrics[] | select(.name == "http_server_request_duration_seconds") | .series[].count] | add // 0' \
			"$TMP/report.json" 2>/dev/null)
	echo "traced     $RPS  $CPU_US   $got / $REQS   (tracetool process: $TT_US us/req)"
	echo "$RPS $CPU_US" >>"$TMP/traced"
	awk -v u="$U_RPS" -v t="$RPS" -v uc="$U_CPU" -v tc="$CPU_US" \
		'BEGIN { printf "%.4f %.3f\n", t / u, tc - uc }' >>"$TMP/pairs"
	r=$((r + 1))
done

# One more traced run with kernel.bpf_stats_enabled (restored after): the
# BPF programs' own run time per request, a figure far less noisy than
# throughput on a shared machine.
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo "")
BPF_NS=""
if [ "$TRACER_KIND" = tracetool ] && [ -n "$STATS_OLD" ] && command -v bpftool >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	"$TT" requests $HOOK_OPT $FILTER -f json -o "$TMP/report.json" &
	TRACER=$!
	bench_tracer_wait "$TRACER" || { echo "bench/requests.sh: tracetool did not attach" >&2; exit 1; }
	sysctl -qw kernel.bpf_stats_enabled=1
	ids=$(for f in /proc/$TRACER/fdinfo/*; do sed -n 's/^prog_id:[[:space:]]*\([0-9]*\)$/\1/p' "$f"; done |
		sort -un | tr '\n' ',' | sed 's/,$//')
	bpftool -j prog show >"$TMP/progs0.json"
	run_wrk
	bpftool -j prog show >"$TMP/progs1.json"
	before=$(jq --argjson ids "[$ids]" \
		'[.[] | select(.id as $i | any($ids[]; . == $i)) | .run_time_ns // 0] | add // 0' "$TMP/progs0.json")
	after=$(jq --argjson ids "[$ids]" \
		'[.[] | select(.id as $i | any($ids[]; . == $i)) | .run_time_ns // 0] | add // 0' "$TMP/progs1.json")
	# per program: runs per request and ns per run (where the BPF time goes)
	PER_PROG=$(jq -r -n --argjson ids "[$ids]" --argjson n "$REQS" \
		--slurpfile a "$TMP/progs0.json" --slurpfile b "$TMP/progs1.json" '
		[$b[0][] | select(.id as $i | any($ids[]; . == $i))] as $after |
		$after[] | . as $p | ($a[0][] | select(.id == $p.id)) as $q |
		(($p.run_cnt // 0) - ($q.run_cnt // 0)) as $runs | select($runs > 0) |
		"  \($p.name): \($runs / $n * 100 | round / 100) runs/req, \((($p.run_time_ns // 0) - ($q.run_time_ns // 0)) / $runs | round) ns/run"')
	sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
	kill -INT "$TRACER"
	wait "$TRACER" 2>/dev/null
	TRACER=""
	BPF_NS=$(awk -v a="$after" -v b="$before" -v n="$REQS" 'BEGIN { printf "%.0f", (a - b) / n }')
fi

median() {	# median of column $1 of file $2
	sort -n -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
u_rps=$(median 1 "$TMP/untraced")
t_rps=$(median 1 "$TMP/traced")
u_cpu=$(median 2 "$TMP/untraced")
t_cpu=$(median 2 "$TMP/traced")
echo
echo "median untraced: $u_rps req/s, $u_cpu CPU us/req"
echo "median traced:   $t_rps req/s, $t_cpu CPU us/req"
awk -v u="$u_rps" -v t="$t_rps" -v uc="$u_cpu" -v tc="$t_cpu" -v m="$MODE" 'BEGIN {
	printf "throughput kept: %.1f %% (target %s)\n", 100 * t / u, m == "host" ? ">= 90 %" : ">= 95 %, aim 97 %"
	printf "CPU added per request: %.2f us (%.1f %%)\n", tc - uc, 100 * (tc - uc) / uc
}'
[ -n "$BPF_NS" ] && echo "BPF programs' run time (bpf_stats, one more traced run): $BPF_NS ns per request"
[ -n "${PER_PROG:-}" ] && echo "$PER_PROG"
echo "per-round pairs (median): throughput kept $(median 1 "$TMP/pairs" | awk '{ printf "%.1f", 100 * $1 }') %," \
	"CPU added $(median 2 "$TMP/pairs") us/req; kept in each round: $(awk '{ printf "%.0f%% ", 100 * $1 }' "$TMP/pairs")"
