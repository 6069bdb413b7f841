/**
 * @file devices.c
 * @brief The SPCR, GTDT, MCFG and the FADT's ARM boot flags (devices.h).
 *
 * Field offsets are the specifications': Microsoft's Serial Port Console
 * Redirection Table (revision 2 onwards), ACPI 6.x 5.2.24 (GTDT) and
 * 5.2.9 (FADT), the PCI Firmware Specification 3.2 (MCFG).
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/unaligned.h>

#include "acpi_tables.h"
#include "devices.h"

/* SPCR: interface type at 36, the base address (a Generic Address
 * Structure) at 40, interrupt type at 52 (bit 0 the PC-AT PIC's IRQ at 53,
 * bits 1-3 an APIC's, SAPIC's or GIC's GSIV at 54), baud rate at 58. */
#define SPCR_MIN_LEN 80
#define SPCR_IRQ_GSIV 0xeu

int acpi_spcr_parse(const uint8_t *t, size_t avail, struct acpi_spcr *out)
{
    *out = (struct acpi_spcr){0};
    if (!acpi_table_valid(t, avail, "SPCR", SPCR_MIN_LEN))
        return -EINVAL;
    const uint8_t *g = t + 40;
    out->type = t[36];
    out->base = get_le64(g + 4);
    if ((g[0] != ACPI_SPACE_MEMORY && g[0] != ACPI_SPACE_IO) || out->base == 0) {
        pr_err("acpi: SPCR: console registers in space %u at %#lx; no console from it", g[0],
               (unsigned long)out->base);
        return -EINVAL;
    }
    out->mmio = g[0] == ACPI_SPACE_MEMORY;
    /* Access size 3 (dword) or a 32-bit register: the SBSA UARTs' and many
     * 16550s' 4-byte registers; else bytes. */
    out->access = g[3] == 3 || (g[3] == 0 && g[1] == 32) || out->type == ACPI_SPCR_SBSA32 ? 4 : 1;
    out->has_irq = (t[52] & SPCR_IRQ_GSIV) != 0;
    out->irq = (struct acpi_irq){get_le32(t + 54), 0, 0};
    if (!out->has_irq && (t[52] & 1)) { /* PC-AT: the 8259's IRQ */
        out->has_irq = 1;
        out->irq.gsiv = t[53];
        out->irq.edge = 1;
    }
    static const uint32_t rates[8] = {0, 0, 0, 9600, 19200, 0, 57600, 115200};
    out->baud = rates[t[58] & 7];
    return 0;
}

/* GTDT: the secure EL1 timer's GSIV and flags at 48, the non-secure EL1
 * (physical) timer's at 56, the virtual timer's at 64; flags bit 0 edge,
 * bit 1 active low. */
#define GTDT_MIN_LEN 80
#define GTDT_PHYS 56
#define GTDT_VIRT 64

static struct acpi_irq gtdt_irq(const uint8_t *t, unsigned off)
{
    uint32_t flags = get_le32(t + off + 4);
    return (struct acpi_irq){get_le32(t + off), (int)(flags & 1), (int)(flags >> 1 & 1)};
}

int acpi_gtdt_parse(const uint8_t *t, size_t avail, struct acpi_gtdt *out)
{
    *out = (struct acpi_gtdt){0};
    if (!acpi_table_valid(t, avail, "GTDT", GTDT_MIN_LEN))
        return -EINVAL;
    out->phys = gtdt_irq(t, GTDT_PHYS);
    out->virt = gtdt_irq(t, GTDT_VIRT);
    /* The architected timers are PPIs: INTIDs 16-31. */
    if (out->virt.gsiv < 16 || out->virt.gsiv > 31) {
        pr_err("acpi: GTDT: virtual timer interrupt %u is not a PPI", out->virt.gsiv);
        return -EINVAL;
    }
    return 0;
}

/* MCFG: 8 reserved bytes after the header, then 16-byte entries: base
 * (8), segment (2), first and last bus (1 each), 4 reserved. */
#define MCFG_ENTRIES 44
#define MCFG_ENTRY_LEN 16

int acpi_mcfg_parse(const uint8_t *t, size_t avail, struct acpi_mcfg *out, unsigned max)
{
    uint32_t len = acpi_table_valid(t, avail, "MCFG", MCFG_ENTRIES);
    if (!len)
        return -EINVAL;
    if ((len - MCFG_ENTRIES) % MCFG_ENTRY_LEN)
        pr_warn("acpi: MCFG: %u bytes after its entries; ignored", (len - MCFG_ENTRIES) % MCFG_ENTRY_LEN);
    int n = 0;
    for (uint32_t off = MCFG_ENTRIES; off + MCFG_ENTRY_LEN <= len; off += MCFG_ENTRY_LEN) {
        const uint8_t *e = t + off;
        struct acpi_mcfg m = {get_le64(e), get_le16(e + 8), e[10], e[11]};
        if (m.base == 0 || m.bus_start > m.bus_end ||
            m.base + (((uint64_t)m.bus_end + 1) << 20) < m.base) {
            pr_warn("acpi: MCFG: segment %u buses %u-%u at %#lx is malformed; ignored", m.segment,
                    m.bus_start, m.bus_end, (unsigned long)m.base);
            continue;
        }
        if ((unsigned)n < max)
            out[n] = m;
        n++;
    }
    return n;
}

/* FADT: ARM_BOOT_ARCH at 129 (ACPI 5.1, FADT revision 5 and later). */
#define FADT_ARM_BOOT_ARCH 129

int acpi_fadt_arm_flags(const uint8_t *t, size_t avail)
{
    if (!acpi_table_valid(t, avail, "FACP", FADT_ARM_BOOT_ARCH + 2))
        return -EINVAL;
    if (t[8] < 5) {
        pr_err("acpi: FADT revision %u is older than ARM_BOOT_ARCH (revision 5)", t[8]);
        return -EINVAL;
    }
    return get_le16(t + FADT_ARM_BOOT_ARCH) & (ACPI_ARM_PSCI | ACPI_ARM_PSCI_HVC);
}

/* The firmware's table @p sig, through the walker (which has checked it). */
static const uint8_t *find(const char sig[4], size_t *len)
{
    const uint8_t *t = acpi_find_table(sig);
    *len = t ? get_le32(t + 4) : 0;
    return t;
}

int acpi_spcr(struct acpi_spcr *out)
{
    size_t len;
    const uint8_t *t = find("SPCR", &len);
    return t ? acpi_spcr_parse(t, len, out) : -ENOENT;
}

int acpi_gtdt(struct acpi_gtdt *out)
{
    size_t len;
    const uint8_t *t = find("GTDT", &len);
    return t ? acpi_gtdt_parse(t, len, out) : -ENOENT;
}

int acpi_mcfg(struct acpi_mcfg *out, unsigned max)
{
    size_t len;
    const uint8_t *t = find("MCFG", &len);
    return t ? acpi_mcfg_parse(t, len, out, max) : -ENOENT;
}

int acpi_arm_boot_flags(void)
{
    size_t len;
    const uint8_t *t = find("FACP", &len);
    return t ? acpi_fadt_arm_flags(t, len) : -ENOENT;
}
