/**
 * @file acpi_tables.c
 * @brief RSDP -> XSDT/RSDT -> table by signature (ACPI spec 6.x, 5.2.5-5.2.8).
 *
 * The RSDP is the copy Multiboot2 placed in boot_info; every table it leads
 * to is read through the direct map and checksum-verified before use: a
 * table that fails is treated as absent, never guessed at.
 */
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>

#include "acpi.h"
#include "acpi_tables.h"

/* Tables are read through the direct map; a table outside it is an error.
 * Not inlined: acpi_find_table() calls it twice, and under TCG each inlined
 * copy is translated at boot. */
__attribute__((noinline)) const uint8_t *acpi_table_at(uint64_t phys)
{
    if (phys == 0 || !hal_direct_mapped(phys, ACPI_HEADER_LEN))
        return 0;
    const uint8_t *t = hal_phys_to_virt(phys);
    uint32_t len = get_le32(t + 4);
    if (len < ACPI_HEADER_LEN || !hal_direct_mapped(phys, len))
        return 0;
    return acpi_checksum_ok(t, len) ? t : 0;
}

const uint8_t *acpi_find_table(const char sig[4])
{
    const struct boot_info *bi = platform_boot_info();
    /* ACPI 6.x, 5.2.5.3: the first 20 bytes sum to zero (ACPI 1.0); a
     * revision 2 RSDP's whole length (at 20) does too. */
    if (bi->rsdp_len < 20 || memcmp(bi->rsdp, "RSD PTR ", 8) != 0 ||
        !acpi_checksum_ok(bi->rsdp, 20))
        return 0;
    int xsdt = bi->rsdp[15] >= 2 && bi->rsdp_len >= 36 && get_le32(bi->rsdp + 20) >= 36 &&
               get_le32(bi->rsdp + 20) <= bi->rsdp_len &&
               acpi_checksum_ok(bi->rsdp, get_le32(bi->rsdp + 20));
    const uint8_t *root = xsdt ? acpi_table_at(get_le64(bi->rsdp + 24)) : 0;
    if (!root) { /* no usable XSDT: the RSDT every revision has */
        xsdt = 0;
        root = acpi_table_at(get_le32(bi->rsdp + 16));
    }
    if (!root)
        return 0;
    unsigned esz = xsdt ? 8 : 4;
    for (uint32_t off = ACPI_HEADER_LEN; off + esz <= get_le32(root + 4); off += esz) {
        const uint8_t *t = acpi_table_at(xsdt ? get_le64(root + off) : get_le32(root + off));
        if (t && memcmp(t, sig, 4) == 0)
            return t;
    }
    return 0;
}

/* IA-PC HPET spec 1.0a, table 3: the event timer block's Generic Address
 * Structure sits at offset 40 (address space id first, address at 44). */
int acpi_hpet_base(uint64_t *base)
{
    const uint8_t *t = acpi_find_table("HPET");
    if (!t || get_le32(t + 4) < 56)
        return -ENOENT;
    if (t[40] != 0) /* 0 = system memory */
        return -EINVAL;
    *base = get_le64(t + 44);
    return *base ? 0 : -EINVAL;
}

/* \_S5 is "NameOp '_S5_' PackageOp PkgLength NumElements <SLP_TYPa>": find it
 * and decode the first element. */
static int s5_sleep_type(const uint8_t *dsdt, unsigned *typ)
{
    uint32_t len = get_le32(dsdt + 4);
    for (uint32_t i = ACPI_HEADER_LEN; i + 8 < len; i++) {
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

/* The FADT's fields read here (ACPI 6.x, table 5.9): DSDT at 40, PM1a_CNT_BLK
 * at 64, X_DSDT at 140 (ACPI 2.0+, used when present and non-zero). */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_X_DSDT 140

int acpi_s5(unsigned *pm1a_cnt, unsigned *slp_typ)
{
    const uint8_t *fadt = acpi_find_table("FACP");
    if (!fadt) {
        pr_err("acpi: no valid FADT (RSDP %s)", platform_boot_info()->rsdp_len ? "present" : "missing");
        return -ENODEV;
    }
    uint32_t flen = get_le32(fadt + 4);
    if (flen < FADT_PM1A_CNT + 4) {
        pr_err("acpi: FADT of %u bytes ends before PM1a_CNT_BLK", (unsigned)flen);
        return -ENODEV;
    }
    uint64_t dsdt_pa = flen >= FADT_X_DSDT + 8 ? get_le64(fadt + FADT_X_DSDT) : 0;
    if (!dsdt_pa)
        dsdt_pa = get_le32(fadt + FADT_DSDT);
    const uint8_t *dsdt = acpi_table_at(dsdt_pa);
    uint32_t pm1a = get_le32(fadt + FADT_PM1A_CNT);
    if (!dsdt || memcmp(dsdt, "DSDT", 4) != 0 || pm1a == 0 || pm1a > 0xffff) {
        pr_err("acpi: FADT has no usable DSDT or PM1a_CNT");
        return -ENODEV;
    }
    int err = s5_sleep_type(dsdt, slp_typ);
    if (err == -ENOENT)
        pr_err("acpi: no \\_S5 package in the DSDT");
    else if (err)
        pr_err("acpi: the DSDT's \\_S5 package ends early");
    *pm1a_cnt = pm1a;
    return err;
}

/* More of the FADT (ACPI 6.x, table 5.9): IAPC_BOOT_ARCH at 109 (ACPI 2.0+),
 * Flags at 112, RESET_REG (a Generic Address Structure) at 116 and
 * RESET_VALUE at 128. */
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_RESET_REG_SUP (1u << 10)
#define IAPC_8042 (1u << 1)

int acpi_reset_reg(struct acpi_gas *reg, uint8_t *value)
{
    const uint8_t *fadt = acpi_find_table("FACP");
    if (!fadt)
        return -ENODEV;
    if (get_le32(fadt + 4) <= FADT_RESET_VALUE || !(get_le32(fadt + FADT_FLAGS) & FADT_RESET_REG_SUP))
        return -ENOENT;
    const uint8_t *g = fadt + FADT_RESET_REG;
    *reg = (struct acpi_gas){.space = g[0], .bit_width = g[1], .bit_offset = g[2], .access_size = g[3],
                             .address = get_le64(g + 4)};
    *value = fadt[FADT_RESET_VALUE];
    /* ACPI 6.x, the FADT's RESET_REG: an 8-bit register at bit 0, in system memory, I/O
     * or PCI configuration space. */
    if (reg->bit_width != 8 || reg->bit_offset != 0 || reg->space > ACPI_SPACE_PCI_CONFIG ||
        reg->address == 0) {
        pr_err("acpi: FADT's reset register (space %u, %u bits at bit %u, address %#lx) is malformed",
               reg->space, reg->bit_width, reg->bit_offset, (unsigned long)reg->address);
        return -EINVAL;
    }
    return 0;
}

int acpi_has_8042(void)
{
    const uint8_t *fadt = acpi_find_table("FACP");
    /* Before ACPI 2.0 (FADT revision 2) the field was reserved: say yes. */
    if (!fadt || fadt[8] < 2 || get_le32(fadt + 4) < FADT_IAPC_BOOT_ARCH + 2)
        return 1;
    return (get_le16(fadt + FADT_IAPC_BOOT_ARCH) & IAPC_8042) != 0;
}
