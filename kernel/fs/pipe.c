/**
 * @file pipe.c
 * @brief Pipes (pipe2()): a ring between a read end and a write end (64 KiB,
 *        or what F_SETPIPE_SZ asks), with Linux's semantics.
 *
 * - A read waits for data, returns what there is (up to the count) once
 *   there is any, and returns 0 once every write end is closed and the ring
 *   is empty.
 * - A write of at most PIPE_BUF (4096) bytes goes in whole or waits: writes
 *   that small from several writers never interleave. A larger one goes in
 *   as room comes.
 * - A write with no read end left fails with EPIPE, and the writer gets
 *   SIGPIPE.
 * - O_NONBLOCK: EAGAIN instead of waiting; a signal ends a wait with
 *   ERESTARTSYS (EINTR or a restart, signal.c decides), or with the count
 *   moved so far.
 *
 * One reader and one writer move at a time (a mutex per side); the ring
 * indices are under the wait queue's lock, so the reader copies out of the
 * ring while the writer copies into its free part with no lock held, and
 * a copy from or to user memory may fault and sleep.
 *
 * Named pipes (mkfifo, mknod S_IFIFO) open through fifo_open(): every open
 * of one inode meets the same pipe while any end of it is open
 * (inode.pipe), and the pipe, its data with it, goes with the last end.
 * pipe2()'s pipes are kept on their inode the same way, so opening
 * /proc/PID/fd/N reaches the pipe itself, as on Linux. An open for reading
 * waits for a writer, an open for writing for a reader (POSIX's
 * open(2) on a FIFO): it returns once the other side has been opened since
 * it began to wait, even if that end is closed again already. O_NONBLOCK:
 * a reader does not wait, a writer fails with ENXIO when there is no
 * reader. O_RDWR never waits (Linux's behaviour; POSIX leaves it open).
 * A pipe2() pipe reopened never waits nor fails so (Linux's too).
 */
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/task.h>
#include <kernel/string.h>
#include <kernel/signo.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#define PIPE_BUF 4096
#define PIPE_ORDER 4      /* a new pipe's ring: 16 pages */
#define PIPE_MAX_ORDER 8  /* F_SETPIPE_SZ up to 1 MiB (Linux's pipe-max-size) */

struct pipe {
    struct waitqueue wq; /* readers and writers wait here; its lock guards the fields below */
    uint64_t head, tail; /* bytes written and read, ever (head - tail in the ring) */
    unsigned readers, writers;
    unsigned read_opens, write_opens; /* ends opened, ever: what an open waits to see change */
    struct mutex rd, wr; /* one reader, one writer at a time */
    uint8_t *buf;
    unsigned order;      /* the ring is PAGE_SIZE << order bytes; changed with both mutexes held */
    struct inode *ino;   /* whose pipe it is (ino->pipe == this, under pipe_ino_lock) */
};

/* Guards every inode's pipe pointer; taken before a pipe's wq.lock. */
static struct spinlock pipe_ino_lock = SPINLOCK_INIT("fifo inodes");

static unsigned pipe_dev;

static const struct file_ops pipe_read_ops, pipe_write_ops, pipe_rdwr_ops;

/* The ring's size in bytes (a power of two). */
static size_t ring(const struct pipe *p) { return (size_t)PAGE_SIZE << p->order; }

static int reads(const struct file *f) { return f->ops != &pipe_write_ops; }
static int writes(const struct file *f) { return f->ops != &pipe_read_ops; }
static const struct inode_ops pipe_iops = {0};

/* What a reader or writer waits for (wq.lock held): data or no writer
 * (@p need 0), or room for @p need bytes or no reader. */
static int ready(struct pipe *p, size_t need)
{
    if (!need)
        return p->head != p->tail || !p->writers;
    return !p->readers || ring(p) - (p->head - p->tail) >= need;
}

/* Wait on the pipe until @p ok(@p p, @p arg) (called with wq.lock held),
 * or for a signal: -ERESTARTSYS. */
static int wait_until(struct pipe *p, int (*ok_fn)(struct pipe *, size_t), size_t arg)
{
    struct waitqueue *sig = task_signal_wq();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &p->wq);
        if (sig)
            wait_set_add(&ws, sig);
        irqflags_t f = spin_lock_irqsave(&p->wq.lock);
        int ok = ok_fn(p, arg);
        spin_unlock_irqrestore(&p->wq.lock, f);
        if (!ok && sig && task_signal_pending()) {
            wait_set_clear(&ws);
            return -ERESTARTSYS;
        }
        if (!ok)
            wait_set_block(&ws);
        wait_set_clear(&ws);
        if (ok)
            return 0;
    }
}

static long pipe_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->priv;
    if (!n)
        return 0;
    mutex_lock(&p->rd);
    long r = 0;
    for (;;) {
        irqflags_t fl = spin_lock_irqsave(&p->wq.lock);
        uint64_t head = p->head, tail = p->tail;
        int writers = p->writers != 0;
        spin_unlock_irqrestore(&p->wq.lock, fl);
        if (head != tail) {
            size_t avail = head - tail, done = 0;
            if (avail > n)
                avail = n;
            while (done < avail) {
                size_t off = (tail + done) % ring(p), c = ring(p) - off;
                if (c > avail - done)
                    c = avail - done;
                if (iobuf_put(b, done, p->buf + off, c))
                    break;
                done += c;
            }
            if (!done) {
                r = -EFAULT;
                break;
            }
            fl = spin_lock_irqsave(&p->wq.lock);
            p->tail += done;
            wq_wake_all_key_locked(&p->wq, POLLOUT | POLLWRNORM); /* room: an epoll watch of POLLIN ignores it */
            spin_unlock_irqrestore(&p->wq.lock, fl);
            r = (long)done;
            break;
        }
        if (!writers)
            break; /* the end */
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = wait_until(p, ready, 0);
        if (r)
            break;
    }
    mutex_unlock(&p->rd);
    return r;
}

static long pipe_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->priv;
    if (!n)
        return 0;
    mutex_lock(&p->wr);
    size_t done = 0;
    long err = 0;
    while (done < n) {
        irqflags_t fl = spin_lock_irqsave(&p->wq.lock);
        uint64_t head = p->head, tail = p->tail;
        int readers = p->readers != 0;
        spin_unlock_irqrestore(&p->wq.lock, fl);
        if (!readers) {
            err = -EPIPE;
            break;
        }
        size_t room = ring(p) - (head - tail);
        size_t need = n <= PIPE_BUF ? n : 1; /* small writes go in whole */
        if (room < need) {
            if (f->flags & O_NONBLOCK) {
                err = -EAGAIN;
                break;
            }
            /* Wait for room: a reader's progress, its close, or a signal. */
            err = wait_until(p, ready, need);
            if (err)
                break;
            continue;
        }
        size_t c = n - done < room ? n - done : room, moved = 0;
        while (moved < c) {
            size_t off = (head + moved) % ring(p), k = ring(p) - off;
            if (k > c - moved)
                k = c - moved;
            /* A page of the source at a time: what lies before an unmapped
             * page is written, and counted, as Linux does. */
            size_t to_page = PAGE_SIZE - (b->addr + done + moved) % PAGE_SIZE;
            if (b->user && k > to_page)
                k = to_page;
            if (iobuf_get(p->buf + off, b, done + moved, k))
                break;
            moved += k;
        }
        if (moved) {
            fl = spin_lock_irqsave(&p->wq.lock);
            p->head += moved;
            wq_wake_all_key_locked(&p->wq, POLLIN | POLLRDNORM);
            spin_unlock_irqrestore(&p->wq.lock, fl);
            done += moved;
        }
        if (moved < c) {
            err = -EFAULT;
            break;
        }
    }
    mutex_unlock(&p->wr);
    if (err == -EPIPE)
        task_signal_self(SIGPIPE);
    return done ? (long)done : err;
}

static unsigned pipe_poll(struct file *f, struct wait_set *ws)
{
    struct pipe *p = f->priv;
    if (ws)
        wait_set_add(ws, &p->wq);
    irqflags_t fl = spin_lock_irqsave(&p->wq.lock);
    unsigned ev = 0;
    if (reads(f)) {
        if (p->head != p->tail)
            ev |= POLLIN | POLLRDNORM;
        if (!p->writers)
            ev |= POLLHUP;
    }
    if (writes(f)) {
        if (ring(p) - (p->head - p->tail) >= (ring(p) < PIPE_BUF ? ring(p) : PIPE_BUF))
            ev |= POLLOUT | POLLWRNORM;
        if (!p->readers)
            ev |= POLLERR;
    }
    spin_unlock_irqrestore(&p->wq.lock, fl);
    return ev;
}

static void pipe_free(struct pipe *p)
{
    kmem_pages_free(p->buf, p->order);
    kfree(p);
}

/* Take an end of @p f's kind off its pipe; the last one frees the pipe, and
 * the inode no longer has it (under pipe_ino_lock: an open is not finding
 * it at the same time). */
static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    irqflags_t il = spin_lock_irqsave(&pipe_ino_lock);
    spin_lock(&p->wq.lock);
    p->readers -= reads(f);
    p->writers -= writes(f);
    int last = !p->readers && !p->writers;
    if (last && p->ino->pipe == p)
        p->ino->pipe = NULL;
    wq_wake_all_locked(&p->wq);
    spin_unlock(&p->wq.lock);
    spin_unlock_irqrestore(&pipe_ino_lock, il);
    if (last)
        pipe_free(p);
}

#define FIONREAD 0x541B

/* FIONREAD: the bytes waiting in the pipe, as an int. */
static long pipe_ioctl(struct file *f, unsigned cmd, uintptr_t arg)
{
    if (cmd != FIONREAD)
        return -ENOTTY;
    struct pipe *p = f->priv;
    irqflags_t fl = spin_lock_irqsave(&p->wq.lock);
    int n = (int)(p->head - p->tail);
    spin_unlock_irqrestore(&p->wq.lock, fl);
    return copy_to_user((void *)arg, &n, sizeof n) ? -EFAULT : 0;
}

/* Nothing of a pipe or FIFO can be synced: fsync and fdatasync on one are
 * EINVAL, as on Linux. */
static int pipe_fsync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static const struct file_ops pipe_read_ops = {
    .read = pipe_read, .poll = pipe_poll, .release = pipe_release, .ioctl = pipe_ioctl,
    .fsync = pipe_fsync,
};
static const struct file_ops pipe_write_ops = {
    .write = pipe_write, .poll = pipe_poll, .release = pipe_release, .ioctl = pipe_ioctl,
    .fsync = pipe_fsync,
};
static const struct file_ops pipe_rdwr_ops = {
    .read = pipe_read, .write = pipe_write, .poll = pipe_poll, .release = pipe_release, .ioctl = pipe_ioctl,
    .fsync = pipe_fsync,
};

long pipe_capacity(struct file *f, uint64_t want)
{
    if (f->ops != &pipe_read_ops && f->ops != &pipe_write_ops && f->ops != &pipe_rdwr_ops)
        return -EBADF;
    struct pipe *p = f->priv;
    if (!want)
        return (long)ring(p);
    /* As Linux rounds: whole pages, a power of two of them. */
    unsigned order = 0;
    while (((uint64_t)PAGE_SIZE << order) < want && order <= PIPE_MAX_ORDER)
        order++;
    if (order > PIPE_MAX_ORDER)
        return -EPERM; /* past pipe-max-size */
    /* Neither end may move bytes meanwhile (each copies with only its
     * mutex held), but a reader or writer waiting inside the pipe holds
     * its mutex while it waits: then EBUSY rather than wait for it (Linux
     * would resize; a deviation docs/user-mode.md names). */
    if (order == p->order)
        return (long)ring(p);
    if (!mutex_trylock(&p->rd))
        return -EBUSY;
    if (!mutex_trylock(&p->wr)) {
        mutex_unlock(&p->rd);
        return -EBUSY;
    }
    long r = (long)((size_t)PAGE_SIZE << order);
    {
        irqflags_t fl = spin_lock_irqsave(&p->wq.lock);
        uint64_t held = p->head - p->tail;
        spin_unlock_irqrestore(&p->wq.lock, fl);
        uint8_t *buf = held > ((size_t)PAGE_SIZE << order) ? NULL : kmem_pages_alloc(order);
        if (!buf) {
            r = held > ((size_t)PAGE_SIZE << order) ? -EBUSY : -ENOMEM;
        } else {
            /* Each byte keeps its ring index modulo the new size. */
            size_t size = (size_t)PAGE_SIZE << order;
            for (uint64_t i = p->tail; i != p->head; i++)
                buf[i % size] = p->buf[i % ring(p)];
            fl = spin_lock_irqsave(&p->wq.lock);
            uint8_t *old = p->buf;
            unsigned old_order = p->order;
            p->buf = buf;
            p->order = order;
            wq_wake_all_locked(&p->wq); /* writers may have room now */
            spin_unlock_irqrestore(&p->wq.lock, fl);
            kmem_pages_free(old, old_order);
        }
    }
    mutex_unlock(&p->wr);
    mutex_unlock(&p->rd);
    return r;
}

/* An empty pipe with no ends yet, or NULL. */
static struct pipe *pipe_new(struct inode *ino)
{
    struct pipe *p = kzalloc(sizeof *p);
    uint8_t *buf = p ? kmem_pages_alloc(PIPE_ORDER) : NULL;
    if (!buf) {
        kfree(p);
        return NULL;
    }
    wq_init(&p->wq, "pipe");
    mutex_init(&p->rd, "pipe reader");
    mutex_init(&p->wr, "pipe writer");
    p->buf = buf;
    p->order = PIPE_ORDER;
    p->ino = ino;
    return p;
}

#define WANT_READER ((size_t)1 << 32) /* other_side(): a writer waits */
#define NO_WAIT SIZE_MAX

/* What a FIFO's open waits for (wq.lock held): a writer (@p seen: the
 * write_opens it began with), or a reader (@p seen: WANT_READER | the
 * read_opens it began with). */
static int other_side(struct pipe *p, size_t seen)
{
    if (seen & WANT_READER)
        return p->readers || p->read_opens != (unsigned)seen;
    return p->writers || p->write_opens != (unsigned)seen;
}

int fifo_open(struct inode *ino, unsigned flags, struct file **out)
{
    unsigned mode = flags & O_ACCMODE;
    if (mode == 3)
        return -EINVAL;
    struct file *f = kzalloc(sizeof *f);
    struct pipe *spare = f ? pipe_new(ino) : NULL;
    if (!spare) {
        kfree(f);
        return -ENFILE;
    }
    irqflags_t il = spin_lock_irqsave(&pipe_ino_lock);
    struct pipe *p = ino->pipe;
    if (!p)
        p = ino->pipe = spare;
    spin_lock(&p->wq.lock);
    /* An anonymous pipe reopened (/proc/PID/fd/N, bash's <(...)) neither
     * waits for the other side nor refuses, as on Linux: its writer may
     * be gone already, and no open could bring one back. */
    int anon = pipe_dev && ino->dev == pipe_dev;
    int refuse = !anon && mode == O_WRONLY && (flags & O_NONBLOCK) && !p->readers;
    size_t wait_for = NO_WAIT;
    if (!refuse) {
        if (mode != O_WRONLY) {
            p->readers++;
            p->read_opens++;
        }
        if (mode != O_RDONLY) {
            p->writers++;
            p->write_opens++;
        }
        wq_wake_all_locked(&p->wq);
        if (!anon && mode == O_RDONLY && !(flags & O_NONBLOCK) && !p->writers)
            wait_for = p->write_opens;
        else if (!anon && mode == O_WRONLY && !p->readers)
            wait_for = WANT_READER | p->read_opens;
    }
    int fresh = p == spare;
    if (refuse && fresh)
        ino->pipe = NULL;
    spin_unlock(&p->wq.lock);
    spin_unlock_irqrestore(&pipe_ino_lock, il);
    if (!fresh || refuse)
        pipe_free(spare);
    if (refuse) {
        kfree(f);
        return -ENXIO;
    }
    const struct file_ops *ops = mode == O_RDONLY ? &pipe_read_ops
                                 : mode == O_WRONLY ? &pipe_write_ops : &pipe_rdwr_ops;
    *f = (struct file){.refs = 1, .flags = flags, .inode = inode_get(ino), .ops = ops, .priv = p};
    if (wait_for != NO_WAIT) {
        int e = wait_until(p, other_side, wait_for);
        if (e) {
            file_put(f); /* takes the end off again */
            return e;
        }
    }
    *out = f;
    return 0;
}

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
    if (!pipe_dev)
        pipe_dev = vfs_new_dev(); /* a race here only wastes a number */
    struct inode *ino = inode_alloc(pipe_dev, &pipe_iops, S_IFIFO | 0600);
    struct pipe *p = ino ? pipe_new(ino) : NULL;
    struct file *r = p ? kzalloc(sizeof *r) : NULL;
    struct file *w = r ? kzalloc(sizeof *w) : NULL;
    if (!w) {
        kfree(r);
        if (p)
            pipe_free(p);
        inode_put(ino); /* nlink 0: freed */
        return -ENFILE;
    }
    p->readers = p->writers = 1;
    p->read_opens = p->write_opens = 1;
    ino->pipe = p; /* nobody else can see the inode yet */
    unsigned keep = flags & O_NONBLOCK;
    *r = (struct file){.refs = 1, .flags = O_RDONLY | keep, .inode = ino, .ops = &pipe_read_ops, .priv = p};
    *w = (struct file){.refs = 1, .flags = O_WRONLY | keep, .inode = inode_get(ino), .ops = &pipe_write_ops,
                        .priv = p}; /* r has inode_alloc()'s */
    *rd = r;
    *wr = w;
    return 0;
}
