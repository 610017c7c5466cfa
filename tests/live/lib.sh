# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Helpers sourced by the live test scripts (POSIX sh: tests/run.sh runs them
# with `sh`).  Environment: TT (the tracetool binary), WL (the directory of
# the workload binaries), BPFTOOL (optional; default: bpftool on PATH or
# /usr/sbin/bpftool).
#
# Every check prints exactly one line:
#   PASS: name [(what: measured value)] | FAIL: name: why | SKIP: name: why
# A check that cannot run SKIPs with the reason; it never PASSes.
#
# Sourcing this file creates a private temporary directory ($TT_TMP) and an
# EXIT trap that kills the background processes started through tt_bg (by
# pid, nothing else), runs the registered cleanup commands (tt_on_exit) and
# removes $TT_TMP.

: "${TT:=build/tracetool}"
: "${WL:=build/workloads}"
if [ -z "${BPFTOOL:-}" ]; then
	BPFTOOL=$(command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
fi

TT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tt-live.XXXXXX") || {
	echo "FAIL: live_setup: mktemp -d failed"
	exit 1
}
TT_BG_PIDS=""		# background processes we started and have not reaped
TT_CLEANUP=""		# shell commands run at exit, newest first

# --- result lines ---------------------------------------------------------

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

# check_eq NAME WHAT EXPECTED ACTUAL [CONTEXT]: PASS when ACTUAL = EXPECTED.
check_eq() {
	if [ "$4" = "$3" ]; then
		pass "$1 ($2: $4)"
	else
		fail "$1" "$2: expected $3, got ${4:-<nothing>}${5:+ ($5)}"
	fi
}

# check_range NAME WHAT LO HI ACTUAL: PASS when LO <= ACTUAL <= HI (reals).
check_range() {
	if [ -n "$5" ] && awk -v v="$5" -v lo="$3" -v hi="$4" \
		'BEGIN { exit !(v ~ /^[-+0-9.eE]+$/ && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
		pass "$1 ($2: $5, within [$3, $4])"
	else
		fail "$1" "$2: expected within [$3, $4], got ${5:-<nothing>}"
	fi
}

# fail_all WHY NAME...: one FAIL line per check name (a setup step they all need failed).
fail_all() {
	_why=$1
	shift
	for _n in "$@"; do
		fail "$_n" "$_why"
	done
}

# skip_all REASON NAME...: one SKIP line per check name.
skip_all() {
	_why=$1
	shift
	for _n in "$@"; do
		skip "$_n" "$_why"
	done
}

# --- prerequisites --------------------------------------------------------

# tt_require_base NAME...: when the checks cannot run at all (not root, no
# jq, no tracetool, no kernel BTF), print SKIP (or FAIL, for a missing
# build) for every named check and exit.
tt_require_base() {
	if [ "$(id -u)" -ne 0 ]; then
		skip_all "needs root (BPF tracing), running as uid $(id -u)" "$@"
		exit 0
	fi
	if ! command -v jq >/dev/null 2>&1; then
		skip_all "jq is not installed (apt-get install -y jq)" "$@"
		exit 0
	fi
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		skip_all "kernel has no BTF (/sys/kernel/btf/vmlinux): tracetool cannot run here" "$@"
		exit 0
	fi
	if [ ! -x "$TT" ]; then
		for _n in "$@"; do
			fail "$_n" "tracetool binary $TT is missing: run make all"
		done
		exit 0
	fi
}

# tt_have_bpftool: is bpftool usable (needed to see when tracing is ready)?
tt_have_bpftool() {
	[ -x "$BPFTOOL" ] && "$BPFTOOL" -j prog show >/dev/null 2>&1
}

# --- network namespaces (tcp, multi) ---------------------------------------

# tt_netns_new NS: create network namespace NS with its loopback up, deleted
# at exit.  Returns 1 with TT_WHY when it cannot (no ip/iptables, no usable
# bpftool to see when tracing is ready, ip netns add failed).
tt_netns_new() {
	if ! command -v ip >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
		TT_WHY="needs ip (iproute2) and iptables"
	elif ! tt_have_bpftool; then
		TT_WHY="bpftool ($BPFTOOL) is not usable: cannot tell when tracing is ready"
	elif ! ip netns add "$1" 2>"$TT_TMP/ns.err"; then
		TT_WHY="cannot create network namespace $1: $(head -c 200 "$TT_TMP/ns.err")"
	else
		tt_on_exit "ip netns del $1 2>/dev/null"
		ip -n "$1" link set lo up
		return 0
	fi
	return 1
}

# tt_netns_drop NS PORT [ADDR]: in namespace NS, drop every 5th IPv4 TCP
# segment to PORT (on ADDR only, if given: other flows of the port keep all
# theirs); retransmits of known number, compare with tt_retrans_segs.
# Returns 1 with TT_WHY when iptables fails.
tt_netns_drop() {
	if ! ip netns exec "$1" iptables -A INPUT -p tcp ${3:+-d "$3"} --dport "$2" -m statistic --mode nth \
		--every 5 --packet 0 -j DROP 2>"$TT_TMP/ipt.err"; then
		TT_WHY="iptables in the namespace failed: $(head -c 200 "$TT_TMP/ipt.err")"
		return 1
	fi
}

# tt_retrans_segs NS: RetransSegs of namespace NS (TCP over IPv4 and IPv6).
tt_retrans_segs() {
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i; h = 1 }
		else print $c }' /proc/net/snmp
}

# tt_netns_settle NS: wait (bounded, 30 s) until no socket of namespace NS
# can still retransmit (only TIME-WAIT ones, or none, are left).
tt_netns_settle() {
	_n=0
	while [ $_n -lt 300 ]; do
		[ "$(ip netns exec "$1" ss -Htan 2>/dev/null | grep -vc TIME-WAIT)" = 0 ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

# --- cleanup --------------------------------------------------------------

tt_on_exit() {	# tt_on_exit CMD: run CMD (a shell string) at exit
	TT_CLEANUP="$1
$TT_CLEANUP"
}

tt_cleanup() {
	local _p
	for _p in $TT_BG_PIDS; do
		kill -TERM "$_p" 2>/dev/null
	done
	for _p in $TT_BG_PIDS; do
		tt_wait_exit "$_p" 3 || kill -KILL "$_p" 2>/dev/null
	done
	eval "$TT_CLEANUP"
	rm -rf "$TT_TMP"
}
trap 'tt_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- background processes -------------------------------------------------

# tt_bg CMD ARGS...: start CMD in the background; its pid is left in
# TT_PID.  Redirect inside the caller: tt_bg cmd >out 2>err.
tt_bg() {
	"$@" &
	TT_PID=$!
	TT_BG_PIDS="$TT_BG_PIDS $TT_PID"
}

# tt_bg_sigint CMD ARGS...: like tt_bg, but with SIGINT at its default
# disposition, as under a terminal where a user presses Ctrl-C.  (A
# non-interactive shell starts background jobs with SIGINT ignored; the
# test should not depend on how CMD copes with that.)
tt_bg_sigint() {
	tt_bg env --default-signal=INT "$@"
}

# tt_alive PID: does PID exist and is it not a zombie?
tt_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# tt_wait_exit PID TIMEOUT_S: wait (bounded) for a child started by tt_bg to
# exit, reap it and leave its exit status in TT_RC.  Returns 1 on timeout
# (the process is left running).
tt_wait_exit() {
	local _n _max _rest _p
	_n=0
	_max=$(($2 * 20))
	while tt_alive "$1" && [ $_n -lt $_max ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	if tt_alive "$1"; then
		TT_RC=timeout
		return 1
	fi
	wait "$1"
	TT_RC=$?
	_rest=""
	for _p in $TT_BG_PIDS; do
		[ "$_p" = "$1" ] || _rest="$_rest $_p"
	done
	TT_BG_PIDS=$_rest
	return 0
}

# tt_stop PID: SIGTERM, bounded wait, then SIGKILL; reaps it.
tt_stop() {
	kill -TERM "$1" 2>/dev/null
	tt_wait_exit "$1" 3 || { kill -KILL "$1" 2>/dev/null; tt_wait_exit "$1" 3; }
}

# tt_wait_comm PID COMM TIMEOUT_S: wait until /proc/PID/comm is COMM.
tt_wait_comm() {
	_n=0
	while [ $_n -lt $(($3 * 20)) ]; do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
		_n=$((_n + 1))
	done
	return 1
}

# --- BPF object ownership (through /proc, not bpftool's "pids") -----------
#
# bpftool reports the owning processes of programs ("pids") only when it is
# built with its own BPF skeletons; Debian 12's bpftool 7.1 is not, and
# prints "pids": null.  /proc/PID/fdinfo works everywhere: a bpf-prog fd
# and a bpf_link fd both show the prog_id they hold, a bpf-map fd its map_id.

# tt_fd_ids PID KEY: sorted ids of KEY (prog_id, map_id, link_id) held by PID.
tt_fd_ids() {
	for _f in /proc/"$1"/fdinfo/*; do
		sed -n "s/^$2:[[:space:]]*\([0-9]*\)$/\1/p" "$_f" 2>/dev/null
	done | sort -un
}

# tt_ids_json IDS...: a JSON array of the ids (newline or space separated).
tt_ids_json() {
	# shellcheck disable=SC2048,SC2086 # split the id list on purpose
	echo "[$(echo $* | tr ' ' ',')]"
}

# tt_prog_names PID: names of the BPF programs PID holds (prog or link fds).
tt_prog_names() {
	_ids=$(tt_ids_json $(tt_fd_ids "$1" prog_id))
	"$BPFTOOL" -j prog show 2>/dev/null |
		jq -r --argjson ids "$_ids" '.[] | select(.id as $i | any($ids[]; . == $i)) | .name'
}

# tt_bss_ready PID: has PID set the `tt_ready` flag in its .bss map?  The
# session sets it after every link is attached; before that the programs
# ignore events, so this is the exact moment a traced workload may start.
tt_bss_ready() {
	_ids=$(tt_ids_json $(tt_fd_ids "$1" map_id))
	[ "$_ids" != "[]" ] || return 1
	for _m in $("$BPFTOOL" -j map show 2>/dev/null | jq -r --argjson ids "$_ids" \
		'.[] | select((.id as $i | any($ids[]; . == $i)) and (.name | endswith(".bss"))) | .id'); do
		"$BPFTOOL" -j map dump id "$_m" 2>/dev/null |
			jq -e 'any(.[]?; any(.formatted.value[".bss"][]?; .tt_ready == true))' \
			>/dev/null 2>&1 && return 0
	done
	return 1
}

# tt_wait_ready PID HOOK TIMEOUT_S: wait (bounded in time and iterations)
# until tracetool PID holds sys_enter_HOOK and sys_exit_HOOK programs
# (HOOK: btf or raw) and has flagged itself ready.  Returns 1 on timeout or
# if PID exits; TT_WHY then says why.
tt_wait_ready() {
	local _start _n _names
	_start=$(date +%s)
	_n=0
	while [ $_n -lt $(($3 * 20)) ] && [ $(($(date +%s) - _start)) -le "$3" ]; do
		if ! tt_alive "$1"; then
			TT_WHY="tracetool (pid $1) exited before it was ready"
			return 1
		fi
		_names=$(tt_prog_names "$1")
		if echo "$_names" | grep -qx "sys_enter_$2" && echo "$_names" | grep -qx "sys_exit_$2" &&
			tt_bss_ready "$1"; then
			return 0
		fi
		sleep 0.05
		_n=$((_n + 1))
	done
	TT_WHY="tracetool (pid $1) not ready after $3 s (programs held: $(echo "$_names" | tr '\n' ' '))"
	return 1
}

# tt_named_progs: "id name" of every loaded program a tracetool tracer may
# leave behind.
tt_named_progs() {
	"$BPFTOOL" -j prog show 2>/dev/null | jq -r '.[] | select(.name | test(
		"^(sys_enter_btf|sys_exit_btf|sys_enter_raw|sys_exit_raw|tt_follow_)")) |
		"\(.id) \(.name)"'
}

# tt_all_owned_prog_ids: prog ids held by any process (prog or link fd).
tt_all_owned_prog_ids() {
	cat /proc/[0-9]*/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*\([0-9]*\)$/\1/p' |
		sort -un
}

# tt_orphan_progs: "id name" of tracer programs no process holds.
tt_orphan_progs() {
	_owned=$(tt_all_owned_prog_ids)
	tt_named_progs | while read -r _id _name; do
		echo "$_owned" | grep -qx "$_id" || echo "$_id $_name"
	done
}

# --- running tracetool ----------------------------------------------------

# tt_run OUT ERR ARGS...: tracetool syscalls -f json ARGS, stdout to OUT,
# stderr to ERR, bounded by a 120 s timeout; exit status in TT_RC.
tt_run() {
	_out=$1
	_err=$2
	shift 2
	timeout -k 5 120 "$TT" syscalls -f json "$@" >"$_out" 2>"$_err"
	TT_RC=$?
}

# tt_run_why OUT ERR: empty when the last tt_run exited 0 with a JSON
# report in OUT, else the reason (for the FAIL lines of its checks).
tt_run_why() {
	if [ "$TT_RC" != 0 ]; then
		echo "tracetool exited $TT_RC: $(head -c 300 "$2" 2>&1 | tr '\n' ' ')"
	elif ! jq -e '.schema == "tracetool.report/v1"' "$1" >/dev/null 2>&1; then
		echo "no tracetool.report/v1 JSON document in $1: $(head -c 200 "$1" 2>&1 | tr '\n' ' ')"
	fi
}

# --- queries on a JSON report ---------------------------------------------
# LABELS is a JSON object; a series matches when each of its keys has
# exactly that value (other labels may be present).

TT_LAT=tracetool_syscall_duration_seconds
TT_ERRS=tracetool_syscall_errors_total

# tt_series FILE METRIC LABELS: JSON array of the matching series.
tt_series() {
	jq -c --arg m "$2" --argjson l "$3" '[.metrics[]? | select(.name == $m) | .series[]? |
		select(.labels as $x | all($l | to_entries[]; $x[.key] == .value))]' "$1" 2>/dev/null
}

# tt_hcount FILE LABELS: total count of the matching latency series (0 if none).
tt_hcount() {
	tt_series "$1" "$TT_LAT" "$2" | jq 'map(.count) | add // 0'
}

# tt_nseries FILE METRIC LABELS: number of matching series.
tt_nseries() {
	tt_series "$1" "$2" "$3" | jq 'length'
}

# tt_cvalue FILE METRIC LABELS: total value of the matching counter series.
tt_cvalue() {
	tt_series "$1" "$2" "$3" | jq 'map(.value) | add // 0'
}

# tt_quantile FILE LABELS Q: quantile Q ("0.5") of the single matching series.
tt_quantile() {
	tt_series "$1" "$TT_LAT" "$2" | jq -r --arg q "$3" 'if length == 1 then .[0].quantiles[$q] else empty end'
}

# tt_syscalls_seen FILE: sorted, comma-separated syscall labels of all series
# of both syscall metrics.
tt_syscalls_seen() {
	jq -r '[.metrics[]? | select(.name | startswith("tracetool_syscall_")) | .series[]? |
		.labels.syscall] | unique | join(",")' "$1" 2>/dev/null
}

# tt_lost FILE: the report's loss counters, for failure messages.
tt_lost() {
	jq -c '.lost' "$1" 2>/dev/null
}

# tt_wait_bss_ready PID TIMEOUT_S: wait (bounded in time and iterations)
# until tracetool PID has set its tt_ready flag, whatever its programs are
# called (the session sets it after every link is attached).  Returns 1 on
# timeout or if PID exits; TT_WHY then says why.
tt_wait_bss_ready() {
	_n=0
	while [ $_n -lt $(($2 * 20)) ]; do
		if ! tt_alive "$1"; then
			TT_WHY="tracetool (pid $1) exited before it was ready"
			return 1
		fi
		tt_bss_ready "$1" && return 0
		sleep 0.05
		_n=$((_n + 1))
	done
	TT_WHY="tracetool (pid $1) not ready after $2 s"
	return 1
}
