/**
 * @file drivers/pci/pci_internal.h
 * @brief The PCI core's own: the enumeration shared with the host unit
 *        test (host bridges are <pci/host.h>).
 */
#ifndef DRIVERS_PCI_INTERNAL_H
#define DRIVERS_PCI_INTERNAL_H

#include <kernel/iomem.h>
#include <pci/host.h>

#include "pci.h"

/**
 * @brief Find every function below @p h, size their BARs and, unless
 *        firmware configured the host, give bridges bus numbers and windows
 *        and BARs addresses in the host's windows.
 * @return functions found, or -ENOMEM
 */
int pci_enumerate(struct pci_host *h);

/** @brief The I/O and memory decoding bits a device needs for the BARs it has. */
uint16_t pci_decode_bits(const struct pci_dev *pd);
/** @brief Write the command register; a change to what the function decodes
 *         (its BARs appear in or leave the address map) is made with the
 *         other CPUs held (smp_hold_others(): QEMU's multi-threaded TCG
 *         crashes on an MMIO access racing a map change). */
void pci_write_command(const struct pci_dev *pd, uint16_t cmd);

#endif
