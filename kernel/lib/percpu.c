/**
 * @file percpu.c
 * @brief The table of each CPU's own data (kernel/percpu.h), and the
 *        lookups of a slice in it that the layers below the scheduler make.
 */
#include <hal/irq.h>
#include <kernel/kernel.h>
#include <kernel/percpu.h>
#include <stddef.h>

struct cpu percpu_cpus[SMP_MAX_CPUS];
unsigned percpu_nslots = 1;

unsigned smp_cpu_slots(void) { return percpu_nslots; }

const struct cpu *smp_cpu(unsigned index) { return index < percpu_nslots ? &percpu_cpus[index] : NULL; }

struct ktimer_base *ktimer_base_this(void) { return &cpu_this()->timers; }

struct ktimer_base *ktimer_base_at(unsigned index)
{
    return index < percpu_nslots ? &percpu_cpus[index].timers : NULL;
}

struct kmalloc_cpu *kmalloc_cpu_at(unsigned index)
{
    return index < percpu_nslots ? &percpu_cpus[index].heap : NULL;
}

static void (*call_each_fn)(void (*fn)(void *arg), void *arg);

void cpu_set_call_each(void (*call_each)(void (*fn)(void *arg), void *arg))
{
    __atomic_store_n(&call_each_fn, call_each, __ATOMIC_RELEASE);
}

void cpu_call_each(void (*fn)(void *arg), void *arg)
{
    void (*each)(void (*)(void *), void *) = __atomic_load_n(&call_each_fn, __ATOMIC_ACQUIRE);
    if (each) {
        each(fn, arg);
        return;
    }
    irqflags_t f = hal_irq_save();
    fn(arg);
    hal_irq_restore(f);
}
