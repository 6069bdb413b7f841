/**
 * @file signal.c
 * @brief riscv64 signal frames (hal/user.h): struct rt_sigframe as Linux's
 *        riscv64 ABI lays it out, written on entry to a handler and read
 *        back by rt_sigreturn.
 *
 * At the (16-aligned) stack pointer the handler gets: the siginfo, then
 * the ucontext (uc_flags, uc_link, uc_stack, a 1024-bit blocked set, then
 * the sigcontext: pc and x1-x31, then the FP state in the D layout, f0-f31
 * and fcsr, inside the 528 bytes the Q layout needs). ra is the vDSO's
 * __vdso_rt_sigreturn: riscv64 has no sa_restorer. rt_sigreturn finds the frame at the
 * stack pointer again.
 */
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <stddef.h>
#include <stdint.h>

struct sigcontext64 {
    uint64_t regs[32]; /* pc, then x1-x31 */
    _Alignas(16) uint64_t f[32];
    uint32_t fcsr;
    uint8_t rest[528 - 256 - 4]; /* the Q layout's size */
};

struct ucontext64 {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct linux_stack stack;
    uint64_t sigmask;
    uint8_t unused[120]; /* sigset_t is 1024 bits in this layout */
    _Alignas(16) struct sigcontext64 mc;
};

struct rt_sigframe64 {
    uint8_t info[128];
    struct ucontext64 uc;
};

_Static_assert(offsetof(struct ucontext64, mc) == 176, "Linux's riscv64 ucontext");
_Static_assert(offsetof(struct sigcontext64, f) == 256 && sizeof(struct sigcontext64) == 784,
               "Linux's riscv64 sigcontext");
_Static_assert(sizeof(struct rt_sigframe64) == ARCH_AT_MINSIGSTKSZ && ARCH_AT_MINSIGSTKSZ % 16 == 0,
               "AT_MINSIGSTKSZ is the frame, which a 16-aligned stack top holds exactly");

/* fcsr: frm (7:5) and fflags (4:0); the rest is reserved. */
#define FCSR_BITS 0xffu

int hal_signal_push(struct uregs *r, const struct ustate *s, const struct hal_sigframe_args *a)
{
    uintptr_t at = (a->sp - sizeof(struct rt_sigframe64)) & ~(uintptr_t)15;
    struct rt_sigframe64 *f = kzalloc(sizeof *f); /* 1 KiB: not on the kernel stack */
    if (!f)
        return -ENOMEM;
    memcpy(f->info, a->info, sizeof f->info);
    f->uc.stack = a->stack;
    f->uc.sigmask = a->mask;
    f->uc.mc.regs[0] = r->sepc;
    memcpy(&f->uc.mc.regs[1], &r->x[1], 31 * sizeof(uint64_t));
    memcpy(f->uc.mc.f, s->f, sizeof f->uc.mc.f);
    f->uc.mc.fcsr = (uint32_t)s->fcsr;
    int e = at > a->sp || at < a->limit || copy_to_user((void *)at, f, sizeof *f) ? -EFAULT : 0;
    kfree(f);
    if (e)
        return e;
    r->x[10] = (uint64_t)a->sig;
    r->x[11] = at + offsetof(struct rt_sigframe64, info);
    r->x[12] = at + offsetof(struct rt_sigframe64, uc);
    r->x[1] = a->restorer; /* ra */
    r->x[2] = at;          /* sp */
    r->sepc = a->handler;
    return 0;
}

int hal_signal_pop(struct uregs *r, struct ustate *s, uint64_t *mask)
{
    uintptr_t at = r->x[2];
    if (at & 15)
        return -EFAULT; /* not a frame hal_signal_push() made */
    struct rt_sigframe64 *f = kmalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    int e = copy_from_user(f, (const void *)at, sizeof *f) ? -EFAULT : 0;
    if (!e) {
        r->sepc = f->uc.mc.regs[0];
        memcpy(&r->x[1], &f->uc.mc.regs[1], 31 * sizeof(uint64_t));
        memcpy(s->f, f->uc.mc.f, sizeof s->f);
        s->fcsr = f->uc.mc.fcsr & FCSR_BITS;
        *mask = f->uc.sigmask;
    }
    kfree(f);
    return e;
}
