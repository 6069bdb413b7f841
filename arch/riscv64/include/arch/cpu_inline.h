/**
 * @file arch/cpu_inline.h
 * @brief riscv64 definitions of the inline part of hal/cpu.h (include that,
 *        not this).
 *
 * Two registers are the kernel's own per-CPU pointers (the kernel is built
 * with -mno-relax, so nothing uses gp as a global pointer, and clang never
 * allocates gp or tp):
 *
 *  - tp: the portable struct cpu (hal_cpu_local()), as hal/smp.h asks;
 *  - gp: this hart's struct rv_hart (arch/private.h), whose first word is the
 *    hart id: S-mode has no CSR that tells a hart its own id (mhartid is
 *    M-mode only; SBI passes it in a0 at entry), so it is kept there.
 */
#ifndef ARCH_RV64_CPU_INLINE_H
#define ARCH_RV64_CPU_INLINE_H

#include <stdint.h>

/* Zihintpause's PAUSE, encoded as the FENCE hint it is (executes as a no-op
 * on harts without the extension). */
static inline void hal_cpu_relax(void) { __asm__ volatile(".4byte 0x0100000f" ::: "memory"); }

static inline uint32_t hal_cpu_id(void)
{
    uint64_t id;
    __asm__ volatile("ld %0, 0(gp)" : "=r"(id));
    return (uint32_t)id;
}

/* hal/smp.h: tp holds this CPU's struct cpu. Volatile: a thread may resume
 * on another hart after any call. */
static inline void *hal_cpu_local(void)
{
    void *p;
    __asm__ volatile("mv %0, tp" : "=r"(p));
    return p;
}

/* hal/cpu.h: s0 points just above the record {caller's s0, ra}
 * (RISC-V psABI, frame pointer convention). */
#define ARCH_FRAME_RECORD_OFFSET (-16)

#endif
