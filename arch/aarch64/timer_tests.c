/**
 * @file timer_tests.c
 * @brief In-kernel tests of the aarch64 generic timer behind ktimers and
 *        hal_time_ns(): the virtual timer is the one in use, a deadline
 *        fires on time, and nanoseconds are CNTVCT ticks scaled by CNTFRQ.
 *
 * The portable time and interrupt tests (monotonic time, cycles advancing,
 * a self-re-arming timer that does not storm) are kernel/test's. kmain
 * enables interrupts before the tests run, so a passed deadline is taken
 * while the test spins; every wait is bounded by hal_time_ns() so a lost
 * interrupt fails the test instead of hanging it.
 */
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/ktest.h>
#include <kernel/ktimer.h>
#include <kernel/string.h>

#define MS 1000000ull

/* Spin with interrupts enabled until *@p flag reaches @p want or @p ns pass. */
static int wait_for(volatile unsigned *flag, unsigned want, uint64_t ns)
{
    uint64_t end = hal_time_ns() + ns;
    while (*flag < want && hal_time_ns() < end)
        hal_cpu_relax();
    return *flag >= want;
}

struct fired {
    volatile unsigned runs;
    uint64_t at;
};

static void on_timer(struct ktimer *t, void *arg)
{
    (void)t;
    struct fired *f = arg;
    f->at = hal_time_ns();
    f->runs++;
}

KTEST(timer_deadline_fires)
{
    KT_ASSERT(strcmp(hal_timer_name(), "generic timer (virtual)") == 0);
    struct ktimer t;
    struct fired f = {0};
    ktimer_init(&t, on_timer, &f);
    uint64_t deadline = hal_time_ns() + 1 * MS;
    KT_ASSERT(ktimer_arm(&t, deadline) == 0);
    int ran = wait_for(&f.runs, 1, 500 * MS);
    if (!ran)
        ktimer_cancel(&t);
    KT_ASSERT(ran);
    KT_ASSERT(f.runs == 1);
    KT_ASSERT(f.at >= deadline);          /* never early */
    /* Generous: under TCG, guest time is host time, and a loaded host (ctest
     * -j, the -debug build) stalls QEMU for tens of milliseconds. */
    KT_ASSERT(f.at - deadline < 250 * MS);
    KT_ASSERT(ktimer_pending() == 0);
}

/* A deadline already past fires at once; a cancelled one never does; and
 * several fire in deadline order (each re-arms the hardware). Arming and
 * cancelling happen with interrupts masked, so a host stall cannot let a
 * timer fire before the test cancels it. */
KTEST(timer_past_cancelled_and_ordered)
{
    /* Static: an assertion that fails returns early, and an armed timer
     * must not be left pointing into a dead stack frame. */
    static struct ktimer a, b, c;
    static struct fired fa, fb, fc;
    fa = fb = fc = (struct fired){0};
    ktimer_init(&a, on_timer, &fa);
    ktimer_init(&b, on_timer, &fb);
    ktimer_init(&c, on_timer, &fc);
    uint64_t now = hal_time_ns();
    KT_ASSERT(ktimer_arm(&a, now > MS ? now - MS : 0) == 0);
    KT_ASSERT(wait_for(&fa.runs, 1, 20 * MS));

    irqflags_t flags = hal_irq_save();
    now = hal_time_ns();
    int armed = ktimer_arm(&b, now + 3 * MS) == 0 && ktimer_arm(&c, now + 2 * MS) == 0 &&
                ktimer_arm(&a, now + 1 * MS) == 0;
    int cancelled = ktimer_cancel(&c);
    hal_irq_restore(flags);
    KT_ASSERT(armed && cancelled == 1);
    int ran = wait_for(&fb.runs, 1, 500 * MS);
    wait_for(&fc.runs, 1, 5 * MS);
    ktimer_cancel(&a);
    ktimer_cancel(&b);
    KT_ASSERT(ran);
    KT_ASSERT(fa.runs == 2 && fb.runs == 1 && fc.runs == 0);
    KT_ASSERT(fa.at <= fb.at);
    KT_ASSERT(ktimer_pending() == 0);
}

KTEST(time_ns_agrees_with_counter)
{
    /* hal_time_ns() counts from the boot counter value, in counter ticks. */
    uint64_t freq = hal_counter_freq(), c0 = platform_boot_info()->boot_counter;
    KT_ASSERT(freq != 0);
    uint64_t t1 = hal_time_ns(), c = hal_counter(), t2 = hal_time_ns();
    uint64_t ticks = c - c0;
    uint64_t ns = ticks / freq * 1000000000ull + ticks % freq * 1000000000ull / freq;
    KT_ASSERT(t1 <= ns && ns <= t2);
    /* 10 ms by the counter is 10 ms by hal_time_ns(), to a tick or two. */
    uint64_t start = hal_time_ns(), c1 = hal_counter();
    while (hal_counter() - c1 < freq / 100)
        hal_cpu_relax();
    uint64_t dt = hal_time_ns() - start;
    KT_ASSERT(dt >= 10 * MS - 100 && dt < 10 * MS + 250 * MS); /* see timer_deadline_fires */
}
