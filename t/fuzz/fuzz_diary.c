/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_diary.c, the push diary (bounded LRU set).
 *
 * Build and run (from the top of the tree; t/fuzz/run.sh does both):
 *   mkdir -p t/fuzz/build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=undefined \
 *       $(apr-1-config --cflags --cppflags --includes) -Isrc \
 *       t/fuzz/fuzz_diary.c src/h2p_diary.c \
 *       $(apr-1-config --link-ld --libs) -o t/fuzz/build/fuzz_diary
 *   t/fuzz/build/fuzz_diary -max_total_time=120 t/fuzz/build/corpus/diary \
 *       t/fuzz/corpus/diary
 *
 * Input: 2 bytes of capacity (big-endian, taken modulo 300, plus 1), then
 * operations of 2 bytes each, read as a big-endian 16-bit v: v & 3 picks
 * the operation (0 add, 1 touch, 2 remove, 3 add), (v >> 2) modulo
 * 2 * capacity + 4 the key number, so that hits, misses and evictions
 * are all common (key numbers map to 0, 1, ... and ~0, ~1, ...). Each
 * operation runs on the diary and on a reference model (an array of
 * last-use times per key number: an exact LRU); every return value and
 * the count after every step must agree. At the end the model's keys
 * must all be present in the diary; with a capacity up to 32, the other
 * keys of the range must be absent and capacity fresh keys must evict
 * the old ones in exactly the model's LRU order. Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "h2p_diary.h"

#define MAX_CAP   300
#define MAX_RANGE (2 * MAX_CAP + 4)
#define HDR       2
#define FULL_CHECK_CAP 32

/*
 * The reference, an exact LRU kept the plain way: for each key number
 * the time of its last use (0: absent). The least recent key is the one
 * with the smallest time. It is not under test: no coverage feedback,
 * comparison tracing or sanitizer checks in it (they would take most of
 * the time).
 */
#if defined(__clang__) && __clang_major__ >= 13
#define MODEL __attribute__((no_sanitize("coverage", "address", "undefined")))
#else
#define MODEL
#endif

typedef struct {
    unsigned stamp[MAX_RANGE];
    unsigned clock, n, cap, range;
} model;

MODEL static int m_touch(model *m, unsigned i)
{
    if (!m->stamp[i]) {
        return 0;
    }
    m->stamp[i] = ++m->clock;
    return 1;
}

MODEL static int m_add(model *m, unsigned i)
{
    unsigned j, old = 0;

    if (m_touch(m, i)) {
        return 1;
    }
    if (m->n == m->cap) {                           /* evict the oldest */
        for (j = 0; j < m->range; j++) {
            if (m->stamp[j] && (!m->stamp[old] || m->stamp[j] < m->stamp[old])) {
                old = j;
            }
        }
        m->stamp[old] = 0;
        m->n--;
    }
    m->stamp[i] = ++m->clock;
    m->n++;
    return 0;
}

MODEL static int m_remove(model *m, unsigned i)
{
    if (!m->stamp[i]) {
        return 0;
    }
    m->stamp[i] = 0;
    m->n--;
    return 1;
}

/* Key number i: small values and values with high bits set, 0 included. */
static apr_uint64_t key_of(unsigned i)
{
    apr_uint64_t k = i >> 1;

    return (i & 1) ? ~k : k;
}

/* Keys the fuzzed operations never use. */
static apr_uint64_t fresh_key(unsigned j)
{
    return APR_UINT64_C(0x5555555555555555) + j;
}

/* One operation on both; abort on any difference. */
static void step(h2p_diary *d, model *m, unsigned op, unsigned i)
{
    int got, want;

    switch (op) {
    case 1:
        got = h2p_diary_touch(d, key_of(i));
        want = m_touch(m, i);
        break;
    case 2:
        got = h2p_diary_remove(d, key_of(i));
        want = m_remove(m, i);
        break;
    default:
        got = h2p_diary_add(d, key_of(i));
        want = m_add(m, i);
        break;
    }
    if (got != want || h2p_diary_count(d) != m->n || m->n > m->cap) {
        abort();
    }
}

static const model *by_stamp_of;

static int by_stamp(const void *a, const void *b)
{
    unsigned sa = by_stamp_of->stamp[*(const unsigned *)a];
    unsigned sb = by_stamp_of->stamp[*(const unsigned *)b];

    return sa < sb ? -1 : sa > sb;
}

/*
 * The whole state: the model's keys are all present, and in the same
 * recency order. Members are touched from the least recent to the most
 * recent (which leaves the order as it was). For a small capacity (where
 * it costs about as much as the operations did) the rest of the key
 * range is touched too (a miss changes nothing), then capacity fresh
 * keys are added, each of which must evict exactly the next oldest key.
 */
static void check_state(h2p_diary *d, const model *m)
{
    static unsigned order[MAX_RANGE];
    unsigned i, j, n = 0, room = m->cap - m->n;
    int full = m->cap <= FULL_CHECK_CAP;

    for (i = 0; i < m->range; i++) {
        if (m->stamp[i]) {
            order[n++] = i;
        }
        else if (full && h2p_diary_touch(d, key_of(i))) {
            abort();
        }
    }
    if (n != m->n || h2p_diary_count(d) != n) {
        abort();
    }
    by_stamp_of = m;
    qsort(order, n, sizeof(*order), by_stamp);
    for (i = 0; i < n; i++) {
        if (!h2p_diary_touch(d, key_of(order[i]))) {
            abort();
        }
    }
    if (!full) {
        return;
    }
    for (j = 0; j < m->cap; j++) {
        if (h2p_diary_add(d, fresh_key(j))
            || h2p_diary_count(d) != (n + j + 1 < m->cap ? n + j + 1 : m->cap)) {
            abort();
        }
        if (j >= room && h2p_diary_touch(d, key_of(order[j - room]))) {
            abort();
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model m;
    apr_pool_t *p;
    h2p_diary *d;
    size_t at;

    if (size < HDR) {
        return 0;
    }
    memset(&m, 0, sizeof(m));
    m.cap = (((unsigned)data[0] << 8) | data[1]) % MAX_CAP + 1;
    m.range = 2 * m.cap + 4;

    apr_pool_create(&p, NULL);
    d = h2p_diary_create(p, m.cap);
    if (h2p_diary_count(d) != 0) {
        abort();
    }
    for (at = HDR; at + 1 < size; at += 2) {
        unsigned v = ((unsigned)data[at] << 8) | data[at + 1];

        step(d, &m, v & 3, (v >> 2) % m.range);
    }
    check_state(d, &m);

    apr_pool_destroy(p);
    return 0;
}
