/**
 * @file arch/irqflags.h
 * @brief x86_64: the CPU's interrupt flag (RFLAGS.IF) and spin-wait hints.
 *
 * The definitions behind hal/irq.h (include that, not this); inline
 * because every spinlock uses them.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <stdint.h>

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
