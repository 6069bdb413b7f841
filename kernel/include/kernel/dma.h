/**
 * @file kernel/dma.h
 * @brief Memory for devices that read and write it themselves (virtio rings
 *        and buffers): physically contiguous, aligned, with both addresses.
 *
 * Normal cacheable memory: QEMU's virtio devices are cache-coherent. A
 * non-coherent device would need the cache maintenance of hal/cache.h
 * around each transfer.
 */
#ifndef KERNEL_DMA_H
#define KERNEL_DMA_H

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
 * @retval 0 @retval -EINVAL size 0, bad or too large alignment, or larger
 *         than the largest contiguous block @retval -ENOMEM no such block free
 */
int dma_alloc(size_t size, size_t align, struct dma_buf *out);

/** @brief Free a dma_alloc() buffer and clear @p b. */
void dma_free(struct dma_buf *b);

#endif
