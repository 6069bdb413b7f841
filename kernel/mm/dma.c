/**
 * @file dma.c
 * @brief DMA buffers from buddy blocks (naturally aligned to their size), and
 *        the cache maintenance non-coherent devices need around a transfer.
 */
#include <hal/cache.h>
#include <hal/mmu.h>
#include <kernel/dma.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/string.h>

int dma_alloc(size_t size, size_t align, struct dma_buf *out)
{
    *out = (struct dma_buf){0};
    if (size == 0 || align == 0 || (align & (align - 1))) {
        pr_warn("dma_alloc: bad request (%zu bytes, alignment %zu)", size, align);
        return -EINVAL;
    }
    /* A block of 2^order pages is aligned to its own size. */
    unsigned order = buddy_order_for(size > align ? size : align);
    if (order > BUDDY_MAX_ORDER) {
        pr_warn("dma_alloc: %zu bytes aligned to %zu exceed the largest contiguous block", size, align);
        return -EINVAL;
    }
    uint64_t pa = pmm_alloc(order);
    if (!pa)
        return -ENOMEM;
    out->phys = pa;
    out->virt = hal_phys_to_virt(pa);
    out->size = PAGE_SIZE << order;
    memset(out->virt, 0, out->size);
    return 0;
}

void dma_free(struct dma_buf *b)
{
    if (b->phys)
        pmm_free(b->phys, buddy_order_for(b->size));
    *b = (struct dma_buf){0};
}

/*
 * Cache maintenance around a transfer for a device that does not snoop
 * (and the one place bad arguments are reported: the inline fast path in
 * kernel/dma.h sends them here).
 *
 * Before the device writes (DMA_FROM_DEVICE), the range is invalidated so
 * no dirty line of ours can be evicted later over the device's data; after,
 * it is invalidated again because the CPU may have refilled lines
 * speculatively in between. hal_dcache_inval() cleans lines that are only
 * partly in the range instead of discarding another owner's bytes.
 */
int dma_sync_slow(const struct device *dev, const struct dma_buf *buf, size_t off, size_t len,
                  enum dma_dir dir, int for_cpu)
{
    const char *what = for_cpu ? "dma_sync_for_cpu" : "dma_sync_for_device";
    if (!dma_sync_args_ok(dev, buf, off, len, dir)) {
        char who[KSYM_NAME_MAX];
        ksym_name((uintptr_t)__builtin_return_address(0), who, sizeof who);
        if (!dev || !buf || !buf->virt)
            pr_warn("%s: no %s (from %s)", what, !dev ? "device" : "buffer", who);
        else if ((unsigned)dir > DMA_BIDIRECTIONAL)
            pr_warn("%s: %s: bad direction %u (from %s)", what, dev->name, (unsigned)dir, who);
        else
            pr_warn("%s: %s: range %#zx+%#zx is outside the %#zx-byte buffer (from %s)", what,
                    dev->name, off, len, buf->size, who);
        return -EINVAL;
    }
    if (dev->dma_coherent || len == 0)
        return 0;
    void *p = (uint8_t *)buf->virt + off;
    if (for_cpu)
        return dir == DMA_TO_DEVICE ? 0 : hal_dcache_inval(p, len);
    switch (dir) {
    case DMA_TO_DEVICE:
        return hal_dcache_clean(p, len);
    case DMA_FROM_DEVICE:
        return hal_dcache_inval(p, len);
    default:
        return hal_dcache_clean_inval(p, len);
    }
}
