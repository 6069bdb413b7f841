/**
 * @file signal.c
 * @brief x86_64 signal frames (hal/user.h): struct rt_sigframe as Linux's
 *        x86_64 ABI lays it out, written on entry to a handler and read
 *        back by rt_sigreturn.
 *
 * From the interrupted stack pointer down: the 128-byte red zone (none at
 * the top of a fresh alternate stack, as Linux leaves none), the FXSAVE
 * image (512 bytes, 64-aligned, pointed to by sigcontext.fpstate), then
 * the frame: the handler's return address (pretcode), the ucontext
 * (uc_flags, uc_link, uc_stack, the sigcontext with every register, the
 * blocked set), the siginfo. The frame sits so that the handler starts as
 * if called: (rsp + 8) a multiple of 16. Its return pops pretcode, so
 * rt_sigreturn finds the frame at rsp - 8.
 */
#include <arch/entry_defs.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <stddef.h>
#include <stdint.h>

struct sigcontext64 {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip,
        eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* user address of the FXSAVE image */
    uint64_t reserved1[8];
};

struct ucontext64 {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct linux_stack stack;
    struct sigcontext64 mc;
    uint64_t sigmask;
};

struct rt_sigframe64 {
    uint64_t pretcode;
    struct ucontext64 uc;
    uint8_t info[128];
};

_Static_assert(sizeof(struct sigcontext64) == 256, "Linux's struct sigcontext");
_Static_assert(offsetof(struct rt_sigframe64, info) == 312, "Linux's x86_64 rt_sigframe");

#define RED_ZONE 128
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FX_MXCSR 24
/* MXCSR bits FXRSTOR accepts on every CPU here (SDM vol. 1, 10.5.1.2:
 * bits 31:16 reserved; DAZ, bit 6, only where MXCSR_MASK says so). */
#define MXCSR_OK 0xffbfu

/* What the frame takes at most below a fresh alternate stack's top: the
 * FXSAVE image and its alignment, the frame, its alignment and the 8 bytes
 * that make the handler's entry look like a call's. */
_Static_assert(512 + 63 + sizeof(struct rt_sigframe64) + 15 + 8 <= ARCH_AT_MINSIGSTKSZ &&
                   ARCH_AT_MINSIGSTKSZ == ((sizeof(struct rt_sigframe64) + 15 + 512 + 63 + 15) & ~15ul),
               "AT_MINSIGSTKSZ is Linux's sum for this frame, and holds it");

int hal_signal_push(struct uregs *r, const struct ustate *s, const struct hal_sigframe_args *a)
{
    _Static_assert(sizeof s->fx == 512, "the FXSAVE image");
    int fresh = a->limit && a->sp == a->stack.sp + a->stack.size; /* just switched to the alternate stack */
    uintptr_t sp = a->sp - (fresh ? 0 : RED_ZONE);
    uintptr_t fp = (sp - sizeof s->fx) & ~(uintptr_t)63;
    uintptr_t at = ((fp - sizeof(struct rt_sigframe64)) & ~(uintptr_t)15) - 8;
    struct rt_sigframe64 f = {0};
    f.pretcode = a->restorer;
    f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f.uc.stack = a->stack;
    struct sigcontext64 *m = &f.uc.mc;
    *m = (struct sigcontext64){r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
                               r->rdi, r->rsi, r->rbp, r->rbx, r->rdx, r->rax, r->rcx, r->rsp,
                               r->rip, r->rflags, (uint16_t)r->cs, 0, 0, (uint16_t)r->ss,
                               r->vector < 32 ? r->error : 0, r->vector < 32 ? r->vector : 0,
                               a->mask, 0, fp, {0}};
    f.uc.sigmask = a->mask;
    memcpy(f.info, a->info, sizeof f.info);
    if (at > a->sp || at < a->limit || copy_to_user((void *)fp, s->fx, sizeof s->fx) ||
        copy_to_user((void *)at, &f, sizeof f))
        return -EFAULT;
    r->rdi = (uint64_t)a->sig;
    r->rsi = at + offsetof(struct rt_sigframe64, info);
    r->rdx = at + offsetof(struct rt_sigframe64, uc);
    r->rax = 0; /* no vector registers as arguments, for a variadic handler */
    r->rsp = at;
    r->rip = a->handler;
    r->rflags &= ~(uint64_t)(X64_RFLAGS_DF | X64_RFLAGS_TF);
    return 0;
}

int hal_signal_pop(struct uregs *r, struct ustate *s, uint64_t *mask)
{
    uintptr_t at = r->rsp - 8;
    struct rt_sigframe64 f;
    if (copy_from_user(&f, (const void *)at, sizeof f))
        return -EFAULT;
    const struct sigcontext64 *m = &f.uc.mc;
    uint8_t fx[sizeof s->fx];
    if (copy_from_user(fx, (const void *)(uintptr_t)m->fpstate, sizeof fx))
        return -EFAULT;
    uint32_t mxcsr;
    memcpy(&mxcsr, fx + FX_MXCSR, sizeof mxcsr);
    mxcsr &= MXCSR_OK; /* FXRSTOR faults on a reserved bit */
    memcpy(fx + FX_MXCSR, &mxcsr, sizeof mxcsr);
    memcpy(s->fx, fx, sizeof fx);
    r->r8 = m->r8, r->r9 = m->r9, r->r10 = m->r10, r->r11 = m->r11;
    r->r12 = m->r12, r->r13 = m->r13, r->r14 = m->r14, r->r15 = m->r15;
    r->rdi = m->rdi, r->rsi = m->rsi, r->rbp = m->rbp, r->rbx = m->rbx;
    r->rdx = m->rdx, r->rax = m->rax, r->rcx = m->rcx, r->rsp = m->rsp;
    r->rip = m->rip;
    r->rflags = m->eflags; /* the user-modifiable bits only: x64_user_prepare() */
    *mask = f.uc.sigmask;
    return 0;
}
