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
 * this CPU; data = vector, fixed delivery (bits 10:8 = 0), edge (bit 15 = 0).
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
 * sends the vector again to this CPU with a self-IPI, as a device holds
 * back a masked MSI-X message and sends it on unmask. Nothing is logged:
 * the kernel masks interrupts on purpose (irq_unregister, a handler that
 * is missing, which irq_handle() already warns about once).
 */
#include <kernel/errno.h>
#include <kernel/irq.h>
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
};

static struct msi_slot slots[NMSI];
static struct spinlock lock = SPINLOCK_INIT("lapic msi");

static struct msi_slot *slot_of(unsigned irq)
{
    return irq - LAPIC_IRQ_MSI_BASE < NMSI ? &slots[irq - LAPIC_IRQ_MSI_BASE] : NULL;
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
    spin_unlock_irqrestore(&lock, f);
    if (resend)
        lapic_self_ipi(irq + LAPIC_VECTOR_BASE);
}

static int msi_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trig)
{
    (void)chip;
    (void)irq;
    return trig == IRQ_TRIGGER_LEVEL ? -EINVAL : 0; /* a message is an edge */
}

/* Only an allocated vector: for tests, as if its device had written. */
static int msi_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    struct msi_slot *s = slot_of(irq);
    return s->used ? lapic_self_ipi(irq + LAPIC_VECTOR_BASE) : -EINVAL;
}

static const struct irq_chip msi_irq_chip = {.name = "lapic msi", .mask = msi_mask,
                                             .unmask = msi_unmask, .configure = msi_configure,
                                             .raise = msi_raise};

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
    if (found >= 0)
        for (unsigned i = 0; i < n; i++)
            slots[found + i] = (struct msi_slot){.devid = devid, .used = 1};
    spin_unlock_irqrestore(&lock, f);
    if (found < 0)
        return -ENOSPC;
    uint32_t address = MSI_ADDRESS_BASE | (lapic_id() & 0xff) << MSI_DEST_SHIFT;
    for (unsigned i = 0; i < n; i++) {
        irqs[i] = LAPIC_IRQ_MSI_BASE + (unsigned)found + i;
        msgs[i] = (struct msi_msg){.address = address, .data = irqs[i] + LAPIC_VECTOR_BASE};
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
