/**
 * @file gic_v3_its.c
 * @brief GICv3 Interrupt Translation Service: turns a device's write of an
 *        EventID to GITS_TRANSLATER into an LPI, as a struct msi_chip.
 *
 * The ITS (Arm IHI 0069 chapter 5) looks up the writer's DeviceID in a
 * device table (which interrupt translation table, ITT, it has), the
 * EventID in that ITT (which LPI, which collection) and the collection in a
 * collection table (which redistributor). Software owns the memory of all
 * three but writes none of it: it sends commands through a ring in normal
 * memory (GITS_CBASER), advancing GITS_CWRITER; the ITS advances
 * GITS_CREADR as it executes them. What we send:
 *
 *  - at first use: MAPC (collection 0 -> the boot CPU's redistributor), SYNC;
 *  - allocation: MAPD (DeviceID -> a fresh ITT) for a new device, then
 *    MAPTI (DeviceID, EventID -> LPI, collection 0) per interrupt, SYNC;
 *  - routing (irq_set_affinity()): collection N is CPU slot N, mapped by
 *    MAPC to that CPU's redistributor the first time it is used; MOVI
 *    (DeviceID, EventID -> collection N), SYNC;
 *  - free: DISCARD per interrupt, MAPD with V = 0 once a device has none, SYNC;
 *  - mask/unmask (gic_v3_lpi.c changed a property byte): INVALL of every
 *    mapped collection + SYNC.
 *
 * Like the LPI tables, everything is built at the first allocation, in
 * thread context (probe runs before the page allocator). Tables are flat;
 * an ITT holds ITS_DEV_EVENTS events. QEMU's model (hw/intc/arm_gicv3_its.c)
 * takes any page size, executes commands synchronously at the CWRITER
 * write, and reports PTA = 0 (collections name a processor number).
 */
#include "gic.h"
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <kernel/wait.h>

#define GITS_CTLR 0x0000
#define GITS_TYPER 0x0008
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER(n) (0x0100 + 8 * (n))
#define GITS_TRANSLATER 0x10040
#define GITS_CTLR_ENABLED (1u << 0)
#define GITS_CTLR_QUIESCENT (1u << 31)
#define GITS_CREADR_STALLED (1u << 0)

/* GITS_TYPER fields. */
#define TYPER_PHYSICAL(t) ((t) & 1)
#define TYPER_ITT_ENTRY(t) ((unsigned)((t) >> 4 & 0xf) + 1)
#define TYPER_EVENT_BITS(t) ((unsigned)((t) >> 8 & 0x1f) + 1)
#define TYPER_DEV_BITS(t) ((unsigned)((t) >> 13 & 0x1f) + 1)
#define TYPER_PTA(t) ((t) >> 19 & 1)

/* GITS_BASER<n> and GITS_CBASER fields. */
#define BASER_VALID (1ull << 63)
#define BASER_TYPE(b) ((unsigned)((b) >> 56 & 7))
#define BASER_ENTRY(b) ((unsigned)((b) >> 48 & 0x1f) + 1)
#define BASER_CACHE_WAWB (7ull << 59)
#define BASER_SHARE_INNER (1ull << 10)
#define BASER_PAGE_SHIFT 8
#define BASER_TYPE_DEVICE 1
#define BASER_TYPE_COLLECTION 4

/* Commands: 32 bytes, the number in byte 0. */
#define CMD_MOVI 0x01
#define CMD_SYNC 0x05
#define CMD_MAPD 0x08
#define CMD_MAPC 0x09
#define CMD_MAPTI 0x0a
#define CMD_INVALL 0x0d
#define CMD_DISCARD 0x0f
#define CMD_VALID (1ull << 63)

#define CMDQ_BYTES 65536u       /* 2048 commands; 64 KiB aligned */
#define ITS_DEV_EVENTS 64u      /* events per device (one ITT) */
#define ITS_DEV_BITS_MAX 16u    /* DeviceIDs we table: PCI requester IDs are 16 bits */
#define ITS_MAX 2
#define ICID 0                  /* the collection new events go to: the boot CPU's */

struct its_dev {
    struct its_dev *next;
    uint32_t devid;
    struct dma_buf itt;
    uint64_t used;                  /* events in use */
    unsigned lpi[ITS_DEV_EVENTS];   /* the LPI each event raises */
};

struct its {
    struct msi_chip chip;       /* first: container_of by cast */
    struct iomem regs;
    uint64_t phys;
    uint64_t typer;
    unsigned events;            /* per device: ITS_DEV_EVENTS, or fewer if the ITS has fewer */
    uint32_t dev_limit;         /* DeviceIDs below this fit the device table */
    uint64_t rdbase;            /* MAPC/SYNC target field: the boot CPU's redistributor */
    uint32_t collections;       /* bit per CPU slot: collection mapped to its redistributor */
    int ready;                  /* tables and queue built, ITS enabled */
    struct dma_buf tables[8], cmdq;
    uint32_t cwriter;           /* our copy of GITS_CWRITER */
    struct its_dev *devs;       /* changed under both locks, read under either */
    struct mutex mutex;         /* alloc/free and the first-use setup */
    struct spinlock cmd_lock;   /* the command queue, events' use (masking and routing
                                   come with interrupts masked) */
};

static struct its its_nodes[ITS_MAX];
static unsigned nits;

/* ---- the command queue ---- */

/* Wait until the ITS has executed everything up to our CWRITER. Bounded:
 * a stalled or dead ITS gives an error, not a hang. */
static int its_wait(struct its *its)
{
    for (int i = 0; i < SPIN_LIMIT; i++) {
        uint64_t r = iomem_read64(&its->regs, GITS_CREADR);
        if (r & GITS_CREADR_STALLED) {
            pr_err("its: command queue stalled at offset %#lx", (unsigned long)(r & 0xfffe0));
            return -EIO;
        }
        if ((r & 0xfffe0) == its->cwriter)
            return 0;
    }
    pr_err("its: commands not executed after %d polls (CREADR %#lx, CWRITER %#x)", SPIN_LIMIT,
           (unsigned long)iomem_read64(&its->regs, GITS_CREADR), its->cwriter);
    return -ETIMEDOUT;
}

/* Queue one command and advance CWRITER. Caller holds cmd_lock. */
static int its_send(struct its *its, uint64_t d0, uint64_t d1, uint64_t d2)
{
    uint32_t next = (its->cwriter + 32) % CMDQ_BYTES;
    if ((uint32_t)(iomem_read64(&its->regs, GITS_CREADR) & 0xfffe0) == next) {
        int err = its_wait(its); /* full: let it drain */
        if (err)
            return err;
    }
    uint64_t *slot = (uint64_t *)((uint8_t *)its->cmdq.virt + its->cwriter);
    slot[0] = d0;
    slot[1] = d1;
    slot[2] = d2;
    slot[3] = 0;
    its->cwriter = next;
    /* Ordered: the command (normal memory) is visible before the ITS reads it. */
    iomem_write64(&its->regs, GITS_CWRITER, next);
    return 0;
}

/* SYNC to our redistributor, then wait for the whole queue. Caller holds cmd_lock. */
static int its_sync(struct its *its)
{
    int err = its_send(its, CMD_SYNC, 0, its->rdbase);
    return err ? err : its_wait(its);
}

static int its_mapd(struct its *its, uint32_t devid, uint64_t itt, int valid)
{
    unsigned bits = 0;
    while ((1u << bits) < its->events)
        bits++;
    uint64_t d2 = valid ? (CMD_VALID | (itt & 0xffffffffff00ull)) : 0;
    return its_send(its, CMD_MAPD | (uint64_t)devid << 32, valid ? bits - 1 : 0, d2);
}

/* Property bytes changed (gic_v3_lpi.c): every ITS re-reads its collection's. */
static void its_invalidate_all(void)
{
    for (unsigned i = 0; i < nits; i++) {
        struct its *its = &its_nodes[i];
        if (!__atomic_load_n(&its->ready, __ATOMIC_ACQUIRE))
            continue;
        irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
        int err = 0;
        for (unsigned c = 0; c < SMP_MAX_CPUS && !err; c++)
            if (its->collections >> c & 1)
                err = its_send(its, CMD_INVALL, 0, c);
        if (!err)
            err = its_sync(its);
        spin_unlock_irqrestore(&its->cmd_lock, f);
        if (err) /* already reported by its_wait(); say what it cost */
            pr_err("its: an LPI's enable bit may not take effect (%s)", errno_name(err));
    }
}

/* The MAPC/SYNC target of CPU slot @p cpu's redistributor, the way
 * GITS_TYPER.PTA asks: its physical address, or its processor number. */
static uint64_t rdbase_of(const struct its *its, unsigned cpu)
{
    if (TYPER_PTA(its->typer))
        return gic.redist[cpu].phys & 0xfffffffff0000ull;
    return (gic_rd64(&gic.redist[cpu].rd, GICR_TYPER) >> 8 & 0xffff) << 16;
}

/* Collection @p cpu -> that CPU's redistributor, once. Caller holds cmd_lock. */
static int map_collection(struct its *its, unsigned cpu)
{
    if (its->collections >> cpu & 1)
        return 0;
    int err = its_send(its, CMD_MAPC, 0, CMD_VALID | rdbase_of(its, cpu) | cpu);
    if (!err)
        its->collections |= 1u << cpu;
    return err;
}

/* ---- first use: tables, queue, collection ---- */

/* One GITS_BASER<n>: a flat table for @p ids entries, in the smallest page
 * size the ITS accepts (it may refuse 4 KiB and keep 16 or 64 KiB). */
static int setup_table(struct its *its, unsigned n, uint64_t ids)
{
    uint64_t b = iomem_read64(&its->regs, GITS_BASER(n));
    unsigned page_sz = 0;
    for (unsigned ps = 0; ps < 3 && !page_sz; ps++) {
        uint64_t want = (b & ~(3ull << BASER_PAGE_SHIFT)) | (uint64_t)ps << BASER_PAGE_SHIFT;
        iomem_write64(&its->regs, GITS_BASER(n), want);
        if ((iomem_read64(&its->regs, GITS_BASER(n)) >> BASER_PAGE_SHIFT & 3) == ps)
            page_sz = 4096u << (2 * ps); /* 4, 16, 64 KiB */
    }
    if (!page_sz)
        return -EIO;
    uint64_t bytes = (ids * BASER_ENTRY(b) + page_sz - 1) / page_sz * page_sz;
    if (bytes / page_sz > 256)
        bytes = 256ull * page_sz; /* the Size field's limit; dev_limit follows */
    int err = dma_alloc(bytes, page_sz, &its->tables[n]);
    if (err)
        return err;
    uint64_t pa = its->tables[n].phys;
    uint64_t addr = page_sz == 65536 ? ((pa & 0xffffffff0000ull) | (pa >> 48 & 0xf) << 12)
                                     : (pa & 0xfffffffff000ull);
    uint64_t v = BASER_VALID | BASER_CACHE_WAWB | BASER_SHARE_INNER | addr |
                 (uint64_t)(page_sz == 4096 ? 0 : page_sz == 16384 ? 1 : 2) << BASER_PAGE_SHIFT |
                 (bytes / page_sz - 1);
    iomem_write64(&its->regs, GITS_BASER(n), (b & (7ull << 56 | 0x1full << 48)) | v);
    if (!(iomem_read64(&its->regs, GITS_BASER(n)) & BASER_VALID)) {
        dma_free(&its->tables[n]);
        return -EIO;
    }
    if (BASER_TYPE(b) == BASER_TYPE_DEVICE) {
        uint64_t fit = bytes / BASER_ENTRY(b);
        its->dev_limit = fit < ids ? (uint32_t)fit : (uint32_t)ids;
    }
    return 0;
}

static int its_route(unsigned lpi, unsigned cpu);

static int its_setup(struct its *its)
{
    int err = gic_lpi_enable();
    if (err)
        return err;
    if (iomem_read32(&its->regs, GITS_CTLR) & GITS_CTLR_ENABLED) {
        pr_err("its: already enabled by someone else; its tables cannot be replaced");
        return -EBUSY;
    }
    unsigned devbits = TYPER_DEV_BITS(its->typer);
    uint64_t ndev = 1ull << (devbits < ITS_DEV_BITS_MAX ? devbits : ITS_DEV_BITS_MAX);
    for (unsigned n = 0; n < 8 && !err; n++) {
        unsigned type = BASER_TYPE(iomem_read64(&its->regs, GITS_BASER(n)));
        if (type == BASER_TYPE_DEVICE)
            err = setup_table(its, n, ndev);
        else if (type == BASER_TYPE_COLLECTION)
            err = setup_table(its, n, SMP_MAX_CPUS); /* a collection per CPU: one page */
    }
    if (!err && !its->dev_limit)
        err = -ENODEV; /* no device table among the BASERs */
    if (!err)
        err = dma_alloc(CMDQ_BYTES, 65536, &its->cmdq);
    if (err) {
        pr_err("its: cannot set up its tables (%s)", errno_name(err));
        for (unsigned n = 0; n < 8; n++)
            dma_free(&its->tables[n]);
        return err;
    }
    iomem_write64(&its->regs, GITS_CBASER, BASER_VALID | BASER_CACHE_WAWB | BASER_SHARE_INNER |
                                               its->cmdq.phys | (CMDQ_BYTES / 4096 - 1));
    its->cwriter = 0;
    iomem_write64(&its->regs, GITS_CWRITER, 0);
    iomem_write32(&its->regs, GITS_CTLR, GITS_CTLR_ENABLED);
    /* Collection 0 goes to the boot CPU's redistributor (slot 0). */
    its->rdbase = rdbase_of(its, ICID);
    its->collections = 0;
    irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
    err = map_collection(its, ICID);
    if (!err)
        err = its_sync(its);
    spin_unlock_irqrestore(&its->cmd_lock, f);
    if (err)
        return err; /* the ITS is enabled with tables we keep: not ready, not freed */
    gic_lpi_set_invalidate(its_invalidate_all);
    gic_lpi_set_router(its_route);
    __atomic_store_n(&its->ready, 1, __ATOMIC_RELEASE);
    return 0;
}

/* ---- devices and their events ---- */

static struct its_dev *find_dev(struct its *its, uint32_t devid)
{
    struct its_dev *d = its->devs;
    while (d && d->devid != devid)
        d = d->next;
    return d;
}

static int free_slots(const struct its *its, const struct its_dev *d)
{
    int n = 0;
    for (unsigned e = 0; e < its->events; e++)
        n += !(d && (d->used >> e & 1));
    return n;
}

/* Forget a device with no events left: unmap it and free its ITT. Caller
 * holds the mutex. */
static void drop_dev(struct its *its, struct its_dev *d)
{
    irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
    int err = its_mapd(its, d->devid, 0, 0);
    if (!err)
        err = its_sync(its);
    spin_unlock_irqrestore(&its->cmd_lock, f);
    if (err) {
        pr_err("its: device %#x stays mapped (%s); its ITT is kept", d->devid, errno_name(err));
        return;
    }
    f = spin_lock_irqsave(&its->cmd_lock);
    struct its_dev **pp = &its->devs;
    while (*pp != d)
        pp = &(*pp)->next;
    *pp = d->next;
    spin_unlock_irqrestore(&its->cmd_lock, f);
    dma_free(&d->itt);
    kfree(d);
}

static int its_alloc(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                     struct msi_msg *msgs)
{
    struct its *its = (struct its *)chip;
    mutex_lock(&its->mutex);
    int err = its->ready ? 0 : its_setup(its);
    if (!err && devid >= its->dev_limit)
        err = -EINVAL;
    struct its_dev *d = err ? NULL : find_dev(its, devid);
    if (!err && free_slots(its, d) < (int)n)
        err = -ENOSPC;
    int fresh = 0, link = 0;
    if (!err && !d) {
        /* A new device: an ITT for its events, 256-byte aligned (a page is). */
        d = kzalloc(sizeof *d);
        err = d ? dma_alloc(its->events * TYPER_ITT_ENTRY(its->typer), 4096, &d->itt) : -ENOMEM;
        if (err) {
            kfree(d);
            d = NULL;
        } else {
            d->devid = devid;
            fresh = 1;
        }
    }
    if (!err)
        err = gic_lpi_alloc(n, irqs);
    if (!err) {
        link = fresh; /* from here the ITS may know the device: keep it listed */
        irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
        if (fresh)
            err = its_mapd(its, devid, d->itt.phys, 1);
        unsigned e = 0;
        for (unsigned k = 0; k < n && !err; k++, e++) {
            while (d->used >> e & 1)
                e++;
            d->used |= 1ull << e;
            d->lpi[e] = irqs[k];
            msgs[k] = (struct msi_msg){its->phys + GITS_TRANSLATER, e};
            err = its_send(its, CMD_MAPTI | (uint64_t)devid << 32, e | (uint64_t)irqs[k] << 32,
                           ICID);
        }
        if (!err)
            err = its_sync(its);
        spin_unlock_irqrestore(&its->cmd_lock, f);
        if (err) /* a broken ITS: the LPIs are lost, but never handed out twice */
            pr_err("its: mapping device %#x failed (%s)", devid, errno_name(err));
    } else if (fresh) {
        dma_free(&d->itt);
        kfree(d);
    }
    if (link) {
        irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
        d->next = its->devs;
        its->devs = d;
        spin_unlock_irqrestore(&its->cmd_lock, f);
    }
    mutex_unlock(&its->mutex);
    return err;
}

static int its_free(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n)
{
    struct its *its = (struct its *)chip;
    mutex_lock(&its->mutex);
    struct its_dev *d = find_dev(its, devid);
    unsigned ev[MSI_MAX_VECTORS];
    int err = d && n <= MSI_MAX_VECTORS ? 0 : -ENOENT;
    /* All or nothing: find every event first (each once). */
    uint64_t seen = 0;
    for (unsigned k = 0; k < n && !err; k++) {
        unsigned e = 0;
        while (e < its->events && !((d->used >> e & 1) && d->lpi[e] == irqs[k]))
            e++;
        if (e == its->events || (seen >> e & 1))
            err = -ENOENT;
        else
            seen |= 1ull << (ev[k] = e);
    }
    if (!err) {
        irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
        for (unsigned k = 0; k < n && !err; k++)
            err = its_send(its, CMD_DISCARD | (uint64_t)devid << 32, ev[k], 0);
        if (!err)
            err = its_sync(its);
        /* Freed on our side even if the ITS failed: nothing will be handed out twice. */
        for (unsigned k = 0; k < n; k++)
            d->used &= ~(1ull << ev[k]);
        spin_unlock_irqrestore(&its->cmd_lock, f);
        for (unsigned k = 0; k < n; k++)
            gic_lpi_free(irqs[k]);
        if (!d->used)
            drop_dev(its, d);
    }
    mutex_unlock(&its->mutex);
    return err;
}

/* gic_v3_lpi.c's router: the ITS event that raises @p lpi now goes to
 * collection @p cpu. The interrupt table's lock is held, interrupts are
 * masked: the device list is read under cmd_lock, which its changes also
 * take. A pending LPI moves with its event (IHI 0069, MOVI). */
static int its_route(unsigned lpi, unsigned cpu)
{
    for (unsigned i = 0; i < nits; i++) {
        struct its *its = &its_nodes[i];
        if (!__atomic_load_n(&its->ready, __ATOMIC_ACQUIRE))
            continue;
        irqflags_t f = spin_lock_irqsave(&its->cmd_lock);
        int err = -EINVAL;
        for (struct its_dev *d = its->devs; d && err == -EINVAL; d = d->next)
            for (unsigned e = 0; e < its->events && err == -EINVAL; e++) {
                if (!(d->used >> e & 1) || d->lpi[e] != lpi)
                    continue;
                err = map_collection(its, cpu);
                if (!err)
                    err = its_send(its, CMD_MOVI | (uint64_t)d->devid << 32, e, cpu);
                if (!err)
                    err = its_send(its, CMD_SYNC, 0, rdbase_of(its, cpu));
                if (!err)
                    err = its_wait(its);
            }
        spin_unlock_irqrestore(&its->cmd_lock, f);
        if (err != -EINVAL) {
            if (err)
                pr_err("its: LPI %u not moved to cpu %u (%s)", lpi, cpu, errno_name(err));
            return err;
        }
    }
    return -EINVAL; /* no event raises it: not allocated */
}

/* ---- probe ---- */

static int its_probe(struct device *dev)
{
    if (gic.version != 3) {
        pr_err("its: %s: needs a GICv3 probed before it", dev->name);
        return -ENODEV;
    }
    if (nits == ITS_MAX)
        return -ENOSPC;
    if (dev->nregs < 1 || dev->reg_size[0] < GITS_TRANSLATER + 4)
        return -EINVAL;
    int err = gic_lpi_probe();
    if (err) {
        pr_err("its: %s: the GIC has no LPIs (%s)", dev->name, errno_name(err));
        return err;
    }
    struct its *its = &its_nodes[nits];
    if (iomem_map(&its->regs, dev->reg_base[0], dev->reg_size[0]))
        return -ENOMEM;
    its->typer = iomem_read64(&its->regs, GITS_TYPER);
    if (!TYPER_PHYSICAL(its->typer)) {
        pr_err("its: %s: translates no physical LPIs", dev->name);
        return -ENODEV;
    }
    unsigned evbits = TYPER_EVENT_BITS(its->typer);
    its->events = evbits < 6 ? 1u << evbits : ITS_DEV_EVENTS;
    its->phys = dev->reg_base[0];
    uint32_t phandle = 0;
    if (dev->bus_data)
        fdt_prop_u32(dev->bus_data, dev->fdt_node, "phandle", &phandle);
    its->chip = (struct msi_chip){.name = "its", .alloc = its_alloc, .free = its_free,
                                  .phandle = phandle};
    mutex_init(&its->mutex, "its");
    spin_init(&its->cmd_lock, "its cmdq");
    err = msi_chip_register(&its->chip);
    if (err)
        return err;
    nits++; /* no log line at boot: tables and the first message come at first use */
    return 0;
}

static const char *const its_compat[] = {"arm,gic-v3-its", NULL};
/* Late: only PCI devices send MSIs, and they ask for them when a host's
 * scan finds them. A PCI host's own (late) probe only queues that scan
 * with device_defer(), which runs after every late DT node has been
 * probed, this one included, whatever the DT's order (QEMU lists pcie@
 * before the GIC). Probed late, its setup is not boot time before the
 * prompt (under TCG it was a visible part of it). */
DRIVER(its_driver, .name = "its", .compatible = its_compat, .probe = its_probe, .late = 1);
