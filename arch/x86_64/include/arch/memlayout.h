/**
 * @file arch/memlayout.h
 * @brief x86_64 virtual address layout (4-level paging).
 *
 *   0xffff800000000000  direct map of physical memory (PML4[256])
 *   0xffffc90000000000  vmalloc: large allocations and kernel stacks, each
 *                       with an unmapped guard page (1 TiB)
 *   0xffffffff40000000  MMIO window, 2 MiB uncached pages (PDPT[509])
 *   0xffffffff80000000  kernel image, 4 KiB pages with W^X (PML4[511],
 *                       PDPT[510]); loaded at physical 2 MiB
 */
#ifndef ARCH_X64_MEMLAYOUT_H
#define ARCH_X64_MEMLAYOUT_H

#define ARCH_KERNEL_VA_LO 0xffff800000000000ULL /* the upper half */
#define ARCH_DIRECT_MAP_BASE 0xffff800000000000ULL
#define ARCH_VMALLOC_BASE 0xffffc90000000000ULL
#define ARCH_VMALLOC_SIZE (1ULL << 40)
#define X64_MMIO_BASE 0xffffffff40000000ULL
#define X64_MMIO_SIZE (1ULL << 30)
/** Physical address GRUB loads the image at (the ELF's LMA). */
#define X64_KERNEL_PHYS 0x200000ULL

/* Code memory (kernel/jit.h): 64 MiB starting 64 MiB above the kernel image's
 * base, so all of it is within 128 MiB of kernel text: aarch64 `bl` and
 * x86_64 `call rel32` reach the kernel from generated code directly. */
#define ARCH_MODULE_BASE 0xffffffff84000000ULL
#define ARCH_MODULE_SIZE (64ULL << 20)
/* The module loader's relocations for this arch (kernel/module_arch.h, module_reloc.c). */
#define ARCH_MODULE_RELOC x64_module_arch

#endif
