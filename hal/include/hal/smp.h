/**
 * @file hal/smp.h
 * @brief Finding and starting the other CPUs, and each CPU's own pointer.
 *
 * The portable side (kernel/smp.h) asks the architecture which CPUs the
 * firmware describes (aarch64: the device tree's /cpus nodes, x86_64: the
 * MADT's local APICs), then starts each one on its own stack. A started CPU
 * runs the architecture's entry code (MMU on with the kernel's tables,
 * exception vectors, its per-CPU pointer) and then calls
 * smp_secondary_main(@p arg), which never returns.
 */

/**
 * @defgroup hal_smp HAL: smp
 * @brief What an architecture provides for hal/smp.h. Required: the four functions, and hal_cpu_local() from <arch/cpu_inline.h>.
 * @{
 */
#ifndef HAL_SMP_H
#define HAL_SMP_H

#include <stdint.h>

/** @brief One CPU as the firmware describes it. */
struct hal_cpu_desc {
    uint32_t hwid;      /**< hal_cpu_id() as that CPU will see it */
    const char *method; /**< how it starts ("psci", "sipi"), or NULL: it cannot */
    const char *why;    /**< with method NULL: why not, for the log */
};

/**
 * @brief The CPUs the firmware describes, the boot CPU included.
 * @param out filled with up to @p max entries, in firmware order
 * @param max room in @p out
 * @return how many CPUs the firmware describes (may exceed @p max: the
 *         caller reports the rest), or a negative errno when the table is
 *         missing or malformed (then only the boot CPU is known)
 * @note Thread context, after boot has read the firmware tables.
 */
int hal_smp_enumerate(struct hal_cpu_desc *out, unsigned max);

/**
 * @brief Start the CPU @p cpu: it enters the kernel with the MMU on, the
 *        stack pointer at @p stack_top and interrupts masked, sets its
 *        per-CPU pointer to @p arg and calls smp_secondary_main(@p arg).
 * @param cpu as hal_smp_enumerate() returned it (method not NULL)
 * @param stack_top one past the top of a KSTACK_SIZE kernel stack
 * @param arg the CPU's per-CPU data, also its hal_cpu_local()
 * @retval 0 the firmware accepted the request; the caller waits for the CPU
 *         to say it is up (it may still never arrive)
 * @retval -ENOSYS this architecture cannot start CPUs yet
 * @retval -EBUSY the firmware says the CPU is already on
 * @retval -EINVAL the firmware refused the id or the entry address
 * @retval -EIO any other firmware error (logged with its code)
 * @note Thread context; one call at a time.
 */
int hal_smp_start(const struct hal_cpu_desc *cpu, void *stack_top, void *arg);

/**
 * @brief Set this CPU's per-CPU pointer (aarch64 TPIDR_EL1, x86_64 the GS
 *        base, with the pointed-to object starting with a pointer to itself).
 * @param p the CPU's per-CPU data; its first member must point to itself
 * @note Once per CPU, early, interrupts masked.
 */
void hal_cpu_local_set(void *p);

/**
 * @brief Interrupt CPU @p hwid with an interrupt it takes even with
 *        interrupts masked (x86_64: an NMI; aarch64: a GICv3 Group 0 SGI
 *        taken as FIQ), whose handler prints the registers and a backtrace
 *        of what that CPU runs and returns to it: the watchdog's view of a
 *        CPU that takes no interrupts. The handler calls
 *        smp_stop_if_asked() first: a panic elsewhere stops the CPU there.
 * @note Any context.
 * @return 0 if sent; -ENOTSUP where the platform has no such interrupt
 *         (aarch64 with GICv2, or a GICv3 with two security states); or
 *         the IPI's error
 */
int hal_cpu_nmi(uint32_t hwid);

/**
 * @brief This CPU's per-CPU pointer, as hal_cpu_local_set() set it. Inline
 *        (one instruction: `mrs tpidr_el1` / a `%gs:0` load), defined by
 *        the arch's cpu_inline.h through hal/cpu.h: the scheduler reads it
 *        on every switch.
 * @return the pointer; undefined before hal_cpu_local_set() ran on this CPU
 *         (smp_init() sets the boot CPU's)
 * @note Any context; meaningful while the caller cannot migrate.
 */
static inline void *hal_cpu_local(void);

/** @} */

#endif
