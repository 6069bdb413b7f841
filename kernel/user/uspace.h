/**
 * @file uspace.h
 * @brief A user address space: its page tables (the portable walker over
 *        a root of its own, hal_uspace_init()) and the regions mapped in it,
 *        whose pages it owns. Private to kernel/user/.
 */
#ifndef KERNEL_USER_USPACE_H
#define KERNEL_USER_USPACE_H

#include <kernel/avltree.h>
#include <kernel/list.h>
#include <kernel/pagetable.h>
#include <kernel/user.h>
#include <kernel/wait.h>
#include <stddef.h>
#include <stdint.h>

struct shm_seg;

/** @brief A region's rights beyond MMU_*: nothing at all (PROT_NONE). Its
 *  pages, if it had any, stay, mapped for the kernel only. */
#define UPROT_NONE (1u << 31)

/** @brief At most this many regions in a space (Linux's default vm.max_map_count): past it
 *  a map, or a cut that would make another region, is -ENOMEM. */
#define USPACE_MAX_REGIONS 65530

/** @brief A stack region (uregion.growsdown) grows down to no closer than this to the region
 *  below it (Linux's stack_guard_gap, 256 pages), unless that one is PROT_NONE. */
#define USPACE_STACK_GUARD (256ul * PAGE_SIZE)

/** @brief One mapped range [start, end), page-aligned, with MMU_* rights or UPROT_NONE. */
struct uregion {
    struct avl_node node; /**< in its space's tree, by address */
    uintptr_t start;      /**< its first byte */
    uintptr_t end;        /**< past its last byte */
    uintptr_t lo;         /**< the lowest start in its subtree */
    uintptr_t hi;         /**< the highest end in its subtree */
    uintptr_t gap;        /**< the largest free range between two regions of its subtree */
    unsigned prot;        /**< MMU_WRITE, MMU_EXEC, or UPROT_NONE */
    unsigned shared : 1;  /**< MAP_SHARED: the file's own frames, written through (file_ops.mkwrite) */
    unsigned locked : 1;  /**< mlock()ed: its pages were made present and stay so */
    unsigned growsdown : 1; /**< a stack: a fault below it extends it (uspace_fault(), USPACE_STACK_GUARD) */
    unsigned dontfork : 1;  /**< madvise(MADV_DONTFORK): fork's child does not have it */
    unsigned wipeonfork : 1; /**< madvise(MADV_WIPEONFORK): fork's child has it zeroed */
    struct file *file;    /**< a file mapping's file (a reference), NULL: zeroed pages */
    uint64_t off;         /**< the file offset of start */
    struct uspace *us;    /**< the space it is in */
    struct list_node link; /**< a file mapping's, on its inode's maps (under the inode's maps_lock) */
    struct shm_seg *shm;   /**< a System V segment's attachment (shmat): its file's, counted in its shm_nattch */
};

struct uspace {
    struct vm_aspace as;
    struct avl_tree regions; /**< its regions by address, each subtree's span and largest gap kept */
    unsigned nregions;     /**< how many */
    size_t mapped;         /**< bytes its regions cover (RLIMIT_AS) */
    size_t locked;         /**< bytes its locked regions cover (VmLck, RLIMIT_MEMLOCK) */
    int lock_future;       /**< mlockall(MCL_FUTURE): new regions are locked (uspace_lock_range()'s @p lock) */
    uint64_t pages;        /**< frames it owns (atomic: a truncate takes some, uspace_cut()) */
    struct mutex lock;     /**< the regions and the pages in them (uspace_lock()) */
    int sharers;           /**< other processes using it too (clone(CLONE_VM) without a thread, vfork): atomic */
    uintptr_t mmap_top;    /**< where mmap() without an address looks first, top-down (exec_load() sets it) */
};

/** @brief The first region of @p us that ends past @p va: the one holding it, or the next; NULL if none. */
struct uregion *uspace_region_from(struct uspace *us, uintptr_t va);
/** @brief The region after @p r, by address, or NULL. */
static inline struct uregion *uregion_next(const struct uregion *r)
{
    struct avl_node *n = avl_next(&r->node);
    return n ? container_of(n, struct uregion, node) : NULL;
}

/**
 * @brief The space's lock, for its threads: held around a change of its
 *        regions (mmap, munmap, mprotect, brk, fork's copy) so another thread's
 *        change or page fault never sees one half done. uspace_fault() takes
 *        it itself; every other call here expects the caller to hold it
 *        (a space nobody else can see yet, as execve's new one, needs none).
 */
void uspace_lock(struct uspace *us);
/** @brief Release what uspace_lock() took. */
void uspace_unlock(struct uspace *us);

/** @brief A new, empty user address space; NULL if out of memory. */
struct uspace *uspace_create(void);
/** @brief A copy of @p src sharing its pages copy-on-write (fork); NULL if out of memory. */
struct uspace *uspace_clone(struct uspace *src);
/** @brief Unmap everything, return every frame and table, free @p us. No thread may use it any
 *         more (a CPU that lent it to a kernel thread drops it first: pt_destroy()). */
void uspace_destroy(struct uspace *us);
/** @brief A process is done with @p us (its end, execve): uspace_destroy() unless another still uses it. */
static inline void uspace_leave(struct uspace *us)
{
    if (__atomic_fetch_sub(&us->sharers, 1, __ATOMIC_ACQ_REL) <= 0)
        uspace_destroy(us); /* the last one out */
}
/**
 * @brief A region of zeroed pages at [va, va + len) with MMU_* @p prot
 *        (MMU_USER is added), each page allocated when first touched;
 *        -EINVAL (outside user space, unaligned, W and X), -EEXIST
 *        (overlaps a region), -ENOMEM.
 */
int uspace_map_anon(struct uspace *us, uintptr_t va, size_t len, unsigned prot);
/** @brief uspace_map_anon() of a stack: a writable region that grows down on a fault below
 *  it, up to RLIMIT_STACK bytes (and RLIMIT_AS), no closer than USPACE_STACK_GUARD to the
 *  accessible region below it. */
int uspace_map_stack(struct uspace *us, uintptr_t va, size_t len);
/**
 * @brief A private mapping of @p file from offset @p off (page-aligned) at
 *        [va, va + len): each page is read from the file when first touched,
 *        the bytes past its end zero; writes stay the process's own (and its
 *        children's, copy-on-write). A page wholly past the file's end is
 *        SIGBUS when touched (uspace_fault() returns -EIO). Errors as
 *        uspace_map_anon(); the region holds a reference to @p file.
 */
int uspace_map_file(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                    uint64_t off);
/**
 * @brief A shared mapping (MAP_SHARED) of @p file from offset @p off: its
 *        pages are the file's own frames (file_ops.page), written through
 *        after file_ops.mkwrite; fork keeps them shared.
 * @retval -EINVAL, -EEXIST, -ENOMEM as uspace_map_file()
 */
int uspace_map_shared(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                      uint64_t off);
/**
 * @brief A System V segment attached by shmat() (sysv_shm.c): a shared
 *        mapping of its file @p file from offset 0, each region of which
 *        (split by munmap or mprotect, copied by fork) counts as one
 *        attachment of @p seg (shm_region_opened(), shm_region_closed()).
 * @retval -EINVAL, -EEXIST, -ENOMEM as uspace_map_file()
 */
int uspace_map_shm(struct uspace *us, uintptr_t va, size_t len, unsigned prot, struct file *file,
                   struct shm_seg *seg);
/** @brief Write @p n bytes at user address @p va of @p us (inside its regions, whatever their rights,
 *  but a shared mapping's only where the program may write: that writes the file), through the direct map. */
int uspace_write(struct uspace *us, uintptr_t va, const void *src, size_t n);
/**
 * @brief The kernel's address of the aligned 32-bit word at user address
 *        @p va, in a page the program may write, made present and its own
 *        (copy-on-write broken) so an atomic read-modify-write there is one
 *        the program sees (futex). Its frame is held (*@p frame) till
 *        uspace_word_done(): a truncate may take the page meanwhile.
 * @retval 0 *@p word and *@p frame set
 * @retval -EFAULT unaligned, or no writable region there
 * @retval -ENOMEM no frame for it
 */
int uspace_word(struct uspace *us, uintptr_t va, uint32_t **word, uint64_t *frame);
/** @brief Let go of the frame uspace_word() held. */
void uspace_word_done(uint64_t frame);
/**
 * @brief Where the word at @p va lives if it is in a shared file mapping
 *        (MAP_SHARED, shared anonymous memory too): its file's inode in
 *        *@p obj and its offset in the file in *@p off, the same in every
 *        process that maps it (a process-shared futex's key).
 * @return 1 if so, 0 if @p va is private memory or no mapping at all
 */
int uspace_shared_key(struct uspace *us, uintptr_t va, const void **obj, uint64_t *off);
/** @brief Make code the kernel wrote at [va, va + len) of @p us fetchable (hal_icache_sync() on each page). */
void uspace_sync_icache(struct uspace *us, uintptr_t va, size_t len);
/** @brief Unmap [va, va + len) and free its frames; regions are cut as needed. */
int uspace_unmap(struct uspace *us, uintptr_t va, size_t len);
/**
 * @brief Resolve a fault at @p va with UFAULT_* @p access: map a first
 *        touched page, or copy (or make writable) a copy-on-write one.
 * A fault below a stack region (uspace_map_stack()) extends it first, if it may grow there.
 * @retval 0 resolved: a page mapped, copied or made writable
 * @retval 1 nothing to do: the tables allow it already (a stale TLB entry)
 * @retval -EFAULT no region allows it (the caller signals SIGSEGV)
 * @retval -ENOMEM no frame for it
 * @retval -EIO a file mapping's page past the file's end, or the file could
 *         not be read (the caller signals SIGBUS)
 */
int uspace_fault(struct uspace *us, uintptr_t va, unsigned access);
/**
 * @brief Make every page of [va, va + len) present for UFAULT_* @p access,
 *        as the program's own accesses would (uspace_fault() on each page
 *        not mapped so already), under one taking of the lock: what the
 *        copy routines do before they copy. -EFAULT if a page may not be
 *        accessed so (or no frame was left for it).
 */
int uspace_prefault(struct uspace *us, uintptr_t va, size_t len, unsigned access);
/** @brief mprotect(): MMU_* @p prot for [va, va + len), all of it mapped; -EINVAL, -EACCES (W and X, or
 *  writable over a shared mapping of a file not open for writing), -ENOMEM (a hole, or no memory). */
int uspace_protect(struct uspace *us, uintptr_t va, size_t len, unsigned prot);
/** @brief Nonzero if a region covers a byte of [va, va + len) (lock held). */
int uspace_overlaps(struct uspace *us, uintptr_t va, size_t len);
/** @brief Bytes of [@p va, va + @p len) that regions of @p us cover (RLIMIT_AS counts them). Lock held. */
size_t uspace_mapped(struct uspace *us, uintptr_t va, size_t len);
/** @brief The highest free, page-aligned range of @p len bytes ending at or below @p below; its start, or 0. */
uintptr_t uspace_find_free(struct uspace *us, size_t len, uintptr_t below);
/**
 * @brief mlock()/munlock(): [va, va + len), all of it mapped, locked or
 *        not: @p lock 0 unlocks; 1 locks and makes the pages present, as
 *        the program's own accesses would (a write to a writable private
 *        one); 2 locks, the pages coming when touched (MLOCK_ONFAULT).
 *        -ENOMEM: a hole, too many regions, or no memory for the pages.
 */
int uspace_lock_range(struct uspace *us, uintptr_t va, size_t len, int lock);
/** @brief mlockall()/munlockall(): every region locked (@p lock) or not, as uspace_lock_range(). */
int uspace_lock_all(struct uspace *us, int lock);
/** @brief uspace_remap()'s flags, Linux's MREMAP_* values. */
#define UREMAP_MAYMOVE 1u
#define UREMAP_FIXED 2u     /**< at *to, whatever was there unmapped */
#define UREMAP_DONTUNMAP 4u /**< the old range stays mapped, its pages gone (zero, or the file's, again) */
/**
 * @brief mremap() after its arguments were checked (page-aligned, @p new_len
 *        nonzero, the flags' combinations): [va, va + old_len) shrunk, grown in
 *        place where the space after it is free, or (UREMAP_MAYMOVE) its pages
 *        moved, not copied, to a free range (*@p to with UREMAP_FIXED) of
 *        @p new_len bytes, in a region like its own. @p as_limit: RLIMIT_AS. Without
 *        UREMAP_FIXED, *@p to is the highest end a moved range may have (mmap's).
 * @retval 0 done, *@p to its new address
 * @retval -EFAULT the range is not in one region
 * @retval -EINVAL @p old_len 0 (a second mapping of the same pages) over a private mapping
 * @retval -ENOMEM no room in place (without UREMAP_MAYMOVE) or anywhere, or past @p as_limit
 */
int uspace_remap(struct uspace *us, uintptr_t va, size_t old_len, size_t new_len, unsigned flags, uintptr_t *to,
                 uint64_t as_limit);
/** @brief What uspace_advise() does over its range (madvise()). */
enum uspace_advice {
    UADV_CHECK,          /**< nothing (a hint with no effect here): the range checked */
    UADV_DISCARD,        /**< the pages dropped (MADV_DONTNEED): private anonymous ones read zero again,
                              a file's are read again; -EINVAL over a locked region */
    UADV_DISCARD_LOCKED, /**< the same, locked regions too (MADV_DONTNEED_LOCKED) */
    UADV_FREE,           /**< UADV_DISCARD of private anonymous memory alone, -EINVAL elsewhere (MADV_FREE) */
    UADV_DONTFORK,       /**< uregion.dontfork set */
    UADV_DOFORK,         /**< and cleared */
    UADV_WIPEONFORK,     /**< uregion.wipeonfork set: private anonymous memory alone, -EINVAL elsewhere */
    UADV_KEEPONFORK,     /**< and cleared */
};
/**
 * @brief madvise()'s effect @p how on [va, va + len) (page-aligned): each
 *        region in it, as far as it is in it (split where the advice is
 *        kept in the region), as Linux: a region it may not apply to is
 *        -EINVAL at once, a hole is -ENOMEM after the rest is done.
 */
int uspace_advise(struct uspace *us, uintptr_t va, size_t len, enum uspace_advice how);
/**
 * @brief The regions of @p us as Linux's /proc/PID/maps lists them, into
 *        @p buf (whole lines, as many as fit): "start-end rwxp offset
 *        major:minor inode", then the file's path, "[stack]" for the stack,
 *        "[heap]" for what holds [@p brk_start, @p brk). Its length. Takes the lock.
 */
size_t uspace_maps_text(struct uspace *us, char *buf, size_t size, uintptr_t brk_start, uintptr_t brk);
/** @brief Bytes of [@p va, va + @p len) that locked regions of @p us cover. Lock held. */
size_t uspace_locked(struct uspace *us, uintptr_t va, size_t len);

#endif
