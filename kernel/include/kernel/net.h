/**
 * @file kernel/net.h
 * @brief The TCP/IP stack as the rest of the kernel sees it: started at
 *        boot, configured from the command line (kernel/net/, lwIP).
 *
 * Nothing outside kernel/net includes lwIP's headers; the socket families
 * (kernel/net/) use lwIP's raw API under net_lock() (kernel/net/net_internal.h).
 */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stddef.h>

/**
 * @brief Start the stack (lwIP's tcpip thread, the loopback interface
 *        127.0.0.1, and the registry's interfaces as they come). Thread
 *        context, once, at boot (kernel/init).
 */
void net_init(void);

/** @brief Wait until net_init() has finished, however soon after boot it
 *         is called (threads). 0. */
int net_wait_ready(void);

/**
 * @brief The kernel command line's `ip=` word, @p n bytes at @p s:
 *        `ip=off` (no address: interfaces stay down but for loopback),
 *        `ip=dhcp` (the default), `ip=<addr>/<prefix>[:<gw>]`, or Linux's
 *        `ip=<client>:<server>:<gw>:<netmask>[:...]`. Applies to the first
 *        Ethernet interface; the others use DHCP.
 * @return 0, or -EINVAL (the word is reported and DHCP is used)
 */
int net_set_ip_option(const char *s, size_t n);

#endif
