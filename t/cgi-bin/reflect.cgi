#!/bin/sh
# t/34_learn_attacks.t (c): a page that links /refl/app.css and reflects
# the query parameter l=PATH as a preload Link (as pages that take the
# asset list or a "theme" from the URL do).
set -f
printf 'Content-Type: text/html\r\n'
printf 'Link: </refl/app.css>; rel=preload\r\n'
IFS='&'
for kv in $QUERY_STRING; do
    case "$kv" in
    l=*) printf 'Link: <%s>; rel=preload\r\n' "${kv#l=}" ;;
    esac
done
printf '\r\n'
printf '<!doctype html><title>reflect</title>\n'
