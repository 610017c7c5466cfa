#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# OTLP push cost: an export of N histogram series (default 10000) encoded
# and queued by tt_otlp_export (the time serve's loop spends per export),
# and its size on the wire, protobuf + gzip and JSON, sent to the test
# receiver on loopback (which decodes it: a check that the body is whole).
# Prints figures; asserts nothing.  Usage: sh bench/otlp.sh [BUILD] [N]
. "$(dirname "$0")/lock.sh"
bench_exclusive "$0" "$@"

OUT=${1:-build}
N=${2:-10000}
DIR=$(cd "$(dirname "$0")/.." && pwd)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'kill "$RECV" 2>/dev/null; rm -rf "$TMP"' EXIT
protoc --proto_path="$DIR/proto" --python_out="$TMP" $(find "$DIR/proto" -name '*.proto') || exit 1

echo "otlp bench: $N series, tracetool $(git -C "$DIR" describe --always --dirty 2>/dev/null)"
for proto in http/protobuf http/json; do
	PYTHONPATH=$TMP "$PY" "$DIR/tests/live/otlp_receiver.py" "$TMP/port" "$TMP/recv.jsonl" ok &
	RECV=$!
	while [ ! -s "$TMP/port" ]; do sleep 0.05; done
	OTEL_EXPORTER_OTLP_PROTOCOL=$proto "$OUT/tests/otlp_push" \
		--otlp "http://127.0.0.1:$(cat "$TMP/port")" --otlp-interval 1 --exports 3 \
		--series "$N" 2>&1 >/dev/null | sed "s|^|$proto: |"
	kill "$RECV"
	wait "$RECV" 2>/dev/null
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for r in recs:
    n = sum(len(m.get("histogram", m.get("sum", {})).get("data_points", []))
            for m in r["export"]["resource_metrics"][0]["scope_metrics"][0]["metrics"])
    print("%s: %d bytes on the wire (%s), %d data points decoded"
          % (sys.argv[2], r["bytes"], r["content_encoding"] or "identity", n))' \
		"$TMP/recv.jsonl" "$proto"
	rm -f "$TMP/port" "$TMP/recv.jsonl"
done
