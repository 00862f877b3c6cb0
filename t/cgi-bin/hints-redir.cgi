#!/bin/sh
# t/30_early_hints.t: a local redirect (a Location path, no Status): httpd
# serves /hints/on/page.html through an internal redirect.
printf 'Location: /hints/on/page.html\r\n\r\n'
