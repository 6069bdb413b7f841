/**
 * @file mmu.c
 * @brief aarch64 MMU bring-up: identity tables with W^X, then SCTLR_EL1.M.
 *
 * 4 KiB granule, 48-bit VA, TTBR0 only (TTBR1 walks disabled until the
 * higher half arrives). What is mapped:
 *
 *   L0[0] -> L1;  L1[0] -> L2 "low GiB": only the UART's 2 MiB, Device-nGnRnE,
 *                          never executable. Page 0 stays unmapped: NULL faults.
 *                 L1[1] -> L2 "RAM GiB" (0x4000_0000): 2 MiB Normal blocks, XN,
 *                          except the kernel's block -> L3 with 4 KiB pages:
 *                          text RX, rodata R+XN, data/bss/rest RW+XN.
 *
 * Called with the MMU off. The tables are written with data caching off, so
 * stale lines for them could still be in the caches: invalidate them by VA
 * before the (cacheable) table walker looks. Then MAIR, TCR, TTBR0, TLB
 * invalidate, and only then SCTLR_EL1.M|C|I, each step followed by isb.
 */
#include <arch/board.h>
#include <stdint.h>

#define PT_VALID (1ULL << 0)
#define PT_TABLE (1ULL << 1)   /* at L0-L2: next-level table; at L3: page */
#define PT_AF (1ULL << 10)
#define PT_SH_INNER (3ULL << 8)
#define PT_AP_RO (1ULL << 7)   /* AP[2]: read-only at EL1 */
#define PT_PXN (1ULL << 53)
#define PT_UXN (1ULL << 54)
#define PT_ATTR(i) ((uint64_t)(i) << 2)
#define MAIR_DEVICE 0           /* attr index 0: Device-nGnRnE (0x00) */
#define MAIR_NORMAL 1           /* attr index 1: Normal, write-back RW-allocate (0xff) */

#define BLOCK_NORMAL (PT_VALID | PT_AF | PT_SH_INNER | PT_ATTR(MAIR_NORMAL))
#define BLOCK_DEVICE (PT_VALID | PT_AF | PT_ATTR(MAIR_DEVICE) | PT_PXN | PT_UXN)

#define UART_PHYS ((uint64_t)A64_EARLY_UART_PHYS)
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2_low[512] __attribute__((aligned(4096)));
static uint64_t l2_ram[512] __attribute__((aligned(4096)));
static uint64_t l3_kernel[512] __attribute__((aligned(4096)));

extern char __kernel_start[], __rodata_start[], __data_start[];

/* Invalidate [p, p + len) by VA, stepping by the smallest D-cache line the
 * CPU reports (CTR_EL0.DminLine, log2 of 4-byte words), not a guessed size. */
static void dcache_inval(const void *p, uint64_t len)
{
    uint64_t ctr;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    uint64_t line = 4ULL << ((ctr >> 16) & 0xf);
    for (uint64_t a = (uintptr_t)p & ~(line - 1); a < (uintptr_t)p + len; a += line)
        __asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
}

void a64_mmu_enable(void)
{
    uint64_t kbase = (uintptr_t)__kernel_start; /* 2 MiB aligned (Image protocol) */

    l0[0] = (uintptr_t)l1 | PT_VALID | PT_TABLE;
    l1[0] = (uintptr_t)l2_low | PT_VALID | PT_TABLE;
    l1[1] = (uintptr_t)l2_ram | PT_VALID | PT_TABLE;
    l2_low[UART_PHYS / SZ_2M] = (UART_PHYS & ~(SZ_2M - 1)) | BLOCK_DEVICE;
    for (uint64_t i = 0; i < 512; i++)
        l2_ram[i] = (SZ_1G + i * SZ_2M) | BLOCK_NORMAL | PT_PXN | PT_UXN;
    l2_ram[(kbase - SZ_1G) / SZ_2M] = (uintptr_t)l3_kernel | PT_VALID | PT_TABLE;
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pa = kbase + i * 4096;
        uint64_t pte = pa | PT_VALID | PT_TABLE | PT_AF | PT_SH_INNER | PT_ATTR(MAIR_NORMAL) | PT_UXN;
        if (pa < (uintptr_t)__rodata_start)
            pte |= PT_AP_RO;              /* text: read + execute */
        else if (pa < (uintptr_t)__data_start)
            pte |= PT_AP_RO | PT_PXN;     /* rodata */
        else
            pte |= PT_PXN;                /* data, bss, the rest of the block */
        l3_kernel[i] = pte;
    }
    __asm__ volatile("dsb sy" ::: "memory");
    dcache_inval(l0, sizeof l0);
    dcache_inval(l1, sizeof l1);
    dcache_inval(l2_low, sizeof l2_low);
    dcache_inval(l2_ram, sizeof l2_ram);
    dcache_inval(l3_kernel, sizeof l3_kernel);
    __asm__ volatile("dsb sy; isb" ::: "memory");

    uint64_t mmfr0, sctlr;
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    uint64_t ips = mmfr0 & 7; /* PARange -> IPS, same encoding */
    uint64_t mair = 0x00ULL << (8 * MAIR_DEVICE) | 0xffULL << (8 * MAIR_NORMAL);
    uint64_t tcr = 16               /* T0SZ: 48-bit VA */
                   | 1ULL << 8      /* IRGN0 write-back */
                   | 1ULL << 10     /* ORGN0 write-back */
                   | 3ULL << 12     /* SH0 inner shareable */
                   | 0ULL << 14     /* TG0 4 KiB */
                   | 16ULL << 16    /* T1SZ (walks disabled below) */
                   | 1ULL << 23     /* EPD1: no TTBR1 walks yet */
                   | 2ULL << 30     /* TG1 4 KiB */
                   | ips << 32;
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; isb"
                     : : "r"(mair), "r"(tcr), "r"((uintptr_t)l0) : "memory");
    __asm__ volatile("tlbi vmalle1; dsb nsh; ic iallu; dsb nsh; isb" ::: "memory");
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= 1ULL << 0 | 1ULL << 2 | 1ULL << 12; /* M, C, I */
    __asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr) : "memory");
}
