/**
 * @file cache_tests.c
 * @brief In-kernel tests of hal/cache.h: code written at run time runs, and
 *        runs in its rewritten form after a second sync; line sizes; bad
 *        ranges.
 *
 * The generated code is not assembled here (that would put instruction
 * encodings in portable code): the test copies the machine code of two
 * small leaf functions from the kernel's own text. Each returns a constant
 * and touches no PC-relative data, so its bytes run the same anywhere; its
 * length comes from the embedded symbol table (the next symbol's address).
 *
 * What this can and cannot catch: on hardware, running the copy without
 * hal_icache_sync() may execute stale or garbage instructions, and the
 * rewrite may keep returning the old constant. QEMU's TCG does not model
 * caches at all (it watches writes to translated pages itself), so here the
 * test proves only that the sync runs without faulting on a read+execute
 * page, over the right range, with the line sizes the CPU reports, and that
 * the W^X sequence (write while RW+NX, seal R+X, sync, call) works; a
 * missing sync would pass under TCG.
 */
#include <hal/cache.h>
#include <hal/mmu.h>
#include <kernel/buddy.h>
#include <kernel/errno.h>
#include <kernel/kernel.h>
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>
#include <stdint.h>

#define PROBE_A 0x1234
#define PROBE_B 0x4321

/* The code the test copies. noinline and used so each exists as a symbol
 * of its own; called only through copies (and once directly, as a check). */
__attribute__((noinline, used)) static int cache_probe_a(void) { return PROBE_A; }
__attribute__((noinline, used)) static int cache_probe_b(void) { return PROBE_B; }

typedef int (*probe_fn)(void);

/* Bytes from @p fn to the next symbol (its code plus alignment padding),
 * 0 if @p fn is not a symbol of its own or is implausibly long. */
static size_t function_size(probe_fn fn)
{
    uintptr_t start = (uintptr_t)fn, off;
    const char *name = ksym_lookup(start, &off);
    if (!name || off != 0)
        return 0;
    for (size_t n = 1; n <= 256; n++) {
        if (ksym_lookup(start + n, &off) != name || off != n)
            return n;
    }
    return 0;
}

/* Copy @p fn into @p page (mapped RW+NX), seal the page R+X, sync, call the
 * copy. Returns what it returned, or -1 with *err set if a step failed. */
static int install_and_call(uint8_t *page, probe_fn fn, size_t size, int *err)
{
    struct hal_aspace *as = hal_kernel_aspace();
    memcpy(page, (const void *)(uintptr_t)fn, size);
    *err = hal_mmu_protect(as, (uintptr_t)page, PAGE_SIZE, MMU_EXEC); /* R+X, never W+X */
    if (!*err)
        *err = hal_icache_sync(page, size);
    if (*err)
        return -1;
    probe_fn copy = (probe_fn)(uintptr_t)page;
    return copy();
}

KTEST(icache_sync_runs_written_and_rewritten_code)
{
    size_t na = function_size(cache_probe_a), nb = function_size(cache_probe_b);
    KT_ASSERT(na >= 2 && nb >= 2); /* both found in the symbol table */
    KT_ASSERT(cache_probe_a() == PROBE_A && cache_probe_b() == PROBE_B);
    uint8_t *page = vmalloc(PAGE_SIZE);
    KT_ASSERT(page != NULL);
    int err1, err2 = 0, err3;
    int first = install_and_call(page, cache_probe_a, na, &err1);
    /* Rewrite in place: writable (and not executable) again, write, seal, sync. */
    int second = -1;
    err3 = hal_mmu_protect(hal_kernel_aspace(), (uintptr_t)page, PAGE_SIZE, MMU_WRITE);
    if (!err1 && !err3)
        second = install_and_call(page, cache_probe_b, nb, &err2);
    unsigned prot = 0;
    uint64_t pa;
    int terr = hal_mmu_translate(hal_kernel_aspace(), (uintptr_t)page, &pa, &prot);
    hal_mmu_protect(hal_kernel_aspace(), (uintptr_t)page, PAGE_SIZE, MMU_WRITE);
    vfree(page);
    KT_ASSERT(err1 == 0 && err2 == 0 && err3 == 0 && terr == 0);
    KT_ASSERT((prot & (MMU_WRITE | MMU_EXEC)) == MMU_EXEC); /* sealed R+X while it ran */
    KT_ASSERT(first == PROBE_A);
    KT_ASSERT(second == PROBE_B);
}

/* The sizes come from the CPU (CTR_EL0 / CPUID): whatever it says must be a
 * size a cache line can have, or the maintenance loops would skip lines. */
KTEST(cache_line_sizes_from_hardware)
{
    size_t d = hal_dcache_line_size(), i = hal_icache_line_size();
    KT_ASSERT(d >= 16 && d <= 2048 && (d & (d - 1)) == 0);
    KT_ASSERT(i >= 16 && i <= 2048 && (i & (i - 1)) == 0);
    KT_ASSERT(hal_dcache_line_size() == d); /* stable between calls */
}

KTEST(cache_ops_reject_bad_ranges)
{
    void *top = (void *)(UINTPTR_MAX - 7);
    KT_ASSERT(hal_icache_sync(NULL, 4) == -EINVAL);
    KT_ASSERT(hal_icache_sync(top, 16) == -EINVAL); /* wraps past the top */
    KT_ASSERT(hal_dcache_clean(NULL, 1) == -EINVAL);
    KT_ASSERT(hal_dcache_clean(top, 9) == -EINVAL);
    KT_ASSERT(hal_dcache_inval(NULL, 64) == -EINVAL);
    KT_ASSERT(hal_dcache_inval(top, SIZE_MAX) == -EINVAL);
    KT_ASSERT(hal_dcache_clean_inval(NULL, 64) == -EINVAL);
    KT_ASSERT(hal_dcache_clean_inval(top, 4096) == -EINVAL);
    /* Nothing to do is not an error, even at NULL. */
    KT_ASSERT(hal_icache_sync(NULL, 0) == 0 && hal_dcache_clean(NULL, 0) == 0);
    KT_ASSERT(hal_dcache_inval(NULL, 0) == 0 && hal_dcache_clean_inval(NULL, 0) == 0);
    /* The kernel's own text, synced where it is: valid and harmless. */
    KT_ASSERT(hal_icache_sync((const void *)(uintptr_t)cache_probe_a, 1) == 0);
}
