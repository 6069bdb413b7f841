/**
 * @file test_irq.c
 * @brief The portable interrupt table (kernel/irq/irq.c) against a fake
 *        controller: registration and its bad arguments, unmask on
 *        register, handlers run and counted, an interrupt without a handler
 *        masked and warned about once, spurious counts, controllers that
 *        register after their drivers (unmask and trigger applied late),
 *        overlapping controllers refused, statistics; interrupt affinity
 *        (routes, per-CPU numbers, MSI messages handed to the device's
 *        writer, refusals that keep the old route).
 */
#include "check.h"
#include <stdlib.h>
#include "log_capture.h" /* klog(), log_reset(), log_has() */
#include <kernel/irq.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <arch/host_pages.h>

/* What irq.c needs from the rest of the kernel. */
void sched_irq_exit(void) {}
static int mirror_polls;
void kprintf_mirror_poll(void) { mirror_polls++; }
const char *ksym_name(uintptr_t addr, char *buf, size_t size)
{
    snprintf(buf, size, "%#lx", (unsigned long)addr);
    return buf;
}

/* The heap: counted, so the test sees chunks past the boot pool come from it. */
static int heap_allocs;
void *kzalloc(size_t size)
{
    heap_allocs++;
    return calloc(1, size);
}
void kfree(void *p) { free(p); }

/* A fake controller: records what it was told per interrupt. */
static int masked[IRQ_NR_MAX], trigger[IRQ_NR_MAX], unmasks, configures;
static void fake_mask(const struct irq_chip *c, unsigned irq) { (void)c; masked[irq] = 1; }
static void fake_unmask(const struct irq_chip *c, unsigned irq)
{
    (void)c;
    masked[irq] = 0;
    unmasks++;
}
static int fake_configure(const struct irq_chip *c, unsigned irq, enum irq_trigger t)
{
    (void)c;
    configures++;
    if (irq == 5 && t == IRQ_TRIGGER_LEVEL)
        return -EINVAL; /* "this one is edge only" */
    trigger[irq] = (int)t;
    return 0;
}
static const struct irq_chip chip_a = {.name = "fake-a", .mask = fake_mask, .unmask = fake_unmask,
                                       .configure = fake_configure};
static int raised;
static int fake_raise(const struct irq_chip *c, unsigned irq)
{
    (void)c;
    if (irq != 8200)
        return -EINVAL;
    raised++;
    return 0;
}
/* An LPI-like controller far up the number space. */
static const struct irq_chip chip_lpi = {.name = "fake-lpi", .mask = fake_mask, .unmask = fake_unmask,
                                         .raise = fake_raise};
static const struct irq_chip chip_b = {.name = "fake-b", .mask = fake_mask, .unmask = fake_unmask};

static int runs[IRQ_NR_MAX];
static void *seen_arg;
static void handler(unsigned irq, void *arg)
{
    runs[irq]++;
    seen_arg = arg;
    CHECK(irq_in_handler());
}

static const struct irq_stat *stat_of(unsigned irq)
{
    static struct irq_stat st[64];
    unsigned n = irq_stats(st, 64);
    for (unsigned i = 0; i < n && i < 64; i++)
        if (st[i].irq == irq)
            return &st[i];
    return NULL;
}

/* A routing controller: 64-67 per-CPU, 68-79 routable; 70 is an "x86 MSI"
 * whose message names the CPU. */
static int routed_to[IRQ_NR_MAX];
static int fake_affinity(const struct irq_chip *c, unsigned irq, unsigned cpu, struct msi_msg *msg)
{
    (void)c;
    routed_to[irq] = (int)cpu;
    if (irq != 70)
        return 0;
    *msg = (struct msi_msg){0xfee00000u | cpu << 12, 0x99};
    return 1;
}
static const struct irq_chip chip_r = {.name = "fake-r", .mask = fake_mask, .unmask = fake_unmask,
                                       .set_affinity = fake_affinity, .percpu_end = 68};
static struct msi_msg written;
static int writes, refuse_write;
static int fake_writer(unsigned irq, const struct msi_msg *msg, void *arg)
{
    CHECK(irq == 70 && arg == (void *)0x70);
    if (refuse_write)
        return -ENOTSUP;
    written = *msg;
    writes++;
    return 0;
}

static void check_affinity(void)
{
    CHECK_EQ_INT(irq_chip_register(&chip_r, 64, 16), 0);
    /* Until routed: the boot CPU; per-CPU numbers have no route. */
    CHECK_EQ_INT(irq_affinity(68), 0);
    CHECK_EQ_INT(irq_affinity(65), -EINVAL);
    CHECK_EQ_INT(irq_set_affinity(65, 1), -EINVAL);
    CHECK_EQ_INT(irq_affinity(10), -ENODEV);       /* chip_a cannot route */
    CHECK_EQ_INT(irq_set_affinity(10, 1), -ENOTSUP);
    CHECK_EQ_INT(irq_set_affinity(200, 1), -ENODEV); /* no chip */
    CHECK_EQ_INT(irq_set_affinity(68, HOST_CPUS), -EINVAL);   /* no such CPU */
    CHECK_EQ_INT(irq_set_affinity(IRQ_NR_MAX, 0), -EINVAL);
    /* A CPU that is not online is refused. */
    ((struct cpu *)smp_cpu(1))->state = CPU_FAILED;
    CHECK_EQ_INT(irq_set_affinity(68, 1), -EINVAL);
    ((struct cpu *)smp_cpu(1))->state = CPU_ONLINE;
    CHECK_EQ_INT(routed_to[68], 0);

    /* Routed: the chip is told, the table remembers, `irqs` shows it. */
    CHECK_EQ_INT(irq_register(68, handler, NULL, "routed"), 0);
    CHECK_EQ_INT(irq_set_affinity(68, 1), 0);
    CHECK_EQ_INT(routed_to[68], 1);
    CHECK_EQ_INT(irq_affinity(68), 1);
    unsigned old = host_cpu_switch(1);
    irq_handle(68);
    host_cpu_switch(old);
    const struct irq_stat *s = stat_of(68);
    CHECK(s && s->cpu == 1 && s->last_cpu == 1);
    CHECK_EQ_INT(irq_register(64, handler, NULL, "local"), 0);
    s = stat_of(64);
    CHECK(s && s->cpu == -1 && s->last_cpu == -1);
    s = stat_of(10);
    CHECK(s && s->cpu == -2);

    /* A message that names the CPU: no writer, or a writer that refuses,
     * keeps the old route (the chip is put back); a writer that takes it
     * gets the new message. */
    CHECK_EQ_INT(irq_set_affinity(70, 1), -ENOTSUP);
    CHECK_EQ_INT(routed_to[70], 0);
    CHECK_EQ_INT(irq_affinity(70), 0);
    CHECK_EQ_INT(irq_set_msi_writer(70, fake_writer, (void *)0x70), 0);
    refuse_write = 1;
    CHECK_EQ_INT(irq_set_affinity(70, 1), -ENOTSUP);
    CHECK_EQ_INT(routed_to[70], 0);
    CHECK_EQ_INT(writes, 0);
    refuse_write = 0;
    CHECK_EQ_INT(irq_set_affinity(70, 1), 0);
    CHECK_EQ_INT(writes, 1);
    CHECK(written.address == (0xfee00000u | 1u << 12) && written.data == 0x99);
    CHECK_EQ_INT(irq_affinity(70), 1);
    CHECK_EQ_INT(irq_set_msi_writer(IRQ_NR_MAX, fake_writer, NULL), -EINVAL);

    /* Given back: the route returns to the boot CPU, the writer is dropped. */
    irq_msi_freed(70);
    CHECK_EQ_INT(irq_affinity(70), 0);
    CHECK_EQ_INT(routed_to[70], 0);
    CHECK_EQ_INT(irq_set_affinity(70, 1), -ENOTSUP);
    CHECK_EQ_INT(writes, 1);
    irq_msi_freed(IRQ_NR_MAX); /* ignored */
    CHECK_EQ_INT(irq_unregister(68), 0);
    CHECK_EQ_INT(irq_unregister(64), 0);
}

static unsigned long root_cause;
static void root_a(unsigned long cause) { root_cause = cause; }
static void root_b(unsigned long cause) { (void)cause; }

int main(void)
{
    for (unsigned i = 0; i < IRQ_NR_MAX; i++)
        masked[i] = 1;

    /* The way out of every interrupt asks the screen to draw what was
     * printed with interrupts masked. */
    irq_exit();
    CHECK_EQ_INT(mirror_polls, 1);

    /* Drivers first (as on aarch64, where the UART may probe before the
     * GIC): the request is kept, nothing is unmasked without a chip. */
    CHECK_EQ_INT(irq_register(10, handler, (void *)0x10, "early"), 0);
    CHECK_EQ_INT(irq_configure(10, IRQ_TRIGGER_LEVEL), 0);
    CHECK(!irq_routed(10));
    CHECK_EQ_INT(irq_mask(10), -ENODEV);

    /* The controller arrives: trigger applied, then the unmask. */
    CHECK_EQ_INT(irq_chip_register(&chip_a, 0, 32), 0);
    CHECK_EQ_INT(trigger[10], IRQ_TRIGGER_LEVEL);
    CHECK_EQ_INT(masked[10], 0);
    CHECK(irq_routed(10));

    /* Overlaps and bad spans are refused; a disjoint chip is fine. */
    CHECK_EQ_INT(irq_chip_register(&chip_b, 16, 32), -EBUSY);
    CHECK_EQ_INT(irq_chip_register(&chip_b, IRQ_NR_MAX, 1), -EINVAL);
    CHECK_EQ_INT(irq_chip_register(&chip_b, 32, 0), -EINVAL);
    CHECK_EQ_INT(irq_chip_register(&chip_b, 32, 32), 0);

    /* Bad registrations, each with a warning. */
    log_reset();
    CHECK_EQ_INT(irq_register(IRQ_NR_MAX, handler, NULL, "x"), -EINVAL);
    CHECK_EQ_INT(irq_register(3, NULL, NULL, "x"), -EINVAL);
    CHECK(log_has("no such interrupt") && log_has("no handler"));
    CHECK_EQ_INT(irq_register(10, handler, NULL, "again"), -EBUSY);
    CHECK_EQ_INT(irq_unregister(11), -ENOENT);
    CHECK_EQ_INT(irq_configure(5, IRQ_TRIGGER_LEVEL), -EINVAL); /* the chip's answer */
    CHECK_EQ_INT(irq_configure(40, IRQ_TRIGGER_EDGE), -ENOSYS); /* chip_b has no modes */
    CHECK_EQ_INT(irq_configure(3, (enum irq_trigger)7), -EINVAL);
    check_affinity();

    /* Dispatch: the handler runs with its argument, counted. */
    irq_handle(10);
    irq_handle(10);
    CHECK_EQ_INT(runs[10], 2);
    CHECK(seen_arg == (void *)0x10);
    CHECK(!irq_in_handler());
    const struct irq_stat *s = stat_of(10);
    CHECK(s && s->count == 2 && strcmp(s->name, "early") == 0 && strcmp(s->chip, "fake-a") == 0);

    /* Mask and unmask reach the chip. */
    CHECK_EQ_INT(irq_mask(10), 0);
    CHECK_EQ_INT(masked[10], 1);
    CHECK(!irq_routed(10));
    CHECK_EQ_INT(irq_unmask(10), 0);
    CHECK_EQ_INT(masked[10], 0);

    /* No handler: counted, masked at the chip, warned about once. */
    log_reset();
    masked[20] = 0;
    irq_handle(20);
    irq_handle(20);
    CHECK_EQ_INT(masked[20], 1);
    CHECK(log_has("irq 20 (fake-a) fired with no handler; masked"));
    CHECK_EQ_INT(log_count("fired with no handler"), 1);
    s = stat_of(20);
    CHECK(s && s->count == 2 && s->masked && strcmp(s->name, "(none)") == 0);

    /* Spurious: counted, and out-of-range numbers count as spurious too. */
    uint64_t sp = irq_spurious_count();
    irq_spurious();
    irq_handle(IRQ_NR_MAX + 5);
    CHECK_EQ_INT(irq_spurious_count(), sp + 2);

    /* The root slot: empty, an interrupt is counted as spurious; then one
     * root for the system, which may say so again. */
    sp = irq_spurious_count();
    CHECK_EQ_INT(irq_root_dispatch(7), -ENOENT);
    CHECK_EQ_INT(irq_spurious_count(), sp + 1);
    CHECK_EQ_INT(hal_irq_set_root_handler(NULL), -EINVAL);
    CHECK_EQ_INT(hal_irq_set_root_handler(root_a), 0);
    CHECK_EQ_INT(hal_irq_set_root_handler(root_a), 0);
    CHECK_EQ_INT(hal_irq_set_root_handler(root_b), -EBUSY);
    CHECK_EQ_INT(irq_root_dispatch(42), 0);
    CHECK_EQ_INT(root_cause, 42);
    CHECK_EQ_INT(irq_spurious_count(), sp + 1);

    /* Unregister masks and frees the slot for someone else. */
    CHECK_EQ_INT(irq_unregister(10), 0);
    CHECK_EQ_INT(masked[10], 1);
    CHECK_EQ_INT(irq_register(10, handler, NULL, "later"), 0);
    CHECK_EQ_INT(masked[10], 0);

    /* Software raise goes through the chip's op; no op or no chip is an error. */
    CHECK_EQ_INT(irq_test_number(0), -ENODEV);
    irq_set_test_numbers(8200, 2);
    CHECK_EQ_INT(irq_test_number(0), 8200);
    CHECK_EQ_INT(irq_test_number(1), 8201);
    CHECK_EQ_INT(irq_test_number(2), -ENODEV);
    CHECK_EQ_INT(irq_raise_self(8200), -ENODEV); /* no chip yet */
    CHECK_EQ_INT(irq_raise_self(10), -EINVAL);   /* chip_a cannot raise */
    CHECK_EQ_INT(irq_raise_self(IRQ_NR_MAX), -EINVAL);

    /* The table grows with the spans in use: numbers far apart, up to the
     * last one, each get a chunk (past the static boot pool: from the heap). */
    CHECK_EQ_INT(irq_chip_register(&chip_lpi, 8192, IRQ_NR_MAX - 8192), 0);
    CHECK(irq_chip_of(8192) == &chip_lpi && irq_chip_of(8191) == NULL);
    CHECK_EQ_INT(irq_raise_self(8200), 0);
    CHECK_EQ_INT(raised, 1);
    CHECK_EQ_INT(irq_raise_self(8201), -EINVAL);
    for (unsigned irq = 8192; irq < IRQ_NR_MAX; irq += 4099) {
        CHECK_EQ_INT(irq_register(irq, handler, NULL, "lpi"), 0);
        CHECK_EQ_INT(masked[irq], 0);
        irq_handle(irq);
        CHECK_EQ_INT(runs[irq], 1);
    }
    CHECK_EQ_INT(irq_register(IRQ_NR_MAX - 1, handler, NULL, "last"), 0);
    irq_handle(IRQ_NR_MAX - 1);
    CHECK_EQ_INT(runs[IRQ_NR_MAX - 1], 1);
    CHECK(heap_allocs > 0);
    /* Statistics come in increasing order across chunks. */
    static struct irq_stat all[64];
    unsigned n = irq_stats(all, 64);
    CHECK(n >= 16 && n <= 64);
    for (unsigned i = 1; i < n; i++)
        CHECK(all[i - 1].irq < all[i].irq);
    CHECK_EQ_INT(all[n - 1].irq, IRQ_NR_MAX - 1);
    return CHECK_DONE("test_irq");
}
