/**
 * @file user.c
 * @brief riscv64 user mode, the C half: what a trap from U-mode does
 *        (system call, fault, interrupt) and a kernel fault inside a copy
 *        routine (hal/user.h).
 *
 * trap.S saves the user's registers in the thread's struct uregs and calls
 * rv_user_trap() on the kernel stack below it; rv_trap() hands a kernel
 * fault from uaccess.S to rv_uaccess_fault(). Address spaces (satp, the
 * kernel's half of a user root) are in mmu.c.
 *
 * A page fault does not say whether anything was mapped (scause only tells
 * the access), so the tables do: the walk below reads the ones in satp, the
 * space the fault happened in, without a lock, like vm_translate().
 */
#include <arch/private.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/pte.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/kernel.h>
#include <kernel/user.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(struct uregs) == 38 * 8, "trap.S: the user frame's size");
_Static_assert(offsetof(struct uregs, sepc) == offsetof(struct rv_frame, sepc) &&
                   offsetof(struct uregs, stval) == offsetof(struct rv_frame, stval),
               "trap.S: a user frame starts as a kernel one");
_Static_assert(offsetof(struct uregs, ktp) == 288 && offsetof(struct uregs, kgp) == 296,
               "trap.S: U_KTP, U_KGP");

#define SATP_SV39 8

/* The valid leaf translating @p va in the tables satp names, or 0. */
static uint64_t loaded_leaf(uintptr_t va)
{
    uint64_t satp;
    __asm__ volatile("csrr %0, satp" : "=r"(satp));
    int levels = satp >> 60 == SATP_SV39 ? 3 : 4;
    uint64_t table = (satp & ((1ULL << 44) - 1)) << 12;
    for (int l = 0; l < levels; l++) {
        uint64_t e = ((const uint64_t *)hal_phys_to_virt(table))[(va >> (12 + 9 * (levels - 1 - l))) & 511];
        if (!(e & RV_PTE_V))
            return 0;
        if (e & (RV_PTE_R | RV_PTE_W | RV_PTE_X))
            return e;
        table = hal_pte_addr(e);
    }
    return 0;
}

/* user_page_fault()'s access bits for page fault @p code at @p va. */
static unsigned fault_access(uint64_t code, uintptr_t va)
{
    unsigned a = code == RV_EXC_STORE_PAGE_FAULT  ? UFAULT_WRITE
                 : code == RV_EXC_INSN_PAGE_FAULT ? UFAULT_EXEC
                                                  : 0;
    return loaded_leaf(va) ? a | UFAULT_PRESENT : a;
}

/* A page fault in U-mode. An address above user space (a kernel address, or
 * one the mode cannot even translate) maps nothing the user may know of. */
static void user_mem_fault(struct uregs *f, uint64_t code)
{
    uintptr_t va = f->stval;
    if (va >= hal_user_top()) {
        user_fault(f, SIGSEGV, SEGV_MAPERR, va);
        return;
    }
    unsigned access = fault_access(code, va);
    int err = user_page_fault(va, access);
    if (err == 0)
        return; /* resolved: the instruction runs again */
    user_page_fault_signal(f, err, access, va);
}

/* An exception in U-mode, interrupts on. Signals as Linux riscv gives them
 * (arch/riscv/kernel/traps.c's table of causes): access faults, a PMP or
 * bus refusal of a mapped page, are SIGSEGV/SEGV_ACCERR; a cause this
 * kernel does not know is an illegal instruction. */
static void user_exception(struct uregs *f, uint64_t code)
{
    switch (code) {
    case RV_EXC_ECALL_U:
        f->sepc += 4; /* past the ecall, which has no compressed form */
        user_syscall(f);
        break;
    case RV_EXC_INSN_PAGE_FAULT:
    case RV_EXC_LOAD_PAGE_FAULT:
    case RV_EXC_STORE_PAGE_FAULT:
        user_mem_fault(f, code);
        break;
    case RV_EXC_INSN_MISALIGNED:
    case RV_EXC_LOAD_MISALIGNED:
    case RV_EXC_STORE_MISALIGNED:
        user_fault(f, SIGBUS, BUS_ADRALN, f->stval);
        break;
    case RV_EXC_INSN_ACCESS:
    case RV_EXC_LOAD_ACCESS:
    case RV_EXC_STORE_ACCESS:
        user_fault(f, SIGSEGV, SEGV_ACCERR, f->stval);
        break;
    case RV_EXC_BREAKPOINT:
        user_fault(f, SIGTRAP, TRAP_BRKPT, f->sepc);
        break;
    default: /* illegal instruction (F, D and V too: FS and VS are Off), unknown causes */
        user_fault(f, SIGILL, ILL_ILLOPC, f->sepc);
        break;
    }
}

void rv_user_trap(struct uregs *f)
{
    /* trap.S took this for a trap from U-mode because sscratch was set;
     * from S-mode that is a broken invariant, and f is no user frame. */
    if (f->sstatus & RV_SSTATUS_SPP)
        panic("a trap from S-mode found sscratch set (sepc %#lx, scause %#lx): it must be 0 "
              "while the kernel runs", (unsigned long)f->sepc, (unsigned long)f->scause);
    if (f->scause & RV_SCAUSE_INTERRUPT) {
        rv_interrupt(f->scause & ~RV_SCAUSE_INTERRUPT);
    } else {
        hal_irq_enable(); /* thread context, as the user ran */
        user_exception(f, f->scause);
        hal_irq_disable();
    }
    user_return(f);
    hal_irq_disable(); /* trap.S writes sepc and sscratch next */
}

/*
 * Only loads and stores (the kernel never fetches from a U page, and an
 * instruction fault there is a kernel bug), only at user addresses (a copy
 * routine's fault on its kernel side is a kernel bug too), and only from a
 * listed instruction. user_page_fault() runs with interrupts as the copy
 * routine had them; a resolved fault retries the access, an unresolved one
 * continues at the fixup with SUM clear.
 */
int rv_uaccess_fault(struct rv_frame *f)
{
    uint64_t code = f->scause;
    int page = code == RV_EXC_LOAD_PAGE_FAULT || code == RV_EXC_STORE_PAGE_FAULT;
    if (!page && code != RV_EXC_LOAD_ACCESS && code != RV_EXC_STORE_ACCESS)
        return 0;
    if (f->stval >= hal_user_top())
        return 0;
    uintptr_t fixup = extable_fixup(f->sepc);
    if (!fixup)
        return 0;
    if (page) {
        if (f->sstatus & RV_SSTATUS_SPIE)
            hal_irq_enable();
        int err = user_page_fault(f->stval, fault_access(code, f->stval));
        hal_irq_disable(); /* trap.S writes sepc and sstatus next */
        if (err == 0)
            return 1;
    }
    f->sepc = fixup;
    f->sstatus &= ~RV_SSTATUS_SUM;
    return 1;
}

/* ---- the state beyond the frame (hal/user.h; save and load: fpu.S) ---- */

_Static_assert(offsetof(struct ustate, fcsr) == 256, "fpu.S U_FCSR");

void hal_ustate_init(struct ustate *s) { *s = (struct ustate){0}; }

/* The RV64GC the kernel is built for and runs user mode with (misa is
 * M-mode's to read): a bit per letter, I, M, A, F, D and C. */
uint64_t hal_elf_hwcap(void)
{
    uint64_t h = 0;
    for (const char *c = "IMAFDC"; *c; c++)
        h |= 1ull << (*c - 'A');
    return h;
}

void hal_ustate_set_tls(struct uregs *frame, struct ustate *s, uintptr_t tls)
{
    (void)s;
    frame->x[4] = tls; /* tp */
}

uintptr_t hal_ustate_tls(const struct uregs *frame, const struct ustate *s)
{
    (void)s;
    return frame->x[4];
}
