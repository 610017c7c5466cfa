#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# One peer, one address label in every tracer (issue 12 item 3): an IPv4
# peer reached through an AF_INET6 socket (::ffff:127.0.0.1, as a
# dual-stack client sees it) carries the label 127.0.0.1, as through
# AF_INET.  `tcp requests` in one run: req_client connects to req_server
# once through AF_INET and once through AF_INET6; requests' client series
# and tcp's connect series each have one peer, the same.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

SRV=$WL/req_server
CLI=$WL/req_client
PORT=19710		# this file's ports: 19710-19719
CHECKS="peer_requests_one_label peer_requests_count peer_tcp_one_label peer_tcp_count
peer_same_label"
CLIENT=http_client_request_duration_seconds
CONNECT=tracetool_tcp_connect_duration_seconds

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$SRV" ] || [ ! -x "$CLI" ]; then
	fail_all "workloads missing: run make all" $CHECKS
	exit 0
fi

o=$TT_TMP/peer.json
e=$TT_TMP/peer.err
cat >"$TT_TMP/run.sh" <<EOS
"$SRV" --port $PORT --conns 2 --timeout 60 &
"$CLI" --port $PORT --req GET:/a:3 >/dev/null &&
"$CLI" --port $PORT --v4mapped --req GET:/a:4 >/dev/null
wait
EOS
timeout -k 5 120 "$TT" tcp requests -f json -- sh "$TT_TMP/run.sh" >"$o" 2>"$e"
TT_RC=$?
why=$(tt_run_why "$o" "$e")
if [ -n "$why" ]; then
	# shellcheck disable=SC2086
	fail_all "$why" $CHECKS
	exit 0
fi
req=$(tt_series "$o" $CLIENT "{\"server_port\":\"$PORT\"}" |
	jq -r 'map(.labels.server_address) | unique | join(",")')
tcp=$(tt_series "$o" $CONNECT "{\"dport\":\"$PORT\"}" | jq -r 'map(.labels.daddr) | unique | join(",")')
check_eq peer_requests_one_label "server_address labels of the client series" 127.0.0.1 "$req"
check_eq peer_requests_count "client requests to the peer" 7 \
	"$(tt_series "$o" $CLIENT "{\"server_address\":\"127.0.0.1\",\"server_port\":\"$PORT\"}" |
		jq 'map(.count) | add // 0')"
check_eq peer_tcp_one_label "daddr labels of the connect series" 127.0.0.1 "$tcp"
check_eq peer_tcp_count "connects to the peer" 2 \
	"$(tt_series "$o" $CONNECT "{\"daddr\":\"127.0.0.1\",\"dport\":\"$PORT\"}" |
		jq 'map(.count) | add // 0')"
check_eq peer_same_label "requests' peer = tcp's peer" "$tcp" "$req"
