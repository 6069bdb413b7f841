/**
 * @file user.c
 * @brief x86_64 half of hal/user.h: user address spaces, each CPU's
 *        SYSCALL/SYSRET set-up, SMEP and SMAP, the kernel stack of an entry
 *        from ring 3, and the checks before every return to ring 3.
 *
 * The entry and exit paths are isr.S (SYSCALL, interrupts, exceptions,
 * hal_user_enter()), the copy routines uaccess.S, the signals for
 * exceptions from ring 3 exceptions.c.
 *
 * Per CPU, in struct cpu's arch_scratch[] (arch/entry_defs.h): the running
 * user thread's kernel stack top (SYSCALL's entry switches to it through
 * %gs), a slot where that entry parks the user RSP meanwhile, and the
 * address of the CPU's TSS, whose RSP0 is the same stack top for
 * interrupts and exceptions (hal_user_kstack_set() sets both).
 *
 * The user's GS base is 0 and stays so (no WRGSBASE, no arch_prctl(ARCH_SET_GS)
 * yet), so IA32_KERNEL_GS_BASE, where SWAPGS keeps it while in the
 * kernel, is the same on every CPU and needs no saving per thread. A user
 * thread's FS base (its TLS) and x87/SSE registers are its struct ustate,
 * moved by FXSAVE64/FXRSTOR64 and a write of IA32_FS_BASE when threads
 * switch. Ring 3 cannot change its FS base itself (CR4.FSGSBASE is clear;
 * loading a selector into FS would zero it, and the next switch back
 * restores the thread's), so the base is written, never read back.
 */
#include <arch/cpu.h>
#include <arch/entry_defs.h>
#include <arch/frame.h>
#include <arch/private.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/user.h>
#include <kernel/log.h>
#include <kernel/pagetable.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <stddef.h>

/* 47-bit user half, less its last page, as Linux does (arch/x86's
 * TASK_SIZE_MAX): an instruction that ends there would have its next RIP,
 * SYSRET's target, in the non-canonical hole. */
#define X64_USER_TOP 0x00007ffffffff000ULL

#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_NE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)

/* What SYSCALL clears in RFLAGS on entry (IA32_FMASK): interrupts stay off
 * until the entry is on the kernel stack; no single-step trap, string
 * direction and SMAP override from the user; NT and IOPL too, since an
 * IRETQ with NT set would be a task return (#GP in 64-bit mode). */
#define X64_FMASK                                                                              \
    (X64_RFLAGS_TF | X64_RFLAGS_IF | X64_RFLAGS_DF | X64_RFLAGS_IOPL | X64_RFLAGS_NT |         \
     X64_RFLAGS_AC)
/* The RFLAGS bits ring 3 may have on return (POPF's user-modifiable ones,
 * SDM vol. 1, 3.4.3): never IOPL (port I/O from ring 3), VM, VIF or VIP. */
#define X64_USER_RFLAGS                                                                        \
    (X64_RFLAGS_CF | X64_RFLAGS_PF | X64_RFLAGS_AF | X64_RFLAGS_ZF | X64_RFLAGS_SF |           \
     X64_RFLAGS_TF | X64_RFLAGS_DF | X64_RFLAGS_OF | X64_RFLAGS_NT | X64_RFLAGS_RF |           \
     X64_RFLAGS_AC | X64_RFLAGS_ID)

_Static_assert(offsetof(struct cpu, arch_scratch) == X64_GS_KSTACK, "arch_scratch[0] via %gs");
_Static_assert(offsetof(struct cpu, arch_scratch[1]) == X64_GS_USER_RSP, "arch_scratch[1] via %gs");
_Static_assert(offsetof(struct cpu, arch_scratch[2]) == X64_GS_TSS, "arch_scratch[2] via %gs");
_Static_assert(offsetof(struct x64_cpu_tables, gdt) == 0, "the GDTR's base is the tables");
_Static_assert(X64_USER_CS == (X64_USER_BASE + 16) && X64_USER_DS == (X64_USER_BASE + 8),
               "SYSRET's selectors are STAR[63:48] + 16 and + 8");

void x64_syscall_entry(void); /* isr.S */

unsigned char x64_smap_on;
static int smep_on;

uintptr_t hal_user_top(void) { return X64_USER_TOP; }

uint64_t hal_elf_hwcap(void)
{
    uint32_t r[4];
    cpuid(1, r);
    return r[3]; /* EDX, as Linux gives it */
}

/* Linux's HWCAP2_RING3MWAIT (Xeon Phi) and HWCAP2_FSGSBASE (where it sets
 * CR4.FSGSBASE, which this kernel leaves clear): neither is true here. */
uint64_t hal_elf_hwcap2(void) { return 0; }

/* The kernel's half is PML4[256..511] of its root, shared by reference:
 * hal_mmu_init() made every one of those entries the kernel will ever use
 * (mmu.c), and the tables below them change in place, so the copies stay
 * true. The walker's tables carry U (arch/pte.h); the kernel's leaves do
 * not, so none of this is reachable from ring 3. */
int hal_uspace_init(uint64_t root_pa)
{
    const uint64_t *k = hal_phys_to_virt(vm_kernel_aspace()->root);
    uint64_t *u = hal_phys_to_virt(root_pa);
    for (unsigned i = 256; i < 512; i++)
        u[i] = k[i];
    return 0;
}

/*
 * No PCIDs: every user space is PCID 0 and loading CR3 drops every
 * non-global translation (SDM vol. 3A, 4.10.4.1), all of the previous user
 * space's and the kernel's too, since its pages are not global either.
 * PCIDs (CPUID.01H:ECX.PCID, CR4.PCIDE) would keep them, but they would
 * also need the kernel's leaves global (INVLPG flushes other PCIDs' entries
 * only for global pages) and a flush of every PCID's walk caches whenever
 * the walker frees a kernel table (INVLPG reaches the current PCID's
 * only). QEMU's TCG has no PCID ("TCG doesn't support requested feature:
 * CPUID.01H:ECX.pcid"), so none of that could run in a test here; it waits
 * for a KVM that boots guests. kernel/asid.h asks for a flush every time.
 */
unsigned hal_uspace_asids(void) { return 1; }

void hal_uspace_switch(uint64_t root_pa, unsigned asid, int flush)
{
    (void)asid; /* always 0 */
    (void)flush; /* a CR3 load always flushes */
    if (!root_pa)
        root_pa = vm_kernel_aspace()->root;
    __asm__ volatile("mov %0, %%cr3" : : "r"(root_pa) : "memory");
}

void hal_user_kstack_set(uintptr_t kstack_top)
{
    struct cpu *c = hal_cpu_local();
    c->arch_scratch[0] = kstack_top;
    ((struct x64_tss *)c->arch_scratch[2])->rsp[0] = kstack_top;
}

void x64_user_cpu_init(void)
{
    struct cpu *c = hal_cpu_local();
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    c->arch_scratch[2] = (uintptr_t)&((struct x64_cpu_tables *)gdtr.base)->tss;

    /* SYSCALL/SYSRET (SDM vol. 2B; selectors: arch/entry_defs.h). CSTAR,
     * SYSCALL from compatibility mode (AMD), is unreachable, since no
     * 32-bit user code segment exists; it points at the same entry rather
     * than at 0. SYSENTER_CS 0 makes SYSENTER #GP (SIGSEGV). */
    wrmsr(X64_MSR_STAR, (uint64_t)X64_USER_BASE << 48 | (uint64_t)X64_KERNEL_CS << 32);
    wrmsr(X64_MSR_LSTAR, (uintptr_t)x64_syscall_entry);
    wrmsr(X64_MSR_CSTAR, (uintptr_t)x64_syscall_entry);
    wrmsr(X64_MSR_FMASK, X64_FMASK);
    wrmsr(X64_MSR_SYSENTER_CS, 0);
    wrmsr(X64_MSR_KERNEL_GS_BASE, 0); /* the user's GS base, while in the kernel */
    wrmsr(X64_MSR_EFER, rdmsr(X64_MSR_EFER) | X64_EFER_SCE);

    /* SMEP: ring 0 never fetches from a user page; SMAP: ring 0 reads and
     * writes user pages only with RFLAGS.AC set, i.e. inside uaccess.S
     * (SDM vol. 3A, 4.6.1). CPUID.(7,0):EBX bits 7 and 20. An AP copied the
     * boot CPU's CR4 already (smp.c); the CPUs are assumed alike. */
    uint32_t r[4];
    cpuid(0, r);
    uint32_t ebx = 0;
    if (r[0] >= 7) {
        cpuid(7, r);
        ebx = r[1];
    }
    /* x87 and SSE for ring 3 (SDM vol. 3A, 13.1): no emulation, no lazy
     * #NM (TS clear: the scheduler moves the state eagerly), x87 errors as
     * #MF, FXSAVE/FXRSTOR and SSE on with their exceptions as #XM. The
     * kernel is built without them, so only user code uses these registers. */
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (ebx & CPUID7_EBX_SMEP)
        cr4 |= CR4_SMEP;
    if (ebx & CPUID7_EBX_SMAP)
        cr4 |= CR4_SMAP;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
    if (c->index == 0) {
        smep_on = (ebx & CPUID7_EBX_SMEP) != 0;
        x64_smap_on = (ebx & CPUID7_EBX_SMAP) != 0;
    }
}

/* FNINIT's x87 control word (every exception masked, 64-bit precision,
 * round to nearest) and MXCSR's reset value (every SSE exception masked):
 * what the SysV ABI says a program starts with. Byte offsets in the
 * FXSAVE64 image: FCW 0, MXCSR 24. */
#define FX_FCW_INIT 0x037f
#define FX_MXCSR_INIT 0x1f80u

void hal_ustate_init(struct ustate *s)
{
    *s = (struct ustate){0};
    uint16_t fcw = FX_FCW_INIT;
    uint32_t mxcsr = FX_MXCSR_INIT;
    memcpy(s->fx, &fcw, sizeof fcw);
    memcpy(s->fx + 24, &mxcsr, sizeof mxcsr);
}

void hal_ustate_save(struct ustate *s)
{
    __asm__ volatile("fxsave64 %0" : "=m"(s->fx));
}

void hal_ustate_load(const struct ustate *s)
{
    __asm__ volatile("fxrstor64 %0" : : "m"(s->fx));
    wrmsr(X64_MSR_FS_BASE, s->fs_base);
}

void hal_ustate_set_tls(struct uregs *frame, struct ustate *s, uintptr_t tls)
{
    (void)frame;
    s->fs_base = tls;
}

uintptr_t hal_ustate_tls(const struct uregs *frame, const struct ustate *s)
{
    (void)frame;
    return s->fs_base;
}

/* The si_code of a floating-point exception (#MF from x87, #XM from SSE):
 * the first unmasked flag that is set, in the order Linux reports them. */
int x64_fpe_code(unsigned vector)
{
    uint32_t st;
    if (vector == 19) {
        __asm__ volatile("stmxcsr %0" : "=m"(st));
        st &= ~(st >> 7) & 0x3f; /* MXCSR: flags 5:0, their masks 12:7 */
    } else {
        uint16_t sw, cw;
        __asm__ volatile("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
        st = sw & ~cw & 0x3f; /* x87: status 5:0, masks in the control word 5:0 */
    }
    if (st & 0x01)
        return FPE_FLTINV;
    if (st & 0x04)
        return FPE_FLTDIV;
    if (st & 0x08)
        return FPE_FLTOVF;
    if (st & 0x12)
        return FPE_FLTUND; /* underflow, or a denormal operand */
    if (st & 0x20)
        return FPE_FLTRES;
    return SI_KERNEL;
}

/* Logged once the log has a clock (x64_user_cpu_init() runs before it). */
void x64_user_log(void)
{
    if (smep_on && x64_smap_on)
        pr_info("x86_64: SMEP and SMAP on: the kernel neither runs nor touches user pages");
    else
        pr_info("x86_64: SMEP %s, SMAP %s (the CPU lacks %s; -cpu ...,+smep,+smap)",
                smep_on ? "on" : "off", x64_smap_on ? "on" : "off",
                !smep_on && !x64_smap_on ? "both" : smep_on ? "SMAP" : "SMEP");
}

/* RIP as IRETQ accepts it: canonical, i.e. bits 63..47 all equal (SDM vol.
 * 3A, 3.3.7.1). Otherwise IRETQ raises #GP in ring 0 after the SWAPGS. */
static int canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Whatever the frame says (a signal frame comes from user memory), ring 3
 * gets the user selectors and user flags, with interrupts on. */
static inline void user_selectors_flags(struct uregs *r)
{
    r->cs = X64_USER_CS;
    r->ss = X64_USER_DS;
    r->rflags = (r->rflags & X64_USER_RFLAGS) | X64_RFLAGS_IF | X64_RFLAGS_FIXED;
}

/* SYSRET restores RIP from RCX and RFLAGS from R11 (clearing RF) and
 * nothing else of the frame, and with TF set it traps after the first user
 * instruction instead of before (SDM vol. 2B, SYSRET): take it only when
 * that is exactly the frame. The RIP bound keeps RCX canonical (a SYSRET to
 * a non-canonical RCX raises #GP in ring 0 on Intel CPUs, on the user's
 * stack). */
static inline int sysret_will_do(const struct uregs *r)
{
    return r->rcx == r->rip && r->r11 == r->rflags && r->rip < X64_USER_TOP &&
           !(r->rflags & (X64_RFLAGS_TF | X64_RFLAGS_RF));
}

/* A RIP that is not canonical (execve's entry, a handler's address): the
 * process gets SIGSEGV here rather than the kernel a #GP, until the frame
 * it returns to has one. Out of line: the usual return calls nothing. */
__attribute__((noinline)) static int prepare_noncanonical(struct uregs *r)
{
    do {
        hal_irq_enable();
        user_fault(r, SIGSEGV, SI_KERNEL, 0);
        hal_irq_disable();
        user_return(r);
        hal_irq_disable();
        user_selectors_flags(r);
    } while (!canonical(r->rip));
    return sysret_will_do(r);
}

int x64_user_prepare(struct uregs *r)
{
    user_selectors_flags(r);
    if (__builtin_expect(!canonical(r->rip), 0))
        return prepare_noncanonical(r);
    return sysret_will_do(r);
}
