/**
 * @file irq.c
 * @brief The portable interrupt table: controllers and their spans of the
 *        number space, handlers, counts (kernel/irq.h).
 *
 * The table is two levels: a fixed array of pointers, one per chunk of
 * IRQ_CHUNK numbers, and chunks made when a number in them is first
 * registered, configured or fires. So GICv3 LPIs at 8192 and up cost a
 * chunk per 64 interrupts in use, not a 64 Ki-entry array. Controllers
 * probe before the page allocator exists (the DT and ACPI are walked
 * first), so the first chunks come from a small static pool, later ones
 * from the heap. A chunk is never freed, so irq_handle() reads the chunk
 * pointer without the lock (published with a release store).
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/bpf_hook.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define IRQ_CHUNK 64u
#define NCHUNKS (IRQ_NR_MAX / IRQ_CHUNK)
#define BOOT_CHUNKS 8 /* before the heap: UART, timer, APIC error, tests */
#define MAX_CHIPS 16  /* local APIC (local + MSI), IOAPICs, GIC, ITS */

struct irq_desc {
    irq_handler_fn fn;
    void *arg;
    const char *name;
    uint64_t count;
    uint8_t masked;
    uint8_t warned;
    uint8_t trigger; /* enum irq_trigger asked for; applied when the chip registers */
    uint8_t cpu;     /* the slot it is routed to (irq_set_affinity()) */
    uint8_t last;    /* 1 + the slot that last ran its handler; 0 never */
    int (*msi_write)(unsigned irq, const struct msi_msg *msg, void *arg);
    void *msi_arg;
};

struct irq_chunk {
    struct irq_desc d[IRQ_CHUNK];
};

struct chip_span {
    const struct irq_chip *chip;
    unsigned first, count;
};

static struct irq_chunk *chunks[NCHUNKS];
static struct irq_chunk boot_pool[BOOT_CHUNKS];
static unsigned boot_used;
static struct chip_span spans[MAX_CHIPS];
static unsigned nspans;
static uint64_t spurious;
static unsigned test_first, test_count;
static struct spinlock irq_lock = SPINLOCK_INIT("irq");

/* The descriptor of @p irq if its chunk exists; lock-free. */
static struct irq_desc *desc_peek(unsigned irq)
{
    struct irq_chunk *c = __atomic_load_n(&chunks[irq / IRQ_CHUNK], __ATOMIC_ACQUIRE);
    return c ? &c->d[irq % IRQ_CHUNK] : NULL;
}

/* The descriptor of @p irq, making its chunk; NULL when out of memory.
 * Interrupt context is fine: the heap may be used there. */
static struct irq_desc *desc_get(unsigned irq)
{
    struct irq_desc *d = desc_peek(irq);
    if (d)
        return d;
    struct irq_chunk *c = NULL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    if (!chunks[irq / IRQ_CHUNK] && boot_used < BOOT_CHUNKS)
        c = &boot_pool[boot_used++];
    spin_unlock_irqrestore(&irq_lock, f);
    if (!c && !desc_peek(irq))
        c = kzalloc(sizeof *c);
    f = spin_lock_irqsave(&irq_lock);
    if (!chunks[irq / IRQ_CHUNK] && c) {
        __atomic_store_n(&chunks[irq / IRQ_CHUNK], c, __ATOMIC_RELEASE);
        c = NULL;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    if (c && (c < boot_pool || c >= boot_pool + BOOT_CHUNKS))
        kfree(c); /* lost a race; a boot chunk lost that way just stays unused */
    return desc_peek(irq);
}

static const struct irq_chip *chip_locked(unsigned irq)
{
    for (unsigned i = 0; i < nspans; i++)
        if (irq - spans[i].first < spans[i].count)
            return spans[i].chip;
    return NULL;
}

const struct irq_chip *irq_chip_of(unsigned irq)
{
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    spin_unlock_irqrestore(&irq_lock, f);
    return chip;
}

int irq_chip_register(const struct irq_chip *chip, unsigned first, unsigned count)
{
    if (!chip || !chip->mask || !chip->unmask || count == 0 || first >= IRQ_NR_MAX ||
        count > IRQ_NR_MAX - first)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    int err = 0;
    for (unsigned i = 0; i < nspans && !err; i++)
        if (first < spans[i].first + spans[i].count && spans[i].first < first + count)
            err = -EBUSY;
    if (!err && nspans == MAX_CHIPS)
        err = -ENOSPC;
    if (!err) {
        spans[nspans++] = (struct chip_span){chip, first, count};
        /* Drivers probed before their controller asked early: their
         * trigger modes, then their unmasks. Only chunks that exist can
         * hold such requests. */
        for (unsigned irq = first; irq - first < count;) {
            struct irq_desc *d = desc_peek(irq);
            if (!d) {
                irq = (irq / IRQ_CHUNK + 1) * IRQ_CHUNK;
                continue;
            }
            if (d->trigger != IRQ_TRIGGER_DEFAULT && chip->configure &&
                chip->configure(chip, irq, (enum irq_trigger)d->trigger) != 0)
                pr_warn("irq %u: %s refused the trigger mode asked for earlier", irq, chip->name);
            if (d->fn && !d->masked)
                chip->unmask(chip, irq);
            irq++;
        }
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

int irq_register(unsigned irq, irq_handler_fn fn, void *arg, const char *name)
{
    if (irq >= IRQ_NR_MAX || !fn) {
        char who[KSYM_NAME_MAX];
        pr_warn("irq_register(%u) from %s: %s", irq, CALLER_NAME(who),
                irq >= IRQ_NR_MAX ? "no such interrupt" : "no handler");
        return -EINVAL;
    }
    struct irq_desc *d = desc_get(irq);
    if (!d)
        return -ENOMEM;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    int err = 0;
    if (d->fn) {
        err = -EBUSY;
    } else {
        d->fn = fn;
        d->arg = arg;
        d->name = name ? name : "?";
        d->masked = 0;
        d->warned = 0;
        const struct irq_chip *chip = chip_locked(irq);
        if (chip)
            chip->unmask(chip, irq);
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

int irq_unregister(unsigned irq)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    struct irq_desc *d = desc_peek(irq);
    if (!d)
        return -ENOENT;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    int err = d->fn ? 0 : -ENOENT;
    if (!err) {
        const struct irq_chip *chip = chip_locked(irq);
        if (chip)
            chip->mask(chip, irq);
        d->fn = NULL;
        d->arg = NULL;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

static int set_masked(unsigned irq, int masked)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    struct irq_desc *d = desc_get(irq);
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    if (chip) {
        if (masked)
            chip->mask(chip, irq);
        else
            chip->unmask(chip, irq);
        if (d)
            d->masked = (uint8_t)masked;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return chip ? 0 : -ENODEV;
}

int irq_mask(unsigned irq) { return set_masked(irq, 1); }
int irq_unmask(unsigned irq) { return set_masked(irq, 0); }

int irq_unmask_this_cpu(unsigned irq)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    const struct irq_desc *d = desc_peek(irq);
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    int ok = chip && d && d->fn && !d->masked;
    if (ok)
        chip->unmask(chip, irq);
    spin_unlock_irqrestore(&irq_lock, f);
    return ok ? 0 : -ENODEV;
}

int irq_has_handler(unsigned irq)
{
    const struct irq_desc *d = irq < IRQ_NR_MAX ? desc_peek(irq) : NULL;
    return d && d->fn;
}

int irq_routed(unsigned irq)
{
    if (irq >= IRQ_NR_MAX)
        return 0;
    const struct irq_desc *d = desc_peek(irq);
    return d && d->fn && !d->masked && irq_chip_of(irq);
}

int irq_configure(unsigned irq, enum irq_trigger trigger)
{
    if (irq >= IRQ_NR_MAX || trigger > IRQ_TRIGGER_LEVEL)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    spin_unlock_irqrestore(&irq_lock, f);
    if (!chip) {
        /* Kept for irq_chip_register(). */
        struct irq_desc *d = desc_get(irq);
        if (!d)
            return -ENOMEM;
        f = spin_lock_irqsave(&irq_lock);
        chip = chip_locked(irq);
        if (!chip)
            d->trigger = (uint8_t)trigger;
        spin_unlock_irqrestore(&irq_lock, f);
        if (!chip)
            return 0;
    }
    if (!chip->configure)
        return -ENOSYS;
    f = spin_lock_irqsave(&irq_lock);
    int err = chip->configure(chip, irq, trigger);
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

int irq_raise_self(unsigned irq)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    const struct irq_chip *chip = irq_chip_of(irq);
    if (!chip)
        return -ENODEV;
    return chip->raise ? chip->raise(chip, irq) : -EINVAL;
}

/* Where @p irq goes, for irq_stat: a slot, -1 per-CPU, -2 unknown. Caller holds the lock. */
static int route_locked(const struct irq_chip *chip, const struct irq_desc *d, unsigned irq)
{
    if (!chip || (!chip->set_affinity && irq >= chip->percpu_end))
        return -2;
    return irq < chip->percpu_end ? -1 : d ? d->cpu : 0;
}

int irq_set_affinity(unsigned irq, unsigned cpu)
{
    const struct cpu *c = smp_cpu(cpu);
    if (irq >= IRQ_NR_MAX || !c || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
        return -EINVAL;
    struct irq_desc *d = desc_get(irq);
    if (!d)
        return -ENOMEM;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    int err = !chip                     ? -ENODEV
              : irq < chip->percpu_end  ? -EINVAL
              : !chip->set_affinity     ? -ENOTSUP
                                        : 0;
    if (!err) {
        struct msi_msg msg;
        err = chip->set_affinity(chip, irq, cpu, &msg);
        if (err == 1) {
            /* The message names the CPU: no route until the device has it.
             * Without a writer nobody can tell the device, so the old route
             * stays (the controller is told so). */
            err = d->msi_write ? d->msi_write(irq, &msg, d->msi_arg) : -ENOTSUP;
            if (err)
                chip->set_affinity(chip, irq, d->cpu, &msg);
        }
        if (!err)
            d->cpu = (uint8_t)cpu;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

void irq_msi_freed(unsigned irq)
{
    struct irq_desc *d = irq < IRQ_NR_MAX ? desc_peek(irq) : NULL;
    if (!d)
        return;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    if (d->cpu && chip && chip->set_affinity) {
        /* A GIC SPI keeps its route in the distributor; an ITS event or an
         * x86 vector is gone and starts at the boot CPU when handed out
         * again, so the controller just says -EINVAL. No device to tell. */
        struct msi_msg msg;
        chip->set_affinity(chip, irq, 0, &msg);
    }
    d->cpu = 0;
    d->msi_write = NULL;
    d->msi_arg = NULL;
    spin_unlock_irqrestore(&irq_lock, f);
}

int irq_affinity(unsigned irq)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    const struct irq_desc *d = desc_peek(irq);
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    int r = route_locked(chip_locked(irq), d, irq);
    spin_unlock_irqrestore(&irq_lock, f);
    return r == -1 ? -EINVAL : r == -2 ? -ENODEV : r;
}

int irq_set_msi_writer(unsigned irq, int (*write)(unsigned irq, const struct msi_msg *msg, void *arg),
                       void *arg)
{
    if (irq >= IRQ_NR_MAX)
        return -EINVAL;
    struct irq_desc *d = desc_get(irq);
    if (!d)
        return -ENOMEM;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    d->msi_write = write;
    d->msi_arg = write ? arg : NULL;
    spin_unlock_irqrestore(&irq_lock, f);
    return 0;
}

int irq_test_number(unsigned i) { return i < test_count ? (int)(test_first + i) : -ENODEV; }

void irq_set_test_numbers(unsigned first, unsigned count)
{
    test_first = first;
    test_count = count;
}

static const struct irq_chip *ipi_chip;
static unsigned ipi_irq;

void irq_set_ipi(const struct irq_chip *chip, unsigned irq)
{
    ipi_irq = irq;
    ipi_chip = chip && chip->send_ipi ? chip : NULL;
}

int irq_ipi_number(void) { return ipi_chip ? (int)ipi_irq : -ENODEV; }

int irq_send_ipi(uint32_t hwid)
{
    if (!ipi_chip)
        return -ENODEV;
    return ipi_chip->send_ipi(ipi_chip, ipi_irq, hwid);
}

int irq_cpu_init(void)
{
    if (!ipi_chip || !ipi_chip->cpu_init)
        return -ENODEV;
    return ipi_chip->cpu_init(ipi_chip, ipi_irq);
}

void irq_handle(unsigned irq)
{
    struct irq_desc *d = irq < IRQ_NR_MAX ? desc_get(irq) : NULL;
    if (!d) {
        spurious++;
        return;
    }
    __atomic_fetch_add(&d->count, 1, __ATOMIC_RELAXED); /* any CPU */
    struct cpu *cpu = cpu_this();
    d->last = (uint8_t)(cpu->index + 1);
    irq_handler_fn fn = d->fn;
    if (!fn) {
        /* Mask it, or a level-triggered line would fire again forever. */
        irqflags_t f = spin_lock_irqsave(&irq_lock);
        const struct irq_chip *chip = chip_locked(irq);
        if (chip)
            chip->mask(chip, irq);
        spin_unlock_irqrestore(&irq_lock, f);
        d->masked = 1;
        if (!d->warned) {
            d->warned = 1;
            pr_warn("irq %u (%s) fired with no handler; masked", irq, chip ? chip->name : "no chip");
        }
        return;
    }
    if (bpf_hook_active(BPF_HOOK_IRQ)) {
        struct bpf_ctx_irq c = {hal_time_ns(), irq, hal_cpu_id()};
        bpf_hook_run(BPF_HOOK_IRQ, &c);
    }
    cpu->irqs++;
    cpu->irq_depth++;
    fn(irq, d->arg);
    cpu->irq_depth--;
}

void irq_spurious(void) { spurious++; }

/* Set once by the root controller's probe, before interrupts are unmasked;
 * read on every interrupt. One slot for the system, so the arches' entries
 * share it rather than each keeping its own. */
static hal_irq_root_fn root_handler;

int hal_irq_set_root_handler(hal_irq_root_fn fn)
{
    if (!fn)
        return -EINVAL;
    /* Boot, before interrupts are unmasked: nothing races with this. */
    if (root_handler && root_handler != fn)
        return -EBUSY;
    root_handler = fn;
    return 0;
}

int irq_root_dispatch(unsigned long cause)
{
    hal_irq_root_fn fn = root_handler;
    if (!fn) {
        spurious++; /* nothing to acknowledge */
        return -ENOENT;
    }
    fn(cause);
    return 0;
}

uint64_t irq_spurious_count(void) { return spurious; }

/* Masked: a thread moved between reading its CPU and that CPU's depth
 * would see another CPU's handler. */
int irq_in_handler(void)
{
    irqflags_t f = hal_irq_save();
    int in = cpu_this()->irq_depth != 0;
    hal_irq_restore(f);
    return in;
}

/* What runs on the way out of an interrupt: the scheduler's preemption
 * (sched_irq_exit()), lent when the scheduler starts (irq_set_exit_hook()). */
static void (*exit_hook)(void);

void irq_set_exit_hook(void (*fn)(void)) { __atomic_store_n(&exit_hook, fn, __ATOMIC_RELEASE); }

void irq_exit(void)
{
    kprintf_mirror_poll(); /* lines printed with interrupts masked, to the screen */
    void (*fn)(void) = __atomic_load_n(&exit_hook, __ATOMIC_ACQUIRE);
    if (fn)
        fn();
}

/* One entry of `irqs`; @p d may be NULL (no table entry yet). */
static struct irq_stat stat_fill(unsigned irq, const struct irq_desc *d)
{
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_locked(irq);
    int route = route_locked(chip, d, irq);
    spin_unlock_irqrestore(&irq_lock, f);
    int known = d && (d->fn || d->count);
    return (struct irq_stat){irq,
                             known && d->fn ? d->name : "(none)",
                             chip ? chip->name : "-",
                             known ? d->count : 0,
                             known ? d->masked : 0,
                             route,
                             d ? (int)d->last - 1 : -1};
}

int irq_stat_of(unsigned irq, struct irq_stat *out)
{
    const struct irq_desc *d = irq < IRQ_NR_MAX ? desc_peek(irq) : NULL;
    *out = stat_fill(irq, d);
    return d && (d->fn || d->count) ? 0 : -ENOENT;
}

unsigned irq_stats(struct irq_stat *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned c = 0; c < NCHUNKS; c++) {
        if (!desc_peek(c * IRQ_CHUNK))
            continue;
        for (unsigned irq = c * IRQ_CHUNK; irq < (c + 1) * IRQ_CHUNK; irq++) {
            const struct irq_desc *d = desc_peek(irq);
            if (!d->fn && !d->count)
                continue;
            if (n < max)
                out[n] = stat_fill(irq, d);
            n++;
        }
    }
    return n;
}
