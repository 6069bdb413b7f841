/**
 * @file watchdog_cmds.c
 * @brief The shell's `watchdog` (its limit) and `lockup` (a CPU made to
 *        spin with interrupts masked, for the watchdog to see).
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define MS 1000000ull

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
    ms = watchdog_limit_ms();
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
