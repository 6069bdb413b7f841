/**
 * @file arch/irqflags.h
 * @brief Host unit tests: a simulated interrupt flag, so the portable code
 *        that saves and restores it (spinlocks, timers) runs unchanged.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <stdint.h>

extern int host_irq_on; /* defined by the test */

static inline irqflags_t hal_irq_save(void)
{
    irqflags_t f = (irqflags_t)host_irq_on;
    host_irq_on = 0;
    return f;
}
static inline void hal_irq_restore(irqflags_t f) { host_irq_on = (int)f; }
static inline void hal_irq_enable(void) { host_irq_on = 1; }
static inline void hal_irq_disable(void) { host_irq_on = 0; }
static inline int hal_irq_enabled(void) { return host_irq_on; }
static inline void hal_idle_wait(void) {}
static inline void hal_cpu_relax(void) {}

#endif
