/**
 * @file gic_tests.c
 * @brief In-kernel tests of the GIC driver: its number ranges, trigger
 *        configuration, SGIs held while masked, MSIs through GICv2m or
 *        the GICv3 ITS raised by the CPU itself, and SPIs and MSIs routed
 *        to each CPU.
 *
 * The portable interrupt tests (a software interrupt raised once, an
 * interrupt without handler, irq_register() misuse) are kernel/test's and
 * run on every arch; these are what only a GIC has. The MSI tests ask the
 * device tree which MSI controller the GIC has, so a missing controller is
 * a failure where the DT describes one (QEMU virt always does: a v2m frame
 * with gic-version=2, an ITS with 3), never a silent pass.
 *
 * Every test leaves nothing allocated or registered, so ktest can run again
 * in the same boot, and waits are bounded by hal_time_ns().
 */
#include "gic.h"
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/kprintf.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

#define MS 1000000ull
#define TEST_SGI ((unsigned)irq_test_number(1))
#define CPU_DEVID 0u      /* QEMU: a CPU's write to GITS_TRANSLATER carries requester ID 0 */
#define OTHER_DEVID 0x42u /* a requester no real device of QEMU virt has */

static volatile unsigned runs;
static unsigned seen_irq;

static void count_handler(unsigned irq, void *arg)
{
    (void)arg;
    seen_irq = irq;
    runs++;
}

/* The timer's interrupt (27 on QEMU virt; the DT decides): the one named "timer". */
static unsigned timer_irq(void)
{
    struct irq_stat st[32];
    unsigned n = irq_stats(st, 32);
    for (unsigned i = 0; i < n && i < 32; i++)
        if (strcmp(st[i].name, "timer") == 0)
            return st[i].irq;
    return IRQ_NR_MAX;
}

KTEST(gic_number_ranges)
{
    KT_ASSERT(gic.version == 2 || gic.version == 3);
    const char *name = gic.version == 2 ? "gicv2" : "gicv3";
    const unsigned probe[] = {0, 15, 16, 31, 32, gic.nirqs - 1};
    for (unsigned i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        const struct irq_chip *c = irq_chip_of(probe[i]);
        KT_ASSERT(c && strcmp(c->name, name) == 0);
    }
    KT_ASSERT(irq_chip_of(gic.nirqs) == NULL || gic.nirqs == 1020);
    KT_ASSERT(irq_chip_of(GIC_LPI_BASE - 1) == NULL);
    /* LPIs are a span of their own exactly when the GIC is v3 with an ITS. */
    const struct irq_chip *lpi = irq_chip_of(GIC_LPI_BASE);
    KT_ASSERT(gic.version == 3 ? lpi && strcmp(lpi->name, "gicv3-lpi") == 0 : lpi == NULL);
    KT_ASSERT(irq_raise_self(16) == -EINVAL); /* only SGIs can be raised */
    KT_ASSERT(irq_test_number(0) >= 0 && irq_test_number(1) < 16);
}

/* Raised with interrupts masked, an SGI waits; it is taken once they are not. */
KTEST(gic_configure_triggers)
{
    KT_ASSERT(irq_configure(TEST_SGI, IRQ_TRIGGER_EDGE) == 0); /* SGIs: edge only */
    KT_ASSERT(irq_configure(TEST_SGI, IRQ_TRIGGER_LEVEL) == -EINVAL);
    KT_ASSERT(irq_configure(IRQ_NR_MAX, IRQ_TRIGGER_LEVEL) == -EINVAL);
    unsigned t = timer_irq();
    KT_ASSERT(t >= 16 && t < 32); /* a PPI */
    int err = irq_configure(t, IRQ_TRIGGER_LEVEL); /* as it is */
    KT_ASSERT(err == 0 || err == -EINVAL);
    /* The last SPI (no device uses it): both modes stick, and it goes back to level. */
    unsigned spi = gic.nirqs - 1;
    KT_ASSERT(irq_configure(spi, IRQ_TRIGGER_EDGE) == 0);
    KT_ASSERT(irq_configure(spi, IRQ_TRIGGER_LEVEL) == 0);
}

/* ---- MSIs ---- */

/* The MSI controller the DT gives this GIC, checked against what probed.
 * NULL with *applies = 0 when the DT has none on a board that is not
 * QEMU virt (said on the console); NULL with *applies = 1 is a failure.
 * Booted from ACPI, with no DT, the platform's default controller serves
 * (that one probed where the MADT lists it is arch/aarch64/acpi_tests.c's
 * check); its absence means the tables gave none. */
static struct msi_chip *gic_msi_chip(int *applies)
{
    *applies = 1;
    device_probe_wait(); /* the MSI controllers are late drivers */
    const struct boot_info *bi = platform_boot_info();
    struct fdt fdt;
    if (!bi->dtb_phys && bi->rsdp_len) {
        struct msi_chip *c = msi_chip_find(0);
        if (!c || strcmp(c->name, gic.version == 2 ? "gicv2m" : "its") != 0) {
            *applies = 0;
            kprintf("  (no MSI controller from the ACPI tables: MSI tests do not apply)\n");
            return NULL;
        }
        return c;
    }
    if (!bi->dtb_phys || fdt_init(&fdt, hal_phys_to_virt(bi->dtb_phys), bi->dtb_size) != 0)
        return NULL;
    const char *compat = gic.version == 2 ? "arm,gic-v2m-frame" : "arm,gic-v3-its";
    int node = fdt_find_compatible(&fdt, -1, compat);
    if (node < 0) {
        int virt = fdt_node_is_compatible(&fdt, fdt_root(&fdt), "linux,dummy-virt");
        if (!virt) {
            *applies = 0;
            kprintf("  (no %s in the device tree: MSI tests do not apply)\n", compat);
        }
        return NULL;
    }
    uint32_t phandle = 0;
    fdt_prop_u32(&fdt, node, "phandle", &phandle);
    struct msi_chip *c = msi_chip_find(phandle);
    if (!c || !phandle || strcmp(c->name, gic.version == 2 ? "gicv2m" : "its") != 0)
        return NULL;
    return c;
}

/* The GIC's MSI controller into @p chip, or end the test: failed where the
 * DT describes one that did not probe, passed where the DT has none. */
#define MSI_CHIP_OR_RETURN(chip)            \
    do {                                    \
        int applies_;                       \
        (chip) = gic_msi_chip(&applies_);   \
        KT_ASSERT((chip) || !applies_);     \
        if (!(chip))                        \
            return;                         \
    } while (0)

/* Write the message as a device would, from the CPU. */
static void send_msi(const struct msi_msg *m)
{
    struct iomem page;
    if (!iomem_map(&page, m->address & ~0xfffull, 0x1000))
        iomem_write32(&page, m->address & 0xfff, m->data);
}

KTEST(msi_self_raise_runs_handler_once)
{
    struct msi_chip *chip;
    MSI_CHIP_OR_RETURN(chip);
    unsigned irq;
    struct msi_msg msg;
    KT_ASSERT(irq_alloc_msi(chip, CPU_DEVID, 1, &irq, &msg) == 0);
    /* v2m: an SPI of the frame, data = its INTID; ITS: an LPI, data = EventID. */
    int shape = gic.version == 2 ? (irq >= 32 && irq < gic.nirqs && msg.data == irq)
                                 : (irq >= GIC_LPI_BASE && msg.data < 64);
    runs = 0;
    int reg = irq_register(irq, count_handler, NULL, "ktest-msi");
    uint64_t before = irq_spurious_count();
    if (reg == 0) {
        send_msi(&msg);
        kt_wait_for(&runs, 1, 100 * MS);
        kt_wait_for(&runs, 2, 5 * MS); /* a second run would show up by now */
        irq_unregister(irq);
    }
    int freed = irq_free_msi(chip, CPU_DEVID, &irq, 1);
    KT_ASSERT(reg == 0 && freed == 0);
    KT_ASSERT(shape);
    KT_ASSERT(runs == 1 && seen_irq == irq);
    KT_ASSERT(irq_spurious_count() == before);
}

/* irq_handle() of an allocated LPI (>= 8192) reaches its handler through
 * the table's upper chunks; v2 has no LPIs at all. */
KTEST(msi_lpi_number_reaches_handler)
{
    if (gic.version == 2) {
        KT_ASSERT(irq_chip_of(GIC_LPI_BASE) == NULL);
        return;
    }
    struct msi_chip *chip;
    MSI_CHIP_OR_RETURN(chip);
    unsigned irq;
    struct msi_msg msg;
    KT_ASSERT(irq_alloc_msi(chip, OTHER_DEVID, 1, &irq, &msg) == 0);
    runs = 0;
    int reg = irq_register(irq, count_handler, NULL, "ktest-lpi");
    if (reg == 0) {
        irqflags_t f = hal_irq_save();
        irq_handle(irq);
        hal_irq_restore(f);
        irq_unregister(irq);
    }
    KT_ASSERT(irq_free_msi(chip, OTHER_DEVID, &irq, 1) == 0);
    KT_ASSERT(reg == 0 && irq >= GIC_LPI_BASE);
    KT_ASSERT(runs == 1 && seen_irq == irq);
}

#define MAX_ALLOCS 32
static unsigned held[MAX_ALLOCS][MSI_MAX_VECTORS], held_n[MAX_ALLOCS];

/* Take everything the controller will give @p devid, then check the errors
 * at the edge: -ENOSPC takes nothing, and all of it comes back. */
KTEST(msi_exhaustion_and_reuse)
{
    struct msi_chip *chip;
    MSI_CHIP_OR_RETURN(chip);
    struct msi_msg msgs[MSI_MAX_VECTORS];
    unsigned nallocs = 0, total = 0, n = MSI_MAX_VECTORS;
    while (n && nallocs < MAX_ALLOCS) {
        if (irq_alloc_msi(chip, OTHER_DEVID, n, held[nallocs], msgs) == 0) {
            held_n[nallocs++] = n;
            total += n;
        } else {
            n /= 2;
        }
    }
    unsigned one, more[MSI_MAX_VECTORS], two[2];
    int full = irq_alloc_msi(chip, OTHER_DEVID, 1, &one, msgs);
    /* Give back the last batch (m), take m - 1 of it: one is left, so a
     * request for two fails whole and the one is still there afterwards. */
    unsigned m = nallocs ? held_n[nallocs - 1] : 0;
    int back = nallocs ? irq_free_msi(chip, OTHER_DEVID, held[nallocs - 1], m) : -1;
    int part = m > 1 ? irq_alloc_msi(chip, OTHER_DEVID, m - 1, more, msgs) : 0;
    int over = irq_alloc_msi(chip, OTHER_DEVID, 2, two, msgs);
    int last = irq_alloc_msi(chip, OTHER_DEVID, 1, &one, msgs);
    int again = irq_alloc_msi(chip, OTHER_DEVID, 1, two, msgs);
    int freed = last == 0 ? irq_free_msi(chip, OTHER_DEVID, &one, 1) : -1;
    if (m > 1 && part == 0)
        freed |= irq_free_msi(chip, OTHER_DEVID, more, m - 1);
    for (unsigned i = 0; i + 1 < nallocs; i++)
        freed |= irq_free_msi(chip, OTHER_DEVID, held[i], held_n[i]);
    KT_ASSERT(nallocs > 0 && nallocs < MAX_ALLOCS && total >= MSI_MAX_VECTORS);
    KT_ASSERT(full == -ENOSPC);
    KT_ASSERT(back == 0 && part == 0);
    KT_ASSERT(over == -ENOSPC && last == 0); /* the failed request took nothing */
    KT_ASSERT(again == -ENOSPC);
    KT_ASSERT(freed == 0);
    /* Everything is back: the first interrupt is handed out again. */
    KT_ASSERT(irq_alloc_msi(chip, OTHER_DEVID, 1, &one, msgs) == 0);
    KT_ASSERT(one == held[0][0]);
    KT_ASSERT(irq_free_msi(chip, OTHER_DEVID, &one, 1) == 0);
}

KTEST(msi_free_errors)
{
    struct msi_chip *chip;
    MSI_CHIP_OR_RETURN(chip);
    unsigned irqs[2];
    struct msi_msg msgs[2];
    KT_ASSERT(irq_alloc_msi(chip, OTHER_DEVID, 2, irqs, msgs) == 0);
    unsigned twice[2] = {irqs[0], irqs[0]};
    int wrong_dev = irq_free_msi(chip, OTHER_DEVID + 1, irqs, 2);
    int dup = irq_free_msi(chip, OTHER_DEVID, twice, 2);
    int reg = irq_register(irqs[1], count_handler, NULL, "ktest-msi");
    int busy = irq_free_msi(chip, OTHER_DEVID, irqs, 2);
    irq_unregister(irqs[1]);
    int ok = irq_free_msi(chip, OTHER_DEVID, irqs, 2); /* nothing was freed by the failures */
    int dbl = irq_free_msi(chip, OTHER_DEVID, irqs, 1);
    KT_ASSERT(wrong_dev == -ENOENT && dup == -ENOENT);
    KT_ASSERT(reg == 0 && busy == -EBUSY);
    KT_ASSERT(ok == 0);
    KT_ASSERT(dbl == -ENOENT);
}

/* ---- routing to each CPU ---- */

/* As a device's edge would: the set-pending bit of the SPI. */
static int pend_spi(unsigned irq, void *arg)
{
    (void)arg;
    iomem_write32(&gic.dist, GICD_ISPENDR + 4 * (irq / 32), 1u << (irq % 32));
    return 0;
}

static int write_msi(unsigned irq, void *arg)
{
    (void)irq;
    send_msi(arg);
    return 0;
}

/* The highest SPI without a handler (QEMU virt's devices use low ones) goes
 * to each CPU in turn through GICD_IROUTER (v3) or GICD_ITARGETSR (v2); an
 * SGI or PPI has no route. Edge while the test runs, then level as it was. */
KTEST(gic_spi_routed_to_each_cpu)
{
    unsigned spi = gic.nirqs - 1;
    while (spi > 32 && irq_has_handler(spi))
        spi--;
    KT_ASSERT(spi > 32);
    KT_ASSERT(irq_set_affinity(TEST_SGI, 0) == -EINVAL);
    KT_ASSERT(irq_affinity(TEST_SGI) == -EINVAL);
    KT_ASSERT(irq_set_affinity(timer_irq(), 0) == -EINVAL);
    KT_ASSERT(irq_set_affinity(spi, SMP_MAX_CPUS) == -EINVAL);
    KT_ASSERT(irq_configure(spi, IRQ_TRIGGER_EDGE) == 0);
    int cpus = kt_irq_route_each_cpu(spi, pend_spi, NULL);
    irq_configure(spi, IRQ_TRIGGER_LEVEL);
    KT_ASSERT(cpus == (int)smp_cpus_online());
    KT_ASSERT(irq_affinity(spi) == 0);
}

/* An MSI (a GICv2m SPI, or an ITS LPI moved between collections by MOVI)
 * goes to each CPU in turn; freed and allocated again, it starts on CPU 0. */
KTEST(msi_routed_to_each_cpu)
{
    struct msi_chip *chip;
    MSI_CHIP_OR_RETURN(chip);
    unsigned irq;
    static struct msi_msg msg;
    KT_ASSERT(irq_alloc_msi(chip, CPU_DEVID, 1, &irq, &msg) == 0);
    int cpus = kt_irq_route_each_cpu(irq, write_msi, &msg);
    int moved = smp_cpus_online() > 1 ? irq_set_affinity(irq, 1) : 0;
    int freed = irq_free_msi(chip, CPU_DEVID, &irq, 1);
    int after = irq_affinity(irq);
    KT_ASSERT(cpus == (int)smp_cpus_online());
    KT_ASSERT(moved == 0 && freed == 0 && after == 0);
}
