/* rt_sigreturn, where every handler returns (riscv64 has no sa_restorer):
 * the kernel points ra here. No CFI, as on arm64 (vdso/aarch64/sigreturn.S):
 * an unwinder recognises these two instructions and reads Linux's frame. */
    .text
    .globl  __vdso_rt_sigreturn, vdso_sigreturn
    .type   __vdso_rt_sigreturn, %function
__vdso_rt_sigreturn:
vdso_sigreturn:
    li      a7, 139                 /* rt_sigreturn */
    ecall
    unimp
    .size   __vdso_rt_sigreturn, . - __vdso_rt_sigreturn
