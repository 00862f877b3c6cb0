/* Licensed under the Apache License, Version 2.0 */
/*
 * decide_cost: the per-response work of mod_h2push's decision on a
 * response carrying 10 preload Link header lines, to a push client, done
 * the way mod_h2push.c does it (decide_response(), init_policy(),
 * decide(), diary_lock()), outside httpd so that callgrind can count its
 * instructions:
 *
 *   - collect: h2p_lines_collect() on headers_out and err_headers_out:
 *     each Link line parsed (h2p_link_parse), candidates appended;
 *   - decide: a policy like init_policy() builds (https, the request's
 *     authority and path, eligible, push mode, H2PushLinks on, H2PushMax
 *     10, a "seen" set) with the diary lock of mod_h2push.c (a mutex; the
 *     diary created on first use); h2p_policy_decide(); then decide()'s
 *     bookkeeping (an atomic counter per reason, the promised paths
 *     string, the three subprocess_env variables H2PUSH_PROMISED,
 *     H2PUSH_HINTED and H2PUSH_PATHS);
 *   - emit: h2p_lines_emit(): the Link lines put back as decided, each
 *     link-value through h2p_link_emit().
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
#include "h2p_lines.h"

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
    h2p_seen *seen;
    int remaining;
} req_t;

static volatile apr_uint64_t stats[H2P_NREASONS + 1];

/* mod_h2push.c's diary_lock() and diary_unlock() */
static h2p_diary *diary_lock(void *baton)
{
    conn_t *hc = ((req_t *)baton)->conn;

    apr_thread_mutex_lock(hc->mutex);
    if (!hc->diary
        && apr_pool_create_unmanaged_ex(&hc->pool, NULL, NULL)
           == APR_SUCCESS) {
        hc->diary = h2p_diary_create(hc->pool, DIARY_ENTRIES);
    }
    return hc->diary;
}

static void diary_unlock(void *baton)
{
    apr_thread_mutex_unlock(((req_t *)baton)->conn->mutex);
}

/* One response: what mod_h2push.c's output filter does with its headers
 * (decide_response(), init_policy(), decide()). */
static int one_response(apr_pool_t *p, conn_t *conn, apr_table_t *headers_out,
                        apr_table_t *err_headers_out, apr_table_t *env)
{
    apr_array_header_t *cands = apr_array_make(p, 16, sizeof(h2p_cand));
    h2p_lines *lines;
    h2p_policy pol;
    req_t rq;
    int i, n;

    memset(&rq, 0, sizeof(rq));
    rq.conn = conn;
    rq.paths = "";
    rq.remaining = 10;

    lines = h2p_lines_collect(p, headers_out, err_headers_out, cands);

    /* init_policy() */
    memset(&pol, 0, sizeof(pol));
    pol.scheme = "https";
    pol.authority = "www.example.org";
    pol.base_path = "/shop/index.html";
    pol.request_ok = 1;
    pol.mode = H2P_MODE_PUSH;
    pol.links_on = 1;
    pol.remaining = rq.remaining;
    rq.seen = h2p_seen_make(p);
    pol.seen = rq.seen;
    pol.lock = diary_lock;
    pol.unlock = diary_unlock;
    pol.verify = NULL;          /* an httpd subrequest: not measured here */
    pol.baton = &rq;

    /* decide() */
    n = h2p_policy_decide(p, &pol, cands);
    rq.remaining = pol.remaining;
    apr_atomic_add64(&stats[H2P_NREASONS], (apr_uint64_t)cands->nelts);
    for (i = 0; i < cands->nelts; ++i) {
        const h2p_cand *c = &APR_ARRAY_IDX(cands, i, h2p_cand);

        apr_atomic_inc64(&stats[c->reason]);
        rq.promised += c->reason == H2P_PROMISED;
    }
    rq.paths = h2p_cands_paths(p, cands, rq.paths);
    apr_table_setn(env, "H2PUSH_PROMISED", apr_itoa(p, rq.promised));
    {   /* hinted so far for this request: this decision's added */
        const char *was = apr_table_get(env, "H2PUSH_HINTED");
        int hinted = was ? atoi(was) : 0;

        for (i = 0; i < cands->nelts; ++i) {
            hinted += APR_ARRAY_IDX(cands, i, h2p_cand).reason == H2P_HINTED;
        }
        apr_table_setn(env, "H2PUSH_HINTED", apr_itoa(p, hinted));
    }
    apr_table_setn(env, "H2PUSH_PATHS", rq.paths);

    h2p_lines_emit(p, lines, cands);
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
