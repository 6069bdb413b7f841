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
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define MS 1000000ull

static uint64_t limit_ns = 2000 * MS; /* well above a host's scheduling hiccups under TCG */

uint64_t watchdog_set_limit_ms(uint64_t ms)
{
    return __atomic_exchange_n(&limit_ns, ms * MS, __ATOMIC_RELAXED) / MS;
}

static void report(unsigned index, struct cpu *c, uint64_t silent_ns)
{
    const struct thread *t = c->sched.current;
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

static int cmd_watchdog(int argc, char **argv)
{
    uint64_t ms;
    if (argc > 2)
        return shell_usage(argv[0]);
    if (argc == 2) {
        if (!strcmp(argv[1], "off")) {
            ms = 0;
        } else if (kstrtou64(argv[1], 10, &ms) != 0 || ms < 2 * WATCHDOG_PERIOD_MS || ms > 3600000) {
            return shell_error(-EINVAL, "watchdog: '%s' is not 'off' or a limit in milliseconds (%u..3600000)",
                               argv[1], 2 * WATCHDOG_PERIOD_MS);
        }
        watchdog_set_limit_ms(ms);
    }
    ms = __atomic_load_n(&limit_ns, __ATOMIC_RELAXED) / MS;
    if (ms)
        kprintf("watchdog: a CPU silent for %lu ms is reported (tick every %u ms)\n",
                (unsigned long)ms, WATCHDOG_PERIOD_MS);
    else
        kprintf("watchdog: off\n");
    return 0;
}
SHELL_COMMAND("watchdog", "watchdog [<ms>|off]",
              "how long a CPU may take no timer interrupt unreported; set it",
              cmd_watchdog);

/* `lockup`: make a CPU spin with interrupts masked, in the handler of a
 * call sent to it, the case the watchdog is for. */
static void spin_masked(void *arg)
{
    uint64_t end = hal_time_ns() + (uint64_t)(uintptr_t)arg * MS;
    while (hal_time_ns() < end)
        hal_cpu_relax();
}

static int cmd_lockup(int argc, char **argv)
{
    uint64_t cpu, ms;
    if (argc != 3)
        return shell_usage(argv[0]);
    if (kstrtou64(argv[1], 10, &cpu) != 0 || !smp_cpu((unsigned)cpu) || cpu >= smp_cpu_slots()) {
        return shell_error(-EINVAL, "lockup: '%s' is not a CPU (0..%u)", argv[1], smp_cpu_slots() - 1);
    }
    if (kstrtou64(argv[2], 10, &ms) != 0 || ms == 0 || ms > 60000) {
        return shell_error(-EINVAL, "lockup: '%s' is not a duration in milliseconds (1..60000)", argv[2]);
    }
    /* The shell moves off that CPU first (a call to its own CPU would run
     * here, masking the shell's own interrupts). */
    struct thread *self = thread_current();
    uint32_t saved = self->affinity, others = sched_cpu_mask() & ~(1u << cpu);
    if (!others) {
        return shell_error(-EINVAL, "lockup: no other CPU to watch CPU %lu", (unsigned long)cpu);
    }
    thread_set_affinity(self->id, others & saved ? others & saved : others);
    int err = smp_call((unsigned)cpu, spin_masked, (void *)(uintptr_t)ms, 0);
    thread_set_affinity(self->id, saved);
    if (err) {
        return shell_error(err, "lockup: CPU %lu cannot take calls", (unsigned long)cpu);
    }
    kprintf("lockup: CPU %lu spins with interrupts masked for %lu ms\n", (unsigned long)cpu,
            (unsigned long)ms);
    return 0;
}
SHELL_COMMAND("lockup", "lockup <cpu> <ms>",
              "spin another CPU with interrupts masked (for the watchdog to see)",
              cmd_lockup);
