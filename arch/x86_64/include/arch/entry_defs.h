/**
 * @file arch/entry_defs.h
 * @brief x86_64 constants shared by the entry assembly (isr.S,
 *        uaccess.S) and C: selectors, MSRs, RFLAGS bits, the
 *        frame's offsets and the per-CPU words the entry code reaches
 *        through %gs. Only #defines, so assembly can include it; the C side
 *        checks each offset against its struct (arch/frame.h, user.c).
 */
#ifndef ARCH_X64_ENTRY_DEFS_H
#define ARCH_X64_ENTRY_DEFS_H

/* GDT selectors (cpu.c builds the table). SYSCALL loads CS = STAR[47:32]
 * and SS = that + 8; SYSRET to 64-bit mode loads CS = STAR[63:48] + 16 and
 * SS = STAR[63:48] + 8, both with RPL 3 (SDM vol. 2B, SYSCALL and SYSRET):
 * hence user data right below user code, and entry 5, SYSRET's base for a
 * 32-bit return, left null (no compatibility-mode user code). */
#define X64_KERNEL_CS 0x08
#define X64_KERNEL_DS 0x10
#define X64_TSS_SEL 0x18   /**< two entries, 3 and 4 */
#define X64_USER_BASE 0x2b /**< STAR[63:48]: entry 5, RPL 3 */
#define X64_USER_DS 0x33   /**< entry 6, RPL 3 */
#define X64_USER_CS 0x3b   /**< entry 7, RPL 3 */

/** The vector field of a frame built by SYSCALL (no IDT vector is 256). */
#define X64_VEC_SYSCALL 256

/* RFLAGS bits (SDM vol. 1, 3.4.3). */
#define X64_RFLAGS_CF (1UL << 0)
#define X64_RFLAGS_FIXED (1UL << 1) /**< reads as 1 always */
#define X64_RFLAGS_PF (1UL << 2)
#define X64_RFLAGS_AF (1UL << 4)
#define X64_RFLAGS_ZF (1UL << 6)
#define X64_RFLAGS_SF (1UL << 7)
#define X64_RFLAGS_TF (1UL << 8)
#define X64_RFLAGS_IF (1UL << 9)
#define X64_RFLAGS_DF (1UL << 10)
#define X64_RFLAGS_OF (1UL << 11)
#define X64_RFLAGS_IOPL (3UL << 12)
#define X64_RFLAGS_NT (1UL << 14)
#define X64_RFLAGS_RF (1UL << 16)
#define X64_RFLAGS_AC (1UL << 18)
#define X64_RFLAGS_ID (1UL << 21)

/* MSRs (SDM vol. 4). */
#define X64_MSR_SYSENTER_CS 0x174
#define X64_MSR_EFER 0xc0000080
#define X64_MSR_STAR 0xc0000081
#define X64_MSR_LSTAR 0xc0000082
#define X64_MSR_CSTAR 0xc0000083
#define X64_MSR_FMASK 0xc0000084
#define X64_MSR_FS_BASE 0xc0000100
#define X64_MSR_GS_BASE 0xc0000101
#define X64_MSR_KERNEL_GS_BASE 0xc0000102
#define X64_EFER_SCE (1UL << 0) /**< SYSCALL/SYSRET enabled */

/* struct x64_frame / struct uregs (arch/frame.h). */
#define X64_FRAME_VECTOR 120
#define X64_FRAME_CS 144
#define X64_FRAME_RSP 160
#define X64_FRAME_SIZE 176

/* The words of struct cpu (kernel/smp.h) the entry code reads through
 * %gs: arch_scratch[] at offset 8 (user.c asserts it). */
#define X64_GS_KSTACK 8    /**< arch_scratch[0]: the running thread's kernel stack top */
#define X64_GS_USER_RSP 16 /**< arch_scratch[1]: the user RSP while SYSCALL's entry switches stacks */
#define X64_GS_TSS 24      /**< arch_scratch[2]: this CPU's TSS (for RSP0) */

#endif
