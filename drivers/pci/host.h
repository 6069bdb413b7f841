/**
 * @file drivers/pci/host.h
 * @brief What a PCI host-bridge driver gives the PCI core: how to reach
 *        configuration space, the windows it forwards, its interrupt map.
 *
 * The core's own host drivers (the DT's ECAM host, pci_host.c) and an
 * architecture's (x86_64's PC host bridge with configuration mechanism #1
 * at ports 0xcf8/0xcfc, arch/x86_64/pci_pc.c) fill a struct pci_host from
 * pci_host_new() and register it with pci_host_add(); the scan runs later.
 */
#ifndef DRIVERS_PCI_HOST_H
#define DRIVERS_PCI_HOST_H

#include <kernel/iomem.h>
#include <pci/pci.h>

#define PCI_HOST_MAX_FUNCS 256 /**< functions kept per host bridge */
#define PCI_IMAP_MAX 64        /**< interrupt-map entries kept per host */

/** @brief How a host reaches configuration space. */
struct pci_cfg_ops {
    /** Read @p width bytes (1, 2, 4) at @p off of bus/devfn; all ones if absent. */
    uint32_t (*read)(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
                     unsigned width);
    /** Write @p width bytes. */
    void (*write)(struct pci_host *h, unsigned bus, unsigned devfn, unsigned off,
                  unsigned width, uint32_t v);
};

/** @brief A range of bus addresses a host forwards, and where the CPU sees it. */
struct pci_window {
    uint64_t bus;  /**< first bus address (0 size: no window) */
    uint64_t cpu;  /**< CPU physical address of @p bus */
    uint64_t size; /**< bytes */
};

/** @brief One interrupt-map entry, decoded (aarch64 INTx). */
struct pci_imap {
    uint32_t addr_hi; /**< the child unit address's first cell (bus/dev/fn), masked */
    uint32_t pin;     /**< the child's INTx pin (1-4), masked */
    unsigned irq;     /**< the kernel interrupt number it routes to */
    unsigned trigger; /**< enum irq_trigger */
};

/** @brief A host bridge and everything found below it. */
struct pci_host {
    const struct pci_cfg_ops *ops;    /**< configuration access */
    void *cfg_priv;                   /**< the access method's state */
    uint64_t ecam_phys;               /**< ECAM base (physical), 0 with ports */
    struct iomem ecam_bus[256];       /**< mapped ECAM, per bus (1 MiB each), empty until reached */
    uint16_t segment;                 /**< PCI segment */
    uint8_t bus_start;                /**< first bus number it decodes */
    uint8_t bus_end;                  /**< last bus number it decodes */
    struct pci_window io;             /**< I/O window */
    struct pci_window mem;            /**< 32-bit memory window (every memory BAR goes here) */
    struct pci_window mem64;          /**< 64-bit window, recorded (not used for assignment) */
    int firmware;                     /**< 1: firmware configured it; we assign nothing */
    /** 1: where the host's I/O window sits for the CPU is not known (an
     *  ACPI host: the DSDT's _CRS says, in AML), so its I/O BARs are left
     *  off and its devices work through their memory BARs. */
    int io_unknown;
    struct device *dev;               /**< the host's driver-model device (parent of all) */
    int fdt_node;                     /**< DT node, -1 if none */
    uint32_t imap_mask_hi;            /**< interrupt-map-mask: the unit address's first cell */
    uint32_t imap_mask_pin;           /**< interrupt-map-mask: the pin cell */
    struct pci_imap imap[PCI_IMAP_MAX];   /**< interrupt-map */
    unsigned nimap;                   /**< entries in imap[] */
    struct pci_dev *devs[PCI_HOST_MAX_FUNCS]; /**< functions found, in bus order */
    unsigned ndevs;                   /**< entries in devs[] */
    unsigned next_bus;                /**< next bus number to give a bridge */
    const char *name;                 /**< for messages */
};

/** @brief ECAM configuration access (h->ecam_bus[] mapped by the caller as buses are reached). */
extern const struct pci_cfg_ops pci_ecam_ops;

/** @brief A zeroed host from a static pool (platform probes run before the heap); NULL when all are taken. */
struct pci_host *pci_host_new(const char *name);

/** @brief Register a host found by a platform driver; its scan runs deferred. 0 or -errno. */
int pci_host_add(struct pci_host *h);

#endif
