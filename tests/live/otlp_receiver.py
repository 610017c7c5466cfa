#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A test OTLP/HTTP metrics receiver on loopback: decodes every POST with the
OTLP message layout (proto/ compiled by protoc --python_out; PYTHONPATH holds
it) and writes one JSON line per request: headers, the status answered, the
receipt time (monotonic) and the decoded ExportMetricsServiceRequest.

usage: otlp_receiver.py PORTFILE OUTFILE MODE
MODE ok: answer 200.  503once: answer the first request 503 with
Retry-After: 1, then 200.
"""
import gzip
import http.server
import json
import sys
import time

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as svc

portfile, outfile, mode = sys.argv[1:4]
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        rec = {"path": self.path, "t": time.monotonic(),
               "content_type": self.headers.get("Content-Type"),
               "content_encoding": self.headers.get("Content-Encoding"),
               "x_tt_test": self.headers.get("x-tt-test"),
               "gzip_magic": body[:2] == b"\x1f\x8b", "bytes": len(body)}
        status = 503 if mode == "503once" and seen == 1 else 200
        try:
            if rec["content_encoding"] == "gzip":
                body = gzip.decompress(body)
            req = svc.ExportMetricsServiceRequest()
            if rec["content_type"] == "application/json":
                json_format.Parse(body, req)
            else:
                req.ParseFromString(body)
            rec["export"] = json_format.MessageToDict(
                req, preserving_proto_field_name=True,
                including_default_value_fields=True)
        except Exception as e:  # the check reports it
            rec["error"] = repr(e)
            status = 400
        rec["status"] = status
        with open(outfile, "a") as f:
            f.write(json.dumps(rec) + "\n")
        answer = svc.ExportMetricsServiceResponse().SerializeToString()
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402  (rename: the test sees the port file complete or not at all)
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
