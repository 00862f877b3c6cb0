/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_json.h
 * @brief A streaming JSON extractor for Vulcain's Preload selectors.
 *
 * Pure C on APR. Fed a JSON document in arbitrary chunks (strings,
 * escapes, numbers, literals and UTF-8 sequences may be split anywhere),
 * it validates it strictly (RFC 8259) and reports each string value that
 * a selector (a JSON Pointer with "*" wildcards) reaches. It never keeps
 * the document: its memory is fixed at creation, about
 * max_depth / 8 + max_string + the selectors' state, whatever the input.
 *
 * Validation: no trailing commas, comments, leading zeros, "+1", ".5",
 * NaN, BOM or control characters in strings; escapes must be JSON's
 * (\" \\ \/ \b \f \n \r \t \uXXXX), a \u surrogate must be a high one
 * followed by a low one; strings must be valid UTF-8 (no overlong forms,
 * no encoded surrogates, nothing above U+10FFFF). Duplicate member names
 * are allowed (each member is looked at). Numbers are checked for syntax
 * only (any size). The root may be any value.
 */
#ifndef H2P_JSON_H
#define H2P_JSON_H

#include <apr_pools.h>

typedef struct h2p_json h2p_json;          /* opaque */
typedef struct h2p_jsel h2p_jsel;          /* a compiled set of selectors */

#define H2P_JSON_MAX_SELECTORS 32
#define H2P_JSON_MAX_SEGMENTS  16

/** Codes of h2p_json_feed and h2p_json_finish: OK or < 0. */
#define H2P_JSON_OK               0
#define H2P_JSON_INVALID         (-1)  /**< not JSON (syntax, escape, UTF-8) */
#define H2P_JSON_TOO_DEEP        (-2)  /**< nesting beyond max_depth */
#define H2P_JSON_TRUNCATED       (-3)  /**< the input ended inside the value */
/** Never returned: a matched string longer than max_string is skipped
 *  (not reported, counted by h2p_json_skipped); the code exists for
 *  h2p_json_strerror and callers that want to name the case. */
#define H2P_JSON_STRING_TOO_LONG (-4)

/**
 * Compile selectors: each a JSON Pointer (RFC 6901) where a segment "*"
 * matches every array element and every object member; "~0" = "~",
 * "~1" = "/", "~2" = a literal "*" (Vulcain). "" or "/" is the root
 * (so "/" does not select the member named ""; "//" does). A segment
 * selects an array element when it is a decimal index without leading
 * zeros ("0", "12"); "-" selects nothing. Returns NULL and sets *err
 * (a static reason) if a selector is invalid: not starting with '/', a
 * '~' not followed by 0, 1 or 2, more than H2P_JSON_MAX_SEGMENTS
 * segments, or nsels outside 0..H2P_JSON_MAX_SELECTORS.
 */
h2p_jsel *h2p_jsel_compile(apr_pool_t *p, const char * const *sels,
                           int nsels, const char **err);

/** Number of selectors of the set. */
int h2p_jsel_count(const h2p_jsel *s);

/** Number of segments of selector sel (0 for the root), -1 if no such. */
int h2p_jsel_segments(const h2p_jsel *s, int sel);

/** A set with one selector, allocated from p (s may go before it):
 *  segments [from..end) of selector sel (the root when from == its
 *  segment count); NULL if sel or from is out of range. */
h2p_jsel *h2p_jsel_tail(apr_pool_t *p, const h2p_jsel *s, int sel,
                        int from);

/**
 * One match: a string value found where selector sel had matched its
 * first depth segments: depth == h2p_jsel_segments(sel) for a full
 * match, less when the selector would need to descend further (a link
 * whose document the tail applies to). value is unescaped UTF-8, len
 * bytes, NUL-terminated; it may contain NUL bytes (from \u0000) and
 * any character: check it before use. It is valid during the call only
 * (copy it). Matches come in document order, each string value once per
 * selector that reaches it (selectors in their order); a document
 * found invalid later makes them all worthless.
 */
typedef void h2p_json_match_fn(void *baton, int sel, int depth,
                               const char *value, apr_size_t len);

/**
 * An extractor of the selectors s (which must outlive it; NULL or an
 * empty set only validates). max_depth: the deepest nesting of arrays
 * and objects allowed (1 or more; 512 is a good value), beyond which the
 * document is H2P_JSON_TOO_DEEP. max_string: the longest matched string
 * reported, in bytes after unescaping; longer ones are skipped (see
 * h2p_json_skipped). fn may be NULL.
 * Allocates (from p, once) max_depth / 8 + max_string + the longest
 * selector segment + some 300 bytes.
 */
h2p_json *h2p_json_create(apr_pool_t *p, const h2p_jsel *s, int max_depth,
                          apr_size_t max_string, h2p_json_match_fn *fn,
                          void *baton);

/**
 * Feed the next len bytes. Returns H2P_JSON_OK (feed more) or an error
 * code < 0 (stop feeding; the error sticks). Matches reported before an
 * error are worthless: the document is not valid.
 */
int h2p_json_feed(h2p_json *j, const char *buf, apr_size_t len);

/**
 * End of input: H2P_JSON_OK if the input was one complete valid JSON
 * value with only whitespace around it, else an error code (the sticky
 * one, or H2P_JSON_TRUNCATED). Can be called again (same result); no
 * feed after it.
 */
int h2p_json_finish(h2p_json *j);

/** Short reason: "ok", "invalid", "too deep", "truncated",
 *  "string too long", "unknown". */
const char *h2p_json_strerror(int code);

/** Bytes consumed so far; after an error, the offset of the byte that
 *  made it (for the log). */
apr_size_t h2p_json_offset(const h2p_json *j);

/** Matched strings skipped because longer than max_string. */
apr_size_t h2p_json_skipped(const h2p_json *j);

#endif /* H2P_JSON_H */
