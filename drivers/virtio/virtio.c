/**
 * @file virtio.c
 * @brief The transport-independent half of VirtIO 1.x: offering a device
 *        to the driver model, status handshake, feature negotiation, config
 *        reads, queue creation (each queue syncs its memory for the
 *        transport's device through kernel/dma.h), and giving up cleanly
 *        (VirtIO 1.2, 3.1).
 */
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "virtio.h"

int virtio_reset(struct virtio_device *vd)
{
    vd->ops->set_status(vd, 0);
    uint64_t end = hal_time_ns() + 100000000ull;
    while (vd->ops->get_status(vd) != 0)
        if (hal_time_ns() > end)
            return -ETIMEDOUT;
    return 0;
}

int virtio_add(struct virtio_device *vd)
{
    int err = virtio_reset(vd);
    if (err) {
        pr_err("%s: does not reset (%s); left alone", vd->name, errno_name(err));
        return err;
    }
    vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
    struct device d = {.space = DEV_NONE, .fdt_node = -1, .parent = vd->transport, .bus_dev = vd};
    strlcpy(d.name, vd->name, sizeof d.name);
    char compat[32];
    ksnprintf(compat, sizeof compat, "virtio,device%x", vd->device_id);
    device_add_compatible(&d, compat);
    err = device_add(&d);
    if (err == -ENODEV) {
        pr_info("%s: virtio device %u has no driver; left reset", vd->name, vd->device_id);
        virtio_reset(vd);
    }
    return err;
}

struct virtio_device *virtio_dev_of(const struct device *dev)
{
    return dev ? dev->bus_dev : NULL;
}

int virtio_negotiate(struct virtio_device *vd, uint64_t wanted)
{
    vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint64_t offered = vd->ops->get_features(vd);
    if (vd->legacy) {
        /* A legacy device has 32 feature bits and no FEATURES_OK step
         * (VirtIO 1.2, 6.1 and 6.3 legacy interface): what it offers of
         * what we want is what we use. */
        uint64_t f = offered & wanted & 0xffffffffu;
        vd->ops->set_features(vd, f);
        vd->features = f;
        return 0;
    }
    if (!(offered >> VIRTIO_F_VERSION_1 & 1))
        return -ENODEV;
    uint64_t f = offered & (wanted | 1ull << VIRTIO_F_VERSION_1);
    vd->ops->set_features(vd, f);
    vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                VIRTIO_STATUS_FEATURES_OK);
    if (!(vd->ops->get_status(vd) & VIRTIO_STATUS_FEATURES_OK))
        return -EIO;
    vd->features = f;
    return 0;
}

void virtio_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
    uint8_t *out = buf;
    for (unsigned tries = 0; tries < 100; tries++) {
        uint32_t gen = vd->ops->config_generation(vd);
        for (unsigned i = 0; i < len;) {
            unsigned w = len - i >= 4 && (off + i) % 4 == 0 ? 4 : len - i >= 2 && (off + i) % 2 == 0 ? 2 : 1;
            uint64_t v = vd->ops->config_read(vd, off + i, w);
            for (unsigned b = 0; b < w; b++)
                out[i + b] = (uint8_t)(v >> (8 * b));
            i += w;
        }
        if (vd->ops->config_generation(vd) == gen)
            return;
    }
    pr_warn("%s: config keeps changing under us; using the last read", vd->name);
}

void virtio_driver_ok(struct virtio_device *vd)
{
    vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

int virtio_needs_reset(struct virtio_device *vd)
{
    return (vd->ops->get_status(vd) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

int virtio_fail(struct virtio_device *vd, const char *why)
{
    pr_err("%s: %s; device reset and marked failed", vd->name, why);
    virtio_reset(vd);
    if (vd->ops->free_irqs)
        vd->ops->free_irqs(vd);
    for (unsigned i = 0; i < vd->nvqs; i++) {
        virtq_destroy(vd->vqs[i]);
        vd->vqs[i] = NULL;
    }
    vd->nvqs = 0;
    vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
    return -EIO;
}

/* The DMA layer, for the queues (virtq.c reaches it only through this). */
static int virtio_dma_sync(const struct device *dev, void *virt, size_t len, enum dma_dir dir,
                           int for_cpu)
{
    return for_cpu ? dma_sync_single_for_cpu(dev, virt, len, dir)
                   : dma_sync_single_for_device(dev, virt, len, dir);
}

struct virtqueue *virtq_create(struct virtio_device *vd, unsigned index, unsigned max,
                               virtq_callback cb)
{
    if (index >= sizeof vd->vqs / sizeof vd->vqs[0]) {
        pr_err("%s: queue %u beyond the %u this driver keeps", vd->name, index,
               (unsigned)(sizeof vd->vqs / sizeof vd->vqs[0]));
        return NULL;
    }
    unsigned dev_max = vd->ops->queue_max(vd, index);
    if (dev_max == 0) {
        pr_err("%s: device has no queue %u", vd->name, index);
        return NULL;
    }
    unsigned size = max && max < dev_max ? max : dev_max;
    if (size > 32768)
        size = 32768;
    while (size & (size - 1)) /* a power of two no larger than allowed */
        size &= size - 1;
    struct virtqueue *vq = virtq_alloc(vd, index, size);
    if (!vq) {
        pr_err("%s: no memory for queue %u of %u entries", vd->name, index, size);
        return NULL;
    }
    virtq_set_dma(vq, vd->transport, virtio_dma_sync); /* before the device sees it */
    vq->callback = cb;
    int err = vd->ops->queue_enable(vd, vq);
    if (err) {
        pr_err("%s: device refused queue %u (%s)", vd->name, index, errno_name(err));
        virtq_destroy(vq);
        return NULL;
    }
    vd->vqs[index] = vq;
    if (index + 1 > vd->nvqs)
        vd->nvqs = index + 1;
    return vq;
}
