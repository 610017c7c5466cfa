#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Installs playwright-core at the version package-lock.json pins into
# node_modules next to this file (not committed), for the flame graph
# browser test.  Never downloads a browser: the test drives Debian's
# chromium.  Idempotent: returns at once when that version is installed.
# Bounded: npm gets 90 s.  Exits 1 with one line on stderr when npm is
# missing or fails (the test then SKIPs).
cd "$(dirname "$0")" || exit 1
want=$(sed -n '/"node_modules\/playwright-core"/,/}/s/.*"version": "\([^"]*\)".*/\1/p' package-lock.json)
have=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' node_modules/playwright-core/package.json 2>/dev/null)
[ -n "$want" ] && [ "$have" = "$want" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "npm is not installed (apt-get install -y npm)" >&2
	exit 1
fi
if ! out=$(PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 90 npm ci --omit=dev --prefer-offline \
	--no-audit --no-fund --loglevel=error 2>&1); then
	# the first line that says what went wrong, not npm's codes, stack or log path
	why=$(echo "$out" | grep -vE "^npm (error|ERR!) *(code|syscall|errno|at |A complete log|$)" | head -1)
	echo "npm ci of playwright-core $want failed: ${why:-npm exited with an error}" >&2
	exit 1
fi
exit 0
