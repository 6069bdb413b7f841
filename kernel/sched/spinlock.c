/**
 * @file spinlock.c
 * @brief The contended path of spin_lock*(): spin, then report a deadlock.
 */
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/spinlock.h>

/* Long enough for any real critical section on another CPU (seconds under
 * TCG), short enough that a self-deadlock is reported rather than a hang. */
#define SPIN_LIMIT (1ull << 28)

int spin_smp;

void spin_lock_slow(struct spinlock *l, uintptr_t caller)
{
    for (uint64_t i = 0; i < SPIN_LIMIT; i++) {
        while (l->locked && ++i < SPIN_LIMIT)
            hal_cpu_relax();
        if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
            return;
    }
    char me[KSYM_NAME_MAX], holder[KSYM_NAME_MAX];
    panic("spinlock '%s' deadlock: wanted by %s, held by %s", l->name ? l->name : "?",
          ksym_name(caller, me, sizeof me), ksym_name(l->holder, holder, sizeof holder));
}
