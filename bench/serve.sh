#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Benchmarks of `tracetool serve` (issue 14).  Prints figures, asserts
# nothing; fails only on a broken setup.  Usage:
#
#   sh bench/serve.sh [MODE...]     (default: scrapers scan cpu series)
#
# Modes (each runs alone, with its own nginx and serve on loopback ports):
#   longrun   serve (syscalls tcp requests, --port of its nginx) for
#             LONGRUN_SECONDS [3600] under a rate-limited load (LOAD_RATE [200]
#             requests/s, a new connection every 50, a new word route each
#             minute so idle series expire and come back) and a scraper every
#             SCRAPE_INTERVAL [15] s that parses every scrape: RSS and
#             anonymous memory growth after LONGRUN_WARMUP [600] s, open fds,
#             counters/buckets/_count/_sum that decreased.  Measures memory,
#             fds and monotonicity, not time: it takes no lock and may run
#             beside other work (it is not in the default modes: an hour).
#             serve runs with -v: its state (series, buckets, heap) once a
#             minute, the first and last lines printed (all in LONGRUN_LOG).
#   scrapers  100 concurrent scrape loops (SCRAPERS) while a client holds 500
#             (HOLD_CONNS) half-open connections, a slowloris that sends one
#             more header line every 4 s, for HOLD_SECONDS [30]: scrape latency
#             p50/p99/max and errors, and whether collection went on (nginx's
#             request count in serve rising).
#   scan      SCAN_PATHS [100000] distinct word paths (404s) from 4 processes
#             against nginx: series of the route family, overflow counted,
#             serve's RSS growth.
#   cpu       serve's own user and system CPU (/proc/PID/stat) over CPU_SECONDS
#             [120] at a 15 s scrape interval while wrk (WRK_ARGS [-t1 -c2])
#             drives nginx; the achieved request rate.
#   series    for each N of SERIES_ROUTES [526 10000]: N route series
#             (requests --max-routes N, N distinct word paths; 526 histogram
#             series are about 10,000 sample lines, Prometheus's series) and
#             the time of a scrape (curl time_total, median of 7) and its size:
#             text, text with Accept-Encoding: gzip, OpenMetrics; serve's own
#             stage times (-v: collect, export view, self-metrics, render);
#             zlib's time and ratio at levels 1 and 6 on the text.
# Timed modes run under `flock /tmp/tt-bench.lock flock /tmp/tt-live.lock`.
# OUT [build] is the build directory; the binary is copied first, so a
# rebuild does not touch a running benchmark.

set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-build}
MODES=${*:-scrapers scan cpu series}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=/usr/bin/python3
TOOL=bench/serve_tool.py

. bench/lock.sh
. bench/nginx.sh
if [ "$MODES" != longrun ] && [ "${TT_SERVE_LOCKED:-}" != 1 ]; then
	if bench_lock_held_above; then
		exec env TT_SERVE_LOCKED=1 TT_BENCH_LOCKED=1 flock /tmp/tt-live.lock sh "$0" "$@"
	fi
	exec env TT_SERVE_LOCKED=1 TT_BENCH_LOCKED=1 flock /tmp/tt-bench.lock \
		flock /tmp/tt-live.lock sh "$0" "$@"
fi
for t in "$NGINX" wrk curl "$PY" "$OUT/tracetool"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench/serve.sh: $t is missing (scripts/deps.sh; make all)" >&2
		exit 1
	fi
done
[ "$(id -u)" -eq 0 ] || { echo "bench/serve.sh: needs root" >&2; exit 1; }

TMP=$(mktemp -d /tmp/tt-serve-bench.XXXXXX) || exit 1
chmod 755 "$TMP"
TT=$TMP/tracetool
cp "$OUT/tracetool" "$TT"
MASTER=""
SERVE=""
cleanup() {
	[ -n "$SERVE" ] && kill -INT "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null
	bench_nginx_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "serve bench: tracetool $(git describe --always --dirty 2>/dev/null), $(date -u +%FT%TZ), modes: $MODES, load average $(cut -d" " -f1-3 /proc/loadavg)"

# serve_start LISTEN_PORT ARGS...: tracetool serve in the background; SERVE is its pid,
# waits (60 s at most) until /-/healthy answers and one scrape has rendered
serve_start() {
	_lp=$1
	shift
	"$TT" serve "$@" --listen 127.0.0.1:"$_lp" 2>"$TMP/serve.err" &
	SERVE=$!
	_n=0
	while ! curl -sf -o /dev/null "http://127.0.0.1:$_lp/-/healthy" && [ $_n -lt 600 ]; do
		kill -0 "$SERVE" 2>/dev/null || break
		sleep 0.1
		_n=$((_n + 1))
	done
	if ! curl -sf -o /dev/null "http://127.0.0.1:$_lp/metrics"; then
		echo "bench/serve.sh: serve did not answer on 127.0.0.1:$_lp: $(head -c 300 "$TMP/serve.err")" >&2
		exit 1
	fi
}

# mode_start NAME NGINX_PORT SERVE_PORT [SERVE ARGS...]: the mode's nginx and serve (default
# tracers, --port of that nginx, unless SERVE ARGS say otherwise)
mode_start() {
	bench_nginx_start "$1" "$2" || exit 1
	_np=$2 _sp=$3
	shift 3
	if [ $# = 0 ]; then
		serve_start "$_sp" --port "$_np"
	else
		serve_start "$_sp" "$@"
	fi
}

serve_stop() {
	kill -INT "$SERVE" 2>/dev/null
	wait "$SERVE" 2>/dev/null
	SERVE=""
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }

# metric FAMILY LINE-PATTERN PORT: sum of the samples of the scrape matching the pattern
metric() {
	curl -s "http://127.0.0.1:$3/metrics" | grep "^$1" | grep -e "$2" |
		awk '{ s += $NF } END { printf "%.0f\n", s }'
}

mode_longrun() {
	NP=${LONGRUN_PORT:-18970}
	SP=$((NP + 1))
	secs=${LONGRUN_SECONDS:-3600}
	mode_start longrun $NP $SP --port $NP -v	# -v: serve's state once a minute
	echo "longrun: serve pid $SERVE (syscalls tcp requests --port $NP), ${secs} s, load ${LOAD_RATE:-200}/s, scrape every ${SCRAPE_INTERVAL:-15} s, warm-up ${LONGRUN_WARMUP:-600} s; no lock (memory, fds, monotonicity)"
	"$PY" $TOOL load $NP "${LOAD_RATE:-200}" "$secs" &
	load=$!
	"$PY" $TOOL watch "http://127.0.0.1:$SP/metrics" "$SERVE" "${SCRAPE_INTERVAL:-15}" "$secs" \
		"${LONGRUN_WARMUP:-600}" "${LONGRUN_CSV:-$TMP/longrun.csv}"
	wait $load
	echo "longrun: serve's lost events: $(metric tracetool_lost_events_total '' $SP)," \
		"series expired so far: $(metric tracetool_export_expired_series_total '' $SP)"
	# which tracer and reason: a loss that is counted is still a wrong number
	curl -s "http://127.0.0.1:$SP/metrics" | grep '^tracetool_lost_events_total' |
		awk '$NF != 0 { print "longrun: lost " $0 }'
	grep 'state:' "$TMP/serve.err" | sed -n '1p;$p' | sed 's/^tracetool serve: /longrun: first and last /'
	[ -n "${LONGRUN_LOG:-}" ] && cp "$TMP/serve.err" "$LONGRUN_LOG"
	serve_stop
	bench_nginx_stop
}

mode_scrapers() {
	NP=18972 SP=18973
	n=${SCRAPERS:-100} h=${HOLD_CONNS:-500} secs=${HOLD_SECONDS:-30}
	mode_start scrapers $NP $SP
	wrk -t1 -c1 -d$((secs + 15))s "http://127.0.0.1:$NP/api/users/42" >/dev/null 2>&1 &
	wrkp=$!
	"$PY" $TOOL scrapers "http://127.0.0.1:$SP/metrics" "$n" 5 | sed 's/^/alone: /'
	"$PY" $TOOL hold $SP "$h" "$((secs + 10))" &
	holdp=$!
	sleep 8	# the connections are open and their partial requests sent
	echo "scrapers: connections serve holds open with $h half-open wanted: $(ss -tnH state established "( sport = :$SP )" | wc -l)"
	c0=$(metric http_server_request_duration_seconds_count 'http_route="/api/users/:id",http_response_status_code="200"' $SP)
	"$PY" $TOOL scrapers "http://127.0.0.1:$SP/metrics" "$n" "$secs" | sed "s/^/with $h held: /"
	c1=$(metric http_server_request_duration_seconds_count 'http_route="/api/users/:id",http_response_status_code="200"' $SP)
	echo "scrapers: nginx requests counted by serve during the scrapes: $c0 -> $c1"
	wait $holdp
	kill $wrkp 2>/dev/null
	wait $wrkp 2>/dev/null
	serve_stop
	bench_nginx_stop
}

mode_scan() {
	NP=18974 SP=18975
	n=${SCAN_PATHS:-100000}
	mode_start scan $NP $SP
	wrk -t1 -c1 -d3s "http://127.0.0.1:$NP/api/users/42" >/dev/null 2>&1
	curl -s -o /dev/null "http://127.0.0.1:$SP/metrics"
	r0=$(rss_kib $SERVE) a0=$(anon_kib $SERVE)
	"$PY" $TOOL scan $NP "$n" 4
	sleep 2
	curl -s -o "$TMP/scan.txt" "http://127.0.0.1:$SP/metrics"
	r1=$(rss_kib $SERVE) a1=$(anon_kib $SERVE)
	echo "scan: route series of http_server_request_duration_seconds:" \
		"$(grep -c '^http_server_request_duration_seconds_count{' "$TMP/scan.txt")," \
		"/scan/ requests in their own series: $(grep '^http_server_request_duration_seconds_count{.*http_route="/scan/' "$TMP/scan.txt" | awk '{ s += $NF } END { print s + 0 }')," \
		"in route _other: $(grep '^http_server_request_duration_seconds_count{.*http_route="_other"' "$TMP/scan.txt" | awk '{ s += $NF } END { print s + 0 }')"
	grep '^tracetool_export_overflow_series_total{metric="http_server_request_duration_seconds"}\|^tracetool_export_series{metric="http_server_request_duration_seconds"}' \
		"$TMP/scan.txt" | sed 's/^/scan: /'
	echo "scan: serve RSS $r0 -> $r1 KiB ($((r1 - r0)) KiB), anonymous $a0 -> $a1 KiB ($((a1 - a0)) KiB)"
	serve_stop
	bench_nginx_stop
}

mode_cpu() {
	NP=18976 SP=18977
	secs=${CPU_SECONDS:-120}
	mode_start cpu $NP $SP
	wrk ${WRK_ARGS:--t1 -c2} -d$((secs + 2))s "http://127.0.0.1:$NP/api/users/42" >"$TMP/wrk.txt" 2>&1 &
	wrkp=$!
	sleep 1
	set -- $(cut -d' ' -f14,15 "/proc/$SERVE/stat")
	u0=$1 s0=$2 t0=$(date +%s.%N)
	k=0
	while [ $k -lt $((secs / 15)) ]; do
		sleep 15
		curl -s -o /dev/null "http://127.0.0.1:$SP/metrics"
		k=$((k + 1))
	done
	set -- $(cut -d' ' -f14,15 "/proc/$SERVE/stat")
	u1=$1 s1=$2 t1=$(date +%s.%N)
	wait $wrkp
	hz=$(getconf CLK_TCK)
	rate=$(awk '/^Requests\/sec:/ { print $2 }' "$TMP/wrk.txt")
	echo "cpu: wrk ${WRK_ARGS:--t1 -c2}: $rate requests/s; $k scrapes in $(echo "$t1 - $t0" | bc) s"
	awk -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN {
		w = t1 - t0
		printf "cpu: serve user %.2f s, system %.2f s over %.1f s: user %.2f %% of a core, system %.2f %%\n",
			u / hz, s / hz, w, 100 * u / hz / w, 100 * s / hz / w }'
	echo "cpu: nginx requests counted by serve: $(metric http_server_request_duration_seconds_count 'http_route="/api/users/:id",http_response_status_code="200"' $SP)"
	serve_stop
	bench_nginx_stop
}

# series_scrapes PORT LABEL [CURL ARGS...]: 7 scrapes 0.5 s apart (past the 0.25 s snapshot
# reuse: each collects), their curl time_total and the median, the size of the last
series_scrapes() {
	_p=$1 _l=$2
	shift 2
	# to /dev/null: a file would add curl's writing of 34 MB to the time
	for i in 1 2 3 4 5 6 7; do
		curl -s "$@" -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$_p/metrics"
		sleep 0.5
	done >"$TMP/times"
	echo "series: $_l: time_total (s): $(cut -d' ' -f1 "$TMP/times" | tr '\n' ' ')median" \
		"$(cut -d' ' -f1 "$TMP/times" | sort -n | sed -n 4p), $(tail -1 "$TMP/times" | cut -d' ' -f2) bytes"
}

mode_series() {
	NP=18978 SP=18979
	for n in ${SERIES_ROUTES:-526 10000}; do
		mode_start series $NP $SP requests --port $NP --max-routes "$n" -v
		"$PY" $TOOL scan $NP $((n - 1)) 2
		wrk -t1 -c1 -d1s "http://127.0.0.1:$NP/api/users/42" >/dev/null 2>&1
		sleep 2
		curl -s -o "$TMP/series.txt" "http://127.0.0.1:$SP/metrics"
		echo "series: --max-routes $n: $(grep -c '^http_server_request_duration_seconds_count{' "$TMP/series.txt") route series" \
			"(http_server_request_duration_seconds), $(grep -vc '^#' "$TMP/series.txt") samples" \
			"($(grep -c '^http_server_request_duration_seconds' "$TMP/series.txt") of that family)," \
			"$(wc -c <"$TMP/series.txt") bytes"
		# what zlib (the library serve links) costs on this text, level by level
		"$PY" - "$TMP/series.txt" <<'EOF'
import sys, time, zlib
text = open(sys.argv[1], 'rb').read()
for level in (1, 6):
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        z = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        out = z.compress(text) + z.flush()
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    print("series: zlib level %d: %d -> %d bytes (%.1f x) in %.1f ms (best of 3)"
          % (level, len(text), len(out), len(text) / len(out), best * 1e3))
EOF
		sleep 0.5
		for v in "text" "text, Accept-Encoding: gzip" "OpenMetrics"; do
			k0=$(grep -c 'scrape: collect' "$TMP/serve.err")
			case $v in
			text) series_scrapes $SP "$v" ;;
			text,*) series_scrapes $SP "$v" -H 'Accept-Encoding: gzip' ;;
			*) series_scrapes $SP "$v" -H 'Accept: application/openmetrics-text; version=1.0.0' ;;
			esac
			# serve -v: one line of stage times per scrape
			grep 'scrape: collect' "$TMP/serve.err" | sed -n "$((k0 + 1)),\$p" >"$TMP/stages"
			[ -s "$TMP/stages" ] || continue
			_m=""
			for st in collect "export view" self-metrics render; do
				_m="$_m${_m:+, }$st $(sed -n "s/.*$st \([0-9.]*\) ms.*/\1/p" "$TMP/stages" |
					sort -n | sed -n "$((($(wc -l <"$TMP/stages") + 1) / 2))p")"
			done
			echo "series: $v: serve's stages (-v), median ms: $_m"
		done
		serve_stop
		bench_nginx_stop
	done
}

for m in $MODES; do
	case $m in
	longrun | scrapers | scan | cpu | series) "mode_$m" ;;
	*) echo "bench/serve.sh: unknown mode $m (longrun scrapers scan cpu series)" >&2; exit 2 ;;
	esac
done
