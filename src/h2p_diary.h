/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_diary.h
 * @brief Per-connection push diary: a bounded LRU set of 64-bit keys.
 *
 * Exact (no false positives beyond 64-bit hash collisions), constant time
 * per operation, fixed memory (h2p_diary_bytes()). Not thread-safe: the
 * caller serialises access.
 */
#ifndef H2P_DIARY_H
#define H2P_DIARY_H

#include <apr_pools.h>

/** Largest number of entries a diary can hold. */
#define H2P_DIARY_MAX 65534

typedef struct h2p_diary h2p_diary;

/** The key of a pair of 64-bit hashes (an origin's and a path's, say):
 *  for one a, distinct b give distinct keys. */
apr_uint64_t h2p_diary_key_pair(apr_uint64_t a, apr_uint64_t b);

/** Create a diary of 1..H2P_DIARY_MAX entries, all memory from 'p'. */
h2p_diary *h2p_diary_create(apr_pool_t *p, unsigned entries);

/** 1 if key is present (and then it becomes the most recent), else 0. */
int h2p_diary_touch(h2p_diary *d, apr_uint64_t key);

/** Make a diary in 'block' of h2p_diary_bytes(entries) bytes, suitably
 *  aligned (shared memory, say: it holds pointers into itself, so every
 *  process must map it at one address). */
h2p_diary *h2p_diary_init(void *block, unsigned entries);

/** What h2p_diary_put() did. */
typedef enum {
    H2P_DIARY_ADDED = 0,   /**< a new key, nothing evicted */
    H2P_DIARY_HELD,        /**< already present: touched */
    H2P_DIARY_EVICTED      /**< a new key; the least recent one went */
} h2p_diary_put_rc;

/** Add key as most recent; when full, the least recent is evicted and,
 *  when 'evicted' is not NULL, written there. */
h2p_diary_put_rc h2p_diary_put(h2p_diary *d, apr_uint64_t key,
                               apr_uint64_t *evicted);

/** Add key as most recent; when full, the least recent is evicted.
 *  Returns 1 if the key was already present (it is then touched). */
int h2p_diary_add(h2p_diary *d, apr_uint64_t key);

/** Remove key if present; returns 1 if it was. */
int h2p_diary_remove(h2p_diary *d, apr_uint64_t key);

/** Number of keys held. */
unsigned h2p_diary_count(const h2p_diary *d);

/** Bytes a diary of 'entries' entries takes (struct included). */
apr_size_t h2p_diary_bytes(unsigned entries);

#endif /* H2P_DIARY_H */
