#!/usr/bin/python3
"""Cost per request, counted: instructions of the whole Apache process under
callgrind, with mod_h2push loaded against mod_http2 alone, on the same pages
in the same run.

    bench/cost.py [--so PATH] [--short N] [--long N] [--rps SECONDS]

Each case runs `apache2 -X` (one process, mpm_event) under
`valgrind --tool=callgrind` twice, for --short (default 300) and --long
(default 1300) requests of one h2load client (`-c 1 -m 1`, h2c with prior
knowledge, no push: like every browser). Start-up, warm-up and shutdown are
the same in both runs, so (total(long) - total(short)) / (long - short) is
the cost of one request alone. A case's module figure is compared with the
same page on the same Apache without the module (LoadModule removed), and
printed as a ratio; the goals are those of issue 12:

    plain page                          <= +1%   (defaults)
    page with 4 preload Link headers    <= +3%   (defaults)
    navigation to a page with 4 learned
    hints (H2PushLearn + Early Hints)   <= +8%

Instruction counts do not depend on the machine's load, so one run is
enough (two runs agree within 0.5%). With --rps S, h2load also measures
requests/s for S seconds per case without valgrind, five times, and prints
the median and spread: a secondary figure, noisy on shared cores.
"""
import argparse
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

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODDIR = "/usr/lib/apache2/modules"
MODS = ["mpm_event", "authz_core", "mime", "dir", "headers",
        "socache_shmcb", "http2"]
LINKS = ", ".join("</a/%d.%s>; rel=preload; as=%s" % (
    i, "css" if i % 2 else "js", "style" if i % 2 else "script")
    for i in range(1, 5))

EARLY = "".join('H2EarlyHint Link "</a/%d.%s>; rel=preload"\n'
                % (i, "css" if i % 2 else "js") for i in range(1, 5))
LEARN = "H2PushLearn on\nH2PushEarlyHints on\n"

# name, page, what the module's configuration adds, what the one without
# the module adds, goal (ratio - 1, in %; None: a figure, not a goal)
CASES = [
    ("plain page", "/plain.html", "", "", 1.0),
    ("4 preload Link headers", "/links.html", "", "", 3.0),
    ("navigation, 4 learned hints", "/learn/page.html", LEARN, "", 8.0),
    # what one 103 costs: the same links sent by mod_http2's own
    # H2EarlyHint, without the module, in the configuration compared with
    ("  the same, against a 103 of mod_http2's H2EarlyHint", "/learn/page.html",
     LEARN, "<Location /learn/page.html>\n" + EARLY + "</Location>\n", None),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("apache2 exited before listening")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("apache2 does not listen on %d" % port)


def make_site(root):
    docs = os.path.join(root, "htdocs")
    os.makedirs(os.path.join(docs, "a"))
    os.makedirs(os.path.join(docs, "learn"))
    body = "<!doctype html><title>p</title>" + "<p>text</p>" * 150 + "\n"
    for p in ("plain.html", "links.html", "learn/page.html"):
        with open(os.path.join(docs, p), "w") as f:
            f.write(body)
    for i in range(1, 5):
        with open(os.path.join(docs, "a", "%d.%s" % (
                i, "css" if i % 2 else "js")), "w") as f:
            f.write("/* %d */\n" % i)
    subprocess.run(["chmod", "-R", "a+rX", root], check=True)
    return docs


def conf(root, docs, port, so, extra, base_extra=""):
    loads = "".join("LoadModule %s_module %s/mod_%s.so\n" % (m, MODDIR, m)
                    for m in MODS)
    if so:
        loads += "LoadModule h2push_module %s\n" % so
    text = f"""ServerRoot "{root}"
PidFile "{root}/httpd.pid"
ErrorLog "{root}/error_log"
LogLevel warn
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
User nobody
Group nogroup
{loads}
TypesConfig /etc/mime.types
DocumentRoot "{docs}"
<Directory "{docs}">
    Require all granted
</Directory>
Protocols h2c http/1.1
H2Direct on
H2EarlyHints on
KeepAliveTimeout 30
<Location /links.html>
    Header add Link "{LINKS}"
</Location>
<Location /learn/page.html>
    Header add Link "{LINKS}"
</Location>
{extra if so else base_extra}
"""
    path = os.path.join(root, "httpd.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def h2load(port, page, n=None, secs=None):
    cmd = ["h2load", "-c", "1", "-m", "1"]
    cmd += ["-n", str(n)] if n else ["-D", str(secs)]
    cmd.append("http://127.0.0.1:%d%s" % (port, page))
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=600).stdout
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, "
                     r"(\d+) succeeded", out)
    if not done or done.group(1) != done.group(2):
        raise RuntimeError("h2load failed:\n" + out)
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    return float(rps.group(1)) if rps else 0.0


def run_apache(root, cfg, port, wrap):
    proc = subprocess.Popen(wrap + ["/usr/sbin/apache2", "-X", "-f", cfg],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(root, "stderr"), "a"),
                            env=dict(os.environ, APACHE_RUN_DIR=root,
                                     APACHE_LOCK_DIR=root,
                                     APACHE_LOG_DIR=root))
    wait_port(port, proc)
    return proc


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def instructions(root, cfg, port, page, n):
    out = os.path.join(root, "callgrind.out")
    # written at exit, by then as the user httpd switched to
    with open(out, "w"):
        pass
    shutil.chown(out, "nobody", "nogroup")
    proc = run_apache(root, cfg, port,
                      ["valgrind", "--tool=callgrind", "--trace-children=no",
                       "--callgrind-out-file=" + out])
    try:
        h2load(port, page, n=n)
    finally:
        stop(proc)
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + out)


def per_request(root, cfg, port, page, short, long_):
    a = instructions(root, cfg, port, page, short)
    b = instructions(root, cfg, port, page, long_)
    return (b - a) / (long_ - short)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--so", default=os.path.join(TOP, ".libs",
                                                 "mod_h2push.so"))
    ap.add_argument("--short", type=int, default=300)
    ap.add_argument("--long", type=int, default=1300)
    ap.add_argument("--rps", type=float, default=0)
    args = ap.parse_args()
    for tool in ("valgrind", "h2load"):
        if not shutil.which(tool):
            sys.exit("%s not found (sh bench/deps.sh)" % tool)
    root = tempfile.mkdtemp(prefix="h2push-cost-")
    os.chmod(root, 0o755)
    docs = make_site(root)
    port = free_port()
    rows, ok = [], True
    try:
        for name, page, extra, base_extra, goal in CASES:
            res = {}
            for label, so in (("without", None), ("with", args.so)):
                cfg = conf(root, docs, port, so, extra, base_extra)
                res[label] = per_request(root, cfg, port, page, args.short,
                                         args.long)
                if args.rps:
                    proc = run_apache(root, cfg, port, [])
                    try:
                        h2load(port, page, n=200)
                        rates = [h2load(port, page, secs=args.rps)
                                 for _ in range(5)]
                    finally:
                        stop(proc)
                    res[label + "_rps"] = rates
            delta = 100.0 * (res["with"] / res["without"] - 1)
            met = goal is None or delta <= goal
            ok = ok and met
            if goal is not None:
                rows.append((name, res, delta, goal, met))
            print("%-30s mod_http2 alone %8.0f  with mod_h2push %8.0f "
                  "instructions/request: %+5.1f%% %s"
                  % (name, res["without"], res["with"], delta,
                     "(a figure, no goal)" if goal is None else
                     "(goal <= +%.0f%%) %s" % (goal, "met" if met
                                               else "MISSED")), flush=True)
            if args.rps:
                for label in ("without", "with"):
                    r = res[label + "_rps"]
                    print("%30s %-8s h2load req/s median %.0f (%.0f-%.0f)"
                          % ("", label, statistics.median(r), min(r),
                             max(r)))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("cost: %d of %d goals met" % (sum(r[4] for r in rows), len(rows)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
