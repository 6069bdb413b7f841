/**
 * @file ioapic.c
 * @brief The I/O APIC (82093AA datasheet; ACPI MADT type 1): one redirection
 *        entry per pin, pin n of an IOAPIC being GSI gsi_base + n.
 *
 * Every entry starts masked. When first configured or unmasked it gets
 * vector 32 + GSI (so the interrupt number is the GSI; GSIs from
 * LAPIC_IRQ_MSI_BASE up have no vector, see lapic.h), fixed delivery in
 * physical mode to the boot CPU's local APIC (another CPU's once
 * irq_set_affinity() routes it there), and the trigger and polarity the
 * MADT says for that GSI. irq_register()
 * unmasks an entry through the struct irq_chip each IOAPIC registers for
 * its GSI range. Level-triggered entries are completed by the local APIC's
 * EOI, which the local APIC broadcasts to the IOAPICs.
 */
#include <hal/mmio.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include <acpi/madt.h>
#include "lapic.h"

#define IOREGSEL 0x00 /* 32-bit registers: index here, data at IOWIN */
#define IOWIN 0x10
#define IOAPIC_VER 1
#define REDTBL(pin) (0x10 + 2 * (pin))
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

struct ioapic {
    struct irq_chip chip;
    volatile uint8_t *regs;
    unsigned gsi_base, count;
    struct spinlock lock; /* IOREGSEL + IOWIN is a two-step access */
    uint32_t programmed[256 / 32]; /* pins given their vector, mode and destination */
    uint8_t dest[256];             /* each pin's destination APIC id */
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned nioapics;

static uint32_t io_read(struct ioapic *io, unsigned reg)
{
    mmio_write32_relaxed(io->regs + IOREGSEL, reg);
    return mmio_read32_relaxed(io->regs + IOWIN);
}

static void io_write(struct ioapic *io, unsigned reg, uint32_t v)
{
    mmio_write32_relaxed(io->regs + IOREGSEL, reg);
    mmio_write32(io->regs + IOWIN, v);
}

static void program(struct ioapic *io, unsigned pin, enum irq_trigger trig, int masked);

static void set_masked(const struct irq_chip *chip, unsigned irq, int masked)
{
    struct ioapic *io = chip->priv;
    unsigned pin = irq - io->gsi_base, reg = REDTBL(pin);
    irqflags_t f = spin_lock_irqsave(&io->lock);
    if (!masked && !(io->programmed[pin / 32] & (1u << pin % 32))) {
        program(io, pin, IRQ_TRIGGER_DEFAULT, 0); /* first use: see ioapic_probe */
    } else {
        uint32_t lo = io_read(io, reg);
        io_write(io, reg, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
    }
    spin_unlock_irqrestore(&io->lock, f);
}

static void ioapic_mask(const struct irq_chip *chip, unsigned irq) { set_masked(chip, irq, 1); }
static void ioapic_unmask(const struct irq_chip *chip, unsigned irq) { set_masked(chip, irq, 0); }

/* Masked first, so the entry never fires half-written; the mask bit is
 * then restored to @p masked. Caller holds io->lock. */
static void program(struct ioapic *io, unsigned pin, enum irq_trigger trig, int masked)
{
    unsigned gsi = io->gsi_base + pin;
    enum irq_trigger dflt;
    int active_low;
    madt_gsi_mode(acpi_madt(), gsi, &dflt, &active_low);
    if (trig == IRQ_TRIGGER_DEFAULT)
        trig = dflt;
    uint32_t lo = (gsi + LAPIC_VECTOR_BASE) | (active_low ? RTE_ACTIVE_LOW : 0) |
                  (trig == IRQ_TRIGGER_LEVEL ? RTE_LEVEL : 0);
    io_write(io, REDTBL(pin), RTE_MASKED);
    io_write(io, REDTBL(pin) + 1, (uint32_t)io->dest[pin] << 24);
    io_write(io, REDTBL(pin), lo | (masked ? RTE_MASKED : 0));
    io->programmed[pin / 32] |= 1u << pin % 32;
}

/* Polarity stays what the MADT says (a PCI GSI's true polarity is in the
 * DSDT's _PRT, which needs AML): only the trigger mode is chosen here. */
static int ioapic_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trig)
{
    struct ioapic *io = chip->priv;
    unsigned pin = irq - io->gsi_base;
    irqflags_t f = spin_lock_irqsave(&io->lock);
    program(io, pin, trig, (io_read(io, REDTBL(pin)) & RTE_MASKED) != 0);
    spin_unlock_irqrestore(&io->lock, f);
    return 0;
}

/* Bits 63:56 of the entry, the destination, written alone: the entry's
 * low half (and its mask) stays as it is, and an edge or level message
 * the IOAPIC sends is whole, to the old CPU or the new one. */
static int ioapic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                               struct msi_msg *msg)
{
    (void)msg;
    struct ioapic *io = chip->priv;
    unsigned pin = irq - io->gsi_base;
    const struct cpu *c = smp_cpu(cpu);
    if (!c || c->hwid > 0xff)
        return -EINVAL; /* xAPIC physical destinations are 8 bits */
    irqflags_t f = spin_lock_irqsave(&io->lock);
    io->dest[pin] = (uint8_t)c->hwid;
    if (io->programmed[pin / 32] & (1u << pin % 32))
        io_write(io, REDTBL(pin) + 1, (uint32_t)io->dest[pin] << 24);
    spin_unlock_irqrestore(&io->lock, f);
    return 0;
}

static int ioapic_probe(struct device *dev)
{
    const struct madt_ioapic *desc = dev->bus_data;
    if (!desc || nioapics == MADT_MAX_IOAPICS)
        return -EINVAL;
    if (!irq_chip_of(LAPIC_IRQ_TIMER))
        return -ENODEV; /* no local APIC: nothing to deliver to */
    int err = device_map(dev);
    if (err)
        return err;
    struct ioapic *io = &ioapics[nioapics];
    io->regs = dev->regs;
    spin_init(&io->lock, "ioapic");
    uint32_t ver = io_read(io, IOAPIC_VER);
    if (ver == 0xffffffff)
        return -ENODEV; /* reads as a bus with nothing on it */
    unsigned base = desc->gsi_base, count = ((ver >> 16) & 0xff) + 1;
    if (base >= LAPIC_IRQ_MSI_BASE) {
        pr_err("ioapic: %s: GSIs from %u have no vectors (only 0-%u do)", dev->name, base,
               LAPIC_IRQ_MSI_BASE - 1);
        return -ERANGE;
    }
    if (count > LAPIC_IRQ_MSI_BASE - base) {
        pr_warn("ioapic: %s: GSIs from %u have no vectors; pins above are left masked", dev->name,
                LAPIC_IRQ_MSI_BASE);
        count = LAPIC_IRQ_MSI_BASE - base;
    }
    io->gsi_base = base;
    io->count = count;
    /* Every pin masked, those without a vector too (whatever firmware
     * left there must not fire). A pin gets its vector, trigger mode and
     * destination when first configured or unmasked (program()): one
     * register write per pin here instead of three, and the MADT lookup
     * for the few pins in use only; under TCG each access is a trip into
     * the device model. */
    memset(io->programmed, 0, sizeof io->programmed);
    memset(io->dest, (int)lapic_id(), sizeof io->dest);
#pragma clang loop unroll(disable)
    for (unsigned pin = 0; pin < ((ver >> 16) & 0xff) + 1; pin++)
        io_write(io, REDTBL(pin), RTE_MASKED);
    io->chip = (struct irq_chip){.name = "ioapic", .mask = ioapic_mask, .unmask = ioapic_unmask,
                                 .configure = ioapic_configure,
                                 .set_affinity = ioapic_set_affinity, .priv = io};
    err = irq_chip_register(&io->chip, base, count);
    if (err) {
        pr_err("ioapic: %s: cannot serve GSIs %u-%u (%s); left masked", dev->name, base,
               base + count - 1, errno_name(err));
        return err;
    }
    nioapics++;
    /* Quiet on success like the local APIC (`devices` lists both): on a
     * polled UART under TCG a log line is boot time. */
    return 0;
}

static const char *const ioapic_compat[] = {"x86,ioapic", NULL};
DRIVER(ioapic_driver, .name = "ioapic", .compatible = ioapic_compat, .probe = ioapic_probe);
