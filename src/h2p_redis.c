/* Licensed under the Apache License, Version 2.0 */
/* A small Redis client (see h2p_redis.h). */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "h2p_redis.h"

#define RESP_MAX_DEPTH   H2P_RESP_MAX_DEPTH
#define RESP_MAX_ELTS    100000
#define RESP_MAX_BULK    (64 * 1024 * 1024)

/* A CRLF-terminated line at buf: its length without CRLF, or -1 if
 * incomplete. */
static long resp_line(const char *buf, apr_size_t len)
{
    const char *cr = memchr(buf, '\r', len);

    if (!cr || (apr_size_t)(cr - buf) + 1 >= len) {
        return -1;
    }
    return cr - buf;
}

static int resp_int(const char *s, long n, apr_int64_t *v)
{
    long i = 0;
    int neg = 0;
    apr_int64_t x = 0;

    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i >= n || n - i > 18) {
        return 0;
    }
    for (; i < n; ++i) {
        if (!apr_isdigit(s[i])) {
            return 0;
        }
        x = x * 10 + (s[i] - '0');
    }
    *v = neg ? -x : x;
    return 1;
}

static int parse(apr_pool_t *p, const char *buf, apr_size_t len,
                 h2p_resp **out, apr_size_t *used, int depth)
{
    long ln;
    h2p_resp *r;
    apr_int64_t v;

    if (depth > RESP_MAX_DEPTH) {
        return -1;
    }
    if (!len) {
        return 0;
    }
    if ((ln = resp_line(buf, len)) < 0) {
        return memchr(buf, '\r', len) && buf[len - 1] != '\r' ? -1 : 0;
    }
    if (buf[ln + 1] != '\n' || ln < 1) {
        return -1;
    }
    r = apr_pcalloc(p, sizeof(*r));
    r->type = (h2p_resp_type)buf[0];
    switch (buf[0]) {
    case '+':
    case '-':
        r->str = apr_pstrmemdup(p, buf + 1, (apr_size_t)ln - 1);
        r->len = (apr_size_t)ln - 1;
        *used = (apr_size_t)ln + 2;
        break;
    case ':':
        if (!resp_int(buf + 1, ln - 1, &r->integer)) {
            return -1;
        }
        *used = (apr_size_t)ln + 2;
        break;
    case '$':
        if (!resp_int(buf + 1, ln - 1, &v) || v < -1 || v > RESP_MAX_BULK) {
            return -1;
        }
        if (v == -1) {
            r->nil = 1;
            *used = (apr_size_t)ln + 2;
            break;
        }
        if (len < (apr_size_t)ln + 2 + (apr_size_t)v + 2) {
            return 0;
        }
        if (buf[ln + 2 + v] != '\r' || buf[ln + 3 + v] != '\n') {
            return -1;
        }
        r->str = apr_pstrmemdup(p, buf + ln + 2, (apr_size_t)v);
        r->len = (apr_size_t)v;
        *used = (apr_size_t)ln + 4 + (apr_size_t)v;
        break;
    case '*': {
        apr_size_t at = (apr_size_t)ln + 2;
        int i;
        if (!resp_int(buf + 1, ln - 1, &v) || v < -1 || v > RESP_MAX_ELTS) {
            return -1;
        }
        if (v == -1) {
            r->nil = 1;
            *used = at;
            break;
        }
        r->n = (int)v;
        r->elts = apr_pcalloc(p, sizeof(h2p_resp *) * (apr_size_t)(v + 1));
        for (i = 0; i < r->n; ++i) {
            apr_size_t u = 0;
            int rc = parse(p, buf + at, len - at, &r->elts[i], &u, depth + 1);
            if (rc <= 0) {
                return rc;
            }
            at += u;
        }
        *used = at;
        break;
    }
    default:
        return -1;
    }
    *out = r;
    return 1;
}

int h2p_resp_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                   h2p_resp **out, apr_size_t *used)
{
    return parse(p, buf, len, out, used, 0);
}

int h2p_resp_scan(h2p_resp_scan_t *sc, const char *buf, apr_size_t len)
{
    if (sc->depth < 0) {
        sc->depth = 0;
        sc->left[0] = 1;
        sc->off = 0;
    }
    for (;;) {
        const char *at = buf + sc->off;
        apr_size_t avail = len - sc->off;
        apr_int64_t v;
        long ln;

        while (sc->depth >= 0 && sc->left[sc->depth] == 0) {
            --sc->depth;
        }
        if (sc->depth < 0) {
            return 1;
        }
        if ((ln = resp_line(at, avail)) < 0) {
            return 0;
        }
        if (ln < 1 || at[ln + 1] != '\n') {
            return -1;
        }
        switch (at[0]) {
        case '+': case '-':
            break;
        case ':':
            if (!resp_int(at + 1, ln - 1, &v)) {
                return -1;
            }
            break;
        case '$':
            if (!resp_int(at + 1, ln - 1, &v) || v < -1 || v > RESP_MAX_BULK) {
                return -1;
            }
            if (v >= 0) {
                if (avail < (apr_size_t)ln + 4 + (apr_size_t)v) {
                    return 0;
                }
                if (at[ln + 2 + v] != '\r' || at[ln + 3 + v] != '\n') {
                    return -1;
                }
                sc->off += (apr_size_t)v + 2;
            }
            break;
        case '*':
            if (!resp_int(at + 1, ln - 1, &v) || v < -1 || v > RESP_MAX_ELTS) {
                return -1;
            }
            if (v > 0) {
                sc->left[sc->depth]--;
                sc->off += (apr_size_t)ln + 2;
                if (++sc->depth > RESP_MAX_DEPTH) {
                    return -1;
                }
                sc->left[sc->depth] = v;
                continue;
            }
            break;
        default:
            return -1;
        }
        sc->left[sc->depth]--;
        sc->off += (apr_size_t)ln + 2;
    }
}

char *h2p_resp_command(apr_pool_t *p, int argc, const char * const *argv,
                       const apr_size_t *lens, apr_size_t *len)
{
    apr_size_t total = 32, at;
    char *out;
    int i;

    for (i = 0; i < argc; ++i) {
        total += (lens ? lens[i] : strlen(argv[i])) + 32;
    }
    out = apr_palloc(p, total);
    at = (apr_size_t)apr_snprintf(out, total, "*%d\r\n", argc);
    for (i = 0; i < argc; ++i) {
        apr_size_t n = lens ? lens[i] : strlen(argv[i]);
        at += (apr_size_t)apr_snprintf(out + at, total - at,
                                       "$%" APR_SIZE_T_FMT "\r\n", n);
        memcpy(out + at, argv[i], n);
        at += n;
        out[at++] = '\r';
        out[at++] = '\n';
    }
    out[at] = '\0';
    *len = at;
    return out;
}

int h2p_chan_redis_url(apr_pool_t *p, const char *url, const char **host,
                       apr_port_t *port, const char **prefix)
{
    const char *h, *c;
    long v = 0;
    int digits = 0;

    if (strncasecmp(url, "redis://", 8)) {
        return 0;
    }
    h = c = url + 8;
    while (apr_isalnum(*c) || *c == '.' || *c == '-') {
        ++c;
    }
    if (c == h || *c != ':') {
        return 0;
    }
    *host = apr_pstrmemdup(p, h, (apr_size_t)(c - h));
    for (++c; apr_isdigit(*c); ++c) {
        if (++digits > 5) {
            return 0;
        }
        v = v * 10 + (*c - '0');
    }
    if (!digits || v < 1 || v > 65535) {
        return 0;
    }
    *port = (apr_port_t)v;
    *prefix = "h2push";
    if (!*c) {
        return 1;
    }
    if (*c != '/') {
        return 0;
    }
    h = ++c;
    while (apr_isalnum(*c) || *c == '_' || *c == '.' || *c == ':'
           || *c == '-') {
        ++c;
    }
    if (*c || c == h || c - h > 64) {
        return 0;
    }
    *prefix = apr_pstrdup(p, h);
    return 1;
}

struct h2p_redis {
    apr_pool_t *pool;
    apr_socket_t *sock;
    char *buf;
    apr_size_t len, cap;
};

/* Everything of a connection (socket, read buffer) comes from a pool of
 * its own, destroyed by h2p_redis_close(): a long-lived caller that
 * reconnects does not accumulate. The read buffer doubles when a reply
 * needs it (what it leaves behind in the pool is at most what it grew
 * to). */
apr_status_t h2p_redis_connect(h2p_redis **out, apr_pool_t *parent,
                               const char *host, apr_port_t port,
                               apr_interval_time_t timeout)
{
    apr_pool_t *p;
    h2p_redis *r;
    apr_sockaddr_t *sa;
    apr_status_t rv;

    if ((rv = apr_pool_create(&p, parent)) != APR_SUCCESS) {
        return rv;
    }
    r = apr_pcalloc(p, sizeof(*r));
    r->pool = p;
    if ((rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0, p))
        != APR_SUCCESS
        || (rv = apr_socket_create(&r->sock, sa->family, SOCK_STREAM,
                                   APR_PROTO_TCP, p)) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return rv;
    }
    apr_socket_opt_set(r->sock, APR_TCP_NODELAY, 1);
    apr_socket_timeout_set(r->sock, timeout);
    if ((rv = apr_socket_connect(r->sock, sa)) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return rv;
    }
    r->cap = 16384;
    r->buf = apr_palloc(p, r->cap);
    *out = r;
    return APR_SUCCESS;
}

void h2p_redis_close(h2p_redis *r)
{
    if (r && r->pool) {
        apr_pool_destroy(r->pool);  /* closes the socket */
        r->pool = NULL;
        r->sock = NULL;
        r->buf = NULL;
    }
}

/* A failed connection: no more commands (the caller closes it). */
static void drop(h2p_redis *r)
{
    if (r->sock) {
        apr_socket_close(r->sock);
        r->sock = NULL;
    }
}

apr_status_t h2p_redis_cmd(h2p_redis *r, apr_pool_t *rp, h2p_resp **reply,
                           apr_interval_time_t timeout, int argc,
                           const char * const *argv, const apr_size_t *lens)
{
    apr_size_t len, sent = 0;
    char *cmd;
    apr_status_t rv;
    h2p_resp_scan_t sc;

    if (!r->sock || !r->buf) {
        return APR_ENOTSOCK;
    }
    cmd = h2p_resp_command(rp, argc, argv, lens, &len);
    apr_socket_timeout_set(r->sock, timeout);
    while (sent < len) {
        apr_size_t n = len - sent;
        if ((rv = apr_socket_send(r->sock, cmd + sent, &n)) != APR_SUCCESS) {
            drop(r);
            return rv;
        }
        sent += n;
    }
    r->len = 0;
    sc.depth = -1;
    for (;;) {
        apr_size_t used = 0, n;
        int rc = r->len ? h2p_resp_scan(&sc, r->buf, r->len) : 0;

        if (rc > 0) {
            rc = h2p_resp_parse(rp, r->buf, r->len, reply, &used);
            if (rc > 0) {
                return APR_SUCCESS;
            }
        }
        if (rc < 0) {
            drop(r);
            return APR_EGENERAL;
        }
        if (r->len == r->cap) {
            char *nb;
            if (r->cap >= RESP_MAX_BULK * 2) {
                drop(r);
                return APR_ENOMEM;
            }
            nb = apr_palloc(r->pool, r->cap * 2);
            memcpy(nb, r->buf, r->len);
            r->buf = nb;
            r->cap *= 2;
        }
        n = r->cap - r->len;
        rv = apr_socket_recv(r->sock, r->buf + r->len, &n);
        if (rv != APR_SUCCESS && !(APR_STATUS_IS_EOF(rv) && n)) {
            drop(r);
            return rv;
        }
        r->len += n;
    }
}
