/**
 * @file lockdep_tests.c
 * @brief The lock-order checker (lib/lockdep.c) driven directly, so it is
 *        tested in every preset, not only the -debug ones that wire it
 *        into spin_lock*().
 */
#include <hal/irq.h>
#include <kernel/ktest.h>
#include <kernel/lockdep.h>
#include <kernel/spinlock.h>

/* The checker driven directly (it is wired into spin_lock*() only in the
 * -debug presets): one order silently, the same again silently, the reverse
 * reported once, a cycle through a third class reported, a class nested in
 * itself ignored, every lock released; a lock taken with interrupts on
 * reported once; then the test's classes are
 * forgotten, so it runs again in the same boot with the same outcome. */
KTEST(lockdep_reports_inversions_once)
{
    static const char na[] = "kt-lockdep-a", nb[] = "kt-lockdep-b", nc[] = "kt-lockdep-c";
    struct spinlock a, b, c, a2;
    spin_init(&a, na);
    spin_init(&b, nb);
    spin_init(&c, nc);
    spin_init(&a2, na); /* the same class as a */
    KT_ASSERT(!lockdep_full());
    unsigned base = lockdep_reports();
    uintptr_t s1 = (uintptr_t)ktest_fn_lockdep_reports_inversions_once, s2 = s1 + 4;
    irqflags_t f = hal_irq_save(); /* as a lock is taken */
    lockdep_acquired(&a, s1);
    lockdep_acquired(&b, s2); /* a -> b */
    lockdep_released(&b);
    lockdep_released(&a);
    lockdep_acquired(&a, s1);
    lockdep_acquired(&b, s2); /* again: known */
    lockdep_released(&a);     /* out of order */
    lockdep_released(&b);
    unsigned after_same = lockdep_reports() - base;
    lockdep_acquired(&b, s2);
    lockdep_acquired(&a, s1); /* b -> a: the inversion */
    lockdep_released(&a);
    lockdep_released(&b);
    unsigned after_inversion = lockdep_reports() - base;
    lockdep_acquired(&b, s2);
    lockdep_acquired(&a, s1); /* reported once only */
    lockdep_released(&a);
    lockdep_released(&b);
    unsigned after_again = lockdep_reports() - base;
    lockdep_acquired(&b, s1);
    lockdep_acquired(&c, s2); /* b -> c */
    lockdep_released(&c);
    lockdep_released(&b);
    lockdep_acquired(&c, s1);
    lockdep_acquired(&a2, s2); /* c -> a: the cycle a -> b -> c -> a */
    lockdep_acquired(&a, s2);  /* a inside a2: the same class, ignored */
    lockdep_released(&a);
    lockdep_released(&a2);
    lockdep_released(&c);
    unsigned after_cycle = lockdep_reports() - base;
    hal_irq_restore(f);
    /* Taken with interrupts on: reported, once for the class. */
    hal_irq_enable();
    lockdep_acquired(&b, s1);
    lockdep_released(&b);
    unsigned after_irqs_on = lockdep_reports() - base;
    lockdep_acquired(&b, s1);
    lockdep_released(&b);
    unsigned after_irqs_on_again = lockdep_reports() - base;
    hal_irq_restore(f);
    lockdep_forget(na);
    lockdep_forget(nb);
    lockdep_forget(nc);
    KT_ASSERT(after_same == 0);
    KT_ASSERT(after_inversion == 1);
    KT_ASSERT(after_again == 1);
    KT_ASSERT(after_cycle == 2);
    KT_ASSERT(after_irqs_on == 3);
    KT_ASSERT(after_irqs_on_again == 3);
}
