/**
 * @file signal.c
 * @brief aarch64 signal frames (hal/user.h): struct rt_sigframe as Linux's
 *        arm64 ABI lays it out, written on entry to a handler and read back
 *        by rt_sigreturn.
 *
 * At the (16-aligned) stack pointer the handler gets: the siginfo, then
 * the ucontext (uc_flags, uc_link, uc_stack, a 1024-bit blocked set, then
 * the sigcontext: fault address, x0-x30, sp, pc, pstate and 4096 bytes of
 * records, here an fpsimd_context with V0-V31, FPSR and FPCR, then the
 * terminating empty record), then a frame record {x29, x30} that x29
 * points at, so a backtrace from the handler walks into the interrupted
 * code. rt_sigreturn finds the frame at the stack pointer again.
 */
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <stddef.h>
#include <stdint.h>

#define FPSIMD_MAGIC 0x46508001u

struct fpsimd_context {
    uint32_t magic, size;
    uint32_t fpsr, fpcr;
    uint64_t v[64]; /* V0-V31, 128 bits each, low word first */
};

struct sigcontext64 {
    uint64_t fault_address;
    uint64_t regs[31];
    uint64_t sp, pc, pstate;
    _Alignas(16) uint8_t reserved[4096];
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
    uint64_t fp, lr; /* the frame record */
};

_Static_assert(offsetof(struct ucontext64, mc) == 176, "Linux's arm64 ucontext");
_Static_assert(offsetof(struct sigcontext64, reserved) == 288, "Linux's arm64 sigcontext");
_Static_assert(sizeof(struct fpsimd_context) == 528, "Linux's fpsimd_context");

int hal_signal_push(struct uregs *r, const struct ustate *s, const struct hal_sigframe_args *a)
{
    uintptr_t at = (a->sp - sizeof(struct rt_sigframe64)) & ~(uintptr_t)15;
    /* About 4.7 KiB: built in place from a kernel copy would need that much
     * stack; write it in pieces instead. */
    struct ucontext64 head = {0};
    head.stack = a->stack;
    head.sigmask = a->mask;
    struct rt_sigframe64 *u = (struct rt_sigframe64 *)at;
    struct sigcontext64 *m = &u->uc.mc;
    struct fpsimd_context fpc = {FPSIMD_MAGIC, sizeof fpc, (uint32_t)s->fpsr, (uint32_t)s->fpcr, {0}};
    memcpy(fpc.v, s->v, sizeof fpc.v);
    uint64_t regs_tail[3] = {r->sp, r->pc, r->pstate};
    uint64_t end_record[2] = {0, 0};
    uint64_t record[2] = {r->x[29], r->x[30]};
    uint64_t fault = 0;
    if (at > a->sp || at < a->limit || copy_to_user(u->info, a->info, sizeof u->info) ||
        copy_to_user(&u->uc, &head, offsetof(struct ucontext64, mc)) ||
        copy_to_user(&m->fault_address, &fault, sizeof fault) ||
        copy_to_user(m->regs, r->x, sizeof m->regs) ||
        copy_to_user(&m->sp, regs_tail, sizeof regs_tail) ||
        copy_to_user(m->reserved, &fpc, sizeof fpc) ||
        copy_to_user(m->reserved + sizeof fpc, end_record, sizeof end_record) ||
        copy_to_user(&u->fp, record, sizeof record))
        return -EFAULT;
    r->x[0] = (uint64_t)a->sig;
    r->x[1] = at + offsetof(struct rt_sigframe64, info);
    r->x[2] = at + offsetof(struct rt_sigframe64, uc);
    r->x[29] = at + offsetof(struct rt_sigframe64, fp);
    r->x[30] = a->restorer;
    r->sp = at;
    r->pc = a->handler;
    return 0;
}

int hal_signal_pop(struct uregs *r, struct ustate *s, uint64_t *mask)
{
    uintptr_t at = r->sp;
    if (at & 15)
        return -EFAULT; /* not a frame hal_signal_push() made */
    const struct rt_sigframe64 *u = (const struct rt_sigframe64 *)at;
    const struct sigcontext64 *m = &u->uc.mc;
    uint64_t regs[31], tail[3], sigmask;
    struct fpsimd_context fpc;
    if (copy_from_user(regs, m->regs, sizeof regs) ||
        copy_from_user(tail, &m->sp, sizeof tail) ||
        copy_from_user(&fpc, m->reserved, sizeof fpc) ||
        copy_from_user(&sigmask, &u->uc.sigmask, sizeof sigmask))
        return -EFAULT;
    if (fpc.magic != FPSIMD_MAGIC || fpc.size != sizeof fpc)
        return -EFAULT;
    memcpy(r->x, regs, sizeof regs);
    r->sp = tail[0];
    r->pc = tail[1];
    r->pstate = tail[2]; /* the return path keeps only the NZCV flags */
    r->syscallno = (uint64_t)-1;
    memcpy(s->v, fpc.v, sizeof s->v);
    s->fpsr = fpc.fpsr;
    s->fpcr = fpc.fpcr;
    *mask = sigmask;
    return 0;
}
