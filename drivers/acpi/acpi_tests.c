/**
 * @file acpi_tests.c
 * @brief In-kernel tests of the FADT as the firmware (QEMU) describes it:
 *        what power-off and reboot use, and whether the machine's legacy
 *        parts are there when it says so (more cases on the host:
 *        tests/host/test_acpi.c).
 */
#include <hal/io.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/kprintf.h>

#include "acpi.h"
#include "acpi_tables.h"

#define FADT_HW_REDUCED (1u << 4) /* Flags (at 112) bit 20: byte 114, bit 4 */

KTEST(acpi_fadt_as_qemu_describes_it)
{
    const uint8_t *fadt = acpi_find_table("FACP");
    if (!fadt || (get_le32(fadt + 4) > 115 && (fadt[114] & FADT_HW_REDUCED)))
        return; /* -machine acpi=off, or hardware-reduced ACPI (arm64): no PM1a, no \_S5 */
    unsigned pm1a, typ;
    KT_ASSERT(acpi_s5(&pm1a, &typ) == 0 && pm1a != 0);
    /* QEMU's q35 offers the reset register: I/O port 0xcf9, the chipset's
     * reset control, written 0xf (a full reset). pc's FADT is ACPI 1.0's,
     * without one: there the 8042 resets. */
    struct acpi_gas reg;
    uint8_t value;
    int err = acpi_reset_reg(&reg, &value);
    if (err == 0)
        kprintf("  reset register: space %u at %#lx, value %#x\n", reg.space, (unsigned long)reg.address,
                value);
    KT_ASSERT(err == 0 || err == -ENOENT);
    KT_ASSERT(err || (reg.space == ACPI_SPACE_IO && reg.address == 0xcf9 && value == 0xf));
}

/* The FADT's word on the 8042 against the port: an absent controller
 * (q35 with i8042=off) reads as all ones. */
KTEST(acpi_8042_there_when_the_firmware_says)
{
    if (!acpi_find_table("FACP"))
        return;
    int said = acpi_has_8042(), there = hal_pio_read8(0x64) != 0xff;
    if (said != there)
        kprintf("  the FADT says %s 8042, port 0x64 %s\n", said ? "an" : "no",
                there ? "answers" : "reads 0xff");
    KT_ASSERT(said == there);
}
