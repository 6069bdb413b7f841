/**
 * @file sched_bench.c
 * @brief Scheduler and timer benchmarks (`bench`): yield round trip,
 *        context switch cost, timer interrupt latency, sleep jitter.
 *
 * Figures, never verdicts. Run from the shell (or ktest) thread at
 * PRIO_DEFAULT; a `spin` thread running meanwhile would distort them.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/bench.h>
#include <kernel/kprintf.h>
#include <kernel/ktimer.h>
#include <kernel/sched.h>
#include <kernel/wait.h>

enum { YIELDS = 20000 };

static int yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < YIELDS; i++)
        thread_yield();
    return 0;
}

/* Two threads yield to each other: each round trip is two switches
 * (A -> B -> A). They are created one priority below the caller, so both are
 * queued before either runs (one above would run alone the moment it was
 * created); they start when the caller blocks in join. */
static void bench_yield(void)
{
    uint64_t sw0 = sched_switches(), c0 = hal_cycles(), t0 = hal_time_ns();
    int prio = thread_current()->se.prio - 1;
    int a = thread_create("yield-a", yielder, NULL, prio, 0);
    int b = thread_create("yield-b", yielder, NULL, prio, 0);
    if (a < 0 || b < 0) {
        kprintf("bench: yield_roundtrip: cannot create threads\n");
        return;
    }
    thread_join(a, NULL);
    thread_join(b, NULL);
    uint64_t ns = hal_time_ns() - t0, cycles = hal_cycles() - c0;
    uint64_t switches = sched_switches() - sw0;
    kprintf("bench: yield_roundtrip %lu ns\n", (unsigned long)(ns / YIELDS));
    kprintf("bench: ctx_switch %lu cycles\n", (unsigned long)(cycles / (switches ? switches : 1)));
}

static struct semaphore fired;

static void wake_bench(struct ktimer *t, void *arg)
{
    (void)t;
    (void)arg;
    sem_up(&fired);
}

/* From the programmed deadline to the timer interrupt's entry into the
 * kernel timer code (ktimer_last_latency_ns), averaged and worst. */
static void bench_timer_latency(void)
{
    enum { N = 100 };
    struct ktimer t;
    uint64_t sum = 0, worst = 0;
    sem_init(&fired, 0, "bench");
    ktimer_init(&t, wake_bench, NULL);
    for (int i = 0; i < N; i++) {
        ktimer_arm(&t, hal_time_ns() + 200000);
        sem_down(&fired);
        uint64_t l = ktimer_last_latency_ns();
        sum += l;
        worst = l > worst ? l : worst;
    }
    kprintf("bench: timer_irq_latency %lu ns\n", (unsigned long)(sum / N));
    kprintf("bench: timer_irq_latency_max %lu ns\n", (unsigned long)worst);
}

/* How late thread_sleep_ns(1 ms) returns, on average and at worst. */
static void bench_sleep_jitter(void)
{
    enum { N = 50 };
    uint64_t sum = 0, worst = 0;
    for (int i = 0; i < N; i++) {
        uint64_t t0 = hal_time_ns();
        thread_sleep_ns(1000000);
        uint64_t late = hal_time_ns() - t0 - 1000000;
        sum += late;
        worst = late > worst ? late : worst;
    }
    kprintf("bench: sleep_jitter %lu us\n", (unsigned long)(sum / N / 1000));
    kprintf("bench: sleep_jitter_max %lu us\n", (unsigned long)(worst / 1000));
}

void bench_sched_all(void)
{
    if (!thread_current() || thread_current()->se.prio <= PRIO_MIN) {
        kprintf("bench: scheduler benchmarks need the scheduler\n");
        return;
    }
    /* One CPU's figures: the yielders (which inherit the mask) and the
     * cycle counts stay on the CPU the bench runs on. */
    struct thread *self = thread_current();
    uint32_t affinity = self->affinity;
    thread_set_affinity(self->id, 1u << thread_cpu());
    bench_yield();
    bench_timer_latency();
    bench_sleep_jitter();
    thread_set_affinity(self->id, affinity);
}
