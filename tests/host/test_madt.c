/**
 * @file test_madt.c
 * @brief Host tests of the ACPI MADT parser (drivers/acpi/madt.c) on
 *        hand-built tables: QEMU's layout, every entry type we read, and
 *        malformed tables that must be rejected with a message.
 */
#include "../../drivers/acpi/acpi_tables.h"
#include "../../drivers/acpi/madt.h"
#include <kernel/errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "log_capture.h"

/* ---- table builder ---- */
static uint8_t tbl[1024];
static uint32_t tlen;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void begin(uint32_t lapic, uint32_t flags)
{
    memset(tbl, 0, sizeof tbl);
    memcpy(tbl, "APIC", 4);
    tbl[8] = 5; /* revision */
    memcpy(tbl + 10, "KTEST ", 6);
    put32(tbl + 36, lapic);
    put32(tbl + 40, flags);
    tlen = 44;
}

static uint8_t *entry(uint8_t type, uint8_t len)
{
    uint8_t *e = tbl + tlen;
    e[0] = type;
    e[1] = len;
    tlen += len;
    return e;
}

/* Length and checksum over what was built; returns the length. */
static uint32_t finish(void)
{
    put32(tbl + 4, tlen);
    tbl[9] = 0;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < tlen; i++)
        sum += tbl[i];
    tbl[9] = (uint8_t)-sum;
    return tlen;
}

static void cpu(uint8_t uid, uint8_t apic, uint32_t flags)
{
    uint8_t *e = entry(0, 8);
    e[2] = uid;
    e[3] = apic;
    put32(e + 4, flags);
}

static void ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t *e = entry(1, 12);
    e[2] = id;
    put32(e + 4, addr);
    put32(e + 8, gsi_base);
}

static void iso(uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = entry(2, 10);
    e[2] = bus;
    e[3] = src;
    put32(e + 4, gsi);
    memcpy(e + 8, &flags, 2);
}

static void nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
    uint8_t *e = entry(4, 6);
    e[2] = uid;
    memcpy(e + 3, &flags, 2);
    e[5] = lint;
}

/* ---- stubs for acpi_madt_init() ---- */
static const uint8_t *find_result;

const uint8_t *acpi_find_table(const char sig[4])
{
    CHECK(memcmp(sig, "APIC", 4) == 0);
    return find_result;
}

/* QEMU's q35 MADT: one CPU, one IOAPIC, IRQ 0 -> GSI 2, IRQs 5, 9, 10, 11
 * level active high, LINT1 NMI on every CPU. */
static void build_qemu(void)
{
    begin(0xfee00000, 1);
    cpu(0, 0, 1);
    ioapic(0, 0xfec00000, 0);
    iso(0, 0, 2, 0);
    iso(0, 5, 5, 0xd);
    iso(0, 9, 9, 0xd);
    iso(0, 10, 10, 0xd);
    iso(0, 11, 11, 0xd);
    nmi(0xff, 0, 1);
    finish();
}

static void test_qemu_table(void)
{
    struct madt_info m;
    build_qemu();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK_EQ_STR(log_buf, "");
    CHECK_EQ_HEX(m.lapic_addr, 0xfee00000);
    CHECK_EQ_INT(m.pcat_compat, 1);
    CHECK_EQ_INT(m.ncpus, 1);
    CHECK_EQ_INT(m.nioapics, 1);
    CHECK_EQ_HEX(m.ioapics[0].addr, 0xfec00000);
    CHECK_EQ_INT(m.ioapics[0].gsi_base, 0);

    unsigned gsi;
    enum irq_trigger trig;
    int low;
    CHECK_EQ_INT(madt_isa_irq(&m, 0, &gsi, &trig, &low), 0);
    CHECK(gsi == 2 && trig == IRQ_TRIGGER_EDGE && !low);
    CHECK_EQ_INT(madt_isa_irq(&m, 4, &gsi, &trig, &low), 0);
    CHECK(gsi == 4 && trig == IRQ_TRIGGER_EDGE && !low);
    CHECK_EQ_INT(madt_isa_irq(&m, 9, &gsi, &trig, &low), 0);
    CHECK(gsi == 9 && trig == IRQ_TRIGGER_LEVEL && !low);
    CHECK_EQ_INT(madt_isa_irq(&m, 16, &gsi, &trig, &low), -EINVAL);
    CHECK_EQ_INT(madt_isa_irq(&m, 3, &gsi, &trig, NULL), 0);

    madt_gsi_mode(&m, 2, &trig, &low);
    CHECK(trig == IRQ_TRIGGER_EDGE && !low);
    madt_gsi_mode(&m, 11, &trig, &low);
    CHECK(trig == IRQ_TRIGGER_LEVEL && !low);
    madt_gsi_mode(&m, 1, &trig, &low);
    CHECK(trig == IRQ_TRIGGER_EDGE && !low);
    madt_gsi_mode(&m, 20, &trig, &low); /* PCI */
    CHECK(trig == IRQ_TRIGGER_LEVEL && low);
    madt_gsi_mode(NULL, 4, &trig, &low);
    CHECK(trig == IRQ_TRIGGER_EDGE && !low);

    unsigned lint = 9;
    uint16_t flags = 1;
    CHECK_EQ_INT(madt_lint_nmi(&m, 0, &lint, &flags), 0);
    CHECK(lint == 1 && flags == 0);
}

static void test_other_entries(void)
{
    struct madt_info m;
    begin(0xfee00000, 0);
    cpu(0, 0, 1);
    cpu(1, 1, 0);    /* disabled, not online-capable: not counted */
    cpu(2, 2, 2);    /* online-capable */
    uint8_t *e = entry(9, 16); /* x2APIC, id 300, uid 7 */
    put32(e + 4, 300);
    put32(e + 8, 1);
    put32(e + 12, 7);
    e = entry(10, 12); /* x2APIC NMI for uid 7 on LINT0, active low */
    e[2] = 0x3;
    put32(e + 4, 7);
    e[8] = 0;
    nmi(2, 0, 1);
    e = entry(5, 12);  /* 64-bit local APIC address */
    put64(e + 4, 0x1fee00000ULL);
    e = entry(0x7f, 4); /* unknown type: skipped */
    iso(0, 4, 20, 0xf); /* COM1 moved, level, active low */
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK_EQ_STR(log_buf, "");
    CHECK_EQ_HEX(m.lapic_addr, 0x1fee00000ULL);
    CHECK_EQ_INT(m.pcat_compat, 0);
    CHECK_EQ_INT(m.ncpus, 3);
    CHECK_EQ_INT(m.nioapics, 0);
    unsigned lint, gsi;
    uint16_t flags;
    CHECK_EQ_INT(madt_lint_nmi(&m, 300, &lint, &flags), 0);
    CHECK(lint == 0 && flags == 3);
    CHECK_EQ_INT(madt_lint_nmi(&m, 2, &lint, &flags), 0);
    CHECK(lint == 1);
    CHECK_EQ_INT(madt_lint_nmi(&m, 0, &lint, &flags), -ENOENT);
    enum irq_trigger trig;
    int low;
    CHECK_EQ_INT(madt_isa_irq(&m, 4, &gsi, &trig, &low), 0);
    CHECK(gsi == 20 && trig == IRQ_TRIGGER_LEVEL && low);
    madt_gsi_mode(&m, 20, &trig, &low);
    CHECK(trig == IRQ_TRIGGER_LEVEL && low);
}

/* Well-formed entries we cannot use: skipped, each with a warning. */
static void test_skipped_entries(void)
{
    struct madt_info m;
    begin(0xfee00000, 1);
    ioapic(0, 0, 0);                 /* address 0 */
    for (uint8_t i = 1; i <= MADT_MAX_IOAPICS + 1; i++)
        ioapic(i, 0xfec00000 + i * 0x1000u, i * 24u);
    iso(1, 3, 3, 0);                 /* not ISA */
    iso(0, 16, 16, 0);               /* no ISA IRQ 16 */
    iso(0, 0, 2, 0);
    iso(0, 0, 7, 0);                 /* duplicate: the first stays */
    iso(0, 6, 6, 0x2);               /* reserved polarity */
    nmi(0xff, 0, 2);                 /* no LINT2 */
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK(log_has("IOAPIC 0 at address 0; ignored"));
    CHECK(log_has("is one more than the 4 supported"));
    CHECK(log_has("override of bus 1 IRQ 3"));
    CHECK(log_has("override of bus 0 IRQ 16"));
    CHECK(log_has("overrides IRQ 0 twice; keeping GSI 2"));
    CHECK(log_has("IRQ 6 has reserved flags"));
    CHECK(log_has("names LINT2"));
    CHECK_EQ_INT(m.nioapics, MADT_MAX_IOAPICS);
    CHECK_EQ_INT(m.ioapics[0].id, 1);
    CHECK_EQ_INT(m.nnmis, 0);
    unsigned gsi;
    enum irq_trigger trig;
    int low;
    madt_isa_irq(&m, 0, &gsi, &trig, &low);
    CHECK_EQ_INT(gsi, 2);
    madt_isa_irq(&m, 6, &gsi, &trig, &low);
    CHECK(gsi == 6 && trig == IRQ_TRIGGER_EDGE && !low);
}

/* Build QEMU's table, break it with @p breaker, expect -EINVAL, an empty
 * result and a message containing @p msg. */
static void expect_rejected(const char *what, void (*breaker)(void), size_t avail, const char *msg)
{
    struct madt_info m;
    memset(&m, 0xa5, sizeof m);
    build_qemu();
    breaker();
    log_reset();
    int err = madt_parse(tbl, avail ? avail : tlen, &m);
    if (err != -EINVAL || m.lapic_addr != 0 || m.nioapics != 0 || !log_has(msg))
        fprintf(stderr, "case '%s': err %d, log '%s'\n", what, err, log_buf);
    CHECK_EQ_INT(err, -EINVAL);
    CHECK_EQ_INT(m.lapic_addr, 0);
    CHECK_EQ_INT(m.nioapics, 0);
    CHECK(log_has(msg));
}

static void nothing(void) {}
static void bad_sig(void) { tbl[0] = 'X'; finish(); }
static void bad_sum(void) { tbl[50]++; }
static void len_short(void) { put32(tbl + 4, 40); }
static void len_long(void) { tlen += 100; finish(); } /* claims bytes past avail */
static void entry_len0(void) { entry(0x7f, 0); tlen += 2; finish(); }
static void entry_overrun(void) { entry(1, 12); tlen -= 4; finish(); }
static void entry_too_short(void) { entry(1, 8); finish(); }
static void entry_truncated(void) { tbl[tlen++] = 0; finish(); }
static void lapic_zero(void) { put32(tbl + 36, 0); finish(); }

static void test_rejected(void)
{
    expect_rejected("short buffer", nothing, 43, "length 120 is outside [44, 43]");
    expect_rejected("signature", bad_sig, 0, "APIC: not one, or shorter than a table header");
    expect_rejected("checksum", bad_sum, 0, "checksum mismatch");
    expect_rejected("length < header", len_short, 0, "length 40 is outside");
    build_qemu();
    uint32_t good = tlen;
    expect_rejected("length > buffer", len_long, good, "is outside");
    expect_rejected("entry length 0", entry_len0, 0, "has length 0");
    expect_rejected("entry past the end", entry_overrun, 0, "has length 12");
    expect_rejected("IOAPIC entry of 8 bytes", entry_too_short, 0, "type 1 at offset");
    expect_rejected("1-byte tail", entry_truncated, 0, "has length 0");
    expect_rejected("local APIC at 0", lapic_zero, 0, "local APIC address is 0");
}

static void test_init(void)
{
    unsigned gsi;
    enum irq_trigger trig;
    find_result = NULL;
    CHECK_EQ_INT(acpi_madt_init(), -ENOENT);
    CHECK(acpi_madt() == NULL);
    CHECK_EQ_INT(acpi_isa_irq(0, &gsi, &trig), 0); /* identity without a MADT */
    CHECK(gsi == 0 && trig == IRQ_TRIGGER_EDGE);

    build_qemu();
    find_result = tbl;
    CHECK_EQ_INT(acpi_madt_init(), 0);
    CHECK(acpi_madt() != NULL);
    CHECK_EQ_INT(acpi_isa_irq(0, &gsi, &trig), 0);
    CHECK_EQ_INT(gsi, 2);
    CHECK_EQ_INT(acpi_isa_irq(99, &gsi, &trig), -EINVAL);

    lapic_zero();
    CHECK_EQ_INT(acpi_madt_init(), -EINVAL);
    CHECK(acpi_madt() == NULL);
}

/* ---- arm64: GIC structures (ACPI 6.x, 5.2.12.14-18) ---- */

static void gicc(uint32_t uid, uint32_t flags, uint64_t cpu_if, uint64_t gicr, uint64_t mpidr, uint8_t len)
{
    uint8_t *e = entry(11, len);
    put32(e + 4, uid); /* CPU interface number */
    put32(e + 8, uid);
    put32(e + 12, flags);
    put64(e + 32, cpu_if);
    put64(e + 60, gicr);
    put64(e + 68, mpidr);
}

static void gicd(uint64_t base, uint8_t version)
{
    uint8_t *e = entry(12, 24);
    put64(e + 8, base);
    e[20] = version;
}

static void gicr_range(uint64_t base, uint32_t len)
{
    uint8_t *e = entry(14, 16);
    put64(e + 4, base);
    put32(e + 12, len);
}

static void its(uint32_t id, uint64_t base)
{
    uint8_t *e = entry(15, 20);
    put32(e + 4, id);
    put64(e + 8, base);
}

static void msi_frame(uint64_t base, uint32_t flags, uint16_t count, uint16_t spi_base)
{
    uint8_t *e = entry(13, 24);
    put64(e + 8, base);
    put32(e + 16, flags);
    memcpy(e + 20, &count, 2);
    memcpy(e + 22, &spi_base, 2);
}

/* QEMU virt with gic-version=3 and two CPUs: GICCs first, then the GICD,
 * one GICR range and the ITS; no local APIC address. */
static void test_gic_v3(void)
{
    struct madt_info m;
    begin(0, 0);
    gicc(0, 1, 0, 0, 0, 80);
    gicc(1, 1, 0, 0, 1, 82); /* ACPI 6.3's longer entry */
    gicd(0x08000000, 3);
    gicr_range(0x080a0000, 0x00f60000);
    its(0, 0x08080000);
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK_EQ_STR(log_buf, "");
    CHECK_EQ_INT(m.lapic_addr, 0);
    CHECK_EQ_INT(m.ngiccs, 2);
    CHECK_EQ_INT(m.ncpus, 2);
    CHECK(m.cpus[0].mpidr == 0 && m.cpus[1].mpidr == 1 && m.cpus[1].uid == 1);
    CHECK_EQ_HEX(m.gic.dist, 0x08000000);
    CHECK_EQ_INT(m.gic.version, 3);
    CHECK_EQ_INT(m.gic.ngicr, 1);
    CHECK(m.gic.gicr[0].base == 0x080a0000 && m.gic.gicr[0].size == 0x00f60000);
    CHECK(m.gic.nits == 1 && m.gic.its[0] == 0x08080000);
    CHECK_EQ_INT(m.gic.nmsi, 0);

    /* Without a GICR entry, each GICC's redistributor is a range of its
     * own; a disabled GICC is counted, not used; an MPIDR with bits outside
     * the affinity fields is refused. */
    begin(0, 0);
    gicd(0x08000000, 0);
    gicc(0, 1, 0, 0x080a0000, 0, 80);
    gicc(1, 0, 0, 0x080c0000, 1, 80);
    gicc(2, 8, 0, 0x080e0000, 2, 80); /* online-capable */
    gicc(3, 1, 0, 0x08100000, 1ull << 31, 80);
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK(log_has("MPIDR 0x80000000 with bits outside Aff0-3"));
    CHECK_EQ_INT(m.ngiccs, 4);
    CHECK_EQ_INT(m.ncpus, 2);
    CHECK(m.cpus[1].mpidr == 2 && m.gic.version == 0);
    CHECK_EQ_INT(m.gic.ngicr, 2);
    CHECK(m.gic.gicr[0].base == 0x080a0000 && m.gic.gicr[0].size == 0x20000);
    CHECK_EQ_HEX(m.gic.gicr[1].base, 0x080e0000);
}

/* QEMU virt with gic-version=2: the CPU interface in the GICC, one MSI
 * frame with its SPI range; frames past what is kept, at address 0, a
 * second GICD and a GICC of ACPI 5.0's 40 bytes. */
static void test_gic_v2_and_bad_entries(void)
{
    struct madt_info m;
    begin(0, 0);
    gicc(0, 1, 0x08010000, 0, 0, 80);
    gicd(0x08000000, 2);
    msi_frame(0x08020000, 1, 64, 80);
    finish();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK(m.gic.cpu_if == 0x08010000 && m.gic.version == 2 && m.gic.ngicr == 0);
    CHECK(m.gic.nmsi == 1 && m.gic.msi[0].base == 0x08020000 && m.gic.msi[0].spi_given);
    CHECK(m.gic.msi[0].spi_count == 64 && m.gic.msi[0].spi_base == 80);

    begin(0, 0);
    gicd(0x08000000, 9);
    gicd(0x09000000, 3);
    its(0, 0);
    for (int i = 0; i < MADT_MAX_ITS + 1; i++)
        its((uint32_t)i, 0x08080000 + 0x20000ull * (unsigned)i);
    for (int i = 0; i < MADT_MAX_GICR + 1; i++)
        gicr_range(0x080a0000 + 0x100000ull * (unsigned)i, 0x20000);
    gicr_range(0x10000000, 0);
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), 0);
    CHECK(log_has("GICD says GIC version 9"));
    CHECK(log_has("second GICD"));
    CHECK(log_has("GIC ITS 0 at address 0"));
    CHECK(log_has("more than 4 ITSs"));
    CHECK(log_has("more than 3 redistributor ranges"));
    CHECK(log_has("GICR range at 0x10000000, 0 bytes"));
    CHECK(m.gic.dist == 0x08000000 && m.gic.version == 0);
    CHECK(m.gic.nits == MADT_MAX_ITS && m.gic.ngicr == MADT_MAX_GICR);

    /* An ACPI 5.0 GICC (40 bytes) is a structural error: nothing kept. */
    begin(0, 0);
    gicd(0x08000000, 3);
    gicc(0, 1, 0, 0, 0, 40);
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), -EINVAL);
    CHECK(log_has("entry type 11 at offset 68 has length 40"));
    CHECK(m.gic.dist == 0 && m.ncpus == 0);
    /* No local APIC address and no GICD: rejected. */
    begin(0, 0);
    gicc(0, 1, 0, 0, 0, 80);
    finish();
    log_reset();
    CHECK_EQ_INT(madt_parse(tbl, tlen, &m), -EINVAL);
    CHECK(log_has("no GIC distributor"));
}

int main(void)
{
    test_gic_v3();
    test_gic_v2_and_bad_entries();
    test_qemu_table();
    test_other_entries();
    test_skipped_entries();
    test_rejected();
    test_init();
    return CHECK_DONE("test_madt");
}
