/**
 * @file isr.S
 * @brief IDT entry stubs: the 32 CPU exceptions and interrupt vectors 32-255.
 *
 * C prototypes implemented: exception stubs push (error code, vector) and
 * call void x64_exception(struct x64_frame *f), which never returns;
 * interrupt stubs push (0, vector) and call void x64_interrupt(struct
 * x64_frame *f), then restore every register and IRETQ. Assembly because
 * the registers must be saved before any C runs. Frame layout pinned by
 * _Static_assert in <arch/frame.h>.
 *
 * Alignment: in 64-bit mode the CPU aligns RSP to 16 before pushing its
 * 5-word frame; the stub's 2 words and the 15 registers make 22 words, so
 * RSP is 16-byte aligned again at the call, as the SysV ABI wants.
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

    .macro save_regs
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
    .endm

    .text
    stub 0,0;  stub 1,0;  stub 3,0;  stub 4,0;  stub 5,0;  stub 6,0;  stub 7,0
    stub 8,1;  stub 9,0;  stub 10,1; stub 11,1; stub 12,1; stub 13,1; stub 14,1; stub 15,0
    stub 16,0; stub 17,1; stub 18,0; stub 19,0; stub 20,0; stub 21,1; stub 22,0; stub 23,0
    stub 24,0; stub 25,0; stub 26,0; stub 27,0; stub 28,0; stub 29,1; stub 30,1; stub 31,0

/* NMI (on its IST stack): the watchdog's request for this CPU's registers,
 * which the CPU may take with interrupts masked. x64_nmi() reports and
 * returns; the interrupted code goes on. */
    .globl isr_2
isr_2:
    pushq   $0
    pushq   $2
    save_regs
    mov     %rsp, %rdi
    cld
    call    x64_nmi
    jmp     irq_restore

isr_common:
    save_regs
    mov     %rsp, %rdi
    cld
    call    x64_exception       /* reports and halts: never returns */
1:  cli
    hlt
    jmp     1b

/* Vectors 0x20-0xff, named by two hex digits so that isr_table can list
 * them with the same two loops. */
    .irp hi, 2,3,4,5,6,7,8,9,a,b,c,d,e,f
    .irp lo, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
irq_\hi\()\lo:
    pushq   $0
    pushq   $0x\hi\()\lo
    jmp     irq_common
    .endr
    .endr

/* Entered with IF clear (interrupt gates). x64_interrupt() EOIs and calls
 * irq_exit(), which may switch threads and come back here much later, on
 * this same stack: everything the interrupted code had is in the frame. */
irq_common:
    save_regs
    mov     %rsp, %rdi
    cld
    call    x64_interrupt
irq_restore:
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp           /* vector, error code */
    iretq

    .section .rodata
    .balign 8
    .globl  isr_table
isr_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad   isr_\v
    .endr
    .irp hi, 2,3,4,5,6,7,8,9,a,b,c,d,e,f
    .irp lo, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
    .quad   irq_\hi\()\lo
    .endr
    .endr
