/**
 * @file jit.c
 * @brief Code memory (kernel/jit.h): regions in the module area, written
 *        while writable and not executable, sealed read+execute, named for
 *        fault reports, unmapped when freed.
 *
 * Address space: first fit over a table of regions sorted by address, each
 * followed by an unmapped guard page. Pages come one at a time from the
 * physical allocator and are zeroed through the direct map (which is never
 * executable, so no executable alias of a region's pages ever exists).
 *
 * Symbols: each region keeps an array of {offset, size, name}. The fault
 * path reads regions and symbols without the lock (a fault may come while
 * it is held), so an array that grows is not freed until the region is:
 * the old one stays on a list a reader may still be walking.
 */
#include <hal/cache.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define JIT_MAX_REGIONS 256
#define JIT_NAME_MAX 48

struct jit_sym {
    uint32_t off, size;
    char name[JIT_NAME_MAX];
};

struct sym_array {
    struct sym_array *retired; /* an older, smaller copy, freed with the region */
    uint32_t cap;
    struct jit_sym syms[];
};

struct jit_region {
    uintptr_t base;
    size_t size;
    char owner[16];
    struct sym_array *syms;
    uint32_t nsyms;
};

/* Sorted by base; the fault path reads it unlocked. */
static struct jit_region *regions[JIT_MAX_REGIONS];
static unsigned nregions;
static struct spinlock jit_lock = SPINLOCK_INIT("jit");

static size_t pages(size_t bytes)
{
    return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Reserve [base, base + size) plus a guard page and insert @p r; lock held. */
static int reserve(struct jit_region *r)
{
    if (nregions == JIT_MAX_REGIONS)
        return -ENOSPC;
    uintptr_t lo = ARCH_MODULE_BASE;
    for (unsigned i = 0; i <= nregions; i++) {
        uintptr_t hi = i < nregions ? regions[i]->base : ARCH_MODULE_BASE + ARCH_MODULE_SIZE;
        if (hi - lo >= r->size + PAGE_SIZE) {
            r->base = lo;
            for (unsigned k = nregions; k > i; k--)
                regions[k] = regions[k - 1];
            regions[i] = r;
            nregions++;
            return 0;
        }
        if (i < nregions)
            lo = regions[i]->base + regions[i]->size + PAGE_SIZE;
    }
    return -ENOSPC;
}

static void unreserve(struct jit_region *r)
{
    irqflags_t f = spin_lock_irqsave(&jit_lock);
    for (unsigned i = 0; i < nregions; i++)
        if (regions[i] == r) {
            for (unsigned k = i + 1; k < nregions; k++)
                regions[k - 1] = regions[k];
            regions[--nregions] = NULL;
            break;
        }
    spin_unlock_irqrestore(&jit_lock, f);
}

/* Unmap [base, base + len) of the module area and free its pages. */
static void release(uintptr_t base, size_t len)
{
    if (!len)
        return;
    for (uintptr_t a = base; a < base + len; a += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(vm_kernel_aspace(), a, &pa, NULL) == 0) {
            vm_unmap(vm_kernel_aspace(), a, PAGE_SIZE);
            pmm_free(pa, 0);
        }
    }
}

static void free_syms(struct sym_array *s)
{
    while (s) {
        struct sym_array *next = s->retired;
        kfree(s);
        s = next;
    }
}

struct jit_region *jit_alloc(size_t size, const char *owner)
{
    /* Backtraces name code here from the first region on (kernel/kernel.h). */
    ksym_set_code_lookup(jit_sym_lookup, jit_contains);
    if (size == 0 || size > ARCH_MODULE_SIZE / 2) {
        pr_warn("jit: refusing %zu bytes of code memory for %s", size, owner ? owner : "?");
        return NULL;
    }
    struct jit_region *r = kzalloc(sizeof *r);
    if (!r)
        return NULL;
    r->size = pages(size) * PAGE_SIZE;
    strlcpy(r->owner, owner ? owner : "?", sizeof r->owner);
    irqflags_t f = spin_lock_irqsave(&jit_lock);
    int rc = reserve(r);
    spin_unlock_irqrestore(&jit_lock, f);
    if (rc != 0) {
        pr_warn("jit: no room for %zu bytes of code memory for %s", size, r->owner);
        kfree(r);
        return NULL;
    }
    for (size_t off = 0; off < r->size; off += PAGE_SIZE) {
        uint64_t pa = pmm_alloc(0);
        if (!pa || vm_map(vm_kernel_aspace(), r->base + off, pa, PAGE_SIZE, MMU_WRITE) != 0) {
            if (pa)
                pmm_free(pa, 0);
            release(r->base, off);
            unreserve(r);
            pr_warn("jit: out of memory for %zu bytes of code memory for %s", size, r->owner);
            kfree(r);
            return NULL;
        }
        memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
    }
    return r;
}

void *jit_base(const struct jit_region *r)
{
    return (void *)r->base;
}

size_t jit_size(const struct jit_region *r)
{
    return r->size;
}

int jit_protect(struct jit_region *r, size_t off, size_t len, unsigned prot)
{
    if ((prot & MMU_WRITE) && (prot & MMU_EXEC))
        return -EPERM;
    if (prot & ~(MMU_WRITE | MMU_EXEC))
        return -EINVAL;
    if (len == 0 || (off | len) & (PAGE_SIZE - 1) || off > r->size || len > r->size - off)
        return -EINVAL;
    int rc = vm_protect(vm_kernel_aspace(), r->base + off, len, prot);
    if (rc == 0 && (prot & MMU_EXEC))
        rc = hal_icache_sync((const void *)(r->base + off), len);
    return rc;
}

int jit_seal(struct jit_region *r)
{
    return jit_protect(r, 0, r->size, MMU_EXEC);
}

int jit_add_symbol(struct jit_region *r, const char *name, size_t off, size_t size)
{
    if (off > r->size || size > r->size - off || !name)
        return -EINVAL;
    struct sym_array *s = r->syms;
    if (!s || r->nsyms == s->cap) {
        uint32_t cap = s ? s->cap * 2 : 8;
        struct sym_array *n = kzalloc(sizeof *n + cap * sizeof n->syms[0]);
        if (!n)
            return -ENOMEM;
        n->cap = cap;
        if (s)
            memcpy(n->syms, s->syms, r->nsyms * sizeof s->syms[0]);
        n->retired = s;
        __atomic_store_n(&r->syms, n, __ATOMIC_RELEASE);
        s = n;
    }
    struct jit_sym *e = &s->syms[r->nsyms];
    e->off = (uint32_t)off;
    e->size = (uint32_t)size;
    strlcpy(e->name, name, sizeof e->name);
    __atomic_store_n(&r->nsyms, r->nsyms + 1, __ATOMIC_RELEASE);
    return 0;
}

void jit_free(struct jit_region *r)
{
    if (!r)
        return;
    unreserve(r);
    release(r->base, r->size);
    free_syms(r->syms);
    kfree(r);
}

/* The live region containing @p addr, or NULL; no lock (fault path). */
static const struct jit_region *find(uintptr_t addr)
{
    if (addr < ARCH_MODULE_BASE || addr >= ARCH_MODULE_BASE + ARCH_MODULE_SIZE)
        return NULL;
    unsigned n = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n && i < JIT_MAX_REGIONS; i++) {
        const struct jit_region *r = __atomic_load_n(&regions[i], __ATOMIC_ACQUIRE);
        if (r && addr >= r->base && addr < r->base + r->size)
            return r;
    }
    return NULL;
}

const char *jit_sym_lookup(uintptr_t addr, uintptr_t *offset)
{
    const struct jit_region *r = find(addr);
    if (!r)
        return NULL;
    const struct sym_array *s = __atomic_load_n(&r->syms, __ATOMIC_ACQUIRE);
    uint32_t n = __atomic_load_n(&r->nsyms, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; s && i < n && i < s->cap; i++) {
        const struct jit_sym *e = &s->syms[i];
        if (addr >= r->base + e->off && addr < r->base + e->off + e->size) {
            *offset = addr - (r->base + e->off);
            return e->name;
        }
    }
    return NULL;
}

int jit_contains(uintptr_t addr)
{
    return find(addr) != NULL;
}
