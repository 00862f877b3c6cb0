/* Licensed under the Apache License, Version 2.0 */
/*
 * The push decision. Each candidate gets exactly one reason; the checks
 * run cheapest first and in the order an admin reads them in the debug
 * log: the link itself, the request, the client, the configuration, the
 * origin, this response, this connection, the limit, the lookup.
 */
#include <apr_strings.h>
#include "h2p_policy.h"

static const char * const reason_names[H2P_NREASONS] = {
    "promised", "nopush", "diary", "not-same-origin", "bad-link",
    "not-found", "forbidden", "too-large", "over-limit", "client-disabled",
    "not-eligible-request", "duplicate", "links-off"
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

        if (!l->bad && !l->preload) {
            continue;
        }
        c = apr_array_push(cands);
        c->link = l;
        c->source = src;
        c->path = NULL;
        c->reason = H2P_SKIP_BADLINK;
        ++n;
    }
    return n;
}

const char *h2p_link_emit(apr_pool_t *p, const h2p_link *l,
                          const h2p_cand *c)
{
    if (!c) {
        return l->raw;
    }
    if (l->bad) {
        return NULL;
    }
    if (c->reason == H2P_PROMISED) {
        return h2p_link_format(p, l, c->path, 0);
    }
    return h2p_link_format(p, l, NULL, 1);
}

/* Everything but the connection's diary and the lookup. */
static h2p_reason precheck(apr_pool_t *p, h2p_policy *pol, h2p_cand *c)
{
    const h2p_link *l = c->link;

    if (l->bad) {
        return H2P_SKIP_BADLINK;
    }
    if (l->nopush) {
        return H2P_SKIP_NOPUSH;
    }
    if (!pol->request_ok) {
        return H2P_SKIP_REQUEST;
    }
    if (!pol->push_ok) {
        return H2P_SKIP_CLIENT;
    }
    if (c->source == H2P_SRC_LINK && !pol->links_on) {
        return H2P_SKIP_LINKSOFF;
    }
    switch (h2p_uri_resolve(p, pol->scheme, pol->authority, pol->base_path,
                            l->target, &c->path)) {
    case H2P_URI_OK:
        break;
    case H2P_URI_OTHER_ORIGIN:
        c->path = NULL;
        return H2P_SKIP_ORIGIN;
    default:
        c->path = NULL;
        return H2P_SKIP_BADLINK;
    }
    if (apr_hash_get(pol->seen, c->path, APR_HASH_KEY_STRING)) {
        return H2P_SKIP_DUPLICATE;
    }
    apr_hash_set(pol->seen, c->path, APR_HASH_KEY_STRING, c->path);
    return H2P_PROMISED;
}

int h2p_policy_decide(apr_pool_t *p, h2p_policy *pol,
                      apr_array_header_t *cands)
{
    int i, promised = 0;

    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        const char *key = NULL;

        c->reason = precheck(p, pol, c);
        if (c->reason != H2P_PROMISED) {
            continue;
        }
        if (pol->claim) {
            key = apr_pstrcat(p, pol->scheme, "://", pol->authority,
                              c->path, NULL);
            if (pol->claim(pol->baton, key)) {
                c->reason = H2P_SKIP_DIARY;
                continue;
            }
        }
        if (pol->remaining <= 0) {
            c->reason = H2P_SKIP_OVERLIMIT;
        }
        else if (pol->verify) {
            c->reason = pol->verify(pol->baton, c->path);
        }
        if (c->reason != H2P_PROMISED) {
            if (key) {
                pol->release(pol->baton, key);
            }
            continue;
        }
        --pol->remaining;
        ++promised;
    }
    return promised;
}
