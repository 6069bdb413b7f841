/**
 * @file hal/cpu.h
 * @brief CPU-level operations every architecture provides (link-time bound).
 */
#ifndef HAL_CPU_H
#define HAL_CPU_H

#include <stdint.h>

/** @brief Name of the architecture ("aarch64", "x86_64"). */
const char *hal_arch_name(void);

/** @brief Free-running counter (CNTVCT_EL0 / TSC). ISR-safe, no allocation. */
uint64_t hal_counter(void);

/** @brief Counter ticks per second (CNTFRQ_EL0 / calibrated TSC rate). */
uint64_t hal_counter_freq(void);

/**
 * @brief CPU cycle counter for benchmarks (x86_64: TSC; aarch64: PMCCNTR_EL0
 *        when the PMU has one, else the generic counter). Not for time.
 */
uint64_t hal_cycles(void);

/** @brief Stop this CPU for good, interrupts masked. */
__attribute__((noreturn)) void hal_halt(void);

/** @brief Clean power-off (PSCI SYSTEM_OFF / ACPI S5); QEMU exits with status 0. Halts if that fails. */
__attribute__((noreturn)) void hal_poweroff(void);

/**
 * @brief Power off reporting @p code to the test harness.
 * @retval -ENODEV no test-exit device (x86_64 isa-debug-exit, aarch64
 *         semihosting); the caller falls back to hal_poweroff().
 * @note Does not return on success. x86_64: QEMU exits with (code << 1) | 1;
 *       aarch64: QEMU exits with code.
 */
int hal_poweroff_code(int code);

/** @brief Reset the machine (PSCI SYSTEM_RESET / keyboard controller). Halts if that fails. */
__attribute__((noreturn)) void hal_reboot(void);

/** @brief Execute an undefined instruction (for the shell's `fault undef`). */
void hal_fault_undefined(void);

/**
 * @brief Call @p fn(@p arg) with the stack pointer at @p stack_top, then
 *        return on the caller's stack. The frame chain links back to the
 *        caller, so backtraces cross over. @p stack_top must be 16-byte aligned.
 */
void hal_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

#endif
