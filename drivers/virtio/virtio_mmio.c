/**
 * @file virtio_mmio.c
 * @brief The virtio-mmio transport, version 2 (VirtIO 1.2, 4.2) and the
 *        legacy version 1 (4.2.4), which is QEMU's default.
 *
 * QEMU's `virt` board lists 32 `virtio,mmio` slots in its DT whether or not
 * a device sits behind them. They are probed with the other platform
 * devices (before memory and threads exist), so the probe only records the
 * slot; the deferred scan maps each, marks empty slots (device id 0)
 * vacant, and offers the rest to the virtio core. A version-1 device
 * (QEMU 7.2 gives one unless `-global virtio-mmio.force-legacy=false`) is
 * driven through the legacy registers: the guest page size once, and per
 * queue its size, the used ring's alignment (VIRTQ_USED_ALIGN) and the
 * page number of one contiguous area (QueuePFN), which is how virtq.c lays
 * out every queue;
 * 32 feature bits, no VERSION_1 and no FEATURES_OK (virtio_negotiate()).
 */
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/printf.h>

#include "virtio.h"

#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEV_FEATURES 0x010
#define MMIO_DEV_FEATURES_SEL 0x014
#define MMIO_DRV_FEATURES 0x020
#define MMIO_DRV_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE 0x028 /* legacy (version 1) only */
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_ALIGN 0x03c /* legacy: the used ring's alignment */
#define MMIO_QUEUE_PFN 0x040   /* legacy: the queue's page number, 0 = not in use */
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INT_STATUS 0x060
#define MMIO_INT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC 0x080
#define MMIO_QUEUE_DRIVER 0x090
#define MMIO_QUEUE_DEVICE 0x0a0
#define MMIO_CONFIG_GEN 0x0fc
#define MMIO_CONFIG 0x100

#define MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define LEGACY_PAGE 4096u         /* the guest page size a legacy device counts QueuePFN in */
#define MMIO_SLOTS_MAX 64

struct mmio_vdev {
    struct virtio_device vd;
    struct device *dev;
    int irq_on;
};

static struct device *slots[MMIO_SLOTS_MAX];
static unsigned nslots;

static struct device *dev_of(struct virtio_device *vd) { return ((struct mmio_vdev *)vd)->dev; }

static uint8_t m_get_status(struct virtio_device *vd)
{
    return (uint8_t)dev_read32(dev_of(vd), MMIO_STATUS);
}

static void m_set_status(struct virtio_device *vd, uint8_t st)
{
    dev_write32(dev_of(vd), MMIO_STATUS, st);
}

static uint64_t m_get_features(struct virtio_device *vd)
{
    struct device *d = dev_of(vd);
    dev_write32(d, MMIO_DEV_FEATURES_SEL, 1);
    uint64_t hi = dev_read32(d, MMIO_DEV_FEATURES);
    dev_write32(d, MMIO_DEV_FEATURES_SEL, 0);
    return hi << 32 | dev_read32(d, MMIO_DEV_FEATURES);
}

static void m_set_features(struct virtio_device *vd, uint64_t f)
{
    struct device *d = dev_of(vd);
    dev_write32(d, MMIO_DRV_FEATURES_SEL, 1);
    dev_write32(d, MMIO_DRV_FEATURES, (uint32_t)(f >> 32));
    dev_write32(d, MMIO_DRV_FEATURES_SEL, 0);
    dev_write32(d, MMIO_DRV_FEATURES, (uint32_t)f);
}

/* Device config (4.2.2.2: each field at its own width; a 64-bit one as two
 * 32-bit accesses, low first); 0 past the window. dev_read8() takes a
 * register number, which is the byte offset here: a virtio-mmio node has no
 * reg-shift. */
static uint64_t m_config_read(struct virtio_device *vd, unsigned off, unsigned len)
{
    struct device *d = dev_of(vd);
    unsigned at = MMIO_CONFIG + off;
    if ((uint64_t)at + len > d->size)
        return 0;
    switch (len) {
    case 1: return dev_read8(d, at);
    case 2: return dev_read16(d, at);
    case 4: return dev_read32(d, at);
    default: return dev_read32(d, at) | (uint64_t)dev_read32(d, at + 4) << 32;
    }
}

/* A 64-bit value as two 32-bit writes, low first: the queue addresses are
 * Low/High register pairs, and 32-bit accesses are all a device must take. */
static void write64_split(struct device *d, unsigned off, uint64_t v)
{
    dev_write32(d, off, (uint32_t)v);
    dev_write32(d, off + 4, (uint32_t)(v >> 32));
}

static void m_config_write(struct virtio_device *vd, unsigned off, uint64_t v, unsigned len)
{
    struct device *d = dev_of(vd);
    unsigned at = MMIO_CONFIG + off;
    if ((uint64_t)at + len > d->size)
        return;
    if (len == 1)
        dev_write8(d, at, (uint8_t)v);
    else if (len == 2)
        dev_write16(d, at, (uint16_t)v);
    else if (len == 4)
        dev_write32(d, at, (uint32_t)v);
    else
        write64_split(d, at, v);
}

static uint32_t m_config_generation(struct virtio_device *vd)
{
    if (vd->legacy)
        return 0; /* no such register before version 2: the config is read once */
    return dev_read32(dev_of(vd), MMIO_CONFIG_GEN);
}

static unsigned m_queue_max(struct virtio_device *vd, unsigned idx)
{
    struct device *d = dev_of(vd);
    dev_write32(d, MMIO_QUEUE_SEL, idx);
    if (dev_read32(d, vd->legacy ? MMIO_QUEUE_PFN : MMIO_QUEUE_READY))
        return 0; /* already in use: not ours to set up */
    return dev_read32(d, MMIO_QUEUE_NUM_MAX);
}

static int m_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
    struct device *d = dev_of(vd);
    dev_write32(d, MMIO_QUEUE_SEL, vq->index);
    dev_write32(d, MMIO_QUEUE_NUM, vq->size);
    if (vd->legacy) {
        /* One contiguous area, as legacy devices take it: the descriptor
         * table at a page boundary, the available ring after it, the used
         * ring at the next QueueAlign boundary, which is how virtq.c lays
         * out every queue (one allocation, page-aligned; the used ring at
         * VIRTQ_USED_ALIGN). */
        size_t avail_off, used_off, ind_off, total;
        if (virtq_layout(vq->size, &avail_off, &used_off, &ind_off, &total) ||
            vq->desc_phys % LEGACY_PAGE || vq->avail_phys != vq->desc_phys + avail_off ||
            vq->used_phys != vq->desc_phys + used_off || vq->desc_phys / LEGACY_PAGE > 0xffffffffu)
            return -EINVAL;
        dev_write32(d, MMIO_QUEUE_ALIGN, VIRTQ_USED_ALIGN);
        dev_write32(d, MMIO_QUEUE_PFN, (uint32_t)(vq->desc_phys / LEGACY_PAGE));
        return dev_read32(d, MMIO_QUEUE_PFN) ? 0 : -EIO;
    }
    write64_split(d, MMIO_QUEUE_DESC, vq->desc_phys);
    write64_split(d, MMIO_QUEUE_DRIVER, vq->avail_phys);
    write64_split(d, MMIO_QUEUE_DEVICE, vq->used_phys);
    dev_write32(d, MMIO_QUEUE_READY, 1);
    return dev_read32(d, MMIO_QUEUE_READY) == 1 ? 0 : -EIO;
}

static void m_notify(struct virtqueue *vq)
{
    /* Ordered: the ring writes before it (hal/mmio.h). */
    dev_write32(dev_of(vq->vd), MMIO_QUEUE_NOTIFY, vq->notify_data);
}

static void m_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct device *d = arg;
    struct mmio_vdev *m = (struct mmio_vdev *)d->driver_data;
    uint32_t st = dev_read32(d, MMIO_INT_STATUS);
    dev_write32(d, MMIO_INT_ACK, st);
    if (st & 1)
        for (unsigned i = 0; i < m->vd.nvqs; i++)
            if (m->vd.vqs[i])
                virtq_interrupt(m->vd.vqs[i]);
    if ((st & 2) && m->vd.config_changed)
        m->vd.config_changed(&m->vd);
}

static int m_setup_irqs(struct virtio_device *vd)
{
    struct mmio_vdev *m = (struct mmio_vdev *)vd;
    if (m->irq_on)
        return 0;
    int err = device_request_irq(m->dev, m_irq, vd->name);
    if (err)
        return err;
    for (unsigned i = 0; i < vd->nvqs; i++)
        if (vd->vqs[i])
            vd->vqs[i]->irq = m->dev->irq;
    m->irq_on = 1;
    return 0;
}

static void m_free_irqs(struct virtio_device *vd)
{
    struct mmio_vdev *m = (struct mmio_vdev *)vd;
    if (m->irq_on)
        irq_unregister(m->dev->irq);
    m->irq_on = 0;
}

static const struct virtio_transport_ops mmio_ops = {
    .get_status = m_get_status,
    .set_status = m_set_status,
    .get_features = m_get_features,
    .set_features = m_set_features,
    .config_read = m_config_read,
    .config_write = m_config_write,
    .config_generation = m_config_generation,
    .queue_max = m_queue_max,
    .queue_enable = m_queue_enable,
    .notify = m_notify,
    .setup_irqs = m_setup_irqs,
    .free_irqs = m_free_irqs,
};

static void mmio_scan(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < nslots; i++) {
        struct device *d = slots[i];
        if (d->size < MMIO_CONFIG || device_map(d)) {
            pr_warn("%s: virtio-mmio window unusable (%#lx bytes)", d->name, (unsigned long)d->size);
            continue;
        }
        uint32_t magic = dev_read32(d, MMIO_MAGIC), ver = dev_read32(d, MMIO_VERSION);
        uint32_t id = dev_read32(d, MMIO_DEVICE_ID);
        if (magic != MMIO_MAGIC_VALUE) {
            pr_warn("%s: not a virtio-mmio device (magic %#x)", d->name, magic);
            continue;
        }
        if (id == 0) {
            d->vacant = 1; /* an empty slot: QEMU's virt has 32, most unused */
            continue;
        }
        if (ver != 1 && ver != 2) {
            pr_warn("%s: virtio-mmio version %u not known (1, legacy, and 2 are); left alone", d->name, ver);
            continue;
        }
        if (!d->has_irq) {
            pr_warn("%s: virtio device %u has no interrupt; left alone", d->name, id);
            continue;
        }
        struct mmio_vdev *m = kzalloc(sizeof *m);
        if (!m) {
            pr_err("%s: no memory for virtio device %u", d->name, id);
            continue;
        }
        m->dev = d;
        m->vd.ops = &mmio_ops;
        m->vd.transport = d;
        m->vd.device_id = id;
        m->vd.priv = m;
        if (ver == 1) { /* QEMU's default for virtio-mmio: the legacy register layout */
            m->vd.legacy = 1;
            dev_write32(d, MMIO_GUEST_PAGE_SIZE, LEGACY_PAGE);
        }
        ksnprintf(m->vd.name, sizeof m->vd.name, "virtio-mmio@%lx", (unsigned long)d->base);
        d->driver_data = (uintptr_t)m;
        if (virtio_add(&m->vd) && !m->vd.dev) {
            d->driver_data = 0;
            kfree(m);
        }
    }
}

static int mmio_probe(struct device *dev)
{
    if (nslots == MMIO_SLOTS_MAX)
        return -ENOSPC;
    if (nslots == 0) {
        int err = device_defer(mmio_scan, NULL);
        if (err)
            return err;
    }
    slots[nslots++] = dev;
    return 0;
}

static const char *const mmio_compat[] = {"virtio,mmio", NULL};
DRIVER(virtio_mmio_driver, .name = "virtio-mmio", .compatible = mmio_compat, .probe = mmio_probe,
       .late = 1);
