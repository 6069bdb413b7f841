/* rt_sigreturn, where every handler returns (riscv64 has no sa_restorer):
 * the kernel points ra here. */
    .text
    .globl  __vdso_rt_sigreturn, vdso_sigreturn
    .type   __vdso_rt_sigreturn, %function
    .cfi_startproc
    .cfi_signal_frame
    nop
__vdso_rt_sigreturn:
vdso_sigreturn:
    li      a7, 139                 /* rt_sigreturn */
    ecall
    unimp
    .cfi_endproc
    .size   __vdso_rt_sigreturn, . - __vdso_rt_sigreturn
