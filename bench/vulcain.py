#!/usr/bin/python3
"""The Vulcain Preload benchmark of issue #14 (`make -f Makefile.apxs
vulcain-bench`; results and method in bench/RESULTS.md).

    bench/vulcain.py [--reps N] [--think MS] [--rtt MS] [--generated on|off]
                     [--h2extra 'Apache lines'] [--wait-quiet]

A JSON API page with 10 related resources behind Apache, 50 ms RTT through
bench/relay.c, backend think time 50 ms: the time until one h2 client has
all 11 documents, for

  a  "walk":     GET /api/books, then each /api/books/N one after the other
                 (one request per round trip);
  b  "parallel": GET /api/books, then the 10 /api/books/N at once;
  c  "preload":  GET /api/books with `Preload: "/hydra:member/*"`, push
                 accepted: mod_h2push reads the collection, mod_http2 pushes
                 the 10 books (any book not pushed is requested as in b, and
                 the run is flagged).

Set-up: bench/backend.py (threaded HTTP/1.1, keep-alive) answers
/api/books and /api/books/1..10 (application/ld+json) after the think time;
Apache (event MPM, mod_http2, mod_proxy_http, mod_h2push built in this tree)
proxies /api/ to it (`ProxyPass /api/ http://127.0.0.1:BACKEND/api/`) with
`H2PushPreloadHeader on`, `H2PushGenerated on` and `H2PushMax 16` on /api/,
speaking h2c (prior knowledge, H2Direct) on one port; bench/relay.c in front
of it adds the RTT (half of it each way, uncapped).

The client (below, python3-h2 over one TCP connection, SETTINGS_ENABLE_PUSH
1 in every scenario, 16 MB windows) is timed from just before connect() to
the END_STREAM of the last of the 11 responses; with h2c prior knowledge
its first write right after connect() carries the preface, SETTINGS and the
first request, so this is also the time from the first request (the relay
does not delay the SYN; the median gap is printed). Every body is checked:
the collection lists the 10 books, book N's "@id" is /api/books/N, all 200.
The scenarios run interleaved (each round runs a, b, c, the order rotated
every round) after one unmeasured warm-up round; the ratios (c)/(a) and
(c)/(b) are of the medians, their spread the per-round ratios' min..max.
The frame timing of (c) shows when the PUSH_PROMISEs arrive against the
collection's HEADERS, and, for (b) and (c), how many books complete within
half a think time of the first (10 if the server ran all 10 at once).

Output: stdout, bench/out/vulcain.md (the same tables) and
bench/out/vulcain.json (every sample). Needs /usr/bin/python3 with python3-h2
(t/deps.sh, which bench/deps.sh and the make target run, installs it).
"""
import argparse
import json
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B                           # noqa: E402 (the shared helpers)

import h2.config                            # noqa: E402
import h2.connection                        # noqa: E402
import h2.events                            # noqa: E402
import h2.settings                          # noqa: E402

OUT = B.OUT
BACKEND_PORT = 28500
APACHE_PORT = 28501
RELAY_PORT = 28601                           # relay -> APACHE_PORT
BOOKS = ["/api/books/%d" % i for i in range(1, 11)]
COLLECTION = "/api/books"
PRELOAD = '"/hydra:member/*"'
WINDOW = (1 << 24) - 1
SCENARIOS = [("a", "walk: one request per round trip"),
             ("b", "parallel: the 10 at once after the collection"),
             ("c", "Preload + push (mod_h2push)")]

APACHE_CONF = B.apache_head(
    "mpm_event", "authz_core", "mime", "http2", "proxy",
    "proxy_http") + """LoadModule h2push_module {module}
TypesConfig /etc/mime.types
{user}
""" + B.MPM_64 + """Listen 127.0.0.1:{port}
Protocols h2c http/1.1
H2Direct on
{h2extra}
DocumentRoot {docroot}
<Directory {docroot}>
    Require all granted
</Directory>
# the JSON API: a proxied backend, so every push target is "generated"
# (made by a handler, its size unknown before it runs): H2PushGenerated on
ProxyPass "/api/" "http://127.0.0.1:{backend}/api/"
<Location "/api/">
    H2PushPreloadHeader on
    H2PushGenerated {generated}
    H2PushMax 16
</Location>
"""


def now():
    return time.monotonic()


# ---------------------------------------------------------------------------
# the client: python3-h2 on one socket, event driven

class Stream:
    def __init__(self, path, t, pushed=False):
        self.path = path
        self.t_start = t                    # request sent / PUSH_PROMISE received
        self.pushed = pushed
        self.status = None
        self.seq_start = None               # the event's rank on the connection
        self.seq_headers = None
        self.t_headers = None
        self.t_end = None
        self.body = bytearray()
        self.links = []
        self.reset = False


class Visit:
    """One scenario run on a fresh connection."""

    def __init__(self, mode, port, timeout=15.0):
        self.mode = mode
        self.port = port
        self.timeout = timeout
        self.streams = {}                   # stream id -> Stream
        self.by_path = {}                   # path -> Stream (the one used)
        self.promised = {}                  # path -> Stream
        self.flagged = []                   # why the run is flagged
        self.walk = []                      # a: paths still to fetch
        self.main = None
        self.books = None

    def request(self, path, extra=()):
        sid = self.conn.get_next_available_stream_id()
        hdrs = [(":method", "GET"), (":scheme", "http"),
                (":authority", "127.0.0.1:%d" % self.port), (":path", path),
                ("user-agent", "h2push-vulcain-bench"),
                ("accept", "application/ld+json")] + list(extra)
        self.conn.send_headers(sid, hdrs, end_stream=True)
        st = Stream(path, now())
        self.streams[sid] = st
        self.by_path[path] = st
        self.requests += 1
        return st

    def run(self):
        cfg = h2.config.H2Configuration(client_side=True,
                                        header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(cfg)
        self.conn.local_settings = h2.settings.Settings(
            client=True, initial_values={
                h2.settings.SettingCodes.ENABLE_PUSH: 1,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW,
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100})
        self.requests = 0
        self.seq = 0
        self.t0 = now()
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(WINDOW - 65535)
        extra = [("preload", PRELOAD)] if self.mode == "c" else []
        self.main = self.request(COLLECTION, extra)
        sock.sendall(self.conn.data_to_send())
        self.t_first_write = now()
        deadline = self.t0 + self.timeout
        try:
            while not self.done():
                left = deadline - now()
                if left <= 0:
                    raise RuntimeError("%s: timeout; %s" % (self.mode, self.state()))
                r, _, _ = select.select([sock], [], [], left)
                if not r:
                    continue
                data = sock.recv(65536)
                t = now()
                if not data:
                    raise RuntimeError("%s: connection closed; %s"
                                       % (self.mode, self.state()))
                for ev in self.conn.receive_data(data):
                    self.seq += 1
                    self.on_event(ev, t)
                out = self.conn.data_to_send()
                if out:
                    sock.sendall(out)
            self.t_done = max(self.by_path[p].t_end for p in [COLLECTION] + BOOKS)
            try:
                self.conn.close_connection()
                sock.sendall(self.conn.data_to_send())
            except OSError:
                pass
        finally:
            sock.close()
        return self.result()

    def state(self):
        return ", ".join("%s:%s%s" % (s.path, s.status, "" if s.t_end else "(open)")
                         for s in self.streams.values())

    def done(self):
        if self.books is None:
            return False
        return all(p in self.by_path and self.by_path[p].t_end is not None
                   and not self.by_path[p].reset for p in BOOKS)

    def on_event(self, ev, t):
        E = h2.events
        if isinstance(ev, E.ResponseReceived):
            st = self.streams.get(ev.stream_id)
            if st:
                st.t_headers = t
                st.seq_headers = self.seq
                st.status = int(dict(ev.headers)[":status"])
                st.links = [v for k, v in ev.headers if k == "link"]
        elif isinstance(ev, E.DataReceived):
            st = self.streams.get(ev.stream_id)
            if st:
                st.body += ev.data
            self.conn.acknowledge_received_data(ev.flow_controlled_length,
                                                ev.stream_id)
        elif isinstance(ev, E.PushedStreamReceived):
            path = dict(ev.headers)[":path"]
            st = Stream(path, t, pushed=True)
            st.seq_start = self.seq
            self.streams[ev.pushed_stream_id] = st
            if path in self.promised:
                self.flagged.append("%s promised twice" % path)
            self.promised[path] = st
            self.by_path.setdefault(path, st)
        elif isinstance(ev, E.StreamEnded):
            st = self.streams.get(ev.stream_id)
            if st:
                st.t_end = t
                self.ended(st)
        elif isinstance(ev, E.StreamReset):
            st = self.streams.get(ev.stream_id)
            if st:
                st.reset = True
                st.t_end = t
                self.ended(st)
        elif isinstance(ev, E.ConnectionTerminated):
            raise RuntimeError("%s: GOAWAY %r" % (self.mode, ev))

    def ended(self, st):
        if st is self.main:
            if st.reset or st.status != 200:
                raise RuntimeError("%s: %s answered %s" % (self.mode, st.path, st.status))
            self.books = json.loads(bytes(st.body))["hydra:member"]
            if self.books != BOOKS:
                raise RuntimeError("%s: collection lists %r" % (self.mode, self.books))
            if self.mode == "a":
                self.walk = list(BOOKS)
                self.request(self.walk.pop(0))
            elif self.mode == "b":
                for p in BOOKS:
                    self.request(p)
            else:
                # no promise can come after the collection's END_STREAM
                for p in BOOKS:
                    ps = self.promised.get(p)
                    if ps is None or (ps.t_end is not None and (ps.reset or ps.status != 200)):
                        self.flagged.append("%s not pushed" % p if ps is None
                                            else "%s push failed" % p)
                        self.request(p)
            return
        if st.pushed and st.t_end and self.books is not None and \
                (st.reset or st.status != 200) and self.by_path.get(st.path) is st:
            self.flagged.append("%s push failed" % st.path)
            self.request(st.path)
            return
        if st.reset or st.status != 200:
            if st.pushed:
                return                     # requested again at the collection's end
            raise RuntimeError("%s: %s answered %s" % (self.mode, st.path, st.status))
        doc = json.loads(bytes(st.body))
        if doc.get("@id") != st.path:
            raise RuntimeError("%s: %s has @id %r" % (self.mode, st.path, doc.get("@id")))
        if self.mode == "a" and not st.pushed and self.walk:
            self.request(self.walk.pop(0))

    def result(self):
        def ms(t):
            return None if t is None else (t - self.t0) * 1000.0
        m = self.main
        pushed = [s for s in self.streams.values() if s.pushed]
        used_pushes = [self.by_path[p] for p in BOOKS if self.by_path[p].pushed]
        r = {"mode": self.mode, "ms": ms(self.t_done),
             "first_write_ms": ms(self.t_first_write),
             "main_headers_ms": ms(m.t_headers), "main_end_ms": ms(m.t_end),
             "requests": self.requests, "pushes": len(pushed),
             "pushes_used": len(used_pushes),
             "flagged": self.flagged,
             # the collection's preload Links (mod_h2push's), and how many
             # of them say nopush (announced, not pushed)
             "links": sum(v.count("rel=preload") for v in m.links),
             "nopush_links": sum(v.count("nopush") for v in m.links),
             "bytes": sum(len(s.body) for s in self.streams.values())}
        if pushed:
            r["first_promise_ms"] = ms(min(s.t_start for s in pushed))
            r["last_promise_ms"] = ms(max(s.t_start for s in pushed))
            r["promises_before_headers"] = sum(
                1 for s in pushed if m.seq_headers is None
                or s.seq_start < m.seq_headers)
            ends = [s.t_end for s in pushed if s.t_end]
            hd = [s.t_headers for s in pushed if s.t_headers]
            if ends:
                r["first_push_end_ms"] = ms(min(ends))
                r["last_push_end_ms"] = ms(max(ends))
            if hd:
                r["first_push_headers_ms"] = ms(min(hd))
        books = [self.by_path[p] for p in BOOKS]
        if self.mode != "c":
            r["first_book_req_ms"] = ms(min(s.t_start for s in books))
            r["last_book_end_ms"] = ms(max(s.t_end for s in books))
        # the books complete within half a think time of the first one: 10
        # if the server ran the 10 at once, fewer if some waited (a wave)
        first = min(s.t_end for s in books)
        r["first_wave"] = sum(1 for s in books
                              if s.t_end - first <= ARGS.think / 2000.0)
        return r


# ---------------------------------------------------------------------------
# servers

def start_servers(think):
    root = os.path.join(OUT, "vulcain-apache")
    docroot = os.path.join(OUT, "vulcain-docroot")
    os.makedirs(root, exist_ok=True)
    os.makedirs(docroot, exist_ok=True)
    pid = os.path.join(root, "httpd.pid")
    if os.path.exists(pid):
        os.unlink(pid)
    conf = APACHE_CONF.format(
        root=root, mods=B.MODS, module=B.MODULE, port=APACHE_PORT,
        docroot=docroot, backend=BACKEND_PORT, h2extra=ARGS.h2extra,
        generated=ARGS.generated,
        user="User nobody\nGroup nogroup" if os.getuid() == 0 else "")
    B.write(os.path.join(root, "httpd.conf"), conf)
    p = OUT
    while p != "/":
        os.chmod(p, os.stat(p).st_mode | 0o055)
        p = os.path.dirname(p)
    B.sh(["chmod", "-R", "a+rX", root, docroot])
    B.start("vulcain-backend", ["/usr/bin/python3", os.path.join(HERE, "backend.py"),
                                str(BACKEND_PORT), "-", "%g" % think], BACKEND_PORT)
    B.start("vulcain-apache", ["apache2", "-d", root, "-f",
                               os.path.join(root, "httpd.conf"), "-DFOREGROUND"],
            APACHE_PORT)
    relay = B.start("vulcain-relay",
                    [os.path.join(OUT, "relay"), "-w", "-d", "%g" % (ARGS.rtt / 2),
                     "-r", "0", "%d:%d" % (RELAY_PORT, APACHE_PORT)],
                    stdin=subprocess.PIPE)
    line = relay.stdout.readline().strip()
    if line != b"READY":
        raise RuntimeError("relay did not start: %r" % line)
    return conf


# ---------------------------------------------------------------------------
# statistics and the report

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def f1(x):
    return "n/a" if x is None or x != x else "%.1f" % x


def spread(xs):
    return "%s .. %s" % (f1(min(xs)), f1(max(xs))) if xs else "n/a"


def iqr(xs):
    if len(xs) < 4:
        return float("nan")
    q = statistics.quantiles(xs, n=4)
    return q[2] - q[0]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7,
                    help="measured rounds (each: a, b, c once)")
    ap.add_argument("--think", type=float, default=50.0,
                    help="backend think time per document, ms")
    ap.add_argument("--rtt", type=float, default=50.0, help="RTT, ms")
    ap.add_argument("--h2extra", default="",
                    help="more server-wide Apache lines (diagnosis), e.g. "
                         "'H2MaxWorkers 64'")
    ap.add_argument("--generated", choices=("on", "off"), default="on",
                    help="H2PushGenerated on /api/ (off: a diagnosis; the "
                         "proxied books are then announced, not pushed)")
    ap.add_argument("--wait-quiet", action="store_true",
                    help="first wait until the machine is quiet (bench.py's test)")
    return ap.parse_args()


def main():
    global ARGS
    ARGS = parse_args()
    os.makedirs(OUT, exist_ok=True)
    busy = [p for p in (BACKEND_PORT, APACHE_PORT, RELAY_PORT) if not B.port_free(p)]
    if busy:
        sys.exit("vulcain: ports busy (another run?): %s" % busy)
    if not os.path.exists(B.MODULE):
        sys.exit("vulcain: build the module first (make -f Makefile.apxs build)")
    B.sh(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
          os.path.join(OUT, "relay"), os.path.join(HERE, "relay.c"), "-lm"])

    def on_signal(sig, frame):
        raise SystemExit("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    quiet = B.wait_quiet() if ARGS.wait_quiet else None
    rep = B.Report(os.path.join(OUT, "vulcain.md"))
    load0 = B.loadavg()
    t_start = time.time()
    netc = json.loads(subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "netcheck.py"),
         os.path.join(OUT, "relay"), "%g" % (ARGS.rtt / 2), "0"],
        capture_output=True, text=True, check=True).stdout)
    samples = {k: [] for k, _ in SCENARIOS}
    rounds = []
    warm = {}
    try:
        conf = start_servers(ARGS.think)
        for k, _ in SCENARIOS:                      # warm-up, not counted
            warm[k] = Visit(k, RELAY_PORT).run()
        order = [k for k, _ in SCENARIOS]
        for i in range(ARGS.reps):
            rnd = {}
            for k in order[i % 3:] + order[:i % 3]:
                rnd[k] = Visit(k, RELAY_PORT).run()
                samples[k].append(rnd[k])
            rounds.append(rnd)
            B.log("round %d: %s" % (i + 1, "  ".join(
                "%s %.1f ms%s" % (k, rnd[k]["ms"], " FLAGGED" if rnd[k]["flagged"] else "")
                for k in sorted(rnd))))
    finally:
        B.stop_all()
    load1 = B.loadavg()

    ms = {k: [s["ms"] for s in samples[k]] for k in samples}
    mdn = {k: med(ms[k]) for k in ms}
    rtt, think = ARGS.rtt, ARGS.think
    limit = {"a": 11 * (rtt + think), "b": 2 * (rtt + think), "c": rtt + 2 * think}
    goals = {"a": 0.55, "b": 0.9}
    per_round = {k: [r["c"]["ms"] / r[k]["ms"] for r in rounds] for k in ("a", "b")}
    flagged = [s for s in samples["c"] if s["flagged"]]
    pushes = [s["pushes"] for s in samples["c"]]

    rep("# Vulcain Preload benchmark (issue #14)")
    rep()
    rep("- date: %s; command: `%s`" % (time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                                      " ".join(["bench/vulcain.py"] + sys.argv[1:])))
    rep("- machine: %d CPUs; load average at start %s, at end %s%s" % (
        os.cpu_count(), load0, load1, "" if quiet is None else
        " (waited for a quiet machine: %s)" % ("quiet" if quiet else "gave up")))
    rep("- %s; mod_http2 %s; python3-h2 %s" % (
        B.version(["apache2", "-v"]), http2_version(), h2.__version__))
    rep("- link: bench/relay.c, RTT %g ms set (%.2f ms measured, median of 30 "
        "ping-pongs), uncapped; backend think %g ms per document; h2c prior "
        "knowledge, one connection per run; %d measured rounds (a, b, c each, "
        "order rotated) after 1 warm-up round" % (rtt, netc["rtt_ms"], think,
                                                  ARGS.reps))
    if ARGS.h2extra:
        rep("- extra Apache lines: `%s`" % ARGS.h2extra)
    if ARGS.generated != "on":
        rep("- **H2PushGenerated %s** on /api/ (a diagnosis)" % ARGS.generated)
    rep()
    rep("Time from connect() until all 11 bodies are complete (ms; the first "
        "request leaves %.2f ms after connect(), median):" % med(
            [s["first_write_ms"] for k in samples for s in samples[k]]))
    rep()
    rows = []
    for k, label in SCENARIOS:
        xs = ms[k]
        rows.append(["(%s) %s" % (k, label), f1(mdn[k]), spread(xs), f1(iqr(xs)),
                     f1(limit[k]), "%.0f" % med([s["requests"] for s in samples[k]]),
                     "%.0f" % med([s["pushes"] for s in samples[k]])])
    rep.table(["scenario", "median", "min .. max", "IQR", "ideal", "requests",
               "pushes"], rows)
    rep("\"ideal\": (a) 11 x (RTT + think), (b) 2 x (RTT + think), (c) RTT + 2 x "
        "think (the books are asked of the backend when the collection is "
        "complete at the server, and travel with it).")
    rep()
    trows, verdicts = [], {}
    for k in ("a", "b"):
        r = mdn["c"] / mdn[k]
        ok = r <= goals[k]
        verdicts[k] = ok
        trows.append(["(c) / (%s)" % k, "%.3f" % r, "%.3f .. %.3f" % (
            min(per_round[k]), max(per_round[k])), "<= %.2f" % goals[k],
            B.verdict(ok)])
    rep.table(["ratio", "of the medians", "per round min .. max", "goal", ""],
              trows)
    rep("(c): pushes per run %s (10 expected); the collection's preload Links "
        "%s, of them nopush %s; runs flagged (a book not pushed, requested): "
        "%d of %d." % (
            "/".join(str(p) for p in sorted(set(pushes))),
            "/".join(str(p) for p in sorted({s["links"] for s in samples["c"]})),
            "/".join(str(p) for p in sorted({s["nopush_links"] for s in samples["c"]})),
            len(flagged), len(samples["c"])))
    rep()
    c = samples["c"]
    rep("Frame timing of (c), ms from connect(), medians [min .. max]:")
    rep()
    trow = []
    for field, what in (("first_promise_ms", "first PUSH_PROMISE received"),
                        ("last_promise_ms", "last PUSH_PROMISE received"),
                        ("main_headers_ms", "collection HEADERS received"),
                        ("main_end_ms", "collection END_STREAM received"),
                        ("first_push_headers_ms", "first pushed HEADERS received"),
                        ("first_push_end_ms", "first pushed book complete"),
                        ("last_push_end_ms", "last pushed book complete")):
        xs = [s[field] for s in c if s.get(field) is not None]
        trow.append([what, f1(med(xs)), spread(xs)])
    xs = [s["promises_before_headers"] for s in c if "promises_before_headers" in s]
    trow.append(["PUSH_PROMISEs before the collection's HEADERS",
                 "%.0f" % med(xs) if xs else "n/a", spread(xs)])
    for k in ("a", "b"):
        xs = [s["main_end_ms"] for s in samples[k]]
        trow.append(["(%s) collection complete" % k, f1(med(xs)), spread(xs)])
    xs = [s["last_book_end_ms"] - s["first_book_req_ms"] for s in samples["b"]]
    trow.append(["(b) 10 books: first request sent to last complete",
                 f1(med(xs)), spread(xs)])
    for k in ("b", "c"):
        xs = [s["first_wave"] for s in samples[k]]
        trow.append(["(%s) books complete within think/2 of the first one" % k,
                     "%.0f" % med(xs), "%d .. %d" % (min(xs), max(xs))])
    rep.table(["event", "median", "min .. max"], trow)
    if med([s["first_wave"] for s in samples["c"]]) < 10:
        rep("Fewer than 10 books in the first wave: mod_http2 runs at most 6 "
            "streams of a new connection at once (h2_mplx's processing_limit, "
            "no directive sets it) and doubles it only when a stream started "
            "after the last change ends well 100 ms or more after it (or "
            "after 7 such streams); the others wait for a slot, one more "
            "think time (`LogLevel http2:debug` shows "
            "\"delaying request processing. Current limit is 6\"). It "
            "delays (b) the same way.")
        rep()
    rep("- wall time %.0f s" % (time.time() - t_start))
    with open(os.path.join(OUT, "vulcain.json"), "w") as f:
        json.dump({"args": vars(ARGS), "netcheck": netc, "load": [load0, load1],
                   "medians_ms": mdn, "ideal_ms": limit,
                   "ratios": {"c/a": mdn["c"] / mdn["a"], "c/b": mdn["c"] / mdn["b"]},
                   "ratios_per_round": {"c/a": per_round["a"], "c/b": per_round["b"]},
                   "goals": {"c/a": goals["a"], "c/b": goals["b"]},
                   "met": {"c/a": verdicts["a"], "c/b": verdicts["b"]},
                   "warmup": warm, "samples": samples, "apache_conf": conf},
                  f, indent=1)


def http2_version():
    try:
        with open(os.path.join(B.MODS, "mod_http2.so"), "rb") as f:
            data = f.read()
        m = re.search(rb"\b(2\.0\.\d+)\b", data)
        return m.group(1).decode() if m else "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
