#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tracetool compare on real recordings: req_server's /slow route gains a
# fixed 2 ms in the candidate (--slow-us 1000 vs 3000), traced on the server
# side, 6 runs a side interleaved (base, cand, base, ...: drift hits both),
# 2,080 /slow requests per run from 8 parallel clients.  /slow's p50 and p99
# must be REGRESSED with the estimated ratio within 10 % of the truth (the
# base median + 2 ms over the base median), /fast and /users/:id not; exit 1;
# the JUnit failure count equals the REGRESSED count.
# The bundle is built from per-run `requests -f json` reports by
# tests/compare/mkbundle.py (the shape `tracetool record` writes).
. "$(dirname "$0")/lib.sh"

SRV=$WL/req_server
CLI=$WL/req_client
PORT=19960		# this file's ports: 19960-19969
RUNS=6
CLIENTS=8
PER=260			# /slow requests per client per run: 8 x 260 = 2,080
CHECKS="compare_live_runs compare_live_exit compare_live_slow compare_live_ratio_p50
compare_live_ratio_p99 compare_live_others compare_live_junit"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if ! command -v python3 >/dev/null || [ ! -x "$SRV" ] || [ ! -x "$CLI" ]; then
	skip_all "python3 and the workloads (make all) are needed" $CHECKS
	exit 0
fi
d=$TT_TMP
M=http_server_request_duration_seconds

# one_run N US: run N with /slow taking US microseconds, report in $d/run-N.json
one_run() {
	cat >"$d/run-$1.sh" <<EOF
"$SRV" --port $PORT --conns $CLIENTS --slow-us $2 --timeout 60 &
i=0
while [ \$i -lt $CLIENTS ]; do
	"$CLI" --port $PORT --req GET:/slow:$PER --req GET:/fast:$PER --req GET:/users/7:$PER >/dev/null &
	i=\$((i + 1))
done
wait
EOF
	timeout -k 5 120 "$TT" requests -f json -o "$d/run-$1.json" -- sh "$d/run-$1.sh" \
		2>"$d/err-$1"
}

bases="" cands="" n=0 why=""
while [ $n -lt $RUNS ]; do
	one_run b$n 1000 || why="base run $n: exit $?: $(head -c 200 "$d/err-b$n")"
	one_run c$n 3000 || why="cand run $n: exit $?: $(head -c 200 "$d/err-c$n")"
	bases="$bases $d/run-b$n.json"
	cands="$cands $d/run-c$n.json"
	n=$((n + 1))
done
if [ -n "$why" ]; then
	fail_all "$why" $CHECKS
	exit 0
fi
counts=$(for f in $bases $cands; do tt_series "$f" $M '{"http_route":"/slow"}' | jq 'map(.count) | add'; done | sort -u | tr '\n' ' ')
check_eq compare_live_runs "/slow requests per run (all 12 runs)" "$((CLIENTS * PER)) " "$counts"

# shellcheck disable=SC2086
python3 tests/compare/mkbundle.py -o "$d/rec.json.gz" $bases --interleave $cands
cat >"$d/gate.json" <<EOF
{"rules": [{"metric": "$M", "statistic": "p50"}, {"metric": "$M", "statistic": "p99"},
           {"metric": "$M", "statistic": "mean"}]}
EOF
"$TT" compare --gate "$d/gate.json" -f json -o "$d/cmp.json" "$d/rec.json.gz" 2>"$d/cmp.err"
rc=$?
"$TT" compare --gate "$d/gate.json" -v "$d/rec.json.gz" >"$d/cmp.txt" 2>&1
check_eq compare_live_exit "exit status" 1 $rc "$(cat "$d/cmp.err")"
v() {
	jq -r --arg r "$1" --arg s "$2" '[.results[] | select(.labels.http_route == $r and .statistic == $s) |
		.verdict] | join(",")' "$d/cmp.json"
}
check_eq compare_live_slow "/slow p50, p99" "REGRESSED REGRESSED" "$(v /slow p50) $(v /slow p99)" \
	"$(grep /slow "$d/cmp.txt" | tr -s ' ' | head -3)"
# estimated ratio / true ratio; the truth: the base median + 2 ms over the base median
ratio() {
	jq -r --arg s "$1" '.results[] | select(.labels.http_route == "/slow" and .statistic == $s) |
		((1 + .change) / ((.base.median + 0.002) / .base.median))' "$d/cmp.json"
}
check_range compare_live_ratio_p50 "/slow p50 estimated/true ratio" 0.9 1.1 "$(ratio p50)"
check_range compare_live_ratio_p99 "/slow p99 estimated/true ratio" 0.9 1.1 "$(ratio p99)"
others=$(jq -r '[.results[] | select(.labels.http_route != "/slow")] |
	"\(length) \([.[] | select(.verdict == "REGRESSED") | "\(.labels.http_route) \(.statistic)"] | join(","))"' "$d/cmp.json")
check_eq compare_live_others "results of /fast and /users/:id, REGRESSED among them" "6 " "$others" \
	"$(grep -v /slow "$d/cmp.txt" | head -8)"
"$TT" compare --gate "$d/gate.json" -f junit -o "$d/j.xml" "$d/rec.json.gz" 2>/dev/null
xml_ok=y
if command -v xmllint >/dev/null; then
	xmllint --noout "$d/j.xml" 2>/dev/null || xml_ok=n
fi
check_eq compare_live_junit "xmllint ok, <failure> count = REGRESSED" "y $(jq .verdicts.REGRESSED "$d/cmp.json")" \
	"$xml_ok $(grep -c '<failure ' "$d/j.xml")"
cp "$d/cmp.txt" /tmp/cmp/live_cmp.txt 2>/dev/null
exit 0
