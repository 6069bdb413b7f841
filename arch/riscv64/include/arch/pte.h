/**
 * @file arch/pte.h
 * @brief riscv64 definitions of hal/pte.h (include that, not this): Sv48
 *        page-table entries (RISC-V privileged spec, "Sv48").
 *
 * Levels are numbered 0 (the root, 512 GiB per entry) to 3 (4 KiB pages);
 * any level may hold a leaf, which the walker uses at 1 (1 GiB) and 2
 * (2 MiB). An entry is a table pointer when it is valid with R, W and X all
 * clear. The PPN sits at bits 10-53. The physical memory attributes decide
 * what is I/O (no Svpbmt is assumed): MMU_DEVICE is remembered in one of
 * the two bits the spec reserves for software (RSW), so a device leaf reads
 * back as one, and such a leaf is never executable.
 */
#ifndef ARCH_RV64_PTE_H
#define ARCH_RV64_PTE_H

#include <hal/mmu.h>
#include <stdint.h>

#define RV_PTE_V (1ULL << 0)
#define RV_PTE_R (1ULL << 1)
#define RV_PTE_W (1ULL << 2)
#define RV_PTE_X (1ULL << 3)
#define RV_PTE_U (1ULL << 4)
#define RV_PTE_G (1ULL << 5)
#define RV_PTE_A (1ULL << 6)
#define RV_PTE_D (1ULL << 7)
#define RV_PTE_DEVICE (1ULL << 8) /* RSW: software's, set on MMU_DEVICE leaves */
#define RV_PTE_PIN (1ULL << 9)    /* RSW: a kernel table Sv39 user roots copy (mmu.c) */
#define RV_PTE_PPN_SHIFT 10
#define RV_PTE_PPN_MASK (((1ULL << 44) - 1) << RV_PTE_PPN_SHIFT)

static inline uint64_t rv_pte_ppn(uint64_t pa) { return (pa >> 12) << RV_PTE_PPN_SHIFT; }

static inline uint64_t hal_pte_table(uint64_t pa) { return rv_pte_ppn(pa) | RV_PTE_V; }

/* A and D set up front: the spec lets a hart either set them itself or
 * fault, and neither the kernel's mappings nor (so far) user pages need
 * that bookkeeping. Global: the kernel's half is the same in every address
 * space. MMU_USER: the U bit, and not global, since each user space maps
 * those addresses its own way, under an ASID of its own on each hart (or
 * ASID 0 for all where the hart has none, and then hal_uspace_switch()
 * drops the non-global entries every time). S-mode never executes a U page, and
 * reaches one only with sstatus.SUM set (privileged spec, "Memory Privilege
 * in sstatus Register"), which only the copy routines set (uaccess.S). */
static inline uint64_t hal_pte_leaf(uint64_t pa, unsigned prot, int level)
{
    (void)level;
    uint64_t e = rv_pte_ppn(pa) | RV_PTE_V | RV_PTE_R | RV_PTE_A | RV_PTE_D;
    e |= prot & MMU_USER ? RV_PTE_U : prot & MMU_LOCAL ? 0 : RV_PTE_G;
    if (prot & MMU_WRITE)
        e |= RV_PTE_W;
    if (prot & MMU_DEVICE)
        e |= RV_PTE_DEVICE;
    else if (prot & MMU_EXEC)
        e |= RV_PTE_X;
    return e;
}

static inline int hal_pte_valid(uint64_t e) { return (e & RV_PTE_V) != 0; }

/* A table entry the walker must keep even when its table empties: the
 * kernel's level-1 entries, which Sv39 user roots copy (mmu.c,
 * sv39_fix_kernel_l1()). The hardware ignores RSW in every entry
 * (privileged spec, "Addressing and Memory Protection" under Sv32, which
 * Sv39 and Sv48 follow). */
static inline int hal_pte_pinned(uint64_t e) { return (e & RV_PTE_PIN) != 0; }

static inline int hal_pte_is_table(uint64_t e, int level)
{
    return level < 3 && !(e & (RV_PTE_R | RV_PTE_W | RV_PTE_X));
}

static inline uint64_t hal_pte_addr(uint64_t e)
{
    return ((e & RV_PTE_PPN_MASK) >> RV_PTE_PPN_SHIFT) << 12;
}

static inline unsigned hal_pte_prot(uint64_t e)
{
    unsigned prot = 0;
    if (e & RV_PTE_W)
        prot |= MMU_WRITE;
    if (e & RV_PTE_X)
        prot |= MMU_EXEC;
    if (e & RV_PTE_DEVICE)
        prot |= MMU_DEVICE;
    if (e & RV_PTE_U)
        prot |= MMU_USER;
    return prot;
}

/* SFENCE.VMA orders this hart's earlier stores to the tables before its
 * later implicit reads of them (privileged spec, "Supervisor Memory-
 * Management Fence Instruction"); without the Svvptc extension a hart may
 * also have cached the old invalid entry, which the fence drops. Other
 * harts: ARCH_TLB_BROADCAST is 0, so the kernel asks them (IPI). */
static inline void hal_pte_sync(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* rs2 = x0: every address space's entries for va, global or not, so one
 * flush serves kernel and user addresses alike (no ASIDs: all are 0). */
static inline void hal_tlb_flush_page(uintptr_t va)
{
    __asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

/* A leaf may be rewritten in place followed by SFENCE.VMA. */
#define ARCH_NEEDS_BBM 0
/* SFENCE.VMA acts on this hart only. */
#define ARCH_TLB_BROADCAST 0

#endif
