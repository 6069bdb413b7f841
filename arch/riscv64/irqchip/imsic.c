/**
 * @file imsic.c
 * @brief The RISC-V Incoming MSI Controller (AIA spec 1.0, chapter 3; DT
 *        "riscv,imsics"): each hart's supervisor interrupt file, as the
 *        external interrupt controller behind the supervisor external
 *        interrupt, and the MSI controller for PCI (MSI and MSI-X) and for
 *        the APLIC's wired sources (aplic.c).
 *
 * A hart's file is one 4 KiB page of the node's registers (the node's
 * interrupts-extended lists the harts in file order; QEMU virt has no
 * groups or guest files): a device raises interrupt identity N there by
 * writing N to its seteipnum_le register at offset 0. The hart reads its
 * own file through CSRs: siselect/sireg reach eidelivery, eithreshold and
 * the eie enable bits, and a swap of stopei claims the highest pending
 * identity.
 *
 * Kernel numbers: RV_IMSIC_BASE + identity. Every identity is enabled in
 * every hart's file from its start, so the kernel's mask is a software one
 * (as the local APIC's MSIs on x86_64): a masked MSI that arrives is noted
 * and its handler not run, and unmasking sends it again by writing its
 * identity to the target hart's file. Which hart gets an MSI is in the
 * message (the file's address), so moving one changes the message and the
 * device's driver writes it (irq_set_msi_writer()).
 */
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>

#define CSR_SISELECT "0x150"
#define CSR_SIREG "0x151"
#define CSR_STOPEI "0x15c"
#define ISEL_EIDELIVERY 0x70
#define ISEL_EITHRESHOLD 0x72
#define ISEL_EIE0 0xc0
#define IMSIC_MAX_IDS 2048
#define FILE_SIZE 0x1000u
#define NO_FILE 0xffffu

static struct device *imsic;
static unsigned num_ids;
/* The interrupt file of each hart id (NO_FILE: none). */
static uint16_t file_of_hart[RV_MAX_HARTS];
/* Per identity: allocated to a device, masked, latched while masked, its target hart. */
static uint8_t used[IMSIC_MAX_IDS], masked[IMSIC_MAX_IDS], latched[IMSIC_MAX_IDS];
static uint8_t target[IMSIC_MAX_IDS];
static struct spinlock alloc_lock = SPINLOCK_INIT("imsic-alloc");
/* Identities chained to a wired controller (the APLIC): its source number,
 * 0 if the identity is an MSI of its own. */
static uint16_t chained_src[IMSIC_MAX_IDS];
static void (*chained_fn)(unsigned src);

static void isel_write(unsigned sel, uint64_t v)
{
    __asm__ volatile("csrw " CSR_SISELECT ", %0\n\tcsrw " CSR_SIREG ", %1" : : "r"((uint64_t)sel), "r"(v)
                     : "memory");
}

/* The file of hart @p hwid: its physical address, 0 if it has none. */
static uint64_t file_phys(uint32_t hwid)
{
    if (hwid >= RV_MAX_HARTS || file_of_hart[hwid] == NO_FILE)
        return 0;
    return imsic->reg_base[0] + (uint64_t)file_of_hart[hwid] * FILE_SIZE;
}

int rv_imsic_hart_index(uint32_t hwid)
{
    return imsic && hwid < RV_MAX_HARTS && file_of_hart[hwid] != NO_FILE ? file_of_hart[hwid]
                                                                          : -ENODEV;
}

/* Deliver every identity to this hart: delivery on, no threshold, all enabled. */
void rv_imsic_cpu_init(void)
{
    if (!imsic)
        return;
    for (unsigned w = 0; w <= num_ids / 64; w++)
        isel_write(ISEL_EIE0 + 2 * w, ~0ULL); /* RV64: only the even eie registers exist */
    isel_write(ISEL_EITHRESHOLD, 0);
    isel_write(ISEL_EIDELIVERY, 1);
}

static int valid(unsigned irq) { return irq > RV_IMSIC_BASE && irq <= RV_IMSIC_BASE + num_ids; }

/* Send identity @p id again, to its target's file (as the device would). */
static void resend(unsigned id)
{
    uint64_t pa = file_phys(target[id]);
    if (pa)
        dev_write32(imsic, (unsigned)(pa - imsic->reg_base[0]), id);
}

static void imsic_mask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (valid(irq))
        masked[irq - RV_IMSIC_BASE] = 1;
}

static void imsic_unmask(const struct irq_chip *chip, unsigned irq)
{
    (void)chip;
    if (!valid(irq))
        return;
    unsigned id = irq - RV_IMSIC_BASE;
    __atomic_store_n(&masked[id], 0, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&latched[id], 0, __ATOMIC_SEQ_CST))
        resend(id);
}

static int imsic_set_affinity(const struct irq_chip *chip, unsigned irq, unsigned cpu,
                              struct msi_msg *msg)
{
    (void)chip;
    const struct cpu *c = smp_cpu(cpu);
    if (!valid(irq) || !c || !file_phys(c->hwid))
        return -EINVAL;
    unsigned id = irq - RV_IMSIC_BASE;
    target[id] = (uint8_t)c->hwid;
    msg->address = file_phys(c->hwid);
    msg->data = id;
    return 1;
}

static const struct irq_chip imsic_chip = {
    .name = "imsic",
    .mask = imsic_mask,
    .unmask = imsic_unmask,
    .set_affinity = imsic_set_affinity,
};

/* Supervisor external interrupt: claim every pending identity of this
 * hart's file (the swap clears the one it reports). MSIs need no EOI. */
static void imsic_handle(unsigned long cause)
{
    (void)cause;
    for (;;) {
        uint64_t top;
        __asm__ volatile("csrrw %0, " CSR_STOPEI ", zero" : "=r"(top) : : "memory");
        unsigned id = (unsigned)(top >> 16) & 0x7ff;
        if (id == 0)
            break;
        if (id > num_ids) {
            irq_spurious();
        } else if (chained_src[id]) {
            chained_fn(chained_src[id]); /* the source's controller masks and counts */
        } else if (__atomic_load_n(&masked[id], __ATOMIC_SEQ_CST)) {
            /* Latch it, then look again: an unmask on another hart in
             * between either sees the latch and resends, or cleared the
             * mask before it, and then this hart takes the latch back. */
            __atomic_store_n(&latched[id], 1, __ATOMIC_SEQ_CST);
            if (!__atomic_load_n(&masked[id], __ATOMIC_SEQ_CST) &&
                __atomic_exchange_n(&latched[id], 0, __ATOMIC_SEQ_CST))
                irq_handle(RV_IMSIC_BASE + id);
        } else {
            irq_handle(RV_IMSIC_BASE + id);
        }
    }
}

static int imsic_alloc(struct msi_chip *chip, uint32_t devid, unsigned n, unsigned *irqs,
                       struct msi_msg *msgs)
{
    (void)chip;
    (void)devid;
    uint32_t boot = smp_cpu(0) ? smp_cpu(0)->hwid : hal_cpu_id();
    irqflags_t f = spin_lock_irqsave(&alloc_lock);
    unsigned got = 0;
    for (unsigned id = 1; id <= num_ids && got < n; id++)
        if (!used[id])
            irqs[got++] = id;
    if (got < n) {
        spin_unlock_irqrestore(&alloc_lock, f);
        return -ENOSPC;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned id = irqs[i];
        used[id] = 1;
        masked[id] = 1; /* until irq_register() unmasks it */
        latched[id] = 0;
        target[id] = (uint8_t)boot;
        irqs[i] = RV_IMSIC_BASE + id;
        msgs[i] = (struct msi_msg){file_phys(boot), id};
    }
    spin_unlock_irqrestore(&alloc_lock, f);
    return 0;
}

static int imsic_free(struct msi_chip *chip, uint32_t devid, const unsigned *irqs, unsigned n)
{
    (void)chip;
    (void)devid;
    irqflags_t f = spin_lock_irqsave(&alloc_lock);
    for (unsigned i = 0; i < n; i++)
        if (!valid(irqs[i]) || !used[irqs[i] - RV_IMSIC_BASE]) {
            spin_unlock_irqrestore(&alloc_lock, f);
            return -ENOENT;
        }
    for (unsigned i = 0; i < n; i++)
        used[irqs[i] - RV_IMSIC_BASE] = 0;
    spin_unlock_irqrestore(&alloc_lock, f);
    return 0;
}

int rv_imsic_chain(unsigned src, void (*fn)(unsigned src))
{
    if (!imsic || src == 0 || src > 0xffff || (chained_fn && chained_fn != fn))
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&alloc_lock);
    for (unsigned id = num_ids; id >= 1; id--) { /* from the top: PCI MSIs keep the low ones */
        if (used[id])
            continue;
        used[id] = 1;
        chained_fn = fn;
        chained_src[id] = (uint16_t)src;
        spin_unlock_irqrestore(&alloc_lock, f);
        return (int)id;
    }
    spin_unlock_irqrestore(&alloc_lock, f);
    return -ENOSPC;
}

static struct msi_chip imsic_msi = {.name = "imsic", .alloc = imsic_alloc, .free = imsic_free};

/* Files from interrupts-extended: entry i is <&cpu-intc 9> of file i's hart. */
static int read_files(const struct fdt *fdt, int node, unsigned *nfiles)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "interrupts-extended", &len);
    if (!p || len % 8 || len == 0)
        return -EINVAL;
    *nfiles = len / 8;
    for (unsigned i = 0; i < len / 8; i++) {
        int intc = fdt_node_by_phandle(fdt, fdt_be32(p + 8 * i));
        uint32_t cause = fdt_be32(p + 8 * i + 4), hartid;
        int cpu = intc >= 0 ? fdt_parent(fdt, intc) : -1;
        if (cause != RV_IRQ_S_EXT)
            return -ENOENT; /* the machine-level files: the SBI's, not ours */
        if (cpu < 0 || fdt_prop_u32(fdt, cpu, "reg", &hartid) != 0 || hartid >= RV_MAX_HARTS)
            continue;
        file_of_hart[hartid] = (uint16_t)i;
    }
    return 0;
}

static int imsic_probe(struct device *dev)
{
    const struct fdt *fdt = dev->bus_data;
    if (!fdt || dev->nregs < 1)
        return -ENODEV;
    for (unsigned i = 0; i < RV_MAX_HARTS; i++)
        file_of_hart[i] = NO_FILE;
    unsigned nfiles;
    int err = read_files(fdt, dev->fdt_node, &nfiles);
    if (err == -ENOENT)
        return -ENODEV; /* quietly: the machine-level IMSIC is the SBI's */
    if (err) {
        pr_err("imsic: %s: no usable interrupts-extended", dev->name);
        return err;
    }
    if (imsic) {
        pr_warn("imsic: %s: a second supervisor IMSIC is not supported; left off", dev->name);
        return -EBUSY;
    }
    uint32_t n;
    if (fdt_prop_u32(fdt, dev->fdt_node, "riscv,num-ids", &n) != 0 || n < 63 || n >= IMSIC_MAX_IDS) {
        pr_err("imsic: %s: riscv,num-ids missing or not 63-%d", dev->name, IMSIC_MAX_IDS - 1);
        return -EINVAL;
    }
    if (dev->reg_size[0] < (uint64_t)nfiles * FILE_SIZE) {
        pr_err("imsic: %s: its registers do not cover %u interrupt files", dev->name, nfiles);
        return -EINVAL;
    }
    err = device_map(dev);
    if (err)
        return err;
    imsic = dev;
    num_ids = n;
    err = irq_chip_register(&imsic_chip, RV_IMSIC_BASE, num_ids + 1);
    if (err == 0)
        err = hal_irq_set_root_handler(imsic_handle);
    if (err == 0) {
        uint32_t ph = 0;
        fdt_prop_u32(fdt, dev->fdt_node, "phandle", &ph);
        imsic_msi.phandle = ph;
        err = msi_chip_register(&imsic_msi);
    }
    if (err) {
        pr_err("imsic: %s: %s", dev->name, errno_name(err));
        imsic = NULL;
        return err;
    }
    rv_imsic_cpu_init(); /* the boot hart's file; a started hart's comes with its cpu_init */
    pr_info("imsic: %s at %#lx, %u identities, %u harts", dev->name,
            (unsigned long)dev->reg_base[0], num_ids, nfiles);
    return 0;
}

static const char *const imsic_compat[] = {"riscv,imsics", NULL};
DRIVER(rv_imsic_driver, .name = "imsic", .compatible = imsic_compat, .probe = imsic_probe);
