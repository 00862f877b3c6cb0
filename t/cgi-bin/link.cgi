#!/bin/sh
# A preload Link set by a CGI script.
printf 'Content-Type: text/html\r\n'
printf 'Link: </src/cgi.css>; rel=preload; as=style\r\n'
printf '\r\n'
printf '<!doctype html><title>cgi link</title>\n'
