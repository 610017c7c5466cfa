#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Samples against CPU time on a busy host: beside `stress-ng --cpu LOAD`,
# each build profiles (-F 199, -- CMD) prof_exec (two halves, one execve
# apart), prof_dlopen (its dlopen'ed library's half) and prof_vdso, N
# rounds, the builds alternating; prints per run and then per build and
# stack the ratio samples / (the CPU seconds the workload measured x 199)
# as min-max (mean).  A sample standing for 1/199 s of the task's CPU time
# gives 1 +- one sample; the checks of tests/live/test_profile.sh want
# [0.85, 1.1].  Figures only, never fails on them.
#
# Usage: sh bench/profile_cpu_share.sh N LOAD DIR...   (DIR holds tracetool
#        and workloads/, e.g. build)
# Takes /tmp/tt-live.lock for the whole run; stress-ng is bounded by time.
set -u
[ $# -ge 3 ] || { echo "usage: sh bench/profile_cpu_share.sh N LOAD DIR..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/profile_cpu_share.sh: needs root (BPF)" >&2; exit 1; }
command -v stress-ng >/dev/null || { echo "bench/profile_cpu_share.sh: no stress-ng" >&2; exit 1; }
if [ "${TT_SHARE_LOCKED:-}" != 1 ]; then
	exec env TT_SHARE_LOCKED=1 flock /tmp/tt-live.lock sh "$0" "$@"
fi
N=$1
LOAD=$2
shift 2
F=199
d=$(mktemp -d) || exit 1
all=$d/all
trap 'kill "$sp" 2>/dev/null; rm -rf "$d"' EXIT
echo "== $N rounds beside stress-ng --cpu $LOAD, -F $F ($(uname -r), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
stress-ng --cpu "$LOAD" --timeout $((N * 30 * $#))s >/dev/null 2>&1 &
sp=$!
sleep 1

# ratio JSON SUBSTRING CPU: samples of the stacks containing SUBSTRING / (CPU x F)
ratio() {
	jq -r --arg s "$2" --arg c "${3:-0}" --arg f "$F" '[.profiles[]?.stacks[]? |
		select(.frames | join(";") | contains($s)) | .value] | add // 0 |
		if ($c | tonumber) > 0 then . / (($c | tonumber) * ($f | tonumber)) * 1000 | round / 1000
		else "none" end' "$1" 2>/dev/null || echo none
}
cpu() { sed -n "s/^.*: $2=//p" "$1"; }

i=0
while [ "$i" -lt "$N" ]; do
	for b in "$@"; do
		timeout -k 5 60 "$b/tracetool" profile -F $F -f json -o "$d/e.json" -- \
			"$b/workloads/prof_exec" 1 2>"$d/e.err"
		timeout -k 5 60 "$b/tracetool" profile -F $F -f json -o "$d/d.json" -- \
			"$b/workloads/prof_dlopen" 1 2>"$d/d.err"
		timeout -k 5 60 "$b/tracetool" profile -F $F -f json -o "$d/v.json" -- \
			"$b/workloads/prof_vdso" 1 2>"$d/v.err"
		line="$b exec_first $(ratio "$d/e.json" "main;burn;prof_exec_first" \
			"$(cpu "$d/e.err" first_cpu_seconds)")"
		line="$line exec_second $(ratio "$d/e.json" "main;burn;prof_exec_second" \
			"$(cpu "$d/e.err" second_cpu_seconds)")"
		line="$line dlopen_lib $(ratio "$d/d.json" "main;burn;prof_dl_spin" \
			"$(cpu "$d/d.err" lib_cpu_seconds)")"
		line="$line vdso_all $(ratio "$d/v.json" "prof_vdso;" "$(cpu "$d/v.err" cpu_seconds)")"
		echo "   $i $line (exec first half: $(cpu "$d/e.err" first_cpu_seconds) CPU s)"
		echo "$line" >>"$all"
	done
	i=$((i + 1))
done
echo "   per build and stack: min-max (mean) of samples / (CPU s x $F)"
awk '{ for (i = 2; i < NF; i += 2) if ($(i + 1) != "none") { k = $1 " " $i; v = $(i + 1) + 0;
	if (!(k in n) || v < lo[k]) lo[k] = v; if (!(k in n) || v > hi[k]) hi[k] = v;
	n[k]++; sum[k] += v } }
	END { for (k in n) printf "   %-48s %.3f-%.3f (%.3f, %d runs)\n", k, lo[k], hi[k],
		sum[k] / n[k], n[k] }' "$all" | sort
