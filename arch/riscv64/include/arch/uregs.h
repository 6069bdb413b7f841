/**
 * @file arch/uregs.h
 * @brief riscv64's user frame (hal/uregs.h, hal/user.h; include those, not
 *        this): struct uregs and its accessors, for the Linux riscv ABI.
 *
 * Every entry from U-mode (trap.S) stores the user's x1-x31, sepc and
 * sstatus here, at the top of the thread's kernel stack, and every return
 * to U-mode loads them back. The first 36 words have the layout of a
 * kernel trap's struct rv_frame (arch/private.h), so the same report code
 * reads both; the last two are the kernel's own tp and gp (arch/cpu_inline.h:
 * the struct cpu and the struct rv_hart of the hart), which U-mode owns as
 * ordinary registers: the entry loads them from here, and the return stores
 * the current hart's values here just before sret, since the thread may
 * have moved to another hart since it entered. Offsets are pinned in
 * user.c for trap.S.
 *
 * Linux riscv system calls (its syscall(2) table, "riscv"): `ecall`, the
 * number in a7, arguments a0-a5, the result in a0.
 */
#ifndef ARCH_RV64_UREGS_H
#define ARCH_RV64_UREGS_H

#include <stdint.h>

/** @brief sstatus bits the user frame uses (privileged spec, "sstatus"). */
#define RV_SSTATUS_SPIE (1UL << 5)  /**< SIE after sret: interrupts on in U-mode */
#define RV_SSTATUS_SPP (1UL << 8)   /**< the mode sret goes to: 0 = U */
#define RV_SSTATUS_SUM (1UL << 18)  /**< S-mode may load and store U pages */

/** @brief The user registers, saved by every entry from U-mode. */
struct uregs {
    uint64_t x[32];   /**< x1 (ra) ... x31 at their numbers; x[2] the user sp; x[0] unused */
    uint64_t sepc;    /**< the user pc: where sret goes */
    uint64_t sstatus; /**< as it was at the entry (SPP 0); the return rebuilds it (trap.S) */
    uint64_t scause;  /**< why the last entry happened */
    uint64_t stval;   /**< its address or instruction, if any */
    uint64_t ktp;     /**< the kernel's tp (struct cpu) for the next entry */
    uint64_t kgp;     /**< the kernel's gp (struct rv_hart) for the next entry */
};

/** A user thread's FP state (hal/user.h; fpu.S's offsets). Its thread pointer is tp, in the frame. */
struct ustate {
    uint64_t f[32]; /**< f0-f31 (D: 64 bits each) */
    uint64_t fcsr;  /**< rounding mode and accrued exception flags */
    uint64_t pad;
};

static inline void uregs_init(struct uregs *r, uintptr_t pc, uintptr_t sp)
{
    for (unsigned i = 0; i < 32; i++)
        r->x[i] = 0;
    r->x[2] = sp;
    r->sepc = pc;
    r->sstatus = RV_SSTATUS_SPIE; /* SPP 0: U-mode; SPIE: interrupts on there */
    r->scause = r->stval = 0;
    r->ktp = r->kgp = 0; /* set by the return path, on the hart that returns */
}

static inline uintptr_t uregs_pc(const struct uregs *r) { return r->sepc; }
static inline uintptr_t uregs_sp(const struct uregs *r) { return r->x[2]; }
static inline void uregs_set_sp(struct uregs *r, uintptr_t sp) { r->x[2] = sp; }
static inline long uregs_syscall_nr(const struct uregs *r) { return (long)r->x[17]; /* a7 */ }

static inline uint64_t uregs_syscall_arg(const struct uregs *r, int i)
{
    return i >= 0 && i < 6 ? r->x[10 + i] : 0; /* a0-a5 */
}

static inline void uregs_set_return(struct uregs *r, long v) { r->x[10] = (uint64_t)v; }
static inline long uregs_return(const struct uregs *r) { return (long)r->x[10]; }

static inline void uregs_restart_syscall(struct uregs *r, long nr, uint64_t arg0)
{
    (void)nr; /* a7 is not the result register */
    r->sepc -= 4; /* ecall (never compressed) */
    r->x[10] = arg0;
}

#endif
