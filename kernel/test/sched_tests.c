/**
 * @file sched_tests.c
 * @brief ktests for threads, preemption, sleeping, kernel timers and the
 *        locks, run on the "ktest" thread (priority PRIO_DEFAULT) with
 *        interrupts and the timer live.
 *
 * Tests of one CPU's order (preemption, priorities) pin themselves and the
 * threads they create to the CPU they run on (kt_pin_cpu()); the lock and
 * thousand-thread tests run on every CPU, and check that they did.
 */
#include <kernel/irq.h>
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/ktimer.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/vmalloc.h>
#include <kernel/wait.h>

#define MS 1000000ull

/* ---- preemption ---- */

static volatile int flag;

/* Spins without yielding until the flag is set, giving up after 3 s. */
static int busy_until_flag(void *arg)
{
    (void)arg;
    uint64_t end = hal_time_ns() + 3000 * MS;
    while (!flag && hal_time_ns() < end)
        ;
    return flag;
}

static int set_flag(void *arg)
{
    (void)arg;
    flag = 1;
    return 0;
}

/* Without preemption the busy thread would hold the CPU for 3 s and the
 * setter (same priority, queued behind it) could never run. */
KTEST(sched_busy_thread_is_preempted)
{
    kt_pin_cpu();
    flag = 0;
    int busy = thread_create("busy", busy_until_flag, NULL, PRIO_DEFAULT, 0);
    KT_ASSERT(busy > 0);
    thread_yield(); /* the busy thread is running now */
    int setter = thread_create("setter", set_flag, NULL, PRIO_DEFAULT, 0);
    KT_ASSERT(setter > 0);
    int saw = -1, r = -1;
    KT_ASSERT(thread_join(busy, &saw) == 0);
    KT_ASSERT(thread_join(setter, &r) == 0);
    KT_ASSERT(saw == 1);
    KT_ASSERT(r == 0);
}

/* A higher-priority thread that becomes ready runs at once. */
static int note_order(void *arg)
{
    *(volatile int *)arg = 1;
    return 0;
}

KTEST(sched_higher_priority_runs_first)
{
    kt_pin_cpu();
    volatile int ran = 0;
    int id = thread_create("urgent", note_order, (void *)&ran, PRIO_DEFAULT + 1, 0);
    KT_ASSERT(id > 0);
    KT_ASSERT(ran == 1); /* preempted us inside thread_create */
    KT_ASSERT(thread_join(id, NULL) == 0);
    ran = 0;
    id = thread_create("lazy", note_order, (void *)&ran, PRIO_MIN, 0);
    KT_ASSERT(id > 0);
    KT_ASSERT(ran == 0); /* lower: waits until we block */
    KT_ASSERT(thread_join(id, NULL) == 0);
    KT_ASSERT(ran == 1);
}

/* ---- sleeping ---- */

KTEST(sched_sleep_wakes_within_bound)
{
    int prompt = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t want = (uint64_t)(5 + 10 * i) * MS;
        uint64_t t0 = hal_time_ns();
        thread_sleep_ns(want);
        uint64_t slept = hal_time_ns() - t0;
        KT_ASSERT(slept >= want);
        /* Generous, and once of three: under TCG guest time is host time,
         * and a loaded host (ctest -j2, 8 vCPUs on 2 cores) now and then
         * stalls QEMU for far longer than a sleep is normally late; a
         * broken sleep is late every time. How late a sleep typically
         * returns is `bench: sleep_jitter`. */
        prompt += slept < want + 200 * MS;
    }
    KT_ASSERT(prompt >= 1);
}

/* ---- many threads ---- */

static int square_plus_one(void *arg)
{
    long i = (long)(intptr_t)arg;
    if (i % 7 == 0)
        thread_yield();
    return (int)(i * i + 1);
}

KTEST(sched_thousand_threads)
{
    enum { N = 1000 };
    int *ids = kmalloc(N * sizeof *ids);
    KT_ASSERT(ids);
    int created = 0;
    for (int i = 0; i < N; i++) {
        ids[i] = thread_create("worker", square_plus_one, (void *)(intptr_t)i, PRIO_DEFAULT, 0);
        if (ids[i] <= 0)
            break;
        created++;
    }
    int bad = 0;
    for (int i = 0; i < created; i++) {
        int r = -1;
        if (thread_join(ids[i], &r) != 0 || r != i * i + 1)
            bad++;
    }
    kfree(ids);
    KT_ASSERT(created == N);
    KT_ASSERT(bad == 0);
}

/* ---- bad input ---- */

static int return_7(void *arg)
{
    (void)arg;
    return 7;
}

KTEST(sched_bad_arguments)
{
    uint64_t mark = kt_log_mark();
    KT_ASSERT(thread_create("x", NULL, NULL, PRIO_DEFAULT, 0) == -EINVAL);
    KT_ASSERT(thread_create("x", return_7, NULL, PRIO_TOP + 1, 0) == -EINVAL);
    KT_ASSERT(thread_create("x", return_7, NULL, PRIO_IDLE, 0) == -EINVAL);
    KT_ASSERT(thread_create("x", return_7, NULL, PRIO_DEFAULT, 0x80) == -EINVAL);
    int id = thread_create(NULL, return_7, NULL, PRIO_DEFAULT, 0);
    KT_ASSERT(id > 0);
    int r = 0;
    KT_ASSERT(thread_join(id, &r) == 0 && r == 7);
    KT_ASSERT(thread_join(id, &r) == -ESRCH); /* joined twice */
    KT_ASSERT(thread_join(thread_current()->id, NULL) == -EDEADLK);
    KT_ASSERT(thread_join(1 << 30, NULL) == -ESRCH);
    KT_ASSERT(thread_join(-3, NULL) == -ESRCH);
    id = thread_create("detached", return_7, NULL, PRIO_DEFAULT, THREAD_DETACHED);
    KT_ASSERT(id > 0);
    KT_ASSERT(thread_join(id, NULL) == -EINVAL || thread_join(id, NULL) == -ESRCH);
    /* every refusal said why, naming this test as the caller */
    KT_ASSERT(klog_reports_since(mark, "thread_create('x'") == 4);
    KT_ASSERT(klog_reports_since(mark, "from ktest_fn_sched_bad_arguments+") >= 8);
}

/* ---- threads on the caller's memory (kmain's boot threads) ---- */

static struct thread static_thr;

/* Where its stack is, and a result to join. */
static int note_stack(void *arg)
{
    volatile int here = 0;
    *(uintptr_t *)arg = (uintptr_t)&here;
    return 11 + here;
}

/* Twice on the same storage: reclaiming a joined one must leave both the
 * struct and the stack alone (a kfree() of static memory would be caught
 * by the heap's checks, a vfree() of the stack would make the vfree()
 * below report it). The stack is a kstack_alloc() one: aligned as every
 * stack must be, and not 32 KiB of .bss that boot would zero. */
KTEST(sched_static_thread_uses_given_memory)
{
    uint8_t *static_stack = kstack_alloc();
    KT_ASSERT(static_stack != NULL);
    for (int round = 0; round < 2; round++) {
        uintptr_t sp = 0;
        int id = thread_create_static(&static_thr, static_stack, "static", note_stack, &sp,
                                      PRIO_DEFAULT, 0);
        KT_ASSERT(id > 0);
        int r = 0;
        KT_ASSERT(thread_join(id, &r) == 0 && r == 11);
        KT_ASSERT(sp >= (uintptr_t)static_stack && sp < (uintptr_t)static_stack + KSTACK_SIZE);
    }
    uintptr_t sp;
    KT_ASSERT(thread_create_static(NULL, static_stack, "x", note_stack, &sp, PRIO_DEFAULT, 0) ==
              -EINVAL);
    KT_ASSERT(thread_create_static(&static_thr, NULL, "x", note_stack, &sp, PRIO_DEFAULT, 0) ==
              -EINVAL);
    KT_ASSERT(thread_create_static(&static_thr, static_stack + 8, "x", note_stack, &sp,
                                   PRIO_DEFAULT, 0) == -EINVAL);
    /* The flag that marks caller memory is the kernel's to set. */
    KT_ASSERT(thread_create_static(&static_thr, static_stack, "x", note_stack, &sp, PRIO_DEFAULT,
                                   THREAD_CALLER_MEMORY) == -EINVAL);
    KT_ASSERT(thread_create("x", note_stack, &sp, PRIO_DEFAULT, THREAD_CALLER_MEMORY) == -EINVAL);
    KT_ASSERT(vmalloc_free(static_stack) == 0); /* still ours: the threads left it alone */
}

/* ---- completions (boot_wait(), device_probe_wait()) ---- */

static volatile int released;

static int wait_completion(void *arg)
{
    completion_wait(arg);
    return released ? 5 : -1; /* -1: it returned before complete_all() */
}

KTEST(sync_completion_wakes_every_waiter)
{
    struct completion c = COMPLETION_INIT(c, "ktest");
    released = 0;
    KT_ASSERT(!completion_done(&c));
    int ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = thread_create("waiter", wait_completion, &c, PRIO_DEFAULT, 0);
    thread_sleep_ms(5); /* they are all waiting by now (or wrongly done) */
    released = 1;
    complete_all(&c);
    for (int i = 0; i < 3; i++) {
        int r = 0;
        KT_ASSERT(ids[i] > 0 && thread_join(ids[i], &r) == 0 && r == 5);
    }
    KT_ASSERT(completion_done(&c));
    completion_wait(&c); /* done: returns at once */
    complete_all(&c);    /* again: stays done, nobody to wake */
    KT_ASSERT(completion_done(&c));
    /* Tests run after boot finished: nothing waits for it any more. */
    KT_ASSERT(boot_finished());
    boot_wait();
}

/* ---- callback entries, wait sets of many queues ---- */

struct cb_count {
    struct waiter w;
    int calls;
    unsigned key;
};

static void count_wake(struct waiter *w, unsigned key)
{
    struct cb_count *c = container_of(w, struct cb_count, w);
    c->calls++;
    c->key = key;
}

KTEST(sync_wait_callback_entry)
{
    struct waitqueue q;
    struct cb_count c = {.calls = 0};
    wq_init(&q, "ktest cb");
    irqflags_t f = spin_lock_irqsave(&q.lock);
    wq_add_callback_locked(&q, &c.w, count_wake, NULL);
    KT_ASSERT(wq_wake_all_key_locked(&q, 5) == 1 && c.calls == 1 && c.key == 5);
    /* It stays queued; wake_one runs it and finds no thread to wake. */
    KT_ASSERT(wq_wake_one_locked(&q) == NULL && c.calls == 2 && c.key == 0);
    wq_remove_locked(&q, &c.w);
    KT_ASSERT(wq_wake_all_locked(&q) == 0 && c.calls == 2 && list_empty(&q.waiters));
    spin_unlock_irqrestore(&q.lock, f);
}

enum { MANY_QUEUES = 100 };
static struct waitqueue *many_q; /* allocated: the debug images' size is capped */
static volatile int many_woken;
static volatile unsigned many_added;

static int wait_on_many(void *arg)
{
    (void)arg;
    struct wait_set ws;
    wait_set_init(&ws);
    for (int i = 0; i < MANY_QUEUES; i++)
        wait_set_add(&ws, &many_q[i]);
    int ok = ws.n == MANY_QUEUES && !ws.overflow;
    many_added = 1; /* a wake from now on ends the block below, even one before it */
    wait_set_block(&ws);
    wait_set_clear(&ws);
    many_woken = 1;
    return ok && ws.n == 0 && !ws.more ? 5 : -1;
}

/* A set past its inline entries still sleeps (no spinning) and a wake of
 * any one queue, here the 77th, ends the wait; clear frees the chunks. */
KTEST(sync_wait_set_of_many_queues)
{
    many_q = kmalloc(MANY_QUEUES * sizeof *many_q);
    KT_ASSERT(many_q);
    for (int i = 0; i < MANY_QUEUES; i++)
        wq_init(&many_q[i], "ktest many");
    many_woken = 0;
    many_added = 0;
    int id = thread_create("many", wait_on_many, NULL, PRIO_DEFAULT, 0);
    KT_ASSERT(id > 0);
    /* The wake must come after the adds (an earlier one is lost, as it
     * would be for any waiter): on 8 vCPUs over 2 host cores the new
     * thread may not run for a long while. */
    KT_ASSERT(kt_wait_for(&many_added, 1, 30000000000ull));
    thread_sleep_ms(10);
    KT_ASSERT(!many_woken);
    wq_wake_all(&many_q[76]);
    int r = 0;
    KT_ASSERT(thread_join(id, &r) == 0 && r == 5 && many_woken);
    for (int i = 0; i < MANY_QUEUES; i++)
        KT_ASSERT(list_empty(&many_q[i].waiters));
    kfree(many_q);
}

/* ---- locks under contention ---- */

enum { WORKERS = 8, ROUNDS = 3000 };

static struct mutex counter_mutex;
static volatile unsigned long counter;
static uint32_t cpus_seen; /* CPUs the workers ran on (bit = index) */

static volatile int gate_open;

/* Workers start together, once all exist and idle CPUs had a moment to
 * pull some of them: otherwise the first ones may finish before the last
 * one is created, and the contention the tests want never happens. */
static void gate_wait(void)
{
    while (!gate_open)
        thread_yield();
}

static void note_cpu(void) { __atomic_fetch_or(&cpus_seen, 1u << thread_cpu(), __ATOMIC_RELAXED); }

/* Which CPUs the workers ran on, for the log. Not asserted: which CPUs
 * get them depends on which vCPUs the host runs at that moment under
 * multi-threaded TCG (smp_thousand_threads_spread_and_joined asserts the
 * spreading, over many more threads). */
static void show_spread(void)
{
    if (__builtin_popcount(sched_cpu_mask()) > 1)
        kprintf("  workers ran on CPUs %#x of %#x\n", cpus_seen, sched_cpu_mask());
}

/* Read-modify-write with a short sleep inside the critical section now and
 * then, so the others queue on the mutex (on this CPU or another: with one
 * worker per CPU a yield would not switch); the timer preempts them in
 * between. */
static int mutex_worker(void *arg)
{
    (void)arg;
    gate_wait();
    for (int i = 0; i < ROUNDS; i++) {
        note_cpu();
        if (mutex_lock(&counter_mutex) != 0)
            return -1;
        unsigned long v = counter;
        if (i % 64 == 0)
            thread_sleep_ns(100000);
        counter = v + 1;
        if (mutex_unlock(&counter_mutex) != 0)
            return -1;
    }
    return 0;
}

static int run_workers(int (*fn)(void *), void *arg)
{
    int ids[WORKERS], bad = 0;
    cpus_seen = 0;
    gate_open = 0;
    for (int i = 0; i < WORKERS; i++)
        ids[i] = thread_create("worker", fn, arg, PRIO_DEFAULT, 0);
    thread_sleep_ms(5);
    gate_open = 1;
    for (int i = 0; i < WORKERS; i++) {
        int r = -1;
        if (ids[i] <= 0 || thread_join(ids[i], &r) != 0 || r != 0)
            bad++;
    }
    return bad;
}

KTEST(sync_mutex_counter_exact)
{
    mutex_init(&counter_mutex, "test");
    counter = 0;
    KT_ASSERT(run_workers(mutex_worker, NULL) == 0);
    KT_ASSERT(counter == (unsigned long)WORKERS * ROUNDS);
    KT_ASSERT(counter_mutex.contended > 0); /* the test really contended */
    show_spread();
    KT_ASSERT(counter_mutex.owner == NULL);
}

/* Starvation, made certain on one CPU: a hog of higher priority holds the
 * mutex while it sleeps (so the waiter, this test, runs, finds it held and
 * sleeps on it), lets go, and takes it straight back: unlock only wakes the
 * waiter, which cannot run before the hog, so the hog wins every time. Once
 * the waiter has lost for MUTEX_HANDOFF_NS, unlock hands it the mutex
 * (wait.c), and it gets the mutex 20 times well within the 5 s given here;
 * without the hand-over it never does while the hog runs (the deadline stops
 * the hog, so that failure is a failed assertion, not a hang). */
static struct mutex hog_mutex;
static volatile int hog_stop;
static volatile unsigned long hog_rounds;

static int mutex_hog(void *arg)
{
    (void)arg;
    while (!hog_stop) {
        mutex_lock(&hog_mutex);
        thread_sleep_ns(200000);
        hog_rounds++;
        mutex_unlock(&hog_mutex);
    }
    return 0;
}

static void stop_hog(struct ktimer *t, void *arg)
{
    (void)t;
    (void)arg;
    hog_stop = 1;
}

KTEST(sync_mutex_waiter_not_starved)
{
    kt_pin_cpu(); /* the hog inherits the pin */
    mutex_init(&hog_mutex, "hog");
    hog_stop = 0;
    hog_rounds = 0;
    int id = thread_create("mutex-hog", mutex_hog, NULL, PRIO_DEFAULT + 1, 0);
    KT_ASSERT(id > 0);
    struct ktimer deadline;
    ktimer_init(&deadline, stop_hog, NULL);
    ktimer_arm(&deadline, hal_time_ns() + 5000 * MS);
    int got = 0;
    while (got < 20 && !hog_stop) {
        mutex_lock(&hog_mutex);
        got += !hog_stop;
        mutex_unlock(&hog_mutex);
    }
    hog_stop = 1;
    ktimer_cancel(&deadline); /* before any assertion can return: it is on this stack */
    KT_ASSERT(thread_join(id, NULL) == 0);
    KT_ASSERT(hog_rounds >= 20); /* the hog held it in between */
    KT_ASSERT(got == 20);
    KT_ASSERT(hog_mutex.owner == NULL);
}

static struct spinlock counter_spin = SPINLOCK_INIT("test");
static volatile unsigned long irq_side;

static void spin_timer_cb(struct ktimer *t, void *arg)
{
    (void)arg;
    spin_lock(&counter_spin); /* interrupts already masked here */
    counter++;
    irq_side++;
    spin_unlock(&counter_spin);
    if (irq_side < 50)
        ktimer_arm(t, hal_time_ns() + 200000);
}

/* Spin rounds per worker. With the ticket lock this was 400 with several
 * CPUs: each release handed the lock to the next ticket's vCPU, which the
 * host may not be running (with more vCPUs than host cores, a hand-off
 * could wait for a host time slice). The lock now goes to whichever CPU
 * runs (kernel/spinlock.h), so every configuration does the full count. */
static int spin_rounds(void) { return ROUNDS * 4; }

static int spin_worker(void *arg)
{
    (void)arg;
    gate_wait();
    for (int i = 0; i < spin_rounds(); i++) {
        note_cpu();
        irqflags_t f = spin_lock_irqsave(&counter_spin);
        unsigned long v = counter;
        counter = v + 1;
        spin_unlock_irqrestore(&counter_spin, f);
    }
    return 0;
}

/* Threads and a timer callback (interrupt context) share one counter. */
KTEST(sync_spinlock_threads_and_irq)
{
    struct ktimer t;
    counter = 0;
    irq_side = 0;
    ktimer_init(&t, spin_timer_cb, NULL);
    ktimer_arm(&t, hal_time_ns() + 100000);
    int bad = run_workers(spin_worker, NULL);
    uint64_t end = hal_time_ns() + 2000 * MS;
    while (irq_side < 50 && hal_time_ns() < end)
        thread_sleep_ms(1);
    ktimer_cancel(&t); /* before any assertion can return: t is on this stack */
    KT_ASSERT(bad == 0);
    KT_ASSERT(irq_side == 50);
    KT_ASSERT(counter == (unsigned long)WORKERS * spin_rounds() + 50);
    show_spread();
}

/* Bounded buffer: producers and consumers on two semaphores and a mutex. */
enum { SLOTS = 8, ITEMS = 1500 };
static struct semaphore sem_free, sem_full;
static struct mutex buf_lock;
static unsigned buf[SLOTS], head, tail;
static volatile unsigned long consumed_sum, produced_sum;

static int producer(void *arg)
{
    unsigned base = (unsigned)(uintptr_t)arg;
    for (unsigned i = 1; i <= ITEMS; i++) {
        sem_down(&sem_free);
        mutex_lock(&buf_lock);
        buf[head++ % SLOTS] = base + i;
        produced_sum += base + i;
        mutex_unlock(&buf_lock);
        sem_up(&sem_full);
    }
    return 0;
}

static int consumer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < ITEMS; i++) {
        sem_down(&sem_full);
        mutex_lock(&buf_lock);
        consumed_sum += buf[tail++ % SLOTS];
        mutex_unlock(&buf_lock);
        sem_up(&sem_free);
    }
    return 0;
}

KTEST(sync_semaphore_bounded_buffer)
{
    sem_init(&sem_free, SLOTS, "free");
    sem_init(&sem_full, 0, "full");
    mutex_init(&buf_lock, "buf");
    head = tail = 0;
    consumed_sum = produced_sum = 0;
    int ids[8];
    for (int i = 0; i < 4; i++) {
        ids[i] = thread_create("producer", producer, (void *)(uintptr_t)(i * 100000), PRIO_DEFAULT, 0);
        ids[4 + i] = thread_create("consumer", consumer, NULL, PRIO_DEFAULT, 0);
    }
    int bad = 0;
    for (int i = 0; i < 8; i++)
        if (ids[i] <= 0 || thread_join(ids[i], NULL) != 0)
            bad++;
    KT_ASSERT(bad == 0);
    KT_ASSERT(head == 4 * ITEMS && tail == 4 * ITEMS);
    KT_ASSERT(consumed_sum == produced_sum);
    KT_ASSERT(sem_free.count == SLOTS && sem_full.count == 0);
}

/* Condition variable: threads take turns strictly in order 0,1,2,0,1,2... */
static struct mutex turn_lock;
static struct condvar turn_cv;
static volatile int turn, turns_taken, out_of_order;

static int take_turns(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int round = 0; round < 100; round++) {
        mutex_lock(&turn_lock);
        while (turn != me)
            cond_wait(&turn_cv, &turn_lock);
        if (turns_taken % 3 != me)
            out_of_order++;
        turns_taken++;
        turn = (me + 1) % 3;
        cond_broadcast(&turn_cv);
        mutex_unlock(&turn_lock);
    }
    return 0;
}

KTEST(sync_condvar_turns)
{
    mutex_init(&turn_lock, "turn");
    cond_init(&turn_cv, "turn");
    turn = turns_taken = out_of_order = 0;
    int ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = thread_create("turns", take_turns, (void *)(intptr_t)i, PRIO_DEFAULT, 0);
    for (int i = 0; i < 3; i++)
        KT_ASSERT(ids[i] > 0 && thread_join(ids[i], NULL) == 0);
    KT_ASSERT(turns_taken == 300);
    KT_ASSERT(out_of_order == 0);
}

static int unlock_foreign(void *arg)
{
    return mutex_unlock(arg);
}

KTEST(sync_bad_usage_reported)
{
    struct mutex m;
    struct condvar c;
    mutex_init(&m, "bad");
    cond_init(&c, "bad");
    uint64_t mark = kt_log_mark();
    KT_ASSERT(mutex_unlock(&m) == -EPERM);      /* not locked */
    KT_ASSERT(cond_wait(&c, &m) == -EPERM);     /* mutex not held */
    KT_ASSERT(mutex_lock(&m) == 0);
    KT_ASSERT(mutex_lock(&m) == -EDEADLK);      /* recursive */
    KT_ASSERT(mutex_trylock(&m) == 0);
    int id = thread_create("intruder", unlock_foreign, &m, PRIO_DEFAULT, 0);
    int r = 0;
    KT_ASSERT(id > 0 && thread_join(id, &r) == 0);
    KT_ASSERT(r == -EPERM);                     /* not the owner */
    KT_ASSERT(m.owner == thread_current());     /* and nothing changed */
    KT_ASSERT(mutex_unlock(&m) == 0);
    /* each misuse reported once, with who did it */
    KT_ASSERT(klog_reports_since(mark, "mutex_unlock: not locked") == 1);
    KT_ASSERT(klog_reports_since(mark, "recursive lock (deadlock) refused") == 1);
    KT_ASSERT(klog_reports_since(mark, "not the owner of") == 1);
    KT_ASSERT(klog_reports_since(mark, "'intruder'") == 1);
}

/* ---- kernel timers ---- */

static int fired[16], nfired;

static void record_fire(struct ktimer *t, void *arg)
{
    (void)t;
    fired[nfired++] = (int)(intptr_t)arg;
}

KTEST(ktimer_callbacks_fire_in_order)
{
    static struct ktimer t[10];
    /* Deadlines 1..10 ms out, armed in a scrambled order. */
    static const int ms[10] = {7, 2, 9, 1, 10, 4, 3, 8, 6, 5};
    nfired = 0;
    /* Armed with interrupts masked: on a host that stalls QEMU for a
     * millisecond, the 2 ms timer could otherwise fire (correctly) before
     * the 1 ms one was even armed. */
    irqflags_t f = hal_irq_save();
    uint64_t now = hal_time_ns();
    int armed = 0;
    for (int i = 0; i < 10; i++) {
        ktimer_init(&t[i], record_fire, (void *)(intptr_t)ms[i]);
        armed += ktimer_arm(&t[i], now + (uint64_t)ms[i] * MS) == 0;
    }
    hal_irq_restore(f);
    KT_ASSERT(armed == 10);
    uint64_t end = hal_time_ns() + 2000 * MS;
    while (nfired < 10 && hal_time_ns() < end)
        thread_sleep_ms(2);
    KT_ASSERT(nfired == 10);
    for (int i = 0; i < 10; i++)
        KT_ASSERT(fired[i] == i + 1);
    KT_ASSERT(hal_time_ns() >= now + 10 * MS);
}
