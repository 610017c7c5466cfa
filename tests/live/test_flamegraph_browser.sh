#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The flame graph SVG in a real browser: Debian's chromium, headless, driven
# by playwright-core (tests/live/browser, installed by tests/live/browser/
# install.sh; no browser download) opens SVGs `tracetool flamegraph` made
# and checks what the page shows (tests/live/browser/flamegraph_browser.js):
# the frames drawn and named, hover details, a click that zooms (the frame
# full width, its callees rescaled, its callers dimmed, the rest hidden),
# Reset Zoom, a search through the page's control with the share it shows,
# Escape, Ctrl+F.  Two inputs: a folded file with known stacks (exact counts and a
# 30.00 % search share), and, with root and the profile command, a
# `profile -f folded` run of prof_cpu (the share of prof_hot the page shows
# equals the folded file's).  Screenshots stay in the test's temporary
# directory (kept with TT_KEEP_SHOTS=DIR: copied there).
#
# Environment: TT=build/tracetool, WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

D=$TT_TMP
B=$(dirname "$0")/browser
KNOWN="flamegraph browser known"
PROF="flamegraph browser profile"

if [ ! -x "$TT" ]; then
	fail_all "tracetool binary $TT is missing: run make all" "$KNOWN" "$PROF"
	exit 0
fi
if ! command -v node >/dev/null 2>&1; then
	skip_all "node is not installed (apt-get install -y nodejs)" "$KNOWN" "$PROF"
	exit 0
fi
if [ ! -x /usr/bin/chromium ]; then
	skip_all "/usr/bin/chromium is not installed (apt-get install -y chromium)" "$KNOWN" "$PROF"
	exit 0
fi
if ! sh "$B/install.sh" 2>"$D/npm"; then
	skip_all "playwright-core: $(head -1 "$D/npm")" "$KNOWN" "$PROF"
	exit 0
fi

# Cases for the one browser run: LABEL SVG SPEC each, as separate arguments.
set --

# --- known stacks: 100 samples; lex is 20 + 10 of them, parse 30 (holding 20 of lex)
cat >"$D/k.folded" <<'END'
app;main;parse;lex 20
app;main;parse 10
app;main;render;draw 30
app;main;render;lex 10
app;io;read 25
gc;sweep 5
END
if "$TT" flamegraph "$D/k.folded" >"$D/k.svg" 2>"$D/err"; then
	# parse (30) zoomed: parse and its lex shown; main, app, all dimmed; 7 hidden
	set -- "$@" known "$D/k.svg" '{"frames": 12,
		"names": ["all", "app", "main", "parse", "lex", "render", "draw", "io", "read", "gc", "sweep"],
		"zoom": "parse", "zoomed": [2, 3, 7],
		"search": "lex", "matched": "Matched: 30.00% (2 frames)",
		"keySearch": "^(parse|lex)$", "keyMatched": "Matched: 40.00% (3 frames)"}'
else
	fail "$KNOWN" "flamegraph failed: $(head -1 "$D/err")"
fi

# --- a real profile of prof_cpu ---------------------------------------------
if ! "$TT" profile --help >/dev/null 2>&1; then
	skip "$PROF" "this build has no profile command"
elif [ "$(id -u)" -ne 0 ]; then
	skip "$PROF" "needs root (BPF)"
elif ! timeout 15 "$TT" profile -F 199 -f folded -o "$D/p.folded" -- "$WL/prof_cpu" 1 \
	>/dev/null 2>"$D/perr"; then
	fail "$PROF" "profile failed: $(head -1 "$D/perr")"
elif ! grep -q '^prof_cpu;.*;main;prof_hot [0-9]*$' "$D/p.folded"; then
	fail "$PROF" "no prof_cpu;...;main;prof_hot stack in $(head -3 "$D/p.folded" | tr '\n' ' ')"
elif ! "$TT" flamegraph "$D/p.folded" >"$D/p.svg" 2>"$D/err"; then
	fail "$PROF" "flamegraph failed: $(head -1 "$D/err")"
else
	# the share the page must show: samples with prof_hot on their stack
	want=$(awk '{ v = $NF; s = $0; sub(/ [^ ]*$/, "", s); t += v; if ((";" s ";") ~ /;prof_hot;/) h += v }
		END { printf "Matched: %.2f%%", 100 * h / t }' "$D/p.folded")
	nhot=$(grep -c '^<g class="f" [^>]*data-n="prof_hot"' "$D/p.svg")
	nall=$(grep -c '^<g class="f"' "$D/p.svg")
	set -- "$@" profile "$D/p.svg" "{\"frames\": $nall, \"names\": [\"all\", \"prof_cpu\", \"main\", \"prof_hot\"],
		\"zoom\": \"prof_hot\", \"zoomed\": null,
		\"search\": \"^prof_hot\$\", \"matched\": \"$want ($nhot frames)\"}"
fi

# --- the browser ------------------------------------------------------------
[ $# -gt 0 ] || exit 0
timeout 45 node "$B/flamegraph_browser.js" "$D" "$@" >"$D/out" 2>"$D/err"
rc=$?
grep -E '^(PASS|FAIL): ' "$D/out"
while [ $# -gt 0 ]; do
	if [ $rc -eq 3 ]; then
		skip "flamegraph browser $1" "chromium does not start: $(sed -n 's/^BROWSER: //p' "$D/out" | head -1)"
	elif [ $rc -ne 0 ] && ! grep -q "^FAIL: flamegraph browser $1: " "$D/out"; then
		fail "flamegraph browser $1" "driver exited $rc: $(tail -2 "$D/err" "$D/out" | tr '\n' ' ')"
	fi
	shift 3
done
[ -z "${TT_KEEP_SHOTS:-}" ] || cp "$D"/*.png "$TT_KEEP_SHOTS"/
exit 0
