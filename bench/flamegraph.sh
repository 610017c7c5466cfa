#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Rendering speed of `tracetool flamegraph` (no root, no BPF).
#
# Generates a synthetic folded file (BENCH_LINES lines, default 100000, from
# awk with a fixed seed: 5 commands, 5 to 34 frames deep, function names
# drawn with a skewed popularity per level so prefixes are shared as in real
# profiles, a third of the stacks ending in kernel frames), then renders it
# BENCH_RUNS times (default 5) and prints the median wall time, stacks per
# second, peak resident memory and output size, for the default
# --min-width 0.1 and for --min-width 0 (every frame drawn), and for a
# differential graph of the file against a second, shifted one.
#
# Runs under `flock /tmp/tt-bench.lock` so it never overlaps another
# benchmark on this machine; prints figures, never fails on them.
#
#   sh bench/flamegraph.sh [OUT]      (OUT: build directory, default build)
set -u
OUT=${1:-build}
TT=$OUT/tracetool
LINES=${BENCH_LINES:-100000}
RUNS=${BENCH_RUNS:-5}

. "$(dirname "$0")/lock.sh"
bench_exclusive "$0" "$@"
if [ ! -x "$TT" ]; then
	echo "bench/flamegraph.sh: $TT is missing: run make" >&2
	exit 1
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/tt-flame-bench.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT

gen() {	# gen SEED: LINES folded lines on stdout
	awk -v n="$LINES" -v seed="$1" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			s = "app" (i % 5)
			depth = 5 + int(rand() * 30)
			for (l = 0; l < depth; l++) {
				r = rand()
				s = s ";mod" (l % 7) "::func_" l "_" int(r * r * r * (2 + l * 4))
			}
			if (rand() < 0.33) {
				s = s ";entry_SYSCALL_64_[k];do_syscall_64_[k]"
				s = s ";ksys_" int(rand() * 12) "_[k]"
			}
			print s, 1 + int(rand() * rand() * 100)
		}
	}'
}
gen 1 >"$D/a.folded"
gen 2 >"$D/b.folded"

# run NAME ARGS...: median wall seconds, peak RSS and output size of RUNS runs
run() {
	name=$1
	shift
	: >"$D/times"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %M' -o "$D/t" "$TT" flamegraph -o "$D/out.svg" "$@" || exit 1
		cat "$D/t" >>"$D/times"
		i=$((i + 1))
	done
	med=$(sort -n "$D/times" | awk '{ t[NR] = $1; m[NR] = $2 } END { print t[int((NR + 1) / 2)] }')
	rss=$(sort -k2 -n "$D/times" | tail -1 | awk '{ printf "%.1f", $2 / 1024 }')
	size=$(wc -c <"$D/out.svg")
	frames=$(grep -c '^<g class="f"' "$D/out.svg")
	elided=$(sed -n 's/.*; \([0-9]*\) frames.* not drawn<.*/\1/p' "$D/out.svg")
	awk -v name="$name" -v med="$med" -v n="$LINES" -v rss="$rss" -v size="$size" \
		-v fr="$frames" -v el="$elided" 'BEGIN {
		printf "%-28s %7.3f s  %9.0f stacks/s  peak RSS %6s MB  SVG %7.2f MB  %6d frames drawn, %7d elided\n",
			name, med, (med > 0 ? n / med : 0), rss, size / 1048576, fr, el }'
}

distinct=$(cut -d' ' -f1 "$D/a.folded" | sort -u | wc -l)
echo "input: $LINES lines ($distinct distinct stacks), $(wc -c <"$D/a.folded") bytes;" \
	"median of $RUNS runs; $(nproc) CPUs; kernel $(uname -r)"
run "default (--min-width 0.1)" "$D/a.folded"
run "--min-width 0 (all frames)" --min-width 0 "$D/a.folded"
run "--diff (two inputs)" --diff "$D/b.folded" "$D/a.folded"
