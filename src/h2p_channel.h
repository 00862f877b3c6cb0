/* Licensed under the Apache License, Version 2.0 */
/*
 * h2p_channel: the pure parts of push channels (h2push-channel,
 * h2push-publish): the shared event ring, topic matching, the publish
 * form parser (application/x-www-form-urlencoded, multipart/form-data),
 * Server-Sent Events formatting, event ids, intervals.
 *
 * The event ring
 * --------------
 * One region of shared memory (apr_shm, anonymous, made by the parent
 * before the children fork and kept across graceful restarts) holds
 *
 *   h2p_chan_ring   header: magic, slot count and size, the last sequence
 *                   number given out, a wake word, the counters
 *   slot[0..n-1]    fixed size each: h2p_chan_slot (seq, time, kind,
 *                   lengths, id, channel, topics, type) followed by
 *                   max_event bytes of payload
 *
 * Event number seq (1, 2, 3...) lives in slot (seq - 1) % n: the oldest
 * event is overwritten first. Memory: n x (sizeof(h2p_chan_slot) +
 * max_event) bytes, about 1000 x 65.5K = 64 MiB with the defaults; the
 * kernel gives pages only as events are written, so a ring that holds few
 * or small events is resident only as far as it was used.
 *
 * Slots are written under one global mutex (the caller's:
 * apr_global_mutex) and read without it: each slot is a seqlock (its seq
 * is 0 while written), so a reader copies an event out into a pool and
 * keeps the copy only when the slot held that event before and after;
 * a thousand subscribers woken by one event do not queue on a lock.
 *
 * With H2PushChannelStore redis, publishers write to a Redis stream and
 * one elected child process per server (follower_pid, follower_beat in
 * the header) copies it into the ring (store_last: the last stream id
 * copied); the ring is read the same way (src/h2p_redis.h is the client).
 *
 * Waking: a publisher increments the 32-bit wake word and wakes every
 * waiter on it (Linux: a futex, shared between processes; elsewhere
 * waiters poll). h2p_chan_wait() returns when the word changed or after
 * at most its timeout, so waiters also see resets, shutdown and timers.
 */
#ifndef H2P_CHANNEL_H
#define H2P_CHANNEL_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#define H2P_CHAN_ID_MAX       64    /* event id bytes (URL-path safe) */
#define H2P_CHAN_PATH_MAX     256   /* channel path bytes */
#define H2P_CHAN_TOPICS_MAX   512   /* topics, NUL-separated, bytes */
#define H2P_CHAN_TYPE_MAX     128   /* content type bytes */
#define H2P_CHAN_TOPIC_MAX    128   /* one topic name */

typedef enum {
    H2P_CHAN_DATA = 1,          /* payload served at <channel>/events/<id> */
    H2P_CHAN_URL  = 2           /* payload is a same-origin path to push */
} h2p_chan_kind;

/* The counters of the status page, in the ring's header. */
enum {
    H2P_CHS_PUBLISHED, H2P_CHS_PUSHED, H2P_CHS_SSE, H2P_CHS_REPLAYED,
    H2P_CHS_DROPPED, H2P_CHS_MISSED, H2P_CHS_REFUSED, H2P_CHS_SUBSCRIBED,
    H2P_CHS_N
};
extern const char * const h2p_chan_stat_names[H2P_CHS_N];

typedef struct {
    apr_uint32_t magic;
    apr_uint32_t nslots;
    apr_uint32_t max_event;     /* payload bytes a slot holds */
    apr_uint32_t slot_size;
    volatile apr_uint32_t wake; /* futex word: +1 at every publish */
    volatile apr_uint32_t generation; /* +1 at every start-up: waiters of
                                   an older one end */
    volatile apr_uint32_t subscribers; /* now (apr_atomic) */
    apr_uint32_t pad;
    apr_uint64_t seq;           /* the last event's number, 0: none yet */
    /* H2PushChannelStore redis: the one child process that copies the
     * Redis stream into the ring, its last sign of life, and the stream
     * id of the last entry copied ("" before the first: the ring is then
     * filled from the newest entries of the stream) */
    volatile apr_uint32_t follower_pid;
    apr_uint32_t pad2;
    volatile apr_time_t follower_beat;
    char store_last[48];
    apr_uint64_t stats[H2P_CHS_N];  /* apr_atomic */
} h2p_chan_ring;

typedef struct {
    apr_uint64_t seq;           /* 0: empty */
    apr_time_t time;
    apr_uint32_t kind;
    apr_uint32_t len;           /* payload bytes */
    char id[H2P_CHAN_ID_MAX + 1];
    char channel[H2P_CHAN_PATH_MAX + 1];
    char topics[H2P_CHAN_TOPICS_MAX + 1];  /* "a\0b\0" */
    char type[H2P_CHAN_TYPE_MAX + 1];
} h2p_chan_slot;

/* An event, as published or as copied out of the ring. */
typedef struct {
    apr_uint64_t seq;
    apr_time_t time;
    h2p_chan_kind kind;
    const char *id;             /* NULL when publishing: assigned */
    const char *channel;
    apr_array_header_t *topics; /* of const char * */
    const char *type;           /* data events; NULL: text/plain */
    const char *data;           /* payload or URL */
    apr_size_t len;
} h2p_chan_event;

/* Bytes of a ring of nslots events of at most max_event payload bytes;
 * 0 when that would not fit in an apr_size_t. */
apr_size_t h2p_chan_ring_bytes(apr_uint32_t nslots, apr_uint32_t max_event);

/* Lay a ring out in mem (h2p_chan_ring_bytes() long, zeroed or not). */
h2p_chan_ring *h2p_chan_ring_init(void *mem, apr_uint32_t nslots,
                                  apr_uint32_t max_event);

/* mem already holds a ring of that shape (a retained one). */
int h2p_chan_ring_fits(const void *mem, apr_uint32_t nslots,
                       apr_uint32_t max_event);

/* Store ev (under the caller's lock); its id is ev->id or, when NULL, the
 * decimal sequence number. Returns the new sequence number (0: does not
 * fit: payload, id, channel, topics or type too long). *dropped is set
 * when an older event was overwritten. Does not wake anyone. */
apr_uint64_t h2p_chan_ring_put(h2p_chan_ring *ring, const h2p_chan_event *ev,
                               apr_time_t now, int *dropped);

/* The last event's sequence number (0: none yet); no lock needed. */
apr_uint64_t h2p_chan_ring_last(const h2p_chan_ring *ring);

/* The oldest sequence number still held (ring->seq + 1 when empty). */
apr_uint64_t h2p_chan_ring_oldest(const h2p_chan_ring *ring);

/* Copy event seq into *ev (pool p); 0 when it left the ring (or never
 * was, or is being overwritten now). No lock needed: a copy torn by a
 * concurrent put is thrown away. */
int h2p_chan_ring_get(const h2p_chan_ring *ring, apr_uint64_t seq,
                      apr_pool_t *p, h2p_chan_event *ev);

/* The sequence number of the newest event of channel with this id, 0 if
 * none is held. No lock needed (h2p_chan_ring_get() may still find the
 * event gone). */
apr_uint64_t h2p_chan_ring_find(const h2p_chan_ring *ring,
                                const char *channel, const char *id);

/* Wake every waiter (after a put, or to make them look at 'stopping'). */
void h2p_chan_wake(h2p_chan_ring *ring);

/* Wait until ring->wake differs from seen, at most timeout. */
void h2p_chan_wait(h2p_chan_ring *ring, apr_uint32_t seen,
                   apr_interval_time_t timeout);

/* Does an event with these topics go to a subscriber of wanted (NULL or
 * empty: every topic)? */
int h2p_chan_topic_match(const apr_array_header_t *event_topics,
                         const apr_array_header_t *wanted);

/* A valid event id: 1..64 of [A-Za-z0-9._~-]. A valid topic: 1..128
 * bytes, no control characters. */
int h2p_chan_id_ok(const char *id);
int h2p_chan_topic_ok(const char *topic);

/* A publish form's fields, in order: name -> value (values may hold NUL
 * bytes only in multipart; len in *lens when wanted). */
typedef struct {
    const char *name;
    const char *value;
    apr_size_t len;
} h2p_chan_field;

/* Parse body (len bytes) of content type ctype into fields (of
 * h2p_chan_field). NULL or a reason ("not a form", "multipart boundary
 * missing"...). */
const char *h2p_chan_form_parse(apr_pool_t *p, const char *ctype,
                                const char *body, apr_size_t len,
                                apr_array_header_t *fields);

/* Decode application/x-www-form-urlencoded name=value pairs (also a
 * query string) into fields. NULL or a reason. */
const char *h2p_chan_urlencoded(apr_pool_t *p, const char *s, apr_size_t len,
                                apr_array_header_t *fields);

/* Check a publish form and make the event: topic (one or more), url or
 * data, type, id. NULL or the reason for a 400. */
const char *h2p_chan_event_from_form(apr_pool_t *p,
                                     const apr_array_header_t *fields,
                                     h2p_chan_event *ev);

/* The Server-Sent Events text of an event: "id: ..\nevent: <topic>\n
 * data: ..\n\n", one block per topic it has that the subscriber wants;
 * multi-line data as several data: lines; for URL events the URL. */
const char *h2p_chan_sse(apr_pool_t *p, const h2p_chan_event *ev,
                         const apr_array_header_t *wanted);

/* "5s", "500ms", "2m", "1h", "10" (seconds): an interval > 0, or -1. */
apr_interval_time_t h2p_chan_interval(const char *s);

/* The channel a publish URL belongs to: its path without the last
 * segment ("/updates/publish" -> "/updates"; "/publish" -> "/"). */
const char *h2p_chan_parent(apr_pool_t *p, const char *uri);

/* uri is <channel>/events/<id>: *id set; else 0. */
int h2p_chan_event_path(apr_pool_t *p, const char *channel, const char *uri,
                        const char **id);

/* The pushed path of a URL event: url plus "h2push-event=<id>" as a
 * query argument (mod_http2 pushes a URL once per connection). */
const char *h2p_chan_url_unique(apr_pool_t *p, const char *url,
                                const char *id);

/* Remove "h2push-event=..." from a query string; NULL when it becomes
 * empty. *found set when it was there. */
const char *h2p_chan_strip_marker(apr_pool_t *p, const char *args,
                                  int *found);

#endif
