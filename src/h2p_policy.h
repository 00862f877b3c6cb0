/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_policy.h
 * @brief The push decision: candidates in, one reason per candidate out.
 *
 * Pure C on APR. What needs httpd (looking a path up, the connection's
 * diary behind its lock) comes in as callbacks, so the whole decision can
 * be unit-tested and measured alone.
 */
#ifndef H2P_POLICY_H
#define H2P_POLICY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "h2p_link.h"
#include "h2p_diary.h"

/** The outcome for one candidate. The names (h2p_reason_name()) are the
 *  keys of the status page and of the debug log. */
typedef enum {
    H2P_PROMISED = 0,
    H2P_SKIP_NOPUSH,       /**< the link says nopush */
    H2P_SKIP_DIARY,        /**< already pushed on this connection */
    H2P_SKIP_ORIGIN,       /**< not the request's scheme and authority */
    H2P_SKIP_BADLINK,      /**< malformed link-value or target */
    H2P_SKIP_NOTFOUND,     /**< the lookup found nothing to serve */
    H2P_SKIP_FORBIDDEN,    /**< the lookup was denied (401/403) */
    H2P_SKIP_TOOLARGE,     /**< larger than H2PushMaxSize */
    H2P_SKIP_OVERLIMIT,    /**< H2PushMax reached */
    H2P_SKIP_CLIENT,       /**< client cannot take pushes (HTTP/1, no-push) */
    H2P_SKIP_REQUEST,      /**< parent not eligible: method, status, pushed */
    H2P_SKIP_DUPLICATE,    /**< the same path twice in one response */
    H2P_SKIP_LINKSOFF,     /**< a Link header while H2PushLinks is off */
    H2P_SKIP_SELF,         /**< the page itself */
    H2P_SKIP_GENERATED,    /**< made by a handler (CGI, proxy...): its size
                                is not known before it runs */
    H2P_HINTED,            /**< goes out as a hint (103, Link), not pushed */
    H2P_NREASONS
} h2p_reason;

/** Where a candidate came from. */
typedef enum {
    H2P_SRC_STATIC = 0,    /**< H2PushResource */
    H2P_SRC_LINK,          /**< a Link response header (or the HTML) */
    H2P_SRC_LEARNED,       /**< learned from an earlier response */
    H2P_SRC_INTERIM,       /**< a 103 of a handler or proxied backend */
    H2P_SRC_PRELOAD        /**< what a Vulcain Preload header selected in a
                                JSON response (H2PushPreloadHeader) */
} h2p_source;

/** What the decision is for. */
typedef enum {
    H2P_MODE_NONE = 0,     /**< neither push nor hint: all client-disabled */
    H2P_MODE_PUSH,         /**< the client takes pushes: promise or skip */
    H2P_MODE_HINT          /**< no push: hint (103 or Link) or skip */
} h2p_mode;

/** One candidate: a parsed link-value (bad or rel=preload) and its fate. */
typedef struct {
    const h2p_link *link;
    h2p_source source;
    const char *path;      /**< resolved same-origin path, or NULL */
    h2p_reason reason;     /**< set by h2p_policy_decide() */
    const char *as;        /**< as= to add (the link had none), or NULL */
    int cors;              /**< add crossorigin along with 'as' */
    apr_uint64_t key;      /**< diary key of scheme, authority and path */
} h2p_cand;

/** A set of diary keys: what one response decided already. */
typedef struct h2p_seen h2p_seen;

/** An empty set. */
h2p_seen *h2p_seen_make(apr_pool_t *p);

/** Add a (well mixed) key; 1 if it was there already. */
int h2p_seen_add(h2p_seen *st, apr_uint64_t key);

/** Mark each candidate whose resolved path 'seen' holds already (by
 *  h2p_diary_key_pair(0, h2p_hash(path))) as H2P_SKIP_DUPLICATE, adding
 *  the others' paths; returns how many were marked. */
int h2p_cands_dedupe(h2p_seen *seen, apr_array_header_t *cands);

/** The request as the policy sees it, and the callbacks it needs. */
typedef struct {
    const char *scheme;    /**< "http" or "https" */
    const char *authority; /**< host[:port] of the request */
    const char *base_path; /**< the request's path, for relative refs */
    const char *self_query;/**< the request's query, NULL for none: a link
                                to base_path with no or this query is the
                                page itself */
    int request_ok;        /**< parent eligible (GET, status...) */
    h2p_mode mode;         /**< push, hint, or neither */
    int links_on;          /**< H2PushLinks */
    int remaining;         /**< pushes left for this response (H2PushMax) */
    int *lookups;          /**< lookups left for this response, NULL: no
                                bound; at 0 the rest are over-limit */
    h2p_seen *seen;        /**< paths decided in this response (dedupe) */
    /** Lock the connection's diary and return it (made on first use), or
     *  NULL when there is none; unlock() follows either way. The policy
     *  takes the lock at most twice per call, never around verify():
     *  once to skip what the diary holds, once to record what it
     *  promised (what another stream recorded in between is skipped
     *  then). NULL: no diary. */
    h2p_diary *(*lock)(void *baton);
    void (*unlock)(void *baton);
    /** Look path up as the pushed request would be made: H2P_PROMISED
     *  when it would be served 200, and its content type in *ctype (or
     *  NULL). NULL: no verification. */
    h2p_reason (*verify)(void *baton, const char *path, const char **ctype);
    void *baton;
} h2p_policy;

/** Name of a reason: "promised", "nopush", "diary", "not-same-origin"... */
const char *h2p_reason_name(h2p_reason reason);

/** Append a candidate (h2p_cand) for every bad or rel=preload link of
 *  'links' (h2p_link), in order; returns how many were appended. */
int h2p_cands_add(apr_array_header_t *cands, const apr_array_header_t *links,
                  h2p_source src);

/** The paths of the promised candidates, space-separated, after those in
 *  'before' (NULL or ""). */
const char *h2p_cands_paths(apr_pool_t *p, const apr_array_header_t *cands,
                            const char *before);

/** The text link 'l' goes out as in a response whose Link headers
 *  mod_http2 reads, given its candidate 'c' (NULL when it was none: a link
 *  without rel=preload). Always in the form mod_http2 reads as this module
 *  does (h2p_link_format()). Promised or hinted: a plain preload with the
 *  resolved path (and the as= found for it); withheld: with nopush;
 *  malformed or a duplicate: NULL (dropped); no candidate, or one only
 *  decided as client-disabled: as it came. */
const char *h2p_link_emit(apr_pool_t *p, const h2p_link *l,
                          const h2p_cand *c);

/** The fetch destination (as=) for a content type: "style", "script",
 *  "font", "image", "fetch"; *cors set when the browser fetches it in
 *  CORS mode (fonts, JSON). NULL when unknown. */
const char *h2p_as_for_type(const char *ctype, int *cors);

/** Decide each candidate of 'cands' (h2p_cand), in order: bad link,
 *  nopush, request, client, H2PushLinks, origin, self, duplicate, diary
 *  (push only), limit (H2PushMax, then lookups), verify. Returns the number promised or hinted;
 *  pol->remaining is updated. */
int h2p_policy_decide(apr_pool_t *p, h2p_policy *pol,
                      apr_array_header_t *cands);

#endif /* H2P_POLICY_H */
