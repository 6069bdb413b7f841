/**
 * @file vectors.S
 * @brief The VBAR_EL1 table: every exception saves a struct a64_frame and
 * calls void a64_exception(struct a64_frame *f, unsigned kind); interrupts
 * and handled exceptions return through the same frame and eret.
 *
 * Assembly because the registers must be saved before C touches them. The
 * frame layout is pinned by _Static_assert in exceptions.c (34 * 8 bytes).
 */
#define KSTACK_SHIFT 14 /* kernel/vmalloc.h */

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
    msr     tpidr_el0, x0       /* not TPIDR_EL1: that is cpu_this(), which the report needs */
    mov     x0, sp
    add     x0, x0, #\kind      /* sp' is 16-byte aligned: the low bits are free */
    b       stack_overflow
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
    vector 8   /* lower EL, AArch64 */
    vector 9
    vector 10
    vector 11
    vector 12  /* lower EL, AArch32 */
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
    add     sp, sp, #(34 * 8)
    eret

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
