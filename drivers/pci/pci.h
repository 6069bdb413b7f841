/**
 * @file drivers/pci/pci.h
 * @brief PCI and PCI Express: host bridges, enumeration, BARs, capabilities
 *        and device interrupts (MSI-X, MSI, INTx).
 *
 * A host bridge is found by the platform (a DT `pci-host-ecam-generic`
 * node; on x86 the ACPI MCFG table, or ports 0xCF8/0xCFC on a `pc` without
 * one) and registered with pci_host_register(). Its scan runs once memory,
 * threads and timers exist (device_defer()): every bus below the host is
 * walked through PCI-PCI bridges and PCIe root ports, bus numbers are
 * assigned where firmware left them, BARs are sized and, where firmware did
 * not assign them, placed in the host's windows (bridge windows programmed
 * to match); what firmware assigned is left alone.
 *
 * Each function found becomes a struct pci_dev and is offered to the
 * driver model as a struct device whose compatible list is, most specific
 * first (the IEEE 1275 PCI binding's names):
 *
 *     "pciVVVV,DDDD"      vendor and device id, 4 lowercase hex digits each
 *     "pciclass,CCSSPP"   class, subclass, programming interface
 *     "pciclass,CCSS"     class and subclass
 *
 * so a PCI driver is an ordinary DRIVER() whose table names those strings;
 * dev->bus_dev is its struct pci_dev, dev->parent the host bridge.
 * Memory decoding, I/O decoding and bus mastering are enabled only by the
 * driver that binds (pci_enable()).
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <kernel/driver.h>
#include <kernel/iomem.h>
#include <stddef.h>
#include <stdint.h>

/** @name Configuration space offsets (type 0 and 1 headers) */
/** @{ */
#define PCI_VENDOR_ID 0x00      /**< 16 bits; 0xffff: no function */
#define PCI_DEVICE_ID 0x02      /**< 16 bits */
#define PCI_COMMAND 0x04        /**< 16 bits */
#define PCI_STATUS 0x06         /**< 16 bits */
#define PCI_CLASS_REV 0x08      /**< class << 8 | revision */
#define PCI_HEADER_TYPE 0x0e    /**< 8 bits; bit 7: multi-function */
#define PCI_BAR0 0x10           /**< first BAR */
#define PCI_SUBSYS_VENDOR 0x2c  /**< type 0 */
#define PCI_SUBSYS_ID 0x2e      /**< type 0 */
#define PCI_CAP_PTR 0x34        /**< first capability */
#define PCI_INTERRUPT_LINE 0x3c /**< 8 bits, what firmware routed INTx to */
#define PCI_INTERRUPT_PIN 0x3d  /**< 8 bits, 1-4 = INTA-INTD, 0 none */
/** @} */

/** @name Command register bits */
/** @{ */
#define PCI_CMD_IO 0x0001          /**< I/O space decoding */
#define PCI_CMD_MEMORY 0x0002      /**< memory space decoding */
#define PCI_CMD_MASTER 0x0004      /**< bus mastering (DMA, MSI writes) */
#define PCI_CMD_INTX_DISABLE 0x0400 /**< INTx assertion disabled */
/** @} */

/** @name Capability ids */
/** @{ */
#define PCI_CAP_MSI 0x05    /**< MSI */
#define PCI_CAP_VENDOR 0x09 /**< vendor-specific (virtio's structures) */
#define PCI_CAP_PCIE 0x10   /**< PCI Express */
#define PCI_CAP_MSIX 0x11   /**< MSI-X */
/** @} */

/** @brief One BAR as sized and placed. */
struct pci_bar {
    uint64_t bus_addr; /**< address on the PCI bus (what the BAR holds) */
    uint64_t cpu_addr; /**< where the CPU reaches it (through the host's ranges) */
    uint64_t size;     /**< bytes; 0: BAR not implemented */
    unsigned flags;    /**< PCI_BAR_* */
};

#define PCI_BAR_IO 0x1        /**< I/O space, not memory */
#define PCI_BAR_64 0x2        /**< 64-bit memory BAR (takes this slot and the next) */
#define PCI_BAR_PREFETCH 0x4  /**< prefetchable memory */
#define PCI_BAR_FIRMWARE 0x8  /**< firmware had assigned it; left alone */
#define PCI_BAR_ASSIGNED 0x10 /**< we assigned it */
#define PCI_BAR_FAILED 0x20   /**< needed a place and found none (the device is not enabled) */

/** @brief How a device's interrupts are delivered (pci_alloc_irqs()). */
enum pci_irq_mode {
    PCI_IRQ_NONE = 0, /**< none allocated */
    PCI_IRQ_INTX = 1, /**< the legacy pin, one vector, possibly shared */
    PCI_IRQ_MSI = 2,  /**< MSI, 1-32 vectors */
    PCI_IRQ_MSIX = 4, /**< MSI-X, a table entry per vector */
};

#define PCI_IRQ_ALL (PCI_IRQ_INTX | PCI_IRQ_MSI | PCI_IRQ_MSIX) /**< any mode */
#define PCI_MAX_VECTORS 32u /**< most vectors one device gets */

struct pci_host;

/** @brief One PCI function. */
struct pci_dev {
    struct pci_host *host;    /**< the host bridge it sits below */
    struct pci_dev *bridge;   /**< the bridge it sits behind, NULL on the root bus */
    uint16_t segment;         /**< PCI segment (domain) */
    uint8_t bus;              /**< bus number */
    uint8_t slot;             /**< device number (0-31) */
    uint8_t func;             /**< function number (0-7) */
    uint16_t vendor;          /**< vendor id */
    uint16_t device;          /**< device id */
    uint32_t class_code;      /**< class << 16 | subclass << 8 | prog-if */
    uint8_t revision;         /**< revision id */
    uint8_t header_type;      /**< 0 device, 1 PCI-PCI bridge (bit 7 masked off) */
    uint8_t intx_pin;         /**< 1-4 = INTA-INTD, 0 none */
    uint8_t msi_cap;          /**< offset of the MSI capability, 0 if none */
    uint8_t msix_cap;         /**< offset of the MSI-X capability, 0 if none */
    uint8_t pcie_cap;         /**< offset of the PCIe capability, 0 if none */
    struct pci_bar bar[6];    /**< BARs (a 64-bit one fills slot i, slot i+1 is empty) */
    struct device *dev;       /**< the driver-model device once bound, else NULL */
    /* Interrupts, as pci_alloc_irqs() left them. */
    enum pci_irq_mode irq_mode;       /**< mode in use */
    unsigned nvec;                    /**< vectors allocated */
    unsigned irqs[PCI_MAX_VECTORS];   /**< kernel interrupt number of each vector */
    void *priv;                       /**< the PCI core's own state */
};

/* ---- configuration space ---- */

/** @brief Read a configuration register of @p pd (offset naturally aligned, below 4096). ISR-safe. */
uint32_t pci_read32(const struct pci_dev *pd, unsigned off);
uint16_t pci_read16(const struct pci_dev *pd, unsigned off); /**< @brief 16-bit pci_read32() */
uint8_t pci_read8(const struct pci_dev *pd, unsigned off);   /**< @brief 8-bit pci_read32() */
void pci_write32(const struct pci_dev *pd, unsigned off, uint32_t v); /**< @brief write a register */
void pci_write16(const struct pci_dev *pd, unsigned off, uint16_t v); /**< @brief 16-bit write */
void pci_write8(const struct pci_dev *pd, unsigned off, uint8_t v);   /**< @brief 8-bit write */

/**
 * @brief The next capability with id @p id after offset @p prev (0: from the
 *        start of the list).
 *
 * Safe on a broken list: a pointer out of range (below 0x40, unaligned, or
 * past 0xff) or a loop ends the walk with a warning naming the device.
 * @return the capability's offset, or 0 if there is no further one
 */
unsigned pci_find_cap(const struct pci_dev *pd, uint8_t id, unsigned prev);

/* ---- using a device ---- */

/** @brief The struct pci_dev behind a device bound through the PCI bus (dev->bus_dev), NULL otherwise. */
struct pci_dev *pci_dev_of(const struct device *dev);

/**
 * @brief Map BAR @p bar's memory (once; later calls give the same
 *        mapping) as a region for the kernel/iomem.h accessors, which
 *        check every offset against the BAR's size in debug builds.
 * @param pd the function
 * @param bar 0-5
 * @param r set to the BAR's registers; empty ({NULL, 0}) on failure
 * @retval 0 mapped
 * @retval -EINVAL @p bar is not 0-5
 * @retval -ENODEV no memory BAR there, or it has no address
 * @retval -ENOMEM no memory for the PCI core's state, or no room to map
 * @note Thread context (hal_ioremap()).
 */
int pci_iomap(struct pci_dev *pd, unsigned bar, struct iomem *r);

/**
 * @brief pci_iomap()'s mapping as a bare address, for a caller that has
 *        not moved to struct iomem yet (a driver reaches registers only
 *        through accessors that take a region: use pci_iomap()).
 * @return the registers' virtual address, or NULL (no such memory BAR, not
 *         assigned, or no room to map)
 */
volatile void *pci_map_bar(struct pci_dev *pd, unsigned bar);

/**
 * @brief Turn on decoding of the device's assigned BARs, and bus mastering
 *        if @p master (needed for DMA and MSI). Called by the bound driver.
 * @retval 0 enabled
 * @retval -EIO a BAR the device implements could not be assigned
 */
int pci_enable(struct pci_dev *pd, int master);

/** @brief Undo pci_enable(): decoding and bus mastering off. */
void pci_disable(struct pci_dev *pd);

/**
 * @brief Allocate between @p min and @p max interrupt vectors, trying
 *        MSI-X, then MSI, then INTx, among the modes in @p modes.
 *
 * MSI-X and MSI come from the MSI controller that serves the device's
 * requester ID (msi_chip_for_rid(): the host's msi-map on aarch64, the
 * local APIC on x86); the device's table or capability is programmed and
 * its entries left masked until pci_request_irq(). INTx: aarch64 through the
 * host's interrupt-map with the bridge swizzle; x86 through the IOAPIC GSI
 * in the Interrupt Line register that firmware wrote (SeaBIOS routes every
 * pin). INTx gives one vector, which other devices may share.
 * @return the number of vectors (>= @p min), or -EINVAL (bad arguments),
 *         -ENOSPC (no mode could give @p min vectors), -ENODEV (no
 *         interrupt at all)
 */
int pci_alloc_irqs(struct pci_dev *pd, unsigned min, unsigned max, unsigned modes);

/**
 * @brief Handle vector @p vec with @p fn(irq, @p arg) and unmask it.
 *
 * An INTx vector may be shared: every handler on the line is called, and
 * each must check its device's status and return quietly if it was not
 * the one interrupting. An MSI-X or single MSI vector can then be moved
 * to another CPU with irq_set_affinity(): the device's entry is rewritten
 * when the message changes.
 * @return 0, -EINVAL (no such vector), or irq_register()'s error
 */
int pci_request_irq(struct pci_dev *pd, unsigned vec, void (*fn)(unsigned irq, void *arg),
                    void *arg, const char *name);

/** @brief Unregister every handler and free every vector pci_alloc_irqs() gave. */
void pci_free_irqs(struct pci_dev *pd);

/** @brief Number of PCI functions found (bound or not). */
unsigned pci_count(void);
/** @brief The @p i-th function found, in bus order; NULL past the end. */
struct pci_dev *pci_at(unsigned i);

#endif
