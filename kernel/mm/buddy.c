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

static void init_fields(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages)
{
    b->base_pfn = base_pfn;
    b->npages = npages;
    b->pages = pages;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        b->free_head[o] = BUDDY_NONE;
        b->free_blocks[o] = 0;
    }
    b->free_pages = b->managed_pages = 0;
    b->ready = NULL;
    b->chunk0 = base_pfn >> BUDDY_MAX_ORDER;
}

void buddy_init_lazy(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages,
                     uint8_t *ready_map)
{
    init_fields(b, base_pfn, npages, pages);
    b->ready = ready_map;
    memset(ready_map, 0, buddy_ready_map_bytes(base_pfn, npages));
}

/* Are frame @p pfn's struct page (and its whole chunk's) valid? pfn inside the allocator. */
static int chunk_ready(const struct buddy *b, uint64_t pfn)
{
    if (!b->ready)
        return 1;
    uint64_t c = (pfn >> BUDDY_MAX_ORDER) - b->chunk0;
    return b->ready[c / 8] >> (c % 8) & 1;
}

/* Make the struct pages of every chunk that [pfn, end) touches valid
 * (all reserved), each once. The bounds are inside the allocator. */
static void prepare_chunks(struct buddy *b, uint64_t pfn, uint64_t end)
{
    if (!b->ready)
        return;
    for (uint64_t c = pfn >> BUDDY_MAX_ORDER; c <= (end - 1) >> BUDDY_MAX_ORDER; c++) {
        uint64_t bit = c - b->chunk0;
        if (b->ready[bit / 8] >> (bit % 8) & 1)
            continue;
        uint64_t first = c << BUDDY_MAX_ORDER, last = first + BUDDY_CHUNK_PAGES;
        if (first < b->base_pfn)
            first = b->base_pfn;
        if (last > b->base_pfn + b->npages)
            last = b->base_pfn + b->npages;
        memset(&b->pages[first - b->base_pfn], 0, (last - first) * sizeof(struct page));
        b->ready[bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
}

void buddy_init(struct buddy *b, uint64_t base_pfn, uint64_t npages, struct page *pages)
{
    init_fields(b, base_pfn, npages, pages);
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

/* The order of the largest aligned block that ends at @p end and starts at or after @p pfn. */
static unsigned block_ending_at(uint64_t pfn, uint64_t end)
{
    unsigned order = 0;
    while (order < BUDDY_MAX_ORDER && !(end & ((2ULL << order) - 1)) &&
           end - (2ULL << order) >= pfn)
        order++;
    return order;
}

uint64_t buddy_count_blocks(uint64_t pfn, uint64_t count, uint64_t blocks[BUDDY_MAX_ORDER + 1])
{
    uint64_t end = pfn + count < pfn ? UINT64_MAX : pfn + count, counted = 0;
    while (end > pfn) {
        unsigned order = block_ending_at(pfn, end);
        blocks[order]++;
        counted += 1ULL << order;
        end -= 1ULL << order;
    }
    return counted;
}

uint64_t buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
    uint64_t added = 0;
    uint64_t end = pfn + count < pfn ? UINT64_MAX : pfn + count;
    if (pfn < b->base_pfn)
        pfn = b->base_pfn;
    if (end > b->base_pfn + b->npages)
        end = b->base_pfn + b->npages;
    if (end > pfn)
        prepare_chunks(b, pfn, end);
    /* Top down, so the lowest blocks are pushed last and sit at the front of
     * the free lists: early allocations come from low memory. */
    while (end > pfn) {
        /* The largest aligned block that ends here and fits. */
        unsigned order = block_ending_at(pfn, end);
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
        (pfn & ((1ULL << order) - 1)) || !chunk_ready(b, pfn))
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

