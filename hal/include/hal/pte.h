/**
 * @file hal/pte.h
 * @brief Page-table entries and TLB maintenance: what the portable
 *        page-table walker (kernel/mm/pagetable.c) needs from the arch.
 *
 * Both arches translate with four levels of 512 eight-byte entries, 9 VA
 * bits per level: level 0 is the top (512 GiB per entry), level 3 maps
 * 4 KiB pages, and levels 1 (1 GiB) and 2 (2 MiB) may hold block (large
 * page) leaves. Only the bits of an entry differ, so the walker is written
 * once in kernel/mm and asks the arch to encode and decode entries through
 * the functions below. Permissions cross this boundary as the portable
 * MMU_* flags of hal/mmu.h, never as raw bits.
 *
 * All are `static inline` (the walker calls them per entry): declared here,
 * defined by the arch's <arch/pte.h>, which this header includes. None
 * allocates or sleeps; all may be called with interrupts masked and with the
 * address space's lock held. A new arch supplies these and the ARCH_ macros
 * documented here; the compile fails below if one is missing.
 */

/**
 * @defgroup hal_pte HAL: pte
 * @brief What an architecture provides for hal/pte.h. Required: the entry encoders, hal_pte_sync(), hal_tlb_flush_page(), ARCH_NEEDS_BBM and ARCH_TLB_BROADCAST (<arch/pte.h>). Optional: hal_tlb_flush_range() (default: page by page).
 * @{
 */
#ifndef HAL_PTE_H
#define HAL_PTE_H

#include <hal/mmu.h>
#include <stdint.h>

/**
 * @brief The entry that points to a next-level table at physical @p pa.
 * @param pa page-aligned physical address of a zeroed table page
 * @return a valid table entry granting everything, so that the leaf alone
 *         decides the permissions
 */
static inline uint64_t hal_pte_table(uint64_t pa);

/**
 * @brief A leaf entry mapping @p pa with MMU_* attributes @p prot.
 * @param pa physical address, aligned to the leaf's size at @p level
 * @param prot MMU_WRITE / MMU_EXEC / MMU_DEVICE (MMU_LARGE is the walker's,
 *        not passed here); never MMU_EXEC together with MMU_DEVICE
 * @param level 3 for a 4 KiB page, 2 for a 2 MiB block, 1 for a 1 GiB block
 * @return the entry: valid, readable, accessed (no access-flag fault on
 *         aarch64), writable only with MMU_WRITE, executable only with
 *         MMU_EXEC, Normal write-back memory unless MMU_DEVICE
 */
static inline uint64_t hal_pte_leaf(uint64_t pa, unsigned prot, int level);

/** @brief Nonzero if @p e is a valid entry (table or leaf). */
static inline int hal_pte_valid(uint64_t e);

/**
 * @brief Whether the valid entry @p e at @p level points to a next-level
 *        table (nonzero) or is a leaf: a page at level 3, a block above.
 */
static inline int hal_pte_is_table(uint64_t e, int level);

/** @brief The physical address in the valid entry @p e (table or leaf), page-aligned. */
static inline uint64_t hal_pte_addr(uint64_t e);

/**
 * @brief Nonzero if the table entry @p e must outlive its table's last
 *        mapping: riscv64 in Sv39 copies the kernel's level-1 entries into
 *        every user root, so the level-2 tables they point to are shared and
 *        never freed by the walker's pruning. 0 on arches that share nothing
 *        below the root.
 */
static inline int hal_pte_pinned(uint64_t e);

/** @brief The MMU_* attributes the valid leaf @p e grants (MMU_LARGE never set). */
static inline unsigned hal_pte_prot(uint64_t e);

/**
 * @brief Make earlier writes to table entries visible to the table walker
 *        before any later access that may translate through them.
 *
 * Enough after turning an invalid entry valid (no TLB can hold an invalid
 * entry on either arch). aarch64: `dsb ishst; isb` (inner shareable, so
 * every CPU's walker sees the entries); x86_64: a compiler barrier (the
 * walker snoops the caches and stores are ordered).
 */
static inline void hal_pte_sync(void);

/**
 * @brief Drop any TLB entry that translates the page at @p va, after its
 *        entry was changed or cleared (and hal_pte_sync() called).
 *
 * Scope differs by arch, see ARCH_TLB_BROADCAST: aarch64 broadcasts to every
 * CPU in the inner shareable domain and waits for completion (`tlbi
 * vaae1is; dsb ish; isb`), all ASIDs; x86_64 `invlpg` flushes this CPU
 * only, so a multi-CPU kernel must also ask the other CPUs (an IPI
 * shoot-down) before it reuses the old physical page.
 * @param va any address inside the page; for a block, any address in it
 *        flushes the whole block's entry
 */
static inline void hal_tlb_flush_page(uintptr_t va);

/**
 * @brief Drop this CPU's TLB entries for every page of [@p va, @p va +
 *        @p size), as hal_tlb_flush_page() would page by page: what another
 *        CPU does for a shoot-down (ARCH_TLB_BROADCAST 0).
 *
 * Optional: the weak default (kernel/lib/arch_defaults.c) calls
 * hal_tlb_flush_page() per page. An arch whose per-page flush is costly
 * defines its own, e.g. one full flush above a size (riscv64: a 1 GiB range
 * is 262,144 SFENCE.VMAs page by page).
 * @note Any context, interrupts masked or not; this CPU only.
 */
void hal_tlb_flush_range(uintptr_t va, uint64_t size);

#include <arch/pte.h> /* the definitions */

#ifdef __DOXYGEN__
/**
 * @brief 1 if a valid leaf whose output address or size changes must first
 *        be made invalid and flushed (Arm's break-before-make, Arm ARM
 *        D8.16), 0 if it may be rewritten in place (x86_64).
 */
#define ARCH_NEEDS_BBM 1

/**
 * @brief 1 if hal_tlb_flush_page() reaches every CPU (aarch64 `tlbi ...is`),
 *        0 if it acts on this CPU only (x86_64 `invlpg`).
 */
#define ARCH_TLB_BROADCAST 1
#endif

#if !defined(ARCH_NEEDS_BBM) || !defined(ARCH_TLB_BROADCAST)
#error "<arch/pte.h> must define ARCH_NEEDS_BBM and ARCH_TLB_BROADCAST"
#endif

/** @} */

#endif
