/**
 * @file dma.c
 * @brief DMA buffers from buddy blocks (naturally aligned to their size).
 */
#include <hal/mmu.h>
#include <kernel/dma.h>
#include <kernel/errno.h>
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
