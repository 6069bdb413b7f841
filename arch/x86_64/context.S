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
    push    %rbp                    /* frame record on the old stack */
    mov     %rsp, %rbp              /* callee-saved: the old RSP survives fn */
    mov     %rdi, %rsp              /* 16-byte aligned at the call, as the ABI wants */
    mov     %rdx, %rdi
    call    *%rsi                   /* fn's saved RBP points at our frame */
    mov     %rbp, %rsp
    pop     %rbp
    ret
