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
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define MAX_FREE_RANGES 96
/* Frames handed to the buddy before the shell when the image's own 2 MiB
 * has too few (see pmm_init): boot's page tables, first slabs and stacks
 * take 200-400 KiB, and more is added on demand when the free lists run
 * dry. Kept small so that boot's allocations stay in the lowest range,
 * which on a PC the firmware and GRUB have touched (see carve). */
#define EAGER_PAGES 256ULL
#define HOT_PAGES 512ULL     /* 2 MiB: see pmm_init */
#define HOT_MIN_PAGES 128    /* 512 KiB: enough for boot's page tables, stacks and slabs */

struct buddy pmm_buddy; /* read outside only by kmem_page_of() (kernel/kmalloc.h) */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm"); /* guards everything below after boot */
static struct mem_range deferred[MAX_FREE_RANGES];
static unsigned ndeferred;
static struct mem_range held[MAX_FREE_RANGES]; /* see hold_top; at most one per range */
static unsigned nheld;
static uint64_t held_pages;
/* Free RAM not handed to the buddy yet (its struct pages unwritten),
 * ascending; pending[pending_first..npending). See pmm_init. */
static struct mem_range pending[2 * MAX_FREE_RANGES];
static unsigned pending_first, npending;
static uint64_t pending_pages;
static uint64_t metadata_bytes;

static uint64_t page_up(uint64_t a)
{
    return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

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

/*
 * Take @p bytes for the metadata from the start of a free, direct-mapped
 * range: the one right after the DTB if it has room, else the lowest that
 * has (low memory first, like every early allocation: see buddy_add_range).
 * Only the metadata's first pages are written at boot (see pmm_init), and
 * just past the DTB they share a 2 MiB region with it: under QEMU TCG the
 * host backs guest RAM with huge pages as it is first touched, each first
 * touch a costly trip into the host, and the loader has touched the DTB's
 * already.
 */
static uint64_t carve(const struct boot_info *bi, struct mem_range *free, unsigned n,
                      uint64_t bytes)
{
    uint64_t after_dtb = bi->dtb_phys ? page_up(bi->dtb_phys + bi->dtb_size) : 1;
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < n; i++) {
            if ((pass == 0 && free[i].base != after_dtb) || free[i].size < bytes ||
                !hal_direct_mapped(free[i].base, bytes))
                continue;
            free[i].size -= bytes;
            free[i].base += bytes;
            return free[i].base - bytes;
        }
    }
    return 0;
}

/*
 * Hold back a free range's top fragment: the part above its last max-order
 * boundary, when there are whole max-order blocks below it. Returns the size
 * left. The buddy hands out the smallest free block that fits, wherever it
 * lies, and such a fragment's small blocks are the only small blocks high in
 * RAM: without this, page tables and slabs come from the top of RAM instead
 * of splitting the lowest big block. On x86 that is where GRUB's heap, and so
 * the code it ran, lives, and under TCG every store to those pages takes
 * QEMU's self-modifying-code slow path, so each page table filled there
 * slows boot. The fragments join the free lists only once everything
 * else has run dry (see pmm_alloc), so no RAM is lost; the statistics count
 * them as free all along.
 */
static uint64_t hold_top(uint64_t base, uint64_t size)
{
    uint64_t pfn = base >> PAGE_SHIFT, end = (base + size) >> PAGE_SHIFT;
    uint64_t top = end & ~(BUDDY_CHUNK_PAGES - 1);
    /* Only with a whole max-order block below (as said above), and never
     * more fragments than the table holds. */
    if (top - pfn >= BUDDY_CHUNK_PAGES && top > pfn && top < end && nheld < MAX_FREE_RANGES) {
        held[nheld++] = (struct mem_range){top << PAGE_SHIFT, (end - top) << PAGE_SHIFT, MEM_USABLE};
        held_pages += end - top;
        return (top - pfn) << PAGE_SHIFT;
    }
    return size;
}

/* Everything else ran dry: add the fragments hold_top held back. pmm_lock held. */
static int release_held(void)
{
    if (!nheld)
        return 0;
    for (unsigned i = 0; i < nheld; i++)
        buddy_add_range(&pmm_buddy, held[i].base >> PAGE_SHIFT, held[i].size >> PAGE_SHIFT);
    nheld = 0;
    held_pages = 0;
    return 1;
}

/* Queue a free range for later, keeping the queue sorted. pmm_lock held (or boot). */
static void add_pending(uint64_t base, uint64_t size)
{
    if (!size)
        return;
    if (npending == sizeof pending / sizeof pending[0]) { /* cannot happen: two per free range */
        pr_warn("pmm: RAM at %#lx left out (pending list full)", (unsigned long)base);
        return;
    }
    unsigned i = npending++;
    for (; i > pending_first && pending[i - 1].base > base; i--)
        pending[i] = pending[i - 1];
    pending[i] = (struct mem_range){base, size, MEM_USABLE};
    pending_pages += size >> PAGE_SHIFT;
}

/*
 * Hand the lowest pending chunk (up to the next max-order boundary) to the
 * buddy, which writes that chunk's struct pages first: 16 KiB of metadata
 * per 4 MiB of RAM. Returns 0 when nothing is pending. pmm_lock held.
 */
static int grow_locked(void)
{
    if (pending_first == npending)
        return 0;
    struct mem_range *r = &pending[pending_first];
    uint64_t pfn = r->base >> PAGE_SHIFT, end = (r->base + r->size) >> PAGE_SHIFT;
    uint64_t next = (pfn | (BUDDY_CHUNK_PAGES - 1)) + 1;
    if (next > end)
        next = end;
    buddy_add_range(&pmm_buddy, pfn, next - pfn);
    pending_pages -= next - pfn;
    r->base = next << PAGE_SHIFT;
    r->size = (end - next) << PAGE_SHIFT;
    if (!r->size)
        pending_first++;
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
     * the start rounded down so that buddy blocks align in absolute frames,
     * after the bitmap of chunks whose struct pages are set up. */
    uint64_t first = free[0].base >> PAGE_SHIFT, last = (free[n - 1].base + free[n - 1].size) >> PAGE_SHIFT;
    first &= ~(BUDDY_CHUNK_PAGES - 1);
    uint64_t npages = last - first, page_bytes = npages * sizeof(struct page);
    metadata_bytes = (page_bytes + buddy_ready_map_bytes(first, npages) + 15 + PAGE_SIZE - 1) &
                     ~(PAGE_SIZE - 1);
    uint64_t meta = carve(bi, free, (unsigned)n, metadata_bytes);
    if (!meta) {
        pr_err("pmm: no room for %lu KiB of page metadata", (unsigned long)(metadata_bytes >> 10));
        return -ENOMEM;
    }
    /* The bitmap first, so that it shares a 2 MiB region with the struct
     * pages of the lowest chunks: under TCG the host backs guest RAM with
     * huge pages, and the first touch of each is costly. */
    uint8_t *meta_va = hal_phys_to_virt(meta);
    uint64_t map_bytes = (buddy_ready_map_bytes(first, npages) + 15) & ~15ULL;
    buddy_init_lazy(&pmm_buddy, first, npages, (struct page *)(meta_va + map_bytes), meta_va);
    /*
     * Writing every struct page is O(RAM): at 4 GiB, 16 MiB of stores, and
     * under QEMU TCG each first touch of a guest page also costs the host a
     * page fault. The shell needs none of it, so only a little RAM goes to
     * the buddy now: the free pages in the 2 MiB the kernel image ends in,
     * which the loader has touched (see carve), when there are enough of
     * them; else the lowest EAGER_PAGES, rounded up to a chunk boundary.
     * The rest waits in pending[] and is added a chunk at a time when the
     * free lists run dry (pmm_alloc) or by a low-priority thread once the
     * shell runs (pmm_fill()); the counters include it all along.
     * A range is split only at chunk boundaries, so a pending piece never
     * merges with an eager neighbour when it is added (pmm_stats predicts
     * its blocks).
     */
    struct mem_range eager[MAX_FREE_RANGES];
    unsigned neager = 0;
    uint64_t hot = page_up(bi->kernel_phys + bi->kernel_size) >> PAGE_SHIFT;
    uint64_t hot_end = (hot + HOT_PAGES - 1) & ~(HOT_PAGES - 1), hot_pages = 0;
    for (int i = 0; i < n; i++) {
        uint64_t lo = free[i].base >> PAGE_SHIFT, hi = (free[i].base + free[i].size) >> PAGE_SHIFT;
        lo = lo > hot ? lo : hot;
        hi = hi < hot_end ? hi : hot_end;
        hot_pages += hi > lo && hal_direct_mapped(free[i].base, free[i].size) ? hi - lo : 0;
    }
    int use_hot = hot_pages >= HOT_MIN_PAGES;
    uint64_t budget = use_hot ? 0 : EAGER_PAGES;
    for (int i = 0; i < n; i++) {
        if (!free[i].size)
            continue;
        if (!hal_direct_mapped(free[i].base, free[i].size)) {
            deferred[ndeferred++] = free[i];
            continue;
        }
        uint64_t base = free[i].base, size = hold_top(base, free[i].size);
        uint64_t pfn = base >> PAGE_SHIFT, end = (base + size) >> PAGE_SHIFT;
        uint64_t from = pfn, to = pfn; /* the eager piece [from, to) */
        if (use_hot && pfn < hot_end && end > hot) {
            from = hot & ~(BUDDY_CHUNK_PAGES - 1);
            to = (hot_end + BUDDY_CHUNK_PAGES - 1) & ~(BUDDY_CHUNK_PAGES - 1);
            from = from > pfn ? from : pfn;
            to = to < end ? to : end;
        } else if (budget) {
            to = (pfn + budget + BUDDY_CHUNK_PAGES - 1) & ~(BUDDY_CHUNK_PAGES - 1);
            to = to < end ? to : end;
            budget -= to - pfn < budget ? to - pfn : budget;
        }
        if (to > from)
            eager[neager++] = (struct mem_range){from << PAGE_SHIFT, (to - from) << PAGE_SHIFT,
                                                 MEM_USABLE};
        add_pending(base, (from - pfn) << PAGE_SHIFT);
        add_pending(to << PAGE_SHIFT, (end - to) << PAGE_SHIFT);
    }
    for (int i = (int)neager - 1; i >= 0; i--) /* top down: see buddy_add_range */
        buddy_add_range(&pmm_buddy, eager[i].base >> PAGE_SHIFT, eager[i].size >> PAGE_SHIFT);
    uint64_t later = 0; /* RAM the direct map does not reach yet: see pmm_add_deferred */
    for (unsigned i = 0; i < ndeferred; i++)
        later += deferred[i].size >> PAGE_SHIFT;
    pr_info("pmm: %lu MiB free in %d ranges, %lu KiB of page metadata, %lu MiB set up at boot",
            (unsigned long)((pmm_buddy.free_pages + held_pages + pending_pages + later) >> 8), n,
            (unsigned long)(metadata_bytes >> 10), (unsigned long)(pmm_buddy.free_pages >> 8));
    return 0;
}

void pmm_add_deferred(void)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    for (unsigned i = 0; i < ndeferred; i++) {
        if (!hal_direct_mapped(deferred[i].base, deferred[i].size)) {
            pr_warn("pmm: RAM at %#lx is still not direct-mapped; left out",
                    (unsigned long)deferred[i].base);
            continue;
        }
        add_pending(deferred[i].base, hold_top(deferred[i].base, deferred[i].size));
    }
    ndeferred = 0;
    spin_unlock_irqrestore(&pmm_lock, f);
}

/* Add pending RAM a chunk at a time until none is left; low priority, so it
 * runs while the shell waits for input, and each chunk holds the lock only
 * for its own 16 KiB of metadata. */
int pmm_fill(void *arg)
{
    (void)arg;
    int more = 1;
    while (more) {
        irqflags_t f = spin_lock_irqsave(&pmm_lock);
        more = grow_locked();
        spin_unlock_irqrestore(&pmm_lock, f);
    }
    return 0;
}

int pmm_fill_pending(void) { return pending_first != npending; }

/* A block from the buddy; dry: pending RAM first (low memory, a chunk at a
 * time), the held fragments last. Caller holds pmm_lock. */
static int64_t alloc_locked(unsigned order)
{
    int64_t pfn;
    while ((pfn = buddy_alloc(&pmm_buddy, order)) < 0 && (grow_locked() || release_held()))
        ;
    return pfn;
}

/* This CPU's cache: interrupts masked by the caller, so nothing else on
 * this CPU touches it; other CPUs never do (pmm_stats() only reads n). */
static struct pmm_cpu *pcp(void) { return &cpu_this()->pmm; }

/* Give @p k of @p pc's frames, the oldest (bottom of the stack), back. */
static void flush_cpu(struct pmm_cpu *pc, unsigned k)
{
    spin_lock(&pmm_lock);
    for (unsigned i = 0; i < k; i++) {
        struct page *p = buddy_page(&pmm_buddy, pc->pfn[i]);
        p->state = PAGE_USED;
        buddy_free(&pmm_buddy, pc->pfn[i], 0);
    }
    spin_unlock(&pmm_lock);
    pc->n -= k;
    memmove(pc->pfn, pc->pfn + k, pc->n * sizeof pc->pfn[0]);
}

void pmm_drain_cpu(void)
{
    irqflags_t f = hal_irq_save();
    struct pmm_cpu *pc = pcp();
    if (pc->n)
        flush_cpu(pc, pc->n);
    hal_irq_restore(f);
}

static void drain_here(void *arg)
{
    (void)arg;
    pmm_drain_cpu();
}

void pmm_drain(void) { cpu_call_each(drain_here, NULL); }

/* One frame from this CPU's cache, refilled with up to a batch. */
static int64_t alloc_frame(void)
{
    struct pmm_cpu *pc = pcp();
    if (!pc->n) {
        spin_lock(&pmm_lock);
        int64_t pfn;
        while (pc->n < PMM_PCP_BATCH && (pfn = alloc_locked(0)) >= 0) {
            buddy_page(&pmm_buddy, (uint64_t)pfn)->state = PAGE_CACHED;
            pc->pfn[pc->n++] = (uint64_t)pfn;
        }
        spin_unlock(&pmm_lock);
        if (!pc->n)
            return -1;
    }
    uint64_t pfn = pc->pfn[--pc->n];
    buddy_page(&pmm_buddy, pfn)->state = PAGE_USED;
    return (int64_t)pfn;
}

static int64_t try_alloc(unsigned order)
{
    irqflags_t f = hal_irq_save();
    int64_t pfn;
    if (order == 0) {
        pfn = alloc_frame();
    } else {
        spin_lock(&pmm_lock);
        pfn = alloc_locked(order);
        spin_unlock(&pmm_lock);
    }
    hal_irq_restore(f);
    return pfn;
}

static size_t (*reclaim)(size_t frames);

void pmm_set_reclaim(size_t (*fn)(size_t frames)) { reclaim = fn; }

uint64_t pmm_alloc(unsigned order)
{
    if (!pmm_buddy.pages) /* no memory map at boot: nothing to hand out */
        return 0;
    int64_t pfn = try_alloc(order);
    if (pfn < 0) {
        /* Frames cached per CPU are free too, and keep larger blocks from
         * merging: all of them back, then once more. */
        pmm_drain();
        pfn = try_alloc(order);
    }
    /* Then what others can spare (clean cached file pages), while that
     * frees anything: enough frames for the block, and some for the next. */
    while (pfn < 0 && reclaim && hal_irq_enabled() && reclaim(((size_t)1 << order) + 32)) {
        pmm_drain();
        pfn = try_alloc(order);
    }
    return pfn < 0 ? 0 : (uint64_t)pfn << PAGE_SHIFT;
}

/* A single frame into this CPU's cache; a bad or double free is reported
 * the way buddy_free() would. */
static int free_frame(uint64_t pfn)
{
    irqflags_t f = hal_irq_save();
    struct page *p = buddy_page(&pmm_buddy, pfn);
    /* Used -> cached in one atomic step: two CPUs freeing one frame at once
     * (a caller's double free) cannot both cache it; the second sees it
     * cached. (Only the frame's holder changes a used frame's state, so no
     * lock is needed; pmm_lock covers every other change.) */
    uint8_t state = PAGE_USED;
    int err = !p                ? -EINVAL
              : p->order != 0 ? (p->state == PAGE_FREE ? -EALREADY : -EINVAL)
              : !__atomic_compare_exchange_n(&p->state, &state, PAGE_CACHED, 0, __ATOMIC_RELAXED,
                                             __ATOMIC_RELAXED)
                  ? (state == PAGE_FREE || state == PAGE_CACHED ? -EALREADY : -EINVAL)
                  : 0;
    if (!err) {
        struct pmm_cpu *pc = pcp();
        if (pc->n == PMM_PCP_MAX)
            flush_cpu(pc, PMM_PCP_BATCH);
        pc->pfn[pc->n++] = pfn;
    }
    hal_irq_restore(f);
    return err;
}

int pmm_free(uint64_t pa, unsigned order)
{
    int err = -EINVAL;
    if (!(pa & (PAGE_SIZE - 1)) && order == 0 && pmm_buddy.pages) {
        err = free_frame(pa >> PAGE_SHIFT);
    } else if (!(pa & (PAGE_SIZE - 1))) {
        irqflags_t f = spin_lock_irqsave(&pmm_lock);
        err = buddy_free(&pmm_buddy, pa >> PAGE_SHIFT, order);
        spin_unlock_irqrestore(&pmm_lock, f);
    }
    if (err) {
        char who[KSYM_NAME_MAX];
        pr_warn("pmm: bad free of %#lx order %u from %s (%s)", (unsigned long)pa, order,
                CALLER_NAME(who), errno_name(err));
    }
    return err;
}

/* No lock (kfree() makes the same lookup inline, kmem_page_of(), and
 * masking interrupts is not free): a chunk's ready bit only ever goes from
 * 0 to 1, under pmm_lock, before any frame of it is handed out, so whoever
 * holds a frame's address has seen it set. */
struct page *pmm_page(uint64_t pa)
{
    return buddy_page(&pmm_buddy, pa >> PAGE_SHIFT);
}

/* Frames the CPUs cache, all free (read without their owners' masking:
 * a count, off by a frame or two at worst while they move). */
static uint64_t cpu_cached(void)
{
    uint64_t cached = 0;
    for (unsigned i = 0; i < smp_cpu_slots(); i++)
        cached += __atomic_load_n(&smp_cpu(i)->pmm.n, __ATOMIC_RELAXED);
    return cached;
}

/* Frames managed and free (held-back and pending RAM counts as both);
 * returns how many of the free ones the CPUs cache. pmm_lock held. */
static uint64_t counts_locked(uint64_t *free_pages, uint64_t *managed_pages)
{
    uint64_t cached = cpu_cached();
    *managed_pages = pmm_buddy.managed_pages + held_pages + pending_pages;
    *free_pages = pmm_buddy.free_pages + held_pages + pending_pages + cached;
    return cached;
}

void pmm_counts(uint64_t *free_pages, uint64_t *managed_pages)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    counts_locked(free_pages, managed_pages);
    spin_unlock_irqrestore(&pmm_lock, f);
}

void pmm_stats(struct pmm_stats *st)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    uint64_t cached = counts_locked(&st->free_pages, &st->managed_pages);
    st->pending_pages = pending_pages;
    /* Pending RAM as the blocks it will be once added, so the counts do not
     * move when the background thread adds it. */
    memcpy(st->free_blocks, pmm_buddy.free_blocks, sizeof st->free_blocks);
    st->free_blocks[0] += cached;
    for (unsigned i = pending_first; i < npending; i++)
        buddy_count_blocks(pending[i].base >> PAGE_SHIFT, pending[i].size >> PAGE_SHIFT,
                           st->free_blocks);
    st->metadata_bytes = metadata_bytes;
    st->deferred_pages = 0;
    for (unsigned i = 0; i < ndeferred; i++)
        st->deferred_pages += deferred[i].size >> PAGE_SHIFT;
    spin_unlock_irqrestore(&pmm_lock, f);
}
