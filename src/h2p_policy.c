/* Licensed under the Apache License, Version 2.0 */
/*
 * The push decision. Each candidate gets exactly one reason; the checks
 * run cheapest first and in the order an admin reads them in the debug
 * log: the link itself, the request, the client, the configuration, the
 * origin, this response, this connection, the limit, the lookup.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_cstr.h>
#include "h2p_policy.h"

static const char * const reason_names[H2P_NREASONS] = {
    "promised", "nopush", "diary", "not-same-origin", "bad-link",
    "not-found", "forbidden", "too-large", "over-limit", "client-disabled",
    "not-eligible-request", "duplicate", "links-off", "self", "generated",
    "hinted"
};

const char *h2p_reason_name(h2p_reason reason)
{
    return (reason >= 0 && reason < H2P_NREASONS) ? reason_names[reason]
                                                  : "unknown";
}

int h2p_cands_add(apr_array_header_t *cands, const apr_array_header_t *links,
                  h2p_source src)
{
    int i, n = 0;

    for (i = 0; i < links->nelts; ++i) {
        const h2p_link *l = &APR_ARRAY_IDX(links, i, h2p_link);
        h2p_cand *c;

        if (!l->bad && !l->preload && !l->modulepreload) {
            continue;
        }
        c = h2p_array_push(cands);
        c->link = l;
        c->source = src;
        c->path = NULL;
        c->reason = H2P_SKIP_BADLINK;
        c->as = NULL;
        c->cors = 0;
        c->key = 0;
        ++n;
    }
    return n;
}

/* strlen(c->path), known already when it is the link's target */
static apr_size_t path_len(const h2p_cand *c)
{
    return c->path == c->link->target ? c->link->target_len
                                      : strlen(c->path);
}

const char *h2p_cands_paths(apr_pool_t *p, const apr_array_header_t *cands,
                            const char *before)
{
    apr_size_t n = before ? strlen(before) : 0, len;
    char *buf, *d;
    int i;

    for (i = 0; i < cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->reason == H2P_PROMISED) {
            n += path_len(c) + 1;
        }
    }
    d = buf = apr_palloc(p, n + 1);
    if (before && *before) {
        memcpy(d, before, n = strlen(before));
        d += n;
    }
    for (i = 0; i < cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->reason == H2P_PROMISED) {
            if (d != buf) {
                *d++ = ' ';
            }
            memcpy(d, c->path, len = path_len(c));
            d += len;
        }
    }
    *d = '\0';
    return buf;
}

const char *h2p_link_emit(apr_pool_t *p, const h2p_link *l,
                          const h2p_cand *c)
{
    if (!c) {
        return h2p_link_format(p, l, NULL, 0);
    }
    if (l->bad || c->reason == H2P_SKIP_DUPLICATE) {
        return NULL;
    }
    if (c->reason == H2P_SKIP_CLIENT) {
        return h2p_link_format(p, l, NULL, 0);    /* as it came */
    }
    if (c->reason == H2P_PROMISED && l->modulepreload) {
        /* mod_http2 pushes rel=preload only; a module script is a script
         * fetched in CORS mode */
        return apr_pstrcat(p, "<", c->path, ">; rel=preload; as=script; ",
                           l->crossorigin && *l->crossorigin
                           ? apr_pstrcat(p, "crossorigin=", l->crossorigin,
                                         NULL)
                           : "crossorigin", l->critical ? "; critical" : "",
                           NULL);
    }
    if (c->reason == H2P_PROMISED || c->reason == H2P_HINTED) {
        const char *v;

        if (!c->as && l->canonical && c->path == l->target) {
            return l->raw;      /* what h2p_link_format() would give */
        }
        v = h2p_link_format(p, l, c->path, 0);

        if (c->as) {
            v = apr_pstrcat(p, v, "; as=", c->as,
                            c->cors && !l->crossorigin ? "; crossorigin"
                                                       : "", NULL);
        }
        return v;
    }
    return h2p_link_format(p, l, NULL, 1);
}

const char *h2p_as_for_type(const char *ctype, int *cors)
{
    static const struct {
        const char *prefix;
        const char *as;
        int cors;
    } map[] = {
        { "text/css", "style", 0 },
        { "text/javascript", "script", 0 },
        { "application/javascript", "script", 0 },
        { "application/x-javascript", "script", 0 },
        { "application/ecmascript", "script", 0 },
        { "font/", "font", 1 },
        { "application/font-", "font", 1 },
        { "application/x-font-", "font", 1 },
        { "image/", "image", 0 },
        { "application/json", "fetch", 1 },
        { NULL, NULL, 0 }
    };
    int i;

    *cors = 0;
    if (!ctype) {
        return NULL;
    }
    for (i = 0; map[i].prefix; ++i) {
        if (!apr_cstr_casecmpn(ctype, map[i].prefix, strlen(map[i].prefix))) {
            *cors = map[i].cors;
            return map[i].as;
        }
    }
    return NULL;
}

/* The seen set: open addressing on the (well mixed) keys, 0 = empty */
struct h2p_seen {
    apr_pool_t *pool;
    apr_uint64_t *slot;
    unsigned mask, count;
};

h2p_seen *h2p_seen_make(apr_pool_t *p)
{
    h2p_seen *st = apr_palloc(p, sizeof(*st));

    st->pool = p;
    st->mask = 31;
    st->count = 0;
    st->slot = apr_pcalloc(p, (st->mask + 1) * sizeof(apr_uint64_t));
    return st;
}

/* h2p_seen_add(), inline where the policy adds */
static APR_INLINE int seen_add(h2p_seen *st, apr_uint64_t key)
{
    unsigned i;

    key += !key;
    if (2 * (st->count + 1) > st->mask + 1) {     /* keep it half empty */
        apr_uint64_t *old = st->slot;
        unsigned j, n = st->mask + 1;

        st->mask = 2 * n - 1;
        st->slot = apr_pcalloc(st->pool, 2 * n * sizeof(apr_uint64_t));
        for (j = 0; j < n; ++j) {
            if (!old[j]) {
                continue;
            }
            for (i = (unsigned)old[j] & st->mask; st->slot[i];
                 i = (i + 1) & st->mask)
                ;
            st->slot[i] = old[j];
        }
    }
    for (i = (unsigned)key & st->mask; st->slot[i]; i = (i + 1) & st->mask) {
        if (st->slot[i] == key) {
            return 1;
        }
    }
    st->slot[i] = key;
    st->count++;
    return 0;
}

int h2p_seen_add(h2p_seen *st, apr_uint64_t key)
{
    return seen_add(st, key);
}

int h2p_cands_dedupe(h2p_seen *seen, apr_array_header_t *cands)
{
    int i, n = 0;

    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->path && c->reason != H2P_SKIP_DUPLICATE
            && seen_add(seen, h2p_diary_key_pair(0, h2p_hash(c->path)))) {
            c->reason = H2P_SKIP_DUPLICATE;
            ++n;
        }
    }
    return n;
}

/* Is the resolved path (query kept) the page itself: its path with no
 * query, an empty one or its own? */
static int is_self(const h2p_policy *pol, const char *path)
{
    const char *base = pol->base_path;

    if (!base) {
        return 0;
    }
    /* the paths up to their '?' or end: equal? */
    for (; *path && *path != '?' && *path == *base; path++, base++)
        ;
    if ((*path && *path != '?') || (*base && *base != '?')) {
        return 0;
    }
    return !*path || !path[1]
           || (pol->self_query && !strcmp(path + 1, pol->self_query));
}

/* Everything but the connection's diary and the lookup. 'origin' is the
 * hash of scheme and authority, 'scheme_ok' h2p_uri_scheme_ok(scheme). */
static h2p_reason precheck(apr_pool_t *p, h2p_policy *pol, h2p_cand *c,
                           apr_uint64_t origin, int scheme_ok)
{
    const h2p_link *l = c->link;
    h2p_uri_rc rc;

    if (l->bad) {
        return H2P_SKIP_BADLINK;
    }
    /* resolved first: learning wants the path whatever the outcome */
    if (l->abs_path && scheme_ok) {
        c->path = l->target;            /* what resolving would give */
        rc = H2P_URI_OK;
    }
    else if ((rc = h2p_uri_resolve(p, pol->scheme, pol->authority,
                                   pol->base_path, l->target, &c->path))
             != H2P_URI_OK) {
        c->path = NULL;
    }
    if (l->nopush && pol->mode != H2P_MODE_HINT) {
        return H2P_SKIP_NOPUSH;
    }
    if (!pol->request_ok) {
        return H2P_SKIP_REQUEST;
    }
    if (pol->mode == H2P_MODE_NONE) {
        return H2P_SKIP_CLIENT;
    }
    if (c->source != H2P_SRC_STATIC && c->source != H2P_SRC_PRELOAD
        && !pol->links_on) {
        return H2P_SKIP_LINKSOFF;
    }
    if (rc != H2P_URI_OK) {
        return rc == H2P_URI_OTHER_ORIGIN ? H2P_SKIP_ORIGIN : H2P_SKIP_BADLINK;
    }
    if (is_self(pol, c->path)) {
        return H2P_SKIP_SELF;
    }
    c->key = h2p_diary_key_pair(origin, c->path == l->target
                                        ? l->target_hash : h2p_hash(c->path));
    if (seen_add(pol->seen, c->key)) {
        return H2P_SKIP_DUPLICATE;
    }
    return H2P_PROMISED;
}

/* The diary, under one lock for all candidates still promised: without
 * record, those it holds already become "diary" (their lookups spared);
 * with record, the promised ones are added, and one another stream of the
 * connection added in between becomes "diary" after all. Returns how many
 * promised became "diary". */
static int diary_pass(h2p_policy *pol, apr_array_header_t *cands,
                      int record)
{
    h2p_diary *d = pol->lock(pol->baton);
    int i, n = 0;

    for (i = 0; d && i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        if (c->reason == H2P_PROMISED
            && (record ? h2p_diary_put(d, c->key, NULL) == H2P_DIARY_HELD
                       : h2p_diary_touch(d, c->key))) {
            c->reason = H2P_SKIP_DIARY;
            ++n;
        }
    }
    pol->unlock(pol->baton);
    return n;
}

int h2p_policy_decide(apr_pool_t *p, h2p_policy *pol,
                      apr_array_header_t *cands)
{
    int i, decided = 0, open = 0, diary;
    int scheme_ok = h2p_uri_scheme_ok(pol->scheme);
    apr_uint64_t origin = h2p_diary_key_pair(
        h2p_hash(pol->scheme ? pol->scheme : ""),
        h2p_hash(pol->authority ? pol->authority : ""));

    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        c->reason = precheck(p, pol, c, origin, scheme_ok);
        open += c->reason == H2P_PROMISED;
    }
    diary = open && pol->lock && pol->mode == H2P_MODE_PUSH;
    if (diary && pol->verify) {
        diary_pass(pol, cands, 0);       /* no lookup for what it holds */
    }
    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        const char *ctype = NULL;

        if (c->reason != H2P_PROMISED) {
            continue;
        }
        if (pol->remaining <= 0 || (pol->verify && pol->lookups
                                    && *pol->lookups <= 0)) {
            c->reason = H2P_SKIP_OVERLIMIT;
        }
        else if (pol->verify) {
            if (pol->lookups) {
                --*pol->lookups;
            }
            c->reason = pol->verify(pol->baton, c->path, &ctype);
        }
        if (c->reason != H2P_PROMISED) {
            continue;
        }
        if (!c->link->as && !c->link->modulepreload) {
            c->as = h2p_as_for_type(ctype, &c->cors);
        }
        if (pol->mode == H2P_MODE_HINT) {
            c->reason = H2P_HINTED;
        }
        --pol->remaining;
        ++decided;
    }
    if (diary && decided) {
        diary = diary_pass(pol, cands, 1);
        pol->remaining += diary;
        decided -= diary;
    }
    return decided;
}
