/**
 * @file gic_v3_lpi.c
 * @brief GICv3 LPIs (INTID 8192 and up) in every CPU's redistributor: the
 *        property and pending tables, an allocator, and the irq_chip that
 *        masks, unmasks and routes them.
 *
 * LPIs have no enable registers: each has one byte in a property table in
 * normal memory (priority in bits 7:2, bit 1 RES1, bit 0 enable) that the
 * redistributor may cache, so a change takes effect only after an
 * invalidation: the ITS's INVALL + SYNC (gic_v3_its.c installs it). Pending
 * state is a bitmap in a second table each redistributor owns: all CPUs
 * share the property table, each has its own pending table. Which CPU an
 * LPI goes to is the ITS's business (the collection its event maps to), so
 * routing one asks the ITS (gic_lpi_set_router()).
 *
 * The tables are made at the first MSI allocation, not at probe: probe runs
 * before the page allocator exists, and a kernel that never uses an MSI
 * should not pay for them at boot. Until then the LPI span is registered
 * (so numbers are the LPI chip's) but no LPI can be raised.
 *
 * We use 14 INTID bits (LPIs 8192-16383), fewer if GICD_TYPER.IDbits
 * says so: 8 KiB of property table and a 2 KiB pending table, where the
 * architecture's 16 would take 56 KiB and 8 KiB for interrupts nobody has.
 */
#include "gic.h"
#include <kernel/dma.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

#define LPI_ID_BITS 14u
#define LPI_MAX ((1u << LPI_ID_BITS) - GIC_LPI_BASE)
#define LPI_PROP_ENABLE 0x01u
#define LPI_PROP_RES1 0x02u
#define LPI_PROP_DEFAULT ((GIC_PRIO_DEFAULT & 0xfcu) | LPI_PROP_RES1) /* masked */

#define GICR_TYPER_PLPIS (1u << 0)
/* GICR_PROPBASER / GICR_PENDBASER attributes: inner shareable, inner
 * write-back read/write-allocate: how the kernel maps all of RAM. */
#define BASER_SHARE_INNER (1ull << 10)
#define BASER_SHARE_MASK (3ull << 10)
#define BASER_CACHE_WAWB (7ull << 7)
#define PENDBASER_PTZ (1ull << 62) /* the pending table is zero: skip reading it */

static struct {
    unsigned idbits;       /* INTID bits in use */
    unsigned count;        /* LPIs [8192, 8192 + count) */
    int registered;        /* the span is ours */
    struct dma_buf prop, pend[SMP_MAX_CPUS];
    volatile uint8_t *prop_tab; /* NULL until gic_lpi_enable() */
    uint32_t used[LPI_MAX / 32];
    uint32_t rd_on;        /* bit per CPU slot: LPIs enabled in its redistributor */
    void (*invalidate)(void);
    int (*route)(unsigned lpi, unsigned cpu);
    struct spinlock lock;
} lpi = {.lock = SPINLOCK_INIT("gic lpi")};

/* Rewrite one property byte and make the redistributor see it. The byte is
 * normal memory the GIC reads: the command (or register) write that makes
 * it re-read is an ordered MMIO write, which orders this store first.
 * Called by irq.c with its lock held and interrupts masked. */
static void lpi_set_enable(unsigned irq, int enable)
{
    if (!lpi.prop_tab || irq - GIC_LPI_BASE >= lpi.count)
        return; /* no tables yet: nothing can be pending either */
    volatile uint8_t *p = &lpi.prop_tab[irq - GIC_LPI_BASE];
    *p = (uint8_t)((*p & ~LPI_PROP_ENABLE) | (enable ? LPI_PROP_ENABLE : 0));
    if (lpi.invalidate)
        lpi.invalidate();
}

static void lpi_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    lpi_set_enable(irq, 0);
}

static void lpi_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    lpi_set_enable(irq, 1);
}

/* LPIs are messages, so edges; there is nothing to configure. */
static int lpi_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger)
{
    (void)chip;
    (void)irq;
    return trigger == IRQ_TRIGGER_LEVEL ? -EINVAL : 0;
}

static int lpi_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                            struct msi_msg *msg)
{
    (void)chip;
    (void)msg;
    if (cpu >= SMP_MAX_CPUS || !(lpi.rd_on >> cpu & 1) || !lpi.route)
        return -EINVAL; /* that CPU's redistributor takes no LPIs; no ITS in use */
    return lpi.route(irq, cpu);
}

static const struct irq_chip lpi_chip = {
    .name = "gicv3-lpi", .mask = lpi_mask, .unmask = lpi_unmask, .configure = lpi_configure,
    .set_affinity = lpi_set_affinity,
};

int gic_lpi_probe(void)
{
    if (gic.version != 3 || !(gic_rd32(&gic.dist, GICD_TYPER) & GICD_TYPER_LPIS) ||
        !(gic_rd64(&gic.rd->rd, GICR_TYPER) & GICR_TYPER_PLPIS))
        return -ENODEV;
    if (lpi.registered)
        return 0;
    unsigned bits = GICD_TYPER_IDBITS(gic_rd32(&gic.dist, GICD_TYPER));
    lpi.idbits = bits < LPI_ID_BITS ? bits : LPI_ID_BITS;
    if (lpi.idbits <= 13)
        return -ENODEV; /* IDbits says no INTID reaches 8192 */
    lpi.count = (1u << lpi.idbits) - GIC_LPI_BASE;
    int err = irq_chip_register(&lpi_chip, GIC_LPI_BASE, lpi.count);
    if (err)
        return err;
    lpi.registered = 1;
    return 0;
}

/* One CPU's redistributor: the shared property table @p pb, a pending
 * table of its own, EnableLPIs. Any CPU may program any redistributor:
 * they are memory-mapped frames. */
static int rd_enable(unsigned cpu, uint64_t pb)
{
    const struct iomem *rd = &gic.redist[cpu].rd;
    if (gic_rd32(rd, GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)
        return -EBUSY;
    /* One bit per INTID (the first 1 KiB, INTIDs below 8192, stays zero),
     * 64 KiB aligned; dma_alloc() zeroes it. */
    int err = lpi.pend[cpu].virt ? 0 : dma_alloc((1u << lpi.idbits) / 8, 65536, &lpi.pend[cpu]);
    if (err)
        return err;
    /* Ordered writes: the tables' contents (normal memory) reach the GIC first. */
    iomem_write64(rd, GICR_PROPBASER, pb);
    uint64_t pnb = lpi.pend[cpu].phys | BASER_SHARE_INNER | BASER_CACHE_WAWB | PENDBASER_PTZ;
    iomem_write64(rd, GICR_PENDBASER, pnb);
    /* A GIC that is not coherent with the CPUs says so by dropping the
     * shareability: we would have to clean the cache after every property
     * write, which we do not (QEMU and coherent systems keep it). */
    if (cpu == 0 && !(gic_rd64(rd, GICR_PROPBASER) & BASER_SHARE_MASK))
        pr_warn("gic: LPI tables are not shareable with the GIC; LPI masking may be stale");
    gic_wr32(rd, GICR_CTLR, gic_rd32(rd, GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
    if (!(gic_rd32(rd, GICR_CTLR) & GICR_CTLR_ENABLE_LPIS))
        return -EIO; /* the tables stay: the registers may point at them */
    lpi.rd_on |= 1u << cpu;
    return 0;
}

int gic_lpi_enable(void)
{
    if (!lpi.registered)
        return -ENODEV;
    if (lpi.prop_tab)
        return 0;
    if (gic_rd32(&gic.rd->rd, GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) {
        /* Firmware or an earlier kernel: its tables cannot be replaced. */
        pr_err("gic: LPIs already enabled by someone else; no LPIs");
        return -EBUSY;
    }
    /* Property table: one byte per LPI, 4 KiB aligned, zeroed by dma_alloc(). */
    int err = dma_alloc(lpi.count, 4096, &lpi.prop);
    if (err)
        return err;
    uint8_t *prop = lpi.prop.virt;
    for (unsigned i = 0; i < lpi.count; i++)
        prop[i] = LPI_PROP_DEFAULT;
    uint64_t pb = lpi.prop.phys | BASER_SHARE_INNER | BASER_CACHE_WAWB | (lpi.idbits - 1);
    /* The boot CPU's redistributor (slot 0, gic.rd) decides; every other
     * CPU that is up gets LPIs too, or stays without (routing there is
     * refused). CPUs all come up at boot, before any driver's first MSI. */
    err = rd_enable(0, pb);
    if (err) {
        pr_err("gic: GICR_CTLR.EnableLPIs will not set; no LPIs (%s)", errno_name(err));
        return err;
    }
    for (unsigned i = 1; i < SMP_MAX_CPUS; i++) {
        int e = gic.redist[i].sgi.base ? rd_enable(i, pb) : 0;
        if (e)
            pr_warn("gic: cpu %u's redistributor takes no LPIs (%s); none are routed there", i,
                    errno_name(e));
    }
    irqflags_t f = spin_lock_irqsave(&lpi.lock);
    lpi.prop_tab = prop;
    spin_unlock_irqrestore(&lpi.lock, f);
    return 0;
}

int gic_lpi_alloc(unsigned n, unsigned *lpis)
{
    if (!lpi.prop_tab)
        return -ENODEV;
    irqflags_t f = spin_lock_irqsave(&lpi.lock);
    unsigned got = 0;
    for (unsigned i = 0; i < lpi.count && got < n; i++)
        if (!(lpi.used[i / 32] >> (i % 32) & 1))
            lpis[got++] = i;
    if (got == n)
        for (unsigned k = 0; k < n; k++) {
            unsigned i = lpis[k];
            lpi.used[i / 32] |= 1u << (i % 32);
            lpi.prop_tab[i] = LPI_PROP_DEFAULT;
            lpis[k] = GIC_LPI_BASE + i;
        }
    spin_unlock_irqrestore(&lpi.lock, f);
    return got == n ? 0 : -ENOSPC;
}

void gic_lpi_free(unsigned irq)
{
    unsigned i = irq - GIC_LPI_BASE;
    if (!lpi.prop_tab || i >= lpi.count)
        return;
    irqflags_t f = spin_lock_irqsave(&lpi.lock);
    lpi.prop_tab[i] = LPI_PROP_DEFAULT;
    lpi.used[i / 32] &= ~(1u << (i % 32));
    spin_unlock_irqrestore(&lpi.lock, f);
}

void gic_lpi_set_router(int (*fn)(unsigned lpi, unsigned cpu))
{
    lpi.route = fn;
}

void gic_lpi_set_invalidate(void (*fn)(void))
{
    lpi.invalidate = fn;
}
