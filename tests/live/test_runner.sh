#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The test runner itself (tests/run.sh): a cmocka skip() — TAP `not ok N # SKIP`
# — is counted as skipped, not failed, so `make unit` passes as a non-root user
# whose kernel-symbol test skips; a real `not ok` still fails the run.
# Runs fake unit-test binaries from a temporary OUT directory; needs no root.
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/tt-runner.XXXXXX") || { fail runner_setup "mktemp -d failed"; exit 0; }
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/skip/tests" "$dir/fail/tests"
printf '#!/bin/sh\necho "1..3"\necho "ok 1 - a"\necho "not ok 2 # SKIP b"\necho "ok 3 - c"\n' \
	>"$dir/skip/tests/test_fake"
printf '#!/bin/sh\necho "1..2"\necho "ok 1 - a"\necho "not ok 2 - b"\nexit 1\n' \
	>"$dir/fail/tests/test_fake"
chmod +x "$dir/skip/tests/test_fake" "$dir/fail/tests/test_fake"

out=$(sh tests/run.sh "$dir/skip" unit 2>&1); rc=$?
last=$(echo "$out" | tail -n 1)
if [ "$last" = "2 passed, 0 failed, 1 skipped" ] && [ $rc -eq 0 ]; then
	pass "runner_counts_cmocka_skip ($last, exit $rc)"
else
	fail runner_counts_cmocka_skip "expected '2 passed, 0 failed, 1 skipped' and exit 0, got '$last', exit $rc"
fi

out=$(sh tests/run.sh "$dir/fail" unit 2>&1); rc=$?
last=$(echo "$out" | tail -n 1)
if [ "$last" = "1 passed, 1 failed, 0 skipped" ] && [ $rc -eq 1 ]; then
	pass "runner_counts_cmocka_failure ($last, exit $rc)"
else
	fail runner_counts_cmocka_failure "expected '1 passed, 1 failed, 0 skipped' and exit 1, got '$last', exit $rc"
fi
