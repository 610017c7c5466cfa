#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Busy-host loss benchmark of `tracetool syscalls` at default settings.
#
#   sh bench/busy.sh [SECONDS [MODE...]]     (default: 120 syscall comm process thread)
#   INTERVAL=S sh bench/busy.sh ...          (-i S: figures summed over the interval reports)
#   TT_ARGS="--max-cells 262144" sh bench/busy.sh ...   (extra tracetool options)
#
# For each --by MODE: a syscall-diverse load (stress-ng, one worker per
# stressor, plus a loop spawning short-lived /bin/true processes) runs for
# SECONDS; tracetool traces the whole host for that time with default
# options; halfway, a known workload (tests/workloads/syscall_workload)
# makes exactly 200,000 getppid calls under the command name ttBusy.
# Printed per mode: samples reported, series, lost counters, kernel map
# memory, and the workload's getppid count: with --by comm its own series;
# with --by process/thread its own series while the series bound (4096)
# lasts, else the getppid _other series, which it shares with every other
# process past the bound; with --by syscall the host's other getppid callers
# share its series, so the excess is printed.
#
# stress-ng's `get` stressor is left out on purpose: it calls getppid, which
# would blur the known count.  Prints figures, never asserts on them.  Takes
# /tmp/tt-live.lock (it traces the whole host).  Every wait is bounded.

set -u
cd "$(dirname "$0")/.." || exit 1
if [ "${TT_LIVE_LOCKED:-}" != 1 ]; then
	exec env TT_LIVE_LOCKED=1 flock /tmp/tt-live.lock sh "$0" "$@"
fi

SECS=${1:-120}
[ $# -gt 0 ] && shift
MODES=${*:-syscall comm process thread}
OUT=${OUT:-build}
TT=$OUT/tracetool
W=$OUT/workloads/syscall_workload
CALLS=200000
STRESSORS="--fork 1 --pipe 1 --futex 1 --sock 1 --timer 1 --getdent 1 --dentry 1 --sem 1
--poll 1 --mmap 1 --switch 1 --sysinfo 1 --open 1"

die() { echo "busy: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v stress-ng >/dev/null 2>&1 || die "stress-ng missing (scripts/deps.sh --bench)"
command -v jq >/dev/null 2>&1 || die "jq missing"
[ -x "$TT" ] && [ -x "$W" ] || die "build first (make)"
case $SECS in *[!0-9]* | "") die "SECONDS must be a whole number" ;; esac
TMP=$(mktemp -d /tmp/tt-busy.XXXXXX) || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# spawner END_S: /bin/true until END_S (epoch seconds), at most 10^6 times
spawner() {
	i=0
	while [ "$(date +%s)" -lt "$1" ] && [ $i -lt 1000000 ]; do
		/bin/true
		i=$((i + 1))
	done
	echo "$i" >"$TMP/spawned"
}

echo "busy-host loss: $SECS s per mode, modes: $MODES; $(nproc) CPUs; $(uname -r)"
echo "tracetool $(git describe --always --dirty 2>/dev/null || echo '?')"
for mode in $MODES; do
	o=$TMP/$mode.json
	# shellcheck disable=SC2086
	stress-ng $STRESSORS --temp-path "$TMP" --timeout $((SECS + 5))s >"$TMP/stress.log" 2>&1 &
	PIDS="$PIDS $!"
	spawner $(($(date +%s) + SECS)) &
	PIDS="$PIDS $!"
	sleep 2	# the load is running before tracing starts
	# shellcheck disable=SC2086
	"$TT" syscalls --by "$mode" -d "$SECS" ${INTERVAL:+-i "$INTERVAL"} ${TT_ARGS:-} -f json -o "$o" \
		2>"$TMP/tt.err" &
	ttpid=$!
	sleep $((SECS / 2))
	"$W" --comm ttBusy --getppid $CALLS || echo "busy: the workload failed" >&2
	n=0
	while kill -0 "$ttpid" 2>/dev/null && [ $n -lt $((SECS * 10 + 300)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	wait "$ttpid"
	rc=$?
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=""
	if [ $rc != 0 ] || ! jq -e .schema "$o" >/dev/null 2>&1; then
		echo "--by $mode: tracetool exited $rc: $(head -c 300 "$TMP/tt.err")"
		continue
	fi
	jq -s -r --arg mode "$mode" --argjson calls $CALLS \
		--arg spawned "$(cat "$TMP/spawned" 2>/dev/null)" '
		length as $reports |
		(map(select(.lost | add > 0)) | length) as $lossy |
		([.[].lost | to_entries[]] | group_by(.key) | map({(.[0].key): (map(.value) | add)}) |
			add) as $lost |
		(.[-1] | [.metrics[] | select(.name == "tracetool_bpf_map_memory_bytes") |
			.series[].value] | add) as $mem |
		[.[] | .metrics[] | select(.name == "tracetool_syscall_duration_seconds") | .series[]]
		as $s |
		($s | map(.count) | add) as $total |
		($s | map(select(.labels.syscall == "getppid"))) as $g |
		(if $mode == "syscall" then ($g | map(.count) | add)
		 else ($g | map(select(.labels.comm == "ttBusy")) | map(.count) | add) end) as $known |
		"--by \($mode): \($total) samples in \($s | map(.labels | tojson) | unique | length) " +
		"series (\($s | map(select(.labels.comm == "_other") | .labels | tojson) | unique |
			length) _other), lost \($lost | tojson) (\($lossy) of \($reports) reports lossy), " +
		"map memory \($mem / 1048576 * 10 | round / 10) MiB, " +
		"known getppid \($known // 0) of \($calls)" +
		(if $mode == "syscall" then " (host-wide series: \($known - $calls) from other processes)"
		 else " in its own series, getppid in _other \($g | map(select(.labels.comm == "_other")) |
			map(.count) | add // 0)" end) + ", processes spawned \($spawned)"' "$o"
done
