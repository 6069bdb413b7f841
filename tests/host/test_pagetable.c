/**
 * @file test_pagetable.c
 * @brief The portable page-table walker (kernel/mm/pagetable.c) as a Linux
 *        program, under ASan and UBSan, against a model of the mappings and
 *        a model TLB.
 *
 * The host arch's hal/pte.h encoding (arch/host/include/arch/pte.h) asks for
 * break-before-make and sends every flush here, where a small TLB caches
 * the translations (and, like a real MMU's walk cache, the level-3 tables)
 * the test "uses". After every operation each page of the
 * window is looked up twice, through vm_translate() and through the TLB:
 * both must agree with the model, so a missing flush (a stale block after a
 * split, a stale page after unmap or protect) fails the test. Table pages
 * come from a pmm_alloc() stub that can be told to fail, and must all come
 * back: an unmap of everything leaves only the root and the level-1 table.
 */
#include "check.h"
#include <hal/pte.h>
#include <kernel/errno.h>
#include <kernel/pagetable.h>
#include <kernel/pmm.h>
#include <kernel/vm.h>
#include <stdlib.h>

/* pt_map_image() names the image's bounds; this test never calls it.
 * (__data_start is the C library's own in a Linux program.) */
char __kernel_start[1], __rodata_start[1], __kernel_end[1];

#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define BASE (ARCH_VMALLOC_BASE + 4 * SZ_1G) /* 1 GiB-aligned */
#define NPAGES 2048                           /* an 8 MiB window: four 2 MiB spans */

/* ---- page allocator stub ---- */

static long live_pages;   /* table pages handed out and not freed */
static long fail_in = -1; /* allocations that succeed before one fails; -1: never */

uint64_t pmm_alloc(unsigned order)
{
    if (fail_in == 0)
        return 0;
    if (fail_in > 0)
        fail_in--;
    void *p = aligned_alloc(PAGE_SIZE << order, PAGE_SIZE << order);
    if (!p)
        abort();
    live_pages += 1L << order;
    return (uint64_t)(uintptr_t)p;
}

int pmm_free(uint64_t pa, unsigned order)
{
    live_pages -= 1L << order;
    free((void *)(uintptr_t)pa);
    return 0;
}

/* ---- model TLB ---- */

struct tlbe {
    uintptr_t base;
    uint64_t size, pa;
    unsigned prot;
    int valid;
};
static struct tlbe tlb[64];
static unsigned tlb_next;
static uint64_t flushes;

/* A walk cache, as real MMUs have: which level-3 table serves a 2 MiB span.
 * A table freed without a flush stays cached here, and the next walk reads
 * the freed page: ASan reports it. */
struct walke {
    uintptr_t base;
    const uint64_t *table;
    int valid;
};
static struct walke walkc[16];
static unsigned walk_next;

void host_tlb_flush(uintptr_t va)
{
    flushes++;
    for (unsigned i = 0; i < 64; i++)
        if (tlb[i].valid && va - tlb[i].base < tlb[i].size)
            tlb[i].valid = 0;
    for (unsigned i = 0; i < 16; i++)
        if (walkc[i].valid && va - walkc[i].base < SZ_2M)
            walkc[i].valid = 0;
}

/* The leaf the hardware walker would find for @va, read from the tables
 * independently of pagetable.c, through the walk cache. */
static int leaf_of(uintptr_t va, uint64_t *entry, int *level)
{
    for (unsigned i = 0; i < 16; i++) {
        if (walkc[i].valid && va - walkc[i].base < SZ_2M) {
            uint64_t e = walkc[i].table[(va >> 12) & 511];
            if (!hal_pte_valid(e))
                return 0;
            *entry = e;
            *level = 3;
            return 1;
        }
    }
    const uint64_t *t = hal_phys_to_virt(vm_kernel_aspace()->root);
    for (int l = 0; l < 4; l++) {
        uint64_t e = t[(va >> (39 - 9 * l)) & 511];
        if (!hal_pte_valid(e))
            return 0;
        if (!hal_pte_is_table(e, l)) {
            *entry = e;
            *level = l;
            return 1;
        }
        t = hal_phys_to_virt(hal_pte_addr(e));
        if (l == 2)
            walkc[walk_next++ % 16] = (struct walke){va & ~(SZ_2M - 1), t, 1};
    }
    return 0;
}

/* An access as the CPU makes it: a cached translation wins (stale or not);
 * a miss walks and caches the whole leaf (a block caches 2 MiB). Neither
 * arch caches an invalid entry, so neither does the model. */
static int tlb_access(uintptr_t va, uint64_t *pa, unsigned *prot)
{
    for (unsigned i = 0; i < 64; i++) {
        if (tlb[i].valid && va - tlb[i].base < tlb[i].size) {
            *pa = tlb[i].pa + (va - tlb[i].base);
            *prot = tlb[i].prot;
            return 1;
        }
    }
    uint64_t e;
    int l;
    if (!leaf_of(va, &e, &l))
        return 0;
    uint64_t size = 1ULL << (39 - 9 * l);
    tlb[tlb_next++ % 64] = (struct tlbe){va & ~(size - 1), size, hal_pte_addr(e), hal_pte_prot(e), 1};
    *pa = hal_pte_addr(e) + (va & (size - 1));
    *prot = hal_pte_prot(e);
    return 1;
}

/* ---- model of the window ---- */

struct page_model {
    int mapped;
    uint64_t pa;
    unsigned prot;
};
static struct page_model model[NPAGES];

static uintptr_t va_of(unsigned i) { return BASE + (uintptr_t)i * PAGE_SIZE; }

/* Every page through vm_translate() and through the TLB, against the model.
 * Returns the number of disagreeing pages (each reported once). */
static int check_window(const char *when)
{
    int bad = 0;
    for (unsigned i = 0; i < NPAGES; i++) {
        uint64_t pa = 0, tpa = 0;
        unsigned prot = 0, tprot = 0;
        int r = vm_translate(vm_kernel_aspace(), va_of(i) + 0x123, &pa, &prot);
        int hit = tlb_access(va_of(i) + 0x123, &tpa, &tprot);
        int ok = model[i].mapped
                     ? r == 0 && pa == model[i].pa + 0x123 && prot == model[i].prot && hit &&
                           tpa == pa && tprot == prot
                     : r == -ENOENT && !hit;
        if (!ok && bad++ < 3)
            fprintf(stderr, "%s: page %u: model %d %#llx %u, walker %d %#llx %u, tlb %d %#llx %u\n",
                    when, i, model[i].mapped, (unsigned long long)model[i].pa, model[i].prot, r,
                    (unsigned long long)pa, prot, hit, (unsigned long long)tpa, tprot);
    }
    CHECK_EQ_INT(bad, 0);
    return bad;
}

static const unsigned prots[] = {0, MMU_WRITE, MMU_EXEC, MMU_WRITE | MMU_EXEC, MMU_DEVICE,
                                 MMU_DEVICE | MMU_WRITE};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* ---- scenarios ---- */

static void test_errors(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uint64_t pa;
    CHECK_EQ_INT(vm_map(as, BASE + 1, 0x1000, PAGE_SIZE, 0), -EINVAL);
    CHECK_EQ_INT(vm_map(as, BASE, 0x1001, PAGE_SIZE, 0), -EINVAL);
    CHECK_EQ_INT(vm_map(as, BASE, 0x1000, 0, 0), -EINVAL);
    CHECK_EQ_INT(vm_map(as, 0x1000, 0x1000, PAGE_SIZE, 0), -EINVAL); /* below the kernel half */
    CHECK_EQ_INT(vm_map(as, BASE, 0x1000, PAGE_SIZE, MMU_EXEC | MMU_DEVICE), -EINVAL);
    CHECK_EQ_INT(vm_map(as, BASE, 0x1000, PAGE_SIZE, MMU_WRITE), 0);
    CHECK_EQ_INT(vm_map(as, BASE - PAGE_SIZE, 0x5000, 2 * PAGE_SIZE, 0), -EEXIST);
    CHECK_EQ_INT(vm_translate(as, BASE - PAGE_SIZE, &pa, NULL), -ENOENT); /* nothing changed */
    CHECK_EQ_INT(vm_protect(as, BASE, 2 * PAGE_SIZE, 0), -ENOENT);
    CHECK_EQ_INT(vm_unmap(as, BASE + 7, PAGE_SIZE), -EINVAL);
    CHECK_EQ_INT(vm_unmap(as, BASE - SZ_2M, 4 * SZ_2M), 0);
    CHECK_EQ_INT(vm_translate(as, BASE, &pa, NULL), -ENOENT);
}

/* A 2 MiB block, cached whole by the TLB, then split by a one-page unmap
 * and by a one-page protect: no page may still see the block. */
static void test_split_flushes_block(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uint64_t pa = 0x80000000ULL;
    CHECK_EQ_INT(vm_map(as, BASE, pa, SZ_2M, MMU_WRITE | MMU_LARGE), 0);
    uint64_t e;
    int level = -1;
    CHECK(leaf_of(BASE, &e, &level) && level == 2); /* really a block */
    for (unsigned i = 0; i < 512; i++)
        model[i] = (struct page_model){1, pa + i * PAGE_SIZE, MMU_WRITE};
    check_window("block mapped");
    CHECK_EQ_INT(vm_unmap(as, BASE + 0x100000, PAGE_SIZE), 0);
    model[256].mapped = 0;
    check_window("block split by unmap");
    CHECK_EQ_INT(vm_protect(as, BASE + 0x1ff000, PAGE_SIZE, MMU_EXEC), 0);
    model[511].prot = MMU_EXEC;
    check_window("page protected");
    CHECK_EQ_INT(vm_unmap(as, BASE, SZ_2M), 0);
    for (unsigned i = 0; i < 512; i++)
        model[i].mapped = 0;
    check_window("all unmapped");
}

static unsigned shot;
static void count_shootdown(uintptr_t va, uint64_t size)
{
    (void)va, (void)size;
    shot++;
}

/* vm_take(): pages scattered over two 2 MiB spans, taken three at a time.
 * Each comes back once with its frame, the walk goes on where it stopped,
 * every CPU is asked to flush even for a local space, the TLB keeps none
 * of them, and no table is freed until an unmap of the range prunes. */
static void test_take(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    static const unsigned at[] = {1, 2, 3, 200, 511, 512, 700, 1023};
    enum { N = sizeof at / sizeof at[0] };
    for (unsigned i = 0; i < N; i++) {
        CHECK_EQ_INT(vm_map(as, va_of(at[i]), 0x90000000ULL + i * PAGE_SIZE, PAGE_SIZE, MMU_WRITE), 0);
        model[at[i]] = (struct page_model){1, 0x90000000ULL + i * PAGE_SIZE, MMU_WRITE};
    }
    check_window("scattered pages mapped");
    long tables = live_pages;
    vm_set_shootdown(count_shootdown);
    as->local = 1;
    uintptr_t va = va_of(0), end = va_of(1024);
    unsigned got = 0, calls = 0;
    uint64_t pa[3];
    while (va < end) {
        size_t k = vm_take(as, &va, end, pa, 3);
        CHECK(k <= 3 && (k == 3 || va == end));
        for (size_t i = 0; i < k; i++, got++)
            CHECK(got < N && pa[i] == 0x90000000ULL + got * PAGE_SIZE);
        calls++;
    }
    CHECK_EQ_INT(got, N);
    CHECK_EQ_INT(calls, 3);
    CHECK_EQ_INT(shot, 3);
    for (unsigned i = 0; i < N; i++)
        model[at[i]].mapped = 0;
    check_window("every page taken");
    CHECK_EQ_INT(live_pages, tables); /* the tables stay */
    va = va_of(0);
    CHECK_EQ_INT(vm_take(as, &va, end, pa, 3), 0); /* nothing left to take */
    CHECK(va == end);
    as->local = 0;
    vm_set_shootdown(NULL);
    CHECK_EQ_INT(vm_unmap(as, va_of(0), 1024 * PAGE_SIZE), 0); /* an unmap prunes them */
}

/* vm_map_pages() maps the pages given a frame and not mapped yet, in one
 * call, and says which through pa[]; vm_mapped_mask() sees them. */
static void test_map_pages(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    long tables = live_pages;
    CHECK_EQ_INT(vm_map(as, va_of(35), 0x80000000ULL, PAGE_SIZE, 0), 0); /* one there already */
    model[35] = (struct page_model){1, 0x80000000ULL, 0};
    CHECK(vm_mapped_mask(as, va_of(32), 16) == 1u << 3);
    uint64_t pa[16];
    for (unsigned i = 0; i < 16; i++)
        pa[i] = i % 5 == 1 ? 0 : 0x91000000ULL + i * PAGE_SIZE; /* pages 1, 6 and 11 given none */
    CHECK_EQ_INT(vm_map_pages(as, va_of(32), pa, 16, MMU_EXEC), 12);
    uint64_t want = 0;
    for (unsigned i = 0; i < 16; i++) {
        CHECK(pa[i] == (i == 3 ? 0x91000000ULL + 3 * PAGE_SIZE : 0)); /* what is left: not mapped */
        if (i % 5 != 1 && i != 3)
            model[32 + i] = (struct page_model){1, 0x91000000ULL + i * PAGE_SIZE, MMU_EXEC};
        if (model[32 + i].mapped)
            want |= 1ull << i;
    }
    check_window("pages mapped in one call");
    CHECK(vm_mapped_mask(as, va_of(32), 16) == want);
    CHECK(vm_mapped_mask(as, va_of(1024), 64) == 0); /* no table there */
    CHECK_EQ_INT(vm_map_pages(as, va_of(510), pa, 4, 0), -EINVAL); /* across a table */
    CHECK_EQ_INT(vm_unmap(as, va_of(32), 16 * PAGE_SIZE), 0);
    for (unsigned i = 32; i < 48; i++)
        model[i].mapped = 0;
    check_window("and unmapped");
    CHECK_EQ_INT(live_pages, tables);
}

static int any_mapped(unsigned s, unsigned n)
{
    for (unsigned i = s; i < s + n; i++)
        if (model[i].mapped)
            return 1;
    return 0;
}

/* Random map / unmap / protect against the model, the TLB warm throughout. */
static void test_random(unsigned ops)
{
    struct vm_aspace *as = vm_kernel_aspace();
    for (unsigned op = 0; op < ops; op++) {
        unsigned kind = rnd() % 3, s, n;
        unsigned prot = prots[rnd() % 6];
        if (rnd() % 4 == 0) { /* a whole 2 MiB span, where a block fits */
            s = (unsigned)(rnd() % (NPAGES / 512)) * 512;
            n = 512;
        } else {
            s = (unsigned)(rnd() % NPAGES);
            n = 1 + (unsigned)(rnd() % 40);
            if (s + n > NPAGES)
                n = NPAGES - s;
        }
        for (int warm = 0; warm < 16; warm++) {
            uint64_t pa;
            unsigned p;
            tlb_access(va_of((unsigned)(rnd() % NPAGES)), &pa, &p);
        }
        int err;
        if (kind == 0) {
            uint64_t pa = (rnd() % 1024) * SZ_2M + (n == 512 ? 0 : (rnd() % 512) * PAGE_SIZE);
            err = vm_map(as, va_of(s), pa, (uint64_t)n * PAGE_SIZE, prot | MMU_LARGE);
            int want = any_mapped(s, n) ? -EEXIST : 0;
            CHECK_EQ_INT(err, want);
            if (err == 0)
                for (unsigned i = 0; i < n; i++)
                    model[s + i] = (struct page_model){1, pa + i * PAGE_SIZE, prot};
        } else if (kind == 1) {
            err = vm_unmap(as, va_of(s), (uint64_t)n * PAGE_SIZE);
            CHECK_EQ_INT(err, 0);
            for (unsigned i = 0; i < n; i++)
                model[s + i].mapped = 0;
        } else {
            err = vm_protect(as, va_of(s), (uint64_t)n * PAGE_SIZE, prot);
            unsigned i = 0;
            for (; i < n && model[s + i].mapped; i++)
                model[s + i].prot = prot; /* pages before the first hole change */
            CHECK_EQ_INT(err, i == n ? 0 : -ENOENT);
        }
        if (check_window("random op"))
            break;
    }
}

/* Out of table pages at every point of a map that needs three new tables:
 * -ENOMEM, nothing mapped, every table it took given back. */
static void test_out_of_memory(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    uintptr_t va = BASE + 3 * SZ_1G; /* a GiB no table reaches yet */
    long before = live_pages;
    for (long k = 0; k < 3; k++) {
        fail_in = k;
        int err = vm_map(as, va, 0x100000000ULL, 4 * SZ_2M, MMU_WRITE);
        fail_in = -1;
        CHECK_EQ_INT(err, -ENOMEM);
        uint64_t pa;
        CHECK_EQ_INT(vm_translate(as, va, &pa, NULL), -ENOENT);
        CHECK_EQ_INT(vm_translate(as, va + 4 * SZ_2M - PAGE_SIZE, &pa, NULL), -ENOENT);
        CHECK_EQ_INT(live_pages, before);
    }
    fail_in = -1;
    CHECK_EQ_INT(vm_map(as, va, 0x100000000ULL, 4 * SZ_2M, MMU_WRITE), 0);
    CHECK_EQ_INT(vm_unmap(as, va, 4 * SZ_2M), 0);
    CHECK_EQ_INT(live_pages, before);
}

int main(void)
{
    struct vm_aspace *as = vm_kernel_aspace();
    CHECK_EQ_INT(vm_map(as, BASE, 0, PAGE_SIZE, 0), -EINVAL); /* no tables yet */
    as->root = pt_alloc_table();
    CHECK(as->root != 0);
    test_errors();
    /* The root and the level-1 table under BASE stay; everything else
     * an unmap empties must go back. */
    long kept = live_pages;
    CHECK_EQ_INT(kept, 2);
    CHECK_EQ_INT(pt_table_pages(), 2);
    uint64_t f0 = flushes;
    test_split_flushes_block();
    CHECK(flushes > f0);
    CHECK_EQ_INT(live_pages, kept);
    test_take();
    CHECK_EQ_INT(live_pages, kept);
    test_map_pages();
    CHECK_EQ_INT(live_pages, kept);
    test_random(4000);
    CHECK_EQ_INT(vm_unmap(as, BASE, SZ_1G), 0);
    for (unsigned i = 0; i < NPAGES; i++)
        model[i].mapped = 0;
    check_window("after the random run");
    CHECK_EQ_INT(live_pages, kept);
    CHECK_EQ_INT(pt_table_pages(), (uint64_t)kept);
    test_out_of_memory();
    uint64_t *root = hal_phys_to_virt(as->root);
    for (unsigned i = 0; i < 512; i++)
        if (hal_pte_valid(root[i]))
            free(hal_phys_to_virt(hal_pte_addr(root[i]))); /* the level-1 tables, empty */
    free(root);
    return CHECK_DONE("test_pagetable");
}
