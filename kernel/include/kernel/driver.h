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
 */
#ifndef KERNEL_DRIVER_H
#define KERNEL_DRIVER_H

#include <hal/io.h>
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
    enum dev_space space;
    uint64_t base;                     /**< physical address or port */
    uint64_t size;                     /**< bytes (or ports) of the first register window */
    unsigned reg_shift;                /**< register n is at offset n << reg_shift */
    unsigned reg_width;                /**< MMIO access size in bytes for dev_*8 (1 or 4) */
    uint64_t reg_base[DEV_MAX_REGS];   /**< every window, [0] == base (GIC: distributor, CPU if) */
    uint64_t reg_size[DEV_MAX_REGS];
    unsigned nregs;                    /**< windows described (0 for DEV_NONE) */
    unsigned has_irq;                  /**< 1 if irq is valid */
    unsigned irq;                      /**< first interrupt, in the controller's numbering (hal/irq.h) */
    unsigned irq_trigger;              /**< enum irq_trigger: what the description says */
    const void *bus_data;              /**< the bus's view, valid only during probe (DT: const struct fdt *) */
    int is_stdout;                     /**< the platform's chosen console */
    int fdt_node;                      /**< DT node offset, -1 if not from a DT */
    volatile uint8_t *regs;            /**< mapped registers (DEV_MMIO), set by device_map() */
    const struct driver *driver;       /**< bound driver, NULL if none matched */
    uintptr_t driver_data;             /**< the bound driver's own per-device word */
};

/** @brief A driver: its match table and probe function. */
struct driver {
    const char *name;
    const char *const *compatible;     /**< NULL-terminated */
    /** Bring the device up; 0 on success or -errno (the device stays unbound). */
    int (*probe)(struct device *dev);
};

/** @brief Define and register a driver: DRIVER(pl011_driver, .name = ..., ...). */
#define DRIVER(ident, ...)                                                                  \
    static const struct driver ident                                                       \
        __attribute__((used, section(".drivers"), aligned(8))) = {__VA_ARGS__}

/**
 * @brief Whether some driver handles one of the strings in @p compatible (a
 *        NUL-separated list of @p len bytes, as in a DT property). Buses ask
 *        first, so they describe only devices someone will drive.
 */
int driver_exists(const char *compatible, size_t len);

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

/** @brief Map a DEV_MMIO device's registers (dev->regs); 0 or -ENOMEM. */
int device_map(struct device *dev);

/** @brief Number of devices bound to a driver. */
unsigned device_count(void);
/** @brief The @p i-th bound device, NULL past the end. */
const struct device *device_at(unsigned i);

/** @brief Read 8-bit register number @p reg (spaced 1 << reg_shift apart). */
static inline uint8_t dev_read8(const struct device *d, unsigned reg)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        return hal_pio_read8((uint16_t)(d->base + off));
    if (d->reg_width == 4) /* some SoCs only decode 32-bit accesses */
        return (uint8_t)*(volatile uint32_t *)(d->regs + off);
    return d->regs[off];
}

/** @brief Write 8-bit register number @p reg. */
static inline void dev_write8(const struct device *d, unsigned reg, uint8_t v)
{
    unsigned off = reg << d->reg_shift;
    if (d->space == DEV_PIO)
        hal_pio_write8((uint16_t)(d->base + off), v);
    else if (d->reg_width == 4)
        *(volatile uint32_t *)(d->regs + off) = v;
    else
        d->regs[off] = v;
}

/** @brief 32-bit register at byte offset @p off (MMIO devices such as the PL011). */
static inline uint32_t dev_read32(const struct device *d, unsigned off)
{
    if (d->space == DEV_PIO)
        return hal_pio_read32((uint16_t)(d->base + off));
    return *(volatile uint32_t *)(d->regs + off);
}

/** @brief Write the 32-bit register at byte offset @p off. */
static inline void dev_write32(const struct device *d, unsigned off, uint32_t v)
{
    if (d->space == DEV_PIO)
        hal_pio_write32((uint16_t)(d->base + off), v);
    else
        *(volatile uint32_t *)(d->regs + off) = v;
}

#endif
