/**
 * @file msi.c
 * @brief Message-signalled interrupts: the registry of MSI controllers, the
 *        checks around their allocators, and which controller serves a PCI
 *        requester (kernel/irq.h).
 *
 * The controllers (LAPIC, GICv2m, GICv3 ITS) only know how to hand out and
 * take back interrupts and messages. What is the same for all of them lives
 * here: argument checks, refusing to free an interrupt that still has a
 * handler, and reading the device tree's msi-map / msi-parent so that a PCI
 * driver never needs to know which MSI controller it has.
 */
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/kernel.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

static struct msi_chip *chips;
static struct spinlock msi_lock = SPINLOCK_INIT("msi");

int msi_chip_register(struct msi_chip *chip)
{
    if (!chip || !chip->alloc || !chip->free || !chip->name)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&msi_lock);
    int err = 0;
    struct msi_chip **tail = &chips;
    for (; *tail && !err; tail = &(*tail)->next)
        if (*tail == chip)
            err = -EBUSY;
    if (!err) {
        chip->next = NULL;
        *tail = chip; /* in registration order: the first is the default */
    }
    spin_unlock_irqrestore(&msi_lock, f);
    return err;
}

struct msi_chip *msi_chip_find(uint32_t phandle)
{
    irqflags_t f = spin_lock_irqsave(&msi_lock);
    struct msi_chip *c = chips;
    while (c && phandle && c->phandle != phandle)
        c = c->next;
    spin_unlock_irqrestore(&msi_lock, f);
    return c;
}

/*
 * msi-map (DT binding "pci-msi"): tuples of (rid-base, msi-controller
 * phandle, msi-base, length), each controller taking a one-cell specifier,
 * after masking the requester ID with msi-map-mask. The first tuple that
 * covers the ID decides; an ID no tuple covers has no MSI at all.
 */
static struct msi_chip *from_msi_map(const struct fdt *fdt, int node, const uint8_t *map,
                                     uint32_t len, uint32_t rid, uint32_t *devid)
{
    uint32_t mask = 0xffffffffu;
    fdt_prop_u32(fdt, node, "msi-map-mask", &mask);
    uint32_t id = rid & mask;
    if (len % 16) {
        pr_warn("msi: msi-map of node %d is %u bytes, not whole (rid-base, phandle, msi-base, length) tuples",
                node, len);
        return NULL;
    }
    for (uint32_t off = 0; off < len; off += 16) {
        uint32_t base = fdt_be32(map + off), ph = fdt_be32(map + off + 4);
        uint32_t out = fdt_be32(map + off + 8), n = fdt_be32(map + off + 12);
        if (id - base >= n)
            continue;
        struct msi_chip *c = msi_chip_find(ph);
        if (!c || ph == 0) {
            pr_warn("msi: msi-map sends requester %#x to phandle %#x, which is no MSI controller we have",
                    rid, ph);
            return NULL;
        }
        *devid = out + (id - base);
        return c;
    }
    pr_warn("msi: msi-map of node %d does not cover requester %#x", node, rid);
    return NULL;
}

struct msi_chip *msi_chip_for_rid(const void *fdtp, int node, uint32_t rid, uint32_t *devid)
{
    const struct fdt *fdt = fdtp;
    uint32_t dummy;
    if (!devid)
        devid = &dummy;
    if (!fdt || node < 0) {
        *devid = rid;
        return msi_chip_find(0);
    }
    /* The host bridge's own properties first, then its ancestors' (msi-parent
     * may sit on a bus above it). */
    for (int n = node; n >= 0; n = fdt_parent(fdt, n)) {
        uint32_t len;
        const uint8_t *map = fdt_getprop(fdt, n, "msi-map", &len);
        if (map)
            return from_msi_map(fdt, n, map, len, rid, devid);
        const uint8_t *parent = fdt_getprop(fdt, n, "msi-parent", &len);
        if (parent) {
            if (len < 4) {
                pr_warn("msi: msi-parent of node %d is %u bytes", n, len);
                return NULL;
            }
            uint32_t ph = fdt_be32(parent);
            struct msi_chip *c = msi_chip_find(ph);
            if (!c || ph == 0)
                pr_warn("msi: msi-parent phandle %#x is no MSI controller we have", ph);
            *devid = rid;
            return ph ? c : NULL;
        }
    }
    /* No description: the platform's only controller, if there is one. */
    *devid = rid;
    return msi_chip_find(0);
}

int irq_alloc_msi(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                  struct msi_msg *msgs)
{
    if (!chip || !irqs || !msgs || n == 0 || n > MSI_MAX_VECTORS) {
        char who[KSYM_NAME_MAX];
        pr_warn("irq_alloc_msi(%u vectors) from %s: bad arguments", n, CALLER_NAME(who));
        return -EINVAL;
    }
    int err = chip->alloc(chip, devid, n, irqs, msgs);
    if (err)
        pr_warn("msi: %s cannot give device %#x %u interrupts (%s)", chip->name, devid, n,
                errno_name(err));
    return err;
}

int irq_free_msi(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n)
{
    if (!chip || !irqs || n == 0 || n > MSI_MAX_VECTORS)
        return -EINVAL;
    /* The same interrupt twice in one call is a double free too; refused
     * here, once for every controller. */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < i; j++)
            if (irqs[j] == irqs[i]) {
                char who[KSYM_NAME_MAX];
                pr_warn("irq_free_msi from %s: interrupt %u listed twice; nothing freed",
                        CALLER_NAME(who), irqs[i]);
                return -ENOENT;
            }
    for (unsigned i = 0; i < n; i++)
        if (irq_has_handler(irqs[i])) {
            char who[KSYM_NAME_MAX];
            pr_warn("irq_free_msi from %s: interrupt %u still has a handler; nothing freed",
                    CALLER_NAME(who), irqs[i]);
            return -EBUSY;
        }
    int err = chip->free(chip, devid, irqs, n);
    if (err)
        pr_warn("msi: %s: device %#x frees interrupts it does not hold (%s)", chip->name, devid,
                errno_name(err));
    for (unsigned i = 0; i < n && !err; i++)
        irq_msi_freed(irqs[i]);
    return err;
}
