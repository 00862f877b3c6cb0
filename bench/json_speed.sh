#!/bin/sh
# make -f Makefile.apxs json-speed: h2p_json against jansson's json_loadb
# on bench/json_speed.c's 1 MB document, in instructions (callgrind,
# counting only run_h2p / run_jansson) and in ns/byte (best of 30).
# Needs valgrind (bench/deps.sh) and libjansson-dev.
set -e
bin=${1:-bench/json_speed}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/$1.out" \
        --toggle-collect="run_$1" "$bin" "$1" >/dev/null 2>"$out/$1.err" \
        || { cat "$out/$1.err" >&2; exit 1; }
    sed -n 's/^totals: *//p' "$out/$1.out" | cut -d' ' -f1
}
h=$(count h2p)
j=$(count jansson)
echo "instructions h2p_json $h"
echo "instructions jansson  $j (json_loadb + json_decref)"
awk -v h="$h" -v j="$j" 'BEGIN { printf "instruction ratio (jansson / h2p_json) %.2f\n", j / h }'
"$bin" time
