#!/bin/sh
sleep 1
printf 'Content-Type: text/html\r\nLink: </font.css>; rel=preload; as=style\r\n\r\n'
printf '<!DOCTYPE html><html><head><link rel="stylesheet" href="/font.css"></head><body>slow page</body></html>\n'
