/**
 * @file acpi_poweroff.c
 * @brief Clean power-off through ACPI S5 (ACPI spec 6.x, sections 5.2 and 7.4.2).
 *
 * RSDP (copied by Multiboot2) -> RSDT/XSDT -> FADT ("FACP") gives PM1a_CNT
 * and the DSDT; the DSDT's \_S5 package gives SLP_TYPa. Writing
 * SLP_TYPa << 10 | SLP_EN to PM1a_CNT enters S5. Every table is
 * checksum-verified; any mismatch is an error, not a guess.
 */
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/irq.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>
#include <stdint.h>

#include "acpi.h"
#include "acpi_tables.h"

/* \_S5 is "NameOp '_S5_' PackageOp PkgLength NumElements <SLP_TYPa>": find it
 * and decode the first element. */
static int s5_sleep_type(const uint8_t *dsdt, unsigned *typ)
{
    uint32_t len = get_le32(dsdt + 4);
    for (uint32_t i = 36; i + 8 < len; i++) {
        if (memcmp(dsdt + i, "_S5_", 4) != 0 || dsdt[i + 4] != 0x12)
            continue;
        uint32_t p = i + 5;
        p += (unsigned)(dsdt[p] >> 6) + 1; /* PkgLength: lead byte + follow bytes */
        p += 1;                            /* NumElements */
        if (p + 1 >= len)
            return -EINVAL;
        /* ByteConst prefix 0x0A, else ZeroOp/OneOp or a bare byte value. */
        *typ = dsdt[p] == 0x0a ? dsdt[p + 1] : dsdt[p];
        return 0;
    }
    return -ENOENT;
}

/* How long the S5 write gets to end the machine before it is called failed. */
#define S5_WAIT_MS 2000u

/* The write ends the machine when the hypervisor gets to it, not at once:
 * QEMU's write handler only asks its main loop to shut down, and this CPU
 * runs on until that loop is scheduled, later on a busy host. So the wait
 * is by the clock (running long before anything can power off), not a
 * count of loops. A thread with interrupts on sleeps (the CPU halts,
 * leaving the host to QEMU); elsewhere (an exception, interrupts masked)
 * it spins. */
static void s5_wait(void)
{
    uint64_t start = hal_time_ns();
    while (hal_time_ns() - start < S5_WAIT_MS * 1000000ull) {
        if (thread_current() && hal_irq_enabled() && !irq_in_handler())
            thread_sleep_ms(10);
        else
            hal_cpu_relax();
    }
}

int acpi_poweroff(void)
{
    const uint8_t *fadt = acpi_find_table("FACP");
    if (!fadt) {
        pr_err("acpi: no valid FADT (RSDP %s)", platform_boot_info()->rsdp_len ? "present" : "missing");
        return -ENODEV;
    }
    const uint8_t *dsdt = acpi_table_at(get_le32(fadt + 40));
    uint32_t pm1a = get_le32(fadt + 64);
    unsigned typ;
    if (!dsdt || pm1a == 0 || pm1a > 0xffff) {
        pr_err("acpi: FADT has no usable DSDT or PM1a_CNT");
        return -ENODEV;
    }
    int err = s5_sleep_type(dsdt, &typ);
    if (err) {
        pr_err("acpi: no \\_S5 package in the DSDT");
        return err;
    }
    hal_pio_write16((uint16_t)pm1a, (uint16_t)((typ & 7) << 10 | 1u << 13));
    s5_wait();
    pr_err("acpi: S5 written to PM1a_CNT %#x, the machine still runs %u ms later",
           (unsigned)pm1a, S5_WAIT_MS);
    return -ETIMEDOUT;
}
