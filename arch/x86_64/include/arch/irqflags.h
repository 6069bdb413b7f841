/**
 * @file arch/irqflags.h
 * @brief x86_64: the CPU's interrupt flag (RFLAGS.IF) and spin-wait hints.
 *
 * Included through <hal/irq.h>; inline because every spinlock uses them.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <stdint.h>

/** Interrupt numbers are IDT vectors minus 32: IOAPIC GSI n is irq n,
 *  local APIC sources sit at the top, from 192 (see <arch/apic.h>). */
#define ARCH_NR_IRQS 224

#define ARCH_IRQ_TEST 200 /* vector 232: free for tests (hal/irq.h IRQ_TEST) */

typedef uint64_t irqflags_t;

static inline irqflags_t hal_irq_save(void)
{
    irqflags_t f;
    __asm__ volatile("pushfq\n\tpopq %0\n\tcli" : "=r"(f) : : "memory");
    return f;
}

static inline void hal_irq_restore(irqflags_t f)
{
    if (f & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
    else
        __asm__ volatile("cli" ::: "memory");
}

static inline void hal_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hal_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

static inline int hal_irq_enabled(void)
{
    irqflags_t f;
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(f));
    return (f >> 9) & 1;
}

/* STI's one-instruction shadow makes "sti; hlt" atomic: an interrupt that
 * is already pending wakes the HLT instead of slipping in before it. */
static inline void hal_idle_wait(void)
{
    __asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}

static inline void hal_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

#endif
