/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_html.c: the streaming <link rel=preload> scanner.
 * Every vector is also fed one byte at a time and split in two at every
 * offset, and must give the same links, return code and byte count. */
#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_html.h"
#include "h2p_link.h"
#include "unit.h"

#define CAP 32768

static apr_pool_t *pool;

typedef struct {
    int rc;                 /* of the last feed */
    apr_size_t scanned;
    const char *links;      /* the link-values, '\n' between them */
    int nlinks;
} result;

/*
 * Scan doc with the given cap: in pieces of 'step' bytes when step > 0,
 * else in two pieces cut at 'cut'. Feeding stops at DONE; then one more
 * feed must change nothing.
 */
static result scan(const char *doc, apr_size_t len, apr_size_t cap,
                   apr_size_t step, apr_size_t cut)
{
    apr_array_header_t *out = apr_array_make(pool, 4, sizeof(const char *));
    h2p_html *s = h2p_html_create(pool, cap);
    apr_size_t at = 0, n;
    result r;

    r.rc = H2P_HTML_MORE;
    while (at < len && r.rc == H2P_HTML_MORE) {
        n = step ? step : (at < cut ? cut : len - at);
        if (n > len - at) {
            n = len - at;
        }
        r.rc = h2p_html_feed(s, doc + at, n, out);
        at += n;
    }
    r.scanned = h2p_html_scanned(s);
    r.nlinks = out->nelts;
    r.links = apr_array_pstrcat(pool, out, '\n');
    if (r.rc == H2P_HTML_DONE) {
        CHECK(h2p_html_feed(s, "<link rel=preload href=/z>", 26, out)
              == H2P_HTML_DONE && out->nelts == r.nlinks
              && h2p_html_scanned(s) == r.scanned, "DONE is not sticky");
    }
    return r;
}

/* Each link-value must parse as exactly one good preload link. */
static void check_parses(const char *links, const char *what)
{
    char *copy = apr_pstrdup(pool, links), *last, *v;

    for (v = apr_strtok(copy, "\n", &last); v;
         v = apr_strtok(NULL, "\n", &last)) {
        apr_array_header_t *a = apr_array_make(pool, 2, sizeof(h2p_link));
        int nbad = h2p_link_parse(pool, v, a);
        const h2p_link *l = (const h2p_link *)a->elts;

        CHECK(nbad == 0 && a->nelts == 1, "%s: [%s] %d values, %d bad",
              what, v, a->nelts, nbad);
        if (a->nelts == 1 && !l->bad) {
            const h2p_param *rel = l->params;

            CHECK(l->nparams >= 1 && !strcmp(rel->name, "rel")
                  && rel->value
                  && ((l->preload && !strcmp(rel->value, "preload"))
                      || !strcmp(rel->value, "modulepreload")),
                  "%s: [%s] not a preload", what, v);
            CHECK(l->target && *l->target, "%s: [%s] empty target", what, v);
        }
    }
}

/* One-shot result against the wanted one, then every other feeding. */
static void check_doc(const char *what, const char *doc, apr_size_t len,
                      apr_size_t cap, int done, const char *want)
{
    result r = scan(doc, len, cap, len ? len : 1, 0), o;
    apr_size_t cut, stride = len > 4096 ? 97 : 1;

    CHECK_STR(r.links, want, what);
    CHECK(r.rc == (done ? H2P_HTML_DONE : H2P_HTML_MORE), "%s: rc %d",
          what, r.rc);
    CHECK(r.scanned <= len && r.scanned <= cap, "%s: scanned %lu", what,
          (unsigned long)r.scanned);
    check_parses(r.links, what);

    o = scan(doc, len, cap, 1, 0);
    CHECK(o.rc == r.rc && o.scanned == r.scanned && !strcmp(o.links, r.links),
          "%s: byte by byte: rc %d scanned %lu [%s]", what, o.rc,
          (unsigned long)o.scanned, o.links);
    for (cut = 1; cut < len; cut += stride) {
        o = scan(doc, len, cap, 0, cut);
        if (o.rc != r.rc || o.scanned != r.scanned
            || strcmp(o.links, r.links)) {
            break;
        }
    }
    CHECK(cut >= len, "%s: split at %lu: rc %d scanned %lu [%s]", what,
          (unsigned long)cut, o.rc, (unsigned long)o.scanned, o.links);
}

#define PRE "<!DOCTYPE html><html><head>"

static const struct {
    const char *what, *doc, *want;
    int done;
} vectors[] = {
    { "basic",
      PRE "<meta charset=utf-8><link rel=\"preload\" href=\"/a.css\" "
      "as=\"style\">\n<link rel=preload href=/b.js as=script></head><body>",
      "</a.css>; rel=preload; as=style\n</b.js>; rel=preload; as=script",
      1 },
    { "modulepreload", PRE "<link rel=\"modulepreload\" href=\"/m.js\">",
      "</m.js>; rel=modulepreload", 0 },
    { "preload wins over modulepreload",
      PRE "<link rel=\"modulepreload preload\" href=\"/m.js\">",
      "</m.js>; rel=preload", 0 },
    { "any order and quoting",
      PRE "<link as='font' href=\"/f.woff2\" rel=preload crossorigin "
      "type=\"font/woff2\">",
      "</f.woff2>; rel=preload; as=font; crossorigin; type=\"font/woff2\"",
      0 },
    { "whitespace around =",
      PRE "<link\thref = \"/x.css\"\n rel\f=\r'preload'   as =style />",
      "</x.css>; rel=preload; as=style", 0 },
    { "unquoted value keeps its slash",
      PRE "<link media=\"(max-width: 600px)\" type=text/css as=STYLE "
      "rel=\"Preload\" href=/y.css/>",
      "</y.css/>; rel=preload; as=style; type=\"text/css\"; "
      "media=\"(max-width: 600px)\"", 0 },
    { "slashes between attributes",
      PRE "<link/rel=\"preload\"/href=\"/slash.css\"/>",
      "</slash.css>; rel=preload", 0 },
    { "upper case", "<LINK REL=PRELOAD HREF=/Up.CSS AS=Style>",
      "</Up.CSS>; rel=preload; as=style", 0 },
    { "rel list", PRE "<link rel=\"stylesheet preload\" href=\"/s.css\">"
      "<link rel=\" \tPRELOAD\n \" href=/t.css>",
      "</s.css>; rel=preload\n</t.css>; rel=preload", 0 },
    { "not preload", PRE "<link rel=stylesheet href=/s.css>"
      "<link rel=preloader href=/p.css><link rel=\"pre load\" href=/q.css>"
      "<link href=/r.css>", "", 0 },
    { "no href", PRE "<link rel=preload as=style><link rel=preload href>"
      "<link rel=preload href=\"\"><link rel=preload href=' \n\t '>", "",
      0 },
    { "first attribute wins",
      PRE "<link rel=stylesheet rel=preload href=/first-rel.css>"
      "<link rel=preload href=/one.css href=/two.css as=style as=script>",
      "</one.css>; rel=preload; as=style", 0 },
    { "entities",
      PRE "<link rel=preload href=\"/a?x=1&amp;y=2&#x2F;z&#47;w&lt;&GT;"
      "&quot;&apos;\">",
      "</a?x=1&y=2/z/w%3C%3E%22'>; rel=preload", 0 },
    { "entities left as they are",
      PRE "<link rel=preload href=\"/&copy;&amp=&#;&#x;&#65b&#X41;"
      "&verylongname;&\">",
      "</&copy;&amp=&#;&#x;AbA&verylongname;&>; rel=preload", 0 },
    { "entity in rel", "<link rel=pre&#108;oad href=/e.css>",
      "</e.css>; rel=preload", 0 },
    { "control characters skip the link",
      PRE "<link rel=preload href=\"/a&#10;b\"><link rel=preload "
      "href=\"/a&#0;\"><link rel=preload href=\"/a\tb\">"
      "<link rel=preload href=\"/a&#127;\"><link rel=preload "
      "href=\"/caf\xc3\xa9\"><link rel=preload href=\"/&#233;\">"
      "<link rel=preload href=\"/&#x110000;\">", "", 0 },
    { "whitespace trimmed after decoding",
      PRE "<link rel=preload href=\"&#10; /w.css&#9;\r\n\">",
      "</w.css>; rel=preload", 0 },
    { "percent-encoding",
      PRE "<link rel=preload href='/a b<c>d\"e\\f^g`h{i|j}k%20'>",
      "</a%20b%3Cc%3Ed%22e%5Cf%5Eg%60h%7Bi%7Cj%7Dk%20>; rel=preload", 0 },
    { "> in a quoted value", PRE "<link href=\"/a>b.css\" rel=preload>",
      "</a%3Eb.css>; rel=preload", 0 },
    { "crossorigin",
      PRE "<link rel=preload href=/1 crossorigin>"
      "<link rel=preload href=/2 crossorigin=\"\">"
      "<link rel=preload href=/3 crossorigin=Anonymous>"
      "<link rel=preload href=/4 CROSSORIGIN=USE-CREDENTIALS>"
      "<link rel=preload href=/5 crossorigin=bogus>",
      "</1>; rel=preload; crossorigin\n</2>; rel=preload; crossorigin\n"
      "</3>; rel=preload; crossorigin=anonymous\n"
      "</4>; rel=preload; crossorigin=use-credentials\n"
      "</5>; rel=preload; crossorigin", 0 },
    { "as values",
      PRE "<link rel=preload href=/1 as=\"st yle\">"
      "<link rel=preload href=/2 as=\"\">"
      "<link rel=preload href=/3 as='a\"b'>"
      "<link rel=preload href=/4 as=Fetch>"
      "<link rel=preload href=/5 as=\"x&amp;y\">"
      "<link rel=preload href=/6 as=\"caf\xc3\xa9\">",
      "</1>; rel=preload\n</2>; rel=preload\n</3>; rel=preload\n"
      "</4>; rel=preload; as=fetch\n</5>; rel=preload; as=x&y\n"
      "</6>; rel=preload", 0 },
    { "type and media quoted",
      PRE "<link rel=preload href=/1 type='a\"b\\c' media=\"screen and\n"
      "(min-width:1px)\"><link rel=preload href=/2 type=\"\">",
      "</1>; rel=preload; type=\"a\\\"b\\\\c\"; "
      "media=\"screen and (min-width:1px)\"\n</2>; rel=preload; type=\"\"",
      0 },
    { "bad type or media skip the link",
      PRE "<link rel=preload href=/1 type=\"a&#1;b\">"
      "<link rel=preload href=/2 media=\"\xc3\xa9\">", "", 0 },
    { "not link tags",
      PRE "</link rel=preload href=/end.css><linkx rel=preload href=/x>"
      "<meta content=\"<link rel=preload href=/no.css>\">"
      "< link rel=preload href=/sp.css><<link rel=preload href=/dbl.css>",
      "</dbl.css>; rel=preload", 0 },
    { "unterminated tag", PRE "<link rel=preload href=/a.css", "", 0 },
    { "comments",
      PRE "<!-- <link rel=preload href=/c1.css> --><!-- a -- b <link "
      "rel=preload href=/c2.css> --->"
      "<!--><link rel=preload href=/e1.css><!---><link rel=preload "
      "href=/e2.css><!--x--!><link rel=preload href=/bang.css>"
      "<!--!><link rel=preload href=/c3.css>--><!-- -><link rel=preload "
      "href=/c4.css> -- >-->",
      "</e1.css>; rel=preload\n</e2.css>; rel=preload\n"
      "</bang.css>; rel=preload", 0 },
    { "bogus comments and processing instructions",
      "<?xml version=\"1.0\"?><!DOCTYPE html><! <link rel=preload href=/b1>"
      "><!-><link rel=preload href=/pi.css></ 3 <link><?><link "
      "rel=preload href=/p2.css></><link rel=preload href=/p3.css>",
      "</pi.css>; rel=preload\n</p2.css>; rel=preload\n"
      "</p3.css>; rel=preload", 0 },
    { "script",
      PRE "<script>var s = '<link rel=preload href=/s.js>';</script>"
      "<link rel=preload href=/after.js>",
      "</after.js>; rel=preload", 0 },
    { "script ends at the first </script",
      PRE "<script>var x = \"</script><link rel=preload href=/in-html.css>"
      "\";</script><link rel=preload href=/b.css>",
      "</in-html.css>; rel=preload\n</b.css>; rel=preload", 0 },
    { "script end tag split in JS",
      PRE "<script>document.write(\"<link rel=preload href=/dw.css></scr\" "
      "+ \"ipt>\");</scripty></script/x></SCRIPT\n><link rel=preload "
      "href=/ok.css>", "</ok.css>; rel=preload", 0 },
    { "script end tag with attributes",
      PRE "<script type=module src=/m.js></script foo=\">\"><link "
      "rel=preload href=/ok.css>", "</ok.css>; rel=preload", 0 },
    { "style, title, noscript",
      PRE "<style>/* <link rel=preload href=/x> */</STYLE >"
      "<title><link rel=preload href=/t.css></title>"
      "<noscript><link rel=preload href=/n.css></noscript>"
      "<link rel=preload href=/st.css>", "</st.css>; rel=preload", 0 },
    { "stop at </head>",
      PRE "<link rel=preload href=/1.css></HEAD ><link rel=preload "
      "href=/2.css>", "</1.css>; rel=preload", 1 },
    { "stop at <body>",
      "<html><link rel=preload href=/1.css><BODY class=x><link rel=preload "
      "href=/2.css>", "</1.css>; rel=preload", 1 },
    { "stop at <body/>",
      "<html><link rel=preload href=/1.css><body/><link rel=preload "
      "href=/2.css>", "</1.css>; rel=preload", 1 },
    { "<bodyguard> is not <body>",
      "<html><bodyguard></headx><link rel=preload href=/1.css>",
      "</1.css>; rel=preload", 0 },
    { "json", "{\"json\":1}", "", 1 },
    { "text", "hello <link rel=preload href=/x>", "", 1 },
    { "leading whitespace", "\r\n \t\f<link rel=preload href=/ws>",
      "</ws>; rel=preload", 0 },
    { "BOM and doctype",
      "\xef\xbb\xbf<!DOCTYPE html><html><head><link rel=preload "
      "href=/bom.css as=style>", "</bom.css>; rel=preload; as=style", 0 },
    { "BOM, whitespace", "\xef\xbb\xbf\n<link rel=preload href=/w>",
      "</w>; rel=preload", 0 },
    { "broken BOM", "\xef\xbb<link rel=preload href=/x>", "", 1 },
    { "BOM after whitespace", " \xef\xbb\xbf<link rel=preload href=/x>", "",
      1 },
};

/* The byte count when a vector stops: up to and including what ends it. */
static void test_scanned(void)
{
    static const char head[] = "<head><link rel=preload href=/1></head>";
    static const char body[] = "<link rel=preload href=/1><body>";
    apr_array_header_t *out = apr_array_make(pool, 2, sizeof(const char *));
    h2p_html *s = h2p_html_create(pool, CAP);
    result r;

    r = scan(head, strlen(head), CAP, strlen(head), 0);
    CHECK(r.rc == H2P_HTML_DONE && r.scanned == strlen(head),
          "</head>: rc %d scanned %lu", r.rc, (unsigned long)r.scanned);
    r = scan(body, strlen(body), CAP, strlen(body), 0);
    CHECK(r.rc == H2P_HTML_DONE && r.scanned == strlen(body),
          "<body>: rc %d scanned %lu", r.rc, (unsigned long)r.scanned);
    r = scan("{\"json\":1}", 10, CAP, 10, 0);
    CHECK(r.rc == H2P_HTML_DONE && r.scanned == 1 && r.nlinks == 0,
          "json: rc %d scanned %lu", r.rc, (unsigned long)r.scanned);
    r = scan("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, CAP, 16, 0);
    CHECK(r.rc == H2P_HTML_DONE && r.scanned == 1 && r.nlinks == 0,
          "binary: rc %d scanned %lu", r.rc, (unsigned long)r.scanned);

    CHECK(h2p_html_feed(s, "", 0, out) == H2P_HTML_MORE, "empty feed");
    CHECK(h2p_html_feed(s, "  \n", 3, out) == H2P_HTML_MORE, "blanks");
    CHECK(h2p_html_scanned(s) == 3, "scanned %lu",
          (unsigned long)h2p_html_scanned(s));

    s = h2p_html_create(pool, 0);
    CHECK(h2p_html_feed(s, "<link rel=preload href=/x>", 26, out)
          == H2P_HTML_DONE && out->nelts == 0 && h2p_html_scanned(s) == 0,
          "cap 0");
}

/* The cap: a 40K head with a link at 33K and cap 32K. */
static void test_cap(void)
{
    apr_size_t len = 40 * 1024, n;
    char *doc = apr_palloc(pool, len + 1);
    static const char lk[] = "<link rel=preload href=/late.css>";
    result r;

    memset(doc, ' ', len);
    doc[len] = '\0';
    memcpy(doc, "<head>", 6);
    memcpy(doc + 1000, lk, strlen(lk));
    memcpy(doc + 33 * 1024, lk, strlen(lk));
    r = scan(doc, len, CAP, len, 0);
    CHECK(r.rc == H2P_HTML_DONE && r.scanned == CAP,
          "cap: rc %d scanned %lu", r.rc, (unsigned long)r.scanned);
    CHECK_STR(r.links, "</late.css>; rel=preload", "cap: only the first");
    check_doc("cap", doc, len, CAP, 1, "</late.css>; rel=preload");

    /* a link ending exactly at the cap counts, one byte short does not */
    n = 1000 + strlen(lk);
    r = scan(doc, len, n, len, 0);
    CHECK(r.nlinks == 1 && r.scanned == n, "cap at '>': %d links", r.nlinks);
    r = scan(doc, len, n - 1, len, 0);
    CHECK(r.nlinks == 0 && r.scanned == n - 1, "cap before '>': %d links",
          r.nlinks);

    /* without the cap, both are found */
    r = scan(doc, len, len, len, 0);
    CHECK(r.nlinks == 2 && r.rc == H2P_HTML_DONE, "no cap: %d links",
          r.nlinks);
}

/* Attribute values beyond the tag buffer skip the tag, not the scan. */
static void test_huge(void)
{
    apr_size_t n = 10 * 1024;
    char *big = apr_palloc(pool, n + 1), *enc, *d;
    const char *doc;

    memset(big, 'a', n);
    big[n] = '\0';
    doc = apr_pstrcat(pool, PRE "<link rel=preload href=\"/", big,
                      "\"><link rel=preload href=/later.css>", NULL);
    check_doc("huge href", doc, strlen(doc), CAP, 0,
              "</later.css>; rel=preload");
    doc = apr_pstrcat(pool, PRE "<link rel=preload href=/x media='", big,
                      "'><link rel=preload href=/later.css>", NULL);
    check_doc("huge media", doc, strlen(doc), CAP, 0,
              "</later.css>; rel=preload");
    /* values of no interest are not kept: no limit */
    doc = apr_pstrcat(pool, PRE "<link rel=preload href=/x data-x='", big,
                      "'><link rel=preload href=/later.css>", NULL);
    check_doc("huge other attribute", doc, strlen(doc), CAP, 0,
              "</x>; rel=preload\n</later.css>; rel=preload");
    /* a long but fitting href: percent-encoded to 3 times its size */
    memset(big, ' ', 1900);
    big[0] = '/';
    big[1900] = '\0';
    doc = apr_pstrcat(pool, "<link rel=preload href='", big, "x' as=style "
                      "type='\"\"\"\"' media='\\\\\\\\'>", NULL);
    enc = apr_palloc(pool, 3 * 1900);
    for (d = enc, n = 1; n < 1900; n++, d += 3) {
        memcpy(d, "%20", 3);
    }
    *d = '\0';
    check_doc("long href", doc, strlen(doc), CAP, 0,
              apr_pstrcat(pool, "</", enc, "x>; rel=preload; as=style; "
                          "type=\"\\\"\\\"\\\"\\\"\"; "
                          "media=\"\\\\\\\\\\\\\\\\\"", NULL));
}

/* <base href> is reported, before or after the links, and only with an
 * href; the links are still found (the module decides what to keep). */
static void test_base(void)
{
    static const struct { const char *doc; int base; } v[] = {
        { "<html><head><base href=/x/><link rel=preload href=a.css>", 1 },
        { "<html><head><link rel=preload href=a.css><BASE HREF='/x/'>", 1 },
        { "<html><head><base target=_blank><link rel=preload href=a.css>", 0 },
        { "<html><head><!-- <base href=/x/> --><link rel=preload href=a>", 0 },
        { "<html><head></head><base href=/x/>", 0 },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        h2p_html *s = h2p_html_create(pool, 32768);
        apr_array_header_t *out = apr_array_make(pool, 2, sizeof(char *));

        h2p_html_feed(s, v[i].doc, strlen(v[i].doc), out);
        CHECK(h2p_html_has_base(s) == v[i].base, "base %d: got %d", (int)i,
              h2p_html_has_base(s));
        CHECK(out->nelts == (v[i].base || i == 2 || i == 3), "base %d: %d links",
              (int)i, out->nelts);
    }
}

int main(void)
{
    apr_size_t i;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        check_doc(vectors[i].what, vectors[i].doc, strlen(vectors[i].doc),
                  CAP, vectors[i].done, vectors[i].want);
    }
    test_scanned();
    test_cap();
    test_huge();
    test_base();
    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("html");
}
