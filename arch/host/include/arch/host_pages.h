/**
 * @file host_pages.h
 * @brief A host page backend for kernel/mm/kmalloc.c, plus the klog and
 *        ksym_lookup stubs it needs, for unit tests, fuzzers and benchmarks.
 *
 * Pages: one arena from aligned_alloc(), aligned to the largest buddy block
 * (4 MiB) so that a block aligned in frame numbers is also aligned as a
 * virtual address, managed by a struct buddy (kernel/mm/buddy.c) whose frame
 * numbers are (addr - arena) / PAGE_SIZE + HOST_PAGES_BASE_PFN. Freed pages
 * are filled with junk (HOST_PAGES_JUNK, unless turned off) and, in ASan
 * builds, poisoned (all of a freed block, or in lite mode the start of its
 * first and last page), so the heap or a test touching a freed page is caught.
 *
 * Huge blocks (kmem_huge_*, beyond the largest buddy order; vmalloc in the
 * kernel) come from aligned_alloc(PAGE_SIZE, size rounded up to pages),
 * recorded in a table of HOST_HUGE_MAX entries; the memory behind one is
 * rounded up to a power of two. Freed huge blocks are kept
 * (poisoned under ASan) in a cache of HOST_HUGE_CACHE and reused for the
 * next huge allocation they are big enough for, much as vmalloc reuses
 * addresses, and so that fuzzing is not all page faults on fresh mmap()s.
 * kmem_huge_alloc() returns
 * NULL when the table is full or the total would pass host_huge_set_limit()
 * (default 64 MiB). kmem_huge_size() returns the page-rounded size, as
 * vmalloc_size() does.
 *
 * The arena is created once per process (host_pages_init): the heap keeps
 * pointers into it in static state, so it can never be replaced.
 */
#ifndef TESTS_HOST_HOST_PAGES_H
#define TESTS_HOST_HOST_PAGES_H

#include <kernel/buddy.h>
#include <kernel/log.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_PAGES_BASE_PFN 0x40000ULL /* 1 GiB, like aarch64 virt RAM */
#define HOST_PAGES_JUNK 0x6b
#define HOST_PAGES_LITE_BYTES 256
#define HOST_HUGE_MAX 64
#define HOST_HUGE_CACHE 4
#define HOST_CPUS 2 /* fake CPUs with their own per-CPU data (arch/host/host_irq.c) */

/** @brief Make fake CPU @p index (mod HOST_CPUS) the one cpu_this() returns; the old index. */
unsigned host_cpu_switch(unsigned index);

/**
 * @brief Create the arena of @p bytes (rounded up to 4 MiB) and hand all of
 *        it to the buddy allocator. Once per process; a second call aborts.
 */
void host_pages_init(size_t bytes);
/** @brief Pages free in the buddy allocator now. */
uint64_t host_pages_free(void);
/** @brief Pages the arena holds (all of them free right after init). */
uint64_t host_pages_total(void);
/** @brief The buddy allocator, for invariant checks. */
struct buddy *host_pages_buddy(void);
/** @brief Whether @p p lies inside the arena. */
int host_pages_contains(const void *p);
/** @brief Fill freed pages with HOST_PAGES_JUNK (default on; benchmarks turn it off). */
void host_pages_junk(int on);
/**
 * @brief ASan builds, lite mode (default off): poison only the first
 *        HOST_PAGES_LITE_BYTES of the first and last page of a freed block
 *        (of a cached huge block: its first HOST_PAGES_LITE_BYTES),
 *        which still catches a heap writing a link or a header into a freed
 *        block, at a fraction of the cost. For fuzzing speed.
 */
void host_pages_poison_lite(int on);
/** @brief kmem_pages_free() calls the buddy allocator refused (a heap bug); should stay 0. */
uint64_t host_pages_backend_errors(void);

/** @brief Live huge blocks and their bytes (page-rounded). */
unsigned host_huge_count(void);
size_t host_huge_bytes(void);
/** @brief Refuse huge allocations that would take the total above @p bytes. */
void host_huge_set_limit(size_t bytes);

/**
 * @brief Pages held by the heap's slabs (from kmalloc_stats: slabs per class
 *        times the slab size kmalloc.c's caches_init() picks: one page up to
 *        512 B objects, two for 1 KiB, four for 2 KiB), so a leak check can
 *        allow for the one empty slab per class the heap keeps cached.
 *        test_kmalloc cross-checks this against the PG_SLAB page tags.
 */
uint64_t host_heap_slab_pages(void);
/**
 * @brief True if nothing is allocated from the heap any more and every
 *        page is back: free pages + cached slab pages == total, every class
 *        has inuse 0 and at most one (empty) slab, no large or huge block is
 *        live, and the backend saw no bad free. Prints what is wrong to stderr.
 */
int host_heap_empty(void);

/** @name klog stub */
/** @{ */
/** @brief The last message klog() received ("" if none since the reset). */
const char *host_log_last(void);
/** @brief Messages received at @p level since the last reset. */
unsigned host_log_count(enum log_level level);
/** @brief Forget the last message and zero the counters. */
void host_log_reset(void);
/**
 * @brief Format messages (default on). Off, host_log_last() is the last
 *        format string, unformatted, for speed (fuzzing); HOST_LOG=1 formats anyway.
 */
void host_log_format(int on);
/** @brief Also print every message to stderr (default: only with HOST_LOG=1 in the environment). */
void host_log_echo(int on);
/** @} */

/** @name ksym_lookup stub */
/** @{ */
/**
 * @brief Name the function at @p fn for ksym_lookup(): an address resolves
 *        to the registered function with the highest start at or below it,
 *        if it is less than 64 KiB above it; anything else resolves to NULL.
 */
void host_ksym_add(const char *name, uintptr_t fn);
/** @} */

#endif
