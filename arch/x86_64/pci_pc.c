/**
 * @file pci_pc.c
 * @brief A PC's PCI host bridge: ECAM from the ACPI MCFG table (q35), or
 *        configuration mechanism #1 at ports 0xcf8/0xcfc (pc): x86_64's,
 *        as only a PC has that port mechanism (the PCI core is drivers/pci,
 *        reached through <pci/host.h>). Firmware
 *        (SeaBIOS) has numbered the buses and assigned every BAR; INTx
 *        lines are the IOAPIC GSIs it wrote into Interrupt Line.
 */
#include <hal/io.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include <acpi/devices.h>
#include <pci/host.h>

/* ---- configuration mechanism #1: ports 0xcf8 (address) and 0xcfc (data) ---- */

static struct spinlock port_lock = SPINLOCK_INIT("pci-cf8");

static uint32_t port_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
                          unsigned w)
{
    (void)h;
    if (off >= 256)
        return 0xffffffffu;
    irqflags_t f = spin_lock_irqsave(&port_lock);
    hal_pio_write32(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
    uint16_t port = (uint16_t)(0xcfc + (off & 3));
    uint32_t v = w == 1 ? hal_pio_read8(port) : w == 2 ? hal_pio_read16(port) : hal_pio_read32(port);
    spin_unlock_irqrestore(&port_lock, f);
    return v;
}

static void port_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off, unsigned w,
                       uint32_t v)
{
    (void)h;
    if (off >= 256)
        return;
    irqflags_t f = spin_lock_irqsave(&port_lock);
    hal_pio_write32(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
    uint16_t port = (uint16_t)(0xcfc + (off & 3));
    if (w == 1)
        hal_pio_write8(port, (uint8_t)v);
    else if (w == 2)
        hal_pio_write16(port, (uint16_t)v);
    else
        hal_pio_write32(port, v);
    spin_unlock_irqrestore(&port_lock, f);
}

static const struct pci_cfg_ops pc_port_ops = {port_read, port_write};

/* A PC: the MCFG table's first segment-0 entry, or configuration
 * mechanism #1. */
static int pc_probe(struct device *dev)
{
    struct pci_host *h = pci_host_new("pci0");
    if (!h)
        return -ENOSPC;
    h->dev = dev;
    h->ops = &pc_port_ops;
    h->bus_start = 0;
    h->bus_end = 255;
    struct acpi_mcfg mcfg[4];
    int n = acpi_mcfg(mcfg, 4);
    for (int i = 0; i < n && i < 4; i++) {
        if (mcfg[i].segment != 0)
            continue;
        h->ops = &pci_ecam_ops;
        h->ecam_phys = mcfg[i].base + ((uint64_t)mcfg[i].bus_start << 20);
        h->bus_start = mcfg[i].bus_start;
        h->bus_end = mcfg[i].bus_end;
        break;
    }
    return pci_host_add(h);
}

static const char *const pc_compat[] = {"pci-host-pc", NULL};
DRIVER(pci_pc_driver, .name = "pci-pc", .compatible = pc_compat, .probe = pc_probe);
