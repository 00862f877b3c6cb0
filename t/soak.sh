#!/bin/sh
# Soak test: a dedicated apache2 (h2c, mpm_event, mod_http2, mod_h2push)
# under h2load while a push-accepting client (nghttp) runs alongside.
#   make -f Makefile.apxs soak        (about 1-2 minutes)
#
# Pages (all over cleartext h2, prior knowledge):
#   /static.html     the static list (H2PushResource, 3 entries)
#   /links.html      Link headers from mod_headers
#   /page.asis       Link headers from a mod_asis file
#   /proxied/p.asis  a proxied backend (a second apache2, HTTP/1.1) whose
#                    response carries Link headers
#   /html.html       <link rel=preload> in the HTML head (H2PushFromHTML)
#   /cgi-bin/p.cgi   a CGI with a Link header (nghttp only: a fork each)
# with H2PushLearn on (shmcb) and H2PushEarlyHints on + H2EarlyHints on,
# so every page's links are learned and replayed: h2load (which refuses
# pushes) gets 103 Early Hints, nghttp gets PUSH_PROMISEs.
#
# h2load runs three times over the h2load pages, -c 100 -m 10, for
# SOAK_REQUESTS (default 200000) in all: the first SOAK_WARMUP (default
# 20000), then SOAK_SETTLE (default 40000), then the rest (140000). The
# front end's RSS (parent + children, /proc/PID/status VmRSS) is taken
# after each.  Fixed processes (StartServers = ServerLimit = 1, threads
# and mod_http2 workers fixed, MaxConnectionsPerChild 0), so the figures
# are comparable.  The proxied page's backend is a second, separate
# apache2 (t/soak-run/backend.conf, its own pid file and port, started
# and stopped here): its processes are not counted.
#
# Fails (exit 1) when: h2load reports a failed, errored or timed-out
# request, or a final status other than 2xx (logs/status_log: h2load
# counts a 103 as the status); either error log (front end, backend) has
# a crash (AH00052, "exit signal", "Segmentation", "dumped core"), a
# [core:...] line other than the start-up "Command line" notice, or any
# line at level error or worse; the RSS at the end is more than
# SOAK_RSS_PCT (default 5) percent above the RSS after the first 20000
# requests; nghttp got no PUSH_PROMISE or failed a run; the status page
# shows no 103 sent or nothing learned.  The last line sums it up:
#   soak: PASS 200000 requests ... +x.x% since the first 20000 ...
#
# RSS follows live memory here, so that a leak shows and nothing else
# does.  Two things in httpd itself, with or without mod_h2push, keep
# growing long after 20,000 requests with a stock setup (measured on
# Debian 12, 2.4.71, glibc 2.36, 2 cores, this load; /proc/PID/smaps):
#  - glibc's heaps: freed chunks stay resident where they were, so the
#    heaps grow to the high-water mark of fragmentation, reached late.
#    Stock httpd WITHOUT mod_h2push grew +8.9% from 20k to 200k (with it
#    +9.6%, +10.1%); with tcache off and two arenas still +2.7% to +6.4%
#    over nine runs, +8.9% with one child.  So apache2 runs on jemalloc
#    (Debian's libjemalloc2, LD_PRELOAD) with its thread caches off and
#    freed pages returned at once (dirty/muzzy decay 0): the heaps then
#    stayed within +-0.2 MB from 20k to 200k.  A leaked block stays
#    mapped on either allocator.
#  - thread stacks: a thread's stack pages stay resident once touched,
#    and an h2 connection keeps its mpm worker for the whole pass, so
#    each pass's 100 new connections reach threads no earlier pass used.
#    With 2 children of 112 threads (50 connections each) the stacks
#    grew +1.2 MB from 20k to 200k (+4.0% in all, jemalloc).  One child
#    of 112 threads: its 100 connections use nearly every thread in the
#    first pass (+0.3 MB later).
# With both, 20k -> 200k measured +0.5% to +1.9% over 11 runs (60k ->
# 200k: -0.0% to +1.4%).  Built to leak (a malloc, filled, in its fixups
# hook, which runs about 3 times a request: verify subrequests too), the
# module measured +17.3% with 8 bytes a call and +34.2% with 16: both
# fail.  (A block never written is never resident: a leak test has to
# write it, as real leaked objects are.)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

TOTAL=${SOAK_REQUESTS:-200000}
WARM=${SOAK_WARMUP:-20000}
CONNS=${SOAK_CONNS:-100}
STREAMS=${SOAK_STREAMS:-10}
RSS_PCT=${SOAK_RSS_PCT:-5}            # end vs after the first WARM
SETTLE=${SOAK_SETTLE:-40000}
LIMIT=${SOAK_TIME_LIMIT:-240}        # seconds, the whole h2load part
REST=$((TOTAL - WARM - SETTLE))
run=$top/t/soak-run
SO=${H2PUSH_SO:-$top/.libs/mod_h2push.so}

fail() { echo "t/soak.sh: FAIL: $*" >&2; stop_all; exit 1; }
note() { echo "t/soak.sh: $*"; }

APXS=${APXS:-apxs}
command -v "$APXS" >/dev/null 2>&1 || { echo "apxs not found (apt-get install apache2-dev)" >&2; exit 1; }
HTTPD=${H2PUSH_HTTPD:-$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)}
MODDIR=$("$APXS" -q LIBEXECDIR)
for c in h2load nghttp curl python3; do
    command -v $c >/dev/null 2>&1 || { echo "$c not found (sh t/deps.sh: nghttp2-client, curl, python3)" >&2; exit 1; }
done
[ -x "$HTTPD" ] || { echo "$HTTPD not found (apt-get install apache2)" >&2; exit 1; }
JEMALLOC=$(dpkg -L libjemalloc2 2>/dev/null | grep '/libjemalloc\.so\.2$' | head -1)
[ -n "$JEMALLOC" ] && [ -f "$JEMALLOC" ] || { echo "libjemalloc.so.2 not found (sh t/deps.sh: libjemalloc2)" >&2; exit 1; }
[ -f "$SO" ] || { echo "$SO missing: make -f Makefile.apxs build" >&2; exit 1; }
[ "$REST" -gt 0 ] || { echo "SOAK_REQUESTS must be larger than SOAK_WARMUP" >&2; exit 1; }

loop_pid=""
stop_all() {
    [ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null && wait "$loop_pid" 2>/dev/null
    loop_pid=""
    if [ -f "$run/httpd.pid" ]; then
        pid=$(cat "$run/httpd.pid")
        "$HTTPD" -d "$run" -f "$run/httpd.conf" -k stop 2>/dev/null
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        rm -f "$run/httpd.pid"
    fi
    if [ -f "$run/backend.pid" ]; then
        pid=$(cat "$run/backend.pid")
        "$HTTPD" -d "$run" -f "$run/backend.conf" -k stop 2>/dev/null
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        rm -f "$run/backend.pid"
    fi
}
trap 'stop_all; exit 1' INT TERM

# a server left over by an interrupted run
[ -f "$run/httpd.conf" ] && { [ -f "$run/httpd.pid" ] || [ -f "$run/backend.pid" ]; } && stop_all
rm -rf "$run"
mkdir -p "$run/htdocs/s" "$run/htdocs/backend" "$run/cgi-bin" "$run/logs" "$run/blogs" || exit 1

# two free ports: the h2c front end and the HTTP/1.1 backend
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
PORT=${SOAK_PORT:-$1}
BPORT=${SOAK_BACKEND_PORT:-$2}
base=http://127.0.0.1:$PORT

# --- content ----------------------------------------------------------------
for f in a b c d e f g h i j; do
    head -c 2000 /dev/zero | tr '\0' "$f" > "$run/htdocs/s/$f.css"
    head -c 3000 /dev/zero | tr '\0' "$f" > "$run/htdocs/s/$f.js"
done
page() { printf '<!DOCTYPE html>\n<html><head><title>%s</title>%s</head><body>%s</body></html>\n' "$1" "$2" "$(head -c 4000 /dev/zero | tr '\0' x)"; }
page static '' > "$run/htdocs/static.html"
page links '' > "$run/htdocs/links.html"
page html '<link rel="preload" href="/s/g.css" as="style"><link rel=preload href=/s/g.js as=script>' > "$run/htdocs/html.html"
{
    printf 'Status: 200 OK\nContent-Type: text/html\n'
    printf 'Link: </s/d.js>; rel=preload; as=script, </s/e.css>; rel=preload\n\n'
    page asis ''
} > "$run/htdocs/page.asis"
{
    printf 'Status: 200 OK\nContent-Type: text/html\n'
    printf 'Link: </s/f.css>; rel=preload; as=style\nLink: </s/f.js>; rel=preload\n\n'
    page backend ''
} > "$run/htdocs/backend/p.asis"
cat > "$run/cgi-bin/p.cgi" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/html\r\nLink: </s/h.css>; rel=preload; as=style\r\n\r\n<html><head></head><body>cgi</body></html>\n'
EOF
chmod 0755 "$run/cgi-bin/p.cgi"
chmod -R a+rX "$run"

USERGROUP=""
[ "$(id -u)" = 0 ] && USERGROUP="User nobody
Group nogroup"

cat > "$run/httpd.conf" <<EOF
# generated by t/soak.sh
ServerRoot "$run"
DefaultRuntimeDir "$run/logs"
PidFile "$run/httpd.pid"
ErrorLog "$run/logs/error_log"
LogLevel warn
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
$USERGROUP
LoadModule mpm_event_module "$MODDIR/mod_mpm_event.so"
LoadModule authz_core_module "$MODDIR/mod_authz_core.so"
LoadModule mime_module "$MODDIR/mod_mime.so"
LoadModule headers_module "$MODDIR/mod_headers.so"
LoadModule asis_module "$MODDIR/mod_asis.so"
LoadModule alias_module "$MODDIR/mod_alias.so"
LoadModule cgid_module "$MODDIR/mod_cgid.so"
LoadModule proxy_module "$MODDIR/mod_proxy.so"
LoadModule proxy_http_module "$MODDIR/mod_proxy_http.so"
LoadModule socache_shmcb_module "$MODDIR/mod_socache_shmcb.so"
LoadModule http2_module "$MODDIR/mod_http2.so"
LoadModule h2push_module "$SO"

# A fixed set of processes and threads, so that RSS is comparable: one
# child, never more, never replaced.  112 threads: each busy h2
# connection holds one (h2load's 100, nghttp's, the status request),
# and nearly all are in use from the first pass (see the header).  The
# proxied backend is another server (backend.conf), so none of these
# serve it.
StartServers 1
ServerLimit 1
ThreadLimit 112
ThreadsPerChild 112
MaxRequestWorkers 112
MinSpareThreads 1
MaxSpareThreads 112
MaxConnectionsPerChild 0
# APR allocators keep at most 32 KB free (RSS follows live memory)
MaxMemFree 32
H2MinWorkers 32
H2MaxWorkers 32
ScriptSock "$run/logs/cgid.sock"

TypesConfig /dev/null
AddType text/html .html
AddType text/css .css
AddType application/javascript .js
AddHandler send-as-is .asis
DocumentRoot "$run/htdocs"
<Directory "$run/htdocs">
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "$run/cgi-bin/"
<Directory "$run/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>
<Location /h2push-status>
    SetHandler h2push-status
</Location>

H2EarlyHints on
H2PushEarlyHints on
H2PushLearn on

<Location /static.html>
    H2PushResource /s/a.css as=style critical
    H2PushResource /s/a.js as=script
    H2PushResource /s/b.css
</Location>
<Location /links.html>
    Header add Link "</s/c.css>; rel=preload; as=style, </s/c.js>; rel=preload"
</Location>
<Location /html.html>
    H2PushFromHTML on
</Location>

# final status of each front-end request (h2load counts the 103 that
# comes first as the response status, so its "status codes" line cannot
# show a final 5xx)
LogFormat "%>s" status
<VirtualHost 127.0.0.1:$PORT>
    # learned hints are learned for the vhost's own names only
    ServerName 127.0.0.1
    Protocols h2c http/1.1
    H2Direct on
    CustomLog "$run/logs/status_log" status
    ProxyPass /proxied/ http://127.0.0.1:$BPORT/backend/
</VirtualHost>
EOF

# The proxied backend: a separate apache2 (own config, pid file, port,
# runtime dir, error log), so that the front end's threads never wait on
# backend requests of its own (self-proxying starved with fewer threads:
# AH01102) and its memory is not in the measured RSS.  Its error log is
# checked as the front end's is.
cat > "$run/backend.conf" <<EOF
# generated by t/soak.sh: the proxied backend, HTTP/1.1; it sends 103s of
# its own too (H2PushEarlyHints on), which mod_proxy_http passes on
ServerRoot "$run"
DefaultRuntimeDir "$run/blogs"
PidFile "$run/backend.pid"
ErrorLog "$run/logs/backend_error_log"
LogLevel warn
ServerName 127.0.0.1
Listen 127.0.0.1:$BPORT
$USERGROUP
LoadModule mpm_event_module "$MODDIR/mod_mpm_event.so"
LoadModule authz_core_module "$MODDIR/mod_authz_core.so"
LoadModule asis_module "$MODDIR/mod_asis.so"
LoadModule socache_shmcb_module "$MODDIR/mod_socache_shmcb.so"
LoadModule http2_module "$MODDIR/mod_http2.so"
LoadModule h2push_module "$SO"
StartServers 1
ServerLimit 1
ThreadLimit 128
ThreadsPerChild 128
MaxRequestWorkers 128
MinSpareThreads 1
MaxSpareThreads 128
MaxConnectionsPerChild 0
Protocols http/1.1
KeepAliveTimeout 60
MaxKeepAliveRequests 0
LoadModule mime_module "$MODDIR/mod_mime.so"
TypesConfig /dev/null
AddHandler send-as-is .asis
DocumentRoot "$run/htdocs"
<Directory "$run/htdocs">
    Require all granted
</Directory>
H2EarlyHints on
H2PushEarlyHints on
H2PushLearn on
EOF

"$HTTPD" -t -d "$run" -f "$run/httpd.conf" > "$run/logs/configtest.out" 2>&1 \
    || { cat "$run/logs/configtest.out"; fail "apache2 -t"; }
"$HTTPD" -t -d "$run" -f "$run/backend.conf" > "$run/logs/configtest-backend.out" 2>&1 \
    || { cat "$run/logs/configtest-backend.out"; fail "apache2 -t (backend)"; }
"$HTTPD" -d "$run" -f "$run/backend.conf" -k start || fail "the backend apache2 did not start"
# RSS should follow live memory (see the header): jemalloc without
# thread caches, freed pages returned at once
LD_PRELOAD=$JEMALLOC MALLOC_CONF=tcache:false,dirty_decay_ms:0,muzzy_decay_ms:0 \
    "$HTTPD" -d "$run" -f "$run/httpd.conf" -k start || fail "apache2 did not start"
i=0
until curl -s -o /dev/null --http2-prior-knowledge "$base/static.html"; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "apache2 does not answer on port $PORT"; sleep 0.1
done
i=0
until curl -s -o /dev/null "http://127.0.0.1:$BPORT/backend/p.asis"; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the backend does not answer on port $BPORT"; sleep 0.1
done

# the server's processes: the parent and its children (from /proc: no
# procps needed)
server_pids() {
    ppid=$(cat "$run/httpd.pid")
    echo "$ppid"
    grep -l "^PPid:[[:space:]]*$ppid\$" /proc/[0-9]*/status 2>/dev/null \
        | sed 's|/proc/\([0-9]*\)/status|\1|'
}
# total VmRSS (kB) of the server's processes
rss_total() {
    t=0
    for p in $(server_pids); do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo $t
}
nprocs() { server_pids | wc -l; }
for p in $(server_pids); do
    grep -q libjemalloc "/proc/$p/maps" 2>/dev/null || fail "apache2 (pid $p) runs without $JEMALLOC"
done

URLS="$base/static.html $base/links.html $base/page.asis $base/proxied/p.asis $base/html.html"

# --- the push client, alongside, until stopped (bounded by LIMIT) ------------
: > "$run/logs/nghttp.count"
(
    end=$(( $(date +%s) + LIMIT ))
    while [ ! -f "$run/stop" ] && [ "$(date +%s)" -lt $end ]; do
        out=$(nghttp -nv --timeout=20 $URLS "$base/cgi-bin/p.cgi" 2>&1)
        rc=$?
        n=$(printf '%s\n' "$out" | grep -c 'recv PUSH_PROMISE frame')
        echo "$rc $n" >> "$run/logs/nghttp.count"
        sleep 0.2
    done
) &
loop_pid=$!

# --- h2load, two phases -------------------------------------------------------
# "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
check_h2load() {    # file, expected total -> sets RPS
    f=$1 want=$2
    line=$(grep '^requests:' "$f")
    [ -n "$line" ] || { cat "$f"; fail "no summary from h2load"; }
    set -- $(echo "$line" | tr -c '0-9\n' ' ')
    tot=$1 done_=$3 succ=$4 failed=$5 errored=$6 tmo=$7
    codes=$(grep '^status codes:' "$f")
    c4=$(echo "$codes" | sed -n 's/.* \([0-9]*\) 4xx.*/\1/p')
    c5=$(echo "$codes" | sed -n 's/.* \([0-9]*\) 5xx.*/\1/p')
    # "finished in 51.2s, 3516.1 req/s, ..." ("812.34ms" when short)
    RPS=$(sed -n 's/^finished in [0-9.]*m*s, \([0-9.]*\) req\/s.*/\1/p' "$f")
    note "h2load $(basename "$f"): $line | $codes (a 103 counts as 3xx) | $RPS req/s"
    [ "$failed" = 0 ] && [ "$errored" = 0 ] && [ "$tmo" = 0 ] \
        || fail "h2load: $failed failed, $errored errored, $tmo timeout ($f)"
    [ "$tot" = "$want" ] || fail "h2load: $tot requests, not $want ($f)"
    [ "$succ" = "$tot" ] && [ "$done_" = "$tot" ] || fail "h2load: only $succ of $tot succeeded ($f)"
    [ "$c4" = 0 ] && [ "$c5" = 0 ] || fail "h2load: $c4 4xx, $c5 5xx responses ($f)"
}

note "apache2 pid $(cat "$run/httpd.pid"), $(nprocs) processes, RSS $(rss_total) kB at start; port $PORT (backend: pid $(cat "$run/backend.pid"), port $BPORT, not counted)"
t0=$(date +%s)
# one h2load pass: requests, log number, what it is; within what is left
# of SOAK_TIME_LIMIT; sets RPS, then RSS after the pass
h2load_pass() {
    left=$((LIMIT - ($(date +%s) - t0)))
    [ $left -gt 10 ] || fail "no time left for the $3 (SOAK_TIME_LIMIT=$LIMIT)"
    timeout $left h2load -n "$1" -c "$CONNS" -m "$STREAMS" $URLS > "$run/logs/h2load-$2.out" 2>&1 \
        || { tail -20 "$run/logs/h2load-$2.out"; fail "h2load ($3) failed or took over $left s"; }
    check_h2load "$run/logs/h2load-$2.out" "$1"
    sleep 2
    RSS=$(rss_total)
}
h2load_pass "$WARM" 1 warm-up
RSS1=$RSS; N1=$(nprocs)
note "after $WARM requests: RSS $RSS1 kB in $N1 processes"
h2load_pass "$SETTLE" 2 "second phase"
RSSS=$RSS
note "after $((WARM + SETTLE)) requests: RSS $RSSS kB"
h2load_pass "$REST" 3 "main phase"
RPS2=$RPS
RSS2=$RSS; N2=$(nprocs)
note "after $TOTAL requests: RSS $RSS2 kB in $N2 processes"
t1=$(date +%s)

touch "$run/stop"
wait "$loop_pid" 2>/dev/null
loop_pid=""
runs=$(wc -l < "$run/logs/nghttp.count")
pushes=$(awk '{ s += $2 } END { print s + 0 }' "$run/logs/nghttp.count")
nfail=$(awk '$1 != 0' "$run/logs/nghttp.count" | wc -l)

status=$(curl -s --http2-prior-knowledge "$base/h2push-status?json")
stop_all

# --- verdict --------------------------------------------------------------------
# both servers' error logs (grep names the file)
log="$run/logs/error_log $run/logs/backend_error_log"
crash=$(grep -aE 'AH00052|exit signal|Segmentation|dumped core|AddressSanitizer|runtime error:' $log)
core=$(grep -a '\[core:' $log | grep -v 'AH00094')
errors=$(grep -aE '\[[a-z0-9_]+:(emerg|alert|crit|error)\]' $log)
[ -z "$crash" ] || { echo "$crash" | head -20; fail "crash lines in $log"; }
[ -z "$core" ] || { echo "$core" | head -20; fail "[core:...] lines in $log"; }
[ -z "$errors" ] || { echo "$errors" | head -20; fail "$(echo "$errors" | wc -l) error lines in $log"; }
[ "$N1" = "$N2" ] || fail "the number of processes changed: $N1 -> $N2"
# final statuses of the front end: h2load's requests, nghttp's and the
# status page: all 2xx
not2xx=$(grep -cv '^2' "$run/logs/status_log")
n2xx=$(grep -c '^2' "$run/logs/status_log")
note "front end final statuses: $n2xx 2xx, $not2xx other"
[ "$not2xx" = 0 ] || { sort "$run/logs/status_log" | uniq -c; fail "$not2xx responses were not 2xx"; }
[ "$n2xx" -ge "$TOTAL" ] || fail "only $n2xx responses logged, fewer than $TOTAL"
[ "$runs" -gt 0 ] && [ "$pushes" -gt 0 ] || fail "nghttp: $pushes PUSH_PROMISEs in $runs runs"
[ "$nfail" = 0 ] || fail "nghttp: $nfail of $runs runs failed"

# counters: 103s went out, links were learned
num() { echo "$status" | python3 -c "import json,sys
j = json.load(sys.stdin)
for k in sys.argv[1].split('.'): j = j[k]
print(j)" "$1" 2>/dev/null || echo 0; }
promised=$(num promised); hints_sent=$(num hints.sent); stored=$(num learned.stored)
note "status: promised $promised, 103s sent $hints_sent, learned stored $stored"
[ "${hints_sent:-0}" -gt 0 ] || fail "no 103 Early Hints were sent"
[ "${stored:-0}" -gt 0 ] || fail "nothing was learned"

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }'; }
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { print (b <= a * (1 + p / 100)) ? 1 : 0 }'; }
summary="$TOTAL requests (h2load -c $CONNS -m $STREAMS over 5 pages: $WARM + $SETTLE + $REST) in $((t1 - t0)) s, ${RPS2} req/s in the main phase, 0 failed/errored; nghttp alongside: $pushes PUSH_PROMISEs in $runs runs; httpd RSS (front end, $N2 processes) $RSS1 kB after $WARM, $RSSS kB after $((WARM + SETTLE)), $RSS2 kB after $TOTAL: $(pct "$RSSS" "$RSS2")% over the last $REST, $(pct "$RSS1" "$RSS2")% since the first $WARM (limit +$RSS_PCT%)"
if [ "$(within "$RSS1" "$RSS2" "$RSS_PCT")" != 1 ]; then
    echo "soak: FAIL $summary"
    exit 1
fi
echo "soak: PASS $summary"
exit 0
