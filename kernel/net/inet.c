/**
 * @file inet.c
 * @brief AF_INET sockets over lwIP's raw API: TCP (SOCK_STREAM), UDP
 *        (SOCK_DGRAM), ICMP echo (SOCK_DGRAM/IPPROTO_ICMP, Linux's
 *        unprivileged ping sockets), raw ICMP and IPPROTO_RAW (SOCK_RAW,
 *        root only; the latter sends whole IP packets and receives
 *        nothing, as Linux's: udhcpc makes one for the interface ioctls);
 *        AF_INET6 TCP and UDP, dual-stack unless IPV6_V6ONLY; ICMPv6 echo
 *        (SOCK_DGRAM/IPPROTO_ICMPV6) and raw ICMPv6 (SOCK_RAW, root only),
 *        IPv6 only, the checksum always the kernel's. Multicast groups and
 *        options are inet_mcast.c's.
 *
 * One struct inet_sock serves both families: addresses are lwIP's
 * ip_addr_t throughout, and only get_addr() and put_addr() know the
 * sockaddr each family speaks (IPv4 through an AF_INET6 socket shows as
 * IPv4-mapped, ::ffff:a.b.c.d).
 *
 * Every lwIP call and every field of a struct inet_sock is under lwIP's
 * core lock (net_lock()); lwIP's callbacks run with it held (the
 * tcpip thread takes it), so they change a socket's state and wake its
 * queue but never sleep. A caller that waits enqueues on the socket's queue
 * (and its signals), checks under the lock, and blocks with the lock
 * dropped: a callback's wake in between ends the block at once.
 *
 * Data crosses between user memory and lwIP with the lock dropped: a send
 * copies into a bounce buffer first, a TCP receive copies out of the queue
 * into one and then to the caller, a datagram is taken off its queue (or
 * referenced, for MSG_PEEK) and copied from its pbuf unlocked. So a page
 * fault on a caller's buffer never stalls the stack.
 *
 * Received TCP data waits in the socket's queue as lwIP delivered it;
 * tcp_recved() is told as the reader consumes it, so the advertised window
 * is what the reader has room for. SO_RCVBUF caps that window below
 * TCP_WND and SO_SNDBUF what a writer may queue below TCP_SND_BUF: lwIP's
 * sizes are build-time constants, so the caps are kept here (tcp_wnd_cap(),
 * tcp_room()). A socket closed with unread data resets its connection
 * (tcp_close() does so when the window is not fully open, as Linux does);
 * else the FIN goes out and lwIP keeps the pcb until the close completes,
 * with no callback left pointing at the freed socket.
 *
 * A pcb that goes away on its own (a reset, a timeout, the last ACK of a
 * close) reports through the err callback, which forgets it; one that
 * enters TIME_WAIT does so silently, so a socket forgets its pcb when the
 * peer's FIN arrives after its own (the recv callback sees both).
 */
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/net.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/uaccess.h>
#include <kernel/wait.h>

#include <lwip/inet_chksum.h>
#include <lwip/ip4.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/ip.h>
#include <lwip/prot/icmp.h>
#include <lwip/prot/icmp6.h>
#include <lwip/prot/ip4.h>
#include <lwip/raw.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>

#include "inet_internal.h"
#include "inet_mcast.h"
#include "net_internal.h"

#define BOUNCE 16384u     /* bytes one step of a TCP send or receive copies */
#define RECV_WND_STEP (64u * 1024) /* bytes a long read takes before it opens the window */
#define UDP_MAX 65507u    /* payload of the largest IPv4 UDP datagram */
#define UDP6_MAX 65487u   /* ... and IPv6's as lwIP sends it: its 16-bit pbuf length holds the
                             IPv6 header too (Linux's limit is 65527) */
#define MEM_RETRY_NS 10000000ull /* a send the stack had no memory for tries again after this */
#define RCVBUF_DEF 212992 /* Linux's default SO_RCVBUF and SO_SNDBUF */

enum { ST_NEW, ST_CONNECTING, ST_CONNECTED, ST_LISTEN, ST_CLOSED };

/* A received segment (TCP) or datagram (UDP, ICMP). */
struct rxitem {
    struct list_node node;
    struct pbuf *p;
    unsigned off;   /* TCP: bytes of p read already */
    ip_addr_t addr; /* datagram: its source */
    uint16_t port;  /* datagram: its source port (network order) */
    uint8_t hlim;   /* IPv6 datagram: the hop limit it arrived with */
    int ifindex;    /* datagram: the interface it came in on */
    ip_addr_t dst;  /* datagram: the address it was sent to */
};

struct inet_sock {
    struct waitqueue wq;     /* readers, writers, connect and accept wait here */
    int type, proto;
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
        struct raw_pcb *raw;
        void *any;
    } pcb;                   /* NULL once lwIP freed it (or owns it alone) */
    int state;
    int err;                 /* pending error (SO_ERROR), positive */
    int rd_eof;              /* TCP: the peer's FIN came */
    int shut_rd, shut_wr;
    int bound;               /* bind() done (or implied by connect, listen) */
    struct list_node rxq;    /* struct rxitem, oldest first */
    size_t rx_bytes;         /* unread bytes in rxq */
    struct list_node acceptq;  /* listener: connections not yet accepted */
    struct list_node acc_node; /* in its listener's acceptq */
    struct inet_sock *listener;
    unsigned nacc;           /* listener: entries in acceptq */
    unsigned rcvbuf, sndbuf; /* SO_RCVBUF, SO_SNDBUF as set (doubled, as Linux) */
    unsigned wnd_cap, snd_cap; /* TCP: the window and the queue they allow; 0: lwIP's */
    int reuse, keepalive, nodelay, linger_on, linger_s;
    uint8_t ttl, tos;        /* IPv4's (IP_TTL, IP_TOS) */
    uint8_t hops, tclass;    /* IPv6's (IPV6_UNICAST_HOPS, IPV6_TCLASS) */
    int v6;                  /* AF_INET6: addresses as sockaddr_in6 */
    int v6only;              /* AF_INET6: IPV6_V6ONLY, no IPv4 through it */
    uint16_t ident;          /* ICMP echo socket: its id (host order), 0 until bound */
    uint32_t icmp6_filter[8]; /* raw ICMPv6: ICMP6_FILTER, a set bit blocks that type */
    int pktinfo4, pktinfo6;  /* IP_PKTINFO, IPV6_RECVPKTINFO: where each datagram came in */
    int hlim_cmsg;           /* IPv6 datagrams: the control message type their hop limit
                              * comes in (IPV6_RECVHOPLIMIT's, RFC 2292's), 0: none */
    struct list_node ping_node; /* ICMP echo sockets, for unique ids */
    ip_addr_t laddr, raddr;  /* addresses (kept after the pcb goes) */
    uint16_t lport, rport;   /* ports, host order */
    struct inet_mcast mc;    /* groups joined, multicast options (inet_mcast.c) */
};

static const struct sock_ops inet_ops;
static struct list_node ping_socks = LIST_INIT(ping_socks);
static uint16_t ping_next = 1;

static void lock(void) { net_lock(); }
static void unlock(void) { net_unlock(); }

static int is_tcp(const struct inet_sock *is) { return is->type == SOCK_STREAM; }
static int is_icmp(const struct inet_sock *is) { return is->proto == IPPROTO_ICMP || is->proto == IPPROTO_ICMPV6; }
static int is_ping(const struct inet_sock *is) { return is->type == SOCK_DGRAM && is_icmp(is); }
static int is_raw(const struct inet_sock *is) { return is->type == SOCK_RAW; }

static int map_err(err_t e)
{
    switch (e) {
    case ERR_OK: return 0;
    case ERR_MEM: return ENOMEM;
    case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return ENETUNREACH;
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_VAL: return EINVAL;
    case ERR_WOULDBLOCK: return EAGAIN;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN: return ENOTCONN;
    case ERR_ABRT: return ECONNABORTED;
    case ERR_RST: return ECONNRESET;
    case ERR_CLSD: return ENOTCONN;
    default: return EIO;
    }
}

static void wake(struct inet_sock *is) { wq_wake_all(&is->wq); }

/* ---- addresses ---- */

struct sin {
    uint16_t family;
    uint16_t port; /* network order */
    uint32_t addr; /* network order */
    uint8_t zero[8];
};

struct sin6 {
    uint16_t family;
    uint16_t port;     /* network order */
    uint32_t flowinfo;
    uint8_t addr[16];
    uint32_t scope_id; /* the ifindex a link-local address is on */
};

/* RFC 2133's sockaddr_in6 had no sin6_scope_id: Linux still takes it. */
#define SIN6_LEN_MIN 24u

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* The address and port (network order) of @p a as @p is's family takes
 * it: a sockaddr_in, or for AF_INET6 a sockaddr_in6, whose IPv4-mapped
 * addresses (::ffff:a.b.c.d) come back as IPv4 ones and whose link-local
 * ones carry their interface as lwIP's zone. 0 or -errno (lock held). */
static int get_addr(const struct inet_sock *is, const struct sockaddr_k *a, ip_addr_t *ip, uint16_t *port)
{
    if (!is->v6) {
        struct sin s;
        if (a->len < sizeof s)
            return -EINVAL;
        memcpy(&s, a->b, sizeof s);
        if (s.family != AF_INET)
            return -EAFNOSUPPORT;
        ip_addr_set_ip4_u32_val(*ip, s.addr);
        *port = s.port;
        return 0;
    }
    struct sin6 s = {0};
    if (a->len < SIN6_LEN_MIN)
        return -EINVAL;
    memcpy(&s, a->b, a->len < sizeof s ? a->len : sizeof s);
    if (s.family != AF_INET6)
        return -EAFNOSUPPORT;
    *port = s.port;
    if (!memcmp(s.addr, v4mapped, sizeof v4mapped)) {
        uint32_t v4;
        memcpy(&v4, s.addr + 12, 4);
        ip_addr_set_ip4_u32_val(*ip, v4);
        return 0;
    }
    ip6_addr_t a6;
    memcpy(a6.addr, s.addr, 16);
    ip6_addr_clear_zone(&a6);
    if (ip6_addr_has_scope(&a6, IP6_UNKNOWN) && !(ip6_addr_ismulticast(&a6) && !s.scope_id)) {
        /* Linux: a link-local address names its interface (a link-local
         * group may leave that to IPV6_MULTICAST_IF, or the route) */
        if (!s.scope_id)
            return -EINVAL;
        struct netif *n = inet_if_at((int)s.scope_id);
        if (!n)
            return -ENODEV;
        ip6_addr_assign_zone(&a6, IP6_UNKNOWN, n);
    }
    ip_addr_copy_from_ip6(*ip, a6);
    return 0;
}

/* @p ip and @p port_net into @p a as @p is's family has it (lock held). */
static void put_addr(const struct inet_sock *is, struct sockaddr_k *a, const ip_addr_t *ip, uint16_t port_net)
{
    if (!is->v6) {
        struct sin s = {AF_INET, port_net, ip4_addr_get_u32(ip_2_ip4(ip)), {0}};
        memcpy(a->b, &s, sizeof s);
        a->len = sizeof s;
        return;
    }
    struct sin6 s = {.family = AF_INET6, .port = port_net};
    if (IP_IS_V6(ip)) {
        memcpy(s.addr, ip_2_ip6(ip)->addr, 16);
        if (ip6_addr_has_zone(ip_2_ip6(ip))) {
            struct netif *n = netif_get_by_index(ip6_addr_zone(ip_2_ip6(ip)));
            s.scope_id = n ? (uint32_t)inet_if_index(n) : 0;
        }
    } else if (IP_IS_V4(ip)) { /* IPv4 through a dual-stack socket */
        memcpy(s.addr, v4mapped, sizeof v4mapped);
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
        memcpy(s.addr + 12, &v4, 4);
    } /* else IPADDR_TYPE_ANY: "::" */
    memcpy(a->b, &s, sizeof s);
    a->len = sizeof s;
}

static uint16_t net16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

/* The address "any" as @p is binds it: IPv4's, or for AF_INET6 both
 * families' (lwIP's IPADDR_TYPE_ANY) unless IPV6_V6ONLY. */
static const ip_addr_t *any_addr(const struct inet_sock *is)
{
    return !is->v6 ? IP4_ADDR_ANY : is->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

/* Whether @p is may talk to, or bind, @p ip's family: @p err for IPv4
 * through a V6ONLY socket, or for a family other than that of the one
 * address the socket is bound to (bound to "::" it takes either); else 0. */
static int family_ok(const struct inet_sock *is, const ip_addr_t *ip, int err)
{
    if (is->v6only && IP_IS_V4(ip))
        return err;
    if (is->bound && !IP_IS_ANY_TYPE_VAL(is->laddr) && IP_GET_TYPE(&is->laddr) != IP_GET_TYPE(ip))
        return err;
    return 0;
}

/* The pcb's TTL (hop limit) and TOS (traffic class) from IPv4's options
 * or IPv6's, as its peer's family is (lock held). */
static void apply_ip_opts(struct inet_sock *is)
{
    struct ip_pcb *p = is->pcb.any;
    if (!p)
        return;
    int six = IP_IS_V6_VAL(p->remote_ip);
    p->ttl = six ? is->hops : is->ttl;
    p->tos = six ? is->tclass : is->tos;
}

/* IPV6_V6ONLY: an unbound AF_INET6 socket's pcb takes IPv6 only, or both
 * families again (lock held). */
static int set_v6only(struct inet_sock *is, int v)
{
    if (is->bound || is->state != ST_NEW)
        return -EINVAL; /* Linux: only before bind */
    u8_t t = v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
    struct ip_pcb *p = is->pcb.any;
    if (p) {
        IP_SET_TYPE_VAL(p->local_ip, t);
        IP_SET_TYPE_VAL(p->remote_ip, t);
    }
    IP_SET_TYPE_VAL(is->laddr, t);
    IP_SET_TYPE_VAL(is->raddr, t);
    is->v6only = v != 0;
    return 0;
}

/* Whether @p ip is one a socket may bind: any, loopback (127/8, ::1) or
 * an interface's (lock held). */
static int local_addr(const ip_addr_t *ip)
{
    struct netif *n;
    if (ip_addr_isany(ip))
        return 1;
    if (IP_IS_V6(ip)) {
        const ip6_addr_t *a6 = ip_2_ip6(ip);
        if (ip6_addr_isloopback(a6))
            return 1;
        NETIF_FOREACH(n) {
            if (ip6_addr_has_zone(a6) && !ip6_addr_test_zone(a6, n))
                continue;
            for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
                if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
                    ip6_addr_cmp_zoneless(netif_ip6_addr(n, i), a6))
                    return 1;
            }
        }
        return 0;
    }
    uint32_t addr = ip4_addr_get_u32(ip_2_ip4(ip));
    return ((const uint8_t *)&addr)[0] == 127 || inet_if_by_addr4(addr) != NULL;
}

/* Remember the pcb's addresses (lock held). */
static void note_addrs(struct inet_sock *is)
{
    if (!is->pcb.any)
        return;
    if (is_tcp(is)) {
        ip_addr_copy(is->laddr, is->pcb.tcp->local_ip);
        is->lport = is->pcb.tcp->local_port;
        if (is->state != ST_LISTEN) {
            ip_addr_copy(is->raddr, is->pcb.tcp->remote_ip);
            is->rport = is->pcb.tcp->remote_port;
        }
    } else if (is->type == SOCK_DGRAM && !is_ping(is)) {
        ip_addr_copy(is->laddr, is->pcb.udp->local_ip);
        is->lport = is->pcb.udp->local_port;
    }
}

/* ---- waiting ---- */

/* Block on @p is's queue (and the caller's signals) until @p ready(is)
 * (checked with the lock held), a signal (-ERESTARTSYS; -EINTR when @p timed,
 * the socket's timeout for this call is set: such a call is not restarted,
 * as Linux's sock_intr_errno()) or @p deadline (hal_time_ns(); 0: none)
 * passes (-EAGAIN). Called unlocked. */
static int wait_for(struct inet_sock *is, int (*ready)(struct inet_sock *), uint64_t deadline, int timed)
{
    struct waitqueue *sig = task_signal_wq();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &is->wq);
        if (sig)
            wait_set_add(&ws, sig);
        lock();
        int ok = ready(is);
        unlock();
        if (ok) {
            wait_set_clear(&ws);
            return 0;
        }
        if (sig && task_signal_pending()) {
            wait_set_clear(&ws);
            return timed ? -EINTR : -ERESTARTSYS;
        }
        int late = 0;
        if (deadline)
            late = wait_set_block_until(&ws, deadline);
        else
            wait_set_block(&ws);
        wait_set_clear(&ws);
        if (late)
            return -EAGAIN;
    }
}

static uint64_t deadline_of(uint64_t timeo_ns) { return timeo_ns ? hal_time_ns() + timeo_ns : 0; }

static int take_err(struct inet_sock *is)
{
    int e = is->err;
    is->err = 0;
    return e;
}

/* ---- sockets ---- */

static struct inet_sock *is_new(int type, int proto)
{
    struct inet_sock *is = kzalloc(sizeof *is);
    if (!is)
        return NULL;
    wq_init(&is->wq, "inet");
    is->type = type;
    is->proto = proto;
    list_init(&is->rxq);
    list_init(&is->acceptq);
    list_init(&is->ping_node);
    is->rcvbuf = RCVBUF_DEF;
    is->sndbuf = RCVBUF_DEF;
    is->ttl = 64;
    is->hops = 64;
    inet_mcast_init(&is->mc);
    return is;
}

static void rxq_free(struct inet_sock *is)
{
    while (!list_empty(&is->rxq)) {
        struct rxitem *it = container_of(list_first(&is->rxq), struct rxitem, node);
        list_del(&it->node);
        pbuf_free(it->p);
        kfree(it);
    }
    is->rx_bytes = 0;
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);
static void tcp_consumed(struct inet_sock *is, size_t n);

static void tcp_hook(struct inet_sock *is, struct tcp_pcb *pcb)
{
    tcp_arg(pcb, is);
    tcp_recv(pcb, tcp_recv_cb);
    tcp_sent(pcb, tcp_sent_cb);
    tcp_err(pcb, tcp_err_cb);
}

/* Leave the pcb to lwIP: no callback reaches @p is any more (lock held). */
static void tcp_unhook(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state != LISTEN) {
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_err(pcb, NULL);
    } else {
        tcp_accept(pcb, NULL);
    }
}

/* ---- SO_RCVBUF and SO_SNDBUF on TCP ---- */

/*
 * Linux gives a connection whose SO_RCVBUF was set a window of about the
 * value asked (half the doubled figure it reports), and one whose
 * SO_SNDBUF was set about as much queued data. lwIP sizes every pcb the
 * same (TCP_WND, TCP_SND_BUF), so a cap below those is kept here: the
 * window is opened only up to the cap as the reader takes data, and a
 * writer is given room only up to it. The window's floor is twice lwIP's
 * update threshold: a reader that empties a smaller window would move it
 * by less than the threshold, and no window update would go out.
 */
#define WND_CAP_MIN (2 * TCP_WND_UPDATE_THRESHOLD)
#define SND_CAP_MIN (2 * TCP_MSS)

static unsigned buf_cap(unsigned doubled, unsigned floor, unsigned max)
{
    unsigned v = doubled / 2;
    return v < floor ? floor : v >= max ? 0 : v;
}

/* The largest window @p p may have, unread data counted in (lock held). */
static tcpwnd_size_t tcp_wnd_cap(const struct inet_sock *is, struct tcp_pcb *p)
{
    tcpwnd_size_t max = TCP_WND_MAX(p);
    return is->wnd_cap && is->wnd_cap < max ? is->wnd_cap : max;
}

/* Bring the window down to the cap as far as the peer was not told
 * otherwise: an announced window is never taken back, since lwIP cuts off
 * what the peer sends past its window. @p now_up: the connection was just
 * made, and the peer knows only the window of a SYN, which is never
 * scaled, where lwIP's books count the whole window as told (lock held). */
static void tcp_wnd_apply(struct inet_sock *is, int now_up)
{
    struct tcp_pcb *p = is->pcb.tcp;
    if (!p || !is->wnd_cap || is->state != ST_CONNECTED)
        return;
    uint32_t told;
    if (now_up) {
        told = TCP_WND_MAX(p) < 0xffff ? TCP_WND_MAX(p) : 0xffff;
        p->rcv_ann_right_edge = p->rcv_nxt + told;
        p->rcv_ann_wnd = (tcpwnd_size_t)told;
    } else {
        told = TCP_SEQ_GT(p->rcv_ann_right_edge, p->rcv_nxt) ? p->rcv_ann_right_edge - p->rcv_nxt : 0;
    }
    tcpwnd_size_t cap = tcp_wnd_cap(is, p);
    tcpwnd_size_t want = cap > is->rx_bytes ? (tcpwnd_size_t)(cap - is->rx_bytes) : 0;
    if (want < told)
        want = (tcpwnd_size_t)told;
    if (p->rcv_wnd > want)
        p->rcv_wnd = want;
}

/* Bytes queued to send, sent or not (tcp_sndbuf() stops at 64 KiB). */
static size_t tcp_queued(const struct tcp_pcb *p)
{
    return p->snd_buf < TCP_SND_BUF ? TCP_SND_BUF - p->snd_buf : 0;
}

/* Bytes a writer may hand lwIP now (lock held). */
static size_t tcp_room(const struct inet_sock *is, struct tcp_pcb *p)
{
    size_t room = p->snd_buf;
    if (is->snd_cap) {
        size_t queued = tcp_queued(p), left = queued < is->snd_cap ? is->snd_cap - queued : 0;
        if (left < room)
            room = left;
    }
    return room;
}

/* Close a connection's pcb for good: a reset with SO_LINGER 0 or unread
 * data (tcp_close's choice), else the FIN; lwIP finishes alone. */
static void tcp_drop(struct inet_sock *is)
{
    struct tcp_pcb *pcb = is->pcb.tcp;
    if (!pcb)
        return;
    is->pcb.tcp = NULL;
    tcp_unhook(pcb);
    if (pcb->state == LISTEN) {
        tcp_close(pcb);
        return;
    }
    /* tcp_close() resets when the window is not at lwIP's full size; one
     * held below it by SO_RCVBUF, with nothing unread, is open all the same */
    if (is->wnd_cap && !is->rx_bytes && pcb->rcv_wnd >= tcp_wnd_cap(is, pcb))
        pcb->rcv_wnd = TCP_WND_MAX(pcb);
    if ((is->linger_on && is->linger_s == 0) || tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

static void is_free(struct inet_sock *is);

/* A listener's unaccepted connections: reset and freed (lock held). */
static void acceptq_free(struct inet_sock *ls)
{
    while (!list_empty(&ls->acceptq)) {
        struct inet_sock *c = container_of(list_first(&ls->acceptq), struct inet_sock, acc_node);
        list_del(&c->acc_node);
        if (c->pcb.tcp) {
            struct tcp_pcb *pcb = c->pcb.tcp;
            c->pcb.tcp = NULL;
            tcp_unhook(pcb);
            tcp_abort(pcb);
        }
        is_free(c);
    }
    ls->nacc = 0;
}

/* Everything of @p is (lock held). */
static void is_free(struct inet_sock *is)
{
    inet_mcast_leave_all(&is->mc);
    if (is_tcp(is)) {
        acceptq_free(is);
        tcp_drop(is); /* unread data, never tcp_recved(), makes it a reset */
        rxq_free(is);
    } else {
        if (is->pcb.any) {
            if (is->type == SOCK_DGRAM && !is_ping(is))
                udp_remove(is->pcb.udp);
#if LWIP_RAW
            else
                raw_remove(is->pcb.raw);
#endif
        }
        is->pcb.any = NULL;
        rxq_free(is);
        if (!list_empty(&is->ping_node))
            list_del(&is->ping_node);
    }
    kfree(is);
}

/* ---- lwIP's TCP callbacks (core lock held) ---- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct inet_sock *is = arg;
    (void)err;
    if (!is) { /* not ours any more */
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        is->rd_eof = 1;
        /* Our FIN went first: the pcb is in TIME_WAIT or CLOSING and lwIP
         * frees it without a word, so forget it now. */
        if (is->shut_wr || pcb->state == TIME_WAIT || pcb->state == CLOSING) {
            tcp_unhook(pcb);
            is->pcb.tcp = NULL;
            is->state = ST_CLOSED;
        }
        wake(is);
        return ERR_OK;
    }
    if (is->shut_rd) {
        uint32_t n = p->tot_len;
        pbuf_free(p);
        tcp_consumed(is, n);
        return ERR_OK;
    }
    struct rxitem *it = kmalloc(sizeof *it);
    if (!it)
        return ERR_MEM; /* lwIP holds it and offers it again */
    it->p = p;
    it->off = 0;
    list_add_tail(&is->rxq, &it->node);
    is->rx_bytes += p->tot_len;
    wake(is);
    return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    wake(arg);
    return ERR_OK;
}

static void tcp_err_cb(void *arg, err_t err)
{
    struct inet_sock *is = arg;
    if (!is)
        return;
    is->pcb.tcp = NULL; /* lwIP freed it */
    if (is->state == ST_CONNECTING)
        is->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    else if (err == ERR_RST)
        is->err = is->rd_eof ? EPIPE : ECONNRESET;
    else if (err == ERR_ABRT)
        is->err = ETIMEDOUT;
    is->state = ST_CLOSED;
    wake(is);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct inet_sock *is = arg;
    (void)err;
    is->state = ST_CONNECTED;
    note_addrs(is);
    (void)pcb;
    tcp_wnd_apply(is, 1); /* the options are settled: the window may shrink now */
    wake(is);
    return ERR_OK;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *npcb, err_t err)
{
    struct inet_sock *ls = arg;
    if (!ls || err != ERR_OK || !npcb)
        return ERR_VAL;
    struct inet_sock *c = is_new(SOCK_STREAM, IPPROTO_TCP);
    if (!c)
        return ERR_MEM; /* lwIP resets it */
    c->pcb.tcp = npcb;
    c->v6 = ls->v6;
    c->v6only = ls->v6only;
    c->ttl = ls->ttl;
    c->tos = ls->tos;
    c->hops = ls->hops;
    c->tclass = ls->tclass;
    apply_ip_opts(c);
    c->state = ST_CONNECTED;
    c->bound = 1;
    c->nodelay = ls->nodelay;
    c->keepalive = ls->keepalive;
    c->rcvbuf = ls->rcvbuf;
    c->sndbuf = ls->sndbuf;
    c->wnd_cap = ls->wnd_cap;
    c->snd_cap = ls->snd_cap;
    c->linger_on = ls->linger_on;
    c->linger_s = ls->linger_s;
    tcp_hook(c, npcb);
    tcp_wnd_apply(c, 1);
    if (c->nodelay)
        tcp_nagle_disable(npcb);
    note_addrs(c);
#if TCP_LISTEN_BACKLOG
    tcp_backlog_delayed(npcb); /* counts against the backlog until accept() */
#endif
    c->listener = ls;
    list_add_tail(&ls->acceptq, &c->acc_node);
    ls->nacc++;
    wake(ls);
    return ERR_OK;
}

/* ---- lwIP's UDP and ICMP callbacks ---- */

#define IP_PKTINFO 8       /* at IPPROTO_IP: the option and its control message */
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50    /* the control message IPV6_RECVPKTINFO asks for */

/* Where datagram @p it came in, as the control message the socket asked
 * for (lock held): struct in_pktinfo (the interface, the local address
 * that answers, the destination) or in6_pktinfo (the destination, the
 * interface), as Linux fills them. */
static void pktinfo_of(const struct inet_sock *is, const struct rxitem *it, struct sock_ctl *c)
{
    if (IP_IS_V4(&it->dst) && is->pktinfo4) {
        struct netif *n = inet_if_at(it->ifindex);
        uint32_t dst = ip4_addr_get_u32(ip_2_ip4(&it->dst));
        /* a group's or broadcast datagram is answered from the interface's address */
        uint32_t spec = ip4_addr_ismulticast(ip_2_ip4(&it->dst)) || !n || ip4_addr_isbroadcast_u32(dst, n)
                            ? (n ? ip4_addr_get_u32(netif_ip4_addr(n)) : 0)
                            : dst;
        int32_t idx = it->ifindex;
        memcpy(c->pktinfo, &idx, 4);
        memcpy(c->pktinfo + 4, &spec, 4);
        memcpy(c->pktinfo + 8, &dst, 4);
        c->pktinfo_level = IPPROTO_IP, c->pktinfo_type = IP_PKTINFO, c->pktinfo_len = 12;
    } else if (IP_IS_V6(&it->dst) && is->pktinfo6) {
        int32_t idx = it->ifindex;
        memcpy(c->pktinfo, ip_2_ip6(&it->dst)->addr, 16);
        memcpy(c->pktinfo + 16, &idx, 4);
        c->pktinfo_level = IPPROTO_IPV6, c->pktinfo_type = IPV6_PKTINFO, c->pktinfo_len = 20;
    }
}

static int queue_dgram(struct inet_sock *is, struct pbuf *p, const ip_addr_t *addr, uint16_t port)
{
    if (is->rx_bytes + p->tot_len > is->rcvbuf || is->shut_rd)
        return 0;
    struct rxitem *it = kmalloc(sizeof *it);
    if (!it)
        return 0;
    it->p = p;
    it->off = 0;
    ip_addr_copy(it->addr, *addr);
    it->port = port;
    /* lwIP's input path is under way (every caller is its callback) */
    it->hlim = IP_IS_V6(addr) && ip6_current_header() ? IP6H_HOPLIM(ip6_current_header()) : 0;
    struct netif *in = ip_current_input_netif();
    it->ifindex = in ? inet_if_index(in) : 0;
    ip_addr_copy(it->dst, *ip_current_dest_addr());
    list_add_tail(&is->rxq, &it->node);
    is->rx_bytes += p->tot_len;
    wake(is);
    return 1;
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb;
    if (!queue_dgram(arg, p, addr, net16(port)))
        pbuf_free(p);
}

#if LWIP_RAW
/* The IP header's bytes in front of a packet lwIP hands a raw pcb: IPv4's
 * from its IHL, IPv6's (extension headers included) from what ip6_input()
 * noted, valid in the callback. */
static unsigned ip_header_len(const struct pbuf *p, const ip_addr_t *addr)
{
    if (IP_IS_V6(addr))
        return ip_current_header_tot_len();
    return p->len < IP_HLEN ? 0 : IPH_HL_BYTES((const struct ip_hdr *)p->payload);
}

/* ICMP echo socket: the echo replies that carry its id, without their IP
 * header; the rest goes on to lwIP. */
static u8_t ping_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct inet_sock *is = arg;
    (void)pcb;
    unsigned hl = ip_header_len(p, addr);
    uint8_t h[6];
    if (!hl || p->tot_len < hl + 8 || pbuf_copy_partial(p, h, sizeof h, (u16_t)hl) != sizeof h)
        return 0;
    if (h[0] != (IP_IS_V6(addr) ? ICMP6_TYPE_EREP : ICMP_ER) || !is->ident ||
        (unsigned)(h[4] << 8 | h[5]) != is->ident)
        return 0;
    if (pbuf_remove_header(p, hl))
        return 0;
    if (!queue_dgram(is, p, addr, 0))
        pbuf_free(p);
    return 1;
}

/* Raw ICMP socket: a copy of every ICMP packet, IPv4's with its IP header,
 * ICMPv6's without (as Linux's raw sockets of each family read them); lwIP
 * still answers what it answers. */
static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct inet_sock *is = arg;
    (void)pcb;
    unsigned hl = IP_IS_V6(addr) ? ip_current_header_tot_len() : 0;
    uint8_t type;
    if (hl && (pbuf_copy_partial(p, &type, 1, (u16_t)hl) != 1 ||
               is->icmp6_filter[type >> 5] >> (type & 31) & 1))
        return 0; /* ICMP6_FILTER blocks it */
    struct pbuf *q = p->tot_len > hl ? pbuf_clone(PBUF_RAW, PBUF_RAM, p) : NULL;
    if (q && hl && pbuf_remove_header(q, hl)) {
        pbuf_free(q);
        q = NULL;
    }
    if (q && !queue_dgram(is, q, addr, 0))
        pbuf_free(q);
    return 0;
}
#endif

/* ---- create, bind, connect, listen, accept ---- */

static int inet_create(struct socket *s, int family, int type, int proto)
{
    int v6 = family == AF_INET6;
    int icmp = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP; /* each family's own */
    if (type == SOCK_STREAM) {
        if (proto && proto != IPPROTO_TCP)
            return -EPROTONOSUPPORT;
        proto = IPPROTO_TCP;
    } else if (type == SOCK_DGRAM) {
        if (proto && proto != IPPROTO_UDP && proto != icmp)
            return -EPROTONOSUPPORT;
        if (!proto)
            proto = IPPROTO_UDP;
    } else if (type == SOCK_RAW) {
        if (!sock_privileged())
            return -EPERM;
        if (proto != icmp && (v6 || proto != IPPROTO_RAW))
            return -EPROTONOSUPPORT;
    } else {
        return -ESOCKTNOSUPPORT;
    }
#if !LWIP_RAW
    if (proto == icmp)
        return -EPROTONOSUPPORT;
#endif
    /* A socket asked for before the boot's probe thread started the
     * stack starts it (net_init() runs once) */
    net_init();
    if (net_wait_ready())
        return -EAFNOSUPPORT;
    struct inet_sock *is = is_new(type, proto);
    if (!is)
        return -ENOMEM;
    /* An AF_INET6 socket's pcb takes both families until IPV6_V6ONLY;
     * ICMPv6 is IPv6's alone. */
    u8_t iptype = v6 ? (proto == IPPROTO_ICMPV6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY) : IPADDR_TYPE_V4;
    is->v6 = v6;
    is->v6only = proto == IPPROTO_ICMPV6;
    IP_SET_TYPE_VAL(is->laddr, iptype);
    IP_SET_TYPE_VAL(is->raddr, iptype);
    lock();
    if (proto == IPPROTO_TCP) {
        is->pcb.tcp = tcp_new_ip_type(iptype);
        if (is->pcb.tcp)
            tcp_hook(is, is->pcb.tcp);
    } else if (proto == IPPROTO_UDP) {
        is->pcb.udp = udp_new_ip_type(iptype);
        if (is->pcb.udp)
            udp_recv(is->pcb.udp, udp_recv_cb, is);
    }
#if LWIP_RAW
    else {
        is->pcb.raw = raw_new_ip_type(iptype, (u8_t)proto);
        if (is->pcb.raw && proto == IPPROTO_ICMPV6) {
            /* RFC 3542, 3.1: the kernel computes ICMPv6's checksum, at offset 2 */
            is->pcb.raw->chksum_reqd = 1;
            is->pcb.raw->chksum_offset = 2;
        }
        if (is->pcb.raw && proto == IPPROTO_RAW)
            raw_setflags(is->pcb.raw, RAW_FLAGS_HDRINCL); /* sends whole IP packets, receives nothing, as Linux's */
        else if (is->pcb.raw)
            raw_recv(is->pcb.raw, type == SOCK_RAW ? raw_recv_cb : ping_recv_cb, is);
    }
#endif
    unlock();
    if (!is->pcb.any) {
        kfree(is);
        return -ENOMEM;
    }
    s->family = family;
    s->type = type;
    s->protocol = proto;
    s->ops = &inet_ops;
    s->priv = is;
    return 0;
}

/* An ICMP echo socket's id: @p want if free (0: the next free one); lock held. */
static int ping_ident(struct inet_sock *is, uint16_t want)
{
    for (unsigned tries = 0; tries < 65536; tries++) {
        uint16_t id = want ? want : ping_next++;
        if (!id)
            continue;
        int used = 0;
        list_for_each(n, &ping_socks) {
            if (container_of(n, struct inet_sock, ping_node)->ident == id)
                used = 1;
        }
        if (!used) {
            is->ident = id;
            list_add_tail(&ping_socks, &is->ping_node);
            return 0;
        }
        if (want)
            return -EADDRINUSE;
    }
    return -EADDRINUSE;
}

/* Whether addresses @p a and @p b may take the same packets: of one
 * family (or either both, IPADDR_TYPE_ANY), and one of them any or both
 * the same. */
static int addrs_overlap(const ip_addr_t *a, const ip_addr_t *b)
{
    if (!IP_IS_ANY_TYPE_VAL(*a) && !IP_IS_ANY_TYPE_VAL(*b) && IP_GET_TYPE(a) != IP_GET_TYPE(b))
        return 0;
    return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_cmp_zoneless(a, b);
}

/* Whether a listener has @p port on an address that overlaps @p ip (lock held). */
static int listened(const ip_addr_t *ip, uint16_t port)
{
    if (!port)
        return 0;
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        if (l->local_port == port && addrs_overlap(&l->local_ip, ip))
            return 1;
    }
    return 0;
}

static int inet_bind(struct socket *s, const struct sockaddr_k *a)
{
    struct inet_sock *is = s->priv;
    ip_addr_t ip;
    uint16_t port;
    lock();
    int r = get_addr(is, a, &ip, &port);
    if (r) {
        unlock();
        return r;
    }
    if (is->v6 && IP_IS_V6(&ip) && ip_addr_isany(&ip))
        ip_addr_copy(ip, *any_addr(is)); /* "::": both families unless V6ONLY */
    if (is->bound || !is->pcb.any || is->state != ST_NEW)
        r = -EINVAL;
    else if (family_ok(is, &ip, -EINVAL)) /* Linux: an IPv4-mapped address on a V6ONLY socket */
        r = -EINVAL;
    else if (!local_addr(&ip))
        r = -EADDRNOTAVAIL;
    else if (is_tcp(is) && listened(&ip, net16(port)))
        r = -EADDRINUSE; /* SO_REUSEADDR never shares a listener's port (lwIP would) */
    else if (is_tcp(is))
        r = -map_err(tcp_bind(is->pcb.tcp, &ip, net16(port)));
    else if (is->proto == IPPROTO_UDP)
        r = -map_err(udp_bind(is->pcb.udp, &ip, net16(port)));
#if LWIP_RAW
    else {
        r = is_ping(is) ? ping_ident(is, net16(port)) : 0;
        if (!r)
            r = -map_err(raw_bind(is->pcb.raw, &ip));
        ip_addr_copy(is->laddr, ip);
    }
#endif
    if (!r) {
        is->bound = 1;
        note_addrs(is);
    }
    unlock();
    return r;
}

static int connected_or_err(struct inet_sock *is) { return is->state != ST_CONNECTING; }

static int tcp_connect_op(struct inet_sock *is, struct socket *s, const ip_addr_t *ip, uint16_t port, int nonblock)
{
    lock();
    int r = 0;
    if (is->state == ST_CONNECTING)
        r = -EALREADY;
    else if (is->state == ST_CONNECTED)
        r = -EISCONN;
    else if (is->state == ST_LISTEN)
        r = -EISCONN;
    else if (!is->pcb.tcp || is->state == ST_CLOSED)
        r = is->err ? -take_err(is) : -EISCONN;
    else
        r = family_ok(is, ip, -ENETUNREACH);
    if (!r) {
        is->pcb.tcp->ttl = IP_IS_V6(ip) ? is->hops : is->ttl;
        is->pcb.tcp->tos = IP_IS_V6(ip) ? is->tclass : is->tos;
        err_t e = tcp_connect(is->pcb.tcp, ip, net16(port), tcp_connected_cb);
        if (e != ERR_OK)
            r = -map_err(e);
        else {
            is->state = ST_CONNECTING;
            is->bound = 1;
            ip_addr_copy(is->raddr, is->pcb.tcp->remote_ip);
            is->rport = net16(port);
            ip_addr_copy(is->laddr, is->pcb.tcp->local_ip);
            is->lport = is->pcb.tcp->local_port;
        }
    }
    unlock();
    if (r)
        return r;
    if (nonblock)
        return -EINPROGRESS;
    r = wait_for(is, connected_or_err, deadline_of(s->sndtimeo_ns), s->sndtimeo_ns != 0);
    if (r == -EAGAIN)
        return -EINPROGRESS; /* Linux: a connect that timed out (SO_SNDTIMEO) */
    if (r)
        return r;
    lock();
    r = is->state == ST_CONNECTED ? 0 : -(take_err(is) ?: ECONNREFUSED);
    if (!r)
        note_addrs(is);
    unlock();
    return r;
}

static int inet_connect(struct socket *s, const struct sockaddr_k *a, int nonblock)
{
    struct inet_sock *is = s->priv;
    ip_addr_t ip = {0};
    uint16_t port = 0;
    int unspec = a->len >= 2 && a->family == AF_UNSPEC;
    lock();
    int r = unspec ? 0 : get_addr(is, a, &ip, &port);
    unlock();
    if (r)
        return r;
    if (is_tcp(is))
        return unspec ? -EOPNOTSUPP : tcp_connect_op(is, s, &ip, port, nonblock);
    lock();
    if (!unspec && (r = family_ok(is, &ip, -ENETUNREACH))) {
        unlock();
        return r;
    }
    if (!is->pcb.any) {
        r = -EINVAL;
    } else if (is->proto == IPPROTO_UDP) {
        if (unspec) {
            udp_disconnect(is->pcb.udp);
            is->state = ST_NEW;
        } else {
            r = -map_err(udp_connect(is->pcb.udp, &ip, net16(port)));
            if (!r) {
                is->state = ST_CONNECTED;
                ip_addr_copy(is->raddr, ip);
                is->rport = net16(port);
                is->bound = 1;
            }
        }
    }
#if LWIP_RAW
    else {
        if (is_ping(is) && !is->ident)
            r = ping_ident(is, 0);
        if (!r && unspec) {
            raw_disconnect(is->pcb.raw);
            is->state = ST_NEW;
        } else if (!r) {
            r = -map_err(raw_connect(is->pcb.raw, &ip));
            if (!r) {
                is->state = ST_CONNECTED;
                ip_addr_copy(is->raddr, ip);
            }
        }
    }
#endif
    note_addrs(is);
    unlock();
    return r;
}

static int inet_listen(struct socket *s, int backlog)
{
    struct inet_sock *is = s->priv;
    if (!is_tcp(is))
        return -EOPNOTSUPP;
    if (backlog < 1)
        backlog = 1;
    if (backlog > 254)
        backlog = 254;
    lock();
    int r = 0;
    if (is->state == ST_LISTEN) {
#if TCP_LISTEN_BACKLOG
        ((struct tcp_pcb_listen *)is->pcb.tcp)->backlog = (u8_t)(backlog + 1);
#endif
    } else if (is->state != ST_NEW || !is->pcb.tcp) {
        r = -EINVAL;
    } else {
        if (!is->bound) { /* an unbound listener takes a free port */
            r = -map_err(tcp_bind(is->pcb.tcp, any_addr(is), 0));
            is->bound = !r;
        }
        err_t e = ERR_OK;
        /* Linux lets backlog + 1 connections wait for accept() */
        struct tcp_pcb *l = r ? NULL : tcp_listen_with_backlog_and_err(is->pcb.tcp, (u8_t)(backlog + 1), &e);
        if (!r && !l)
            r = -map_err(e);
        if (l) {
            is->pcb.tcp = l; /* lwIP freed the old pcb */
            is->state = ST_LISTEN;
            tcp_arg(l, is);
            tcp_accept(l, tcp_accept_cb);
            note_addrs(is);
        }
    }
    unlock();
    return r;
}

static int acceptq_ready(struct inet_sock *is) { return is->nacc || is->state != ST_LISTEN; }

static int inet_accept(struct socket *s, struct socket **out, int nonblock)
{
    struct inet_sock *ls = s->priv;
    if (!is_tcp(ls))
        return -EOPNOTSUPP;
    struct socket *ns = sock_alloc(s->family, SOCK_STREAM, IPPROTO_TCP, &inet_ops);
    if (!ns)
        return -ENOMEM;
    uint64_t dl = deadline_of(s->rcvtimeo_ns);
    for (;;) {
        lock();
        if (ls->state != ST_LISTEN) {
            unlock();
            sock_free(ns);
            return -EINVAL;
        }
        if (ls->nacc) {
            struct inet_sock *c = container_of(list_first(&ls->acceptq), struct inet_sock, acc_node);
            list_del(&c->acc_node);
            ls->nacc--;
            c->listener = NULL;
#if TCP_LISTEN_BACKLOG
            if (c->pcb.tcp)
                tcp_backlog_accepted(c->pcb.tcp);
#endif
            unlock();
            ns->priv = c;
            *out = ns;
            return 0;
        }
        unlock();
        if (nonblock) {
            sock_free(ns);
            return -EAGAIN;
        }
        int r = wait_for(ls, acceptq_ready, dl, dl != 0);
        if (r) {
            sock_free(ns);
            return r;
        }
    }
}

/* ---- sending ---- */

static int tcp_writable(struct inet_sock *is)
{
    struct tcp_pcb *p = is->pcb.tcp;
    return !p || is->err || is->shut_wr || is->state != ST_CONNECTED ||
           (tcp_room(is, p) > 0 && tcp_sndqueuelen(p) < TCP_SND_QUEUELEN - 1);
}

/* A wait only a wake, a signal or its deadline ends. */
static int never(struct inet_sock *is)
{
    (void)is;
    return 0;
}

static int tcp_connected_or_gone(struct inet_sock *is) { return is->state != ST_CONNECTING; }

static long tcp_send(struct inet_sock *is, struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    const struct sock_data *d = &m->data;
    uint64_t dl = deadline_of(s->sndtimeo_ns);
    size_t done = 0;
    uint8_t *buf = NULL;
    long r = 0;
    int short_of_memory = 0;
    if (is->state == ST_CONNECTING && !nonblock) {
        r = wait_for(is, tcp_connected_or_gone, dl, dl != 0);
        if (r)
            return r;
    }
    if (d->len) {
        buf = kmalloc(d->len < BOUNCE ? d->len : BOUNCE);
        if (!buf)
            return -ENOMEM;
    }
    do {
        size_t n = d->len - done < BOUNCE ? d->len - done : BOUNCE, sent = 0;
        if (n && sock_data_get(d, done, buf, n)) {
            r = -EFAULT;
            break;
        }
        while (sent < n || !d->len) {
            short_of_memory = 0;
            lock();
            struct tcp_pcb *p = is->pcb.tcp;
            if (is->state == ST_NEW || is->state == ST_LISTEN || is->state == ST_CONNECTING) {
                r = is->state == ST_CONNECTING ? -EAGAIN : -EPIPE; /* never connected: Linux's EPIPE */
            } else if (is->err) {
                r = -take_err(is);
            } else if (!p || is->shut_wr) {
                r = -EPIPE;
            } else if (!d->len) {
                r = 0;
            } else {
                size_t room = tcp_room(is, p);
                size_t k = n - sent;
                if (k > room)
                    k = room;
                if (k > 0xffff)
                    k = 0xffff;
                err_t e = ERR_MEM;
                if (k && tcp_sndqueuelen(p) < TCP_SND_QUEUELEN - 1) {
                    u8_t wf = TCP_WRITE_FLAG_COPY;
                    if (done + sent + k < d->len || (flags & MSG_MORE))
                        wf |= TCP_WRITE_FLAG_MORE;
                    e = tcp_write(p, buf + sent, (u16_t)k, wf);
                }
                if (e == ERR_OK) {
                    sent += k;
                    tcp_output(p);
                    unlock();
                    continue;
                }
                if (e != ERR_MEM)
                    r = -map_err(e);
                else {
                    tcp_output(p);
                    r = 1; /* wait for room */
                    /* room in the window but none in the stack's memory: no
                     * callback promises a wake, so try again shortly */
                    short_of_memory = tcp_writable(is);
                }
            }
            unlock();
            if (r != 1)
                break;
            r = 0;
            if (nonblock) {
                r = -EAGAIN;
                break;
            }
            if (short_of_memory) {
                uint64_t soon = hal_time_ns() + MEM_RETRY_NS;
                r = wait_for(is, never, dl && dl < soon ? dl : soon, dl != 0);
                if (r == -EAGAIN && (!dl || hal_time_ns() < dl))
                    r = 0;
            } else {
                r = wait_for(is, tcp_writable, dl, dl != 0);
            }
            if (r)
                break;
        }
        done += sent;
        if (r || !d->len)
            break;
    } while (done < d->len);
    kfree(buf);
    if (done)
        return (long)done;
    return r;
}

static long dgram_send(struct inet_sock *is, struct sock_msg *m)
{
    const struct sock_data *d = &m->data;
    ip_addr_t ip = {0};
    uint16_t port = 0;
    int to = m->name && m->name->len;
    if (to) {
        lock();
        int r = get_addr(is, m->name, &ip, &port);
        if (!r)
            r = family_ok(is, &ip, -ENETUNREACH);
        unlock();
        if (r)
            return r;
    }
    if (d->len > UDP_MAX)
        return -EMSGSIZE;
    if (is_icmp(is) && d->len < 8)
        return -EINVAL;
    lock();
    long r = 0;
    if (!to)
        ip_addr_copy(ip, is->raddr);
    if (!to && is->state != ST_CONNECTED)
        r = -EDESTADDRREQ;
    else if (IP_IS_V6(&ip) && d->len > UDP6_MAX)
        r = -EMSGSIZE;
    else if (!is->pcb.any)
        r = -EPIPE;
    else if (is->shut_wr)
        r = -EPIPE;
    struct pbuf *p = r ? NULL : pbuf_alloc(is->proto == IPPROTO_UDP ? PBUF_TRANSPORT : PBUF_IP, (u16_t)d->len, PBUF_RAM);
    if (!r && !p)
        r = -ENOBUFS;
    unlock();
    if (r)
        return r;
    if (d->len && sock_data_get(d, 0, p->payload, d->len)) {
        lock();
        pbuf_free(p);
        unlock();
        return -EFAULT;
    }
    uint8_t *b = p->payload;
    int six = is->proto == IPPROTO_ICMPV6;
    if (is_ping(is) && (b[0] != (six ? ICMP6_TYPE_EREQ : ICMP_ECHO) || b[1] != 0)) {
        lock();
        pbuf_free(p);
        unlock();
        return -EINVAL;
    }
    lock();
    if (is->proto == IPPROTO_UDP) {
        is->pcb.udp->ttl = IP_IS_V6(&ip) ? is->hops : is->ttl;
        is->pcb.udp->tos = IP_IS_V6(&ip) ? is->tclass : is->tos;
        inet_mcast_prepare(&is->mc, is->pcb.udp, to ? &ip : &is->pcb.udp->remote_ip);
        r = -map_err(to ? udp_sendto(is->pcb.udp, p, &ip, net16(port)) : udp_send(is->pcb.udp, p));
        if (!is->bound) {
            is->bound = 1;
            note_addrs(is);
        }
    }
#if LWIP_RAW
    else {
        if (is_ping(is)) {
            if (!is->ident)
                r = ping_ident(is, 0);
            /* The id is the socket's; the checksum is the kernel's. */
            b[4] = (uint8_t)(is->ident >> 8);
            b[5] = (uint8_t)is->ident;
        }
        if (is_ping(is) || six) {
            b[2] = b[3] = 0; /* ICMPv6's is lwIP's (chksum_reqd), over the pseudo-header */
            if (!six) {
                uint16_t ck = inet_chksum(b, (u16_t)d->len);
                memcpy(b + 2, &ck, 2);
            }
        }
        is->pcb.raw->ttl = six ? is->hops : is->ttl;
        is->pcb.raw->tos = six ? is->tclass : is->tos;
        if (!r)
            r = -map_err(raw_sendto(is->pcb.raw, p, &ip));
    }
#endif
    pbuf_free(p);
    unlock();
    if (r == -ENOMEM)
        r = -ENOBUFS;
    return r ? r : (long)d->len;
}

static long inet_sendmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct inet_sock *is = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (is_tcp(is))
        return tcp_send(is, s, m, flags, nonblock); /* a destination is ignored, as Linux's TCP does */
    return dgram_send(is, m);
}

/* ---- receiving ---- */

/* Whether a receive has data, or an end or error, to return (not while
 * the connection is still being made). */
static int tcp_recv_over(struct inet_sock *is)
{
    return is->rd_eof || is->shut_rd || (is->state != ST_CONNECTING && (!is->pcb.tcp || is->state != ST_CONNECTED));
}

static int tcp_readable(struct inet_sock *is) { return is->rx_bytes || is->err || tcp_recv_over(is); }

/* Tell lwIP the reader took @p n bytes: the window opens, up to its cap
 * with what is still unread counted in (lock held). */
static void tcp_consumed(struct inet_sock *is, size_t n)
{
    struct tcp_pcb *p = is->pcb.tcp;
    if (!p)
        return;
    if (is->wnd_cap) {
        tcpwnd_size_t cap = tcp_wnd_cap(is, p);
        size_t open = cap > is->rx_bytes ? cap - is->rx_bytes : 0;
        n = p->rcv_wnd >= open ? 0 : n < open - p->rcv_wnd ? n : open - p->rcv_wnd;
    }
    while (n && is->pcb.tcp) {
        u16_t k = n > 0xffff ? 0xffff : (u16_t)n;
        tcp_recved(is->pcb.tcp, k);
        n -= k;
    }
}

static long tcp_recv_op(struct inet_sock *is, struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    const struct sock_data *d = &m->data;
    uint64_t dl = deadline_of(s->rcvtimeo_ns);
    size_t done = 0;
    long r = 0;
    if (flags & MSG_OOB)
        return -EINVAL;
    if (is->state == ST_NEW || is->state == ST_LISTEN)
        return -ENOTCONN;
    if (!d->len)
        return 0;
    uint8_t *buf = kmalloc(d->len < BOUNCE ? d->len : BOUNCE);
    if (!buf)
        return -ENOMEM;
    size_t owed = 0; /* taken, not yet told to lwIP */
    while (done < d->len) {
        lock();
        if (is->rx_bytes) {
            size_t want = d->len - done, n = 0, skip = (flags & MSG_PEEK) ? done : 0;
            if (want > BOUNCE)
                want = BOUNCE;
            list_for_each(nd, &is->rxq) {
                struct rxitem *it = container_of(nd, struct rxitem, node);
                size_t have = it->p->tot_len - it->off;
                if (skip >= have) {
                    skip -= have;
                    continue;
                }
                size_t k = have - skip < want - n ? have - skip : want - n;
                pbuf_copy_partial(it->p, buf + n, (u16_t)k, (u16_t)(it->off + skip));
                skip = 0;
                n += k;
                if (n == want)
                    break;
            }
            if (!(flags & MSG_PEEK)) {
                size_t left = n;
                while (left) {
                    struct rxitem *it = container_of(list_first(&is->rxq), struct rxitem, node);
                    size_t have = it->p->tot_len - it->off;
                    if (left < have) {
                        it->off += left;
                        break;
                    }
                    left -= have;
                    list_del(&it->node);
                    pbuf_free(it->p);
                    kfree(it);
                }
                is->rx_bytes -= n;
                /* The window opens once a call, as Linux's read opens it, or
                 * every RECV_WND_STEP of a long one; not at every bounce
                 * buffer, each a window update on the wire. Told before
                 * any wait and before returning. */
                owed += n;
                if (owed >= RECV_WND_STEP || !is->rx_bytes || done + n == d->len) {
                    tcp_consumed(is, owed);
                    owed = 0;
                    if (is->rx_bytes == 0 && is->pcb.tcp)
                        tcp_output(is->pcb.tcp); /* the window update */
                }
            }
            int more = is->rx_bytes != 0;
            unlock();
            if (sock_data_put(d, done, buf, n)) {
                r = -EFAULT;
                break;
            }
            done += n;
            /* What is queued, up to the length asked, as Linux's read */
            if ((flags & MSG_PEEK) || (!(flags & MSG_WAITALL) && !more))
                break;
            continue;
        }
        if (owed) { /* another reader took the rest: ours are told before any wait */
            tcp_consumed(is, owed);
            owed = 0;
        }
        if (is->err) {
            r = done ? 0 : -take_err(is);
            unlock();
            break;
        }
        if (tcp_recv_over(is)) {
            unlock();
            break;
        }
        unlock();
        if (done && !(flags & MSG_WAITALL))
            break;
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        r = wait_for(is, tcp_readable, dl, dl != 0);
        if (r)
            break;
    }
    if (owed) { /* a fault on the caller's buffer: the bytes were taken all the same */
        lock();
        tcp_consumed(is, owed);
        unlock();
    }
    kfree(buf);
    if (done)
        return (long)done;
    return r;
}

static int dgram_readable(struct inet_sock *is) { return is->rx_bytes || is->err || is->shut_rd; }

static long dgram_recv(struct inet_sock *is, struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    uint64_t dl = deadline_of(s->rcvtimeo_ns);
    struct rxitem *it = NULL;
    for (;;) {
        lock();
        if (!list_empty(&is->rxq)) {
            it = container_of(list_first(&is->rxq), struct rxitem, node);
            if (flags & MSG_PEEK) {
                pbuf_ref(it->p);
            } else {
                list_del(&it->node);
                is->rx_bytes -= it->p->tot_len;
            }
            unlock();
            break;
        }
        long r = is->err ? -take_err(is) : is->shut_rd ? 0 : 1;
        unlock();
        if (r != 1)
            return r;
        if (nonblock)
            return -EAGAIN;
        r = wait_for(is, dgram_readable, dl, dl != 0);
        if (r)
            return r;
    }
    struct pbuf *p = it->p;
    size_t len = p->tot_len, n = len < m->data.len ? len : m->data.len, off = 0;
    long r = 0;
    for (struct pbuf *q = p; q && off < n; q = q->next) {
        size_t k = q->len < n - off ? q->len : n - off;
        if (sock_data_put(&m->data, off, q->payload, k)) {
            r = -EFAULT;
            break;
        }
        off += k;
    }
    if (len > n)
        m->flags_out |= MSG_TRUNC;
    lock();
    if (m->name) /* under the lock: a link-local source's zone names a netif */
        put_addr(is, m->name, &it->addr, it->port);
    if (m->ctl && is->hlim_cmsg && IP_IS_V6(&it->addr)) {
        m->ctl->hoplimit_type = is->hlim_cmsg;
        m->ctl->hoplimit = it->hlim;
    }
    if (m->ctl)
        pktinfo_of(is, it, m->ctl);
    pbuf_free(p);
    unlock();
    if (!(flags & MSG_PEEK))
        kfree(it);
    if (r)
        return r;
    return (long)((flags & MSG_TRUNC) ? len : n);
}

static long inet_recvmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct inet_sock *is = s->priv;
    if (is_tcp(is)) {
        if (m->name)
            m->name->len = 0;
        return tcp_recv_op(is, s, m, flags, nonblock);
    }
    return dgram_recv(is, s, m, flags, nonblock);
}

/* ---- shutdown, names, poll ---- */

static int inet_shutdown(struct socket *s, int how)
{
    struct inet_sock *is = s->priv;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    lock();
    int r = 0;
    if (is_tcp(is) && is->state == ST_LISTEN) {
        /* Linux: a listener shut down stops listening; accept() fails */
        acceptq_free(is);
        tcp_drop(is);
        is->state = ST_CLOSED;
    } else if (is->state != ST_CONNECTED && !(is_tcp(is) && is->state == ST_CLOSED)) {
        r = -ENOTCONN;
    } else {
        int rd = how != SHUT_WR, wr = how != SHUT_RD;
        if (rd)
            is->shut_rd = 1;
        if (wr && !is->shut_wr) {
            is->shut_wr = 1;
            if (is_tcp(is) && is->pcb.tcp) {
                err_t e = tcp_shutdown(is->pcb.tcp, 0, 1);
                if (e != ERR_OK)
                    r = -map_err(e);
                else if (is->rd_eof) /* both FINs: lwIP finishes alone */
                    tcp_drop(is);
            }
        }
    }
    wake(is);
    unlock();
    return r;
}

static int inet_getname(struct socket *s, struct sockaddr_k *a, int peer)
{
    struct inet_sock *is = s->priv;
    lock();
    note_addrs(is);
    int r = 0;
    if (peer) {
        if (is->state != ST_CONNECTED && !(is_tcp(is) && is->state == ST_CLOSED && is->rport))
            r = -ENOTCONN;
        else
            put_addr(is, a, &is->raddr, is_ping(is) || is_raw(is) ? 0 : net16(is->rport));
    } else {
        put_addr(is, a, &is->laddr, is_ping(is) ? net16(is->ident) : is_raw(is) ? 0 : net16(is->lport));
    }
    unlock();
    return r;
}

static unsigned inet_poll(struct socket *s, struct wait_set *ws)
{
    struct inet_sock *is = s->priv;
    if (ws)
        wait_set_add(ws, &is->wq);
    lock();
    unsigned m = 0;
    if (is->err)
        m |= POLLERR;
    if (!is_tcp(is)) {
        if (is->rx_bytes || is->shut_rd)
            m |= POLLIN | POLLRDNORM;
        if (is->shut_rd)
            m |= POLLRDHUP;
        m |= POLLOUT | POLLWRNORM;
        if (is->shut_rd && is->shut_wr)
            m |= POLLHUP;
    } else if (is->state == ST_LISTEN) {
        if (is->nacc)
            m |= POLLIN | POLLRDNORM;
    } else if (is->state == ST_CONNECTING) {
    } else {
        int closed = is->state != ST_CONNECTED && !is->rd_eof;
        if ((is->shut_rd && is->shut_wr) || closed || (is->rd_eof && is->shut_wr) || !is->pcb.tcp)
            m |= POLLHUP;
        if (is->rx_bytes || is->rd_eof || is->shut_rd)
            m |= POLLIN | POLLRDNORM;
        if (is->rd_eof || is->shut_rd)
            m |= POLLRDHUP;
        if (is->state == ST_NEW || is->shut_wr || !is->pcb.tcp || tcp_writable(is))
            m |= POLLOUT | POLLWRNORM;
        if (is->state == ST_CLOSED && is->rd_eof && !is->shut_wr && !is->pcb.tcp)
            m |= POLLHUP;
    }
    unlock();
    return m;
}

/* ---- options ---- */

#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define IP_TOS 1
#define IP_TTL 2
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY 26
#define IPV6_TCLASS 67
#define IPV6_2292HOPLIMIT 8
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52 /* the control message IPV6_RECVHOPLIMIT asks for */
#define SOL_RAW 255
#define IPV6_CHECKSUM 7  /* at SOL_RAW on ICMPv6, as Linux takes it there */
#define ICMP6_FILTER 1   /* at IPPROTO_ICMPV6 */

static int get_int(const void *val, unsigned len, int *v)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(v, val, sizeof(int));
    return 0;
}

static int put_int(void *val, unsigned *len, int v)
{
    if (*len > sizeof(int))
        *len = sizeof(int);
    memcpy(val, &v, *len);
    return 0;
}

static int inet_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
    struct inet_sock *is = s->priv;
    int v = 0, r = 0;
    if (level == SOL_SOCKET && name == SO_LINGER) {
        int l[2];
        if (len < sizeof l)
            return -EINVAL;
        memcpy(l, val, sizeof l);
        lock();
        is->linger_on = l[0] != 0;
        is->linger_s = l[1];
        unlock();
        return 0;
    }
    if (level == IPPROTO_ICMPV6 && name == ICMP6_FILTER) {
        if (!is_raw(is) || is->proto != IPPROTO_ICMPV6)
            return -ENOPROTOOPT;
        uint32_t f[8] = {0};
        memcpy(f, val, len < sizeof f ? len : sizeof f); /* Linux: a short one passes the rest */
        lock();
        memcpy(is->icmp6_filter, f, sizeof f);
        unlock();
        return 0;
    }
    if (level == IPPROTO_IP || (level == IPPROTO_IPV6 && is->v6)) {
        lock();
        r = inet_mcast_setopt(&is->mc, is->type, level, name, val, len);
        unlock();
        if (r != -ENOPROTOOPT)
            return r;
        r = 0;
    }
    if ((r = get_int(val, len, &v)))
        return r;
    lock();
    struct tcp_pcb *tp = is_tcp(is) ? is->pcb.tcp : NULL;
    if (tp && tp->state == LISTEN && level == IPPROTO_TCP)
        tp = NULL; /* a listen pcb has no such fields; the value is inherited */
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
        case SO_REUSEPORT:
            is->reuse = v != 0;
#if SO_REUSE
            if (is->pcb.any && v)
                ip_set_option((struct ip_pcb *)is->pcb.any, SOF_REUSEADDR);
            else if (is->pcb.any)
                ip_reset_option((struct ip_pcb *)is->pcb.any, SOF_REUSEADDR);
#endif
            break;
        case SO_KEEPALIVE:
            is->keepalive = v != 0;
            if (is->pcb.any && v)
                ip_set_option((struct ip_pcb *)is->pcb.any, SOF_KEEPALIVE);
            else if (is->pcb.any)
                ip_reset_option((struct ip_pcb *)is->pcb.any, SOF_KEEPALIVE);
            break;
        case SO_BROADCAST:
            if (is->pcb.any && v)
                ip_set_option((struct ip_pcb *)is->pcb.any, SOF_BROADCAST);
            else if (is->pcb.any)
                ip_reset_option((struct ip_pcb *)is->pcb.any, SOF_BROADCAST);
            break;
        case SO_RCVBUF:
        case SO_SNDBUF: {
            unsigned b = sock_bufsize(v);
            if (name == SO_RCVBUF) {
                is->rcvbuf = b;
                is->wnd_cap = buf_cap(b, WND_CAP_MIN, TCP_WND);
                if (is_tcp(is))
                    tcp_wnd_apply(is, 0);
            } else {
                is->sndbuf = b;
                is->snd_cap = buf_cap(b, SND_CAP_MIN, TCP_SND_BUF);
            }
            break;
        }
        default:
            r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_TCP && is_tcp(is)) {
        switch (name) {
        case TCP_NODELAY:
            is->nodelay = v != 0;
            if (tp && v)
                tcp_nagle_disable(tp);
            else if (tp)
                tcp_nagle_enable(tp);
            break;
#if LWIP_TCP_KEEPALIVE
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
        case TCP_KEEPCNT:
            if (v < 1 || v > (name == TCP_KEEPCNT ? 127 : 32767)) {
                r = -EINVAL;
                break;
            }
            if (tp && name == TCP_KEEPIDLE)
                tp->keep_idle = (u32_t)v * 1000;
            else if (tp && name == TCP_KEEPINTVL)
                tp->keep_intvl = (u32_t)v * 1000;
            else if (tp)
                tp->keep_cnt = (u32_t)v;
            break;
#endif
        case TCP_MAXSEG:
            break;
        default:
            r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_IP) {
        switch (name) {
        case IP_TTL:
            if (v == -1)
                v = 64;
            if (v < 1 || v > 255) {
                r = -EINVAL;
                break;
            }
            is->ttl = (uint8_t)v;
            apply_ip_opts(is);
            break;
        case IP_TOS:
            is->tos = (uint8_t)(v & 0xfc);
            apply_ip_opts(is);
            break;
        case IP_PKTINFO:
            is->pktinfo4 = v != 0;
            break;
        default:
            r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_IPV6 && is->v6) {
        switch (name) {
        case IPV6_V6ONLY:
            r = is->proto == IPPROTO_ICMPV6 ? -EINVAL : set_v6only(is, v); /* IPv6's own protocol */
            break;
        case IPV6_UNICAST_HOPS:
        case IPV6_TCLASS:
            if (v < -1 || v > 255) {
                r = -EINVAL;
                break;
            }
            if (name == IPV6_UNICAST_HOPS)
                is->hops = (uint8_t)(v == -1 ? 64 : v);
            else
                is->tclass = (uint8_t)(v == -1 ? 0 : v);
            apply_ip_opts(is);
            break;
        case IPV6_RECVPKTINFO:
            is->pktinfo6 = v != 0;
            break;
        case IPV6_RECVHOPLIMIT:
        case IPV6_2292HOPLIMIT:
            /* The hop limit of each datagram as a control message: the
             * type is RFC 3542's IPV6_HOPLIMIT, or RFC 2292's own (busybox
             * ping asks for that one), as Linux sends them. */
            if (v)
                is->hlim_cmsg = name == IPV6_RECVHOPLIMIT ? IPV6_HOPLIMIT : IPV6_2292HOPLIMIT;
            else if (is->hlim_cmsg == (name == IPV6_RECVHOPLIMIT ? IPV6_HOPLIMIT : IPV6_2292HOPLIMIT))
                is->hlim_cmsg = 0;
            break;
        default:
            r = -ENOPROTOOPT;
        }
    } else if (level == SOL_RAW && name == IPV6_CHECKSUM && is->proto == IPPROTO_ICMPV6) {
        r = v == 2 ? 0 : -EINVAL; /* ICMPv6's checksum is always at 2, always the kernel's */
    } else {
        r = -ENOPROTOOPT;
    }
    unlock();
    return r;
}

static int inet_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
    struct inet_sock *is = s->priv;
    int v = 0, r = 0;
    lock();
    if (level == IPPROTO_IP || (level == IPPROTO_IPV6 && is->v6)) {
        r = inet_mcast_getopt(&is->mc, is->type, level, name, val, len);
        if (r != -ENOPROTOOPT) {
            unlock();
            return r;
        }
        r = 0;
    }
    struct tcp_pcb *tp = is_tcp(is) && is->pcb.tcp && is->pcb.tcp->state != LISTEN ? is->pcb.tcp : NULL;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR:
        case SO_REUSEPORT: v = is->reuse; break;
        case SO_KEEPALIVE: v = is->keepalive; break;
        case SO_BROADCAST: v = is->pcb.any && ip_get_option((struct ip_pcb *)is->pcb.any, SOF_BROADCAST) ? 1 : 0; break;
        case SO_RCVBUF: v = (int)is->rcvbuf; break;
        case SO_SNDBUF: v = (int)is->sndbuf; break;
        case SO_ERROR: v = take_err(is); break;
        case SO_LINGER: {
            int l[2] = {is->linger_on, is->linger_s};
            unlock();
            if (*len > sizeof l)
                *len = sizeof l;
            memcpy(val, l, *len);
            return 0;
        }
        default: r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_TCP && is_tcp(is)) {
        switch (name) {
        case TCP_NODELAY: v = is->nodelay; break;
        case TCP_MAXSEG: v = tp ? tcp_mss(tp) : TCP_MSS; break;
#if LWIP_TCP_KEEPALIVE
        case TCP_KEEPIDLE: v = tp ? (int)(tp->keep_idle / 1000) : 7200; break;
        case TCP_KEEPINTVL: v = tp ? (int)(tp->keep_intvl / 1000) : 75; break;
        case TCP_KEEPCNT: v = tp ? (int)tp->keep_cnt : 9; break;
#endif
        default: r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_IP) {
        switch (name) {
        case IP_TTL: v = is->ttl; break;
        case IP_TOS: v = is->tos; break;
        case IP_PKTINFO: v = is->pktinfo4; break;
        default: r = -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_IPV6 && is->v6) {
        switch (name) {
        case IPV6_V6ONLY: v = is->v6only; break;
        case IPV6_UNICAST_HOPS: v = is->hops; break;
        case IPV6_TCLASS: v = is->tclass; break;
        case IPV6_RECVHOPLIMIT: v = is->hlim_cmsg == IPV6_HOPLIMIT; break;
        case IPV6_RECVPKTINFO: v = is->pktinfo6; break;
        case IPV6_2292HOPLIMIT: v = is->hlim_cmsg == IPV6_2292HOPLIMIT; break;
        default: r = -ENOPROTOOPT;
        }
    } else if (level == SOL_RAW && name == IPV6_CHECKSUM && is->proto == IPPROTO_ICMPV6) {
        v = 2;
    } else if (level == IPPROTO_ICMPV6 && name == ICMP6_FILTER && is_raw(is) &&
               is->proto == IPPROTO_ICMPV6) {
        uint32_t f[8];
        memcpy(f, is->icmp6_filter, sizeof f);
        unlock();
        if (*len > sizeof f)
            *len = sizeof f;
        memcpy(val, f, *len);
        return 0;
    } else {
        r = -ENOPROTOOPT;
    }
    unlock();
    return r ? r : put_int(val, len, v);
}

/* ---- ioctl, release ---- */

#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411
#define SIOCSIFADDR 0x8916
#define SIOCDIFADDR 0x8936

static long inet_ioctl(struct socket *s, unsigned cmd, uintptr_t arg)
{
    struct inet_sock *is = s->priv;
    if (cmd == FIONREAD || cmd == SIOCOUTQ) {
        int v = 0;
        lock();
        if (is_tcp(is) && is->state == ST_LISTEN) {
            unlock();
            return -EINVAL;
        }
        if (cmd == SIOCOUTQ)
            v = is_tcp(is) && is->pcb.tcp ? (int)tcp_queued(is->pcb.tcp) : 0;
        else if (is_tcp(is))
            v = (int)is->rx_bytes;
        else if (!list_empty(&is->rxq))
            v = container_of(list_first(&is->rxq), struct rxitem, node)->p->tot_len;
        unlock();
        return copy_to_user((void *)arg, &v, sizeof v) ? -EFAULT : 0;
    }
    /* On an AF_INET6 socket these take an in6_ifreq (an IPv6 address to add
     * or delete), not the ifreq the interface ioctls read: lwIP's addresses
     * are its own (link-local, SLAAC) */
    if (is->v6 && (cmd == SIOCSIFADDR || cmd == SIOCDIFADDR))
        return -EOPNOTSUPP;
    return -ENOTTY; /* the interface ioctls: sock_ioctl() */
}

static void inet_release(struct socket *s)
{
    struct inet_sock *is = s->priv;
    if (!is)
        return;
    s->priv = NULL;
    lock();
    is_free(is);
    unlock();
}

static const struct sock_ops inet_ops = {
    .bind = inet_bind,
    .connect = inet_connect,
    .listen = inet_listen,
    .accept = inet_accept,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
    .shutdown = inet_shutdown,
    .getname = inet_getname,
    .setsockopt = inet_setsockopt,
    .getsockopt = inet_getsockopt,
    .poll = inet_poll,
    .ioctl = inet_ioctl,
    .release = inet_release,
};

static int inet4_create(struct socket *s, int type, int proto) { return inet_create(s, AF_INET, type, proto); }
static int inet6_create(struct socket *s, int type, int proto) { return inet_create(s, AF_INET6, type, proto); }

static const struct sock_family inet_family = {
    .family = AF_INET,
    .create = inet4_create,
};

static const struct sock_family inet6_family = {
    .family = AF_INET6,
    .create = inet6_create,
};

void inet_init(void)
{
    sock_register(&inet_family);
    sock_register(&inet6_family);
    inet_if_init();
}
