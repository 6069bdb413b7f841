/**
 * @file jit_tests.c
 * @brief In-kernel tests of code memory (kernel/jit.h): W^X at every step,
 *        symbols for fault reports, branch range, nothing left behind.
 *
 * Writing sealed code and running unsealed code would fault; the QEMU
 * tests `fault_jit-write` and `fault_jit-exec` do that, and `fault_jit`
 * shows a fault inside generated code named by its symbol. Here the page
 * attributes themselves are read back through vm_translate().
 */
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/jit.h>
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/vm.h>

/* Copied into code memory and called there: no calls, no globals. */
__attribute__((noinline)) static unsigned jit_answer(unsigned x)
{
    return x * 6 + 4;
}

static int prot_of(uintptr_t va, unsigned *prot)
{
    uint64_t pa;
    return vm_translate(vm_kernel_aspace(), va, &pa, prot);
}

KTEST(jit_write_xor_execute)
{
    struct jit_region *r = jit_alloc(2 * PAGE_SIZE, "ktest");
    KT_ASSERT(r != NULL);
    uintptr_t base = (uintptr_t)jit_base(r);
    unsigned prot = 0;
    /* written: writable, not executable */
    KT_ASSERT(prot_of(base, &prot) == 0 && (prot & MMU_WRITE) && !(prot & MMU_EXEC));
    KT_ASSERT(prot_of(base + PAGE_SIZE, &prot) == 0 && (prot & MMU_WRITE) && !(prot & MMU_EXEC));
    /* the guard page after it is unmapped */
    KT_ASSERT(prot_of(base + 2 * PAGE_SIZE, &prot) == -ENOENT);
    /* never both */
    KT_ASSERT(jit_protect(r, 0, PAGE_SIZE, MMU_WRITE | MMU_EXEC) == -EPERM);
    KT_ASSERT(jit_protect(r, 1, PAGE_SIZE, MMU_EXEC) == -EINVAL);
    KT_ASSERT(jit_protect(r, 0, 3 * PAGE_SIZE, MMU_EXEC) == -EINVAL);
    memcpy((void *)base, (const void *)(uintptr_t)jit_answer, 64);
    KT_ASSERT(jit_add_symbol(r, "ktest:answer", 0, 64) == 0);
    KT_ASSERT(jit_add_symbol(r, "ktest:bad", PAGE_SIZE, 2 * PAGE_SIZE) == -EINVAL);
    KT_ASSERT(jit_seal(r) == 0);
    /* sealed: executable, not writable */
    KT_ASSERT(prot_of(base, &prot) == 0 && (prot & MMU_EXEC) && !(prot & MMU_WRITE));
    KT_ASSERT(((unsigned (*)(unsigned))base)(7) == 46);
    /* a part made read-only is neither */
    KT_ASSERT(jit_protect(r, PAGE_SIZE, PAGE_SIZE, 0) == 0);
    KT_ASSERT(prot_of(base + PAGE_SIZE, &prot) == 0 && !(prot & (MMU_EXEC | MMU_WRITE)));
    /* named for fault reports */
    char name[KSYM_NAME_MAX];
    KT_ASSERT(strcmp(ksym_name(base + 0x1c, name, sizeof name), "ktest:answer+0x1c") == 0);
    KT_ASSERT(jit_contains(base) && jit_contains(base + 2 * PAGE_SIZE - 1));
    jit_free(r);
    /* freed: unmapped and unnamed */
    KT_ASSERT(prot_of(base, &prot) == -ENOENT);
    KT_ASSERT(!jit_contains(base));
    uintptr_t off;
    KT_ASSERT(ksym_lookup(base + 0x1c, &off) == NULL);
}

KTEST(jit_regions_in_branch_range)
{
    /* x86_64 rel32 reaches +-2 GiB, aarch64 bl +-128 MiB: every region must
     * be within 128 MiB of all of kernel text. */
    struct jit_region *r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = jit_alloc((size_t)(i + 1) * PAGE_SIZE, "ktest");
        KT_ASSERT(r[i] != NULL);
    }
    /* free one in the middle; the next allocation of its size reuses the hole */
    uintptr_t hole = (uintptr_t)jit_base(r[1]);
    jit_free(r[1]);
    r[1] = jit_alloc(2 * PAGE_SIZE, "ktest");
    KT_ASSERT(r[1] != NULL && (uintptr_t)jit_base(r[1]) == hole);
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        uintptr_t lo = (uintptr_t)jit_base(r[i]), hi = lo + jit_size(r[i]);
        if (hi - (uintptr_t)__kernel_start > (128u << 20) || lo < (uintptr_t)__kernel_end)
            ok = 0;
    }
    for (int i = 0; i < 4; i++)
        jit_free(r[i]);
    KT_ASSERT(ok);
    KT_ASSERT(jit_alloc(0, "ktest") == NULL);
}
