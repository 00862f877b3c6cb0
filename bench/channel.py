#!/usr/bin/python3
"""Push channels (issue #13): 1,000 concurrent subscribers, fan-out latency,
memory and threads, Apache + mod_h2push against nginx + nchan
(`make -f Makefile.apxs channel-bench`; method and results in
bench/RESULTS.md, "Push channels").

    bench/channel.py [--subscribers N] [--events E] [--interval MS]
                     [--module PATH] [--only nchan,h2push,h2push-sse]
                     [--stub] [--reps N] [--procs K] [--wait-quiet]

Each server in turn (never both at once): started, its processes' RSS,
PSS and threads read, bench/channel_client.js run against it (N
subscribers: for mod_h2push half push (h2c, one per connection) and half
SSE (HTTP/1.1), then (h2push-sse) all SSE like nchan's; for nchan all SSE:
it cannot push); once all are
subscribed the servers' memory and threads are read again, then E events
are published one after the other (the next --interval ms after the
previous one or once everyone has it, whichever is later), the server's
CPU time over them read, the subscribers closed, the server stopped.
Prints a table with the ratios to nchan and the goals' verdicts; writes
bench/out/channel.md and bench/out/channel.json.

--module: the mod_h2push.so to measure (default: $H2PUSH_MODULE, else
.libs/mod_h2push.so of this tree). --stub: bench/channel_stub.js (a Node
test double of the contract) in place of Apache, for developing the
client; its numbers are marked and are never results.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: start/stop, ports, Report, waiting)
from bench import OUT, HERE, TOP, MODS, log, write, port_free  # noqa: E402

APACHE_PORT = 28300
NCHAN_PORT = 28301
STUB_PORT = 28302             # and 28303 (its HTTP/1.1 side)
NCHAN_SO = "/usr/lib/nginx/modules/ngx_nchan_module.so"
CLIENT = os.path.join(HERE, "channel_client.js")

# What held 1,000 subscribers (500 push + 500 SSE): every held HTTP/1.1
# SSE stream holds an event-MPM worker; every push subscriber's h2
# connection holds one worker for its connection (h2 c1) and one
# mod_http2 worker for its held stream; each event's pushes need more h2
# workers for the moments they run. 2 children x 800 threads, h2 workers
# up to 700 per child, small stacks.
APACHE_MPM = """ServerLimit 2
StartServers 2
ThreadLimit 800
ThreadsPerChild 800
MaxRequestWorkers 1600
MinSpareThreads 100
MaxSpareThreads 1600
ThreadStackSize 524288
MaxConnectionsPerChild 0
AsyncRequestWorkerFactor 2
H2MinWorkers 8
H2MaxWorkers 700
H2MaxWorkerIdleSeconds 600
H2MaxSessionStreams 100
Timeout 600
KeepAliveTimeout 30
"""

APACHE_CONF = bench.apache_head(
    "mpm_event", "authz_core", "http2") + """LoadModule h2push_module {module}
{user}
{mpm}
Listen 127.0.0.1:{port}
Protocols h2c http/1.1
H2Direct on
H2Push on
H2EarlyHints on
DocumentRoot {root}
# as Debian's apache2.conf: no .htaccess looked for (each publish and each
# pushed event request would otherwise try one in every directory)
<Directory />
    AllowOverride None
</Directory>
{chan}<Location "/updates">
    SetHandler h2push-channel
{maxpushes}</Location>
<Location "/updates/publish">
    SetHandler h2push-publish
</Location>
"""

NCHAN_CONF = """load_module {so};
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile 20000;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    nchan_max_reserved_memory 64M;
    server {{
        listen 127.0.0.1:{port};
        location = /pub {{
            nchan_publisher;
            nchan_channel_id $arg_id;
            nchan_message_buffer_length 16;
            nchan_message_timeout 60s;
        }}
        location = /sub {{
            nchan_subscriber eventsource;
            nchan_channel_id $arg_id;
            nchan_subscriber_first_message newest;
        }}
    }}
}}
"""


def user_line(kind):
    if os.getuid() != 0:
        return ""
    return "User nobody\nGroup nogroup" if kind == "apache" else "user nobody nogroup;"


def apache_server(module, subscribers):
    # the module's own cap on held subscribers (default 1000): above the run's
    with open(module, "rb") as f:
        has_cap = b"H2PushChannelMaxSubscribers" in f.read()
    chan = "H2PushChannelMaxSubscribers %d\n" % max(2000, 2 * subscribers) \
        if has_cap else ""
    # every event of the run on one held stream (the default, 256, would
    # end push subscribers midway: they would have to reconnect)
    with open(module, "rb") as f:
        maxpushes = "    H2PushChannelMaxPushes 100000\n" \
            if b"H2PushChannelMaxPushes" in f.read() else ""
    root = os.path.join(OUT, "channel-apache")
    os.makedirs(root, exist_ok=True)
    for f in ("httpd.pid", "error_log"):       # the log: this run's only
        if os.path.exists(os.path.join(root, f)):
            os.unlink(os.path.join(root, f))
    conf = os.path.join(root, "httpd.conf")
    write(conf, APACHE_CONF.format(root=root, mods=MODS, module=module,
                                   maxpushes=maxpushes,
                                   user=user_line("apache"), mpm=APACHE_MPM,
                                   port=APACHE_PORT, chan=chan))
    bench.sh(["chmod", "-R", "a+rX", root])
    return ["apache2", "-d", root, "-f", conf, "-DFOREGROUND"]


def nchan_server():
    root = os.path.join(OUT, "channel-nchan")
    os.makedirs(root, exist_ok=True)
    conf = os.path.join(root, "nginx.conf")
    write(conf, NCHAN_CONF.format(so=NCHAN_SO, root=root, port=NCHAN_PORT,
                                  user=user_line("nginx")))
    return ["nginx", "-p", root, "-c", conf]


# ---------------------------------------------------------------------------
# the servers' processes: RSS, PSS, threads, CPU

def tree(pid):
    """pid and its descendants."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def kb_field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample(pid):
    """Sum over the server's processes: RSS and PSS (KB), threads, CPU s."""
    s = {"procs": 0, "rss_kb": 0, "pss_kb": 0, "threads": 0, "cpu_s": 0.0}
    tck = os.sysconf("SC_CLK_TCK")
    for p in tree(pid):
        try:
            s["threads"] += len(os.listdir("/proc/%d/task" % p))
            with open("/proc/%d/stat" % p) as f:
                st = f.read().rsplit(")", 1)[1].split()
            s["cpu_s"] += (int(st[11]) + int(st[12])) / tck
        except OSError:
            continue
        s["procs"] += 1
        s["rss_kb"] += kb_field("/proc/%d/status" % p, "VmRSS")
        s["pss_kb"] += kb_field("/proc/%d/smaps_rollup" % p, "Pss")
    return s


# ---------------------------------------------------------------------------
# one server's run

def run_client(name, server_pid, mode, port, push, sse, args, h1_port=None):
    cmd = ["node", CLIENT, "--mode", mode, "--port", str(port),
           "--push", str(push), "--sse", str(sse), "--events", str(args.events),
           "--interval", str(args.interval), "--timeout", str(args.timeout),
           "--procs", str(args.procs), "--payload", str(args.payload), "--hold"]
    if h1_port:
        cmd += ["--h1-port", str(h1_port)]
    log("%s: %s" % (name, " ".join(cmd[1:])))
    before = sample(server_pid)
    c = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=open(os.path.join(OUT, "channel-%s-client.err" % name), "w"),
                         text=True, bufsize=1)
    res = {"before": before}
    try:
        for phase in ("subscribed", "events"):
            line = c.stdout.readline()
            if not line:
                raise RuntimeError("%s: the client ended before '%s' (see "
                                   "bench/out/channel-%s-client.err)" % (name, phase, name))
            got = json.loads(line)
            if got.get("phase") != phase:
                raise RuntimeError("%s: expected %s, got %s" % (name, phase, line))
            time.sleep(1.0)          # let the server settle
            res[phase] = sample(server_pid)
            res["client_" + phase] = sample(c.pid)
            log("%s: %s: %s" % (name, phase, res[phase]))
            c.stdin.write("\n")
            c.stdin.flush()
        res["client"] = json.loads(c.stdout.readline())
    finally:
        try:
            c.wait(60)
        except subprocess.TimeoutExpired:
            c.kill()
            c.wait()
    return res


def measure(name, label, cmd, port, mode, push, sse, args, h1_port=None):
    p = bench.start("channel-" + name, cmd, port)
    time.sleep(1.5)                  # children and their threads started
    try:
        res = run_client(name, p.pid, mode, port, push, sse, args, h1_port)
    finally:
        bench.stop_all()
    res.update(name=name, label=label, push=push, sse=sse)
    # the server's complaints (nginx: error.log; Apache: error_log), above notice
    log_file = os.path.join(OUT, "channel-apache", "error_log") if name != "nchan" \
        else os.path.join(OUT, "channel-nchan", "error.log")
    try:
        with open(log_file, errors="replace") as f:
            res["log_errors"] = [l.strip() for l in f
                                 if not re.search(r":notice\]|\[notice\]", l)][:50]
    except OSError:
        res["log_errors"] = []
    if os.path.exists(log_file) and name != "nchan":
        os.rename(log_file, os.path.join(OUT, "channel-%s-error_log" % name))
    return res


# ---------------------------------------------------------------------------
# the report

def derived(r):
    n = r["push"] + r["sse"]
    b, w, e = r["before"], r["subscribed"], r["events"]
    c = r["client"]
    return {
        "rss_kb_per_sub": (w["rss_kb"] - b["rss_kb"]) / n,
        "pss_kb_per_sub": (w["pss_kb"] - b["pss_kb"]) / n,
        "threads_per_sub": (w["threads"] - b["threads"]) / n,
        "threads_with": w["threads"], "threads_before": b["threads"],
        "procs": w["procs"],
        "rss_mb_with": w["rss_kb"] / 1024, "rss_mb_before": b["rss_kb"] / 1024,
        "cpu_ms_per_event": (e["cpu_s"] - w["cpu_s"]) * 1000 / max(1, c["events"]),
        "client_cpu_ms_per_event": (r["client_events"]["cpu_s"] - r["client_subscribed"]["cpu_s"])
        * 1000 / max(1, c["events"]),
        "threads_with_per_sub": w["threads"] / n,
    }


def f1(x):
    return bench.fmt(x) if x is not None else "n/a"


def med_of(runs, get):
    xs = [get(r) for r in runs]
    xs = [x for x in xs if x is not None]
    return bench.med(xs) if xs else None


def report(rep, args, results):
    rep("# Push channels: %d subscribers, %d events, %d repetition(s)"
        % (args.subscribers, args.events, args.reps))
    rep()
    rep("- date: %s; load average at end %s; %d CPUs" % (
        time.strftime("%Y-%m-%d %H:%M:%S %Z"), bench.loadavg(), os.cpu_count()))
    rep("- command: `%s`" % " ".join(["bench/channel.py"] + sys.argv[1:]))
    rep("- software: %s; %s; nchan %s; node %s" % (
        bench.version(["apache2", "-v"]), bench.version(["nginx", "-v"]),
        bench.version(["dpkg-query", "-W", "-f=${Version}", "libnginx-mod-nchan"]),
        bench.version(["node", "--version"])))
    if args.stub:
        rep("- **`--stub`: the Apache row is bench/channel_stub.js, a Node test "
            "double of the contract, not mod_h2push: not a result**")
    else:
        rep("- module: `%s`" % args.module)
    rep()
    names = []
    for r in results:
        if r["name"] not in names:
            names.append(r["name"])
    by = {n: [r for r in results if r["name"] == n] for n in names}
    ref = med_of(by.get("nchan", []), lambda r: r["client"]["latency_ms"]["p99"])
    rows = []
    for n in names:
        runs = by[n]
        r0 = runs[0]
        lat = lambda k, f: med_of(runs, lambda r: r["client"][k][f])  # noqa: E731
        dv = lambda f: med_of(runs, lambda r: derived(r)[f])  # noqa: E731
        p99 = lat("latency_ms", "p99")
        rows.append([r0["label"], "%d + %d" % (r0["push"], r0["sse"]),
                     f1(lat("latency_ms", "p50")), f1(p99),
                     " ".join(f1(r["client"]["latency_ms"]["p99"]) for r in runs),
                     f1(lat("latency_ms", "max")),
                     str(sum(r["client"]["missing"] for r in runs)),
                     str(sum(r["client"]["event_timeouts"] for r in runs)),
                     bench.ratio(p99, ref) if ref else "n/a",
                     "%.1f / %.1f" % (dv("rss_kb_per_sub"), dv("pss_kb_per_sub")),
                     "%d → %d" % (dv("threads_before"), dv("threads_with")),
                     "%.2f / %.2f" % (dv("threads_per_sub"), dv("threads_with_per_sub")),
                     "%.1f / %.1f" % (dv("cpu_ms_per_event"), dv("client_cpu_ms_per_event"))])
        for kind in ("push", "sse"):
            if r0["push"] and r0["sse"]:
                k99 = lat(kind, "p99")
                rows.append(["  … its %s subscribers" % ("push" if kind == "push" else "SSE"),
                             str(r0[kind]), f1(lat(kind, "p50")), f1(k99),
                             " ".join(f1(r["client"][kind]["p99"]) for r in runs),
                             f1(lat(kind, "max")), "", "",
                             bench.ratio(k99, ref) if ref else "n/a", "", "", "", ""])
    rep("## Publish-to-delivery latency (ms), memory and threads")
    rep()
    rep.table(["server", "subscribers (push + SSE)", "p50", "p99", "p99 each run",
               "max", "missing", "events not all delivered in --timeout",
               "p99 x nchan", "RSS / PSS KB per subscriber",
               "threads before → with", "threads per subscriber (added / all)",
               "CPU ms per event (server / client)"], rows)
    rep("Latency: from just before the publish POST is written to the moment the "
        "subscriber has the event (push: the pushed stream's body ended; SSE: its "
        "`data:` line parsed), over every (subscriber, event); with several runs "
        "the median of the runs' figures. Memory and threads: sums over the "
        "server's processes with every subscriber connected minus before any, "
        "divided by the subscribers (\"all\": every thread the server has then, "
        "divided by the subscribers). Events: %d bytes of payload, one at a "
        "time (the next %g ms after the previous or once all have it, whichever "
        "is later; an event not delivered to all within --timeout %g s is "
        "counted and the next one published). CPU: user + system of the server's processes and of the "
        "client's (its subscriber processes and the publisher) over the events. "
        "Details: bench/out/channel.json." % (args.payload, args.interval, args.timeout))
    rep()
    targets = []
    h2 = next((n for n in names if n in ("h2push", "stub")), None)
    if h2:
        p99 = med_of(by[h2], lambda r: r["client"]["latency_ms"]["p99"])
        targets.append(["p99 ≤ 50 ms (mod_h2push, all subscribers)", f1(p99),
                        bench.verdict(p99 is not None and p99 <= 50)])
        if ref:
            targets.append(["p99 ≤ 1.5x nchan's p99", bench.ratio(p99, ref),
                            bench.verdict(p99 is not None and p99 <= 1.5 * ref)])
    for n in names:
        miss = sum(r["client"]["missing"] for r in by[n])
        targets.append(["%s: no delivery missing" % by[n][0]["label"], str(miss),
                        bench.verdict(miss == 0)])
    for n in names:
        errs = [e for r in by[n] for e in r.get("log_errors", [])]
        if errs:
            rep("%s: %d lines above notice in its error log, e.g. `%s`"
                % (by[n][0]["label"], len(errs), errs[0][:200]))
            rep()
    rep("## Goals")
    rep()
    rep.table(["goal", "value", ""], targets)


# ---------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description="push channels: fan-out benchmark")
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--push-share", type=float, default=0.5,
                    help="share of mod_h2push's subscribers that are push (h2c)")
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=20,
                    help="ms at least between two events' publishes")
    ap.add_argument("--timeout", type=float, default=5,
                    help="s to wait for an event's deliveries before the next")
    ap.add_argument("--payload", type=int, default=64, help="event payload bytes")
    ap.add_argument("--procs", type=int, default=1,
                    help="client processes holding the subscribers")
    ap.add_argument("--module", default=os.environ.get("H2PUSH_MODULE") or
                    os.path.join(TOP, ".libs", "mod_h2push.so"))
    ap.add_argument("--only", default="nchan,h2push,h2push-sse",
                    help="h2push: the mix (push + SSE); h2push-sse: Apache "
                         "with every subscriber SSE, like nchan's")
    ap.add_argument("--reps", type=int, default=1,
                    help="runs per server, alternating (nchan first, then "
                         "the other first, ...)")
    ap.add_argument("--stub", action="store_true",
                    help="bench/channel_stub.js instead of Apache (client development)")
    ap.add_argument("--wait-quiet", action="store_true",
                    help="first wait until no fuzzer, Chromium, h2load or "
                         "Apache::Test run of others runs and the load "
                         "average is < 0.8 (bench.py's test), --quiet-max s at most")
    ap.add_argument("--quiet-max", type=int, default=1500)
    return ap.parse_args()


def main():
    args = parse_args()
    args.module = os.path.abspath(args.module)
    only = args.only.split(",")
    os.makedirs(OUT, exist_ok=True)
    busy = [p for p in (APACHE_PORT, NCHAN_PORT, STUB_PORT, STUB_PORT + 1)
            if not port_free(p)]
    if busy:
        sys.exit("channel: ports busy (another run?): %s" % busy)
    if not args.stub and not os.path.exists(args.module) and \
            ("h2push" in only or "h2push-sse" in only):
        sys.exit("channel: no module at %s (make -f Makefile.apxs build)" % args.module)
    if not args.stub and ("h2push" in only or "h2push-sse" in only):
        with open(args.module, "rb") as f:
            if b"h2push-channel" not in f.read():
                sys.exit("channel: %s has no h2push-channel handler (push channels, "
                         "issue #13): H2PUSH_MODULE=<a build that has it>, or "
                         "--only nchan" % args.module)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.wait_quiet:
        bench.wait_quiet(max_s=args.quiet_max)
    # the servers run as nobody: the directories must be reachable
    p = OUT
    while p != "/":
        os.chmod(p, os.stat(p).st_mode | 0o055)
        p = os.path.dirname(p)
    n = args.subscribers
    push = int(round(n * args.push_share))
    order = [x for x in ("nchan", "h2push", "h2push-sse") if x in only]
    results = []
    try:
        for rep_i in range(args.reps):
            for which in (order if rep_i % 2 == 0 else order[::-1]):
                n_before = len(results)
                if which == "nchan":
                    results.append(measure("nchan", "nginx + nchan (SSE)", nchan_server(),
                                           NCHAN_PORT, "nchan", 0, n, args))
                elif which == "h2push-sse":
                    if args.stub:
                        continue
                    results.append(measure("h2push-sse", "Apache + mod_h2push (all SSE)",
                                           apache_server(args.module, n), APACHE_PORT,
                                           "h2push", 0, n, args))
                elif args.stub:
                    results.append(measure(
                        "stub", "TEST DOUBLE (channel_stub.js), not mod_h2push",
                        ["node", os.path.join(HERE, "channel_stub.js"), str(STUB_PORT)],
                        STUB_PORT, "h2push", push, n - push, args, h1_port=STUB_PORT + 1))
                else:
                    results.append(measure("h2push", "Apache + mod_h2push (push + SSE)",
                                           apache_server(args.module, n), APACHE_PORT,
                                           "h2push", push, n - push, args))
                if len(results) > n_before:
                    results[-1]["rep"] = rep_i
                    results[-1]["load1_after"] = bench.loadavg()
    finally:
        bench.stop_all()
    rep = bench.Report(os.path.join(OUT, "channel.md"))
    report(rep, args, results)
    with open(os.path.join(OUT, "channel.json"), "w") as f:
        json.dump({"args": vars(args), "apache_mpm": APACHE_MPM,
                   "results": [dict(r, derived=derived(r)) for r in results]}, f, indent=1)


if __name__ == "__main__":
    main()
