#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Throughput of Redis and PostgreSQL under `tracetool requests` (run by
# `make bench`).
#
# Redis (redis-server started here on 127.0.0.1:19205, no persistence) under
# redis-benchmark -t get,set (-c 32); PostgreSQL (a throwaway cluster in a
# temporary directory on 127.0.0.1:19206, fsync off, initialised by
# pgbench -i) under pgbench -S -c 4 for BENCH_SECONDS.  Runs alternate
# untraced / traced (tracetool requests --port PORT: what a user would run
# against a forking server, whose backends are not known in advance) in
# BENCH_ROUNDS rounds, so drift hits both alike.  Prints every run, the
# medians, throughput kept (traced/untraced) and the median of the per-round
# ratios, and for each traced run tracetool's count in its family against
# the load generator's.
#
# It prints figures and never fails on them; it fails only on a broken
# setup.  Under `flock /tmp/tt-bench.lock` so benchmarks never overlap; about
# 2 minutes with the defaults.  Every wait is bounded.
#
# Environment knobs: BENCH_ROUNDS [5], BENCH_SECONDS [5] (pgbench -T),
# BENCH_REDIS_N [200000] (redis-benchmark -n), OUT [build].

set -u
cd "$(dirname "$0")/.." || exit 1

OUT=${OUT:-build}
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
RN=${BENCH_REDIS_N:-200000}
RPORT=19205
PPORT=19206

. bench/lock.sh
. bench/pg.sh
. bench/tracer.sh
bench_exclusive "$0" "$@"
[ "$(id -u)" -eq 0 ] || { echo "bench/requests_redis_pg.sh: needs root" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for t in redis-server redis-benchmark redis-cli pgbench "$PGBIN/initdb" "$OUT/tracetool"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench/requests_redis_pg.sh: $t is missing (scripts/deps.sh; make all)" >&2
		exit 1
	fi
done

TMP=$(mktemp -d /tmp/tt-rp-bench.XXXXXX) || exit 1
chmod 755 "$TMP"
TT=$TMP/tracetool
cp "$OUT/tracetool" "$TT"
REDIS_PID=""
PG_UP=""
TRACER=""

cleanup() {
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null
	bench_pg_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- servers -------------------------------------------------------------------

redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--dir "$TMP" --logfile "$TMP/redis.log" &
REDIS_PID=$!
n=0
until redis-cli -p $RPORT ping >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 100 ] || { echo "bench/requests_redis_pg.sh: redis-server did not start" >&2; exit 1; }
	sleep 0.05
done

bench_pg_start bench/requests_redis_pg.sh "$PPORT" || exit 1

# --- runs ------------------------------------------------------------------------

# run_redis: sets SET_RPS, GET_RPS
run_redis() {
	redis-benchmark -p $RPORT -t get,set -n "$RN" -c 32 -q >"$TMP/rb.out" 2>&1
	SET_RPS=$(tr '\r' '\n' <"$TMP/rb.out" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
	GET_RPS=$(tr '\r' '\n' <"$TMP/rb.out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
}

# run_pg: sets TPS, TX
run_pg() {
	pgbench -h 127.0.0.1 -p $PPORT -U postgres -S -c 4 -T "$SECS" postgres >"$TMP/pb.out" 2>&1
	TPS=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$TMP/pb.out")
	TX=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP/pb.out")
}

# trace_start PORT: tracetool requests --port PORT in the background, once it is attached
trace_start() {
	"$TT" requests --port "$1" -f json -o "$TMP/report.json" 2>"$TMP/tt.err" &
	TRACER=$!
	bench_tracer_wait "$TRACER" || { echo "bench/requests_redis_pg.sh: tracetool did not attach" >&2; exit 1; }
}

trace_stop() {
	kill -INT "$TRACER"
	n=0
	while kill -0 "$TRACER" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	wait "$TRACER" 2>/dev/null
	TRACER=""
}

# counted FAMILY LABEL VALUE: count of that family's series with LABEL = VALUE
counted() {
	jq --arg m "$1" --arg l "$2" --arg v "$3" \
		'[.metrics[] | select(.name == $m) | .series[] | select(.labels[$l] == $v) | .count] | add // 0' \
		"$TMP/report.json" 2>/dev/null
}

echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), redis-benchmark -t get,set -n $RN -c 32;" \
	"PostgreSQL $("$PGBIN/postgres" --version | sed 's/.* //'), pgbench -S -c 4 -T $SECS;" \
	"$ROUNDS rounds, $(nproc) CPUs, $(uname -r), tracetool $("$TT" --version 2>/dev/null | head -n 1)"
echo "run        SET/s       GET/s       pgbench tps   counted SET GET / SELECT (pgbench transactions)"
: >"$TMP/u"
: >"$TMP/t"
: >"$TMP/pairs"
r=1
while [ $r -le "$ROUNDS" ]; do
	run_redis
	run_pg
	echo "untraced   $SET_RPS   $GET_RPS   $TPS"
	echo "$SET_RPS $GET_RPS $TPS" >>"$TMP/u"
	u="$SET_RPS $GET_RPS $TPS"

	trace_start $RPORT
	run_redis
	trace_stop
	rs=$(counted tracetool_redis_request_duration_seconds command SET)
	rg=$(counted tracetool_redis_request_duration_seconds command GET)
	trace_start $PPORT
	run_pg
	trace_stop
	ps=$(counted tracetool_postgresql_request_duration_seconds operation SELECT)
	echo "traced     $SET_RPS   $GET_RPS   $TPS   $rs $rg / $ps ($TX)"
	echo "$SET_RPS $GET_RPS $TPS" >>"$TMP/t"
	echo "$u $SET_RPS $GET_RPS $TPS" |
		awk '{ printf "%.4f %.4f %.4f\n", $4 / $1, $5 / $2, $6 / $3 }' >>"$TMP/pairs"
	r=$((r + 1))
done

median() {	# median of column $1 of file $2
	sort -n -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for c in 1 2 3; do
	name=$(echo "Redis SET,Redis GET,PostgreSQL pgbench -S" | cut -d, -f$c)
	u=$(median $c "$TMP/u")
	t=$(median $c "$TMP/t")
	p=$(median $c "$TMP/pairs")
	awk -v n="$name" -v u="$u" -v t="$t" -v p="$p" 'BEGIN {
		printf "%-24s untraced %10.0f/s  traced %10.0f/s  kept %.1f %% (medians), %.1f %% (median of round ratios)\n",
			n, u, t, 100 * t / u, 100 * p }'
done
