# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Redis and PostgreSQL clients for tests/live/test_requests_redis_pg.sh that
make the server's reads start inside a message: each request split across two
writes at every byte, long values and queries (the server reads them in
pieces), and a long request pipelined with a short one.  Prints what it sent,
one "name=count" per line, for the test to compare with tracetool's report.

usage: wire_client.py redis PORT LONG_N | pg PORT LONG_N
"""
import socket
import struct
import sys
import time

PAUSE = 0.02  # between the two halves of a split request: the server reads each


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("server closed the connection")
            self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.need(len(self.buf) + 1)
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def take(self, n):
        self.need(n)
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def reply(self):
        ln = self.line()
        if ln[:1] == b"$" and int(ln[1:]) >= 0:
            self.take(int(ln[1:]) + 2)
        elif ln[:1] == b"-":
            raise RuntimeError("redis error: %r" % ln)

    def pg_message(self):
        self.need(5)
        t, n = self.buf[:1], struct.unpack("!I", self.buf[1:5])[0]
        body = self.take(1 + n)[5:]
        if t == b"E":
            raise RuntimeError("postgres error: %r" % body[:200])
        return t

    def pg_ready(self):
        while self.pg_message() != b"Z":
            pass


# Text whose pieces look like requests where a read may start inside it:
# inline commands ("hello world"), PG message types ('Q', 'P', 'B', 'E', 'F').
TEXT = b"Quick Brown Fox Eats Pie hello world PING "


def send_split(s, msg, answered):
    """msg split at every byte into two writes, each pair answered before the next."""
    for p in range(1, len(msg)):
        s.sendall(msg[:p])
        time.sleep(PAUSE)
        s.sendall(msg[p:])
        answered()
    return len(msg) - 1


def long_text(n):
    return (TEXT * (n // len(TEXT) + 1))[:n]


def redis(port, long_n):
    s = connect(port)
    r = Reader(s)
    sent = {"SET": 0, "GET": 0, "split": 0}
    # whole first: a connection's first bytes say which protocol it speaks
    s.sendall(resp(b"PING"))
    r.reply()
    sent["split"] = send_split(s, resp(b"SET", b"split:key", b"v" * 40), r.reply)
    big = long_text(100 * 1024)
    for i in range(long_n):
        s.sendall(resp(b"SET", b"big:%d" % i, big))
        r.reply()
        sent["SET"] += 1
    for i in range(long_n):  # the long SET and a GET in one write
        s.sendall(resp(b"SET", b"big:%d" % i, big) + resp(b"GET", b"split:key"))
        r.reply()
        r.reply()
        sent["SET"] += 1
        sent["GET"] += 1
    s.close()
    return sent


def pg_startup(port):
    s = connect(port)
    params = b"user\0postgres\0database\0postgres\0\0"
    s.sendall(struct.pack("!II", 8 + len(params), 196608) + params)
    r = Reader(s)
    r.pg_ready()
    return s, r


def query(sql):
    body = sql + b"\0"
    return b"Q" + struct.pack("!I", 4 + len(body)) + body


def pg(port, long_n):
    s, r = pg_startup(port)
    sent = {"SELECT": 0, "split": 0}
    sent["split"] = send_split(s, query(b"SELECT 1"), r.pg_ready)
    big = query(b"SELECT '" + long_text(100 * 1024) + b"'")
    for _ in range(long_n):
        s.sendall(big)
        r.pg_ready()
        sent["SELECT"] += 1
    for _ in range(long_n):  # the long query and a short one in one write
        s.sendall(big + query(b"SELECT 2"))
        r.pg_ready()
        r.pg_ready()
        sent["SELECT"] += 2
    s.sendall(b"X\0\0\0\4")
    s.close()
    return sent


def main():
    kind, port, long_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sent = redis(port, long_n) if kind == "redis" else pg(port, long_n)
    for k in sorted(sent):
        print("%s=%d" % (k, sent[k]))


if __name__ == "__main__":
    main()
