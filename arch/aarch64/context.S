/**
 * @file context.S
 * @brief Running code on another stack, and switching threads.
 *
 * C prototypes: hal/cpu.h (hal_call_on_stack), hal/context.h.
 * Assembly because C cannot move its own stack pointer.
 */
    .section .text
    .globl hal_call_on_stack
hal_call_on_stack:
    stp     x29, x30, [sp, #-32]!   /* frame record on the old stack */
    mov     x29, sp
    str     x19, [sp, #16]
    mov     x19, sp                 /* callee-saved: the old SP survives fn */
    mov     sp, x0
    mov     x0, x2
    blr     x1                      /* fn's frame record points at ours */
    mov     sp, x19
    ldr     x19, [sp, #16]
    ldp     x29, x30, [sp], #32
    ret

/*
 * void hal_context_switch(void **save_sp, void *new_sp)  (hal/context.h)
 * The callee-saved registers x19-x28, the frame pointer and the return
 * address make the whole context: the C ABI treats everything else as
 * clobbered by a call, and the kernel has no FP/SIMD state
 * (-mgeneral-regs-only). SP stays 16-byte aligned (96-byte frame).
 */
    .globl hal_context_switch
hal_context_switch:
    sub     sp, sp, #96
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #96
    ret

/*
 * void *hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
 * Builds the frame hal_context_switch pops: x19 = entry, x20 = arg,
 * x29 = 0 (the backtrace stops here), x30 = context_start.
 */
    .globl hal_context_init
hal_context_init:
    sub     x0, x0, #96
    stp     x1, x2, [x0, #0]
    stp     xzr, xzr, [x0, #16]
    stp     xzr, xzr, [x0, #32]
    stp     xzr, xzr, [x0, #48]
    stp     xzr, xzr, [x0, #64]
    adr     x3, context_start
    stp     xzr, x3, [x0, #80]
    ret

context_start:
    mov     x0, x20
    blr     x19                     /* entry must not return */
    b       hal_halt
