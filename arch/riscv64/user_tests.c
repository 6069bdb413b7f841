/**
 * @file user_tests.c
 * @brief riscv64's part of user mode, tested from the kernel side: the PTE
 *        bits, the kernel half of a user root in both paging modes, the copy
 *        routines' faults and partial copies, and sstatus.SUM across traps.
 *
 * The user_* ktests of kernel/test/ run programs; these check what a
 * program cannot see: that a fault at a page boundary stops a copy at
 * exactly that byte, and that SUM never stays set for code that did not
 * set it.
 */
#include <arch/private.h>
#include <arch/uregs.h>
#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/pte.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/ktest.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/vm.h>

static uint64_t sstatus(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, sstatus" : "=r"(v));
    return v;
}

static const uint64_t *table(uint64_t pa) { return hal_phys_to_virt(pa); }

KTEST(user_rv64_pte_bits)
{
    uint64_t u = hal_pte_leaf(0x80000000ull, MMU_USER | MMU_WRITE, 3);
    uint64_t ux = hal_pte_leaf(0x80001000ull, MMU_USER | MMU_EXEC, 3);
    uint64_t k = hal_pte_leaf(0x80002000ull, MMU_WRITE, 3);
    KT_ASSERT((u & RV_PTE_U) && !(u & RV_PTE_G) && (u & RV_PTE_W) && !(u & RV_PTE_X));
    KT_ASSERT((ux & RV_PTE_U) && (ux & RV_PTE_X) && !(ux & RV_PTE_W));
    KT_ASSERT(!(k & RV_PTE_U) && (k & RV_PTE_G));
    KT_ASSERT(hal_pte_prot(u) == (MMU_USER | MMU_WRITE));
    KT_ASSERT(hal_pte_prot(ux) == (MMU_USER | MMU_EXEC));
    KT_ASSERT(hal_pte_prot(k) == MMU_WRITE);
}

/* A user root shares the kernel's top-level entries: root[511] in Sv48, and
 * in Sv39 the level-1 table under root[0] (the one satp names) holds the
 * kernel's level-1 entries 256-511, every vmalloc GiB already with a table. */
KTEST(user_rv64_kernel_half)
{
    int sv39 = strcmp(rv_mmu_mode(), "Sv39") == 0;
    KT_ASSERT(hal_user_top() == (sv39 ? 1ull << 38 : 1ull << 47));
    const uint64_t *kroot = table(vm_kernel_aspace()->root);
    const uint64_t *kl1 = table(hal_pte_addr(kroot[511]));
    if (sv39) /* pinned: the walker never frees them (hal_pte_pinned()) */
        for (uint64_t va = ARCH_VMALLOC_BASE; va - ARCH_VMALLOC_BASE < ARCH_VMALLOC_SIZE; va += 1ull << 30)
            KT_ASSERT(hal_pte_valid(kl1[(va >> 30) & 511]) && hal_pte_pinned(kl1[(va >> 30) & 511]));
    uint64_t tables = pt_table_pages();
    struct vm_aspace as = {pt_alloc_table(), PAGE_SIZE, hal_user_top() - 1,
                           SPINLOCK_INIT("ktest user tables"), 0, 0, 0};
    KT_ASSERT(as.root);
    KT_ASSERT(hal_uspace_init(as.root) == 0);
    const uint64_t *root = table(as.root);
    KT_ASSERT(root[511] == kroot[511]);
    if (sv39) {
        KT_ASSERT(hal_pte_valid(root[0]) && hal_pte_is_table(root[0], 0));
        const uint64_t *l1 = table(hal_pte_addr(root[0]));
        for (unsigned i = 0; i < 512; i++)
            KT_ASSERT(l1[i] == (i < 256 ? 0 : kl1[i]));
    }
    pt_destroy(&as); /* frees the Sv39 level-1 table, not the kernel's below it */
    KT_ASSERT(pt_table_pages() == tables);
    KT_ASSERT(kroot[511] && kl1[510]);
}

/* One user page at UPAGE in a space of the test's own, loaded for this
 * thread (sched_set_user(): it follows the thread to any hart); the page
 * after it is unmapped. */
#define UPAGE 0x10000ul

KTEST(user_rv64_copy_faults)
{
    static uint8_t kbuf[8192] __attribute__((aligned(16))), back[64] __attribute__((aligned(16)));
    uint64_t pa = pmm_alloc(0);
    KT_ASSERT(pa);
    struct vm_aspace as = {pt_alloc_table(), PAGE_SIZE, hal_user_top() - 1,
                           SPINLOCK_INIT("ktest user tables"), 0, 0, 0};
    KT_ASSERT(as.root && hal_uspace_init(as.root) == 0);
    KT_ASSERT(vm_map(&as, UPAGE, pa, PAGE_SIZE, MMU_USER | MMU_WRITE) == 0);
    for (unsigned i = 0; i < sizeof kbuf; i++)
        kbuf[i] = (uint8_t)(i * 7 + 1);
    sched_set_user(&as, 0);

    /* Nothing loaded there: all refused, nothing copied. */
    size_t none_from = hal_copy_user(back, (void *)(UPAGE + PAGE_SIZE), 64);
    size_t none_to = hal_copy_user((void *)(UPAGE + PAGE_SIZE), kbuf, 64);
    long none_str = hal_strncpy_user((char *)back, (const char *)(UPAGE + PAGE_SIZE), 16);
    int sum_after_fault = (sstatus() & RV_SSTATUS_SUM) != 0;
    /* Words to the page's end, then the fault: exactly one page copied. */
    size_t to_words = hal_copy_user((void *)UPAGE, kbuf, 8192);
    /* Bytes (dst and src aligned differently): 3 bytes, then the fault. */
    size_t to_bytes = hal_copy_user((void *)(UPAGE + PAGE_SIZE - 3), kbuf + 1, 8);
    memset(back, 0, sizeof back);
    size_t from_words = hal_copy_user(back, (void *)(UPAGE + PAGE_SIZE - 8), 16);
    uint8_t last8[8];
    memcpy(last8, back, 8);
    size_t whole = hal_copy_user(back, (void *)UPAGE, 64);
    /* Strings: one that ends, one cut by n, one cut by the page's end. */
    size_t put = hal_copy_user((void *)(UPAGE + 100), "abc", 4) +
                 hal_copy_user((void *)(UPAGE + PAGE_SIZE - 4), "wxyz", 4);
    char s[16];
    long len = hal_strncpy_user(s, (const char *)(UPAGE + 100), sizeof s);
    long cut = hal_strncpy_user(s + 8, (const char *)(UPAGE + PAGE_SIZE - 4), 4);
    long past = hal_strncpy_user(s + 8, (const char *)(UPAGE + PAGE_SIZE - 4), 8);
    int sum_after = (sstatus() & RV_SSTATUS_SUM) != 0;

    sched_set_user(NULL, 0);
    vm_unmap(&as, UPAGE, PAGE_SIZE);
    pt_destroy(&as);
    pmm_free(pa, 0);
    KT_ASSERT(none_from == 64 && none_to == 64 && none_str == -EFAULT);
    KT_ASSERT(to_words == 8192 - PAGE_SIZE && to_bytes == 5);
    KT_ASSERT(from_words == 8 && whole == 0 && put == 0);
    KT_ASSERT(memcmp(back, kbuf, 64) == 0);
    /* The last 8 bytes of the page: kbuf's bytes 4088-4092 from the word
     * copy, then 1-3 from the byte copy. */
    KT_ASSERT(memcmp(last8, kbuf + PAGE_SIZE - 8, 5) == 0 && memcmp(last8 + 5, kbuf + 1, 3) == 0);
    KT_ASSERT(len == 3 && strcmp(s, "abc") == 0);
    KT_ASSERT(cut == 4 && memcmp(s + 8, "wxyz", 4) == 0 && past == -EFAULT);
    KT_ASSERT(!sum_after_fault && !sum_after);
}

/* An interrupt taken with SUM set (inside a copy routine, say) runs its
 * handler with SUM clear, and the interrupted code gets it back. */
static volatile int sum_in_handler = -1;

static void sum_probe(unsigned irq, void *arg)
{
    (void)irq;
    (void)arg;
    sum_in_handler = (sstatus() & RV_SSTATUS_SUM) != 0;
}

KTEST(user_rv64_sum_cleared_in_traps)
{
    KT_ASSERT(irq_test_number(2) >= 0);
    unsigned n = (unsigned)irq_test_number(2);
    sum_in_handler = -1;
    KT_ASSERT(irq_register(n, sum_probe, NULL, "ktest SUM") == 0);
    irqflags_t f = hal_irq_save();
    int raised = irq_raise_self(n);
    __asm__ volatile("csrs sstatus, %0" : : "r"(RV_SSTATUS_SUM) : "memory");
    hal_irq_restore(f); /* taken here, SUM set */
    for (int i = 0; i < 1000 && sum_in_handler < 0; i++)
        hal_cpu_relax();
    int sum_back = (sstatus() & RV_SSTATUS_SUM) != 0;
    __asm__ volatile("csrc sstatus, %0" : : "r"(RV_SSTATUS_SUM) : "memory");
    irq_unregister(n);
    KT_ASSERT(raised == 0 && sum_in_handler == 0 && sum_back);
}
