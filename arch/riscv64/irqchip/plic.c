/**
 * @file plic.c
 * @brief The RISC-V Platform-Level Interrupt Controller (riscv-plic-spec
 *        1.0.0; DT "sifive,plic-1.0.0" / "riscv,plic0") as the external
 *        interrupt controller behind each hart's supervisor external
 *        interrupt.
 *
 * Its interrupt numbers are its source ids, 1 to riscv,ndev (QEMU virt:
 * the UART 10, virtio-mmio 1-8, PCI INTA-D 32-35), so the DT's one-cell
 * specifiers are the kernel's numbers. A "context" is one hart's privilege
 * level: the node's interrupts-extended lists them in order as <&intc
 * cause>, and the ones with cause 9 (supervisor external) on a hart's
 * cpu-intc are that hart's. Each source is enabled in exactly one context,
 * its target CPU's (the boot hart's until irq_set_affinity() moves it), so
 * one hart claims it.
 *
 * Registers (spec, "Memory Map"): priority 4 * id; enable bits at
 * 0x2000 + 0x80 * ctx; threshold at 0x200000 + 0x1000 * ctx and claim /
 * complete 4 bytes after it. A source with priority 0 never interrupts;
 * every used source gets 1 and every threshold is 0.
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>

#define PLIC_MAX_SOURCES 1024
#define PRIORITY(id) (4u * (id))
#define ENABLE(ctx, id) (0x2000u + 0x80u * (ctx) + 4u * ((id) / 32))
#define THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4u)
#define NO_CTX 0xffffu

static struct device *plic;
static unsigned ndev;
/* The supervisor context of each hart id (NO_CTX: none). */
static uint16_t ctx_of_hart[RV_MAX_HARTS];
/* Each source's target hart id. Changed under the interrupt table's lock. */
static uint8_t target[PLIC_MAX_SOURCES];
/* The enable words are read-modify-write, shared by all sources of a
 * context: one lock for them (mask/unmask already run under the table's
 * lock, but set_affinity touches two contexts). */
static struct spinlock enable_lock = SPINLOCK_INIT("plic-enable");

static void set_enable(unsigned ctx, unsigned id, int on)
{
    irqflags_t f = spin_lock_irqsave(&enable_lock);
    uint32_t w = dev_read32(plic, ENABLE(ctx, id)), bit = 1u << (id % 32);
    dev_write32(plic, ENABLE(ctx, id), on ? w | bit : w & ~bit);
    spin_unlock_irqrestore(&enable_lock, f);
}

static int valid(unsigned irq) { return irq >= 1 && irq <= ndev; }

static void plic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (valid(irq) && ctx_of_hart[target[irq]] != NO_CTX)
        set_enable(ctx_of_hart[target[irq]], irq, 0);
}

/*
 * Enable first, priority last. QEMU's PLIC (7.2, hw/intc/sifive_plic.c)
 * works out its interrupt output again when a priority, a threshold, a
 * source's level, a claim or a completion changes, but not when an enable
 * bit does. A source already pending when it is enabled (the console's
 * UART, with keys typed between the driver's start and the PLIC's probe)
 * then raised nothing until its next change: the shell missed the first
 * command of about one boot in ten under load. The priority write makes
 * QEMU look; on hardware the order is as good as the other.
 */
static void plic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (!valid(irq) || ctx_of_hart[target[irq]] == NO_CTX)
        return;
    set_enable(ctx_of_hart[target[irq]], irq, 1);
    dev_write32(plic, PRIORITY(irq), 1);
}

static int plic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                             struct msi_msg *msg)
{
    (void)chip;
    (void)msg;
    const struct cpu *c = smp_cpu(cpu);
    if (!valid(irq) || !c || c->hwid >= RV_MAX_HARTS || ctx_of_hart[c->hwid] == NO_CTX)
        return -EINVAL;
    unsigned old = ctx_of_hart[target[irq]];
    int was_on = old != NO_CTX && (dev_read32(plic, ENABLE(old, irq)) >> (irq % 32)) & 1;
    if (was_on)
        set_enable(old, irq, 0);
    target[irq] = (uint8_t)c->hwid;
    if (was_on) {
        set_enable(ctx_of_hart[c->hwid], irq, 1);
        dev_write32(plic, PRIORITY(irq), 1); /* last, as in plic_unmask() */
    }
    return 0;
}

/* A started hart: OpenSBI's warm boot of a hart sets its supervisor
 * context's threshold to 7 (everything masked) and clears its enables, so
 * the threshold the probe wrote for every hart is undone for the ones that
 * start later. Open it again, from the hart itself. */
void rv_plic_cpu_init(void)
{
    uint32_t hart = hal_cpu_id();
    if (plic && hart < RV_MAX_HARTS && ctx_of_hart[hart] != NO_CTX)
        dev_write32(plic, THRESHOLD(ctx_of_hart[hart]), 0);
}

static const struct irq_chip plic_chip = {
    .name = "plic",
    .mask = plic_mask,
    .unmask = plic_unmask,
    .set_affinity = plic_set_affinity,
};

/* Supervisor external interrupt on this hart: claim until nothing is
 * pending for its context, handing each source to the kernel, then
 * complete it (the PLIC masks a claimed source until its completion). */
static void plic_handle(unsigned long cause)
{
    (void)cause;
    uint32_t hart = hal_cpu_id();
    unsigned ctx = hart < RV_MAX_HARTS ? ctx_of_hart[hart] : NO_CTX;
    if (ctx == NO_CTX) {
        irq_spurious();
        return;
    }
    for (;;) {
        uint32_t id = dev_read32(plic, CLAIM(ctx));
        if (id == 0)
            break;
        irq_handle(id);
        dev_write32(plic, CLAIM(ctx), id);
    }
}

/* Contexts from interrupts-extended: entry i is <&cpu-intc cause>. */
static int read_contexts(const struct fdt *fdt, int node, unsigned *nctx)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "interrupts-extended", &len);
    if (!p || len % 8)
        return -EINVAL;
    *nctx = len / 8;
    unsigned found = 0;
    for (unsigned i = 0; i < len / 8; i++) {
        int intc = fdt_node_by_phandle(fdt, fdt_be32(p + 8 * i));
        uint32_t cause = fdt_be32(p + 8 * i + 4), hartid;
        int cpu = intc >= 0 ? fdt_parent(fdt, intc) : -1;
        if (cause != RV_IRQ_S_EXT || cpu < 0 || fdt_prop_u32(fdt, cpu, "reg", &hartid) != 0)
            continue;
        if (hartid >= RV_MAX_HARTS) {
            pr_warn("plic: hart %u is beyond the %d this kernel keeps; left off", hartid,
                    RV_MAX_HARTS);
            continue;
        }
        ctx_of_hart[hartid] = (uint16_t)i;
        found++;
    }
    return found ? 0 : -ENOENT;
}

static int plic_probe(struct device *dev)
{
    const struct fdt *fdt = dev->bus_data;
    if (plic) {
        pr_warn("plic: %s: a second PLIC is not supported; left off", dev->name);
        return -EBUSY;
    }
    if (!fdt || dev->nregs < 1)
        return -ENODEV;
    uint32_t n;
    if (fdt_prop_u32(fdt, dev->fdt_node, "riscv,ndev", &n) != 0 || n == 0 ||
        n >= PLIC_MAX_SOURCES) {
        pr_err("plic: %s: riscv,ndev missing or not 1-%d", dev->name, PLIC_MAX_SOURCES - 1);
        return -EINVAL;
    }
    for (unsigned i = 0; i < RV_MAX_HARTS; i++)
        ctx_of_hart[i] = NO_CTX;
    unsigned nctx;
    int err = read_contexts(fdt, dev->fdt_node, &nctx);
    if (err) {
        pr_err("plic: %s: no supervisor context in interrupts-extended", dev->name);
        return err;
    }
    if (dev->reg_size[0] < THRESHOLD(nctx)) {
        pr_err("plic: %s: its registers (%#lx bytes) do not cover %u contexts", dev->name,
               (unsigned long)dev->reg_size[0], nctx);
        return -EINVAL;
    }
    err = device_map(dev);
    if (err)
        return err;
    plic = dev;
    ndev = n;
    uint32_t boot = hal_cpu_id();
    for (unsigned id = 1; id <= ndev; id++) {
        dev_write32(dev, PRIORITY(id), 0);
        target[id] = (uint8_t)boot;
    }
    for (unsigned h = 0; h < RV_MAX_HARTS; h++) {
        if (ctx_of_hart[h] == NO_CTX)
            continue;
        for (unsigned w = 0; w <= ndev / 32; w++)
            dev_write32(dev, ENABLE(ctx_of_hart[h], 32 * w), 0);
        dev_write32(dev, THRESHOLD(ctx_of_hart[h]), 0);
    }
    err = irq_chip_register(&plic_chip, 0, ndev + 1);
    if (err == 0)
        err = hal_irq_set_root_handler(plic_handle);
    if (err) {
        pr_err("plic: %s: %s", dev->name, errno_name(err));
        plic = NULL;
        return err;
    }
    pr_info("plic: %s at %#lx, %u sources, %u contexts", dev->name,
            (unsigned long)dev->reg_base[0], ndev, nctx);
    return 0;
}

static const char *const plic_compat[] = {"sifive,plic-1.0.0", "riscv,plic0", NULL};
DRIVER(rv_plic_driver, .name = "plic", .compatible = plic_compat, .probe = plic_probe);
