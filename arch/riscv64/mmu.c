/**
 * @file mmu.c
 * @brief riscv64 MMU: the boot tables that take the kernel into the higher
 *        half, the direct map, device mappings, the switch to the kernel's
 *        own tables.
 *
 * Sv48 or Sv39 over the same tables (arch/memlayout.h). rv_mmu_build() runs
 * from entry.S with the MMU off, at the physical address the image was
 * loaded at, so it reaches every table PC-relatively (-mcmodel=medany: a
 * global's address is `auipc`-based, that is, physical here) and
 * dereferences no stored pointer. The root's last entry holds everything:
 *
 *   root[511] -> L1[256..383]: the direct map (1 GiB leaves where a whole
 *                GiB is RAM, else an L2 table of 2 MiB leaves); at first only
 *                the 4 MiB around the DTB, rv_map_ram() adds RAM from the DTB;
 *             -> L1[509]: the MMIO window, 2 MiB device leaves; slot 0 is
 *                the early UART;
 *             -> L1[510] -> L2[0..1] -> L3: the image in 4 KiB pages at
 *                0xffffffff80000000: text RX, rodata R, data/bss RW, nothing
 *                past __kernel_end.
 *
 * satp's mode: Sv48 with the root, or Sv39 with L1 as its root. entry.S
 * tries Sv48 and falls back to Sv39 when the hart refuses it (satp is WARL);
 * rv_mmu_choose() moves to Sv39 when the boot hart's DT mmu-type says that
 * is all it has, and rv_mmu_satp() gives started harts the mode in use.
 *
 * No identity map: entry.S turns the MMU on with stvec at the next
 * instruction's high address (see there). Nothing maps low addresses, so
 * page 0 and all of the lower half fault from the first instruction on.
 */
#include <arch/board.h>
#include <arch/private.h>
#include <hal/pte.h>
#include <hal/mmu.h>
#include <hal/user.h>
#include <kernel/errno.h>
#include <kernel/iowindow.h>
#include <kernel/memmap.h>
#include <kernel/pagetable.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <stdint.h>

#define SZ_2M 0x200000ULL
#define KIMG_L3_TABLES 2 /* the image's L3 tables: 4 MiB (linker.ld checks it fits) */
#define SZ_1G 0x40000000ULL
#define L0_SHIFT 39
#define L1_SHIFT 30
#define L2_SHIFT 21
#define IDX(va, shift) (((va) >> (shift)) & 511)
#define DMAP_L2_TABLES 8 /* partially covered GiBs of RAM we can map */
#define MMIO_SLOTS 512
#define KIMG_L3_TABLES 2 /* the image's pages: 2 MiB a table (linker.ld's limit) */
#define SATP_MODE_SHIFT 60
#define SATP_SV39 8ULL
#define SATP_SV48 9ULL
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK (0xffffULL << SATP_ASID_SHIFT)

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

static table_t root, top_l1, mmio_l2, kimg_l2;
static table_t kimg_l3[KIMG_L3_TABLES];
static table_t dmap_l2[DMAP_L2_TABLES];
/* The mode in use (SATP_SV48 or SATP_SV39), for the kernel's own tables
 * and started harts. Set before the MMU is on: no absolute pointer. */
static uint64_t satp_mode = SATP_SV48;
static unsigned dmap_l2_used;
static uint64_t mmio_tags[MMIO_SLOTS]; /* see kernel/iowindow.h */

/* Physical address of the image; set before the MMU is on. */
static uint64_t kernel_phys;
/* Set once hal_mmu_init() has switched to tables from the page allocator. */
static int kernel_tables;
/* With kernel_tables: the satp of the kernel's own tables, what a hart
 * loads when no user space is (hal_uspace_switch(0)) and what a started
 * hart starts with, whatever user space the boot hart has loaded. */
static uint64_t kernel_satp;
/* ASIDLEN, found by hal_mmu_init(): the same on every hart. */
static unsigned asid_bits;

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
        uint64_t *l1e = &top_l1[IDX(ARCH_DIRECT_MAP_BASE + base, L1_SHIFT)];
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

    root[511] = hal_pte_table(table_phys(top_l1, 0));
    top_l1[IDX(RV64_MMIO_BASE, L1_SHIFT)] = hal_pte_table(table_phys(mmio_l2, 0));
    top_l1[IDX(KERNEL_VIRT_BASE, L1_SHIFT)] = hal_pte_table(table_phys(kimg_l2, 0));
    for (unsigned i = 0; i < KIMG_L3_TABLES; i++)
        kimg_l2[i] = hal_pte_table(table_phys(kimg_l3[i], 0));
    for (uint64_t pa = kbase; pa < kend; pa += 4096) {
        unsigned prot;
        if (pa < (uintptr_t)__rodata_start)
            prot = MMU_EXEC;  /* text: read + execute */
        else if (pa < (uintptr_t)__data_start)
            prot = 0;         /* rodata, symbol table, ktests */
        else
            prot = MMU_WRITE; /* data, bss */
        kimg_l3[(pa - kbase) / SZ_2M][(pa - kbase) / 4096 % 512] = hal_pte_leaf(pa, prot, 3);
    }
    /* The earliest console (the one fixed address allowed: docs/porting.md, "Layout"). */
    mmio_l2[0] = rv_pte_ppn(RV64_EARLY_UART_PHYS & ~(SZ_2M - 1)) | DEVICE_LEAF;
    mmio_tags[0] = (RV64_EARLY_UART_PHYS & ~(SZ_2M - 1)) + 1;
    /* The DTB (at most 2 MiB, so two chunks cover it wherever it starts). */
    if (dtb)
        dmap_range(dtb & ~(SZ_2M - 1), (dtb & ~(SZ_2M - 1)) + 2 * SZ_2M, 0);
    return SATP_SV48 << SATP_MODE_SHIFT | (table_phys(root, 0) >> 12);
}

uint64_t rv_mmu_sv39_satp(void)
{
    satp_mode = SATP_SV39;
    return SATP_SV39 << SATP_MODE_SHIFT | (table_phys(top_l1, 0) >> 12);
}

/* satp for @p mode over the tables whose Sv48 root is at @p root_pa. */
static uint64_t satp_for(uint64_t mode, uint64_t root_pa)
{
    if (mode == SATP_SV48)
        return SATP_SV48 << SATP_MODE_SHIFT | root_pa >> 12;
    const uint64_t *r = hal_phys_to_virt(root_pa);
    return SATP_SV39 << SATP_MODE_SHIFT | hal_pte_addr(r[511]) >> 12;
}

const char *rv_mmu_mode(void) { return satp_mode == SATP_SV39 ? "Sv39" : "Sv48"; }

int rv_mmu_choose(const char *mmu_type)
{
    if (!mmu_type || strcmp(mmu_type, "riscv,sv39") != 0 || satp_mode == SATP_SV39)
        return 0;
    /* Same tables, same addresses: only the walk starts one level lower. */
    /* The boot tables are in the image, not (yet) in the direct map. */
    uint64_t satp = kernel_tables ? satp_for(SATP_SV39, vm_kernel_aspace()->root)
                                  : SATP_SV39 << SATP_MODE_SHIFT | table_phys(top_l1, 1) >> 12;
    __asm__ volatile("sfence.vma\n\tcsrw satp, %0\n\tsfence.vma" : : "r"(satp) : "memory");
    uint64_t now;
    __asm__ volatile("csrr %0, satp" : "=r"(now));
    if (now != satp)
        return -EIO;
    satp_mode = SATP_SV39;
    if (kernel_tables)
        kernel_satp = satp;
    return 1;
}

/*
 * From entry.S, MMU still off, when the hart refused Sv48 and Sv39. Nothing is
 * mapped, so no console driver: the SBI's legacy console_putchar (SBI v0.1
 * extension 0x01, which OpenSBI keeps) says why, and SRST powers off.
 */
__attribute__((noreturn)) void rv_no_paging(void)
{
    static const char msg[] = "riscv64: this hart refused both Sv48 and Sv39 paging (satp modes 9 "
                              "and 8); the kernel needs one of them. Halting.\r\n";
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
    if (kernel_tables)
        return kernel_satp; /* not this hart's: it may have a user space loaded */
    __asm__ volatile("csrr %0, satp" : "=r"(satp));
    return satp;
}

int rv_map_ram(const struct boot_info *bi)
{
    struct mem_range ram[BOOT_MAX_MEM_RANGES];
    int n = memmap_direct_ranges(bi, ARCH_DIRECT_MAP_SIZE, ram, BOOT_MAX_MEM_RANGES);
    int err = n < 0 ? n : 0;
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
        uint64_t l1e = top_l1[IDX(ARCH_DIRECT_MAP_BASE + a, L1_SHIFT)];
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
 * Sv39: a user root is a level-1 table of its own (hal_uspace_init()), and
 * the kernel's half of it, entries 256-511, is a copy of the kernel's
 * level-1 entries made when the space was created. A copy stays true only
 * if those entries never change afterwards, so every slot the kernel maps
 * into after boot gets its level-2 table now: vmalloc (kernel stacks,
 * large allocations), the module area and the MMIO window (those two have
 * theirs already, with the image and the early UART). The direct map is
 * complete once pt_build_kernel() mapped RAM, and nothing maps into it
 * later. Every kernel level-1 entry is then pinned (RV_PTE_PIN,
 * hal_pte_pinned()): the walker's pruning after vm_unmap() must not free a
 * level-2 table that empties, or copies would point at a freed page.
 * Sv48 needs none of this: a user root shares the kernel's root[511],
 * whose level-1 table is the kernel's own. Costs one page per GiB of
 * vmalloc (64), in Sv39 only.
 */
static int sv39_fix_kernel_l1(void)
{
    static const struct { uint64_t base, size; } fixed[] = {
        {ARCH_VMALLOC_BASE, ARCH_VMALLOC_SIZE},
        {ARCH_MODULE_BASE, ARCH_MODULE_SIZE},
        {RV64_MMIO_BASE, RV64_MMIO_SIZE},
    };
    uint64_t *l0 = hal_phys_to_virt(vm_kernel_aspace()->root);
    uint64_t *l1 = hal_phys_to_virt(hal_pte_addr(l0[511]));
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        for (uint64_t va = fixed[i].base; va - fixed[i].base < fixed[i].size; va += SZ_1G) {
            uint64_t *e = &l1[IDX(va, L1_SHIFT)];
            if (hal_pte_valid(*e))
                continue;
            uint64_t pa = pt_alloc_table();
            if (!pa)
                return -ENOMEM;
            *e = hal_pte_table(pa);
        }
    }
    for (unsigned i = 256; i < 512; i++)
        if (hal_pte_valid(l1[i]) && hal_pte_is_table(l1[i], 1))
            l1[i] |= RV_PTE_PIN;
    hal_pte_sync();
    return 0;
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
    int n = memmap_direct_ranges(bi, ARCH_DIRECT_MAP_SIZE, ram, BOOT_MAX_MEM_RANGES);
    int err = pt_build_kernel(ram, n, kernel_phys, mmio_tags, MMIO_SLOTS, RV64_MMIO_BASE, SZ_2M);
    if (err)
        return err;
    if (satp_mode == SATP_SV39 && (err = sv39_fix_kernel_l1()) != 0)
        return err;
    uint64_t satp = satp_for(satp_mode, vm_kernel_aspace()->root);
    __asm__ volatile("sfence.vma\n\tcsrw satp, %0\n\tsfence.vma" : : "r"(satp) : "memory");
    kernel_satp = satp;
    kernel_tables = 1;
    /* ASIDLEN, which may be 0: write ones to every ASID bit and see which
     * stay (privileged spec, "Supervisor Address Translation and
     * Protection (satp) Register"). The kernel's entries are global, so
     * the short detour through another ASID changes nothing. */
    uint64_t probe;
    __asm__ volatile("csrw satp, %1\n\tcsrr %0, satp\n\tcsrw satp, %2\n\tsfence.vma"
                     : "=&r"(probe) : "r"(satp | SATP_ASID_MASK), "r"(satp) : "memory");
    asid_bits = (unsigned)__builtin_popcountll(probe & SATP_ASID_MASK);
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

/* ---- user address spaces (hal/user.h) ---- */

/*
 * User addresses are the lower half of the mode in use: Sv48 translates
 * 48-bit addresses sign-extended from bit 47, Sv39 39-bit ones from bit 38
 * (privileged spec, "Sv39" and "Sv48"), so the user half ends at 1 << 47 or
 * 1 << 38. Either way it lies under the root's entry 0 .. 255 of the portable
 * walker's Sv48-shaped tables (Sv39's under entry 0 alone), apart from the
 * kernel's root[511].
 */
uintptr_t hal_user_top(void)
{
    return satp_mode == SATP_SV39 ? (uintptr_t)1 << 38 : (uintptr_t)1 << 47;
}

/*
 * Sv48: the root's entry 511 is the kernel's, shared. Sv39: satp names a
 * level-1 table, the one under root[0] (where the walker puts user
 * addresses below 1 << 38), so that table is made here and given the
 * kernel's level-1 entries 256-511 (sv39_fix_kernel_l1() keeps them fixed).
 * pt_destroy() frees only the tables serving [va_lo, va_hi], which those
 * copies are not. root[511] is copied in both modes so the kernel half
 * looks the same in the tables whichever mode the hart uses.
 */
int hal_uspace_init(uint64_t root_pa)
{
    uint64_t *root = hal_phys_to_virt(root_pa);
    const uint64_t *kroot = hal_phys_to_virt(vm_kernel_aspace()->root);
    root[511] = kroot[511];
    if (satp_mode == SATP_SV39) {
        uint64_t l1_pa = pt_alloc_table();
        if (!l1_pa)
            return -ENOMEM;
        uint64_t *l1 = hal_phys_to_virt(l1_pa);
        const uint64_t *kl1 = hal_phys_to_virt(hal_pte_addr(kroot[511]));
        for (unsigned i = 256; i < 512; i++)
            l1[i] = kl1[i];
        root[0] = hal_pte_table(l1_pa);
    }
    hal_pte_sync();
    return 0;
}

unsigned hal_uspace_asids(void) { return 1u << asid_bits; }

/*
 * User leaves are not global (hal_pte_leaf()), so each is tagged with the
 * ASID satp held when it was walked; the kernel's are global and the same
 * in every space. A flush is SFENCE.VMA with rs1 = x0 and rs2 the ASID:
 * every non-global entry of that ASID, leaves and the cached non-leaf
 * entries, and no global one (privileged spec, "Supervisor Memory-
 * Management Fence Instruction"). It comes after the satp write, as the
 * spec asks of a reused ASID: the write does not order itself before later
 * implicit walks, the fence does, and no user access can come between
 * (interrupts are masked and the kernel touches no user page here).
 * Without ASIDs every space is ASID 0 and the flush (asked on every switch)
 * drops all user entries.
 *
 * No user space: the kernel's satp, ASID 0, which no user space gets when
 * ASIDs exist. The ASID register is t0, not an "r" operand: the compiler
 * could give a constant 0 as x0, and rs2 = x0 would flush the global
 * entries too.
 */
void hal_uspace_switch(uint64_t root_pa, unsigned asid, int flush)
{
    uint64_t satp = kernel_satp;
    if (root_pa && satp_mode == SATP_SV48)
        satp = SATP_SV48 << SATP_MODE_SHIFT | root_pa >> 12;
    else if (root_pa) /* Sv39: the level-1 table hal_uspace_init() put under root[0] */
        satp = SATP_SV39 << SATP_MODE_SHIFT |
               hal_pte_addr(((const uint64_t *)hal_phys_to_virt(root_pa))[0]) >> 12;
    satp |= (uint64_t)asid << SATP_ASID_SHIFT;
    if (flush)
        __asm__ volatile("csrw satp, %0\n\tmv t0, %1\n\tsfence.vma zero, t0"
                         : : "r"(satp), "r"((uint64_t)asid) : "t0", "memory");
    else
        __asm__ volatile("csrw satp, %0" : : "r"(satp) : "memory");
}
