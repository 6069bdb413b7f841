/**
 * @file inet_tests.c
 * @brief AF_INET sockets over 127.0.0.1, through sock_create() and the
 *        family's ops with kernel buffers: a checksummed 1 MiB TCP stream,
 *        many short connections, UDP datagrams, a nonblocking connect, a
 *        refused one, the listen backlog, an ICMP echo.
 *
 * One thread plays both ends: nonblocking calls, and a wait on the
 * sockets' poll queues (with a deadline) when neither can move.
 */
#include <hal/timer.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/wait.h>

#include "inet_internal.h"

#define LOOPBACK 0x0100007fu /* 127.0.0.1 in network order */
#define SO_ERROR 4

static struct sockaddr_k sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_k a = {0};
    uint8_t *b = a.b;
    a.len = 16;
    b[0] = AF_INET;
    b[2] = (uint8_t)(port >> 8);
    b[3] = (uint8_t)port;
    memcpy(b + 4, &addr, 4);
    return a;
}

static uint16_t port_of(const struct sockaddr_k *a) { return (uint16_t)(a->b[2] << 8 | a->b[3]); }

static long xfer(struct socket *s, void *buf, size_t n, int flags, int nonblock, int send, struct sockaddr_k *name)
{
    struct sock_seg seg = {{(uintptr_t)buf, 0}, n};
    struct sock_msg m = {name, {&seg, 1, n}, NULL, 0};
    return send ? s->ops->sendmsg(s, &m, flags, nonblock) : s->ops->recvmsg(s, &m, flags, nonblock);
}

static long ksend(struct socket *s, const void *buf, size_t n, int nonblock)
{
    return xfer(s, (void *)buf, n, 0, nonblock, 1, NULL);
}

static long krecv(struct socket *s, void *buf, size_t n, int flags, int nonblock)
{
    return xfer(s, buf, n, flags, nonblock, 0, NULL);
}

/* Wait up to @p ms for a change on any of @p n sockets; their events now. */
static void wait_some(struct socket **s, unsigned n, unsigned ms)
{
    struct wait_set ws;
    wait_set_init(&ws);
    for (unsigned i = 0; i < n; i++)
        s[i]->ops->poll(s[i], &ws);
    wait_set_block_until(&ws, hal_time_ns() + (uint64_t)ms * 1000000);
    wait_set_clear(&ws);
}

/* A TCP listener on 127.0.0.1 at a free port: its port, or 0 (the step
 * that failed, and how, in the log). */
static uint16_t listener(struct socket **l, int backlog)
{
    int err = sock_create(AF_INET, SOCK_STREAM, 0, l);
    if (err) {
        pr_warn("inet ktest: socket: %s", errno_name(err));
        return 0;
    }
    struct sockaddr_k a = sin_of(LOOPBACK, 0);
    const char *step = "bind";
    err = (*l)->ops->bind(*l, &a);
    if (!err) {
        step = "listen";
        err = (*l)->ops->listen(*l, backlog);
    }
    if (!err) {
        step = "getsockname";
        err = (*l)->ops->getname(*l, &a, 0);
    }
    if (err || !port_of(&a)) {
        pr_warn("inet ktest: %s: %s, port %u", step, errno_name(err), port_of(&a));
        sock_free(*l);
        return 0;
    }
    return port_of(&a);
}

static int connect_to(struct socket **c, uint16_t port, int nonblock)
{
    int r = sock_create(AF_INET, SOCK_STREAM, IPPROTO_TCP, c);
    if (r)
        return r;
    struct sockaddr_k a = sin_of(LOOPBACK, port);
    return (*c)->ops->connect(*c, &a, nonblock);
}

KTEST(inet_tcp_stream_of_1mib_checksummed_and_nonblocking_connect)
{
    struct socket *l, *c, *a;
    uint16_t port = listener(&l, 4);
    KT_ASSERT(port != 0);
    KT_ASSERT_EQ(connect_to(&c, port, 1), -EINPROGRESS);
    KT_ASSERT_EQ(l->ops->accept(l, &a, 0), 0);
    for (int i = 0; i < 100 && !(c->ops->poll(c, NULL) & POLLOUT); i++)
        wait_some(&c, 1, 10);
    KT_ASSERT(c->ops->poll(c, NULL) & POLLOUT);
    int err = -1;
    unsigned len = sizeof err;
    KT_ASSERT_EQ(c->ops->getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    KT_ASSERT_EQ(err, 0);
    struct sockaddr_k na, pa;
    KT_ASSERT_EQ(c->ops->getname(c, &na, 0), 0);
    KT_ASSERT_EQ(a->ops->getname(a, &pa, 1), 0);
    KT_ASSERT_EQ(port_of(&na), port_of(&pa));

    const size_t total = 1u << 20, step = 24000;
    uint8_t *tx = kmalloc(step), *rx = kmalloc(step);
    KT_ASSERT(tx && rx);
    size_t sent = 0, got = 0;
    uint32_t ctx_sum = 0, crx = 0;
    uint64_t end = hal_time_ns() + 20000000000ull;
    while (got < total && hal_time_ns() < end) {
        long n = 0;
        if (sent < total) {
            size_t k = total - sent < step ? total - sent : step;
            for (size_t i = 0; i < k; i++)
                tx[i] = (uint8_t)((sent + i) * 7 + ((sent + i) >> 11));
            n = ksend(c, tx, k, 1);
            if (n > 0) {
                ctx_sum = crc32(ctx_sum, tx, (size_t)n);
                sent += (size_t)n;
            }
        }
        long m = krecv(a, rx, step, 0, 1);
        if (m > 0) {
            crx = crc32(crx, rx, (size_t)m);
            got += (size_t)m;
        }
        if (n <= 0 && m <= 0) {
            struct socket *both[2] = {c, a};
            wait_some(both, 2, 5);
        }
    }
    KT_ASSERT_EQ(got, total);
    KT_ASSERT_EQ(crx, ctx_sum);
    /* the sender's FIN: the reader sees the end, then POLLRDHUP */
    KT_ASSERT_EQ(c->ops->shutdown(c, SHUT_WR), 0);
    long r = -EAGAIN;
    for (int i = 0; i < 100 && r == -EAGAIN; i++) {
        r = krecv(a, rx, 16, 0, 1);
        if (r == -EAGAIN)
            wait_some(&a, 1, 10);
    }
    KT_ASSERT_EQ(r, 0);
    KT_ASSERT(a->ops->poll(a, NULL) & POLLRDHUP);
    kfree(tx);
    kfree(rx);
    sock_free(a);
    sock_free(c);
    sock_free(l);
}

KTEST(inet_tcp_many_short_connections)
{
    unsigned before = sock_count();
    struct socket *l;
    uint16_t port = listener(&l, 8);
    KT_ASSERT(port != 0);
    for (int i = 0; i < 40; i++) {
        struct socket *c, *a;
        KT_ASSERT_EQ(connect_to(&c, port, 0), 0);
        KT_ASSERT_EQ(l->ops->accept(l, &a, 0), 0);
        uint32_t v = (uint32_t)i * 2654435761u, w = 0;
        KT_ASSERT_EQ(ksend(c, &v, 4, 0), 4);
        KT_ASSERT_EQ(xfer(a, &w, 4, MSG_WAITALL, 0, 0, NULL), 4);
        KT_ASSERT_EQ(w, v);
        KT_ASSERT_EQ(ksend(a, &w, 4, 0), 4);
        w = 0;
        KT_ASSERT_EQ(xfer(c, &w, 4, MSG_WAITALL, 0, 0, NULL), 4);
        KT_ASSERT_EQ(w, v);
        sock_free(c);
        KT_ASSERT_EQ(krecv(a, &w, 4, 0, 0), 0); /* the client's close: the end */
        sock_free(a);
    }
    /* a connection made and never accepted goes with its listener */
    struct socket *c;
    KT_ASSERT_EQ(connect_to(&c, port, 0), 0);
    sock_free(l);
    sock_free(c);
    KT_ASSERT_EQ(sock_count(), before);
}

KTEST(inet_tcp_refused_and_bind_in_use)
{
    struct socket *l, *c, *d;
    uint16_t port = listener(&l, 1);
    KT_ASSERT(port != 0);
    KT_ASSERT_EQ(sock_create(AF_INET, SOCK_STREAM, 0, &d), 0);
    struct sockaddr_k a = sin_of(LOOPBACK, port);
    KT_ASSERT_EQ(d->ops->bind(d, &a), -EADDRINUSE);
    sock_free(d);
    sock_free(l); /* nobody listens there now */
    KT_ASSERT_EQ(connect_to(&c, port, 0), -ECONNREFUSED);
    sock_free(c);
}

/* How many of @p c[0..2] are connected; *waiting: one that is not. */
static int connected(struct socket **c, int *waiting)
{
    int up = 0;
    for (int i = 0; i < 3; i++) {
        if (c[i]->ops->poll(c[i], NULL) & POLLOUT)
            up++;
        else
            *waiting = i;
    }
    return up;
}

KTEST(inet_tcp_listen_backlog_holds_backlog_plus_one)
{
    struct socket *l, *c[3], *a;
    uint16_t port = listener(&l, 1);
    KT_ASSERT(port != 0);
    for (int i = 0; i < 3; i++)
        KT_ASSERT_EQ(connect_to(&c[i], port, 1), -EINPROGRESS);
    /* Two connect, one waits. Which one is timing's: a SYN at the full
     * queue is dropped, unless it finds a half-open connection there,
     * whose place it takes (the flood defence). On a busy host (8 vCPUs
     * on 2 cores) the handshakes need not end in the order they began,
     * so wait for two (bounded), then a while more to see the third
     * does not. */
    int w = -1;
    uint64_t end = hal_time_ns() + 10000000000ull;
    while (hal_time_ns() < end && connected(c, &w) < 2)
        wait_some(c, 3, 20);
    end = hal_time_ns() + 300000000ull;
    while (hal_time_ns() < end)
        wait_some(c, 3, 20);
    KT_ASSERT_EQ(connected(c, &w), 2);
    KT_ASSERT(w >= 0 && !(c[w]->ops->poll(c[w], NULL) & (POLLOUT | POLLERR)));
    char b[4];
    KT_ASSERT_EQ(krecv(c[w], b, sizeof b, 0, 1), -EAGAIN); /* still connecting: no end yet */
    KT_ASSERT_EQ(ksend(c[w], b, sizeof b, 1), -EAGAIN);
    KT_ASSERT_EQ(l->ops->accept(l, &a, 1), 0);
    sock_free(a);
    KT_ASSERT_EQ(l->ops->accept(l, &a, 1), 0);
    sock_free(a);
    KT_ASSERT_EQ(l->ops->accept(l, &a, 1), -EAGAIN);
    for (int i = 0; i < 3; i++)
        sock_free(c[i]);
    sock_free(l);
}

KTEST(inet_udp_datagrams_keep_boundaries)
{
    struct socket *r, *s;
    KT_ASSERT_EQ(sock_create(AF_INET, SOCK_DGRAM, 0, &r), 0);
    KT_ASSERT_EQ(sock_create(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &s), 0);
    struct sockaddr_k a = sin_of(LOOPBACK, 0), from;
    KT_ASSERT_EQ(r->ops->bind(r, &a), 0);
    KT_ASSERT_EQ(r->ops->getname(r, &a, 0), 0);
    KT_ASSERT(port_of(&a) != 0);
    char buf[64];
    KT_ASSERT_EQ(krecv(r, buf, sizeof buf, 0, 1), -EAGAIN);
    KT_ASSERT_EQ(xfer(s, "hello", 5, 0, 0, 1, &a), 5);
    KT_ASSERT_EQ(xfer(s, "world!", 6, 0, 0, 1, &a), 6);
    for (int i = 0; i < 100 && !(r->ops->poll(r, NULL) & POLLIN); i++)
        wait_some(&r, 1, 10);
    KT_ASSERT_EQ(xfer(r, buf, 3, MSG_PEEK | MSG_TRUNC, 0, 0, NULL), 5);
    KT_ASSERT_EQ(xfer(r, buf, sizeof buf, 0, 0, 0, &from), 5);
    KT_ASSERT(!memcmp(buf, "hello", 5));
    struct sockaddr_k sa;
    KT_ASSERT_EQ(s->ops->getname(s, &sa, 0), 0);
    KT_ASSERT_EQ(port_of(&from), port_of(&sa));
    KT_ASSERT_EQ(krecv(r, buf, 2, 0, 0), 2); /* the rest of "world!" goes */
    KT_ASSERT_EQ(krecv(r, buf, sizeof buf, 0, 1), -EAGAIN);
    sock_free(s);
    sock_free(r);
}

KTEST(inet_icmp_echo_socket_to_loopback)
{
    struct socket *p;
    KT_ASSERT_EQ(sock_create(AF_INET, SOCK_DGRAM, IPPROTO_ICMP, &p), 0);
    struct sockaddr_k a = sin_of(LOOPBACK, 0), me;
    uint8_t req[16] = {8, 0, 0, 0, 0, 0, 0, 1, 'p', 'i', 'n', 'g'}, rep[64];
    KT_ASSERT_EQ(xfer(p, req, sizeof req, 0, 0, 1, &a), (long)sizeof req);
    KT_ASSERT_EQ(p->ops->getname(p, &me, 0), 0);
    for (int i = 0; i < 100 && !(p->ops->poll(p, NULL) & POLLIN); i++)
        wait_some(&p, 1, 10);
    KT_ASSERT_EQ(krecv(p, rep, sizeof rep, 0, 1), (long)sizeof req);
    KT_ASSERT_EQ(rep[0], 0); /* an echo reply */
    KT_ASSERT_EQ(rep[4] << 8 | rep[5], port_of(&me)); /* its id is the socket's */
    KT_ASSERT(!memcmp(rep + 6, req + 6, sizeof req - 6));
    sock_free(p);
}
