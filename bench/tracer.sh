# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the request benchmarks: bench_tracer_wait PID waits until the
# tracetool process PID has attached its programs (at least 4 BPF links
# among its descriptors, then 0.5 s for the rest and tt_ready), 60 s at
# most; returns 1 if it did not.  Loading takes 1-3 s on a busy machine, so
# a fixed sleep after the first program appeared started some runs before
# tracing did.

bench_tracer_wait() {
	_n=0
	while [ "$(grep -l '^link_type:' /proc/"$1"/fdinfo/* 2>/dev/null | wc -l)" -lt 4 ]; do
		kill -0 "$1" 2>/dev/null && [ $_n -lt 600 ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	sleep 0.5
}
