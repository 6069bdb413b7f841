/**
 * @file cache_tests.c
 * @brief aarch64-only check that hal/cache.h's line sizes are the CPU's.
 *
 * The portable tests (kernel/test/cache_tests.c) can only ask that a line
 * size be plausible. Here the registers are read directly: CTR_EL0 must
 * give exactly the sizes the maintenance loops step by, and the level 1
 * data cache's own line (CCSIDR_EL1, a second source) can be no smaller
 * than CTR_EL0.DminLine, which is the smallest line of every level.
 */
#include <hal/cache.h>
#include <kernel/ktest.h>
#include <stdint.h>

KTEST(a64_cache_line_sizes_match_ctr_el0)
{
    uint64_t ctr, ccsidr, flags;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    KT_ASSERT(hal_dcache_line_size() == (size_t)4 << ((ctr >> 16) & 0xf));
    KT_ASSERT(hal_icache_line_size() == (size_t)4 << (ctr & 0xf));
    /* CSSELR_EL1 = 0 selects the level 1 data (or unified) cache; the isb
     * makes CCSIDR_EL1 reflect it. Interrupts are masked so nothing else
     * selects another cache in between. */
    __asm__ volatile("mrs %0, daif\n msr daifset, #2\n msr csselr_el1, xzr\n isb\n"
                     "mrs %1, ccsidr_el1\n msr daif, %0"
                     : "=&r"(flags), "=r"(ccsidr) : : "memory");
    size_t l1_line = (size_t)16 << (ccsidr & 7); /* LineSize: log2(bytes) - 4 */
    KT_ASSERT(hal_dcache_line_size() <= l1_line);
}
