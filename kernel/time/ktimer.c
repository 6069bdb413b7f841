/**
 * @file ktimer.c
 * @brief Kernel timers on the HAL's single one-shot deadline.
 *
 * A singly linked list sorted by (deadline, arming order): arming is O(n)
 * in the number of pending timers, firing the earliest is O(1). The HAL
 * deadline always tracks the list head.
 */
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktimer.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

static struct ktimer *head;
static uint64_t next_seq;
static unsigned pending;
static uint64_t last_latency;
static struct spinlock ktimer_lock = SPINLOCK_INIT("ktimer");
static int batch_warned;

#define KTIMER_BATCH 1000 /* callbacks run per interrupt at most */

static int before(const struct ktimer *a, const struct ktimer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void unlink_timer(struct ktimer *t)
{
    for (struct ktimer **pp = &head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            t->next = 0;
            t->armed = 0;
            pending--;
            return;
        }
}

static void program_hw(void)
{
    if (head)
        hal_timer_arm(head->deadline);
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
}

int ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    if (!t || !t->fn)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&ktimer_lock);
    struct ktimer *old_head = head;
    if (t->armed)
        unlink_timer(t);
    t->deadline = deadline_ns;
    t->seq = next_seq++;
    struct ktimer **pp = &head;
    while (*pp && !before(t, *pp))
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = 1;
    pending++;
    if (head != old_head || head == t)
        program_hw();
    spin_unlock_irqrestore(&ktimer_lock, f);
    return 0;
}

int ktimer_cancel(struct ktimer *t)
{
    irqflags_t f = spin_lock_irqsave(&ktimer_lock);
    int was = t->armed;
    if (was) {
        int was_head = head == t;
        unlink_timer(t);
        if (was_head)
            program_hw();
    }
    spin_unlock_irqrestore(&ktimer_lock, f);
    return was;
}

unsigned ktimer_pending(void) { return pending; }

uint64_t ktimer_last_latency_ns(void) { return last_latency; }

/* From the arch's timer interrupt, interrupts masked. The lock is dropped
 * around each callback so callbacks can arm and cancel timers. */
void ktimer_interrupt(void)
{
    uint64_t now = hal_time_ns();
    unsigned fired = 0;
    spin_lock(&ktimer_lock);
    if (head && now >= head->deadline)
        last_latency = now - head->deadline;
    while (head && head->deadline <= now) {
        /* A callback that keeps re-arming itself in the past would keep
         * this loop going with interrupts masked forever. Leave the rest
         * to the next interrupt (the deadline is past, so it comes at
         * once), which lets other interrupts and preemption in between. */
        if (++fired > KTIMER_BATCH) {
            if (!batch_warned) {
                batch_warned = 1;
                spin_unlock(&ktimer_lock);
                char who[KSYM_NAME_MAX];
                pr_warn("ktimer: more than %u callbacks due in one interrupt (%s re-arms in the "
                        "past?); deferring the rest", KTIMER_BATCH,
                        ksym_name((uintptr_t)head->fn, who, sizeof who));
                spin_lock(&ktimer_lock);
            }
            break;
        }
        struct ktimer *t = head;
        head = t->next;
        t->next = 0;
        t->armed = 0;
        pending--;
        spin_unlock(&ktimer_lock);
        t->fn(t, t->arg);
        spin_lock(&ktimer_lock);
        if (!head || head->deadline > now)
            now = hal_time_ns(); /* callbacks take time; catch what came due */
    }
    program_hw();
    spin_unlock(&ktimer_lock);
}
