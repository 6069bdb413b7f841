/**
 * @file net_internal.h
 * @brief What kernel/net's files share: the stack's lock and its
 *        interfaces. Not for the rest of the kernel (kernel/net.h is).
 *
 * lwIP's raw API (tcp_*, udp_*, raw_*, netif_*) runs in the caller's
 * thread under the core lock (LWIP_TCPIP_CORE_LOCKING): take it with
 * net_lock(), and drop it before sleeping. lwIP's callbacks (recv, sent,
 * accept, err, a raw or UDP pcb's recv) run with it held, in whichever
 * thread fed lwIP (the tcpip thread for timers and loopback, a driver's
 * receive thread for its frames): they must not sleep or take the lock.
 */
#ifndef KERNEL_NET_INTERNAL_H
#define KERNEL_NET_INTERNAL_H

#include "lwip/opt.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include <kernel/netdev.h>

/** @brief Take the stack's lock (threads; not recursive). */
static inline void net_lock(void)
{
    LOCK_TCPIP_CORE();
}

/** @brief Release net_lock(). */
static inline void net_unlock(void)
{
    UNLOCK_TCPIP_CORE();
}

/** @brief Have @p fn called once the stack runs (at once if it does): by
 *  net_init(), in its thread, without the lock. One such function. */
void net_on_start(void (*fn)(void));

/** @brief The netif of @p d, or NULL before the stack attached it. */
static inline struct netif *net_netif_of(struct netdev *d)
{
    return (struct netif *)d->stack;
}

/** @brief How often segments a device refused for want of room were
 *  offered again (lwip/netif.c); under net_lock(). */
unsigned long net_tx_retries(void);

/** @brief Half-open connections dropped to make room for a SYN at a full
 *  listener (lwip/netif.c); under net_lock(). */
unsigned long net_syn_evictions(void);

/** @brief The loopback interface (lo, 127.0.0.1); under net_lock(). */
struct netif *net_loopif(void);

/** @brief Calls @p fn for each lwIP netif (loopback first, then in order of
 *         attachment) until it returns nonzero; under net_lock(). */
int net_each_netif(int (*fn)(struct netif *nif, void *arg), void *arg);

/** @brief The device behind @p nif, or NULL (loopback). */
struct netdev *net_netdev_of(struct netif *nif);

/** @brief A frame of @p len bytes in @p p went out of @p d (@p outgoing 1)
 *         or came in, for the AF_PACKET sockets (packet.c); under net_lock(). */
void packet_tap(struct netdev *d, struct pbuf *p, unsigned len, int outgoing);

#endif
