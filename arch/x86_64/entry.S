/**
 * @file entry.S
 * @brief Multiboot2 header, 32-bit entry, and the switch to long mode.
 *
 * C prototype implemented: none; GRUB jumps here in 32-bit protected mode,
 * paging off, EAX = 0x36d76289, EBX = physical address of the info. We check
 * the CPU, build page tables (identity map of the first 1 GiB with 2 MiB
 * pages, except the first 2 MiB in 4 KiB pages with page 0 left unmapped so
 * that NULL faults), enable PAE + LME + NXE + paging, and far-jump to 64-bit.
 * Then void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0).
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_HEADER_LEN (mb2_end - mb2_start)

    .section .multiboot, "a"
    .balign 8
mb2_start:
    .long   MB2_MAGIC
    .long   0                       /* i386 protected mode */
    .long   MB2_HEADER_LEN
    .long   -(MB2_MAGIC + 0 + MB2_HEADER_LEN)
    .balign 8                       /* entry address tag */
    .short  3, 0
    .long   12
    .long   _start32
    .balign 8                       /* end tag */
    .short  0, 0
    .long   8
mb2_end:

    .section .text.boot, "ax"
    .code32
    .globl _start32
_start32:
    cli
    mov     %eax, %edi              /* magic */
    mov     %ebx, %esi              /* info */
    rdtsc                           /* counter at our first instructions (boot bench) */
    mov     %eax, tsc0
    mov     %edx, tsc0 + 4
    mov     $boot_stack_top, %esp

    /* Long mode and NX are required: CPUID 0x80000001 EDX bits 29 and 20. */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      no_long_mode
    mov     $0x80000001, %eax
    cpuid
    test    $(1 << 29), %edx
    jz      no_long_mode
    test    $(1 << 20), %edx
    jz      no_long_mode

    /* PML4[0] -> PDPT[0] -> PD: PD[0] -> PT (4 KiB pages, page 0 absent), PD[1..511] 2 MiB pages. */
    movl    $(boot_pdpt + 0x3), boot_pml4
    movl    $(boot_pd + 0x3), boot_pdpt
    movl    $(boot_pt + 0x3), boot_pd
    mov     $1, %ecx
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax             /* present, writable, 2 MiB */
    mov     %eax, boot_pd(, %ecx, 8)
    inc     %ecx
    cmp     $512, %ecx
    jb      1b
    mov     $1, %ecx                /* PT[0] stays 0: page 0 unmapped */
2:  mov     %ecx, %eax
    shl     $12, %eax
    or      $0x3, %eax
    mov     %eax, boot_pt(, %ecx, 8)
    inc     %ecx
    cmp     $512, %ecx
    jb      2b

    mov     $boot_pml4, %eax
    mov     %eax, %cr3
    mov     %cr4, %eax
    or      $(1 << 5), %eax         /* PAE */
    mov     %eax, %cr4
    mov     $0xc0000080, %ecx       /* EFER */
    rdmsr
    or      $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
    wrmsr
    mov     %cr0, %eax
    or      $((1 << 31) | (1 << 16) | 1), %eax  /* PG, WP, PE */
    mov     %eax, %cr0
    lgdt    boot_gdtr
    ljmp    $0x08, $long_mode

no_long_mode:
    mov     $msg_no_lm, %esi
3:  lodsb
    test    %al, %al
    jz      4f
    mov     $0x3f8, %dx
    out     %al, %dx
    jmp     3b
4:  hlt
    jmp     4b

    .code64
long_mode:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    xor     %ax, %ax
    mov     %ax, %fs
    mov     %ax, %gs
    /* Zero .bss (GRUB does too, but we do not rely on a loader for it). */
    mov     %rdi, %r12
    mov     %rsi, %r13
    mov     $__bss_start, %rdi
    mov     $__bss_end, %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb
    mov     $boot_stack_top, %rsp
    xor     %ebp, %ebp
    mov     %r12, %rdi
    mov     %r13, %rsi
    mov     tsc0, %rdx
    call    x64_main
5:  cli
    hlt
    jmp     5b

    .section .rodata
msg_no_lm:
    .asciz  "kernel: this CPU has no long mode or no NX; cannot boot\r\n"
    .balign 8
boot_gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
    .quad   0x00cf92000000ffff      /* 0x10: data */
boot_gdtr:
    .short  boot_gdtr - boot_gdt - 1
    .quad   boot_gdt

    .section .data
    .balign 8
tsc0:
    .quad   0

    /* Page tables live in .data, not .bss: they are in use when .bss is zeroed. */
    .section .data
    .balign 4096
boot_pml4: .space 4096
boot_pdpt: .space 4096
boot_pd:   .space 4096
boot_pt:   .space 4096

    .section .bss
    .balign 16
    .space  16384
    .globl  boot_stack_top
boot_stack_top:
