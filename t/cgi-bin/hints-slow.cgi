#!/bin/sh
# t/30_early_hints.t: a slow page.  The 103 with the static list is sent at
# fixups, before this runs, so it must reach the client first.
#   no query:      takes a second before it answers
#   ?wait=TOKEN:   answers once the test has created logs/hints-go-TOKEN,
#                  which it does when it has received the 103 (at most 3 s:
#                  then it answers anyway); the body says which happened,
#                  "go=seen" or "go=timeout"
go=slept
case "$QUERY_STRING" in
wait=*)
    token=$(printf '%s' "${QUERY_STRING#wait=}" | tr -cd 'a-z0-9')
    f="$DOCUMENT_ROOT/../logs/hints-go-$token"
    go=timeout
    i=0
    while [ $i -lt 30 ]; do
        if [ -e "$f" ]; then go=seen; break; fi
        sleep 0.1
        i=$((i + 1))
    done
    ;;
*)
    sleep 1
    ;;
esac
printf 'Content-Type: text/html\r\n\r\n'
printf '<!doctype html><title>slow hints</title><p>go=%s</p>\n' "$go"
