/**
 * @file arch/smap_asm.h
 * @brief x86_64 assembly macros for SMAP (isr.S, uaccess.S): STAC and CLAC
 *        only when the kernel turned SMAP on (x64_smap_on, user.c), since
 *        both are #UD on a CPU without it. Assembly only.
 */
#ifndef ARCH_X64_SMAP_ASM_H
#define ARCH_X64_SMAP_ASM_H
#ifdef __ASSEMBLER__
/** @cond ASM_MACROS */
    /* STAC if SMAP is on (changes the flags). */
    .macro stac_if_smap
    testb   $1, x64_smap_on(%rip)
    jz      .Lno_smap\@
    stac
.Lno_smap\@:
    .endm

    /* CLAC if SMAP is on (changes the flags). */
    .macro clac_if_smap
    testb   $1, x64_smap_on(%rip)
    jz      .Lno_smap\@
    clac
.Lno_smap\@:
    .endm
/** @endcond */
#endif
#endif
