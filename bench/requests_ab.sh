#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Where the BPF time of `tracetool requests` goes, for several builds side by
# side: usage `sh bench/requests_ab.sh TRACETOOL...` (binaries, e.g. main's
# and a branch's).  For each round and each binary in turn: one traced run
# with kernel.bpf_stats_enabled=1 (restored after), printing each program's
# runs per request and ns per run, their total per request, the machine's CPU
# time per request (and of it, the tracetool process's own: draining,
# labels, aggregation), the load generator's rate, and tracetool's count against
# the load generator's.  Per-program BPF figures are far steadier than
# throughput on a shared machine, so this is the benchmark for comparing
# changes of the BPF code; bench/requests.sh gives throughput kept.
#
# BENCH_MODE [nginx]: nginx (one worker, 127.0.0.1:19107) under `wrk -t1
# -c32`, traced with -p <nginx>; host: the same under `wrk -t2 -c16`, traced
# host-wide; redis: redis-server (127.0.0.1:19108, no persistence) under
# `redis-benchmark -t get,set -n 100000 -c 32`, traced with --port; pg: a
# throwaway PostgreSQL cluster (127.0.0.1:19109, fsync off, pgbench -i) under
# `pgbench -S -c 4 -T BENCH_SECONDS`, traced with --port (statements = its
# transactions; tracetool's SELECT count is those + 2 of pgbench's set-up).
# BENCH_ROUNDS [3], BENCH_SECONDS [3] (wrk -d), HOOK (tracetool --hook).
# Prints figures, never fails on them.  Under /tmp/tt-bench.lock (taken here
# unless held above); take /tmp/tt-live.lock after it, never before:
# `flock /tmp/tt-bench.lock flock /tmp/tt-live.lock sh bench/requests_ab.sh A B`.

set -u
cd "$(dirname "$0")/.." || exit 1

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-3}
MODE=${BENCH_MODE:-nginx}
PORT=19107
RPORT=19108
PPORT=19109
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HOOK_OPT=${HOOK:+--hook $HOOK}

. bench/lock.sh
. bench/pg.sh
. bench/tracer.sh
. bench/nginx.sh
bench_exclusive "$0" "$@"
[ $# -ge 1 ] || { echo "usage: bench/requests_ab.sh TRACETOOL..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/requests_ab.sh: needs root" >&2; exit 1; }
for t in jq bpftool "$@"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/requests_ab.sh: $t is missing" >&2; exit 1; }
done
case $MODE in
nginx | host) command -v wrk >/dev/null || { echo "bench/requests_ab.sh: wrk is missing" >&2; exit 1; } ;;
redis) command -v redis-server >/dev/null || { echo "bench/requests_ab.sh: redis-server is missing" >&2; exit 1; } ;;
pg) [ -x "$PGBIN/initdb" ] && command -v pgbench >/dev/null ||
	{ echo "bench/requests_ab.sh: PostgreSQL or pgbench is missing" >&2; exit 1; } ;;
*) echo "bench/requests_ab.sh: BENCH_MODE is nginx, host, redis or pg" >&2; exit 2 ;;
esac

TMP=$(mktemp -d /tmp/tt-req-ab.XXXXXX) || exit 1
chmod 755 "$TMP"
MASTER=""
REDIS=""
PG_UP=""
TRACER=""
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)

cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" 2>/dev/null
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null
	[ -n "$REDIS" ] && kill "$REDIS" 2>/dev/null
	bench_pg_stop
	bench_nginx_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

busy_ticks() {	# all CPUs: user nice system irq softirq steal
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

if [ "$MODE" = redis ]; then
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" \
		>"$TMP/redis.log" 2>&1 &
	REDIS=$!
	n=0
	until redis-cli -p "$RPORT" ping >/dev/null 2>&1 || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
	FILTER="--port $RPORT"
elif [ "$MODE" = pg ]; then
	bench_pg_start bench/requests_ab.sh "$PPORT" || exit 1
	FILTER="--port $PPORT"
else
	bench_nginx_start bench/requests_ab.sh "$PORT" || exit 1
	if [ "$MODE" = host ]; then FILTER=""; WRK_ARGS="-t2 -c16"; else FILTER="-p $PIDS_CSV"; WRK_ARGS="-t1 -c32"; fi
fi

# load: one run of the load generator; sets REQS and RATE
load() {
	if [ "$MODE" = redis ]; then
		redis-benchmark -p "$RPORT" -t get,set -n 100000 -c 32 -q 2>&1 | tr '\r' '\n' >"$TMP/load.out"
		REQS=200000
		RATE=$(sed -n 's/^\([A-Z]*\): \([0-9.]*\) requests per second.*/\1 \2/p' "$TMP/load.out" | tr '\n' ' ')
	elif [ "$MODE" = pg ]; then
		pgbench -h 127.0.0.1 -p $PPORT -U postgres -S -c 4 -T "$SECS" postgres >"$TMP/load.out" 2>&1
		REQS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP/load.out")
		RATE="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP/load.out" | head -n 1) tps"
	else
		wrk $WRK_ARGS -d"$SECS" "http://127.0.0.1:$PORT/api/users/42" >"$TMP/load.out" 2>&1
		REQS=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$TMP/load.out")
		RATE="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/load.out") req/s"
	fi
}

echo "mode $MODE ${HOOK_OPT:-}, $ROUNDS rounds, $(nproc) CPUs, $(uname -r)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	i=0
	for bin in "$@"; do
		i=$((i + 1))
		cp "$bin" "$TMP/tracetool"
		# shellcheck disable=SC2086
		"$TMP/tracetool" requests $HOOK_OPT $FILTER -f json -o "$TMP/report.json" 2>"$TMP/err" &
		TRACER=$!
		bench_tracer_wait "$TRACER" || { echo "bench/requests_ab.sh: $bin did not attach" >&2; exit 1; }
		ids=$(for f in /proc/$TRACER/fdinfo/*; do sed -n 's/^prog_id:[[:space:]]*\([0-9]*\)$/\1/p' "$f"; done |
			sort -un | tr '\n' ',' | sed 's/,$//')
		sysctl -qw kernel.bpf_stats_enabled=1
		bpftool -j prog show >"$TMP/progs0.json"
		b0=$(busy_ticks)
		c0=$(awk '{ print $14 + $15 }' /proc/$TRACER/stat)
		load
		c1=$(awk '{ print $14 + $15 }' /proc/$TRACER/stat)
		b1=$(busy_ticks)
		bpftool -j prog show >"$TMP/progs1.json"
		sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
		kill -INT "$TRACER"
		n=0
		while kill -0 "$TRACER" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
		wait "$TRACER" 2>/dev/null
		TRACER=""
		if [ "$MODE" = redis ]; then
			got=$(jq -c '[.metrics[] | select(.name | test("^(tracetool_)?redis_")) |
				.series[] | {(.labels.command): .count}] | add' "$TMP/report.json" 2>/dev/null)
		elif [ "$MODE" = pg ]; then
			got="$(jq '[.metrics[] | select(.name | test("^(tracetool_)?postgresql_")) |
				.series[] | select(.labels.operation == "SELECT") | .count] | add // 0' \
				"$TMP/report.json" 2>/dev/null) SELECT / $REQS"
		else
			got="$(jq '[.metrics[] | select(.name == "http_server_request_duration_seconds") |
				.series[].count] | add // 0' "$TMP/report.json" 2>/dev/null) / $REQS"
		fi
		cpu=$(awk -v t=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v n="$REQS" \
			'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
		ttcpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$REQS" \
			'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
		per=$(jq -r -n --argjson ids "[$ids]" --argjson n "$REQS" \
			--slurpfile a "$TMP/progs0.json" --slurpfile b "$TMP/progs1.json" '
			[$b[0][] | select(.id as $i | any($ids[]; . == $i)) | . as $p |
			 ($a[0][] | select(.id == $p.id)) as $q |
			 (($p.run_cnt // 0) - ($q.run_cnt // 0)) as $runs | select($runs > 0) |
			 (($p.run_time_ns // 0) - ($q.run_time_ns // 0)) as $t |
			 {name: $p.name, runs: ($runs / $n), ns: ($t / $runs), per_req: ($t / $n)}] |
			"\(map(.per_req) | add | round) ns/req:" +
			(map(" \(.name) \(.runs * 100 | round / 100)x\(.ns | round)") | join(""))')
		echo "round $r, #$i $bin: $RATE, CPU $cpu us/req (tracetool process $ttcpu), counted $got; BPF $per"
	done
	r=$((r + 1))
done
