/**
 * @file sched.c
 * @brief Threads, the ready queue per CPU, switching, preemption, sleeping.
 *
 * Locking: the CPU's lock guards its ready queue, every thread's state and
 * `current`. A switch happens with that lock held and interrupts masked;
 * the lock passes to the thread switched to, which releases it in
 * finish_switch() (a new thread does so in thread_start()). Each thread
 * restores its own interrupt state afterwards. Lock order: a wait queue's
 * lock, then the CPU lock, then the ktimer lock.
 */
#include <hal/context.h>
#include <hal/cpu.h>
#include <kernel/bpf_hook.h>
#include <kernel/irq.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

static struct thread boot_thread;
/* Every thread, for `threads` and join-by-id; ids are never reused, so a
 * join of an id that is gone is reported as such rather than hitting a
 * stranger. */
static struct list_node all_threads = LIST_INIT(all_threads);
static struct spinlock threads_lock = SPINLOCK_INIT("threads");
static int next_id = 1;
static int have_timer; /* sched_timer_ready(): sleeping can rely on interrupts */

/* Each CPU's own, in its struct cpu: a CPU without a scheduler yet has no
 * current thread, so yielding or an interrupt's exit there does nothing. */
struct sched_cpu *this_cpu(void) { return &cpu_this()->sched; }

struct thread *thread_current(void) { return this_cpu()->current; }

uint64_t sched_switches(void) { return this_cpu()->switches; }

const char *thread_state_name(enum thread_state s)
{
    static const char *const names[] = {"ready", "running", "blocked", "sleeping", "dead"};
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static void slice_expired(struct ktimer *t, void *arg)
{
    (void)t;
    ((struct sched_cpu *)arg)->need_resched = 1;
}

/* Runs in the thread switched to, with c->lock held: the previous thread's
 * stack is no longer in use from here on. */
static void finish_switch(struct sched_cpu *c)
{
    c->prev->on_cpu = 0;
}

/*
 * Pick the next thread and switch to it. c->lock held, interrupts masked.
 * The current thread goes back to the ready queue only if it is still
 * RUNNING; blocking paths set its state first.
 */
static void reschedule(struct sched_cpu *c)
{
    struct thread *prev = c->current;
    if (prev->state == THREAD_RUNNING) {
        prev->state = THREAD_READY;
        if (prev != c->idle) /* idle is never queued: it is the fallback */
            rq_push(&c->rq, &prev->se);
    }
    struct sched_entity *se = rq_pop(&c->rq);
    struct thread *next = se ? container_of(se, struct thread, se) : c->idle;
    c->need_resched = 0;
    next->state = THREAD_RUNNING;
    uint64_t now = hal_time_ns();
    /* Equals waiting: cut this turn after a slice. Alone: no tick at all.
     * A slice armed within the last tenth of a slice is kept rather than
     * moved, which spares yield-heavy threads a timer reprogram per switch
     * at the price of a turn 0-10% short. */
    if (c->rq.nr && rq_top_prio(&c->rq) >= next->se.prio) {
        if (!c->slice.armed || c->slice.deadline < now + SCHED_SLICE_NS - SCHED_SLICE_NS / 10)
            ktimer_arm(&c->slice, now + SCHED_SLICE_NS);
    } else if (c->slice.armed) {
        ktimer_cancel(&c->slice);
    }
    if (next == prev)
        return;
    prev->cpu_ns += now - prev->run_start;
    next->run_start = now;
    next->switches++;
    next->on_cpu = 1;
    c->switches++;
    c->current = next;
    c->prev = prev;
    if (bpf_hook_active(BPF_HOOK_SCHED_SWITCH)) {
        struct bpf_ctx_sched_switch sc = {now, (uint32_t)prev->id, (uint32_t)next->id, hal_cpu_id(),
                                          (uint32_t)prev->state};
        bpf_hook_run(BPF_HOOK_SCHED_SWITCH, &sc);
    }
    hal_context_switch(&prev->sp, next->sp);
    /* Back in prev, maybe much later, with the lock the switcher held;
     * reschedule()'s callers release it. (With SMP, prev may resume on
     * another CPU: callers will have to re-read this_cpu().) */
    finish_switch(this_cpu());
}

static void schedule(void)
{
    struct sched_cpu *c = this_cpu();
    irqflags_t f = spin_lock_irqsave(&c->lock);
    reschedule(c);
    spin_unlock_irqrestore(&c->lock, f);
}

void sched_irq_exit(void)
{
    struct sched_cpu *c = this_cpu();
    if (c->need_resched && c->current)
        schedule();
}

void sched_preempt_check(void)
{
    struct sched_cpu *c = this_cpu();
    if (c->need_resched && c->current && !irq_in_handler() && hal_irq_enabled())
        schedule();
}

void thread_yield(void)
{
    if (this_cpu()->current)
        schedule();
}

/* Queue @p t as ready (c->lock held) and decide whether it should preempt
 * the running thread: a higher priority switches at the next chance, an
 * equal one gets a turn after the current slice (armed now if the running
 * thread was alone and had none). */
static void make_ready_locked(struct sched_cpu *c, struct thread *t)
{
    t->state = THREAD_READY;
    rq_push(&c->rq, &t->se);
    if (t->se.prio > c->current->se.prio) {
        c->need_resched = 1;
        /* Outside a handler with interrupts masked (under some lock),
         * nobody would act on need_resched until the next interrupt, which
         * a thread running alone may never get: end the slice now, so the
         * switch happens as soon as interrupts are back on. (If the caller
         * switches first, reschedule() re-arms or cancels the slice.) */
        if (!irq_in_handler())
            ktimer_arm(&c->slice, 0);
    } else if (t->se.prio == c->current->se.prio && !c->slice.armed) {
        ktimer_arm(&c->slice, hal_time_ns() + SCHED_SLICE_NS);
    }
}

void thread_wake(struct thread *t)
{
    struct sched_cpu *c = t->cpu;
    irqflags_t f = spin_lock_irqsave(&c->lock);
    if (t->state == THREAD_BLOCKED || t->state == THREAD_SLEEPING)
        make_ready_locked(c, t);
    spin_unlock_irqrestore(&c->lock, f);
}

void thread_wake_flag(struct thread *t, volatile int *flag)
{
    struct sched_cpu *c = t->cpu;
    irqflags_t f = spin_lock_irqsave(&c->lock);
    *flag = 1;
    if (t->state == THREAD_BLOCKED)
        make_ready_locked(c, t);
    spin_unlock_irqrestore(&c->lock, f);
}

/* The idle thread cannot leave the CPU (it is what runs when nothing can):
 * it waits for @p done by running whatever becomes ready, and otherwise
 * idling, until @p done says so. Only the boot fallback (the shell on the
 * idle thread when no thread could be created) gets here. */
static void idle_wait_until(int (*done)(const void *), const void *arg)
{
    struct sched_cpu *c = this_cpu();
    irqflags_t f = hal_irq_save();
    while (!done(arg)) {
        if (c->rq.nr) {
            hal_irq_restore(f);
            schedule();
            f = hal_irq_save();
        } else {
            hal_idle_wait();
        }
    }
    hal_irq_restore(f);
}

static int flag_set(const void *p) { return *(const volatile int *)p != 0; }

void sched_block(volatile int *cancel)
{
    struct sched_cpu *c = this_cpu();
    if (c->current == c->idle) {
        idle_wait_until(flag_set, (const void *)cancel);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&c->lock);
    /* Loop: only the waker's flag ends the wait, not any thread_wake(). */
    while (!*cancel) {
        c->current->state = THREAD_BLOCKED;
        reschedule(c);
    }
    spin_unlock_irqrestore(&c->lock, f);
}

static int time_reached(const void *deadline)
{
    return hal_time_ns() >= *(const uint64_t *)deadline;
}

static void sleep_done(struct ktimer *timer, void *arg)
{
    (void)timer;
    thread_wake(arg);
}

void thread_sleep_ns(uint64_t ns)
{
    struct sched_cpu *c = this_cpu();
    struct thread *t = c->current;
    if (ns == 0 || !t) {
        thread_yield();
        return;
    }
    uint64_t deadline = hal_time_ns() + ns;
    if (!have_timer) {
        /* No timer interrupt would ever wake us: let others run meanwhile. */
        while (hal_time_ns() < deadline)
            thread_yield();
        return;
    }
    if (t == c->idle) {
        ktimer_arm(&t->timer, deadline); /* the interrupt ends hal_idle_wait() */
        idle_wait_until(time_reached, &deadline);
    } else {
        irqflags_t f = spin_lock_irqsave(&c->lock);
        /* Armed under c->lock, the timer cannot fire before we are
         * switched out; looping makes any early wake harmless. */
        while (hal_time_ns() < deadline) {
            t->state = THREAD_SLEEPING;
            if (!t->timer.armed)
                ktimer_arm(&t->timer, deadline);
            reschedule(c);
        }
        spin_unlock_irqrestore(&c->lock, f);
    }
    ktimer_cancel(&t->timer);
}

/* First code of every new thread: the switch that started it left c->lock held. */
static void thread_start(void *arg)
{
    struct thread *t = arg;
    struct sched_cpu *c = this_cpu();
    finish_switch(c);
    spin_unlock(&c->lock);
    hal_irq_enable();
    thread_exit(t->fn(t->arg));
}

static void thread_free(struct thread *t)
{
    while (t->on_cpu) /* another CPU may still be leaving its stack */
        hal_cpu_relax();
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    list_del(&t->all);
    spin_unlock_irqrestore(&threads_lock, f);
    vfree(t->stack);
    kfree(t);
}

/* Detached threads that exited: reclaimed from thread context (the idle
 * loop, thread_create), never from the dying thread's own stack. */
static void reap_zombies(void)
{
    struct sched_cpu *c = this_cpu();
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&c->lock);
        struct list_node *n = list_first(&c->zombies);
        struct thread *t = n ? container_of(n, struct thread, zombie) : NULL;
        if (t && !t->on_cpu)
            list_del(&t->zombie);
        else
            t = NULL;
        spin_unlock_irqrestore(&c->lock, f);
        if (!t)
            return;
        thread_free(t);
    }
}

int thread_create(const char *name, thread_fn fn, void *arg, int prio, unsigned flags)
{
    if (!fn || prio < PRIO_MIN || prio > PRIO_MAX || (flags & ~THREAD_DETACHED)) {
        char who[KSYM_NAME_MAX];
        pr_warn("thread_create('%s', prio %d, flags %#x) from %s: %s", name ? name : "",
                prio, flags, CALLER_NAME(who),
                !fn ? "no function" : (flags & ~THREAD_DETACHED) ? "unknown flags"
                                                                 : "priority out of range");
        return -EINVAL;
    }
    struct sched_cpu *c = this_cpu();
    if (!c->current)
        return -EAGAIN;
    reap_zombies();
    struct thread *t = kmalloc(sizeof *t);
    void *stack = t ? kstack_alloc() : NULL;
    if (!stack) {
        kfree(t);
        return -ENOMEM;
    }
    memset(t, 0, sizeof *t);
    strlcpy(t->name, name ? name : "thread", sizeof t->name);
    t->stack = stack;
    t->fn = fn;
    t->arg = arg;
    t->flags = flags;
    t->se.prio = prio;
    t->cpu = c; /* SMP: where it is queued, chosen by a balancer */
    wq_init(&t->exit_wq, "join");
    ktimer_init(&t->timer, sleep_done, t);
    list_init(&t->zombie);
    t->sp = hal_context_init((uint8_t *)stack + KSTACK_SIZE, thread_start, t);

    irqflags_t f = spin_lock_irqsave(&threads_lock);
    int id = t->id = next_id++;
    list_add_tail(&all_threads, &t->all);
    spin_unlock_irqrestore(&threads_lock, f);

    f = spin_lock_irqsave(&c->lock);
    make_ready_locked(c, t);
    spin_unlock_irqrestore(&c->lock, f);
    sched_preempt_check();
    return id;
}

void thread_exit(int result)
{
    struct sched_cpu *c = this_cpu();
    struct thread *t = c->current;
    if (t == c->idle)
        panic("thread_exit() called by the idle thread");
    hal_irq_disable(); /* no preemption from here: the stack is ours until the switch */
    t->result = result;
    __atomic_store_n(&t->exited, 1, __ATOMIC_RELEASE);
    wq_wake_all(&t->exit_wq);
    spin_lock(&c->lock);
    t->state = THREAD_DEAD;
    if (t->flags & THREAD_DETACHED)
        list_add_tail(&c->zombies, &t->zombie);
    reschedule(c);
    panic("dead thread %d resumed", t->id);
}

static struct thread *find_thread(int id)
{
    list_for_each(n, &all_threads) {
        struct thread *t = container_of(n, struct thread, all);
        if (t->id == id)
            return t;
    }
    return NULL;
}

int thread_join(int id, int *result)
{
    struct thread *self = thread_current();
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    struct thread *t = find_thread(id);
    int err = 0;
    if (!t)
        err = -ESRCH;
    else if (t == self)
        err = -EDEADLK;
    else if (t == this_cpu()->idle)
        err = -EINVAL;
    else if (t->flags & THREAD_DETACHED)
        err = -EINVAL;
    else if (t->joiner)
        err = -EBUSY;
    else
        t->joiner = self;
    spin_unlock_irqrestore(&threads_lock, f);
    if (err) {
        char who[KSYM_NAME_MAX];
        pr_warn("thread_join(%d) from %s: %s", id, CALLER_NAME(who),
                err == -ESRCH    ? (id > 0 && id < next_id ? "already joined" : "no such thread")
                : err == -EDEADLK ? "a thread cannot join itself"
                : err == -EINVAL  ? (id == 0 ? "the idle thread never exits" : "the thread is detached")
                                  : "another thread is already joining it");
        return err;
    }
    while (!__atomic_load_n(&t->exited, __ATOMIC_ACQUIRE)) {
        struct waiter w;
        f = spin_lock_irqsave(&t->exit_wq.lock);
        wq_add_locked(&t->exit_wq, &w);
        int done = t->exited; /* re-checked after enqueueing: no lost wakeup */
        if (done)
            wq_remove_locked(&t->exit_wq, &w);
        spin_unlock_irqrestore(&t->exit_wq.lock, f);
        if (!done)
            wq_block(&w);
    }
    /* Exiting, maybe not yet switched away: wait for DEAD (a few instructions). */
    while (t->state != THREAD_DEAD)
        thread_yield();
    if (result)
        *result = t->result;
    thread_free(t);
    return 0;
}

unsigned thread_list(struct thread_info *out, unsigned max)
{
    struct sched_cpu *c = this_cpu();
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    spin_lock(&c->lock);
    uint64_t now = hal_time_ns();
    list_for_each(node, &all_threads) {
        struct thread *t = container_of(node, struct thread, all);
        if (n < max) {
            out[n] = (struct thread_info){t->id, {0}, t->state, t->se.prio, t->cpu_ns, t->switches};
            memcpy(out[n].name, t->name, THREAD_NAME_MAX);
            if (t == c->current)
                out[n].cpu_ns += now - t->run_start;
        }
        n++;
    }
    spin_unlock(&c->lock);
    spin_unlock_irqrestore(&threads_lock, f);
    return n;
}

void sched_init(void)
{
    struct sched_cpu *c = this_cpu();
    struct thread *t = &boot_thread;
    spin_init(&c->lock, "sched");
    rq_init(&c->rq);
    list_init(&c->zombies);
    ktimer_init(&c->slice, slice_expired, c);
    t->id = 0;
    t->cpu = c;
    strlcpy(t->name, "idle", sizeof t->name);
    t->se.prio = PRIO_IDLE;
    t->state = THREAD_RUNNING;
    t->on_cpu = 1;
    t->run_start = hal_time_ns();
    wq_init(&t->exit_wq, "join");
    ktimer_init(&t->timer, sleep_done, t);
    list_init(&t->zombie);
    list_add_tail(&all_threads, &t->all);
    c->idle = c->current = t;
}

void sched_timer_ready(void) { have_timer = 1; }

void sched_idle_loop(void)
{
    struct sched_cpu *c = this_cpu();
    for (;;) {
        reap_zombies();
        hal_irq_disable();
        if (c->rq.nr == 0)
            hal_idle_wait(); /* returns after an interrupt ran (maybe a wakeup) */
        hal_irq_enable();
        if (c->rq.nr)
            schedule();
    }
}
