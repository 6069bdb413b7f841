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

/**
 * @brief Register partition @p partno of @p disk: @p nblocks from block @p start.
 * @return 0, -ENOMEM, -EEXIST (the name is taken) or -ERANGE (the name does
 *         not fit in BLK_NAME_MAX); says nothing: the parser reports it
 */
int blk_add_partition(struct blkdev *disk, unsigned partno, uint64_t start, uint64_t nblocks);

/** @brief Read @p disk's partition table and register what it lists (block.c's glue). */
void blk_scan_partitions(struct blkdev *disk);

/** @brief Read block @p lba of the disk into @p buf (one block); 0 or -errno. */
typedef int (*part_read_fn)(void *ctx, uint64_t lba, void *buf);
/** @brief A partition was found: number, first block, blocks. 0 if it was
 *  registered, or a negative errno (it is then counted as skipped). */
typedef int (*part_add_fn)(void *ctx, unsigned partno, uint64_t start, uint64_t nblocks);

/**
 * Partitions registered per disk, at most. A GPT's entry array may hold
 * 8,192 entries (1 MiB); this bounds what one disk costs (a device each,
 * and the overlap check), and every table made by the usual tools fits:
 * their GPTs have 128 entries. The device table itself grows, so a disk
 * at this limit never keeps another from registering.
 */
#define PART_MAX 128
/** Extended boot records followed in a chain: logical partitions 5..PART_MAX. */
#define PART_EBR_MAX (PART_MAX - 4)
/** Skipped entries of one disk reported on a line each; the rest only count
 *  towards the disk's one summary line (a hostile table has thousands). */
#define PART_WARN_MAX 4

/**
 * @brief Parse the partition table of a disk of @p nblocks blocks of
 *        @p block_size bytes: MBR (primary and logical partitions) or GPT
 *        (protective MBR; the backup header when the primary is damaged).
 *
 * Entries that are out of the disk (or the GPT's usable range, or their
 * extended partition), end before they start, overlap one already
 * accepted or an extended boot record, lie past PART_MAX, or that @p add
 * refuses are skipped: the first PART_WARN_MAX on a line of their own,
 * and all of them counted in one summary line per disk
 * ("<name>: N partition entries skipped (...)").
 * @param scratch one block of memory the parser may use
 * @return partitions @p add registered (0: none, or no table), or -EIO
 *         when a read failed
 */
int part_scan(const char *name, uint32_t block_size, uint64_t nblocks, void *scratch,
              part_read_fn rd, part_add_fn add, void *ctx);

#endif
