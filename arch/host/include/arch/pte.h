/**
 * @file arch/pte.h
 * @brief Host unit tests: definitions of hal/pte.h (include that, not this)
 *        with an encoding of our own, and a TLB the test models.
 *
 * The bits are Arm-like (a table bit that means "page" at level 3, break-
 * before-make required) so the walker's strictest paths run; TLB flushes go
 * to host_tlb_flush(), which the test defines: it keeps a model TLB and
 * checks that nothing stale survives a map, unmap, protect or split.
 */
#ifndef ARCH_HOST_PTE_H
#define ARCH_HOST_PTE_H

#include <hal/mmu.h>
#include <stdint.h>

#define HOST_PT_VALID (1ULL << 0)
#define HOST_PT_TABLE (1ULL << 1) /* levels 0-2: table; level 3: page */
#define HOST_PT_WRITE (1ULL << 2)
#define HOST_PT_NX (1ULL << 3)
#define HOST_PT_DEVICE (1ULL << 4)
#define HOST_PT_ADDR 0x000ffffffffff000ULL

/** @brief The test's model TLB: drop what translates @p va. */
void host_tlb_flush(uintptr_t va);

static inline uint64_t hal_pte_table(uint64_t pa) { return pa | HOST_PT_VALID | HOST_PT_TABLE; }

static inline uint64_t hal_pte_leaf(uint64_t pa, unsigned prot, int level)
{
    uint64_t e = pa | HOST_PT_VALID | (level == 3 ? HOST_PT_TABLE : 0);
    if (prot & MMU_WRITE)
        e |= HOST_PT_WRITE;
    if (!(prot & MMU_EXEC) || (prot & MMU_DEVICE))
        e |= HOST_PT_NX;
    if (prot & MMU_DEVICE)
        e |= HOST_PT_DEVICE;
    return e;
}

static inline int hal_pte_valid(uint64_t e) { return (e & HOST_PT_VALID) != 0; }

/* hal/pte.h: nothing is shared below the root. */
static inline int hal_pte_pinned(uint64_t e) { (void)e; return 0; }

static inline int hal_pte_is_table(uint64_t e, int level)
{
    return level < 3 && (e & HOST_PT_TABLE);
}

static inline uint64_t hal_pte_addr(uint64_t e) { return e & HOST_PT_ADDR; }

static inline unsigned hal_pte_prot(uint64_t e)
{
    return ((e & HOST_PT_WRITE) ? MMU_WRITE : 0) | ((e & HOST_PT_NX) ? 0 : MMU_EXEC) |
           ((e & HOST_PT_DEVICE) ? MMU_DEVICE : 0);
}

static inline void hal_pte_sync(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

static inline void hal_tlb_flush_page(uintptr_t va) { host_tlb_flush(va); }

#define ARCH_NEEDS_BBM 1
#define ARCH_TLB_BROADCAST 0

#endif
