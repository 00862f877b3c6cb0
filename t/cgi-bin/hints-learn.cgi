#!/bin/sh
# t/31_learn.t: response headers chosen by the request header X-Learn (or
# the query string, the same syntax; a request with a query is not learned
# from), so that one URL can answer differently:
#   l=NAME      Link: </learn/NAME>; rel=preload   (repeatable)
#   cc=VALUE    Cache-Control: VALUE
#   cookie=1    Set-Cookie: h2push=1
#   vary=VALUE  Vary: VALUE
#   status=N    Status: N (301/302 also get a Location)
# The path info only makes different URLs (learned keys).
set -f
# a request body (POST) is read, whatever it is
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ]; then
    head -c "$CONTENT_LENGTH" > /dev/null
fi
status=""
IFS='&'
for kv in $HTTP_X_LEARN $QUERY_STRING; do
    k=${kv%%=*}
    v=${kv#*=}
    case "$k" in
    l)      printf 'Link: </learn/%s>; rel=preload\r\n' "$v" ;;
    cc)     printf 'Cache-Control: %s\r\n' "$v" ;;
    cookie) printf 'Set-Cookie: h2push=%s; Path=/\r\n' "$v" ;;
    vary)   printf 'Vary: %s\r\n' "$v" ;;
    status) status=$v ;;
    esac
done
if [ -n "$status" ]; then
    printf 'Status: %s\r\n' "$status"
    case "$status" in
    301|302) printf 'Location: http://%s/learn/target.html\r\n' "$HTTP_HOST" ;;
    esac
fi
printf 'Content-Type: text/html\r\n\r\n'
printf '<!doctype html><title>learn %s</title>\n' "$PATH_INFO"
