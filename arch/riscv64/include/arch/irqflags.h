/**
 * @file arch/irqflags.h
 * @brief riscv64: the hart's interrupt enable (sstatus.SIE).
 *
 * The definitions behind hal/irq.h (include that, not this); inline
 * because every spinlock uses them.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <stdint.h>

#define RV_SSTATUS_SIE (1UL << 1)

static inline irqflags_t hal_irq_save(void)
{
    irqflags_t f;
    __asm__ volatile("csrrci %0, sstatus, 2" : "=r"(f) : : "memory");
    return f;
}

static inline void hal_irq_restore(irqflags_t f)
{
    if (f & RV_SSTATUS_SIE)
        __asm__ volatile("csrsi sstatus, 2" ::: "memory");
    else
        __asm__ volatile("csrci sstatus, 2" ::: "memory");
}

static inline void hal_irq_enable(void) { __asm__ volatile("csrsi sstatus, 2" ::: "memory"); }
static inline void hal_irq_disable(void) { __asm__ volatile("csrci sstatus, 2" ::: "memory"); }

static inline int hal_irq_enabled(void)
{
    irqflags_t f;
    __asm__ volatile("csrr %0, sstatus" : "=r"(f));
    return (f & RV_SSTATUS_SIE) != 0;
}

/* WFI returns when an interrupt enabled in sie is pending, whatever
 * sstatus.SIE says (privileged spec, "Wait for Interrupt"), so testing for
 * work and then waiting with interrupts masked cannot miss a wakeup; the
 * interrupt is taken in the window opened after it. */
static inline void hal_idle_wait(void)
{
    __asm__ volatile("wfi\n\tcsrsi sstatus, 2\n\tcsrci sstatus, 2" ::: "memory");
}

#endif
