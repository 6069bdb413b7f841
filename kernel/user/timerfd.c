/**
 * @file timerfd.c
 * @brief timerfd_create(), timerfd_settime(), timerfd_gettime(): a timer
 *        read as a descriptor.
 *
 * The timer is the open file's (shared by dup and fork, gone with its last
 * close), a kernel timer (kernel/ktimer.h) whose callback, in the timer
 * interrupt, counts the expiry, re-arms a period and wakes readers and
 * pollers. read() returns the expiries since the last read as one 8-byte
 * count (EINVAL for a smaller buffer), waiting for one unless O_NONBLOCK
 * (EAGAIN). As in timers.c an absolute time on a wall clock becomes a
 * monotonic deadline when it is set, and a period never re-arms closer than
 * TFD_MIN_PERIOD_NS to the present (the ticks in between are counted).
 * TFD_TIMER_CANCEL_ON_SET is accepted; nothing here sets the wall clock, so
 * no read is ever cancelled by it.
 */
#include "sys.h"
#include <hal/timer.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/ktimer.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/task.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_MIN_PERIOD_NS 50000ull
#define TFD_TIME_MAX_S 100000000ull /* longer times are cut to about 3 years */

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

struct tfd {
    struct ktimer kt;
    struct waitqueue wq; /* its lock covers the fields below */
    int clock;
    uint64_t expires;  /* the hal_time_ns() deadline; 0: disarmed */
    uint64_t interval; /* 0: once */
    uint64_t ticks;    /* expiries not read yet */
};

struct timespec_t {
    int64_t sec, nsec;
};
struct itimerspec_t {
    struct timespec_t interval, value;
};

static unsigned tfd_dev;
static const struct inode_ops tfd_iops = {0};
static const struct file_ops tfd_ops;

/* Count @p t's expiries up to @p now and re-arm a period (lock held). Run
 * by the timer's callback and by read and poll too: a callback queued on a
 * CPU whose vCPU the host has not run yet must not hide an expiry a reader
 * on another CPU can already see on the clock. */
static void tfd_expire_locked(struct tfd *t, uint64_t now)
{
    if (!t->expires || t->expires > now)
        return;
    uint64_t n = 1, skipped;
    if (t->interval) {
        t->expires = period_next(t->expires, t->interval, now, TFD_MIN_PERIOD_NS, &skipped);
        n += skipped;
        ktimer_arm(&t->kt, t->expires);
    } else {
        t->expires = 0;
    }
    t->ticks += n;
    wq_wake_all_locked(&t->wq);
}

static void tfd_fire(struct ktimer *kt, void *arg)
{
    (void)kt;
    struct tfd *t = arg;
    irqflags_t f = spin_lock_irqsave(&t->wq.lock);
    tfd_expire_locked(t, hal_time_ns());
    spin_unlock_irqrestore(&t->wq.lock, f);
}

static long tfd_read(struct file *f, const struct iobuf *b, size_t n, uint64_t *pos)
{
    (void)pos;
    struct tfd *t = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    struct waitqueue *sig = task_signal_wq();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        wait_set_add(&ws, &t->wq);
        if (sig)
            wait_set_add(&ws, sig);
        irqflags_t fl = spin_lock_irqsave(&t->wq.lock);
        tfd_expire_locked(t, hal_time_ns());
        uint64_t ticks = t->ticks;
        t->ticks = 0;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        if (ticks) {
            wait_set_clear(&ws);
            if (iobuf_put(b, 0, &ticks, sizeof ticks)) {
                fl = spin_lock_irqsave(&t->wq.lock);
                t->ticks += ticks; /* not lost to a bad buffer */
                spin_unlock_irqrestore(&t->wq.lock, fl);
                return -EFAULT;
            }
            return sizeof ticks;
        }
        if (f->flags & O_NONBLOCK) {
            wait_set_clear(&ws);
            return -EAGAIN;
        }
        if (sig && task_signal_pending()) {
            wait_set_clear(&ws);
            return -ERESTARTSYS;
        }
        wait_set_block(&ws);
        wait_set_clear(&ws);
    }
}

static unsigned tfd_poll(struct file *f, struct wait_set *ws)
{
    struct tfd *t = f->priv;
    if (ws)
        wait_set_add(ws, &t->wq);
    irqflags_t fl = spin_lock_irqsave(&t->wq.lock);
    tfd_expire_locked(t, hal_time_ns());
    unsigned ev = t->ticks ? POLLIN | POLLRDNORM : 0;
    spin_unlock_irqrestore(&t->wq.lock, fl);
    return ev;
}

/* Stop @p t: after this its callback neither runs nor will. */
static void tfd_disarm(struct tfd *t)
{
    irqflags_t f = spin_lock_irqsave(&t->wq.lock);
    t->expires = 0;
    spin_unlock_irqrestore(&t->wq.lock, f);
    ktimer_cancel(&t->kt); /* waits for a callback running on another CPU */
}

static void tfd_release(struct file *f)
{
    struct tfd *t = f->priv;
    tfd_disarm(t);
    kfree(t);
}

static const struct file_ops tfd_ops = {.read = tfd_read, .poll = tfd_poll, .release = tfd_release};

/* The timerfd open as descriptor @p fd, held (file_put()), or NULL with
 * *@p err EBADF (not open) or EINVAL (not a timerfd). */
static struct file *tfd_get(uint64_t fd, long *err)
{
    struct file *f = fd_get(proc_current()->fs.fds, (int)fd); /* an int, as Linux takes it */
    *err = f ? -EINVAL : -EBADF;
    if (f && f->ops != &tfd_ops) {
        file_put(f);
        return NULL;
    }
    return f;
}

static struct itimerspec_t tfd_read_setting(struct tfd *t)
{
    irqflags_t f = spin_lock_irqsave(&t->wq.lock);
    uint64_t now = hal_time_ns();
    uint64_t left = !t->expires ? 0 : t->expires > now ? t->expires - now : 1;
    uint64_t interval = t->interval;
    spin_unlock_irqrestore(&t->wq.lock, f);
    return (struct itimerspec_t){{(int64_t)(interval / NSEC_PER_SEC), (int64_t)(interval % NSEC_PER_SEC)},
                                 {(int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC)}};
}

static long ts_valid_ns(const struct timespec_t *ts, uint64_t *ns, uint64_t max_s)
{
    if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)ts->sec > max_s ? max_s * NSEC_PER_SEC : (uint64_t)ts->sec * NSEC_PER_SEC + (uint64_t)ts->nsec;
    return 0;
}

static long sys_timerfd_create(const uint64_t a[6])
{
    uint64_t clock = a[0];
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
        clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
        return -EINVAL;
    if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK)) /* TFD_CLOEXEC, TFD_NONBLOCK */
        return -EINVAL;
    struct tfd *t = kzalloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    wq_init(&t->wq, "timerfd");
    t->clock = (int)clock;
    ktimer_init(&t->kt, tfd_fire, t);
    struct file *f = file_anon(&tfd_dev, &tfd_iops, &tfd_ops, O_RDWR | ((unsigned)a[1] & O_NONBLOCK), t);
    if (!f) {
        kfree(t);
        return -ENOMEM;
    }
    return sys_install_fd(f, (a[1] & O_CLOEXEC) != 0); /* a failure's put frees t */
}

/* timerfd_settime(fd, flags, new, old): as timer_settime(), and the count
 * of expiries not read yet starts again from 0. Linux's order of errors:
 * the new value's EFAULT, the flags' and its EINVAL, then the descriptor. */
static long sys_timerfd_settime(const uint64_t a[6])
{
    struct itimerspec_t in;
    if (copy_from_user(&in, (const void *)(uintptr_t)a[2], sizeof in))
        return -EFAULT;
    if (a[1] & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    uint64_t value, interval;
    long e = ts_valid_ns(&in.value, &value, a[1] & TFD_TIMER_ABSTIME ? UINT64_MAX / NSEC_PER_SEC - 1 : TFD_TIME_MAX_S);
    if (!e)
        e = ts_valid_ns(&in.interval, &interval, TFD_TIME_MAX_S);
    if (e)
        return e;
    struct file *f = tfd_get(a[0], &e);
    if (!f)
        return e;
    struct tfd *t = f->priv;
    struct itimerspec_t old = tfd_read_setting(t);
    tfd_disarm(t);
    uint64_t now = hal_time_ns(), deadline = 0;
    if (value && (a[1] & TFD_TIMER_ABSTIME)) {
        int wall = t->clock == CLOCK_REALTIME || t->clock == CLOCK_REALTIME_ALARM;
        uint64_t on = wall ? clock_wall_ns() : now;
        uint64_t ahead = value > on ? value - on : 0;
        deadline = now + (ahead > TFD_TIME_MAX_S * NSEC_PER_SEC ? TFD_TIME_MAX_S * NSEC_PER_SEC : ahead);
    } else if (value) {
        deadline = now + value;
    }
    irqflags_t fl = spin_lock_irqsave(&t->wq.lock);
    t->ticks = 0;
    t->expires = deadline;
    t->interval = deadline ? interval : 0;
    if (deadline)
        ktimer_arm(&t->kt, deadline);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    file_put(f);
    /* Set already when the old value cannot be told, as Linux does. */
    return a[3] ? copy_to_user((void *)(uintptr_t)a[3], &old, sizeof old) : 0;
}

static long sys_timerfd_gettime(const uint64_t a[6])
{
    long e;
    struct file *f = tfd_get(a[0], &e);
    if (!f)
        return e;
    struct itimerspec_t cur = tfd_read_setting(f->priv);
    file_put(f);
    return copy_to_user((void *)(uintptr_t)a[1], &cur, sizeof cur);
}

const struct sysent sys_timerfd_table[] = {
    SYSENT(timerfd_create),
    SYSENT(timerfd_settime),
    SYSENT(timerfd_gettime),
};
const unsigned sys_timerfd_count = sizeof sys_timerfd_table / sizeof sys_timerfd_table[0];
