#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool serve`: a real Prometheus (its own config and
# data directory, loopback, scraping every second for more than 20 s)
# scrapes serve (syscalls tcp requests) while workloads of known counts run,
# and its HTTP API must give exactly those counts: getppid and nanosleep
# calls of syscall_workload, TCP retransmits of a namespace dropping every
# 5th segment (RetransSegs), requests per route of req_server/req_client.
# histogram_quantile(0.5) must fall in the exported bucket that holds the
# p50 a separate `tracetool syscalls` run reports for the same calls; no
# counter may reset; the target is up and scraped in OpenMetrics.  The
# text format passes `promtool check metrics` (also gzip-compressed, as
# Prometheus asks for it), the OpenMetrics output parses with
# python3-prometheus-client, content negotiation and
# /-/healthy answer as documented, a port in use is one line and exit 1,
# so is `-- CMD` (exit 2: serve runs until stopped),
# serve holds no capability after attach, and scrapes are answered while
# 300 half-open connections (a slowloris) hold more than its 256.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

SYS=$WL/syscall_workload
TCPW=$WL/tcp_workload
SRV=$WL/req_server
CLI=$WL/req_client
NS=tt-serve-$$
P=18192			# tcp (127.0.0.2, segments dropped) and requests (127.0.0.1), both in the namespace
HP=18960		# serve
PP=18961		# prometheus
SCOMM=ttserve_sys
PY=/usr/bin/python3	# Debian's, where python3-prometheus-client is

CHECKS="serve_port_in_use serve_healthy serve_text_default serve_openmetrics_negotiated
serve_promtool_check serve_openmetrics_parses serve_help_and_type_first_scrape serve_caps_dropped
serve_prom_target_up serve_prom_openmetrics serve_prom_getppid_exact serve_prom_nanosleep_exact
serve_prom_retrans_exact serve_prom_routes_exact serve_prom_quantile_in_p50_bucket
serve_prom_no_counter_resets serve_bpf_stats serve_exit_clean serve_docs_promtool serve_make_install
serve_scrape_beside_slowloris serve_gzip_promtool_check serve_no_command"

# shellcheck disable=SC2086
tt_require_base $CHECKS
for w in "$SYS" "$TCPW" "$SRV" "$CLI"; do
	if [ ! -x "$w" ]; then
		# shellcheck disable=SC2086
		fail_all "workload $w is missing: run make all" $CHECKS
		exit 0
	fi
done
if ! command -v curl >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	skip_all "curl is not installed" $CHECKS
	exit 0
fi

# --- the docs' Prometheus configuration and rules, make install -----------------------
if ! command -v promtool >/dev/null 2>&1; then
	skip serve_docs_promtool "promtool is not installed (Debian prometheus)"
else
	out=$(cd docs/serve 2>/dev/null && promtool check config prometheus.yml 2>&1)
	rc=$?
	if [ $rc = 0 ] && echo "$out" | grep -q "SUCCESS: 11 rules found"; then
		pass "serve_docs_promtool (docs/serve/prometheus.yml and rules.yml: 11 rules)"
	else
		fail serve_docs_promtool "exit $rc: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
fi
OUTDIR=$(dirname "$TT")
if [ ! -f Makefile ] || ! command -v make >/dev/null 2>&1; then
	skip serve_make_install "not run from the source tree (no Makefile), or no make"
else
	I=$TT_TMP/inst
	# -o: install the binary under test as it is, never rebuild it
	make -s --no-print-directory -o "$TT" install OUT="$OUTDIR" DESTDIR="$I" PREFIX=/usr \
		>/dev/null 2>"$TT_TMP/inst.err"
	rc=$?
	got="$rc"
	for f in usr/bin/tracetool usr/share/man/man1/tracetool.1 usr/share/bash-completion/completions/tracetool \
		usr/lib/systemd/system/tracetool-serve.service; do
		[ -s "$I/$f" ] || got="$got missing:$f"
	done
	grep -q '^ExecStart=/usr/bin/tracetool serve ' "$I/usr/lib/systemd/system/tracetool-serve.service" 2>/dev/null ||
		got="$got no-ExecStart"
	check_eq serve_make_install "make install DESTDIR PREFIX=/usr: exit status, files, unit's ExecStart" 0 "$got"
fi
CHECKS=$(echo "$CHECKS" | tr ' ' '\n' | grep -v '^serve_docs_promtool$\|^serve_make_install$')

if ! tt_netns_new "$NS"; then
	# shellcheck disable=SC2086
	skip_all "$TT_WHY" $CHECKS
	exit 0
fi
nsx() { ip netns exec "$NS" "$@"; }
if ! tt_netns_drop "$NS" $P 127.0.0.2; then
	# shellcheck disable=SC2086
	skip_all "$TT_WHY" $CHECKS
	exit 0
fi

E=$TT_TMP/serve.err
# --by comm on a host busy with other work: room for every comm's label sets in the
# kernel, so the workload's series never land in the _other overflow series
tt_bg "$TT" serve --by comm --port $P --listen 127.0.0.1:$HP --bpf-stats -d 150 \
	--max-series 32768 --max-cells 1048576 2>"$E"
TTPID=$TT_PID
if ! tt_wait_bss_ready "$TTPID" 30; then
	# shellcheck disable=SC2086
	fail_all "$TT_WHY: $(head -c 200 "$E")" $CHECKS
	exit 0
fi
URL=http://127.0.0.1:$HP

# --- the endpoint alone -------------------------------------------------------
# the first scrape, before any workload: every family has HELP and TYPE
curl -s -o "$TT_TMP/first.txt" "$URL/metrics"
missing=""
for f in tracetool_syscall_duration_seconds tracetool_syscall_errors_total tracetool_tcp_retransmits_total \
	tracetool_tcp_resets_total http_server_request_duration_seconds http_client_request_duration_seconds \
	tracetool_redis_request_duration_seconds tracetool_postgresql_request_duration_seconds \
	tracetool_lost_events_total tracetool_build_info tracetool_up; do
	grep -q "^# HELP $f " "$TT_TMP/first.txt" && grep -q "^# TYPE $f " "$TT_TMP/first.txt" ||
		missing="$missing $f"
done
nlost=$(grep -c '^tracetool_lost_events_total{tracer="[a-z]*",reason="[a-z_]*"} 0$' "$TT_TMP/first.txt")
check_eq serve_help_and_type_first_scrape "families without HELP/TYPE, zero lost series (3 tracers x 5 reasons)" \
	" 15" "$missing $nlost"

# one_line_exit NAME STATUS PATTERN ARGS...: `tracetool serve ARGS` exits STATUS with one
# line on stderr that starts with PATTERN
one_line_exit() {
	_n=$1 _want=$2 _pat=$3
	shift 3
	"$TT" serve "$@" >/dev/null 2>"$TT_TMP/$_n.err"
	_rc=$?
	if [ $_rc = "$_want" ] && [ "$(wc -l <"$TT_TMP/$_n.err")" = 1 ] &&
		grep -q "^$_pat" "$TT_TMP/$_n.err"; then
		pass "$_n"
	else
		fail "$_n" "exit $_rc, stderr: $(head -c 300 "$TT_TMP/$_n.err")"
	fi
}
one_line_exit serve_port_in_use 1 "tracetool serve: --listen 127.0.0.1:$HP: Address already in use" \
	syscalls --listen 127.0.0.1:$HP -d 5
# serve runs until stopped: a command after -- is a usage error, before anything loads
one_line_exit serve_no_command 2 "tracetool serve: -- CMD is not taken" \
	syscalls --listen 127.0.0.1:0 -- true

h=$(curl -s -w ' %{http_code}' "$URL/-/healthy")
check_eq serve_healthy "/-/healthy" "tracetool is healthy. 200" "$(echo $h)"

ct() {	# ct ACCEPT: the Content-Type of /metrics for that Accept header (- for none)
	if [ "$1" = - ]; then
		curl -s -o /dev/null -w '%{content_type}' -H 'Accept:' "$URL/metrics"
	else
		curl -s -o /dev/null -w '%{content_type}' -H "Accept: $1" "$URL/metrics"
	fi
}
TEXT="text/plain; version=0.0.4; charset=utf-8"
OM="application/openmetrics-text; version=1.0.0; charset=utf-8"
check_eq serve_text_default "Content-Type for no Accept, */*, text/plain" "$TEXT|$TEXT|$TEXT" \
	"$(ct -)|$(ct '*/*')|$(ct 'text/plain')"
check_eq serve_openmetrics_negotiated "Content-Type for OpenMetrics 1.0.0, Prometheus' own Accept, 0.0.1 only" \
	"$OM|$OM|$TEXT" \
	"$(ct 'application/openmetrics-text; version=1.0.0')|$(ct 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')|$(ct 'application/openmetrics-text; version=0.0.1,text/plain;q=0.5')"

capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$TTPID/status")
capprm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$TTPID/status")
check_eq serve_caps_dropped "CapEff CapPrm of serve after attach" "0000000000000000 0000000000000000" \
	"$capeff $capprm"

# a slowloris: 300 connections, each a request never finished (one more header line every
# 2 s, inside MHD's 10 s idle timeout); scrapes must still be answered, at once
rm -f "$TT_TMP/slow.ready"
tt_bg "$PY" -c 'import socket, sys, time
conns = []
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: slow\r\n")
    conns.append(s)
open(sys.argv[2], "w").write("ready")
end = time.monotonic() + 40
while time.monotonic() < end:
    time.sleep(2)
    for s in conns:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            pass' $HP "$TT_TMP/slow.ready"
SLOWPID=$TT_PID
n=0
while [ ! -s "$TT_TMP/slow.ready" ] && tt_alive $SLOWPID && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
sleep 1
got=""
for i in 1 2 3; do
	got="$got $(curl -s -o /dev/null -m 5 -w '%{http_code}' "$URL/metrics")"
done
tt_stop $SLOWPID
check_eq serve_scrape_beside_slowloris "3 scrapes (5 s at most each) while 300 half-open connections are held" \
	" 200 200 200" "$got"

# --- Prometheus ----------------------------------------------------------------
if ! command -v prometheus >/dev/null 2>&1; then
	skip_all "prometheus is not installed (scripts/deps.sh installs it)" serve_prom_target_up \
		serve_prom_openmetrics serve_prom_getppid_exact serve_prom_nanosleep_exact \
		serve_prom_retrans_exact serve_prom_routes_exact serve_prom_quantile_in_p50_bucket \
		serve_prom_no_counter_resets
	PROM=no
else
	PROM=yes
	mkdir -p "$TT_TMP/prom"
	cat >"$TT_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: tracetool
    static_configs:
      - targets: ['127.0.0.1:$HP']
EOF
	tt_bg prometheus --config.file="$TT_TMP/prometheus.yml" --storage.tsdb.path="$TT_TMP/prom" \
		--web.listen-address=127.0.0.1:$PP --log.level=warn 2>"$TT_TMP/prom.err"
	PROMPID=$TT_PID
	PSTART=$(date +%s)
	API=http://127.0.0.1:$PP/api/v1
	n=0
	until curl -s "$API/query?query=up" 2>/dev/null | grep -q '"value"' || [ $n -ge 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
fi

# --- workloads of known counts (a separate syscalls run gives tracetool's own p50) ---
O2=$TT_TMP/own.json
tt_bg "$TT" syscalls --by comm -c $SCOMM --syscall nanosleep -d 60 -f json -o "$O2" 2>"$TT_TMP/own.err"
OWNPID=$TT_PID
tt_wait_bss_ready "$OWNPID" 30 || echo "# own p50 run not ready: $TT_WHY"
"$SYS" --comm $SCOMM --getppid 1234 --nanosleep 200 --sleep-us 300 >/dev/null 2>"$TT_TMP/sys.err"
sysrc=$?
kill -TERM "$OWNPID" 2>/dev/null
tt_wait_exit "$OWNPID" 20
s0=$(tt_retrans_segs "$NS")
nsx "$TCPW" --addr 127.0.0.2 --port $P --conns 2 --writes 150 --size 1000 >/dev/null \
	2>"$TT_TMP/tcp.err"
tcprc=$?
# the HTTP flows are in the namespace too: tcp counts every flow of port $P
ip netns exec "$NS" "$SRV" --port $P --conns 1 --timeout 60 >/dev/null 2>"$TT_TMP/srv.err" &
srvpid=$!
nsx "$CLI" --port $P --req GET:/alpha:7 --req GET:/items/4242:5 --req GET:/missing:2 \
	>/dev/null 2>"$TT_TMP/cli.err"
clirc=$?
wait $srvpid
tt_netns_settle "$NS"
s1=$(tt_retrans_segs "$NS")

# --- serve's own outputs, after the workloads ---------------------------------------
scrape_s=$(curl -s -H 'Accept: text/plain' -o "$TT_TMP/metrics.txt" -w '%{time_total}' "$URL/metrics")
out=$(promtool check metrics <"$TT_TMP/metrics.txt" 2>&1)
rc=$?
if ! command -v promtool >/dev/null 2>&1; then
	skip serve_promtool_check "promtool is not installed (Debian prometheus)"
elif [ $rc = 0 ] && [ -z "$out" ]; then
	pass "serve_promtool_check ($(grep -vc "^#" "$TT_TMP/metrics.txt") samples, scraped in ${scrape_s} s)"
else
	fail serve_promtool_check "exit $rc: $(echo "$out" | head -5 | tr '\n' ' ')"
fi
# what Prometheus sends: Accept-Encoding: gzip; the answer is compressed and inflates to clean text
curl -s -H 'Accept: text/plain' -H 'Accept-Encoding: gzip' -D "$TT_TMP/gz.hdr" -o "$TT_TMP/metrics.gz" "$URL/metrics"
gzip -dc <"$TT_TMP/metrics.gz" >"$TT_TMP/metrics.gz.txt" 2>"$TT_TMP/gunzip.err"
gzrc=$?
out=$(promtool check metrics <"$TT_TMP/metrics.gz.txt" 2>&1)
rc=$?
if ! command -v promtool >/dev/null 2>&1; then
	skip serve_gzip_promtool_check "promtool is not installed (Debian prometheus)"
elif grep -qi '^content-encoding: gzip' "$TT_TMP/gz.hdr" && [ $gzrc = 0 ] && [ $rc = 0 ] &&
	[ -z "$out" ] && [ "$(grep -vc '^#' "$TT_TMP/metrics.gz.txt")" -gt 100 ]; then
	pass "serve_gzip_promtool_check ($(wc -c <"$TT_TMP/metrics.gz") bytes for $(wc -c <"$TT_TMP/metrics.gz.txt"))"
else
	fail serve_gzip_promtool_check "gzip -d exit $gzrc, promtool exit $rc: $(grep -i '^content-encoding' "$TT_TMP/gz.hdr") $(head -c 200 "$TT_TMP/gunzip.err") $(echo "$out" | head -3 | tr '\n' ' ')"
fi
curl -s -H "Accept: application/openmetrics-text; version=1.0.0" "$URL/metrics" >"$TT_TMP/metrics.om"
if ! $PY -c 'import prometheus_client' 2>/dev/null; then
	skip serve_openmetrics_parses "python3-prometheus-client is not installed"
else
	res=$($PY - "$TT_TMP/metrics.om" <<'EOF' 2>&1
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
created = sum(1 for f in fams for s in f.samples if s.name.endswith('_created'))
print(len(fams), 'families', 'created' if created else 'no _created')
EOF
)
	case "$res" in
	*" families created") pass "serve_openmetrics_parses ($res)" ;;
	*) fail serve_openmetrics_parses "$(echo "$res" | tail -3 | tr '\n' ' ')" ;;
	esac
fi

# --bpf-stats: turned on before the capabilities went; the syscalls programs ran at
# least once per getppid and nanosleep call, and took time
bs=$(awk -v n=$((1234 + 200)) '
	/^tracetool_bpf_stats_enabled\{reason="on: --bpf-stats"\} 1$/ { on = 1 }
	/^tracetool_bpf_runs_total\{tracer="syscalls",/ { runs += $NF }
	/^tracetool_bpf_run_seconds_total\{tracer="syscalls",/ { secs += $NF }
	END { print (on ? "on" : "off"), (runs >= n ? "runs>=" n : "runs=" runs), (secs > 0 ? "time>0" : "time=0") }' \
	"$TT_TMP/metrics.txt")
check_eq serve_bpf_stats "bpf stats enabled, syscalls program runs, run time" "on runs>=$((1234 + 200)) time>0" "$bs"

# --- what Prometheus stored -----------------------------------------------------------
q() {	# q PROMQL: the single value of an instant query ("none" if empty)
	curl -s -G "$API/query" --data-urlencode "query=$1" |
		jq -r 'if (.data.result | length) == 1 then .data.result[0].value[1] else "none" end' 2>/dev/null
}
if [ $PROM = yes ]; then
	# at least 20 s of scrapes, and 3 s past the workloads so the last counts are in
	sleep 3
	while [ $(($(date +%s) - PSTART)) -lt 22 ]; do
		sleep 1
	done
	check_eq serve_prom_target_up "up, target health, scrapes in the last 20 s" "1 up ok" \
		"$(q 'up{job="tracetool"}') $(curl -s "$API/targets" | jq -r '.data.activeTargets[0].health') $(q 'count_over_time(up{job="tracetool"}[20s]) >= 15' | sed 's/^[0-9.]*$/ok/')"
	# _created series exist only when the OpenMetrics format was negotiated
	check_eq serve_prom_openmetrics "lost_events _created series ingested (OpenMetrics scrape), one per zero series of the first scrape" "$nlost" \
		"$(q 'count(tracetool_lost_events_created)')"
	if [ "$sysrc" != 0 ]; then
		fail_all "syscall_workload exit $sysrc: $(head -c 200 "$TT_TMP/sys.err")" \
			serve_prom_getppid_exact serve_prom_nanosleep_exact serve_prom_quantile_in_p50_bucket
	else
		other=$(q 'sum(tracetool_syscall_duration_seconds_count{comm="_other"})')
		check_eq serve_prom_getppid_exact "getppid count of $SCOMM in Prometheus" 1234 \
			"$(q "sum(tracetool_syscall_duration_seconds_count{syscall=\"getppid\",comm=\"$SCOMM\"})")" \
			"_other series count: $other, series: $(q 'count(tracetool_syscall_duration_seconds_count)')"
		check_eq serve_prom_nanosleep_exact "nanosleep count of $SCOMM in Prometheus" 200 \
			"$(q "sum(tracetool_syscall_duration_seconds_count{syscall=\"nanosleep\",comm=\"$SCOMM\"})")"
		p50=$(tt_quantile "$O2" "{\"syscall\":\"nanosleep\",\"comm\":\"$SCOMM\"}" 0.5)
		hq=$(q "histogram_quantile(0.5, sum by (le) (tracetool_syscall_duration_seconds_bucket{syscall=\"nanosleep\",comm=\"$SCOMM\"}))")
		# the exported bucket (lo, hi] that holds tracetool's p50
		les=$(grep "^tracetool_syscall_duration_seconds_bucket{" "$TT_TMP/metrics.txt" |
			grep 'syscall="nanosleep"' | grep "comm=\"$SCOMM\"" |
			sed 's/.*le="\([^"]*\)".*/\1/' | grep -v Inf)
		verdict=$(echo "$les" | awk -v p="$p50" -v h="$hq" 'BEGIN { lo = 0 }
			{ if (p + 0 <= $1 + 0) { hi = $1; exit } lo = $1 }
			END { if (hi == "") print "p50 " p " past the last bound";
			      else if (h + 0 >= lo + 0 && h + 0 <= hi + 0) print "in";
			      else print "histogram_quantile " h " outside (" lo ", " hi "] holding p50 " p }')
		if [ -z "$p50" ] || [ "$hq" = none ]; then
			fail serve_prom_quantile_in_p50_bucket "own p50 '$p50', histogram_quantile '$hq': $(head -c 200 "$TT_TMP/own.err")"
		else
			check_eq serve_prom_quantile_in_p50_bucket "histogram_quantile(0.5) $hq vs tracetool p50 $p50" \
				in "$verdict"
		fi
	fi
	if [ "$tcprc" != 0 ] || [ $((s1 - s0)) -le 0 ]; then
		fail serve_prom_retrans_exact "tcp_workload exit $tcprc, RetransSegs +$((s1 - s0)): $(head -c 200 "$TT_TMP/tcp.err")"
	else
		check_eq serve_prom_retrans_exact "retransmits of port $P in Prometheus vs RetransSegs delta" \
			"$((s1 - s0))" "$(q 'sum(tracetool_tcp_retransmits_total)')"
	fi
	if [ "$clirc" != 0 ]; then
		fail serve_prom_routes_exact "req_client exit $clirc: $(head -c 200 "$TT_TMP/cli.err")"
	else
		S=http_server_request_duration_seconds_count
		check_eq serve_prom_routes_exact "server requests per route in Prometheus" "7 5 2" \
			"$(q "sum($S{http_route=\"/alpha\",comm=\"req_server\"})") $(q "sum($S{http_route=\"/items/:id\",comm=\"req_server\"})") $(q "sum($S{http_route=\"/missing\",http_response_status_code=\"404\"})")"
	fi
	# resets() drops the name: one query per family (series of two families may share labels)
	check_eq serve_prom_no_counter_resets "counter and histogram count resets over the run" 0 \
		"$(q 'sum(resets(tracetool_syscall_duration_seconds_count[1m])) + sum(resets(tracetool_syscall_errors_total[1m])) + sum(resets(tracetool_tcp_retransmits_total[1m])) + sum(resets(http_server_request_duration_seconds_count[1m])) + sum(resets(process_cpu_seconds_total[1m]))')"
	tt_stop "$PROMPID"
fi

kill -TERM "$TTPID" 2>/dev/null
if tt_wait_exit "$TTPID" 20 && [ "$TT_RC" = 0 ]; then
	pass serve_exit_clean
else
	fail serve_exit_clean "exit $TT_RC after SIGTERM: $(head -c 200 "$E")"
fi
