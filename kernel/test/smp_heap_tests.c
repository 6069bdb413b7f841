/**
 * @file smp_heap_tests.c
 * @brief The heap's per-CPU magazines under parallel churn: one thread
 *        pinned to each CPU allocates and frees with patterns checked, and
 *        hands objects to the next CPU's thread, which checks and frees them
 *        there; then kmalloc_drain() empties every CPU's magazines. And the
 *        heap churn scaling benchmark (N threads on N CPUs against one).
 *
 * With one CPU the same test runs (one worker, which hands objects to
 * itself) and checks what one CPU can show.
 */
#include <hal/timer.h>
#include <kernel/bench.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define MAX_WORKERS 32 /* bits in a CPU mask */

struct churn {
    unsigned cpu;          /* pinned here */
    unsigned next;         /* worker that gets the objects this one hands on */
    unsigned ops;
    int check;             /* fill and check patterns (the test), or not (the benchmark) */
    volatile unsigned *gate; /* all start together */
    unsigned bad;          /* pattern mismatches, failed allocations */
    unsigned handed;       /* objects freed here that another CPU allocated */
    uint64_t ns;           /* time for its operations */
};

static void *mailbox[MAX_WORKERS];

/* The churn generator of bench_heap_churn and the host's bench_heap. */
static uint32_t next_x(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static size_t churn_size(uint32_t x)
{
    return (x >> 10) % 8 ? 16 + (x >> 13) % 497 : 16 + (x >> 13) % 8177;
}

/* An object's pattern: its size, a tag (over the word where a free object
 * keeps its cookie), then the tag's low byte in every other byte. */
static void fill(uint8_t *p, size_t n, uint64_t tag)
{
    ((uint64_t *)p)[0] = n;
    ((uint64_t *)p)[1] = tag;
    memset(p + 16, (int)(tag & 0xff), n - 16);
}

static int intact(const uint8_t *p)
{
    size_t n = ((const uint64_t *)p)[0];
    uint64_t tag = ((const uint64_t *)p)[1];
    if (n < 16 || n > 16 + 8177)
        return 0;
    for (size_t i = 16; i < n; i++)
        if (p[i] != (uint8_t)tag)
            return 0;
    return 1;
}

static void free_checked(struct churn *c, uint8_t *p)
{
    if (c->check && !intact(p))
        c->bad++;
    kfree(p);
}

static int churn_worker(void *arg)
{
    enum { SLOTS = 512 };
    struct churn *c = arg;
    uint8_t **slot = kzalloc(SLOTS * sizeof *slot);
    if (!slot) {
        c->bad++;
        return -1;
    }
    uint32_t x = 88172645u + c->cpu * 7919u;
    uint64_t tag = (uint64_t)c->cpu << 32;
    while (!__atomic_load_n(c->gate, __ATOMIC_ACQUIRE))
        thread_yield();
    uint64_t t0 = hal_time_ns();
    for (unsigned op = 0; op < c->ops; op++) {
        uint32_t r = next_x(&x);
        unsigned k = r % SLOTS;
        if (!slot[k]) {
            size_t n = churn_size(r);
            slot[k] = kmalloc(n);
            if (!slot[k])
                c->bad++;
            else if (c->check)
                fill(slot[k], n, ++tag);
        } else if (op % 8 == 0) {
            /* To the next CPU's worker; free what was left for this one. */
            uint8_t *got = __atomic_exchange_n(&mailbox[c->next], slot[k], __ATOMIC_ACQ_REL);
            slot[k] = __atomic_exchange_n(&mailbox[c->cpu], NULL, __ATOMIC_ACQ_REL);
            if (got) /* the next worker had not taken the last one yet: free it here */
                free_checked(c, got);
            if (slot[k]) {
                free_checked(c, slot[k]);
                c->handed++;
                slot[k] = NULL;
            }
        } else {
            free_checked(c, slot[k]);
            slot[k] = NULL;
        }
    }
    c->ns = hal_time_ns() - t0;
    for (unsigned k = 0; k < SLOTS; k++)
        if (slot[k])
            free_checked(c, slot[k]);
    kfree(slot);
    return 0;
}

/* Run a churn worker on each CPU in @p mask at once; 0, or -1 if a thread
 * could not be made. The caller's CPU may be in the mask: it waits. */
static int run_churn(struct churn *w, uint32_t mask, unsigned ops, int check)
{
    static volatile unsigned gate;
    int ids[MAX_WORKERS] = {0};
    unsigned cpus[MAX_WORKERS], n = 0;
    for (unsigned cpu = 0; cpu < MAX_WORKERS; cpu++)
        if (mask & (1u << cpu))
            cpus[n++] = cpu;
    gate = 0;
    int err = 0;
    for (unsigned i = 0; i < n; i++) {
        w[i] = (struct churn){.cpu = cpus[i], .next = cpus[(i + 1) % n], .ops = ops,
                              .check = check, .gate = &gate};
        mailbox[cpus[i]] = NULL;
        ids[i] = thread_create_on("churn", churn_worker, &w[i], PRIO_DEFAULT, 0, 1u << cpus[i]);
        if (ids[i] <= 0)
            err = -1;
    }
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < n; i++)
        if (ids[i] > 0)
            thread_join(ids[i], NULL);
    for (unsigned i = 0; i < n; i++) { /* left in a mailbox at the end */
        uint8_t *p = __atomic_exchange_n(&mailbox[cpus[i]], NULL, __ATOMIC_ACQ_REL);
        if (p)
            free_checked(&w[i], p);
    }
    return err;
}

static uint64_t cached_objects(void)
{
    struct kmalloc_stats st;
    kmalloc_stats(&st);
    uint64_t n = 0;
    for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
        n += st.cls[c].cached;
    return n;
}

static unsigned cpus_with_cached_objects(void)
{
    unsigned cpus = 0;
    struct kmalloc_cpu *hc;
    for (unsigned i = 0; (hc = kmalloc_cpu_at(i)) != NULL; i++) {
        unsigned n = 0;
        for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
            n += __atomic_load_n(&hc->mag[c].n, __ATOMIC_RELAXED);
        cpus += n != 0;
    }
    return cpus;
}

KTEST(smp_heap_magazines_parallel_churn)
{
    static struct churn w[MAX_WORKERS];
    uint32_t mask = sched_cpu_mask();
    unsigned n = (unsigned)__builtin_popcount(mask);
    struct kmalloc_stats before, after;
    kmalloc_stats(&before);
    KT_ASSERT(run_churn(w, mask, 6000, 1) == 0);
    unsigned bad = 0, handed = 0;
    for (unsigned i = 0; i < n; i++) {
        bad += w[i].bad;
        handed += w[i].handed;
    }
    kmalloc_stats(&after);
    KT_ASSERT(bad == 0);
    KT_ASSERT(after.errors == before.errors);
    KT_ASSERT(handed > 0); /* objects did cross (to another CPU, with two or more) */
    /* Each worker's last frees stayed in its CPU's magazines. */
    KT_ASSERT(cpus_with_cached_objects() >= (n < 2 ? 1 : 2));
    kmalloc_drain();
    KT_ASSERT(cached_objects() == 0);
    KT_ASSERT(cpus_with_cached_objects() == 0);
}

/* Heap churn on @p cpus CPUs at once against one CPU: per-operation time on
 * one CPU and the speed-up of all of them (N * T1 / TN, ideally N); 0 if
 * there is one CPU. */
int smp_bench_heap_churn(unsigned *cpus, uint64_t *ns_one, uint64_t *scaling_x100)
{
    static struct churn w[MAX_WORKERS];
    enum { OPS = 100000 };
    uint32_t mask = sched_cpu_mask();
    unsigned n = (unsigned)__builtin_popcount(mask);
    if (n < 2)
        return 0;
    if (run_churn(w, 1u << __builtin_ctz(mask), OPS, 0) != 0)
        return 0;
    uint64_t t1 = w[0].ns;
    if (run_churn(w, mask, OPS, 0) != 0)
        return 0;
    uint64_t tn = 0;
    for (unsigned i = 0; i < n; i++)
        tn = w[i].ns > tn ? w[i].ns : tn;
    *cpus = n;
    *ns_one = t1 / OPS;
    *scaling_x100 = tn ? (uint64_t)n * t1 * 100 / tn : 0;
    return 1;
}
