/**
 * @file acpi_tests.c
 * @brief In-kernel tests of aarch64 booted from ACPI alone (acpi.c): what
 *        QEMU's virt machine puts in its tables reached the drivers.
 *        Booted with a device tree, there is nothing to compare.
 */
#include <hal/platform.h>
#include <kernel/driver.h>
#include <kernel/irq.h>
#include <kernel/ktest.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include <acpi/devices.h>
#include <acpi/madt.h>

static const struct device *bound(const char *driver)
{
    for (unsigned i = 0; i < device_count(); i++) {
        const struct device *d = device_at(i);
        if (d->driver && strcmp(d->driver->name, driver) == 0)
            return d;
    }
    return NULL;
}

KTEST(a64_acpi_boot_as_qemu_describes_it)
{
    const struct boot_info *bi = platform_boot_info();
    if (bi->dtb_phys || !bi->rsdp_len)
        return; /* booted with a device tree */
    device_probe_wait(); /* the ITS and the PCI hosts are late */
    /* CPUs: every GICC, each running; PSCI said by the FADT. */
    const struct madt_info *m = acpi_madt();
    KT_ASSERT(m && m->gic.dist == 0x08000000);
    KT_ASSERT(m->ncpus >= 1 && m->ncpus == smp_cpus_online());
    for (unsigned i = 0; i < m->ncpus && i < MADT_MAX_CPUS; i++)
        KT_ASSERT(m->cpus[i].mpidr == i); /* virt: Aff0 counts the CPUs */
    int flags = acpi_arm_boot_flags();
    KT_ASSERT(flags >= 0 && (flags & ACPI_ARM_PSCI));
    /* The GIC, and on a GICv3 the ITS as the default MSI controller. */
    const struct device *gic = bound(m->gic.ngicr ? "gicv3" : "gicv2");
    KT_ASSERT(gic && gic->base == 0x08000000);
    if (m->gic.nits) {
        struct msi_chip *c = msi_chip_find(0);
        KT_ASSERT(m->gic.its[0] == 0x08080000 && c && strcmp(c->name, "its") == 0);
    }
    if (m->gic.nmsi) {
        struct msi_chip *c = msi_chip_find(0);
        KT_ASSERT(m->gic.msi[0].base == 0x08020000 && c && strcmp(c->name, "gicv2m") == 0);
    }
    /* The timer on the GTDT's virtual timer PPI; the console from the SPCR. */
    struct acpi_gtdt gtdt;
    KT_ASSERT(acpi_gtdt(&gtdt) == 0 && gtdt.virt.gsiv == 27);
    const struct device *timer = bound("armv8-timer");
    KT_ASSERT(timer && timer->has_irq && timer->irq == 27);
    const struct device *uart = bound("pl011");
    KT_ASSERT(uart && uart->is_stdout && uart->base == 0x09000000 && uart->has_irq &&
              uart->irq == 33);
    /* PCI through the MCFG: QEMU's high ECAM, 256 buses. */
    struct acpi_mcfg mcfg;
    KT_ASSERT(acpi_mcfg(&mcfg, 1) == 1 && mcfg.base == 0x4010000000ull && mcfg.bus_end == 255);
    KT_ASSERT(bound("pci-mcfg") != NULL);
}
