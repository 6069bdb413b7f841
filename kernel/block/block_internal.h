/**
 * @file kernel/block/block_internal.h
 * @brief What the block layer's files share: request checks, partitions.
 */
#ifndef KERNEL_BLOCK_INTERNAL_H
#define KERNEL_BLOCK_INTERNAL_H

#include <kernel/block.h>
#include <stdint.h>

/**
 * @brief Whether a request may go to @p bd: 0, -EINVAL (bad op, count 0,
 *        NULL buffer, past the end, over max_blocks) or -EROFS.
 */
int blk_check(const struct blkdev *bd, enum blk_op op, uint64_t lba, uint32_t count,
              const void *buf);

/** @brief Register partition @p partno of @p disk: @p nblocks from block @p start. */
int blk_add_partition(struct blkdev *disk, unsigned partno, uint64_t start, uint64_t nblocks);

/** @brief Read @p disk's partition table and register what it lists (block.c's glue). */
void blk_scan_partitions(struct blkdev *disk);

/** @brief Read block @p lba of the disk into @p buf (one block); 0 or -errno. */
typedef int (*part_read_fn)(void *ctx, uint64_t lba, void *buf);
/** @brief A partition was found: number, first block, blocks. */
typedef void (*part_add_fn)(void *ctx, unsigned partno, uint64_t start, uint64_t nblocks);

#define PART_MAX 64       /**< partitions kept per disk */
#define PART_EBR_MAX 59   /**< logical partitions followed in an extended chain (5..63) */

/**
 * @brief Parse the partition table of a disk of @p nblocks blocks of
 *        @p block_size bytes: MBR (primary and logical partitions) or GPT
 *        (protective MBR; the backup header when the primary is damaged).
 *
 * Every entry that is out of the disk (or the GPT's usable range),
 * empty-sized or overlapping one already accepted is reported with
 * @p name and skipped.
 * @param scratch one block of memory the parser may use
 * @return partitions found (0: none, or no table), or -EIO when a read failed
 */
int part_scan(const char *name, uint32_t block_size, uint64_t nblocks, void *scratch,
              part_read_fn rd, part_add_fn add, void *ctx);

#endif
