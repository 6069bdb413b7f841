/**
 * @file acpi_poweroff.c
 * @brief Clean power-off through ACPI S5 (ACPI spec 6.x, sections 5.2 and 7.4.2).
 *
 * acpi_s5() (acpi_tables.c) finds PM1a_CNT and SLP_TYPa in the FADT and
 * the DSDT's \_S5 package; writing SLP_TYPa << 10 | SLP_EN to PM1a_CNT
 * enters S5.
 */
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/irq.h>
#include <hal/platform.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/iomem.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <stdint.h>

#include "acpi.h"
#include "acpi_tables.h"

/* How long the S5 or reset write gets to end the machine before it is
 * called failed. */
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
    unsigned pm1a, typ;
    int err = acpi_s5(&pm1a, &typ);
    if (err)
        return err;
    hal_pio_write16((uint16_t)pm1a, (uint16_t)((typ & 7) << 10 | 1u << 13));
    s5_wait();
    pr_err("acpi: S5 written to PM1a_CNT %#x, the machine still runs %u ms later",
           (unsigned)pm1a, S5_WAIT_MS);
    return -ETIMEDOUT;
}

int acpi_reboot(void)
{
    struct acpi_gas reg;
    uint8_t value;
    int err = acpi_reset_reg(&reg, &value);
    if (err)
        return err;
    if (reg.space == ACPI_SPACE_IO && reg.address <= 0xffff) {
        hal_pio_write8((uint16_t)reg.address, value);
    } else if (reg.space == ACPI_SPACE_MEMORY) {
        struct iomem r;
        if (iomem_map(&r, reg.address, 1) != 0)
            return -ENOMEM;
        iomem_write8(&r, 0, value);
    } else { /* PCI configuration space, or an I/O port past 0xffff */
        pr_err("acpi: reset register in space %u at %#lx: not one this kernel writes", reg.space,
               (unsigned long)reg.address);
        return -EOPNOTSUPP;
    }
    s5_wait();
    pr_err("acpi: reset value %#x written to %#lx, the machine still runs %u ms later", value,
           (unsigned long)reg.address, S5_WAIT_MS);
    return -ETIMEDOUT;
}
