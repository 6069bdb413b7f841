/**
 * @file bench.c
 * @brief In-kernel benchmarks, printed as `bench: <name> <value> <unit>`.
 *
 * Numbers, never verdicts: nothing here fails. Run with the shell's `bench`
 * command; scripts/bench collects them for both arches.
 */
#include <hal/cpu.h>
#include <kernel/bench.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/pmm.h>

static uint64_t ns_since(uint64_t start)
{
    uint64_t ticks = hal_counter() - start, freq = hal_counter_freq();
    return freq ? ticks / freq * 1000000000ULL + ticks % freq * 1000000000ULL / freq : 0;
}

static void bench_page_alloc_free(void)
{
    enum { N = 20000 };
    uint64_t t = hal_counter();
    for (int i = 0; i < N; i++)
        pmm_free(pmm_alloc(0), 0);
    kprintf("bench: page_alloc_free %lu ns\n", (unsigned long)(ns_since(t) / N));
}

static void bench_kmalloc_free_64(void)
{
    enum { N = 100000 };
    uint64_t t = hal_counter();
    for (int i = 0; i < N; i++) {
        void *volatile p = kmalloc(64);
        kfree(p);
    }
    kprintf("bench: kmalloc_free_64 %lu ns\n", (unsigned long)(ns_since(t) / N));
}

/* The same churn as the host's bench_heap: random sizes, mostly small, over
 * a table of live blocks, each operation a free or an allocation. */
static void bench_heap_churn(void)
{
    enum { SLOTS = 1024, OPS = 200000 };
    static void *slot[SLOTS];
    uint32_t x = 88172645u;
    uint64_t t = hal_counter();
    for (int i = 0; i < OPS; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned k = x % SLOTS;
        if (slot[k]) {
            kfree(slot[k]);
            slot[k] = NULL;
        } else {
            size_t n = (x >> 10) % 8 ? 16 + (x >> 13) % 497 : 16 + (x >> 13) % 8177;
            slot[k] = kmalloc(n);
        }
    }
    uint64_t ns = ns_since(t);
    for (int k = 0; k < SLOTS; k++) {
        kfree(slot[k]);
        slot[k] = NULL;
    }
    kprintf("bench: heap_churn %lu ns\n", (unsigned long)(ns / OPS));
}

void bench_run_all(void)
{
    bench_page_alloc_free();
    bench_kmalloc_free_64();
    bench_heap_churn();
    bench_sched_all();
}
