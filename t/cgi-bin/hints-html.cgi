#!/bin/sh
# t/32_html.t: an HTML page in two parts, the preload link inside the head
# in the second part.
#   no query:     both parts in one write
#   ?enc:         the same with "Content-Encoding: x-h2push-test"
#   ?wait=TOKEN:  the first part, then nothing until the test has created
#                 logs/hints-go-TOKEN, which it does once it has received
#                 the first part (at most 3 s: then it goes on anyway); the
#                 second part says which happened: "go=seen" or "go=timeout"
one='<!doctype html>
<html><head>
<title>two parts</title>
'
two='<link rel="preload" href="/html/late.css">
</head><body><p>two parts go=%s</p></body></html>
'
printf 'Content-Type: text/html\r\n'
if [ "$QUERY_STRING" = enc ]; then
    printf 'Content-Encoding: x-h2push-test\r\n'
fi
printf '\r\n'
case "$QUERY_STRING" in
wait=*)
    printf '%s' "$one"
    token=$(printf '%s' "${QUERY_STRING#wait=}" | tr -cd 'a-z0-9')
    f="$DOCUMENT_ROOT/../logs/hints-go-$token"
    go=timeout
    i=0
    while [ $i -lt 30 ]; do
        if [ -e "$f" ]; then go=seen; break; fi
        sleep 0.1
        i=$((i + 1))
    done
    printf "$two" "$go"
    ;;
*)
    printf "%s$two" "$one" "-"
    ;;
esac
