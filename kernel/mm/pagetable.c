/**
 * @file pagetable.c
 * @brief vm_map/unmap/protect/translate (kernel/vm.h) on 4-level tables (see
 *        kernel/pagetable.h); the entry format comes from the arch through
 *        hal/pte.h.
 */
#include <hal/pte.h>
#include <kernel/errno.h>
#include <kernel/iowindow.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define LEVELS 4
#define SHIFT(level) (39 - 9 * (level))
#define SPAN(level) (1ULL << SHIFT(level))
#define INDEX(va, level) (((va) >> SHIFT(level)) & 511)

static struct vm_aspace kernel_as = {0, ARCH_KERNEL_VA_LO, ~(uintptr_t)0,
                                    SPINLOCK_INIT("kernel page tables"), 0, 0, 0};
static uint64_t table_pages;

struct vm_aspace *vm_kernel_aspace(void) { return &kernel_as; }

uint64_t pt_table_pages(void) { return table_pages; }

uint64_t pt_alloc_table(void)
{
    uint64_t pa = pmm_alloc(0);
    if (pa) {
        memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
        table_pages++;
    }
    return pa;
}

static uint64_t *table(uint64_t pa) { return hal_phys_to_virt(pa); }

/*
 * The entry for @p va at @p target level, descending from the root. Stops
 * early at an invalid entry (returned with *level set, or a new table is
 * made if @p alloc) or at a leaf above the target (a block). NULL only when
 * a table could not be allocated.
 */
static uint64_t *walk(struct vm_aspace *as, uintptr_t va, int target, int alloc, int *level)
{
    uint64_t *t = table(as->root);
    for (int l = 0;; l++) {
        uint64_t *e = &t[INDEX(va, l)];
        *level = l;
        if (l == target)
            return e;
        if (!hal_pte_valid(*e)) {
            if (!alloc)
                return e;
            uint64_t pa = pt_alloc_table();
            if (!pa)
                return NULL;
            *e = hal_pte_table(pa);
            hal_pte_sync();
        } else if (!hal_pte_is_table(*e, l)) {
            return e;
        }
        t = table(hal_pte_addr(*e));
    }
}

static int range_ok(struct vm_aspace *as, uintptr_t va, uint64_t pa, uint64_t size)
{
    return as->root && size && !((va | pa | size) & (PAGE_SIZE - 1)) && va >= as->va_lo &&
           va + size - 1 >= va && va + size - 1 <= as->va_hi;
}

/* First mapped VA in [va, end), or end; skips unmapped subtrees whole. */
static uintptr_t next_mapped(struct vm_aspace *as, uintptr_t va, uintptr_t end)
{
    while (va < end) {
        int l;
        uint64_t *e = walk(as, va, LEVELS - 1, 0, &l);
        if (hal_pte_valid(*e))
            return va;
        uintptr_t next = (va & ~(SPAN(l) - 1)) + SPAN(l);
        if (next <= va)
            break; /* wrapped past the top */
        va = next;
    }
    return end;
}

uintptr_t vm_next_mapped(struct vm_aspace *as, uintptr_t va, uintptr_t end)
{
    if (!as->root || va >= end || va > as->va_hi || end - 1 < as->va_lo)
        return end;
    uintptr_t lo = va < as->va_lo ? as->va_lo : va, hi = end - 1 > as->va_hi ? as->va_hi + 1 : end;
    uintptr_t at = next_mapped(as, lo, hi);
    return at < hi ? at : end;
}

/* Replace a valid entry: Arm requires break-before-make when the output
 * address or block size changes; x86 can write it directly. Either way the
 * old translation is flushed. */
static void replace(uint64_t *e, uint64_t val, uintptr_t va)
{
    if (ARCH_NEEDS_BBM) {
        *e = 0;
        hal_tlb_flush_page(va);
    }
    *e = val;
    hal_pte_sync();
    hal_tlb_flush_page(va);
}

/* Turn the block at *e (level l, covering va) into a table of the next level
 * with the same mapping. */
static int split(uint64_t *e, int l, uintptr_t va)
{
    uint64_t pa = pt_alloc_table();
    if (!pa)
        return -ENOMEM;
    uint64_t *t = table(pa), base = hal_pte_addr(*e) & ~(SPAN(l) - 1);
    unsigned prot = hal_pte_prot(*e);
    for (unsigned i = 0; i < 512; i++)
        t[i] = hal_pte_leaf(base + i * SPAN(l + 1), prot, l + 1);
    replace(e, hal_pte_table(pa), va & ~(SPAN(l) - 1));
    return 0;
}

/*
 * The leaf that translates @p va, split until it lies inside [va, end):
 * what unmap and protect may change without touching neighbours.
 * Returns 0 with *ep and *lp set, -ENOENT if va is not mapped, or -ENOMEM.
 */
static int covered_leaf(struct vm_aspace *as, uintptr_t va, uintptr_t end, uint64_t **ep, int *lp)
{
    for (;;) {
        uint64_t *e = walk(as, va, LEVELS - 1, 0, lp);
        int l = *lp;
        if (!hal_pte_valid(*e))
            return -ENOENT;
        if (l == LEVELS - 1 || (!(va & (SPAN(l) - 1)) && end - va >= SPAN(l))) {
            *ep = e;
            return 0;
        }
        int err = split(e, l, va);
        if (err)
            return err;
    }
}

/* Write a leaf that keeps its output address and size (no break-before-make
 * needed) and drop the old translation. */
static void rewrite(uint64_t *e, uint64_t val, uintptr_t va)
{
    *e = val;
    hal_pte_sync();
    hal_tlb_flush_page(va);
}

/* If the table that the level-l entry *e (covering va) points to has no
 * valid entry left, unhook and free it. The walker's cached copy of *e is
 * dropped by the same per-VA flush as a leaf (a TLBI by VA and INVLPG both
 * invalidate the table entries used for that VA). Lock-free readers
 * (vm_translate) run on this CPU only with the lock's interrupts masked, so
 * none can be inside the table; with several CPUs this needs a grace period. */
static void free_if_empty(uint64_t *e, uintptr_t va)
{
    if (hal_pte_pinned(*e))
        return; /* shared with user roots (hal_pte_pinned()) */
    uint64_t pa = hal_pte_addr(*e), *t = table(pa);
    for (unsigned i = 0; i < 512; i++)
        if (hal_pte_valid(t[i]))
            return;
    *e = 0;
    hal_pte_sync();
    hal_tlb_flush_page(va);
    pmm_free(pa, 0);
    table_pages--;
}

/*
 * After an unmap of [start, end): free the tables under it that are now
 * empty, level-3 tables (2 MiB spans) first, then level-2 ones (1 GiB), so
 * the range is as if never mapped. Otherwise each vmalloc area would leave
 * its tables behind, and a later MMU_LARGE mapping there would get pages
 * instead of a block. A table still holding a valid entry stays; unmapped
 * subtrees are skipped whole. Level-1 tables (512 GiB each) are kept.
 */
static void prune_tables(struct vm_aspace *as, uintptr_t start, uintptr_t end)
{
    for (int target = LEVELS - 2; target >= 1; target--) {
        uintptr_t va = start & ~(SPAN(target) - 1);
        while (va < end) {
            int l;
            uint64_t *e = walk(as, va, target, 0, &l);
            if (l == target && hal_pte_valid(*e) && hal_pte_is_table(*e, l))
                free_if_empty(e, va);
            uintptr_t next = (va & ~(SPAN(l) - 1)) + SPAN(l);
            if (next <= va)
                break; /* wrapped past the top */
            va = next;
        }
    }
}

static int unmap_locked(struct vm_aspace *as, uintptr_t va, uint64_t size)
{
    uintptr_t start = va, end = va + size;
    while ((va = next_mapped(as, va, end)) < end) {
        uint64_t *e;
        int l, err = covered_leaf(as, va, end, &e, &l);
        if (err)
            return err;
        rewrite(e, 0, va);
        va += SPAN(l);
    }
    prune_tables(as, start, end);
    return 0;
}

static void (*shootdown)(uintptr_t va, uint64_t size);

/* After entries of @p as were cleared or narrowed, before any shoot-down:
 * a CPU that kept the space's ASID while running something else flushes
 * it when it loads the space again (kernel/asid.h). Release: a CPU that
 * reads the new count also sees the new entries. */
static void changed(struct vm_aspace *as)
{
    __atomic_add_fetch(&as->tlb_gen, 1, __ATOMIC_RELEASE);
}

void vm_set_shootdown(void (*fn)(uintptr_t va, uint64_t size)) { shootdown = fn; }

static void (*unload)(struct vm_aspace *as);

void vm_set_unload(void (*fn)(struct vm_aspace *as)) { unload = fn; }

int vm_unmap(struct vm_aspace *as, uintptr_t va, uint64_t size)
{
    if (!range_ok(as, va, 0, size))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&as->lock);
    int err = unmap_locked(as, va, size);
    spin_unlock_irqrestore(&as->lock, f);
    changed(as);
    if (shootdown && !as->local)
        shootdown(va, size); /* even after an error: part of the range may have changed */
    return err;
}

size_t vm_take(struct vm_aspace *as, uintptr_t *va, uintptr_t end, uint64_t *pa, size_t max)
{
    uintptr_t from = *va, at = from;
    size_t k = 0;
    if (!max || !range_ok(as, from, 0, end - from)) {
        *va = end;
        return 0;
    }
    irqflags_t f = spin_lock_irqsave(&as->lock);
    while (k < max && (at = next_mapped(as, at, end)) < end) {
        int l;
        uint64_t *e = walk(as, at, LEVELS - 1, 0, &l);
        if (l == LEVELS - 1) { /* (a large leaf is not a page of a user space: left) */
            pa[k++] = hal_pte_addr(*e);
            rewrite(e, 0, at);
        }
        at = (at & ~(SPAN(l) - 1)) + SPAN(l);
    }
    if (at > end || at < from)
        at = end;
    spin_unlock_irqrestore(&as->lock, f);
    if (k) {
        changed(as);
        if (shootdown)
            shootdown(from, at - from); /* whether or not the space is local: another's change */
    }
    *va = at;
    return k;
}

static int map_locked(struct vm_aspace *as, uintptr_t va, uint64_t pa, uint64_t size,
                      unsigned prot)
{
    uintptr_t start = va, end = va + size;
    if (next_mapped(as, va, end) != end)
        return -EEXIST;
    while (va < end) {
        int target = LEVELS - 1;
        if ((prot & MMU_LARGE) && !((va | pa) & (SPAN(2) - 1)) && end - va >= SPAN(2))
            target = 2;
        int l;
        uint64_t *e = walk(as, va, target, 1, &l);
        if (e && target == 2 && hal_pte_valid(*e)) /* a table left by an earlier unmap */
            e = walk(as, va, target = LEVELS - 1, 1, &l);
        if (!e) {
            /* The whole range was unmapped before (checked above), so
             * unmapping all of it takes back exactly what this call mapped,
             * and the tables it allocated. */
            unmap_locked(as, start, end - start);
            return -ENOMEM;
        }
        *e = hal_pte_leaf(pa, prot & ~MMU_LARGE, target);
        va += SPAN(target);
        pa += SPAN(target);
    }
    hal_pte_sync();
    return 0;
}

int vm_map(struct vm_aspace *as, uintptr_t va, uint64_t pa, uint64_t size, unsigned prot)
{
    if (!range_ok(as, va, pa, size) || ((prot & MMU_EXEC) && (prot & MMU_DEVICE)))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&as->lock);
    int err = map_locked(as, va, pa, size, prot);
    spin_unlock_irqrestore(&as->lock, f);
    return err;
}

static int protect_locked(struct vm_aspace *as, uintptr_t va, uint64_t size, unsigned prot)
{
    uintptr_t end = va + size;
    while (va < end) {
        uint64_t *e;
        int l, err = covered_leaf(as, va, end, &e, &l);
        if (err)
            return err;
        /* Same output address and size: a permission change needs no BBM. */
        rewrite(e, hal_pte_leaf(hal_pte_addr(*e), prot & ~MMU_LARGE, l), va);
        va += SPAN(l);
        /* The rest of a last-level table's run without walking again. */
        for (unsigned i = INDEX(va - SPAN(l), l) + 1; l == LEVELS - 1 && va < end && i < 512; i++, va += SPAN(l)) {
            if (!hal_pte_valid(*++e))
                return -ENOENT;
            rewrite(e, hal_pte_leaf(hal_pte_addr(*e), prot & ~MMU_LARGE, l), va);
        }
    }
    return 0;
}

int vm_protect(struct vm_aspace *as, uintptr_t va, uint64_t size, unsigned prot)
{
    if (!range_ok(as, va, 0, size) || ((prot & MMU_EXEC) && (prot & MMU_DEVICE)))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&as->lock);
    int err = protect_locked(as, va, size, prot);
    spin_unlock_irqrestore(&as->lock, f);
    changed(as);
    if (shootdown && !as->local)
        shootdown(va, size);
    return err;
}

size_t vm_mapped_run(struct vm_aspace *as, uintptr_t va, size_t n, unsigned want, uint64_t *pa)
{
    if (va < as->va_lo || va > as->va_hi || !as->root || !n)
        return 0;
    int l;
    uint64_t *e = walk(as, va, LEVELS - 1, 0, &l);
    if (l != LEVELS - 1)
        return 0; /* a hole above the last level, or a large page */
    size_t room = 512 - INDEX(va, l), k = 0;
    if (n > room)
        n = room;
    if (n > (as->va_hi - va) / PAGE_SIZE + 1)
        n = (as->va_hi - va) / PAGE_SIZE + 1;
    for (; k < n && hal_pte_valid(e[k]) && (hal_pte_prot(e[k]) & want) == want; k++)
        if (pa)
            pa[k] = hal_pte_addr(e[k]);
    return k;
}

uint64_t vm_mapped_mask(struct vm_aspace *as, uintptr_t va, size_t n)
{
    if (va < as->va_lo || va > as->va_hi || !as->root || !n || n > 64 || INDEX(va, LEVELS - 1) + n > 512)
        return 0;
    int l;
    uint64_t *e = walk(as, va, LEVELS - 1, 0, &l), all = n == 64 ? ~0ull : (1ull << n) - 1;
    if (l != LEVELS - 1)
        return hal_pte_valid(*e) ? all : 0; /* a large page, or no table: all or nothing */
    uint64_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (hal_pte_valid(e[k]))
            m |= 1ull << k;
    return m;
}

long vm_map_pages(struct vm_aspace *as, uintptr_t va, uint64_t pa[], size_t n, unsigned prot)
{
    if (!range_ok(as, va, 0, n * PAGE_SIZE) || INDEX(va, LEVELS - 1) + n > 512 ||
        ((prot & MMU_EXEC) && (prot & MMU_DEVICE)))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&as->lock);
    int l;
    uint64_t *e = walk(as, va, LEVELS - 1, 1, &l);
    long k = 0;
    if (e && l == LEVELS - 1) { /* (else a large page: nothing mapped) */
        for (size_t i = 0; i < n; i++) {
            if (pa[i] && !hal_pte_valid(e[i])) {
                e[i] = hal_pte_leaf(pa[i], prot & ~MMU_LARGE, LEVELS - 1);
                pa[i] = 0;
                k++;
            }
        }
        hal_pte_sync();
    }
    spin_unlock_irqrestore(&as->lock, f);
    return e ? k : -ENOMEM;
}

int vm_translate(struct vm_aspace *as, uintptr_t va, uint64_t *pa, unsigned *prot)
{
    if (va < as->va_lo || va > as->va_hi || !as->root)
        return -ENOENT;
    int l;
    uint64_t *e = walk(as, va, LEVELS - 1, 0, &l);
    if (!hal_pte_valid(*e))
        return -ENOENT;
    *pa = hal_pte_addr(*e) + (va & (SPAN(l) - 1));
    if (prot)
        *prot = hal_pte_prot(*e);
    return 0;
}

/* Free the tables under the level-@p level table @p pa that serve
 * [lo, hi]; entries outside the range (a user root's shared kernel part)
 * are left alone. */
static void free_tables_in(uint64_t pa, int level, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
    uint64_t *t = table(pa);
    for (unsigned i = 0; i < 512; i++) {
        uintptr_t va = base + (uintptr_t)i * SPAN(level), last = va + (SPAN(level) - 1);
        if (last < lo || va > hi || !hal_pte_valid(t[i]))
            continue;
        if (level < LEVELS - 1 && hal_pte_is_table(t[i], level)) {
            uint64_t sub = hal_pte_addr(t[i]);
            free_tables_in(sub, level + 1, va, lo, hi);
            pmm_free(sub, 0);
            table_pages--;
        }
        t[i] = 0;
    }
}

void pt_destroy(struct vm_aspace *as)
{
    if (!as->root)
        return;
    if (unload)
        unload(as);
    free_tables_in(as->root, 0, 0, as->va_lo, as->va_hi);
    pmm_free(as->root, 0);
    table_pages--;
    as->root = 0;
}

int pt_map_image(struct vm_aspace *as, uint64_t phys)
{
    static const struct { char *from, *to; unsigned prot; } part[] = {
        {__kernel_start, __rodata_start, MMU_EXEC},  /* text: read + execute */
        {__rodata_start, __data_start, 0},           /* rodata, symbols, ktests, drivers */
        {__data_start, __kernel_end, MMU_WRITE},     /* data, bss */
    };
    for (unsigned i = 0; i < 3; i++) {
        uintptr_t va = (uintptr_t)part[i].from;
        if ((uintptr_t)part[i].to == va)
            continue;
        int err = vm_map(as, va, phys + (va - (uintptr_t)__kernel_start),
                         (uintptr_t)part[i].to - va, part[i].prot);
        if (err)
            return err;
    }
    return 0;
}

int pt_direct_mapped(uint64_t pa, uint64_t len)
{
    if (len == 0 || pa + len < pa || !kernel_as.root)
        return 0;
    /* Leaf by leaf: a 2 MiB block is checked with one walk. */
    uintptr_t va = ARCH_DIRECT_MAP_BASE + pa, end = va + len;
    while (va < end) {
        int l;
        uint64_t *e = walk(&kernel_as, va, LEVELS - 1, 0, &l);
        if (!hal_pte_valid(*e) || hal_pte_addr(*e) + (va & (SPAN(l) - 1)) != va - ARCH_DIRECT_MAP_BASE)
            return 0;
        va = (va & ~(SPAN(l) - 1)) + SPAN(l);
    }
    return 1;
}

int pt_build_kernel(const struct mem_range *ram, int n, uint64_t image_phys,
                    const uint64_t *io_tags, unsigned io_slots, uintptr_t io_base, uint64_t io_chunk)
{
    struct vm_aspace *as = &kernel_as;
    as->root = pt_alloc_table();
    int err = as->root ? pt_map_image(as, image_phys) : -ENOMEM;
    for (int i = 0; !err && i < n; i++)
        err = vm_map(as, ARCH_DIRECT_MAP_BASE + ram[i].base, ram[i].base, ram[i].size,
                     MMU_WRITE | MMU_LARGE);
    if (!err)
        err = iowindow_map_all(io_tags, io_slots, io_base, io_chunk, as);
    if (err)
        as->root = 0; /* the caller stays on the boot tables; the pages used are lost */
    return err;
}
