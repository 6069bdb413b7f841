/**
 * @file test_spinlock.c
 * @brief The kernel's spinlock under real contention (host threads standing
 *        in for CPUs, spin_smp = 1), and the lock-order checker.
 *
 * The lock and its contended path are the kernel's own (spinlock.c, with
 * the host's clock): exact counts from four threads, and the hand-over a
 * starved waiter claims, checked by construction: the main thread holds the
 * lock until a waiter has raised the flag, then lets go and tries at once to
 * take it again, which a plain test-and-set lock lets it do (its swap comes
 * first), and this one must not.
 */
#define _DEFAULT_SOURCE
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/lockdep.h>
#include <kernel/spinlock.h>
#include <hal/timer.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "log_capture.h"

int host_irq_on = 1;

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
    CHECK_EQ_INT(counter_lock.handoff, 0); /* a raised flag is always lowered again */
}

/* ---- a starved waiter gets the next release ---- */

static struct spinlock hand_lock = SPINLOCK_INIT("handoff");
static int order[2], norder;

static void *starved(void *arg)
{
    (void)arg;
    spin_lock(&hand_lock);
    order[norder++] = 1;
    spin_unlock(&hand_lock);
    return NULL;
}

static void test_handoff(void)
{
    pthread_t t;
    norder = 0;
    spin_lock(&hand_lock);
    CHECK(pthread_create(&t, NULL, starved, NULL) == 0);
    /* It raises the flag once it has waited SPIN_HANDOFF_NS; give it 10 s. */
    uint64_t until = hal_time_ns() + 10000000000ull;
    while (!__atomic_load_n(&hand_lock.handoff, __ATOMIC_ACQUIRE) && hal_time_ns() < until)
        sched_yield();
    CHECK_EQ_INT(hand_lock.handoff, 1);
    spin_unlock(&hand_lock);
    /* Straight back: a swap now would come before the waiter's, so only
     * the flag keeps us out until it has had its turn. */
    if (!spin_try_take(&hand_lock))
        spin_lock(&hand_lock);
    order[norder++] = 0;
    spin_unlock(&hand_lock);
    pthread_join(t, NULL);
    CHECK_EQ_INT(norder, 2);
    CHECK_EQ_INT(order[0], 1);
    CHECK_EQ_INT(order[1], 0);
    CHECK_EQ_INT(hand_lock.handoff, 0);
    CHECK(!spin_is_locked(&hand_lock));
}

/* ---- no waiter starves behind a thread that takes the lock in a loop ---- */

static struct spinlock hog_lock = SPINLOCK_INIT("hog");
static volatile int hog_stop;
static volatile unsigned long hog_rounds;

static void *hog(void *arg)
{
    (void)arg;
    while (!hog_stop) {
        spin_lock(&hog_lock);
        hog_rounds++;
        spin_unlock(&hog_lock);
    }
    return NULL;
}

static void test_no_starvation(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&t[i], NULL, hog, NULL) == 0);
    while (hog_rounds < 1000)
        sched_yield();
    for (int i = 0; i < 2000; i++) { /* each one returns: no hang while the hogs run */
        spin_lock(&hog_lock);
        spin_unlock(&hog_lock);
    }
    hog_stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(!spin_is_locked(&hog_lock));
    CHECK_EQ_INT(hog_lock.handoff, 0);
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
    host_irq_on = 0; /* locks are taken with interrupts masked */
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
    /* Taken with interrupts on: reported once for the class, with its site. */
    host_irq_on = 1;
    lockdep_acquired(&c, 12);
    lockdep_released(&c);
    lockdep_acquired(&c, 13);
    lockdep_released(&c);
    host_irq_on = 0;
    CHECK_EQ_INT(lockdep_reports(), 3);
    CHECK(log_has("lock 'C' taken at site12 with interrupts on"));
    CHECK(!log_has("site13"));
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
    host_irq_on = 1;
}

int main(void)
{
    test_lockdep(); /* single-threaded, before spin_smp */
    spin_smp = 1;
    test_handoff();
    test_counter_exact();
    test_no_starvation();
    return CHECK_DONE("test_spinlock");
}
