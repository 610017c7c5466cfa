#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make demo`: tracetool's mission in under 30 s on any host, idle or busy.
# Starts a small HTTP backend and its client on loopback (tests/workloads/
# demo_app.c), traces both with syscalls, tcp and requests together in one
# tracetool, prints the report, then profiles the backend and writes an SVG
# flame graph.  Leaves nothing running.
#   sh scripts/demo.sh [OUT]     OUT: the build directory (default build)
# Files written: OUT/demo-report.json (the report, tracetool.report/v1),
# OUT/demo-cpu.folded and OUT/demo-flame.svg.  Demos of one OUT run one at
# a time (a lock on OUT/.demo.lock): two at once would pick the same free
# port and write the same files.
OUT=${1:-build}
TT=$OUT/tracetool
APP=$OUT/workloads/demo_app
for f in "$TT" "$APP"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run make first" >&2; exit 1; }
done
exec 9>"$OUT/.demo.lock" || exit 1
if ! flock -n 9; then
	echo "== demo: another demo is running in $OUT; waiting for it (at most 120 s)"
	flock -w 120 9 || { echo "demo: $OUT/.demo.lock still held after 120 s" >&2; exit 1; }
fi

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
port=18980
while [ $port -lt 19080 ] && ! { port_free $port && port_free $((port + 1)); }; do
	port=$((port + 2))
done

pids=""
trap 'kill $pids 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
"$APP" serve $port 15 & srv=$!
pids="$srv"
sleep 0.2
"$APP" load $port 13 & cli=$!
pids="$srv $cli"

echo "== demo: an HTTP backend (pid $srv) on 127.0.0.1:$port and its client (pid $cli)"
echo "== tracetool syscalls tcp requests -p $srv -p $cli -d 5   (one process, three tracers)"
"$TT" syscalls tcp requests -p $srv -p $cli -d 5 -f json -o "$OUT/demo-report.json" || exit 1
"$TT" report --top 8 "$OUT/demo-report.json" || exit 1

echo "== tracetool profile -p $srv -d 3 -f folded | tracetool flamegraph"
"$TT" profile -p $srv -d 3 -f folded -o "$OUT/demo-cpu.folded" || exit 1
"$TT" flamegraph -o "$OUT/demo-flame.svg" "$OUT/demo-cpu.folded" || exit 1
echo "flame graph of the backend's CPU time: $OUT/demo-flame.svg (open it in a browser)"
