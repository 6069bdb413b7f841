/**
 * @file kernel/smp.h
 * @brief The CPUs: which exist, which came up, and each one's own data.
 *
 * smp_init() (from kmain, once the heap, threads and the clock work) asks
 * the HAL for every CPU the firmware describes and starts each one but the
 * boot CPU on a guarded kernel stack, waiting at most SMP_START_TIMEOUT_MS
 * for it to report in. A CPU that cannot be started, is refused by the
 * firmware, does not arrive in time, or is past SMP_MAX_CPUS is logged by
 * name and left out; the others carry on.
 *
 * What a started CPU does today: it turns its MMU on with the kernel's
 * tables, installs the exception vectors, sets its per-CPU pointer, checks
 * that its hardware id is the one it was started as, reports in, and parks
 * with interrupts masked (`wfi` / `hlt`). Scheduling threads on it, IPIs and
 * TLB shootdown are the next steps (issue 12); until then spinlocks stay in
 * their one-CPU mode, which is safe because a parked CPU takes no lock.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdint.h>

#define SMP_MAX_CPUS 8            /**< CPUs the kernel keeps data for */
#define SMP_START_TIMEOUT_MS 1000 /**< how long a starting CPU may take to report in */

/** @brief Where a CPU is in its life. */
enum cpu_state {
    CPU_ABSENT,   /**< no such slot */
    CPU_STARTING, /**< asked to start, not reported in yet */
    CPU_ONLINE,   /**< running the kernel (the boot CPU, or a parked secondary) */
    CPU_FAILED,   /**< could not be started, or never reported in */
};

/** @brief One CPU's own data; hal_cpu_local() points at it on that CPU. */
struct cpu {
    struct cpu *self;          /**< first: x86_64 reads it through %gs:0 */
    unsigned index;            /**< dense index, 0 = boot CPU */
    uint32_t hwid;             /**< hal_cpu_id() of this CPU */
    volatile int state;        /**< enum cpu_state */
    int err;                   /**< with CPU_FAILED: the negative errno */
    const char *method;        /**< how it was started ("boot", "psci", "sipi") */
    void *stack;               /**< kstack_alloc() base; NULL for the boot CPU */
    uint64_t start_ns;         /**< hal_time_ns() when asked to start */
    uint64_t online_ns;        /**< hal_time_ns() when it reported in */
    volatile uint32_t seen_hwid; /**< hal_cpu_id() as the CPU itself read it */
    volatile uintptr_t seen_local; /**< hal_cpu_local() as the CPU itself read it */
};

/**
 * @brief Find and start every CPU (see the file comment). Idempotent: a
 *        second call does nothing.
 * @note Thread context, from kmain; logs one line per CPU that fails and
 *       one summary line when more than one CPU exists.
 */
void smp_init(void);

/** @brief Number of CPU slots in use (online, failed or starting); >= 1. */
unsigned smp_cpu_slots(void);

/** @brief Number of CPUs online, the boot CPU included; >= 1. */
unsigned smp_cpus_online(void);

/** @brief The CPU in slot @p index, or NULL past smp_cpu_slots(). */
const struct cpu *smp_cpu(unsigned index);

/** @brief The name of @p state ("online", "failed", ...). */
const char *cpu_state_name(int state);

/**
 * @brief Entry of a started CPU, called by the architecture's start-up
 *        code with its MMU on, on its own stack, interrupts masked.
 * @param arg the struct cpu passed to hal_smp_start()
 */
__attribute__((noreturn)) void smp_secondary_main(void *arg);

#endif
