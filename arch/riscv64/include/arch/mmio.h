/**
 * @file arch/mmio.h
 * @brief riscv64 definitions of hal/mmio.h (include that, not this).
 *
 * Each access is one load or store of the right width. Device regions are
 * I/O by the platform's physical memory attributes (RVWMO orders I/O
 * accesses to one device among themselves, "point-to-point"), so the relaxed
 * accessors need no fence. Ordered ones follow the RISC-V memory model's
 * I/O rules as Linux's do: `fence w,o` before a store (earlier normal
 * stores, e.g. a DMA descriptor, are visible before the device is told) and
 * `fence i,r` after a load (later normal loads cannot pass it).
 */
#ifndef ARCH_RV64_MMIO_H
#define ARCH_RV64_MMIO_H

#include <stdint.h>

#define RV64_MMIO_RW(bits, type, ld, st)                                                       \
    static inline type mmio_read##bits##_relaxed(const volatile void *addr)                   \
    {                                                                                          \
        type v;                                                                                \
        __asm__ volatile(ld " %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");                    \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits##_relaxed(volatile void *addr, type v)                \
    {                                                                                          \
        __asm__ volatile(st " %z0, 0(%1)" : : "rJ"(v), "r"(addr) : "memory");                   \
    }                                                                                          \
    static inline type mmio_read##bits(const volatile void *addr)                             \
    {                                                                                          \
        type v = mmio_read##bits##_relaxed(addr);                                              \
        __asm__ volatile("fence i, r" ::: "memory");                                          \
        return v;                                                                              \
    }                                                                                          \
    static inline void mmio_write##bits(volatile void *addr, type v)                          \
    {                                                                                          \
        __asm__ volatile("fence w, o" ::: "memory");                                          \
        mmio_write##bits##_relaxed(addr, v);                                                   \
    }

RV64_MMIO_RW(8, uint8_t, "lbu", "sb")
RV64_MMIO_RW(16, uint16_t, "lhu", "sh")
RV64_MMIO_RW(32, uint32_t, "lwu", "sw")
RV64_MMIO_RW(64, uint64_t, "ld", "sd")

#undef RV64_MMIO_RW

static inline void hal_dma_wmb(void) { __asm__ volatile("fence w, w" ::: "memory"); }
static inline void hal_dma_rmb(void) { __asm__ volatile("fence r, r" ::: "memory"); }
static inline void hal_mb(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }

#endif
