/* Licensed under the Apache License, Version 2.0 */
/*
 * decide_cost: the per-response work of mod_h2push's decision on a
 * response carrying 10 preload Link header lines, to a push client, done
 * the way mod_h2push.c does it (decide_response(), decide(),
 * rewrite_lines(), diary_claim()), outside httpd so that callgrind can
 * count its instructions:
 *
 *   - collect: each Link line parsed (h2p_link_parse) into its own array,
 *     candidates appended (h2p_cands_add);
 *   - decide: a policy like init_policy() builds (https, the request's
 *     authority and path, eligible, push mode, H2PushLinks on, H2PushMax
 *     10, a "seen" hash) with the diary claim/release callbacks of
 *     mod_h2push.c (a mutex around h2p_diary_add/remove on the 64-bit key
 *     of "scheme://authority/path", the diary created on first use);
 *     h2p_policy_decide(); then decide()'s bookkeeping per candidate
 *     (an atomic counter per reason, the promised paths string, the two
 *     subprocess_env variables);
 *   - emit: rewrite_lines(): the Link lines taken out of headers_out and
 *     put back, each link-value through h2p_link_emit().
 *
 * Not included: the lookup (H2PushVerify's verify callback is an httpd
 * subrequest: translate, map-to-storage, access and auth hooks, a stat;
 * no verify callback is set here), the debug log (off at the default
 * LogLevel), learning (a socache store under a global mutex), and httpd's
 * own per-request work (the request pool, the header table).
 *
 *   decide_cost N first    N responses, each the first of its connection
 *                          (a new diary; all 10 promised and recorded)
 *   decide_cost N repeat   N responses on one connection (after the first,
 *                          all 10 found in the diary: sent with nopush)
 *   decide_cost N harness  the loop alone (headers table copied, tables
 *                          made, pool cleared) without the decision: the
 *                          harness's own share of a response
 *   decide_cost bytes      prints h2p_diary_bytes(256) and per entry
 *
 * The caller subtracts a run with N = 0 (same mode) and divides by N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_atomic.h>
#include <apr_thread_mutex.h>

#include "h2p_link.h"
#include "h2p_diary.h"
#include "h2p_policy.h"

#define DIARY_ENTRIES 256

static const char * const link_lines[10] = {
    "</s/1.css>; rel=preload; as=style",
    "</s/2.css>; rel=preload; as=style",
    "</s/3.css>; rel=preload; as=style",
    "</s/4.css>; rel=preload; as=style",
    "</s/1.js>; rel=preload; as=script",
    "</s/2.js>; rel=preload; as=script",
    "</s/3.js>; rel=preload; as=script",
    "</s/4.js>; rel=preload; as=script",
    "</fonts/a.woff2>; rel=preload; as=font; crossorigin",
    "</img/hero.jpg>; rel=preload; as=image",
};

/* the connection: as h2p_conn in mod_h2push.c */
typedef struct {
    apr_thread_mutex_t *mutex;
    apr_pool_t *pool;
    h2p_diary *diary;
} conn_t;

/* the request: the parts of h2p_req decide() uses */
typedef struct {
    conn_t *conn;
    int promised;
    const char *paths;
    apr_hash_t *seen;
    int remaining;
} req_t;

static volatile apr_uint64_t stats[H2P_NREASONS + 1];

static int diary_claim(void *baton, const char *key)
{
    req_t *rq = baton;
    conn_t *hc = rq->conn;
    int had = 0;

    apr_thread_mutex_lock(hc->mutex);
    if (!hc->diary
        && apr_pool_create_unmanaged_ex(&hc->pool, NULL, NULL)
           == APR_SUCCESS) {
        hc->diary = h2p_diary_create(hc->pool, DIARY_ENTRIES);
    }
    if (hc->diary) {
        had = h2p_diary_add(hc->diary, h2p_diary_key(key, strlen(key)));
    }
    apr_thread_mutex_unlock(hc->mutex);
    return had;
}

static void diary_release(void *baton, const char *key)
{
    conn_t *hc = ((req_t *)baton)->conn;

    apr_thread_mutex_lock(hc->mutex);
    if (hc->diary) {
        h2p_diary_remove(hc->diary, h2p_diary_key(key, strlen(key)));
    }
    apr_thread_mutex_unlock(hc->mutex);
}

typedef struct {
    apr_table_t *table;
    apr_array_header_t *links;
} line_t;

typedef struct {
    apr_pool_t *pool;
    apr_table_t *table;
    apr_array_header_t *lines;
    apr_array_header_t *cands;
} collect_t;

static int collect_line(void *baton, const char *key, const char *value)
{
    collect_t *col = baton;
    line_t *line = apr_array_push(col->lines);

    (void)key;
    line->table = col->table;
    line->links = apr_array_make(col->pool, 2, sizeof(h2p_link));
    h2p_link_parse(col->pool, value, line->links);
    h2p_cands_add(col->cands, line->links, H2P_SRC_LINK);
    return 1;
}

static void rewrite_lines(apr_pool_t *p, apr_table_t *headers_out,
                          apr_table_t *err_headers_out,
                          apr_array_header_t *lines,
                          apr_array_header_t *cands)
{
    int i, j, k = 0;

    apr_table_unset(headers_out, "Link");
    apr_table_unset(err_headers_out, "Link");
    for (i = 0; i < lines->nelts; ++i) {
        const line_t *line = &APR_ARRAY_IDX(lines, i, line_t);
        const char *out = NULL;

        for (j = 0; j < line->links->nelts; ++j) {
            const h2p_link *l = &APR_ARRAY_IDX(line->links, j, h2p_link);
            const h2p_cand *c = NULL;
            const char *v;

            if (k < cands->nelts && APR_ARRAY_IDX(cands, k, h2p_cand).link
                                    == l) {
                c = &APR_ARRAY_IDX(cands, k++, h2p_cand);
            }
            if ((v = h2p_link_emit(p, l, c)) != NULL) {
                out = out ? apr_pstrcat(p, out, ", ", v, NULL) : v;
            }
        }
        if (out) {
            apr_table_addn(line->table, "Link", out);
        }
    }
}

/* One response: what mod_h2push.c's output filter does with its headers. */
static int one_response(apr_pool_t *p, conn_t *conn, apr_table_t *headers_out,
                        apr_table_t *err_headers_out, apr_table_t *env)
{
    collect_t col;
    h2p_policy pol;
    req_t rq;
    int i, n;

    memset(&rq, 0, sizeof(rq));
    rq.conn = conn;
    rq.paths = "";
    rq.seen = apr_hash_make(p);
    rq.remaining = 10;

    col.pool = p;
    col.lines = apr_array_make(p, 4, sizeof(line_t));
    col.cands = apr_array_make(p, 8, sizeof(h2p_cand));
    col.table = headers_out;
    apr_table_do(collect_line, &col, headers_out, "Link", NULL);
    col.table = err_headers_out;
    apr_table_do(collect_line, &col, err_headers_out, "Link", NULL);

    /* init_policy() */
    memset(&pol, 0, sizeof(pol));
    pol.scheme = "https";
    pol.authority = "www.example.org";
    pol.base_path = "/shop/index.html";
    pol.request_ok = 1;
    pol.mode = H2P_MODE_PUSH;
    pol.links_on = 1;
    pol.remaining = rq.remaining;
    pol.seen = rq.seen;
    pol.claim = diary_claim;
    pol.release = diary_release;
    pol.verify = NULL;          /* an httpd subrequest: not measured here */
    pol.baton = &rq;

    /* decide() */
    n = h2p_policy_decide(p, &pol, col.cands);
    rq.remaining = pol.remaining;
    apr_atomic_add64(&stats[H2P_NREASONS], (apr_uint64_t)col.cands->nelts);
    for (i = 0; i < col.cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(col.cands, i, h2p_cand);

        apr_atomic_inc64(&stats[c->reason]);
        if (c->reason == H2P_PROMISED) {
            rq.promised++;
            rq.paths = *rq.paths ? apr_pstrcat(p, rq.paths, " ", c->path,
                                               NULL)
                                 : c->path;
        }
    }
    apr_table_setn(env, "H2PUSH_PROMISED", apr_itoa(p, rq.promised));
    apr_table_setn(env, "H2PUSH_PATHS", rq.paths);

    rewrite_lines(p, headers_out, err_headers_out, col.lines, col.cands);
    return n;
}

int main(int argc, char **argv)
{
    apr_pool_t *root, *p;
    apr_table_t *proto;
    conn_t conn;
    long i, n;
    int repeat, harness, total = 0, j;

    if (argc == 2 && !strcmp(argv[1], "bytes")) {
        printf("%lu %.2f\n", (unsigned long)h2p_diary_bytes(DIARY_ENTRIES),
               (double)h2p_diary_bytes(DIARY_ENTRIES) / DIARY_ENTRIES);
        return 0;
    }
    if (argc != 3 || (strcmp(argv[2], "first") && strcmp(argv[2], "repeat")
                      && strcmp(argv[2], "harness"))) {
        fprintf(stderr, "usage: decide_cost N first|repeat|harness"
                        " | decide_cost bytes\n");
        return 2;
    }
    n = atol(argv[1]);
    repeat = !strcmp(argv[2], "repeat");
    harness = !strcmp(argv[2], "harness");
    apr_initialize();
    apr_pool_create(&root, NULL);
    apr_pool_create(&p, root);
    memset(&conn, 0, sizeof(conn));
    apr_thread_mutex_create(&conn.mutex, APR_THREAD_MUTEX_DEFAULT, root);

    /* the response headers as a backend sends them */
    proto = apr_table_make(root, 16);
    apr_table_setn(proto, "Content-Type", "text/html; charset=utf-8");
    apr_table_setn(proto, "Cache-Control", "no-cache");
    for (j = 0; j < 10; ++j) {
        apr_table_addn(proto, "Link", link_lines[j]);
    }
    apr_table_setn(proto, "Vary", "Accept-Encoding");

    for (i = 0; i < n; ++i) {
        apr_table_t *hout = apr_table_copy(p, proto);
        apr_table_t *eout = apr_table_make(p, 2);
        apr_table_t *env = apr_table_make(p, 8);

        if (!repeat && conn.diary) {
            apr_pool_destroy(conn.pool);     /* the connection closed */
            conn.pool = NULL;
            conn.diary = NULL;
        }
        if (harness) {
            apr_pool_clear(p);
            continue;
        }
        total += one_response(p, &conn, hout, eout, env);
        if (i == 0 || i == n - 1) {
            fprintf(stderr, "response %ld: %d promised; Link lines now:\n",
                    i + 1, total);
            for (j = 0; j < apr_table_elts(hout)->nelts; ++j) {
                const apr_table_entry_t *e =
                    &APR_ARRAY_IDX(apr_table_elts(hout), j, apr_table_entry_t);
                if (!strcmp(e->key, "Link")) {
                    fprintf(stderr, "  Link: %s\n", e->val);
                }
            }
        }
        apr_pool_clear(p);
    }
    printf("responses %ld promised %d\n", n, total);
    if (conn.pool) {
        apr_pool_destroy(conn.pool);
    }
    apr_pool_destroy(root);
    apr_terminate();
    return 0;
}
