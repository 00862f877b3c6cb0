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
if [ ! -f "$run/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$run/key.pem" \
        -out "$run/cert.pem" 2>/dev/null
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
LogFormat "%t \"%r\" %>s pushed=%{H2PUSH_PROMISED}e [%{H2PUSH_PATHS}e]" h2push
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
apache2 -d "$run" -f "$run/httpd.conf" -k start
echo "demo running: https://127.0.0.1:$port/  (logs: $run/error_log, $run/access_log)"
echo "pushes (a push client):     nghttp -nv https://127.0.0.1:$port/"
echo "103 Early Hints (no push):  nghttp -nv --no-push https://127.0.0.1:$port/"
echo "                 (HTTP/1.1) curl -skv --http1.1 https://127.0.0.1:$port/ -o /dev/null"
echo "learned hints: the 1st visit of /slow.cgi teaches its Link, the 2nd gets a 103 at once:"
echo "                            nghttp -nv --no-push https://127.0.0.1:$port/slow.cgi"
echo "counters:          curl -sk 'https://127.0.0.1:$port/h2push-status?json'"
echo "stop it:           make -f Makefile.apxs demo-stop"
