#!/bin/sh
# A generated API resource (t/39_vulcain.t): a book whose author is a
# static file; no credentials needed.
id=$(printf '%s' "$QUERY_STRING" | sed -n 's/^id=\([0-9]*\)$/\1/p')
[ -n "$id" ] || id=0
printf 'Content-Type: application/ld+json\r\n\r\n'
printf '{"@id": "/cgi-bin/vulcain-book.cgi?id=%s", "author": "/vulcain/authors/%s.jsonld"}\n' "$id" "$id"
