/* rt_sigreturn, where every handler returns (arm64 programs pass no
 * sa_restorer): the kernel points x30 here. The nop before it lets an
 * unwinder that looks up pc - 1 land in this frame's range; the CFI says
 * this is a signal frame. */
    .text
    .globl  __kernel_rt_sigreturn, vdso_sigreturn
    .type   __kernel_rt_sigreturn, %function
    .cfi_startproc
    .cfi_signal_frame
    nop
__kernel_rt_sigreturn:
vdso_sigreturn:
    mov     x8, #139                /* rt_sigreturn */
    svc     #0
    udf     #0
    .cfi_endproc
    .size   __kernel_rt_sigreturn, . - __kernel_rt_sigreturn
