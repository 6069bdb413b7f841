/**
 * @file kernel/dma.h
 * @brief Memory for devices that read and write it themselves (virtio rings
 *        and buffers): physically contiguous, aligned, with both addresses;
 *        and the cache synchronisation around each transfer.
 *
 * The buffers are normal cacheable memory. A device that snoops the CPU
 * caches (QEMU's virtio and PCIe, every x86 device) needs nothing more; one
 * that does not would read stale RAM under the CPU's dirty lines, and the
 * CPU would read stale lines over what the device wrote. So every transfer
 * is bracketed, whatever the platform:
 *
 *     write the request into req.virt;
 *     dma_sync_for_device(dev, &req, 0, n, DMA_TO_DEVICE);
 *     dma_sync_for_device(dev, &resp, 0, m, DMA_FROM_DEVICE);
 *     dev_write32(dev, DOORBELL, 1);     // ordered after both (hal/mmio.h)
 *     ... the device completes (interrupt, status register) ...
 *     dma_sync_for_cpu(dev, &resp, 0, m, DMA_FROM_DEVICE);
 *     read resp.virt;
 *
 * A driver with rings and buffers of its own makes these calls itself. A
 * virtio driver does not: the virtqueue (drivers/virtio/virtq.c) syncs its
 * rings and every buffer it is given, in the direction each descriptor
 * says, through dma_sync_single_for_device() / dma_sync_single_for_cpu()
 * (for memory that is not a dma_alloc() buffer: a block request's data, a
 * driver's headers), as Linux's virtio_ring does with its DMA API.
 *
 * Whether the device is coherent comes from its description
 * (struct device::dma_coherent: the DT `dma-coherent` property); for a
 * coherent device the calls check their arguments and return, inline, so
 * they cost a few compares where QEMU's devices are concerned
 * (`bench: dma_sync_coherent`).
 */
#ifndef KERNEL_DMA_H
#define KERNEL_DMA_H

#include <kernel/driver.h>
#include <stddef.h>
#include <stdint.h>

/** @brief A DMA buffer: where the CPU sees it and where the device does. */
struct dma_buf {
    void *virt;     /**< kernel virtual address (direct map) */
    uint64_t phys;  /**< physical (bus) address for the device */
    size_t size;    /**< bytes usable, at least what was asked for */
};

/**
 * @brief Allocate @p size zeroed bytes, physically contiguous, aligned to
 *        @p align (a power of two; page alignment at least).
 * @retval 0 allocated, @p out filled
 * @retval -EINVAL size 0, bad or too large alignment, or larger than the
 *         largest contiguous block
 * @retval -ENOMEM no such block free
 */
int dma_alloc(size_t size, size_t align, struct dma_buf *out);

/** @brief Free a dma_alloc() buffer and clear @p b. */
void dma_free(struct dma_buf *b);

/** @brief Which way a transfer moves data. */
enum dma_dir {
    DMA_TO_DEVICE,     /**< the device reads what the CPU wrote */
    DMA_FROM_DEVICE,   /**< the device writes, the CPU reads after */
    DMA_BIDIRECTIONAL, /**< both (a descriptor the device updates in place) */
};

/**
 * @brief Hand [off, off + len) of @p buf to @p dev: after this the device
 *        sees what the CPU wrote, and no dirty line of the CPU's can later
 *        land on what the device writes.
 *
 * Non-coherent device: DMA_TO_DEVICE cleans the range (hal_dcache_clean());
 * DMA_FROM_DEVICE invalidates it (hal_dcache_inval(): lines only partly in
 * the range are cleaned too, never discarded); DMA_BIDIRECTIONAL cleans and
 * invalidates. Coherent device: nothing. Call it after the last CPU write
 * and before the register write that starts the transfer; the ordered
 * accessors (hal/mmio.h) keep that write after the maintenance.
 *
 * The CPU must not write the range, or anything sharing its cache lines,
 * until dma_sync_for_cpu(): a buffer the device writes gets lines of its
 * own (dma_alloc() gives page-aligned buffers).
 *
 * @param dev the device doing the DMA (its dma_coherent decides)
 * @param buf a dma_alloc() buffer
 * @param off, len the part of @p buf the transfer uses; len 0 does nothing
 * @param dir the direction of the transfer
 * @retval 0 done
 * @retval -EINVAL NULL @p dev, @p buf or buf->virt, a range beyond buf->size
 *         (or wrapping), or a @p dir not in enum dma_dir; a warning names
 *         the caller
 * @note ISR-safe, never sleeps, no allocation, no lock. Inline: for a
 *       coherent device only the argument checks run.
 */
static inline int dma_sync_for_device(const struct device *dev, const struct dma_buf *buf,
                                      size_t off, size_t len, enum dma_dir dir);

/**
 * @brief Take [off, off + len) of @p buf back from @p dev once the transfer
 *        is complete: the CPU's next reads see what the device wrote.
 *
 * Non-coherent device: DMA_FROM_DEVICE and DMA_BIDIRECTIONAL invalidate the
 * range again (the CPU may have fetched lines speculatively while the
 * device was writing); DMA_TO_DEVICE does nothing. Coherent device:
 * nothing. Call it after the completion was seen (an interrupt, or a status
 * register read with an ordered accessor) and before reading the buffer.
 * @return as dma_sync_for_device()
 * @note ISR-safe, never sleeps, no allocation, no lock.
 */
static inline int dma_sync_for_cpu(const struct device *dev, const struct dma_buf *buf,
                                   size_t off, size_t len, enum dma_dir dir);

/**
 * @brief dma_sync_for_device() for [@p virt, @p virt + @p len) of ordinary
 *        kernel memory rather than a dma_alloc() buffer: a block request's
 *        data, a header inside a driver's own structure.
 *
 * The range must lie in the direct map (kmalloc() memory, pages of the
 * page allocator, hal_phys_to_virt() of a RAM page); a buffer mapped
 * elsewhere (vmalloc, the kernel image) is synced piece by piece through
 * the direct-map addresses of its pages, which reach the same cache lines
 * (data caches are physically tagged). The same rules hold as for
 * dma_alloc() buffers: a range the device writes must not share a cache
 * line with anything the CPU writes before dma_sync_single_for_cpu()
 * (dma_cache_alignment() says how far apart to keep them).
 *
 * @param dev the device doing the DMA (its dma_coherent decides)
 * @param virt first byte, a direct-map address
 * @param len bytes; 0 does nothing
 * @param dir the direction of the transfer
 * @retval 0 done
 * @retval -EINVAL NULL @p dev or @p virt, a range that wraps, a @p dir not
 *         in enum dma_dir, or (non-coherent device only: the check walks
 *         the page tables) a range not wholly in the direct map; a warning
 *         names the caller
 * @note ISR-safe, never sleeps, no allocation, no lock. Inline: for a
 *       coherent device only the argument checks run.
 */
static inline int dma_sync_single_for_device(const struct device *dev, void *virt, size_t len,
                                             enum dma_dir dir);

/**
 * @brief dma_sync_for_cpu() for [@p virt, @p virt + @p len) of ordinary
 *        kernel memory (see dma_sync_single_for_device()).
 * @return as dma_sync_single_for_device()
 * @note ISR-safe, never sleeps, no allocation, no lock.
 */
static inline int dma_sync_single_for_cpu(const struct device *dev, void *virt, size_t len,
                                          enum dma_dir dir);

/**
 * @brief How far apart to keep memory a device writes from memory the CPU
 *        writes meanwhile: the data cache line size (hal_dcache_line_size()),
 *        a power of two. A driver that packs several DMA areas into one
 *        allocation (one status byte per request slot) spaces them by this.
 * @note Any context.
 */
size_t dma_cache_alignment(void);

/**
 * @brief What a test is told about each range the DMA calls maintain: the
 *        device, the range, the call's direction and whether it was the
 *        _for_cpu() half.
 */
typedef void (*dma_sync_watch_fn)(const struct device *dev, const void *virt, size_t len,
                                  enum dma_dir dir, int for_cpu);

/**
 * @brief Have @p fn told of every cache maintenance the DMA sync calls do
 *        from now on (for tests: counting what a driver's requests get on
 *        a device marked not coherent); NULL stops it.
 *
 * Only calls that maintain something are reported: a non-coherent device,
 * a length above 0, and not the for_cpu half of DMA_TO_DEVICE (which has
 * nothing to do). @p fn runs after the maintenance, in the caller's
 * context (interrupt handlers included), so it must be ISR-safe and must
 * not call the DMA sync functions. One watcher at a time.
 * @return the watcher it replaces (NULL if none)
 * @note Any context. A call already under way on another CPU may still
 *       reach the previous watcher, which must stay callable.
 */
dma_sync_watch_fn dma_sync_watch(dma_sync_watch_fn fn);

/** @cond INTERNAL */
/* The out-of-line half: cache maintenance for non-coherent devices, and the
 * warning for bad arguments. for_cpu says which of the two calls it is. */
int dma_sync_slow(const struct device *dev, const struct dma_buf *buf, size_t off, size_t len,
                  enum dma_dir dir, int for_cpu);

static inline int dma_sync_args_ok(const struct device *dev, const struct dma_buf *buf,
                                   size_t off, size_t len, enum dma_dir dir)
{
    return dev && buf && buf->virt && off <= buf->size && len <= buf->size - off &&
           (unsigned)dir <= DMA_BIDIRECTIONAL;
}

/* The same for a bare range (dma_sync_single_*()); where it lies is checked
 * out of line, and only when there is maintenance to do. */
int dma_sync_single_slow(const struct device *dev, void *virt, size_t len, enum dma_dir dir,
                         int for_cpu);

static inline int dma_sync_single_args_ok(const struct device *dev, const void *virt, size_t len,
                                          enum dma_dir dir)
{
    return dev && virt && len <= UINTPTR_MAX - (uintptr_t)virt &&
           (unsigned)dir <= DMA_BIDIRECTIONAL;
}
/** @endcond */

static inline int dma_sync_for_device(const struct device *dev, const struct dma_buf *buf,
                                      size_t off, size_t len, enum dma_dir dir)
{
    if (dma_sync_args_ok(dev, buf, off, len, dir) && dev->dma_coherent)
        return 0;
    return dma_sync_slow(dev, buf, off, len, dir, 0);
}

static inline int dma_sync_for_cpu(const struct device *dev, const struct dma_buf *buf,
                                   size_t off, size_t len, enum dma_dir dir)
{
    if (dma_sync_args_ok(dev, buf, off, len, dir) && dev->dma_coherent)
        return 0;
    return dma_sync_slow(dev, buf, off, len, dir, 1);
}

static inline int dma_sync_single_for_device(const struct device *dev, void *virt, size_t len,
                                             enum dma_dir dir)
{
    if (dma_sync_single_args_ok(dev, virt, len, dir) && dev->dma_coherent)
        return 0;
    return dma_sync_single_slow(dev, virt, len, dir, 0);
}

static inline int dma_sync_single_for_cpu(const struct device *dev, void *virt, size_t len,
                                          enum dma_dir dir)
{
    if (dma_sync_single_args_ok(dev, virt, len, dir) && dev->dma_coherent)
        return 0;
    return dma_sync_single_slow(dev, virt, len, dir, 1);
}

#endif
