/**
 * @file user_tests.c
 * @brief aarch64-only checks of user mode's hardware side: the descriptor
 *        bits of MMU_USER leaves, the copy routines' faults on a user space
 *        of the test's own (no process needed), and PAN.
 *
 * The portable tests (kernel/test/user_tests.c) run programs; these look at
 * what only this arch can see: nG, PXN/UXN and AP[1] in a leaf, TTBR0 being
 * the user half, PSTATE.PAN, and AT S1E1RP, which translates as an EL1
 * access under PAN without faulting.
 */
#include <arch/pte.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/pte.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <stdint.h>

KTEST(a64_user_pte_bits)
{
    static const unsigned prots[] = {MMU_USER, MMU_USER | MMU_WRITE, MMU_USER | MMU_EXEC};
    for (int level = 1; level <= 3; level++) {
        for (unsigned i = 0; i < sizeof prots / sizeof prots[0]; i++) {
            uint64_t e = hal_pte_leaf(0x40000000, prots[i], level);
            KT_ASSERT(hal_pte_prot(e) == prots[i]);
            KT_ASSERT(e & A64_PT_NG);     /* per address space */
            KT_ASSERT(e & A64_PT_PXN);    /* never executed by the kernel */
            KT_ASSERT(e & A64_PT_AP_EL0); /* EL0 may access */
            KT_ASSERT(!(e & A64_PT_UXN) == !!(prots[i] & MMU_EXEC));
        }
        uint64_t k = hal_pte_leaf(0x40000000, MMU_EXEC, level);
        KT_ASSERT((k & A64_PT_UXN) && !(k & A64_PT_PXN) && !(k & A64_PT_NG) && !(k & A64_PT_AP_EL0));
    }
}

/* With no user space loaded (a kernel thread's: TCR_EL1.EPD0), every user
 * access faults, and a kernel address passed as a user one faults too
 * (LDTR/STTR check EL0's rights): each copy says nothing was copied. */
KTEST(a64_user_copy_without_user_space)
{
    static char kbuf[64], other[64] = "kernel data";
    KT_ASSERT(hal_copy_user(kbuf, (const void *)0x10000, 40) == 40);
    KT_ASSERT(hal_copy_user((void *)0x10003, kbuf, 13) == 13);
    KT_ASSERT(hal_strncpy_user(kbuf, (const char *)0x10000, 8) == -EFAULT);
    KT_ASSERT(hal_copy_user(kbuf, other, 16) == 16);          /* "user" source in TTBR1 */
    KT_ASSERT(hal_strncpy_user(kbuf, other, 16) == -EFAULT);
    KT_ASSERT(hal_copy_user(kbuf, (const void *)0x0001000000000000ULL, 8) == 8); /* past T0SZ */
}

#define UVA 0x400000UL /* two pages: [UVA, UVA + 4K) writable, the next read-only, then a hole */

static uint64_t pan_level(void)
{
    uint64_t mmfr1;
    __asm__ volatile("mrs %0, id_aa64mmfr1_el1" : "=r"(mmfr1));
    return (mmfr1 >> 20) & 0xf;
}

/* AT S1E1R{,P}: does EL1 (under PAN with P) translate @p va for reading? */
static int el1_can_read(uintptr_t va, int pan)
{
    uint64_t par;
    irqflags_t f = hal_irq_save(); /* PAR_EL1 is this CPU's */
    /* SYS encodings (Arm ARM C5.5): AT S1E1RP needs no Armv8.2 target so. */
    if (pan)
        __asm__ volatile("sys #0, c7, c9, #0, %1\n isb\n mrs %0, par_el1" /* AT S1E1RP */
                         : "=r"(par) : "r"(va) : "memory");
    else
        __asm__ volatile("sys #0, c7, c8, #0, %1\n isb\n mrs %0, par_el1" /* AT S1E1R */
                         : "=r"(par) : "r"(va) : "memory");
    hal_irq_restore(f);
    return !(par & 1);
}

KTEST(a64_user_copy_in_own_space)
{
    struct vm_aspace as = {.root = pt_alloc_table(), .va_lo = 4096, .va_hi = hal_user_top() - 1};
    spin_init(&as.lock, "a64 user test");
    uint64_t pa[2] = {pmm_alloc(0), pmm_alloc(0)};
    KT_ASSERT(as.root && pa[0] && pa[1]);
    memset(hal_phys_to_virt(pa[0]), 0, 4096);
    memcpy(hal_phys_to_virt(pa[1]), "read-only page", 15);
    KT_ASSERT(hal_uspace_init(as.root) == 0);
    KT_ASSERT(vm_map(&as, UVA, pa[0], 4096, MMU_USER | MMU_WRITE) == 0);
    KT_ASSERT(vm_map(&as, UVA + 4096, pa[1], 4096, MMU_USER) == 0);
    sched_set_user(&as, 0);

    char buf[32] = "hello, user";
    KT_ASSERT(hal_copy_user((void *)(UVA + 5), buf, 12) == 0);
    KT_ASSERT(memcmp((char *)hal_phys_to_virt(pa[0]) + 5, "hello, user", 12) == 0);
    memset(buf, 0, sizeof buf);
    KT_ASSERT(hal_copy_user(buf, (const void *)(UVA + 5), 12) == 0);
    KT_ASSERT(memcmp(buf, "hello, user", 12) == 0);
    KT_ASSERT(hal_strncpy_user(buf, (const char *)(UVA + 4096), 32) == 14);
    KT_ASSERT(hal_strncpy_user(buf, (const char *)(UVA + 4096), 5) == 5);
    /* Read-only to EL0 too: a store faults on the first byte of that page. */
    KT_ASSERT(hal_copy_user((void *)(UVA + 4096 - 3), buf, 10) == 7);
    /* Running into the hole: exactly the bytes past the mapped page are left. */
    KT_ASSERT(hal_copy_user(buf, (const void *)(UVA + 2 * 4096 - 11), 20) == 9);
    KT_ASSERT(hal_copy_user((void *)UVA, (const void *)(UVA + 4096), 15) == 0); /* both user */
    KT_ASSERT(memcmp(hal_phys_to_virt(pa[0]), "read-only page", 15) == 0);

    /* The kernel itself: without PAN EL1 may read a user page (AT S1E1R);
     * with it (and AT S1E1RP, FEAT_PAN2) it may not, and PSTATE.PAN is set
     * in this thread, which has been through exceptions since boot. */
    KT_ASSERT(el1_can_read(UVA, 0));
    if (pan_level() >= 1) {
        uint64_t pstate, sctlr;
        __asm__ volatile("mrs %0, s3_0_c4_c2_3; mrs %1, sctlr_el1" : "=r"(pstate), "=r"(sctlr));
        KT_ASSERT(pstate & (1ULL << 22));
        KT_ASSERT(!(sctlr & (1ULL << 23))); /* SPAN clear: exceptions set PAN */
    }
    if (pan_level() >= 2)
        KT_ASSERT(!el1_can_read(UVA, 1));

    sched_set_user(NULL, 0);
    /* Unloaded: the TLB must not keep the space alive. */
    KT_ASSERT(hal_copy_user(buf, (const void *)UVA, 8) == 8);
    KT_ASSERT(vm_unmap(&as, UVA, 2 * 4096) == 0);
    pt_destroy(&as);
    pmm_free(pa[0], 0);
    pmm_free(pa[1], 0);
}

/* Several threads, each with a user space of its own mapping the same
 * address to its own page, run at once on every CPU and switch often: a
 * TLB entry of one space kept under another's ASID (hal_uspace_switch(),
 * kernel/asid.h) would show one thread another's page. */
#define SPACES 4
#define ROUNDS 3000

struct space_arg {
    struct vm_aspace as;
    uint64_t pa, tag;
    volatile int bad;
};

static int space_thread(void *p)
{
    struct space_arg *a = p;
    sched_set_user(&a->as, 0);
    for (uint64_t i = 0; i < ROUNDS && !a->bad; i++) {
        uint64_t v = a->tag ^ i, got = 0;
        if (hal_copy_user((void *)(UVA + (i % 512) * 8), &v, 8) != 0 ||
            hal_copy_user(&got, (const void *)(UVA + (i % 512) * 8), 8) != 0 || got != v)
            a->bad = 1;
        if (i % 4 == 0)
            thread_yield();
    }
    sched_set_user(NULL, 0);
    return 0;
}

KTEST(a64_user_spaces_do_not_leak_between_switches)
{
    static struct space_arg arg[SPACES];
    int id[SPACES];
    for (int i = 0; i < SPACES; i++) {
        struct space_arg *a = &arg[i];
        *a = (struct space_arg){.as = {.root = pt_alloc_table(), .va_lo = 4096,
                                       .va_hi = hal_user_top() - 1},
                                .pa = pmm_alloc(0), .tag = 0x5a5a000000000000ULL * (uint64_t)(i + 1)};
        spin_init(&a->as.lock, "a64 user test");
        KT_ASSERT(a->as.root && a->pa);
        KT_ASSERT(vm_map(&a->as, UVA, a->pa, 4096, MMU_USER | MMU_WRITE) == 0);
    }
    for (int i = 0; i < SPACES; i++)
        KT_ASSERT((id[i] = thread_create("a64-uspace", space_thread, &arg[i], PRIO_DEFAULT, 0)) > 0);
    for (int i = 0; i < SPACES; i++) {
        KT_ASSERT(thread_join(id[i], NULL) == 0);
        KT_ASSERT(!arg[i].bad);
        /* And what it wrote is in its own page. */
        uint64_t last = arg[i].tag ^ (ROUNDS - 1);
        KT_ASSERT(((uint64_t *)hal_phys_to_virt(arg[i].pa))[(ROUNDS - 1) % 512] == last);
        KT_ASSERT(vm_unmap(&arg[i].as, UVA, 4096) == 0);
        pt_destroy(&arg[i].as);
        pmm_free(arg[i].pa, 0);
    }
}
