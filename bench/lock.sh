# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the benchmarks: `bench_exclusive "$0" "$@"` re-runs the calling
# script under `flock /tmp/tt-bench.lock`, so two benchmarks never overlap,
# unless the lock is held already by this shell or one of its ancestors
# (`flock /tmp/tt-bench.lock sh bench/X.sh`, or a benchmark calling another):
# taking it again there would wait forever.

TT_BENCH_LOCK=/tmp/tt-bench.lock

# Is the lock flock()ed by this shell or one of its ancestors?
bench_lock_held_above() {
	ino=$(stat -c %i "$TT_BENCH_LOCK" 2>/dev/null) || return 1
	holders=$(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, f, ":"); if (f[n] == ino) print $5 }' /proc/locks)
	[ -n "$holders" ] || return 1
	p=$$
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		for h in $holders; do [ "$h" = "$p" ] && return 0; done
		p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
	done
	return 1
}

bench_exclusive() {
	if [ "${TT_BENCH_LOCKED:-}" != 1 ] && ! bench_lock_held_above; then
		exec env TT_BENCH_LOCKED=1 flock "$TT_BENCH_LOCK" sh "$@"
	fi
	TT_BENCH_LOCKED=1
	export TT_BENCH_LOCKED
}

# `bench_exclusive_live "$0" "$@"`: bench_exclusive, then /tmp/tt-live.lock
# too (in that order, as every helper takes them), unless a caller holds it
# already (`flock /tmp/tt-bench.lock flock /tmp/tt-live.lock sh bench/X.sh`):
# for benchmarks that trace the host the live tests trace.
bench_exclusive_live() {
	bench_exclusive "$@"
	TT_BENCH_LOCK=/tmp/tt-live.lock
	if [ "${TT_LIVE_LOCKED:-}" != 1 ] && ! bench_lock_held_above; then
		exec env TT_LIVE_LOCKED=1 flock /tmp/tt-live.lock sh "$@"
	fi
	TT_BENCH_LOCK=/tmp/tt-bench.lock
}
