#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Correlate bench/hostprobe.sh's per-run probes with the runs' latency.

  hostprobe.py DIR RECORDINGS

DIR holds recK.json.gz (a `tracetool record requests` bundle) and probeK.log
(one line per run, warm-up included, in run order: "EPOCH NAME.CPU=NS ...
py cpu0 NS cpu1 NS").  Writes DIR/runs.tsv (one row per measured run) and
prints, per probe (each CPU, and the mean over CPUs), Pearson's r with the
run's server p50 and client p50, and the probe's median in the runs at the
server's slow level against the fast one (split halfway between the 5th and
95th percentiles of the server p50: a probe that follows the steps shows a
ratio well away from 1).
"""
import gzip
import json
import statistics
import sys


def p50(rep, comm):
    for m in rep["metrics"]:
        if not m["name"].endswith("request_duration_seconds"):
            continue
        for s in m["series"]:
            if s["labels"].get("comm") == comm and s["count"] > 1000:
                return s["quantiles"]["0.5"] * 1e6
    return None


def pearson(x, y):
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else float("nan")


def main(argv):
    d, n = argv[1], int(argv[2])
    rows = []
    for k in range(1, n + 1):
        with gzip.open(f"{d}/rec{k}.json.gz") as f:
            doc = json.load(f)
        with open(f"{d}/probe{k}.log") as f:
            lines = [ln.split() for ln in f if ln.strip()]
        if len(lines) != len(doc["runs"]):
            sys.exit(f"recording {k}: {len(lines)} probe lines, {len(doc['runs'])} runs")
        for run, ln in zip(doc["runs"], lines):
            if run.get("warmup"):
                continue
            row = {"rec": k, "run": run["index"], "server_p50": p50(run["report"], "nginx"),
                   "client_p50": p50(run["report"], "wrk")}
            if "core_to_core_ns" in run["noise"]:  # record's own probe, both ends
                row["record_c2c"] = run["noise"]["core_to_core_ns"]
            py = ln.index("py")
            for w in ln[1:py]:
                name, v = w.split("=")
                row[name] = float(v)
            for i in range(py + 1, len(ln) - 1, 2):
                row[f"py.{ln[i][3:]}"] = float(ln[i + 1])
            rows.append(row)
    rows = [r for r in rows if r["server_p50"] and r["client_p50"]]
    keys = [k for k in rows[0] if k not in ("rec", "run", "server_p50", "client_p50")]
    # the mean over CPUs of each probe
    bases = sorted({k.split(".")[0] for k in keys if "." in k}, key=lambda b: keys.index(f"{b}.0"))
    for r in rows:
        for b in bases:
            vs = [r[k] for k in keys if k.split(".")[0] == b]
            r[f"{b}.mean"] = statistics.fmean(vs)
    keys = [k for k in rows[0] if k not in ("rec", "run", "server_p50", "client_p50")]
    with open(f"{d}/runs.tsv", "w") as f:
        cols = ["rec", "run", "server_p50", "client_p50"] + keys
        f.write("\t".join(cols) + "\n")
        for r in rows:
            f.write("\t".join(f"{r.get(c, '')}" for c in cols) + "\n")
    sp = [r["server_p50"] for r in rows]
    cp = [r["client_p50"] for r in rows]
    # the latency has two levels: split halfway between its 5th and 95th percentiles
    dec = statistics.quantiles(sp, n=20)
    cut = (dec[0] + dec[-1]) / 2
    hi = [r for r in rows if r["server_p50"] > cut]
    lo = [r for r in rows if r["server_p50"] <= cut]
    if not hi or not lo:
        hi = lo = rows
    print(f"{len(rows)} runs; server p50 {min(sp):.2f}-{max(sp):.2f} us, client p50 "
          f"{min(cp):.1f}-{max(cp):.1f} us; server p50 above {cut:.2f} us (slow): {len(hi)} runs, "
          f"at or below (fast): {len(lo)}")
    print(f"{'probe':12} {'r server':>9} {'r client':>9} {'median slow/fast':>22} {'ratio':>7} {'cv':>6}")
    for k in keys:
        v = [r[k] for r in rows if k in r]
        if len(v) != len(rows):
            continue
        mh = statistics.median(r[k] for r in hi)
        ml = statistics.median(r[k] for r in lo)
        cv = statistics.pstdev(v) / statistics.fmean(v)
        print(f"{k:12} {pearson(v, sp):9.2f} {pearson(v, cp):9.2f} {mh:10.2f} / {ml:9.2f} {mh / ml:7.3f} {cv:6.3f}")


if __name__ == "__main__":
    main(sys.argv)
