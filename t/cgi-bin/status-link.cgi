#!/bin/sh
# t/34_learn_attacks.t (e): /status-link.cgi/NNN answers with status NNN
# (a Location for 3xx) and a preload Link to /atk/st.css.
set -f
st=${PATH_INFO#/}
st=${st%%/*}
case "$st" in
[1-5][0-9][0-9]) ;;
*) st=200 ;;
esac
printf 'Status: %s\r\n' "$st"
case "$st" in
3??) printf 'Location: http://%s/atk/home.html\r\n' "$HTTP_HOST" ;;
esac
printf 'Link: </atk/st.css>; rel=preload\r\n'
printf 'Content-Type: text/html\r\n\r\n'
printf '<!doctype html><title>status %s</title>\n' "$st"
