/* Licensed under the Apache License, Version 2.0 */
/* The push diary: an exact LRU set of 64-bit keys in fixed memory.
 *
 * Entries live in parallel arrays indexed by 16-bit slot numbers, NIL
 * ending a list. A held entry is on two lists: the doubly linked LRU
 * list (prev/next, head = most recent) and the chain of its hash bucket
 * (chain). Slots freed by remove form a list through next; slots never
 * used yet are d->used .. entries-1.
 *
 * Memory is one block: the struct, then key[entries], prev[entries],
 * next[entries], chain[entries] and bucket[buckets], with one bucket for
 * every two entries: 8 + 2 + 2 + 2 + 1 = 15 bytes an entry, so with the
 * struct at most 16 bytes an entry from 64 entries up.
 */
#include <string.h>

#include <apr_general.h>

#include "h2p_diary.h"

#define NIL 0xFFFF

struct h2p_diary {
    apr_uint64_t *key;
    apr_uint16_t *prev, *next;      /* LRU list; next also links free slots */
    apr_uint16_t *chain;            /* next slot in the same bucket */
    apr_uint16_t *bucket;           /* first slot of each bucket */
    unsigned entries, buckets;
    unsigned count;                 /* keys held */
    unsigned used;                  /* slots taken so far, 0..entries */
    apr_uint16_t head, tail;        /* most and least recent */
    apr_uint16_t free;              /* first freed slot */
};

static unsigned clamp_entries(unsigned entries)
{
    return entries < 1 ? 1 : entries > H2P_DIARY_MAX ? H2P_DIARY_MAX : entries;
}

static unsigned buckets_for(unsigned entries)
{
    return entries < 2 ? 1 : entries / 2;
}

apr_size_t h2p_diary_bytes(unsigned entries)
{
    entries = clamp_entries(entries);
    return APR_ALIGN_DEFAULT(sizeof(h2p_diary))
           + entries * (sizeof(apr_uint64_t) + 3 * sizeof(apr_uint16_t))
           + buckets_for(entries) * sizeof(apr_uint16_t);
}

/* the splitmix64 finaliser: a bijection that spreads every input bit */
static apr_uint64_t mix(apr_uint64_t h)
{
    h ^= h >> 30;
    h *= APR_UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= APR_UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    return h;
}

apr_uint64_t h2p_diary_key_pair(apr_uint64_t a, apr_uint64_t b)
{
    return mix(a * APR_UINT64_C(0x9e3779b97f4a7c15) + b);
}

h2p_diary *h2p_diary_create(apr_pool_t *p, unsigned entries)
{
    return h2p_diary_init(apr_palloc(p, h2p_diary_bytes(entries)), entries);
}

h2p_diary *h2p_diary_init(void *block, unsigned entries)
{
    h2p_diary *d;
    char *mem = block;

    entries = clamp_entries(entries);
    d = (h2p_diary *)mem;
    mem += APR_ALIGN_DEFAULT(sizeof(*d));
    d->key = (apr_uint64_t *)mem;
    mem += entries * sizeof(apr_uint64_t);
    d->prev = (apr_uint16_t *)mem;
    d->next = d->prev + entries;
    d->chain = d->next + entries;
    d->bucket = d->chain + entries;
    d->entries = entries;
    d->buckets = buckets_for(entries);
    d->count = d->used = 0;
    d->head = d->tail = d->free = NIL;
    memset(d->bucket, 0xFF, d->buckets * sizeof(apr_uint16_t));
    return d;
}

/* Key's bucket: Fibonacci hashing mixes the key, multiply-shift
 * reduces its top 32 bits to 0..buckets-1. */
static apr_uint16_t *bucket_of(h2p_diary *d, apr_uint64_t key)
{
    apr_uint64_t h = (key * APR_UINT64_C(0x9e3779b97f4a7c15)) >> 32;

    return &d->bucket[(h * d->buckets) >> 32];
}

/* The link (bucket head or chain entry) that holds key's slot, or the
 * NIL ending its bucket's chain when key is absent. */
static apr_uint16_t *find(h2p_diary *d, apr_uint64_t key)
{
    apr_uint16_t *link = bucket_of(d, key);

    while (*link != NIL && d->key[*link] != key) {
        link = &d->chain[*link];
    }
    return link;
}

static void lru_unlink(h2p_diary *d, apr_uint16_t i)
{
    if (d->prev[i] != NIL) {
        d->next[d->prev[i]] = d->next[i];
    }
    else {
        d->head = d->next[i];
    }
    if (d->next[i] != NIL) {
        d->prev[d->next[i]] = d->prev[i];
    }
    else {
        d->tail = d->prev[i];
    }
}

static void lru_push(h2p_diary *d, apr_uint16_t i)
{
    d->prev[i] = NIL;
    d->next[i] = d->head;
    if (d->head != NIL) {
        d->prev[d->head] = i;
    }
    else {
        d->tail = i;
    }
    d->head = i;
}

/* Take the slot held in *link off its chain and the LRU list. */
static apr_uint16_t drop(h2p_diary *d, apr_uint16_t *link)
{
    apr_uint16_t i = *link;

    *link = d->chain[i];
    lru_unlink(d, i);
    d->count--;
    return i;
}

int h2p_diary_touch(h2p_diary *d, apr_uint64_t key)
{
    apr_uint16_t i = *find(d, key);

    if (i == NIL) {
        return 0;
    }
    if (i != d->head) {
        lru_unlink(d, i);
        lru_push(d, i);
    }
    return 1;
}

int h2p_diary_add(h2p_diary *d, apr_uint64_t key)
{
    return h2p_diary_put(d, key, NULL) == H2P_DIARY_HELD;
}

h2p_diary_put_rc h2p_diary_put(h2p_diary *d, apr_uint64_t key,
                               apr_uint64_t *evicted)
{
    h2p_diary_put_rc rc = H2P_DIARY_ADDED;
    apr_uint16_t i, *link = bucket_of(d, key);

    for (i = *link; i != NIL; i = d->chain[i]) {
        if (d->key[i] == key) {
            if (i != d->head) {
                lru_unlink(d, i);
                lru_push(d, i);
            }
            return H2P_DIARY_HELD;
        }
    }
    if (d->free != NIL) {
        i = d->free;
        d->free = d->next[i];
    }
    else if (d->used < d->entries) {
        i = (apr_uint16_t)d->used++;
    }
    else {
        if (evicted) {
            *evicted = d->key[d->tail];
        }
        i = drop(d, find(d, d->key[d->tail]));      /* full: evict oldest */
        rc = H2P_DIARY_EVICTED;
    }
    /* new keys head their chain */
    d->key[i] = key;
    d->chain[i] = *link;
    *link = i;
    lru_push(d, i);
    d->count++;
    return rc;
}

int h2p_diary_remove(h2p_diary *d, apr_uint64_t key)
{
    apr_uint16_t i, *link = find(d, key);

    if (*link == NIL) {
        return 0;
    }
    i = drop(d, link);
    d->next[i] = d->free;
    d->free = i;
    return 1;
}

unsigned h2p_diary_count(const h2p_diary *d)
{
    return d->count;
}
