/**
 * @file smp.c
 * @brief Bringing up the other CPUs (see kernel/smp.h), calls between CPUs
 *        by IPI, the x86_64 TLB shoot-down built on them, the `cpus`
 *        command and the ktests of all three.
 *
 * Slots are handed out in firmware order with the boot CPU in slot 0
 * wherever the firmware lists it. A CPU reports in by storing CPU_ONLINE
 * (release) after its own checks; the boot CPU polls with acquire loads, so
 * whatever the new CPU wrote before is visible once it is seen online.
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
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <kernel/vmalloc.h>

/* More than the kernel keeps: the rest are only counted and reported. */
#define ENUM_MAX 64

static int smp_done;

unsigned smp_cpus_online(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < percpu_nslots; i++)
        n += __atomic_load_n(&percpu_cpus[i].state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
    return n;
}

const char *cpu_state_name(int state)
{
    static const char *const names[] = {"absent", "starting", "online", "failed"};
    return state >= 0 && state <= CPU_FAILED ? names[state] : "?";
}

/* ---- stopping every CPU for a panic ---- */

static volatile int stop_owner = -1; /* the CPU that asked all others to stop, or -1 */

/* This CPU's index, or -1 before its per-CPU data is set (a panic that
 * early runs on the boot CPU with no other CPU started). */
static int this_index(void)
{
    return percpu_cpus[0].self == &percpu_cpus[0] ? (int)cpu_this()->index : -1;
}

__attribute__((noreturn)) static void stop_here(void)
{
    struct cpu *me = cpu_this();
    __atomic_store_n(&me->stopped, 1, __ATOMIC_RELEASE);
    hal_halt();
}

void smp_stop_if_asked(void)
{
    int owner = __atomic_load_n(&stop_owner, __ATOMIC_ACQUIRE);
    if (owner >= 0 && owner != this_index())
        stop_here();
}

int smp_stop_others(unsigned *left)
{
    int me = this_index(), none = -1;
    *left = 0;
    if (me < 0)
        return 0;
    if (!__atomic_compare_exchange_n(&stop_owner, &none, me, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return none == me ? 0 : -EBUSY;
    unsigned asked = 0;
    for (unsigned i = 0; i < percpu_nslots; i++) {
        struct cpu *c = &percpu_cpus[i];
        /* A CPU online without its interrupt controller part is parked in
         * hal_halt() already (smp_secondary_main()). */
        if ((int)i == me || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE || !c->irq_ready)
            continue;
        asked++;
        /* The NMI reaches a CPU spinning with interrupts masked; the IPI
         * is for platforms without one (GICv2). */
        if (hal_cpu_nmi(c->hwid) != 0)
            irq_send_ipi(c->hwid);
    }
    uint64_t deadline = hal_time_ns() + 100000000ull;
    unsigned stopped;
    do {
        stopped = 0;
        for (unsigned i = 0; i < percpu_nslots; i++)
            stopped += (int)i != me && __atomic_load_n(&percpu_cpus[i].stopped, __ATOMIC_ACQUIRE);
    } while (stopped < asked && hal_time_ns() < deadline);
    *left = asked - stopped;
    return (int)asked;
}

/* The IPI: run what was queued for this CPU, oldest first. A waiting
 * caller's call lives on its stack, so it is not touched after done. */
static void ipi_handler(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    smp_stop_if_asked();
    struct cpu *me = cpu_this();
    me->ipis++;
    if (__atomic_exchange_n(&me->resched, 0, __ATOMIC_ACQ_REL))
        sched_resched_ipi();
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&me->call_lock);
        struct smp_call *list = me->calls, *fifo = NULL;
        me->calls = NULL;
        spin_unlock_irqrestore(&me->call_lock, f);
        if (!list)
            return;
        while (list) { /* newest first -> oldest first */
            struct smp_call *next = list->next;
            list->next = fifo;
            fifo = list;
            list = next;
        }
        while (fifo) {
            struct smp_call *c = fifo;
            fifo = c->next;
            c->fn(c->arg);
            if (c->wait)
                __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
            else
                kfree(c);
        }
    }
}

void smp_secondary_main(void *arg)
{
    struct cpu *c = arg;
    c->seen_hwid = hal_cpu_id();
    c->seen_local = (uintptr_t)hal_cpu_local();
    c->irq_ready = irq_cpu_init() == 0;
    c->timer_err = c->irq_ready ? hal_timer_cpu_init() : -ENODEV;
    if (c->irq_ready && !c->timer_err) {
        sched_cpu_start();
        watchdog_cpu_start();
    }
    c->online_ns = hal_time_ns();
    __atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
    if (!c->irq_ready)
        hal_halt(); /* parked: nothing can reach it */
    if (!c->timer_err)
        sched_idle_loop();
    /* No timer: no threads, but IPIs and the calls they bring. */
    for (;;) {
        hal_irq_disable();
        hal_idle_wait();
        hal_irq_enable();
    }
}

void smp_send_resched(unsigned index)
{
    struct cpu *t = index < percpu_nslots ? &percpu_cpus[index] : NULL;
    if (!t || t == cpu_this() || !t->irq_ready)
        return;
    /* One IPI per request that found none pending; the handler clears the
     * flag before it looks, so a request after that look sends again. */
    if (!__atomic_exchange_n(&t->resched, 1, __ATOMIC_ACQ_REL) && irq_send_ipi(t->hwid) != 0)
        __atomic_store_n(&t->resched, 0, __ATOMIC_RELEASE); /* not sent: let the next one try */
}

void smp_call_each(void (*fn)(void *arg), void *arg)
{
    if (!hal_irq_enabled() || irq_in_handler()) {
        irqflags_t f = hal_irq_save();
        fn(arg);
        hal_irq_restore(f);
        return;
    }
    /* A CPU that is not online (-ENODEV) runs nothing, so has nothing to do. */
    for (unsigned i = 0; i < percpu_nslots; i++)
        smp_call(i, fn, arg, 1);
}

int smp_call(unsigned index, void (*fn)(void *arg), void *arg, int wait)
{
    if (index >= percpu_nslots || !fn)
        return -EINVAL;
    struct cpu *t = &percpu_cpus[index];
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
        return -ENODEV;
    if (t == cpu_this()) {
        irqflags_t f = hal_irq_save();
        fn(arg);
        hal_irq_restore(f);
        return 0;
    }
    if (!t->irq_ready)
        return -ENODEV;
    struct smp_call local, *c = wait ? &local : kmalloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = (struct smp_call){fn, arg, wait, 0, NULL};
    irqflags_t f = spin_lock_irqsave(&t->call_lock);
    c->next = t->calls;
    t->calls = c;
    spin_unlock_irqrestore(&t->call_lock, f);
    int err = irq_send_ipi(t->hwid);
    if (err) {
        /* Take it back if the CPU has not (an earlier IPI may have run it). */
        int found = 0;
        f = spin_lock_irqsave(&t->call_lock);
        for (struct smp_call **p = &t->calls; *p; p = &(*p)->next)
            if (*p == c) {
                *p = c->next;
                found = 1;
                break;
            }
        spin_unlock_irqrestore(&t->call_lock, f);
        if (found) {
            if (!wait)
                kfree(c);
            return err;
        }
    }
    if (!wait)
        return 0;
    /* A vCPU on a busy host can be off its host CPU for seconds: say so at
     * 5 s and go on waiting; only a CPU silent for a minute is taken as
     * dead (its stack slot could not be reclaimed). */
    uint64_t start = hal_time_ns();
    int warned = 0;
    while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
        uint64_t waited = hal_time_ns() - start;
        if (!warned && waited > 5000000000ull) {
            warned = 1;
            pr_warn("smp: cpu %u (id %#x) has not run a call for 5 s; still waiting", index, t->hwid);
        }
        if (waited > 60000000000ull)
            panic("smp: cpu %u (id %#x) did not run a call within 60 s", index, t->hwid);
        hal_cpu_relax();
    }
    return 0;
}

/* ---- holding the other CPUs still (smp_hold_others()) ---- */

static volatile int hold_busy;       /* one holder at a time */
static volatile uint64_t hold_gen;   /* the current hold's number */
static volatile uint64_t hold_freed; /* holds up to this number are over */
static volatile unsigned hold_arrived;

static void hold_spin(void *arg)
{
    uint64_t gen = (uintptr_t)arg;
    if (__atomic_load_n(&hold_gen, __ATOMIC_ACQUIRE) != gen)
        return; /* came after its hold timed out and ended */
    __atomic_fetch_add(&hold_arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&hold_freed, __ATOMIC_ACQUIRE) < gen)
        hal_cpu_relax();
}

void smp_hold_others(void (*fn)(void *arg), void *arg)
{
    if (smp_cpus_online() < 2 || !thread_current() || !hal_irq_enabled() || irq_in_handler()) {
        irqflags_t f = hal_irq_save();
        fn(arg);
        hal_irq_restore(f);
        return;
    }
    while (__atomic_exchange_n(&hold_busy, 1, __ATOMIC_ACQUIRE))
        thread_yield();
    /* Masked from here: a thread moved to another CPU would be held by its
     * own call there, and nobody would end the hold. */
    irqflags_t f = hal_irq_save();
    uint64_t gen = hold_gen + 1;
    __atomic_store_n(&hold_arrived, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&hold_gen, gen, __ATOMIC_RELEASE);
    unsigned me = cpu_this()->index, asked = 0;
    for (unsigned i = 0; i < percpu_nslots; i++)
        if (i != me && smp_call(i, hold_spin, (void *)(uintptr_t)gen, 0) == 0)
            asked++;
    uint64_t deadline = hal_time_ns() + 1000000000ull;
    while (__atomic_load_n(&hold_arrived, __ATOMIC_ACQUIRE) < asked && hal_time_ns() < deadline)
        hal_cpu_relax();
    fn(arg);
    __atomic_store_n(&hold_freed, gen, __ATOMIC_RELEASE);
    hal_irq_restore(f);
    __atomic_store_n(&hold_busy, 0, __ATOMIC_RELEASE);
}

struct flush_range {
    uintptr_t va;
    uint64_t size;
};

static void flush_here(void *arg)
{
    const struct flush_range *r = arg;
    hal_tlb_flush_range(r->va, r->size);
}

static volatile uint64_t shootdowns;

/* vm_unmap()/vm_protect() on a CPU whose TLB flush stays local: every other
 * CPU that takes IPIs flushes the range before the call returns, so no CPU
 * keeps translating through the old entry (or a freed table). */
static void tlb_shootdown(uintptr_t va, uint64_t size)
{
    struct flush_range r = {va & ~(uintptr_t)(PAGE_SIZE - 1), size};
    unsigned me = cpu_this()->index;
    for (unsigned i = 0; i < percpu_nslots; i++)
        if (i != me && percpu_cpus[i].state == CPU_ONLINE && percpu_cpus[i].irq_ready &&
            smp_call(i, flush_here, &r, 1) == 0)
            __atomic_fetch_add(&shootdowns, 1, __ATOMIC_RELAXED);
}

static void nothing(void *arg) { (void)arg; }

uint64_t smp_bench_ipi_roundtrip_ns(unsigned rounds)
{
    unsigned me = cpu_this()->index, to = me;
    for (unsigned i = 1; i < percpu_nslots && to == me; i++) {
        unsigned j = (me + i) % percpu_nslots;
        if (percpu_cpus[j].state == CPU_ONLINE && percpu_cpus[j].irq_ready)
            to = j;
    }
    if (to == me || rounds == 0)
        return 0;
    uint64_t t0 = hal_time_ns();
    for (unsigned i = 0; i < rounds; i++)
        smp_call(to, nothing, NULL, 1);
    return (hal_time_ns() - t0) / rounds;
}

/* Start the CPU in slot @p c and wait for it; 0 once it is online. */
static int start_one(struct cpu *c, const struct hal_cpu_desc *d)
{
    c->stack = kstack_alloc();
    if (!c->stack)
        return -ENOMEM;
    c->start_ns = hal_time_ns();
    __atomic_store_n(&c->state, CPU_STARTING, __ATOMIC_RELEASE);
    int err = hal_smp_start(d, (char *)c->stack + KSTACK_SIZE, c);
    if (err)
        return err;
    uint64_t deadline = c->start_ns + (uint64_t)SMP_START_TIMEOUT_MS * 1000000;
    while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE) {
        if (hal_time_ns() > deadline)
            return -ETIMEDOUT;
        thread_yield(); /* the shell and the rest of boot keep going meanwhile */
    }
    return 0;
}

static unsigned this_cpu_index(void) { return cpu_this()->index; }

static const struct debug_hooks panic_cpus = {
    .stop_others = smp_stop_others,
    .stop_if_asked = smp_stop_if_asked,
    .cpu_index = this_cpu_index,
};

void smp_early_init(void)
{
    struct cpu *boot = &percpu_cpus[0];
    if (boot->self == boot) { /* done (BSS is zero before the first call) */
        hal_cpu_local_set(boot);
        return;
    }
    boot->self = boot;
    boot->sched = sched_cpu_storage(0);
    boot->hwid = hal_cpu_id();
    boot->state = CPU_ONLINE;
    boot->method = "boot";
    spin_init(&boot->call_lock, "smp-call");
    ktimer_base_init(&boot->timers, 0);
    hal_cpu_local_set(boot);
    debug_set_cpu_hooks(&panic_cpus);
    cpu_set_call_each(smp_call_each);
}

void smp_init(void)
{
    if (smp_done)
        return;
    smp_done = 1;
    struct cpu *boot = &percpu_cpus[0];

    static struct hal_cpu_desc desc[ENUM_MAX];
    int n = hal_smp_enumerate(desc, ENUM_MAX);
    if (n < 0) {
        pr_warn("smp: no CPU table (%s); running on the boot CPU only", errno_name(n));
        return;
    }
    unsigned listed = (unsigned)n < ENUM_MAX ? (unsigned)n : ENUM_MAX, skipped = 0;
    int ipi = irq_ipi_number();
    if (listed > 1) {
        /* Started CPUs take locks (their call queues, the heap): atomic
         * swaps from now on, while no other CPU holds one. */
        spin_smp = 1;
        boot->irq_ready = ipi >= 0 && irq_register((unsigned)ipi, ipi_handler, NULL, "ipi") == 0;
        if (!boot->irq_ready)
            pr_warn("smp: no IPI handler; other CPUs will only park");
    }
    static unsigned pick[ENUM_MAX];
    unsigned npick = smp_plan(desc, listed, (unsigned)n, boot->hwid, SMP_MAX_CPUS - 1, pick, &skipped);
    for (unsigned k = 0; k < npick; k++) {
        const struct hal_cpu_desc *d = &desc[pick[k]];
        struct cpu *c = &percpu_cpus[percpu_nslots];
        memset(c, 0, sizeof *c);
        c->self = c;
        c->index = percpu_nslots;
        c->sched = sched_cpu_storage(c->index);
        c->hwid = d->hwid;
        c->method = d->method;
        spin_init(&c->call_lock, "smp-call");
        ktimer_base_init(&c->timers, c->index);
        percpu_nslots++;
        int err = start_one(c, d);
        if (err) {
            c->err = err;
            __atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
            /* A CPU that timed out may still arrive and run on its stack:
             * keep it. One the firmware refused never will. */
            if (err != -ETIMEDOUT && c->stack) {
                vfree(c->stack);
                c->stack = NULL;
            }
            pr_warn("smp: cpu %u (id %#x, %s) did not come up: %s", c->index, c->hwid, c->method,
                    err == -ETIMEDOUT ? "no answer within the start timeout" : errno_name(err));
        }
    }
    if (!ARCH_TLB_BROADCAST && smp_cpus_online() > 1)
        vm_set_shootdown(tlb_shootdown);
    if (skipped)
        pr_warn("smp: %u more %s than the kernel's limit of %d left off", skipped,
                skipped == 1 ? "CPU" : "CPUs", SMP_MAX_CPUS);
    if (percpu_nslots > 1 || n > 1)
        pr_info("smp: %u of %d CPUs online", smp_cpus_online(), n);
}
