/**
 * @file kernel/kmalloc.h
 * @brief The kernel heap: size-class slab caches for small objects, buddy
 *        pages for large ones, vmalloc beyond the largest buddy block.
 *
 * Small requests (up to KMALLOC_MAX_SMALL bytes) are served from caches of
 * power-of-two objects, 16 B to 2 KiB, each object aligned to its size. The
 * fast paths are O(1): a cache keeps slabs with free objects on a list and a
 * slab keeps its free objects on a list. Every slab has an allocation bitmap,
 * so a double free or a pointer into the middle of an object is caught in
 * every build. With KMALLOC_DEBUG (the -debug presets) each object also gets
 * a red zone after the caller's bytes and records its allocation site, so a
 * write past the end is reported at kfree() with who allocated the object.
 *
 * Thread- and interrupt-safe: one spinlock guards the heap (interrupts are
 * masked while it is held, so a handler may allocate, though it should not).
 */
#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <kernel/buddy.h>
#include <stddef.h>
#include <stdint.h>

#define KMALLOC_MIN_SHIFT 4         /**< smallest size class: 16 bytes */
#define KMALLOC_MAX_SMALL 2048      /**< largest size class; above it, whole pages */
#define KMALLOC_CLASSES 8           /**< 16, 32, ..., 2048 */
#define KMALLOC_MAX_SIZE (1UL << 30) /**< larger requests are refused */

/** @name struct page flags owned by the heap */
/** @{ */
#define PG_SLAB 0x1   /**< part of a slab (owner = the slab) */
#define PG_LARGE 0x2  /**< head of a large kmalloc block */
/** @} */

/** @brief Allocate @p size bytes (16-byte aligned at least); NULL for 0, absurd sizes or no memory. */
void *kmalloc(size_t size);
/** @brief kmalloc() and zero. */
void *kzalloc(size_t size);
/**
 * @brief Allocate @p size bytes aligned to @p align (a power of two, at most
 *        2^BUDDY_MAX_ORDER pages); NULL if @p align is not a power of two.
 */
void *kmalloc_aligned(size_t size, size_t align);
/**
 * @brief Resize: kmalloc() for NULL, kfree() for size 0 (returns NULL); on
 *        failure the old block is untouched and NULL is returned.
 */
void *krealloc(void *p, size_t size);
/** @brief Free; NULL is fine; a pointer kmalloc did not return is logged and ignored. */
void kfree(void *p);
/** @brief Bytes usable at @p p (at least what was asked for), 0 if not a heap pointer. */
size_t kmalloc_usable_size(const void *p);

/** @brief One size class, for `mem`. */
struct kmalloc_class_stats {
    size_t size;        /**< object size */
    unsigned slabs;     /**< slabs held */
    uint64_t inuse;     /**< objects allocated */
    uint64_t total;     /**< objects in the slabs held */
};

/** @brief Heap counters. */
struct kmalloc_stats {
    struct kmalloc_class_stats cls[KMALLOC_CLASSES]; /**< per size class, smallest first */
    uint64_t large_blocks;  /**< live page-backed allocations (buddy blocks and vmalloc) */
    uint64_t large_bytes;   /**< their size in whole pages */
    uint64_t errors;        /**< bad frees and detected corruption */
};

/** @brief Fill @p st. */
void kmalloc_stats(struct kmalloc_stats *st);

/** @name Page backend (kernel: pmm + direct map; host tests bring their own) */
/** @{ */
/** @brief 2^@p order contiguous pages, aligned to their size; NULL if none. */
void *kmem_pages_alloc(unsigned order);
/** @brief Give back a kmem_pages_alloc() block. */
void kmem_pages_free(void *p, unsigned order);
/** @brief The metadata of the page holding @p p, or NULL if it is not backend memory. */
struct page *kmem_page_of(const void *p);
/** @brief Large blocks beyond the backend's largest order (kernel: vmalloc). */
void *kmem_huge_alloc(size_t size);
/** @brief Free a kmem_huge_alloc() block; 0, or -EINVAL if @p p is not one. */
int kmem_huge_free(void *p);
/** @brief Size of a kmem_huge_alloc() block, 0 if @p p is not one. */
size_t kmem_huge_size(const void *p);
/** @} */

#endif
