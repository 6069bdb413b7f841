/**
 * @file entry.S
 * @brief RISC-V Linux Image header and the first instructions.
 *
 * C prototype implemented: none (this is where execution starts). It must be
 * assembly: there is no stack and .bss is not zeroed yet. Boot protocol
 * (Linux riscv boot.rst, SBI): S-mode, MMU off, a0 = this hart's id, a1 =
 * the DTB's physical address; the other harts wait in the SBI until
 * hal_smp_start() asks HSM for them.
 *
 * The MMU goes on without an identity map: stvec is pointed at the next
 * instruction's link (high) address, satp is written, and the fetch of the
 * following instruction at its physical address faults into stvec, that is,
 * continues at the high address (the same step Linux takes).
 */
#include <boot/efi_pe_header.inc>
#define KSTACK_SHIFT 14 /* kernel/vmalloc.h */
#define RV_SMP_BOOT_SIZE 48 /* struct rv_smp_boot, smp.c */
    .option norelax
    .section .text.boot, "ax"
    .globl _start
_start:
    /* code0 and code1: "MZ", the PE/COFF (DOS) signature that makes the
     * image an EFI application too, as an instruction that only writes s4
     * (c.li s4, -13: 0x5a4d), then the jump a loader of RISC-V Images
     * (OpenSBI's) runs. */
    .2byte  0x5a4d
    j       primary
    .2byte  0
    .8byte  0x200000           /* text_offset: 2 MiB from the start of RAM */
    .8byte  __image_size       /* image_size, includes .bss */
    .8byte  0                  /* flags: little endian */
    .4byte  0x2                /* header version 0.2 */
    .4byte  0                  /* res1 */
    .8byte  0                  /* res2 */
    .ascii  "RISCV\0\0\0"      /* magic (deprecated) */
    .ascii  "RSC\x05"          /* magic2 */
    .4byte  pe_header - _start /* res3: the PE header's offset, where DOS's e_lfanew is */

    /* The PE/COFF header: the image as an EFI application for RISC-V 64
     * (boot/include/boot/efi_pe_header.inc). Our own: Debian's binutils has no PE target for it. */
    efi_pe_header 0x5064

primary:
    rdtime  s2                 /* time at our first instruction (boot bench) */
    /* Only the first hart here boots the kernel; the zeroing of .bss below
     * would wipe a running kernel. Another arrives only when the SBI sent a
     * started hart to the image's start instead of rv_secondary_entry:
     * OpenSBI before v1.3 marks the hart START_PENDING before it writes the
     * new start address, and a hart whose wfi returns early in between
     * leaves with the old one (the kernel's entry, a1 = the DTB). */
    lla     t0, rv_boot_entries
    li      t1, 1
    amoadd.w t1, t1, (t0)
    bnez    t1, late_entry
    mv      s3, a0             /* hart id */
    mv      s1, a1             /* DTB */
    csrw    sie, zero
    csrci   sstatus, 2
    csrw    sscratch, zero     /* trap.S: 0 while the kernel runs */
    /* PC-relative (lla) addresses are physical until the MMU is on. */
    lla     sp, __stack_top
    lla     t0, __bss_start
    lla     t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    sd      zero, 8(t0)
    addi    t0, t0, 16
    j       1b
2:  mv      a0, s1
    lla     a1, _start
    call    rv_mmu_build       /* a0 = satp */
    lla     t0, .Lhigh_link
    ld      t0, 0(t0)
    csrw    stvec, t0
    sfence.vma
    csrw    satp, a0
    /* Reached only if satp kept its old value: a hart without Sv48 ignores
     * the write (satp is WARL). Otherwise this fetch faults into stvec.
     * Then the same tables as Sv39, and if that is refused too, a message. */
    call    rv_mmu_sv39_satp
    csrw    satp, a0
    call    rv_no_paging
    .balign 4
high:
    .cfi_sections .debug_frame /* the linker script drops .eh_frame */
    .cfi_startproc
    .cfi_undefined ra          /* the outermost frame: gdb's backtrace ends here */
    lla     sp, __stack_top    /* from here on everything is at 0xffffffff8... */
    lla     t0, rv_trap_entry
    csrw    stvec, t0
    li      s0, 0              /* end of the frame chain for backtraces */
    li      ra, 0
    mv      a0, s1
    mv      a1, s2
    mv      a2, s3
    call    rv_main
3:  wfi
    j       3b
    .cfi_endproc

    /*
     * A hart that came in at the image's start after the boot hart (above),
     * or at rv_secondary_entry with an a1 that is not its block (the same
     * race with the old argument): a0 = its hart id. The boot hart wrote this hart's
     * struct rv_smp_boot before it asked the SBI to start it, so the newest
     * block for this hart id (smp.c: one per start, never reused) is where
     * it should have gone; it marks the block and goes on from there. A
     * hart with no block was not started by us: it waits here for good.
     */
late_entry:
    lla     t0, rv_boot_blocks_used
    lwu     t1, 0(t0)
    li      t2, RV_SMP_BOOT_SIZE
    mul     t1, t1, t2
    lla     a1, rv_boot_blocks
    add     a1, a1, t1         /* one past the newest block */
    lla     t0, rv_boot_blocks
6:  bleu    a1, t0, 7f
    addi    a1, a1, -RV_SMP_BOOT_SIZE
    ld      t1, 32(a1)         /* hartid */
    bne     t1, a0, 6b
    li      t1, 1
    sd      t1, 40(a1)         /* misdirected: smp.c reports it */
    j       .Lsec_block_ok
7:  wfi
    j       7b

    /*
     * A hart that SBI HSM hart_start started (smp.c): S-mode, MMU off,
     * a0 = its hart id, a1 = the physical address of its struct
     * rv_smp_boot (smp.c), checked before use. It switches the
     * MMU on the same way and calls rv_secondary_main(arg, hart).
     */
    .globl  rv_secondary_entry
    .balign 4
rv_secondary_entry:
    lla     t0, rv_boot_blocks /* a1 must be a block, and this hart's */
    bltu    a1, t0, late_entry
    lla     t1, rv_boot_blocks_used
    lwu     t1, 0(t1)
    li      t2, RV_SMP_BOOT_SIZE
    mul     t1, t1, t2
    add     t0, t0, t1
    bgeu    a1, t0, late_entry
    ld      t1, 32(a1)         /* hartid */
    bne     t1, a0, late_entry
.Lsec_block_ok:
    csrw    sie, zero
    csrci   sstatus, 2
    csrw    sscratch, zero
    ld      t1, 0(a1)          /* satp */
    ld      s2, 8(a1)          /* stack top (virtual) */
    ld      s3, 16(a1)         /* arg */
    ld      s4, 24(a1)         /* struct rv_hart * (virtual) */
    lla     t0, .Lsec_high_link
    ld      t0, 0(t0)
    csrw    stvec, t0
    sfence.vma
    csrw    satp, t1
    /* Only if this hart refused the boot hart's mode (its DT said it had
     * it): park it; the boot hart reports that it never came up. */
5:  wfi
    j       5b
    .balign 4
sec_high:
    .cfi_startproc             /* a started hart's outermost frame, as above */
    .cfi_undefined ra
    mv      sp, s2
    lla     t0, rv_trap_entry
    csrw    stvec, t0
    li      s0, 0
    li      ra, 0
    mv      a0, s3
    mv      a1, s4
    call    rv_secondary_main
4:  wfi
    j       4b
    .cfi_endproc

    /*
     * The PE entry point: UEFI (U-Boot's bootefi) calls it as a function
     * with a0 = the image handle, a1 = the system table, in S-mode with
     * satp 0 (physical addresses) wherever it loaded the file.
     * efi_stub_main() (boot/efi_stub.c) returns only if the kernel cannot
     * start, with the status the firmware gets back.
     */
    .section .text
    .globl  efi_pe_entry
efi_pe_entry:
    addi    sp, sp, -16
    sd      ra, 8(sp)
    rdtime  a2                 /* the firmware's part of boot ends here */
    call    efi_stub_main
    ld      ra, 8(sp)
    addi    sp, sp, 16
    ret

    /*
     * efi_arch_enter(entry, dtb, image, size, hart) (boot/efi.h): boot
     * services are gone. Interrupts off, the instruction stream made to see
     * the image the stub copied (fence.i), no translation (UEFI's satp is 0
     * already: made sure), and the image entered as OpenSBI enters it: a0 =
     * the boot hart's id, a1 = the DTB.
     */
    .globl  efi_arch_enter
efi_arch_enter:
    csrw    sie, zero
    csrci   sstatus, 2
    fence.i
    csrw    satp, zero
    sfence.vma
    mv      t0, a0
    mv      a0, a4
    jr      t0

    .section .rodata
    .globl  efi_arch_image_align
    .balign 8
efi_arch_image_align:
    .8byte  0x200000           /* text_offset's 2 MiB */
    .globl  efi_arch_boots_acpi
efi_arch_boots_acpi:
    .8byte  0                  /* a device tree only */

    /* In .data, not .bss: the boot hart zeroes .bss after it counted itself. */
    .section .data
    .balign 4
rv_boot_entries:
    .4byte  0

    .section .rodata
    .balign 8
.Lhigh_link:
    .8byte  high
.Lsec_high_link:
    .8byte  sec_high

    /* The boot stack has the shape trap.S expects of every kernel stack:
     * 16 KiB, base 32 KiB-aligned (its overflow check tests SP bit 14). */
    .section .bss
    .balign 32768
    .space  16384
    .globl  __stack_top
__stack_top:
