/**
 * @file arch/irqflags.h
 * @brief aarch64: the CPU's interrupt mask (PSTATE.I; F, for the NMI, is opened by
 *        hal_irq_enable() and never masked by these).
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
    __asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(f) : : "memory");
    return f;
}

static inline void hal_irq_restore(irqflags_t f)
{
    __asm__ volatile("msr daif, %0" : : "r"(f) : "memory");
}

/* Enabling opens FIQ too (entry left it masked): the GICv3 watchdog NMI is
 * a FIQ, and hal_irq_save()/hal_irq_disable() mask IRQ only, so it still
 * reaches a CPU that masked interrupts. */
static inline void hal_irq_enable(void) { __asm__ volatile("msr daifclr, #3" ::: "memory"); }
static inline void hal_irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

static inline int hal_irq_enabled(void)
{
    irqflags_t f;
    __asm__ volatile("mrs %0, daif" : "=r"(f));
    return !(f & (1u << 7));
}

/* WFI wakes on a pending interrupt even while PSTATE.I masks it, so testing
 * for work and then waiting with interrupts masked cannot miss a wakeup. */
static inline void hal_idle_wait(void)
{
    __asm__ volatile("dsb sy\n\twfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

#endif
