/**
 * @file gic_v3.c
 * @brief GICv3 (Arm IHI 0069): probe (distributor with affinity routing,
 *        this CPU's redistributor), the ICC_* system-register CPU interface's
 *        acknowledge loop, and SGIs through ICC_SGI1R_EL1.
 *
 * One CPU for now: SPIs are routed to the CPU that probed, every interrupt
 * is non-secure group 1 with one priority, EOImode 0 (the EOI also
 * deactivates). The CPU interface is a set of system registers, so this
 * file has the only inline assembly of the GIC driver; it is compiled for
 * aarch64 only (arch/aarch64/CMakeLists.txt). LPIs and the ITS build on the
 * redistributor found here (gic_v3_lpi.c, gic_v3_its.c).
 */
#include "gic.h"
#include <hal/mmu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>

/* v3 GICD_CTLR as a non-secure access sees it (or with DS = 1: the same
 * bits are EnableGrp0, EnableGrp1, ARE; group 0 stays empty). */
#define GICD_CTLR_GRP1 (1u << 0)
#define GICD_CTLR_GRP1A (1u << 1)
#define GICD_CTLR_ARE (1u << 4)

#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

#define SYSREG_WRITE(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define SYSREG_READ(reg, v) __asm__ volatile("mrs %0, " #reg : "=r"(v) : : "memory")

static uint64_t read_mpidr(void)
{
    uint64_t v;
    SYSREG_READ(mpidr_el1, v);
    return v;
}

/* MPIDR affinity as GICR_TYPER[63:32] and GICD_IROUTER hold it: Aff3.Aff2.Aff1.Aff0. */
static uint32_t affinity32(uint64_t mpidr)
{
    return (uint32_t)((mpidr >> 8 & 0xff000000u) | (mpidr & 0xffffff));
}

/* ---- the interrupt entry and SGIs ---- */

static uint32_t gicv3_ack(void)
{
    uint64_t v;
    SYSREG_READ(icc_iar1_el1, v);
    return (uint32_t)v;
}

static void gicv3_eoi(uint32_t iar)
{
    SYSREG_WRITE(icc_eoir1_el1, iar);
    __asm__ volatile("isb");
}

static void gicv3_root(unsigned long cause)
{
    (void)cause; /* the IAR says which */
    gic_ack_loop(gicv3_ack, gicv3_eoi, 0xffffff);
}

static int gicv3_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    /* Stores before the SGI are visible to its handler (on any CPU, later). */
    __asm__ volatile("dsb ishst" ::: "memory");
    /* ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44] (Aff0 / 16), Aff2 [39:32],
     * INTID [27:24], Aff1 [23:16], TargetList [15:0] (bit Aff0 % 16). */
    uint64_t m = read_mpidr(), aff0 = m & 0xff;
    uint64_t v = (m >> 32 & 0xff) << 48 | (aff0 >> 4) << 44 | (m >> 16 & 0xff) << 32 |
                 (uint64_t)irq << 24 | (m >> 8 & 0xff) << 16 | 1ull << (aff0 & 15);
    SYSREG_WRITE(icc_sgi1r_el1, v);
    __asm__ volatile("isb");
    return 0;
}

static const struct irq_chip gicv3_chip = {
    .name = "gicv3", .mask = gic_mask, .unmask = gic_unmask, .configure = gic_configure,
    .raise = gicv3_raise,
};

/* ---- probe ---- */

/*
 * This CPU's redistributor: frames follow each other in each region given
 * in reg[1..regions], 128 KiB each (256 KiB with the v4 virtual LPI frames)
 * unless the DT says "redistributor-stride", until one has GICR_TYPER.Last.
 */
static int find_redistributor(const struct device *dev, unsigned regions, uint32_t stride)
{
    uint32_t aff = affinity32(read_mpidr());
    for (unsigned r = 1; r <= regions; r++) {
        volatile uint8_t *base = hal_ioremap(dev->reg_base[r], dev->reg_size[r]);
        if (!base)
            return -ENOMEM;
        for (uint64_t off = 0; off + 2 * GICR_SGI <= dev->reg_size[r];) {
            uint64_t typer = gic_rd64(base + off, GICR_TYPER);
            if ((uint32_t)(typer >> 32) == aff) {
                gic.rd = base + off;
                gic.rd_phys = dev->reg_base[r] + off;
                return 0;
            }
            if (typer & GICR_TYPER_LAST)
                break;
            off += stride ? stride : (typer & GICR_TYPER_VLPIS) ? 4 * GICR_SGI : 2 * GICR_SGI;
        }
    }
    return -ENODEV;
}

/* The system-register CPU interface: present in the core (a DT may say
 * gic-v3 on a core without it, whose ICC_* registers would be UNDEFINED: a
 * fault rather than an error), and enabled: SRE sticks only if EL2
 * (entry.S) or firmware allowed it. */
static int enable_sysregs(const struct device *dev)
{
    uint64_t pfr0, sre;
    SYSREG_READ(id_aa64pfr0_el1, pfr0);
    if (((pfr0 >> 24) & 0xf) == 0) {
        pr_err("gic: %s: this CPU has no GICv3 system-register interface", dev->name);
        return -ENODEV;
    }
    SYSREG_READ(icc_sre_el1, sre);
    SYSREG_WRITE(icc_sre_el1, sre | 7); /* SRE, and no IRQ/FIQ bypass */
    __asm__ volatile("isb");
    SYSREG_READ(icc_sre_el1, sre);
    if (!(sre & 1)) {
        pr_err("gic: %s: ICC_SRE_EL1.SRE will not set; no GICv3 CPU interface", dev->name);
        return -ENODEV;
    }
    return 0;
}

static int gicv3_probe(struct device *dev)
{
    if (gic.version)
        return -EBUSY;
    const struct fdt *fdt = dev->bus_data;
    uint32_t regions = 1, stride = 0;
    if (fdt) {
        fdt_prop_u32(fdt, dev->fdt_node, "#redistributor-regions", &regions);
        fdt_prop_u32(fdt, dev->fdt_node, "redistributor-stride", &stride);
    }
    /* regions is bounded first: 1 + 0xffffffff would wrap past the check. */
    if (regions < 1 || regions > DEV_MAX_REGS - 1 || dev->nregs < 1 + regions ||
        dev->reg_size[0] < 0x10000 || (stride & 0xffff))
        return -EINVAL;
    int err = enable_sysregs(dev);
    if (err)
        return err;
    gic.version = 3; /* for gic_wait_rwp() from here on; reset on failure */
    gic.dist = hal_ioremap(dev->reg_base[0], dev->reg_size[0]);
    err = gic.dist ? find_redistributor(dev, regions, stride) : -ENOMEM;
    if (err) {
        gic.version = 0;
        pr_err("gic: %s: no redistributor for MPIDR %#lx", dev->name, (unsigned long)read_mpidr());
        return err;
    }
    gic.banked = gic.rd + GICR_SGI;
    gic.nirqs = gic_count_irqs();

    /* Distributor: off, then affinity routing on (changing ARE with a group
     * enabled is UNPREDICTABLE), SPIs quiet (routed to this CPU as each is
     * first unmasked: prepare_spi), then on again. */
    gic_wr32(gic.dist, GICD_CTLR, 0);
    gic_wait_rwp(gic.dist);
    gic_wr32(gic.dist, GICD_CTLR, GICD_CTLR_ARE);
    gic_wait_rwp(gic.dist);
    uint64_t route = affinity32(read_mpidr());
    gic.route = (route & 0xff000000u) << 8 | (route & 0xffffff); /* IRM = 0: this one CPU */
    gic_quiesce(gic.dist, 32, gic.nirqs, 1);

    /* Redistributor: awake (ProcessorSleep clear, wait for ChildrenAsleep to
     * follow), SGIs and PPIs quiet. */
    gic_wr32(gic.rd, GICR_WAKER, gic_rd32(gic.rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
    int spins = 0;
    while ((gic_rd32(gic.rd, GICR_WAKER) & GICR_WAKER_ASLEEP) && ++spins < SPIN_LIMIT)
        ;
    if (spins == SPIN_LIMIT) {
        gic.version = 0;
        pr_err("gic: %s: redistributor does not wake up", dev->name);
        return -EIO;
    }
    gic_quiesce(gic.banked, 0, 32, 1);
    gic_prioritise_banked();
    gic_wr32(gic.dist, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP1A);
    gic_wait_rwp(gic.dist);

    SYSREG_WRITE(icc_pmr_el1, PRIO_MASK);
    SYSREG_WRITE(icc_bpr1_el1, 0);
    SYSREG_WRITE(icc_ctlr_el1, 0); /* EOImode 0: EOIR also deactivates */
    SYSREG_WRITE(icc_igrpen1_el1, 1);
    __asm__ volatile("isb");
    return gic_finish_probe(dev, &gicv3_chip, gicv3_root);
}

static const char *const gicv3_compat[] = {"arm,gic-v3", NULL};
DRIVER(gicv3_driver, .name = "gicv3", .compatible = gicv3_compat, .probe = gicv3_probe);
