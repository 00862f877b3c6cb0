/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_link.c: h2p_link_parse, h2p_link_format
 * and h2p_uri_resolve.
 *
 * Build and run (from the top of the tree; t/fuzz/run.sh does both):
 *   mkdir -p t/fuzz/build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=undefined \
 *       $(apr-1-config --cflags --cppflags --includes) -Isrc \
 *       t/fuzz/fuzz_link.c src/h2p_link.c \
 *       $(apr-1-config --link-ld --libs) -o t/fuzz/build/fuzz_link
 *   t/fuzz/build/fuzz_link -max_total_time=120 t/fuzz/build/corpus/link \
 *       t/fuzz/corpus/link
 *
 * Input: 1 byte choosing the scheme (bit 0) and the authority (bits 1-3),
 * 1 byte choosing the base path (low 4 bits), then the Link field value
 * (up to the first NUL). Any broken invariant aborts:
 *   - parse returns the number of bad link-values; a bad one has neither
 *     target nor params, a good one has both, and its target has no byte
 *     <= 0x20, >= 0x7f, '<', '>' or '"'; raw has no OWS at either end;
 *   - format (of good and bad ones, with and without nopush) yields no
 *     control byte (< 0x20, 0x7f);
 *   - parse(format(l, target, add_nopush)), with and without nopush, for
 *     the link's own target and for its resolved path, is exactly one
 *     good link-value with that target, nopush set when the link had it
 *     or add_nopush, and exactly the params h2p_link.h says format
 *     writes: nopush first, then the others in order but for those it
 *     leaves out (a name mod_http2 would not read whole, a value with '"'
 *     or '\', a second rel), values as written (HTAB as SP, other
 *     control bytes dropped, rel lower-cased);
 *   - format never turns a link that is not a preload into one;
 *   - the parser's shortcuts agree with the long way (check_shortcuts),
 *     and h2p_link_parse (with its shortcut for the usual params) gives
 *     the very links h2p_link_parse_full does (check_same_parse);
 *   - for each good target (and for the raw field as a reference), when
 *     h2p_uri_resolve says OK, the path part (before '?') starts with '/'
 *     but not "//", has no "/./" or "/../" segment, no trailing "/." or
 *     "/..", the whole result is printable ASCII, and resolving it again
 *     against the same base gives it back. A reference without ':'
 *     that does not start with "//" is never OTHER_ORIGIN.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_link.h"

#define HDR 2

static const char *const schemes[2] = { "http", "https" };

static const char *const authorities[8] = {
    "example.com",
    "example.com:443",
    "example.com:80",
    "EXAMPLE.com:8443",
    "[::1]:8443",
    "[::1]",
    "127.0.0.1:8080",
    NULL                        /* no Host at all */
};

static const char *const base_paths[16] = {
    "/",
    "/index.html",
    "/a/b/c.html",
    "/a/b/",
    "/dir/page?x=1#frag",
    "",
    "a/b",
    "/%7euser/p.html",
    "/a/../b/",
    "/x/%2e%2e/y",
    "//double/slash",
    "/q?/../..",
    "/a/./b/.",
    "/%zz/bad",
    "/deep/1/2/3/4/5/",
    "/sp ace/x"
};

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* No control byte (< 0x20 or DEL) before the NUL. */
static void check_no_ctl(const char *s)
{
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            abort();
        }
    }
}

/* A value as h2p_link_format writes it: HTAB as SP, controls dropped. */
static const char *as_written(apr_pool_t *p, const char *v)
{
    char *d, *buf;

    if (!v) {
        return NULL;
    }
    buf = d = apr_palloc(p, strlen(v) + 1);
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;

        if (c == '\t') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) {
            continue;
        }
        *d++ = (char)c;
    }
    *d = '\0';
    return buf;
}

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Parse s and insist on exactly one good link-value; return it. */
static const h2p_link *parse_one(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(h2p_link));
    const h2p_link *l;

    if (h2p_link_parse(p, s, a) != 0 || a->nelts != 1) {
        abort();
    }
    l = (const h2p_link *)a->elts;
    if (l->bad || !l->target || !l->params) {
        abort();
    }
    return l;
}

/* A value h2p_link_format writes: no '"', '\\', or control but HTAB. */
static int plain_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == 0x7f || (c < 0x20 && c != '\t')) {
            return 0;
        }
    }
    return 1;
}

/* A name mod_http2 reads whole (h2p_link_format leaves others out). */
static int is_h2_name(const char *s)
{
    return !strpbrk(s, "%'*");
}

/*
 * The params h2p_link_format is documented to write for l, as parse reads
 * them back: "nopush" first when the link had one or add_nopush, then the
 * others in order but for "nopush", a name mod_http2 would not read
 * whole, a value holding '"', '\' or a control character other than HTAB,
 * and any "rel" after the first one (written or not); values as written
 * (HTAB as SP), a rel value lower-cased.
 */
static apr_array_header_t *written_params(apr_pool_t *p, const h2p_link *l,
                                          int add_nopush)
{
    apr_array_header_t *w = apr_array_make(p, 4, sizeof(h2p_param));
    const h2p_param *prm;
    h2p_param *o;
    int i, rel, seen_rel = 0;
    char *v;

    if (add_nopush || l->nopush) {
        o = apr_array_push(w);
        o->name = "nopush";
        o->value = NULL;
    }
    for (i = 0; i < l->nparams; i++) {
        prm = &l->params[i];
        rel = !strcmp(prm->name, "rel");
        if (rel && seen_rel++) {
            continue;           /* only the first rel, written or not */
        }
        if (!is_h2_name(prm->name) || !strcmp(prm->name, "nopush")
            || (prm->value && !plain_value(prm->value))) {
            continue;
        }
        o = apr_array_push(w);
        o->name = prm->name;
        o->value = as_written(p, prm->value);
        if (rel && o->value) {
            for (v = (char *)o->value; *v; v++) {
                if (*v >= 'A' && *v <= 'Z') {
                    *v += 32;
                }
            }
        }
    }
    return w;
}

/*
 * format(l, target, add_nopush) has no control byte and parses into
 * exactly one good link-value with that target and the params above;
 * nopush is never lost. And it never makes a preload of a link that was
 * not one: mod_http2 and the browser would act on a relation the origin
 * did not send (RFC 8288 3.3: only the first rel counts).
 */
static void check_format(apr_pool_t *p, const h2p_link *l,
                         const char *target, int add_nopush)
{
    const char *f = h2p_link_format(p, l, target, add_nopush);
    apr_array_header_t *w = written_params(p, l, add_nopush);
    const h2p_param *a, *b;
    const h2p_link *r;
    int i;

    check_no_ctl(f);
    r = parse_one(p, f);
    if (strcmp(r->target, target ? target : l->target)
        || r->nparams != w->nelts
        || r->nopush != (add_nopush || l->nopush)) {
        abort();
    }
    for (i = 0; i < w->nelts; i++) {
        a = &r->params[i];
        b = &APR_ARRAY_IDX(w, i, h2p_param);
        if (strcmp(a->name, b->name) || !same_opt(a->value, b->value)) {
            abort();
        }
    }
    if (r->preload && !l->preload) {
        abort();
    }
}

/* The path part of a resolved path is clean. */
static void check_path(const char *path)
{
    const char *s, *e = path + strcspn(path, "?");

    if (path[0] != '/' || path[1] == '/') {
        abort();
    }
    for (s = path; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            abort();
        }
    }
    for (s = path; s < e; s++) {
        if (*s != '/') {
            continue;
        }
        /* "/." or "/.." as a whole segment */
        if (s + 1 < e && s[1] == '.'
            && (s + 2 == e || s[2] == '/'
                || (s[2] == '.' && (s + 3 == e || s[3] == '/')))) {
            abort();
        }
    }
}

static void check_resolve(apr_pool_t *p, const char *scheme,
                          const char *authority, const char *base,
                          const char *ref, const h2p_link *l)
{
    const char *path = NULL, *again = NULL;
    h2p_uri_rc rc;

    rc = h2p_uri_resolve(p, scheme, authority, base, ref, &path);
    if (rc != H2P_URI_OK && rc != H2P_URI_BAD
        && rc != H2P_URI_OTHER_ORIGIN) {
        abort();
    }
    if (rc == H2P_URI_OTHER_ORIGIN && !strchr(ref, ':')
        && !(ref[0] == '/' && ref[1] == '/')) {
        abort();
    }
    if (rc != H2P_URI_OK) {
        if (path) {
            abort();
        }
        return;
    }
    if (!path) {
        abort();
    }
    check_path(path);
    if (h2p_uri_resolve(p, scheme, authority, base, path, &again)
        != H2P_URI_OK || strcmp(again, path)) {
        abort();
    }
    if (l) {
        /* what the module sends for a pushed or hinted link */
        check_format(p, l, path, 0);
        check_format(p, l, path, 1);
    }
}

/*
 * The parser's shortcuts give what the long way gives: target_hash is
 * h2p_hash(target); a canonical link formats (with other targets, with
 * and without nopush) exactly as the same link marked not canonical, and
 * with no new target and no nopush to its raw text; an abs_path target
 * resolves to itself against bases of every kind.
 */
static void check_shortcuts(apr_pool_t *p, const h2p_link *l)
{
    static const char *const targets[] = { NULL, "/x/y.css", "" };
    h2p_link slow = *l;
    const char *path;
    int i, n;

    if (l->target_hash != h2p_hash(l->target)
        || l->target_len != strlen(l->target)
        || l->raw_len != strlen(l->raw)) {
        abort();
    }
    if (l->canonical) {
        if (l->nopush || strcmp(h2p_link_format(p, l, NULL, 0), l->raw)) {
            abort();
        }
        slow.canonical = 0;
        for (i = 0; i < 4; i++) {
            const char *t = i < 3 ? targets[i] : l->target;

            for (n = 0; n < 2; n++) {
                if (strcmp(h2p_link_format(p, l, t, n),
                           h2p_link_format(p, &slow, t, n))) {
                    abort();
                }
            }
        }
    }
    if (l->abs_path) {
        for (i = 0; i < 16; i += 5) {
            if (h2p_uri_resolve(p, schemes[i & 1], authorities[i & 7],
                                base_paths[i], l->target, &path)
                != H2P_URI_OK || strcmp(path, l->target)) {
                abort();
            }
        }
    }
}

/* Two parses of one field: the same links, field by field. */
static void check_same_parse(apr_pool_t *p, const char *field,
                             const apr_array_header_t *a, int nbad)
{
    apr_array_header_t *b = apr_array_make(p, 4, sizeof(h2p_link));
    int i, j;

    if (h2p_link_parse_full(p, field, b) != nbad || a->nelts != b->nelts) {
        abort();
    }
    for (i = 0; i < a->nelts; i++) {
        const h2p_link *x = &APR_ARRAY_IDX(a, i, h2p_link);
        const h2p_link *y = &APR_ARRAY_IDX(b, i, h2p_link);

        if (x->bad != y->bad || x->raw_len != y->raw_len
            || strcmp(x->raw, y->raw) || !same_opt(x->target, y->target)
            || x->target_len != y->target_len || x->nparams != y->nparams
            || !x->params != !y->params || x->preload != y->preload
            || x->modulepreload != y->modulepreload
            || x->nopush != y->nopush || x->critical != y->critical
            || x->canonical != y->canonical || x->abs_path != y->abs_path
            || x->target_hash != y->target_hash || !same_opt(x->as, y->as)
            || !same_opt(x->crossorigin, y->crossorigin)) {
            abort();
        }
        for (j = 0; j < x->nparams; j++) {
            if (strcmp(x->params[j].name, y->params[j].name)
                || !same_opt(x->params[j].value, y->params[j].value)) {
                abort();
            }
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_array_header_t *a;
    const char *scheme, *authority, *base;
    const unsigned char *c;
    char *field;
    int i, nbad, bad = 0;

    if (size < HDR) {
        return 0;
    }
    scheme = schemes[data[0] & 1];
    authority = authorities[(data[0] >> 1) & 7];
    base = base_paths[data[1] & 15];

    apr_pool_create(&p, NULL);
    field = apr_pstrmemdup(p, (const char *)data + HDR, size - HDR);

    a = apr_array_make(p, 4, sizeof(h2p_link));
    nbad = h2p_link_parse(p, field, a);
    check_same_parse(p, field, a, nbad);
    for (i = 0; i < a->nelts; i++) {
        const h2p_link *l = &APR_ARRAY_IDX(a, i, h2p_link);

        if (!l->raw || !*l->raw || is_ows(l->raw[0])
            || is_ows(l->raw[strlen(l->raw) - 1])) {
            abort();
        }
        check_no_ctl(h2p_link_format(p, l, NULL, 0));
        check_no_ctl(h2p_link_format(p, l, NULL, 1));
        if (l->bad) {
            bad++;
            if (l->target || l->params || l->preload || l->nopush
                || l->critical || l->as || l->crossorigin || l->canonical
                || l->abs_path) {
                abort();
            }
            continue;
        }
        if (!l->target || !l->params) {
            abort();
        }
        for (c = (const unsigned char *)l->target; *c; c++) {
            if (*c <= 0x20 || *c >= 0x7f || *c == '<' || *c == '>'
                || *c == '"') {
                abort();
            }
        }
        check_format(p, l, NULL, 0);
        check_format(p, l, NULL, 1);
        check_resolve(p, scheme, authority, base, l->target, l);
        check_shortcuts(p, l);
    }
    if (nbad != bad) {
        abort();
    }
    check_resolve(p, scheme, authority, base, field, NULL);

    apr_pool_destroy(p);
    return 0;
}
