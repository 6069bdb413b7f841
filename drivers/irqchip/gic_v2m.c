/**
 * @file gic_v2m.c
 * @brief GICv2m MSI frames: a range of GIC SPIs that a device raises by
 *        writing the SPI's INTID to the frame's MSI_SETSPI_NS register.
 *
 * GICv2 has no message-signalled interrupts of its own; a v2m frame (Arm
 * Server Base System Architecture, appendix "GICv2m") turns a 32-bit write
 * into an edge on one of its SPIs. So its interrupts are plain GIC SPIs,
 * served by the GIC's irq_chip: this file only hands them out (a bitmap),
 * makes each an edge at allocation, and says what message raises it.
 *
 * Which SPIs: MSI_TYPER gives the first INTID and the count; a DT may
 * override both with arm,msi-base-spi / arm,msi-num-spis (as Linux reads
 * them: the base is an INTID, 32 or more). QEMU's virt board gives no such
 * properties; its frame at 0x8020000 serves INTIDs 80-143.
 */
#include "gic.h"
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NS 0x040
#define V2M_MAX_SPIS 256u /* per frame we manage; QEMU's has 64 */
#define V2M_MAX_FRAMES 2

struct v2m_frame {
    struct msi_chip chip;      /* first: container_of by cast */
    uint64_t phys;             /* frame base: the message goes to phys + SETSPI_NS */
    unsigned base, count;      /* INTIDs [base, base + count) */
    uint32_t used[V2M_MAX_SPIS / 32];
    uint32_t owner[V2M_MAX_SPIS]; /* devid each allocated SPI went to */
    struct spinlock lock;
};

static struct v2m_frame frames[V2M_MAX_FRAMES];
static unsigned nframes;

static int is_used(const struct v2m_frame *v, unsigned i)
{
    return (v->used[i / 32] >> (i % 32)) & 1;
}

static int v2m_alloc(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                     struct msi_msg *msgs)
{
    struct v2m_frame *v = (struct v2m_frame *)chip;
    unsigned got = 0;
    irqflags_t f = spin_lock_irqsave(&v->lock);
    for (unsigned i = 0; i < v->count && got < n; i++)
        if (!is_used(v, i))
            irqs[got++] = i; /* offsets for now: nothing is taken yet */
    if (got < n) {
        spin_unlock_irqrestore(&v->lock, f);
        return -ENOSPC;
    }
    for (unsigned k = 0; k < n; k++) {
        unsigned i = irqs[k];
        v->used[i / 32] |= 1u << (i % 32);
        v->owner[i] = devid;
        irqs[k] = v->base + i;
        msgs[k] = (struct msi_msg){v->phys + V2M_MSI_SETSPI_NS, v->base + i};
    }
    spin_unlock_irqrestore(&v->lock, f);
    /* A message is a pulse: the SPI must latch it as an edge. Outside the
     * lock, since irq_configure() takes the interrupt table's. */
    for (unsigned k = 0; k < n; k++) {
        int err = irq_configure(irqs[k], IRQ_TRIGGER_EDGE);
        if (err)
            pr_warn("gicv2m: SPI %u will not be edge-triggered (%s)", irqs[k], errno_name(err));
    }
    return 0;
}

static int v2m_free(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n)
{
    struct v2m_frame *v = (struct v2m_frame *)chip;
    irqflags_t f = spin_lock_irqsave(&v->lock);
    /* All or nothing: check every one first (irq_free_msi() refused duplicates). */
    int err = 0;
    for (unsigned k = 0; k < n && !err; k++) {
        unsigned i = irqs[k] - v->base;
        if (irqs[k] < v->base || i >= v->count || !is_used(v, i) || v->owner[i] != devid)
            err = -ENOENT;
    }
    for (unsigned k = 0; k < n && !err; k++) {
        unsigned i = irqs[k] - v->base;
        v->used[i / 32] &= ~(1u << (i % 32));
    }
    spin_unlock_irqrestore(&v->lock, f);
    return err;
}

static int v2m_probe(struct device *dev)
{
    if (gic.version != 2) {
        pr_err("gicv2m: %s: needs a GICv2 probed before it", dev->name);
        return -ENODEV;
    }
    if (nframes == V2M_MAX_FRAMES)
        return -ENOSPC;
    if (dev->nregs < 1 || dev->reg_size[0] < V2M_MSI_SETSPI_NS + 4)
        return -EINVAL;
    struct iomem regs;
    if (iomem_map(&regs, dev->reg_base[0], dev->reg_size[0]))
        return -ENOMEM;
    uint32_t typer = gic_rd32(&regs, V2M_MSI_TYPER);
    uint32_t base = typer >> 16 & 0x3ff, count = typer & 0x3ff;
    const struct fdt *fdt = dev->bus_data;
    uint32_t phandle = 0;
    if (fdt) {
        /* The DT overrides the register (frames whose MSI_TYPER is wrong). */
        fdt_prop_u32(fdt, dev->fdt_node, "arm,msi-base-spi", &base);
        fdt_prop_u32(fdt, dev->fdt_node, "arm,msi-num-spis", &count);
        fdt_prop_u32(fdt, dev->fdt_node, "phandle", &phandle);
    }
    if (count == 0 || base < 32 || base >= gic.nirqs || count > gic.nirqs - base) {
        pr_err("gicv2m: %s: SPIs %u+%u are not the GIC's (32-%u)", dev->name, base, count,
               gic.nirqs - 1);
        return -EINVAL;
    }
    if (count > V2M_MAX_SPIS) {
        pr_warn("gicv2m: %s: using %u of its %u SPIs", dev->name, V2M_MAX_SPIS, count);
        count = V2M_MAX_SPIS;
    }
    struct v2m_frame *v = &frames[nframes];
    *v = (struct v2m_frame){.chip = {.name = "gicv2m", .alloc = v2m_alloc, .free = v2m_free,
                                     .phandle = phandle},
                            .phys = dev->reg_base[0], .base = base, .count = count};
    spin_init(&v->lock, "gicv2m");
    int err = msi_chip_register(&v->chip);
    if (err)
        return err;
    nframes++; /* no log line: each costs boot time; `devices` lists the frame */
    return 0;
}

static const char *const v2m_compat[] = {"arm,gic-v2m-frame", NULL};
/* Late, as the ITS is (gic_v3_its.c): its users are PCI functions, which
 * a host's deferred scan finds after every late node has probed. */
DRIVER(gicv2m_driver, .name = "gicv2m", .compatible = v2m_compat, .probe = v2m_probe, .late = 1);
