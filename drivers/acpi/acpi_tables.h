/**
 * @file acpi_tables.h
 * @brief Finding ACPI tables from the RSDP (ACPI spec 6.x, section 5.2),
 *        shared by the S5 power-off, the MADT and the HPET lookups.
 */
#ifndef DRIVERS_ACPI_TABLES_H
#define DRIVERS_ACPI_TABLES_H

#include <kernel/log.h>
#include <kernel/unaligned.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_HEADER_LEN 36 /**< every System Description Table starts with this header */

/** @brief Whether @p len bytes at @p p sum to 0 mod 256 (every ACPI table must). */
static inline int acpi_checksum_ok(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    /* A plain byte loop: unrolled and vectorized it was many more blocks
     * for TCG to translate at boot, for tables of a few hundred bytes. */
#pragma clang loop unroll(disable) vectorize(disable)
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

/**
 * @brief Whether the table @p t, of which @p avail bytes are readable, has
 *        signature @p sig, a length in [@p min_len, @p avail] and a
 *        checksum that holds; what is wrong is logged with the signature.
 *        For the parsers of one table, which may be handed any bytes.
 * @return the table's length, or 0 if it is not valid
 */
static inline uint32_t acpi_table_valid(const uint8_t *t, size_t avail, const char sig[4],
                                        uint32_t min_len)
{
    if (avail < ACPI_HEADER_LEN || __builtin_memcmp(t, sig, 4) != 0) {
        pr_err("acpi: %.4s: not one, or shorter than a table header", sig);
        return 0;
    }
    uint32_t len = get_le32(t + 4);
    if (len < min_len || len > avail) {
        pr_err("acpi: %.4s: length %u is outside [%u, %zu]", sig, len, min_len, avail);
        return 0;
    }
    if (!acpi_checksum_ok(t, len)) {
        pr_err("acpi: %.4s: checksum mismatch", sig);
        return 0;
    }
    return len;
}

/**
 * @brief The table at physical @p phys, through the direct map, if its
 *        header length is sane, it is mapped in full and its checksum holds.
 * @return the table, or NULL
 */
const uint8_t *acpi_table_at(uint64_t phys);

/**
 * @brief The first valid table with signature @p sig ("FACP", "APIC",
 *        "HPET") listed by the XSDT (ACPI 2.0+ RSDP) or the RSDT.
 * @return the table (its length is get_le32(t + 4)), or NULL
 */
const uint8_t *acpi_find_table(const char sig[4]);

/**
 * @brief What entering S5 takes: the FADT's PM1a control port and the
 *        DSDT's \_S5 SLP_TYPa (ACPI 6.x, 7.4.2). Each failure is logged.
 * @retval 0 both found
 * @retval -ENODEV no valid FADT, one too short to hold PM1a_CNT_BLK, or no
 *         usable DSDT (by X_DSDT where set, else DSDT) or port in it
 * @retval -ENOENT no \_S5 package in the DSDT
 * @retval -EINVAL a \_S5 package cut short by the table's end
 */
int acpi_s5(unsigned *pm1a_cnt, unsigned *slp_typ);

/** A Generic Address Structure (ACPI 6.x, 5.2.3.2). */
struct acpi_gas {
    uint8_t space;       /**< ACPI_SPACE_* */
    uint8_t bit_width;   /**< the register's width in bits */
    uint8_t bit_offset;  /**< where in it the field starts */
    uint8_t access_size; /**< 0 undefined, 1-4: byte to quadword accesses */
    uint64_t address;    /**< in the space */
};
#define ACPI_SPACE_MEMORY 0     /**< system memory */
#define ACPI_SPACE_IO 1         /**< system I/O ports */
#define ACPI_SPACE_PCI_CONFIG 2 /**< PCI configuration space (bus 0) */

/**
 * @brief The FADT's reset register and the value that resets the machine
 *        when written to it (ACPI 2.0+, RESET_REG_SUP in the FADT's flags).
 * @retval 0 found and well-formed
 * @retval -ENODEV no valid FADT
 * @retval -ENOENT the FADT offers none (too short, or the flag clear)
 * @retval -EINVAL not an 8-bit register at bit 0 of memory, I/O or PCI
 *         configuration space, or at address 0 (logged)
 */
int acpi_reset_reg(struct acpi_gas *reg, uint8_t *value);

#endif
