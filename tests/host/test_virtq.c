/**
 * @file test_virtq.c
 * @brief Split virtqueues (drivers/virtio/virtq.c) against a simulated
 *        device that reads the rings as the VirtIO spec says a device does.
 *
 * "Physical" addresses are host pointers, so the device follows the
 * descriptors the driver wrote. Checked: every request comes back exactly
 * once with its token and the length the device wrote; chains and
 * indirect tables carry the buffers in order, readable before writable;
 * the ring fills (-ENOSPC) and drains; the 16-bit indices wrap many times;
 * notifications follow the NO_NOTIFY flag, or EVENT_IDX's avail_event;
 * the descriptor count returns to the queue size whenever nothing is out.
 * With a device that does not snoop the caches, each buffer the device
 * wrote is synced for the CPU once per completion, and nothing else is
 * read on the way (ASan: an indirect request's walk once followed the
 * free list past the array's end).
 */
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/kmalloc.h>

#include "../../drivers/virtio/virtio.h"
#include "check.h"
#include "log_capture.h"

void *kzalloc(size_t n) { return calloc(1, n); }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

int dma_alloc(size_t size, size_t align, struct dma_buf *out)
{
    void *p = aligned_alloc(align, (size + align - 1) & ~(align - 1));
    if (!p)
        return -ENOMEM;
    memset(p, 0, size);
    *out = (struct dma_buf){p, (uint64_t)(uintptr_t)p, size};
    return 0;
}

void dma_free(struct dma_buf *b)
{
    free(b->virt);
    memset(b, 0, sizeof *b);
}

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

/* A device that does not snoop: its syncs of 32-byte buffers the device
 * wrote, for the CPU, counted. */
static struct device noncoherent_dev = {.dma_coherent = 0};
static unsigned cpu_syncs;
static int sim_sync(const struct device *dev, void *virt, size_t len, enum dma_dir dir, int for_cpu)
{
    (void)dev, (void)virt;
    if (for_cpu && dir == DMA_FROM_DEVICE && len == 32)
        cpu_syncs++;
    return 0;
}

static unsigned notifies;
static void sim_notify(struct virtqueue *vq) { (void)vq, notifies++; }
static const struct virtio_transport_ops ops = {.notify = sim_notify};

/* The device's view of one queue. */
struct dev {
    struct virtqueue *vq;
    volatile struct vdesc *desc;
    volatile uint16_t *avail, *used;
    uint16_t seen;     /* next avail entry to take */
    uint16_t used_idx;
    int bad;
};

static void dev_init(struct dev *d, struct virtqueue *vq)
{
    memset(d, 0, sizeof *d);
    d->vq = vq;
    d->desc = (volatile struct vdesc *)(uintptr_t)vq->desc_phys;
    d->avail = (volatile uint16_t *)(uintptr_t)vq->avail_phys;
    d->used = (volatile uint16_t *)(uintptr_t)vq->used_phys;
}

/* Consume one request: check its shape, fill writable buffers with the
 * first readable byte, report how much was written. */
static void dev_one(struct dev *d)
{
    unsigned size = d->vq->size;
    uint16_t head = d->avail[2 + d->seen % size];
    d->seen++;
    volatile struct vdesc *table = d->desc;
    unsigned i = head, n = 0, limit = size;
    if (d->desc[head].flags & 4) { /* indirect */
        table = (volatile struct vdesc *)(uintptr_t)d->desc[head].addr;
        limit = d->desc[head].len / 16;
        i = 0;
    }
    uint8_t fill = 0;
    uint32_t written = 0;
    int writing = 0;
    for (;;) {
        if (n++ > limit) {
            d->bad++;
            break;
        }
        uint8_t *buf = (uint8_t *)(uintptr_t)table[i].addr;
        if (table[i].flags & 2) {
            writing = 1;
            memset(buf, fill, table[i].len);
            written += table[i].len;
        } else {
            if (writing)
                d->bad++; /* readable after writable */
            if (n == 1)
                fill = buf[0];
        }
        if (!(table[i].flags & 1))
            break;
        i = table[i].next;
    }
    volatile uint32_t *ue = (volatile uint32_t *)(d->used + 2) + 2 * (d->used_idx % size);
    ue[0] = head;
    ue[1] = written;
    d->used_idx++;
    d->used[1] = d->used_idx;
}

static int dev_pending(const struct dev *d) { return d->seen != d->avail[1]; }

struct req {
    uint8_t out[64];
    uint8_t in[3][32];
    unsigned nin;
    int live;
};

static void run_random(int indirect, int event_idx, unsigned size, unsigned ops_count, int noncoherent)
{
    struct virtio_device vd = {.ops = &ops};
    vd.features = (indirect ? 1ull << VIRTIO_F_INDIRECT_DESC : 0) |
                  (event_idx ? 1ull << VIRTIO_F_EVENT_IDX : 0);
    struct virtqueue *vq = virtq_alloc(&vd, 0, size);
    CHECK(vq != NULL);
    if (!vq)
        return;
    if (noncoherent)
        virtq_set_dma(vq, &noncoherent_dev, sim_sync);
    struct dev d;
    dev_init(&d, vq);
    struct req *reqs = calloc(512, sizeof *reqs);
    unsigned live = 0, done = 0, added = 0, full = 0;
    uint64_t rng = 12345 + size + (unsigned)indirect * 7 + (unsigned)event_idx * 13;
    for (unsigned op = 0; op < ops_count; op++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned what = (unsigned)(rng >> 33) % 10;
        if (what < 5) {
            struct req *r = NULL;
            for (unsigned k = 0; k < 512; k++)
                if (!reqs[(op + k) % 512].live) {
                    r = &reqs[(op + k) % 512];
                    break;
                }
            if (!r)
                continue;
            r->nin = 1 + (unsigned)(rng >> 40) % 3;
            r->out[0] = (uint8_t)(rng >> 48);
            struct virtq_buf b[4] = {{(uint64_t)(uintptr_t)r->out, 64, 0}};
            for (unsigned k = 0; k < r->nin; k++) {
                memset(r->in[k], 0xee, 32);
                b[1 + k] = (struct virtq_buf){(uint64_t)(uintptr_t)r->in[k], 32, 1};
            }
            int err = virtq_add(vq, b, 1 + r->nin, r);
            if (err == -ENOSPC) {
                full++;
                CHECK(virtq_free_count(vq) < (indirect ? 1 : 1 + r->nin));
                continue;
            }
            CHECK_EQ_INT(err, 0);
            r->live = 1;
            live++;
            added++;
            if ((rng >> 20) % 3 == 0)
                virtq_kick(vq);
        } else if (what < 8) {
            unsigned n = (unsigned)(rng >> 36) % 4;
            while (n-- && dev_pending(&d))
                dev_one(&d);
        } else {
            uint32_t len;
            struct req *r;
            unsigned synced = cpu_syncs;
            while ((r = virtq_get(vq, &len)) != NULL) {
                if (noncoherent)
                    CHECK_EQ_INT(cpu_syncs - synced, r->nin); /* each buffer it wrote, no more */
                synced = cpu_syncs;
                CHECK(r->live);
                CHECK_EQ_INT(len, 32 * r->nin);
                for (unsigned k = 0; k < r->nin; k++)
                    CHECK(r->in[k][0] == r->out[0] && r->in[k][31] == r->out[0]);
                r->live = 0;
                live--;
                done++;
            }
            if (live == 0 && !dev_pending(&d))
                CHECK_EQ_INT(virtq_free_count(vq), size);
        }
    }
    CHECK_EQ_INT(d.bad, 0);
    CHECK(added > 65536 || ops_count < 200000); /* the long runs wrap the indices */
    CHECK(full > 0);                             /* the ring did fill */
    CHECK(done > 0);
    virtq_destroy(vq);
    free(reqs);
}

static void test_layout_and_errors(void)
{
    size_t a, u, i, t;
    CHECK_EQ_INT(virtq_layout(0, &a, &u, &i, &t), -EINVAL);
    CHECK_EQ_INT(virtq_layout(100, &a, &u, &i, &t), -EINVAL);
    CHECK_EQ_INT(virtq_layout(256, &a, &u, &i, &t), 0);
    CHECK_EQ_INT(a, 4096);
    CHECK(u % 64 == 0 && u >= a + 6 + 512 && i >= u + 6 + 2048);
    struct virtio_device vd = {.ops = &ops};
    struct virtqueue *vq = virtq_alloc(&vd, 0, 8);
    uint8_t x[8];
    struct virtq_buf wr_then_rd[2] = {{(uintptr_t)x, 8, 1}, {(uintptr_t)x, 8, 0}};
    struct virtq_buf zero[1] = {{(uintptr_t)x, 0, 0}};
    CHECK_EQ_INT(virtq_add(vq, wr_then_rd, 2, x), -EINVAL);
    CHECK_EQ_INT(virtq_add(vq, zero, 1, x), -EINVAL);
    CHECK_EQ_INT(virtq_add(vq, wr_then_rd, 0, x), -EINVAL);
    CHECK_EQ_INT(virtq_add(vq, wr_then_rd + 1, 1, NULL), -EINVAL);
    struct virtq_buf nine[9];
    for (int k = 0; k < 9; k++)
        nine[k] = (struct virtq_buf){(uintptr_t)x, 8, 0};
    CHECK_EQ_INT(virtq_add(vq, nine, 9, x), -EINVAL); /* more than the ring, no indirect */
    CHECK(virtq_get(vq, NULL) == NULL);
    virtq_destroy(vq);
}

/* Notification suppression both ways. */
static void test_notify(void)
{
    uint8_t x[8];
    struct virtq_buf b[1] = {{(uintptr_t)x, 8, 0}};
    struct virtio_device vd = {.ops = &ops};
    struct virtqueue *vq = virtq_alloc(&vd, 0, 8);
    struct dev d;
    dev_init(&d, vq);
    notifies = 0;
    virtq_add(vq, b, 1, x);
    CHECK_EQ_INT(virtq_kick(vq), 1);
    CHECK_EQ_INT(virtq_kick(vq), 0); /* nothing new */
    d.used[0] = 1;                   /* NO_NOTIFY */
    virtq_add(vq, b, 1, x + 1);
    CHECK_EQ_INT(virtq_kick(vq), 0);
    CHECK_EQ_INT(notifies, 1);
    virtq_destroy(vq);

    vd.features = 1ull << VIRTIO_F_EVENT_IDX;
    vq = virtq_alloc(&vd, 0, 8);
    dev_init(&d, vq);
    volatile uint16_t *avail_event = (volatile uint16_t *)(d.used + 2 + 4 * 8);
    notifies = 0;
    *avail_event = 0; /* "tell me when entry 0 is made available" */
    virtq_add(vq, b, 1, x);
    CHECK_EQ_INT(virtq_kick(vq), 1);
    *avail_event = 5; /* the device will look again by itself until idx 5 */
    virtq_add(vq, b, 1, x + 1);
    virtq_add(vq, b, 1, x + 2);
    CHECK_EQ_INT(virtq_kick(vq), 0); /* idx 1..3: not past 5 */
    for (int k = 0; k < 3; k++)
        virtq_add(vq, b, 1, x + 3 + k);
    CHECK_EQ_INT(virtq_kick(vq), 1); /* idx 3..6 crosses 5 */
    CHECK_EQ_INT(notifies, 2);
    /* The driver asks for an interrupt after each completion it has seen. */
    while (dev_pending(&d))
        dev_one(&d);
    CHECK(virtq_get(vq, NULL) == x);
    CHECK_EQ_INT(d.avail[2 + 8], 1); /* used_event */
    virtq_disable_cb(vq);
    CHECK_EQ_INT(d.avail[2 + 8], 0);
    /* Taking completions while disabled leaves them disabled (virtio-net's
     * transmit queue is reclaimed this way and wants no interrupt). */
    CHECK(virtq_get(vq, NULL) == x + 1);
    CHECK(virtq_get(vq, NULL) == x + 2);
    CHECK_EQ_INT(d.avail[2 + 8], 0);
    CHECK_EQ_INT(virtq_enable_cb(vq), 1); /* three completions already wait */
    CHECK_EQ_INT(d.avail[2 + 8], 3);
    CHECK(virtq_get(vq, NULL) == x + 3);
    CHECK_EQ_INT(d.avail[2 + 8], 4); /* enabled again: after each one */
    /* Where the device stands: given 6, returned 6, 2 of them not taken. */
    struct virtq_snapshot st;
    virtq_state(vq, &st);
    CHECK_EQ_INT(st.used_idx, 6);
    CHECK_EQ_INT(st.avail_idx, 6);
    CHECK_EQ_INT(virtq_pending(vq), 2);
    /* A notification lost (lose_notify): with EVENT_IDX every later kick is
     * skipped too, as the device never moved avail_event past it; only a
     * notification sent regardless (a driver's watch) wakes the device. */
    *avail_event = 6;
    vq->lose_notify = 1;
    virtq_add(vq, b, 1, x + 6);
    CHECK_EQ_INT(virtq_kick(vq), 0);
    CHECK_EQ_INT(vq->lose_notify, 0);
    virtq_add(vq, b, 1, x + 7);
    CHECK_EQ_INT(virtq_kick(vq), 0);
    CHECK_EQ_INT(notifies, 2);
    virtq_state(vq, &st);
    CHECK_EQ_INT(st.avail_idx, 8);
    CHECK_EQ_INT(st.used_idx, 6);
    virtq_destroy(vq);
}

int main(void)
{
    test_layout_and_errors();
    test_notify();
    run_random(0, 0, 8, 20000, 0);
    run_random(1, 0, 16, 20000, 0);
    run_random(0, 1, 256, 400000, 0);
    run_random(1, 1, 64, 400000, 0);
    run_random(0, 0, 8, 20000, 1);
    run_random(1, 0, 8, 20000, 1);
    run_random(1, 1, 16, 20000, 1);
    return CHECK_DONE("test_virtq");
}
