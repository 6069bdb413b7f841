/**
 * @file arch/cpu_inline.h
 * @brief aarch64 definitions of the inline part of hal/cpu.h (include that,
 *        not this).
 *
 * Single instructions the core calls in loops (spin waits) or on every
 * per-CPU lookup, so a call through the linker would cost more than the
 * instruction itself.
 */
#ifndef ARCH_A64_CPU_INLINE_H
#define ARCH_A64_CPU_INLINE_H

#include <stdint.h>

/* YIELD tells a multithreaded core (or a hypervisor) that this thread is
 * spinning; on QEMU TCG it is a NOP. */
static inline void hal_cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

/* MPIDR_EL1 (Arm ARM D19.2): Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], Aff3
 * [39:32]; bit 31 is RES1 and bit 30 (U) and 24 (MT) are not affinity, so
 * they are dropped and Aff3 moves down to [31:24]. */
static inline uint32_t hal_cpu_id(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return (uint32_t)(mpidr & 0xffffffULL) | (uint32_t)((mpidr >> 32) & 0xff) << 24;
}

/* hal/smp.h: TPIDR_EL1 holds this CPU's struct cpu (hal_cpu_local_set()).
 * Volatile: a thread may resume on another CPU after any call. */
static inline void *hal_cpu_local(void)
{
    void *p;
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(p));
    return p;
}

/* hal/cpu.h: x29 points at the record {caller's x29, x30}. */
#define ARCH_FRAME_RECORD_OFFSET 0

#endif
