/**
 * @file cache.c
 * @brief aarch64 cache maintenance by virtual address (hal/cache.h).
 *
 * Arm caches are not coherent with instruction fetch, and a device without
 * `dma-coherent` does not snoop them, so software moves data between the
 * levels: to the point of unification (PoU, where the instruction and data
 * sides meet) for generated code, to the point of coherency (PoC, what
 * every observer, devices included, sees) for DMA. The line sizes come from
 * CTR_EL0 on every call (Arm ARM DDI 0487, CTR_EL0: IminLine [3:0] and
 * DminLine [19:16] are log2 of the line in 4-byte words; IDC [28], DIC [29]),
 * so a CPU with 32- or 128-byte lines is handled the same as QEMU's 64. The
 * register is read each time rather than cached: it is one `mrs`, and on a
 * system of mixed cores it is the value of the core we run on (a hypervisor
 * or firmware makes it the safe minimum, as Linux expects).
 *
 * By-VA maintenance to PoU/PoC is broadcast to the inner-shareable domain,
 * so these reach other CPUs' caches without an IPI.
 */
#include <hal/cache.h>
#include <kernel/errno.h>
#include <stdint.h>

#define CTR_IDC (1ULL << 28) /* no D-cache clean to PoU needed for I/D coherence */
#define CTR_DIC (1ULL << 29) /* no I-cache invalidate to PoU needed */

static inline uint64_t read_ctr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(v));
    return v;
}

size_t hal_dcache_line_size(void) { return (size_t)4 << ((read_ctr() >> 16) & 0xf); }

size_t hal_icache_line_size(void) { return (size_t)4 << (read_ctr() & 0xf); }

/* NULL with a length, or a range past the top of the address space. The
 * last byte is addr + len - 1, so a range ending exactly at 2^64 is fine. */
static int bad_range(const void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr;
    return len && (!addr || a + (len - 1) < a);
}

/* Apply one by-VA operation to every line of @p line bytes that overlaps
 * [a, a + len). Counting lines rather than comparing with an end address
 * keeps a range that ends at the top of the address space correct. */
#define FOR_EACH_LINE(insn, a, len, line)                                                  \
    do {                                                                                   \
        uintptr_t p_ = (a) & ~((uintptr_t)(line) - 1);                                     \
        size_t n_ = (((a) + ((len) - 1)) - p_) / (line) + 1;                               \
        for (; n_; n_--, p_ += (line))                                                     \
            __asm__ volatile(insn " %0" : : "r"(p_) : "memory");                           \
    } while (0)

int hal_icache_sync(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len == 0)
        return 0;
    uint64_t ctr = read_ctr();
    uintptr_t a = (uintptr_t)addr;
    /* 1. The new instructions, still in the D-cache, go to the PoU where
     *    instruction fetch can see them. With IDC the hardware does it, but
     *    the stores must still complete before the invalidate: the dsb. */
    if (!(ctr & CTR_IDC))
        FOR_EACH_LINE("dc cvau,", a, len, (size_t)4 << ((ctr >> 16) & 0xf));
    __asm__ volatile("dsb ish" ::: "memory");
    /* 2. Stale copies in the I-cache are dropped (by the address the code
     *    runs at: for a VIPT I-cache an invalidate through another alias
     *    could miss), and the dsb waits for that to finish everywhere. */
    if (!(ctr & CTR_DIC)) {
        FOR_EACH_LINE("ic ivau,", a, len, (size_t)4 << (ctr & 0xf));
        __asm__ volatile("dsb ish" ::: "memory");
    }
    /* 3. This CPU's pipeline may hold instructions fetched before: refetch. */
    __asm__ volatile("isb" ::: "memory");
    return 0;
}

/* After maintenance to the PoC, `dsb sy`: the operations must be complete
 * for observers outside the inner-shareable domain (the device) before the
 * doorbell write or the CPU's next read of the buffer. */
int hal_dcache_clean(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len)
        FOR_EACH_LINE("dc cvac,", (uintptr_t)addr, len, hal_dcache_line_size());
    __asm__ volatile("dsb sy" ::: "memory");
    return 0;
}

int hal_dcache_clean_inval(void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len)
        FOR_EACH_LINE("dc civac,", (uintptr_t)addr, len, hal_dcache_line_size());
    __asm__ volatile("dsb sy" ::: "memory");
    return 0;
}

int hal_dcache_inval(void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len == 0)
        return 0;
    size_t line = hal_dcache_line_size();
    uintptr_t a = (uintptr_t)addr, last = a + (len - 1), p = a & ~(line - 1);
    size_t n = (last - p) / line + 1;
    for (; n; n--, p += line) {
        /* A line only partly ours may hold someone else's dirty bytes: a
         * plain invalidate would throw them away, so write it back too. */
        if (p < a || p + (line - 1) > last)
            __asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
        else
            __asm__ volatile("dc ivac, %0" : : "r"(p) : "memory");
    }
    __asm__ volatile("dsb sy" ::: "memory");
    return 0;
}
