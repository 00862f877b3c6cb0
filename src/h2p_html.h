/* Licensed under the Apache License, Version 2.0 */
/**
 * @file h2p_html.h
 * @brief A streaming scanner for <link rel=preload|modulepreload> in the
 *        <head> of an HTML document.
 *
 * Pure C on APR. Fed the body in arbitrary chunks (tags, attributes and
 * entities may be split anywhere), it reports each preload link as a
 * Link header link-value and says when nothing more can come: at </head>,
 * <body>, the scan cap, or as soon as the bytes cannot be HTML.
 * It never changes or keeps the bytes it is given beyond a small
 * bounded tag buffer.
 */
#ifndef H2P_HTML_H
#define H2P_HTML_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct h2p_html h2p_html;

/** The scan goes on: feed more. */
#define H2P_HTML_MORE 0
/** The scan is over (head ended, cap reached, not HTML): stop feeding. */
#define H2P_HTML_DONE 1

/** A scanner that looks at most at the first 'cap' bytes. */
h2p_html *h2p_html_create(apr_pool_t *p, apr_size_t cap);

/**
 * Scan the next 'len' bytes. For each <link> whose rel has the token
 * preload or modulepreload and that has a non-empty href, append to 'out'
 * (array of const char *) a link-value allocated from the scanner's pool:
 *   <href>; rel=preload[; as=X][; crossorigin[=V]][; type="T"][; media="M"]
 * (modulepreload: "; rel=modulepreload"), href entity-decoded, values
 * quoted as RFC 8288 quoted-strings where needed, nothing that would need
 * CR/LF or control characters.
 * @return H2P_HTML_MORE or H2P_HTML_DONE.
 */
int h2p_html_feed(h2p_html *s, const char *data, apr_size_t len,
                  apr_array_header_t *out);

/** 1 once a <base href> was seen: the page's relative URLs (and, if it
 *  names another host, its absolute paths) no longer resolve against the
 *  page's own URL. */
int h2p_html_has_base(const h2p_html *s);

/** Bytes consumed so far. */
apr_size_t h2p_html_scanned(const h2p_html *s);

#endif /* H2P_HTML_H */
