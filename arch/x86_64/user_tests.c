/**
 * @file user_tests.c
 * @brief In-kernel tests of x86_64's half of user mode: the register state
 *        across SYSCALL and across interrupts taken in ring 3, what ring 3
 *        must not do (privileged instructions, software interrupts to
 *        kernel vectors, kernel selectors, non-canonical addresses) and the
 *        signal each gets, the exact count of hal_copy_user() at a fault,
 *        the SYSRET/IRETQ choice, and the kernel's shared PML4 entries.
 *
 * The ring-3 programs are machine code (user_tests_progs.S), each wrapped
 * here into a one-segment ELF executable and run with proc_spawn(). Named
 * user_x64_*, so `ktest user_` runs them with the portable ones.
 */
#include <arch/entry_defs.h>
#include <arch/private.h>
#include <arch/user_abi.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/pte.h>
#include <hal/uregs.h>
#include <hal/user.h>
#include <kernel/elf.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vmalloc.h>

#define PROG(name) extern const uint8_t x64_up_##name[], x64_up_##name##_end[]
PROG(syscall_regs); PROG(spin_regs); PROG(bad_rsp_syscall); PROG(int3); PROG(int80);
PROG(int_irq); PROG(int_pf); PROG(int_nmi); PROG(hlt); PROG(cli); PROG(port_in);
PROG(swapgs); PROG(rdcr3); PROG(wrmsr); PROG(kernel_ss); PROG(far_kernel_cs);
PROG(far_compat_cs); PROG(divzero); PROG(ud2); PROG(single_step); PROG(noncanon_read);
PROG(noncanon_jump); PROG(last_page_jump); PROG(kernel_stack);
PROG(syscall_loop);
extern const uint8_t x64_up_spin_ticks[], x64_up_loop_ticks[];

#define PROG_VA 0x400000ul
#define CODE_OFF 128 /* after the ELF header (64) and one program header (56) */

/*
 * Run the code [code, end) as a process: one R+X segment holding the
 * headers and the code, entry at the code. If @p patch, the quadword at
 * @p patch (inside the code) is set to @p value in the copy first.
 * Returns the wait status, or a negative errno.
 */
static int run_code(const uint8_t *code, const uint8_t *end, const uint8_t *patch, uint64_t value)
{
    size_t n = (size_t)(end - code), len = CODE_OFF + n;
    uint8_t *f = kzalloc(len);
    if (!f)
        return -ENOMEM;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
    memcpy(eh->e_ident, "\177ELF", 4);
    eh->e_ident[4] = ELFCLASS64;
    eh->e_ident[5] = ELFDATA2LSB;
    eh->e_ident[6] = 1; /* EV_CURRENT */
    eh->e_type = ET_EXEC;
    eh->e_machine = ARCH_ELF_MACHINE;
    eh->e_version = 1;
    eh->e_entry = PROG_VA + CODE_OFF;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof *eh);
    *ph = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, PROG_VA, PROG_VA, len, len, PAGE_SIZE};
    memcpy(f + CODE_OFF, code, n);
    if (patch)
        memcpy(f + CODE_OFF + (patch - code), &value, sizeof value);
    char *argv[] = {"x64test", NULL}, *envp[] = {NULL};
    char err[96] = "";
    int pid, e = proc_spawn("x64test", f, len, argv, envp, &pid, err, sizeof err);
    kfree(f);
    return e ? e : proc_wait(pid);
}

#define RUN(name) run_code(x64_up_##name, x64_up_##name##_end, NULL, 0)

KTEST(user_x64_syscall_keeps_registers)
{
    KT_ASSERT(RUN(syscall_regs) == 0);     /* exit(0): see the program for the codes */
    KT_ASSERT(RUN(bad_rsp_syscall) == 0);
    /* 200 ms of system calls, with interrupts arriving on the way in and out */
    uint64_t ticks = hal_counter_freq() / 10 * 2;
    KT_ASSERT(run_code(x64_up_syscall_loop, x64_up_syscall_loop_end, x64_up_loop_ticks, ticks) == 0);
}

/* 300 ms in ring 3: several of each CPU's 100 ms watchdog ticks arrive
 * there and return by IRETQ, with the user's registers and flags intact. */
KTEST(user_x64_interrupts_keep_registers)
{
    uint64_t ticks = hal_counter_freq() / 10 * 3;
    KT_ASSERT(ticks != 0);
    KT_ASSERT(run_code(x64_up_spin_regs, x64_up_spin_regs_end, x64_up_spin_ticks, ticks) == 0);
}

KTEST(user_x64_forbidden_instructions_signal)
{
    static const struct {
        const uint8_t *code, *end;
        const char *what;
        int status, alt; /* the wait status (a signal); alt: another acceptable one, or 0 */
    } cases[] = {
#define CASE(name, sig, alt) {x64_up_##name, x64_up_##name##_end, #name, sig, alt}
        CASE(int3, SIGTRAP, 0),          CASE(int80, SIGSEGV, 0),
        CASE(int_irq, SIGSEGV, 0),       CASE(int_pf, SIGSEGV, 0),
        CASE(int_nmi, SIGSEGV, 0),       CASE(hlt, SIGSEGV, 0),
        CASE(cli, SIGSEGV, 0),           CASE(port_in, SIGSEGV, 0),
        CASE(swapgs, SIGSEGV, 0),        CASE(rdcr3, SIGSEGV, 0),
        CASE(wrmsr, SIGSEGV, 0),         CASE(kernel_ss, SIGSEGV, 0),
        CASE(far_kernel_cs, SIGSEGV, 0), CASE(far_compat_cs, SIGSEGV, 0),
        CASE(divzero, SIGFPE, 0),        CASE(ud2, SIGILL, 0),
        CASE(single_step, SIGTRAP, 0),   CASE(noncanon_read, SIGSEGV, 0),
        CASE(noncanon_jump, SIGSEGV, 0), CASE(last_page_jump, SIGSEGV, 0),
        CASE(kernel_stack, SIGSEGV, 0),
#undef CASE
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = run_code(cases[i].code, cases[i].end, NULL, 0);
        if (st != cases[i].status && (!cases[i].alt || st != cases[i].alt))
            ktest_fail(ctx, __FILE__, __LINE__, cases[i].what);
    }
}

/*
 * hal_copy_user() and hal_strncpy_user() against a user page followed by
 * an unmapped one, in an address space of the test's own: the count of
 * bytes not copied is exact wherever the fault falls (the quadword loop
 * redoes its last step byte by byte), both ways, and a string that runs
 * into the hole is -EFAULT.
 */
KTEST(user_x64_copy_counts_exactly)
{
    struct vm_aspace as = {0, PAGE_SIZE, 0, SPINLOCK_INIT("x64 test space"), 0, 0, 0};
    as.va_hi = hal_user_top() - 1;
    as.root = pt_alloc_table();
    uint64_t pa = pmm_alloc(0);
    KT_ASSERT(as.root && pa);
    KT_ASSERT(hal_uspace_init(as.root) == 0);
    uint8_t *kpage = hal_phys_to_virt(pa);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        kpage[i] = (uint8_t)(i * 7 + 1);
    KT_ASSERT(vm_map(&as, PROG_VA, pa, PAGE_SIZE, MMU_USER | MMU_WRITE) == 0);
    struct thread *self = thread_current();
    sched_set_user(&as, (uintptr_t)self->stack + KSTACK_SIZE);

    uint8_t buf[64];
    int ok = 1;
    for (unsigned tail = 1; tail <= 40; tail++) { /* bytes before the hole */
        const uint8_t *src = (const uint8_t *)(PROG_VA + PAGE_SIZE - tail);
        memset(buf, 0, sizeof buf);
        ok &= hal_copy_user(buf, src, 48) == 48 - tail;
        ok &= memcmp(buf, kpage + PAGE_SIZE - tail, tail) == 0 && buf[tail] == 0;
        memset(buf, 0xa5, sizeof buf);
        ok &= hal_copy_user((void *)src, buf, 48) == 48 - tail;
        ok &= kpage[PAGE_SIZE - tail] == 0xa5 && kpage[PAGE_SIZE - 1] == 0xa5;
    }
    KT_ASSERT(ok);
    KT_ASSERT(hal_copy_user(buf, (void *)PROG_VA, 64) == 0);
    KT_ASSERT(hal_copy_user(buf, (void *)(PROG_VA + PAGE_SIZE), 1) == 1);

    char s[16];
    memcpy(kpage + 100, "hello", 6);
    KT_ASSERT(hal_strncpy_user(s, (char *)PROG_VA + 100, sizeof s) == 5 && strcmp(s, "hello") == 0);
    KT_ASSERT(hal_strncpy_user(s, (char *)PROG_VA + 100, 3) == 3);
    memset(kpage + PAGE_SIZE - 4, 'x', 4);
    KT_ASSERT(hal_strncpy_user(s, (char *)PROG_VA + PAGE_SIZE - 4, sizeof s) == -EFAULT);
    KT_ASSERT(hal_strncpy_user(s, (char *)PROG_VA + PAGE_SIZE - 4, 4) == 4);

    sched_set_user(NULL, 0);
    KT_ASSERT(vm_unmap(&as, PROG_VA, PAGE_SIZE) == 0);
    pmm_free(pa, 0);
    pt_destroy(&as);
}

/* SYSRET only for the frame it restores exactly: RCX = RIP and R11 =
 * RFLAGS (as after a system call), a RIP below hal_user_top(), no TF or
 * RF; the selectors and flags are forced to the user's either way. */
KTEST(user_x64_sysret_only_when_exact)
{
    struct uregs r;
    uregs_init(&r, PROG_VA, PROG_VA + PAGE_SIZE);
    irqflags_t f = hal_irq_save();
    int first = x64_user_prepare(&r); /* RCX, R11 0: IRETQ */
    r.rcx = r.rip;
    r.r11 = r.rflags;
    int exact = x64_user_prepare(&r);
    r.rip = r.rcx = hal_user_top();
    int at_top = x64_user_prepare(&r);
    r.rip = r.rcx = 0xffffffff80000000ul; /* canonical, but the kernel's */
    int kernel = x64_user_prepare(&r);
    r.rip = r.rcx = PROG_VA;
    r.rflags = r.r11 = X64_RFLAGS_IF | X64_RFLAGS_FIXED | X64_RFLAGS_TF;
    int tf = x64_user_prepare(&r);
    r.rflags = r.r11 = X64_RFLAGS_IF | X64_RFLAGS_FIXED | X64_RFLAGS_IOPL;
    r.cs = X64_KERNEL_CS;
    r.ss = 0;
    int iopl = x64_user_prepare(&r);
    hal_irq_restore(f);
    KT_ASSERT(!first && exact && !at_top && !kernel && !tf && !iopl);
    KT_ASSERT(r.cs == X64_USER_CS && r.ss == X64_USER_DS);
    KT_ASSERT(r.rflags == (X64_RFLAGS_IF | X64_RFLAGS_FIXED)); /* IOPL dropped */
}

/* Every PML4 entry of the kernel's half that the kernel uses existed from
 * hal_mmu_init() on, and a new space gets them all. */
KTEST(user_x64_kernel_half_shared)
{
    const uint64_t *k = hal_phys_to_virt(vm_kernel_aspace()->root);
    static const uintptr_t used[] = {ARCH_DIRECT_MAP_BASE, ARCH_VMALLOC_BASE,
                                     ARCH_VMALLOC_BASE + ARCH_VMALLOC_SIZE - 1, ARCH_MODULE_BASE,
                                     KERNEL_VIRT_BASE};
    for (unsigned i = 0; i < sizeof used / sizeof used[0]; i++)
        KT_ASSERT(hal_pte_valid(k[(used[i] >> 39) & 511]));
    struct vm_aspace as = {pt_alloc_table(), PAGE_SIZE, 0, SPINLOCK_INIT("x64 test space"), 0, 0, 0};
    as.va_hi = hal_user_top() - 1;
    KT_ASSERT(as.root);
    KT_ASSERT(hal_uspace_init(as.root) == 0);
    const uint64_t *u = hal_phys_to_virt(as.root);
    int same = 1, low_empty = 1;
    for (unsigned i = 0; i < 512; i++) {
        if (i < 256)
            low_empty &= u[i] == 0;
        else
            same &= u[i] == k[i];
    }
    pt_destroy(&as); /* frees the root only: nothing below the user range */
    KT_ASSERT(same && low_empty);
}
