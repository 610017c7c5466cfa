#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of what tests/live/otlp_receiver.py decoded, one PASS/FAIL line
each (tests/live/lib.sh conventions).  The expected content is the known
report of tests/tools/otlp_push.c: export k holds the GET series with 10*k
samples of 1500 ns, from export 2 the POST series with 3*(k-1) samples of
2 ms, and the errors counter = k.

usage: otlp_check.py SCENARIO RECEIVED.jsonl SELF.json [INTERVAL]
SCENARIO push | json | retry | unreachable | serve | final (see test_otlp.sh);
for serve, SELF.json is unused and the known workload is syscall_workload
--comm ttotlp_sys --getppid 1234 (all of it before the last export); for
final, --comm ttotlp_fin --getppid 777 before the stop.
"""
import json
import socket
import sys

scenario, received, selffile = sys.argv[1:4]
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
recs = [json.loads(line) for line in open(received)] if received != "-" else []
try:
    self_report = json.load(open(selffile))
except Exception:
    self_report = {"metrics": []}


def ok(name, what):
    print(f"PASS: {name} ({what})")


def bad(name, why):
    print(f"FAIL: {name}: {why}")


def check(name, cond, what, why):
    (ok if cond else bad)(name, what if cond else why)


def selfval(name, labels=None):
    for m in self_report.get("metrics", []):
        if m["name"] != name:
            continue
        for s in m["series"]:
            if labels is None or s["labels"] == labels:
                return s["value"]
    return None


def attrs(kvs):
    out = {}
    for kv in kvs:
        v = kv["value"]
        out[kv["key"]] = int(v["int_value"]) if "int_value" in v else v.get("string_value")
    return out


def metrics(rec):
    rm = rec["export"]["resource_metrics"]
    assert len(rm) == 1 and len(rm[0]["scope_metrics"]) == 1
    return {m["name"]: m for m in rm[0]["scope_metrics"][0]["metrics"]}


def points(rec, name):
    m = metrics(rec)[name]
    data = m.get("histogram") or m.get("sum") or m.get("gauge")
    return [(attrs(p["attributes"]), p) for p in data["data_points"]]


def series(rec, method):
    for a, p in points(rec, "http.server.request.duration"):
        if a.get("http.request.method") == method:
            return a, p
    return None, None


def bucket_of(p, value):
    """Index of the explicit bucket (b[i-1], b[i]] holding value."""
    b = p["explicit_bounds"]
    for i, bound in enumerate(b):
        if value <= bound:
            return i
    return len(b)


def known_counts(name, exports):
    errs = []
    for k, rec in enumerate(exports, 1):
        a, p = series(rec, "GET")
        if p is None:
            errs.append(f"export {k}: no GET series")
            continue
        bc = [int(c) for c in p["bucket_counts"]]
        i = bucket_of(p, 1500e-9)
        if int(p["count"]) != 10 * k or bc[i] != 10 * k or sum(bc) != 10 * k:
            errs.append(f"export {k}: GET count {p['count']}, bucket {i} = {bc[i]}, want {10 * k}")
        if abs(p["sum"] - 10 * k * 1500e-9) > 1e-12:
            errs.append(f"export {k}: GET sum {p['sum']}")
        a, q = series(rec, "POST")
        if k == 1 and q is not None:
            errs.append("export 1 has a POST series")
        if k > 1:
            qc = [int(c) for c in q["bucket_counts"]] if q else []
            if not q or int(q["count"]) != 3 * (k - 1) or \
                    qc[bucket_of(q, 2e-3)] != 3 * (k - 1):
                errs.append(f"export {k}: POST {q and q['count']}, want {3 * (k - 1)}")
        e = points(rec, "tracetool.syscall.errors")
        if len(e) != 1 or int(e[0][1]["as_int"]) != k:
            errs.append(f"export {k}: errors {e and e[0][1].get('as_int')}, want {k}")
    check(name, not errs and exports, f"{len(exports)} exports exact",
          "; ".join(errs) or "no exports")


def buckets_sum(name, exports):
    errs = []
    for k, rec in enumerate(exports, 1):
        for _, p in points(rec, "http.server.request.duration"):
            bc = [int(c) for c in p["bucket_counts"]]
            if sum(bc) != int(p["count"]) or len(bc) != len(p["explicit_bounds"]) + 1:
                errs.append(f"export {k}: buckets {bc} vs count {p['count']}")
            if p["explicit_bounds"] != sorted(set(p["explicit_bounds"])):
                errs.append(f"export {k}: bounds not ascending")
    check(name, not errs and exports, "every histogram point", "; ".join(errs) or "no exports")


def start_times(name, exports):
    errs = []
    first_get = series(exports[0], "GET")[1]["start_time_unix_nano"] if exports else None
    first_err = points(exports[0], "tracetool.syscall.errors")[0][1]["start_time_unix_nano"] \
        if exports else None
    post0 = None
    for k, rec in enumerate(exports, 1):
        g = series(rec, "GET")[1]
        if g["start_time_unix_nano"] != first_get:
            errs.append(f"export {k}: GET start {g['start_time_unix_nano']} != {first_get}")
        if int(g["start_time_unix_nano"]) >= int(g["time_unix_nano"]):
            errs.append(f"export {k}: start not before time")
        e = points(rec, "tracetool.syscall.errors")[0][1]
        if e["start_time_unix_nano"] != first_err:
            errs.append(f"export {k}: errors start changed")
        p = series(rec, "POST")[1]
        if k == 2:
            post0 = p["start_time_unix_nano"]
            # created after the first export: it starts at that export's time
            if post0 != series(exports[0], "GET")[1]["time_unix_nano"]:
                errs.append(f"POST start {post0} is not export 1's time")
        elif k > 2 and p["start_time_unix_nano"] != post0:
            errs.append(f"export {k}: POST start changed")
    check(name, not errs and len(exports) >= 3, f"GET start {first_get} in all {len(exports)}",
          "; ".join(errs) or "fewer than 3 exports")


def semconv(name, rec):
    errs = []
    rm = rec["export"]["resource_metrics"][0]
    res = attrs(rm["resource"]["attributes"])
    if res.get("service.name") != "tt-otlp-test" or res.get("host.name") != socket.gethostname() \
            or res.get("deployment.environment") != "live test":
        errs.append(f"resource {res}")
    ms = metrics(rec)
    h = ms.get("http.server.request.duration")
    if not h or h["unit"] != "s" or \
            h["histogram"]["aggregation_temporality"] != "AGGREGATION_TEMPORALITY_CUMULATIVE":
        errs.append(f"http.server.request.duration: {h and h['unit']}")
    else:
        a = attrs(h["histogram"]["data_points"][0]["attributes"])
        if a != {"http.request.method": "GET", "http.response.status_code": 200,
                 "http.route": "/users/:id", "server.port": 8080}:
            errs.append(f"attributes {a}")
    s = ms.get("tracetool.syscall.errors")
    if not s or not s["sum"]["is_monotonic"] or \
            s["sum"]["aggregation_temporality"] != "AGGREGATION_TEMPORALITY_CUMULATIVE":
        errs.append("tracetool.syscall.errors is no cumulative monotonic sum")
    check(name, not errs, "names, attributes, resource", "; ".join(errs))


def selfcheck(name, want):
    got = {k: selfval(*v) for k, v in {
        "success": ("tracetool_otlp_exports_total", {"result": "success"}),
        "rejected": ("tracetool_otlp_exports_total", {"result": "rejected"}),
        "failed": ("tracetool_otlp_exports_total", {"result": "failed"}),
        "retries": ("tracetool_otlp_retries_total", None),
        "dropped": ("tracetool_otlp_queue_dropped_total", None)}.items()}
    check(name, all(got[k] == v for k, v in want.items()), f"{got}", f"want {want}, got {got}")


errors = [r.get("error") for r in recs if r.get("error")]
if errors:
    bad(f"otlp_{scenario}_decoded", "; ".join(errors))
else:
    ok(f"otlp_{scenario}_decoded", f"{len(recs)} requests decoded")
taken = [r for r in recs if r["status"] == 200]

if scenario == "push":
    gaps = [b["t"] - a["t"] for a, b in zip(recs, recs[1:])]
    check("otlp_one_export_per_interval",
          len(recs) == 4 and all(0.7 * interval <= g <= 1.6 * interval for g in gaps),
          f"4 exports, gaps {[round(g, 2) for g in gaps]} s",
          f"{len(recs)} exports, gaps {gaps}")
    check("otlp_protobuf_gzip", all(r["content_type"] == "application/x-protobuf" and
                                    r["content_encoding"] == "gzip" and r["gzip_magic"] and
                                    r["path"] == "/v1/metrics" and r["x_tt_test"] == "yes"
                                    for r in recs) and recs,
          "application/x-protobuf, gzip, /v1/metrics, OTEL_EXPORTER_OTLP_HEADERS",
          f"{[(r['content_type'], r['content_encoding'], r['path'], r['x_tt_test']) for r in recs]}")
    known_counts("otlp_known_counts_exact", taken)
    buckets_sum("otlp_bucket_counts_sum", taken)
    start_times("otlp_start_time_constant", taken)
    if taken:
        semconv("otlp_semconv_names", taken[0])
    else:
        bad("otlp_semconv_names", "no exports")
    selfcheck("otlp_self_metrics_success", {"success": 4, "failed": 0, "dropped": 0, "retries": 0})
elif scenario == "json":
    check("otlp_json_encoding", recs and all(r["content_type"] == "application/json" and
                                             r["content_encoding"] is None for r in recs),
          "application/json, no Content-Encoding",
          f"{[(r['content_type'], r['content_encoding']) for r in recs]}")
    known_counts("otlp_json_known_counts", taken)
elif scenario == "retry":
    st = [r["status"] for r in recs]
    same = len(recs) == 2 and recs[0].get("export") == recs[1].get("export")
    gap = recs[1]["t"] - recs[0]["t"] if len(recs) == 2 else 0
    check("otlp_retry_after_503", st == [503, 200] and same and gap >= 0.9,
          f"503 then 200 with the same export {gap:.2f} s later (Retry-After: 1)",
          f"statuses {st}, same body {same}, gap {gap:.2f}")
    selfcheck("otlp_retry_self_metrics", {"success": 1, "retries": 1, "failed": 0, "dropped": 0})
elif scenario == "unreachable":
    # 10 exports 0.1 s apart, queue 2, 3 attempts 0.5 s then 1 s apart: the
    # first is being retried while the other 9 arrive, 7 of them are dropped
    selfcheck("otlp_unreachable_drops", {"success": 0, "failed": 3, "dropped": 7, "retries": 6})
elif scenario == "serve":
    # the last export is the one at the stop (-d), whenever that falls
    gaps = [b["t"] - a["t"] for a, b in zip(recs[:-1], recs[1:-1])]
    check("otlp_serve_one_export_per_interval",
          len(recs) >= 4 and all(0.7 * interval <= g <= 1.6 * interval for g in gaps),
          f"{len(recs)} exports, gaps {[round(g, 2) for g in gaps]} s",
          f"{len(recs)} exports, gaps {gaps}")
    errs, starts = [], set()
    last = None
    for k, rec in enumerate(taken, 1):
        for a, p in points(rec, "tracetool.syscall.duration"):
            bc = [int(c) for c in p["bucket_counts"]]
            if sum(bc) != int(p["count"]):
                errs.append(f"export {k} {a}: buckets sum {sum(bc)} != {p['count']}")
            if int(p["start_time_unix_nano"]) > int(p["time_unix_nano"]):
                errs.append(f"export {k} {a}: start after time")
            if a.get("syscall") == "getppid" and a.get("comm") == "ttotlp_sys":
                starts.add(p["start_time_unix_nano"])
                last = int(p["count"])
        ok_exports = [v for a, v in points(rec, "tracetool.otlp.exports")
                      if a.get("result") == "success"]
        if not ok_exports or int(ok_exports[0]["as_int"]) != k - 1:
            errs.append(f"export {k}: tracetool.otlp.exports{{success}} "
                        f"{ok_exports and ok_exports[0]['as_int']}, want {k - 1}")
    check("otlp_serve_buckets_and_self_metrics", not errs and taken,
          f"{len(taken)} exports: bucket sums, start <= time, exports{{success}} = k - 1",
          "; ".join(errs) or "no exports")
    check("otlp_serve_getppid_exact", last == 1234, "getppid count 1234 in the last export",
          f"getppid count {last}, want 1234")
    check("otlp_serve_start_time_constant", len(starts) == 1,
          f"one start time {starts}", f"start times {starts}")
elif scenario == "final":
    got = [int(p["count"]) for rec in taken
           for a, p in points(rec, "tracetool.syscall.duration")
           if a.get("syscall") == "getppid" and a.get("comm") == "ttotlp_fin"]
    check("otlp_final_export_at_stop", len(taken) == 1 and got == [777],
          "one export, at the stop: getppid count 777",
          f"{len(taken)} exports taken, getppid counts {got}, want one export of 777")
