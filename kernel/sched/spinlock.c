/**
 * @file spinlock.c
 * @brief The contended path of spin_lock*(): spin, then report a deadlock.
 */
#include <kernel/kernel.h>
#include <kernel/spinlock.h>

/* Long enough for any real critical section on another CPU (seconds under
 * TCG), short enough that a self-deadlock is reported rather than a hang. */
#define SPIN_LIMIT (1ull << 28)

void spin_lock_slow(struct spinlock *l, uintptr_t caller)
{
    for (uint64_t i = 0; i < SPIN_LIMIT; i++) {
        while (l->locked && ++i < SPIN_LIMIT)
            hal_cpu_relax();
        if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
            return;
    }
    uintptr_t off1 = 0, off2 = 0;
    const char *me = ksym_lookup(caller, &off1), *holder = ksym_lookup(l->holder, &off2);
    panic("spinlock '%s' deadlock: wanted by %s+%#lx, held by %s+%#lx", l->name ? l->name : "?",
          me ? me : "?", (unsigned long)off1, holder ? holder : "?", (unsigned long)off2);
}
