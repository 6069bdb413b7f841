/**
 * @file kernel/vm.h
 * @brief Mapping pages: map, unmap, protect and translate in an address
 *        space, for every architecture.
 *
 * The kernel implements these once (kernel/mm/pagetable.c) on top of the
 * arch's entry encoders (hal/pte.h); the arch only says how an entry looks
 * and how to flush it. That is why they are vm_, not hal_: a new arch gets
 * them for free. Attributes are the portable MMU_* flags of hal/mmu.h.
 *
 * Every function takes the address space's spinlock with interrupts masked
 * (except vm_translate(), which reads without it), never sleeps, and may be
 * called from threads and, except where it allocates table pages, from
 * interrupt handlers. TLB maintenance is done before each returns; its scope
 * is hal_tlb_flush_page()'s (every CPU on aarch64, this CPU on x86_64, which
 * is all there is while the kernel runs on one CPU).
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <hal/mmu.h>
#include <stdint.h>

/** @brief An address space: one set of translation tables (kernel/pagetable.h). */
struct vm_aspace;

/**
 * @brief The kernel's address space (the upper half on both arches).
 * @return never NULL; its tables exist once hal_mmu_init() succeeded, and
 *         until then every vm_ call on it fails (-EINVAL / -ENOENT)
 * @note Any context.
 */
struct vm_aspace *vm_kernel_aspace(void);

/**
 * @brief After vm_unmap() or vm_protect() changed [va, va + size) and
 *        flushed this CPU's TLB, call @p fn so the other CPUs drop their
 *        copies (x86_64 has no broadcast TLB flush: smp_init() installs an
 *        IPI shoot-down). NULL: nothing to do (one CPU, or aarch64's
 *        broadcast `tlbi ...is`). The call happens after the address
 *        space's lock is released.
 */
void vm_set_shootdown(void (*fn)(uintptr_t va, uint64_t size));

/**
 * @brief Before pt_destroy() frees a space's tables, call @p fn so no CPU
 *        keeps them loaded: the scheduler lets a kernel thread run on the
 *        space the CPU had (as Linux's lazy TLB does), which pt_destroy()'s
 *        caller cannot see. NULL: nothing to do.
 */
void vm_set_unload(void (*fn)(struct vm_aspace *as));

/**
 * @brief Map [va, va + size) to [pa, pa + size) with MMU_* attributes @p prot.
 * @param as the address space
 * @param va first virtual address, page-aligned, inside @p as
 * @param pa first physical address, page-aligned
 * @param size bytes, a nonzero multiple of the page size
 * @param prot MMU_WRITE, MMU_EXEC, MMU_DEVICE, MMU_LARGE (2 MiB blocks where
 *        @p va, @p pa and the size left allow)
 * @retval 0 mapped (made visible to the table walker)
 * @retval -EINVAL va, pa or size not page-aligned, size 0, the range not in
 *         @p as, MMU_EXEC with MMU_DEVICE, or @p as has no tables yet
 * @retval -EEXIST part of the range is already mapped (nothing is changed)
 * @retval -ENOMEM no page for a table (what was mapped is unmapped again,
 *         and the tables allocated for it are freed)
 * @note Thread context (allocates table pages from pmm_alloc()); never sleeps.
 */
int vm_map(struct vm_aspace *as, uintptr_t va, uint64_t pa, uint64_t size, unsigned prot);

/**
 * @brief Unmap [va, va + size); unmapped pages in the range are skipped. A
 *        block that is only partly unmapped is split first; the level-3
 *        and level-2 table pages under the range that the unmap leaves
 *        empty are freed, so the range is as if it had never been mapped.
 * @param as the address space
 * @param va first virtual address, page-aligned
 * @param size bytes, a nonzero multiple of the page size
 * @retval 0 unmapped and flushed from the TLB
 * @retval -EINVAL misaligned, size 0, outside @p as or no tables yet
 * @retval -ENOMEM no page to split a block (pages before it are unmapped)
 * @note Thread context; never sleeps. The physical pages are the caller's
 *       to free, after this returns.
 */
int vm_unmap(struct vm_aspace *as, uintptr_t va, uint64_t size);

/**
 * @brief Unmap the mapped 4 KiB pages of [*@p va, @p end), @p max at most,
 *        for someone other than the space's own threads (truncate cutting
 *        a file's pages out of every space that maps them): each entry is
 *        cleared under the space's lock, so each page is taken once however
 *        many callers race for it, and flushed from every CPU's TLB even
 *        when the space is local (a thread of it may be running elsewhere).
 *        Tables are not freed (the owner's lock-free readers may be walking
 *        them); they go when the owner unmaps the range or the space dies.
 * @param as  the address space
 * @param va  in: the first address (page-aligned); out: where to go on
 *            (@p end when the range is done)
 * @param end the end of the range (page-aligned)
 * @param pa  receives the physical page of each entry cleared
 * @param max room in @p pa
 * @return entries cleared; their pages are the caller's to free now
 * @note Thread context; never sleeps.
 */
size_t vm_take(struct vm_aspace *as, uintptr_t *va, uintptr_t end, uint64_t *pa, size_t max);

/**
 * @brief Change the attributes of every page in [va, va + size).
 * @param as the address space
 * @param va first virtual address, page-aligned
 * @param size bytes, a nonzero multiple of the page size
 * @param prot the new MMU_* attributes (MMU_LARGE is ignored)
 * @retval 0 changed and flushed from the TLB
 * @retval -EINVAL misaligned, size 0, outside @p as, MMU_EXEC with
 *         MMU_DEVICE, or no tables yet
 * @retval -ENOENT a page in the range is not mapped (pages before it are
 *         already changed)
 * @retval -ENOMEM no page to split a block
 * @note Thread context; never sleeps.
 */
int vm_protect(struct vm_aspace *as, uintptr_t va, uint64_t size, unsigned prot);

/**
 * @brief Look up @p va.
 * @param as the address space
 * @param va any virtual address
 * @param pa receives the physical address of @p va (not just its page)
 * @param prot if not NULL, receives the MMU_* attributes
 * @retval 0 mapped
 * @retval -ENOENT not mapped (or outside @p as, or no tables yet)
 * @note Any context, interrupt handlers included: reads the tables without
 *       the lock and allocates nothing. A concurrent change of the same
 *       page may be seen either way.
 */
int vm_translate(struct vm_aspace *as, uintptr_t va, uint64_t *pa, unsigned *prot);

/**
 * @brief The first mapped address in [@p va, @p end), found without looking
 *        at every page: a table that is absent is skipped whole (a walk of
 *        a huge, barely touched region costs what is mapped in it).
 * @return that address (the start of its page, or @p va inside a block),
 *         or @p end if nothing in the range is mapped
 * @note As vm_translate(): lock-free, any context.
 */
uintptr_t vm_next_mapped(struct vm_aspace *as, uintptr_t va, uintptr_t end);

/**
 * @brief How many pages from @p va (page-aligned) on, at most @p n, are
 *        mapped with every MMU_* bit of @p want, counted in one last-level
 *        table (one walk, then its entries in a row: a run stops at the
 *        table's end, and at a large page, with the count so far).
 * @param as   the address space
 * @param va   the first page
 * @param n    pages to look at, at most
 * @param want MMU_* bits each entry must have (0: any mapped page)
 * @param pa   if not NULL, receives each of those pages' physical address
 * @return the pages of the run, 0 if @p va itself is not so mapped
 * @note As vm_translate(): lock-free, any context.
 */
size_t vm_mapped_run(struct vm_aspace *as, uintptr_t va, size_t n, unsigned want, uint64_t *pa);

/**
 * @brief Which of the @p n pages from @p va (page-aligned, all in one
 *        last-level table, @p n at most 64) are mapped: bit k for page k.
 * @note As vm_translate(): lock-free, any context.
 */
uint64_t vm_mapped_mask(struct vm_aspace *as, uintptr_t va, size_t n);

/**
 * @brief Map page k of the @p n from @p va (page-aligned, all in one
 *        last-level table) to frame @p pa[k], with MMU_* @p prot, for each k
 *        whose @p pa[k] is nonzero and whose page is not mapped yet: one
 *        walk for them all. Each page mapped has its pa[k] set to 0, so what
 *        is left nonzero was not mapped (the caller's to put back).
 * @return pages mapped; -EINVAL (misaligned, outside @p as, across a table,
 *         MMU_EXEC with MMU_DEVICE), -ENOMEM (no page for a table: none mapped)
 * @note Thread context; never sleeps. Entries that were empty need no TLB flush.
 */
long vm_map_pages(struct vm_aspace *as, uintptr_t va, uint64_t pa[], size_t n, unsigned prot);

#endif
