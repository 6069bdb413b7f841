/**
 * @file kernel/iomem.h
 * @brief Register windows that are not a struct device's own: a mapped
 *        region and the accessors drivers reach it through.
 *
 * Drivers touch registers only through kernel accessors that take a
 * device or a region plus an offset, never through hal/mmio.h's bare
 * pointers (the `boundaries` test, rule 6). A device's own window is
 * dev_read*() / dev_write*() (kernel/driver.h); everything else a driver
 * maps is a struct iomem: a PCI host's ECAM window (one per bus), a BAR
 * (pci_iomap()) and the MSI-X table inside it, the GIC's distributor,
 * redistributor and CPU-interface frames, an ITS or GICv2m frame. The
 * region carries its size, so a sub-window (iomem_sub()) can be handed to
 * code that cannot reach past it, and in builds without NDEBUG (the
 * `-debug` presets) every access checks that it lies inside the region and
 * is naturally aligned: a bad offset executes a trap instruction, which the
 * exception path reports as a panic naming the function, as the debug
 * presets' UBSan checks do.
 *
 * The accessors are hal/mmio.h's, one to one, and order the same way:
 * iomem_readN() / iomem_writeN() are ordered against normal memory (a
 * descriptor before a doorbell, a "done" status before the buffer), the
 * `_relaxed` forms only against other accesses to the same device (the
 * GIC's acknowledge and mask registers, polling). All are static inline,
 * so a release build compiles each to the one load or store (and barrier)
 * it was before: the region's base is one more load at most. ISR-safe,
 * never sleep, never allocate; only iomem_map() maps.
 */
#ifndef KERNEL_IOMEM_H
#define KERNEL_IOMEM_H

#include <hal/mmio.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <stddef.h>
#include <stdint.h>

/** @brief A mapped window of device registers: [base, base + size). */
struct iomem {
    volatile uint8_t *base; /**< mapped registers (device memory), NULL: none */
    size_t size;            /**< bytes from @p base an access may reach */
};

/**
 * @brief Map @p size bytes of registers at physical @p pa into @p r
 *        (hal_ioremap(): mapping the same registers twice gives the same
 *        address).
 * @retval 0 mapped
 * @retval -ENOMEM hal_ioremap() failed (@p size 0, wrapping range, window
 *         full); @p r is then empty ({NULL, 0})
 * @note Thread context, as hal_ioremap(): not from an interrupt handler.
 */
static inline int iomem_map(struct iomem *r, uint64_t pa, uint64_t size)
{
    r->base = hal_ioremap(pa, (size_t)size);
    r->size = r->base ? (size_t)size : 0;
    return r->base ? 0 : -ENOMEM;
}

/**
 * @brief The @p size bytes of @p r from offset @p off, as a region of
 *        their own (an MSI-X table in its BAR, a redistributor in its
 *        region): accesses through it are checked against the smaller size.
 * @return that region, or an empty one ({NULL, 0}) if it does not lie
 *         inside @p r (checked in every build: this is not a hot path)
 * @note Any context.
 */
static inline struct iomem iomem_sub(const struct iomem *r, size_t off, size_t size)
{
    if (!r->base || off > r->size || size > r->size - off)
        return (struct iomem){NULL, 0};
    return (struct iomem){r->base + off, size};
}

/** @brief Address of the @p width-byte register at @p off of @p r; traps
 *         (unless NDEBUG) if it is outside @p r or misaligned. */
static inline volatile void *iomem_at_(const struct iomem *r, size_t off, size_t width)
{
#ifndef NDEBUG
    if (off > r->size || r->size - off < width || (off & (width - 1)))
        __builtin_trap();
#else
    (void)width;
#endif
    return r->base + off;
}

/** @name Ordered accessors (hal/mmio.h's mmio_readN() / mmio_writeN())
 *  A write comes after every earlier store to normal memory, a read
 *  before every later load of normal memory. @p off is a byte offset. */
/** @{ */
/** @brief Read the 8-bit register at @p off of @p r. */
static inline uint8_t iomem_read8(const struct iomem *r, size_t off)
{
    return mmio_read8(iomem_at_(r, off, 1));
}

/** @brief Read the 16-bit register at @p off of @p r. */
static inline uint16_t iomem_read16(const struct iomem *r, size_t off)
{
    return mmio_read16(iomem_at_(r, off, 2));
}

/** @brief Read the 32-bit register at @p off of @p r. */
static inline uint32_t iomem_read32(const struct iomem *r, size_t off)
{
    return mmio_read32(iomem_at_(r, off, 4));
}

/** @brief Read the 64-bit register at @p off of @p r, one access. */
static inline uint64_t iomem_read64(const struct iomem *r, size_t off)
{
    return mmio_read64(iomem_at_(r, off, 8));
}

/** @brief Write the 8-bit register at @p off of @p r. */
static inline void iomem_write8(const struct iomem *r, size_t off, uint8_t v)
{
    mmio_write8(iomem_at_(r, off, 1), v);
}

/** @brief Write the 16-bit register at @p off of @p r. */
static inline void iomem_write16(const struct iomem *r, size_t off, uint16_t v)
{
    mmio_write16(iomem_at_(r, off, 2), v);
}

/** @brief Write the 32-bit register at @p off of @p r. */
static inline void iomem_write32(const struct iomem *r, size_t off, uint32_t v)
{
    mmio_write32(iomem_at_(r, off, 4), v);
}

/** @brief Write the 64-bit register at @p off of @p r, one access. */
static inline void iomem_write64(const struct iomem *r, size_t off, uint64_t v)
{
    mmio_write64(iomem_at_(r, off, 8), v);
}
/** @} */

/** @name Relaxed accessors (hal/mmio.h's `_relaxed` forms)
 *  Program order only against other accesses to the same device. */
/** @{ */
/** @brief iomem_read8(), relaxed. */
static inline uint8_t iomem_read8_relaxed(const struct iomem *r, size_t off)
{
    return mmio_read8_relaxed(iomem_at_(r, off, 1));
}

/** @brief iomem_read16(), relaxed. */
static inline uint16_t iomem_read16_relaxed(const struct iomem *r, size_t off)
{
    return mmio_read16_relaxed(iomem_at_(r, off, 2));
}

/** @brief iomem_read32(), relaxed. */
static inline uint32_t iomem_read32_relaxed(const struct iomem *r, size_t off)
{
    return mmio_read32_relaxed(iomem_at_(r, off, 4));
}

/** @brief iomem_read64(), relaxed. */
static inline uint64_t iomem_read64_relaxed(const struct iomem *r, size_t off)
{
    return mmio_read64_relaxed(iomem_at_(r, off, 8));
}

/** @brief iomem_write8(), relaxed. */
static inline void iomem_write8_relaxed(const struct iomem *r, size_t off, uint8_t v)
{
    mmio_write8_relaxed(iomem_at_(r, off, 1), v);
}

/** @brief iomem_write16(), relaxed. */
static inline void iomem_write16_relaxed(const struct iomem *r, size_t off, uint16_t v)
{
    mmio_write16_relaxed(iomem_at_(r, off, 2), v);
}

/** @brief iomem_write32(), relaxed. */
static inline void iomem_write32_relaxed(const struct iomem *r, size_t off, uint32_t v)
{
    mmio_write32_relaxed(iomem_at_(r, off, 4), v);
}

/** @brief iomem_write64(), relaxed. */
static inline void iomem_write64_relaxed(const struct iomem *r, size_t off, uint64_t v)
{
    mmio_write64_relaxed(iomem_at_(r, off, 8), v);
}
/** @} */

#endif
