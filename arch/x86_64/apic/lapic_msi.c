/**
 * @file lapic_msi.c
 * @brief Message-signalled interrupts on x86: the "lapic" msi_chip hands out
 *        local APIC vectors and the (address, data) a device writes to raise
 *        one (SDM vol. 3A, 11.11).
 *
 * On x86 an MSI is not routed through any controller but the destination
 * CPU's local APIC: the message address selects the APIC, the data carries
 * the vector. So the MSI "domain" is just a span of vectors, numbers
 * LAPIC_IRQ_MSI_BASE..LAPIC_IRQ_LOCAL_BASE-1 (lapic.h), with an allocator.
 *
 * Message: address 0xFEE00000 | destination APIC id << 12, physical
 * destination mode (bit 2 = 0), no redirection hint (bit 3 = 0), so exactly
 * one CPU (the boot CPU's until irq_set_affinity() picks another: then the
 * device gets a new address through its writer); data = vector, fixed
 * delivery (bits 10:8 = 0), edge (bit 15 = 0). Vectors are numbered
 * kernel-wide, so moving an MSI changes only its destination.
 *
 * Multi-message MSI (n > 1 in one capability) lets the device change the low
 * log2(n) bits of the data, so n vectors are handed out as one contiguous
 * block whose first vector is aligned to n rounded up to a power of two.
 * MSI-X does not need that, but one rule for both keeps this simple.
 *
 * Masking: the local APIC cannot mask a vector; only the device can (its
 * MSI-X vector control or MSI mask bits, which belong to the PCI driver).
 * So this chip's mask is a software mask: a masked MSI that arrives is
 * EOIed without running its handler and latched pending, and unmasking it
 * sends the vector again to its destination CPU with an IPI, as a device holds
 * back a masked MSI-X message and sends it on unmask. Nothing is logged:
 * the kernel masks interrupts on purpose (irq_unregister, a handler that
 * is missing, which irq_handle() already warns about once).
 */
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <stddef.h>

#include "lapic.h"
#include "lapic_internal.h"

#define NMSI (LAPIC_IRQ_LOCAL_BASE - LAPIC_IRQ_MSI_BASE)
#define MSI_ADDRESS_BASE 0xfee00000u /* bits 31:20 = 0xFEE */
#define MSI_DEST_SHIFT 12            /* bits 19:12: destination APIC id */

struct msi_slot {
    uint32_t devid;
    uint8_t used, masked, pending;
    uint8_t dest; /* destination APIC id */
};

static struct msi_slot slots[NMSI];
static struct spinlock lock = SPINLOCK_INIT("lapic msi");

static struct msi_slot *slot_of(unsigned irq)
{
    return irq - LAPIC_IRQ_MSI_BASE < NMSI ? &slots[irq - LAPIC_IRQ_MSI_BASE] : NULL;
}

/* What the device would do: vector @p irq to APIC @p dest (any context). */
static int deliver(unsigned irq, uint32_t dest)
{
    unsigned vector = irq + LAPIC_VECTOR_BASE;
    irqflags_t f = hal_irq_save(); /* "this CPU" stays this one */
    int err = dest == cpu_this()->hwid ? lapic_self_ipi(vector)
                                       : lapic_send_ipi(dest, LAPIC_IPI_FIXED | vector);
    hal_irq_restore(f);
    return err;
}

static struct msi_msg message(unsigned irq, uint32_t dest)
{
    return (struct msi_msg){.address = MSI_ADDRESS_BASE | (dest & 0xff) << MSI_DEST_SHIFT,
                            .data = irq + LAPIC_VECTOR_BASE};
}

int lapic_msi_hold(unsigned irq)
{
    struct msi_slot *s = slot_of(irq);
    if (!s)
        return 0;
    irqflags_t f = spin_lock_irqsave(&lock);
    int held = s->masked;
    if (held)
        s->pending = 1;
    spin_unlock_irqrestore(&lock, f);
    return held;
}

/* ---- struct irq_chip for the span (called with the irq table's lock held) ---- */

static void msi_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    struct msi_slot *s = slot_of(irq);
    irqflags_t f = spin_lock_irqsave(&lock);
    s->masked = 1;
    spin_unlock_irqrestore(&lock, f);
}

static void msi_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    struct msi_slot *s = slot_of(irq);
    irqflags_t f = spin_lock_irqsave(&lock);
    int resend = s->masked && s->pending;
    s->masked = 0;
    s->pending = 0;
    uint32_t dest = s->dest;
    spin_unlock_irqrestore(&lock, f);
    if (resend)
        deliver(irq, dest);
}

static int msi_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trig)
{
    (void)chip;
    (void)irq;
    return trig == IRQ_TRIGGER_LEVEL ? -EINVAL : 0; /* a message is an edge */
}

/* Only an allocated vector: for tests, as if its device had written (to
 * the CPU it is routed to, which need not be this one). */
static int msi_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    struct msi_slot *s = slot_of(irq);
    return s->used ? deliver(irq, s->dest) : -EINVAL;
}

/* A new destination: the message changes, so the kernel hands it to the
 * device (return 1). xAPIC physical destinations are 8 bits. */
static int msi_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                            struct msi_msg *msg)
{
    (void)chip;
    struct msi_slot *s = slot_of(irq);
    const struct cpu *c = smp_cpu(cpu);
    if (!s || !c || c->hwid > 0xff)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&lock);
    int used = s->used;
    if (used)
        s->dest = (uint8_t)c->hwid;
    spin_unlock_irqrestore(&lock, f);
    if (!used)
        return -EINVAL;
    *msg = message(irq, c->hwid);
    return 1;
}

static const struct irq_chip msi_irq_chip = {.name = "lapic msi", .mask = msi_mask,
                                             .unmask = msi_unmask, .configure = msi_configure,
                                             .raise = msi_raise,
                                             .set_affinity = msi_set_affinity};

/* ---- struct msi_chip ---- */

static unsigned pow2_at_least(unsigned n)
{
    unsigned p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static int lapic_msi_alloc(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                           struct msi_msg *msgs)
{
    (void)chip;
    if (n == 0 || n > NMSI)
        return n ? -ENOSPC : -EINVAL;
    unsigned align = pow2_at_least(n);
    unsigned first_vec = LAPIC_IRQ_MSI_BASE + LAPIC_VECTOR_BASE;
    unsigned end_vec = LAPIC_IRQ_LOCAL_BASE + LAPIC_VECTOR_BASE;
    irqflags_t f = spin_lock_irqsave(&lock);
    int found = -1;
    for (unsigned v = (first_vec + align - 1) / align * align; v + n <= end_vec && found < 0;
         v += align) {
        unsigned i = 0;
        while (i < n && !slots[v - first_vec + i].used)
            i++;
        if (i == n)
            found = (int)(v - first_vec);
    }
    uint8_t dest = (uint8_t)lapic_id(); /* the boot CPU, slot 0 */
    if (found >= 0)
        for (unsigned i = 0; i < n; i++)
            slots[found + i] = (struct msi_slot){.devid = devid, .used = 1, .dest = dest};
    spin_unlock_irqrestore(&lock, f);
    if (found < 0)
        return -ENOSPC;
    for (unsigned i = 0; i < n; i++) {
        irqs[i] = LAPIC_IRQ_MSI_BASE + (unsigned)found + i;
        msgs[i] = message(irqs[i], dest);
    }
    return 0;
}

static int lapic_msi_free(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n)
{
    (void)chip;
    irqflags_t f = spin_lock_irqsave(&lock);
    int err = 0;
    for (unsigned i = 0; i < n && !err; i++) {
        struct msi_slot *s = slot_of(irqs[i]);
        if (!s || !s->used || s->devid != devid)
            err = -ENOENT;
    }
    for (unsigned i = 0; i < n && !err; i++)
        *slot_of(irqs[i]) = (struct msi_slot){0};
    spin_unlock_irqrestore(&lock, f);
    return err;
}

static struct msi_chip lapic_msi = {.name = "lapic", .alloc = lapic_msi_alloc,
                                    .free = lapic_msi_free};

int lapic_msi_init(void)
{
    int err = irq_chip_register(&msi_irq_chip, LAPIC_IRQ_MSI_BASE, NMSI);
    return err ? err : msi_chip_register(&lapic_msi);
}
