/* AF_INET sockets (inet.c) and the interface ioctls they answer (inet_if.c). */
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

/* Up to @p max interfaces into @p out, loopback first: how many there are
 * (more than @p max: the rest were left out). */
int inet_if_list(struct inet_ifinfo *out, int max);

/* Up to @p max routes into @p out, the default one first: how many there are. */
int inet_route_list(struct inet_route *out, int max);

/* /proc/net's files (inet_if.c), at boot. */
void inet_if_init(void);

/* Register AF_INET with the socket layer (at boot, once lwIP runs). */
void inet_init(void);

#endif
