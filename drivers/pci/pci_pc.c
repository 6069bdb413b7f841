/**
 * @file pci_pc.c
 * @brief A PC's PCI host bridge: ECAM from the ACPI MCFG table (q35), or
 *        configuration mechanism #1 at ports 0xcf8/0xcfc (pc). Firmware
 *        (SeaBIOS) has numbered the buses and assigned every BAR; INTx
 *        lines are the IOAPIC GSIs it wrote into Interrupt Line.
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include <acpi/acpi_tables.h>
#include "pci_internal.h"

/* A PC: the MCFG table's first segment-0 entry (offset 44, 16 bytes each:
 * base, segment, first bus, last bus), or configuration mechanism #1. */
static int pc_probe(struct device *dev)
{
    struct pci_host *h = pci_host_new("pci0");
    if (!h)
        return -ENOSPC;
    h->dev = dev;
    h->ops = &pci_port_ops;
    h->bus_start = 0;
    h->bus_end = 255;
    const uint8_t *mcfg = acpi_find_table("MCFG");
    if (mcfg) {
        uint32_t len = (uint32_t)mcfg[4] | (uint32_t)mcfg[5] << 8 | (uint32_t)mcfg[6] << 16 |
                       (uint32_t)mcfg[7] << 24;
        for (uint32_t off = 44; off + 16 <= len; off += 16) {
            const uint8_t *e = mcfg + off;
            uint64_t base = 0;
            for (int i = 7; i >= 0; i--)
                base = base << 8 | e[i];
            uint16_t seg = (uint16_t)(e[8] | e[9] << 8);
            if (seg != 0 || e[10] > e[11] || base == 0)
                continue;
            h->ops = &pci_ecam_ops;
            h->ecam_phys = base + ((uint64_t)e[10] << 20);
            h->bus_start = e[10];
            h->bus_end = e[11];
            break;
        }
    }
    return pci_host_add(h);
}

static const char *const pc_compat[] = {"pci-host-pc", NULL};
DRIVER(pci_pc_driver, .name = "pci-pc", .compatible = pc_compat, .probe = pc_probe);
