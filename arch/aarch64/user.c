/**
 * @file user.c
 * @brief aarch64's half of user mode (hal/user.h): TTBR0 as the user half
 *        of the address space, PAN, and what each exception taken from EL0
 *        becomes (a system call, an interrupt, a page fault, a signal).
 *
 * The kernel lives in TTBR1 (mmu.c), so a user space is TTBR0 alone and a
 * new root needs nothing of the kernel's. Every user leaf is non-global
 * (arch/pte.h) and tagged with the ASID its space has on that CPU
 * (hal_uspace_switch(), kernel/asid.h).
 *
 * vectors.S saves the frame and calls a64_user_exception(); the copy
 * routines are uaccess.S, and a64_exception() hands their faults here
 * (a64_user_access_fault()).
 */
#include <arch/private.h>
#include <hal/irq.h>
#include <hal/user.h>
#include <hal/uregs.h>
#include <kernel/errno.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/user.h>
#include <stddef.h>
#include <stdint.h>

/* vectors.S's offsets and size; the first 34 words are struct a64_frame's. */
_Static_assert(sizeof(struct uregs) == 36 * 8, "vectors.S UREGS_SIZE");
_Static_assert(sizeof(struct uregs) % 16 == 0, "SP_EL1 stays 16-byte aligned");
_Static_assert(offsetof(struct uregs, sp) == 31 * 8, "vectors.S UREGS_SP");
_Static_assert(offsetof(struct uregs, pc) == offsetof(struct a64_frame, elr), "vectors.S pc");
_Static_assert(offsetof(struct uregs, pstate) == offsetof(struct a64_frame, spsr), "vectors.S pstate");
_Static_assert(offsetof(struct uregs, orig_x0) == 34 * 8, "vectors.S orig_x0");
_Static_assert(offsetof(struct uregs, syscallno) == 35 * 8, "vectors.S UREGS_SYSCALLNO");

/* ESR_EL1.EC values (Arm ARM D17.2.37, "ESR_EL1"). */
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_SVC64 0x15
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_SP_ALIGN 0x26
#define EC_BREAKPT_LOW 0x30
#define EC_SOFTSTP_LOW 0x32
#define EC_WATCHPT_LOW 0x34
#define EC_BRK64 0x3c

/* Data/instruction abort ISS (Arm ARM D17.2.37, "ISS encoding for an
 * exception from a Data Abort"): WnR and CM, and the fault status code's
 * classes, whose low two bits are the level. */
#define ISS_WNR (1u << 6)
#define ISS_CM (1u << 8)
#define FSC_CLASS(esr) ((unsigned)(esr) & 0x3c)
#define FSC_TRANSLATION 0x04
#define FSC_ACCESS_FLAG 0x08
#define FSC_PERMISSION 0x0c
#define FSC_ALIGNMENT 0x21

#define TCR_EPD0 (1ULL << 7)
#define SCTLR_SPAN (1ULL << 23)

static uint64_t read_esr(void) { uint64_t v; __asm__ volatile("mrs %0, esr_el1" : "=r"(v)); return v; }
static uint64_t read_far(void) { uint64_t v; __asm__ volatile("mrs %0, far_el1" : "=r"(v)); return v; }

/* ---- address spaces ---- */

/* T0SZ = 16 (mmu.c): TTBR0 translates 48 bits, with the four levels the
 * portable walker builds. */
uintptr_t hal_user_top(void) { return (uintptr_t)1 << 48; }

int hal_uspace_init(uint64_t root_pa)
{
    (void)root_pa; /* the kernel is TTBR1's: a user root holds only user entries */
    return 0;
}

/* TCR_EL1.AS = 0 (mmu.c): 8-bit ASIDs, which every Armv8-A PE has
 * (ID_AA64MMFR0_EL1.ASIDBits says whether 16 exist, unused here). */
unsigned hal_uspace_asids(void) { return 256; }

/*
 * TCR_EL1.A1 = 0 (mmu.c), so TTBR0_EL1 holds both the user root and the
 * current ASID (bits 63:48), and one write changes them together: no walk
 * ever pairs one space's root with another's ASID. Kernel entries are
 * global and survive every switch; user entries are nG and tagged with the
 * ASID their walk ran under. TTBR0.CnP = 0 keeps a PE's entries its own
 * (Arm ARM, "Common not Private"), which is what lets each CPU hand out
 * its ASIDs alone (kernel/asid.h).
 *
 * A flush drops the ASID's entries while no TTBR0 walk can refill them:
 * walks stop (TCR_EL1.EPD0) first, speculative ones included, and start
 * again only once the new root and ASID are in place. TLBI ASIDE1 also
 * drops the walk caches of that ASID (Arm ARM D8.13, "TLB maintenance").
 * Local (no IS): only this CPU ever loaded the ASID for that space. Changes
 * to a loaded space are flushed everywhere by hal_tlb_flush_page() (TLBI
 * VAAE1IS: every ASID, every CPU).
 *
 * No user space: ASID 0, which no user space gets, with walks stopped, so
 * neither a TLB hit nor a walk reaches user memory from a kernel thread.
 */
void hal_uspace_switch(uint64_t root_pa, unsigned asid, int flush)
{
    uint64_t tcr, ttbr0 = root_pa | (uint64_t)asid << 48;
    __asm__ volatile("mrs %0, tcr_el1" : "=r"(tcr));
    if ((!root_pa || flush) && !(tcr & TCR_EPD0))
        __asm__ volatile("msr tcr_el1, %0; isb" : : "r"(tcr | TCR_EPD0) : "memory");
    if (flush)
        __asm__ volatile("tlbi aside1, %0; dsb nsh; isb" : : "r"((uint64_t)asid << 48) : "memory");
    __asm__ volatile("msr ttbr0_el1, %0; isb" : : "r"(ttbr0) : "memory");
    if (root_pa && (flush || (tcr & TCR_EPD0)))
        __asm__ volatile("msr tcr_el1, %0; isb" : : "r"(tcr & ~TCR_EPD0) : "memory");
}

/*
 * This CPU's part of user mode, before it runs threads.
 *
 * PAN (FEAT_PAN, ID_AA64MMFR1_EL1.PAN != 0): with PSTATE.PAN set, EL1's
 * ordinary loads and stores fault on EL0-accessible pages, so only the copy
 * routines' LDTR/STTR (which check EL0's permissions, and which PAN does
 * not restrict) reach user memory. SCTLR_EL1.SPAN = 0 makes every
 * exception into EL1 set it again; ERET to EL1 restores it from SPSR (1 when
 * it was saved) and to EL0 it does not matter. A CPU without PAN (QEMU's
 * default cortex-a72) still keeps the kernel out of user code (PXN) and
 * every copy from user pointers on LDTR/STTR, but a stray kernel pointer
 * into user memory goes unnoticed there.
 *
 * What EL0 may do without trapping, as Linux programs expect of arm64
 * (SCTLR_EL1 and CNTKCTL_EL1 in the Arm ARM): read CTR_EL0 (UCT) and the
 * virtual counter (EL0VCTEN), zero a block with DC ZVA (DZE: DCZID_EL0.DZP
 * says so to the program), and clean or invalidate by VA for its own code
 * (UCI: DC CVAU/CIVAC/CVAC, IC IVAU). Each is checked against EL0's rights
 * like a load or store, and a fault is a user fault. WFI and WFE still trap
 * (user_sync() steps over them).
 */
#define SCTLR_DZE (1ULL << 14)
#define SCTLR_UCT (1ULL << 15)
#define SCTLR_UCI (1ULL << 26)
#define CNTKCTL_EL0VCTEN (1ULL << 1)

void a64_user_cpu_init(void)
{
    uint64_t mmfr1, sctlr, cntkctl;
    __asm__ volatile("mrs %0, id_aa64mmfr1_el1; mrs %1, sctlr_el1; mrs %2, cntkctl_el1"
                     : "=r"(mmfr1), "=r"(sctlr), "=r"(cntkctl));
    sctlr |= SCTLR_DZE | SCTLR_UCT | SCTLR_UCI;
    int pan = ((mmfr1 >> 20) & 0xf) != 0;
    if (pan)
        sctlr &= ~SCTLR_SPAN;
    __asm__ volatile("msr sctlr_el1, %0; msr cntkctl_el1, %1; isb"
                     : : "r"(sctlr), "r"(cntkctl | CNTKCTL_EL0VCTEN) : "memory");
    /* PSTATE.PAN through its system-register form (S3_0_C4_C2_3, bit 22),
     * which assembles without an Armv8.1 target. */
    if (pan)
        __asm__ volatile("msr s3_0_c4_c2_3, %0; isb" : : "r"(1ULL << 22) : "memory");
}

/* ---- exceptions from EL0 ---- */

/* user_page_fault()'s access bits for an abort. A cache maintenance
 * instruction reports WnR = 1 but writes nothing (ISS.CM): a read. */
static unsigned abort_access(unsigned ec, uint64_t esr)
{
    if (ec == EC_IABT_LOW)
        return UFAULT_EXEC;
    return (esr & ISS_WNR) && !(esr & ISS_CM) ? UFAULT_WRITE : 0;
}

static void user_abort(struct uregs *f, unsigned ec, uint64_t esr, uintptr_t far)
{
    unsigned access = abort_access(ec, esr);
    switch (FSC_CLASS(esr)) {
    case FSC_TRANSLATION:
        break;
    case FSC_ACCESS_FLAG: /* every leaf has AF set: a present entry refused it */
    case FSC_PERMISSION:
        access |= UFAULT_PRESENT;
        break;
    default:
        if ((esr & 0x3f) == FSC_ALIGNMENT) /* an exclusive or atomic access, misaligned */
            user_fault(f, SIGBUS, BUS_ADRALN, far);
        else /* external abort, address size, TLB conflict: nothing to resolve */
            user_fault(f, SIGBUS, BUS_OBJERR, far);
        return;
    }
    /* An address in TTBR1's half (AP[1] clear: a permission fault) or with
     * bits above 47 set is the kernel's or nobody's: no page to bring in. */
    int err = far < hal_user_top() ? user_page_fault(far, access) : -EFAULT;
    if (err == 0)
        return;
    user_page_fault_signal(f, err, access, far);
}

static void user_sync(struct uregs *f)
{
    /* Read before interrupts open: the next synchronous exception (a copy
     * routine's fault inside the system call) overwrites both. */
    uint64_t esr = read_esr();
    uintptr_t far = read_far();
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;

    hal_irq_enable();
    switch (ec) {
    case EC_SVC64: /* ELR is already past the svc; the immediate is not looked at */
        f->orig_x0 = f->x[0];
        f->syscallno = f->x[8];
        user_syscall(f);
        break;
    case EC_DABT_LOW:
    case EC_IABT_LOW:
        user_abort(f, ec, esr, far);
        break;
    case EC_PC_ALIGN: /* FAR holds the misaligned pc */
        user_fault(f, SIGBUS, BUS_ADRALN, far);
        break;
    case EC_SP_ALIGN: /* only with SCTLR_EL1.SA0, which the kernel leaves clear */
        user_fault(f, SIGBUS, BUS_ADRALN, f->sp);
        break;
    case EC_WFX:
        /* SCTLR_EL1.nTWI/nTWE are clear, so WFI and WFE trap with ELR at
         * the instruction: treat them as the hint they are and step over
         * (the return path reschedules if anything else wants the CPU). */
        f->pc += 4;
        break;
    case EC_BRK64:
    case EC_BREAKPT_LOW: /* the debug ones need MDSCR_EL1 set up: not yet */
    case EC_SOFTSTP_LOW:
    case EC_WATCHPT_LOW:
        user_fault(f, SIGTRAP, TRAP_BRKPT, f->pc);
        break;
    default:
        /* An MRS of an ID register: Linux's ABI lets programs read them
         * (cpufeatures.c). */
        if ((ec == EC_UNKNOWN || ec == EC_SYSREG) && a64_emulate_mrs(f, ec, esr))
            break;
        /* EC 0 (UNDEFINED: also HVC, SMC, and any system register EL0 may
         * not touch), 0x19 (SVE: CPACR_EL1.ZEN is 0, its state is not
         * kept), 0x0e (illegal execution state), 0x18 (a trapped MSR/MRS),
         * BTI and pointer-authentication failures. */
        user_fault(f, SIGILL, ILL_ILLOPC, f->pc);
        break;
    }
}

/* ---- the state beyond the frame (hal/user.h) ---- */

void hal_ustate_init(struct ustate *s) { *s = (struct ustate){0}; }

#define Q_PAIRS(op)                                                                           \
    op " q0, q1, [%[v], #0]\n" op " q2, q3, [%[v], #32]\n" op " q4, q5, [%[v], #64]\n"               \
    op " q6, q7, [%[v], #96]\n" op " q8, q9, [%[v], #128]\n" op " q10, q11, [%[v], #160]\n"          \
    op " q12, q13, [%[v], #192]\n" op " q14, q15, [%[v], #224]\n" op " q16, q17, [%[v], #256]\n"     \
    op " q18, q19, [%[v], #288]\n" op " q20, q21, [%[v], #320]\n" op " q22, q23, [%[v], #352]\n"     \
    op " q24, q25, [%[v], #384]\n" op " q26, q27, [%[v], #416]\n" op " q28, q29, [%[v], #448]\n"     \
    op " q30, q31, [%[v], #480]\n"

/* The kernel is built with -mgeneral-regs-only; these lines alone name
 * FP/SIMD registers, so they alone tell the assembler it may. */
#define FP_ON ".arch_extension fp\n.arch_extension simd\n"

void hal_ustate_save(struct ustate *s)
{
    uint64_t sr, cr;
    __asm__ volatile(FP_ON Q_PAIRS("stp") "mrs %0, fpsr\nmrs %1, fpcr"
                     : "=&r"(sr), "=&r"(cr) : [v] "r"(s->v) : "memory");
    s->fpsr = sr;
    s->fpcr = cr;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(s->tpidr_el0));
}

void hal_ustate_load(const struct ustate *s)
{
    __asm__ volatile(FP_ON Q_PAIRS("ldp") "msr fpsr, %0\nmsr fpcr, %1\nmsr tpidr_el0, %2"
                     : : "r"(s->fpsr), "r"(s->fpcr), "r"(s->tpidr_el0), [v] "r"(s->v) : "memory");
}

void hal_ustate_set_tls(struct uregs *frame, struct ustate *s, uintptr_t tls)
{
    (void)frame;
    s->tpidr_el0 = tls;
}

uintptr_t hal_ustate_tls(const struct uregs *frame, const struct ustate *s)
{
    (void)frame;
    return s->tpidr_el0;
}

void a64_user_exception(struct uregs *f, unsigned kind)
{
    switch (kind) {
    case 0:
        user_sync(f);
        break;
    case 1:
        a64_irq(); /* irq_exit() may switch threads: f stays on this thread's stack */
        break;
    case 2: { /* a FIQ: the watchdog's NMI, or another CPU's panic stopping this one */
        struct a64_frame k = {.sp = f->sp, .elr = f->pc, .spsr = f->pstate};
        for (unsigned i = 0; i < 31; i++)
            k.x[i] = f->x[i];
        a64_fiq(&k);
        break;
    }
    default: { /* SError: an asynchronous external abort, surfaced in EL0 */
        uint64_t esr = read_esr();
        pr_warn("aarch64: SError (ESR %#lx) taken from EL0 at pc %#lx: SIGBUS", esr, f->pc);
        hal_irq_enable();
        user_fault(f, SIGBUS, BUS_OBJERR, 0);
        break;
    }
    }
    hal_irq_disable();
    user_return(f);
}

/* ---- kernel faults on user memory ---- */

/*
 * Only the copy routines' LDTR/STTR are in the exception table, and PAN
 * does not apply to them: a permission fault here is EL0's permission (a
 * write to a read-only page, or a kernel address passed as a user one), not
 * PAN's. user_page_fault() runs with the interrupt mask the copy routine
 * had (SPSR's DAIF, the same bit positions as PSTATE's); everything is
 * masked again before vectors.S restores ELR and SPSR.
 */
int a64_user_access_fault(uint64_t *elr, uint64_t spsr, uint64_t esr, uint64_t far)
{
    uintptr_t fixup = extable_fixup(*elr);
    if (!fixup)
        return 0;
    unsigned cls = FSC_CLASS(esr);
    if (far < hal_user_top() &&
        (cls == FSC_TRANSLATION || cls == FSC_ACCESS_FLAG || cls == FSC_PERMISSION)) {
        unsigned access = abort_access(EC_DABT_LOW, esr) |
                          (cls == FSC_TRANSLATION ? 0 : UFAULT_PRESENT);
        __asm__ volatile("msr daif, %0" : : "r"(spsr & 0x3c0) : "memory");
        int r = user_page_fault(far, access);
        __asm__ volatile("msr daifset, #0xf" ::: "memory");
        if (r == 0)
            return 1; /* retry the access */
    }
    *elr = fixup;
    return 1;
}
