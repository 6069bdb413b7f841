/**
 * @file arch/uregs.h
 * @brief aarch64's user frame (hal/uregs.h, hal/user.h; include those, not
 *        this): struct uregs and its accessors, for the Linux arm64 ABI.
 *
 * Every entry from EL0 (vectors.S, the "lower EL using AArch64" vectors)
 * stores the user's x0-x30, SP_EL0, ELR_EL1 and SPSR_EL1 here, at the top of
 * the thread's kernel stack, and every return to EL0 loads them back. The
 * first 34 words are in the order of a kernel exception's struct a64_frame
 * (arch/private.h), whose report code a FIQ taken from EL0 reuses; offsets
 * are pinned in user.c for vectors.S.
 *
 * Linux arm64 system calls: `svc #0`, the number in x8, arguments x0-x5,
 * the result in x0 (Linux's syscall(2), "arm64").
 */
#ifndef ARCH_A64_UREGS_H
#define ARCH_A64_UREGS_H

/**
 * @brief The SPSR_EL1 bits a user frame may carry into EL0: the condition
 *        flags NZCV only. Everything else is zero on the way out (vectors.S):
 *        M[4:0] = 0 is AArch64 EL0t, DAIF = 0 is every interrupt unmasked, and
 *        no IL, SS or PAN state a forged frame (a later sigreturn) could set.
 */
#define A64_SPSR_USER_MASK 0xf0000000 /* no suffix: vectors.S uses it too */

#ifndef __ASSEMBLER__
#include <stdint.h>

/** @brief The user registers, saved by every entry from EL0. */
struct uregs {
    uint64_t x[31];     /**< x0 ... x30 */
    uint64_t sp;        /**< SP_EL0: the user stack pointer */
    uint64_t pc;        /**< ELR_EL1: where the return to EL0 goes */
    uint64_t pstate;    /**< SPSR_EL1 as the entry found it (sanitised on the way out) */
    uint64_t orig_x0;   /**< x0 at a system call's entry (x0 becomes its result) */
    uint64_t syscallno; /**< x8 at a system call's entry; -1 after any other entry */
};

/** A user thread's FP/SIMD state and thread pointer (hal/user.h). */
struct ustate {
    _Alignas(16) uint64_t v[64]; /**< V0-V31, 128 bits each, low word first */
    uint64_t fpsr, fpcr;
    uint64_t tpidr_el0;          /**< the TLS pointer, which EL0 may also write itself */
    uint64_t pad;
};

static inline void uregs_init(struct uregs *r, uintptr_t pc, uintptr_t sp)
{
    for (unsigned i = 0; i < 31; i++)
        r->x[i] = 0;
    r->sp = sp;
    r->pc = pc;
    r->pstate = 0; /* EL0t, AArch64, D A I F all clear: interrupts on in EL0 */
    r->orig_x0 = 0;
    r->syscallno = (uint64_t)-1;
}

static inline uintptr_t uregs_pc(const struct uregs *r) { return r->pc; }
static inline uintptr_t uregs_sp(const struct uregs *r) { return r->sp; }
static inline void uregs_set_sp(struct uregs *r, uintptr_t sp) { r->sp = sp; }
static inline long uregs_syscall_nr(const struct uregs *r) { return (long)r->syscallno; }

static inline uint64_t uregs_syscall_arg(const struct uregs *r, int i)
{
    return i >= 0 && i < 6 ? r->x[i] : 0; /* x0-x5 */
}

static inline void uregs_set_return(struct uregs *r, long v) { r->x[0] = (uint64_t)v; }
static inline long uregs_return(const struct uregs *r) { return (long)r->x[0]; }

static inline void uregs_restart_syscall(struct uregs *r, long nr, uint64_t arg0)
{
    (void)nr; /* x8 is not the result register */
    r->pc -= 4; /* SVC */
    r->x[0] = arg0;
}

#endif /* __ASSEMBLER__ */
#endif
