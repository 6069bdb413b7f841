/**
 * @file mm_tests.c
 * @brief In-kernel tests of memory management on the real MMU: map, unmap,
 *        protect, translate, the direct map, W^X of the image, the heap, vmalloc,
 *        DMA buffers, and running out of memory.
 */
#include <hal/mmu.h>
#include <kernel/dma.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>

/* A VA far above anything vmalloc hands out in a test run. */
#define TEST_VA (ARCH_VMALLOC_BASE + (ARCH_VMALLOC_SIZE / 2))
#define BLOCK_VA (TEST_VA + (1ULL << 30))
#define SZ_2M (2ULL << 20)

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

KTEST(mmu_map_translate_protect_unmap)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uint64_t pa = pmm_alloc(0), got;
    unsigned prot;
    KT_ASSERT(pa != 0);
    KT_ASSERT(vm_map(as, TEST_VA, pa, PAGE_SIZE, MMU_WRITE) == 0);
    KT_ASSERT(vm_translate(as, TEST_VA + 0x123, &got, &prot) == 0);
    KT_ASSERT(got == pa + 0x123 && prot == MMU_WRITE);
    /* the new mapping and the direct map reach the same page */
    *(volatile uint64_t *)TEST_VA = 0x1122334455667788ULL;
    KT_ASSERT(*(volatile uint64_t *)hal_phys_to_virt(pa) == 0x1122334455667788ULL);
    KT_ASSERT(vm_map(as, TEST_VA, pa, PAGE_SIZE, 0) == -EEXIST);
    KT_ASSERT(vm_map(as, TEST_VA + 1, pa, PAGE_SIZE, 0) == -EINVAL);
    KT_ASSERT(vm_map(as, TEST_VA + PAGE_SIZE, pa, PAGE_SIZE, MMU_EXEC | MMU_DEVICE) == -EINVAL);
    KT_ASSERT(vm_map(as, 0x1000, pa, PAGE_SIZE, 0) == -EINVAL); /* not kernel space */
    KT_ASSERT(vm_protect(as, TEST_VA, PAGE_SIZE, 0) == 0);
    KT_ASSERT(vm_translate(as, TEST_VA, &got, &prot) == 0 && prot == 0);
    KT_ASSERT(*(volatile uint64_t *)TEST_VA == 0x1122334455667788ULL); /* still readable */
    KT_ASSERT(vm_protect(as, TEST_VA + PAGE_SIZE, PAGE_SIZE, 0) == -ENOENT);
    KT_ASSERT(vm_unmap(as, TEST_VA, PAGE_SIZE) == 0);
    KT_ASSERT(vm_translate(as, TEST_VA, &got, NULL) == -ENOENT);
    KT_ASSERT(vm_unmap(as, TEST_VA, PAGE_SIZE) == 0); /* unmapping a hole is fine */
    pmm_free(pa, 0);
}

KTEST(mmu_large_block_split)
{
    struct vm_aspace *as = vm_kernel_aspace();
    /* Its own GiB: the previous test left a page table at TEST_VA, and a
     * block is only used where no table is in the way. Each run in the
     * same boot takes the next 2 MiB slot of that GiB, so a run never
     * depends on the last one having cleaned up (vm_unmap frees emptied
     * tables, vm_tests.c checks that). */
    static unsigned run;
    uintptr_t va = BLOCK_VA + (run++ % 512) * SZ_2M;
    uint64_t pa = pmm_alloc(9), got; /* 2 MiB, 2 MiB-aligned */
    KT_ASSERT(pa != 0 && (pa & (SZ_2M - 1)) == 0);
    KT_ASSERT(vm_map(as, va, pa, SZ_2M, MMU_WRITE | MMU_LARGE) == 0);
    uint64_t tables = pt_table_pages();
    KT_ASSERT(vm_translate(as, va + 0x1ff123, &got, NULL) == 0 && got == pa + 0x1ff123);
    /* unmapping one page in the middle splits the block into pages */
    KT_ASSERT(vm_unmap(as, va + 0x100000, PAGE_SIZE) == 0);
    KT_ASSERT(pt_table_pages() == tables + 1);
    KT_ASSERT(vm_translate(as, va + 0x100000, &got, NULL) == -ENOENT);
    KT_ASSERT(vm_translate(as, va + 0x0ff000, &got, NULL) == 0 && got == pa + 0x0ff000);
    KT_ASSERT(vm_translate(as, va + 0x101000, &got, NULL) == 0 && got == pa + 0x101000);
    *(volatile uint32_t *)(va + 0x101000) = 0xabcd;
    KT_ASSERT(*(volatile uint32_t *)((uint8_t *)hal_phys_to_virt(pa) + 0x101000) == 0xabcd);
    KT_ASSERT(vm_unmap(as, va, SZ_2M) == 0);
    KT_ASSERT(vm_translate(as, va + 0x101000, &got, NULL) == -ENOENT);
    pmm_free(pa, 9);
}

KTEST(direct_map_and_image_rights)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uint64_t got;
    unsigned prot;
    uint64_t pa = pmm_alloc(0);
    KT_ASSERT(pa != 0);
    KT_ASSERT(vm_translate(as, (uintptr_t)hal_phys_to_virt(pa), &got, &prot) == 0);
    KT_ASSERT(got == pa && prot == MMU_WRITE); /* direct map: RW, never executable */
    pmm_free(pa, 0);
    KT_ASSERT(vm_translate(as, (uintptr_t)__kernel_start, &got, &prot) == 0 && prot == MMU_EXEC);
    KT_ASSERT(vm_translate(as, (uintptr_t)__rodata_start, &got, &prot) == 0 && prot == 0);
    KT_ASSERT(vm_translate(as, (uintptr_t)__data_start, &got, &prot) == 0 && prot == MMU_WRITE);
    KT_ASSERT(vm_translate(as, 0, &got, NULL) == -ENOENT); /* page 0 */
}

/* Other CPUs are held meanwhile: a thread there (a zombie reaped, the
 * probe thread) would move the heap counts the test compares. */
KTEST_ALONE(heap_stress_with_patterns)
{
    enum { SLOTS = 64 };
    struct { uint8_t *p; size_t n; uint8_t pat; } slot[SLOTS] = {{0}};
    struct kmalloc_stats before, after;
    kmalloc_stats(&before);
    for (int op = 0; op < 6000; op++) {
        unsigned i = next_rand() % SLOTS;
        if (slot[i].p) {
            for (size_t k = 0; k < slot[i].n; k++)
                if (slot[i].p[k] != slot[i].pat) {
                    KT_ASSERT(!"pattern changed under us");
                    break;
                }
            if (next_rand() % 4 == 0) { /* realloc keeps the contents */
                size_t n = 1 + next_rand() % 6000;
                uint8_t *q = krealloc(slot[i].p, n);
                KT_ASSERT(q != NULL);
                size_t keep = n < slot[i].n ? n : slot[i].n;
                for (size_t k = 0; k < keep; k++)
                    if (q[k] != slot[i].pat) {
                        KT_ASSERT(!"krealloc lost data");
                        break;
                    }
                memset(q, slot[i].pat, n);
                slot[i].p = q;
                slot[i].n = n;
                continue;
            }
            kfree(slot[i].p);
            slot[i].p = NULL;
        } else {
            size_t n = 1 + (next_rand() % 3 ? next_rand() % 300 : next_rand() % 9000);
            slot[i].p = kmalloc(n);
            KT_ASSERT(slot[i].p != NULL && ((uintptr_t)slot[i].p & 15) == 0);
            KT_ASSERT(kmalloc_usable_size(slot[i].p) >= n);
            slot[i].n = n;
            slot[i].pat = (uint8_t)next_rand();
            memset(slot[i].p, slot[i].pat, n);
        }
    }
    for (unsigned i = 0; i < SLOTS; i++)
        kfree(slot[i].p);
    kmalloc_stats(&after);
    for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
        KT_ASSERT(after.cls[c].inuse == before.cls[c].inuse);
    KT_ASSERT(after.large_blocks == before.large_blocks);
    KT_ASSERT(after.errors == before.errors);
}

KTEST(heap_alignment_and_bad_input)
{
    struct kmalloc_stats st;
    void *a = kmalloc_aligned(100, 256), *b = kmalloc_aligned(3000, 4096), *c = kmalloc_aligned(8, 2048);
    KT_ASSERT(a && ((uintptr_t)a & 255) == 0);
    KT_ASSERT(b && ((uintptr_t)b & 4095) == 0);
    KT_ASSERT(c && ((uintptr_t)c & 2047) == 0);
    KT_ASSERT(kmalloc_aligned(16, 3) == NULL);
    KT_ASSERT(kmalloc(0) == NULL);
    KT_ASSERT(kmalloc((size_t)-1) == NULL);
    kfree(NULL);
    kmalloc_stats(&st);
    uint64_t errors = st.errors;
    kfree((uint8_t *)a + 16);      /* not the start of an object */
    static int not_heap;
    kfree(&not_heap);               /* not heap memory at all */
    kfree(a);
    kfree(a);                       /* double free */
    kmalloc_stats(&st);
    KT_ASSERT(st.errors == errors + 3);
    kfree(b);
    kfree(c);
    uint8_t *z = kzalloc(777);
    KT_ASSERT(z != NULL);
    for (int i = 0; i < 777; i++)
        KT_ASSERT(z[i] == 0);
    kfree(z);
    void *r = krealloc(NULL, 10); /* acts as kmalloc */
    KT_ASSERT(r != NULL);
    KT_ASSERT(krealloc(r, 0) == NULL); /* acts as kfree */
}

KTEST(vmalloc_areas)
{
    struct vmalloc_stats before, after;
    vmalloc_stats(&before);
    uint8_t *p = vmalloc(3 * PAGE_SIZE + 5);
    KT_ASSERT(p != NULL && ((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
    KT_ASSERT(p[0] == 0 && p[4 * PAGE_SIZE - 1] == 0); /* zeroed, 4 pages mapped */
    memset(p, 0x5a, 4 * PAGE_SIZE);
    uintptr_t base;
    size_t size;
    KT_ASSERT(vmalloc_guard_of((uintptr_t)p - 1, &base, &size) == 2 && base == (uintptr_t)p);
    KT_ASSERT(vmalloc_guard_of((uintptr_t)p + 4 * PAGE_SIZE, &base, &size) == 2);
    KT_ASSERT(vmalloc_guard_of((uintptr_t)p + 8, &base, &size) == 0);
    uint64_t pa;
    KT_ASSERT(vm_translate(vm_kernel_aspace(), (uintptr_t)p - 1, &pa, NULL) == -ENOENT);
    void *stack = kstack_alloc();
    KT_ASSERT(stack && ((uintptr_t)stack & (2 * KSTACK_SIZE - 1)) == 0);
    KT_ASSERT(vmalloc_guard_of((uintptr_t)stack - KSTACK_SIZE, &base, &size) == 1);
    KT_ASSERT(vmalloc(0) == NULL);
    vfree(p);
    vfree(stack);
    vfree((void *)0x1234); /* logged, ignored */
    vmalloc_stats(&after);
    KT_ASSERT(after.areas == before.areas && after.mapped_bytes == before.mapped_bytes);
}

KTEST(dma_buffers)
{
    struct dma_buf b;
    KT_ASSERT(dma_alloc(10000, 65536, &b) == 0);
    KT_ASSERT((b.phys & 65535) == 0 && b.size >= 10000);
    KT_ASSERT(b.virt == hal_phys_to_virt(b.phys));
    for (size_t off = 0; off < b.size; off += PAGE_SIZE) { /* physically contiguous */
        uint64_t pa;
        KT_ASSERT(vm_translate(vm_kernel_aspace(), (uintptr_t)b.virt + off, &pa, NULL) == 0);
        KT_ASSERT(pa == b.phys + off);
    }
    KT_ASSERT(((uint8_t *)b.virt)[b.size - 1] == 0);
    dma_free(&b);
    KT_ASSERT(b.virt == NULL && b.phys == 0);
    KT_ASSERT(dma_alloc(0, 4096, &b) == -EINVAL);
    KT_ASSERT(dma_alloc(4096, 3, &b) == -EINVAL);
    KT_ASSERT(dma_alloc(1ULL << 40, 4096, &b) == -EINVAL);
}

/* Take every free page (each remembers the previous one in its first word),
 * check the allocator then says no, give them all back, and check the heap
 * works again. */
/* Alone: other CPUs' threads would see the exhaustion, and move the counts. */
KTEST_ALONE(exhaustion_returns_null_and_recovers)
{
    struct pmm_stats before, st;
    kmalloc_drain(); /* free pages the heap's CPU caches hold back to the page allocator */
    pmm_drain();     /* and the frames every CPU caches back to the buddy's lists */
    pmm_stats(&before);
    uint64_t chain = 0, count = 0, pa;
    while ((pa = pmm_alloc(0)) != 0) {
        *(uint64_t *)hal_phys_to_virt(pa) = chain;
        chain = pa;
        count++;
    }
    pmm_stats(&st);
    /* Checked after the pages go back: a failed assertion returns, and
     * must not leave the machine without memory for the tests after. */
    void *large = kmalloc(PAGE_SIZE * 4), *area = vmalloc(PAGE_SIZE);
    kfree(large);
    vfree(area);
    while (chain) {
        uint64_t prev = *(uint64_t *)hal_phys_to_virt(chain);
        pmm_free(chain, 0);
        chain = prev;
    }
    KT_ASSERT(st.free_pages == 0);
    KT_ASSERT(count == before.free_pages);
    KT_ASSERT(large == NULL); /* large: no pages */
    KT_ASSERT(area == NULL);
    pmm_drain(); /* the frames just freed sit in this CPU's cache: merge them */
    pmm_stats(&st);
    KT_ASSERT(st.free_pages == before.free_pages);
    KT_ASSERT(st.free_blocks[BUDDY_MAX_ORDER] == before.free_blocks[BUDDY_MAX_ORDER]); /* coalesced */
    void *p = kmalloc(PAGE_SIZE * 4);
    KT_ASSERT(p != NULL);
    kfree(p);
}
