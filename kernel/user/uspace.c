/**
 * @file uspace.c
 * @brief User address spaces (uspace.h): pages mapped eagerly, each
 *        region's frames owned by the space and returned when it is
 *        unmapped or the space dies.
 */
#include "uspace.h"
#include <hal/cache.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/pmm.h>
#include <kernel/string.h>

struct uspace *uspace_create(void)
{
    struct uspace *us = kzalloc(sizeof *us);
    if (!us)
        return NULL;
    uint64_t root = pt_alloc_table();
    if (!root) {
        kfree(us);
        return NULL;
    }
    us->as.root = root;
    us->as.va_lo = PAGE_SIZE;
    us->as.va_hi = hal_user_top() - 1;
    us->as.local = 1; /* one thread a process, for now (pagetable.h) */
    spin_init(&us->as.lock, "user page tables");
    if (hal_uspace_init(root) != 0) {
        pt_destroy(&us->as);
        kfree(us);
        return NULL;
    }
    return us;
}

static int in_user(uintptr_t va, size_t len)
{
    return len && !((va | len) & (PAGE_SIZE - 1)) && va >= PAGE_SIZE && va + len > va &&
           va + len <= hal_user_top();
}

/* Unmap [va, va + len) and free the frames that were mapped there: each
 * page unmapped (and flushed) before its frame goes back, so no CPU can
 * reach a frame that has a new owner. */
static void release(struct uspace *us, uintptr_t va, size_t len)
{
    for (uintptr_t p = va; p < va + len; p += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(&us->as, p, &pa, NULL) == 0) {
            vm_unmap(&us->as, p, PAGE_SIZE);
            pmm_free(pa & ~(uint64_t)(PAGE_SIZE - 1), 0);
            us->pages--;
        }
    }
}

int uspace_map_anon(struct uspace *us, uintptr_t va, size_t len, unsigned prot)
{
    if (!in_user(va, len) || (prot & ~(MMU_WRITE | MMU_EXEC)) ||
        (prot & (MMU_WRITE | MMU_EXEC)) == (MMU_WRITE | MMU_EXEC))
        return -EINVAL;
    struct uregion **pp = &us->regions;
    while (*pp && (*pp)->end <= va)
        pp = &(*pp)->next;
    if (*pp && (*pp)->start < va + len)
        return -EEXIST;
    struct uregion *r = kmalloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    for (uintptr_t p = va; p < va + len; p += PAGE_SIZE) {
        uint64_t pa = pmm_alloc(0);
        int e = pa ? 0 : -ENOMEM;
        if (pa) {
            memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
            e = vm_map(&us->as, p, pa, PAGE_SIZE, prot | MMU_USER);
            if (e)
                pmm_free(pa, 0);
            else
                us->pages++;
        }
        if (e) {
            release(us, va, p - va);
            kfree(r);
            return e;
        }
    }
    *r = (struct uregion){va, va + len, prot, *pp};
    *pp = r;
    return 0;
}

int uspace_write(struct uspace *us, uintptr_t va, const void *src, size_t n)
{
    const uint8_t *s = src;
    while (n) {
        uint64_t pa;
        if (vm_translate(&us->as, va, &pa, NULL) != 0)
            return -EFAULT;
        size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(hal_phys_to_virt(pa), s, chunk);
        va += chunk, s += chunk, n -= chunk;
    }
    return 0;
}

int uspace_unmap(struct uspace *us, uintptr_t va, size_t len)
{
    if (!in_user(va, len))
        return -EINVAL;
    uintptr_t end = va + len;
    for (struct uregion **pp = &us->regions; *pp;) {
        struct uregion *r = *pp;
        if (r->end <= va || r->start >= end) {
            pp = &r->next;
            continue;
        }
        uintptr_t lo = r->start > va ? r->start : va, hi = r->end < end ? r->end : end;
        if (lo > r->start && hi < r->end) { /* a hole in the middle: two regions */
            struct uregion *tail = kmalloc(sizeof *tail);
            if (!tail)
                return -ENOMEM;
            *tail = (struct uregion){hi, r->end, r->prot, r->next};
            r->end = lo;
            r->next = tail;
            release(us, lo, hi - lo);
            return 0;
        }
        release(us, lo, hi - lo);
        if (lo == r->start && hi == r->end) {
            *pp = r->next;
            kfree(r);
            continue;
        }
        if (lo == r->start)
            r->start = hi;
        else
            r->end = lo;
        pp = &r->next;
    }
    return 0;
}

uintptr_t uspace_find_free(struct uspace *us, size_t len, uintptr_t below)
{
    /* Highest gap that fits, searching down from @p below. */
    uintptr_t best = 0, prev_end = PAGE_SIZE;
    for (struct uregion *r = us->regions;; r = r->next) {
        uintptr_t gap_end = r ? r->start : hal_user_top();
        if (gap_end > below)
            gap_end = below;
        if (gap_end >= prev_end + len)
            best = gap_end - len;
        if (!r || r->end >= below)
            break;
        prev_end = r->end;
    }
    return best;
}

void uspace_sync_icache(struct uspace *us, uintptr_t va, size_t len)
{
    for (uintptr_t p = va & ~(uintptr_t)(PAGE_SIZE - 1); p < va + len; p += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(&us->as, p, &pa, NULL) == 0)
            hal_icache_sync(hal_phys_to_virt(pa & ~(uint64_t)(PAGE_SIZE - 1)), PAGE_SIZE);
    }
}

struct uspace *uspace_clone(struct uspace *src)
{
    struct uspace *us = uspace_create();
    if (!us)
        return NULL;
    for (struct uregion *r = src->regions; r; r = r->next) {
        if (uspace_map_anon(us, r->start, r->end - r->start, r->prot) != 0) {
            uspace_destroy(us);
            return NULL;
        }
        for (uintptr_t p = r->start; p < r->end; p += PAGE_SIZE) {
            uint64_t from, to;
            if (vm_translate(&src->as, p, &from, NULL) == 0 && vm_translate(&us->as, p, &to, NULL) == 0)
                memcpy(hal_phys_to_virt(to), hal_phys_to_virt(from), PAGE_SIZE);
        }
        if (r->prot & MMU_EXEC)
            uspace_sync_icache(us, r->start, r->end - r->start);
    }
    return us;
}

void uspace_destroy(struct uspace *us)
{
    while (us->regions) {
        struct uregion *r = us->regions;
        us->regions = r->next;
        release(us, r->start, r->end - r->start);
        kfree(r);
    }
    pt_destroy(&us->as);
    kfree(us);
}
