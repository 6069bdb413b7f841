/* Where a handler without SA_RESTORER returns (the image's entry point,
 * kernel/user/vdso.c); not exported: x86_64 programs pass their own. */
    .text
    .globl  vdso_sigreturn
    .type   vdso_sigreturn, @function
vdso_sigreturn:
    mov     $15, %eax               /* rt_sigreturn */
    syscall
    ud2
    .size   vdso_sigreturn, . - vdso_sigreturn
