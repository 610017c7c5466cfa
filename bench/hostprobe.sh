#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Which kind of CPU work slows with the nginx benchmark's level steps:
# bench/compare_nginx.sh's pinned workload (nginx on CPU 0, one `wrk $WRK_ARGS`
# per run on CPU 1) recorded by `tracetool record requests --runs RUNS`, with
# bench/hostprobe (each probe on each CPU, in CPU time) and placement.py's
# Python loop run at the start of every run, before wrk.  Then per probe the
# correlation of its per-run value with the run's server and client p50
# (bench/hostprobe.py).  Takes /tmp/tt-bench.lock and /tmp/tt-live.lock.
# Environment: RUNS [120], RECORDINGS [1], WRK_ARGS [-t1 -c16 -d2s], OUT [build],
# KEEP [a directory for the bundles and probe logs; default a temporary one].
. "$(dirname "$0")/lock.sh"
. "$(dirname "$0")/nginx.sh"
bench_exclusive_live "$0" "$@"
OUT=${OUT:-build}
RUNS=${RUNS:-120}
RECORDINGS=${RECORDINGS:-1}
WRK_ARGS=${WRK_ARGS:--t1 -c16 -d2s}
PORT=19141
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for t in "$NGINX" wrk python3 cc "$OUT/tracetool"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/hostprobe.sh: $t is missing" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench/hostprobe.sh: needs 2 CPUs" >&2; exit 1; }
bench_nginx_tmp hostprobe
cc -O2 -o "$TMP/hostprobe" bench/hostprobe.c -lpthread || exit 1
cp "$OUT/tracetool" "$TMP/tracetool"
cp bench/placement.py "$TMP/placement.py"
bench_nginx_start bench/hostprobe.sh "$PORT" || exit 1
for p in $(echo "$PIDS_CSV" | tr ',' ' '); do taskset -a -p -c 0 "$p" >/dev/null || exit 1; done
DIR=${KEEP:-$TMP}
mkdir -p "$DIR" || exit 1
URL="http://127.0.0.1:$PORT/api/users/42"
for k in $(seq "$RECORDINGS"); do
	: >"$DIR/probe$k.log"
	# shellcheck disable=SC2016
	"$TMP/tracetool" record requests -p "$PIDS_CSV" --runs "$RUNS" --warmup 1 -o "$DIR/rec$k.json.gz" \
		-- sh -c 'echo "$(date +%s.%N) $("$0/hostprobe") py $(python3 "$0/placement.py" speed)" >>"$1"; shift 2; exec "$@"' \
		"$TMP" "$DIR/probe$k.log" x taskset -c 1 wrk $WRK_ARGS "$URL" >"$TMP/rec.out" 2>&1 || {
		echo "bench/hostprobe.sh: record $k failed: $(tail -2 "$TMP/rec.out")" >&2
		exit 1
	}
	echo "recording $k: $DIR/rec$k.json.gz, $DIR/probe$k.log"
done
python3 bench/hostprobe.py "$DIR" "$RECORDINGS"
