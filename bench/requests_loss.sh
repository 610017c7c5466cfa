#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Requests lost by `tracetool requests` under a keep-alive load, for several
# builds in turn: usage `sh bench/requests_loss.sh TRACETOOL...`.  For each
# binary and round: nginx (bench/nginx.sh, one worker, 127.0.0.1:19110),
# `tracetool requests --port 19110 -f json` (host-wide, so the clients are
# traced too), LOSS_CLIENTS [2] req_client processes of LOSS_N [100000]
# GET /api/users/42 each over one connection, all at once as fast as they
# go; with HAMMER=1, tests/workloads/flush_hammer runs tracetool's flush
# program flat out beside them (the flush otherwise runs every 100 ms).
# Prints the requests the clients completed, the server and client
# requests counted, `lost` and `tracetool_requests_unclassified_total`.
# HOOK (tracetool --hook; the fallback's flush is the syscall program
# `flush`), LOSS_ROUNDS [1], LOSS_TRACERS [requests] (e.g. "syscalls tcp
# requests": serve's default, in one process; `lost` is then all of theirs).  Counts, not time: run it under
# `flock /tmp/tt-live.lock` (it traces the host's sockets of that port).
# Needs `make all` (build/workloads).  Prints figures, never fails on them.

set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -ge 1 ] || { echo "usage: sh bench/requests_loss.sh TRACETOOL..." >&2; exit 2; }
PORT=19110
CLIENTS=${LOSS_CLIENTS:-2}
N=${LOSS_N:-100000}
ROUNDS=${LOSS_ROUNDS:-1}
WL=${WL:-build/workloads}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PROG=flush_sk MAP=sk_conns
[ "${HOOK:-}" = tracepoint ] && PROG=flush MAP=-
for t in "$NGINX" wrk jq bpftool "$WL/req_client" "$WL/flush_hammer"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/requests_loss.sh: $t is missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/tt-reqloss.XXXXXX) || exit 1
chmod 755 "$TMP"
MASTER=""
TP=""
. bench/nginx.sh
. bench/tracer.sh
cleanup() {
	[ -n "$TP" ] && kill -INT "$TP" 2>/dev/null
	bench_nginx_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "requests loss: $CLIENTS clients x $N requests, tracers ${LOSS_TRACERS:-requests}, hammer ${HAMMER:-0}, hook ${HOOK:-default}, $(date -u +%FT%TZ), load average $(cut -d" " -f1-3 /proc/loadavg)"
bench_nginx_start bench/requests_loss.sh $PORT || exit 1
r=1
while [ $r -le "$ROUNDS" ]; do
	for tt in "$@"; do
		# shellcheck disable=SC2086
		"$tt" ${LOSS_TRACERS:-requests} ${HOOK:+--hook $HOOK} --port $PORT -f json >"$TMP/out.json" 2>"$TMP/err" &
		TP=$!
		_n=0	# every tracer attached (tt_ready), 30 s at most
		while ! bench_tt_ready $TP && [ $_n -lt 300 ]; do
			sleep 0.1
			_n=$((_n + 1))
		done
		hp=""
		if [ "${HAMMER:-0}" = 1 ]; then
			"$WL/flush_hammer" $TP $PROG $MAP 600 >"$TMP/hammer" 2>&1 &
			hp=$!
		fi
		i=0 pids=""
		while [ $i -lt "$CLIENTS" ]; do
			"$WL/req_client" --port $PORT --timeout 120 --req GET:/api/users/42:"$N" >"$TMP/client.$i" &
			pids="$pids $!"
			i=$((i + 1))
		done
		# shellcheck disable=SC2086
		wait $pids
		[ -n "$hp" ] && kill -TERM "$hp" && wait "$hp"
		sleep 0.5
		kill -INT $TP
		wait $TP
		TP=""
		sent=$(cat "$TMP"/client.* | awk '$1 == "requests" && $2 == $4 { n += $2 } END { print n + 0 }')
		echo "$tt round $r: completed $sent, $(jq -r '"server \([.metrics[] | select(.name == "http_server_request_duration_seconds") | .series[].count] | add // 0), client \([.metrics[] | select(.name == "http_client_request_duration_seconds") | .series[].count] | add // 0), lost \(.lost | tostring), unclassified \([.metrics[] | select(.name == "tracetool_requests_unclassified_total") | .series[].value] | add // 0)"' "$TMP/out.json" 2>/dev/null || echo "no report: $(head -c 200 "$TMP/err")")${hp:+, flush $(cat "$TMP/hammer")}"
	done
	r=$((r + 1))
done
