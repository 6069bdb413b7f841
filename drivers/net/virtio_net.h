/**
 * @file drivers/net/virtio_net.h
 * @brief What the virtio-net driver shows its tests (virtio_net_tests.c).
 */
#ifndef DRIVERS_NET_VIRTIO_NET_H
#define DRIVERS_NET_VIRTIO_NET_H

#include <kernel/netdev.h>
#include <stdint.h>

struct virtqueue;

/** @brief The virtio device behind @p d, or NULL if @p d is not a virtio-net interface. */
struct virtio_device *virtio_net_device(const struct netdev *d);

/**
 * @brief Check one used-ring entry of receive queue 0 of @p d as the
 *        receive path does (its token and the length the device wrote),
 *        without touching the ring: -EIO with a message and rx_errors
 *        counted for nonsense, 0 for an entry that could be real. For tests
 *        that cannot make QEMU write nonsense.
 */
int virtio_net_check_used(struct netdev *d, uintptr_t token, uint32_t len, unsigned nbufs);

/**
 * @brief Check a MAC address from a device's config as the probe does:
 *        0 if usable; else -EINVAL with a message, and @p mac replaced by
 *        a random locally administered unicast address.
 */
int virtio_net_check_mac(const char *who, uint8_t mac[ETH_ALEN]);

/**
 * @brief Post receive buffers of @p len bytes (header included; 0: the
 *        default) from now on, so a test can make frames span several
 *        mergeable buffers. -EINVAL below 32 or above the buffer's size.
 */
int virtio_net_set_rx_len(struct netdev *d, unsigned len);

/** @brief Whether @p d negotiated VIRTIO_NET_F_MRG_RXBUF (frames may come in pieces). */
int virtio_net_mergeable(const struct netdev *d);

/** @brief Queue @p index of @p d (2i: pair i's receive queue, 2i + 1: its
 *         transmit queue), or NULL. For tests (struct virtqueue's
 *         lose_notify and lose_irq). */
struct virtqueue *virtio_net_queue(const struct netdev *d, unsigned index);

/** @brief Tests: hold pair 0's receive thread (@p hold 1: it takes nothing
 *         off the ring, so the device runs out of buffers) or let it go (0). */
void virtio_net_hold_rx(struct netdev *d, int hold);

#endif
