/**
 * @file hal/mmu.h
 * @brief The kernel's virtual address layout and the MMU services the arch
 *        provides: the direct map, device mappings, the switch to the
 *        kernel's own tables.
 *
 * Both architectures run the kernel image at KERNEL_VIRT_BASE
 * (0xffffffff80000000, the top 2 GiB, so x86_64 can use the kernel code
 * model) and keep a direct map of RAM at the arch's ARCH_DIRECT_MAP_BASE:
 * physical address p is at ARCH_DIRECT_MAP_BASE + p. Devices are reached
 * through hal_ioremap(), which maps them with device memory attributes.
 * The boot identity map is gone by the time kmain() runs.
 *
 * Mapping, unmapping and protecting pages is not the arch's job: the
 * portable walker in kernel/mm/pagetable.c does it for every arch
 * (kernel/vm.h), using the entry encoders of hal/pte.h. The ARCH_ constants
 * below come from the arch's <arch/memlayout.h>, which this header includes.
 */

/**
 * @defgroup hal_mmu HAL: mmu
 * @brief What an architecture provides for hal/mmu.h. Required: the ARCH_* layout macros (<arch/memlayout.h>: ARCH_KERNEL_VA_LO, ARCH_DIRECT_MAP_BASE, ARCH_VMALLOC_BASE/SIZE, ARCH_MODULE_BASE/SIZE) and every function.
 * @{
 */
#ifndef HAL_MMU_H
#define HAL_MMU_H

#include <arch/memlayout.h>
#include <hal/platform.h>
#include <stddef.h>
#include <stdint.h>

/** Virtual address of the first byte of the kernel image (both arches). */
#define KERNEL_VIRT_BASE 0xffffffff80000000ULL

#ifdef __DOXYGEN__
/** @name Address layout each arch supplies (in <arch/memlayout.h>) */
/** @{ */
/** @brief Lowest virtual address of the kernel's (upper-half) address space. */
#define ARCH_KERNEL_VA_LO
/** @brief Virtual address of physical address 0 in the direct map of RAM. */
#define ARCH_DIRECT_MAP_BASE
/**
 * @brief Start of the vmalloc area (kernel/vmalloc.h): large allocations and
 *        kernel stacks with guard pages. Must lie above the direct map, so
 *        that a direct-map address is below it.
 */
#define ARCH_VMALLOC_BASE
/** @brief Bytes of virtual address space in the vmalloc area. */
#define ARCH_VMALLOC_SIZE
/** @} */
#endif

#if !defined(ARCH_KERNEL_VA_LO) || !defined(ARCH_DIRECT_MAP_BASE) || \
    !defined(ARCH_VMALLOC_BASE) || !defined(ARCH_VMALLOC_SIZE)
#error "<arch/memlayout.h> must define ARCH_KERNEL_VA_LO, ARCH_DIRECT_MAP_BASE, ARCH_VMALLOC_BASE and ARCH_VMALLOC_SIZE"
#endif

/**
 * @brief Direct-map address of physical address @p pa.
 *
 * Pure arithmetic: only RAM the arch has mapped is reachable through the
 * result (see hal_direct_mapped()); it is never executable.
 * @note Any context; never sleeps.
 */
static inline void *hal_phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(ARCH_DIRECT_MAP_BASE + pa);
}

/**
 * @brief Whether [pa, pa + len) is covered by the direct map.
 * @return 1 if every byte is mapped, 0 if not (or if @p len is 0 or the
 *         range wraps)
 * @note Thread or interrupt context; never sleeps, never allocates. Reads
 *       the kernel tables without their lock, so a range being mapped by
 *       another thread at the same time may read as either.
 */
int hal_direct_mapped(uint64_t pa, uint64_t len);

/**
 * @brief Physical address behind a kernel virtual address.
 *
 * Before hal_mmu_init(): the kernel image (text, data, .bss, static tables)
 * and the direct map. After it: any address the kernel tables map (vmalloc
 * and the MMIO window too).
 * @return the physical address of @p va itself (not just its page), or
 *         (uint64_t)-1 if it is not mapped
 * @note Thread or interrupt context; never sleeps, never allocates.
 */
uint64_t hal_virt_to_phys(const void *va);

/**
 * @brief Map @p size bytes of device registers at physical @p pa.
 *
 * Device memory (aarch64 Device-nGnRnE, x86_64 UC): uncached, no
 * speculation, never executable, in the arch's MMIO window of 2 MiB slots.
 * Repeated calls for the same registers return the same mapping; there is no
 * unmap (drivers keep their registers for the kernel's lifetime). The arch
 * implements it because it owns the window and, before hal_mmu_init(), the
 * boot tables; the slot bookkeeping it shares is kernel/iowindow.h.
 * @return the virtual address of @p pa, or NULL if @p size is 0, the range
 *         wraps, the window is full or a table page could not be allocated
 * @note Thread context, any time after the arch's early MMU setup (drivers
 *       probe before and after hal_mmu_init()); takes a spinlock with
 *       interrupts masked, never sleeps; not from an interrupt handler (it
 *       may allocate table pages).
 */
void *hal_ioremap(uint64_t pa, size_t size);

/** @name Mapping attributes
 *  The portable permission flags: what vm_map() and vm_protect()
 *  (kernel/vm.h) take and what hal_pte_leaf() (hal/pte.h) encodes. Every
 *  mapping is readable; the rest is opt-in, so the default is R+NX. */
/** @{ */
#define MMU_WRITE (1u << 0)  /**< writable */
#define MMU_EXEC (1u << 1)   /**< executable (never together with MMU_DEVICE) */
#define MMU_DEVICE (1u << 2) /**< device memory: uncached, no speculation, never executable */
#define MMU_LARGE (1u << 3)  /**< map: 2 MiB blocks where VA, PA and size allow */
#define MMU_USER (1u << 4)   /**< reachable from user mode (hal/user.h); the kernel never executes it */
/** Of one address space, never a global TLB entry (MMU_USER implies it):
 *  a user page mapped for the kernel only (PROT_NONE) must go when another
 *  user space is loaded, like every user page. */
#define MMU_LOCAL (1u << 5)
/** @} */

/**
 * @brief Replace the boot translation tables with tables the kernel owns:
 *        the image with W^X, a direct map of all RAM in @p bi, the MMIO window.
 *
 * The arch chooses what to map (its RAM ranges, its window), builds the
 * tables with the portable walker (pt_build_kernel(), kernel/pagetable.h)
 * and loads them (TTBR1_EL1 / CR3) with the TLB maintenance that needs.
 * @param bi the boot information (memory map) the arch filled in
 * @retval 0 the kernel runs on its own tables; vm_kernel_aspace() is them
 * @retval -ENOMEM no page for a table: the kernel keeps running on the boot
 *         tables, and vm_map() on the kernel space fails
 * @note Boot only: called once by kmain() after pmm_init() (table pages come
 *       from pmm_alloc()), on the boot CPU, before other CPUs run. The TLB
 *       flush that follows the switch is local to this CPU.
 */
int hal_mmu_init(const struct boot_info *bi);

/** @} */

#endif
