/**
 * @file bench.c
 * @brief In-kernel benchmarks, printed as `bench: <name> <value> <unit>`.
 *
 * Numbers, never verdicts: nothing here fails. Run with the shell's `bench`
 * command; scripts/bench collects them for both arches.
 */
#include <hal/cpu.h>
#include <kernel/bench.h>
#include <kernel/console.h>
#include <kernel/smp.h>
#include <kernel/dma.h>
#include <kernel/kernel.h>
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

/* What a driver pays on a coherent platform (QEMU's PCIe and virtio, every
 * x86 device) for syncing around each transfer: the inline argument checks
 * and the flag. The device pointer is reloaded each time, as a driver's
 * would be, so the compiler cannot hoist the call out of the loop. */
static void bench_dma_sync_coherent(void)
{
    enum { N = 200000 };
    struct dma_buf b;
    if (dma_alloc(4096, 4096, &b) != 0)
        return;
    static struct device dev = {.name = "bench", .fdt_node = -1, .dma_coherent = 1};
    struct device *volatile dp = &dev;
    int err = 0;
    uint64_t t = hal_counter();
    for (int i = 0; i < N; i++)
        err |= dma_sync_for_device(dp, &b, 0, b.size, DMA_TO_DEVICE);
    uint64_t ns = ns_since(t);
    dma_free(&b);
    if (err)
        kprintf("bench: dma_sync_coherent failed\n");
    else
        kprintf("bench: dma_sync_coherent %lu.%02lu ns\n", (unsigned long)(ns / N),
                (unsigned long)(ns % N * 100 / N));
}

/* The same churn from a thread on every CPU at once (SMP=N): how the heap's
 * per-CPU magazines scale. */
static void bench_heap_churn_smp(void)
{
    unsigned cpus;
    uint64_t ns, x100;
    if (smp_bench_heap_churn(&cpus, &ns, &x100))
        kprintf("bench: heap_churn_scaling %lu.%02lu x on %u CPUs (%lu ns per operation on one)\n",
                (unsigned long)(x100 / 100), (unsigned long)(x100 % 100), cpus, (unsigned long)ns);
}

/* A synchronous call to another CPU and back (only with two or more CPUs
 * taking IPIs: SMP=N in scripts/qemu). */
static void bench_ipi_roundtrip(void)
{
    uint64_t ns = smp_bench_ipi_roundtrip_ns(2000);
    if (ns)
        kprintf("bench: ipi_roundtrip %lu ns\n", (unsigned long)ns);
}

/* A semaphore ping-pong between threads pinned to two CPUs (SMP=N). */
static void bench_yield_roundtrip_cross_cpu(void)
{
    uint64_t ns = smp_bench_yield_roundtrip_cross_cpu_ns(2000);
    if (ns)
        kprintf("bench: yield_roundtrip_cross_cpu %lu ns\n", (unsigned long)ns);
}

void bench_run_all(void)
{
    static void (*const benches[])(void) = {
        bench_page_alloc_free, bench_kmalloc_free_64, bench_heap_churn, bench_heap_churn_smp,
        bench_dma_sync_coherent, bench_sched_all, bench_ipi_roundtrip, bench_yield_roundtrip_cross_cpu,
        bench_bpf_all,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(benches) && !console_cancelled(); i++) /* Ctrl-C: between them */
        benches[i]();
}
