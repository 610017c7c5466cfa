#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool requests` (root, real kernel).  Workloads with
# exactly known requests: req_server (HTTP/1.1 keep-alive, known per-route
# delays, a line-based TCP mode) and req_client (an exact number of
# requests per route, pipelined or with split request lines), traced
# together under -- CMD; then nginx (started by the test with its own
# configuration on 127.0.0.1) under wrk and req_client.  Every check
# asserts on the JSON report (read with jq); only our own processes are
# traced (-- CMD), so other traffic on the host does not matter.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

SRV=$WL/req_server
CLI=$WL/req_client
PORT=19010		# this file's ports: 19010-19019 (helper range 19000-19999)
PORT2=19110		# and 19110-19119
SLOW_MS=30
MARK=ttq$$secret	# a query-string value that must appear in no output
# REQ_HOOK=tracepoint runs every check on the syscall-tracepoint fallback path
# (tests/live/test_requests_fallback.sh); empty: the path tracetool picks (tp_btf)
HOOK=${REQ_HOOK:+--hook $REQ_HOOK}

CHECKS="requests_server_route_counts requests_server_status_counts requests_server_slow_p50
requests_server_many_writes_p50 requests_server_comm requests_client_counts
requests_client_peer requests_events_json requests_query_absent_json
requests_query_absent_text requests_text_event_lines requests_no_loss
requests_pipelined_counts requests_pipelined_client_counts requests_split_counts
requests_other_method requests_long_route_cut requests_upgrade_101 requests_tcp_count requests_tcp_p50
requests_tcp_client_not_timed
requests_interval_sum_exact
requests_nginx_wrk_count requests_nginx_p50_vs_wrk requests_nginx_sendfile_count
requests_nginx_pipelined_count requests_usage_bad_port requests_port_filter
requests_system_wide requests_no_payload_in_maps
requests_fork_tcp_count requests_fork_http_routes requests_fork_http_slow_p50
requests_peek_routes requests_peek_slow_p50 requests_peek_no_loss requests_postgres_turns
requests_pipeline3_exact requests_pipeline_deep_accounted requests_server_port_series requests_max_events
requests_dup_routes requests_dup_slow_p50 requests_scm_rights_routes requests_scm_rights_slow_p50"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$SRV" ] || [ ! -x "$CLI" ]; then
	for n in $CHECKS; do
		fail "$n" "workloads $SRV / $CLI are missing: run make all"
	done
	exit 0
fi

SERVER=http_server_request_duration_seconds
CLIENT=http_client_request_duration_seconds
TCPM=tracetool_tcp_request_duration_seconds

# req_run OUT ERR ARGS...: tracetool requests -f json ARGS, bounded.
req_run() {
	_out=$1
	_err=$2
	shift 2
	timeout -k 5 120 "$TT" requests $HOOK -f json "$@" >"$_out" 2>"$_err"
	TT_RC=$?
}

# count FILE METRIC LABELS: total count of the matching histogram series.
count() {
	tt_series "$1" "$2" "$3" | jq 'map(.count) | add // 0'
}

# p50 FILE METRIC LABELS: median of the single matching series.
p50() {
	tt_series "$1" "$2" "$3" | jq -r 'if length == 1 then .[0].quantiles["0.5"] else empty end'
}

# routes FILE: "METHOD ROUTE STATUS=count" of every server series, sorted.
routes() {
	jq -r --arg m "$SERVER" '[.metrics[] | select(.name == $m) | .series[] |
		"\(.labels.http_request_method) \(.labels.http_route) \(.labels.http_response_status_code)=\(.count)"] |
		sort | join(", ")' "$1" 2>/dev/null
}

# (1) keep-alive server and client, traced together: exact counts per route
# and status on both sides, the slow route's latency, no query string.
test_basic() {
	local d="$TT_TMP/basic" o e why
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $PORT --conns 1 --slow-ms $SLOW_MS --timeout 60 &
"$CLI" --port $PORT --req 'GET:/fast?token=$MARK:20' --req GET:/slow:5 --req 'GET:/missing?q=$MARK:3' \
	--req 'GET:/users/12345:4' --req GET:/chunks:2 --req GET:/vec:3 --req GET:/file:3 \
	--req GET:/cont:2 >"$d/client.out" || echo "client failed" >&2
wait
EOF
	req_run "$o" "$e" --events -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -z "$why" ] && [ -s "$e" ]; then
		why="stderr: $(head -c 300 "$e" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		fail_all "$why" requests_server_route_counts requests_server_status_counts \
			requests_server_slow_p50 requests_server_many_writes_p50 requests_server_comm \
			requests_client_counts requests_client_peer requests_events_json \
			requests_query_absent_json requests_no_loss
		return
	fi
	check_eq requests_server_route_counts "server series" \
		"GET /chunks 200=2, GET /cont 200=2, GET /fast 200=20, GET /file 200=3, GET /missing 404=3, GET /slow 200=5, GET /users/:id 200=4, GET /vec 200=3" \
		"$(routes "$o")" "lost $(tt_lost "$o")"
	check_eq requests_server_status_counts "server counts by status 200,404" "39,3" \
		"$(count "$o" $SERVER '{"http_response_status_code":"200"}'),$(count "$o" $SERVER '{"http_response_status_code":"404"}')"
	check_range requests_server_slow_p50 "p50 of /slow (server sleeps $SLOW_MS ms), seconds" \
		0.030 0.040 "$(p50 "$o" $SERVER '{"http_route":"/slow"}')"
	# /chunks: the body goes out in 5 writes at least 2 ms apart; the
	# request ends with the last one, so its latency is at least 10 ms
	check_range requests_server_many_writes_p50 "p50 of /chunks (5 writes 2 ms apart), seconds" \
		0.010 60 "$(p50 "$o" $SERVER '{"http_route":"/chunks"}')"
	check_eq requests_server_comm "comm labels of the server series" req_server \
		"$(jq -r --arg m $SERVER '[.metrics[] | select(.name == $m) | .series[].labels.comm] | unique | join(",")' "$o")"
	check_eq requests_client_counts "client counts GET 200, GET 404" "39,3" \
		"$(count "$o" $CLIENT '{"http_request_method":"GET","http_response_status_code":"200"}'),$(count "$o" $CLIENT '{"http_request_method":"GET","http_response_status_code":"404"}')"
	check_eq requests_client_peer "client series peers" "req_client 127.0.0.1:$PORT" \
		"$(jq -r --arg m $CLIENT '[.metrics[] | select(.name == $m) | .series[].labels |
			"\(.comm) \(.server_address):\(.server_port)"] | unique | join(",")' "$o")"
	check_eq requests_events_json "events (server, client)" "42,42" \
		"$(jq '[.events[] | select(.side == "server")] | length' "$o"),$(jq '[.events[] | select(.side == "client")] | length' "$o")"
	if grep -q "$MARK" "$o"; then
		fail requests_query_absent_json "the query value $MARK appears in the JSON report"
	else
		pass requests_query_absent_json
	fi
	check_eq requests_no_loss "lost counters" '{"ringbuf":0,"map_full":0,"stack_collisions":0,"pid_map_full":0,"symbolize_fd":0}' \
		"$(tt_lost "$o")"
}

# (1') text format with --events: one live line per request, no query string.
test_text() {
	local d="$TT_TMP/text" n
	mkdir -p "$d"
	cat >"$d/run.sh" <<EOF
"$SRV" --port $((PORT + 1)) --conns 1 --timeout 60 &
"$CLI" --port $((PORT + 1)) --req 'GET:/fast?token=$MARK:7' --req 'GET:/users/9?$MARK:4' >/dev/null
wait
EOF
	timeout -k 5 120 "$TT" requests $HOOK --events -- sh "$d/run.sh" >"$d/out.txt" 2>"$d/err"
	if [ $? -ne 0 ]; then
		fail_all "tracetool exited non-zero: $(head -c 300 "$d/err" | tr '\n' ' ')" \
			requests_query_absent_text requests_text_event_lines
		return
	fi
	if grep -q "$MARK" "$d/out.txt"; then
		fail requests_query_absent_text "the query value $MARK appears in the text output"
	elif ! grep -q 'http_request .*http_route=/fast ' "$d/out.txt"; then
		fail requests_query_absent_text "no /fast request line in the text output: nothing to check"
	else
		pass requests_query_absent_text
	fi
	n=$(grep -c 'http_request .*side=server .*http_route=/users/:id' "$d/out.txt")
	check_eq requests_text_event_lines "text event lines of server requests to /users/:id" 4 "$n"
}

# (2) pipelining, request lines split across reads, unknown methods, long targets.
test_shapes() {
	local d="$TT_TMP/shapes" o e why
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $((PORT + 2)) --conns 4 --slow-ms 5 --timeout 60 &
"$CLI" --port $((PORT + 2)) --req GET:/fast:12 --req GET:/users/7:5 --pipeline 4 >/dev/null
"$CLI" --port $((PORT + 2)) --req GET:/slow:3 --req POST:/users/abc:2 --split >/dev/null
"$CLI" --port $((PORT + 2)) --req FOO:/x:2 \
	--req 'GET:/a/very/long/route/that/goes/well/beyond/sixty/four/bytes/of/target/yes?q=$MARK:2' >/dev/null
"$CLI" --port $((PORT + 2)) --req GET:/fast:1 --req GET:/upgrade:1 --eof >/dev/null
wait
EOF
	req_run "$o" "$e" -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" requests_pipelined_counts requests_pipelined_client_counts \
			requests_split_counts requests_other_method requests_long_route_cut requests_upgrade_101
		return
	fi
	check_eq requests_pipelined_counts "pipelined (4 per write) /fast, /users/:id" "13,5" \
		"$(count "$o" $SERVER '{"http_route":"/fast"}'),$(count "$o" $SERVER '{"http_route":"/users/:id"}')" \
		"lost $(tt_lost "$o")"
	check_eq requests_pipelined_client_counts "client GET 200 (17 pipelined + 3 split + 1)" 21 \
		"$(count "$o" $CLIENT '{"http_request_method":"GET","http_response_status_code":"200"}')"
	check_eq requests_split_counts "split request lines: GET /slow, POST /users/abc" "3,2" \
		"$(count "$o" $SERVER '{"http_request_method":"GET","http_route":"/slow"}'),$(count "$o" $SERVER '{"http_request_method":"POST","http_route":"/users/abc"}')"
	check_eq requests_other_method "_OTHER /x 404" 2 \
		"$(count "$o" $SERVER '{"http_request_method":"_OTHER","http_route":"/x","http_response_status_code":"404"}')"
	# 101: the request ends with the 101 response, not with the upgraded
	# connection's later writes (3 lines 100 ms apart)
	check_eq requests_upgrade_101 "count of GET /upgrade 101, and its latency below 50 ms" "1 yes" \
		"$(tt_series "$o" $SERVER '{"http_route":"/upgrade","http_response_status_code":"101"}' |
			jq -r 'if length == 1 then "\(.[0].count) \(if .[0].max < 0.05 then "yes" else "no: \(.[0].max) s" end)" else "\(length) series" end')"
	check_eq requests_long_route_cut "requests on the long target, cut to a prefix ending in /*" \
		"2 /a/very/long/route/that/goes/well/beyond/sixty/four/bytes/of/*" \
		"$(tt_series "$o" $SERVER '{"http_response_status_code":"404","http_request_method":"GET"}' |
			jq -r 'map("\(.count) \(.labels.http_route)") | join(",")')"
}

# (3) a line-based TCP service: one turn per request, latency of the reply.
test_tcp() {
	local d="$TT_TMP/tcp" o e why p=$((PORT + 3))
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p --conns 1 --slow-ms 15 --tcp --timeout 60 &
"$CLI" --port $p --tcp 7 >/dev/null
wait
EOF
	req_run "$o" "$e" -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" requests_tcp_count requests_tcp_p50 requests_tcp_client_not_timed
		return
	fi
	check_eq requests_tcp_count "$TCPM{comm=req_server,port=$p}" 7 \
		"$(count "$o" $TCPM "{\"comm\":\"req_server\",\"port\":\"$p\"}")" "lost $(tt_lost "$o")"
	check_range requests_tcp_p50 "p50 of the TCP turn (server waits 15 ms), seconds" 0.015 0.025 \
		"$(p50 "$o" $TCPM "{\"comm\":\"req_server\",\"port\":\"$p\"}")"
	# the client's side of a non-HTTP protocol is not a service: no turns for it
	check_eq requests_tcp_client_not_timed "comms of the TCP series and of any HTTP series" \
		"req_server" "$(jq -r '[.metrics[].series[].labels | select(has("comm")) | .comm] | unique | join(",")' "$o")"
}

# (4) -i reports partition the requests: their counts add up exactly.
test_interval() {
	local d="$TT_TMP/interval" o e n got
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $((PORT + 4)) --conns 1 --slow-ms 20 --timeout 60 &
"$CLI" --port $((PORT + 4)) --req GET:/fast:300 --req GET:/slow:15 --req GET:/fast:300 >/dev/null
wait
EOF
	req_run "$o" "$e" -i 0.1 -- sh "$d/run.sh"
	if [ "$TT_RC" != 0 ]; then
		fail requests_interval_sum_exact "tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')"
		return
	fi
	n=$(jq -s 'length' "$o" 2>/dev/null)
	got=$(jq -s --arg m $SERVER '[.[].metrics[] | select(.name == $m) | .series[] | .count] | add // 0' "$o")
	if [ "${n:-0}" -lt 3 ]; then
		fail requests_interval_sum_exact "expected at least 3 interval reports, got ${n:-none}"
	else
		check_eq requests_interval_sum_exact "server requests summed over $n interval reports" 615 "$got"
	fi
}

# (5) nginx (Debian package, own configuration) under wrk and req_client.
test_nginx() {
	local d="$TT_TMP/nginx" o e p=$((PORT + 5)) wrk_n wrk_p50 got srv rc n=0 mpid
	local names="requests_nginx_wrk_count requests_nginx_p50_vs_wrk requests_nginx_sendfile_count requests_nginx_pipelined_count"
	if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
		# shellcheck disable=SC2086
		skip_all "nginx is not installed (apt-get install nginx-light)" $names
		return
	fi
	mkdir -p "$d/html/static" "$d/logs"
	chmod 711 "$TT_TMP"	# nginx workers run unprivileged: let them reach html/
	chmod 755 "$d" "$d/html" "$d/html/static"
	o=$d/out.json
	e=$d/err
	head -c 65536 /dev/zero | tr '\0' x >"$d/html/static/file.bin"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path $d/tmp_body;
    proxy_temp_path $d/tmp_proxy;
    fastcgi_temp_path $d/tmp_fcgi;
    uwsgi_temp_path $d/tmp_uwsgi;
    scgi_temp_path $d/tmp_scgi;
    server {
        listen 127.0.0.1:$p;
        root $d/html;
        location = /wrk { return 200 "hello\n"; }
        location = /pipe { return 200 "pipe\n"; }
    }
}
EOF
	tt_bg timeout -k 5 120 "$TT" requests $HOOK -f json -- "$(command -v nginx || echo /usr/sbin/nginx)" \
		-p "$d" -c "$d/nginx.conf" >"$o" 2>"$e"
	srv=$TT_PID
	tt_on_exit "[ -s '$d/nginx.pid' ] && kill -TERM \$(cat '$d/nginx.pid') 2>/dev/null"
	# the sendfile route first: req_client retries connecting until nginx listens
	"$CLI" --port $p --req GET:/static/file.bin:25 >"$d/c1.out" 2>&1
	rc=$?
	if command -v wrk >/dev/null 2>&1; then
		wrk -t2 -c16 -d3 --latency "http://127.0.0.1:$p/wrk" >"$d/wrk.out" 2>&1
	fi
	"$CLI" --port $p --req GET:/pipe:13 --req GET:/static/file.bin:10 --req GET:/nope:6 \
		--pipeline 4 >"$d/c2.out" 2>&1
	rc="$rc,$?"
	while [ ! -s "$d/nginx.pid" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	mpid=$(cat "$d/nginx.pid" 2>/dev/null)
	[ -n "$mpid" ] && kill -QUIT "$mpid"
	if ! tt_wait_exit "$srv" 30; then
		tt_stop "$srv"
		# shellcheck disable=SC2086
		fail_all "tracetool still running 30 s after nginx was told to quit" $names
		return
	fi
	if [ "$TT_RC" != 0 ] || ! jq -e . "$o" >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		fail_all "tracetool exited $TT_RC: $(head -c 300 "$e" | tr '\n' ' ')" $names
		return
	fi
	if [ "$rc" != "0,0" ]; then
		# shellcheck disable=SC2086
		fail_all "req_client failed ($rc): $(cat "$d/c1.out" "$d/c2.out" | head -c 300)" $names
		return
	fi
	check_eq requests_nginx_sendfile_count "nginx GET /static/file.bin 200 (sendfile)" 35 \
		"$(count "$o" $SERVER '{"comm":"nginx","http_route":"/static/file.bin","http_response_status_code":"200"}')" \
		"lost $(tt_lost "$o")"
	check_eq requests_nginx_pipelined_count "nginx /pipe 200, /nope 404 (4 per write)" "13,6" \
		"$(count "$o" $SERVER '{"http_route":"/pipe"}'),$(count "$o" $SERVER '{"http_route":"/nope","http_response_status_code":"404"}')"
	if ! command -v wrk >/dev/null 2>&1; then
		skip_all "wrk is not installed (apt-get install wrk)" requests_nginx_wrk_count \
			requests_nginx_p50_vs_wrk
		return
	fi
	wrk_n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$d/wrk.out")
	wrk_p50=$(awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1e6 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); v /= 1e3 } else { sub(/s$/, "", v) } print v }' "$d/wrk.out")
	got=$(count "$o" $SERVER '{"comm":"nginx","http_route":"/wrk"}')
	if [ -z "$wrk_n" ] || [ "$wrk_n" -eq 0 ]; then
		fail_all "no request count in wrk's output: $(head -c 300 "$d/wrk.out")" \
			requests_nginx_wrk_count requests_nginx_p50_vs_wrk
		return
	fi
	check_range requests_nginx_wrk_count "tracetool's /wrk count vs wrk's $wrk_n (within 0.5 %)" \
		"$(awk -v n="$wrk_n" 'BEGIN { print n * 0.995 }')" \
		"$(awk -v n="$wrk_n" 'BEGIN { print n * 1.005 }')" "$got"
	check_range requests_nginx_p50_vs_wrk "server-side p50 of /wrk vs wrk's p50 $wrk_p50 s" 0 \
		"$wrk_p50" "$(p50 "$o" $SERVER '{"comm":"nginx","http_route":"/wrk"}')"
}

# (6) --port: only connections with that port are counted.
test_port() {
	local d="$TT_TMP/port" o e why p1=$((PORT + 6)) p2=$((PORT + 7))
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p1 --conns 1 --timeout 60 &
"$SRV" --port $p2 --conns 1 --timeout 60 &
"$CLI" --port $p1 --req GET:/fast:11 >/dev/null
"$CLI" --port $p2 --req GET:/fast:13 >/dev/null
wait
EOF
	req_run "$o" "$e" --port $p2 -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail requests_port_filter "$why"
		return
	fi
	check_eq requests_port_filter "server, client counts with --port $p2 (13 requests there, 11 on $p1)" \
		"13,13" "$(count "$o" $SERVER '{}'),$(count "$o" $CLIENT '{}')"
}

# tt_maps_text PID: the byte arrays of every map PID holds, as text (bpftool
# prints raw values as arrays of "0xNN" strings, BTF-formatted ones as numbers).
tt_maps_text() {
	for _m in $(tt_fd_ids "$1" map_id); do
		"$BPFTOOL" -j map dump id "$_m" 2>/dev/null | jq -r '
			def byte: if type == "number" then . else
				(ltrimstr("0x") | explode | map(if . >= 97 then . - 87 elif . >= 65 then . - 55
					else . - 48 end) | .[0] * 16 + .[1]) end;
			.. | arrays | select(length >= 8 and all(.[]; (type == "number" and . >= 0 and . < 256)
				or (type == "string" and test("^0x[0-9a-fA-F]{2}$")))) |
			map(byte | if . < 32 or . > 126 then 10 else . end) | implode' 2>/dev/null
	done
}

# (7) system-wide (no filter): our requests are among what it sees, and
# payload bytes (a query string) stay in none of its maps.
test_system_wide() {
	local d="$TT_TMP/sw" o e t p=$((PORT + 8)) n=0 srv cli m
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	if ! tt_have_bpftool; then
		skip_all "bpftool ($BPFTOOL) is not usable: cannot tell when tracing is ready" \
			requests_system_wide requests_no_payload_in_maps
		return
	fi
	tt_bg "$TT" requests $HOOK -f json -d 20 >"$o" 2>"$e"	# -d bounds it; tt_bss_ready needs its pid
	t=$TT_PID
	while ! tt_bss_ready "$t" && tt_alive "$t" && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	if ! tt_bss_ready "$t"; then
		fail_all "tracetool not ready after 10 s: $(head -c 300 "$e" | tr '\n' ' ')" \
			requests_system_wide requests_no_payload_in_maps
		tt_stop "$t"
		return
	fi
	"$SRV" --port $p --conns 1 --timeout 30 &
	srv=$!
	# the client holds its connection open after its last response: the
	# connection state (freed with the socket) is still in the maps
	"$CLI" --port $p --req GET:/system/wide/1:8 --req "GET:/system/wide/2?k=$MARK:1" \
		--hold 3000 >"$d/client.out" &
	cli=$!
	n=0
	while ! grep -q responses "$d/client.out" 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	sleep 0.2	# the response's last write has returned too
	# while it still runs: no byte of the query may be in any of its maps
	tt_maps_text "$t" >"$d/maps.txt"
	# socket storage has no get_next_key, so bpftool cannot dump it: look
	# the server's and the client's sockets up in it one by one
	for m in $(tt_fd_ids "$t" map_id); do
		if "$BPFTOOL" -j map show id "$m" 2>/dev/null | jq -e '.type == "sk_storage"' >/dev/null; then
			"$WL/sk_storage_dump" "$m" "$srv" "$cli" >>"$d/maps.txt" 2>>"$d/skdump.err"
		fi
	done
	wait $srv
	if [ "$REQ_HOOK" != tracepoint ] && ! grep -q "system/wide" "$d/maps.txt"; then
		fail requests_no_payload_in_maps "no request path in the socket storage of the server and client: the check cannot see it ($(head -c 200 "$d/skdump.err" 2>/dev/null))"
	elif grep -q -e "$MARK" -e "User-Agent" "$d/maps.txt"; then
		fail requests_no_payload_in_maps "payload bytes are left in tracetool's BPF maps: $(grep -o -e "$MARK" -e "User-Agent: [^ ]*" "$d/maps.txt" | head -3 | tr '\n' ' ')"
	elif ! grep -q "system/wide" "$d/maps.txt"; then
		fail requests_no_payload_in_maps "no request path in the dump of tracetool's maps: the check cannot see them"
	else
		pass requests_no_payload_in_maps
	fi
	kill -INT "$t"
	if ! tt_wait_exit "$t" 20; then
		tt_stop "$t"
		fail requests_system_wide "tracetool still running 20 s after SIGINT"
		return
	fi
	check_eq requests_system_wide "system-wide: server and client requests of /system/wide/:id" "9,9" \
		"$(count "$o" $SERVER '{"comm":"req_server","http_route":"/system/wide/:id"}'),$(count "$o" $CLIENT "{\"comm\":\"req_client\",\"server_port\":\"$p\"}")"
}

# (6) forking servers: the parent closes its copy of each accepted socket at
# once (PostgreSQL's model) while the child serves it: every turn counted.
test_fork() {
	local d="$TT_TMP/fork" o e why p=$PORT2 i
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	{
		echo "\"$SRV\" --port $p --conns 5 --slow-ms 1 --tcp --fork --timeout 60 &"
		for i in 1 2 3 4 5; do
			echo "\"$CLI\" --port $p --tcp 200 >/dev/null || echo 'tcp client failed' >&2"
		done
		echo wait
		echo "\"$SRV\" --port $((p + 1)) --conns 4 --slow-ms 20 --fork --timeout 60 &"
		for i in 1 2 3 4; do
			echo "\"$CLI\" --port $((p + 1)) --req GET:/fast:250 --req GET:/slow:2 >/dev/null || echo 'http client failed' >&2"
		done
		echo wait
	} >"$d/run.sh"
	req_run "$o" "$e" -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -z "$why" ] && [ -s "$e" ]; then
		why="stderr: $(head -c 300 "$e" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		fail_all "$why" requests_fork_tcp_count requests_fork_http_routes requests_fork_http_slow_p50
		return
	fi
	check_eq requests_fork_tcp_count "TCP turns of a forking echo server (5 x 200)" 1000 \
		"$(count "$o" $TCPM "{\"comm\":\"req_server\",\"port\":\"$p\"}")" "lost $(tt_lost "$o")"
	check_eq requests_fork_http_routes "server series of a forking HTTP server (4 x 250 /fast, 4 x 2 /slow)" \
		"GET /fast 200=1000, GET /slow 200=8" "$(routes "$o")" "lost $(tt_lost "$o")"
	check_range requests_fork_http_slow_p50 "p50 of /slow (the child sleeps 20 ms), seconds" \
		0.020 0.030 "$(p50 "$o" $SERVER '{"http_route":"/slow"}')"
}

# (7) a server that peeks (recv and recvmsg with MSG_PEEK) before each read:
# a peek consumes nothing, so routes and latencies are those of the reads.
test_peek() {
	local d="$TT_TMP/peek" o e why p=$((PORT2 + 2))
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p --conns 1 --slow-ms 30 --peek --timeout 60 &
"$CLI" --port $p --req GET:/fast:20 --req GET:/slow:5 --req GET:/users/1:4 --req GET:/nope:3 >/dev/null
wait
EOF
	req_run "$o" "$e" -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" requests_peek_routes requests_peek_slow_p50 requests_peek_no_loss
		return
	fi
	check_eq requests_peek_routes "server series of a peeking server" \
		"GET /fast 200=20, GET /nope 404=3, GET /slow 200=5, GET /users/:id 200=4" "$(routes "$o")"
	check_range requests_peek_slow_p50 "p50 of /slow (server sleeps 30 ms), seconds" \
		0.030 0.040 "$(p50 "$o" $SERVER '{"http_route":"/slow"}')"
	check_eq requests_peek_no_loss "lost counters" '{"ringbuf":0,"map_full":0,"stack_collisions":0,"pid_map_full":0,"symbolize_fd":0}' \
		"$(tt_lost "$o")"
}

# (8) PostgreSQL (Debian package): a throwaway cluster on a loopback port,
# forked backends, `pgbench -S`: every statement is a turn of a backend,
# counted in the PostgreSQL family.
test_postgres() {
	local d p=$((PORT2 + 3)) o e why bin n got
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || ! command -v pgbench >/dev/null 2>&1 ||
	   ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
		skip requests_postgres_turns "PostgreSQL (initdb, pg_ctl, pgbench, user postgres, runuser) is not installed"
		return
	fi
	d=$(mktemp -d /tmp/tt-pg.XXXXXX) || { fail requests_postgres_turns "mktemp failed"; return; }
	chown postgres "$d"
	o=$TT_TMP/pg.json
	e=$TT_TMP/pg.err
	if ! runuser -u postgres -- "$bin/initdb" -D "$d/data" -A trust -U postgres >"$d/initdb.log" 2>&1; then
		fail requests_postgres_turns "initdb failed: $(tail -c 300 "$d/initdb.log" | tr '\n' ' ')"
		rm -rf "$d"
		return
	fi
	cat >"$d/run.sh" <<EOF
runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/pg.log" -w -t 30 \
	-o "-p $p -k $d -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || exit 1
pgbench -h 127.0.0.1 -p $p -U postgres -i -q postgres >"$d/init.log" 2>&1 &&
	pgbench -h 127.0.0.1 -p $p -U postgres -S -c 4 -t 500 postgres >"$d/bench.log" 2>&1
rc=\$?
runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null
exit \$rc
EOF
	req_run "$o" "$e" --port $p -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\)\/.*/\1/p' "$d/bench.log")
	if [ -z "$why" ] && [ "$TT_RC" != 0 ]; then
		why="the PostgreSQL run failed ($TT_RC): $(tail -c 300 "$d/bench.log" "$d/pg.log" 2>/dev/null | tr '\n' ' ')"
	fi
	if [ -n "$why" ] || [ -z "$n" ]; then
		fail requests_postgres_turns "${why:-pgbench printed no transaction count: $(tail -c 300 "$d/bench.log" | tr '\n' ' ')}"
		rm -rf "$d"
		return
	fi
	got=$(count "$o" tracetool_postgresql_request_duration_seconds \
		"{\"comm\":\"postgres\",\"server_port\":\"$p\"}")
	# -S: one SELECT per transaction; pgbench -i adds statements (exact counts:
	# test_requests_redis_pg.sh)
	if [ "${got:-0}" -ge "$n" ] && [ "$n" -ge 2000 ]; then
		echo "PASS: requests_postgres_turns (turns of the postgres backends: $got for $n statements)"
	else
		fail requests_postgres_turns "turns of the postgres backends: $got for $n statements (lost $(tt_lost "$o"))"
	fi
	rm -rf "$d"
}

# (9) pipelines of 3, 8 and 16 requests with 300-byte heads in one write:
# every request counted, or counted lost (map_full: the per-connection
# queue holds TT_REQ_QUEUE requests awaiting their response).
test_deep_pipeline() {
	local d="$TT_TMP/deep" o e why p=$((PORT2 + 4)) deep users cli mf
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p --conns 3 --timeout 60 &
"$CLI" --port $p --pipeline 3 --header-bytes 300 --req GET:/fast:9 >/dev/null || echo "client 3 failed" >&2
"$CLI" --port $p --pipeline 8 --header-bytes 300 --req GET:/users/8:16 >/dev/null || echo "client 8 failed" >&2
"$CLI" --port $p --pipeline 16 --header-bytes 300 --req GET:/deep:32 >/dev/null || echo "client 16 failed" >&2
wait
EOF
	req_run "$o" "$e" -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -z "$why" ] && [ -s "$e" ]; then
		why="stderr: $(head -c 300 "$e" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		fail_all "$why" requests_pipeline3_exact requests_pipeline_deep_accounted
		return
	fi
	check_eq requests_pipeline3_exact "GET /fast, 3 per write with 300-byte heads" 9 \
		"$(count "$o" $SERVER '{"http_route":"/fast"}')" "lost $(tt_lost "$o")"
	users=$(count "$o" $SERVER '{"http_route":"/users/:id"}')
	deep=$(count "$o" $SERVER '{"http_route":"/deep"}')
	cli=$(count "$o" $CLIENT "{\"server_port\":\"$p\"}")
	mf=$(jq '.lost.map_full // 0' "$o" 2>/dev/null)
	# both sides are traced: the client's pipelines queue up too (57 requests a side)
	check_eq requests_pipeline_deep_accounted "9 + 16 + 32 requests a side: counted + lost (map_full)" 114 \
		"$((9 + users + deep + cli + mf))" "server /users/:id $users, /deep $deep, client $cli, map_full $mf"
}

# (10) two servers of the same comm on two ports: separate series
# (server_port) and a route budget each (--max-routes 2 per comm and port).
test_two_servers() {
	local d="$TT_TMP/two" o e why p=$((PORT2 + 5)) q=$((PORT2 + 6))
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p --conns 1 --timeout 60 &
"$SRV" --port $q --conns 1 --timeout 60 &
"$CLI" --port $p --req GET:/fast:5 --req GET:/users/1:3 --req GET:/a:2 >/dev/null || echo "client $p failed" >&2
"$CLI" --port $q --req GET:/b:4 --req GET:/c:6 --req GET:/fast:1 >/dev/null || echo "client $q failed" >&2
wait
EOF
	req_run "$o" "$e" --max-routes 2 -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -z "$why" ] && [ -s "$e" ]; then
		why="stderr: $(head -c 300 "$e" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		fail_all "$why" requests_server_port_series
		return
	fi
	check_eq requests_server_port_series "server series by server_port (2 routes each, then _other)" \
		"$p GET /fast 200=5, $p GET /users/:id 200=3, $p GET _other 404=2, $q GET /b 404=4, $q GET /c 404=6, $q GET _other 200=1" \
		"$(jq -r --arg m "$SERVER" '[.metrics[] | select(.name == $m) | .series[] |
			"\(.labels.server_port) \(.labels.http_request_method) \(.labels.http_route) \(.labels.http_response_status_code)=\(.count)"] |
			sort | join(", ")' "$o" 2>/dev/null)"
}

# (11) --events is bounded by --max-events: the excess counted as lost
# ringbuf, the counts still exact.
test_max_events() {
	local d="$TT_TMP/maxev" o e why p=$((PORT2 + 7))
	mkdir -p "$d"
	o=$d/out.json
	e=$d/err
	cat >"$d/run.sh" <<EOF
"$SRV" --port $p --conns 1 --timeout 60 &
"$CLI" --port $p --req GET:/fast:20 >/dev/null || echo "client failed" >&2
wait
EOF
	req_run "$o" "$e" --events --max-events 15 -- sh "$d/run.sh"
	why=$(tt_run_why "$o" "$e")
	if [ -n "$why" ]; then
		fail_all "$why" requests_max_events
		return
	fi
	check_eq requests_max_events "events kept, lost ringbuf, server and client counts (20 requests a side, --max-events 15)" \
		"15 25 20 20" \
		"$(jq '.events | length' "$o") $(jq '.lost.ringbuf' "$o") $(count "$o" $SERVER '{"http_route":"/fast"}') $(count "$o" $CLIENT "{\"server_port\":\"$p\"}")"
}

# (12) descriptors: a server that dup2()s each accepted socket and serves over
# the duplicate (the accepted descriptor closed), and one whose acceptor
# passes each socket to a worker process (SCM_RIGHTS) and closes its copy:
# state belongs to the socket, so every request is counted with its route.
test_descriptors() {
	local d="$TT_TMP/fds" o e why p mode name
	mkdir -p "$d"
	for mode in dup pass; do
		p=$((PORT2 + 8))
		name=requests_dup
		if [ $mode = pass ]; then
			p=$((PORT2 + 9))
			name=requests_scm_rights
		fi
		o=$d/$mode.json
		e=$d/$mode.err
		cat >"$d/$mode.sh" <<EOF
"$SRV" --port $p --conns 3 --slow-ms 20 --$mode --timeout 60 &
"$CLI" --port $p --req GET:/fast:40 --req GET:/slow:3 >/dev/null || echo "client 1 failed" >&2
"$CLI" --port $p --req GET:/users/5:7 --req GET:/nope:2 >/dev/null || echo "client 2 failed" >&2
"$CLI" --port $p --req GET:/fast:9 --pipeline 3 >/dev/null || echo "client 3 failed" >&2
wait \$! || echo "server failed" >&2
EOF
		req_run "$o" "$e" -- sh "$d/$mode.sh"
		why=$(tt_run_why "$o" "$e")
		if [ -z "$why" ] && [ -s "$e" ]; then
			why="stderr: $(head -c 300 "$e" | tr '\n' ' ')"
		fi
		if [ -n "$why" ]; then
			fail_all "$why" ${name}_routes ${name}_slow_p50
			continue
		fi
		check_eq ${name}_routes "server series (--$mode)" \
			"GET /fast 200=49, GET /nope 404=2, GET /slow 200=3, GET /users/:id 200=7" \
			"$(routes "$o")" "lost $(tt_lost "$o")"
		check_range ${name}_slow_p50 "p50 of /slow (--$mode, server sleeps 20 ms), seconds" \
			0.020 0.030 "$(p50 "$o" $SERVER '{"http_route":"/slow"}')"
	done
}

test_usage() {
	timeout 30 "$TT" requests $HOOK --port 70000 >/dev/null 2>"$TT_TMP/usage.err"
	check_eq requests_usage_bad_port "exit status of --port 70000" 2 "$?"
}

# ONLY="test_tcp" (a shell command) runs only that, for debugging.
[ -n "${ONLY:-}" ] && { $ONLY; exit 0; }
test_basic
test_text
test_shapes
test_tcp
test_interval
test_nginx
test_port
test_system_wide
test_fork
test_peek
test_postgres
test_deep_pipeline
test_two_servers
test_max_events
test_descriptors
test_usage
exit 0
