/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_preload.h
 * @brief The Vulcain `Preload` request header (draft-dunglas-vulcain):
 *        its selectors, from the header or the `?preload=` query form, and
 *        which responses it applies to.
 *
 * Pure C on APR. The header is a structured-field list (RFC 8941 §3.1) of
 * strings, each a selector: a JSON Pointer with `*` for every member
 * (h2p_json.h compiles them). Parameters after an item are allowed and
 * ignored; anything else (a token, a number, an inner list, bad quoting)
 * makes the whole value invalid: the request is then served as if it had
 * no Preload at all.
 */
#ifndef H2P_PRELOAD_H
#define H2P_PRELOAD_H

#include <apr_pools.h>
#include <apr_tables.h>

/** Selectors a request may name at most (more: the value is invalid). */
#define H2P_PRELOAD_MAX 32

/**
 * Append the strings of one Preload field value (const char *, unescaped)
 * to 'out'. Several header lines: call once per line (or once with the
 * lines comma-joined: the same list).
 * @return 0, or -1 when the value is not a list of strings (what was
 *         appended before the error stays: the caller drops the request's
 *         whole list).
 */
int h2p_preload_parse(apr_pool_t *p, const char *field,
                      apr_array_header_t *out);

/**
 * Append the values of every `preload` parameter of a query string
 * ("a=1&preload=%2Fx"), %-decoded ('+' stays '+'). NULL args: none.
 * @return 0, or -1 for a bad %-escape or a NUL in a value.
 */
int h2p_preload_query(apr_pool_t *p, const char *args,
                      apr_array_header_t *out);

/**
 * The selectors sorted, each once, as one structured-field list
 * ("\"/a\", \"/b\""): equal for requests that ask for the same, the
 * part of a learned-hints key that tells them apart.
 */
const char *h2p_preload_normalise(apr_pool_t *p,
                                  const apr_array_header_t *sels);

/**
 * Is this a JSON content type the header applies to: application/json,
 * any "+json" suffix (application/ld+json, application/vnd.api+json,
 * application/problem+json...), parameters (charset) allowed?
 */
int h2p_preload_json_type(const char *ctype);

#endif /* H2P_PRELOAD_H */
