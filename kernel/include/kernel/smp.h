/**
 * @file kernel/smp.h
 * @brief The CPUs: which exist, which came up, and the calls between them
 *        (each one's own data, struct cpu, is kernel/percpu.h).
 *
 * smp_init() (from kmain, once the heap, threads and the clock work) asks
 * the HAL for every CPU the firmware describes and starts each one but the
 * boot CPU on a guarded kernel stack, waiting at most SMP_START_TIMEOUT_MS
 * for it to report in. A CPU that cannot be started, is refused by the
 * firmware, does not arrive in time, or is past SMP_MAX_CPUS is logged by
 * name and left out; the others carry on.
 *
 * What a started CPU does: it turns its MMU on with the kernel's tables,
 * installs the exception vectors, sets its per-CPU pointer, brings up its
 * part of the interrupt controller (irq_cpu_init()) and its own timer
 * (hal_timer_cpu_init()), becomes a CPU of the scheduler
 * (sched_cpu_start()), reports in, and runs threads from then on; in its
 * idle loop it takes IPIs: smp_call()s, reschedule requests. A CPU whose
 * timer does not work runs no threads (a sleep there would never end): it
 * only takes calls. One whose controller part failed parks with interrupts
 * masked. Spinlocks switch to atomic swaps before the first other CPU
 * starts.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <hal/cpu.h> /* hal_cpu_local() is defined inline there */
#include <hal/smp.h>
#include <kernel/kernel.h> /* SMP_MAX_CPUS */
#include <kernel/kmalloc.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/ktimer.h>
#include <kernel/sched.h>
#include <stdint.h>

#define SMP_START_TIMEOUT_MS 1000 /**< how long a starting CPU may take to report in */


/**
 * @brief Make the boot CPU's struct cpu its per-CPU data, so cpu_this()
 *        works everywhere after: called by the arch's entry in C before
 *        anything else (and again, harmlessly, by kmain). Idempotent.
 */
void smp_early_init(void);

/**
 * @brief Find and start every CPU (see the file comment). Idempotent: a
 *        second call does nothing.
 * @note Thread context, from kmain; logs one line per CPU that fails and
 *       one summary line when more than one CPU exists.
 */
void smp_init(void);

/**
 * @brief Which of the CPUs the firmware lists to start (smp_init()'s plan).
 *
 * Skips the boot CPU, a second entry with an id already listed (logged:
 * duplicate MADT APIC ids, repeated DT regs) and CPUs without a start
 * method (logged with their reason), and stops at @p room.
 * @param desc the entries read, @p listed of them
 * @param listed entries in @p desc
 * @param total CPUs the firmware counts (more than @p listed when its
 *        table was longer than the caller's buffer)
 * @param boot_hwid the boot CPU's id
 * @param room how many may be started
 * @param pick receives the indices into @p desc to start, in order
 * @param left_off receives how many startable CPUs are past @p room,
 *        counting the unread ones
 * @return entries in @p pick
 * @note Any context; logs, allocates nothing.
 */
unsigned smp_plan(const struct hal_cpu_desc *desc, unsigned listed, unsigned total,
                  uint32_t boot_hwid, unsigned room, unsigned *pick, unsigned *left_off);


/**
 * @brief Start this CPU's watchdog tick: every WATCHDOG_PERIOD_MS it notes
 *        that it took a timer interrupt, and checks that every other
 *        watched CPU did so within the limit (watchdog_set_limit_ms()). A
 *        CPU that did not (interrupts masked, or stuck in a handler) is
 *        reported once, with its running thread, and asked for its
 *        registers and a backtrace through hal_cpu_nmi(); it is reported
 *        again as running once it takes interrupts again. Called by each CPU
 *        whose timer works, when it starts running threads.
 */
void watchdog_cpu_start(void);

#define WATCHDOG_PERIOD_MS 100 /**< each CPU's watchdog tick */

/** @brief Report CPUs silent for more than @p ms (0 turns the checks off); the old limit. */
uint64_t watchdog_set_limit_ms(uint64_t ms);

/** @brief The limit watchdog_set_limit_ms() set, in ms; 0: off. */
uint64_t watchdog_limit_ms(void);

/**
 * @brief Stop every other online CPU, for a panic: each halts with
 *        interrupts masked where it is, reached by the NMI where the
 *        platform has one (hal_cpu_nmi(): a CPU spinning with interrupts
 *        masked stops too), else by an IPI. Waits up to 100 ms for them.
 * @param left set to how many of them did not report stopped in time
 * @return how many CPUs were asked; 0 before the per-CPU data exists or if
 *         this CPU already asked; -EBUSY if another CPU asked first (it is
 *         stopping this one: the caller should halt)
 * @note Any context, interrupts masked included; allocates nothing.
 */
int smp_stop_others(unsigned *left);

/**
 * @brief Halt here, never to return, if another CPU's panic asked every
 *        CPU to stop (smp_stop_others()); else return at once. The IPI
 *        handler and the arch's NMI handler call it first.
 * @note Any context.
 */
void smp_stop_if_asked(void);

/** @brief Number of CPUs online, the boot CPU included; >= 1. */
unsigned smp_cpus_online(void);


/**
 * @brief Run @p fn(@p arg) on the CPU in slot @p index, in its interrupt
 *        context (an IPI), and with @p wait until it returned.
 *
 * On the calling CPU itself @p fn runs at once with interrupts masked.
 * Calls to one CPU run in the order they were queued (one IPI may carry
 * several). @p fn must not sleep; it may take spinlocks.
 * @retval 0 queued (done, with @p wait)
 * @retval -EINVAL no such slot
 * @retval -ENODEV that CPU is not online or takes no IPIs
 * @retval -ENOMEM no memory for an asynchronous call
 * @note Thread context with interrupts enabled when @p wait (two CPUs
 *       waiting on each other with interrupts masked would deadlock).
 *       A CPU that has not answered a synchronous call in 5 s is named in
 *       a warning (a vCPU of a busy host can be that late); one silent for
 *       60 s panics: its stack slot could not be reclaimed.
 */
int smp_call(unsigned index, void (*fn)(void *arg), void *arg, int wait);

/**
 * @brief Run @p fn(@p arg) on every online CPU, this one included, and wait
 *        for each (synchronous smp_call()s): to empty every CPU's caches.
 *        Where waiting for another CPU is not allowed (interrupts masked,
 *        an interrupt handler) it runs on this CPU only.
 * @note Any context; @p fn as for smp_call().
 */
void smp_call_each(void (*fn)(void *arg), void *arg);

/**
 * @brief Run @p fn(@p arg) on this CPU while every other online CPU spins
 *        in its IPI handler, interrupts masked, touching nothing but RAM.
 *
 * For a change to the machine that another CPU must not race with: under
 * QEMU's multi-threaded TCG (7.2, Debian 12's) a change to the physical
 * memory map (a PCI BAR decoded or not) made by one vCPU swaps every other
 * vCPU's map at once, while their TLBs are flushed later, on their own
 * threads; an MMIO access another vCPU makes in between finds a stale index
 * into the new map and QEMU dies (a segfault in
 * memory_region_dispatch_write). Holding the others while the change is made
 * leaves them no MMIO in flight, and each has flushed before it runs again.
 * Late CPUs are waited for up to 1 s (then @p fn runs anyway, and the
 * stragglers return at once when they come).
 * @note Thread context; where waiting is not allowed (interrupts masked, an
 *       interrupt handler, before the scheduler) or one CPU is online,
 *       @p fn runs here alone. @p fn must not sleep or wait for another CPU.
 */
void smp_hold_others(void (*fn)(void *arg), void *arg);

/**
 * @brief Ask CPU @p index to look at its ready queue (the reschedule IPI;
 *        sched_resched_ipi() runs there). Requests not yet taken merge
 *        into one. On the calling CPU itself, or one without IPIs, nothing.
 * @note Any context, locks held included.
 */
void smp_send_resched(unsigned index);

/**
 * @brief Nanoseconds per synchronous smp_call() of an empty function from
 *        this CPU to the next online one, averaged over @p rounds; 0 if no
 *        other CPU takes IPIs.
 */
uint64_t smp_bench_ipi_roundtrip_ns(unsigned rounds);

/** @brief The name of @p state ("online", "failed", ...). */
const char *cpu_state_name(int state);

/**
 * @brief Entry of a started CPU, called by the architecture's start-up
 *        code with its MMU on, on its own stack, interrupts masked.
 * @param arg the struct cpu passed to hal_smp_start()
 */
__attribute__((noreturn)) void smp_secondary_main(void *arg);

#endif
