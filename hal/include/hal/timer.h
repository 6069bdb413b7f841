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
 * when it passes, the arch's timer interrupt handler calls the kernel's
 * ktimer_interrupt() (declared there: the kernel implements it).
 */

/**
 * @defgroup hal_timer HAL: timer
 * @brief What an architecture provides for hal/timer.h. Required: all six functions.
 * @{
 */
#ifndef HAL_TIMER_H
#define HAL_TIMER_H

#include <stdint.h>

/**
 * @brief Bring the deadline timer up: register its interrupt with the
 *        kernel's interrupt table, leave the deadline disarmed.
 * @retval 0 deadlines work
 * @retval -ENODEV no usable timer (aarch64: CNTFRQ_EL0 0 and no DT
 *         clock-frequency, or no interrupt controller delivers its PPI;
 *         x86_64: no local APIC or no calibrated TSC). hal_time_ns() still
 *         works; the kernel polls time instead of sleeping.
 * @retval -EINVAL / -EBUSY the interrupt could not be registered (as
 *         irq_register() returns)
 * @note Boot, thread context, once, after the root interrupt controller
 *       probed and before interrupts are unmasked. Arms nothing.
 */
int hal_timer_init(void);

/**
 * @brief Bring the calling CPU's own deadline timer up, as hal_timer_init()
 *        did the boot CPU's: a CPU started later (aarch64: the timer PPI
 *        configured and enabled in this CPU's redistributor or banked
 *        distributor; x86_64: this local APIC's timer in the boot CPU's
 *        mode, no second calibration). Leaves the deadline disarmed.
 * @retval 0 this CPU takes deadlines
 * @retval -ENODEV the boot CPU has no working timer, or the interrupt
 *         cannot be enabled here
 * @note A started CPU, after irq_cpu_init(), interrupts masked, once.
 */
int hal_timer_cpu_init(void);

/**
 * @brief Nanoseconds since the kernel's first instruction
 *        (boot_info.boot_counter).
 * @return monotonic time; 0 while the counter frequency is not yet known
 * @note Any context, interrupt handlers included; lock-free, never sleeps.
 */
uint64_t hal_time_ns(void);

/**
 * @brief Interrupt this CPU once hal_time_ns() >= @p deadline_ns, replacing
 *        any earlier deadline.
 *
 * A deadline already past fires at once. The interrupt never comes early
 * for near deadlines; one far in the future may fire early (x86_64 one-shot
 * mode counts at most 2^32 timer ticks), so the handler compares the time
 * and re-arms, as ktimer_interrupt() does.
 * @param deadline_ns an absolute hal_time_ns() value
 * @note Any context with interrupts masked (the caller holds the ktimer
 *       lock); this CPU's timer only. Does nothing if hal_timer_init()
 *       failed.
 */
void hal_timer_arm(uint64_t deadline_ns);

/**
 * @brief Cancel this CPU's deadline; a timer interrupt already pending may
 *        still be delivered once.
 * @note Any context with interrupts masked; this CPU only.
 */
void hal_timer_disarm(void);

/**
 * @brief What drives the deadline, e.g. "generic timer (virtual)", "lapic
 *        tsc-deadline", "none" (x86_64 before or without hal_timer_init()).
 * @return a static string
 * @note Any context.
 */
const char *hal_timer_name(void);

/** @} */

/**
 * @brief How hal_time_ns() turns the arch's user-readable counter into
 *        nanoseconds, for the vDSO to compute the same (hal_vdso_clock()).
 */
struct hal_vdso_clock {
    int usable;           /**< user mode may read the counter and the conversion below is hal_time_ns()'s */
    uint64_t counter0;    /**< the counter value at which hal_time_ns() is @c ns0 */
    uint64_t ns0;         /**< see @c counter0 */
    uint64_t freq;        /**< aarch64, riscv64: the counter's Hz, converted by kernel/tickconv.h */
    uint64_t ns_per_tick; /**< tickconv_ns_per_tick(@c freq) */
    uint64_t mult;        /**< x86_64: ns = (ticks * mult) >> shift, saturating */
    uint32_t shift;       /**< x86_64: see @c mult */
};

/** @brief The parameters now, for the vDSO's data page (kernel/user/vdso.c). */
void hal_vdso_clock(struct hal_vdso_clock *c);

#endif
