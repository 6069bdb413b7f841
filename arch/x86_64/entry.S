/**
 * @file entry.S
 * @brief Multiboot2 header, 32-bit entry, and the switch to the 64-bit higher half.
 *
 * C prototype implemented: none; GRUB jumps here in 32-bit protected mode,
 * paging off, EAX = 0x36d76289, EBX = physical address of the info. The
 * image is linked at 0xffffffff80000000 but loaded at physical 2 MiB, so
 * until paging is on every address is written PA(sym). We check the CPU and
 * build the boot page tables:
 *
 *   PML4[0]   identity of the first GiB (2 MiB pages): only for the jump to
 *             the high address; mmu.c removes it
 *   PML4[256] direct map of physical 0-4 GiB (2 MiB pages, NX)
 *   PML4[511] PDPT[510] PD[0-1]: the image, two 2 MiB pages from physical 2 MiB
 *             (mmu.c replaces it with 4 KiB pages and W^X)
 *
 * then enable PAE + LME + NXE + paging, far-jump to 64-bit code, jump high,
 * and call void x64_main(uint32_t magic, uint32_t info, uint64_t tsc0).
 */
#include <arch/memlayout.h>

#define MB2_MAGIC 0xe85250d6
#define MB2_HEADER_LEN (mb2_end - mb2_start)
#define PA(sym) ((sym) - 0xffffffff80000000 + X64_KERNEL_PHYS)
#define PTE_PW 0x3                  /* present, writable */
#define PTE_PW_2M 0x83              /* present, writable, 2 MiB page */

    .section .multiboot, "a"
    .balign 8
mb2_start:
    .long   MB2_MAGIC
    .long   0                       /* i386 protected mode */
    .long   MB2_HEADER_LEN
    .long   -(MB2_MAGIC + 0 + MB2_HEADER_LEN)
    .balign 8                       /* entry address tag (physical) */
    .short  3, 0
    .long   12
    .long   PA(_start32)
    /* Framebuffer tag: ask GRUB for a linear framebuffer (1024x768, 32 bits
     * per pixel, or the nearest it finds) instead of VGA text, under BIOS
     * (GRUB's video drivers) and UEFI (GOP) alike; optional (flags 1), so a machine with no
     * video still boots, with no framebuffer tag in the info. */
    .balign 8
    .short  5, 1
    .long   20
    .long   1024, 768, 32
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
    mov     %eax, PA(tsc0)
    mov     %edx, PA(tsc0) + 4
    mov     $PA(boot_stack_top), %esp

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

    movl    $(PA(boot_pdpt_low) + PTE_PW), PA(boot_pml4)
    movl    $(PA(boot_pd_low) + PTE_PW), PA(boot_pdpt_low)
    movl    $(PA(boot_pdpt_dmap) + PTE_PW), PA(boot_pml4) + 256 * 8
    movl    $(PA(boot_pdpt_k) + PTE_PW), PA(boot_pml4) + 511 * 8
    movl    $(PA(boot_pd_k) + PTE_PW), PA(boot_pdpt_k) + 510 * 8
    movl    $(X64_KERNEL_PHYS + PTE_PW_2M), PA(boot_pd_k)
    movl    $(X64_KERNEL_PHYS + 0x200000 + PTE_PW_2M), PA(boot_pd_k) + 8
    xor     %ecx, %ecx              /* identity: 512 x 2 MiB */
1:  mov     %ecx, %eax
    shl     $21, %eax
    or      $PTE_PW_2M, %eax
    mov     %eax, PA(boot_pd_low)(, %ecx, 8)
    inc     %ecx
    cmp     $512, %ecx
    jb      1b
    xor     %ecx, %ecx              /* direct map: 4 PDs x 512 x 2 MiB = 4 GiB */
2:  mov     %ecx, %eax
    shl     $21, %eax
    or      $PTE_PW_2M, %eax
    mov     %eax, PA(boot_pd_dmap)(, %ecx, 8)
    movl    $0x80000000, PA(boot_pd_dmap) + 4(, %ecx, 8)   /* NX */
    inc     %ecx
    cmp     $2048, %ecx
    jb      2b
    xor     %ecx, %ecx
3:  mov     %ecx, %eax
    shl     $12, %eax
    add     $(PA(boot_pd_dmap) + PTE_PW), %eax
    mov     %eax, PA(boot_pdpt_dmap)(, %ecx, 8)
    inc     %ecx
    cmp     $4, %ecx
    jb      3b

    mov     $PA(boot_pml4), %eax
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
    lgdt    PA(boot_gdtr)
    ljmp    $0x08, $PA(long_mode)

no_long_mode:
    mov     $PA(msg_no_lm), %esi
4:  lodsb
    test    %al, %al
    jz      5f
    mov     $0x3f8, %dx
    out     %al, %dx
    jmp     4b
5:  hlt
    jmp     5b

    .code64
long_mode:
    movabs  $high, %rax             /* still at the low address: go high */
    jmp     *%rax
high:
    /* The outermost frame of the boot CPU's C: its CFI says the return
     * address is undefined, so gdb's backtrace ends here instead of reading
     * a return address from the empty stack and running into junk. */
    .cfi_sections .debug_frame /* the linker script drops .eh_frame */
    .cfi_startproc
    .cfi_undefined %rip
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    xor     %ax, %ax
    mov     %ax, %fs
    mov     %ax, %gs
    mov     $boot_stack_top, %rsp
    /* Zero .bss (GRUB does too, but we do not rely on a loader for it).
     * Eight bytes per iteration, then the tail: QEMU TCG runs a rep string
     * instruction one iteration at a time, and .bss is ~300 KiB. */
    mov     %rdi, %r12
    mov     %rsi, %r13
    mov     $__bss_start, %rdi
    mov     $__bss_end, %rdx
    sub     %rdi, %rdx
    mov     %rdx, %rcx
    shr     $3, %rcx
    xor     %eax, %eax
    rep stosq
    mov     %rdx, %rcx
    and     $7, %rcx
    rep stosb
    xor     %ebp, %ebp              /* end of the frame chain for backtraces */
    mov     %r12, %rdi
    mov     %r13, %rsi
    mov     tsc0, %rdx
    call    x64_main
6:  cli
    hlt
    jmp     6b
    .cfi_endproc

    .section .rodata
msg_no_lm:
    .asciz  "kernel: this CPU has no long mode or no NX; cannot boot\r\n"
    /* Accessed bits preset (0x9b, 0x93): the CPU would otherwise write them
     * on a segment load, and .rodata is read-only once mmu.c applies W^X. */
    .balign 8
boot_gdt:
    .quad   0
    .quad   0x00af9b000000ffff      /* 0x08: 64-bit code */
    .quad   0x00cf93000000ffff      /* 0x10: data */
boot_gdtr:                          /* loaded in 32-bit mode: physical base */
    .short  boot_gdtr - boot_gdt - 1
    .quad   PA(boot_gdt)

    .section .data
    .balign 8
tsc0:
    .quad   0

    /* Page tables live in .data, not .bss: they are in use when .bss is zeroed. */
    .section .data
    .balign 4096
    .globl  boot_pml4, boot_pdpt_k
boot_pml4:      .space 4096
boot_pdpt_low:  .space 4096
boot_pd_low:    .space 4096
boot_pdpt_dmap: .space 4096
boot_pd_dmap:   .space 4 * 4096
boot_pdpt_k:    .space 4096
boot_pd_k:      .space 4096

    .section .bss
    .balign 16
    .space  16384
    .globl  boot_stack_top
boot_stack_top:
