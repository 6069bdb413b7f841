/**
 * @file buddy.c
 * @brief Binary buddy allocator (see kernel/buddy.h for the invariants).
 */
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <stddef.h>

static void list_push(struct buddy *b, uint32_t idx, unsigned order)
{
    struct page *p = &b->pages[idx];
    p->state = PAGE_FREE;
    p->order = (uint8_t)order;
    p->prev = BUDDY_NONE;
    p->next = b->free_head[order];
    if (p->next != BUDDY_NONE)
        b->pages[p->next].prev = idx;
    b->free_head[order] = idx;
    b->free_blocks[order]++;
    b->free_pages += 1ULL << order;
}

static void list_remove(struct buddy *b, uint32_t idx)
{
    struct page *p = &b->pages[idx];
    unsigned order = p->order;
    if (p->prev != BUDDY_NONE)
        b->pages[p->prev].next = p->next;
    else
        b->free_head[order] = p->next;
    if (p->next != BUDDY_NONE)
        b->pages[p->next].prev = p->prev;
    p->state = PAGE_TAIL;
    b->free_blocks[order]--;
    b->free_pages -= 1ULL << order;
}

void buddy_init(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages)
{
    b->base_pfn = base_pfn;
    b->npages = npages;
    b->pages = pages;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        b->free_head[o] = BUDDY_NONE;
        b->free_blocks[o] = 0;
    }
    b->free_pages = b->managed_pages = 0;
    /* All zero is PAGE_RESERVED with no flags and no owner; the list links
     * mean something only on free heads, which list_push() sets. One
     * word-wise memset of the whole array (16 MiB at 4 GiB of RAM) instead
     * of a store per field per page. */
    _Static_assert(PAGE_RESERVED == 0, "a zeroed struct page must be reserved");
    memset(pages, 0, npages * sizeof *pages);
}

/* Put the block at index idx of the given order on the free lists, merging
 * with its buddy for as long as the buddy is a free block of the same order. */
static void free_block(struct buddy *b, uint64_t idx, unsigned order)
{
    uint64_t pfn = b->base_pfn + idx;
    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ (1ULL << order);
        if (buddy_pfn < b->base_pfn || buddy_pfn - b->base_pfn >= b->npages)
            break;
        struct page *bp = &b->pages[buddy_pfn - b->base_pfn];
        if (bp->state != PAGE_FREE || bp->order != order)
            break;
        list_remove(b, (uint32_t)(buddy_pfn - b->base_pfn));
        b->pages[pfn - b->base_pfn].state = PAGE_TAIL; /* the merged head is the lower one */
        pfn &= ~(1ULL << order);
        order++;
    }
    list_push(b, (uint32_t)(pfn - b->base_pfn), order);
}

/* Are frames [idx, idx + n) all still reserved? */
static int all_reserved(const struct buddy *b, uint64_t idx, uint64_t n)
{
    for (uint64_t i = idx; i < idx + n; i++)
        if (b->pages[i].state != PAGE_RESERVED)
            return 0;
    return 1;
}

uint64_t buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
    uint64_t added = 0;
    uint64_t end = pfn + count < pfn ? UINT64_MAX : pfn + count;
    if (pfn < b->base_pfn)
        pfn = b->base_pfn;
    if (end > b->base_pfn + b->npages)
        end = b->base_pfn + b->npages;
    /* Top down, so the lowest blocks are pushed last and sit at the front of
     * the free lists: early allocations come from low memory. */
    while (end > pfn) {
        /* The largest aligned block that ends here and fits. */
        unsigned order = 0;
        while (order < BUDDY_MAX_ORDER && !(end & ((2ULL << order) - 1)) &&
               end - (2ULL << order) >= pfn)
            order++;
        uint64_t n = 1ULL << order, idx = end - n - b->base_pfn;
        if (!all_reserved(b, idx, n)) {
            n = 1; /* overlaps frames added before: go frame by frame */
            order = 0;
            idx = end - 1 - b->base_pfn;
            if (b->pages[idx].state != PAGE_RESERVED) {
                end--;
                continue;
            }
        }
        for (uint64_t i = idx; i < idx + n; i++)
            b->pages[i].state = PAGE_TAIL;
        b->managed_pages += n;
        added += n;
        free_block(b, idx, order);
        end -= n;
    }
    return added;
}

int64_t buddy_alloc(struct buddy *b, unsigned order)
{
    if (order > BUDDY_MAX_ORDER)
        return -EINVAL;
    unsigned o = order;
    while (o <= BUDDY_MAX_ORDER && b->free_head[o] == BUDDY_NONE)
        o++;
    if (o > BUDDY_MAX_ORDER)
        return -ENOMEM;
    uint32_t idx = b->free_head[o];
    list_remove(b, idx);
    /* Split: keep the lower half, free the upper half at each step down. */
    while (o > order) {
        o--;
        list_push(b, idx + (1u << o), o);
    }
    struct page *p = &b->pages[idx];
    p->state = PAGE_USED;
    p->order = (uint8_t)order;
    p->owner = NULL;
    p->flags = 0;
    return (int64_t)(b->base_pfn + idx);
}

int buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    if (order > BUDDY_MAX_ORDER || pfn < b->base_pfn || pfn - b->base_pfn >= b->npages ||
        (pfn & ((1ULL << order) - 1)))
        return -EINVAL;
    struct page *p = &b->pages[pfn - b->base_pfn];
    if (p->state == PAGE_FREE)
        return -EALREADY;
    if (p->state != PAGE_USED || p->order != order)
        return -EINVAL;
    p->state = PAGE_TAIL;
    free_block(b, pfn - b->base_pfn, order);
    return 0;
}

struct page *buddy_page(struct buddy *b, uint64_t pfn)
{
    if (pfn < b->base_pfn || pfn - b->base_pfn >= b->npages)
        return NULL;
    return &b->pages[pfn - b->base_pfn];
}
