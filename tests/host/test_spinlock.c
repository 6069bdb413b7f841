/**
 * @file test_spinlock.c
 * @brief The kernel's ticket spinlock under real contention (host threads
 *        standing in for CPUs, spin_smp = 1), and the lock-order checker.
 *
 * The header's ticket draw and hand-over are the kernel's; the wait for a
 * ticket is this file's spin_lock_slow(), which yields to the host
 * scheduler: host threads, unlike CPUs with interrupts masked, can be
 * descheduled while holding the lock, and a strict FIFO lock then waits for
 * exactly that thread (minutes on a busy machine, found the hard way).
 *
 * Fairness is checked by construction of the arrival order: while the main
 * thread holds the lock, waiters are let in one at a time, each only after
 * the previous one has drawn its ticket; on release they must be served in
 * exactly that order (a test-and-set lock serves whoever wins the race).
 */
#define _DEFAULT_SOURCE
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/lockdep.h>
#include <kernel/spinlock.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "log_capture.h"

int host_irq_on = 1;
int spin_smp;

void spin_lock_slow(struct spinlock *l, uint16_t ticket, uintptr_t caller)
{
    (void)caller;
    for (unsigned long i = 0; __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket; i++) {
        if (i == 100000000ul) {
            fprintf(stderr, "spinlock '%s': ticket %u never served (serving %u)\n", l->name,
                    ticket, l->owner);
            abort();
        }
        sched_yield();
    }
}

/* What lockdep.c calls. */
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

/* lockdep.c carries its ktest; it is not run here (the host test covers more). */
void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *what)
{
    (void)ctx;
    fprintf(stderr, "ktest assertion at %s:%d: %s\n", file, line, what);
    abort();
}

const char *ksym_name(uintptr_t addr, char *buf, size_t size)
{
    snprintf(buf, size, "site%lu", (unsigned long)addr);
    return buf;
}

/* ---- exact counts under contention ---- */

#define THREADS 4
#define ROUNDS 100000

static struct spinlock counter_lock = SPINLOCK_INIT("counter");
static volatile unsigned long counter;

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        spin_lock(&counter_lock);
        unsigned long v = counter; /* a lost update shows as a short count */
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        counter = v + 1;
        spin_unlock(&counter_lock);
    }
    return NULL;
}

static void test_counter_exact(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, hammer, NULL) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ_INT((long)counter, (long)THREADS * ROUNDS);
    CHECK(!spin_is_locked(&counter_lock));
    /* 400,000 tickets: the 16-bit counters wrapped several times over. */
    CHECK_EQ_INT(counter_lock.owner, counter_lock.next);
}

/* ---- first come, first served ---- */

#define WAITERS 6

static struct spinlock fifo_lock = SPINLOCK_INIT("fifo");
static int served[WAITERS], nserved;

static void *waiter(void *arg)
{
    int me = (int)(intptr_t)arg;
    spin_lock(&fifo_lock);
    served[nserved++] = me;
    spin_unlock(&fifo_lock);
    return NULL;
}

static void test_fifo(void)
{
    pthread_t t[WAITERS];
    spin_lock(&fifo_lock);
    for (int i = 0; i < WAITERS; i++) {
        uint16_t before = __atomic_load_n(&fifo_lock.next, __ATOMIC_ACQUIRE);
        CHECK(pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i) == 0);
        /* Let the next one in only once this one holds a ticket. */
        while (__atomic_load_n(&fifo_lock.next, __ATOMIC_ACQUIRE) == before)
            sched_yield();
    }
    spin_unlock(&fifo_lock);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ_INT(nserved, WAITERS);
    for (int i = 0; i < WAITERS; i++)
        CHECK_EQ_INT(served[i], i);
}

/* ---- the lock-order checker, driven directly (one thread) ---- */

static void test_lockdep(void)
{
    static const char na[] = "A", nb[] = "B", nc[] = "C", nd[] = "D";
    struct spinlock a, b, c, d, anon;
    spin_init(&a, na);
    spin_init(&b, nb);
    spin_init(&c, nc);
    spin_init(&d, nd);
    spin_init(&anon, NULL);
    log_reset();
    lockdep_acquired(&a, 1);
    lockdep_acquired(&b, 2); /* A -> B */
    lockdep_acquired(&anon, 9); /* unnamed: ignored */
    lockdep_released(&anon);
    lockdep_released(&b);
    lockdep_released(&a);
    CHECK_EQ_INT(lockdep_reports(), 0);
    lockdep_acquired(&b, 3);
    lockdep_acquired(&a, 4); /* B -> A */
    lockdep_released(&a);
    lockdep_released(&b);
    CHECK_EQ_INT(lockdep_reports(), 1);
    /* Both orders with both sites. */
    CHECK(log_has("lock order: 'A' taken at site4 while holding 'B' (taken at site3),"));
    CHECK(log_has("but 'B' was taken at site2 while holding 'A' (taken at site1)"));
    log_reset();
    lockdep_acquired(&b, 3);
    lockdep_acquired(&a, 4); /* once only */
    lockdep_released(&a);
    lockdep_released(&b);
    CHECK_EQ_INT(lockdep_reports(), 1);
    CHECK(!log_has("lock order"));
    /* A cycle through three classes: B -> C, C -> D, then D -> B. */
    lockdep_acquired(&b, 5);
    lockdep_acquired(&c, 6);
    lockdep_released(&c);
    lockdep_released(&b);
    lockdep_acquired(&c, 7);
    lockdep_acquired(&d, 8);
    lockdep_released(&d);
    lockdep_released(&c);
    CHECK_EQ_INT(lockdep_reports(), 1);
    lockdep_acquired(&d, 10);
    lockdep_acquired(&b, 11);
    lockdep_released(&b);
    lockdep_released(&d);
    CHECK_EQ_INT(lockdep_reports(), 2);
    CHECK(log_has("'B' taken at site11 while holding 'D' (taken at site10)"));
    CHECK(log_has("but 'C' was taken at site6 while holding 'B' (taken at site5)"));
    CHECK(log_has("and 'D' was taken at site8 while holding 'C' (taken at site7)"));
    /* Forgotten classes start over: the reverse order is new again. */
    lockdep_forget(na);
    lockdep_forget(nb);
    log_reset();
    lockdep_acquired(&b, 3);
    lockdep_acquired(&a, 4);
    lockdep_released(&a);
    lockdep_released(&b);
    CHECK_EQ_INT(lockdep_reports(), 2);
    CHECK(!lockdep_full());
    /* Holding more than LOCKDEP_DEPTH locks stops checking, once, loudly. */
    struct spinlock many[LOCKDEP_DEPTH + 1];
    for (int i = 0; i <= LOCKDEP_DEPTH; i++) {
        spin_init(&many[i], nd);
        lockdep_acquired(&many[i], 20);
    }
    for (int i = LOCKDEP_DEPTH + 1; i-- > 0;)
        lockdep_released(&many[i]);
    CHECK(lockdep_full());
    CHECK(log_has("lockdep: out of room for locks held at once"));
}

int main(void)
{
    test_lockdep(); /* single-threaded, before spin_smp */
    spin_smp = 1;
    test_fifo();
    test_counter_exact();
    return CHECK_DONE("test_spinlock");
}
