/**
 * @file test_acpi_devices.c
 * @brief Host tests of drivers/acpi/devices.c: the SPCR, GTDT, MCFG and the
 *        FADT's ARM boot flags as QEMU's virt machine lays them out, and
 *        damaged ones (short, bad checksums, impossible fields) refused
 *        with a message. The test stubs acpi_find_table().
 */
#include "../../drivers/acpi/acpi_tables.h"
#include "../../drivers/acpi/devices.h"
#include <kernel/errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "log_capture.h"

static uint8_t tbl[512];
static const uint8_t *find_result;
static char find_sig[5];

const uint8_t *acpi_find_table(const char sig[4])
{
    memcpy(find_sig, sig, 4);
    return find_result;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void header(const char sig[4], uint32_t len, uint8_t rev)
{
    memset(tbl, 0, sizeof tbl);
    memcpy(tbl, sig, 4);
    put32(tbl + 4, len);
    tbl[8] = rev;
}

/* The checksum over the length the header says. */
static uint32_t sum(void)
{
    uint32_t len;
    memcpy(&len, tbl + 4, 4);
    tbl[9] = 0;
    uint8_t s = 0;
    for (uint32_t i = 0; i < len && i < sizeof tbl; i++)
        s += tbl[i];
    tbl[9] = (uint8_t)-s;
    return len;
}

/* QEMU virt's SPCR: a PL011 at 0x09000000 in memory space, 32-bit
 * accesses, GIC interrupt 33 (SPI 1), 115200 baud. */
static void qemu_spcr(void)
{
    header("SPCR", 80, 2);
    tbl[36] = ACPI_SPCR_PL011;
    tbl[40] = 0; /* memory */
    tbl[41] = 32;
    tbl[43] = 3; /* dword accesses */
    put64(tbl + 44, 0x09000000);
    tbl[52] = 8; /* ARMH GIC */
    put32(tbl + 54, 33);
    tbl[58] = 7;
    sum();
}

static void test_spcr(void)
{
    struct acpi_spcr s;
    qemu_spcr();
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), 0);
    CHECK_EQ_STR(log_buf, "");
    CHECK(s.type == ACPI_SPCR_PL011 && s.mmio && s.base == 0x09000000 && s.access == 4);
    CHECK(s.has_irq && s.irq.gsiv == 33 && !s.irq.edge && s.baud == 115200);
    find_result = tbl;
    CHECK_EQ_INT(acpi_spcr(&s), 0);
    CHECK_EQ_STR(find_sig, "SPCR");
    find_result = NULL;
    CHECK_EQ_INT(acpi_spcr(&s), -ENOENT);

    /* A PC's: a 16550 at port 0x3f8, byte accesses, the 8259's IRQ 4. */
    header("SPCR", 80, 2);
    tbl[40] = 1;
    tbl[41] = 8;
    tbl[43] = 1;
    put64(tbl + 44, 0x3f8);
    tbl[52] = 1;
    tbl[53] = 4;
    sum();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), 0);
    CHECK(s.type == ACPI_SPCR_16550 && !s.mmio && s.base == 0x3f8 && s.access == 1);
    CHECK(s.has_irq && s.irq.gsiv == 4 && s.irq.edge && s.baud == 0);

    /* Refused: registers at 0, in PCI configuration space, a bad checksum,
     * a table shorter than revision 2's, one longer than the bytes there. */
    qemu_spcr();
    put64(tbl + 44, 0);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), -EINVAL);
    CHECK(log_has("console registers in space 0 at 0"));
    qemu_spcr();
    tbl[40] = 2;
    sum();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), -EINVAL);
    qemu_spcr();
    tbl[44]++;
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), -EINVAL);
    CHECK(log_has("SPCR: checksum mismatch"));
    qemu_spcr();
    put32(tbl + 4, 79);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 79, &s), -EINVAL);
    CHECK(log_has("SPCR: length 79 is outside [80, 79]"));
    qemu_spcr();
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 60, &s), -EINVAL);
    CHECK(log_has("length 80 is outside [80, 60]"));
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 20, &s), -EINVAL);
    header("XXXX", 80, 2);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_spcr_parse(tbl, 80, &s), -EINVAL);
    CHECK(log_has("SPCR: not one"));
}

/* QEMU virt's GTDT: secure 29, non-secure 30, virtual 27, hypervisor 26;
 * all level, active high. */
static void qemu_gtdt(void)
{
    header("GTDT", 104, 2);
    put32(tbl + 48, 29);
    put32(tbl + 56, 30);
    put32(tbl + 64, 27);
    put32(tbl + 72, 26);
    sum();
}

static void test_gtdt(void)
{
    struct acpi_gtdt g;
    qemu_gtdt();
    log_reset();
    CHECK_EQ_INT(acpi_gtdt_parse(tbl, 104, &g), 0);
    CHECK_EQ_STR(log_buf, "");
    CHECK(g.virt.gsiv == 27 && !g.virt.edge && !g.virt.active_low && g.phys.gsiv == 30);
    put32(tbl + 68, 3); /* edge, active low */
    sum();
    CHECK_EQ_INT(acpi_gtdt_parse(tbl, 104, &g), 0);
    CHECK(g.virt.edge && g.virt.active_low);
    /* A virtual timer that is no PPI; a table cut short. */
    qemu_gtdt();
    put32(tbl + 64, 40);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_gtdt_parse(tbl, 104, &g), -EINVAL);
    CHECK(log_has("virtual timer interrupt 40 is not a PPI"));
    qemu_gtdt();
    put32(tbl + 4, 60);
    sum();
    CHECK_EQ_INT(acpi_gtdt_parse(tbl, 104, &g), -EINVAL);
    find_result = NULL;
    CHECK_EQ_INT(acpi_gtdt(&g), -ENOENT);
}

static void mcfg_entry(unsigned i, uint64_t base, uint16_t seg, uint8_t first, uint8_t last)
{
    uint8_t *e = tbl + 44 + 16 * i;
    put64(e, base);
    put16(e + 8, seg);
    e[10] = first;
    e[11] = last;
}

static void test_mcfg(void)
{
    struct acpi_mcfg m[2];
    header("MCFG", 44 + 16, 1);
    mcfg_entry(0, 0x4010000000ull, 0, 0, 255);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_mcfg_parse(tbl, 60, m, 2), 1);
    CHECK_EQ_STR(log_buf, "");
    CHECK(m[0].base == 0x4010000000ull && m[0].segment == 0 && m[0].bus_start == 0 && m[0].bus_end == 255);
    /* Malformed entries skipped, the rest kept and counted past max; a
     * stray tail said. */
    header("MCFG", 44 + 4 * 16 + 3, 1);
    mcfg_entry(0, 0, 0, 0, 255);
    mcfg_entry(1, 0xb0000000, 0, 9, 8);
    mcfg_entry(2, 0xb0000000, 1, 0, 15);
    mcfg_entry(3, 0xfffffffffff00000ull, 2, 0, 1);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_mcfg_parse(tbl, 200, m, 2), 1);
    CHECK(log_has("3 bytes after its entries"));
    CHECK(log_has("segment 0 buses 0-255 at 0 is malformed"));
    CHECK(log_has("segment 0 buses 9-8"));
    CHECK(log_has("segment 2 buses 0-1"));
    CHECK(m[0].segment == 1 && m[0].bus_end == 15);
    header("MCFG", 44 + 3 * 16, 1);
    for (unsigned i = 0; i < 3; i++)
        mcfg_entry(i, 0xb0000000 + (0x10000000ull * i), (uint16_t)i, 0, 255);
    sum();
    CHECK_EQ_INT(acpi_mcfg_parse(tbl, 200, m, 2), 3);
    CHECK_EQ_INT(m[1].segment, 1);
    tbl[50]++;
    CHECK_EQ_INT(acpi_mcfg_parse(tbl, 200, m, 2), -EINVAL);
    find_result = tbl;
    CHECK_EQ_INT(acpi_mcfg(m, 2), -EINVAL);
    CHECK_EQ_STR(find_sig, "MCFG");
}

static void test_fadt_arm(void)
{
    header("FACP", 276, 6);
    put16(tbl + 129, 1 | 4); /* PSCI, and a bit not ours */
    sum();
    CHECK_EQ_INT(acpi_fadt_arm_flags(tbl, 276), ACPI_ARM_PSCI);
    put16(tbl + 129, 3);
    sum();
    find_result = tbl;
    CHECK_EQ_INT(acpi_arm_boot_flags(), ACPI_ARM_PSCI | ACPI_ARM_PSCI_HVC);
    CHECK_EQ_STR(find_sig, "FACP");
    /* ACPI 2.0's FADT (revision 3): no ARM_BOOT_ARCH; one too short for it. */
    header("FACP", 244, 3);
    sum();
    log_reset();
    CHECK_EQ_INT(acpi_fadt_arm_flags(tbl, 244), -EINVAL);
    CHECK(log_has("FADT revision 3 is older than ARM_BOOT_ARCH"));
    header("FACP", 130, 6);
    sum();
    CHECK_EQ_INT(acpi_fadt_arm_flags(tbl, 130), -EINVAL);
    find_result = NULL;
    CHECK_EQ_INT(acpi_arm_boot_flags(), -ENOENT);
}

int main(void)
{
    test_spcr();
    test_gtdt();
    test_mcfg();
    test_fadt_arm();
    return CHECK_DONE("test_acpi_devices");
}
