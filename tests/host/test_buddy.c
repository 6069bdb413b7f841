/**
 * @file test_buddy.c
 * @brief The buddy allocator on the host: counters, alignment, coalescing,
 *        bad frees, a randomized stress with patterns in a real arena, and
 *        lazily set-up metadata (chunks written only when first added).
 */
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <stdlib.h>

#include "check.h"

#define BASE_PFN 0x40000ULL /* 1 GiB, like aarch64 virt RAM */
#define NPAGES 8192u        /* 32 MiB */

static struct page pages[NPAGES];
static struct buddy b;

/* Free lists agree with the counters, hold only free heads, and no two
 * free blocks overlap. */
static void check_invariants(void)
{
    static uint8_t seen[NPAGES];
    memset(seen, 0, sizeof seen);
    uint64_t total = 0;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        uint64_t n = 0;
        uint32_t prev = BUDDY_NONE;
        for (uint32_t i = b.free_head[o]; i != BUDDY_NONE; i = pages[i].next) {
            CHECK(pages[i].state == PAGE_FREE && pages[i].order == o);
            CHECK(pages[i].prev == prev);
            CHECK(((BASE_PFN + i) & ((1u << o) - 1)) == 0);
            for (uint32_t k = i; k < i + (1u << o); k++) {
                CHECK(!seen[k]);
                seen[k] = 1;
            }
            prev = i;
            n++;
        }
        CHECK_EQ_INT(n, b.free_blocks[o]);
        total += n << o;
    }
    CHECK_EQ_INT(total, b.free_pages);
}

static void test_counters_and_coalescing(void)
{
    buddy_init(&b, BASE_PFN, NPAGES, pages);
    CHECK_EQ_INT(b.free_pages, 0);
    CHECK_EQ_INT(buddy_alloc(&b, 0), -ENOMEM);
    /* two ranges with holes, the first starting unaligned */
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 5, 1000), 1000);
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 1008, NPAGES - 1008), NPAGES - 1008);
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 10, 20), 0);          /* already added */
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + NPAGES, 100), 0);     /* outside */
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN - 100, 100), 0);        /* below the allocator */
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN - 100, 101), 1);        /* clipped to frame 0 */
    CHECK_EQ_INT(b.managed_pages, NPAGES - 7);
    CHECK_EQ_INT(b.free_pages, NPAGES - 7);
    check_invariants();
    /* the upper 4 MiB-aligned region is one block per 1024 pages */
    CHECK(b.free_blocks[BUDDY_MAX_ORDER] >= 6);

    /* allocate everything as single pages, then free: back to the same shape */
    uint64_t before[BUDDY_MAX_ORDER + 1];
    memcpy(before, b.free_blocks, sizeof before);
    static int64_t got[NPAGES];
    unsigned n = 0;
    int64_t pfn;
    while ((pfn = buddy_alloc(&b, 0)) >= 0)
        got[n++] = pfn;
    CHECK_EQ_INT(pfn, -ENOMEM);
    CHECK_EQ_INT(n, NPAGES - 7);
    CHECK_EQ_INT(b.free_pages, 0);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ_INT(buddy_free(&b, (uint64_t)got[n - 1 - i], 0), 0);
    CHECK(memcmp(before, b.free_blocks, sizeof before) == 0);
    check_invariants();
}

static void test_alignment_and_bad_frees(void)
{
    buddy_init(&b, BASE_PFN, NPAGES, pages);
    buddy_add_range(&b, BASE_PFN, NPAGES);
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        int64_t p = buddy_alloc(&b, o);
        CHECK(p >= 0 && (p & ((1 << o) - 1)) == 0);
        CHECK_EQ_INT(buddy_page(&b, (uint64_t)p)->state, PAGE_USED);
        CHECK_EQ_INT(buddy_page(&b, (uint64_t)p)->order, o);
        if (o > 0) {
            CHECK_EQ_INT(buddy_free(&b, (uint64_t)p, o - 1), -EINVAL);  /* wrong order */
            CHECK_EQ_INT(buddy_free(&b, (uint64_t)p + 1, 0), -EINVAL);  /* interior frame */
        }
        CHECK_EQ_INT(buddy_free(&b, (uint64_t)p, o), 0);
        int r = buddy_free(&b, (uint64_t)p, o);                          /* double free */
        CHECK(r == -EALREADY || r == -EINVAL);
    }
    CHECK_EQ_INT(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), -EINVAL);
    CHECK_EQ_INT(buddy_free(&b, BASE_PFN + NPAGES, 0), -EINVAL);         /* outside */
    CHECK_EQ_INT(buddy_free(&b, BASE_PFN - 1, 0), -EINVAL);
    CHECK_EQ_INT(buddy_free(&b, BASE_PFN + 3, 2), -EINVAL);              /* misaligned */
    CHECK(buddy_page(&b, BASE_PFN + NPAGES) == NULL);
    CHECK_EQ_INT(b.free_pages, NPAGES);
    CHECK_EQ_INT(b.free_blocks[BUDDY_MAX_ORDER], NPAGES >> BUDDY_MAX_ORDER);
    check_invariants();
}

/* A million random allocations and frees of orders 0..5; every block is filled
 * with a pattern naming it and checked when freed, so two blocks that overlap
 * or a block handed out twice show up as a wrong pattern. */
static void test_random_stress(void)
{
    enum { SLOTS = 512 };
    uint8_t *arena = malloc((size_t)NPAGES * PAGE_SIZE);
    CHECK(arena != NULL);
    buddy_init(&b, BASE_PFN, NPAGES, pages);
    buddy_add_range(&b, BASE_PFN, NPAGES);
    struct { int64_t pfn; unsigned order; uint32_t tag; } slot[SLOTS];
    for (unsigned i = 0; i < SLOTS; i++)
        slot[i].pfn = -1;
    srand(12345);
    unsigned ops = 0, nomem = 0;
    for (uint32_t tag = 1; ops < 1000000; ops++, tag++) {
        unsigned i = (unsigned)rand() % SLOTS;
        if (slot[i].pfn >= 0) {
            uint32_t *w = (uint32_t *)(arena + (slot[i].pfn - BASE_PFN) * PAGE_SIZE);
            size_t words = (PAGE_SIZE << slot[i].order) / 4;
            int ok = w[0] == slot[i].tag && w[words - 1] == slot[i].tag && w[words / 2] == slot[i].tag;
            CHECK(ok);
            CHECK_EQ_INT(buddy_free(&b, (uint64_t)slot[i].pfn, slot[i].order), 0);
            slot[i].pfn = -1;
        } else {
            unsigned order = (unsigned)rand() % 6;
            int64_t p = buddy_alloc(&b, order);
            if (p < 0) {
                CHECK_EQ_INT(p, -ENOMEM);
                nomem++;
                continue;
            }
            uint32_t *w = (uint32_t *)(arena + (p - BASE_PFN) * PAGE_SIZE);
            size_t words = (PAGE_SIZE << order) / 4;
            w[0] = w[words - 1] = w[words / 2] = tag;
            slot[i].pfn = p;
            slot[i].order = order;
            slot[i].tag = tag;
        }
        if (ops % 100000 == 0)
            check_invariants();
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (slot[i].pfn >= 0)
            CHECK_EQ_INT(buddy_free(&b, (uint64_t)slot[i].pfn, slot[i].order), 0);
    CHECK_EQ_INT(b.free_pages, NPAGES);
    CHECK_EQ_INT(b.free_blocks[BUDDY_MAX_ORDER], NPAGES >> BUDDY_MAX_ORDER);
    check_invariants();
    printf("stress: %u operations, %u out-of-memory answers\n", ops, nomem);
    free(arena);
}

/* Fill struct pages with what a free head of order 9 looks like, so a merge
 * that read a chunk not set up yet would take it for a free buddy. */
static void poison(uint64_t from, uint64_t n)
{
    for (uint64_t i = from; i < from + n; i++)
        pages[i] = (struct page){.state = PAGE_FREE, .order = 9, .next = BUDDY_NONE, .prev = BUDDY_NONE};
}

static int poisoned(uint64_t i)
{
    return pages[i].state == PAGE_FREE && pages[i].order == 9 && pages[i].next == BUDDY_NONE;
}

static void test_lazy_chunks(void)
{
    static uint8_t ready[8];
    const uint64_t C = BUDDY_CHUNK_PAGES;
    CHECK_EQ_INT(buddy_ready_map_bytes(BASE_PFN, NPAGES), 1);    /* 8 chunks */
    CHECK_EQ_INT(buddy_ready_map_bytes(BASE_PFN + 1, NPAGES), 2); /* straddles 9 */
    poison(0, NPAGES);
    buddy_init_lazy(&b, BASE_PFN, NPAGES, pages, ready);
    CHECK(poisoned(0) && poisoned(NPAGES - 1));                   /* nothing written */
    CHECK(buddy_page(&b, BASE_PFN) == NULL);                      /* not set up: not ours */
    CHECK_EQ_INT(buddy_free(&b, BASE_PFN, 0), -EINVAL);
    CHECK(poisoned(0));

    /* Part of chunk 2: only chunk 2's metadata is written. */
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 2 * C + 5, 300), 300);
    CHECK(poisoned(2 * C - 1) && poisoned(3 * C));
    CHECK_EQ_INT(buddy_page(&b, BASE_PFN + 2 * C)->state, PAGE_RESERVED);
    CHECK(buddy_page(&b, BASE_PFN + 3 * C) == NULL);
    check_invariants();

    /* More of chunk 2 later, in two ranges with holes between them (as
     * between the free ranges of a memory map; adjacent ranges would merge):
     * no re-zeroing of the chunk (the 300 frames stay free), and the counts
     * predicted by buddy_count_blocks are what the adds produce. */
    uint64_t want[BUDDY_MAX_ORDER + 1];
    memcpy(want, b.free_blocks, sizeof want);
    CHECK_EQ_INT(buddy_count_blocks(BASE_PFN + 2 * C + 306, 100, want), 100);
    CHECK_EQ_INT(buddy_count_blocks(BASE_PFN + 2 * C + 410, C - 410, want), C - 410);
    CHECK_EQ_INT(buddy_count_blocks(BASE_PFN + 5 * C, 3 * C, want), 3 * C);
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 2 * C + 306, 100), 100);
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 2 * C + 410, C - 410), C - 410);
    CHECK_EQ_INT(buddy_add_range(&b, BASE_PFN + 5 * C, 3 * C), 3 * C);
    CHECK(memcmp(want, b.free_blocks, sizeof want) == 0);
    CHECK_EQ_INT(b.free_pages, 300 + 100 + (C - 410) + 3 * C);
    CHECK(poisoned(3 * C) && poisoned(5 * C - 1));                /* chunks 3, 4 untouched */
    check_invariants();

    /* Everything out and back: merges stop at chunk edges, never reading
     * the poisoned neighbours, and the shape comes back. */
    static int64_t got[NPAGES];
    unsigned n = 0;
    int64_t pfn;
    while ((pfn = buddy_alloc(&b, 0)) >= 0) {
        CHECK(pfn >= (int64_t)(BASE_PFN + 2 * C) && (pfn < (int64_t)(BASE_PFN + 3 * C) ||
                                                     pfn >= (int64_t)(BASE_PFN + 5 * C)));
        got[n++] = pfn;
    }
    CHECK_EQ_INT(n, 300 + 100 + (C - 410) + 3 * C);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ_INT(buddy_free(&b, (uint64_t)got[i], 0), 0);
    CHECK(memcmp(want, b.free_blocks, sizeof want) == 0);
    CHECK(poisoned(3 * C) && poisoned(5 * C - 1) && poisoned(0));
    check_invariants();

    /* An allocator whose first frame is not chunk-aligned: the first chunk
     * is partial, and setting it up writes only the frames it covers. */
    static struct page few[BUDDY_CHUNK_PAGES + 10];
    static uint8_t ready2[2];
    struct buddy b2;
    for (unsigned i = 0; i < C + 10; i++)
        few[i] = (struct page){.state = PAGE_USED};
    buddy_init_lazy(&b2, BASE_PFN + C - 10, C + 10, few, ready2);
    CHECK_EQ_INT(buddy_add_range(&b2, BASE_PFN + C - 10, 10), 10);
    CHECK_EQ_INT(few[0].state, PAGE_FREE);
    CHECK_EQ_INT(few[10].state, PAGE_USED);                       /* next chunk not written */
    CHECK_EQ_INT(buddy_add_range(&b2, BASE_PFN, 2 * C), C);       /* clipped; the 10 were added */
    CHECK_EQ_INT(b2.free_blocks[BUDDY_MAX_ORDER], 1);
}

int main(void)
{
    test_lazy_chunks();
    test_counters_and_coalescing();
    test_alignment_and_bad_frees();
    test_random_stress();
    return CHECK_DONE("test_buddy");
}
