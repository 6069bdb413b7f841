/**
 * @file pci_mcfg.c
 * @brief PCI host bridges from the ACPI MCFG alone (`pci-host-mcfg`): an
 *        arm64 machine booted from ACPI (QEMU virt under AAVMF), whose
 *        firmware has numbered the buses and placed every BAR.
 *
 * Each MCFG entry is an ECAM region and becomes a host. The host's windows
 * and INTx routing are the DSDT's (_CRS, _PRT: AML, which this kernel does
 * not run), so nothing is assigned here: the enumerator keeps what firmware
 * set up, and devices interrupt through MSI-X or MSI (the ITS or a GICv2m
 * frame, with DeviceID = requester ID as on QEMU's virt, whose IORT maps
 * them one to one).
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#include <pci/host.h>

#include "devices.h"

#define MCFG_HOSTS 4 /* struct pci_host's pool */

static int mcfg_probe(struct device *dev)
{
    struct acpi_mcfg mcfg[MCFG_HOSTS];
    int n = acpi_mcfg(mcfg, MCFG_HOSTS);
    if (n <= 0) {
        pr_warn("pci: %s: no usable MCFG (%s)", dev->name, n ? errno_name(n) : "no entries");
        return n ? n : -ENOENT;
    }
    if (n > MCFG_HOSTS)
        pr_warn("pci: %s: the MCFG lists %d ECAM regions; the first %d are used", dev->name, n,
                MCFG_HOSTS);
    static const char *const names[MCFG_HOSTS] = {"pcie0", "pcie1", "pcie2", "pcie3"};
    int added = 0, err = -ENOSPC;
    for (int i = 0; i < n && i < MCFG_HOSTS; i++) {
        struct pci_host *h = pci_host_new(names[i]);
        if (!h)
            break;
        h->ops = &pci_ecam_ops;
        h->ecam_phys = mcfg[i].base + ((uint64_t)mcfg[i].bus_start << 20);
        h->segment = mcfg[i].segment;
        h->bus_start = mcfg[i].bus_start;
        h->bus_end = mcfg[i].bus_end;
        h->dev = dev;
        h->io_unknown = 1;
        err = pci_host_add(h);
        if (err == 0)
            added++;
    }
    return added ? 0 : err;
}

static const char *const mcfg_compat[] = {"pci-host-mcfg", NULL};
DRIVER(pci_mcfg_driver, .name = "pci-mcfg", .compatible = mcfg_compat, .probe = mcfg_probe,
       .late = 1);
