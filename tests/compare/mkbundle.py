#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Wrap saved reports (-f json) into a tracetool.bundle/v1 document, the
shape `tracetool record` writes, for compare's tests while record is not
on this branch.

  mkbundle.py -o OUT [--variant V] [--host H] REPORT...
  mkbundle.py -o OUT BASE_REPORTS... --interleave CAND_REPORTS...
  mkbundle.py -o OUT --synthetic SPEC   (runs of log-normal latencies, see synth();
                                         SPEC or @FILE)
  mkbundle.py -o OUT --synthetic SPEC --synthetic-cand SPEC2   (interleaved)
"""
import argparse, gzip, json, math, random, sys

def fingerprint(host):
    return {"host": host, "kernel": "6.18.0", "cpu_model": "test cpu", "cpus": 2,
            "tracetool_version": "test", "cgroup_cpu_limit": None}

def run(i, variant, report):
    return {"index": i, "variant": variant, "warmup": False,
            "noise": {"steal_seconds": 0.0, "other_cpu_seconds": 0.0,
                      "wall_seconds": report.get("duration_seconds", 0)},
            "report": report}

def slot_bounds(v_ns):
    """tracetool's log-linear bucket (include/tracetool/hist.h) of v ns: [lower, upper]."""
    v = max(int(v_ns), 0)
    if v < 64:
        return v, v
    msb = v.bit_length() - 1
    sub = (v >> (msb - 6)) & 63
    lower = (64 + sub) << (msb - 6)
    return lower, lower + (1 << (msb - 6)) - 1

def hist_series(labels, samples_ns):
    b = {}
    for v in samples_ns:
        lo, hi = slot_bounds(v)
        b[hi] = b.get(hi, 0) + 1
    xs = sorted(samples_ns)
    q = {k: xs[max(1, math.ceil(float(k) * len(xs))) - 1] * 1e-9
         for k in ("0.5", "0.9", "0.99", "0.999")}
    return {"labels": labels, "count": len(samples_ns), "sum": sum(samples_ns) * 1e-9,
            "quantiles": q,
            "min": min(samples_ns) * 1e-9, "max": max(samples_ns) * 1e-9,
            "buckets": [[hi * 1e-9, n] for hi, n in sorted(b.items())]}

OTEL = {"method": "http_request_method", "route": "http_route",
        "status": "http_response_status_code"}

def synth_syscalls(spec, rng):
    """spec["syscalls"]: [{"syscall": S, "n": calls, "errors": E}] -> the
    duration and errors families of the syscalls tracer (errors as EAGAIN)."""
    dur, errs = [], []
    for s in spec["syscalls"]:
        xs = [max(1, int(1000 * math.exp(0.3 * rng.gauss(0, 1)))) for _ in range(s["n"])]
        labels = {"syscall": s["syscall"], "comm": "app", "pid": str(rng.randint(100, 999))}
        dur.append(hist_series(labels, xs))
        if s.get("errors"):
            errs.append({"labels": dict(labels, errno="EAGAIN"), "value": s["errors"]})
    return [{"name": "tracetool_syscall_duration_seconds", "type": "histogram",
             "unit": "seconds", "help": "Syscall latency.", "series": dur},
            {"name": "tracetool_syscall_errors_total", "type": "counter", "unit": "",
             "help": "Syscall errors.", "series": errs}]

def synth(spec, rng):
    """spec: {"runs": N, "duration": S, "otel": bool, "series": [{"route": R,
    "n": samples, "median_ms": M, "sigma": s, "drift": d, "factor": f,
    "errors": fraction answered 500}], "syscalls": [...], "stacks": {...}} -> N reports.
    "otel": the requests tracer's family and label names (error ratios)."""
    reports = []
    for _ in range(spec["runs"]):
        series = []
        for s in spec.get("series", []):
            level = math.exp(s.get("drift", 0.02) * rng.gauss(0, 1)) * s.get("factor", 1.0)
            xs = [max(1, int(s["median_ms"] * 1e6 * level * math.exp(s.get("sigma", 0.3) *
                                                                      rng.gauss(0, 1))))
                  for _ in range(s["n"])]
            nerr = round(s["n"] * s.get("errors", 0))
            for status, part in (("200", xs[nerr:]), ("500", xs[:nerr])):
                if not part:
                    continue
                labels = {"comm": "srv", "method": "GET", "route": s["route"],
                          "status": status, "server_port": s.get("port", "8080"),
                          "pid": str(rng.randint(100, 999))}
                if spec.get("otel"):
                    labels = {OTEL.get(k, k): v for k, v in labels.items()}
                series.append(hist_series(labels, part))
        name = ("http_server_request_duration_seconds" if spec.get("otel")
                else "tracetool_http_request_duration_seconds")
        metrics = [{"name": name, "type": "histogram", "unit": "seconds",
                    "help": "HTTP request latency.", "series": series}] if series else []
        if spec.get("syscalls"):
            metrics += synth_syscalls(spec, rng)
        profiles = []
        if spec.get("stacks"):
            # {"folded;stack": samples}: the same in every run, unless
            # "stack_noise" s: each value times exp(s * N(0, 1)), rounded
            noise = spec.get("stack_noise", 0)
            profiles = [{"name": "cpu", "unit": "samples",
                         "stacks": [{"frames": k.split(";"),
                                     "value": round(v * math.exp(noise * rng.gauss(0, 1)))
                                     if noise else v}
                                    for k, v in spec["stacks"].items()]}]
        reports.append({"schema": "tracetool.report/v1", "tracers": ["requests"],
                        "host": "h", "kernel": "6.18.0",
                        "started_at": "2026-11-29T10:00:00.000Z",
                        "duration_seconds": spec.get("duration", 10.0),
                        "hooks": {"requests": "tp_btf"}, "filters": {},
                        "lost": {"ringbuf": 0, "map_full": 0, "stack_collisions": 0, "pid_map_full": 0},
                        "metrics": metrics, "profiles": profiles})
    return reports

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", required=True)
    ap.add_argument("--variant", default="run")
    ap.add_argument("--host", default="testhost")
    ap.add_argument("--interleave", nargs="+", metavar="CAND_REPORT")
    ap.add_argument("--synthetic")
    ap.add_argument("--synthetic-cand")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("reports", nargs="*")
    a = ap.parse_args()
    for k in ("synthetic", "synthetic_cand"):   # @FILE: the spec read from FILE
        v = getattr(a, k)
        if v and v.startswith("@"):
            setattr(a, k, open(v[1:]).read())
    runs = []
    if a.synthetic and a.synthetic_cand:
        rng = random.Random(a.seed)
        base = synth(json.loads(a.synthetic), rng)
        cand = synth(json.loads(a.synthetic_cand), rng)
        for b, c in zip(base, cand):
            runs.append(run(len(runs), "base", b))
            runs.append(run(len(runs), "cand", c))
    elif a.synthetic:
        spec = json.loads(a.synthetic)
        for i, r in enumerate(synth(spec, random.Random(a.seed))):
            runs.append(run(i, a.variant, r))
    elif a.interleave:
        base, cand = a.reports, a.interleave
        for i in range(max(len(base), len(cand))):
            for variant, lst in (("base", base), ("cand", cand)):
                if i < len(lst):
                    runs.append(run(len(runs), variant, json.load(open(lst[i]))))
    else:
        for i, p in enumerate(a.reports):
            runs.append(run(i, a.variant, json.load(open(p))))
    doc = {"schema": "tracetool.bundle/v1", "fingerprint": fingerprint(a.host),
           "tracers": ["requests"], "argv": ["tracetool", "record"], "runs": runs}
    data = json.dumps(doc).encode()
    (gzip.open if a.o.endswith(".gz") else open)(a.o, "wb").write(data)

if __name__ == "__main__":
    sys.exit(main())
