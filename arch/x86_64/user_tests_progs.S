/**
 * @file user_tests_progs.S
 * @brief Ring-3 programs for the x86_64 user-mode tests (user_tests.c),
 *        in machine code the tests wrap into an ELF executable each.
 *
 * C prototypes: none; user_tests.c reads the bytes between the labels
 * x64_up_<name> and x64_up_<name>_end. Assembly because each test needs an
 * exact instruction: a privileged one, a software interrupt, a register
 * state across SYSCALL. Each program is position-independent, needs only
 * the stack exec gave it, and ends with exit(code) (wait status code << 8)
 * or is killed by the signal its test expects.
 */
#define NR_GETPID 39
#define NR_EXIT 60
#define RFLAGS_TF 0x100
#define RFLAGS_DF 0x400
#define RFLAGS_NT 0x4000
#define RFLAGS_AC 0x40000

    .macro uexit code
    mov     $\code, %edi
    mov     $NR_EXIT, %eax
    syscall
    ud2
    .endm

    .macro prog name
    .globl x64_up_\name, x64_up_\name\()_end
    .balign 16
x64_up_\name:
    .endm

    .macro endprog name
x64_up_\name\()_end:
    .endm

    /* Known values in every register SYSCALL leaves alone (not rax, rcx, r11). */
    .macro fill
    movabs  $0x1111111111111101, %rbx
    movabs  $0x2222222222222202, %rdx
    movabs  $0x3333333333333303, %rsi
    movabs  $0x4444444444444404, %rdi
    movabs  $0x5555555555555505, %rbp
    movabs  $0x6666666666666608, %r8
    movabs  $0x7777777777777709, %r9
    movabs  $0x888888888888880a, %r10
    movabs  $0x999999999999990c, %r12
    movabs  $0xaaaaaaaaaaaaaa0d, %r13
    movabs  $0xbbbbbbbbbbbbbb0e, %r14
    .endm

    /* Exit with 1-11 if a register lost its value (clobbers rax). */
    .macro check
    movabs  $0x1111111111111101, %rax; cmp %rax, %rbx; jne 91f
    movabs  $0x2222222222222202, %rax; cmp %rax, %rdx; jne 92f
    movabs  $0x3333333333333303, %rax; cmp %rax, %rsi; jne 93f
    movabs  $0x4444444444444404, %rax; cmp %rax, %rdi; jne 94f
    movabs  $0x5555555555555505, %rax; cmp %rax, %rbp; jne 95f
    movabs  $0x6666666666666608, %rax; cmp %rax, %r8;  jne 96f
    movabs  $0x7777777777777709, %rax; cmp %rax, %r9;  jne 97f
    movabs  $0x888888888888880a, %rax; cmp %rax, %r10; jne 98f
    movabs  $0x999999999999990c, %rax; cmp %rax, %r12; jne 99f
    movabs  $0xaaaaaaaaaaaaaa0d, %rax; cmp %rax, %r13; jne 90f
    movabs  $0xbbbbbbbbbbbbbb0e, %rax; cmp %rax, %r14; jne 89f
    jmp     88f
91: uexit 1
92: uexit 2
93: uexit 3
94: uexit 4
95: uexit 5
96: uexit 6
97: uexit 7
98: uexit 8
99: uexit 9
90: uexit 10
89: uexit 11
88:
    .endm

    .section .rodata.x64_uprogs, "a"

/* SYSCALL keeps every register but rax (the result), rcx (the return RIP)
 * and r11 (RFLAGS), and the flags DF, NT and AC that the kernel must not
 * run with come back as they were. Exit 0, or which check failed. */
prog syscall_regs
    pushf
    orq     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), (%rsp)
    popf
    fill
    mov     $NR_GETPID, %eax
    syscall
1:  lea     1b(%rip), %rax
    cmp     %rax, %rcx
    jne     2f
    mov     %r11, %r15
    and     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC | 0x200), %r15
    cmp     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC | 0x200), %r15
    jne     3f
    pushf
    pop     %r15
    and     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), %r15
    cmp     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), %r15
    jne     4f
    push    $0x202
    popf
    check
    uexit 0
2:  uexit 20
3:  uexit 21
4:  uexit 22
endprog syscall_regs

/* Spin in ring 3 for spin_ticks TSC ticks (the test writes the value into
 * its copy), long enough for timer interrupts to come and go through the
 * IRETQ return, with DF, NT and AC set; then every register and those
 * flags must be as they were. */
prog spin_regs
    mov     x64_up_spin_ticks(%rip), %r15
    rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    add     %rax, %r15
    fill
    pushf
    orq     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), (%rsp)
    popf
    mov     %rdx, %r11              /* rdtsc clobbers rdx: keep it in r11 */
1:  rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    cmp     %r15, %rax
    jb      1b
    mov     %r11, %rdx
    pushf
    pop     %r15
    and     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), %r15
    cmp     $(RFLAGS_DF | RFLAGS_NT | RFLAGS_AC), %r15
    jne     2f
    push    $0x202
    popf
    check
    uexit 0
2:  uexit 22
    .balign 8
    .globl x64_up_spin_ticks
x64_up_spin_ticks:
    .quad   0
endprog spin_regs

/* System calls back to back for loop_ticks TSC ticks (written by the
 * test), the registers checked after each: SYSRET's path with interrupts
 * (and NMIs, if the test sends them) landing anywhere on it. */
prog syscall_loop
    mov     x64_up_loop_ticks(%rip), %r15
    rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    add     %rax, %r15
1:  fill
    mov     $NR_GETPID, %eax
    syscall
    check
    rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    cmp     %r15, %rax
    jb      1b
    uexit 0
    .balign 8
    .globl x64_up_loop_ticks
x64_up_loop_ticks:
    .quad   0
endprog syscall_loop

/* A stack pointer the kernel must not use: non-canonical, a kernel
 * address, zero. SYSCALL does not touch it, and it comes back. */
prog bad_rsp_syscall
    mov     %rsp, %rbx
    movabs  $0x8000000000000000, %rsp
    mov     $NR_GETPID, %eax
    syscall
    movabs  $0xffffffff80000000, %rsp
    mov     $NR_GETPID, %eax
    syscall
    xor     %esp, %esp
    mov     $NR_GETPID, %eax
    syscall
    test    %rsp, %rsp
    jnz     1f
    mov     %rbx, %rsp
    uexit 0
1:  mov     %rbx, %rsp
    uexit 30
endprog bad_rsp_syscall

/* Each of these must end in the signal its test names. */
prog int3
    int3
    uexit 0
endprog int3
prog int80
    int     $0x80
    uexit 0
endprog int80
prog int_irq                        /* an interrupt controller's vector */
    int     $0x30
    uexit 0
endprog int_irq
prog int_pf                         /* an IST vector */
    int     $14
    uexit 0
endprog int_pf
prog int_nmi
    int     $2
    uexit 0
endprog int_nmi
prog hlt
    hlt
    uexit 0
endprog hlt
prog cli
    cli
    uexit 0
endprog cli
prog port_in
    in      $0x80, %al
    uexit 0
endprog port_in
prog swapgs
    swapgs
    uexit 0
endprog swapgs
prog rdcr3
    mov     %cr3, %rax
    uexit 0
endprog rdcr3
prog wrmsr
    mov     $0xc0000082, %ecx
    xor     %eax, %eax
    xor     %edx, %edx
    wrmsr
    uexit 0
endprog wrmsr
prog kernel_ss
    mov     $0x10, %ax
    mov     %ax, %ss
    uexit 0
endprog kernel_ss
prog far_kernel_cs                  /* a far return to the kernel's code segment */
    lea     1f(%rip), %rax
    push    $0x08
    push    %rax
    lretq
1:  uexit 0
endprog far_kernel_cs
prog far_compat_cs                  /* entry 5, SYSRET's 32-bit slot: null */
    lea     1f(%rip), %rax
    push    $0x2b
    push    %rax
    lretq
1:  uexit 0
endprog far_compat_cs
prog divzero
    xor     %ecx, %ecx
    mov     $1, %eax
    xor     %edx, %edx
    div     %ecx
    uexit 0
endprog divzero
prog ud2
    ud2
endprog ud2
prog single_step
    pushf
    orq     $RFLAGS_TF, (%rsp)
    popf
    nop
    nop
    uexit 0
endprog single_step
prog noncanon_read
    movabs  $0x8000000000000000, %rax
    mov     (%rax), %rax
    uexit 0
endprog noncanon_read
prog noncanon_jump
    movabs  $0x0000800000000000, %rax
    jmp     *%rax
endprog noncanon_jump
prog last_page_jump                 /* the page below the hole, never user memory */
    movabs  $0x00007ffffffff000, %rax
    jmp     *%rax
endprog last_page_jump
prog kernel_stack                   /* RSP at the kernel's text, then a push */
    movabs  $0xffffffff80100000, %rsp
    push    %rax
    uexit 0
endprog kernel_stack
