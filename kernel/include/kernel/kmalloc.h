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
 *
 * Each CPU keeps a small stack of free objects per class (a magazine, in its
 * struct cpu): kmalloc() pops from it and kfree() pushes onto it with only
 * interrupts masked, so the common path takes no shared lock and reads no
 * slab header. A magazine that runs empty or full is refilled from or
 * flushed to the slabs in a batch, under the heap's one spinlock. Objects in
 * a magazine count as free (kmalloc_stats()), and double frees are still
 * caught: a freed object carries a cookie, and a kfree() of an object
 * with its cookie looks for it in every CPU's magazines and its slab's
 * bitmap before deciding. An object may be freed on any CPU.
 *
 * Thread- and interrupt-safe (interrupts are masked around the per-CPU and
 * the locked parts, so a handler may allocate, though it should not).
 */
#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <kernel/buddy.h>
#include <kernel/kmalloc_types.h>
#include <stddef.h>
#include <kernel/percpu.h> /* each CPU's slice */
#include <stdint.h>


/** @name struct page flags owned by the heap */
/** @{ */
#define PG_SLAB 0x1   /**< part of a slab (owner = the slab) */
#define PG_LARGE 0x2  /**< head of a large kmalloc block */
#define PG_LARGE_CACHED 0x4 /**< head of a free large block kept in a CPU's page cache */
#define PG_CLASS_SHIFT 8 /**< a slab page's flags hold its size class from this bit */
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

/**
 * @brief Free objects drained from the magazines of every CPU back into their
 *        slabs, so empty slabs can go back to the page allocator (leak
 *        checks, memory pressure). Other CPUs drain through a synchronous
 *        smp_call(), so call it from a thread with interrupts enabled; with
 *        interrupts masked only this CPU's magazines are drained.
 */
void kmalloc_drain(void);



/** @brief One size class, for `mem`. */
struct kmalloc_class_stats {
    size_t size;        /**< object size */
    unsigned slabs;     /**< slabs held */
    uint64_t inuse;     /**< objects allocated */
    uint64_t total;     /**< objects in the slabs held */
    uint64_t cached;    /**< free objects in the CPUs' magazines (part of total, not of inuse) */
};

/** @brief Heap counters. */
struct kmalloc_stats {
    struct kmalloc_class_stats cls[KMALLOC_CLASSES]; /**< per size class, smallest first */
    uint64_t large_blocks;  /**< live page-backed allocations (buddy blocks and vmalloc) */
    uint64_t large_bytes;   /**< their size in whole pages */
    uint64_t large_cached_bytes; /**< free large blocks held in the CPUs' page caches */
    uint64_t errors;        /**< bad frees and detected corruption */
};

/** @brief Fill @p st. */
void kmalloc_stats(struct kmalloc_stats *st);

/** @brief Who allocated the live objects of one size class. */
struct kmalloc_site {
    uintptr_t caller;  /**< the return address of the kmalloc() call */
    uint64_t objects;  /**< how many of its objects are live */
};
/**
 * @brief The allocation sites of the live objects of size class @p size (16,
 *        32, ..., 2048), at most @p max of them, into @p out: how many.
 *        -EINVAL for a size that is no class; -ENOSYS unless the heap is
 *        built with KMALLOC_DEBUG (the -debug presets), which records them.
 *        A tool for finding what holds memory (`mem sites`).
 */
int kmalloc_sites(size_t size, struct kmalloc_site *out, unsigned max);

/** @name Page backend (kernel: pmm + direct map; host tests bring their own) */
/** @{ */
/** @brief 2^@p order contiguous pages, aligned to their size; NULL if none. */
void *kmem_pages_alloc(unsigned order);
/** @brief Give back a kmem_pages_alloc() block. */
void kmem_pages_free(void *p, unsigned order);
/**
 * @brief Where the backend's pages are: the page at address @c start + n *
 *        PAGE_SIZE is frame @c pfn0 + n of @c buddy, which holds its struct
 *        page (kernel: the direct map over the pmm's allocator). Every frame
 *        @c buddy manages must have its address so; an address that maps to
 *        a frame outside @c buddy (vmalloc space, a wild pointer) has no page.
 */
struct kmem_window {
    uintptr_t start;     /**< the address of frame @c pfn0 */
    uint64_t pfn0;       /**< the frame at @c start */
    struct buddy *buddy; /**< the allocator whose struct pages describe the frames */
};
/** @brief The backend's window (defined by the backend). */
extern struct kmem_window kmem_window;

/** @brief The metadata of the page holding @p p, or NULL if it is not backend
 *         memory. Inline: kfree() looks up every pointer's page. */
static inline struct page *kmem_page_of(const void *p)
{
    /* Wraps for p below start: a frame number beyond any buddy's. */
    return buddy_page(kmem_window.buddy, ((uintptr_t)p - kmem_window.start) / PAGE_SIZE + kmem_window.pfn0);
}
/** @brief Large blocks beyond the backend's largest order (kernel: vmalloc). */
void *kmem_huge_alloc(size_t size);
/** @brief Free a kmem_huge_alloc() block; 0, or -EINVAL if @p p is not one. */
int kmem_huge_free(void *p);
/** @brief Size of a kmem_huge_alloc() block, 0 if @p p is not one. */
size_t kmem_huge_size(const void *p);
/** @} */

#endif
