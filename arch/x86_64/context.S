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
    push    %rbp                    /* frame record on the old stack */
    mov     %rsp, %rbp              /* callee-saved: the old RSP survives fn */
    mov     %rdi, %rsp              /* 16-byte aligned at the call, as the ABI wants */
    mov     %rdx, %rdi
    call    *%rsi                   /* fn's saved RBP points at our frame */
    mov     %rbp, %rsp
    pop     %rbp
    ret

/*
 * void hal_context_switch(void **save_sp, void *new_sp)  (hal/context.h)
 * The SysV callee-saved registers plus the return address the call pushed
 * make the whole context; the kernel has no FPU/SSE state (-mno-sse).
 */
    .globl hal_context_switch
hal_context_switch:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, (%rdi)
    mov     %rsi, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret

/*
 * void *hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
 * Frame (low to high): r15 r14 r13 r12=entry rbx=arg rbp=0, return address
 * context_start, then 16 bytes of zeros. context_start then runs with RSP
 * = stack_top - 16: 16-byte aligned at its call, as the ABI wants, and the
 * zero above is a null return address that ends backtraces.
 */
    .globl hal_context_init
hal_context_init:
    lea     -72(%rdi), %rax
    movq    $0, 0(%rax)
    movq    $0, 8(%rax)
    movq    $0, 16(%rax)
    mov     %rsi, 24(%rax)
    mov     %rdx, 32(%rax)
    movq    $0, 40(%rax)
    lea     context_start(%rip), %rcx
    mov     %rcx, 48(%rax)
    movq    $0, 56(%rax)
    movq    $0, 64(%rax)
    ret

context_start:
    mov     %rbx, %rdi
    call    *%r12                   /* entry must not return */
    jmp     hal_halt
