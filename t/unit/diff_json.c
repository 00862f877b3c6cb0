/* Licensed under the Apache License, Version 2.0 */
/*
 * Differential test of src/h2p_json.c against jansson (libjansson-dev).
 *
 * 20,000 random documents (fixed seed): nested arrays and objects,
 * names and strings written with random escapes (\uXXXX, surrogate
 * pairs, short escapes), raw UTF-8, numbers, literals, random
 * whitespace; with 1 to 3 random selectors each. The matches h2p_json
 * reports (fed in random chunks) must be, as a multiset, the ones found
 * by walking jansson's tree. Then three broken variants of each document
 * (truncated, one byte changed, one byte deleted or inserted): both must
 * agree on whether it is valid JSON.
 *
 * jansson is run with JSON_DECODE_ANY (any root) and JSON_ALLOW_NUL
 * (\u0000 in strings). Known differences, not generated and skipped
 * when a mutation makes them: jansson rejects \u0000 in a member name
 * and integers or reals out of its range (h2p_json checks number syntax
 * only), and takes a raw NUL byte after a number or literal at the root
 * for the end of the input (h2p_json: invalid); "/" is the root for
 * h2p_json (Vulcain), the member "" for RFC 6901; on duplicate names its tree keeps the last member while
 * h2p_json reports every one (documents are generated with unique names;
 * a mutation only compares validity).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "h2p_json.h"

#define NDOCS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)((rng >> 11) % n);
}

typedef struct {
    char *b;
    size_t len, size;
} buf;

static void add(buf *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->size) {
        o->size = 2 * (o->len + n + 1);
        o->b = realloc(o->b, o->size);
        if (!o->b) {
            abort();
        }
    }
    memcpy(o->b + o->len, s, n);
    o->len += n;
    o->b[o->len] = '\0';
}

static void adds(buf *o, const char *s)
{
    add(o, s, strlen(s));
}

static void ws(buf *o)
{
    static const char *w[] = { "", "", "", " ", "\n", "\t", "\r\n  " };

    adds(o, w[rnd(7)]);
}

/* Code points strings are made of; names: no NUL, no control. */
static const unsigned cps[] = {
    'a', 'b', 'c', '0', '1', '~', '/', '*', ' ', '"', '\\', 0xe9, 0x20ac,
    0x1f600, 0x7f, '\n', 0x01, 0x1f, 0
};
#define NAME_CPS 14

static void write_cp(buf *o, unsigned cp)
{
    char t[16];
    int how = rnd(3);

    if (cp == '"' || cp == '\\' || cp < 0x20) {
        how = (cp == '\n' || cp == '"' || cp == '\\') ? how : 1;
        if (how != 1) {
            snprintf(t, sizeof(t), "\\%c", cp == '\n' ? 'n' : (int)cp);
            adds(o, t);
            return;
        }
    }
    if (how == 1 || cp < 0x20) {
        if (cp >= 0x10000) {
            unsigned v = cp - 0x10000;

            snprintf(t, sizeof(t), "\\u%04X\\u%04x", 0xd800 + (v >> 10),
                     0xdc00 + (v & 0x3ff));
        }
        else {
            snprintf(t, sizeof(t), rnd(2) ? "\\u%04x" : "\\u%04X", cp);
        }
        adds(o, t);
        return;
    }
    if (cp == '/' && how == 2) {
        adds(o, "\\/");
        return;
    }
    if (cp < 0x80) {
        t[0] = (char)cp;
        add(o, t, 1);
    }
    else if (cp < 0x800) {
        t[0] = (char)(0xc0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3f));
        add(o, t, 2);
    }
    else if (cp < 0x10000) {
        t[0] = (char)(0xe0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (char)(0x80 | (cp & 0x3f));
        add(o, t, 3);
    }
    else {
        t[0] = (char)(0xf0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[3] = (char)(0x80 | (cp & 0x3f));
        add(o, t, 4);
    }
}

/* A string; a name when name > 0: names[k], or (k < 0) a random one
 * made unique in its object by "_<name>". */
static void write_string(buf *o, int name, int k)
{
    static const char *names[] = { "a", "b", "c", "0", "1", "*", "~", "/",
                                   "", "a/b", "\xc3\xa9" };
    unsigned n, i;

    add(o, "\"", 1);
    if (name && k >= 0) {           /* one of the names selectors use */
        const unsigned char *c = (const unsigned char *)names[k];

        while (*c) {
            unsigned cp = *c++;

            if (cp == 0xc3) {
                cp = ((cp & 0x1f) << 6) | (*c++ & 0x3f);
            }
            write_cp(o, cp);
        }
    }
    else {
        for (i = 0, n = rnd(6); i < n; i++) {
            write_cp(o, cps[rnd(name ? NAME_CPS : sizeof(cps) / sizeof(*cps))]);
        }
        if (name) {                 /* unique: never one of names[] */
            char u[16];

            snprintf(u, sizeof(u), "_%d", name);
            adds(o, u);
        }
    }
    add(o, "\"", 1);
}

static void write_value(buf *o, int depth)
{
    static const char *nums[] = { "0", "-0", "1", "-17", "123456", "0.5",
                                  "-2.25", "1e5", "2E-3", "3.5e+2", "-0.0",
                                  "10" };
    static const char *lits[] = { "true", "false", "null" };
    /* 0 string, 1 number, 2 literal, 3 array, 4 object */
    static const unsigned char kinds[] = { 0, 0, 0, 1, 2, 3, 3, 4, 4, 4 };
    unsigned kind = depth >= 5 ? rnd(3) : depth == 0 && rnd(4) ? 3 + rnd(2)
                                       : kinds[rnd(10)], n, i;

    switch (kind) {
    case 0:
        write_string(o, 0, -1);
        break;
    case 1:
        adds(o, nums[rnd(12)]);
        break;
    case 2:
        adds(o, rnd(3) ? lits[rnd(3)] : "\"/x\"");
        break;
    case 3:
        add(o, "[", 1);
        for (i = 0, n = rnd(5); i < n; i++) {
            ws(o);
            write_value(o, depth + 1);
            ws(o);
            if (i + 1 < n) {
                add(o, ",", 1);
            }
        }
        add(o, "]", 1);
        break;
    default: {
        int used = 0;

        add(o, "{", 1);
        for (i = 0, n = rnd(5); i < n; i++) {
            int k = rnd(14);

            /* a selector name not used yet in this object, or a unique one */
            if (k < 11 && !(used & (1 << k))) {
                used |= 1 << k;
            }
            else {
                k = -1;
            }
            ws(o);
            write_string(o, (int)i + 1, k);
            ws(o);
            add(o, ":", 1);
            ws(o);
            write_value(o, depth + 1);
            ws(o);
            if (i + 1 < n) {
                add(o, ",", 1);
            }
        }
        add(o, "}", 1);
    }
    }
}

/* --- selectors and jansson's answer */

static const char *segs[] = { "*", "*", "*", "*", "a", "b", "c", "~0", "~1", "~2", "0",
                              "1", "2", "01", "-", "", "\xc3\xa9", "a~1b" };
static const char *seglit[] = { NULL, NULL, NULL, NULL, "a", "b", "c", "~", "/", "*",
                                "0", "1", "2", "01", "-", "", "\xc3\xa9",
                                "a/b" };

typedef struct {
    int n;
    int seg[H2P_JSON_MAX_SEGMENTS];
} xsel;

typedef struct {
    char **v;
    int n, size;
} lines;

static void line(lines *l, int sel, int depth, const char *v, size_t len)
{
    char *s = malloc(32 + 2 * len), *c;
    size_t i;

    if (!s) {
        abort();
    }
    c = s + sprintf(s, "%d:%d:", sel, depth);
    for (i = 0; i < len; i++) {
        c += sprintf(c, "%02x", (unsigned char)v[i]);
    }
    if (l->n == l->size) {
        l->size = l->size ? 2 * l->size : 16;
        l->v = realloc(l->v, l->size * sizeof(char *));
        if (!l->v) {
            abort();
        }
    }
    l->v[l->n++] = s;
}

static void walk(lines *l, const json_t *v, const xsel *x, int sel, int d)
{
    const char *key;
    json_t *m;
    size_t i;

    if (json_is_string(v)) {
        line(l, sel, d, json_string_value(v), json_string_length(v));
        return;
    }
    if (d == x->n) {
        return;
    }
    if (json_is_object(v)) {
        if (!seglit[x->seg[d]]) {
            json_object_foreach((json_t *)v, key, m) {
                walk(l, m, x, sel, d + 1);
            }
        }
        else if ((m = json_object_get(v, seglit[x->seg[d]]))) {
            walk(l, m, x, sel, d + 1);
        }
    }
    else if (json_is_array(v)) {
        const char *t = seglit[x->seg[d]];

        for (i = 0; i < json_array_size(v); i++) {
            char ix[24];

            snprintf(ix, sizeof(ix), "%lu", (unsigned long)i);
            if (!t || !strcmp(t, ix)) {
                walk(l, json_array_get(v, i), x, sel, d + 1);
            }
        }
    }
}

static void on_match(void *baton, int sel, int depth, const char *v,
                     apr_size_t len)
{
    line(baton, sel, depth, v, len);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char * const *)a, *(char * const *)b);
}

static void clear(lines *l)
{
    int i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    l->n = 0;
}

static int ours(apr_pool_t *p, const h2p_jsel *s, const char *doc,
                size_t len, lines *l)
{
    h2p_json *j = h2p_json_create(p, s, 512, 1 << 16, on_match, l);
    size_t at = 0, n;
    int rc = H2P_JSON_OK;

    while (at < len && rc == H2P_JSON_OK) {
        n = rnd(4) ? 1 + rnd(16) : len;
        if (n > len - at) {
            n = len - at;
        }
        rc = h2p_json_feed(j, doc + at, n);
        at += n;
    }
    return rc == H2P_JSON_OK ? h2p_json_finish(j) : rc;
}

/* jansson's verdict: 1 valid, 0 invalid, -1 a known difference */
static int theirs(const char *doc, size_t len, json_t **root)
{
    json_error_t e;

    *root = json_loadb(doc, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (*root && memchr(doc, '\0', len)) {
        json_decref(*root);         /* raw NUL after a scalar root */
        *root = NULL;
        return -1;
    }
    if (*root) {
        return 1;
    }
    if (strstr(e.text, "NUL byte in object key") || strstr(e.text, "too big")
        || strstr(e.text, "overflow")) {
        return -1;
    }
    return 0;
}

int main(void)
{
    apr_pool_t *pool;
    lines a = { 0 }, b = { 0 };
    buf doc = { 0 };
    int i, k, fails = 0, valid = 0, invalid = 0, skipped = 0, matches = 0,
        deep = 0;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    for (i = 0; i < NDOCS && fails < 10; i++) {
        const char *src[3];
        xsel x[3];
        h2p_jsel *s;
        json_t *root;
        const char *err;
        int ns = 1 + rnd(3), rc, jv;

        for (k = 0; k < ns; k++) {
            int d;
            char *p = "";

            x[k].n = rnd(4);
            for (d = 0; d < x[k].n; d++) {
                x[k].seg[d] = rnd(sizeof(segs) / sizeof(*segs));
                p = apr_pstrcat(pool, p, "/", segs[x[k].seg[d]], NULL);
            }
            if (!strcmp(p, "/")) {
                x[k].n = 0;         /* "/" is the root, as "" */
            }
            src[k] = p;
        }
        s = h2p_jsel_compile(pool, src, ns, &err);
        doc.len = 0;
        ws(&doc);
        write_value(&doc, 0);
        ws(&doc);

        rc = ours(pool, s, doc.b, doc.len, &a);
        jv = theirs(doc.b, doc.len, &root);
        if (jv == 1) {
            for (k = 0; k < ns; k++) {
                walk(&b, root, &x[k], k, 0);
            }
            json_decref(root);
        }
        if (a.n) {
            qsort(a.v, a.n, sizeof(char *), cmp);
        }
        if (b.n) {
            qsort(b.v, b.n, sizeof(char *), cmp);
        }
        for (k = 0; jv == 1 && rc == H2P_JSON_OK && k < a.n && k < b.n; k++) {
            if (strcmp(a.v[k], b.v[k])) {
                break;
            }
        }
        if (jv != 1 || rc != H2P_JSON_OK || a.n != b.n || k != a.n) {
            fails++;
            fprintf(stderr, "doc %d: ours %s, jansson %d, %d vs %d matches "
                    "(first difference %d: %s / %s)\n  %s\n  [%s %s %s]\n",
                    i, h2p_json_strerror(rc), jv, a.n, b.n, k,
                    k < a.n ? a.v[k] : "-", k < b.n ? b.v[k] : "-", doc.b,
                    src[0], ns > 1 ? src[1] : "", ns > 2 ? src[2] : "");
        }
        matches += a.n;
        for (k = 0; k < a.n; k++) {
            int sel, depth;

            if (sscanf(a.v[k], "%d:%d:", &sel, &depth) == 2 && depth >= 2) {
                deep++;
            }
        }
        clear(&a);
        clear(&b);

        /* broken variants: validity only */
        for (k = 0; k < 3 && doc.len > 0; k++) {
            static const char bytes[] = "[]{}\",:\\ 0-.eE+tnu\x80\xc3\x01";
            buf v = { 0 };
            size_t at = rnd(doc.len);
            char c = rnd(2) ? bytes[rnd(sizeof(bytes) - 1)] : (char)rnd(256);

            add(&v, doc.b, doc.len);
            if (k == 0) {
                v.len = at;
            }
            else if (k == 1) {
                v.b[at] = c;
            }
            else if (rnd(2)) {
                memmove(v.b + at, v.b + at + 1, v.len - at - 1);
                v.len--;
            }
            else {
                add(&v, "", 1);
                memmove(v.b + at + 1, v.b + at, v.len - at - 1);
                v.b[at] = c;
            }
            rc = ours(pool, s, v.b, v.len, &a);
            clear(&a);
            jv = theirs(v.b, v.len, &root);
            json_decref(root);
            if (jv < 0) {
                skipped++;
            }
            else if (jv != (rc == H2P_JSON_OK)) {
                fails++;
                fprintf(stderr, "variant %d of doc %d: ours %s, jansson %s:"
                        " [%.*s]\n", k, i, h2p_json_strerror(rc),
                        jv ? "valid" : "invalid", (int)v.len, v.b);
            }
            else {
                jv ? valid++ : invalid++;
            }
            free(v.b);
        }
        apr_pool_clear(pool);
    }
    free(doc.b);
    free(a.v);
    free(b.v);
    printf("diff_json: %d documents, %d matches agree (%d at depth >= 2); "
           "variants: %d valid, %d invalid agree, %d skipped (known differences); "
           "%d failed\n", i, matches, deep, valid, invalid, skipped,
           fails);
    return fails ? 1 : 0;
}
