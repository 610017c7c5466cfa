#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tracetool compare on real recordings: req_server's /slow route gains a
# fixed 2 ms in the candidate (--slow-us 1000 vs 3000), traced on the server
# side, 6 runs a side interleaved (base, cand, base, ...: drift hits both),
# 2,080 /slow requests per run from 8 parallel clients.  /slow's p50 and p99
# must be REGRESSED with the estimated ratio within 10 % of the truth (the
# base median + 2 ms over the base median), /fast and /users/:id not; exit 1;
# the JUnit failure count equals the REGRESSED count.  /flaky answers 500 to
# every 10th request in the candidate (--fail-every 10), never in the base:
# its error_ratio REGRESSED by 10 points, the other routes' (no errors in any
# run) SAME.  Recorded by `tracetool record requests --interleave`.
# Profiles: prof_cpu --rounds 600 against the same with prof_cold doing
# twice the work (--cold-factor 2), `record profile -F 999`, 6 runs a side
# interleaved: prof_cold's inclusive and self samples per run REGRESSED
# (about +100 %), prof_hot's SAME, no other function's self REGRESSED; the
# --flamegraph SVG passes xmllint with prof_cold red and prof_hot grey.
. "$(dirname "$0")/lib.sh"

SRV=$WL/req_server
CLI=$WL/req_client
PORT=19960		# this file's ports: 19960-19969
RUNS=6
CLIENTS=8
PER=260			# /slow requests per client per run: 8 x 260 = 2,080
FLAKY=100		# /flaky requests per client per run: 800, 80 failing in the candidate
CHECKS="compare_live_runs compare_live_exit compare_live_slow compare_live_ratio_p50
compare_live_ratio_p99 compare_live_others compare_live_junit compare_live_error_ratio
compare_live_prof_exit compare_live_prof_cold compare_live_prof_cold_change compare_live_prof_hot
compare_live_prof_self
compare_live_prof_svg"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$SRV" ] || [ ! -x "$CLI" ] || [ ! -x "$WL/prof_cpu" ]; then
	skip_all "the workloads are missing: run make all" $CHECKS
	exit 0
fi
d=$TT_TMP
M=http_server_request_duration_seconds

# run-US.sh: one run's workload, /slow taking US microseconds
for us in 1000 3000; do
	fail=0
	[ $us = 3000 ] && fail=10
	cat >"$d/run-$us.sh" <<EOF
"$SRV" --port $PORT --conns $CLIENTS --slow-us $us --fail-every $fail --timeout 60 &
i=0
while [ \$i -lt $CLIENTS ]; do
	"$CLI" --port $PORT --req GET:/slow:$PER --req GET:/fast:$PER --req GET:/users/7:$PER \
		--req GET:/flaky:$FLAKY >/dev/null &
	i=\$((i + 1))
done
wait
EOF
done
timeout -k 5 300 "$TT" record requests --runs $RUNS -o "$d/rec.json.gz" \
	--interleave "sh $d/run-3000.sh" -- sh "$d/run-1000.sh" 2>"$d/rec.err"
rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record exited $rc: $(head -c 300 "$d/rec.err" | tr '\n' ' ')" $CHECKS
	exit 0
fi
counts=$(gzip -dc "$d/rec.json.gz" | jq -r --arg m $M '[.runs[] | [.report.metrics[] | select(.name == $m) |
	.series[] | select(.labels.http_route == "/slow") | .count] | add] | unique | map(tostring) | join(",")')
check_eq compare_live_runs "/slow requests per run (all 12 runs)" "$((CLIENTS * PER))" "$counts"

cat >"$d/gate.json" <<EOF
{"rules": [{"metric": "$M", "labels": {"http_route": "/flaky"}, "statistic": "p50", "ignore": true},
           {"metric": "$M", "labels": {"http_route": "/flaky"}, "statistic": "mean", "ignore": true},
           {"metric": "$M", "statistic": "p50"}, {"metric": "$M", "statistic": "p99"},
           {"metric": "$M", "statistic": "mean"}, {"metric": "$M", "statistic": "error_ratio"}]}
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
others=$(jq -r '[.results[] | select(.labels.http_route != "/slow" and .labels.http_route != "/flaky" and
	.statistic != "error_ratio")] |
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
er=$(jq -r '[.results[] | select(.statistic == "error_ratio") | "\(.labels.http_route)=\(.verdict)"] |
	sort | join(" ")' "$d/cmp.json")
erc=$(jq -r '.results[] | select(.statistic == "error_ratio" and .labels.http_route == "/flaky") |
	"\(.base.median) \(.candidate.median)"' "$d/cmp.json")
check_eq compare_live_error_ratio "error_ratio verdicts; /flaky's base and candidate medians" \
	"/fast=SAME /flaky=REGRESSED /slow=SAME /users/:id=SAME 0 0.1" "$er $erc" \
	"$(grep error_ratio "$d/cmp.txt" | tr -s ' ')"

# --- profiles ---
timeout -k 5 300 "$TT" record profile -F 999 --runs $RUNS -o "$d/prof.json.gz" \
	--interleave "$WL/prof_cpu --rounds 600 --cold-factor 2" -- "$WL/prof_cpu" --rounds 600 \
	>"$d/prec.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	fail_all "record profile exited $rc: $(tail -c 300 "$d/prec.out" | tr '\n' ' ')" \
		compare_live_prof_exit compare_live_prof_cold compare_live_prof_cold_change compare_live_prof_hot \
		compare_live_prof_self compare_live_prof_svg
	exit 0
fi
"$TT" compare -f json -o "$d/prof.json" --flamegraph "$d/prof.svg" "$d/prof.json.gz" 2>"$d/pcmp.err"
rc=$?
"$TT" compare -v "$d/prof.json.gz" >"$d/prof.txt" 2>&1
check_eq compare_live_prof_exit "exit status" 1 $rc "$(cat "$d/pcmp.err")"
pv() {
	jq -r --arg f "$1" --arg s "$2" '[.results[] | select(.labels.function == $f and .statistic == $s) |
		.verdict] | join(",")' "$d/prof.json"
}
pc() {
	jq -r --arg f "$1" --arg s "$2" '.results[] | select(.labels.function == $f and .statistic == $s) |
		.change' "$d/prof.json"
}
check_eq compare_live_prof_cold "prof_cold inclusive, self" "REGRESSED REGRESSED" \
	"$(pv prof_cold inclusive) $(pv prof_cold self)" "$(grep -E 'prof_(cold|hot)' "$d/prof.txt" | tr -s ' ')"
check_range compare_live_prof_cold_change "prof_cold inclusive change (twice the work)" 0.7 1.3 \
	"$(pc prof_cold inclusive)"
check_eq compare_live_prof_hot "prof_hot inclusive, self" "SAME SAME" \
	"$(pv prof_hot inclusive) $(pv prof_hot self)" "$(grep prof_hot "$d/prof.txt" | tr -s ' ')"
check_eq compare_live_prof_self "functions whose self REGRESSED" prof_cold \
	"$(jq -r '[.results[] | select(.statistic == "self" and .verdict == "REGRESSED") | .labels.function] |
		join(",")' "$d/prof.json")"
xml_ok=y
if command -v xmllint >/dev/null; then
	xmllint --noout "$d/prof.svg" 2>/dev/null || xml_ok=n
fi
fill() {
	grep -o "data-n=\"$1\"><title>[^<]*</title><rect [^>]*fill=\"[^\"]*\"" "$d/prof.svg" |
		sed 's/.*fill="\([^"]*\)"/\1/' | sort -u | tr '\n' ' '
}
cold=$(fill prof_cold)
hot=$(fill prof_hot)
red=n
case "$cold" in "rgb(255,"*) [ "${cold#*,}" != "255,255) " ] && red=y ;; esac
check_eq compare_live_prof_svg "xmllint, prof_cold red, prof_hot grey" "y y rgb(190,190,190) " \
	"$xml_ok $red $hot" "prof_cold: $cold"
exit 0
