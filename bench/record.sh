#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The cost of `tracetool record`'s runs: wall time of one traced run of
# `true` against `record --runs N` of it, per tracer (median of BENCH_ROUNDS
# rounds): the tracers load once, so (record - single) / (N - 1) is what a
# run costs beyond the first (relaunch, snapshot); and the size of the
# bundle, plain and gzip-compressed.
#
# Prints figures; never asserts on them.  Holds /tmp/tt-live.lock while it
# measures.  Environment: BENCH_ROUNDS [3], RUNS [10], TRACERS [syscalls
# requests], OUT [build].
. "$(dirname "$0")/lock.sh"
bench_exclusive "$0" "$@"
if [ "${TT_LIVE_LOCKED:-}" != 1 ]; then
	exec env TT_LIVE_LOCKED=1 flock /tmp/tt-live.lock sh "$0" "$@"
fi
OUT=${OUT:-build}
TT=$OUT/tracetool
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${RUNS:-10}
TMP=$(mktemp -d /tmp/tt-bench-record.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "tracetool $("$TT" --version | cut -d' ' -f2), $(nproc) CPUs, $RUNS runs per recording, median of $ROUNDS"
for t in ${TRACERS:-syscalls requests}; do
	: >"$TMP/one"; : >"$TMP/rec"
	for r in $(seq "$ROUNDS"); do
		s=$(now); "$TT" "$t" -f json -o "$TMP/one.json" -- true || exit 1; e=$(now)
		echo "$e - $s" | bc >>"$TMP/one"
		s=$(now); "$TT" record "$t" --runs "$RUNS" -o "$TMP/rec.json" -- true || exit 1; e=$(now)
		echo "$e - $s" | bc >>"$TMP/rec"
	done
	one=$(median <"$TMP/one"); rec=$(median <"$TMP/rec")
	printf '%-9s one run %.3f s, record --runs %d %.3f s, per run %.3f s, each run after the first %.3f s\n' \
		"$t" "$one" "$RUNS" "$rec" "$(echo "$rec / $RUNS" | bc -l)" \
		"$(echo "($rec - $one) / ($RUNS - 1)" | bc -l)"
	printf '%-9s bundle %d bytes, gzip -6 %d bytes\n' "$t" "$(wc -c <"$TMP/rec.json")" \
		"$(gzip -6c "$TMP/rec.json" | wc -c)"
done
