/**
 * @file drivers/acpi/devices.h
 * @brief What ACPI's static tables say about devices beyond the interrupt
 *        controllers (madt.h): the console (SPCR), the architected timer
 *        (GTDT), PCI configuration space (MCFG), and how an arm64
 *        machine's PSCI is called (the FADT's ARM boot flags).
 *
 * A machine that boots from ACPI with no device tree (an arm64 server, or
 * QEMU's virt under AAVMF) lists these devices nowhere else short of the
 * DSDT's AML, which this kernel does not run. Each parser takes the table
 * and how many bytes of it are readable, checks the header's length and
 * checksum and every field it reads, and says what it rejects: the host
 * test and the fuzzer run them on damaged tables. The acpi_*() wrappers
 * find the table from the RSDP (acpi_tables.h). Any context; no
 * allocation.
 */
#ifndef DRIVERS_ACPI_DEVICES_H
#define DRIVERS_ACPI_DEVICES_H

#include <stddef.h>
#include <stdint.h>

/** @brief One interrupt as ACPI's GSIV and its mode. */
struct acpi_irq {
    unsigned gsiv;   /**< the GSIV (on a GIC: the INTID) */
    int edge;        /**< 1 edge-triggered, 0 level */
    int active_low;  /**< 1 active low */
};

/** @brief The console the SPCR names (Microsoft's SPCR specification, rev. 2-4). */
struct acpi_spcr {
    unsigned type;        /**< interface type: ACPI_SPCR_* */
    int mmio;             /**< 1 memory space, 0 I/O ports */
    uint64_t base;        /**< its registers (physical address or port) */
    unsigned access;      /**< bytes per register access, from the address's access size (1 or 4) */
    int has_irq;          /**< 1 if irq is valid (a GIC or APIC interrupt given) */
    struct acpi_irq irq;  /**< its interrupt (level, active high: the SPCR gives no mode) */
    uint32_t baud;        /**< the configured rate, 0 if "as it is" */
};
#define ACPI_SPCR_16550 0x00       /**< full 16550 */
#define ACPI_SPCR_16450 0x01       /**< 16550 subset (16450) */
#define ACPI_SPCR_PL011 0x03       /**< ARM PL011 */
#define ACPI_SPCR_SBSA32 0x0d      /**< ARM SBSA generic UART, 32-bit access only */
#define ACPI_SPCR_SBSA 0x0e        /**< ARM SBSA generic UART */
#define ACPI_SPCR_16550_GAS 0x12   /**< 16550-compatible, access as the address says */

/**
 * @brief Parse the SPCR @p t (@p avail bytes readable).
 * @retval 0 @p out filled in
 * @retval -EINVAL malformed: short, bad checksum, a base address of 0 or
 *         in neither memory nor I/O space (logged)
 */
int acpi_spcr_parse(const uint8_t *t, size_t avail, struct acpi_spcr *out);

/** @brief What the GTDT says about the CPUs' own timers (ACPI 6.x, 5.2.24). */
struct acpi_gtdt {
    struct acpi_irq phys;  /**< the EL1 physical timer */
    struct acpi_irq virt;  /**< the EL1 virtual timer, which the kernel uses */
};

/**
 * @brief Parse the GTDT @p t (@p avail bytes readable).
 * @retval 0 @p out filled in
 * @retval -EINVAL malformed, or no virtual timer interrupt (logged)
 */
int acpi_gtdt_parse(const uint8_t *t, size_t avail, struct acpi_gtdt *out);

/** @brief One MCFG entry: an ECAM region (PCI Firmware spec 3.2, 4.1.2). */
struct acpi_mcfg {
    uint64_t base;      /**< ECAM of bus 0 of the segment (bus_start's is base + bus_start << 20) */
    uint16_t segment;   /**< PCI segment group */
    uint8_t bus_start;  /**< first bus it decodes */
    uint8_t bus_end;    /**< last bus */
};

/**
 * @brief Entries of the MCFG @p t (@p avail bytes readable), up to @p max
 *        into @p out; a malformed entry (base 0, buses backwards) is
 *        skipped with a warning.
 * @return the number of usable entries (may exceed @p max), or -EINVAL for
 *         a malformed table (logged)
 */
int acpi_mcfg_parse(const uint8_t *t, size_t avail, struct acpi_mcfg *out, unsigned max);

#define ACPI_ARM_PSCI 1u      /**< ARM_BOOT_ARCH: PSCI is implemented */
#define ACPI_ARM_PSCI_HVC 2u  /**< ARM_BOOT_ARCH: call it with HVC, not SMC */

/**
 * @brief The FADT's ARM_BOOT_ARCH flags (ACPI 5.1+, offset 129) from the
 *        FADT @p t (@p avail bytes readable).
 * @return the flags (ACPI_ARM_*), or -EINVAL (malformed, or a FADT too
 *         short to have them: logged)
 */
int acpi_fadt_arm_flags(const uint8_t *t, size_t avail);

/** @brief acpi_spcr_parse() on the firmware's "SPCR"; -ENOENT with none. */
int acpi_spcr(struct acpi_spcr *out);
/** @brief acpi_gtdt_parse() on the firmware's "GTDT"; -ENOENT with none. */
int acpi_gtdt(struct acpi_gtdt *out);
/** @brief acpi_mcfg_parse() on the firmware's "MCFG"; -ENOENT with none. */
int acpi_mcfg(struct acpi_mcfg *out, unsigned max);
/** @brief acpi_fadt_arm_flags() on the firmware's FADT; -ENOENT with none. */
int acpi_arm_boot_flags(void);

#endif
