/**
 * @file interrupt.c
 * @brief x86_64 interrupt entry (vectors 32-255), called by isr.S with
 *        interrupts masked: hand the vector to the root controller, then
 *        irq_exit().
 *
 * The arch knows no interrupt controller by name: the local APIC driver
 * registers its dispatch with hal_irq_set_root_handler() (it sorts out the
 * spurious vector and 8259 strays, calls irq_handle() and EOIs).
 */
#include <arch/frame.h>
#include <kernel/errno.h>
#include <kernel/irq.h>

void x64_interrupt(struct x64_frame *f);

static hal_irq_root_fn root;

int hal_irq_set_root_handler(hal_irq_root_fn fn)
{
    if (!fn)
        return -EINVAL;
    /* Boot, before interrupts are unmasked: nothing races with this. */
    if (root && root != fn)
        return -EBUSY;
    root = fn;
    return 0;
}

void x64_interrupt(struct x64_frame *f)
{
    hal_irq_root_fn fn = root;
    if (fn)
        fn((unsigned long)f->vector);
    else
        irq_spurious(); /* a software INT n before any controller probed */
    irq_exit(); /* may switch threads: last, after the EOI, still masked */
}
