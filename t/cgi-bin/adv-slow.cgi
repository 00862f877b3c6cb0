#!/bin/sh
# t/40_adversarial.t: a preload target that takes 10 s to answer.  The
# lookup that decides the push never runs the handler, so the page that
# links it must not wait for it.
sleep 10
printf 'Content-Type: text/css\r\n\r\n'
printf '.slow{}\n'
