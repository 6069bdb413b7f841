/**
 * @file gic.c
 * @brief Arm Generic Interrupt Controller, v2 and v3 (Arm IHI 0048, IHI 0069).
 *
 * Both versions share the distributor's layout for everything we use, and
 * a v3 redistributor's SGI frame repeats that layout for INTIDs 0-31, so
 * mask, unmask and trigger configuration are one code path over two
 * register frames: the distributor for SPIs, the "banked" frame for SGIs
 * and PPIs (v2: the distributor itself, banked per CPU; v3: this CPU's
 * redistributor). Acknowledge, end-of-interrupt and SGIs differ: v2 uses the
 * memory-mapped CPU interface, v3 the ICC_* system registers.
 *
 * One CPU for now: SPIs are routed to the CPU that probed. Every interrupt
 * gets one priority and is in the group the CPU interface signals as IRQ
 * (v2: group 0 with FIQs off; v3: non-secure group 1). EOImode 0: the EOI
 * also deactivates.
 */
#include <arch/gic.h>
#include <kernel/irq.h>
#include <hal/mmu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>

/* Distributor (and, at the same offsets, the v3 redistributor's SGI frame). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800 /* v2 */
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00      /* v2 */
#define GICD_IROUTER 0x6000  /* v3, 64-bit, SPIs only */
#define GICD_CTLR_RWP (1u << 31)
/* v3 GICD_CTLR as a non-secure access sees it (or with DS = 1: the same
 * bits are EnableGrp0, EnableGrp1, ARE; group 0 stays empty). */
#define GICD_CTLR_GRP1 (1u << 0)
#define GICD_CTLR_GRP1A (1u << 1)
#define GICD_CTLR_ARE (1u << 4)

/* v3 redistributor: RD_base frame, then the SGI frame 64 KiB above it. */
#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000
#define GICR_CTLR_RWP (1u << 3)
#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

/* v2 CPU interface. */
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define PRIO_DEFAULT 0xa0u /* every interrupt; below the mask, so all are signalled */
#define PRIO_MASK 0xf0u    /* representable however few priority bits exist */
#define SPIN_LIMIT 1000000 /* polls of a "write pending" bit before giving up */

static struct gic {
    unsigned version;          /* 2 or 3; 0 until probed */
    volatile uint8_t *dist;
    volatile uint8_t *banked;  /* INTIDs 0-31: v2 the distributor, v3 GICR SGI frame */
    volatile uint8_t *rd;      /* v3: this CPU's RD_base */
    volatile uint8_t *cpu;     /* v2: CPU interface */
    unsigned nirqs;            /* INTIDs [0, nirqs) exist */
    uint64_t route;            /* v3: GICD_IROUTER value for this CPU */
    uint8_t target;            /* v2: GICD_ITARGETSR byte for this CPU */
    uint32_t spi_ready[32];    /* SPIs whose priority and target are set */
} gic;

static inline uint32_t rd32(volatile uint8_t *base, unsigned off)
{
    return *(volatile uint32_t *)(base + off);
}

static inline void wr32(volatile uint8_t *base, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

static inline uint64_t rd64(volatile uint8_t *base, unsigned off)
{
    return *(volatile uint64_t *)(base + off);
}

static uint64_t read_mpidr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
    return v;
}

/* MPIDR affinity as GICR_TYPER[63:32] and GICD_IROUTER hold it: Aff3.Aff2.Aff1.Aff0. */
static uint32_t affinity32(uint64_t mpidr)
{
    return (uint32_t)((mpidr >> 8 & 0xff000000u) | (mpidr & 0xffffff));
}

/* A v3 register write that clears an enable or changes ARE takes effect
 * only once RWP reads 0; the v2 distributor has no such bit. */
static void wait_rwp(volatile uint8_t *frame)
{
    if (gic.version != 3)
        return;
    int is_rd = frame == gic.banked;
    volatile uint8_t *reg = is_rd ? gic.rd : gic.dist;
    uint32_t bit = is_rd ? GICR_CTLR_RWP : GICD_CTLR_RWP;
    for (int i = 0; i < SPIN_LIMIT; i++)
        if (!(rd32(reg, is_rd ? GICR_CTLR : GICD_CTLR) & bit))
            return;
    pr_warn("gic: register write still pending after %d polls", SPIN_LIMIT);
}

static volatile uint8_t *frame_of(unsigned irq)
{
    return irq < 32 ? gic.banked : gic.dist;
}

static void gic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    volatile uint8_t *f = frame_of(irq);
    wr32(f, GICD_ICENABLER + 4 * (irq / 32), 1u << (irq % 32));
    wait_rwp(f);
}

/*
 * An SPI's priority and target, set at its first unmask rather than for
 * every SPI at probe: that was ~300 MMIO writes (most of them IROUTER), and
 * each is a trip out of TCG into the device model, ~0.5 ms of boot for
 * interrupts that are mostly never used. A disabled interrupt is never
 * signalled, so until it is enabled neither value matters. Both registers
 * are byte-accessible (IHI 0048 4.3.11/4.3.12, IHI 0069 12.9.22); IROUTER
 * is one 64-bit register per SPI. Callers hold the irq table's lock.
 */
static void prepare_spi(unsigned irq)
{
    uint32_t bit = 1u << (irq % 32);
    if (irq < 32 || (gic.spi_ready[irq / 32] & bit))
        return;
    gic.dist[GICD_IPRIORITYR + irq] = PRIO_DEFAULT;
    if (gic.version == 3)
        *(volatile uint64_t *)(gic.dist + GICD_IROUTER + 8 * irq) = gic.route;
    else
        gic.dist[GICD_ITARGETSR + irq] = gic.target;
    gic.spi_ready[irq / 32] |= bit;
}

static void gic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    prepare_spi(irq);
    wr32(frame_of(irq), GICD_ISENABLER + 4 * (irq / 32), 1u << (irq % 32));
}

/* SGIs are always edge-triggered. Whether a PPI's trigger can change is up
 * to the implementation, so the new value is read back. The mode must not
 * change while the interrupt is enabled (IHI 0069 12.9.9). */
static int gic_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger)
{
    if (trigger == IRQ_TRIGGER_DEFAULT)
        return 0;
    if (irq < 16)
        return trigger == IRQ_TRIGGER_EDGE ? 0 : -EINVAL;
    volatile uint8_t *f = frame_of(irq);
    unsigned cfg = GICD_ICFGR + 4 * (irq / 16), bit = 2 * (irq % 16) + 1;
    uint32_t en = 1u << (irq % 32);
    int was_enabled = (rd32(f, GICD_ISENABLER + 4 * (irq / 32)) & en) != 0;
    if (was_enabled)
        gic_mask(chip, irq);
    uint32_t v = rd32(f, cfg) & ~(1u << bit);
    if (trigger == IRQ_TRIGGER_EDGE)
        v |= 1u << bit;
    wr32(f, cfg, v);
    int ok = rd32(f, cfg) == v;
    if (was_enabled)
        gic_unmask(chip, irq);
    return ok ? 0 : -EINVAL;
}

static int gic_raise(const struct irq_chip *chip, unsigned irq);

static struct irq_chip gic_chip = {
    .mask = gic_mask, .unmask = gic_unmask, .configure = gic_configure, .raise = gic_raise,
};

/* Disable and clear every interrupt of @p frame from @p first to @p end
 * (a multiple of 32). One RWP wait covers all the disables: it reports
 * whether any register write is still in flight. Priorities: see
 * prioritise() and prepare_spi(). */
static void quiesce(volatile uint8_t *frame, unsigned first, unsigned end, int group1)
{
    for (unsigned i = first; i < end; i += 32) {
        if (group1)
            wr32(frame, GICD_IGROUPR + i / 8, ~0u);
        wr32(frame, GICD_ICENABLER + i / 8, ~0u);
    }
    wait_rwp(frame);
    for (unsigned i = first; i < end; i += 32)
        wr32(frame, GICD_ICPENDR + i / 8, ~0u);
}

/* SGIs and PPIs get their priority at probe: eight writes, and an SGI
 * whose enable is fixed at 1 (v2) is never unmasked through us. */
static void prioritise_banked(void)
{
    for (unsigned i = 0; i < 32; i += 4)
        wr32(gic.banked, GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
}

/* INTIDs the distributor implements: 32 * (ITLinesNumber + 1), 1020 at most. */
static unsigned count_irqs(void)
{
    unsigned n = 32 * ((rd32(gic.dist, GICD_TYPER) & 0x1f) + 1);
    return n > 1020 ? 1020 : n;
}

static int finish_probe(struct device *dev, unsigned version, const char *name)
{
    gic.version = version;
    gic_chip.name = name;
    int err = irq_chip_register(&gic_chip, 0, gic.nirqs);
    if (err) {
        gic.version = 0;
        return err;
    }
    irq_set_test_numbers(6, 2); /* SGIs 6 and 7: free for tests */
    pr_info("gic: %s %s at %#lx, %u interrupts", dev->name, name, (unsigned long)dev->base,
            gic.nirqs);
    return 0;
}

/* ---- GICv2 ---- */

static int gicv2_probe(struct device *dev)
{
    if (gic.version)
        return -EBUSY; /* one GIC per system */
    if (dev->nregs < 2 || dev->reg_size[0] < 0x1000 || dev->reg_size[1] < 0x100)
        return -EINVAL;
    gic.dist = hal_ioremap(dev->reg_base[0], dev->reg_size[0]);
    gic.cpu = hal_ioremap(dev->reg_base[1], dev->reg_size[1]);
    if (!gic.dist || !gic.cpu)
        return -ENOMEM;
    gic.banked = gic.dist;
    gic.nirqs = count_irqs();
    wr32(gic.dist, GICD_CTLR, 0);
    /* Reading any of ITARGETSR0-7 gives the reading CPU's own bit, which
     * is where SPIs go (0 on a uniprocessor GIC, where the field is RAZ/WI). */
    uint32_t me = rd32(gic.dist, GICD_ITARGETSR) & 0xff;
    /* Group 0 is what a GIC without security extensions signals as IRQ
     * (FIQEn clear); from a non-secure CPU every interrupt is group 1 and
     * IGROUPR cannot be written, so leave it alone. SGI enables may be
     * fixed at 1 (implementation defined), so an SGI cannot always be masked. */
    gic.target = (uint8_t)me;
    quiesce(gic.dist, 0, gic.nirqs, 0);
    prioritise_banked();
    wr32(gic.dist, GICD_CTLR, 1);
    wr32(gic.cpu, GICC_PMR, PRIO_MASK);
    wr32(gic.cpu, GICC_CTLR, 1); /* signal interrupts; EOImode 0, no FIQs */
    return finish_probe(dev, 2, "gicv2");
}

/* ---- GICv3 ---- */

#define SYSREG_WRITE(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define SYSREG_READ(reg, v) __asm__ volatile("mrs %0, " #reg : "=r"(v) : : "memory")

/*
 * This CPU's redistributor: frames follow each other in each region given
 * in reg[1..regions], 128 KiB each (256 KiB with the v4 virtual LPI frames)
 * unless the DT says "redistributor-stride", until one has GICR_TYPER.Last.
 */
static volatile uint8_t *find_redistributor(const struct device *dev, unsigned regions,
                                            uint32_t stride)
{
    uint32_t aff = affinity32(read_mpidr());
    for (unsigned r = 1; r <= regions; r++) {
        volatile uint8_t *base = hal_ioremap(dev->reg_base[r], dev->reg_size[r]);
        if (!base)
            return NULL;
        for (uint64_t off = 0; off + 2 * GICR_SGI <= dev->reg_size[r];) {
            uint64_t typer = rd64(base + off, GICR_TYPER);
            if ((uint32_t)(typer >> 32) == aff)
                return base + off;
            if (typer & GICR_TYPER_LAST)
                break;
            off += stride ? stride : (typer & GICR_TYPER_VLPIS) ? 4 * GICR_SGI : 2 * GICR_SGI;
        }
    }
    return NULL;
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
    /* A DT may say gic-v3 on a core without the system-register CPU
     * interface (ID_AA64PFR0_EL1.GIC == 0): its ICC_* registers would be
     * UNDEFINED, a fault rather than an error. */
    uint64_t pfr0;
    SYSREG_READ(id_aa64pfr0_el1, pfr0);
    if (((pfr0 >> 24) & 0xf) == 0) {
        pr_err("gic: %s: this CPU has no GICv3 system-register interface", dev->name);
        return -ENODEV;
    }
    /* The system-register CPU interface: SRE sticks only if EL2 (entry.S)
     * or firmware allowed it; without it this GIC is of no use to us. */
    uint64_t sre;
    SYSREG_READ(icc_sre_el1, sre);
    SYSREG_WRITE(icc_sre_el1, sre | 7); /* SRE, and no IRQ/FIQ bypass */
    __asm__ volatile("isb");
    SYSREG_READ(icc_sre_el1, sre);
    if (!(sre & 1)) {
        pr_err("gic: %s: ICC_SRE_EL1.SRE will not set; no GICv3 CPU interface", dev->name);
        return -ENODEV;
    }
    gic.version = 3; /* for wait_rwp() from here on; reset on failure */
    gic.dist = hal_ioremap(dev->reg_base[0], dev->reg_size[0]);
    gic.rd = gic.dist ? find_redistributor(dev, regions, stride) : NULL;
    if (!gic.rd) {
        gic.version = 0;
        pr_err("gic: %s: no redistributor for MPIDR %#lx", dev->name,
               (unsigned long)read_mpidr());
        return -ENODEV;
    }
    gic.banked = gic.rd + GICR_SGI;
    gic.nirqs = count_irqs();

    /* Distributor: off, then affinity routing on (changing ARE with a group
     * enabled is UNPREDICTABLE), SPIs quiet (routed to this CPU as each is
     * first unmasked: prepare_spi), then on again. */
    wr32(gic.dist, GICD_CTLR, 0);
    wait_rwp(gic.dist);
    wr32(gic.dist, GICD_CTLR, GICD_CTLR_ARE);
    wait_rwp(gic.dist);
    uint64_t route = affinity32(read_mpidr());
    gic.route = (route & 0xff000000u) << 8 | (route & 0xffffff); /* IRM = 0: this one CPU */
    quiesce(gic.dist, 32, gic.nirqs, 1);

    /* Redistributor: awake (ProcessorSleep clear, wait for ChildrenAsleep to
     * follow), SGIs and PPIs quiet. */
    wr32(gic.rd, GICR_WAKER, rd32(gic.rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
    int spins = 0;
    while ((rd32(gic.rd, GICR_WAKER) & GICR_WAKER_ASLEEP) && ++spins < SPIN_LIMIT)
        ;
    if (spins == SPIN_LIMIT) {
        gic.version = 0;
        pr_err("gic: %s: redistributor does not wake up", dev->name);
        return -EIO;
    }
    quiesce(gic.banked, 0, 32, 1);
    prioritise_banked();
    wr32(gic.dist, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP1A);
    wait_rwp(gic.dist);

    SYSREG_WRITE(icc_pmr_el1, PRIO_MASK);
    SYSREG_WRITE(icc_bpr1_el1, 0);
    SYSREG_WRITE(icc_ctlr_el1, 0); /* EOImode 0: EOIR also deactivates */
    SYSREG_WRITE(icc_igrpen1_el1, 1);
    __asm__ volatile("isb");
    return finish_probe(dev, 3, "gicv3");
}

/* ---- the interrupt entry and SGIs ---- */

static uint32_t ack(void)
{
    uint64_t v;
    if (gic.version == 3) {
        SYSREG_READ(icc_iar1_el1, v);
        return (uint32_t)v;
    }
    return rd32(gic.cpu, GICC_IAR);
}

/* The whole IAR value goes back: in v2 it names the SGI's source CPU. */
static void eoi(uint32_t iar)
{
    if (gic.version == 3) {
        SYSREG_WRITE(icc_eoir1_el1, iar);
        __asm__ volatile("isb");
    } else {
        wr32(gic.cpu, GICC_EOIR, iar);
    }
}

int gic_handle_irq(void)
{
    if (!gic.version)
        return -ENODEV;
    /* Drain what is pending; 1020-1023 are special INTIDs meaning "nothing
     * (more) to acknowledge". Only a first one is spurious: later ones just
     * end the loop. */
    for (int first = 1;; first = 0) {
        uint32_t iar = ack();
        unsigned intid = gic.version == 3 ? (iar & 0xffffff) : (iar & 0x3ff);
        if (intid >= 1020 && intid <= 1023) {
            if (first)
                irq_spurious();
            return 0;
        }
        irq_handle(intid);
        /* The handler's device writes (which lower a level line) must land
         * before the EOI, or the line is sampled still high. */
        __asm__ volatile("dsb sy" ::: "memory");
        eoi(iar);
    }
}

static int gic_raise(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (irq >= 16)
        return -EINVAL;
    if (!gic.version)
        return -ENODEV;
    /* Stores before the SGI are visible to its handler (on any CPU, later). */
    __asm__ volatile("dsb ishst" ::: "memory");
    if (gic.version == 2) {
        wr32(gic.dist, GICD_SGIR, 2u << 24 | irq); /* TargetListFilter 2: this CPU */
        return 0;
    }
    /* ICC_SGI1R_EL1: Aff3 [55:48], RS [47:44] (Aff0 / 16), Aff2 [39:32],
     * INTID [27:24], Aff1 [23:16], TargetList [15:0] (bit Aff0 % 16). */
    uint64_t m = read_mpidr(), aff0 = m & 0xff;
    uint64_t v = (m >> 32 & 0xff) << 48 | (aff0 >> 4) << 44 | (m >> 16 & 0xff) << 32 |
                 (uint64_t)irq << 24 | (m >> 8 & 0xff) << 16 | 1ull << (aff0 & 15);
    SYSREG_WRITE(icc_sgi1r_el1, v);
    __asm__ volatile("isb");
    return 0;
}

static const char *const gicv2_compat[] = {"arm,gic-400", "arm,cortex-a15-gic",
                                           "arm,cortex-a9-gic", "arm,cortex-a7-gic", NULL};
static const char *const gicv3_compat[] = {"arm,gic-v3", NULL};
DRIVER(gicv2_driver, .name = "gicv2", .compatible = gicv2_compat, .probe = gicv2_probe);
DRIVER(gicv3_driver, .name = "gicv3", .compatible = gicv3_compat, .probe = gicv3_probe);
