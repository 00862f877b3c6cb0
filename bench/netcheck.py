#!/usr/bin/python3
"""Prove the relay emulates the link it is told to.

    netcheck.py RELAY_BIN DELAY_MS RATE_MBIT   (RATE 0: uncapped)

Starts a small echo/sink/source server on loopback and the relay in front
of it, then through the relay:
  - ping-pong: 30 round trips of 1 byte, the median is the measured RTT;
  - bulk down: the server sends N bytes; rate = bytes after the first
    chunk / (time of the last byte - time of the first byte) at the client;
  - bulk up: the client sends N bytes; the server measures the same way.
Prints one JSON line: {"rtt_ms": .., "down_mbit": .., "up_mbit": ..}.
Python 3 standard library only.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BUF = 1 << 20


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def serve_one(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = c.makefile("rb")
    line = f.readline().decode().split()
    if not line:
        return
    cmd, n = line[0], int(line[1])
    if cmd == "P":                       # ping-pong n times
        for _ in range(n):
            c.sendall(f.read(1))
    elif cmd == "D":                     # send n bytes
        buf = b"x" * BUF
        left = n
        while left > 0:
            k = min(left, BUF)
            c.sendall(buf[:k])
            left -= k
        c.shutdown(socket.SHUT_WR)
        f.read()
    elif cmd == "U":                     # receive n bytes, report the rate
        got, t1, tl, first = 0, None, None, 0
        buf = bytearray(BUF)
        while got < n:
            k = f.readinto(memoryview(buf)[:min(BUF, n - got)])
            if not k:
                break
            t = time.monotonic()
            if t1 is None:
                t1, first = t, k
            tl = t
            got += k
        rate = (got - first) * 8 / (tl - t1) / 1e6 if tl and tl > t1 else 0
        c.sendall(("%f\n" % rate).encode())
    c.close()


def server(ls):
    while True:
        try:
            c, _ = ls.accept()
        except OSError:
            return
        threading.Thread(target=serve_one, args=(c,), daemon=True).start()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    relay, delay, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    sport = ls.getsockname()[1]
    threading.Thread(target=server, args=(ls,), daemon=True).start()
    rport = free_port()
    rp = subprocess.Popen([relay, "-w", "-d", str(delay), "-r", str(rate),
                           "%d:%d" % (rport, sport)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert rp.stdout.readline().strip() == b"READY"
    out = {"delay_ms": delay, "rate_mbit": rate}
    try:
        # ping-pong
        s = connect(rport)
        n = 30
        s.sendall(b"P %d\n" % n)
        rtts = []
        for _ in range(n):
            t = time.monotonic()
            s.sendall(b"x")
            recv_exact(s, 1)
            rtts.append((time.monotonic() - t) * 1000)
        s.close()
        out["rtt_ms"] = round(statistics.median(rtts), 2)
        # bulk: long enough for ~2 s at the cap, 400 MB uncapped
        nbytes = int(rate * 1e6 / 8 * 2) if rate > 0 else 400 << 20
        s = connect(rport)
        s.sendall(b"D %d\n" % nbytes)
        buf = bytearray(BUF)
        got, t1, tl, first = 0, None, None, 0
        while True:
            k = s.recv_into(buf)
            if not k:
                break
            t = time.monotonic()
            if t1 is None:
                t1, first = t, k
            tl = t
            got += k
        s.close()
        out["down_mbit"] = round((got - first) * 8 / (tl - t1) / 1e6, 1)
        s = connect(rport)
        s.sendall(b"U %d\n" % nbytes)
        chunk = b"y" * BUF
        left = nbytes
        while left > 0:
            k = min(left, BUF)
            s.sendall(chunk[:k])
            left -= k
        line = b""
        while not line.endswith(b"\n"):
            d = s.recv(100)
            if not d:
                break
            line += d
        s.close()
        out["up_mbit"] = round(float(line.decode() or 0), 1)
    finally:
        rp.stdin.close()
        rp.wait(5)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
