/**
 * @file arch/uregs.h
 * @brief x86_64's user frame (hal/uregs.h, hal/user.h; include those, not
 *        this): struct uregs and its accessors, for the Linux x86_64 ABI.
 *
 * The frame sits at the top of the thread's kernel stack, `kstack_top -
 * sizeof(struct uregs)`, and its tail is the hardware's interrupt frame:
 *
 *     kstack_top - 176   r15 ... rax      the 15 GPRs (isr.S's save_regs)
 *     kstack_top -  56   vector, error    pushed by the entry stub
 *     kstack_top -  40   rip cs rflags rsp ss   pushed by the CPU
 *
 * With TSS.RSP0 = kstack_top (hal_user_kstack_set()) an interrupt or
 * exception from ring 3 makes the CPU push its five words exactly at the
 * tail (SDM vol. 3A, 6.14.2: in 64-bit mode the new RSP is RSP0 aligned
 * down to 16, which kstack_top already is), and the stub's pushes complete
 * the frame in place. SYSCALL pushes nothing, so its entry (isr.S)
 * builds the same five words by hand. The layout is isr.S's struct
 * x64_frame (arch/frame.h asserts every offset), so a kernel report reads
 * both alike.
 *
 * Linux x86_64 system calls (arch/x86/entry/entry_64.S's comment, and
 * syscall(2)): `syscall` with the number in rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9, the result in rax; the CPU itself puts the return rip
 * in rcx and rflags in r11, so those two come back changed.
 */
#ifndef ARCH_X64_UREGS_H
#define ARCH_X64_UREGS_H

#include <arch/entry_defs.h> /* X64_USER_CS, X64_USER_DS, X64_RFLAGS_* */
#include <stdint.h>

/** @brief The user registers, saved by every entry from ring 3. */
struct uregs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector; /**< the IDT vector of the entry, or X64_VEC_SYSCALL */
    uint64_t error;  /**< the exception's error code; for a system call rax as it came (the number) */
    uint64_t rip, cs, rflags, rsp, ss; /**< the hardware frame: IRETQ's operands */
};

/** A user thread's FP/SIMD state and thread pointer (hal/user.h). */
struct ustate {
    /** The FXSAVE64 image (SDM vol. 1, 10.5.1): x87, MXCSR, XMM0-15. No
     *  XSAVE: CR4.OSXSAVE stays clear, so CPUID tells programs there is no
     *  AVX state to use. */
    _Alignas(16) uint8_t fx[512];
    uint64_t fs_base; /**< IA32_FS_BASE: the TLS pointer (arch_prctl(ARCH_SET_FS)) */
};

static inline void uregs_init(struct uregs *r, uintptr_t pc, uintptr_t sp)
{
    *r = (struct uregs){0};
    r->rip = pc;
    r->rsp = sp;
    r->cs = X64_USER_CS;
    r->ss = X64_USER_DS;
    r->rflags = X64_RFLAGS_IF | X64_RFLAGS_FIXED;
}

static inline uintptr_t uregs_pc(const struct uregs *r) { return r->rip; }
static inline uintptr_t uregs_sp(const struct uregs *r) { return r->rsp; }
static inline void uregs_set_sp(struct uregs *r, uintptr_t sp) { r->rsp = sp; }
static inline long uregs_syscall_nr(const struct uregs *r) { return (long)r->rax; }

static inline uint64_t uregs_syscall_arg(const struct uregs *r, int i)
{
    switch (i) {
    case 0: return r->rdi;
    case 1: return r->rsi;
    case 2: return r->rdx;
    case 3: return r->r10; /* not rcx: SYSCALL overwrites it with the return rip */
    case 4: return r->r8;
    case 5: return r->r9;
    default: return 0;
    }
}

static inline void uregs_set_return(struct uregs *r, long v) { r->rax = (uint64_t)v; }
static inline long uregs_return(const struct uregs *r) { return (long)r->rax; }

static inline void uregs_restart_syscall(struct uregs *r, long nr, uint64_t arg0)
{
    (void)arg0; /* rdi is not the result register */
    r->rip -= 2; /* SYSCALL is 0f 05 */
    r->rax = (uint64_t)nr;
}

#endif
