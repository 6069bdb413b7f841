/**
 * @file net_tests.c
 * @brief ktests of the TCP/IP stack over the loopback interface (every
 *        boot has it): a TCP connection through 127.0.0.1 on lwIP's raw
 *        API carrying 1 MiB intact, UDP echo, ICMP echo, each twice with
 *        lwIP's pools and heap back where they started; the checksum
 *        against a plain one; `ip=`'s forms; the glue on a device of the
 *        test's own (ARP, checksum offload both ways).
 */
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip_addr.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "net_internal.h"
#include "ping.h"
#include <hal/timer.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/net.h>
#include <kernel/sched.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/wait.h>

#define SEC 1000000000ull

/* CHECK()s for the helpers that return whether the round went on */
#define CHECK(c)                                                   \
    do {                                                           \
        if (!(c)) {                                                \
            ktest_fail(ctx, __FILE__, __LINE__, #c);               \
            return 0;                                              \
        }                                                          \
    } while (0)
#define CHECK_EQ(got, want)                                                    \
    do {                                                                       \
        long g_ = (long)(got), w_ = (long)(want);                              \
        if (g_ != w_) {                                                        \
            ktest_fail_eq(ctx, __FILE__, __LINE__, #got " == " #want, g_, w_); \
            return 0;                                                          \
        }                                                                      \
    } while (0)

/* What lwIP holds: the pools' counts and its heap blocks. */
struct held {
    unsigned pool[MEMP_MAX];
    size_t blocks;
};

static void held_now(struct held *h)
{
    size_t bytes;
    for (int i = 0; i < MEMP_MAX; i++)
        h->pool[i] = memp_pools[i]->stats->used;
    lwip_port_heap(&bytes, &h->blocks);
}

/* Wait (up to a second: loopback frames in flight) for lwIP to hold no
 * more than it held at @p start; 1 if it does. Less is no leak: what an
 * earlier test left (a TIME_WAIT pcb, the TCP timer lwIP runs while one
 * exists) may be let go meanwhile, and under load it was, failing a
 * second `ktest` in one boot (smp_ktest_twice_gicv2, 4 CPUs on 2). */
static int held_back(const struct held *start)
{
    uint64_t end = hal_time_ns() + SEC;
    for (;;) {
        struct held now;
        held_now(&now);
        int more = now.blocks > start->blocks;
        for (int i = 0; i < MEMP_MAX; i++)
            more |= now.pool[i] > start->pool[i];
        if (!more)
            return 1;
        if (hal_time_ns() > end)
            return 0;
        thread_sleep_ms(5);
    }
}

/* Sleep on @p wq until *cond is nonzero or @p ns passed; 1 if it is. */
static int wait_cond(struct waitqueue *wq, volatile int *cond, uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (!*cond) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, wq);
        int late = *cond ? 0 : wait_set_block_until(&ws, end);
        wait_set_clear(&ws);
        if (late)
            return *cond != 0;
    }
    return 1;
}

/* ---- TCP: 1 MiB through 127.0.0.1 ---- */

#define TCP_BYTES (1u << 20)

struct tcp_run {
    struct waitqueue wq;
    struct tcp_pcb *server; /* the accepted connection */
    volatile int connected, accepted, done, error;
    volatile int progress; /* bumped by every callback: the sender looks again */
    size_t received;
    uint32_t crc;
};

static err_t srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcp_run *r = arg;
    (void)err;
    if (!p) { /* the client's FIN: close our side too */
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_err(pcb, NULL);
        tcp_close(pcb);
        r->done = 1;
        wq_wake_all(&r->wq);
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next)
        r->crc = crc32(r->crc, q->payload, q->len);
    r->received += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static void tcp_fail(void *arg, err_t err)
{
    struct tcp_run *r = arg;
    r->error = err ? err : -1;
    r->done = 1;
    wq_wake_all(&r->wq);
}

static err_t srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_run *r = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    r->server = pcb;
    tcp_arg(pcb, r);
    tcp_recv(pcb, srv_recv);
    tcp_err(pcb, tcp_fail);
    r->accepted = 1;
    wq_wake_all(&r->wq);
    return ERR_OK;
}

static err_t cli_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_run *r = arg;
    (void)pcb;
    r->connected = err == ERR_OK ? 1 : -1;
    wq_wake_all(&r->wq);
    return ERR_OK;
}

static err_t cli_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct tcp_run *r = arg;
    (void)pcb;
    (void)len;
    r->progress = 1;
    wq_wake_all(&r->wq);
    return ERR_OK;
}

/* Drop our TIME-WAIT pcbs of port @p port: the protocol keeps them for
 * minutes, and the counts must come back now. */
static void drop_time_wait(u16_t port)
{
    net_lock();
    for (struct tcp_pcb *p = tcp_tw_pcbs, *next; p; p = next) {
        next = p->next;
        if (p->local_port == port || p->remote_port == port)
            tcp_abort(p);
    }
    net_unlock();
}

static int tcp_round(struct ktest_ctx *ctx, const uint8_t *data)
{
    struct tcp_run r = {0};
    wq_init(&r.wq, "tcp-test");
    ip_addr_t lo;
    IP_ADDR4(&lo, 127, 0, 0, 1);
    net_lock();
    struct tcp_pcb *l = tcp_new();
    struct tcp_pcb *c = tcp_new();
    int ok = l && c && tcp_bind(l, &lo, 0) == ERR_OK;
    struct tcp_pcb *lp = ok ? tcp_listen(l) : NULL;
    u16_t port = lp ? lp->local_port : 0;
    if (lp) {
        tcp_arg(lp, &r);
        tcp_accept(lp, srv_accept);
        tcp_arg(c, &r);
        tcp_err(c, tcp_fail);
        tcp_sent(c, cli_sent);
        ok = tcp_connect(c, &lo, port, cli_connected) == ERR_OK;
    }
    net_unlock();
    if (!lp || !ok) {
        ktest_fail(ctx, __FILE__, __LINE__, "listen and connect on 127.0.0.1");
        return 0;
    }
    if (!wait_cond(&r.wq, &r.connected, 2 * SEC) || r.connected != 1 ||
        !wait_cond(&r.wq, &r.accepted, 2 * SEC)) {
        ktest_fail(ctx, __FILE__, __LINE__, "connected and accepted");
        return 0;
    }
    /* Send in what the buffer takes, waiting for acknowledgements between. */
    size_t off = 0;
    uint64_t end = hal_time_ns() + 20 * SEC;
    while (off < TCP_BYTES && !r.error && hal_time_ns() < end) {
        r.progress = 0;
        net_lock();
        size_t room = tcp_sndbuf(c), n = TCP_BYTES - off < room ? TCP_BYTES - off : room;
        if (n > 65535)
            n = 65535;
        if (n && tcp_write(c, data + off, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK)
            off += n;
        tcp_output(c);
        net_unlock();
        if (!n)
            wait_cond(&r.wq, &r.progress, SEC / 10);
    }
    /* Close: the client's callbacks go, lwIP finishes the close. */
    net_lock();
    tcp_arg(c, NULL);
    tcp_sent(c, NULL);
    tcp_err(c, NULL);
    if (!r.error && tcp_close(c) != ERR_OK)
        tcp_abort(c);
    tcp_close(lp);
    net_unlock();
    int done = wait_cond(&r.wq, &r.done, 20 * SEC);
    thread_sleep_ms(20); /* the last ACK through the loopback queue */
    drop_time_wait(port);
    CHECK_EQ(r.error, 0);
    CHECK(done);
    CHECK_EQ(off, TCP_BYTES);
    CHECK_EQ(r.received, TCP_BYTES);
    CHECK_EQ(r.crc, crc32(0, data, TCP_BYTES));
    return 1;
}

/* ---- UDP echo ---- */

struct udp_run {
    struct waitqueue wq;
    volatile int got;
    uint8_t buf[1500];
    size_t len;
};

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static void cli_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct udp_run *r = arg;
    (void)pcb, (void)addr, (void)port;
    r->len = pbuf_copy_partial(p, r->buf, sizeof r->buf, 0);
    pbuf_free(p);
    r->got = 1;
    wq_wake_all(&r->wq);
}

static int udp_round(struct ktest_ctx *ctx)
{
    struct udp_run r = {0};
    wq_init(&r.wq, "udp-test");
    ip_addr_t lo;
    IP_ADDR4(&lo, 127, 0, 0, 1);
    net_lock();
    struct udp_pcb *srv = udp_new(), *cli = udp_new();
    int ok = srv && cli && udp_bind(srv, &lo, 0) == ERR_OK && udp_bind(cli, &lo, 0) == ERR_OK;
    if (ok) {
        udp_recv(srv, echo_recv, NULL);
        udp_recv(cli, cli_recv, &r);
    }
    net_unlock();
    static const unsigned sizes[] = {0, 1, 63, 512, 1400};
    for (unsigned i = 0; ok && i < sizeof sizes / sizeof sizes[0]; i++) {
        struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)sizes[i], PBUF_RAM);
        if (!p) {
            ok = 0;
            break;
        }
        for (unsigned j = 0; j < sizes[i]; j++)
            ((uint8_t *)p->payload)[j] = (uint8_t)(i * 31 + j);
        r.got = 0;
        net_lock();
        ok = udp_sendto(cli, p, &lo, srv->local_port) == ERR_OK;
        net_unlock();
        pbuf_free(p);
        ok = ok && wait_cond(&r.wq, &r.got, 2 * SEC) && r.len == sizes[i];
        for (unsigned j = 0; ok && j < sizes[i]; j++)
            ok = r.buf[j] == (uint8_t)(i * 31 + j);
    }
    net_lock();
    if (srv)
        udp_remove(srv);
    if (cli)
        udp_remove(cli);
    net_unlock();
    CHECK(ok);
    return 1;
}

static int ping_round(struct ktest_ctx *ctx)
{
    struct pinger pg;
    CHECK_EQ(ping_open(&pg, "127.0.0.1"), 0);
    int got = 0;
    for (uint16_t seq = 1; seq <= 3; seq++) {
        int e = ping_send(&pg, seq, 56);
        if (!e && ping_wait(&pg, seq, hal_time_ns() + 2 * SEC, NULL) == 1)
            got++;
    }
    int ttl = pg.reply_ttl;
    ping_close(&pg);
    CHECK_EQ(got, 3);
    CHECK_EQ(ttl, 64);
    return 1;
}

/* Twice, each time with lwIP holding afterwards no more than it held
 * before: no pcb, segment, pbuf or heap block left behind. */
KTEST(net_loopback_tcp_udp_ping_twice)
{
    KT_ASSERT_EQ(net_wait_ready(), 0);
    uint8_t *data = kmalloc(TCP_BYTES);
    KT_ASSERT(data != NULL);
    uint32_t x = 0x2545f491;
    for (size_t i = 0; i < TCP_BYTES; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = (uint8_t)(x >> 24);
    }
    for (int round = 0; round < 2; round++) {
        struct held start;
        held_now(&start);
        int ok = tcp_round(ctx, data) && udp_round(ctx) && ping_round(ctx);
        if (!ok)
            break;
        if (!held_back(&start)) {
            struct held now;
            held_now(&now);
            for (int i = 0; i < MEMP_MAX; i++)
                if (now.pool[i] > start.pool[i])
                    ktest_fail_eq(ctx, __FILE__, __LINE__, "an lwIP pool's count (pool index in the log)",
                                  (long)now.pool[i] - start.pool[i], i);
            KT_ASSERT(now.blocks <= start.blocks);
        }
    }
    kfree(data);
}

/* The checksum of every length and alignment against a byte-pair sum. */
KTEST(net_checksum_matches_plain_sum)
{
    uint8_t buf[300];
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 0xa5 + (i >> 3));
    for (unsigned start = 0; start < 8; start++) {
        for (unsigned len = 0; start + len <= sizeof buf; len++) {
            const uint8_t *p = buf + start;
            uint32_t sum = 0;
            for (unsigned i = 0; i + 1 < len; i += 2)
                sum += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8; /* memory order, little-endian */
            if (len & 1)
                sum += p[len - 1];
            while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
            KT_ASSERT_EQ(lwip_port_chksum(p, (int)len), sum);
        }
    }
    buf[0] = 0xff;
    KT_ASSERT_EQ(lwip_port_chksum(buf, 0), 0);
}

KTEST(net_ip_option_forms)
{
    KT_ASSERT_EQ(net_set_ip_option("10.0.2.20/24:10.0.2.2", 21), 0);
    KT_ASSERT_EQ(net_set_ip_option("10.0.2.20/24", 12), 0);
    KT_ASSERT_EQ(net_set_ip_option("10.0.2.20::10.0.2.2:255.255.255.0:h:eth0:off", 43), 0);
    KT_ASSERT_EQ(net_set_ip_option("off", 3), 0);
    KT_ASSERT_EQ(net_set_ip_option("10.0.2.20/33", 12), -EINVAL);
    KT_ASSERT_EQ(net_set_ip_option("10.0.2/24x", 10), -EINVAL);
    KT_ASSERT_EQ(net_set_ip_option("10.0.2.20", 9), -EINVAL); /* Linux's form needs the mask */
    KT_ASSERT_EQ(net_set_ip_option("dhcp", 4), 0);
}

/* ---- the glue on a device of the test's own ---- */

/* A device that keeps the last frame sent, with the checksum it was asked
 * to fill. Registered once per boot (interfaces are never removed). */
struct capture {
    struct spinlock lock;
    volatile unsigned sent;
    uint8_t frame[1600];
    size_t len;
    int has_csum;
    struct netdev_csum csum;
    unsigned ntcp;           /* TCP segments sent over IPv4, counted on */
    uint8_t tcp[8][64];      /* the last ones' headers, by ntcp % 8 */
    unsigned refuse;         /* frames still to refuse as a full ring would */
    unsigned refused;
    unsigned more;           /* IPv4 frames sent with NETDEV_XMIT_MORE */
    unsigned unflushed;      /* of those, sent since the last flush() */
    unsigned flushes;
};
static struct capture cap = {.lock = SPINLOCK_INIT("ktest-net-cap")};

static int cap_xmit(struct netdev *d, const struct netseg *seg, unsigned nseg,
                    const struct netdev_csum *csum, unsigned queue, unsigned flags)
{
    (void)d, (void)queue;
    /* The stack's IPv6 housekeeping (router and neighbour solicitations,
     * MLD reports) leaves on its own timers whenever it is due: not what
     * the test sent, so not counted (the ARP reply was once not the only
     * frame out). */
    if (nseg && seg[0].len >= 14 && ((const uint8_t *)seg[0].data)[12] == 0x86 &&
        ((const uint8_t *)seg[0].data)[13] == 0xdd)
        return 0;
    irqflags_t f = spin_lock_irqsave(&cap.lock);
    if (cap.refuse) {
        cap.refuse--;
        cap.refused++;
        spin_unlock_irqrestore(&cap.lock, f);
        return -EAGAIN;
    }
    size_t n = 0;
    for (unsigned i = 0; i < nseg && n + seg[i].len <= sizeof cap.frame; i++) {
        memcpy(cap.frame + n, seg[i].data, seg[i].len);
        n += seg[i].len;
    }
    cap.len = n;
    if (n >= 54 && cap.frame[12] == 0x08 && cap.frame[13] == 0 && cap.frame[14 + 9] == 6)
        memcpy(cap.tcp[cap.ntcp++ % 8], cap.frame, 64);
    cap.has_csum = csum != NULL;
    if (csum)
        cap.csum = *csum;
    if (flags & NETDEV_XMIT_MORE)
        cap.more++, cap.unflushed++;
    cap.sent++;
    spin_unlock_irqrestore(&cap.lock, f);
    return 0;
}

static void cap_flush(struct netdev *d)
{
    (void)d;
    irqflags_t f = spin_lock_irqsave(&cap.lock);
    cap.flushes++;
    cap.unflushed = 0;
    spin_unlock_irqrestore(&cap.lock, f);
}

static const struct netdev_ops cap_ops = {.xmit = cap_xmit, .flush = cap_flush};
static struct netdev cap_dev = {
    .ops = &cap_ops, .mac = {0x02, 0, 0, 0, 0, 0x01}, .mtu = 1500,
    .features = NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM | NETDEV_F_RX_BATCH, .nqueues = 1, .bus = "ktest",
    .link_up = 1,
};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t our_ip[4] = {10, 9, 0, 1}, peer_ip[4] = {10, 9, 0, 2};

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* The peer's ARP request for our address: 42 bytes at @p f. */
static void who_has(uint8_t *f)
{
    static const uint8_t arp_hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memset(f, 0xff, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x06;
    memcpy(f + 14, arp_hdr, 8);
    memcpy(f + 22, peer_mac, 6);
    memcpy(f + 28, peer_ip, 4);
    memset(f + 32, 0, 6);
    memcpy(f + 38, our_ip, 4);
}

/* An Ethernet + IPv4 + UDP frame from the peer to us, IP checksum right,
 * UDP checksum @p ucsum as given (network order); returns its length. */
static size_t udp_frame(uint8_t *f, uint16_t dport, const char *msg, uint16_t ucsum)
{
    size_t n = strlen(msg), ulen = 8 + n;
    memcpy(f, cap_dev.mac, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45, ip[2] = (uint8_t)((20 + ulen) >> 8), ip[3] = (uint8_t)(20 + ulen);
    ip[8] = 64, ip[9] = 17;
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, our_ip, 4);
    uint16_t c = (uint16_t)~fold(lwip_port_chksum(ip, 20));
    memcpy(ip + 10, &c, 2);
    uint8_t *u = ip + 20;
    u[0] = 5000 >> 8, u[1] = 5000 & 0xff, u[2] = (uint8_t)(dport >> 8), u[3] = (uint8_t)dport;
    u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
    memcpy(u + 6, &ucsum, 2);
    memcpy(u + 8, msg, n);
    return 14 + 20 + ulen;
}

static void count_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb, (void)addr, (void)port;
    __atomic_add_fetch((unsigned *)arg, 1, __ATOMIC_RELAXED);
    pbuf_free(p);
}

/* A device with checksum offload behind the glue: ARP answered through
 * xmit(); a UDP datagram goes out with the pseudo-header's sum in place
 * and where the device is to finish it, and finishing it as a device
 * does gives a datagram whose checksum verifies; a received datagram with
 * a wrong checksum is dropped unless the device vouched for it; a
 * datagram off the subnet goes out to the gateway. */
/* The test device registered (once a boot: interfaces are never removed)
 * with the address 10.9.0.1/24; the netif, or NULL. */
static struct netif *cap_ready(void)
{
    static int registered;
    if (net_wait_ready() != 0 || (!registered && netdev_register(&cap_dev) != 0))
        return NULL;
    registered = 1;
    struct netif *nif = net_netif_of(&cap_dev);
    if (!nif)
        return NULL;
    ip4_addr_t a, m, g;
    IP4_ADDR(&a, 10, 9, 0, 1);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 10, 9, 0, 254);
    net_lock();
    dhcp_release_and_stop(nif);
    netif_set_addr(nif, &a, &m, &g);
    net_unlock();
    return nif;
}

KTEST(net_glue_arp_and_checksum_offload)
{
    struct netif *nif = cap_ready();
    KT_ASSERT(nif != NULL);

    /* who-has 10.9.0.1 tell 10.9.0.2, in two pieces */
    uint8_t f[128] = {0};
    who_has(f);
    struct netseg seg[2] = {{f, 20}, {f + 20, 22}};
    unsigned before = cap.sent;
    netdev_rx(&cap_dev, seg, 2, 0);
    KT_ASSERT(cap.sent == before + 1);
    KT_ASSERT_EQ(cap.len, 42);
    KT_ASSERT(cap.frame[12] == 0x08 && cap.frame[13] == 0x06 && cap.frame[21] == 2); /* a reply */
    KT_ASSERT(memcmp(cap.frame + 22, cap_dev.mac, 6) == 0 && memcmp(cap.frame + 28, our_ip, 4) == 0);
    KT_ASSERT(memcmp(cap.frame, peer_mac, 6) == 0);

    /* out: the peer's MAC is known now, so the datagram leaves at once */
    ip_addr_t peer;
    IP_ADDR4(&peer, 10, 9, 0, 2);
    unsigned got = 0;
    net_lock();
    struct udp_pcb *u = udp_new();
    int ok = u && udp_bind(u, IP_ADDR_ANY, 0) == ERR_OK;
    struct pbuf *p = ok ? pbuf_alloc(PBUF_TRANSPORT, 100, PBUF_RAM) : NULL;
    if (p) {
        for (unsigned i = 0; i < 100; i++)
            ((uint8_t *)p->payload)[i] = (uint8_t)(i * 3 + 1);
        before = cap.sent;
        ok = udp_sendto(u, p, &peer, 9999) == ERR_OK;
        pbuf_free(p);
    }
    if (u)
        udp_recv(u, count_recv, &got);
    u16_t port = u ? u->local_port : 0;
    net_unlock();
    KT_ASSERT(ok && p);
    KT_ASSERT(cap.sent == before + 1);
    KT_ASSERT_EQ(cap.len, 14 + 20 + 8 + 100);
    KT_ASSERT(cap.has_csum);
    KT_ASSERT_EQ(cap.csum.start, 34);
    KT_ASSERT_EQ(cap.csum.offset, 6);
    /* the device's part: the sum from start to the end, complemented, in place */
    uint16_t c = (uint16_t)~fold(lwip_port_chksum(cap.frame + 34, (int)(cap.len - 34)));
    memcpy(cap.frame + 34 + 6, &c, 2);
    /* a receiver's check: pseudo-header + datagram sums to all ones */
    uint8_t ph[12] = {0};
    memcpy(ph, cap.frame + 26, 8);
    ph[9] = 17, ph[10] = 0, ph[11] = 108;
    KT_ASSERT_EQ(fold((uint32_t)lwip_port_chksum(ph, 12) + lwip_port_chksum(cap.frame + 34, 108)), 0xffff);

    /* in: a wrong UDP checksum, then the same vouched for by the device */
    size_t n = udp_frame(f, port, "ktest", 0x1234);
    struct netseg one = {f, n};
    netdev_rx(&cap_dev, &one, 1, 0);
    thread_sleep_ms(1);
    unsigned dropped = got;
    netdev_rx(&cap_dev, &one, 1, NETDEV_RX_CSUM_OK);
    unsigned taken = got;
    net_lock();
    udp_remove(u);
    net_unlock();
    KT_ASSERT_EQ(dropped, 0);
    KT_ASSERT_EQ(taken, 1);

    /* Off the subnet: through the first card's gateway, DHCP's card or
     * not (lwIP has no default interface unless the glue names one). The
     * first card is ours in a boot without another (the ktest images). */
    net_lock();
    struct netif *def = netif_default;
    net_unlock();
    KT_ASSERT(def != NULL && net_netdev_of(def) != NULL);
    if (def == nif) {
        ip_addr_t far;
        IP_ADDR4(&far, 10, 77, 0, 1);
        net_lock();
        /* A run a moment ago left its request pending, and lwIP would
         * only queue behind it: forget the interface's neighbours. */
        etharp_cleanup_netif(nif);
        struct udp_pcb *o = udp_new();
        struct pbuf *q = o ? pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM) : NULL;
        before = cap.sent;
        err_t e = q ? udp_sendto(o, q, &far, 9) : ERR_MEM;
        if (q)
            pbuf_free(q);
        if (o)
            udp_remove(o);
        net_unlock();
        KT_ASSERT_EQ(e, ERR_OK);
        KT_ASSERT(cap.sent == before + 1);
        static const uint8_t gw_ip[4] = {10, 9, 0, 254};
        KT_ASSERT(cap.frame[12] == 0x08 && cap.frame[13] == 0x06 && cap.frame[21] == 1); /* who-has */
        KT_ASSERT(memcmp(cap.frame + 38, gw_ip, 4) == 0);
    }
}

/* ---- ACKs once per receive pass ---- */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A TCP segment from the peer's port @p sport to ours @p dport, no
 * options, @p n bytes of data, both checksums right, received in the
 * current pass. */
static void rx_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, size_t n)
{
    static uint8_t f[14 + 20 + 20 + 1000];
    size_t tl = 20 + n;
    memcpy(f, cap_dev.mac, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14, *t = f + 34;
    memset(ip, 0, 40);
    ip[0] = 0x45, ip[8] = 64, ip[9] = 6;
    put16(ip + 2, (uint32_t)(20 + tl));
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, our_ip, 4);
    uint16_t c = (uint16_t)~fold(lwip_port_chksum(ip, 20));
    memcpy(ip + 10, &c, 2);
    put16(t, sport), put16(t + 2, dport), put32(t + 4, seq), put32(t + 8, ack);
    t[12] = 5 << 4, t[13] = flags;
    put16(t + 14, 65535);
    for (size_t i = 0; i < n; i++)
        t[20 + i] = (uint8_t)(seq + i);
    uint8_t ph[12] = {0};
    memcpy(ph, ip + 12, 8);
    ph[9] = 6;
    put16(ph + 10, (uint32_t)tl);
    c = (uint16_t)~fold((uint32_t)lwip_port_chksum(ph, 12) + lwip_port_chksum(t, (int)tl));
    memcpy(t + 16, &c, 2);
    struct netseg one = {f, 14 + 20 + tl};
    netdev_rx(&cap_dev, &one, 1, 0);
}

struct ack_srv {
    struct tcp_pcb *pcb;
    unsigned bytes;
};

static err_t ack_srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)pcb, (void)err;
    if (p) { /* not taken up (no tcp_recved): no window updates among the ACKs */
        ((struct ack_srv *)arg)->bytes += p->tot_len;
        pbuf_free(p);
    }
    return ERR_OK;
}

static err_t ack_srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)err;
    ((struct ack_srv *)arg)->pcb = pcb;
    tcp_arg(pcb, arg);
    tcp_recv(pcb, ack_srv_recv);
    return ERR_OK;
}

/* The TCP segment cap.tcp holds as the @p i-th sent (counted from 0). */
static const uint8_t *sent_tcp(unsigned i) { return cap.tcp[i % 8] + 34; }

/* The test device ready, the peer's MAC learnt (whatever ran before), and
 * a listener on @p dport with @p backlog for @p srv: the listener, or NULL
 * if lwIP refused one. */
static struct tcp_pcb *ack_srv_listen(struct ack_srv *srv, uint16_t dport, u8_t backlog)
{
    if (!cap_ready())
        return NULL;
    uint8_t req[42] = {0};
    who_has(req);
    struct netseg arp = {req, sizeof req};
    netdev_rx(&cap_dev, &arp, 1, 0);
    netdev_rx_end(&cap_dev);
    net_lock();
    struct tcp_pcb *l = tcp_new(), *lp = NULL;
    if (l && tcp_bind(l, IP_ADDR_ANY, dport) == ERR_OK)
        lp = tcp_listen_with_backlog(l, backlog);
    if (!lp && l)
        tcp_close(l);
    if (lp) {
        tcp_arg(lp, srv);
        tcp_accept(lp, ack_srv_accept);
    }
    net_unlock();
    return lp;
}

/* ack_srv_listen() (lwIP's default backlog) and the peer's handshake from
 * @p sport with @p seq: the listener (NULL if lwIP refused one), *@p synack
 * the segments lwIP answered the SYN with, *@p ours our next sequence number
 * (0 if the answer was not one right SYN-ACK). */
static struct tcp_pcb *ack_srv_connect(struct ack_srv *srv, uint16_t sport, uint16_t dport,
                                       uint32_t seq, uint32_t *ours, unsigned *synack)
{
    struct tcp_pcb *lp = ack_srv_listen(srv, dport, TCP_DEFAULT_LISTEN_BACKLOG);
    if (!lp)
        return NULL;
    unsigned n0 = cap.ntcp;
    rx_tcp(sport, dport, seq, 0, TCP_SYN, 0);
    netdev_rx_end(&cap_dev);
    *synack = cap.ntcp - n0;
    const uint8_t *t = sent_tcp(cap.ntcp - 1);
    *ours = 0;
    if (*synack == 1 && t[13] == (TCP_SYN | TCP_ACK) && get32(t + 8) == seq + 1)
        *ours = get32(t + 4) + 1;
    if (*ours) {
        rx_tcp(sport, dport, seq + 1, *ours, TCP_ACK, 0);
        netdev_rx_end(&cap_dev);
    }
    return lp;
}

/* A device that ends its receive passes (NETDEV_F_RX_BATCH): of the ACKs
 * lwIP sends for the eight segments of one pass (one every second
 * segment), none leaves during the pass and one at its end, for all eight;
 * three segments past a hole in one pass still bring three duplicate
 * ACKs (the sender's fast retransmit counts them); the data all arrives. */
KTEST(net_tcp_acks_once_per_receive_pass)
{
    struct ack_srv srv = {0};
    static uint16_t sport = 41000;
    const uint16_t dport = 7071;
    sport++; /* a new connection each run */
    uint32_t seq = 1000, ours = 0;
    unsigned synack = 0;
    struct tcp_pcb *lp = ack_srv_connect(&srv, sport, dport, seq, &ours, &synack);
    KT_ASSERT(lp != NULL);
    seq++;
    unsigned n0, during = 0, after = 0, dups = 0, dups_right = 0;
    uint32_t last_ack = 0;
    if (ours && srv.pcb) {
        n0 = cap.ntcp;
        for (int k = 0; k < 8; k++, seq += 1000)
            rx_tcp(sport, dport, seq, ours, TCP_ACK, 1000);
        during = cap.ntcp - n0;
        netdev_rx_end(&cap_dev);
        after = cap.ntcp - n0;
        last_ack = after ? get32(sent_tcp(cap.ntcp - 1) + 8) : 0;
        /* a hole of 1000 bytes at seq, then three segments past it */
        n0 = cap.ntcp;
        for (uint32_t k = 1; k <= 3; k++)
            rx_tcp(sport, dport, seq + 1000 * k, ours, TCP_ACK, 1000);
        netdev_rx_end(&cap_dev);
        dups = cap.ntcp - n0;
        for (unsigned i = n0; i < cap.ntcp && dups <= 8; i++)
            dups_right += sent_tcp(i)[13] == TCP_ACK && get32(sent_tcp(i) + 8) == seq;
        rx_tcp(sport, dport, seq, ours, TCP_ACK, 1000);
        netdev_rx_end(&cap_dev);
    }
    net_lock();
    if (srv.pcb)
        tcp_abort(srv.pcb);
    tcp_close(lp);
    net_unlock();
    KT_ASSERT_EQ(synack, 1);
    KT_ASSERT(ours != 0);
    KT_ASSERT(srv.pcb != NULL);
    /* lwIP's delayed-ACK timer may send one of its own meanwhile */
    KT_ASSERT(during <= 1);
    KT_ASSERT(after >= 1 && after <= 2);
    KT_ASSERT_EQ(last_ack, seq);
    KT_ASSERT_EQ(dups, 3);
    KT_ASSERT_EQ(dups_right, 3);
    KT_ASSERT_EQ(srv.bytes, 12000);
}

/* A segment the device refused for want of room (-EAGAIN, as a full
 * transmit ring does), with nothing else in flight and no ACK or write to
 * come, goes out again through the glue's retry (lwIP alone would wait for
 * its next slow-timer poll, up to 500 ms), not as a retransmission: no
 * retransmission counted, the congestion window as it was. */
KTEST(net_tcp_resends_what_a_full_device_refused)
{
    struct ack_srv srv = {0};
    static uint16_t sport = 43000;
    const uint16_t dport = 7072;
    sport++;
    uint32_t ours = 0;
    unsigned synack = 0;
    struct tcp_pcb *lp = ack_srv_connect(&srv, sport, dport, 5000, &ours, &synack);
    KT_ASSERT(lp != NULL);
    static const char msg[100] = "refused once, then sent";
    err_t we = ERR_CONN, oe = ERR_CONN;
    unsigned refused = 0, n0 = cap.ntcp, after_refusal = 0, nrtx = 0;
    tcpwnd_size_t cwnd0 = 0, cwnd = 0;
    unsigned long retries0 = 0, retries = 0;
    net_lock();
    if (ours && srv.pcb) {
        cwnd0 = srv.pcb->cwnd;
        retries0 = net_tx_retries();
        cap.refuse = 1;
        cap.refused = 0;
        we = tcp_write(srv.pcb, msg, sizeof msg, TCP_WRITE_FLAG_COPY);
        oe = tcp_output(srv.pcb);
        refused = cap.refused;
        after_refusal = cap.ntcp - n0;
        cap.refuse = 0;
    }
    net_unlock();
    /* The tcpip thread's timeout, not this thread, must send it. Wait for
     * the retry to have run as well: lwIP's slow timer, when due at the
     * same moment (a late tcpip thread), may send it first. */
    uint64_t end = hal_time_ns() + 2 * SEC;
    while ((cap.ntcp == n0 || net_tx_retries() == retries0) && hal_time_ns() < end)
        thread_sleep_ms(1); /* (the count read without the lock: a look) */
    unsigned sent = cap.ntcp - n0;
    const uint8_t *t = sent ? sent_tcp(n0) : NULL;
    uint16_t ip_len = sent ? (uint16_t)(cap.tcp[n0 % 8][16] << 8 | cap.tcp[n0 % 8][17]) : 0;
    net_lock();
    if (srv.pcb) {
        retries = net_tx_retries();
        nrtx = srv.pcb->nrtx;
        cwnd = srv.pcb->cwnd;
        tcp_abort(srv.pcb);
    }
    tcp_close(lp);
    net_unlock();
    KT_ASSERT_EQ(synack, 1);
    KT_ASSERT(ours != 0 && srv.pcb != NULL);
    KT_ASSERT_EQ(we, ERR_OK);
    KT_ASSERT_EQ(oe, ERR_MEM);
    KT_ASSERT_EQ(refused, 1);
    KT_ASSERT_EQ(after_refusal, 0);
    KT_ASSERT(sent >= 1);
    KT_ASSERT_EQ(get32(t + 4), ours); /* the data's first byte */
    KT_ASSERT_EQ(ip_len, 20 + 20 + sizeof msg);
    KT_ASSERT(retries > retries0);
    KT_ASSERT_EQ(nrtx, 0);
    KT_ASSERT_EQ(cwnd, cwnd0);
}

/* A burst of segments sent under the stack's lock reaches a device that
 * can batch (ops->flush) with NETDEV_XMIT_MORE and no flush() while the
 * lock is held; releasing the lock flushes them, once. (Without this,
 * virtio-net told QEMU of each frame: one wake of its main loop each.) */
KTEST(net_glue_tells_the_device_once_per_burst)
{
    struct ack_srv srv = {0};
    static uint16_t sport = 44000;
    const uint16_t dport = 7073;
    sport++;
    uint32_t ours = 0;
    unsigned synack = 0;
    struct tcp_pcb *lp = ack_srv_connect(&srv, sport, dport, 9000, &ours, &synack);
    KT_ASSERT(lp != NULL);
    static char data[4000];
    err_t we = ERR_CONN;
    unsigned n0 = cap.ntcp, burst = 0, more = 0, flushed_while_held = 0, unflushed_held = 0;
    net_lock();
    unsigned f0 = cap.flushes, more0 = cap.more;
    if (ours && srv.pcb) {
        we = tcp_write(srv.pcb, data, sizeof data, TCP_WRITE_FLAG_COPY);
        (void)tcp_output(srv.pcb);
    }
    burst = cap.ntcp - n0;
    more = cap.more - more0;
    flushed_while_held = cap.flushes - f0;
    unflushed_held = cap.unflushed;
    net_unlock();
    unsigned flushes = cap.flushes - f0, unflushed = cap.unflushed;
    net_lock();
    if (srv.pcb)
        tcp_abort(srv.pcb);
    tcp_close(lp);
    net_unlock();
    KT_ASSERT_EQ(synack, 1);
    KT_ASSERT(ours != 0 && srv.pcb != NULL);
    KT_ASSERT_EQ(we, ERR_OK);
    KT_ASSERT(burst >= 2); /* the initial window: at least two full segments */
    KT_ASSERT_EQ(more, burst);
    KT_ASSERT_EQ(unflushed_held, burst);
    KT_ASSERT_EQ(flushed_while_held, 0);
    KT_ASSERT(flushes >= 1); /* the tcpip thread may have sent and flushed since */
    KT_ASSERT_EQ(unflushed, 0);
}

/* A SYN at a listener whose backlog is full of half-open connections takes
 * the place of the oldest one a second old (after a SYN flood the port takes
 * a connection at once, not when the flood's half-open ones time out),
 * without an RST to the dropped one's peer; the new connection completes.
 * A younger half-open connection is spared (the SYN is dropped, as lwIP
 * does). */
KTEST(net_tcp_syn_at_full_listener_replaces_the_oldest_half_open)
{
    static uint16_t sport = 45000;
    const uint16_t dport = 7073;
    uint16_t a = ++sport, b = ++sport;
    struct ack_srv srv = {0};
    struct tcp_pcb *lp = ack_srv_listen(&srv, dport, 1);
    KT_ASSERT(lp != NULL);
    net_lock();
    unsigned long ev0 = net_syn_evictions();
    net_unlock();
    unsigned n0 = cap.ntcp;
    rx_tcp(a, dport, 100, 0, TCP_SYN, 0); /* half-open: the backlog is full */
    netdev_rx_end(&cap_dev);
    unsigned to_a = cap.ntcp - n0, n1 = cap.ntcp;
    /* a second later, as lwIP's ticks count it (the glue spares a younger
     * handshake, which may be a real client's under way): aged here, not
     * waited for, to keep the suite quick */
    int aged = 0;
    net_lock();
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (p->state == SYN_RCVD && p->local_port == dport && p->remote_port == a)
            p->tmr = tcp_ticks - 4, aged++;
    net_unlock();
    rx_tcp(b, dport, 200, 0, TCP_SYN, 0);
    netdev_rx_end(&cap_dev);
    unsigned to_b = cap.ntcp - n1;
    const uint8_t *t = to_b ? sent_tcp(cap.ntcp - 1) : NULL;
    int synack_b = t && t[13] == (TCP_SYN | TCP_ACK) && t[2] == (uint8_t)(b >> 8) && t[3] == (uint8_t)b &&
                   get32(t + 8) == 201;
    uint32_t ours_b = synack_b ? get32(t + 4) + 1 : 0;
    if (ours_b) {
        rx_tcp(b, dport, 201, ours_b, TCP_ACK, 0);
        netdev_rx_end(&cap_dev);
    }
    /* b accepted, the backlog is free again: c's SYN fills it, and d's
     * right after finds only c's young handshake, which stays */
    uint16_t c = ++sport, d = ++sport;
    unsigned n2 = cap.ntcp;
    rx_tcp(c, dport, 300, 0, TCP_SYN, 0);
    netdev_rx_end(&cap_dev);
    unsigned to_c = cap.ntcp - n2, n3 = cap.ntcp;
    rx_tcp(d, dport, 400, 0, TCP_SYN, 0);
    netdev_rx_end(&cap_dev);
    unsigned to_d = cap.ntcp - n3;
    rx_tcp(c, dport, 301, 0, TCP_RST, 0); /* c's half-open connection gone, not left to time out */
    netdev_rx_end(&cap_dev);
    net_lock();
    unsigned long ev = net_syn_evictions() - ev0;
    int c_left = 0;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        c_left += p->local_port == dport && p->remote_port == c;
    if (srv.pcb)
        tcp_abort(srv.pcb);
    tcp_close(lp);
    net_unlock();
    KT_ASSERT_EQ(to_a, 1);
    KT_ASSERT_EQ(aged, 1);
    KT_ASSERT_EQ(to_b, 1); /* the SYN-ACK, and no RST to a */
    KT_ASSERT(synack_b);
    KT_ASSERT_EQ(ev, 1);
    KT_ASSERT(srv.pcb != NULL); /* b's connection completed and was accepted */
    KT_ASSERT_EQ(to_c, 1);
    KT_ASSERT_EQ(to_d, 0);
    KT_ASSERT_EQ(c_left, 0);
}

/* ---- netlink's groups, told of what the stack changes by itself ---- */

#define NL_RTM_NEWLINK 16
#define NL_RTM_NEWADDR 20
#define NL_RTM_DELADDR 21
#define NL_IFA_LOCAL 2
#define NL_IFF_RUNNING 0x40

/* What a netlink socket was told about the interface @p index. */
struct nl_seen {
    int link_down, link_up; /* RTM_NEWLINK without, with IFF_RUNNING */
    int new_addr, del_addr; /* RTM_NEWADDR, RTM_DELADDR of @p addr */
};

static void nl_read(struct socket *s, int index, const uint8_t addr[4], struct nl_seen *w)
{
    static uint8_t b[4096];
    for (;;) {
        struct sock_seg seg = {{(uintptr_t)b, 0}, sizeof b};
        struct sock_msg m = {NULL, {&seg, 1, sizeof b}, NULL, 0};
        long r = s->ops->recvmsg(s, &m, 0, 1);
        if (r <= 0)
            return;
        for (long off = 0; off + 16 <= r;) {
            uint32_t len;
            uint16_t type;
            int32_t idx;
            memcpy(&len, b + off, 4);
            memcpy(&type, b + off + 4, 2);
            if (len < 16 || (unsigned long)off + len > (unsigned long)r)
                break;
            memcpy(&idx, b + off + 20, 4); /* ifi_index and ifa_index, both at 4 */
            if (type == NL_RTM_NEWLINK && len >= 32 && idx == index) {
                uint32_t flags;
                memcpy(&flags, b + off + 24, 4);
                if (flags & NL_IFF_RUNNING)
                    w->link_up++;
                else
                    w->link_down++;
            } else if ((type == NL_RTM_NEWADDR || type == NL_RTM_DELADDR) && len >= 24 && idx == index) {
                for (uint32_t a = 24; a + 8 <= len;) { /* the attributes: IFA_LOCAL's */
                    uint16_t alen, atype;
                    memcpy(&alen, b + off + a, 2);
                    memcpy(&atype, b + off + a + 2, 2);
                    if (alen < 4)
                        break;
                    if (atype == NL_IFA_LOCAL && alen == 8 && !memcmp(b + off + a + 4, addr, 4))
                        ++*(type == NL_RTM_NEWADDR ? &w->new_addr : &w->del_addr);
                    a += (alen + 3u) & ~3u;
                }
            }
            off += (len + 3) & ~3u;
        }
    }
}

/* Wait up to a second for @p done(w) as @p s is told things. */
static int nl_wait(struct socket *s, int index, const uint8_t addr[4], struct nl_seen *w,
                   int (*done)(const struct nl_seen *))
{
    uint64_t end = hal_time_ns() + 1000000000ull;
    for (;;) {
        nl_read(s, index, addr, w);
        if (done(w) || hal_time_ns() >= end)
            return done(w);
        struct wait_set ws;
        wait_set_init(&ws);
        s->ops->poll(s, &ws);
        wait_set_block_until(&ws, end);
        wait_set_clear(&ws);
    }
}

static int seen_down(const struct nl_seen *w) { return w->link_down > 0; }
static int seen_up(const struct nl_seen *w) { return w->link_up > 0; }
static int seen_moved(const struct nl_seen *w) { return w->del_addr > 0; }
static int seen_back(const struct nl_seen *w) { return w->new_addr > 0; }

/* The carrier and DHCP change an interface inside lwIP, not through a
 * socket call: netlink's groups hear of it from the tcpip thread. */
KTEST(net_netlink_groups_hear_the_stack_s_own_changes)
{
    struct netif *nif = cap_ready();
    KT_ASSERT(nif != NULL);
    struct socket *s;
    KT_ASSERT_EQ(sock_create(AF_NETLINK, SOCK_RAW, 0, &s), 0);
    struct sockaddr_k a = {.len = 12};
    uint32_t groups = 1u | 1u << 4; /* RTMGRP_LINK, RTMGRP_IPV4_IFADDR */
    a.family = AF_NETLINK;
    memcpy(a.b + 8, &groups, 4);
    KT_ASSERT_EQ(s->ops->bind(s, &a), 0);
    struct nl_seen w = {0};
    nl_read(s, cap_dev.index, our_ip, &w); /* nothing is owed yet */

    netdev_set_link(&cap_dev, 0);
    int down = nl_wait(s, cap_dev.index, our_ip, &w, seen_down);
    netdev_set_link(&cap_dev, 1);
    int up = nl_wait(s, cap_dev.index, our_ip, &w, seen_up);

    ip4_addr_t other, m, g;
    IP4_ADDR(&other, 10, 9, 0, 3);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 10, 9, 0, 254);
    net_lock();
    netif_set_addr(nif, &other, &m, &g); /* as DHCP moves an address */
    net_unlock();
    int moved = nl_wait(s, cap_dev.index, our_ip, &w, seen_moved);
    struct nl_seen back = {0};
    nif = cap_ready(); /* 10.9.0.1 again */
    int again = nl_wait(s, cap_dev.index, our_ip, &back, seen_back);
    sock_free(s);
    KT_ASSERT(down);
    KT_ASSERT(up);
    KT_ASSERT(moved);
    KT_ASSERT(again);
    KT_ASSERT_EQ(w.new_addr, 0); /* 10.9.0.1 was there before the socket was */
}
