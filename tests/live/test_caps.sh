#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of tracetool run by an unprivileged user holding only CAP_BPF
# and CAP_PERFMON (ambient, through setpriv): no root, no CAP_SYS_ADMIN,
# tracefs (mode 0700) closed to it, RLIMIT_MEMLOCK not raisable (BPF memory
# is cgroup-accounted).  requests counts a known HTTP workload exactly on
# its socket path; syscalls, tcp and offcpu run; the tracepoint fallback
# names what it lacks instead of claiming tracefs is not mounted.
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

PORT=19030		# this file's ports: 19030-19039
USER_NAME=tt-capuser
CHECKS="caps_requests_counts caps_requests_no_loss caps_syscalls_runs caps_tcp_runs
caps_offcpu_runs caps_tracepoint_says_why"

# shellcheck disable=SC2086
tt_require_base $CHECKS
if ! command -v setpriv >/dev/null; then
	# shellcheck disable=SC2086
	skip_all "setpriv (util-linux) is missing" $CHECKS
	exit 0
fi
if ! id "$USER_NAME" >/dev/null 2>&1; then
	if ! useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$USER_NAME" 2>"$TT_TMP/useradd.err"; then
		# shellcheck disable=SC2086
		skip_all "cannot create the user $USER_NAME: $(head -c 200 "$TT_TMP/useradd.err")" $CHECKS
		exit 0
	fi
	tt_on_exit "userdel $USER_NAME 2>/dev/null"
fi
chmod 755 "$TT_TMP"
d=$TT_TMP/caps
mkdir -p "$d"
chmod 777 "$d"

# the command prefix running as the unprivileged user with CAP_BPF and
# CAP_PERFMON only (no spaces in its words: used unquoted)
ASUSER="setpriv --reuid=$USER_NAME --regid=$USER_NAME --clear-groups --inh-caps=-all,+bpf,+perfmon --ambient-caps=-all,+bpf,+perfmon --"

cat >"$d/run.sh" <<EOF
"$WL/req_server" --port $PORT --conns 1 --timeout 60 &
"$WL/req_client" --port $PORT --req GET:/fast:7 --req GET:/users/12:5 >"$d/client.out" || echo "client failed" >&2
wait
EOF
chmod 644 "$d/run.sh"
# shellcheck disable=SC2086
timeout -k 5 120 $ASUSER "$TT" requests -f json -o "$d/req.json" -- sh "$d/run.sh" 2>"$d/req.err"
rc=$?
why=""
[ $rc = 0 ] || why="tracetool exited $rc: $(head -c 300 "$d/req.err" | tr '\n' ' ')"
if [ -z "$why" ] && ! jq -e . "$d/req.json" >/dev/null 2>&1; then
	why="no JSON report: $(head -c 300 "$d/req.err" | tr '\n' ' ')"
fi
if [ -n "$why" ]; then
	fail_all "$why" caps_requests_counts caps_requests_no_loss
else
	check_eq caps_requests_counts "server series" "GET /fast 200=7, GET /users/:id 200=5" \
		"$(jq -r '[.metrics[] | select(.name == "http_server_request_duration_seconds") | .series[] |
			"\(.labels.http_request_method) \(.labels.http_route) \(.labels.http_response_status_code)=\(.count)"] |
			sort | join(", ")' "$d/req.json")"
	check_eq caps_requests_no_loss "lost counters" '{"ringbuf":0,"map_full":0,"stack_collisions":0,"pid_map_full":0,"symbolize_fd":0}' \
		"$(tt_lost "$d/req.json")"
fi

# the other tracers that need no tracefs: each runs 1 s and reports
for t in syscalls tcp offcpu; do
	# shellcheck disable=SC2086
	timeout -k 5 60 $ASUSER "$TT" $t -d 1 -f json -o "$d/$t.json" 2>"$d/$t.err"
	rc=$?
	if [ $rc = 0 ] && jq -e '.metrics' "$d/$t.json" >/dev/null 2>&1; then
		pass caps_${t}_runs
	else
		fail caps_${t}_runs "exit $rc: $(head -c 300 "$d/$t.err" | tr '\n' ' ')"
	fi
done

# classic tracepoints need tracefs, closed to this user: the error says so
# shellcheck disable=SC2086
timeout -k 5 60 $ASUSER "$TT" requests --hook tracepoint -d 1 >/dev/null 2>"$d/tp.err"
rc=$?
if [ $rc != 0 ] && grep -q "not readable by this user" "$d/tp.err" && ! grep -q "not mounted" "$d/tp.err"; then
	pass caps_tracepoint_says_why
else
	fail caps_tracepoint_says_why "exit $rc: $(head -c 300 "$d/tp.err" | tr '\n' ' ')"
fi
