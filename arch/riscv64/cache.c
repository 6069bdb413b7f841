/**
 * @file cache.c
 * @brief riscv64 cache maintenance (hal/cache.h).
 *
 * Instruction fetch: RISC-V guarantees nothing between stores and fetches
 * until a FENCE.I (Zifencei), and that only on the hart that executes it;
 * the others are reached through the SBI's remote FENCE.I.
 *
 * Data: the base ISA has no cache maintenance instructions (they come with
 * Zicbom, which QEMU virt's default CPU lacks), and the platform's DMA is
 * coherent: QEMU's devices and the DT's `dma-coherent` PCI host. So the
 * clean and invalidate operations only order memory (`fence rw, rw`) and
 * check their arguments; a platform with non-coherent DMA would need Zicbom's
 * cbo.clean / cbo.inval here, by the line size the DT's
 * riscv,cbom-block-size gives.
 */
#include <arch/private.h>
#include <hal/cache.h>
#include <kernel/errno.h>
#include <stdint.h>

static int bad_range(const void *addr, size_t len)
{
    return (addr == NULL && len > 0) || (uintptr_t)addr + len < (uintptr_t)addr;
}

/* No cache-block instructions here (see above), so no line size to read:
 * 64 bytes, the size the RVA profiles name (Za64rs), for callers that
 * align buffers by it. */
size_t hal_dcache_line_size(void) { return 64; }
size_t hal_icache_line_size(void) { return 64; }

int hal_icache_sync(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    if (len == 0)
        return 0;
    __asm__ volatile("fence.i" ::: "memory");
    sbi_remote_fence_i(); /* without RFENCE, other harts see the code at their next fence.i */
    return 0;
}

static int order(const void *addr, size_t len)
{
    if (bad_range(addr, len))
        return -EINVAL;
    __asm__ volatile("fence rw, rw" ::: "memory");
    return 0;
}

int hal_dcache_clean(const void *addr, size_t len) { return order(addr, len); }
int hal_dcache_clean_inval(void *addr, size_t len) { return order(addr, len); }
int hal_dcache_inval(void *addr, size_t len) { return order(addr, len); }
