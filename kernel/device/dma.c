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

static dma_sync_watch_fn sync_watch;

dma_sync_watch_fn dma_sync_watch(dma_sync_watch_fn fn)
{
    return __atomic_exchange_n(&sync_watch, fn, __ATOMIC_ACQ_REL);
}

size_t dma_cache_alignment(void)
{
    return hal_dcache_line_size();
}

/*
 * Cache maintenance around a transfer for a device that does not snoop.
 *
 * Before the device writes (DMA_FROM_DEVICE), the range is invalidated so
 * no dirty line of ours can be evicted later over the device's data; after,
 * it is invalidated again because the CPU may have refilled lines
 * speculatively in between. hal_dcache_inval() cleans lines that are only
 * partly in the range instead of discarding another owner's bytes.
 */
static int maintain(const struct device *dev, void *p, size_t len, enum dma_dir dir, int for_cpu)
{
    int err;
    if (len == 0 || (for_cpu && dir == DMA_TO_DEVICE))
        return 0;
    if (for_cpu || dir == DMA_FROM_DEVICE)
        err = hal_dcache_inval(p, len);
    else if (dir == DMA_TO_DEVICE)
        err = hal_dcache_clean(p, len);
    else
        err = hal_dcache_clean_inval(p, len);
    dma_sync_watch_fn w = __atomic_load_n(&sync_watch, __ATOMIC_ACQUIRE);
    if (w)
        w(dev, p, len, dir, for_cpu);
    return err;
}

/* The out-of-line half of dma_sync_for_device() / _for_cpu(): the
 * maintenance for a non-coherent device, and the one place bad arguments
 * are reported (the inline fast path in kernel/dma.h sends them here). */
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
    if (dev->dma_coherent)
        return 0;
    return maintain(dev, (uint8_t *)buf->virt + off, len, dir, for_cpu);
}

/* The same for a bare range: here, with maintenance to do, it is also
 * checked to lie in the direct map, since a cache operation on an unmapped
 * address faults. */
int dma_sync_single_slow(const struct device *dev, void *virt, size_t len, enum dma_dir dir,
                         int for_cpu)
{
    uintptr_t va = (uintptr_t)virt;
    int ok = dma_sync_single_args_ok(dev, virt, len, dir);
    if (ok && (dev->dma_coherent || len == 0 || (for_cpu && dir == DMA_TO_DEVICE)))
        return 0; /* nothing to maintain */
    if (ok && va >= ARCH_DIRECT_MAP_BASE && hal_direct_mapped(va - ARCH_DIRECT_MAP_BASE, len))
        return maintain(dev, virt, len, dir, for_cpu);
    const char *what = for_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device";
    char who[KSYM_NAME_MAX];
    ksym_name((uintptr_t)__builtin_return_address(0), who, sizeof who);
    if (!dev || !virt)
        pr_warn("%s: no %s (from %s)", what, !dev ? "device" : "address", who);
    else if ((unsigned)dir > DMA_BIDIRECTIONAL)
        pr_warn("%s: %s: bad direction %u (from %s)", what, dev->name, (unsigned)dir, who);
    else
        pr_warn("%s: %s: %p+%#zx %s (from %s)", what, dev->name, virt, len,
                ok ? "is not in the direct map" : "wraps", who);
    return -EINVAL;
}
