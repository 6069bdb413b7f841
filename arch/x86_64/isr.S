/**
 * @file isr.S
 * @brief Every way into the kernel and back out: IDT stubs for the 32 CPU
 *        exceptions and interrupt vectors 32-255, the SYSCALL entry, and
 *        the returns to ring 0 and to ring 3 (IRETQ or SYSRET).
 *
 * C prototypes implemented: exception stubs push (error code, vector) and
 * call void x64_exception(struct x64_frame *f); interrupt stubs push (0,
 * vector) and call void x64_interrupt(struct x64_frame *f); both then
 * restore every register from the frame and IRETQ (or SYSRET, below).
 * x64_syscall_entry is IA32_LSTAR's target (user.c), and
 * void hal_user_enter(struct uregs *frame) (hal/user.h) the first entry to
 * ring 3. Assembly because the registers must be saved before any C runs
 * and loaded after the last. Frame layout pinned by _Static_assert in
 * <arch/frame.h>; the constants are <arch/entry_defs.h>.
 *
 * Alignment: in 64-bit mode the CPU aligns RSP to 16 before pushing its
 * 5-word frame; the stub's 2 words and the 15 registers make 22 words, so
 * RSP is 16-byte aligned again at the call, as the SysV ABI wants.
 *
 * From ring 3 (the saved CS has RPL 3):
 *  - the CPU has switched to TSS.RSP0, the thread's kstack_top, so the
 *    frame is the thread's struct uregs in place (arch/uregs.h); only #PF
 *    (IST2), NMI (IST3), #DF (IST1) and #MC (IST4) arrive on their own
 *    stacks, and #PF moves its frame over to kstack_top (isr_14);
 *  - the GS base is still the user's: SWAPGS first, so that %gs:0 is this
 *    CPU's struct cpu again (arch/cpu_inline.h), and SWAPGS last, right
 *    before the IRETQ or SYSRET, with interrupts masked in between;
 *  - RBP is zeroed before the C call, so a kernel backtrace ends at the
 *    entry instead of following the user's frame pointer;
 *  - every return calls user_return() (rescheduling, signals, a kill),
 *    then makes the frame safe to load (x64_user_prepare()).
 *
 * The GS base is the user's in ring 0 only inside these windows: SYSCALL's
 * entry up to its SWAPGS and the returns from their SWAPGS to IRETQ/SYSRET,
 * all with IF clear. Only an NMI or a machine check can arrive there, each
 * on its IST stack; the NMI entry decides by the GS base MSR itself
 * ("paranoid", isr_2), and a fatal exception's report does the same
 * (x64_gs_is_kernel() in exceptions.c).
 *
 * SMAP: an interrupt or exception does not clear RFLAGS.AC (SDM vol. 3A,
 * 4.6.1: only the SMAP checks read it), so one that arrives inside a copy
 * routine's STAC would run its handler, and whatever it switches to, with
 * user memory open. Every entry therefore executes CLAC (when SMAP is on:
 * the instruction is #UD without it); IRETQ restores the interrupted AC.
 */
#include <arch/entry_defs.h>
#include <arch/smap_asm.h>

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

    /* Flags are not changed: the returns branch on a test made before. */
    .macro restore_regs
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
    .endm

    /* Stack: vector, error, then the CPU's frame; SWAPGS if it came from ring 3. */
    .macro swapgs_if_user
    testb   $3, 24(%rsp)
    jz      .Lkernel\@
    swapgs
.Lkernel\@:
    .endm

    .text
    stub 0,0;  stub 1,0;  stub 3,0;  stub 4,0;  stub 5,0;  stub 6,0;  stub 7,0
    stub 8,1;  stub 9,0;  stub 10,1; stub 11,1; stub 12,1; stub 13,1; stub 15,0
    stub 16,0; stub 17,1; stub 18,0; stub 19,0; stub 20,0; stub 21,1; stub 22,0; stub 23,0
    stub 24,0; stub 25,0; stub 26,0; stub 27,0; stub 28,0; stub 29,1; stub 30,1; stub 31,0

/* NMI (on its IST stack): the watchdog's request for this CPU's registers,
 * which the CPU may take with interrupts masked. x64_nmi() reports and
 * returns; the interrupted code goes on. It may interrupt ring 3, or ring 0
 * inside an entry or return window where the GS base is still the user's,
 * so CS does not tell which GS base is loaded: the MSR does. The kernel's
 * is a kernel address (negative); a user's never is (user mode cannot set
 * it: no WRGSBASE, CR4.FSGSBASE is off, and a GS load takes a 32-bit base
 * from a descriptor). No user_return(): NMIs do not reschedule. */
    .globl isr_2
isr_2:
    pushq   $0
    pushq   $2
    save_regs
    clac_if_smap
    mov     $X64_MSR_GS_BASE, %ecx
    rdmsr
    xor     %ebx, %ebx              /* callee-saved: survives x64_nmi */
    test    %edx, %edx
    js      1f
    swapgs
    mov     $1, %ebx
1:  mov     %rsp, %rdi
    cld
    call    x64_nmi
    test    %ebx, %ebx
    jz      x64_ret_kernel
    swapgs
    jmp     x64_ret_kernel

/* #PF, on IST2 so that a kernel stack overflow can still be reported. But
 * a fault that the kernel resolves may sleep (user_page_fault() reads a
 * page in, waits for memory; user_return() reschedules), and a second
 * fault on this CPU meanwhile would reuse IST2 from its top. So the two
 * kinds that go on leave IST2 before any C runs: one from ring 3 for the
 * thread's kstack_top (where every other entry from ring 3 lands, so its
 * frame is the thread's struct uregs), one in a user-memory access routine
 * (uaccess.S) for the interrupted kernel stack, below its RSP. The
 * interrupted RSP is the thread's kernel stack there: its fault is on a
 * user address, not on the stack. Any other kernel #PF stays here and is
 * reported. Interrupts are off (interrupt gate) throughout the move. */
    .globl isr_14
isr_14:
    pushq   $14
    testb   $3, 24(%rsp)
    jnz     .Lpf_user
    push    %rax                    /* stack: rax, vector, error, rip, cs, rflags, rsp, ss */
    lea     x64_uaccess_start(%rip), %rax
    cmp     %rax, 24(%rsp)
    jb      .Lpf_stay
    lea     x64_uaccess_end(%rip), %rax
    cmp     %rax, 24(%rsp)
    jae     .Lpf_stay
    mov     48(%rsp), %rax          /* the interrupted RSP, aligned as the CPU would */
    and     $-16, %rax
    jmp     .Lpf_move
.Lpf_stay:
    pop     %rax
    jmp     exc_swapped             /* ring 0: no SWAPGS */
.Lpf_user:
    swapgs
    push    %rax
    mov     %gs:X64_GS_KSTACK, %rax
.Lpf_move:                          /* %rax: the new stack's top */
    push    %rcx                    /* stack: rcx, rax, vector, error, rip, cs, rflags, rsp, ss */
    .irp i, 1,2,3,4,5,6,7,8         /* ss ... vector, then the interrupted rax */
    mov     (72 - 8 * \i)(%rsp), %rcx
    mov     %rcx, (-8 * \i)(%rax)
    .endr
    pop     %rcx
    lea     -64(%rax), %rsp
    pop     %rax
    jmp     exc_swapped

/* Exceptions. x64_exception() returns when the process (or the kernel's
 * user-memory access) goes on; it halts after a report otherwise. */
isr_common:
    swapgs_if_user
exc_swapped:
    save_regs
    clac_if_smap
    testb   $3, X64_FRAME_CS(%rsp)
    jz      1f
    xor     %ebp, %ebp
1:  mov     %rsp, %rdi
    cld
    call    x64_exception
    jmp     x64_ret

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
    swapgs_if_user
    save_regs
    clac_if_smap
    testb   $3, X64_FRAME_CS(%rsp)
    jz      1f
    xor     %ebp, %ebp
1:  mov     %rsp, %rdi
    cld
    call    x64_interrupt

/* Every return from an exception or interrupt: RSP at the frame. */
x64_ret:
    cli
    testb   $3, X64_FRAME_CS(%rsp)
    jnz     x64_ret_user
x64_ret_kernel:
    restore_regs
    add     $16, %rsp               /* vector, error code */
    iretq

/* To ring 3, RSP at the thread's struct uregs, interrupts masked. */
x64_ret_user:
    mov     %rsp, %rdi
    call    user_return             /* rescheduling, signals, a kill */
    cli                             /* in case it came back with interrupts on */
    mov     %rsp, %rdi
    call    x64_user_prepare        /* checks: 1 = SYSRET will do */
x64_user_restore:
    test    %eax, %eax
    restore_regs
    jnz     1f
    add     $16, %rsp
    swapgs
    iretq
    /* SYSRET (SDM vol. 2B): RIP = RCX, RFLAGS = R11, CS and SS from STAR.
     * x64_user_prepare() allowed it only when RCX and R11 already hold the
     * frame's RIP and RFLAGS and that RIP lies below hal_user_top(): a
     * non-canonical RCX would make SYSRET raise #GP in ring 0, after
     * the SWAPGS and on the user's RSP. */
1:  mov     (X64_FRAME_RSP - X64_FRAME_VECTOR)(%rsp), %rsp
    swapgs
    sysretq

/*
 * SYSCALL (IA32_LSTAR): RCX = the user's RIP, R11 = the user's RFLAGS,
 * RFLAGS masked by IA32_FMASK (IF, TF, DF, AC, NT, IOPL clear), CS/SS the
 * kernel's, and RSP still the user's: nothing is pushed (SDM vol. 2B,
 * SYSCALL). Build the same frame an interrupt from ring 3 would, at the
 * thread's kstack_top (X64_GS_KSTACK, kept with TSS.RSP0 by
 * hal_user_kstack_set()), and call user_syscall() with interrupts on. The
 * error slot keeps RAX as it came, the system call's number.
 */
    .globl x64_syscall_entry
x64_syscall_entry:
    swapgs
    mov     %rsp, %gs:X64_GS_USER_RSP
    mov     %gs:X64_GS_KSTACK, %rsp
    pushq   $X64_USER_DS            /* ss */
    pushq   %gs:X64_GS_USER_RSP     /* rsp */
    push    %r11                    /* rflags */
    pushq   $X64_USER_CS            /* cs */
    push    %rcx                    /* rip */
    push    %rax                    /* error: the number */
    pushq   $X64_VEC_SYSCALL        /* vector */
    save_regs
    xor     %ebp, %ebp
    mov     %rsp, %rdi
    sti
    call    user_syscall
    cli
    jmp     x64_ret_user

/*
 * void hal_user_enter(struct uregs *frame): the first entry to ring 3.
 * The frame is the thread's, at kstack_top - sizeof(struct uregs); what is
 * below it on the stack is abandoned. No user_return(): nothing has
 * happened yet that it would act on.
 */
    .globl hal_user_enter
hal_user_enter:
    cli
    mov     %rdi, %rsp
    call    x64_user_prepare        /* RDI: the frame; the call's return address is below it */
    jmp     x64_user_restore

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
