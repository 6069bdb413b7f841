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
#include <hal/platform.h>
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

/** @name Mapping attributes for hal_mmu_map() and hal_mmu_protect()
 *  Every mapping is readable; the rest is opt-in, so the default is R+NX. */
/** @{ */
#define MMU_WRITE (1u << 0)  /**< writable */
#define MMU_EXEC (1u << 1)   /**< executable (never together with MMU_DEVICE) */
#define MMU_DEVICE (1u << 2) /**< device memory: uncached, no speculation, never executable */
#define MMU_LARGE (1u << 3)  /**< map: 2 MiB blocks where VA, PA and size allow */
/** @} */

/** @brief An address space: one set of translation tables (opaque). */
struct hal_aspace;

/** @brief The kernel's address space (the upper half on both arches). */
struct hal_aspace *hal_kernel_aspace(void);

/**
 * @brief Replace the boot translation tables with tables the kernel owns:
 *        the image with W^X, a direct map of all RAM in @p bi, the MMIO window.
 *
 * Called once by kmain after pmm_init(); table pages come from pmm_alloc().
 * @return 0, or -ENOMEM (the kernel keeps running on the boot tables)
 */
int hal_mmu_init(const struct boot_info *bi);

/**
 * @brief Map [va, va + size) to [pa, pa + size) with MMU_* attributes @p prot.
 * @retval 0 mapped (TLB maintenance done)
 * @retval -EINVAL va, pa or size not page-aligned, size 0, or va not in @p as
 * @retval -EEXIST part of the range is already mapped (nothing is changed)
 * @retval -ENOMEM no page for a table (what was mapped is unmapped again)
 */
int hal_mmu_map(struct hal_aspace *as, uintptr_t va, uint64_t pa, uint64_t size, unsigned prot);

/**
 * @brief Unmap [va, va + size); unmapped pages in the range are skipped. A
 *        block that is only partly unmapped is split first.
 * @retval 0 @retval -EINVAL misaligned @retval -ENOMEM no page to split a block
 */
int hal_mmu_unmap(struct hal_aspace *as, uintptr_t va, uint64_t size);

/**
 * @brief Change the attributes of every page in [va, va + size).
 * @retval 0 @retval -EINVAL misaligned @retval -ENOENT a page in the range is
 *         not mapped (pages before it are already changed)
 * @retval -ENOMEM no page to split a block
 */
int hal_mmu_protect(struct hal_aspace *as, uintptr_t va, uint64_t size, unsigned prot);

/**
 * @brief Look up @p va.
 * @param pa receives the physical address of @p va (not just its page)
 * @param prot if not NULL, receives the MMU_* attributes
 * @retval 0 @retval -ENOENT not mapped
 */
int hal_mmu_translate(struct hal_aspace *as, uintptr_t va, uint64_t *pa, unsigned *prot);

#endif
