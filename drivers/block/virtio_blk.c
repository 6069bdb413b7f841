/**
 * @file virtio_blk.c
 * @brief The virtio block device (VirtIO 1.2, 5.2) as a block-layer disk,
 *        over either transport.
 *
 * One request is a header (type, sector), the data buffer's physically
 * contiguous pieces, and a status byte: with INDIRECT_DESC one ring slot
 * for up to VIRTQ_INDIRECT_MAX - 2 pieces (more: the request goes as
 * parts), so a queue of 128 entries keeps 128 requests in flight. 128
 * (VBLK_DEPTH), not the device's largest queue: each entry has an indirect
 * table of 2 KiB, and 128 requests of up to 512 KiB keep any disk busy.
 * With MQ every virtqueue the device offers is used
 * (up to VBLK_MAX_QUEUES): the block layer sends CPU c's requests on queue
 * c % nq (rq->hwq), and queue q's interrupt (an MSI-X vector each on PCI) is
 * routed to CPU q, so a request is sent and completed on the same CPU and
 * CPUs share no queue lock while there are as many queues as CPUs.
 *
 * Header and status bytes live in DMA memory of their own, one slot per
 * ring entry; the data is the caller's buffer, never copied. The virtqueue
 * syncs all three for the device and back (drivers/virtio/virtq.c), so
 * nothing here maintains caches; what this file owes a device that does
 * not snoop is the layout: slots dma_cache_alignment() apart, so the status
 * byte the device writes shares no line with another slot the CPU fills
 * meanwhile.
 */
#include <hal/mmu.h>
#include <kernel/block.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include <virtio/virtio.h>

#include "virtio_blk.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* Config space offsets (5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_NUM_QUEUES 34

#define VBLK_MAX_QUEUES 8
#define VBLK_DEPTH 128 /* ring entries a queue asks for (above) */
#define SLOT_MIN 32   /* header (16) + status (1), padded; a cache line if that is more */
#define STATUS_OFF 16 /* the status byte, after the header, in a slot */
#define PAGE 4096u

struct vblk_queue {
    struct spinlock lock;
    struct virtqueue *vq;
    struct vblk *vb;
    struct blk_request **slot_rq; /* per slot: the request in it, NULL when free */
    uint16_t *free;               /* stack of free slot numbers */
    unsigned nfree;
    struct dma_buf hdrs;          /* slot_bytes per slot */
};

struct vblk {
    struct blkdev bd;
    struct virtio_device *vd;
    struct vblk_queue q[VBLK_MAX_QUEUES];
    unsigned nq;
    unsigned max_segs;  /* data pieces one request may have */
    size_t slot_bytes;  /* header + status per request, a cache line at least */
    int dead;           /* reset failed: every request fails */
    volatile int resetting; /* between the reset and DRIVER_OK again: nothing goes out */
    int needs_reset;    /* the device set DEVICE_NEEDS_RESET (reported once) */
    struct blk_request **lost; /* queue_depth entries: what a reset takes back */
};

static const uint64_t wanted = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_RO |
                               1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
                               1ull << VIRTIO_BLK_F_MQ | 1ull << VIRTIO_F_INDIRECT_DESC |
                               1ull << VIRTIO_F_EVENT_IDX;

/* Where a walk of a request's data is: piece @p i of blk_request.vec starts
 * at byte @p base of the data. Each walk keeps one, so finding the next
 * byte is a step, not a search from the first piece. */
struct data_pos {
    unsigned i;
    size_t base;
};

/* The address of byte @p off of @p rq's data and how many bytes from there
 * are contiguous in the buffer (or its piece, blk_request.vec). */
static uintptr_t data_at(const struct blk_request *rq, struct data_pos *p, size_t off,
                         size_t *avail)
{
    if (!rq->vec) {
        *avail = (size_t)-1;
        return (uintptr_t)rq->buf + off;
    }
    if (off < p->base) /* back (part() gives back a cut): from the start */
        p->i = 0, p->base = 0;
    while (off - p->base >= rq->vec[p->i].len)
        p->base += rq->vec[p->i++].len;
    *avail = rq->vec[p->i].len - (off - p->base);
    return (uintptr_t)rq->vec[p->i].buf + (off - p->base);
}

/*
 * One part of a request: the physically contiguous pieces of bytes
 * [from, from + len) of @p rq's data, at most @max of them. When the
 * buffer needs more pieces than that (a vmalloc buffer is one piece per
 * page, so may be a vector of page cache pages), the part ends on a block
 * boundary (the device takes whole blocks only) and *used says how many
 * bytes it covers; the rest becomes the next part. Returns the number of
 * pieces, or -EINVAL if the buffer is not mapped or not one block fits.
 */
static int part(const struct blk_request *rq, struct data_pos *pos, size_t from, size_t len,
                int dev_writes, uint32_t block, struct virtq_buf *out, unsigned max, size_t *used)
{
    unsigned n = 0;
    size_t done = 0;
    while (done < len) {
        size_t avail;
        uintptr_t va = data_at(rq, pos, from + done, &avail);
        size_t chunk = PAGE - (va & (PAGE - 1));
        if (chunk > avail)
            chunk = avail;
        if (chunk > len - done)
            chunk = len - done;
        uint64_t pa = hal_virt_to_phys((const void *)va);
        if (pa == (uint64_t)-1)
            return -EINVAL;
        if (n && out[n - 1].phys + out[n - 1].len == pa && out[n - 1].len + chunk <= 0x80000000u) {
            out[n - 1].len += (uint32_t)chunk;
        } else {
            if (n == max)
                break;
            out[n++] = (struct virtq_buf){pa, (uint32_t)chunk, dev_writes};
        }
        done += chunk;
    }
    if (done < len) {
        size_t cut = done % block;
        done -= cut;
        while (cut) {
            struct virtq_buf *b = &out[n - 1];
            if (b->len > cut) {
                b->len -= (uint32_t)cut;
                cut = 0;
            } else {
                cut -= b->len;
                n--;
            }
        }
        if (done == 0)
            return -EINVAL;
    }
    *used = done;
    return (int)n;
}

/* rq->driver_data while in flight: the parts still with the device (low 16
 * bits) and the first error one of them ended with (negated, above). */
#define PARTS_MASK 0xffffu
#define ERR_SHIFT 16

/* One part (or the only one) finished with @status: 1 if it was the last. */
static int part_done(struct blk_request *rq, int status)
{
    uintptr_t d = rq->driver_data;
    if (status && !(d >> ERR_SHIFT))
        d |= (uintptr_t)(unsigned)-status << ERR_SHIFT;
    d--;
    rq->driver_data = d;
    return (d & PARTS_MASK) == 0;
}

static int rq_status(const struct blk_request *rq)
{
    return -(int)(rq->driver_data >> ERR_SHIFT);
}

static int vblk_submit(struct blkdev *bd, struct blk_request *rq)
{
    struct vblk *vb = bd->driver_priv;
    if (vb->dead)
        return -ENODEV;
    if (vb->resetting)
        return -EBUSY; /* the block layer sends it again from the next completion */
    struct virtq_buf bufs[VIRTQ_INDIRECT_MAX];
    size_t len = rq->op == BLK_FLUSH ? 0 : (size_t)rq->count * bd->block_size;
    int w = rq->op == BLK_READ;
    int indirect = virtio_has(vb->vd, VIRTIO_F_INDIRECT_DESC);
    struct vblk_queue *q = &vb->q[rq->hwq % vb->nq]; /* the block layer's pick: this CPU's */
    /* First pass: how many parts, slots and descriptors the request takes,
     * so it goes out whole or not at all. */
    unsigned nparts = 0, ndesc = 0;
    struct data_pos pos = {0, 0};
    for (size_t off = 0; off < len || nparts == 0;) {
        size_t used = 0;
        int n = len ? part(rq, &pos, off, len - off, w, bd->block_size, bufs, vb->max_segs, &used)
                    : 0;
        if (n < 0) {
            pr_err("%s: buffer %p of %lu bytes is not mapped (or a block of it has over %u "
                   "physical pieces)", bd->name, rq->buf, (unsigned long)len, vb->max_segs);
            return -EINVAL;
        }
        nparts++;
        ndesc += indirect ? 1 : (unsigned)n + 2;
        off += used;
    }
    if (nparts > q->vq->size || (!indirect && ndesc > q->vq->size)) {
        pr_err("%s: request of %lu bytes needs %u ring entries; the queue has %u", bd->name,
               (unsigned long)len, indirect ? nparts : ndesc, q->vq->size);
        return -EINVAL;
    }
    uint32_t type = rq->op == BLK_READ ? VIRTIO_BLK_T_IN
                    : rq->op == BLK_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH;
    irqflags_t f = spin_lock_irqsave(&q->lock);
    if (q->nfree < nparts || virtq_free_count(q->vq) < ndesc) {
        spin_unlock_irqrestore(&q->lock, f);
        return -EBUSY;
    }
    rq->driver_data = nparts;
    size_t off = 0;
    pos = (struct data_pos){0, 0};
    for (unsigned k = 0; k < nparts; k++) {
        size_t used = 0;
        int n = len ? part(rq, &pos, off, len - off, w, bd->block_size, bufs + 1, vb->max_segs,
                           &used)
                    : 0;
        uint16_t s = q->free[--q->nfree];
        uint8_t *hdr = (uint8_t *)q->hdrs.virt + (size_t)s * vb->slot_bytes;
        uint64_t hdr_phys = q->hdrs.phys + (uint64_t)s * vb->slot_bytes;
        uint64_t sector = rq->op == BLK_FLUSH ? 0 : rq->lba * (bd->block_size / 512) + off / 512;
        memcpy(hdr, &type, 4);
        memset(hdr + 4, 0, 4);
        memcpy(hdr + 8, &sector, 8);
        hdr[STATUS_OFF] = 0xff; /* the device overwrites it */
        bufs[0] = (struct virtq_buf){hdr_phys, 16, 0};
        bufs[n + 1] = (struct virtq_buf){hdr_phys + STATUS_OFF, 1, 1};
        q->slot_rq[s] = rq;
        int err = n < 0 ? n : virtq_add(q->vq, bufs, (unsigned)n + 2, &q->slot_rq[s]);
        if (err) {
            /* Cannot happen after the first pass; if it does, the parts
             * already out finish the request with the error. */
            q->slot_rq[s] = NULL;
            q->free[q->nfree++] = s;
            pr_err("%s: part %u of %u of a request not queued (%s)", bd->name, k + 1, nparts,
                   errno_name(err));
            if (k == 0) {
                spin_unlock_irqrestore(&q->lock, f);
                return err == -ENOSPC ? -EBUSY : err;
            }
            rq->driver_data = k | (uintptr_t)EIO << ERR_SHIFT;
            break;
        }
        off += used;
    }
    virtq_kick(q->vq);
    spin_unlock_irqrestore(&q->lock, f);
    return 0;
}

static int status_to_err(uint8_t st)
{
    return st == VIRTIO_BLK_S_OK ? 0 : st == VIRTIO_BLK_S_UNSUPP ? -ENOTSUP : -EIO;
}

/* Interrupt: collect what the device finished (virtq_get() syncs what the
 * device wrote for us: status bytes, read data), then complete it outside
 * the lock. */
static void vblk_done(struct virtqueue *vq)
{
    struct vblk_queue *q = vq->driver_priv;
    for (;;) {
        struct blk_request *batch[32];
        int status[32];
        unsigned n = 0;
        irqflags_t f = spin_lock_irqsave(&q->lock);
        struct blk_request **tok;
        while (n < 32 && (tok = virtq_get(vq, NULL)) != NULL) {
            uint16_t s = (uint16_t)(tok - q->slot_rq);
            const uint8_t *hdr = (const uint8_t *)q->hdrs.virt + (size_t)s * q->vb->slot_bytes;
            struct blk_request *rq = *tok;
            *tok = NULL;
            q->free[q->nfree++] = s;
            if (part_done(rq, status_to_err(hdr[STATUS_OFF]))) { /* synced by virtq_get() */
                batch[n] = rq;
                status[n] = rq_status(rq);
                n++;
            }
        }
        int more = n == 32 || virtq_enable_cb(vq);
        spin_unlock_irqrestore(&q->lock, f);
        for (unsigned i = 0; i < n; i++)
            blk_complete(batch[i], status[i]);
        if (!more)
            return;
    }
}

static void free_queues(struct vblk *vb)
{
    for (unsigned i = 0; i < vb->nq; i++) {
        kfree(vb->q[i].slot_rq);
        kfree(vb->q[i].free);
        if (vb->q[i].hdrs.virt)
            dma_free(&vb->q[i].hdrs);
    }
}

/* Queues, slots, interrupts, DRIVER_OK: after negotiation, at probe and after a reset. */
static int bring_up(struct vblk *vb, int first)
{
    struct virtio_device *vd = vb->vd;
    for (unsigned i = 0; i < vb->nq; i++) {
        struct vblk_queue *q = &vb->q[i];
        if (first) {
            q->vq = virtq_create(vd, i, VBLK_DEPTH, vblk_done);
            if (!q->vq)
                return -ENOMEM;
            q->vq->driver_priv = q;
            q->vb = vb;
            spin_init(&q->lock, "virtio-blk");
            q->slot_rq = kzalloc(q->vq->size * sizeof *q->slot_rq);
            q->free = kmalloc(q->vq->size * sizeof *q->free);
            if (!q->slot_rq || !q->free ||
                dma_alloc((size_t)q->vq->size * vb->slot_bytes, 4096, &q->hdrs))
                return -ENOMEM;
        } else {
            int err = vd->ops->queue_enable(vd, q->vq);
            if (err)
                return err;
        }
        q->nfree = 0;
        for (unsigned s = q->vq->size; s-- > 0;)
            q->free[q->nfree++] = (uint16_t)s;
    }
    int err = vd->ops->setup_irqs(vd);
    if (err)
        return err;
    virtio_driver_ok(vd);
    return virtio_needs_reset(vd) ? -EIO : 0;
}

/* Queue q's interrupt to CPU q (those beyond the CPUs stay with the boot
 * CPU). Only distinct per-queue interrupts move: one shared MSI-X vector or
 * one virtio-mmio line serves every queue. Routes outlive a reset: the
 * interrupts stay allocated. */
static void route_queues(struct vblk *vb)
{
    for (unsigned i = 1; i < vb->nq; i++) {
        unsigned irq = vb->q[i].vq->irq;
        int shared = 0;
        for (unsigned j = 0; j < vb->nq; j++)
            shared |= j != i && vb->q[j].vq->irq == irq;
        const struct cpu *c = smp_cpu(i);
        if (shared || !c || c->state != CPU_ONLINE)
            continue;
        int err = irq_set_affinity(irq, i);
        if (err)
            pr_warn("%s: queue %u's interrupt stays on cpu 0 (%s)", vb->vd->name, i,
                    errno_name(err));
    }
}

/* A request timed out (block layer's thread): reset the device, fail what
 * it held, set it up again. */
static void vblk_reset(struct blkdev *bd)
{
    struct vblk *vb = bd->driver_priv;
    struct virtio_device *vd = vb->vd;
    struct blk_request **lost = vb->lost; /* as many as the queues hold: none is dropped */
    unsigned nlost = 0;
    irqflags_t fl[VBLK_MAX_QUEUES];
    vb->resetting = 1;
    for (unsigned i = 0; i < vb->nq; i++)
        fl[i] = spin_lock_irqsave(&vb->q[i].lock);
    /* Say what the rings looked like: used ahead of what we took means a
     * completion interrupt went missing; avail ahead of used, a device that
     * stopped (or was never told). */
    for (unsigned i = 0; i < vb->nq; i++) {
        struct virtq_snapshot st;
        virtq_state(vb->q[i].vq, &st);
        pr_warn("%s: queue %u: avail %u, used %u (taken %u), used_event %u, avail_event %u, "
                "flags %#x, %u descriptors out, irq %u", bd->name, i, st.avail_idx, st.used_idx,
                st.last_used, st.used_event, st.avail_event, st.used_flags, st.in_flight,
                vb->q[i].vq->irq);
    }
    virtio_reset(vd);
    for (unsigned i = 0; i < vb->nq; i++) {
        struct vblk_queue *q = &vb->q[i];
        struct blk_request **tok;
        while ((tok = virtq_detach_next(q->vq)) != NULL) {
            struct blk_request *rq = *tok;
            *tok = NULL;
            if (part_done(rq, -EIO) && nlost < bd->queue_depth)
                lost[nlost++] = rq; /* once, whatever number of parts it had */
        }
        virtq_reset_state(q->vq);
    }
    for (unsigned i = vb->nq; i-- > 0;)
        spin_unlock_irqrestore(&vb->q[i].lock, fl[i]);
    pr_warn("%s: device reset; %u request%s failed", bd->name, nlost, nlost == 1 ? "" : "s");
    vb->needs_reset = 0;
    int err = virtio_negotiate(vd, wanted);
    if (!err)
        err = bring_up(vb, 0);
    if (err) {
        vb->dead = 1;
        virtio_fail(vd, "does not come back after a reset");
    }
    vb->resetting = 0;
    for (unsigned i = 0; i < nlost; i++)
        blk_complete(lost[i], -EIO);
}

/* Configuration change interrupt. The one change we act on is
 * DEVICE_NEEDS_RESET (VirtIO 1.2, 2.1.2): the device stopped and will not
 * complete what it holds, so those requests time out in the block layer,
 * which calls vblk_reset() from a thread: the reset cannot be done here,
 * it waits for the device and completes requests. Said once per episode. */
static void vblk_config_changed(struct virtio_device *vd)
{
    struct vblk *vb = vd->driver_priv;
    if (!vb || vb->needs_reset || !virtio_needs_reset(vd))
        return;
    vb->needs_reset = 1;
    pr_err("%s (%s): device needs a reset (DEVICE_NEEDS_RESET); its requests will time out "
           "and the device be reset", vb->bd.name[0] ? vb->bd.name : "virtio-blk", vd->name);
}

/* Notify every queue again, whatever the device asked for (block.c's watch
 * calls this when requests are out and nothing completed for a while). */
static void vblk_kick(struct blkdev *bd)
{
    struct vblk *vb = bd->driver_priv;
    if (vb->dead || vb->resetting)
        return;
    for (unsigned i = 0; i < vb->nq; i++) {
        struct vblk_queue *q = &vb->q[i];
        irqflags_t f = spin_lock_irqsave(&q->lock);
        if (virtq_in_flight(q->vq))
            vb->vd->ops->notify(q->vq);
        /* Completions no interrupt announced: the same lost ordering on
         * the other side (our used_event, then the device's used idx). */
        int missed = virtq_pending(q->vq) != 0;
        spin_unlock_irqrestore(&q->lock, f);
        if (missed)
            vblk_done(q->vq);
    }
}

static const struct blkdev_ops vblk_ops = {.submit = vblk_submit, .reset = vblk_reset,
                                           .kick = vblk_kick};

struct virtio_device *virtio_blk_device(const struct blkdev *bd)
{
    if (!bd || bd->ops != &vblk_ops)
        return NULL;
    return ((const struct vblk *)bd->driver_priv)->vd;
}

int virtio_blk_set_dma_dev(struct blkdev *bd, const struct device *dma_dev)
{
    if (!virtio_blk_device(bd))
        return -ENODEV;
    struct vblk *vb = bd->driver_priv;
    irqflags_t fl[VBLK_MAX_QUEUES];
    int busy = 0;
    for (unsigned i = 0; i < vb->nq; i++) {
        fl[i] = spin_lock_irqsave(&vb->q[i].lock);
        busy |= virtq_in_flight(vb->q[i].vq) != 0;
    }
    for (unsigned i = 0; i < vb->nq && !busy; i++) {
        struct virtqueue *vq = vb->q[i].vq;
        virtq_set_dma(vq, dma_dev ? dma_dev : vb->vd->transport, vq->dma_sync);
    }
    for (unsigned i = vb->nq; i-- > 0;)
        spin_unlock_irqrestore(&vb->q[i].lock, fl[i]);
    return busy ? -EBUSY : 0;
}

static int vblk_probe(struct device *dev)
{
    struct virtio_device *vd = virtio_dev_of(dev);
    if (!vd)
        return -ENODEV;
    vd->dev = dev;
    int err = virtio_negotiate(vd, wanted);
    if (err)
        return virtio_fail(vd, err == -ENODEV ? "offers no VERSION_1 (a legacy-only device)"
                                               : "refused our features");
    struct vblk *vb = kzalloc(sizeof *vb);
    if (!vb)
        return virtio_fail(vd, "no memory");
    vb->vd = vd;
    vd->driver_priv = vb;
    uint64_t capacity;
    virtio_read_config(vd, CFG_CAPACITY, &capacity, 8);
    uint32_t blk_size = 512, seg_max = VIRTQ_INDIRECT_MAX - 2;
    if (virtio_has(vd, VIRTIO_BLK_F_BLK_SIZE)) {
        virtio_read_config(vd, CFG_BLK_SIZE, &blk_size, 4);
        if (blk_size < 512 || blk_size > 65536 || (blk_size & (blk_size - 1))) {
            pr_warn("%s: block size %u unusable; using 512", vd->name, blk_size);
            blk_size = 512;
        }
    }
    if (virtio_has(vd, VIRTIO_BLK_F_SEG_MAX)) {
        uint32_t sm;
        virtio_read_config(vd, CFG_SEG_MAX, &sm, 4);
        if (sm >= 1 && sm < seg_max)
            seg_max = sm;
    }
    vb->max_segs = seg_max;
    vb->slot_bytes = dma_cache_alignment() > SLOT_MIN ? dma_cache_alignment() : SLOT_MIN;
    vb->nq = 1;
    if (virtio_has(vd, VIRTIO_BLK_F_MQ)) {
        uint16_t nq;
        virtio_read_config(vd, CFG_NUM_QUEUES, &nq, 2);
        vb->nq = nq == 0 ? 1 : nq > VBLK_MAX_QUEUES ? VBLK_MAX_QUEUES : nq;
    }
    uint64_t per = blk_size / 512;
    if (capacity % per)
        pr_warn("%s: capacity of %lu sectors is not a whole number of %u-byte blocks; "
                "the last %lu sectors are not used", vd->name, (unsigned long)capacity, blk_size,
                (unsigned long)(capacity % per));
    vd->config_changed = vblk_config_changed;
    err = bring_up(vb, 1);
    if (!err) {
        unsigned depth = 0;
        for (unsigned i = 0; i < vb->nq; i++)
            depth += vb->q[i].vq->size;
        vb->lost = kmalloc(depth * sizeof *vb->lost);
        if (!vb->lost)
            err = -ENOMEM;
    }
    if (err) {
        /* Reset the device and free its queues and interrupts first, so
         * nothing can reach our memory once it is freed. */
        vd->config_changed = NULL;
        int ret = virtio_fail(vd, err == -ENOMEM ? "no memory for its queues"
                                                 : "could not be started");
        free_queues(vb);
        kfree(vb->lost);
        vd->driver_priv = NULL;
        kfree(vb);
        return ret;
    }
    vb->bd.nblocks = capacity / per;
    vb->bd.block_size = blk_size;
    vb->bd.read_only = virtio_has(vd, VIRTIO_BLK_F_RO);
    vb->bd.has_flush = virtio_has(vd, VIRTIO_BLK_F_FLUSH);
    vb->bd.nqueues = vb->nq;
    route_queues(vb);
    for (unsigned i = 0; i < vb->nq; i++)
        vb->bd.queue_depth += vb->q[i].vq->size;
    vb->bd.ops = &vblk_ops;
    vb->bd.driver_priv = vb;
    err = blk_register(&vb->bd, "vd");
    if (err) {
        pr_err("%s: not registered as a disk (%s)", vd->name, errno_name(err));
        return err; /* the device stays live but unused; its memory is kept */
    }
    return 0;
}

static const char *const vblk_compat[] = {"virtio,device2", NULL};
DRIVER(virtio_blk_driver, .name = "virtio-blk", .compatible = vblk_compat, .probe = vblk_probe);
