#!/bin/sh
# Build the libFuzzer targets and run each one for a while.
#
#   sh t/fuzz/run.sh [seconds]          (default 60 seconds per target)
#
# Needs clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes) and apr-1-config (libapr1-dev); installs nothing. Everything
# it writes goes to t/fuzz/build/ (ignored by git): the binaries, a log
# per target, the working corpus (a fresh copy of the committed seeds,
# which are never modified) and any crash-*, leak-*, timeout-*, oom-*
# artifacts. Targets run one after the other, one process at a time.
# Exits non-zero if a build fails, a target reports anything or leaves
# an artifact.
set -u

secs=${1:-60}
case $secs in
    ''|*[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

CLANG=${CLANG:-clang}
TARGETS="html link diary learn json channel"
BUILD=t/fuzz/build
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

for tool in "$CLANG" apr-1-config; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found (apt-get install clang libclang-rt-14-dev libapr1-dev)" >&2
        exit 2
    fi
done
APR_INC=$(apr-1-config --cflags --cppflags --includes)
APR_LIB=$(apr-1-config --link-ld --libs)

# Sources under test for each target.
srcs() {
    case $1 in
        html)  echo src/h2p_html.c src/h2p_link.c ;;
        link)  echo src/h2p_link.c ;;
        diary) echo src/h2p_diary.c ;;
        learn) echo src/h2p_learn.c src/h2p_link.c src/h2p_diary.c ;;
        json)  echo src/h2p_json.c ;;
        channel) echo src/h2p_channel.c src/h2p_redis.c ;;
    esac
}

mkdir -p "$BUILD" || exit 2
for t in $TARGETS; do
    # shellcheck disable=SC2086
    if ! $CLANG $CFLAGS $APR_INC -Isrc "t/fuzz/fuzz_$t.c" $(srcs $t) \
            $APR_LIB -o "$BUILD/fuzz_$t"; then
        echo "fuzz_$t: build failed" >&2
        exit 1
    fi
done

rc=0
for t in $TARGETS; do
    corpus=$BUILD/corpus/$t
    arts=$BUILD/artifacts/$t
    log=$BUILD/fuzz_$t.log
    rm -rf "$corpus" "$arts"
    mkdir -p "$corpus" "$arts"
    cp t/fuzz/corpus/$t/* "$corpus/"
    dict=""
    [ -f "t/fuzz/$t.dict" ] && dict="-dict=t/fuzz/$t.dict"

    start=$(date +%s)
    # shellcheck disable=SC2086
    "$BUILD/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$arts/" $dict \
        "$corpus" >"$log" 2>&1
    status=$?
    took=$(( $(date +%s) - start ))

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(find "$arts" -type f \( -name 'crash-*' -o -name 'leak-*' \
                -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    echo "fuzz_$t: ${runs:-?} runs in $took s, $found crashes"
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ] || [ -z "$runs" ]; then
        rc=1
        echo "fuzz_$t: FAILED (exit $status); log: $log" >&2
        grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ )' "$log" | head -n 30 >&2
        find "$arts" -type f | sed 's/^/  artifact: /' >&2
    fi
done
exit $rc
