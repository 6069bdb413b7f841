/**
 * @file acpi.h
 * @brief What the ACPI tables tell other code, beyond the MADT (madt.h):
 *        where the HPET is.
 *
 * Tables are found from the RSDP the boot loader handed over
 * (acpi_tables.h, private to drivers/acpi) and checksum-verified before use.
 */
#ifndef DRIVERS_ACPI_ACPI_H
#define DRIVERS_ACPI_ACPI_H

#include <stdint.h>

/**
 * @brief The HPET's register block from the "HPET" table.
 * @param base set to the block's physical address on success
 * @retval 0 found
 * @retval -ENOENT no valid table
 * @retval -EINVAL the block is not in memory space
 * @note Boot or thread context; reads tables through the direct map.
 */
int acpi_hpet_base(uint64_t *base);

/**
 * @brief Enter ACPI S5 (soft off): SLP_TYPa from the DSDT's \_S5 package
 *        written with SLP_EN to the FADT's PM1a control block (what
 *        hal_poweroff() does on x86_64). Each failure is also logged.
 * @retval -ENODEV no valid FADT, or no usable DSDT or PM1a_CNT in it
 * @retval -ENOENT no \_S5 package in the DSDT
 * @retval -EINVAL a malformed \_S5 package
 * @retval -ETIMEDOUT the machine still ran 2 s (by hal_time_ns()) after
 *         the write
 * @note Any context; reads tables through the direct map. The wait after
 *       the write sleeps in a thread with interrupts on, and spins
 *       elsewhere. Does not return on success.
 */
int acpi_poweroff(void);

/**
 * @brief Reset the machine through the FADT's reset register (ACPI 2.0+),
 *        as Linux tries first on x86.
 * @retval -ENODEV no valid FADT
 * @retval -ENOENT the FADT offers no reset register
 * @retval -EINVAL a malformed one (logged)
 * @retval -EOPNOTSUPP one in PCI configuration space (not written here)
 * @retval -ENOMEM a memory-space register that could not be mapped
 * @retval -ETIMEDOUT the machine still ran 2 s after the write (logged)
 * @note Thread context (a memory-space register is mapped). Does not
 *       return on success.
 */
int acpi_reboot(void);

/**
 * @brief Whether the firmware says the machine has an 8042 keyboard
 *        controller (the FADT's IAPC_BOOT_ARCH, ACPI 2.0+); 1 where it says
 *        nothing (no FADT, or one older than the field).
 * @note Any context; reads tables through the direct map.
 */
int acpi_has_8042(void);

#endif
