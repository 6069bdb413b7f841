/**
 * @file gic_common.c
 * @brief What GICv2 and GICv3 share: the distributor's mask, unmask and
 *        trigger operations, quiescing at probe, and the acknowledge loop.
 *
 * Both versions lay out the distributor the same way for everything we use,
 * and a v3 redistributor's SGI frame repeats that layout for INTIDs 0-31, so
 * these are one code path over two register frames: the distributor for
 * SPIs, the "banked" frame for SGIs and PPIs (v2: the distributor itself,
 * banked per CPU; v3: this CPU's redistributor). Acknowledge, end of
 * interrupt and SGIs differ and live in gic_v2.c and gic_v3.c.
 *
 * Register accesses are relaxed: they order among themselves (one device,
 * Device-nGnRnE), and nothing here hands normal memory to the GIC. The one
 * place where normal memory matters, a handler's device writes before the
 * EOI, has its own barrier in gic_ack_loop().
 */
#include "gic.h"
#include <hal/irq.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/log.h>

struct gic gic = {.dt_node = -1};

const struct iomem *gic_banked(void)
{
    const struct iomem *f = gic.version == 3 ? &gic.redist[cpu_this()->index].sgi : NULL;
    return f && f->base ? f : gic.banked;
}

/* A v3 register write that clears an enable or changes ARE takes effect
 * only once RWP reads 0; the v2 distributor has no such bit. A frame that
 * is not the distributor is some CPU's SGI frame, in the gic_redist that
 * also holds its RD_base. */
void gic_wait_rwp(const struct iomem *frame)
{
    if (gic.version != 3)
        return;
    int is_rd = frame != &gic.dist;
    const struct iomem *reg = is_rd ? &container_of(frame, struct gic_redist, sgi)->rd : &gic.dist;
    uint32_t bit = is_rd ? GICR_CTLR_RWP : GICD_CTLR_RWP;
    for (int i = 0; i < SPIN_LIMIT; i++)
        if (!(gic_rd32(reg, is_rd ? GICR_CTLR : GICD_CTLR) & bit))
            return;
    pr_warn("gic: register write still pending after %d polls", SPIN_LIMIT);
}

static const struct iomem *frame_of(unsigned irq)
{
    return irq < 32 ? gic_banked() : &gic.dist;
}

void gic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    const struct iomem *f = frame_of(irq);
    gic_wr32(f, GICD_ICENABLER + 4 * (irq / 32), 1u << (irq % 32));
    gic_wait_rwp(f);
}

/* Send SPI @p irq to the CPU in slot @p cpu: v3 one 64-bit IROUTER per
 * SPI (Interrupt_Routing_Mode 0: that CPU alone), v2 the byte of
 * ITARGETSR with that CPU interface's bit. */
static void route_spi(unsigned irq, unsigned cpu)
{
    if (gic.version == 3)
        gic_wr64(&gic.dist, GICD_IROUTER + 8 * irq, gic.cpu_route[cpu]);
    else
        iomem_write8_relaxed(&gic.dist, GICD_ITARGETSR + irq, (uint8_t)gic.cpu_route[cpu]);
}

/*
 * An SPI's priority and target, set at its first unmask rather than for
 * every SPI at probe: that was hundreds of MMIO writes (most of them
 * IROUTER), and each is a trip out of TCG into the device model: boot time
 * spent on interrupts that are mostly never used. A disabled interrupt is
 * never signalled, so until it is enabled neither value matters. Both registers
 * are byte-accessible (IHI 0048 4.3.11/4.3.12, IHI 0069 12.9.22); IROUTER
 * is one 64-bit register per SPI. Callers hold the irq table's lock.
 */
static void prepare_spi(unsigned irq)
{
    uint32_t bit = 1u << (irq % 32);
    if (irq < 32 || (gic.spi_ready[irq / 32] & bit))
        return;
    iomem_write8_relaxed(&gic.dist, GICD_IPRIORITYR + irq, GIC_PRIO_DEFAULT);
    route_spi(irq, 0);
    gic.spi_ready[irq / 32] |= bit;
}

void gic_note_route(uint64_t route)
{
    unsigned i = cpu_this()->index;
    gic.cpu_route[i] = route;
    __atomic_fetch_or(&gic.cpu_routable, 1u << i, __ATOMIC_RELEASE);
}

/* An SPI that is pending moves with its route (IHI 0069 12.9.22; IHI 0048
 * 4.3.12): nothing is lost by changing it while enabled. */
int gic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu, struct msi_msg *msg)
{
    (void)chip;
    (void)msg;
    if (irq < 32 || irq >= gic.nirqs || cpu >= SMP_MAX_CPUS ||
        !(__atomic_load_n(&gic.cpu_routable, __ATOMIC_ACQUIRE) >> cpu & 1))
        return -EINVAL;
    prepare_spi(irq);
    route_spi(irq, cpu);
    return 0;
}

void gic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    prepare_spi(irq);
    gic_wr32(frame_of(irq), GICD_ISENABLER + 4 * (irq / 32), 1u << (irq % 32));
}

/* SGIs are always edge-triggered. Whether a PPI's trigger can change is up
 * to the implementation, so the new value is read back. The mode must not
 * change while the interrupt is enabled (IHI 0069 12.9.9). */
int gic_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger)
{
    if (trigger == IRQ_TRIGGER_DEFAULT)
        return 0;
    if (irq < 16)
        return trigger == IRQ_TRIGGER_EDGE ? 0 : -EINVAL;
    const struct iomem *f = frame_of(irq);
    unsigned cfg = GICD_ICFGR + 4 * (irq / 16), bit = 2 * (irq % 16) + 1;
    uint32_t en = 1u << (irq % 32);
    int was_enabled = (gic_rd32(f, GICD_ISENABLER + 4 * (irq / 32)) & en) != 0;
    if (was_enabled)
        gic_mask(chip, irq);
    uint32_t v = gic_rd32(f, cfg) & ~(1u << bit);
    if (trigger == IRQ_TRIGGER_EDGE)
        v |= 1u << bit;
    gic_wr32(f, cfg, v);
    int ok = gic_rd32(f, cfg) == v;
    if (was_enabled)
        gic_unmask(chip, irq);
    return ok ? 0 : -EINVAL;
}

/* Disable and clear every interrupt of @p frame from @p first to @p end
 * (a multiple of 32). One RWP wait covers all the disables: it reports
 * whether any register write is still in flight. Priorities: see
 * gic_prioritise_banked() and prepare_spi(). */
void gic_quiesce(const struct iomem *frame, unsigned first, unsigned end, int group1)
{
    for (unsigned i = first; i < end; i += 32) {
        if (group1)
            gic_wr32(frame, GICD_IGROUPR + i / 8, ~0u);
        gic_wr32(frame, GICD_ICENABLER + i / 8, ~0u);
    }
    gic_wait_rwp(frame);
    for (unsigned i = first; i < end; i += 32)
        gic_wr32(frame, GICD_ICPENDR + i / 8, ~0u);
}

/* SGIs and PPIs get their priority at probe: eight writes, and an SGI
 * whose enable is fixed at 1 (v2) is never unmasked through us. */
void gic_prioritise_banked(void)
{
    for (unsigned i = 0; i < 32; i += 4)
        gic_wr32(gic.banked, GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
}

/* INTIDs the distributor implements: 32 * (ITLinesNumber + 1), 1020 at most. */
unsigned gic_count_irqs(void)
{
    unsigned n = 32 * ((gic_rd32(&gic.dist, GICD_TYPER) & 0x1f) + 1);
    return n > 1020 ? 1020 : n;
}

int gic_finish_probe(struct device *dev, const struct irq_chip *chip, hal_irq_root_fn root)
{
    int err = irq_chip_register(chip, 0, gic.nirqs);
    if (!err) {
        err = hal_irq_set_root_handler(root);
        /* A span cannot be given back; without the root handler nothing
         * reaches it anyway, so the GIC is just reported absent. */
    }
    if (err) {
        pr_err("gic: %s: cannot become the interrupt controller (%s)", dev->name,
               errno_name(err));
        gic.version = 0;
        return err;
    }
    gic.dt_node = dev->fdt_node;
    irq_set_test_numbers(6, 2); /* SGIs 6 and 7: free for tests */
    irq_set_ipi(chip, GIC_SGI_IPI);
    pr_info("gic: %s %s at %#lx, %u interrupts", dev->name, chip->name, (unsigned long)dev->base,
            gic.nirqs);
    return 0;
}

void gic_ack_loop(uint32_t (*ack)(void), void (*eoi)(uint32_t iar), uint32_t intid_mask)
{
    /* Drain what is pending; 1020-1023 are special INTIDs meaning "nothing
     * (more) to acknowledge". Only a first one is spurious: later ones just
     * end the loop. */
    for (int first = 1;; first = 0) {
        uint32_t iar = ack();
        unsigned intid = iar & intid_mask;
        if (intid >= 1020 && intid <= 1023) {
            if (first)
                irq_spurious();
            return;
        }
        irq_handle(intid);
        /* The handler's device writes (which lower a level line) must land
         * before the EOI, or the line is sampled still high. */
        hal_mb();
        eoi(iar);
    }
}
