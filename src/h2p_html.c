/* Licensed under the Apache License, Version 2.0 */
/*
 * A streaming scanner for <link rel=preload|modulepreload> in the <head>
 * of an HTML document: a byte-at-a-time state machine following the
 * tokenizer of the HTML standard closely enough for the head (tags,
 * attributes, character references, comments, raw-text elements). All
 * state is in one fixed-size struct, so input may be split anywhere; only
 * the values of the attributes of interest of the current <link> are kept.
 */
#include <string.h>

#include "h2p_html.h"
#include "h2p_chars.h"

#define VAL_MAX 2048            /* attribute value bytes kept per tag */
#define NAME_LEN 16            /* tag / attribute name bytes kept */
#define NON_ASCII 0x80          /* stands for any decoded non-ASCII char */

enum {
    S_START, S_TEXT, S_LT, S_ENDLT, S_BANG, S_COMMENT, S_BOGUS, S_NAME,
    S_BEFORE_ATTR, S_ATTR_NAME, S_AFTER_ATTR, S_BEFORE_VAL, S_VAL,
    S_AFTER_VAL, S_SLASH, S_REF, S_RAW, S_RAW_LT, S_RAW_END, S_DONE
};

/* The attributes of interest, in the order of the output. */
enum { A_REL, A_HREF, A_AS, A_CROSSORIGIN, A_TYPE, A_MEDIA, A_N };
static const char *const attr_names[A_N] = {
    "rel", "href", "as", "crossorigin", "type", "media"
};

/* Elements whose content is text up to their end tag. */
static const char *const raw_names[] = {
    "script", "style", "title", "textarea", "xmp", "iframe", "noembed",
    "noframes", "noscript", NULL
};

struct h2p_html {
    apr_pool_t *pool;
    apr_size_t cap, scanned;
    int state;
    int bom;                    /* S_START: 0-2 BOM bytes seen, 3 spaces */
    int dashes;                 /* S_BANG, S_COMMENT: see step_comment() */
    int ref;                    /* S_REF: see step_ref() */
    apr_size_t matched;         /* S_RAW_END: bytes of the end tag's name */
    int end, link, hex, quote;  /* end tag, <link>, &#x, value quote */
    int base, has_base;         /* in a <base>; one with an href seen */
    char name[NAME_LEN];       /* tag or attribute name, lower-cased */
    apr_size_t nlen;
    char raw[NAME_LEN];        /* raw-text element being skipped */
    apr_size_t rawlen;
    char ent[8];                /* name of a named character reference */
    apr_size_t elen;
    apr_uint32_t num;           /* value of a numeric character reference */
    int cur;                    /* attribute receiving the value, or -1 */
    int seen[A_N], overflow;
    apr_size_t off[A_N], len[A_N], vlen;
    char val[VAL_MAX];
};

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int digit_val(int c, int hex)
{
    if (h2p_is_digit(c)) {
        return c - '0';
    }
    c |= 0x20;
    return (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Does [v, v + n) equal t, ASCII case-insensitively? */
static int eq_ci(const char *v, apr_size_t n, const char *t)
{
    if (n != strlen(t)) {
        return 0;
    }
    while (n--) {
        if (h2p_lc((unsigned char)*v++) != *t++) {
            return 0;
        }
    }
    return 1;
}

static char *cpy(char *d, const char *s)
{
    while (*s) {
        *d++ = *s++;
    }
    return d;
}

static int name_is(const h2p_html *s, const char *n)
{
    return eq_ci(s->name, s->nlen, n);
}

static void name_add(h2p_html *s, int c)
{
    if (s->nlen < NAME_LEN) {
        s->name[s->nlen++] = (char)h2p_lc(c);
    }
}

/* One more byte of the value of the current attribute. */
static void put(h2p_html *s, int c)
{
    if (s->cur < 0) {
        return;
    }
    if (s->vlen == VAL_MAX) {
        s->overflow = 1;
        return;
    }
    s->val[s->vlen++] = (char)c;
    s->len[s->cur]++;
}

/* A <link> attribute name is complete: keep its value if it is wanted. */
static void attr_begin(h2p_html *s)
{
    int i;

    s->cur = -1;
    for (i = 0; s->link && i < A_N; i++) {
        if (name_is(s, attr_names[i]) && !s->seen[i]) {
            s->seen[i] = 1;
            s->off[i] = s->vlen;
            s->len[i] = 0;
            s->cur = i;
        }
    }
}

/* Is the value of attribute i a list holding the token t, any case? */
static int has_token(const h2p_html *s, int i, const char *t)
{
    const char *v = s->val + s->off[i], *e = v + s->len[i], *w;

    while (v < e) {
        for (w = v; w < e && !is_ws((unsigned char)*w); w++)
            ;
        if (eq_ci(v, w - v, t)) {
            return 1;
        }
        v = w + 1;
    }
    return 0;
}

/* Append ';' name '="' value '"', whitespace as SP; NULL if unfit. */
static char *put_quoted(char *d, const char *name, const char *v,
                        apr_size_t n)
{
    d = cpy(cpy(cpy(d, "; "), name), "=\"");
    for (; n--; v++) {
        unsigned char c = (unsigned char)*v;

        if (is_ws(c)) {
            c = ' ';
        }
        if (c < 0x20 || c >= 0x7f) {
            return NULL;
        }
        if (c == '"' || c == '\\') {
            *d++ = '\\';
        }
        *d++ = (char)c;
    }
    *d++ = '"';
    return d;
}

/* The <link> ended: append its link-value to out if it is a good one. */
static void report(h2p_html *s, apr_array_header_t *out)
{
    const char *rel, *h, *he, *v;
    char *buf, *d;
    apr_size_t n;

    if (s->base && s->seen[A_HREF]) {
        s->has_base = 1;     /* relative hrefs no longer resolve as read */
        return;
    }
    if (!s->link || s->overflow || !s->seen[A_REL] || !s->seen[A_HREF]) {
        return;
    }
    rel = has_token(s, A_REL, "preload") ? "preload"
          : has_token(s, A_REL, "modulepreload") ? "modulepreload" : NULL;
    h = s->val + s->off[A_HREF];
    he = h + s->len[A_HREF];
    while (h < he && is_ws((unsigned char)*h)) {
        h++;
    }
    while (he > h && is_ws((unsigned char)he[-1])) {
        he--;
    }
    for (v = h; v < he && (unsigned char)*v >= 0x20
                && (unsigned char)*v < 0x7f; v++)
        ;
    if (!rel || h == he || v < he) {
        return;
    }
    buf = d = apr_palloc(s->pool, 3 * s->vlen + 128);
    *d++ = '<';
    for (; h < he; h++) {
        unsigned char c = (unsigned char)*h;

        if (c == ' ' || strchr("<>\"\\^`{|}", c)) {
            *d++ = '%';
            *d++ = "0123456789ABCDEF"[c >> 4];
            *d++ = "0123456789ABCDEF"[c & 15];
        }
        else {
            *d++ = (char)c;
        }
    }
    d = cpy(cpy(d, ">; rel="), rel);
    v = s->val + s->off[A_AS];
    if (s->seen[A_AS] && s->len[A_AS]) {
        for (n = 0; n < s->len[A_AS] && v[n] > 0x20 && v[n] < 0x7f
                    && !strchr("\"(),/:;<=>?@[\\]{}", v[n]); n++)
            ;
        if (n == s->len[A_AS]) {
            d = cpy(d, "; as=");
            for (n = 0; n < s->len[A_AS]; n++) {
                *d++ = (char)h2p_lc(v[n]);
            }
        }
    }
    if (s->seen[A_CROSSORIGIN]) {
        v = s->val + s->off[A_CROSSORIGIN];
        n = s->len[A_CROSSORIGIN];
        d = cpy(d, "; crossorigin");
        if (eq_ci(v, n, "use-credentials")) {
            d = cpy(d, "=use-credentials");
        }
        else if (eq_ci(v, n, "anonymous")) {
            d = cpy(d, "=anonymous");
        }
    }
    if (s->seen[A_TYPE]
        && !(d = put_quoted(d, "type", s->val + s->off[A_TYPE],
                            s->len[A_TYPE]))) {
        return;
    }
    if (s->seen[A_MEDIA]
        && !(d = put_quoted(d, "media", s->val + s->off[A_MEDIA],
                            s->len[A_MEDIA]))) {
        return;
    }
    *d = '\0';
    APR_ARRAY_PUSH(out, const char *) = buf;
}

/* A tag begins; its name comes next. */
static void tag_begin(h2p_html *s, int end)
{
    s->state = S_NAME;
    s->end = end;
    s->nlen = 0;
}

/* The tag name is complete: 0 when the scan is over. */
static int tag_named(h2p_html *s)
{
    int i;

    if ((s->end && name_is(s, "head")) || (!s->end && name_is(s, "body"))) {
        return 0;
    }
    s->base = !s->end && name_is(s, "base");
    s->link = (!s->end && name_is(s, "link")) || s->base;
    s->rawlen = 0;
    for (i = 0; !s->end && raw_names[i]; i++) {
        if (name_is(s, raw_names[i])) {
            memcpy(s->raw, s->name, s->rawlen = s->nlen);
        }
    }
    memset(s->seen, 0, sizeof(s->seen));
    s->vlen = 0;
    s->overflow = 0;
    s->cur = -1;
    return 1;
}

/* '>' ends the tag. */
static int tag_end(h2p_html *s, apr_array_header_t *out)
{
    report(s, out);
    s->link = s->base = 0;
    s->state = s->rawlen ? S_RAW : S_TEXT;
    return 1;
}

/* After a character reference, back to the attribute value. */
static void ref_flush(h2p_html *s, const char *lit, apr_size_t n)
{
    while (n--) {
        put(s, *lit++);
    }
    s->state = S_VAL;
}

/* The few named references decoded: name, then the character. */
static int ref_named(h2p_html *s)
{
    static const char *const refs[] = {
        "amp&", "AMP&", "lt<", "LT<", "gt>", "GT>", "quot\"", "QUOT\"",
        "apos'", NULL
    };
    int i;

    for (i = 0; refs[i]; i++) {
        if (s->elen == strlen(refs[i]) - 1
            && !memcmp(s->ent, refs[i], s->elen)) {
            put(s, refs[i][s->elen]);
            return 1;
        }
    }
    return 0;
}

/* Character references in attribute values; ref: 0 after '&', 1 after
 * '#', 2 in the digits, 3 in a name. */
static int step_ref(h2p_html *s, int c)
{
    int v;

    switch (s->ref) {
    case 0:
        if (c == '#') {
            s->ref = 1;
            return 1;
        }
        s->ref = 3;
        s->elen = 0;
        if (!h2p_is_alpha(c) && digit_val(c, 0) < 0) {
            ref_flush(s, "&", 1);
        }
        return 0;
    case 1:
        s->hex = (c == 'x' || c == 'X') ? c : 0;
        s->num = 0;
        s->elen = 0;
        s->ref = 2;
        return s->hex != 0;
    case 2:
        if ((v = digit_val(c, s->hex)) >= 0) {
            s->num = s->num * (s->hex ? 16 : 10) + v;
            if (s->num > 0x10ffff) {
                s->num = 0x110000;
            }
            s->elen = 1;
            return 1;
        }
        if (!s->elen) {
            char lit[] = "&#x";

            lit[2] = (char)s->hex;
            ref_flush(s, lit, s->hex ? 3 : 2);
            return 0;
        }
        ref_flush(s, "", 0);
        put(s, (s->num == 0 || s->num >= 0x80) ? NON_ASCII : (int)s->num);
        return c == ';';
    default:
        if ((h2p_is_alpha(c) || digit_val(c, 0) >= 0)
            && s->elen < sizeof(s->ent)) {
            s->ent[s->elen++] = (char)c;
            return 1;
        }
        if (c == ';' && ref_named(s)) {
            s->state = S_VAL;
            return 1;
        }
        put(s, '&');
        ref_flush(s, s->ent, s->elen);
        return 0;
    }
}

/* Comments; dashes: 0 in text, 1 after '-', 2 after "--", 3 after
 * "--!", 4 just opened, 5 just opened then '-'. */
static void step_comment(h2p_html *s, int c)
{
    static const signed char next_dash[] = { 1, 2, 2, 1, 5, 2 };

    if (c == '-') {
        s->dashes = next_dash[s->dashes];
    }
    else if (c == '>' && s->dashes >= 2) {
        s->state = S_TEXT;
    }
    else {
        s->dashes = (c == '!' && s->dashes == 2) ? 3 : 0;
    }
}

/* Process one byte: 1 when consumed, 0 to process it again in the new
 * state (each such path ends in a state that consumes it). */
static int step(h2p_html *s, int c, apr_array_header_t *out)
{
    static const unsigned char bom[] = { 0xef, 0xbb, 0xbf };

    switch (s->state) {
    case S_START:
        if (s->bom < 3 && c == bom[s->bom]) {
            s->bom++;
        }
        else if ((s->bom == 0 || s->bom == 3) && is_ws(c)) {
            s->bom = 3;
        }
        else {
            s->state = (c == '<' && s->bom != 1 && s->bom != 2) ? S_LT
                                                                : S_DONE;
        }
        return 1;
    case S_TEXT:
        s->state = (c == '<') ? S_LT : S_TEXT;
        return 1;
    case S_LT:
        if (h2p_is_alpha(c)) {
            tag_begin(s, 0);
            return 0;
        }
        s->state = c == '!' ? S_BANG : c == '/' ? S_ENDLT : c == '?'
                   ? S_BOGUS : c == '<' ? S_LT : S_TEXT;
        s->dashes = 0;
        return 1;
    case S_ENDLT:
        if (h2p_is_alpha(c)) {
            tag_begin(s, 1);
            return 0;
        }
        s->state = (c == '>') ? S_TEXT : S_BOGUS;
        return 1;
    case S_BANG:
        if (c == '-') {
            s->state = s->dashes ? S_COMMENT : S_BANG;
            s->dashes = s->dashes ? 4 : 1;
            return 1;
        }
        s->state = S_BOGUS;
        return 0;
    case S_COMMENT:
        step_comment(s, c);
        return 1;
    case S_BOGUS:
        s->state = (c == '>') ? S_TEXT : S_BOGUS;
        return 1;
    case S_NAME:
        if (!is_ws(c) && c != '/' && c != '>') {
            name_add(s, c);
            return 1;
        }
        if (!tag_named(s)) {
            s->state = S_DONE;
            return 1;
        }
        s->state = S_BEFORE_ATTR;
        return 0;
    case S_BEFORE_ATTR:
        if (is_ws(c)) {
            return 1;
        }
        if (c == '/' || c == '>') {
            s->state = S_AFTER_ATTR;
            return 0;
        }
        s->state = S_ATTR_NAME;
        s->nlen = 0;
        if (c == '=') {
            name_add(s, c);
            return 1;
        }
        return 0;
    case S_ATTR_NAME:
        if (!is_ws(c) && c != '/' && c != '>' && c != '=') {
            name_add(s, c);
            return 1;
        }
        attr_begin(s);
        s->state = (c == '=') ? S_BEFORE_VAL : S_AFTER_ATTR;
        return c == '=';
    case S_AFTER_ATTR:
        if (is_ws(c)) {
            return 1;
        }
        if (c == '/' || c == '=') {
            s->state = (c == '/') ? S_SLASH : S_BEFORE_VAL;
            return 1;
        }
        if (c == '>') {
            return tag_end(s, out);
        }
        s->state = S_ATTR_NAME;
        s->nlen = 0;
        return 0;
    case S_BEFORE_VAL:
        if (is_ws(c)) {
            return 1;
        }
        if (c == '>') {
            return tag_end(s, out);
        }
        s->state = S_VAL;
        s->quote = (c == '"' || c == '\'') ? c : 0;
        return s->quote != 0;
    case S_VAL:
        if (c == '&') {
            s->state = S_REF;
            s->ref = 0;
        }
        else if (s->quote && c == s->quote) {
            s->state = S_AFTER_VAL;
        }
        else if (!s->quote && is_ws(c)) {
            s->state = S_BEFORE_ATTR;
        }
        else if (!s->quote && c == '>') {
            return tag_end(s, out);
        }
        else {
            put(s, c ? c : NON_ASCII);
        }
        return 1;
    case S_AFTER_VAL:
        s->state = S_BEFORE_ATTR;
        return is_ws(c);
    case S_SLASH:
        if (c == '>') {
            return tag_end(s, out);
        }
        s->state = S_BEFORE_ATTR;
        return 0;
    case S_REF:
        return step_ref(s, c);
    case S_RAW:
        s->state = (c == '<') ? S_RAW_LT : S_RAW;
        return 1;
    case S_RAW_LT:
        s->state = (c == '/') ? S_RAW_END : (c == '<') ? S_RAW_LT : S_RAW;
        s->matched = 0;
        return 1;
    case S_RAW_END:
        if (s->matched < s->rawlen && h2p_lc(c) == s->raw[s->matched]) {
            s->matched++;
            return 1;
        }
        if (s->matched == s->rawlen
            && (is_ws(c) || c == '/' || c == '>')) {
            tag_begin(s, 1);
            memcpy(s->name, s->raw, s->nlen = s->rawlen);
            return 0;
        }
        s->state = S_RAW;
        return 0;
    }
    return 1;
}

h2p_html *h2p_html_create(apr_pool_t *p, apr_size_t cap)
{
    h2p_html *s = apr_pcalloc(p, sizeof(*s));

    s->pool = p;
    s->cap = cap;
    s->state = S_START;
    s->cur = -1;
    return s;
}

int h2p_html_feed(h2p_html *s, const char *data, apr_size_t len,
                  apr_array_header_t *out)
{
    const char *d = data, *e, *lt;

    if (s->state != S_DONE && s->scanned < s->cap) {
        e = d + (len < s->cap - s->scanned ? len : s->cap - s->scanned);
        while (d < e && s->state != S_DONE) {
            if (s->state == S_TEXT || s->state == S_RAW) {
                /* the common case: text up to the next tag */
                if (!(lt = memchr(d, '<', e - d))) {
                    d = e;
                    break;
                }
                d = lt;
            }
            d += step(s, (unsigned char)*d, out);
        }
        s->scanned += d - data;
    }
    if (s->scanned >= s->cap) {
        s->state = S_DONE;
    }
    return s->state == S_DONE ? H2P_HTML_DONE : H2P_HTML_MORE;
}

apr_size_t h2p_html_scanned(const h2p_html *s)
{
    return s->scanned;
}

int h2p_html_has_base(const h2p_html *s)
{
    return s->has_base;
}
