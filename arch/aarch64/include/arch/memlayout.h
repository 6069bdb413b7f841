/**
 * @file arch/memlayout.h
 * @brief aarch64 virtual address layout (48-bit VA, 4 KiB granule).
 *
 * TTBR1 covers 0xffff000000000000 and up; TTBR0 (the low half) is unused
 * once the kernel runs high:
 *
 *   0xffff000000000000  direct map of RAM (L0[0]: 512 GiB of physical space)
 *   0xffff800000000000  vmalloc: large allocations and kernel stacks, each
 *                       with an unmapped guard page (1 TiB)
 *   0xffffffff40000000  MMIO window, 2 MiB device blocks (L1[509], 1 GiB)
 *   0xffffffff80000000  kernel image, 4 KiB pages with W^X (L1[510])
 */
#ifndef ARCH_A64_MEMLAYOUT_H
#define ARCH_A64_MEMLAYOUT_H

#define ARCH_KERNEL_VA_LO 0xffff000000000000ULL /* TTBR1 starts here */
#define ARCH_DIRECT_MAP_BASE 0xffff000000000000ULL
#define ARCH_DIRECT_MAP_SIZE (512ULL << 30)
#define ARCH_VMALLOC_BASE 0xffff800000000000ULL
#define ARCH_VMALLOC_SIZE (1ULL << 40)
#define A64_MMIO_BASE 0xffffffff40000000ULL
#define A64_MMIO_SIZE (1ULL << 30)

/* Code memory (kernel/jit.h): 64 MiB starting 64 MiB above the kernel image's
 * base, so all of it is within 128 MiB of kernel text: aarch64 `bl` and
 * x86_64 `call rel32` reach the kernel from generated code directly. */
#define ARCH_MODULE_BASE 0xffffffff84000000ULL
#define ARCH_MODULE_SIZE (64ULL << 20)
/* The module loader's relocations for this arch (kernel/module_arch.h, module_reloc.c). */
#define ARCH_MODULE_RELOC a64_module_arch

#endif
