/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_lines.c: Link header lines of real APR tables
 * taken apart and put back as decided. */
#include <apr_general.h>
#include <apr_strings.h>
#include "unit.h"
#include "h2p_lines.h"

static apr_pool_t *pool;

/* The headers of t, "Key: value" a line, in order. */
static const char *dump(apr_table_t *t)
{
    const apr_array_header_t *a = apr_table_elts(t);
    const char *out = "";
    int i;

    for (i = 0; i < a->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(a, i, apr_table_entry_t);
        out = apr_pstrcat(pool, out, e->key, ": ", e->val, "\n", NULL);
    }
    return out;
}

/* Mark the candidates: the first 'promised' promised, the rest skipped
 * as over-limit (a withheld reason); the path is the target. */
static void decide(apr_array_header_t *cands, int promised)
{
    int i;

    for (i = 0; i < cands->nelts; i++) {
        h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        c->path = c->link->target;
        c->reason = c->link->bad ? H2P_SKIP_BADLINK
                    : i < promised ? H2P_PROMISED : H2P_SKIP_OVERLIMIT;
    }
}

static void test_none(void)
{
    apr_table_t *t = apr_table_make(pool, 4);
    apr_array_header_t *cands = apr_array_make(pool, 4, sizeof(h2p_cand));

    apr_table_setn(t, "Content-Type", "text/html");
    apr_table_setn(t, "Linked", "</x>; rel=preload");
    CHECK(h2p_lines_collect(pool, t, NULL, cands) == NULL, "no Link line");
    CHECK(cands->nelts == 0, "no candidate");
    h2p_lines_emit(pool, NULL, cands);
    CHECK_STR(dump(t), "Content-Type: text/html\n"
              "Linked: </x>; rel=preload\n", "untouched");
}

/* One link-value a line: rewritten where each stands, any case of name */
static void test_in_place(void)
{
    apr_table_t *t = apr_table_make(pool, 4), *e = apr_table_make(pool, 2);
    apr_array_header_t *cands = apr_array_make(pool, 4, sizeof(h2p_cand));
    h2p_lines *ls;

    apr_table_addn(t, "link", "</a.css>; rel=preload; as=style");
    apr_table_setn(t, "Vary", "Accept");
    apr_table_addn(t, "LINK", "</b.js>;rel=preload");
    apr_table_addn(e, "Link", "</n.html>; rel=next");
    ls = h2p_lines_collect(pool, t, e, cands);
    CHECK(ls != NULL && cands->nelts == 2, "2 candidates of 3 links: %d",
          cands->nelts);
    decide(cands, 1);
    h2p_lines_emit(pool, ls, cands);
    CHECK_STR(dump(t), "link: </a.css>; rel=preload; as=style\n"
              "Vary: Accept\n"
              "LINK: </b.js>; nopush; rel=preload\n", "in place");
    CHECK_STR(dump(e), "Link: </n.html>; rel=next\n", "err_headers_out");
    CHECK_STR(apr_table_get(t, "Link"), "</a.css>; rel=preload; as=style",
              "the table still finds it");
}

/* Several link-values in a line, a malformed one: each its own header,
 * in order, in its table; the malformed dropped */
static void test_split(void)
{
    apr_table_t *t = apr_table_make(pool, 4), *e = apr_table_make(pool, 2);
    apr_array_header_t *cands = apr_array_make(pool, 4, sizeof(h2p_cand));
    h2p_lines *ls;

    apr_table_addn(t, "Link", "</1.css>; rel=preload, garbage, "
                   "</2.css>; rel=preload");
    apr_table_setn(t, "Server", "x");
    apr_table_addn(t, "Link", "</3.css>; rel=preload");
    apr_table_addn(e, "Link", "</4.css>; rel=preload, </n>; rel=next");
    ls = h2p_lines_collect(pool, t, e, cands);
    CHECK(cands->nelts == 5, "5 candidates: %d", cands->nelts);
    decide(cands, 3);
    h2p_lines_emit(pool, ls, cands);
    CHECK_STR(dump(t), "Server: x\n"
              "Link: </1.css>; rel=preload\n"
              "Link: </2.css>; rel=preload\n"
              "Link: </3.css>; nopush; rel=preload\n", "split");
    CHECK_STR(dump(e), "Link: </4.css>; nopush; rel=preload\n"
              "Link: </n>; rel=next\n", "split err_headers_out");
}

/* Many lines and values: candidates keep pointing at their links */
static void test_many(void)
{
    apr_table_t *t = apr_table_make(pool, 4);
    apr_array_header_t *cands = apr_array_make(pool, 4, sizeof(h2p_cand));
    const apr_array_header_t *a;
    h2p_lines *ls;
    int i, ok = 1;

    for (i = 0; i < 300; i++) {
        apr_table_addn(t, "Link", apr_psprintf(pool, "</%d.css>; rel=preload"
                                               ", </%d.js>; rel=preload",
                                               i, i));
    }
    ls = h2p_lines_collect(pool, t, NULL, cands);
    CHECK(cands->nelts == 600, "600 candidates: %d", cands->nelts);
    for (i = 0; i < cands->nelts; i++) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);
        ok &= !strcmp(c->link->target,
                      apr_psprintf(pool, "/%d.%s", i / 2,
                                   i % 2 ? "js" : "css"));
    }
    CHECK(ok, "targets in order");
    decide(cands, 600);
    h2p_lines_emit(pool, ls, cands);
    a = apr_table_elts(t);
    CHECK(a->nelts == 600, "600 lines: %d", a->nelts);
    CHECK_STR(APR_ARRAY_IDX(a, 599, apr_table_entry_t).val,
              "</299.js>; rel=preload", "last");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_none();
    test_in_place();
    test_split();
    test_many();

    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("lines");
}
