/**
 * @file kernel/spinlock.h
 * @brief Spinlocks that mask interrupts on this CPU while held.
 *
 * Every spinlock masks interrupts: a handler that takes a lock its own CPU
 * already holds would spin forever, and since preemption only ever starts
 * from an interrupt, holding any spinlock also keeps the thread on its CPU.
 * The lock word is taken with an atomic exchange (acquire) and released with
 * a store (release), so the same code is correct once a second CPU runs.
 *
 * On one CPU a lock found held can only be a bug (the holder cannot run
 * until we let go), so after a bounded spin the lock panics naming who took
 * it, instead of hanging silently.
 *
 * While only one CPU runs (spin_smp == 0), masking interrupts already makes
 * the critical section exclusive, so the lock word is set with a plain
 * store instead of an atomic exchange (the trick glibc plays for
 * single-threaded processes): it halves the cost of kmalloc + kfree. Bringing
 * up a second CPU sets spin_smp first, while that CPU holds no lock.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <hal/irq.h>
#include <stdint.h>

/** @brief A lock that spins; held with interrupts masked when ISRs share it. */
struct spinlock {
    volatile uint32_t locked; /**< 1 while held */
    const char *name;     /**< for the deadlock report */
    uintptr_t holder;     /**< return address of the last taker */
};

/** @brief Static initialiser for an unlocked spinlock named @p n. */
#define SPINLOCK_INIT(n) {0, (n), 0}

/** @brief Make @p l an unlocked spinlock named @p name. */
static inline void spin_init(struct spinlock *l, const char *name)
{
    l->locked = 0;
    l->name = name;
    l->holder = 0;
}

/** @brief Out of line: reports and panics after too long a spin. */
void spin_lock_slow(struct spinlock *l, uintptr_t caller);

/** @brief Nonzero once more than one CPU runs: locks use atomics then. */
extern int spin_smp;

/** @brief Take the lock word (a helper of spin_lock()): 0 if it was free. */
__attribute__((always_inline)) static inline uint32_t spin_take(struct spinlock *l)
{
    if (__builtin_expect(spin_smp, 0))
        return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
    uint32_t was = l->locked;
    l->locked = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the critical section stays after it */
    return was;
}

/** @brief Mask interrupts, take @p l; returns the previous interrupt state. */
__attribute__((always_inline)) static inline irqflags_t spin_lock_irqsave(struct spinlock *l)
{
    irqflags_t f = hal_irq_save();
    if (spin_take(l))
        spin_lock_slow(l, (uintptr_t)__builtin_return_address(0));
    l->holder = (uintptr_t)__builtin_return_address(0);
    return f;
}

/** @brief Release @p l and restore the interrupt state spin_lock_irqsave() returned. */
static inline void spin_unlock_irqrestore(struct spinlock *l, irqflags_t f)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    hal_irq_restore(f);
}

/** @brief Take @p l when interrupts are already masked (e.g. in a handler). */
__attribute__((always_inline)) static inline void spin_lock(struct spinlock *l)
{
    if (spin_take(l))
        spin_lock_slow(l, (uintptr_t)__builtin_return_address(0));
    l->holder = (uintptr_t)__builtin_return_address(0);
}

/** @brief Release a lock taken with spin_lock(); interrupts stay as they are. */
static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/** @brief Nonzero if @p l is held (for assertions). */
static inline int spin_is_locked(const struct spinlock *l) { return l->locked != 0; }

#endif
