/*
 * families.h: kernel/net's own socket families, which socket.c's
 * sock_families_init() registers at boot. Private to kernel/net/.
 */
#ifndef KERNEL_NET_FAMILIES_H
#define KERNEL_NET_FAMILIES_H

/** AF_UNIX (unix.c). */
void unix_register(void);
/** A socket's descriptor was closed: collect the AF_UNIX sockets in flight
 *  that nothing reaches any more, if any are in flight (unix.c). */
void unix_closed(void);

/** AF_NETLINK, NETLINK_ROUTE (netlink.c). */
void netlink_register(void);

/** AF_PACKET (packet.c). */
void packet_register(void);

#endif
