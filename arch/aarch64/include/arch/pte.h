/**
 * @file arch/pte.h
 * @brief aarch64 definitions of hal/pte.h (include that, not this):
 *        translation table descriptors, 4 KiB granule, VMSAv8-64.
 *
 * Levels are numbered 0 (top, 512 GiB per entry) to 3 (4 KiB pages); blocks
 * exist at level 1 (1 GiB) and 2 (2 MiB). MAIR index 0 is Device-nGnRnE,
 * index 1 Normal write-back (set up by mmu.c).
 */
#ifndef ARCH_A64_PTE_H
#define ARCH_A64_PTE_H

#include <hal/mmu.h>
#include <stdint.h>

#define A64_PT_VALID (1ULL << 0)
#define A64_PT_TABLE (1ULL << 1)   /* levels 0-2: table; level 3: page */
#define A64_PT_ATTR(i) ((uint64_t)(i) << 2)
#define A64_PT_AP_EL0 (1ULL << 6)  /* AP[1]: EL0 may access (with AP[2]'s read-only) */
#define A64_PT_AP_RO (1ULL << 7)   /* AP[2]: read-only, at EL1 and EL0 */
#define A64_PT_SH_INNER (3ULL << 8)
#define A64_PT_AF (1ULL << 10)
#define A64_PT_NG (1ULL << 11)     /* not global: tagged with the ASID of TTBR0 */
#define A64_PT_PXN (1ULL << 53)
#define A64_PT_UXN (1ULL << 54)
#define A64_PT_ADDR 0x0000fffffffff000ULL
#define A64_MAIR_DEVICE 0
#define A64_MAIR_NORMAL 1

/** Descriptor of a next-level table at @p pa. */
static inline uint64_t hal_pte_table(uint64_t pa)
{
    return pa | A64_PT_VALID | A64_PT_TABLE;
}

/*
 * Leaf (page at level 3, block at 1-2) mapping @p pa with MMU_* @p prot.
 *
 * Execute rights are two bits (Arm ARM D8.4, "Memory access control"):
 * PXN for EL1, UXN for EL0. A kernel leaf is never executable at EL0 (UXN
 * always) and executable at EL1 only with MMU_EXEC. An MMU_USER leaf has
 * AP[1] (EL0 may read it; AP[2] still makes it read-only for both ELs), is
 * never executable at EL1 (PXN always: the kernel runs no user code even
 * without PAN), executable at EL0 only with MMU_EXEC, and not global (nG):
 * each user space maps those addresses its own way, under an ASID of its
 * own on each CPU (hal_uspace_switch()). With PAN on (user.c), EL1's own
 * loads and stores fault on it too; only LDTR/STTR (uaccess.S) reach it.
 */
static inline uint64_t hal_pte_leaf(uint64_t pa, unsigned prot, int level)
{
    uint64_t e = pa | A64_PT_VALID | A64_PT_AF | (level == 3 ? A64_PT_TABLE : 0);
    if (prot & MMU_DEVICE)
        e |= A64_PT_ATTR(A64_MAIR_DEVICE);
    else
        e |= A64_PT_ATTR(A64_MAIR_NORMAL) | A64_PT_SH_INNER;
    if (!(prot & MMU_WRITE))
        e |= A64_PT_AP_RO;
    int exec = (prot & MMU_EXEC) && !(prot & MMU_DEVICE);
    if (prot & MMU_USER)
        e |= A64_PT_AP_EL0 | A64_PT_NG | A64_PT_PXN | (exec ? 0 : A64_PT_UXN);
    else
        e |= A64_PT_UXN | (exec ? 0 : A64_PT_PXN) | (prot & MMU_LOCAL ? A64_PT_NG : 0);
    return e;
}

static inline int hal_pte_valid(uint64_t e) { return (e & A64_PT_VALID) != 0; }

/* hal/pte.h: nothing is shared below the root. */
static inline int hal_pte_pinned(uint64_t e) { (void)e; return 0; }

/** Whether a valid entry at @p level points to a table (not a block or page). */
static inline int hal_pte_is_table(uint64_t e, int level)
{
    return level < 3 && (e & A64_PT_TABLE);
}

static inline uint64_t hal_pte_addr(uint64_t e) { return e & A64_PT_ADDR; }

/** The MMU_* bits a leaf grants (the inverse of hal_pte_leaf()). */
static inline unsigned hal_pte_prot(uint64_t e)
{
    unsigned prot = 0;
    if (!(e & A64_PT_AP_RO))
        prot |= MMU_WRITE;
    if (e & A64_PT_AP_EL0) {
        prot |= MMU_USER;
        if (!(e & A64_PT_UXN))
            prot |= MMU_EXEC;
    } else if (!(e & A64_PT_PXN)) {
        prot |= MMU_EXEC;
    }
    if (((e >> 2) & 7) == A64_MAIR_DEVICE)
        prot |= MMU_DEVICE;
    return prot;
}

/** Make table writes visible to the walker before a mapping is used. */
static inline void hal_pte_sync(void)
{
    __asm__ volatile("dsb ishst; isb" ::: "memory");
}

/** Drop any TLB entry for the page at @p va (all ASIDs, inner shareable). */
static inline void hal_tlb_flush_page(uintptr_t va)
{
    __asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb" : : "r"((va >> 12) & ((1ULL << 44) - 1))
                     : "memory");
}

/* Changing a valid entry's output address or block size needs
 * break-before-make (Arm ARM D8.16). */
#define ARCH_NEEDS_BBM 1
/* TLBI ...IS reaches every CPU in the inner shareable domain. */
#define ARCH_TLB_BROADCAST 1

#endif
