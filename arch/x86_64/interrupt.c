/**
 * @file interrupt.c
 * @brief x86_64 interrupt entry (vectors 32-255), called by isr.S with
 *        interrupts masked: hand the vector to the root controller, then
 *        irq_exit(). Also the IA32_APIC_BASE service the local APIC driver asks for.
 *
 * The arch knows no interrupt controller by name: the local APIC driver
 * registers its dispatch with hal_irq_set_root_handler() (it sorts out the
 * spurious vector and 8259 strays, calls irq_handle() and EOIs).
 */
#include <arch/cpu.h>
#include <arch/frame.h>
#include <kernel/errno.h>
#include <kernel/irq.h>

#include "../../drivers/irqchip/lapic.h"

#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)

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

void x64_lapic_enable_xapic(uint64_t phys)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    /* Firmware may hand over in x2APIC mode; going back to xAPIC is only
     * allowed through the disabled state (SDM vol. 3A, 11.12.5). */
    if (msr & APIC_BASE_X2APIC) {
        wrmsr(MSR_APIC_BASE, msr & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
        msr &= ~APIC_BASE_X2APIC;
    }
    /* Decode at the address the MADT gave (where firmware left it, normally). */
    uint64_t want = (phys & ~0xfffULL) | (msr & APIC_BASE_BSP) | APIC_BASE_ENABLE;
    if (msr != want)
        wrmsr(MSR_APIC_BASE, want);
}
