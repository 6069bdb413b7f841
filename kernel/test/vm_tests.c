/**
 * @file vm_tests.c
 * @brief In-kernel tests of the page-table walker's bookkeeping
 *        (kernel/vm.h): unmapping gives back the tables it emptied.
 *
 * Without that, every vmalloc area would leave its tables behind, and a
 * range once mapped in pages could never hold a 2 MiB block again, so the
 * ktests would pass on their first run and fail on the second.
 */
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/vm.h>

#define SZ_2M 0x200000ULL
/* A GiB of kernel space no other code uses (vmalloc starts far above on
 * x86_64 and far below on aarch64; the image and MMIO window are above). */
#define PRUNE_VA (KERNEL_VIRT_BASE - (8ULL << 30))

KTEST(vm_unmap_frees_emptied_tables)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uint64_t pa = pmm_alloc(0), got;
    KT_ASSERT(pa != 0);
    uint64_t before = pt_table_pages();
    /* Two pages in one 2 MiB range: one level-2 and one level-3 table (and
     * a level-1 table if this GiB's level-0 slot had none: counted too). */
    KT_ASSERT(vm_map(as, PRUNE_VA, pa, PAGE_SIZE, MMU_WRITE) == 0);
    KT_ASSERT(vm_map(as, PRUNE_VA + 0x10000, pa, PAGE_SIZE, 0) == 0);
    uint64_t mapped = pt_table_pages();
    KT_ASSERT(mapped >= before + 2);
    /* Unmapping one page leaves the other: no table may go. */
    KT_ASSERT(vm_unmap(as, PRUNE_VA, PAGE_SIZE) == 0);
    KT_ASSERT(pt_table_pages() == mapped);
    KT_ASSERT(vm_translate(as, PRUNE_VA + 0x10000, &got, NULL) == 0 && got == pa);
    /* Unmapping the whole GiB empties and frees the level-3 and level-2
     * tables; the level-1 table stays (its 512 GiB span was not unmapped). */
    KT_ASSERT(vm_unmap(as, PRUNE_VA & ~((1ULL << 30) - 1), 1ULL << 30) == 0);
    KT_ASSERT(pt_table_pages() == mapped - 2);
    KT_ASSERT(vm_translate(as, PRUNE_VA + 0x10000, &got, NULL) == -ENOENT);
    /* The range takes a 2 MiB block again: a table left behind would have
     * made the walker fall back to pages. */
    uint64_t blk = pmm_alloc(9);
    KT_ASSERT(blk != 0);
    uint64_t t0 = pt_table_pages();
    int err = vm_map(as, PRUNE_VA & ~(SZ_2M - 1), blk, SZ_2M, MMU_WRITE | MMU_LARGE);
    uint64_t t1 = pt_table_pages();
    int err2 = vm_unmap(as, PRUNE_VA & ~((1ULL << 30) - 1), 1ULL << 30);
    pmm_free(blk, 9);
    pmm_free(pa, 0);
    KT_ASSERT(err == 0 && err2 == 0);
    KT_ASSERT(t1 == t0 + 1);              /* one level-2 table, no level-3 */
    KT_ASSERT(pt_table_pages() == t0);    /* and it went again: nothing left behind */
}
