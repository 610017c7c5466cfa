#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The symbolization checks of tests/live/test_profile.sh that used to fail at
# random, run N times in a row (default 50): the shared library of a PIE
# (profile_sym_shared_lib, with profile_sym_pie), the stripped binary in a
# mount namespace (profile_sym_mount_ns), and the execve and dlopen checks.
# Takes /tmp/tt-live.lock once for all the runs (about 6 s each for the two
# flaky checks): taken per run, other helpers' suites come in between and
# 50 runs take an hour.
# Prints, per check, how many runs passed, failed and skipped, and the first
# failure lines seen; never fails on a FAIL (it reports figures), only on a
# broken setup.
#
# Usage: sh bench/profile_sym_repeat.sh [N]   (--locked N: internal)
# Knobs: OUT [build]; TT, WL (default OUT/tracetool, OUT/workloads);
#        REPEAT_TESTS ["test_pie test_mount_ns test_exec test_dlopen"].
set -u
cd "$(dirname "$0")/.." || exit 1

N=${1:-50}
[ "$N" = --locked ] && N=$2
OUT=${OUT:-build}
TT=${TT:-$OUT/tracetool}
WL=${WL:-$OUT/workloads}
TESTS=${REPEAT_TESTS:-test_pie test_mount_ns test_exec test_dlopen}
log=$(mktemp) || exit 1
all=$(mktemp) || exit 1
trap 'rm -f "$log" "$all"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench/profile_sym_repeat.sh: needs root (BPF)" >&2; exit 1; }
[ -x "$TT" ] || { echo "bench/profile_sym_repeat.sh: no $TT: run make all" >&2; exit 1; }

if [ "${1:-}" = --locked ]; then	# the runs, under the lock the caller took
	i=0
	while [ "$i" -lt "$N" ]; do
		env TT="$TT" WL="$WL" TT_PROFILE_ONLY="$TESTS" \
			timeout 300 sh tests/live/test_profile.sh >"$log" 2>&1
		cat "$log" >>"$RESULTS"
		i=$((i + 1))
	done
	exit 0
fi

echo "== $N runs of $TESTS ($TT, $(uname -r), $(date -u +%FT%TZ))"
RESULTS=$all flock /tmp/tt-live.lock sh "$0" --locked "$N"
grep -E '^(PASS|FAIL|SKIP): ' "$all" | sed -E 's/^(PASS|FAIL|SKIP): ([a-z0-9_]+).*/\2 \1/' |
	sort | uniq -c | awk '{ n[$2] = 1; c[$2 " " $3] = $1 }
	END { for (k in n) printf "   %-32s %3d passed, %3d failed, %3d skipped\n", k,
		c[k " PASS"], c[k " FAIL"], c[k " SKIP"] }' | sort
if grep -q '^FAIL: ' "$all"; then
	echo "   first failures:"
	grep '^FAIL: ' "$all" | cut -c1-300 | head -5 | sed 's/^/     /'
fi
