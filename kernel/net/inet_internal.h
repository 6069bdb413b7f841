/* AF_INET and AF_INET6 sockets (inet.c) and the interface ioctls they answer (inet_if.c). */
#ifndef NET_INET_INTERNAL_H
#define NET_INET_INTERNAL_H

#include <kernel/errno.h>
#include <stdint.h>

#ifndef IPPROTO_IP
#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_RAW 255
#endif
#ifndef IPPROTO_IPV6
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#endif

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* the peer shut its writing down (poll) */
#endif

/* The interface ioctls (SIOCGIFCONF, SIOCGIFADDR, SIOCADDRT, ...) any
 * AF_INET socket answers: 0, -errno, -ENOTTY if @p cmd is none of them. */
long inet_if_ioctl(unsigned cmd, uintptr_t arg);

/* One interface as the interface ioctls, /proc/net and netlink show it. */
struct inet_ifinfo {
    char name[16];         /* "lo", "eth0" */
    int index;             /* its ifindex: lo 1 */
    unsigned flags;        /* IFF_* as SIOCGIFFLAGS has them, and IFF_LOWER_UP */
    uint32_t addr, mask;   /* network order; addr 0: none */
    uint32_t brd;          /* its subnet's broadcast address, 0 for none (lo) */
    unsigned mtu, txqlen;
    unsigned hwtype;       /* ARPHRD_ETHER, ARPHRD_LOOPBACK */
    uint8_t hwaddr[6];
    int loopback;
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes; /* the device's counters (lo: 0) */
    uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
};

/* One route as /proc/net/route and netlink show it (the main table). */
struct inet_route {
    char name[16];         /* its interface's */
    int index;             /* its interface's */
    uint32_t dst, mask;    /* network order; 0 and 0: the default route */
    uint32_t gw;           /* the gateway, 0 for none (on the subnet) */
    uint32_t src;          /* the interface's address */
    unsigned flags;        /* RTF_UP, RTF_GATEWAY */
};

struct netif;

/* @p n's ifindex: lo 1, a device's its own (not lwIP's netif index, which
 * is also an IPv6 address's zone). */
int inet_if_index(struct netif *n);

/* The interface whose ifindex is @p index, or NULL (lock held). */
struct netif *inet_if_at(int index);

/* The interface whose IPv4 address is @p addr (network order), or NULL (lock held). */
struct netif *inet_if_by_addr4(uint32_t addr);

/* The default route's interface, or NULL: lwIP keeps a default route only
 * with a gateway, and never through lo (lock held). */
struct netif *inet_if_default_route(void);

/* Up to @p max interfaces into @p out, loopback first: how many there are
 * (more than @p max: the rest were left out). */
int inet_if_list(struct inet_ifinfo *out, int max);
/* inet_if_list() with the stack's lock held. */
int inet_if_list_locked(struct inet_ifinfo *out, int max);

/* One IPv6 address of an interface, as /proc/net/if_inet6 and netlink show it. */
struct inet6_ifaddr {
    uint8_t addr[16];
    int index;             /* its interface's ifindex */
    char name[16];         /* its interface's name */
    unsigned prefix;       /* 128 for ::1, else 64 (lwIP's link-local and SLAAC prefixes) */
    unsigned scope;        /* INET6_SCOPE_* */
    unsigned flags;        /* INET6_F_*, Linux's IFA_F_* bits */
    uint32_t valid, preferred; /* seconds left; INET6_FOREVER */
};
#define INET6_FOREVER 0xffffffffu
enum { INET6_SCOPE_GLOBAL, INET6_SCOPE_SITE, INET6_SCOPE_LINK, INET6_SCOPE_HOST };
#define INET6_F_DEPRECATED 0x20
#define INET6_F_TENTATIVE 0x40
#define INET6_F_PERMANENT 0x80

/* Up to @p max IPv6 addresses into @p out, interface by interface: how
 * many there are. */
int inet6_addr_list(struct inet6_ifaddr *out, int max);
/* inet6_addr_list() with the stack's lock held. */
int inet6_addr_list_locked(struct inet6_ifaddr *out, int max);

/* Up to @p max routes into @p out, the default one first: how many there are. */
int inet_route_list(struct inet_route *out, int max);
/* inet_route_list() with the stack's lock held. */
int inet_route_list_locked(struct inet_route *out, int max);

/* Have @p fn called, with the stack's lock held, after each change of an
 * interface, address or route: at once for the ones made here (the ioctls,
 * inet_if_addr_change(), inet_route_change()), from the tcpip thread for
 * lwIP's own (DHCP, SLAAC, the carrier). Once when the stack starts,
 * too. Calls may come with nothing changed. One watcher (netlink's). */
void inet_if_watch(void (*fn)(void));

/* Add (@p add 1) or delete the default route through @p gw (network order;
 * 0: none) on the interface @p index (0: the one whose subnet holds @p gw,
 * or for a delete whichever has it). The caller checked the privilege.
 * 0, -ENODEV, -ENETUNREACH (no interface for it), -EEXIST (with @p excl,
 * that route is there), -ESRCH (no such route to delete). */
int inet_route_change(int add, int index, uint32_t gw, int excl);

/* Give the interface @p index the IPv4 address @p addr with @p mask (network
 * order; @p add 1), or take its address away (0; @p addr 0 or its address).
 * An interface has one (lwIP's): another than its own is -EBUSY unless
 * @p replace; its own with @p excl -EEXIST. A delete takes the default route
 * through it too. 0, -ENODEV, -EBUSY, -EEXIST, -EADDRNOTAVAIL. */
int inet_if_addr_change(int index, int add, uint32_t addr, uint32_t mask, int replace, int excl);

/* /proc/net's files (inet_if.c), at boot. */
void inet_if_init(void);

/* Register AF_INET and AF_INET6 with the socket layer (at boot, once lwIP runs). */
void inet_init(void);

#endif
