/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_link.h
 * @brief RFC 8288 Link header field parsing and serialisation.
 *
 * Pure C on APR: no httpd structures. A Link field value is a
 * comma-separated list of link-values:
 *   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 */
#ifndef H2P_LINK_H
#define H2P_LINK_H

#include <apr_pools.h>
#include <apr_tables.h>

/** One link-param, in the order received. */
typedef struct {
    const char *name;   /**< lower-cased parameter name */
    const char *value;  /**< unescaped value; NULL when there was no "=" */
} h2p_param;

/** One link-value. Its strings live in the pool given to h2p_link_parse()
 *  (the field value is copied once, and the pieces are NUL-terminated in
 *  that copy) or, for raw, in the field value itself: it must live as
 *  long as the links. */
typedef struct {
    const char *raw;          /**< the link-value as received, OWS trimmed */
    apr_size_t raw_len;
    const char *target;       /**< the URI-Reference between < and >;
                                   NULL when bad */
    apr_size_t target_len;
    const h2p_param *params;  /**< nparams of them; NULL when bad */
    int nparams;
    int bad;                  /**< 1: malformed; only raw is meaningful */
    int preload;              /**< rel holds the token "preload" (any case) */
    int modulepreload;        /**< else it holds "modulepreload" */
    int nopush;               /**< a "nopush" parameter is present */
    int critical;             /**< a "critical" parameter is present */
    int canonical;            /**< raw is exactly what h2p_link_format()
                                   writes for it (target NULL, no nopush) */
    int abs_path;             /**< the target is an absolute path that
                                   h2p_uri_resolve() gives back unchanged
                                   (for an http or https base) */
    apr_uint64_t target_hash; /**< h2p_hash(target) */
    const char *as;           /**< value of "as", NULL if absent */
    const char *crossorigin;  /**< NULL absent, "" bare, else its value */
} h2p_link;

/** apr_array_push() without a call while the array has room: the new
 *  element is not cleared (the caller sets it). */
static APR_INLINE void *h2p_array_push(apr_array_header_t *a)
{
    return a->nelts < a->nalloc ? a->elts + a->elt_size * a->nelts++
                                : apr_array_push(a);
}

/**
 * Parse one Link field value and append each link-value (h2p_link) to
 * 'out'. A malformed link-value is appended with bad = 1 and its raw text;
 * parsing resumes after its next comma outside a quoted parameter value.
 * Only the first "rel" parameter counts (RFC 8288 §3.3).
 * @return the number of malformed link-values appended.
 */
int h2p_link_parse(apr_pool_t *p, const char *field, apr_array_header_t *out);

/** h2p_link_parse() without its shortcut for the usual params
 *  ("; rel=preload; as=style"...): the same links, found the long way
 *  (for tests: the two must agree). */
int h2p_link_parse_full(apr_pool_t *p, const char *field,
                        apr_array_header_t *out);

/**
 * Serialise a parsed (not bad) link-value in a form that mod_http2's own
 * Link parser reads exactly as h2p_link_parse() does: "<target>", then
 * "; nopush" when add_nopush or the link had it, then the params in order
 * as "; name" or "; name=value" (a token, else a quoted-string; "rel"
 * lower-cased; a second "rel", and a param whose name mod_http2 would not
 * read whole or whose value holds '"' or '\', left out). 'target' replaces
 * l->target when not NULL. Control characters are never written.
 * A canonical link costs no re-serialising: its raw text is returned, or
 * reused behind the new target and "; nopush".
 */
const char *h2p_link_format(apr_pool_t *p, const h2p_link *l,
                            const char *target, int add_nopush);

/** FNV-1a (64 bits) of a string: h2p_hash(""), then for each byte
 *  h = (h ^ byte) * H2P_HASH_PRIME. */
#define H2P_HASH_START APR_UINT64_C(0xcbf29ce484222325)
#define H2P_HASH_PRIME APR_UINT64_C(0x100000001b3)
apr_uint64_t h2p_hash(const char *s);

/** Is scheme "http" or "https" (any case), the only bases
 *  h2p_uri_resolve() resolves against? */
int h2p_uri_scheme_ok(const char *scheme);

/** Outcome of h2p_uri_resolve(). */
typedef enum {
    H2P_URI_OK = 0,
    H2P_URI_BAD,          /**< unparseable, control chars, whitespace... */
    H2P_URI_OTHER_ORIGIN  /**< other scheme, host or port */
} h2p_uri_rc;

/**
 * Resolve 'ref' (RFC 3986 §5.2) against the request's own URL
 * scheme://authority base_path and check it stays on that origin.
 * @param scheme     "http" or "https" (the request's)
 * @param authority  host[:port] of the request (Host / :authority);
 *                   default ports (80/443) compare equal to no port,
 *                   host compares case-insensitively
 * @param base_path  the request's absolute path as received (still
 *                   %-encoded); a query or fragment is cut off
 * @param ref        the URI-Reference from a link
 * @param path       out: absolute path with dot-segments removed and
 *                   %-encoded unreserved characters decoded, the query
 *                   kept ("/a/b.css?v=1"), the fragment dropped;
 *                   'ref' itself when it is already such a path
 */
h2p_uri_rc h2p_uri_resolve(apr_pool_t *p, const char *scheme,
                           const char *authority, const char *base_path,
                           const char *ref, const char **path);

#endif /* H2P_LINK_H */
