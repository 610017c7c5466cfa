#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Where the scheduler runs a benchmark's threads, for bench/compare_nginx.sh.

  placement.py sample OUT INTERVAL PID... -- COMM...
      Until SIGTERM: every INTERVAL seconds one line in OUT per sample,
      "EPOCH_S tid:comm:cpu:run_ns:wait_ns ...", for every thread of each PID
      and of every process whose comm is one of COMM (field 39 of
      /proc/PID/task/TID/stat, "processor", the CPU the thread last ran on;
      /proc/.../schedstat, time on a CPU and time waiting on a run queue),
      and of the children of those processes (record's CMD); first on each
      line "loop:NS:CPU", the sampler's own CPU time per iteration of a fixed
      loop of 5,000 and the CPU it ran on, each CPU in turn (as `speed`, in
      small).

  placement.py runs BUNDLE SAMPLES WORKER [-v]
      Per measured run of BUNDLE (one line each with -v, else one word each,
      SAME/SAMPLES|ON_CPU0|WAIT|LOOP): the share of samples in which
      nginx's WORKER and wrk's busiest thread last ran on the same CPU, the
      worker's CPU, tracetool's busiest thread's CPU, and the worker's run
      queue wait per second of its CPU time in the run's window, and the
      median of the sampler's loop times in it.

  placement.py speed
      The speed of each CPU: ns of this process's own CPU time per iteration
      of a fixed Python loop run on that CPU alone (the best of 5), on one
      line.  CPU time, not wall time, so other jobs sharing the CPU do not
      count; what does is what the guest cannot see, a hypervisor running
      another guest on the same physical core, or a clock change.
"""
import datetime
import gzip
import json
import os
import signal
import sys
import threading
import time


def threads(pid):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run_ns, wait_ns = f.read().split()[:2]
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")].replace(" ", "_").replace(":", "_")
        cpu = stat[stat.rindex(")") + 2:].split()[36]  # field 39
        out.append(f"{tid}:{comm}:{cpu}:{run_ns}:{wait_ns}")
    return out


def sample(out, interval, pids, comms):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    n = 0
    cpus = sorted(os.sched_getaffinity(0))
    with open(out, "w") as f:
        while not stop:
            # the processes named COMM looked up once a second: a walk of
            # /proc every sample would cost more than the sampling
            if n % int(max(1, 1 / interval)) == 0:
                found = set()
                for p in os.listdir("/proc"):
                    if p.isdigit() and p not in pids:
                        try:
                            with open(f"/proc/{p}/comm") as c:
                                if c.read().strip() in comms:
                                    found.add(p)
                        except OSError:
                            pass
            watched = set(pids) | found
            for p in found:	# their children (record's CMD: wrk, new each run) every sample
                try:
                    for t in os.listdir(f"/proc/{p}/task"):
                        with open(f"/proc/{p}/task/{t}/children") as c:
                            watched.update(c.read().split())
                except OSError:
                    pass
            n += 1
            # this thread's CPU time for a fixed loop: the CPU's own speed, on
            # each CPU in turn, then which CPU that was (field 39 of its stat)
            os.sched_setaffinity(0, {cpus[n % len(cpus)]})
            t0 = time.thread_time_ns()
            x = 0
            for i in range(5000):
                x += i
            loop = (time.thread_time_ns() - t0) / 5000
            with open(f"/proc/self/task/{threading.get_native_id()}/stat") as st:
                me = st.read().rsplit(")", 1)[1].split()[36]
            line = [f"{time.time():.3f}", f"loop:{loop:.2f}:{me}"]
            for p in sorted(watched):
                line += threads(p)
            f.write(" ".join(line) + "\n")
            f.flush()
            time.sleep(interval)


def parse_samples(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            ts = float(parts[0])
            th = {}
            for t in parts[1:]:
                if t.startswith("loop:"):
                    th["loop"] = (float(t.split(":")[1]), int(t.split(":")[2]))
                    continue
                tid, comm, cpu, run_ns, wait_ns = t.split(":")
                th[tid] = (comm, int(cpu), int(run_ns), int(wait_ns))
            rows.append((ts, th))
    return rows


def busiest(rows, comm):
    """tid of the thread named comm with the most CPU time over rows."""
    first, last = {}, {}
    for _, th in rows:
        for tid, v in th.items():
            if tid != "loop" and v[0] == comm:
                run = v[2]
                first.setdefault(tid, run)
                last[tid] = run
    if not last:
        return None
    return max(last, key=lambda t: last[t] - first[t])


def runs(bundle, samples, worker, verbose):
    with gzip.open(bundle) if bundle.endswith(".gz") else open(bundle) as f:
        doc = json.load(f)
    rows = parse_samples(samples)
    n = 0
    lines, short = [], []
    for run in doc["runs"]:
        if run.get("warmup"):
            continue
        rep = run["report"]
        start = datetime.datetime.fromisoformat(rep["started_at"].replace("Z", "+00:00")).timestamp()
        end = start + rep["duration_seconds"]
        win = [r for r in rows if start <= r[0] <= end]
        wrk = busiest(win, "wrk")
        tt = busiest(win, "tracetool")
        same = on0 = cnt = 0
        tt_cpus = {}
        for _, th in win:
            if worker not in th or wrk not in th:
                continue
            cnt += 1
            same += th[worker][1] == th[wrk][1]
            on0 += th[worker][1] == 0
            if tt in th:
                tt_cpus[th[tt][1]] = tt_cpus.get(th[tt][1], 0) + 1
        wait = "-"
        w = [r[1][worker] for r in win if worker in r[1]]
        if len(w) >= 2 and w[-1][2] > w[0][2]:
            wait = f"{(w[-1][3] - w[0][3]) / (w[-1][2] - w[0][2]):.3f}"
        tt_s = ",".join(f"cpu{c}:{k}" for c, k in sorted(tt_cpus.items()))
        loops = sorted(r[1]["loop"][0] for r in win if "loop" in r[1])
        loop = f"{loops[len(loops) // 2]:.1f}" if loops else "-"
        lines.append(f"run {n}: samples {cnt}, nginx+wrk same CPU {same}/{cnt}, nginx on cpu0 {on0}/{cnt}, "
                     f"nginx wait/run {wait}, tracetool {tt_s or '-'}, loop ns/iteration {loop}")
        short.append(f"{same}/{cnt}|{on0}|{wait}|{loop}")
        n += 1
    print("\n".join(lines) if verbose else " ".join(short))


def speed():
    out = []
    cpus = sorted(os.sched_getaffinity(0))
    for cpu in cpus:
        os.sched_setaffinity(0, {cpu})
        best = float("inf")
        for _ in range(5):
            t0 = time.thread_time_ns()
            x = 0
            for i in range(200000):
                x += i
            best = min(best, (time.thread_time_ns() - t0) / 200000)
        out.append(f"cpu{cpu} {best:.2f}")
    os.sched_setaffinity(0, cpus)
    print(" ".join(out))


def main(argv):
    if len(argv) >= 4 and argv[1] == "sample" and "--" in argv:
        sep = argv.index("--")
        sample(argv[2], float(argv[3]), argv[4:sep], set(argv[sep + 1:]))
    elif argv[1:] == ["speed"]:
        speed()
    elif len(argv) in (5, 6) and argv[1] == "runs":
        runs(argv[2], argv[3], argv[4], len(argv) == 6 and argv[5] == "-v")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
