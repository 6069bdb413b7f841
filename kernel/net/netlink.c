/**
 * @file netlink.c
 * @brief AF_NETLINK, NETLINK_ROUTE only, as busybox `ip` uses it: the
 *        RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE dumps, and the changes of
 *        an address and the default route, with Linux's semantics
 *        (netlink(7), rtnetlink(7)).
 *
 * - Names: a socket's port id is what bind() asked for (EADDRINUSE if
 *   another socket has it), or, with nl_pid 0 or at its first send, the
 *   process's pid if free, else a negative one from -4096 down, as Linux
 *   hands them out. Replies come from port 0, the kernel.
 * - Requests: each message of a datagram in turn, as Linux's rtnetlink
 *   takes them: one that is not a request, or a control message, is
 *   ignored; a short or overlong header ends the datagram. A dump of
 *   links, IPv4 addresses or main-table routes (the interface data of
 *   inet_if.c, the same the interface ioctls and /proc/net/route give)
 *   answers with RTM_NEW* messages, NLM_F_MULTI and the request's sequence
 *   number, then NLMSG_DONE; anything else gets NLMSG_ERROR with
 *   -EOPNOTSUPP (-EPERM for a change asked by another than root), and
 *   NLM_F_ACK an NLMSG_ERROR 0 where nothing else answered. Replies are
 *   made at the send, in datagrams of up to a page, queued on the sender.
 * - Changes (root): an interface's IPv4 address (RTM_NEWADDR, RTM_DELADDR;
 *   one per interface, as lwIP keeps them) and the default route
 *   (RTM_NEWROUTE, RTM_DELROUTE), through the same code as SIOCSIFADDR and
 *   SIOCADDRT (inet_if.c). lwIP routes nothing else: other routes, links
 *   and IPv6 get -EOPNOTSUPP.
 * - Groups: a socket joins rtnetlink's groups by bind()'s nl_groups (the
 *   first 32) or NETLINK_ADD_MEMBERSHIP (any of Linux 6.1's 36), users
 *   too. After each change of a link, an IPv4 address or route, or an IPv6
 *   address, however it came (netlink, the ioctls, DHCP, SLAAC, the
 *   carrier), the groups RTNLGRP_LINK, _IPV4_IFADDR, _IPV4_ROUTE and
 *   _IPV6_IFADDR get what differs from what they were told last: RTM_NEW*
 *   for what is new or changed, RTM_DEL* for what is gone, a datagram each
 *   (`ip monitor`). inet_if.c calls netlink_changed() for that.
 * - Between sockets: root may send to another socket's port id, or to a
 *   group, whose members get a copy (and the kernel the request, with
 *   nl_pid 0, as Linux).
 * - A queue past SO_RCVBUF drops what comes and the next receive fails
 *   with ENOBUFS, as Linux's overrun.
 *
 * Locking: one spinlock (nl_lock) guards every socket's queue and name and
 * the list of bound sockets; a reader holds its socket's mutex while it
 * copies out, so the datagram at the head of its queue stays.
 */
#include "families.h"
#include "inet_internal.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/list.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define NETLINK_ROUTE 0

/* Message types and flags (netlink(7)). */
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 16 /* below: control messages */
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300 /* NLM_F_ROOT | NLM_F_MATCH */
#define NLM_F_CAPPED 0x100 /* an ack: the request's header only */
#define NLM_F_REPLACE 0x100 /* a NEW request's: replace what is there */
#define NLM_F_EXCL 0x200    /* a NEW request's: not if it is there */
#define NLMSG_HDRLEN 16
#define NL_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

/* rtnetlink(7)'s requests. A type's low two bits are its kind: NEW, DEL, GET, SET. */
#define RTM_BASE 16
#define RTM_NEWLINK 16
#define RTM_DELLINK 17
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_DELADDR 21
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_DELROUTE 25
#define RTM_GETROUTE 26
#define RTM_MAX 123 /* Linux's last type: past it EOPNOTSUPP for anyone */
#define RTM_KIND_GET 2

#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_QDISC 6
#define IFLA_STATS 7
#define IFLA_STATS64 23
#define LINK_STATS 25 /* struct rtnl_link_stats64's counters (Linux 6.1); the 32-bit one has 24 */
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IF_OPER_UNKNOWN 0 /* lo's, as Linux shows it */
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6
#define IFF_RUNNING 0x40

#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define ADDR_FOREVER 0xffffffffu
#define IFA_F_PERMANENT 0x80

#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RT_TABLE_MAIN 254
#define RTPROT_KERNEL 2 /* a subnet's route, made with its address */
#define RTPROT_BOOT 3   /* the default route, added */
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_SITE 200
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RTN_UNICAST 1
#define RTF_GATEWAY 0x2

/* Options: SOL_SOCKET's buffers, SOL_NETLINK's flags (stored; CAP_ACK acts). */
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_LIST_MEMBERSHIPS 9
#define NETLINK_CAP_ACK 10
#define NETLINK_GET_STRICT_CHK 12
#define NL_BUF_DEFAULT 212992 /* Linux's default SO_RCVBUF and SO_SNDBUF */
#define NL_DGRAM 4096         /* a reply datagram holds messages up to this */
#define NL_MSG_MAX 512        /* one RTM_NEW* message, its attributes included */
#define POLLWRBAND 0x200

/* rtnetlink's groups (a group g is bit g - 1 of a mask): the ones told of changes. */
#define RTNLGRP_LINK 1
#define RTNLGRP_IPV4_IFADDR 5
#define RTNLGRP_IPV4_ROUTE 7
#define RTNLGRP_IPV6_IFADDR 9
#define NL_GROUPS 36 /* Linux 6.1's RTNLGRP_MAX: one may join 1 to 36 */

struct nlmsghdr {
    uint32_t len;
    uint16_t type, flags;
    uint32_t seq, pid;
};

struct sockaddr_nl {
    uint16_t family, pad;
    uint32_t pid, groups;
};

/* A datagram on a socket's queue. */
struct nlskb {
    struct list_node node;
    uint32_t from;  /* the sender's port id: 0, the kernel */
    uint32_t group; /* the group it was sent to; 0: to the socket */
    size_t len, cap;
    uint8_t data[];
};

struct nlsock {
    struct list_node bound; /* on bound_list once it has a port id */
    int is_bound;
    uint32_t portid;
    uint64_t groups;               /* the groups joined: bit g - 1 for group g */
    uint32_t dst_portid, dst_group; /* connect()'s */
    struct list_node rq;           /* datagrams to read */
    size_t rq_bytes;
    int err;                       /* a dropped datagram: ENOBUFS, for the next receive */
    unsigned rcvbuf, sndbuf;
    unsigned opts;                 /* SOL_NETLINK flags set, a bit per option number */
    struct waitqueue wq;           /* readers, pollers */
    struct mutex rd;               /* one reader at a time */
};

static struct spinlock nl_lock = SPINLOCK_INIT("af_netlink");
static struct list_node bound_list = LIST_INIT(bound_list);
static uint32_t rover = (uint32_t)-4096; /* the next made-up port id */

/* ---- names ---- */

static struct nlsock *find_locked(uint32_t portid)
{
    list_for_each(p, &bound_list) {
        struct nlsock *n = container_of(p, struct nlsock, bound);
        if (n->portid == portid)
            return n;
    }
    return NULL;
}

static void bind_locked(struct nlsock *n, uint32_t portid)
{
    n->portid = portid;
    n->is_bound = 1;
    list_add_tail(&bound_list, &n->bound);
}

/* A port id for @p n if it has none: the process's pid if free, else one
 * from the rover. */
static void autobind(struct nlsock *n)
{
    struct task_ids ids = {0};
    task_ids(&ids);
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    if (!n->is_bound) {
        uint32_t id = (uint32_t)ids.pid;
        while (!id || find_locked(id)) {
            id = rover--;
            if ((int32_t)rover > -4096)
                rover = (uint32_t)-4097;
        }
        bind_locked(n, id);
    }
    spin_unlock_irqrestore(&nl_lock, f);
}

static int nl_bind(struct socket *s, const struct sockaddr_k *a)
{
    struct nlsock *n = s->priv;
    struct sockaddr_nl sa;
    if (a->len < sizeof sa || a->family != AF_NETLINK)
        return -EINVAL;
    memcpy(&sa, a->b, sizeof sa);
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    int e = 0;
    if (n->is_bound && sa.pid != n->portid)
        e = -EINVAL;
    else if (!n->is_bound && sa.pid && find_locked(sa.pid))
        e = -EADDRINUSE;
    else if (!n->is_bound && sa.pid)
        bind_locked(n, sa.pid);
    if (!e) /* bind() sets the first 32; NETLINK_ADD_MEMBERSHIP's others stay */
        n->groups = (n->groups & ~(uint64_t)UINT32_MAX) | sa.groups;
    spin_unlock_irqrestore(&nl_lock, f);
    if (!e && !sa.pid)
        autobind(n);
    return e;
}

static int nl_connect(struct socket *s, const struct sockaddr_k *a, int nonblock)
{
    (void)nonblock;
    struct nlsock *n = s->priv;
    struct sockaddr_nl sa;
    if (a->len < sizeof a->family)
        return -EINVAL;
    if (a->family == AF_UNSPEC) {
        n->dst_portid = n->dst_group = 0;
        return 0;
    }
    if (a->family != AF_NETLINK || a->len < sizeof sa)
        return -EINVAL;
    memcpy(&sa, a->b, sizeof sa);
    if ((sa.pid || sa.groups) && !sock_privileged())
        return -EPERM;
    autobind(n);
    n->dst_portid = sa.pid;
    n->dst_group = sa.groups ? (uint32_t)__builtin_ffs((int)sa.groups) : 0;
    return 0;
}

static int nl_getname(struct socket *s, struct sockaddr_k *a, int peer)
{
    struct nlsock *n = s->priv;
    struct sockaddr_nl sa = {.family = AF_NETLINK};
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    if (peer) {
        sa.pid = n->dst_portid;
        sa.groups = n->dst_group ? 1u << (n->dst_group - 1) : 0;
    } else {
        sa.pid = n->portid;
        sa.groups = (uint32_t)n->groups;
    }
    spin_unlock_irqrestore(&nl_lock, f);
    memcpy(a->b, &sa, sizeof sa);
    a->len = sizeof sa;
    return 0;
}

/* ---- the replies ---- */

/* The datagrams one send's requests make, before they are queued. */
struct nlout {
    struct list_node q;
    struct nlskb *cur; /* the one being filled; NULL: the next message starts one */
    int nomem;
};

/* Room for a message of @p len bytes (zeroed) at the end of the current
 * datagram or of a new one; NULL if memory ran out. */
static void *out_room(struct nlout *o, size_t len)
{
    size_t need = NL_ALIGN(len);
    if (!o->cur || o->cur->len + need > o->cur->cap) {
        size_t cap = need > NL_DGRAM ? need : NL_DGRAM;
        struct nlskb *b = kmalloc(sizeof *b + cap);
        if (!b) {
            o->nomem = 1;
            return NULL;
        }
        b->from = 0;
        b->group = 0;
        b->len = 0;
        b->cap = cap;
        list_add_tail(&o->q, &b->node);
        o->cur = b;
    }
    uint8_t *p = o->cur->data + o->cur->len;
    memset(p, 0, need);
    o->cur->len += need;
    return p;
}

/* One message being made: its header, its family's header, attributes. */
struct nlmsg {
    uint8_t b[NL_MSG_MAX];
    size_t len;
};

static void *msg_start(struct nlmsg *m, uint16_t type, const struct nlmsghdr *req, uint32_t portid, size_t fixed)
{
    memset(m->b, 0, sizeof m->b);
    struct nlmsghdr h = {0, type, NLM_F_MULTI, req->seq, portid};
    memcpy(m->b, &h, sizeof h);
    m->len = NLMSG_HDRLEN + NL_ALIGN(fixed);
    return m->b + NLMSG_HDRLEN;
}

static void msg_attr(struct nlmsg *m, uint16_t type, const void *data, size_t n)
{
    if (m->len + NL_ALIGN(4 + n) > sizeof m->b)
        return; /* cannot happen with the attributes made here; never past the buffer */
    uint16_t hdr[2] = {(uint16_t)(4 + n), type};
    memcpy(m->b + m->len, hdr, sizeof hdr);
    memcpy(m->b + m->len + 4, data, n);
    m->len += NL_ALIGN(4 + n);
}

static void msg_u32(struct nlmsg *m, uint16_t type, uint32_t v) { msg_attr(m, type, &v, sizeof v); }

static void msg_end(struct nlout *o, struct nlmsg *m)
{
    uint32_t len = (uint32_t)m->len;
    memcpy(m->b, &len, sizeof len);
    uint8_t *p = out_room(o, m->len);
    if (p)
        memcpy(p, m->b, m->len);
}

/* @p i's RTM_NEWLINK; @p change: the flags that changed (a dump's: 0). */
static void link_msg(struct nlmsg *m, const struct inet_ifinfo *i, uint32_t change)
{
    struct {
        uint8_t family, pad;
        uint16_t type;
        int32_t index;
        uint32_t flags, change;
    } ifi = {0, 0, (uint16_t)i->hwtype, i->index, i->flags, change};
    memcpy(m->b + NLMSG_HDRLEN, &ifi, sizeof ifi);
    msg_attr(m, IFLA_IFNAME, i->name, strlen(i->name) + 1);
    msg_u32(m, IFLA_TXQLEN, i->txqlen);
    uint8_t oper = i->loopback ? IF_OPER_UNKNOWN : i->flags & IFF_RUNNING ? IF_OPER_UP : IF_OPER_DOWN;
    msg_attr(m, IFLA_OPERSTATE, &oper, 1);
    msg_u32(m, IFLA_MTU, i->mtu);
    msg_attr(m, IFLA_QDISC, "noqueue", 8); /* frames go straight to the driver */
    static const uint8_t ether_brd[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6] = {0};
    msg_attr(m, IFLA_ADDRESS, i->hwaddr, sizeof i->hwaddr);
    msg_attr(m, IFLA_BROADCAST, i->loopback ? zero : ether_brd, 6);
    /* the counters the device keeps, in rtnl_link_stats(64)'s first eight */
    uint64_t st[LINK_STATS] = {i->rx_packets, i->tx_packets, i->rx_bytes,   i->tx_bytes,
                               i->rx_errors,  i->tx_errors,  i->rx_dropped, i->tx_dropped};
    uint32_t st32[LINK_STATS - 1];
    for (unsigned k = 0; k < LINK_STATS - 1; k++)
        st32[k] = (uint32_t)st[k];
    msg_attr(m, IFLA_STATS, st32, sizeof st32);
    msg_attr(m, IFLA_STATS64, st, sizeof st);
}

static unsigned prefix_len(uint32_t mask_be)
{
    return (unsigned)__builtin_popcount(mask_be);
}

static void addr_msg(struct nlmsg *m, const struct inet_ifinfo *i)
{
    uint8_t *ifa = m->b + NLMSG_HDRLEN; /* family, prefixlen, flags, scope, index */
    ifa[0] = AF_INET;
    ifa[1] = (uint8_t)prefix_len(i->mask);
    ifa[2] = IFA_F_PERMANENT;
    ifa[3] = i->loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    memcpy(ifa + 4, &i->index, 4);
    msg_attr(m, IFA_ADDRESS, &i->addr, 4);
    msg_attr(m, IFA_LOCAL, &i->addr, 4);
    if (i->brd)
        msg_attr(m, IFA_BROADCAST, &i->brd, 4);
    msg_attr(m, IFA_LABEL, i->name, strlen(i->name) + 1);
    uint32_t ci[4] = {ADDR_FOREVER, ADDR_FOREVER, 0, 0}; /* preferred, valid: lwIP's never end */
    msg_attr(m, IFA_CACHEINFO, ci, sizeof ci);
}

static void addr6_msg(struct nlmsg *m, const struct inet6_ifaddr *a)
{
    uint8_t *ifa = m->b + NLMSG_HDRLEN;
    ifa[0] = AF_INET6;
    ifa[1] = (uint8_t)a->prefix;
    ifa[2] = (uint8_t)a->flags;
    static const uint8_t scopes[] = {[INET6_SCOPE_GLOBAL] = RT_SCOPE_UNIVERSE, [INET6_SCOPE_SITE] = RT_SCOPE_SITE,
                                     [INET6_SCOPE_LINK] = RT_SCOPE_LINK, [INET6_SCOPE_HOST] = RT_SCOPE_HOST};
    ifa[3] = scopes[a->scope];
    memcpy(ifa + 4, &a->index, 4);
    msg_attr(m, IFA_ADDRESS, a->addr, 16);
    msg_u32(m, IFA_FLAGS, a->flags);
    uint32_t ci[4] = {a->preferred, a->valid, 0, 0};
    msg_attr(m, IFA_CACHEINFO, ci, sizeof ci);
}

/* The IPv6 part of an address dump (after IPv4's, as Linux's). */
static int dump_addr6(struct nlout *o, struct nlmsg *m, const struct nlmsghdr *req, uint32_t portid)
{
    int count = inet6_addr_list(NULL, 0);
    struct inet6_ifaddr *a = count ? kmalloc((size_t)count * sizeof *a) : NULL;
    if (count && !a)
        return -ENOMEM;
    int got = inet6_addr_list(a, count);
    for (int k = 0; k < got && k < count; k++) {
        msg_start(m, RTM_NEWADDR, req, portid, 8);
        addr6_msg(m, &a[k]);
        msg_end(o, m);
    }
    kfree(a);
    return 0;
}

static void route_msg(struct nlmsg *m, const struct inet_route *r)
{
    int dflt = (r->flags & RTF_GATEWAY) != 0;
    uint8_t *rtm = m->b + NLMSG_HDRLEN; /* family, dst_len, src_len, tos, table, protocol, scope, type */
    rtm[0] = AF_INET;
    rtm[1] = (uint8_t)prefix_len(r->mask);
    rtm[4] = RT_TABLE_MAIN;
    rtm[5] = dflt ? RTPROT_BOOT : RTPROT_KERNEL;
    rtm[6] = dflt ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rtm[7] = RTN_UNICAST;
    msg_u32(m, RTA_TABLE, RT_TABLE_MAIN);
    if (rtm[1])
        msg_attr(m, RTA_DST, &r->dst, 4);
    if (dflt)
        msg_attr(m, RTA_GATEWAY, &r->gw, 4);
    else
        msg_attr(m, RTA_PREFSRC, &r->src, 4);
    msg_u32(m, RTA_OIF, (uint32_t)r->index);
}

/* A dump: the messages, then NLMSG_DONE, in datagrams of their own. */
static int dump(struct nlout *o, const struct nlmsghdr *req, uint32_t portid)
{
    uint8_t family = 0;
    memcpy(&family, (const uint8_t *)req + NLMSG_HDRLEN, 1); /* rtgen_family, first in each header */
    int ipv4 = family != AF_INET6; /* IPv6: addresses only (lwIP has no IPv6 routing table) */
    struct nlmsg *m = kmalloc(sizeof *m);
    int k = 0, count = req->type == RTM_GETROUTE ? inet_route_list(NULL, 0) : inet_if_list(NULL, 0);
    size_t size = req->type == RTM_GETROUTE ? sizeof(struct inet_route) : sizeof(struct inet_ifinfo);
    void *items = count ? kmalloc((size_t)count * size) : NULL;
    if (!m || (count && !items)) {
        kfree(m);
        kfree(items);
        return -ENOMEM;
    }
    int got = req->type == RTM_GETROUTE ? inet_route_list(items, count) : inet_if_list(items, count);
    if (got < count)
        count = got;
    o->cur = NULL;
    for (k = 0; k < count; k++) {
        if (req->type == RTM_GETROUTE) {
            if (!ipv4)
                break;
            msg_start(m, RTM_NEWROUTE, req, portid, 12);
            route_msg(m, (const struct inet_route *)items + k);
        } else {
            const struct inet_ifinfo *i = (const struct inet_ifinfo *)items + k;
            if (req->type == RTM_GETADDR && (!ipv4 || !i->addr))
                continue;
            if (req->type == RTM_GETADDR) {
                msg_start(m, RTM_NEWADDR, req, portid, 8);
                addr_msg(m, i);
            } else {
                msg_start(m, RTM_NEWLINK, req, portid, 16);
                link_msg(m, i, 0);
            }
        }
        msg_end(o, m);
    }
    int err = 0;
    if (req->type == RTM_GETADDR && (family == AF_UNSPEC || family == AF_INET6))
        err = dump_addr6(o, m, req, portid);
    msg_start(m, NLMSG_DONE, req, portid, 4); /* its payload: the dump's error */
    memcpy(m->b + NLMSG_HDRLEN, &err, 4);
    msg_end(o, m);
    o->cur = NULL;
    kfree(m);
    kfree(items);
    return 0;
}

/* NLMSG_ERROR for @p req (at @p raw): the error and the request's header,
 * and for an error its whole message unless NETLINK_CAP_ACK. */
static void ack(struct nlout *o, struct nlsock *n, const struct nlmsghdr *req, const uint8_t *raw, int err)
{
    int capped = !err || (n->opts & (1u << NETLINK_CAP_ACK));
    size_t body = capped ? NLMSG_HDRLEN : req->len;
    struct nlmsghdr h = {(uint32_t)(NLMSG_HDRLEN + 4 + body), NLMSG_ERROR, capped ? NLM_F_CAPPED : 0, req->seq,
                         n->portid};
    o->cur = NULL;
    uint8_t *p = out_room(o, h.len);
    if (p) {
        memcpy(p, &h, sizeof h);
        memcpy(p + NLMSG_HDRLEN, &err, 4);
        memcpy(p + NLMSG_HDRLEN + 4, raw, body);
    }
    o->cur = NULL;
}

/* The attributes after @p h's family header of @p fixed bytes: each's
 * payload at at[type] and its bytes in alen[type] (types from 1 to
 * @p max; others skipped), NULL where absent. -EINVAL if the header or an
 * attribute runs past the message, or one is shorter than its own header. */
static int attrs(const struct nlmsghdr *h, size_t fixed, const uint8_t **at, uint16_t *alen, unsigned max)
{
    const uint8_t *b = (const uint8_t *)h;
    for (unsigned t = 0; t <= max; t++)
        at[t] = NULL, alen[t] = 0;
    if (h->len < NLMSG_HDRLEN + fixed)
        return -EINVAL;
    size_t off = NLMSG_HDRLEN + NL_ALIGN(fixed);
    while (off + 4 <= h->len) {
        uint16_t len, type;
        memcpy(&len, b + off, 2);
        memcpy(&type, b + off + 2, 2);
        type &= 0x3fff; /* NLA_F_NESTED, NLA_F_NET_BYTEORDER */
        if (len < 4 || len > h->len - off)
            return -EINVAL;
        if (type >= 1 && type <= max)
            at[type] = b + off + 4, alen[type] = (uint16_t)(len - 4);
        off += NL_ALIGN(len);
    }
    return 0;
}

/* An IPv4 address attribute into @p v: 0, or -EINVAL if it is not 4 bytes. */
static int attr_ip4(const uint8_t *at, uint16_t len, uint32_t *v)
{
    if (!at)
        return 0;
    if (len != 4)
        return -EINVAL;
    memcpy(v, at, 4);
    return 0;
}

/* RTM_NEWADDR and RTM_DELADDR (`ip addr add|del A/N dev D`): IPv4 only. */
static int addr_change(const struct nlmsghdr *h)
{
    const uint8_t *at[IFA_BROADCAST + 1];
    uint16_t alen[IFA_BROADCAST + 1];
    int e = attrs(h, 8, at, alen, IFA_BROADCAST);
    if (e)
        return e;
    const uint8_t *ifa = (const uint8_t *)h + NLMSG_HDRLEN; /* family, prefixlen, flags, scope, index */
    int32_t index;
    memcpy(&index, ifa + 4, 4);
    if (ifa[0] != AF_INET)
        return ifa[0] == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
    if (index <= 0)
        return -ENODEV;
    if (ifa[1] > 32)
        return -EINVAL;
    uint32_t addr = 0;
    if ((e = attr_ip4(at[IFA_ADDRESS], alen[IFA_ADDRESS], &addr)) ||
        (e = attr_ip4(at[IFA_LOCAL], alen[IFA_LOCAL], &addr))) /* the local one, if both */
        return e;
    int add = h->type == RTM_NEWADDR;
    if (add && !addr)
        return -EINVAL;
    uint32_t host_mask = ifa[1] ? ~0u << (32 - ifa[1]) : 0, mask;
    uint8_t m[4] = {(uint8_t)(host_mask >> 24), (uint8_t)(host_mask >> 16), (uint8_t)(host_mask >> 8),
                    (uint8_t)host_mask};
    memcpy(&mask, m, 4); /* network order, as the address */
    return inet_if_addr_change(index, add, addr, mask, (h->flags & NLM_F_REPLACE) != 0,
                               (h->flags & NLM_F_EXCL) != 0);
}

/* RTM_NEWROUTE and RTM_DELROUTE (`ip route add|del default via G`): the
 * main table's IPv4 default route, the only one lwIP lets us add. */
static int route_change(const struct nlmsghdr *h)
{
    const uint8_t *at[RTA_TABLE + 1];
    uint16_t alen[RTA_TABLE + 1];
    int e = attrs(h, 12, at, alen, RTA_TABLE);
    if (e)
        return e;
    const uint8_t *rtm = (const uint8_t *)h + NLMSG_HDRLEN; /* family, dst_len, src_len, tos, table, ... */
    if (rtm[0] != AF_INET)
        return rtm[0] == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
    uint32_t table = rtm[4], gw = 0, oif = 0;
    if (at[RTA_TABLE] && alen[RTA_TABLE] == 4)
        memcpy(&table, at[RTA_TABLE], 4);
    if (at[RTA_OIF] && alen[RTA_OIF] == 4)
        memcpy(&oif, at[RTA_OIF], 4);
    if ((e = attr_ip4(at[RTA_GATEWAY], alen[RTA_GATEWAY], &gw)))
        return e;
    int add = h->type == RTM_NEWROUTE;
    if (rtm[1] != 0 || rtm[2] != 0 || (table != RT_TABLE_MAIN && table != 0) ||
        (add && rtm[7] != RTN_UNICAST))
        return -EOPNOTSUPP; /* not the default route of the main table */
    if (add && !gw)
        return -EOPNOTSUPP; /* a default route straight on a link: lwIP's needs a gateway */
    return inet_route_change(add, (int)oif, gw, (h->flags & NLM_F_EXCL) && !(h->flags & NLM_F_REPLACE));
}

/* RTM_GETLINK of one link (`ip link show dev eth0`): by ifi_index, else
 * by IFLA_IFNAME. Its RTM_NEWLINK alone (no NLM_F_MULTI); 0 or -ENODEV. */
static int get_link(struct nlout *o, const struct nlmsghdr *h, uint32_t portid)
{
    const uint8_t *at[IFLA_IFNAME + 1];
    uint16_t alen[IFLA_IFNAME + 1];
    int e = attrs(h, 16, at, alen, IFLA_IFNAME);
    if (e)
        return e;
    int32_t index;
    memcpy(&index, (const uint8_t *)h + NLMSG_HDRLEN + 4, 4);
    char name[16] = {0};
    if (at[IFLA_IFNAME])
        memcpy(name, at[IFLA_IFNAME], alen[IFLA_IFNAME] < 15 ? alen[IFLA_IFNAME] : 15);
    if (!index && !name[0])
        return -EINVAL;
    int count = inet_if_list(NULL, 0);
    struct inet_ifinfo *items = kmalloc((size_t)(count ? count : 1) * sizeof *items);
    struct nlmsg *m = kmalloc(sizeof *m);
    if (!items || !m) {
        kfree(items), kfree(m);
        return -ENOMEM;
    }
    int got = inet_if_list(items, count);
    e = -ENODEV;
    for (int k = 0; k < got && k < count; k++) {
        if (index ? items[k].index != index : strcmp(items[k].name, name) != 0)
            continue;
        msg_start(m, RTM_NEWLINK, h, portid, 16);
        memset(m->b + 6, 0, 2); /* one message, not a dump's */
        link_msg(m, &items[k], 0);
        o->cur = NULL;
        msg_end(o, m);
        o->cur = NULL;
        e = 0;
        break;
    }
    kfree(items), kfree(m);
    return e;
}

/* One request: 1 if a dump answered it, else 0 or -errno for its ack. */
static int request(struct nlout *o, struct nlsock *n, const struct nlmsghdr *h)
{
    if (h->type > RTM_MAX)
        return -EOPNOTSUPP;
    if (h->len < NLMSG_HDRLEN + 1)
        return 0; /* every request has at least its family: Linux ignores it */
    if (((h->type - RTM_BASE) & 3) != RTM_KIND_GET) {
        if (!sock_privileged())
            return -EPERM;
        if (h->type == RTM_NEWADDR || h->type == RTM_DELADDR)
            return addr_change(h);
        if (h->type == RTM_NEWROUTE || h->type == RTM_DELROUTE)
            return route_change(h);
        return -EOPNOTSUPP;
    }
    if (h->type == RTM_GETLINK && !(h->flags & NLM_F_DUMP))
        return h->len < NLMSG_HDRLEN + 16 ? -EINVAL : get_link(o, h, n->portid);
    if (!(h->flags & NLM_F_DUMP) ||
        (h->type != RTM_GETLINK && h->type != RTM_GETADDR && h->type != RTM_GETROUTE))
        return -EOPNOTSUPP;
    int e = dump(o, h, n->portid);
    return e ? e : 1;
}

/* The kernel's side of a datagram from @p n: its messages in turn. */
static void kernel_rcv(struct nlout *o, struct nlsock *n, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (len - off >= NLMSG_HDRLEN) {
        struct nlmsghdr h;
        memcpy(&h, buf + off, sizeof h);
        if (h.len < NLMSG_HDRLEN || h.len > len - off)
            break;
        int e = 0;
        if ((h.flags & NLM_F_REQUEST) && h.type >= NLMSG_MIN_TYPE) {
            uint8_t *req = kmalloc(h.len); /* aligned, for the family header's fields */
            if (!req)
                e = -ENOMEM;
            else {
                memcpy(req, buf + off, h.len);
                e = request(o, n, (const struct nlmsghdr *)req);
                kfree(req);
            }
        }
        if (e < 0 || (e == 0 && (h.flags & NLM_F_ACK)))
            ack(o, n, &h, buf + off, e);
        size_t step = NL_ALIGN(h.len);
        off += step < len - off ? step : len - off;
    }
}

static void free_list(struct list_node *q)
{
    while (!list_empty(q)) {
        struct nlskb *b = container_of(list_first(q), struct nlskb, node);
        list_del(&b->node);
        kfree(b);
    }
}

/* An overrun of @p t: its next receive says ENOBUFS, unless it asked not
 * to be told (NETLINK_NO_ENOBUFS). */
static void overrun_locked(struct nlsock *t)
{
    if (!(t->opts & (1u << NETLINK_NO_ENOBUFS)))
        t->err = ENOBUFS;
}

/* Queue datagram @p b on @p t, or drop it if @p t's queue is past its
 * SO_RCVBUF (lock held; the caller wakes @p t). */
static void queue_locked(struct nlsock *t, struct nlskb *b)
{
    if (t->rq_bytes > t->rcvbuf) {
        overrun_locked(t);
        kfree(b);
        return;
    }
    list_add_tail(&t->rq, &b->node);
    t->rq_bytes += b->len;
}

/* Queue @p o's datagrams on @p t (lock held). */
static void deliver_locked(struct nlsock *t, struct list_node *q, uint32_t from)
{
    while (!list_empty(q)) {
        struct nlskb *b = container_of(list_first(q), struct nlskb, node);
        list_del(&b->node);
        b->from = from;
        queue_locked(t, b);
    }
    wq_wake_all(&t->wq);
}

/* Whether @p t gets what is sent to group @p g (lock held). A socket with
 * no port id gets nothing, as on Linux. */
static int member_locked(const struct nlsock *t, uint32_t g)
{
    return t->is_bound && g >= 1 && g <= 64 && ((t->groups >> (g - 1)) & 1);
}

/* Give datagram @p b (from @p from) to every member of group @p g but the
 * one with port id @p skip (0: none has it), a copy each, and let it go. The copies are made outside the
 * lock; a member that came meanwhile and finds none left is told of an
 * overrun, as if its queue were full. */
static void broadcast(struct nlskb *b, uint32_t g, uint32_t from, uint32_t skip)
{
    b->from = from;
    b->group = g;
    int want = 0;
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    list_for_each(p, &bound_list) {
        struct nlsock *t = container_of(p, struct nlsock, bound);
        want += t->portid != skip && member_locked(t, g);
    }
    spin_unlock_irqrestore(&nl_lock, f);
    struct list_node copies = LIST_INIT(copies);
    list_add_tail(&copies, &b->node);
    for (int k = 1; k < want; k++) {
        struct nlskb *c = kmalloc(sizeof *c + b->len);
        if (!c)
            break;
        memcpy(c, b, sizeof *c + b->len);
        c->cap = b->len;
        list_add_tail(&copies, &c->node);
    }
    f = spin_lock_irqsave(&nl_lock);
    list_for_each(p, &bound_list) {
        struct nlsock *t = container_of(p, struct nlsock, bound);
        if (t->portid == skip || !member_locked(t, g))
            continue;
        if (list_empty(&copies)) {
            overrun_locked(t);
        } else {
            struct nlskb *c = container_of(list_first(&copies), struct nlskb, node);
            list_del(&c->node);
            queue_locked(t, c);
        }
        wq_wake_all(&t->wq);
    }
    spin_unlock_irqrestore(&nl_lock, f);
    free_list(&copies);
}

static long nl_sendmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    (void)nonblock;
    struct nlsock *n = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    uint32_t dst = n->dst_portid, group = n->dst_group;
    if (m->name && m->name->len) {
        struct sockaddr_nl sa;
        if (m->name->len < sizeof sa || m->name->family != AF_NETLINK)
            return -EINVAL;
        memcpy(&sa, m->name->b, sizeof sa);
        dst = sa.pid;
        group = sa.groups ? (uint32_t)__builtin_ffs((int)sa.groups) : 0; /* the lowest, as Linux */
        if ((dst || group) && !sock_privileged())
            return -EPERM;
    }
    autobind(n);
    size_t len = m->data.len;
    if (len > n->sndbuf - 32)
        return -EMSGSIZE;
    struct nlout o = {.q = LIST_INIT(o.q)};
    uint8_t *buf = out_room(&o, len ? len : 1); /* the datagram itself, as another socket gets it */
    if (!buf)
        return -ENOBUFS;
    o.cur->len = len;
    if (sock_data_get(&m->data, 0, buf, len)) {
        free_list(&o.q);
        return -EFAULT;
    }
    long r = (long)len;
    if (group) { /* the members get it, and the port or the kernel too */
        struct nlskb *c = kmalloc(sizeof *c + len);
        if (c) {
            memcpy(c, o.cur, sizeof *c + len);
            c->cap = len;
            broadcast(c, group, n->portid, dst);
        }
    }
    if (dst) {
        irqflags_t f = spin_lock_irqsave(&nl_lock);
        struct nlsock *t = find_locked(dst);
        if (t)
            deliver_locked(t, &o.q, n->portid);
        spin_unlock_irqrestore(&nl_lock, f);
        if (!t)
            r = -ECONNREFUSED;
        free_list(&o.q);
        return r;
    }
    struct nlskb *in = o.cur;
    list_del(&in->node);
    o.cur = NULL;
    kernel_rcv(&o, n, in->data, len);
    kfree(in);
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    deliver_locked(n, &o.q, 0);
    if (o.nomem)
        n->err = ENOBUFS; /* a reply that could not be made is lost as an overrun's */
    spin_unlock_irqrestore(&nl_lock, f);
    return r;
}

/* ---- the groups told of changes ---- */

/* What the groups were told last: a change is what differs from it. */
static struct {
    struct inet_ifinfo *links;
    struct inet_route *routes;
    struct inet6_ifaddr *addr6;
    int nlinks, nroutes, naddr6;
} told;

static const struct nlmsghdr no_request; /* a notification's: sequence number 0, port 0 */

/* The end of a notification for group @p g: a datagram of its own, flags 0. */
static void note_end(struct nlout *o, struct nlmsg *m, uint32_t g)
{
    memset(m->b + 6, 0, 2); /* nlmsg_flags */
    o->cur = NULL;
    msg_end(o, m);
    if (o->cur)
        o->cur->group = g;
    o->cur = NULL;
}

static const struct inet_ifinfo *link_of(const struct inet_ifinfo *l, int n, int index)
{
    for (int k = 0; k < n; k++)
        if (l[k].index == index)
            return &l[k];
    return NULL;
}

static int link_same(const struct inet_ifinfo *a, const struct inet_ifinfo *b)
{
    return a->flags == b->flags && a->mtu == b->mtu && !memcmp(a->hwaddr, b->hwaddr, sizeof a->hwaddr) &&
           !strcmp(a->name, b->name);
}

/* Whether @p i's IPv4 address is among @p l's. */
static int addr4_in(const struct inet_ifinfo *l, int n, const struct inet_ifinfo *i)
{
    const struct inet_ifinfo *o = link_of(l, n, i->index);
    return o && o->addr == i->addr && o->mask == i->mask;
}

static int route_in(const struct inet_route *l, int n, const struct inet_route *r)
{
    for (int k = 0; k < n; k++)
        if (l[k].index == r->index && l[k].dst == r->dst && l[k].mask == r->mask && l[k].gw == r->gw &&
            l[k].src == r->src)
            return 1;
    return 0;
}

static const struct inet6_ifaddr *addr6_of(const struct inet6_ifaddr *l, int n, const struct inet6_ifaddr *a)
{
    for (int k = 0; k < n; k++)
        if (l[k].index == a->index && !memcmp(l[k].addr, a->addr, 16))
            return &l[k];
    return NULL;
}

/* @p type (RTM_NEWADDR or RTM_DELADDR) for each IPv4 address of @p l not in @p other. */
static void addr4_notes(struct nlout *o, struct nlmsg *m, uint16_t type, const struct inet_ifinfo *l, int n,
                        const struct inet_ifinfo *other, int nother)
{
    for (int k = 0; k < n; k++) {
        if (l[k].addr && !addr4_in(other, nother, &l[k])) {
            msg_start(m, type, &no_request, 0, 8);
            addr_msg(m, &l[k]);
            note_end(o, m, RTNLGRP_IPV4_IFADDR);
        }
    }
}

/* @p type (RTM_NEWROUTE or RTM_DELROUTE) for each route of @p l not in @p other. */
static void route_notes(struct nlout *o, struct nlmsg *m, uint16_t type, const struct inet_route *l, int n,
                        const struct inet_route *other, int nother)
{
    for (int k = 0; k < n; k++) {
        if (!route_in(other, nother, &l[k])) {
            msg_start(m, type, &no_request, 0, 12);
            route_msg(m, &l[k]);
            note_end(o, m, RTNLGRP_IPV4_ROUTE);
        }
    }
}

/* The differences between the state now and told, as notifications on @p o, in
 * the order Linux makes them: links, what went, what came. */
static void notes(struct nlout *o, struct nlmsg *m, const struct inet_ifinfo *links, int nlinks,
                  const struct inet_route *routes, int nroutes, const struct inet6_ifaddr *a6, int na6)
{
    for (int k = 0; k < nlinks; k++) {
        const struct inet_ifinfo *was = link_of(told.links, told.nlinks, links[k].index);
        if (was && link_same(was, &links[k]))
            continue;
        msg_start(m, RTM_NEWLINK, &no_request, 0, 16);
        link_msg(m, &links[k], was ? was->flags ^ links[k].flags : ~0u);
        note_end(o, m, RTNLGRP_LINK);
    }
    for (int k = 0; k < told.nlinks; k++) {
        if (!link_of(links, nlinks, told.links[k].index)) {
            msg_start(m, RTM_DELLINK, &no_request, 0, 16);
            link_msg(m, &told.links[k], 0);
            note_end(o, m, RTNLGRP_LINK);
        }
    }
    addr4_notes(o, m, RTM_DELADDR, told.links, told.nlinks, links, nlinks);
    route_notes(o, m, RTM_DELROUTE, told.routes, told.nroutes, routes, nroutes);
    addr4_notes(o, m, RTM_NEWADDR, links, nlinks, told.links, told.nlinks);
    route_notes(o, m, RTM_NEWROUTE, routes, nroutes, told.routes, told.nroutes);
    for (int k = 0; k < told.naddr6; k++) {
        if (!addr6_of(a6, na6, &told.addr6[k])) {
            msg_start(m, RTM_DELADDR, &no_request, 0, 8);
            addr6_msg(m, &told.addr6[k]);
            note_end(o, m, RTNLGRP_IPV6_IFADDR);
        }
    }
    for (int k = 0; k < na6; k++) {
        const struct inet6_ifaddr *was = addr6_of(told.addr6, told.naddr6, &a6[k]);
        if (!was || was->flags != a6[k].flags) { /* a tentative one made valid: told again */
            msg_start(m, RTM_NEWADDR, &no_request, 0, 8);
            addr6_msg(m, &a6[k]);
            note_end(o, m, RTNLGRP_IPV6_IFADDR);
        }
    }
}

/* Room for @p n items of @p size (at least one), or NULL. */
static void *items_of(int n, size_t size) { return kmalloc((size_t)(n > 0 ? n : 1) * size); }

static void netlink_changed(void)
{
    int nlinks = inet_if_list_locked(NULL, 0), nroutes = inet_route_list_locked(NULL, 0);
    int na6 = inet6_addr_list_locked(NULL, 0);
    struct inet_ifinfo *links = items_of(nlinks, sizeof *links);
    struct inet_route *routes = items_of(nroutes, sizeof *routes);
    struct inet6_ifaddr *a6 = items_of(na6, sizeof *a6);
    struct nlmsg *m = kmalloc(sizeof *m);
    if (!links || !routes || !a6 || !m) { /* told stays: the next change tells this one too */
        kfree(links), kfree(routes), kfree(a6), kfree(m);
        return;
    }
    inet_if_list_locked(links, nlinks); /* the lock is held: the counts stand */
    inet_route_list_locked(routes, nroutes);
    inet6_addr_list_locked(a6, na6);
    struct nlout o = {.q = LIST_INIT(o.q)};
    notes(&o, m, links, nlinks, routes, nroutes, a6, na6);
    kfree(m);
    kfree(told.links), kfree(told.routes), kfree(told.addr6);
    told.links = links, told.nlinks = nlinks;
    told.routes = routes, told.nroutes = nroutes;
    told.addr6 = a6, told.naddr6 = na6;
    while (!list_empty(&o.q)) { /* a notification that found no memory is lost, as on Linux */
        struct nlskb *b = container_of(list_first(&o.q), struct nlskb, node);
        list_del(&b->node);
        broadcast(b, b->group, 0, 0);
    }
}

/* ---- receiving ---- */

static int readable_locked(struct nlsock *n) { return n->err || !list_empty(&n->rq); }

static int readable(void *arg)
{
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    int r = readable_locked(arg);
    spin_unlock_irqrestore(&nl_lock, f);
    return r;
}

static long nl_recvmsg(struct socket *s, struct sock_msg *m, int flags, int nonblock)
{
    struct nlsock *n = s->priv;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    mutex_lock(&n->rd);
    long r;
    struct nlskb *b;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&nl_lock);
        b = list_empty(&n->rq) ? NULL : container_of(list_first(&n->rq), struct nlskb, node);
        r = n->err ? -n->err : b ? 0 : -EAGAIN;
        if (n->err)
            n->err = 0; /* reported once, before the data, as Linux */
        else if (b && !(flags & MSG_PEEK)) {
            list_del(&b->node); /* taken even if the copy fails, as on Linux */
            n->rq_bytes -= b->len;
        }
        spin_unlock_irqrestore(&nl_lock, f);
        if (r != -EAGAIN || nonblock)
            break;
        mutex_unlock(&n->rd);
        r = sock_wait(&n->wq, readable, n, s->rcvtimeo_ns);
        mutex_lock(&n->rd);
        if (r)
            break;
    }
    if (!r) {
        size_t c = b->len < m->data.len ? b->len : m->data.len;
        if (sock_data_put(&m->data, 0, b->data, c))
            r = -EFAULT;
        else
            r = flags & MSG_TRUNC ? (long)b->len : (long)c;
        if (b->len > m->data.len)
            m->flags_out |= MSG_TRUNC;
        if (m->name) {
            struct sockaddr_nl sa = {.family = AF_NETLINK, .pid = b->from,
                                     .groups = b->group >= 1 && b->group <= 32 ? 1u << (b->group - 1) : 0};
            memcpy(m->name->b, &sa, sizeof sa);
            m->name->len = sizeof sa;
        }
        if (m->ctl && s->passcred) {
            m->ctl->has_creds = 1; /* the kernel's: all 0 */
            m->ctl->pid = m->ctl->uid = m->ctl->gid = 0;
        }
        if (!(flags & MSG_PEEK))
            kfree(b);
    }
    mutex_unlock(&n->rd);
    return r;
}

static unsigned nl_poll(struct socket *s, struct wait_set *ws)
{
    struct nlsock *n = s->priv;
    if (ws)
        wait_set_add(ws, &n->wq);
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    unsigned ev = POLLOUT | POLLWRNORM | POLLWRBAND;
    if (!list_empty(&n->rq))
        ev |= POLLIN | POLLRDNORM;
    if (n->err)
        ev |= POLLERR;
    spin_unlock_irqrestore(&nl_lock, f);
    return ev;
}

/* ---- options, ioctls, the rest ---- */

static int nl_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
    struct nlsock *n = s->priv;
    int v;
    if (len < sizeof v)
        return -EINVAL;
    memcpy(&v, val, sizeof v);
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) {
        *(name == SO_RCVBUF ? &n->rcvbuf : &n->sndbuf) = sock_bufsize(v);
        return 0;
    }
    if (level != SOL_NETLINK || name < NETLINK_ADD_MEMBERSHIP || name > NETLINK_GET_STRICT_CHK)
        return -ENOPROTOOPT;
    if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
        if (v < 1 || v > NL_GROUPS)
            return -EINVAL;
        irqflags_t f = spin_lock_irqsave(&nl_lock);
        if (name == NETLINK_ADD_MEMBERSHIP)
            n->groups |= (uint64_t)1 << (v - 1);
        else
            n->groups &= ~((uint64_t)1 << (v - 1));
        spin_unlock_irqrestore(&nl_lock, f);
        return 0;
    }
    if (v)
        n->opts |= 1u << name;
    else
        n->opts &= ~(1u << name);
    return 0;
}

static int nl_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
    struct nlsock *n = s->priv;
    int v;
    if (level == SOL_NETLINK && name == NETLINK_LIST_MEMBERSHIPS) {
        /* the groups as 32-bit words, as many as fit; the length all take */
        uint64_t g = n->groups;
        uint32_t words[2] = {(uint32_t)g, (uint32_t)(g >> 32)};
        unsigned all = (NL_GROUPS + 31) / 32 * 4;
        memcpy(val, words, *len / 4 * 4 < all ? *len / 4 * 4 : all);
        *len = all;
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_RCVBUF)
        v = (int)n->rcvbuf;
    else if (level == SOL_SOCKET && name == SO_SNDBUF)
        v = (int)n->sndbuf;
    else if (level == SOL_SOCKET && name == SO_ERROR) {
        irqflags_t f = spin_lock_irqsave(&nl_lock);
        v = n->err;
        n->err = 0;
        spin_unlock_irqrestore(&nl_lock, f);
    } else if (level == SOL_NETLINK && name >= NETLINK_CAP_ACK && name <= NETLINK_GET_STRICT_CHK)
        v = (n->opts >> name) & 1;
    else
        return -ENOPROTOOPT;
    if (*len > sizeof v)
        *len = sizeof v;
    memcpy(val, &v, *len);
    return 0;
}


static void nl_release(struct socket *s)
{
    struct nlsock *n = s->priv;
    if (!n)
        return;
    struct list_node q = LIST_INIT(q);
    irqflags_t f = spin_lock_irqsave(&nl_lock);
    if (n->is_bound)
        list_del(&n->bound);
    while (!list_empty(&n->rq)) {
        struct list_node *p = list_first(&n->rq);
        list_del(p);
        list_add_tail(&q, p);
    }
    spin_unlock_irqrestore(&nl_lock, f);
    free_list(&q);
    s->priv = NULL;
    kfree(n);
}

static const struct sock_ops nl_ops = {
    .bind = nl_bind, .connect = nl_connect, .sendmsg = nl_sendmsg, .recvmsg = nl_recvmsg,
    .getname = nl_getname, .setsockopt = nl_setsockopt, .getsockopt = nl_getsockopt,
    .poll = nl_poll, .release = nl_release, /* ioctls: the interface ones, sock_ioctl()'s */
};

static int nl_create(struct socket *s, int type, int protocol)
{
    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != NETLINK_ROUTE)
        return -EPROTONOSUPPORT; /* Linux's answer past its protocols, and for one not there */
    struct nlsock *n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    list_init(&n->rq);
    wq_init(&n->wq, "netlink socket");
    mutex_init(&n->rd, "netlink read");
    n->rcvbuf = n->sndbuf = NL_BUF_DEFAULT;
    s->ops = &nl_ops;
    s->priv = n;
    return 0;
}

static const struct sock_family nl_family = {AF_NETLINK, nl_create, NULL};

void netlink_register(void)
{
    sock_register(&nl_family);
    inet_if_watch(netlink_changed);
}
