/**
 * @file madt_tests.c
 * @brief In-kernel tests of the MADT as the firmware (QEMU) describes it,
 *        and of the parser on a bad table (more cases on the host:
 *        tests/host/test_madt.c).
 */
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

#include "madt.h"

KTEST(madt_as_qemu_describes_it)
{
    const struct madt_info *m = acpi_madt();
    if (!m || !m->lapic_addr)
        return; /* -machine acpi=off, or an arm64 MADT (arch/aarch64/acpi_tests.c) */
    KT_ASSERT(m->lapic_addr == 0xfee00000);
    KT_ASSERT(m->nioapics == 1 && m->ioapics[0].addr == 0xfec00000 && m->ioapics[0].gsi_base == 0);
    KT_ASSERT(m->ncpus >= 1);
    unsigned gsi;
    enum irq_trigger trig;
    KT_ASSERT(acpi_isa_irq(0, &gsi, &trig) == 0 && gsi == 2 && trig == IRQ_TRIGGER_EDGE);
    KT_ASSERT(acpi_isa_irq(4, &gsi, &trig) == 0 && gsi == 4 && trig == IRQ_TRIGGER_EDGE);
    KT_ASSERT(acpi_isa_irq(9, &gsi, &trig) == 0 && gsi == 9 && trig == IRQ_TRIGGER_LEVEL);
    KT_ASSERT(acpi_isa_irq(16, &gsi, &trig) == -EINVAL);
    /* COM1 carries the GSI of ISA IRQ 4 for its driver. */
    int com1 = 0;
    for (unsigned i = 0; i < device_count(); i++) {
        const struct device *d = device_at(i);
        if (strcmp(d->name, "com1") == 0)
            com1 = d->has_irq && d->irq == 4 && d->irq_trigger == IRQ_TRIGGER_EDGE;
    }
    KT_ASSERT(com1);
}

/* Too short for a header; an entry without room for its own length:
 * rejected with nothing kept. */
KTEST(madt_parse_rejects_bad_length)
{
    static uint8_t copy[1024];
    memset(copy, 0, sizeof copy);
    struct madt_info out;
    KT_ASSERT(madt_parse(copy, 10, &out) == -EINVAL);
    memcpy(copy, "APIC", 4);
    copy[4] = 45; /* header + 1 byte: an entry without room for its length */
    copy[36] = 1; /* a non-zero local APIC address */
    uint8_t sum = 0;
    for (int i = 0; i < 45; i++)
        sum += copy[i];
    copy[9] = (uint8_t)(copy[9] - sum);
    KT_ASSERT(madt_parse(copy, sizeof copy, &out) == -EINVAL);
    KT_ASSERT(out.lapic_addr == 0 && out.nioapics == 0);
}
