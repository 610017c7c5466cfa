# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the request benchmarks and bench/tcp.sh: bench_tracer_wait PID
# waits until the tracetool process PID has attached its programs (at
# least 4 BPF links among its descriptors, then 0.5 s for the rest and
# tt_ready), 60 s at most; returns 1 if it did not.  Loading takes 1-3 s on
# a busy machine, so a fixed sleep after the first program appeared started
# some runs before tracing did.

bench_tracer_wait() {
	_n=0
	while [ "$(grep -l '^link_type:' /proc/"$1"/fdinfo/* 2>/dev/null | wc -l)" -lt 4 ]; do
		kill -0 "$1" 2>/dev/null && [ $_n -lt 600 ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	sleep 0.5
}

# bench_tt_ready PID: has tracetool PID set tt_ready in a .bss map it holds
# (the session sets it once every tracer's links are attached)?  Map ids
# come from /proc/PID/fdinfo; needs bpftool and jq.
bench_tt_ready() {
	for _id in $(cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^map_id:[[:space:]]*//p' | sort -u); do
		bpftool -j map dump id "$_id" 2>/dev/null |
			jq -e 'any(.[]?; any(.formatted.value[".bss"][]?; .tt_ready == true))' \
			>/dev/null 2>&1 && return 0
	done
	return 1
}
