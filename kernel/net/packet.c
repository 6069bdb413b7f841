/**
 * @file packet.c
 * @brief AF_PACKET: the Ethernet frames of the network cards, as busybox
 *        udhcpc, arping and capture tools use them (packet(7)).
 *
 * - socket(AF_PACKET, SOCK_RAW or SOCK_DGRAM, htons(ETH_P_*)), root only
 *   (Linux: CAP_NET_RAW). SOCK_RAW sends and receives whole frames;
 *   SOCK_DGRAM leaves out the Ethernet header: received, its fields are in
 *   the sockaddr_ll; sent, the kernel writes it from the destination's.
 * - Receiving: every frame a card takes in, of the socket's protocol
 *   (ETH_P_ALL: any) and interface (bind(); 0: any), before the stack
 *   sees it; frames the kernel sends, to ETH_P_ALL sockets only (not the
 *   sending socket), as Linux's dev_queue_xmit_nit(). Each arrives with
 *   the interface, the frame's protocol, its source and whether it was
 *   for this host, a broadcast, a multicast, another host's or outgoing.
 *   A queue past SO_RCVBUF drops what comes; PACKET_STATISTICS counts
 *   what was queued and dropped.
 * - Socket filters: a classic BPF program (SO_ATTACH_FILTER, checked and
 *   run by sock_filter.c) sees each frame as the socket would, before it
 *   is queued, and says how much of it to keep (0: none, not counted);
 *   SO_DETACH_FILTER, SO_LOCK_FILTER and SO_GET_FILTER as on Linux.
 * - Not here: loopback (lo has no Ethernet header in this stack),
 *   PACKET_AUXDATA, memory-mapped rings, PACKET_ADD_MEMBERSHIP:
 *   ENOPROTOOPT, which udhcpc takes as "not available" and goes on
 *   without.
 *
 * Locking: the taps run with the stack's lock held (net_lock(): a card's
 * receive thread, or whoever makes lwIP send), so that lock also guards
 * the list of sockets and every socket's queue; a reader holds its
 * socket's mutex while it copies out, so the frame at the head stays.
 */
#include "families.h"
#include "inet_internal.h"
#include "net_internal.h"
#include "sock_filter.h"
#include <hal/cpu.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/net.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#include <lwip/pbuf.h>

#define ETH_P_ALL 0x0003
#define ETH_HDR 14
#define ETH_ADDR 6
#define ARPHRD_ETHER 1
#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3
#define PACKET_OUTGOING 4
#define SOL_PACKET 263
#define PACKET_STATISTICS 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_ATTACH_FILTER 26 /* getsockopt: SO_GET_FILTER */
#define SO_DETACH_FILTER 27
#define SO_LOCK_FILTER 44
#define PK_BUF_DEFAULT 212992 /* Linux's default SO_RCVBUF and SO_SNDBUF */
#define PK_OVERHEAD 256       /* what a queued frame costs beyond its bytes */
#define POLLWRBAND 0x200
#define FIONREAD 0x541B

struct sockaddr_ll {
    uint16_t family;
    uint16_t protocol; /* network order */
    int32_t ifindex;
    uint16_t hatype;
    uint8_t pkttype;
    uint8_t halen;
    uint8_t addr[8];
};
#define LL_ADDR_OFF 12 /* offsetof(struct sockaddr_ll, addr) */

/* A frame on a socket's queue, the Ethernet header included. */
struct pkframe {
    struct list_node node;
    int ifindex;
    uint8_t pkttype;
    size_t len;
    uint8_t data[];
};

struct pksock {
    struct list_node all; /* on pk_socks */
    int type;             /* SOCK_RAW or SOCK_DGRAM */
    uint16_t proto;       /* network order; 0: receives nothing */
    int ifindex;          /* bind()'s; 0: every interface */
    struct list_node rq;  /* frames to read */
    size_t rq_bytes;      /* their cost against rcvbuf */
    unsigned rcvbuf, sndbuf;
    unsigned queued, drops; /* PACKET_STATISTICS since it was last read */
    struct sock_filter *filter; /* SO_ATTACH_FILTER's program, or NULL */
    uint32_t filter_len;        /* its instructions */
    int filter_locked;          /* SO_LOCK_FILTER: no change until close */
    struct waitqueue wq;  /* readers, pollers */
    struct mutex rd;      /* one reader at a time */
};

/* Under net_lock(). */
static struct list_node pk_socks = LIST_INIT(pk_socks);
static const struct pksock *pk_sender; /* the socket whose frame is going out */

/* ---- the taps (net_lock() held) ---- */

static uint8_t pkttype_of(const struct netdev *d, const uint8_t *dst)
{
    static const uint8_t bcast[ETH_ADDR] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (!memcmp(dst, bcast, ETH_ADDR))
        return PACKET_BROADCAST;
    if (dst[0] & 1)
        return PACKET_MULTICAST;
    return memcmp(dst, d->mac, ETH_ADDR) ? PACKET_OTHERHOST : PACKET_HOST;
}

/* SKF_AD_RANDOM's numbers: a linear congruential sequence (net_lock() held). */
static uint32_t next_random(void)
{
    static uint32_t state = 0x2545f491u;
    state = state * 1664525u + 1013904223u;
    return state;
}

void packet_tap(struct netdev *d, struct pbuf *p, unsigned len, int outgoing)
{
    if (list_empty(&pk_socks) || len < ETH_HDR || p->tot_len < len)
        return;
    uint8_t hdr[ETH_HDR];
    pbuf_copy_partial(p, hdr, ETH_HDR, 0);
    uint16_t proto;
    memcpy(&proto, hdr + 12, 2);
    list_for_each(n, &pk_socks) {
        struct pksock *k = container_of(n, struct pksock, all);
        if (k == pk_sender || (k->ifindex && k->ifindex != d->index))
            continue;
        if (k->proto != lwip_htons(ETH_P_ALL) && (outgoing || k->proto != proto))
            continue; /* outgoing frames go to ETH_P_ALL sockets only, as on Linux */
        uint8_t pkttype = outgoing ? PACKET_OUTGOING : pkttype_of(d, hdr);
        struct pkframe *f = kmalloc(sizeof *f + len);
        if (!f) {
            k->drops++;
            continue;
        }
        pbuf_copy_partial(p, f->data, (u16_t)len, 0);
        f->len = len;
        if (k->filter) {
            /* the socket's view: SOCK_DGRAM's starts past the Ethernet header */
            struct sock_filter_pkt fp = {f->data, (uint32_t)len, k->type == SOCK_DGRAM ? ETH_HDR : 0, ETH_HDR,
                                         lwip_ntohs(proto), pkttype, ARPHRD_ETHER, (uint32_t)d->index,
                                         hal_cpu_id(), next_random()};
            uint32_t keep = sock_filter_run(k->filter, k->filter_len, &fp);
            if (!keep) { /* filtered out: not counted, as Linux */
                kfree(f);
                continue;
            }
            f->len = (k->type == SOCK_DGRAM ? ETH_HDR : 0) + keep;
        }
        if (k->rq_bytes + f->len + PK_OVERHEAD > k->rcvbuf) {
            k->drops++;
            kfree(f);
            continue;
        }
        f->ifindex = d->index;
        f->pkttype = pkttype;
        list_add_tail(&k->rq, &f->node);
        k->rq_bytes += f->len + PK_OVERHEAD;
        k->queued++;
        wq_wake_all(&k->wq);
    }
}

/* ---- names ---- */

/* @p a as a sockaddr_ll: 0, or -EINVAL when it is too short or another family's. */
static int ll_of(const struct sockaddr_k *a, struct sockaddr_ll *ll)
{
    if (a->len < sizeof *ll || a->family != AF_PACKET)
        return -EINVAL;
    memcpy(ll, a->b, sizeof *ll);
    return 0;
}

static int pk_bind(struct socket *s, const struct sockaddr_k *a)
{
    struct pksock *k = s->priv;
    struct sockaddr_ll ll;
    int r = ll_of(a, &ll);
    if (r)
        return r;
    if (ll.ifindex && !netdev_at(ll.ifindex))
        return -ENODEV;
    net_lock();
    k->ifindex = ll.ifindex;
    if (ll.protocol)
        k->proto = ll.protocol;
    net_unlock();
    return 0;
}

static int pk_getname(struct socket *s, struct sockaddr_k *a, int peer)
{
    struct pksock *k = s->priv;
    if (peer)
        return -EOPNOTSUPP;
    struct sockaddr_ll ll = {.family = AF_PACKET};
    net_lock();
    ll.protocol = k->proto;
    ll.ifindex = k->ifindex;
    net_unlock();
    struct netdev *d = netdev_at(ll.ifindex);
    if (d) {
        ll.hatype = ARPHRD_ETHER;
        ll.halen = ETH_ADDR;
        memcpy(ll.addr, d->mac, ETH_ADDR);
    }
    memcpy(a->b, &ll, sizeof ll);
    a->len = LL_ADDR_OFF + ll.halen;
    return 0;
}

/* ---- sending ---- */

static long pk_sendmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    (void)nonblock;
    struct pksock *k = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    struct sockaddr_ll ll;
    int index;
    uint16_t proto;
    const uint8_t *to = NULL;
    if (m->name && m->name->len) {
        if (ll_of(m->name, &ll) || m->name->len < LL_ADDR_OFF + (unsigned)ll.halen)
            return -EINVAL;
        index = ll.ifindex;
        proto = ll.protocol;
        to = ll.addr;
    } else {
        net_lock();
        index = k->ifindex;
        proto = k->proto;
        net_unlock();
    }
    struct netdev *d = netdev_at(index);
    if (!d)
        return -ENXIO;
    size_t hdr = k->type == SOCK_DGRAM ? ETH_HDR : 0, len = m->data.len;
    if (len > d->mtu + ETH_HDR - hdr)
        return -EMSGSIZE;
    if (k->type == SOCK_RAW && len < ETH_HDR)
        return -EINVAL; /* not even an Ethernet header */
    if (k->type == SOCK_DGRAM && !to)
        return -EINVAL; /* no address to write in the header */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(hdr + len), PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    uint8_t *f = p->payload;
    if (hdr) {
        memcpy(f, to, ETH_ADDR);
        memcpy(f + ETH_ADDR, d->mac, ETH_ADDR);
        memcpy(f + 12, &proto, 2);
    }
    if (sock_data_get(&m->data, 0, f + hdr, len)) {
        pbuf_free(p);
        return -EFAULT;
    }
    long r = (long)len;
    net_lock();
    struct netif *nif = net_netif_of(d);
    if (!nif || !netif_is_up(nif)) {
        r = -ENETDOWN;
    } else {
        pk_sender = k;
        err_t e = nif->linkoutput(nif, p);
        pk_sender = NULL;
        if (e != ERR_OK)
            r = -ENOBUFS;
    }
    net_unlock();
    pbuf_free(p);
    return r;
}

/* ---- receiving ---- */

static int readable(void *arg)
{
    struct pksock *k = arg;
    net_lock();
    int r = !list_empty(&k->rq);
    net_unlock();
    return r;
}

static long pk_recvmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct pksock *k = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    mutex_lock(&k->rd);
    long r;
    struct pkframe *f;
    for (;;) {
        net_lock();
        f = list_empty(&k->rq) ? NULL : container_of(list_first(&k->rq), struct pkframe, node);
        if (f && !(flags & MSG_PEEK)) {
            list_del(&f->node);
            k->rq_bytes -= f->len + PK_OVERHEAD;
        }
        net_unlock();
        r = f ? 0 : -EAGAIN;
        if (f || nonblock)
            break;
        mutex_unlock(&k->rd);
        r = sock_wait(&k->wq, readable, k, s->rcvtimeo_ns);
        mutex_lock(&k->rd);
        if (r)
            break;
    }
    if (!r) {
        size_t skip = k->type == SOCK_DGRAM ? ETH_HDR : 0, len = f->len - skip;
        size_t c = len < m->data.len ? len : m->data.len;
        if (sock_data_put(&m->data, 0, f->data + skip, c))
            r = -EFAULT;
        else
            r = flags & MSG_TRUNC ? (long)len : (long)c;
        if (len > m->data.len)
            m->flags_out |= MSG_TRUNC;
        if (m->name) {
            struct sockaddr_ll ll = {.family = AF_PACKET, .ifindex = f->ifindex, .hatype = ARPHRD_ETHER,
                                     .pkttype = f->pkttype, .halen = ETH_ADDR};
            memcpy(&ll.protocol, f->data + 12, 2);
            memcpy(ll.addr, f->data + ETH_ADDR, ETH_ADDR); /* the source */
            memcpy(m->name->b, &ll, sizeof ll);
            m->name->len = sizeof ll; /* Linux reports the whole struct here, unlike getsockname */
        }
        if (!(flags & MSG_PEEK))
            kfree(f);
    }
    mutex_unlock(&k->rd);
    return r;
}

static unsigned pk_poll(struct socket *s, struct wait_set *ws)
{
    struct pksock *k = s->priv;
    if (ws)
        wait_set_add(ws, &k->wq);
    unsigned ev = POLLOUT | POLLWRNORM | POLLWRBAND;
    net_lock();
    if (!list_empty(&k->rq))
        ev |= POLLIN | POLLRDNORM;
    net_unlock();
    return ev;
}

/* ---- options, ioctls, the rest ---- */

/* SO_ATTACH_FILTER: @p val is a struct sock_fprog (its length, a user
 * pointer to the instructions). The program is copied and checked, then
 * takes the place of the one attached, unless SO_LOCK_FILTER forbids it. */
static int attach_filter(struct pksock *k, const void *val, unsigned len)
{
    struct {
        uint16_t len, pad[3];
        uint64_t filter;
    } fp;
    if (len != sizeof fp)
        return -EINVAL;
    memcpy(&fp, val, sizeof fp);
    if (!fp.filter || fp.len == 0 || fp.len > SOCK_FILTER_MAX)
        return -EINVAL;
    struct sock_filter *prog = kmalloc(fp.len * sizeof *prog);
    if (!prog)
        return -ENOMEM;
    int e = copy_from_user(prog, (const void *)(uintptr_t)fp.filter, fp.len * sizeof *prog) ? -EFAULT : 0;
    if (!e)
        e = sock_filter_check(prog, fp.len);
    if (!e) {
        net_lock();
        if (k->filter_locked) {
            e = -EPERM;
        } else {
            struct sock_filter *old = k->filter;
            k->filter = prog;
            k->filter_len = fp.len;
            prog = old;
        }
        net_unlock();
    }
    kfree(prog); /* the one replaced, or the one refused */
    return e;
}

static int pk_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
    struct pksock *k = s->priv;
    int v;
    if (level != SOL_SOCKET || (name != SO_RCVBUF && name != SO_SNDBUF && name != SO_ATTACH_FILTER &&
                                name != SO_DETACH_FILTER && name != SO_LOCK_FILTER))
        return -ENOPROTOOPT;
    if (len < sizeof v)
        return -EINVAL;
    if (name == SO_ATTACH_FILTER)
        return attach_filter(k, val, len);
    memcpy(&v, val, sizeof v);
    if (name == SO_DETACH_FILTER || name == SO_LOCK_FILTER) {
        struct sock_filter *old = NULL;
        int e = 0;
        net_lock();
        if (k->filter_locked && (name == SO_DETACH_FILTER || !v))
            e = -EPERM;
        else if (name == SO_LOCK_FILTER)
            k->filter_locked = v != 0;
        else if (!k->filter)
            e = -ENOENT;
        else
            old = k->filter, k->filter = NULL, k->filter_len = 0;
        net_unlock();
        kfree(old);
        return e;
    }
    net_lock();
    *(name == SO_RCVBUF ? &k->rcvbuf : &k->sndbuf) = sock_bufsize(v);
    net_unlock();
    return 0;
}

static int pk_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
    struct pksock *k = s->priv;
    unsigned v[2];
    size_t n = sizeof v[0];
    net_lock();
    if (level == SOL_SOCKET && name == SO_ATTACH_FILTER) {
        /* SO_GET_FILTER: *len is counted in instructions (net_calls.c) */
        if (k->filter && k->filter_len <= *len)
            memcpy(val, k->filter, k->filter_len * sizeof *k->filter);
        *len = k->filter_len;
        net_unlock();
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_RCVBUF)
        v[0] = k->rcvbuf;
    else if (level == SOL_SOCKET && name == SO_LOCK_FILTER)
        v[0] = (unsigned)k->filter_locked;
    else if (level == SOL_SOCKET && name == SO_SNDBUF)
        v[0] = k->sndbuf;
    else if (level == SOL_PACKET && name == PACKET_STATISTICS) {
        /* struct tpacket_stats: all frames (the dropped counted in), the
         * dropped; then both start again, as Linux's */
        v[0] = k->queued + k->drops;
        v[1] = k->drops;
        k->queued = k->drops = 0;
        n = sizeof v;
    } else {
        net_unlock();
        return -ENOPROTOOPT;
    }
    net_unlock();
    if (*len > n)
        *len = (unsigned)n;
    memcpy(val, v, *len);
    return 0;
}

static long pk_ioctl(struct socket *s, unsigned cmd, uintptr_t arg)
{
    struct pksock *k = s->priv;
    if (cmd == FIONREAD) { /* the next frame's bytes, as the socket gives them */
        net_lock();
        int v = 0;
        if (!list_empty(&k->rq)) {
            struct pkframe *f = container_of(list_first(&k->rq), struct pkframe, node);
            v = (int)(f->len - (k->type == SOCK_DGRAM ? ETH_HDR : 0));
        }
        net_unlock();
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    return -ENOTTY; /* the interface ioctls: sock_ioctl() */
}

static void pk_release(struct socket *s)
{
    struct pksock *k = s->priv;
    if (!k)
        return;
    net_lock();
    list_del(&k->all);
    while (!list_empty(&k->rq)) {
        struct pkframe *f = container_of(list_first(&k->rq), struct pkframe, node);
        list_del(&f->node);
        kfree(f);
    }
    net_unlock();
    s->priv = NULL;
    kfree(k->filter);
    kfree(k);
}

static const struct sock_ops pk_ops = {
    .bind = pk_bind, .sendmsg = pk_sendmsg, .recvmsg = pk_recvmsg, .getname = pk_getname,
    .setsockopt = pk_setsockopt, .getsockopt = pk_getsockopt, .poll = pk_poll, .ioctl = pk_ioctl,
    .release = pk_release,
};

static int pk_create(struct socket *s, int type, int protocol)
{
    if (!sock_privileged())
        return -EPERM; /* before the type, as Linux checks */
    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    net_init(); /* the stack's lock guards the sockets: it must exist */
    if (net_wait_ready())
        return -EAFNOSUPPORT;
    struct pksock *k = kzalloc(sizeof *k);
    if (!k)
        return -ENOMEM;
    k->type = type;
    k->proto = (uint16_t)protocol; /* in network order already; the rest is dropped, as Linux does */
    list_init(&k->rq);
    wq_init(&k->wq, "packet socket");
    mutex_init(&k->rd, "packet read");
    k->rcvbuf = k->sndbuf = PK_BUF_DEFAULT;
    s->ops = &pk_ops;
    s->priv = k;
    net_lock();
    list_add_tail(&pk_socks, &k->all);
    net_unlock();
    return 0;
}

static const struct sock_family pk_family = {AF_PACKET, pk_create, NULL};

void packet_register(void) { sock_register(&pk_family); }
