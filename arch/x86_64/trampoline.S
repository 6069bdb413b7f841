/**
 * @file trampoline.S
 * @brief Where an application processor starts: real mode to long mode.
 *
 * C prototype implemented: none; smp.c copies the bytes between
 * x64_tramp_start and x64_tramp_end to X64_TRAMP_PHYS (below 1 MiB, 4 KiB
 * aligned) and fills the fields marked "filled" at the offsets listed in
 * x64_tramp_offsets, since the code cannot know where it runs until it is copied. A
 * Startup IPI with vector X64_TRAMP_PHYS >> 12 starts the CPU in real mode
 * at CS:IP = (X64_TRAMP_PHYS >> 4):0 (SDM vol. 3A, 9.4.4). It then:
 *
 *   16-bit: load the trampoline's GDT, set CR0.PE, far-jump to 32-bit code
 *   32-bit: flat segments, CR4.PAE, CR3 = the trampoline's PML4 (below
 *           4 GiB: a 32-bit mov), EFER.LME|NXE, CR0.PG, far-jump to 64-bit
 *   64-bit: still at the low address (identity-mapped by that PML4, whose
 *           upper half is the kernel's), take the stack, the argument and
 *           the entry from the fields and call the entry (high, in .text),
 *           which switches to the kernel's own CR3 and never returns.
 *
 * It is data in .rodata (never run in place), so its only references are
 * differences of labels inside it, resolved at assembly time.
 */
    .section .rodata
    .balign 16
    .globl  x64_tramp_start, x64_tramp_end, x64_tramp_offsets

    .code16
x64_tramp_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    lgdtl   tr_gdtr - x64_tramp_start
    mov     %cr0, %eax
    or      $1, %eax                /* PE */
    mov     %eax, %cr0
    /* ljmpl $0x08, $(base + tr_32): 66 EA imm32 imm16 */
    .byte   0x66, 0xea
tr_jmp32:
    .long   0                       /* filled: physical address of tr_32 */
    .word   0x08

    .code32
tr_32:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $(1 << 5), %eax         /* PAE */
    mov     %eax, %cr4
    .byte   0xb8                    /* mov $imm32, %eax */
tr_cr3:
    .long   0                       /* filled: physical address of the PML4 */
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx       /* EFER */
    rdmsr
    or      $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
    wrmsr
    mov     %cr0, %eax
    or      $((1 << 31) | 1), %eax  /* PG, PE */
    mov     %eax, %cr0
    /* ljmp $0x18, $(base + tr_64): EA imm32 imm16 */
    .byte   0xea
tr_jmp64:
    .long   0                       /* filled: physical address of tr_64 */
    .word   0x18

    .code64
tr_64:
    mov     tr_stack(%rip), %rsp
    mov     tr_arg(%rip), %rdi
    mov     tr_entry(%rip), %rax
    xor     %ebp, %ebp              /* end of the frame chain */
    call    *%rax                   /* leaves RSP 8 mod 16, as at any C entry */
1:  cli
    hlt
    jmp     1b

    .balign 8
tr_stack:
    .quad   0                       /* filled: top of the CPU's kernel stack */
tr_arg:
    .quad   0                       /* filled: the entry's argument */
tr_entry:
    .quad   0                       /* filled: the entry, a high kernel address */
    /* Accessed bits preset, so loading a segment never writes the table. */
tr_gdt:
    .quad   0
    .quad   0x00cf9b000000ffff      /* 0x08: 32-bit code */
    .quad   0x00cf93000000ffff      /* 0x10: data */
    .quad   0x00af9b000000ffff      /* 0x18: 64-bit code */
tr_gdtr:
    .word   tr_gdtr - tr_gdt - 1
    .long   0                       /* filled: physical address of tr_gdt */
x64_tramp_end:

    /* Offsets from x64_tramp_start, in the order of enum tramp_off (smp.c). */
    .balign 8
x64_tramp_offsets:
    .quad   tr_gdt - x64_tramp_start
    .quad   tr_gdtr + 2 - x64_tramp_start
    .quad   tr_jmp32 - x64_tramp_start
    .quad   tr_32 - x64_tramp_start
    .quad   tr_cr3 - x64_tramp_start
    .quad   tr_jmp64 - x64_tramp_start
    .quad   tr_64 - x64_tramp_start
    .quad   tr_stack - x64_tramp_start
    .quad   tr_arg - x64_tramp_start
    .quad   tr_entry - x64_tramp_start
