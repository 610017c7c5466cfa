#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Test runner: every cmocka unit test binary (TAP output), then every live
# test script.  Live scripts print one line per check:
#   PASS: name | FAIL: name: why | SKIP: name: why
# Ends with the summary line `N passed, N failed, N skipped`; exits 1 on any
# failure.  Usage: sh tests/run.sh [OUT] [all|unit|live]
OUT=${1:-build}
WHAT=${2:-all}
case $WHAT in all|unit|live) ;; *) echo "usage: sh tests/run.sh [OUT] [all|unit|live]" >&2; exit 2 ;; esac
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {	# count PASS/FAIL/SKIP lines of a live script's output in $log
	p=$(grep -c '^PASS: ' "$log"); f=$(grep -c '^FAIL: ' "$log"); s=$(grep -c '^SKIP: ' "$log")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

[ "$WHAT" = live ] || echo "== unit tests"
for t in "$OUT"/tests/test_*; do
	[ "$WHAT" != live ] || break
	[ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	rc=$?
	# cmocka's TAP marks a skip() as `not ok N # SKIP name` (or `ok N # SKIP`): a skip, not a failure
	s=$(grep -c '^\(not \)\{0,1\}ok [0-9]* *# *SKIP' "$log")
	p=$(grep '^ok ' "$log" | grep -vc '# *SKIP'); f=$(grep '^not ok ' "$log" | grep -vc '# *SKIP')
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	echo "$(basename "$t"): $p passed, $f failed, $s skipped"
	grep '^\(not \)\{0,1\}ok [0-9]* *# *SKIP' "$log" | sed 's/^.*# *SKIP */SKIP: /'
	grep -v '# *SKIP' "$log" | grep -A5 '^not ok ' 
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $(basename "$t") exited $rc"; cat "$log"; fail=$((fail + 1))
	fi
done

[ "$WHAT" = unit ] || echo "== live tests"
for t in tests/live/test_*.sh; do
	[ "$WHAT" != unit ] || break
	[ -f "$t" ] || continue
	TT="$OUT/tracetool" WL="$OUT/workloads" timeout 600 sh "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	before=$fail
	count
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		echo "FAIL: $(basename "$t") exited $rc without reporting a failure"
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
