/**
 * @file drivers/block/virtio_blk.h
 * @brief What virtio-blk offers besides its struct blkdev: a way for tests
 *        to reach the virtio device behind a disk and to run its requests
 *        with the cache maintenance of a device that does not snoop.
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <kernel/block.h>
#include <virtio/virtio.h>

/**
 * @brief The virtio device behind disk @p bd (its queues are vd->vqs[]).
 * @return it, or NULL if @p bd is not a virtio-blk disk (a partition, a
 *         RAM disk)
 * @note Any context.
 */
struct virtio_device *virtio_blk_device(const struct blkdev *bd);

/**
 * @brief Have every queue of disk @p bd sync its rings and buffers for
 *        @p dma_dev (virtq_set_dma()), or for its transport again when
 *        @p dma_dev is NULL. For tests: a copy of the transport's struct
 *        device with dma_coherent 0 makes a coherent disk get, and report
 *        through dma_sync_watch(), the maintenance a non-coherent one needs.
 * @retval 0 switched
 * @retval -ENODEV @p bd is not a virtio-blk disk
 * @retval -EBUSY a request is in flight; nothing changed
 * @note Thread context; takes the queues' locks.
 */
int virtio_blk_set_dma_dev(struct blkdev *bd, const struct device *dma_dev);

#endif
