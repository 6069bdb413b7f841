/**
 * @file cache.c
 * @brief x86_64 cache maintenance (hal/cache.h): a serializing instruction
 *        for new code, and nothing but compiler barriers for DMA.
 *
 * x86 keeps its caches coherent in hardware, both ways that matter here:
 *
 *  - Instruction caches snoop stores by physical address, but instructions
 *    already prefetched or decoded are checked against stores by *linear*
 *    address only (SDM vol. 3A, "Self-Modifying Code", 11.6 in the 2009
 *    edition). Generated code is written through one mapping and run
 *    through another, so the SDM's answer for that case applies: execute a
 *    serializing instruction before running it ("Handling Self- and
 *    Cross-Modifying Code", 8.1.3). CPUID is serializing on every x86_64
 *    CPU and needs no feature check (SERIALIZE would be cheaper but is new;
 *    under a hypervisor CPUID exits, which costs microseconds once per
 *    sealed code region, not per call).
 *  - Bus-master DMA (PCI, and every device on a PC) is snooped: a device
 *    reads the CPU's dirty lines and its writes invalidate stale ones. The
 *    dcache operations only have to stop the compiler from moving buffer
 *    accesses across them. CLFLUSH (line size from CPUID) would be the tool
 *    for a non-snooping agent; none exists on the platforms we run on.
 */
#include <arch/cpu.h>
#include <hal/cache.h>
#include <kernel/errno.h>
#include <stdint.h>

static int bad_range(const void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr;
    return len && (!addr || a + (len - 1) < a);
}

/* CPUID.01H:EBX[15:8] is the CLFLUSH line size in 8-byte units; every
 * x86_64 CPU reports it (CLFLUSH came with SSE2, which x86_64 includes). */
size_t hal_dcache_line_size(void)
{
    uint32_t r[4];
    cpuid(1, r);
    return (size_t)((r[1] >> 8) & 0xff) * 8;
}

size_t hal_icache_line_size(void) { return hal_dcache_line_size(); }

int hal_icache_sync(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len) {
        uint32_t r[4];
        cpuid(0, r); /* serializing: discards anything fetched before it */
        __asm__ volatile("" ::: "memory");
    }
    return 0;
}

int hal_dcache_clean(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    __asm__ volatile("" ::: "memory");
    return 0;
}

int hal_dcache_inval(void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    __asm__ volatile("" ::: "memory");
    return 0;
}

int hal_dcache_clean_inval(void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    __asm__ volatile("" ::: "memory");
    return 0;
}
