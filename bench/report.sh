#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Speed of `tracetool report` (no root, no BPF): reading, validating,
# merging and rendering saved JSON reports.
#
# Builds a report from the golden one (tests/unit/golden/report.json) with
# BENCH_SERIES latency series (default 20000, each with the golden "read"
# histogram's 4 buckets) and as many error counter series, then times
# BENCH_RUNS runs (default 5) of: read + write JSON, read + write text, and
# two copies merged into JSON; prints the median wall time, series per
# second and peak resident memory.
#
# Runs under `flock /tmp/tt-bench.lock` so it never overlaps another
# benchmark on this machine; prints figures, never fails on them.
#
#   sh bench/report.sh [OUT]      (OUT: build directory, default build)
set -u
OUT=${1:-build}
TT=$OUT/tracetool
N=${BENCH_SERIES:-20000}
RUNS=${BENCH_RUNS:-5}

. "$(dirname "$0")/lock.sh"
bench_exclusive "$0" "$@"
if [ ! -x "$TT" ] || ! command -v jq >/dev/null 2>&1; then
	echo "bench/report.sh: needs $TT (run make) and jq" >&2
	exit 1
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/tt-report-bench.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT

jq --argjson n "$N" '
	.metrics[0].series[0] as $h | .metrics[1].series[0] as $c |
	.metrics[0].series = [range($n) as $i | $h | .labels = {syscall: "read", tid: ($i | tostring)}] |
	.metrics[1].series = [range($n) as $i | $c | .labels = {syscall: "read", tid: ($i | tostring), errno: "EAGAIN"}]
	' tests/unit/golden/report.json >"$D/a.json" || exit 1

# run NAME SERIES ARGS...: median wall seconds and peak RSS of RUNS runs
run() {
	name=$1
	nser=$2
	shift 2
	: >"$D/times"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %M' -o "$D/t" "$TT" report -o "$D/out" "$@" || exit 1
		cat "$D/t" >>"$D/times"
		i=$((i + 1))
	done
	med=$(sort -n "$D/times" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
	rss=$(sort -k2 -n "$D/times" | tail -1 | awk '{ printf "%.1f", $2 / 1024 }')
	awk -v name="$name" -v med="$med" -v n="$nser" -v rss="$rss" 'BEGIN {
		printf "%-34s %7.3f s  %9.0f series/s  peak RSS %6s MB\n",
			name, med, (med > 0 ? n / med : 0), rss }'
}

echo "input: $((2 * N)) series ($N histograms, $N counters), $(wc -c <"$D/a.json") bytes;" \
	"median of $RUNS runs; $(nproc) CPUs"
run "read + write JSON" $((2 * N)) -f json "$D/a.json"
run "read + write text (--top 20)" $((2 * N)) --top 20 "$D/a.json"
run "two reports merged, JSON" $((4 * N)) -f json "$D/a.json" "$D/a.json"
