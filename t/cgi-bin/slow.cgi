#!/bin/sh
# Takes a second before it answers: a static push list entry must be
# promised (103 at fixups) before this response's HEADERS.
sleep 1
printf 'Content-Type: text/html\r\n\r\n'
printf '<!doctype html><title>slow</title>\n'
