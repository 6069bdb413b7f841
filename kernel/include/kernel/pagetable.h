/**
 * @file kernel/pagetable.h
 * @brief The portable 4-level page-table walker behind kernel/vm.h: the
 *        address space structure and what the arch's hal_mmu_init() uses.
 *
 * aarch64 (4 KiB granule, 48-bit VA) and x86_64 (4-level paging) share the
 * shape: four levels of 512 eight-byte entries, 9 VA bits per level, leaves
 * at level 3 (4 KiB) or blocks at level 2 (2 MiB) and 1 (1 GiB). Only the
 * entry encoding differs, and that is the arch's, through hal/pte.h.
 * Table pages come from the physical allocator and are reached through the
 * direct map.
 */
#ifndef KERNEL_PAGETABLE_H
#define KERNEL_PAGETABLE_H

#include <hal/mmu.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>
#include <stdint.h>

/** @brief An address space: a top-level table and the VA range it serves. */
struct vm_aspace {
    uint64_t root;     /**< physical address of the level-0 table */
    uintptr_t va_lo;   /**< lowest VA this space translates */
    uintptr_t va_hi;   /**< highest VA (inclusive) */
    struct spinlock lock; /**< serialises map/unmap/protect (translate reads without it) */
    /** No other CPU can hold TLB entries of it, so unmap and protect flush
     *  this CPU only: a single-threaded process's space, loaded on one CPU
     *  at a time and flushed from a CPU's TLB when it switches away
     *  (hal_uspace_switch()), or reloaded with a flush where it kept its
     *  ASID (tlb_gen). */
    int local;
    /** A user space's identity for the CPUs' ASIDs (kernel/asid.h), never
     *  reused; given on its first load. 0: not loaded yet (the kernel's). */
    uint64_t id;
    /** Changes that dropped or narrowed a translation (vm_unmap(),
     *  vm_protect()): bumped after each, before its shoot-down, so a CPU
     *  that kept the space's ASID knows to flush it when it loads it. */
    uint64_t tlb_gen;
};

/** @brief A zeroed page for a table; its physical address, or 0 if out of memory. */
uint64_t pt_alloc_table(void);

/**
 * @brief Free every table of @p as that serves its range [va_lo, va_hi],
 *        then its root (a user space, kernel/user/uspace.c): the range must
 *        be unmapped already (the leaves' pages are the caller's); entries
 *        of the root outside the range (shared kernel tables) are dropped
 *        with it, not freed. No thread may use it any more; a CPU that
 *        still has it loaded for a kernel thread drops it first
 *        (vm_set_unload()).
 */
void pt_destroy(struct vm_aspace *as);

/**
 * @brief Map the kernel image (at physical @p phys) into @p as at its link
 *        address with W^X: text RX, rodata R, data and .bss RW, all 4 KiB pages.
 */
int pt_map_image(struct vm_aspace *as, uint64_t phys);

/**
 * @brief Build the kernel's own tables in the kernel address space: the
 *        image (pt_map_image), the direct map of @p ram (2 MiB blocks where
 *        possible) and every claimed slot of the MMIO window. The arch then
 *        loads the new root (vm_kernel_aspace()->root) into TTBR1 / CR3.
 * @return 0, or -ENOMEM with the root reset to 0 (stay on the boot tables)
 */
int pt_build_kernel(const struct mem_range *ram, int n, uint64_t image_phys,
                    const uint64_t *io_tags, unsigned io_slots, uintptr_t io_base, uint64_t io_chunk);

/** @brief hal_direct_mapped() once the kernel's own tables are in use. */
int pt_direct_mapped(uint64_t pa, uint64_t len);

/** @brief Table pages allocated so far (for `mem`). */
uint64_t pt_table_pages(void);

#endif
