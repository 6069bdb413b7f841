/**
 * @file irq.c
 * @brief The portable interrupt table: handlers, controllers, counts.
 *
 * The arch's interrupt entry asks the controller driver which interrupt
 * fired; the driver calls irq_handle() for it and then signals the end of
 * the interrupt; the arch calls irq_exit() last. See hal/irq.h.
 */
#include <hal/irq.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>

#define MAX_CHIPS 8 /* the local APIC plus up to 7 IOAPICs; one GIC */

struct irq_desc {
    irq_handler_fn fn;
    void *arg;
    const char *name;
    uint64_t count;
    uint8_t masked;
    uint8_t warned;
    uint8_t trigger; /* enum irq_trigger asked for; applied when the chip registers */
};

struct chip_span {
    const struct irq_chip *chip;
    unsigned first, count;
};

static struct irq_desc descs[IRQ_COUNT];
static struct chip_span chips[MAX_CHIPS];
static unsigned nchips;
static uint64_t spurious;
static unsigned in_handler; /* per CPU once there are more */
static struct spinlock irq_lock = SPINLOCK_INIT("irq");

static const struct irq_chip *chip_of(unsigned irq)
{
    for (unsigned i = 0; i < nchips; i++)
        if (irq - chips[i].first < chips[i].count)
            return chips[i].chip;
    return 0;
}

int irq_chip_register(const struct irq_chip *chip, unsigned first, unsigned count)
{
    if (!chip || !chip->mask || !chip->unmask || count == 0 || first >= IRQ_COUNT ||
        count > IRQ_COUNT - first)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    int err = 0;
    for (unsigned i = 0; i < nchips && !err; i++)
        if (first < chips[i].first + chips[i].count && chips[i].first < first + count)
            err = -EBUSY;
    if (!err && nchips == MAX_CHIPS)
        err = -ENOSPC;
    if (!err) {
        chips[nchips++] = (struct chip_span){chip, first, count};
        /* Drivers probed before their controller asked early: their
         * trigger modes, then their unmasks. */
        for (unsigned irq = first; irq < first + count; irq++) {
            if (descs[irq].trigger != IRQ_TRIGGER_DEFAULT && chip->configure &&
                chip->configure(chip, irq, (enum irq_trigger)descs[irq].trigger) != 0)
                pr_warn("irq %u: %s refused the trigger mode asked for earlier", irq, chip->name);
            if (descs[irq].fn && !descs[irq].masked)
                chip->unmask(chip, irq);
        }
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

int irq_register(unsigned irq, irq_handler_fn fn, void *arg, const char *name)
{
    if (irq >= IRQ_COUNT || !fn) {
        char who[KSYM_NAME_MAX];
        pr_warn("irq_register(%u) from %s: %s", irq, CALLER_NAME(who),
                irq >= IRQ_COUNT ? "no such interrupt" : "no handler");
        return -EINVAL;
    }
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    struct irq_desc *d = &descs[irq];
    int err = 0;
    if (d->fn) {
        err = -EBUSY;
    } else {
        d->fn = fn;
        d->arg = arg;
        d->name = name ? name : "?";
        d->masked = 0;
        d->warned = 0;
        const struct irq_chip *chip = chip_of(irq);
        if (chip)
            chip->unmask(chip, irq);
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

int irq_unregister(unsigned irq)
{
    if (irq >= IRQ_COUNT)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    struct irq_desc *d = &descs[irq];
    int err = d->fn ? 0 : -ENOENT;
    if (!err) {
        const struct irq_chip *chip = chip_of(irq);
        if (chip)
            chip->mask(chip, irq);
        d->fn = 0;
        d->arg = 0;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

static int set_masked(unsigned irq, int masked)
{
    if (irq >= IRQ_COUNT)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_of(irq);
    if (chip) {
        if (masked)
            chip->mask(chip, irq);
        else
            chip->unmask(chip, irq);
        descs[irq].masked = (uint8_t)masked;
    }
    spin_unlock_irqrestore(&irq_lock, f);
    return chip ? 0 : -ENODEV;
}

int irq_mask(unsigned irq) { return set_masked(irq, 1); }
int irq_unmask(unsigned irq) { return set_masked(irq, 0); }

int irq_routed(unsigned irq)
{
    return irq < IRQ_COUNT && descs[irq].fn && !descs[irq].masked && chip_of(irq);
}

int irq_configure(unsigned irq, enum irq_trigger trigger)
{
    if (irq >= IRQ_COUNT || trigger > IRQ_TRIGGER_LEVEL)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&irq_lock);
    const struct irq_chip *chip = chip_of(irq);
    int err = 0;
    if (!chip)
        descs[irq].trigger = (uint8_t)trigger; /* for irq_chip_register() */
    else if (!chip->configure)
        err = -ENOSYS;
    else
        err = chip->configure(chip, irq, trigger);
    spin_unlock_irqrestore(&irq_lock, f);
    return err;
}

void irq_handle(unsigned irq)
{
    if (irq >= IRQ_COUNT) {
        spurious++;
        return;
    }
    struct irq_desc *d = &descs[irq];
    d->count++;
    if (!d->fn) {
        /* Mask it, or a level-triggered line would fire again forever. */
        const struct irq_chip *chip = chip_of(irq);
        if (chip)
            chip->mask(chip, irq);
        d->masked = 1;
        if (!d->warned) {
            d->warned = 1;
            pr_warn("irq %u (%s) fired with no handler; masked", irq, chip ? chip->name : "no chip");
        }
        return;
    }
    in_handler++;
    d->fn(irq, d->arg);
    in_handler--;
}

void irq_spurious(void) { spurious++; }

uint64_t irq_spurious_count(void) { return spurious; }

int irq_in_handler(void) { return in_handler != 0; }

void irq_exit(void) { sched_irq_exit(); }

unsigned irq_stats(struct irq_stat *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned irq = 0; irq < IRQ_COUNT; irq++) {
        const struct irq_desc *d = &descs[irq];
        if (!d->fn && !d->count)
            continue;
        if (n < max) {
            const struct irq_chip *chip = chip_of(irq);
            out[n] = (struct irq_stat){irq, d->fn ? d->name : "(none)", chip ? chip->name : "-",
                                       d->count, d->masked};
        }
        n++;
    }
    return n;
}
