/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_learn.c, the learned-hints rules (built and
 * run by t/fuzz/run.sh with src/h2p_learn.c, src/h2p_link.c and
 * src/h2p_diary.c).
 *
 * Input: a first byte of flags, then up to three parts separated by NUL
 * bytes: a stored entry (as a cache could hand back: anything), a Cookie
 * header and a Cache-Control/Vary value. Every function gets them; what
 * must hold:
 *  - decoding never reads past the input and gives an entry only for
 *    the key asked ("k");
 *  - a decoded entry encodes to at most H2P_LEARN_MAX_VALUE bytes and
 *    decodes again to the same sets;
 *  - a scope's replay names only links that at least
 *    H2P_LEARN_SCOPE_AGREE of its sets name, at most 'max' of them;
 *  - folding a set in keeps at most H2P_LEARN_SCOPE_SETS sets, the new
 *    one first.
 * Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_learn.h"
#include "h2p_link.h"

static apr_pool_t *pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *part(const uint8_t **d, size_t *left)
{
    const uint8_t *z = memchr(*d, 0, *left);
    size_t n = z ? (size_t)(z - *d) : *left;
    const char *s = apr_pstrmemdup(pool, (const char *)*d, n);

    *d += n + (z ? 1 : 0);
    *left -= n + (z ? 1 : 0);
    return s;
}

static int count_sets_naming(const h2p_learn_entry *e, const h2p_link *l)
{
    int i, j, n = 0;

    for (i = 0; i < e->sets->nelts; ++i) {
        apr_array_header_t *links = apr_array_make(pool, 4, sizeof(h2p_link));
        int hit = 0;

        h2p_link_parse(pool, APR_ARRAY_IDX(e->sets, i, const char *), links);
        for (j = 0; j < links->nelts; ++j) {
            const h2p_link *m = &APR_ARRAY_IDX(links, j, h2p_link);
            hit |= !m->bad && m->target_hash == l->target_hash;
        }
        n += hit;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    h2p_learn_entry e, again, n;
    apr_array_header_t *pats;
    const char *stored, *cookie, *hdr, *v, *r;
    apr_size_t len;
    int flags, max, i;

    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    if (size < 1) {
        return 0;
    }
    flags = data[0];
    data++, size--;
    stored = part(&data, &size);
    cookie = part(&data, &size);
    hdr = part(&data, &size);
    max = 1 + (flags >> 4);

    pats = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(pats, const char *) = "_ga";
    APR_ARRAY_PUSH(pats, const char *) = (flags & 8) ? "*" : "_p?_*";
    (void)h2p_learn_cookies_ignored(cookie, pats);
    (void)h2p_learn_has_token(hdr, "private");
    (void)h2p_learn_has_token(hdr, "*");
    (void)h2p_learn_host_ok(cookie, hdr, pats, pats);

    if (h2p_learn_decode(pool, stored, strlen(stored), "k", 0, &e)
        == H2P_LEARN_OK) {
        if (strcmp(e.key, "k")) {
            abort();
        }
        v = h2p_learn_encode(pool, &e, &len);
        if (v) {
            if (len > H2P_LEARN_MAX_VALUE || strlen(v) != len
                || h2p_learn_decode(pool, v, len, "k", 0, &again)
                   != H2P_LEARN_OK
                || again.sets->nelts > e.sets->nelts) {
                abort();
            }
            for (i = 0; i < again.sets->nelts; ++i) {
                if (strcmp(APR_ARRAY_IDX(again.sets, i, const char *),
                           APR_ARRAY_IDX(e.sets, i, const char *))) {
                    abort();
                }
            }
        }
        r = h2p_learn_replay(pool, &e, flags & 1, max);
        if (r && (flags & 1)) {
            apr_array_header_t *links = apr_array_make(pool, 4,
                                                       sizeof(h2p_link));
            h2p_link_parse(pool, r, links);
            if (links->nelts > max) {
                abort();
            }
            for (i = 0; i < links->nelts; ++i) {
                const h2p_link *l = &APR_ARRAY_IDX(links, i, h2p_link);
                if (l->bad || count_sets_naming(&e, l)
                              < H2P_LEARN_SCOPE_AGREE) {
                    abort();
                }
            }
        }
        if (h2p_learn_update(pool, &e, "k", hdr, 5, flags & 1, 0,
                             apr_time_from_sec(10), &n)) {
            if (n.sets->nelts < 1 || strcmp(APR_ARRAY_IDX(n.sets, 0,
                                                          const char *), hdr)
                || n.sets->nelts > ((flags & 1) ? H2P_LEARN_SCOPE_SETS : 1)) {
                abort();
            }
        }
    }
    apr_pool_clear(pool);
    return 0;
}
