/**
 * @file pci.c
 * @brief The kernel half of the PCI core: configuration access (ECAM and
 *        ports), host registry and the deferred scan, functions offered to
 *        the driver model, BAR mapping, enabling, and device interrupts
 *        (MSI-X, MSI, INTx).
 */
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include "pci_internal.h"

#define PCI_HOSTS_MAX 4

static struct pci_host *hosts[PCI_HOSTS_MAX];
static unsigned nhosts;

/* ---- ECAM: one 4 KiB page per function, 1 MiB per bus, mapped as buses are reached ---- */

/* Bus @p bus's 1 MiB of ECAM, mapped at its first access; NULL for a bus
 * the host does not decode or an offset past a function's 4 KiB. */
static const struct iomem *ecam_of(struct pci_host *h, unsigned bus, unsigned off)
{
    if (bus < h->bus_start || bus > h->bus_end || off >= 4096)
        return NULL;
    struct iomem *r = &h->ecam_bus[bus];
    if (!r->base) {
        uint64_t pa = h->ecam_phys + ((uint64_t)(bus - h->bus_start) << 20);
        if (iomem_map(r, pa, 1u << 20))
            return NULL;
    }
    return r;
}

static uint32_t ecam_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
                          unsigned w)
{
    const struct iomem *r = ecam_of(h, bus, off);
    if (!r)
        return 0xffffffffu;
    size_t at = (size_t)devfn << 12 | off;
    return w == 1 ? iomem_read8(r, at) : w == 2 ? iomem_read16(r, at) : iomem_read32(r, at);
}

static void ecam_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off, unsigned w,
                       uint32_t v)
{
    const struct iomem *r = ecam_of(h, bus, off);
    if (!r)
        return;
    size_t at = (size_t)devfn << 12 | off;
    if (w == 1)
        iomem_write8(r, at, (uint8_t)v);
    else if (w == 2)
        iomem_write16(r, at, (uint16_t)v);
    else
        iomem_write32(r, at, v);
}

const struct pci_cfg_ops pci_ecam_ops = {ecam_read, ecam_write};

/* ---- the scan ---- */

static const struct fdt *platform_fdt(void)
{
    static struct fdt fdt;
    static int state; /* 0 not tried, 1 valid, -1 none */
    if (state == 0) {
        uint64_t dtb = platform_boot_info()->dtb_phys;
        state = dtb && fdt_init(&fdt, hal_phys_to_virt(dtb), 2u << 20) == 0 ? 1 : -1;
    }
    return state > 0 ? &fdt : NULL;
}

static void add_function(struct pci_host *h, struct pci_dev *pd)
{
    struct device d = {.space = DEV_NONE, .fdt_node = -1, .parent = h->dev, .bus_dev = pd};
    ksnprintf(d.name, sizeof d.name, "pci %04x:%02x:%02x.%u", pd->segment, pd->bus, pd->slot,
              pd->func);
    char c[32];
    ksnprintf(c, sizeof c, "pci%04x,%04x", pd->vendor, pd->device);
    device_add_compatible(&d, c);
    ksnprintf(c, sizeof c, "pciclass,%06x", pd->class_code);
    device_add_compatible(&d, c);
    ksnprintf(c, sizeof c, "pciclass,%04x", pd->class_code >> 8);
    device_add_compatible(&d, c);
    unsigned slot = device_count(); /* device_add() takes the next slot */
    int err = device_add(&d);
    if (err && err != -ENODEV)
        pr_warn("pci %02x:%02x.%u: %04x:%04x not brought up (%s)", pd->bus, pd->slot, pd->func,
                pd->vendor, pd->device, errno_name(err));
    if (!err)
        pd->dev = (struct device *)device_at(slot);
}

static void host_scan(void *arg)
{
    struct pci_host *h = arg;
    int n = pci_enumerate(h);
    if (n < 0) {
        pr_err("pci: %s: enumeration failed (%s)", h->name, errno_name(n));
        return;
    }
    pr_info("pci: %s: %d function%s on buses %u-%u%s", h->name, n, n == 1 ? "" : "s",
            h->bus_start, h->firmware ? h->bus_end : h->next_bus - 1,
            h->firmware ? ", as firmware set them up" : ", BARs assigned");
    for (unsigned i = 0; i < h->ndevs; i++)
        add_function(h, h->devs[i]);
}

int pci_host_add(struct pci_host *h)
{
    if (nhosts == PCI_HOSTS_MAX)
        return -ENOSPC;
    /* Scanned by a deferred function, not here: it runs after every late
     * DT node has probed, so the MSI controllers (late drivers on aarch64)
     * are registered before any function asks one for vectors. */
    int err = device_defer(host_scan, h);
    if (err)
        return err;
    hosts[nhosts++] = h;
    return 0;
}

unsigned pci_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nhosts; i++)
        n += hosts[i]->ndevs;
    return n;
}

struct pci_dev *pci_at(unsigned i)
{
    for (unsigned k = 0; k < nhosts; k++) {
        if (i < hosts[k]->ndevs)
            return hosts[k]->devs[i];
        i -= hosts[k]->ndevs;
    }
    return NULL;
}

struct pci_dev *pci_dev_of(const struct device *dev)
{
    if (!dev || !dev->parent || !dev->bus_dev)
        return NULL;
    for (unsigned k = 0; k < nhosts; k++)
        if (hosts[k]->dev == dev->parent)
            return dev->bus_dev;
    return NULL;
}

/* ---- using a function ---- */

struct pci_priv {
    struct iomem bar_map[6];
    struct iomem msix_table; /* tsize entries of 16 bytes, inside its BAR */
    struct msi_chip *chip;
    uint32_t devid;
};

static struct pci_priv *priv_of(struct pci_dev *pd)
{
    if (!pd->priv)
        pd->priv = kzalloc(sizeof(struct pci_priv));
    return pd->priv;
}

int pci_iomap(struct pci_dev *pd, unsigned bar, struct iomem *r)
{
    *r = (struct iomem){NULL, 0};
    struct pci_priv *p = priv_of(pd);
    if (!p)
        return -ENOMEM;
    if (bar >= 6)
        return -EINVAL;
    struct pci_bar *b = &pd->bar[bar];
    if (!b->size || (b->flags & (PCI_BAR_IO | PCI_BAR_FAILED)))
        return -ENODEV;
    if (!p->bar_map[bar].base && iomem_map(&p->bar_map[bar], b->cpu_addr, b->size))
        return -ENOMEM; /* left empty: the next call tries again */
    *r = p->bar_map[bar];
    return 0;
}

volatile void *pci_map_bar(struct pci_dev *pd, unsigned bar)
{
    struct iomem r;
    return pci_iomap(pd, bar, &r) ? NULL : r.base;
}

int pci_enable(struct pci_dev *pd, int master)
{
    for (unsigned b = 0; b < 6; b++)
        if (pd->bar[b].flags & PCI_BAR_FAILED) {
            pr_err("pci %02x:%02x.%u: BAR%u has no address; not enabled", pd->bus, pd->slot,
                   pd->func, b);
            return -EIO;
        }
    uint16_t cmd = pci_read16(pd, PCI_COMMAND) | pci_decode_bits(pd);
    if (master)
        cmd |= PCI_CMD_MASTER;
    pci_write_command(pd, cmd);
    return 0;
}

void pci_disable(struct pci_dev *pd)
{
    pci_write_command(pd, pci_read16(pd, PCI_COMMAND) &
                              ~(PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER));
}

/* ---- interrupts ---- */

static struct msi_chip *chip_for(struct pci_dev *pd, uint32_t *devid)
{
    uint32_t rid = (uint32_t)pd->bus << 8 | (uint32_t)pd->slot << 3 | pd->func;
    const struct fdt *fdt = pd->host->fdt_node >= 0 ? platform_fdt() : NULL;
    return msi_chip_for_rid(fdt, fdt ? pd->host->fdt_node : -1, rid, devid);
}

/* An MSI-X table entry: message address (low, high), data, vector control
 * (bit 0: masked), 16 bytes (PCI Local Bus 3.0, 6.8.2.6). */
#define MSIX_ADDR_LO 0
#define MSIX_ADDR_HI 4
#define MSIX_DATA 8
#define MSIX_CTRL 12

/* The message of the entry at byte @p e of table @p t: address low, high,
 * data. The caller masks the entry around it (vector control). */
static void msix_set_msg(const struct iomem *t, size_t e, const struct msi_msg *m)
{
    iomem_write32(t, e + MSIX_ADDR_LO, (uint32_t)m->address);
    iomem_write32(t, e + MSIX_ADDR_HI, (uint32_t)(m->address >> 32));
    iomem_write32(t, e + MSIX_DATA, m->data);
}

static int alloc_msix(struct pci_dev *pd, unsigned min, unsigned max)
{
    struct pci_priv *p = priv_of(pd);
    unsigned cap = pd->msix_cap;
    uint16_t ctl = pci_read16(pd, cap + 2);
    unsigned tsize = (ctl & 0x7ff) + 1u;
    uint32_t tab = pci_read32(pd, cap + 4);
    unsigned bir = tab & 7;
    uint64_t toff = tab & ~7u;
    if (bir >= 6 || !pd->bar[bir].size || toff + 16ull * tsize > pd->bar[bir].size) {
        pr_warn("pci %02x:%02x.%u: MSI-X table outside its BAR; not used", pd->bus, pd->slot,
                pd->func);
        return -EINVAL;
    }
    unsigned n = max < tsize ? max : tsize;
    if (n < min)
        return -ENOSPC;
    struct iomem bar;
    int mapped = pci_iomap(pd, bir, &bar);
    struct msi_chip *chip = chip_for(pd, &p->devid);
    if (mapped || !chip)
        return -ENODEV;
    struct msi_msg msgs[PCI_MAX_VECTORS];
    int err = irq_alloc_msi(chip, p->devid, n, pd->irqs, msgs);
    if (err)
        return err;
    p->chip = chip;
    p->msix_table = iomem_sub(&bar, toff, 16 * tsize); /* inside: checked above */
    /* Enabled with the whole function masked while the entries are written. */
    pci_write16(pd, cap + 2, (uint16_t)(ctl | 0xc000));
    for (unsigned i = 0; i < tsize; i++) {
        size_t e = 16 * i;
        iomem_write32(&p->msix_table, e + MSIX_CTRL, 1); /* masked */
        if (i < n)
            msix_set_msg(&p->msix_table, e, &msgs[i]);
    }
    pci_write16(pd, cap + 2, (uint16_t)((ctl | 0x8000) & ~0x4000));
    pd->irq_mode = PCI_IRQ_MSIX;
    pd->nvec = n;
    return (int)n;
}

static int alloc_msi(struct pci_dev *pd, unsigned min, unsigned max)
{
    struct pci_priv *p = priv_of(pd);
    unsigned cap = pd->msi_cap;
    uint16_t ctl = pci_read16(pd, cap + 2);
    unsigned can = 1u << ((ctl >> 1) & 7);
    if (can > 32)
        can = 32;
    unsigned n = 1;
    while (n * 2 <= max && n * 2 <= can)
        n *= 2;
    if (n < min)
        return -ENOSPC;
    struct msi_chip *chip = chip_for(pd, &p->devid);
    if (!chip)
        return -ENODEV;
    struct msi_msg msgs[PCI_MAX_VECTORS];
    int err = irq_alloc_msi(chip, p->devid, n, pd->irqs, msgs);
    if (err)
        return err;
    /* Multiple MSI: the device adds the vector number to one data value. */
    for (unsigned i = 1; i < n; i++) {
        if (msgs[i].address != msgs[0].address || msgs[i].data != msgs[0].data + i) {
            irq_free_msi(chip, p->devid, pd->irqs + 1, n - 1);
            n = 1;
            if (n < min) {
                irq_free_msi(chip, p->devid, pd->irqs, 1);
                return -ENOSPC;
            }
            break;
        }
    }
    int is64 = ctl & 0x80, maskable = ctl & 0x100;
    pci_write32(pd, cap + 4, (uint32_t)msgs[0].address);
    unsigned data_off = 8;
    if (is64) {
        pci_write32(pd, cap + 8, (uint32_t)(msgs[0].address >> 32));
        data_off = 12;
    } else if (msgs[0].address >> 32) {
        irq_free_msi(chip, p->devid, pd->irqs, n);
        pr_warn("pci %02x:%02x.%u: 32-bit MSI cannot reach %#lx", pd->bus, pd->slot, pd->func,
                (unsigned long)msgs[0].address);
        return -EINVAL;
    }
    pci_write16(pd, cap + data_off, (uint16_t)msgs[0].data);
    if (maskable)
        pci_write32(pd, cap + data_off + 4, 0xffffffffu); /* masked until requested */
    unsigned log2n = 0;
    while ((1u << log2n) < n)
        log2n++;
    pci_write16(pd, cap + 2, (uint16_t)((ctl & ~0x70) | log2n << 4 | 1));
    p->chip = chip;
    pd->irq_mode = PCI_IRQ_MSI;
    pd->nvec = n;
    return (int)n;
}

/* INTx: the interrupt the pin reaches, through the bridges' swizzle and the
 * host's interrupt-map (DT), or the line firmware routed it to (x86). */
static int intx_irq(struct pci_dev *pd, unsigned *irq, unsigned *trigger)
{
    if (!pd->intx_pin)
        return -ENODEV;
    struct pci_host *h = pd->host;
    if (h->fdt_node < 0) {
        uint8_t line = pci_read8(pd, PCI_INTERRUPT_LINE);
        if (line == 0 || line == 0xff)
            return -ENODEV;
        *irq = line; /* SeaBIOS wrote the IOAPIC GSI the pin is wired to */
        *trigger = IRQ_TRIGGER_LEVEL;
        return 0;
    }
    /* Swizzle up to the root bus: each bridge rotates the pin by the slot. */
    unsigned pin = pd->intx_pin;
    const struct pci_dev *at = pd;
    while (at->bridge) {
        pin = (pin - 1 + at->slot) % 4 + 1;
        at = at->bridge;
    }
    uint32_t hi = ((uint32_t)at->bus << 16 | (uint32_t)at->slot << 11 | (uint32_t)at->func << 8) &
                  h->imap_mask_hi;
    uint32_t mpin = pin & h->imap_mask_pin;
    for (unsigned i = 0; i < h->nimap; i++)
        if (h->imap[i].addr_hi == hi && h->imap[i].pin == mpin) {
            *irq = h->imap[i].irq;
            *trigger = h->imap[i].trigger;
            return 0;
        }
    return -ENODEV;
}

/* Shared INTx lines: one registration per line, every device on it called. */
struct intx_handler {
    void (*fn)(unsigned irq, void *arg);
    void *arg;
    struct pci_dev *pd;
    struct intx_handler *next;
};

struct intx_line {
    unsigned irq;
    struct intx_handler *handlers;
    struct intx_line *next;
};

static struct intx_line *intx_lines;
static struct spinlock intx_lock = SPINLOCK_INIT("pci-intx");

static void intx_dispatch(unsigned irq, void *arg)
{
    struct intx_line *l = arg;
    for (struct intx_handler *x = l->handlers; x; x = x->next)
        x->fn(irq, x->arg);
}

int pci_alloc_irqs(struct pci_dev *pd, unsigned min, unsigned max, unsigned modes)
{
    if (!pd || min == 0 || min > max || pd->irq_mode != PCI_IRQ_NONE || !(modes & PCI_IRQ_ALL))
        return -EINVAL;
    if (max > PCI_MAX_VECTORS)
        max = PCI_MAX_VECTORS;
    int n = -ENODEV;
    if ((modes & PCI_IRQ_MSIX) && pd->msix_cap) {
        n = alloc_msix(pd, min, max);
        if (n > 0)
            return n;
    }
    if ((modes & PCI_IRQ_MSI) && pd->msi_cap) {
        n = alloc_msi(pd, min, max);
        if (n > 0)
            return n;
    }
    if ((modes & PCI_IRQ_INTX) && min == 1) {
        unsigned irq, trig;
        int err = intx_irq(pd, &irq, &trig);
        if (!err) {
            err = irq_configure(irq, (enum irq_trigger)trig);
            if (err && err != -ENOSYS)
                return err;
            pd->irqs[0] = irq;
            pd->nvec = 1;
            pd->irq_mode = PCI_IRQ_INTX;
            pci_write16(pd, PCI_COMMAND, pci_read16(pd, PCI_COMMAND) & ~PCI_CMD_INTX_DISABLE);
            return 1;
        }
        n = err;
    }
    return n == -ENODEV ? -ENODEV : -ENOSPC;
}

static void msix_mask(struct pci_dev *pd, unsigned vec, int masked)
{
    struct pci_priv *p = pd->priv;
    iomem_write32(&p->msix_table, 16 * vec + MSIX_CTRL, masked ? 1 : 0);
}

/*
 * irq_set_affinity() moved one of @p arg's vectors and its controller's
 * message changed (x86: the destination APIC id is in the address). An
 * MSI-X entry is masked while it changes, as the spec asks; a message
 * that came meanwhile is held by the device and sent on unmask. MSI has
 * one address for all its vectors, so only a single-vector MSI can move.
 * Interrupts masked, the interrupt table's lock held.
 */
static int msi_write(unsigned irq, const struct msi_msg *msg, void *arg)
{
    struct pci_dev *pd = arg;
    unsigned vec = 0;
    while (vec < pd->nvec && pd->irqs[vec] != irq)
        vec++;
    if (vec == pd->nvec)
        return -ENOTSUP;
    if (pd->irq_mode == PCI_IRQ_MSIX) {
        const struct iomem *t = &priv_of(pd)->msix_table;
        size_t e = 16 * vec;
        uint32_t ctl = iomem_read32(t, e + MSIX_CTRL);
        iomem_write32(t, e + MSIX_CTRL, ctl | 1);
        msix_set_msg(t, e, msg);
        iomem_write32(t, e + MSIX_CTRL, ctl);
        return 0;
    }
    uint16_t ctl = pci_read16(pd, pd->msi_cap + 2);
    int is64 = ctl & 0x80;
    if (pd->irq_mode != PCI_IRQ_MSI || pd->nvec != 1 || (!is64 && msg->address >> 32))
        return -ENOTSUP;
    pci_write32(pd, pd->msi_cap + 4, (uint32_t)msg->address);
    if (is64)
        pci_write32(pd, pd->msi_cap + 8, (uint32_t)(msg->address >> 32));
    pci_write16(pd, pd->msi_cap + (is64 ? 12 : 8), (uint16_t)msg->data);
    return 0;
}

int pci_request_irq(struct pci_dev *pd, unsigned vec, void (*fn)(unsigned irq, void *arg),
                    void *arg, const char *name)
{
    if (!pd || vec >= pd->nvec || !fn)
        return -EINVAL;
    unsigned irq = pd->irqs[vec];
    if (pd->irq_mode == PCI_IRQ_INTX) {
        struct intx_handler *x = kzalloc(sizeof *x);
        if (!x)
            return -ENOMEM;
        *x = (struct intx_handler){fn, arg, pd, NULL};
        struct intx_line *l;
        for (l = intx_lines; l && l->irq != irq; l = l->next)
            ;
        int fresh = !l;
        if (fresh) {
            l = kzalloc(sizeof *l);
            if (!l) {
                kfree(x);
                return -ENOMEM;
            }
            l->irq = irq;
        }
        irqflags_t f = spin_lock_irqsave(&intx_lock);
        x->next = l->handlers;
        l->handlers = x;
        if (fresh) {
            l->next = intx_lines;
            intx_lines = l;
        }
        spin_unlock_irqrestore(&intx_lock, f);
        if (fresh) {
            int err = irq_register(irq, intx_dispatch, l, name);
            if (err) {
                f = spin_lock_irqsave(&intx_lock);
                intx_lines = l->next;
                spin_unlock_irqrestore(&intx_lock, f);
                kfree(l);
                kfree(x);
                return err;
            }
        }
        return 0;
    }
    int err = irq_set_msi_writer(irq, msi_write, pd);
    if (!err)
        err = irq_register(irq, fn, arg, name);
    if (err)
        return err;
    if (pd->irq_mode == PCI_IRQ_MSIX)
        msix_mask(pd, vec, 0);
    else if (pd->irq_mode == PCI_IRQ_MSI && (pci_read16(pd, pd->msi_cap + 2) & 0x100)) {
        unsigned mask_off = pd->msi_cap + ((pci_read16(pd, pd->msi_cap + 2) & 0x80) ? 0x10 : 0xc);
        pci_write32(pd, mask_off, pci_read32(pd, mask_off) & ~(1u << vec));
    }
    return 0;
}

void pci_free_irqs(struct pci_dev *pd)
{
    if (!pd || pd->irq_mode == PCI_IRQ_NONE)
        return;
    struct pci_priv *p = pd->priv;
    if (pd->irq_mode == PCI_IRQ_INTX) {
        pci_write16(pd, PCI_COMMAND, pci_read16(pd, PCI_COMMAND) | PCI_CMD_INTX_DISABLE);
        irqflags_t f = spin_lock_irqsave(&intx_lock);
        struct intx_line *l;
        for (l = intx_lines; l && l->irq != pd->irqs[0]; l = l->next)
            ;
        struct intx_handler *gone = NULL;
        if (l)
            for (struct intx_handler **pp = &l->handlers; *pp; pp = &(*pp)->next)
                if ((*pp)->pd == pd) {
                    gone = *pp;
                    *pp = gone->next;
                    break;
                }
        spin_unlock_irqrestore(&intx_lock, f);
        kfree(gone);
        /* The line keeps its (now possibly empty) registration: a shared
         * level line that fires for nobody is counted, not lost. */
    } else {
        if (pd->irq_mode == PCI_IRQ_MSIX) {
            for (unsigned i = 0; i < pd->nvec; i++)
                msix_mask(pd, i, 1);
            pci_write16(pd, pd->msix_cap + 2, pci_read16(pd, pd->msix_cap + 2) & ~0x8000);
        } else {
            pci_write16(pd, pd->msi_cap + 2, pci_read16(pd, pd->msi_cap + 2) & ~1);
        }
        for (unsigned i = 0; i < pd->nvec; i++)
            if (irq_has_handler(pd->irqs[i]))
                irq_unregister(pd->irqs[i]);
        irq_free_msi(p->chip, p->devid, pd->irqs, pd->nvec);
    }
    pd->irq_mode = PCI_IRQ_NONE;
    pd->nvec = 0;
}
