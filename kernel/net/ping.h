/**
 * @file ping.h
 * @brief ICMP echo over lwIP's raw API, for the shell's `ping` and the tests.
 */
#ifndef KERNEL_NET_PING_H
#define KERNEL_NET_PING_H

#include "lwip/ip_addr.h"
#include <kernel/wait.h>
#include <stdint.h>

struct raw_pcb;

/** @brief One pinger: a raw ICMP pcb and the last reply it matched. */
struct pinger {
    struct raw_pcb *pcb;      /**< lwIP's, bound to ICMP */
    ip_addr_t to;             /**< the address pinged */
    uint16_t id;              /**< the echo identifier of our requests */
    struct waitqueue wq;      /**< the caller waits here for a reply */
    volatile int reply_seq;   /**< the sequence number of the last reply, -1 for none */
    volatile int reply_ttl;   /**< its IP TTL */
    volatile unsigned replies; /**< replies matched so far */
    uint64_t reply_ns;        /**< hal_time_ns() when it came */
};

/** @brief Open a pinger of the IPv4 address @p addr. 0, -EINVAL (not an
 *         address), -ENOMEM. Thread context, without net_lock(). */
int ping_open(struct pinger *pg, const char *addr);
/** @brief Send echo request @p seq with @p payload bytes of data (at most
 *         1400). 0, -ENOMEM, or -EIO when there is no route. */
int ping_send(struct pinger *pg, uint16_t seq, unsigned payload);
/** @brief Wait until the reply to @p seq came (1) or hal_time_ns() passed
 *         @p deadline (0); @p cancel: returns -EINTR when it says so. */
int ping_wait(struct pinger *pg, uint16_t seq, uint64_t deadline, int (*cancel)(void));
/** @brief Close it; nothing of it is left in lwIP. */
void ping_close(struct pinger *pg);

#endif
