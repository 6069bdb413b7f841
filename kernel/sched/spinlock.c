/**
 * @file spinlock.c
 * @brief The contended path of spin_lock*(): wait for our ticket, then
 *        report a deadlock.
 */
#include <hal/cpu.h>
#include <kernel/kernel.h>
#include <kernel/spinlock.h>

/* Long enough for any real critical section on another CPU (seconds under
 * TCG), short enough that a self-deadlock is reported rather than a hang. */
#define SPIN_LIMIT (1ull << 28)

int spin_smp;

void spin_lock_slow(struct spinlock *l, uint16_t ticket, uintptr_t caller)
{
    for (uint64_t i = 0; i < SPIN_LIMIT; i++) {
        if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == ticket)
            return;
        hal_cpu_relax();
    }
    char me[KSYM_NAME_MAX], holder[KSYM_NAME_MAX];
    panic("spinlock '%s' deadlock: wanted by %s, held by %s (ticket %u, serving %u)",
          l->name ? l->name : "?", ksym_name(caller, me, sizeof me),
          ksym_name(l->holder, holder, sizeof holder), ticket, l->owner);
}
