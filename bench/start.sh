#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Start-up of one and of several tracers in one process: process start to
# attached, the time of each tracer's open, load and attach, resident
# memory once attached (VmRSS) and its peak (VmHWM), from `--dry-run -v`
# (median of BENCH_RUNS runs per tracer set), and, as calibration, libbpf's
# parse of the kernel BTF alone (bench/btf_parse.c), which every BPF object
# repeats during its load.  A tracer's load is: kernel BTF parse, CO-RE
# relocation, map creation and the verifier.
#
# Prints figures; never asserts on them.  Holds /tmp/tt-live.lock while it
# measures (other engineers' live tests trace the whole host; about 20 s).
#
# Environment: BENCH_RUNS [9], OUT [build].
. "$(dirname "$0")/lock.sh"
bench_exclusive "$0" "$@"
if [ "${TT_LIVE_LOCKED:-}" != 1 ]; then
	exec env TT_LIVE_LOCKED=1 flock /tmp/tt-live.lock sh "$0" "$@"
fi

OUT=${OUT:-build}
TT=$OUT/tracetool
RUNS=${BENCH_RUNS:-9}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

die() { echo "bench/start.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (loads BPF programs)"
[ -x "$TT" ] || die "$TT is missing: run make"
mkdir -p "$OUT/bench"
gcc -O2 -Wall -Wextra -Werror -o "$OUT/bench/btf_parse" bench/btf_parse.c -lbpf ||
	die "building bench/btf_parse.c failed"

echo "tracetool $("$TT" --version | cut -d' ' -f2) on $(uname -r), $(nproc) CPUs; median of $RUNS runs"

# median: the middle value of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

for i in $(seq "$RUNS"); do
	"$OUT/bench/btf_parse"
done >"$TMP/btf"
printf 'kernel BTF parse (libbpf, once per object): %s ms, resident peak %s kB\n' \
	"$(awk '{ print $2 }' "$TMP/btf" | median)" "$(awk '{ print $6 }' "$TMP/btf" | median)"

for set in "syscalls" "tcp" "requests" "syscalls tcp requests"; do
	: >"$TMP/runs"
	for i in $(seq "$RUNS"); do
		# shellcheck disable=SC2086
		"$TT" $set --dry-run -v >/dev/null 2>"$TMP/err" ||
			die "tracetool $set --dry-run failed: $(head -c 300 "$TMP/err")"
		grep -v '^libbpf' "$TMP/err" >>"$TMP/runs"
	done
	echo
	echo "== $set"
	for t in $set; do
		grep "^tracetool $t: hook" "$TMP/runs" | grep ' open ' >"$TMP/t"
		printf '  %-9s open %s ms, load %s ms, attach %s ms\n' "$t" \
			"$(sed -n 's/.* open \([0-9.]*\) ms.*/\1/p' "$TMP/t" | median)" \
			"$(sed -n 's/.* load \([0-9.]*\) ms.*/\1/p' "$TMP/t" | median)" \
			"$(sed -n 's/.* attach \([0-9.]*\) ms.*/\1/p' "$TMP/t" | median)"
	done
	grep "attached at" "$TMP/runs" >"$TMP/tot"
	printf '  start -> attached %s ms (range %s-%s), resident after attach %s kB, peak %s kB\n' \
		"$(sed -n 's/.*attached at \([0-9.]*\) ms.*/\1/p' "$TMP/tot" | median)" \
		"$(sed -n 's/.*attached at \([0-9.]*\) ms.*/\1/p' "$TMP/tot" | sort -n | head -1)" \
		"$(sed -n 's/.*attached at \([0-9.]*\) ms.*/\1/p' "$TMP/tot" | sort -n | tail -1)" \
		"$(sed -n 's/.* rss \([0-9]*\) kB.*/\1/p' "$TMP/tot" | median)" \
		"$(sed -n 's/.* peak \([0-9]*\) kB.*/\1/p' "$TMP/tot" | median)"
done
