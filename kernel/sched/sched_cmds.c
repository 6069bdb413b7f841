/**
 * @file sched_cmds.c
 * @brief Shell commands about threads: threads, sleep, spin.
 *
 * `spin` starts a thread that never yields, so anyone can watch preemption
 * keep the shell answering; `sleep` shows how late a sleep wakes.
 */
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/string.h>

/* `threads -v`: under a blocked or sleeping thread, where it waits (its
 * callers, innermost first), as Linux's /proc/PID/stack gives. */
static void show_waits(const struct thread_info *t)
{
    if (!t->waits_at[0])
        return;
    kprintf("      waits in");
    for (unsigned k = 0; k < THREAD_WAIT_FRAMES && t->waits_at[k]; k++) {
        uintptr_t off;
        const char *f = ksym_lookup(t->waits_at[k], &off);
        if (f)
            kprintf(" %s+%#lx", f, (unsigned long)off);
        else
            kprintf(" %#lx", (unsigned long)t->waits_at[k]);
    }
    kprintf("\n");
}

static int cmd_threads(int argc, char **argv)
{
    int verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
    if (argc != 1 && !verbose)
        return shell_usage(argv[0]);
    enum { MAX = 64 };
    static struct thread_info info[MAX]; /* only the shell thread runs this */
    unsigned n = thread_list(info, MAX);
    kprintf("  id  name             state     prio  cpu  affinity   cpu ms  switches\n");
    for (unsigned i = 0; i < n && i < MAX; i++)
        kprintf("%4d  %-15s  %-8s  %4d  %3u  %#8x  %7lu  %8lu\n", info[i].id, info[i].name,
                thread_state_name(info[i].state), info[i].prio, info[i].cpu,
                info[i].affinity & sched_cpu_mask(), (unsigned long)(info[i].cpu_ns / 1000000),
                (unsigned long)info[i].switches);
    for (unsigned i = 0; verbose && i < n && i < MAX; i++) {
        if (!i)
            kprintf("where they wait:\n");
        if (info[i].waits_at[0]) {
            kprintf("%4d  %s\n", info[i].id, info[i].name);
            show_waits(&info[i]);
        }
    }
    if (n > MAX)
        kprintf("  ... and %u more\n", n - MAX);
    kprintf("%u threads, %lu context switches\n", n, (unsigned long)sched_switches());
    return 0;
}
SHELL_COMMAND("threads", "threads [-v]",
              "threads: id, name, state, prio, CPU, affinity, times (-v: waits)", cmd_threads);

/* Parse a duration in milliseconds, 0..1 hour: long enough for any demo,
 * short enough that a typo cannot park a thread for a week. */
static int parse_ms(const char *cmd, const char *arg, uint64_t *ms)
{
    if (kstrtou64(arg, 10, ms) != 0 || *ms > 3600000) {
        return shell_error(-EINVAL, "%s: '%s' is not a duration in milliseconds (0..3600000)", cmd, arg);
    }
    return 0;
}

static int cmd_sleep(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2)
        return shell_usage(argv[0]);
    int err = parse_ms("sleep", argv[1], &ms);
    if (err)
        return err;
    /* In slices of at most 20 ms, each to the deadline, so Ctrl-C ends it
     * within one slice and slices do not add up their lateness. */
    uint64_t t0 = hal_time_ns(), end = t0 + ms * 1000000ull, now = t0;
    while (now < end && !console_cancelled()) {
        uint64_t left = end - now;
        thread_sleep_ns(left < 20000000ull ? left : 20000000ull);
        now = hal_time_ns();
    }
    if (console_cancelled())
        return -EINTR;
    uint64_t slept = now - t0; /* one reading for both halves of the figure */
    kprintf("slept %lu.%03lu ms\n", (unsigned long)(slept / 1000000),
            (unsigned long)(slept / 1000 % 1000));
    return 0;
}
SHELL_COMMAND("sleep", "sleep <ms>", "sleep the shell thread and report how long it slept",
              cmd_sleep);

/* `spin`: burn the CPU without sleeping or yielding; only preemption lets
 * anyone else (the shell) run meanwhile. */
static int spin_thread(void *arg)
{
    uint64_t end = hal_time_ns() + (uint64_t)(uintptr_t)arg * 1000000ull;
    volatile uint64_t loops = 0;
    while (hal_time_ns() < end)
        loops++;
    return 0;
}

static int cmd_spin(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2)
        return shell_usage(argv[0]);
    int err = parse_ms("spin", argv[1], &ms);
    if (err)
        return err;
    int id = thread_create("spin", spin_thread, (void *)(uintptr_t)ms, PRIO_DEFAULT, THREAD_DETACHED);
    if (id < 0)
        return id;
    kprintf("spin: thread %d burns the CPU for %lu ms\n", id, (unsigned long)ms);
    return 0;
}
SHELL_COMMAND("spin", "spin <ms>",
              "a background thread burns the CPU that long without yielding", cmd_spin);
