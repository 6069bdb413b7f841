/* rt_sigreturn, where every handler returns (arm64 programs pass no
 * sa_restorer): the kernel points x30 here. No CFI: an unwinder without
 * an FDE for this address recognises these two instructions as a signal
 * return and reads the frame in Linux's layout, which ours is; a CFI that
 * described less than that frame would mislead it. */
    .text
    .globl  __kernel_rt_sigreturn, vdso_sigreturn
    .type   __kernel_rt_sigreturn, %function
__kernel_rt_sigreturn:
vdso_sigreturn:
    mov     x8, #139                /* rt_sigreturn */
    svc     #0
    udf     #0
    .size   __kernel_rt_sigreturn, . - __kernel_rt_sigreturn
