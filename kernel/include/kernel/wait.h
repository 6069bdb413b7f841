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

/** @brief Threads waiting for something, woken in FIFO order. */
struct waitqueue {
    struct spinlock lock;     /**< guards waiters */
    struct list_node waiters; /**< struct waiter entries, oldest first */
};

/** @brief A waiting thread's entry; lives on its stack while it waits. */
struct waiter {
    struct list_node node; /**< link in the queue's waiters */
    struct thread *t;      /**< the waiting thread */
    volatile int woken;    /**< set by the waker before it makes @p t ready */
    int handoff;           /**< mutex: waited long enough to be handed the mutex at unlock */
    volatile int *shared;  /**< a wait_set's flag: the waker sets that (and @p woken, as "off
                                the queue"); NULL: the waker sets @p woken */
};

/** @brief Static initialiser for the wait queue @p wq, named @p n. */
#define WAITQUEUE_INIT(wq, n) {SPINLOCK_INIT(n), LIST_INIT((wq).waiters)}

/** @brief Initialise an empty wait queue; @p name is for lock debugging. */
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
/** @brief Wake the first waiter, taking wq->lock; returns 1 or 0. Interrupt handlers may call it. */
unsigned wq_wake_one(struct waitqueue *wq);
/** @brief Wake every waiter, taking wq->lock; returns how many. Interrupt handlers may call it. */
unsigned wq_wake_all(struct waitqueue *wq);

/* ---- wait set: one thread waiting on several queues at once ---- */

#define WAIT_SET_MAX 16 /**< queues one wait_set can wait on */

/**
 * @brief A thread waiting on several queues at once (a pipe and its
 *        signals, every file of a poll(), a deadline): the first wake on any
 *        of them ends the wait.
 *
 * The same lost-wakeup rule as one queue: wait_set_add() every queue, then
 * check every condition, then wait_set_block(); a wake landing in between
 * makes the block return at once. wait_set_clear() takes the waiter off
 * every queue that did not wake it (so the set can be filled again, or go
 * out of scope). Lives on the waiting thread's stack; threads only.
 */
struct wait_set {
    volatile int flag;                         /**< set by the first wake */
    unsigned n;                                /**< queues in use */
    int overflow;                              /**< more than WAIT_SET_MAX were added */
    struct waiter w[WAIT_SET_MAX];             /**< one entry per queue */
    struct waitqueue *q[WAIT_SET_MAX];         /**< the queues */
};

/** @brief An empty set. */
void wait_set_init(struct wait_set *ws);
/** @brief Wait on @p wq too (takes its lock). Past WAIT_SET_MAX the set
 *         never blocks (wait_set_block() returns at once): a caller that
 *         polls more sources than that spins rather than sleeps forever. */
void wait_set_add(struct wait_set *ws, struct waitqueue *wq);
/** @brief Block until a queue of the set is woken (at once if one was). */
void wait_set_block(struct wait_set *ws);
/** @brief Off every queue; the set is empty again. */
void wait_set_clear(struct wait_set *ws);
/**
 * @brief wait_set_block() that also ends at @p deadline (hal_time_ns());
 * @return 1 if the deadline passed, 0 if a queue was woken first
 */
int wait_set_block_until(struct wait_set *ws, uint64_t deadline);

/* ---- completion: an event that happens once ---- */

/** @brief Something that happens once (boot finished, deferred probing ran);
 *         threads wait for it, and once it happened they no longer wait. */
struct completion {
    struct waitqueue wq; /**< threads waiting for it */
    volatile int done;   /**< it happened; never goes back to 0 */
};

/** @brief Static initialiser for the completion @p c (not yet done), named @p n. */
#define COMPLETION_INIT(c, n) {WAITQUEUE_INIT((c).wq, n), 0}

/** @brief Sleep until @p c is done (returns at once if it is). Threads only. */
void completion_wait(struct completion *c);
/** @brief Mark @p c done and wake every waiter. Any context. */
void complete_all(struct completion *c);
/** @brief 1 once complete_all() was called on @p c; never blocks. */
static inline int completion_done(const struct completion *c)
{
    return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
}

/* ---- mutex: sleeping, owned, not recursive ---- */

/** @brief How long a mutex waiter lets running threads take the mutex
 *         before the next unlock hands it to the waiter (see wait.c). */
#define MUTEX_HANDOFF_NS 1000000u

/** @brief A sleeping lock with an owner; not recursive, threads only.
 *
 * Unlock wakes the first waiter and leaves the mutex free, so a thread that
 * is running takes it rather than every taker waiting for the woken one to
 * be scheduled; a waiter that has waited MUTEX_HANDOFF_NS is handed the
 * mutex outright instead (bounded unfairness, as in Linux's mutexes and
 * rw-semaphores). */
struct mutex {
    struct waitqueue wq;          /**< threads waiting for it */
    struct thread *volatile owner; /**< the holder, NULL when free */
    uint64_t contended;           /**< lock calls that had to wait */
};

/** @brief Initialise an unlocked mutex; @p name is for messages. */
void mutex_init(struct mutex *m, const char *name);
/** @return 0, -EDEADLK (already owned by the caller), -EPERM (from an interrupt handler) */
int mutex_lock(struct mutex *m);
/** @return 1 if taken, 0 if owned by someone */
int mutex_trylock(struct mutex *m);
/** @return 0, or -EPERM (the caller does not own it; a warning names the caller) */
int mutex_unlock(struct mutex *m);

/* ---- counting semaphore ---- */

/** @brief A counting semaphore; units are handed to waiters in FIFO order. */
struct semaphore {
    struct waitqueue wq;  /**< threads waiting for a unit */
    volatile long count;  /**< units available */
};

/** @brief Initialise with @p count units; @p name is for messages. */
void sem_init(struct semaphore *s, long count, const char *name);
/** @brief Take a unit, sleeping until there is one; -EPERM from an interrupt handler. */
int sem_down(struct semaphore *s);
/** @return 1 if a unit was taken, 0 if none was available */
int sem_trydown(struct semaphore *s);
/** @brief Give a unit (to the first waiter if any). Any context. */
void sem_up(struct semaphore *s);

/* ---- condition variable (used with a mutex) ---- */

/** @brief A condition variable, used with a mutex. */
struct condvar {
    struct waitqueue wq; /**< threads in cond_wait() */
};

/** @brief Initialise with no waiters; @p name is for messages. */
void cond_init(struct condvar *c, const char *name);
/**
 * @brief Release @p m, wait for a signal, take @p m again.
 * @return 0, or -EPERM if the caller does not own @p m (nothing waited)
 */
int cond_wait(struct condvar *c, struct mutex *m);
/** @brief Wake the oldest thread in cond_wait() on @p c, if any. */
void cond_signal(struct condvar *c);
/** @brief Wake every thread in cond_wait() on @p c. */
void cond_broadcast(struct condvar *c);

#endif
