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
    "not-eligible-request", "duplicate", "links-off", "hinted"
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
        c->as = NULL;
        c->cors = 0;
        ++n;
    }
    return n;
}

const char *h2p_link_emit(apr_pool_t *p, const h2p_link *l,
                          const h2p_cand *c)
{
    if (!c) {
        return h2p_link_format(p, l, NULL, 0);
    }
    if (l->bad) {
        return NULL;
    }
    if (c->reason == H2P_PROMISED || c->reason == H2P_HINTED) {
        const char *v = h2p_link_format(p, l, c->path, 0);

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

/* Everything but the connection's diary and the lookup. */
static h2p_reason precheck(apr_pool_t *p, h2p_policy *pol, h2p_cand *c)
{
    const h2p_link *l = c->link;
    h2p_uri_rc rc;

    if (l->bad) {
        return H2P_SKIP_BADLINK;
    }
    /* resolved first: learning wants the path whatever the outcome */
    rc = h2p_uri_resolve(p, pol->scheme, pol->authority, pol->base_path,
                         l->target, &c->path);
    if (rc != H2P_URI_OK) {
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
    if (c->source != H2P_SRC_STATIC && !pol->links_on) {
        return H2P_SKIP_LINKSOFF;
    }
    if (rc != H2P_URI_OK) {
        return rc == H2P_URI_OTHER_ORIGIN ? H2P_SKIP_ORIGIN : H2P_SKIP_BADLINK;
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
    int i, decided = 0;

    for (i = 0; i < cands->nelts; ++i) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        const char *key = NULL, *ctype = NULL;

        c->reason = precheck(p, pol, c);
        if (c->reason != H2P_PROMISED) {
            continue;
        }
        if (pol->claim && pol->mode == H2P_MODE_PUSH) {
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
            c->reason = pol->verify(pol->baton, c->path, &ctype);
        }
        if (c->reason != H2P_PROMISED) {
            if (key) {
                pol->release(pol->baton, key);
            }
            continue;
        }
        if (!c->link->as) {
            c->as = h2p_as_for_type(ctype, &c->cors);
        }
        if (pol->mode == H2P_MODE_HINT) {
            c->reason = H2P_HINTED;
        }
        --pol->remaining;
        ++decided;
    }
    return decided;
}
