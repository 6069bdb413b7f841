/**
 * @file vmalloc.c
 * @brief vmalloc/vfree and kernel stacks: first-fit over a sorted table of
 *        areas in the vmalloc range, pages from the buddy allocator.
 */
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>

#define MAX_AREAS 4096 /* thousands of threads, each a stack area */
#define GUARD PAGE_SIZE

/* [start, end) is the whole reservation, guards included; the mapped part
 * is [map, map + map_pages pages). Packed to 32 bytes: there are
 * MAX_AREAS of them in the kernel's image. */
struct area {
    uintptr_t start, end, map;
    uint32_t map_pages;
    uint8_t stack;
    uint8_t busy; /* being filled or freed: not for vfree or vmalloc_size */
};

static size_t map_size(const struct area *a) { return (size_t)a->map_pages * PAGE_SIZE; }

static struct area areas[MAX_AREAS]; /* sorted by start */
static unsigned nareas;
/* Guards the table. Pages are mapped, zeroed and unmapped outside it (an
 * area is marked busy meanwhile), so a large vmalloc does not keep
 * interrupts masked for its whole length; the page tables have their own
 * lock. The fault reporters read without it: a fault may hit while it is
 * held. */
static struct spinlock vm_lock = SPINLOCK_INIT("vmalloc");

/* Find room for @p span bytes whose mapped part (at @p offset into the span)
 * is aligned to @p align; insert the area and return its index, or -1. */
static int reserve(size_t span, size_t offset, size_t align)
{
    if (nareas == MAX_AREAS)
        return -1;
    uintptr_t lo = ARCH_VMALLOC_BASE;
    for (unsigned i = 0; i <= nareas; i++) {
        uintptr_t hi = i < nareas ? areas[i].start : ARCH_VMALLOC_BASE + ARCH_VMALLOC_SIZE;
        uintptr_t map = (lo + offset + align - 1) & ~(uintptr_t)(align - 1);
        if (map - offset + span <= hi && map - offset + span > lo) {
            for (unsigned k = nareas; k > i; k--)
                areas[k] = areas[k - 1];
            areas[i] = (struct area){map - offset, map - offset + span, map, 0, 0, 0};
            nareas++;
            return (int)i;
        }
        if (i < nareas)
            lo = areas[i].end;
    }
    return -1;
}

static void drop(unsigned i)
{
    for (unsigned k = i + 1; k < nareas; k++)
        areas[k - 1] = areas[k];
    nareas--;
}

/* Unmap and free the pages of [va, va + size). */
static void release_pages(uintptr_t va, size_t size)
{
    for (uintptr_t a = va; a < va + size; a += PAGE_SIZE) {
        uint64_t pa;
        if (vm_translate(vm_kernel_aspace(), a, &pa, NULL) == 0)
            pmm_free(pa, 0);
    }
    vm_unmap(vm_kernel_aspace(), va, size);
}

static int find(const void *p);

/* Drop the (busy) area mapped at @p map, wherever inserts have moved it. */
static void drop_area(uintptr_t map)
{
    irqflags_t f = spin_lock_irqsave(&vm_lock);
    int i = find((const void *)map);
    if (i >= 0)
        drop((unsigned)i);
    spin_unlock_irqrestore(&vm_lock, f);
}

static void *area_alloc(size_t size, size_t guard_below, size_t align, int stack)
{
    if (size == 0 || size > ARCH_VMALLOC_SIZE / 4) {
        pr_warn("vmalloc: refusing a request of %zu bytes", size);
        return NULL;
    }
    size = (size + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
    irqflags_t f = spin_lock_irqsave(&vm_lock);
    int i = reserve(guard_below + size + GUARD, guard_below, align);
    uintptr_t map = 0;
    if (i >= 0) {
        areas[i].stack = stack;
        areas[i].busy = 1;
        map = areas[i].map;
    }
    spin_unlock_irqrestore(&vm_lock, f);
    if (i < 0) {
        pr_warn("vmalloc: no address space for %zu bytes", size);
        return NULL;
    }
    for (size_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t pa = pmm_alloc(0);
        if (!pa || vm_map(vm_kernel_aspace(), map + off, pa, PAGE_SIZE, MMU_WRITE) != 0) {
            if (pa)
                pmm_free(pa, 0);
            release_pages(map, off);
            drop_area(map);
            pr_warn("vmalloc: out of memory for %zu bytes", size);
            return NULL;
        }
        memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
    }
    f = spin_lock_irqsave(&vm_lock);
    i = find((const void *)map);
    areas[i].map_pages = (uint32_t)(size / PAGE_SIZE);
    areas[i].busy = 0;
    spin_unlock_irqrestore(&vm_lock, f);
    return (void *)map;
}

void *vmalloc(size_t size)
{
    return area_alloc(size, GUARD, PAGE_SIZE, 0);
}

void *kstack_alloc(void)
{
    /* The guard region is as large as the stack and the stack 2x-aligned:
     * any SP that ran off the bottom has bit KSTACK_SHIFT set. */
    return area_alloc(KSTACK_SIZE, KSTACK_SIZE, 2 * KSTACK_SIZE, 1);
}

static int find(const void *p)
{
    for (unsigned i = 0; i < nareas; i++)
        if (areas[i].map == (uintptr_t)p)
            return (int)i;
    return -1;
}

int vmalloc_free(void *p)
{
    irqflags_t f = spin_lock_irqsave(&vm_lock);
    int i = find(p);
    size_t size = 0;
    if (i >= 0 && !areas[i].busy) {
        areas[i].busy = 1;
        size = map_size(&areas[i]);
    }
    spin_unlock_irqrestore(&vm_lock, f);
    if (!size)
        return -EINVAL; /* not an area, or one being filled or freed */
    release_pages((uintptr_t)p, size);
    drop_area((uintptr_t)p);
    return 0;
}

void vfree(void *p)
{
    char who[KSYM_NAME_MAX];
    if (p && vmalloc_free(p) != 0)
        pr_warn("vfree: %p is not a vmalloc area (from %s); ignored", p, CALLER_NAME(who));
}

size_t vmalloc_size(const void *p)
{
    irqflags_t f = spin_lock_irqsave(&vm_lock);
    int i = find(p);
    size_t n = i < 0 || areas[i].busy ? 0 : map_size(&areas[i]);
    spin_unlock_irqrestore(&vm_lock, f);
    return n;
}

int vmalloc_guard_of(uintptr_t addr, uintptr_t *base, size_t *size)
{
    for (unsigned i = 0; i < nareas; i++) {
        const struct area *a = &areas[i];
        if (addr >= a->start && addr < a->end &&
            (addr < a->map || addr >= a->map + map_size(a))) {
            *base = a->map;
            *size = map_size(a);
            return a->stack ? 1 : 2;
        }
    }
    return 0;
}

void vmalloc_stats(struct vmalloc_stats *st)
{
    *st = (struct vmalloc_stats){nareas, 0, 0};
    for (unsigned i = 0; i < nareas; i++) {
        st->mapped_bytes += map_size(&areas[i]);
        st->reserved_bytes += areas[i].end - areas[i].start;
    }
}

int vmalloc_report_fault(uintptr_t addr)
{
    uintptr_t base;
    size_t size;
    int kind = vmalloc_guard_of(addr, &base, &size);
    if (kind)
        kprintf("%016lx is in the guard region of the %s at %016lx-%016lx\n", (unsigned long)addr,
                kind == 1 ? "kernel stack" : "vmalloc area", (unsigned long)base,
                (unsigned long)(base + size - 1));
    return kind;
}
