/**
 * @file virtio_pci.c
 * @brief The modern virtio-pci transport (VirtIO 1.2, 4.1).
 *
 * The device describes where its register blocks are with vendor-specific
 * PCI capabilities (cfg_type 1 common, 2 notify, 3 ISR, 4 device config),
 * each naming a BAR, an offset and a length. Transitional devices
 * (1af4:1000-103f, the default on a root bus) are driven through these same
 * structures; their legacy I/O BAR is never used, and their device id is
 * the subsystem id.
 *
 * Interrupts: MSI-X with one vector for configuration changes and one per
 * queue when the platform gives that many, else one vector for everything,
 * else INTx, where the ISR register (read-to-clear) says whether the
 * interrupt was ours, since the line may be shared. Vectors are allocated
 * when the first queue is enabled (once the features are agreed: a device
 * may add queues for them), so each queue's vector is written before the
 * queue is enabled, as 4.1.5.1.3 requires.
 */
#include <kernel/errno.h>
#include <kernel/iomem.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/printf.h>

#include <pci/pci.h>
#include "virtio.h"

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* Common configuration (4.1.4.3). */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX_CONFIG 0x10
#define C_NUM_QUEUES 0x12
#define C_STATUS 0x14
#define C_CFG_GEN 0x15
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_DRIVER 0x28
#define C_Q_DEVICE 0x30
#define COMMON_LEN 0x38

#define NO_VECTOR 0xffff

struct pci_vdev {
    struct virtio_device vd;
    struct pci_dev *pd;
    /* Each structure a capability names, as a region of its BAR: accesses
     * cannot reach past what the device described. */
    struct iomem common, notify, isr, devcfg;
    uint32_t notify_mult;
    int nvec;        /* MSI-X vectors allocated (0: none yet / INTx) */
    int per_queue;   /* a vector per queue (vector i + 1 for queue i) */
    int vec_tried;   /* the vectors were asked for (p_alloc_vectors()) */
    int irqs_on;
};

static struct pci_vdev *pv(struct virtio_device *vd) { return (struct pci_vdev *)vd; }

static uint8_t p_get_status(struct virtio_device *vd)
{
    return iomem_read8(&pv(vd)->common, C_STATUS);
}

static void p_set_status(struct virtio_device *vd, uint8_t st)
{
    iomem_write8(&pv(vd)->common, C_STATUS, st);
}

static uint64_t p_get_features(struct virtio_device *vd)
{
    const struct iomem *c = &pv(vd)->common;
    iomem_write32(c, C_DFSELECT, 1);
    uint64_t hi = iomem_read32(c, C_DF);
    iomem_write32(c, C_DFSELECT, 0);
    return hi << 32 | iomem_read32(c, C_DF);
}

static void p_set_features(struct virtio_device *vd, uint64_t f)
{
    const struct iomem *c = &pv(vd)->common;
    iomem_write32(c, C_GFSELECT, 1);
    iomem_write32(c, C_GF, (uint32_t)(f >> 32));
    iomem_write32(c, C_GFSELECT, 0);
    iomem_write32(c, C_GF, (uint32_t)f);
}

/* A 64-bit field of the common configuration: two 32-bit writes, low
 * first, as 4.1.3.1 allows for every 64-bit field. */
static void write64_split(const struct iomem *r, unsigned off, uint64_t v)
{
    iomem_write32(r, off, (uint32_t)v);
    iomem_write32(r, off + 4, (uint32_t)(v >> 32));
}

/* Device config at @p off: @p len 1, 2 or 4 as one access of that width,
 * 8 as two 4-byte reads, low first. 0 outside the structure. */
static uint64_t p_config_read(struct virtio_device *vd, unsigned off, unsigned len)
{
    const struct iomem *d = &pv(vd)->devcfg;
    if ((uint64_t)off + len > d->size)
        return 0;
    switch (len) {
    case 1: return iomem_read8(d, off);
    case 2: return iomem_read16(d, off);
    case 4: return iomem_read32(d, off);
    default: return iomem_read32(d, off) | (uint64_t)iomem_read32(d, off + 4) << 32;
    }
}

static void p_config_write(struct virtio_device *vd, unsigned off, uint64_t v, unsigned len)
{
    const struct iomem *d = &pv(vd)->devcfg;
    if ((uint64_t)off + len > d->size)
        return;
    if (len == 1)
        iomem_write8(d, off, (uint8_t)v);
    else if (len == 2)
        iomem_write16(d, off, (uint16_t)v);
    else if (len == 4)
        iomem_write32(d, off, (uint32_t)v);
    else
        write64_split(d, off, v);
}

static uint32_t p_config_generation(struct virtio_device *vd)
{
    return iomem_read8(&pv(vd)->common, C_CFG_GEN);
}

static unsigned p_queue_max(struct virtio_device *vd, unsigned idx)
{
    const struct iomem *c = &pv(vd)->common;
    if (idx >= iomem_read16(c, C_NUM_QUEUES))
        return 0;
    iomem_write16(c, C_Q_SELECT, (uint16_t)idx);
    if (iomem_read16(c, C_Q_ENABLE))
        return 0;
    return iomem_read16(c, C_Q_SIZE);
}

/* MSI-X vectors for the queues the device has now, the features agreed:
 * a device may add queues for a feature (QEMU's virtio-net adds its second
 * and later queue pairs once MQ is accepted; before, num_queues counts one
 * pair and the control queue, and vectors counted then left the second
 * pair's without one). Asked for at the first queue's enable, so each
 * queue's vector is in place before it is enabled. */
static void p_alloc_vectors(struct pci_vdev *p)
{
    p->vec_tried = 1;
    unsigned nq = iomem_read16(&p->common, C_NUM_QUEUES);
    if (nq > 15)
        nq = 15;
    int n = pci_alloc_irqs(p->pd, 1, nq + 1, PCI_IRQ_MSIX);
    if (n > 0) {
        p->nvec = n;
        p->per_queue = (unsigned)n >= nq + 1;
    }
}

static int p_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
    struct pci_vdev *p = pv(vd);
    const struct iomem *c = &p->common;
    if (!p->vec_tried)
        p_alloc_vectors(p);
    iomem_write16(c, C_Q_SELECT, (uint16_t)vq->index);
    iomem_write16(c, C_Q_SIZE, (uint16_t)vq->size);
    if (p->nvec) {
        uint16_t v = p->per_queue ? (uint16_t)(vq->index + 1) : 0;
        iomem_write16(c, C_Q_MSIX, v);
        if (iomem_read16(c, C_Q_MSIX) != v)
            return -EIO; /* the device could not take the vector */
    }
    write64_split(c, C_Q_DESC, vq->desc_phys);
    write64_split(c, C_Q_DRIVER, vq->avail_phys);
    write64_split(c, C_Q_DEVICE, vq->used_phys);
    uint64_t off = (uint64_t)iomem_read16(c, C_Q_NOFF) * p->notify_mult;
    if (off + 2 > p->notify.size || (off & 1)) {
        pr_err("%s: queue %u's notify register lies outside its capability", vd->name, vq->index);
        return -EINVAL;
    }
    vq->notify_off = (uint32_t)off;
    iomem_write16(c, C_Q_ENABLE, 1);
    return 0;
}

static void p_notify(struct virtqueue *vq)
{
    /* Ordered after the ring writes (and their cache maintenance). */
    iomem_write16(&pv(vq->vd)->notify, vq->notify_off, (uint16_t)vq->notify_data);
}

static void all_queues(struct virtio_device *vd)
{
    for (unsigned i = 0; i < vd->nvqs; i++)
        if (vd->vqs[i])
            virtq_interrupt(vd->vqs[i]);
}

static void queue_irq(unsigned irq, void *arg)
{
    (void)irq;
    virtq_interrupt(arg);
}

static void config_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct virtio_device *vd = arg;
    if (vd->config_changed)
        vd->config_changed(vd);
}

static void shared_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct virtio_device *vd = arg;
    all_queues(vd);
    if (vd->config_changed)
        vd->config_changed(vd);
}

static void intx_irq(unsigned irq, void *arg)
{
    (void)irq;
    struct virtio_device *vd = arg;
    uint8_t isr = iomem_read8(&pv(vd)->isr, 0); /* reading clears it and the line */
    if (isr & 1)
        all_queues(vd);
    if ((isr & 2) && vd->config_changed)
        vd->config_changed(vd);
}

static int p_setup_irqs(struct virtio_device *vd)
{
    struct pci_vdev *p = pv(vd);
    if (!p->vec_tried) /* a device without queues */
        p_alloc_vectors(p);
    if (p->nvec)
        iomem_write16(&p->common, C_MSIX_CONFIG, 0);
    if (p->irqs_on)
        return 0;
    int err = 0;
    if (p->nvec && p->per_queue) {
        err = pci_request_irq(p->pd, 0, config_irq, vd, vd->name);
        for (unsigned i = 0; !err && i < vd->nvqs; i++)
            if (vd->vqs[i]) {
                err = pci_request_irq(p->pd, i + 1, queue_irq, vd->vqs[i], vd->name);
                vd->vqs[i]->irq = p->pd->irqs[i + 1];
            }
    } else if (p->nvec) {
        err = pci_request_irq(p->pd, 0, shared_irq, vd, vd->name);
    } else {
        int n = pci_alloc_irqs(p->pd, 1, 1, PCI_IRQ_INTX);
        err = n < 0 ? n : pci_request_irq(p->pd, 0, intx_irq, vd, vd->name);
    }
    if (err) {
        pci_free_irqs(p->pd);
        p->nvec = 0;
        p->vec_tried = 0;
        return err;
    }
    p->irqs_on = 1;
    return 0;
}

static void p_free_irqs(struct virtio_device *vd)
{
    struct pci_vdev *p = pv(vd);
    pci_free_irqs(p->pd);
    p->irqs_on = 0;
    p->nvec = 0;
    p->vec_tried = 0;
}

static const struct virtio_transport_ops pci_ops = {
    .get_status = p_get_status,
    .set_status = p_set_status,
    .get_features = p_get_features,
    .set_features = p_set_features,
    .config_read = p_config_read,
    .config_write = p_config_write,
    .config_generation = p_config_generation,
    .queue_max = p_queue_max,
    .queue_enable = p_queue_enable,
    .notify = p_notify,
    .setup_irqs = p_setup_irqs,
    .free_irqs = p_free_irqs,
};

/* Map the structure the vendor capability at @p cap describes, as the
 * region of its BAR it names; left empty if it is shorter than @p min_len,
 * lies outside the BAR or the BAR cannot be mapped. */
static void map_cap(struct pci_dev *pd, unsigned cap, uint32_t min_len, struct iomem *out)
{
    unsigned bar = pci_read8(pd, cap + 4);
    uint32_t off = pci_read32(pd, cap + 8), len = pci_read32(pd, cap + 12);
    struct iomem whole;
    if (bar >= 6 || len < min_len || (uint64_t)off + len > pd->bar[bar].size ||
        pci_iomap(pd, bar, &whole))
        return;
    *out = iomem_sub(&whole, off, len);
}

static int vpci_probe(struct device *dev)
{
    struct pci_dev *pd = pci_dev_of(dev);
    if (!pd)
        return -ENODEV;
    struct pci_vdev *p = kzalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    p->pd = pd;
    ksnprintf(p->vd.name, sizeof p->vd.name, "virtio-pci %02x:%02x.%u", pd->bus, pd->slot,
              pd->func);
    for (unsigned cap = 0; (cap = pci_find_cap(pd, PCI_CAP_VENDOR, cap)) != 0;) {
        if (pci_read8(pd, cap + 2) < 16)
            continue;
        switch (pci_read8(pd, cap + 3)) {
        case CAP_COMMON:
            if (!p->common.base)
                map_cap(pd, cap, COMMON_LEN, &p->common);
            break;
        case CAP_NOTIFY:
            if (!p->notify.base && pci_read8(pd, cap + 2) >= 20) {
                map_cap(pd, cap, 2, &p->notify);
                p->notify_mult = pci_read32(pd, cap + 16);
            }
            break;
        case CAP_ISR:
            if (!p->isr.base)
                map_cap(pd, cap, 1, &p->isr);
            break;
        case CAP_DEVICE:
            if (!p->devcfg.base)
                map_cap(pd, cap, 1, &p->devcfg);
            break;
        default:
            break;
        }
    }
    if (!p->common.base || !p->notify.base || !p->isr.base) {
        pr_warn("%s: no usable modern virtio capabilities (legacy-only device); left alone",
                p->vd.name);
        kfree(p);
        return -ENODEV;
    }
    int err = pci_enable(pd, 1);
    if (err) {
        kfree(p);
        return err;
    }
    p->vd.ops = &pci_ops;
    p->vd.transport = dev;
    p->vd.priv = p;
    p->vd.device_id = pd->device >= 0x1040 ? pd->device - 0x1040u : pci_read16(pd, PCI_SUBSYS_ID);
    dev->driver_data = (uintptr_t)p;
    err = virtio_add(&p->vd);
    if (err && !p->vd.dev) {
        pci_free_irqs(pd);
        pci_disable(pd);
        kfree(p);
        return err == -ENODEV ? 0 : err; /* no virtio driver: the transport stays, idle */
    }
    return 0;
}

/* Network and block devices: transitional and modern ids; input devices
 * (keyboards), which are modern only. */
static const char *const vpci_compat[] = {"pci1af4,1000", "pci1af4,1041", "pci1af4,1001",
                                          "pci1af4,1042", "pci1af4,1052", NULL};
DRIVER(virtio_pci_driver, .name = "virtio-pci", .compatible = vpci_compat, .probe = vpci_probe);
