#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Tests of `tracetool flamegraph` as a command (no root, no BPF): the SVG it
# writes parses as XML (xmllint), stdin/files/-o agree byte for byte, input
# errors exit 2 with one line naming FILE:LINE, output is deterministic, a
# large input renders, and the embedded script zooms and searches (node with
# a minimal DOM, when node is installed).  With the profile command present
# and root, `profile -f folded` of a known command feeds the flame graph.
#
# Environment: TT=build/tracetool (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

D=$TT_TMP
if [ ! -x "$TT" ]; then
	fail flamegraph "tracetool binary $TT is missing: run make all"
	exit 0
fi
cat >"$D/a.folded" <<'END'
nginx;main;ngx_http_handler;ngx_http_send 30
nginx;main;ngx_http_handler 12
nginx;main;ngx_process_events;epoll_wait;do_epoll_wait_[k] 7
sh;[unknown] 3
x;<tag> & "q" 2
END
printf 'nginx;main;ngx_http_handler 5\r\n\r\nnginx;main;idle 20\r\n' >"$D/b.folded"

# --- XML ------------------------------------------------------------------
"$TT" flamegraph "$D/a.folded" >"$D/a.svg" 2>"$D/err"	# the script check below reads it too
if command -v xmllint >/dev/null 2>&1; then
	if xmllint --noout "$D/a.svg" 2>"$D/xml"; then
		pass "flamegraph svg parses as XML"
	else
		fail "flamegraph svg parses as XML" "$(head -3 "$D/xml")"
	fi
	"$TT" flamegraph --diff "$D/b.folded" --title 'a <vs> b & c' "$D/a.folded" >"$D/d.svg" 2>"$D/err"
	if xmllint --noout "$D/d.svg" 2>"$D/xml"; then
		pass "flamegraph --diff svg parses as XML"
	else
		fail "flamegraph --diff svg parses as XML" "$(head -3 "$D/xml")"
	fi
	n=$(xmllint --xpath 'count(//*[local-name()="g"][@class="f"])' "$D/a.svg" 2>/dev/null)
	check_eq "flamegraph frame count" "frames drawn (all + 11 frames)" 12 "$n"
	n=$(xmllint --xpath 'string(//*[local-name()="g"][@data-n="ngx_http_handler"]/@data-v)' "$D/a.svg" 2>/dev/null)
	check_eq "flamegraph inclusive value" "ngx_http_handler data-v" 42 "$n"
else
	skip_all "xmllint is not installed (apt-get install -y libxml2-utils)" \
		"flamegraph svg parses as XML" "flamegraph --diff svg parses as XML" \
		"flamegraph frame count" "flamegraph inclusive value"
fi

# --- inputs and outputs ---------------------------------------------------
"$TT" flamegraph "$D/a.folded" >"$D/1.svg" 2>/dev/null
"$TT" flamegraph "$D/a.folded" >"$D/2.svg" 2>/dev/null
if [ -s "$D/1.svg" ] && cmp -s "$D/1.svg" "$D/2.svg"; then
	pass "flamegraph output is deterministic"
else
	fail "flamegraph output is deterministic" "two runs differ or are empty"
fi
"$TT" flamegraph <"$D/a.folded" >"$D/stdin.svg" 2>/dev/null
"$TT" flamegraph - <"$D/a.folded" >"$D/dash.svg" 2>/dev/null
if cmp -s "$D/1.svg" "$D/stdin.svg" && cmp -s "$D/1.svg" "$D/dash.svg"; then
	pass "flamegraph reads stdin (no file, and -)"
else
	fail "flamegraph reads stdin (no file, and -)" "output differs from the file's"
fi
out=$("$TT" flamegraph -o "$D/o.svg" "$D/a.folded" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ] && cmp -s "$D/1.svg" "$D/o.svg"; then
	pass "flamegraph -o writes the file, nothing on stdout"
else
	fail "flamegraph -o writes the file, nothing on stdout" "exit $rc, output '$out'"
fi
cat "$D/a.folded" "$D/b.folded" >"$D/ab.folded"
"$TT" flamegraph "$D/ab.folded" >"$D/ab.svg" 2>/dev/null
"$TT" flamegraph "$D/a.folded" "$D/b.folded" >"$D/ab2.svg" 2>/dev/null
if [ -s "$D/ab.svg" ] && cmp -s "$D/ab.svg" "$D/ab2.svg" && grep -q '>79 samples;' "$D/ab.svg"; then
	pass "flamegraph merges several files"
else
	fail "flamegraph merges several files" "two files differ from their concatenation, or total is not 79"
fi
"$TT" flamegraph "$D/a.folded" -o "$D/late.svg" --width 400 >/dev/null 2>&1
if grep -q 'width="400"' "$D/late.svg" 2>/dev/null; then
	pass "flamegraph options after the file"
else
	fail "flamegraph options after the file" "-o/--width after FOLDED were not taken"
fi

# --- input errors: exit 2, one line ---------------------------------------
# expect_usage NAME STDERR-PATTERN ARGS...: exit 2, nothing on stdout, the
# first stderr line matching; a second line may only be the --help hint.
expect_usage() {
	_name=$1 _pat=$2
	shift 2
	"$TT" flamegraph "$@" >"$D/out" 2>"$D/err"
	_rc=$?
	if [ $_rc -eq 2 ] && [ ! -s "$D/out" ] && head -1 "$D/err" | grep -q -- "$_pat" &&
		[ "$(sed -n '2,$p' "$D/err" | grep -vc "^Try 'tracetool flamegraph --help'.$")" -eq 0 ]; then
		pass "$_name"
	else
		fail "$_name" "exit $_rc, stderr: $(head -2 "$D/err")"
	fi
}
expect_usage "flamegraph unreadable file exits 2" \
	"^tracetool flamegraph: cannot read '$D/nope.folded': No such file" "$D/nope.folded"
printf 'a;b 1\na;b\n' >"$D/bad.folded"
expect_usage "flamegraph malformed line exits 2 with FILE:LINE" \
	"^tracetool flamegraph: $D/bad.folded:2: no value" "$D/bad.folded"
printf 'a;b 1,5\n' >"$D/dec.folded"
expect_usage "flamegraph non-number value exits 2" "dec.folded:1: .*not a number" "$D/dec.folded"
# fractional values (flamegraph.pl's producers write them) are drawn as they are
printf 'a;b 0.156\na;c 0.844\n' >"$D/frac.folded"
if "$TT" flamegraph -o "$D/frac.svg" "$D/frac.folded" 2>"$D/err" &&
	grep -q 'data-v="0.156" data-n="b"><title>b (0.156 samples, 15.60%)' "$D/frac.svg"; then
	pass "flamegraph fractional values"
else
	fail "flamegraph fractional values" "$(head -2 "$D/err") $(grep -o '<g [^>]*data-n="b"[^<]*<title>[^<]*' "$D/frac.svg" 2>/dev/null)"
fi
: >"$D/empty.folded"
expect_usage "flamegraph empty input exits 2" "^tracetool flamegraph: no stacks in $D/empty.folded" "$D/empty.folded"
printf '\n\r\n' >"$D/blank.folded"
expect_usage "flamegraph blank inputs exit 2" "^tracetool flamegraph: no stacks in the inputs" "$D/blank.folded" "$D/empty.folded"
expect_usage "flamegraph all-zero input exits 2" "no stacks in <stdin> (every value is 0)" - <<'END'
a;b 0
END
expect_usage "flamegraph empty base exits 2" "no stacks in $D/empty.folded" --diff "$D/empty.folded" "$D/a.folded"
# a file given twice would count its stacks twice (as report refuses to merge a file with itself)
ln -sf "$D/a.folded" "$D/a-link.folded"
expect_usage "flamegraph same file twice exits 2" \
	"^tracetool flamegraph: $D/a-link.folded: the same file is given twice" "$D/a.folded" "$D/a-link.folded"
expect_usage "flamegraph -f rejected" "^tracetool flamegraph: -f: " -f json "$D/a.folded"
expect_usage "flamegraph bad --width" "^tracetool flamegraph: --width: " --width 5 "$D/a.folded"
echo keep >"$D/keep.svg"
"$TT" flamegraph -o "$D/keep.svg" "$D/bad.folded" 2>/dev/null
if [ "$(cat "$D/keep.svg")" = keep ]; then
	pass "flamegraph input error leaves -o FILE alone"
else
	fail "flamegraph input error leaves -o FILE alone" "$D/keep.svg was overwritten"
fi
if [ -c /dev/full ] && [ -w /dev/full ]; then
	"$TT" flamegraph "$D/a.folded" >/dev/full 2>"$D/err"; rc=$?
	if [ $rc -eq 1 ] && [ -s "$D/err" ]; then
		pass "flamegraph write error exits 1"
	else
		fail "flamegraph write error exits 1" "exit $rc"
	fi
else
	skip "flamegraph write error exits 1" "/dev/full is not a writable device"
fi

# --- a large input --------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "comm%d;main;f%d;g%d;h%d %d\n", i % 7, i % 50, i % 333, i, 1 + i % 13 }' >"$D/big.folded"
"$TT" flamegraph "$D/big.folded" >"$D/big.svg" 2>"$D/err"; rc=$?
elided=$(sed -n 's/.*; \([0-9]*\) frames narrower than 0.10 px not drawn<.*/\1/p' "$D/big.svg")
drawn=$(grep -c '^<g class="f"' "$D/big.svg")
total=$(awk '{ s += $NF } END { print s }' "$D/big.folded")
if [ $rc -eq 0 ] && grep -q ">$total samples;" "$D/big.svg" && [ "${elided:-0}" -gt 0 ] &&
	[ "$drawn" -gt 1000 ]; then
	pass "flamegraph 20000-stack input: total $total, $drawn frames drawn, $elided elided"
else
	fail "flamegraph 20000-stack input" "exit $rc, total/elided/drawn: $total/${elided:-?}/$drawn: $(head -1 "$D/err")"
fi
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$D/big.svg" 2>/dev/null && pass "flamegraph large svg parses as XML" ||
		fail "flamegraph large svg parses as XML" "xmllint rejected it"
else
	skip "flamegraph large svg parses as XML" "xmllint is not installed (apt-get install -y libxml2-utils)"
fi

# --- the script: zoom and search, in node with a minimal DOM --------------
if command -v node >/dev/null 2>&1; then
	if out=$(node "$(dirname "$0")/flamegraph_dom.js" "$D/a.svg" 2>&1); then
		echo "$out" | grep '^PASS: '
		echo "$out" | grep '^FAIL: '
	else
		fail "flamegraph script" "$(echo "$out" | tail -3)"
	fi
else
	skip "flamegraph script zoom and search" "node is not installed (only this check needs it)"
fi

# --- profile -f folded -> flamegraph (needs the profile command and root) --
if ! "$TT" profile --help >/dev/null 2>&1; then
	skip "flamegraph of profile -f folded" "this build has no profile command"
elif ! command -v xmllint >/dev/null 2>&1; then
	skip "flamegraph of profile -f folded" "xmllint is not installed (apt-get install -y libxml2-utils)"
elif [ "$(id -u)" -ne 0 ]; then
	skip "flamegraph of profile -f folded" "needs root (BPF)"
else
	"$TT" profile -f folded -o "$D/p.folded" -- sh -c \
		'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done' >/dev/null 2>"$D/perr"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "flamegraph of profile -f folded" "profile exited $rc: $(head -1 "$D/perr")"
	elif ! grep -q '^sh;' "$D/p.folded"; then
		fail "flamegraph of profile -f folded" "no 'sh;...' stack in $(head -3 "$D/p.folded")"
	elif "$TT" flamegraph "$D/p.folded" >"$D/p.svg" 2>"$D/err" &&
		xmllint --noout "$D/p.svg" 2>"$D/err"; then
		pass "flamegraph of profile -f folded"
	else
		fail "flamegraph of profile -f folded" "$(head -1 "$D/err")"
	fi
fi
exit 0
