/**
 * @file aplic.c
 * @brief The RISC-V Advanced Platform-Level Interrupt Controller in MSI
 *        delivery mode (AIA spec 1.0, chapter 4; DT "riscv,aplic"): the
 *        supervisor-level domain that turns wired interrupts (the UART,
 *        virtio-mmio, PCI INTx) into MSIs to the IMSIC.
 *
 * Its numbers are its source numbers, 1 to riscv,num-sources (the DT's
 * two-cell specifiers <source flags>). At probe each source gets an IMSIC
 * identity of its own, chained (rv_imsic_chain()): the APLIC's target
 * register sends the source there (hart index and identity, the EIID), and
 * the IMSIC's claim loop hands it straight back here, where the source's
 * handler runs. The MSI addresses come from
 * the machine-level domain's configuration, which the SBI sets; this
 * domain only names the hart.
 *
 * A level-triggered source whose line is still asserted after its handler
 * ran is made pending again (setipnum): in MSI mode the APLIC sends one MSI
 * per assertion and clears the pending bit when it does, so a level still
 * high would otherwise be lost (AIA spec, "Interrupt sources ... in MSI
 * delivery mode").
 *
 * Only the supervisor domain is ours: the machine-level one (it has
 * riscv,children) and any domain whose msi-parent is not the supervisor
 * IMSIC are the SBI's, and left alone. The IMSIC probes first
 * (fdt_bus_probe() takes MSI controllers before the rest of the tree).
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/smp.h>

#define DOMAINCFG 0x0000u
#define DOMAINCFG_IE (1u << 8)
#define DOMAINCFG_DM (1u << 2) /* MSI delivery mode */
#define SOURCECFG(s) (0x0004u + 4u * ((s) - 1))
#define SM_INACTIVE 0u
#define SM_EDGE1 4u  /* rising edge */
#define SM_LEVEL1 6u /* level high */
#define IN_CLRIP(s) (0x1d00u + 4u * ((s) / 32))
#define SETIPNUM 0x1cdcu
#define SETIENUM 0x1edcu
#define CLRIENUM 0x1fdcu
#define TARGET(s) (0x3004u + 4u * ((s) - 1))
#define APLIC_MAX_SOURCES 1024

static struct device *aplic;
static unsigned nsources;
/* Per source: its IMSIC identity (0: none), level-triggered. */
static uint16_t eiid[APLIC_MAX_SOURCES];
static uint8_t level[APLIC_MAX_SOURCES];

static int valid(unsigned irq) { return irq >= 1 && irq <= nsources && eiid[irq]; }

static void aplic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (valid(irq))
        dev_write32(aplic, CLRIENUM, irq);
}

static void aplic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (valid(irq))
        dev_write32(aplic, SETIENUM, irq);
}

static int aplic_configure(const struct irq_chip *chip, unsigned irq, enum irq_trigger trigger)
{
    (void)chip;
    if (!valid(irq))
        return -EINVAL;
    level[irq] = trigger != IRQ_TRIGGER_EDGE;
    dev_write32(aplic, SOURCECFG(irq), level[irq] ? SM_LEVEL1 : SM_EDGE1);
    return 0;
}

static int target_of(uint32_t hwid, unsigned id)
{
    int hart = rv_imsic_hart_index(hwid);
    return hart < 0 ? hart : (int)((uint32_t)hart << 18 | id);
}

static int aplic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                              struct msi_msg *msg)
{
    (void)chip;
    (void)msg;
    const struct cpu *c = smp_cpu(cpu);
    int t = c && valid(irq) ? target_of(c->hwid, eiid[irq]) : -EINVAL;
    if (t < 0)
        return -EINVAL;
    dev_write32(aplic, TARGET(irq), (uint32_t)t);
    return 0;
}

static const struct irq_chip aplic_chip = {
    .name = "aplic",
    .mask = aplic_mask,
    .unmask = aplic_unmask,
    .configure = aplic_configure,
    .set_affinity = aplic_set_affinity,
};

/* The source's MSI arrived at the IMSIC: run the source's handler. */
static void source_msi(unsigned s)
{
    irq_handle(s);
    /* Still asserted (the rectified input, in_clrip): pending again. */
    if (level[s] && (dev_read32(aplic, IN_CLRIP(s)) >> (s % 32)) & 1)
        dev_write32(aplic, SETIPNUM, s);
}

static int aplic_probe(struct device *dev)
{
    const struct fdt *fdt = dev->bus_data;
    uint32_t n, parent;
    if (!fdt || dev->nregs < 1)
        return -ENODEV;
    if (fdt_getprop(fdt, dev->fdt_node, "riscv,children", NULL))
        return -ENODEV; /* quietly: the machine-level domain is the SBI's */
    if (fdt_prop_u32(fdt, dev->fdt_node, "msi-parent", &parent) != 0) {
        pr_err("aplic: %s: no msi-parent: direct delivery mode is not supported", dev->name);
        return -ENOTSUP;
    }
    if (!msi_chip_find(parent)) {
        pr_err("aplic: %s: its msi-parent is no IMSIC the kernel drives", dev->name);
        return -ENODEV;
    }
    if (fdt_prop_u32(fdt, dev->fdt_node, "riscv,num-sources", &n) != 0 || n == 0 ||
        n >= APLIC_MAX_SOURCES) {
        pr_err("aplic: %s: riscv,num-sources missing or not 1-%d", dev->name,
               APLIC_MAX_SOURCES - 1);
        return -EINVAL;
    }
    if (aplic) {
        pr_warn("aplic: %s: a second supervisor APLIC is not supported; left off", dev->name);
        return -EBUSY;
    }
    int err = device_map(dev);
    if (err)
        return err;
    aplic = dev;
    nsources = n;
    dev_write32(dev, DOMAINCFG, DOMAINCFG_DM); /* off while sources are set up */
    uint32_t boot = hal_cpu_id();
    for (unsigned src = 1; src <= n; src++) {
        dev_write32(dev, CLRIENUM, src);
        int id = rv_imsic_chain(src, source_msi);
        if (id < 0) {
            pr_err("aplic: %s: no IMSIC identity for sources %u-%u (%s); they stay off",
                   dev->name, src, n, errno_name(id));
            break;
        }
        eiid[src] = (uint16_t)id;
        level[src] = 1;
        dev_write32(dev, SOURCECFG(src), SM_LEVEL1);
        dev_write32(dev, TARGET(src), (uint32_t)target_of(boot, (unsigned)id));
    }
    err = irq_chip_register(&aplic_chip, 0, nsources + 1);
    if (err) {
        pr_err("aplic: %s: %s", dev->name, errno_name(err));
        return err;
    }
    dev_write32(dev, DOMAINCFG, DOMAINCFG_IE | DOMAINCFG_DM);
    pr_info("aplic: %s at %#lx, %u sources, MSIs to the IMSIC", dev->name,
            (unsigned long)dev->reg_base[0], nsources);
    return 0;
}

static const char *const aplic_compat[] = {"riscv,aplic", NULL};
DRIVER(rv_aplic_driver, .name = "aplic", .compatible = aplic_compat, .probe = aplic_probe);
