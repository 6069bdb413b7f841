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
#include <kernel/irq.h>

void x64_interrupt(struct x64_frame *f);

void x64_interrupt(struct x64_frame *f)
{
    /* Without a controller (a software INT n before any probed): counted. */
    irq_root_dispatch((unsigned long)f->vector);
    irq_exit(); /* may switch threads: last, after the EOI, still masked */
}
