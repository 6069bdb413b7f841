/**
 * @file smp_cmds.c
 * @brief The shell's `cpus`: each CPU's id, state and load (kernel/smp.h).
 */
#include <hal/cpu.h>
#include <hal/smp.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>

static int cmd_cpus(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    kprintf("  cpu  hwid        state     started by  idle   irqs      IPIs      ready  thread\n");
    uint64_t now = hal_time_ns();
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        const struct cpu *c = smp_cpu(i);
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        /* One kprintf per row: a log line from another CPU then lands
         * between rows, not inside one. */
        char head[64], rest[96];
        ksnprintf(head, sizeof head, "  %3u  %#-10x  %-8s  %-10s  ", c->index, c->hwid,
                  cpu_state_name(st), c->method);
        struct sched_cpu_info si;
        if (st == CPU_ONLINE && sched_cpu_info(i, &si) == 0) {
            uint64_t up = now - si.start_ns;
            uint64_t pct = up ? si.idle_ns * 100 / up : 0;
            ksnprintf(rest, sizeof rest, "%3lu%%  %8lu  %8lu  %5u  %d %s",
                      (unsigned long)(pct > 100 ? 100 : pct), (unsigned long)c->irqs,
                      (unsigned long)c->ipis, si.ready, si.current_id, si.current_name);
        } else if (st == CPU_ONLINE) {
            ksnprintf(rest, sizeof rest, "   -   %8lu  %8lu      -  (%s)", (unsigned long)c->irqs,
                      (unsigned long)c->ipis,
                      !c->irq_ready ? "parked: no IPIs" : "no threads: its timer failed; takes calls");
        } else if (st == CPU_FAILED) {
            ksnprintf(rest, sizeof rest, "%s", c->err == -ETIMEDOUT ? "timed out" : errno_name(c->err));
        } else {
            ksnprintf(rest, sizeof rest, "-");
        }
        kprintf("%s%s\n", head, rest);
    }
    kprintf("%u of %u CPUs online\n", smp_cpus_online(), smp_cpu_slots());
    return 0;
}
SHELL_COMMAND("cpus", "cpus",
              "each CPU: id, state, start, idle share, interrupts, IPIs, threads",
              cmd_cpus);

