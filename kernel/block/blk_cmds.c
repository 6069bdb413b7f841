/**
 * @file blk_cmds.c
 * @brief Shell commands for block devices: lsblk, and blk read, write,
 *        crc32, flush and bench.
 *
 * Each waits for late device probing first (device_probe_wait()), so what
 * it shows does not depend on how soon after the prompt it was typed.
 */
#include <hal/timer.h>
#include <kernel/block.h>
#include <kernel/console.h>
#include <kernel/crc32.h>
#include <kernel/driver.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/printf.h>
#include <kernel/sched.h>
#include <kernel/shell.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/wait.h>

#include "block_internal.h"

#define CHUNK_BYTES (1u << 20) /* crc32 and write work through buffers of this size */
#define READ_MAX_BLOCKS 64u    /* blk read dumps at most this much */

static void human(char *out, size_t n, uint64_t bytes)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    uint64_t whole = bytes, tenth = 0;
    while (whole >= 1024 && u < 4) {
        tenth = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        u++;
    }
    ksnprintf(out, n, "%lu.%lu%s", (unsigned long)whole, (unsigned long)tenth, unit[u]);
}

static int cmd_lsblk(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    device_probe_wait();
    kprintf("%-8s %12s %6s %10s %s\n", "name", "blocks", "bsize", "size", "mode");
    unsigned n = 0;
    for (struct blkdev *bd; (bd = blk_at(n)) != NULL; n++) {
        char size[24];
        human(size, sizeof size, bd->nblocks * bd->block_size);
        kprintf("%-8s %12lu %6u %10s %s queues %u depth %u", bd->name, (unsigned long)bd->nblocks,
                bd->block_size, size, bd->read_only ? "ro" : "rw", bd->nqueues, bd->queue_depth);
        if (bd->parent)
            kprintf(" start %lu", (unsigned long)bd->start);
        kprintf("\n");
    }
    kprintf("%u block device%s\n", n, n == 1 ? "" : "s");
    return 0;
}
SHELL_COMMAND("lsblk", "lsblk", "list block devices and partitions", cmd_lsblk);

/* Parse a number argument; prints what is wrong. */
static int arg_u64(const char *what, const char *s, uint64_t *out)
{
    int err = kstrtou64(s, 0, out);
    if (err)
        return shell_error(err, "blk: '%s' is not a valid %s", s, what);
    return 0;
}

static struct blkdev *arg_dev(const char *name)
{
    struct blkdev *bd = blk_find(name);
    if (!bd)
        shell_error(-ENODEV, "blk: %s: no such device", name);
    return bd;
}

/* Say why a request cannot go to @p bd, in the blk: <dev>: ... form. */
static int report(struct blkdev *bd, int err, enum blk_op op, uint64_t lba, uint64_t count)
{
    if (err == -EROFS)
        return shell_error(err, "blk: %s: read-only device", bd->name);
    if (err == -EINVAL && op != BLK_FLUSH && (lba >= bd->nblocks || count > bd->nblocks - lba))
        return shell_error(err, "blk: %s: blocks %lu..%lu past the end (%lu blocks)", bd->name,
                           (unsigned long)lba, (unsigned long)(lba + count - 1), (unsigned long)bd->nblocks);
    if (err)
        return shell_error(err, "blk: %s: %s failed", bd->name,
                           op == BLK_READ ? "read" : op == BLK_WRITE ? "write" : "flush");
    return 0;
}

/* Check a whole range up front, so a bad one is refused before any I/O. */
static int check_range(struct blkdev *bd, enum blk_op op, uint64_t lba, uint64_t count)
{
    if (count == 0) {
        return shell_error(-EINVAL, "blk: %s: a count of 0 blocks", bd->name);
    }
    if (lba >= bd->nblocks || count > bd->nblocks - lba)
        return report(bd, -EINVAL, op, lba, count);
    if (bd->read_only && op != BLK_READ)
        return report(bd, -EROFS, op, lba, count);
    return 0;
}

static void hexdump(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        char hex[16 * 3 + 1], asc[17];
        size_t h = 0;
        for (unsigned i = 0; i < 16; i++) {
            uint8_t c = p[off + i];
            h += (size_t)ksnprintf(hex + h, sizeof hex - h, i ? " %02x" : "%02x", c);
            asc[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
        }
        asc[16] = 0;
        kprintf("%08lx: %s  |%s|\n", (unsigned long)off, hex, asc);
    }
}

static int do_read(struct blkdev *bd, uint64_t lba, uint64_t count)
{
    if (count > READ_MAX_BLOCKS) {
        return shell_error(-EINVAL, "blk: %s: at most %u blocks are dumped", bd->name, READ_MAX_BLOCKS);
    }
    int err = check_range(bd, BLK_READ, lba, count);
    if (err)
        return err;
    size_t bytes = (size_t)count * bd->block_size;
    uint8_t *buf = kmalloc(bytes);
    if (!buf)
        return -ENOMEM;
    err = blk_read(bd, lba, (uint32_t)count, buf);
    if (!err)
        hexdump(buf, bytes);
    else
        report(bd, err, BLK_READ, lba, count);
    kfree(buf);
    return err;
}

/* Walk [lba, lba + count) in buffer-sized pieces: read (crc) or write (fill). */
static int do_chunks(struct blkdev *bd, enum blk_op op, uint64_t lba, uint64_t count, int fill,
                     uint32_t *crc)
{
    int err = check_range(bd, op, lba, count);
    if (err)
        return err;
    uint32_t per = CHUNK_BYTES / bd->block_size;
    if (per == 0)
        per = 1;
    uint8_t *buf = kmalloc((size_t)per * bd->block_size);
    if (!buf)
        return -ENOMEM;
    if (op == BLK_WRITE)
        memset(buf, fill, (size_t)per * bd->block_size);
    uint32_t c = 0;
    for (uint64_t done = 0; done < count && !err;) {
        if (console_cancelled()) { /* Ctrl-C: between requests, none in flight */
            err = -EINTR;
            kprintf("blk: %s: stopped after %lu of %lu blocks\n", bd->name, (unsigned long)done,
                    (unsigned long)count);
            break;
        }
        uint32_t n = count - done < per ? (uint32_t)(count - done) : per;
        if (op == BLK_READ) {
            err = blk_read(bd, lba + done, n, buf);
            if (!err)
                c = crc32(c, buf, (size_t)n * bd->block_size);
        } else {
            err = blk_write(bd, lba + done, n, buf);
        }
        if (err)
            report(bd, err, op, lba + done, n);
        done += n;
    }
    kfree(buf);
    if (crc)
        *crc = c;
    return err;
}

/* ---- blk bench: sequential 1 MiB reads, then random 4 KiB reads at QD32 ---- */

struct bench {
    struct blkdev *bd;
    struct spinlock lock;
    uint64_t next, end;      /* sequential: next block to ask for, one past the last */
    uint32_t per;            /* blocks per request */
    uint64_t rand_left;      /* random: requests still to submit */
    uint64_t seed;
    unsigned outstanding;
    int error;
    struct semaphore finished;
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Give @p rq its next piece of work; 0 if there was none. Caller holds b->lock. */
static int next_locked(struct bench *b, struct blk_request *rq)
{
    if (!b->error && console_cancelled())
        b->error = -EINTR; /* Ctrl-C: what is in flight completes, nothing more starts */
    if (b->error)
        return 0;
    if (b->rand_left) {
        uint64_t slots = b->end / b->per;
        b->rand_left--;
        rq->lba = xorshift(&b->seed) % slots * b->per;
        return 1;
    }
    if (b->next >= b->end)
        return 0;
    rq->lba = b->next;
    rq->count = b->end - b->next < b->per ? (uint32_t)(b->end - b->next) : b->per;
    b->next += rq->count;
    return 1;
}

static void bench_done(struct blk_request *rq)
{
    struct bench *b = rq->priv;
    irqflags_t f = spin_lock_irqsave(&b->lock);
    if (rq->status && !b->error)
        b->error = rq->status;
    int more = next_locked(b, rq);
    if (!more)
        b->outstanding--;
    int last = !more && b->outstanding == 0;
    spin_unlock_irqrestore(&b->lock, f);
    if (more) {
        rq->op = BLK_READ;
        int err = blk_submit(b->bd, rq);
        if (err) {
            f = spin_lock_irqsave(&b->lock);
            b->error = err;
            last = --b->outstanding == 0;
            spin_unlock_irqrestore(&b->lock, f);
        }
    }
    if (last)
        sem_up(&b->finished);
}

/* Run @p depth requests of @p per blocks each until next_locked() runs dry. */
static int bench_run(struct bench *b, struct blk_request *rqs, void **bufs, unsigned depth)
{
    sem_init(&b->finished, 0, "blk-bench");
    b->outstanding = 0;
    b->error = 0;
    unsigned started = 0;
    for (unsigned i = 0; i < depth; i++) {
        struct blk_request *rq = &rqs[i];
        memset(rq, 0, sizeof *rq);
        rq->op = BLK_READ;
        rq->count = b->per;
        rq->buf = bufs[i];
        rq->done = bench_done;
        rq->priv = b;
        irqflags_t f = spin_lock_irqsave(&b->lock);
        int more = next_locked(b, rq);
        if (more)
            b->outstanding++;
        spin_unlock_irqrestore(&b->lock, f);
        if (!more)
            break;
        started++;
        int err = blk_submit(b->bd, rq);
        if (err) {
            f = spin_lock_irqsave(&b->lock);
            b->error = err;
            b->outstanding--;
            spin_unlock_irqrestore(&b->lock, f);
            break;
        }
    }
    irqflags_t f = spin_lock_irqsave(&b->lock);
    int wait = b->outstanding != 0;
    spin_unlock_irqrestore(&b->lock, f);
    if (wait)
        sem_down(&b->finished);
    return started || b->error ? b->error : -EINVAL; /* -EINTR if stopped before the first */
}

#define BENCH_SEQ_BYTES (64u << 20)
#define BENCH_SEQ_DEPTH 32u
#define BENCH_RAND_DEPTH 32u
#define BENCH_RAND_COUNT 20000u

/* The random 4 KiB reads again, from one thread pinned to each CPU, the
 * same total depth shared among them: a disk with a queue per CPU serves
 * each CPU on its own queue (virtio-blk MQ), one with a single queue makes
 * them all take turns on it. */
struct cpu_bench {
    struct bench b;
    struct blk_request rqs[BENCH_RAND_DEPTH];
    void *bufs[BENCH_RAND_DEPTH];
    unsigned depth;
};

static int cpu_bench_thread(void *arg)
{
    struct cpu_bench *cb = arg;
    return bench_run(&cb->b, cb->rqs, cb->bufs, cb->depth);
}

static int bench_all_cpus(struct blkdev *bd, uint32_t per4k, uint64_t total, uint64_t *done,
                          uint64_t *ns)
{
    struct cpu_bench *cb[SMP_MAX_CPUS] = {0};
    int ids[SMP_MAX_CPUS];
    unsigned n = 0, ncpus = smp_cpus_online();
    unsigned qd = bd->queue_depth < BENCH_RAND_DEPTH ? bd->queue_depth : BENCH_RAND_DEPTH;
    unsigned depth = qd / ncpus ? qd / ncpus : 1;
    int err = 0;
    for (unsigned c = 0; c < smp_cpu_slots() && !err; c++) {
        if (smp_cpu(c)->state != CPU_ONLINE)
            continue;
        struct cpu_bench *x = cb[n] = kzalloc(sizeof *x);
        if (!x) {
            err = -ENOMEM;
            break;
        }
        x->depth = depth;
        for (unsigned i = 0; i < depth && !err; i++)
            if (!(x->bufs[i] = kmalloc(4096)))
                err = -ENOMEM;
        x->b = (struct bench){.bd = bd, .per = per4k, .end = total, .next = total,
                              .rand_left = BENCH_RAND_COUNT / ncpus,
                              .seed = 0x9e3779b97f4a7c15ull * (c + 1)};
        spin_init(&x->b.lock, "blk-bench");
        ids[n++] = (int)c; /* the CPU, until the thread's id replaces it */
    }
    uint64_t t0 = hal_time_ns();
    for (unsigned i = 0; i < n && !err; i++) {
        int id = thread_create_on("blk-bench", cpu_bench_thread, cb[i], PRIO_DEFAULT, 0,
                                  1u << ids[i]);
        if (id < 0) {
            err = id;
            n = i; /* the threads before it are joined below */
        } else {
            ids[i] = id;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        int res = 0;
        thread_join(ids[i], &res);
        if (res && !err)
            err = res;
    }
    *ns = hal_time_ns() - t0;
    *done = (uint64_t)(BENCH_RAND_COUNT / ncpus) * ncpus;
    for (unsigned i = 0; i < SMP_MAX_CPUS; i++) {
        if (!cb[i])
            continue;
        for (unsigned k = 0; k < cb[i]->depth; k++)
            kfree(cb[i]->bufs[k]);
        kfree(cb[i]);
    }
    return err;
}

static int do_bench(struct blkdev *bd)
{
    if (bd->nblocks == 0) {
        return shell_error(-EINVAL, "blk: %s: empty device", bd->name);
    }
    static struct blk_request rqs[BENCH_SEQ_DEPTH];
    void *bufs[BENCH_SEQ_DEPTH] = {0};
    static struct bench b;
    memset(&b, 0, sizeof b);
    b.bd = bd;
    spin_init(&b.lock, "blk-bench");
    uint32_t per = (1u << 20) / bd->block_size;
    if (bd->max_blocks && per > bd->max_blocks)
        per = bd->max_blocks;
    unsigned depth = bd->queue_depth < BENCH_SEQ_DEPTH ? bd->queue_depth : BENCH_SEQ_DEPTH;
    if (depth == 0)
        depth = 1;
    int err = 0;
    for (unsigned i = 0; i < depth && !err; i++)
        if (!(bufs[i] = kmalloc((size_t)per * bd->block_size)))
            err = -ENOMEM;
    uint64_t total = (uint64_t)BENCH_SEQ_BYTES / bd->block_size;
    if (total > bd->nblocks)
        total = bd->nblocks;
    /* each phase prints its figure as it ends: that is the progress */
    kprintf("blk bench %s: %lu MiB read sequentially twice, then %u random 4 KiB reads%s; Ctrl-C stops\n",
            bd->name, (unsigned long)(total * bd->block_size >> 20), BENCH_RAND_COUNT,
            smp_cpus_online() > 1 ? " from one CPU, then from all" : "");
    if (!err) {
        b.per = per;
        b.next = 0;
        b.end = total;
        uint64_t t0 = hal_time_ns();
        err = bench_run(&b, rqs, bufs, depth);
        uint64_t ns = hal_time_ns() - t0;
        if (!err)
            kprintf("bench: blk_seq_read %lu MiB/s\n",
                    (unsigned long)(total * bd->block_size * 1000000000ull / (ns ? ns : 1) >> 20));
        /* The same with one request at a time, as `dd bs=1M iflag=direct` reads. */
        b.next = 0;
        t0 = hal_time_ns();
        err = err ? err : bench_run(&b, rqs, bufs, 1);
        ns = hal_time_ns() - t0;
        if (!err)
            kprintf("bench: blk_seq_read_qd1 %lu MiB/s\n",
                    (unsigned long)(total * bd->block_size * 1000000000ull / (ns ? ns : 1) >> 20));
    }
    uint32_t per4k = 4096 / bd->block_size ? 4096 / bd->block_size : 1;
    if (!err && total >= per4k) {
        b.per = per4k;
        b.end = total;
        b.next = total; /* no sequential work */
        b.rand_left = BENCH_RAND_COUNT;
        b.seed = 0x9e3779b97f4a7c15ull;
        unsigned qd = bd->queue_depth < BENCH_RAND_DEPTH ? bd->queue_depth : BENCH_RAND_DEPTH;
        uint64_t t0 = hal_time_ns();
        err = bench_run(&b, rqs, bufs, qd ? qd : 1);
        uint64_t ns = hal_time_ns() - t0;
        if (!err)
            kprintf("bench: blk_rand_read_4k %lu IOPS\n",
                    (unsigned long)(BENCH_RAND_COUNT * 1000000000ull / (ns ? ns : 1)));
    }
    if (!err && total >= per4k && smp_cpus_online() > 1) {
        uint64_t ns = 0, n = 0;
        err = bench_all_cpus(bd, per4k, total, &n, &ns);
        if (!err)
            kprintf("bench: blk_rand_read_4k_all_cpus %lu IOPS\n",
                    (unsigned long)(n * 1000000000ull / (ns ? ns : 1)));
    }
    for (unsigned i = 0; i < depth; i++)
        kfree(bufs[i]);
    if (err && err != -EINTR) /* a stop by Ctrl-C is the shell's to say */
        return shell_error(err, "blk: %s: bench failed", bd->name);
    return err;
}

/* The subcommands: argv[0] is the subcommand, argv[1] the device; the
 * shell checked how many arguments came (blk_subs[]). */
static struct blkdev *sub_dev(char **argv)
{
    device_probe_wait();
    return arg_dev(argv[1]);
}

static int blk_read_cmd(int argc, char **argv)
{
    struct blkdev *bd = sub_dev(argv);
    uint64_t lba, count = 1;
    if (!bd)
        return -ENODEV;
    if (arg_u64("block number", argv[2], &lba) || (argc == 4 && arg_u64("count", argv[3], &count)))
        return -EINVAL;
    return do_read(bd, lba, count);
}

static int blk_write_cmd(int argc, char **argv)
{
    struct blkdev *bd = sub_dev(argv);
    uint64_t lba, byte, count = 1;
    if (!bd)
        return -ENODEV;
    if (arg_u64("block number", argv[2], &lba) || arg_u64("byte", argv[3], &byte) ||
        (argc == 5 && arg_u64("count", argv[4], &count)))
        return -EINVAL;
    if (byte > 255)
        return shell_error(-ERANGE, "blk: '%s' is not a byte value (0-255)", argv[3]);
    int err = do_chunks(bd, BLK_WRITE, lba, count, (int)byte, NULL);
    if (!err)
        kprintf("wrote %lu blocks at %lu\n", (unsigned long)count, (unsigned long)lba);
    return err;
}

static int blk_crc32_cmd(int argc, char **argv)
{
    (void)argc;
    struct blkdev *bd = sub_dev(argv);
    uint64_t lba, count;
    if (!bd)
        return -ENODEV;
    if (arg_u64("block number", argv[2], &lba) || arg_u64("count", argv[3], &count))
        return -EINVAL;
    uint32_t crc;
    int err = do_chunks(bd, BLK_READ, lba, count, 0, &crc);
    if (!err)
        kprintf("crc32 %08x\n", crc);
    return err;
}

static int blk_flush_cmd(int argc, char **argv)
{
    (void)argc;
    struct blkdev *bd = sub_dev(argv);
    if (!bd)
        return -ENODEV;
    int err = blk_flush(bd);
    if (err)
        return report(bd, err, BLK_FLUSH, 0, 0);
    kprintf("flushed %s\n", bd->name);
    return 0;
}

static int blk_bench_cmd(int argc, char **argv)
{
    (void)argc;
    struct blkdev *bd = sub_dev(argv);
    return bd ? do_bench(bd) : -ENODEV;
}

static const struct shell_sub blk_subs[] = {
    {"read", "<dev> <lba> [count]", 2, 3, blk_read_cmd},
    {"write", "<dev> <lba> <byte> [count]", 3, 4, blk_write_cmd},
    {"crc32", "<dev> <lba> <count>", 3, 3, blk_crc32_cmd},
    {"flush", "<dev>", 1, 1, blk_flush_cmd},
    {"bench", "<dev>", 1, 1, blk_bench_cmd},
    {NULL, NULL, 0, 0, NULL},
};
SHELL_COMMAND_SUBS("blk", "read, write, checksum, flush or benchmark a block device", blk_subs);

/* <dev> in a usage: the block devices, for tab completion. The same
 * candidates at the first prompt as a minute later: disks are found by the
 * probing that runs after the prompt, so wait for it as the commands do. */
static void blk_words(shell_word_fn add, void *acc)
{
    device_probe_wait();
    struct blkdev *bd;
    for (unsigned i = 0; (bd = blk_at(i)) != NULL; i++)
        add(acc, bd->name, strlen(bd->name));
}
SHELL_WORDS("<dev>", blk_words);
