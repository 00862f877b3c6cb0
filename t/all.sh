#!/bin/sh
# Everything `make -f Makefile.apxs test` runs after installing and
# building, one stage after the other (each runs even when an earlier one
# failed, so one run shows every failure), then a closing tally.
#   FUZZ_SECONDS (default 60): how long each fuzz target runs
set -u
cd "$(dirname "$0")/.." || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

passed=0 failed=0 failures=""
stage() {
    name=$1; shift
    echo "=== $name: $*"
    start=$(date +%s)
    if "$@"; then
        passed=$((passed + 1)); verdict=PASS
    else
        failed=$((failed + 1)); verdict=FAIL; failures="$failures $name"
    fi
    echo "=== $name: $verdict in $(( $(date +%s) - start )) s"
}

stage unit        make -s -f Makefile.apxs unit
stage suite       sh t/run-suite.sh
stage fuzz        sh t/fuzz/run.sh "$FUZZ_SECONDS"
stage asan        sh t/asan.sh
stage soak        sh t/soak.sh
stage package     sh t/package.sh

[ -n "$failures" ] && echo "failed stages:$failures"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
