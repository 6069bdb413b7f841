/**
 * @file lapic_internal.h
 * @brief Shared between the local APIC driver's files (lapic.c, lapic_msi.c,
 *        lapic_timer.c) and nothing else: register offsets and accessors.
 *
 * The register block's address stays inside lapic.c; the other parts reach
 * it through lapic_read()/lapic_write(), so no pointer to it is shared.
 */
#ifndef DRIVERS_IRQCHIP_LAPIC_INTERNAL_H
#define DRIVERS_IRQCHIP_LAPIC_INTERNAL_H

#include <stdint.h>

/* xAPIC register offsets (SDM vol. 3A, table 11-1) and LVT bits. */
#define LAPIC_ID 0x020 /**< local APIC id (bits 31:24) */
#define LAPIC_TPR 0x080 /**< task priority */
#define LAPIC_EOI 0x0b0 /**< end of interrupt (write 0) */
#define LAPIC_SVR 0x0f0 /**< spurious vector and software enable */
#define LAPIC_ISR 0x100 /**< in-service: 8 registers, 0x10 apart, 32 vectors each */
#define LAPIC_ESR 0x280 /**< error status */
#define LAPIC_ICR_LO 0x300 /**< interrupt command, low half (sends) */
#define LAPIC_ICR_HI 0x310 /**< interrupt command, high half (destination in 31:24) */
#define LAPIC_LVT_TIMER 0x320 /**< LVT: timer */
#define LAPIC_LVT_LINT0 0x350 /**< LVT: LINT0 pin */
#define LAPIC_LVT_LINT1 0x360 /**< LVT: LINT1 pin */
#define LAPIC_LVT_ERROR 0x370 /**< LVT: error */
#define LAPIC_TIMER_INIT 0x380 /**< timer initial count */
#define LAPIC_TIMER_CUR 0x390 /**< timer current count */
#define LAPIC_TIMER_DIV 0x3e0 /**< timer divide configuration */

#define LAPIC_LVT_MASKED (1u << 16)          /**< LVT mask bit */
#define LAPIC_TIMER_ONESHOT (0u << 17)       /**< LVT timer mode: one-shot */
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)  /**< LVT timer mode: TSC-deadline */

/** @brief Read register @p reg (an offset above); 0 before probe. Any context. */
uint32_t lapic_read(unsigned reg);
/** @brief Write register @p reg; ignored before probe. Any context. */
void lapic_write(unsigned reg, uint32_t v);
/** @brief Send @p vector to this CPU (fixed delivery); -ENODEV before probe. Any context. */
int lapic_self_ipi(unsigned vector);

/** @brief lapic_msi.c: register the MSI span and msi_chip. Boot context. */
int lapic_msi_init(void);
/**
 * @brief lapic_msi.c: whether MSI number @p irq is masked in software; if so it is
 * latched pending (delivered again on unmask) and the caller must not run
 * its handler. Interrupt context.
 */
int lapic_msi_hold(unsigned irq);

/** @brief lapic_timer.c: start the count calibration reads later; offer the timer to the arch. */
void lapic_timer_init(void);

#endif
