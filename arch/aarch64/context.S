/**
 * @file context.S
 * @brief Running code on another stack.
 *
 * C prototype: void hal_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);
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
