#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Clients for bench/serve.sh (prints figures, asserts nothing).

  load PORT RATE SECONDS          HTTP/1.1 keep-alive load on 127.0.0.1:PORT at RATE
                                  requests/s (a new connection every 50 requests): mostly
                                  /api/users/42, some /api/users/N (:id) and, each minute,
                                  a new word route /churn/W (idle ones expire in serve)
  watch URL PID INTERVAL SECONDS WARMUP CSV
                                  scrape URL every INTERVAL s; each scrape parsed: no
                                  counter, _bucket, _count or _sum of a series present in
                                  the scrape before may decrease; PID's RSS, anonymous
                                  memory and open fds just before each scrape into CSV;
                                  a summary
  scan PORT N PROCS               N distinct word paths /scan/W (404s) over PROCS processes
  hold PORT N SECONDS             N connections to 127.0.0.1:PORT, each sending a partial
                                  request and one more header line every 4 s (slowloris);
                                  reconnects when closed; prints how many were held
  scrapers URL N SECONDS          N concurrent scrape loops; latency p50/p99/max, errors
  count URL FAMILY                sum of FAMILY's _count (histogram) or value (counter)
"""
import multiprocessing
import os
import socket
import sys
import threading
import time
import urllib.request

WORD = "ghijklmnopqrstuvwxyz"	# never hex digits: the route normaliser keeps words


def word(i, width=1):
    s = ""
    while True:
        s = WORD[i % 20] + s
        i //= 20
        if i == 0 and len(s) >= width:
            return s


def http_conn(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")


def get(sock, f, path):
    """One keep-alive GET; returns the status (0 on a closed connection)."""
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\n\r\n")
    line = f.readline()
    if not line:
        return 0
    status = int(line.split()[1])
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    f.read(length)
    return status


def load(port, rate, seconds):
    port, rate, seconds = int(port), float(rate), float(seconds)
    start = time.monotonic()
    n = 0
    sock = f = None
    counts = {}
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = start + n / rate
        if due > now:
            time.sleep(due - now)
        minute = int((time.monotonic() - start) // 60)
        if n % 100 < 90:
            path = "/api/users/42"
        elif n % 100 < 95:
            path = "/api/users/%d" % (n % 1000)
        elif n % 100 < 99:
            path = "/churn/" + word(minute, 2)
        else:	# an older route comes back (after its series expired)
            path = "/churn/" + word(max(0, minute - 7), 2)
        if sock is None or n % 50 == 0:
            if sock:
                sock.close()
            sock, f = http_conn(port)
        st = get(sock, f, path)
        if st == 0:
            sock.close()
            sock = None
        counts[st] = counts.get(st, 0) + 1
        n += 1
    print("load: %d requests in %.0f s (%s)" % (n, time.monotonic() - start,
          ", ".join("%s: %d" % (k, v) for k, v in sorted(counts.items()))))


def parse(text):
    """{(name, labels): value} of counter and histogram samples, and the sample count."""
    types = {}
    out = {}
    nsamples = 0
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if not line or line[0] == "#":
            continue
        nsamples += 1
        sp = line.rfind(" ")
        key, val = line[:sp], line[sp + 1:]
        br = key.find("{")
        name = key if br < 0 else key[:br]
        fam = None
        if types.get(name) == "counter":
            fam = name
        else:
            for suf in ("_bucket", "_count", "_sum"):
                if name.endswith(suf) and types.get(name[:-len(suf)]) == "histogram":
                    fam = name
        if fam:
            out[key] = float(val)
    return out, nsamples


def proc_mem(pid):
    rss = anon = 0
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    return rss, anon, len(os.listdir("/proc/%s/fd" % pid))


def watch(url, pid, interval, seconds, warmup, csv):
    interval, seconds, warmup = float(interval), float(seconds), float(warmup)
    prev = {}
    start = time.monotonic()
    rows = []
    bad = []
    checked = 0
    expired = 0
    n = 0
    with open(csv, "w") as out:
        out.write("t_s,rss_kib,anon_kib,fds,samples,scrape_s,monotonic_series,decreases\n")
        while True:
            t = time.monotonic() - start
            try:	# between scrapes: what serve keeps, not a scrape's passing buffers
                rss, anon, fds = proc_mem(pid)
            except OSError:
                print("watch: serve (pid %s) is gone at %.0f s" % (pid, t))
                break
            s0 = time.monotonic()
            try:
                text = urllib.request.urlopen(url, timeout=30).read().decode()
            except OSError as e:
                print("watch: scrape at %.0f s failed: %s" % (t, e))
                text = None
            dt = time.monotonic() - s0
            if text is not None:
                cur, nsamples = parse(text)
                dec = 0
                for k, v in cur.items():
                    p = prev.get(k)
                    if p is not None:
                        checked += 1
                        if v < p:
                            dec += 1
                            if len(bad) < 20:
                                bad.append("%.0f s: %s %r -> %r" % (t, k, p, v))
                expired += sum(1 for k in prev if k not in cur)
                prev = cur
                rows.append((t, rss, anon, fds, nsamples, dt, len(cur), dec))
                out.write("%.1f,%d,%d,%d,%d,%.4f,%d,%d\n" % rows[-1])
                out.flush()
            n += 1
            nxt = start + n * interval
            if nxt - start > seconds:
                break
            time.sleep(max(0, nxt - time.monotonic()))
    if not rows:
        print("watch: no scrape answered")
        return
    warm = [r for r in rows if r[0] >= warmup] or rows[-1:]
    w0, last = warm[0], rows[-1]
    ndec = sum(r[7] for r in rows)
    print("watch: %d scrapes over %.0f s, every %.0f s" % (len(rows), last[0], interval))
    print("watch: RSS %d KiB at %.0f s (end of warm-up), %d KiB at the end: %+d KiB; "
          "max after warm-up %d KiB" % (w0[1], w0[0], last[1], last[1] - w0[1],
                                        max(r[1] for r in warm)))
    print("watch: anonymous memory %d KiB -> %d KiB: %+d KiB" % (w0[2], last[2], last[2] - w0[2]))
    print("watch: open fds min %d max %d (after warm-up %d..%d)" % (
        min(r[3] for r in rows), max(r[3] for r in rows),
        min(r[3] for r in warm), max(r[3] for r in warm)))
    print("watch: samples per scrape %d..%d, scrape time median %.4f s max %.4f s" % (
        min(r[4] for r in rows), max(r[4] for r in rows),
        sorted(r[5] for r in rows)[len(rows) // 2], max(r[5] for r in rows)))
    print("watch: %d counter/histogram samples compared with the scrape before, "
          "%d decreased; %d times a sample of the scrape before was absent (series expired)" % (checked, ndec, expired))
    for b in bad:
        print("watch: DECREASE %s" % b)


def scan_part(port, lo, hi):
    sock, f = http_conn(port)
    for i in range(lo, hi):
        try:
            st = get(sock, f, "/scan/" + word(i, 4))
        except OSError:
            st = 0
        if st == 0:
            sock.close()
            sock, f = http_conn(port)
    sock.close()


def scan(port, n, procs):
    port, n, procs = int(port), int(n), int(procs)
    t0 = time.monotonic()
    ps = []
    for k in range(procs):
        p = multiprocessing.Process(target=scan_part,
                                    args=(port, n * k // procs, n * (k + 1) // procs))
        p.start()
        ps.append(p)
    for p in ps:
        p.join()
    print("scan: %d distinct paths in %.1f s" % (n, time.monotonic() - t0))


def hold(port, n, seconds):
    port, n, seconds = int(port), int(n), float(seconds)
    end = time.monotonic() + seconds
    socks = [None] * n
    opened = closed_by_peer = 0
    held_min = n
    last_trickle = 0.0
    while time.monotonic() < end:
        for i in range(n):
            if socks[i] is None:
                try:
                    s = socket.socket()
                    s.setblocking(False)
                    s.connect_ex(("127.0.0.1", port))
                    socks[i] = [s, False]
                    opened += 1
                except OSError:
                    socks[i] = None
        time.sleep(0.2)
        now = time.monotonic()
        trickle = now - last_trickle >= 4
        held = 0
        for i in range(n):
            if socks[i] is None:
                continue
            s, started = socks[i]
            try:
                if not started:
                    s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                    socks[i][1] = True
                elif trickle:
                    s.send(b"X-Slow: 1\r\n")
                try:
                    if s.recv(4096) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    pass
                held += 1
            except (BlockingIOError, InterruptedError):
                held += 1	# still connecting
            except OSError:
                s.close()
                socks[i] = None
                closed_by_peer += 1
        if trickle:
            last_trickle = now
        held_min = min(held_min, held)
    print("hold: %d half-open connections wanted, %d opened in %.0f s, %d closed by the "
          "server, at least %d held at every check" % (n, opened, seconds, closed_by_peer,
                                                       held_min))


def scrapers(url, n, seconds):
    n, seconds = int(n), float(seconds)
    lat = []
    errs = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def loop():
        while time.monotonic() < end:
            t0 = time.monotonic()
            try:
                urllib.request.urlopen(url, timeout=30).read()
                with lock:
                    lat.append(time.monotonic() - t0)
            except OSError as e:
                with lock:
                    errs.append(str(e))
                time.sleep(0.1)

    ts = [threading.Thread(target=loop) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lat.sort()
    if not lat:
        print("scrapers: %d loops, no scrape answered in %.0f s (%d errors: %s)"
              % (n, seconds, len(errs), errs[:1]))
        return
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("scrapers: %d loops, %d scrapes answered in %.0f s, %d errors%s; latency "
          "p50 %.3f s p99 %.3f s max %.3f s" % (n, len(lat), seconds, len(errs),
                                                 " (%s)" % errs[0] if errs else "",
                                                 q(0.5), q(0.99), lat[-1]))


def count(url, family):
    text = urllib.request.urlopen(url, timeout=30).read().decode()
    tot = 0.0
    for line in text.splitlines():
        if line.startswith(family + "_count") or line.startswith(family + "{") or \
                line.startswith(family + " "):
            tot += float(line.rsplit(" ", 1)[1])
    print("%.0f" % tot)


if __name__ == "__main__":
    cmds = {"load": load, "watch": watch, "scan": scan, "hold": hold, "scrapers": scrapers,
            "count": count}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
