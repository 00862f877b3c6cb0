/* Licensed under the Apache License, Version 2.0 */
/* Push channels: the pure parts (see h2p_channel.h). */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>
#include <stdlib.h>
#include <limits.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_atomic.h>

#ifdef __linux__
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>
#endif

#include "h2p_chars.h"
#include "h2p_channel.h"

#define H2P_CHAN_MAGIC 0x68327063u   /* "h2pc" */

/* The ring is written under the caller's lock and read without one (a
 * seqlock per slot): a slot's seq is 0 while it is written, its event's
 * number once written; a reader keeps what it copied only when seq was
 * that number both before and after the copy. */
#define LOAD_ACQ(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

const char * const h2p_chan_stat_names[H2P_CHS_N] = {
    "published", "pushed", "sse", "replayed", "dropped", "missed",
    "refused", "subscribed"
};

static apr_size_t align8(apr_size_t n)
{
    return (n + 7) & ~(apr_size_t)7;
}

static apr_size_t slot_size(apr_uint32_t max_event)
{
    return align8(sizeof(h2p_chan_slot) + max_event);
}

apr_size_t h2p_chan_ring_bytes(apr_uint32_t nslots, apr_uint32_t max_event)
{
    apr_size_t ss = slot_size(max_event), head = align8(sizeof(h2p_chan_ring));

    if (!nslots || ss > ((apr_size_t)-1 - head) / nslots) {
        return 0;
    }
    return head + ss * nslots;
}

static h2p_chan_slot *slot_of(const h2p_chan_ring *ring, apr_uint64_t seq)
{
    return (h2p_chan_slot *)((char *)ring + align8(sizeof(*ring))
                             + (apr_size_t)((seq - 1) % ring->nslots)
                               * ring->slot_size);
}

h2p_chan_ring *h2p_chan_ring_init(void *mem, apr_uint32_t nslots,
                                  apr_uint32_t max_event)
{
    h2p_chan_ring *ring = mem;
    apr_uint32_t i;

    memset(ring, 0, sizeof(*ring));
    ring->nslots = nslots;
    ring->max_event = max_event;
    ring->slot_size = (apr_uint32_t)slot_size(max_event);
    for (i = 0; i < nslots; ++i) {
        slot_of(ring, (apr_uint64_t)i + 1)->seq = 0;
    }
    ring->magic = H2P_CHAN_MAGIC;
    return ring;
}

int h2p_chan_ring_fits(const void *mem, apr_uint32_t nslots,
                       apr_uint32_t max_event)
{
    const h2p_chan_ring *ring = mem;

    return ring->magic == H2P_CHAN_MAGIC && ring->nslots == nslots
           && ring->max_event == max_event;
}

static int copy_str(char *dst, apr_size_t size, const char *src)
{
    apr_size_t n = src ? strlen(src) : 0;

    if (n >= size) {
        return 0;
    }
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return 1;
}

apr_uint64_t h2p_chan_ring_put(h2p_chan_ring *ring, const h2p_chan_event *ev,
                               apr_time_t now, int *dropped)
{
    apr_uint64_t seq = ring->seq + 1;
    h2p_chan_slot *s = slot_of(ring, seq);
    char topics[H2P_CHAN_TOPICS_MAX + 1];
    apr_size_t used = 0;
    int i;

    *dropped = 0;
    if (ev->len > ring->max_event || !ev->topics || !ev->topics->nelts
        || (ev->id && !h2p_chan_id_ok(ev->id))
        || !ev->channel || strlen(ev->channel) > H2P_CHAN_PATH_MAX
        || (ev->type && strlen(ev->type) > H2P_CHAN_TYPE_MAX)) {
        return 0;
    }
    for (i = 0; i < ev->topics->nelts; ++i) {
        const char *t = APR_ARRAY_IDX(ev->topics, i, const char *);
        apr_size_t n = strlen(t);
        if (used + n + 1 >= sizeof(topics)) {
            return 0;
        }
        memcpy(topics + used, t, n + 1);
        used += n + 1;
    }
    topics[used] = '\0';
    *dropped = s->seq != 0;
    __atomic_store_n(&s->seq, 0, __ATOMIC_RELAXED); /* half-written */
    __atomic_thread_fence(__ATOMIC_RELEASE);        /* before the data */
    s->time = now;
    s->kind = ev->kind;
    s->len = (apr_uint32_t)ev->len;
    memcpy(s->topics, topics, used + 1);
    copy_str(s->channel, sizeof(s->channel), ev->channel);
    copy_str(s->type, sizeof(s->type), ev->type);
    if (ev->id) {
        copy_str(s->id, sizeof(s->id), ev->id);
    }
    else {
        apr_snprintf(s->id, sizeof(s->id), "%" APR_UINT64_T_FMT, seq);
    }
    if (ev->len) {
        memcpy((char *)(s + 1), ev->data, ev->len);
    }
    STORE_REL(&s->seq, seq);
    STORE_REL(&ring->seq, seq);
    return seq;
}

apr_uint64_t h2p_chan_ring_last(const h2p_chan_ring *ring)
{
    return LOAD_ACQ(&ring->seq);
}

apr_uint64_t h2p_chan_ring_oldest(const h2p_chan_ring *ring)
{
    apr_uint64_t last = LOAD_ACQ(&ring->seq);

    return last > ring->nslots ? last - ring->nslots + 1 : 1;
}

/* Is slot s still event seq, after what was read of it? */
static int still(const h2p_chan_slot *s, apr_uint64_t seq)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);        /* after the reads */
    return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

/* A copy of a string field of a slot: at most size - 1 bytes, NUL
 * ended, whatever a concurrent writer left there. */
static char *field_dup(apr_pool_t *p, const char *f, apr_size_t size)
{
    const char *end = memchr(f, '\0', size);

    return apr_pstrmemdup(p, f, end ? (apr_size_t)(end - f) : size - 1);
}

int h2p_chan_ring_get(const h2p_chan_ring *ring, apr_uint64_t seq,
                      apr_pool_t *p, h2p_chan_event *ev)
{
    const h2p_chan_slot *s;
    h2p_chan_slot head;
    const char *t, *end;
    char *data;

    if (!seq || seq > h2p_chan_ring_last(ring)
        || seq < h2p_chan_ring_oldest(ring)) {
        return 0;
    }
    s = slot_of(ring, seq);
    if (LOAD_ACQ(&s->seq) != seq) {
        return 0;
    }
    memcpy(&head, s, sizeof(head));
    if (head.len > ring->max_event) {
        return 0;                   /* torn: being overwritten */
    }
    data = apr_palloc(p, head.len + 1);
    memcpy(data, (const char *)(s + 1), head.len);
    data[head.len] = '\0';
    if (!still(s, seq)) {
        return 0;
    }
    ev->seq = seq;
    ev->time = head.time;
    ev->kind = (h2p_chan_kind)head.kind;
    ev->id = field_dup(p, head.id, sizeof(head.id));
    ev->channel = field_dup(p, head.channel, sizeof(head.channel));
    ev->type = *head.type ? field_dup(p, head.type, sizeof(head.type))
                          : NULL;
    ev->len = head.len;
    ev->data = data;
    ev->topics = apr_array_make(p, 2, sizeof(const char *));
    end = head.topics + sizeof(head.topics);
    for (t = head.topics; t < end && *t; t += strlen(t) + 1) {
        APR_ARRAY_PUSH(ev->topics, const char *) = field_dup(p, t, end - t);
    }
    return 1;
}

apr_uint64_t h2p_chan_ring_find(const h2p_chan_ring *ring,
                                const char *channel, const char *id)
{
    apr_uint64_t seq, oldest = h2p_chan_ring_oldest(ring);

    for (seq = h2p_chan_ring_last(ring); seq >= oldest && seq > 0; --seq) {
        const h2p_chan_slot *s = slot_of(ring, seq);

        if (LOAD_ACQ(&s->seq) == seq
            && !strncmp(s->id, id, sizeof(s->id))
            && !strncmp(s->channel, channel, sizeof(s->channel))
            && still(s, seq)) {
            return seq;
        }
    }
    return 0;
}

void h2p_chan_wake(h2p_chan_ring *ring)
{
    apr_atomic_inc32(&ring->wake);
#ifdef __linux__
    syscall(SYS_futex, &ring->wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
}

void h2p_chan_wait(h2p_chan_ring *ring, apr_uint32_t seen,
                   apr_interval_time_t timeout)
{
#ifdef __linux__
    struct timespec ts;

    if (timeout <= 0 || apr_atomic_read32(&ring->wake) != seen) {
        return;
    }
    ts.tv_sec = (time_t)apr_time_sec(timeout);
    ts.tv_nsec = (long)apr_time_usec(timeout) * 1000;
    /* not FUTEX_PRIVATE: the word is shared between processes */
    syscall(SYS_futex, &ring->wake, FUTEX_WAIT, seen, &ts, NULL, 0);
#else
    apr_interval_time_t step = apr_time_from_msec(20);

    while (timeout > 0 && apr_atomic_read32(&ring->wake) == seen) {
        apr_sleep(timeout < step ? timeout : step);
        timeout -= step;
    }
#endif
}

int h2p_chan_topic_match(const apr_array_header_t *event_topics,
                         const apr_array_header_t *wanted)
{
    int i, j;

    if (!wanted || !wanted->nelts) {
        return 1;
    }
    for (i = 0; i < event_topics->nelts; ++i) {
        const char *t = APR_ARRAY_IDX(event_topics, i, const char *);
        for (j = 0; j < wanted->nelts; ++j) {
            if (!strcmp(t, APR_ARRAY_IDX(wanted, j, const char *))) {
                return 1;
            }
        }
    }
    return 0;
}

int h2p_chan_id_ok(const char *id)
{
    apr_size_t n = 0;

    for (; id[n]; ++n) {
        char c = id[n];
        if (!(apr_isalnum(c) || c == '.' || c == '_' || c == '~'
              || c == '-') || n >= H2P_CHAN_ID_MAX) {
            return 0;
        }
    }
    return n > 0;
}

int h2p_chan_topic_ok(const char *topic)
{
    apr_size_t n = 0;

    for (; topic[n]; ++n) {
        if ((unsigned char)topic[n] < 0x20 || topic[n] == 0x7f
            || n >= H2P_CHAN_TOPIC_MAX) {
            return 0;
        }
    }
    return n > 0;
}

/* %XX and + decoded; NULL on a bad %-escape. */
static char *form_decode(apr_pool_t *p, const char *s, apr_size_t len,
                         apr_size_t *outlen)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%') {
            if (i + 2 >= len || !apr_isxdigit(s[i + 1])
                || !apr_isxdigit(s[i + 2])) {
                return NULL;
            }
            *o++ = (char)(h2p_hexval((unsigned char)s[i + 1]) * 16
                           + h2p_hexval((unsigned char)s[i + 2]));
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    *outlen = (apr_size_t)(o - out);
    return out;
}

static void add_field(apr_array_header_t *fields, const char *name,
                      const char *value, apr_size_t len)
{
    h2p_chan_field *f = apr_array_push(fields);

    f->name = name;
    f->value = value;
    f->len = len;
}

const char *h2p_chan_urlencoded(apr_pool_t *p, const char *s, apr_size_t len,
                                apr_array_header_t *fields)
{
    const char *end = s + len;

    while (s < end) {
        const char *amp = memchr(s, '&', (apr_size_t)(end - s));
        const char *pe = amp ? amp : end, *eq;
        char *name, *value;
        apr_size_t nlen, vlen;

        eq = memchr(s, '=', (apr_size_t)(pe - s));
        if (pe > s) {
            name = form_decode(p, s, (apr_size_t)((eq ? eq : pe) - s), &nlen);
            value = eq ? form_decode(p, eq + 1, (apr_size_t)(pe - eq - 1),
                                     &vlen)
                       : (vlen = 0, apr_pstrdup(p, ""));
            if (!name || !value) {
                return "bad %-escape in the form";
            }
            if (strlen(name) != nlen) {
                return "NUL in a field name";
            }
            add_field(fields, name, value, vlen);
        }
        s = pe + (amp ? 1 : 0);
    }
    return NULL;
}

/* A parameter of a header value ("boundary" of a Content-Type, "name" of
 * a Content-Disposition), unquoted; NULL if absent. */
static const char *header_param(apr_pool_t *p, const char *v, apr_size_t vlen,
                                const char *param)
{
    apr_size_t plen = strlen(param), i = 0;

    while (i < vlen) {
        const char *q;
        /* at a ';' or the start: skip to the next parameter */
        while (i < vlen && v[i] != ';') {
            if (v[i] == '"') {          /* skip quoted strings */
                for (++i; i < vlen && v[i] != '"'; ++i) {
                    if (v[i] == '\\') {
                        ++i;
                    }
                }
            }
            ++i;
        }
        if (i >= vlen) {
            return NULL;
        }
        ++i;
        while (i < vlen && (v[i] == ' ' || v[i] == '\t')) {
            ++i;
        }
        if (vlen - i > plen && !strncasecmp(v + i, param, plen)
            && v[i + plen] == '=') {
            i += plen + 1;
            if (i < vlen && v[i] == '"') {
                char *out = apr_palloc(p, vlen - i), *o = out;
                for (++i; i < vlen && v[i] != '"'; ++i) {
                    if (v[i] == '\\' && i + 1 < vlen) {
                        ++i;
                    }
                    *o++ = v[i];
                }
                *o = '\0';
                return out;
            }
            q = v + i;
            while (i < vlen && v[i] != ';' && v[i] != ' ' && v[i] != '\t') {
                ++i;
            }
            return apr_pstrmemdup(p, q, (apr_size_t)(v + i - q));
        }
    }
    return NULL;
}

static const char *multipart(apr_pool_t *p, const char *ctype,
                             const char *body, apr_size_t len,
                             apr_array_header_t *fields)
{
    const char *boundary = header_param(p, ctype, strlen(ctype), "boundary");
    const char *delim, *s, *end = body + len;
    apr_size_t dlen;

    if (!boundary || !*boundary || strlen(boundary) > 70) {
        return "multipart boundary missing or too long";
    }
    delim = apr_pstrcat(p, "--", boundary, NULL);
    dlen = strlen(delim);
    /* the first delimiter: at the start or after a CRLF (preamble) */
    if (len >= dlen && !memcmp(body, delim, dlen)) {
        s = body;
    }
    else {
        const char *crd = apr_pstrcat(p, "\r\n", delim, NULL);
        s = memmem(body, len, crd, dlen + 2);
        if (!s) {
            return "multipart delimiter not found";
        }
        s += 2;
    }
    delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    dlen += 2;
    for (;;) {
        const char *hend, *next, *h, *name = NULL;

        s += dlen - 2;                      /* past "--boundary" */
        if (end - s >= 2 && s[0] == '-' && s[1] == '-') {
            return NULL;                    /* the close delimiter */
        }
        while (s < end && (*s == ' ' || *s == '\t')) {
            ++s;
        }
        if (end - s < 2 || s[0] != '\r' || s[1] != '\n') {
            return "multipart delimiter not followed by CRLF";
        }
        s += 2;
        hend = memmem(s, (apr_size_t)(end - s), "\r\n\r\n", 4);
        if (hend) {
            hend += 2;
        }
        else if (end - s >= 2 && s[0] == '\r' && s[1] == '\n') {
            hend = s;                       /* no headers */
        }
        else {
            return "multipart part headers not terminated";
        }
        for (h = s; h < hend;) {
            const char *eol = memmem(h, (apr_size_t)(hend - h) + 2, "\r\n", 2);
            apr_size_t hl = (apr_size_t)(eol - h);
            if (hl > 20 && !strncasecmp(h, "Content-Disposition:", 20)) {
                name = header_param(p, h + 20, hl - 20, "name");
            }
            h = eol + 2;
        }
        s = hend + 2;
        next = memmem(s, (apr_size_t)(end - s), delim, dlen);
        if (!next) {
            return "multipart part not terminated";
        }
        if (!name) {
            return "multipart part without a name";
        }
        add_field(fields, name, apr_pstrmemdup(p, s, (apr_size_t)(next - s)),
                  (apr_size_t)(next - s));
        s = next + 2;
    }
}

const char *h2p_chan_form_parse(apr_pool_t *p, const char *ctype,
                                const char *body, apr_size_t len,
                                apr_array_header_t *fields)
{
    apr_size_t n;

    if (!ctype) {
        return "no Content-Type: send application/x-www-form-urlencoded "
               "or multipart/form-data";
    }
    n = strcspn(ctype, "; \t");
    if (n == 33 && !strncasecmp(ctype, "application/x-www-form-urlencoded",
                                n)) {
        return h2p_chan_urlencoded(p, body, len, fields);
    }
    if (n == 19 && !strncasecmp(ctype, "multipart/form-data", n)) {
        return multipart(p, ctype, body, len, fields);
    }
    return "Content-Type is neither application/x-www-form-urlencoded nor "
           "multipart/form-data";
}

const char *h2p_chan_event_from_form(apr_pool_t *p,
                                     const apr_array_header_t *fields,
                                     h2p_chan_event *ev)
{
    int i, has_data = 0;

    memset(ev, 0, sizeof(*ev));
    ev->topics = apr_array_make(p, 2, sizeof(const char *));
    for (i = 0; i < fields->nelts; ++i) {
        const h2p_chan_field *f = &APR_ARRAY_IDX(fields, i, h2p_chan_field);
        if (!strcmp(f->name, "topic")) {
            if (!h2p_chan_topic_ok(f->value) || strlen(f->value) != f->len) {
                return "a topic is 1 to 128 characters, no control "
                       "characters";
            }
            APR_ARRAY_PUSH(ev->topics, const char *) = f->value;
        }
        else if (!strcmp(f->name, "url") || !strcmp(f->name, "data")) {
            if (has_data) {
                return "give one url or one data field";
            }
            has_data = 1;
            ev->kind = f->name[0] == 'u' ? H2P_CHAN_URL : H2P_CHAN_DATA;
            ev->data = f->value;
            ev->len = f->len;
        }
        else if (!strcmp(f->name, "type")) {
            if (!*f->value || strlen(f->value) > H2P_CHAN_TYPE_MAX
                || strlen(f->value) != f->len
                || strpbrk(f->value, "\r\n")) {
                return "bad type";
            }
            ev->type = f->value;
        }
        else if (!strcmp(f->name, "id")) {
            if (!h2p_chan_id_ok(f->value)) {
                return "an id is 1 to 64 of A-Z a-z 0-9 . _ ~ -";
            }
            ev->id = f->value;
        }
        /* other fields are ignored */
    }
    if (!ev->topics->nelts) {
        return "no topic";
    }
    if (!has_data) {
        return "neither url nor data";
    }
    if (ev->kind == H2P_CHAN_URL) {
        apr_size_t k;
        if (ev->type) {
            return "type goes with data, not with url";
        }
        if (ev->data[0] != '/' || ev->data[1] == '/'
            || strlen(ev->data) != ev->len || ev->len > H2P_CHAN_PATH_MAX * 4) {
            return "url must be a same-origin path (/...)";
        }
        for (k = 0; k < ev->len; ++k) {
            unsigned char c = (unsigned char)ev->data[k];
            if (c <= 0x20 || c >= 0x7f || c == '#' || c == '<' || c == '>'
                || c == '"' || c == '\\') {
                return "url holds a character that must be %-escaped";
            }
        }
    }
    {
        apr_size_t used = 0;
        for (i = 0; i < ev->topics->nelts; ++i) {
            used += strlen(APR_ARRAY_IDX(ev->topics, i, const char *)) + 1;
        }
        if (used >= H2P_CHAN_TOPICS_MAX) {
            return "too many topics";
        }
    }
    return NULL;
}

/* The payload's first CR, LF or NUL from s on (end when none): memchr
 * runs, not a byte loop (an event is delivered to every subscriber). */
static const char *sse_special(const char *s, const char *end)
{
    const char *a = memchr(s, '\n', end - s);
    const char *b = memchr(s, '\r', (a ? a : end) - s);
    const char *z;

    a = b ? b : a ? a : end;
    z = memchr(s, '\0', a - s);
    return z ? z : a;
}

/* Write the data: lines of ev at o (NULL: only count); returns their
 * length. CRLF, CR and LF each end a line; NUL bytes are dropped. */
static apr_size_t sse_lines(const h2p_chan_event *ev, char *o)
{
    const char *s = ev->data, *end = s + ev->len, *t;
    apr_size_t n = 6;

    if (o) {
        memcpy(o, "data: ", 6);
    }
    for (;;) {
        t = sse_special(s, end);
        if (o) {
            memcpy(o + n, s, t - s);
        }
        n += t - s;
        if (t == end) {
            break;
        }
        if (*t) {                   /* a line break: "\ndata: " */
            if (o) {
                memcpy(o + n, "\ndata: ", 7);
            }
            n += 7;
            t += *t == '\r' && t + 1 < end && t[1] == '\n';
        }
        s = t + 1;
    }
    if (o) {
        o[n] = '\n';
    }
    return n + 1;
}

const char *h2p_chan_sse(apr_pool_t *p, const h2p_chan_event *ev,
                         const apr_array_header_t *wanted)
{
    apr_size_t nl = sse_lines(ev, NULL), idl = strlen(ev->id), n = 0;
    const char **topics = apr_palloc(p, ev->topics->nelts * sizeof(char *));
    char *out, *o, *lines = NULL;
    int i, j, k = 0;

    /* one block a topic the subscriber wants:
     * "id: <id>\nevent: <topic>\n<data lines>\n" */
    for (i = 0; i < ev->topics->nelts; ++i) {
        const char *t = APR_ARRAY_IDX(ev->topics, i, const char *);
        int want = !wanted || !wanted->nelts;

        for (j = 0; !want && j < wanted->nelts; ++j) {
            want = !strcmp(t, APR_ARRAY_IDX(wanted, j, const char *));
        }
        if (want) {
            topics[k++] = t;
            n += 4 + idl + 8 + strlen(t) + 1 + nl + 1;
        }
    }
    o = out = apr_palloc(p, n + 1);
    for (i = 0; i < k; ++i) {
        apr_size_t tl = strlen(topics[i]);

        memcpy(o, "id: ", 4);
        memcpy(o + 4, ev->id, idl);
        o += 4 + idl;
        memcpy(o, "\nevent: ", 8);
        memcpy(o + 8, topics[i], tl);
        o += 8 + tl;
        *o++ = '\n';
        if (lines) {                /* written for the first block */
            memcpy(o, lines, nl);
        }
        else {
            sse_lines(ev, lines = o);
        }
        o += nl;
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}

apr_interval_time_t h2p_chan_interval(const char *s)
{
    char *end;
    apr_int64_t v;
    apr_interval_time_t unit;

    if (!apr_isdigit(*s)) {
        return -1;
    }
    v = apr_strtoi64(s, &end, 10);
    if (v <= 0 || v > 100000000) {
        return -1;
    }
    if (!strcmp(end, "") || !strcmp(end, "s")) {
        unit = APR_USEC_PER_SEC;
    }
    else if (!strcmp(end, "ms")) {
        unit = 1000;
    }
    else if (!strcmp(end, "m")) {
        unit = 60 * APR_USEC_PER_SEC;
    }
    else if (!strcmp(end, "h")) {
        unit = 3600 * APR_USEC_PER_SEC;
    }
    else {
        return -1;
    }
    return (apr_interval_time_t)v * unit;
}

const char *h2p_chan_parent(apr_pool_t *p, const char *uri)
{
    const char *slash = strrchr(uri, '/');
    apr_size_t n = slash ? (apr_size_t)(slash - uri) : 0;

    while (n > 0 && uri[n - 1] == '/') {
        --n;
    }
    return n ? apr_pstrmemdup(p, uri, n) : "/";
}

int h2p_chan_event_path(apr_pool_t *p, const char *channel, const char *uri,
                        const char **id)
{
    apr_size_t n = strlen(channel);
    const char *rest;

    while (n && channel[n - 1] == '/') {
        --n;
    }
    if (strncmp(uri, channel, n) || strncmp(uri + n, "/events/", 8)) {
        return 0;
    }
    rest = uri + n + 8;
    if (!h2p_chan_id_ok(rest)) {
        return 0;
    }
    *id = apr_pstrdup(p, rest);
    return 1;
}

const char *h2p_chan_url_unique(apr_pool_t *p, const char *url,
                                const char *id)
{
    return apr_pstrcat(p, url, strchr(url, '?') ? "&" : "?",
                       "h2push-event=", id, NULL);
}

const char *h2p_chan_strip_marker(apr_pool_t *p, const char *args,
                                  int *found)
{
    apr_array_header_t *kept = apr_array_make(p, 4, sizeof(const char *));
    const char *s = args;

    *found = 0;
    if (!args) {
        return NULL;
    }
    while (*s) {
        apr_size_t n = strcspn(s, "&");
        if (n >= 13 && !strncmp(s, "h2push-event=", 13)) {
            *found = 1;
        }
        else if (n) {
            APR_ARRAY_PUSH(kept, const char *) = apr_pstrmemdup(p, s, n);
        }
        s += n + (s[n] == '&');
    }
    if (!*found) {
        return args;
    }
    return kept->nelts ? apr_array_pstrcat(p, kept, '&') : NULL;
}
