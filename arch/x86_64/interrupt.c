/**
 * @file interrupt.c
 * @brief x86_64 interrupt entry (vectors 32-255), called by isr.S with
 *        interrupts masked: sort out strays, dispatch, EOI, irq_exit.
 */
#include <arch/apic.h>
#include <arch/frame.h>
#include <kernel/irq.h>

void x64_interrupt(struct x64_frame *f);

void x64_interrupt(struct x64_frame *f)
{
    unsigned vector = (unsigned)f->vector;
    /* The APIC's spurious vector: no ISR bit was set, so no EOI (SDM vol.
     * 3A, 11.9). */
    if (vector == X64_VECTOR_SPURIOUS) {
        irq_spurious();
        return;
    }
    /* 0x20-0x2f are both GSIs 0-15 and the 8259's vectors. With every 8259
     * line masked, all it can still raise is its spurious IRQ 7 or 15
     * (0x27, 0x2f). An interrupt the local APIC delivered is in its ISR;
     * one from the 8259 (ExtINT) never is. Only those two vectors pay for
     * the ISR read (an MMIO access, a VM exit under KVM). */
    if ((vector == X64_PIC_VECTOR_BASE + 7 || vector == X64_PIC_VECTOR_BASE + 15) &&
        !lapic_in_service(vector)) {
        x64_pic_stray(vector);
        return;
    }
    irq_handle(vector - X64_IRQ_VECTOR_BASE);
    if (x64_lapic_regs) /* else only a software INT n gets here */
        lapic_eoi();
    irq_exit(); /* may switch threads: last, after the EOI, still masked */
}
