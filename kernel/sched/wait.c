/**
 * @file wait.c
 * @brief Wait queues, mutexes, semaphores and condition variables.
 */
#include <hal/timer.h>
#include <kernel/irq.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/wait.h>

void wq_init(struct waitqueue *wq, const char *name)
{
    spin_init(&wq->lock, name);
    list_init(&wq->waiters);
}

void wq_add_locked(struct waitqueue *wq, struct waiter *w)
{
    w->t = thread_current();
    w->woken = 0;
    w->handoff = 0;
    w->func = NULL;
    w->arg = NULL;
    list_add_tail(&wq->waiters, &w->node);
}

void wq_add_callback_locked(struct waitqueue *wq, struct waiter *w, wake_fn func, void *arg)
{
    wq_add_locked(wq, w);
    w->func = func;
    w->arg = arg;
}

void wq_remove_locked(struct waitqueue *wq, struct waiter *w)
{
    (void)wq;
    if (!w->woken)
        list_del(&w->node);
}

void wq_block(struct waiter *w) { sched_block(&w->woken); }

/* A waker sets the waiter's flag with the queue's lock held and lets the
 * lock go after: the woken thread, on another CPU, may be running before
 * that last store. Once it owns what the queue is part of (a unit of a
 * semaphore inside a request, a completion on its stack), it may free it,
 * and the waker's release would write into freed memory, perhaps the
 * next object's lock. Taking the lock once waits out that release. */
static void wq_settle(struct waitqueue *wq)
{
    irqflags_t f = spin_lock_irqsave(&wq->lock);
    spin_unlock_irqrestore(&wq->lock, f);
}

void completion_wait(struct completion *c)
{
    /* No look at c->done without the lock: complete_all() may still hold
     * it, about to release it, when the flag shows (wq_settle()). */
    struct waiter w;
    irqflags_t f = spin_lock_irqsave(&c->wq.lock);
    if (c->done) { /* complete_all() sets it under the lock */
        spin_unlock_irqrestore(&c->wq.lock, f);
        return;
    }
    wq_add_locked(&c->wq, &w);
    spin_unlock_irqrestore(&c->wq.lock, f);
    wq_block(&w);
    wq_settle(&c->wq);
}

void complete_all(struct completion *c)
{
    irqflags_t f = spin_lock_irqsave(&c->wq.lock);
    __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
    wq_wake_all_locked(&c->wq);
    spin_unlock_irqrestore(&c->wq.lock, f);
}

/* Take the thread entry @p w off @p wq and wake its thread. Once the flag
 * is set (under the thread's CPU lock) the waiter may return and its stack
 * entry vanish: nothing of @p w is touched after. */
static struct thread *wake_entry(struct waiter *w)
{
    struct thread *t = w->t;
    list_del(&w->node);
    thread_wake_flag(t, &w->woken);
    return t;
}

/* A callback entry stays queued: its owner takes it off under this same
 * lock, so it is valid while it runs, and so is the next one read before. */
struct thread *wq_wake_one_locked(struct waitqueue *wq)
{
    for (struct list_node *n = wq->waiters.next, *next; n != &wq->waiters; n = next) {
        next = n->next;
        struct waiter *w = container_of(n, struct waiter, node);
        if (!w->func)
            return wake_entry(w);
        w->func(w, 0);
    }
    return NULL;
}

unsigned wq_wake_all_key_locked(struct waitqueue *wq, unsigned key)
{
    unsigned count = 0;
    for (struct list_node *n = wq->waiters.next, *next; n != &wq->waiters; n = next, count++) {
        next = n->next;
        struct waiter *w = container_of(n, struct waiter, node);
        if (w->func)
            w->func(w, key);
        else
            wake_entry(w);
    }
    return count;
}

unsigned wq_wake_all_locked(struct waitqueue *wq) { return wq_wake_all_key_locked(wq, 0); }

unsigned wq_wake_one(struct waitqueue *wq)
{
    irqflags_t f = spin_lock_irqsave(&wq->lock);
    unsigned n = wq_wake_one_locked(wq) != NULL;
    spin_unlock_irqrestore(&wq->lock, f);
    sched_preempt_check();
    return n;
}

unsigned wq_wake_all(struct waitqueue *wq)
{
    irqflags_t f = spin_lock_irqsave(&wq->lock);
    unsigned n = wq_wake_all_locked(wq);
    spin_unlock_irqrestore(&wq->lock, f);
    sched_preempt_check();
    return n;
}

/* ---- wait set ---- */

void wait_set_init_callback(struct wait_set *ws, wake_fn func, void *arg)
{
    ws->flag = 0;
    ws->n = 0;
    ws->overflow = 0;
    ws->func = func;
    ws->arg = arg;
    ws->more = NULL;
}

void wait_set_init(struct wait_set *ws) { wait_set_init_callback(ws, NULL, NULL); }

/* A waiting set's entry: a wake sets the flag and readies the thread; one
 * that comes while the thread runs or blocks on something else is only the
 * flag (sched_block() ends on its own flag alone). */
static void wait_set_wake(struct waiter *w, unsigned key)
{
    (void)key;
    struct wait_set *ws = w->arg;
    thread_wake_flag(w->t, &ws->flag);
}

void wait_set_add(struct wait_set *ws, struct waitqueue *wq)
{
    struct wait_entry *e;
    if (ws->n < WAIT_SET_INLINE) {
        e = &ws->e[ws->n];
    } else {
        if (!ws->more || ws->more->n == WAIT_CHUNK) {
            struct wait_chunk *c = kmalloc(sizeof *c);
            if (!c) {
                ws->overflow = 1;
                return;
            }
            c->n = 0;
            c->next = ws->more;
            ws->more = c;
        }
        e = &ws->more->e[ws->more->n++];
    }
    ws->n++;
    e->q = wq;
    irqflags_t f = spin_lock_irqsave(&wq->lock);
    if (ws->func)
        wq_add_callback_locked(wq, &e->w, ws->func, ws->arg);
    else
        wq_add_callback_locked(wq, &e->w, wait_set_wake, ws);
    spin_unlock_irqrestore(&wq->lock, f);
}

void wait_set_block(struct wait_set *ws)
{
    if (!ws->overflow)
        sched_block(&ws->flag);
    else
        thread_yield();
}

void wq_detach_callbacks(struct waitqueue *wq, wake_fn func, unsigned key)
{
    irqflags_t f = spin_lock_irqsave(&wq->lock);
    for (struct list_node *n = wq->waiters.next, *next; n != &wq->waiters; n = next) {
        next = n->next;
        struct waiter *w = container_of(n, struct waiter, node);
        if (w->func == func) {
            func(w, key);
            list_del(n);
            container_of(w, struct wait_entry, w)->q = NULL;
        }
    }
    spin_unlock_irqrestore(&wq->lock, f);
}

static void entry_remove(struct wait_entry *e)
{
    if (!e->q) /* its queue went (wq_detach_callbacks()) */
        return;
    irqflags_t f = spin_lock_irqsave(&e->q->lock);
    wq_remove_locked(e->q, &e->w);
    spin_unlock_irqrestore(&e->q->lock, f);
}

/* Off the last queue added (its entry is the newest). */
static void wait_set_pop(struct wait_set *ws)
{
    if (ws->n > WAIT_SET_INLINE) {
        struct wait_chunk *c = ws->more;
        entry_remove(&c->e[--c->n]);
        if (!c->n) {
            ws->more = c->next;
            kfree(c);
        }
    } else {
        entry_remove(&ws->e[ws->n - 1]);
    }
    ws->n--;
}

void wait_set_clear(struct wait_set *ws)
{
    while (ws->n)
        wait_set_pop(ws);
    ws->overflow = 0;
    ws->flag = 0;
}

static void wait_set_timeout(struct ktimer *t, void *arg)
{
    (void)t;
    wq_wake_all(arg);
}

int wait_set_block_until(struct wait_set *ws, uint64_t deadline)
{
    struct waitqueue tq;
    wq_init(&tq, "wait_set deadline");
    if (hal_time_ns() >= deadline)
        return 1;
    unsigned idx = ws->n;
    wait_set_add(ws, &tq);
    if (ws->n == idx) { /* no room for the deadline's queue */
        thread_yield();
        return hal_time_ns() >= deadline;
    }
    struct ktimer t;
    ktimer_init(&t, wait_set_timeout, &tq);
    ktimer_arm(&t, deadline);
    wait_set_block(ws);
    ktimer_cancel(&t);
    wait_set_pop(ws); /* off the private queue before it goes out of scope */
    return hal_time_ns() >= deadline;
}

/* ---- mutex ---- */

void mutex_init(struct mutex *m, const char *name)
{
    wq_init(&m->wq, name);
    m->owner = NULL;
    m->contended = 0;
}

static void warn_caller(const char *what, const void *m, uintptr_t caller)
{
    char who[KSYM_NAME_MAX];
    struct thread *t = thread_current();
    pr_warn("%s %p by thread %d '%s' from %s", what, m, t ? t->id : -1, t ? t->name : "?",
            ksym_name(caller, who, sizeof who));
}

int mutex_lock(struct mutex *m)
{
    struct thread *self = thread_current();
    if (irq_in_handler()) {
        warn_caller("mutex_lock in an interrupt handler: refused for", m,
                    (uintptr_t)__builtin_return_address(0));
        return -EPERM;
    }
    irqflags_t f = spin_lock_irqsave(&m->wq.lock);
    if (m->owner == NULL) {
        m->owner = self;
        spin_unlock_irqrestore(&m->wq.lock, f);
        return 0;
    }
    if (m->owner == self) {
        spin_unlock_irqrestore(&m->wq.lock, f);
        warn_caller("mutex_lock: recursive lock (deadlock) refused on", m,
                    (uintptr_t)__builtin_return_address(0));
        return -EDEADLK;
    }
    m->contended++;
    struct waiter w;
    uint64_t lost_since = 0;
    wq_add_locked(&m->wq, &w);
    for (;;) {
        spin_unlock_irqrestore(&m->wq.lock, f);
        wq_block(&w);
        f = spin_lock_irqsave(&m->wq.lock);
        /* Woken, still in the queue: either handed the mutex (owner is us)
         * or the mutex was left free, and a thread that was running may
         * have taken it before we ran. Then wait again in our place; once
         * we have lost it for MUTEX_HANDOFF_NS, ask to be handed it. */
        if (m->owner == NULL)
            m->owner = self;
        if (m->owner == self)
            break;
        uint64_t now = hal_time_ns();
        if (!lost_since)
            lost_since = now ? now : 1;
        else if (now - lost_since >= MUTEX_HANDOFF_NS)
            w.handoff = 1;
        w.woken = 0;
    }
    list_del(&w.node);
    spin_unlock_irqrestore(&m->wq.lock, f);
    return 0;
}

int mutex_trylock(struct mutex *m)
{
    irqflags_t f = spin_lock_irqsave(&m->wq.lock);
    int ok = m->owner == NULL;
    if (ok)
        m->owner = thread_current();
    spin_unlock_irqrestore(&m->wq.lock, f);
    return ok;
}

int mutex_unlock(struct mutex *m)
{
    irqflags_t f = spin_lock_irqsave(&m->wq.lock);
    if (m->owner != thread_current()) {
        struct thread *o = m->owner;
        spin_unlock_irqrestore(&m->wq.lock, f);
        warn_caller(o ? "mutex_unlock: not the owner of" : "mutex_unlock: not locked:", m,
                    (uintptr_t)__builtin_return_address(0));
        return -EPERM;
    }
    /* Waiters stay queued until they own the mutex; only the first is
     * woken, and only if it is not already on its way. */
    struct list_node *n = list_first(&m->wq.waiters);
    struct waiter *w = n ? container_of(n, struct waiter, node) : NULL;
    m->owner = w && w->handoff ? w->t : NULL; /* else free: whoever runs first takes it */
    if (w && !w->woken)
        thread_wake_flag(w->t, &w->woken);
    spin_unlock_irqrestore(&m->wq.lock, f);
    sched_preempt_check();
    return 0;
}

/* ---- semaphore ---- */

void sem_init(struct semaphore *s, long count, const char *name)
{
    wq_init(&s->wq, name);
    s->count = count;
}

int sem_down(struct semaphore *s)
{
    if (irq_in_handler()) {
        warn_caller("sem_down in an interrupt handler: refused for", s,
                    (uintptr_t)__builtin_return_address(0));
        return -EPERM;
    }
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (s->count > 0) {
        s->count--;
        spin_unlock_irqrestore(&s->wq.lock, f);
        return 0;
    }
    struct waiter w;
    wq_add_locked(&s->wq, &w);
    spin_unlock_irqrestore(&s->wq.lock, f);
    wq_block(&w); /* sem_up gave its unit straight to us */
    wq_settle(&s->wq);
    return 0;
}

int sem_trydown(struct semaphore *s)
{
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    int ok = s->count > 0;
    if (ok)
        s->count--;
    spin_unlock_irqrestore(&s->wq.lock, f);
    return ok;
}

void sem_up(struct semaphore *s)
{
    irqflags_t f = spin_lock_irqsave(&s->wq.lock);
    if (!wq_wake_one_locked(&s->wq))
        s->count++;
    spin_unlock_irqrestore(&s->wq.lock, f);
    sched_preempt_check();
}

/* ---- condition variable ---- */

void cond_init(struct condvar *c, const char *name) { wq_init(&c->wq, name); }

int cond_wait(struct condvar *c, struct mutex *m)
{
    if (m->owner != thread_current()) {
        warn_caller("cond_wait: caller does not own mutex", m,
                    (uintptr_t)__builtin_return_address(0));
        return -EPERM;
    }
    struct waiter w;
    irqflags_t f = spin_lock_irqsave(&c->wq.lock);
    wq_add_locked(&c->wq, &w); /* queued before the mutex goes: a signal cannot slip by */
    spin_unlock_irqrestore(&c->wq.lock, f);
    mutex_unlock(m);
    wq_block(&w);
    wq_settle(&c->wq); /* a signal sent without the mutex held may still be letting go */
    return mutex_lock(m);
}

void cond_signal(struct condvar *c) { wq_wake_one(&c->wq); }
void cond_broadcast(struct condvar *c) { wq_wake_all(&c->wq); }

/* Boot's end, an event every layer may wait for (kernel/kernel.h): the
 * scheduler's, since waiting is; kmain signals it (boot_done()). */
static struct completion booted = COMPLETION_INIT(booted, "boot");

void boot_wait(void)
{
    if (thread_current())
        completion_wait(&booted);
}

int boot_finished(void) { return completion_done(&booted); }

void boot_done(void) { complete_all(&booted); }
