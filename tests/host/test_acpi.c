/**
 * @file test_acpi.c
 * @brief Host tests of the ACPI table walker (drivers/acpi/acpi_tables.c):
 *        QEMU's layout found through the XSDT, the RSDT when the XSDT is
 *        bad, and damaged tables (checksums, lengths, pointers outside
 *        memory, a FADT too short for its fields, a \_S5 package cut off)
 *        refused with a message, never read past (the memory ends at an
 *        inaccessible page: acpi_builder.h).
 */
#define _GNU_SOURCE /* acpi_builder.h's MAP_FIXED_NOREPLACE */
#include "../../drivers/acpi/acpi.h"
#include "../../drivers/acpi/acpi_tables.h"
#include "../../drivers/acpi/madt.h"
#include <kernel/errno.h>
#include <stdint.h>
#include <string.h>

#include "acpi_builder.h"
#include "check.h"
#include "log_capture.h"

static const uint8_t *at(unsigned off) { return acpi_mem + off; }

static void test_standard(void)
{
    acpi_standard();
    log_reset();
    CHECK(acpi_find_table("FACP") == at(AT_FADT));
    CHECK(acpi_find_table("APIC") == at(AT_MADT));
    CHECK(acpi_find_table("HPET") == at(AT_HPET));
    CHECK(acpi_find_table("MCFG") == NULL);
    unsigned port = 0, typ = 0;
    CHECK_EQ_INT(acpi_s5(&port, &typ), 0);
    CHECK_EQ_INT(port, STD_PM1A_CNT);
    CHECK_EQ_INT(typ, 5);
    uint64_t hpet = 0;
    CHECK_EQ_INT(acpi_hpet_base(&hpet), 0);
    CHECK_EQ_INT(hpet, 0xfed00000u);
    struct madt_info m;
    const uint8_t *t = acpi_find_table("APIC");
    CHECK_EQ_INT(madt_parse(t, 44 + 8 + 12 + 10, &m), 0);
    CHECK_EQ_INT(m.ncpus, 1);
    CHECK_EQ_INT(m.nioapics, 1);
    CHECK_EQ_INT(log_messages(), 0);
}

/* The XSDT or the RSDP's extended part damaged: the RSDT still leads. */
static void test_rsdt_fallback(void)
{
    acpi_standard();
    acpi_mem[AT_XSDT + 9] ^= 1; /* the XSDT's checksum */
    CHECK(acpi_find_table("FACP") == at(AT_FADT));
    acpi_standard();
    acpi_bi.rsdp[32] ^= 1; /* the extended checksum: revision 2's fields unusable */
    CHECK(acpi_find_table("HPET") == at(AT_HPET));
    acpi_standard();
    put_le32(acpi_bi.rsdp + 20, 200); /* a length past the copy */
    acpi_rsdp_fix();
    CHECK(acpi_find_table("APIC") == at(AT_MADT));
    acpi_standard();
    put_le64(acpi_bi.rsdp + 24, 0xdead0000ull); /* an XSDT outside memory */
    acpi_rsdp_fix();
    CHECK(acpi_find_table("FACP") == at(AT_FADT));
}

static void test_bad_rsdp(void)
{
    acpi_standard();
    acpi_bi.rsdp[8] ^= 1;
    log_reset();
    unsigned port, typ;
    CHECK(acpi_find_table("FACP") == NULL);
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    CHECK(log_has("no valid FADT (RSDP present)"));
    acpi_standard();
    acpi_bi.rsdp_len = 0;
    log_reset();
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    CHECK(log_has("no valid FADT (RSDP missing)"));
    acpi_standard();
    memcpy(acpi_bi.rsdp, "RSD PTX ", 8);
    acpi_rsdp_fix();
    CHECK(acpi_find_table("FACP") == NULL);
}

/* Tables and entries the walker must step over. */
static void test_bad_tables(void)
{
    acpi_standard();
    acpi_mem[AT_FADT + 20] ^= 0x40; /* the FADT's checksum no longer holds */
    CHECK(acpi_find_table("FACP") == NULL);
    CHECK(acpi_find_table("APIC") == at(AT_MADT));

    acpi_standard(); /* a length past the end of memory */
    put_le32(acpi_mem + AT_HPET + 4, ACPI_MEM_LEN);
    CHECK(acpi_find_table("HPET") == NULL);
    acpi_standard(); /* a length shorter than a header */
    put_le32(acpi_mem + AT_HPET + 4, 20);
    acpi_fix(AT_HPET);
    CHECK(acpi_find_table("HPET") == NULL);

    acpi_standard(); /* an XSDT entry outside memory, one at 0: the next still found */
    put_le64(acpi_mem + AT_XSDT + 36, 0xdead0000ull);
    put_le64(acpi_mem + AT_XSDT + 44, 0);
    acpi_fix(AT_XSDT);
    CHECK(acpi_find_table("FACP") == NULL);
    CHECK(acpi_find_table("APIC") == NULL);
    CHECK(acpi_find_table("HPET") == at(AT_HPET));

    acpi_standard(); /* an XSDT whose length cuts its last entry: not read */
    put_le32(acpi_mem + AT_XSDT + 4, 36 + 8 * 2 + 4);
    acpi_fix(AT_XSDT);
    CHECK(acpi_find_table("HPET") == NULL);
    CHECK(acpi_find_table("APIC") == at(AT_MADT));

    acpi_standard(); /* a table that ends with the memory (the next page faults) */
    uint8_t *h = acpi_sdt(ACPI_MEM_LEN - 56, "HPET", 56);
    put_le64(h + 44, 0xfed01000u);
    acpi_fix(ACPI_MEM_LEN - 56);
    put_le64(acpi_mem + AT_XSDT + 52, acpi_pa(ACPI_MEM_LEN - 56));
    acpi_fix(AT_XSDT);
    uint64_t base;
    CHECK_EQ_INT(acpi_hpet_base(&base), 0);
    CHECK_EQ_INT(base, 0xfed01000u);
    h[4] = 50; /* too short for the address */
    acpi_fix(ACPI_MEM_LEN - 56);
    CHECK_EQ_INT(acpi_hpet_base(&base), -ENOENT);
    h[4] = 56;
    h[40] = 1; /* in I/O space */
    acpi_fix(ACPI_MEM_LEN - 56);
    CHECK_EQ_INT(acpi_hpet_base(&base), -EINVAL);
}

/* The FADT at the end of memory with @p len bytes: the page after it faults. */
static void short_fadt(uint32_t len)
{
    acpi_standard();
    unsigned off = ACPI_MEM_LEN - len;
    uint8_t *f = acpi_sdt(off, "FACP", len);
    if (len >= 44)
        put_le32(f + 40, (uint32_t)acpi_pa(AT_DSDT));
    acpi_fix(off);
    put_le64(acpi_mem + AT_XSDT + 36, acpi_pa(off));
    acpi_fix(AT_XSDT);
}

static void test_s5(void)
{
    unsigned port, typ;
    short_fadt(44); /* DSDT there, PM1a_CNT_BLK not */
    log_reset();
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    CHECK(log_has("FADT of 44 bytes ends before PM1a_CNT_BLK"));
    short_fadt(36);
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    short_fadt(68); /* ends with PM1a_CNT_BLK, which is 0 */
    log_reset();
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    CHECK(log_has("FADT has no usable DSDT or PM1a_CNT"));

    acpi_standard(); /* X_DSDT, where set, over DSDT */
    acpi_dsdt(AT_DSDT2, 7);
    put_le64(acpi_mem + AT_FADT + 140, acpi_pa(AT_DSDT2));
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_s5(&port, &typ), 0);
    CHECK_EQ_INT(typ, 7);

    acpi_standard(); /* the DSDT pointer at another table */
    put_le32(acpi_mem + AT_FADT + 40, (uint32_t)acpi_pa(AT_HPET));
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);
    acpi_standard(); /* PM1a_CNT past the I/O space */
    put_le32(acpi_mem + AT_FADT + 64, 0x10000);
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENODEV);

    acpi_standard(); /* no \_S5 */
    acpi_mem[AT_DSDT + 52 + 3] = '4';
    acpi_fix(AT_DSDT);
    log_reset();
    CHECK_EQ_INT(acpi_s5(&port, &typ), -ENOENT);
    CHECK(log_has("no \\_S5 package"));

    /* \_S5 cut off by the DSDT's end, at the end of memory: -EINVAL, and
     * nothing read past the table */
    for (unsigned keep = 6; keep <= 9; keep++) {
        acpi_standard();
        uint32_t len = 36 + keep;
        unsigned off = ACPI_MEM_LEN - len;
        uint8_t *d = acpi_sdt(off, "DSDT", len);
        memcpy(d + 36, s5_aml, keep);
        if (keep > 6)
            d[36 + 6] = 0x4a; /* a PkgLength with one byte following */
        acpi_fix(off);
        put_le32(acpi_mem + AT_FADT + 40, (uint32_t)acpi_pa(off));
        acpi_fix(AT_FADT);
        log_reset();
        int err = acpi_s5(&port, &typ);
        CHECK(err == -EINVAL || err == -ENOENT);
        CHECK(log_has("_S5 package"));
    }
}

/* The FADT's reset register (flag RESET_REG_SUP, the GAS at 116, the
 * value at 128) and IAPC_BOOT_ARCH's 8042 bit. */
static void test_reset_and_8042(void)
{
    struct acpi_gas reg;
    uint8_t value;
    acpi_standard(); /* flags 0: none offered */
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), -ENOENT);
    uint8_t *f = acpi_mem + AT_FADT;
    put_le32(f + 112, 1u << 10);
    f[116] = 1, f[117] = 8, put_le64(f + 120, 0xcf9), f[128] = 0xf;
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), 0);
    CHECK(reg.space == ACPI_SPACE_IO && reg.address == 0xcf9 && value == 0xf);
    f[117] = 16; /* not 8 bits wide */
    acpi_fix(AT_FADT);
    log_reset();
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), -EINVAL);
    CHECK(log_has("reset register (space 1, 16 bits at bit 0, address 0xcf9) is malformed"));
    f[117] = 8, f[116] = 3; /* an address space no reset register may be in */
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), -EINVAL);
    f[116] = 1;
    put_le32(f + 4, 128); /* too short to hold RESET_VALUE */
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), -ENOENT);
    acpi_bi.rsdp_len = 0;
    CHECK_EQ_INT(acpi_reset_reg(&reg, &value), -ENODEV);

    acpi_standard(); /* revision 2, IAPC_BOOT_ARCH 0: no 8042 */
    CHECK_EQ_INT(acpi_has_8042(), 0);
    put_le16(acpi_mem + AT_FADT + 109, 1u << 1);
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_has_8042(), 1);
    acpi_standard(); /* ACPI 1.0's FADT: the field was reserved, so yes */
    acpi_mem[AT_FADT + 8] = 1;
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_has_8042(), 1);
    acpi_standard(); /* no FADT at all: yes */
    acpi_mem[AT_FADT] = 'X';
    acpi_fix(AT_FADT);
    CHECK_EQ_INT(acpi_has_8042(), 1);
}

int main(void)
{
    test_standard();
    test_rsdt_fallback();
    test_bad_rsdp();
    test_bad_tables();
    test_s5();
    test_reset_and_8042();
    return CHECK_DONE("test_acpi");
}
