/**
 * @file gic_v2.c
 * @brief GICv2 (Arm IHI 0048): probe, the memory-mapped CPU interface's
 *        acknowledge loop, and SGIs through GICD_SGIR.
 *
 * SPIs are routed to the CPU that probed; other CPUs get their banked part
 * and CPU interface from gicv2_cpu_init() and take SGIs (the IPI). Every interrupt
 * gets one priority and is in group 0, which a GIC without security
 * extensions signals as IRQ while FIQs are off. EOImode 0: the EOI also
 * deactivates. The distributor operations are gic_common.c's.
 */
#include "gic.h"
#include <hal/cpu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>

/* CPU interface. */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

static uint32_t gicv2_ack(void)
{
    return gic_rd32(&gic.cpu, GICC_IAR);
}

/* The whole IAR value goes back: it names an SGI's source CPU. */
static void gicv2_eoi(uint32_t iar)
{
    gic_wr32(&gic.cpu, GICC_EOIR, iar);
}

static void gicv2_root(unsigned long cause)
{
    (void)cause; /* the IAR says which */
    gic_ack_loop(gicv2_ack, gicv2_eoi, 0x3ff);
}

static int gicv2_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    /* Stores before the SGI are visible to its handler: the ordered write. */
    iomem_write32(&gic.dist, GICD_SGIR, 2u << 24 | irq); /* TargetListFilter 2: this CPU */
    return 0;
}

/* Each CPU's bit in SGI target lists (its GICD_ITARGETSR byte: CPU
 * interface numbers are not MPIDRs), recorded as each CPU comes up. */
static struct {
    uint32_t hwid;
    uint8_t mask;
} v2_cpus[8];
static unsigned v2_ncpus;

/* Reading any of ITARGETSR0-7 gives the reading CPU's own bit (0 on a
 * uniprocessor GIC, where the field is RAZ/WI). */
static uint8_t this_cpu_mask(void)
{
    return (uint8_t)(gic_rd32(&gic.dist, GICD_ITARGETSR) & 0xff);
}

static void note_cpu(uint8_t mask)
{
    if (v2_ncpus < 8)
        v2_cpus[v2_ncpus++] = (typeof(v2_cpus[0])){hal_cpu_id(), mask};
}

static int gicv2_send_ipi(const struct irq_chip *chip, unsigned irq, uint32_t hwid)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    for (unsigned i = 0; i < v2_ncpus; i++)
        if (v2_cpus[i].hwid == hwid && v2_cpus[i].mask) {
            /* TargetListFilter 0: the CPUs in CPUTargetList [23:16]. */
            iomem_write32(&gic.dist, GICD_SGIR, (uint32_t)v2_cpus[i].mask << 16 | irq);
            return 0;
        }
    return -EINVAL;
}

/* A CPU started after probe: its banked SGI/PPI enables (quiet but the
 * IPI) and priorities, and its CPU interface. SPIs stay with the boot CPU. */
static int gicv2_cpu_init(const struct irq_chip *chip, unsigned ipi)
{
    (void)chip;
    if (ipi >= 16)
        return -ENODEV;
    note_cpu(this_cpu_mask());
    gic_note_route(this_cpu_mask());
    gic_wr32(&gic.dist, GICD_ICENABLER, ~0u);
    gic_wr32(&gic.dist, GICD_ICPENDR, ~0u);
    gic_prioritise_banked();
    gic_wr32(&gic.dist, GICD_ISENABLER, 1u << ipi);
    gic_wr32(&gic.cpu, GICC_PMR, GIC_PRIO_MASK);
    gic_wr32(&gic.cpu, GICC_CTLR, 1);
    return 0;
}

static const struct irq_chip gicv2_chip = {
    .name = "gicv2", .mask = gic_mask, .unmask = gic_unmask, .configure = gic_configure,
    .raise = gicv2_raise, .send_ipi = gicv2_send_ipi, .cpu_init = gicv2_cpu_init,
    .set_affinity = gic_set_affinity, .percpu_end = 32,
};

static int gicv2_probe(struct device *dev)
{
    if (gic.version)
        return -EBUSY; /* one GIC per system */
    if (dev->nregs < 2 || dev->reg_size[0] < 0x1000 || dev->reg_size[1] < 0x100)
        return -EINVAL;
    int dist = iomem_map(&gic.dist, dev->reg_base[0], dev->reg_size[0]);
    int cpu = iomem_map(&gic.cpu, dev->reg_base[1], dev->reg_size[1]);
    if (dist || cpu)
        return -ENOMEM;
    gic.banked = &gic.dist;
    gic.nirqs = gic_count_irqs();
    gic_wr32(&gic.dist, GICD_CTLR, 0);
    note_cpu(this_cpu_mask());
    gic_note_route(this_cpu_mask()); /* where SPIs go until routed elsewhere */
    /* From a non-secure CPU every interrupt is group 1 and IGROUPR cannot
     * be written, so leave it alone. SGI enables may be fixed at 1
     * (implementation defined), so an SGI cannot always be masked. */
    gic_quiesce(&gic.dist, 0, gic.nirqs, 0);
    gic_prioritise_banked();
    gic_wr32(&gic.dist, GICD_CTLR, 1);
    gic_wr32(&gic.cpu, GICC_PMR, GIC_PRIO_MASK);
    gic_wr32(&gic.cpu, GICC_CTLR, 1); /* signal interrupts; EOImode 0, no FIQs */
    gic.version = 2;
    return gic_finish_probe(dev, &gicv2_chip, gicv2_root);
}

static const char *const gicv2_compat[] = {"arm,gic-400", "arm,cortex-a15-gic",
                                           "arm,cortex-a9-gic", "arm,cortex-a7-gic", NULL};
DRIVER(gicv2_driver, .name = "gicv2", .compatible = gicv2_compat, .probe = gicv2_probe);
