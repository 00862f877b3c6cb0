/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of the decision (src/h2p_policy.c) with a real diary and a
 * table standing in for the lookup. */
#include <apr_general.h>
#include <apr_strings.h>
#include "unit.h"
#include "h2p_diary.h"
#include "h2p_policy.h"

typedef struct {
    h2p_diary *diary;
    int lookups;
    int locked;          /* lock() calls; never nested, always undone */
} fake;

static h2p_diary *lock(void *baton)
{
    fake *f = baton;

    CHECK(f->locked % 2 == 0, "lock while locked");
    f->locked++;
    return f->diary;
}

static void unlock(void *baton)
{
    fake *f = baton;

    CHECK(f->locked % 2 == 1, "unlock while not locked");
    f->locked++;
}

/* /missing* is not found, /private* needs credentials, /big* is too
 * large, anything else is served. */
static h2p_reason verify(void *baton, const char *path, const char **ctype)
{
    ((fake *)baton)->lookups++;
    *ctype = !strcmp(path + strlen(path) - 4, ".css") ? "text/css"
             : !strcmp(path + strlen(path) - 6, ".woff2") ? "font/woff2"
             : !strcmp(path + strlen(path) - 3, ".js")
               ? "text/javascript; charset=utf-8" : NULL;
    if (!strncmp(path, "/missing", 8)) return H2P_SKIP_NOTFOUND;
    if (!strncmp(path, "/private", 8)) return H2P_SKIP_FORBIDDEN;
    if (!strncmp(path, "/big", 4)) return H2P_SKIP_TOOLARGE;
    return H2P_PROMISED;
}

static void init(apr_pool_t *p, h2p_policy *pol, fake *f, int max)
{
    memset(pol, 0, sizeof(*pol));
    pol->scheme = "https";
    pol->authority = "example.org";
    pol->base_path = "/dir/page.html";
    pol->request_ok = pol->links_on = 1;
    pol->mode = H2P_MODE_PUSH;
    pol->remaining = max;
    pol->seen = h2p_seen_make(p);
    pol->lock = lock;
    pol->unlock = unlock;
    pol->verify = verify;
    pol->baton = f;
}

/* Decide one Link field value; return "reason reason ..." and the
 * re-emitted header in *emitted. */
static const char *run(apr_pool_t *p, h2p_policy *pol, const char *field,
                       h2p_source src, const char **emitted)
{
    apr_array_header_t *links = apr_array_make(p, 4, sizeof(h2p_link));
    apr_array_header_t *cands = apr_array_make(p, 4, sizeof(h2p_cand));
    const char *out = "", *em = NULL;
    int i, k = 0;

    h2p_link_parse(p, field, links);
    h2p_cands_add(cands, links, src);
    h2p_policy_decide(p, pol, cands);
    for (i = 0; i < cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        out = apr_pstrcat(p, out, i ? " " : "", h2p_reason_name(c->reason),
                          NULL);
    }
    for (i = 0; i < links->nelts; ++i) {
        const h2p_link *l = &APR_ARRAY_IDX(links, i, h2p_link);
        const h2p_cand *c = NULL;
        const char *v;
        if (k < cands->nelts && APR_ARRAY_IDX(cands, k, h2p_cand).link == l) {
            c = &APR_ARRAY_IDX(cands, k++, h2p_cand);
        }
        if ((v = h2p_link_emit(p, l, c)) != NULL) {
            em = em ? apr_pstrcat(p, em, ", ", v, NULL) : v;
        }
    }
    if (emitted) {
        *emitted = em;
    }
    return out;
}

int main(void)
{
    apr_pool_t *p;
    h2p_policy pol;
    fake f;
    const char *em;

    apr_initialize();
    apr_pool_create(&p, NULL);
    f.diary = h2p_diary_create(p, 4);
    f.lookups = 0;

    /* mod_http2's vectors, decided */
    init(p, &pol, &f, 10);
    CHECK_STR(run(p, &pol, "</006.css>;rel=preload, </006.js>;rel=preloadX",
                  H2P_SRC_LINK, &em), "promised", "006");
    CHECK_STR(em, "</006.css>; rel=preload; as=style, </006.js>; rel=preloadx",
              "006 emitted");
    CHECK_STR(run(p, &pol, "rel=preloadX, </x.js>; rel=preload",
                  H2P_SRC_LINK, &em), "bad-link promised", "bad first");
    CHECK_STR(em, "</x.js>; rel=preload; as=script", "bad first dropped");
    CHECK_STR(run(p, &pol, "</a.js>; rel=preloa", H2P_SRC_LINK, NULL), "",
              "preloa is no candidate");
    CHECK_STR(run(p, &pol, "</p.js>;rel=\"preload\"; nopush", H2P_SRC_LINK,
                  &em), "nopush", "nopush");
    CHECK_STR(em, "</p.js>; nopush; rel=preload", "nopush kept once");

    /* origin, resolution, duplicates, the lookup */
    init(p, &pol, &f, 10);
    CHECK_STR(run(p, &pol, "<//evil.example/x.js>; rel=preload, "
                  "<https://other.example/x.js>; rel=preload, "
                  "<https://EXAMPLE.org:443/y.js>; rel=preload, "
                  "<z.css>; rel=preload; as=style, "
                  "</dir/z.css>; rel=preload, "
                  "</missing.css>; rel=preload, </private/a.css>; rel=preload,"
                  " </big.bin>; rel=preload", H2P_SRC_LINK, &em),
              "not-same-origin not-same-origin promised promised duplicate "
              "not-found forbidden too-large", "mixed");
    CHECK_STR(em, "<//evil.example/x.js>; nopush; rel=preload, "
              "<https://other.example/x.js>; nopush; rel=preload, "
              "</y.js>; rel=preload; as=script, "
              "</dir/z.css>; rel=preload; as=style, "
              "</missing.css>; nopush; rel=preload, "
              "</private/a.css>; nopush; rel=preload, "
              "</big.bin>; nopush; rel=preload", "mixed emitted");

    /* a withheld candidate leaves no trace in the diary */
    init(p, &pol, &f, 10);
    CHECK_STR(run(p, &pol, "</missing.css>; rel=preload", H2P_SRC_LINK, NULL),
              "not-found", "missing again: looked up again, not diary");

    /* the diary: once per connection, across responses */
    init(p, &pol, &f, 10);
    CHECK_STR(run(p, &pol, "</y.js>; rel=preload", H2P_SRC_LINK, &em),
              "diary", "diary");
    CHECK_STR(em, "</y.js>; nopush; rel=preload", "diary emitted");

    /* the limit, and no lookup past it */
    f.diary = h2p_diary_create(p, 16);
    init(p, &pol, &f, 2);
    f.lookups = 0;
    CHECK_STR(run(p, &pol, "</1>; rel=preload, </missing>; rel=preload, "
                  "</2>; rel=preload, </3>; rel=preload, </4>; rel=preload",
                  H2P_SRC_LINK, NULL),
              "promised not-found promised over-limit over-limit", "limit");
    CHECK(f.lookups == 3, "lookups %d, want 3", f.lookups);
    CHECK(pol.remaining == 0, "remaining %d", pol.remaining);
    init(p, &pol, &f, 2);
    CHECK_STR(run(p, &pol, "</3>; rel=preload", H2P_SRC_LINK, NULL),
              "promised", "over-limit did not stay in the diary");

    /* request, client and configuration gates come first */
    init(p, &pol, &f, 10);
    pol.request_ok = 0;
    CHECK_STR(run(p, &pol, "</r1>; rel=preload", H2P_SRC_LINK, NULL),
              "not-eligible-request", "request");
    init(p, &pol, &f, 10);
    pol.mode = H2P_MODE_NONE;
    CHECK_STR(run(p, &pol, "</r2>; rel=preload", H2P_SRC_STATIC, NULL),
              "client-disabled", "client");
    init(p, &pol, &f, 10);
    pol.links_on = 0;
    CHECK_STR(run(p, &pol, "</r3>; rel=preload", H2P_SRC_LINK, NULL),
              "links-off", "links off");
    CHECK_STR(run(p, &pol, "</r3>; rel=preload", H2P_SRC_STATIC, NULL),
              "promised", "links off leaves the static list");

    /* no diary, no lookup */
    init(p, &pol, &f, 10);
    pol.lock = NULL;
    pol.verify = NULL;
    CHECK_STR(run(p, &pol, "</missing.css>; rel=preload, </r3>; rel=preload",
                  H2P_SRC_LINK, NULL), "promised promised", "unchecked");

    /* hints: no diary, nopush is no reason to withhold a hint, as= and
     * crossorigin found from the content type */
    init(p, &pol, &f, 10);
    pol.mode = H2P_MODE_HINT;
    f.diary = h2p_diary_create(p, 4);
    CHECK_STR(run(p, &pol, "</h.css>; rel=preload, </h.woff2>; rel=preload, "
                  "</h.js>; nopush; rel=preload, </h.bin>; rel=preload, "
                  "</missing.css>; rel=preload, </f.woff2>; rel=preload; "
                  "as=font; crossorigin=anonymous", H2P_SRC_STATIC, &em),
              "hinted hinted hinted hinted not-found hinted", "hint mode");
    CHECK_STR(em, "</h.css>; rel=preload; as=style, "
              "</h.woff2>; rel=preload; as=font; crossorigin, "
              "</h.js>; nopush; rel=preload; as=script, "
              "</h.bin>; rel=preload, "
              "</missing.css>; nopush; rel=preload, "
              "</f.woff2>; rel=preload; as=font; crossorigin=anonymous",
              "hint emitted");
    CHECK(h2p_diary_count(f.diary) == 0, "hints left %u diary entries",
          h2p_diary_count(f.diary));
    {
        int cors = 1;
        CHECK_STR(h2p_as_for_type("application/json", &cors), "fetch", "json");
        CHECK(cors == 1, "json is fetched in cors mode");
        CHECK_STR(h2p_as_for_type("TEXT/CSS;charset=utf-8", &cors), "style",
                  "css any case");
        CHECK(cors == 0, "css is no-cors");
        CHECK_STR(h2p_as_for_type("image/webp", &cors), "image", "image");
        CHECK_STR(h2p_as_for_type("text/html", &cors), NULL, "html");
        CHECK_STR(h2p_as_for_type(NULL, &cors), NULL, "no type");
    }

    /* the seen set past its first size: 200 paths, each twice, in hint
     * mode (no diary); and across calls of one response */
    {
        const char *field = "", *want = "", *got;
        int i, hinted = 0, dup = 0;

        init(p, &pol, &f, 1000);
        pol.mode = H2P_MODE_HINT;
        pol.verify = NULL;
        for (i = 0; i < 400; i++) {
            field = apr_psprintf(p, "%s%s</s/%d.css>; rel=preload", field,
                                 i ? ", " : "", i % 200);
            want = apr_pstrcat(p, want, i ? " " : "",
                               i < 200 ? "hinted" : "duplicate", NULL);
        }
        got = run(p, &pol, field, H2P_SRC_LINK, NULL);
        CHECK(!strcmp(got, want), "400 links: 200 hinted, 200 duplicate: "
              "%.300s", got);
        got = run(p, &pol, "</s/7.css>; rel=preload, </s/700.css>; "
                  "rel=preload", H2P_SRC_LINK, NULL);
        CHECK_STR(got, "duplicate hinted", "seen across calls");
        for (i = 0; got[i]; i++) {
            hinted += !strncmp(got + i, "hinted", 6);
            dup += !strncmp(got + i, "duplicate", 9);
        }
        CHECK(hinted == 1 && dup == 1, "counts");
    }

    /* the lock is taken at most twice a call, never left held */
    {
        init(p, &pol, &f, 10);
        f.diary = h2p_diary_create(p, 64);
        f.locked = 0;
        CHECK_STR(run(p, &pol, "</l1.css>; rel=preload, </l2.css>; "
                      "rel=preload, </missing.x>; rel=preload", H2P_SRC_LINK,
                      NULL), "promised promised not-found", "lock run");
        CHECK(f.locked == 4, "lock/unlock twice: %d", f.locked);
        CHECK(h2p_diary_count(f.diary) == 2, "2 recorded, the missing one "
              "not: %u", h2p_diary_count(f.diary));
        f.locked = 0;
        init(p, &pol, &f, 10);
        CHECK_STR(run(p, &pol, "</l1.css>; rel=preload", H2P_SRC_LINK, NULL),
                  "diary", "lock run again");
        CHECK(f.locked == 2, "nothing promised: one lock: %d", f.locked);
    }

    CHECK_STR(h2p_reason_name(H2P_NREASONS), "unknown", "name range");
    /* self-links: the page itself is never pushed or hinted */
    init(p, &pol, &f, 10);
    pol.self_query = "a=1";
    CHECK_STR(run(p, &pol, "<>; rel=preload, <?>; rel=preload, "
                  "<#top>; rel=preload, </dir/page.html>; rel=preload, "
                  "<page.html?a=1>; rel=preload, <page.html?b=2>; rel=preload,"
                  " </dir/page.htm>; rel=preload, </dir/page.html2>; rel=preload,"
                  " </dir/page.html/>; rel=preload", H2P_SRC_LINK, NULL),
              "self self self self self promised promised promised promised",
              "self");

    /* lookups per response are bounded: at 0 the rest are over-limit */
    {
        int budget = 2;

        f.diary = h2p_diary_create(p, 16);
        init(p, &pol, &f, 10);
        pol.lookups = &budget;
        f.lookups = 0;
        CHECK_STR(run(p, &pol, "</missing1>; rel=preload, "
                      "</missing2>; rel=preload, </ok1>; rel=preload",
                      H2P_SRC_LINK, NULL),
                  "not-found not-found over-limit", "lookup budget");
        CHECK(f.lookups == 2 && budget == 0, "lookups %d budget %d",
              f.lookups, budget);
    }

    /* modulepreload: a candidate; pushed as the preload mod_http2 reads,
     * hinted as it came */
    f.diary = h2p_diary_create(p, 16);
    init(p, &pol, &f, 10);
    CHECK_STR(run(p, &pol, "</m.js>; rel=modulepreload", H2P_SRC_LINK, &em),
              "promised", "modulepreload pushed");
    CHECK_STR(em, "</m.js>; rel=preload; as=script; crossorigin",
              "modulepreload as a push");
    init(p, &pol, &f, 10);
    pol.mode = H2P_MODE_HINT;
    CHECK_STR(run(p, &pol, "</m2.js>; rel=modulepreload", H2P_SRC_LINK, &em),
              "hinted", "modulepreload hinted");
    CHECK_STR(em, "</m2.js>; rel=modulepreload", "modulepreload hint, no as=");

    /* client-disabled links go out as they came; duplicates are dropped */
    init(p, &pol, &f, 10);
    pol.mode = H2P_MODE_NONE;
    CHECK_STR(run(p, &pol, "</c.css>;rel=preload", H2P_SRC_LINK, &em),
              "client-disabled", "none");
    CHECK_STR(em, "</c.css>; rel=preload", "client-disabled as it came");
    {
        apr_array_header_t *links = apr_array_make(p, 4, sizeof(h2p_link));
        apr_array_header_t *cands = apr_array_make(p, 4, sizeof(h2p_cand));

        init(p, &pol, &f, 10);
        pol.mode = H2P_MODE_NONE;
        h2p_link_parse(p, "</dir/d.css>; rel=preload, <d.css>; rel=preload, "
                       "</e.css>; rel=preload", links);
        h2p_cands_add(cands, links, H2P_SRC_LINK);
        h2p_policy_decide(p, &pol, cands);
        CHECK(h2p_cands_dedupe(h2p_seen_make(p), cands) == 1, "one dup");
        CHECK(APR_ARRAY_IDX(cands, 1, h2p_cand).reason == H2P_SKIP_DUPLICATE,
              "the second /dir/d.css");
        CHECK(h2p_link_emit(p, APR_ARRAY_IDX(cands, 1, h2p_cand).link,
                            &APR_ARRAY_IDX(cands, 1, h2p_cand)) == NULL,
              "a duplicate is dropped");
    }
    return unit_done("policy");
}
