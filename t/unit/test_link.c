/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_link.c: Link parsing, formatting, URI resolution. */
#include <time.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_link.h"
#include "unit.h"

static apr_pool_t *pool;

/* Parse field; return the array, store the bad count. */
static apr_array_header_t *parse(const char *field, int *nbad)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(h2p_link));

    *nbad = h2p_link_parse(pool, field, a);
    return a;
}

#define LINK(a, i) (&APR_ARRAY_IDX((a), (i), h2p_link))

/* Parse a field holding one good link-value. */
static const h2p_link *parse_one(const char *field)
{
    static h2p_link none;
    int nbad;
    apr_array_header_t *a = parse(field, &nbad);

    none.raw = "";
    none.bad = 1;

    CHECK(a->nelts == 1 && nbad == 0, "[%s]: %d values, %d bad", field,
          a->nelts, nbad);
    return a->nelts >= 1 ? LINK(a, 0) : &none;
}

static const char *param(const h2p_link *l, const char *name)
{
    int i;

    for (i = 0; l->params && i < l->nparams; i++) {
        const h2p_param *prm = &l->params[i];

        if (!strcmp(prm->name, name)) {
            return prm->value ? prm->value : "(bare)";
        }
    }
    return NULL;
}

static void test_preload_vectors(void)
{
    struct {
        const char *field;
        int preload;
    } v[] = {
        { "</006.css>;rel=preload", 1 },
        { "</006.js>;rel=preloadX", 0 },
        { "</a.css>; rel=preloa", 0 },
        { "</a.css>; rel=\"preload push\"", 1 },
        { "</a.css>; rel=\"push preload\"", 1 },
        { "</a.css>; rel=\"abc preload push\"", 1 },
        { "</a.css>; REL=Preload", 1 },
        { "</a.css>; rel=\"preload stylesheet\"", 1 },
        { "</a.css>; rel=\"\tpreload\t\"", 1 },
        { "</a.css>; rel=\"pre load\"", 0 },
        { "</a.css>; rel=stylesheet", 0 },
        { "</a.css>; rel", 0 },
        { "</a.css>; rel=\"\"", 0 },
        { "</a.css>; rel=next; rel=preload", 0 },   /* second rel ignored */
        { "</a.css>; rel=preload; rel=next", 1 },
        { "</a.css>; xrel=preload", 0 },
        { "</a.css>; title=preload", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const h2p_link *l = parse_one(v[i].field);

        CHECK(l->preload == v[i].preload, "[%s] preload %d", v[i].field,
              l->preload);
    }
}

static void test_basic(void)
{
    const h2p_link *l;
    apr_array_header_t *a;
    int nbad;

    l = parse_one("</006.css>;rel=preload");
    CHECK_STR(l->target, "/006.css", "target");
    CHECK_STR(l->raw, "</006.css>;rel=preload", "raw");
    CHECK(l->params && l->nparams == 1, "one param");
    CHECK_STR(param(l, "rel"), "preload", "rel value");
    CHECK(!l->nopush && !l->critical && !l->as && !l->crossorigin,
          "no other flags");

    /* mod_http2: ;rel="preload"; nopush */
    l = parse_one("</006.css>;rel=\"preload\"; nopush");
    CHECK(l->preload && l->nopush, "preload+nopush %d %d", l->preload,
          l->nopush);
    CHECK_STR(param(l, "nopush"), "(bare)", "bare nopush");

    l = parse_one("</a.css>; rel=preload; nopush=1");
    CHECK(l->nopush, "nopush with a value");

    /* mod_http2: rel=preloadX, </x.js>; rel=preload */
    a = parse("rel=preloadX, </x.js>; rel=preload", &nbad);
    CHECK(a->nelts == 2 && nbad == 1, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 2) {
        CHECK(LINK(a, 0)->bad, "no '<' is bad");
        CHECK_STR(LINK(a, 0)->raw, "rel=preloadX", "bad raw");
        CHECK(LINK(a, 0)->target == NULL && LINK(a, 0)->params == NULL,
              "bad has no target/params");
        CHECK(!LINK(a, 1)->bad && LINK(a, 1)->preload, "second preload");
        CHECK_STR(LINK(a, 1)->target, "/x.js", "second target");
    }

    /* empty target refers to the context */
    l = parse_one("<>; rel=preload");
    CHECK_STR(l->target, "", "empty target");
    CHECK(l->preload, "empty target preload");

    /* critical, as, crossorigin */
    l = parse_one("</f.woff2>; rel=preload; as=font; crossorigin; critical");
    CHECK(l->critical, "critical");
    CHECK_STR(l->as, "font", "as");
    CHECK_STR(l->crossorigin, "", "bare crossorigin");

    l = parse_one("</f.woff2>; rel=preload; as; crossorigin=use-credentials");
    CHECK_STR(l->as, "", "bare as");
    CHECK_STR(l->crossorigin, "use-credentials", "crossorigin value");
    CHECK(!l->critical, "no critical");

    l = parse_one("</f.woff2>; crossorigin=\"anonymous\"; as=\"style\"; "
                  "as=script; crossorigin=x");
    CHECK_STR(l->crossorigin, "anonymous", "quoted crossorigin, first wins");
    CHECK_STR(l->as, "style", "quoted as, first wins");

    l = parse_one("</a.css>; AS=Style; CrossOrigin");
    CHECK_STR(param(l, "as"), "Style", "name lower-cased, value kept");
    CHECK_STR(l->as, "Style", "as value case kept");
    CHECK_STR(l->crossorigin, "", "name case-insensitive");
}

static void test_multi(void)
{
    apr_array_header_t *a;
    int nbad;

    a = parse("</a.css>; rel=preload; as=style, </b.js>; rel=preload; as=script,"
              "</c.png>;rel=prefetch", &nbad);
    CHECK(a->nelts == 3 && nbad == 0, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 3) {
        CHECK_STR(LINK(a, 0)->target, "/a.css", "1 target");
        CHECK_STR(LINK(a, 1)->target, "/b.js", "2 target");
        CHECK_STR(LINK(a, 2)->target, "/c.png", "3 target");
        CHECK_STR(LINK(a, 1)->as, "script", "2 as");
        CHECK_STR(LINK(a, 0)->raw, "</a.css>; rel=preload; as=style", "1 raw");
        CHECK_STR(LINK(a, 1)->raw, "</b.js>; rel=preload; as=script", "2 raw");
        CHECK(LINK(a, 0)->preload && LINK(a, 1)->preload
              && !LINK(a, 2)->preload, "preload flags");
    }

    /* empty elements are skipped silently */
    a = parse(" ,, ,</a.css>;rel=preload,,\t, </b.css> ,", &nbad);
    CHECK(a->nelts == 2 && nbad == 0, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 2) {
        CHECK_STR(LINK(a, 1)->raw, "</b.css>", "raw trimmed");
    }
    a = parse("", &nbad);
    CHECK(a->nelts == 0 && nbad == 0, "empty field");
    a = parse(" \t , , ", &nbad);
    CHECK(a->nelts == 0 && nbad == 0, "whitespace and commas only");
    a = parse(NULL, &nbad);
    CHECK(a->nelts == 0 && nbad == 0, "NULL field");
}

static void test_quoted(void)
{
    const h2p_link *l;
    apr_array_header_t *a;
    int nbad;

    l = parse_one("</a.css>; title=\"a, b; c\"; rel=preload");
    CHECK(l->preload, "comma/semicolon inside quotes do not split");
    CHECK_STR(param(l, "title"), "a, b; c", "quoted title");

    l = parse_one("</a.css>; title=\"say \\\"hi\\\" \\\\o/\"; rel=preload");
    CHECK_STR(param(l, "title"), "say \"hi\" \\o/", "escapes undone");
    CHECK(l->preload, "preload after escaped quotes");

    l = parse_one("</a,b;c.css>; rel=\"pre\\load\"");
    CHECK_STR(l->target, "/a,b;c.css", "comma and ';' inside a good target");
    CHECK(l->preload, "rel value unescaped before matching");

    l = parse_one("</a.css>; title=\"\"");
    CHECK_STR(param(l, "title"), "", "empty quoted string");

    l = parse_one("</a.css>; title=\"caf\xc3\xa9\"");
    CHECK_STR(param(l, "title"), "caf\xc3\xa9", "obs-text in quotes");

    /* BWS and OWS everywhere allowed */
    l = parse_one("  </a.css> ; rel = preload ;\tas =\tstyle  ");
    CHECK(l->preload, "BWS around =");
    CHECK_STR(l->as, "style", "as after BWS");
    CHECK_STR(l->raw, "</a.css> ; rel = preload ;\tas =\tstyle", "raw trimmed");

    /* unterminated quote: swallows the rest, one bad value */
    a = parse("</a.css>; title=\"abc, </b.css>; rel=preload", &nbad);
    CHECK(a->nelts == 1 && nbad == 1, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 1) {
        CHECK(LINK(a, 0)->bad, "unterminated quote bad");
        CHECK_STR(LINK(a, 0)->raw, "</a.css>; title=\"abc, </b.css>; rel=preload",
                  "unterminated quote raw");
    }
    a = parse("</a.css>; title=\"abc\\", &nbad);
    CHECK(a->nelts == 1 && nbad == 1, "trailing backslash in quotes bad");

    /* a raw control character inside quotes is bad; resync after quotes */
    a = parse("</a.css>; title=\"a\rb, c\", </b.css>", &nbad);
    CHECK(a->nelts == 2 && nbad == 1, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 2) {
        CHECK_STR(LINK(a, 0)->raw, "</a.css>; title=\"a\rb, c\"", "CTL raw");
        CHECK_STR(LINK(a, 1)->target, "/b.css", "after CTL");
    }
}

static void test_bad(void)
{
    apr_array_header_t *a;
    int nbad;
    apr_size_t i;
    static const char *const bad[] = {
        "/a.css; rel=preload",          /* no '<' */
        "</a.css",                      /* no '>' */
        "</a b.css>",                   /* space in target */
        "</a\tb.css>",                  /* HTAB in target */
        "</a<b.css>",
        "</a\"b.css>",
        "</a\x01.css>",
        "</caf\xc3\xa9.css>",           /* non-ASCII in target */
        "</a.css>;",                    /* empty param name */
        "</a.css>; ; rel=preload",
        "</a.css>; =preload",
        "</a.css>; rel=",               /* empty value */
        "</a.css>; rel=;",
        "</a.css>; rel=pre\"load\"",    /* garbage after value */
        "</a.css>; rel=\"preload\"x",
        "</a.css>; rel=text/css",
        "</a.css> rel=preload",         /* no ';' */
        "</a.css>x",
        "</a.css>; rel preload",
        "</a.css>; r@l=preload",
        "<</a.css>>",
        ";rel=preload",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = parse(bad[i], &nbad);
        CHECK(a->nelts == 1 && nbad == 1 && LINK(a, 0)->bad
              && !LINK(a, 0)->preload && !LINK(a, 0)->target,
              "[%s]: %d values %d bad", bad[i], a->nelts, nbad);
        if (a->nelts == 1) {
            CHECK_STR(LINK(a, 0)->raw, bad[i], "bad raw");
        }
    }

    /* unterminated '<': resync on the next top-level comma */
    a = parse("</a.css;rel=preload, </b.js>; rel=preload", &nbad);
    CHECK(a->nelts == 2 && nbad == 1, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 2) {
        CHECK(LINK(a, 0)->bad, "first bad");
        CHECK_STR(LINK(a, 0)->raw, "</a.css;rel=preload", "first raw");
        CHECK(!LINK(a, 1)->bad && LINK(a, 1)->preload, "second preload");
        CHECK_STR(LINK(a, 1)->target, "/b.js", "second target");
    }

    /* a stray quote in a bad target does not swallow the rest */
    a = parse("</a\"b, c\">; rel=x, </d.css>; rel=preload", &nbad);
    CHECK(a->nelts == 3 && nbad == 2, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 3) {
        CHECK_STR(LINK(a, 0)->raw, "</a\"b", "stray quote raw 1");
        CHECK_STR(LINK(a, 1)->raw, "c\">; rel=x", "stray quote raw 2");
        CHECK(LINK(a, 2)->preload, "stray quote third preload");
    }

    /* a bad value after a quoted param: the quotes protect their comma */
    a = parse("</a>; t=\"x, y\" junk, </b>; rel=preload", &nbad);
    CHECK(a->nelts == 2 && nbad == 1, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 2) {
        CHECK_STR(LINK(a, 0)->raw, "</a>; t=\"x, y\" junk", "quoted junk raw");
        CHECK(LINK(a, 1)->preload, "after quoted junk");
    }

    /* bad values in between good ones, counted */
    a = parse("</1>;rel=preload, bogus, </2>;rel=preload, <x y>, </3>",
              &nbad);
    CHECK(a->nelts == 5 && nbad == 2, "%d values %d bad", a->nelts, nbad);
    if (a->nelts == 5) {
        CHECK(!LINK(a, 0)->bad && LINK(a, 1)->bad && !LINK(a, 2)->bad
              && LINK(a, 3)->bad && !LINK(a, 4)->bad, "bad pattern");
        CHECK_STR(LINK(a, 3)->raw, "<x y>", "raw of <x y>");
    }
}

static void test_long(void)
{
    apr_array_header_t *a;
    int nbad, i, ok = 1;
    apr_size_t n = 10000, len;
    char *buf, *d;
    clock_t t0;

    /* 10k good link-values */
    buf = d = apr_palloc(pool, n * 40 + 1);
    for (i = 0; i < (int)n; i++) {
        d += sprintf(d, "</r%d.css>; rel=preload; as=style, ", i);
    }
    t0 = clock();
    a = parse(buf, &nbad);
    CHECK(a->nelts == (int)n && nbad == 0, "%d values %d bad", a->nelts,
          nbad);
    for (i = 0; i < a->nelts && ok; i++) {
        ok = LINK(a, i)->preload
             && !strcmp(LINK(a, i)->target,
                        apr_psprintf(pool, "/r%d.css", i));
    }
    CHECK(ok, "all 10k preload with the right target (stopped at %d)", i);

    /* 10k bad link-values: resync must not rescan the field */
    len = n * 12;
    buf = d = apr_palloc(pool, len + 1);
    for (i = 0; i < (int)n; i++) {
        memcpy(d, "</a b;x=\"\",", 11);
        d += 11;
    }
    *d = '\0';
    a = parse(buf, &nbad);
    CHECK(a->nelts == (int)n && nbad == (int)n, "%d values %d bad",
          a->nelts, nbad);

    /* one link-value, 1 MB: many params, a long target, a long quote */
    len = 1 << 20;
    buf = apr_palloc(pool, 3 * len + 16);
    d = buf;
    *d++ = '<';
    memset(d, 'a', len);
    d += len;
    *d++ = '>';
    for (i = 0; i < (int)(len / 4); i++) {
        memcpy(d, ";x=1", 4);
        d += 4;
    }
    memcpy(d, ";t=\"", 4);
    d += 4;
    memset(d, ',', len);
    d += len;
    *d = '\0';
    a = parse(buf, &nbad);
    CHECK(a->nelts == 1 && nbad == 1, "1MB unterminated: %d values %d bad",
          a->nelts, nbad);
    *d++ = '"';
    *d = '\0';
    a = parse(buf, &nbad);
    CHECK(a->nelts == 1 && nbad == 0
          && LINK(a, 0)->nparams == (int)(len / 4) + 1,
          "1MB good: %d values %d bad", a->nelts, nbad);
    if (a->nelts == 1 && !LINK(a, 0)->bad) {
        const char *f = h2p_link_format(pool, LINK(a, 0), NULL, 1);

        CHECK(strlen(f) == strlen(buf) + len / 4 + 1 + 8,
              "1MB format length %lu", (unsigned long)strlen(f));
    }
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
          "long inputs took %.2fs",
          (double)(clock() - t0) / CLOCKS_PER_SEC);
}

static void test_format(void)
{
    const h2p_link *l;
    h2p_link m;
    h2p_param prm[2];
    apr_array_header_t *a;
    const char *f;
    int nbad;

    l = parse_one("</a.css>; REL=\"Preload\"; as=style; crossorigin");
    f = h2p_link_format(pool, l, "/a.css", 1);
    CHECK_STR(f, "</a.css>; nopush; rel=preload; as=style; crossorigin",
              "format example");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</a.css>; rel=preload; as=style; crossorigin",
              "format without nopush");
    f = h2p_link_format(pool, l, "/x/a.css", 0);
    CHECK_STR(f, "</x/a.css>; rel=preload; as=style; crossorigin",
              "target overrides");

    l = parse_one("</a.css>; rel=preload; nopush");
    f = h2p_link_format(pool, l, NULL, 1);
    CHECK_STR(f, "</a.css>; nopush; rel=preload", "nopush not doubled");

    /* forms mod_http2's parser reads differently are not written: a value
     * needing a quoted-pair, a name with '*' or '%', a second rel; '%' in
     * a value is quoted */
    l = parse_one("</a.css>; rel=stylesheet; title=\"a\\\", <b>\"; "
                  "title*=UTF-8'en'x; rel=preload; v=%41; nopush");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</a.css>; nopush; rel=stylesheet; v=\"%41\"",
              "mod_http2-safe form");

    l = parse_one("</a.css>;rel=\"PRELOAD Push\";title=\"a \\\"b\\\", c\\\\\";"
                  "as=\"style\";t=\"\"");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</a.css>; rel=\"preload push\"; as=style; t=\"\"",
              "quoting");

    /* round trip: format(parse(x)) parses to the same thing */
    a = parse(f, &nbad);
    CHECK(a->nelts == 1 && nbad == 0, "round trip parses");
    if (a->nelts == 1 && !nbad) {
        CHECK_STR(h2p_link_format(pool, LINK(a, 0), NULL, 0), f,
                  "round trip stable");
        CHECK_STR(param(LINK(a, 0), "title"), NULL,
                  "a title that needs a quoted-pair is left out");
        CHECK(LINK(a, 0)->preload, "round trip preload");
    }

    l = parse_one("<>");
    CHECK_STR(h2p_link_format(pool, l, NULL, 1), "<>; nopush", "empty target");

    /* control characters only arrive via escapes: never emitted */
    l = parse_one("</a.css>; title=\"x\\\ry\\\nz\\\x01\\\x7f\"; t2=\"a\\\tb\"");
    CHECK_STR(param(l, "title"), "x\ry\nz\x01\x7f", "escaped CTLs parsed");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</a.css>; t2=\"a b\"", "a value with CTLs is left out");

    /* a hand-made link with hostile fields */
    memset(&m, 0, sizeof(m));
    m.target = "/a\r\n.css>";
    m.params = prm;
    m.nparams = 2;
    prm[0].name = "rel";
    prm[0].value = "PRE\r\nLOAD";
    prm[1].name = "bad name\r\n";
    prm[1].value = "x";
    f = h2p_link_format(pool, &m, NULL, 1);
    CHECK_STR(f, "</a.css>; nopush", "hand-made sanitised");
    CHECK(!strpbrk(f, "\r\n"), "no CR/LF");
    f = h2p_link_format(pool, &m, "/b\n.css", 0);
    CHECK_STR(f, "</b.css>", "target arg sanitised");

    /* found by fuzzing: formatting never makes a preload of what was none
     * (a first rel left out must not let a later one count; a dropped
     * control byte must not join "pre" and "load") */
    l = parse_one("</x.js>; rel=\"next\\\"\"; rel=preload");
    CHECK(l && !l->preload, "fuzz 1: not a preload");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</x.js>", "fuzz 1: no rel written");
    l = parse_one("</x.js>; rel=\"pre\\\x01load\"");
    CHECK(l && !l->preload, "fuzz 2: not a preload");
    f = h2p_link_format(pool, l, NULL, 0);
    CHECK_STR(f, "</x.js>", "fuzz 2: no rel written");

    /* bad values give back their raw text, control characters dropped */
    a = parse("</a.css>; t=\"a\rb\"", &nbad);
    if (a->nelts == 1) {
        f = h2p_link_format(pool, LINK(a, 0), "/x", 1);
        CHECK_STR(f, "</a.css>; t=\"ab\"", "bad value: raw without CTL");
    }
    CHECK(a->nelts == 1 && nbad == 1, "raw CR is bad");
}

static void test_resolve(void)
{
    struct {
        const char *scheme, *authority, *base, *ref;
        h2p_uri_rc rc;
        const char *path;
    } v[] = {
        { "https", "example.com", "/dir/page.html", "style.css",
          H2P_URI_OK, "/dir/style.css" },
        { "https", "example.com", "/dir/page.html", "../x.js",
          H2P_URI_OK, "/x.js" },
        { "https", "example.com", "/dir/page.html", "./a/../b.js?v=1#f",
          H2P_URI_OK, "/dir/b.js?v=1" },
        { "https", "example.com", "/dir/page.html", "/abs.css",
          H2P_URI_OK, "/abs.css" },
        { "https", "example.com", "/dir/page.html", "?q=1",
          H2P_URI_OK, "/dir/page.html?q=1" },
        { "https", "example.com", "/dir/page.html", "",
          H2P_URI_OK, "/dir/page.html" },
        { "https", "example.com", "/dir/page.html", "#frag",
          H2P_URI_OK, "/dir/page.html" },
        { "https", "example.com", "/dir/", "a.css",
          H2P_URI_OK, "/dir/a.css" },
        { "https", "example.com", "/", "a.css", H2P_URI_OK, "/a.css" },
        { "https", "example.com", "", "a.css", H2P_URI_OK, "/a.css" },
        { "https", "example.com", NULL, "a.css", H2P_URI_OK, "/a.css" },
        { "https", "example.com", "/d/p?x=1", "a.css",
          H2P_URI_OK, "/d/a.css" },
        { "https", "example.com", "/dir/page.html",
          "https://Example.COM:443/s.css", H2P_URI_OK, "/s.css" },
        { "https", "example.com:443", "/", "https://example.com/s.css",
          H2P_URI_OK, "/s.css" },
        { "https", "example.com", "/", "HTTPS://example.com:/s.css",
          H2P_URI_OK, "/s.css" },
        { "http", "example.com", "/", "http://example.com:80/s.css",
          H2P_URI_OK, "/s.css" },
        { "http", "example.com:8080", "/", "//example.com:08080/s.css",
          H2P_URI_OK, "/s.css" },
        { "https", "example.com", "/", "//example.com",
          H2P_URI_OK, "/" },
        { "https", "example.com", "/", "//example.com?x=1",
          H2P_URI_OK, "/?x=1" },
        { "https", "example.com", "/d/p", "https:a.css",
          H2P_URI_OK, "/d/a.css" },
        { "https", "[::1]:8443", "/", "https://[::1]:8443/a.css",
          H2P_URI_OK, "/a.css" },
        { "https", "[::1]", "/", "https://[::1]:443/a.css",
          H2P_URI_OK, "/a.css" },
        { "https", "[::1]:8443", "/", "https://[::1]/a.css",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "[::1]:8443", "/", "https://[::2]:8443/a.css",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/dir/page.html",
          "https://example.com:8443/s.css", H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/dir/page.html",
          "http://example.com/s.css", H2P_URI_OTHER_ORIGIN, NULL },
        { "http", "example.com", "/", "https://example.com/s.css",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "//evil.example/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "https://other.example/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "https://example.com.evil/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "https://user@example.com/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "https://example.com@evil/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "https://example.com:443@example.com/",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "///evil.example/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", NULL, "/", "//example.com/x.js",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", NULL, "/d/", "x.js", H2P_URI_OK, "/d/x.js" },
        { "https", "example.com", "/", "javascript:alert(1)",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "data:text/css,a",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "ftp://example.com/a.css",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "a:b.css",
          H2P_URI_OTHER_ORIGIN, NULL },
        { "https", "example.com", "/", "./a:b.css", H2P_URI_OK, "/a:b.css" },
        { "https", "example.com", "/", "https://example.com:99999/",
          H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "https://example.com:4a/",
          H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "https://[::1/", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a b.css", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a\r\nb", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a\\b", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a\x7f", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/caf\xc3\xa9", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a%", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a%2", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a%g0", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a?%zz", H2P_URI_BAD, NULL },
        { "https", "example.com", "/a%zz/", "b.css", H2P_URI_BAD, NULL },
        { "https", "example.com", "/a b/", "c.css", H2P_URI_BAD, NULL },
        { "https", "example.com", "/a b/", "/c.css", H2P_URI_OK, "/c.css" },
        { "ftp", "example.com", "/", "/c.css", H2P_URI_BAD, NULL },
        { "https", "example.com", "/a/b/", "%2e%2e/c.css",
          H2P_URI_OK, "/a/c.css" },
        { "https", "example.com", "/", "/a/%2e%2e/b.css",
          H2P_URI_OK, "/b.css" },
        { "https", "example.com", "/", "/a/%2E%2E/b.css",
          H2P_URI_OK, "/b.css" },
        { "https", "example.com", "/", "/..%2f..%2fetc/passwd",
          H2P_URI_OK, "/..%2F..%2Fetc/passwd" },
        { "https", "example.com", "/", "/%2e%2e/%2e%2e/etc/passwd",
          H2P_URI_OK, "/etc/passwd" },
        { "https", "example.com", "/", "/%7euser/%41%2d%5f%2E%7E%3a%e9",
          H2P_URI_OK, "/~user/A-_.~%3A%E9" },
        { "https", "example.com", "/", "/a?b=%7e%2f", H2P_URI_OK,
          "/a?b=~%2F" },
        { "https", "example.com", "/", "/../a", H2P_URI_OK, "/a" },
        { "https", "example.com", "/a/b", "../../../../c",
          H2P_URI_OK, "/c" },
        { "https", "example.com", "/", "/a/./b/../../c/.", H2P_URI_OK,
          "/c/" },
        { "https", "example.com", "/", "/a/b/..", H2P_URI_OK, "/a/" },
        { "https", "example.com", "/a/b/c", "..", H2P_URI_OK, "/a/" },
        { "https", "example.com", "/a/b/c", ".", H2P_URI_OK, "/a/b/" },
        { "https", "example.com", "/a/b/c", "./", H2P_URI_OK, "/a/b/" },
        { "https", "example.com", "/a/b/c", "g;x=1/../y", H2P_URI_OK,
          "/a/b/y" },
        { "https", "example.com", "/", "/a/...", H2P_URI_OK, "/a/..." },
        { "https", "example.com", "/", "/a/..b/.c", H2P_URI_OK, "/a/..b/.c" },
        { "https", "example.com", "/", "/a//b", H2P_URI_OK, "/a//b" },
        { "https", "example.com", "/", "/a?../b", H2P_URI_OK, "/a?../b" },
        { "https", "example.com", "/", "/..//evil.example/x.js",
          H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/.//evil.example/x.js",
          H2P_URI_BAD, NULL },
        { "https", "example.com", "//evil/", "x.js", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a/..//b", H2P_URI_BAD, NULL },
        { "https", "example.com", "/", "/a/b/..//c", H2P_URI_OK, "/a//c" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *path = "unset";
        h2p_uri_rc rc = h2p_uri_resolve(pool, v[i].scheme, v[i].authority,
                                        v[i].base, v[i].ref, &path);

        CHECK(rc == v[i].rc, "[%s] against %s://%s%s: rc %d want %d",
              v[i].ref, v[i].scheme, v[i].authority ? v[i].authority : "",
              v[i].base ? v[i].base : "(null)", rc, v[i].rc);
        CHECK_STR(path, v[i].path, v[i].ref);
    }
}

/* link parse + resolve together, as the module uses them */
static void test_pipeline(void)
{
    apr_array_header_t *a;
    const char *path;
    int nbad;

    a = parse("<../css/a.css?v=2>; rel=preload; as=style, "
              "<https://cdn.example/b.js>; rel=preload", &nbad);
    CHECK(a->nelts == 2 && nbad == 0, "pipeline parse");
    if (a->nelts == 2) {
        CHECK(h2p_uri_resolve(pool, "https", "example.com", "/app/index.html",
                              LINK(a, 0)->target, &path) == H2P_URI_OK,
              "same origin");
        CHECK_STR(h2p_link_format(pool, LINK(a, 0), path, 1),
                  "</css/a.css?v=2>; nopush; rel=preload; as=style",
                  "pipeline format");
        CHECK(h2p_uri_resolve(pool, "https", "example.com", "/app/index.html",
                              LINK(a, 1)->target, &path)
              == H2P_URI_OTHER_ORIGIN, "cdn is another origin");
    }
}

/* The parser's shortcuts: canonical (raw reused by format), abs_path
 * (resolve gives the target back), target_hash. */
static void test_shortcuts(void)
{
    static const struct {
        const char *field;
        int canonical, abs_path;
    } v[] = {
        { "</s/1.css>; rel=preload; as=style", 1, 1 },
        { "</f.woff2>; rel=preload; as=font; crossorigin", 1, 1 },
        { "</a.css>", 1, 1 },
        { "</>; rel=preload", 1, 1 },
        { "</a.css>;rel=preload", 0, 1 },          /* no SP after ';' */
        { "</a.css> ; rel=preload", 0, 1 },        /* OWS before ';' */
        { "</a.css>;  rel=preload", 0, 1 },        /* two SP */
        { "</a.css>; rel = preload", 0, 1 },       /* BWS */
        { "</a.css>; rel=\"preload\"", 0, 1 },     /* quoted */
        { "</a.css>; REL=preload", 0, 1 },         /* upper-case name */
        { "</a.css>; rel=Preload", 0, 1 },         /* rel lower-cased */
        { "</a.css>; rel=preload; rel=next", 0, 1 }, /* second rel */
        { "</a.css>; rel=preload; nopush", 0, 1 },   /* nopush moves */
        { "</a.css>; rel=preload; v=%41", 0, 1 },    /* '%' quoted */
        { "</a.css>; rel=preload; t*=x", 0, 1 },     /* name dropped */
        { "</a.css>; rel=preload; as=Style", 1, 1 }, /* as kept as is */
        { "<a.css>; rel=preload", 1, 0 },            /* relative */
        { "<//h/a.css>; rel=preload", 1, 0 },
        { "</a/./b.css>; rel=preload", 1, 0 },
        { "</a/../b.css>; rel=preload", 1, 0 },
        { "</a/.b.css>; rel=preload", 1, 0 },        /* "/." anywhere */
        { "</a%41.css>; rel=preload", 1, 0 },
        { "</a.css#x>; rel=preload", 1, 0 },
        { "</a.css?x=/./>; rel=preload", 1, 0 },
        { "</a.css?v=1>; rel=preload", 1, 1 },
        { "<https://h/a.css>; rel=preload", 1, 0 },
        { "<>; rel=preload", 1, 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const h2p_link *l = parse_one(v[i].field);
        const char *path = NULL;
        h2p_link slow = *l;
        int n;

        CHECK(l->canonical == v[i].canonical, "[%s] canonical %d",
              v[i].field, l->canonical);
        CHECK(l->abs_path == v[i].abs_path, "[%s] abs_path %d", v[i].field,
              l->abs_path);
        CHECK(l->target_hash == h2p_hash(l->target), "[%s] hash",
              v[i].field);
        if (l->canonical) {
            CHECK(h2p_link_format(pool, l, NULL, 0) == l->raw,
                  "[%s] raw reused", v[i].field);
        }
        slow.canonical = 0;
        for (n = 0; n < 4; n++) {
            const char *t = n & 2 ? "/new/t.css" : NULL;

            CHECK_STR(h2p_link_format(pool, l, t, n & 1),
                      h2p_link_format(pool, &slow, t, n & 1), v[i].field);
        }
        if (l->abs_path) {
            CHECK(h2p_uri_resolve(pool, "https", "h", "/x/y", l->target,
                                  &path) == H2P_URI_OK
                  && path == l->target, "[%s] resolved to itself",
                  v[i].field);
        }
    }
}

/* Two parses of a field, h2p_link_parse (shortcut) and
 * h2p_link_parse_full (the long way): the same links? */
static void same_parse(const char *field)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(h2p_link));
    apr_array_header_t *b = apr_array_make(pool, 4, sizeof(h2p_link));
    int na = h2p_link_parse(pool, field, a);
    int nb = h2p_link_parse_full(pool, field, b), i, j;

    CHECK(na == nb && a->nelts == b->nelts, "[%s]: %d/%d values, %d/%d bad",
          field, a->nelts, b->nelts, na, nb);
    for (i = 0; i < a->nelts && i < b->nelts; i++) {
        const h2p_link *x = LINK(a, i), *y = LINK(b, i);

        CHECK(x->bad == y->bad && x->raw_len == y->raw_len
              && x->target_len == y->target_len
              && x->nparams == y->nparams && x->preload == y->preload
              && x->modulepreload == y->modulepreload
              && x->nopush == y->nopush && x->critical == y->critical
              && x->canonical == y->canonical
              && x->abs_path == y->abs_path
              && x->target_hash == y->target_hash
              && !x->params == !y->params, "[%s] #%d: flags", field, i);
        CHECK_STR(x->raw, y->raw, field);
        CHECK_STR(x->target, y->target, field);
        CHECK_STR(x->as, y->as, field);
        CHECK_STR(x->crossorigin, y->crossorigin, field);
        for (j = 0; j < x->nparams && j < y->nparams; j++) {
            CHECK_STR(x->params[j].name, y->params[j].name, field);
            CHECK_STR(x->params[j].value, y->params[j].value, field);
        }
    }
}

/* The shortcut for the usual params ("; rel=preload", "; as=" a token,
 * "; crossorigin"): taken where it applies, and what it gives is what the
 * long way gives, there and next to it. */
static void test_fast(void)
{
    static const char *const as[] = {
        "style", "script", "font", "image", "fetch", "document", "audio",
        "video", "track", "worker"
    };
    static const char *const v[] = {
        "</s/1.css>; rel=preload; as=style",
        "</s/1.js>; rel=preload; as=script",
        "</f.woff2>; rel=preload; as=font; crossorigin",
        "</x>; rel=preload",
        "</x>; rel=preload; crossorigin",
        "</x>; rel=preload, </y>; rel=preload; as=image",
        "</x>; rel=preload; as=style,</y>; rel=preload; as=font; crossorigin",
        "  </x>; rel=preload; as=style  ",
        "</x>; rel=preload; as=style ; crossorigin",
        "</x>; rel=preload; as=Style",
        "</x>; rel=preload; as=STYLE",
        "</x>; rel=preload; as=styles",
        "</x>; rel=preload; as=x.y-z_1~!#$&'*+^`|",
        "</x>; rel=preload; as=style, </y>; rel=preload; as=font; crossorigin, "
        "</z>; rel=preload",
        "</x>; rel=preload; as=styl",
        "</x>; rel=preload; as=stylesheet",
        "</x>; rel=preload; as=sty%6ce",
        "</x>; rel=preload; as=",
        "</x>; rel=preload; as",
        "</x>; rel=preload; as=\"style\"",
        "</x>; rel=preload; as=style;crossorigin",
        "</x>; rel=preload; as=style; crossorigin=anonymous",
        "</x>; rel=preload; as=style; crossorigin; critical",
        "</x>; rel=preload; as=style; crossoriginx",
        "</x>; rel=preload; as=style; as=script",
        "</x>; rel=preload; as=style; nopush",
        "</x>; rel=preload; crossorigin; as=style",
        "</x>; rel=preload; nopush",
        "</x>; rel=preloadx",
        "</x>; rel=preload x",
        "</x>; rel=preload;",
        "</x>; rel=preload; ",
        "</x>; rel=preload,",
        "</x>; rel=Preload",
        "</x>; rel=\"preload\"",
        "</x>; rel=preload; rel=next",
        "</x>; rel=modulepreload",
        "</x>; rel=pre",
        "</x>; rel=",
        "</x>; r",
        "</x>;",
        "</a.css>; rel=preload; as=style, <bad",
        "<bad; rel=preload; as=style, </b.css>; rel=preload; as=style",
        "</a/../b.css>; rel=preload; as=style",
        "<https://h/a.css>; rel=preload; as=style",
        "</a.css?v=1>; rel=preload; as=style",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
        const char *f = apr_pstrcat(pool, "</p>; rel=preload; as=", as[i],
                                    NULL);
        const h2p_link *l = parse_one(f);

        CHECK(l->preload && l->canonical && l->nparams == 2, "[%s]", f);
        CHECK_STR(l->as, as[i], f);
        CHECK_STR(param(l, "as"), as[i], f);
        CHECK_STR(param(l, "rel"), "preload", f);
        CHECK(h2p_link_format(pool, l, NULL, 0) == l->raw, "[%s] raw", f);
        CHECK_STR(h2p_link_format(pool, l, "/q", 1),
                  apr_pstrcat(pool, "</q>; nopush; rel=preload; as=", as[i],
                              NULL), f);
        same_parse(f);
        f = apr_pstrcat(pool, f, "; crossorigin", NULL);
        l = parse_one(f);
        CHECK(l->nparams == 3 && l->crossorigin && !*l->crossorigin,
              "[%s]", f);
        CHECK_STR(param(l, "crossorigin"), "(bare)", f);
        same_parse(f);
        same_parse(apr_pstrcat(pool, f, ", ", f, NULL));
    }
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        same_parse(v[i]);
    }
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_preload_vectors();
    test_basic();
    test_multi();
    test_quoted();
    test_bad();
    test_format();
    test_resolve();
    test_pipeline();
    test_long();
    test_shortcuts();
    test_fast();

    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("link");
}
