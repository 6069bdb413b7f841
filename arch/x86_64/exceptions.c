/**
 * @file exceptions.c
 * @brief x86_64 CPU exceptions: from ring 3 a signal for the process (or a
 *        page fault the kernel resolves), in a user-memory access routine
 *        its fixup, anything else decoded and reported (vector, error code,
 *        CR2) before a halt.
 */
#include <arch/cpu.h>
#include <arch/entry_defs.h>
#include <arch/private.h>
#include <arch/frame.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/kprintf.h>
#include <kernel/smp.h>
#include <kernel/user.h>
#include <kernel/vmalloc.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/sections.h>

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

/* #PF error code bits (SDM vol. 3A, 4.7). */
#define PF_P (1u << 0)    /* a present entry refused the access (else: not present) */
#define PF_W (1u << 1)    /* a write */
#define PF_U (1u << 2)    /* from ring 3 */
#define PF_RSVD (1u << 3) /* a reserved bit set in an entry */
#define PF_I (1u << 4)    /* an instruction fetch */

extern const char x64_uaccess_start[], x64_uaccess_end[]; /* uaccess.S */

static uint64_t read_cr2(void)
{
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    return cr2;
}

int x64_gs_is_kernel(void)
{
    return (int64_t)rdmsr(X64_MSR_GS_BASE) < 0; /* isr.S, isr_2: why the sign tells */
}

/* user_page_fault()'s access bits for a #PF error code. */
static unsigned pf_access(uint64_t err)
{
    return (err & PF_W ? UFAULT_WRITE : 0) | (err & PF_I ? UFAULT_EXEC : 0) |
           (err & PF_P ? UFAULT_PRESENT : 0);
}

/*
 * An exception in ring 3, on the thread's kernel stack (isr.S), the frame
 * its struct uregs. CR2 first: once interrupts are on, a page fault taken
 * elsewhere on this CPU (another thread's, after a switch) rewrites it.
 * The handlers run with interrupts on, as the user code did; the return
 * path masks them again (isr.S, x64_ret).
 */
static void user_exception(struct x64_frame *f)
{
    struct uregs *r = x64_uregs(f);
    uint64_t cr2 = f->vector == 14 ? read_cr2() : 0;
    /* The FP status too: still this thread's registers until a switch. */
    int fpe = f->vector == 16 || f->vector == 19 ? x64_fpe_code((unsigned)f->vector) : 0;
    hal_irq_enable();
    int err = -EFAULT;
    switch (f->vector) {
    case 14: /* #PF: maybe one the kernel resolves (a first touch, copy-on-write) */
        /* Not an implicit supervisor access of ring 3 (PF_U clear: a far
         * return's stack read, say, which SMAP refuses on a user page):
         * a page the program may read refuses it, so "resolved" would
         * fault again for ever. */
        if (cr2 < hal_user_top() && !(f->error & PF_RSVD) && (f->error & PF_U))
            err = user_page_fault(cr2, pf_access(f->error));
        if (err)
            user_page_fault_signal(r, err, pf_access(f->error), cr2);
        break;
    case 0: /* #DE */
        user_fault(r, SIGFPE, FPE_INTDIV, f->rip);
        break;
    case 1: /* #DB: RFLAGS.TF, a single step */
        user_fault(r, SIGTRAP, TRAP_TRACE, f->rip);
        break;
    case 3: /* #BP: int3 (the gate has DPL 3, cpu.c) */
        user_fault(r, SIGTRAP, TRAP_BRKPT, f->rip);
        break;
    case 6: /* #UD */
        user_fault(r, SIGILL, ILL_ILLOPC, f->rip);
        break;
    case 16: /* #MF: an unmasked x87 exception */
    case 19: /* #XM: an unmasked SSE exception */
        user_fault(r, SIGFPE, fpe, f->rip);
        break;
    case 17: /* #AC: RFLAGS.AC with CR0.AM */
        user_fault(r, SIGBUS, BUS_ADRALN, f->rip);
        break;
    default: /* #GP (a privileged instruction, a non-canonical address, int $n), #SS, ... */
        user_fault(r, SIGSEGV, SI_KERNEL, 0);
        break;
    }
    hal_irq_disable();
}

/*
 * A fault in ring 0 at an instruction the exception table lists (a
 * user-memory access, uaccess.S): 1 if it goes on. A page fault at a user
 * address is first the kernel's to resolve, with interrupts as the copy
 * had them (user_page_fault() may sleep: isr.S moved the frame off IST2
 * for this); then the access is retried, or the routine continues at its
 * fixup. A #GP or #SS there is a non-canonical user pointer: the fixup.
 * A fault on a kernel address stays a kernel bug.
 */
static int kernel_fixup(struct x64_frame *f)
{
    if (f->vector != 14 && f->vector != 13 && f->vector != 12)
        return 0;
    uintptr_t fix = extable_fixup(f->rip);
    if (!fix)
        return 0;
    if (f->vector == 14) {
        uint64_t cr2 = read_cr2();
        if (cr2 >= hal_user_top() || (f->error & PF_RSVD))
            return 0;
        if (f->rip >= (uintptr_t)x64_uaccess_start && f->rip < (uintptr_t)x64_uaccess_end) {
            if (f->rflags & X64_RFLAGS_IF)
                hal_irq_enable();
            int err = user_page_fault(cr2, pf_access(f->error));
            hal_irq_disable();
            if (err == 0)
                return 1;
        }
    }
    f->rip = fix;
    return 1;
}

/* The registers and a backtrace of the interrupted code. */
static void dump_frame(const struct x64_frame *f)
{
    kprintf("RIP %016lx  CS %04lx  RFLAGS %016lx  RSP %016lx  SS %04lx\n", f->rip, f->cs,
            f->rflags, f->rsp, f->ss);
    kprintf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    kprintf("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
    kprintf("R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
    if (f->cs & 3) {
        kprintf("(in user mode: no kernel backtrace)\n");
        return;
    }
    /* RIP outside the text: most likely a call through a bad pointer, whose
     * return address is still on top of the stack. */
    uintptr_t ret = 0, off;
    int in_text = f->rip >= (uintptr_t)__kernel_start && f->rip < (uintptr_t)__text_end;
    if (!in_text && hal_virt_to_phys((void *)f->rsp) != (uint64_t)-1)
        ret = *(const uint64_t *)f->rsp;
    /* Stopped (an NMI, a fault) in a function's prologue, before `mov %rsp,
     * %rbp`: RBP is still the caller's, so the frame walk would skip the
     * caller. Its return address is on top of the stack (at the first
     * instruction) or just above the pushed RBP (after `push %rbp`). */
    else if (in_text && ksym_lookup(f->rip, &off) && off < 4 &&
             hal_virt_to_phys((void *)(f->rsp + 8)) != (uint64_t)-1) {
        const uint8_t *fn = (const uint8_t *)(f->rip - off);
        if (off == 0)
            ret = *(const uint64_t *)f->rsp;
        else if (fn[0] == 0x55) /* push %rbp */
            ret = *(const uint64_t *)(f->rsp + 8);
    }
    backtrace_from(f->rbp, f->rip, ret);
}

void x64_exception(struct x64_frame *f)
{
    if (f->cs & 3) {
        /* #DF and #MC are the machine's, not the process's: reported below. */
        if (f->vector != 8 && f->vector != 18) {
            user_exception(f);
            return;
        }
    } else if (kernel_fixup(f)) {
        return;
    }
    /* A fault in ring 0 where the GS base is still the user's (isr.S: only
     * in the entry and return windows) would make the report's every
     * per-CPU access fault again. It never returns, so no swap back. */
    if (!x64_gs_is_kernel())
        __asm__ volatile("swapgs" ::: "memory");
    kprintf("\n*** PANIC: CPU exception %lu: %s, error code %#lx\n", f->vector,
            names[f->vector & 31], f->error);
    if (f->vector == 14) {
        uint64_t cr2 = read_cr2();
        uintptr_t base;
        size_t size;
        if (vmalloc_guard_of(cr2, &base, &size) == 1 && f->rsp <= cr2 + 4096 && f->rsp + 4096 >= cr2)
            kprintf("kernel stack overflow: RSP %016lx ran off the bottom of its stack\n", f->rsp);
        kprintf("CR2 %016lx: %s on %s, %s mode%s\n", cr2,
                (f->error & 1) ? "protection violation" : "page not present",
                (f->error & 16) ? "instruction fetch" : (f->error & 2) ? "write" : "read",
                (f->error & 4) ? "user" : "kernel", (f->error & 8) ? ", reserved bit set" : "");
        vmalloc_report_fault(cr2);
    }
    dump_frame(f);
    panic_finish();
}

/* An NMI: the watchdog asks a CPU that stopped taking interrupts what it
 * is doing (hal_cpu_nmi()). Report, and let it go on. (Or another CPU's
 * panic stops this one: smp_stop_others().) */
void x64_nmi(struct x64_frame *f)
{
    smp_stop_if_asked(); /* another CPU's panic stops this one here */
    kprintf("\nwatchdog: CPU %u (NMI): what it is running\n", cpu_this()->index);
    dump_frame(f);
}
