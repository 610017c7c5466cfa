#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of the OTLP/HTTP push (user/otlp.*): a receiver started here on
# loopback (tests/live/otlp_receiver.py, python3-protobuf with proto/
# compiled by protoc) decodes every export of the exporter driven by
# tests/tools/otlp_push.c, whose report has known counts
# (tests/live/otlp_check.py says which):
#   push        protobuf + gzip, one export per interval, exact counts,
#               bucket counts summing to the count, constant start times,
#               semantic-convention names, resource and headers from OTEL_*
#   json        OTEL_EXPORTER_OTLP_PROTOCOL=http/json, compression none
#   retry       a receiver answering 503 (Retry-After: 1) then 200
#   unreachable nothing listening: the bounded queue drops, and counts it
#   serve       `tracetool serve syscalls --otlp`: one export per interval,
#               syscall_workload's 1234 getppid calls exact, one start time,
#               the exporter's self-metrics in every export (root)
#   final       serve with an interval longer than its run, stopped by
#               SIGTERM: its one export, sent at the stop, holds the 777
#               getppid calls made before it, and the stop takes < 5 s
#
# Environment: TT=build/tracetool (the driver is next to it in tests/).
. "$(dirname "$0")/lib.sh"

DIR=$(dirname "$0")
PUSH=$(dirname "$TT")/tests/otlp_push
CHECKS="otlp_push_decoded otlp_one_export_per_interval otlp_protobuf_gzip otlp_known_counts_exact
otlp_bucket_counts_sum otlp_start_time_constant otlp_semconv_names otlp_self_metrics_success
otlp_json_decoded otlp_json_encoding otlp_json_known_counts otlp_retry_decoded
otlp_retry_after_503 otlp_retry_self_metrics otlp_unreachable_decoded otlp_unreachable_drops"
SERVE_CHECKS="otlp_serve_decoded otlp_serve_one_export_per_interval
otlp_serve_buckets_and_self_metrics otlp_serve_getppid_exact otlp_serve_start_time_constant
otlp_final_decoded otlp_final_export_at_stop otlp_final_stop_bounded"

if [ ! -x "$PUSH" ]; then
	# shellcheck disable=SC2086
	fail_all "$PUSH is missing: run make all" $CHECKS
	exit 0
fi
# Debian's python3 holds python3-protobuf (a python3 earlier on PATH may not)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! command -v protoc >/dev/null 2>&1 || ! "$PY" -c 'import google.protobuf' 2>/dev/null; then
	# shellcheck disable=SC2086
	skip_all "needs protoc and python3-protobuf (sh scripts/deps.sh)" $CHECKS $SERVE_CHECKS
	exit 0
fi
mkdir -p "$TT_TMP/py"
# shellcheck disable=SC2046
protoc --proto_path="$DIR/../../proto" --python_out="$TT_TMP/py" \
	$(find "$DIR/../../proto" -name '*.proto') || {
	# shellcheck disable=SC2086
	fail_all "protoc --python_out failed" $CHECKS
	exit 0
}

# receiver MODE NAME: start a receiver; its port in $PORT, its log $TT_TMP/NAME.jsonl
receiver() {
	rm -f "$TT_TMP/$2.port"
	PYTHONPATH="$TT_TMP/py" tt_bg "$PY" "$DIR/otlp_receiver.py" "$TT_TMP/$2.port" \
		"$TT_TMP/$2.jsonl" "$1" 2>"$TT_TMP/$2.err"
	RECV=$TT_PID
	_n=0
	while [ ! -s "$TT_TMP/$2.port" ] && [ $_n -lt 100 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	PORT=$(cat "$TT_TMP/$2.port" 2>/dev/null)
	touch "$TT_TMP/$2.jsonl"
}

clean_env() {
	unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_METRICS_ENDPOINT \
		OTEL_EXPORTER_OTLP_HEADERS OTEL_EXPORTER_OTLP_PROTOCOL \
		OTEL_EXPORTER_OTLP_COMPRESSION OTEL_EXPORTER_OTLP_TIMEOUT \
		OTEL_SERVICE_NAME OTEL_RESOURCE_ATTRIBUTES
}

check() {	# check SCENARIO [INTERVAL]
	"$PY" "$DIR/otlp_check.py" "$1" "$TT_TMP/$1.jsonl" "$TT_TMP/$1.self" ${2:+"$2"}
}

# push: the base endpoint from the environment, /v1/metrics appended
clean_env
receiver ok push
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$PORT OTEL_EXPORTER_OTLP_HEADERS=x-tt-test=yes \
	OTEL_SERVICE_NAME=tt-otlp-test OTEL_RESOURCE_ATTRIBUTES='deployment.environment=live%20test' \
	timeout 60 "$PUSH" --otlp-interval 1 --exports 4 >"$TT_TMP/push.self" 2>"$TT_TMP/push.log"
tt_stop "$RECV"
check push 1

# json: --otlp given a full URL, the protocol and compression from the environment
receiver ok json
OTEL_EXPORTER_OTLP_PROTOCOL=http/json OTEL_EXPORTER_OTLP_COMPRESSION=none \
	timeout 60 "$PUSH" --otlp "http://127.0.0.1:$PORT/v1/metrics" --otlp-interval 0.3 \
	--exports 3 >"$TT_TMP/json.self" 2>"$TT_TMP/json.log"
tt_stop "$RECV"
check json

# retry: 503 with Retry-After: 1, then 200
receiver 503once retry
timeout 60 "$PUSH" --otlp "http://127.0.0.1:$PORT" --otlp-interval 0.1 --exports 1 \
	--backoff 0.2 >"$TT_TMP/retry.self" 2>"$TT_TMP/retry.log"
tt_stop "$RECV"
check retry

# unreachable: a loopback port nobody listens on (the receiver's, after it stopped)
receiver ok unreachable
tt_stop "$RECV"
timeout 60 "$PUSH" --otlp "http://127.0.0.1:$PORT" --otlp-interval 0.1 --exports 10 \
	--queue 2 --attempts 3 --backoff 0.5 >"$TT_TMP/unreachable.self" \
	2>"$TT_TMP/unreachable.log"
check unreachable

# serve's usage errors: a bad URL, variable or interval is exit 2 before anything loads
bad=""
for c in "--otlp ftp://x" "--otlp-interval 5" "--otlp http://127.0.0.1:1 --otlp-interval 0.5"; do
	# shellcheck disable=SC2086
	"$TT" serve $c >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || bad="$bad [$c: exit $rc]"
done
for v in OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_COMPRESSION=br \
	OTEL_EXPORTER_OTLP_TIMEOUT=soon OTEL_EXPORTER_OTLP_HEADERS=novalue; do
	env "$v" OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1 "$TT" serve >/dev/null \
		2>"$TT_TMP/usage.err"
	rc=$?
	{ [ $rc -eq 2 ] && grep -q "${v%%=*}" "$TT_TMP/usage.err"; } || bad="$bad [$v: exit $rc]"
done
if [ -z "$bad" ]; then
	pass "otlp_serve_usage_errors (7 bad settings: exit 2, the variable named)"
else
	fail otlp_serve_usage_errors "$bad"
fi

# serve: the real thing, with a workload of known count
SYS=$WL/syscall_workload
if [ "$(id -u)" -ne 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	# shellcheck disable=SC2086
	skip_all "tracetool serve needs root and kernel BTF" $SERVE_CHECKS
	exit 0
fi
if [ ! -x "$TT" ] || [ ! -x "$SYS" ]; then
	# shellcheck disable=SC2086
	fail_all "$TT or $SYS is missing: run make all" $SERVE_CHECKS
	exit 0
fi
# serve_otlp ERRFILE ARGS...: `tracetool serve ARGS -v` in the background (SERVE); 0 once it
# listens, else 1 with it and the receiver stopped
serve_otlp() {
	_e=$1
	shift
	tt_bg "$TT" serve "$@" --listen 127.0.0.1:0 -v 2>"$_e"
	SERVE=$TT_PID
	_n=0
	while ! grep -q "listening on" "$_e" && tt_alive "$SERVE" && [ $_n -lt 400 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	grep -q "listening on" "$_e" && return 0
	tt_stop "$SERVE"
	tt_stop "$RECV"
	return 1
}

receiver ok serve
if ! serve_otlp "$TT_TMP/serve.err" syscalls -c ttotlp_sys --by comm \
	--otlp "http://127.0.0.1:$PORT" --otlp-interval 1 -d 6; then
	# shellcheck disable=SC2086
	fail_all "serve did not start: $(head -c 300 "$TT_TMP/serve.err")" $SERVE_CHECKS
	exit 0
fi
"$SYS" --comm ttotlp_sys --getppid 1234 || echo "FAIL: otlp_serve_workload: exit $?"
tt_wait_exit "$SERVE" 20 || tt_stop "$SERVE"
tt_stop "$RECV"
check serve 1

# final: no export is due in the run (interval 1 h); SIGTERM must still send one, with the
# counts at the stop
receiver ok final
if ! serve_otlp "$TT_TMP/final.err" syscalls -c ttotlp_fin --by comm \
	--otlp "http://127.0.0.1:$PORT" --otlp-interval 3600; then
	fail_all "serve did not start: $(head -c 300 "$TT_TMP/final.err")" \
		otlp_final_decoded otlp_final_export_at_stop otlp_final_stop_bounded
	exit 0
fi
"$SYS" --comm ttotlp_fin --getppid 777 || echo "FAIL: otlp_final_workload: exit $?"
t0=$(date +%s%N)
kill -TERM "$SERVE"
tt_wait_exit "$SERVE" 20 || tt_stop "$SERVE"
ms=$((($(date +%s%N) - t0) / 1000000))
tt_stop "$RECV"
check final
if [ $ms -lt 5000 ]; then
	pass "otlp_final_stop_bounded (SIGTERM to exit: $ms ms)"
else
	fail otlp_final_stop_bounded "SIGTERM to exit took $ms ms"
fi
