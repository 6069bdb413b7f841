/**
 * @file kernel/pcache.h
 * @brief The page cache: a file's (or a block device's) pages in memory,
 *        indexed by their offset, read on demand with read-ahead, written
 *        back when dirty (kernel/fs/pcache.c).
 *
 * One `struct pcache` per cached object: an ext2 regular file (its data),
 * or a mounted block device (the file system's metadata: superblock,
 * bitmaps, inode tables, indirect blocks, directories). Its owner gives it
 * two operations, to read a run of pages and to write a run of dirty ones;
 * the cache does the rest: a radix tree of 64-slot nodes maps a page index
 * to its frame, read() and the page-fault path share those frames (a frame
 * is a file page, kernel/file_page.h, so a private mapping of the file holds
 * one more reference to the very frame read() copies from), sequential
 * reads grow a read-ahead window, dirty pages go back to the disk from a
 * flusher thread (older than PCACHE_FLUSH_AGE_MS, or when too many are
 * dirty), on pcache_writeback() (fsync, sync, unmount), or from the writer
 * itself past the dirty limit. When the frame allocator runs dry, clean
 * pages that nobody maps are evicted (a second-chance clock) before
 * pmm_alloc() gives up.
 *
 * Dirty state is kept per unit of a page (the file system's block size, 512
 * bytes to a page), so a block device's cache writes back only the blocks
 * that changed: a 4 KiB page of a 1 KiB-block file system can hold an inode
 * table block next to a block that was freed and now holds a file's data,
 * written by another path, which a whole-page write-back would overwrite.
 *
 * Locking: each cache has one mutex, held while its tree changes and across
 * its owner's read and write operations (so one object's I/O is serial, and
 * a page is never read twice). A caller gets a page with a reference and
 * uses it without the lock. Thread context only.
 */
#ifndef KERNEL_PCACHE_H
#define KERNEL_PCACHE_H

#include <kernel/list.h>
#include <kernel/wait.h>
#include <stddef.h>
#include <stdint.h>

#define PCACHE_RA_MAX 128         /**< pages read ahead at most at once (512 KiB) */
#define PCACHE_FLUSH_AGE_MS 5000  /**< a page dirty this long is written back by the flusher */

struct pcache;

/** @brief Asynchronous reads in flight for the cache (read_async): the
 *  owner counts each request with pcache_io_start() before it goes out
 *  and ends it with pcache_io_end() when it completes (any context). */
struct pcache_io {
    int pending;             /**< requests not yet ended, and the cache's own hold */
    int err;                 /**< the first error */
    struct semaphore done;   /**< up once when the last ends */
    void *owner;             /**< one kmalloc'd block of the owner's, freed after the last */
};

/** @brief One more request of @p io about to go out. */
void pcache_io_start(struct pcache_io *io);
/** @brief A request of @p io ended with @p err (0 or negative). Any context. */
void pcache_io_end(struct pcache_io *io, int err);

/** @brief What the cache's owner does for it (both called with the cache's lock held).
 *
 * Neither should allocate memory: while the cache's lock is held, the
 * reclaimer cannot evict this cache's pages, so an allocation there can
 * fail for want of memory the cache itself holds. A buffer the owner needs
 * (to join pages into one request) is the cache's to allocate, @c scratch
 * bytes of it, before it takes its lock; it may be NULL all the same. */
struct pcache_ops {
    /** Fill @p n pages from @p index (frames at @p pages, kernel addresses,
     *  not zeroed): 0, or -EIO / -EUCLEAN / -ENOMEM. */
    int (*read)(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], void *scratch);
    /** As read, but only start the reads and return, counting them in @p io
     *  (its owner field for what must live until they end). Pages lie wholly
     *  inside the object. 0, or an error with nothing in flight. NULL: no
     *  read-ahead in the background (the next window is read when reached). */
    int (*read_async)(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], struct pcache_io *io);
    /** Write the dirty units (bit u of @p masks[i]: bytes u << unit_shift of
     *  page i) of @p n pages from @p index: 0 or -EIO. NULL: never dirty. */
    int (*write)(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                 void *scratch);
    /** As write, but only start the writes and return, counting them in
     *  @p io as read_async does (pcache_writeback_start()). 0, or an error
     *  with nothing in flight (the cache then calls write). NULL: never
     *  in the background. */
    int (*write_async)(struct pcache *pc, uint64_t index, unsigned n, void *const pages[], const uint8_t masks[],
                       struct pcache_io *io);
    size_t scratch; /**< bytes of the scratch buffer read and write are given (0: none, NULL) */
};

/** @brief One cached object. */
struct pcache {
    const struct pcache_ops *ops; /**< its owner's */
    void *priv;                   /**< its owner's */
    struct mutex lock;            /**< the tree, the counts, the owner's I/O */
    void *root;                   /**< radix tree of 64-slot nodes */
    unsigned height;              /**< levels: indices below 64^height fit */
    unsigned unit_shift;          /**< log2 of a dirty unit's bytes (9..PAGE_SHIFT) */
    uint64_t pages;               /**< pages cached */
    uint64_t dirty;               /**< of which dirty */
    uint64_t mapped;              /**< of which mapped writable by a shared mapping (written back each pass) */
    uint64_t dirtied_ns;          /**< when the oldest dirty page became dirty */
    uint64_t ra_next;             /**< the page a sequential reader reads next */
    unsigned ra_win;              /**< its read-ahead window, pages */
    uint64_t ra_end;              /**< the page after the last window read */
    struct pcache_ra *ra;         /**< the next window, being read in the background, or NULL */
    struct pcache_wb *wb;         /**< write-backs started in the background and not yet waited for */
    unsigned wb_runs;             /**< how many (a chain that long is waited for before the next) */
    uint64_t gen;                 /**< counts changes to the data (a write, a truncate): a window read
                                       in the background across one is dropped, not inserted */
    int err;                      /**< a write-back error not yet reported (fsync) */
    struct list_node node;        /**< every cache (the flusher's and the reclaimer's list) */
    unsigned pins;                /**< flush passes and reclaimers at work on it (the list's lock) */
};

/** @brief Counters for `mem` and the tests. */
struct pcache_stats {
    uint64_t pages;     /**< pages cached, every cache */
    uint64_t dirty;     /**< of which dirty */
    uint64_t reads;     /**< owner read calls */
    uint64_t read_pages;/**< pages they filled */
    uint64_t hits;      /**< lookups that found the page */
    uint64_t written;   /**< pages written back */
    uint64_t evicted;   /**< clean pages evicted for memory */
    int flusher_idle;   /**< the flusher sleeps with no timer (nothing dirty or mapped writable) */
};

/**
 * @brief Start an empty cache for @p ops with dirty units of 2^@p unit_shift
 *        bytes; it joins the list the flusher and the reclaimer walk.
 */
void pcache_init(struct pcache *pc, const struct pcache_ops *ops, void *priv, unsigned unit_shift);

/**
 * @brief Write back every dirty page, then forget every page (a reference
 *        a mapping holds keeps its frame alive, outside the cache), and
 *        leave the lists. The cache is empty and may be freed.
 * @return 0, or the first write error (the pages are dropped all the same)
 */
int pcache_destroy(struct pcache *pc);

/**
 * @brief Page @p index with a reference for the caller (file_page_put()),
 *        read if absent, with read-ahead on a sequential pattern (never
 *        past page @p limit, the first page past the object's end).
 * @retval 0 *@p pa is the frame
 * @retval -ENOMEM, or the owner's read error
 */
int pcache_get(struct pcache *pc, uint64_t index, uint64_t limit, uint64_t *pa);

/**
 * @brief As pcache_get(), and the pages after it that are there already,
 *        up to @p max in all (and below @p limit): each with a reference,
 *        under one taking of the lock (a read() of many cached pages).
 * @return how many frames are in @p pa (>= 1), or pcache_get()'s error
 */
int pcache_get_run(struct pcache *pc, uint64_t index, unsigned max, uint64_t limit, uint64_t pa[]);

/**
 * @brief Of the @p n pages from @p index (below @p limit), those cached now,
 *        each with a reference for the caller in @p pa[i] (0 for the
 *        others), without waiting: no read, and nothing at all if another
 *        holds the cache's lock. For a page fault mapping the neighbours of
 *        the page it faulted on. No read-ahead bookkeeping.
 * @return how many frames it gave
 */
unsigned pcache_get_cached(struct pcache *pc, uint64_t index, unsigned n, uint64_t limit, uint64_t pa[]);

/** @brief pcache_get_write()'s @p fill for a page taken without zeroing it. */
#define PCACHE_RAW 2

/**
 * @brief As pcache_get() for a write: with @p fill 0, an absent page is
 *        not read but zeroed (the caller writes all of it, or it lies past
 *        the end); with PCACHE_RAW, not even zeroed, for a page the caller
 *        writes whole before anything else can see it (a page wholly past
 *        the end of a file, whose size moves only after the copy). No
 *        read-ahead.
 */
int pcache_get_write(struct pcache *pc, uint64_t index, int fill, uint64_t *pa);

/** @brief The caller wrote bytes [@p from, @p to) of page @p index (which it holds): mark their units dirty. */
void pcache_dirty(struct pcache *pc, uint64_t index, size_t from, size_t to);

/**
 * @brief Page @p index (cached, held by the caller) is mapped writable by a
 *        shared mapping: programs change it without a call, so it counts
 *        as dirty now and at every later write-back, and is not evicted
 *        unwritten, for as long as anyone maps it.
 */
void pcache_mapped_write(struct pcache *pc, uint64_t index);

/** @brief Drop page @p index if it is cached and clean (a write that read nothing into it failed). */
void pcache_discard(struct pcache *pc, uint64_t index);

/**
 * @brief Read (@p write 0) or write @p n bytes at byte @p off through the
 *        cache, under its lock once: for a block device's metadata, in
 *        kernel memory. A write marks the units it touches dirty.
 * @return 0, -ENOMEM, or the owner's read error
 */
int pcache_rw(struct pcache *pc, uint64_t off, void *buf, size_t n, int write);

/**
 * @brief Bytes [@p off, @p off + @p n) in place, if they lie in one page:
 *        read if absent; *@p pa is the frame, held for the caller
 *        (file_page_put() when done). NULL if they cross a page or cannot
 *        be read (then read them with pcache_rw()). For reading only.
 */
const void *pcache_map(struct pcache *pc, uint64_t off, size_t n, uint64_t *pa);

/** @brief Forget that the units wholly inside bytes [@p off, @p off + @p n) are dirty. */
void pcache_forget(struct pcache *pc, uint64_t off, uint64_t n);

/**
 * @brief Drop every page from @p index on (dirty or not: truncation).
 *        Mapped frames live on in their mappings.
 */
void pcache_truncate(struct pcache *pc, uint64_t index);

/**
 * @brief Write back every dirty page of @p pc, in index order, runs of
 *        consecutive pages at a time.
 * @return 0, or the first error since the last call that returned one
 *         (the pages that failed are clean: their data is lost, as on Linux)
 */
int pcache_writeback(struct pcache *pc);

/**
 * @brief Start writing back every dirty page of @p pc without waiting for
 *        the disk (the owner's write_async; without it, or short of
 *        memory, a run is written and waited for as pcache_writeback()
 *        does). For a caller with many objects to write (sync): it starts
 *        each, then waits for each with pcache_writeback_wait(), and the
 *        disk gets all their requests at once instead of one at a time.
 *
 * Until the writes end, their pages stay in the cache (the reclaimer
 * passes the cache by), and whatever could race with them waits for them
 * first: any other write-back of the cache (so two writes of a page never
 * overlap), a truncation or a discard (so no block is freed, and handed to
 * another file, while a write to it is in flight).
 */
void pcache_writeback_start(struct pcache *pc);

/**
 * @brief Wait for the writes pcache_writeback_start() started.
 * @return as pcache_writeback()
 */
int pcache_writeback_wait(struct pcache *pc);

/**
 * @brief A writer calls this after dirtying pages of @p pc: past the dirty
 *        limit (a quarter of RAM) it writes @p pc back itself, then the
 *        others' down to an eighth if still past it (the flusher starts on
 *        every cache past an eighth, each second).
 */
void pcache_balance(struct pcache *pc);

/** @brief Evict up to @p want clean, unmapped pages (the reclaimer pmm_alloc() calls); pages freed. */
size_t pcache_reclaim(size_t want);

/** @brief The counters. */
void pcache_stats(struct pcache_stats *st);

#endif
