/**
 * @file vectors.S
 * @brief The VBAR_EL1 table. An exception taken at EL1 saves a struct
 * a64_frame and calls void a64_exception(struct a64_frame *f, unsigned kind);
 * interrupts and handled exceptions return through the same frame and eret.
 * One taken from EL0 saves a struct uregs (arch/uregs.h) at the top of the
 * thread's kernel stack and calls void a64_user_exception(struct uregs *f,
 * unsigned kind) (user.c); void hal_user_enter(struct uregs *frame)
 * (hal/user.h) is the second half of that path alone.
 *
 * Assembly because the registers must be saved before C touches them. The
 * frame layouts are pinned by _Static_assert in exceptions.c (34 * 8 bytes)
 * and user.c (36 * 8 bytes).
 */
#include <arch/uregs.h> /* A64_SPSR_USER_MASK (its C part is skipped here) */

#define KSTACK_SHIFT 14 /* kernel/vmalloc.h */
/* struct uregs (arch/uregs.h), pinned in user.c */
#define UREGS_SIZE (36 * 8)
#define UREGS_SP (31 * 8)
#define UREGS_SYSCALLNO (35 * 8)

    /* Every kernel stack is 16 KiB with its base 32 KiB-aligned and an
     * unmapped 16 KiB guard below, so a valid SP has bit 14 clear and one
     * that ran off the bottom has it set. Check before storing anything:
     * storing the frame through an overflowed SP would fault again, forever.
     * The add/sub dance tests the new SP without a free register (x0 is
     * kept in the sum). */
    .macro vector kind
    .balign 0x80
    sub     sp, sp, #(34 * 8)
    add     sp, sp, x0          /* sp = sp' + x0 */
    sub     x0, sp, x0          /* x0 = sp' */
    tbnz    x0, #KSTACK_SHIFT, 1f
    sub     x0, sp, x0          /* x0 = x0 again */
    sub     sp, sp, x0          /* sp = sp' */
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_rest
1:  sub     x0, sp, x0
    sub     sp, sp, x0          /* as above; now stash x0 and (sp' | kind) */
    msr     tpidr_el0, x0       /* not TPIDR_EL1: that is cpu_this(), which the report needs;
                                 * EL0's TLS register, but the panic never returns there */
    mov     x0, sp
    add     x0, x0, #\kind      /* sp' is 16-byte aligned: the low bits are free */
    b       stack_overflow
    .endm

    /* From EL0 the CPU is on SP_EL1, which ret_to_user left at the
     * thread's kstack_top when it last returned to EL0 (every thread returns
     * to EL0 only that way, so the SP_EL1 a CPU holds in EL0 belongs to the
     * thread running there): the frame goes just below, where hal/user.h
     * says it is. No overflow check: the stack is empty. */
    .macro el0_vector kind
    .balign 0x80
    sub     sp, sp, #UREGS_SIZE
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       el0_entry
    .endm

    /* x2-x29 to, and x0-x30 from, the frame at SP: the same first 31
     * words in struct a64_frame and struct uregs (pinned in exceptions.c
     * and user.c). */
    .macro save_x2_x29
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    .endm

    .macro load_x0_x30
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    .endm

    .section .text
    .balign 2048
    .globl a64_vectors
a64_vectors:
    vector 0   /* current EL, SP0: sync */
    vector 1   /* irq */
    vector 2   /* fiq */
    vector 3   /* serror */
    vector 4   /* current EL, SPx: sync */
    vector 5
    vector 6
    vector 7
    el0_vector 0 /* lower EL, AArch64: sync */
    el0_vector 1 /* irq */
    el0_vector 2 /* fiq */
    el0_vector 3 /* serror */
    vector 12  /* lower EL, AArch32: never (ret_to_user clears SPSR.M[4]) */
    vector 13
    vector 14
    vector 15

/* SP ran into a guard region. x0 = (sp' | kind), the real x0 is in
 * TPIDR_EL0 (no EL0 here uses it). Move to the overflow stack, leave (sp' | kind) in TPIDRRO_EL0
 * for a64_exception, and report kind + 16. */
stack_overflow:
    msr     tpidrro_el0, x0
    adrp    x0, a64_overflow_stack_top
    add     x0, x0, :lo12:a64_overflow_stack_top
    mov     sp, x0
    mrs     x0, tpidr_el0
    sub     sp, sp, #(34 * 8)
    stp     x0, x1, [sp, #0]
    mrs     x0, tpidrro_el0
    and     x0, x0, #15
    orr     x0, x0, #16
    b       save_rest

save_rest:
    save_x2_x29
    add     x1, sp, #(34 * 8)
    stp     x30, x1, [sp, #240]        /* lr, sp before the exception */
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mov     x1, x0                      /* kind */
    mov     x0, sp                      /* frame */
    bl      a64_exception
    /* Returns for interrupts and for handled exceptions (the semihosting
     * probe). Everything comes back from the frame: a handler may have
     * changed it, and a thread switch in irq_exit() ran other code, with
     * exceptions of its own, before we got back here. */
    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    load_x0_x30
    add     sp, sp, #(34 * 8)
    eret

/* The rest of an entry from EL0: x0 and x1 are saved, x1 = kind. Every
 * interrupt is masked (the exception set DAIF); a64_user_exception()
 * opens them as each case allows and masks IRQs again before it returns. */
el0_entry:
    save_x2_x29
    mrs     x2, sp_el0
    stp     x30, x2, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mov     x2, #-1
    stp     x0, x2, [sp, #(UREGS_SYSCALLNO - 8)] /* orig_x0, syscallno: none yet */
    mov     x29, #0             /* the kernel's frame chain starts here: a backtrace */
    mov     x30, #0             /* stops rather than follow a user frame pointer */
    mov     x0, sp
    bl      a64_user_exception
    /* fall through, with IRQs masked and after user_return() */

/* Return to EL0 with the frame at SP (its kstack_top - sizeof(struct uregs)).
 * DAIF all masked from here: between writing ELR/SPSR and eret nothing may
 * be taken (an IRQ would overwrite them), and a FIQ's report must not see
 * the user's registers as the kernel's (it would follow the user's x29).
 * SPSR keeps NZCV only: EL0t, AArch64, interrupts on, whatever the frame
 * says (A64_SPSR_USER_MASK, arch/uregs.h). A pc or sp the user chose is not
 * the kernel's concern here: a kernel address faults in EL0 (AP[1] clear,
 * UXN) and becomes a signal like any other. */
ret_to_user:
    msr     daifset, #0xf
    ldp     x0, x1, [sp, #UREGS_SP]   /* sp, pc */
    ldr     x2, [sp, #(UREGS_SP + 16)] /* pstate */
    and     x2, x2, #A64_SPSR_USER_MASK
    msr     sp_el0, x0
    msr     elr_el1, x1
    msr     spsr_el1, x2
    load_x0_x30
    add     sp, sp, #UREGS_SIZE       /* kstack_top: where the next entry from EL0 starts */
    eret
    dsb     nsh                       /* never executed: no straight-line speculation past eret */
    isb

/* void hal_user_enter(struct uregs *frame) (hal/user.h): the stack below
 * the frame is abandoned. */
    .globl hal_user_enter
hal_user_enter:
    mov     sp, x0
    b       ret_to_user

/* int a64_semihost(uint64_t op, uint64_t arg): returns -1 if QEMU was started
 * without -semihosting (the hlt is then UNDEFINED; a64_exception skips it). */
    .globl a64_semihost, a64_semihost_insn
a64_semihost:
a64_semihost_insn:
    hlt     #0xf000
    ret

    .section .bss
    .balign 32768           /* the same shape as every kernel stack (see above) */
    .space  16384
    .globl  a64_overflow_stack_top
a64_overflow_stack_top:
