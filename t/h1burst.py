#!/usr/bin/python3
"""Fast HTTP/1.1 keep-alive client for the mod_h2push tests that need
thousands of requests (t/33_redis.t, t/34_learn_attacks.t,
t/35_learn_scale.t).

Reads a JSON list of requests from a file ("-": stdin):

  [{"path": "/x", "headers": [["Host", "h"], ...]}, ...]

(a bare string is a path; "method" may be "GET" or "HEAD"), sends them in
that order over --conns keep-alive connections to 127.0.0.1:--port (one
connection: strictly one after the other; a connection the server closes
is opened again), reads each response's 1xx blocks and its final response
(Content-Length, chunked or up to the close), and prints JSON on stdout:

  {"elapsed": seconds, "errors": n,
   "results": [{"status": 200, "n103": 1,
                "hints": [link-values of the first 103],
                "links": [link-values of the final response],
                "error": null}, ...]}          (in the order of the input)

With --barrier PATH each connection sends HEAD PATH last (not reported; a
HEAD, which the module does not learn from or count): httpd
reads a request on a keep-alive connection only once the one before it is
through its log_transaction phase, so when the client is done, so is
whatever the server does at that phase for the requests sent.

Link values are split at the commas outside <...> and quoted strings, like
split_link_values() of t/lib/H2PushTest.pm.  Nothing here waits on a
clock except the socket timeout.
"""
import argparse
import json
import socket
import sys
import threading
import time


def split_link_values(v):
    out, cur, inq, ina, esc = [], [], False, False, False
    for ch in v:
        if inq:
            if esc:
                esc = False
            elif ch == '\\':
                esc = True
            elif ch == '"':
                inq = False
        elif ina:
            if ch == '>':
                ina = False
        elif ch == '"':
            inq = True
        elif ch == '<':
            ina = True
        elif ch == ',':
            out.append(''.join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append(''.join(cur))
    return [s.strip() for s in out if s.strip()]


class Closed(Exception):
    pass


class Conn:
    def __init__(self, host, port, timeout):
        self.addr = (host, port)
        self.timeout = timeout
        self.sock = None
        self.buf = b''

    def open(self):
        self.close()
        self.sock = socket.create_connection(self.addr, timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data

    def readline(self):
        while True:
            i = self.buf.find(b'\r\n')
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self.fill()

    def read(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_to_close(self):
        try:
            while True:
                self.fill()
        except Closed:
            pass
        data, self.buf = self.buf, b''
        return data


def read_block(c):
    line = c.readline().decode('latin-1')
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith('HTTP/'):
        raise ValueError('bad status line %r' % line)
    status = int(parts[1])
    headers = []
    while True:
        h = c.readline()
        if not h:
            break
        name, _, value = h.decode('latin-1').partition(':')
        headers.append((name.strip().lower(), value.strip()))
    return status, headers


def one(c, req, port):
    method = req.get('method', 'GET')
    hdrs = req.get('headers') or []
    names = {n.lower() for n, _ in hdrs}
    lines = ['%s %s HTTP/1.1' % (method, req['path'])]
    if 'host' not in names:
        lines.append('Host: 127.0.0.1:%d' % port)
    lines += ['%s: %s' % (n, v) for n, v in hdrs]
    c.sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))
    res = {'status': 0, 'n103': 0, 'hints': [], 'links': [], 'error': None}
    while True:
        status, headers = read_block(c)
        if 100 <= status < 200:
            if status == 103:
                if not res['n103']:
                    for n, v in headers:
                        if n == 'link':
                            res['hints'] += split_link_values(v)
                res['n103'] += 1
            continue
        break
    res['status'] = status
    for n, v in headers:
        if n == 'link':
            res['links'] += split_link_values(v)
    h = dict(headers)
    close = 'close' in h.get('connection', '').lower()
    if method == 'HEAD' or status in (204, 304):
        pass
    elif 'chunked' in h.get('transfer-encoding', '').lower():
        while True:
            size = int(c.readline().split(b';')[0], 16)
            if size == 0:
                while c.readline():
                    pass
                break
            c.read(size + 2)
    elif 'content-length' in h:
        c.read(int(h['content-length']))
    else:
        c.read_to_close()
        close = True
    if close:
        c.close()
    return res


def worker(a, reqs, results, nexti, lock):
    c = Conn(a.host, a.port, a.timeout)
    done = 0
    while True:
        with lock:
            i = nexti[0]
            nexti[0] += 1
        if i >= len(reqs):
            break
        req = reqs[i]
        if isinstance(req, str):
            req = {'path': req}
        for attempt in (1, 2):
            fresh = c.sock is None
            try:
                if fresh:
                    c.open()
                results[i] = one(c, req, a.port)
                break
            except (Closed, ConnectionError, BrokenPipeError) as e:
                # a kept-alive connection the server had closed: once more
                # on a new one; a new connection failing is an error
                c.close()
                if fresh or attempt == 2:
                    results[i] = {'status': 0, 'n103': 0, 'hints': [],
                                  'links': [], 'error': repr(e)}
                    break
            except Exception as e:     # timeout, bad response
                c.close()
                results[i] = {'status': 0, 'n103': 0, 'hints': [],
                              'links': [], 'error': repr(e)}
                break
        done += 1
    # the barrier: httpd reads it only once the connection's previous
    # request is through its log_transaction phase
    if a.barrier and done and c.sock is not None:
        try:
            one(c, {'path': a.barrier, 'method': 'HEAD'}, a.port)
        except Exception:
            pass
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--conns', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=20)
    ap.add_argument('--barrier', default=None,
                    help='a path each connection HEADs last (not reported)')
    ap.add_argument('requests')
    a = ap.parse_args()
    f = sys.stdin if a.requests == '-' else open(a.requests)
    reqs = json.load(f)
    results = [None] * len(reqs)
    nexti, lock = [0], threading.Lock()
    t0 = time.time()
    threads = [threading.Thread(target=worker,
                                args=(a, reqs, results, nexti, lock))
               for _ in range(max(1, a.conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {'elapsed': round(time.time() - t0, 3),
           'errors': sum(1 for r in results if r['error']),
           'results': results}
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
