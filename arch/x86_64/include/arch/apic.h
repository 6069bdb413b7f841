/**
 * @file arch/apic.h
 * @brief x86_64: the local APIC, the I/O APICs and the 8259 pair as the
 *        interrupt entry and the timer use them (arch-private).
 *
 * Vectors: 0-31 exceptions; 32 + n for interrupt number n (hal/irq.h), so
 * IOAPIC GSI n is vector 32 + n; the local APIC's own sources sit in the
 * top priority classes, numbers X64_IRQ_LOCAL_BASE and up. The 8259s are
 * remapped to 0x20-0x2f and masked; a stray one is told apart from GSI
 * 0-15 by the local APIC's in-service bit (ExtINT bypasses the ISR).
 */
#ifndef ARCH_X64_APIC_H
#define ARCH_X64_APIC_H

#include <stdint.h>

#define X64_IRQ_VECTOR_BASE 32   /**< vector of interrupt number 0 */
#define X64_IRQ_LOCAL_BASE 192   /**< first local APIC number (vector 224) */
#define X64_IRQ_END 224          /**< one past the last number (vector 255 is the spurious one) */
#define X64_IRQ_LAPIC_TIMER 208  /**< vector 0xf0 */
#define X64_IRQ_LAPIC_ERROR 222  /**< vector 0xfe */
#define X64_VECTOR_SPURIOUS 0xff /**< never counted per number: irq_spurious() */
#define X64_PIC_VECTOR_BASE 0x20 /**< 8259 master 0x20-0x27, slave 0x28-0x2f */

/* xAPIC register offsets (SDM vol. 3A, table 11-1). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ISR 0x100 /* 8 registers, 0x10 apart, 32 vectors each */
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)

/** @brief Registers of the local APIC, NULL before its driver probed. */
extern volatile uint32_t *x64_lapic_regs;

static inline uint32_t lapic_read(unsigned reg) { return x64_lapic_regs[reg / 4]; }
static inline void lapic_write(unsigned reg, uint32_t v) { x64_lapic_regs[reg / 4] = v; }

/** @brief Signal end of interrupt to the local APIC (and, for level GSIs, the IOAPIC). */
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/** @brief This CPU's local APIC id; 0 before the driver probed. */
uint32_t lapic_id(void);

/** @brief Whether @p vector is in service at the local APIC (came through it, needs an EOI). */
int lapic_in_service(unsigned vector);

/** @brief Remap the 8259 pair to 0x20-0x2f and mask every line. */
void x64_pic_init(void);

/** @brief Account for a vector the 8259 delivered (all its lines are masked): spurious. */
void x64_pic_stray(unsigned vector);

/** @brief The 8259 masks (slave << 8 | master); 0xffff once x64_pic_init() ran. */
uint16_t x64_pic_masks(void);

/**
 * @brief Calibrate the TSC against the HPET (else the PIT) and, if the local
 *        APIC is up, its timer against the same window. Called once by the
 *        platform code before any timestamp or deadline is needed.
 */
void x64_time_init(void);

/** @brief Local APIC timer counts per second after its divider; 0 if not calibrated. */
uint64_t x64_lapic_timer_hz(void);

/**
 * @brief Longest one-shot count hal_timer_arm() programs (0xffffffff). A
 *        farther deadline fires early and ktimer re-arms it; tests lower
 *        this to exercise that path quickly.
 */
extern uint32_t x64_timer_max_count;

#endif
