/**
 * @file arch/memlayout.h
 * @brief riscv64 virtual address layout: Sv48 or Sv39 (4 KiB pages).
 *
 * Everything the kernel maps lies in the top 256 GiB, the upper half of
 * Sv39, so one set of tables serves both modes: the kernel's tables are
 * Sv48's four levels (the portable walker's), and every kernel address is
 * under the root's last entry; that entry's level-1 table is itself an Sv39
 * root for the same addresses (Sv39 indexes it by VA bits 38-30, as Sv48
 * does the level below its root). So satp names the root in Sv48 mode, the
 * level-1 table in Sv39 mode (mmu.c), and no address moves:
 *
 *   0xffffffc000000000  direct map of RAM (128 GiB: level-1 entries 256-383)
 *   0xffffffe000000000  vmalloc: large allocations and kernel stacks, each
 *                       with an unmapped guard (64 GiB: entries 384-447)
 *   0xffffffff40000000  MMIO window, 2 MiB device leaves (entry 509)
 *   0xffffffff80000000  kernel image, 4 KiB pages with W^X (entry 510)
 *
 * Level-1 entries 0-255 stay empty: in Sv39 mode they would be the lower
 * half, which is left for user address spaces.
 */
#ifndef ARCH_RV64_MEMLAYOUT_H
#define ARCH_RV64_MEMLAYOUT_H

#define ARCH_KERNEL_VA_LO 0xffffffc000000000ULL
#define ARCH_DIRECT_MAP_BASE 0xffffffc000000000ULL
#define ARCH_DIRECT_MAP_SIZE (128ULL << 30)
#define ARCH_VMALLOC_BASE 0xffffffe000000000ULL
#define ARCH_VMALLOC_SIZE (64ULL << 30)
#define RV64_MMIO_BASE 0xffffffff40000000ULL
#define RV64_MMIO_SIZE (1ULL << 30)

/* Code memory (kernel/jit.h): 64 MiB from 64 MiB above the image, so all of
 * it is within the +-2 GiB an `auipc`+`jalr` pair reaches. */
#define ARCH_MODULE_BASE 0xffffffff84000000ULL
#define ARCH_MODULE_SIZE (64ULL << 20)
/* The module loader's relocations for this arch (kernel/module_arch.h, module_reloc.c). */
#define ARCH_MODULE_RELOC rv64_module_arch

#endif
