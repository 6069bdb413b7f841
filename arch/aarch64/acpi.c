/**
 * @file acpi.c
 * @brief aarch64 booted from ACPI alone: no device tree, as an arm64
 *        server's firmware (and AAVMF with QEMU's ACPI tables) boots it.
 *
 * The EFI stub handed over UEFI's memory map and a copy of the RSDP. From
 * the static tables (drivers/acpi) this describer makes what the device
 * tree's walker would have made: the CPUs and PSCI's conduit (MADT GICC
 * entries, the FADT's ARM boot flags), and devices for the drivers that
 * already serve the DT: the GIC (GICD, GICR or the GICv2 CPU interface),
 * the ITSs or GICv2m frames, the architected timer (GTDT), the console
 * (SPCR) and the PCI hosts (MCFG). What only the DSDT's AML describes
 * (virtio-mmio slots, the RTC, fw_cfg, PCI windows and INTx routing) is
 * not found: this kernel runs no AML, and PCI devices interrupt through
 * MSI-X.
 */
#include <arch/private.h>
#include <boot/efi.h>
#include <hal/smp.h>
#include <kernel/bootprof.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include <acpi/devices.h>
#include <acpi/madt.h>

#define GICD_SIZE 0x10000u   /* GICv3's distributor; GICv2's is 4 KiB of it */
#define GICV2_CPU_SIZE 0x2000u
#define ITS_SIZE 0x20000u    /* control frame and translation frame */
#define V2M_SIZE 0x1000u
#define UART_SIZE 0x1000u

/* MPIDR affinity -> hal_cpu_id()'s packing (Aff3 in bits 31:24). */
static uint32_t mpidr_to_hwid(uint64_t mpidr)
{
    return (uint32_t)(mpidr & 0xffffffu) | (uint32_t)((mpidr >> 32) & 0xff) << 24;
}

static void add(struct device *d)
{
    int err = device_add(d);
    if (err)
        pr_warn("acpi: %s (%s) not brought up: %s", d->name, d->compatible, errno_name(err));
}

/* A memory-mapped device with one window and no DT node, named as the
 * DT's walker would name it: "gic@8000000". */
static void describe(struct device *d, const char *name, const char *compat, uint64_t base,
                     uint64_t size)
{
    memset(d, 0, sizeof *d);
    if (size)
        ksnprintf(d->name, sizeof d->name, "%s@%lx", name, (unsigned long)base);
    else
        strlcpy(d->name, name, sizeof d->name);
    device_add_compatible(d, compat);
    d->fdt_node = -1;
    if (size) {
        d->space = DEV_MMIO;
        d->base = d->reg_base[0] = base;
        d->size = d->reg_size[0] = size;
        d->nregs = 1;
    }
}

/* The interrupt a table gave, in the kernel's numbering (a GSIV is the
 * GIC's INTID). */
static void describe_irq(struct device *d, const struct acpi_irq *irq)
{
    d->has_irq = 1;
    d->irq = irq->gsiv;
    d->irq_trigger = irq->edge ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL;
}

/* Devices whose drivers are late (the MSI controllers, PCI hosts): probed
 * by the probe thread after the prompt, in the order found, as the DT's
 * walker does with its late nodes. */
#define LATE_MAX (MADT_MAX_ITS + MADT_MAX_MSI_FRAMES + 1)
static struct device late[LATE_MAX];
static unsigned nlate;

static void probe_late(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < nlate; i++)
        add(&late[i]);
}

static void add_late(const struct device *d)
{
    if (nlate == LATE_MAX || (nlate == 0 && device_defer(probe_late, NULL) != 0)) {
        pr_warn("acpi: %s is not probed: no room to defer it", d->name);
        return;
    }
    late[nlate++] = *d;
}

static void add_cpus(const struct madt_info *m, int psci)
{
    static struct hal_cpu_desc cpus[MADT_MAX_CPUS];
    unsigned n = m->ncpus < MADT_MAX_CPUS ? m->ncpus : MADT_MAX_CPUS;
    for (unsigned i = 0; i < n; i++) {
        cpus[i] = (struct hal_cpu_desc){.hwid = mpidr_to_hwid(m->cpus[i].mpidr)};
        if (psci)
            cpus[i].method = "psci";
        else
            cpus[i].why = "the FADT says no PSCI (the parking protocol is not supported)";
    }
    if (m->ncpus > MADT_MAX_CPUS)
        pr_warn("acpi: the MADT lists %u CPUs; the first %d are used", m->ncpus, MADT_MAX_CPUS);
    a64_smp_set_cpus(cpus, (int)n);
}

static void add_gic(const struct madt_gic *g)
{
    struct device d;
    /* GICR entries mean a GICv3; the version field may say 0 ("ask the
     * hardware"), and a GICv2 has a CPU interface instead. */
    if (g->ngicr || g->version >= 3) {
        describe(&d, "gic", "arm,gic-v3", g->dist, GICD_SIZE);
        for (unsigned i = 0; i < g->ngicr && i + 1 < DEV_MAX_REGS; i++) {
            d.reg_base[i + 1] = g->gicr[i].base;
            d.reg_size[i + 1] = g->gicr[i].size;
            d.nregs = i + 2;
        }
        add(&d);
        for (unsigned i = 0; i < g->nits; i++) {
            describe(&d, "its", "arm,gic-v3-its", g->its[i], ITS_SIZE);
            add_late(&d);
        }
        return;
    }
    describe(&d, "gic", "arm,cortex-a15-gic", g->dist, 0x1000);
    d.reg_base[1] = g->cpu_if;
    d.reg_size[1] = GICV2_CPU_SIZE;
    d.nregs = 2;
    add(&d);
    for (unsigned i = 0; i < g->nmsi; i++) {
        /* The driver reads the frame's MSI_TYPER; an override in the MADT
         * is for frames whose register lies, which QEMU's does not. */
        if (g->msi[i].spi_given)
            pr_info("acpi: GIC MSI frame at %#lx: the MADT's SPI range (%u from %u) is left for "
                    "the frame's MSI_TYPER", (unsigned long)g->msi[i].base, g->msi[i].spi_count,
                    g->msi[i].spi_base);
        describe(&d, "v2m", "arm,gic-v2m-frame", g->msi[i].base, V2M_SIZE);
        add_late(&d);
    }
}

static void add_timer(void)
{
    struct acpi_gtdt gtdt;
    int err = acpi_gtdt(&gtdt);
    if (err) {
        pr_warn("acpi: no usable GTDT (%s); the timer assumes its interrupt", errno_name(err));
        return;
    }
    struct device d;
    describe(&d, "timer", "arm,armv8-timer", 0, 0);
    describe_irq(&d, &gtdt.virt);
    add(&d);
}

static void add_console(void)
{
    struct acpi_spcr spcr;
    int err = acpi_spcr(&spcr);
    if (err) {
        pr_warn("acpi: no usable SPCR (%s); the early console stays", errno_name(err));
        return;
    }
    const char *compat = NULL;
    switch (spcr.type) {
    case ACPI_SPCR_PL011:
    case ACPI_SPCR_SBSA:
    case ACPI_SPCR_SBSA32: compat = "arm,pl011"; break; /* the SBSA UART is a PL011's subset */
    case ACPI_SPCR_16550:
    case ACPI_SPCR_16450:
    case ACPI_SPCR_16550_GAS: compat = "ns16550a"; break;
    default:
        pr_warn("acpi: SPCR console of interface type %#x is not supported; the early console stays",
                spcr.type);
        return;
    }
    struct device d;
    describe(&d, spcr.type == ACPI_SPCR_PL011 || spcr.type == ACPI_SPCR_SBSA ||
                 spcr.type == ACPI_SPCR_SBSA32 ? "pl011" : "serial", compat, spcr.base, UART_SIZE);
    if (!spcr.mmio)
        d.space = DEV_PIO;
    d.reg_width = spcr.access;
    d.reg_shift = spcr.access == 4 ? 2 : 0;
    d.is_stdout = 1;
    if (spcr.has_irq)
        describe_irq(&d, &spcr.irq);
    add(&d);
}

static void add_pci(void)
{
    struct acpi_mcfg mcfg;
    if (acpi_mcfg(&mcfg, 1) <= 0)
        return; /* no PCI, or a malformed MCFG (logged) */
    struct device d;
    describe(&d, "pcie-mcfg", "pci-host-mcfg", 0, 0);
    /* Whether PCI snoops the caches is the DSDT's _CCA or the IORT's; SBSA
     * systems and QEMU's virt (whose DSDT says _CCA 1) are coherent. */
    d.dma_coherent = 1;
    add_late(&d);
}

int a64_acpi_platform_init(struct boot_info *bi, int *smc)
{
    const struct efi_handoff *efi = efi_handoff();
    if (!bi->rsdp_len || !efi) {
        pr_err("aarch64: neither a device tree nor ACPI tables: no memory map, no devices");
        return -ENOENT;
    }
    int err = a64_map_boot_range(efi->mmap, efi->mmap_size);
    if (err || efi_handoff_memory(efi, bi) != 0) {
        pr_err("aarch64: UEFI's memory map cannot be read (%s); no device tree to fall back on",
               errno_name(err ? err : -EINVAL));
        return -ENOENT;
    }
    boot_stage("uefi memory map");
    err = a64_map_ram(bi);
    if (err)
        pr_warn("aarch64: RAM not fully direct-mapped at boot (%s); the rest follows later",
                errno_name(err));
    boot_stage("ram direct map");

    int flags = acpi_arm_boot_flags();
    if (flags >= 0 && (flags & ACPI_ARM_PSCI))
        *smc = !(flags & ACPI_ARM_PSCI_HVC);
    else
        pr_warn("aarch64: the FADT names no PSCI (%s); other CPUs stay off, and power off and "
                "reset use %s", flags < 0 ? errno_name(flags) : "flag clear", *smc ? "smc" : "hvc");
    err = acpi_madt_init();
    const struct madt_info *m = acpi_madt();
    if (!m || !m->gic.dist) {
        pr_err("aarch64: no usable MADT GIC (%s): no interrupts", errno_name(err ? err : -ENOENT));
        return 0;
    }
    add_cpus(m, flags >= 0 && (flags & ACPI_ARM_PSCI));
    add_gic(&m->gic);
    add_timer();
    add_console();
    add_pci();
    pr_info("aarch64: booted from ACPI: CPUs %u, GICv%u, ITSs %u, GICv2m frames %u; what only "
            "the DSDT describes (virtio-mmio, RTC, fw_cfg) is not found", m->ncpus,
            m->gic.ngicr || m->gic.version >= 3 ? 3 : 2, m->gic.nits, m->gic.nmsi);
    boot_stage("acpi drivers");
    return 0;
}
