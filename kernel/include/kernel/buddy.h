/**
 * @file kernel/buddy.h
 * @brief Binary buddy allocator over page frame numbers.
 *
 * Pure bookkeeping: it never touches the pages it manages, only an array of
 * struct page (one per frame in [base_pfn, base_pfn + npages)), so the same
 * code runs in the kernel (kernel/mm/pmm.c) and in host unit tests.
 *
 * Blocks of 2^order pages, order 0..BUDDY_MAX_ORDER, aligned to their size
 * in absolute frame numbers, so a block's buddy is pfn ^ (1 << order).
 * Allocation and free are O(BUDDY_MAX_ORDER): a free list per order (doubly
 * linked through struct page, so unlinking a buddy during a merge is O(1)).
 *
 * Invariant: only the first page of a block (its head) has state PAGE_FREE or
 * PAGE_USED and a meaningful order; the other pages are PAGE_TAIL. Frames that
 * were never handed to the allocator stay PAGE_RESERVED and are never merged.
 *
 * Lazy metadata (buddy_init_lazy): the struct page array of a large machine
 * is megabytes (16 MiB at 4 GiB of RAM), and writing it all costs boot time
 * that nothing before the shell needs. So the array may be left unwritten
 * and set up one chunk at a time: a chunk is one max-order block of frames
 * (BUDDY_CHUNK_PAGES, aligned in absolute frame numbers), and a bitmap says
 * which chunks' struct pages are valid. A chunk becomes valid when
 * buddy_add_range() first touches it. Merging never looks outside a block of
 * the largest order, so a merge never reads a chunk that is not valid, and
 * buddy_page()/buddy_free() treat frames of an unset chunk as outside the
 * allocator.
 */
#ifndef KERNEL_BUDDY_H
#define KERNEL_BUDDY_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12                   /**< log2 of PAGE_SIZE */
#define PAGE_SIZE (1ULL << PAGE_SHIFT)  /**< bytes per frame */
#define BUDDY_MAX_ORDER 10      /**< largest block: 1024 pages = 4 MiB */
#define BUDDY_NONE 0xffffffffu  /**< end of a free list */
#define BUDDY_CHUNK_PAGES (1ULL << BUDDY_MAX_ORDER) /**< frames per lazily set-up chunk */

/** @brief What a frame is to the allocator. */
enum page_state {
    PAGE_RESERVED = 0, /**< not managed (firmware, kernel image, holes) */
    PAGE_FREE,         /**< head of a free block */
    PAGE_USED,         /**< head of an allocated block */
    PAGE_TAIL,         /**< inside a block, not its head */
    PAGE_CACHED,       /**< a free frame a CPU keeps for pmm_alloc(0), outside the free lists */
};

/** @brief Per-frame metadata (16 bytes). */
struct page {
    uint8_t state;    /**< enum page_state */
    uint8_t order;    /**< block order, valid on heads */
    uint16_t flags;   /**< owner-defined (e.g. which allocator holds it) */
    uint32_t next;    /**< free list: index of the next free head, or BUDDY_NONE */
    union {
        uint32_t prev;  /**< free list: index of the previous free head */
        void *owner;    /**< allocated: owner-defined (a slab, a vmalloc area) */
    };
};

/**
 * @brief The smallest order whose block holds @p bytes (BUDDY_MAX_ORDER + 1
 *        if none does).
 */
static inline unsigned buddy_order_for(uint64_t bytes)
{
    unsigned order = 0;
    while (order <= BUDDY_MAX_ORDER && (PAGE_SIZE << order) < bytes)
        order++;
    return order;
}

/** @brief One buddy allocator instance. */
struct buddy {
    uint64_t base_pfn;                             /**< frame of pages[0] */
    uint64_t npages;                               /**< frames covered */
    struct page *pages;                            /**< npages entries */
    uint32_t free_head[BUDDY_MAX_ORDER + 1];       /**< first free head per order */
    uint64_t free_blocks[BUDDY_MAX_ORDER + 1];     /**< free blocks per order */
    uint64_t free_pages;                           /**< sum of free blocks' pages */
    uint64_t managed_pages;                        /**< frames ever added */
    uint8_t *ready;    /**< lazy mode: bit per chunk whose struct pages are valid; NULL: all are */
    uint64_t chunk0;   /**< lazy mode: absolute chunk number of bit 0 */
};

/**
 * @brief Set up an allocator for frames [base_pfn, base_pfn + npages) with
 *        every frame reserved. @p npages must be below 2^32.
 */
void buddy_init(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages);

/**
 * @brief Bytes of chunk bitmap buddy_init_lazy() needs for these frames.
 */
static inline uint64_t buddy_ready_map_bytes(uint64_t base_pfn, uint64_t npages)
{
    uint64_t chunks = ((base_pfn + npages + BUDDY_CHUNK_PAGES - 1) >> BUDDY_MAX_ORDER) -
                      (base_pfn >> BUDDY_MAX_ORDER);
    return (chunks + 7) / 8;
}

/**
 * @brief Like buddy_init(), but without writing @p pages: only the
 *        @p ready_map (buddy_ready_map_bytes() bytes) is cleared. Each
 *        chunk's struct pages are set up when buddy_add_range() first
 *        reaches it. @p npages must be below 2^32.
 * @note Cost: O(size of the bitmap), not O(@p npages). Not thread-safe
 *       (the caller serialises, as for every function here).
 */
void buddy_init_lazy(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages,
                     uint8_t *ready_map);

/**
 * @brief Count the blocks buddy_add_range() would create for the frames
 *        [pfn, pfn + count) of a chunk-aligned region no frame of which has
 *        been added yet, adding one to @p blocks[order] for each, without
 *        touching any struct page. Lets a caller report free memory it has
 *        not handed over yet exactly as it will look once handed over.
 * @return the number of frames counted
 */
uint64_t buddy_count_blocks(uint64_t pfn, uint64_t count, uint64_t blocks[BUDDY_MAX_ORDER + 1]);

/**
 * @brief Hand frames [pfn, pfn + count) to the allocator as free memory,
 *        merging with free neighbours. Frames outside the allocator or not
 *        reserved (already added) are skipped.
 * @return the number of frames added
 */
uint64_t buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count);

/**
 * @brief Allocate a block of 2^@p order frames.
 * @return its first frame number, or -ENOMEM (nothing that large free) or
 *         -EINVAL (@p order above BUDDY_MAX_ORDER)
 */
int64_t buddy_alloc(struct buddy *b, unsigned order);

/**
 * @brief Free a block from buddy_alloc().
 * @retval 0 freed
 * @retval -EINVAL @p pfn is outside the allocator, not aligned to @p order,
 *         not the head of an allocated block, or allocated with another order
 * @retval -EALREADY the block is already free (a double free; if the block
 *         has merged with its buddy since, the head is gone and the result is -EINVAL)
 */
int buddy_free(struct buddy *b, uint64_t pfn, unsigned order);

/** @brief The metadata of frame @p pfn, or NULL if outside the allocator
 *         (or in a chunk whose metadata is not set up yet). */
static inline struct page *buddy_page(struct buddy *b, uint64_t pfn)
{
    /* Inline: kfree() looks up every pointer's page. */
    if (pfn < b->base_pfn || pfn - b->base_pfn >= b->npages)
        return NULL;
    if (b->ready) {
        uint64_t c = (pfn >> BUDDY_MAX_ORDER) - b->chunk0;
        if (!(b->ready[c / 8] >> (c % 8) & 1))
            return NULL;
    }
    return &b->pages[pfn - b->base_pfn];
}

#endif
