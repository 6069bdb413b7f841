/**
 * @file kernel/block.h
 * @brief The block layer: disks and their partitions, requests with many
 *        in flight, a synchronous and an asynchronous API.
 *
 * A disk driver (virtio-blk) fills a struct blkdev with its geometry and
 * ops and calls blk_register(), which names it (`vda`, `vdb`, ... in the
 * order disks appear), reads its partition table (MBR, or GPT behind a
 * protective MBR) and registers each partition as a block device of its
 * own (`vda1`, ...) whose requests go to the disk, offset. A disk gets at
 * most 128 partitions (PART_MAX, kernel/block/block_internal.h); the
 * table of devices grows as needed, so one disk never crowds out another.
 *
 * Requests are checked before they reach a driver: past the end (or
 * wrapping), or more than max_blocks -> -EINVAL, a write or flush to a
 * read-only device -> -EROFS; nothing is sent. A request to a partition
 * is rewritten in place to the disk (rq->lba becomes the disk's block). A driver takes as many requests as its hardware
 * queue holds; the rest wait in the block layer's queue, in order, and go
 * out as completions free room. A request that the device does not finish
 * within BLK_TIMEOUT_MS fails with -ETIMEDOUT and a message naming the
 * device and sector, and the driver is asked to reset the device.
 *
 * Buffers are any kernel memory (heap, direct map, vmalloc, stacks), any
 * alignment; the driver splits them into physically contiguous pieces.
 * The caller must not touch a buffer until its request completes.
 */
#ifndef KERNEL_BLOCK_H
#define KERNEL_BLOCK_H

#include <kernel/list.h>
#include <kernel/thread_plug.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_NAME_MAX 16        /**< bytes of a device name, NUL included */
#define BLK_TIMEOUT_MS 5000u   /**< a request not finished by then fails */
#define BLK_SYNC_CHUNK (256u * 1024) /**< bytes per request of blk_read()/blk_write() */
#define BLK_MAX_QUEUES 64      /**< hardware queues a disk may declare (nqueues) */

/** @brief What a request does. */
enum blk_op {
    BLK_READ,  /**< device -> buffer */
    BLK_WRITE, /**< buffer -> device */
    BLK_FLUSH, /**< everything written so far reaches stable storage (no buffer) */
};

struct blkdev;

/** @brief One piece of a scattered buffer (blk_request.vec). */
struct blk_vec {
    void *buf;    /**< its first byte, in memory the kernel maps (the direct map, the heap) */
    uint32_t len; /**< its bytes (> 0) */
};

/** @brief One request. The caller owns it until done() runs. */
struct blk_request {
    enum blk_op op;      /**< what to do */
    uint64_t lba;        /**< first block, in the device's block_size units */
    uint32_t count;      /**< blocks (0 for BLK_FLUSH) */
    void *buf;           /**< count * block_size bytes (NULL when @p vec is set) */
    /** Or the buffer in pieces, in order: @p nvec of them, their lengths
     *  adding up to count * block_size (pages of the page cache, read or
     *  written in place). NULL for one buffer. */
    const struct blk_vec *vec;
    unsigned nvec; /**< pieces at @p vec */
    /** Called once when the request ends, in interrupt or thread context:
     *  must not sleep. NULL for none (the sync calls use it themselves). */
    void (*done)(struct blk_request *rq);
    void *priv;          /**< the caller's */
    int status;          /**< set before done(): 0, -EIO, -ETIMEDOUT, -ENODEV */
    /* Block layer and driver bookkeeping. */
    struct blkdev *dev;  /**< the device it was submitted to (the disk, for a partition) */
    struct list_node node; /**< queue link */
    uint64_t deadline_ns;  /**< when it times out */
    uintptr_t driver_data; /**< the driver's word (its slot) */
    int timed_out;         /**< set by the block layer when the deadline passed */
    uint16_t hwq;          /**< the hardware queue it goes on (0..nqueues-1), set by blk_submit() */
};

/** @brief A disk driver's operations. */
struct blkdev_ops {
    /**
     * Hand @p rq (already checked and translated to the disk's blocks) to
     * hardware queue rq->hwq. Return 0 when it is in flight, -EBUSY when
     * that queue is full now (the block layer retries after the next
     * blk_complete() of a request from it), or another error, which fails
     * the request. Called with that queue's lock held, interrupts masked;
     * calls for different queues may run at once on different CPUs.
     */
    int (*submit)(struct blkdev *bd, struct blk_request *rq);
    /** A request timed out: reset the device and fail what it had in
     *  flight (blk_complete() each with -EIO), then take requests again.
     *  Thread context. May be NULL. */
    void (*reset)(struct blkdev *bd);
    /** Requests are in flight and none completed for a while (50-100 ms):
     *  tell the device again that it has work, as if a notification had
     *  been lost, and collect completions whose interrupt was (see
     *  block.c). Thread context. May be NULL. */
    void (*kick)(struct blkdev *bd);
};

/** @brief A block device: a disk or a partition of one. */
struct blkdev {
    char name[BLK_NAME_MAX];  /**< "vda", "vda1" (set by blk_register()) */
    uint64_t nblocks;         /**< capacity in blocks */
    uint32_t block_size;      /**< bytes per block: 512 or a larger power of two */
    int read_only;            /**< writes and flushes are refused with -EROFS */
    unsigned nqueues;         /**< hardware queues, at most BLK_MAX_QUEUES (0 counts as 1) */
    unsigned queue_depth;     /**< requests the hardware takes at once (all queues) */
    int has_flush;            /**< the device has a write cache to flush */
    const struct blkdev_ops *ops; /**< the driver's (NULL for a partition) */
    void *driver_priv;        /**< the driver's */
    struct blkdev *parent;    /**< the disk, for a partition; NULL for a disk */
    uint64_t start;           /**< first block on the parent (partitions) */
    unsigned partno;          /**< partition number, 0 for a disk */
    uint32_t timeout_ms;      /**< a request not done by then fails; 0: BLK_TIMEOUT_MS */
    uint32_t max_blocks;      /**< most blocks one request may carry; 0: no limit */
    void *priv;               /**< the block layer's own state */
};

/**
 * @brief Register a disk: name it with @p prefix and the next letter
 *        ("vd" -> vda, vdb...), scan its partition table, register the
 *        partitions. @p bd lives as long as the kernel.
 * @retval 0 registered (partition table problems are reported, not errors)
 * @retval -EINVAL geometry unusable (0 blocks is allowed: an empty disk;
 *         block size not a power of two >= 512, or no ops)
 * @retval -ENOSPC every name with @p prefix is taken (26 disks)
 * @retval -ENOMEM no memory for the disk's queue or a larger device table
 * @note Thread context; reads the disk (may sleep).
 */
int blk_register(struct blkdev *bd, const char *prefix);

/**
 * @brief Take a disk (and its partitions) out of the table again.
 * @retval 0 gone; the disk's driver may free it
 * @retval -EBUSY requests are queued or in flight
 * @retval -ENOENT @p bd is not registered, or is a partition
 * @note Thread context.
 */
int blk_unregister(struct blkdev *bd);

/** @brief Called by a driver when @p rq finished with @p status. Any context. */
void blk_complete(struct blk_request *rq, int status);

/**
 * @brief Submit @p rq to @p bd (a disk or partition); done() runs later.
 * @retval 0 queued: done() will run exactly once
 * @retval -EINVAL bad request (NULL, count 0 for a read or write, past the
 *         end, NULL buffer): done() is not called
 * @retval -EROFS a write or flush to a read-only device: done() is not called
 * @note Any context.
 */
int blk_submit(struct blkdev *bd, struct blk_request *rq);

/** @brief Read @p count blocks at @p lba into @p buf and wait (split into
 *  requests of at most BLK_SYNC_CHUNK bytes). 0 or a negative errno. Thread context. */
int blk_read(struct blkdev *bd, uint64_t lba, uint32_t count, void *buf);
/** @brief Write @p count blocks at @p lba from @p buf and wait. Thread context. */
int blk_write(struct blkdev *bd, uint64_t lba, uint32_t count, const void *buf);
/** @brief Read or write (@p op) the blocks from @p lba into or from the
 *  @p nvec pieces of @p vec (whose lengths give the count) as one request,
 *  and wait. The driver may split it; the caller keeps it to what one
 *  request should carry (the page cache: PCACHE_RA_MAX pages).
 *  @retval -EINVAL a length 0, a total not a whole number of blocks, or past the end
 *  @note Thread context. */
int blk_rwv(struct blkdev *bd, enum blk_op op, uint64_t lba, const struct blk_vec *vec, unsigned nvec);
/** @brief Copy a request's data between its buffer (or pieces) and the flat
 *  @p data: into the request for @p to_rq, else out of it. For drivers that
 *  move data by copying (a RAM disk). */
void blk_rq_copy(struct blk_request *rq, void *data, int to_rq);
/** @brief Flush the device's write cache and wait (0 at once if it has none). Thread context. */
int blk_flush(struct blkdev *bd);

/**
 * @brief Requests a thread holds back so that neighbours go out as one.
 *
 * Between blk_plug_start() and blk_plug_finish(), blk_submit() from the
 * thread checks each read or write and keeps it (a flush sends what is
 * held first). They go out when the plug is finished or the thread is
 * about to block, sleep, yield or exit (sched_block(), thread_sleep_ns(),
 * thread_yield(), thread_exit(): a thread never waits for a request it
 * holds itself), sorted by disk and block, and those
 * of one direction that follow each other on the disk as one request of up
 * to BLK_MERGE_BYTES (and the disk's max_blocks): a sync of many small files
 * sends a few large writes instead of one per file (docs/performance.md,
 * "Files on ext2", has the counts). Each request's done() still
 * runs once, with the status of the request it went out in: a device says
 * only that a request failed, so an error fails every piece of it.
 * Interrupt handlers' requests are never held. A plug started while one
 * is active does nothing; the outer one sends. Held requests are not yet
 * on their disk's queue, so blk_unregister() does not see them: a disk
 * must not go while a thread holds requests for it.
 */
struct blk_plug {
    struct thread_plug base; /**< first: what thread->plug points at (kernel/sched.h) */
    struct list_node held; /**< requests held, in submission order */
    unsigned n;            /**< how many */
};

#define BLK_MERGE_BYTES (512u * 1024) /**< bytes of a request made of held ones, at most */
#define BLK_MERGE_VECS 256u           /**< pieces of one, at most */

/** @brief Hold this thread's requests in @p plug (on its stack) until blk_plug_finish(). Thread context. */
void blk_plug_start(struct blk_plug *plug);
/** @brief Send what @p plug holds and stop holding (for the plug that is active). Thread context. */
void blk_plug_finish(struct blk_plug *plug);
/** @brief Send what the current thread's plug holds and keep holding (the
 *  scheduler calls it before the thread blocks). Thread context. */
void blk_plug_flush(void);

/**
 * @brief Have @p fn called, in thread context, each time the table of block
 *        devices changed (a disk and its partitions registered, or gone):
 *        how devfs keeps /dev's nodes in step (kernel/vfs.h, dev_blk_sync())
 *        without the block layer, which sits below the file systems, naming
 *        it. NULL: nobody. One watcher.
 */
void blk_set_change_hook(void (*fn)(void));

/** @brief The block device called @p name, or NULL. */
struct blkdev *blk_find(const char *name);
/** @brief Number of block devices (disks and partitions). */
unsigned blk_count(void);
/** @brief The @p i-th block device in registration order, NULL past the end. */
struct blkdev *blk_at(unsigned i);

#endif
