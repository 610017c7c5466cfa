#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tracetool compare's cost: two bundles of 10 runs x 500 series (synthetic
# log-normal latencies, tests/compare/mkbundle.py, 200 samples a series a
# run), compared with the default gate (4 statistics a series: 2,000 exact
# tests each way); prints wall time and peak RSS of each of 3 compares.
# Then profiles: two bundles of 10 runs of a cpu profile of 5,000 stacks
# 7-42 frames deep over 2,002 function names (values 1-50 samples, 10 %
# run-to-run noise), compared with the default gate (inclusive and self of
# every function over 1 % of the profile) and --flamegraph.
# Prints figures, asserts nothing.
TT=${TT:-build/tracetool}
d=$(mktemp -d "${TMPDIR:-/tmp}/tt-bench-compare.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
series=$(python3 -c 'import json; print(json.dumps({"runs": 10, "series": [
    {"route": "/r%d" % i, "n": 200, "median_ms": 1 + i % 7} for i in range(500)]}))')
python3 tests/compare/mkbundle.py -o "$d/a.json.gz" --seed 1 --synthetic "$series" || exit 1
python3 tests/compare/mkbundle.py -o "$d/b.json.gz" --seed 2 --synthetic "$series" || exit 1
echo "compare: tracetool $("$TT" --version | cut -d' ' -f2), bundles $(wc -c <"$d/a.json.gz") bytes gzipped each"
for i in 1 2 3; do
	/usr/bin/time -f "%e %M" -o "$d/time" "$TT" compare -f json -o "$d/out.json" \
		"$d/a.json.gz" "$d/b.json.gz"
	rc=$?
	set -- $(cat "$d/time")
	echo "compare 10 runs x 500 series: ${1} s, peak RSS $(($2 / 1024)) MiB, exit $rc," \
		"$(jq -r '"\(.family_size) gated tests, \(.verdicts.REGRESSED) REGRESSED"' "$d/out.json")"
done
stacks=$(python3 -c 'import json, random
r = random.Random(5)
st = {}
for i in range(5000):
    st[";".join(["app", "main"] + ["f%d" % r.randint(0, 1999) for _ in range(r.randint(5, 40))])] = r.randint(1, 50)
print(json.dumps({"runs": 10, "stack_noise": 0.1, "stacks": st}))')
echo "$stacks" >"$d/stacks.json"
python3 tests/compare/mkbundle.py -o "$d/pa.json.gz" --seed 3 --synthetic "@$d/stacks.json" || exit 1
python3 tests/compare/mkbundle.py -o "$d/pb.json.gz" --seed 4 --synthetic "@$d/stacks.json" || exit 1
echo "profiles: bundles $(wc -c <"$d/pa.json.gz") bytes gzipped each"
for i in 1 2 3; do
	/usr/bin/time -f "%e %M" -o "$d/time" "$TT" compare -f json -o "$d/out.json" \
		--flamegraph "$d/diff.svg" "$d/pa.json.gz" "$d/pb.json.gz"
	rc=$?
	set -- $(cat "$d/time")
	echo "compare 10 runs x 5,000 stacks: ${1} s, peak RSS $(($2 / 1024)) MiB, exit $rc," \
		"$(jq -r '"\(.profile_family_size) tests of functions, \(.untested_functions) untested, \(.verdicts.REGRESSED) REGRESSED"' "$d/out.json")," \
		"SVG $(wc -c <"$d/diff.svg") bytes"
done
