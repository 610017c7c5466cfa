#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Install the Debian packages tracetool needs to build and test (and, with
# --bench, the reference tools the benchmark compares against; with --fuzz,
# what `make fuzz` needs), and playwright-core from npm for the flame graph
# browser test (tests/live/browser/install.sh).  Idempotent:
# when everything is present it only asks dpkg and returns in well under a
# second.  Also makes sure tracefs is mounted (the probes and the reference
# tools use it; tracetool itself mounts it on demand).
set -e

BUILD="make gcc libc6-dev pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
       libseccomp-dev libjansson-dev libdw-dev libmicrohttpd-dev libcap-dev
       libyaml-dev libcrypt-dev
       protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev"	# OTLP push
BUILD="$BUILD libunistring-dev"	# text tables: screen cells of grapheme clusters (user/termwidth.c)
TEST="libcmocka-dev jq procps util-linux binutils libxml2-utils nodejs iproute2 iptables"
TEST="$TEST nginx-light wrk"	# requests: a real server and a load generator
TEST="$TEST chromium"	# the flame graph in a browser (tests/live/test_flamegraph_browser.sh)
TEST="$TEST postgresql postgresql-contrib"	# requests: a forking server (initdb, pg_ctl, pgbench)
TEST="$TEST redis-server redis-tools"	# requests: Redis (the tests start their own server)
TEST="$TEST python3 passwd"	# requests: the splice server; caps: useradd (setpriv is util-linux)
TEST="$TEST gcc-multilib"	# syscalls: an ia32 (-m32) workload for the abi label
TEST="$TEST prometheus python3-prometheus-client curl"	# serve: a real Prometheus, promtool, the OpenMetrics parser
TEST="$TEST protobuf-compiler python3-protobuf"	# OTLP: the test receiver decodes every export
TEST="$TEST python3 gzip"	# profile: programs built without frame pointers (test_profile_unwind.sh)
BENCH="libbpf-tools bpftrace iperf3 stress-ng"	# stress-ng: bench/busy.sh load
BENCH="$BENCH linux-perf time"	# bench/profile_unwind.sh: perf --call-graph dwarf as the reference
FUZZ="libclang-rt-dev"	# make fuzz: libFuzzer and the sanitizer runtimes for clang

pkgs="$BUILD $TEST"
[ "$1" = "--bench" ] && pkgs="$pkgs $BENCH"
[ "$1" = "--fuzz" ] && pkgs="$pkgs $FUZZ"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done

# npm comes with Debian's package of that name, or inside nodejs from elsewhere (NodeSource)
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "deps.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# server packages (postgresql, redis-server, nginx) must start no service:
	# the tests start their own servers on loopback ports and stop them
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	fi
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null ||
		{ [ -z "$policy" ] || rm -f "$policy"; exit 1; }
	[ -z "$policy" ] || rm -f "$policy"
fi

# playwright-core for the browser test, at the pinned version (no browser
# download); without npm's registry that test SKIPs, the rest still runs
sh "$(dirname "$0")/../tests/live/browser/install.sh" ||
	echo "deps.sh: the flame graph browser test will be skipped" >&2

if [ "$(id -u)" -eq 0 ] && [ ! -e /sys/kernel/tracing/events ] && [ ! -e /sys/kernel/debug/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi
exit 0
