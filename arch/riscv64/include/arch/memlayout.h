/**
 * @file arch/memlayout.h
 * @brief riscv64 virtual address layout (Sv48: 48-bit VA, 4 KiB pages).
 *
 * One root table (satp) maps both halves; the kernel uses only the upper
 * one, 0xffff800000000000 and up (root entries 256-511, 512 GiB each):
 *
 *   0xffff800000000000  direct map of RAM (root[256]: 512 GiB of physical space)
 *   0xffffc00000000000  vmalloc: large allocations and kernel stacks, each
 *                       with an unmapped guard (1 TiB)
 *   0xffffffff40000000  MMIO window, 2 MiB device leaves (root[511] -> L1[509])
 *   0xffffffff80000000  kernel image, 4 KiB pages with W^X (L1[510])
 *
 * The lower half (root entries 0-255) is left for user address spaces.
 */
#ifndef ARCH_RV64_MEMLAYOUT_H
#define ARCH_RV64_MEMLAYOUT_H

#define ARCH_KERNEL_VA_LO 0xffff800000000000ULL
#define ARCH_DIRECT_MAP_BASE 0xffff800000000000ULL
#define ARCH_DIRECT_MAP_SIZE (512ULL << 30)
#define ARCH_VMALLOC_BASE 0xffffc00000000000ULL
#define ARCH_VMALLOC_SIZE (1ULL << 40)
#define RV64_MMIO_BASE 0xffffffff40000000ULL
#define RV64_MMIO_SIZE (1ULL << 30)

/* Code memory (kernel/jit.h): 64 MiB from 64 MiB above the image, so all of
 * it is within the +-2 GiB an `auipc`+`jalr` pair reaches. */
#define ARCH_MODULE_BASE 0xffffffff84000000ULL
#define ARCH_MODULE_SIZE (64ULL << 20)
/* The module loader's relocations for this arch (kernel/module_arch.h, module_reloc.c). */
#define ARCH_MODULE_RELOC rv64_module_arch

#endif
