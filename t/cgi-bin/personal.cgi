#!/bin/sh
# t/34_learn_attacks.t (a): a page whose preload Link depends on who asks,
# as many applications answer: with a "session" cookie, the report of that
# session (</reports/q3-SESSION.js>), else the public summary.  No
# Set-Cookie, no Cache-Control: private, no Vary: nothing in the response
# says it is personal.
set -f
link='/reports/summary.js'
IFS=';'
for c in $HTTP_COOKIE; do
    c=${c# }
    case "$c" in
    session=*) link="/reports/q3-${c#session=}.js" ;;
    esac
done
printf 'Content-Type: text/html\r\n'
printf 'Link: <%s>; rel=preload\r\n' "$link"
printf '\r\n'
printf '<!doctype html><title>reports</title>\n'
