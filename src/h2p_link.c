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
#include "h2p_chars.h"

/* Character classes, one table lookup each */
#define C_TCHAR  0x001  /* RFC 7230 tchar */
#define C_TARGET 0x002  /* allowed between "<" and ">": VCHAR but < > " */
#define C_H2NAME 0x004  /* tchar mod_http2 reads in a name: not % ' * */
#define C_H2TOK  0x008  /* tchar mod_http2 reads in a token: not % */
#define C_PLAIN  0x010  /* VCHAR a resolved path keeps as it is: not \ % # */
#define C_UPPER  0x020  /* A-Z */
#define C_OWS    0x040  /* SP, HTAB */
/* the common case, where the parser need not look closer */
#define C_TFAST  0x080  /* C_TARGET and C_PLAIN but '.' */
#define C_NFAST  0x100  /* C_H2NAME but A-Z: a name format writes as is */
#define C_VFAST  0x200  /* C_H2TOK but A-Z: a token format writes as is */

static const unsigned short cls[256] = {
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x000, 0x040, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
    0x040, 0x39f, 0x010, 0x30f, 0x39f, 0x003, 0x39f, 0x29b,
    0x092, 0x092, 0x29b, 0x39f, 0x092, 0x39f, 0x31f, 0x092,
    0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f,
    0x39f, 0x39f, 0x092, 0x092, 0x010, 0x092, 0x010, 0x092,
    0x092, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf,
    0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf,
    0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf, 0x0bf,
    0x0bf, 0x0bf, 0x0bf, 0x092, 0x002, 0x092, 0x39f, 0x39f,
    0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f,
    0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f,
    0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f, 0x39f,
    0x39f, 0x39f, 0x39f, 0x092, 0x39f, 0x092, 0x39f, 0x000
    /* 0x80-0xff: none */
};

#define IS(c, k) (cls[(unsigned char)(c)] & (k))
#define IS_OWS(c) IS(c, C_OWS)

static const char *skip_ows(const char *s)
{
    while (IS_OWS(*s)) {
        s++;
    }
    return s;
}

/* Do the n bytes at s equal the lower-case word w, ignoring case? */
static int word_is(const char *s, apr_size_t n, const char *w)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (h2p_lc((unsigned char)s[i]) != (unsigned char)w[i] || !w[i]) {
            return 0;
        }
    }
    return !w[n];
}

/* Does a rel value hold the relation type 'type' (any case)? */
static int rel_has(const char *v, const char *type)
{
    const char *t;

    while (v && *v) {
        v = skip_ows(v);
        for (t = v; *t && !IS_OWS(*t); t++)
            ;
        if (word_is(v, t - v, type)) {
            return 1;
        }
        v = t;
    }
    return 0;
}

/*
 * The parser reads the field value 'in' and works in 'out', a copy of it
 * at the same offsets: names lower-cased (when they need it), quoted-
 * strings unescaped in place (never longer than what they were read from)
 * and every piece NUL-terminated where a separator was. Nothing else is
 * copied.
 */
typedef struct {
    apr_pool_t *pool;
    const char *in;
    const char *end;          /* the NUL ending in */
    char *out;
    h2p_param *prm;           /* next free param slot; NULL: none made */
    h2p_param *spare;         /* three slots for fast_params(), or NULL */
    int fast;                 /* try fast_params() */
} h2p_parser;

/* The param slots of a field, made when a link-value needs them: one for
 * each ';' (or, for a short field, for as many as could fit: one a
 * ";x") */
static h2p_param *param_slots(h2p_parser *ps)
{
    apr_size_t len = ps->end - ps->in, n = 0;
    const char *semi;

    if (len <= 128) {
        n = len / 2 + 1;
    }
    else {
        for (semi = ps->in; (semi = memchr(semi, ';', ps->end - semi));
             semi++) {
            n++;
        }
    }
    return apr_palloc(ps->pool, (n ? n : 1) * sizeof(h2p_param));
}

#define OUT(ps, s) ((ps)->out + ((s) - (ps)->in))

/*
 * Parse the quoted-string starting at the '"' at *ps. Raw control
 * characters other than HTAB are refused; a quoted-pair may escape any
 * byte but NUL. On success, *val gets the unescaped text and *ps points
 * past the closing quote.
 */
static int parse_quoted(h2p_parser *ps, const char **s_, const char **val)
{
    const char *s = *s_ + 1;
    char *d = OUT(ps, s);

    *val = d;
    while (*s != '"') {
        unsigned char c = (unsigned char)*s;

        if (c == '\\') {
            if (!s[1]) {
                return 0;
            }
            c = (unsigned char)*++s;
        }
        else if (!c || (c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
        *d++ = (char)c;
        s++;
    }
    *d = '\0';
    *s_ = s + 1;
    return 1;
}

/* Fill the derived fields of l from one param: name of length n, value
 * of length vn (when not quoted; vupper: it has an upper-case letter).
 * Clears *canon when format would not write the param back as it came. */
static void note_param(h2p_link *l, const h2p_param *prm, apr_size_t n,
                       apr_size_t vn, int vupper, int *seen_rel, int *canon)
{
    const char *v = prm->value ? prm->value : "";

    switch (n) {
    case 2:
        if (!memcmp(prm->name, "as", 2) && !l->as) {
            l->as = v;
        }
        break;
    case 3:
        if (memcmp(prm->name, "rel", 3)) {
            break;
        }
        if (*seen_rel || vupper) {
            *canon = 0;               /* format drops it or lower-cases */
        }
        if (!*seen_rel) {
            *seen_rel = 1;
            l->preload = prm->value && ((vn == 7 && !memcmp(v, "preload", 7))
                                        || rel_has(v, "preload"));
            l->modulepreload = prm->value && !l->preload
                               && rel_has(v, "modulepreload");
        }
        break;
    case 6:
        if (!memcmp(prm->name, "nopush", 6)) {
            l->nopush = 1;
            *canon = 0;               /* format writes it first */
        }
        break;
    case 8:
        if (!memcmp(prm->name, "critical", 8)) {
            l->critical = 1;
        }
        break;
    case 11:
        if (!memcmp(prm->name, "crossorigin", 11) && !l->crossorigin) {
            l->crossorigin = v;
        }
        break;
    }
}

/* The tchars from s on: *end gets their end, *any the union and the
 * return value the intersection of their classes (0 when none). */
static unsigned scan_token(const char *s, const char **end, unsigned *any)
{
    unsigned k, all = ~0u, or = 0;

    for (; (k = cls[(unsigned char)*s]) & C_TCHAR; s++) {
        all &= k;
        or |= k;
    }
    *end = s;
    *any = or;
    return or ? all : 0;
}

/* Do the n bytes at s, all before the end of the field, spell w? */
#define AT(ps, s, w) ((ps)->end - (s) >= (apr_ssize_t)sizeof(w) - 1 \
                      && !memcmp(s, w, sizeof(w) - 1))

/*
 * The params of most link-values, with no closer look: exactly
 * "; rel=preload", then maybe "; as=" and a token of C_VFAST characters,
 * then maybe "; crossorigin", then the end of the field or a ','. When
 * the params at *s_ are in that form, fills l as the general loop of
 * parse_value() would (a canonical link), points *s_ at the end and
 * returns 1; else returns 0 having written nothing.
 */
static int fast_params(h2p_parser *ps, const char **s_, h2p_link *l)
{
    const char *s = *s_, *as = NULL, *as_end = NULL;
    h2p_param *prm;
    int co = 0, n;

    if (!AT(ps, s, "; rel=preload")) {
        return 0;
    }
    s += 13;
    if (*s == ';' && AT(ps, s, "; as=")) {
        for (as = s += 5; IS(*s, C_VFAST); s++)
            ;
        if (s == as) {
            return 0;
        }
        as_end = s;
    }
    if (*s == ';' && AT(ps, s, "; crossorigin")) {
        s += 13;
        co = 1;
    }
    if (*s && *s != ',') {
        return 0;
    }
    n = 1 + (as != NULL) + co;
    if (ps->spare) {            /* the first link-value's */
        prm = ps->spare;
        ps->spare = NULL;
    }
    else {
        if (!ps->prm) {
            ps->prm = param_slots(ps);
        }
        prm = ps->prm;
        ps->prm += n;
    }
    l->params = prm;
    l->nparams = n;
    prm->name = "rel";
    prm->value = "preload";
    if (as) {
        prm++;
        prm->name = "as";
        prm->value = l->as = OUT(ps, as);
        *OUT(ps, as_end) = '\0';
    }
    if (co) {
        prm++;
        prm->name = "crossorigin";
        prm->value = NULL;
        l->crossorigin = "";
    }
    l->preload = 1;
    l->canonical = 1;
    *s_ = s;
    return 1;
}

/*
 * Parse one link-value at *ps (no leading OWS). On success, *ps points at
 * the ',' or NUL ending it and 1 is returned; 0 when malformed. Notes on
 * the way whether h2p_link_format() would write it back byte for byte.
 * Each loop first runs over the characters of the usual case (C_*FAST)
 * and looks closer only where one of them ends it.
 */
static int parse_value(h2p_parser *ps, const char **s_, h2p_link *l)
{
    const char *s = *s_, *t;
    apr_uint64_t h = H2P_HASH_START;
    unsigned plain = C_PLAIN, dots = 0, c, k;
    int seen_rel = 0, canon = 1;

    if (*s != '<') {
        return 0;
    }
    /* the target: checked, hashed, and seen whether it is a path that
     * h2p_uri_resolve() would give back as it is */
    for (t = ++s;; s++) {
        while ((k = cls[c = (unsigned char)*s]) & C_TFAST) {
            h = (h ^ c) * H2P_HASH_PRIME;
            s++;
        }
        if (c == '>') {
            break;
        }
        if (!(k & C_TARGET)) {
            return 0;
        }
        plain &= k;
        dots |= c == '.' && s[-1] == '/';
        h = (h ^ c) * H2P_HASH_PRIME;
    }
    l->target_hash = h;
    l->abs_path = s > t && t[0] == '/' && (s == t + 1 || t[1] != '/')
                  && plain && !dots;
    l->target = OUT(ps, t);
    l->target_len = s - t;
    *OUT(ps, s) = '\0';
    s++;
    if (ps->fast && fast_params(ps, &s, l)) {
        *s_ = s;
        return 1;
    }
    if (!ps->prm) {
        ps->prm = param_slots(ps);
    }
    l->params = ps->prm;

    for (;;) {
        apr_size_t n, vn = 0;
        unsigned any = 0;
        h2p_param *prm;
        char *name;

        /* "; " and a name, or the end, or anything else */
        if (s[0] == ';' && s[1] == ' ' && IS(s[2], C_TCHAR)) {
            t = s + 2;
        }
        else {
            const char *semi = skip_ows(s);

            if (!*semi || *semi == ',') {
                s = semi;
                break;
            }
            if (*semi != ';') {
                return 0;
            }
            t = skip_ows(semi + 1);
            canon = 0;
        }
        for (s = t; IS(*s, C_NFAST); s++)
            ;
        if (IS(*s, C_TCHAR)) {          /* A-Z, or what format drops */
            apr_size_t i;

            scan_token(t, &s, &any);
            for (name = OUT(ps, t), i = 0; i < (apr_size_t)(s - t); i++) {
                name[i] = (char)h2p_lc((unsigned char)name[i]);
            }
            canon = 0;
        }
        if (s == t) {
            return 0;
        }
        n = s - t;
        name = OUT(ps, t);
        name[n] = '\0';
        prm = ps->prm++;
        prm->name = name;
        prm->value = NULL;
        if (*s != '=') {
            t = skip_ows(s);
            if (*t == '=') {
                canon = 0;
                s = t;
            }
        }
        any = 0;
        if (*s == '=') {
            t = s + 1;
            if (IS_OWS(*t)) {
                t = skip_ows(t);
                canon = 0;
            }
            if (*t == '"') {
                canon = 0;
                s = t;
                if (!parse_quoted(ps, &s, &prm->value)) {
                    return 0;
                }
            }
            else {
                for (s = t; IS(*s, C_VFAST); s++)
                    ;
                if (IS(*s, C_TCHAR)) {      /* A-Z or '%' */
                    canon &= (scan_token(t, &s, &any) & C_H2TOK) != 0;
                }
                if (s == t) {
                    return 0;
                }
                vn = s - t;
                prm->value = OUT(ps, t);
                *OUT(ps, s) = '\0';
            }
        }
        note_param(l, prm, n, vn, any & C_UPPER, &seen_rel, &canon);
    }
    l->nparams = (int)(ps->prm - l->params);
    l->canonical = canon;
    *s_ = s;
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

static int parse_field(apr_pool_t *p, const char *field,
                       apr_array_header_t *out, int fast)
{
    const char *s = field, *start, *end;
    char *raw = NULL;
    apr_size_t len;
    h2p_parser ps;
    h2p_link *l;
    int nbad = 0;

    if (!field) {
        return 0;
    }
    len = strlen(field);
    ps.pool = p;
    ps.in = field;
    ps.end = field + len;
    ps.fast = fast;
    ps.prm = NULL;
    /* one block: three param slots for the usual params of a link-value
     * (fast_params), then the work copy */
    ps.spare = apr_palloc(p, 3 * sizeof(h2p_param) + len + 1);
    ps.out = (char *)(ps.spare + 3);
    memcpy(ps.out, field, len + 1);

    for (;;) {
        while (IS_OWS(*s) || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        start = s;
        l = h2p_array_push(out);
        memset(l, 0, sizeof(*l));
        if (!parse_value(&ps, &s, l)) {
            memset(l, 0, sizeof(*l));
            l->bad = 1;
            nbad++;
            s = resync(start);
        }
        for (end = s; end > start && IS_OWS(end[-1]); end--)
            ;
        /* raw: in the field itself when it ends there, else in a copy */
        if (*end) {
            if (!raw) {
                raw = apr_pmemdup(p, field, len + 1);
            }
            raw[end - field] = '\0';
            l->raw = raw + (start - field);
        }
        else {
            l->raw = start;
        }
        l->raw_len = end - start;
    }
    return nbad;
}

int h2p_link_parse(apr_pool_t *p, const char *field, apr_array_header_t *out)
{
    return parse_field(p, field, out, 1);
}

int h2p_link_parse_full(apr_pool_t *p, const char *field,
                        apr_array_header_t *out)
{
    return parse_field(p, field, out, 0);
}

/*
 * Copy s to d, dropping control characters (HTAB becomes SP) and, with
 * target, anything not allowed between "<" and ">". Writes at most
 * strlen(s) bytes.
 */
static char *put_text(char *d, const char *s, int lower, int target)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\t') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f || (target && !IS(c, C_TARGET))) {
            continue;
        }
        *d++ = (char)(lower ? h2p_lc(c) : c);
    }
    return d;
}

/* Does every byte of s have class k (and s at least one byte)? */
static int all_of(const char *s, unsigned k)
{
    const char *t = s;

    while (IS(*t, k)) {
        t++;
    }
    return t != s && !*t;
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

/* A link-value as received that format would write unchanged: the text
 * after "<target>" of the raw, behind a new target and/or "; nopush". */
static const char *format_canonical(apr_pool_t *p, const h2p_link *l,
                                    const char *target, apr_size_t tl,
                                    int add_nopush)
{
    apr_size_t skip = l->target_len + 2, rl = l->raw_len - skip;
    char *buf = apr_palloc(p, tl + rl + sizeof("<>; nopush")), *d = buf;

    *d++ = '<';
    memcpy(d, target, tl);
    d += tl;
    *d++ = '>';
    if (add_nopush) {
        memcpy(d, "; nopush", 8);
        d += 8;
    }
    memcpy(d, l->raw + skip, rl);
    d[rl] = '\0';
    return buf;
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
        *put_text(buf, raw, 0, 0) = '\0';
        return buf;
    }
    if (l->canonical) {
        if (!target || target == l->target || !strcmp(target, l->target)) {
            return add_nopush ? format_canonical(p, l, l->target,
                                                 l->target_len, 1)
                              : l->raw;
        }
        if (all_of(target, C_TARGET)) {
            return format_canonical(p, l, target, strlen(target),
                                    add_nopush);
        }
    }
    if (!target) {
        target = l->target ? l->target : "";
    }

    n = strlen(target) + sizeof("<>; nopush");
    for (i = 0; i < l->nparams; i++) {
        prm = &l->params[i];
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
    d = put_text(d, target, 0, 1);
    *d++ = '>';
    if (add_nopush || l->nopush) {
        memcpy(d, "; nopush", 8);
        d += 8;
    }
    for (i = 0; i < l->nparams; i++) {
        prm = &l->params[i];
        rel = !strcmp(prm->name, "rel");
        if (rel && seen_rel++) {
            continue;   /* only the first rel counts, written or not */
        }
        if (!all_of(prm->name, C_H2NAME) || !strcmp(prm->name, "nopush")
            || (prm->value && !is_plain_value(prm->value))) {
            continue;
        }
        *d++ = ';';
        *d++ = ' ';
        d = put_text(d, prm->name, 0, 0);
        if (prm->value) {
            int quote = !all_of(prm->value, C_H2TOK);

            *d++ = '=';
            if (quote) {
                *d++ = '"';
            }
            d = put_text(d, prm->value, rel, 0);
            if (quote) {
                *d++ = '"';
            }
        }
    }
    *d = '\0';
    return buf;
}

/* RFC 3986 resolution and same-origin check */

/* "http" or "https", any case */
static int is_http(const char *s)
{
    return h2p_lc(s[0]) == 'h' && h2p_lc(s[1]) == 't' && h2p_lc(s[2]) == 't'
           && h2p_lc(s[3]) == 'p' && (!s[4] || (h2p_lc(s[4]) == 's' && !s[5]));
}

static int is_unreserved(unsigned char c)
{
    return h2p_is_alpha(c) || h2p_is_digit(c) || c == '-' || c == '.' || c == '_'
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
        if (e - s < 3 || (hi = h2p_hexval((unsigned char)s[1])) < 0
            || (lo = h2p_hexval((unsigned char)s[2])) < 0) {
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
            if (!h2p_is_digit((unsigned char)*c) || (v = v * 10 + *c - '0') > 65535) {
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

int h2p_uri_scheme_ok(const char *scheme)
{
    return scheme && is_http(scheme);
}

apr_uint64_t h2p_hash(const char *s)
{
    apr_uint64_t h = H2P_HASH_START;

    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * H2P_HASH_PRIME;
    }
    return h;
}

h2p_uri_rc h2p_uri_resolve(apr_pool_t *p, const char *scheme,
                           const char *authority, const char *base_path,
                           const char *ref, const char **path)
{
    const char *s, *e, *q, *c, *base, *query = "";
    char *merged;
    h2p_uri_rc rc;

    *path = NULL;
    if (!ref || !scheme || !is_http(scheme)) {
        return H2P_URI_BAD;
    }
    /* the usual case: an absolute path as the result would be, with no
     * "//" authority, '%', '\', fragment or dot-segment ("/." anywhere) */
    if (ref[0] == '/' && ref[1] != '/') {
        for (s = ref + 1; IS(*s, C_PLAIN) && !(*s == '.' && s[-1] == '/');
             s++)
            ;
        if (!*s) {
            *path = ref;
            return H2P_URI_OK;
        }
    }
    for (s = ref; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch <= 0x20 || ch >= 0x7f || ch == '\\'
            || (ch == '%' && (h2p_hexval((unsigned char)s[1]) < 0
                              || h2p_hexval((unsigned char)s[2]) < 0))) {
            return H2P_URI_BAD;
        }
    }

    /* ref = [s, q) path part, [q, e) query, fragment dropped */
    s = ref;
    e = ref + strcspn(ref, "#");
    if (!(q = memchr(ref, '?', e - ref))) {
        q = e;
    }
    if ((c = h2p_scheme_end(s, q)) != NULL) {
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
