#!/bin/sh
# t/34_learn_attacks.t (b): stands for an action with a side effect that a
# tenant would like the victim's visitors' browsers to request
# (/cgi-bin/side.cgi?action=delete-account).  It only says what it got.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'side effect: %s\n' "$QUERY_STRING"
