/**
 * @file kernel/sched.h
 * @brief Kernel threads and the preemptive priority scheduler.
 *
 * Kernel threads run at priorities 1 (least urgent) .. 31, user threads at
 * PRIO_DEFAULT (SCHED_OTHER, SCHED_BATCH), PRIO_MIN (SCHED_IDLE) or, real
 * time (SCHED_FIFO, SCHED_RR), above every kernel thread at PRIO_RT_BASE +
 * their priority. The highest ready priority always runs, and threads of
 * equal priority take turns in time slices of SCHED_SLICE_NS, cut by the
 * timer interrupt, except a THREAD_FIFO thread, which keeps the CPU until
 * it blocks or yields. There is no real-time throttling: a user FIFO
 * thread that never blocks keeps kernel threads off its CPU (Ctrl-C still
 * ends it: the signal is delivered on the interrupt's way back to it).
 * Priority 0 is the idle thread's: it runs when nothing else is ready and
 * waits with wfi/hlt.
 *
 * Each thread has a 16 KiB kernel stack from kstack_alloc() with unmapped
 * guard pages, so an overflow faults and is reported rather than silently
 * corrupting a neighbour.
 *
 * Every CPU that came up with a working timer (smp_init()) runs threads.
 * Each has its own ready queue, lock, idle thread and time slice in struct
 * sched_cpu, reached through this_cpu(). Balancing: a thread made ready
 * (created, woken) goes to its own CPU if that one is idle, else to an idle
 * CPU it may run on, else stays on its own; a CPU about to idle first
 * pulls a waiting thread from the busiest other queue, and a CPU that
 * leaves threads waiting while others idle wakes one of them to pull.
 * Priorities are per CPU: the highest ready priority runs on each CPU.
 * A thread runs only on the CPUs in its affinity mask (thread_set_affinity()),
 * which new threads inherit from their creator.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/asid.h>
#include <kernel/ktimer.h>
#include <kernel/list.h>
#include <kernel/thread_plug.h>
#include <kernel/runqueue.h>
#include <kernel/spinlock.h>
#include <kernel/wait.h>
#include <stdint.h>

#define PRIO_IDLE 0        /**< the idle thread's priority; no other thread has it */
#define PRIO_MIN 1         /**< least urgent priority a thread may be created with */
#define PRIO_DEFAULT 16    /**< priority of ordinary threads (the shell's) */
#define PRIO_MAX 31        /**< most urgent priority of kernel threads */
/** A user thread of real-time priority p (SCHED_FIFO/SCHED_RR, 1..99) runs
 *  at PRIO_RT_BASE + p: above every kernel thread. */
#define PRIO_RT_BASE PRIO_MAX
/** Most urgent priority thread_create() and thread_set_sched() take. */
#define PRIO_TOP (PRIO_RT_BASE + 99)
#define THREAD_NAME_MAX 16 /**< bytes of a thread's name, NUL included */
#define SCHED_SLICE_NS 10000000ull /**< 10 ms */

/** thread_create() flags */
#define THREAD_DETACHED 1u /**< nobody joins it: reclaimed when it exits */
/** A thread that will run in user mode: its kernel stack starts below the
 *  user frame's place at the stack's top (hal/user.h). */
#define THREAD_USER 2u
/** SCHED_FIFO: the thread keeps the CPU until it blocks, yields or a more
 *  urgent thread is ready; equals get no time-slice turns from it. */
#define THREAD_FIFO 4u
/** Bytes a THREAD_USER stack keeps free at its top: at least the user
 *  frame and the thread's struct ustate (kernel/user/proc.c checks both
 *  against it). */
#define THREAD_USER_RESERVE 1024u
/** Set by thread_create_static() (callers cannot pass it): the struct and
 *  stack are the creator's, so reclaiming the thread frees neither. */
#define THREAD_CALLER_MEMORY (1u << 31)

/** @brief Where a thread is in its life. */
enum thread_state {
    THREAD_READY,    /**< in a ready queue */
    THREAD_RUNNING,  /**< on a CPU */
    THREAD_BLOCKED,  /**< waiting on a wait queue / lock */
    THREAD_SLEEPING, /**< waiting for a time */
    THREAD_DEAD,     /**< exited, waiting to be joined or reclaimed */
};

/** @brief A thread's function: its return value is the thread's result. */
typedef int (*thread_fn)(void *arg);


/** @brief Callers recorded when a thread blocks or sleeps (`threads -v`). */
#define THREAD_WAIT_FRAMES 8

/** @brief A kernel thread (fields are the scheduler's; read them under its lock). */
struct thread {
    void *sp;                    /**< saved stack pointer while switched out */
    struct sched_entity se;      /**< ready-queue link and priority */
    int id;                      /**< unique, > 0, never reused while the thread exists */
    char name[THREAD_NAME_MAX];  /**< for `threads` and messages */
    volatile enum thread_state state; /**< where it is in its life */
    volatile int on_cpu;         /**< still executing (its stack in use) */
    volatile int exited;         /**< thread_exit() has begun */
    unsigned flags;              /**< THREAD_DETACHED, THREAD_CALLER_MEMORY */
    void *stack;                 /**< kstack_alloc() or the creator's stack; NULL for the boot thread */
    thread_fn fn;                /**< what it runs */
    void *arg;                   /**< @p fn's argument */
    int result;                  /**< @p fn's return value or thread_exit()'s argument */
    struct sched_cpu *cpu;       /**< the CPU whose lock guards it: where it runs or is queued */
    uint32_t affinity;           /**< CPUs it may run on, bit i = CPU index i */
    struct thread *joiner;       /**< who is in thread_join() on us */
    struct waitqueue exit_wq;    /**< the joiner waits here */
    struct ktimer timer;         /**< sleep wakeup */
    uint64_t cpu_ns;             /**< time on a CPU, up to the last switch */
    uint64_t run_start;          /**< hal_time_ns() when last switched in */
    uint64_t switches;           /**< times switched in */
    struct list_node all;        /**< every thread, for `threads` and join */
    struct list_node zombie;     /**< detached and dead, awaiting reclaim */
    struct vm_aspace *user_as;   /**< its user address space (hal/user.h); NULL: none */
    uintptr_t user_kstack_top;   /**< with user_as: where entries from user mode build their frame */
    int no_borrow;               /**< without user_as: never runs on a borrowed space (sched_drop_borrowed_user()) */
    struct ustate *ustate;       /**< its FP/SIMD and TLS state (hal/user.h); NULL: none */
    unsigned ustate_cpu;         /**< with ustate: the CPU that last loaded it */
    void *proc;                  /**< the process it belongs to (kernel/proc.h), NULL for kernel threads */
    void *uthread;               /**< its struct uthread in that process */
    struct thread_plug *plug;    /**< work it holds back (a block plug, kernel/block.h), sent before it blocks */
    int fifo;                    /**< THREAD_FIFO: no time-slice turns among equals */
    volatile int yielding;       /**< in thread_yield(): even a FIFO thread goes behind its equals */
    uintptr_t waits_at[THREAD_WAIT_FRAMES]; /**< return addresses of its callers when it last blocked or slept (0 ends) */
};

/** @brief One CPU's scheduler state. */
struct sched_cpu {
    struct spinlock lock;        /**< guards rq, thread states, current */
    struct runqueue rq;          /**< ready threads, highest priority first */
    struct thread *current;      /**< the thread on this CPU */
    struct thread *idle;         /**< runs when rq is empty */
    struct thread *prev;         /**< set across a switch for finish_switch */
    struct ktimer slice;         /**< end of the current time slice */
    volatile int need_resched;   /**< a handler made a more urgent thread ready */
    uint64_t switches;           /**< context switches so far */
    struct list_node zombies;    /**< dead detached threads to reclaim */
    unsigned index;              /**< the CPU's index (struct cpu), lock order between CPUs */
    uint64_t steals;             /**< threads this CPU pulled from others */
    uint64_t pushes;             /**< threads it handed to a less loaded CPU (balance()) */
    uint64_t start_ns;           /**< hal_time_ns() when it began running threads */
    struct thread idle_thread;   /**< what idle points to */
    struct vm_aspace *user_as;   /**< the user address space loaded on this CPU (hal_uspace_switch()), a kernel thread's too */
    uint64_t user_gen;           /**< user_as's tlb_gen when it was loaded */
    struct asid_cpu asid;        /**< this CPU's ASIDs (kernel/asid.h) */
    int asid_ready;              /**< asid set up (on the first load: the arch knows its ASIDs by then) */
    struct thread *ustate_owner; /**< the thread whose user state this CPU's registers hold */
};

/**
 * @brief Turn the boot context into this CPU's idle thread. Call before
 *        any other thread function; it allocates nothing, so boot calls it
 *        before the page allocator exists.
 */
void sched_init(void);

/**
 * @brief The timer interrupt works: sleeps and time slices can rely on it.
 *        Until then (or without a timer) sleeping polls the clock.
 */
void sched_timer_ready(void);

/** @brief Become the idle loop: never returns. */
__attribute__((noreturn)) void sched_idle_loop(void);

/**
 * @brief On a CPU started after boot (smp.c), with its timer working: turn
 *        the calling context into this CPU's idle thread and let threads
 *        come here. The caller then enters sched_idle_loop().
 * @note Interrupts masked, once per CPU.
 */
void sched_cpu_start(void);

/**
 * @brief From the reschedule IPI: another CPU queued a thread here or
 *        changed the running thread's affinity; decide whether to switch.
 * @note Interrupt context on the CPU the IPI reached.
 */
void sched_resched_ipi(void);

/** @brief Mask of the CPUs that run threads (bit = CPU index). */
uint32_t sched_cpu_mask(void);

/**
 * @brief Let thread @p id run only on the CPUs in @p mask (bit i = CPU
 *        index i). A thread running or queued on a CPU outside the mask
 *        moves at once (the caller itself before this returns).
 * @retval 0 done
 * @retval -EINVAL @p mask names no CPU that runs threads, or @p id is an
 *         idle thread
 * @retval -ESRCH no such thread (or it exited)
 * @note Thread context.
 */
int thread_set_affinity(int id, uint32_t mask);

/**
 * @brief thread_create() with an explicit affinity mask (thread_create()
 *        passes the creator's): the thread never runs outside @p affinity.
 * @return its id, or as thread_create(); -EINVAL also for a mask that
 *         names no CPU that runs threads
 */
int thread_create_on(const char *name, thread_fn fn, void *arg, int prio, unsigned flags,
                     uint32_t affinity);

/**
 * @brief Move thread @p id to priority @p prio (PRIO_MIN .. PRIO_TOP), with
 *        or without time-slice turns (@p fifo: THREAD_FIFO's meaning). A
 *        queued thread raised goes to the back of its new priority, one
 *        lowered to the front (as Linux); a more urgent thread than the
 *        running one preempts it at once.
 * @retval 0 done
 * @retval -EINVAL @p prio out of range, or @p id is an idle thread
 * @retval -ESRCH no such thread (or it exited)
 * @note Thread context.
 */
int thread_set_sched(int id, int prio, int fifo);

/** @brief Time @p t has run on a CPU, up to now if it is running (any context;
 *         @p t must stay valid meanwhile). */
uint64_t thread_cpu_time(struct thread *t);

/** @brief The index of the CPU the caller runs on (may change at any switch). */
unsigned thread_cpu(void);

/**
 * @brief Start a thread running @p fn(@p arg) at priority @p prio.
 * @param name shown by `threads` (truncated to 15 characters); NULL: "thread"
 * @param fn what the thread runs; returning from it ends the thread
 * @param arg passed to @p fn
 * @param prio PRIO_MIN .. PRIO_TOP (above PRIO_MAX: user real-time threads)
 * @param flags 0, THREAD_DETACHED, THREAD_USER, THREAD_FIFO
 * @return its id (> 0), or -EINVAL (fn NULL, priority outside PRIO_MIN..PRIO_TOP,
 *         unknown flags), -ENOMEM
 */
int thread_create(const char *name, thread_fn fn, void *arg, int prio, unsigned flags);

/**
 * @brief thread_create() on memory the caller provides: for a thread boot
 *        starts before there is a page allocator (kmain()'s shell), when
 *        neither kmalloc() nor kstack_alloc() works yet.
 * @param t the thread's struct; the scheduler never frees it, and it must
 *        stay valid until the thread was joined or, detached, reclaimed by
 *        the idle loop after it exited (static storage, in practice)
 * @param stack KSTACK_SIZE bytes aligned to KSTACK_ALIGN (like every
 *        kernel stack: aarch64's exception entry tells an overflow by
 *        SP's bit KSTACK_SHIFT), never freed by the scheduler either. A
 *        static one has no guard page below it, unlike kstack_alloc()'s,
 *        so an overflow corrupts whatever lies there: a thread that runs
 *        deep code should move to a kstack_alloc() stack
 *        (hal_call_on_stack()) once it can, as the shell does.
 * @param name, fn, arg, prio, flags as thread_create()
 * @return its id, or as thread_create() (-EINVAL also for a NULL @p t or
 *         @p stack or a misaligned stack; never -ENOMEM)
 * @note Thread context, after sched_init(); the new thread inherits the
 *       caller's affinity.
 */
int thread_create_static(struct thread *t, void *stack, const char *name, thread_fn fn, void *arg,
                         int prio, unsigned flags);

/** @brief End the calling thread with @p result (what thread_join() returns). */
__attribute__((noreturn)) void thread_exit(int result);

/**
 * @brief Wait for thread @p id to exit and reclaim it.
 * @param id what thread_create() returned
 * @param result receives the thread's result (may be NULL)
 * @return 0, -ESRCH (no such thread: never existed or already joined),
 *         -EINVAL (detached), -EDEADLK (joining oneself), -EBUSY (another
 *         thread is already joining it)
 */
int thread_join(int id, int *result);

/** @brief Let other ready threads of the same or higher priority run. */
void thread_yield(void);

/** @brief Sleep at least @p ns nanoseconds (0 just yields). */
void thread_sleep_ns(uint64_t ns);
/** @brief Sleep at least @p ms milliseconds (0 just yields). */
static inline void thread_sleep_ms(uint64_t ms) { thread_sleep_ns(ms * 1000000ull); }

/** @brief The running thread (NULL before sched_init). */
struct thread *thread_current(void);

/** @brief This CPU's scheduler state. */
struct sched_cpu *this_cpu(void);

/** @brief CPU slot @p index's scheduler state (zeroed storage), for struct cpu's sched. */
struct sched_cpu *sched_cpu_storage(unsigned index);

/** @brief Make a blocked or sleeping thread ready; no-op for others. Any context. */
void thread_wake(struct thread *t);

/**
 * @brief Set *@p flag and wake @p t, both under @p t's CPU lock, which is
 *        also where sched_block() tests the flag: the flag and the wake
 *        arrive together, so no wake can outlive the wait it was meant for
 *        (with two CPUs, a wake landing after the flag let the thread move
 *        on could end its next, unrelated wait early). For wait.c.
 */
void thread_wake_flag(struct thread *t, volatile int *flag);

/**
 * @brief Block the current thread until thread_wake(), unless *@p cancel is
 *        already nonzero (checked under the scheduler lock, so a wake that
 *        raced ahead is not lost). For wait.c.
 */
void sched_block(volatile int *cancel);

struct vm_aspace;

/**
 * @brief Give the current thread the user address space @p as (NULL:
 *        none) and its frame's kernel stack top, and load both on this CPU;
 *        from then on every switch to the thread loads them (hal/user.h),
 *        each CPU with an ASID of its own (kernel/asid.h).
 */
void sched_set_user(struct vm_aspace *as, uintptr_t kstack_top);

/**
 * @brief A kernel thread runs on whatever user space its CPU had loaded
 *        (no table switch, which costs a whole TLB on CPUs without ASIDs
 *        and on QEMU's TCG everywhere): this drops it, so the caller's user
 *        accesses see its own space or none, never another program's: from
 *        then on the calling thread runs with none loaded, so a switch
 *        between the copy's check and the copy itself lends it nothing
 *        either. The user copies call it for a thread without a process
 *        (kernel/uaccess.h).
 */
void sched_drop_borrowed_user(void);

/**
 * @brief Give the current thread the FP/SIMD and TLS state @p s (NULL:
 *        none) and load it on this CPU now (call again after changing it:
 *        execve, arch_prctl); from then on switches save and load it
 *        (hal/user.h, hal_ustate_*).
 */
void sched_set_ustate(struct ustate *s);

/** @brief From irq_exit(): switch threads if a handler asked for it. */
void sched_irq_exit(void);

/** @brief Switch now if a higher-priority thread became ready (thread context). */
void sched_preempt_check(void);

/** @brief A snapshot of one thread for `threads`. */
struct thread_info {
    int id;                     /**< thread id */
    char name[THREAD_NAME_MAX]; /**< its name */
    enum thread_state state;    /**< its state at the snapshot */
    int prio;                   /**< its priority */
    uint64_t cpu_ns;            /**< time it has run, ns */
    uint64_t switches;          /**< times it was switched in */
    unsigned cpu;               /**< the CPU it runs or waits on (its last one if blocked) */
    uint32_t affinity;          /**< CPUs it may run on */
    uintptr_t waits_at[THREAD_WAIT_FRAMES]; /**< blocked or sleeping: where (struct thread's) */
};

/** @brief Fill up to @p max entries; returns the number of threads. */
unsigned thread_list(struct thread_info *out, unsigned max);

/** @brief Fill @p out for thread @p id: 0, or -ESRCH. */
int thread_info_of(int id, struct thread_info *out);

/** @brief "ready", "running", ... */
const char *thread_state_name(enum thread_state s);

/** @brief Context switches so far, on every CPU. */
uint64_t sched_switches(void);

/** @brief A snapshot of one CPU's scheduler for `cpus`. */
struct sched_cpu_info {
    int running;          /**< it runs threads (sched_cpu_start() done) */
    int current_id;       /**< the thread on it now */
    char current_name[THREAD_NAME_MAX]; /**< that thread's name */
    unsigned ready;       /**< threads waiting in its queue */
    uint64_t idle_ns;     /**< time its idle thread ran */
    uint64_t start_ns;    /**< hal_time_ns() when it began running threads */
    uint64_t switches;    /**< context switches on it */
    uint64_t steals;      /**< threads it pulled from other CPUs */
    uint64_t pushes;      /**< threads it handed to a less loaded CPU while all were busy */
};

/** @brief Fill @p out for CPU @p index; -EINVAL for no such CPU. */
int sched_cpu_info(unsigned index, struct sched_cpu_info *out);

#endif
