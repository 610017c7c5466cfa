#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Long-run memory and descriptor benchmark of `tracetool profile -i 5`
# (issue 11: bounded symbol caches).
#
#   sh bench/profile_longrun.sh [SECONDS [TRACETOOL...]]   (default: 600 build/tracetool)
#   STEP=S sh bench/profile_longrun.sh ...                  (print every S seconds, default 60)
#
# A busy host: a loop spawns short-lived processes without pause — each runs
# one of NBIN (default 200) tiny programs compiled here, every one with its
# own build-id, burning about 20 ms of CPU — plus a few common tools (gzip,
# sort, sha256sum, python3, perl) now and then, and one stress-ng CPU worker.
# Every TRACETOOL given runs `profile -i 5 -f json -o FILE` on the whole host
# at the same time, under the same load (give build/tracetool and another
# build to compare them).  Printed every STEP seconds per tracetool: its
# RSS (VmRSS, MB) and open descriptors, and at the end the growth from the
# first reading, the -v symbolization figures and the last report's loss
# counters.  Prints figures, never asserts on them.  It measures no time,
# so it runs without /tmp/tt-live.lock (the load it adds is small).
set -u
cd "$(dirname "$0")/.." || exit 1

SECS=${1:-600}
[ $# -gt 0 ] && shift
TTS=${*:-build/tracetool}
STEP=${STEP:-60}
NBIN=${NBIN:-200}

D=$(mktemp -d /tmp/tt-longrun.XXXXXX) || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# NBIN programs with distinct build-ids (the seed is in the code)
i=0
while [ "$i" -lt "$NBIN" ]; do
	cat >"$D/b$i.c" <<EOF
#include <time.h>
volatile unsigned long sink;
__attribute__((noinline)) void spin_$i(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int k = 0; k < 100000; k++)
			sink += (unsigned long)k * $i;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec < 20000000L);
}
int main(void) { spin_$i(); return 0; }
EOF
	cc -O1 -o "$D/b$i" "$D/b$i.c" || exit 1
	i=$((i + 1))
done
seq 1 200000 | shuf >"$D/numbers" 2>/dev/null || seq 200000 1 >"$D/numbers"

k=0
for tt in $TTS; do
	"$tt" profile -i 5 -f json -o "$D/r$k.json" -v 2>"$D/err$k" &
	PIDS="$PIDS $!"
	eval "TT_$k=$!"
	k=$((k + 1))
done
NTT=$k
sleep 3	# attached

# the load: short-lived processes, without pause
(
	n=0
	while :; do
		"$D/b$((n % NBIN))"
		case $((n % 50)) in
		0) gzip -c "$D/numbers" >/dev/null ;;
		10) sort -n "$D/numbers" >/dev/null ;;
		20) sha256sum "$D/numbers" >/dev/null ;;
		30) python3 -c 'sum(range(300000))' ;;
		40) perl -e '$s += $_ for 1..300000' ;;
		esac
		n=$((n + 1))
	done
) &
PIDS="$PIDS $!"
LOAD=$!
stress-ng --cpu 1 --timeout "${SECS}s" >/dev/null 2>&1 &
PIDS="$PIDS $!"

reading() {	# PID -> "RSS_KB FDS ANON_KB" (anon: RssAnon, what a leak grows; the rest is file pages)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
	echo "${rss:-0} $fds ${anon:-0}"
}

printf '%8s' "seconds"
k=0
while [ "$k" -lt "$NTT" ]; do
	printf '  %30s' "tracetool $k: RSS MB, fds, anon MB"
	k=$((k + 1))
done
echo
t=0
while :; do
	printf '%8d' "$t"
	k=0
	while [ "$k" -lt "$NTT" ]; do
		eval "p=\$TT_$k"
		set -- $(reading "$p")
		[ "$t" -eq 0 ] && eval "FIRST_$k='$1 $2 $3'"
		eval "LAST_$k='$1 $2 $3'"
		printf '  %14.1f %7d %7.1f' "$(echo "$1 / 1024" | bc -l)" "$2" "$(echo "$3 / 1024" | bc -l)"
		k=$((k + 1))
	done
	echo
	[ "$t" -ge "$SECS" ] && break
	sleep "$STEP"
	t=$((t + STEP))
done
kill "$LOAD" 2>/dev/null

k=0
for tt in $TTS; do
	eval "p=\$TT_$k; first=\$FIRST_$k; last=\$LAST_$k"
	set -- $first $last
	printf 'tracetool %d (%s): RSS growth %.1f MB (%.1f -> %.1f), anon %.1f -> %.1f MB, open fds %d -> %d\n' \
		"$k" "$tt" "$(echo "($4 - $1) / 1024" | bc -l)" "$(echo "$1 / 1024" | bc -l)" \
		"$(echo "$4 / 1024" | bc -l)" "$(echo "$3 / 1024" | bc -l)" "$(echo "$6 / 1024" | bc -l)" \
		"$2" "$5"
	kill -INT "$p" 2>/dev/null
	k=$((k + 1))
done
k=0
for tt in $TTS; do
	eval "p=\$TT_$k"
	w=0
	while kill -0 "$p" 2>/dev/null && [ "$w" -lt 100 ]; do
		sleep 0.1
		w=$((w + 1))
	done
	echo "tracetool $k -v:"
	grep symbolized "$D/err$k" | sed 's/^/  /'
	printf '  last report lost: %s\n' "$(jq -c .lost "$D/r$k.json" 2>/dev/null | tail -n 1)"
	k=$((k + 1))
done
