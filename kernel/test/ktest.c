/**
 * @file ktest.c
 * @brief Runs the tests the linker gathered in .ktests.
 */
#include <kernel/kprintf.h>
#include <hal/cpu.h>
#include <hal/irq.h> /* hal_idle_wait */
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/pmm.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/sched.h>
#include <kernel/sections.h>
#include <kernel/smp.h>

void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *what)
{
    ctx->failed = 1;
    kprintf("  assertion failed at %s:%d: %s\n", file, line, what);
}

void ktest_fail_eq(struct ktest_ctx *ctx, const char *file, int line, const char *what, long got, long want)
{
    ctx->failed = 1;
    kprintf("  assertion failed at %s:%d: %s (got %ld, want %ld)\n", file, line, what, got, want);
}

int ktest_run_all(void)
{
    return ktest_run(NULL, KTEST_VERBOSE);
}

uint64_t kt_log_mark(void)
{
    uint64_t next;
    klog_oldest(&next);
    return next;
}

/* A failed test's reports, shown after all (a quiet run kept them off). */
static void replay_reports(uint64_t mark)
{
    struct logbuf_cursor c = klog_oldest(NULL);
    char line[KLOG_LINE_MAX];
    unsigned lvl;
    uint64_t lost;
    for (long len; c.seq < mark && (len = klog_read(&c, &lvl, line, sizeof line, &lost)) >= 0;)
        ;
    for (long len; (len = klog_read(&c, &lvl, line, sizeof line, &lost)) >= 0;)
        if (lvl <= LOG_WARN)
            kprintf("  %s\n", line);
}

/* Whether @p name starts with @p prefix. */
static int has_prefix(const char *name, const char *prefix)
{
    while (*prefix)
        if (*name++ != *prefix++)
            return 0;
    return 1;
}

int ktest_run(const char *prefix, int flags)
{
    int verbose = flags & KTEST_VERBOSE;
    int passed = 0, failed = 0, skipped = 0;
    unsigned long reports = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        if (prefix && !has_prefix(t->name, prefix))
            continue;
        if (console_cancelled()) { /* Ctrl-C: between tests, each is whole */
            kprintf("ktest: stopped after %d tests: %d passed, %d failed\n", passed + failed, passed, failed);
            return failed;
        }
        struct ktest_ctx ctx = {0};
        /* A test may pin the running thread (kt_pin_cpu()); the next one
         * starts with the runner's own affinity again. */
        struct thread *self = thread_current();
        uint32_t affinity = self ? self->affinity : 0;
        /* Negative tests provoke errors and warnings on purpose and assert
         * on them (klog_reports_since()): kept off the console unless -v,
         * and shown after all if the test fails. */
        uint64_t mark = kt_log_mark();
        unsigned long before = klog_reports();
        if (!verbose)
            klog_quiet(1);
        uint64_t t0 = hal_time_ns();
        t->fn(&ctx);
        uint64_t took_us = (hal_time_ns() - t0) / 1000;
        if (!verbose)
            klog_quiet(0);
        reports += klog_reports() - before;
        if (self && self->affinity != affinity)
            thread_set_affinity(self->id, affinity);
        if (ctx.skipped && !ctx.failed) {
            kprintf("ktest %-28s skipped: %s\n", t->name, ctx.skipped);
            skipped++;
            continue;
        }
        if (flags & KTEST_TIMES) /* how long it took, for comparing runs (scripts/bench-smp) */
            kprintf("ktest %-28s %s in %lu us\n", t->name, ctx.failed ? "FAIL" : "ok",
                    (unsigned long)took_us);
        else
            kprintf("ktest %-28s %s\n", t->name, ctx.failed ? "FAIL" : "ok");
        if (ctx.failed && !verbose)
            replay_reports(mark);
        if (ctx.failed)
            failed++;
        else
            passed++;
    }
    if (passed + failed + skipped == 0)
        return -ENOENT; /* the caller says so */
    if (skipped)
        kprintf("ktest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        kprintf("ktest: %d passed, %d failed\n", passed, failed);
    if (reports && !verbose)
        kprintf("ktest: the %lu errors and warnings the tests provoked on purpose are in dmesg "
                "(ktest -v shows them)\n", reports);
    return failed;
}

uint64_t kt_free_frames(void)
{
    kmalloc_drain();
    pmm_drain();
    struct pmm_stats st;
    pmm_stats(&st);
    return st.free_pages;
}

int kt_wait_for(volatile unsigned *v, unsigned want, uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (*v < want && hal_time_ns() < end)
        hal_cpu_relax();
    return *v >= want;
}

struct route_probe {
    volatile unsigned hits;
    volatile int cpu;
};

static void route_handler(unsigned irq, void *arg)
{
    (void)irq;
    struct route_probe *p = arg;
    p->cpu = (int)cpu_this()->index;
    p->hits++;
}

int kt_irq_route_each_cpu(unsigned irq, int (*fire)(unsigned irq, void *arg), void *arg)
{
    static struct route_probe p;
    p = (struct route_probe){0, -1};
    int err = irq_register(irq, route_handler, &p, "ktest route");
    if (err) {
        kprintf("  irq %u: cannot register a handler (%s)\n", irq, errno_name(err));
        return -1;
    }
    int checked = 0, bad = 0;
    for (unsigned c = 0; c < smp_cpu_slots() && !bad; c++) {
        if (smp_cpu(c)->state != CPU_ONLINE)
            continue;
        unsigned want = p.hits + 1;
        err = irq_set_affinity(irq, c);
        int routed = irq_affinity(irq);
        if (!err)
            err = fire(irq, arg);
        int ran = !err && kt_wait_for(&p.hits, want, 500 * 1000000ull);
        kt_wait_for(&p.hits, want + 1, 2 * 1000000ull); /* a second run would show by now */
        if (err || routed != (int)c || !ran || p.hits != want || p.cpu != (int)c) {
            kprintf("  irq %u routed to cpu %u (reads back %d): %s; %u runs of %u, last on cpu %d\n",
                    irq, c, routed, err ? errno_name(err) : "fired", p.hits, want, p.cpu);
            bad = 1;
        }
        checked++;
    }
    irq_set_affinity(irq, 0);
    irq_unregister(irq);
    return bad ? -1 : checked;
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
static int hold_prio, hold_fifo; /* the caller's, given back on release */

/* The CPU waits for an interrupt, not spinning: under an emulator each
 * spinning vCPU takes a host CPU from the one running the test, which on
 * a host with fewer CPUs than the guest made a held test many times
 * slower. Interrupts are served in the wait (IPIs: calls, TLB
 * shoot-downs; the release is one). */
static int hold_cpu(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&hold_running, 1, __ATOMIC_ACQ_REL);
    irqflags_t f = hal_irq_save();
    while (!__atomic_load_n(&hold_release, __ATOMIC_ACQUIRE))
        hal_idle_wait();
    hal_irq_restore(f);
    return 0;
}

static void hold_wake(void *arg) { (void)arg; }

unsigned kt_hold_other_cpus(void)
{
    unsigned me = kt_pin_cpu(), n = 0;
    /* The caller's own CPU too: with the others busy, the balancer brings
     * every ready thread here, and one of those (lwIP's timers, a zombie's
     * reaper) would run between the caller's steps at its turn. */
    struct thread *self = thread_current();
    hold_prio = self->se.prio;
    hold_fifo = self->fifo;
    thread_set_sched(self->id, PRIO_MAX, 1);
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
    /* Long: a busy host may not run a vCPU for seconds. */
    uint64_t end = hal_time_ns() + 10000000000ull;
    while (__atomic_load_n(&hold_running, __ATOMIC_ACQUIRE) < n && hal_time_ns() < end)
        thread_yield();
    unsigned held = __atomic_load_n(&hold_running, __ATOMIC_ACQUIRE);
    if (held < n)
        kprintf("  ktest: only %u of %u other CPUs held after 10 s\n", held, n);
    return held;
}

void kt_release_other_cpus(void)
{
    __atomic_store_n(&hold_release, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < 32; i++)
        if (hold_ids[i] > 0) {
            smp_call(i, hold_wake, NULL, 1); /* out of its wait (tickless: no other interrupt may come) */
            thread_join(hold_ids[i], NULL);
        }
    thread_set_sched(thread_current()->id, hold_prio, hold_fifo);
}
