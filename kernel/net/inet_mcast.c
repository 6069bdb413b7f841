/**
 * @file inet_mcast.c
 * @brief Multicast for AF_INET and AF_INET6 sockets, as ip(7) and ipv6(7)
 *        give it: joining and leaving groups on an interface (lwIP's IGMP
 *        and MLD send the reports and let the group's datagrams in), and
 *        the interface, hop limit and loopback of datagrams sent to one.
 *
 * Membership is the interface's, as on Linux: once a socket joined a
 * group there, every socket bound to the port (and to the wildcard or the
 * group address) gets its datagrams; a socket's joins are counted so a
 * group stays while any socket holds it (lwIP counts too), and are left
 * when the socket closes. Errors are Linux's: a group that is not one
 * (EINVAL), no interface for it (ENODEV), joined twice (EADDRINUSE), not
 * joined (EADDRNOTAVAIL), more than 20 IPv4 groups (ENOBUFS, Linux's
 * igmp_max_memberships), a TCP socket (EPROTO).
 */
#include "inet_mcast.h"
#include "inet_internal.h"
#include "net_internal.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/string.h>

#include <lwip/igmp.h>
#include <lwip/mld6.h>

#define SOCK_STREAM 1
#define IP_MULTICAST_IF 32
#define IP_MULTICAST_TTL 33
#define IP_MULTICAST_LOOP 34
#define IP_ADD_MEMBERSHIP 35
#define IP_DROP_MEMBERSHIP 36
#define IPV6_MULTICAST_IF 17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_ADD_MEMBERSHIP 20
#define IPV6_DROP_MEMBERSHIP 21
#define MAX_GROUPS4 20 /* Linux's net.ipv4.igmp_max_memberships */
#define MAX_GROUPS 64  /* both families: a bound on what one socket holds */

/* One group a socket joined, on one interface. */
struct mgroup {
    struct list_node node;
    ip_addr_t group;
    struct netif *nif;
};

void inet_mcast_init(struct inet_mcast *m)
{
    memset(m, 0, sizeof *m);
    list_init(&m->groups);
    m->ttl4 = m->hops6 = 1;
    m->loop4 = m->loop6 = 1;
}

/* Where a group goes with no interface named: the default route's, as
 * Linux's route lookup of the group finds it. IPv4's needs a gateway;
 * lwIP routes IPv6 to the default interface (not lo) without one. */
static struct netif *by_route(int v6)
{
    struct netif *d = netif_default;
    if (v6)
        return d && d != net_loopif() ? d : NULL;
    return inet_if_default_route();
}

/* The int (or, for the IPv4 options, the one byte) at @p val. */
static int int_of(const void *val, unsigned len, int byte_ok, int *v)
{
    if (len >= sizeof(int)) {
        memcpy(v, val, sizeof(int));
        return 0;
    }
    if (byte_ok && len >= 1) {
        *v = *(const uint8_t *)val;
        return 0;
    }
    return -EINVAL;
}

static struct mgroup *find(struct inet_mcast *m, const ip_addr_t *g, struct netif *nif)
{
    list_for_each(p, &m->groups) {
        struct mgroup *e = container_of(p, struct mgroup, node);
        if (ip_addr_cmp_zoneless(&e->group, g) && (!nif || e->nif == nif))
            return e;
    }
    return NULL;
}

static err_t group_op(int join, struct netif *nif, const ip_addr_t *g)
{
    if (IP_IS_V6(g))
        return join ? mld6_joingroup_netif(nif, ip_2_ip6(g)) : mld6_leavegroup_netif(nif, ip_2_ip6(g));
    return join ? igmp_joingroup_netif(nif, ip_2_ip4(g)) : igmp_leavegroup_netif(nif, ip_2_ip4(g));
}

static int join(struct inet_mcast *m, const ip_addr_t *g, struct netif *nif)
{
    if (!nif)
        return -ENODEV;
    if (find(m, g, nif))
        return -EADDRINUSE;
    unsigned v4 = 0;
    list_for_each(p, &m->groups) {
        v4 += IP_IS_V4(&container_of(p, struct mgroup, node)->group);
    }
    if (m->ngroups >= MAX_GROUPS || (IP_IS_V4(g) && v4 >= MAX_GROUPS4))
        return -ENOBUFS;
    struct mgroup *e = kmalloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    if (group_op(1, nif, g) != ERR_OK) {
        kfree(e);
        return -ENOMEM;
    }
    ip_addr_copy(e->group, *g);
    e->nif = nif;
    list_add_tail(&m->groups, &e->node);
    m->ngroups++;
    return 0;
}

static void leave(struct inet_mcast *m, struct mgroup *e)
{
    group_op(0, e->nif, &e->group);
    list_del(&e->node);
    m->ngroups--;
    kfree(e);
}

/* IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP: a struct ip_mreq (group,
 * interface address) or ip_mreqn (group, address, ifindex). */
static int membership4(struct inet_mcast *m, int add, const void *val, unsigned len)
{
    uint32_t r[3] = {0, 0, 0}; /* group, address, ifindex */
    if (len < 8)
        return -EINVAL;
    memcpy(r, val, len >= 12 ? 12 : 8);
    ip_addr_t g;
    ip_addr_set_ip4_u32_val(g, r[0]);
    int index = (int)r[2];
    struct netif *nif = index ? inet_if_at(index) : r[1] ? inet_if_by_addr4(r[1]) : by_route(0);
    if (add)
        return ip4_addr_ismulticast(ip_2_ip4(&g)) ? join(m, &g, nif) : -EINVAL;
    if (!index && !r[1] && !nif)
        return -ENODEV;
    if (!nif)
        return -EADDRNOTAVAIL; /* the interface named is not there: nothing joined on it */
    list_for_each(p, &m->groups) {
        struct mgroup *e = container_of(p, struct mgroup, node);
        if (!ip_addr_cmp(&e->group, &g) || (nif && e->nif != nif))
            continue;
        leave(m, e);
        return 0;
    }
    return -EADDRNOTAVAIL;
}

/* IPV6_ADD_MEMBERSHIP and IPV6_DROP_MEMBERSHIP: a struct ipv6_mreq
 * (group, ifindex; 0: the default route's interface). */
static int membership6(struct inet_mcast *m, int add, const void *val, unsigned len)
{
    struct {
        uint8_t addr[16];
        int32_t index;
    } r;
    if (len < sizeof r)
        return -EINVAL;
    memcpy(&r, val, sizeof r);
    ip_addr_t g;
    memset(&g, 0, sizeof g);
    IP_SET_TYPE_VAL(g, IPADDR_TYPE_V6);
    memcpy(ip_2_ip6(&g)->addr, r.addr, 16);
    if (!ip6_addr_ismulticast(ip_2_ip6(&g)))
        return -EINVAL;
    struct netif *nif = r.index ? inet_if_at(r.index) : NULL;
    if (add && r.index && !nif)
        return -ENODEV;
    if (add) {
        if (find(m, &g, nif))
            return -EADDRINUSE; /* with ifindex 0: on any interface */
        return join(m, &g, r.index ? nif : by_route(1));
    }
    struct mgroup *e = r.index && !nif ? NULL : find(m, &g, nif);
    if (!e)
        return -EADDRNOTAVAIL;
    leave(m, e);
    return 0;
}

int inet_mcast_setopt(struct inet_mcast *m, int type, int level, int name, const void *val, unsigned len)
{
    int v = 0, r;
    if (level == IPPROTO_IP) {
        switch (name) {
        case IP_MULTICAST_TTL:
            if (type == SOCK_STREAM || (r = int_of(val, len, 1, &v)))
                return -EINVAL;
            if (v == -1)
                v = 1;
            if (v < 0 || v > 255)
                return -EINVAL;
            m->ttl4 = (uint8_t)v;
            return 0;
        case IP_MULTICAST_LOOP:
            if ((r = int_of(val, len, 1, &v)))
                return r;
            m->loop4 = v != 0;
            return 0;
        case IP_MULTICAST_IF: {
            uint32_t q[3] = {0, 0, 0}; /* ip_mreqn: group, address, ifindex */
            if (type == SOCK_STREAM || len < 4)
                return -EINVAL;
            if (len >= 12)
                memcpy(q, val, 12);
            else if (len >= 8)
                memcpy(q, val, 8); /* ip_mreq: the address second */
            else
                memcpy(&q[1], val, 4); /* in_addr */
            int index = (int)q[2];
            if (!index && !q[1]) {
                m->if4_index = 0, m->if4_addr = 0;
                return 0;
            }
            struct netif *nif = index ? inet_if_at(index) : inet_if_by_addr4(q[1]);
            if (!nif)
                return -EADDRNOTAVAIL;
            m->if4_index = inet_if_index(nif), m->if4_addr = q[1];
            return 0;
        }
        case IP_ADD_MEMBERSHIP:
        case IP_DROP_MEMBERSHIP:
            return type == SOCK_STREAM ? -EPROTO : membership4(m, name == IP_ADD_MEMBERSHIP, val, len);
        }
        return -ENOPROTOOPT;
    }
    if (level != IPPROTO_IPV6)
        return -ENOPROTOOPT;
    switch (name) {
    case IPV6_MULTICAST_HOPS:
    case IPV6_MULTICAST_IF:
        if (type == SOCK_STREAM)
            return -ENOPROTOOPT;
        if ((r = int_of(val, len, 0, &v)))
            return r;
        if (name == IPV6_MULTICAST_IF) {
            if (v && !inet_if_at(v))
                return -ENODEV;
            m->if6_index = v;
            return 0;
        }
        if (v < -1 || v > 255)
            return -EINVAL;
        m->hops6 = (uint8_t)(v == -1 ? 1 : v);
        return 0;
    case IPV6_MULTICAST_LOOP:
        if ((r = int_of(val, len, 0, &v)))
            return r;
        if (v != 0 && v != 1)
            return -EINVAL;
        m->loop6 = (uint8_t)v;
        return 0;
    case IPV6_ADD_MEMBERSHIP:
    case IPV6_DROP_MEMBERSHIP:
        if (len < 20)
            return -EINVAL;
        return type == SOCK_STREAM ? -EPROTO : membership6(m, name == IPV6_ADD_MEMBERSHIP, val, len);
    }
    return -ENOPROTOOPT;
}

int inet_mcast_getopt(const struct inet_mcast *m, int type, int level, int name, void *val, unsigned *len)
{
    (void)type;
    int v;
    if (level == IPPROTO_IP && name == IP_MULTICAST_IF) {
        unsigned n = *len < 4 ? *len : 4;
        memcpy(val, &m->if4_addr, n);
        *len = n;
        return 0;
    }
    if (level == IPPROTO_IP && (name == IP_MULTICAST_TTL || name == IP_MULTICAST_LOOP))
        v = name == IP_MULTICAST_TTL ? m->ttl4 : m->loop4;
    else if (level == IPPROTO_IPV6 && name == IPV6_MULTICAST_HOPS)
        v = m->hops6;
    else if (level == IPPROTO_IPV6 && name == IPV6_MULTICAST_LOOP)
        v = m->loop6;
    else if (level == IPPROTO_IPV6 && name == IPV6_MULTICAST_IF)
        v = m->if6_index;
    else
        return -ENOPROTOOPT;
    if (level == IPPROTO_IP && *len > 0 && *len < sizeof(int)) { /* Linux: one byte */
        *(uint8_t *)val = (uint8_t)v;
        *len = 1;
        return 0;
    }
    if (*len > sizeof v)
        *len = sizeof v;
    memcpy(val, &v, *len);
    return 0;
}

void inet_mcast_prepare(const struct inet_mcast *m, struct udp_pcb *pcb, const ip_addr_t *dst)
{
    if (!ip_addr_ismulticast(dst))
        return;
    int six = IP_IS_V6(dst);
    udp_set_multicast_ttl(pcb, six ? m->hops6 : m->ttl4);
    if (six ? m->loop6 : m->loop4)
        udp_set_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
    else
        udp_clear_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
    int index = six ? m->if6_index : m->if4_index;
    struct netif *nif = index ? inet_if_at(index) : NULL;
    udp_set_multicast_netif_index(pcb, nif ? netif_get_index(nif) : NETIF_NO_INDEX);
}

void inet_mcast_leave_all(struct inet_mcast *m)
{
    while (!list_empty(&m->groups))
        leave(m, container_of(list_first(&m->groups), struct mgroup, node));
}
