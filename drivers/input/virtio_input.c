/**
 * @file virtio_input.c
 * @brief The virtio input device (VirtIO 1.2, 5.8) as a keyboard
 *        (`-device virtio-keyboard-pci` or `virtio-keyboard-device`): the
 *        events it posts on its event queue are Linux's input events, and
 *        its keys (EV_KEY) go to keymap.c. Other events (a tablet's or a
 *        mouse's) are taken and dropped; the status queue (LEDs) is not used.
 *
 * The event queue holds EVENTS buffers of one event each; the interrupt
 * takes what the device filled, hands the keys on and posts the buffers
 * again. The device is not trusted: a used entry that is not one of ours,
 * or shorter than an event, is dropped and its buffer posted again.
 */
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>

#include <input/keymap.h>
#include <virtio/virtio.h>

#define EVENTS 64
#define EV_KEY 1

struct vinput_event {
    uint16_t type, code; /* little-endian, as every virtio 1.x field */
    uint32_t value;
};

struct vinput {
    struct virtqueue *vq;
    struct dma_buf events; /* EVENTS of them */
    struct spinlock lock;  /* the queue's */
};

static void post(struct vinput *v, unsigned i)
{
    struct virtq_buf b = {v->events.phys + i * sizeof(struct vinput_event), sizeof(struct vinput_event), 1};
    virtq_add(v->vq, &b, 1, (struct vinput_event *)v->events.virt + i);
}

static void vinput_irq(struct virtqueue *vq)
{
    struct vinput *v = vq->vd->driver_priv;
    struct vinput_event *base = v->events.virt;
    irqflags_t f = spin_lock_irqsave(&v->lock);
    uint32_t len;
    int posted = 0;
    for (struct vinput_event *e; (e = virtq_get(vq, &len));) {
        size_t i = (size_t)(e - base);
        if (i >= EVENTS || e != base + i)
            continue; /* not a buffer of ours: nothing to post again */
        if (len >= sizeof *e && e->type == EV_KEY)
            keymap_key(e->code, (int)e->value);
        post(v, (unsigned)i);
        posted = 1;
    }
    if (posted)
        virtq_kick(vq);
    spin_unlock_irqrestore(&v->lock, f);
}

static int give_up(struct virtio_device *vd, const char *why, int err)
{
    virtio_fail(vd, why);
    return err;
}

static int vinput_probe(struct device *dev)
{
    /* Keys go to the one console, whichever keyboard: one keyboard is kept. */
    static struct vinput one;
    struct vinput *v = &one;
    struct virtio_device *vd = virtio_dev_of(dev);
    if (!vd)
        return -ENODEV;
    if (v->vq)
        return give_up(vd, "a second virtio input device is not used", -EBUSY);
    int err = virtio_negotiate(vd, 0);
    if (err)
        return give_up(vd, "features", err);
    spin_init(&v->lock, "virtio-input");
    err = dma_alloc(EVENTS * sizeof(struct vinput_event), 4096, &v->events);
    if (err)
        return give_up(vd, "no memory for the events", err);
    vd->driver_priv = v;
    v->vq = virtq_create(vd, 0, EVENTS, vinput_irq);
    err = v->vq ? vd->ops->setup_irqs(vd) : -ENOMEM;
    if (err) {
        v->vq = NULL;
        dma_free(&v->events);
        return give_up(vd, "event queue or interrupt", err);
    }
    irqflags_t f = spin_lock_irqsave(&v->lock);
    for (unsigned i = 0; i < EVENTS; i++)
        post(v, i);
    spin_unlock_irqrestore(&v->lock, f);
    virtio_driver_ok(vd);
    virtq_kick(v->vq);
    return 0;
}

static const char *const vinput_compat[] = {"virtio,device12", NULL};
DRIVER(virtio_input_driver, .name = "virtio-input", .compatible = vinput_compat, .probe = vinput_probe);
