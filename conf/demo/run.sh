#!/bin/sh
# The demo: an Apache on https://127.0.0.1:8443 (h2 + http/1.1) running the
# freshly built module.   run.sh start | stop
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
run=$here/run
port=${H2PUSH_DEMO_PORT:-8443}
mods=/usr/lib/apache2/modules

# stop a running demo and wait (5 s at most) until it has let go of the port
stop_demo() {
    [ -f "$run/httpd.pid" ] || return 0
    pid=$(cat "$run/httpd.pid")
    apache2 -d "$run" -f "$run/httpd.conf" -k stop 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
}

case "${1:-start}" in
stop)
    stop_demo
    exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

[ -f "$top/.libs/mod_h2push.so" ] || { echo "build first: make -f Makefile.apxs build" >&2; exit 1; }
mkdir -p "$run"
# A leaf certificate (CA:FALSE, for 127.0.0.1) signed by a throwaway CA
# whose key is deleted at once: mod_ssl warns (AH01906) about a server
# certificate that is a CA certificate. curl --cacert conf/demo/run/ca.pem
# verifies it.
if [ ! -f "$run/cert.pem" ] || ! grep -q 'leaf' "$run/cert.kind" 2>/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
        -subj "/CN=mod_h2push demo CA (throwaway)" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$run/ca-key.pem" -out "$run/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
        -keyout "$run/key.pem" -out "$run/cert.csr" 2>/dev/null
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
        'keyUsage=critical,digitalSignature,keyEncipherment' \
        'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1' \
        > "$run/cert.ext"
    openssl x509 -req -in "$run/cert.csr" -CA "$run/ca.pem" \
        -CAkey "$run/ca-key.pem" -CAcreateserial -days 365 \
        -extfile "$run/cert.ext" -out "$run/cert.pem" 2>/dev/null
    rm -f "$run/ca-key.pem" "$run/cert.csr" "$run/cert.ext" "$run/ca.srl"
    [ -s "$run/cert.pem" ] || { echo "cannot make the demo certificate (openssl)" >&2; exit 1; }
    echo leaf > "$run/cert.kind"
fi
chmod -R a+rX "$here/htdocs"
cat > "$run/httpd.conf" <<CONF
ServerRoot $run
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $run/httpd.pid
ErrorLog $run/error_log
LogLevel warn h2push:debug
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_host_module $mods/mod_authz_host.so
LoadModule mime_module $mods/mod_mime.so
LoadModule dir_module $mods/mod_dir.so
LoadModule cgid_module $mods/mod_cgid.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule headers_module $mods/mod_headers.so
LoadModule ssl_module $mods/mod_ssl.so
LoadModule http2_module $mods/mod_http2.so
LoadModule h2push_module $top/.libs/mod_h2push.so
TypesConfig /etc/mime.types
ScriptSock $run/cgid.sock
User nobody
Group nogroup
LogFormat "%t \"%r\" %>s pushed=%{H2PUSH_PROMISED}e hinted=%{H2PUSH_HINTED}e [%{H2PUSH_PATHS}e]" h2push
CustomLog $run/access_log h2push
DocumentRoot $here/htdocs
DirectoryIndex index.html
Protocols h2 http/1.1
# mod_http2 forwards 103s to clients only with this
H2EarlyHints on
# push to push clients, 103 Early Hints to browsers (HTTP/2 and HTTP/1.1)
H2PushEarlyHints on
# remember each page's preload links, replay them in the 103 next time
H2PushLearn on
H2PushFromHTML on
SSLSessionCache shmcb:$run/ssl_scache(512000)
SSLEngine on
SSLCertificateFile $run/cert.pem
SSLCertificateKeyFile $run/key.pem
<Directory $here/htdocs>
    Require all granted
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>
<LocationMatch "^/(index\\.html)?\$">
    H2PushResource /style.css
    H2PushResource /app.js
</LocationMatch>
<FilesMatch "\\.(css|js)\$">
    Header set Cache-Control "max-age=3600"
</FilesMatch>
<Location "/h2push-status">
    SetHandler h2push-status
</Location>
CONF
[ "$(id -u)" = 0 ] || sed -i '/^User\|^Group/d' "$run/httpd.conf"
stop_demo
# a port taken by something else: say which variable moves the demo
port_busy() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q .
    else
        return 1
    fi
}
busy_msg="port $port on 127.0.0.1 is in use: stop what listens there, or run the demo on another port: H2PUSH_DEMO_PORT=$((port + 1)) make -f Makefile.apxs demo"
if port_busy; then
    echo "$busy_msg" >&2
    exit 1
fi
: > "$run/error_log"
if ! apache2 -d "$run" -f "$run/httpd.conf" -k start 2> "$run/start.err"; then
    cat "$run/start.err" >&2
    if grep -q 'Address already in use' "$run/start.err" "$run/error_log" 2>/dev/null; then
        echo "$busy_msg" >&2
    else
        echo "the demo did not start: see $run/error_log" >&2
    fi
    exit 1
fi
echo "demo running: https://127.0.0.1:$port/  (logs: $run/error_log, $run/access_log)"
echo "pushes (a push client):     nghttp -nv https://127.0.0.1:$port/"
echo "103 Early Hints (no push):  nghttp -nv --no-push https://127.0.0.1:$port/"
echo "                 (HTTP/1.1) curl -skv --http1.1 https://127.0.0.1:$port/ -o /dev/null"
echo "learned hints: the 1st visit of /slow.cgi teaches its Link, the 2nd gets a 103 at once:"
echo "                            nghttp -nv --no-push https://127.0.0.1:$port/slow.cgi"
echo "counters:          curl -sk 'https://127.0.0.1:$port/h2push-status?json'  (or ?auto)"
echo "verified TLS:      curl --cacert $run/ca.pem -sI https://127.0.0.1:$port/"
echo "stop it:           make -f Makefile.apxs demo-stop"
