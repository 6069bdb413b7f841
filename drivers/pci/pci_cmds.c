/**
 * @file pci_cmds.c
 * @brief `lspci`: every PCI function, its driver, interrupts and BARs.
 */
#include <kernel/driver.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>

#include "pci.h"

static int cmd_lspci(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    device_probe_wait();
    unsigned n = pci_count();
    if (n)
        kprintf("bus:dev.fn vendor:device class, driver, interrupts; below, each BAR\n");
    for (unsigned i = 0; i < n; i++) {
        const struct pci_dev *pd = pci_at(i);
        kprintf("%02x:%02x.%u %04x:%04x class %06x %s irq ", pd->bus, pd->slot, pd->func,
                pd->vendor, pd->device, pd->class_code,
                pd->dev && pd->dev->driver ? pd->dev->driver->name : "-");
        switch (pd->irq_mode) {
        case PCI_IRQ_MSIX: kprintf("msix %u\n", pd->nvec); break;
        case PCI_IRQ_MSI: kprintf("msi %u\n", pd->nvec); break;
        case PCI_IRQ_INTX: kprintf("intx %u\n", pd->irqs[0]); break;
        default: kprintf("none\n"); break;
        }
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *bar = &pd->bar[b];
            if (!bar->size)
                continue;
            kprintf("  bar%u %s %#lx size %#lx %s\n", b,
                    bar->flags & PCI_BAR_IO ? "io" : bar->flags & PCI_BAR_64 ? "mem64" : "mem32",
                    (unsigned long)bar->cpu_addr, (unsigned long)bar->size,
                    bar->flags & PCI_BAR_FAILED     ? "FAILED"
                    : bar->flags & PCI_BAR_FIRMWARE ? "fw"
                                                    : "assigned");
        }
    }
    kprintf("%u PCI function%s\n", n, n == 1 ? "" : "s");
    return 0;
}
SHELL_COMMAND("lspci", "lspci", "list PCI functions, their BARs and interrupts", cmd_lspci);
