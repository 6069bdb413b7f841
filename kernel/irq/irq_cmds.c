/**
 * @file irq_cmds.c
 * @brief The `irqs` shell command: which interrupts fired, how often, on
 *        which CPU; and routing one to another CPU.
 *
 * The first thing to look at when a device's interrupt never arrives: a
 * count stuck at 0 is not routed; "(masked)" fired with no handler.
 */
#include <kernel/irq.h>
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>

/* `irqs <irq> <cpu>`: route one interrupt. */
static int route(char **argv)
{
    uint64_t irq, cpu;
    if (kstrtou64(argv[1], 0, &irq) != 0 || kstrtou64(argv[2], 10, &cpu) != 0) {
        return shell_error(-EINVAL, "irqs: '%s %s' is not an interrupt number and a CPU", argv[1], argv[2]);
    }
    if (irq >= IRQ_NR_MAX || cpu >= smp_cpu_slots() ||
        smp_cpu((unsigned)cpu)->state != CPU_ONLINE) {
        kprintf("irqs: %s (EINVAL)\n",
                irq >= IRQ_NR_MAX ? "no such interrupt" : "no such CPU online (see `cpus`)");
        return -EINVAL;
    }
    int err = irq_set_affinity((unsigned)irq, (unsigned)cpu);
    if (err == -EINVAL)
        kprintf("irqs: interrupt %lu is per-CPU: every CPU has its own (EINVAL)\n",
                (unsigned long)irq);
    else if (err)
        kprintf("irqs: interrupt %lu cannot be routed (%s)\n", (unsigned long)irq,
                err == -ENODEV    ? "no controller serves it, ENODEV"
                : err == -ENOTSUP ? "its controller or device cannot move it, ENOTSUP"
                                  : errno_name(err));
    else
        kprintf("irq %lu -> cpu %lu\n", (unsigned long)irq, (unsigned long)cpu);
    return err;
}

static int cmd_irqs(int argc, char **argv)
{
    if (argc == 3)
        return route(argv);
    if (argc != 1)
        return shell_usage(argv[0]);
    /* The devices probed after the prompt (PCI, virtio-mmio, the MSI
     * controllers) have their interrupts by then: wait, so the list is the
     * same whenever it is typed. */
    device_probe_wait();
    enum { MAX = 32 };
    struct irq_stat st[MAX];
    unsigned n = irq_stats(st, MAX);
    kprintf("  irq  controller  handler                  count  cpu    last cpu\n");
    for (unsigned i = 0; i < n && i < MAX; i++) {
        char cpu[8], last[8];
        ksnprintf(cpu, sizeof cpu, st[i].cpu >= 0 ? "%d" : st[i].cpu == -1 ? "local" : "-",
                  st[i].cpu);
        ksnprintf(last, sizeof last, st[i].last_cpu >= 0 ? "%d" : "-", st[i].last_cpu);
        kprintf("%5u  %-10s  %-20s  %8lu  %-6s %s%s\n", st[i].irq, st[i].chip, st[i].name,
                (unsigned long)st[i].count, cpu, last, st[i].masked ? "  (masked)" : "");
    }
    uint64_t rx, dropped, found;
    console_rx_stats(&rx, &dropped, &found);
    kprintf("spurious: %lu; timer: %s; console rx by interrupt: %lu bytes, %lu dropped\n",
            (unsigned long)irq_spurious_count(), hal_timer_name(), (unsigned long)rx,
            (unsigned long)dropped);
    if (found)
        kprintf("console rx found by the shell's idle look, no interrupt raised: %lu bytes\n",
                (unsigned long)found);
    return 0;
}
SHELL_COMMAND("irqs", "irqs [<irq> <cpu>]",
              "interrupts: controller, handler, count, CPU; or route one to a CPU",
              cmd_irqs);
