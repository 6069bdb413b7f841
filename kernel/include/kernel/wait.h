/**
 * @file kernel/wait.h
 * @brief Wait queues and the sleeping locks built on them: mutex, semaphore,
 *        condition variable.
 *
 * The lost-wakeup rule: a waiter enqueues itself (under the queue's lock)
 * before it re-checks its condition and blocks; a waker dequeues it and
 * sets its `woken` flag before making it ready; sched_block() refuses to
 * block a thread whose flag is already set. So a wake that lands anywhere
 * between "enqueue" and "block" is never lost.
 *
 * Mutexes and semaphores hand off directly: unlock gives ownership (up gives
 * the unit) to the first waiter, so nobody barges in and waiters are served
 * in FIFO order. None of these may be used from an interrupt handler except
 * wq_wake_*() and sem_up().
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <stdint.h>

struct thread;

struct waitqueue {
    struct spinlock lock;
    struct list_node waiters;
};

/** @brief A waiting thread's entry; lives on its stack while it waits. */
struct waiter {
    struct list_node node;
    struct thread *t;
    volatile int woken;
};

#define WAITQUEUE_INIT(wq, n) {SPINLOCK_INIT(n), LIST_INIT((wq).waiters)}

void wq_init(struct waitqueue *wq, const char *name);

/** @brief Enqueue the current thread; the caller holds wq->lock. */
void wq_add_locked(struct waitqueue *wq, struct waiter *w);
/** @brief Take @p w off the queue if a waker has not; the caller holds wq->lock. */
void wq_remove_locked(struct waitqueue *wq, struct waiter *w);
/** @brief Block until @p w is woken (returns at once if it already was). */
void wq_block(struct waiter *w);

/** @brief Wake the first waiter (caller holds wq->lock); returns its thread or NULL. */
struct thread *wq_wake_one_locked(struct waitqueue *wq);
/** @brief Wake every waiter (caller holds wq->lock); returns how many. */
unsigned wq_wake_all_locked(struct waitqueue *wq);
/** @brief Locking versions. Interrupt handlers may call these. */
unsigned wq_wake_one(struct waitqueue *wq);
unsigned wq_wake_all(struct waitqueue *wq);

/* ---- mutex: sleeping, owned, not recursive ---- */

struct mutex {
    struct waitqueue wq;
    struct thread *volatile owner;
    uint64_t contended;           /**< lock calls that had to wait */
};

void mutex_init(struct mutex *m, const char *name);
/** @return 0, -EDEADLK (already owned by the caller), -EPERM (from an interrupt handler) */
int mutex_lock(struct mutex *m);
/** @return 1 if taken, 0 if owned by someone */
int mutex_trylock(struct mutex *m);
/** @return 0, or -EPERM (the caller does not own it; a warning names the caller) */
int mutex_unlock(struct mutex *m);

/* ---- counting semaphore ---- */

struct semaphore {
    struct waitqueue wq;
    volatile long count;
};

void sem_init(struct semaphore *s, long count, const char *name);
/** @brief Take a unit, sleeping until there is one; -EPERM from an interrupt handler. */
int sem_down(struct semaphore *s);
/** @return 1 if a unit was taken, 0 if none was available */
int sem_trydown(struct semaphore *s);
/** @brief Give a unit (to the first waiter if any). Any context. */
void sem_up(struct semaphore *s);

/* ---- condition variable (used with a mutex) ---- */

struct condvar {
    struct waitqueue wq;
};

void cond_init(struct condvar *c, const char *name);
/**
 * @brief Release @p m, wait for a signal, take @p m again.
 * @return 0, or -EPERM if the caller does not own @p m (nothing waited)
 */
int cond_wait(struct condvar *c, struct mutex *m);
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

#endif
