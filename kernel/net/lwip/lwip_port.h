/**
 * @file lwip_port.h
 * @brief What kernel/net/lwip/sys_arch.c offers the rest of kernel/net.
 */
#ifndef KERNEL_NET_LWIP_PORT_H
#define KERNEL_NET_LWIP_PORT_H

#include <stddef.h>

/** The least the stack may take from the heap, whatever the RAM. */
#define LWIP_PORT_HEAP_CAP_MIN (8u << 20)

/** @brief Keep small blocks for lwIP from the start (before its timers run). */
void lwip_port_keep_small(void);
/** @brief Let lwIP take at most @p bytes of the heap (at least the minimum). */
void lwip_port_heap_cap(size_t bytes);
/** @brief What lwIP holds of the heap now: bytes and blocks. */
void lwip_port_heap(size_t *bytes, size_t *blocks);
/** @brief The core lock is about to be released: the devices are told of
 *  the frames sent under it (kernel/net/lwip/netif.c). Core lock held. */
void lwip_port_core_unlocking(void);

#endif
