#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The false-alarm rate of the regression gate on this host: the same
# workload recorded twice and compared, COMPARISONS times, each with a fresh
# pair of recordings.  nginx (Debian nginx-light, its own configuration on
# 127.0.0.1:19140, one worker, bench/nginx.sh) serves one route; each run of
# a recording is one `wrk $WRK_ARGS` (default -t1 -c16 -d2s), traced by
# `tracetool record requests -p <nginx master and worker> --no-trace-cmd --
# wrk ...` (the server side only: wrk is the load, as in docs/ci.md's
# recipe; CLIENT=1 traces wrk's client side too), RUNS runs after WARMUP
# warm-ups; `tracetool compare A B` with the default gate (mean, p50, p90,
# p99 of every duration histogram, +5 % allowed).  MODE=interleave records
# one bundle per comparison instead, base and candidate (the same wrk)
# alternating run by run, and compares its two halves.
#
# Prints per comparison its exit status, the family size and the verdict
# counts, and every flagged series (REGRESSED or IMPROVED: statistic,
# change with its interval, the per-run values' medians); at the end how
# many comparisons exited 0, and per series and statistic the drift between
# the two sides' medians (median and largest |cand/base - 1| over the
# comparisons) beside the run-to-run spread inside a side (compare's spread,
# the median absolute deviation of the runs, over the median), which says
# whether the host's drift is below the 5 % minimum effect.  Never asserts.
#
# Holds /tmp/tt-bench.lock, then /tmp/tt-live.lock, for the whole run
# (about 50 s per comparison with the defaults).  Environment: COMPARISONS
# [20], RUNS [10], WARMUP [1], WRK_ARGS [-t1 -c16 -d2s], MODE [pair],
# CLIENT [0; 1: wrk traced too, as CMD: its own requests gated as well,
# and tracing it moves it between two latency rhythms], OUT
# [build], KEEP [unset: a directory to keep the bundles and compare JSON in],
# PIN [1: nginx's master and worker on CPU 0, wrk on CPU 1 (taskset), so the
# scheduler cannot put both on one CPU, which triples wrk's latency; 0: not],
# TRACER_CPU [with PIN=1 0: `taskset -c 0` on tracetool, with nginx, away
# from wrk, whose p50 its consumer otherwise moves by up to +80 % in the runs
# it shares wrk's CPU; any: unpinned; else a CPU list for taskset],
# PLACEMENT [unset; 1: sample every 0.1 s the CPU each of nginx's, wrk's and
# tracetool's threads last ran on (bench/placement.py) and print per
# recording, per run, SAME/SAMPLES|ON_CPU0|WAIT|LOOP: in how many samples
# nginx's worker and wrk's busy thread were on the same CPU, in how many the
# worker was on CPU 0, the worker's run-queue wait per unit of its CPU time,
# and the sampler's own CPU time per iteration of a fixed loop (median, ns,
# on each CPU in turn: the CPUs' own speed); and each CPU's speed before and
# after the recording, `placement.py speed`].
. "$(dirname "$0")/lock.sh"
. "$(dirname "$0")/nginx.sh"
bench_exclusive_live "$0" "$@"
OUT=${OUT:-build}
COMPARISONS=${COMPARISONS:-20}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
WRK_ARGS=${WRK_ARGS:--t1 -c16 -d2s}
MODE=${MODE:-pair}
PIN=${PIN:-1}
PLACEMENT=${PLACEMENT:-}
CLIENT=${CLIENT:-0}
UNTRACED=--no-trace-cmd
[ "$CLIENT" = 1 ] && UNTRACED=
TRACER_CPU=${TRACER_CPU:-$([ "$PIN" = 1 ] && echo 0 || echo any)}
PORT=19140
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
case $MODE in
pair | interleave) ;;
*) echo "bench/compare_nginx.sh: MODE is pair or interleave" >&2; exit 2 ;;
esac
for t in "$NGINX" wrk jq "$OUT/tracetool"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench/compare_nginx.sh: $t is missing (scripts/deps.sh installs nginx-light, wrk and jq; make all)" >&2
		exit 1
	fi
done
[ "$(id -u)" -eq 0 ] || { echo "bench/compare_nginx.sh: needs root" >&2; exit 1; }

bench_nginx_tmp cmp-nginx
cp "$OUT/tracetool" "$TMP/tracetool"
TT=$TMP/tracetool
[ "$TRACER_CPU" = any ] || TT="taskset -c $TRACER_CPU $TMP/tracetool"
bench_nginx_start bench/compare_nginx.sh "$PORT" || exit 1
WORKER=$(pgrep -P "$MASTER" | head -1)
WRK=wrk
if [ "$PIN" = 1 ]; then
	[ "$(nproc)" -ge 2 ] || { echo "bench/compare_nginx.sh: PIN=1 needs 2 CPUs (PIN=0)" >&2; exit 1; }
	for p in $(echo "$PIDS_CSV" | tr ',' ' '); do taskset -a -p -c 0 "$p" >/dev/null || exit 1; done
	WRK="taskset -c 1 wrk"
fi
URL="http://127.0.0.1:$PORT/api/users/42"
DIR=${KEEP:-$TMP}
mkdir -p "$DIR" || exit 1

# record NAME [--interleave ...]: one bundle $DIR/NAME.json.gz; exit status of record
record() {
	_name=$1
	shift
	if [ "$PLACEMENT" = 1 ]; then
		_speed=$(python3 bench/placement.py speed)
		python3 bench/placement.py sample "$DIR/$_name.place" 0.1 "$MASTER" "$WORKER" -- wrk tracetool &
		_sampler=$!
	fi
	# shellcheck disable=SC2086
	$TT record requests -p "$PIDS_CSV" $UNTRACED --runs "$RUNS" --warmup "$WARMUP" \
		-o "$DIR/$_name.json.gz" "$@" -- $WRK $WRK_ARGS "$URL" >"$TMP/rec.out" 2>&1
	_rc=$?
	if [ "$PLACEMENT" = 1 ]; then
		kill -TERM "$_sampler"
		wait "$_sampler"
		[ $_rc -ne 0 ] || echo "  $_name placement: $(python3 bench/placement.py runs "$DIR/$_name.json.gz" "$DIR/$_name.place" "$WORKER")"
		echo "  $_name ns per loop iteration: before $_speed, after $(python3 bench/placement.py speed)"
	fi
	return $_rc
}

echo "tracetool $($TT --version | cut -d' ' -f2), nginx $($NGINX -v 2>&1 | sed 's/.*\///'), $(nproc) CPUs, $(uname -r)"
echo "mode $MODE, $COMPARISONS comparisons, $RUNS runs + $WARMUP warm-up per side, wrk $WRK_ARGS per run, default gate$([ "$PIN" = 1 ] && echo ", nginx pinned to CPU 0 and wrk to CPU 1")$([ "$TRACER_CPU" != any ] && echo ", tracetool to CPU $TRACER_CPU"), $([ "$CLIENT" = 1 ] && echo "nginx and wrk traced" || echo "nginx traced (wrk untraced)")"
zero=0
hoststep=0
start=$(date +%s)
for k in $(seq "$COMPARISONS"); do
	if [ "$MODE" = pair ]; then
		record "a$k" && record "b$k"
	else
		record "ab$k" --interleave "$WRK $WRK_ARGS $URL"
	fi || {
		echo "comparison $k: record failed: $(tail -2 "$TMP/rec.out")" >&2
		exit 1
	}
	if [ "$MODE" = pair ]; then
		set -- "$DIR/a$k.json.gz" "$DIR/b$k.json.gz"
	else
		set -- "$DIR/ab$k.json.gz"
	fi
	$TT compare -f json -o "$DIR/cmp$k.json" "$@" 2>"$TMP/cmp.err"
	rc=$?
	[ $rc -eq 0 ] && zero=$((zero + 1))
	if [ ! -s "$DIR/cmp$k.json" ]; then
		echo "comparison $k: exit $rc, no JSON: $(head -2 "$TMP/cmp.err")"
		continue
	fi
	jq -r --arg k "$k" --arg rc "$rc" '"comparison \($k): exit \($rc), family \(.family_size), "
		+ (.verdicts | to_entries | map(select(.value > 0) | "\(.key) \(.value)") | join(", "))' \
		"$DIR/cmp$k.json"
	# the host's core-to-core latency across the two sides, and what it changed (null: no probes)
	jq -r '"  \(.host_core_to_core.summary // "host core-to-core latency: not tested")"' "$DIR/cmp$k.json"
	[ "$(jq -r '.host_core_to_core.step // "none"' "$DIR/cmp$k.json")" = none ] || hoststep=$((hoststep + 1))
	jq -r '.results[] | select(.verdict == "REGRESSED" or .verdict == "IMPROVED" or .reason != null)
		| "  \(.verdict)\(if .reason then " (\(.reason); was \(.verdict_before_host_check))" else "" end) \(.metric){\(.labels | to_entries | map("\(.key)=\(.value)") | join(","))} \(.statistic): change \(.change // "?") [\(.interval[0] // "-inf"), \(.interval[1] // "inf")], q \(.q_worse), medians \(.base.median) -> \(.candidate.median)"' \
		"$DIR/cmp$k.json"
done
end=$(date +%s)
echo "exit 0 in $zero of $COMPARISONS comparisons ($((end - start)) s); a host core-to-core step in $hoststep"

# Drift between the sides' medians against the spread inside a side, per
# series and statistic over every comparison.
echo "series and statistic: |cand/base - 1| of the medians (median, max over comparisons); spread/median inside a side (median)"
cat "$DIR"/cmp*.json | jq -rs '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def pct: if . == null then "-" else (. * 1000 | round / 10 | tostring) + " %" end;
	[.[].results[] | select(.base.median != null and .candidate.median != null and .base.median > 0)
	 | {key: "\(.metric){\(.labels | to_entries | map("\(.key)=\(.value)") | join(","))} \(.statistic)",
	    drift: ((.candidate.median / .base.median - 1) | fabs),
	    spread: (([.base.spread, .candidate.spread] | map(select(. != null)) | add / length) / .base.median)}]
	| group_by(.key)[]
	| "  \(.[0].key): drift \(map(.drift) | med | pct), max \(map(.drift) | max | pct); spread \(map(.spread) | med | pct)"'
