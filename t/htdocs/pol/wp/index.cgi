#!/bin/sh
# t/36_policy.t: the front controller of /pol/wp/ (.htaccess sends every
# URL that is not a file here).  Its page links a script relative to the
# URL asked for (as a theme does) and a stylesheet that does not exist.
printf 'Content-Type: text/html\r\n'
printf 'Link: <assets/rel.js>; rel=preload\r\n'
printf 'Link: </pol/wp/missing.css>; rel=preload\r\n'
printf '\r\n'
printf '<!doctype html>\n<title>front controller</title>\n<p>uri=%s</p>\n' "$REQUEST_URI"
