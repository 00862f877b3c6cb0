/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_diary.c, the per-connection push diary. */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "h2p_diary.h"
#include "h2p_link.h"
#include "unit.h"

static apr_pool_t *pool;

/* xorshift64: fixed seed, so every run does the same. */
static apr_uint64_t rng_state = APR_UINT64_C(0x2545f4914f6cdd1d);

static apr_uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Must match bucket_of() in h2p_diary.c (entries / 2 buckets, at least
 * one; Fibonacci hashing, then multiply-shift), or the collision tests
 * below still pass but no longer test chains. */
static unsigned bucket(apr_uint64_t key, unsigned entries)
{
    apr_uint64_t h = (key * APR_UINT64_C(0x9e3779b97f4a7c15)) >> 32;
    unsigned buckets = entries < 2 ? 1 : entries / 2;

    return (unsigned)((h * buckets) >> 32);
}

/* The reference model: keys[0] most recent, O(n) everything. */
typedef struct {
    apr_uint64_t keys[256];
    unsigned n, cap;
} ref_lru;

static int ref_find(const ref_lru *r, apr_uint64_t key)
{
    unsigned i;

    for (i = 0; i < r->n; i++) {
        if (r->keys[i] == key) {
            return (int)i;
        }
    }
    return -1;
}

static void ref_front(ref_lru *r, unsigned i, apr_uint64_t key)
{
    memmove(&r->keys[1], &r->keys[0], i * sizeof(r->keys[0]));
    r->keys[0] = key;
}

static int ref_touch(ref_lru *r, apr_uint64_t key)
{
    int i = ref_find(r, key);

    if (i < 0) {
        return 0;
    }
    ref_front(r, (unsigned)i, key);
    return 1;
}

static int ref_add(ref_lru *r, apr_uint64_t key)
{
    if (ref_touch(r, key)) {
        return 1;
    }
    if (r->n < r->cap) {
        r->n++;
    }
    ref_front(r, r->n - 1, key);        /* when full, drops the oldest */
    return 0;
}

static int ref_remove(ref_lru *r, apr_uint64_t key)
{
    int i = ref_find(r, key);

    if (i < 0) {
        return 0;
    }
    r->n--;
    memmove(&r->keys[i], &r->keys[i + 1],
            (r->n - (unsigned)i) * sizeof(r->keys[0]));
    return 1;
}

static void test_basic(void)
{
    h2p_diary *d = h2p_diary_create(pool, 8);

    CHECK(h2p_diary_count(d) == 0, "empty");
    CHECK(h2p_diary_touch(d, 1) == 0, "touch absent");
    CHECK(h2p_diary_remove(d, 1) == 0, "remove absent");
    CHECK(h2p_diary_add(d, 1) == 0, "add new");
    CHECK(h2p_diary_count(d) == 1, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_add(d, 1) == 1, "add present");
    CHECK(h2p_diary_count(d) == 1, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_touch(d, 1) == 1, "touch present");
    CHECK(h2p_diary_add(d, 0) == 0, "key 0 is a key");
    CHECK(h2p_diary_add(d, ~(apr_uint64_t)0) == 0, "all-ones is a key");
    CHECK(h2p_diary_count(d) == 3, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_touch(d, 0) == 1, "touch 0");
    CHECK(h2p_diary_touch(d, ~(apr_uint64_t)0) == 1, "touch all-ones");
    CHECK(h2p_diary_remove(d, 1) == 1, "remove present");
    CHECK(h2p_diary_remove(d, 1) == 0, "remove twice");
    CHECK(h2p_diary_touch(d, 1) == 0, "touch removed");
    CHECK(h2p_diary_count(d) == 2, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_add(d, 1) == 0, "re-add removed");
    CHECK(h2p_diary_count(d) == 3, "count %u", h2p_diary_count(d));
}

static void test_lru(void)
{
    h2p_diary *d = h2p_diary_create(pool, 3);

    h2p_diary_add(d, 'a');
    h2p_diary_add(d, 'b');
    h2p_diary_add(d, 'c');
    CHECK(h2p_diary_touch(d, 'a') == 1, "touch a");
    CHECK(h2p_diary_add(d, 'd') == 0, "add d");
    CHECK(h2p_diary_count(d) == 3, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_touch(d, 'b') == 0, "b evicted");
    CHECK(h2p_diary_touch(d, 'a') == 1, "a kept");
    CHECK(h2p_diary_touch(d, 'c') == 1, "c kept");
    CHECK(h2p_diary_touch(d, 'd') == 1, "d kept");

    /* Adding a present key makes it the most recent, like touch:
     * order now a c d (oldest first); add c, add e evicts a. */
    CHECK(h2p_diary_add(d, 'c') == 1, "add c again");
    CHECK(h2p_diary_add(d, 'e') == 0, "add e");
    CHECK(h2p_diary_touch(d, 'a') == 0, "a evicted");
    CHECK(h2p_diary_touch(d, 'c') == 1, "c kept");

    /* A removed slot is reused before anything is evicted. */
    CHECK(h2p_diary_remove(d, 'd') == 1, "remove d");
    CHECK(h2p_diary_add(d, 'f') == 0, "add f");
    CHECK(h2p_diary_count(d) == 3, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_touch(d, 'c') && h2p_diary_touch(d, 'e')
          && h2p_diary_touch(d, 'f'), "c e f all kept");
}

static void test_capacity_one(void)
{
    h2p_diary *d = h2p_diary_create(pool, 1);
    apr_uint64_t k;
    int bad = 0;

    for (k = 0; k < 100; k++) {
        bad += h2p_diary_add(d, k) != 0;
        bad += h2p_diary_add(d, k) != 1;
        bad += h2p_diary_count(d) != 1;
        bad += k > 0 && h2p_diary_touch(d, k - 1) != 0;
    }
    CHECK(bad == 0, "%d wrong answers with one entry", bad);
    CHECK(h2p_diary_remove(d, 99) == 1, "remove the one");
    CHECK(h2p_diary_count(d) == 0, "count %u", h2p_diary_count(d));
    CHECK(h2p_diary_add(d, 7) == 0 && h2p_diary_count(d) == 1,
          "refill after remove");
}

static void test_capacity_max(void)
{
    h2p_diary *d = h2p_diary_create(pool, H2P_DIARY_MAX);
    apr_uint64_t k, n = H2P_DIARY_MAX, over = 1000;
    int bad = 0;

    for (k = 0; k < n; k++) {
        bad += h2p_diary_add(d, k << 20) != 0;
    }
    CHECK(bad == 0, "%d adds failed while filling", bad);
    CHECK(h2p_diary_count(d) == n, "count %u", h2p_diary_count(d));
    for (k = n; k < n + over; k++) {
        bad += h2p_diary_add(d, k << 20) != 0;
    }
    CHECK(bad == 0, "%d adds failed overflowing", bad);
    CHECK(h2p_diary_count(d) == n, "count %u", h2p_diary_count(d));
    for (k = 0; k < over; k++) {
        bad += h2p_diary_touch(d, k << 20) != 0;
    }
    CHECK(bad == 0, "%d of the oldest %d not evicted", bad, (int)over);
    for (k = over; k < n + over; k++) {
        bad += h2p_diary_touch(d, k << 20) != 1;
    }
    CHECK(bad == 0, "%d of the newest %d evicted", bad, (int)n);

    /* Empty it completely through the free list, then fill again. */
    for (k = over; k < n + over; k++) {
        bad += h2p_diary_remove(d, k << 20) != 1;
    }
    CHECK(bad == 0 && h2p_diary_count(d) == 0, "%d removes failed", bad);
    for (k = 0; k < n + 1; k++) {
        bad += h2p_diary_add(d, k) != 0;
    }
    CHECK(bad == 0 && h2p_diary_count(d) == n, "%d refills failed", bad);
    CHECK(h2p_diary_touch(d, 0) == 0 && h2p_diary_touch(d, 1) == 1,
          "refill evicts the oldest");
}

static void test_clamp(void)
{
    h2p_diary *d = h2p_diary_create(pool, 0);
    unsigned k;
    int bad = 0;

    h2p_diary_add(d, 1);
    h2p_diary_add(d, 2);
    CHECK(h2p_diary_count(d) == 1, "0 entries acts as 1: count %u",
          h2p_diary_count(d));
    CHECK(h2p_diary_bytes(0) == h2p_diary_bytes(1), "bytes(0)");

    /* 65535 would be NIL as a slot number. */
    d = h2p_diary_create(pool, H2P_DIARY_MAX + 1);
    for (k = 0; k < H2P_DIARY_MAX + 10; k++) {
        bad += h2p_diary_add(d, k) != 0;
    }
    CHECK(bad == 0, "%d adds failed", bad);
    CHECK(h2p_diary_count(d) == H2P_DIARY_MAX, "MAX+1 acts as MAX: count %u",
          h2p_diary_count(d));
    CHECK(h2p_diary_touch(d, 9) == 0 && h2p_diary_touch(d, 10) == 1,
          "MAX+1: oldest evicted");

    d = h2p_diary_create(pool, 4000000000u);
    for (k = 0; k < H2P_DIARY_MAX + 1; k++) {
        h2p_diary_add(d, k);
    }
    CHECK(h2p_diary_count(d) == H2P_DIARY_MAX, "huge acts as MAX: count %u",
          h2p_diary_count(d));
    CHECK(h2p_diary_bytes(H2P_DIARY_MAX + 1) == h2p_diary_bytes(H2P_DIARY_MAX)
          && h2p_diary_bytes(4000000000u) == h2p_diary_bytes(H2P_DIARY_MAX),
          "bytes clamps like create");
}

/* a, b, c share one bucket; added in that order, the chain is c b a.
 * Remove, then evict, each of them in turn: head, middle and tail. */
static void check_chain(unsigned n, const apr_uint64_t *abc)
{
    static const char *pos[] = { "tail", "middle", "head" };
    apr_uint64_t filler;
    h2p_diary *d;
    unsigned t, j;
    int bad;

    for (t = 0; t < 3; t++) {
        d = h2p_diary_create(pool, n);
        for (j = 0; j < 3; j++) {
            h2p_diary_add(d, abc[j]);
        }
        CHECK(h2p_diary_remove(d, abc[t]) == 1, "n=%u remove %s", n, pos[t]);
        CHECK(h2p_diary_count(d) == 2, "n=%u count %u", n,
              h2p_diary_count(d));
        for (j = 0, bad = 0; j < 3; j++) {
            bad += h2p_diary_touch(d, abc[j]) != (j != t);
        }
        CHECK(bad == 0, "n=%u after removing the %s", n, pos[t]);
        CHECK(h2p_diary_add(d, abc[t]) == 0, "n=%u re-add %s", n, pos[t]);
        for (j = 0, bad = 0; j < 3; j++) {
            bad += h2p_diary_remove(d, abc[j]) != 1;
            bad += h2p_diary_touch(d, abc[j]) != 0;
        }
        CHECK(bad == 0 && h2p_diary_count(d) == 0, "n=%u emptying", n);

        d = h2p_diary_create(pool, n);
        for (j = 0; j < 3; j++) {
            h2p_diary_add(d, abc[j]);
        }
        for (j = 0; j < 3; j++) {       /* make abc[t] the least recent */
            if (j != t) {
                h2p_diary_touch(d, abc[j]);
            }
        }
        filler = 1000000;               /* above any of a, b, c */
        for (j = 3; j <= n; j++) {      /* fill up, then one more */
            h2p_diary_add(d, filler++);
        }
        CHECK(h2p_diary_count(d) == n, "n=%u count %u", n,
              h2p_diary_count(d));
        for (j = 0, bad = 0; j < 3; j++) {
            bad += h2p_diary_touch(d, abc[j]) != (j != t);
        }
        CHECK(bad == 0, "n=%u after evicting the %s", n, pos[t]);
        for (j = 0, bad = 0; j < 3; j++) {
            bad += h2p_diary_remove(d, abc[j]) != (j != t);
        }
        CHECK(bad == 0 && h2p_diary_count(d) == n - 2,
              "n=%u removing the rest", n);
    }
}

static void test_collisions(void)
{
    static const unsigned sizes[] = { 3, 4, 64, 1000 };
    apr_uint64_t abc[3], k;
    unsigned s, found;

    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (k = 0, found = 0; found < 3 && k < 1000000; k++) {
            if (bucket(k, sizes[s]) == bucket(0, sizes[s])) {
                abc[found++] = k;
            }
        }
        CHECK(found == 3, "n=%u: three colliding keys", sizes[s]);
        if (found == 3) {
            check_chain(sizes[s], abc);
        }
    }
}

/* Random add/touch/remove against the reference model, keys drawn from
 * 0..3n-1 so that most operations hit. Blocks of 1000 operations
 * alternate between mostly adding and mostly removing, so the diary
 * both overflows and drains. */
static void test_random(void)
{
    static const unsigned sizes[] = { 1, 2, 3, 7, 64, 256 };
    static ref_lru r;
    unsigned s, i, op, add_pc, rm_pc;
    apr_uint64_t key;
    int got, want, bad;
    h2p_diary *d;

    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        d = h2p_diary_create(pool, sizes[s]);
        r.n = 0;
        r.cap = sizes[s];
        for (i = 0, bad = 0; i < 1000000 && !bad; i++) {
            add_pc = (i / 1000) % 2 ? 30 : 55;
            rm_pc = (i / 1000) % 2 ? 50 : 10;
            op = (unsigned)(rng() % 100);
            key = rng() % (3 * sizes[s]);
            if (op < add_pc) {
                got = h2p_diary_add(d, key);
                want = ref_add(&r, key);
            }
            else if (op < add_pc + rm_pc) {
                got = h2p_diary_remove(d, key);
                want = ref_remove(&r, key);
            }
            else {
                got = h2p_diary_touch(d, key);
                want = ref_touch(&r, key);
            }
            if (got != want || h2p_diary_count(d) != r.n) {
                bad = 1;
                fprintf(stderr, "n=%u op %u (%s %u): got %d count %u, "
                        "want %d count %u\n", sizes[s], i,
                      op < add_pc ? "add" : op < add_pc + rm_pc ? "remove"
                        : "touch", (unsigned)key, got, h2p_diary_count(d),
                        want, r.n);
            }
        }
        CHECK(!bad, "n=%u: 1000000 random operations", sizes[s]);
    }
}

static void test_bytes(void)
{
    unsigned n;
    int bad = 0;

    CHECK(h2p_diary_bytes(256) / 256 <= 16, "bytes(256) = %lu",
          (unsigned long)h2p_diary_bytes(256));
    CHECK(h2p_diary_bytes(65534) / 65534 <= 16, "bytes(65534) = %lu",
          (unsigned long)h2p_diary_bytes(65534));
    for (n = 64; n <= H2P_DIARY_MAX; n++) {     /* exactly, not rounded */
        bad += h2p_diary_bytes(n) > 16 * (apr_size_t)n;
    }
    CHECK(bad == 0, "%d sizes from 64 up take more than 16 bytes an entry",
          bad);
    CHECK(h2p_diary_bytes(2) > h2p_diary_bytes(1)
          && h2p_diary_bytes(1) > 0, "bytes grows");
}

static int cmp_u64(const void *a, const void *b)
{
    apr_uint64_t x = *(const apr_uint64_t *)a, y = *(const apr_uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* sorts keys; the number of keys equal to the one before */
static int count_dups(apr_uint64_t *keys, int n)
{
    int i, dups = 0;

    qsort(keys, n, sizeof(*keys), cmp_u64);
    for (i = 1; i < n; i++) {
        dups += keys[i] == keys[i - 1];
    }
    return dups;
}

static void test_key(void)
{
    apr_uint64_t *keys = apr_palloc(pool, 10000 * sizeof(*keys));
    apr_uint64_t origin;
    int i, dups;

    CHECK(h2p_diary_key_pair(7, 9) == h2p_diary_key_pair(7, 9),
          "same pair, same key");
    /* Pinned, so that the key is seen to be the same in every process. */
    CHECK(h2p_diary_key_pair(APR_UINT64_C(0x1234), 1)
          == APR_UINT64_C(0x693599d53deef310), "pinned value %016llx",
          (unsigned long long)h2p_diary_key_pair(APR_UINT64_C(0x1234), 1));

    /* the key as h2p_policy makes it: pair(origin, h2p_hash(path)) for
     * 10000 paths of one origin, all distinct */
    origin = h2p_diary_key_pair(h2p_hash("https"), h2p_hash("h:443"));
    for (i = 0; i < 10000; i++) {
        keys[i] = h2p_diary_key_pair(origin, h2p_hash(
                      apr_psprintf(pool, "/path/%d", i)));
    }
    dups = count_dups(keys, 10000);
    CHECK(dups == 0, "%d equal keys among 10000 paths", dups);

    /* pairs: one origin, 10000 paths; and the order of the pair counts */
    for (i = 0; i < 10000; i++) {
        keys[i] = h2p_diary_key_pair(APR_UINT64_C(0x1234),
                                     (apr_uint64_t)i * 7919);
    }
    dups = count_dups(keys, 10000);
    CHECK(dups == 0, "%d equal pair keys among 10000 paths", dups);
    CHECK(h2p_diary_key_pair(1, 2) != h2p_diary_key_pair(2, 1),
          "pair is ordered");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_basic();
    test_lru();
    test_capacity_one();
    test_capacity_max();
    test_clamp();
    test_collisions();
    test_random();
    test_bytes();
    test_key();

    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("diary");
}
