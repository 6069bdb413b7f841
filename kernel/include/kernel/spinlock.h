/**
 * @file kernel/spinlock.h
 * @brief Spinlocks that mask interrupts on this CPU while held, built to
 *        survive virtual CPUs that the host stops at any moment.
 *
 * Every spinlock taken with spin_lock_irqsave() masks interrupts: a handler
 * that takes a lock its own CPU already holds would spin forever, and since
 * preemption only ever starts from an interrupt, holding any spinlock also
 * keeps the thread on its CPU.
 *
 * Why not a ticket lock (what this was until issue 24): a ticket lock hands
 * the lock to the next ticket's CPU. In a virtual machine that CPU is a host
 * thread the host may not be running, and every waiter behind it spins until
 * the host runs it again: "lock-waiter preemption". With more vCPUs than
 * host cores, each hand-over waited for a host time slice, and a busy lock
 * made the whole machine crawl (docs/performance.md, "Several CPUs busy at
 * once", has the figures). Linux's x86 guests fall back for the same reason
 * from their queued lock to a test-and-set lock whenever no paravirtual
 * spinlock (a hypercall that parks a waiter) is there (virt_spin_lock());
 * QEMU's TCG has no such hypercall.
 *
 * So a lock here is taken by whichever CPU finds it free and swaps the
 * `locked` byte first (acquire): a CPU that is running takes it, none waits
 * for one that is not. Unfairness is bounded: a waiter that has waited
 * longer than SPIN_HANDOFF_NS raises `handoff` (one waiter at a time). Then
 * no other CPU takes the lock, and the raiser takes it at the next release
 * and lowers the flag. So no CPU starves behind others that take the lock in
 * a loop (the nearest cache wins a test-and-set race every time), and a
 * hand-over to a stopped vCPU happens only after a long wait, not on every
 * release. Release is a plain release store of 0 to `locked`.
 *
 * On one CPU a lock found held can only be a bug (the holder cannot run
 * until we let go), so after a bounded spin the lock panics naming who took
 * it, instead of hanging silently.
 *
 * While only one CPU runs (spin_smp == 0), masking interrupts already makes
 * the critical section exclusive, so the lock is taken with a plain store
 * instead of an atomic swap (the trick glibc plays for single-threaded
 * processes): an atomic is a large part of what a short critical section
 * such as kmalloc's costs. Bringing up a second CPU that takes locks sets
 * spin_smp first, while that CPU holds no lock; the lock word means the
 * same in both modes.
 *
 * In the -debug presets (SPIN_LOCKDEP) every acquisition and release is also
 * reported to the lock-order checker (kernel/lockdep.h), which names an
 * inversion with the sites of both orders.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <hal/irq.h>
#include <stdint.h>

/** @brief A test-and-set lock with a bounded hand-over; held with
 *         interrupts masked when ISRs share it. */
struct spinlock {
    volatile uint8_t locked;  /**< 1 while held */
    volatile uint8_t handoff; /**< 1: a starved waiter takes it next, nobody else */
    const char *name;         /**< for the deadlock report, and the lock-order checker's class */
    uintptr_t holder;         /**< return address of the last taker */
};

/** @brief Static initialiser for an unlocked spinlock named @p n. */
#define SPINLOCK_INIT(n) {0, 0, (n), 0}

/** @brief How long a waiter lets others take the lock before it claims the
 *         next release for itself (a bound on unfairness, not a timeout). */
#define SPIN_HANDOFF_NS 200000u

/** @brief Make @p l an unlocked spinlock named @p name. */
static inline void spin_init(struct spinlock *l, const char *name)
{
    l->locked = 0;
    l->handoff = 0;
    l->name = name;
    l->holder = 0;
}

/** @brief Out of line: wait until @p l is ours; reports and panics after too long a spin. */
void spin_lock_slow(struct spinlock *l, uintptr_t caller);

/** @brief Nonzero once more than one CPU takes locks: the lock is swapped atomically then. */
extern int spin_smp;

#ifdef SPIN_LOCKDEP
void lockdep_acquired(const struct spinlock *l, uintptr_t site);
void lockdep_released(const struct spinlock *l);
/** @brief Tell the lock-order checker @p l was taken at @p site (-debug presets only). */
#define SPIN_ACQUIRED(l, site) lockdep_acquired((l), (site))
/** @brief Tell the lock-order checker @p l is being released (-debug presets only). */
#define SPIN_RELEASED(l) lockdep_released(l)
#else
/** @brief Nothing: the lock-order checker is in the -debug presets only. */
#define SPIN_ACQUIRED(l, site) ((void)0)
/** @brief Nothing: the lock-order checker is in the -debug presets only. */
#define SPIN_RELEASED(l) ((void)0)
#endif

/** @brief One attempt to take @p l: nonzero if it is ours now. A raised
 *         hand-over flag keeps everybody but its raiser out. */
__attribute__((always_inline)) static inline int spin_try_take(struct spinlock *l)
{
    if (__builtin_expect(spin_smp, 0))
        return !l->handoff && __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
    if (l->locked)
        return 0;
    l->locked = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the critical section stays after it */
    return 1;
}

/** @brief Take @p l, waiting if needed (a helper of spin_lock()). */
__attribute__((always_inline)) static inline void spin_take(struct spinlock *l, uintptr_t caller)
{
    if (!spin_try_take(l))
        spin_lock_slow(l, caller);
    l->holder = caller;
    SPIN_ACQUIRED(l, caller);
}

/** @brief Let the lock go (a helper of spin_unlock()). */
__attribute__((always_inline)) static inline void spin_give(struct spinlock *l)
{
    SPIN_RELEASED(l);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/** @brief Mask interrupts, take @p l; returns the previous interrupt state. */
__attribute__((always_inline)) static inline irqflags_t spin_lock_irqsave(struct spinlock *l)
{
    irqflags_t f = hal_irq_save();
    spin_take(l, (uintptr_t)__builtin_return_address(0));
    return f;
}

/** @brief Release @p l and restore the interrupt state spin_lock_irqsave() returned. */
static inline void spin_unlock_irqrestore(struct spinlock *l, irqflags_t f)
{
    spin_give(l);
    hal_irq_restore(f);
}

/** @brief Take @p l when interrupts are already masked (e.g. in a handler). */
__attribute__((always_inline)) static inline void spin_lock(struct spinlock *l)
{
    spin_take(l, (uintptr_t)__builtin_return_address(0));
}

/** @brief Release a lock taken with spin_lock(); interrupts stay as they are. */
static inline void spin_unlock(struct spinlock *l)
{
    spin_give(l);
}

/** @brief Nonzero if @p l is held (for assertions). */
static inline int spin_is_locked(const struct spinlock *l) { return l->locked != 0; }

#endif
