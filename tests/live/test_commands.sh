#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Table-walking test: every command of the command table has a --help with
# examples, rejects a bad option with exit status 2, writes JSON that parses
# with -f json (a command whose --help lists no --format must reject -f json
# with exit status 2 instead), and is documented in the man page and the
# README.
TT=${TT:-build/tracetool}
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

if ! command -v jq >/dev/null; then
	skip commands "jq is not installed (scripts/deps.sh installs it)"
	exit 0
fi
cmds=$("$TT" list -f json 2>/dev/null | jq -r '.commands[].name')
if [ -z "$cmds" ]; then
	fail "list -f json" "no commands listed"
	exit 0
fi
pass "list -f json names $(echo $cmds | wc -w) commands"

"$TT" --help | grep -q '^Usage: tracetool' && pass "tracetool --help" || fail "tracetool --help" "no usage"
"$TT" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "no command exits 2" || fail "no command exits 2" "exit $rc"
"$TT" nosuchcommand >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "unknown command exits 2" || fail "unknown command exits 2" "exit $rc"
"$TT" --version | grep -q '^tracetool ' && pass "--version" || fail "--version" "no version line"

for c in $cmds; do
	out=$("$TT" "$c" --help); rc=$?
	if [ $rc -eq 0 ] && echo "$out" | grep -q '^Examples:' && echo "$out" | grep -q "^Usage: tracetool $c"; then
		pass "$c --help"
	else
		fail "$c --help" "exit $rc or no Usage/Examples section"
	fi
	err=$("$TT" "$c" --no-such-option 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 2 ] && [ "$(echo "$err" | head -1 | grep -c "tracetool $c: ")" -eq 1 ]; then
		pass "$c bad option exits 2"
	else
		fail "$c bad option exits 2" "exit $rc, stderr: $err"
	fi
	# a unique prefix of the name runs the same command
	p=$(echo "$c" | cut -c1-3)
	if [ "$(echo "$cmds" | grep -c "^$p")" -eq 1 ]; then
		"$TT" "$p" --help | grep -q "^Usage: tracetool $c" && pass "$c by prefix '$p'" ||
			fail "$c by prefix '$p'" "prefix did not select it"
	fi
	if ! echo "$out" | grep -q -- '--format'; then
		# a command whose help lists no --format (flamegraph writes SVG)
		# must refuse -f json as a usage error, not ignore it
		"$TT" "$c" -f json </dev/null >/dev/null 2>&1; rc=$?
		[ $rc -eq 2 ] && pass "$c has no --format: -f json exits 2" ||
			fail "$c has no --format: -f json exits 2" "exit $rc"
	elif [ "$(id -u)" -ne 0 ]; then
		skip "$c -f json" "needs root to load BPF programs"
	else
		if echo "$out" | grep -q -- '--duration'; then
			json=$("$TT" "$c" -f json -d 0.3 2>&1)
		elif echo "$out" | grep -q '^Usage: tracetool [a-z]* \[OPTIONS\] BASE CAND'; then
			# compare reads two bundles (tests/compare/small.json: 3 synthetic runs)
			json=$("$TT" "$c" -f json tests/compare/small.json tests/compare/small.json 2>&1)
		else	# a reader (report) gets a saved report on stdin; list ignores it
			json=$("$TT" "$c" -f json <tests/unit/golden/report.json 2>&1)
		fi
		if echo "$json" | jq -e . >/dev/null 2>&1; then
			pass "$c -f json parses"
		else
			fail "$c -f json parses" "$(echo "$json" | head -3)"
		fi
		if echo "$out" | grep -q -- '--duration'; then
			echo "$json" | jq -e '.schema == "tracetool.report/v1" and (.metrics | type == "array")' >/dev/null &&
				pass "$c -f json follows tracetool.report/v1" ||
				fail "$c -f json follows tracetool.report/v1" "schema or metrics missing"
		fi
	fi
	if [ -f docs/tracetool.1 ] && grep -q "^\.SS $c\$" docs/tracetool.1; then
		pass "$c in man page"
	else
		fail "$c in man page" "docs/tracetool.1 has no '.SS $c' section"
	fi
	if grep -q "tracetool $c" README.md 2>/dev/null; then
		pass "$c in README"
	else
		fail "$c in README" "README.md never shows 'tracetool $c'"
	fi
done
exit 0
