/**
 * @file mmu.c
 * @brief x86_64 paging after boot: W^X for the image, the identity map
 *        dropped, device mappings.
 *
 * entry.S left three things in boot_pml4 (see its header): an identity GiB,
 * a 4 GiB direct map and the image as two writable, executable 2 MiB pages.
 * x64_mmu_init() swaps them for two page tables of 4 KiB pages (text RX,
 * rodata R+NX, data/bss RW+NX, nothing past __kernel_end), hooks up the
 * MMIO window and removes the identity map. CR0.WP is on, so read-only
 * pages are read-only for the kernel too.
 */
#include <arch/private.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/iowindow.h>
#include <kernel/memmap.h>
#include <kernel/pagetable.h>
#include <hal/pte.h>
#include <stdint.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define SZ_2M 0x200000ULL
#define DMAP_LIMIT (4ULL << 30)   /* what entry.S maps */
#define IDX(va, shift) (((va) >> (shift)) & 511)
#define MMIO_SLOTS 512
#define KIMG_TABLES 2 /* the image's page tables: up to 4 MiB (linker.ld's limit) */

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

extern uint64_t boot_pml4[512], boot_pdpt_k[512];
#include <kernel/sections.h>

static table_t kimg_pt[KIMG_TABLES], mmio_pd;
/* Set once hal_mmu_init() has switched to tables from the page allocator. */
static int kernel_tables;
static uint64_t mmio_tags[MMIO_SLOTS];   /* see kernel/iowindow.h */

uint64_t hal_virt_to_phys(const void *va)
{
    uintptr_t a = (uintptr_t)va;
    uint64_t pa;
    if (kernel_tables)
        return vm_translate(vm_kernel_aspace(), a, &pa, NULL) ? (uint64_t)-1 : pa;
    if (a >= (uintptr_t)__kernel_start && a < (uintptr_t)__kernel_end)
        return a - KERNEL_VIRT_BASE + X64_KERNEL_PHYS;
    if (a >= ARCH_DIRECT_MAP_BASE && a - ARCH_DIRECT_MAP_BASE < DMAP_LIMIT)
        return a - ARCH_DIRECT_MAP_BASE;
    return (uint64_t)-1;
}

int hal_direct_mapped(uint64_t pa, uint64_t len)
{
    if (kernel_tables)
        return pt_direct_mapped(pa, len);
    return len != 0 && pa + len >= pa && pa + len <= DMAP_LIMIT;
}

static void flush_tlb(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

void x64_mmu_init(void)
{
    uintptr_t start = (uintptr_t)__kernel_start;
    /* Two steps (SDM 4.10.2.3: two cached translations of different sizes
     * and attributes for one address are trouble): first 4 KiB pages with
     * exactly the 2 MiB page's rights, flush, then the W^X rights, flush. */
    uint64_t *pt = &kimg_pt[0][0]; /* the tables are one array of 4 KiB entries */
    for (uintptr_t va = start; va < (uintptr_t)__kernel_end; va += 4096)
        pt[(va - start) / 4096] = (va - KERNEL_VIRT_BASE + X64_KERNEL_PHYS) | PTE_P | PTE_W;
    /* boot_pdpt_k[510] -> boot_pd_k; its first entries become our page tables. */
    uint64_t *pd_k = hal_phys_to_virt(boot_pdpt_k[IDX(KERNEL_VIRT_BASE, 30)] & ~0xfffULL & ~PTE_NX);
    for (unsigned t = 0; t < KIMG_TABLES; t++)
        pd_k[t] = hal_virt_to_phys(kimg_pt[t]) | PTE_P | PTE_W;
    flush_tlb();
    for (uintptr_t va = start; va < (uintptr_t)__kernel_end; va += 4096) {
        uint64_t *pte = &pt[(va - start) / 4096];
        if (va < (uintptr_t)__rodata_start)
            *pte &= ~PTE_W;               /* text: read + execute */
        else if (va < (uintptr_t)__data_start)
            *pte = (*pte & ~PTE_W) | PTE_NX; /* rodata, symbol table, ktests */
        else
            *pte |= PTE_NX;               /* data, bss */
    }
    boot_pdpt_k[IDX(X64_MMIO_BASE, 30)] = hal_virt_to_phys(mmio_pd) | PTE_P | PTE_W;
    boot_pml4[0] = 0;                     /* the identity map */
    flush_tlb();
}

/* Before the kernel tables exist: uncached 2 MiB pages straight into the
 * boot tables' MMIO page directory (PCD|PWT select PAT entry 3, UC, with
 * the power-on PAT). */
static void boot_map_mmio(unsigned slot, uint64_t first, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        mmio_pd[slot + i] = (first + i * SZ_2M) | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT | PTE_NX;
    flush_tlb();
}

void *hal_ioremap(uint64_t pa, size_t size)
{
    return iowindow_map(mmio_tags, MMIO_SLOTS, X64_MMIO_BASE, kernel_tables, boot_map_mmio, pa,
                        size);
}

/*
 * What the direct map covers: the first MiB (real-mode IVT, BIOS data, EBDA,
 * the RSDP's search area), every range the firmware's memory map lists
 * below 4 GiB whatever its type (ACPI tables live in "reserved" as well as
 * in ACPI ranges, and are read again at power-off), and every RAM or ACPI
 * range above. Not the holes between them: those are device windows, which
 * go through hal_ioremap(). The boot map covered all of the low 4 GiB in
 * 2 MiB pages; repeating that here was 2,048 mappings, most of them of
 * nothing, and a visible part of boot under TCG. Ranges are rounded out to
 * whole pages. MMIO inside a listed range is write-back in the page tables,
 * but the firmware's MTRRs make it uncacheable, and the effective type is
 * the stricter of the two.
 */
static int direct_map_ranges(const struct boot_info *bi, struct mem_range *out, unsigned max)
{
    struct mem_range want[BOOT_MAX_MEM_RANGES + 1];
    unsigned n = 0;
    want[n++] = (struct mem_range){0, 1u << 20, MEM_USABLE};
    for (unsigned i = 0; i < bi->mem_count; i++) {
        const struct mem_range *r = &bi->mem[i];
        int ram = r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIM || r->type == MEM_ACPI_NVS;
        if (r->size == 0 || r->base + r->size < r->base || r->type == MEM_BAD ||
            (r->base >= DMAP_LIMIT && !ram))
            continue;
        uint64_t base = r->base & ~0xfffULL, end = r->base + r->size;
        end = end > ~0xfffULL ? ~0xfffULL : (end + 0xfff) & ~0xfffULL;
        if (r->base < DMAP_LIMIT && !ram && end > DMAP_LIMIT)
            end = DMAP_LIMIT;
        want[n++] = (struct mem_range){base, end - base, MEM_USABLE};
    }
    return memmap_union(want, n, out, max);
}

/*
 * Every user address space shares the kernel's half by copying PML4
 * entries 256-511 when it is created (hal_uspace_init(), user.c; the SMP
 * trampoline's tables do the same). An entry the kernel filled later would
 * be missing from the spaces made before, and a kernel access there while
 * one of them is loaded would fault. So every PML4 entry the kernel ever
 * uses exists from here on: the direct map's (pt_build_kernel() mapped all
 * of it), vmalloc's 1 TiB (two entries, tables made as areas come and go
 * below them; the walker never frees a PML4 entry's table), and the top
 * one's image, MMIO window and module area. A PDPT page each.
 */
static int kernel_pml4_entries(const struct mem_range *ram, int n)
{
    uint64_t dmap_end = 0;
    for (int i = 0; i < n; i++)
        if (ram[i].base + ram[i].size > dmap_end)
            dmap_end = ram[i].base + ram[i].size;
    const struct { uint64_t lo, size; } spans[] = {
        {ARCH_DIRECT_MAP_BASE, dmap_end},
        {ARCH_VMALLOC_BASE, ARCH_VMALLOC_SIZE},
        {X64_MMIO_BASE, X64_MMIO_SIZE},
        {KERNEL_VIRT_BASE, (uintptr_t)(__kernel_end - __kernel_start)},
        {ARCH_MODULE_BASE, ARCH_MODULE_SIZE},
    };
    uint64_t *pml4 = hal_phys_to_virt(vm_kernel_aspace()->root);
    for (unsigned i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        if (!spans[i].size)
            continue;
        for (unsigned e = IDX(spans[i].lo, 39); e <= IDX(spans[i].lo + spans[i].size - 1, 39); e++) {
            if (hal_pte_valid(pml4[e]))
                continue;
            uint64_t pa = pt_alloc_table();
            if (!pa)
                return -ENOMEM;
            pml4[e] = hal_pte_table(pa);
        }
    }
    return 0;
}

/* Build the kernel's own tables (see arch/aarch64/mmu.c for the same step)
 * and load CR3 with them; the boot tables in entry.S are then unused. */
int hal_mmu_init(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = direct_map_ranges(bi, ram, BOOT_MAX_MEM_RANGES);
    int err = pt_build_kernel(ram, n, X64_KERNEL_PHYS, mmio_tags, MMIO_SLOTS, X64_MMIO_BASE, SZ_2M);
    if (!err && (err = kernel_pml4_entries(ram, n)) != 0)
        vm_kernel_aspace()->root = 0; /* as pt_build_kernel() fails: stay on the boot tables */
    if (err)
        return err;
    __asm__ volatile("mov %0, %%cr3" : : "r"(vm_kernel_aspace()->root) : "memory");
    kernel_tables = 1;
    return 0;
}
