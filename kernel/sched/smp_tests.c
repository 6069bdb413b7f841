/**
 * @file smp_tests.c
 * @brief The CPUs' own ids and data, calls between CPUs, and TLB
 *        shoot-down seen by every CPU (kernel/smp.h).
 */
#include <hal/cpu.h>
#include <hal/pte.h>
#include <hal/smp.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>

/* Every CPU that is online ran kernel code on its own: it read its own
 * hardware id (the one it was started as) and its per-CPU pointer (its own
 * slot). Slots are dense, ids distinct, the boot CPU is slot 0. */
KTEST(smp_cpus_report_their_own_id_and_data)
{
    KT_ASSERT(smp_cpu_slots() >= 1 && smp_cpu_slots() <= SMP_MAX_CPUS);
    KT_ASSERT(smp_cpu(0)->state == CPU_ONLINE && smp_cpu(0)->method && !strcmp(smp_cpu(0)->method, "boot"));
    unsigned online = 1;
    for (unsigned i = 1; i < smp_cpu_slots(); i++) {
        const struct cpu *c = smp_cpu(i);
        KT_ASSERT(c->index == i && c->self == c);
        for (unsigned j = 0; j < i; j++)
            KT_ASSERT(smp_cpu(j)->hwid != c->hwid);
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        KT_ASSERT(st == CPU_ONLINE || st == CPU_FAILED);
        if (st != CPU_ONLINE)
            continue;
        online++;
        KT_ASSERT(c->seen_hwid == c->hwid);
        KT_ASSERT(c->seen_local == (uintptr_t)c);
        KT_ASSERT(c->online_ns >= c->start_ns);
        KT_ASSERT(c->stack != NULL);
        /* Every CPU that came up with its timer runs threads. */
        KT_ASSERT(((sched_cpu_mask() >> i) & 1) == (c->irq_ready && c->timer_err == 0));
    }
    KT_ASSERT(online == smp_cpus_online());
    /* The test thread itself, moved to each CPU in turn, finds that CPU's
     * own id and data there (read with interrupts masked: no move between). */
    int self = thread_current()->id;
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        if (!((sched_cpu_mask() >> i) & 1))
            continue;
        KT_ASSERT(thread_set_affinity(self, 1u << i) == 0);
        irqflags_t f = hal_irq_save();
        uint32_t id = hal_cpu_id();
        void *local = hal_cpu_local();
        unsigned at = thread_cpu();
        hal_irq_restore(f);
        KT_ASSERT(at == i && id == smp_cpu(i)->hwid && local == smp_cpu(i));
    }
}

struct where {
    uint32_t hwid;
    uintptr_t local;
    int in_irq;
};

static void whoami(void *arg)
{
    struct where *w = arg;
    w->hwid = hal_cpu_id();
    w->local = (uintptr_t)hal_cpu_local();
    w->in_irq = irq_in_handler();
}

static volatile unsigned async_runs;

static void count_run(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&async_runs, 1, __ATOMIC_RELAXED);
}

/* Calls reach every online CPU: synchronously (the function ran there, in
 * its interrupt context, before smp_call returns: it read that CPU's id
 * and per-CPU data) and asynchronously (100 calls to each CPU all run; an
 * IPI may carry several). On the caller's own CPU the call runs at once.
 * Bad slots are refused. With one CPU only the local and bad cases run. */
KTEST(smp_calls_run_on_every_cpu)
{
    enum { ASYNC = 100 };
    unsigned others = 0;
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        const struct cpu *c = smp_cpu(i);
        if (c->state != CPU_ONLINE || (i != cpu_this()->index && !c->irq_ready))
            continue;
        struct where w = {0, 0, -1};
        uint64_t ipis = c->ipis;
        KT_ASSERT(smp_call(i, whoami, &w, 1) == 0);
        KT_ASSERT(w.hwid == c->hwid && w.local == (uintptr_t)c);
        if (i == cpu_this()->index) {
            KT_ASSERT(w.in_irq == 0);
            continue;
        }
        others++;
        KT_ASSERT(w.in_irq == 1);
        KT_ASSERT(c->ipis > ipis);
        async_runs = 0;
        for (unsigned k = 0; k < ASYNC; k++)
            KT_ASSERT(smp_call(i, count_run, NULL, 0) == 0);
        uint64_t deadline = hal_time_ns() + 2000000000ull;
        while (__atomic_load_n(&async_runs, __ATOMIC_RELAXED) < ASYNC && hal_time_ns() < deadline)
            hal_cpu_relax();
        KT_ASSERT(async_runs == ASYNC);
    }
    KT_ASSERT(others + 1 == smp_cpus_online() || others == 0);
    KT_ASSERT(smp_call(SMP_MAX_CPUS, whoami, NULL, 1) == -EINVAL);
    KT_ASSERT(smp_call(0, NULL, NULL, 1) == -EINVAL);
}

struct peek {
    const volatile uint64_t *p;
    uint64_t v;
};

static void peek_here(void *arg)
{
    struct peek *k = arg;
    k->v = *k->p;
}

/* A page remapped on this CPU is seen remapped on every other: each other
 * CPU reads the old page through a vmalloc address (so its TLB holds that
 * translation), then the address is pointed at another page and each must
 * read the new contents. A CPU kept stale by a local-only flush (x86_64
 * invlpg without the IPI shoot-down) reads the old value. The area gets its
 * own page back before it is freed. */
KTEST(smp_remapped_page_seen_by_every_cpu)
{
    struct vm_aspace *as = vm_kernel_aspace();
    volatile uint64_t *p = vmalloc(PAGE_SIZE);
    uint64_t alt = pmm_alloc(0);
    KT_ASSERT(p && alt);
    uint64_t own;
    KT_ASSERT(vm_translate(as, (uintptr_t)p, &own, NULL) == 0);
    *p = 0x01d01d01d01d01d0ull;
    *(volatile uint64_t *)hal_phys_to_virt(alt) = 0x2e3e3e3e3e3e3e3eull;
    int stale = 0, asked = 0;
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        struct peek k = {p, 0};
        if (i == cpu_this()->index || smp_call(i, peek_here, &k, 1) != 0)
            continue;
        asked++;
        stale |= k.v != 0x01d01d01d01d01d0ull;
    }
    int remapped = vm_unmap(as, (uintptr_t)p, PAGE_SIZE) == 0 &&
                   vm_map(as, (uintptr_t)p, alt, PAGE_SIZE, MMU_WRITE) == 0;
    unsigned seen_new = 0;
    for (unsigned i = 0; i < smp_cpu_slots(); i++) {
        struct peek k = {p, 0};
        if (i == cpu_this()->index || smp_call(i, peek_here, &k, 1) != 0)
            continue;
        seen_new += k.v == 0x2e3e3e3e3e3e3e3eull;
    }
    int local_new = *p == 0x2e3e3e3e3e3e3e3eull;
    int restored = vm_unmap(as, (uintptr_t)p, PAGE_SIZE) == 0 &&
                   vm_map(as, (uintptr_t)p, own, PAGE_SIZE, MMU_WRITE) == 0;
    vfree((void *)p);
    pmm_free(alt, 0);
    KT_ASSERT(!stale && remapped && restored && local_new);
    KT_ASSERT(seen_new == (unsigned)asked);
}
