/**
 * @file hal/mmu.h
 * @brief The kernel's virtual address layout and the MMU operations the core
 *        may ask of the arch.
 *
 * Both architectures run the kernel image at KERNEL_VIRT_BASE
 * (0xffffffff80000000, the top 2 GiB, so x86_64 can use the kernel code
 * model) and keep a direct map of RAM at the arch's ARCH_DIRECT_MAP_BASE:
 * physical address p is at ARCH_DIRECT_MAP_BASE + p. Devices are reached
 * through hal_ioremap(), which maps them with device memory attributes.
 * The boot identity map is gone by the time kmain() runs.
 */
#ifndef HAL_MMU_H
#define HAL_MMU_H

#include <arch/memlayout.h>
#include <stddef.h>
#include <stdint.h>

/** Virtual address of the first byte of the kernel image (both arches). */
#define KERNEL_VIRT_BASE 0xffffffff80000000ULL

/**
 * @brief Direct-map address of physical address @p pa.
 *
 * Only RAM the arch has mapped is reachable (see hal_direct_mapped()); the
 * result is never executable.
 */
static inline void *hal_phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(ARCH_DIRECT_MAP_BASE + pa);
}

/**
 * @brief Whether [pa, pa + len) is covered by the direct map.
 * @return 1 if every byte is mapped, 0 if not (or if the range wraps).
 */
int hal_direct_mapped(uint64_t pa, uint64_t len);

/**
 * @brief Physical address behind a kernel virtual address.
 *
 * Works for the kernel image (text, data, .bss, static tables) and for the
 * direct map; anything else gives (uint64_t)-1.
 */
uint64_t hal_virt_to_phys(const void *va);

/**
 * @brief Map @p size bytes of device registers at physical @p pa.
 *
 * Device memory: uncached, no speculation, never executable. Repeated calls
 * for the same registers return the same mapping.
 * @return the virtual address of @p pa, or NULL if the MMIO window is full.
 */
void *hal_ioremap(uint64_t pa, size_t size);

#endif
