/**
 * @file gic_v3.c
 * @brief GICv3 (Arm IHI 0069): probe (distributor with affinity routing,
 *        this CPU's redistributor), the ICC_* system-register CPU interface's
 *        acknowledge loop, and SGIs through ICC_SGI1R_EL1.
 *
 * SPIs are routed to the CPU that probed until irq_set_affinity() moves one; every interrupt
 * is non-secure group 1 with one priority, EOImode 0 (the EOI also
 * deactivates). The CPU interface is a set of system registers, so this
 * file has the only inline assembly of the GIC driver; it is compiled for
 * aarch64 only (arch/aarch64/CMakeLists.txt). LPIs and the ITS build on the
 * redistributor found here (gic_v3_lpi.c, gic_v3_its.c).
 */
#include "gic.h"
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>

/* v3 GICD_CTLR as a non-secure access sees it (or with DS = 1: the same
 * bits are EnableGrp0, EnableGrp1, ARE; group 0 stays empty). */
#define GICD_CTLR_GRP1 (1u << 0)
#define GICD_CTLR_GRP1A (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_DS (1u << 6) /* one security state: EL1 owns Group 0, signalled as FIQ */

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

/* GICD_IROUTER for "this CPU alone" (Interrupt_Routing_Mode 0): MPIDR's
 * affinity fields where MPIDR has them, Aff3 in 39:32. */
static uint64_t irouter_of(uint64_t mpidr)
{
    return mpidr & 0xff00ffffffull;
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

static int find_redistributor(const struct device *dev, unsigned regions, uint32_t stride,
                              struct gic_redist *out);
static int wake_redistributor(const struct iomem *rd);
static int enable_sysregs(const struct device *dev);
static void cpu_interface_on(void);

/* ICC_SGI1R_EL1 (ICC_SGI0R_EL1 with @p group0) for SGI @p irq to the one
 * CPU with MPIDR affinity @p m. */
static void send_sgi(unsigned irq, uint64_t m, int group0)
{
    /* Stores before the SGI are visible to its handler (on any CPU, later). */
    __asm__ volatile("dsb ishst" ::: "memory");
    /* ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44] (Aff0 / 16), Aff2 [39:32],
     * INTID [27:24], Aff1 [23:16], TargetList [15:0] (bit Aff0 % 16). */
    uint64_t aff0 = m & 0xff;
    uint64_t v = (m >> 32 & 0xff) << 48 | (aff0 >> 4) << 44 | (m >> 16 & 0xff) << 32 |
                 (uint64_t)irq << 24 | (m >> 8 & 0xff) << 16 | 1ull << (aff0 & 15);
    if (group0)
        SYSREG_WRITE(icc_sgi0r_el1, v);
    else
        SYSREG_WRITE(icc_sgi1r_el1, v);
    __asm__ volatile("isb");
}

static int gicv3_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    send_sgi(irq, read_mpidr(), 0);
    return 0;
}

/* MPIDR affinity of the CPU with hal_cpu_id() @p hwid: that packs Aff3 in
 * 31:24; MPIDR has it in 39:32. */
static uint64_t mpidr_of(uint32_t hwid)
{
    return (uint64_t)(hwid & 0xffffffu) | (uint64_t)(hwid >> 24) << 32;
}

static int gicv3_send_ipi(const struct irq_chip *chip, unsigned irq, uint32_t hwid)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    send_sgi(irq, mpidr_of(hwid), 0);
    return 0;
}

int gic_send_nmi(uint32_t hwid)
{
    if (!gic.nmi)
        return -ENOTSUP;
    send_sgi(GIC_SGI_NMI, mpidr_of(hwid), 1);
    return 0;
}

unsigned gic_nmi_ack(void)
{
    uint64_t v;
    SYSREG_READ(icc_iar0_el1, v);
    __asm__ volatile("dsb sy" ::: "memory");
    return (unsigned)(v & 0xffffff);
}

void gic_nmi_eoi(unsigned intid)
{
    if (intid >= 1020)
        return;
    SYSREG_WRITE(icc_eoir0_el1, intid);
    __asm__ volatile("isb");
}

/* This CPU's NMI SGI: Group 0 (the only one: every other INTID is Group 1),
 * highest priority, enabled; the SGI frame's other settings are done. */
static void nmi_sgi_setup(const struct iomem *sgi)
{
    if (!gic.nmi)
        return;
    gic_wr32(sgi, GICD_IGROUPR, ~(1u << GIC_SGI_NMI));
    unsigned reg = GICD_IPRIORITYR + GIC_SGI_NMI / 4 * 4, shift = GIC_SGI_NMI % 4 * 8;
    uint32_t pr = gic_rd32(sgi, reg);
    gic_wr32(sgi, reg, (pr & ~(0xffu << shift)) | GIC_PRIO_NMI << shift);
    gic_wr32(sgi, GICD_ISENABLER, 1u << GIC_SGI_NMI);
}

/* A CPU started after probe: its own redistributor (found by affinity,
 * woken, SGIs and PPIs quiet at the common priority, the IPI enabled) and
 * its system-register interface. SPIs stay routed to the boot CPU until
 * irq_set_affinity() sends one here. */
static int gicv3_cpu_init(const struct irq_chip *chip, unsigned ipi)
{
    (void)chip;
    if (!gic.dev || ipi >= 16)
        return -ENODEV;
    int err = enable_sysregs(gic.dev);
    if (err)
        return err;
    struct gic_redist found;
    if (find_redistributor(gic.dev, gic.rd_regions, gic.rd_stride, &found))
        return -ENODEV;
    if (wake_redistributor(&found.rd))
        return -EIO;
    struct gic_redist *me = &gic.redist[cpu_this()->index];
    *me = found; /* gic_banked() is this frame from now on */
    const struct iomem *rd = &me->rd, *sgi = &me->sgi;
    gic_note_route(irouter_of(read_mpidr()));
    gic_wr32(sgi, GICD_IGROUPR, ~0u);
    gic_wr32(sgi, GICD_ICENABLER, ~0u);
    for (int spins = 0; gic_rd32(rd, GICR_CTLR) & GICR_CTLR_RWP; spins++)
        if (spins == SPIN_LIMIT)
            return -EIO;
    gic_wr32(sgi, GICD_ICPENDR, ~0u);
    for (unsigned i = 0; i < 32; i += 4)
        gic_wr32(sgi, GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
    gic_wr32(sgi, GICD_ISENABLER, 1u << ipi);
    nmi_sgi_setup(sgi);
    cpu_interface_on();
    return 0;
}

static const struct irq_chip gicv3_chip = {
    .name = "gicv3", .mask = gic_mask, .unmask = gic_unmask, .configure = gic_configure,
    .raise = gicv3_raise, .send_ipi = gicv3_send_ipi, .cpu_init = gicv3_cpu_init,
    .set_affinity = gic_set_affinity, .percpu_end = 32,
};

/* ---- probe ---- */

/*
 * This CPU's redistributor into @p out: frames follow each other in each
 * region given in reg[1..regions], 128 KiB each (256 KiB with the v4
 * virtual LPI frames) unless the DT says "redistributor-stride", until one
 * has GICR_TYPER.Last. 0, or -ENODEV (not found, or a region not mapped).
 */
static int find_redistributor(const struct device *dev, unsigned regions, uint32_t stride,
                              struct gic_redist *out)
{
    uint32_t aff = affinity32(read_mpidr());
    for (unsigned r = 1; r <= regions; r++) {
        struct iomem region;
        if (iomem_map(&region, dev->reg_base[r], dev->reg_size[r]))
            return -ENODEV;
        for (size_t off = 0; off + 2 * GICR_SGI <= region.size;) {
            struct iomem rd = iomem_sub(&region, off, GICR_SGI);
            uint64_t typer = gic_rd64(&rd, GICR_TYPER);
            if ((uint32_t)(typer >> 32) == aff) {
                *out = (struct gic_redist){rd, iomem_sub(&region, off + GICR_SGI, GICR_SGI),
                                           dev->reg_base[r] + off};
                return 0;
            }
            if (typer & GICR_TYPER_LAST)
                break;
            off += stride ? stride : (typer & GICR_TYPER_VLPIS) ? 4 * GICR_SGI : 2 * GICR_SGI;
        }
    }
    return -ENODEV;
}

/* Clear ProcessorSleep and wait for ChildrenAsleep to follow: 0 or -EIO. */
static int wake_redistributor(const struct iomem *rd)
{
    gic_wr32(rd, GICR_WAKER, gic_rd32(rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
    for (int spins = 0; gic_rd32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP; spins++)
        if (spins == SPIN_LIMIT)
            return -EIO;
    return 0;
}

/* This CPU's interface: priority mask open, binary point 0, EOImode 0
 * (EOIR also deactivates), group 1 on. */
static void cpu_interface_on(void)
{
    SYSREG_WRITE(icc_pmr_el1, GIC_PRIO_MASK);
    SYSREG_WRITE(icc_bpr1_el1, 0);
    SYSREG_WRITE(icc_ctlr_el1, 0);
    SYSREG_WRITE(icc_igrpen1_el1, 1);
    if (gic.nmi) {
        SYSREG_WRITE(icc_bpr0_el1, 0);
        SYSREG_WRITE(icc_igrpen0_el1, 1);
    }
    __asm__ volatile("isb");
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
    struct gic_redist *me = &gic.redist[cpu_this()->index];
    err = iomem_map(&gic.dist, dev->reg_base[0], dev->reg_size[0]);
    if (!err)
        err = find_redistributor(dev, regions, stride, me);
    if (err) {
        gic.version = 0;
        pr_err("gic: %s: no redistributor for MPIDR %#lx", dev->name, (unsigned long)read_mpidr());
        return -ENODEV;
    }
    gic.rd = me;
    gic.banked = &me->sgi;
    gic.nirqs = gic_count_irqs();

    /* Distributor: off, then affinity routing on (changing ARE with a group
     * enabled is UNPREDICTABLE), SPIs quiet (routed to this CPU as each is
     * first unmasked: prepare_spi), then on again. */
    gic_wr32(&gic.dist, GICD_CTLR, 0);
    gic_wait_rwp(&gic.dist);
    gic_wr32(&gic.dist, GICD_CTLR, GICD_CTLR_ARE);
    gic_wait_rwp(&gic.dist);
    gic_note_route(irouter_of(read_mpidr()));
    gic_quiesce(&gic.dist, 32, gic.nirqs, 1);

    /* Redistributor: awake (ProcessorSleep clear, wait for ChildrenAsleep to
     * follow), SGIs and PPIs quiet. */
    if (wake_redistributor(&gic.rd->rd)) {
        gic.version = 0;
        pr_err("gic: %s: redistributor does not wake up", dev->name);
        return -EIO;
    }
    gic_quiesce(gic.banked, 0, 32, 1);
    gic_prioritise_banked();
    /* With DS (one security state, as QEMU's virt without EL3), bits 0 and
     * 1 enable Group 0 and Group 1, and Group 0 reaches EL1 as FIQ: the NMI. */
    gic.nmi = !!(gic_rd32(&gic.dist, GICD_CTLR) & GICD_CTLR_DS);
    nmi_sgi_setup(gic.banked);
    gic_wr32(&gic.dist, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP1A);
    gic_wait_rwp(&gic.dist);

    cpu_interface_on();
    gic.dev = dev;
    gic.rd_regions = regions;
    gic.rd_stride = stride;
    return gic_finish_probe(dev, &gicv3_chip, gicv3_root);
}

static const char *const gicv3_compat[] = {"arm,gic-v3", NULL};
DRIVER(gicv3_driver, .name = "gicv3", .compatible = gicv3_compat, .probe = gicv3_probe);
