/**
 * @file stack.h
 * @brief Between kernel/net/lwip's files: the netif glue's start.
 */
#ifndef KERNEL_NET_LWIP_STACK_H
#define KERNEL_NET_LWIP_STACK_H

/** @brief Register with the interface registry (netdev_set_stack()); the
 *         stack is up. */
void lwip_glue_start(void);

#endif
