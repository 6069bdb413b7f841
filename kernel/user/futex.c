/**
 * @file futex.c
 * @brief futex(2): threads wait on a 32-bit word of user memory until
 *        another wakes them (what glibc's mutexes, condition variables and
 *        pthread_join are made of).
 *
 * A waiter is keyed by its address space and the word's address, in one
 * of 64 hash buckets; a process-shared futex (no FUTEX_PRIVATE_FLAG) whose
 * word is in a shared mapping by the mapped file and the word's offset in
 * it instead, so processes that map the page at any address meet there
 * (shared anonymous memory is a nameless file too, kept across fork). The lost-wakeup rule is the usual one: the waiter
 * enters its bucket first, then reads the word; a waker changes the word,
 * then wakes the bucket. Either the waiter sees the new value (EAGAIN) or
 * the waker sees the waiter. Each waiter sleeps on a wait set of its own
 * queue, its process's signal queue and, with a timeout, a deadline; a
 * waker takes it off the bucket, marks it woken and wakes its queue under
 * the bucket's lock, so the waiter (which takes itself off under the same
 * lock before it returns) is never woken after it is gone.
 *
 * Operations: FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE,
 * FUTEX_CMP_REQUEUE and FUTEX_WAKE_OP; FUTEX_CLOCK_REALTIME is accepted
 * (there is one clock). The PI forms answer ENOSYS.
 *
 * The kernel's own read-modify-writes of a futex word (WAKE_OP's operation,
 * a robust futex's OWNER_DIED) are atomics on the word's frame through the
 * direct map, under the address space's lock (uspace_word()): the program's
 * threads see them as atomic as their own, and no arch needs user-memory
 * atomics of its own for them.
 *
 * Robust futexes (set_robust_list(2)): when a thread ends, each lock on its
 * list that it still holds (the word's low 30 bits are its tid) gets
 * FUTEX_OWNER_DIED with FUTEX_WAITERS kept, and one waiter is woken, so a
 * pthread mutex of an owner that died is handed on, EOWNERDEAD, instead of
 * blocking forever.
 */
#include "futex.h"
#include "uspace.h"
#include <hal/timer.h>
#include <kernel/clock.h>
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
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048 /* entries walked at most: a list that loops ends */

#define NBUCKETS 64

/* What names a futex: (address space, address) for a private one, (inode,
 * offset) for a process-shared one in a shared mapping (futex_key()). */
struct fkey {
    const void *obj;
    uint64_t off;
};

struct bucket;

struct fwaiter {
    struct list_node node;
    struct fkey key;    /* changes only under its old and new buckets' locks (requeue) */
    struct bucket *b;   /* the bucket it is on: the same */
    uint32_t bitset;
    int woken;          /* taken off its bucket by a waker */
    struct waitqueue wq;
};

static struct bucket {
    struct spinlock lock;
    struct list_node waiters;
} buckets[NBUCKETS];
static int ready;

static int same(const struct fkey *a, const struct fkey *b) { return a->obj == b->obj && a->off == b->off; }

/* The key of the word at @p uaddr of @p us; @p private: FUTEX_PRIVATE_FLAG. */
static struct fkey futex_key(struct uspace *us, uintptr_t uaddr, int private)
{
    struct fkey k = {us, uaddr};
    if (!private)
        uspace_shared_key(us, uaddr, &k.obj, &k.off);
    return k;
}

static struct bucket *bucket_of(const struct fkey *k)
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
    uint64_t h = ((uintptr_t)k->obj >> 4) ^ (k->off >> 2);
    h *= 0x9e3779b97f4a7c15ull;
    return &buckets[h >> 58];
}

/* Take @p w off its bucket unless a waker did; 1 if it was woken. */
static int leave(struct fwaiter *w)
{
    for (;;) {
        struct bucket *b = __atomic_load_n(&w->b, __ATOMIC_ACQUIRE);
        irqflags_t f = spin_lock_irqsave(&b->lock);
        if (w->b != b) { /* requeued meanwhile: its new bucket */
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

static long futex_wait(uintptr_t uaddr, int private, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    struct proc *p = proc_current();
    struct fwaiter w = {.key = futex_key(p->us, uaddr, private), .bitset = bitset};
    wq_init(&w.wq, "futex");
    struct bucket *b = w.b = bucket_of(&w.key);
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

/* Wake up to @p n waiters of key @p k whose bitset meets @p bitset. */
static int wake(struct fkey k, int n, uint32_t bitset)
{
    struct bucket *b = bucket_of(&k);
    int woke = 0;
    irqflags_t f = spin_lock_irqsave(&b->lock);
    for (struct list_node *it = b->waiters.next; it != &b->waiters && woke < n;) {
        struct fwaiter *w = container_of(it, struct fwaiter, node);
        it = it->next;
        if (!same(&w->key, &k) || !(w->bitset & bitset))
            continue;
        list_del(&w->node);
        wake_waiter(w);
        woke++;
    }
    spin_unlock_irqrestore(&b->lock, f);
    return woke;
}

/* (A thread's end: glibc waits on the tid word without the private flag.) */
int futex_wake(struct uspace *us, uintptr_t uaddr, int n)
{
    return wake(futex_key(us, uaddr, 0), n, FUTEX_BITSET_MATCH_ANY);
}

/* Wake @p nwake waiters of @p uaddr, move up to @p nmove of the rest to @p uaddr2. */
static long requeue(struct uspace *us, int private, uintptr_t uaddr, uintptr_t uaddr2, int nwake, int nmove,
                    int cmp, uint32_t val3)
{
    struct fkey k1 = futex_key(us, uaddr, private), k2 = futex_key(us, uaddr2, private);
    struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
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
        if (!same(&w->key, &k1))
            continue;
        if (woke < nwake) {
            list_del(&w->node);
            wake_waiter(w);
            woke++;
        } else if (moved < nmove) {
            list_del(&w->node);
            w->key = k2;
            __atomic_store_n(&w->b, b2, __ATOMIC_RELEASE);
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

/* FUTEX_WAKE_OP's operation, encoded in val3 as
 * [31: shift][30-28: op][27-24: cmp][23-12: oparg][11-0: cmparg]. */
enum { WOP_SET, WOP_ADD, WOP_OR, WOP_ANDN, WOP_XOR };
enum { WCMP_EQ, WCMP_NE, WCMP_LT, WCMP_LE, WCMP_GT, WCMP_GE };

static int32_t sext12(uint32_t v) { return (int32_t)(v << 20) >> 20; }

static uint32_t wake_op_value(unsigned op, uint32_t old, uint32_t arg)
{
    switch (op) {
    case WOP_SET: return arg;
    case WOP_ADD: return old + arg;
    case WOP_OR: return old | arg;
    case WOP_ANDN: return old & ~arg;
    default: return old ^ arg; /* WOP_XOR */
    }
}

static int wake_op_cmp(unsigned cmp, int32_t old, int32_t arg)
{
    switch (cmp) {
    case WCMP_EQ: return old == arg;
    case WCMP_NE: return old != arg;
    case WCMP_LT: return old < arg;
    case WCMP_LE: return old <= arg;
    case WCMP_GT: return old > arg;
    default: return old >= arg; /* WCMP_GE */
    }
}

/* FUTEX_WAKE_OP: change the word at @p uaddr2 by the operation @p enc,
 * wake @p n waiters of @p uaddr, and @p n2 of @p uaddr2 if the word's old
 * value passes the comparison (glibc's condition variables of old, other
 * libcs' today). A waker changes the word before it wakes, so a waiter
 * that read the old value is in its bucket already. */
static long wake_op(struct uspace *us, int private, uintptr_t uaddr, uintptr_t uaddr2, int n, int n2,
                    uint32_t enc)
{
    unsigned op = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
    uint32_t arg = (uint32_t)sext12(enc >> 12);
    if (op > WOP_XOR || cmp > WCMP_GE)
        return -ENOSYS;
    if (uaddr2 & 3)
        return -EINVAL;
    if (enc >> 31)
        arg = 1u << (arg & 31); /* an out-of-range shift is taken mod 32, as Linux does */
    uint32_t *w, old = 0;
    uint64_t frame;
    uspace_lock(us);
    int e = uspace_word(us, uaddr2, &w, &frame);
    if (!e) {
        old = __atomic_load_n(w, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(w, &old, wake_op_value(op, old, arg), 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED))
            ;
        uspace_word_done(frame);
    }
    uspace_unlock(us);
    if (e)
        return e;
    int woke = wake(futex_key(us, uaddr, private), n, FUTEX_BITSET_MATCH_ANY);
    if (wake_op_cmp(cmp, (int32_t)old, sext12(enc)))
        woke += wake(futex_key(us, uaddr2, private), n2, FUTEX_BITSET_MATCH_ANY);
    return woke;
}

/* A robust futex at @p uaddr whose owner @p tid ended: OWNER_DIED, and one
 * waiter woken. @p pending: it was list_op_pending (the thread was taking
 * or releasing it), so a free word with waiters parked wakes one too. */
static void owner_died(struct uspace *us, uintptr_t uaddr, int tid, int pending, int pi)
{
    uint32_t *w;
    uint64_t frame;
    int wake_one = 0;
    uspace_lock(us);
    if (uspace_word(us, uaddr, &w, &frame) == 0) {
        uint32_t cur = __atomic_load_n(w, __ATOMIC_RELAXED);
        for (;;) {
            if ((cur & FUTEX_TID_MASK) != (uint32_t)tid) {
                wake_one = pending && !pi && !cur;
                break;
            }
            if (__atomic_compare_exchange_n(w, &cur, (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED, 0,
                                            __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
                wake_one = !pi && (cur & FUTEX_WAITERS);
                break;
            }
        }
        uspace_word_done(frame);
    }
    uspace_unlock(us);
    if (wake_one) /* (a process-shared mutex's waiters may be in other processes) */
        wake(futex_key(us, uaddr, 0), 1, FUTEX_BITSET_MATCH_ANY);
}

/* struct robust_list_head of the Linux ABI (64-bit). */
struct robust_head {
    uint64_t next;            /* the first entry; the list ends back at the head */
    int64_t futex_offset;     /* from an entry to its futex word */
    uint64_t list_op_pending; /* an entry being taken or released, or 0 */
};

void futex_exit_robust(struct uspace *us, struct uthread *u)
{
    uintptr_t head = u->robust_list;
    u->robust_list = 0;
    struct robust_head h;
    if (!head || !us || copy_from_user(&h, (const void *)head, sizeof h))
        return; /* a bad pointer is the program's loss, as in Linux */
    uintptr_t pending = h.list_op_pending & ~(uint64_t)1;
    uint64_t raw = h.next;
    for (int n = 0; (raw & ~(uint64_t)1) != head && n < ROBUST_LIST_LIMIT; n++) {
        uintptr_t entry = raw & ~(uint64_t)1;
        int pi = (int)(raw & 1); /* a PI lock's entry: marked, no waiter to wake here */
        /* The next entry first: the wake may let another thread free this one. */
        if (copy_from_user(&raw, (const void *)entry, sizeof raw))
            return;
        if (entry != pending)
            owner_died(us, entry + (uintptr_t)h.futex_offset, u->tid, 0, pi);
    }
    if (pending)
        owner_died(us, pending + (uintptr_t)h.futex_offset, u->tid, 1, (int)(h.list_op_pending & 1));
}

struct timespec_f {
    int64_t sec, nsec;
};

/* Whether @p uaddr can name a futex, as Linux's key lookup answers: an
 * address outside user space never (EFAULT); a shared one must be mapped,
 * since its key is the page it maps (EFAULT, also for a wake); a private
 * one is keyed by the address alone, so a wake there is just no one woken. */
static long futex_key_check(struct uspace *us, uintptr_t uaddr, int private)
{
    if (uaddr > hal_user_top() - sizeof(uint32_t))
        return -EFAULT;
    return private || uspace_prefault(us, uaddr, sizeof(uint32_t), 0) == 0 ? 0 : -EFAULT;
}

/* futex_key_check() for an address that must be a word's: unaligned is EINVAL. */
static long futex_addr(struct uspace *us, uintptr_t uaddr, int private)
{
    return uaddr & 3 ? -EINVAL : futex_key_check(us, uaddr, private);
}

/* Linux's order of answers: the operation (ENOSYS), then its arguments
 * (the timeout, the bitset, the counts), then the addresses. */
long sys_futex(const uint64_t a[6])
{
    uintptr_t uaddr = a[0];
    unsigned op = (unsigned)a[1];
    unsigned cmd = op & ~(unsigned)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    uint32_t val = (uint32_t)a[2];
    int private = op & FUTEX_PRIVATE_FLAG;
    struct proc *p = proc_current();
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS; /* FUTEX_WAIT's timeout is relative: no clock to name */
    long e;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint64_t deadline = 0;
        if (a[3]) {
            struct timespec_f ts;
            if (copy_from_user(&ts, (const void *)(uintptr_t)a[3], sizeof ts))
                return -EFAULT;
            if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
                return -EINVAL;
            /* FUTEX_WAIT: relative (at most about 3 years); the bitset form:
             * absolute, on the monotonic clock or, with FUTEX_CLOCK_REALTIME,
             * on the wall clock (glibc's timed locks and condition waits). */
            uint64_t max_s = cmd == FUTEX_WAIT ? 100000000u : UINT64_MAX / 1000000000u - 1;
            uint64_t ns = (uint64_t)ts.sec > max_s ? max_s * 1000000000ull
                                                   : (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
            uint64_t now = hal_time_ns();
            if (cmd == FUTEX_WAIT) {
                deadline = now + ns;
            } else if (op & FUTEX_CLOCK_REALTIME) {
                uint64_t wall = clock_wall_ns();
                uint64_t left = ns > wall ? ns - wall : 0;
                deadline = now + (left > 100000000ull * 1000000000u ? 100000000ull * 1000000000u : left);
            } else {
                deadline = ns;
            }
            if (!deadline)
                deadline = 1; /* an absolute 0: already past */
        }
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        if ((e = futex_addr(p->us, uaddr, private)) != 0)
            return e;
        return futex_wait(uaddr, private, val, deadline, bitset);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        if ((e = futex_addr(p->us, uaddr, private)) != 0)
            return e;
        return wake(futex_key(p->us, uaddr, private), (int)val > 0 ? (int)val : 0, bitset);
    }
    case FUTEX_WAKE_OP:
        if ((e = futex_addr(p->us, uaddr, private)) != 0 || (e = futex_addr(p->us, a[4], private)) != 0)
            return e;
        return wake_op(p->us, private, uaddr, a[4], (int)val > 0 ? (int)val : 0,
                       (int)(uint32_t)a[3] > 0 ? (int)(uint32_t)a[3] : 0, (uint32_t)a[5]);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        if ((int)val < 0 || (int)a[3] < 0)
            return -EINVAL;
        if ((e = futex_addr(p->us, uaddr, private)) != 0 || (e = futex_addr(p->us, a[4], private)) != 0)
            return e;
        return requeue(p->us, private, uaddr, a[4], (int)val, (int)(uint32_t)a[3], cmd == FUTEX_CMP_REQUEUE,
                       (uint32_t)a[5]);
    default:
        return -ENOSYS;
    }
}
