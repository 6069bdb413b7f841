/**
 * @file ktimer.c
 * @brief Kernel timers on each CPU's one-shot HAL deadline.
 *
 * Each CPU has a singly linked list sorted by (deadline, arming order):
 * arming is O(n) in the number of timers pending on that CPU, firing the
 * earliest is O(1). A CPU's HAL deadline tracks its own list head; a timer
 * cancelled from another CPU leaves that deadline where it was, and the
 * early interrupt it gives finds nothing due and re-arms for the new head.
 *
 * Locking: a timer belongs to the queue named by its base, and its fields
 * change only under that queue's lock. Moving a timer between queues takes
 * both locks, the lower CPU index first. The lock is dropped around each
 * callback; `running` says which timer's callback is out, so a cancel from
 * another CPU can wait for it.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

static int batch_warned;

#define KTIMER_BATCH 1000 /* callbacks run per interrupt at most */

void ktimer_base_init(struct ktimer_base *b, unsigned index)
{
    spin_init(&b->lock, "ktimer");
    b->head = NULL;
    b->next_seq = 0;
    b->pending = 0;
    b->running = NULL;
    b->last_latency = 0;
    b->index = index;
}

static int before(const struct ktimer *a, const struct ktimer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void unlink_timer(struct ktimer_base *b, struct ktimer *t)
{
    for (struct ktimer **pp = &b->head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            t->next = 0;
            t->armed = 0;
            b->pending--;
            return;
        }
}

/* This CPU's deadline for its own queue @p b. */
static void program_hw(struct ktimer_base *b)
{
    if (b->head)
        hal_timer_arm(b->head->deadline);
    else
        hal_timer_disarm();
}

void ktimer_init(struct ktimer *t, ktimer_fn fn, void *arg)
{
    t->next = 0;
    t->deadline = 0;
    t->seq = 0;
    t->fn = fn;
    t->arg = arg;
    t->armed = 0;
    t->base = NULL;
}

/* Lock the queue @p t belongs to (none yet: NULL, nothing locked), with
 * interrupts masked by the caller. Loops while another CPU moves it. */
static struct ktimer_base *lock_base_of(struct ktimer *t)
{
    for (;;) {
        struct ktimer_base *b = t->base;
        if (!b)
            return NULL;
        spin_lock(&b->lock);
        if (t->base == b)
            return b;
        spin_unlock(&b->lock);
    }
}

int ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    if (!t || !t->fn)
        return -EINVAL;
    irqflags_t f = hal_irq_save();
    struct ktimer_base *me = ktimer_base_this(), *old;
    for (;;) {
        old = t->base;
        if (!old || old == me) {
            spin_lock(&me->lock);
        } else { /* armed on another CPU last: both queues, lower index first */
            struct ktimer_base *lo = old->index < me->index ? old : me;
            spin_lock(&lo->lock);
            spin_lock(lo == me ? &old->lock : &me->lock);
        }
        if (t->base == old)
            break;
        if (old && old != me)
            spin_unlock(&old->lock);
        spin_unlock(&me->lock);
    }
    struct ktimer *old_head = me->head;
    if (t->armed)
        unlink_timer(old, t); /* old is set whenever armed */
    if (old && old != me)
        spin_unlock(&old->lock);
    t->base = me;
    t->deadline = deadline_ns;
    t->seq = me->next_seq++;
    struct ktimer **pp = &me->head;
    while (*pp && !before(t, *pp))
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = 1;
    me->pending++;
    if (me->head != old_head || me->head == t)
        program_hw(me);
    spin_unlock(&me->lock);
    hal_irq_restore(f);
    return 0;
}

int ktimer_cancel(struct ktimer *t)
{
    irqflags_t f = hal_irq_save();
    struct ktimer_base *b = lock_base_of(t);
    if (!b) {
        hal_irq_restore(f);
        return 0;
    }
    int was = t->armed;
    if (was) {
        int was_head = b->head == t;
        unlink_timer(b, t);
        if (was_head && b == ktimer_base_this())
            program_hw(b);
    }
    int wait = b->running == t && b != ktimer_base_this();
    spin_unlock(&b->lock);
    hal_irq_restore(f);
    /* Its callback is out on another CPU: wait until it returned. (If
     * the callback re-arms the timer after our look, it stays armed, as an
     * arm that follows a cancel does.) */
    while (wait && __atomic_load_n(&b->running, __ATOMIC_ACQUIRE) == t)
        hal_cpu_relax();
    return was;
}

unsigned ktimer_pending(void)
{
    unsigned n = 0;
    struct ktimer_base *b;
    for (unsigned i = 0; (b = ktimer_base_at(i)) != NULL; i++)
        n += __atomic_load_n(&b->pending, __ATOMIC_RELAXED);
    return n;
}

uint64_t ktimer_last_latency_ns(void) { return ktimer_base_this()->last_latency; }

/* From the arch's timer interrupt, interrupts masked. The lock is dropped
 * around each callback so callbacks can arm and cancel timers. */
void ktimer_interrupt(void)
{
    struct ktimer_base *b = ktimer_base_this();
    uint64_t now = hal_time_ns();
    unsigned fired = 0;
    spin_lock(&b->lock);
    if (b->head && now >= b->head->deadline)
        b->last_latency = now - b->head->deadline;
    while (b->head && b->head->deadline <= now) {
        /* A callback that keeps re-arming itself in the past would keep
         * this loop going with interrupts masked forever. Leave the rest
         * to the next interrupt (the deadline is past, so it comes at
         * once), which lets other interrupts and preemption in between. */
        if (++fired > KTIMER_BATCH) {
            if (!batch_warned) {
                batch_warned = 1;
                ktimer_fn fn = b->head->fn;
                spin_unlock(&b->lock);
                char who[KSYM_NAME_MAX];
                pr_warn("ktimer: more than %u callbacks due in one interrupt (%s re-arms in the "
                        "past?); deferring the rest", KTIMER_BATCH,
                        ksym_name((uintptr_t)fn, who, sizeof who));
                spin_lock(&b->lock);
            }
            break;
        }
        struct ktimer *t = b->head;
        b->head = t->next;
        t->next = 0;
        t->armed = 0;
        b->pending--;
        b->running = t;
        spin_unlock(&b->lock);
        t->fn(t, t->arg);
        spin_lock(&b->lock);
        __atomic_store_n(&b->running, NULL, __ATOMIC_RELEASE);
        if (!b->head || b->head->deadline > now)
            now = hal_time_ns(); /* callbacks take time; catch what came due */
    }
    program_hw(b);
    spin_unlock(&b->lock);
}
