/**
 * @file madt.h
 * @brief What the ACPI MADT ("APIC" table) says about interrupt
 *        controllers, and the ISA IRQ -> GSI mapping other drivers need.
 *
 * madt.c parses the table once at boot (acpi_madt_init()); the x86 platform
 * code (arch/x86_64/platform.c) turns the result into "lapic" and "ioapic"
 * devices, and the IOAPIC driver asks it for each GSI's trigger and polarity.
 * An arm64 machine's MADT lists GIC structures instead (ACPI 6.x, 5.2.12.14
 * to 5.2.12.18): each CPU's interface with its MPIDR, the distributor, the
 * redistributor ranges, the ITSs and the GICv2m MSI frames, which aarch64's
 * ACPI describer (arch/aarch64/acpi.c) turns into the devices a device tree
 * would have given.
 * The parser itself (madt_parse and the madt_* queries) touches no hardware,
 * so the host unit test runs it on hand-built tables. Context: the madt_*
 * functions read only their arguments (any context, no allocation; they log
 * what they reject); acpi_madt_init() is
 * boot-time; acpi_madt() and acpi_isa_irq() only read what it kept (any
 * context after it ran).
 */
#ifndef DRIVERS_ACPI_MADT_H
#define DRIVERS_ACPI_MADT_H

#include <kernel/irq.h>
#include <stddef.h>
#include <stdint.h>

#define MADT_MAX_IOAPICS 4 /**< IOAPICs kept (QEMU has one, big servers a few) */
#define MADT_MAX_CPUS 16   /**< processor entries kept (all are counted) */
#define MADT_MAX_NMIS 8    /**< local APIC NMI entries kept */
#define MADT_UID_ALL 0xffffffffu /**< NMI entry for every processor */
#define MADT_MAX_GICR 3    /**< GICv3 redistributor ranges kept (struct device has room for 3) */
#define MADT_MAX_ITS 4     /**< GICv3 ITSs kept */
#define MADT_MAX_MSI_FRAMES 4 /**< GICv2m MSI frames kept */

/** @brief One I/O APIC (MADT type 1). */
struct madt_ioapic {
    uint8_t id;        /**< I/O APIC id */
    uint32_t addr;     /**< physical address of IOREGSEL */
    uint32_t gsi_base; /**< GSI of its pin 0 */
};

/** @brief One processor's local APIC (MADT type 0 or 9), or its GIC CPU interface (type 11). */
struct madt_cpu {
    uint32_t uid;      /**< ACPI processor UID */
    uint32_t apic_id;  /**< its local APIC id (a GICC: its CPU interface number) */
    uint64_t mpidr;    /**< a GICC's MPIDR_EL1 affinity fields; 0 for an APIC */
};

/** @brief A GIC's pieces from the MADT (arm64), all physical addresses. */
struct madt_gic {
    unsigned version;     /**< the GICD entry's GIC version (1-4); 0: the entry says "ask the hardware" */
    uint64_t dist;        /**< the distributor (GICD), 0 if no GICD entry */
    uint64_t cpu_if;      /**< the GICv2 CPU interface, from the first GICC entry (0 on GICv3) */
    unsigned ngicr;       /**< redistributor ranges kept in gicr[] */
    struct {
        uint64_t base;    /**< first byte of the range */
        uint64_t size;    /**< bytes */
    } gicr[MADT_MAX_GICR]; /**< GICR entries, else one frame pair per GICC's GICR base */
    unsigned nits;        /**< ITSs kept */
    uint64_t its[MADT_MAX_ITS]; /**< each ITS's register frame */
    unsigned nmsi;        /**< GICv2m frames kept */
    struct {
        uint64_t base;    /**< the frame */
        uint16_t spi_base; /**< first SPI it raises, when spi_given */
        uint16_t spi_count; /**< how many, when spi_given */
        int spi_given;    /**< 1: the entry overrides the frame's MSI_TYPER */
    } msi[MADT_MAX_MSI_FRAMES]; /**< GIC MSI frames */
};

/** @brief Which LINT pin of which processor's local APIC is the NMI (type 4 / 10). */
struct madt_nmi {
    uint32_t uid;      /**< MADT_UID_ALL for all processors */
    uint16_t flags;    /**< MPS INTI flags: polarity bits 1:0, trigger bits 3:2 */
    uint8_t lint;      /**< 0 or 1 */
};

/** @brief ISA IRQ -> GSI with MPS INTI flags (MADT type 2). */
struct madt_override {
    uint8_t valid;     /**< an override exists for this ISA IRQ */
    uint16_t flags;    /**< MPS INTI flags: polarity bits 1:0, trigger bits 3:2 */
    uint32_t gsi;      /**< where the ISA IRQ arrives */
};

/** @brief Everything kept from one MADT. */
struct madt_info {
    uint64_t lapic_addr;        /**< after the 64-bit override (type 5), if any */
    int pcat_compat;            /**< a dual 8259 is present and must be masked */
    unsigned ncpus;             /**< usable processors (enabled or online-capable) */
    struct madt_cpu cpus[MADT_MAX_CPUS]; /**< the first MADT_MAX_CPUS of them */
    unsigned nioapics;          /**< I/O APICs kept */
    struct madt_ioapic ioapics[MADT_MAX_IOAPICS]; /**< the I/O APICs */
    struct madt_override isa[16]; /**< overrides, indexed by ISA IRQ */
    unsigned nnmis;             /**< NMI entries kept */
    struct madt_nmi nmis[MADT_MAX_NMIS]; /**< local APIC NMI pins */
    struct madt_gic gic;        /**< arm64's GIC, zero on a PC */
    unsigned ngiccs;            /**< GICC entries seen, usable or not (0 on a PC) */
};

/**
 * @brief Parse the MADT @p t, of which @p avail bytes are readable.
 *
 * Header length and checksum are verified and every entry must fit inside
 * the table with at least its type's length: a structural error rejects the
 * whole table (logged). Entries that are well-formed but unusable (an IOAPIC
 * at address 0, an override of a non-ISA bus, one IOAPIC too many) are
 * skipped with a warning.
 * @retval 0 @p out filled in
 * @retval -EINVAL malformed (@p out is then zeroed)
 */
int madt_parse(const uint8_t *t, size_t avail, struct madt_info *out);

/**
 * @brief Where ISA IRQ @p isa arrives: its GSI and trigger, and polarity if
 *        @p active_low is not NULL. Without an override: GSI = @p isa,
 *        edge, active high (the ISA bus default).
 * @retval 0
 * @retval -EINVAL @p isa > 15
 */
int madt_isa_irq(const struct madt_info *m, unsigned isa, unsigned *gsi, enum irq_trigger *trig,
                 int *active_low);

/**
 * @brief The default trigger and polarity of GSI @p gsi: an override that
 *        targets it decides; else GSIs 0-15 are ISA (edge, high) and the rest
 *        PCI (level, low). @p m may be NULL (no MADT).
 */
void madt_gsi_mode(const struct madt_info *m, unsigned gsi, enum irq_trigger *trig, int *active_low);

/**
 * @brief The NMI pin of the local APIC with id @p apic_id.
 * @retval 0 @p lint and @p flags set
 * @retval -ENOENT no NMI entry applies
 */
int madt_lint_nmi(const struct madt_info *m, uint32_t apic_id, unsigned *lint, uint16_t *flags);

/**
 * @brief Find, parse and keep the firmware's MADT.
 * @retval 0
 * @retval -ENOENT no valid "APIC" table
 * @retval -EINVAL malformed
 */
int acpi_madt_init(void);

/** @brief The MADT kept by acpi_madt_init(), NULL if there is none. */
const struct madt_info *acpi_madt(void);

/**
 * @brief madt_isa_irq() on the firmware's MADT (identity, edge without one).
 *        For platform code filling struct device's irq for ISA devices.
 */
int acpi_isa_irq(unsigned isa, unsigned *gsi, enum irq_trigger *trig);

#endif
