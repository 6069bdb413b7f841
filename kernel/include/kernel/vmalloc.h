/**
 * @file kernel/vmalloc.h
 * @brief Virtually contiguous kernel memory and kernel stacks, each area
 *        fenced by unmapped guard pages.
 *
 * Areas live in [ARCH_VMALLOC_BASE, + ARCH_VMALLOC_SIZE). Each is backed by
 * single pages from the physical allocator and has at least one unmapped
 * page below and above it, so running off either end faults at once.
 */
#ifndef KERNEL_VMALLOC_H
#define KERNEL_VMALLOC_H

#include <stddef.h>
#include <stdint.h>

/** Kernel stack size: 16 KiB, and every stack starts 32 KiB-aligned so an
 *  overflow flips bit KSTACK_SHIFT of SP (the aarch64 vector entry checks it). */
#define KSTACK_SHIFT 14
#define KSTACK_SIZE (1UL << KSTACK_SHIFT) /**< bytes of a kernel stack (16 KiB) */
/** Alignment of every kernel stack's base, static ones too (thread_create_static()). */
#define KSTACK_ALIGN (2 * KSTACK_SIZE)

/** @brief Counters for `mem`. */
struct vmalloc_stats {
    unsigned areas;          /**< live areas (stacks included) */
    uint64_t mapped_bytes;   /**< bytes backed by pages */
    uint64_t reserved_bytes; /**< virtual bytes taken, guards included */
};

/**
 * @brief @p size bytes of zeroed, writable, non-executable memory.
 * @return the start (page-aligned), or NULL if @p size is 0, absurd, or
 *         memory or address space ran out (logged)
 */
void *vmalloc(size_t size);

/** @brief Free a vmalloc() or kstack_alloc() area; anything else is logged and ignored. */
void vfree(void *p);

/** @brief vfree() that reports instead of logging: 0, or -EINVAL if @p p starts no area. */
int vmalloc_free(void *p);

/** @brief Mapped size of the area starting at @p p, 0 if none does. */
size_t vmalloc_size(const void *p);

/**
 * @brief A kernel stack of KSTACK_SIZE bytes with an unmapped guard region
 *        of the same size below it.
 * @return the stack's lowest address (the initial SP is that + KSTACK_SIZE), or NULL
 */
void *kstack_alloc(void);

/**
 * @brief If @p addr lies in the guard region of a live area, describe it.
 * @param addr the address to look up (a fault address)
 * @param base set to the start of the area's mapped range
 * @param size set to the size of the area's mapped range
 * @return 1 for a stack's guard, 2 for another area's guard, 0 if @p addr is no guard
 */
int vmalloc_guard_of(uintptr_t addr, uintptr_t *base, size_t *size);

/**
 * @brief For fault handlers: if @p addr is in a guard region, print a line
 *        saying whose. @return what vmalloc_guard_of() returns
 */
int vmalloc_report_fault(uintptr_t addr);

/** @brief Fill @p st. */
void vmalloc_stats(struct vmalloc_stats *st);

#endif
