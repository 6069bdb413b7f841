/**
 * @file virtio_blk_tests.c
 * @brief ktests of virtio-blk that need a disk (`vda`) and pass without one:
 *        a request whose buffer has more physical pieces than one virtio
 *        request may carry (a vmalloc buffer, one piece per page, at an odd
 *        offset) goes out as several and reads what a contiguous buffer
 *        reads; so does a vector of scattered pages (blk_rwv()); and the disk run as a device that does not snoop the CPU
 *        caches gets, from the virtqueue alone, the cache maintenance each
 *        request needs (rings, header, status and data), with the data
 *        read back right; a completion whose interrupt was lost is
 *        collected by the block layer's nudge, not failed by its timeout.
 */
#include <hal/mmu.h>
#include <kernel/block.h>
#include <kernel/dma.h>
#include <kernel/driver.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/kprintf.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

#include "virtio_blk.h"

static void kt_done(struct blk_request *rq)
{
    *(volatile unsigned *)rq->priv = 1;
}

/* Read @count blocks at 0 with one blk_submit() (no splitting by the block
 * layer, unlike blk_read()) and wait, bounded. */
static int read_one(struct blkdev *bd, uint32_t count, void *buf)
{
    static struct blk_request rq;
    static volatile unsigned done;
    done = 0;
    memset(&rq, 0, sizeof rq);
    rq.op = BLK_READ;
    rq.count = count;
    rq.buf = buf;
    rq.done = kt_done;
    rq.priv = (void *)&done;
    int err = blk_submit(bd, &rq);
    if (err)
        return err;
    if (!kt_wait_for(&done, 1, 20000000000ull))
        return -1000; /* never completed: must not happen (the block layer times out first) */
    return rq.status;
}

/* The disk `vda` once probing is done, or NULL when there is none: these
 * tests are then skipped (NO_DISK says why). */
static struct blkdev *test_disk(void)
{
    device_probe_wait();
    struct blkdev *bd = blk_find("vda");
    return bd && bd->nblocks && bd->ops ? bd : NULL;
}

#define NO_DISK "no virtio disk vda to read"

/* The completion interrupt of a read is lost (the queue's lose_irq): with
 * EVENT_IDX the device raises no other, so without the block layer's
 * nudge collecting it the read would time out and the disk be reset
 * (EIO). */
KTEST(virtio_blk_lost_completion_interrupt_collected)
{
    struct blkdev *bd = test_disk();
    KT_SKIP_UNLESS(bd, NO_DISK);
    struct virtio_device *vd = virtio_blk_device(bd);
    uint8_t *buf = kmalloc(bd->block_size);
    KT_ASSERT(buf != NULL);
    unsigned nq = 0, left = 0;
    for (unsigned i = 0; i < vd->nvqs; i++) /* the read goes to this CPU's queue */
        if (vd->vqs[i]) {
            vd->vqs[i]->lose_irq = 1;
            nq++;
        }
    int err = read_one(bd, 1, buf);
    for (unsigned i = 0; i < vd->nvqs; i++)
        if (vd->vqs[i]) {
            left += vd->vqs[i]->lose_irq;
            vd->vqs[i]->lose_irq = 0;
        }
    kfree(buf);
    KT_ASSERT(left < nq); /* an interrupt was lost */
    KT_ASSERT_EQ(err, 0);
}

KTEST(virtio_blk_fragmented_buffer_split_into_parts)
{
    struct blkdev *bd = test_disk();
    KT_SKIP_UNLESS(bd, NO_DISK);
    uint32_t count = (uint32_t)((2u << 20) / bd->block_size);
    if (count > bd->nblocks)
        count = (uint32_t)bd->nblocks;
    size_t len = (size_t)count * bd->block_size;
    uint8_t *frag = vmalloc(len + 4096);
    uint8_t *flat = kmalloc(len);
    KT_ASSERT(frag && flat);
    uint8_t *odd = frag + 8; /* every page a piece, none aligned */
    memset(odd, 0x5a, len);
    memset(flat, 0xa5, len);
    int e1 = read_one(bd, count, odd), e2 = read_one(bd, count, flat);
    int same = memcmp(odd, flat, len) == 0;
    vfree(frag);
    kfree(flat);
    KT_ASSERT(e1 == 0);
    KT_ASSERT(e2 == 0);
    KT_ASSERT(same);
}

/* The disk's first 512 KiB read as one vector of 128 single pages taken
 * one by one (scattered, as page cache pages are), each piece at an odd
 * place and split in two: what one flat buffer reads. */
KTEST(virtio_blk_vector_of_scattered_pages)
{
    struct blkdev *bd = test_disk();
    KT_SKIP_UNLESS(bd, NO_DISK);
    enum { PAGES = 128 };
    size_t len = PAGES * 4096ul;
    if (len > bd->nblocks * bd->block_size)
        len = (size_t)(bd->nblocks * bd->block_size) / 4096 * 4096;
    unsigned pages = (unsigned)(len / 4096);
    static uint64_t frame[PAGES];
    static struct blk_vec v[2 * PAGES];
    uint8_t *flat = kmalloc(len);
    int ok = flat != NULL && pages > 0;
    unsigned got = 0;
    for (; ok && got < pages; got++) {
        if (!(frame[got] = pmm_alloc(0))) {
            ok = 0;
            break;
        }
        uint8_t *p = hal_phys_to_virt(frame[got]);
        memset(p, 0x5a, 4096);
        v[2 * got] = (struct blk_vec){p, 1000};           /* 4096 bytes of disk per page, */
        v[2 * got + 1] = (struct blk_vec){p + 1000, 3096}; /* in two pieces */
    }
    int err = ok ? blk_rwv(bd, BLK_READ, 0, v, 2 * pages) : -1;
    int flat_err = ok ? blk_read(bd, 0, (uint32_t)(len / bd->block_size), flat) : -1;
    int same = ok;
    for (unsigned i = 0; ok && i < pages; i++)
        same &= memcmp(hal_phys_to_virt(frame[i]), flat + i * 4096ul, 4096) == 0;
    for (unsigned i = 0; i < got; i++)
        pmm_free(frame[i], 0);
    kfree(flat);
    KT_ASSERT(ok);
    KT_ASSERT(err == 0 && flat_err == 0);
    KT_ASSERT(same);
}

/* ---- the disk as a non-coherent device: what maintenance a request gets ---- */

/* Every maintenance dma_sync_watch() reports for the watched device, in
 * order, and where the completion callback found the list. A record counts
 * once it carries the request's generation: the interrupt handler may still
 * be adding some (polling the used ring) while the test reads them. */
#define NREC 256
static struct rec {
    uint64_t phys;
    size_t len;
    enum dma_dir dir;
    int for_cpu;
    unsigned gen;              /* written last */
} recs[NREC];
static unsigned nrec;          /* atomic: may grow from the interrupt */
static unsigned nrec_at_done;  /* nrec when the request completed */
static unsigned rec_gen;       /* the request being watched */
static const struct device *watched;

static void watch(const struct device *dev, const void *virt, size_t len, enum dma_dir dir,
                  int for_cpu)
{
    if (dev != watched)
        return;
    unsigned g = __atomic_load_n(&rec_gen, __ATOMIC_ACQUIRE);
    unsigned i = __atomic_fetch_add(&nrec, 1, __ATOMIC_RELAXED);
    if (i >= NREC)
        return;
    recs[i].phys = hal_virt_to_phys(virt);
    recs[i].len = len;
    recs[i].dir = dir;
    recs[i].for_cpu = for_cpu;
    __atomic_store_n(&recs[i].gen, g, __ATOMIC_RELEASE);
}

static void kt_done_mark(struct blk_request *rq)
{
    nrec_at_done = __atomic_load_n(&nrec, __ATOMIC_RELAXED);
    *(volatile unsigned *)rq->priv = 1;
}

/* What one request got, sorted by where and which way. "Clean" is a
 * for_device DMA_TO_DEVICE, "invalidate" a DMA_FROM_DEVICE either way. */
struct tally {
    unsigned desc_clean;       /* descriptor or indirect table cleaned */
    unsigned avail_entry_clean, avail_idx_clean;
    unsigned used_idx_inval, used_entry_inval;
    unsigned used_clean;       /* the used ring cleaned: never right */
    unsigned hdr_clean;        /* a 16-byte request header cleaned */
    unsigned status_inval_dev, status_inval_cpu; /* 1-byte status, both halves */
    size_t data_clean, data_inval_dev, data_inval_cpu; /* bytes of the buffer */
    unsigned data_wrong;       /* data maintained the wrong way, or past its end */
    unsigned cpu_late;         /* data taken back only after the completion */
    unsigned lost;             /* more records than kept */
};

static int overlaps(uint64_t a, size_t alen, uint64_t b, size_t blen)
{
    return a < b + blen && b < a + alen;
}

static void classify(const struct virtio_device *vd, uint64_t data, size_t dlen, struct tally *t)
{
    unsigned n = __atomic_load_n(&nrec, __ATOMIC_RELAXED);
    memset(t, 0, sizeof *t);
    if (n > NREC)
        t->lost = n - NREC, n = NREC;
    for (unsigned i = 0; i < n; i++) {
        const struct rec *r = &recs[i];
        if (__atomic_load_n(&r->gen, __ATOMIC_ACQUIRE) != rec_gen)
            continue; /* still being written, or left from the last request */
        int clean = !r->for_cpu && r->dir == DMA_TO_DEVICE;
        int inval = r->dir == DMA_FROM_DEVICE;
        if (overlaps(r->phys, r->len, data, dlen)) {
            if (r->phys < data || r->phys + r->len > data + dlen || r->dir == DMA_BIDIRECTIONAL)
                t->data_wrong++;
            else if (clean)
                t->data_clean += r->len;
            else if (inval && !r->for_cpu)
                t->data_inval_dev += r->len;
            else if (inval) {
                t->data_inval_cpu += r->len;
                t->cpu_late += i >= nrec_at_done;
            }
            continue;
        }
        int ring = 0;
        for (unsigned q = 0; q < vd->nvqs; q++) {
            const struct virtqueue *vq = vd->vqs[q];
            size_t avail_off, used_off, ind_off, total;
            if (!vq || virtq_layout(vq->size, &avail_off, &used_off, &ind_off, &total))
                continue;
            uint64_t desc = vq->desc_phys, avail = vq->avail_phys, used = vq->used_phys;
            if (overlaps(r->phys, r->len, desc, 16u * vq->size) ||
                overlaps(r->phys, r->len, desc + ind_off, total - ind_off)) {
                t->desc_clean += clean;
                ring = 1;
            } else if (overlaps(r->phys, r->len, avail, 6 + 2u * vq->size)) {
                int idx = overlaps(r->phys, r->len, avail + 2, 2);
                int entry = overlaps(r->phys, r->len, avail + 4, 2u * vq->size);
                t->avail_idx_clean += clean && idx;
                t->avail_entry_clean += clean && entry;
                ring = 1;
            } else if (overlaps(r->phys, r->len, used, 6 + 8u * vq->size)) {
                int idx = overlaps(r->phys, r->len, used + 2, 2);
                int entry = overlaps(r->phys, r->len, used + 4, 8u * vq->size);
                t->used_idx_inval += inval && idx;
                t->used_entry_inval += inval && entry;
                t->used_clean += !inval;
                ring = 1;
            }
        }
        if (!ring && clean && r->len == 16)
            t->hdr_clean++;
        else if (!ring && inval && r->len == 1)
            *(r->for_cpu ? &t->status_inval_cpu : &t->status_inval_dev) += 1;
    }
}

/* One request of @count blocks at @lba through blk_submit() (one request
 * to the driver, as the block layer does not split it), watched: 0 or an
 * error; *t says what maintenance it got. */
static int watched_request(struct blkdev *bd, enum blk_op op, uint64_t lba, uint32_t count,
                           void *buf, struct tally *t)
{
    static struct blk_request rq;
    static volatile unsigned done;
    done = 0;
    memset(&rq, 0, sizeof rq);
    rq.op = op;
    rq.lba = lba;
    rq.count = count;
    rq.buf = buf;
    rq.done = kt_done_mark;
    rq.priv = (void *)&done;
    nrec_at_done = ~0u;
    __atomic_store_n(&nrec, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&rec_gen, 1, __ATOMIC_RELEASE);
    int err = blk_submit(bd, &rq);
    if (err)
        return err;
    if (!kt_wait_for(&done, 1, 20000000000ull))
        return -1000;
    classify(virtio_blk_device(bd), hal_virt_to_phys(buf), (size_t)count * bd->block_size, t);
    return rq.status;
}

/* Every request must have: its descriptors and avail entry cleaned and the
 * avail idx cleaned (after them: see virtq.c), the used idx and entry
 * invalidated before they were read, the used ring never cleaned; the
 * header cleaned, the status byte invalidated for the device and again
 * for the CPU; the data cleaned (to the disk) or invalidated both ways
 * (from it, the second before the completion), all of it and nothing
 * else. 0 if so, else which check failed. */
static int tally_ok(const struct tally *t, enum blk_op op, size_t len)
{
    if (t->lost)
        return 1;
    if (!t->desc_clean || !t->avail_entry_clean || !t->avail_idx_clean)
        return 2; /* the ring not handed to the device */
    if (!t->used_idx_inval || !t->used_entry_inval)
        return 3; /* the used ring read without taking it back */
    if (t->used_clean)
        return 4;
    if (!t->hdr_clean || !t->status_inval_dev || !t->status_inval_cpu)
        return 5;
    if (t->data_wrong || t->cpu_late)
        return 6;
    if (op == BLK_WRITE && (t->data_clean != len || t->data_inval_dev || t->data_inval_cpu))
        return 7;
    if (op == BLK_READ && (t->data_clean || t->data_inval_dev != len || t->data_inval_cpu != len))
        return 8;
    return 0;
}

static void say_tally(const char *what, const struct tally *t)
{
    kprintf("  %s: ring: %u descriptor, %u avail entry, %u avail idx cleans, %u used idx, "
            "%u used entry invalidates; header %u clean, status %u+%u invalidates; data %zu "
            "bytes cleaned, %zu+%zu invalidated\n", what, t->desc_clean, t->avail_entry_clean,
            t->avail_idx_clean, t->used_idx_inval, t->used_entry_inval, t->hdr_clean,
            t->status_inval_dev, t->status_inval_cpu, t->data_clean, t->data_inval_dev,
            t->data_inval_cpu);
}

/* The steps, with the queues on the non-coherent view; what failed, and
 * each request's tally for the message. */
struct nc_run {
    int err[5];       /* read, write, read back, restore, read restored */
    int check[5];     /* tally_ok() of each */
    struct tally t[5];
    int same_back, same_restored;
};

static void nc_steps(struct blkdev *bd, uint64_t lba, uint32_t count, uint8_t *orig, uint8_t *pat,
                     uint8_t *back, struct nc_run *r)
{
    size_t len = (size_t)count * bd->block_size;
    static const enum blk_op ops[5] = {BLK_READ, BLK_WRITE, BLK_READ, BLK_WRITE, BLK_READ};
    memset(back, 0, len);
    r->err[0] = watched_request(bd, BLK_READ, lba, count, orig, &r->t[0]);
    for (size_t i = 0; i < len; i++)
        pat[i] = (uint8_t)(~orig[i] ^ (i * 31 + 7)); /* differs from what is there */
    int steps = bd->read_only || r->err[0] ? 1 : 5;
    for (int k = 1; k < steps; k++) {
        uint8_t *buf = k == 1 ? pat : k == 3 ? orig : back;
        if (k == 4)
            memset(back, 0, len);
        r->err[k] = watched_request(bd, ops[k], lba, count, buf, &r->t[k]);
        if (k == 2)
            r->same_back = memcmp(back, pat, len) == 0;
    }
    r->same_restored = steps == 1 || memcmp(back, orig, len) == 0;
    if (steps == 1)
        r->same_back = 1;
    for (int k = 0; k < steps; k++)
        r->check[k] = r->err[k] ? 0 : tally_ok(&r->t[k], ops[k], len);
}

KTEST(virtio_blk_noncoherent_device_synced_by_the_ring)
{
    struct blkdev *bd = test_disk();
    KT_SKIP_UNLESS(bd, NO_DISK);
    struct virtio_device *vd = virtio_blk_device(bd);
    if (!vd) {
        kprintf("  (no virtio disk vda: vda is another driver's)\n");
        return;
    }
    uint32_t count = (uint32_t)(4096 / bd->block_size ? 4096 / bd->block_size : 1);
    if (count > bd->nblocks)
        count = (uint32_t)bd->nblocks;
    uint64_t lba = bd->nblocks - count; /* the end: away from partition tables */
    size_t len = (size_t)count * bd->block_size;
    /* Page-aligned kmalloc memory: physically contiguous, one piece, in
     * the direct map, sharing no cache line with anything else. */
    uint8_t *orig = kmalloc_aligned(len, 4096), *pat = kmalloc_aligned(len, 4096);
    uint8_t *back = kmalloc_aligned(len, 4096);
    int have_memory = orig && pat && back;
    if (!have_memory)
        kfree(orig), kfree(pat), kfree(back);
    KT_ASSERT(have_memory);
    /* The same transport, described as not snooping the caches. */
    static struct device nc;
    nc = *vd->transport;
    strlcpy(nc.name, "ktest-noncoherent-vda", sizeof nc.name);
    nc.dma_coherent = 0;
    watched = &nc;
    dma_sync_watch_fn prev = dma_sync_watch(watch);
    int set = virtio_blk_set_dma_dev(bd, &nc);
    struct nc_run r = {0};
    if (set == 0)
        nc_steps(bd, lba, count, orig, pat, back, &r);
    int unset = set == 0 ? virtio_blk_set_dma_dev(bd, NULL) : 0;
    dma_sync_watch(prev);
    watched = NULL;
    int writable = !bd->read_only;
    if (!writable)
        kprintf("  (vda is read-only: reads only)\n");
    static const char *const what[5] = {"read", "write", "read back", "restore", "read restored"};
    for (int k = 0; k < (writable ? 5 : 1); k++)
        if (r.err[k] || r.check[k]) {
            kprintf("  %s: error %d, check %d failed\n", what[k], r.err[k], r.check[k]);
            say_tally(what[k], &r.t[k]);
        }
    kfree(orig), kfree(pat), kfree(back);
    KT_ASSERT(prev == NULL);
    KT_ASSERT(set == 0 && unset == 0);
    for (int k = 0; k < (writable ? 5 : 1); k++) {
        KT_ASSERT(r.err[k] == 0);
        KT_ASSERT(r.check[k] == 0);
    }
    KT_ASSERT(r.same_back);     /* what was written came back */
    KT_ASSERT(r.same_restored); /* and the disk is as it was */
}
