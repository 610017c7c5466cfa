#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of several tracers in one process: `tracetool syscalls tcp
# requests` must reach the same exact counts as the single-tracer tests
# (getppid calls of syscall_workload, RetransSegs of a network namespace
# with dropped segments, requests per route of req_server/req_client),
# with -i reports that add up to them (interval = difference of two
# cumulative snapshots), one option (--port) reaching two tracers, and one
# pid filter map and one set of fork-following programs shared by all.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

SYS=$WL/syscall_workload
TCPW=$WL/tcp_workload
SRV=$WL/req_server
CLI=$WL/req_client
NS=tt-multi-$$
P=18190			# tcp (127.0.0.2, segments dropped) and requests (127.0.0.1), both in the namespace
SCOMM=ttmulti_sys
RETRANS=tracetool_tcp_retransmits_total
SERVER=http_server_request_duration_seconds

CHECKS="multi_syscalls_getppid_count multi_tcp_retrans_eq_retranssegs multi_requests_route_counts
multi_requests_client_count multi_report_tracers_hooks multi_lost_by_tracer multi_intervals
multi_shared_filter_maps multi_cmd_getppid_count"

# shellcheck disable=SC2086
tt_require_base $CHECKS
for w in "$SYS" "$TCPW" "$SRV" "$CLI"; do
	if [ ! -x "$w" ]; then
		# shellcheck disable=SC2086
		fail_all "workload $w is missing: run make all" $CHECKS
		exit 0
	fi
done

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

retrans_segs() { tt_retrans_segs "$NS"; }
settle() { tt_netns_settle "$NS"; }

# sum over every report of the -i run (jq -s): FILTER over all reports' matching series
sum_series() {	# sum_series FILE METRIC LABELS FIELD
	jq -s --arg m "$2" --argjson l "$3" --arg f "$4" '[.[] | .metrics[] | select(.name == $m) |
		.series[] | select(.labels as $x | all($l | to_entries[]; $x[.key] == .value)) |
		.[$f]] | add // 0' "$1" 2>/dev/null
}

O=$TT_TMP/multi.json
E=$TT_TMP/multi.err
tt_bg "$TT" syscalls tcp requests --by comm --port $P -i 0.5 -d 120 -f json -o "$O" 2>"$E"
TTPID=$TT_PID
if ! tt_wait_bss_ready "$TTPID" 30; then
	# shellcheck disable=SC2086
	fail_all "$TT_WHY: $(head -c 200 "$E")" $CHECKS
	exit 0
fi

# one pid filter map and one cgroup map for the three objects, and the
# fork-following programs loaded once (without -- CMD: not at all)
maps=$(tt_ids_json $(tt_fd_ids "$TTPID" map_id))
npids=$("$BPFTOOL" -j map show 2>/dev/null | jq --argjson ids "$maps" \
	'[.[] | select((.id as $i | any($ids[]; . == $i)) and .name == "tt_pids")] | length')
ncg=$("$BPFTOOL" -j map show 2>/dev/null | jq --argjson ids "$maps" \
	'[.[] | select((.id as $i | any($ids[]; . == $i)) and .name == "tt_cgroup")] | length')
nlost=$("$BPFTOOL" -j map show 2>/dev/null | jq --argjson ids "$maps" \
	'[.[] | select((.id as $i | any($ids[]; . == $i)) and .name == "tt_lost")] | length')
check_eq multi_shared_filter_maps "tt_pids, tt_cgroup and tt_lost maps held (losses stay per tracer)" \
	"1 1 3" "$npids $ncg $nlost"

"$SYS" --comm $SCOMM --getppid 1234 >/dev/null 2>"$TT_TMP/sys.err"
sysrc=$?
s0=$(retrans_segs)
nsx "$TCPW" --addr 127.0.0.2 --port $P --conns 2 --writes 150 --size 1000 >/dev/null \
	2>"$TT_TMP/tcp.err"
tcprc=$?
# The HTTP workload runs in the namespace too: tcp counts every flow of port
# $P, and a retransmit of the HTTP flows (none expected, but one on the host's
# loopback once made 77 against 76) must be in the same RetransSegs.
ip netns exec "$NS" "$SRV" --port $P --conns 1 --timeout 60 >/dev/null 2>"$TT_TMP/srv.err" &
srvpid=$!
nsx "$CLI" --port $P --req GET:/alpha:7 --req GET:/items/4242:5 --req GET:/missing:2 \
	>/dev/null 2>"$TT_TMP/cli.err"
clirc=$?
wait $srvpid
settle
s1=$(retrans_segs)
sleep 0.6	# at least one interval report after the workloads
kill -TERM "$TTPID" 2>/dev/null
if ! tt_wait_exit "$TTPID" 30; then
	# shellcheck disable=SC2086
	fail_all "tracetool did not exit after SIGTERM" $CHECKS
	exit 0
fi
if [ "$TT_RC" != 0 ] || ! jq -s -e 'length > 1 and all(.[]; .schema == "tracetool.report/v1")' \
	"$O" >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	fail_all "tracetool exited $TT_RC or wrote no -i reports: $(head -c 300 "$E" | tr '\n' ' ')" $CHECKS
	exit 0
fi
nrep=$(jq -s 'length' "$O")

if [ "$sysrc" != 0 ]; then
	fail multi_syscalls_getppid_count "syscall_workload exit $sysrc: $(head -c 200 "$TT_TMP/sys.err")"
else
	check_eq multi_syscalls_getppid_count "getppid of $SCOMM summed over $nrep reports" 1234 \
		"$(sum_series "$O" tracetool_syscall_duration_seconds \
			"{\"syscall\":\"getppid\",\"comm\":\"$SCOMM\"}" count)"
fi
if [ "$tcprc" != 0 ] || [ $((s1 - s0)) -le 0 ]; then
	fail multi_tcp_retrans_eq_retranssegs "tcp_workload exit $tcprc, RetransSegs +$((s1 - s0)): $(head -c 200 "$TT_TMP/tcp.err")"
else
	# --port $P keeps the flows of port $P (either end: SYN-ACK retransmits too)
	check_eq multi_tcp_retrans_eq_retranssegs "$RETRANS over $nrep reports vs RetransSegs delta" \
		"$((s1 - s0))" "$(sum_series "$O" $RETRANS '{}' value)"
fi
if [ "$clirc" != 0 ]; then
	fail_all "req_client exit $clirc: $(head -c 200 "$TT_TMP/cli.err")" \
		multi_requests_route_counts multi_requests_client_count
else
	check_eq multi_requests_route_counts "server requests per route over $nrep reports" \
		"7 5 2" "$(sum_series "$O" $SERVER '{"http_route":"/alpha","comm":"req_server"}' count) $(sum_series "$O" $SERVER '{"http_route":"/items/:id","comm":"req_server"}' count) $(sum_series "$O" $SERVER '{"http_route":"/missing","http_response_status_code":"404"}' count)"
	check_eq multi_requests_client_count "client requests (GET) over $nrep reports" 14 \
		"$(sum_series "$O" http_client_request_duration_seconds '{"comm":"req_client","http_request_method":"GET"}' count)"
fi
check_eq multi_report_tracers_hooks "tracers and hooks of the last report" \
	"syscalls,tcp,requests tp_btf,tp_btf,tp_btf" \
	"$(jq -s -r '.[-1] | "\(.tracers | join(",")) \([.hooks.syscalls, .hooks.tcp, .hooks.requests] | join(","))"' "$O")"
check_eq multi_lost_by_tracer "lost_by_tracer tracers, lost_events series, flat lost = their sum" \
	"syscalls,tcp,requests 15 true" \
	"$(jq -s -r '.[-1] as $r | "\($r.lost_by_tracer | keys_unsorted | join(",")) \([$r.metrics[] | select(.name == "tracetool_lost_events_total") | .series[]] | length) \($r.lost | to_entries | all(.value as $v | .key as $k | $v == ([$r.lost_by_tracer[][$k]] | add)))"' "$O" 2>&1)"
# every report's families: syscalls' first, tcp's, requests', the self-metrics last
check_eq multi_intervals "family order in every report" "ok" \
	"$(jq -s -r 'map([.metrics[].name] | (index("tracetool_syscall_duration_seconds") < index("tracetool_tcp_retransmits_total")) and
		(index("tracetool_tcp_retransmits_total") < index("http_server_request_duration_seconds")) and
		(.[-2:] == ["tracetool_lost_events_total", "tracetool_bpf_map_memory_bytes"])) | if all then "ok" else "bad order" end' "$O")"

# -- CMD with three tracers: one set of fork-following programs serves all
# (the workload forks; its child's calls count)
O2=$TT_TMP/cmd.json
timeout -k 5 120 "$TT" syscalls tcp requests -f json -o "$O2" -- "$SYS" --fork --getppid 321 \
	>/dev/null 2>"$TT_TMP/cmd.err"
rc=$?
if [ $rc != 0 ]; then
	fail multi_cmd_getppid_count "tracetool exited $rc: $(head -c 200 "$TT_TMP/cmd.err")"
else
	check_eq multi_cmd_getppid_count "getppid count of the forked child under -- CMD" 321 \
		"$(tt_hcount "$O2" '{"syscall":"getppid"}')"
fi
