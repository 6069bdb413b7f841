/**
 * @file arch/mmio.h
 * @brief Host (unit-test) definitions of hal/mmio.h: plain volatile accesses
 *        with compiler barriers, over "registers" the tests keep in memory.
 */
#ifndef ARCH_HOST_MMIO_H
#define ARCH_HOST_MMIO_H

#include <stdint.h>

#define HOST_MMIO_RW(bits, type)                                                               \
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
        type v = *(const volatile type *)addr;                                                 \
        __atomic_thread_fence(__ATOMIC_ACQUIRE);                                               \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits(volatile void *addr, type v)                          \
    {                                                                                          \
        __atomic_thread_fence(__ATOMIC_RELEASE);                                               \
        *(volatile type *)addr = v;                                                            \
    }

HOST_MMIO_RW(8, uint8_t)
HOST_MMIO_RW(16, uint16_t)
HOST_MMIO_RW(32, uint32_t)
HOST_MMIO_RW(64, uint64_t)

#undef HOST_MMIO_RW

static inline void hal_dma_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void hal_dma_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void hal_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

#endif
