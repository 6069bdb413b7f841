/**
 * @file kmem.c
 * @brief The kernel's page backend for the heap (kernel/kmalloc.h): buddy
 *        pages seen through the direct map, vmalloc for the very large.
 */
#include <hal/mmu.h>
#include <kernel/kmalloc.h>
#include <kernel/pmm.h>
#include <kernel/vmalloc.h>

void *kmem_pages_alloc(unsigned order)
{
    uint64_t pa = pmm_alloc(order);
    return pa ? hal_phys_to_virt(pa) : NULL;
}

void kmem_pages_free(void *p, unsigned order)
{
    pmm_free((uintptr_t)p - ARCH_DIRECT_MAP_BASE, order);
}

/* The direct map: every frame at ARCH_DIRECT_MAP_BASE + its address. */
struct kmem_window kmem_window = {ARCH_DIRECT_MAP_BASE, 0, &pmm_buddy};

void *kmem_huge_alloc(size_t size) { return vmalloc(size); }

int kmem_huge_free(void *p) { return vmalloc_free(p); }

size_t kmem_huge_size(const void *p) { return vmalloc_size(p); }
