/**
 * @file inet_if.c
 * @brief The interface ioctls of AF_INET sockets (Linux's SIOC* numbers and
 *        struct ifreq, ifconf, rtentry of a 64-bit ABI), which busybox's
 *        ifconfig and route use: list the interfaces, read and set their
 *        flags (up, down), addresses, netmask; read the broadcast address,
 *        hardware address, MTU, index; add and delete the default route.
 *
 * lwIP routes by its interfaces' subnets and one default interface with its
 * gateway, so the only route SIOCADDRT adds is the default one (through a
 * gateway on an interface's subnet); others fail with EINVAL. Setting needs
 * root (CAP_NET_ADMIN on Linux): EPERM otherwise.
 *
 * Also /proc/net/dev, /proc/net/route and /proc/net/if_inet6 in Linux's
 * format (ifconfig's list, counters and IPv6 addresses, route's table),
 * written for procfs.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/printf.h>
#include <kernel/socket.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#include <lwip/netif.h>
#include <lwip/tcpip.h>

#include "inet_internal.h"
#include "net_internal.h"

#define SIOCADDRT 0x890B
#define SIOCDELRT 0x890C
#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFDSTADDR 0x8917
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFMETRIC 0x891d
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define SIOCGIFTXQLEN 0x8942
#define SIOCGIFMAP 0x8970

#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define RTF_UP 0x1
#define RTF_GATEWAY 0x2
#define IFNAMSIZ 16

struct sa {
    uint16_t family;
    uint8_t data[14];
};

struct ifreq {
    char name[IFNAMSIZ];
    union {
        struct sa addr;
        int16_t flags;
        int32_t ivalue;
        uint8_t pad[24];
    };
};

struct ifconf {
    int32_t len;
    int32_t pad;
    uint64_t buf;
};

struct rtentry {
    uint64_t pad1;
    struct sa dst, gateway, genmask;
    uint16_t flags;
    int16_t pad2;
    uint64_t pad3;
    uint64_t pad4;
    int16_t metric;
    uint64_t dev;
    uint64_t mtu, window;
    uint16_t irtt;
};

static int is_loop(struct netif *n) { return n == net_loopif(); }

int inet_if_index(struct netif *n)
{
    struct netdev *d = net_netdev_of(n);
    return is_loop(n) || !d ? 1 : d->index;
}

/* Linux's name of @p n: "lo", else its device's ("eth0"). */
static void if_name(struct netif *n, char name[IFNAMSIZ])
{
    memset(name, 0, IFNAMSIZ);
    struct netdev *d = net_netdev_of(n);
    if (is_loop(n) || !d)
        memcpy(name, "lo", 2);
    else
        strlcpy(name, d->name, IFNAMSIZ);
}

static struct netif *if_find(const char *want)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        char name[IFNAMSIZ];
        if_name(n, name);
        if (!strncmp(name, want, IFNAMSIZ))
            return n;
    }
    return NULL;
}

/* What the ioctls, /proc/net and netlink tell of @p n (lock held). */
static void if_info(struct netif *n, struct inet_ifinfo *i)
{
    memset(i, 0, sizeof *i);
    if_name(n, i->name);
    i->index = inet_if_index(n);
    i->loopback = is_loop(n);
    /* Linux tells of the carrier (RUNNING, LOWER_UP) only on an interface that is up */
    int carrier = netif_is_up(n) && netif_is_link_up(n);
    i->flags = (netif_is_up(n) ? IFF_UP : 0) | (carrier ? IFF_RUNNING | IFF_LOWER_UP : 0) |
               (i->loopback ? IFF_LOOPBACK : 0) |
               (n->flags & NETIF_FLAG_BROADCAST ? IFF_BROADCAST : 0) |
               (n->flags & NETIF_FLAG_IGMP ? IFF_MULTICAST : 0);
    i->addr = ip4_addr_get_u32(netif_ip4_addr(n));
    i->mask = ip4_addr_get_u32(netif_ip4_netmask(n));
    i->brd = i->loopback || !i->addr ? 0 : (i->addr & i->mask) | ~i->mask;
    i->mtu = i->loopback ? 65536 : n->mtu;
    i->txqlen = 1000;
    i->hwtype = i->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
    memcpy(i->hwaddr, n->hwaddr, n->hwaddr_len < 6 ? n->hwaddr_len : 6);
    struct netdev *d = net_netdev_of(n);
    if (d && !i->loopback) {
        const struct netdev_stats *st = &d->stats;
        i->rx_packets = st->rx_packets, i->tx_packets = st->tx_packets;
        i->rx_bytes = st->rx_bytes, i->tx_bytes = st->tx_bytes;
        i->rx_errors = st->rx_errors, i->tx_errors = st->tx_errors;
        i->rx_dropped = st->rx_dropped, i->tx_dropped = st->tx_dropped;
    }
}

/* inet_if_list()'s and inet_route_list()'s walk: where to put what. */
struct if_walk {
    void *out;
    int max, k;
};

static int walk_if(struct netif *n, void *arg)
{
    struct if_walk *w = arg;
    if (w->k < w->max)
        if_info(n, (struct inet_ifinfo *)w->out + w->k);
    w->k++;
    return 0;
}

/* In the order of their indices, as Linux lists them. */
int inet_if_list_locked(struct inet_ifinfo *out, int max)
{
    struct if_walk w = {out, max, 0};
    net_each_netif(walk_if, &w);
    return w.k;
}

int inet_if_list(struct inet_ifinfo *out, int max)
{
    net_lock();
    int k = inet_if_list_locked(out, max);
    net_unlock();
    return k;
}

static void put_addr(struct sa *a, uint32_t addr)
{
    memset(a, 0, sizeof *a);
    a->family = AF_INET;
    memcpy(a->data + 2, &addr, 4);
}

static uint32_t get_addr(const struct sa *a)
{
    uint32_t v;
    memcpy(&v, a->data + 2, 4);
    return v;
}

static int if_conf(uintptr_t arg)
{
    struct ifconf c;
    if (copy_from_user(&c, (void *)arg, sizeof c))
        return -EFAULT;
    int len = 0;
    struct netif *n;
    net_lock();
    unsigned count = 0;
    NETIF_FOREACH(n) {
        count++;
    }
    struct ifreq *all = count ? kzalloc(count * sizeof *all) : NULL;
    unsigned i = 0;
    NETIF_FOREACH(n) {
        if (!all || i == count)
            break;
        if (!ip4_addr_get_u32(netif_ip4_addr(n))) /* Linux lists only those with an address */
            continue;
        if_name(n, all[i].name);
        put_addr(&all[i].addr, ip4_addr_get_u32(netif_ip4_addr(n)));
        i++;
    }
    net_unlock();
    if (count && !all)
        return -ENOMEM;
    int r = 0;
    for (unsigned k = 0; k < i; k++) {
        if (c.buf) {
            if (len + (int)sizeof *all > c.len)
                break;
            if (copy_to_user((void *)(uintptr_t)(c.buf + (unsigned)len), &all[k], sizeof *all)) {
                r = -EFAULT;
                break;
            }
        }
        len += (int)sizeof *all;
    }
    kfree(all);
    if (r)
        return r;
    c.len = len;
    return copy_to_user((void *)arg, &c, sizeof c) ? -EFAULT : 0;
}

/* ---- telling netlink what changed ---- */

static void (*watcher)(void);
static int watch_queued; /* a call of watcher is on the tcpip thread's mailbox */
static netif_ext_callback_t watch_cb;

/* A change made here, with the state settled (lock held). */
static void changed(void)
{
    if (watcher)
        watcher();
}

static void watch_deferred(void *arg)
{
    (void)arg;
    __atomic_store_n(&watch_queued, 0, __ATOMIC_RELEASE);
    changed();
}

/* lwIP calls this in the middle of a change (netif_set_ipaddr() before the
 * netmask is set; DHCP's three at once), so the watcher runs after it, from
 * the tcpip thread, under the lock. If its mailbox is full the change is
 * told with the next one. */
static void lwip_changed(struct netif *n, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
    (void)n, (void)reason, (void)args;
    if (watcher && !__atomic_exchange_n(&watch_queued, 1, __ATOMIC_ACQ_REL) &&
        tcpip_try_callback(watch_deferred, NULL) != ERR_OK)
        __atomic_store_n(&watch_queued, 0, __ATOMIC_RELEASE);
}

static void watch_start(void)
{
    net_lock();
    netif_add_ext_callback(&watch_cb, lwip_changed);
    watcher(); /* the state as it is now: what later changes are measured against */
    net_unlock();
}

void inet_if_watch(void (*fn)(void))
{
    watcher = fn;
    net_on_start(watch_start);
}

/* A gateway's interface: the one whose subnet holds @p gw (lock held). */
static struct netif *if_for(uint32_t gw)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        uint32_t a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
        if (a && (a & m) == (gw & m))
            return n;
    }
    return NULL;
}

struct netif *inet_if_by_addr4(uint32_t addr)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        if (ip4_addr_get_u32(netif_ip4_addr(n)) == addr)
            return n;
    }
    return NULL;
}

struct netif *inet_if_default_route(void)
{
    struct netif *d = netif_default;
    return d && !is_loop(d) && ip4_addr_get_u32(netif_ip4_gw(d)) ? d : NULL;
}

struct netif *inet_if_at(int index)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        if (inet_if_index(n) == index)
            return n;
    }
    return NULL;
}

/* Add (@p add) or delete the default route through @p gw (network order,
 * 0: none) on @p n; NULL: the interface whose subnet holds @p gw, or for a
 * delete any, unless the caller @p named one it did not find. With @p excl
 * the very same route already there is -EEXIST (lock held). lwIP routes
 * its interfaces' subnets and one default: nothing else can be added. */
static int default_route(int add, struct netif *n, int named, uint32_t gw, int excl)
{
    if (named && !n)
        return -ENODEV;
    if (!n && gw)
        n = if_for(gw);
    if (add) {
        if (!n)
            return -ENETUNREACH;
        if (excl && netif_default == n && ip4_addr_get_u32(netif_ip4_gw(n)) &&
            ip4_addr_get_u32(netif_ip4_gw(n)) == gw)
            return -EEXIST;
        ip4_addr_t g;
        ip4_addr_set_u32(&g, gw);
        netif_set_gw(n, &g);
        netif_set_default(n);
        return 0;
    }
    struct netif *d = netif_default;
    if (!d || (n && n != d) || (gw && ip4_addr_get_u32(netif_ip4_gw(d)) != gw))
        return -ESRCH;
    netif_set_gw(d, IP4_ADDR_ANY4);
    netif_set_default(NULL);
    return 0;
}

int inet_route_change(int add, int index, uint32_t gw, int excl)
{
    net_lock();
    struct netif *n = index ? inet_if_at(index) : NULL;
    int r = default_route(add, n, index != 0, gw, excl);
    if (!r)
        changed();
    net_unlock();
    return r;
}

int inet_if_addr_change(int index, int add, uint32_t addr, uint32_t mask, int replace, int excl)
{
    int r = 0;
    net_lock();
    struct netif *n = inet_if_at(index);
    uint32_t cur = n ? ip4_addr_get_u32(netif_ip4_addr(n)) : 0;
    uint32_t cur_mask = n ? ip4_addr_get_u32(netif_ip4_netmask(n)) : 0;
    ip4_addr_t a, m;
    ip4_addr_set_u32(&a, addr);
    ip4_addr_set_u32(&m, mask);
    if (!n)
        r = -ENODEV;
    else if (add && cur == addr && cur_mask == mask)
        r = excl ? -EEXIST : 0;
    else if (add && cur && cur != addr && !replace)
        r = -EBUSY; /* lwIP: one IPv4 address per interface */
    else if (add) {
        netif_set_ipaddr(n, &a);
        netif_set_netmask(n, &m);
    } else if (!cur || (addr && addr != cur)) {
        r = -EADDRNOTAVAIL;
    } else {
        /* the routes through it go with it, as on Linux */
        if (netif_default == n)
            netif_set_default(NULL);
        netif_set_gw(n, IP4_ADDR_ANY4);
        netif_set_netmask(n, IP4_ADDR_ANY4);
        netif_set_ipaddr(n, IP4_ADDR_ANY4);
    }
    if (!r)
        changed();
    net_unlock();
    return r;
}

static int route(unsigned cmd, uintptr_t arg)
{
    struct rtentry rt;
    if (copy_from_user(&rt, (void *)arg, sizeof rt))
        return -EFAULT;
    if (!sock_privileged())
        return -EPERM;
    if (get_addr(&rt.dst) || get_addr(&rt.genmask))
        return -EINVAL; /* lwIP has no routes but its interfaces' and the default */
    char dev[IFNAMSIZ] = {0};
    if (rt.dev && copy_from_user(dev, (void *)(uintptr_t)rt.dev, IFNAMSIZ - 1))
        return -EFAULT;
    uint32_t gw = (rt.flags & RTF_GATEWAY) ? get_addr(&rt.gateway) : 0;
    net_lock();
    int r = default_route(cmd == SIOCADDRT, dev[0] ? if_find(dev) : NULL, dev[0] != 0, gw, 1);
    if (!r)
        changed();
    net_unlock();
    return r;
}

long inet_if_ioctl(unsigned cmd, uintptr_t arg)
{
    if (cmd == SIOCGIFCONF)
        return if_conf(arg);
    if (cmd == SIOCADDRT || cmd == SIOCDELRT)
        return route(cmd, arg);
    switch (cmd) {
    case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR: case SIOCSIFADDR:
    case SIOCGIFDSTADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK: case SIOCSIFNETMASK:
    case SIOCGIFMETRIC: case SIOCGIFMTU: case SIOCGIFHWADDR: case SIOCGIFINDEX: case SIOCGIFTXQLEN:
    case SIOCGIFMAP:
        break;
    default:
        return -ENOTTY;
    }
    struct ifreq q;
    if (copy_from_user(&q, (void *)arg, sizeof q))
        return -EFAULT;
    q.name[IFNAMSIZ - 1] = 0;
    int set = cmd == SIOCSIFFLAGS || cmd == SIOCSIFADDR || cmd == SIOCSIFNETMASK;
    if (set && !sock_privileged())
        return -EPERM;
    int r = 0;
    net_lock();
    struct netif *n = NULL;
    if (cmd == SIOCGIFNAME) {
        n = inet_if_at(q.ivalue);
        if (n)
            if_name(n, q.name);
    } else {
        n = if_find(q.name);
    }
    if (!n) {
        net_unlock();
        return -ENODEV;
    }
    struct inet_ifinfo i;
    if_info(n, &i);
    uint32_t a = i.addr, m = i.mask;
    struct ifreq in = q; /* what a set asks for */
    memset(q.pad, 0, sizeof q.pad);
    switch (cmd) {
    case SIOCGIFFLAGS:
        q.flags = (int16_t)i.flags; /* IFF_LOWER_UP is past a short's bits, as on Linux */
        break;
    case SIOCSIFFLAGS: {
        if ((in.flags & IFF_UP) && !netif_is_up(n))
            netif_set_up(n);
        else if (!(in.flags & IFF_UP) && netif_is_up(n))
            netif_set_down(n);
        break;
    }
    case SIOCGIFADDR:
        if (!a)
            r = -EADDRNOTAVAIL;
        put_addr(&q.addr, a);
        break;
    case SIOCGIFNETMASK:
        if (!a)
            r = -EADDRNOTAVAIL;
        put_addr(&q.addr, m);
        break;
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
        if (!a)
            r = -EADDRNOTAVAIL;
        put_addr(&q.addr, cmd == SIOCGIFDSTADDR ? 0 : i.brd);
        break;
    case SIOCSIFADDR:
    case SIOCSIFNETMASK: {
        if (in.addr.family != AF_INET) {
            r = -EINVAL;
            break;
        }
        ip4_addr_t v;
        ip4_addr_set_u32(&v, get_addr(&in.addr));
        if (cmd == SIOCSIFADDR) {
            netif_set_ipaddr(n, &v);
            if (!m) { /* Linux gives a new address its class's netmask */
                ip4_addr_t mm;
                ip4_addr_set_u32(&mm, ip4_addr_get_u32(&v) ? PP_HTONL(0xffffff00UL) : 0);
                netif_set_netmask(n, &mm);
            }
        } else {
            netif_set_netmask(n, &v);
        }
        break;
    }
    case SIOCGIFMETRIC:
        q.ivalue = 0;
        break;
    case SIOCGIFMTU:
        q.ivalue = (int32_t)i.mtu;
        break;
    case SIOCGIFTXQLEN:
        q.ivalue = (int32_t)i.txqlen;
        break;
    case SIOCGIFINDEX:
        q.ivalue = i.index;
        break;
    case SIOCGIFHWADDR:
        q.addr.family = (uint16_t)i.hwtype;
        memcpy(q.addr.data, i.hwaddr, sizeof i.hwaddr);
        break;
    case SIOCGIFMAP:
    case SIOCGIFNAME:
        break;
    }
    if (set && !r)
        changed();
    net_unlock();
    if (r || cmd == SIOCSIFFLAGS || cmd == SIOCSIFADDR || cmd == SIOCSIFNETMASK)
        return r;
    return copy_to_user((void *)arg, &q, sizeof q) ? -EFAULT : 0;
}

/* /proc/net/dev: a line of counters per interface (lo's are not kept). */
static long proc_dev(char *buf, size_t size)
{
    size_t n = 0;
    n += (size_t)ksnprintf(buf + n, size - n,
                           "Inter-|   Receive                                                |  Transmit\n"
                           " face |bytes    packets errs drop fifo frame compressed multicast|"
                           "bytes    packets errs drop fifo colls carrier compressed\n");
    net_lock();
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (n >= size)
            break;
        char name[IFNAMSIZ];
        if_name(nif, name);
        struct netdev *d = net_netdev_of(nif);
        struct netdev_stats st = {0};
        if (d && !is_loop(nif))
            st = d->stats;
        n += (size_t)ksnprintf(buf + n, size - n,
                               "%6s:%8llu %7llu %4llu %4llu    0     0          0         0 "
                               "%8llu %7llu %4llu %4llu    0     0       0          0\n",
                               name, (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_packets,
                               (unsigned long long)st.rx_errors, (unsigned long long)st.rx_dropped,
                               (unsigned long long)st.tx_bytes, (unsigned long long)st.tx_packets,
                               (unsigned long long)st.tx_errors, (unsigned long long)st.tx_dropped);
    }
    net_unlock();
    return (long)(n < size ? n : size);
}

/* Each interface's valid and tentative IPv6 addresses (lwIP's slots). */
int inet6_addr_list_locked(struct inet6_ifaddr *out, int max)
{
    int k = 0;
    struct netif *n;
    NETIF_FOREACH(n) {
        for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
            u8_t st = netif_ip6_addr_state(n, i);
            if (!ip6_addr_isvalid(st) && !ip6_addr_istentative(st))
                continue;
            if (k < max) {
                const ip6_addr_t *a = netif_ip6_addr(n, i);
                struct inet6_ifaddr *o = &out[k];
                memset(o, 0, sizeof *o);
                memcpy(o->addr, a->addr, 16);
                o->index = inet_if_index(n);
                if_name(n, o->name);
                o->scope = ip6_addr_isloopback(a) ? INET6_SCOPE_HOST
                           : ip6_addr_islinklocal(a) ? INET6_SCOPE_LINK
                           : ip6_addr_issitelocal(a) ? INET6_SCOPE_SITE : INET6_SCOPE_GLOBAL;
                o->prefix = o->scope == INET6_SCOPE_HOST ? 128 : 64;
                /* lwIP's slot 0 holds the link-local address, made once (Linux's
                 * permanent); the others come and go with router advertisements */
                o->flags = (i == 0 || is_loop(n) ? INET6_F_PERMANENT : 0) |
                           (ip6_addr_istentative(st) ? INET6_F_TENTATIVE : 0) |
                           /* lwIP's VALID is its DEPRECATED too; lo's ::1 is only valid */
                           (ip6_addr_isdeprecated(st) && !is_loop(n) ? INET6_F_DEPRECATED : 0);
                /* lwIP's 0 is a static address's: Linux's forever */
                uint32_t v = netif_ip6_addr_valid_life(n, i), p = netif_ip6_addr_pref_life(n, i);
                o->valid = v == IP6_ADDR_LIFE_STATIC ? INET6_FOREVER : v;
                o->preferred = v == IP6_ADDR_LIFE_STATIC ? INET6_FOREVER : p;
            }
            k++;
        }
    }
    return k;
}

int inet6_addr_list(struct inet6_ifaddr *out, int max)
{
    net_lock();
    int k = inet6_addr_list_locked(out, max);
    net_unlock();
    return k;
}

/* /proc/net/if_inet6: a line per IPv6 address, as Linux writes it (the
 * scope in Linux's IPV6_ADDR_* bits). */
static long proc_if_inet6(char *buf, size_t size)
{
    int count = inet6_addr_list(NULL, 0);
    struct inet6_ifaddr *a = count ? kzalloc((size_t)count * sizeof *a) : NULL;
    if (count && !a)
        return -ENOMEM;
    int got = inet6_addr_list(a, count);
    if (got < count)
        count = got;
    size_t n = 0;
    for (int k = 0; k < count && n < size; k++) {
        char hex[33];
        for (int j = 0; j < 16; j++)
            ksnprintf(hex + 2 * j, 3, "%02x", a[k].addr[j]);
        static const unsigned bits[] = {[INET6_SCOPE_GLOBAL] = 0, [INET6_SCOPE_SITE] = 0x40,
                                        [INET6_SCOPE_LINK] = 0x20, [INET6_SCOPE_HOST] = 0x10};
        unsigned scope = bits[a[k].scope];
        n += (size_t)ksnprintf(buf + n, size - n, "%s %02x %02x %02x %02x %8s\n", hex, (unsigned)a[k].index,
                               a[k].prefix, scope, a[k].flags, a[k].name);
    }
    kfree(a);
    return (long)(n < size ? n : size);
}

/* One line of /proc/net/route: Linux pads each to 127 columns. */
static size_t route_line(char *buf, size_t size, const char *name, uint32_t dst, uint32_t gw, unsigned flags,
                         uint32_t mask)
{
    char line[128];
    int k = ksnprintf(line, sizeof line, "%s\t%08X\t%08X\t%04X\t0\t0\t0\t%08X\t0\t0\t0", name, dst, gw, flags, mask);
    return (size_t)ksnprintf(buf, size, "%s%*s\n", line, 127 - k, "");
}

/* A route into @p w: the interface @p n's subnet, or with @p gw the default one through it. */
static void route_put(struct if_walk *w, struct netif *n, uint32_t gw)
{
    struct inet_ifinfo i;
    if_info(n, &i);
    if (w->k < w->max) {
        struct inet_route *r = (struct inet_route *)w->out + w->k;
        *r = (struct inet_route){.index = i.index, .dst = gw ? 0 : i.addr & i.mask, .mask = gw ? 0 : i.mask,
                                 .gw = gw, .src = i.addr, .flags = RTF_UP | (gw ? RTF_GATEWAY : 0)};
        memcpy(r->name, i.name, sizeof i.name);
    }
    w->k++;
}

static int walk_route(struct netif *n, void *arg)
{
    if (!is_loop(n) && ip4_addr_get_u32(netif_ip4_addr(n)) && netif_is_up(n))
        route_put(arg, n, 0);
    return 0;
}

/* The routes lwIP has: the default one, then each interface's subnet. */
int inet_route_list_locked(struct inet_route *out, int max)
{
    struct if_walk w = {out, max, 0};
    struct netif *d = inet_if_default_route();
    if (d)
        route_put(&w, d, ip4_addr_get_u32(netif_ip4_gw(d)));
    net_each_netif(walk_route, &w);
    return w.k;
}

int inet_route_list(struct inet_route *out, int max)
{
    net_lock();
    int k = inet_route_list_locked(out, max);
    net_unlock();
    return k;
}

/* /proc/net/route: inet_route_list()'s routes (the words as the machine
 * holds them: the addresses in network order). */
static long proc_route(char *buf, size_t size)
{
    size_t n = (size_t)ksnprintf(buf, size, "%-127s\n",
                          "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
    int count = inet_route_list(NULL, 0);
    struct inet_route *r = count ? kzalloc((size_t)count * sizeof *r) : NULL;
    if (count && !r)
        return -ENOMEM;
    int got = inet_route_list(r, count); /* fewer if one went meanwhile */
    if (got < count)
        count = got;
    for (int k = 0; k < count && n < size; k++)
        n += route_line(buf + n, size - n, r[k].name, r[k].dst, r[k].gw, r[k].flags, r[k].mask);
    kfree(r);
    return (long)(n < size ? n : size);
}

static long proc_net(const char *name, char *buf, size_t size)
{
    if (!strcmp(name, "dev"))
        return proc_dev(buf, size);
    if (!strcmp(name, "route"))
        return proc_route(buf, size);
    if (!strcmp(name, "if_inet6"))
        return proc_if_inet6(buf, size);
    return -ENOENT;
}

void inet_if_init(void) { procfs_set_net(proc_net); }
