#!/usr/bin/python3
"""Where scenario C's time goes: Apache under callgrind, instructions per
request, per configuration and page (a diagnostic, not part of `make bench`:
it takes a few minutes and is independent of the machine's load).

    bench/profile_c.py [N]        (N requests per batch, default 1000)

Uses the configurations bench/bench.py writes (run that first, or this
script writes them itself). Each Apache instance runs alone, one process
(-X), under `valgrind --tool=callgrind`; after 100 warm-up requests per
(virtual host, page) a fresh Apache under callgrind gets 100 warm-up
requests and then N more (h2load -c 1 -m 10), and is stopped. Printed per
run: the process's instructions per request (start-up and shutdown
included, so only roughly), and the inclusive instructions per request of
ap_process_request (everything a request does on its stream's thread:
hooks, handler, filters) and of mod_h2push's functions.
"""
import glob
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402

FUNCS = ["ap_process_request", "h2p_fixups", "verify_path",
         "ap_sub_req_method_uri", "ap_send_interim_response", "learned_get",
         "h2p_out_filter", "h2p_link_parse", "h2p_uri_resolve",
         "h2p_link_format", "learn_key"]


def inclusive(path):
    """PROGRAM TOTALS and the inclusive cost of each function (the largest
    of the entries callgrind_annotate prints for it: with and without a
    file name)."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes",
                        "--threshold=100", path],
                       capture_output=True, text=True)
    total, got = None, {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([0-9,]+) .*PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
        m = re.match(r"\s*([0-9,]+) \([ 0-9.]+%\)\s+\S*:(\w+)( |$)", line)
        if m:
            v = int(m.group(1).replace(",", ""))
            got[m.group(2)] = max(v, got.get(m.group(2), 0))
    return total, got


def run_batch(name, port, page, label, n):
    """One Apache (-X) under callgrind: 100 warm-up + n requests, stop."""
    root = os.path.join(b.OUT, name)
    conf = os.path.join(root, "httpd.conf")
    prefix = os.path.join(b.OUT, "prof-%s-%d-%s" % (name, port, page.strip("/").replace("/", "_")))
    for f in glob.glob(prefix + ".*") + [os.path.join(root, "httpd.pid")]:
        if os.path.exists(f):
            os.unlink(f)
    vg = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s.out" % prefix,
         "apache2", "-X", "-d", root, "-f", conf],
        stdout=subprocess.DEVNULL, stderr=open(prefix + ".log", "w"))
    try:
        b.wait_port(port, 120)
        if os.getuid() == 0:
            # valgrind created its output file as root; Apache writes it at
            # exit as nobody
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(prefix + ".out", nobody.pw_uid, nobody.pw_gid)
        for k in (100, n):
            r = subprocess.run(["h2load", "-n", str(k), "-c", "1", "-m", "10",
                                "https://127.0.0.1:%d%s" % (port, page)],
                               capture_output=True, text=True, check=True)
            if " %d succeeded" % k not in r.stdout:
                raise RuntimeError(r.stdout)
    finally:
        vg.terminate()
        vg.wait(300)
    return (label, page, prefix + ".out")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    os.makedirs(b.OUT, exist_ok=True)
    b.make_docroot()
    cert, key, _ = b.make_cert()
    b.server_configs(cert, key)
    pages = ["/c/links.html", "/c/plain.html"]
    res = []
    for p in pages:
        res.append(run_batch("apache-h2push", b.FE["h2push"].port, p,
                             "mod_h2push, front-end 1 (learn + 103s)", n))
        res.append(run_batch("apache-h2push", b.H2PUSH_DEFAULTS_PORT, p,
                             "mod_h2push, its defaults", n))
        res.append(run_batch("apache-native", b.FE["link"].port, p,
                             "mod_http2 native, mod_h2push not loaded", n))
        res.append(run_batch("apache-native", b.FE["nopush"].port, p,
                             "not loaded, H2Push off", n))
    n += 100
    print("instructions per request (callgrind, %d requests per run incl. "
          "100 warm-up, h2load -c 1 -m 10, TLS; one Apache -X per run)" % n)
    print()
    print("| configuration | page | process total | " +
          " | ".join(FUNCS) + " |")
    print("|---|---|" + "---:|" * (len(FUNCS) + 1))
    for label, page, path in res:
        total, got = inclusive(path)
        print("| %s | %s | %.0f | %s |" % (
            label, page, (total or 0) / n,
            " | ".join("%.0f" % (got[f] / n) if f in got else "-" for f in FUNCS)))


if __name__ == "__main__":
    main()
