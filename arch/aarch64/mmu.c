/**
 * @file mmu.c
 * @brief aarch64 MMU: early bring-up into the higher half, the direct map,
 *        device mappings.
 *
 * 4 KiB granule, 48-bit VA. a64_mmu_enable() runs from entry.S with the MMU
 * off, at the physical address QEMU loaded us (the Image may sit at any
 * 2 MiB-aligned address), so it builds every table from PC-relative (that is,
 * physical) addresses and touches no absolute pointer. It maps:
 *
 *   TTBR0  identity of the image's 2 MiB block(s), read-only: only the few
 *          instructions between SCTLR_EL1.M and the branch to the high
 *          address run from it; a64_mmu_drop_identity() turns it off.
 *   TTBR1  L0[0]   -> direct map (memlayout.h); at first only the 4 MiB
 *                     around the DTB, a64_map_ram() adds RAM from the DTB.
 *          L0[511] -> L1[509] MMIO window: 2 MiB Device-nGnRnE blocks, XN;
 *                     slot 0 is the early UART.
 *                  -> L1[510] -> L2[0..1] -> L3: the image in 4 KiB pages at
 *                     0xffffffff80000000: text RX, rodata R+XN, data/bss
 *                     RW+XN, nothing past __kernel_end.
 *
 * Order matters: tables written with data caching off may have stale lines
 * in the caches, so invalidate the image's writable part by VA (= PA) before
 * the cacheable table walker looks; then MAIR, TCR, TTBRs, TLB invalidate,
 * and only then SCTLR_EL1.M|C|I, each step followed by isb.
 */
#include <arch/board.h>
#include <arch/private.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/iowindow.h>
#include <kernel/memmap.h>
#include <kernel/pagetable.h>
#include <stdint.h>

#define PT_VALID (1ULL << 0)
#define PT_TABLE (1ULL << 1)   /* at L0-L2: next-level table; at L3: page */
#define PT_AF (1ULL << 10)
#define PT_SH_INNER (3ULL << 8)
#define PT_AP_RO (1ULL << 7)   /* AP[2]: read-only at EL1 */
#define PT_PXN (1ULL << 53)
#define PT_UXN (1ULL << 54)
#define PT_XN (PT_PXN | PT_UXN)
#define PT_ATTR(i) ((uint64_t)(i) << 2)
#define PT_ADDR_MASK 0x0000fffffffff000ULL
#define MAIR_DEVICE 0           /* attr index 0: Device-nGnRnE (0x00) */
#define MAIR_NORMAL 1           /* attr index 1: Normal, write-back RW-allocate (0xff) */

#define NORMAL (PT_VALID | PT_AF | PT_SH_INNER | PT_ATTR(MAIR_NORMAL))
#define BLOCK_RAM (NORMAL | PT_XN)
#define BLOCK_DEVICE (PT_VALID | PT_AF | PT_ATTR(MAIR_DEVICE) | PT_XN)

#define TCR_EPD0 (1ULL << 7)
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define L0_SHIFT 39
#define L1_SHIFT 30
#define L2_SHIFT 21
#define IDX(va, shift) (((va) >> (shift)) & 511)
#define DMAP_L2_TABLES 8        /* partially covered GiBs of RAM we can map */
#define MMIO_SLOTS 512

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

/* The image may take 4 MiB (linker.ld's ASSERT): a debug build with every
 * test in it outgrew one table's 2 MiB. */
#define KIMG_L3_TABLES 2

static table_t id_l0, id_l1, id_l2;     /* TTBR0: boot identity */
static table_t k_l0, top_l1, mmio_l2, kimg_l2; /* TTBR1 */
static table_t kimg_l3[KIMG_L3_TABLES];        /* the image's pages: 2 MiB a table */
static table_t dmap_l1, dmap_l2[DMAP_L2_TABLES];
static unsigned dmap_l2_used;
static uint64_t mmio_tags[MMIO_SLOTS];  /* see kernel/iowindow.h */

/* Physical address of the image; set before the MMU is on (see a64_mmu_enable). */
static uint64_t kernel_phys;
/* Set once hal_mmu_init() has switched to tables from the page allocator. */
static int kernel_tables;

#include <kernel/sections.h>

/* Invalidate [p, p + len) by VA, stepping by the smallest D-cache line the
 * CPU reports (CTR_EL0.DminLine, log2 of 4-byte words), not a guessed size. */
static void dcache_inval(uint64_t p, uint64_t len)
{
    uint64_t ctr;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    uint64_t line = 4ULL << ((ctr >> 16) & 0xf);
    for (uint64_t a = p & ~(line - 1); a < p + len; a += line)
        __asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
}

/* Table pointer -> physical. Before the MMU is on, (uintptr_t)table already
 * is physical (PC-relative addressing); after, it is a kernel-image VA. */
static uint64_t table_phys(const uint64_t *t, int mmu_on)
{
    uintptr_t a = (uintptr_t)t;
    return mmu_on ? a - KERNEL_VIRT_BASE + kernel_phys : a;
}

static uint64_t table_desc(const uint64_t *t, int mmu_on)
{
    return table_phys(t, mmu_on) | PT_VALID | PT_TABLE;
}

static uint64_t *table_at(uint64_t desc, int mmu_on)
{
    uint64_t pa = desc & PT_ADDR_MASK;
    return (uint64_t *)(uintptr_t)(mmu_on ? pa - kernel_phys + KERNEL_VIRT_BASE : pa);
}

/* Map the 2 MiB chunks of [base, end) into the direct map; 1 GiB blocks
 * where a whole GiB is covered and no L2 table exists for it yet. Returns
 * -ENOSPC when the L2 pool runs out (the rest of that range stays unmapped). */
static int dmap_range(uint64_t base, uint64_t end, int mmu_on)
{
    base = (base + SZ_2M - 1) & ~(SZ_2M - 1);
    end &= ~(SZ_2M - 1);
    if (end > ARCH_DIRECT_MAP_SIZE)
        end = ARCH_DIRECT_MAP_SIZE;
    while (base < end) {
        uint64_t *l1e = &dmap_l1[IDX(base, L1_SHIFT)];
        uint64_t gib_end = (base & ~(SZ_1G - 1)) + SZ_1G;
        if (!(base & (SZ_1G - 1)) && end >= gib_end && !(*l1e & PT_VALID)) {
            *l1e = base | BLOCK_RAM;
            base = gib_end;
            continue;
        }
        if ((*l1e & (PT_VALID | PT_TABLE)) == PT_VALID) { /* already a 1 GiB block */
            base = gib_end;
            continue;
        }
        if (!(*l1e & PT_VALID)) {
            if (dmap_l2_used == DMAP_L2_TABLES)
                return -ENOSPC;
            *l1e = table_desc(dmap_l2[dmap_l2_used++], mmu_on);
        }
        uint64_t *l2 = table_at(*l1e, mmu_on);
        for (; base < end && base < gib_end; base += SZ_2M)
            l2[IDX(base, L2_SHIFT)] = base | BLOCK_RAM;
    }
    return 0;
}

/*
 * @p kbase comes from entry.S (`adr _start`) rather than from
 * (uintptr_t)__kernel_start here: the compiler treats a symbol's address as
 * a link-time constant, and a global only ever assigned that constant may be
 * folded into "set or not" and re-derived later, at the high address.
 */
void a64_mmu_enable(uint64_t dtb, uint64_t kbase)
{
    uint64_t kend = (uintptr_t)__kernel_end; /* physical: the MMU is off */
    kernel_phys = kbase;

    /* TTBR0: identity of the image's 2 MiB block(s), read-only and
     * executable, for the few instructions between SCTLR_EL1.M and the branch
     * high (they only read). Not the whole GiB: that could let the CPU
     * speculate into whatever else lives there, devices included. */
    id_l0[IDX(kbase, L0_SHIFT)] = table_desc(id_l1, 0);
    id_l1[IDX(kbase, L1_SHIFT)] = table_desc(id_l2, 0);
    for (uint64_t a = kbase & ~(SZ_2M - 1); a < kend; a += SZ_2M) {
        if (IDX(a, L1_SHIFT) != IDX(kbase, L1_SHIFT))
            break; /* an image straddling a GiB boundary keeps running from its first GiB */
        id_l2[IDX(a, L2_SHIFT)] = a | NORMAL | PT_AP_RO;
    }

    /* TTBR1 */
    k_l0[0] = table_desc(dmap_l1, 0);
    k_l0[511] = table_desc(top_l1, 0);
    top_l1[IDX(A64_MMIO_BASE, L1_SHIFT)] = table_desc(mmio_l2, 0);
    top_l1[IDX(KERNEL_VIRT_BASE, L1_SHIFT)] = table_desc(kimg_l2, 0);
    for (unsigned i = 0; i < KIMG_L3_TABLES; i++)
        kimg_l2[i] = table_desc(kimg_l3[i], 0);
    for (uint64_t pa = kbase; pa < kend; pa += 4096) {
        uint64_t pte = pa | NORMAL | PT_TABLE | PT_UXN;
        if (pa < (uintptr_t)__rodata_start)
            pte |= PT_AP_RO;              /* text: read + execute */
        else if (pa < (uintptr_t)__data_start)
            pte |= PT_AP_RO | PT_PXN;     /* rodata, symbol table, ktests */
        else
            pte |= PT_PXN;                /* data, bss */
        kimg_l3[(pa - kbase) / SZ_2M][(pa - kbase) / 4096 % 512] = pte;
    }
    /* The earliest console (the one fixed address allowed: docs/porting.md, "Layout"). */
    mmio_l2[0] = (A64_EARLY_UART_PHYS & ~(SZ_2M - 1)) | BLOCK_DEVICE;
    mmio_tags[0] = (A64_EARLY_UART_PHYS & ~(SZ_2M - 1)) + 1;
    /* The DTB (at most 2 MiB, so two chunks cover it wherever it starts). */
    if (dtb)
        dmap_range(dtb & ~(SZ_2M - 1), (dtb & ~(SZ_2M - 1)) + 2 * SZ_2M, 0);

    __asm__ volatile("dsb sy" ::: "memory");
    dcache_inval((uintptr_t)__data_start, kend - (uintptr_t)__data_start);
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
                   | 16ULL << 16    /* T1SZ: 48-bit VA */
                   | 1ULL << 24     /* IRGN1 write-back */
                   | 1ULL << 26     /* ORGN1 write-back */
                   | 3ULL << 28     /* SH1 inner shareable */
                   | 2ULL << 30     /* TG1 4 KiB */
                   | ips << 32;
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; msr ttbr1_el1, %3; isb"
                     : : "r"(mair), "r"(tcr), "r"((uintptr_t)id_l0), "r"((uintptr_t)k_l0)
                     : "memory");
    __asm__ volatile("tlbi vmalle1; dsb nsh; ic iallu; dsb nsh; isb" ::: "memory");
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= 1ULL << 0 | 1ULL << 2 | 1ULL << 12; /* M, C, I */
    __asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr) : "memory");
}

/** Called once running high: stop TTBR0 walks so low addresses all fault. */
void a64_mmu_drop_identity(void)
{
    uint64_t tcr;
    __asm__ volatile("mrs %0, tcr_el1" : "=r"(tcr));
    __asm__ volatile("msr tcr_el1, %0; isb; msr ttbr0_el1, xzr; isb; "
                     "tlbi vmalle1; dsb nsh; isb"
                     : : "r"(tcr | TCR_EPD0) : "memory");
}

/*
 * What a CPU started later needs to switch its MMU on exactly as this one
 * has it (entry.S, a64_secondary_entry): MAIR and TCR as they are (with
 * TTBR0 walks allowed again, for its identity step), the boot identity map
 * of the image (id_l0 is still intact in .bss: dropping it only stopped
 * this CPU's walks) and the current kernel root.
 */
void a64_mmu_secondary_regs(uint64_t regs[4])
{
    uint64_t mair, tcr, ttbr1;
    __asm__ volatile("mrs %0, mair_el1; mrs %1, tcr_el1; mrs %2, ttbr1_el1"
                     : "=r"(mair), "=r"(tcr), "=r"(ttbr1));
    regs[0] = mair;
    regs[1] = tcr & ~TCR_EPD0;
    regs[2] = table_phys(id_l0, 1);
    regs[3] = ttbr1;
}

/** Add the DTB's RAM to the boot direct map (whole 2 MiB blocks inside it). */
int a64_map_boot_range(uint64_t pa, uint64_t len)
{
    if (len == 0 || pa + len < pa || pa + len > ARCH_DIRECT_MAP_SIZE)
        return -EINVAL;
    int err = dmap_range(pa & ~(SZ_2M - 1), (pa + len + SZ_2M - 1) & ~(SZ_2M - 1), 1);
    __asm__ volatile("dsb ishst; isb" ::: "memory"); /* invalid -> valid: no TLBI needed */
    return err;
}

int a64_map_ram(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = memmap_direct_ranges(bi, ARCH_DIRECT_MAP_SIZE, ram, BOOT_MAX_MEM_RANGES);
    int err = n < 0 ? n : 0;
    for (int i = 0; !err && i < n; i++)
        err = dmap_range(ram[i].base, ram[i].base + ram[i].size, 1);
    /* ACPI's tables take a few pages, which the whole blocks above leave
     * out: their blocks are mapped whole, as the DTB's are (RAM comes in
     * 2 MiB multiples on the machines we know). */
    for (unsigned i = 0; !err && i < bi->mem_count; i++)
        if (bi->mem[i].type == MEM_ACPI_RECLAIM || bi->mem[i].type == MEM_ACPI_NVS)
            err = a64_map_boot_range(bi->mem[i].base, bi->mem[i].size);
    if (err == -EINVAL)
        err = 0; /* tables past the direct map stay unread, as acpi_table_at() says */
    __asm__ volatile("dsb ishst; isb" ::: "memory"); /* invalid -> valid: no TLBI needed */
    return err;
}

int hal_direct_mapped(uint64_t pa, uint64_t len)
{
    if (len == 0 || pa + len < pa || pa + len > ARCH_DIRECT_MAP_SIZE)
        return 0;
    if (kernel_tables)
        return pt_direct_mapped(pa, len);
    for (uint64_t a = pa & ~(SZ_2M - 1); a < pa + len; a += SZ_2M) {
        uint64_t l1e = dmap_l1[IDX(a, L1_SHIFT)];
        if (!(l1e & PT_VALID))
            return 0;
        if ((l1e & PT_TABLE) && !(table_at(l1e, 1)[IDX(a, L2_SHIFT)] & PT_VALID))
            return 0;
    }
    return 1;
}

uint64_t hal_virt_to_phys(const void *va)
{
    uintptr_t a = (uintptr_t)va;
    uint64_t pa;
    if (kernel_tables)
        return vm_translate(vm_kernel_aspace(), a, &pa, NULL) ? (uint64_t)-1 : pa;
    if (a >= (uintptr_t)__kernel_start && a < (uintptr_t)__kernel_end)
        return a - KERNEL_VIRT_BASE + kernel_phys;
    if (a >= ARCH_DIRECT_MAP_BASE && a - ARCH_DIRECT_MAP_BASE < ARCH_DIRECT_MAP_SIZE &&
        hal_direct_mapped(a - ARCH_DIRECT_MAP_BASE, 1))
        return a - ARCH_DIRECT_MAP_BASE;
    return (uint64_t)-1;
}

/* Before the kernel tables exist: device blocks straight into the boot
 * tables' MMIO level-2 table. */
static void boot_map_mmio(unsigned slot, uint64_t first, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        mmio_l2[slot + i] = (first + i * SZ_2M) | BLOCK_DEVICE;
    __asm__ volatile("dsb ishst; isb" ::: "memory");
}

void *hal_ioremap(uint64_t pa, size_t size)
{
    return iowindow_map(mmio_tags, MMIO_SLOTS, A64_MMIO_BASE, kernel_tables, boot_map_mmio, pa,
                        size);
}

/*
 * The boot tables above were built before any allocator existed. Now build
 * the kernel's own in pages from the buddy allocator: the image with W^X,
 * every RAM range of the DTB in the direct map, the MMIO window as it is;
 * then point TTBR1 at them.
 *
 * Break-before-make: the new tables map every VA to the same PA with the
 * same attributes. The image and MMIO window also keep their page and block
 * sizes, so the code, stack and UART in use never see two TLB entries of
 * different sizes. The direct map's block sizes may differ (1 GiB blocks at
 * boot, 2 MiB now), which could make a lookup hit two entries (a TLB
 * conflict abort); nothing touches the direct map between the TTBR1 write
 * and the full invalidate, which are back to back below.
 */
int hal_mmu_init(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = memmap_direct_ranges(bi, ARCH_DIRECT_MAP_SIZE, ram, BOOT_MAX_MEM_RANGES);
    int err = pt_build_kernel(ram, n, kernel_phys, mmio_tags, MMIO_SLOTS, A64_MMIO_BASE, SZ_2M);
    if (err)
        return err;
    __asm__ volatile("dsb ishst; msr ttbr1_el1, %0; isb; tlbi vmalle1; dsb nsh; isb"
                     : : "r"(vm_kernel_aspace()->root) : "memory");
    kernel_tables = 1;
    return 0;
}

/** The early console's address while the MMU is on (slot 0 of the window). */
uintptr_t a64_early_uart(void)
{
    return A64_MMIO_BASE + (A64_EARLY_UART_PHYS & (SZ_2M - 1));
}
