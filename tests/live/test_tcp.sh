#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool tcp` (root, real kernel).  Everything runs in a
# network namespace of our own (tt-tcp-PID) on its loopback, with an
# iptables rule dropping every 5th segment to the server port, and is
# compared with the namespace's own counters (/proc/net/snmp read inside
# it).  Tracepoints fire for every namespace: the --port filter and ports of
# our range (18000-18999) keep other traffic on the host out.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

W=$WL/tcp_workload
NS=tt-tcp-$$
P4=18101	# IPv4 retransmits
P6=18102	# IPv6 retransmits
PC=18103	# closed port: refused connect
PN=18104	# N clean connects
PR=18105	# --hook raw_tp
PT=18106	# text output
PF=18107	# owner filters
PM=18108	# IPv4-mapped IPv6
PA=18109	# --raddr / --laddr
PX=18110	# --max-series 1: _other
PG=18111	# --cgroup
PS=18112	# server closes with unread data: active reset
PO=18113	# --owner-io
PB=18114	# more flows than the series bound, at defaults
NFLOWS=1400	# refused connects to distinct addresses: 3 series each, past the 4096 bound
NCONN=20

RETRANS=tracetool_tcp_retransmits_total
RESETS=tracetool_tcp_resets_total
CONNECT=tracetool_tcp_connect_duration_seconds
CFAIL=tracetool_tcp_connect_failures_total

CHECKS="tcp_retrans_v4_counter_eq_retranssegs tcp_retrans_v4_events_eq_retranssegs
tcp_retrans_v4_owner tcp_retrans_v6_counter_eq_retranssegs tcp_retrans_v6_events_eq_retranssegs
tcp_syn_retrans_connect_phase tcp_connect_v6_count tcp_reset_received_closed_port tcp_reset_sent_closed_port
tcp_connect_failed_closed_port tcp_connect_count tcp_no_lost_events tcp_hook_default_tp_btf
tcp_rtt_histogram tcp_v4mapped_as_v4 tcp_hook_raw_tp_reset tcp_no_events_option tcp_text_live_reset_line tcp_text_summary
tcp_cmd_owner_connects tcp_pid_filter_excludes_others tcp_raddr_filter tcp_laddr_filter tcp_series_bound_other tcp_max_events_counted tcp_flows_past_bound_exact tcp_flows_past_bound_other tcp_flows_past_bound_no_loss tcp_cgroup_filter tcp_active_reset_sent
tcp_cmd_leaves_out_accepted tcp_owner_io_accepted tcp_interval_sum_eq_retranssegs tcp_usage_bad_port tcp_usage_bad_addr"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if [ ! -x "$W" ]; then
	for n in $CHECKS; do
		fail "$n" "workload $W is missing: run make all"
	done
	exit 0
fi

# --- usage errors need no namespace ---
"$TT" tcp --port 70000 -d 0.1 >/dev/null 2>"$TT_TMP/u1"
rc=$?
if [ $rc = 2 ] && grep -q "^tracetool tcp: --port" "$TT_TMP/u1"; then
	pass tcp_usage_bad_port
else
	fail tcp_usage_bad_port "exit $rc, stderr: $(head -c 200 "$TT_TMP/u1")"
fi
"$TT" tcp --raddr 10.0.0.300 -d 0.1 >/dev/null 2>"$TT_TMP/u2"
rc=$?
if [ $rc = 2 ] && grep -q "^tracetool tcp: --raddr" "$TT_TMP/u2"; then
	pass tcp_usage_bad_addr
else
	fail tcp_usage_bad_addr "exit $rc, stderr: $(head -c 200 "$TT_TMP/u2")"
fi
CHECKS=$(echo "$CHECKS" | tr ' ' '\n' | grep -v '^tcp_usage_')

# --- the namespace ---
if ! tt_netns_new "$NS"; then
	# shellcheck disable=SC2086
	skip_all "$TT_WHY" $CHECKS
	exit 0
fi
nsx() { ip netns exec "$NS" "$@"; }
if ! tt_netns_drop "$NS" $P4; then
	# shellcheck disable=SC2086
	skip_all "$TT_WHY" $CHECKS
	exit 0
fi
# The first SYN to PN is dropped: its retransmit, one second later, falls
# after the IPv4 retransmit phase (the test once compared the session's IPv4
# counter, which sees every phase, with that phase's RetransSegs alone: off by
# the connect phases' retransmits, 127 against 126 on a loaded host).
if ! ip netns exec "$NS" iptables -A INPUT -p tcp --dport $PN --syn -m statistic --mode nth \
	--every 1000000 --packet 0 -j DROP 2>"$TT_TMP/ipt.err"; then
	# shellcheck disable=SC2086
	skip_all "iptables in the namespace failed: $(head -c 200 "$TT_TMP/ipt.err")" $CHECKS
	exit 0
fi
HAVE6=no
if ip -n "$NS" -6 addr show dev lo 2>/dev/null | grep -q '::1/128' &&
	nsx ip6tables -A INPUT -p tcp --dport $P6 -m statistic --mode nth --every 5 --packet 0 \
		-j DROP 2>/dev/null; then
	HAVE6=yes
fi

retrans_segs() { tt_retrans_segs "$NS"; }
settle() { tt_netns_settle "$NS"; }

# start_tt OUT ERR ARGS...: tracetool tcp -f json ARGS in the background,
# waits until it is ready.  TT_BGPID is its pid; returns 1 with TT_WHY.
start_tt() {
	_o=$1
	_e=$2
	shift 2
	tt_bg "$TT" tcp -d 120 -f json -o "$_o" "$@" 2>"$_e"	# -d: bounded in time
	TT_BGPID=$TT_PID
	tt_wait_bss_ready "$TT_BGPID" 20
}

# stop_tt OUT ERR: SIGTERM, wait for the final report; sets why to empty or
# the reason.  (Not in $(...): only this shell can wait for its children.)
stop_tt() {
	why=""
	kill -TERM "$TT_BGPID" 2>/dev/null
	if ! tt_wait_exit "$TT_BGPID" 20; then
		why="tracetool did not exit after SIGTERM"
	elif [ "$TT_RC" != 0 ]; then
		why="tracetool exited $TT_RC: $(head -c 300 "$2" | tr '\n' ' ')"
	elif ! jq -e '.schema == "tracetool.report/v1"' "$1" >/dev/null 2>&1; then
		why="no JSON report: $(head -c 200 "$1" | tr '\n' ' ')"
	fi
}

csum() {	# csum FILE METRIC LABELS: sum of the matching counter series
	tt_series "$1" "$2" "$3" | jq 'map(.value) | add // 0'
}
hcount() {	# hcount FILE METRIC LABELS: count of the matching histogram series
	tt_series "$1" "$2" "$3" | jq 'map(.count) | add // 0'
}
nevents() {	# nevents FILE JQ_FILTER: number of events matching the filter
	jq "[.events[] | select($2)] | length" "$1"
}

# --- one tracing session for the main scenarios ---
O=$TT_TMP/main.json
E=$TT_TMP/main.err
MAIN="tcp_retrans_v4_counter_eq_retranssegs tcp_retrans_v4_events_eq_retranssegs tcp_retrans_v4_owner
tcp_retrans_v6_counter_eq_retranssegs tcp_retrans_v6_events_eq_retranssegs tcp_connect_v6_count
tcp_reset_received_closed_port tcp_reset_sent_closed_port tcp_connect_failed_closed_port
tcp_connect_count tcp_no_lost_events tcp_hook_default_tp_btf tcp_rtt_histogram tcp_v4mapped_as_v4
tcp_syn_retrans_connect_phase"
if ! start_tt "$O" "$E" --rtt --port $P4,$P6,$PC,$PN,$PM; then
	# shellcheck disable=SC2086
	fail_all "$TT_WHY: $(head -c 200 "$E")" $MAIN
else
	s0=$(retrans_segs)
	# not through nsx: $! must be the workload (ip netns exec execs it)
	ip netns exec "$NS" "$W" --port $P4 --conns 3 --writes 200 --size 1000 >/dev/null \
		2>"$TT_TMP/w4.err" &
	wpid=$!
	wait $wpid
	w4rc=$?
	settle
	s1=$(retrans_segs)
	w6rc=skipped
	if [ $HAVE6 = yes ]; then
		nsx "$W" --addr ::1 --port $P6 --conns 2 --writes 150 --size 1000 >/dev/null \
			2>"$TT_TMP/w6.err"
		w6rc=$?
		settle
	fi
	s2=$(retrans_segs)
	nsx "$W" --port $PC --refused 2>"$TT_TMP/wc.err"
	wcrc=$?
	nsx "$W" --port $PN --conns $NCONN --writes 1 >/dev/null 2>"$TT_TMP/wn.err"
	wnrc=$?
	# an IPv6 socket talking IPv4 (::ffff:127.0.0.1) is reported as IPv4
	nsx "$W" --addr ::ffff:127.0.0.1 --port $PM --conns 3 --writes 1 >/dev/null 2>"$TT_TMP/wm.err"
	wmrc=$?
	settle
	s3=$(retrans_segs)
	stop_tt "$O" "$E"
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $MAIN
	else
		# IPv4 flows retransmit in the first phase and the connect phases
		# (all IPv4, the mapped ones too); IPv6 ones only in the second
		d4=$((s1 - s0 + s3 - s2))
		d6=$((s2 - s1))
		V4='{"daddr":"127.0.0.1"}'
		V6='{"daddr":"::1"}'
		if [ "$w4rc" != 0 ] || [ "$d4" -le 0 ]; then
			fail_all "IPv4 workload exit $w4rc, RetransSegs +$d4 (nothing to compare): $(head -c 200 "$TT_TMP/w4.err")" \
				tcp_retrans_v4_counter_eq_retranssegs tcp_retrans_v4_events_eq_retranssegs \
				tcp_retrans_v4_owner
		else
			check_eq tcp_retrans_v4_counter_eq_retranssegs "$RETRANS over IPv4 vs RetransSegs delta" \
				"$d4" "$(csum "$O" $RETRANS "$V4")" "lost $(tt_lost "$O"), $((s3 - s2)) in the connect phases"
			check_eq tcp_retrans_v4_events_eq_retranssegs "tcp_retransmit events (IPv4)" "$d4" \
				"$(nevents "$O" '.type == "tcp_retransmit" and .daddr == "127.0.0.1"')"
			# client-side retransmits (to the server port) belong to the
			# workload, although they fire in softirq context
			n_client=$(nevents "$O" ".type == \"tcp_retransmit\" and .dport == $P4")
			n_owned=$(nevents "$O" ".type == \"tcp_retransmit\" and .dport == $P4 and .pid == $wpid and .comm == \"tcp_workload\"")
			if [ "$n_client" -gt 0 ] && [ "$n_client" = "$n_owned" ]; then
				pass tcp_retrans_v4_owner
			else
				fail tcp_retrans_v4_owner "$n_owned of $n_client client retransmits attributed to pid $wpid"
			fi
		fi
		if [ $HAVE6 != yes ]; then
			skip_all "no ::1 or ip6tables in the namespace" tcp_retrans_v6_counter_eq_retranssegs \
				tcp_retrans_v6_events_eq_retranssegs tcp_connect_v6_count
		elif [ "$w6rc" != 0 ] || [ "$d6" -le 0 ]; then
			fail_all "IPv6 workload exit $w6rc, RetransSegs +$d6: $(head -c 200 "$TT_TMP/w6.err")" \
				tcp_retrans_v6_counter_eq_retranssegs tcp_retrans_v6_events_eq_retranssegs \
				tcp_connect_v6_count
		else
			check_eq tcp_retrans_v6_counter_eq_retranssegs "$RETRANS over IPv6 vs RetransSegs delta" \
				"$d6" "$(csum "$O" $RETRANS "$V6")"
			check_eq tcp_retrans_v6_events_eq_retranssegs "tcp_retransmit events (IPv6)" "$d6" \
				"$(nevents "$O" '.type == "tcp_retransmit" and .daddr == "::1"')"
			check_eq tcp_connect_v6_count "$CONNECT{daddr=::1,dport=$P6} count" 2 \
				"$(hcount "$O" $CONNECT "{\"daddr\":\"::1\",\"dport\":\"$P6\"}")"
		fi
		if [ "$wcrc" != 0 ]; then
			fail_all "refused-connect workload exit $wcrc: $(head -c 200 "$TT_TMP/wc.err")" \
				tcp_reset_received_closed_port tcp_reset_sent_closed_port \
				tcp_connect_failed_closed_port
		else
			check_eq tcp_reset_received_closed_port "$RESETS{direction=received,dport=$PC}" 1 \
				"$(csum "$O" $RESETS "{\"direction\":\"received\",\"dport\":\"$PC\"}")"
			check_eq tcp_reset_sent_closed_port "tcp_reset events sent from port $PC" 1 \
				"$(nevents "$O" ".type == \"tcp_reset\" and .direction == \"sent\" and .sport == $PC")"
			check_eq tcp_connect_failed_closed_port "$CFAIL{dport=$PC}" 1 \
				"$(csum "$O" $CFAIL "{\"daddr\":\"127.0.0.1\",\"dport\":\"$PC\"}")"
		fi
		if [ "$wnrc" != 0 ]; then
			fail tcp_connect_count "connect workload exit $wnrc: $(head -c 200 "$TT_TMP/wn.err")"
		else
			check_eq tcp_connect_count "$CONNECT{daddr=127.0.0.1,dport=$PN} count" $NCONN \
				"$(hcount "$O" $CONNECT "{\"daddr\":\"127.0.0.1\",\"dport\":\"$PN\"}")"
		fi
		if [ "$wmrc" != 0 ]; then
			fail tcp_v4mapped_as_v4 "IPv4-mapped workload exit $wmrc: $(head -c 200 "$TT_TMP/wm.err")"
		else
			check_eq tcp_v4mapped_as_v4 "$CONNECT{daddr=127.0.0.1,dport=$PM} count" 3 \
				"$(hcount "$O" $CONNECT "{\"daddr\":\"127.0.0.1\",\"dport\":\"$PM\"}")" \
				"series: $(tt_series "$O" $CONNECT "{\"dport\":\"$PM\"}" | jq -c 'map(.labels)')"
		fi
		check_eq tcp_no_lost_events "lost ringbuf+map_full" 0 \
			"$(jq '.lost.ringbuf + .lost.map_full' "$O")"
		check_eq tcp_hook_default_tp_btf ".hooks.tcp" tp_btf "$(jq -r '.hooks.tcp' "$O")"
		# the IPv4 client got ACKs while ESTABLISHED: loopback RTTs, far below a second
		rtt=$(tt_series "$O" tracetool_tcp_rtt_seconds "{\"daddr\":\"127.0.0.1\",\"dport\":\"$P4\"}" |
			jq -r 'if length == 1 and .[0].count > 0 then .[0].max else "none" end')
		check_range tcp_rtt_histogram "max smoothed RTT (s) of the IPv4 client" 0.000001 1 "$rtt"
		# the dropped SYN to PN was retransmitted (and counted above)
		check_eq tcp_syn_retrans_connect_phase "SYN retransmits to port $PN (first SYN dropped)" 1 \
			"$(nevents "$O" ".type == \"tcp_retransmit\" and .dport == $PN and .state == \"SYN_SENT\"")"
	fi
fi

# --- raw_tp fallback: a refused connect counts one reset received ---
O=$TT_TMP/raw.json
E=$TT_TMP/raw.err
if ! start_tt "$O" "$E" --hook raw_tp --no-events --port $PR; then
	fail_all "$TT_WHY: $(head -c 200 "$E")" tcp_hook_raw_tp_reset tcp_no_events_option
else
	nsx "$W" --port $PR --refused 2>/dev/null
	stop_tt "$O" "$E"
	if [ -n "$why" ]; then
		fail_all "$why" tcp_hook_raw_tp_reset tcp_no_events_option
	elif [ "$(jq -r '.hooks.tcp' "$O")" != raw_tp ]; then
		fail_all "hook is $(jq -r '.hooks.tcp' "$O"), not raw_tp" tcp_hook_raw_tp_reset \
			tcp_no_events_option
	else
		check_eq tcp_hook_raw_tp_reset "$RESETS{direction=received,dport=$PR} (raw_tp)" 1 \
			"$(csum "$O" $RESETS "{\"direction\":\"received\",\"dport\":\"$PR\"}")"
		check_eq tcp_no_events_option "events with --no-events" 0 "$(jq '.events | length' "$O")"
	fi
fi

# --- text output: a live line per reset, then the summary ---
T=$TT_TMP/text.out
tt_bg "$TT" tcp --port $PT -d 30 >"$T" 2>"$TT_TMP/text.err"
tpid=$TT_PID
if ! tt_wait_bss_ready "$tpid" 20; then
	fail_all "$TT_WHY" tcp_text_live_reset_line tcp_text_summary
else
	nsx "$W" --port $PT --refused 2>/dev/null
	# the live line comes within the 100 ms drain period, long before -d ends
	n=0
	while [ $n -lt 50 ] && ! grep -q "tcp_reset direction=received" "$T"; do
		sleep 0.1
		n=$((n + 1))
	done
	if grep -Eq "^[0-9:.]+ tcp_reset direction=received saddr=127\.0\.0\.1 sport=[0-9]+ daddr=127\.0\.0\.1 dport=$PT state=SYN_SENT pid=[0-9]+ comm=tcp_workload$" "$T"; then
		pass tcp_text_live_reset_line
	else
		fail tcp_text_live_reset_line "no live reset line within 5 s: $(head -c 300 "$T" | tr '\n' '|')"
	fi
	kill -TERM "$tpid" 2>/dev/null
	tt_wait_exit "$tpid" 20
	if grep -q "^tracetool_tcp_resets_total" "$T" &&
		grep -Eq "^ *received +127\.0\.0\.1 +127\.0\.0\.1 +$PT +1$" "$T"; then
		pass tcp_text_summary
	else
		fail tcp_text_summary "summary table lacks the received reset: $(tr '\n' '|' <"$T" | head -c 400)"
	fi
fi

# --- owner filters: -- CMD counts its connects; -p of another process none ---
O=$TT_TMP/cmd.json
timeout -k 5 60 "$TT" tcp -f json -o "$O" --port $PF -- ip netns exec "$NS" "$W" --port $PF \
	--conns 5 --writes 1 >/dev/null 2>"$TT_TMP/cmd.err"
TT_RC=$?
why=$(tt_run_why "$O" "$TT_TMP/cmd.err")
if [ -n "$why" ]; then
	fail tcp_cmd_owner_connects "$why"
else
	check_eq tcp_cmd_owner_connects "$CONNECT{dport=$PF} count under -- CMD" 5 \
		"$(hcount "$O" $CONNECT "{\"dport\":\"$PF\"}")"
fi
settle
O=$TT_TMP/pid.json
tt_bg sleep 60
other=$TT_PID
if ! start_tt "$O" "$TT_TMP/pid.err" --port $PF -p "$other"; then
	fail tcp_pid_filter_excludes_others "$TT_WHY"
else
	nsx "$W" --port $PF --conns 5 --writes 1 >/dev/null 2>"$TT_TMP/wp.err"
	wprc=$?
	stop_tt "$O" "$TT_TMP/pid.err"
	if [ -n "$why" ]; then
		fail tcp_pid_filter_excludes_others "$why"
	elif [ $wprc -ne 0 ]; then
		fail tcp_pid_filter_excludes_others "workload exit $wprc (nothing to exclude): $(head -c 200 "$TT_TMP/wp.err")"
	else
		check_eq tcp_pid_filter_excludes_others "connects seen with -p of an idle process" 0 \
			"$(hcount "$O" $CONNECT "{\"dport\":\"$PF\"}")"
	fi
fi
tt_stop "$other"

# --- address filters, in the kernel: connects to 127.0.0.2 pass --raddr
# 127.0.0.2, those to 127.0.0.1 do not; with --laddr 127.0.0.2 a refused
# connect to 127.0.0.2 counts only the reset sent from 127.0.0.2 ---
settle
O=$TT_TMP/raddr.json
if ! start_tt "$O" "$TT_TMP/raddr.err" --port $PA --raddr 127.0.0.2; then
	fail tcp_raddr_filter "$TT_WHY"
else
	nsx "$W" --addr 127.0.0.2 --port $PA --conns 3 --writes 1 >/dev/null 2>&1
	settle
	nsx "$W" --addr 127.0.0.1 --port $PA --conns 2 --writes 1 >/dev/null 2>&1
	stop_tt "$O" "$TT_TMP/raddr.err"
	if [ -n "$why" ]; then
		fail tcp_raddr_filter "$why"
	else
		check_eq tcp_raddr_filter "connect series (daddr:count) with --raddr 127.0.0.2" \
			"127.0.0.2:3" "$(jq -r '[.metrics[] | select(.name == "'$CONNECT'") | .series[] |
				"\(.labels.daddr):\(.count)"] | join(",")' "$O")"
	fi
fi
O=$TT_TMP/laddr.json
if ! start_tt "$O" "$TT_TMP/laddr.err" --port $PA --laddr 127.0.0.2; then
	fail tcp_laddr_filter "$TT_WHY"
else
	nsx "$W" --addr 127.0.0.2 --port $PA --refused 2>/dev/null
	stop_tt "$O" "$TT_TMP/laddr.err"
	if [ -n "$why" ]; then
		fail tcp_laddr_filter "$why"
	else
		check_eq tcp_laddr_filter "reset series (direction saddr) with --laddr 127.0.0.2" \
			"sent 127.0.0.2" "$(jq -r '[.metrics[] | select(.name == "'$RESETS'") | .series[] |
				"\(.labels.direction) \(.labels.saddr)"] | join(",")' "$O")"
	fi
fi

# --- past the series bound, flows go to _other, never to lost: a refused
# connect makes three counter series (reset sent, reset received, failed
# connect); with room for one flow, the other two are counted in their
# kind's _other series ---
O=$TT_TMP/full.json
if ! start_tt "$O" "$TT_TMP/full.err" --port $PX --max-series 1 --max-events 1; then
	fail_all "$TT_WHY" tcp_series_bound_other tcp_max_events_counted
else
	nsx "$W" --port $PX --refused 2>/dev/null
	stop_tt "$O" "$TT_TMP/full.err"
	if [ -n "$why" ]; then
		fail_all "$why" tcp_series_bound_other tcp_max_events_counted
	else
		# two events (reset sent, received), room for one: the other is lost
		check_eq tcp_max_events_counted "events kept, lost ringbuf with --max-events 1" "1 1" \
			"$(jq -r '"\(.events | length) \(.lost.ringbuf)"' "$O")"
		check_eq tcp_series_bound_other "counted, series, _other series, lost map_full" \
			"3 3 2 0" \
			"$(jq -r '.lost.map_full as $l |
				[.metrics[] | select(.type == "counter" and .name != "tracetool_lost_events_total") | .series[]] as $s |
				"\($s | map(.value) | add // 0) \($s | length) \($s |
				map(select(.labels.daddr == "_other")) | length) \($l)"' "$O")"
	fi
fi

# --- at defaults, more flows than the series bound: every refused connect
# is counted (the flows past the bound in _other), nothing is lost ---
O=$TT_TMP/bound.json
if ! start_tt "$O" "$TT_TMP/bound.err" --port $PB --no-events; then
	fail_all "$TT_WHY" tcp_flows_past_bound_exact tcp_flows_past_bound_other \
		tcp_flows_past_bound_no_loss
else
	nsx "$W" --addr 127.0.1.1 --port $PB --refused --conns $NFLOWS --spread 2>"$TT_TMP/bound.w"
	wrc=$?
	stop_tt "$O" "$TT_TMP/bound.err"
	[ -z "$why" ] && [ $wrc != 0 ] && why="tcp_workload exited $wrc: $(head -c 200 "$TT_TMP/bound.w")"
	if [ -n "$why" ]; then
		fail_all "$why" tcp_flows_past_bound_exact tcp_flows_past_bound_other \
			tcp_flows_past_bound_no_loss
	else
		check_eq tcp_flows_past_bound_exact "$CFAIL summed over all series" $NFLOWS \
			"$(jq '[.metrics[] | select(.name == "'$CFAIL'") | .series[].value] | add' "$O")"
		check_eq tcp_flows_past_bound_other "$CFAIL series labelled _other" 1 \
			"$(jq '[.metrics[] | select(.name == "'$CFAIL'") | .series[] |
				select(.labels.daddr == "_other")] | length' "$O")"
		check_eq tcp_flows_past_bound_no_loss "lost map_full" 0 "$(jq '.lost.map_full' "$O")"
	fi
fi

# --- --cgroup: only sockets connected by tasks of the cgroup (4 connects
# inside it, 3 outside) ---
rmdir_cgroup() {	# rmdir_cgroup DIR: once its (exited) tasks are gone; bounded
	_n=0
	[ -d "$1" ] || return 0
	while ! rmdir "$1" 2>/dev/null && [ $_n -lt 50 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	[ ! -d "$1" ]
}
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg=$cgroot/tt-tcp-$$
if [ -z "$cgroot" ] || ! mkdir "$cg" 2>/dev/null; then
	skip tcp_cgroup_filter "cannot create a cgroup v2 directory (cgroup2 mount: ${cgroot:-none})"
else
	tt_on_exit "rmdir_cgroup '$cg'"
	O=$TT_TMP/cgroup.json
	if ! start_tt "$O" "$TT_TMP/cgroup.err" --port $PG --cgroup "$cg"; then
		fail tcp_cgroup_filter "$TT_WHY"
	else
		# shellcheck disable=SC2016 # $$ is the inner shell's
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
			ip netns exec "$NS" "$W" --port $PG --conns 4 --writes 1 >/dev/null 2>"$TT_TMP/cg.err"
		cgrc=$?
		settle
		nsx "$W" --port $PG --conns 3 --writes 1 >/dev/null 2>&1
		stop_tt "$O" "$TT_TMP/cgroup.err"
		if [ -n "$why" ]; then
			fail tcp_cgroup_filter "$why"
		elif [ "$cgrc" != 0 ]; then
			fail tcp_cgroup_filter "workload in $cg exited $cgrc: $(head -c 200 "$TT_TMP/cg.err")"
		else
			check_eq tcp_cgroup_filter "$CONNECT{dport=$PG} count with --cgroup" 4 \
				"$(hcount "$O" $CONNECT "{\"dport\":\"$PG\"}")"
		fi
	fi
fi

# --- an active reset (close with unread data) is sent by a socket that has
# already given its port back (inet_num = 0): still matched by --port ---
O=$TT_TMP/active.json
if ! start_tt "$O" "$TT_TMP/active.err" --port $PS; then
	fail tcp_active_reset_sent "$TT_WHY"
else
	nsx "$W" --port $PS --server-rst 2>"$TT_TMP/ws.err"
	wsrc=$?
	stop_tt "$O" "$TT_TMP/active.err"
	if [ -n "$why" ]; then
		fail tcp_active_reset_sent "$why"
	elif [ "$wsrc" != 0 ]; then
		fail tcp_active_reset_sent "workload exit $wsrc: $(head -c 200 "$TT_TMP/ws.err")"
	else
		check_eq tcp_active_reset_sent "tcp_reset sent events from port $PS (state CLOSE)" 1 \
			"$(nevents "$O" ".type == \"tcp_reset\" and .direction == \"sent\" and .sport == $PS and .state == \"CLOSE\"")"
	fi
fi

# --- accepted sockets: under -- CMD the server side of the command's own
# connection has no owner and is left out; --owner-io learns it from the
# server's read ---
for mode in plain owner_io; do
	O=$TT_TMP/$mode.json
	extra=""
	[ $mode = owner_io ] && extra=--owner-io
	settle
	# shellcheck disable=SC2086
	timeout -k 5 60 "$TT" tcp -f json -o "$O" --port $PO $extra -- ip netns exec "$NS" "$W" \
		--port $PO --server-rst >/dev/null 2>"$TT_TMP/$mode.err"
	TT_RC=$?
	why=$(tt_run_why "$O" "$TT_TMP/$mode.err")
	check=tcp_cmd_leaves_out_accepted
	[ $mode = owner_io ] && check=tcp_owner_io_accepted
	if [ -n "$why" ]; then
		fail $check "$why"
		continue
	fi
	got=$(jq -r '[.events[] | select(.type == "tcp_reset") | "\(.direction):\(.comm // "-")"] |
		sort | join(",")' "$O")
	if [ $mode = plain ]; then
		check_eq $check "resets (direction:comm) of -- CMD without --owner-io" \
			"received:tcp_workload" "$got"
	else
		check_eq $check "resets (direction:comm) of -- CMD with --owner-io" \
			"received:tcp_workload,sent:tcp_workload" "$got"
	fi
done

# --- -i: the interval reports add up exactly (counters are never reset, the
# generation scheme hands each sample to exactly one report) ---
settle
O=$TT_TMP/interval.json
if ! start_tt "$O" "$TT_TMP/interval.err" --port $P4 -i 0.3; then
	fail tcp_interval_sum_eq_retranssegs "$TT_WHY"
else
	s0=$(retrans_segs)
	nsx "$W" --port $P4 --conns 2 --writes 150 --size 1000 >/dev/null 2>"$TT_TMP/wi.err"
	wirc=$?
	settle
	s1=$(retrans_segs)
	stop_tt "$O" "$TT_TMP/interval.err"
	if [ -n "$why" ]; then
		fail tcp_interval_sum_eq_retranssegs "$why"
	elif [ "$wirc" != 0 ] || [ $((s1 - s0)) -le 0 ]; then
		fail tcp_interval_sum_eq_retranssegs "workload exit $wirc, RetransSegs +$((s1 - s0))"
	else
		check_eq tcp_interval_sum_eq_retranssegs "sum of $RETRANS over the -i reports, and events" \
			"$((s1 - s0)) $((s1 - s0))" "$(jq -s -r '[.[] | .metrics[] | select(.name == "'$RETRANS'") |
				.series[].value] as $v | [.[] | .events[] | select(.type == "tcp_retransmit")] as $e |
				"\($v | add // 0) \($e | length)"' "$O")" "$(jq -s 'length' "$O") reports"
	fi
fi
