#!/usr/bin/python3
"""mod_h2push benchmarks (`make -f Makefile.apxs bench`; results and method
in bench/RESULTS.md).

    bench/bench.py [--reps N] [--reps-b-target N] [--reps-diary N]
                   [--reps-c N] [--c-secs S] [--only A,B,C,D] [--wait-quiet]

A: push client (nghttp) and B: headless Chromium through bench/relay.c
(RTT 50 ms, uncapped and 20 Mbit/s), think time 0 and 200 ms of the shared
slow backend bench/backend.py, 7 front-ends interleaved; C: h2load
throughput straight to Apache; D: the decision's instructions per response
under callgrind (bench/decide_cost.c).

The file, top to bottom: constants (front-ends, links, assets); set-up
(docroot, certificate, binaries); the servers' configurations; the relay;
the clients (nghttp, Chromium, h2load, callgrind); the machine's load;
statistics, tables and targets; the scenarios; the run. Each scenario is a
class (PushClient and PushDiary for A, Browser, Throughput, DecisionCost):
run() (or run_link(), once per emulated link behind the relay) collects its
samples under a named cell, tables() prints its section of tables.md and
returns its targets. A new scenario is a Scenario subclass with a letter
for --only, added to SCENARIOS.

Everything generated goes to bench/out/ (configs, logs, binaries, the
tables in bench/out/tables.md and the raw samples in bench/out/raw.json).
Python 3 standard library only; run with /usr/bin/python3.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
DOCROOT = os.path.join(OUT, "docroot")
MODS = "/usr/lib/apache2/modules"
MODULE = os.path.join(TOP, ".libs", "mod_h2push.so")

RTT_MS = 50.0


@dataclass(frozen=True)
class Link:
    """An emulated link: its name in the tables and its cap (0: none)."""
    name: str
    rate: float                 # Mbit/s


@dataclass(frozen=True)
class FrontEnd:
    key: str
    label: str                  # its row in every table
    port: int                   # the server's; its relay listens on port + 100


LINKS = [Link("uncapped", 0.0), Link("20 Mbit/s", 20.0)]
THINKS = [0, 200]

BACKEND_PORT = 28100
FRONTENDS = [
    FrontEnd("h2push", "Apache + mod_h2push (learned hints)", 28101),
    FrontEnd("eh", "Apache + hand-written H2EarlyHint", 28104),
    FrontEnd("static", "Apache + H2PushResource (mod_http2)", 28103),
    FrontEnd("link", "Apache + mod_http2 Link push", 28102),
    FrontEnd("nginx", "nginx 1.22 http2_push_preload", 28105),
    FrontEnd("h2o", "h2o 2.2.5 http2-push-preload", 28106),
    FrontEnd("nopush", "Apache, no push (H2Push off)", 28107),
]
H2PUSH_DEFAULTS_PORT = 28108   # mod_h2push loaded, its defaults (for C)
FE = {fe.key: fe for fe in FRONTENDS}

# the 8 subresources: name, KB
ASSETS = [("1.css", 10), ("2.css", 20), ("3.css", 30), ("4.css", 40),
          ("1.js", 60), ("2.js", 50), ("3.js", 15), ("4.js", 45)]
HTML_KB = 32
OLD_MTIME = 1262304000          # 2010-01-01: heuristic freshness for years

procs = []                      # our children, stopped at exit


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, **kw)


def wait_port(port, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# ---------------------------------------------------------------------------
# setup: certificate, docroot, binaries

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def filler(kb, kind):
    """Text of about kb KB that is valid CSS / JS / HTML."""
    n = kb * 1024
    out, i = [], 0
    size = 0
    while size < n:
        if kind == "css":
            line = ".c%d { margin: %dpx; padding: %dpx; color: #%06x; }\n" % (
                i, i % 17, i % 11, (i * 2654435761) & 0xffffff)
        elif kind == "js":
            line = "var v%d = %d; /* bench filler line %d */\n" % (i, i * 7, i)
        else:
            line = "<p>Paragraph %d: lorem ipsum dolor sit amet, consectetur" \
                   " adipiscing elit, sed do eiusmod tempor.</p>\n" % i
        out.append(line)
        size += len(line)
        i += 1
    return "".join(out)[:n]


PAGE_SCRIPT = r"""<script>
addEventListener('load', function () {
  function put() {
    var nav = performance.getEntriesByType('navigation')[0] || {};
    var res = performance.getEntriesByType('resource').filter(function (e) {
      return e.name.indexOf('/s/') >= 0; });
    var r = {loadEventEnd: nav.loadEventEnd, loadEventStart: nav.loadEventStart,
      responseStart: nav.responseStart, responseEnd: nav.responseEnd,
      firstInterim: nav.firstInterimResponseStart || 0,
      finalHeaders: nav.finalResponseHeadersStart || 0,
      connectStart: nav.connectStart, connectEnd: nav.connectEnd,
      protocol: nav.nextHopProtocol,
      resEnd: Math.max.apply(null, res.map(function (e) { return e.responseEnd; })),
      n: res.length,
      initiators: res.map(function (e) { return e.initiatorType; }).join(' '),
      transfer: res.map(function (e) { return e.transferSize; }).join(' ')};
    var p = document.createElement('pre');
    p.id = 'result';
    p.textContent = JSON.stringify(r);
    document.body.appendChild(p);
  }
  setTimeout(put, 0);
});
</script>
"""


def make_docroot():
    os.makedirs(os.path.join(DOCROOT, "s"), exist_ok=True)
    os.makedirs(os.path.join(DOCROOT, "c"), exist_ok=True)
    for name, kb in ASSETS:
        kind = "css" if name.endswith(".css") else "js"
        write(os.path.join(DOCROOT, "s", name), filler(kb, kind))
    head = "".join('<link rel="stylesheet" href="/s/%s">\n' % n
                   for n, _ in ASSETS if n.endswith(".css"))
    head += "".join('<script src="/s/%s"></script>\n' % n
                    for n, _ in ASSETS if n.endswith(".js"))
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
            "<title>bench page</title>\n" + head + PAGE_SCRIPT +
            "</head><body>\n<h1>bench page</h1>\n")
    page += filler(HTML_KB, "html")[:HTML_KB * 1024 - len(page) - 16]
    page += "\n</body></html>\n"
    write(os.path.join(OUT, "page.html"), page)
    small = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
             "<title>c</title></head><body>\n" + filler(4, "html") +
             "</body></html>\n")
    write(os.path.join(DOCROOT, "c", "links.html"), small)
    write(os.path.join(DOCROOT, "c", "plain.html"), small)
    for root, dirs, files in os.walk(DOCROOT):
        for f in files:
            os.utime(os.path.join(root, f), (OLD_MTIME, OLD_MTIME))
    # the servers run as nobody
    p = OUT
    while p != "/":
        os.chmod(p, os.stat(p).st_mode | 0o055)
        p = os.path.dirname(p)
    sh(["chmod", "-R", "a+rX", OUT])


def make_cert():
    cert, key = os.path.join(OUT, "cert.pem"), os.path.join(OUT, "key.pem")
    if not os.path.exists(cert):
        sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", cert], stderr=subprocess.DEVNULL)
        os.chmod(key, 0o644)
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         check=True, capture_output=True, text=True).stdout
    der = base64.b64decode("".join(l for l in pub.splitlines()
                                   if not l.startswith("-----")))
    pin = base64.b64encode(hashlib.sha256(der).digest()).decode()
    return cert, key, pin


def build_tools():
    apr = subprocess.run(["apr-1-config", "--cflags", "--cppflags",
                          "--includes"], capture_output=True, text=True,
                         check=True).stdout.split()
    aprl = subprocess.run(["apr-1-config", "--link-ld", "--libs"],
                          capture_output=True, text=True,
                          check=True).stdout.split()
    sh(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
        os.path.join(OUT, "relay"), os.path.join(HERE, "relay.c"), "-lm"])
    sh(["gcc", "-std=gnu99", "-O2", "-g", "-Wall", "-Wextra", "-Werror"]
       + apr + ["-I" + os.path.join(TOP, "src"), "-o",
                os.path.join(OUT, "decide_cost"),
                os.path.join(HERE, "decide_cost.c"),
                os.path.join(TOP, "src", "h2p_link.c"),
                os.path.join(TOP, "src", "h2p_diary.c"),
                os.path.join(TOP, "src", "h2p_policy.c"),
                os.path.join(TOP, "src", "h2p_lines.c")] + aprl)


# ---------------------------------------------------------------------------
# servers

def apache_head(*modules):
    """The start of every benchmark's httpd.conf (bench.py, vulcain.py,
    channel.py): where its files go, then a LoadModule line per module
    named; {root} and {mods} are left for format()."""
    return ("ServerRoot {root}\n"
            "ServerName 127.0.0.1\n"
            "PidFile {root}/httpd.pid\n"
            "ErrorLog {root}/error_log\n"
            "LogLevel warn\n"
            "DefaultRuntimeDir {root}\n"
            + "".join("LoadModule %s_module {mods}/mod_%s.so\n" % (m, m)
                      for m in modules))


# The MPM of the benchmarks' Apache (bench.py, vulcain.py): 2 to 4
# children of 64 threads
MPM_64 = """StartServers 2
ServerLimit 4
ThreadsPerChild 64
MaxRequestWorkers 256
MaxConnectionsPerChild 0
KeepAliveTimeout 30
"""

APACHE_COMMON = apache_head(
    "mpm_event", "authz_core", "mime", "dir", "headers", "socache_shmcb",
    "ssl", "http2", "proxy", "proxy_http") + """{extra_load}
TypesConfig /etc/mime.types
{user}
""" + MPM_64 + """Protocols h2 http/1.1
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLCertificateFile {cert}
SSLCertificateKeyFile {key}
SSLSessionCache none
DocumentRoot {docroot}
<Directory {docroot}>
    Require all granted
</Directory>
# the throughput page of scenario C: a static page with 4 preload links
<Location "/c/links.html">
    Header add Link "</s/1.css>; rel=preload; as=style"
    Header add Link "</s/2.css>; rel=preload; as=style"
    Header add Link "</s/1.js>; rel=preload; as=script"
    Header add Link "</s/2.js>; rel=preload; as=script"
</Location>
ProxyPass "/p/" "http://127.0.0.1:{backend}/p/"
"""

# each vhost names itself as the clients address it: learned hints are
# learned only for a virtual host's own names (ServerName, ServerAlias)
VHOST = """<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
    SSLEngine on
{body}</VirtualHost>
"""


def apache_conf(name, cert, key, vhosts, extra_load=""):
    root = os.path.join(OUT, name)
    os.makedirs(root, exist_ok=True)
    # stale after a crash; the ports were checked free
    for f in ("httpd.pid", "cgisock"):
        if os.path.exists(os.path.join(root, f)):
            os.unlink(os.path.join(root, f))
    text = APACHE_COMMON.format(
        root=root, mods=MODS, extra_load=extra_load, cert=cert, key=key,
        docroot=DOCROOT, backend=BACKEND_PORT,
        user="User nobody\nGroup nogroup" if os.getuid() == 0 else "")
    for port, _ in vhosts:
        text += "Listen 127.0.0.1:%d\n" % port
    for port, body in vhosts:
        text += VHOST.format(port=port, body=body)
    write(os.path.join(root, "httpd.conf"), text)
    return root


def css_js():
    return [n for n, _ in ASSETS]


def as_of(n):
    return "style" if n.endswith(".css") else "script"


def server_configs(cert, key):
    """Write every front-end's configuration; return the commands."""
    cmds = []
    # 1. Apache + mod_h2push: learned hints only, no per-URL configuration
    h2push_body = ("    H2EarlyHints on\n    H2PushEarlyHints on\n"
                   "    H2PushLearn on\n")
    root = apache_conf(
        "apache-h2push", cert, key,
        [(FE["h2push"].port, h2push_body), (H2PUSH_DEFAULTS_PORT, "")],
        extra_load="LoadModule h2push_module %s" % MODULE)
    cmds.append(("apache-h2push", ["apache2", "-d", root, "-f",
                                   os.path.join(root, "httpd.conf"),
                                   "-DFOREGROUND"]))
    # 2. Apache + mod_http2 alone (mod_h2push NOT loaded), and 5. no push
    static = "    <Location \"/p/\">\n" + "".join(
        "        H2PushResource /s/%s\n" % n for n in css_js()) + \
        "    </Location>\n"
    eh = "    H2EarlyHints on\n    <Location \"/p/\">\n" + "".join(
        "        H2EarlyHint Link \"</s/%s>; rel=preload; as=%s\"\n"
        % (n, as_of(n)) for n in css_js()) + "    </Location>\n"
    root = apache_conf(
        "apache-native", cert, key,
        [(FE["link"].port, ""), (FE["static"].port, static), (FE["eh"].port, eh),
         (FE["nopush"].port, "    H2Push off\n")])
    cmds.append(("apache-native", ["apache2", "-d", root, "-f",
                                   os.path.join(root, "httpd.conf"),
                                   "-DFOREGROUND"]))
    # 3. nginx 1.22
    nroot = os.path.join(OUT, "nginx")
    os.makedirs(nroot, exist_ok=True)
    write(os.path.join(nroot, "nginx.conf"), """daemon off;
master_process on;
worker_processes 2;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 30;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream backend {{
        server 127.0.0.1:{backend};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        root {docroot};
        http2_push_preload on;
        location /p/ {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
""".format(root=nroot, backend=BACKEND_PORT, port=FE["nginx"].port, cert=cert,
           key=key, docroot=DOCROOT,
           user="user nobody nogroup;" if os.getuid() == 0 else ""))
    cmds.append(("nginx", ["nginx", "-p", nroot, "-c",
                           os.path.join(nroot, "nginx.conf")]))
    # 4. h2o 2.2.5
    hroot = os.path.join(OUT, "h2o")
    os.makedirs(hroot, exist_ok=True)
    write(os.path.join(hroot, "h2o.conf"), """{user}
error-log: {root}/error.log
num-threads: 2
http2-push-preload: ON
listen:
  host: 127.0.0.1
  port: {port}
  ssl:
    certificate-file: {cert}
    key-file: {key}
    minimum-version: TLSv1.2
    ocsp-update-interval: 0
hosts:
  default:
    paths:
      /p:
        proxy.reverse.url: http://127.0.0.1:{backend}/p
      /:
        file.dir: {docroot}
""".format(root=hroot, port=FE["h2o"].port, cert=cert, key=key,
           backend=BACKEND_PORT, docroot=DOCROOT,
           user="user: nobody" if os.getuid() == 0 else ""))
    cmds.append(("h2o", ["h2o", "-c", os.path.join(hroot, "h2o.conf")]))
    return cmds


def all_ports():
    return [BACKEND_PORT, H2PUSH_DEFAULTS_PORT] + \
        [fe.port for fe in FRONTENDS] + [fe.port + 100 for fe in FRONTENDS]


def start(name, cmd, port=None, stdin=None):
    logf = open(os.path.join(OUT, name + ".out"), "w")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE if stdin else logf,
                         stderr=logf, stdin=stdin, start_new_session=True)
    procs.append((name, p))
    if port:
        wait_port(port)
    return p


def stop_all():
    for name, p in reversed(procs):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    for name, p in reversed(procs):
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    procs.clear()


# ---------------------------------------------------------------------------
# the relay

class Relay:
    """bench/relay.c in front of every front-end: port + 100 -> port."""

    def __init__(self, rate_mbit):
        self.rate = rate_mbit
        cmd = [os.path.join(OUT, "relay"), "-w", "-d", "%g" % (RTT_MS / 2),
               "-r", "%g" % rate_mbit] + \
              ["%d:%d" % (fe.port + 100, fe.port) for fe in FRONTENDS]
        self.p = start("relay-%g" % rate_mbit, cmd, stdin=subprocess.PIPE)
        line = self.p.stdout.readline().strip()
        if line != b"READY":
            raise RuntimeError("relay did not start: %r" % line)

    def stop(self):
        self.p.stdin.close()
        self.p.wait(10)
        procs[:] = [x for x in procs if x[1] is not self.p]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def netcheck(rate):
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "netcheck.py"),
                          os.path.join(OUT, "relay"), "%g" % (RTT_MS / 2),
                          "%g" % rate], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


# ---------------------------------------------------------------------------
# clients. nghttp: a push client (A)

FRAME = re.compile(r"^\[\s*([0-9.]+)\] (recv|send) (\S+) frame <length=(\d+), "
                   r"flags=0x[0-9a-f]+, stream_id=(\d+)>")
STATUS = re.compile(r"^\[\s*[0-9.]+\] recv \(stream_id=(\d+)\) :status: (\d+)")


def parse_nghttp(text):
    """nghttp -v output -> timings (ms) and counts."""
    t_conn = None
    ends, finals = {}, {}
    pushes = requests = rst = data = 0
    last = None
    for line in text.splitlines():
        m = FRAME.match(line)
        if m:
            t, d, kind, length, sid = (float(m.group(1)), m.group(2),
                                       m.group(3), int(m.group(4)),
                                       int(m.group(5)))
            last = (t, d, sid)
            if d == "recv" and kind == "PUSH_PROMISE":
                pushes += 1
            elif d == "send" and kind == "HEADERS":
                requests += 1
            elif d == "send" and kind == "RST_STREAM":
                rst += 1
            elif d == "recv" and kind == "DATA":
                data += length
            continue
        if line.startswith("          ;") and "END_STREAM" in line and last \
                and last[1] == "recv":
            ends[last[2]] = last[0]
            continue
        m = STATUS.match(line)
        if m:
            finals[int(m.group(1))] = int(m.group(2))
            continue
        if t_conn is None and line.endswith("] Connected"):
            t_conn = float(line[1:line.index("]")])
    if t_conn is None or not ends:
        return None
    ok = sum(1 for s in ends if finals.get(s) == 200)
    return {"ms": (max(ends.values()) - t_conn) * 1000.0, "pushes": pushes,
            "requests": requests, "rst": rst, "kb": data / 1024.0,
            "complete": ok}


def nghttp(port, paths):
    urls = ["https://127.0.0.1:%d%s" % (port, p) for p in paths]
    r = subprocess.run(["nghttp", "-nasv", "-w", "24", "-W", "24",
                        "--timeout=20"] + urls, capture_output=True,
                       text=True, errors="replace", timeout=60)
    res = parse_nghttp(r.stdout)
    if res is None:
        raise RuntimeError("nghttp %s: no result\n%s" % (urls, r.stderr[-2000:]))
    return res


# ---------------------------------------------------------------------------
# headless Chromium (B)

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-quic", "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium(port, path, pin):
    prof = tempfile.mkdtemp(prefix="h2push-bench-chromium-")
    try:
        r = subprocess.run(
            ["timeout", "-k", "5", "60", "chromium"] + CHROMIUM_FLAGS +
            ["--user-data-dir=" + prof,
             "--ignore-certificate-errors-spki-list=" + pin,
             "--dump-dom", "https://127.0.0.1:%d%s" % (port, path)],
            capture_output=True, text=True, errors="replace", timeout=90)
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    m = re.search(r'<pre id="result">(.*?)</pre>', r.stdout, re.S)
    if not m:
        raise RuntimeError("chromium: no result (rc %d)\n%s"
                           % (r.returncode, r.stderr[-2000:]))
    j = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    if j.get("n") != 8 or j.get("protocol") != "h2":
        raise RuntimeError("chromium: unexpected result %r" % j)
    return {"res_ms": j["resEnd"], "load_ms": j["loadEventEnd"],
            "eh": j["initiators"].split().count("early-hints"),
            "interim": j["firstInterim"] > 0}


# ---------------------------------------------------------------------------
# h2load (C)

def instance_cpu(conf_dir):
    """CPU seconds (user + system) used so far by the processes of the
    Apache whose ServerRoot is conf_dir."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
            if b"apache2" not in cmd[0] or conf_dir.encode() not in cmd:
                continue
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
            total += int(st[11]) + int(st[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


def h2load(port, path, secs, conf_dir):
    """(requests/s, Apache CPU microseconds per request)"""
    c0 = instance_cpu(conf_dir)
    r = subprocess.run(["h2load", "-D", str(secs), "-c", "8", "-m", "10", "-t", "1",
                        "https://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True, text=True, timeout=secs + 60)
    c1 = instance_cpu(conf_dir)
    m = re.search(r"finished in [0-9.]+s, ([0-9.]+) req/s", r.stdout)
    f = re.search(r"requests: (\d+) total.*?(\d+) succeeded, (\d+) failed",
                  r.stdout)
    if not m or not f or int(f.group(3)) or not int(f.group(2)):
        raise RuntimeError("h2load %d%s failed:\n%s" % (port, path, r.stdout))
    return float(m.group(1)), (c1 - c0) * 1e6 / int(f.group(2))


# ---------------------------------------------------------------------------
# callgrind (D)

def callgrind_total(args):
    f = os.path.join(OUT, "cg.%s" % "_".join(args))
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f,
                    os.path.join(OUT, "decide_cost")] + args,
                   capture_output=True, check=True)
    with open(f) as fh:
        for line in fh:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1]), f
    raise RuntimeError("no callgrind total in " + f)


def callgrind_functions(f, n):
    """Inclusive instructions per response of the main functions, in
    the order of `want`."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", f],
                       capture_output=True, text=True)
    want = ["one_response", "h2p_lines_collect", "h2p_link_parse",
            "h2p_cands_add", "h2p_policy_decide", "h2p_uri_resolve",
            "diary_pass", "diary_lock", "h2p_diary_add", "h2p_diary_put",
            "h2p_diary_touch", "h2p_cands_paths", "h2p_lines_emit",
            "h2p_link_emit", "h2p_link_format"]
    got = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([0-9,]+) \([ 0-9.]+%\)\s+\S+:(\w+) ", line)
        if m and m.group(2) in want and m.group(2) not in got:
            got[m.group(2)] = int(m.group(1).replace(",", "")) / n
    return {k: got[k] for k in want if k in got}


# ---------------------------------------------------------------------------
# the machine: load, other workers, phases, versions

def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def others_busy():
    """Processes of other workers that would disturb the timings."""
    mine = {os.getpid()}
    busy = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in mine:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if re.search(r"fuzz_|chromium|h2load|TEST\.PL|t/TEST\b", cmd):
            busy.append("%s %s" % (pid, cmd[:80]))
    return busy


def wait_quiet(max_s=25 * 60, step=30):
    """Poll until no fuzzer, Chromium, h2load or Apache::Test run of
    someone else is running and the 1-minute load average is < 0.8."""
    end = time.monotonic() + max_s
    while True:
        busy = others_busy()
        load1 = float(loadavg().split()[0])
        if not busy and load1 < 0.8:
            log("quiet: load %.2f" % load1)
            return True
        if time.monotonic() > end:
            log("still not quiet after %d s (load %.2f, %d busy): running anyway"
                % (max_s, load1, len(busy)))
            return False
        log("waiting for a quiet machine: load %.2f; %s" % (load1, "; ".join(busy[:3])))
        time.sleep(step)


@dataclass
class Phase:
    """A finished phase of the run, for the report's last lines."""
    text: str
    secs: float                 # since the measurements began
    load1: str
    others: list                # names of other workers' busy processes


PHASES = []


def phase(text, t_start):
    """Log a finished phase with the load and the other workers' busy
    processes at that moment (kept for the report)."""
    names = sorted({b.split()[1].rsplit("/", 1)[-1] for b in others_busy()})
    p = Phase(text, time.time() - t_start, loadavg().split()[0], names)
    PHASES.append(p)
    log("%s done (%.0f s, load %s%s)" % (p.text, p.secs, p.load1,
                                        ", others: " + " ".join(names) if names else ""))


def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception as e:          # noqa: BLE001 (shown, not fatal)
        return "? (%s)" % e


def tls_version(port):
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-alpn", "h2"], input="", capture_output=True,
                       text=True, errors="replace", timeout=20)
    m = re.search(r"^New, (\S+),", r.stdout, re.M)
    a = re.search(r"^ALPN protocol: (\S+)", r.stdout, re.M)
    return (m.group(1) if m else "?") + "/" + (a.group(1) if a else "?")


# ---------------------------------------------------------------------------
# statistics, tables and targets

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(x):
    if x != x:
        return "n/a"
    return "%.0f" % x if abs(x) >= 100 else "%.1f" % x


def ratio(x, ref):
    return "%.2f" % (x / ref) if x == x and ref == ref and ref else "n/a"


def physical_limit(rate_mbit, think):
    page = os.path.getsize(os.path.join(OUT, "page.html"))
    total = page + sum(os.path.getsize(os.path.join(DOCROOT, "s", n))
                       for n, _ in ASSETS)
    if rate_mbit <= 0:
        return 2 * RTT_MS + think
    bps = rate_mbit * 1e6 / 8
    return 2 * RTT_MS + max(think + page / bps * 1000, total / bps * 1000)


class Report:
    """bench/out/tables.md, rewritten at every line, and stdout."""

    def __init__(self, path):
        self.path = path
        self.lines = []

    def __call__(self, text=""):
        print(text, flush=True)
        self.lines.append(text)
        with open(self.path, "w") as f:
            f.write("\n".join(self.lines) + "\n")

    def table(self, head, rows):
        """The one table printer: a markdown table, the first column left-
        aligned, the others right-aligned, then an empty line."""
        self("| " + " | ".join(head) + " |")
        self("|" + "|".join("---" if i == 0 else "---:"
                            for i in range(len(head))) + "|")
        for r in rows:
            self("| " + " | ".join(r) + " |")
        self()


@dataclass
class Stat:
    """A measure compared between the rows of a table: the head of its
    first column and the sample field it reads. Its columns: median, min,
    max and the ratio to the first row's median ("x mod_h2push"); brief:
    median and ratio only."""
    head: str
    field: str
    brief: bool = False

    def heads(self):
        return [self.head] + ([] if self.brief else ["min", "max"]) + ["x mod_h2push"]

    def cells(self, xs, ref):
        spread = [] if self.brief else [fmt(min(xs)) if xs else "n/a",
                                        fmt(max(xs)) if xs else "n/a"]
        return [fmt(med(xs))] + spread + [ratio(med(xs), ref)]

    def limit_cells(self, limit, ref):
        return [fmt(limit)] + ([] if self.brief else ["", ""]) + [ratio(limit, ref)]


def compare_table(rep, title, first, rows, stats, extras=(), limit=None):
    """A comparison table under a heading: rows are (label, samples), the
    first row is the reference (mod_h2push); per Stat its columns, then the
    median of each extra (head, field); limit adds a "physical limit" row."""
    def values(samples, field):
        return [s[field] for s in samples]
    refs = [med(values(rows[0][1], s.field)) for s in stats]
    out = []
    for label, samples in rows:
        row = [label]
        for s, ref in zip(stats, refs):
            row += s.cells(values(samples, s.field), ref)
        out.append(row + [fmt(med(values(samples, f))) for _, f in extras])
    if limit is not None:
        row = ["physical limit"]
        for s, ref in zip(stats, refs):
            row += s.limit_cells(limit, ref)
        out.append(row + [""] * len(extras))
    rep(title)
    rep()
    rep.table([first] + [h for s in stats for h in s.heads()]
              + [h for h, _ in extras], out)


@dataclass
class Target:
    text: str
    value: str
    ok: bool


def at_most(text, x, ref, factor):
    """The target x <= factor * ref, shown as x / ref."""
    return Target(text, "%.3f" % (x / ref), x <= factor * ref)


def at_least(text, x, ref, factor):
    """The target x / ref >= factor."""
    return Target(text, "%.3f" % (x / ref), x / ref >= factor)


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


# ---------------------------------------------------------------------------
# the scenarios: each runs its measurements and prints its tables

@dataclass(frozen=True)
class Cell:
    """Where a sample of A or B was taken."""
    rate: float                 # the link's cap, Mbit/s
    think: int                  # the backend's think time, ms
    fe: str                     # FrontEnd.key


@dataclass
class Run:
    """What every scenario may need while it runs."""
    args: argparse.Namespace
    pin: str                    # the certificate's SPKI pin (Chromium)
    t_start: float              # when the measurements began


class Scenario:
    """One benchmark: run() or, behind the relay, run_link() once per
    emulated link; tables() prints its section and returns its targets.
    Samples are dicts with named fields, grouped by a named cell."""
    letter = ""                 # what --only selects it by
    per_link = False            # True: run_link() for every LINKS entry

    def __init__(self):
        self.samples = {}

    def add(self, cell, sample):
        self.samples.setdefault(cell, []).append(sample)

    def get(self, cell):
        return self.samples.get(cell, [])

    def run(self, run):
        pass

    def run_link(self, run, link):
        pass

    def tables(self, rep, run):
        return []

    def raw(self):
        return [{"cell": asdict(c), "samples": s} for c, s in self.samples.items()]


TARGET_RATE, TARGET_THINK = 20.0, 200       # the cell A's and B's targets are about
LINK_DRIVEN = ["link", "nginx", "h2o", "nopush"]


class ThroughRelay(Scenario):
    """A scenario of the front-ends behind the relay, one table per link
    and think time."""
    per_link = True

    def cells(self):
        return [(link, think) for link in LINKS for think in THINKS]

    def rows(self, link, think):
        return [(fe.label, self.get(Cell(link.rate, think, fe.key)))
                for fe in FRONTENDS]

    def medians(self, field, link, think):
        return {fe.key: med([s[field] for s in self.get(Cell(link.rate, think, fe.key))])
                for fe in FRONTENDS}

    @staticmethod
    def peer_targets(prefix, m):
        """mod_h2push against the hand-written 103 and the Link-driven peers."""
        return [at_most("%s: mod_h2push <= 1.05 x hand-written H2EarlyHint" % prefix,
                        m["h2push"], m["eh"], 1.05)] + \
            [at_most("%s: mod_h2push <= 0.8 x %s" % (prefix, FE[k].label),
                     m["h2push"], m[k], 0.8) for k in LINK_DRIVEN]


class PushClient(ThroughRelay):
    letter = "A"
    about = """Scenario A measures, per run, one fresh nghttp process: `nghttp -nasv -w 24 -W 24
--timeout=20 https://127.0.0.1:<relay port>/p/<think>` (accepts pushes, fetches the
linked CSS/JS that were not pushed (-a), 16 MB stream and connection windows). The
time is taken from nghttp's own frame log (-v, ms resolution): from "Connected" (the
TCP connection is up; nghttp sends its TLS ClientHello next, so the TLS 1.3 handshake
is included; the relay does not delay the SYN, so this is also the moment connect()
was called) to the frame carrying END_STREAM of the last of the 9 responses (page +
4 CSS + 4 JS, each checked to be a 200). "pushes" is the median number of
PUSH_PROMISE frames received. Physical limit = TLS handshake (1 RTT) + request
(1 RTT) + max(think time + the HTML's own transfer time, all 9 bodies' transfer time)
at the link rate, i.e. 2 x RTT + think + HTML / rate whenever the 8 subresources fit
into the think time (always with 200 ms think). Warm-up: before the measured
rounds of each link, every front-end got one request per page through the relay
(nghttp); for mod_h2push that request is what teaches it the page's links (it has
no per-URL configuration: learned hints only)."""

    def run_link(self, run, link):
        for think in THINKS:
            for _ in range(run.args.reps):
                for fe in FRONTENDS:
                    r = nghttp(fe.port + 100, ["/p/%d" % think])
                    if r["complete"] < 9:
                        raise RuntimeError("%s: incomplete %r" % (fe.label, r))
                    self.add(Cell(link.rate, think, fe.key), r)
            phase("A %s think %d" % (link.name, think), run.t_start)

    def tables(self, rep, run):
        rep("## A. Push client (nghttp): page + 8 subresources, ms")
        rep()
        rep(self.about)
        rep()
        targets = []
        for link, think in self.cells():
            lim = physical_limit(link.rate, think)
            compare_table(rep, "### A: RTT %.0f ms, %s, think time %d ms"
                          % (RTT_MS, link.name, think), "front-end",
                          self.rows(link, think), [Stat("median", "ms")],
                          [("pushes", "pushes")], limit=lim)
            if (link.rate, think) == (TARGET_RATE, TARGET_THINK):
                m = self.medians("ms", link, think)
                targets += self.peer_targets("A", m)
                targets.append(at_most("A: mod_h2push <= 1.1 x physical limit",
                                       m["h2push"], lim, 1.1))
        return targets


class PushDiary(ThroughRelay):
    letter = "A"
    about = """A, second visit (diary): two views of the page on one connection, `nghttp ...
/p/<think>?v=1 /p/<think>?v=2` (nghttp sends both requests at once and drops an
identical second URL, hence the query; the backend ignores it and mod_h2push learns
per path, H2PushLearnQuery off). Time from "Connected" to the last END_STREAM of the
10 responses; "pushes" counts PUSH_PROMISE frames: 8 means nothing was pushed twice,
16 means every resource was pushed twice; "KB" is the DATA received."""

    def run_link(self, run, link):
        for think in THINKS:
            for _ in range(run.args.reps_diary):
                for fe in FRONTENDS:
                    r = nghttp(fe.port + 100, ["/p/%d?v=1" % think,
                                               "/p/%d?v=2" % think])
                    if r["complete"] < 10:
                        raise RuntimeError("%s: incomplete %r" % (fe.label, r))
                    self.add(Cell(link.rate, think, fe.key), r)
        phase("A diary %s" % link.name, run.t_start)

    def tables(self, rep, run):
        rep("### A, second visit on the same connection (diary)")
        rep()
        rep(self.about)
        rep()
        for link, think in self.cells():
            compare_table(rep, "#### A diary: RTT %.0f ms, %s, think time %d ms"
                          % (RTT_MS, link.name, think), "front-end",
                          self.rows(link, think), [Stat("median", "ms")],
                          [("pushes", "pushes"), ("KB", "kb")])
        return []


class Browser(ThroughRelay):
    letter = "B"
    about = """Scenario B: headless Debian Chromium, a fresh --user-data-dir each run
(cold cache), the certificate pinned by its SPKI
(--ignore-certificate-errors-spki-list), --disable-quic, through the relay, `--dump-dom`
of /p/<think>. The page's load handler records, relative to navigation start
(performance.timeOrigin): "last subresource" = max responseEnd of the 8 CSS/JS
resource entries and "load" = the navigation entry's loadEventEnd. "EH" is the
median number of the 8 with initiatorType "early-hints" (preloaded from a 103).
Chromium never accepts pushes (SETTINGS_ENABLE_PUSH=0): only 103 Early Hints can
start the subresources before the page; every front-end still sends the backend's
Link headers in the final response. The physical limit row is the same as A's."""

    def run_link(self, run, link):
        for think in THINKS:
            reps = run.args.reps
            if (link.rate, think) == (TARGET_RATE, TARGET_THINK):
                reps = max(reps, run.args.reps_b_target)
            for _ in range(reps):
                for fe in FRONTENDS:
                    self.add(Cell(link.rate, think, fe.key),
                             chromium(fe.port + 100, "/p/%d" % think, run.pin))
            phase("B %s think %d" % (link.name, think), run.t_start)

    def tables(self, rep, run):
        rep("## B. Browser (headless Chromium), ms from navigation start")
        rep()
        rep(self.about)
        rep()
        targets = []
        for link, think in self.cells():
            compare_table(rep, "### B: RTT %.0f ms, %s, think time %d ms"
                          % (RTT_MS, link.name, think), "front-end",
                          self.rows(link, think),
                          [Stat("last subresource: median", "res_ms"),
                           Stat("load: median", "load_ms")],
                          [("EH", "eh")], limit=physical_limit(link.rate, think))
            if (link.rate, think) == (TARGET_RATE, TARGET_THINK):
                for what, field in (("last subresource", "res_ms"),
                                    ("loadEventEnd", "load_ms")):
                    targets += self.peer_targets("B %s" % what,
                                                 self.medians(field, link, think))
        return targets


@dataclass(frozen=True)
class Config:
    """An Apache configuration scenario C measures."""
    key: str
    label: str
    port: int
    root: str                   # its ServerRoot under bench/out/ (for its CPU time)


@dataclass(frozen=True)
class PageCell:
    page: str
    config: str                 # Config.key


class Throughput(Scenario):
    letter = "C"
    pages = ["/c/links.html", "/c/plain.html"]
    configs = [
        Config("h2push", "Apache + mod_h2push (front-end 1: learn + 103s)",
               FE["h2push"].port, "apache-h2push"),
        Config("h2push-defaults", "Apache + mod_h2push (its defaults: push only)",
               H2PUSH_DEFAULTS_PORT, "apache-h2push"),
        Config("native", "Apache + mod_http2 native (mod_h2push not loaded)",
               FE["link"].port, "apache-native"),
        Config("off", "Apache, mod_h2push not loaded, H2Push off",
               FE["nopush"].port, "apache-native")]

    def run(self, run):
        for cfg in self.configs:                # learn, warm caches
            for page in self.pages:
                nghttp(cfg.port, [page])
        for i in range(run.args.reps_c):
            for page in self.pages:
                for cfg in self.configs:
                    rps, cpu_us = h2load(cfg.port, page, run.args.c_secs,
                                         os.path.join(OUT, cfg.root))
                    self.add(PageCell(page, cfg.key), {"rps": rps, "cpu_us": cpu_us})
            phase("C round %d" % (i + 1), run.t_start)

    def tables(self, rep, run):
        rep("## C. Throughput (h2load), requests/s")
        rep()
        rep("`h2load -D %d -c 8 -m 10 -t 1 https://127.0.0.1:<port>"
            "<page>` straight to Apache (no relay), %d rounds, configurations "
            "interleaved; h2load and Apache share the 2 CPUs. Besides h2load's "
            "requests/s, \"CPU/req\" is the CPU time (user + system, "
            "/proc/<pid>/stat) the Apache instance's processes used during the "
            "run divided by the requests h2load completed (10 ms clock ticks; "
            "less sensitive than requests/s to other load on the machine). h2load never accepts pushes (ENABLE_PUSH=0), so this is "
            "the cost of looking at the links, not of pushing. Pages: "
            "/c/links.html (4 KB static HTML, mod_headers adds 4 preload Link "
            "lines) and /c/plain.html (the same page without Links). Both "
            "Apache instances have the same MPM and TLS settings. The mod_h2push "
            "row of front-end 1 has H2PushLearn on and H2PushEarlyHints on: "
            "h2load sends no Sec-Fetch-Mode, so mod_h2push treats every request "
            "as a navigation and sends it a 103 with the learned links (h2load "
            "counts those responses as \"3xx\")."
            % (run.args.c_secs, run.args.reps_c))
        rep()
        for page in self.pages:
            compare_table(rep, "### C: %s" % page, "configuration",
                          [(cfg.label, self.get(PageCell(page, cfg.key)))
                           for cfg in self.configs],
                          [Stat("req/s median", "rps"),
                           Stat("CPU/req (us) median", "cpu_us", brief=True)])

        def rps(page, key):
            return med([s["rps"] for s in self.get(PageCell(page, key))])
        targets = []
        for key, what in (("h2push", "front-end 1 config"),
                          ("h2push-defaults", "defaults")):
            targets.append(at_least(
                "C Link page: mod_h2push (%s) >= 0.98 x mod_http2 native" % what,
                rps("/c/links.html", key), rps("/c/links.html", "native"), 0.98))
            targets.append(at_least(
                "C plain page: mod_h2push (%s) >= 0.97 x not loaded" % what,
                rps("/c/plain.html", key), rps("/c/plain.html", "native"), 0.97))
        return targets


@dataclass
class Cost:
    """Instructions per response of one decide_cost mode."""
    per_response: float
    functions: dict             # function -> inclusive instructions per response


class DecisionCost(Scenario):
    letter = "D"
    n = 2000                    # responses per callgrind run

    def per_response(self, mode):
        base, _ = callgrind_total(["0", mode])
        tot, f = callgrind_total([str(self.n), mode])
        return (tot - base) / float(self.n), f

    def run(self, run):
        self.harness, _ = self.per_response("harness")
        self.modes = {}
        for mode in ("first", "repeat"):
            per, f = self.per_response(mode)
            self.modes[mode] = Cost(per, callgrind_functions(f, self.n))
        b = subprocess.run([os.path.join(OUT, "decide_cost"), "bytes"],
                           capture_output=True, text=True, check=True).stdout.split()
        self.diary_bytes, self.bytes_per_entry = int(b[0]), float(b[1])
        phase("D", run.t_start)

    def tables(self, rep, run):
        rep("## D. Decision cost (callgrind)")
        rep()
        rep("`bench/decide_cost` (bench/decide_cost.c, -O2 like the apxs build) runs "
            "what mod_h2push.c's output filter does with a response carrying 10 "
            "preload Link lines for a push client, on the same src/ code: "
            "h2p_lines_collect() (every Link line of headers_out and "
            "err_headers_out parsed by h2p_link_parse, candidates appended), "
            "h2p_policy_decide() with mod_h2push.c's diary lock (a mutex; "
            "H2PushMax 10), decide()'s counters and H2PUSH_* variables, and "
            "h2p_lines_emit() (each link-value through h2p_link_emit, the lines "
            "rewritten). No verify callback: H2PushVerify's lookup is an httpd "
            "subrequest and is not part of this harness (it is part of C). "
            "Instructions per response = (Ir of 2000 responses - Ir of 0 "
            "responses) / 2000, `valgrind --tool=callgrind`; the harness's own "
            "loop (a copy of the header table, tables made, the pool cleared: "
            "httpd's work, not the module's) is counted in, and shown apart. "
            "\"first\": each response on a new connection (a new diary, 10 "
            "promised); \"repeat\": all on one connection (10 found in the "
            "diary, emitted with nopush).")
        rep()
        rows, targets = [], []
        for mode, cost in self.modes.items():
            rows.append(["instructions per response, %s" % mode,
                         "%.0f" % cost.per_response, "<= 5000",
                         "met" if cost.per_response <= 5000 else "MISSED"])
            rows.append(["... of which the harness loop (table copy, pool clear)",
                         "%.0f" % self.harness, "", ""])
            targets.append(Target("D instructions per response (%s)" % mode,
                                  "%.0f" % cost.per_response,
                                  cost.per_response <= 5000))
        rows.append(["diary bytes per entry: h2p_diary_bytes(256)/256",
                     "%.2f (%d B)" % (self.bytes_per_entry, self.diary_bytes), "<= 16",
                     "met" if self.bytes_per_entry <= 16 else "MISSED"])
        targets.append(Target("D diary bytes per entry", "%.2f" % self.bytes_per_entry,
                              self.bytes_per_entry <= 16))
        rep.table(["measure", "value", "target", ""], rows)
        rep("Inclusive instructions per response, by function (callgrind_annotate):")
        rep()
        first, repeat = self.modes["first"].functions, self.modes["repeat"].functions
        rep.table(["function", "first", "repeat"],
                  [[n, "%.0f" % first.get(n, 0), "%.0f" % repeat.get(n, 0)]
                   for n in first])
        return targets

    def raw(self):
        return {"harness": self.harness,
                "modes": {m: asdict(c) for m, c in self.modes.items()},
                "diary_bytes": self.diary_bytes,
                "bytes_per_entry": self.bytes_per_entry}


# ---------------------------------------------------------------------------
# the run: set-up, header, checks, footer

def parse_args():
    ap = argparse.ArgumentParser(description="mod_h2push benchmarks")
    ap.add_argument("--reps", type=int, default=7, help="repetitions of A and B")
    ap.add_argument("--reps-b-target", type=int, default=11,
                    help="repetitions of B in the cell the targets are about "
                         "(20 Mbit/s, 200 ms think): Chromium's timings jitter")
    ap.add_argument("--reps-diary", type=int, default=5)
    ap.add_argument("--reps-c", type=int, default=5)
    ap.add_argument("--c-secs", type=int, default=3,
                    help="h2load seconds per run")
    ap.add_argument("--only", default="A,B,C,D")
    ap.add_argument("--wait-quiet", action="store_true",
                    help="first wait (30 s polls, 25 min at most) until no "
                         "fuzzer/Chromium/h2load/Apache::Test of others runs "
                         "and the load average is < 0.8")
    return ap.parse_args()


def prepare():
    """Checks, docroot, certificate, binaries; returns (cert, key, pin)."""
    def on_signal(sig, frame):
        raise SystemExit("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    os.makedirs(OUT, exist_ok=True)
    busy = [p for p in all_ports() if not port_free(p)]
    if busy:
        sys.exit("bench: ports busy (another bench running?): %s" % busy)
    if not os.path.exists(MODULE):
        sys.exit("bench: build the module first (make -f Makefile.apxs build)")
    make_docroot()
    cert, key, pin = make_cert()
    build_tools()
    return cert, key, pin


def header(rep, args, quiet):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    rep("# mod_h2push benchmark run")
    rep()
    rep("- date: %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    rep("- machine: %d CPUs (`nproc`), %s; kernel %s" % (
        os.cpu_count(), cpu, os.uname().release))
    rep("- command: `%s`" % " ".join(["bench/bench.py"] + sys.argv[1:]))
    rep("- load average at start: %s%s" % (loadavg(), "" if quiet is None else
        " (after waiting for a quiet machine: %s)" % ("quiet" if quiet else
                                                      "gave up after 25 min")))
    rep("- software: %s; %s; %s; %s; %s; %s" % (
        version(["apache2", "-v"]), version(["nginx", "-v"]),
        version(["h2o", "--version"]), version(["chromium", "--version"]),
        version(["nghttp", "--version"]), version(["valgrind", "--version"])))
    rep("- repetitions: A and B %d (B at 20 Mbit/s, 200 ms think: %d), A diary %d, "
        "C %d x %d s (interleaved: every front-end once per round, in table order)"
        % (args.reps, max(args.reps, args.reps_b_target), args.reps_diary,
           args.reps_c, args.c_secs))
    rep()


def start_servers(cert, key):
    start("backend", ["/usr/bin/python3", os.path.join(HERE, "backend.py"),
                      str(BACKEND_PORT), os.path.join(OUT, "page.html")],
          BACKEND_PORT)
    for name, cmd in server_configs(cert, key):
        start(name, cmd)
    for fe in FRONTENDS:
        wait_port(fe.port)
    wait_port(H2PUSH_DEFAULTS_PORT)


FE_TEXT = """Every front-end serves /s/*.css and /s/*.js itself from one docroot (files
dated 2010, so Last-Modified is old and browsers consider them fresh), proxies
/p/<ms> to the one backend (bench/backend.py: HTTP/1.1, keep-alive, sleeps <ms>
then sends the 32 KB page with 8 `Link: </s/N.css>; rel=preload; as=style` /
`as=script` lines), uses the same ECDSA P-256 certificate, TLS 1.2+1.3 (1.3
negotiated) and h2. Configurations (generated into bench/out/):
1. Apache + mod_h2push: `H2PushLearn on`, `H2PushEarlyHints on`, `H2EarlyHints on`,
   push on (defaults), no per-URL directive.
2. Apache + mod_http2 only (mod_h2push not loaded): "H2EarlyHint": `H2EarlyHints on` and
   8 `H2EarlyHint Link "</s/N.css>; rel=preload; as=style"` lines in `<Location /p/>`;
   "H2PushResource": 8 `H2PushResource /s/N.css` lines in `<Location /p/>`;
   "Link push": nothing (mod_http2 pushes the backend's Link headers, H2Push on).
3. nginx 1.22.1: `http2_push_preload on`, upstream keepalive.
4. h2o 2.2.5: `http2-push-preload: ON`, proxy.reverse.url.
5. Apache + mod_http2, `H2Push off` (baseline).
Both Apache instances: event MPM, 2 processes x 64 threads, no access log; nginx:
2 workers, no access log; h2o: 2 threads, no access log."""


def check_frontends(rep):
    """Every front-end serves the page and its 8 subresources."""
    rep("## Front-ends")
    rep()
    rows = []
    for fe in FRONTENDS:
        r = nghttp(fe.port, ["/p/0"])
        if r["complete"] < 9:
            raise RuntimeError("%s: %d of 9 responses" % (fe.label, r["complete"]))
        rows.append([fe.label, "127.0.0.1:%d" % fe.port, tls_version(fe.port),
                     str(r["pushes"])])
    rep.table(["front-end", "server", "TLS/ALPN", "pushes (no relay, 1st request)"],
              rows)
    rep(FE_TEXT)
    rep()


def check_links(rep):
    """The relay's RTT and rates, measured; returns netcheck's results."""
    rep("## The emulated link (bench/relay.c)")
    rep()
    rows, checks = [], []
    for link in LINKS:
        nc = netcheck(link.rate)
        checks.append(nc)
        rtt_ok = abs(nc["rtt_ms"] - RTT_MS) <= 0.1 * RTT_MS
        if link.rate > 0:
            bw_ok = all(abs(nc[k] - link.rate) <= 0.1 * link.rate
                        for k in ("down_mbit", "up_mbit"))
        else:
            bw_ok = min(nc["down_mbit"], nc["up_mbit"]) > 500
        rows.append([link.name, "%.0f" % RTT_MS, "%.2f" % nc["rtt_ms"],
                     "%g" % link.rate if link.rate else "none (> 500)",
                     "%.1f / %.1f" % (nc["down_mbit"], nc["up_mbit"]),
                     "ok" if rtt_ok and bw_ok else "FAILED"])
    rep.table(["link", "RTT set (ms)", "RTT measured (median of 30 ping-pongs)",
               "cap set (Mbit/s)", "measured down / up (Mbit/s)", "within ±10%"],
              rows)
    return checks


def warm_up():
    """One request per front-end and page through the relay (this is what
    gives mod_h2push its learned entry)."""
    for think in THINKS:
        for fe in FRONTENDS:
            nghttp(fe.port + 100, ["/p/%d" % think])


def footer(rep, t_start, t_wait, waited):
    rep("- load average at end: %s; wall time %.0f s (after %.0f s of set-up%s)"
        % (loadavg(), time.time() - t_start, t_wait,
           " and waiting for a quiet machine" if waited else ""))
    rep("- load and other workers' processes during the run (after each phase):")
    for p in PHASES:
        rep("  - %s: %.0f s, load %s%s" % (p.text, p.secs, p.load1,
                                          ", running: " + " ".join(p.others)
                                          if p.others else ""))


# ---------------------------------------------------------------------------

SCENARIOS = [PushClient, PushDiary, Browser, Throughput, DecisionCost]


def main():
    args = parse_args()
    only = set(args.only.upper().split(","))
    chosen = [s() for s in SCENARIOS if s.letter in only]
    t_start = time.time()
    cert, key, pin = prepare()
    quiet = wait_quiet() if args.wait_quiet else None
    t_wait, t_start = time.time() - t_start, time.time()
    run = Run(args, pin, t_start)
    rep = Report(os.path.join(OUT, "tables.md"))
    header(rep, args, quiet)
    try:
        start_servers(cert, key)
        check_frontends(rep)
        netchecks = check_links(rep)
        relayed = [s for s in chosen if s.per_link]
        for link in LINKS if relayed else []:
            with Relay(link.rate):
                warm_up()
                for s in relayed:
                    s.run_link(run, link)
        for s in chosen:
            s.run(run)
    finally:
        stop_all()

    targets = [t for s in chosen for t in s.tables(rep, run)]
    rep("## Targets")
    rep()
    rep.table(["target", "value", ""], [[t.text, t.value, verdict(t.ok)] for t in targets])
    footer(rep, t_start, t_wait, args.wait_quiet)
    raw = {"args": vars(args), "netcheck": netchecks,
           "results": {type(s).__name__: s.raw() for s in chosen}}
    with open(os.path.join(OUT, "raw.json"), "w") as f:
        json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
