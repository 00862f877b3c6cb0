#!/usr/bin/python3
"""A backend that sends its own 103 Early Hints (t/36_policy.t).

An HTTP/1.1 server on a Unix socket (mod_proxy_http reaches it through
"ProxyPass ... unix:SOCKET|http://localhost/...", t/conf/policy.conf.in).
What it answers comes from a JSON file, keyed by the request path:

  {"/pol-be/one": {"interim": [["Link: </a.css>; rel=preload", ...], ...],
                   "headers": ["Content-Type: text/html", ...],
                   "body": "..."}}

Every request for a listed path gets each "interim" block as a
"HTTP/1.1 103 Early Hints" response (flushed on its own), then a 200 with
"headers" and "body" (Content-Length, Connection: close).  Anything else
is a 404.  Each request line is appended to --log.

Usage: backend103.py --socket PATH --spec FILE [--log FILE]
Runs until SIGTERM.
"""
import argparse
import json
import os
import signal
import socket
import socketserver
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--socket', required=True)
    ap.add_argument('--spec', required=True)
    ap.add_argument('--log')
    a = ap.parse_args()

    with open(a.spec) as f:
        spec = json.load(f)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline(65536)
            if not line:
                return
            while True:                     # the request's header fields
                h = self.rfile.readline(65536)
                if not h or h in (b'\r\n', b'\n'):
                    break
            parts = line.decode('latin-1').split()
            path = parts[1] if len(parts) > 1 else ''
            if a.log:
                with open(a.log, 'a') as lf:
                    lf.write(line.decode('latin-1').rstrip() + '\n')
            s = spec.get(path.split('?')[0])
            if s is None:
                body = b'not here\n'
                self.wfile.write(b'HTTP/1.1 404 Not Found\r\n'
                                 b'Content-Type: text/plain\r\n'
                                 b'Content-Length: %d\r\n'
                                 b'Connection: close\r\n\r\n' % len(body)
                                 + body)
                return
            for block in s.get('interim', []):
                out = 'HTTP/1.1 103 Early Hints\r\n' + ''.join(
                    x + '\r\n' for x in block) + '\r\n'
                self.wfile.write(out.encode('latin-1'))
                self.wfile.flush()
            body = s.get('body', '').encode('utf-8')
            head = 'HTTP/1.1 200 OK\r\n' + ''.join(
                x + '\r\n' for x in s.get('headers', [])) + \
                'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(body)
            self.wfile.write(head.encode('latin-1') + body)
            self.wfile.flush()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    srv = Server(a.socket, Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # httpd's children may run as another user (nobody)
    os.chmod(a.socket, 0o666)
    print('LISTENING %s' % a.socket, flush=True)
    try:
        srv.serve_forever()
    finally:
        try:
            os.unlink(a.socket)
        except OSError:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
