/**
 * @file watchdog.c
 * @brief The SMP watchdog: each CPU's timer checks that every other CPU
 *        still takes timer interrupts, and names one that stopped (see
 *        watchdog_cpu_start() in kernel/smp.h); and the `watchdog` and
 *        `lockup` shell commands.
 *
 * A CPU proves it runs by its own periodic ktimer: the tick stamps
 * wd_seen_ns. A CPU spinning with interrupts masked, or stuck in an
 * interrupt handler, stops stamping; any other CPU's tick then finds the
 * stamp too old and reports it, once (wd_stuck is claimed by exchange, so
 * two checkers do not both report). The report names the CPU, how long it
 * has been silent and the thread it was running, and asks the arch for an
 * NMI (hal_cpu_nmi()), whose handler prints that CPU's registers and
 * backtrace. A thread that merely never yields is not a lockup here: the
 * timer preempts it at the end of its slice. With one CPU nobody can
 * watch, so nothing is checked.
 */
#include <hal/cpu.h>
#include <hal/smp.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define MS 1000000ull

static uint64_t limit_ns = 2000 * MS; /* well above a host's scheduling hiccups under TCG */

uint64_t watchdog_limit_ms(void) { return __atomic_load_n(&limit_ns, __ATOMIC_RELAXED) / MS; }

uint64_t watchdog_set_limit_ms(uint64_t ms)
{
    return __atomic_exchange_n(&limit_ns, ms * MS, __ATOMIC_RELAXED) / MS;
}

static void report(unsigned index, struct cpu *c, uint64_t silent_ns)
{
    const struct thread *t = c->sched->current;
    pr_err("watchdog: CPU %u (id %#x) took no timer interrupt for %lu ms: interrupts masked "
           "there, or stuck in a handler; running thread '%s' (%d)",
           index, c->hwid, (unsigned long)(silent_ns / MS), t ? t->name : "?", t ? t->id : -1);
    int err = hal_cpu_nmi(c->hwid);
    if (err == -ENOTSUP)
        pr_err("watchdog: no NMI on this platform: CPU %u's registers cannot be read", index);
    else if (err)
        pr_err("watchdog: NMI to CPU %u not sent (%s)", index, errno_name(err));
}

static void tick(struct ktimer *t, void *arg)
{
    (void)t, (void)arg;
    struct cpu *me = cpu_this();
    uint64_t now = hal_time_ns();
    __atomic_store_n(&me->wd_seen_ns, now, __ATOMIC_RELEASE);
    uint64_t limit = __atomic_load_n(&limit_ns, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        struct cpu *c = (struct cpu *)smp_cpu(i);
        uint64_t seen = __atomic_load_n(&c->wd_seen_ns, __ATOMIC_ACQUIRE);
        if (c == me || !seen)
            continue;
        uint64_t silent = now > seen ? now - seen : 0;
        if (limit && silent > limit) {
            if (!__atomic_exchange_n(&c->wd_stuck, 1, __ATOMIC_ACQ_REL))
                report(i, c, silent);
        } else if (silent < WATCHDOG_PERIOD_MS * 2 * MS && __atomic_load_n(&c->wd_stuck, __ATOMIC_ACQUIRE) &&
                   __atomic_exchange_n(&c->wd_stuck, 0, __ATOMIC_ACQ_REL)) {
            /* At the report's level, so whoever saw the error on the
             * console (which shows warnings and errors) sees it end. */
            pr_warn("watchdog: CPU %u takes timer interrupts again", i);
        }
    }
    ktimer_arm(&me->wd_timer, now + WATCHDOG_PERIOD_MS * MS);
}

void watchdog_cpu_start(void)
{
    struct cpu *me = cpu_this();
    ktimer_init(&me->wd_timer, tick, NULL);
    uint64_t now = hal_time_ns();
    __atomic_store_n(&me->wd_seen_ns, now ? now : 1, __ATOMIC_RELEASE);
    ktimer_arm(&me->wd_timer, now + WATCHDOG_PERIOD_MS * MS);
}
