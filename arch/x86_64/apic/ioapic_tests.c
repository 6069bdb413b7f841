/**
 * @file ioapic_tests.c
 * @brief In-kernel tests of the IOAPIC driver: a real device interrupt (the
 *        PIT) through the MADT's override, routed to each CPU, and trigger modes.
 *
 * Counts are compared with what each test read first: the console's
 * interrupt (COM1, GSI 4) fires whenever a user types, and the tests may
 * run twice in one boot.
 */
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/ktest.h>
#include <kernel/smp.h>
#include <kernel/kprintf.h>
#include <kernel/string.h>

#include <acpi/madt.h>

#define MS 1000000ull

static uint64_t count_of(unsigned irq, const char **chip)
{
    struct irq_stat st;
    irq_stat_of(irq, &st);
    if (chip)
        *chip = st.chip;
    return st.count;
}

static void count_handler(unsigned irq, void *arg)
{
    (void)irq;
    (*(volatile unsigned *)arg)++;
}

/*
 * Quiet the PIT's channel 0 while its pin is still masked: mode 0 and a
 * count of 2, which runs out at once. The count matters: QEMU's PIT
 * (hw/timer/i8254.c) leaves the firmware's periodic transition timer
 * armed across a control word alone, and when it fires it computes the
 * output in the new mode and can raise one more edge, up to a period
 * (55 ms) later; loading a count re-arms that timer from now, and once the
 * count has run out it is stopped. Then a short wait, so an edge already
 * on its way is not counted. (This was a flaky "2 PIT interrupts" twice.)
 */
static void pit_quiet(void)
{
    hal_pio_write8(0x43, 0x30); /* channel 0, lo/hi byte, mode 0 */
    hal_pio_write8(0x40, 2);
    hal_pio_write8(0x40, 0);
    uint64_t settle = hal_time_ns() + 20 * MS;
    while (hal_time_ns() < settle)
        hal_cpu_relax();
}

/* Whether a PIT answers: its read-back status of channel 0, just set to
 * lo/hi byte access in mode 0 by pit_quiet(). An absent one (q35 with
 * pit=off) reads as all ones. */
static int pit_present(void)
{
    hal_pio_write8(0x43, 0xe2); /* read back the status of channel 0 */
    return (hal_pio_read8(0x40) & 0x3f) == 0x30;
}

/* PIT channel 0 in one-shot mode raises ISA IRQ 0 once, which the MADT
 * override sends to GSI 2 on QEMU. The PIT is otherwise unused (the TSC
 * calibration uses channel 2). */
KTEST(ioapic_delivers_pit_irq0)
{
    const struct madt_info *m = acpi_madt();
    if (!m || !m->nioapics)
        return; /* no IOAPIC: no device interrupts */
    unsigned gsi;
    enum irq_trigger trig;
    KT_ASSERT(acpi_isa_irq(0, &gsi, &trig) == 0);
    static volatile unsigned hits;
    pit_quiet();
    if (!pit_present()) {
        kprintf("ioapic_delivers_pit_irq0: skipped, no PIT answers\n");
        return;
    }
    KT_ASSERT(irq_register(gsi, count_handler, (void *)&hits, "ktest pit") == 0);
    hits = 0;
    uint64_t before = count_of(gsi, NULL);
    hal_pio_write8(0x40, 1193 & 0xff);
    hal_pio_write8(0x40, 1193 >> 8);
    /* 1 ms of PIT, but under TCG on a loaded host QEMU's timer thread can
     * be late by far more: wait up to a second. */
    uint64_t end = hal_time_ns() + 1000 * MS;
    while (!hits && hal_time_ns() < end)
        hal_cpu_relax();
    end = hal_time_ns() + 2 * MS;
    while (hal_time_ns() < end)
        hal_cpu_relax();
    const char *chip = "";
    uint64_t counted = count_of(gsi, &chip) - before;
    irq_unregister(gsi);
    if (hits != 1)
        kprintf("  PIT interrupts seen: %u (counted %lu)\n", hits, (unsigned long)counted);
    KT_ASSERT(hits == 1);
    KT_ASSERT(counted == 1 && strcmp(chip, "ioapic") == 0);
}

/* One PIT edge: mode 0 drives OUT low, the count's end raises it. */
static int pit_one_shot(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    hal_pio_write8(0x43, 0x30);
    hal_pio_write8(0x40, 1193 & 0xff);
    hal_pio_write8(0x40, 1193 >> 8);
    return 0;
}

/* The PIT's pin goes to each CPU in turn: the entry's destination field. */
KTEST(ioapic_pin_routed_to_each_cpu)
{
    const struct madt_info *m = acpi_madt();
    if (!m || !m->nioapics)
        return;
    unsigned gsi;
    enum irq_trigger trig;
    KT_ASSERT(acpi_isa_irq(0, &gsi, &trig) == 0);
    pit_quiet();
    if (!pit_present()) {
        kprintf("ioapic_pin_routed_to_each_cpu: skipped, no PIT answers\n");
        return;
    }
    int cpus = kt_irq_route_each_cpu(gsi, pit_one_shot, NULL);
    KT_ASSERT(cpus == (int)smp_cpus_online());
    KT_ASSERT(irq_affinity(gsi) == 0);
}

KTEST(ioapic_trigger_modes)
{
    const struct madt_info *m = acpi_madt();
    if (!m || !m->nioapics)
        return;
    /* COM1's GSI, as the MADT says (edge), leaving its handler in place. */
    unsigned gsi;
    enum irq_trigger trig;
    KT_ASSERT(acpi_isa_irq(4, &gsi, &trig) == 0);
    KT_ASSERT(irq_configure(gsi, IRQ_TRIGGER_DEFAULT) == 0);
    KT_ASSERT(irq_configure(gsi, (enum irq_trigger)9) == -EINVAL);
    KT_ASSERT(irq_raise_self(gsi) == -EINVAL); /* a pin cannot be raised by software */
}
