/**
 * @file test_kmalloc_debug.c
 * @brief The kernel heap built with KMALLOC_DEBUG: red zones catch a write
 *        past the end at kfree() and name the allocating site; usable size
 *        is the requested size; clean objects free quietly.
 */
#include <kernel/kmalloc.h>
#include <stdlib.h>

#include "check.h"
#include "heap_pattern.h"
#include <arch/host_pages.h>

#ifndef KMALLOC_DEBUG
#error "build this test with -DKMALLOC_DEBUG"
#endif

#define MiB (1ul << 20)
/* Largest request that still gets a slab object (and so a red zone):
 * 16 bytes of red zone and a 16-byte tail must fit in 2048. */
#define MAX_REDZONED (KMALLOC_MAX_SMALL - 32)


/* Call sites with names: ksym_lookup() (host_pages.c) resolves addresses in
 * them. The empty asm after the call keeps it from becoming a tail call, so
 * the return address kmalloc records really is inside these functions. */
__attribute__((noinline)) static void *alloc_site_a(size_t n)
{
    void *p = kmalloc(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

__attribute__((noinline)) static void *alloc_site_b(size_t n)
{
    void *p = kzalloc(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

__attribute__((noinline)) static void *alloc_site_c(void *old, size_t n)
{
    void *p = krealloc(old, n);
    __asm__ volatile("" ::: "memory");
    return p;
}

__attribute__((noinline)) static void free_site(void *p)
{
    kfree(p);
    __asm__ volatile("" ::: "memory");
}

static uint64_t errors(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    return st.errors;
}

static uint64_t small_inuse(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    uint64_t n = 0;
    for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
        n += st.cls[i].inuse;
    return n;
}

/* Objects the heap refused to free because their red zone was hit: it keeps
 * them allocated as evidence, so they stay in the counts. */
static uint64_t kept_as_evidence;

/* kfree(p) is reported once, as an error containing every one of @p want. */
static void expect_report(void *p, const char *const *want, unsigned nwant)
{
    uint64_t e = errors();
    host_log_reset();
    free_site(p);
    CHECK_EQ_INT(errors(), e + 1);
    CHECK_EQ_INT(host_log_count(LOG_ERR), 1);
    for (unsigned i = 0; i < nwant; i++) {
        int ok = strstr(host_log_last(), want[i]) != NULL;
        if (!ok)
            fprintf(stderr, "message \"%s\" lacks \"%s\"\n", host_log_last(), want[i]);
        CHECK(ok);
    }
}

static void test_clean_objects(void)
{
    uint64_t e = errors(), inuse = small_inuse();
    host_log_reset();
    for (size_t n = 1; n <= MAX_REDZONED; n += n < 64 ? 1 : 13) {
        uint8_t *p = alloc_site_a(n);
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK(((uintptr_t)p & 15) == 0);
        CHECK_EQ_INT(kmalloc_usable_size(p), n);
        memset(p, 0xee, n); /* every byte the caller asked for */
        free_site(p);
    }
    /* just past the largest red-zoned size: a page block, usable >= n */
    for (size_t n = MAX_REDZONED + 1; n <= MAX_REDZONED + 40; n++) {
        uint8_t *p = alloc_site_a(n);
        CHECK(p && ((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
        CHECK(kmalloc_usable_size(p) >= n);
        memset(p, 0xee, n);
        free_site(p);
    }
    uint8_t *z = alloc_site_b(300);
    CHECK_EQ_INT(kmalloc_usable_size(z), 300);
    size_t nz = 0;
    for (unsigned i = 0; i < 300; i++)
        nz += z[i] != 0;
    CHECK_EQ_INT(nz, 0);
    free_site(z);
    /* aligned objects get red zones too */
    for (size_t align = 16; align <= 1024; align <<= 1) {
        uint8_t *p = kmalloc_aligned(40, align);
        CHECK(p && ((uintptr_t)p & (align - 1)) == 0);
        CHECK_EQ_INT(kmalloc_usable_size(p), 40);
        memset(p, 1, 40);
        free_site(p);
    }
    CHECK_EQ_INT(errors(), e);
    CHECK_EQ_INT(host_log_count(LOG_ERR) + host_log_count(LOG_WARN), 0);
    CHECK_EQ_INT(small_inuse(), inuse);
}

static void test_write_past_end(void)
{
    const char *const want[] = {"write past the end", "allocated by alloc_site_a+0x",
                                "called from free_site+0x"};
    const size_t sizes[] = {1, 15, 16, 17, 31, 32, 33, 100, 480, 1000, MAX_REDZONED};
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint8_t *p = alloc_site_a(n);
        CHECK(p != NULL);
        if (!p)
            continue;
        memset(p, 0x11, n);
        p[n] = 0x11; /* one byte too many */
        expect_report(p, want, 3);
        kept_as_evidence++;
        /* freeing it again still complains: the evidence is kept */
        expect_report(p, want, 1);
    }
    /* further into the red zone, and a red zone byte set to 0 */
    uint8_t *p = alloc_site_a(40);
    p[40 + 9] = 0;
    expect_report(p, want, 3);
    kept_as_evidence++;
    /* an aligned object */
    p = kmalloc_aligned(24, 256);
    p[24] = 1;
    const char *const want_any[] = {"write past the end", "allocated by"};
    expect_report(p, want_any, 2);
    kept_as_evidence++;
    /* krealloc'd: the red zone follows the new size */
    p = alloc_site_a(100);
    pattern_fill(p, 100, 3);
    uint8_t *q = alloc_site_c(p, 60);
    CHECK(q != NULL && q != p); /* debug krealloc always moves */
    CHECK_EQ_INT(kmalloc_usable_size(q), 60);
    CHECK(pattern_check(q, 60, 3));
    q[60] = 7;
    const char *const want_c[] = {"write past the end", "allocated by alloc_site_c+0x"};
    expect_report(q, want_c, 2);
    kept_as_evidence++;
    /* a write over the tail (size and caller) itself */
    p = alloc_site_a(8); /* a 64-byte object: the tail is its last 16 bytes */
    memset(p, 0x41, 64);
    const char *const want_tail[] = {"write past the end", "tail is overwritten"};
    expect_report(p, want_tail, 2);
    kept_as_evidence++;
    CHECK_EQ_INT(kmalloc_usable_size(p), 0); /* an overwritten tail gives no size */
    CHECK_EQ_INT(small_inuse(), kept_as_evidence);
}

static void test_double_free(void)
{
    uint8_t *p = alloc_site_a(40);
    memset(p, 0, 40);
    uint64_t e = errors();
    free_site(p);
    CHECK_EQ_INT(errors(), e);
    const char *const want[] = {"double free", "called from free_site+0x"};
    expect_report(p, want, 2);
    CHECK(strstr(host_log_last(), "allocated by alloc_site_a+0x") != NULL);
    /* interior pointer */
    p = alloc_site_a(100);
    const char *const want_i[] = {"not the start of an object"};
    expect_report(p + 16, want_i, 1);
    free_site(p);
    CHECK_EQ_INT(small_inuse(), kept_as_evidence);
}

/* Random allocations, reallocations and frees with patterns; now and then
 * one byte past the end of a live object is hit, and its kfree must say so. */
static void test_stress(void)
{
    enum { SLOTS = 1024, OPS = 300000 };
    static struct {
        uint8_t *p;
        size_t n;
        uint64_t tag;
    } slot[SLOTS];
    uint64_t rng = 0x9e3779b97f4a7c15ULL, tag = 1;
    unsigned hits = 0;
    for (unsigned op = 0; op < OPS; op++) {
        uint64_t r = xorshift64(&rng);
        unsigned i = (unsigned)(r % SLOTS), kind = (unsigned)(r >> 16) % 100;
        size_t n = (r >> 24) % 10 < 8 ? 1 + (size_t)(r >> 32) % 300 : 1 + (size_t)(r >> 32) % 9000;
        if (!slot[i].p) {
            uint8_t *p = alloc_site_a(n);
            CHECK(p != NULL);
            if (!p)
                continue;
            CHECK_EQ_INT(kmalloc_usable_size(p), n <= MAX_REDZONED ? n : kmalloc_usable_size(p));
            slot[i].p = p;
            slot[i].n = n;
            slot[i].tag = tag++;
            pattern_fill(p, n, slot[i].tag);
            continue;
        }
        CHECK(pattern_check(slot[i].p, slot[i].n, slot[i].tag));
        uint64_t e = errors();
        if (kind < 3 && slot[i].n <= MAX_REDZONED) {
            slot[i].p[slot[i].n] ^= 0x5a;
            host_log_reset();
            free_site(slot[i].p);
            CHECK_EQ_INT(errors(), e + 1);
            CHECK(strstr(host_log_last(), "write past the end") != NULL);
            CHECK(strstr(host_log_last(), "allocated by alloc_site_") != NULL);
            kept_as_evidence++;
            hits++;
            slot[i].p = NULL;
        } else if (kind < 60) {
            free_site(slot[i].p);
            slot[i].p = NULL;
        } else {
            uint8_t *q = alloc_site_c(slot[i].p, n);
            CHECK(q != NULL);
            if (!q)
                continue;
            size_t keep = slot[i].n < n ? slot[i].n : n;
            CHECK(pattern_check(q, keep, slot[i].tag));
            slot[i].p = q;
            slot[i].n = n;
            slot[i].tag = tag++;
            pattern_fill(q, n, slot[i].tag);
        }
        if (kind >= 3)
            CHECK_EQ_INT(errors(), e);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (slot[i].p) {
            CHECK(pattern_check(slot[i].p, slot[i].n, slot[i].tag));
            free_site(slot[i].p);
        }
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    CHECK_EQ_INT(small_inuse(), kept_as_evidence);
    CHECK_EQ_INT(st.large_blocks, 0);
    printf("stress: %u operations, %u red zone hits caught\n", OPS, hits);
}

int main(void)
{
    host_pages_init(32 * MiB);
    host_ksym_add("alloc_site_a", (uintptr_t)alloc_site_a);
    host_ksym_add("alloc_site_b", (uintptr_t)alloc_site_b);
    host_ksym_add("alloc_site_c", (uintptr_t)alloc_site_c);
    host_ksym_add("free_site", (uintptr_t)free_site);
    test_clean_objects();
    test_write_past_end();
    test_double_free();
    test_stress();
    CHECK_EQ_INT(host_pages_backend_errors(), 0);
    return CHECK_DONE("test_kmalloc_debug");
}
