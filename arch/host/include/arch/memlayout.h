/**
 * @file arch/memlayout.h
 * @brief Host unit tests: the address layout behind hal/mmu.h, so the
 *        portable page-table walker runs as a Linux program.
 *
 * "Physical" addresses are the test process's own pointers (the page
 * allocator stub hands out aligned_alloc() memory), so the direct map is the
 * identity: ARCH_DIRECT_MAP_BASE is 0 and hal_phys_to_virt() returns the
 * pointer itself. Kernel virtual addresses are only numbers the walker
 * translates; nothing dereferences them.
 */
#ifndef ARCH_HOST_MEMLAYOUT_H
#define ARCH_HOST_MEMLAYOUT_H

#define ARCH_KERNEL_VA_LO 0xffff800000000000ULL
#define ARCH_DIRECT_MAP_BASE 0ULL
#define ARCH_VMALLOC_BASE 0xffffc90000000000ULL
#define ARCH_VMALLOC_SIZE (1ULL << 40)

#endif
