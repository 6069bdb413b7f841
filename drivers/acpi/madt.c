/**
 * @file madt.c
 * @brief The ACPI Multiple APIC Description Table (ACPI spec 6.x, 5.2.12).
 *
 * The MADT is the only description of a PC's interrupt wiring short of
 * running AML: where the local APIC and each I/O APIC are, which GSIs each
 * IOAPIC serves, and the interrupt source overrides that move ISA IRQs to
 * other GSIs or make them level-triggered (QEMU: the PIT's IRQ 0 is GSI 2,
 * and IRQs 5, 9, 10, 11 are level, active high). A table that does not
 * parse leaves the kernel without device interrupts, never with wrong ones.
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/unaligned.h>

#include "acpi_tables.h"
#include "madt.h"

#define MADT_HEADER_LEN 44 /* SDT header, local APIC address, flags */
#define MADT_PCAT_COMPAT 1u

/* MPS INTI flags (ACPI table 5.50): 00 = as the bus says, 01 = high /
 * edge, 11 = low / level, 10 reserved. */
#define INTI_POLARITY(f) ((f) & 3u)
#define INTI_TRIGGER(f) (((f) >> 2) & 3u)

static struct madt_info madt;
static int madt_ok;

static unsigned min_len(uint8_t type)
{
    switch (type) {
    case 0: return 8;  /* processor local APIC */
    case 1: return 12; /* I/O APIC */
    case 2: return 10; /* interrupt source override */
    case 4: return 6;  /* local APIC NMI */
    case 5: return 12; /* local APIC address override */
    case 9: return 16; /* processor local x2APIC */
    case 10: return 12; /* local x2APIC NMI */
    case 11: return 76; /* GICC (ACPI 5.1's length; later ones are longer) */
    case 12: return 24; /* GICD */
    case 13: return 24; /* GIC MSI frame */
    case 14: return 16; /* GICR */
    case 15: return 20; /* GIC ITS */
    default: return 2;
    }
}

static void add_cpu(struct madt_info *m, uint32_t uid, uint32_t apic_id, uint32_t flags)
{
    if (!(flags & 3)) /* neither enabled nor online-capable */
        return;
    if (m->ncpus < MADT_MAX_CPUS)
        m->cpus[m->ncpus] = (struct madt_cpu){uid, apic_id, 0};
    m->ncpus++;
}

/* GIC structures (ACPI 6.x, 5.2.12.14-18). */
#define GICC_ENABLED 1u
#define GICC_ONLINE_CAPABLE 8u /* ACPI 6.5; bit 1 is the performance interrupt's mode */
#define GICR_FRAMES 0x20000u   /* a GICv3 redistributor: RD_base and SGI_base, 64 KiB each */

static void add_gicr(struct madt_gic *g, uint64_t base, uint64_t size, const char *what)
{
    if (base == 0 || size == 0 || base + size < base) {
        pr_warn("acpi: MADT %s at %#lx, %#lx bytes; ignored", what, (unsigned long)base,
                (unsigned long)size);
        return;
    }
    if (g->ngicr == MADT_MAX_GICR) {
        pr_warn("acpi: MADT has more than %d redistributor ranges; %s at %#lx ignored",
                MADT_MAX_GICR, what, (unsigned long)base);
        return;
    }
    g->gicr[g->ngicr].base = base;
    g->gicr[g->ngicr++].size = size;
}

static void add_gicc(struct madt_info *m, const uint8_t *e, int *gicr_from_gicc)
{
    uint32_t flags = get_le32(e + 12);
    uint64_t cpu_if = get_le64(e + 32), gicr = get_le64(e + 60), mpidr = get_le64(e + 68);
    m->ngiccs++;
    if (!(flags & (GICC_ENABLED | GICC_ONLINE_CAPABLE)))
        return;
    if (mpidr & ~0xff00ffffffull) {
        pr_warn("acpi: MADT GICC of processor %u has MPIDR %#lx with bits outside Aff0-3; ignored",
                get_le32(e + 8), (unsigned long)mpidr);
        return;
    }
    if (m->ncpus < MADT_MAX_CPUS)
        m->cpus[m->ncpus] = (struct madt_cpu){get_le32(e + 8), get_le32(e + 4), mpidr};
    m->ncpus++;
    if (!m->gic.cpu_if)
        m->gic.cpu_if = cpu_if;
    /* Redistributors are found by GICR entries or, without one, by each
     * GICC's own base: both at once would list the same frames twice. */
    if (gicr && *gicr_from_gicc)
        add_gicr(&m->gic, gicr, GICR_FRAMES, "GICC redistributor");
}

static void add_gic_frame(struct madt_info *m, const uint8_t *e)
{
    struct madt_gic *g = &m->gic;
    uint64_t base = get_le64(e + (e[0] == 14 ? 4 : 8));
    const char *what = e[0] == 12 ? "GICD" : e[0] == 13 ? "GIC MSI frame" : e[0] == 14 ? "GICR range" : "GIC ITS";
    if (e[0] == 14) {
        add_gicr(g, base, get_le32(e + 12), what);
        return;
    }
    if (base == 0) {
        pr_warn("acpi: MADT %s %u at address 0; ignored", what, get_le32(e + 4));
        return;
    }
    if (e[0] == 12) {
        if (g->dist) {
            pr_warn("acpi: MADT has a second GICD (at %#lx); ignored", (unsigned long)base);
            return;
        }
        g->dist = base;
        g->version = e[20] <= 4 ? e[20] : 0;
        if (e[20] > 4)
            pr_warn("acpi: MADT GICD says GIC version %u; asking the hardware", e[20]);
    } else if (e[0] == 13) {
        if (g->nmsi == MADT_MAX_MSI_FRAMES) {
            pr_warn("acpi: MADT has more than %d GIC MSI frames; the one at %#lx ignored",
                    MADT_MAX_MSI_FRAMES, (unsigned long)base);
            return;
        }
        g->msi[g->nmsi].base = base;
        g->msi[g->nmsi].spi_given = get_le32(e + 16) & 1;
        g->msi[g->nmsi].spi_count = (uint16_t)(e[20] | e[21] << 8);
        g->msi[g->nmsi++].spi_base = (uint16_t)(e[22] | e[23] << 8);
    } else {
        if (g->nits == MADT_MAX_ITS) {
            pr_warn("acpi: MADT has more than %d ITSs; the one at %#lx ignored", MADT_MAX_ITS,
                    (unsigned long)base);
            return;
        }
        g->its[g->nits++] = base;
    }
}

/* Whether the table has a GICR entry: if not, each GICC names its CPU's
 * redistributor. */
static int has_gicr_entry(const uint8_t *t, uint32_t len)
{
    for (uint32_t off = MADT_HEADER_LEN; off + 2 <= len && t[off + 1] >= 2; off += t[off + 1])
        if (t[off] == 14)
            return 1;
    return 0;
}

static void add_nmi(struct madt_info *m, uint32_t uid, uint16_t flags, uint8_t lint)
{
    if (lint > 1) {
        pr_warn("acpi: MADT NMI entry names LINT%u; ignored", lint);
        return;
    }
    if (m->nnmis == MADT_MAX_NMIS) {
        pr_warn("acpi: MADT has more than %d NMI entries; extra ignored", MADT_MAX_NMIS);
        return;
    }
    m->nmis[m->nnmis++] = (struct madt_nmi){uid, flags, lint};
}

static void add_ioapic(struct madt_info *m, const uint8_t *e)
{
    uint32_t addr = get_le32(e + 4), base = get_le32(e + 8);
    if (addr == 0) {
        pr_warn("acpi: MADT IOAPIC %u at address 0; ignored", e[2]);
        return;
    }
    if (m->nioapics == MADT_MAX_IOAPICS) {
        pr_warn("acpi: MADT IOAPIC %u (GSI %u) is one more than the %d supported; ignored", e[2],
                base, MADT_MAX_IOAPICS);
        return;
    }
    m->ioapics[m->nioapics++] = (struct madt_ioapic){e[2], addr, base};
}

static void add_override(struct madt_info *m, const uint8_t *e)
{
    unsigned bus = e[2], src = e[3];
    uint32_t gsi = get_le32(e + 4);
    uint16_t flags = (uint16_t)(e[8] | e[9] << 8);
    if (bus != 0 || src > 15) {
        pr_warn("acpi: MADT override of bus %u IRQ %u (not ISA); ignored", bus, src);
        return;
    }
    if (INTI_POLARITY(flags) == 2 || INTI_TRIGGER(flags) == 2) {
        pr_warn("acpi: MADT override of IRQ %u has reserved flags %#x; using ISA defaults", src, flags);
        flags = 0;
    }
    if (m->isa[src].valid) {
        pr_warn("acpi: MADT overrides IRQ %u twice; keeping GSI %u", src, m->isa[src].gsi);
        return;
    }
    m->isa[src] = (struct madt_override){1, flags, gsi};
}

int madt_parse(const uint8_t *t, size_t avail, struct madt_info *out)
{
    memset(out, 0, sizeof *out);
    uint32_t len = acpi_table_valid(t, avail, "APIC", MADT_HEADER_LEN);
    if (!len)
        return -EINVAL;
    out->lapic_addr = get_le32(t + 36);
    out->pcat_compat = (get_le32(t + 40) & MADT_PCAT_COMPAT) != 0;
    int gicr_from_gicc = !has_gicr_entry(t, len);
    for (uint32_t off = MADT_HEADER_LEN; off < len;) {
        const uint8_t *e = t + off;
        unsigned elen = len - off >= 2 ? e[1] : 0;
        if (elen < min_len(e[0]) || elen > len - off) {
            pr_err("acpi: MADT: entry type %u at offset %u has length %u (table %u bytes)", e[0],
                   off, elen, len);
            memset(out, 0, sizeof *out);
            return -EINVAL;
        }
        switch (e[0]) {
        case 0: add_cpu(out, e[2], e[3], get_le32(e + 4)); break;
        case 1: add_ioapic(out, e); break;
        case 2: add_override(out, e); break;
        case 4: add_nmi(out, e[2] == 0xff ? MADT_UID_ALL : e[2], (uint16_t)(e[3] | e[4] << 8), e[5]); break;
        case 5: out->lapic_addr = get_le64(e + 4); break;
        case 9: add_cpu(out, get_le32(e + 12), get_le32(e + 4), get_le32(e + 8)); break;
        case 10: add_nmi(out, get_le32(e + 4), (uint16_t)(e[2] | e[3] << 8), e[8]); break;
        case 11: add_gicc(out, e, &gicr_from_gicc); break;
        case 12: case 13: case 14: case 15: add_gic_frame(out, e); break;
        default: break; /* SAPIC, wakeup...: not ours */
        }
        off += elen;
    }
    if (out->lapic_addr == 0 && !out->gic.dist) {
        pr_err("acpi: MADT: local APIC address is 0, and no GIC distributor is listed");
        memset(out, 0, sizeof *out);
        return -EINVAL;
    }
    return 0;
}

/* ISA: edge, active high unless the override's flags say otherwise. */
static void inti_mode(uint16_t flags, enum irq_trigger *trig, int *active_low)
{
    *trig = INTI_TRIGGER(flags) == 3 ? IRQ_TRIGGER_LEVEL : IRQ_TRIGGER_EDGE;
    if (active_low)
        *active_low = INTI_POLARITY(flags) == 3;
}

int madt_isa_irq(const struct madt_info *m, unsigned isa, unsigned *gsi, enum irq_trigger *trig,
                 int *active_low)
{
    if (isa > 15)
        return -EINVAL;
    const struct madt_override *o = m ? &m->isa[isa] : 0;
    *gsi = o && o->valid ? o->gsi : isa;
    inti_mode(o && o->valid ? o->flags : 0, trig, active_low);
    return 0;
}

void madt_gsi_mode(const struct madt_info *m, unsigned gsi, enum irq_trigger *trig, int *active_low)
{
    /* Not unrolled: sixteen copies are that many more blocks for TCG to
     * translate at boot, where the IOAPIC asks this for every pin. */
#pragma clang loop unroll(disable)
    for (unsigned isa = 0; m && isa < 16; isa++)
        if (m->isa[isa].valid && m->isa[isa].gsi == gsi) {
            inti_mode(m->isa[isa].flags, trig, active_low);
            return;
        }
    /* PCI interrupts are level-triggered, active low (PCI 3.0, 2.2.6). */
    *trig = gsi < 16 ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL;
    *active_low = gsi >= 16;
}

int madt_lint_nmi(const struct madt_info *m, uint32_t apic_id, unsigned *lint, uint16_t *flags)
{
    uint32_t uid = MADT_UID_ALL;
    for (unsigned i = 0; i < m->ncpus && i < MADT_MAX_CPUS; i++)
        if (m->cpus[i].apic_id == apic_id)
            uid = m->cpus[i].uid;
    for (unsigned i = 0; i < m->nnmis; i++)
        if (m->nmis[i].uid == MADT_UID_ALL || (uid != MADT_UID_ALL && m->nmis[i].uid == uid)) {
            *lint = m->nmis[i].lint;
            *flags = m->nmis[i].flags;
            return 0;
        }
    return -ENOENT;
}

int acpi_madt_init(void)
{
    const uint8_t *t = acpi_find_table("APIC");
    if (!t)
        return -ENOENT;
    int err = madt_parse(t, get_le32(t + 4), &madt);
    madt_ok = err == 0;
    return err;
}

const struct madt_info *acpi_madt(void) { return madt_ok ? &madt : 0; }

int acpi_isa_irq(unsigned isa, unsigned *gsi, enum irq_trigger *trig)
{
    return madt_isa_irq(acpi_madt(), isa, gsi, trig, 0);
}
