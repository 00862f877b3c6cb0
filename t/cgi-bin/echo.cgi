#!/bin/sh
# Reads a request body (POST) and answers 200 with its length.
n=0
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ]; then
    n=$(head -c "$CONTENT_LENGTH" | wc -c)
fi
printf 'Content-Type: text/plain\r\n\r\n'
printf 'method=%s read=%s\n' "$REQUEST_METHOD" "$n"
