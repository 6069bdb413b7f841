/**
 * @file kernel/pmm_types.h
 * @brief The page allocator's per-CPU cache type alone (kernel/pmm.h has
 *        its calls): what a CPU's per-CPU data (kernel/percpu.h) embeds,
 *        below the allocator's own layer.
 */
#ifndef KERNEL_PMM_TYPES_H
#define KERNEL_PMM_TYPES_H

#include <stdint.h>

#define PMM_PCP_MAX 32   /**< free frames each CPU keeps for pmm_alloc(0) / pmm_free(pa, 0) */
#define PMM_PCP_BATCH 16 /**< frames moved between a CPU's cache and the buddy at a time */

/**
 * @brief One CPU's free frames (in its struct cpu): single frames are
 *        allocated and freed there without the allocator's lock, refilled
 *        and flushed PMM_PCP_BATCH at a time under it. A cached frame's
 *        state is PAGE_CACHED, so freeing it again is reported.
 */
struct pmm_cpu {
    unsigned n;                /**< frames held */
    uint64_t pfn[PMM_PCP_MAX]; /**< their frame numbers, a stack */
};

#endif
