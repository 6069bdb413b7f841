/**
 * @file futex.c
 * @brief futex(2): threads wait on a 32-bit word of user memory until
 *        another wakes them (what glibc's mutexes, condition variables and
 *        pthread_join are made of).
 *
 * A waiter is keyed by its address space and the word's address, in one
 * of 64 hash buckets. The lost-wakeup rule is the usual one: the waiter
 * enters its bucket first, then reads the word; a waker changes the word,
 * then wakes the bucket. Either the waiter sees the new value (EAGAIN) or
 * the waker sees the waiter. Each waiter sleeps on a wait set of its own
 * queue, its process's signal queue and, with a timeout, a deadline; a
 * waker takes it off the bucket, marks it woken and wakes its queue under
 * the bucket's lock, so the waiter (which takes itself off under the same
 * lock before it returns) is never woken after it is gone.
 *
 * Operations: FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE
 * and FUTEX_CMP_REQUEUE; FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME are
 * accepted (every futex here is keyed by its address space, and there is
 * one clock). The PI and WAKE_OP forms answer ENOSYS.
 */
#include "futex.h"
#include "uspace.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/user.h>
#include <kernel/wait.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define NBUCKETS 64

struct fwaiter {
    struct list_node node;
    struct uspace *us;
    uintptr_t uaddr;    /* changes only under its old and new buckets' locks (requeue) */
    uint32_t bitset;
    int woken;          /* taken off its bucket by a waker */
    struct waitqueue wq;
};

static struct bucket {
    struct spinlock lock;
    struct list_node waiters;
} buckets[NBUCKETS];
static int ready;

static struct bucket *bucket_of(const struct uspace *us, uintptr_t uaddr)
{
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        static struct spinlock init_lock = SPINLOCK_INIT("futex init");
        irqflags_t f = spin_lock_irqsave(&init_lock);
        if (!ready) {
            for (unsigned i = 0; i < NBUCKETS; i++) {
                spin_init(&buckets[i].lock, "futex bucket");
                list_init(&buckets[i].waiters);
            }
            __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
        }
        spin_unlock_irqrestore(&init_lock, f);
    }
    uint64_t h = ((uintptr_t)us >> 4) ^ (uaddr >> 2);
    h *= 0x9e3779b97f4a7c15ull;
    return &buckets[h >> 58];
}

/* Take @p w off its bucket unless a waker did; 1 if it was woken. */
static int leave(struct fwaiter *w)
{
    for (;;) {
        uintptr_t uaddr = __atomic_load_n(&w->uaddr, __ATOMIC_ACQUIRE);
        struct bucket *b = bucket_of(w->us, uaddr);
        irqflags_t f = spin_lock_irqsave(&b->lock);
        if (w->uaddr != uaddr) { /* requeued meanwhile: its new bucket */
            spin_unlock_irqrestore(&b->lock, f);
            continue;
        }
        int woken = w->woken;
        if (!woken)
            list_del(&w->node);
        spin_unlock_irqrestore(&b->lock, f);
        return woken;
    }
}

static long futex_wait(uintptr_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    struct proc *p = proc_current();
    struct fwaiter w = {.us = p->us, .uaddr = uaddr, .bitset = bitset};
    wq_init(&w.wq, "futex");
    struct bucket *b = bucket_of(w.us, uaddr);
    irqflags_t f = spin_lock_irqsave(&b->lock);
    list_add_tail(&b->waiters, &w.node);
    spin_unlock_irqrestore(&b->lock, f);
    uint32_t cur;
    if (copy_from_user(&cur, (const void *)uaddr, sizeof cur)) {
        return leave(&w) ? 0 : -EFAULT;
    }
    if (cur != val)
        return leave(&w) ? 0 : -EAGAIN;
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &w.wq);
        wait_set_add(&ws, &p->sig.wq);
        long r = 1;
        if (__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE))
            r = 0;
        else if (signal_pending())
            r = -ERESTARTSYS;
        else if (deadline && hal_time_ns() >= deadline)
            r = -ETIMEDOUT;
        else if (deadline)
            wait_set_block_until(&ws, deadline);
        else
            wait_set_block(&ws);
        wait_set_clear(&ws);
        if (r != 1) {
            /* Off the bucket before the waiter's memory goes; a wake that
             * raced a signal or the deadline still counts as a wake. */
            return leave(&w) ? 0 : r;
        }
    }
}

/* Mark @p w woken and wake it; its bucket's lock held, so w lives until
 * leave() takes that lock (interrupts are masked: no preemption here). */
static void wake_waiter(struct fwaiter *w)
{
    __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
    spin_lock(&w->wq.lock);
    wq_wake_all_locked(&w->wq);
    spin_unlock(&w->wq.lock);
}

/* Wake up to @p n waiters of (@p us, @p uaddr) whose bitset meets @p bitset. */
static int wake(struct uspace *us, uintptr_t uaddr, int n, uint32_t bitset)
{
    struct bucket *b = bucket_of(us, uaddr);
    int woke = 0;
    irqflags_t f = spin_lock_irqsave(&b->lock);
    for (struct list_node *it = b->waiters.next; it != &b->waiters && woke < n;) {
        struct fwaiter *w = container_of(it, struct fwaiter, node);
        it = it->next;
        if (w->us != us || w->uaddr != uaddr || !(w->bitset & bitset))
            continue;
        list_del(&w->node);
        wake_waiter(w);
        woke++;
    }
    spin_unlock_irqrestore(&b->lock, f);
    return woke;
}

int futex_wake(struct uspace *us, uintptr_t uaddr, int n) { return wake(us, uaddr, n, FUTEX_BITSET_MATCH_ANY); }

/* Wake @p nwake waiters of @p uaddr, move up to @p nmove of the rest to @p uaddr2. */
static long requeue(struct uspace *us, uintptr_t uaddr, uintptr_t uaddr2, int nwake, int nmove, int cmp,
                    uint32_t val3)
{
    struct bucket *b1 = bucket_of(us, uaddr), *b2 = bucket_of(us, uaddr2);
    struct bucket *lo = b1 < b2 ? b1 : b2, *hi = b1 < b2 ? b2 : b1;
    if (cmp) {
        uint32_t cur;
        if (copy_from_user(&cur, (const void *)uaddr, sizeof cur))
            return -EFAULT;
        if (cur != val3)
            return -EAGAIN; /* (a racing change after this is the caller's race, as in Linux) */
    }
    irqflags_t f = spin_lock_irqsave(&lo->lock);
    if (hi != lo)
        spin_lock(&hi->lock);
    int woke = 0, moved = 0;
    for (struct list_node *it = b1->waiters.next; it != &b1->waiters;) {
        struct fwaiter *w = container_of(it, struct fwaiter, node);
        it = it->next;
        if (w->us != us || w->uaddr != uaddr)
            continue;
        if (woke < nwake) {
            list_del(&w->node);
            wake_waiter(w);
            woke++;
        } else if (moved < nmove) {
            list_del(&w->node);
            __atomic_store_n(&w->uaddr, uaddr2, __ATOMIC_RELEASE);
            list_add_tail(&b2->waiters, &w->node);
            moved++;
        } else {
            break;
        }
    }
    if (hi != lo)
        spin_unlock(&hi->lock);
    spin_unlock_irqrestore(&lo->lock, f);
    return woke + moved;
}

struct timespec_f {
    int64_t sec, nsec;
};

long sys_futex(const uint64_t a[6])
{
    uintptr_t uaddr = a[0];
    unsigned op = (unsigned)a[1];
    unsigned cmd = op & ~(unsigned)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    uint32_t val = (uint32_t)a[2];
    struct proc *p = proc_current();
    if (uaddr & 3)
        return -EINVAL;
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        uint64_t deadline = 0;
        if (a[3]) {
            struct timespec_f ts;
            if (copy_from_user(&ts, (const void *)(uintptr_t)a[3], sizeof ts))
                return -EFAULT;
            if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
                return -EINVAL;
            uint64_t ns = (uint64_t)ts.sec > 100000000u ? 100000000u * 1000000000ull
                                                         : (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
            /* FUTEX_WAIT: relative; the bitset form: absolute, on the one clock. */
            deadline = cmd == FUTEX_WAIT ? hal_time_ns() + ns : ns;
            if (!deadline)
                deadline = 1; /* an absolute 0: already past */
        }
        return futex_wait(uaddr, val, deadline, bitset);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        return wake(p->us, uaddr, (int)val > 0 ? (int)val : 0, bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        if ((a[4] & 3) || (int)val < 0 || (int)a[3] < 0)
            return -EINVAL;
        return requeue(p->us, uaddr, a[4], (int)val, (int)(uint32_t)a[3], cmd == FUTEX_CMP_REQUEUE,
                       (uint32_t)a[5]);
    default:
        return -ENOSYS;
    }
}
