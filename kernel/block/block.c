/**
 * @file block.c
 * @brief The block layer: the device table, request checking, the per-disk
 *        queue that feeds a driver, completions, timeouts, the sync calls.
 *
 * Each hardware queue of a disk has a software queue of its own, with its
 * own lock: CPU c sends on queue c % nqueues (rq->hwq tells the driver), so
 * with as many queues as CPUs no two CPUs share a lock on the way to the
 * device (Linux's blk-mq keeps a context per hardware queue for the same
 * reason). With one lock per disk, four CPUs completing on four queues all
 * queued on that one lock, and in a VM every hand-over of it waited for the
 * host to run the next vCPU. blk_submit() hands a request straight to the
 * driver while nothing waits before it on its queue; when that hardware
 * queue is full (-EBUSY) requests wait in order and go out from
 * blk_complete() as room appears on it. So the driver sees at most what its
 * hardware takes and nothing is allocated per request (but one per merged
 * request of a plug).
 *
 * A thread may hold its requests back (a plug, below): they go out sorted
 * and merged when it finishes the plug or is about to wait.
 *
 * Timeouts: the `blk-watch` thread sleeps while nothing is in flight and
 * otherwise looks at each disk's oldest request every 50 ms. A request past
 * its deadline is reported and the driver's reset op fails everything the
 * device had (the timed-out request with -ETIMEDOUT): a device that never
 * answers costs one timeout, not a hang.
 *
 * The device table is an array that doubles when full, so no number of
 * partitions on one disk (part_scan() registers at most PART_MAX per disk)
 * leaves another disk without a slot. It is allocated outside table_lock
 * and swapped in under it; readers only look at it under the lock.
 */
#include <hal/timer.h>
#include <kernel/bpf_hook.h>
#include <kernel/block.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/wait.h>

#include "block_internal.h"

/* Per hardware queue: what waits for the driver and what the driver has. */
struct blk_hwq {
    struct spinlock lock;
    struct list_node pending;  /* not yet taken by the driver, in order */
    struct list_node inflight; /* taken, oldest first */
    unsigned ninflight;
    int reported;              /* the oldest timeout was reported and no reset op exists */
    unsigned long completions; /* requests finished, ever */
    unsigned long seen;        /* completions at the watch thread's last look */
};

/* Per disk (its blkdev's priv): one blk_hwq per hardware queue. */
struct blk_queue {
    unsigned n;
    struct blk_hwq hw[];
};

#define BLK_TABLE_MIN 16 /* device table slots at first; it doubles when full */

static struct spinlock table_lock = SPINLOCK_INIT("blk-table");
static struct blkdev **devs; /* registration order; cap_devs slots */
static unsigned ndevs, cap_devs;

static struct waitqueue watch_wq = WAITQUEUE_INIT(watch_wq, "blk-watch");
/* Held by the watch thread while it looks at the disks, and by
 * blk_unregister(), so a disk is never freed under the watch. */
static struct mutex scan_lock;
static volatile int watch_sleeping;
static int watch_started;
static unsigned total_inflight; /* every disk's, atomically: the watch thread sleeps at 0 */

static const char *op_name(enum blk_op op)
{
    return op == BLK_READ ? "read" : op == BLK_WRITE ? "write" : "flush";
}

static uint32_t timeout_of(const struct blkdev *disk)
{
    return disk->timeout_ms ? disk->timeout_ms : BLK_TIMEOUT_MS;
}

/* ---- the table ---- */

unsigned blk_count(void)
{
    irqflags_t f = spin_lock_irqsave(&table_lock);
    unsigned n = ndevs;
    spin_unlock_irqrestore(&table_lock, f);
    return n;
}

struct blkdev *blk_at(unsigned i)
{
    irqflags_t f = spin_lock_irqsave(&table_lock);
    struct blkdev *bd = i < ndevs ? devs[i] : NULL;
    spin_unlock_irqrestore(&table_lock, f);
    return bd;
}

struct blkdev *blk_find(const char *name)
{
    struct blkdev *found = NULL;
    if (!name)
        return NULL;
    irqflags_t f = spin_lock_irqsave(&table_lock);
    for (unsigned i = 0; i < ndevs && !found; i++)
        if (strcmp(devs[i]->name, name) == 0)
            found = devs[i];
    spin_unlock_irqrestore(&table_lock, f);
    return found;
}

/*
 * Take table_lock with room in the table for one more device, doubling
 * the table first if it is full: the allocation is made without the lock
 * (it may sleep) and the new table swapped in under it. 0 with the lock
 * held and the flags in @p f, or -ENOMEM without the lock.
 */
static int table_lock_with_room(irqflags_t *f)
{
    for (;;) {
        *f = spin_lock_irqsave(&table_lock);
        if (ndevs < cap_devs)
            return 0;
        unsigned want = cap_devs ? 2 * cap_devs : BLK_TABLE_MIN;
        spin_unlock_irqrestore(&table_lock, *f);
        if (want <= cap_devs) /* doubled past UINT_MAX: memory ran out long before */
            return -ENOMEM;
        struct blkdev **grown = kmalloc((size_t)want * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        *f = spin_lock_irqsave(&table_lock);
        struct blkdev **old = grown;
        if (cap_devs < want) { /* not grown by another caller meanwhile */
            if (ndevs)
                memcpy(grown, devs, ndevs * sizeof *devs);
            old = devs;
            devs = grown;
            cap_devs = want;
        }
        spin_unlock_irqrestore(&table_lock, *f);
        kfree(old);
    }
}

static int name_taken_locked(const char *name)
{
    for (unsigned i = 0; i < ndevs; i++)
        if (strcmp(devs[i]->name, name) == 0)
            return 1;
    return 0;
}

int blk_add_partition(struct blkdev *disk, unsigned partno, uint64_t start, uint64_t nblocks)
{
    struct blkdev *p = kzalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    size_t n = strlen(disk->name);
    int digit = n && disk->name[n - 1] >= '0' && disk->name[n - 1] <= '9';
    int len = ksnprintf(p->name, sizeof p->name, "%s%s%u", disk->name, digit ? "p" : "", partno);
    if (len < 0 || (size_t)len >= sizeof p->name) { /* cut short, it could name another */
        kfree(p);
        return -ERANGE;
    }
    p->nblocks = nblocks;
    p->block_size = disk->block_size;
    p->read_only = disk->read_only;
    p->nqueues = disk->nqueues;
    p->queue_depth = disk->queue_depth;
    p->has_flush = disk->has_flush;
    p->max_blocks = disk->max_blocks;
    p->parent = disk;
    p->start = start;
    p->partno = partno;
    irqflags_t f;
    int err = table_lock_with_room(&f);
    if (!err) {
        if (name_taken_locked(p->name))
            err = -EEXIST;
        else
            devs[ndevs++] = p;
        spin_unlock_irqrestore(&table_lock, f);
    }
    if (err)
        kfree(p); /* part_scan() reports it, once per disk */
    return err;
}

static int watch_thread(void *arg);

static void (*change_hook)(void);

void blk_set_change_hook(void (*fn)(void)) { __atomic_store_n(&change_hook, fn, __ATOMIC_RELEASE); }

/* The table of devices changed: tell its watcher (devfs). */
static void changed(void)
{
    void (*fn)(void) = __atomic_load_n(&change_hook, __ATOMIC_ACQUIRE);
    if (fn)
        fn();
}

int blk_register(struct blkdev *bd, const char *prefix)
{
    if (!bd || !prefix || !bd->ops || !bd->ops->submit || bd->block_size < 512 ||
        (bd->block_size & (bd->block_size - 1)) || strlen(prefix) > BLK_NAME_MAX - 3)
        return -EINVAL;
    unsigned nq = bd->nqueues ? bd->nqueues : 1;
    if (nq > BLK_MAX_QUEUES)
        return -EINVAL;
    struct blk_queue *q = kzalloc(sizeof *q + nq * sizeof q->hw[0]);
    if (!q)
        return -ENOMEM;
    q->n = nq;
    for (unsigned i = 0; i < nq; i++) {
        spin_init(&q->hw[i].lock, "blk-queue");
        list_init(&q->hw[i].pending);
        list_init(&q->hw[i].inflight);
    }
    bd->priv = q;
    bd->parent = NULL;
    bd->start = 0;
    bd->partno = 0;
    irqflags_t f;
    int err = table_lock_with_room(&f);
    if (!err) {
        err = -ENOSPC; /* all 26 names taken */
        for (char c = 'a'; c <= 'z' && err; c++) {
            ksnprintf(bd->name, sizeof bd->name, "%s%c", prefix, c);
            if (!name_taken_locked(bd->name)) {
                devs[ndevs++] = bd;
                err = 0;
            }
        }
        spin_unlock_irqrestore(&table_lock, f);
    }
    if (err) {
        pr_warn("blk: no room for another %s disk (%s)", prefix, errno_name(err));
        bd->priv = NULL;
        kfree(q);
        return err;
    }
    if (!watch_started && thread_current()) {
        mutex_init(&scan_lock, "blk-scan");
        int id = thread_create("blk-watch", watch_thread, NULL, PRIO_DEFAULT, THREAD_DETACHED);
        if (id < 0)
            pr_warn("blk: no timeout thread (%s); a device that never answers hangs its requests",
                    errno_name(id));
        else
            watch_started = 1;
    }
    pr_info("%s: %lu blocks of %u bytes%s, %u queue%s of depth %u", bd->name,
            (unsigned long)bd->nblocks, bd->block_size, bd->read_only ? ", read-only" : "",
            bd->nqueues, bd->nqueues == 1 ? "" : "s", bd->queue_depth);
    blk_scan_partitions(bd);
    changed(); /* /dev/<name> and its partitions */
    return 0;
}

int blk_unregister(struct blkdev *bd)
{
    if (!bd || bd->parent)
        return -ENOENT;
    struct blk_queue *q = bd->priv;
    int locked = watch_started && mutex_lock(&scan_lock) == 0;
    irqflags_t f = spin_lock_irqsave(&table_lock);
    int found = 0;
    for (unsigned i = 0; i < ndevs; i++)
        found |= devs[i] == bd;
    int busy = 0;
    for (unsigned i = 0; i < q->n; i++) /* requests come in only through a registered disk */
        busy |= q->hw[i].ninflight || !list_empty(&q->hw[i].pending);
    if (!found || busy) {
        spin_unlock_irqrestore(&table_lock, f);
        if (locked)
            mutex_unlock(&scan_lock);
        return found ? -EBUSY : -ENOENT;
    }
    /* One pass keeps the others in order; the disk's partitions are
     * chained through their priv (unused by a partition) to be freed once
     * the lock is dropped. */
    struct blkdev *gone = NULL;
    unsigned kept = 0;
    for (unsigned i = 0; i < ndevs; i++) {
        struct blkdev *d = devs[i];
        if (d->parent == bd) {
            d->priv = gone;
            gone = d;
        } else if (d != bd) {
            devs[kept++] = d;
        }
    }
    ndevs = kept;
    spin_unlock_irqrestore(&table_lock, f);
    if (locked)
        mutex_unlock(&scan_lock);
    while (gone) {
        struct blkdev *next = gone->priv;
        kfree(gone);
        gone = next;
    }
    kfree(q);
    bd->priv = NULL;
    changed();
    return 0;
}

/* ---- requests ---- */

/* Hand waiting requests to the driver until it is full. Requests the driver
 * refuses outright are moved to @p failed, to be completed by the caller
 * outside the lock. Caller holds q->lock. */
static void pump_locked(struct blkdev *disk, struct blk_hwq *q, struct list_node *failed)
{
    while (!list_empty(&q->pending)) {
        struct blk_request *rq = container_of(list_first(&q->pending), struct blk_request, node);
        rq->deadline_ns = hal_time_ns() + (uint64_t)timeout_of(disk) * 1000000ull;
        int err = disk->ops->submit(disk, rq);
        if (err == -EBUSY)
            return;
        list_del(&rq->node);
        if (err) {
            rq->status = err;
            list_add_tail(failed, &rq->node);
            continue;
        }
        list_add_tail(&q->inflight, &rq->node);
        q->ninflight++;
        __atomic_fetch_add(&total_inflight, 1, __ATOMIC_RELAXED);
    }
}

static void finish_list(struct list_node *done)
{
    while (!list_empty(done)) {
        struct blk_request *rq = container_of(list_first(done), struct blk_request, node);
        list_del(&rq->node);
        if (rq->done)
            rq->done(rq);
    }
}

/* After a request went in flight (total_inflight raised): wake the watch
 * thread if it sleeps. The fence pairs with watch_thread()'s: either it
 * sees our request, or we see it asleep; never neither, on any CPU. */
static void wake_watch(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&watch_sleeping, __ATOMIC_RELAXED))
        return;
    irqflags_t f = spin_lock_irqsave(&watch_wq.lock);
    if (watch_sleeping) {
        watch_sleeping = 0;
        wq_wake_all_locked(&watch_wq);
    }
    spin_unlock_irqrestore(&watch_wq.lock, f);
}

/* Put checked request @p rq (on its disk's blocks) on this CPU's queue of
 * the disk and hand the driver what it can take. */
static void queue_rq(struct blk_request *rq)
{
    struct blkdev *disk = rq->dev;
    struct blk_queue *dq = disk->priv;
    /* This CPU's queue; a thread moved meanwhile just uses another's. */
    rq->hwq = (uint16_t)(dq->n > 1 ? cpu_this()->index % dq->n : 0);
    struct blk_hwq *q = &dq->hw[rq->hwq];
    struct list_node failed;
    list_init(&failed);
    irqflags_t f = spin_lock_irqsave(&q->lock);
    list_add_tail(&q->pending, &rq->node);
    if (list_first(&q->pending) == &rq->node)
        pump_locked(disk, q, &failed);
    spin_unlock_irqrestore(&q->lock, f);
    wake_watch();
    finish_list(&failed);
}

int blk_check(const struct blkdev *bd, enum blk_op op, uint64_t lba, uint32_t count,
              const void *buf)
{
    if (!bd || (unsigned)op > BLK_FLUSH)
        return -EINVAL;
    if (op != BLK_FLUSH) {
        if (!count || !buf)
            return -EINVAL;
        if (lba >= bd->nblocks || count > bd->nblocks - lba)
            return -EINVAL;
        if (bd->max_blocks && count > bd->max_blocks)
            return -EINVAL;
    }
    if (bd->read_only && op != BLK_READ)
        return -EROFS;
    return 0;
}

/* The block plug @p t holds, or NULL (thread->plug is ours when its flush is). */
static void plug_hook(struct thread_plug *base, int exiting);

static struct blk_plug *plug_of(struct thread *t)
{
    return t && t->plug && t->plug->flush == plug_hook ? (struct blk_plug *)t->plug : NULL;
}

int blk_submit(struct blkdev *bd, struct blk_request *rq)
{
    if (!rq)
        return -EINVAL;
    int err = blk_check(bd, rq->op, rq->lba, rq->count, rq->vec ? (void *)rq->vec : rq->buf);
    if (err)
        return err;
    if (rq->vec && rq->op != BLK_FLUSH) {
        uint64_t total = 0;
        for (unsigned i = 0; i < rq->nvec; i++) {
            if (!rq->vec[i].len || !rq->vec[i].buf)
                return -EINVAL;
            total += rq->vec[i].len;
        }
        if (total != (uint64_t)rq->count * bd->block_size)
            return -EINVAL;
    }
    struct blkdev *disk = bd->parent ? bd->parent : bd;
    if (!disk->priv)
        return -ENODEV;
    rq->lba += bd->start;
    rq->dev = disk;
    rq->status = 0;
    rq->timed_out = 0;
    rq->driver_data = 0;
    if (rq->op == BLK_FLUSH && !disk->has_flush) {
        if (rq->done) /* nothing cached: already on the medium */
            rq->done(rq);
        return 0;
    }
    struct blk_plug *held = irq_in_handler() ? NULL : plug_of(thread_current());
    if (held) {
        if (rq->op != BLK_FLUSH) {
            list_add_tail(&held->held, &rq->node);
            held->n++;
            return 0;
        }
        blk_plug_flush(); /* the writes held before a flush go out before it */
    }
    queue_rq(rq);
    return 0;
}

void blk_complete(struct blk_request *rq, int status)
{
    struct blkdev *disk = rq->dev;
    struct blk_queue *dq = disk->priv;
    struct blk_hwq *q = &dq->hw[rq->hwq];
    struct list_node done;
    list_init(&done);
    irqflags_t f = spin_lock_irqsave(&q->lock);
    list_del(&rq->node);
    q->ninflight--;
    q->completions++;
    __atomic_fetch_sub(&total_inflight, 1, __ATOMIC_RELAXED);
    if (rq->timed_out)
        status = -ETIMEDOUT;
    rq->status = status;
    list_add_tail(&done, &rq->node);
    pump_locked(disk, q, &done);
    spin_unlock_irqrestore(&q->lock, f);
    if (bpf_hook_active(BPF_HOOK_BLK_COMPLETE)) {
        uint64_t now = hal_time_ns(), sent = rq->deadline_ns - (uint64_t)timeout_of(disk) * 1000000ull;
        uint32_t name4 = 0;
        for (int i = 0; i < 4 && disk->name[i]; i++)
            name4 |= (uint32_t)(uint8_t)disk->name[i] << (8 * i);
        struct bpf_ctx_blk_complete c = {now, rq->lba, now - sent, rq->count, (uint32_t)rq->op, status, name4};
        bpf_hook_run(BPF_HOOK_BLK_COMPLETE, &c);
    }
    /* A device says only that the request failed, not which block of it. */
    if (status == -EIO && rq->op == BLK_FLUSH)
        pr_err("%s: I/O error flushing the write cache (EIO)", disk->name);
    else if (status == -EIO && rq->count == 1)
        pr_err("%s: I/O error %s sector %lu (EIO)", disk->name,
               rq->op == BLK_READ ? "reading" : "writing", (unsigned long)rq->lba);
    else if (status == -EIO)
        pr_err("%s: I/O error %s sectors %lu-%lu (EIO)", disk->name,
               rq->op == BLK_READ ? "reading" : "writing", (unsigned long)rq->lba,
               (unsigned long)(rq->lba + rq->count - 1));
    finish_list(&done);
}

/* ---- timeouts ---- */

static int any_inflight(void) { return __atomic_load_n(&total_inflight, __ATOMIC_RELAXED) != 0; }

/* One disk: report its oldest request if overdue and have the driver reset. */
/* One hardware queue: report its oldest request if overdue and have the
 * driver reset; nonzero if it did. */
static int check_hwq(struct blkdev *disk, struct blk_hwq *q, uint64_t now)
{
    irqflags_t f = spin_lock_irqsave(&q->lock);
    if (list_empty(&q->inflight)) {
        q->reported = 0;
        q->seen = q->completions;
        spin_unlock_irqrestore(&q->lock, f);
        return 0;
    }
    struct blk_request *rq = container_of(list_first(&q->inflight), struct blk_request, node);
    if (now < rq->deadline_ns || rq->timed_out || q->reported) {
        /* No completion since the last look with requests out: nudge the
         * device. Under QEMU's TCG with one vCPU, guest memory barriers are
         * not emitted while the device model runs in another host thread,
         * so a driver that suppresses notifications (EVENT_IDX) can see a
         * stale "device busy" and skip the one it needed: seen on x86_64
         * in long runs of random reads, never with -smp 2
         * (docs/performance.md, "Disks, against Linux"). */
        int stalled = q->completions == q->seen && disk->ops->kick;
        q->seen = q->completions;
        spin_unlock_irqrestore(&q->lock, f);
        if (stalled)
            disk->ops->kick(disk);
        return 0;
    }
    rq->timed_out = 1;
    enum blk_op op = rq->op;
    uint64_t lba = rq->lba;
    int can_reset = disk->ops->reset != NULL;
    q->reported = !can_reset;
    spin_unlock_irqrestore(&q->lock, f);
    pr_err("%s: %s of sector %lu timed out after %u ms", disk->name, op_name(op),
           (unsigned long)lba, timeout_of(disk));
    if (can_reset)
        disk->ops->reset(disk); /* fails what was in flight, through blk_complete() */
    else
        pr_err("%s: the driver cannot reset the device; its requests stay pending", disk->name);
    return can_reset;
}

/* One disk: report the oldest request of each queue if overdue and have the
 * driver reset the device (once: a reset fails what every queue had). */
static void check_disk(struct blkdev *disk, uint64_t now)
{
    struct blk_queue *dq = disk->priv;
    for (unsigned i = 0; i < dq->n; i++)
        if (check_hwq(disk, &dq->hw[i], now))
            return;
}


static int watch_thread(void *arg)
{
    (void)arg;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&watch_wq.lock);
        __atomic_store_n(&watch_sleeping, 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with wake_watch()'s */
        if (!any_inflight()) {
            struct waiter w;
            wq_add_locked(&watch_wq, &w);
            spin_unlock_irqrestore(&watch_wq.lock, f);
            wq_block(&w);
            continue;
        }
        watch_sleeping = 0;
        spin_unlock_irqrestore(&watch_wq.lock, f);
        thread_sleep_ms(50);
        uint64_t now = hal_time_ns();
        mutex_lock(&scan_lock);
        for (unsigned i = 0;; i++) {
            struct blkdev *bd = blk_at(i);
            if (!bd)
                break;
            if (!bd->parent && bd->priv)
                check_disk(bd, now);
        }
        mutex_unlock(&scan_lock);
    }
    return 0;
}

/* ---- plugs: a thread's requests held back, sorted and merged ----
 *
 * Writing back many small files starts a request per file, in the order
 * the files are found (a hash table's), not the disk's; blocks allocated
 * one after another lie together on the disk. Held until the thread is done
 * starting them, sorted by block and merged, they reach the device as a few
 * large requests (Linux's plugging and its I/O scheduler's merges do the
 * same). A merged request is one allocation: the request, the held ones it
 * carries (its kids) and its pieces; when memory is short, the held
 * requests of that run go out one by one, in block order. */

struct blk_merged {
    struct blk_request rq;
    struct list_node kids; /* the held requests it carries, by block */
    struct blk_vec vec[];
};

static struct blk_request *rq_of(struct list_node *n) { return container_of(n, struct blk_request, node); }

static int rq_before(const struct blk_request *a, const struct blk_request *b)
{
    return a->dev != b->dev ? (uintptr_t)a->dev < (uintptr_t)b->dev : a->lba < b->lba;
}

/* Sort the first @p n nodes of the chain at *@p head (linked through next,
 * NULL-terminated), stably: the result, NULL-terminated; *@p head moves past
 * them. Depth log2(n), no memory. */
static struct list_node *sort_chain(struct list_node **head, unsigned n)
{
    if (n == 1) {
        struct list_node *x = *head;
        *head = x->next;
        x->next = NULL;
        return x;
    }
    struct list_node *a = sort_chain(head, n / 2), *b = sort_chain(head, n - n / 2);
    struct list_node out, *t = &out;
    while (a && b) {
        if (rq_before(rq_of(b), rq_of(a))) { /* ties: the earlier (a) first */
            t->next = b;
            b = b->next;
        } else {
            t->next = a;
            a = a->next;
        }
        t = t->next;
    }
    t->next = a ? a : b;
    return out.next;
}

static unsigned pieces(const struct blk_request *rq) { return rq->vec ? rq->nvec : 1; }

/* Whether @p next may join a merged request ending with @p last that has
 * @p blocks blocks in @p nv pieces. */
static int joins(const struct blk_request *last, const struct blk_request *next, uint64_t blocks, unsigned nv)
{
    const struct blkdev *disk = last->dev;
    uint64_t max = BLK_MERGE_BYTES / disk->block_size;
    if (disk->max_blocks && disk->max_blocks < max)
        max = disk->max_blocks;
    return next->dev == disk && next->op == last->op && next->lba == last->lba + last->count &&
           blocks + next->count <= max && nv + pieces(next) <= BLK_MERGE_VECS;
}

static void merged_done(struct blk_request *rq)
{
    struct blk_merged *m = container_of(rq, struct blk_merged, rq);
    while (!list_empty(&m->kids)) {
        struct blk_request *k = rq_of(list_first(&m->kids));
        list_del(&k->node);
        k->status = rq->status;
        k->timed_out = rq->timed_out;
        if (k->done)
            k->done(k);
    }
    kfree(m);
}

/* The @p k requests of the chain from @p first (sorted, each joining the
 * one before) as one request of @p blocks blocks, @p nv pieces; -ENOMEM. */
static int send_merged(struct list_node *first, unsigned k, uint64_t blocks, unsigned nv)
{
    struct blk_merged *m = kmalloc(sizeof *m + (size_t)nv * sizeof(struct blk_vec));
    if (!m)
        return -ENOMEM;
    struct blk_request *head = rq_of(first);
    m->rq = (struct blk_request){.op = head->op, .lba = head->lba, .count = (uint32_t)blocks, .vec = m->vec,
                                 .done = merged_done, .dev = head->dev};
    list_init(&m->kids);
    unsigned v = 0;
    for (struct list_node *x = first, *next; k--; x = next) {
        next = x->next;
        struct blk_request *rq = rq_of(x);
        struct blk_vec one = {rq->buf, rq->count * head->dev->block_size};
        const struct blk_vec *p = rq->vec ? rq->vec : &one;
        for (unsigned i = 0; i < pieces(rq); i++) {
            if (v && (uint8_t *)m->vec[v - 1].buf + m->vec[v - 1].len == p[i].buf)
                m->vec[v - 1].len += p[i].len; /* one piece of memory after another */
            else
                m->vec[v++] = p[i];
        }
        list_add_tail(&m->kids, &rq->node);
    }
    m->rq.nvec = v;
    queue_rq(&m->rq);
    return 0;
}

/* Send what @p plug holds: sorted, runs of neighbours merged. */
static void plug_send(struct blk_plug *plug)
{
    unsigned n = plug->n;
    if (!n)
        return;
    struct list_node *chain = plug->held.next;
    plug->held.prev->next = NULL;
    list_init(&plug->held);
    plug->n = 0;
    for (struct list_node *x = sort_chain(&chain, n), *end; x; x = end) {
        struct blk_request *last = rq_of(x);
        uint64_t blocks = last->count;
        unsigned k = 1, nv = pieces(last);
        for (end = x->next; end && joins(last, rq_of(end), blocks, nv); end = end->next, k++) {
            last = rq_of(end);
            blocks += last->count;
            nv += pieces(last);
        }
        if (k > 1 && send_merged(x, k, blocks, nv) == 0)
            continue;
        for (struct list_node *next; x != end; x = next) {
            next = x->next;
            queue_rq(rq_of(x));
        }
    }
}

/* The scheduler's call (thread->plug) before the thread waits or exits. */
static void plug_hook(struct thread_plug *base, int exiting)
{
    struct blk_plug *plug = (struct blk_plug *)base;
    if (exiting)
        blk_plug_finish(plug); /* a plug left active: what it holds still goes out */
    else
        blk_plug_flush();
}

void blk_plug_start(struct blk_plug *plug)
{
    struct thread *self = thread_current();
    plug->base.flush = plug_hook;
    list_init(&plug->held);
    plug->n = 0;
    if (!self->plug)
        self->plug = &plug->base;
}

void blk_plug_finish(struct blk_plug *plug)
{
    struct thread *self = thread_current();
    if (self->plug != &plug->base)
        return; /* an inner plug: the outer one sends */
    self->plug = NULL;
    plug_send(plug);
}

void blk_plug_flush(void)
{
    struct thread *self = thread_current();
    struct blk_plug *plug = plug_of(self);
    if (!plug || !plug->n)
        return;
    self->plug = NULL; /* what sending allocates or waits for holds nothing */
    plug_send(plug);
    self->plug = &plug->base;
}

/* ---- synchronous calls ---- */

static void sync_done(struct blk_request *rq) { sem_up(rq->priv); }

/* Submit @p rq and wait for it. */
static int submit_wait(struct blkdev *bd, struct blk_request *rq)
{
    struct semaphore s;
    sem_init(&s, 0, "blk-sync");
    rq->done = sync_done;
    rq->priv = &s;
    int err = blk_submit(bd, rq);
    if (err)
        return err;
    sem_down(&s);
    return rq->status;
}

static int sync_one(struct blkdev *bd, enum blk_op op, uint64_t lba, uint32_t count, void *buf)
{
    struct blk_request rq = {.op = op, .lba = lba, .count = count, .buf = buf};
    return submit_wait(bd, &rq);
}

static int sync_rw(struct blkdev *bd, enum blk_op op, uint64_t lba, uint32_t count, void *buf)
{
    int err = blk_check(bd, op, lba, count, buf ? buf : (void *)1);
    if (err || !buf)
        return err ? err : -EINVAL;
    uint32_t chunk = BLK_SYNC_CHUNK / bd->block_size;
    if (chunk == 0)
        chunk = 1;
    if (bd->max_blocks && chunk > bd->max_blocks)
        chunk = bd->max_blocks;
    while (count) {
        uint32_t n = count < chunk ? count : chunk;
        err = sync_one(bd, op, lba, n, buf);
        if (err)
            return err;
        lba += n;
        count -= n;
        buf = (char *)buf + (size_t)n * bd->block_size;
    }
    return 0;
}

int blk_read(struct blkdev *bd, uint64_t lba, uint32_t count, void *buf)
{
    return sync_rw(bd, BLK_READ, lba, count, buf);
}

int blk_write(struct blkdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
    return sync_rw(bd, BLK_WRITE, lba, count, (void *)buf);
}

int blk_rwv(struct blkdev *bd, enum blk_op op, uint64_t lba, const struct blk_vec *vec, unsigned nvec)
{
    uint64_t total = 0;
    for (unsigned i = 0; vec && i < nvec; i++)
        total += vec[i].len;
    if (!bd || !vec || !nvec || op == BLK_FLUSH || total % bd->block_size || total / bd->block_size > UINT32_MAX)
        return -EINVAL;
    struct blk_request rq = {.op = op, .lba = lba, .count = (uint32_t)(total / bd->block_size), .vec = vec,
                             .nvec = nvec};
    return submit_wait(bd, &rq);
}

void blk_rq_copy(struct blk_request *rq, void *data, int to_rq)
{
    size_t len = (size_t)rq->count * (rq->dev ? rq->dev->block_size : 0);
    if (!rq->vec) {
        memcpy(to_rq ? rq->buf : data, to_rq ? data : rq->buf, len);
        return;
    }
    uint8_t *d = data;
    for (unsigned i = 0; i < rq->nvec; d += rq->vec[i].len, i++)
        memcpy(to_rq ? rq->vec[i].buf : d, to_rq ? d : rq->vec[i].buf, rq->vec[i].len);
}

int blk_flush(struct blkdev *bd)
{
    int err = blk_check(bd, BLK_FLUSH, 0, 0, NULL);
    return err ? err : sync_one(bd, BLK_FLUSH, 0, 0, NULL);
}

/* ---- partitions: partition.c's parser over the disk ---- */

static int scan_read(void *ctx, uint64_t lba, void *buf)
{
    return blk_read(ctx, lba, 1, buf);
}

static int scan_add(void *ctx, unsigned partno, uint64_t start, uint64_t nblocks)
{
    return blk_add_partition(ctx, partno, start, nblocks);
}

void blk_scan_partitions(struct blkdev *disk)
{
    if (disk->nblocks < 2)
        return;
    void *buf = kmalloc(disk->block_size);
    if (!buf) {
        pr_warn("%s: no memory to read the partition table", disk->name);
        return;
    }
    int n = part_scan(disk->name, disk->block_size, disk->nblocks, buf, scan_read, scan_add, disk);
    if (n < 0)
        pr_warn("%s: partition table unreadable (%s)", disk->name, errno_name(n));
    else if (n > 0)
        pr_info("%s: %d partition%s", disk->name, n, n == 1 ? "" : "s");
    kfree(buf);
}
