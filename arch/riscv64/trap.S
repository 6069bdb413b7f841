/**
 * @file trap.S
 * @brief The stvec entry: every trap from S-mode saves a struct rv_frame
 *        and calls void rv_trap(struct rv_frame *f); interrupts and handled
 *        exceptions return through the same frame with sret. A trap from
 *        U-mode saves a struct uregs and calls void rv_user_trap(struct
 *        uregs *f), then returns to U-mode, as void hal_user_enter(struct
 *        uregs *frame) does the first time (hal/user.h). Also thread
 *        switching and running code on another stack (hal/context.h,
 *        hal/cpu.h).
 *
 * Assembly because the registers must be saved before C touches them. The
 * frame layouts are pinned by _Static_assert in traps.c (36 * 8 bytes) and
 * user.c (38 * 8).
 *
 * sscratch is 0 while the kernel runs (entry.S sets it); in U-mode it holds
 * the thread's struct uregs (arch/uregs.h) at the top of its kernel stack,
 * which is how the two entries are told apart and where the user's
 * registers go. gp and tp belong to the hart, not the thread
 * (arch/cpu_inline.h): a kernel trap saves them for the report but never
 * restores them, since a thread switched away from in irq_exit() may come
 * back on another hart; hal_context_switch() leaves them alone for the same
 * reason. U-mode owns both: an entry from it takes the kernel's from the
 * frame, and the return stores this hart's there before sret.
 *
 * sstatus.SUM (S-mode may touch U pages) is set only inside the copy
 * routines (uaccess.S); every entry clears it after saving sstatus, so no
 * handler, and no thread switched to from one, runs with it, and the return
 * to the interrupted code restores it with the rest of sstatus.
 */
#define KSTACK_SHIFT 14 /* kernel/vmalloc.h */
#define FRAME 288
#define F_SEPC 256
#define F_SSTATUS 264
#define F_SCAUSE 272
#define F_STVAL 280
#define U_KTP 288  /* struct uregs, pinned in user.c */
#define U_KGP 296
#define SSTATUS_SIE 0x2
#define SSTATUS_SPIE 0x20
#define SSTATUS_SPP 0x100
#define SSTATUS_VS 0x600
#define SSTATUS_FS 0x6000
#define SSTATUS_SUM 0x40000
#define SSTATUS_MXR 0x80000
    .option norelax

    /* Every register but x0, sp (x2) and t0 (x5): the caller handles those. */
    .macro save_regs
    sd      ra, 8(sp)
    sd      gp, 24(sp)
    sd      tp, 32(sp)
    sd      t1, 48(sp)
    sd      t2, 56(sp)
    sd      s0, 64(sp)
    sd      s1, 72(sp)
    sd      a0, 80(sp)
    sd      a1, 88(sp)
    sd      a2, 96(sp)
    sd      a3, 104(sp)
    sd      a4, 112(sp)
    sd      a5, 120(sp)
    sd      a6, 128(sp)
    sd      a7, 136(sp)
    sd      s2, 144(sp)
    sd      s3, 152(sp)
    sd      s4, 160(sp)
    sd      s5, 168(sp)
    sd      s6, 176(sp)
    sd      s7, 184(sp)
    sd      s8, 192(sp)
    sd      s9, 200(sp)
    sd      s10, 208(sp)
    sd      s11, 216(sp)
    sd      t3, 224(sp)
    sd      t4, 232(sp)
    sd      t5, 240(sp)
    sd      t6, 248(sp)
    .endm

    /* The trap CSRs into the frame at sp; then SUM off (see above). */
    .macro save_csrs
    csrr    t0, sepc
    sd      t0, F_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, F_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, F_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, F_STVAL(sp)
    li      t0, SSTATUS_SUM
    csrc    sstatus, t0
    .endm

    /* Every register but x0, sp, gp, tp and t0 from the frame at sp. */
    .macro restore_regs
    ld      ra, 8(sp)
    ld      t1, 48(sp)
    ld      t2, 56(sp)
    ld      s0, 64(sp)
    ld      s1, 72(sp)
    ld      a0, 80(sp)
    ld      a1, 88(sp)
    ld      a2, 96(sp)
    ld      a3, 104(sp)
    ld      a4, 112(sp)
    ld      a5, 120(sp)
    ld      a6, 128(sp)
    ld      a7, 136(sp)
    ld      s2, 144(sp)
    ld      s3, 152(sp)
    ld      s4, 160(sp)
    ld      s5, 168(sp)
    ld      s6, 176(sp)
    ld      s7, 184(sp)
    ld      s8, 192(sp)
    ld      s9, 200(sp)
    ld      s10, 208(sp)
    ld      s11, 216(sp)
    ld      t3, 224(sp)
    ld      t4, 232(sp)
    ld      t5, 240(sp)
    ld      t6, 248(sp)
    .endm

    .section .text
    .globl  rv_trap_entry
    .balign 4
rv_trap_entry:
    csrrw   t0, sscratch, t0   /* t0 = sscratch (0: from the kernel), sscratch = t0 */
    bnez    t0, from_user
    /* Every kernel stack is 16 KiB with its base 32 KiB-aligned and an
     * unmapped guard below, so a valid SP has bit 14 clear and one that ran
     * off the bottom has it set. Check before storing anything: storing the
     * frame through an overflowed SP would fault again, forever. */
    addi    t0, sp, -FRAME
    srli    t0, t0, KSTACK_SHIFT
    andi    t0, t0, 1
    bnez    t0, overflow
    addi    sp, sp, -FRAME
    save_regs
    csrrw   t0, sscratch, zero /* the interrupted t0; sscratch 0 again */
    sd      t0, 40(sp)
    addi    t0, sp, FRAME
    sd      t0, 16(sp)
    sd      zero, 0(sp)        /* x[0]: 0, or 1 for a stack overflow */
common:
    save_csrs
    mv      a0, sp
    call    rv_trap
    /* Interrupts are masked again here (rv_trap), so nothing overwrites
     * sepc or sstatus between these writes and the sret. */
    ld      t0, F_SEPC(sp)
    csrw    sepc, t0
    /* sstatus as the trap found it, but FS as it is now: a switch inside
     * this trap may have loaded another thread's FP registers (fpu.S), and
     * the old FS would misstate them (Off would trap its FP code). */
    ld      t0, F_SSTATUS(sp)
    csrr    t1, sstatus
    li      t2, SSTATUS_FS
    and     t1, t1, t2
    not     t2, t2
    and     t0, t0, t2
    or      t0, t0, t1
    csrw    sstatus, t0
    restore_regs
    ld      t0, 40(sp)
    ld      sp, 16(sp)
    sret

    /* SP ran into a guard region: the interrupted t0 is in sscratch. Keep
     * the SP in this hart's rv_hart.scratch (gp), move to the overflow
     * stack and report with x[0] = 1. */
overflow:
    sd      sp, 8(gp)
    lla     t0, rv_overflow_stack_top
    mv      sp, t0
    addi    sp, sp, -FRAME
    save_regs
    csrrw   t0, sscratch, zero
    sd      t0, 40(sp)
    ld      t0, 8(gp)
    sd      t0, 16(sp)
    li      t0, 1
    sd      t0, 0(sp)
    j       common

    /*
     * From U-mode: t0 = this thread's struct uregs (the return below left it
     * in sscratch), sscratch = the user's t0. The frame is the top of the
     * thread's kernel stack, so the C code runs on the stack just below it.
     */
from_user:
    sd      sp, 16(t0)
    mv      sp, t0
    save_regs                  /* the user's ra, gp, tp, t1-t6, s0-s11, a0-a7 */
    csrrw   t0, sscratch, zero /* the user's t0; sscratch 0: the kernel runs */
    sd      t0, 40(sp)
    sd      zero, 0(sp)
    ld      tp, U_KTP(sp)
    ld      gp, U_KGP(sp)
    save_csrs
    li      s0, 0              /* the kernel's frame chain starts here, not in user memory */
    mv      a0, sp
    call    rv_user_trap
    /* fall through, interrupts masked */

    /*
     * Back to U-mode with the frame at sp, interrupts masked. sstatus is
     * rebuilt, not taken from the frame: SPP 0 (U-mode), SPIE 1 (interrupts
     * on there), SUM and MXR off, and VS Off, so a V instruction traps as
     * illegal rather than using state nobody saves. FS stays as it is: the
     * thread's FP registers are in the CPU, Clean or Dirty (fpu.S). Nothing
     * a frame holds, whatever wrote it, can make sret stay in S-mode.
     */
rv_user_return:
    sd      tp, U_KTP(sp)      /* this hart's, for the next entry */
    sd      gp, U_KGP(sp)
    ld      t0, F_SEPC(sp)
    csrw    sepc, t0
    csrr    t0, sstatus
    li      t1, ~(SSTATUS_SIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR | SSTATUS_VS)
    and     t0, t0, t1
    ori     t0, t0, SSTATUS_SPIE
    csrw    sstatus, t0
    csrw    sscratch, sp       /* last: from here a trap would be taken as from U-mode */
    restore_regs
    ld      gp, 24(sp)
    ld      tp, 32(sp)
    ld      t0, 40(sp)
    ld      sp, 16(sp)
    sret

/*
 * void hal_user_enter(struct uregs *frame)  (hal/user.h)
 * The frame is at the top of the thread's kernel stack; whatever the
 * stack holds below it is abandoned.
 */
    .globl  hal_user_enter
    .balign 4
hal_user_enter:
    csrci   sstatus, SSTATUS_SIE
    mv      sp, a0
    j       rv_user_return

    .section .bss
    .balign 16
    .space  8192
    .globl  rv_overflow_stack_top
rv_overflow_stack_top:

/*
 * void hal_call_on_stack(void *stack_top, void (*fn)(void *), void *arg)
 * A frame record (ra at fp-8, the caller's fp at fp-16) on the old stack,
 * so a backtrace from fn continues into the caller.
 */
    .section .text
    .globl  hal_call_on_stack
    .balign 4
hal_call_on_stack:
    addi    sp, sp, -32
    sd      ra, 24(sp)
    sd      s0, 16(sp)
    sd      s1, 8(sp)
    addi    s0, sp, 32
    mv      s1, sp             /* callee-saved: the old SP survives fn */
    mv      sp, a0
    mv      a0, a2
    jalr    a1
    mv      sp, s1
    ld      s1, 8(sp)
    ld      s0, 16(sp)
    ld      ra, 24(sp)
    addi    sp, sp, 32
    ret

/*
 * void hal_context_switch(void **save_sp, void *new_sp)  (hal/context.h)
 * ra and s0-s11 make the whole context: the C ABI treats everything else
 * as clobbered by a call, and the kernel has no FP state (-mabi=lp64, no F
 * or D in -march). gp and tp stay: they are the hart's. 112-byte frame, SP
 * 16-byte aligned.
 */
    .globl  hal_context_switch
    .balign 4
hal_context_switch:
    addi    sp, sp, -112
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    sd      s2, 24(sp)
    sd      s3, 32(sp)
    sd      s4, 40(sp)
    sd      s5, 48(sp)
    sd      s6, 56(sp)
    sd      s7, 64(sp)
    sd      s8, 72(sp)
    sd      s9, 80(sp)
    sd      s10, 88(sp)
    sd      s11, 96(sp)
    sd      sp, 0(a0)
    mv      sp, a1
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    ld      s2, 24(sp)
    ld      s3, 32(sp)
    ld      s4, 40(sp)
    ld      s5, 48(sp)
    ld      s6, 56(sp)
    ld      s7, 64(sp)
    ld      s8, 72(sp)
    ld      s9, 80(sp)
    ld      s10, 88(sp)
    ld      s11, 96(sp)
    addi    sp, sp, 112
    ret

/*
 * void *hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
 * Builds the frame hal_context_switch pops: ra = context_start, s0 = 0 (the
 * backtrace stops here), s1 = entry, s2 = arg.
 */
    .globl  hal_context_init
    .balign 4
hal_context_init:
    addi    a0, a0, -112
    lla     t0, context_start
    sd      t0, 0(a0)
    sd      zero, 8(a0)
    sd      a1, 16(a0)
    sd      a2, 24(a0)
    addi    t0, a0, 32
    addi    t1, a0, 112
1:  sd      zero, 0(t0)
    addi    t0, t0, 8
    bltu    t0, t1, 1b
    ret

    .balign 4
context_start:
    mv      a0, s2
    jalr    s1                 /* entry must not return */
    j       hal_halt
