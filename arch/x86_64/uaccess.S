/**
 * @file uaccess.S
 * @brief The kernel's only loads and stores of user memory (hal/user.h).
 *
 * C prototypes implemented:
 *   size_t hal_copy_user(void *dst, const void *src, size_t n);
 *   long hal_strncpy_user(char *dst, const char *src, size_t n);
 *
 * Assembly because each instruction that touches user memory must be
 * known by address: it is listed in the exception table (`.ex_table`,
 * pairs { instruction, continuation }, kernel/user/uaccess.c), and the
 * page-fault entry (isr.S) recognises a fault anywhere between
 * x64_uaccess_start and x64_uaccess_end as one the kernel may resolve
 * (user_page_fault(), which may sleep) before it resumes or continues at
 * the fixup (exceptions.c). Which side is the user's the caller knows, not
 * we: both the loads and the stores are listed; exceptions.c fixes up a
 * #PF only at a user address (below hal_user_top()), so a bad kernel
 * pointer still panics.
 *
 * SMAP: the kernel's access to user pages faults unless RFLAGS.AC is set
 * (SDM vol. 3A, 4.6.1); STAC opens and CLAC closes the window around the
 * copy, when SMAP is on (both are #UD on a CPU without it). An interrupt
 * taken inside the window clears AC for its handler and IRETQ restores it
 * (isr.S).
 *
 * Why not `rep movsb`: TCG runs a string instruction one iteration at a
 * time (and -icount counts each). 128 bytes a step instead (sixteen loads
 * and sixteen stores, a fraction of the instructions per byte of a single
 * quadword's step), then 8, then bytes; after a fault in a step the copy
 * goes on byte by byte from the step's start (RSI, RDI and RCX move only
 * once a step's stores are done), so the count of bytes not copied is
 * exact: the faulting byte is found again, by a byte access.
 */
#include <arch/smap_asm.h>

#define EFAULT 14

    /* The instruction at label \insn may fault on user memory; continue at \fixup. */
    .macro extable insn, fixup
    .pushsection .ex_table, "a"
    .balign 8
    .quad   \insn, \fixup
    .popsection
    .endm

    /* One access of a 128-byte step: a fault redoes the step by bytes. */
    .macro step insn:vararg
9999:
    \insn
    extable 9999b, .Lbyte
    .endm

    .text
    .globl x64_uaccess_start, x64_uaccess_end
x64_uaccess_start:

/* size_t hal_copy_user(void *dst, const void *src, size_t n): RDI, RSI, RDX;
 * RCX counts down the bytes left, which is the result. */
    .globl hal_copy_user
hal_copy_user:
    mov     %rdx, %rcx
    stac_if_smap
    cmp     $128, %rcx
    jb      .Lquad_steps
.Lsteps:
    .irp    o, 0, 64                /* two halves of six registers' and two's moves */
    step    mov \o(%rsi), %rax
    step    mov \o+8(%rsi), %rdx
    step    mov \o+16(%rsi), %r8
    step    mov \o+24(%rsi), %r9
    step    mov \o+32(%rsi), %r10
    step    mov \o+40(%rsi), %r11
    step    mov %rax, \o(%rdi)
    step    mov %rdx, \o+8(%rdi)
    step    mov %r8, \o+16(%rdi)
    step    mov %r9, \o+24(%rdi)
    step    mov %r10, \o+32(%rdi)
    step    mov %r11, \o+40(%rdi)
    step    mov \o+48(%rsi), %rax
    step    mov \o+56(%rsi), %rdx
    step    mov %rax, \o+48(%rdi)
    step    mov %rdx, \o+56(%rdi)
    .endr
    add     $128, %rsi
    add     $128, %rdi
    sub     $128, %rcx
    cmp     $128, %rcx
    jae     .Lsteps
.Lquad_steps:
    cmp     $8, %rcx
    jb      .Lbytes
.Lquads:
.Lq_load:
    mov     (%rsi), %rax
.Lq_store:
    mov     %rax, (%rdi)
    add     $8, %rsi
    add     $8, %rdi
    sub     $8, %rcx
    cmp     $8, %rcx
    jae     .Lquads
.Lbytes:
    test    %rcx, %rcx
    jz      .Ldone
.Lbyte:
.Lb_load:
    movb    (%rsi), %al
.Lb_store:
    movb    %al, (%rdi)
    inc     %rsi
    inc     %rdi
    dec     %rcx
    jnz     .Lbyte
.Ldone:                             /* also the byte loop's fixup: RCX bytes were not copied */
    clac_if_smap
    mov     %rcx, %rax
    ret
    extable .Lq_load, .Lbyte        /* nothing of this quadword was copied: redo it byte by byte */
    extable .Lq_store, .Lbyte
    extable .Lb_load, .Ldone
    extable .Lb_store, .Ldone

/* long hal_strncpy_user(char *dst, const char *src, size_t n): RDI, RSI,
 * RDX; RAX is the index, and the length once the NUL is copied. */
    .globl hal_strncpy_user
hal_strncpy_user:
    xor     %eax, %eax
    stac_if_smap
.Lstr:
    cmp     %rdx, %rax
    jae     .Lstr_long
.Ls_load:
    movb    (%rsi, %rax), %cl
.Ls_store:
    movb    %cl, (%rdi, %rax)
    test    %cl, %cl
    jz      .Lstr_done
    inc     %rax
    jmp     .Lstr
.Lstr_long:                         /* no NUL in n bytes: n, dst not terminated */
    mov     %rdx, %rax
.Lstr_done:
    clac_if_smap
    ret
.Lstr_fault:
    clac_if_smap
    mov     $-EFAULT, %rax
    ret
    extable .Ls_load, .Lstr_fault
    extable .Ls_store, .Lstr_fault

x64_uaccess_end:
