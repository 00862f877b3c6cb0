/* Licensed under the Apache License, Version 2.0 */
/*
 * RFC 8288 Link field parsing/serialisation and RFC 3986 reference
 * resolution. Every scan moves forward over a NUL-terminated string and
 * stops at the NUL: no recursion, linear time, safe on arbitrary bytes.
 */
#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>

#include "h2p_link.h"

/* ASCII-only classes, immune to the locale; c is an unsigned char */
#define IS_OWS(c)   ((c) == ' ' || (c) == '\t')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define LC(c)       (((c) >= 'A' && (c) <= 'Z') ? (c) + 32 : (c))

/* RFC 7230 tchar */
static int is_tchar(unsigned char c)
{
    return IS_ALPHA(c) || IS_DIGIT(c)
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A character allowed inside "<" ... ">" */
static int is_target_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"';
}

static const char *skip_ows(const char *s)
{
    while (IS_OWS(*s)) {
        s++;
    }
    return s;
}

static const char *skip_token(const char *s)
{
    while (is_tchar((unsigned char)*s)) {
        s++;
    }
    return s;
}

static int is_token(const char *s)
{
    const char *e = skip_token(s);

    return e != s && !*e;
}

static char *lower_dup(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *d = apr_pstrmemdup(p, s, n);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        d[i] = (char)LC((unsigned char)d[i]);
    }
    return d;
}

/*
 * Parse the quoted-string starting at the '"' at *ps. Raw control
 * characters other than HTAB are refused; a quoted-pair may escape any
 * byte but NUL. On success, *val gets the unescaped text and *ps points
 * past the closing quote.
 */
static int parse_quoted(apr_pool_t *p, const char **ps, const char **val)
{
    const char *s = *ps + 1, *start = s;
    apr_size_t n = 0;
    char *d, *buf;

    while (*s != '"') {
        unsigned char c = (unsigned char)*s;

        if (c == '\\') {
            if (!s[1]) {
                return 0;
            }
            s++;
        }
        else if (!c || (c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
        s++;
        n++;
    }
    buf = d = apr_palloc(p, n + 1);
    for (s = start; *s != '"'; s++) {
        if (*s == '\\') {
            s++;
        }
        *d++ = *s;
    }
    *d = '\0';
    *val = buf;
    *ps = s + 1;
    return 1;
}

/* Does a rel value hold the relation type "preload" (any case)? */
static int rel_has_preload(const char *v)
{
    const char *t;

    while (v && *v) {
        v = skip_ows(v);
        for (t = v; *t && !IS_OWS(*t); t++)
            ;
        if (t - v == 7 && !apr_cstr_casecmpn(v, "preload", 7)) {
            return 1;
        }
        v = t;
    }
    return 0;
}

/* Fill the derived fields of l from one param. */
static void note_param(h2p_link *l, const h2p_param *prm, int *seen_rel)
{
    if (!strcmp(prm->name, "rel")) {
        if (!*seen_rel) {
            *seen_rel = 1;
            l->preload = rel_has_preload(prm->value);
        }
    }
    else if (!strcmp(prm->name, "nopush")) {
        l->nopush = 1;
    }
    else if (!strcmp(prm->name, "critical")) {
        l->critical = 1;
    }
    else if (!strcmp(prm->name, "as")) {
        if (!l->as) {
            l->as = prm->value ? prm->value : "";
        }
    }
    else if (!strcmp(prm->name, "crossorigin")) {
        if (!l->crossorigin) {
            l->crossorigin = prm->value ? prm->value : "";
        }
    }
}

/*
 * Parse one link-value at *ps (no leading OWS). On success, *ps points at
 * the ',' or NUL ending it and 1 is returned; 0 when malformed.
 */
static int parse_value(apr_pool_t *p, const char **ps, h2p_link *l)
{
    const char *s = *ps, *t;
    h2p_param *prm;
    int seen_rel = 0;

    if (*s != '<') {
        return 0;
    }
    for (t = ++s; *s != '>'; s++) {
        if (!is_target_char((unsigned char)*s)) {
            return 0;
        }
    }
    l->target = apr_pstrmemdup(p, t, s - t);
    l->params = apr_array_make(p, 4, sizeof(h2p_param));
    s++;

    for (;;) {
        s = skip_ows(s);
        if (!*s || *s == ',') {
            break;
        }
        if (*s != ';') {
            return 0;
        }
        s = skip_ows(s + 1);
        t = s;
        s = skip_token(s);
        if (s == t) {
            return 0;
        }
        prm = apr_array_push(l->params);
        prm->name = lower_dup(p, t, s - t);
        prm->value = NULL;
        s = skip_ows(s);
        if (*s == '=') {
            s = skip_ows(s + 1);
            if (*s == '"') {
                if (!parse_quoted(p, &s, &prm->value)) {
                    return 0;
                }
            }
            else {
                t = s;
                s = skip_token(s);
                if (s == t) {
                    return 0;
                }
                prm->value = apr_pstrmemdup(p, t, s - t);
            }
        }
        note_param(l, prm, &seen_rel);
    }
    *ps = s;
    return 1;
}

/*
 * The end of a malformed link-value starting at s: the next ',' outside
 * a quoted-string, or the NUL. A '"' opens a quoted-string only where a
 * param value may start (after "=" and BWS), so a stray quote in a bad
 * target does not swallow the rest of the field.
 */
static const char *resync(const char *s)
{
    char last = '\0';

    while (*s && *s != ',') {
        if (*s == '"' && last == '=') {
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1]) {
                    s++;
                }
            }
            if (!*s) {
                break;
            }
        }
        if (!IS_OWS(*s)) {
            last = *s;
        }
        s++;
    }
    return s;
}

int h2p_link_parse(apr_pool_t *p, const char *field, apr_array_header_t *out)
{
    const char *s = field, *start, *end;
    h2p_link *l;
    int nbad = 0;

    if (!field) {
        return 0;
    }
    for (;;) {
        while (IS_OWS(*s) || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        start = s;
        l = apr_array_push(out);
        memset(l, 0, sizeof(*l));
        if (!parse_value(p, &s, l)) {
            memset(l, 0, sizeof(*l));
            l->bad = 1;
            nbad++;
            s = resync(start);
        }
        for (end = s; end > start && IS_OWS(end[-1]); end--)
            ;
        l->raw = apr_pstrmemdup(p, start, end - start);
    }
    return nbad;
}

/*
 * Copy s to d, dropping control characters (HTAB becomes SP) and, with
 * target, anything not allowed between "<" and ">". With quote, '"' and
 * '\' are escaped. Writes at most 2 * strlen(s) bytes.
 */
static char *put_text(char *d, const char *s, int lower, int quote,
                      int target)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\t') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f || (target && !is_target_char(c))) {
            continue;
        }
        if (quote && (c == '"' || c == '\\')) {
            *d++ = '\\';
        }
        *d++ = (char)(lower ? LC(c) : c);
    }
    return d;
}

/* A parameter name mod_http2's Link parser reads as a whole: tchar but
 * '%', '\'' and '*' (it would stop there and drop the rest of the field). */
static int is_h2_name(const char *s)
{
    for (; *s; s++) {
        if (!is_tchar((unsigned char)*s) || *s == '%' || *s == '\''
            || *s == '*') {
            return 0;
        }
    }
    return 1;
}

/* A value written as it is: no quote or backslash (mod_http2 knows no
 * quoted-pair), no control character (dropping one could turn a value
 * into another, "pre\x01load" into "preload"); a tab is written as a
 * space. */
static int is_plain_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\' || c == 0x7f || (c < 0x20 && c != '\t')) {
            return 0;
        }
    }
    return 1;
}

/* A token mod_http2 reads as one too (its tokens have no '%'). */
static int is_h2_token(const char *s)
{
    return is_token(s) && !strchr(s, '%');
}

const char *h2p_link_format(apr_pool_t *p, const h2p_link *l,
                            const char *target, int add_nopush)
{
    const h2p_param *prm;
    apr_size_t n;
    char *buf, *d;
    int i, rel, seen_rel = 0;

    if (l->bad || !l->params) {
        /* nothing to serialise but what was received */
        const char *raw = l->raw ? l->raw : "";

        buf = apr_palloc(p, strlen(raw) + 1);
        *put_text(buf, raw, 0, 0, 0) = '\0';
        return buf;
    }
    if (!target) {
        target = l->target ? l->target : "";
    }

    n = strlen(target) + sizeof("<>; nopush");
    for (i = 0; i < l->params->nelts; i++) {
        prm = &APR_ARRAY_IDX(l->params, i, h2p_param);
        n += strlen(prm->name) + sizeof("; =\"\"");
        if (prm->value) {
            n += strlen(prm->value);
        }
    }
    buf = d = apr_palloc(p, n);

    /* The form is one that mod_http2's simpler parser reads the same way:
     * nopush first (nothing after it can hide it), one rel, no quoted-pair
     * (a parameter whose value would need one is left out), names and
     * tokens it reads whole. */
    *d++ = '<';
    d = put_text(d, target, 0, 0, 1);
    *d++ = '>';
    if (add_nopush || l->nopush) {
        memcpy(d, "; nopush", 8);
        d += 8;
    }
    for (i = 0; i < l->params->nelts; i++) {
        prm = &APR_ARRAY_IDX(l->params, i, h2p_param);
        rel = !apr_cstr_casecmp(prm->name, "rel");
        if (rel && seen_rel++) {
            continue;   /* only the first rel counts, written or not */
        }
        if (!is_token(prm->name) || !is_h2_name(prm->name)
            || !apr_cstr_casecmp(prm->name, "nopush")
            || (prm->value && !is_plain_value(prm->value))) {
            continue;
        }
        *d++ = ';';
        *d++ = ' ';
        d = put_text(d, prm->name, 0, 0, 0);
        if (prm->value) {
            int quote = !is_h2_token(prm->value);

            *d++ = '=';
            if (quote) {
                *d++ = '"';
            }
            d = put_text(d, prm->value, rel, 0, 0);
            if (quote) {
                *d++ = '"';
            }
        }
    }
    *d = '\0';
    return buf;
}

/* RFC 3986 resolution and same-origin check */

static int hexval(unsigned char c)
{
    if (IS_DIGIT(c)) {
        return c - '0';
    }
    c = LC(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static int is_unreserved(unsigned char c)
{
    return IS_ALPHA(c) || IS_DIGIT(c) || c == '-' || c == '.' || c == '_'
           || c == '~';
}

/*
 * Decode %XX of unreserved characters, upper-case the hex digits of the
 * others (RFC 3986 §6.2.2). NULL when a '%' lacks two hex digits.
 */
static char *norm_pct(apr_pool_t *p, const char *s, apr_size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *e = s + len;
    char *buf = apr_palloc(p, len + 1), *d = buf;
    int hi, lo;

    while (s < e) {
        if (*s != '%') {
            *d++ = *s++;
            continue;
        }
        if (e - s < 3 || (hi = hexval((unsigned char)s[1])) < 0
            || (lo = hexval((unsigned char)s[2])) < 0) {
            return NULL;
        }
        if (is_unreserved((unsigned char)(hi * 16 + lo))) {
            *d++ = (char)(hi * 16 + lo);
        }
        else {
            *d++ = '%';
            *d++ = hex[hi];
            *d++ = hex[lo];
        }
        s += 3;
    }
    *d = '\0';
    return buf;
}

/* RFC 3986 §5.2.4 remove_dot_segments, in one forward pass. */
static char *remove_dots(apr_pool_t *p, const char *in)
{
    char *out = apr_palloc(p, strlen(in) + 2);
    apr_size_t n = 0;

    while (*in) {
        if (in[0] == '.' && in[1] == '.' && in[2] == '/') {
            in += 3;
        }
        else if (in[0] == '.' && in[1] == '/') {
            in += 2;
        }
        else if (in[0] == '/' && in[1] == '.' && in[2] == '/') {
            in += 2;
        }
        else if (in[0] == '/' && in[1] == '.' && !in[2]) {
            in = "/";
        }
        else if (in[0] == '/' && in[1] == '.' && in[2] == '.'
                 && (in[3] == '/' || !in[3])) {
            in = in[3] ? in + 3 : "/";
            while (n > 0 && out[n - 1] != '/') {
                n--;
            }
            if (n > 0) {
                n--;
            }
        }
        else if ((in[0] == '.' && !in[1])
                 || (in[0] == '.' && in[1] == '.' && !in[2])) {
            break;
        }
        else {
            do {
                out[n++] = *in++;
            } while (*in && *in != '/');
        }
    }
    out[n] = '\0';
    return out;
}

/*
 * Split host[:port] or [v6]:port. *port is -1 when absent or empty.
 * Returns 0 when malformed.
 */
static int split_authority(const char *a, apr_size_t len, const char **host,
                           apr_size_t *hlen, int *port)
{
    const char *e = a + len, *c;
    long v = 0;

    if (len && a[0] == '[') {
        c = memchr(a, ']', len);
        if (!c || (++c < e && *c != ':')) {
            return 0;
        }
    }
    else if (!(c = memchr(a, ':', len))) {
        c = e;
    }
    *host = a;
    *hlen = c - a;
    *port = -1;
    if (c < e && ++c < e) {
        for (; c < e; c++) {
            if (!IS_DIGIT((unsigned char)*c) || (v = v * 10 + *c - '0') > 65535) {
                return 0;
            }
        }
        *port = (int)v;
    }
    return 1;
}

/* Is the authority [a, a + len) of a reference the request's origin? */
static h2p_uri_rc check_origin(const char *scheme, const char *authority,
                               const char *a, apr_size_t len)
{
    const char *h1, *h2;
    apr_size_t l1, l2;
    int p1, p2, dport;

    if (memchr(a, '@', len)) {
        return H2P_URI_OTHER_ORIGIN;
    }
    if (!split_authority(a, len, &h1, &l1, &p1)) {
        return H2P_URI_BAD;
    }
    if (!authority
        || !split_authority(authority, strlen(authority), &h2, &l2, &p2)) {
        return H2P_URI_OTHER_ORIGIN;
    }
    dport = apr_cstr_casecmp(scheme, "https") ? 80 : 443;
    if (p1 < 0) {
        p1 = dport;
    }
    if (p2 < 0) {
        p2 = dport;
    }
    if (l1 != l2 || apr_cstr_casecmpn(h1, h2, l1) || p1 != p2) {
        return H2P_URI_OTHER_ORIGIN;
    }
    return H2P_URI_OK;
}

/* The scheme of [s, e), ending at the returned ':', or NULL. */
static const char *find_scheme(const char *s, const char *e)
{
    const char *c = s;

    if (c >= e || !IS_ALPHA((unsigned char)*c)) {
        return NULL;
    }
    while (c < e && (IS_ALPHA((unsigned char)*c) || IS_DIGIT((unsigned char)*c)
                     || *c == '+' || *c == '-' || *c == '.')) {
        c++;
    }
    return (c < e && *c == ':') ? c : NULL;
}

h2p_uri_rc h2p_uri_resolve(apr_pool_t *p, const char *scheme,
                           const char *authority, const char *base_path,
                           const char *ref, const char **path)
{
    const char *s, *e, *q, *c, *base, *query = "";
    char *merged;
    h2p_uri_rc rc;

    *path = NULL;
    if (!ref || !scheme || (apr_cstr_casecmp(scheme, "http")
                            && apr_cstr_casecmp(scheme, "https"))) {
        return H2P_URI_BAD;
    }
    for (s = ref; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch <= 0x20 || ch >= 0x7f || ch == '\\'
            || (ch == '%' && (hexval((unsigned char)s[1]) < 0
                              || hexval((unsigned char)s[2]) < 0))) {
            return H2P_URI_BAD;
        }
    }

    /* ref = [s, q) path part, [q, e) query, fragment dropped */
    s = ref;
    e = ref + strcspn(ref, "#");
    if (!(q = memchr(ref, '?', e - ref))) {
        q = e;
    }
    if ((c = find_scheme(s, q)) != NULL) {
        if ((apr_size_t)(c - s) != strlen(scheme)
            || apr_cstr_casecmpn(s, scheme, c - s)) {
            return H2P_URI_OTHER_ORIGIN;
        }
        s = c + 1;
    }

    /* base: the request path, always absolute, never with a query */
    base = base_path ? base_path : "";
    base = apr_pstrmemdup(p, base, strcspn(base, "?#"));
    if (*base != '/') {
        base = apr_pstrcat(p, "/", base, NULL);
    }

    if (q - s >= 2 && s[0] == '/' && s[1] == '/') {
        for (c = s += 2; c < q && *c != '/'; c++)
            ;
        if ((rc = check_origin(scheme, authority, s, c - s)) != H2P_URI_OK) {
            return rc;
        }
        merged = (c == q) ? apr_pstrdup(p, "/")
                          : apr_pstrmemdup(p, c, q - c);
    }
    else if (s == q) {
        merged = apr_pstrdup(p, base);
    }
    else if (*s == '/') {
        merged = apr_pstrmemdup(p, s, q - s);
    }
    else {
        c = strrchr(base, '/');
        merged = apr_pstrcat(p, apr_pstrmemdup(p, base, c - base + 1),
                             apr_pstrmemdup(p, s, q - s), NULL);
    }

    if (!(merged = norm_pct(p, merged, strlen(merged)))) {
        return H2P_URI_BAD;
    }
    if (q < e && !(query = norm_pct(p, q, e - q))) {
        return H2P_URI_BAD;
    }
    merged = apr_pstrcat(p, remove_dots(p, merged), query, NULL);

    /* The base path is the caller's: check the result as a whole. A
     * leading "//" ("/..//evil/x") is refused: re-parsed, it would read
     * as a network-path reference to another host. */
    if (merged[0] != '/' || merged[1] == '/') {
        return H2P_URI_BAD;
    }
    for (s = merged; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return H2P_URI_BAD;
        }
    }
    *path = merged;
    return H2P_URI_OK;
}
