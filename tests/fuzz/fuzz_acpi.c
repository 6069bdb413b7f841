/**
 * @file fuzz_acpi.c
 * @brief libFuzzer target: the ACPI table walker (drivers/acpi/acpi_tables.c)
 *        and the MADT parser on damaged firmware tables.
 *
 * Random bytes would rarely pass a checksum, so the input patches QEMU's
 * layout (tests/host/acpi_builder.h: RSDP, RSDT, XSDT, FADT, MADT, HPET,
 * DSDT in a page of fake memory between inaccessible pages): byte 0's bits
 * say whether to fix the tables' and the RSDP's checksums afterwards, which
 * table to move to the end of the page (so that reading past its length
 * faults: the test of every length check), and whether the RSDP's copy is
 * cut short; then patches of [offset (2 bytes, past the page: the RSDP),
 * length, bytes].
 * Whatever the walker returns must be a whole, checksummed table inside
 * the memory with the signature asked for, the S5, reset-register, 8042,
 * HPET and MADT readers run on what it finds, and the SPCR, GTDT, MCFG
 * and ARM FADT parsers on each table found, relabelled as theirs (in a
 * heap block of the table's length, so that ASan sees any read past it); nothing may read outside it
 * (the guard pages fault) and no parser may fail its own checks (ASan,
 * UBSan).
 */
#define _GNU_SOURCE /* acpi_builder.h's MAP_FIXED_NOREPLACE */
#include "../../drivers/acpi/acpi.h"
#include "../../drivers/acpi/acpi_tables.h"
#include "../../drivers/acpi/devices.h"
#include "../../drivers/acpi/madt.h"
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/unaligned.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../host/acpi_builder.h"

void klog(enum log_level level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}

/* libFuzzer's entry point; it has no header to declare it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const uint8_t *t, const char sig[4])
{
    if (!t)
        return;
    uint64_t pa = (uintptr_t)t;
    if (!hal_direct_mapped(pa, ACPI_HEADER_LEN) || memcmp(t, sig, 4) != 0)
        abort();
    uint32_t len = get_le32(t + 4);
    if (len < ACPI_HEADER_LEN || !hal_direct_mapped(pa, len) || !acpi_checksum_ok(t, len))
        abort();
}

/* The length the table at @p off says it has, kept inside the page. */
static uint32_t table_len(unsigned off)
{
    uint32_t len = get_le32(acpi_mem + off + 4);
    if (len < 8)
        len = 8;
    return len > ACPI_MEM_LEN - off ? ACPI_MEM_LEN - off : len;
}

/* The table at @p off moved to end with the page, and every pointer to it
 * (the RSDP's, the RSDT's and XSDT's entries, the FADT's DSDT) moved too. */
static void relocate(unsigned off)
{
    uint32_t len = table_len(off);
    unsigned to = ACPI_MEM_LEN - len;
    uint64_t from_pa = acpi_pa(off), to_pa = acpi_pa(to);
    memmove(acpi_mem + to, acpi_mem + off, len);
    for (unsigned e = 36; e + 4 <= 36 + 4 * 3; e += 4)
        if (get_le32(acpi_mem + AT_RSDT + e) == (uint32_t)from_pa)
            put_le32(acpi_mem + AT_RSDT + e, (uint32_t)to_pa);
    for (unsigned e = 36; e + 8 <= 36 + 8 * 3; e += 8)
        if (get_le64(acpi_mem + AT_XSDT + e) == from_pa)
            put_le64(acpi_mem + AT_XSDT + e, to_pa);
    if (get_le32(acpi_mem + AT_FADT + 40) == (uint32_t)from_pa)
        put_le32(acpi_mem + AT_FADT + 40, (uint32_t)to_pa);
    if (get_le32(acpi_bi.rsdp + 16) == (uint32_t)from_pa)
        put_le32(acpi_bi.rsdp + 16, (uint32_t)to_pa);
    if (get_le64(acpi_bi.rsdp + 24) == from_pa)
        put_le64(acpi_bi.rsdp + 24, to_pa);
}

/* The parsers of devices.c on @p t's bytes as each of their tables, the
 * checksum fixed after the relabelling: any length, any contents. */
static void device_parsers(const uint8_t *t)
{
    if (!t)
        return;
    uint32_t len = get_le32(t + 4);
    uint8_t *copy = malloc(len);
    if (!copy)
        abort();
    static const char *sigs[] = {"SPCR", "GTDT", "MCFG", "FACP"};
    for (unsigned k = 0; k < 4; k++) {
        memcpy(copy, t, len);
        memcpy(copy, sigs[k], 4);
        acpi_sum_fix(copy, len, 9);
        struct acpi_spcr spcr;
        struct acpi_gtdt gtdt;
        struct acpi_mcfg mcfg[2];
        int n, f;
        switch (k) {
        case 0:
            if (acpi_spcr_parse(copy, len, &spcr) == 0 && (!spcr.base || (spcr.access != 1 && spcr.access != 4)))
                abort();
            break;
        case 1:
            if (acpi_gtdt_parse(copy, len, &gtdt) == 0 && (gtdt.virt.gsiv < 16 || gtdt.virt.gsiv > 31))
                abort();
            break;
        case 2:
            n = acpi_mcfg_parse(copy, len, mcfg, 2);
            for (int e = 0; e < n && e < 2; e++)
                if (!mcfg[e].base || mcfg[e].bus_start > mcfg[e].bus_end)
                    abort();
            break;
        default:
            f = acpi_fadt_arm_flags(copy, len);
            if (f != -EINVAL && (f < 0 || f > 3))
                abort();
        }
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    acpi_standard();
    uint8_t flags = data[0];
    size_t i = 1;
    while (i + 3 <= size) {
        unsigned off = (data[i] | data[i + 1] << 8) % (ACPI_MEM_LEN + BOOT_RSDP_MAX);
        size_t n = data[i + 2] % 17;
        i += 3;
        if (n > size - i)
            n = size - i;
        for (size_t k = 0; k < n; k++, off++) {
            if (off < ACPI_MEM_LEN)
                acpi_mem[off] = data[i + k];
            else if (off < ACPI_MEM_LEN + BOOT_RSDP_MAX)
                acpi_bi.rsdp[off - ACPI_MEM_LEN] = data[i + k];
        }
        i += n;
    }
    const unsigned all[] = {AT_RSDT, AT_XSDT, AT_FADT, AT_MADT, AT_HPET, AT_DSDT};
    unsigned move = (flags >> 2) & 7;
    if (move >= 1 && move <= 6)
        relocate(all[move - 1]);
    if (flags & 1)
        for (unsigned k = 0; k < sizeof all / sizeof all[0]; k++)
            acpi_fix(k == move - 1 ? ACPI_MEM_LEN - table_len(all[k]) : all[k]);
    if (flags & 2)
        acpi_rsdp_fix();
    if (flags & 0x20)
        acpi_bi.rsdp_len = (flags >> 6) * 10u; /* a copy cut short: 0, 10, 20 or 30 bytes */

    static const char *sigs[] = {"FACP", "APIC", "HPET", "DSDT", "XSDT", "RSDT"};
    for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        check_table(acpi_find_table(sigs[k]), sigs[k]);
        device_parsers(acpi_find_table(sigs[k]));
    }
    unsigned port = 0, typ = 0;
    if (acpi_s5(&port, &typ) == 0 && (port == 0 || port > 0xffff))
        abort();
    uint64_t hpet;
    acpi_hpet_base(&hpet);
    struct acpi_gas reg;
    uint8_t value;
    if (acpi_reset_reg(&reg, &value) == 0 && (reg.bit_width != 8 || reg.space > ACPI_SPACE_PCI_CONFIG))
        abort();
    acpi_has_8042();
    const uint8_t *m = acpi_find_table("APIC");
    if (m) {
        struct madt_info mi;
        if (madt_parse(m, get_le32(m + 4), &mi) == 0 &&
            (mi.nioapics > MADT_MAX_IOAPICS || mi.nnmis > MADT_MAX_NMIS ||
             mi.gic.ngicr > MADT_MAX_GICR || mi.gic.nits > MADT_MAX_ITS ||
             mi.gic.nmsi > MADT_MAX_MSI_FRAMES))
            abort();
    }
    return 0;
}
