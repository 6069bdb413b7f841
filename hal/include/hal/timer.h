/**
 * @file hal/timer.h
 * @brief Monotonic time in nanoseconds and one one-shot deadline per CPU.
 *
 * aarch64: the generic timer (CNTVCT_EL0 for time, the EL1 virtual timer
 * CNTV_* for the deadline, PPI 27 unless the DT says otherwise).
 * x86_64: the TSC (calibrated against the HPET, else the PIT) for time and
 * the local APIC timer for the deadline, in TSC-deadline mode where the CPU
 * has it, one-shot count-down mode otherwise.
 *
 * The kernel timer layer (kernel/ktimer.h) is the only user of the deadline:
 * when it passes, the arch's timer interrupt handler calls ktimer_interrupt().
 */
#ifndef HAL_TIMER_H
#define HAL_TIMER_H

#include <stdint.h>

/**
 * @brief Bring the timer up: calibrate, register its interrupt, leave the
 *        deadline disarmed. Call once the interrupt controller is up.
 * @return 0 or -errno (no usable timer: only polled time then)
 */
int hal_timer_init(void);

/** @brief Nanoseconds since boot; monotonic, ISR-safe, lock-free. */
uint64_t hal_time_ns(void);

/**
 * @brief Interrupt this CPU once hal_time_ns() >= @p deadline_ns, replacing
 *        any earlier deadline. A deadline already past fires at once.
 */
void hal_timer_arm(uint64_t deadline_ns);

/** @brief Cancel the deadline. */
void hal_timer_disarm(void);

/** @brief What drives the deadline, e.g. "generic timer (virtual)", "lapic tsc-deadline". */
const char *hal_timer_name(void);

/** @brief Implemented by the kernel (kernel/time/ktimer.c); called from the timer interrupt. */
void ktimer_interrupt(void);

#endif
