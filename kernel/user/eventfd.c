/**
 * @file eventfd.c
 * @brief eventfd() and eventfd2(): a 64-bit counter read and written as a
 *        descriptor.
 *
 * A write adds its 8-byte value to the counter, waiting (unless O_NONBLOCK:
 * EAGAIN) while the sum would pass 0xfffffffffffffffe; a read takes the
 * counter and sets it to 0, or with EFD_SEMAPHORE takes 1, waiting while it
 * is 0. Buffers shorter than 8 bytes and a write of all ones are EINVAL.
 * poll: POLLIN while the counter is not 0, POLLOUT while 1 can be added.
 * Wakes carry the events they are about, so an edge-triggered epoll watch
 * of POLLIN is not woken by a read.
 */
#include "sys.h"
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/task.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define EFD_SEMAPHORE 1
#define EFD_MAX 0xfffffffffffffffeull

struct efd {
    struct waitqueue wq; /* its lock covers count */
    uint64_t count;
    int semaphore;
};

static unsigned efd_dev;
static const struct inode_ops efd_iops = {0};

/* Run @p step under the counter's lock until it does its part, waiting on
 * the counter's queue (and signals) in between: 0, -EAGAIN (non-blocking),
 * -ERESTARTSYS. */
static long efd_wait(struct file *f, int (*step)(struct efd *e, uint64_t *v), uint64_t *v)
{
    struct efd *e = f->priv;
    struct waitqueue *sig = task_signal_wq();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &e->wq);
        if (sig)
            wait_set_add(&ws, sig);
        irqflags_t fl = spin_lock_irqsave(&e->wq.lock);
        int done = step(e, v);
        spin_unlock_irqrestore(&e->wq.lock, fl);
        long r = done ? 0 : (f->flags & O_NONBLOCK) ? -EAGAIN : sig && task_signal_pending() ? -ERESTARTSYS : 1;
        if (r != 1) {
            wait_set_clear(&ws);
            return r;
        }
        wait_set_block(&ws);
        wait_set_clear(&ws);
    }
}

/* Take what a read gets, if there is any (lock held). */
static int take(struct efd *e, uint64_t *v)
{
    if (!e->count)
        return 0;
    *v = e->semaphore ? 1 : e->count;
    e->count -= *v;
    wq_wake_all_key_locked(&e->wq, POLLOUT | POLLWRNORM);
    return 1;
}

/* Add *@p v if it fits (lock held). */
static int add(struct efd *e, uint64_t *v)
{
    if (*v > EFD_MAX - e->count)
        return 0;
    e->count += *v;
    if (*v)
        wq_wake_all_key_locked(&e->wq, POLLIN | POLLRDNORM);
    return 1;
}

static long efd_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    uint64_t v;
    long r = efd_wait(f, take, &v);
    if (r)
        return r;
    if (iobuf_put(b, 0, &v, sizeof v)) {
        struct efd *e = f->priv;
        irqflags_t fl = spin_lock_irqsave(&e->wq.lock);
        e->count += v; /* not lost to a bad buffer */
        spin_unlock_irqrestore(&e->wq.lock, fl);
        return -EFAULT;
    }
    return sizeof v;
}

static long efd_write(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    uint64_t v;
    if (iobuf_get(&v, b, 0, sizeof v))
        return -EFAULT;
    if (v == ~0ull)
        return -EINVAL;
    long r = efd_wait(f, add, &v);
    return r ? r : (long)sizeof v;
}

static unsigned efd_poll(struct file *f, struct wait_set *ws)
{
    struct efd *e = f->priv;
    if (ws)
        wait_set_add(ws, &e->wq);
    irqflags_t fl = spin_lock_irqsave(&e->wq.lock);
    unsigned ev = (e->count ? POLLIN | POLLRDNORM : 0) | (e->count < EFD_MAX ? POLLOUT | POLLWRNORM : 0);
    spin_unlock_irqrestore(&e->wq.lock, fl);
    return ev;
}

static void efd_release(struct file *f) { kfree(f->priv); }

static const struct file_ops efd_ops = {.read = efd_read, .write = efd_write, .poll = efd_poll, .release = efd_release};

static long sys_eventfd2(const uint64_t a[6])
{
    if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
        return -EINVAL;
    struct efd *e = kzalloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    wq_init(&e->wq, "eventfd");
    e->count = (uint32_t)a[0]; /* an unsigned int, as Linux takes it */
    e->semaphore = (a[1] & EFD_SEMAPHORE) != 0;
    struct file *f = file_anon(&efd_dev, &efd_iops, &efd_ops, O_RDWR | ((unsigned)a[1] & O_NONBLOCK), e);
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    return sys_install_fd(f, (a[1] & O_CLOEXEC) != 0);
}

#ifdef SYSNR_eventfd
static long sys_eventfd(const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], 0};
    return sys_eventfd2(b);
}
#endif

const struct sysent sys_eventfd_table[] = {
    SYSENT(eventfd2),
#ifdef SYSNR_eventfd
    SYSENT(eventfd),
#endif
};
const unsigned sys_eventfd_count = sizeof sys_eventfd_table / sizeof sys_eventfd_table[0];
