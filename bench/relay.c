/* Licensed under the Apache License, Version 2.0 */
/*
 * relay: a userspace network emulator for the benchmarks (this kernel has
 * no netem). Listens on 127.0.0.1 ports and forwards every TCP connection
 * to a target port, adding to each direction:
 *
 *   - a one-way propagation delay (-d ms; the round trip is twice that),
 *   - an optional bandwidth cap (-r Mbit/s), a token bucket whose depth is
 *     one segment: a byte leaves the bottleneck no earlier than the bytes
 *     before it plus its own serialisation time,
 *   - a bottleneck queue of -q bytes (default: the bandwidth-delay product
 *     of the round trip, at least 64 KB); when it is full the relay stops
 *     reading that side, so TCP flow control pushes back on the sender.
 *
 * Bytes are never reordered. Data is delivered in segments of at most
 * 1448 bytes at their due times (a fluid model of the link: byte k of a
 * chunk that starts leaving the bottleneck at t0 arrives at
 * t0 + (k+1)/rate + delay). The TCP handshake itself is not delayed
 * (connect() completes on loopback); every byte after it is, so a TLS 1.3
 * handshake costs one round trip and a request another, as on a real link
 * after its SYN round trip.
 *
 * usage: relay [-d ms] [-r mbit] [-q bytes] [-v] [-w] lport:tport ...
 *   prints "READY" on stdout when listening; exits on SIGTERM/SIGINT, and
 *   with -w when its stdin reaches EOF (the parent went away).
 *
 * Single thread, epoll, a timer wait to the earliest due segment
 * (epoll_pwait2: nanosecond timeouts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_MAX   65536
#define SEG        1448
#define HARD_LIMIT (32u << 20)    /* bytes queued per direction at most */
#define MAX_MAP    64

typedef struct chunk {
    struct chunk *next;
    size_t len, off;        /* off: bytes already written */
    double t0;              /* when its first byte starts leaving the bottleneck */
    int eof;                /* the source's FIN */
    char data[];
} chunk;

struct conn;

typedef struct {
    struct conn *c;
    int side;               /* 0: client side, 1: target side */
} endpoint;

typedef struct {
    int src, dst;           /* indexes into conn->fd */
    chunk *head, *tail;
    size_t queued;          /* bytes not yet written */
    double busy_until;      /* the bottleneck is busy until then */
    int src_eof, dst_shut, blocked;
    unsigned long long bytes;
} direction;

typedef struct conn {
    int fd[2];
    endpoint ep[2];
    unsigned ev[2];         /* epoll interest registered per fd */
    int gone[2];            /* fd taken out of epoll: nothing left to do */
    direction d[2];         /* d[0]: client -> target, d[1]: target -> client */
    struct conn *next, *prev;
} conn;

static double delay_s;       /* one way */
static double rate_Bps;      /* 0: uncapped */
static double qlimit;        /* bottleneck queue, bytes */
static int verbose;
static int epfd;
static conn *conns;
static volatile sig_atomic_t stop;
static unsigned long long nconns;

typedef struct { int lfd; int tport; endpoint tag; } mapping;
static mapping maps[MAX_MAP];
static int nmaps;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void set_interest(conn *c, int side, unsigned ev)
{
    struct epoll_event e;

    if (c->ev[side] == ev || c->gone[side]) {
        return;
    }
    memset(&e, 0, sizeof(e));
    e.events = ev;
    e.data.ptr = &c->ep[side];
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd[side], &e) < 0) {
        die("epoll_ctl mod");
    }
    c->ev[side] = ev;
}

static void conn_close(conn *c)
{
    int i;

    for (i = 0; i < 2; ++i) {
        chunk *k = c->d[i].head;
        while (k) {
            chunk *n = k->next;
            free(k);
            k = n;
        }
        if (!c->gone[i]) epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd[i], NULL);
        close(c->fd[i]);
    }
    if (verbose) {
        fprintf(stderr, "relay: closed: %llu bytes up, %llu down\n",
                c->d[0].bytes, c->d[1].bytes);
    }
    if (c->prev) c->prev->next = c->next; else conns = c->next;
    if (c->next) c->next->prev = c->prev;
    free(c);
}

static void enqueue(direction *d, const char *buf, size_t len, int eof,
                    double t)
{
    chunk *k = malloc(sizeof(*k) + len);

    if (!k) die("malloc");
    k->next = NULL;
    k->len = len;
    k->off = 0;
    k->eof = eof;
    memcpy(k->data, buf, len);
    if (rate_Bps > 0) {
        k->t0 = t > d->busy_until ? t : d->busy_until;
        d->busy_until = k->t0 + (double)len / rate_Bps;
    }
    else {
        k->t0 = t;
    }
    if (d->tail) d->tail->next = k; else d->head = k;
    d->tail = k;
    d->queued += len;
    d->bytes += len;
}

/* Bytes of chunk k due at time t (arrived at the far end of the link). */
static size_t due_bytes(const chunk *k, double t)
{
    double x;

    if (t < k->t0 + delay_s) {
        return 0;
    }
    if (rate_Bps <= 0) {
        return k->len;
    }
    x = (t - delay_s - k->t0) * rate_Bps;
    if (x >= (double)k->len) {
        return k->len;
    }
    return (size_t)x;
}

/* When the next segment of chunk k (after 'have' due bytes) is due. */
static double next_due(const chunk *k, size_t have)
{
    size_t want;

    if (rate_Bps <= 0 || k->len == 0) {
        return k->t0 + delay_s;
    }
    want = have + SEG;
    if (want > k->len) want = k->len;
    if (want <= k->off) want = k->off + 1;
    return k->t0 + delay_s + (double)want / rate_Bps;
}

/* Write what is due in direction d. Returns -1 when the connection broke,
 * else 0; *next gets the earliest time something more becomes due. */
static int deliver(conn *c, direction *d, double t, double *next)
{
    while (d->head && !d->blocked) {
        chunk *k = d->head;
        size_t due = due_bytes(k, t);

        if (k->eof) {
            if (due < k->len || t < k->t0 + delay_s) {
                if (k->t0 + delay_s < *next) *next = k->t0 + delay_s;
                return 0;
            }
            shutdown(c->fd[d->dst], SHUT_WR);
            d->dst_shut = 1;
            d->head = k->next;
            if (!d->head) d->tail = NULL;
            free(k);
            continue;
        }
        if (due > k->off) {
            ssize_t n = write(c->fd[d->dst], k->data + k->off, due - k->off);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    d->blocked = 1;
                    return 0;
                }
                if (errno == EINTR) continue;
                return -1;
            }
            k->off += (size_t)n;
            d->queued -= (size_t)n;
            if (k->off < due) {
                d->blocked = 1;
                return 0;
            }
        }
        if (k->off == k->len) {
            d->head = k->next;
            if (!d->head) d->tail = NULL;
            free(k);
            continue;
        }
        {
            double nd = next_due(k, due);
            if (nd < *next) *next = nd;
        }
        return 0;
    }
    return 0;
}

static int over_limit(const direction *d, double t)
{
    if (d->queued >= HARD_LIMIT) {
        return 1;
    }
    if (rate_Bps > 0 && (d->busy_until - t) * rate_Bps > qlimit) {
        return 1;
    }
    return 0;
}

/* Recompute the epoll interest of both fds of c. */
static void update_interest(conn *c, double t)
{
    unsigned ev[2] = {0, 0};
    int i;

    for (i = 0; i < 2; ++i) {
        direction *d = &c->d[i];
        if (!d->src_eof && !over_limit(d, t)) ev[d->src] |= EPOLLIN;
        if (d->blocked) ev[d->dst] |= EPOLLOUT;
    }
    set_interest(c, 0, ev[0]);
    set_interest(c, 1, ev[1]);
}

static int do_read(conn *c, direction *d, double t)
{
    static char buf[READ_MAX];
    ssize_t n = read(c->fd[d->src], buf, sizeof(buf));

    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return 0;
        }
        return -1;
    }
    if (n == 0) {
        d->src_eof = 1;
        enqueue(d, "", 0, 1, t);
        return 0;
    }
    enqueue(d, buf, (size_t)n, 0, t);
    return 0;
}

static void tune(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void do_accept(mapping *m)
{
    struct sockaddr_in sa;
    struct epoll_event e;
    conn *c;
    int cfd, tfd, i, flags;

    for (;;) {
        cfd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            return;
        }
        tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (tfd < 0) die("socket");
        {
            int rb = 256 * 1024;
            setsockopt(tfd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
        }
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)m->tport);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(tfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            if (verbose) perror("relay: connect to target");
            close(tfd);
            close(cfd);
            continue;
        }
        flags = fcntl(tfd, F_GETFL);
        fcntl(tfd, F_SETFL, flags | O_NONBLOCK);
        tune(cfd);
        tune(tfd);
        c = calloc(1, sizeof(*c));
        if (!c) die("calloc");
        c->fd[0] = cfd;
        c->fd[1] = tfd;
        c->d[0].src = 0; c->d[0].dst = 1;
        c->d[1].src = 1; c->d[1].dst = 0;
        for (i = 0; i < 2; ++i) {
            c->ep[i].c = c;
            c->ep[i].side = i;
            c->ev[i] = EPOLLIN;
            memset(&e, 0, sizeof(e));
            e.events = EPOLLIN;
            e.data.ptr = &c->ep[i];
            if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd[i], &e) < 0) {
                die("epoll_ctl add");
            }
        }
        c->next = conns;
        if (conns) conns->prev = c;
        conns = c;
        nconns++;
        if (verbose) fprintf(stderr, "relay: connection to %d\n", m->tport);
    }
}

static int listen_on(int port)
{
    struct sockaddr_in sa;
    int one = 1, rb = 256 * 1024;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "relay: bind 127.0.0.1:%d: %s\n", port, strerror(errno));
        exit(1);
    }
    if (listen(fd, 128) < 0) die("listen");
    return fd;
}

static void usage(void)
{
    fprintf(stderr, "usage: relay [-d one-way-ms] [-r mbit/s] [-q queue-bytes]"
                    " [-v] [-w] lport:tport ...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct epoll_event evs[64], e;
    endpoint stdin_tag = {NULL, -1};
    int opt, i, watch_stdin = 0;
    double rate_mbit = 0, qopt = -1;

    while ((opt = getopt(argc, argv, "d:r:q:vw")) != -1) {
        switch (opt) {
        case 'd': delay_s = atof(optarg) / 1000.0; break;
        case 'r': rate_mbit = atof(optarg); break;
        case 'q': qopt = atof(optarg); break;
        case 'v': verbose = 1; break;
        case 'w': watch_stdin = 1; break;
        default: usage();
        }
    }
    if (optind >= argc) usage();
    rate_Bps = rate_mbit * 1e6 / 8.0;
    qlimit = qopt >= 0 ? qopt : rate_Bps * 2 * delay_s;
    if (qopt < 0 && qlimit < 65536) qlimit = 65536;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    for (i = optind; i < argc && nmaps < MAX_MAP; ++i) {
        int lp, tp;
        if (sscanf(argv[i], "%d:%d", &lp, &tp) != 2) usage();
        maps[nmaps].lfd = listen_on(lp);
        maps[nmaps].tport = tp;
        maps[nmaps].tag.c = NULL;
        maps[nmaps].tag.side = 100 + nmaps;
        memset(&e, 0, sizeof(e));
        e.events = EPOLLIN;
        e.data.ptr = &maps[nmaps].tag;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, maps[nmaps].lfd, &e) < 0) {
            die("epoll_ctl listen");
        }
        nmaps++;
    }
    if (watch_stdin) {
        memset(&e, 0, sizeof(e));
        e.events = EPOLLIN;
        e.data.ptr = &stdin_tag;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &e) < 0) {
            watch_stdin = 0;
        }
    }
    printf("READY\n");
    fflush(stdout);

    while (!stop) {
        double t = now_s(), next = INFINITY;
        struct timespec ts, *tsp = NULL;
        conn *c, *cn;
        int n;

        for (c = conns; c; c = cn) {
            int bad = 0;
            cn = c->next;
            for (i = 0; i < 2 && !bad; ++i) {
                bad = deliver(c, &c->d[i], t, &next) < 0;
            }
            if (bad || (c->d[0].dst_shut && c->d[1].dst_shut)) {
                conn_close(c);
                continue;
            }
            update_interest(c, t);
            /* reading was paused on a full queue: look again when the
             * bottleneck has drained a segment */
            for (i = 0; i < 2; ++i) {
                direction *d = &c->d[i];
                if (!d->src_eof && rate_Bps > 0 && over_limit(d, t)) {
                    double w = d->busy_until - qlimit / rate_Bps;
                    if (w < next) next = w;
                }
                else if (!d->src_eof && d->queued >= HARD_LIMIT
                         && t + 0.001 < next) {
                    next = t + 0.001;
                }
            }
        }
        if (next != INFINITY) {
            double w = next - now_s();
            if (w < 0) w = 0;
            ts.tv_sec = (time_t)w;
            ts.tv_nsec = (long)((w - (double)ts.tv_sec) * 1e9);
            tsp = &ts;
        }
        n = epoll_pwait2(epfd, evs, 64, tsp, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_pwait2");
        }
        t = now_s();
        for (i = 0; i < n; ++i) {
            endpoint *ep = evs[i].data.ptr;
            conn *cc = ep->c;
            int side = ep->side, j;

            if (ep == &stdin_tag) {
                char b[256];
                if (read(0, b, sizeof(b)) <= 0) stop = 1;
                continue;
            }
            if (!cc) {
                do_accept(&maps[side - 100]);
                continue;
            }
            /* a connection closed earlier in this batch? */
            for (c = conns; c && c != cc; c = c->next) {}
            if (!c) continue;
            if (evs[i].events & EPOLLOUT) {
                for (j = 0; j < 2; ++j) {
                    if (cc->d[j].dst == side) cc->d[j].blocked = 0;
                }
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                direction *rd = cc->d[0].src == side ? &cc->d[0] : &cc->d[1];
                direction *wd = rd == &cc->d[0] ? &cc->d[1] : &cc->d[0];
                if (!rd->src_eof) {
                    if (do_read(cc, rd, t) < 0) {
                        conn_close(cc);
                    }
                }
                else if (evs[i].events & EPOLLERR) {
                    conn_close(cc);
                }
                else if ((evs[i].events & EPOLLHUP) && wd->dst_shut) {
                    /* both halves of this side are done */
                    epoll_ctl(epfd, EPOLL_CTL_DEL, cc->fd[side], NULL);
                    cc->gone[side] = 1;
                }
                else if (evs[i].events & EPOLLHUP) {
                    /* the peer is gone while data is still due to it */
                    conn_close(cc);
                }
            }
        }
    }
    while (conns) conn_close(conns);
    if (verbose) fprintf(stderr, "relay: %llu connections\n", nconns);
    return 0;
}
