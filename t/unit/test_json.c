/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_json.c: the streaming JSON extractor. Every
 * vector is also fed one byte at a time and split in two at every offset,
 * and must give the same matches and result. */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_json.h"
#include "unit.h"

static apr_pool_t *pool;

typedef struct {
    int rc;                 /* of finish (or of the feed that failed) */
    char *got;              /* "sel:depth:value\n"..., bytes < 0x20 as \xx */
    apr_size_t len, size;
} result;

static void on_match(void *baton, int sel, int depth, const char *v,
                     apr_size_t len)
{
    result *r = baton;
    char *line = apr_psprintf(pool, "%d:%d:", sel, depth);
    apr_size_t i, n;

    CHECK(v[len] == '\0', "value not NUL-terminated");
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];

        line = c < 0x20 ? apr_psprintf(pool, "%s\\%02x", line, c)
                        : apr_psprintf(pool, "%s%c", line, c);
    }
    line = apr_pstrcat(pool, line, "\n", NULL);
    n = strlen(line);
    if (r->len + n + 1 > r->size) {
        char *b;

        r->size = 2 * (r->len + n + 1);
        b = apr_palloc(pool, r->size);

        memcpy(b, r->got, r->len);
        r->got = b;
    }
    memcpy(r->got + r->len, line, n + 1);
    r->len += n;
}

/* Feed doc in pieces of 'step' bytes when step > 0, else in two pieces
 * cut at 'cut'; then finish. */
static result run(const h2p_jsel *s, const char *doc, apr_size_t len,
                  int depth, apr_size_t max_string, apr_size_t step,
                  apr_size_t cut)
{
    result r;
    h2p_json *j;
    apr_size_t at = 0, n;

    r.size = 64;
    r.got = apr_pcalloc(pool, r.size);
    r.len = 0;
    j = h2p_json_create(pool, s, depth, max_string, on_match, &r);
    r.rc = H2P_JSON_OK;
    while (at < len && r.rc == H2P_JSON_OK) {
        n = step ? step : (at < cut ? cut : len - at);
        if (n > len - at) {
            n = len - at;
        }
        r.rc = h2p_json_feed(j, doc + at, n);
        at += n;
    }
    if (r.rc == H2P_JSON_OK) {
        r.rc = h2p_json_finish(j);
        CHECK(h2p_json_finish(j) == r.rc, "finish twice");
    }
    else {
        CHECK(h2p_json_feed(j, "[]", 2) == r.rc, "error not sticky");
        CHECK(h2p_json_finish(j) == r.rc, "finish after error");
        CHECK(h2p_json_offset(j) < len, "offset %lu",
              (unsigned long)h2p_json_offset(j));
    }
    return r;
}

static h2p_jsel *sels(const char *list)
{
    const char *v[H2P_JSON_MAX_SELECTORS + 2], *err = NULL;
    char *copy = apr_pstrdup(pool, list), *c;
    int n = 0;
    h2p_jsel *s;

    /* selectors separated by spaces ("" stays a root selector: "''") */
    for (c = copy; *c && n < H2P_JSON_MAX_SELECTORS + 1;) {
        char *e = strchr(c, ' ');

        if (e) {
            *e = '\0';
        }
        v[n++] = !strcmp(c, "''") ? "" : c;
        if (!e) {
            break;
        }
        c = e + 1;
    }
    s = h2p_jsel_compile(pool, v, n, &err);
    CHECK(s != NULL, "compile [%s]: %s", list, err ? err : "?");
    return s;
}

static void check_doc(const char *what, const char *list, const char *doc,
                      apr_size_t len, int rc, const char *want)
{
    h2p_jsel *s = sels(list);
    result r, o;
    apr_size_t cut;

    if (!s) {
        return;
    }
    r = run(s, doc, len, 512, 1024, len ? len : 1, 0);
    CHECK(r.rc == rc, "%s: rc %d (%s) want %d", what, r.rc,
          h2p_json_strerror(r.rc), rc);
    if (rc == H2P_JSON_OK && want) {
        CHECK_STR(r.got, want, what);
    }
    o = run(s, doc, len, 512, 1024, 1, 0);
    CHECK(o.rc == r.rc && !strcmp(o.got, r.got),
          "%s: byte by byte: rc %d [%s]", what, o.rc, o.got);
    for (cut = 1; cut < len; cut++) {
        o = run(s, doc, len, 512, 1024, 0, cut);
        if (o.rc != r.rc || strcmp(o.got, r.got)) {
            break;
        }
    }
    CHECK(cut >= len, "%s: split at %lu: rc %d [%s]", what,
          (unsigned long)cut, o.rc, o.got);
}

#define OK H2P_JSON_OK
#define BAD H2P_JSON_INVALID
#define TRUNC H2P_JSON_TRUNCATED

static const struct {
    const char *what, *sels, *doc;
    int rc;
    const char *want;
} vectors[] = {
    { "the example", "/a/*/b", "{\"a\":[{\"b\":\"x\"},\"y\",{\"c\":1}]}", OK,
      "0:3:x\n0:2:y\n" },
    { "root string", "/a", "\"s\"", OK, "0:0:s\n" },
    { "root selector", "'' /", " \"r\" ", OK, "0:0:r\n1:0:r\n" },
    { "root selector on an object", "''", "{\"a\":\"b\"}", OK, "" },
    { "object where a selector ends", "/a", "{\"a\":{\"b\":\"c\"},"
      "\"x\":\"y\"}", OK, "" },
    { "string short of the selector", "/a/b/c", "{\"a\":{\"b\":\"l\"}}", OK,
      "0:2:l\n" },
    { "numbers, bools, null never", "/*", "[1,-0.5e+3,true,false,null,"
      "\"s\"]", OK, "0:1:s\n" },
    { "~0 ~1 ~2", "/a~0b /c~1d /~2 /*",
      "{\"a~b\":\"1\",\"c/d\":\"2\",\"*\":\"3\",\"e\":\"4\"}", OK,
      "0:1:1\n3:1:1\n1:1:2\n3:1:2\n2:1:3\n3:1:3\n3:1:4\n" },
    { "~2 on an array", "/~2", "[\"a\"]", OK, "" },
    { "wildcards on arrays and objects", "/*/*",
      "{\"a\":[\"1\",\"2\"],\"b\":{\"c\":\"3\",\"d\":[\"4\"]},\"e\":\"5\"}",
      OK, "0:2:1\n0:2:2\n0:2:3\n0:1:5\n" },
    { "array indexes", "/1 /01 /- /0/0",
      "[[\"a\"],\"b\",\"c\"]", OK, "3:2:a\n0:1:b\n" },
    { "indexes as names", "/1 /01 /-", "{\"1\":\"x\",\"01\":\"y\","
      "\"-\":\"z\"}", OK, "0:1:x\n1:1:y\n2:1:z\n" },
    { "empty name", "//", "{\"\":\"e\",\"a\":\"f\"}", OK, "0:1:e\n" },
    { "name prefix and longer", "/ab", "{\"a\":\"1\",\"abc\":\"2\","
      "\"ab\":\"3\",\"b\":{\"ab\":\"4\"}}", OK, "0:1:3\n" },
    { "escaped names", "/a/\xc3\xa9", "{\"\\u0061\":{\"\\u00e9\":\"v\","
      "\"\\u00E9x\":\"w\"}}", OK, "0:2:v\n" },
    { "duplicates both reported", "/a", "{\"a\":\"1\",\"a\":\"2\"}", OK,
      "0:1:1\n0:1:2\n" },
    { "unescaping", "''", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9"
      "\\u20AC\\ud83d\\ude00\\u0000.\"", OK,
      "0:0:\"\\/\\08\\0c\\0a\\0d\\09A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
      "\\00.\n" },
    { "raw UTF-8 and DEL", "''", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
      "\xf4\x8f\xbf\xbf\x7f\"", OK,
      "0:0:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\x7f\n" },
    { "deep path, siblings after", "/a/*/b/*",
      "{\"a\":[{\"b\":[\"1\",{\"x\":\"no\"},\"2\"],\"c\":\"no\"},"
      "{\"z\":[\"no\"],\"b\":\"3\"}],\"b\":[\"no\"]}", OK,
      "0:4:1\n0:4:2\n0:3:3\n" },
    { "selector order per value", "/x /* /x", "{\"x\":\"v\"}", OK,
      "0:1:v\n1:1:v\n2:1:v\n" },
    { "whitespace everywhere", "/*", " \t\r\n{ \"a\" : [ ] , \"b\"\n:\t"
      "\"c\" } \n", OK, "0:1:c\n" },
    { "numbers", "''", "[0,-0,1,-1,10,0.5,-0.0e0,1E5,1e-5,1e+5,123.456e7]",
      OK, "" },
    { "empty containers", "/*", "[{},[],{\"a\":[]},[[]]]", OK, "" },
    /* invalid */
    { "empty", "''", "", TRUNC, NULL },
    { "only whitespace", "''", "  \n", TRUNC, NULL },
    { "two values", "''", "1 2", BAD, NULL },
    { "two objects", "''", "{}{}", BAD, NULL },
    { "trailing comma in array", "''", "[1,]", BAD, NULL },
    { "trailing comma in object", "''", "{\"a\":1,}", BAD, NULL },
    { "leading comma", "''", "[,1]", BAD, NULL },
    { "missing comma", "''", "[1 2]", BAD, NULL },
    { "missing colon", "''", "{\"a\" 1}", BAD, NULL },
    { "name not a string", "''", "{a:1}", BAD, NULL },
    { "mismatched", "''", "[}", BAD, NULL },
    { "mismatched 2", "''", "{\"a\":1]", BAD, NULL },
    { "comment", "''", "[1/*x*/]", BAD, NULL },
    { "leading zero", "''", "01", BAD, NULL },
    { "leading zero in array", "''", "[-01]", BAD, NULL },
    { "plus", "''", "+1", BAD, NULL },
    { "dot first", "''", ".5", BAD, NULL },
    { "dot last", "''", "[1.]", BAD, NULL },
    { "exponent empty", "''", "[1e]", BAD, NULL },
    { "exponent sign only", "''", "[1e+]", BAD, NULL },
    { "minus alone", "''", "[-]", BAD, NULL },
    { "hex number", "''", "0x10", BAD, NULL },
    { "NaN", "''", "NaN", BAD, NULL },
    { "bad literal", "''", "[tru]", BAD, NULL },
    { "literal too long", "''", "truee", BAD, NULL },
    { "capital literal", "''", "True", BAD, NULL },
    { "single quotes", "''", "'a'", BAD, NULL },
    { "raw newline in string", "''", "\"a\nb\"", BAD, NULL },
    { "raw tab in string", "/a", "{\"a\":\"\t\"}", BAD, NULL },
    { "bad escape", "''", "\"\\x\"", BAD, NULL },
    { "short \\u", "''", "\"\\u12\"", BAD, NULL },
    { "bad hex", "''", "\"\\u12g4\"", BAD, NULL },
    { "lone high surrogate", "''", "\"\\ud800\"", BAD, NULL },
    { "lone low surrogate", "''", "\"\\udc00\"", BAD, NULL },
    { "high then not low", "''", "\"\\ud800\\u0041\"", BAD, NULL },
    { "high then plain", "''", "\"\\ud800x\"", BAD, NULL },
    { "two highs", "''", "\"\\ud800\\ud800\"", BAD, NULL },
    { "bad UTF-8 continuation", "''", "\"\x80\"", BAD, NULL },
    { "overlong UTF-8", "''", "\"\xc0\xaf\"", BAD, NULL },
    { "overlong UTF-8 3", "''", "\"\xe0\x80\xaf\"", BAD, NULL },
    { "UTF-8 surrogate", "''", "\"\xed\xa0\x80\"", BAD, NULL },
    { "UTF-8 above U+10FFFF", "''", "\"\xf4\x90\x80\x80\"", BAD, NULL },
    { "UTF-8 truncated sequence", "''", "\"\xe2\x82\"", BAD, NULL },
    { "UTF-8 F5", "''", "\"\xf5\x80\x80\x80\"", BAD, NULL },
    { "BOM", "''", "\xef\xbb\xbf{}", BAD, NULL },
    { "NUL outside", "''", "[1,\0 2]", BAD, NULL },
    { "unclosed", "''", "[1,[2]", TRUNC, NULL },
    { "unclosed string", "''", "\"abc", TRUNC, NULL },
    { "unclosed escape", "''", "\"\\u00", TRUNC, NULL },
    { "unfinished literal", "''", "nul", TRUNC, NULL },
    { "unfinished number", "''", "-", TRUNC, NULL },
    { "unfinished exponent", "''", "1e", TRUNC, NULL },
};

/* Every proper prefix of a valid document is truncated, never invalid
 * (unless itself a document). */
static void check_prefixes(const char *doc)
{
    h2p_jsel *s = sels("/*");
    apr_size_t n, len = strlen(doc);

    for (n = 0; n < len; n++) {
        result r = run(s, doc, n, 512, 1024, n ? n : 1, 0);

        if (r.rc != TRUNC) {
            break;
        }
    }
    CHECK(n == len, "prefix of %lu bytes: not truncated", (unsigned long)n);
}

static char *repeat(const char *a, int n, const char *b, int m)
{
    apr_size_t la = strlen(a), lb = strlen(b);
    char *d = apr_palloc(pool, la * n + lb * m + 1), *c = d;
    int i;

    for (i = 0; i < n; i++, c += la) {
        memcpy(c, a, la);
    }
    for (i = 0; i < m; i++, c += lb) {
        memcpy(c, b, lb);
    }
    *c = '\0';
    return d;
}

static void check_depth(void)
{
    h2p_jsel *s = sels("/*/*");
    char *d;
    result r;

    d = repeat("[", 512, "]", 512);
    r = run(s, d, strlen(d), 512, 64, strlen(d), 0);
    CHECK(r.rc == OK, "512 deep: %d", r.rc);
    d = repeat("[", 513, "]", 513);
    r = run(s, d, strlen(d), 512, 64, strlen(d), 0);
    CHECK(r.rc == H2P_JSON_TOO_DEEP, "513 deep: %d", r.rc);
    d = repeat("{\"a\":", 10000, "}", 10000);
    r = run(s, d, strlen(d), 512, 64, 7, 0);
    CHECK(r.rc == H2P_JSON_TOO_DEEP, "10000 objects deep: %d", r.rc);
    d = repeat("[", 10000, "", 0);
    r = run(s, d, strlen(d), 512, 64, strlen(d), 0);
    CHECK(r.rc == H2P_JSON_TOO_DEEP, "10000 [: %d", r.rc);
    r = run(s, d, strlen(d), 20000, 64, strlen(d), 0);
    CHECK(r.rc == TRUNC, "10000 [ with max_depth 20000: %d", r.rc);
    d = apr_pstrcat(pool, repeat("[\"x\",", 3000, "0", 1),
                    repeat("]", 3000, "", 0), NULL);
    r = run(s, d, strlen(d), 4000, 64, 3, 0);
    CHECK(r.rc == OK && !strcmp(r.got, "0:1:x\n0:2:x\n"), "3000 deep: %d %s",
          r.rc, r.got);
    d = repeat("[", 9, "]", 9);
    r = run(s, d, strlen(d), 8, 64, 1, 0);
    CHECK(r.rc == H2P_JSON_TOO_DEEP, "9 deep with max_depth 8: %d", r.rc);
    d = repeat("[", 8, "]", 8);
    r = run(s, d, strlen(d), 8, 64, 1, 0);
    CHECK(r.rc == OK, "8 deep with max_depth 8: %d", r.rc);
}

static void check_max_string(void)
{
    h2p_jsel *s = sels("/*");
    const char *d = "[\"abcd\",\"abcde\",\"\\u00e9\\u00e9\\u00e9\",\"ab\"]";
    h2p_json *j;
    result r;
    apr_size_t cut;

    for (cut = 1; cut < strlen(d); cut++) {
        r = run(s, d, strlen(d), 16, 5, 0, cut);
        CHECK(r.rc == OK && !strcmp(r.got, "0:1:abcd\n0:1:abcde\n0:1:ab\n"),
              "max_string 5, cut %lu: %s", (unsigned long)cut, r.got);
    }
    r.size = 64;
    r.got = apr_pcalloc(pool, r.size);
    r.len = 0;
    j = h2p_json_create(pool, s, 16, 4, on_match, &r);
    CHECK(h2p_json_feed(j, d, strlen(d)) == OK && h2p_json_finish(j) == OK,
          "max_string 4");
    CHECK(h2p_json_skipped(j) == 2, "skipped %lu",
          (unsigned long)h2p_json_skipped(j));
    CHECK_STR(r.got, "0:1:abcd\n0:1:ab\n", "max_string 4");
    j = h2p_json_create(pool, s, 16, 0, on_match, &r);
    CHECK(h2p_json_feed(j, "[\"\",\"a\"]", 8) == OK
          && h2p_json_finish(j) == OK && h2p_json_skipped(j) == 1,
          "max_string 0");
}

static void check_api(void)
{
    const char *err = NULL, *v[H2P_JSON_MAX_SELECTORS + 1];
    const char *bad[] = { "a", "/~3", "/a~", "/~/", "x/", NULL };
    h2p_jsel *s, *t;
    h2p_json *j;
    char buf[128];
    int i;

    for (i = 0; bad[i]; i++) {
        err = NULL;
        CHECK(!h2p_jsel_compile(pool, &bad[i], 1, &err) && err,
              "[%s] compiled", bad[i]);
    }
    for (i = 0; i < H2P_JSON_MAX_SELECTORS + 1; i++) {
        v[i] = "/a";
    }
    CHECK(h2p_jsel_compile(pool, v, H2P_JSON_MAX_SELECTORS, &err) != NULL,
          "32 selectors");
    err = NULL;
    CHECK(!h2p_jsel_compile(pool, v, H2P_JSON_MAX_SELECTORS + 1, &err)
          && err, "33 selectors");
    strcpy(buf, repeat("/a", 16, "", 0));
    v[0] = buf;
    s = h2p_jsel_compile(pool, v, 1, &err);
    CHECK(s && h2p_jsel_segments(s, 0) == 16, "16 segments");
    strcat(buf, "/b");
    err = NULL;
    CHECK(!h2p_jsel_compile(pool, v, 1, &err) && err, "17 segments");
    CHECK(h2p_jsel_compile(pool, v, 0, &err) != NULL, "no selector");

    s = sels("/a/*/b~1c '' / //");
    CHECK(h2p_jsel_count(s) == 4, "count %d", h2p_jsel_count(s));
    CHECK(h2p_jsel_segments(s, 0) == 3 && h2p_jsel_segments(s, 1) == 0
          && h2p_jsel_segments(s, 2) == 0 && h2p_jsel_segments(s, 3) == 2
          && h2p_jsel_segments(s, 4) == -1
          && h2p_jsel_segments(s, -1) == -1, "segments");
    CHECK(!h2p_jsel_tail(pool, s, 4, 0) && !h2p_jsel_tail(pool, s, 0, 4)
          && !h2p_jsel_tail(pool, s, 0, -1), "tail out of range");
    t = h2p_jsel_tail(pool, s, 0, 1);
    CHECK(t && h2p_jsel_count(t) == 1 && h2p_jsel_segments(t, 0) == 2,
          "tail 1");
    if (t) {
        const char *d = "[{\"b/c\":\"1\"},{\"b\":\"2\"},\"3\"]";
        result r = run(t, d, strlen(d), 8, 64, 1, 0);

        CHECK(r.rc == OK && !strcmp(r.got, "0:2:1\n0:1:3\n"), "tail: %s",
              r.got);
    }
    t = h2p_jsel_tail(pool, s, 0, 3);
    CHECK(t && h2p_jsel_segments(t, 0) == 0, "tail to the root");
    if (t) {
        result r = run(t, "\"u\"", 3, 8, 64, 1, 0);

        CHECK(r.rc == OK && !strcmp(r.got, "0:0:u\n"), "root tail: %s",
              r.got);
    }

    {   /* a tail outlives the set it comes from */
        apr_pool_t *sub;
        const char *one = "/x/~2yz";
        result r;

        apr_pool_create(&sub, pool);
        t = h2p_jsel_compile(sub, &one, 1, &err);
        t = t ? h2p_jsel_tail(pool, t, 0, 1) : NULL;
        apr_pool_destroy(sub);
        CHECK(t != NULL, "tail of a set in a subpool");
        if (t) {
            r = run(t, "{\"*yz\":\"1\"}", 11, 8, 64, 1, 0);
            CHECK(r.rc == OK && !strcmp(r.got, "0:1:1\n"), "tail: %s",
                  r.got);
        }
    }

    /* validation only */
    j = h2p_json_create(pool, NULL, 4, 16, NULL, NULL);
    CHECK(h2p_json_feed(j, "{\"a\":[\"b\"]}", 11) == OK
          && h2p_json_finish(j) == OK && h2p_json_offset(j) == 11,
          "no selectors");
    j = h2p_json_create(pool, s, 4, 16, NULL, NULL);
    CHECK(h2p_json_feed(j, "\"a\"", 3) == OK && h2p_json_finish(j) == OK,
          "no callback");
    j = h2p_json_create(pool, s, 4, 16, NULL, NULL);
    CHECK(h2p_json_feed(j, "[1, 2,", 6) == OK
          && h2p_json_feed(j, " 3x]", 4) == BAD
          && h2p_json_offset(j) == 8, "offset %lu",
          (unsigned long)h2p_json_offset(j));

    CHECK_STR(h2p_json_strerror(OK), "ok", "strerror ok");
    CHECK_STR(h2p_json_strerror(BAD), "invalid", "strerror invalid");
    CHECK_STR(h2p_json_strerror(H2P_JSON_TOO_DEEP), "too deep", "deep");
    CHECK_STR(h2p_json_strerror(TRUNC), "truncated", "truncated");
    CHECK_STR(h2p_json_strerror(H2P_JSON_STRING_TOO_LONG),
              "string too long", "too long");
    CHECK_STR(h2p_json_strerror(-99), "unknown", "unknown");
}

int main(void)
{
    size_t i;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        check_doc(vectors[i].what, vectors[i].sels, vectors[i].doc,
                  strlen(vectors[i].doc)
                  + (!strcmp(vectors[i].what, "NUL outside") ? 4 : 0),
                  vectors[i].rc, vectors[i].want);
        apr_pool_clear(pool);
    }
    check_prefixes("{\"a\":[1,-2.5e+3,true,false,null,\"x\\u00e9\\n\","
                   "{\"b\":[]}],\"c\":\"\xe2\x82\xac\"}");
    check_prefixes("[\"\\ud83d\\ude00\",0]");
    check_depth();
    check_max_string();
    check_api();
    return unit_done("json");
}
