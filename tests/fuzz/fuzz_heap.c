/**
 * @file fuzz_heap.c
 * @brief libFuzzer target: the kernel heap (kernel/mm/kmalloc.c, release
 *        build) over the host page backend (tests/host/host_pages.c), driven
 *        by the input as a sequence of operations.
 *
 * Each operation is an opcode byte, a slot byte and its argument bytes
 * (missing bytes read as 0): kmalloc, kzalloc, krealloc (from NULL, to 0,
 * grow, shrink), kmalloc_aligned (any alignment, also invalid ones), kfree,
 * a burst of same-size objects (so a class needs several slabs), a strided
 * free (slabs emptied in the middle of their lists), taking every free page
 * (so slabs cannot be made) or giving them back, and the bad frees the heap
 * promises to detect: a double free right after the free, and a pointer
 * into the middle of a live block. Every live block carries a pattern,
 * checked before it is freed or reallocated; a NULL is accepted only when
 * the backend has no block big enough. Everything is freed at the end of
 * each input, and the target aborts if the heap reported an error it should
 * not have (or missed one it should have), or if a page is missing.
 *
 * At most MAX_OPS operations an input and one block of BIG or more, so the
 * 5 million runs of the ctest take about 15 s (the burst and strided-free
 * operations still reach several slabs a class, full slabs and slab
 * destruction within that budget). The arena (8 MiB) and
 * the heap's state live across inputs, like a kernel heap's; the end-of-input
 * check allows for the one empty slab per class the heap keeps cached.
 */
#include <kernel/kmalloc.h>
#include <stdio.h>
#include <stdlib.h>

/* The pattern loops touch every word: keep them out of libFuzzer's
 * coverage, which would cost more than the heap itself. */
#define NO_COVERAGE __attribute__((noinline, no_sanitize("coverage")))
#define PATTERN_ATTR __attribute__((no_sanitize("coverage")))
#include "heap_pattern.h"
#include <arch/host_pages.h>

#define SLOTS 32
#define ARENA (8u << 20)
#define MAX_OPS 6            /* per input: the ctest run (5M inputs) must stay short */
#define BIG (64u << 10)      /* at most one block this large or larger per input */
#define MAX_ZERO (64u << 10) /* kzalloc at most this: memset of megabytes is slow */

static struct {
    uint8_t *p;
    size_t n;
    uint64_t tag;
} slot[SLOTS];
static uint64_t next_tag = 1;

#define FAIL(...)                                  \
    do {                                           \
        fprintf(stderr, "fuzz_heap: " __VA_ARGS__); \
        fputc('\n', stderr);                       \
        abort();                                   \
    } while (0)

/* Blocks up to FULL bytes get a full pattern; bigger ones their first and
 * last EDGE bytes and SAMPLES words spread over the middle (at least 8
 * bytes apart), to keep the runs fast. */
#define EDGE 32
#define SAMPLES 8
#define FULL (3 * EDGE + 8 * SAMPLES) /* samples at least 8 bytes apart */

/* Offset of middle sample i (8-aligned, between the two edges). */
static size_t sample(size_t n, unsigned i) { return (EDGE + (n - 3 * EDGE) / SAMPLES * i) & ~(size_t)7; }

NO_COVERAGE static void fill(uint8_t *p, size_t n, uint64_t tag)
{
    if (n <= FULL) {
        pattern_fill(p, n, tag);
        return;
    }
    pattern_fill(p, EDGE, tag);
    pattern_fill(p + n - EDGE, EDGE, tag ^ 1);
    for (unsigned i = 0; i < SAMPLES; i++)
        pattern_fill(p + sample(n, i), 8, tag + i + 2);
}

NO_COVERAGE static int check(const uint8_t *p, size_t n, uint64_t tag)
{
    if (n <= FULL)
        return pattern_check(p, n, tag);
    if (!pattern_check(p, EDGE, tag) || !pattern_check(p + n - EDGE, EDGE, tag ^ 1))
        return 0;
    for (unsigned i = 0; i < SAMPLES; i++)
        if (!pattern_check(p + sample(n, i), 8, tag + i + 2))
            return 0;
    return 1;
}

/* kzalloc'd: the first and last 256 bytes and a word per page are zero. */
NO_COVERAGE static int zeroed(const uint8_t *p, size_t n)
{
    static const uint8_t zero[256];
    size_t head = n < sizeof zero ? n : sizeof zero;
    if (memcmp(p, zero, head) || memcmp(p + n - head, zero, head))
        return 0;
    for (size_t off = 4096; off + 8 <= n; off += 4096)
        if (memcmp(p + off, zero, 8))
            return 0;
    return 1;
}

/* A prefix of @p keep bytes of a block filled with @p tag still holds it. */
NO_COVERAGE static int check_prefix(const uint8_t *p, size_t n, size_t keep, uint64_t tag)
{
    if (n <= FULL)
        return pattern_check(p, keep, tag);
    if (!pattern_check(p, keep < EDGE ? keep : EDGE, tag))
        return 0;
    for (unsigned i = 0; i < SAMPLES; i++)
        if (sample(n, i) + 8 <= keep && !pattern_check(p + sample(n, i), 8, tag + i + 2))
            return 0;
    return keep < n || pattern_check(p + n - EDGE, EDGE, tag ^ 1);
}

static uint64_t errors(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    return st.errors;
}

struct input {
    const uint8_t *d;
    size_t n, pos;
    unsigned big; /* blocks of BIG or more so far */
};

NO_COVERAGE static unsigned byte(struct input *in) { return in->pos < in->n ? in->d[in->pos++] : 0; }

NO_COVERAGE static unsigned word(struct input *in)
{
    unsigned lo = byte(in);
    return lo | byte(in) << 8;
}

/* Sizes skewed small: most below 2 KiB, some pages, and log-uniform up to
 * 8 MiB, so now and then beyond the largest buddy block (a huge block). */
static size_t raw_size(struct input *in)
{
    unsigned sel = byte(in), v = word(in);
    switch (sel & 7) {
    case 0: case 1: case 2: return v % 64;        /* 0 is refused */
    case 3: case 4: return 1 + v % 2100;
    case 5: return 1 + (size_t)v * 3 % 70000;
    case 6: {
        unsigned e = v % 23; /* [2^e, 2^(e+1)) */
        return ((size_t)1 << e) + (size_t)(v >> 5) * 2654435761u % ((size_t)1 << e);
    }
    default: return 1 + v % 300;
    }
}

static size_t size_of(struct input *in)
{
    size_t n = raw_size(in);
    if (n >= BIG && in->big++)
        n = 1 + n % (BIG - 1);
    return n;
}

/* Does the buddy allocator have a block of at least @p order free? */
static int backend_has(unsigned order)
{
    const struct buddy *b = host_pages_buddy();
    for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++)
        if (b->free_blocks[o])
            return 1;
    return 0;
}

static unsigned order_for(size_t bytes)
{
    unsigned o = 0;
    while ((PAGE_SIZE << o) < bytes)
        o++;
    return o;
}

/* An allocation of @p n bytes aligned to @p align (a valid one) failed:
 * fine only if the memory it needs is not there. */
static void check_null(size_t n, size_t align)
{
    size_t need = n > align ? n : align;
    if (n == 0)
        return;
    int room = need <= KMALLOC_MAX_SMALL ? backend_has(2)
               : need <= (PAGE_SIZE << BUDDY_MAX_ORDER) && backend_has(order_for(need));
    if (room)
        FAIL("%zu bytes aligned to %zu: NULL with memory free", n, align);
}

static void put(unsigned k, uint8_t *p, size_t n)
{
    if (((uintptr_t)p & 15) != 0)
        FAIL("%p is not 16-aligned", (void *)p);
    if (kmalloc_usable_size(p) < n)
        FAIL("usable size %zu < %zu", kmalloc_usable_size(p), n);
    slot[k].p = p;
    slot[k].n = n;
    slot[k].tag = next_tag++;
    fill(p, n, slot[k].tag);
}

NO_COVERAGE static void verify(unsigned k)
{
    if (!check(slot[k].p, slot[k].n, slot[k].tag))
        FAIL("slot %u (%p, %zu bytes) corrupted", k, (void *)slot[k].p, slot[k].n);
}

/* kmalloc (kind 0), kzalloc (1) or krealloc(NULL, ...) (2) into empty slot k. */
static void alloc_into(unsigned k, size_t n, unsigned kind)
{
    if (kind == 1 && n > MAX_ZERO)
        n %= MAX_ZERO;
    uint8_t *p = kind == 0 ? kmalloc(n) : kind == 1 ? kzalloc(n) : krealloc(NULL, n);
    if (!p) {
        check_null(n, 16);
        return;
    }
    if (n == 0)
        FAIL("allocation of 0 bytes returned %p", (void *)p);
    if (kind == 1 && !zeroed(p, n))
        FAIL("kzalloc(%zu) = %p: not zeroed", n, (void *)p);
    put(k, p, n);
}

/* Memory hogs: page blocks of every order taken until none is left, so the
 * next allocations meet an empty backend (slab_new failing and the like). */
#define HOGS 16
static uint64_t *hog[HOGS];
static unsigned nhogs;

static void hog_all(void)
{
    for (int o = BUDDY_MAX_ORDER; o >= 0 && nhogs < HOGS; o--)
        while (nhogs < HOGS) {
            uint64_t *p = kmalloc(PAGE_SIZE << o);
            if (!p)
                break;
            *p = (uint64_t)(uintptr_t)p ^ 0x5a5a;
            hog[nhogs++] = p;
        }
}

static void unhog(void)
{
    while (nhogs) {
        uint64_t *p = hog[--nhogs];
        if (*p != ((uint64_t)(uintptr_t)p ^ 0x5a5a))
            FAIL("hog block %p corrupted", (void *)p);
        kfree(p);
    }
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        host_pages_junk(0); /* ASan poisoning of free pages does the job */
        host_pages_init(ARENA);
        host_pages_poison_lite(1);
        host_log_format(0); /* counted, not printed: HOST_LOG=1 to see them */
        host_huge_set_limit(16u << 20);
        ready = 1;
    }
    struct input in = {data, size, 0, 0};
    static uint64_t want_errors; /* heap errors so far, all inputs */
    uint64_t first_error = want_errors;
    host_log_reset();
    for (unsigned ops = 0; ops < MAX_OPS && in.pos < in.n; ops++) {
        unsigned op = byte(&in) % 12, k = byte(&in) % SLOTS;
        switch (op) {
        case 0: case 1: case 2: /* kmalloc, kzalloc, krealloc(NULL) */
            if (!slot[k].p)
                alloc_into(k, size_of(&in), op);
            break;
        case 3: { /* kmalloc_aligned */
            if (slot[k].p)
                break;
            size_t n = size_of(&in);
            unsigned a = byte(&in);
            size_t align = a < 200 ? (size_t)1 << (a % 24) : (size_t)a * 3;
            int valid = align && !(align & (align - 1)) && align <= (PAGE_SIZE << BUDDY_MAX_ORDER);
            uint8_t *p = kmalloc_aligned(n, align);
            if (!p) {
                if (valid && !(n > (PAGE_SIZE << BUDDY_MAX_ORDER) && align > PAGE_SIZE))
                    check_null(n, align);
                break;
            }
            if (!valid || n == 0)
                FAIL("kmalloc_aligned(%zu, %zu) returned %p", n, align, (void *)p);
            if ((uintptr_t)p & (align - 1))
                FAIL("kmalloc_aligned(%zu, %zu) = %p: misaligned", n, align, (void *)p);
            put(k, p, n);
            break;
        }
        case 4: /* kfree */
            if (!slot[k].p)
                break;
            verify(k);
            kfree(slot[k].p);
            slot[k].p = NULL;
            break;
        case 5: { /* krealloc */
            if (!slot[k].p)
                break;
            size_t n = size_of(&in);
            verify(k);
            uint8_t *q = krealloc(slot[k].p, n);
            if (n == 0) {
                if (q)
                    FAIL("krealloc(p, 0) returned %p", (void *)q);
                slot[k].p = NULL;
                break;
            }
            if (!q) {
                verify(k); /* untouched */
                break;
            }
            size_t keep = slot[k].n < n ? slot[k].n : n;
            if (!check_prefix(q, slot[k].n, keep, slot[k].tag))
                FAIL("krealloc(%zu -> %zu) lost the contents", slot[k].n, n);
            put(k, q, n);
            break;
        }
        case 6: { /* a burst of same-size small objects: several slabs a class */
            unsigned count = 1 + byte(&in) % 16;
            size_t n = 1 + size_of(&in) % KMALLOC_MAX_SMALL;
            for (unsigned i = 0; i < count; i++)
                if (!slot[(k + i) % SLOTS].p)
                    alloc_into((k + i) % SLOTS, n, 0);
            break;
        }
        case 7: { /* free every stride-th slot from k: slabs emptied in the middle */
            unsigned stride = 1 + byte(&in) % 3;
            for (unsigned i = 0; i < 16; i++) {
                unsigned j = (k + i * stride) % SLOTS;
                if (slot[j].p) {
                    verify(j);
                    kfree(slot[j].p);
                    slot[j].p = NULL;
                }
            }
            break;
        }
        case 8: /* take all free pages; or give them back */
            if (nhogs)
                unhog();
            else
                hog_all();
            break;
        case 9: case 10: /* double free, right after the free: always detectable */
            if (!slot[k].p)
                break;
            verify(k);
            kfree(slot[k].p);
            kfree(slot[k].p);
            slot[k].p = NULL;
            want_errors++;
            if (errors() != want_errors)
                FAIL("double free: %llu heap errors, expected %llu", (unsigned long long)errors(),
                     (unsigned long long)want_errors);
            break;
        case 11: { /* a pointer into the middle of a live block */
            if (!slot[k].p || slot[k].n < 2)
                break;
            size_t delta = 1 + word(&in) * (size_t)(byte(&in) + 1) % (slot[k].n - 1);
            kfree(slot[k].p + delta);
            want_errors++;
            if (errors() != want_errors)
                FAIL("kfree(p + %zu) of a %zu-byte block: %llu heap errors, expected %llu", delta,
                     slot[k].n, (unsigned long long)errors(), (unsigned long long)want_errors);
            break;
        }
        }
    }
    unhog();
    for (unsigned k = 0; k < SLOTS; k++)
        if (slot[k].p) {
            verify(k);
            kfree(slot[k].p);
            slot[k].p = NULL;
        }
    if (errors() != want_errors)
        FAIL("%llu heap errors, expected %llu", (unsigned long long)errors(),
             (unsigned long long)want_errors);
    if (host_log_count(LOG_ERR) != want_errors - first_error)
        FAIL("%u error messages for %llu errors", host_log_count(LOG_ERR),
             (unsigned long long)(want_errors - first_error));
    if (!host_heap_empty())
        FAIL("the heap leaked (see above)");
    return 0;
}
