/**
 * @file host_irq.c
 * @brief The host arch's interrupt flag and spinlock slow path, for unit
 *        tests of portable code that takes spinlocks (see arch/irqflags.h).
 */
#include <kernel/spinlock.h>
#include <stdio.h>
#include <stdlib.h>

int host_irq_on = 1;
int spin_smp; /* one thread: the kernel's single-CPU lock path */

/* Single-threaded tests: a held lock here is a self-deadlock in the code
 * under test, which the kernel would report the same way. */
void spin_lock_slow(struct spinlock *l, uintptr_t caller)
{
    fprintf(stderr, "spinlock '%s' deadlock: wanted from %#lx, held by %#lx\n",
            l->name ? l->name : "?", (unsigned long)caller, (unsigned long)l->holder);
    abort();
}
