/**
 * @file kernel/netdev.h
 * @brief A network interface as its driver sees it: register it, hand the
 *        stack each frame received, send what the stack gives (kernel/net/).
 *
 * A driver (drivers/net/virtio_net.c) fills a struct netdev and calls
 * netdev_register(); the registry (kernel/net/netdev.c) names it (eth0,
 * eth1, ...) and hands it to the stack that registered with
 * netdev_set_stack(), which makes it an lwIP netif and brings it up (DHCP
 * or `ip=`, docs/networking.md).
 * Frames go out through ops->xmit() and come in through netdev_rx(), in
 * Ethernet II form without the FCS. The stack runs in threads: netdev_rx()
 * is called from the driver's receive thread (or any thread), never from
 * an interrupt handler, and ops->xmit() is called from threads holding
 * the stack's lock, so it must not wait for long.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <kernel/list.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_NAME_MAX 16 /**< bytes of an interface's name, NUL included (IFNAMSIZ) */
#define ETH_ALEN 6         /**< bytes of a MAC address */
#define ETH_HLEN 14        /**< bytes of an Ethernet II header */

/** @name What a device does for the stack (netdev.features) */
/** @{ */
/** It fills in the TCP and UDP checksums of frames sent (xmit() gets a
 *  struct netdev_csum saying where): the stack leaves them to it. */
#define NETDEV_F_TX_CSUM 0x1
/** It checks the TCP and UDP checksums of frames received, and says so per
 *  frame with NETDEV_RX_CSUM_OK: the stack does not check those again. */
#define NETDEV_F_RX_CSUM 0x2
/** It takes frames off its ring in passes, and calls netdev_rx_end() after
 *  each: the stack may hold back its ACKs for the pass's frames till then. */
#define NETDEV_F_RX_BATCH 0x4
/** @} */

/** @brief xmit() flags. */
#define NETDEV_XMIT_MORE 0x1 /**< more frames may follow: the driver may wait for flush() to tell the device */

/** @brief netdev_rx() flags. */
#define NETDEV_RX_CSUM_OK 0x1 /**< the device checked this frame's L4 checksum: good */

/** @brief A piece of a frame in kernel memory. */
struct netseg {
    const void *data; /**< where */
    size_t len;       /**< bytes */
};

/** @brief A checksum the device is asked to fill in (NETDEV_F_TX_CSUM):
 *         the 16-bit ones'-complement sum of the frame from byte @p start to
 *         the end, stored at @p start + @p offset, whose current content (the
 *         pseudo-header's sum, as Linux's CHECKSUM_PARTIAL) is part of it. */
struct netdev_csum {
    uint16_t start;  /**< where the summed part begins (the TCP or UDP header) */
    uint16_t offset; /**< where, from @p start, the result goes */
};

/** @brief Counters, as `net` and SIOCGIFCONF's users show them. Updated by
 *         the driver (rx_* and tx_* of frames it moved) and the layer. */
struct netdev_stats {
    uint64_t rx_packets; /**< frames received and passed on (netdev_rx()) */
    uint64_t rx_bytes;   /**< their bytes */
    uint64_t rx_dropped; /**< frames netdev_rx() refused (impossible lengths) */
    uint64_t rx_errors;  /**< nonsense from the device (the driver's count) */
    uint64_t tx_packets; /**< frames handed to the device */
    uint64_t tx_bytes;   /**< their bytes */
    uint64_t tx_dropped; /**< frames dropped for want of room (xmit()'s -EAGAIN) */
    uint64_t tx_errors;  /**< frames xmit() refused (-EIO) */
    uint64_t kicks_repeated; /**< the device was told again of work it sat on (a lost notification) */
    uint64_t irqs_missed;    /**< received frames found waiting with no interrupt for them */
};

struct netdev;

/** @brief A function that sees every frame @p d receives before the stack
 *         does (a capture, a test): @p fn NULL removes it. */
typedef void (*netdev_tap_fn)(struct netdev *d, const struct netseg *seg, unsigned nseg, void *arg);

/** @brief What the driver does. */
struct netdev_ops {
    /**
     * Send the frame made of @p nseg pieces (their lengths add up to at most
     * mtu + ETH_HLEN bytes) on queue @p queue (< nqueues; the caller's CPU's,
     * modulo). @p csum: NULL, or the checksum to fill (only with
     * NETDEV_F_TX_CSUM). The pieces may be reused once it returns (it copies,
     * or waits for the device). @p flags: NETDEV_XMIT_*; with
     * NETDEV_XMIT_MORE the caller calls flush() before it waits for anything,
     * and the device need not be told of the frame before then. 0, -EAGAIN
     * (no room for long: dropped and counted), or -EIO. Thread context, the
     * stack's lock held.
     */
    int (*xmit)(struct netdev *d, const struct netseg *seg, unsigned nseg,
                const struct netdev_csum *csum, unsigned queue, unsigned flags);
    /**
     * Optional: tell the device of every frame xmit() queued with
     * NETDEV_XMIT_MORE. The stack calls it when it releases its lock, so a
     * burst of segments costs the device (and, under a hypervisor, an exit)
     * one notification instead of one per frame. Thread context.
     */
    void (*flush)(struct netdev *d);
};

/** @brief A network interface (the driver's part, then the layer's). */
struct netdev {
    /* Filled by the driver before netdev_register(): */
    const struct netdev_ops *ops; /**< how to send */
    void *priv;                   /**< the driver's */
    uint8_t mac[ETH_ALEN];        /**< its hardware address */
    unsigned mtu;                 /**< bytes of an IP packet it carries (1500) */
    unsigned features;            /**< NETDEV_F_* */
    unsigned nqueues;             /**< transmit queues (1 or more) */
    const char *bus;              /**< what it sits on, for `net` ("virtio-pci 00:02.0") */
    /* Kept by the layer (the driver reads them, and updates stats): */
    char name[NETDEV_NAME_MAX]; /**< "eth0", set by netdev_register() */
    int index;                  /**< ifindex: 1 is lo, then 2, 3, ... in order of registration */
    volatile int link_up;       /**< the carrier, as netdev_set_link() last said */
    struct netdev_stats stats;  /**< counters (updated with atomics) */
    void *stack;                /**< the stack's (its lwIP netif) */
    netdev_tap_fn tap;          /**< netdev_set_tap()'s, or NULL */
    void *tap_arg;              /**< its argument */
    struct list_node node;      /**< in the layer's list */
};

/**
 * @brief Add @p d: named, made an interface of the stack, and brought up
 *        (its address from `ip=` or DHCP). Thread context.
 * @return 0, or -ENOMEM
 */
int netdev_register(struct netdev *d);

/** @brief The carrier of @p d came (@p up 1) or went; logged. Any thread. */
void netdev_set_link(struct netdev *d, int up);

/**
 * @brief A frame received on @p d, in @p nseg pieces (mergeable buffers:
 *        the header piece first). Copied: the pieces are the driver's again
 *        once it returns. @p flags: NETDEV_RX_* . Frames shorter than an
 *        Ethernet header, or longer than mtu + ETH_HLEN + 4, are dropped and
 *        counted. Thread context (never an interrupt handler).
 */
void netdev_rx(struct netdev *d, const struct netseg *seg, unsigned nseg, unsigned flags);

/**
 * @brief The driver's pass over its receive ring ended (NETDEV_F_RX_BATCH):
 *        what the stack held back for the frames netdev_rx() got in it (an
 *        ACK per connection) goes out now. Thread context.
 */
void netdev_rx_end(struct netdev *d);

/** @brief The TCP/IP stack's side (kernel/net/lwip/): told of each interface,
 *         each frame received and each change of carrier. */
struct netdev_stack {
    /** A new interface (or one registered before the stack came); it sets
     *  d->stack, and input() and link() are called for @p d only once it has. */
    void (*attach)(struct netdev *d);
    /** A frame received on @p d, as netdev_rx() got it (after the tap). */
    void (*input)(struct netdev *d, const struct netseg *seg, unsigned nseg, unsigned flags);
    /** The end of a receive pass on @p d (netdev_rx_end()). */
    void (*rx_end)(struct netdev *d);
    /** The carrier of @p d changed to @p up. */
    void (*link)(struct netdev *d, int up);
};

/** @brief The stack registers itself (once, at boot); interfaces registered
 *         before it are attached now. Thread context. */
void netdev_set_stack(const struct netdev_stack *s);

/** @brief Set @p d's tap to @p fn with @p arg (one per device); returns once
 *         no call of the old one is running. Thread context. */
void netdev_set_tap(struct netdev *d, netdev_tap_fn fn, void *arg);

/** @brief The interface named @p name, or NULL. */
struct netdev *netdev_find(const char *name);

/** @brief The interface whose ifindex is @p index, or NULL (lo, 1, is none). */
struct netdev *netdev_at(int index);

/** @brief Call @p fn for each registered interface, in order, until it returns nonzero. */
int netdev_each(int (*fn)(struct netdev *d, void *arg), void *arg);

#endif
