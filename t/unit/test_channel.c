/* Licensed under the Apache License, Version 2.0 */
/* Unit tests of src/h2p_channel.c: the event ring, topics, the publish
 * form parser, SSE text, ids, intervals, paths. */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_atomic.h>

#include "h2p_channel.h"
#include "h2p_redis.h"
#include "unit.h"

static apr_pool_t *pool;

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(pool, 2, sizeof(const char *));

    if (a) {
        APR_ARRAY_PUSH(arr, const char *) = a;
    }
    if (b) {
        APR_ARRAY_PUSH(arr, const char *) = b;
    }
    return arr;
}

static h2p_chan_event data_event(const char *channel, const char *topic,
                                 const char *data, const char *id)
{
    h2p_chan_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = H2P_CHAN_DATA;
    ev.channel = channel;
    ev.topics = list(topic, NULL);
    ev.data = data;
    ev.len = strlen(data);
    ev.id = id;
    return ev;
}

static void test_ring(void)
{
    apr_size_t bytes = h2p_chan_ring_bytes(4, 16);
    void *mem = calloc(1, bytes);
    h2p_chan_ring *ring;
    h2p_chan_event ev, got;
    int dropped, i;
    apr_uint64_t seq;

    CHECK(bytes > 4 * 16, "bytes %lu", (unsigned long)bytes);
    CHECK(h2p_chan_ring_bytes(0, 16) == 0, "0 slots");
    CHECK(h2p_chan_ring_bytes(0xffffffffu, 0xffffffffu) == 0
          || sizeof(apr_size_t) > 4, "overflow");
    ring = h2p_chan_ring_init(mem, 4, 16);
    CHECK(h2p_chan_ring_fits(mem, 4, 16), "fits");
    CHECK(!h2p_chan_ring_fits(mem, 5, 16), "other shape");
    CHECK(h2p_chan_ring_oldest(ring) == 1, "empty oldest");
    CHECK(!h2p_chan_ring_get(ring, 1, pool, &got), "empty get");

    ev = data_event("/updates", "news", "hello", NULL);
    seq = h2p_chan_ring_put(ring, &ev, 42, &dropped);
    CHECK(seq == 1 && !dropped, "first put %lu", (unsigned long)seq);
    CHECK(h2p_chan_ring_get(ring, 1, pool, &got), "get 1");
    CHECK_STR(got.id, "1", "assigned id");
    CHECK_STR(got.data, "hello", "payload");
    CHECK_STR(got.channel, "/updates", "channel");
    CHECK(got.topics->nelts == 1, "topics");
    CHECK(got.type == NULL, "no type");
    CHECK(got.time == 42, "time");

    ev = data_event("/updates", "news", "0123456789abcdefX", NULL);
    CHECK(h2p_chan_ring_put(ring, &ev, 0, &dropped) == 0, "too long");
    ev = data_event("/updates", "news", "x", "bad id");
    CHECK(h2p_chan_ring_put(ring, &ev, 0, &dropped) == 0, "bad id");
    CHECK(ring->seq == 1, "nothing stored");

    ev = data_event("/updates", "sports", "0123456789abcdef", "goal-1");
    ev.type = "application/json";
    CHECK(h2p_chan_ring_put(ring, &ev, 0, &dropped) == 2, "full size");
    CHECK(h2p_chan_ring_find(ring, "/updates", "goal-1") == 2, "find");
    CHECK(h2p_chan_ring_find(ring, "/other", "goal-1") == 0, "find channel");
    CHECK(h2p_chan_ring_find(ring, "/updates", "1") == 1, "find 1");
    CHECK(h2p_chan_ring_get(ring, 2, pool, &got), "get 2");
    CHECK_STR(got.type, "application/json", "type");
    CHECK(got.len == 16, "len");

    for (i = 0; i < 3; ++i) {
        ev = data_event("/updates", "news", "more", NULL);
        seq = h2p_chan_ring_put(ring, &ev, 0, &dropped);
        CHECK(dropped == (i >= 2), "dropped at %d", i);
    }
    CHECK(seq == 5, "seq 5");
    CHECK(h2p_chan_ring_oldest(ring) == 2, "oldest 2");
    CHECK(!h2p_chan_ring_get(ring, 1, pool, &got), "1 left");
    CHECK(h2p_chan_ring_find(ring, "/updates", "1") == 0, "1 not found");
    CHECK(h2p_chan_ring_get(ring, 5, pool, &got), "5 held");
    CHECK_STR(got.id, "5", "id 5");
    CHECK(!h2p_chan_ring_get(ring, 6, pool, &got), "6 not yet");

    /* re-laying keeps nothing */
    ring = h2p_chan_ring_init(mem, 4, 16);
    CHECK(ring->seq == 0 && !h2p_chan_ring_get(ring, 5, pool, &got),
          "init empties");
    free(mem);
}

static void test_many_topics(void)
{
    apr_size_t bytes = h2p_chan_ring_bytes(2, 8);
    void *mem = calloc(1, bytes);
    h2p_chan_ring *ring = h2p_chan_ring_init(mem, 2, 8);
    h2p_chan_event ev = data_event("/c", "a", "x", NULL), got;
    int dropped, i;

    ev.topics = list("a", "b");
    CHECK(h2p_chan_ring_put(ring, &ev, 0, &dropped) == 1, "two topics");
    CHECK(h2p_chan_ring_get(ring, 1, pool, &got) && got.topics->nelts == 2,
          "two back");
    CHECK_STR(APR_ARRAY_IDX(got.topics, 1, const char *), "b", "second");
    ev.topics = apr_array_make(pool, 8, sizeof(const char *));
    for (i = 0; i < 12; ++i) {
        APR_ARRAY_PUSH(ev.topics, const char *) =
            apr_pstrcat(pool, "topic-", apr_itoa(pool, i),
                        "-0123456789012345678901234567890123456789", NULL);
    }
    CHECK(h2p_chan_ring_put(ring, &ev, 0, &dropped) == 0, "topics too long");
    free(mem);
}

static void test_wait(void)
{
    apr_size_t bytes = h2p_chan_ring_bytes(1, 1);
    void *mem = calloc(1, bytes);
    h2p_chan_ring *ring = h2p_chan_ring_init(mem, 1, 1);
    apr_time_t t0 = apr_time_now();
    apr_uint32_t seen = ring->wake;

    h2p_chan_wait(ring, seen, apr_time_from_msec(50));
    CHECK(apr_time_now() - t0 >= apr_time_from_msec(40), "timed out");
    h2p_chan_wake(ring);
    CHECK(ring->wake == seen + 1, "woken");
    t0 = apr_time_now();
    h2p_chan_wait(ring, seen, apr_time_from_sec(5));
    CHECK(apr_time_now() - t0 < apr_time_from_sec(1), "changed: no wait");
    free(mem);
}

/* Readers without a lock while a writer overwrites the slots (the
 * seqlock): every copy a reader keeps is one whole event, never parts of
 * two. Event k: id "e<k>", topic "t<k>", k % 60 + 1 bytes of k % 10. */
#define RACE_EVENTS 200000
#define RACE_SLOTS  4

typedef struct {
    h2p_chan_ring *ring;
    volatile int done;          /* set once the writer is joined */
    long kept, torn, wrong;     /* a reader's, read once it is joined */
} race_t;

static volatile apr_uint32_t race_readers;  /* readers running */

static void *APR_THREAD_FUNC race_writer(apr_thread_t *t, void *data)
{
    race_t *rc = data;
    char id[32], topic[32], payload[64];
    const char *topics[1];
    apr_array_header_t arr;
    h2p_chan_event ev;
    int k, dropped;

    memset(&arr, 0, sizeof(arr));
    arr.elts = (char *)topics;
    arr.elt_size = sizeof(const char *);
    arr.nelts = arr.nalloc = 1;
    topics[0] = topic;
    while (apr_atomic_read32(&race_readers) < 2) {
        apr_thread_yield();     /* the puts race readers already reading */
    }
    for (k = 1; k <= RACE_EVENTS; ++k) {
        memset(&ev, 0, sizeof(ev));
        apr_snprintf(id, sizeof(id), "e%d", k);
        apr_snprintf(topic, sizeof(topic), "t%d", k);
        memset(payload, '0' + k % 10, sizeof(payload));
        ev.kind = H2P_CHAN_DATA;
        ev.channel = "/c";
        ev.id = id;
        ev.topics = &arr;
        ev.data = payload;
        ev.len = k % 60 + 1;
        h2p_chan_ring_put(rc->ring, &ev, 0, &dropped);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void *APR_THREAD_FUNC race_reader(apr_thread_t *t, void *data)
{
    race_t *rc = data;
    apr_pool_t *p;
    long kept = 0, torn = 0, wrong = 0;

    apr_pool_create(&p, NULL);
    apr_atomic_inc32(&race_readers);
    while (!rc->done) {
        apr_uint64_t last = h2p_chan_ring_last(rc->ring), seq;

        for (seq = last > RACE_SLOTS ? last - RACE_SLOTS + 1 : 1;
             seq <= last; ++seq) {
            h2p_chan_event ev;
            char want[32];
            apr_size_t i, n = (apr_size_t)(seq % 60 + 1);
            int ok;

            if (!h2p_chan_ring_get(rc->ring, seq, p, &ev)) {
                torn++;
                continue;
            }
            kept++;
            apr_snprintf(want, sizeof(want), "e%lu", (unsigned long)seq);
            ok = !strcmp(ev.id, want) && ev.len == n
                 && ev.topics->nelts == 1 && !strcmp(ev.channel, "/c");
            apr_snprintf(want, sizeof(want), "t%lu", (unsigned long)seq);
            ok = ok && !strcmp(APR_ARRAY_IDX(ev.topics, 0, const char *),
                               want);
            for (i = 0; ok && i < n; ++i) {
                ok = ev.data[i] == '0' + (int)(seq % 10);
            }
            wrong += !ok;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    rc->kept = kept;                    /* read once joined */
    rc->torn = torn;
    rc->wrong = wrong;
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_race(void)
{
    apr_size_t bytes = h2p_chan_ring_bytes(RACE_SLOTS, 64);
    void *mem = calloc(1, bytes);
    race_t rc[2], all;
    apr_thread_t *w, *r[2];
    apr_status_t st;
    int i;

    memset(&all, 0, sizeof(all));
    all.ring = h2p_chan_ring_init(mem, RACE_SLOTS, 64);
    for (i = 0; i < 2; ++i) {
        rc[i] = all;
        apr_thread_create(&r[i], NULL, race_reader, &rc[i], pool);
    }
    apr_thread_create(&w, NULL, race_writer, &all, pool);
    apr_thread_join(&st, w);
    for (i = 0; i < 2; ++i) {
        rc[i].done = 1;
        apr_thread_join(&st, r[i]);
        all.kept += rc[i].kept;
        all.torn += rc[i].torn;
        all.wrong += rc[i].wrong;
    }
    CHECK(all.wrong == 0, "%ld of %ld copies mixed two events (%ld thrown "
          "away as torn)", all.wrong, all.kept, all.torn);
    CHECK(all.kept > 1000, "readers kept %ld copies", all.kept);
    CHECK(h2p_chan_ring_last(all.ring) == RACE_EVENTS, "last %lu",
          (unsigned long)h2p_chan_ring_last(all.ring));
    printf("race: %ld copies kept, %ld thrown away as torn\n",
            all.kept, all.torn);
    free(mem);
}

static void test_topics(void)
{
    CHECK(h2p_chan_topic_match(list("news", NULL), NULL), "no filter");
    CHECK(h2p_chan_topic_match(list("news", NULL), list(NULL, NULL)),
          "empty filter");
    CHECK(h2p_chan_topic_match(list("news", "x"), list("sports", "x")),
          "one of");
    CHECK(!h2p_chan_topic_match(list("news", NULL), list("sports", NULL)),
          "other");
    CHECK(!h2p_chan_topic_match(list("news", NULL), list("News", NULL)),
          "case");
    CHECK(h2p_chan_topic_ok("a b/c:d"), "topic ok");
    CHECK(!h2p_chan_topic_ok(""), "empty topic");
    CHECK(!h2p_chan_topic_ok("a\nb"), "newline topic");
    CHECK(h2p_chan_id_ok("abc-1.2_~"), "id ok");
    CHECK(!h2p_chan_id_ok(""), "empty id");
    CHECK(!h2p_chan_id_ok("a/b"), "slash id");
    CHECK(!h2p_chan_id_ok("a b"), "space id");
    CHECK(!h2p_chan_id_ok("0123456789012345678901234567890123456789"
                          "01234567890123456789012345"), "long id");
}

static const char *field(apr_array_header_t *f, int i, const char **name)
{
    h2p_chan_field *x = &APR_ARRAY_IDX(f, i, h2p_chan_field);

    *name = x->name;
    return x->value;
}


/* The event of an urlencoded form, or why it is refused. */
static const char *form_event(apr_array_header_t *f, const char *form,
                              h2p_chan_event *ev)
{
    f->nelts = 0;
    h2p_chan_urlencoded(pool, form, strlen(form), f);
    return h2p_chan_event_from_form(pool, f, ev);
}

static const struct {
    const char *form, *why;
} refused[] = {
    { "data=x", "no topic" },
    { "topic=a", "no payload" },
    { "topic=a&url=/x&data=y", "both" },
    { "topic=a&url=http://x/", "absolute url" },
    { "topic=a&url=//x/y", "net path" },
    { "topic=a&url=/x%20y", "space in url" },
    { "topic=a&data=x&id=a/b", "bad id" },
    { "topic=&data=x", "empty topic" },
    { "topic=a&data=x&type=a%0Db", "CR in type" },
};

static void test_form(void)
{
    apr_array_header_t *f = apr_array_make(pool, 4, sizeof(h2p_chan_field));
    const char *name, *err, *body;
    h2p_chan_event ev;
    apr_size_t i;

    body = "topic=news&topic=a%20b&data=x+y%0Az&x";
    err = h2p_chan_form_parse(pool, "application/x-www-form-urlencoded",
                              body, strlen(body), f);
    CHECK(err == NULL, "urlencoded: %s", err);
    CHECK(f->nelts == 4, "4 fields: %d", f->nelts);
    CHECK_STR(field(f, 1, &name), "a b", "decoded");
    CHECK_STR(field(f, 2, &name), "x y\nz", "plus and newline");
    CHECK_STR(field(f, 3, &name), "", "no =");
    CHECK_STR(name, "x", "name x");
    err = h2p_chan_event_from_form(pool, f, &ev);
    CHECK(err == NULL, "event: %s", err);
    CHECK(ev.kind == H2P_CHAN_DATA && ev.topics->nelts == 2, "data event");

    f->nelts = 0;
    CHECK(h2p_chan_urlencoded(pool, "a=%4", 4, f) != NULL, "short escape");
    f->nelts = 0;
    CHECK(h2p_chan_urlencoded(pool, "a=%zz", 5, f) != NULL, "bad escape");
    f->nelts = 0;
    CHECK(h2p_chan_urlencoded(pool, "&&a=1&&", 7, f) == NULL
          && f->nelts == 1, "empty pairs");
    f->nelts = 0;
    CHECK(h2p_chan_form_parse(pool, "text/plain", "a", 1, f) != NULL,
          "not a form");
    CHECK(h2p_chan_form_parse(pool, NULL, "a", 1, f) != NULL, "no type");

    body = "preamble\r\n--XyZ\r\n"
           "Content-Disposition: form-data; name=\"topic\"\r\n\r\n"
           "news\r\n--XyZ\r\n"
           "Content-Disposition: form-data; name=\"data\"\r\n"
           "Content-Type: text/plain\r\n\r\n"
           "line1\r\nline2\r\n--XyZ\r\n"
           "Content-Disposition: form-data; name=type\r\n\r\n"
           "text/csv\r\n--XyZ--\r\n";
    f->nelts = 0;
    err = h2p_chan_form_parse(pool, "multipart/form-data; boundary=\"XyZ\"",
                              body, strlen(body), f);
    CHECK(err == NULL, "multipart: %s", err);
    CHECK(f->nelts == 3, "3 parts: %d", f->nelts);
    CHECK_STR(field(f, 1, &name), "line1\r\nline2", "part value");
    CHECK_STR(name, "data", "part name");
    CHECK_STR(field(f, 2, &name), "text/csv", "unquoted name");
    err = h2p_chan_event_from_form(pool, f, &ev);
    CHECK(err == NULL && ev.type && !strcmp(ev.type, "text/csv"),
          "multipart event: %s", err);
    f->nelts = 0;
    CHECK(h2p_chan_form_parse(pool, "multipart/form-data", body,
                              strlen(body), f) != NULL, "no boundary");
    f->nelts = 0;
    CHECK(h2p_chan_form_parse(pool, "multipart/form-data; boundary=XyZ",
                              body, 40, f) != NULL, "truncated");
    f->nelts = 0;
    CHECK(h2p_chan_form_parse(pool, "multipart/form-data; boundary=Q",
                              body, strlen(body), f) != NULL, "other boundary");

    /* the form's rules: refused */
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        CHECK(form_event(f, refused[i].form, &ev) != NULL, "%s",
              refused[i].why);
    }
    err = form_event(f, "topic=a&url=/crt.pem?v=1&id=k.1", &ev);
    CHECK(err == NULL && ev.kind == H2P_CHAN_URL && !strcmp(ev.id, "k.1"),
          "url event: %s", err);
}

static void test_sse(void)
{
    h2p_chan_event ev = data_event("/u", "news", "a\nb\r\nc\rd", "7");

    CHECK_STR(h2p_chan_sse(pool, &ev, NULL),
              "id: 7\nevent: news\ndata: a\ndata: b\ndata: c\ndata: d\n\n",
              "multi-line");
    ev.topics = list("news", "sports");
    ev.data = "";
    ev.len = 0;
    CHECK_STR(h2p_chan_sse(pool, &ev, list("sports", NULL)),
              "id: 7\nevent: sports\ndata: \n\n", "wanted topic only");
    CHECK_STR(h2p_chan_sse(pool, &ev, NULL),
              "id: 7\nevent: news\ndata: \n\nid: 7\nevent: sports\ndata: \n\n",
              "one block per topic");
}

static void test_misc(void)
{
    int found;

    CHECK(h2p_chan_interval("5s") == apr_time_from_sec(5), "5s");
    CHECK(h2p_chan_interval("5") == apr_time_from_sec(5), "5");
    CHECK(h2p_chan_interval("250ms") == apr_time_from_msec(250), "250ms");
    CHECK(h2p_chan_interval("2m") == apr_time_from_sec(120), "2m");
    CHECK(h2p_chan_interval("1h") == apr_time_from_sec(3600), "1h");
    CHECK(h2p_chan_interval("0s") == -1, "0");
    CHECK(h2p_chan_interval("-1") == -1, "negative");
    CHECK(h2p_chan_interval("5x") == -1, "unit");
    CHECK(h2p_chan_interval("") == -1, "empty");

    CHECK_STR(h2p_chan_parent(pool, "/updates/publish"), "/updates",
              "parent");
    CHECK_STR(h2p_chan_parent(pool, "/publish"), "/", "root parent");
    CHECK_STR(h2p_chan_parent(pool, "/a//publish"), "/a", "double slash");

    {
        const char *id = NULL;
        CHECK(h2p_chan_event_path(pool, "/updates", "/updates/events/12",
                                  &id) && !strcmp(id, "12"), "event path");
        CHECK(h2p_chan_event_path(pool, "/updates/", "/updates/events/a-b",
                                  &id) && !strcmp(id, "a-b"), "slash end");
        CHECK(!h2p_chan_event_path(pool, "/updates", "/updates", &id),
              "channel itself");
        CHECK(!h2p_chan_event_path(pool, "/updates", "/updates/events/",
                                   &id), "no id");
        CHECK(!h2p_chan_event_path(pool, "/updates", "/updates/events/a/b",
                                   &id), "deeper");
        CHECK(!h2p_chan_event_path(pool, "/up", "/updates/events/1", &id),
              "prefix only");
    }
    CHECK_STR(h2p_chan_url_unique(pool, "/crt", "3"), "/crt?h2push-event=3",
              "unique");
    CHECK_STR(h2p_chan_url_unique(pool, "/crt?a=1", "3"),
              "/crt?a=1&h2push-event=3", "unique with query");
    CHECK_STR(h2p_chan_strip_marker(pool, "h2push-event=3", &found), NULL,
              "strip all");
    CHECK(found, "found");
    CHECK_STR(h2p_chan_strip_marker(pool, "a=1&h2push-event=3&b=2", &found),
              "a=1&b=2", "strip middle");
    CHECK_STR(h2p_chan_strip_marker(pool, "a=1", &found), "a=1", "none");
    CHECK(!found, "not found");
    CHECK_STR(h2p_chan_strip_marker(pool, NULL, &found), NULL, "null");
}

static void test_resp(void)
{
    h2p_resp *r = NULL;
    apr_size_t used = 0, len;
    const char *argv[] = { "XADD", "k", "bin\r\n" };
    apr_size_t lens[] = { 4, 1, 5 };
    const char *x = "*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nd\r\n$-1\r\n"
                    ":42\r\n";
    const char *host, *prefix;
    apr_port_t port;
    char *cmd;

    cmd = h2p_resp_command(pool, 3, argv, lens, &len);
    CHECK(len == strlen("*3\r\n$4\r\nXADD\r\n$1\r\nk\r\n$5\r\nbin\r\n\r\n")
          && !memcmp(cmd, "*3\r\n$4\r\nXADD\r\n$1\r\nk\r\n$5\r\nbin\r\n\r\n", len),
          "command encoding");
    CHECK(h2p_resp_parse(pool, "+OK\r\n", 5, &r, &used) == 1
          && r->type == H2P_RESP_STRING && !strcmp(r->str, "OK") && used == 5,
          "simple string");
    CHECK(h2p_resp_parse(pool, "-ERR x\r\n", 8, &r, &used) == 1
          && r->type == H2P_RESP_ERROR, "error");
    CHECK(h2p_resp_parse(pool, ":-7\r\n", 5, &r, &used) == 1
          && r->integer == -7, "integer");
    CHECK(h2p_resp_parse(pool, "$5\r\na\r\nbc\r\n", 11, &r, &used) == 1
          && r->len == 5 && !memcmp(r->str, "a\r\nbc", 5), "binary bulk");
    CHECK(h2p_resp_parse(pool, "$5\r\nab", 6, &r, &used) == 0, "short bulk");
    CHECK(h2p_resp_parse(pool, "$-1\r\n", 5, &r, &used) == 1 && r->nil,
          "nil bulk");
    CHECK(h2p_resp_parse(pool, "*-1\r\n", 5, &r, &used) == 1 && r->nil,
          "nil array");
    CHECK(h2p_resp_parse(pool, x, strlen(x), &r, &used) == 1
          && r->n == 2 && r->elts[0]->n == 2 && r->elts[0]->elts[1]->n == 2
          && r->elts[0]->elts[1]->elts[1]->nil && r->elts[1]->integer == 42
          && used == strlen(x), "nested");
    CHECK(h2p_resp_parse(pool, x, strlen(x) - 3, &r, &used) == 0,
          "nested incomplete");
    CHECK(h2p_resp_parse(pool, "?x\r\n", 4, &r, &used) == -1, "bad type");
    CHECK(h2p_resp_parse(pool, "$x\r\n", 4, &r, &used) == -1, "bad length");
    CHECK(h2p_resp_parse(pool, "$2\r\nabcd", 8, &r, &used) == -1,
          "bulk without CRLF");
    CHECK(h2p_resp_parse(pool, "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
                               "*1\r\n*1\r\n*1\r\n:1\r\n", 44, &r, &used) == -1,
          "too deep");
    CHECK(h2p_resp_parse(pool, "", 0, &r, &used) == 0, "empty");
    {
        /* the resumable scan: byte by byte, complete exactly at the end */
        h2p_resp_scan_t sc;
        apr_size_t i, n = strlen(x);
        int rc = 0, early = 0;

        sc.depth = -1;
        for (i = 1; i <= n; ++i) {
            rc = h2p_resp_scan(&sc, x, i);
            early += rc != 0 && i < n;
        }
        CHECK(rc == 1 && !early && sc.off == n, "scan byte by byte");
        sc.depth = -1;
        CHECK(h2p_resp_scan(&sc, x, n) == 1 && sc.off == n, "scan whole");
        sc.depth = -1;
        CHECK(h2p_resp_scan(&sc, "*1\r\n?\r\n", 7) == -1, "scan bad");
        sc.depth = -1;
        CHECK(h2p_resp_scan(&sc, "*0\r\n", 4) == 1 && sc.off == 4,
              "scan empty array");
        sc.depth = -1;
        CHECK(h2p_resp_scan(&sc, "$3\r\nabc\r\n+x\r\n", 14) == 1
              && sc.off == 9, "scan stops after one reply");
    }

    CHECK(h2p_chan_redis_url(pool, "redis://127.0.0.1:6379", &host, &port,
                             &prefix) && !strcmp(host, "127.0.0.1")
          && port == 6379 && !strcmp(prefix, "h2push"), "url default prefix");
    CHECK(h2p_chan_redis_url(pool, "REDIS://r.example:1/a:b_c-1.2", &host,
                             &port, &prefix) && port == 1
          && !strcmp(prefix, "a:b_c-1.2"), "url prefix");
    CHECK(!h2p_chan_redis_url(pool, "redis://h", &host, &port, &prefix),
          "no port");
    CHECK(!h2p_chan_redis_url(pool, "redis://h:0", &host, &port, &prefix),
          "port 0");
    CHECK(!h2p_chan_redis_url(pool, "redis://h:65536", &host, &port,
                              &prefix), "port too big");
    CHECK(!h2p_chan_redis_url(pool, "redis://h:1/", &host, &port, &prefix),
          "empty prefix");
    CHECK(!h2p_chan_redis_url(pool, "redis://h:1/a b", &host, &port,
                              &prefix), "space in prefix");
    CHECK(!h2p_chan_redis_url(pool, "redis://:1", &host, &port, &prefix),
          "no host");
    CHECK(!h2p_chan_redis_url(pool, "http://h:1", &host, &port, &prefix),
          "other scheme");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_ring();
    test_many_topics();
    test_wait();
    test_race();
    test_topics();
    test_form();
    test_sse();
    test_misc();
    test_resp();
    apr_pool_destroy(pool);
    apr_terminate();
    return unit_done("channel");
}
