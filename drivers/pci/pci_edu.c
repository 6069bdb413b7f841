/**
 * @file pci_edu.c
 * @brief A driver for QEMU's `edu` teaching device (1234:11e8), and the
 *        `pcitest` command that proves device interrupts end to end with it.
 *
 * virtio-pci devices have MSI-X only; edu has an MSI capability (one
 * vector) and INTA, and raises its interrupt when told to (register 0x60),
 * so each delivery path the PCI core offers can be exercised on a real
 * device model: `pcitest` allocates a vector in each mode in turn, raises
 * the interrupt, waits (bounded) for the handler, and frees everything, so
 * it can run any number of times. Registers (QEMU's docs/specs/edu.txt):
 * 0x00 identification (0xRRrr00ed), 0x04 liveness (reads back the
 * complement of what was written), 0x24 interrupt status, 0x60 raise (ORs
 * the value into the status), 0x64 acknowledge (clears those bits).
 */
#include <hal/cpu.h>
#include <hal/timer.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>
#include <kernel/string.h>

#include "pci.h"

#define EDU_ID 0x00
#define EDU_LIVE 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

#define EDU_MAX 4

struct edu {
    struct pci_dev *pd;
    struct iomem regs; /* BAR 0 */
    volatile unsigned hits;
    uint32_t last_status;
};

static struct edu edus[EDU_MAX];
static unsigned nedus;

static int edu_probe(struct device *dev)
{
    struct pci_dev *pd = pci_dev_of(dev);
    if (!pd || nedus == EDU_MAX)
        return -ENODEV;
    int err = pci_enable(pd, 1);
    if (err)
        return err;
    struct iomem r;
    if (pci_iomap(pd, 0, &r))
        return -ENOMEM;
    edus[nedus++] = (struct edu){pd, r, 0, 0};
    return 0;
}

static const char *const edu_compat[] = {"pci1234,11e8", NULL};
DRIVER(edu_driver, .name = "edu", .compatible = edu_compat, .probe = edu_probe);

static void edu_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct edu *e = arg;
    uint32_t st = iomem_read32(&e->regs, EDU_IRQ_STATUS);
    if (!st)
        return; /* a shared INTx line: not ours */
    iomem_write32(&e->regs, EDU_IRQ_ACK, st);
    e->last_status = st;
    e->hits++;
}

/* One mode: allocate, raise @p count times, count the handler's runs. */
static int try_mode(struct edu *e, unsigned mode, const char *name, unsigned count)
{
    int n = pci_alloc_irqs(e->pd, 1, 1, mode);
    if (n < 0) {
        kprintf("  %s: not available (%s)\n", name, errno_name(n));
        return n;
    }
    e->hits = 0;
    int err = pci_request_irq(e->pd, 0, edu_irq, e, "edu");
    unsigned got = 0;
    for (unsigned i = 0; !err && i < count; i++) {
        iomem_write32(&e->regs, EDU_IRQ_RAISE, 1u << (i % 8));
        uint64_t end = hal_time_ns() + 1000000000ull;
        while (e->hits == got && hal_time_ns() < end)
            hal_cpu_relax();
        if (e->hits == got + 1 && e->last_status == 1u << (i % 8))
            got++;
    }
    kprintf("  %s (irq %u): %u of %u interrupts delivered\n", name, e->pd->irqs[0], got, count);
    pci_free_irqs(e->pd);
    if (err)
        return err;
    return got == count ? 0 : -EIO;
}

static int cmd_pcitest(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    device_probe_wait();
    if (nedus == 0) {
        return shell_error(-ENODEV, "pcitest: no edu device (QEMU: -device edu)");
    }
    int worst = 0;
    for (unsigned i = 0; i < nedus; i++) {
        struct edu *e = &edus[i];
        iomem_write32(&e->regs, EDU_LIVE, 0x12345678);
        uint32_t live = iomem_read32(&e->regs, EDU_LIVE);
        kprintf("edu %02x:%02x.%u: id %#x, liveness %s\n", e->pd->bus, e->pd->slot, e->pd->func,
                iomem_read32(&e->regs, EDU_ID), live == ~0x12345678u ? "ok" : "WRONG");
        if (live != ~0x12345678u)
            worst = -EIO;
        int a = try_mode(e, PCI_IRQ_MSI, "msi", 5);
        int b = try_mode(e, PCI_IRQ_INTX, "intx", 5);
        if (a == -EIO || b == -EIO || b < 0)
            worst = -EIO;
    }
    return worst;
}
SHELL_COMMAND("pcitest", "pcitest", "raise interrupts from QEMU's edu device in each mode",
              cmd_pcitest);
