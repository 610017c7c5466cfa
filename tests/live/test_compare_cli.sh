#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tracetool compare on synthetic bundles (tests/compare/mkbundle.py: runs of
# log-normal latencies from a seeded generator, the shape `record` writes):
# a +20 % route REGRESSED and the others SAME (exit 1), A/A exit 0,
# INSUFFICIENT p99 below 2,000 samples a run, --strict and required gates
# (exit 3), added/removed series, --ignore-label, interleaved bundles,
# fingerprints and --same-host, malformed/truncated/mismatched input (exit 2,
# one line), and every output format: JUnit that xmllint accepts with one
# failure per REGRESSED, at most 10 GitHub error lines worst first, markdown
# within 65,536 characters and appended to $GITHUB_STEP_SUMMARY, JSON
# tracetool.compare/v1.  Needs no root.
. "$(dirname "$0")/lib.sh"

MK="python3 tests/compare/mkbundle.py"
if ! command -v python3 >/dev/null || ! command -v jq >/dev/null; then
	skip compare_cli "python3 and jq are needed (scripts/deps.sh installs them)"
	exit 0
fi
d=$TT_TMP
A='{"route":"/a","n":3000,"median_ms":1}'
B='{"route":"/b","n":3000,"median_ms":2}'
C='{"route":"/c","n":1000,"median_ms":3}'
A20='{"route":"/a","n":3000,"median_ms":1,"factor":1.2}'
$MK -o $d/base.json --seed 1 --synthetic "{\"runs\":10,\"series\":[$A,$B,$C]}" &&
$MK -o $d/aa.json.gz --seed 2 --synthetic "{\"runs\":10,\"series\":[$A,$B,$C]}" &&
$MK -o $d/cand.json.gz --seed 3 --synthetic "{\"runs\":10,\"series\":[$A20,$B,$C,{\"route\":\"/new\",\"n\":10,\"median_ms\":1}]}" &&
$MK -o $d/other.json --seed 4 --host elsewhere --synthetic "{\"runs\":10,\"series\":[$A,$B,$C]}" || {
	fail compare_cli "mkbundle.py failed"
	exit 0
}

# verdict of route R statistic S in compare JSON file F
verdict() {
	jq -r --arg r "$2" --arg s "$3" '[.results[] | select(.labels.route == $r and .statistic == $s) |
		.verdict] | join(",")' "$1"
}

"$TT" compare -f json -o $d/reg.json $d/base.json $d/cand.json.gz 2>$d/err; rc=$?
check_eq compare_regression_exit "exit status, /a 20 % slower" 1 $rc "$(cat $d/err)"
check_eq compare_regression_a "/a p50,p90,p99,mean" "REGRESSED,REGRESSED,REGRESSED,REGRESSED" \
	"$(verdict $d/reg.json /a p50),$(verdict $d/reg.json /a p90),$(verdict $d/reg.json /a p99),$(verdict $d/reg.json /a mean)"
check_eq compare_regression_b "/b p50,p90,p99,mean" "SAME,SAME,SAME,SAME" \
	"$(verdict $d/reg.json /b p50),$(verdict $d/reg.json /b p90),$(verdict $d/reg.json /b p99),$(verdict $d/reg.json /b mean)"
check_range compare_regression_ratio "/a p50 estimated change (truth +20 %)" 0.17 0.23 \
	"$(jq '.results[] | select(.labels.route == "/a" and .statistic == "p50") | .change' $d/reg.json)"
check_eq compare_insufficient "/c (1,000 samples a run) p99,p90" "INSUFFICIENT,SAME" \
	"$(verdict $d/reg.json /c p99),$(verdict $d/reg.json /c p90)"
check_eq compare_family "BH family size (12 gated, 1 insufficient)" 11 "$(jq .family_size $d/reg.json)"
check_eq compare_added "added series" "/new" "$(jq -r '[.added[].labels.route] | join(",")' $d/reg.json)"
check_eq compare_json_schema "schema, exit_status" "tracetool.compare/v1 1" \
	"$(jq -r '"\(.schema) \(.exit_status)"' $d/reg.json)"

"$TT" compare $d/base.json $d/aa.json.gz >$d/out 2>&1; rc=$?
check_eq compare_aa_exit "A/A exit status" 0 $rc "$(tail -3 $d/out)"
"$TT" compare -f json $d/base.json $d/aa.json.gz >$d/aa.out 2>&1
check_eq compare_aa_flags "A/A REGRESSED+IMPROVED" 0 \
	"$(jq '.verdicts.REGRESSED + .verdicts.IMPROVED' $d/aa.out)"

# gates: a rule allowing 30 % on /a; a required p99 on /c with --strict
cat >$d/gate.json <<'G'
{"rules": [{"metric": "tracetool_http_*", "labels": {"route": "/a"}, "statistic": "p99", "allowed": 0.30},
           {"labels": {"route": "/c"}, "statistic": "p99", "required": true},
           {"statistic": "mean", "unit": "seconds"}]}
G
"$TT" compare --gate $d/gate.json -f json -o $d/gate.out $d/base.json $d/cand.json.gz; rc=$?
check_eq compare_gate_allowed "exit, /a p99 under a 30 % rule, /a mean under 5 %" "1 SAME REGRESSED" \
	"$rc $(verdict $d/gate.out /a p99) $(verdict $d/gate.out /a mean)"
check_eq compare_gate_only "results the gate asks for (p99 of /a and /c, mean of 3 routes)" 5 \
	"$(jq '.results | length' $d/gate.out)"
"$TT" compare --strict --gate $d/gate.json $d/base.json $d/aa.json.gz >/dev/null 2>&1; rc=$?
check_eq compare_strict "--strict, required /c p99 INSUFFICIENT" 3 $rc
"$TT" compare --gate $d/gate.json $d/base.json $d/aa.json.gz >/dev/null 2>&1; rc=$?
check_eq compare_not_strict "without --strict" 0 $rc
echo '{"rules": [{"statistic": "p42"}]}' >$d/bad_gate.json
err=$("$TT" compare --gate $d/bad_gate.json $d/base.json $d/aa.json.gz 2>&1 >/dev/null); rc=$?
check_eq compare_bad_gate "bad gate: exit, stderr lines" "2 1" "$rc $(echo "$err" | wc -l)"

# --ignore-label: a port that differs between environments
$MK -o $d/port.json --seed 5 --synthetic "{\"runs\":10,\"series\":[{\"route\":\"/a\",\"n\":3000,\"median_ms\":1,\"port\":\"9090\"}]}"
"$TT" compare -f json $d/base.json $d/port.json >$d/p1 2>/dev/null
"$TT" compare -f json --ignore-label server_port $d/base.json $d/port.json >$d/p2 2>/dev/null
check_eq compare_ignore_label "removed without / with --ignore-label server_port; /a p50 with" "3 2 SAME" \
	"$(jq '.removed | length' $d/p1) $(jq '.removed | length' $d/p2) $(verdict $d/p2 /a p50)"

# interleaved: one bundle, variants base and cand
$MK -o $d/inter.json --seed 6 --synthetic "{\"runs\":8,\"series\":[$A,$B]}" \
	--synthetic-cand "{\"runs\":8,\"series\":[$A20,$B]}"
"$TT" compare -f json $d/inter.json >$d/i.out 2>&1; rc=$?
check_eq compare_interleaved "one interleaved bundle: exit, runs, /a p50, /b p50" "1 8/8 REGRESSED SAME" \
	"$rc $(jq -r '"\(.base.runs)/\(.candidate.runs)"' $d/i.out) $(verdict $d/i.out /a p50) $(verdict $d/i.out /b p50)"
err=$("$TT" compare $d/base.json 2>&1); rc=$?
check_eq compare_one_plain "one plain bundle: exit, lines" "2 1" "$rc $(echo "$err" | wc -l)"

# fingerprints
err=$("$TT" compare $d/base.json $d/other.json 2>&1); rc=$?
case $err in *"host 'testhost' vs 'elsewhere'"*) ok=y ;; *) ok=n ;; esac
check_eq compare_fingerprint "another host: exit, difference reported" "0 y" "$rc $ok" "$err"
err=$("$TT" compare --same-host $d/base.json $d/other.json 2>&1 >/dev/null); rc=$?
check_eq compare_same_host "--same-host refuses: exit, lines" "2 1" "$rc $(echo "$err" | wc -l)"

# bad input: one line, exit 2
echo 'not json' >$d/bad.json
head -c 3000 $d/cand.json.gz >$d/trunc.json.gz
cp tests/unit/golden/report.json $d/report.json
sed 's/tracetool.bundle\/v1/tracetool.bundle\/v9/' $d/base.json >$d/v9.json
head -c 20000 $d/base.json >$d/cut.json
for f in bad trunc.json.gz report v9 cut missing; do
	case $f in *.gz) p=$d/$f ;; *) p=$d/$f.json ;; esac
	err=$("$TT" compare $d/base.json $p 2>&1 >/dev/null); rc=$?
	check_eq "compare_input_$f" "exit, stderr lines" "2 1" "$rc $(echo "$err" | wc -l)" "$err"
done

# JUnit: well-formed, one failure per REGRESSED
"$TT" compare -f junit -o $d/j.xml $d/base.json $d/cand.json.gz 2>/dev/null
if command -v xmllint >/dev/null; then
	xmllint --noout $d/j.xml 2>$d/xerr && pass compare_junit_xmllint ||
		fail compare_junit_xmllint "$(head -3 $d/xerr)"
else
	skip compare_junit_xmllint "xmllint is not installed (libxml2-utils, scripts/deps.sh)"
fi
check_eq compare_junit_failures "<failure> elements, failures=, REGRESSED" "4 4 4" \
	"$(grep -c '<failure ' $d/j.xml) $(sed -n 's/.*<testsuite .*failures="\([0-9]*\)".*/\1/p' $d/j.xml) $(jq .verdicts.REGRESSED $d/reg.json)"

# many regressions: 12 routes, 10 error annotations, the worst first;
# markdown of 400 routes within a comment's 65,536 characters
series=""
i=1
while [ $i -le 12 ]; do
	series="$series{\"route\":\"/r$i\",\"n\":100,\"median_ms\":1,\"factor\":$((100 + 10 * i))},"
	i=$((i + 1))
done
$MK -o $d/many_b.json --seed 7 --synthetic "{\"runs\":6,\"series\":[$(echo "$series" | sed 's/"factor":[0-9]*/"factor":100/g; s/,$//')]}"
$MK -o $d/many_c.json --seed 8 --synthetic "{\"runs\":6,\"series\":[${series%,}]}"
"$TT" compare -f github $d/many_b.json $d/many_c.json >$d/gh 2>/dev/null; rc=$?
check_eq compare_github "exit, ::error lines, first names /r12" "1 10 y" \
	"$rc $(grep -c '^::error ' $d/gh) $(head -1 $d/gh | grep -q 'route=/r12%2C' && echo y || echo n)" "$(head -2 $d/gh)"
series=""
i=1
while [ $i -le 400 ]; do
	series="$series{\"route\":\"/some/long/route/name/number/$i\",\"n\":40,\"median_ms\":1},"
	i=$((i + 1))
done
$MK -o $d/md_b.json --seed 9 --synthetic "{\"runs\":4,\"series\":[${series%,}]}"
$MK -o $d/md_c.json --seed 10 --synthetic "{\"runs\":4,\"series\":[${series%,}]}"
: >$d/summary.md
GITHUB_STEP_SUMMARY=$d/summary.md "$TT" compare -f markdown -o $d/md $d/md_b.json $d/md_c.json 2>/dev/null
chars=$(wc -m <$d/md)
check_range compare_markdown_size "markdown characters, 1,600 rows" 30000 65536 "$chars"
check_eq compare_step_summary "\$GITHUB_STEP_SUMMARY holds the same markdown" y \
	"$(cmp -s $d/md $d/summary.md && echo y || echo n)"
# error_ratio: /e answers 500 to 1 % of requests in the base and 10 % in the
# candidate, read() fails 1 % and 10 %; /a and write() never fail (SAME, not
# INSUFFICIENT); allowed is a difference of ratios (0.01 = one point)
ER_B='{"runs":10,"otel":true,"series":[{"route":"/a","n":1000,"median_ms":1},{"route":"/e","n":1000,"median_ms":1,"errors":0.01}],"syscalls":[{"syscall":"read","n":500,"errors":5},{"syscall":"write","n":500}]}'
ER_C=$(echo "$ER_B" | sed 's/"errors":0.01/"errors":0.1/; s/"errors":5/"errors":50/')
$MK -o $d/er_b.json --seed 11 --synthetic "$ER_B" && $MK -o $d/er_aa.json --seed 12 --synthetic "$ER_B" &&
	$MK -o $d/er_c.json --seed 13 --synthetic "$ER_C" || fail compare_error_ratio "mkbundle.py failed"
echo '{"rules": [{"statistic": "error_ratio"}]}' >$d/er_gate.json
"$TT" compare --gate $d/er_gate.json -f json -o $d/er.json $d/er_b.json $d/er_c.json 2>$d/err; rc=$?
erv() {
	jq -r --arg k "$2" --arg v "$3" '[.results[] | select(.statistic == "error_ratio" and
		.labels[$k] == $v) | "\(.verdict)"] | join(",")' "$1"
}
check_eq compare_error_ratio "exit, /e, /a, read, write" "1 REGRESSED SAME REGRESSED SAME" \
	"$rc $(erv $d/er.json http_route /e) $(erv $d/er.json http_route /a) $(erv $d/er.json syscall read) $(erv $d/er.json syscall write)" \
	"$(cat $d/err)"
check_range compare_error_ratio_change "/e change, a difference of ratios (truth +0.09)" 0.089 0.091 \
	"$(jq '.results[] | select(.labels.http_route == "/e") | .change' $d/er.json)"
check_eq compare_error_ratio_labels "/e: scale, status label left out" "difference false" \
	"$(jq -r '.results[] | select(.labels.http_route == "/e") | "\(.scale) \(.labels | has("http_response_status_code"))"' $d/er.json)"
echo '{"rules": [{"statistic": "error_ratio", "allowed": 0.10}]}' >$d/er_gate10.json
"$TT" compare --gate $d/er_gate10.json -f json -o $d/er10.json $d/er_b.json $d/er_c.json 2>/dev/null; rc=$?
check_eq compare_error_ratio_allowed "+9 points under a 10-point rule: exit, /e" "0 SAME" \
	"$rc $(erv $d/er10.json http_route /e)"
"$TT" compare --gate $d/er_gate.json -f json -o $d/er_aa.out $d/er_b.json $d/er_aa.json 2>/dev/null; rc=$?
check_eq compare_error_ratio_aa "A/A: exit, verdicts" "0 4" "$rc $(jq .verdicts.SAME $d/er_aa.out)"
"$TT" compare -f json -o $d/er_default.json $d/er_b.json $d/er_c.json 2>/dev/null
check_eq compare_error_ratio_default "error_ratio results without a gate file" 0 \
	"$(jq '[.results[] | select(.statistic == "error_ratio")] | length' $d/er_default.json)"
# profiles: `gone` (20 % of the base) is not called by the candidate, `new`
# takes its place, `work` and main stay; --flamegraph draws gone from the
# base's stacks, blue, reading -100 %
$MK -o $d/pb.json --seed 14 --synthetic '{"runs":6,"stacks":{"app;main;work":80,"app;main;gone":20}}' &&
	$MK -o $d/pc.json --seed 15 --synthetic '{"runs":6,"stacks":{"app;main;work":80,"app;main;new":20}}' ||
	fail compare_profile "mkbundle.py failed"
"$TT" compare -f json -o $d/p.json --flamegraph $d/p.svg $d/pb.json $d/pc.json 2>$d/err; rc=$?
pv() {
	jq -r --arg f "$1" --arg s "$2" '[.results[] | select(.labels.function == $f and .statistic == $s) |
		"\(.verdict)"] | join(",")' $d/p.json
}
check_eq compare_profile "exit; gone, work, new, main inclusive; family" \
	"1 IMPROVED SAME REGRESSED SAME profiles" \
	"$rc $(pv gone inclusive) $(pv work inclusive) $(pv new inclusive) $(pv main inclusive) $(jq -r '[.results[].family] | unique | join(",")' $d/p.json)" \
	"$(cat $d/err)"
# inclusive of app, main, work, gone, new; self of work, gone, new (app and main: 0)
check_eq compare_profile_family "profile_family_size, family_size, untested" "8 0 2" \
	"$(jq -r '"\(.profile_family_size) \(.family_size) \(.untested_functions)"' $d/p.json)"
gone=$(grep -o 'data-n="gone"><title>[^<]*</title><rect[^>]*>' $d/p.svg)
xml_ok=y
if command -v xmllint >/dev/null; then
	xmllint --noout $d/p.svg 2>/dev/null || xml_ok=n
fi
check_eq compare_profile_svg "xmllint, gone drawn, -100.0%, IMPROVED, blue" "y 1 1 1 1" \
	"$xml_ok $(echo "$gone" | grep -c .) $(echo "$gone" | grep -c 'change -100.0%') $(echo "$gone" | grep -c IMPROVED) $(echo "$gone" | grep -c 'fill="rgb([0-9]*,[0-9]*,255)"')" \
	"$gone"
echo '{"rules": [{"statistic": "inclusive_share"}]}' >$d/share_gate.json
"$TT" compare --gate $d/share_gate.json -f json -o $d/ps.json $d/pb.json $d/pc.json 2>/dev/null
check_eq compare_profile_share "gone share change (a difference), work share" "-0.2000 SAME" \
	"$(jq -r '.results[] | select(.labels.function == "gone") | .change * 10000 | round / 10000 | tostring | . + "000" | .[0:7]' $d/ps.json) $(jq -r '.results[] | select(.labels.function == "work") | .verdict' $d/ps.json)"
"$TT" compare --flamegraph $d/none.svg $d/base.json $d/aa.json.gz >/dev/null 2>$d/err; rc=$?
check_eq compare_flamegraph_noprofile "--flamegraph without profiles: exit, lines, no file" "2 1 n" \
	"$rc $(wc -l <$d/err) $([ -e $d/none.svg ] && echo y || echo n)"
# JSON numbers as written: the shortest form that reads back the same double
# (not jansson's 17 digits: "allowed": 0.050000000000000003)
check_eq compare_json_reals "allowed and false_discovery_rate as written" "12 1" \
	"$(grep -c '"allowed": 0.05,$' $d/reg.json) $(grep -c '"false_discovery_rate": 0.1,$' $d/reg.json)"

# the text table's columns sized from the data: routes of 20 and 300
# characters (the latter cut in the middle to 120 columns) keep every column
# aligned, in a table with short names only too
L20=/$(printf '%019d' 0 | tr 0 m)
L300=/$(printf '%0299d' 0 | tr 0 l)
$MK -o $d/long_b.json --seed 16 --synthetic "{\"runs\":6,\"series\":[$A,{\"route\":\"$L20\",\"n\":3000,\"median_ms\":1},{\"route\":\"$L300\",\"n\":3000,\"median_ms\":1}]}" &&
	$MK -o $d/long_c.json --seed 17 --synthetic "{\"runs\":6,\"series\":[$A,{\"route\":\"$L20\",\"n\":3000,\"median_ms\":1,\"factor\":1.2},{\"route\":\"$L300\",\"n\":3000,\"median_ms\":1}]}" ||
	fail compare_text_columns "mkbundle.py failed"
"$TT" compare -v $d/long_b.json $d/long_c.json >$d/long.txt 2>&1
"$TT" compare -v $d/base.json $d/aa.json.gz >$d/short.txt 2>&1
# per row of table FILE: the columns (in screen cells: CJK and emoji 2,
# combining marks 0) where STAT, BASE, VERDICT, P and RUNS begin must be where
# the header has them, each holding what belongs there; prints rows,
# misaligned rows, the SERIES column's width less the widest SERIES cell (0:
# no wider than needed), the widest cell
columns() {
	python3 - "$1" <<'PY'
import re, sys, unicodedata
def cells(l):
    """l with each character as many times as the cells it takes (wide: + NUL)."""
    out = []
    for ch in l:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            continue
        out.append(ch + ("\0" if unicodedata.east_asian_width(ch) in "WF" else ""))
    return "".join(out)
lines = [cells(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()]
head = next(i for i, l in enumerate(lines) if l.startswith("SERIES "))
pos = {k: lines[head].index(k) for k in ("STAT", "BASE", "VERDICT", "P ", "RUNS")}
bad, rows, widest = 0, 0, 0
for l in lines[head + 1:]:
    if not l.startswith(("tracetool_http_request_duration_seconds", "http_server_request")):
        break
    rows += 1
    widest = max(widest, len(l[:pos["STAT"]].rstrip()))
    ok = (re.match(r"(p50|p90|p99|mean) ", l[pos["STAT"]:]) and l[pos["STAT"] - 1] == " "
          and re.match(r"[0-9.]+ ?[a-zµ]+ ±", l[pos["BASE"]:])
          and re.match(r"(SAME|REGRESSED|IMPROVED|INCONCLUSIVE|INSUFFICIENT) ", l[pos["VERDICT"]:])
          and re.match(r"([0-9.e-]+|-) ", l[pos["P "]:]) and re.match(r"[0-9]+/[0-9]+$", l[pos["RUNS"]:]))
    bad += not ok
print(rows, bad, pos["STAT"] - 1 - widest, widest)
PY
}
check_eq compare_text_columns "rows, misaligned rows, SERIES width - widest cell, widest cell" \
	"12 0 0 120" "$(columns $d/long.txt)" "$(head -5 $d/long.txt)"
check_eq compare_text_columns_short "rows, misaligned, SERIES width - widest cell, widest cell" \
	"12 0 0 97" "$(columns $d/short.txt)" "$(head -5 $d/short.txt)"
check_eq compare_text_route20 "the 20-character route whole, in 4 rows" 4 \
	"$(grep -c "route=$L20,status=200,server_port=8080} " $d/long.txt)"
cut=$(grep -o "tracetool_http_request_duration_seconds{[^ ]*\\.\\.\\.[^ ]*" $d/long.txt | head -1)
check_eq compare_text_elided "the 300-character route: cut in the middle, 120 characters, its end kept" \
	"120 1" "$(printf %s "$cut" | wc -m) $(printf %s "$cut" | grep -c 'server_port=8080}$')" "$cut"
# The host's core-to-core latency: core_to_core_ns per run added to the synthetic bundles,
# the candidate's 400 ns against the base's 48 (+733 %: the vCPUs run apart).  /a's +20 % could
# be the host's (within +50 %): INCONCLUSIVE with the reason, exit 0; --no-host-check: REGRESSED
# again; a +900 % /a stays REGRESSED; a base without probes (an older bundle): no check.
probes() {	# probes IN FACTOR OUT
	gzip -dcf "$1" | jq --argjson f "$2" '.runs |= (to_entries
		| map(.value.noise.core_to_core_ns = 48 * $f * (1 + 0.001 * .key) | .value))' >"$3"
}
A10='{"route":"/a","n":3000,"median_ms":1,"factor":10}'
$MK -o $d/cand10.json --seed 5 --synthetic "{\"runs\":10,\"series\":[$A10,$B,$C]}"
F=8.333333333333334	# 400 / 48
probes $d/base.json 1 $d/hb.json && probes $d/cand.json.gz "$F" $d/hc.json &&
	probes $d/cand10.json "$F" $d/hc10.json && probes $d/aa.json.gz 1 $d/haa.json
"$TT" compare -f json -o $d/host.json $d/hb.json $d/hc.json 2>$d/err; rc=$?
check_eq compare_host_step "exit, /a p50 and mean verdicts, reason, host step" \
	"0 INCONCLUSIVE INCONCLUSIVE host core-to-core +733% slower" \
	"$rc $(verdict $d/host.json /a p50) $(verdict $d/host.json /a mean) $(jq -r '[.results[]
		| select(.labels.route == "/a" and .statistic == "p50") | .reason] | join(",")
		' $d/host.json) $(jq -r .host_core_to_core.step $d/host.json)" "$(cat $d/err)"
check_eq compare_host_others "/b p50 with the host step" SAME "$(verdict $d/host.json /b p50)"
"$TT" compare --no-host-check -f json -o $d/hostoff.json $d/hb.json $d/hc.json; rc=$?
check_eq compare_host_off "--no-host-check: exit, /a p50, host_core_to_core" "1 REGRESSED null" \
	"$rc $(verdict $d/hostoff.json /a p50) $(jq -c .host_core_to_core $d/hostoff.json)"
"$TT" compare -f json -o $d/host10.json $d/hb.json $d/hc10.json; rc=$?
check_eq compare_host_far "/a 10x under a +733 % host step: exit, p50" "1 REGRESSED" \
	"$rc $(verdict $d/host10.json /a p50)"
"$TT" compare -f json -o $d/hostold.json $d/base.json $d/hc.json; rc=$?
check_eq compare_host_old_bundle "base without probes: exit, /a p50, host_core_to_core" \
	"1 REGRESSED null" "$rc $(verdict $d/hostold.json /a p50) $(jq -c .host_core_to_core $d/hostold.json)"
"$TT" compare -f json -o $d/hostaa.json $d/hb.json $d/haa.json; rc=$?
check_eq compare_host_same "same core-to-core latency: exit, step" "0 none" \
	"$rc $(jq -r .host_core_to_core.step $d/hostaa.json)"
# a candidate run whose probes found no CPU free has no core_to_core_ns: the
# check goes on with the runs that have one (was: not measured for all)
jq 'del(.runs[0].noise.core_to_core_ns)' $d/hc.json >$d/hc1.json
"$TT" compare -f json -o $d/host1.json $d/hb.json $d/hc1.json; rc=$?
check_eq compare_host_run_missing "one candidate run without a probe: exit, /a p50, step" \
	"0 INCONCLUSIVE slower" "$rc $(verdict $d/host1.json /a p50) $(jq -r .host_core_to_core.step $d/host1.json)"
"$TT" compare --strict --gate /dev/stdin $d/hb.json $d/hc.json >/dev/null 2>&1 <<'EOF2'
{"rules": [{"metric": "*", "statistic": "p50", "allowed": 0.05, "required": true}]}
EOF2
check_eq compare_host_strict "--strict, required p50 made INCONCLUSIVE by the host: exit" 3 $?
for f in text markdown junit github; do
	"$TT" compare -f $f -o $d/host.$f $d/hb.json $d/hc.json
done
L='host core-to-core latency: candidate +733.3'
g1=$(grep -c "^$L% \\[" $d/host.text)
g2=$(grep -c "^$L%" $d/host.markdown)
g3=$(grep -c "<property name=\"host_core_to_core\" value=\"$L%" $d/host.junit)
g4=$(grep -c "^::warning title=host core-to-core latency::$L%25" $d/host.github)
g5=$(grep -c '^tracetool_http.*route=/a.* p50 .*INCONCLUSIVE (host core-to-core +733%)' $d/host.text)
g6=$(grep -c 'p50 INCONCLUSIVE (host core-to-core +733%)' $d/host.junit)
check_eq compare_host_formats "host line in text, markdown, junit, github; reason in text, junit" \
	"1 1 1 1 1 1" "$g1 $g2 $g3 $g4 $g5 $g6"

# routes in CJK (2 cells a character), with an emoji, with a combining accent
# (0 cells) and a 100-character CJK one (200 cells, cut to 120): every column
# lines up in screen cells, under C.UTF-8 and under the C locale (taken as
# C.UTF-8: what tracetool writes is UTF-8 whatever the locale)
J='\u65e5\u672c\u8a9e'
U1="{\"route\":\"/$J/\u6ce8\u6587\",\"n\":3000,\"median_ms\":1}"
U2='{"route":"/\ud83c\udf55/order","n":3000,"median_ms":1}'
U3='{"route":"/cafe\u0301","n":3000,"median_ms":2}'
U4="{\"route\":\"/$(printf "$J%.0s" $(seq 33))/\u5c3e\",\"n\":3000,\"median_ms\":1}"
$MK -o $d/cjk_b.json --seed 21 --synthetic "{\"runs\":6,\"otel\":true,\"series\":[$U1,$U2,$U3,$U4]}" &&
	$MK -o $d/cjk_c.json --seed 22 --synthetic "{\"runs\":6,\"otel\":true,\"series\":[$U1,$U2,$U3,$U4]}" ||
	fail compare_text_cells "mkbundle.py failed"
LC_ALL=C.UTF-8 "$TT" compare -v $d/cjk_b.json $d/cjk_c.json >$d/cjk.txt 2>&1
LC_ALL=C "$TT" compare -v $d/cjk_b.json $d/cjk_c.json >$d/cjk_c_locale.txt 2>&1
check_eq compare_text_cells "rows, misaligned rows, SERIES width - widest cell, widest cell" \
	"16 0 0 120" "$(columns $d/cjk.txt)" "$(head -8 $d/cjk.txt)"
check_eq compare_text_cells_c_locale "the same table under LC_ALL=C" "" \
	"$(cmp $d/cjk.txt $d/cjk_c_locale.txt 2>&1)"
cut=$(grep -o "http_server_request_duration_seconds{[^ ]*\\.\\.\\.[^ ]*" $d/cjk.txt | grep "$(printf '\345\260\276')" | head -1)
check_eq compare_text_cells_elided "the 200-cell route: cut to 120 cells, whole characters, its end kept" \
	"120 1" "$(printf %s "$cut" | python3 -c 'import sys, unicodedata as u
s = sys.stdin.buffer.read().decode("utf-8")  # strict: a split character fails
print(sum(0 if u.combining(c) else 2 if u.east_asian_width(c) in "WF" else 1 for c in s))'
	) $(printf %s "$cut" | grep -c 'server_port=8080}$')" "$cut"
# a zero base: every base run's mean 0 (sums of 0, as a synthetic or damaged
# report may hold).  No relative change exists, so nothing is allowed and the
# test on the runs decides: each route's mean REGRESSED, its change the
# candidate's (a difference, scale "difference"), never SAME as a "+0.1 %"
# under 5 %, and the text shows it in the unit, not as a percentage or inf
python3 - $d/base.json $d/zero.json <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for r in b["runs"]:
    for m in r["report"]["metrics"]:
        for s in m["series"]:
            if "sum" in s:
                s["sum"] = 0.0
json.dump(b, open(sys.argv[2], "w"))
PY
"$TT" compare -f json -o $d/zero.out $d/zero.json $d/aa.json.gz 2>$d/err; rc=$?
check_eq compare_zero_base "exit; mean of /a /b /c: verdicts, scale, allowed, change = candidate median" \
	"1 REGRESSED,REGRESSED,REGRESSED difference,difference,difference 0,0,0 true,true,true" \
	"$rc $(jq -r '[.results[] | select(.statistic == "mean")] |
		"\(map(.verdict) | join(",")) \(map(.scale) | join(",")) \(map(.allowed) | join(","))
 \(map(.change == .candidate.median and .change > 0) | join(","))"' $d/zero.out | tr -d '\n')" \
	"$(cat $d/err)"
"$TT" compare $d/zero.json $d/aa.json.gz >$d/zero.txt 2>&1
check_eq compare_zero_base_text "mean rows whose change reads +N.NNms [+..ms, +..ms]" 3 \
	"$(grep -cE ' mean +0ns +[0-9.]+ms ±[0-9.]+% +\+[0-9.]+(ms|us) \[\+[0-9.]+(ms|us), \+[0-9.]+(ms|us)\] +REGRESSED ' $d/zero.txt)" \
	"$(grep ' mean ' $d/zero.txt)"
# -0 allowed (option or gate file) is 0: JSON "allowed": 0.0 and "+0.0%", never -0
"$TT" compare --allowed -0 -f json -o $d/neg0.json $d/base.json $d/aa.json.gz 2>$d/err
printf '{"rules": [{"metric": "*", "statistic": "mean", "allowed": -0.0, "direction": "lower"}]}' \
	>$d/neg0gate.json
"$TT" compare --gate $d/neg0gate.json -f junit -o $d/neg0.xml $d/base.json $d/aa.json.gz 2>>$d/err
check_eq compare_negative_zero "mean rows' allowed in JSON; JUnit lines with allowed +0.0%; any -0" \
	"0,0,0 3 0" "$(jq -c '[.results[] | select(.statistic == "mean") | .allowed] | join(",")' -r \
	$d/neg0.json) $(grep -c 'allowed +0.0%' $d/neg0.xml) $(grep -c -- '-0[^-9.]\|-0\.0%' \
	$d/neg0.json $d/neg0.xml | awk -F: '{ n += $2 } END { print n }')" "$(cat $d/err)"

# a sum past DBL_MAX (a merge's, written null): read back as +Inf, its mean
# not tested (INSUFFICIENT), the quantiles still are
python3 - $d/base.json $d/infsum.json <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for m in b["runs"][3]["report"]["metrics"]:
    for s in m["series"]:
        if "sum" in s:
            s["sum"] = None
json.dump(b, open(sys.argv[2], "w"))
PY
"$TT" compare -f json -o $d/infsum.out $d/infsum.json $d/aa.json.gz 2>$d/err; rc=$?
check_eq compare_infinite_sum "exit; /a mean, p50" "0 INSUFFICIENT SAME" \
	"$rc $(verdict $d/infsum.out /a mean) $(verdict $d/infsum.out /a p50)" "$(cat $d/err)"
# A statistic at 0 in the candidate's runs (each /a sum 0: its mean 0) is compared as
# differences relative to the base median: nothing reads below -100 % in any format
# (a bound was -101.3 %: a base run above the median minus 0), the change -100 %.
# direction lower: the drop is REGRESSED, so JUnit and GitHub show it too.
python3 - $d/aa.json.gz $d/zc.json <<'PY'
import gzip, json, sys
b = json.load(gzip.open(sys.argv[1]))
for r in b["runs"]:
    for m in r["report"]["metrics"]:
        for s in m["series"]:
            if s["labels"]["route"] == "/a":
                s["sum"] = 0.0
json.dump(b, open(sys.argv[2], "w"))
PY
printf '{"rules": [{"metric": "*", "statistic": "mean", "direction": "lower"}]}' >$d/lowgate.json
for f in text markdown junit github json; do
	"$TT" compare -v --gate $d/lowgate.json -f $f -o $d/zc.$f $d/base.json $d/zc.json 2>>$d/zc.err
done
# the lowest percentage in files
lowest() {
	grep -ohE -- '[-+][0-9.]+(e[-+][0-9]+)?%' "$@" | tr -d '%' | sort -g | head -1
}
check_eq compare_floor_minus_100 "/a mean: verdict, change, interval low end (JSON)" \
	"REGRESSED -1 -1" "$(jq -r '.results[] | select(.labels.route == "/a") |
	"\(.verdict) \(.change) \(.interval[0])"' $d/zc.json)" "$(cat $d/zc.err)"
check_eq compare_floor_minus_100_formats "lowest percentage in text, markdown, junit, github" \
	"-100.0 -100.0 -100.0 -100.0" \
	"$(lowest $d/zc.text) $(lowest $d/zc.markdown) $(lowest $d/zc.junit) $(lowest $d/zc.github)"
check_eq compare_floor_minus_100_text "the /a mean row" 1 \
	"$(grep -cE 'route=/a.* mean .* -100\.0% \[-100\.0%, -[0-9.]+%\] +REGRESSED' $d/zc.text)" \
	"$(grep ' mean ' $d/zc.text)"

# Absurd core_to_core_ns in a hand-edited bundle: 1e300 and 1e308 ns read as numbers
# (1e308 twice was an inf median, a 1e300 ratio a percentage cut at 32 bytes, without
# its %), in the host line of every format; 0, negative, a string: exit 2, one line.
for v in 1e300 1e308; do
	gzip -dcf $d/aa.json.gz | jq --argjson v $v '.runs |= map(.noise.core_to_core_ns = $v)' >$d/c$v.json
	for f in text markdown junit github json; do
		"$TT" compare -f $f -o $d/c$v.$f $d/hb.json $d/c$v.json 2>>$d/cbig.err
	done
done
pat='host core-to-core latency: candidate \+[0-9.]+e\+[0-9]+% \[\+[0-9.]+e\+[0-9]+%, \+[0-9.]+e\+[0-9]+%\] slower, p=[0-9.e-]+ \([0-9.]+ -> 1e\+(300|308) ns per round trip\); '
n=0
for v in 1e300 1e308; do
	for f in text markdown junit github; do
		# as JUnit (XML) and GitHub (workflow commands) escape it
		n=$((n + $(sed 's/&gt;/>/g; s/%25/%/g' $d/c$v.$f | grep -cE "$pat")))
	done
done
check_eq compare_host_huge_formats "host lines with +N.Ne+NNN% and 1e+300/1e+308 ns (8 files)" 8 "$n" \
	"$(grep -h 'host core-to-core latency' $d/c1e308.text $d/c1e300.text) $(cat $d/cbig.err)"
check_eq compare_host_huge_json "candidate_median_ns, change > 1e300, step" "1e+308 true slower" \
	"$(jq -r '.host_core_to_core | "\(.candidate_median_ns) \(.change > 1e300) \(.step)"' $d/c1e308.json)"
check_eq compare_host_huge_inf "lines with inf or nan in the 10 outputs" 0 \
	"$(cat $d/c1e300.* $d/c1e308.* | grep -ciE 'inf|nan')"
bad=""
for v in 0 -48 '"NaN"' '"48"' true; do
	jq --argjson v "$v" '.runs[2].noise.core_to_core_ns = $v' $d/hb.json >$d/cbad.json
	err=$("$TT" compare $d/cbad.json $d/hc.json 2>&1 >/dev/null); rc=$?
	case $err in *'$.runs[2].noise: "core_to_core_ns": expected a number > 0'*) ok=y ;; *) ok=n ;; esac
	[ "$rc $(printf '%s\n' "$err" | wc -l) $ok" = "2 1 y" ] || bad="$bad $v:$rc:$err"
done
check_eq compare_host_invalid "core_to_core_ns 0, -48, \"NaN\", \"48\", true: exit 2, one line naming it" \
	"" "$bad"

# JSON host_check says why host_core_to_core is null: disabled, not measured (a side
# without probes), too few runs (3 of a side), or checked; JUnit and text the same
jq '.runs |= (to_entries | map(if .key < 7 then del(.value.noise.core_to_core_ns) else . end)
	| map(.value))' $d/hc.json >$d/hc3.json
for f in json junit text; do
	"$TT" compare -f $f -o $d/hs_few.$f $d/hb.json $d/hc3.json
done
hs() {
	jq -c '[.host_check.status, .host_check.base_runs_probed, .host_check.candidate_runs_probed,
		.host_check.min_runs_per_side, (.host_core_to_core | type)]' "$1"
}
check_eq compare_host_status "host_check of: checked, disabled, base without probes, 3 candidate runs" \
	'["checked",10,10,4,"object"] ["disabled",10,10,4,"null"] ["not_measured",0,10,4,"null"] ["too_few_runs",10,3,4,"null"]' \
	"$(hs $d/host.json) $(hs $d/hostoff.json) $(hs $d/hostold.json) $(hs $d/hs_few.json)"
check_eq compare_host_status_other "checked object's status; JUnit status; text line" \
	"checked 1 1" "$(jq -r .host_core_to_core.status $d/host.json) $(grep -c \
	'<property name="host_core_to_core_status" value="too_few_runs"/>' $d/hs_few.junit) $(grep -c \
	'^host core-to-core latency: too few runs (core_to_core_ns in 10 of 10 base and 3 of 10 candidate runs, 4 a side needed' \
	$d/hs_few.text)"
exit 0
