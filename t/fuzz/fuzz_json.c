/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_json.c, the streaming JSON extractor.
 *
 * Build and run: sh t/fuzz/run.sh (target "json").
 *
 * Input: 8 bytes of chunk sizes (each + 1, used in turn), 1 byte of
 * max_string, 1 byte of max_depth, then the selectors separated by
 * spaces up to a '\n' (if they do not compile, or there is no '\n', a
 * fixed set), then the document. The document is fed twice, in those
 * chunks and in one piece; any difference, or a broken invariant, aborts:
 *   - the same code from feed/finish, the same matches in the same order;
 *   - a match names a selector of the set, a depth <= its segments, a
 *     value no longer than max_string, NUL-terminated, valid UTF-8;
 *   - errors are sticky, the error offset is inside the input;
 *   - a document is only OK when finish says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_json.h"

#define HDR 10

typedef struct {
    apr_pool_t *p;
    const h2p_jsel *s;
    apr_size_t max_string;
    char *log;              /* the matches, one after the other */
} ctx;

static int utf8_ok(const unsigned char *v, apr_size_t len)
{
    apr_size_t i = 0;

    while (i < len) {
        unsigned c = v[i], need, lo = 0x80, hi = 0xbf, k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        }
        else {
            return 0;
        }
        for (k = 1; k <= need; k++) {
            if (i + k >= len || v[i + k] < lo || v[i + k] > hi) {
                return 0;
            }
            lo = 0x80;
            hi = 0xbf;
        }
        i += need + 1;
    }
    return 1;
}

static void on_match(void *baton, int sel, int depth, const char *v,
                     apr_size_t len)
{
    ctx *c = baton;

    if (sel < 0 || sel >= h2p_jsel_count(c->s) || depth < 0
        || depth > h2p_jsel_segments(c->s, sel) || len > c->max_string
        || v[len] != '\0' || !utf8_ok((const unsigned char *)v, len)) {
        abort();
    }
    c->log = apr_psprintf(c->p, "%s%d:%d:%lu:%s\n", c->log, sel, depth,
                          (unsigned long)len, v);
}

/* Feed doc in chunks of sizes[i % 8] + 1 (one piece when sizes is NULL);
 * return the final code; the matches go to c->log. */
static int feed(ctx *c, const uint8_t *sizes, int max_depth,
                const char *doc, size_t len)
{
    h2p_json *j = h2p_json_create(c->p, c->s, max_depth, c->max_string,
                                  on_match, c);
    size_t at = 0, n, i = 0;
    int rc = H2P_JSON_OK;

    c->log = "";
    while (at < len && rc == H2P_JSON_OK) {
        n = sizes ? (size_t)sizes[i++ % 8] + 1 : len;
        if (n > len - at) {
            n = len - at;
        }
        rc = h2p_json_feed(j, doc + at, n);
        at += n;
    }
    if (rc == H2P_JSON_OK) {
        rc = h2p_json_finish(j);
    }
    else if (h2p_json_offset(j) >= len || h2p_json_feed(j, "0", 1) != rc) {
        abort();
    }
    if (rc > 0 || h2p_json_finish(j) != rc
        || !strcmp(h2p_json_strerror(rc), "unknown")) {
        abort();
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    static const char *fixed[] = { "/*", "/a/*/b", "", "/*/*/*", "/0/~2",
                                   "/a~1b/1" };
    apr_pool_t *p;
    const char *doc, *nl, *err;
    char *a, *b;
    size_t len;
    int max_depth, ra, rb;
    ctx c;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (size < HDR) {
        return 0;
    }
    apr_pool_create(&p, NULL);
    c.p = p;
    c.max_string = data[8];
    max_depth = data[9] + 1;
    doc = (const char *)data + HDR;
    len = size - HDR;
    c.s = NULL;
    nl = memchr(doc, '\n', len);
    if (nl) {
        const char *v[H2P_JSON_MAX_SELECTORS + 1];
        char *list = apr_pstrmemdup(p, doc, nl - doc), *last, *t;
        int n = 0;

        for (t = apr_strtok(list, " ", &last); t && n <= 32;
             t = apr_strtok(NULL, " ", &last)) {
            v[n++] = !strcmp(t, "''") ? "" : t;
        }
        c.s = h2p_jsel_compile(p, v, n, &err);
        len -= nl + 1 - doc;
        doc = nl + 1;
    }
    if (!c.s) {
        c.s = h2p_jsel_compile(p, fixed, 6, &err);
    }
    ra = feed(&c, data, max_depth, doc, len);
    a = c.log;
    rb = feed(&c, NULL, max_depth, doc, len);
    b = c.log;
    if (ra != rb || strcmp(a, b)) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
