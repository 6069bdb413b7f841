/**
 * @file kernel/percpu.h
 * @brief Each CPU's own data (struct cpu), reached by every layer: the heap's
 *        and the page allocator's caches, the timer queue, the interrupt
 *        depth, kprintf's hand-over flags, the CPU's state.
 *
 * The table lives in lib/ (kernel/lib/percpu.c) because every layer reads
 * its own slice of it, the allocators and kprintf first; the scheduler's
 * slice is the scheduler's (a pointer here), and bringing CPUs up
 * (kernel/smp.h) fills the slots. A slice embedded here is a type from a
 * types-only header (kmalloc_types.h, pmm_types.h, ktimer_types.h), so this
 * header sits below every layer that owns one (docs/architecture.md,
 * "Layers inside kernel/").
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <hal/cpu.h> /* hal_cpu_local() is defined inline there */
#include <kernel/kmalloc_types.h>
#include <kernel/ktimer_types.h>
#include <kernel/pmm_types.h>
#include <kernel/spinlock.h>
#include <stdint.h>

struct sched_cpu;

/** @brief Where a CPU is in its life. */
enum cpu_state {
    CPU_ABSENT,   /**< no such slot */
    CPU_STARTING, /**< asked to start, not reported in yet */
    CPU_ONLINE,   /**< running the kernel (the boot CPU, or a secondary taking calls) */
    CPU_FAILED,   /**< could not be started, or never reported in */
};

/** @brief One CPU's own data; hal_cpu_local() points at it on that CPU. */
struct cpu {
    struct cpu *self;          /**< first: x86_64 reads it through %gs:0 */
    uintptr_t arch_scratch[4]; /**< second, at offset 8: the arch's user-mode entry words (x86_64's SYSCALL stacks) */
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
    unsigned irq_depth;        /**< interrupt handlers running on this CPU (irq_in_handler()) */
    int irq_ready;             /**< a started CPU: its interrupt controller part is up, IPIs arrive */
    struct spinlock call_lock; /**< guards calls */
    struct smp_call *calls;    /**< functions queued for this CPU (smp_call()), newest first */
    volatile uint64_t ipis;    /**< IPIs this CPU took */
    uint64_t irqs;             /**< interrupts this CPU took (handled ones, IPIs included) */
    int timer_err;             /**< a started CPU: hal_timer_cpu_init()'s result */
    volatile int resched;      /**< a reschedule request is pending (smp_send_resched()) */
    struct ktimer_base timers; /**< this CPU's kernel timer queue */
    struct sched_cpu *sched;   /**< this CPU's scheduler (this_cpu(), the scheduler's own), set with the slot */
    struct kmalloc_cpu heap;   /**< this CPU's heap magazines (kernel/mm/kmalloc.c) */
    struct pmm_cpu pmm;        /**< this CPU's free frames (kernel/mm/pmm.c) */
    struct ktimer wd_timer;    /**< this CPU's watchdog tick (kernel/sched/watchdog.c) */
    volatile uint64_t wd_seen_ns; /**< hal_time_ns() at its last watchdog tick; 0: not watched */
    volatile int wd_stuck;     /**< reported stuck by another CPU, not seen running since */
    volatile int print_waiting; /**< waiting for the console lock (kprintf.c) */
    volatile int stopped;      /**< halted for another CPU's panic (smp_stop_others()) */
    unsigned print_bust;       /**< an NMI prints without it: this CPU may hold the hand-over claim (kprintf.c) */
};

/** @brief One function queued for another CPU (smp_call()). */
struct smp_call {
    void (*fn)(void *arg);    /**< what to run there, in interrupt context */
    void *arg;                /**< its argument */
    int wait;                 /**< the caller waits: set done, do not free */
    volatile int done;        /**< set by the target once fn returned */
    struct smp_call *next;    /**< queue link */
};

/** @brief This CPU's struct cpu (from the boot CPU's smp_early_init() on). @note Any context. */
static inline struct cpu *cpu_this(void) { return (struct cpu *)hal_cpu_local(); }

/** @brief Number of CPU slots in use (online, failed or starting); >= 1. */
unsigned smp_cpu_slots(void);

/** @brief The CPU in slot @p index, or NULL past smp_cpu_slots(). */
const struct cpu *smp_cpu(unsigned index);

/**
 * @brief The calling CPU's timer queue. The kernel implements it in
 *        kernel/lib/percpu.c (host tests fake it).
 * @note Any context, interrupts masked or not: the result is only used
 *       under the queue's lock with interrupts masked.
 */
struct ktimer_base *ktimer_base_this(void);

/** @brief The timer queue of CPU slot @p index, NULL past the last one. */
struct ktimer_base *ktimer_base_at(unsigned index);

/**
 * @brief The heap cache of the CPU with dense index @p index, NULL past the
 *        last (kernel: kernel/lib/percpu.c; host tests: arch/host).
 */
struct kmalloc_cpu *kmalloc_cpu_at(unsigned index);

/** @brief The slots themselves, which bringing CPUs up (kernel/sched/smp.c) fills; others read them through smp_cpu(). */
extern struct cpu percpu_cpus[];
/** @brief Slots in use (online, failed or starting); >= 1. */
extern unsigned percpu_nslots;

/**
 * @brief Run @p fn(@p arg) on every online CPU and wait for each, as
 *        smp_call_each() does (kernel/smp.h), for the layers below the one
 *        that sends IPIs: the heap's and the page allocator's drains. The
 *        CPUs' layer lends it (cpu_set_call_each()); until then, with one
 *        CPU, @p fn runs here with interrupts masked.
 */
void cpu_call_each(void (*fn)(void *arg), void *arg);

/** @brief Lend cpu_call_each() its way to the other CPUs. @note Any context. */
void cpu_set_call_each(void (*call_each)(void (*fn)(void *arg), void *arg));

#endif
