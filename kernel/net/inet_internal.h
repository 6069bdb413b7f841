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
#endif

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* the peer shut its writing down (poll) */
#endif

/* The interface ioctls (SIOCGIFCONF, SIOCGIFADDR, SIOCADDRT, ...) any
 * AF_INET socket answers: 0, -errno, -ENOTTY if @p cmd is none of them. */
long inet_if_ioctl(unsigned cmd, uintptr_t arg);

/* /proc/net's files (inet_if.c), at boot. */
void inet_if_init(void);

/* Register AF_INET with the socket layer (at boot, once lwIP runs). */
void inet_init(void);

#endif
