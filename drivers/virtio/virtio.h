/**
 * @file drivers/virtio/virtio.h
 * @brief VirtIO 1.x: one device API over two transports (modern PCI and
 *        virtio-mmio version 2), split virtqueues, and how device drivers
 *        (virtio-blk first) bind.
 *
 * A transport driver (virtio_pci.c, virtio_mmio.c) finds a device, fills a
 * struct virtio_device with its operations and calls virtio_add(). That
 * resets the device, sets ACKNOWLEDGE and offers it to the driver model as
 * a child struct device with compatible "virtio,deviceN" (N the device id
 * in lowercase hex, as in the DT binding: "virtio,device2" is a block
 * device). A virtio device driver is an ordinary DRIVER() naming that
 * string; its probe finds its struct virtio_device in dev->bus_dev and:
 *
 *     virtio_negotiate(vd, wanted_features)      // FEATURES_OK, VERSION_1 required
 *     virtio_read_config(vd, off, &x, sizeof x)  // device config, generation-checked
 *     virtq_create(vd, index, size, callback)    // per queue
 *     virtio_setup_irqs(vd)                      // MSI-X vector per queue, or one shared
 *     virtio_driver_ok(vd)                       // DRIVER_OK: the device is live
 *
 * Any failure on the way: virtio_fail(vd, why) resets the device, sets
 * FAILED, frees its queues and says why; a device is never left half set up.
 *
 * The queues own DMA: virtq_add() syncs each buffer for the transport's
 * device in the direction its descriptor says, virtq_get() syncs back what
 * the device wrote, and the rings are synced around every index and entry
 * (kernel/dma.h; nothing on a coherent device). A device driver hands the
 * queue physically contiguous pieces of direct-mapped memory and never
 * maintains caches itself.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <kernel/dma.h>
#include <kernel/driver.h>
#include <stddef.h>
#include <stdint.h>

/** @name Device status bits (VirtIO 1.2, 2.1) */
/** @{ */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u /**< the driver has seen the device */
#define VIRTIO_STATUS_DRIVER 2u /**< the driver knows how to drive it */
#define VIRTIO_STATUS_DRIVER_OK 4u /**< the driver is ready: queues live */
#define VIRTIO_STATUS_FEATURES_OK 8u /**< feature negotiation done */
#define VIRTIO_STATUS_NEEDS_RESET 64u /**< the device hit an error and needs a reset */
#define VIRTIO_STATUS_FAILED 128u /**< the driver gave up on the device */
/** @} */

/** @name Device-independent feature bits */
/** @{ */
#define VIRTIO_F_INDIRECT_DESC 28 /**< indirect descriptor tables */
#define VIRTIO_F_EVENT_IDX 29 /**< used_event / avail_event notification suppression */
#define VIRTIO_F_VERSION_1 32 /**< VirtIO 1.x (not legacy) */
#define VIRTIO_F_ACCESS_PLATFORM 33 /**< DMA goes through a platform IOMMU */
/** @} */

#define VIRTIO_ID_BLOCK 2u /**< virtio-blk's device id */

struct virtio_device;
struct virtqueue;

/** @brief What a transport does; every device driver call lands here. */
struct virtio_transport_ops {
    uint8_t (*get_status)(struct virtio_device *vd);             /**< device status */
    void (*set_status)(struct virtio_device *vd, uint8_t status); /**< write status (0 resets) */
    uint64_t (*get_features)(struct virtio_device *vd);           /**< device features, all 64 bits */
    void (*set_features)(struct virtio_device *vd, uint64_t f);   /**< driver features */
    /** Read @p len bytes (1, 2, 4 or 8) of device config at @p off. */
    uint64_t (*config_read)(struct virtio_device *vd, unsigned off, unsigned len);
    void (*config_write)(struct virtio_device *vd, unsigned off, uint64_t v, unsigned len); /**< write config */
    uint32_t (*config_generation)(struct virtio_device *vd);      /**< config generation counter */
    unsigned (*queue_max)(struct virtio_device *vd, unsigned idx); /**< largest size, 0: no such queue */
    /** Give queue @p vq's ring addresses and size to the device and enable it. */
    int (*queue_enable)(struct virtio_device *vd, struct virtqueue *vq);
    void (*notify)(struct virtqueue *vq);                         /**< tell the device the queue has work */
    /** Allocate and route interrupts: one per queue if possible, else one for all. */
    int (*setup_irqs)(struct virtio_device *vd);
    void (*free_irqs)(struct virtio_device *vd);                  /**< undo setup_irqs */
};

/** @brief One virtio device, whatever its transport. */
struct virtio_device {
    const struct virtio_transport_ops *ops; /**< the transport's operations */
    struct device *transport;               /**< the transport's device (DMA coherence, name) */
    struct device *dev;                     /**< the child device the driver bound, or NULL */
    uint32_t device_id;                     /**< VIRTIO_ID_* */
    uint64_t features;                      /**< negotiated features */
    /** 1 for a legacy (pre-1.0) device, which a transport may drive (virtio-mmio
     *  version 1): no VERSION_1 feature and no FEATURES_OK step in
     *  virtio_negotiate(); its rings are the transport's business. */
    unsigned legacy;
    struct virtqueue *vqs[16];              /**< queues by index, NULL if not created */
    unsigned nvqs;                          /**< 1 + highest index created */
    void (*config_changed)(struct virtio_device *vd); /**< driver's callback, may be NULL */
    void *priv;                             /**< the transport's state */
    void *driver_priv;                      /**< the device driver's state */
    char name[32];                          /**< "virtio-pci 00:03.0", "virtio-mmio@a003e00" */
};

/**
 * @brief A transport found a device: reset it, ACKNOWLEDGE, and offer it to
 *        the driver model (compatible "virtio,deviceN").
 * @p vd must live as long as the device (the transport allocates it).
 * @return device_add()'s result (-ENODEV: no driver for that device id,
 *         which is not an error: the device stays reset)
 */
int virtio_add(struct virtio_device *vd);

/**
 * @brief Reset the device: write status 0 and wait (at most 100 ms) until
 *        it reads back 0, as both transports require (VirtIO 1.2, 4.1.4.3.2
 *        and 4.2.2.1).
 * @retval 0 reset; -ETIMEDOUT the device kept a status
 */
int virtio_reset(struct virtio_device *vd);

/** @brief The virtio device behind a bound child device (dev->bus_dev). */
struct virtio_device *virtio_dev_of(const struct device *dev);

/**
 * @brief DRIVER, then features: the device's features & @p wanted (plus
 *        VERSION_1, which is required) are written, FEATURES_OK set and
 *        read back.
 * @retval 0 negotiated; vd->features holds the result
 * @retval -ENODEV the device does not offer VERSION_1 (a legacy-only device)
 * @retval -EIO the device refused the features (FEATURES_OK did not stick)
 */
int virtio_negotiate(struct virtio_device *vd, uint64_t wanted);

/** @brief Whether feature bit @p bit was negotiated. */
static inline int virtio_has(const struct virtio_device *vd, unsigned bit)
{
    return (vd->features >> bit) & 1;
}

/**
 * @brief Read @p len bytes of device config at @p off into @p buf,
 *        retrying until the generation counter is the same before and after.
 */
void virtio_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len);

/** @brief Set DRIVER_OK: the queues are live. */
void virtio_driver_ok(struct virtio_device *vd);

/**
 * @brief Give up on the device: reset it, set FAILED, free its queues and
 *        interrupts, and print "<name>: <why>". Returns -EIO for the probe to return.
 */
int virtio_fail(struct virtio_device *vd, const char *why);

/** @brief Whether the device says it needs a reset (DEVICE_NEEDS_RESET); drivers check it on errors. */
int virtio_needs_reset(struct virtio_device *vd);

/* ---- split virtqueues ---- */

/**
 * @brief One buffer of a request: a physically contiguous piece of RAM in
 *        the direct map (see dma_sync_single_for_device()). The queue syncs
 *        it for the device in virtq_add() and, if the device writes it, for
 *        the CPU in virtq_get(); the driver does no cache maintenance.
 */
struct virtq_buf {
    uint64_t phys;  /**< bus address */
    uint32_t len;   /**< bytes */
    /** 1: the device writes it (VIRTQ_DESC_F_WRITE; synced DMA_FROM_DEVICE),
     *  0: it reads it (DMA_TO_DEVICE). */
    int device_writes;
};

/** @brief Called from the queue's interrupt with work to collect (virtq_get()). */
typedef void (*virtq_callback)(struct virtqueue *vq);

/**
 * @brief How a queue syncs memory for its device: dma_sync_single_for_device()
 *        (@p for_cpu 0) or dma_sync_single_for_cpu() (1) of kernel/dma.h, with
 *        their arguments and results. virtq_create() gives the queue one that
 *        calls them; virtq.c itself never calls the DMA layer, so the ring runs
 *        in the host unit test without it.
 */
typedef int (*virtq_dma_sync_fn)(const struct device *dev, void *virt, size_t len,
                                 enum dma_dir dir, int for_cpu);

/** @brief A split virtqueue: descriptor table, available and used rings in DMA memory. */
struct virtqueue {
    struct virtio_device *vd;  /**< its device */
    unsigned index;            /**< queue index */
    unsigned size;             /**< entries (a power of two) */
    virtq_callback callback;   /**< what the interrupt calls, may be NULL */
    unsigned irq;              /**< kernel interrupt number serving it, if any */
    void *priv;                /**< the ring's own state (virtq.c) */
    void *driver_priv;         /**< the device driver's */
    /* Transport-visible layout, filled by virtq_create(). */
    uint64_t desc_phys;        /**< descriptor table, for the device */
    uint64_t avail_phys;       /**< available ring, for the device */
    uint64_t used_phys;        /**< used ring, for the device */
    uint32_t notify_data;      /**< what notify() writes (the queue index) */
    uint32_t notify_off;       /**< PCI: this queue's notify register, in the notify region */
    /** The device whose DMA reaches the rings and buffers (the transport's
     *  struct device: a PCI function, a virtio-mmio slot); its dma_coherent
     *  decides whether the queue does cache maintenance. Set by
     *  virtq_set_dma(); NULL: none (the memory is shared coherently). */
    const struct device *dma_dev;
    virtq_dma_sync_fn dma_sync; /**< how the queue syncs for dma_dev, NULL with it */
    /** Tests: this many notifications virtq_kick() finds the device wants
     *  are dropped instead, as if the device had missed them (drivers'
     *  recovery from a lost notification is tested with it). */
    volatile unsigned lose_notify;
    /** Tests: this many of the queue's interrupts are ignored, as if lost
     *  (virtq_interrupt()). */
    volatile unsigned lose_irq;
};

/** @brief The queue's interrupt (the transports call it): its callback,
 *         unless a test has it lost (lose_irq). */
static inline void virtq_interrupt(struct virtqueue *vq)
{
    if (vq->lose_irq) {
        vq->lose_irq--;
        return;
    }
    if (vq->callback)
        vq->callback(vq);
}

/**
 * @brief Create queue @p index with at most @p max entries (0: the device's
 *        maximum; always a power of two no larger than the device allows).
 * @return the queue, or NULL (no such queue, no memory, or the device
 *         refused it; a message says which)
 */
struct virtqueue *virtq_create(struct virtio_device *vd, unsigned index, unsigned max,
                               virtq_callback cb);

/**
 * @brief Put a request of @p n buffers (the device-readable ones first) on
 *        the available ring, with @p token to be returned by virtq_get().
 *        Uses one indirect descriptor when negotiated and @p n > 1, else a
 *        chain. Does not notify: call virtq_kick() after adding.
 *
 * Each buffer is synced for the device (DMA_TO_DEVICE, or DMA_FROM_DEVICE
 * for one the device writes), then the descriptors and the avail entry,
 * then the avail idx: on a non-coherent device the driver must not touch
 * the buffers (nor anything sharing their cache lines) until virtq_get()
 * returns the token.
 * @retval 0 added
 * @retval -ENOSPC not enough free descriptors now (retry after completions)
 * @retval -EINVAL @p n 0, too many buffers, a zero length, a readable
 *         buffer after a writable one, or (non-coherent device) a buffer
 *         the DMA layer cannot sync (not in the direct map); nothing added
 * @note Any context; the caller serialises calls on one queue.
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned n, void *token);

/** @brief Notify the device if it wants to be (EVENT_IDX / NO_NOTIFY). Returns 1 if notified. */
int virtq_kick(struct virtqueue *vq);

/** @brief Completions on the used ring that virtq_get() has not taken yet. */
unsigned virtq_pending(const struct virtqueue *vq);

/**
 * @brief Take the next completed request off the used ring; the buffers
 *        the device wrote are synced for the CPU (DMA_FROM_DEVICE) before
 *        it returns, so the caller may read them at once.
 * @param vq the queue
 * @param len receives the bytes the device wrote (may be NULL)
 * @return its token, or NULL if none is complete
 */
void *virtq_get(struct virtqueue *vq, uint32_t *len);

/** @brief Ask for an interrupt on the next completion; returns 1 if completions already wait (poll again). */
int virtq_enable_cb(struct virtqueue *vq);
/** @brief Suppress completion interrupts (a hint the device may ignore). */
void virtq_disable_cb(struct virtqueue *vq);

/** @brief Free descriptors now. */
unsigned virtq_free_count(const struct virtqueue *vq);

/** @brief Free a queue's memory (after a reset; virtio_fail() does it for every queue). */
void virtq_destroy(struct virtqueue *vq);

/**
 * @brief Descriptors in one indirect table: the most buffers one request
 *        may have. 130 holds a block request of 128 scattered pages (512 KiB,
 *        the page cache's read-ahead window) with its header and status, so
 *        such a window is one request to the device, not two; each of a
 *        queue's entries has a table (2 KiB), which is why virtio-blk asks
 *        for 128 entries rather than the device's largest queue.
 */
#define VIRTQ_INDIRECT_MAX 130u

/**
 * @brief Where the used ring and the indirect tables start in a queue's
 *        memory: a page, so the used ring (the only part the device writes)
 *        shares no cache line with what the driver writes (a line is at most
 *        2 KiB). A legacy virtio-mmio device is told the same (QueueAlign).
 */
#define VIRTQ_USED_ALIGN 4096u

/**
 * @brief Have @p vq sync its rings and buffers for @p dev with @p sync
 *        (see virtq_dma_sync_fn), and hand the whole queue to it: cleaned
 *        and invalidated, if @p dev is not coherent. virtq_create() does it
 *        with the transport's device; a test may point a live queue at
 *        another description of the same device (one marked not coherent)
 *        and back, with no request in flight. @p dev NULL: no maintenance.
 * @note Any context; the caller serialises it with the queue's other calls.
 */
void virtq_set_dma(struct virtqueue *vq, const struct device *dev, virtq_dma_sync_fn sync);

/**
 * @brief Where the parts of a queue of @p size entries lie in its memory:
 *        the available ring, the used ring and the indirect tables, as
 *        byte offsets from the descriptor table, and the total.
 * @retval 0 done; -EINVAL @p size 0, over 32768 or not a power of two
 */
int virtq_layout(unsigned size, size_t *avail_off, size_t *used_off, size_t *ind_off,
                 size_t *total);

/**
 * @brief Allocate a queue of @p size entries in DMA memory, in its initial
 *        state, without telling any device (virtq_create() does that).
 *        The features of @p vd (may be NULL: none) choose indirect
 *        descriptors and EVENT_IDX.
 * @return the queue, or NULL (bad size or no memory)
 */
struct virtqueue *virtq_alloc(struct virtio_device *vd, unsigned index, unsigned size);

/** @brief Back to the initial state (after a device reset): empty rings, all free, tokens dropped. */
void virtq_reset_state(struct virtqueue *vq);

/** @brief A queue's indices as the driver and the device left them (for diagnostics). */
struct virtq_snapshot {
    uint16_t avail_idx;   /**< next available entry the driver will fill */
    uint16_t last_used;   /**< next used entry the driver will take */
    uint16_t used_idx;    /**< the device's used index */
    uint16_t used_event;  /**< where the driver asked for the next interrupt (EVENT_IDX) */
    uint16_t avail_event; /**< where the device asked for the next notification (EVENT_IDX) */
    uint16_t used_flags;  /**< the device's used-ring flags (NO_NOTIFY) */
    unsigned in_flight;   /**< descriptors the device holds */
};

/** @brief Read @p vq's indices into @p out. Any context; the caller serialises with the queue. */
void virtq_state(const struct virtqueue *vq, struct virtq_snapshot *out);

/** @brief Descriptors the device holds now. */
unsigned virtq_in_flight(const struct virtqueue *vq);

/**
 * @brief After a device reset: take the token of one request the device
 *        still held (NULL when none is left). Call virtq_reset_state() after
 *        the last.
 */
void *virtq_detach_next(struct virtqueue *vq);

#endif
