/**
 * @file kernel/kmalloc_types.h
 * @brief The heap's size classes and per-CPU cache types alone
 *        (kernel/kmalloc.h has its calls): what a CPU's per-CPU data
 *        (kernel/percpu.h) embeds, below the heap's own layer.
 */
#ifndef KERNEL_KMALLOC_TYPES_H
#define KERNEL_KMALLOC_TYPES_H

#include <stdint.h>

#define KMALLOC_MIN_SHIFT 4         /**< smallest size class: 16 bytes */
#define KMALLOC_MAX_SMALL 2048      /**< largest size class; above it, whole pages */
#define KMALLOC_CLASSES 8           /**< 16, 32, ..., 2048 */
#define KMALLOC_MAX_SIZE (1UL << 30) /**< larger requests are refused */

#define KMALLOC_MAG 32 /**< magazine slots per class and CPU (classes above 512 B use 16) */

/** @brief One CPU's free objects of one class (kmalloc.c's, in struct cpu). */
struct kmalloc_mag {
    uint16_t n;                /**< objects held; read by other CPUs for statistics */
    void *obj[KMALLOC_MAG];    /**< a stack: the newest free object last */
};

#define KMALLOC_PAGE_ORDERS 2 /**< large blocks of these orders (4 and 8 KiB) are cached per CPU */
#define KMALLOC_PAGE_CACHE 8  /**< blocks per order and CPU */

/**
 * @brief One CPU's heap cache: a magazine per size class, and a few free
 *        large blocks per small order in front of the page allocator.
 */
struct kmalloc_cpu {
    struct kmalloc_mag mag[KMALLOC_CLASSES]; /**< by class, smallest first */
    uint16_t npages[KMALLOC_PAGE_ORDERS];    /**< blocks held, by order */
    void *pages[KMALLOC_PAGE_ORDERS][KMALLOC_PAGE_CACHE]; /**< free blocks, a stack per order */
    int64_t large_blocks;  /**< large blocks handed out through this cache less those taken back */
    int64_t large_bytes;   /**< the same in bytes */
};

#endif
