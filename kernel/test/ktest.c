/**
 * @file ktest.c
 * @brief Runs the tests the linker gathered in .ktests.
 */
#include <kernel/kprintf.h>
#include <hal/cpu.h>
#include <hal/irq.h> /* hal_cpu_relax */
#include <hal/timer.h>
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/sections.h>

void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *what)
{
    ctx->failed = 1;
    kprintf("  assertion failed at %s:%d: %s\n", file, line, what);
}

int ktest_run_all(void)
{
    return ktest_run(NULL);
}

/* Whether @p name starts with @p prefix. */
static int has_prefix(const char *name, const char *prefix)
{
    while (*prefix)
        if (*name++ != *prefix++)
            return 0;
    return 1;
}

int ktest_run(const char *prefix)
{
    int passed = 0, failed = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        if (prefix && !has_prefix(t->name, prefix))
            continue;
        struct ktest_ctx ctx = {0};
        /* A test may pin the running thread (kt_pin_cpu()); the next one
         * starts with the runner's own affinity again. */
        struct thread *self = thread_current();
        uint32_t affinity = self ? self->affinity : 0;
        t->fn(&ctx);
        if (self && self->affinity != affinity)
            thread_set_affinity(self->id, affinity);
        kprintf("ktest %-28s %s\n", t->name, ctx.failed ? "FAIL" : "ok");
        if (ctx.failed)
            failed++;
        else
            passed++;
    }
    kprintf("ktest: %d passed, %d failed\n", passed, failed);
    return failed;
}

int kt_wait_for(volatile unsigned *v, unsigned want, uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (*v < want && hal_time_ns() < end)
        hal_cpu_relax();
    return *v >= want;
}

unsigned kt_pin_cpu(void)
{
    struct thread *self = thread_current();
    if (self)
        thread_set_affinity(self->id, 1u << thread_cpu());
    return thread_cpu();
}

/* ---- holding the other CPUs ---- */

static volatile int hold_release;
static unsigned hold_running;
static int hold_ids[32];

static int hold_cpu(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&hold_running, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&hold_release, __ATOMIC_ACQUIRE))
        hal_cpu_relax(); /* interrupts on: IPIs (calls, TLB shoot-downs) still served */
    return 0;
}

unsigned kt_hold_other_cpus(void)
{
    unsigned me = kt_pin_cpu(), n = 0;
    hold_release = 0;
    hold_running = 0;
    uint32_t mask = sched_cpu_mask();
    for (unsigned i = 0; i < 32; i++) {
        hold_ids[i] = 0;
        if (i != me && ((mask >> i) & 1)) {
            hold_ids[i] = thread_create_on("hold", hold_cpu, NULL, PRIO_MAX, 0, 1u << i);
            n += hold_ids[i] > 0;
        }
    }
    uint64_t end = hal_time_ns() + 2000000000ull;
    while (__atomic_load_n(&hold_running, __ATOMIC_ACQUIRE) < n && hal_time_ns() < end)
        thread_yield();
    return hold_running;
}

void kt_release_other_cpus(void)
{
    __atomic_store_n(&hold_release, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < 32; i++)
        if (hold_ids[i] > 0)
            thread_join(hold_ids[i], NULL);
}
