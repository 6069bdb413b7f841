/**
 * @file kernel/driver.h
 * @brief Devices, drivers with match tables, and register accessors.
 *
 * A driver names the `compatible` strings it handles and is placed in the
 * .drivers linker section by DRIVER(); nothing else registers it. Buses
 * (the device tree walker, a PC's fixed legacy devices, later PCI) describe
 * each device they find in a struct device and call device_add(), which
 * binds the first driver whose table matches.
 *
 * Drivers touch registers only through dev_read*() / dev_write*(), so one
 * 16550 driver serves a port-mapped COM1 and a memory-mapped DT UART alike.
 * Windows that are not a device's own (a PCI host's ECAM, a BAR, the GIC's
 * frames) are a struct iomem, reached the same way (kernel/iomem.h).
 * On MMIO they are the hal/mmio.h accessors and give the same ordering:
 *
 *  - dev_readN() / dev_writeN() are **ordered**: a write comes after every
 *    earlier store to normal memory (the descriptor before the doorbell),
 *    a read before every later load of normal memory (the status before
 *    the buffer it describes). Use them by default, and always for a
 *    register write that starts DMA or a read that says DMA finished.
 *  - dev_readN_relaxed() / dev_writeN_relaxed() keep program order only
 *    among accesses to the same device: for hot paths that move data
 *    through registers and not through memory (a UART's FIFO, polling a
 *    status bit), where the barrier would buy nothing.
 *
 * Port I/O (DEV_PIO, x86) is ordered either way: loads and stores are not
 * reordered with IN and OUT (SDM vol. 3A, memory ordering rules), and the
 * port accessors are out-of-line calls, so the compiler keeps them in place. A device on a bus that does not snoop the CPU
 * caches says so in dma_coherent, and kernel/dma.h acts on it.
 */
#ifndef KERNEL_DRIVER_H
#define KERNEL_DRIVER_H

#include <hal/io.h>
#include <hal/mmio.h>
#include <kernel/iomem.h>
#include <stddef.h>
#include <stdint.h>

/** @brief How a device's registers are reached. */
enum dev_space {
    DEV_NONE = 0, /**< no registers described */
    DEV_MMIO,     /**< memory-mapped: base is a physical address */
    DEV_PIO,      /**< I/O ports: base is the first port */
};

#define DEV_NAME_MAX 48    /**< bytes of device name kept */
#define DEV_COMPAT_MAX 128 /**< bytes of compatible list kept */
#define DEV_MAX_REGS 4     /**< register windows kept per device */

/** @brief One device as a bus describes it, plus what its driver keeps. */
struct device {
    char name[DEV_NAME_MAX];           /**< DT node name ("pl011@9000000") or a board name ("com1") */
    char compatible[DEV_COMPAT_MAX];   /**< NUL-separated list, most specific first */
    unsigned compatible_len;           /**< bytes used in compatible[] */
    enum dev_space space;              /**< how the registers are reached */
    uint64_t base;                     /**< physical address or port */
    uint64_t size;                     /**< bytes (or ports) of the first register window */
    unsigned reg_shift;                /**< register n is at offset n << reg_shift */
    unsigned reg_width;                /**< MMIO access size in bytes for dev_*8 (1 or 4) */
    uint64_t reg_base[DEV_MAX_REGS];   /**< every window, [0] == base (GIC: distributor, CPU if) */
    uint64_t reg_size[DEV_MAX_REGS];   /**< bytes of each window in reg_base[] */
    unsigned nregs;                    /**< windows described (0 for DEV_NONE) */
    unsigned has_irq;                  /**< 1 if irq is valid */
    unsigned irq;                      /**< first interrupt, in the controller's numbering (hal/irq.h) */
    unsigned irq_trigger;              /**< enum irq_trigger: what the description says */
    const void *bus_data;              /**< the bus's view, valid only during probe (DT: const struct fdt *) */
    int is_stdout;                     /**< the platform's chosen console */
    int fdt_node;                      /**< DT node offset, -1 if not from a DT */
    volatile uint8_t *regs;            /**< mapped registers (DEV_MMIO), set by device_map() */
    /** 1 if the device's DMA is coherent with the CPU caches, so kernel/dma.h
     *  syncs cost nothing. Settled by device_add(): for a DT device,
     *  dt_dma_coherent() of its node; for a device on a bus, its parent's;
     *  for any other, what its describer put here (the arch's platform code
     *  knows: a PC's DMA is snooped by its caches, so x86_64 says 1). */
    unsigned dma_coherent;
    /** The device this one sits on (a PCI function's host bridge, a virtio
     *  device's transport), or NULL for a platform device. device_add()
     *  copies dma_coherent from it, so a bus decides for everything below. */
    const struct device *parent;
    /** The bus's own object for this device, kept for the device's life
     *  (PCI: struct pci_dev *; virtio: struct virtio_device *). Unlike
     *  bus_data it stays valid after the probe. */
    void *bus_dev;
    const struct driver *driver;       /**< bound driver, NULL if none matched */
    /** 1 if the bus looked and found nothing at this address (a virtio-mmio
     *  slot whose DeviceID is 0): bound, so the slot is not offered again,
     *  but not a device, so `devices` does not list it. */
    unsigned vacant;
    uintptr_t driver_data;             /**< the bound driver's own per-device word */
};

/** @brief A driver: its match table and probe function. */
struct driver {
    const char *name;                  /**< for logs and `devices` */
    const char *const *compatible;     /**< NULL-terminated */
    /** Bring the device up; 0 on success or -errno (the device stays unbound). */
    int (*probe)(struct device *dev);
    /** 1: nothing before the shell's prompt needs this device, so a bus
     *  that finds it at boot only notes where it is and describes and
     *  probes it in the probe thread after the prompt (see device_defer()).
     *  For buses and disks and what only they use: PCI hosts, virtio-mmio
     *  slots, the GICv3 ITS and GICv2m frames (MSI controllers). */
    int late;
};

/** @brief The DRIVER() descriptors, [start, end): a section each arch's linker script bounds (kernel/sections.h). */
extern const struct driver __drivers_start[];
extern const struct driver __drivers_end[]; /**< one past the last DRIVER() */

/** @brief Define and register a driver: DRIVER(pl011_driver, .name = ..., ...). */
#define DRIVER(ident, ...)                                                                  \
    static const struct driver ident                                                       \
        __attribute__((used, section(".drivers"), aligned(8))) = {__VA_ARGS__}

/**
 * @brief The driver that handles one of the strings in @p compatible (a
 *        NUL-separated list of @p len bytes, as in a DT property). Buses ask
 *        first, so they describe only devices someone will drive.
 * @return that driver (the list's most specific string that has one wins), or NULL
 */
const struct driver *driver_find(const char *compatible, size_t len);

struct boot_fb;

/**
 * @brief Describe the framebuffer the boot protocol set up (@p fb, from
 *        struct boot_info) as the device "fb0", compatible
 *        "boot-framebuffer", with @p fb as its bus_data, and add it.
 * @retval -ENODEV no framebuffer (fb->phys 0), or no driver for it
 * @return otherwise what device_add() returns
 */
int device_add_boot_fb(const struct boot_fb *fb);

/** @brief Append one string to a device's compatible list; -ENOSPC if full. */
int device_add_compatible(struct device *dev, const char *compat);

/**
 * @brief Bind @p dev to the first matching driver and probe it.
 *
 * The device is copied into the kernel's device table (callers may pass a
 * stack object).
 * @return 0 when bound, -ENODEV if no driver matches, -ENOSPC if the table is
 *         full, or the probe's error
 */
int device_add(const struct device *dev);

/**
 * @brief Handle @p dev's interrupt with @p fn(irq, dev): applies the trigger
 *        mode its description gave (dev->irq_trigger), then irq_register().
 * @return 0, -ENOENT (the device has no interrupt), or irq_configure()'s /
 *         irq_register()'s error
 */
int device_request_irq(struct device *dev, void (*fn)(unsigned irq, void *dev), const char *name);

/**
 * @brief Run @p fn(@p arg) once memory, threads and timers exist.
 *
 * Platform devices are probed while the arch reads its firmware tables,
 * before the page allocator and the scheduler. A bus that needs them to
 * scan (PCI: DMA memory, interrupts, timeouts) registers its scan here
 * from its probe. kmain's `probe` thread runs the work in the order it was
 * registered, after the shell's prompt (the prompt does not wait for a
 * disk), and then wakes device_probe_wait()'s callers.
 * @retval 0 queued
 * @retval -EINVAL @p fn NULL
 * @retval -ENOSPC DEVICE_DEFER_MAX calls queued already, or probing has
 *         finished (a warning names @p fn)
 * @note Any context until device_run_deferred() has finished: work a
 *       deferred function queues (a late host queueing its scan) runs in
 *       the same pass, after everything queued before it.
 */
int device_defer(void (*fn)(void *arg), void *arg);

/** @brief Most device_defer() calls kept. */
#define DEVICE_DEFER_MAX 16

/** @brief Run every device_defer() function, then mark probing done. Called once, by kmain's probe thread. */
void device_run_deferred(void);

/**
 * @brief Sleep until deferred probing (device_run_deferred()) has finished.
 *
 * Commands and tests that list or use devices found late (lspci, lsblk,
 * blk, a disk test) call it first, so what they see does not depend on how
 * soon after the prompt they ran. Returns at once when probing is done, or
 * when there are no threads to wait with (the no-scheduler fallback).
 * @note Thread context; may sleep.
 */
void device_probe_wait(void);

/** @brief Map a DEV_MMIO device's registers (dev->regs); 0 or -ENOMEM. */
int device_map(struct device *dev);

/** @brief Number of devices bound to a driver. */
unsigned device_count(void);
/** @brief The @p i-th bound device, NULL past the end. */
const struct device *device_at(unsigned i);

struct fdt;

/**
 * @brief Whether DT node @p node describes a DMA master coherent with the
 *        CPU caches.
 *
 * The DT spec ("dma-coherent", "dma-noncoherent", both empty properties):
 * the nearest of @p node and its ancestors that has either decides, so a
 * `dma-coherent` on a bus covers every device below it (Linux's
 * of_dma_is_coherent() reads it the same way). With neither anywhere the
 * answer is 0: the property exists for architectures whose DMA is not
 * coherent by default, which is every architecture we boot from a DT.
 * QEMU virt marks its PCIe host and virtio-mmio transports `dma-coherent`;
 * its PL011 has no DMA and no property.
 * @param fdt the tree (const struct fdt *)
 * @param node a node offset in it
 * @return 1 coherent, 0 not (also for a bad @p node)
 * @note Thread context or ISR, no allocation; walks the tree (fdt_parent()).
 */
int dt_dma_coherent(const struct fdt *fdt, int node);

/** @brief Address of MMIO register @p off of @p d (a byte offset into dev->regs). */
static inline volatile void *dev_reg_(const struct device *d, unsigned off)
{
    return d->regs + off;
}

/**
 * @brief Read 8-bit register number @p reg (registers spaced 1 << reg_shift
 *        bytes apart; a 32-bit access if the description says reg-io-width 4).
 *        Ordered (see the file comment). ISR-safe.
 */
static inline uint8_t dev_read8(const struct device *d, unsigned reg)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        return hal_pio_read8((uint16_t)(d->base + off));
    if (d->reg_width == 4) /* some SoCs only decode 32-bit accesses */
        return (uint8_t)mmio_read32(dev_reg_(d, off));
    return mmio_read8(dev_reg_(d, off));
}

/** @brief Write 8-bit register number @p reg. Ordered. ISR-safe. */
static inline void dev_write8(const struct device *d, unsigned reg, uint8_t v)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        hal_pio_write8((uint16_t)(d->base + off), v);
    else if (d->reg_width == 4)
        mmio_write32(dev_reg_(d, off), v);
    else
        mmio_write8(dev_reg_(d, off), v);
}

/** @brief dev_read8() ordered only against this device's other accesses. ISR-safe. */
static inline uint8_t dev_read8_relaxed(const struct device *d, unsigned reg)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        return hal_pio_read8((uint16_t)(d->base + off));
    if (d->reg_width == 4)
        return (uint8_t)mmio_read32_relaxed(dev_reg_(d, off));
    return mmio_read8_relaxed(dev_reg_(d, off));
}

/** @brief dev_write8() ordered only against this device's other accesses. ISR-safe. */
static inline void dev_write8_relaxed(const struct device *d, unsigned reg, uint8_t v)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        hal_pio_write8((uint16_t)(d->base + off), v);
    else if (d->reg_width == 4)
        mmio_write32_relaxed(dev_reg_(d, off), v);
    else
        mmio_write8_relaxed(dev_reg_(d, off), v);
}

/** @brief 16-bit register at byte offset @p off. Ordered. ISR-safe. */
static inline uint16_t dev_read16(const struct device *d, unsigned off)
{
    if (d->space == DEV_PIO)
        return hal_pio_read16((uint16_t)(d->base + off));
    return mmio_read16(dev_reg_(d, off));
}

/** @brief Write the 16-bit register at byte offset @p off. Ordered. ISR-safe. */
static inline void dev_write16(const struct device *d, unsigned off, uint16_t v)
{
    if (d->space == DEV_PIO)
        hal_pio_write16((uint16_t)(d->base + off), v);
    else
        mmio_write16(dev_reg_(d, off), v);
}

/** @brief 32-bit register at byte offset @p off (MMIO devices such as the PL011). Ordered. ISR-safe. */
static inline uint32_t dev_read32(const struct device *d, unsigned off)
{
    if (d->space == DEV_PIO)
        return hal_pio_read32((uint16_t)(d->base + off));
    return mmio_read32(dev_reg_(d, off));
}

/** @brief Write the 32-bit register at byte offset @p off. Ordered. ISR-safe. */
static inline void dev_write32(const struct device *d, unsigned off, uint32_t v)
{
    if (d->space == DEV_PIO)
        hal_pio_write32((uint16_t)(d->base + off), v);
    else
        mmio_write32(dev_reg_(d, off), v);
}

/** @brief dev_read32() ordered only against this device's other accesses. ISR-safe. */
static inline uint32_t dev_read32_relaxed(const struct device *d, unsigned off)
{
    if (d->space == DEV_PIO)
        return hal_pio_read32((uint16_t)(d->base + off));
    return mmio_read32_relaxed(dev_reg_(d, off));
}

/** @brief dev_write32() ordered only against this device's other accesses. ISR-safe. */
static inline void dev_write32_relaxed(const struct device *d, unsigned off, uint32_t v)
{
    if (d->space == DEV_PIO)
        hal_pio_write32((uint16_t)(d->base + off), v);
    else
        mmio_write32_relaxed(dev_reg_(d, off), v);
}

/**
 * @brief 64-bit register at byte offset @p off, one access. Ordered. ISR-safe.
 * @note Port I/O has no 64-bit access: on a DEV_PIO device this is two
 *       32-bit reads, low port first, not atomic.
 */
static inline uint64_t dev_read64(const struct device *d, unsigned off)
{
    if (d->space == DEV_PIO) {
        uint64_t lo = hal_pio_read32((uint16_t)(d->base + off));
        return lo | (uint64_t)hal_pio_read32((uint16_t)(d->base + off + 4)) << 32;
    }
    return mmio_read64(dev_reg_(d, off));
}

/**
 * @brief Write the 64-bit register at byte offset @p off, one access. Ordered. ISR-safe.
 * @note DEV_PIO: two 32-bit writes, low port first, not atomic.
 */
static inline void dev_write64(const struct device *d, unsigned off, uint64_t v)
{
    if (d->space == DEV_PIO) {
        hal_pio_write32((uint16_t)(d->base + off), (uint32_t)v);
        hal_pio_write32((uint16_t)(d->base + off + 4), (uint32_t)(v >> 32));
    } else {
        mmio_write64(dev_reg_(d, off), v);
    }
}

#endif
