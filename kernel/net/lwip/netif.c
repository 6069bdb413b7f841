/**
 * @file netif.c
 * @brief The registry's interfaces as lwIP netifs (struct netdev_stack):
 *        frames out through the driver, frames in under the core lock,
 *        carrier, checksum offload, and the address: `ip=` or DHCP.
 *
 * Received frames are copied into one pbuf (the driver's buffers are its
 * own again once netdev_rx() returns) and fed to lwIP in the driver's
 * receive thread under the core lock, not queued to the tcpip thread: one
 * hand-over less per frame.
 *
 * Checksum offload: with NETDEV_F_TX_CSUM lwIP leaves the TCP and UDP
 * checksums (it writes 0); linkoutput puts the pseudo-header's sum there
 * and asks the device to finish the sum from the L4 header on. With
 * NETDEV_F_RX_CSUM a frame the device vouched for (NETDEV_RX_CSUM_OK) is
 * fed with lwIP's TCP and UDP checks off for that frame only (the netif's
 * flags are set per frame under the lock).
 *
 * Acknowledgements are sent once per receive pass, as Linux's receive
 * offload does: lwIP acknowledges every second segment, and under a
 * hypervisor each frame costs both ends an exit. With NETDEV_F_RX_BATCH
 * (the driver calls netdev_rx_end() after each pass), a bare ACK that
 * lwIP sends while taking a frame is held, and a later one of the same
 * connection that acknowledges more (or opens the window) takes its
 * place; the pass's end sends what is held. The order lwIP sent frames in
 * is kept within a connection: any other frame of it first sends, or
 * (when it acknowledges as much) drops, the held one. Duplicate ACKs (the
 * same number and window: the sender counts them for fast retransmit)
 * and ACKs with options (SACK blocks) are never merged away.
 */
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "netif/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"
#include "net_internal.h"
#include "lwip_port.h"
#include "stack.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/net.h>
#include <kernel/netdev.h>
#include <kernel/sched.h>
#include <kernel/string.h>

#define HELD_MAX 16      /* connections whose ACK a pass may hold */
#define HELD_FRAME 64    /* bytes of a held frame: a bare ACK is 54 */

/** A bare ACK held until the end of the receive pass. */
struct held_ack {
    uint8_t key[12];     /* addresses and ports, as in the IPv4 and TCP headers */
    uint32_t ack;        /* its acknowledgement number */
    uint16_t wnd;        /* and window field */
    uint16_t len;        /* bytes of frame[] */
    int has_csum;        /* cs is the device's part of the checksum */
    struct netdev_csum cs;
    uint8_t frame[HELD_FRAME];
};

/** An interface: lwIP's netif and the device behind it. */
struct lwip_if {
    struct netif nif;
    struct netdev *d;
    int had_addr; /* an address was set: its loss is logged */
    int in_input; /* lwIP is taking a frame of a batching device (core lock) */
    unsigned nheld; /* held[] in use (core lock) */
    struct held_ack held[HELD_MAX];
    struct lwip_if *unflushed_next; /* in unflushed, when queued (core lock) */
    int unflushed;                  /* frames went to the device unannounced */
};

/* `ip=` for the first Ethernet interface. */
enum ip_mode { IP_DHCP, IP_OFF, IP_STATIC };
static enum ip_mode ip_mode = IP_DHCP;
static ip4_addr_t ip_addr, ip_mask, ip_gw;
static int first_attached;

#define MAX_TX_SEGS 16
#define ETH_MIN_FRAME 60 /* bytes of the shortest Ethernet frame, without its FCS */

/* ---- `ip=` ---- */

/* a.b.c.d in @p s (@p n bytes) */
static int parse_ip4(const char *s, size_t n, ip4_addr_t *out)
{
    char buf[16];
    if (n == 0 || n >= sizeof buf)
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = 0;
    return ip4addr_aton(buf, out) ? 0 : -EINVAL;
}

/* The next ':'-separated field of [*p, end). */
static size_t field(const char **p, const char *end, const char **f)
{
    *f = *p;
    const char *c = *p;
    while (c < end && *c != ':')
        c++;
    size_t n = (size_t)(c - *p);
    *p = c < end ? c + 1 : c;
    return n;
}

int net_set_ip_option(const char *s, size_t n)
{
    const char *end = s + n, *p = s, *f;
    ip4_addr_t a, m, g;
    ip4_addr_set_zero(&g);
    if ((n == 3 && memcmp(s, "off", 3) == 0) || (n == 4 && memcmp(s, "none", 4) == 0)) {
        ip_mode = IP_OFF;
        return 0;
    }
    if (n == 4 && memcmp(s, "dhcp", 4) == 0) {
        ip_mode = IP_DHCP;
        return 0;
    }
    size_t fn = field(&p, end, &f);
    const char *slash = NULL;
    for (size_t i = 0; i < fn && !slash; i++)
        slash = f[i] == '/' ? f + i : NULL;
    if (slash) { /* <addr>/<prefix>[:<gw>] */
        unsigned prefix = 0;
        const char *q = slash + 1;
        if (q == f + fn)
            goto bad;
        for (; q < f + fn; q++) {
            if (*q < '0' || *q > '9' || (prefix = prefix * 10 + (unsigned)(*q - '0')) > 32)
                goto bad;
        }
        if (parse_ip4(f, (size_t)(slash - f), &a))
            goto bad;
        ip4_addr_set_u32(&m, prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0);
        if (p < end) {
            fn = field(&p, end, &f);
            if (parse_ip4(f, fn, &g) || p < end)
                goto bad;
        }
    } else { /* Linux's <client>:<server>:<gw>:<netmask>[:...] */
        if (parse_ip4(f, fn, &a))
            goto bad;
        field(&p, end, &f); /* the server: not used */
        fn = field(&p, end, &f);
        if (fn && parse_ip4(f, fn, &g))
            goto bad;
        fn = field(&p, end, &f);
        if (!fn || parse_ip4(f, fn, &m))
            goto bad;
    }
    ip_addr = a;
    ip_mask = m;
    ip_gw = g;
    ip_mode = IP_STATIC;
    return 0;
bad:
    pr_warn("net: ip=%.*s not understood (ip=off, ip=dhcp, ip=<addr>/<prefix>[:<gw>] or "
            "ip=<addr>::<gw>:<mask>); using DHCP", (int)n, s);
    ip_mode = IP_DHCP;
    return -EINVAL;
}

/* ---- frames out ---- */

/* The pseudo-header's sum for the TCP or UDP segment of the frame at @p f
 * (@p len bytes, the first @p first of them in one piece), stored in its
 * checksum field; fills @p cs. 0 if the frame has one. */
static int csum_partial_at(uint8_t *f, unsigned first, unsigned len, struct netdev_csum *cs)
{
    unsigned l3 = SIZEOF_ETH_HDR, l4, proto;
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    uint32_t acc = 0;
    if (first < l3 + IP_HLEN)
        return 0;
    if (type == ETHTYPE_IP) {
        struct ip_hdr *ip = (struct ip_hdr *)(f + l3);
        if (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF))
            return 0; /* a fragment: the device cannot finish it (lwIP left 0, "none" for IPv4 UDP) */
        l4 = l3 + IPH_HL_BYTES(ip);
        proto = IPH_PROTO(ip);
        acc = lwip_port_chksum(&ip->src, 8);
    } else if (type == ETHTYPE_IPV6 && first >= l3 + IP6_HLEN) {
        struct ip6_hdr *ip6 = (struct ip6_hdr *)(f + l3);
        l4 = l3 + IP6_HLEN;
        proto = IP6H_NEXTH(ip6); /* extension headers: lwIP summed it */
        acc = lwip_port_chksum(&ip6->src, 32);
    } else {
        return 0;
    }
    unsigned off = proto == IP_PROTO_TCP ? 16 : proto == IP_PROTO_UDP ? 6 : 0;
    if (!off || first < l4 + off + 2 || len < l4)
        return 0;
    uint8_t *at = f + l4 + off; /* not always 2-byte aligned: bytes */
    if (at[0] || at[1])
        return 0; /* lwIP summed it (e.g. a netif's flags changed meanwhile) */
    acc += lwip_htons((uint16_t)proto) + lwip_htons((uint16_t)(len - l4));
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    uint16_t sum = (uint16_t)acc;
    memcpy(at, &sum, 2);
    cs->start = (uint16_t)l4;
    cs->offset = (uint16_t)off;
    return 1;
}

/* ---- frames the device had no room for ---- */

/* A frame refused for want of room (a full transmit ring, no memory to
 * flatten it) goes back to lwIP as ERR_MEM. A TCP segment then stays on
 * its connection's unsent queue, marked TF_NAGLEMEMERR, and lwIP offers it
 * again when an ACK or a write comes, or else at its slow timer's poll of
 * every connection: with nothing in flight, up to 500 ms later, a pause
 * per refusal on a loaded host whose QEMU takes the ring's frames late.
 * lwIP leaves the prompt retry to the port (tcp_txnow()): a refusal arms
 * a timeout that offers every such segment again, and one refused again
 * arms it again. The tcpip thread computes its sleep before it waits, so
 * it is woken too, to see the new timeout. All under the core lock. */
#define TX_RETRY_MS 2
static int tx_retry_armed;
static unsigned long tx_retries;

static void tx_retry(void *arg)
{
    (void)arg;
    tx_retry_armed = 0;
    tx_retries++;
    tcp_txnow();
}

static void tx_wake(void *arg) { (void)arg; }

static void tx_retry_arm(void)
{
    if (tx_retry_armed)
        return;
    tx_retry_armed = 1;
    sys_timeout(TX_RETRY_MS, tx_retry, NULL);
    (void)tcpip_try_callback(tx_wake, NULL); /* if full, the thread is awake anyway */
}

unsigned long net_tx_retries(void) { return tx_retries; }

static unsigned long syn_evictions; /* lwip_port_tcp_inpacket(); core lock */

unsigned long net_syn_evictions(void) { return syn_evictions; }

/* ---- sending: every frame announced to the device at the lock's release ---- */

/* Interfaces whose device holds frames it was not told of (xmit() with
 * NETDEV_XMIT_MORE), until the core lock is released: lwIP sends a burst
 * of segments under the lock, and one notification then covers them all. */
static struct lwip_if *unflushed;

static int dev_xmit(struct lwip_if *li, const struct netseg *seg, unsigned n, const struct netdev_csum *cs)
{
    struct netdev *d = li->d;
    unsigned fl = d->ops->flush ? NETDEV_XMIT_MORE : 0;
    int e = d->ops->xmit(d, seg, n, cs, thread_cpu() % d->nqueues, fl);
    if (fl && !li->unflushed) {
        li->unflushed = 1;
        li->unflushed_next = unflushed;
        unflushed = li;
    }
    return e;
}

void lwip_port_core_unlocking(void)
{
    while (unflushed) {
        struct lwip_if *li = unflushed;
        unflushed = li->unflushed_next;
        li->unflushed = 0;
        li->d->ops->flush(li->d);
    }
}

/* One frame to the device, as lwIP gave it. */
static err_t send_pbuf(struct lwip_if *li, struct pbuf *p)
{
    struct netdev *d = li->d;
    struct netseg seg[MAX_TX_SEGS];
    struct netdev_csum cs, *csp = NULL;
    struct pbuf *flat = NULL;
    unsigned n = 0;
    if (pbuf_clen(p) > MAX_TX_SEGS || ((d->features & NETDEV_F_TX_CSUM) &&
                                       p->len < SIZEOF_ETH_HDR + IP6_HLEN + 20 && p->next)) {
        /* too many pieces, or the headers split: one piece */
        flat = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
        if (!flat) {
            __atomic_add_fetch(&d->stats.tx_dropped, 1, __ATOMIC_RELAXED);
            tx_retry_arm();
            return ERR_MEM;
        }
        p = flat;
    }
    if ((d->features & NETDEV_F_TX_CSUM) && csum_partial_at(p->payload, p->len, p->tot_len, &cs))
        csp = &cs;
    for (struct pbuf *q = p; q && n < MAX_TX_SEGS; q = q->next) {
        if (!q->len)
            continue;
        seg[n].data = q->payload;
        seg[n].len = q->len;
        n++;
    }
    packet_tap(d, p, p->tot_len, 1);
    int e = dev_xmit(li, seg, n, csp);
    if (flat)
        pbuf_free(flat);
    if (e == -EAGAIN)
        tx_retry_arm();
    return e == 0 ? ERR_OK : e == -EAGAIN ? ERR_MEM : ERR_IF;
}

/* ---- ACKs held for the receive pass (the core lock held) ---- */

/* What the holding needs of a frame's TCP segment over IPv4. */
struct tcp4_info {
    uint8_t key[12];     /* source and destination address, then the ports */
    uint32_t ack;
    uint16_t wnd;
    uint8_t flags;
    int bare;            /* the ACK flag alone, no options, no data */
    int data;            /* carries data */
};

/* 1 with @p t filled for a TCP segment over IPv4 whose headers are in the
 * frame's first @p first bytes, -1 for one whose are not (a fragment: the
 * caller keeps the order by sending what it holds), 0 for anything else. */
static int tcp4_info(const uint8_t *f, unsigned first, struct tcp4_info *t)
{
    if (first < SIZEOF_ETH_HDR + IP_HLEN || ((const struct eth_hdr *)f)->type != PP_HTONS(ETHTYPE_IP))
        return 0;
    const struct ip_hdr *ip = (const void *)(f + SIZEOF_ETH_HDR);
    unsigned hl = IPH_HL_BYTES(ip), len = lwip_ntohs(IPH_LEN(ip));
    if (IPH_V(ip) != 4 || IPH_PROTO(ip) != IP_PROTO_TCP)
        return 0;
    if (hl < IP_HLEN || first < SIZEOF_ETH_HDR + hl + TCP_HLEN || (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)) ||
        len < hl + TCP_HLEN)
        return -1;
    const struct tcp_hdr *th = (const void *)((const u8_t *)ip + hl);
    unsigned thl = TCPH_HDRLEN_BYTES(th);
    memcpy(t->key, &ip->src, 4);
    memcpy(t->key + 4, &ip->dest, 4);
    memcpy(t->key + 8, &th->src, 2);
    memcpy(t->key + 10, &th->dest, 2);
    t->ack = lwip_ntohl(th->ackno);
    t->wnd = lwip_ntohs(th->wnd);
    t->flags = TCPH_FLAGS(th);
    t->data = len > hl + thl;
    t->bare = t->flags == TCP_ACK && thl == TCP_HLEN && !t->data;
    return 1;
}

static void held_send(struct lwip_if *li, struct held_ack *h)
{
    struct netseg seg = {h->frame, h->len};
    /* a full ring drops it, counted by the driver: TCP recovers from a lost ACK */
    (void)dev_xmit(li, &seg, 1, h->has_csum ? &h->cs : NULL);
}

static void held_drop(struct lwip_if *li, struct held_ack *h)
{
    *h = li->held[--li->nheld];
}

static void held_flush(struct lwip_if *li)
{
    for (unsigned i = 0; i < li->nheld; i++)
        held_send(li, &li->held[i]);
    li->nheld = 0;
}

/* Keep @p p (a bare ACK described by @p t) in @p h until the pass ends. */
static void held_keep(struct lwip_if *li, struct held_ack *h, struct pbuf *p, const struct tcp4_info *t)
{
    memcpy(h->key, t->key, sizeof h->key);
    h->ack = t->ack;
    h->wnd = t->wnd;
    h->len = pbuf_copy_partial(p, h->frame, p->tot_len, 0);
    h->has_csum = (li->d->features & NETDEV_F_TX_CSUM) && csum_partial_at(h->frame, h->len, h->len, &h->cs);
}

static err_t lif_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct lwip_if *li = nif->state;
    if (!li->nheld && !li->in_input)
        return send_pbuf(li, p);
    struct tcp4_info t;
    int r = tcp4_info(p->payload, p->len, &t);
    if (r < 0)
        held_flush(li);
    if (r <= 0)
        return send_pbuf(li, p);
    int keep = li->in_input && t.bare && p->tot_len <= HELD_FRAME;
    struct held_ack *h = NULL;
    for (unsigned i = 0; i < li->nheld && !h; i++)
        if (memcmp(li->held[i].key, t.key, sizeof t.key) == 0)
            h = &li->held[i];
    if (h) {
        /* This frame says all the held one does: it acknowledges more, or
         * as much with data, a flag or another window. Else the held one
         * may count (a duplicate ACK): it goes first. */
        int covers = (t.flags & TCP_ACK) &&
                     (TCP_SEQ_GT(t.ack, h->ack) ||
                      (t.ack == h->ack && (t.data || (t.flags & (TCP_SYN | TCP_FIN)) || t.wnd != h->wnd)));
        if (!covers)
            held_send(li, h);
        if (keep) {
            held_keep(li, h, p, &t);
            return ERR_OK;
        }
        held_drop(li, h);
    } else if (keep && li->nheld < HELD_MAX) {
        held_keep(li, &li->held[li->nheld++], p, &t);
        return ERR_OK;
    }
    return send_pbuf(li, p);
}

static err_t lif_init(struct netif *nif)
{
    struct lwip_if *li = nif->state;
    struct netdev *d = li->d;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, d->mac, ETH_HWADDR_LEN);
    nif->mtu = (u16_t)d->mtu;
    nif->mtu6 = (u16_t)d->mtu;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP |
                 NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = lif_linkoutput;
    u16_t ck = NETIF_CHECKSUM_ENABLE_ALL;
    if (d->features & NETDEV_F_TX_CSUM)
        ck &= (u16_t)~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP);
    NETIF_SET_CHECKSUM_CTRL(nif, ck);
    return ERR_OK;
}

/* ---- the registry's calls ---- */

static void lif_attach(struct netdev *d)
{
    struct lwip_if *li = kzalloc(sizeof *li);
    if (!li) {
        pr_err("%s: no memory for its network interface", d->name);
        return;
    }
    li->d = d;
    int first = !__atomic_exchange_n(&first_attached, 1, __ATOMIC_ACQ_REL);
    enum ip_mode mode = first ? ip_mode : IP_DHCP;
    net_lock();
    if (!netif_add(&li->nif, mode == IP_STATIC ? &ip_addr : NULL, mode == IP_STATIC ? &ip_mask : NULL,
                   mode == IP_STATIC ? &ip_gw : NULL, li, lif_init, ethernet_input)) {
        net_unlock();
        pr_err("%s: lwIP refused the interface", d->name);
        kfree(li);
        return;
    }
    /* The first card carries what no interface's subnet holds (through
     * its gateway, from ip= or DHCP); lwIP has no default otherwise. */
    if (!netif_default)
        netif_set_default(&li->nif);
    netif_create_ip6_linklocal_address(&li->nif, 1);
    netif_set_ip6_autoconfig_enabled(&li->nif, 1);
    netif_set_up(&li->nif);
    if (d->link_up)
        netif_set_link_up(&li->nif);
    if (mode == IP_DHCP && dhcp_start(&li->nif) != ERR_OK)
        pr_warn("%s: DHCP did not start", d->name);
    __atomic_store_n(&d->stack, &li->nif, __ATOMIC_RELEASE);
    /* the carrier may have changed before d->stack let link() through */
    if (d->link_up && !netif_is_link_up(&li->nif))
        netif_set_link_up(&li->nif);
    else if (!d->link_up && netif_is_link_up(&li->nif))
        netif_set_link_down(&li->nif);
    net_unlock();
}

static void lif_input(struct netdev *d, const struct netseg *seg, unsigned nseg, unsigned flags)
{
    struct netif *nif = net_netif_of(d);
    size_t len = 0;
    for (unsigned i = 0; i < nseg; i++)
        len += seg[i].len;
    /* Short frames are padded with zeros to Ethernet's minimum, as the
     * wire would: virtio passes them as sent (QEMU's ARP replies are 42
     * bytes), and lwIP's ip4_input() reads the IP header's length field
     * before it checks that there is a header (the host fuzzer found it). */
    size_t alloc = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
    struct pbuf *p = alloc <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)alloc, PBUF_RAM) : NULL;
    if (!p) {
        __atomic_add_fetch(&d->stats.rx_dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    uint8_t *to = p->payload;
    for (unsigned i = 0; i < nseg; i++) {
        memcpy(to, seg[i].data, seg[i].len);
        to += seg[i].len;
    }
    memset(to, 0, alloc - len);
    net_lock();
    packet_tap(d, p, (unsigned)len, 0);
    if (d->features & NETDEV_F_RX_CSUM) {
        u16_t ck = nif->chksum_flags | NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
        if (flags & NETDEV_RX_CSUM_OK)
            ck &= (u16_t)~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
        NETIF_SET_CHECKSUM_CTRL(nif, ck);
    }
    struct lwip_if *li = nif->state;
    li->in_input = (d->features & NETDEV_F_RX_BATCH) != 0;
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
    li->in_input = 0;
    net_unlock();
}

static void lif_rx_end(struct netdev *d)
{
    struct lwip_if *li = net_netif_of(d)->state;
    if (!__atomic_load_n(&li->nheld, __ATOMIC_RELAXED))
        return;
    net_lock();
    held_flush(li);
    net_unlock();
}

static void lif_link(struct netdev *d, int up)
{
    struct netif *nif = net_netif_of(d);
    net_lock();
    if (up)
        netif_set_link_up(nif);
    else
        netif_set_link_down(nif);
    net_unlock();
}

static const struct netdev_stack lwip_stack = {
    .attach = lif_attach,
    .input = lif_input,
    .rx_end = lif_rx_end,
    .link = lif_link,
};

/* ---- dmesg: addresses gained and lost ---- */

static void addr_changed(struct netif *nif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
    (void)args;
    struct lwip_if *li = nif->state;
    if (!li || !(reason & (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_ADDRESS_CHANGED)))
        return;
    char a[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];
    if (!ip4_addr_isany_val(*netif_ip4_addr(nif))) {
        ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a);
        ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof g);
        unsigned prefix = (unsigned)__builtin_popcount(ip4_addr_get_u32(netif_ip4_netmask(nif)));
        pr_info("%s: %s %s/%u, gateway %s", li->d->name,
                dhcp_supplied_address(nif) ? "DHCP bound" : "address", a, prefix,
                ip4_addr_isany_val(*netif_ip4_gw(nif)) ? "none" : g);
        li->had_addr = 1;
    } else if (li->had_addr) {
        pr_info("%s: %s", li->d->name, netif_dhcp_data(nif) ? "DHCP lease lost" : "address removed");
        li->had_addr = 0;
    }
}

static netif_ext_callback_t addr_cb;

void lwip_glue_start(void)
{
    net_lock();
    netif_add_ext_callback(&addr_cb, addr_changed);
    net_unlock();
    netdev_set_stack(&lwip_stack);
}

struct netdev *net_netdev_of(struct netif *nif)
{
    struct lwip_if *li = nif->state;
    return li ? li->d : NULL;
}

int net_each_netif(int (*fn)(struct netif *nif, void *arg), void *arg)
{
    for (u8_t i = 1; i != 0; i++) {
        struct netif *nif = netif_get_by_index(i);
        if (!nif)
            return 0; /* never removed: the indices have no holes */
        int r = fn(nif, arg);
        if (r)
            return r;
    }
    return 0;
}

/*
 * A SYN for a connection lwIP holds in TIME-WAIT. lwIP answers it with an
 * ACK of the old connection for all of the 2 MSL (tcp_timewait_input), so
 * a client that takes the same port again (slirp's hostfwd passes the host
 * client's port on) waits until it gives up. Linux, as RFC 1122 4.2.2.13
 * allows, starts a new connection on a SYN whose sequence number lies
 * beyond the old one's end; so do we, by forgetting the TIME-WAIT pcb
 * before lwIP looks, so the SYN goes on to the listener. Called by
 * ip4_input under the core lock (LWIP_HOOK_IP4_INPUT) before it has checked
 * anything but the version: the lengths and checksums are checked here.
 */
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp)
{
    if (!tcp_tw_pcbs || p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    u16_t hlen = IPH_HL_BYTES(ip), len = lwip_ntohs(IPH_LEN(ip));
    if (IPH_PROTO(ip) != IP_PROTO_TCP || hlen < IP_HLEN || p->len < hlen + TCP_HLEN || len < hlen + TCP_HLEN ||
        len > p->tot_len || (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
        return 0;
    const struct tcp_hdr *th = (const void *)((const u8_t *)ip + hlen);
    if ((TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return 0;
    ip_addr_t src, dst;
    ip_addr_set_ip4_u32_val(src, ip->src.addr);
    ip_addr_set_ip4_u32_val(dst, ip->dest.addr);
    struct tcp_pcb *pcb = tcp_tw_pcbs;
    while (pcb && !(pcb->remote_port == lwip_ntohs(th->src) && pcb->local_port == lwip_ntohs(th->dest) &&
                    ip_addr_cmp(&pcb->remote_ip, &src) && ip_addr_cmp(&pcb->local_ip, &dst)))
        pcb = pcb->next;
    if (!pcb || !TCP_SEQ_GT(lwip_ntohl(th->seqno), pcb->rcv_nxt) || inet_chksum(p->payload, hlen) != 0)
        return 0;
    /* lwIP's own `if`: the device may have checked the sum for this frame */
    IF__NETIF_CHECKSUM_ENABLED(inp, NETIF_CHECKSUM_CHECK_TCP) {
        /* the pseudo-header's sum and the segment's, the header hidden for it */
        pbuf_remove_header(p, hlen);
        u16_t sum = ip_chksum_pseudo_partial(p, IP_PROTO_TCP, len - hlen, len - hlen, &src, &dst);
        pbuf_add_header(p, hlen);
        if (sum != 0)
            return 0;
    }
    tcp_pcb_remove(&tcp_tw_pcbs, pcb);
    tcp_free(pcb);
    return 0;
}

/*
 * A SYN at a listener whose backlog is full. lwIP drops it, so after a SYN
 * flood the port takes no connection until the flood's half-open ones time
 * out (TCP_SYN_RCVD_TIMEOUT, 20 s). Linux answers with SYN cookies, which
 * lwIP cannot give; short of them, the listener's oldest half-open
 * connection makes room for the new SYN, as a full SYN queue's drop did
 * before cookies: a flood keeps replacing its own, and a real client's
 * SYN, sent again, finds room. Only a half-open connection a second old
 * or more goes (SYN_AGE_TICKS): one whose handshake is under way (a burst
 * of real clients) is left to finish. A connection that completed and waits
 * for accept() is never dropped: a full accept queue refuses the SYN, as
 * Linux's does. Dropped silently (no RST: the flood's sources may not
 * exist), as lwIP's own timeout does. Called by tcp_input for every
 * segment it matched to a pcb (LWIP_HOOK_TCP_INPACKET_PCB), core lock held;
 * ERR_OK lets lwIP go on with it.
 */
#define SYN_AGE_TICKS 2 /* lwIP's slow ticks (500 ms): 0.5-1 s */

err_t lwip_port_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
#if TCP_LISTEN_BACKLOG
    if (pcb->state != LISTEN || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return ERR_OK;
    struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
    if (lpcb->accepts_pending < lpcb->backlog)
        return ERR_OK;
    struct tcp_pcb *oldest = NULL;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (p->state == SYN_RCVD && p->listener == lpcb && (u32_t)(tcp_ticks - p->tmr) >= SYN_AGE_TICKS &&
            (!oldest || (u32_t)(tcp_ticks - p->tmr) >= (u32_t)(tcp_ticks - oldest->tmr)))
            oldest = p;
    if (oldest) {
        syn_evictions++;
        tcp_abandon(oldest, 0);
    }
#else
    (void)pcb, (void)hdr;
#endif
    return ERR_OK;
}
