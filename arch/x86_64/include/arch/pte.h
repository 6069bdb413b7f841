/**
 * @file arch/pte.h
 * @brief x86_64 definitions of hal/pte.h (include that, not this): 4-level
 *        paging entries.
 *
 * Levels are numbered 0 (PML4) to 3 (page table); large pages exist at
 * level 1 (1 GiB) and 2 (2 MiB). Device memory is PCD|PWT, which selects
 * PAT entry 3 (UC) with the power-on PAT.
 *
 * MMU_USER is the U/S bit. Ring 3 reaches a page only if U is set at every
 * level of its walk (SDM vol. 3A, 4.6.1), so table entries always carry U
 * (one encoding for the kernel's tables and a process's) and the leaf
 * decides: the kernel's leaves never have it. No entry is global (G): the
 * kernel's translations go with every CR3 load too (see hal_uspace_switch()).
 */
#ifndef ARCH_X64_PTE_H
#define ARCH_X64_PTE_H

#include <hal/mmu.h>
#include <stdint.h>

#define X64_PTE_P (1ULL << 0)
#define X64_PTE_W (1ULL << 1)
#define X64_PTE_U (1ULL << 2)
#define X64_PTE_PWT (1ULL << 3)
#define X64_PTE_PCD (1ULL << 4)
#define X64_PTE_PS (1ULL << 7)
#define X64_PTE_NX (1ULL << 63)
#define X64_PTE_ADDR 0x000ffffffffff000ULL

static inline uint64_t hal_pte_table(uint64_t pa)
{
    return pa | X64_PTE_P | X64_PTE_W | X64_PTE_U; /* permissions are decided at the leaf */
}

static inline uint64_t hal_pte_leaf(uint64_t pa, unsigned prot, int level)
{
    uint64_t e = pa | X64_PTE_P | (level < 3 ? X64_PTE_PS : 0);
    if (prot & MMU_WRITE)
        e |= X64_PTE_W;
    if (!(prot & MMU_EXEC) || (prot & MMU_DEVICE))
        e |= X64_PTE_NX;
    if (prot & MMU_DEVICE)
        e |= X64_PTE_PCD | X64_PTE_PWT;
    if (prot & MMU_USER)
        e |= X64_PTE_U;
    return e; /* never global (no CR4.PGE): MMU_LOCAL needs nothing */
}

static inline int hal_pte_valid(uint64_t e) { return (e & X64_PTE_P) != 0; }

/* hal/pte.h: nothing is shared below the root. */
static inline int hal_pte_pinned(uint64_t e) { (void)e; return 0; }

static inline int hal_pte_is_table(uint64_t e, int level)
{
    return level < 3 && !(e & X64_PTE_PS);
}

static inline uint64_t hal_pte_addr(uint64_t e) { return e & X64_PTE_ADDR; }

static inline unsigned hal_pte_prot(uint64_t e)
{
    unsigned prot = 0;
    if (e & X64_PTE_W)
        prot |= MMU_WRITE;
    if (!(e & X64_PTE_NX))
        prot |= MMU_EXEC;
    if (e & X64_PTE_PCD)
        prot |= MMU_DEVICE;
    if (e & X64_PTE_U)
        prot |= MMU_USER;
    return prot;
}

static inline void hal_pte_sync(void) { __asm__ volatile("" ::: "memory"); }

static inline void hal_tlb_flush_page(uintptr_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* A valid entry may be rewritten in place; the old translation is then
 * flushed (SDM vol. 3A, 4.10.4). */
#define ARCH_NEEDS_BBM 0
/* INVLPG acts on the executing CPU only. */
#define ARCH_TLB_BROADCAST 0

#endif
