/**
 * @file isr.S
 * @brief IDT entry stubs for the 32 CPU exceptions.
 *
 * C prototype implemented: each stub pushes (vector, error code) and calls
 * void x64_exception(struct x64_frame *f). Assembly because the registers
 * must be saved first. Frame layout pinned by _Static_assert in exceptions.c.
 */
    .macro stub vec, has_err
    .globl isr_\vec
isr_\vec:
    .if \has_err == 0
    pushq   $0
    .endif
    pushq   $\vec
    jmp     isr_common
    .endm

    .text
    stub 0,0;  stub 1,0;  stub 2,0;  stub 3,0;  stub 4,0;  stub 5,0;  stub 6,0;  stub 7,0
    stub 8,1;  stub 9,0;  stub 10,1; stub 11,1; stub 12,1; stub 13,1; stub 14,1; stub 15,0
    stub 16,0; stub 17,1; stub 18,0; stub 19,0; stub 20,0; stub 21,1; stub 22,0; stub 23,0
    stub 24,0; stub 25,0; stub 26,0; stub 27,0; stub 28,0; stub 29,1; stub 30,1; stub 31,0

isr_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, %rdi
    cld
    call    x64_exception       /* reports and halts: never returns */
1:  cli
    hlt
    jmp     1b

    .section .rodata
    .balign 8
    .globl  isr_table
isr_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad   isr_\v
    .endr
