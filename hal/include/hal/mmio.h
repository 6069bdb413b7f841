/**
 * @file hal/mmio.h
 * @brief Device register accessors (8/16/32/64 bits) and the barriers that
 *        order them against normal memory.
 *
 * Every driver reaches memory-mapped registers through these, never through
 * a bare `volatile` dereference, for two reasons:
 *
 *  - **Ordering with DMA memory.** A driver writes a descriptor in normal
 *    (cacheable) memory, then rings a doorbell register. On aarch64 the
 *    doorbell is a Device-memory store and the descriptor a Normal-memory
 *    store; the architecture does not order the two, so the device could
 *    read a stale descriptor. The ordered write puts a `dmb oshst` before
 *    the store; the ordered read puts a `dmb oshld` after the load, so a
 *    status read ("the device finished") comes before the reads of the
 *    buffer it describes. On x86_64 stores are not reordered with older
 *    stores and uncached loads are not reordered at all, so the ordered
 *    forms only stop the compiler from moving memory accesses across them.
 *  - **One plain instruction per access.** The compiler may otherwise use a
 *    load/store with writeback or a pair (`ldp`, `ldrd`), which a hypervisor
 *    cannot emulate for a trapped MMIO access (on Arm the syndrome carries
 *    no register for those) and which some devices do not decode.
 *
 * The `_relaxed` forms are ordered only against other accesses to the same
 * device (Device-nGnRnE on aarch64, UC on x86_64, both keep program order to
 * one peripheral), not against normal memory: for hot paths that touch
 * registers only (polling a FIFO, masking an interrupt).
 *
 * All are ISR-safe, never sleep, never allocate, and act on this CPU's view
 * only. @p addr must be naturally aligned and mapped as device memory
 * (hal_ioremap()). Port-mapped registers are in hal/io.h.
 */

/**
 * @defgroup hal_mmio HAL: mmio
 * @brief What an architecture provides for hal/mmio.h. Required: every accessor and barrier, from <arch/mmio.h>.
 * @{
 */
#ifndef HAL_MMIO_H
#define HAL_MMIO_H

#include <stdint.h>

/** @name Ordered accessors
 *  A write is ordered after every earlier write to normal memory (a
 *  descriptor written before a doorbell is visible to the device first); a
 *  read is ordered before every later read of normal memory. */
/** @{ */
static inline uint8_t mmio_read8(const volatile void *addr);   /**< @brief ordered 8-bit read */
static inline uint16_t mmio_read16(const volatile void *addr); /**< @brief ordered 16-bit read */
static inline uint32_t mmio_read32(const volatile void *addr); /**< @brief ordered 32-bit read */
static inline uint64_t mmio_read64(const volatile void *addr); /**< @brief ordered 64-bit read */
static inline void mmio_write8(volatile void *addr, uint8_t v);   /**< @brief ordered 8-bit write */
static inline void mmio_write16(volatile void *addr, uint16_t v); /**< @brief ordered 16-bit write */
static inline void mmio_write32(volatile void *addr, uint32_t v); /**< @brief ordered 32-bit write */
static inline void mmio_write64(volatile void *addr, uint64_t v); /**< @brief ordered 64-bit write */
/** @} */

/** @name Relaxed accessors
 *  Program order only against other accesses to the same device. */
/** @{ */
static inline uint8_t mmio_read8_relaxed(const volatile void *addr);   /**< @brief relaxed 8-bit read */
static inline uint16_t mmio_read16_relaxed(const volatile void *addr); /**< @brief relaxed 16-bit read */
static inline uint32_t mmio_read32_relaxed(const volatile void *addr); /**< @brief relaxed 32-bit read */
static inline uint64_t mmio_read64_relaxed(const volatile void *addr); /**< @brief relaxed 64-bit read */
static inline void mmio_write8_relaxed(volatile void *addr, uint8_t v);   /**< @brief relaxed 8-bit write */
static inline void mmio_write16_relaxed(volatile void *addr, uint16_t v); /**< @brief relaxed 16-bit write */
static inline void mmio_write32_relaxed(volatile void *addr, uint32_t v); /**< @brief relaxed 32-bit write */
static inline void mmio_write64_relaxed(volatile void *addr, uint64_t v); /**< @brief relaxed 64-bit write */
/** @} */

/** @name Barriers for memory shared with devices (DMA)
 *  For ring protocols where both sides are normal memory (a virtqueue's
 *  descriptors and its index). */
/** @{ */
/** @brief Earlier writes to normal memory are seen by devices before later ones. */
static inline void hal_dma_wmb(void);
/** @brief Earlier reads of normal memory complete before later ones (read an index, then the entries). */
static inline void hal_dma_rmb(void);
/** @brief Full barrier: every earlier load and store before every later one, for CPUs and devices. */
static inline void hal_mb(void);
/** @} */

#include <arch/mmio.h> /* the definitions */

/** @} */

#endif
