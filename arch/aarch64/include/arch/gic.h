/**
 * @file arch/gic.h
 * @brief What the aarch64 exception entry needs from the GIC driver
 *        (drivers/irqchip/gic.c).
 */
#ifndef ARCH_GIC_H
#define ARCH_GIC_H

/**
 * @brief Acknowledge and dispatch every pending interrupt: irq_handle() and
 *        end-of-interrupt for each, irq_spurious() if there was none. The
 *        caller calls irq_exit() afterwards. Interrupts masked.
 * @return 0, or -ENODEV if no GIC was probed (nothing could be acknowledged)
 */
int gic_handle_irq(void);

#endif
