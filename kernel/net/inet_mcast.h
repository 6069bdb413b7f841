/* An AF_INET or AF_INET6 socket's multicast state: the groups it joined
 * (IP_ADD_MEMBERSHIP, IPV6_ADD_MEMBERSHIP) and how its datagrams to a
 * group leave (the MULTICAST_IF, _TTL/_HOPS and _LOOP options). inet.c
 * holds one per socket; every call is made with the stack's lock held. */
#ifndef NET_INET_MCAST_H
#define NET_INET_MCAST_H

#include <kernel/list.h>
#include <lwip/ip_addr.h>
#include <lwip/udp.h>
#include <stdint.h>

struct inet_mcast {
    struct list_node groups;  /* struct mgroup: the groups joined, left at close */
    unsigned ngroups;
    uint8_t ttl4, hops6;      /* IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS */
    uint8_t loop4, loop6;     /* IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP */
    uint32_t if4_addr;        /* IP_MULTICAST_IF's address (network order); 0: none */
    int if4_index, if6_index; /* IP_MULTICAST_IF's, IPV6_MULTICAST_IF's interface; 0: none */
};

/* Linux's defaults: one hop, looped back, no interface chosen. */
void inet_mcast_init(struct inet_mcast *m);

/* A multicast option at @p level (IPPROTO_IP or IPPROTO_IPV6) for a
 * socket of @p type: 0 or -errno as Linux answers; -ENOPROTOOPT when
 * @p name is none of them. */
int inet_mcast_setopt(struct inet_mcast *m, int type, int level, int name, const void *val, unsigned len);

/* Its value into @p val (*len bytes of room, then those written); -ENOPROTOOPT as above. */
int inet_mcast_getopt(const struct inet_mcast *m, int type, int level, int name, void *val, unsigned *len);

/* Before a datagram to @p dst leaves @p pcb: a group's hop limit, loop and
 * interface set on the pcb, as the socket's options say. */
void inet_mcast_prepare(const struct inet_mcast *m, struct udp_pcb *pcb, const ip_addr_t *dst);

/* The socket closes: every group it joined is left. */
void inet_mcast_leave_all(struct inet_mcast *m);

#endif
