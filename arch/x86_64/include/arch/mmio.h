/**
 * @file arch/mmio.h
 * @brief x86_64 definitions of hal/mmio.h (include that, not this).
 *
 * Device registers are mapped uncached (PCD/PWT). Stores are not reordered
 * with older stores, and uncached loads are not reordered with anything
 * (SDM vol. 3A, 9.2.2), so an ordered access needs no fence instruction,
 * only a compiler barrier; `mov` of the right width is one access that a
 * hypervisor can decode. The relaxed forms drop the compiler barrier.
 */
#ifndef ARCH_X64_MMIO_H
#define ARCH_X64_MMIO_H

#include <stdint.h>

#define X64_MMIO_RW(bits, type)                                                                \
    static inline type mmio_read##bits##_relaxed(const volatile void *addr)                   \
    {                                                                                          \
        return *(const volatile type *)addr;                                                   \
    }                                                                                          \
    static inline void mmio_write##bits##_relaxed(volatile void *addr, type v)                \
    {                                                                                          \
        *(volatile type *)addr = v;                                                            \
    }                                                                                          \
    static inline type mmio_read##bits(const volatile void *addr)                             \
    {                                                                                          \
        type v;                                                                                \
        __asm__ volatile("mov %1, %0" : "=r"(v) : "m"(*(const volatile type *)addr) : "memory"); \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits(volatile void *addr, type v)                          \
    {                                                                                          \
        __asm__ volatile("mov %1, %0" : "=m"(*(volatile type *)addr) : "r"(v) : "memory");    \
    }

X64_MMIO_RW(8, uint8_t)
X64_MMIO_RW(16, uint16_t)
X64_MMIO_RW(32, uint32_t)
X64_MMIO_RW(64, uint64_t)

#undef X64_MMIO_RW

/* Normal write-back memory shared with a coherent device: stores are seen
 * in order and loads are not reordered with older loads, so only the
 * compiler must be held back. hal_mb() orders stores before later loads,
 * which x86 otherwise allows to pass. */
static inline void hal_dma_wmb(void) { __asm__ volatile("" ::: "memory"); }
static inline void hal_dma_rmb(void) { __asm__ volatile("" ::: "memory"); }
static inline void hal_mb(void) { __asm__ volatile("mfence" ::: "memory"); }

#endif
