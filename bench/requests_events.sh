#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Event loss of `tracetool requests --events -f json` under a request flood.
#
# nginx (Debian nginx-light, own configuration on 127.0.0.1:19101, one
# worker, access log off) under wrk (1 thread, C keep-alive connections, S
# seconds), traced with `requests --events -p <nginx> -f json`.  Prints
# wrk's rate, the requests tracetool counted (exact: counters do not go
# through the event path), the events it kept, the ones it counted lost
# (ringbuf: ring buffer full or --max-events) and their share.  Run under
# the benchmark lock; figures only, it fails only on a broken setup.
#
# Environment: BENCH_SECONDS [10], BENCH_CONNS [16], BENCH_RUNS [3],
# MAX_EVENTS [1000000] (passed as --max-events), OUT [build].

set -u
cd "$(dirname "$0")/.." || exit 1

OUT=${OUT:-build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-16}
RUNS=${BENCH_RUNS:-3}
MAXEV=${MAX_EVENTS:-1000000}
PORT=19101
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

. bench/lock.sh
. bench/nginx.sh
bench_exclusive "$0" "$@"
for t in "$NGINX" wrk jq "$OUT/tracetool"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench/requests_events.sh: $t is missing (scripts/deps.sh; make all)" >&2
		exit 1
	fi
done
[ "$(id -u)" -eq 0 ] || { echo "bench/requests_events.sh: needs root" >&2; exit 1; }

TMP=$(mktemp -d /tmp/tt-req-ev.XXXXXX) || exit 1
chmod 755 "$TMP"
MASTER=""
TRACER=""
cleanup() {
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null
	bench_nginx_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_nginx_start bench/requests_events.sh "$PORT" || exit 1

echo "nginx, wrk -t1 -c$CONNS -d${SECS}s, requests --events --max-events $MAXEV -f json, $(nproc) CPUs"
echo "run  wrk req/s  counted  events kept  lost ringbuf  lost %"
r=1
while [ $r -le "$RUNS" ]; do
	"$OUT/tracetool" requests --events --max-events "$MAXEV" -p "$PIDS_CSV" -f json \
		-o "$TMP/report.json" 2>"$TMP/tt.err" &
	TRACER=$!
	n=0
	while [ $n -lt 100 ]; do
		grep -q "prog_id" /proc/$TRACER/fdinfo/* 2>/dev/null && [ $n -ge 15 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	wrk -t1 -c"$CONNS" -d"$SECS" "http://127.0.0.1:$PORT/api/users/42" >"$TMP/wrk.out" 2>&1
	kill -INT "$TRACER"
	n=0
	while kill -0 "$TRACER" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
	wait "$TRACER" 2>/dev/null
	TRACER=""
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk.out")
	jq -r --arg rps "$rps" --arg r "$r" '
		([.metrics[] | select(.name == "http_server_request_duration_seconds") | .series[].count] | add // 0) as $n |
		(.events | length) as $ev | .lost.ringbuf as $lost |
		"\($r)    \($rps)  \($n)  \($ev)  \($lost)  \(if $n > 0 then ($lost * 10000 / $n | floor) / 100 else "n/a" end)"' \
		"$TMP/report.json" 2>/dev/null || echo "$r    $rps  (no report: $(head -c 200 "$TMP/tt.err"))"
	r=$((r + 1))
done
