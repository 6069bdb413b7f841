/**
 * @file kernel/pmm.h
 * @brief Physical memory: the kernel's buddy allocator over boot RAM.
 *
 * pmm_init() takes the boot memory map, removes everything that is not free
 * (the kernel image, the DTB, the initrd, reserved ranges, the allocator's
 * own metadata) and hands the rest to a buddy allocator (the lowest few MiB
 * at once, the rest later: see pmm_fill()). Frames are
 * PAGE_SIZE; blocks are 2^order frames, physically contiguous and aligned to
 * their size. Physical address 0 is never handed out, so 0 means failure.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <hal/platform.h>
#include <kernel/buddy.h>
#include <kernel/pmm_types.h>
#include <stdint.h>

/** @brief Counters for `mem` and the tests. */
struct pmm_stats {
    uint64_t managed_pages;                      /**< frames the allocator owns */
    uint64_t free_pages;                         /**< of which free */
    uint64_t free_blocks[BUDDY_MAX_ORDER + 1];   /**< free blocks per order */
    uint64_t metadata_bytes;                     /**< struct page array */
    uint64_t deferred_pages;                     /**< RAM waiting for the direct map */
    uint64_t pending_pages;                      /**< of managed and free: not set up yet
                                                      (added on demand or in the background) */
};


/**
 * @brief Build the allocator from @p bi. RAM that the direct map does not
 *        cover yet is remembered and added by pmm_add_deferred().
 * @return 0, or -ENOMEM if no RAM is usable (the kernel cannot continue)
 */
int pmm_init(const struct boot_info *bi);

/** @brief Add the RAM pmm_init() deferred, now that the direct map covers it. */
void pmm_add_deferred(void);

/**
 * @brief A thread's body (kmain starts it at low priority) that sets up the
 *        page metadata of the RAM pmm_init() left pending, a chunk at a
 *        time, so it is not done before the shell. Without the thread (or
 *        before it is done), the RAM is set up when the free lists run dry.
 * @return 0 once no RAM is pending
 */
int pmm_fill(void *arg);

/** @brief Nonzero while pmm_init() left RAM pending (for pmm_fill()). */
int pmm_fill_pending(void);

/**
 * @brief Allocate 2^@p order contiguous frames. When the free lists have
 *        nothing that large, pending RAM is set up a 4 MiB chunk at a time
 *        (16 KiB of metadata each) until something fits.
 * Single frames come from this CPU's cache (struct pmm_cpu). Before
 * failing, the free frames every CPU caches go back to the buddy (only this
 * CPU's when called with interrupts masked: reaching the others takes a
 * synchronous call) and the allocation is tried again.
 * @return the physical address of the first, or 0 if none is free
 * @note Any context, interrupt handlers included: takes the allocator's
 *       spinlock with interrupts masked; never sleeps.
 */
uint64_t pmm_alloc(unsigned order);

/**
 * @brief Let @p fn free memory others keep but can spare (clean page-cache
 *        pages): pmm_alloc() calls it, from thread context with interrupts
 *        on only, when even the drained CPU caches cannot serve a request,
 *        asking for at least the request's frames; it returns the frames it
 *        freed. @p fn must not sleep (it may only try locks).
 */
void pmm_set_reclaim(size_t (*fn)(size_t frames));

/**
 * @brief Give the free frames the calling CPU caches back to the buddy
 *        allocator (so they can merge into larger blocks).
 * @note Any context; this CPU's cache only.
 */
void pmm_drain_cpu(void);

/**
 * @brief pmm_drain_cpu() on every CPU (a synchronous call to each other
 *        one); with interrupts masked or in a handler, this CPU's only.
 */
void pmm_drain(void);

/**
 * @brief Free a block from pmm_alloc(). A bad free (not allocated, wrong order,
 *        misaligned, double) is logged with the caller and ignored.
 * @return 0 or the buddy allocator's error
 */
int pmm_free(uint64_t pa, unsigned order);

/**
 * @brief The metadata of the frame at @p pa, or NULL if not RAM we manage
 *        (or RAM still pending, which nobody can hold yet).
 * @note Any context; lock-free.
 */
struct page *pmm_page(uint64_t pa);

/** @brief The frame allocator itself: for kmem_page_of()'s inline lookup
 *         (kernel/kmalloc.h) only; everything else goes through the calls above. */
extern struct buddy pmm_buddy;

/**
 * @brief Fill @p st with the current counters. Pending RAM counts as managed
 *        and free, and as the free blocks it will become, so the totals do
 *        not move while it is added.
 * @note Any context; takes the allocator's spinlock.
 */
void pmm_stats(struct pmm_stats *st);

/**
 * @brief Frames free (*@p free_pages) and managed (*@p managed_pages), counted
 *        as pmm_stats() counts them, without its per-order walk of pending
 *        RAM: for callers that ask on every page they cache.
 * @note Any context; takes the allocator's spinlock.
 */
void pmm_counts(uint64_t *free_pages, uint64_t *managed_pages);

#endif
