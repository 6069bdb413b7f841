/**
 * @file arch/cpu_inline.h
 * @brief x86_64 definitions of the inline part of hal/cpu.h (include that,
 *        not this).
 *
 * Single instructions the core calls in loops (spin waits) or on a per-CPU
 * lookup, so a call through the linker would cost more than the instruction.
 */
#ifndef ARCH_X64_CPU_INLINE_H
#define ARCH_X64_CPU_INLINE_H

#include <stdint.h>

/* PAUSE (SDM vol. 2B) tells the core it is in a spin-wait loop: it saves
 * power and avoids the memory-order mis-speculation when the loop exits. */
static inline void hal_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* The initial APIC id, CPUID.01H:EBX[31:24] (SDM vol. 2A, CPUID): set by
 * hardware at reset, so it needs no driver and no mapped registers, and it
 * is what the MADT lists for this CPU. 8 bits: enough for xAPIC systems. */
static inline uint32_t hal_cpu_id(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    (void)a, (void)c, (void)d;
    return b >> 24;
}

/* hal/smp.h: the GS base points at this CPU's struct cpu, whose first
 * member points to itself (hal_cpu_local_set()). Volatile: a thread may
 * resume on another CPU after any call. */
static inline void *hal_cpu_local(void)
{
    void *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

/* hal/cpu.h: rbp points at the record {caller's rbp, return address}. */
#define ARCH_FRAME_RECORD_OFFSET 0

#endif
