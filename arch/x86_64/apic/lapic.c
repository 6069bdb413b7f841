/**
 * @file lapic.c
 * @brief The local APIC in xAPIC (memory-mapped) mode: the root interrupt
 *        controller on x86. Software enable, the local interrupt sources,
 *        the dispatch the arch's entry calls, EOI, self-IPIs.
 *
 * One per CPU, at the same physical address on every CPU (each sees its
 * own). Bound to the "x86,lapic" device the platform code makes from the
 * MADT, or from IA32_APIC_BASE when there is no usable MADT. At probe it
 * registers its dispatch with hal_irq_set_root_handler(), a struct irq_chip
 * for the local numbers (lapic.h), the MSI chip (lapic_msi.c) and its timer
 * (lapic_timer.c). The timer and error interrupts can be masked in their
 * LVT entries; IPIs cannot be masked at all, so mask/unmask do nothing for
 * them.
 */
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/mmio.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>

#include <acpi/madt.h>
#include "i8259.h"
#include "lapic.h"
#include "lapic_internal.h"

#define SVR_ENABLE (1u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_SELF (1u << 18)
#define LVT_NMI (4u << 8)
#define LVT_EXTINT (7u << 8)
#define LVT_ACTIVE_LOW (1u << 13)

static volatile uint8_t *regs; /* this driver's only: the arch never sees it */
static uint32_t apic_id;

uint32_t lapic_read(unsigned reg) { return regs ? mmio_read32(regs + reg) : 0; }

void lapic_write(unsigned reg, uint32_t v)
{
    if (regs)
        mmio_write32(regs + reg, v);
}

uint32_t lapic_id(void) { return apic_id; }

int lapic_in_service(unsigned vector)
{
    if (!regs || vector > 255)
        return 0;
    return (lapic_read(LAPIC_ISR + vector / 32 * 0x10) >> (vector % 32)) & 1;
}

/*
 * The root handler: what the arch's entry calls for every vector 32-255.
 * The spurious vector sets no ISR bit, so it gets no EOI (SDM vol. 3A,
 * 11.9). Vectors 0x27 / 0x2f are both GSIs 7 / 15 and the 8259's spurious
 * IRQs; only those two pay for the ISR read (an MMIO access, a VM exit
 * under KVM). A masked MSI is held (lapic_msi.c) but still EOIed, or its
 * priority class would stay blocked.
 */
static void lapic_dispatch(unsigned long cause)
{
    unsigned vector = (unsigned)cause;
    if (vector == LAPIC_VECTOR_SPURIOUS) {
        irq_spurious();
        return;
    }
    if ((vector == I8259_VECTOR_BASE + 7 || vector == I8259_VECTOR_BASE + 15) &&
        !lapic_in_service(vector)) {
        i8259_stray(vector);
        return;
    }
    unsigned irq = vector - LAPIC_VECTOR_BASE;
    if (irq - LAPIC_IRQ_MSI_BASE >= LAPIC_IRQ_LOCAL_BASE - LAPIC_IRQ_MSI_BASE ||
        !lapic_msi_hold(irq))
        irq_handle(irq);
    /* EOI even for a software INT n that the APIC never delivered: with
     * nothing in service at that vector's level, the write is ignored. */
    lapic_write(LAPIC_EOI, 0);
}

static unsigned lvt_of(unsigned irq)
{
    if (irq == LAPIC_IRQ_TIMER)
        return LAPIC_LVT_TIMER;
    if (irq == LAPIC_IRQ_ERROR)
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

int lapic_self_ipi(unsigned vector)
{
    if (!regs)
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

/* Wait for the previous command to leave the ICR: 0, or -ETIMEDOUT. */
static int icr_idle(void)
{
    for (unsigned i = 0; lapic_read(LAPIC_ICR_LO) & ICR_PENDING; i++) {
        if (i == 1000000)
            return -ETIMEDOUT;
        hal_cpu_relax();
    }
    return 0;
}

int lapic_send_ipi(uint32_t dest_apic_id, uint32_t command)
{
    if (!regs)
        return -ENODEV;
    if (dest_apic_id > 0xff || (command & ~0xcfffu))
        return -EINVAL; /* xAPIC: 8-bit destination; no shorthand, no reserved bits */
    irqflags_t f = hal_irq_save();
    int err = icr_idle();
    if (!err) {
        lapic_write(LAPIC_ICR_HI, dest_apic_id << 24);
        lapic_write(LAPIC_ICR_LO, command); /* the write to the low half sends */
        err = icr_idle();
    }
    hal_irq_restore(f);
    return err;
}

/* Any local number but the spurious vector's may be sent; MSI numbers are
 * raised by lapic_msi.c's chip. One below the local span would be taken
 * for its IOAPIC GSI (and, for a level GSI, its EOI would confuse the
 * IOAPIC), and that span is not this chip's anyway. */
static int lapic_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    unsigned vector = irq + LAPIC_VECTOR_BASE;
    if (irq < LAPIC_IRQ_LOCAL_BASE || irq >= LAPIC_IRQ_END || vector == LAPIC_VECTOR_SPURIOUS)
        return -EINVAL;
    return lapic_self_ipi(vector);
}

static int lapic_chip_send_ipi(const struct irq_chip *chip, unsigned irq, uint32_t hwid)
{
    (void)chip;
    if (irq < LAPIC_IRQ_LOCAL_BASE || irq >= LAPIC_IRQ_END)
        return -EINVAL;
    /* Fixed delivery, edge, assert. The ICR write is ordered after earlier
     * stores (MMIO through the ordered accessor). */
    return lapic_send_ipi(hwid, LAPIC_IPI_FIXED | (irq + LAPIC_VECTOR_BASE));
}

/* An application processor's own local APIC: the same setup as the boot
 * CPU's, every local source masked, the IPI's vector needs no entry. */
static int lapic_cpu_init(const struct irq_chip *chip, unsigned ipi)
{
    (void)chip;
    (void)ipi;
    if (!regs)
        return -ENODEV;
    uint32_t setup[][2] = {
        {LAPIC_TPR, 0},
        {LAPIC_SVR, SVR_ENABLE | LAPIC_VECTOR_SPURIOUS},
        {LAPIC_LVT_LINT0, LAPIC_LVT_MASKED},
        {LAPIC_LVT_LINT1, LAPIC_LVT_MASKED},
        {LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | (LAPIC_IRQ_TIMER + LAPIC_VECTOR_BASE)},
        {LAPIC_TIMER_INIT, 0},
        {LAPIC_LVT_ERROR, LAPIC_LVT_MASKED | (LAPIC_IRQ_ERROR + LAPIC_VECTOR_BASE)},
        {LAPIC_ESR, 0}};
    for (unsigned i = 0; i < sizeof setup / sizeof setup[0]; i++)
        lapic_write(setup[i][0], setup[i][1]);
    return 0;
}

static const struct irq_chip lapic_chip = {.name = "lapic", .mask = lapic_mask,
                                           .unmask = lapic_unmask, .raise = lapic_raise,
                                           .send_ipi = lapic_chip_send_ipi,
                                           .cpu_init = lapic_cpu_init,
                                           .percpu_end = LAPIC_IRQ_END /* each CPU's own */};

static void lapic_error(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    lapic_write(LAPIC_ESR, 0); /* a write latches the errors seen since the last one */
    pr_warn("lapic: APIC error interrupt, ESR %#x", lapic_read(LAPIC_ESR));
}

/* LVT entries for the pin the MADT names as NMI (MPS INTI flags), else the
 * PC convention: LINT1. LINT0 is the 8259's path (ExtINT, virtual wire);
 * every device interrupt comes through the IOAPIC, so it stays masked. */
static void lint_entries(const struct madt_info *m, uint32_t *lint0, uint32_t *lint1)
{
    unsigned lint = 1;
    uint16_t flags = 0;
    if (!m || madt_lint_nmi(m, apic_id, &lint, &flags) != 0) {
        lint = 1;
        flags = 0;
    }
    uint32_t nmi = LVT_NMI | ((flags & 3) == 3 ? LVT_ACTIVE_LOW : 0);
    *lint0 = lint == 0 ? nmi : LAPIC_LVT_MASKED | LVT_EXTINT;
    *lint1 = lint == 1 ? nmi : LAPIC_LVT_MASKED;
}

static int lapic_probe(struct device *dev)
{
    if (regs)
        return -EBUSY; /* one local APIC per CPU, and one CPU so far */
    int err = device_map(dev);
    if (err)
        return err;
    regs = dev->regs;
    apic_id = lapic_read(LAPIC_ID) >> 24;
    /* Accept every priority class; software-enable; the local pins; timer
     * and error entries masked, the timer stopped, the error status
     * cleared. One loop over (register, value), not unrolled: under TCG
     * each call ends a translated block, and blocks cost boot time. */
    uint32_t setup[][2] = {
        {LAPIC_TPR, 0},
        {LAPIC_SVR, SVR_ENABLE | LAPIC_VECTOR_SPURIOUS},
        {LAPIC_LVT_LINT0, 0},
        {LAPIC_LVT_LINT1, 0},
        {LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | (LAPIC_IRQ_TIMER + LAPIC_VECTOR_BASE)},
        {LAPIC_TIMER_INIT, 0},
        {LAPIC_LVT_ERROR, LAPIC_LVT_MASKED | (LAPIC_IRQ_ERROR + LAPIC_VECTOR_BASE)},
        {LAPIC_ESR, 0}};
    lint_entries(dev->bus_data, &setup[2][1], &setup[3][1]);
#pragma clang loop unroll(disable)
    for (unsigned i = 0; i < sizeof setup / sizeof setup[0]; i++)
        lapic_write(setup[i][0], setup[i][1]);
    /* An interrupt the firmware left in service would hold back every
     * vector of its priority class and below until EOIed. */
    for (unsigned i = 0; i < 256; i++) {
        unsigned busy = 0;
#pragma clang loop unroll(disable)
        for (unsigned r = 0; r < 8; r++)
            busy |= lapic_read(LAPIC_ISR + r * 0x10);
        if (!busy)
            break;
        lapic_write(LAPIC_EOI, 0);
    }
    err = irq_chip_register(&lapic_chip, LAPIC_IRQ_LOCAL_BASE, LAPIC_IRQ_END - LAPIC_IRQ_LOCAL_BASE);
    if (!err)
        err = hal_irq_set_root_handler(lapic_dispatch);
    if (err) {
        pr_err("lapic: cannot be the root interrupt controller (%s)", errno_name(err));
        regs = NULL;
        return err;
    }
    irq_set_test_numbers(200, 2); /* vectors 232 and 233: free for tests */
    irq_set_ipi(&lapic_chip, LAPIC_IRQ_IPI);
    if (irq_register(LAPIC_IRQ_ERROR, lapic_error, 0, "lapic error") != 0)
        pr_warn("lapic: APIC error interrupts will go unreported");
    if (lapic_msi_init() != 0)
        pr_warn("lapic: no MSIs");
    lapic_timer_init();
    /* No log line on success: on a polled UART under TCG each line is boot
     * time, and `devices` lists the local APIC. */
    return 0;
}

static const char *const lapic_compat[] = {"x86,lapic", NULL};
DRIVER(lapic_driver, .name = "lapic", .compatible = lapic_compat, .probe = lapic_probe);
