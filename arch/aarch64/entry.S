/**
 * @file entry.S
 * @brief arm64 Image header and the first instructions.
 *
 * C prototype implemented: none (this is where execution starts). It must be
 * assembly: there is no stack, we may be at EL2, and .bss is not zeroed yet.
 * Boot protocol (Linux arm64 booting.rst): x0 = DTB physical address, MMU
 * off, entered at EL2 or EL1.
 */
    .section .text.boot, "ax"
    .globl _start
_start:
    b       primary            /* code0 */
    .long   0                  /* code1 */
    .quad   0                  /* text_offset */
    .quad   __image_size       /* image_size, includes .bss */
    .quad   0xa                /* flags: little endian, 4K pages, anywhere */
    .quad   0, 0, 0            /* res2..res4 */
    .ascii  "ARM\x64"          /* magic */
    .long   0                  /* res5: no PE header */

primary:
    mrs     x19, cntvct_el0    /* counter at our first instruction (boot bench) */
    mov     x20, x0            /* DTB */
    mrs     x21, CurrentEL
    lsr     x21, x21, #2
    and     x21, x21, #3
    cmp     x21, #2
    b.ne    at_el1
    /* EL2 -> EL1: AArch64 EL1, EL1 may read the counters, no virtual offset,
     * a known SCTLR_EL1 (its reset value is UNKNOWN), then eret with DAIF masked. */
    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    mov     x1, #3
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    ldr     x1, =0x30d00800
    msr     sctlr_el1, x1
    mov     x1, #0x3c5         /* EL1h, D A I F masked */
    msr     spsr_el2, x1
    adr     x1, at_el1
    msr     elr_el2, x1
    eret
at_el1:
    /* MMU off: run at the physical load address. adrp/add are PC-relative,
     * so they give physical addresses here; `ldr =sym` gives link (high) ones. */
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  mov     x0, x20
    adr     x1, _start
    bl      a64_mmu_enable     /* returns with the MMU on, still at the low address */
    ldr     x1, =high
    br      x1
high:
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

    .section .bss
    .balign 16
    .space  16384
    .globl  __stack_top
__stack_top:
