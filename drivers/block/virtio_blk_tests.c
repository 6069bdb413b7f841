/**
 * @file virtio_blk_tests.c
 * @brief ktests of virtio-blk that need a disk (`vda`) and pass without one:
 *        a request whose buffer has more physical pieces than one virtio
 *        request may carry (a vmalloc buffer, one piece per page, at an odd
 *        offset) goes out as several and reads what a contiguous buffer reads.
 */
#include <kernel/block.h>
#include <kernel/driver.h>
#include <kernel/kmalloc.h>
#include <kernel/ktest.h>
#include <kernel/kprintf.h>
#include <kernel/string.h>
#include <kernel/vmalloc.h>

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

KTEST(virtio_blk_fragmented_buffer_split_into_parts)
{
    device_probe_wait();
    struct blkdev *bd = blk_find("vda");
    if (!bd || bd->nblocks == 0 || !bd->ops) {
        kprintf("  (no virtio disk vda: nothing to read)\n");
        return;
    }
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
