/**
 * @file spinlock.c
 * @brief The contended path of spin_lock*(): wait until the lock is free,
 *        claim the next release after a long wait, report a deadlock.
 *
 * The waiter reads the lock (a plain load, so the cache line stays shared
 * while it is held) and swaps only when it sees it free. After
 * SPIN_HANDOFF_NS it raises the hand-over flag if nobody else has (see
 * kernel/spinlock.h): from then on other CPUs leave the lock alone and this
 * one takes it as soon as it is released. The clock is read once every 64
 * spins, so the check costs nothing measurable next to the wait itself.
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/kernel.h>
#include <kernel/spinlock.h>

/* Long enough for any real critical section on another CPU (seconds under
 * TCG), short enough that a self-deadlock is reported rather than a hang. */
#define SPIN_LIMIT (1ull << 28)

int spin_smp;

/* Take @p l as the waiter that raised the hand-over flag: nobody else takes
 * it now, so this is a wait for the release. */
static int take_handed_over(struct spinlock *l)
{
    if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) ||
        __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        return 0;
    __atomic_store_n(&l->handoff, 0, __ATOMIC_RELAXED); /* we hold it: others may try again */
    return 1;
}

void spin_lock_slow(struct spinlock *l, uintptr_t caller)
{
    uint64_t since = 0;
    int raised = 0;
    for (uint64_t i = 0; i < SPIN_LIMIT; i++) {
        if (raised ? take_handed_over(l)
                   : !__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && spin_try_take(l))
            return;
        hal_cpu_relax();
        if (raised || !spin_smp || (i & 63) != 63)
            continue;
        uint64_t now = hal_time_ns(); /* 0 while the clock is not running yet */
        if (!now)
            continue;
        if (!since)
            since = now;
        else if (now - since > SPIN_HANDOFF_NS) {
            uint8_t none = 0;
            raised = __atomic_compare_exchange_n(&l->handoff, &none, 1, 0, __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED);
        }
    }
    char me[KSYM_NAME_MAX], holder[KSYM_NAME_MAX];
    panic("spinlock '%s' deadlock: wanted by %s, held by %s", l->name ? l->name : "?",
          ksym_name(caller, me, sizeof me), ksym_name(l->holder, holder, sizeof holder));
}
