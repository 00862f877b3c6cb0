#!/bin/sh
# t/34_learn_attacks.t (d): the front controller.  The route is the URL the
# visitor asked for (REDIRECT_URL after the .htaccess rewrite): /fc/NAME
# links </fc/NAME.js>.  Asked for directly (/fc/index.cgi) there is no
# route and no Link.
set -f
route=${REDIRECT_URL#/fc/}
printf 'Content-Type: text/html\r\n'
case "$route" in
hello|admin) printf 'Link: </fc/%s.js>; rel=preload\r\n' "$route" ;;
esac
printf '\r\n'
printf '<!doctype html><title>route %s</title>\n' "${route:-none}"
