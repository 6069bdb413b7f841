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

struct waiter;

/**
 * @brief What a callback entry runs when its queue is woken, with the
 *        queue's lock held (it must not sleep, nor touch that queue's list).
 *        @p key: the POLL* events the wake is about, 0 for any.
 */
typedef void (*wake_fn)(struct waiter *w, unsigned key);

/** @brief A waiting thread's entry (on its stack while it waits), or a
 *         callback entry (wq_add_callback_locked()), which stays queued,
 *         its function run at every wake, until its owner takes it off. */
struct waiter {
    struct list_node node; /**< link in the queue's waiters */
    struct thread *t;      /**< the waiting thread */
    volatile int woken;    /**< set by the waker before it makes @p t ready */
    int handoff;           /**< mutex: waited long enough to be handed the mutex at unlock */
    wake_fn func;          /**< a callback entry's function; NULL: the waker wakes @p t */
    void *arg;             /**< for @p func */
};

/** @brief Static initialiser for the wait queue @p wq, named @p n. */
#define WAITQUEUE_INIT(wq, n) {SPINLOCK_INIT(n), LIST_INIT((wq).waiters)}

/** @brief Initialise an empty wait queue; @p name is for lock debugging. */
void wq_init(struct waitqueue *wq, const char *name);

/** @brief Enqueue the current thread; the caller holds wq->lock. */
void wq_add_locked(struct waitqueue *wq, struct waiter *w);
/** @brief Enqueue a callback entry that runs @p func(@p w, key) at each wake
 *         and stays queued; the caller holds wq->lock. */
void wq_add_callback_locked(struct waitqueue *wq, struct waiter *w, wake_fn func, void *arg);
/** @brief Take @p w off the queue if a waker has not (a callback entry: always);
 *         the caller holds wq->lock. */
void wq_remove_locked(struct waitqueue *wq, struct waiter *w);
/** @brief Block until @p w is woken (returns at once if it already was). */
void wq_block(struct waiter *w);

/** @brief Wake the first waiting thread (caller holds wq->lock), running
 *         the callback entries before it; returns that thread or NULL. */
struct thread *wq_wake_one_locked(struct waitqueue *wq);
/** @brief Wake every waiter (caller holds wq->lock); returns how many. */
unsigned wq_wake_all_locked(struct waitqueue *wq);
/** @brief wq_wake_all_locked() for the events @p key (POLL*): a callback
 *         entry may ignore a wake about events it does not watch. */
unsigned wq_wake_all_key_locked(struct waitqueue *wq, unsigned key);
/** @brief Wake the first waiter, taking wq->lock; returns 1 or 0. Interrupt handlers may call it. */
unsigned wq_wake_one(struct waitqueue *wq);
/** @brief Wake every waiter, taking wq->lock; returns how many. Interrupt handlers may call it. */
unsigned wq_wake_all(struct waitqueue *wq);

/* ---- wait set: one thread waiting on several queues at once ---- */

#define WAIT_SET_INLINE 4 /**< entries a wait_set holds in itself; more are allocated */
#define WAIT_CHUNK 32      /**< entries per allocated chunk */

/** @brief One queue of a wait_set and its entry there. */
struct wait_entry {
    struct waiter w;      /**< the entry on @p q */
    struct waitqueue *q;  /**< the queue */
};

/** @brief Entries of a wait_set past its inline ones. */
struct wait_chunk {
    struct wait_chunk *next;           /**< the chunk filled before this one */
    unsigned n;                        /**< entries in use */
    struct wait_entry e[WAIT_CHUNK];   /**< the entries */
};

/**
 * @brief A thread waiting on several queues at once (a pipe and its
 *        signals, every file of a poll(), a deadline): the first wake on any
 *        of them ends the wait. Or, made by wait_set_init_callback(), a set
 *        of callback entries (epoll's watch of a file's queues).
 *
 * The same lost-wakeup rule as one queue: wait_set_add() every queue, then
 * check every condition, then wait_set_block(); a wake landing in between
 * makes the block return at once. Its entries are callback entries: each
 * stays on its queue (a second wake only sets the flag again) until
 * wait_set_clear() takes them all off, which must come before the set is
 * filled again or goes out of scope (it frees what was allocated). Any
 * number of queues: past WAIT_SET_INLINE the entries are allocated in
 * chunks (if that fails, the set never blocks: its owner spins rather
 * than sleeps forever).
 */
struct wait_set {
    volatile int flag;                   /**< set by a wake */
    unsigned n;                          /**< queues in use */
    int overflow;                        /**< an entry could not be allocated */
    wake_fn func;                        /**< the entries' function: NULL wakes the thread */
    void *arg;                           /**< the entries' argument, with @p func */
    struct wait_chunk *more;             /**< entries past the inline ones, newest first */
    struct wait_entry e[WAIT_SET_INLINE]; /**< the first entries */
};

/** @brief An empty set. */
void wait_set_init(struct wait_set *ws);
/** @brief An empty set whose entries run @p func with @p arg as their
 *         argument (struct waiter's arg) instead of waking a thread. */
void wait_set_init_callback(struct wait_set *ws, wake_fn func, void *arg);
/** @brief Wait on @p wq too (takes its lock; may allocate). */
void wait_set_add(struct wait_set *ws, struct waitqueue *wq);
/**
 * @brief @p wq is going away while sets made by wait_set_init_callback()
 *        with @p func may still be on it: a last wake of theirs with @p key,
 *        then their entries come off and the sets forget the queue
 *        (wait_set_clear() passes over it). The caller keeps those sets
 *        from being cleared meanwhile.
 */
void wq_detach_callbacks(struct waitqueue *wq, wake_fn func, unsigned key);
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
