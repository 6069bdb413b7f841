/**
 * @file test_kmalloc.c
 * @brief The kernel heap (kernel/mm/kmalloc.c, release build) over the host
 *        page backend: refusals, alignment, kzalloc, krealloc, bad frees,
 *        exhaustion, statistics, and a randomized stress with patterns.
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <stdlib.h>

#include "check.h"
#include "heap_pattern.h"
#include <arch/host_pages.h>

#define ARENA (64u << 20)
#define MiB (1ul << 20)

static uint64_t errors(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    return st.errors;
}

static size_t class_of(size_t need)
{
    size_t s = 16;
    while (s < need)
        s <<= 1;
    return s;
}

/* The heap still hands out good, disjoint memory: a round of allocations of
 * every kind, patterned, checked, freed. Run after each bad free. */
static void heap_still_works(void)
{
    enum { N = 64 };
    void *p[N];
    size_t n[N];
    for (unsigned i = 0; i < N; i++) {
        n[i] = i % 4 == 3 ? 4096 * (i % 7 + 1) + i : 8 + i * 37;
        p[i] = kmalloc(n[i]);
        CHECK(p[i] != NULL);
        if (p[i])
            pattern_fill(p[i], n[i], 1000 + i);
    }
    for (unsigned i = 0; i < N; i++)
        if (p[i]) {
            CHECK(pattern_check(p[i], n[i], 1000 + i));
            kfree(p[i]);
        }
}

/* Count pages tagged PG_SLAB in the backend; must agree with the formula
 * host_heap_slab_pages() uses. */
static uint64_t slab_pages_by_tag(void)
{
    struct buddy *b = host_pages_buddy();
    uint64_t n = 0;
    for (uint64_t i = 0; i < b->npages; i++)
        n += (b->pages[i].flags & PG_SLAB) != 0;
    return n;
}

static void test_refusals(void)
{
    host_log_reset();
    uint64_t e = errors();
    CHECK(kmalloc(0) == NULL);
    CHECK_EQ_INT(host_log_count(LOG_WARN), 1);
    CHECK(strstr(host_log_last(), "refusing 0 bytes") != NULL);
    CHECK(kmalloc(KMALLOC_MAX_SIZE + 1) == NULL);
    CHECK(strstr(host_log_last(), "refusing") != NULL);
    CHECK(kmalloc((size_t)-1) == NULL);
    CHECK(kmalloc((size_t)-1 - 15) == NULL);
    CHECK(kzalloc(0) == NULL);
    CHECK(kzalloc((size_t)-1) == NULL);
    CHECK(kmalloc_aligned(0, 64) == NULL);
    CHECK(kmalloc_aligned((size_t)-1, 64) == NULL);
    CHECK(krealloc(NULL, 0) == NULL);
    CHECK_EQ_INT(host_log_count(LOG_WARN), 9);
    /* in range, but more than the huge backend will give (its limit is 64 MiB) */
    host_log_reset();
    CHECK(kmalloc(KMALLOC_MAX_SIZE) == NULL);
    CHECK(kmalloc(65 * MiB) == NULL);
    CHECK_EQ_INT(host_log_count(LOG_ERR), 0);
    /* refusals are not heap errors */
    CHECK_EQ_INT(errors(), e);

    host_log_reset();
    kfree(NULL);
    CHECK_EQ_INT(kmalloc_usable_size(NULL), 0);
    CHECK_EQ_INT(host_log_count(LOG_ERR) + host_log_count(LOG_WARN), 0);
    CHECK_EQ_INT(errors(), e);
}

static void test_alignment(void)
{
    static void *p[6000];
    static size_t sz[6000];
    unsigned n = 0;
    for (size_t size = 1; size <= 5000; size += size < 300 ? 1 : 7) {
        void *q = kmalloc(size);
        CHECK(q != NULL);
        if (!q)
            continue;
        sz[n] = size;
        p[n++] = q;
        CHECK(((uintptr_t)q & 15) == 0);
        size_t usable = kmalloc_usable_size(q);
        CHECK(usable >= size);
        if (size <= KMALLOC_MAX_SMALL) {
            size_t s = class_of(size);
            CHECK(((uintptr_t)q & (s - 1)) == 0);
            CHECK_EQ_INT(usable, s);
        } else {
            CHECK(((uintptr_t)q & (PAGE_SIZE - 1)) == 0);
            CHECK(host_pages_contains(q));
            size_t block = PAGE_SIZE;
            while (block < size)
                block <<= 1;
            CHECK_EQ_INT(usable, block); /* the buddy block */
        }
        pattern_fill(q, size, n); /* all of it is ours (ASan), none shared */
    }
    for (unsigned i = 0; i < n; i++) {
        CHECK(pattern_check(p[i], sz[i], i + 1));
        kfree(p[i]);
    }
    /* large, up to and beyond the largest buddy block */
    for (size_t size = 4096; size <= 16 * MiB; size = size * 2 + 1) {
        uint8_t *q = kmalloc(size);
        CHECK(q != NULL);
        if (!q)
            continue;
        CHECK(((uintptr_t)q & (PAGE_SIZE - 1)) == 0);
        CHECK(kmalloc_usable_size(q) >= size);
        CHECK_EQ_INT(host_pages_contains(q), size <= (PAGE_SIZE << BUDDY_MAX_ORDER));
        q[0] = 1;
        q[size - 1] = 2;
        kfree(q);
    }
    CHECK(host_heap_empty());
}

static void test_aligned(void)
{
    uint64_t e = errors();
    const size_t sizes[] = {1, 15, 16, 100, 2000, 4095, 4096, 10000, 1 * MiB};
    for (size_t align = 1; align <= 4 * MiB; align <<= 1) {
        for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t size = sizes[k];
            uint8_t *q = kmalloc_aligned(size, align);
            CHECK(q != NULL);
            if (!q)
                continue;
            size_t a = align < 16 ? 16 : align;
            if (((uintptr_t)q & (a - 1)) != 0)
                fprintf(stderr, "kmalloc_aligned(%zu, %zu) = %p\n", size, align, (void *)q);
            CHECK(((uintptr_t)q & (a - 1)) == 0);
            CHECK(kmalloc_usable_size(q) >= size);
            memset(q, 0x5a, size);
            kfree(q);
        }
        /* exactly align bytes */
        uint8_t *q = kmalloc_aligned(align, align);
        CHECK(q && ((uintptr_t)q & (align - 1)) == 0);
        kfree(q);
    }
    /* many at once, so slabs hold several: each still aligned */
    void *many[200];
    for (unsigned i = 0; i < 200; i++) {
        size_t align = (size_t)16 << (i % 9);
        many[i] = kmalloc_aligned(1 + i, align);
        CHECK(many[i] && ((uintptr_t)many[i] & (align - 1)) == 0);
        if (many[i])
            pattern_fill(many[i], 1 + i, i);
    }
    for (unsigned i = 0; i < 200; i++) {
        CHECK(pattern_check(many[i], 1 + i, i));
        kfree(many[i]);
    }
    /* bad alignments: NULL and a warning */
    const size_t bad[] = {0, 3, 24, 48, 100, 4097, (size_t)3 << 20, 8 * MiB, (size_t)1 << 40,
                          (size_t)-1};
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        host_log_reset();
        CHECK(kmalloc_aligned(64, bad[k]) == NULL);
        CHECK_EQ_INT(host_log_count(LOG_WARN), 1);
        CHECK(strstr(host_log_last(), "alignment") != NULL);
    }
    /* huge (beyond 4 MiB) with page alignment goes to the huge backend */
    uint8_t *h = kmalloc_aligned(5 * MiB, 4096);
    CHECK(h && ((uintptr_t)h & 4095) == 0 && !host_pages_contains(h));
    CHECK_EQ_INT(host_huge_count(), 1);
    kfree(h);
    CHECK_EQ_INT(host_huge_count(), 0);
    /* beyond 4 MiB with more than page alignment: refused (the huge backend
     * only promises pages); a valid power of two, so this is a limitation */
    host_log_reset();
    CHECK(kmalloc_aligned(5 * MiB, 8192) == NULL);
    CHECK_EQ_INT(errors(), e);
    CHECK(host_heap_empty());
}

static void test_kzalloc(void)
{
    const size_t sizes[] = {1, 16, 17, 100, 256, 511, 1000, 2048, 2049, 5000, 70000, 5 * MiB};
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        /* dirty the memory the next allocation of this size will get */
        uint8_t *d = kmalloc(n);
        CHECK(d != NULL);
        if (d)
            memset(d, 0xff, n);
        kfree(d);
        uint8_t *z = kzalloc(n);
        CHECK(z != NULL);
        if (!z)
            continue;
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++)
            nonzero += z[i] != 0;
        CHECK_EQ_INT(nonzero, 0);
        kfree(z);
    }
    CHECK(host_heap_empty());
}

static void test_krealloc(void)
{
    uint64_t e = errors();
    /* NULL: kmalloc */
    uint8_t *p = krealloc(NULL, 10);
    CHECK(p != NULL && kmalloc_usable_size(p) >= 10);
    pattern_fill(p, 10, 1);
    /* grow through every kind of block, then shrink back */
    const size_t steps[] = {10, 16, 17, 100, 2048, 2049, 3000, 9000, 100000, 4 * MiB,
                            5 * MiB, 6 * MiB, 4 * MiB, 70000, 4096, 2048, 100, 17, 16, 1};
    size_t cur = 10;
    for (unsigned k = 1; k < sizeof steps / sizeof steps[0]; k++) {
        size_t n = steps[k], old_usable = kmalloc_usable_size(p);
        uint8_t *q = krealloc(p, n);
        CHECK(q != NULL);
        if (!q)
            break;
        CHECK(kmalloc_usable_size(q) >= n);
        CHECK(pattern_check(q, cur < n ? cur : n, 1));
        if (n <= old_usable)
            CHECK(q == p); /* release build: fits, so stays */
        pattern_fill(q, n, 1);
        p = q;
        cur = n;
    }
    /* shrinking in place keeps the block (release build) */
    uint8_t *big = kmalloc(1000);
    CHECK(krealloc(big, 500) == big);
    /* failure leaves the old block alone */
    host_log_reset();
    pattern_fill(big, 1000, 2);
    CHECK(krealloc(big, (size_t)-1) == NULL);
    CHECK(krealloc(big, 65 * MiB) == NULL); /* no memory (huge limit) */
    CHECK(pattern_check(big, 1000, 2));
    CHECK_EQ_INT(kmalloc_usable_size(big), 1024);
    kfree(big);
    /* size 0: kfree, NULL (p is still the 6 MiB huge block: shrinking kept it) */
    CHECK_EQ_INT(host_huge_count(), 1);
    CHECK(krealloc(p, 0) == NULL);
    CHECK_EQ_INT(host_huge_count(), 0);
    CHECK_EQ_INT(errors(), e);
    CHECK(host_heap_empty());
    /* the same from a small block */
    p = kmalloc(24);
    CHECK(krealloc(p, 0) == NULL);
    CHECK(host_heap_empty());
    /* a pointer kmalloc did not return: NULL and an error */
    int on_stack = 0;
    host_log_reset();
    CHECK(krealloc(&on_stack, 100) == NULL);
    CHECK_EQ_INT(errors(), e + 1);
    CHECK(strstr(host_log_last(), "krealloc of a pointer kmalloc did not return") != NULL);
    CHECK(host_heap_empty());
}

/* kmalloc_usable_size() and krealloc() of pointers kmalloc would refuse to
 * free (freed, interior): 0, and NULL with an error, never memory the caller
 * does not own. (Before 6784fcf, krealloc(freed, smaller) handed the freed
 * object back and the next kmalloc returned it a second time.) */
static void test_krealloc_bad_pointers(void)
{
    uint64_t e = errors();
    /* a freed small object whose slab stays (another object lives in it) */
    uint8_t *first = kmalloc(100), *p = kmalloc(100), *keep = kmalloc(100);
    if (((uintptr_t)p ^ (uintptr_t)keep) >= PAGE_SIZE) { /* keep opened a new slab */
        uint8_t *t = kmalloc(100);
        kfree(p);
        p = t;
    }
    CHECK((((uintptr_t)p ^ (uintptr_t)keep) & ~(uintptr_t)(PAGE_SIZE - 1)) == 0);
    kfree(p);
    host_log_reset();
    CHECK_EQ_INT(errors(), e);
    CHECK_EQ_INT(kmalloc_usable_size(p), 0);
    CHECK(krealloc(p, 50) == NULL);
    CHECK(krealloc(p, 500) == NULL);
    CHECK_EQ_INT(errors(), e + 2);
    CHECK(strstr(host_log_last(), "krealloc of a pointer kmalloc did not return") != NULL);
    uint8_t *r = kmalloc(100), *r2 = kmalloc(100); /* p comes back once, not twice */
    CHECK(r != r2);
    kfree(r);
    kfree(r2);
    kfree(first);
    kfree(keep);
    /* interior pointers of a small object */
    e = errors();
    p = kmalloc(100);
    pattern_fill(p, 100, 4);
    CHECK_EQ_INT(kmalloc_usable_size(p + 16), 0);
    CHECK_EQ_INT(kmalloc_usable_size(p + 1), 0);
    CHECK(krealloc(p + 16, 8) == NULL);
    CHECK(krealloc(p + 16, 1000) == NULL);
    CHECK_EQ_INT(errors(), e + 2);
    CHECK(pattern_check(p, 100, 4));
    CHECK_EQ_INT(kmalloc_usable_size(p), 128);
    kfree(p);
    /* the slab header */
    p = kmalloc(16);
    uint8_t *slab = (uint8_t *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));
    CHECK_EQ_INT(kmalloc_usable_size(slab), 0);
    CHECK_EQ_INT(kmalloc_usable_size(slab + 64), 0);
    kfree(p);
    /* interior pointers and tail pages of a large block */
    e = errors();
    p = kmalloc(3 * PAGE_SIZE);
    CHECK_EQ_INT(kmalloc_usable_size(p + 64), 0);
    CHECK_EQ_INT(kmalloc_usable_size(p + PAGE_SIZE), 0);
    CHECK(krealloc(p + 64, 100) == NULL);
    CHECK(krealloc(p + PAGE_SIZE, 100) == NULL);
    CHECK_EQ_INT(errors(), e + 2);
    kfree(p);
    /* a freed large block */
    e = errors();
    p = kmalloc(3 * PAGE_SIZE);
    kfree(p);
    CHECK_EQ_INT(kmalloc_usable_size(p), 0);
    CHECK(krealloc(p, 100) == NULL);
    CHECK_EQ_INT(errors(), e + 1);
    CHECK(host_heap_empty());
}

/* One bad free: exactly one more error, an error message saying @p what, the
 * heap still works. */
static void expect_bad_free(void *p, const char *what, const char *what2)
{
    uint64_t e = errors();
    host_log_reset();
    kfree(p);
    CHECK_EQ_INT(errors(), e + 1);
    CHECK_EQ_INT(host_log_count(LOG_ERR), 1);
    const char *m = host_log_last();
    int ok = strstr(m, what) != NULL || (what2 && strstr(m, what2) != NULL);
    if (!ok)
        fprintf(stderr, "bad free of %p: message \"%s\", expected \"%s\"\n", p, m, what);
    CHECK(ok);
    heap_still_works();
}

static void test_bad_frees(void)
{
    host_log_reset();
    /* double free of a small object */
    uint8_t *a = kmalloc(40), *keep = kmalloc(40);
    pattern_fill(keep, 40, 77);
    kfree(a);
    expect_bad_free(a, "double free", NULL);
    /* the double free did not put it on the free list twice */
    uint8_t *x = kmalloc(40), *y = kmalloc(40);
    CHECK(x != y);
    kfree(x);
    kfree(y);
    CHECK(pattern_check(keep, 40, 77));

    /* interior pointers: reported, the object stays allocated */
    a = kmalloc(100);
    pattern_fill(a, 100, 5);
    expect_bad_free(a + 8, "not the start of an object", NULL);
    expect_bad_free(a + 1, "not the start of an object", NULL);
    expect_bad_free(a + 127, "not the start of an object", NULL);
    CHECK(pattern_check(a, 100, 5));
    uint64_t e = errors();
    kfree(a);
    CHECK_EQ_INT(errors(), e);

    /* slab headers: of a one-page slab and of a 16 KiB one (2 KiB objects) */
    uint8_t *obj = kmalloc(16);
    uint8_t *slab = (uint8_t *)((uintptr_t)obj & ~(uintptr_t)(PAGE_SIZE - 1));
    expect_bad_free(slab, "not the start of an object", NULL);
    expect_bad_free(slab + 64, "not the start of an object", NULL);
    kfree(obj);
    uint8_t *o2k = kmalloc(2048); /* objects from offset 2048 */
    CHECK(((uintptr_t)o2k & (4 * PAGE_SIZE - 1)) >= 2048);
    slab = (uint8_t *)((uintptr_t)o2k & ~(uintptr_t)(4 * PAGE_SIZE - 1));
    expect_bad_free(slab + 1024, "not the start of an object", NULL);
    expect_bad_free(slab + 2 * PAGE_SIZE + 1024, "not the start of an object", NULL);
    kfree(o2k);

    /* a corrupted slab header: the free goes to this CPU's magazine without
     * reading the header; flushing the magazine finds it and reports it,
     * and the magazine keeps the objects; once the header is restored (by
     * the test), the next flush puts them back in the slab */
    uint8_t *victim = kmalloc(64);
    slab = (uint8_t *)((uintptr_t)victim & ~(uintptr_t)(PAGE_SIZE - 1));
    uint8_t saved[128]; /* SLAB_HEADER bytes of struct slab at the page start */
    memcpy(saved, slab, sizeof saved);
    memset(slab, 0, sizeof saved);
    e = errors();
    host_log_reset();
    kfree(victim); /* no heap_still_works() here: the slab is on a list */
    CHECK_EQ_INT(errors(), e);
    kmalloc_drain();
    CHECK_EQ_INT(errors(), e + 1);
    CHECK(strstr(host_log_last(), "slab header corrupted") != NULL);
    memcpy(slab, saved, sizeof saved);
    kmalloc_drain();
    CHECK_EQ_INT(errors(), e + 1);
    expect_bad_free(victim, "double free", NULL); /* back in its slab, free */
    heap_still_works();

    /* a small double free after the slab went back to the pages: needs a
     * second slab of the class to empty while one empty slab is cached */
    enum { PER = 124 }; /* 32-byte objects in a page slab */
    uint8_t *objs[3 * PER];
    for (unsigned i = 0; i < 3 * PER; i++)
        objs[i] = kmalloc(32);
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    unsigned slabs = st.cls[1].slabs;
    for (unsigned i = 0; i < 3 * PER; i++)
        kfree(objs[i]);
    kmalloc_drain(); /* the magazine's objects keep their slabs */
    kmalloc_stats(&st);
    CHECK(st.cls[1].slabs < slabs);
    CHECK(st.cls[1].slabs <= 1);
    unsigned gone = 0;
    for (unsigned i = 0; i < 3 * PER && !gone; i++)
        if (kmem_page_of(objs[i])->flags == 0) {
            expect_bad_free(objs[i], "double free", "not a heap pointer");
            gone = 1;
        }
    CHECK(gone);

    /* large blocks: interior, tail pages, double free */
    uint8_t *big = kmalloc(3 * PAGE_SIZE + 1); /* order 2 */
    pattern_fill(big, 3 * PAGE_SIZE + 1, 9);
    expect_bad_free(big + 16, "not a heap pointer", NULL);
    expect_bad_free(big + PAGE_SIZE, "not a heap pointer", NULL);
    expect_bad_free(big + 3 * PAGE_SIZE, "not a heap pointer", NULL);
    expect_bad_free(big + 2 * PAGE_SIZE + 100, "not a heap pointer", NULL);
    CHECK(pattern_check(big, 3 * PAGE_SIZE + 1, 9));
    CHECK_EQ_INT(kmalloc_usable_size(big + PAGE_SIZE), 0);
    e = errors();
    kfree(big);
    CHECK_EQ_INT(errors(), e);
    expect_bad_free(big, "double free", "not a heap pointer");
    CHECK_EQ_INT(kmalloc_usable_size(big), 0);
    /* a large block whose buddy is still allocated: the head stays PAGE_FREE
     * (once it leaves this CPU's page cache; while in it, the cache's flag
     * says so) */
    uint8_t *l[4];
    for (unsigned i = 0; i < 4; i++)
        l[i] = kmalloc(PAGE_SIZE);
    int paired = 0;
    for (unsigned i = 0; i < 4 && !paired; i++)
        for (unsigned j = 0; j < 4 && !paired; j++)
            if (l[j] == l[i] + PAGE_SIZE && !((uintptr_t)l[i] & PAGE_SIZE)) {
                kfree(l[i]);
                expect_bad_free(l[i], "double free (block is in a CPU's page cache)", NULL);
                kmalloc_drain();
                expect_bad_free(l[i], "double free (page is free)", NULL);
                l[i] = NULL;
                paired = 1;
            }
    CHECK(paired);
    for (unsigned i = 0; i < 4; i++)
        kfree(l[i]);

    /* huge blocks */
    uint8_t *h = kmalloc(5 * MiB);
    CHECK(h != NULL);
    expect_bad_free(h + PAGE_SIZE, "not a heap pointer", NULL);
    kfree(h);
    CHECK_EQ_INT(host_huge_count(), 0);
    expect_bad_free(h, "not a heap pointer", NULL);

    /* foreign pointers */
    int on_stack[4];
    static int in_data;
    void *m = malloc(64);
    expect_bad_free(on_stack, "not a heap pointer", NULL);
    expect_bad_free(&in_data, "not a heap pointer", NULL);
    expect_bad_free(m, "not a heap pointer", NULL);
    free(m);
    CHECK_EQ_INT(kmalloc_usable_size(on_stack), 0);
    CHECK_EQ_INT(kmalloc_usable_size(&in_data), 0);

    kfree(keep);
    CHECK(host_heap_empty());
}

static void test_exhaustion(void)
{
    enum { MAXB = ARENA / MiB + 8 };
    uint64_t free0 = host_pages_free();
    struct buddy *b = host_pages_buddy();
    uint64_t fit = 0; /* free 1 MiB-aligned megabytes */
    for (unsigned o = 8; o <= BUDDY_MAX_ORDER; o++)
        fit += b->free_blocks[o] << (o - 8);
    uint64_t blocks0[BUDDY_MAX_ORDER + 1];
    memcpy(blocks0, b->free_blocks, sizeof blocks0);
    void *blk[MAXB];
    unsigned n = 0;
    host_log_reset();
    while (n < MAXB && (blk[n] = kmalloc(MiB)) != NULL) {
        CHECK(((uintptr_t)blk[n] & (MiB - 1)) == 0);
        *(uint64_t *)blk[n] = n;
        n++;
    }
    CHECK(n < MAXB);
    CHECK_EQ_INT(n, fit);
    CHECK(n >= ARENA / MiB - 4); /* only a few cached slabs are allocated */
    CHECK(host_pages_free() < 256);
    CHECK_EQ_INT(host_log_count(LOG_ERR), 0);
    /* huge blocks do not come from the arena */
    void *h = kmalloc(6 * MiB);
    CHECK(h != NULL);
    kfree(h);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ_INT(*(uint64_t *)blk[i], i);
        kfree(blk[i]);
    }
    CHECK_EQ_INT(host_pages_free(), free0);
    CHECK(memcmp(blocks0, b->free_blocks, sizeof blocks0) == 0);

    /* all the way down: pages, then small objects, until nothing is left */
    size_t cap = 1 << 20;
    void **all = malloc(cap * sizeof *all);
    size_t m = 0;
    while ((all[m] = kmalloc(PAGE_SIZE)) != NULL)
        m++;
    size_t pages = m;
    CHECK_EQ_INT(host_pages_free(), 0);
    static const size_t small[] = {2048, 1024, 512, 256, 128, 64, 32, 16};
    for (unsigned k = 0; k < 8; k++)
        while (m < cap && (all[m] = kmalloc(small[k])) != NULL)
            m++;
    CHECK(m < cap);
    CHECK(kmalloc(16) == NULL);
    CHECK(kmalloc(1) == NULL);
    CHECK(kmalloc_aligned(16, 16) == NULL);
    CHECK(kmalloc_aligned(16, 4096) == NULL);
    CHECK_EQ_INT(host_pages_free(), 0);
    printf("exhaustion: %u x 1 MiB, then %zu pages + %zu small objects\n", n, pages, m - pages);
    for (size_t i = 0; i < m; i++)
        kfree(all[i]);
    free(all);
    CHECK(host_heap_empty());
    CHECK_EQ_INT(host_pages_free() + host_heap_slab_pages(), host_pages_total());
}

static void test_stats(void)
{
    struct kmalloc_stats base, st;
    kmalloc_stats(&base);
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        CHECK_EQ_INT(base.cls[i].size, 16u << i);
        CHECK(base.cls[i].total >= base.cls[i].inuse);
        CHECK_EQ_INT(base.cls[i].total == 0, base.cls[i].slabs == 0);
    }
    CHECK_EQ_INT(slab_pages_by_tag(), host_heap_slab_pages());
    /* i + 1 objects of class i, two large blocks, one huge */
    void *p[KMALLOC_CLASSES][KMALLOC_CLASSES];
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        for (unsigned j = 0; j <= i; j++)
            p[i][j] = kmalloc((16u << i) - j);
    void *l1 = kmalloc(5000), *l2 = kmalloc(MiB), *h = kmalloc(5 * MiB);
    kmalloc_stats(&st);
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
        CHECK_EQ_INT(st.cls[i].inuse, base.cls[i].inuse + i + 1);
        CHECK(st.cls[i].slabs >= 1 && st.cls[i].total >= st.cls[i].inuse);
    }
    CHECK_EQ_INT(st.large_blocks, base.large_blocks + 3); /* the huge one counts too */
    CHECK_EQ_INT(st.large_bytes, base.large_bytes + 8192 + MiB + 5 * MiB);
    CHECK_EQ_INT(slab_pages_by_tag(), host_heap_slab_pages());
    CHECK_EQ_INT(host_pages_free() + host_heap_slab_pages() + 2 + 256, host_pages_total());
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        for (unsigned j = 0; j <= i; j++)
            kfree(p[i][j]);
    kfree(l1);
    kfree(l2);
    kfree(h);
    kmalloc_stats(&st);
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        CHECK_EQ_INT(st.cls[i].inuse, base.cls[i].inuse);
    CHECK_EQ_INT(st.large_blocks, base.large_blocks);
    CHECK_EQ_INT(st.large_bytes, base.large_bytes);
    CHECK_EQ_INT(st.errors, base.errors);
    CHECK(host_heap_empty());
}

static uint64_t cached(unsigned cls)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    return st.cls[cls].cached;
}

/* The per-CPU magazines, with the host's fake CPUs: objects freed on
 * another CPU than the one that allocated them, a double free whose first
 * free sits in another CPU's magazine, the user's data equal to the cookie,
 * refill and flush in batches, and kmalloc_drain() emptying every CPU. */
static void test_magazines(void)
{
    enum { N = 200 };
    uint8_t *p[N];
    CHECK_EQ_INT(host_cpu_switch(0), 0);
    kmalloc_drain();
    for (unsigned i = 0; i < N; i++) {
        p[i] = kmalloc(48); /* class 64 = 2 */
        CHECK(p[i] != NULL);
        if (p[i])
            pattern_fill(p[i], 48, 500 + i);
    }
    /* The magazine was refilled in batches: what is left is under one batch. */
    CHECK(cached(2) < KMALLOC_MAG / 2);
    /* Freed on CPU 1: its magazine fills, then flushes half to the slabs. */
    host_cpu_switch(1);
    for (unsigned i = 0; i < N; i++) {
        CHECK(pattern_check(p[i], 48, 500 + i));
        kfree(p[i]);
    }
    CHECK_EQ_INT(kmalloc_cpu_at(1)->mag[2].n >= KMALLOC_MAG / 2, 1);
    CHECK(kmalloc_cpu_at(1)->mag[2].n <= KMALLOC_MAG);
    /* A second free on CPU 0 of an object in CPU 1's magazine. */
    host_cpu_switch(0);
    uint8_t *last = p[N - 1]; /* the newest free of CPU 1: still in its magazine */
    int in_mag1 = 0;
    for (unsigned k = 0; k < kmalloc_cpu_at(1)->mag[2].n; k++)
        in_mag1 |= kmalloc_cpu_at(1)->mag[2].obj[k] == last;
    CHECK(in_mag1);
    expect_bad_free(last, "double free", NULL);
    /* ... and of one already flushed back to its slab. */
    int flushed = 0;
    for (unsigned i = 0; i < N && !flushed; i++) {
        int cachedhere = 0;
        for (unsigned k = 0; k < kmalloc_cpu_at(1)->mag[2].n; k++)
            cachedhere |= kmalloc_cpu_at(1)->mag[2].obj[k] == p[i];
        if (!cachedhere) {
            expect_bad_free(p[i], "double free", NULL);
            flushed = 1;
        }
    }
    CHECK(flushed);
    /* The caller's data equal to a free object's cookie: still a good free. */
    uint8_t *a = kmalloc(48);
    kfree(a);
    uintptr_t cookie = ((uintptr_t *)(void *)a)[1];
    uint8_t *b = kmalloc(48);
    CHECK(b == a); /* the magazine is a stack */
    ((uintptr_t *)(void *)b)[1] = cookie;
    uint64_t e = errors();
    kfree(b);
    CHECK_EQ_INT(errors(), e);
    CHECK_EQ_INT(kmalloc_usable_size(b), 0); /* free: no size */
    /* Drain: every CPU's magazines back in the slabs. */
    CHECK(cached(2) > 0);
    kmalloc_drain();
    CHECK_EQ_INT(cached(2), 0);
    CHECK_EQ_INT(kmalloc_cpu_at(0)->mag[2].n + kmalloc_cpu_at(1)->mag[2].n, 0);
    CHECK_EQ_INT(host_cpu_switch(0), 0);
    CHECK(host_heap_empty());
}

/* A million random operations; every block carries a pattern naming it. */
static void test_stress(void)
{
    enum { SLOTS = 4096, OPS = 1000000 };
    static struct {
        uint8_t *p;
        size_t n;
        uint64_t tag;
    } slot[SLOTS];
    uint64_t rng = 0x2545f4914f6cdd1dULL, tag = 1, e = errors();
    unsigned live = 0, nulls = 0, reallocs = 0, moved = 0;
    for (unsigned op = 0; op < OPS; op++) {
        uint64_t r = xorshift64(&rng);
        unsigned i = (unsigned)(r % SLOTS);
        unsigned kind = (unsigned)(r >> 16) % 100;
        unsigned sk = (unsigned)(r >> 24) % 100;
        size_t n = sk < 70   ? 1 + (size_t)(r >> 32) % 256
                   : sk < 92 ? 257 + (size_t)(r >> 32) % 1792
                   : sk < 99 ? 2049 + (size_t)(r >> 32) % 14336
                             : 16385 + (size_t)(r >> 32) % 49152;
        if (!slot[i].p) {
            uint8_t *p;
            if (kind < 80) {
                p = kmalloc(n);
            } else if (kind < 90) {
                p = kzalloc(n);
                if (p) {
                    size_t nz = 0;
                    for (size_t k = 0; k < n; k++)
                        nz += p[k] != 0;
                    CHECK_EQ_INT(nz, 0);
                }
            } else {
                size_t align = (size_t)1 << ((r >> 56) % 13); /* up to 4 KiB */
                p = kmalloc_aligned(n, align);
                CHECK(!p || ((uintptr_t)p & (align - 1)) == 0);
            }
            if (!p) {
                nulls++;
                continue;
            }
            CHECK(((uintptr_t)p & 15) == 0);
            CHECK(kmalloc_usable_size(p) >= n);
            slot[i].p = p;
            slot[i].n = n;
            slot[i].tag = tag++;
            pattern_fill(p, n, slot[i].tag);
            live++;
        } else {
            CHECK(pattern_check(slot[i].p, slot[i].n, slot[i].tag));
            if (kind < 60) {
                kfree(slot[i].p);
                slot[i].p = NULL;
                live--;
            } else {
                uint8_t *q = krealloc(slot[i].p, n);
                reallocs++;
                if (!q) {
                    nulls++;
                    CHECK(pattern_check(slot[i].p, slot[i].n, slot[i].tag));
                    continue;
                }
                moved += q != slot[i].p;
                size_t keep = slot[i].n < n ? slot[i].n : n;
                CHECK(pattern_check(q, keep, slot[i].tag));
                CHECK(kmalloc_usable_size(q) >= n);
                slot[i].p = q;
                slot[i].n = n;
                slot[i].tag = tag++;
                pattern_fill(q, n, slot[i].tag);
            }
        }
        if (op % 100000 == 99999) {
            struct kmalloc_stats st;
            kmalloc_stats(&st);
            uint64_t inuse = 0;
            for (unsigned c = 0; c < KMALLOC_CLASSES; c++) {
                inuse += st.cls[c].inuse;
                CHECK(st.cls[c].inuse <= st.cls[c].total);
            }
            CHECK_EQ_INT(inuse + st.large_blocks + host_huge_count(), live);
            CHECK_EQ_INT(host_pages_free() + host_heap_slab_pages() +
                             (st.large_bytes + st.large_cached_bytes) / PAGE_SIZE,
                         host_pages_total());
        }
    }
    CHECK_EQ_INT(errors(), e);
    CHECK_EQ_INT(nulls, 0);
    for (unsigned i = 0; i < SLOTS; i++)
        if (slot[i].p) {
            CHECK(pattern_check(slot[i].p, slot[i].n, slot[i].tag));
            kfree(slot[i].p);
        }
    CHECK_EQ_INT(errors(), e);
    CHECK(host_heap_empty());
    CHECK_EQ_INT(slab_pages_by_tag(), host_heap_slab_pages());
    printf("stress: %u operations, %u reallocs (%u moved), %u live at the end\n", OPS, reallocs,
           moved, live);
}

int main(void)
{
    host_pages_init(ARENA);
    test_refusals();
    test_alignment();
    test_aligned();
    test_kzalloc();
    test_krealloc();
    test_krealloc_bad_pointers();
    test_bad_frees();
    test_exhaustion();
    test_stats();
    test_magazines();
    test_stress();
    CHECK_EQ_INT(host_pages_backend_errors(), 0);
    return CHECK_DONE("test_kmalloc");
}
