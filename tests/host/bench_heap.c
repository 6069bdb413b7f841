/**
 * @file bench_heap.c
 * @brief The kernel heap (host page backend) against glibc malloc and
 *        mimalloc on the same deterministic churn, plus a kmalloc(64)/kfree
 *        loop.
 *
 * Built with -O2 and without sanitizers. Prints these lines:
 *   bench: heap_churn_vs_glibc <ratio> x     (our churn time / glibc's)
 *   bench: heap_churn_vs_mimalloc <ratio> x  (our churn time / mimalloc's)
 *   bench: kmalloc_free_64 <n> ns            (per kmalloc(64) + kfree pair)
 *   bench: host_heap_churn <n> ns            (per churn operation, ours)
 * mimalloc is Debian's libmimalloc2.0, opened with dlopen() so the build
 * needs no headers; without it the mimalloc line says so and is skipped.
 * The three heaps run interleaved (ours, glibc, mimalloc, repeated) and the
 * fastest run of each counts, so a busy machine skews them alike.
 * It fails only on wrong results (a corrupted block, an allocation failure,
 * a leak), never on timing.
 */
#define _POSIX_C_SOURCE 199309L
#include <kernel/kmalloc.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "heap_pattern.h"
#include <arch/host_pages.h>

#define SLOTS 4096
#define CHURN_OPS 2000000
#define PAIR_OPS 10000000
#define SEED 88172645u

struct heap_ops {
    void *(*alloc)(size_t);
    void (*release)(void *);
};

static int failed;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The generator and sizes of the kernel's bench_heap_churn (kernel/test/
 * bench.c), so the numbers compare: 7 in 8 of 16..512 bytes, the rest
 * 16..8192. */
static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static size_t churn_size(uint32_t x)
{
    return (x >> 10) % 8 ? 16 + (x >> 13) % 497 : 16 + (x >> 13) % 8177;
}

/* Every block gets its tag in its first 8 bytes and its last byte; both are
 * checked before the block is freed. */
static double churn(const struct heap_ops *h)
{
    static struct {
        uint8_t *p;
        size_t n;
        uint64_t tag;
    } slot[SLOTS];
    uint32_t rng = SEED;
    double t0 = now_ns();
    for (uint64_t op = 0; op < CHURN_OPS; op++) {
        uint32_t r = xorshift32(&rng);
        unsigned i = r % SLOTS;
        if (slot[i].p) {
            uint64_t w;
            memcpy(&w, slot[i].p, 8);
            if (w != slot[i].tag || slot[i].p[slot[i].n - 1] != (uint8_t)slot[i].tag) {
                fprintf(stderr, "bench: block %p (%zu bytes) corrupted\n", (void *)slot[i].p,
                        slot[i].n);
                failed = 1;
            }
            h->release(slot[i].p);
            slot[i].p = NULL;
        } else {
            size_t n = churn_size(r);
            uint8_t *p = h->alloc(n);
            if (!p) {
                fprintf(stderr, "bench: allocation of %zu bytes failed\n", n);
                failed = 1;
                continue;
            }
            uint64_t tag = (uint64_t)r * 0x9e3779b97f4a7c15ULL | 1;
            memcpy(p, &tag, 8);
            p[n - 1] = (uint8_t)tag;
            slot[i].p = p;
            slot[i].n = n;
            slot[i].tag = tag;
        }
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (slot[i].p) {
            h->release(slot[i].p);
            slot[i].p = NULL;
        }
    return now_ns() - t0;
}

static double pairs(void)
{
    double t0 = now_ns();
    for (unsigned i = 0; i < PAIR_OPS; i++) {
        uint8_t *p = kmalloc(64);
        if (!p) {
            failed = 1;
            break;
        }
        *(volatile uint8_t *)p = (uint8_t)i;
        kfree(p);
    }
    return now_ns() - t0;
}

#define ROUNDS 9

static double fastest(double a, double b) { return a < b ? a : b; }

int main(void)
{
    host_pages_junk(0); /* glibc does not scribble on freed memory either */
    host_pages_init(64u << 20);
    const struct heap_ops ours = {kmalloc, kfree}, glibc = {malloc, free};
    struct heap_ops mi = {NULL, NULL};
    void *lib = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (lib) {
        *(void **)&mi.alloc = dlsym(lib, "mi_malloc");
        *(void **)&mi.release = dlsym(lib, "mi_free");
    }
    int have_mi = mi.alloc && mi.release;
    /* one untimed pass each, so all start with their memory faulted in */
    churn(&ours);
    churn(&glibc);
    if (have_mi)
        churn(&mi);
    double t_ours = 1e300, t_glibc = 1e300, t_mi = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        t_ours = fastest(t_ours, churn(&ours));
        t_glibc = fastest(t_glibc, churn(&glibc));
        if (have_mi)
            t_mi = fastest(t_mi, churn(&mi));
    }
    double t_pairs = pairs();
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    if (st.errors || !host_heap_empty()) {
        fprintf(stderr, "bench: %llu heap errors, or the heap did not empty\n",
                (unsigned long long)st.errors);
        failed = 1;
    }
    printf("bench: heap_churn_vs_glibc %.2f x\n", t_ours / t_glibc);
    if (have_mi)
        printf("bench: heap_churn_vs_mimalloc %.2f x\n", t_ours / t_mi);
    else
        fprintf(stderr, "bench: no libmimalloc.so.2 (Debian libmimalloc2.0); mimalloc skipped\n");
    printf("bench: kmalloc_free_64 %.1f ns\n", t_pairs / PAIR_OPS);
    printf("bench: host_heap_churn %.1f ns\n", t_ours / CHURN_OPS);
    return failed;
}
