/* Licensed under the Apache License, Version 2.0 */
/*
 * h2p_redis: a small Redis client on APR sockets (RESP2), for the push
 * channels' shared store (H2PushChannelStore redis://...). Commands are
 * arrays of binary-safe strings; replies are parsed into h2p_resp trees.
 * No pipelining, no pub/sub: one command, one reply, on a blocking socket
 * with a timeout.
 */
#ifndef H2P_REDIS_H
#define H2P_REDIS_H

#include <apr_pools.h>
#include <apr_network_io.h>

typedef enum {
    H2P_RESP_STRING = '+', H2P_RESP_ERROR = '-', H2P_RESP_INT = ':',
    H2P_RESP_BULK = '$', H2P_RESP_ARRAY = '*'
} h2p_resp_type;

typedef struct h2p_resp h2p_resp;
struct h2p_resp {
    h2p_resp_type type;
    int nil;                    /* $-1 or *-1 */
    const char *str;            /* STRING, ERROR, BULK (NUL-terminated) */
    apr_size_t len;
    apr_int64_t integer;        /* INT */
    h2p_resp **elts;            /* ARRAY */
    int n;
};

/* Parse one reply from buf (len bytes). 1: *out set, *used bytes taken;
 * 0: incomplete, read more; -1: not RESP (or nested deeper than 8, or an
 * array or string larger than the limits). */
int h2p_resp_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                   h2p_resp **out, apr_size_t *used);

/* Is a whole reply in buf yet? A resumable scan without allocation: call
 * it again with the same state as more bytes arrive (buf may have moved,
 * its first bytes unchanged); each byte is looked at once however the
 * reply arrives. 1: complete (sc->off bytes), 0: more needed, -1: not
 * RESP. Start with sc->depth = -1. */
#define H2P_RESP_MAX_DEPTH 8
typedef struct {
    apr_size_t off;
    int depth;
    apr_int64_t left[H2P_RESP_MAX_DEPTH + 2];
} h2p_resp_scan_t;

int h2p_resp_scan(h2p_resp_scan_t *sc, const char *buf, apr_size_t len);

/* The RESP encoding of a command: argc strings (lens: their lengths; NULL:
 * strlen). */
char *h2p_resp_command(apr_pool_t *p, int argc, const char * const *argv,
                       const apr_size_t *lens, apr_size_t *len);

/* "redis://host:port[/prefix]": 1 and its parts (prefix "h2push" when not
 * given), else 0. */
int h2p_chan_redis_url(apr_pool_t *p, const char *url, const char **host,
                       apr_port_t *port, const char **prefix);

typedef struct h2p_redis h2p_redis;

/* Connect (timeout for the connect and every later read and write). */
apr_status_t h2p_redis_connect(h2p_redis **out, apr_pool_t *p,
                               const char *host, apr_port_t port,
                               apr_interval_time_t timeout);

/* Send one command, read its reply (allocated from rp). The socket's
 * timeout is 'timeout' for this command (a blocking XREAD's block time
 * plus a margin). On a socket error the connection is closed and
 * further commands fail: reconnect. */
apr_status_t h2p_redis_cmd(h2p_redis *r, apr_pool_t *rp, h2p_resp **reply,
                           apr_interval_time_t timeout, int argc,
                           const char * const *argv, const apr_size_t *lens);

void h2p_redis_close(h2p_redis *r);

#endif
