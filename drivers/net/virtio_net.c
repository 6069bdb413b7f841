/**
 * @file virtio_net.c
 * @brief The virtio network device (VirtIO 1.2, 5.1) as a netdev
 *        (kernel/netdev.h), over either transport.
 *
 * Queues: receive queue 2i and transmit queue 2i + 1 for pair i; with
 * VIRTIO_NET_F_MQ (and the control queue, which sets the number of pairs)
 * one pair per CPU, up to what the device offers and VNET_MAX_PAIRS, else
 * one pair. Each queue has its own DMA area of fixed slots (VNET_BUF_BYTES
 * each, so no two slots share a cache line): a receive slot is posted
 * whole for the device to write; a transmit slot holds the virtio_net_hdr
 * and a copy of the frame, one descriptor per frame.
 *
 * Receive: the queue's interrupt only suppresses further interrupts and
 * wakes the pair's receive thread (netdev_rx() runs the stack, which must
 * not run in an interrupt handler). The thread takes up to RX_BATCH frames
 * off the used ring under the queue lock, hands them to netdev_rx() outside
 * it, posts the slots again and asks for an interrupt only when the ring
 * is empty (virtq_enable_cb() says whether more came meanwhile); each pass
 * ends with netdev_rx_end() (NETDEV_F_RX_BATCH: the stack's ACKs for the
 * pass go out then, one per connection). With
 * VIRTIO_NET_F_MRG_RXBUF a frame may fill several buffers (num_buffers in
 * its header): they become the pieces of one netdev_rx() call.
 *
 * Transmit: xmit() reclaims what the device finished, copies the frame into
 * a free slot and notifies the device (EVENT_IDX decides whether it wants
 * to be told). Transmit completions raise no interrupt: the next xmit()
 * reclaims them. A full ring is waited on briefly (VNET_TX_WAIT_NS), then
 * the frame is dropped and counted.
 *
 * The device is never trusted: a used entry whose token is not one of the
 * queue's posted slots, whose length exceeds what was posted, or a
 * num_buffers that does not fit is reported (the first few, then one at
 * each power of two of rx_errors), the frame dropped and its slots posted
 * again.
 */
#include <hal/mmu.h>
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/ktimer.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/wait.h>

#include <virtio/virtio.h>

#include "virtio_net.h"

#define VIRTIO_ID_NET 1u

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22

/* Config space (5.1.4). */
#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_MAX_PAIRS 8
#define VIRTIO_NET_S_LINK_UP 1

/* virtio_net_hdr (5.1.6): 12 bytes with VERSION_1, num_buffers last; a
 * legacy device (virtio-mmio version 1) leaves num_buffers out unless
 * MRG_RXBUF was negotiated. */
#define HDR_LEN 12
#define HDR_LEN_LEGACY 10
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define HDR_GSO_NONE 0

/* Control queue (5.1.6.5). */
#define CTRL_MQ 4
#define CTRL_MQ_VQ_PAIRS_SET 0
#define CTRL_OK 0

#define VNET_MAX_PAIRS 7      /* 2 * 7 queues + the control queue fit virtio_device.vqs */
#define VNET_DEPTH 256        /* ring entries a queue asks for */
#define VNET_BUF_BYTES 2048u  /* a slot: header + the largest frame (1518), rounded up */
#define VNET_RX_MIN 32u       /* the smallest receive buffer a test may ask for */
#define RX_BATCH 64           /* frames taken off the ring per lock */
#define RX_SEGS 64            /* buffers one frame may span (1530 bytes in 32-byte buffers: 48) */
#define VNET_TX_WAIT_NS 5000000ull

struct vnet;

struct vnet_rxq {
    struct spinlock lock;
    struct virtqueue *vq;
    struct vnet *vn;
    unsigned index;
    struct dma_buf mem;     /* vq->size slots */
    uint32_t *posted;       /* per slot: bytes posted, 0 while the driver holds it */
    struct semaphore work;  /* interrupts (and config changes on pair 0) */
    uint16_t seen_used;     /* the watch's last look: the device's used idx */
    uint16_t seen_taken;    /* and how far the thread had taken */
    int seen_pending;       /* whether frames were waiting */
    int starved;            /* buffers were posted to a device that had run out: 1, */
                            /* then the watch's looks since */
    uint16_t starved_used;  /* the device's used idx then */
    volatile int hold;      /* tests: the thread takes nothing meanwhile */
};

struct vnet_txq {
    struct spinlock lock;
    struct virtqueue *vq;
    struct dma_buf mem;     /* vq->size slots */
    uint16_t *free;         /* stack of free slots */
    unsigned nfree;
    uint16_t seen_used;     /* the watch's last look: the device's used idx */
    int seen_waiting;       /* and whether it held frames it had not sent */
    int unkicked;           /* frames added with NETDEV_XMIT_MORE, not yet told */
};

struct vnet {
    struct netdev nd;
    struct virtio_device *vd;
    unsigned npairs;
    unsigned rx_len;        /* bytes a receive buffer is posted with */
    int mrg;                /* MRG_RXBUF negotiated */
    unsigned hdr_len;       /* HDR_LEN, or HDR_LEN_LEGACY */
    volatile int cfg_pending; /* a config change for pair 0's thread */
    char bus[40];
    struct ktimer watch;    /* vnet_watch() */
    struct vnet_rxq rx[VNET_MAX_PAIRS];
    struct vnet_txq tx[VNET_MAX_PAIRS];
};

static const uint64_t wanted =
    1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_MAC |
    1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_NET_F_CTRL_VQ |
    1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_F_EVENT_IDX;

static void count(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static uint8_t *rx_slot(struct vnet_rxq *q, unsigned s)
{
    return (uint8_t *)q->mem.virt + (size_t)s * VNET_BUF_BYTES;
}

/* Post slot @p s again (the queue lock held). */
static void rx_post(struct vnet_rxq *q, unsigned s)
{
    uint32_t len = q->vn->rx_len;
    struct virtq_buf b = {q->mem.phys + (uint64_t)s * VNET_BUF_BYTES, len, 1};
    q->posted[s] = len;
    if (virtq_add(q->vq, &b, 1, (void *)(uintptr_t)(s + 1)) != 0)
        q->posted[s] = 0; /* cannot happen: one descriptor per slot */
}

/* Whether to report the device's nonsense again: the first few times,
 * then at each power of two, so a broken device cannot flood the log. */
static int say_error(struct vnet *vn)
{
    uint64_t n = __atomic_add_fetch(&vn->nd.stats.rx_errors, 1, __ATOMIC_RELAXED);
    return n <= 8 || (n & (n - 1)) == 0;
}

/* Check a used entry: 0 with *slot its slot; -1 (after a message) for a
 * token that is not a posted slot of the queue; -2 for more bytes than
 * were posted, or a first buffer shorter than the header (*slot set: it
 * is ours again). */
static int rx_check(struct vnet_rxq *q, uintptr_t tok, uint32_t len, int first, unsigned *slot)
{
    struct vnet *vn = q->vn;
    unsigned s = (unsigned)(tok - 1);
    if (tok == 0 || tok > q->vq->size || !q->posted[s]) {
        if (say_error(vn))
            pr_err("%s: receive queue %u: device returned buffer %lu, which it does not "
                   "hold; dropped", vn->nd.name, q->index, (unsigned long)tok);
        return -1;
    }
    *slot = s;
    if (len > q->posted[s] || (first && len < vn->hdr_len)) {
        if (say_error(vn))
            pr_err("%s: receive queue %u: device wrote %u bytes into a buffer of %u%s; frame "
                   "dropped", vn->nd.name, q->index, len, q->posted[s],
                   first && len < vn->hdr_len ? " (less than a header)" : "");
        return -2;
    }
    return 0;
}

/* One frame's buffers as the device returned them (num_buffers of them). */
struct rx_frame {
    unsigned n;
    uint16_t slot[RX_SEGS];
    uint32_t len[RX_SEGS];
    unsigned flags;
    int bad;
};

/*
 * Take the next frame off the ring (the queue lock held): 1 with @p f
 * filled (f->bad: drop it, but its slots must be posted again), 0 when
 * the ring is empty. A bad first entry that names no slot of ours takes
 * nothing: it is skipped.
 */
static int rx_take(struct vnet_rxq *q, struct rx_frame *f)
{
    struct vnet *vn = q->vn;
    uint32_t len;
    void *tok;
    for (;;) {
        tok = virtq_get(q->vq, &len);
        if (!tok)
            return 0;
        f->n = 0;
        f->bad = 0;
        f->flags = 0;
        unsigned s;
        int err = rx_check(q, (uintptr_t)tok, len, 1, &s);
        if (err == -1)
            continue; /* not ours to post again */
        q->posted[s] = 0;
        f->slot[0] = (uint16_t)s;
        f->len[0] = len;
        f->n = 1;
        if (err) {
            f->bad = 1;
            return 1;
        }
        break;
    }
    const uint8_t *h = rx_slot(q, f->slot[0]);
    uint16_t nbuf = 1;
    if (vn->mrg) {
        memcpy(&nbuf, h + 10, 2);
        if (nbuf == 0 || nbuf > RX_SEGS) {
            if (say_error(vn))
                pr_err("%s: receive queue %u: frame claims %u buffers (1 to %u); dropped",
                   vn->nd.name, q->index, nbuf, RX_SEGS);
            f->bad = 1;
            nbuf = 1; /* the others, if any, come as frames of their own and fail there */
        }
    }
    if (virtio_has(vn->vd, VIRTIO_NET_F_GUEST_CSUM) && (h[0] & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM)))
        f->flags = NETDEV_RX_CSUM_OK; /* NEEDS_CSUM: from the host, never on a wire */
    while (f->n < nbuf) {
        tok = virtq_get(q->vq, &len);
        if (!tok) {
            if (say_error(vn))
                pr_err("%s: receive queue %u: frame of %u buffers ended after %u; dropped",
                   vn->nd.name, q->index, nbuf, f->n);
            f->bad = 1;
            return 1;
        }
        unsigned s;
        int err = rx_check(q, (uintptr_t)tok, len, 0, &s);
        if (err == -1) {
            f->bad = 1;
            nbuf--; /* one of the frame's, but not ours to post again */
            continue;
        }
        q->posted[s] = 0;
        f->slot[f->n] = (uint16_t)s;
        f->len[f->n] = len;
        f->n++;
        if (err)
            f->bad = 1;
    }
    return 1;
}

static void rx_deliver(struct vnet_rxq *q, const struct rx_frame *f)
{
    struct netseg seg[RX_SEGS];
    unsigned n = 0;
    for (unsigned i = 0; i < f->n; i++) {
        const uint8_t *p = rx_slot(q, f->slot[i]);
        uint32_t len = f->len[i];
        if (i == 0)
            p += q->vn->hdr_len, len -= q->vn->hdr_len;
        if (len)
            seg[n++] = (struct netseg){p, len};
    }
    netdev_rx(&q->vn->nd, seg, n, f->flags);
}

static void link_check(struct vnet *vn)
{
    if (!virtio_has(vn->vd, VIRTIO_NET_F_STATUS))
        return;
    uint16_t st;
    virtio_read_config(vn->vd, CFG_STATUS, &st, 2);
    netdev_set_link(&vn->nd, st & VIRTIO_NET_S_LINK_UP);
}

/* A receive queue's thread: drain, deliver, post again; sleep when empty. */
static int rx_thread(void *arg)
{
    struct vnet_rxq *q = arg;
    struct vnet *vn = q->vn;
    struct rx_frame *fr = kmalloc(RX_BATCH * sizeof *fr);
    if (!fr) {
        pr_err("%s: receive queue %u: no memory for its thread; nothing is received",
               vn->nd.name, q->index);
        return -ENOMEM;
    }
    for (;;) {
        sem_down(&q->work);
        if (q->index == 0 && __atomic_exchange_n(&vn->cfg_pending, 0, __ATOMIC_ACQ_REL))
            link_check(vn);
        if (q->hold)
            continue; /* virtio_net_hold_rx() wakes it when it lets go */
        for (;;) {
            unsigned n = 0;
            irqflags_t fl = spin_lock_irqsave(&q->lock);
            while (n < RX_BATCH && rx_take(q, &fr[n]))
                n++;
            spin_unlock_irqrestore(&q->lock, fl);
            for (unsigned i = 0; i < n; i++)
                if (!fr[i].bad)
                    rx_deliver(q, &fr[i]);
            if (n)
                netdev_rx_end(&vn->nd);
            fl = spin_lock_irqsave(&q->lock);
            struct virtq_snapshot st;
            virtq_state(q->vq, &st);
            if (n && (uint16_t)(st.avail_idx - st.used_idx) < RX_SEGS) {
                q->starved = 1; /* the device may wait for this kick: vnet_watch() */
                q->starved_used = st.used_idx;
            }
            for (unsigned i = 0; i < n; i++)
                for (unsigned k = 0; k < fr[i].n; k++)
                    rx_post(q, fr[i].slot[k]);
            if (n)
                virtq_kick(q->vq);
            int more = n == RX_BATCH || virtq_enable_cb(q->vq);
            if (more)
                virtq_disable_cb(q->vq);
            spin_unlock_irqrestore(&q->lock, fl);
            if (!more)
                break;
        }
    }
    return 0;
}

/* Receive interrupt: no more until the thread has drained the ring. */
static void rx_irq(struct virtqueue *vq)
{
    struct vnet_rxq *q = vq->driver_priv;
    irqflags_t fl = spin_lock_irqsave(&q->lock);
    virtq_disable_cb(vq);
    spin_unlock_irqrestore(&q->lock, fl);
    sem_up(&q->work);
}

/*
 * The watch: notifications and interrupts that went missing.
 *
 * EVENT_IDX rests on a store and a load on each side, ordered by a full
 * barrier: we write the avail idx, then read the device's avail_event;
 * the device writes avail_event, then reads the avail idx (likewise
 * used_event and the used idx for interrupts). QEMU before 8.1 (Debian
 * 12 has 7.2) does not emit a guest's barriers when TCG runs one vCPU,
 * while the device model runs in another host thread, so the host CPU may
 * reorder our store and load: both sides read the old value, and a
 * notification the device needed is skipped, or an interrupt we needed is
 * not sent. Nothing later repairs it: each later kick is compared with the
 * avail_event the device set before it went to sleep, and is skipped too.
 * Seen as a TCP transfer that stopped for good, its retransmissions never
 * leaving the ring. The block layer repairs the same for virtio-blk.
 *
 * Every VNET_WATCH_MS the watch looks at each queue; where nothing moved
 * for a whole period it tells the device again: a transmit queue holding
 * frames the device has not taken, a receive queue that had run out of
 * buffers when the thread posted more and on which the device has
 * returned nothing since (it may still be waiting to be told). Frames
 * left on the used ring that the thread did not take for a whole period
 * had no interrupt: the thread is woken. Each repair is counted (stats).
 */
#define VNET_WATCH_MS 50

static void vnet_watch(struct ktimer *t, void *arg)
{
    struct vnet *vn = arg;
    for (unsigned i = 0; i < vn->npairs; i++) {
        struct vnet_rxq *r = &vn->rx[i];
        struct vnet_txq *q = &vn->tx[i];
        struct virtq_snapshot st;
        irqflags_t fl = spin_lock_irqsave(&q->lock);
        virtq_state(q->vq, &st);
        uint16_t used = st.used_idx;
        int waiting = used != st.avail_idx;
        if (waiting && q->seen_waiting && used == q->seen_used) {
            vn->vd->ops->notify(q->vq);
            count(&vn->nd.stats.kicks_repeated, 1);
        }
        q->seen_used = used;
        q->seen_waiting = waiting;
        spin_unlock_irqrestore(&q->lock, fl);

        fl = spin_lock_irqsave(&r->lock);
        virtq_state(r->vq, &st); /* one look: used and taken from the same read */
        used = st.used_idx;
        uint16_t taken = st.last_used;
        int pending = used != taken, wake = 0;
        if (r->starved && used != r->starved_used) {
            r->starved = 0; /* it has used buffers since */
        } else if (r->starved && ++r->starved > 2) { /* nothing for a whole period */
            vn->vd->ops->notify(r->vq);
            count(&vn->nd.stats.kicks_repeated, 1);
            r->starved = 0;
        }
        if (pending && r->seen_pending && taken == r->seen_taken) {
            count(&vn->nd.stats.irqs_missed, 1);
            wake = 1;
        }
        r->seen_used = used;
        r->seen_taken = taken;
        r->seen_pending = pending;
        spin_unlock_irqrestore(&r->lock, fl);
        if (wake)
            sem_up(&r->work);
    }
    ktimer_arm(t, hal_time_ns() + VNET_WATCH_MS * 1000000ull);
}

/* Configuration change (interrupt): the link is read by pair 0's thread,
 * since netdev_set_link() tells the stack, which runs in threads. */
static void vnet_config_changed(struct virtio_device *vd)
{
    struct vnet *vn = vd->driver_priv;
    if (!vn)
        return;
    __atomic_store_n(&vn->cfg_pending, 1, __ATOMIC_RELEASE);
    sem_up(&vn->rx[0].work);
}

/* Take back what the device sent (the queue lock held). */
static void tx_reclaim(struct vnet *vn, struct vnet_txq *q)
{
    void *tok;
    uint32_t len;
    while ((tok = virtq_get(q->vq, &len)) != NULL) {
        uintptr_t s = (uintptr_t)tok - 1;
        if (s >= q->vq->size) { /* virtq_get() vouches for its tokens: ours */
            count(&vn->nd.stats.tx_errors, 1);
            continue;
        }
        q->free[q->nfree++] = (uint16_t)s;
    }
}

static int vnet_xmit(struct netdev *d, const struct netseg *seg, unsigned nseg,
                     const struct netdev_csum *csum, unsigned queue, unsigned flags)
{
    struct vnet *vn = d->priv;
    struct vnet_txq *q = &vn->tx[queue % vn->npairs];
    size_t len = 0;
    for (unsigned i = 0; i < nseg; i++)
        len += seg[i].len;
    if (len < ETH_HLEN || len > d->mtu + ETH_HLEN + 4 || len + vn->hdr_len > VNET_BUF_BYTES) {
        count(&d->stats.tx_errors, 1);
        return -EIO;
    }
    uint64_t deadline = 0;
    irqflags_t fl = spin_lock_irqsave(&q->lock);
    for (;;) {
        tx_reclaim(vn, q);
        if (q->nfree)
            break;
        virtq_kick(q->vq);
        spin_unlock_irqrestore(&q->lock, fl);
        uint64_t now = hal_time_ns();
        if (!deadline)
            deadline = now + VNET_TX_WAIT_NS;
        if (now > deadline) {
            count(&d->stats.tx_dropped, 1);
            return -EAGAIN;
        }
        thread_yield();
        fl = spin_lock_irqsave(&q->lock);
    }
    uint16_t s = q->free[--q->nfree];
    uint8_t *p = (uint8_t *)q->mem.virt + (size_t)s * VNET_BUF_BYTES;
    memset(p, 0, vn->hdr_len);
    if (csum && (d->features & NETDEV_F_TX_CSUM)) {
        p[0] = HDR_F_NEEDS_CSUM;
        memcpy(p + 6, &csum->start, 2);
        memcpy(p + 8, &csum->offset, 2);
    }
    size_t off = vn->hdr_len;
    for (unsigned i = 0; i < nseg; i++) {
        memcpy(p + off, seg[i].data, seg[i].len);
        off += seg[i].len;
    }
    struct virtq_buf b = {q->mem.phys + (uint64_t)s * VNET_BUF_BYTES, (uint32_t)off, 0};
    int err = virtq_add(q->vq, &b, 1, (void *)(uintptr_t)(s + 1));
    if (err) {
        q->free[q->nfree++] = s;
        spin_unlock_irqrestore(&q->lock, fl);
        count(&d->stats.tx_errors, 1);
        return -EIO;
    }
    /* Each notification is an exit to the device model (under QEMU, one
     * wake of its main loop): a burst is told once, at vnet_flush(). */
    if (flags & NETDEV_XMIT_MORE)
        q->unkicked = 1;
    else
        virtq_kick(q->vq);
    spin_unlock_irqrestore(&q->lock, fl);
    count(&d->stats.tx_packets, 1);
    count(&d->stats.tx_bytes, len);
    return 0;
}

static void vnet_flush(struct netdev *d)
{
    struct vnet *vn = d->priv;
    for (unsigned i = 0; i < vn->npairs; i++) {
        struct vnet_txq *q = &vn->tx[i];
        if (!__atomic_load_n(&q->unkicked, __ATOMIC_RELAXED))
            continue;
        irqflags_t fl = spin_lock_irqsave(&q->lock);
        q->unkicked = 0;
        virtq_kick(q->vq);
        spin_unlock_irqrestore(&q->lock, fl);
    }
}

static const struct netdev_ops vnet_ops = {.xmit = vnet_xmit, .flush = vnet_flush};

struct virtio_device *virtio_net_device(const struct netdev *d)
{
    if (!d || d->ops != &vnet_ops)
        return NULL;
    return ((const struct vnet *)d->priv)->vd;
}

int virtio_net_mergeable(const struct netdev *d)
{
    return virtio_net_device(d) ? ((const struct vnet *)d->priv)->mrg : 0;
}

struct virtqueue *virtio_net_queue(const struct netdev *d, unsigned index)
{
    if (!virtio_net_device(d))
        return NULL;
    const struct vnet *vn = d->priv;
    if (index >= 2 * vn->npairs)
        return NULL;
    return index & 1 ? vn->tx[index / 2].vq : vn->rx[index / 2].vq;
}

void virtio_net_hold_rx(struct netdev *d, int hold)
{
    if (!virtio_net_device(d))
        return;
    struct vnet *vn = d->priv;
    __atomic_store_n(&vn->rx[0].hold, hold, __ATOMIC_RELEASE);
    if (!hold)
        sem_up(&vn->rx[0].work);
}

int virtio_net_check_used(struct netdev *d, uintptr_t token, uint32_t len, unsigned nbufs)
{
    if (!virtio_net_device(d))
        return -ENODEV;
    struct vnet *vn = d->priv;
    struct vnet_rxq *q = &vn->rx[0];
    unsigned s;
    if (nbufs == 0 || nbufs > RX_SEGS) {
        if (say_error(vn))
            pr_err("%s: receive queue 0: frame claims %u buffers (1 to %u); dropped", d->name,
               nbufs, RX_SEGS);
        return -EIO;
    }
    irqflags_t fl = spin_lock_irqsave(&q->lock);
    int err = rx_check(q, token, len, 1, &s);
    spin_unlock_irqrestore(&q->lock, fl);
    return err ? -EIO : 0;
}

int virtio_net_set_rx_len(struct netdev *d, unsigned len)
{
    if (!virtio_net_device(d))
        return -ENODEV;
    if (len == 0)
        len = VNET_BUF_BYTES;
    if (len < VNET_RX_MIN || len > VNET_BUF_BYTES)
        return -EINVAL;
    struct vnet *vn = d->priv;
    if (!vn->mrg && len < VNET_BUF_BYTES)
        return -EINVAL; /* without mergeable buffers a frame must fit one */
    __atomic_store_n(&vn->rx_len, len, __ATOMIC_RELAXED);
    return 0;
}

int virtio_net_check_mac(const char *who, uint8_t mac[ETH_ALEN])
{
    static const uint8_t zero[ETH_ALEN];
    if (memcmp(mac, zero, ETH_ALEN) != 0 && !(mac[0] & 1))
        return 0;
    uint8_t old[ETH_ALEN];
    memcpy(old, mac, ETH_ALEN);
    uint64_t r = hal_time_ns() * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < ETH_ALEN; i++)
        mac[i] = (uint8_t)(r >> (8 * i));
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
    pr_warn("%s: MAC %02x:%02x:%02x:%02x:%02x:%02x is %s; using %02x:%02x:%02x:%02x:%02x:%02x",
            who, old[0], old[1], old[2], old[3], old[4], old[5],
            old[0] & 1 ? "a multicast address" : "all zeros", mac[0], mac[1], mac[2], mac[3],
            mac[4], mac[5]);
    return -EINVAL;
}

/* Set the number of queue pairs through the control queue, waiting for the
 * device's answer (a second at most). 0 or -EIO. */
static int ctrl_mq(struct vnet *vn, struct virtqueue *cq, uint16_t pairs)
{
    struct dma_buf m;
    if (dma_alloc(64, 64, &m))
        return -ENOMEM;
    uint8_t *p = m.virt;
    p[0] = CTRL_MQ;
    p[1] = CTRL_MQ_VQ_PAIRS_SET;
    memcpy(p + 2, &pairs, 2);
    p[32] = 0xff;
    struct virtq_buf b[3] = {{m.phys, 2, 0}, {m.phys + 2, 2, 0}, {m.phys + 32, 1, 1}};
    int err = virtq_add(cq, b, 3, p);
    if (!err) {
        virtq_kick(cq);
        uint64_t end = hal_time_ns() + 1000000000ull;
        while (!virtq_get(cq, NULL)) {
            if (hal_time_ns() > end) {
                err = -ETIMEDOUT;
                break;
            }
            thread_yield();
        }
    }
    if (!err && p[32] != CTRL_OK)
        err = -EIO;
    if (err != -ETIMEDOUT)
        dma_free(&m); /* a request the device still holds keeps its memory */
    if (err)
        pr_warn("%s: the device did not take %u queue pairs (%s); using one", vn->vd->name,
                pairs, errno_name(err));
    return err;
}

static int vnet_start(struct vnet *vn)
{
    struct virtio_device *vd = vn->vd;
    unsigned max_pairs = 1;
    if (virtio_has(vd, VIRTIO_NET_F_MQ) && virtio_has(vd, VIRTIO_NET_F_CTRL_VQ)) {
        uint16_t mp;
        virtio_read_config(vd, CFG_MAX_PAIRS, &mp, 2);
        if (mp < 1 || mp > 0x8000)
            pr_warn("%s: config offers %u queue pairs (1 to 32768); using one", vd->name, mp);
        else if (2u * mp >= sizeof vd->vqs / sizeof vd->vqs[0])
            pr_warn("%s: offers %u queue pairs; its control queue lies beyond the %u queues "
                    "kept, using one", vd->name, mp,
                    (unsigned)(sizeof vd->vqs / sizeof vd->vqs[0]));
        else
            max_pairs = mp;
    }
    unsigned cpus = smp_cpus_online();
    vn->npairs = max_pairs < cpus ? max_pairs : cpus;
    if (vn->npairs > VNET_MAX_PAIRS)
        vn->npairs = VNET_MAX_PAIRS;
    if (vn->npairs == 0)
        vn->npairs = 1;
    for (unsigned i = 0; i < vn->npairs; i++) {
        struct vnet_rxq *r = &vn->rx[i];
        struct vnet_txq *t = &vn->tx[i];
        r->vn = vn;
        r->index = i;
        spin_init(&r->lock, "virtio-net-rx");
        spin_init(&t->lock, "virtio-net-tx");
        sem_init(&r->work, 0, "virtio-net-rx");
        r->vq = virtq_create(vd, 2 * i, VNET_DEPTH, rx_irq);
        t->vq = virtq_create(vd, 2 * i + 1, VNET_DEPTH, NULL);
        if (!r->vq || !t->vq)
            return -ENOMEM;
        r->vq->driver_priv = r;
        t->vq->driver_priv = t;
        r->posted = kzalloc(r->vq->size * sizeof *r->posted);
        t->free = kmalloc(t->vq->size * sizeof *t->free);
        if (!r->posted || !t->free ||
            dma_alloc((size_t)r->vq->size * VNET_BUF_BYTES, 4096, &r->mem) ||
            dma_alloc((size_t)t->vq->size * VNET_BUF_BYTES, 4096, &t->mem))
            return -ENOMEM;
        for (unsigned s = t->vq->size; s-- > 0;)
            t->free[t->nfree++] = (uint16_t)s;
        virtq_disable_cb(t->vq); /* xmit() reclaims */
        for (unsigned s = 0; s < r->vq->size; s++)
            rx_post(r, s);
    }
    struct virtqueue *cq = NULL;
    if (max_pairs > 1) {
        cq = virtq_create(vd, 2 * max_pairs, 8, NULL);
        if (!cq)
            return -ENOMEM;
        virtq_disable_cb(cq);
    }
    int err = vd->ops->setup_irqs(vd);
    if (err)
        return err;
    virtio_driver_ok(vd);
    if (virtio_needs_reset(vd))
        return -EIO;
    for (unsigned i = 0; i < vn->npairs; i++)
        virtq_kick(vn->rx[i].vq);
    if (cq && vn->npairs > 1 && ctrl_mq(vn, cq, (uint16_t)vn->npairs))
        vn->npairs = 1;
    return 0;
}

static int vnet_probe(struct device *dev)
{
    struct virtio_device *vd = virtio_dev_of(dev);
    if (!vd)
        return -ENODEV;
    vd->dev = dev;
    uint64_t offered = vd->ops->get_features(vd);
    int err = virtio_negotiate(vd, wanted);
    if (err)
        return virtio_fail(vd, err == -ENODEV ? "offers no VERSION_1 (a legacy-only device)"
                                               : "refused our features");
    struct vnet *vn = kzalloc(sizeof *vn);
    if (!vn)
        return virtio_fail(vd, "no memory");
    vn->vd = vd;
    vn->mrg = virtio_has(vd, VIRTIO_NET_F_MRG_RXBUF);
    vn->hdr_len = vd->legacy && !vn->mrg ? HDR_LEN_LEGACY : HDR_LEN;
    vn->rx_len = VNET_BUF_BYTES;
    if (virtio_has(vd, VIRTIO_NET_F_MAC))
        virtio_read_config(vd, CFG_MAC, vn->nd.mac, ETH_ALEN);
    virtio_net_check_mac(vd->name, vn->nd.mac); /* none offered: all zeros, replaced */
    pr_info("%s: virtio-net features offered %#lx, using %#lx", vd->name,
            (unsigned long)offered, (unsigned long)vd->features);
    vd->driver_priv = vn;
    vd->config_changed = vnet_config_changed;
    err = vnet_start(vn);
    if (err) {
        vd->config_changed = NULL;
        vd->driver_priv = NULL;
        int ret = virtio_fail(vd, err == -ENOMEM ? "no memory for its queues"
                                                 : "could not be started");
        for (unsigned i = 0; i < VNET_MAX_PAIRS; i++) {
            kfree(vn->rx[i].posted);
            kfree(vn->tx[i].free);
            if (vn->rx[i].mem.virt)
                dma_free(&vn->rx[i].mem);
            if (vn->tx[i].mem.virt)
                dma_free(&vn->tx[i].mem);
        }
        kfree(vn);
        return ret;
    }
    strlcpy(vn->bus, vd->name, sizeof vn->bus);
    vn->nd.ops = &vnet_ops;
    vn->nd.priv = vn;
    vn->nd.mtu = 1500;
    vn->nd.nqueues = vn->npairs;
    vn->nd.bus = vn->bus;
    vn->nd.features = NETDEV_F_RX_BATCH; /* rx_thread() ends each pass with netdev_rx_end() */
    if (virtio_has(vd, VIRTIO_NET_F_CSUM))
        vn->nd.features |= NETDEV_F_TX_CSUM;
    if (virtio_has(vd, VIRTIO_NET_F_GUEST_CSUM))
        vn->nd.features |= NETDEV_F_RX_CSUM;
    uint16_t st = VIRTIO_NET_S_LINK_UP;
    if (virtio_has(vd, VIRTIO_NET_F_STATUS))
        virtio_read_config(vd, CFG_STATUS, &st, 2);
    vn->nd.link_up = st & VIRTIO_NET_S_LINK_UP;
    err = netdev_register(&vn->nd);
    if (err) {
        pr_err("%s: not registered as an interface (%s)", vd->name, errno_name(err));
        return err; /* the device stays live but unused */
    }
    uint32_t all = sched_cpu_mask();
    for (unsigned i = 0; i < vn->npairs; i++) {
        char name[16];
        ksnprintf(name, sizeof name, "%s-rx%u", vn->nd.name, i);
        uint32_t mask = vn->npairs > 1 && (all >> i & 1) ? 1u << i : all;
        int tid = thread_create_on(name, rx_thread, &vn->rx[i], PRIO_DEFAULT + 2,
                                   THREAD_DETACHED, mask);
        if (tid < 0) {
            pr_err("%s: no receive thread for queue %u (%s)", vn->nd.name, i, errno_name(tid));
            continue;
        }
        if (vn->npairs > 1 && vn->rx[i].vq->irq && (all >> i & 1))
            irq_set_affinity(vn->rx[i].vq->irq, i);
        sem_up(&vn->rx[i].work); /* anything that came before the thread */
    }
    ktimer_init(&vn->watch, vnet_watch, vn);
    ktimer_arm(&vn->watch, hal_time_ns() + VNET_WATCH_MS * 1000000ull);
    return 0;
}

static const char *const vnet_compat[] = {"virtio,device1", NULL};
DRIVER(virtio_net_driver, .name = "virtio-net", .compatible = vnet_compat, .probe = vnet_probe);
