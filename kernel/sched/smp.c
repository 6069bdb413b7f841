/**
 * @file smp.c
 * @brief Bringing up the other CPUs (see kernel/smp.h), the `cpus` command
 *        and its ktest.
 *
 * Slots are handed out in firmware order with the boot CPU in slot 0
 * wherever the firmware lists it. A CPU reports in by storing CPU_ONLINE
 * (release) after its own checks; the boot CPU polls with acquire loads, so
 * whatever the new CPU wrote before is visible once it is seen online.
 */
#include <hal/cpu.h>
#include <hal/smp.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

/* More than the kernel keeps: the rest are only counted and reported. */
#define ENUM_MAX 64

static struct cpu cpus[SMP_MAX_CPUS];
static unsigned nslots = 1;
static int smp_done;

unsigned smp_cpu_slots(void) { return nslots; }

const struct cpu *smp_cpu(unsigned index) { return index < nslots ? &cpus[index] : NULL; }

unsigned smp_cpus_online(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nslots; i++)
        n += __atomic_load_n(&cpus[i].state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
    return n;
}

const char *cpu_state_name(int state)
{
    static const char *const names[] = {"absent", "starting", "online", "failed"};
    return state >= 0 && state <= CPU_FAILED ? names[state] : "?";
}

void smp_secondary_main(void *arg)
{
    struct cpu *c = arg;
    c->seen_hwid = hal_cpu_id();
    c->seen_local = (uintptr_t)hal_cpu_local();
    c->online_ns = hal_time_ns();
    __atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
    /* Parked: nothing is routed to this CPU yet, and it takes no lock, so
     * the one-CPU spinlocks stay correct (kernel/smp.h). */
    hal_halt();
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

void smp_init(void)
{
    if (smp_done)
        return;
    smp_done = 1;
    struct cpu *boot = &cpus[0];
    boot->self = boot;
    boot->hwid = hal_cpu_id();
    boot->state = CPU_ONLINE;
    boot->method = "boot";
    hal_cpu_local_set(boot);

    static struct hal_cpu_desc desc[ENUM_MAX];
    int n = hal_smp_enumerate(desc, ENUM_MAX);
    if (n < 0) {
        pr_warn("smp: no CPU table (%s); running on the boot CPU only", errno_name(n));
        return;
    }
    unsigned listed = (unsigned)n < ENUM_MAX ? (unsigned)n : ENUM_MAX, skipped = 0;
    for (unsigned i = 0; i < listed; i++) {
        const struct hal_cpu_desc *d = &desc[i];
        if (d->hwid == boot->hwid)
            continue;
        int dup = 0;
        for (unsigned j = 0; j < i; j++)
            dup |= desc[j].hwid == d->hwid;
        if (dup) {
            pr_warn("smp: cpu %#x listed twice; the second entry is ignored", d->hwid);
            continue;
        }
        if (!d->method) {
            pr_warn("smp: cpu %#x cannot be started: %s", d->hwid, d->why ? d->why : "no method");
            continue;
        }
        if (nslots == SMP_MAX_CPUS) {
            skipped++;
            continue;
        }
        struct cpu *c = &cpus[nslots];
        *c = (struct cpu){.self = c, .index = nslots, .hwid = d->hwid, .method = d->method};
        nslots++;
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
    if ((unsigned)n > listed)
        skipped += (unsigned)n - listed;
    if (skipped)
        pr_warn("smp: %u more %s than the kernel's limit of %d left off", skipped,
                skipped == 1 ? "CPU" : "CPUs", SMP_MAX_CPUS);
    if (nslots > 1 || n > 1)
        pr_info("smp: %u of %d CPUs online", smp_cpus_online(), n);
}

static int cmd_cpus(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    kprintf("  cpu  hwid        state     started by  up after\n");
    for (unsigned i = 0; i < nslots; i++) {
        const struct cpu *c = &cpus[i];
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        kprintf("  %3u  %#-10x  %-8s  %-10s  ", c->index, c->hwid, cpu_state_name(st), c->method);
        if (i == 0)
            kprintf("(boot CPU, runs the scheduler)\n");
        else if (st == CPU_ONLINE)
            kprintf("%lu us (parked: no threads on it yet)\n",
                    (unsigned long)((c->online_ns - c->start_ns) / 1000));
        else if (st == CPU_FAILED)
            kprintf("%s\n", c->err == -ETIMEDOUT ? "timed out" : errno_name(c->err));
        else
            kprintf("-\n");
    }
    kprintf("%u of %u CPUs online\n", smp_cpus_online(), nslots);
    return 0;
}
SHELL_COMMAND("cpus", "cpus", "each CPU: index, hardware id, state, how it was started", cmd_cpus);

/* Every CPU that is online ran kernel code on its own: it read its own
 * hardware id (the one it was started as) and its per-CPU pointer (its own
 * slot). Slots are dense, ids distinct, the boot CPU is slot 0. */
KTEST(smp_cpus_report_their_own_id_and_data)
{
    KT_ASSERT(nslots >= 1 && nslots <= SMP_MAX_CPUS);
    KT_ASSERT(cpus[0].state == CPU_ONLINE && cpus[0].hwid == hal_cpu_id());
    KT_ASSERT(hal_cpu_local() == &cpus[0]); /* the tests run on the boot CPU */
    unsigned online = 1;
    for (unsigned i = 1; i < nslots; i++) {
        const struct cpu *c = &cpus[i];
        KT_ASSERT(c->index == i && c->self == c);
        for (unsigned j = 0; j < i; j++)
            KT_ASSERT(cpus[j].hwid != c->hwid);
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        KT_ASSERT(st == CPU_ONLINE || st == CPU_FAILED);
        if (st != CPU_ONLINE)
            continue;
        online++;
        KT_ASSERT(c->seen_hwid == c->hwid);
        KT_ASSERT(c->seen_local == (uintptr_t)c);
        KT_ASSERT(c->online_ns >= c->start_ns);
        KT_ASSERT(c->stack != NULL);
    }
    KT_ASSERT(online == smp_cpus_online());
}
