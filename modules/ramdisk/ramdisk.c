/*
 * The ramdisk module: a 1 MiB disk in RAM, registered with the block layer,
 * so `lsblk`, `blk read`/`write` and `blk crc32` work on it like on any
 * disk ("rama"). It does its work only through the kernel's exports: the
 * heap, a kernel timer that completes requests the way an interrupt would
 * (blk_complete() must not run inside submit, which holds the queue lock),
 * and the block layer. The disk starts filled with a pattern, so its CRC
 * is known: byte i is (i * 7 + i / 512) & 0xff.
 */
#include <hal/timer.h>
#include <kernel/block.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/ktimer.h>
#include <kernel/module.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

const char module_name[] = "ramdisk";

#define NBLOCKS 2048
#define DEPTH 8

static struct blkdev disk;
static uint8_t *data;
static struct spinlock lock = SPINLOCK_INIT("ramdisk");
static struct blk_request *slot[DEPTH];
static struct ktimer timer;

/* The "interrupt": finish everything submitted. */
static void finish(struct ktimer *t, void *arg)
{
    (void)t, (void)arg;
    struct blk_request *done[DEPTH];
    unsigned n = 0;
    irqflags_t f = spin_lock_irqsave(&lock);
    for (unsigned i = 0; i < DEPTH; i++)
        if (slot[i]) {
            done[n++] = slot[i];
            slot[i] = NULL;
        }
    spin_unlock_irqrestore(&lock, f);
    for (unsigned i = 0; i < n; i++) {
        struct blk_request *rq = done[i];
        size_t off = (size_t)rq->lba * 512, len = (size_t)rq->count * 512;
        if (rq->op == BLK_READ)
            memcpy(rq->buf, data + off, len);
        else if (rq->op == BLK_WRITE)
            memcpy(data + off, rq->buf, len);
        blk_complete(rq, 0);
    }
}

static int submit(struct blkdev *bd, struct blk_request *rq)
{
    (void)bd;
    irqflags_t f = spin_lock_irqsave(&lock);
    unsigned i = 0;
    while (i < DEPTH && slot[i])
        i++;
    if (i < DEPTH)
        slot[i] = rq;
    spin_unlock_irqrestore(&lock, f);
    if (i == DEPTH)
        return -EBUSY;
    ktimer_arm(&timer, hal_time_ns() + 20000);
    return 0;
}

/* A lost completion: run the timer again. */
static void kick(struct blkdev *bd)
{
    (void)bd;
    ktimer_arm(&timer, hal_time_ns() + 20000);
}

static const struct blkdev_ops ops = {.submit = submit, .kick = kick};

int module_init(void)
{
    data = kmalloc(NBLOCKS * 512);
    if (!data)
        return -ENOMEM;
    for (uint32_t i = 0; i < NBLOCKS * 512; i++)
        data[i] = (uint8_t)(i * 7 + i / 512);
    ktimer_init(&timer, finish, NULL);
    disk.nblocks = NBLOCKS;
    disk.block_size = 512;
    disk.nqueues = 1;
    disk.queue_depth = DEPTH;
    disk.ops = &ops;
    int rc = blk_register(&disk, "ram");
    if (rc) {
        kfree(data);
        return rc;
    }
    kprintf("ramdisk: %s, %u blocks of 512 bytes\n", disk.name, NBLOCKS);
    return 0;
}

void module_exit(void)
{
    blk_unregister(&disk);
    ktimer_cancel(&timer);
    kfree(data);
    kprintf("ramdisk: %s removed\n", disk.name);
}
