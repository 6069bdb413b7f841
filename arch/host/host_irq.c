/**
 * @file host_irq.c
 * @brief The host arch's interrupt flag and spinlock slow path, for unit
 *        tests of portable code that takes spinlocks (see arch/irqflags.h).
 */
#include <arch/host_pages.h>
#include <kernel/errno.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <stdio.h>
#include <stdlib.h>

int host_irq_on = 1;

/* The per-CPU data portable code reaches through cpu_this(): CPU 0, and
 * more that a test can switch to (host_cpu_switch(), or smp_call(), which
 * runs the function "on" that CPU) to free on one and allocate on another. */
static struct cpu host_cpus[HOST_CPUS];
void *host_cpu_local = &host_cpus[0];
void hal_cpu_local_set(void *p) { host_cpu_local = p; }

__attribute__((constructor)) static void host_cpus_init(void)
{
    for (unsigned i = 0; i < HOST_CPUS; i++) {
        host_cpus[i].self = &host_cpus[i];
        host_cpus[i].index = i;
        host_cpus[i].state = CPU_ONLINE;
    }
}

unsigned host_cpu_switch(unsigned index)
{
    unsigned old = ((struct cpu *)host_cpu_local)->index;
    host_cpu_local = &host_cpus[index % HOST_CPUS];
    return old;
}

const struct cpu *smp_cpu(unsigned index) { return index < HOST_CPUS ? &host_cpus[index] : NULL; }

struct kmalloc_cpu *kmalloc_cpu_at(unsigned index)
{
    return index < HOST_CPUS ? &host_cpus[index].heap : NULL;
}

/* The fake CPUs in turn (no interrupt handlers on the host). */
void cpu_call_each(void (*fn)(void *arg), void *arg)
{
    if (!hal_irq_enabled()) {
        fn(arg);
        return;
    }
    for (unsigned i = 0; i < HOST_CPUS; i++)
        smp_call(i, fn, arg, 1);
}

int smp_call(unsigned index, void (*fn)(void *arg), void *arg, int wait)
{
    (void)wait;
    if (index >= HOST_CPUS || !fn)
        return -EINVAL;
    unsigned old = host_cpu_switch(index);
    irqflags_t f = hal_irq_save();
    fn(arg);
    hal_irq_restore(f);
    host_cpu_switch(old);
    return 0;
}
int spin_smp; /* one thread: the kernel's single-CPU lock path */

/* Single-threaded tests: a held lock here is a self-deadlock in the code
 * under test, which the kernel would report the same way. */
void spin_lock_slow(struct spinlock *l, uintptr_t caller)
{
    fprintf(stderr, "spinlock '%s' deadlock: wanted from %#lx, held by %#lx\n",
            l->name ? l->name : "?", (unsigned long)caller, (unsigned long)l->holder);
    abort();
}

/* ---- eBPF hooks and the clock, for portable code with hook sites ----
 * (kernel/irq/irq.c calls bpf_hook_active(), which reads bpf_hook_count;
 * nothing is ever attached in host tests). Weak, so a test or
 * arch/host/host_time.c can supply the real thing. */
#include <hal/timer.h>
#include <kernel/bpf_hook.h>

unsigned bpf_hook_count[BPF_HOOK_COUNT];

__attribute__((weak)) void bpf_hook_run(enum bpf_hook_id h, const void *ctx)
{
    (void)h, (void)ctx;
}

__attribute__((weak)) uint64_t hal_time_ns(void)
{
    return 0;
}
