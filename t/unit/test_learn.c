/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_learn.c: the learned-hints rules. */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "h2p_learn.h"
#include "h2p_diary.h"
#include "unit.h"

static apr_pool_t *pool;

static apr_array_header_t *strs(const char *a, const char *b, const char *c)
{
    apr_array_header_t *arr = apr_array_make(pool, 3, sizeof(const char *));

    if (a) APR_ARRAY_PUSH(arr, const char *) = a;
    if (b) APR_ARRAY_PUSH(arr, const char *) = b;
    if (c) APR_ARRAY_PUSH(arr, const char *) = c;
    return arr;
}

/* facts of an anonymous GET answered 200 with nothing personal */
static h2p_learn_facts anon(void)
{
    h2p_learn_facts f;

    memset(&f, 0, sizeof(f));
    f.status = 200;
    f.host_ok = 1;
    return f;
}

static void test_refusals(void)
{
    apr_array_header_t *ga = strs("_ga", "_pk_*", NULL);
    h2p_learn_facts f = anon();

    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "anonymous 200 is learned");
    f.cookie = "session=7f2a91";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_COOKIE, "a session cookie");
    f.ignore_cookies = ga;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_COOKIE, "session is not ignored");
    f.cookie = "_ga=GA1.2.3";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "_ga alone is ignored");
    f.cookie = " _ga=1;_pk_id.1=x ; _pk_ses.1=1";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "patterns");
    f.cookie = "_ga=1; session=2";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_COOKIE, "one personal cookie");
    f.cookie = "=x";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_COOKIE, "a nameless cookie");
    f.cookie = "_GA=1";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_COOKIE, "names are case-sensitive");
    f.cookie = ";;";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "an empty Cookie header");

    f = anon(); f.user = "alice";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_USER, "authenticated user");
    f = anon(); f.client_cert = 1;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_CLIENTCERT, "client certificate");
    f = anon(); f.authorization = "Basic eA==";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_AUTHORIZATION, "Authorization");
    f = anon(); f.query = "l=/evil";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_QUERY, "query, LearnQuery off");
    f.learn_query = 1;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "query, LearnQuery on");
    f = anon(); f.host_ok = 0;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_HOST, "foreign Host");
    f = anon(); f.status = 500;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_STATUS, "500");
    f.status = 302;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_STATUS, "302");
    f.status = 204;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "204");
    f = anon(); f.cache_control = "max-age=60, private=\"Set-Cookie\"";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_PRIVATE, "private with a value");
    f.cache_control = "no-cache=\"a,private\", max-age=1";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "private inside quotes");
    f.cache_control = "public,No-Store";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NOSTORE, "no-store, any case");
    f.cache_control = "no-storex";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "no-storex is not no-store");
    f = anon(); f.set_cookie = 1;
    CHECK(h2p_learn_refusal(&f) == H2P_LR_SETCOOKIE, "Set-Cookie");
    f = anon(); f.vary = "Accept-Encoding, Cookie";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_VARY, "Vary: Cookie");
    f.vary = "*";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_VARY, "Vary: *");
    f.vary = "Accept-Encoding";
    CHECK(h2p_learn_refusal(&f) == H2P_LR_NONE, "Vary: Accept-Encoding");
    CHECK_STR(h2p_learn_refusal_name(H2P_LR_CLIENTCERT), "client-cert",
              "name");
    CHECK_STR(h2p_learn_refusal_name(H2P_LR_N), "-", "out of range");
}

static void test_host(void)
{
    apr_array_header_t *names = strs("www.example.com", "127.0.0.1", NULL);
    apr_array_header_t *wild = strs("*.cdn.example.com", NULL, NULL);

    CHECK(h2p_learn_host_ok("Example.COM", "example.com", NULL, NULL),
          "ServerName, any case");
    CHECK(h2p_learn_host_ok("www.example.com", "example.com", names, wild),
          "ServerAlias");
    CHECK(h2p_learn_host_ok("a.cdn.example.com", "example.com", names, wild),
          "wildcard ServerAlias");
    CHECK(!h2p_learn_host_ok("victim.test", "example.com", names, wild),
          "another host");
    CHECK(!h2p_learn_host_ok("example.com.evil", "example.com", names, wild),
          "a suffix");
    CHECK(!h2p_learn_host_ok(NULL, "example.com", names, wild), "no Host");
    CHECK(!h2p_learn_host_ok("", "example.com", names, wild), "empty Host");
}

static void test_key(void)
{
    const char *o = h2p_learn_origin(pool, "https", "shop.example", 443);
    unsigned char a[H2P_LEARN_ID_LEN], b[H2P_LEARN_ID_LEN];
    unsigned seen[256] = { 0 }, used = 0, i;

    CHECK_STR(o, "https://shop.example:443", "origin");
    CHECK_STR(h2p_learn_key(pool, o, "/a", NULL, NULL),
              "https://shop.example:443/a", "URL key");
    CHECK_STR(h2p_learn_key(pool, o, "/a", "x=1", NULL),
              "https://shop.example:443/a?x=1", "URL key with query");
    CHECK_STR(h2p_learn_key(pool, o, "/product/7", NULL, "/product/"),
              "https://shop.example:443 scope /product/", "scope key");
    CHECK(h2p_learn_id("https://a:443/x") != h2p_learn_id("https://b:443/x"),
          "hosts differ");
    h2p_learn_id_bytes(APR_UINT64_C(0x0102030405060708), a);
    CHECK(a[0] == 8 && a[7] == 1, "little-endian id bytes");
    /* the first byte of ids of keys that share a long prefix spreads
     * over (nearly) all 256 values: shmcb uses every subcache */
    for (i = 0; i < 4096; ++i) {
        h2p_learn_id_bytes(h2p_learn_id(apr_psprintf(pool,
                               "https://shop.example:443/page/%u", i)), b);
        used += !seen[b[0]]++;
    }
    CHECK(used >= 250, "first bytes used: %u of 256", used);
}

static void test_entry(void)
{
    const char *key = "http://h:80/p";
    h2p_learn_entry e, d, n;
    const char *v;
    apr_size_t len;
    apr_time_t now = apr_time_from_sec(1000000);
    apr_interval_time_t ttl = apr_time_from_sec(100);

    CHECK(h2p_learn_update(pool, NULL, key, "</a.css>; rel=preload", 7, 0, now,
                           ttl, &e) == 1, "a new entry is written");
    v = h2p_learn_encode(pool, &e, &len);
    CHECK(v && len == strlen(v), "encoded");
    CHECK(h2p_learn_decode(pool, v, len, key, now, &d) == H2P_LEARN_OK,
          "decoded");
    CHECK(d.expiry == now + ttl, "expiry kept");
    CHECK(d.source == 7, "source kept");
    CHECK(h2p_learn_decode(pool, "H2P2 1 000000000000000g k\nv", 27, "k", 0, &d)
          == H2P_LEARN_OTHER, "bad source");
    CHECK(h2p_learn_decode(pool, "H2P2 1 ffffffffffffffff k\nv", 27, "k", 0,
                           &n) == H2P_LEARN_OK
          && n.source == APR_UINT64_C(0xffffffffffffffff), "a 64-bit source");
    h2p_learn_decode(pool, v, len, key, now, &d);
    CHECK_STR(h2p_learn_replay(pool, &d, 0, 10), "</a.css>; rel=preload",
              "replayed");
    CHECK(h2p_learn_decode(pool, v, len, "http://h:80/q", now, &d)
          == H2P_LEARN_OTHER, "another key's entry (id collision)");
    CHECK(h2p_learn_decode(pool, v, len, key, now + ttl + 1, &d)
          == H2P_LEARN_EXPIRED, "expired");
    CHECK(h2p_learn_decode(pool, "H2P2 12x 0000000000000007 k\nv", 29, "k", now, &d)
          == H2P_LEARN_OTHER, "bad expiry");
    CHECK(h2p_learn_decode(pool, "123\nv", 5, "k", now, &d)
          == H2P_LEARN_OTHER, "old format");
    CHECK(h2p_learn_decode(pool, "H2P2 1 0000000000000007 k\0v", 27, "k", 0, &d)
          == H2P_LEARN_OTHER, "NUL inside");
    CHECK(h2p_learn_decode(pool, "H2P2 1 0000000000000007 k", 25, "k", 0, &d)
          == H2P_LEARN_OTHER, "no newline");

    /* refresh: the same set, fresh: no write; past half its life: write */
    h2p_learn_decode(pool, v, len, key, now, &d);
    CHECK(h2p_learn_update(pool, &d, key, "</a.css>; rel=preload", 7, 0,
                           now + ttl / 4, ttl, &n) == 0, "unchanged, fresh");
    CHECK(h2p_learn_update(pool, &d, key, "</a.css>; rel=preload", 8, 0,
                           now + ttl / 4, ttl, &n) == 1 && n.source == 8,
          "the same set from another source: written");
    CHECK(h2p_learn_update(pool, &d, key, "</a.css>; rel=preload", 7, 0,
                           now + ttl * 3 / 4, ttl, &n) == 1,
          "unchanged, old: refreshed");
    CHECK(h2p_learn_update(pool, &d, key, "</b.css>; rel=preload", 7, 0,
                           now + 1, ttl, &n) == 1, "changed");
    CHECK(n.sets->nelts == 1, "a URL keeps one set");
    CHECK_STR(h2p_learn_replay(pool, &n, 0, 10), "</b.css>; rel=preload",
              "the new set");

    /* too large: not encoded */
    {
        char *big = apr_palloc(pool, H2P_LEARN_MAX_VALUE + 1);
        memset(big, 'x', H2P_LEARN_MAX_VALUE);
        big[H2P_LEARN_MAX_VALUE] = '\0';
        h2p_learn_update(pool, NULL, key, big, 7, 0, now, ttl, &n);
        CHECK(h2p_learn_encode(pool, &n, &len) == NULL, "oversized");
    }
}

static h2p_learn_entry *scope_feed(h2p_learn_entry *e, const char *set)
{
    h2p_learn_entry *n = apr_palloc(pool, sizeof(*n));
    const char *v;
    apr_size_t len;

    h2p_learn_update(pool, e, "s", set, 7, 1, 1, apr_time_from_sec(100), n);
    v = h2p_learn_encode(pool, n, &len);
    h2p_learn_decode(pool, v, len, "s", 1, n);    /* as stored */
    return n;
}

static void test_scope(void)
{
    h2p_learn_entry *e = NULL;
    char set[256];
    int i;

    e = scope_feed(e, "</site.css>; rel=preload, </img/1.jpg>; rel=preload");
    CHECK(h2p_learn_replay(pool, e, 1, 10) == NULL, "one set: no replay");
    e = scope_feed(e, "</site.css>; rel=preload, </img/2.jpg>; rel=preload, "
                      "</app.js>; rel=preload; as=script");
    CHECK_STR(h2p_learn_replay(pool, e, 1, 10), "</site.css>; rel=preload",
              "two sets agree on site.css only");
    for (i = 3; i <= 10; ++i) {
        apr_snprintf(set, sizeof(set), "</img/%d.jpg>; rel=preload, "
                     "</site.css>; rel=preload, </app.js>; rel=preload; "
                     "as=script", i);
        e = scope_feed(e, set);
    }
    CHECK(e->sets->nelts == H2P_LEARN_SCOPE_SETS, "history bounded: %d",
          e->sets->nelts);
    CHECK_STR(h2p_learn_replay(pool, e, 1, 10),
              "</site.css>; rel=preload, </app.js>; rel=preload; as=script",
              "shared links, not the per-page image");
    CHECK_STR(h2p_learn_replay(pool, e, 1, 1), "</site.css>; rel=preload",
              "at most max");
    /* identical sets: written until two are held, then not */
    {
        h2p_learn_entry n, *f = scope_feed(NULL, "</x.css>; rel=preload");
        CHECK(h2p_learn_update(pool, f, "s", "</x.css>; rel=preload", 7, 1, 1,
                               apr_time_from_sec(100), &n) == 1,
              "second identical set written");
        f = scope_feed(f, "</x.css>; rel=preload");
        CHECK(h2p_learn_update(pool, f, "s", "</x.css>; rel=preload", 7, 1, 1,
                               apr_time_from_sec(100), &n) == 0,
              "third identical set not written");
        CHECK_STR(h2p_learn_replay(pool, f, 1, 10), "</x.css>; rel=preload",
                  "identical sets agree");
    }
    /* an empty set (a page of the section without links) counts */
    e = scope_feed(NULL, "</x.css>; rel=preload");
    e = scope_feed(e, "");
    CHECK(h2p_learn_replay(pool, e, 1, 10) == NULL, "no agreement yet");
}

static void test_diary_put(void)
{
    h2p_diary *d = h2p_diary_init(apr_palloc(pool, h2p_diary_bytes(2)), 2);
    apr_uint64_t ev = 0;

    CHECK(h2p_diary_put(d, 1, &ev) == H2P_DIARY_ADDED, "1 added");
    CHECK(h2p_diary_put(d, 2, &ev) == H2P_DIARY_ADDED, "2 added");
    CHECK(h2p_diary_put(d, 1, &ev) == H2P_DIARY_HELD, "1 held (touched)");
    CHECK(h2p_diary_put(d, 3, &ev) == H2P_DIARY_EVICTED && ev == 2,
          "3 evicts the least recently learned (2), got %lu",
          (unsigned long)ev);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_refusals();
    test_host();
    test_key();
    test_entry();
    test_scope();
    test_diary_put();
    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("test_learn");
}
