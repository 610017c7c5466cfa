#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make demo` (scripts/demo.sh): it runs in under 30 s, leaves nothing
# running, and its one-process report of syscalls, tcp and requests has
# request, syscall and TCP series from the demo's own backend and client;
# its flame graph is a well-formed SVG with the backend's hot function.
# Two demos started together both succeed (they take turns on OUT's files).
. "$(dirname "$0")/lib.sh"

NAMES="demo_runs demo_under_30s demo_report_tracers demo_request_series demo_syscall_series demo_tcp_series demo_flamegraph demo_two_at_once demo_leaves_nothing"
tt_require_base $NAMES
OUT=$(dirname "$TT")

start=$(date +%s.%N)
timeout -k 5 60 sh scripts/demo.sh "$OUT" >"$TT_TMP/demo.out" 2>"$TT_TMP/demo.err"
rc=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ $rc -ne 0 ]; then
	fail_all "scripts/demo.sh exited $rc: $(tail -c 300 "$TT_TMP/demo.err" | tr '\n' ' ')" $NAMES
	exit 0
fi
pass "demo_runs ($(grep -c . "$TT_TMP/demo.out") lines of output)"
check_range demo_under_30s "seconds" 0 30 "$secs"

R=$OUT/demo-report.json
check_eq demo_report_tracers "tracers" '["syscalls","tcp","requests"]' "$(jq -c .tracers "$R" 2>/dev/null)"
n=$(tt_series "$R" http_server_request_duration_seconds '{"http_route":"/api/users/:id"}' | jq 'map(.count) | add // 0')
check_range demo_request_series "server requests on /api/users/:id" 10 1000000 "$n"
n=$(tt_series "$R" tracetool_syscall_duration_seconds '{}' | jq 'length')
check_range demo_syscall_series "syscall series" 5 1000 "$n"
n=$(tt_series "$R" tracetool_tcp_connect_duration_seconds '{"daddr":"127.0.0.1"}' | jq 'map(.count) | add // 0')
check_range demo_tcp_series "TCP connects to 127.0.0.1" 10 1000000 "$n"

svg=$OUT/demo-flame.svg
if ! command -v xmllint >/dev/null 2>&1; then
	skip demo_flamegraph "xmllint is not installed (scripts/deps.sh installs libxml2-utils)"
elif xmllint --noout "$svg" 2>/dev/null && grep -q 'search' "$svg"; then
	pass "demo_flamegraph ($svg is well-formed and shows search)"
else
	fail demo_flamegraph "$svg is not well-formed or lacks the backend's search frame"
fi

timeout -k 5 150 sh scripts/demo.sh "$OUT" >"$TT_TMP/d1.out" 2>&1 &
p1=$!
timeout -k 5 150 sh scripts/demo.sh "$OUT" >"$TT_TMP/d2.out" 2>&1
rc2=$?
wait $p1
rc1=$?
# both succeed, and one waited for the other: they never share OUT's port search and files
check_eq demo_two_at_once "exit statuses of two demos started together, demos that waited" \
	"0 0 1" "$rc1 $rc2 $(cat "$TT_TMP/d1.out" "$TT_TMP/d2.out" | grep -c 'another demo is running')" \
	"$(tail -n 2 "$TT_TMP/d1.out" "$TT_TMP/d2.out" | tr '\n' ' ')"

sleep 0.5
left=$(pgrep -f "workloads/demo_app" | tr '\n' ' ')
check_eq demo_leaves_nothing "demo_app processes left" "" "$left"
