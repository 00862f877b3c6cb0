#!/bin/sh
# t/30_early_hints.t: answers GET and POST alike (200, the method and how
# many body bytes it read).
n=0
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ]; then
    n=$(head -c "$CONTENT_LENGTH" | wc -c)
fi
printf 'Content-Type: text/plain\r\n\r\n'
printf 'method=%s read=%s\n' "$REQUEST_METHOD" "$n"
