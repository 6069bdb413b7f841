/**
 * @file irq_cmds.c
 * @brief The `irqs` shell command: which interrupts fired, and how often.
 *
 * The first thing to look at when a device's interrupt never arrives: a
 * count stuck at 0 is not routed; "(masked)" fired with no handler.
 */
#include <kernel/irq.h>
#include <hal/timer.h>
#include <kernel/console.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>

static int cmd_irqs(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    enum { MAX = 32 };
    struct irq_stat st[MAX];
    unsigned n = irq_stats(st, MAX);
    kprintf("  irq  controller  handler          count  \n");
    for (unsigned i = 0; i < n && i < MAX; i++)
        kprintf("%5u  %-10s  %-15s  %8lu%s\n", st[i].irq, st[i].chip, st[i].name,
                (unsigned long)st[i].count, st[i].masked ? "  (masked)" : "");
    uint64_t rx, dropped;
    console_rx_stats(&rx, &dropped);
    kprintf("spurious: %lu; timer: %s; console rx by interrupt: %lu bytes, %lu dropped\n",
            (unsigned long)irq_spurious_count(), hal_timer_name(), (unsigned long)rx,
            (unsigned long)dropped);
    return 0;
}
SHELL_COMMAND("irqs", "irqs",
              "interrupts with a handler or a count: controller, handler, count; console rx",
              cmd_irqs);
