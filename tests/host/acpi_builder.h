/**
 * @file acpi_builder.h
 * @brief ACPI tables in a page of fake physical memory, for the host test
 *        and the fuzzer of drivers/acpi's table walker.
 *
 * On the host the direct map is the identity (arch/host's memlayout.h), so
 * a table's "physical" address is its address here, and the RSDT's and
 * the FADT's 32-bit pointers need the page below 4 GiB: it is mapped at a
 * fixed low address, between two inaccessible pages, so that any read
 * past it faults. hal_direct_mapped() (defined here) says only that page
 * is memory. acpi_standard() lays out what QEMU's firmware gives: an
 * ACPI 2.0 RSDP (copied into the boot_info, as Multiboot2 does), an RSDT
 * and an XSDT listing a FADT, a MADT and an HPET table, and a DSDT whose
 * \_S5 package says SLP_TYPa 5. Include from one file of an executable.
 */
#ifndef TESTS_HOST_ACPI_BUILDER_H
#define TESTS_HOST_ACPI_BUILDER_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before every include (MAP_FIXED_NOREPLACE)"
#endif
#include <hal/mmu.h>
#include <hal/platform.h>
#include <kernel/unaligned.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ACPI_MEM_LEN 4096u
#define ACPI_MEM_AT 0x40000000ul /* the guard page; the memory is the next */

/* Where acpi_standard() puts each table in the page. */
enum { AT_RSDT = 0x40, AT_XSDT = 0x100, AT_FADT = 0x200, AT_MADT = 0x400, AT_HPET = 0x500,
       AT_DSDT = 0x600, AT_DSDT2 = 0x700 };
#define FADT_LEN 244u
#define STD_PM1A_CNT 0x604u

static uint8_t *acpi_mem;
static struct boot_info acpi_bi;

int hal_direct_mapped(uint64_t pa, uint64_t len)
{
    uint64_t base = (uintptr_t)acpi_mem;
    return len && pa >= base && pa - base <= ACPI_MEM_LEN && len <= ACPI_MEM_LEN - (pa - base);
}

const struct boot_info *platform_boot_info(void) { return &acpi_bi; }

static inline void acpi_mem_map(void)
{
    if (acpi_mem)
        return;
    void *p = mmap((void *)ACPI_MEM_AT, 3 * ACPI_MEM_LEN, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)ACPI_MEM_AT || mprotect((uint8_t *)p + ACPI_MEM_LEN, ACPI_MEM_LEN, PROT_READ | PROT_WRITE))
        abort();
    acpi_mem = (uint8_t *)p + ACPI_MEM_LEN;
}

static inline uint64_t acpi_pa(unsigned off) { return (uintptr_t)acpi_mem + off; }

/* Byte 9 (or @p at) set so that @p len bytes at @p p sum to 0. */
static inline void acpi_sum_fix(uint8_t *p, uint32_t len, unsigned at)
{
    uint8_t s = 0;
    p[at] = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    p[at] = (uint8_t)-s;
}

/* A table's header at @p off: signature, length, revision, OEM ids. */
static inline uint8_t *acpi_sdt(unsigned off, const char sig[4], uint32_t len)
{
    uint8_t *t = acpi_mem + off;
    memset(t, 0, len);
    memcpy(t, sig, 4);
    put_le32(t + 4, len);
    t[8] = 2;
    memcpy(t + 10, "KTEST ", 6);
    return t;
}

/* The checksum of the table at @p off, by the length it holds (if that
 * fits the page). */
static inline void acpi_fix(unsigned off)
{
    uint32_t len;
    memcpy(&len, acpi_mem + off + 4, 4);
    if (off + 8 <= ACPI_MEM_LEN && len >= 10 && len <= ACPI_MEM_LEN - off)
        acpi_sum_fix(acpi_mem + off, len, 9);
}

/* The RSDP's two checksums: the first 20 bytes' (at 8), the whole 36's
 * (at 32). */
static inline void acpi_rsdp_fix(void)
{
    acpi_sum_fix(acpi_bi.rsdp, 20, 8);
    acpi_sum_fix(acpi_bi.rsdp, 36, 32);
}

/* The boot_info's RSDP, revision 2: the RSDT and the XSDT at these
 * addresses, both checksums right. */
static inline void acpi_rsdp(uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *r = acpi_bi.rsdp;
    memset(r, 0, BOOT_RSDP_MAX);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "KTEST ", 6);
    r[15] = 2;
    put_le32(r + 16, rsdt);
    put_le32(r + 20, 36);
    put_le64(r + 24, xsdt);
    acpi_rsdp_fix();
    acpi_bi.rsdp_len = 36;
}

/* An AML fragment: Name (_S5, Package (4) { typ, typ, 0, 0 }), the way
 * QEMU's DSDT says it (ByteConst prefixes). */
static const uint8_t s5_aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00};

/* A DSDT at @p off: some bytes of other AML, then \_S5 with SLP_TYPa @p typ. */
static inline void acpi_dsdt(unsigned off, uint8_t typ)
{
    uint8_t *d = acpi_sdt(off, "DSDT", 36 + 16 + sizeof s5_aml);
    memset(d + 36, 0x5b, 16); /* ExtOpPrefix bytes: not _S5_ */
    memcpy(d + 52, s5_aml, sizeof s5_aml);
    d[52 + 9] = typ;
    acpi_fix(off);
}

static inline void acpi_standard(void)
{
    acpi_mem_map();
    memset(acpi_mem, 0, ACPI_MEM_LEN);
    memset(&acpi_bi, 0, sizeof acpi_bi);
    const unsigned tables[] = {AT_FADT, AT_MADT, AT_HPET};
    uint8_t *rsdt = acpi_sdt(AT_RSDT, "RSDT", 36 + 4 * 3);
    uint8_t *xsdt = acpi_sdt(AT_XSDT, "XSDT", 36 + 8 * 3);
    for (unsigned i = 0; i < 3; i++) {
        put_le32(rsdt + 36 + 4 * i, (uint32_t)acpi_pa(tables[i]));
        put_le64(xsdt + 36 + 8 * i, acpi_pa(tables[i]));
    }
    uint8_t *f = acpi_sdt(AT_FADT, "FACP", FADT_LEN);
    put_le32(f + 40, (uint32_t)acpi_pa(AT_DSDT));
    put_le32(f + 64, STD_PM1A_CNT);
    /* MADT: the local APIC's address, PCAT_COMPAT; a CPU, an I/O APIC,
     * IRQ 0 on GSI 2. */
    uint8_t *m = acpi_sdt(AT_MADT, "APIC", 44 + 8 + 12 + 10);
    put_le32(m + 36, 0xfee00000u);
    put_le32(m + 40, 1);
    uint8_t *e = m + 44;
    e[0] = 0, e[1] = 8, e[2] = 0, e[3] = 0, put_le32(e + 4, 1);
    e += 8;
    e[0] = 1, e[1] = 12, e[2] = 0, put_le32(e + 4, 0xfec00000u), put_le32(e + 8, 0);
    e += 12;
    e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0, put_le32(e + 4, 2), put_le16(e + 8, 0);
    uint8_t *h = acpi_sdt(AT_HPET, "HPET", 56);
    put_le64(h + 44, 0xfed00000u);
    acpi_dsdt(AT_DSDT, 5);
    const unsigned all[] = {AT_RSDT, AT_XSDT, AT_FADT, AT_MADT, AT_HPET};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        acpi_fix(all[i]);
    acpi_rsdp((uint32_t)acpi_pa(AT_RSDT), acpi_pa(AT_XSDT));
}

#endif
