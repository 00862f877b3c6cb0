/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_html.c, the streaming head scanner.
 *
 * Build and run (from the top of the tree):
 *   mkdir -p t/fuzz/build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       $(apr-1-config --cflags --cppflags --includes) -Isrc \
 *       t/fuzz/fuzz_html.c src/h2p_html.c src/h2p_link.c \
 *       $(apr-1-config --link-ld --libs) -o t/fuzz/build/fuzz_html
 *   t/fuzz/build/fuzz_html -max_total_time=120 t/fuzz/build/corpus \
 *       t/fuzz/corpus/html
 *
 * Input: 2 bytes of cap (big-endian; 0xffff means no cap), 8 bytes of
 * chunk sizes (each + 1, used in turn), then the document. The document
 * is scanned twice, in those chunks and in one piece; any difference, or
 * a broken invariant, aborts:
 *   - scanned() <= cap and <= the length fed; DONE is sticky;
 *   - each link-value has no control or non-ASCII byte and parses with
 *     h2p_link_parse into exactly one good link, a preload or a
 *     modulepreload, with a non-empty target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "h2p_html.h"
#include "h2p_link.h"

#define HDR 10

static void check_link(apr_pool_t *p, const char *v)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(h2p_link));
    const h2p_link *l;
    const h2p_param *prm;
    const unsigned char *c;

    for (c = (const unsigned char *)v; *c; c++) {
        if (*c < 0x20 || *c >= 0x7f) {
            abort();
        }
    }
    if (h2p_link_parse(p, v, a) != 0 || a->nelts != 1) {
        abort();
    }
    l = (const h2p_link *)a->elts;
    if (l->bad || !l->target || !*l->target || l->nparams < 1) {
        abort();
    }
    prm = l->params;
    if (strcmp(prm->name, "rel") || !prm->value
        || !((l->preload && !strcmp(prm->value, "preload"))
             || !strcmp(prm->value, "modulepreload"))) {
        abort();
    }
}

/* Scan doc in chunks of sizes[i % 8] + 1 bytes (one piece when sizes is
 * NULL); check the invariants; return the links. */
static apr_array_header_t *scan(apr_pool_t *p, const uint8_t *sizes,
                                const char *doc, size_t len, size_t cap,
                                apr_size_t *scanned)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    h2p_html *s = h2p_html_create(p, cap);
    size_t at = 0, n, i = 0;
    int rc = H2P_HTML_MORE, nlinks;

    while (at < len && rc == H2P_HTML_MORE) {
        n = sizes ? (size_t)sizes[i++ % 8] + 1 : len;
        if (n > len - at) {
            n = len - at;
        }
        rc = h2p_html_feed(s, doc + at, n, out);
        at += n;
        if (h2p_html_scanned(s) > at || h2p_html_scanned(s) > cap) {
            abort();
        }
        if (rc != H2P_HTML_MORE && rc != H2P_HTML_DONE) {
            abort();
        }
    }
    *scanned = h2p_html_scanned(s);
    if (rc == H2P_HTML_DONE) {
        nlinks = out->nelts;
        if (h2p_html_feed(s, "<link rel=preload href=/x>", 26, out)
            != H2P_HTML_DONE || out->nelts != nlinks
            || h2p_html_scanned(s) != *scanned) {
            abort();
        }
    }
    for (i = 0; i < (size_t)out->nelts; i++) {
        check_link(p, APR_ARRAY_IDX(out, i, const char *));
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    apr_pool_t *p;
    apr_array_header_t *a, *b;
    apr_size_t sa, sb;
    size_t cap, len;
    const char *doc;
    int i;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (size < HDR) {
        return 0;
    }
    cap = ((size_t)data[0] << 8) | data[1];
    if (cap == 0xffff) {
        cap = (size_t)-1;
    }
    doc = (const char *)data + HDR;
    len = size - HDR;

    apr_pool_create(&p, NULL);
    a = scan(p, data + 2, doc, len, cap, &sa);
    b = scan(p, NULL, doc, len, cap, &sb);
    if (sa != sb || a->nelts != b->nelts) {
        abort();
    }
    for (i = 0; i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *),
                   APR_ARRAY_IDX(b, i, const char *))) {
            abort();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
