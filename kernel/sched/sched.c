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
#include <kernel/pause.h>
#include <kernel/log.h>
#include <hal/user.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/pagetable.h>
#include <kernel/percpu.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>

/* Every thread, for `threads` and join-by-id; ids are never reused, so a
 * join of an id that is gone is reported as such rather than hitting a
 * stranger. */
static struct list_node all_threads = LIST_INIT(all_threads);
static struct spinlock threads_lock = SPINLOCK_INIT("threads");
static int next_id = 1;
static int have_timer; /* sched_timer_ready(): sleeping can rely on interrupts */

/* The CPUs that run threads (index -> its scheduler), and which of them sit
 * in their idle loop's wait with nothing queued: where wakeups go first. */
static struct sched_cpu *sched_cpus[SMP_MAX_CPUS];
static uint32_t cpu_mask;
static uint32_t idle_mask;

/* Each CPU's own, in its struct cpu: a CPU without a scheduler yet has no
 * current thread, so yielding or an interrupt's exit there does nothing. */
static struct sched_cpu cpu_scheds[SMP_MAX_CPUS];

struct sched_cpu *sched_cpu_storage(unsigned index) { return &cpu_scheds[index]; }

struct sched_cpu *this_cpu(void) { return cpu_this()->sched; }

/* Masked: a thread moved to another CPU between reading its CPU and that
 * CPU's current would name a stranger. */
struct thread *thread_current(void)
{
    irqflags_t f = hal_irq_save();
    struct thread *t = this_cpu()->current;
    hal_irq_restore(f);
    return t;
}

unsigned thread_cpu(void) { return cpu_this()->index; }

uint32_t sched_cpu_mask(void) { return __atomic_load_n(&cpu_mask, __ATOMIC_ACQUIRE); }

uint64_t sched_switches(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
        if (sched_cpus[i])
            n += sched_cpus[i]->switches;
    return n;
}

const char *thread_state_name(enum thread_state s)
{
    static const char *const names[] = {"ready", "running", "blocked", "sleeping", "dead"};
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static int allowed_on(const struct thread *t, const struct sched_cpu *c)
{
    return (t->affinity >> c->index) & 1;
}

/* Two CPUs' locks (one if the same), the lower index first: the only order
 * in which two are ever held. Interrupts masked by the caller. */
static void lock2(struct sched_cpu *a, struct sched_cpu *b)
{
    if (a == b) {
        spin_lock(&a->lock);
    } else if (a->index < b->index) {
        spin_lock(&a->lock);
        spin_lock(&b->lock);
    } else {
        spin_lock(&b->lock);
        spin_lock(&a->lock);
    }
}

static void unlock2(struct sched_cpu *a, struct sched_cpu *b)
{
    if (a != b)
        spin_unlock(&b->lock);
    spin_unlock(&a->lock);
}

/* Ask CPU @p c to look at its queue (the reschedule IPI). */
static void kick(struct sched_cpu *c) { smp_send_resched(c->index); }

/* Lowest set bit of @p m at or after @p from, wrapping; -1 for none. */
static int pick_bit(uint32_t m, unsigned from)
{
    if (!m)
        return -1;
    uint32_t hi = from < 32 ? m & ~((1u << from) - 1) : 0;
    return __builtin_ctz(hi ? hi : m);
}

/*
 * Where @p t should be made ready, given it belongs to @p c: @p c if it
 * may run there and @p c is idle; else an idle CPU it may run on (the
 * next one after @p c, so a burst of new threads spreads); else @p c if
 * allowed; else the allowed CPU with the fewest threads. Unlocked reads:
 * a heuristic, the caller locks what it picks.
 */
static struct sched_cpu *select_cpu(const struct thread *t, struct sched_cpu *c)
{
    uint32_t allowed = t->affinity & sched_cpu_mask();
    if (!allowed)
        return c; /* cannot happen for a mask thread_set_affinity() accepted */
    int here = (allowed >> c->index) & 1;
    uint32_t idle = __atomic_load_n(&idle_mask, __ATOMIC_RELAXED) & allowed;
    if (here && (idle >> c->index & 1))
        return c;
    int i = pick_bit(idle, c->index + 1);
    if (i >= 0)
        return sched_cpus[i];
    if (here)
        return c;
    struct sched_cpu *best = NULL;
    unsigned best_load = ~0u;
    for (uint32_t m = allowed; m; m &= m - 1) {
        struct sched_cpu *o = sched_cpus[__builtin_ctz(m)];
        unsigned load = o->rq.nr + (o->current != o->idle);
        if (load < best_load) {
            best = o;
            best_load = load;
        }
    }
    return best;
}

static void make_ready_locked(struct sched_cpu *c, struct thread *t);
static struct thread *take_waiting_locked(struct sched_cpu *from, struct sched_cpu *to);

/* Threads on @p c, running or waiting; a racy read, good for comparing. */
static unsigned load_of(const struct sched_cpu *c)
{
    return __atomic_load_n(&c->rq.nr, __ATOMIC_RELAXED) +
           (__atomic_load_n(&c->current, __ATOMIC_RELAXED) != c->idle);
}

/*
 * When every CPU is busy none idles, so none pulls (steal()): a CPU whose
 * time slice ends, which it has only when threads wait on it, compares
 * itself with the least loaded CPU and hands it one waiting thread that may
 * run there if it has two threads more. Pushing from the busy CPU, not
 * pulling from the quiet one, because a CPU running one thread alone is
 * tickless and would never look. One thread per slice: loads converge
 * without threads bouncing. On @p c itself, in its timer interrupt.
 */
static void balance(struct sched_cpu *c)
{
    unsigned mine = load_of(c), least = mine;
    struct sched_cpu *to = NULL;
    for (uint32_t m = sched_cpu_mask() & ~(1u << c->index); m; m &= m - 1) {
        struct sched_cpu *o = sched_cpus[__builtin_ctz(m)];
        unsigned l = load_of(o);
        if (l + 2 <= mine && l < least) {
            least = l;
            to = o;
        }
    }
    if (!to)
        return;
    lock2(c, to);
    struct thread *t = take_waiting_locked(c, to);
    if (t) {
        make_ready_locked(to, t); /* kicks it if the thread should run there now */
        c->pushes++;
    }
    unlock2(c, to);
}

static void slice_expired(struct ktimer *t, void *arg)
{
    (void)t;
    struct sched_cpu *c = arg;
    c->need_resched = 1;
    balance(c);
}

/* Runs in the thread switched to, with c->lock held: the previous thread's
 * stack is no longer in use from here on. */
static void finish_switch(struct sched_cpu *c)
{
    struct thread *prev = c->prev;
    __atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
    /* Moved to another CPU's queue while it still ran here (move_current):
     * that CPU may have passed it over for being on a CPU; tell it. */
    if (prev->cpu != c && prev->state == THREAD_READY)
        kick(prev->cpu);
}

/* A queued thread another CPU is still switching away from (it moved
 * itself here: move_current()) cannot run here yet. Waiting for it with
 * our lock held could deadlock against a thread moving the other way, so
 * reschedule() passes it over; its old CPU kicks us once it is off. */
static int can_run(const struct sched_entity *se, void *prev)
{
    const struct thread *t = container_of(se, struct thread, se);
    return t == prev || !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE);
}

/* On @p c itself, c->lock held: should the running thread give way? A
 * higher priority waiting switches at the next chance, an equal one gets a
 * turn after the current slice (armed now if the running thread was alone
 * and had none), and a running thread no longer allowed here leaves. */
static void check_preempt_locked(struct sched_cpu *c)
{
    int top = rq_top_prio(&c->rq);
    int urgent = top > c->current->se.prio ||
                 (c->current != c->idle && !allowed_on(c->current, c));
    if (urgent) {
        c->need_resched = 1;
        /* Outside a handler with interrupts masked (under some lock),
         * nobody would act on need_resched until the next interrupt, which
         * a thread running alone may never get: end the slice now, so the
         * switch happens as soon as interrupts are back on. (If the caller
         * switches first, reschedule() re-arms or cancels the slice.) Not
         * for the idle thread: its loop looks at the queue, interrupts
         * masked, before every wait, and the boot code that runs as it
         * before that loop yields to the threads it starts; the arm and
         * its cancel were more code for TCG to translate at boot, and on
         * x86_64 a timer interrupt the cancel came too late to stop. */
        if (have_timer && !irq_in_handler() && c->current != c->idle)
            ktimer_arm(&c->slice, 0);
    } else if (have_timer && top >= 0 && top == c->current->se.prio && !c->slice.armed &&
               !c->current->fifo) {
        ktimer_arm(&c->slice, hal_time_ns() + SCHED_SLICE_NS);
    }
}

/* @p c has work: out of idle_mask (a plain load first: the atomic
 * read-modify-write only when the bit is set, not on every switch). */
static inline void not_idle(struct sched_cpu *c)
{
    uint32_t bit = 1u << c->index;
    if (__atomic_load_n(&idle_mask, __ATOMIC_RELAXED) & bit)
        __atomic_fetch_and(&idle_mask, ~bit, __ATOMIC_RELAXED);
}

/* @p t waits in @p c's queue (c->lock held): if a CPU it may run on
 * idles, wake that one to pull it (steal()). The bit is cleared here so
 * the next waiting thread goes to another idle CPU. */
static void offer_work(struct sched_cpu *c, const struct thread *t)
{
    uint32_t idle = __atomic_load_n(&idle_mask, __ATOMIC_RELAXED) & t->affinity & ~(1u << c->index);
    int i = pick_bit(idle, c->index + 1);
    if (i < 0)
        return;
    __atomic_fetch_and(&idle_mask, ~(1u << i), __ATOMIC_RELAXED);
    kick(sched_cpus[i]);
}

/* Queue @p t as ready on @p c (c->lock held) and see that @p c notices:
 * decided here when @p c is this CPU, by the reschedule IPI otherwise
 * (only this CPU touches its own slice timer). */
static void make_ready_locked(struct sched_cpu *c, struct thread *t)
{
    t->state = THREAD_READY;
    rq_push(&c->rq, &t->se);
    not_idle(c); /* taken */
    if (c == this_cpu())
        check_preempt_locked(c);
    else if (t->se.prio >= c->current->se.prio)
        kick(c);
    if (c->current != c->idle && t->se.prio <= c->current->se.prio)
        offer_work(c, t); /* it waits behind the running thread */
}

/* Load @p as (NULL: no user space) on this CPU, under the ASID this CPU
 * keeps for it (kernel/asid.h): its entries from an earlier turn here stay
 * unless another space had the ASID since or it changed meanwhile. A
 * kernel thread runs under ASID 0, which no user space gets; where the CPU
 * has no ASIDs every user space is 0 too, so loading none drops them.
 * Interrupts masked. */
static void load_uspace(struct sched_cpu *c, struct vm_aspace *as)
{
    if (!c->asid_ready) {
        asid_cpu_init(&c->asid, hal_uspace_asids());
        c->asid_ready = 1;
    }
    c->user_as = as;
    if (!as) {
        hal_uspace_switch(0, 0, c->asid.nslots == 0);
        return;
    }
    c->user_gen = __atomic_load_n(&as->tlb_gen, __ATOMIC_ACQUIRE);
    uint64_t id = __atomic_load_n(&as->id, __ATOMIC_ACQUIRE);
    if (!id) { /* its first load anywhere: two CPUs may race to name it */
        uint64_t fresh = asid_new_space_id();
        id = __atomic_compare_exchange_n(&as->id, &id, fresh, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE) ? fresh : id;
    }
    int flush;
    unsigned asid = asid_pick(&c->asid, id, c->user_gen, &flush);
    hal_uspace_switch(as->root, asid, flush);
}

/*
 * Pick the next thread and switch to it. c->lock held, interrupts masked.
 * The current thread goes back to the ready queue only if it is still
 * RUNNING; blocking paths set its state first (and a thread moving to
 * another CPU is queued there already). Returns the CPU the caller runs
 * on afterwards, whose lock it then holds: the thread may resume anywhere.
 */
static struct sched_cpu *reschedule(struct sched_cpu *c)
{
    struct thread *prev = c->current;
    if (prev->state == THREAD_RUNNING) {
        prev->state = THREAD_READY;
        /* idle is never queued: it is the fallback. A FIFO thread that
         * did not yield keeps its place at the head of its priority: only
         * a higher one takes the CPU from it, never an equal one. */
        if (prev != c->idle && prev->fifo && !prev->yielding)
            rq_push_head(&c->rq, &prev->se);
        else if (prev != c->idle)
            rq_push(&c->rq, &prev->se);
    }
    struct sched_entity *se = rq_pop(&c->rq);
    if (se && !can_run(se, prev)) { /* rare: look further, it waits at the back */
        struct sched_entity *other = rq_find(&c->rq, can_run, prev);
        rq_push(&c->rq, se);
        se = other;
        if (se)
            rq_remove(&c->rq, se);
    }
    struct thread *next = se ? container_of(se, struct thread, se) : c->idle;
    c->need_resched = 0;
    next->state = THREAD_RUNNING;
    if (next != c->idle)
        not_idle(c);
    uint64_t now = hal_time_ns();
    /* Equals waiting: cut this turn after a slice. Alone: no tick at all.
     * A slice armed within the last tenth of a slice is kept rather than
     * moved, which spares yield-heavy threads a timer reprogram per switch
     * at the price of a turn 0-10% short. No slice before there is a
     * timer to end it (sched_timer_ready()): boot's first threads run
     * before the timer is set up, and arming it would program hardware
     * the arch has not brought up yet. */
    if (have_timer && c->rq.nr && rq_top_prio(&c->rq) >= next->se.prio && !next->fifo) {
        if (!c->slice.armed || c->slice.deadline < now + SCHED_SLICE_NS - SCHED_SLICE_NS / 10)
            ktimer_arm(&c->slice, now + SCHED_SLICE_NS);
    } else if (c->slice.armed) {
        ktimer_cancel(&c->slice);
    }
    if ((__atomic_load_n(&idle_mask, __ATOMIC_RELAXED) & ~(1u << c->index)) && prev != next &&
        prev->state == THREAD_READY && prev != c->idle && prev->cpu == c)
        offer_work(c, prev); /* preempted: it waits here now (tested cheapest first) */
    if (next == prev)
        return c;
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
    /* A kernel thread runs on the space the CPU has (lazy, as Linux's
     * kernel threads borrow the last mm): a switch from a program to the
     * network's thread and back loads no tables. Loaded again: another
     * space, or this one changed since (a single-threaded space is shot
     * down only where its thread runs, so this CPU may hold stale entries
     * of it). A borrowed space is dropped before its tables are freed
     * (unload_everywhere()), and never lent to a kernel thread that
     * copies to or from user memory (sched_drop_borrowed_user()). */
    if (next->user_as ? next->user_as != c->user_as ||
                            __atomic_load_n(&next->user_as->tlb_gen, __ATOMIC_ACQUIRE) != c->user_gen
                      : next->no_borrow && c->user_as)
        load_uspace(c, next->user_as);
    if (next->user_as)
        hal_user_kstack_set(next->user_kstack_top);
    /* A user thread's FP/SIMD and TLS registers: saved when it leaves (it
     * may resume on another CPU), loaded unless this CPU still has them
     * (nothing between used them: kernel threads never do). */
    if (prev->ustate)
        hal_ustate_save(prev->ustate);
    if (next->ustate && (c->ustate_owner != next || next->ustate_cpu != c->index)) {
        hal_ustate_load(next->ustate);
        c->ustate_owner = next;
        next->ustate_cpu = c->index;
    }
    hal_context_switch(&prev->sp, next->sp);
    /* Back in prev, maybe much later and on another CPU, with the lock the
     * switcher there held; our caller releases it. */
    c = this_cpu();
    finish_switch(c);
    return c;
}

/* The running thread may no longer run on @p c (its affinity changed):
 * queue it on a CPU it may use and switch away. c->lock not held,
 * interrupts masked; it resumes there. */
static void move_current(struct sched_cpu *c)
{
    struct thread *t = c->current;
    struct sched_cpu *d = select_cpu(t, c);
    lock2(c, d);
    if (allowed_on(t, c) || d == c) { /* allowed again meanwhile */
        unlock2(c, d);
        return;
    }
    t->cpu = d;
    make_ready_locked(d, t);
    spin_unlock(&d->lock);
    c = reschedule(c); /* t is READY: not queued here again */
    spin_unlock(&c->lock);
}

static void schedule(void)
{
    irqflags_t f = hal_irq_save();
    struct sched_cpu *c = this_cpu();
    if (c->current != c->idle && !allowed_on(c->current, c)) {
        move_current(c);
    } else {
        spin_lock(&c->lock);
        c = reschedule(c);
        spin_unlock(&c->lock);
    }
    hal_irq_restore(f);
}

void sched_set_user(struct vm_aspace *as, uintptr_t kstack_top)
{
    irqflags_t f = hal_irq_save();
    struct sched_cpu *c = this_cpu();
    struct thread *t = c->current;
    t->user_as = as;
    t->user_kstack_top = kstack_top;
    if (c->user_as != as)
        load_uspace(c, as);
    if (as)
        hal_user_kstack_set(kstack_top);
    hal_irq_restore(f);
}

void sched_drop_borrowed_user(void)
{
    irqflags_t f = hal_irq_save();
    struct sched_cpu *c = this_cpu();
    struct thread *t = c->current;
    if (t && !t->user_as) {
        t->no_borrow = 1;
        if (c->user_as)
            load_uspace(c, NULL);
    }
    hal_irq_restore(f);
}

/* On each CPU that has @p as loaded for a kernel thread (none of the
 * space's own threads is left: its tables are about to go). */
static void unload_here(void *arg)
{
    struct sched_cpu *c = this_cpu();
    if (c->user_as == arg && c->current->user_as != arg)
        load_uspace(c, NULL);
}

/* vm_set_unload()'s hook: only the CPUs that have the space are called
 * (this one directly, by smp_call()), not every CPU at every exit. One that
 * does not have it now cannot take it later: only a switch away from one
 * of its threads lends it. */
static void unload_everywhere(struct vm_aspace *as)
{
    for (unsigned i = 0; i < percpu_nslots; i++) {
        struct sched_cpu *c = percpu_cpus[i].sched;
        if (c && __atomic_load_n(&c->user_as, __ATOMIC_ACQUIRE) == as)
            smp_call(i, unload_here, as, 1);
    }
}

void sched_set_ustate(struct ustate *s)
{
    irqflags_t f = hal_irq_save();
    struct sched_cpu *c = this_cpu();
    struct thread *t = c->current;
    t->ustate = s;
    if (s) {
        hal_ustate_load(s);
        c->ustate_owner = t;
        t->ustate_cpu = c->index;
    } else if (c->ustate_owner == t) {
        c->ustate_owner = NULL;
    }
    hal_irq_restore(f);
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

/* A thread that holds block requests back (a plug) sends them before it
 * waits: what it waits for may be one of them, or wait for one. */
static void send_held(struct thread *t)
{
    if (t && t->plug)
        t->plug->flush(t->plug, 0);
}

void thread_yield(void)
{
    struct thread *t = this_cpu()->current;
    if (t) {
        send_held(t);
        t->yielding = 1; /* a FIFO thread too goes behind its equals */
        schedule();
        t->yielding = 0;
    }
}

void sched_resched_ipi(void)
{
    struct sched_cpu *c = this_cpu();
    if (!c->current)
        return;
    spin_lock(&c->lock);
    check_preempt_locked(c);
    spin_unlock(&c->lock);
}

/* Make @p t ready if it is blocked (or, without @p flag, sleeping), on the
 * CPU select_cpu() picks; with @p flag, set *flag under the same lock
 * sched_block() tests it under. A blocked or sleeping thread is off its CPU
 * (it held that CPU's lock until its switch was over), so it may move. */
static void wake(struct thread *t, volatile int *flag)
{
    irqflags_t f = hal_irq_save();
    for (;;) {
        struct sched_cpu *c = t->cpu;
        struct sched_cpu *d = select_cpu(t, c);
        lock2(c, d);
        if (t->cpu != c) {
            unlock2(c, d);
            continue;
        }
        if (flag)
            *flag = 1;
        if (t->state == THREAD_BLOCKED || (!flag && t->state == THREAD_SLEEPING)) {
            t->cpu = d;
            make_ready_locked(d, t);
        }
        unlock2(c, d);
        break;
    }
    hal_irq_restore(f);
}

void thread_wake(struct thread *t) { wake(t, NULL); }

void thread_wake_flag(struct thread *t, volatile int *flag) { wake(t, flag); }

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

/* Where @p t is about to block or sleep: its callers' return addresses from
 * the frame records on its own stack (every arch keeps frame pointers), for
 * `threads -v`, which a hang is read from. A few loads a wait; a record off
 * the thread's stack ends the walk. */
static void note_wait(struct thread *t)
{
    uintptr_t lo = (uintptr_t)t->stack, hi = lo + KSTACK_SIZE;
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    unsigned n = 0;
    while (t->stack && n < THREAD_WAIT_FRAMES && (fp & 7) == 0 && fp + ARCH_FRAME_RECORD_OFFSET >= lo &&
           fp + ARCH_FRAME_RECORD_OFFSET + 2 * sizeof(uintptr_t) <= hi) {
        const uintptr_t *rec = (const uintptr_t *)(fp + ARCH_FRAME_RECORD_OFFSET);
        t->waits_at[n++] = rec[1];
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
    if (n < THREAD_WAIT_FRAMES)
        t->waits_at[n] = 0;
}

void sched_block(volatile int *cancel)
{
    struct thread *self = thread_current();
    note_wait(self);
    send_held(self);
    if (self->se.prio == PRIO_IDLE) {
        idle_wait_until(flag_set, (const void *)cancel);
        return;
    }
    irqflags_t f = hal_irq_save();
    struct sched_cpu *c = this_cpu(); /* masked: the CPU cannot change under us */
    spin_lock(&c->lock);
    /* Loop: only the waker's flag ends the wait, not any thread_wake(). */
    while (!*cancel) {
        c->current->state = THREAD_BLOCKED;
        c = reschedule(c);
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
    struct thread *t = thread_current();
    if (ns == 0 || !t) {
        thread_yield();
        return;
    }
    note_wait(t);
    send_held(t);
    uint64_t deadline = hal_time_ns() + ns;
    if (!have_timer) {
        /* No timer interrupt would ever wake us: let others run meanwhile. */
        while (hal_time_ns() < deadline)
            thread_yield();
        return;
    }
    if (t->se.prio == PRIO_IDLE) {
        ktimer_arm(&t->timer, deadline); /* the interrupt ends hal_idle_wait() */
        idle_wait_until(time_reached, &deadline);
    } else {
        irqflags_t f = hal_irq_save();
        struct sched_cpu *c = this_cpu(); /* masked: the CPU cannot change under us */
        spin_lock(&c->lock);
        /* Armed under c->lock, the timer cannot fire before we are
         * switched out; looping makes any early wake harmless. */
        while (hal_time_ns() < deadline) {
            t->state = THREAD_SLEEPING;
            if (!t->timer.armed)
                ktimer_arm(&t->timer, deadline);
            c = reschedule(c);
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
    if (!(t->flags & THREAD_CALLER_MEMORY)) {
        vfree(t->stack);
        kfree(t);
    }
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

static int create_refused(const char *name, int prio, unsigned flags, const char *why,
                          uintptr_t caller)
{
    char who[KSYM_NAME_MAX];
    pr_warn("thread_create('%s', prio %d, flags %#x) from %s: %s", name ? name : "", prio, flags,
            ksym_name(caller, who, sizeof who), why);
    return -EINVAL;
}

/* @p t and @p stack are the caller's (thread_create_static()), or NULL:
 * allocated here. */
static int create(const char *name, thread_fn fn, void *arg, int prio, unsigned flags,
                  uint32_t affinity, uintptr_t caller, struct thread *t, void *stack)
{
    if (!fn || prio < PRIO_MIN || prio > PRIO_TOP ||
        (flags & ~(THREAD_DETACHED | THREAD_USER | THREAD_FIFO)))
        return create_refused(name, prio, flags,
                              !fn ? "no function"
                              : (flags & ~(THREAD_DETACHED | THREAD_USER)) ? "unknown flags"
                                                           : "priority out of range",
                              caller);
    struct sched_cpu *c = this_cpu();
    if (!c->current)
        return -EAGAIN;
    if (!(affinity & sched_cpu_mask()))
        return create_refused(name, prio, flags, "its affinity names no CPU that runs threads",
                              caller);
    reap_zombies();
    if (t) {
        flags |= THREAD_CALLER_MEMORY;
    } else {
        t = kmalloc(sizeof *t);
        stack = t ? kstack_alloc() : NULL;
        if (!stack) {
            kfree(t);
            return -ENOMEM;
        }
    }
    memset(t, 0, sizeof *t);
    strlcpy(t->name, name ? name : "thread", sizeof t->name);
    t->stack = stack;
    t->fn = fn;
    t->arg = arg;
    t->flags = flags;
    t->se.prio = prio;
    t->fifo = !!(flags & THREAD_FIFO);
    t->affinity = affinity;
    wq_init(&t->exit_wq, "join");
    ktimer_init(&t->timer, sleep_done, t);
    list_init(&t->zombie);
    t->sp = hal_context_init((uint8_t *)stack + KSTACK_SIZE - (flags & THREAD_USER ? THREAD_USER_RESERVE : 0),
                             thread_start, t);
    /* Its CPU before anyone can see it (`threads` reads t->cpu); nobody
     * can wake it before it is queued there below. */
    struct sched_cpu *d = select_cpu(t, c);
    t->cpu = d;

    irqflags_t f = spin_lock_irqsave(&threads_lock);
    int id = t->id = next_id++;
    list_add_tail(&all_threads, &t->all);
    spin_unlock_irqrestore(&threads_lock, f);

    f = hal_irq_save();
    spin_lock(&d->lock);
    make_ready_locked(d, t);
    spin_unlock(&d->lock);
    hal_irq_restore(f);
    sched_preempt_check();
    return id;
}

int thread_create(const char *name, thread_fn fn, void *arg, int prio, unsigned flags)
{
    struct thread *self = thread_current();
    return create(name, fn, arg, prio, flags, self ? self->affinity : ~0u,
                  (uintptr_t)__builtin_return_address(0), NULL, NULL);
}

int thread_create_on(const char *name, thread_fn fn, void *arg, int prio, unsigned flags,
                     uint32_t affinity)
{
    return create(name, fn, arg, prio, flags, affinity, (uintptr_t)__builtin_return_address(0),
                  NULL, NULL);
}

int thread_create_static(struct thread *t, void *stack, const char *name, thread_fn fn, void *arg,
                         int prio, unsigned flags)
{
    if (!t || !stack || ((uintptr_t)stack & (KSTACK_ALIGN - 1)))
        return create_refused(name, prio, flags, "no thread or stack, or a misaligned stack",
                              (uintptr_t)__builtin_return_address(0));
    struct thread *self = thread_current();
    return create(name, fn, arg, prio, flags, self ? self->affinity : ~0u,
                  (uintptr_t)__builtin_return_address(0), t, stack);
}

void thread_exit(int result)
{
    struct thread *t = thread_current();
    if (t->se.prio == PRIO_IDLE)
        panic("thread_exit() called by an idle thread");
    if (t->plug) /* a plug left active: what it holds still goes out */
        t->plug->flush(t->plug, 1);
    hal_irq_disable(); /* no preemption from here: the stack is ours until the switch */
    t->result = result;
    __atomic_store_n(&t->exited, 1, __ATOMIC_RELEASE);
    wq_wake_all(&t->exit_wq);
    struct sched_cpu *c = this_cpu(); /* no CPU change while masked */
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
    int err = 0, idle = t && t->se.prio == PRIO_IDLE;
    if (!t)
        err = -ESRCH;
    else if (t == self)
        err = -EDEADLK;
    else if (idle)
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
                : err == -EINVAL  ? (idle ? "an idle thread never exits" : "the thread is detached")
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

/* Unlocked reads of another CPU's thread: a snapshot, each field as it
 * was at some moment (threads_lock held, so @p t stays). */
static void snapshot(const struct thread *t, uint64_t now, struct thread_info *out)
{
    *out = (struct thread_info){t->id, {0}, t->state, t->se.prio, t->cpu_ns, t->switches, t->cpu->index,
                                t->affinity, {0}};
    memcpy(out->name, t->name, THREAD_NAME_MAX);
    if (out->state == THREAD_BLOCKED || out->state == THREAD_SLEEPING)
        memcpy(out->waits_at, t->waits_at, sizeof out->waits_at);
    uint64_t start = t->run_start;
    if (out->state == THREAD_RUNNING && now > start)
        out->cpu_ns += now - start;
}

unsigned thread_list(struct thread_info *out, unsigned max)
{
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    uint64_t now = hal_time_ns();
    list_for_each(node, &all_threads) {
        struct thread *t = container_of(node, struct thread, all);
        if (n < max)
            snapshot(t, now, &out[n]);
        n++;
    }
    spin_unlock_irqrestore(&threads_lock, f);
    return n;
}

int thread_info_of(int id, struct thread_info *out)
{
    int e = -ESRCH;
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    uint64_t now = hal_time_ns();
    list_for_each(node, &all_threads) {
        struct thread *t = container_of(node, struct thread, all);
        if (t->id == id) {
            snapshot(t, now, out);
            e = 0;
            break;
        }
    }
    spin_unlock_irqrestore(&threads_lock, f);
    return e;
}

int sched_cpu_info(unsigned index, struct sched_cpu_info *out)
{
    struct sched_cpu *c = index < SMP_MAX_CPUS ? sched_cpus[index] : NULL;
    if (!c)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&c->lock);
    struct thread *cur = c->current;
    uint64_t idle = c->idle->cpu_ns;
    if (cur == c->idle)
        idle += hal_time_ns() - cur->run_start;
    *out = (struct sched_cpu_info){1, cur->id, {0}, c->rq.nr, idle, c->start_ns, c->switches,
                                   c->steals, c->pushes};
    memcpy(out->current_name, cur->name, THREAD_NAME_MAX);
    spin_unlock_irqrestore(&c->lock, f);
    return 0;
}

int thread_set_affinity(int id, uint32_t mask)
{
    if (SMP_MAX_CPUS < 32)
        mask &= (1u << SMP_MAX_CPUS) - 1;
    if (!(mask & sched_cpu_mask()))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&threads_lock); /* keeps the thread from being freed */
    struct thread *t = find_thread(id);
    int err = !t || t->state == THREAD_DEAD || t->exited ? -ESRCH
              : t->se.prio == PRIO_IDLE                  ? -EINVAL
                                                         : 0;
    int self = t == thread_current();
    if (!err) {
        for (;;) {
            struct sched_cpu *c = t->cpu;
            t->affinity = mask; /* select_cpu() below goes by it */
            struct sched_cpu *d = select_cpu(t, c);
            lock2(c, d);
            if (t->cpu != c) {
                unlock2(c, d);
                continue;
            }
            t->affinity = mask;
            if (!allowed_on(t, c)) {
                if (t->state == THREAD_READY && t->se.queued) {
                    rq_remove(&c->rq, &t->se);
                    t->cpu = d;
                    make_ready_locked(d, t);
                } else if (t->state == THREAD_RUNNING && !self) {
                    kick(c); /* it leaves at that CPU's next schedule() */
                }
            }
            unlock2(c, d);
            break;
        }
    }
    spin_unlock_irqrestore(&threads_lock, f);
    if (err)
        return err;
    if (self && !allowed_on(t, this_cpu()))
        schedule(); /* move_current() */
    return 0;
}

uint64_t thread_cpu_time(struct thread *t)
{
    irqflags_t f = hal_irq_save();
    for (;;) {
        struct sched_cpu *c = t->cpu;
        spin_lock(&c->lock);
        if (t->cpu != c) { /* moved meanwhile */
            spin_unlock(&c->lock);
            continue;
        }
        uint64_t ns = t->cpu_ns;
        if (c->current == t) /* cpu_ns counts up to its last switch in */
            ns += hal_time_ns() - t->run_start;
        spin_unlock(&c->lock);
        hal_irq_restore(f);
        return ns;
    }
}

int thread_set_sched(int id, int prio, int fifo)
{
    if (prio < PRIO_MIN || prio > PRIO_TOP)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&threads_lock); /* keeps the thread from being freed */
    struct thread *t = find_thread(id);
    int err = !t || t->state == THREAD_DEAD || t->exited ? -ESRCH
              : t->se.prio == PRIO_IDLE                  ? -EINVAL
                                                         : 0;
    for (; !err;) {
        struct sched_cpu *c = t->cpu;
        spin_lock(&c->lock);
        if (t->cpu != c) { /* moved meanwhile */
            spin_unlock(&c->lock);
            continue;
        }
        t->fifo = fifo;
        if (t->se.queued && prio != t->se.prio) {
            /* As Linux: raised, at the back of its new priority; lowered,
             * at the front (it was ahead of all of them). */
            int lowered = prio < t->se.prio;
            rq_remove(&c->rq, &t->se);
            t->se.prio = prio;
            if (lowered)
                rq_push_head(&c->rq, &t->se);
            else
                rq_push(&c->rq, &t->se);
        } else {
            t->se.prio = prio;
        }
        if (c == this_cpu())
            check_preempt_locked(c);
        else
            kick(c);
        spin_unlock(&c->lock);
        break;
    }
    spin_unlock_irqrestore(&threads_lock, f);
    if (!err)
        sched_preempt_check(); /* the caller lowered itself, or raised another */
    return err;
}

/* This CPU's scheduler with the calling context as its idle thread @p t. */
static void cpu_sched_init(struct sched_cpu *c, int id, const char *name)
{
    struct thread *t = &c->idle_thread;
    spin_init(&c->lock, "sched");
    rq_init(&c->rq);
    list_init(&c->zombies);
    ktimer_init(&c->slice, slice_expired, c);
    c->index = cpu_this()->index;
    t->id = id;
    t->cpu = c;
    t->affinity = ~0u; /* inherited by the threads it creates; it never moves */
    strlcpy(t->name, name, sizeof t->name);
    t->se.prio = PRIO_IDLE;
    t->state = THREAD_RUNNING;
    t->on_cpu = 1;
    t->run_start = c->start_ns = hal_time_ns();
    wq_init(&t->exit_wq, "join");
    ktimer_init(&t->timer, sleep_done, t);
    list_init(&t->zombie);
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    list_add_tail(&all_threads, &t->all);
    spin_unlock_irqrestore(&threads_lock, f);
    c->idle = c->current = t;
    sched_cpus[c->index] = c;
    __atomic_fetch_or(&cpu_mask, 1u << c->index, __ATOMIC_RELEASE);
}

void sched_init(void)
{
    cpu_sched_init(this_cpu(), 0, "idle");
    irq_set_exit_hook(sched_irq_exit); /* a handler's wakeup preempts on the way out */
    pause_set_sleep(thread_sleep_ns);  /* the layers below sleep through it */
    vm_set_unload(unload_everywhere);  /* borrowed spaces, before their tables go */
}

void sched_cpu_start(void)
{
    char name[THREAD_NAME_MAX];
    ksnprintf(name, sizeof name, "idle%u", cpu_this()->index);
    irqflags_t f = spin_lock_irqsave(&threads_lock);
    int id = next_id++;
    spin_unlock_irqrestore(&threads_lock, f);
    cpu_sched_init(this_cpu(), id, name);
}

void sched_timer_ready(void) { have_timer = 1; }

static int stealable(const struct sched_entity *se, void *arg)
{
    return allowed_on(container_of(se, struct thread, se), arg);
}

/* The most urgent thread waiting on @p from that may run on @p to, taken
 * off @p from's queue and made @p to's; NULL if none. Both locks held. */
static struct thread *take_waiting_locked(struct sched_cpu *from, struct sched_cpu *to)
{
    struct sched_entity *se = rq_find(&from->rq, stealable, to);
    if (!se)
        return NULL;
    rq_remove(&from->rq, se);
    struct thread *t = container_of(se, struct thread, se);
    t->cpu = to;
    return t;
}

/* About to idle with nothing queued: take the most urgent waiting thread
 * that may run here from the CPU with the longest queue. Interrupts masked. */
static void steal(struct sched_cpu *c)
{
    struct sched_cpu *from = NULL;
    unsigned most = 0;
    for (uint32_t m = sched_cpu_mask() & ~(1u << c->index); m; m &= m - 1) {
        struct sched_cpu *o = sched_cpus[__builtin_ctz(m)];
        unsigned n = __atomic_load_n(&o->rq.nr, __ATOMIC_RELAXED);
        if (n > most) {
            most = n;
            from = o;
        }
    }
    if (!from)
        return;
    lock2(c, from);
    struct thread *t = take_waiting_locked(from, c);
    if (t) {
        t->state = THREAD_READY;
        rq_push(&c->rq, &t->se);
        c->steals++;
    }
    unlock2(c, from);
}

void sched_idle_loop(void)
{
    struct sched_cpu *c = this_cpu();
    uint32_t me = 1u << c->index;
    for (;;) {
        reap_zombies();
        hal_irq_disable();
        if (c->rq.nr == 0)
            steal(c);
        /* A thread that ran while this loop was preempted between
         * reap_zombies() and here may have died since: go round again
         * rather than sleep on its memory until the next interrupt.
         * Only this CPU adds to its list, and it is masked. */
        if (c->rq.nr == 0 && list_empty(&c->zombies)) {
            /* In idle_mask from here until a thread is queued here (or
             * this CPU switches to one): wakers send threads here and
             * kick; the kick's IPI ends the wait (or keeps it from
             * starting: hal_idle_wait() enables and waits atomically). */
            __atomic_fetch_or(&idle_mask, me, __ATOMIC_SEQ_CST);
            if (c->rq.nr == 0)
                hal_idle_wait(); /* returns after an interrupt ran (maybe a wakeup) */
        }
        hal_irq_enable();
        if (c->rq.nr)
            schedule();
    }
}
