/**
 * @file arch/mmio.h
 * @brief aarch64 definitions of hal/mmio.h (include that, not this).
 *
 * Each access is one `ldr`/`str` of the right width with a plain base
 * register, so a trapped access carries a valid syndrome (ISV) and a
 * hypervisor can emulate it. Ordering: `dmb oshst` before an ordered store
 * (earlier Normal stores reach the device's view first), `dmb oshld` after
 * an ordered load (later Normal loads cannot be satisfied before it). Outer
 * shareable, because a device is an observer outside the inner domain.
 */
#ifndef ARCH_A64_MMIO_H
#define ARCH_A64_MMIO_H

#include <stdint.h>

#define A64_MMIO_RW(bits, type, wreg)                                                          \
    static inline type mmio_read##bits##_relaxed(const volatile void *addr)                   \
    {                                                                                          \
        type v;                                                                                \
        __asm__ volatile("ldr" A64_MMIO_SUFFIX_##bits " %" wreg "0, [%1]"                      \
                         : "=r"(v) : "r"(addr) : "memory");                                    \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits##_relaxed(volatile void *addr, type v)                \
    {                                                                                          \
        __asm__ volatile("str" A64_MMIO_SUFFIX_##bits " %" wreg "0, [%1]"                      \
                         : : "rZ"(v), "r"(addr) : "memory");                                   \
    }                                                                                          \
    static inline type mmio_read##bits(const volatile void *addr)                             \
    {                                                                                          \
        type v = mmio_read##bits##_relaxed(addr);                                              \
        __asm__ volatile("dmb oshld" ::: "memory");                                           \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits(volatile void *addr, type v)                          \
    {                                                                                          \
        __asm__ volatile("dmb oshst" ::: "memory");                                           \
        mmio_write##bits##_relaxed(addr, v);                                                   \
    }

#define A64_MMIO_SUFFIX_8 "b"
#define A64_MMIO_SUFFIX_16 "h"
#define A64_MMIO_SUFFIX_32 ""
#define A64_MMIO_SUFFIX_64 ""

A64_MMIO_RW(8, uint8_t, "w")
A64_MMIO_RW(16, uint16_t, "w")
A64_MMIO_RW(32, uint32_t, "w")
A64_MMIO_RW(64, uint64_t, "x")

#undef A64_MMIO_RW

static inline void hal_dma_wmb(void) { __asm__ volatile("dmb oshst" ::: "memory"); }
static inline void hal_dma_rmb(void) { __asm__ volatile("dmb oshld" ::: "memory"); }
static inline void hal_mb(void) { __asm__ volatile("dsb sy" ::: "memory"); }

#endif
