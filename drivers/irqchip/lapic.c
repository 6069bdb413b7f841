/**
 * @file lapic.c
 * @brief The local APIC in xAPIC (memory-mapped) mode: software enable, the
 *        local interrupt sources (timer, error, IPIs), EOI, self-IPIs.
 *
 * One per CPU, at the same physical address on every CPU (each sees its
 * own). Bound to the "x86,lapic" device platform.c makes from the MADT, or
 * from IA32_APIC_BASE when there is no usable MADT. Its struct irq_chip
 * covers the numbers X64_IRQ_LOCAL_BASE and up: the timer and error
 * interrupts can be masked in their LVT entries; IPIs cannot be masked at
 * all, so mask/unmask do nothing for them.
 */
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <kernel/irq.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define SVR_ENABLE (1u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_SELF (1u << 18)
#define LVT_NMI (4u << 8)
#define LVT_EXTINT (7u << 8)
#define LVT_ACTIVE_LOW (1u << 13)
#define LVT_LEVEL (1u << 15)

volatile uint32_t *x64_lapic_regs;
static uint32_t apic_id;

uint32_t lapic_id(void) { return apic_id; }

int lapic_in_service(unsigned vector)
{
    if (!x64_lapic_regs || vector > 255)
        return 0;
    return (lapic_read(LAPIC_ISR + vector / 32 * 0x10) >> (vector % 32)) & 1;
}

static unsigned lvt_of(unsigned irq)
{
    if (irq == X64_IRQ_LAPIC_TIMER)
        return LAPIC_LVT_TIMER;
    if (irq == X64_IRQ_LAPIC_ERROR)
        return LAPIC_LVT_ERROR;
    return 0;
}

static void lapic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    unsigned lvt = lvt_of(irq);
    if (lvt)
        lapic_write(lvt, lapic_read(lvt) | LAPIC_LVT_MASKED);
}

static void lapic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    unsigned lvt = lvt_of(irq);
    if (lvt)
        lapic_write(lvt, lapic_read(lvt) & ~LAPIC_LVT_MASKED);
}

static int lapic_raise(const struct irq_chip *chip, unsigned irq);
static const struct irq_chip lapic_chip = {.name = "lapic", .mask = lapic_mask, .unmask = lapic_unmask,
                                           .raise = lapic_raise};

/* Any local number but the spurious vector's may be sent: one below
 * X64_IRQ_LOCAL_BASE would be taken for its IOAPIC GSI (and, for a level
 * GSI, its EOI would confuse the IOAPIC), so those are -EINVAL. */
static int lapic_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    unsigned vector = irq + X64_IRQ_VECTOR_BASE;
    if (irq < X64_IRQ_LOCAL_BASE || irq >= X64_IRQ_END || vector == X64_VECTOR_SPURIOUS)
        return -EINVAL;
    if (!x64_lapic_regs)
        return -ENODEV;
    /* Masked so that an IPI sent by a handler cannot land between the
     * pending check and the write (ICR_HI + ICR_LO once there are targets). */
    irqflags_t f = hal_irq_save();
    for (unsigned i = 0; (lapic_read(LAPIC_ICR_LO) & ICR_PENDING) && i < 100000; i++)
        hal_cpu_relax();
    lapic_write(LAPIC_ICR_LO, ICR_SELF | ICR_ASSERT | vector);
    hal_irq_restore(f);
    return 0;
}

static void lapic_error(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    lapic_write(LAPIC_ESR, 0); /* a write latches the errors seen since the last one */
    pr_warn("lapic: APIC error interrupt, ESR %#x", lapic_read(LAPIC_ESR));
}

/* LVT entry for the pin the MADT names as NMI (MPS INTI flags), else the
 * PC convention: LINT1. */
static void setup_lints(const struct madt_info *m)
{
    unsigned lint = 1;
    uint16_t flags = 0;
    if (!m || madt_lint_nmi(m, apic_id, &lint, &flags) != 0) {
        lint = 1;
        flags = 0;
    }
    uint32_t nmi = LVT_NMI | ((flags & 3) == 3 ? LVT_ACTIVE_LOW : 0);
    /* LINT0 is the 8259's path (ExtINT, virtual wire); every device
     * interrupt comes through the IOAPIC, so it stays masked. */
    lapic_write(LAPIC_LVT_LINT0, lint == 0 ? nmi : LAPIC_LVT_MASKED | LVT_EXTINT);
    lapic_write(LAPIC_LVT_LINT1, lint == 1 ? nmi : LAPIC_LVT_MASKED);
}

static int lapic_probe(struct device *dev)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    /* Firmware may hand over in x2APIC mode; going back to xAPIC is only
     * allowed through the disabled state (SDM vol. 3A, 11.12.5). */
    if (msr & APIC_BASE_X2APIC) {
        wrmsr(MSR_APIC_BASE, msr & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
        msr &= ~APIC_BASE_X2APIC;
    }
    /* Decode at the address the MADT gave (where firmware left it, normally). */
    uint64_t want = (dev->base & ~0xfffULL) | (msr & APIC_BASE_BSP) | APIC_BASE_ENABLE;
    if (msr != want)
        wrmsr(MSR_APIC_BASE, want);
    int err = device_map(dev);
    if (err)
        return err;
    x64_lapic_regs = (volatile uint32_t *)dev->regs;
    apic_id = lapic_read(LAPIC_ID) >> 24;
    lapic_write(LAPIC_TPR, 0); /* accept every priority class */
    lapic_write(LAPIC_SVR, SVR_ENABLE | X64_VECTOR_SPURIOUS);
    setup_lints(dev->bus_data);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | (X64_IRQ_LAPIC_TIMER + X64_IRQ_VECTOR_BASE));
    lapic_write(LAPIC_TIMER_INIT, 0);
    lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED | (X64_IRQ_LAPIC_ERROR + X64_IRQ_VECTOR_BASE));
    lapic_write(LAPIC_ESR, 0);
    /* An interrupt the firmware left in service would hold back every
     * vector of its priority class and below until EOIed. */
    for (unsigned i = 0; i < 256; i++) {
        unsigned busy = 0;
        for (unsigned r = 0; r < 8; r++)
            busy |= lapic_read(LAPIC_ISR + r * 0x10);
        if (!busy)
            break;
        lapic_eoi();
    }
    err = irq_chip_register(&lapic_chip, X64_IRQ_LOCAL_BASE, X64_IRQ_END - X64_IRQ_LOCAL_BASE);
    if (err)
        return err;
    irq_set_test_numbers(200, 2); /* vectors 232 and 233: free for tests */
    if (irq_register(X64_IRQ_LAPIC_ERROR, lapic_error, 0, "lapic error") != 0)
        pr_warn("lapic: APIC error interrupts will go unreported");
    /* No log line on success: each costs ~0.7 ms of boot on a polled UART
     * under TCG, and `devices` lists the local APIC. */
    return 0;
}

static const char *const lapic_compat[] = {"x86,lapic", NULL};
DRIVER(lapic_driver, .name = "lapic", .compatible = lapic_compat, .probe = lapic_probe);
