/**
 * @file kernel/spinlock.h
 * @brief Fair (ticket) spinlocks that mask interrupts on this CPU while held.
 *
 * Every spinlock taken with spin_lock_irqsave() masks interrupts: a handler
 * that takes a lock its own CPU already holds would spin forever, and since
 * preemption only ever starts from an interrupt, holding any spinlock also
 * keeps the thread on its CPU.
 *
 * A ticket lock: a taker draws the next ticket (an atomic fetch-and-add on
 * `next`, acquire) and waits until `owner` shows it; the holder releases by
 * moving `owner` on (a release store). CPUs are served in the order they
 * drew, so under contention no CPU waits behind more than one turn of each
 * other (a test-and-set lock lets the CPU nearest the line win every time).
 *
 * On one CPU a lock found held can only be a bug (the holder cannot run
 * until we let go), so after a bounded spin the lock panics naming who took
 * it, instead of hanging silently.
 *
 * While only one CPU runs (spin_smp == 0), masking interrupts already makes
 * the critical section exclusive, so the ticket is drawn with a plain
 * increment instead of an atomic one (the trick glibc plays for
 * single-threaded processes): it halves the cost of kmalloc + kfree. Bringing
 * up a second CPU that takes locks sets spin_smp first, while that CPU holds
 * no lock; the lock word means the same in both modes.
 *
 * In the -debug presets (SPIN_LOCKDEP) every acquisition and release is also
 * reported to the lock-order checker (kernel/lockdep.h), which names an
 * inversion with the sites of both orders.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <hal/irq.h>
#include <stdint.h>

/** @brief A ticket lock; held with interrupts masked when ISRs share it. */
struct spinlock {
    volatile uint16_t owner; /**< the ticket being served */
    volatile uint16_t next;  /**< the ticket the next taker draws; owner != next while held */
    const char *name;        /**< for the deadlock report, and the lock-order checker's class */
    uintptr_t holder;        /**< return address of the last taker */
};

/** @brief Static initialiser for an unlocked spinlock named @p n. */
#define SPINLOCK_INIT(n) {0, 0, (n), 0}

/** @brief Make @p l an unlocked spinlock named @p name. */
static inline void spin_init(struct spinlock *l, const char *name)
{
    l->owner = 0;
    l->next = 0;
    l->name = name;
    l->holder = 0;
}

/** @brief Out of line: wait for @p ticket; reports and panics after too long a spin. */
void spin_lock_slow(struct spinlock *l, uint16_t ticket, uintptr_t caller);

/** @brief Nonzero once more than one CPU takes locks: tickets are drawn atomically then. */
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

/** @brief Draw a ticket and wait for it (a helper of spin_lock()). */
__attribute__((always_inline)) static inline void spin_take(struct spinlock *l, uintptr_t caller)
{
    uint16_t t;
    if (__builtin_expect(spin_smp, 0)) {
        t = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
            spin_lock_slow(l, t, caller);
    } else {
        t = l->next;
        l->next = (uint16_t)(t + 1);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the critical section stays after it */
        if (l->owner != t)
            spin_lock_slow(l, t, caller);
    }
    l->holder = caller;
    SPIN_ACQUIRED(l, caller);
}

/** @brief Hand the lock to the next ticket (a helper of spin_unlock()). */
__attribute__((always_inline)) static inline void spin_give(struct spinlock *l)
{
    SPIN_RELEASED(l);
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
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
static inline int spin_is_locked(const struct spinlock *l) { return l->owner != l->next; }

#endif
