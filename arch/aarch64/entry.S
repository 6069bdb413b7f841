/**
 * @file entry.S
 * @brief arm64 Image header and the first instructions.
 *
 * C prototype implemented: none (this is where execution starts). It must be
 * assembly: there is no stack, we may be at EL2, and .bss is not zeroed yet.
 * Boot protocol (Linux arm64 booting.rst): x0 = DTB physical address, MMU
 * off, entered at EL2 or EL1.
 */
#include <boot/efi_pe_header.inc>
    /* Leave EL2 for EL1 (both the boot CPU and every CPU PSCI starts come
     * through here when the guest owns EL2): clobbers x1, x2; \reread runs
     * right after CNTVOFF_EL2 is set; eret lands at \target with DAIF
     * masked. */
    .macro  el2_to_el1 target, reread
    /* EL2 -> EL1: AArch64 EL1 and no traps to EL2 (HCR_EL2: RW only, so
     * IRQs go to EL1 too); EL1 may use the physical counter and timer, and
     * the virtual counter is the physical one (no offset); the EL2 timer is
     * off. Then eret with DAIF masked. */
    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    /* CPTR_EL2: FP/SIMD does not trap to EL2 (TFP clear; RES1 bits set,
     * TZ too: no SVE). Its reset value is UNKNOWN. */
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    mov     x1, #3             /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    isb
    \reread
    msr     cnthp_ctl_el2, xzr
    /* GICv3 CPU interface (if ID_AA64PFR0_EL1.GIC says there is one; else
     * the ICC_* registers are UNDEFINED): ICC_SRE_EL2.Enable lets EL1 reach
     * ICC_SRE_EL1, and SRE must be set here for EL1's SRE to stick. The
     * virtual CPU interface stays off. */
    mrs     x1, id_aa64pfr0_el1
    ubfx    x1, x1, #24, #4
    cbz     x1, 4\@f
    mrs     x1, icc_sre_el2
    mov     x2, #0x9           /* Enable | SRE */
    orr     x1, x1, x2
    msr     icc_sre_el2, x1
    isb
    msr     ich_hcr_el2, xzr
4\@: /* PMU: MDCR_EL2 with TPM/TPMCR/TDA... clear so nothing traps, and
     * HPMN = PMCR_EL0.N so EL1 owns every event counter. PMCR_EL0 exists only
     * with a PMUv3 (ID_AA64DFR0_EL1.PMUVer neither 0 nor 0xf). */
    mov     x2, #0
    mrs     x1, id_aa64dfr0_el1
    ubfx    x1, x1, #8, #4
    cbz     x1, 5\@f
    cmp     x1, #0xf
    b.eq    5\@f
    mrs     x2, pmcr_el0
    ubfx    x2, x2, #11, #5
5\@: msr     mdcr_el2, x2
    mov     x1, #0x3c5         /* EL1h, D A I F masked */
    msr     spsr_el2, x1
    adr     x1, \target
    msr     elr_el2, x1
    eret
    .endm

    /* DC \op on each data cache line of [\start, \end), then dsb sy;
     * clobbers \line (the line size, from CTR_EL0.DminLine) and \cur. */
    .macro  dcache_range op, start, end, line, cur
    mrs     \line, ctr_el0
    ubfx    \line, \line, #16, #4 /* DminLine: log2(words) */
    mov     \cur, #4
    lsl     \line, \cur, \line    /* line size in bytes */
    sub     \cur, \line, #1
    bic     \cur, \start, \cur
9\@: dc      \op, \cur
    add     \cur, \cur, \line
    cmp     \cur, \end
    b.lo    9\@b
    dsb     sy
    .endm

    .section .text.boot, "ax"
    .globl _start
_start:
    /* code0: "MZ", the PE/COFF (DOS) signature that makes the Image an
     * EFI application too, as an instruction that does nothing harmful:
     * ccmp x18, #0, #0xd, pl (0xfa405a4d) changes only the flags. A loader
     * of arm64 Images (QEMU's -kernel) runs it and code1's branch. */
    .long   0xfa405a4d         /* code0 */
    b       primary            /* code1 */
    .quad   0                  /* text_offset */
    .quad   __image_size       /* image_size, includes .bss */
    .quad   0xa                /* flags: little endian, 4K pages, anywhere */
    .quad   0, 0, 0            /* res2..res4 */
    .ascii  "ARM\x64"          /* magic */
    .long   pe_header - _start /* res5: the PE header's offset, where DOS's e_lfanew is */

    /* The PE/COFF header: the image as an EFI application for ARM64
     * (boot/include/boot/efi_pe_header.inc). */
    efi_pe_header 0xaa64

primary:
    mrs     x19, cntvct_el0    /* counter at our first instruction (boot bench) */
    mov     x20, x0            /* DTB */
    mrs     x21, CurrentEL
    lsr     x21, x21, #2
    and     x21, x21, #3
    cmp     x21, #2
    b.ne    at_el1
    /* At EL2 CNTVCT_EL0 was the physical count minus CNTVOFF_EL2, which
     * resets to an UNKNOWN value (or whatever a loader left), so the first
     * reading may be in another timebase: read the boot counter again once
     * the offset is 0. */
    el2_to_el1 at_el1, "mrs x19, cntvct_el0"
at_el1:
    /* A known SCTLR_EL1 whichever EL we came from: firmware may have left
     * WXN, alignment checks or big-endian data set, and several fields reset
     * UNKNOWN. MMU and caches off, RES1 bits set, little endian. */
    ldr     x1, =0x30d00800
    msr     sctlr_el1, x1
    /* FP/SIMD at EL0 and EL1 without traps (CPACR_EL1.FPEN 0b11): user
     * threads own those registers; the kernel is built without them. */
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb
    /* MMU off: run at the physical load address. adrp/add are PC-relative,
     * so they give physical addresses here; `ldr =sym` gives link (high) ones. */
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
    /* .bss is past the loaded image, which is all the boot protocol has
     * cleaned to the point of coherency: a dirty line the loader left there
     * could be written back over our non-cacheable stores. Invalidate first
     * (mmu.c invalidates again after writing, for stale clean lines). */
    dcache_range ivac, x1, x2, x3, x4
    /* Zero 64 bytes per iteration, then the tail 16 at a time (the linker
     * script ends .bss on a 16-byte boundary): with the MMU off every store
     * is a Device access and DC ZVA is not allowed, and under TCG the loop's
     * own instructions are a visible part of boot (.bss is ~400 KiB). */
1:  sub     x3, x2, x1
    cmp     x3, #64
    b.lo    6f
    stp     xzr, xzr, [x1]
    stp     xzr, xzr, [x1, #16]
    stp     xzr, xzr, [x1, #32]
    stp     xzr, xzr, [x1, #48]
    add     x1, x1, #64
    b       1b
6:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       6b
2:  mov     x0, x20
    adr     x1, _start
    bl      a64_mmu_enable     /* returns with the MMU on, still at the low address */
    ldr     x1, =high
    br      x1
    /* From here the boot CPU runs C: this is the outermost frame, and its
     * CFI says so (the return address register is undefined), so gdb's
     * backtrace ends here rather than unwinding into whatever x30 held. */
high:
    .cfi_sections .debug_frame /* the linker script drops .eh_frame */
    .cfi_startproc
    .cfi_undefined x30
    ldr     x1, =__stack_top   /* from here on everything is at 0xffffffff8... */
    mov     sp, x1
    ldr     x1, =a64_vectors
    msr     vbar_el1, x1
    isb
    bl      a64_mmu_drop_identity
    mov     x29, #0            /* end of the frame chain for backtraces */
    mov     x30, #0
    mov     x0, x20
    mov     x1, x19
    mov     x2, x21
    bl      a64_main
hang:
    wfe
    b       hang
    .cfi_endproc

    /*
     * A CPU that PSCI CPU_ON started (platform.c, a64_smp_start): MMU off,
     * at EL2 or EL1, x0 = the physical address of its struct a64_smp_boot
     * { mair, tcr, ttbr0, ttbr1, stack_top, arg } (cleaned to the point of
     * coherency, since this CPU reads it with caching off). It switches the
     * MMU on with the boot CPU's registers: TTBR0 is the boot identity map
     * of the image, still in .bss, for the few instructions until the branch
     * high; then it runs on its stack with the vectors installed and calls
     * a64_secondary_main(arg).
     */
    .globl  a64_secondary_entry
a64_secondary_entry:
    mov     x19, x0
    mrs     x21, CurrentEL
    lsr     x21, x21, #2
    and     x21, x21, #3
    cmp     x21, #2
    b.ne    sec_el1
    el2_to_el1 sec_el1, ""
sec_el1:
    ldr     x1, =0x30d00800    /* the same known SCTLR_EL1 as the boot CPU */
    msr     sctlr_el1, x1
    mov     x1, #(3 << 20)     /* and the same CPACR_EL1 */
    msr     cpacr_el1, x1
    isb
    ldp     x1, x2, [x19]      /* mair, tcr */
    ldp     x3, x4, [x19, #16] /* ttbr0 (identity), ttbr1 (kernel) */
    ldp     x20, x22, [x19, #32] /* stack top, arg: kept across the switch */
    msr     mair_el1, x1
    msr     tcr_el1, x2
    msr     ttbr0_el1, x3
    msr     ttbr1_el1, x4
    isb
    tlbi    vmalle1
    dsb     nsh
    ic      iallu
    dsb     nsh
    isb
    mrs     x1, sctlr_el1
    mov     x2, #((1 << 0) | (1 << 2) | (1 << 12)) /* M, C, I */
    orr     x1, x1, x2
    msr     sctlr_el1, x1
    isb
    ldr     x1, =sec_high
    br      x1
sec_high:
    .cfi_startproc             /* a secondary CPU's outermost frame, as above */
    .cfi_undefined x30
    mov     sp, x20
    ldr     x1, =a64_vectors
    msr     vbar_el1, x1
    isb
    bl      a64_mmu_drop_identity
    mov     x29, #0
    mov     x30, #0
    mov     x0, x22
    bl      a64_secondary_main
1:  wfe
    b       1b
    .cfi_endproc

    /*
     * The PE entry point: UEFI calls it as a function (AAPCS64) with x0 =
     * the image handle, x1 = the system table, the MMU on and the image
     * identity-mapped wherever the firmware put it. efi_stub_main()
     * (boot/efi_stub.c) returns only if the kernel cannot start, with the
     * status the firmware gets back.
     */
    .globl  efi_pe_entry
efi_pe_entry:
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    mrs     x2, cntvct_el0     /* the firmware's part of boot ends here */
    bl      efi_stub_main
    ldp     x29, x30, [sp], #16
    ret

    /*
     * efi_arch_enter(entry, dtb, image, size, cpu) (boot/efi.h; cpu unused:
     * the boot CPU finds itself in MPIDR_EL1): boot services
     * are gone. Clean the image the stub laid out and the device tree to
     * the point of coherency (the kernel's first instructions run with
     * caches off, and fetch and read what the stub wrote through them),
     * turn the MMU and caches off at this EL (the firmware's map is an
     * identity map, so the next instruction is where it was), and enter
     * the image as the arm64 boot protocol says: x0 = DTB, x1-x3 = 0.
     */
    .globl  efi_arch_enter
efi_arch_enter:
    msr     daifset, #0xf
    mov     x19, x0
    mov     x20, x1
    add     x3, x2, x3
    bl      efi_clean_range    /* [x2, x3) */
    cbz     x20, 1f
    ldr     w3, [x20, #4]      /* the blob's totalsize, big-endian */
    rev     w3, w3
    mov     x2, x20
    add     x3, x2, x3
    bl      efi_clean_range
1:  mov     x1, #((1 << 0) | (1 << 2) | (1 << 12)) /* M, C, I */
    mrs     x0, CurrentEL
    cmp     x0, #(2 << 2)
    b.ne    2f
    mrs     x0, sctlr_el2
    bic     x0, x0, x1
    msr     sctlr_el2, x0
    b       3f
2:  mrs     x0, sctlr_el1
    bic     x0, x0, x1
    msr     sctlr_el1, x0
3:  isb
    ic      iallu
    dsb     nsh
    isb
    mov     x0, x20
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    br      x19

    /* Clean and invalidate [x2, x3); clobbers x6, x7. */
efi_clean_range:
    dcache_range civac, x2, x3, x6, x7
    ret

    .section .rodata
    .globl  efi_arch_image_align
    .balign 8
efi_arch_image_align:
    .quad   0x200000           /* the Image protocol's 2 MiB */
    .globl  efi_arch_boots_acpi
efi_arch_boots_acpi:
    .quad   1                  /* with x0 = 0: acpi.c */

    /* The boot stack has the shape vectors.S expects of every kernel stack:
     * 16 KiB, base 32 KiB-aligned (its overflow check tests SP bit 14). */
    .section .bss
    .balign 32768
    .space  16384
    .globl  __stack_top
__stack_top:
