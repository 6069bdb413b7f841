/**
 * @file pmm.c
 * @brief The physical memory manager: boot memory map -> buddy allocator.
 */
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/log.h>
#include <kernel/memmap.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define MAX_FREE_RANGES 96

static struct buddy buddy;
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm"); /* guards buddy after boot */
static struct mem_range deferred[MAX_FREE_RANGES];
static unsigned ndeferred;
static struct mem_range held[MAX_FREE_RANGES]; /* see add_free; at most one per range */
static unsigned nheld;
static uint64_t held_pages;
static uint64_t metadata_bytes;

/* Everything inside RAM that must not be handed out. */
static unsigned exclusions(const struct boot_info *bi, struct mem_range *ex)
{
    unsigned n = 0;
    ex[n++] = (struct mem_range){bi->kernel_phys, bi->kernel_size, MEM_RESERVED};
    ex[n++] = (struct mem_range){0, PAGE_SIZE, MEM_RESERVED}; /* 0 means "no page" */
    if (bi->dtb_phys)
        ex[n++] = (struct mem_range){bi->dtb_phys, bi->dtb_size, MEM_RESERVED};
    if (bi->initrd_phys)
        ex[n++] = (struct mem_range){bi->initrd_phys, bi->initrd_size, MEM_RESERVED};
    for (unsigned i = 0; i < bi->reserved_count; i++)
        ex[n++] = bi->reserved[i];
    return n;
}

/* Take @p bytes for the metadata from the start of the lowest free,
 * direct-mapped range that has room (low memory first, like every early
 * allocation: see buddy_add_range). */
static uint64_t carve(struct mem_range *free, unsigned n, uint64_t bytes)
{
    for (unsigned i = 0; i < n; i++) {
        if (free[i].size < bytes || !hal_direct_mapped(free[i].base, bytes))
            continue;
        free[i].size -= bytes;
        free[i].base += bytes;
        return free[i].base - bytes;
    }
    return 0;
}

/*
 * Give a free range to the buddy allocator, except its top fragment: the
 * part above its last max-order boundary, when there are whole max-order
 * blocks below it. The buddy hands out the smallest free block that fits,
 * wherever it lies, and such a fragment's small blocks are the only small
 * blocks high in RAM at boot: without this, the first page tables and slabs
 * come from the top of RAM instead of splitting the lowest big block. On x86
 * that is where GRUB's heap, and so the code it ran, lives, and under TCG
 * every store to those pages takes QEMU's self-modifying-code slow path
 * (about 2 ms per kernel page table filled there). The fragments join the
 * free lists only once those first run dry (see pmm_alloc), so no RAM is lost;
 * the statistics count them as free all along.
 */
static void add_free(uint64_t base, uint64_t size)
{
    uint64_t pfn = base >> PAGE_SHIFT, end = (base + size) >> PAGE_SHIFT;
    uint64_t top = end & ~((1ULL << BUDDY_MAX_ORDER) - 1);
    /* Only with a whole max-order block below (as said above), and never
     * more fragments than the table holds. */
    if (top - pfn >= (1ULL << BUDDY_MAX_ORDER) && top > pfn && top < end &&
        nheld < MAX_FREE_RANGES) {
        held[nheld++] = (struct mem_range){top << PAGE_SHIFT, (end - top) << PAGE_SHIFT, MEM_USABLE};
        held_pages += end - top;
        end = top;
    }
    buddy_add_range(&buddy, pfn, end - pfn);
}

/* The free lists ran dry: add the fragments add_free held back. pmm_lock held. */
static int release_held(void)
{
    if (!nheld)
        return 0;
    for (unsigned i = 0; i < nheld; i++)
        buddy_add_range(&buddy, held[i].base >> PAGE_SHIFT, held[i].size >> PAGE_SHIFT);
    nheld = 0;
    held_pages = 0;
    return 1;
}

int pmm_init(const struct boot_info *bi)
{
    static struct mem_range free[MAX_FREE_RANGES];
    struct mem_range ex[BOOT_MAX_MEM_RANGES + 4];
    unsigned nex = exclusions(bi, ex);
    int n = memmap_free_ranges(bi->mem, bi->mem_count, ex, nex, free, MAX_FREE_RANGES);
    if (n == -ENOSPC) {
        pr_warn("pmm: memory map too fragmented; using the first %d ranges", MAX_FREE_RANGES);
        n = MAX_FREE_RANGES;
    }
    if (n <= 0) {
        pr_err("pmm: no usable RAM in the boot memory map");
        return -ENOMEM;
    }
    /* One struct page per frame from the first free frame to the last,
     * the start rounded down so that buddy blocks align in absolute frames. */
    uint64_t first = free[0].base >> PAGE_SHIFT, last = (free[n - 1].base + free[n - 1].size) >> PAGE_SHIFT;
    first &= ~((1ULL << BUDDY_MAX_ORDER) - 1);
    uint64_t npages = last - first;
    metadata_bytes = (npages * sizeof(struct page) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t meta = carve(free, (unsigned)n, metadata_bytes);
    if (!meta) {
        pr_err("pmm: no room for %lu KiB of page metadata", (unsigned long)(metadata_bytes >> 10));
        return -ENOMEM;
    }
    buddy_init(&buddy, first, npages, hal_phys_to_virt(meta));
    for (int i = n - 1; i >= 0; i--) { /* top down: see buddy_add_range */
        if (!free[i].size)
            continue;
        if (hal_direct_mapped(free[i].base, free[i].size))
            add_free(free[i].base, free[i].size);
        else
            deferred[ndeferred++] = free[i];
    }
    pr_info("pmm: %lu MiB free in %d ranges, %lu KiB of page metadata", (unsigned long)((buddy.free_pages + held_pages) >> 8),
            n, (unsigned long)(metadata_bytes >> 10));
    return 0;
}

void pmm_add_deferred(void)
{
    for (unsigned i = 0; i < ndeferred; i++) {
        if (!hal_direct_mapped(deferred[i].base, deferred[i].size)) {
            pr_warn("pmm: RAM at %#lx is still not direct-mapped; left out",
                    (unsigned long)deferred[i].base);
            continue;
        }
        add_free(deferred[i].base, deferred[i].size);
    }
    ndeferred = 0;
}

uint64_t pmm_alloc(unsigned order)
{
    if (!buddy.pages) /* no memory map at boot: nothing to hand out */
        return 0;
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    int64_t pfn = buddy_alloc(&buddy, order);
    if (pfn < 0 && release_held())
        pfn = buddy_alloc(&buddy, order);
    spin_unlock_irqrestore(&pmm_lock, f);
    return pfn < 0 ? 0 : (uint64_t)pfn << PAGE_SHIFT;
}

int pmm_free(uint64_t pa, unsigned order)
{
    int err = -EINVAL;
    if (!(pa & (PAGE_SIZE - 1))) {
        irqflags_t f = spin_lock_irqsave(&pmm_lock);
        err = buddy_free(&buddy, pa >> PAGE_SHIFT, order);
        spin_unlock_irqrestore(&pmm_lock, f);
    }
    if (err) {
        char who[KSYM_NAME_MAX];
        pr_warn("pmm: bad free of %#lx order %u from %s (%s)", (unsigned long)pa, order,
                CALLER_NAME(who), errno_name(err));
    }
    return err;
}

struct page *pmm_page(uint64_t pa)
{
    return buddy_page(&buddy, pa >> PAGE_SHIFT);
}

void pmm_stats(struct pmm_stats *st)
{
    st->managed_pages = buddy.managed_pages + held_pages;
    st->free_pages = buddy.free_pages + held_pages;
    memcpy(st->free_blocks, buddy.free_blocks, sizeof st->free_blocks);
    st->metadata_bytes = metadata_bytes;
    st->deferred_pages = 0;
    for (unsigned i = 0; i < ndeferred; i++)
        st->deferred_pages += deferred[i].size >> PAGE_SHIFT;
}
