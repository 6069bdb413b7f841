/**
 * @file block_tests.c
 * @brief ktests of the block layer over a RAM disk whose "hardware" takes
 *        a few requests at a time and finishes them later from a timer, or
 *        never (to test timeouts). Disks are registered as kt<letter> and
 *        unregistered again, so the tests run any number of times.
 */
#include <kernel/block.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/log.h>
#include <kernel/logbuf.h>
#include <kernel/ktest.h>
#include <kernel/printf.h>
#include <kernel/vfs.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/ktimer.h>
#include <hal/timer.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#include "block_internal.h"
#include "part_build.h"

#define RD_SLOTS 8

struct ramdisk {
    struct blkdev bd;
    uint8_t *data;
    unsigned hw_depth;       /* requests the "hardware" takes at once */
    int never;               /* accept requests and never finish them */
    uint64_t bad_lba;        /* a request touching this block fails with -EIO (0: none) */
    int deaf;                /* takes requests but works only when kicked (a lost notification) */
    volatile unsigned kicks;
    struct spinlock lock;
    struct blk_request *slot[RD_SLOTS];
    unsigned busy, max_busy;
    volatile unsigned submits, resets;
    struct ktimer timer;
};

static void rd_finish(struct ktimer *t, void *arg)
{
    (void)t;
    struct ramdisk *rd = arg;
    struct blk_request *done[RD_SLOTS];
    unsigned n = 0;
    /* A device that stopped answering answers nothing, though a timer a
     * kick armed before (the timeout thread's, racing the test's switch)
     * fires now: on a loaded riscv64 host it once finished the request the
     * timeout test needed unanswered. */
    if (__atomic_load_n(&rd->never, __ATOMIC_ACQUIRE))
        return;
    irqflags_t f = spin_lock_irqsave(&rd->lock);
    for (unsigned i = 0; i < RD_SLOTS; i++) {
        if (!rd->slot[i])
            continue;
        done[n++] = rd->slot[i];
        rd->slot[i] = NULL;
        rd->busy--;
    }
    spin_unlock_irqrestore(&rd->lock, f);
    for (unsigned i = 0; i < n; i++) {
        struct blk_request *rq = done[i];
        size_t off = (size_t)rq->lba * rd->bd.block_size;
        if (rd->bad_lba && rq->op != BLK_FLUSH && rq->lba <= rd->bad_lba &&
            rd->bad_lba < rq->lba + rq->count) {
            blk_complete(rq, -EIO); /* a medium error: nothing transferred */
            continue;
        }
        if (rq->op != BLK_FLUSH)
            blk_rq_copy(rq, rd->data + off, rq->op == BLK_READ);
        blk_complete(rq, 0);
    }
}

static int rd_submit(struct blkdev *bd, struct blk_request *rq)
{
    struct ramdisk *rd = bd->driver_priv;
    irqflags_t f = spin_lock_irqsave(&rd->lock);
    if (rd->busy >= rd->hw_depth) {
        spin_unlock_irqrestore(&rd->lock, f);
        return -EBUSY;
    }
    unsigned i = 0;
    while (rd->slot[i])
        i++;
    rd->slot[i] = rq;
    rd->busy++;
    rd->submits++;
    if (rd->busy > rd->max_busy)
        rd->max_busy = rd->busy;
    spin_unlock_irqrestore(&rd->lock, f);
    if (!rd->never && !rd->deaf)
        ktimer_arm(&rd->timer, hal_time_ns() + 50000);
    return 0;
}

static void rd_kick(struct blkdev *bd)
{
    struct ramdisk *rd = bd->driver_priv;
    rd->kicks++;
    if (!rd->never)
        ktimer_arm(&rd->timer, hal_time_ns() + 50000);
}

/* What a real driver's reset does: the device forgets everything it had. */
static void rd_reset(struct blkdev *bd)
{
    struct ramdisk *rd = bd->driver_priv;
    rd->resets++;
    struct blk_request *lost[RD_SLOTS];
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&rd->lock);
    for (unsigned i = 0; i < RD_SLOTS; i++) {
        if (rd->slot[i])
            lost[n++] = rd->slot[i];
        rd->slot[i] = NULL;
    }
    rd->busy = 0;
    spin_unlock_irqrestore(&rd->lock, f);
    for (unsigned i = 0; i < n; i++)
        blk_complete(lost[i], -EIO);
}

static const struct blkdev_ops rd_ops = {.submit = rd_submit, .reset = rd_reset, .kick = rd_kick};

/* A RAM disk of @p nblocks 512-byte blocks, filled by @p init (may be NULL). */
static struct ramdisk *rd_new(uint64_t nblocks, unsigned depth, void (*init)(uint8_t *, uint64_t))
{
    struct ramdisk *rd = kzalloc(sizeof *rd);
    if (!rd)
        return NULL;
    rd->data = kzalloc(nblocks * 512);
    if (!rd->data) {
        kfree(rd);
        return NULL;
    }
    if (init)
        init(rd->data, nblocks);
    rd->hw_depth = depth;
    spin_init(&rd->lock, "ramdisk");
    ktimer_init(&rd->timer, rd_finish, rd);
    rd->bd.nblocks = nblocks;
    rd->bd.block_size = 512;
    rd->bd.nqueues = 1;
    rd->bd.queue_depth = depth;
    rd->bd.ops = &rd_ops;
    rd->bd.driver_priv = rd;
    return rd;
}

static int rd_free(struct ramdisk *rd)
{
    int err = blk_unregister(&rd->bd);
    ktimer_cancel(&rd->timer);
    kfree(rd->data);
    kfree(rd);
    return err;
}

static void fill_pattern(uint8_t *d, uint64_t nblocks)
{
    for (uint64_t i = 0; i < nblocks * 512; i++)
        d[i] = (uint8_t)(i * 7 + i / 512);
}

struct counter {
    volatile unsigned n;
    volatile int bad;
};

static void count_done(struct blk_request *rq)
{
    struct counter *c = rq->priv;
    if (rq->status)
        c->bad = rq->status;
    c->n++;
}

KTEST(blk_many_requests_in_flight)
{
    enum { N = 200 };
    struct ramdisk *rd = rd_new(1024, 4, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    KT_ASSERT(rd->bd.name[0] == 'k' && rd->bd.name[1] == 't');
    KT_ASSERT(blk_find(rd->bd.name) == &rd->bd);
    unsigned base = rd->submits; /* registration read the partition table */
    struct blk_request *rqs = kzalloc(N * sizeof *rqs);
    uint8_t *bufs = kmalloc(N * 512);
    struct counter c = {0, 0};
    int ok = rqs && bufs;
    for (unsigned i = 0; ok && i < N; i++) {
        rqs[i] = (struct blk_request){.op = BLK_READ, .lba = (i * 37) % 1024, .count = 1,
                                      .buf = bufs + i * 512, .done = count_done, .priv = &c};
        ok = blk_submit(&rd->bd, &rqs[i]) == 0;
    }
    int all = ok && kt_wait_for(&c.n, N, 5000000000ull);
    int right = all;
    for (unsigned i = 0; right && i < N; i++)
        right = memcmp(bufs + i * 512, rd->data + (size_t)((i * 37) % 1024) * 512, 512) == 0;
    unsigned max_busy = rd->max_busy, submits = rd->submits - base;
    kfree(rqs);
    kfree(bufs);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok);
    KT_ASSERT(all);
    KT_ASSERT(c.bad == 0);
    KT_ASSERT(right);
    KT_ASSERT(submits == N);     /* each request reached the driver once */
    KT_ASSERT(max_busy == 4);    /* the driver was kept full, never over */
}

KTEST(blk_sync_write_read_and_split)
{
    /* 600 blocks (300 KiB) is more than one BLK_SYNC_CHUNK: two requests. */
    struct ramdisk *rd = rd_new(1024, 2, NULL);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    unsigned base = rd->submits;
    uint8_t *w = kmalloc(600 * 512), *r = kmalloc(600 * 512);
    int ok = w && r;
    if (ok) {
        fill_pattern(w, 600);
        ok = blk_write(&rd->bd, 100, 600, w + 0) == 0 && blk_read(&rd->bd, 100, 600, r) == 0;
    }
    int same = ok && memcmp(w, r, 600 * 512) == 0 && memcmp(rd->data + 100 * 512, w, 600 * 512) == 0;
    int flush = blk_flush(&rd->bd); /* no write cache: done at once */
    kfree(w);
    kfree(r);
    unsigned submits = rd->submits - base;
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok);
    KT_ASSERT(same);
    KT_ASSERT(flush == 0);
    KT_ASSERT(submits == 4); /* 2 writes + 2 reads of at most 512 blocks */
}

KTEST(blk_vector_request_reads_and_writes_its_pieces_in_order)
{
    /* Pieces of odd sizes (a block split across two) at odd places: the
     * disk sees their bytes in order; a bad vector never reaches it. */
    struct ramdisk *rd = rd_new(64, 2, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    uint8_t *a = kmalloc(4096), *b = kmalloc(4096);
    int ok = a && b;
    int rd_err = -1, wr_err = -1, zero_len = 0, not_blocks = 0, past = 0, none = 0;
    int read_same = 0, written_same = 0;
    unsigned base = rd->submits, submits = 0;
    if (ok) {
        memset(a, 0, 4096);
        memset(b, 0, 4096);
        struct blk_vec v[3] = {{a + 3, 700}, {b + 100, 324}, {a + 2000, 1024}}; /* 2048 bytes: 4 blocks */
        rd_err = blk_rwv(&rd->bd, BLK_READ, 10, v, 3);
        read_same = memcmp(a + 3, rd->data + 10 * 512, 700) == 0 &&
                    memcmp(b + 100, rd->data + 10 * 512 + 700, 324) == 0 &&
                    memcmp(a + 2000, rd->data + 10 * 512 + 1024, 1024) == 0;
        wr_err = blk_rwv(&rd->bd, BLK_WRITE, 40, v, 3);
        written_same = memcmp(rd->data + 40 * 512, rd->data + 10 * 512, 2048) == 0;
        submits = rd->submits - base;
        struct blk_vec bad[2] = {{a, 512}, {b, 0}};
        zero_len = blk_rwv(&rd->bd, BLK_READ, 0, bad, 2);
        bad[1].len = 100;
        not_blocks = blk_rwv(&rd->bd, BLK_READ, 0, bad, 2);
        past = blk_rwv(&rd->bd, BLK_READ, 63, v, 3);
        none = blk_rwv(&rd->bd, BLK_READ, 0, v, 0);
    }
    unsigned after = rd->submits - base;
    kfree(a);
    kfree(b);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok);
    KT_ASSERT(rd_err == 0 && read_same);
    KT_ASSERT(wr_err == 0 && written_same);
    KT_ASSERT(submits == 2); /* one request each way */
    KT_ASSERT(zero_len == -EINVAL && not_blocks == -EINVAL && past == -EINVAL && none == -EINVAL);
    KT_ASSERT(after == submits);
}

KTEST(blk_bad_requests_never_reach_the_driver)
{
    struct ramdisk *rd = rd_new(100, 4, NULL);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    unsigned base = rd->submits;
    uint8_t buf[1024];
    struct counter c = {0, 0};
    struct blk_request rq = {.op = BLK_READ, .lba = 99, .count = 2, .buf = buf,
                             .done = count_done, .priv = &c};
    int past = blk_submit(&rd->bd, &rq);
    rq.lba = ~0ull;
    rq.count = 2;
    int wrap = blk_submit(&rd->bd, &rq);
    rq.lba = 0;
    rq.count = 0;
    int zero = blk_submit(&rd->bd, &rq);
    rq.count = 1;
    rq.buf = NULL;
    int nobuf = blk_submit(&rd->bd, &rq);
    int null = blk_submit(&rd->bd, NULL);
    int sync_past = blk_read(&rd->bd, 100, 1, buf);
    rd->bd.read_only = 1;
    int ro_w = blk_write(&rd->bd, 0, 1, buf);
    int ro_f = blk_flush(&rd->bd);
    int ro_r = blk_read(&rd->bd, 0, 1, buf);
    unsigned submits = rd->submits - base;
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(past == -EINVAL && wrap == -EINVAL && zero == -EINVAL && nobuf == -EINVAL);
    KT_ASSERT(null == -EINVAL && sync_past == -EINVAL);
    KT_ASSERT(ro_w == -EROFS && ro_f == -EROFS && ro_r == 0);
    KT_ASSERT(c.n == 0);     /* refused requests complete nothing */
    KT_ASSERT(submits == 1); /* only the read-only device's read went out */
}

KTEST(blk_device_that_never_answers_times_out)
{
    struct ramdisk *rd = rd_new(64, 4, NULL);
    KT_ASSERT(rd);
    rd->bd.timeout_ms = 200;
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    rd->never = 1;
    uint8_t buf[512];
    uint64_t t0 = hal_time_ns();
    int err = blk_read(&rd->bd, 3, 1, buf);
    uint64_t ms = (hal_time_ns() - t0) / 1000000;
    unsigned resets = rd->resets;
    rd->never = 0; /* the reset device answers again */
    int again = blk_read(&rd->bd, 3, 1, buf);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT_EQ(err, -ETIMEDOUT);
    KT_ASSERT(ms >= 200 && ms < 3000);
    KT_ASSERT_EQ(resets, 1);
    KT_ASSERT_EQ(again, 0);
}

/* Primary 1: 10+100, primary 2: 200+50, extended 300+400 holding logical
 * 5 at 310+20 and logical 6 (second EBR at 300+100) at 410+30. */
static void make_mbr(uint8_t *d, uint64_t nblocks)
{
    (void)nblocks;
    mbr_put_entry(d, 0, 0x83, 10, 100);
    mbr_put_entry(d, 1, 0x83, 200, 50);
    mbr_put_entry(d, 2, 0x05, 300, 400);
    d[510] = 0x55, d[511] = 0xaa;
    uint8_t *ebr1 = d + 300 * 512, *ebr2 = d + 400 * 512;
    mbr_put_entry(ebr1, 0, 0x83, 10, 20);
    mbr_put_entry(ebr1, 1, 0x05, 100, 50);
    ebr1[510] = 0x55, ebr1[511] = 0xaa;
    mbr_put_entry(ebr2, 0, 0x83, 10, 30);
    ebr2[510] = 0x55, ebr2[511] = 0xaa;
}

static int part_is(const char *name, struct blkdev *disk, uint64_t start, uint64_t n)
{
    struct blkdev *p = blk_find(name);
    return p && p->parent == disk && p->start == start && p->nblocks == n;
}

KTEST(blk_mbr_partitions_with_logical_ones)
{
    struct ramdisk *rd = rd_new(1024, 4, make_mbr);
    KT_ASSERT(rd);
    unsigned before = blk_count();
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    char name[BLK_NAME_MAX + 4];
    int p1, p2, p5, p6, p3;
    ksnprintf(name, sizeof name, "%s1", rd->bd.name), p1 = part_is(name, &rd->bd, 10, 100);
    ksnprintf(name, sizeof name, "%s2", rd->bd.name), p2 = part_is(name, &rd->bd, 200, 50);
    ksnprintf(name, sizeof name, "%s3", rd->bd.name), p3 = blk_find(name) != NULL;
    ksnprintf(name, sizeof name, "%s5", rd->bd.name), p5 = part_is(name, &rd->bd, 310, 20);
    ksnprintf(name, sizeof name, "%s6", rd->bd.name), p6 = part_is(name, &rd->bd, 410, 30);
    unsigned count = blk_count() - before;
    /* I/O through a partition lands at its offset, and stops at its end. */
    ksnprintf(name, sizeof name, "%s2", rd->bd.name);
    struct blkdev *part = blk_find(name);
    uint8_t buf[512];
    memset(buf, 0xa5, sizeof buf);
    int w = part ? blk_write(part, 49, 1, buf) : -1;
    int landed = rd->data[(200 + 49) * 512] == 0xa5 && rd->data[(200 + 49) * 512 + 511] == 0xa5;
    int end = part ? blk_read(part, 50, 1, buf) : -1;
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(blk_count() == before); /* the partitions went with the disk */
    KT_ASSERT(p1 && p2 && p5 && p6);
    KT_ASSERT(!p3); /* the extended partition is a container, not a device */
    KT_ASSERT(count == 5);
    KT_ASSERT(w == 0 && landed);
    KT_ASSERT(end == -EINVAL);
}

/* The primary GPT header at block 1 of @p d (512-byte blocks): @p nentries
 * entries of 128 bytes at block 2, usable blocks from @p first_usable to
 * block nblocks - first_usable, both CRCs computed. */
static void gpt_put_header(uint8_t *d, uint64_t nblocks, uint64_t first_usable, uint32_t nentries)
{
    uint8_t *h = d + 512;
    memcpy(h, "EFI PART", 8);
    put_le32(h + 8, 0x00010000);
    put_le32(h + 12, 92);
    put_le64(h + 24, 1);
    put_le64(h + 32, nblocks - 1);
    put_le64(h + 40, first_usable);
    put_le64(h + 48, nblocks - first_usable);
    put_le64(h + 72, 2);
    put_le32(h + 80, nentries);
    put_le32(h + 84, 128);
    put_le32(h + 88, crc32(0, d + 2 * 512, (size_t)nentries * 128));
    put_le32(h + 16, crc32(0, h, 92));
}

/* A GPT on 2048 blocks: partitions 1 (34..133) and 3 (1000..1999), 128
 * entries of 128 bytes at block 2, backup header at the last block. */
static void make_gpt(uint8_t *d, uint64_t nblocks)
{
    mbr_put_entry(d, 0, 0xee, 1, (uint32_t)(nblocks - 1));
    d[510] = 0x55, d[511] = 0xaa;
    uint8_t *ent = d + 2 * 512;
    static const uint8_t type[16] = {0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                     0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4};
    memcpy(ent, type, 16);
    put_le64(ent + 32, 34);
    put_le64(ent + 40, 133);
    memcpy(ent + 2 * 128, type, 16);
    put_le64(ent + 2 * 128 + 32, 1000);
    put_le64(ent + 2 * 128 + 40, 1999);
    gpt_put_header(d, nblocks, 34, 128);
}

KTEST(blk_gpt_partitions)
{
    struct ramdisk *rd = rd_new(2048, 4, make_gpt);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    char name[BLK_NAME_MAX + 4];
    int p1, p2, p3;
    ksnprintf(name, sizeof name, "%s1", rd->bd.name), p1 = part_is(name, &rd->bd, 34, 100);
    ksnprintf(name, sizeof name, "%s2", rd->bd.name), p2 = blk_find(name) != NULL;
    ksnprintf(name, sizeof name, "%s3", rd->bd.name), p3 = part_is(name, &rd->bd, 1000, 1000);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(p1 && p3);
    KT_ASSERT(!p2);
}

/* A GPT on 1024 blocks with 256 entries (64 blocks at 2, the backup
 * header alone at the end), the first 200 valid: 2 blocks each from 66. */
static void make_gpt_200(uint8_t *d, uint64_t nblocks)
{
    mbr_put_entry(d, 0, 0xee, 1, (uint32_t)(nblocks - 1));
    d[510] = 0x55, d[511] = 0xaa;
    uint8_t *ent = d + 2 * 512;
    static const uint8_t type[16] = {0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                     0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4};
    for (unsigned i = 0; i < 200; i++) {
        memcpy(ent + i * 128, type, 16);
        put_le64(ent + i * 128 + 16, i + 1);
        put_le64(ent + i * 128 + 32, 66 + 2 * i);
        put_le64(ent + i * 128 + 40, 67 + 2 * i);
    }
    gpt_put_header(d, nblocks, 66, 256);
}

/* Where @p needle first occurs in @p s, or NULL. */
static const char *find_in(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return s;
    for (; *s; s++)
        if (strncmp(s, needle, n) == 0)
            return s;
    return NULL;
}

/* Log lines from record @p since on where "<name>: " is followed by @p text. */
static unsigned log_lines_with(uint64_t since, const char *name, const char *text)
{
    static char line[KLOG_LINE_MAX];
    char who[BLK_NAME_MAX + 4];
    ksnprintf(who, sizeof who, " %s: ", name); /* after "]" or "warning:" */
    uint64_t end, lost;
    struct logbuf_cursor c = klog_oldest(&end);
    unsigned level, n = 0;
    while (c.seq < end && klog_read(&c, &level, line, sizeof line, &lost) >= 0) {
        const char *at = c.seq > since ? find_in(line, who) : NULL;
        if (at && find_in(at + strlen(who), text))
            n++;
    }
    return n;
}

/* Issue 23: a disk with 64 or more partitions filled the 64-slot device
 * table, said "64 partitions" with 63 registered, and the next disk found
 * no slot. The table grows; the disk keeps PART_MAX partitions, says so in
 * one line, and the next disk and its partitions register and work. */
KTEST(blk_many_partitions_leave_room_for_the_next_disk)
{
    struct ramdisk *big = rd_new(1024, 4, make_gpt_200);
    struct ramdisk *next = rd_new(1024, 4, make_mbr);
    int ok = big && next;
    unsigned before = blk_count();
    uint64_t mark = 0;
    klog_oldest(&mark);
    int reg_big = ok ? blk_register(&big->bd, "kt") : -1;
    unsigned after_big = blk_count();
    int reg_next = ok && reg_big == 0 ? blk_register(&next->bd, "kt") : -1;
    unsigned after_next = blk_count();
    char name[BLK_NAME_MAX + 8];
    int first = 0, last = 0, past = 1, p5 = 0, p6 = 0, io = -1;
    unsigned counted = 0, summary = 0, lines = 0;
    if (reg_big == 0 && reg_next == 0) {
        ksnprintf(name, sizeof name, "%s1", big->bd.name), first = part_is(name, &big->bd, 66, 2);
        ksnprintf(name, sizeof name, "%s128", big->bd.name), last = part_is(name, &big->bd, 320, 2);
        ksnprintf(name, sizeof name, "%s129", big->bd.name), past = blk_find(name) != NULL;
        ksnprintf(name, sizeof name, "%s5", next->bd.name), p5 = part_is(name, &next->bd, 310, 20);
        ksnprintf(name, sizeof name, "%s6", next->bd.name), p6 = part_is(name, &next->bd, 410, 30);
        uint8_t buf[512];
        struct blkdev *p = blk_find(name);
        io = p ? blk_read(p, 29, 1, buf) : -1;
        if (io == 0 && memcmp(buf, next->data + (410 + 29) * 512, 512) != 0)
            io = -2;
        counted = log_lines_with(mark, big->bd.name, "128 partitions");
        summary = log_lines_with(mark, big->bd.name, "partition entr");
        lines = log_lines_with(mark, big->bd.name, "");
    }
    int free_next = next ? rd_free(next) : 0, free_big = big ? rd_free(big) : 0;
    unsigned after = blk_count();
    KT_ASSERT(ok);
    KT_ASSERT(reg_big == 0 && reg_next == 0);
    KT_ASSERT(free_big == 0 && free_next == 0);
    KT_ASSERT(after_big - before == 1 + PART_MAX);
    KT_ASSERT(after_next - after_big == 1 + 4);
    KT_ASSERT(after == before); /* every partition went with its disk */
    KT_ASSERT(first && last && !past);
    KT_ASSERT(p5 && p6 && io == 0);
    KT_ASSERT(counted == 1);
    KT_ASSERT(summary == 1);        /* "72 partition entries skipped (...)" and nothing else */
    KT_ASSERT(lines == 3);          /* and its size: no line per entry */
    KT_ASSERT(log_lines_with(mark, "blk", "no room for another kt disk") == 0);
}

/* The MBR of make_mbr(), but logical 5 starts on its own EBR (block 300). */
static void make_mbr_ebr_overlap(uint8_t *d, uint64_t nblocks)
{
    make_mbr(d, nblocks);
    mbr_put_entry(d + 300 * 512, 0, 0x83, 0, 20);
}

/* Issue 23: a logical partition over its own EBR was registered; a write
 * to it would rewrite the chain. It is refused, by name, and the next
 * logical partition is still there. */
KTEST(blk_logical_partition_on_its_ebr_refused)
{
    struct ramdisk *rd = rd_new(1024, 4, make_mbr_ebr_overlap);
    KT_ASSERT(rd);
    uint64_t mark = 0;
    klog_oldest(&mark);
    unsigned before = blk_count();
    int reg = blk_register(&rd->bd, "kt");
    unsigned count = blk_count() - before;
    char name[BLK_NAME_MAX + 4];
    int p5 = 1, p6 = 0;
    unsigned said = 0;
    if (reg == 0) {
        ksnprintf(name, sizeof name, "%s5", rd->bd.name), p5 = blk_find(name) != NULL;
        ksnprintf(name, sizeof name, "%s6", rd->bd.name), p6 = part_is(name, &rd->bd, 410, 30);
        said = log_lines_with(mark, rd->bd.name, "starts on its own extended boot record");
    }
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(reg == 0);
    KT_ASSERT(!p5 && p6);
    KT_ASSERT(count == 4); /* the disk, 1, 2 and 6 */
    KT_ASSERT(said == 1);
}

KTEST(blk_io_error_reaches_the_caller)
{
    struct ramdisk *rd = rd_new(256, 4, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    rd->bad_lba = 77;
    uint8_t *buf = kmalloc(16 * 512);
    int bad = buf ? blk_read(&rd->bd, 70, 16, buf) : -1;    /* covers block 77 */
    int good = buf ? blk_read(&rd->bd, 78, 16, buf) : -1;   /* does not */
    int same = buf && memcmp(buf, rd->data + 78 * 512, 16 * 512) == 0;
    int wbad = buf ? blk_write(&rd->bd, 77, 1, buf) : -1;
    kfree(buf);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(bad == -EIO);
    KT_ASSERT(good == 0 && same);
    KT_ASSERT(wbad == -EIO);
}

KTEST(blk_lost_notification_is_kicked)
{
    struct ramdisk *rd = rd_new(64, 4, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    rd->deaf = 1; /* from now on, nothing happens until someone kicks */
    uint8_t buf[512];
    uint64_t t0 = hal_time_ns();
    int err = blk_read(&rd->bd, 5, 1, buf);
    uint64_t ms = (hal_time_ns() - t0) / 1000000;
    unsigned kicks = rd->kicks;
    int same = memcmp(buf, rd->data + 5 * 512, 512) == 0;
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(err == 0 && same);
    KT_ASSERT(kicks >= 1);
    KT_ASSERT(ms < 1000); /* the watch's look, not the 5 s timeout */
}

/* ---- plugs ---- */

/* Each request's own count of done() calls and the status it got. */
struct each {
    struct counter *all;
    unsigned calls;
    int status;
};

static void each_done(struct blk_request *rq)
{
    struct each *e = rq->priv;
    e->calls++;
    e->status = rq->status;
    if (rq->status)
        e->all->bad = rq->status;
    e->all->n++;
}

/* 64 one-block writes in a scrambled order, a write elsewhere, a read next
 * to them and a write in two pieces joined by one in one piece: held until
 * the plug is finished, then four requests, each done() once. */
KTEST(blk_plug_merges_neighbours)
{
    enum { N = 64, TOTAL = N + 4 };
    struct ramdisk *rd = rd_new(1024, 4, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    struct blk_request *rqs = kzalloc(TOTAL * sizeof *rqs);
    struct each *e = kzalloc(TOTAL * sizeof *e);
    uint8_t *w = kmalloc((N + 5) * 512), *r = kmalloc(512);
    struct counter c = {0, 0};
    int ok = rqs && e && w && r, held = 0, all = 0, once = 1, data = 0;
    unsigned submits = 0, plugged = 0;
    if (ok) {
        for (unsigned i = 0; i < (N + 5) * 512; i++)
            w[i] = (uint8_t)(i * 13 + i / 512 + 1);
        unsigned base = rd->submits;
        struct blk_plug plug;
        blk_plug_start(&plug);
        for (unsigned i = 0; i < N; i++) {
            unsigned b = (i * 37) % N; /* a permutation of 0..N-1 */
            rqs[i] = (struct blk_request){.op = BLK_WRITE, .lba = 100 + b, .count = 1, .buf = w + b * 512};
        }
        rqs[N] = (struct blk_request){.op = BLK_WRITE, .lba = 300, .count = 1, .buf = w + N * 512};
        rqs[N + 1] = (struct blk_request){.op = BLK_READ, .lba = 100 + N, .count = 1, .buf = r};
        struct blk_vec v[2] = {{w + (N + 1) * 512 + 256, 512}, {w + (N + 3) * 512, 512}};
        rqs[N + 2] = (struct blk_request){.op = BLK_WRITE, .lba = 400, .count = 2, .vec = v, .nvec = 2};
        rqs[N + 3] = (struct blk_request){.op = BLK_WRITE, .lba = 402, .count = 1, .buf = w + (N + 4) * 512};
        for (unsigned i = 0; ok && i < TOTAL; i++) {
            e[i].all = &c;
            rqs[i].done = each_done;
            rqs[i].priv = &e[i];
            ok = blk_submit(&rd->bd, &rqs[i]) == 0;
        }
        plugged = plug.n;
        held = rd->submits == base && c.n == 0;
        blk_plug_finish(&plug);
        all = ok && kt_wait_for(&c.n, TOTAL, 5000000000ull);
        submits = rd->submits - base;
        for (unsigned i = 0; i < TOTAL; i++)
            once = once && e[i].calls == 1 && e[i].status == 0;
        data = memcmp(rd->data + 100 * 512, w, N * 512) == 0 && memcmp(rd->data + 300 * 512, w + N * 512, 512) == 0 &&
               memcmp(r, rd->data + (100 + N) * 512, 512) == 0 &&
               memcmp(rd->data + 400 * 512, w + (N + 1) * 512 + 256, 512) == 0 &&
               memcmp(rd->data + 401 * 512, w + (N + 3) * 512, 1024) == 0;
    }
    kfree(rqs);
    kfree(e);
    kfree(w);
    kfree(r);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok);
    KT_ASSERT(plugged == TOTAL);
    KT_ASSERT(held);        /* nothing reached the driver before the finish */
    KT_ASSERT(all);
    KT_ASSERT(once);        /* each done() once, status 0 */
    KT_ASSERT(submits == 4); /* blocks 100-163, 300, the read, 400-402 */
    KT_ASSERT(data);
}

/* A thread that waits sends what it holds first: a synchronous read inside
 * a plug returns (it would wait for ever for a request held by its own
 * thread), and so does a held write's; an inner plug sends nothing. */
KTEST(blk_plug_sends_before_its_thread_waits)
{
    struct ramdisk *rd = rd_new(256, 4, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    uint8_t *w = kmalloc(512), *r = kmalloc(512);
    struct counter c = {0, 0};
    int ok = w && r, rerr = -1, inner_held = 0, done = 0;
    if (ok) {
        memset(w, 0x5a, 512);
        unsigned base = rd->submits;
        struct blk_plug outer, inner;
        blk_plug_start(&outer);
        struct blk_request wr = {.op = BLK_WRITE, .lba = 20, .count = 1, .buf = w, .done = count_done, .priv = &c};
        blk_plug_start(&inner);
        ok = blk_submit(&rd->bd, &wr) == 0;
        blk_plug_finish(&inner);
        inner_held = rd->submits == base && outer.n == 1;
        rerr = blk_read(&rd->bd, 30, 1, r);
        done = kt_wait_for(&c.n, 1, 5000000000ull);
        blk_plug_finish(&outer);
    }
    int same = ok && memcmp(r, rd->data + 30 * 512, 512) == 0 && memcmp(rd->data + 20 * 512, w, 512) == 0;
    kfree(w);
    kfree(r);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok);
    KT_ASSERT(inner_held);
    KT_ASSERT(rerr == 0);
    KT_ASSERT(done && c.bad == 0);
    KT_ASSERT(same);
}

/* A merged request never carries more than the disk's max_blocks, and an
 * error in it reaches every request it carried, and only those. */
KTEST(blk_plug_merges_within_limits_and_fails_whole)
{
    enum { N = 64 };
    struct ramdisk *rd = rd_new(512, 4, fill_pattern);
    KT_ASSERT(rd);
    rd->bd.max_blocks = 16;
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    rd->bad_lba = 200; /* in the third merged request: 196-211 */
    struct blk_request *rqs = kzalloc(N * sizeof *rqs);
    struct each *e = kzalloc(N * sizeof *e);
    uint8_t *w = kmalloc(N * 512);
    struct counter c = {0, 0};
    int ok = rqs && e && w, all = 0, errors_right = 1;
    unsigned submits = 0;
    if (ok) {
        memset(w, 0xa5, N * 512);
        unsigned base = rd->submits;
        struct blk_plug plug;
        blk_plug_start(&plug);
        for (unsigned i = 0; ok && i < N; i++) {
            unsigned b = N - 1 - i; /* backwards */
            e[i].all = &c;
            rqs[i] = (struct blk_request){.op = BLK_WRITE, .lba = 164 + b, .count = 1, .buf = w + b * 512,
                                          .done = each_done, .priv = &e[i]};
            ok = blk_submit(&rd->bd, &rqs[i]) == 0;
        }
        blk_plug_finish(&plug);
        all = ok && kt_wait_for(&c.n, N, 5000000000ull);
        submits = rd->submits - base;
        for (unsigned i = 0; i < N; i++) {
            uint64_t lba = rqs[i].lba;
            int in_bad = lba >= 196 && lba < 212;
            errors_right = errors_right && e[i].calls == 1 && e[i].status == (in_bad ? -EIO : 0);
        }
    }
    kfree(rqs);
    kfree(e);
    kfree(w);
    KT_ASSERT(rd_free(rd) == 0);
    KT_ASSERT(ok && all);
    KT_ASSERT(submits == N / 16);
    KT_ASSERT(errors_right);
}

/* ---- a software queue per hardware queue ---- */

/* A disk with a hardware queue per CPU, each taking one request at a time
 * and keeping it until the test lets go. */
struct mqdisk {
    struct blkdev bd;
    struct spinlock lock;
    struct blk_request *held[SMP_MAX_CPUS];
    unsigned taken[SMP_MAX_CPUS]; /* requests each queue took */
    volatile unsigned wrong_queue; /* a request for a queue the disk does not have */
    int release;                  /* finish what is held (from the timer) */
    struct ktimer timer;
};

static void mq_finish(struct ktimer *t, void *arg)
{
    (void)t;
    struct mqdisk *d = arg;
    struct blk_request *done[SMP_MAX_CPUS];
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&d->lock);
    for (unsigned q = 0; q < d->bd.nqueues; q++) {
        if (d->held[q])
            done[n++] = d->held[q];
        d->held[q] = NULL;
    }
    spin_unlock_irqrestore(&d->lock, f);
    for (unsigned i = 0; i < n; i++)
        blk_complete(done[i], 0); /* the next waiting on its queue goes out */
}

static int mq_submit(struct blkdev *bd, struct blk_request *rq)
{
    struct mqdisk *d = bd->driver_priv;
    if (rq->hwq >= bd->nqueues) {
        d->wrong_queue++;
        return -EINVAL;
    }
    irqflags_t f = spin_lock_irqsave(&d->lock);
    int busy = d->held[rq->hwq] != NULL;
    if (!busy) {
        d->held[rq->hwq] = rq;
        d->taken[rq->hwq]++;
    }
    spin_unlock_irqrestore(&d->lock, f);
    if (!busy && d->release)
        ktimer_arm(&d->timer, hal_time_ns() + 50000);
    return busy ? -EBUSY : 0;
}

static const struct blkdev_ops mq_ops = {.submit = mq_submit};

/* CPU c's requests go to queue c, and a full queue keeps only its own CPU's
 * requests waiting: with one software queue per disk (before issue 24) the
 * second CPU's first request waited behind the first CPU's second. */
KTEST(blk_queue_per_cpu)
{
    uint32_t cpus = sched_cpu_mask();
    unsigned n = 32 - (unsigned)__builtin_clz(cpus); /* queue c for CPU index c */
    struct mqdisk *d = kzalloc(sizeof *d);
    KT_ASSERT(d);
    spin_init(&d->lock, "mqdisk");
    ktimer_init(&d->timer, mq_finish, d);
    d->bd = (struct blkdev){.nblocks = 1, .block_size = 512, .nqueues = n, .queue_depth = n,
                            .ops = &mq_ops, .driver_priv = d};
    int reg = blk_register(&d->bd, "kq");
    struct blk_request rq[2 * SMP_MAX_CPUS];
    static uint8_t buf[2 * SMP_MAX_CPUS][512];
    struct counter c = {0, 0};
    unsigned sent = 0, reached = 1;
    int self = thread_current()->id;
    for (unsigned cpu = 0; reg == 0 && cpu < n; cpu++) {
        if (!(cpus >> cpu & 1) || thread_set_affinity(self, 1u << cpu) != 0)
            continue;
        for (int k = 0; k < 2; k++, sent++) { /* the first goes out, the second waits */
            rq[sent] = (struct blk_request){.op = BLK_READ, .lba = 0, .count = 1,
                                            .buf = buf[sent], .done = count_done, .priv = &c};
            blk_submit(&d->bd, &rq[sent]);
        }
        irqflags_t f = spin_lock_irqsave(&d->lock);
        reached &= d->held[cpu] == &rq[sent - 2] && d->taken[cpu] == 1;
        spin_unlock_irqrestore(&d->lock, f);
    }
    d->release = 1;
    ktimer_arm(&d->timer, hal_time_ns() + 50000);
    int all = kt_wait_for(&c.n, sent, 5000000000ull);
    int unreg = reg == 0 ? blk_unregister(&d->bd) : -1;
    ktimer_cancel(&d->timer);
    unsigned wrong = d->wrong_queue;
    kfree(d);
    KT_ASSERT(reg == 0);
    KT_ASSERT(sent >= 2);
    KT_ASSERT(reached);
    KT_ASSERT(wrong == 0);
    KT_ASSERT(all && c.bad == 0);
    KT_ASSERT(unreg == 0);
}

/* A disk is a node in /dev while it is registered: /dev/<name> reads and
 * writes its blocks (a write of a few bytes in the middle of a block
 * keeps the rest of it), lseek(SEEK_END) finds its size, and the node goes
 * with the disk. */
KTEST(blk_device_node_in_dev)
{
    KT_ASSERT(vfs_init() == 0);
    struct ramdisk *rd = rd_new(64, 2, fill_pattern);
    KT_ASSERT(rd);
    KT_ASSERT(blk_register(&rd->bd, "kt") == 0);
    char path[32];
    ksnprintf(path, sizeof path, "/dev/%s", rd->bd.name);
    struct file *f;
    int opened = vfs_open(NULL, path, O_RDWR, 0, &f) == 0;
    uint8_t buf[700];
    int read_ok = 0, write_ok = 0, kept = 0, end_ok = 0;
    if (opened) {
        struct iobuf b = {(uintptr_t)buf, 0};
        uint64_t at = 1000;
        read_ok = vfs_read(f, &b, sizeof buf, &at) == sizeof buf && memcmp(buf, rd->data + 1000, sizeof buf) == 0;
        static const char msg[] = "written through /dev";
        struct iobuf m = {(uintptr_t)msg, 0};
        at = 5 * 512 + 100;
        write_ok = vfs_write(f, &m, sizeof msg, &at) == sizeof msg &&
                   memcmp(rd->data + 5 * 512 + 100, msg, sizeof msg) == 0;
        kept = 1; /* what block 5 held before the write's bytes (fill_pattern's) */
        for (unsigned i = 5 * 512; i < 5 * 512 + 100; i++)
            kept &= rd->data[i] == (uint8_t)(i * 7 + i / 512);
        end_ok = vfs_lseek(f, 0, 2 /* SEEK_END */) == 64 * 512;
        file_put(f);
    }
    KT_ASSERT(rd_free(rd) == 0);
    struct inode *ino;
    int gone = vfs_lookup(NULL, path, 0, &ino) == -ENOENT;
    KT_ASSERT(opened);
    KT_ASSERT(read_ok);
    KT_ASSERT(write_ok);
    KT_ASSERT(kept);
    KT_ASSERT(end_ok);
    KT_ASSERT(gone);
}
