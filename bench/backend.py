#!/usr/bin/python3
"""The shared slow backend of the benchmarks (HTTP/1.1, loopback).

    backend.py PORT HTML_FILE [API_THINK_MS]

GET /p/<ms> (any query) sleeps <ms> milliseconds ("think time", 0..5000),
then answers 200 with the page HTML and one Link header per subresource:

    Link: </s/1.css>; rel=preload; as=style      (1.css .. 4.css)
    Link: </s/1.js>; rel=preload; as=script      (1.js .. 4.js)

A JSON API (bench/vulcain.py), each answer after API_THINK_MS (default 50)
of think time, Content-Type application/ld+json, no Link header:

    GET /api/books     a hydra collection: {"hydra:member": ["/api/books/1",
                       ... "/api/books/10"], ...}
    GET /api/books/N   book N (1..10): {"@id": "/api/books/N", ...}

Anything else is a 404. HTML_FILE "-": no page (/p/ answers 404). Keep-alive, one thread per connection, the
response written with one send (no Nagle/delayed-ACK stalls). Prints
"READY" when listening. Python 3 standard library only.
"""
import json
import socket
import socketserver
import sys
import time

LINKS = ["</s/%d.css>; rel=preload; as=style" % i for i in range(1, 5)] + \
        ["</s/%d.js>; rel=preload; as=script" % i for i in range(1, 5)]

BOOKS = 10


def api_body(path):
    """The JSON API's document at path, or None (404)."""
    if path == "/api/books":
        doc = {"@context": "/api/contexts/Book", "@id": "/api/books",
               "@type": "hydra:Collection",
               "hydra:member": ["/api/books/%d" % i for i in range(1, BOOKS + 1)],
               "hydra:totalItems": BOOKS}
    elif path.startswith("/api/books/") and path[11:].isdigit() and \
            1 <= int(path[11:]) <= BOOKS and path[11] != "0":
        n = int(path[11:])
        doc = {"@context": "/api/contexts/Book", "@id": path, "@type": "Book",
               "isbn": "978-0-%04d-%04d-%d" % (n * 37, n * 101, n % 10),
               "title": "Book %d" % n,
               "description": "The description of book %d. " % n * 4,
               "author": "Author %d" % n,
               "publicationDate": "20%02d-01-%02d" % (n, n)}
    else:
        return None
    return json.dumps(doc, indent=1).encode() + b"\n"


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        while True:
            line = self.rfile.readline(8192)
            if not line:
                return
            parts = line.decode("latin-1").split()
            if len(parts) != 3:
                return
            method, target, version = parts
            keep = version == "HTTP/1.1"
            while True:
                h = self.rfile.readline(8192)
                if not h or h in (b"\r\n", b"\n"):
                    break
                name, _, value = h.decode("latin-1").partition(":")
                name = name.strip().lower()
                value = value.strip().lower()
                if name == "connection":
                    if "close" in value:
                        keep = False
                    elif "keep-alive" in value:
                        keep = True
            path = target.split("?", 1)[0]
            head = ["Date: " + self.date(), "Server: bench-backend"]
            api = api_body(path) if path.startswith("/api/") and \
                method in ("GET", "HEAD") else None
            if api is not None:
                time.sleep(self.server.api_think / 1000.0)
                body = api
                status = "200 OK"
                head += ["Content-Type: application/ld+json"]
            elif path.startswith("/p/") and path[3:].isdigit() and \
                    method in ("GET", "HEAD") and self.server.html is not None:
                time.sleep(min(int(path[3:]), 5000) / 1000.0)
                body = self.server.html
                status = "200 OK"
                head += ["Content-Type: text/html; charset=utf-8"]
                head += ["Link: " + l for l in LINKS]
            else:
                body = b"not found\n"
                status = "404 Not Found"
                head += ["Content-Type: text/plain"]
            head += ["Content-Length: %d" % len(body),
                     "Connection: " + ("keep-alive" if keep else "close")]
            out = ("HTTP/1.1 %s\r\n%s\r\n\r\n" % (status, "\r\n".join(head))
                   ).encode("latin-1")
            if method != "HEAD":
                out += body
            self.wfile.write(out)
            self.wfile.flush()
            if not keep:
                return

    @staticmethod
    def date():
        return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    port, html = int(sys.argv[1]), sys.argv[2]
    srv = Server(("127.0.0.1", port), Handler)
    srv.html = None
    if html != "-":
        with open(html, "rb") as f:
            srv.html = f.read()
    srv.api_think = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
    print("READY", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
