#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# -o never destroys what it writes over (issue 13): a device is written in
# place and survives a write error with the real errno, a symbolic link stays
# a link and its target gets the report, an existing report survives a run
# that fails, a FIFO gets the report in place, an existing file keeps its
# mode, -i keeps whole reports on disk, and no temporary file is left behind.
. "$(dirname "$0")/lib.sh"

NAMES="output_full_device output_full_device_flamegraph output_symlink output_failed_run_keeps
output_fifo output_mode_kept output_interval output_no_temp output_usage_error_untouched
output_cmd_killed_held output_dash_stdout"
# shellcheck disable=SC2086
tt_require_base $NAMES

D=$TT_TMP/out
mkdir -p "$D"
printf 'main;work 3\nmain;idle 1\n' >"$D/in.folded"

# A private full device (1,7 is /dev/full): a regression deletes this one, not the host's.
if mknod "$D/full" c 1 7 2>"$TT_TMP/mknod.err"; then
	"$TT" syscalls -d 0.2 -o "$D/full" >/dev/null 2>"$TT_TMP/full.err"; rc=$?
	if [ $rc -eq 1 ] && [ -c "$D/full" ] && grep -q "No space left on device" "$TT_TMP/full.err"; then
		pass "output_full_device (exit 1, device kept, ENOSPC reported)"
	else
		fail output_full_device "exit $rc, device $( [ -c "$D/full" ] && echo kept || echo GONE), \
stderr: $(head -c 200 "$TT_TMP/full.err")"
	fi
	"$TT" flamegraph -o "$D/full" "$D/in.folded" 2>"$TT_TMP/full.err"; rc=$?
	if [ $rc -eq 1 ] && [ -c "$D/full" ] && grep -q "No space left on device" "$TT_TMP/full.err"; then
		pass "output_full_device_flamegraph (exit 1, device kept, ENOSPC reported)"
	else
		fail output_full_device_flamegraph "exit $rc, device $( [ -c "$D/full" ] && echo kept || \
echo GONE), stderr: $(head -c 200 "$TT_TMP/full.err")"
	fi
else
	skip_all "mknod failed: $(head -c 200 "$TT_TMP/mknod.err")" output_full_device \
		output_full_device_flamegraph
fi

echo old >"$D/target"
ln -s target "$D/link"
"$TT" syscalls -d 0.2 -f json -o "$D/link" >/dev/null 2>"$TT_TMP/link.err"; rc=$?
if [ $rc -eq 0 ] && [ -L "$D/link" ] && [ "$(readlink "$D/link")" = target ] &&
	[ "$(jq -r .schema "$D/target" 2>/dev/null)" = tracetool.report/v1 ]; then
	pass "output_symlink (link kept, its target holds the report)"
else
	fail output_symlink "exit $rc, link $(ls -l "$D/link" 2>&1 | head -c 100), target starts \
$(head -c 40 "$D/target")"
fi

"$TT" flamegraph -o "$D/keep.svg" "$D/in.folded" 2>/dev/null
cp "$D/keep.svg" "$D/keep.before"
"$TT" syscalls -d 1 -o "$D/keep.svg" -- ./no-such-command >/dev/null 2>&1; rc=$?
if [ $rc -eq 2 ] && cmp -s "$D/keep.svg" "$D/keep.before"; then
	pass "output_failed_run_keeps (exit 2, existing file unchanged byte for byte)"
else
	fail output_failed_run_keeps "exit $rc, file $(cmp "$D/keep.svg" "$D/keep.before" 2>&1 | head -c 100)"
fi

mkfifo "$D/fifo"
timeout 20 cat "$D/fifo" >"$D/fifo.out" &
reader=$!
"$TT" syscalls -d 0.2 -f json -o "$D/fifo" >/dev/null 2>"$TT_TMP/fifo.err"; rc=$?
wait $reader
if [ $rc -eq 0 ] && [ -p "$D/fifo" ] && [ "$(jq -r .schema "$D/fifo.out" 2>/dev/null)" = tracetool.report/v1 ]; then
	pass "output_fifo (report read through the FIFO, FIFO kept)"
else
	fail output_fifo "exit $rc, fifo $(ls -l "$D/fifo" 2>&1 | head -c 80), read $(wc -c <"$D/fifo.out") bytes"
fi

echo old >"$D/mode"
chmod 640 "$D/mode"
"$TT" report -o "$D/mode" "$D/target" 2>/dev/null; rc=$?
check_eq output_mode_kept "exit and mode" "0 640" "$rc $(stat -c %a "$D/mode")"

# -i: after the run the file holds every interval's report, each a whole JSON document
"$TT" syscalls -d 1 -i 0.25 -f json -o "$D/iv.json" >/dev/null 2>&1; rc=$?
n=$(jq -s length "$D/iv.json" 2>/dev/null)
check_range output_interval "exit 0, whole reports on disk" 4 5 "$( [ $rc -eq 0 ] && echo "$n")"

# The command killed while tracetool still loads (a Ctrl-C or SIGTERM to the whole process
# group): the run ends with the command's fate and writes its report; before, releasing the
# dead command killed tracetool with SIGPIPE (exit 141) and left its temporary file.
echo old >"$D/held"
"$TT" requests -o "$D/held" -- sleep 5 >/dev/null 2>"$TT_TMP/held.err" &
ttp=$!
c=""
i=0
while [ -z "$c" ] && [ $i -lt 100 ]; do
	c=$(pgrep -P $ttp 2>/dev/null | head -1)
	[ -n "$c" ] || sleep 0.01
	i=$((i + 1))
done
held=""
[ -n "$c" ] && held=$(cat "/proc/$c/comm" 2>/dev/null) && kill -TERM "$c"
wait $ttp; rc=$?
if [ "$held" != tracetool ]; then
	skip output_cmd_killed_held "the command was not found still held (child '$c', comm '$held')"
elif [ $rc -eq 143 ] && grep -q "command: sleep 5 (killed by SIGTERM)" "$D/held" &&
	[ "$(ls -A "$D" | grep -c '^\.held\.tt-')" -eq 0 ]; then
	pass "output_cmd_killed_held (exit 143, report says killed by SIGTERM, no temporary file)"
else
	fail output_cmd_killed_held "exit $rc, report: $(head -c 300 "$D/held"), \
temp files: $(ls -A "$D" | grep '\.tt-' | tr '\n' ' '), stderr: $(head -c 200 "$TT_TMP/held.err")"
fi

# -o - is standard output, never a file named "-"
tta=$(realpath "$TT")
(cd "$D" && "$tta" syscalls -d 0.1 -f json -o - >"$D/dash.out" 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && [ ! -e "$D/-" ] && [ "$(jq -r .schema "$D/dash.out" 2>/dev/null)" = tracetool.report/v1 ]; then
	pass "output_dash_stdout (report on standard output, no file '-')"
else
	fail output_dash_stdout "exit $rc, file '-' $( [ -e "$D/-" ] && echo exists || echo absent)"
fi

left=$(ls -A "$D" | grep -c '\.tt-')
check_eq output_no_temp "temporary files left" 0 "$left"

# A usage error touches no output file (and traces nothing).
echo keep >"$D/usage"
cp "$D/usage" "$D/usage.before"
bad=""
for args in "-p ''" "-p ," "--syscall ''" "--syscall ," "-d 0x10" "-d 1e308h" "-d 366d" "-d 1 --"; do
	eval "\"\$TT\" syscalls $args -o \"\$D/usage\"" >/dev/null 2>"$TT_TMP/usage.err"; rc=$?
	lines=$(grep -c "^tracetool syscalls: " "$TT_TMP/usage.err")
	if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || ! cmp -s "$D/usage" "$D/usage.before"; then
		bad="$bad [$args: exit $rc, $lines error lines]"
	fi
done
for args in "tcp --port ''" "requests --port ,"; do
	eval "\"\$TT\" $args -d 1 -o \"\$D/usage\"" >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] && cmp -s "$D/usage" "$D/usage.before" || bad="$bad [$args: exit $rc]"
done
if [ -z "$bad" ]; then
	pass "output_usage_error_untouched (empty filters, bad durations, bare --: exit 2, one error line, file kept)"
else
	fail output_usage_error_untouched "$bad"
fi
