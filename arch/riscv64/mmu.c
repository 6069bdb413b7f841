/**
 * @file mmu.c
 * @brief riscv64 MMU: the boot tables that take the kernel into the higher
 *        half, the direct map, device mappings, the switch to the kernel's
 *        own tables.
 *
 * Sv48 (arch/memlayout.h). rv_mmu_build() runs from entry.S with the MMU
 * off, at the physical address the image was loaded at, so it reaches every
 * table PC-relatively (-mcmodel=medany: a global's address is `auipc`-based,
 * that is, physical here) and dereferences no stored pointer. One root table
 * maps:
 *
 *   root[256] -> direct map (1 GiB leaves where a whole GiB is RAM, else an
 *                L2 table of 2 MiB leaves); at first only the 4 MiB around
 *                the DTB, rv_map_ram() adds RAM from the DTB;
 *   root[511] -> L1[509]: the MMIO window, 2 MiB device leaves; slot 0 is
 *                the early UART;
 *             -> L1[510] -> L2[0] -> L3: the image in 4 KiB pages at
 *                0xffffffff80000000: text RX, rodata R, data/bss RW, nothing
 *                past __kernel_end.
 *
 * No identity map: entry.S turns the MMU on with stvec at the next
 * instruction's high address (see there). Nothing maps low addresses, so
 * page 0 and all of the lower half fault from the first instruction on.
 */
#include <arch/board.h>
#include <arch/private.h>
#include <hal/pte.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/iowindow.h>
#include <kernel/memmap.h>
#include <kernel/pagetable.h>
#include <kernel/sections.h>
#include <kernel/vm.h>
#include <stdint.h>

#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define L0_SHIFT 39
#define L1_SHIFT 30
#define L2_SHIFT 21
#define IDX(va, shift) (((va) >> (shift)) & 511)
#define DMAP_L2_TABLES 8 /* partially covered GiBs of RAM we can map */
#define MMIO_SLOTS 512
#define SATP_SV48 (9ULL << 60)

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

static table_t root, top_l1, mmio_l2, kimg_l2, kimg_l3;
static table_t dmap_l1, dmap_l2[DMAP_L2_TABLES];
static unsigned dmap_l2_used;
static uint64_t mmio_tags[MMIO_SLOTS]; /* see kernel/iowindow.h */

/* Physical address of the image; set before the MMU is on. */
static uint64_t kernel_phys;
/* Set once hal_mmu_init() has switched to tables from the page allocator. */
static int kernel_tables;

#define RAM_LEAF (RV_PTE_V | RV_PTE_R | RV_PTE_W | RV_PTE_A | RV_PTE_D | RV_PTE_G)
#define DEVICE_LEAF (RAM_LEAF | RV_PTE_DEVICE)

/* Table pointer -> physical. Before the MMU is on, (uintptr_t)table already
 * is physical (PC-relative addressing); after, it is a kernel-image VA. */
static uint64_t table_phys(const uint64_t *t, int mmu_on)
{
    uintptr_t a = (uintptr_t)t;
    return mmu_on ? a - KERNEL_VIRT_BASE + kernel_phys : a;
}

static uint64_t *table_at(uint64_t e, int mmu_on)
{
    uint64_t pa = hal_pte_addr(e);
    return (uint64_t *)(uintptr_t)(mmu_on ? pa - kernel_phys + KERNEL_VIRT_BASE : pa);
}

/* Map the 2 MiB chunks of [base, end) into the direct map; 1 GiB leaves
 * where a whole GiB is covered and no L2 table exists for it yet. -ENOSPC
 * when the L2 pool runs out (the rest of that range stays unmapped). */
static int dmap_range(uint64_t base, uint64_t end, int mmu_on)
{
    base = (base + SZ_2M - 1) & ~(SZ_2M - 1);
    end &= ~(SZ_2M - 1);
    if (end > ARCH_DIRECT_MAP_SIZE)
        end = ARCH_DIRECT_MAP_SIZE;
    while (base < end) {
        uint64_t *l1e = &dmap_l1[IDX(base, L1_SHIFT)];
        uint64_t gib_end = (base & ~(SZ_1G - 1)) + SZ_1G;
        if (!(base & (SZ_1G - 1)) && end >= gib_end && !hal_pte_valid(*l1e)) {
            *l1e = rv_pte_ppn(base) | RAM_LEAF;
            base = gib_end;
            continue;
        }
        if (hal_pte_valid(*l1e) && !hal_pte_is_table(*l1e, 1)) { /* already a 1 GiB leaf */
            base = gib_end;
            continue;
        }
        if (!hal_pte_valid(*l1e)) {
            if (dmap_l2_used == DMAP_L2_TABLES)
                return -ENOSPC;
            *l1e = hal_pte_table(table_phys(dmap_l2[dmap_l2_used++], mmu_on));
        }
        uint64_t *l2 = table_at(*l1e, mmu_on);
        for (; base < end && base < gib_end; base += SZ_2M)
            l2[IDX(base, L2_SHIFT)] = rv_pte_ppn(base) | RAM_LEAF;
    }
    return 0;
}

uint64_t rv_mmu_build(uint64_t dtb, uint64_t kbase)
{
    uint64_t kend = (uintptr_t)__kernel_end; /* physical: the MMU is off */
    kernel_phys = kbase;

    root[IDX(ARCH_DIRECT_MAP_BASE, L0_SHIFT)] = hal_pte_table(table_phys(dmap_l1, 0));
    root[511] = hal_pte_table(table_phys(top_l1, 0));
    top_l1[IDX(RV64_MMIO_BASE, L1_SHIFT)] = hal_pte_table(table_phys(mmio_l2, 0));
    top_l1[IDX(KERNEL_VIRT_BASE, L1_SHIFT)] = hal_pte_table(table_phys(kimg_l2, 0));
    kimg_l2[0] = hal_pte_table(table_phys(kimg_l3, 0));
    for (uint64_t pa = kbase; pa < kend; pa += 4096) {
        unsigned prot;
        if (pa < (uintptr_t)__rodata_start)
            prot = MMU_EXEC;  /* text: read + execute */
        else if (pa < (uintptr_t)__data_start)
            prot = 0;         /* rodata, symbol table, ktests */
        else
            prot = MMU_WRITE; /* data, bss */
        kimg_l3[(pa - kbase) / 4096] = hal_pte_leaf(pa, prot, 3);
    }
    /* The earliest console (the one fixed address allowed: docs/porting.md, "Layout"). */
    mmio_l2[0] = rv_pte_ppn(RV64_EARLY_UART_PHYS & ~(SZ_2M - 1)) | DEVICE_LEAF;
    mmio_tags[0] = (RV64_EARLY_UART_PHYS & ~(SZ_2M - 1)) + 1;
    /* The DTB (at most 2 MiB, so two chunks cover it wherever it starts). */
    if (dtb)
        dmap_range(dtb & ~(SZ_2M - 1), (dtb & ~(SZ_2M - 1)) + 2 * SZ_2M, 0);
    return SATP_SV48 | (table_phys(root, 0) >> 12);
}

/*
 * From entry.S, MMU still off, when the hart refused Sv48. Nothing is
 * mapped, so no console driver: the SBI's legacy console_putchar (SBI v0.1
 * extension 0x01, which OpenSBI keeps) says why, and SRST powers off.
 */
__attribute__((noreturn)) void rv_no_sv48(void)
{
    static const char msg[] = "riscv64: this hart has no Sv48 paging (satp refused mode 9); "
                              "the kernel needs it (a Sv39-only hart is not supported). Halting.\r\n";
    for (const char *p = msg; *p; p++) {
        register uint64_t a0 __asm__("a0") = (uint8_t)*p;
        register uint64_t a7 __asm__("a7") = 0x01;
        __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "a1", "memory");
    }
    register uint64_t a0 __asm__("a0") = 0, a1 __asm__("a1") = 0;
    register uint64_t a6 __asm__("a6") = 0, a7 __asm__("a7") = SBI_EXT_SRST;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

uint64_t rv_mmu_satp(void)
{
    uint64_t satp;
    __asm__ volatile("csrr %0, satp" : "=r"(satp));
    return satp;
}

/* The RAM the direct map covers: /memory minus "no-map" reservations (the
 * SBI's own memory among them) and minus anything beyond its reach. */
static int ram_ranges(const struct boot_info *bi, struct mem_range *out, unsigned max)
{
    struct mem_range excl[BOOT_MAX_MEM_RANGES + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < bi->reserved_count; i++)
        if (bi->reserved[i].type == MEM_NOMAP)
            excl[n++] = bi->reserved[i];
    excl[n++] = (struct mem_range){ARCH_DIRECT_MAP_SIZE, ~0ULL - ARCH_DIRECT_MAP_SIZE, MEM_RESERVED};
    return memmap_free_ranges(bi->mem, bi->mem_count, excl, n, out, max);
}

int rv_map_ram(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = ram_ranges(bi, ram, BOOT_MAX_MEM_RANGES), err = n < 0 ? n : 0;
    for (int i = 0; !err && i < n; i++)
        err = dmap_range(ram[i].base, ram[i].base + ram[i].size, 1);
    hal_pte_sync();
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
        if (!hal_pte_valid(l1e))
            return 0;
        if (hal_pte_is_table(l1e, 1) && !hal_pte_valid(table_at(l1e, 1)[IDX(a, L2_SHIFT)]))
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

/* Before the kernel tables exist: device leaves straight into the boot
 * tables' MMIO level-2 table. */
static void boot_map_mmio(unsigned slot, uint64_t first, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        mmio_l2[slot + i] = rv_pte_ppn(first + i * SZ_2M) | DEVICE_LEAF;
    hal_pte_sync();
}

void *hal_ioremap(uint64_t pa, size_t size)
{
    return iowindow_map(mmio_tags, MMIO_SLOTS, RV64_MMIO_BASE, kernel_tables, boot_map_mmio, pa,
                        size);
}

/*
 * The boot tables were built before any allocator existed. Now build the
 * kernel's own in pages from the buddy allocator: the image with W^X, every
 * RAM range of the DTB in the direct map, the MMIO window as it is; then
 * point satp at them. Every VA keeps its PA and attributes, so the switch
 * needs no break-before-make; the full SFENCE.VMA after it drops the boot
 * tables' entries.
 */
int hal_mmu_init(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = ram_ranges(bi, ram, BOOT_MAX_MEM_RANGES);
    int err = pt_build_kernel(ram, n, kernel_phys, mmio_tags, MMIO_SLOTS, RV64_MMIO_BASE, SZ_2M);
    if (err)
        return err;
    uint64_t satp = SATP_SV48 | (vm_kernel_aspace()->root >> 12);
    __asm__ volatile("sfence.vma\n\tcsrw satp, %0\n\tsfence.vma" : : "r"(satp) : "memory");
    kernel_tables = 1;
    return 0;
}

/** The early console's address while the MMU is on (slot 0 of the window). */
uintptr_t rv_early_uart(void)
{
    return RV64_MMIO_BASE + (RV64_EARLY_UART_PHYS & (SZ_2M - 1));
}

/* Above this many pages one SFENCE.VMA of everything is cheaper than one
 * per page (each is a TLB lookup and flush under QEMU, a pipeline drain on
 * hardware); the kernel's entries come back from the tables on demand. */
#define FLUSH_ALL_PAGES 64

void hal_tlb_flush_range(uintptr_t va, uint64_t size)
{
    if (size / 4096 > FLUSH_ALL_PAGES) {
        __asm__ volatile("sfence.vma" ::: "memory");
        return;
    }
    for (uint64_t off = 0; off < size; off += 4096)
        hal_tlb_flush_page(va + off);
}
