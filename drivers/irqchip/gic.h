/**
 * @file drivers/irqchip/gic.h
 * @brief Private to the GIC driver files: the controller's state, register
 *        offsets shared by v2 and v3, and the functions one file offers another.
 *
 * The GIC is split the way its generations differ (Arm IHI 0048 for v2, IHI
 * 0069 for v3): gic_common.c has the distributor operations both share
 * (mask, unmask, trigger, quiescing), gic_v2.c and gic_v3.c the CPU
 * interface, SGIs and probe of each, gic_v2m.c the GICv2m MSI frame,
 * gic_v3_lpi.c the LPI tables of the v3 redistributor and gic_v3_its.c the
 * Interrupt Translation Service. Nothing outside drivers/irqchip/ includes
 * this header: the rest of the kernel sees the GIC only through kernel/irq.h.
 *
 * Every register frame is a struct iomem (kernel/iomem.h), mapped from the
 * DT's `reg` windows at probe, and reached through gic_rd32() and friends:
 * an offset into a frame, relaxed, or the ordered iomem_*() accessors where
 * normal memory must reach the GIC first (LPI tables, ITS commands, SGIs).
 */
#ifndef DRIVERS_IRQCHIP_GIC_H
#define DRIVERS_IRQCHIP_GIC_H

#include <kernel/iomem.h>
#include <kernel/irq.h>
#include <kernel/smp.h>
#include <stdint.h>

struct device;

/* Distributor (and, at the same offsets, the v3 redistributor's SGI frame). */
#define GICD_CTLR 0x000 /**< distributor control */
#define GICD_TYPER 0x004 /**< distributor type (ITLinesNumber, LPIS, IDbits) */
#define GICD_IGROUPR 0x080 /**< group bits, 1 per INTID */
#define GICD_ISENABLER 0x100 /**< set-enable, 1 bit per INTID */
#define GICD_ICENABLER 0x180 /**< clear-enable, 1 bit per INTID */
#define GICD_ISPENDR 0x200 /**< set-pending, 1 bit per INTID */
#define GICD_ICPENDR 0x280 /**< clear-pending, 1 bit per INTID */
#define GICD_IPRIORITYR 0x400 /**< priority, 1 byte per INTID */
#define GICD_ITARGETSR 0x800 /**< v2: target CPUs, 1 byte per SPI */
#define GICD_ICFGR 0xc00 /**< trigger configuration, 2 bits per INTID */
#define GICD_SGIR 0xf00 /**< v2: software-generated interrupts */
#define GICD_IROUTER 0x6000 /**< v3: route of each SPI (64-bit) */
#define GICD_CTLR_RWP (1u << 31) /**< v3: a register write is still taking effect */
#define GICD_TYPER_LPIS (1u << 17) /**< v3: LPIs are implemented */
#define GICD_TYPER_IDBITS(t) (((t) >> 19 & 0x1f) + 1) /**< v3: INTID bits from GICD_TYPER t */

/* v3 redistributor, RD_base frame (the SGI frame is GICR_SGI above it). */
#define GICR_CTLR 0x0000 /**< redistributor control */
#define GICR_TYPER 0x0008 /**< redistributor type (affinity, Last, VLPIS) */
#define GICR_WAKER 0x0014 /**< redistributor sleep/wake */
#define GICR_PROPBASER 0x0070 /**< LPI property table base */
#define GICR_PENDBASER 0x0078 /**< LPI pending table base */
#define GICR_SGI 0x10000 /**< offset of the SGI frame from RD_base */
#define GICR_CTLR_ENABLE_LPIS (1u << 0) /**< LPIs are signalled */
#define GICR_CTLR_RWP (1u << 3) /**< a register write is still taking effect */

#define GIC_SGI_IPI 1 /**< the SGI other CPUs are signalled with (irq_set_ipi) */
#define GIC_SGI_NMI 15 /**< v3: the Group 0 SGI taken as FIQ, the watchdog's NMI (gic_send_nmi()) */
#define GIC_PRIO_NMI 0x00u /**< its priority: above every other, so it preempts their handlers */
#define GIC_PRIO_DEFAULT 0xa0u /**< priority of every interrupt; below the mask, so all are signalled */
#define GIC_PRIO_MASK 0xf0u /**< priority mask: representable however few priority bits exist */
#define SPIN_LIMIT 1000000 /**< polls of a "write pending" bit before giving up */

/** @brief A v3 redistributor: its RD_base frame and the SGI frame 64 KiB above it. */
struct gic_redist {
    struct iomem rd;  /**< RD_base: GICR_CTLR, GICR_TYPER, GICR_WAKER, the LPI table bases */
    struct iomem sgi; /**< SGI_base: INTIDs 0-31 at the distributor's offsets; empty until found */
    uint64_t phys;    /**< RD_base physical address (ITS MAPC with PTA = 1) */
};

/** The one GIC. Written at probe (and redist[] by each CPU's cpu_init), read-only afterwards. */
struct gic {
    unsigned version;          /**< 2 or 3; 0 until probed */
    struct iomem dist;         /**< distributor */
    const struct iomem *banked; /**< INTIDs 0-31 of the boot CPU: v2 &dist, v3 its redistributor's sgi */
    const struct gic_redist *rd; /**< v3: the boot CPU's redistributor, in redist[] */
    struct gic_redist redist[SMP_MAX_CPUS]; /**< v3: each CPU's, by CPU index (gic_banked()) */
    struct iomem cpu;          /**< v2: CPU interface */
    unsigned nirqs;            /**< INTIDs [0, nirqs) exist */
    uint64_t cpu_route[SMP_MAX_CPUS]; /**< each CPU's SPI route by slot: v3 GICD_IROUTER, v2 GICD_ITARGETSR byte */
    uint32_t cpu_routable;     /**< bit per slot: cpu_route[] is known (its CPU interface is up) */
    int dt_node;               /**< the GIC's DT node, for its MSI children; -1 */
    const struct device *dev;  /**< v3: the probed device, for other CPUs' redistributors */
    unsigned rd_regions;       /**< v3: redistributor regions in dev's reg[1..] */
    uint32_t rd_stride;        /**< v3: "redistributor-stride", 0: from GICR_TYPER */
    uint32_t spi_ready[32];    /**< SPIs whose priority and target are set */
    int nmi;                   /**< v3 with one security state: GIC_SGI_NMI works as an NMI */
};

/** @brief The GIC this CPU uses (gic_common.c). */
extern struct gic gic;

/**
 * @brief The frame of INTIDs 0-31 (SGIs, PPIs) of the calling CPU: v2 the
 *        distributor (banked per CPU by the hardware), v3 this CPU's
 *        redistributor SGI frame (gic.redist[].sgi).
 */
const struct iomem *gic_banked(void);

/**
 * @brief Send the NMI (GIC_SGI_NMI, Group 0, signalled as FIQ even while
 *        the target masks IRQs) to the CPU with hal_cpu_id() @p hwid.
 * @note Any context.
 * @return 0, or -ENOTSUP without a GICv3 in a single security state
 */
int gic_send_nmi(uint32_t hwid);
/**
 * @brief Acknowledge a FIQ (ICC_IAR0_EL1): its INTID, GIC_SGI_NMI for the
 *        NMI, 1020 or above for none. Call gic_nmi_eoi() with it after.
 */
unsigned gic_nmi_ack(void);
/** @brief End a FIQ gic_nmi_ack() acknowledged (ICC_EOIR0_EL1; nothing for 1020 and above). */
void gic_nmi_eoi(unsigned intid);

/** @brief 32-bit register at @p off of GIC frame @p f; relaxed: only the GIC's own order matters. */
static inline uint32_t gic_rd32(const struct iomem *f, unsigned off)
{
    return iomem_read32_relaxed(f, off);
}

/** @brief Write a 32-bit register of a GIC frame (relaxed, see gic_rd32()). */
static inline void gic_wr32(const struct iomem *f, unsigned off, uint32_t v)
{
    iomem_write32_relaxed(f, off, v);
}

/** @brief 64-bit register of a GIC frame (relaxed). */
static inline uint64_t gic_rd64(const struct iomem *f, unsigned off)
{
    return iomem_read64_relaxed(f, off);
}

/** @brief Write a 64-bit register of a GIC frame (relaxed). */
static inline void gic_wr64(const struct iomem *f, unsigned off, uint64_t v)
{
    iomem_write64_relaxed(f, off, v);
}

/* ---- gic_common.c: distributor operations shared by v2 and v3 ---- */

/** @brief irq_chip mask: clear the enable bit (SGIs/PPIs in the banked frame). */
void gic_mask(const struct irq_chip *chip, unsigned irq);
/** @brief irq_chip unmask: set priority/target on first use, then enable. */
void gic_unmask(const struct irq_chip *chip, unsigned irq);
/** @brief Record the calling CPU's SPI route (@p route: v3 IROUTER value, v2 target byte). */
void gic_note_route(uint64_t route);
/** @brief irq_chip set_affinity for SPIs: route to that CPU (-EINVAL: SGI/PPI, CPU unknown). */
int gic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu, struct msi_msg *msg);
/** @brief irq_chip configure: edge or level, read back. */
int gic_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger);
/** @brief v3: wait for a write to @p frame (&gic.dist, or a gic.redist[].sgi) to take effect. */
void gic_wait_rwp(const struct iomem *frame);
/** @brief Disable, (v3: group 1) and clear INTIDs [first, end) of @p frame. */
void gic_quiesce(const struct iomem *frame, unsigned first, unsigned end, int group1);
/** @brief Priorities of the 32 banked SGIs and PPIs. */
void gic_prioritise_banked(void);
/** @brief INTIDs the distributor implements (GICD_TYPER.ITLinesNumber). */
unsigned gic_count_irqs(void);

/**
 * @brief Last step of both probes: claim INTIDs [0, nirqs) with @p chip,
 *        become the root interrupt handler with @p root, offer SGIs to tests.
 * @return 0, or irq_chip_register()'s / hal_irq_set_root_handler()'s error
 *         (the GIC is then marked absent again)
 */
int gic_finish_probe(struct device *dev, const struct irq_chip *chip, hal_irq_root_fn root);

/**
 * @brief The acknowledge loop both versions share: @p ack gives the next
 *        INTID's IAR value, irq_handle() runs, @p eoi ends it, until a
 *        special INTID (1020-1023) says nothing is pending.
 * @param ack reads the interrupt acknowledge register
 * @param eoi writes an IAR value back as end of interrupt
 * @param intid_mask which IAR bits are the INTID (v2: 10, v3: 24)
 */
void gic_ack_loop(uint32_t (*ack)(void), void (*eoi)(uint32_t iar), uint32_t intid_mask);

/* ---- gic_v3_lpi.c: LPIs of this CPU's redistributor ---- */

#define GIC_LPI_BASE 8192u /**< first LPI INTID */

/**
 * @brief Claim the LPI span [8192, 8192 + count) for the LPI chip, if the
 *        GIC is v3 with GICD_TYPER.LPIS. Tables come later (gic_lpi_enable()).
 * @retval 0
 * @retval -ENODEV no LPIs on this GIC
 * @retval -EBUSY already claimed
 * @note Boot context (probe); allocates nothing.
 */
int gic_lpi_probe(void);

/**
 * @brief Allocate the property and pending tables, program GICR_PROPBASER /
 *        GICR_PENDBASER and set GICR_CTLR.EnableLPIs. Idempotent.
 * @retval 0
 * @retval -ENODEV no LPIs
 * @retval -ENOMEM
 * @retval -EBUSY LPIs were
 *         already enabled by someone else (the tables cannot be replaced)
 * @note Thread context (dma_alloc()); callers serialise (the ITS mutex).
 */
int gic_lpi_enable(void);

/**
 * @brief Take @p n free LPIs, each masked with the default priority.
 * @retval 0
 * @retval -ENOSPC fewer than @p n left (none taken)
 * @note Thread context, after gic_lpi_enable().
 */
int gic_lpi_alloc(unsigned n, unsigned *lpis);

/**
 * @brief Who moves an LPI to another CPU: the ITS that maps it, by MOVI to
 *        that CPU's collection. @p fn returns 0, or -EINVAL if no ITS
 *        event raises that LPI. Set once by the ITS at its first use.
 */
void gic_lpi_set_router(int (*fn)(unsigned lpi, unsigned cpu));

/** @brief Give back an LPI from gic_lpi_alloc() (left masked). */
void gic_lpi_free(unsigned lpi);

/**
 * @brief Who makes a changed LPI property byte take effect: the ITS sends
 *        INVALL + SYNC. Set once by the ITS at its first use.
 */
void gic_lpi_set_invalidate(void (*fn)(void));

#endif
