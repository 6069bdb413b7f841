/**
 * @file virtq.c
 * @brief Split virtqueues (VirtIO 1.2, 2.7): descriptor table, available
 *        and used rings in DMA memory, indirect descriptors, EVENT_IDX, and
 *        the cache maintenance of the rings and of every buffer.
 *
 * Memory layout of one queue (one dma_alloc()): the descriptor table
 * (16 bytes an entry), the available ring (flags, idx, ring[size],
 * used_event), then, VIRTQ_USED_ALIGN-aligned, the used ring (flags, idx,
 * ring[size] of {id, len}, avail_event); after it, aligned the same, one
 * indirect table per descriptor, so a request of many buffers takes one
 * ring slot. The used ring is the only part the device writes, so it has
 * cache lines (pages) of its own: on a device that does not snoop, no
 * dirty line of the driver's can be written back over it.
 *
 * The driver's bookkeeping (free list, tokens, chain lengths) lives in
 * normal memory of its own, never read back from memory the device may
 * write. Ordering, as the spec's 2.7.13 and 2.7.14 require:
 *  - descriptors and the ring entry are written before the avail idx
 *    (hal_dma_wmb());
 *  - the avail idx store is ordered before the read of avail_event or the
 *    used flags that decides whether to notify (hal_mb()), otherwise a
 *    device that just went to sleep could be missed;
 *  - the used idx is read before the used entries it covers
 *    (hal_dma_rmb()).
 *
 * The queue owns DMA (kernel/dma.h) as Linux's virtio_ring does, so
 * drivers never maintain caches. On a device that does not snoop the CPU
 * caches (its transport's struct device::dma_coherent is 0):
 *  - every buffer is handed over in virtq_add(), DMA_TO_DEVICE or, if the
 *    device writes it, DMA_FROM_DEVICE, and those the device wrote are
 *    taken back (for the CPU) in virtq_get() before their token is
 *    returned;
 *  - descriptors and the avail entry are cleaned before the avail idx is
 *    written, and the idx after (a line the CPU evicts on its own must
 *    never show the device an idx ahead of its descriptors); used_event
 *    and the avail flags when written;
 *  - the used idx, each used entry, the used flags and avail_event are
 *    invalidated before each read. The CPU never writes the used ring
 *    after virtq_set_dma() (or a reset) cleaned and invalidated the whole
 *    queue, so it never holds a dirty line there.
 * On a coherent device each of these is one flag test.
 *
 * The caller serialises calls on one queue (a lock of the driver's); this
 * file takes none and calls the DMA layer only through the function
 * virtq_set_dma() gives it, so the host unit test runs it as it is.
 */
#include <hal/mmio.h>
#include <hal/mmu.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/string.h>

#include "virtio.h"

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq_state {
    struct dma_buf mem;
    volatile struct vdesc *desc;
    volatile uint16_t *avail;    /* [0] flags, [1] idx, [2 + i] ring, [2 + size] used_event */
    volatile uint16_t *used;     /* [0] flags, [1] idx; entries at used + 2 (as u32 pairs) */
    volatile struct vdesc *ind;  /* size tables of VIRTQ_INDIRECT_MAX entries */
    uint64_t ind_phys;
    uint16_t *next;              /* free list links */
    uint16_t *chain;             /* descriptors a head holds (1 for an indirect head) */
    uint16_t *nind;              /* entries of a head's indirect table, 0 for a chain */
    void **token;
    uint16_t free_head, nfree;
    uint16_t avail_idx, last_used, added;
    int indirect, event_idx;
    int cb_off; /* virtq_disable_cb() holds: virtq_get() leaves used_event alone */
};

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

static volatile uint32_t *used_entry(struct vq_state *s, unsigned i)
{
    return (volatile uint32_t *)(s->used + 2) + 2 * i;
}

static volatile uint16_t *avail_event(struct vq_state *s, unsigned size)
{
    return (volatile uint16_t *)(used_entry(s, size));
}

/* Whether the queue's memory and buffers need cache maintenance: a device
 * that does not snoop, and a way to do it (virtq_set_dma()). */
static int vq_noncoherent(const struct virtqueue *vq)
{
    return vq->dma_sync && !vq->dma_dev->dma_coherent;
}

/* Cache maintenance of [p, p + len) for the queue's device. */
static int vq_sync(const struct virtqueue *vq, const volatile void *p, size_t len,
                   enum dma_dir dir, int for_cpu)
{
    if (!vq_noncoherent(vq))
        return 0;
    return vq->dma_sync(vq->dma_dev, (void *)(uintptr_t)p, len, dir, for_cpu);
}

/* Ring memory the driver wrote (descriptors, the avail ring): to the device. */
static void ring_to_device(const struct virtqueue *vq, const volatile void *p, size_t len)
{
    vq_sync(vq, p, len, DMA_TO_DEVICE, 0);
}

/* Used-ring memory about to be read: what the device wrote, not stale lines. */
static void used_for_cpu(const struct virtqueue *vq, const volatile void *p, size_t len)
{
    vq_sync(vq, p, len, DMA_FROM_DEVICE, 1);
}

static enum dma_dir buf_dir(int device_writes)
{
    return device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
}

/* Put the rings in their initial state: everything free, indices 0, and
 * (on a non-coherent device) the zeros in RAM and no line of the queue
 * left in the cache, so none can later be written back over the used ring. */
static void vq_init_state(struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    memset(s->mem.virt, 0, s->mem.size);
    vq_sync(vq, s->mem.virt, s->mem.size, DMA_BIDIRECTIONAL, 0);
    for (unsigned i = 0; i < vq->size; i++)
        s->next[i] = (uint16_t)(i + 1);
    s->free_head = 0;
    s->nfree = (uint16_t)vq->size;
    s->avail_idx = s->last_used = s->added = 0;
    for (unsigned i = 0; i < vq->size; i++)
        s->token[i] = NULL;
}

int virtq_layout(unsigned size, size_t *avail_off, size_t *used_off, size_t *ind_off,
                 size_t *total)
{
    if (size == 0 || size > 32768 || (size & (size - 1)))
        return -EINVAL;
    *avail_off = 16u * size;
    *used_off = align_up(*avail_off + 6 + 2u * size, VIRTQ_USED_ALIGN);
    *ind_off = align_up(*used_off + 6 + 8u * size, VIRTQ_USED_ALIGN);
    *total = *ind_off + (size_t)size * VIRTQ_INDIRECT_MAX * 16;
    return 0;
}

struct virtqueue *virtq_alloc(struct virtio_device *vd, unsigned index, unsigned size)
{
    size_t avail_off, used_off, ind_off, total;
    if (virtq_layout(size, &avail_off, &used_off, &ind_off, &total))
        return NULL;
    struct virtqueue *vq = kzalloc(sizeof *vq);
    struct vq_state *s = kzalloc(sizeof *s);
    uint16_t *next = kmalloc(size * sizeof *next), *chain = kmalloc(size * sizeof *chain);
    uint16_t *nind = kmalloc(size * sizeof *nind);
    void **token = kmalloc(size * sizeof *token);
    if (!vq || !s || !next || !chain || !nind || !token || dma_alloc(total, 4096, &s->mem)) {
        kfree(vq), kfree(s), kfree(next), kfree(chain), kfree(nind), kfree(token);
        return NULL;
    }
    uint8_t *base = s->mem.virt;
    s->desc = (volatile struct vdesc *)base;
    s->avail = (volatile uint16_t *)(base + avail_off);
    s->used = (volatile uint16_t *)(base + used_off);
    s->ind = (volatile struct vdesc *)(base + ind_off);
    s->ind_phys = s->mem.phys + ind_off;
    s->next = next;
    s->chain = chain;
    s->nind = nind;
    s->token = token;
    vq->vd = vd;
    vq->index = index;
    vq->size = size;
    vq->priv = s;
    vq->desc_phys = s->mem.phys;
    vq->avail_phys = s->mem.phys + avail_off;
    vq->used_phys = s->mem.phys + used_off;
    vq->notify_data = index;
    s->indirect = vd && virtio_has(vd, VIRTIO_F_INDIRECT_DESC);
    s->event_idx = vd && virtio_has(vd, VIRTIO_F_EVENT_IDX);
    vq_init_state(vq);
    return vq;
}

void virtq_set_dma(struct virtqueue *vq, const struct device *dev, virtq_dma_sync_fn sync)
{
    struct vq_state *s = vq->priv;
    vq->dma_dev = dev;
    vq->dma_sync = dev ? sync : NULL;
    /* What the CPU wrote so far (the initial state) reaches RAM, and no
     * line of the queue stays cached. */
    vq_sync(vq, s->mem.virt, s->mem.size, DMA_BIDIRECTIONAL, 0);
}

void virtq_reset_state(struct virtqueue *vq) { vq_init_state(vq); }

void virtq_destroy(struct virtqueue *vq)
{
    if (!vq)
        return;
    struct vq_state *s = vq->priv;
    dma_free(&s->mem);
    kfree(s->next);
    kfree(s->chain);
    kfree(s->nind);
    kfree(s->token);
    kfree(s);
    kfree(vq);
}

unsigned virtq_free_count(const struct virtqueue *vq)
{
    return ((const struct vq_state *)vq->priv)->nfree;
}

static uint16_t take_desc(struct vq_state *s)
{
    uint16_t d = s->free_head;
    s->free_head = s->next[d];
    s->nfree--;
    return d;
}

static void put_desc(struct vq_state *s, uint16_t d)
{
    s->next[d] = s->free_head;
    s->free_head = d;
    s->nfree++;
}

/* Fill descriptor @p d (in a table or an indirect table) from @p b. */
static void set_desc(volatile struct vdesc *d, const struct virtq_buf *b, int more, uint16_t next)
{
    d->addr = b->phys;
    d->len = b->len;
    d->flags = (uint16_t)((b->device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                          (more ? VIRTQ_DESC_F_NEXT : 0));
    d->next = next;
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned n, void *token)
{
    struct vq_state *s = vq->priv;
    if (n == 0 || !bufs || !token)
        return -EINVAL;
    int seen_write = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0 || (seen_write && !bufs[i].device_writes))
            return -EINVAL;
        seen_write |= bufs[i].device_writes;
    }
    int use_ind = s->indirect && n > 1 && n <= VIRTQ_INDIRECT_MAX;
    if (!use_ind && n > vq->size)
        return -EINVAL; /* could never fit */
    if (s->nfree < (use_ind ? 1 : n))
        return -ENOSPC;
    /* The buffers to the device first: it may take the request as soon as
     * the index moves, before any notification. */
    if (vq_noncoherent(vq))
        for (unsigned i = 0; i < n; i++)
            if (vq_sync(vq, hal_phys_to_virt(bufs[i].phys), bufs[i].len,
                        buf_dir(bufs[i].device_writes), 0))
                return -EINVAL; /* not memory the DMA layer can sync (it said why) */
    uint16_t head = take_desc(s);
    if (use_ind) {
        volatile struct vdesc *t = s->ind + (size_t)head * VIRTQ_INDIRECT_MAX;
        for (unsigned i = 0; i < n; i++)
            set_desc(&t[i], &bufs[i], i + 1 < n, (uint16_t)(i + 1 < n ? i + 1 : 0));
        ring_to_device(vq, t, (size_t)n * 16);
        s->desc[head].addr = s->ind_phys + (uint64_t)head * VIRTQ_INDIRECT_MAX * 16;
        s->desc[head].len = n * 16;
        s->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
        s->desc[head].next = 0;
        ring_to_device(vq, &s->desc[head], 16);
        s->chain[head] = 1;
        s->nind[head] = (uint16_t)n;
    } else {
        uint16_t d = head;
        for (unsigned i = 0; i < n; i++) {
            uint16_t nx = i + 1 < n ? take_desc(s) : 0;
            set_desc(&s->desc[d], &bufs[i], i + 1 < n, nx);
            ring_to_device(vq, &s->desc[d], 16);
            s->next[d] = nx; /* our own copy of the link, for virtq_get() */
            d = nx;
        }
        s->chain[head] = (uint16_t)n;
        s->nind[head] = 0;
    }
    s->token[head] = token;
    volatile uint16_t *entry = &s->avail[2 + (s->avail_idx & (vq->size - 1))];
    *entry = head;
    ring_to_device(vq, entry, 2);
    hal_dma_wmb(); /* descriptors and the ring entry before the index */
    s->avail_idx++;
    s->avail[1] = s->avail_idx;
    ring_to_device(vq, &s->avail[1], 2);
    s->added++;
    return 0;
}

int virtq_kick(struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    if (s->added == 0)
        return 0;
    hal_mb(); /* the avail idx is visible before we look at what the device asked for */
    uint16_t new_idx = s->avail_idx, old_idx = (uint16_t)(new_idx - s->added);
    s->added = 0;
    int need;
    if (s->event_idx) {
        volatile uint16_t *ev = avail_event(s, vq->size);
        used_for_cpu(vq, ev, 2);
        uint16_t event = *ev;
        need = (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
    } else {
        used_for_cpu(vq, &s->used[0], 2);
        need = !(s->used[0] & VIRTQ_USED_F_NO_NOTIFY);
    }
    if (need && vq->lose_notify) {
        vq->lose_notify--;
        return 0;
    }
    if (need && vq->vd && vq->vd->ops)
        vq->vd->ops->notify(vq);
    return need;
}

unsigned virtq_pending(const struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    used_for_cpu(vq, &s->used[1], 2);
    return (uint16_t)(s->used[1] - s->last_used);
}

/* The device is done with the request at @p head: the buffers it wrote
 * are synced for the CPU. Their addresses are read back from the
 * descriptor or indirect table, which only the driver writes; the chain's
 * links and lengths come from our own copies. */
static void bufs_for_cpu(struct virtqueue *vq, uint16_t head)
{
    struct vq_state *s = vq->priv;
    if (!vq_noncoherent(vq))
        return;
    unsigned ind = s->nind[head], n = ind ? ind : s->chain[head];
    uint16_t d = head;
    for (unsigned i = 0; i < n; i++) {
        volatile struct vdesc *e = ind ? &s->ind[(size_t)head * VIRTQ_INDIRECT_MAX + i] : &s->desc[d];
        if (e->flags & VIRTQ_DESC_F_WRITE)
            vq_sync(vq, hal_phys_to_virt(e->addr), e->len, DMA_FROM_DEVICE, 1);
        /* Only a chain's links are ours to follow: an indirect table's head
         * is one descriptor, and its next[] is the free list's, whose last
         * link points one past the array. */
        if (!ind)
            d = s->next[d];
    }
}

void *virtq_get(struct virtqueue *vq, uint32_t *len)
{
    struct vq_state *s = vq->priv;
    used_for_cpu(vq, &s->used[1], 2);
    if (s->last_used == s->used[1])
        return NULL;
    hal_dma_rmb(); /* the index before the entry it covers */
    volatile uint32_t *e = used_entry(s, s->last_used & (vq->size - 1));
    used_for_cpu(vq, e, 8);
    uint32_t id = e[0], n = e[1];
    if (id >= vq->size || !s->token[id]) {
        /* A device bug; never follow it into our free list. */
        pr_err("%s: queue %u: device returned descriptor %u it does not own",
               vq->vd ? vq->vd->name : "virtq", vq->index, id);
        s->last_used++;
        return NULL;
    }
    s->last_used++;
    if (s->event_idx && !s->cb_off) {
        s->avail[2 + vq->size] = s->last_used; /* interrupt again after the next one */
        ring_to_device(vq, &s->avail[2 + vq->size], 2);
    }
    bufs_for_cpu(vq, (uint16_t)id);
    void *token = s->token[id];
    s->token[id] = NULL;
    uint16_t d = (uint16_t)id;
    for (unsigned i = s->chain[id]; i > 0; i--) {
        uint16_t nx = s->next[d]; /* the chain's link, kept in our memory */
        put_desc(s, d);
        d = nx;
    }
    if (len)
        *len = n;
    return token;
}

int virtq_enable_cb(struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    volatile uint16_t *w = s->event_idx ? &s->avail[2 + vq->size] : &s->avail[0];
    s->cb_off = 0;
    *w = s->event_idx ? s->last_used : 0;
    ring_to_device(vq, w, 2);
    hal_mb(); /* the request for interrupts before the check for what came meanwhile */
    used_for_cpu(vq, &s->used[1], 2);
    return s->last_used != s->used[1];
}

void virtq_disable_cb(struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    volatile uint16_t *w = s->event_idx ? &s->avail[2 + vq->size] : &s->avail[0];
    s->cb_off = 1;
    /* EVENT_IDX: 65535 completions away */
    *w = s->event_idx ? (uint16_t)(s->last_used - 1) : VIRTQ_AVAIL_F_NO_INTERRUPT;
    ring_to_device(vq, w, 2);
}

void virtq_state(const struct virtqueue *vq, struct virtq_snapshot *out)
{
    struct vq_state *s = vq->priv;
    volatile uint16_t *ev = avail_event(s, vq->size);
    used_for_cpu(vq, s->used, 4);
    used_for_cpu(vq, ev, 2);
    out->avail_idx = s->avail_idx;
    out->last_used = s->last_used;
    out->used_idx = s->used[1];
    out->used_event = s->avail[2 + vq->size];
    out->avail_event = *ev;
    out->used_flags = s->used[0];
    out->in_flight = vq->size - s->nfree;
}

unsigned virtq_in_flight(const struct virtqueue *vq)
{
    return vq->size - virtq_free_count(vq);
}

void *virtq_detach_next(struct virtqueue *vq)
{
    struct vq_state *s = vq->priv;
    for (unsigned i = 0; i < vq->size; i++) {
        if (s->token[i]) {
            void *t = s->token[i];
            bufs_for_cpu(vq, (uint16_t)i);
            s->token[i] = NULL;
            return t;
        }
    }
    return NULL;
}
