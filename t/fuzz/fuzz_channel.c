/* Licensed under the Apache License, Version 2.0 */
/*
 * libFuzzer target for src/h2p_channel.c: the publish form parser
 * (h2p_chan_form_parse, both content types), h2p_chan_event_from_form
 * and, for every event it accepts, the ring (put, get back the same
 * bytes) and the SSE text.
 *
 * Input: 1 byte choosing the content type (bit 0: multipart with the
 * boundary "B", else urlencoded), then the body.
 * Any broken invariant aborts:
 *   - every field has a name; an accepted event has >= 1 topic and a
 *     payload; a URL event's path starts with '/' but not "//";
 *   - put/get of an accepted event gives back its payload byte for byte;
 *   - the SSE text has no CR, and no line that starts with anything but
 *     "id: ", "event: ", "data: " or is empty; it is byte for byte what
 *     ref_sse() (the plain byte loop h2p_chan_sse() replaced) makes, for
 *     every topic and for the first topic alone;
 *   - the whole input parsed as a Redis reply (h2p_resp_parse, the
 *     channels' Redis store) takes at most the input's bytes, and the
 *     resumable completeness scan (h2p_resp_scan) says complete exactly
 *     when the parser does, at the same length, whether it is given the
 *     input whole or one more byte at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "h2p_channel.h"
#include "h2p_redis.h"

static apr_pool_t *pool;
static void *ring_mem;

/* The SSE text the simple way: a byte loop, a block per wanted topic. */
static const char *ref_sse(apr_pool_t *p, const h2p_chan_event *ev,
                           const apr_array_header_t *wanted)
{
    const char *s = ev->data, *end = ev->data + ev->len, *out = "";
    char *buf = apr_palloc(p, ev->len * 7 + 8), *o = buf;
    int i, j;

    o += strlen(strcpy(o, "data: "));
    for (; s < end; ++s) {
        if (*s == '\r' || *s == '\n') {
            if (*s == '\r' && s + 1 < end && s[1] == '\n') {
                ++s;
            }
            o += strlen(strcpy(o, "\ndata: "));
        }
        else if (*s) {
            *o++ = *s;
        }
    }
    *o++ = '\n';
    *o = '\0';
    for (i = 0; i < ev->topics->nelts; ++i) {
        const char *t = APR_ARRAY_IDX(ev->topics, i, const char *);
        int want = !wanted || !wanted->nelts;

        for (j = 0; !want && j < wanted->nelts; ++j) {
            want = !strcmp(t, APR_ARRAY_IDX(wanted, j, const char *));
        }
        if (want) {
            out = apr_pstrcat(p, out, "id: ", ev->id, "\nevent: ", t, "\n",
                              buf, "\n", NULL);
        }
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_array_header_t *fields;
    h2p_chan_event ev, got;
    const char *ctype, *err, *sse, *line;
    h2p_chan_ring *ring;
    int i, dropped;

    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
        ring_mem = malloc(h2p_chan_ring_bytes(2, 4096));
    }
    if (size < 1) {
        return 0;
    }
    apr_pool_create(&p, pool);
    {
        h2p_resp *rep;
        apr_size_t used = 0;
        h2p_resp_scan_t sc, sc2;
        int prc = h2p_resp_parse(p, (const char *)data, size, &rep, &used);
        int src, src2 = 0;
        size_t i;

        if (prc == 1 && (used > size || !rep)) {
            abort();
        }
        /* the resumable scan agrees with the parser, whole or byte by
         * byte (the parser's -1 on an incomplete line may come later) */
        sc.depth = -1;
        src = h2p_resp_scan(&sc, (const char *)data, size);
        if ((src == 1) != (prc == 1) || (src == 1 && sc.off != used)) {
            abort();
        }
        sc2.depth = -1;
        for (i = 1; i <= size && src2 == 0; ++i) {
            src2 = h2p_resp_scan(&sc2, (const char *)data, i);
        }
        if (src2 != src || (src == 1 && sc2.off != sc.off)) {
            abort();
        }
    }
    ctype = (data[0] & 1) ? "multipart/form-data; boundary=B"
                          : "application/x-www-form-urlencoded";
    fields = apr_array_make(p, 4, sizeof(h2p_chan_field));
    err = h2p_chan_form_parse(p, ctype, (const char *)data + 1, size - 1,
                              fields);
    for (i = 0; i < fields->nelts; ++i) {
        if (!APR_ARRAY_IDX(fields, i, h2p_chan_field).name) {
            abort();
        }
    }
    if (!err && !h2p_chan_event_from_form(p, fields, &ev)) {
        if (!ev.topics->nelts || !ev.data) {
            abort();
        }
        if (ev.kind == H2P_CHAN_URL
            && (ev.data[0] != '/' || ev.data[1] == '/')) {
            abort();
        }
        ring = h2p_chan_ring_init(ring_mem, 2, 4096);
        ev.channel = "/c";
        if (h2p_chan_ring_put(ring, &ev, 0, &dropped)) {
            if (!h2p_chan_ring_get(ring, 1, p, &got) || got.len != ev.len
                || memcmp(got.data, ev.data, ev.len)) {
                abort();
            }
            sse = h2p_chan_sse(p, &got, NULL);
            if (strchr(sse, '\r') || strcmp(sse, ref_sse(p, &got, NULL))) {
                abort();
            }
            {
                apr_array_header_t *first = apr_array_make(p, 1,
                                                           sizeof(char *));
                APR_ARRAY_PUSH(first, const char *) =
                    APR_ARRAY_IDX(got.topics, 0, const char *);
                if (strcmp(h2p_chan_sse(p, &got, first),
                           ref_sse(p, &got, first))) {
                    abort();
                }
            }
            for (line = sse; *line; line += strcspn(line, "\n") + 1) {
                if (*line != '\n' && strncmp(line, "id: ", 4)
                    && strncmp(line, "event: ", 7)
                    && strncmp(line, "data: ", 6)) {
                    abort();
                }
                if (!line[strcspn(line, "\n")]) {
                    break;
                }
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
