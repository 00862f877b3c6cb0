/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_learn.h
 * @brief Learned hints: the rules of what is learned, under which key, in
 *        which form, and what is replayed.
 *
 * Pure C on APR. mod_h2push.c gathers the facts of a request and keeps
 * the entries in a mod_socache provider; everything that decides lives
 * here:
 *  - the key: the serving virtual host (scheme, ServerName, port), never
 *    the Host header, then the path (and query) or the learning scope;
 *  - refusals: what a response says about one visitor is never replayed
 *    to another (h2p_learn_refusal());
 *  - the entry: "H2P2 <expiry> <source> <key>\n" then link sets, newest
 *    first, one a line (", "-joined link-values); the key inside guards
 *    against hash collisions and entries of another format; the source is
 *    a hash of what the newest set was made from (the response's raw Link
 *    headers), so that an unchanged response need not be parsed again;
 *  - replay: a URL's newest set, or what a scope's recent sets agree on;
 *  - refresh: when a response needs a write at all.
 */
#ifndef H2P_LEARN_H
#define H2P_LEARN_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/** Largest stored entry, in bytes. */
#define H2P_LEARN_MAX_VALUE 8192

/** Link sets a scope keeps, and how many of them must name a link. */
#define H2P_LEARN_SCOPE_SETS  4
#define H2P_LEARN_SCOPE_AGREE 2

/** Bytes of a store id (h2p_learn_id_bytes()). */
#define H2P_LEARN_ID_LEN 8

/** Why a response is not learned from; h2p_learn_refusal_name() gives
 *  the names the status page and the debug log use. */
typedef enum {
    H2P_LR_NONE = -1,
    H2P_LR_PRIVATE = 0,    /**< Cache-Control: private */
    H2P_LR_NOSTORE,        /**< Cache-Control: no-store */
    H2P_LR_SETCOOKIE,      /**< the response sets a cookie */
    H2P_LR_VARY,           /**< Vary: Cookie, Authorization or * */
    H2P_LR_AUTHORIZATION,  /**< the request has Authorization */
    H2P_LR_COOKIE,         /**< the request has a cookie not ignored */
    H2P_LR_USER,           /**< an authenticated user */
    H2P_LR_CLIENTCERT,     /**< a verified TLS client certificate */
    H2P_LR_QUERY,          /**< a query string, H2PushLearnQuery off */
    H2P_LR_HOST,           /**< Host names no name of the virtual host */
    H2P_LR_STATUS,         /**< the response did not end 2xx */
    H2P_LR_N
} h2p_learn_refusal_t;

/** What a request and its final response say, as the refusals see it. */
typedef struct {
    const char *authorization;   /**< request header or NULL */
    const char *cookie;          /**< request header (all lines) or NULL */
    const apr_array_header_t *ignore_cookies; /**< patterns (char *) */
    const char *user;            /**< authenticated user or NULL */
    int client_cert;             /**< a verified client certificate */
    const char *query;           /**< query string or NULL */
    int learn_query;             /**< H2PushLearnQuery on */
    int host_ok;                 /**< h2p_learn_host_ok() */
    int status;                  /**< final status */
    const char *cache_control;   /**< response header (all) or NULL */
    int set_cookie;              /**< the response has Set-Cookie */
    const char *vary;            /**< response header (all) or NULL */
} h2p_learn_facts;

/** The first reason not to learn from this response, or H2P_LR_NONE. */
h2p_learn_refusal_t h2p_learn_refusal(const h2p_learn_facts *f);

/** "private", "no-store", "set-cookie", "vary", "authorization",
 *  "cookie", "user", "client-cert", "query", "host", "status". */
const char *h2p_learn_refusal_name(h2p_learn_refusal_t why);

/** Is every cookie of a Cookie header value ("a=1; b=2") named by one of
 *  the patterns (apr_fnmatch: '*', '?', case-sensitive, as cookie names
 *  are)? A cookie without a name is never ignored. */
int h2p_learn_cookies_ignored(const char *cookie,
                              const apr_array_header_t *patterns);

/** Does 'host' (the request's host name, no port) name the virtual host:
 *  its ServerName, a ServerAlias in 'names', or a wildcard ServerAlias in
 *  'wild' (both arrays of char *, either may be NULL)? Case-blind. */
int h2p_learn_host_ok(const char *host, const char *server_name,
                      const apr_array_header_t *names,
                      const apr_array_header_t *wild);

/** Does a comma-separated header value list 'token' (case-blind; a token
 *  with parameters, "private=\"x\"", counts)? */
int h2p_learn_has_token(const char *value, const char *token);

/** The origin of the serving virtual host: "scheme://name:port". */
const char *h2p_learn_origin(apr_pool_t *p, const char *scheme,
                             const char *server_name, unsigned port);

/** The readable key: origin + path (+ "?" query when query is not
 *  NULL), or, for a scope, origin + " scope " + the section's path. */
const char *h2p_learn_key(apr_pool_t *p, const char *origin,
                          const char *path, const char *query,
                          const char *scope);

/** The store id of a readable key (64 bits, well mixed), and its bytes
 *  (little-endian: the first byte varies as much as the rest, so that
 *  caches which shard on it, like shmcb, use all their shards). */
apr_uint64_t h2p_learn_id(const char *key);
void h2p_learn_id_bytes(apr_uint64_t id, unsigned char *out);

/** One entry. sets: link sets (const char *), newest first. */
typedef struct {
    apr_time_t expiry;
    apr_uint64_t source;   /**< what the newest set was made from */
    const char *key;
    apr_array_header_t *sets;
} h2p_learn_entry;

/** Outcome of h2p_learn_decode(). */
typedef enum {
    H2P_LEARN_OK = 0,
    H2P_LEARN_OTHER,       /**< malformed, or the entry of another key */
    H2P_LEARN_EXPIRED
} h2p_learn_rc;

/** Read a stored entry of 'len' bytes for 'key' (copied: buf is not
 *  kept). */
h2p_learn_rc h2p_learn_decode(apr_pool_t *p, const char *buf,
                              apr_size_t len, const char *key,
                              apr_time_t now, h2p_learn_entry *e);

/** The stored form of an entry, without its oldest sets when it would
 *  exceed H2P_LEARN_MAX_VALUE; NULL when its newest set alone does. */
const char *h2p_learn_encode(apr_pool_t *p, const h2p_learn_entry *e,
                             apr_size_t *len);

/** What to replay from an entry (", "-joined link-values, at most 'max'
 *  of them), or NULL: a URL entry's newest set; a scope's links that at
 *  least H2P_LEARN_SCOPE_AGREE of its sets name (by target), in the
 *  order of the newest set that names them. */
const char *h2p_learn_replay(apr_pool_t *p, const h2p_learn_entry *e,
                             int scope, int max);

/** Fold a response's link set ("" for none) into 'e' ('old' is the entry
 *  as stored, NULL when there was none): a URL keeps the set alone, a
 *  scope puts it before its H2P_LEARN_SCOPE_SETS - 1 newest sets. The
 *  expiry becomes now + ttl, the source 'source'. Returns 0 when nothing needs writing: the
 *  same set as stored (and, for a scope, at least AGREE sets held) and
 *  the entry not yet half way to its expiry. */
int h2p_learn_update(apr_pool_t *p, const h2p_learn_entry *old,
                     const char *key, const char *set, apr_uint64_t source,
                     int scope, apr_time_t now, apr_interval_time_t ttl,
                     h2p_learn_entry *e);

#endif /* H2P_LEARN_H */
