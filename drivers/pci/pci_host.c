/**
 * @file pci_host.c
 * @brief Host bridges: the DT's generic ECAM host (`pci-host-ecam-generic`,
 *        arm64 `virt`) and a PC's (ACPI MCFG, else ports 0xCF8/0xCFC).
 *
 * Both are probed with the platform devices, before there is a heap: they
 * read what they need into a static struct pci_host and leave the scan to
 * pci_host_add()'s deferred work.
 *
 * DT host (PCI bus binding, IEEE 1275 and the kernel's pci.txt binding):
 * `ranges` entries are (child: 3 cells, phys.hi says the space: 01 I/O,
 * 10 32-bit memory, 11 64-bit memory; parent address; size: 2 cells);
 * `interrupt-map` entries are (child unit address: 3 cells, child pin:
 * 1 cell, parent phandle, parent unit address: the parent's
 * #address-cells, parent specifier: its #interrupt-cells), matched after
 * `interrupt-map-mask`.
 */
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/fdt_bus.h>
#include <kernel/log.h>
#include <kernel/string.h>

#include "pci_internal.h"

static struct pci_host host_pool[4];
static unsigned nhost_pool;

struct pci_host *pci_host_new(const char *name)
{
    if (nhost_pool == sizeof host_pool / sizeof host_pool[0])
        return NULL;
    struct pci_host *h = &host_pool[nhost_pool++];
    memset(h, 0, sizeof *h);
    h->name = name;
    h->fdt_node = -1;
    return h;
}

static int parse_ranges(const struct fdt *fdt, int node, struct pci_host *h)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "ranges", &len);
    int pac = fdt_addr_cells(fdt, fdt_parent(fdt, node)), sc = fdt_size_cells(fdt, node);
    if (!p || pac < 1 || pac > 2 || sc < 1 || sc > 2)
        return -EINVAL;
    unsigned entry = (3u + (unsigned)pac + (unsigned)sc) * 4;
    if (len % entry)
        return -EINVAL;
    for (const uint8_t *e = p; e < p + len; e += entry) {
        uint32_t hi = fdt_be32(e);
        uint64_t bus = fdt_read_cells(e + 4, 2);
        uint64_t cpu = fdt_read_cells(e + 12, pac);
        uint64_t size = fdt_read_cells(e + 12 + 4 * pac, sc);
        struct pci_window w = {bus, cpu, size};
        switch (hi >> 24 & 3) {
        case 1: h->io = w; break;
        case 2: if (!h->mem.size) h->mem = w; break;
        case 3: h->mem64 = w; break;
        default: break;
        }
    }
    return h->mem.size ? 0 : -ENOENT;
}

static void parse_imap(const struct fdt *fdt, int node, struct pci_host *h)
{
    uint32_t mlen, len;
    const uint8_t *mask = fdt_getprop(fdt, node, "interrupt-map-mask", &mlen);
    const uint8_t *p = fdt_getprop(fdt, node, "interrupt-map", &len);
    if (!p)
        return;
    if (!mask || mlen != 16) {
        pr_warn("pci: %s: interrupt-map without a 4-cell interrupt-map-mask; no INTx", h->name);
        return;
    }
    h->imap_mask_hi = fdt_be32(mask);
    h->imap_mask_pin = fdt_be32(mask + 12);
    for (uint32_t off = 0; off + 20 <= len;) {
        const uint8_t *e = p + off;
        uint32_t ph = fdt_be32(e + 16);
        int ctrl = fdt_node_by_phandle(fdt, ph);
        uint32_t pac = 0;
        int cells = ctrl >= 0 ? fdt_bus_irq_cells(fdt, ctrl) : -EINVAL;
        if (ctrl >= 0 && fdt_getprop(fdt, ctrl, "#address-cells", NULL))
            fdt_prop_u32(fdt, ctrl, "#address-cells", &pac);
        if (cells < 0 || pac > 3 || off + 20 + 4 * (pac + (uint32_t)cells) > len) {
            pr_warn("pci: %s: interrupt-map entry %u malformed; INTx map ends there", h->name,
                    h->nimap);
            return;
        }
        if (h->nimap == PCI_IMAP_MAX) {
            pr_warn("pci: %s: interrupt-map longer than %d entries; rest ignored", h->name,
                    PCI_IMAP_MAX);
            return;
        }
        unsigned irq, trig;
        if (fdt_bus_decode_irq(fdt, ctrl, e + 20 + 4 * pac, (unsigned)cells, h->name, &irq,
                               &trig) == 0)
            h->imap[h->nimap++] = (struct pci_imap){fdt_be32(e) & h->imap_mask_hi,
                                                    fdt_be32(e + 12) & h->imap_mask_pin, irq,
                                                    trig};
        off += 20 + 4 * (pac + (uint32_t)cells);
    }
}

static int ecam_probe(struct device *dev)
{
    const struct fdt *fdt = dev->bus_data;
    if (!fdt || dev->fdt_node < 0 || dev->nregs < 1)
        return -EINVAL;
    struct pci_host *h = pci_host_new("pcie");
    if (!h)
        return -ENOSPC;
    h->ops = &pci_ecam_ops;
    h->ecam_phys = dev->reg_base[0];
    h->fdt_node = dev->fdt_node;
    h->dev = dev;
    uint32_t len;
    const uint8_t *br = fdt_getprop(fdt, dev->fdt_node, "bus-range", &len);
    unsigned last = (unsigned)((dev->reg_size[0] >> 20) ? (dev->reg_size[0] >> 20) - 1 : 0);
    h->bus_start = 0;
    h->bus_end = (uint8_t)(last > 255 ? 255 : last);
    if (br && len == 8 && fdt_be32(br) <= fdt_be32(br + 4) && fdt_be32(br + 4) <= 255) {
        h->bus_start = (uint8_t)fdt_be32(br);
        h->bus_end = (uint8_t)fdt_be32(br + 4);
    }
    if ((uint64_t)(h->bus_end - h->bus_start + 1) << 20 > dev->reg_size[0]) {
        pr_warn("pci: %s: ECAM of %#lx bytes cannot hold buses %u-%u; host skipped", dev->name,
                (unsigned long)dev->reg_size[0], h->bus_start, h->bus_end);
        nhost_pool--; /* give the slot back */
        return -EINVAL;
    }
    int err = parse_ranges(fdt, dev->fdt_node, h);
    if (err) {
        pr_warn("pci: %s: no usable ranges (%s); host skipped", dev->name, errno_name(err));
        nhost_pool--; /* give the slot back */
        return err;
    }
    parse_imap(fdt, dev->fdt_node, h);
    return pci_host_add(h);
}

static const char *const ecam_compat[] = {"pci-host-ecam-generic", NULL};
DRIVER(pci_ecam_driver, .name = "pci-ecam", .compatible = ecam_compat, .probe = ecam_probe,
       .late = 1);
