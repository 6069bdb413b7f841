/**
 * @file hal/cpu.h
 * @brief CPU-level operations every architecture provides.
 *
 * Most are link-time bound: each arch defines them in its platform or cpu
 * code. The two that are single instructions called in loops or on every
 * per-CPU lookup, hal_cpu_relax() and hal_cpu_id(), are `static inline`:
 * declared here and defined by the arch's <arch/cpu_inline.h>, which this
 * header includes. The interrupt mask is in hal/irq.h.
 *
 * "This CPU" below means the CPU that executes the call; nothing here
 * signals other CPUs.
 */

/**
 * @defgroup hal_cpu HAL: cpu
 * @brief What an architecture provides for hal/cpu.h. Required: every function here, and from <arch/cpu_inline.h> hal_cpu_relax(), hal_cpu_id() and ARCH_FRAME_RECORD_OFFSET.
 * @{
 */
#ifndef HAL_CPU_H
#define HAL_CPU_H

#include <stdint.h>

/**
 * @brief Name of the architecture ("aarch64", "x86_64").
 * @return a static string, never NULL
 * @note Any context, including before the console exists.
 */
const char *hal_arch_name(void);

/**
 * @brief This CPU's free-running counter (aarch64 CNTVCT_EL0, x86_64 the
 *        TSC), ordered after earlier loads so a timestamp taken after a
 *        check is not read before it.
 * @return counter ticks; counts up at hal_counter_freq() per second and
 *         never wraps in practice (64 bits)
 * @note Any context (interrupt handlers, interrupts masked, before
 *       hal_timer_init()); never sleeps, never allocates. On one CPU it is
 *       monotonic; across CPUs it is as synchronised as the hardware makes
 *       it (the generic counter is system-wide; an invariant TSC is).
 */
uint64_t hal_counter(void);

/**
 * @brief Ticks per second of hal_counter() (aarch64 CNTFRQ_EL0; x86_64 the
 *        TSC rate, calibrated by the platform code early in boot).
 * @return the frequency, or 0 on x86_64 before the TSC is calibrated
 * @note Any context; never sleeps.
 */
uint64_t hal_counter_freq(void);

/**
 * @brief CPU cycle counter for benchmarks (x86_64: TSC, unordered; aarch64:
 *        PMCCNTR_EL0 when the PMU has one, else hal_counter()). Not for
 *        time: its rate is not hal_counter_freq() on aarch64 with a PMU.
 * @return cycles on this CPU since an arbitrary point
 * @note Any context; never sleeps. Compare two readings on the same CPU only.
 */
uint64_t hal_cycles(void);

/**
 * @brief Hint that this CPU is spinning on a condition another CPU or an
 *        interrupt handler will change (aarch64 `yield`, x86_64 `pause`).
 *
 * Call it once per iteration of a busy-wait loop. It is also a compiler
 * barrier, so the loop re-reads memory; it orders nothing for other CPUs.
 * @note Any context; never sleeps; this CPU only.
 */
static inline void hal_cpu_relax(void);

/**
 * @brief Hardware id of this CPU.
 *
 * aarch64: the affinity fields of MPIDR_EL1 packed as Aff3 << 24 | Aff2 << 16
 * | Aff1 << 8 | Aff0 (the value a device tree's cpu `reg` and the GIC's
 * routing use); x86_64: the initial local APIC id, CPUID.01H:EBX[31:24] (the
 * id the MADT lists); no driver is involved, so it works from the first
 * instruction of C. On QEMU `virt`, `q35` and `pc` the boot CPU is 0.
 * @return the id; not a dense index: the kernel maps ids to its per-CPU
 *         slots when it brings up secondary CPUs
 * @note Any context; never sleeps. Only meaningful while the caller cannot
 *       migrate (interrupts masked or preemption off), otherwise the answer
 *       may be stale by the time it is used. x86_64: CPUID is serialising
 *       (and exits to the hypervisor under virtualisation), so hot paths
 *       keep the result per CPU instead of calling this each time.
 */
static inline uint32_t hal_cpu_id(void);

/**
 * @brief Stop this CPU for good: mask interrupts and wait forever.
 * @note Any context, including an exception handler on a broken stack;
 *       never returns. Other CPUs are not stopped.
 */
__attribute__((noreturn)) void hal_halt(void);

/**
 * @brief Clean power-off (aarch64 PSCI SYSTEM_OFF, x86_64 ACPI S5 from the
 *        FADT/DSDT); QEMU then exits with status 0.
 * @note Thread context with interrupts in any state (x86_64 reads ACPI
 *       tables through the direct map, and gives QEMU up to 2 s to act on
 *       the S5 write). Never returns: if the firmware refuses, it prints
 *       why and calls hal_halt().
 */
__attribute__((noreturn)) void hal_poweroff(void);

/**
 * @brief Power off reporting @p code to the test harness.
 * @param code exit code for QEMU (tests use 0-127)
 * @retval -ENODEV no test-exit device (x86_64 isa-debug-exit, aarch64
 *         semihosting); the caller falls back to hal_poweroff().
 * @note Does not return on success. x86_64: QEMU exits with (code << 1) | 1;
 *       aarch64: QEMU exits with code.
 */
int hal_poweroff_code(int code);

/**
 * @brief Reset the machine (aarch64 PSCI SYSTEM_RESET, x86_64 a pulse on
 *        the keyboard controller's reset line).
 * @note Thread context. Never returns: if the reset has no effect, it
 *       prints why and calls hal_halt().
 */
__attribute__((noreturn)) void hal_reboot(void);

/**
 * @brief Execute an undefined instruction (aarch64 `udf #0`, x86_64 `ud2`),
 *        for the shell's `fault undef` and the exception tests.
 * @note Thread context. Does not return: the exception handler panics.
 */
void hal_fault_undefined(void);

/**
 * @brief Call @p fn(@p arg) with the stack pointer at @p stack_top, then
 *        return on the caller's stack.
 *
 * The frame chain links back to the caller, so a backtrace taken inside
 * @p fn crosses over to the caller's stack.
 * @param stack_top one past the highest usable byte of the other stack,
 *        16-byte aligned
 * @param fn function to run there; when it returns, so does this call, on
 *        the caller's stack. It may also never return: the shell moves to a
 *        stack with a guard page this way for good.
 * @param arg passed to @p fn unchanged
 * @note Thread context, interrupts in any state; interrupts taken while
 *       @p fn runs use @p fn's stack, so it must be large enough for them.
 */
void hal_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

#include <arch/cpu_inline.h> /* hal_cpu_relax(), hal_cpu_id(), ARCH_FRAME_RECORD_OFFSET */

#ifdef __DOXYGEN__
/**
 * @brief Where a frame pointer's record sits, in bytes from the address the
 *        frame pointer holds: the record is two words, the caller's frame
 *        pointer then the return address (kernel/debug/panic.c walks them
 *        for backtraces). 0 on aarch64 (x29 points at {x29, x30}) and x86_64
 *        (rbp at {rbp, return address}); -16 on riscv64, whose s0 points
 *        just above {s0, ra}.
 */
#define ARCH_FRAME_RECORD_OFFSET 0
#endif

#ifndef ARCH_FRAME_RECORD_OFFSET
#error "<arch/cpu_inline.h> must define ARCH_FRAME_RECORD_OFFSET"
#endif

/** @} */

#endif
