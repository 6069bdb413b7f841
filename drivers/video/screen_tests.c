/**
 * @file screen_tests.c
 * @brief In-kernel tests of the screen console's drawing (bootfb.c): a line
 *        printed with interrupts masked reaches the screen without another
 *        print after it. Booted with no screen, it is skipped.
 */
#include <hal/irq.h>
#include <kernel/driver.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/sched.h>

#include "screen.h"

KTEST(screen_draws_lines_printed_with_interrupts_masked)
{
    int pending;
    device_probe_wait(); /* a screen found on a bus starts after the prompt */
    KT_SKIP_UNLESS(screen_draw_count(&pending) >= 0, "no screen console (QEMU: a display, -device ramfb)");
    thread_sleep_ms(100); /* what earlier prints asked for, drawn */
    long before = screen_draw_count(&pending);
    irqflags_t f = hal_irq_save();
    kprintf("  (a line printed with interrupts masked)\n");
    hal_irq_restore(f);
    /* No print from here to the check: only the way out of an interrupt
     * (the sleep's timer) can ask for the line to be drawn. */
    thread_sleep_ms(200);
    long after = screen_draw_count(&pending);
    KT_ASSERT(after > before);
    KT_ASSERT(!pending);
}
