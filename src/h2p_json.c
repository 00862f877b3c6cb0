/* Licensed under the Apache License, Version 2.0 */
/*
 * The streaming JSON extractor (see h2p_json.h): one byte-driven state
 * machine over the document, any split of it.
 *
 * Nesting is a bit stack (1 = object, 0 = array) of max_depth bits. The
 * selectors' state is one number per selector, m[s]: how many segments of
 * selector s match the path (member names and array indexes from the
 * root) of the current value; a value at depth d is reached by s when
 * m[s] == d (so m[s] <= d always, and only the segments matter, not the
 * levels below them). Entering a member or element at level d cuts every
 * m[s] to d - 1, then raises it to d where s matched d - 1 segments and
 * its segment d - 1 matches the name or index. The name of a member is
 * kept (unescaped) only while some selector may compare it, and only up
 * to the longest literal segment; array indexes are counted only on the
 * levels some selector has a segment for.
 */
#include <string.h>

#include <apr_strings.h>

#include "h2p_chars.h"
#include "h2p_json.h"

#define NOINDEX ((apr_size_t)-1)

typedef struct {
    const char *lit;        /* unescaped segment */
    apr_size_t len;
    apr_size_t index;       /* as an array index, or NOINDEX */
    int wild;               /* "*" */
} jseg;

typedef struct {
    jseg *seg;
    int nseg;
} jsel1;

struct h2p_jsel {
    jsel1 *sel;
    int n;
    int maxseg;             /* most segments of a selector */
    apr_size_t maxlit;      /* longest literal segment */
};

enum {
    S_VALUE,        /* a value must come */
    S_ARR_FIRST,    /* after '[': a value or ']' */
    S_AFTER,        /* after a value: ',', ']', '}' or the end */
    S_OBJ_FIRST,    /* after '{': a name or '}' */
    S_NAME,         /* after ',' in an object: a name */
    S_COLON,        /* after a name */
    S_STR,          /* in a string (name or value) */
    S_ESC,          /* after '\' */
    S_HEX,          /* in the 4 digits of \u */
    S_LOW_BS,       /* after a high surrogate: '\' of the low one */
    S_LOW_U,        /* its 'u' */
    S_UTF8,         /* in a UTF-8 sequence */
    S_LIT,          /* in true, false, null */
    N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP
};

struct h2p_json {
    const h2p_jsel *sel;
    h2p_json_match_fn *fn;
    void *baton;
    int state;
    int err;
    int depth;
    int max_depth;
    unsigned char *stack;   /* bit per level: 1 = object */
    apr_size_t *idx;        /* element index per level < maxseg */
    unsigned char *m;       /* per selector, see above */
    /* the string being read */
    int is_name;
    char *sink;             /* where it goes: name or val, or NULL */
    apr_size_t cap, len;
    int over;               /* longer than cap */
    char *name;
    char *val;
    apr_size_t max_string;
    unsigned cp, hi;        /* \u value, pending high surrogate */
    int nhex;
    int u8need;
    unsigned char u8lo, u8hi;
    const char *lit;        /* rest of the literal */
    apr_size_t offset;
    apr_size_t skipped;
};

/* --- selectors */

static int compile_one(apr_pool_t *p, const char *src, jsel1 *out,
                       const char **err)
{
    jseg segs[H2P_JSON_MAX_SEGMENTS];
    const char *c = src;
    int n = 0;

    if (*c && *c != '/') {
        *err = "a selector must start with /";
        return -1;
    }
    if (!strcmp(src, "/")) {
        c++;                        /* the root, like "" */
    }
    while (*c == '/') {
        const char *s = ++c;
        char *d, *lit;
        jseg *g;

        while (*c && *c != '/') {
            c++;
        }
        if (n == H2P_JSON_MAX_SEGMENTS) {
            *err = "too many segments in a selector";
            return -1;
        }
        g = &segs[n++];
        g->wild = (c - s == 1 && *s == '*');
        d = lit = apr_palloc(p, c - s + 1);
        for (; s < c; s++) {
            if (*s != '~') {
                *d++ = *s;
            }
            else if (s + 1 < c && s[1] >= '0' && s[1] <= '2') {
                s++;
                *d++ = *s == '0' ? '~' : *s == '1' ? '/' : '*';
            }
            else {
                *err = "~ not followed by 0, 1 or 2 in a selector";
                return -1;
            }
        }
        *d = '\0';
        g->lit = lit;
        g->len = d - lit;
        g->index = NOINDEX;
        if (g->len && (g->len == 1 || lit[0] != '0')) {
            apr_size_t v = 0, k;

            for (k = 0; k < g->len && lit[k] >= '0' && lit[k] <= '9'; k++) {
                if (v > (NOINDEX - 10) / 10) {
                    break;
                }
                v = v * 10 + (lit[k] - '0');
            }
            if (k == g->len) {
                g->index = v;
            }
        }
    }
    out->nseg = n;
    out->seg = apr_pmemdup(p, segs, n * sizeof(jseg));
    return 0;
}

static void set_maxima(h2p_jsel *s)
{
    int i, k;

    s->maxseg = 0;
    s->maxlit = 0;
    for (i = 0; i < s->n; i++) {
        if (s->sel[i].nseg > s->maxseg) {
            s->maxseg = s->sel[i].nseg;
        }
        for (k = 0; k < s->sel[i].nseg; k++) {
            if (!s->sel[i].seg[k].wild && s->sel[i].seg[k].len > s->maxlit) {
                s->maxlit = s->sel[i].seg[k].len;
            }
        }
    }
}

h2p_jsel *h2p_jsel_compile(apr_pool_t *p, const char * const *sels,
                           int nsels, const char **err)
{
    h2p_jsel *s;
    int i;

    if (nsels < 0 || nsels > H2P_JSON_MAX_SELECTORS) {
        *err = "too many selectors";
        return NULL;
    }
    s = apr_pcalloc(p, sizeof(*s));
    s->sel = apr_pcalloc(p, (nsels ? nsels : 1) * sizeof(jsel1));
    s->n = nsels;
    for (i = 0; i < nsels; i++) {
        if (!sels[i]) {
            *err = "no selector";
            return NULL;
        }
        if (compile_one(p, sels[i], &s->sel[i], err) < 0) {
            return NULL;
        }
    }
    set_maxima(s);
    return s;
}

int h2p_jsel_count(const h2p_jsel *s)
{
    return s->n;
}

int h2p_jsel_segments(const h2p_jsel *s, int sel)
{
    return (sel >= 0 && sel < s->n) ? s->sel[sel].nseg : -1;
}

h2p_jsel *h2p_jsel_tail(apr_pool_t *p, const h2p_jsel *s, int sel,
                        int from)
{
    h2p_jsel *t;
    int k;

    if (sel < 0 || sel >= s->n || from < 0 || from > s->sel[sel].nseg) {
        return NULL;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->sel = apr_pcalloc(p, sizeof(jsel1));
    t->n = 1;
    t->sel->nseg = s->sel[sel].nseg - from;
    t->sel->seg = apr_pmemdup(p, s->sel[sel].seg + from,
                              (t->sel->nseg ? t->sel->nseg : 1)
                              * sizeof(jseg));
    for (k = 0; k < t->sel->nseg; k++) {  /* p may outlive s's pool */
        t->sel->seg[k].lit = apr_pstrmemdup(p, t->sel->seg[k].lit,
                                            t->sel->seg[k].len);
    }
    set_maxima(t);
    return t;
}

/* --- the parser */

h2p_json *h2p_json_create(apr_pool_t *p, const h2p_jsel *s, int max_depth,
                          apr_size_t max_string, h2p_json_match_fn *fn,
                          void *baton)
{
    h2p_json *j = apr_pcalloc(p, sizeof(*j));
    static const h2p_jsel none;

    j->sel = s ? s : &none;
    j->fn = fn;
    j->baton = baton;
    j->max_depth = max_depth > 0 ? max_depth : 1;
    j->stack = apr_pcalloc(p, j->max_depth / 8 + 1);
    j->idx = apr_pcalloc(p, (j->sel->maxseg + 1) * sizeof(apr_size_t));
    j->m = apr_pcalloc(p, j->sel->n + 1);
    j->name = apr_palloc(p, j->sel->maxlit + 1);
    j->val = apr_palloc(p, max_string + 1);
    j->max_string = max_string;
    j->state = S_VALUE;
    return j;
}

static int is_object(const h2p_json *j)
{
    return (j->stack[(j->depth - 1) >> 3] >> ((j->depth - 1) & 7)) & 1;
}

/* Entering element idx[depth - 1] of the array at depth. */
static void element(h2p_json *j)
{
    int l = j->depth - 1, s;
    apr_size_t at;

    if (l >= j->sel->maxseg) {
        return;
    }
    at = j->idx[l];
    for (s = 0; s < j->sel->n; s++) {
        const jsel1 *x = &j->sel->sel[s];

        if (j->m[s] > l) {
            j->m[s] = l;
        }
        if (j->m[s] == l && l < x->nseg
            && (x->seg[l].wild || x->seg[l].index == at)) {
            j->m[s] = l + 1;
        }
    }
}

/* A member name begins at depth: keep it if some selector compares it. */
static void name_begin(h2p_json *j)
{
    int l = j->depth - 1, s;

    j->sink = NULL;
    if (l >= j->sel->maxseg) {
        return;
    }
    for (s = 0; s < j->sel->n; s++) {
        const jsel1 *x = &j->sel->sel[s];

        if (j->m[s] > l) {
            j->m[s] = l;
        }
        if (j->m[s] == l && l < x->nseg && !x->seg[l].wild) {
            j->sink = j->name;
            j->cap = j->sel->maxlit;
        }
    }
}

static void name_end(h2p_json *j)
{
    int l = j->depth - 1, s;

    if (l >= j->sel->maxseg) {
        return;
    }
    for (s = 0; s < j->sel->n; s++) {
        const jseg *g = &j->sel->sel[s].seg[l];

        if (j->m[s] == l && l < j->sel->sel[s].nseg
            && (g->wild || (!j->over && j->len == g->len
                            && !memcmp(j->name, g->lit, g->len)))) {
            j->m[s] = l + 1;
        }
    }
}

static void value_begin(h2p_json *j)
{
    int s;

    j->sink = NULL;
    if (j->depth > j->sel->maxseg) {
        return;
    }
    for (s = 0; s < j->sel->n; s++) {
        if (j->m[s] == j->depth) {
            j->sink = j->val;
            j->cap = j->max_string;
            return;
        }
    }
}

static void value_end(h2p_json *j)
{
    int s;

    if (!j->sink) {
        return;
    }
    if (j->over) {
        j->skipped++;
        return;
    }
    j->val[j->len] = '\0';
    for (s = 0; s < j->sel->n; s++) {
        if (j->m[s] == j->depth && j->fn) {
            j->fn(j->baton, s, j->depth, j->val, j->len);
        }
    }
}

static int push(h2p_json *j, int object)
{
    unsigned char bit;

    if (j->depth >= j->max_depth) {
        return H2P_JSON_TOO_DEEP;
    }
    bit = (unsigned char)(1u << (j->depth & 7));
    if (object) {
        j->stack[j->depth >> 3] |= bit;
    }
    else {
        j->stack[j->depth >> 3] &= (unsigned char)~bit;
    }
    j->depth++;
    if (!object && j->depth <= j->sel->maxseg) {
        j->idx[j->depth - 1] = 0;
        element(j);
    }
    return H2P_JSON_OK;
}

/* m[s] may stay above the depth: only a ',' (which cuts it) leads to
 * another value. */
static void pop(h2p_json *j)
{
    j->depth--;
}

static void put(h2p_json *j, const char *b, apr_size_t n)
{
    if (!j->sink || j->over) {
        return;
    }
    if (n > j->cap - j->len) {
        j->over = 1;
        return;
    }
    memcpy(j->sink + j->len, b, n);
    j->len += n;
}

static void put_cp(h2p_json *j, unsigned cp)
{
    char u[4];
    apr_size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    }
    else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    }
    else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    }
    else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    put(j, u, n);
}

static void string_begin(h2p_json *j, int is_name)
{
    j->is_name = is_name;
    j->len = 0;
    j->over = 0;
    j->hi = 0;
    if (is_name) {
        name_begin(j);
    }
    else {
        value_begin(j);
    }
    j->state = S_STR;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The bytes a string can hold as they are: printable ASCII but '"' and
 * '\\' (and DEL). */
#define ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char plain[256] = {
    ROW(0), ROW(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20: '"' */
    ROW(1), ROW(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50: '\\' */
    ROW(1), ROW(1),
    ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0)
};

/* The first byte of a value (state S_VALUE or S_ARR_FIRST). */
static int value_first(h2p_json *j, int c)
{
    switch (c) {
    case '"':
        string_begin(j, 0);
        return H2P_JSON_OK;
    case '{':
        j->state = S_OBJ_FIRST;
        return push(j, 1);
    case '[':
        j->state = S_ARR_FIRST;
        return push(j, 0);
    case '-':
        j->state = N_MINUS;
        return H2P_JSON_OK;
    case '0':
        j->state = N_ZERO;
        return H2P_JSON_OK;
    case 't':
        j->lit = "rue";
        break;
    case 'f':
        j->lit = "alse";
        break;
    case 'n':
        j->lit = "ull";
        break;
    default:
        if (c >= '1' && c <= '9') {
            j->state = N_INT;
            return H2P_JSON_OK;
        }
        return H2P_JSON_INVALID;
    }
    j->state = S_LIT;
    return H2P_JSON_OK;
}

/* After a value: c is ',', ']', '}' (or wrong). */
static int after_value(h2p_json *j, int c)
{
    if (j->depth == 0) {
        return H2P_JSON_INVALID;
    }
    if (c == ',') {
        if (is_object(j)) {
            j->state = S_NAME;
        }
        else {
            j->state = S_VALUE;
            if (j->depth <= j->sel->maxseg) {
                j->idx[j->depth - 1]++;
                element(j);
            }
        }
        return H2P_JSON_OK;
    }
    if (c == (is_object(j) ? '}' : ']')) {
        pop(j);
        return H2P_JSON_OK;
    }
    return H2P_JSON_INVALID;
}

/* The next byte of a \u escape. */
static int hex_digit(h2p_json *j, int c)
{
    int v = h2p_hexval(c);

    if (v < 0) {
        return H2P_JSON_INVALID;
    }
    j->cp = (j->cp << 4) | (unsigned)v;
    if (++j->nhex < 4) {
        return H2P_JSON_OK;
    }
    j->state = S_STR;
    if (j->hi) {
        if (j->cp < 0xdc00 || j->cp > 0xdfff) {
            return H2P_JSON_INVALID;
        }
        put_cp(j, 0x10000 + ((j->hi - 0xd800) << 10) + (j->cp - 0xdc00));
        j->hi = 0;
    }
    else if (j->cp >= 0xd800 && j->cp <= 0xdbff) {
        j->hi = j->cp;
        j->state = S_LOW_BS;
    }
    else if (j->cp >= 0xdc00 && j->cp <= 0xdfff) {
        return H2P_JSON_INVALID;
    }
    else {
        put_cp(j, j->cp);
    }
    return H2P_JSON_OK;
}

/* A byte of a string that is not plain ASCII. */
static int string_byte(h2p_json *j, int c)
{
    char b;

    if (c == '"') {
        if (j->is_name) {
            name_end(j);
            j->state = S_COLON;
        }
        else {
            value_end(j);
            j->state = S_AFTER;
        }
        return H2P_JSON_OK;
    }
    if (c == '\\') {
        j->state = S_ESC;
        return H2P_JSON_OK;
    }
    j->u8lo = 0x80;
    j->u8hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        j->u8need = 1;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        j->u8need = 2;
        if (c == 0xe0) {
            j->u8lo = 0xa0;         /* not overlong */
        }
        else if (c == 0xed) {
            j->u8hi = 0x9f;         /* not a surrogate */
        }
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        j->u8need = 3;
        if (c == 0xf0) {
            j->u8lo = 0x90;
        }
        else if (c == 0xf4) {
            j->u8hi = 0x8f;         /* up to U+10FFFF */
        }
    }
    else {
        return H2P_JSON_INVALID;    /* control, continuation, C0, C1, F5+ */
    }
    b = (char)c;
    put(j, &b, 1);
    j->state = S_UTF8;
    return H2P_JSON_OK;
}

static int escape(h2p_json *j, int c)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e;

    if (c == 'u') {
        j->cp = 0;
        j->nhex = 0;
        j->state = S_HEX;
        return H2P_JSON_OK;
    }
    e = c ? strchr(from, c) : NULL;
    if (!e) {
        return H2P_JSON_INVALID;
    }
    put(j, &to[e - from], 1);
    j->state = S_STR;
    return H2P_JSON_OK;
}

int h2p_json_feed(h2p_json *j, const char *buf, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)buf;
    apr_size_t i, e;
    int c, rc = H2P_JSON_OK;

    if (j->err) {
        return j->err;
    }
    for (i = 0; i < len && rc == H2P_JSON_OK; i++) {
        c = u[i];
    again:
        switch (j->state) {
        case S_STR:
            if (plain[c]) {
                for (e = i + 1; e < len && plain[u[e]]; e++) {
                }
                put(j, buf + i, e - i);
                i = e - 1;
            }
            else {
                rc = string_byte(j, c);
            }
            break;
        case S_AFTER:
            if (!is_ws(c)) {
                rc = after_value(j, c);
            }
            break;
        case S_ARR_FIRST:
            if (c == ']') {
                pop(j);
                j->state = S_AFTER;
                break;
            }
            /* fall through */
        case S_VALUE:
            if (!is_ws(c)) {
                rc = value_first(j, c);
            }
            break;
        case S_OBJ_FIRST:
            if (c == '}') {
                pop(j);
                j->state = S_AFTER;
                break;
            }
            /* fall through */
        case S_NAME:
            if (c == '"') {
                string_begin(j, 1);
            }
            else if (!is_ws(c)) {
                rc = H2P_JSON_INVALID;
            }
            break;
        case S_COLON:
            if (c == ':') {
                j->state = S_VALUE;
            }
            else if (!is_ws(c)) {
                rc = H2P_JSON_INVALID;
            }
            break;
        case S_ESC:
            rc = escape(j, c);
            break;
        case S_HEX:
            rc = hex_digit(j, c);
            break;
        case S_LOW_BS:
            j->state = S_LOW_U;
            rc = c == '\\' ? H2P_JSON_OK : H2P_JSON_INVALID;
            break;
        case S_LOW_U:
            j->cp = 0;
            j->nhex = 0;
            j->state = S_HEX;
            rc = c == 'u' ? H2P_JSON_OK : H2P_JSON_INVALID;
            break;
        case S_UTF8:
            if (c < j->u8lo || c > j->u8hi) {
                rc = H2P_JSON_INVALID;
                break;
            }
            put(j, buf + i, 1);
            j->u8lo = 0x80;
            j->u8hi = 0xbf;
            if (--j->u8need == 0) {
                j->state = S_STR;
            }
            break;
        case S_LIT:
            if (c != *j->lit) {
                rc = H2P_JSON_INVALID;
            }
            else if (!*++j->lit) {
                j->state = S_AFTER;
            }
            break;
        case N_MINUS:
            j->state = c == '0' ? N_ZERO : N_INT;
            rc = (c >= '0' && c <= '9') ? H2P_JSON_OK : H2P_JSON_INVALID;
            break;
        case N_INT:
            if (c >= '0' && c <= '9') {
                break;
            }
            /* fall through */
        case N_ZERO:
            if (c == '.') {
                j->state = N_DOT;
                break;
            }
            /* fall through */
        case N_FRAC:
            if (c == 'e' || c == 'E') {
                j->state = N_E;
                break;
            }
            if (j->state == N_FRAC && c >= '0' && c <= '9') {
                break;
            }
            /* fall through */
        case N_EXP:
            if (j->state == N_EXP && c >= '0' && c <= '9') {
                break;
            }
            j->state = S_AFTER;     /* the number ended before c */
            goto again;
        case N_DOT:
        case N_ESIGN:
            j->state = j->state == N_DOT ? N_FRAC : N_EXP;
            rc = (c >= '0' && c <= '9') ? H2P_JSON_OK : H2P_JSON_INVALID;
            break;
        case N_E:
            j->state = (c == '+' || c == '-') ? N_ESIGN : N_EXP;
            rc = (c == '+' || c == '-' || (c >= '0' && c <= '9'))
                 ? H2P_JSON_OK : H2P_JSON_INVALID;
            break;
        }
    }
    if (rc != H2P_JSON_OK) {
        j->err = rc;
        j->offset += i - 1;
        return rc;
    }
    j->offset += len;
    return H2P_JSON_OK;
}

int h2p_json_finish(h2p_json *j)
{
    if (!j->err && j->depth == 0) {
        switch (j->state) {
        case N_ZERO:
        case N_INT:
        case N_FRAC:
        case N_EXP:
            j->state = S_AFTER;
            /* fall through */
        case S_AFTER:
            return H2P_JSON_OK;
        }
    }
    if (!j->err) {
        j->err = H2P_JSON_TRUNCATED;
    }
    return j->err;
}

const char *h2p_json_strerror(int code)
{
    switch (code) {
    case H2P_JSON_OK:
        return "ok";
    case H2P_JSON_INVALID:
        return "invalid";
    case H2P_JSON_TOO_DEEP:
        return "too deep";
    case H2P_JSON_TRUNCATED:
        return "truncated";
    case H2P_JSON_STRING_TOO_LONG:
        return "string too long";
    }
    return "unknown";
}

apr_size_t h2p_json_offset(const h2p_json *j)
{
    return j->offset;
}

apr_size_t h2p_json_skipped(const h2p_json *j)
{
    return j->skipped;
}
