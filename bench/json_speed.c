/* Licensed under the Apache License, Version 2.0 */
/*
 * The speed of src/h2p_json.c against jansson's json_loadb on the same
 * 1 MB document: a generated Hydra collection (API Platform style: many
 * members, each with IRIs, text with escapes, numbers, booleans, arrays
 * of links), with the selectors a Vulcain client would send:
 * /hydra:member/{*}/author and /hydra:member/{*}/reviews/{*}.
 *
 *   json_speed gen FILE       write the document
 *   json_speed h2p|jansson    one run of run_h2p / run_jansson (for
 *                             valgrind --toggle-collect=run_*)
 *   json_speed time           ns/byte of both, best of 30 runs each
 *
 * make -f Makefile.apxs json-speed runs bench/json_speed.sh: the
 * instructions of each under callgrind, the ratio, and the times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <jansson.h>

#include "h2p_json.h"

#define SIZE (1024 * 1024)
#define CHUNK 8192              /* as a bucket brigade brings it */

static char *doc;
static size_t len;
static long found, nmatch;

static void add(const char *s)
{
    size_t n = strlen(s);

    if (len + n < 2 * SIZE) {
        memcpy(doc + len, s, n);
        len += n;
    }
}

static void generate(void)
{
    char b[1024];
    int i = 0;

    doc = malloc(2 * SIZE);
    if (!doc) {
        abort();
    }
    add("{\"@context\":\"/contexts/Book\",\"@id\":\"/books\","
        "\"@type\":\"hydra:Collection\",\"hydra:member\":[");
    while (len < SIZE - 2048) {
        snprintf(b, sizeof(b),
                 "%s\n  {\"@id\":\"/books/%d\",\"@type\":\"Book\","
                 "\"isbn\":\"978%010d\",\"title\":\"The Book of Things, "
                 "volume %d\",\"description\":\"A \\\"classic\\\" "
                 "story about caf\\u00e9s and na\xc3\xafve robots; "
                 "line one.\\nline two, 100%% true \\u2014 part %d.\","
                 "\"author\":\"/authors/%d\",\"publicationDate\":"
                 "\"2019-%02d-%02dT00:00:00+00:00\",\"reviews\":"
                 "[\"/reviews/%d\",\"/reviews/%d\",\"/reviews/%d\"],"
                 "\"price\":%d.%02d,\"rating\":%d,\"weight\":-1.5e-3,"
                 "\"available\":%s,\"discount\":null}",
                 i ? "," : "", i, i * 7919, i % 12 + 1, i % 9,
                 i % 997, i % 12 + 1, i % 28 + 1, 3 * i, 3 * i + 1,
                 3 * i + 2, 5 + i % 40, i % 100, i % 5,
                 i % 3 ? "true" : "false");
        add(b);
        i++;
    }
    snprintf(b, sizeof(b), "],\"hydra:totalItems\":%d,\"hydra:view\":"
             "{\"@id\":\"/books?page=1\",\"hydra:next\":\"/books?page=2\"}}",
             i);
    add(b);
}

static void on_match(void *baton, int sel, int depth, const char *v,
                     apr_size_t n)
{
    (void)baton;
    (void)v;
    found += sel + depth + (long)n;
    nmatch++;
}

static const char *sels[] = { "/hydra:member/*/author",
                              "/hydra:member/*/reviews/*" };

__attribute__((noinline)) int run_h2p(apr_pool_t *p, const h2p_jsel *s)
{
    h2p_json *j = h2p_json_create(p, s, 512, 2048, on_match, NULL);
    size_t at, n;

    for (at = 0; at < len; at += n) {
        n = len - at < CHUNK ? len - at : CHUNK;
        if (h2p_json_feed(j, doc + at, n) != H2P_JSON_OK) {
            return -1;
        }
    }
    return h2p_json_finish(j);
}

__attribute__((noinline)) int run_jansson(void)
{
    json_error_t e;
    json_t *r = json_loadb(doc, len, 0, &e);

    if (!r) {
        fprintf(stderr, "jansson: %s\n", e.text);
        return -1;
    }
    json_decref(r);
    return 0;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    const char *err;
    h2p_jsel *s;
    int rc = 0, i;

    if (argc != 2 && !(argc == 3 && !strcmp(argv[1], "gen"))) {
        fprintf(stderr, "usage: %s gen FILE | h2p | jansson | time\n",
                argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    s = h2p_jsel_compile(p, sels, 2, &err);
    generate();
    if (!strcmp(argv[1], "gen")) {
        FILE *f = fopen(argv[2], "wb");

        if (!f || fwrite(doc, 1, len, f) != len || fclose(f)) {
            return 1;
        }
    }
    else if (!strcmp(argv[1], "h2p")) {
        rc = run_h2p(p, s);
    }
    else if (!strcmp(argv[1], "jansson")) {
        rc = run_jansson();
    }
    else {
        double best_h = 1e30, best_j = 1e30, t;

        for (i = 0; i < 30; i++) {
            t = now();
            rc |= run_h2p(p, s);
            t = now() - t;
            best_h = t < best_h ? t : best_h;
            t = now();
            rc |= run_jansson();
            t = now() - t;
            best_j = t < best_j ? t : best_j;
        }
        printf("bytes %lu\nmatches %ld\nh2p_json ns/byte %.3f\njansson ns/byte %.3f\n"
               "time ratio (jansson / h2p_json) %.2f\n", (unsigned long)len,
               nmatch / 30,
               best_h / len, best_j / len, best_j / best_h);
    }
    if (rc) {
        fprintf(stderr, "json_speed: parse failed\n");
        return 1;
    }
    return 0;
}
