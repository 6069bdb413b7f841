/**
 * @file epoll.c
 * @brief The epoll calls: epoll_create, epoll_create1, epoll_ctl,
 *        epoll_wait, epoll_pwait, epoll_pwait2 (the instances are
 *        kernel/fs/epoll.c's).
 *
 * A wait adds the instance's queue and the caller's signal queue to one
 * wait set before it looks for ready events, so an event between the look
 * and the sleep is not missed; it ends with the events found, at the
 * deadline, or with EINTR when a signal comes (never restarted, as on
 * Linux). struct epoll_event is 12 bytes on x86_64 (packed), 16 elsewhere.
 */
#include "signal.h"
#include "sys.h"
#include <hal/user.h>
#include <kernel/epoll.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/user.h>
#include <kernel/vfs.h>
#include <kernel/wait.h>

#ifdef ARCH_EPOLL_PACKED
struct epoll_event_u {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
#else
struct epoll_event_u {
    uint32_t events;
    uint64_t data;
};
#endif

#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct epoll_event_u))
#define EP_BATCH 32 /* events taken and copied out at a time */
#define NO_DEADLINE (~0ull)

static long sys_epoll_create1(const uint64_t a[6])
{
    if (a[0] & ~(uint64_t)O_CLOEXEC) /* EPOLL_CLOEXEC */
        return -EINVAL;
    struct file *f = epoll_file_new(0);
    if (!f)
        return -ENOMEM;
    return sys_install_fd(f, (a[0] & O_CLOEXEC) != 0);
}

#ifdef SYSNR_epoll_create
/* The size is a hint since Linux 2.6.8, but must be positive. */
static long sys_epoll_create(const uint64_t a[6])
{
    if ((int)a[0] <= 0)
        return -EINVAL;
    const uint64_t b[6] = {0};
    return sys_epoll_create1(b);
}
#endif

/* epoll_ctl(epfd, op, fd, event), Linux's order of errors: the event's
 * EFAULT, each descriptor's EBADF, then the instance's checks. */
static long sys_epoll_ctl(const uint64_t a[6])
{
    int op = (int)a[1];
    struct epoll_event_u ev = {0, 0};
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, (const void *)(uintptr_t)a[3], sizeof ev))
        return -EFAULT;
    struct fdtable *fds = proc_current()->fs.fds;
    struct file *epf = fd_get(fds, (int)a[0]);
    struct file *t = epf ? fd_get(fds, (int)a[2]) : NULL;
    long r = !t ? -EBADF : epoll_ctl_file(epf, op, (int)a[2], t, ev.events, ev.data);
    file_put(t);
    file_put(epf);
    return r;
}

/* Copy @p n events from @p k to the caller's array at @p uev, from entry @p at. */
static int events_out(uint64_t uev, int at, const struct epoll_event_k *k, int n)
{
    struct epoll_event_u u[EP_BATCH];
    for (int i = 0; i < n; i++) {
        u[i].events = k[i].events;
        u[i].data = k[i].data;
    }
    return copy_to_user((void *)(uintptr_t)(uev + (uint64_t)at * sizeof u[0]), u, (size_t)n * sizeof u[0]);
}

/* Up to @p max events of @p epf into the caller's array; how many, or -EFAULT. */
static long take_events(struct file *epf, uint64_t uev, int max)
{
    struct epoll_event_k k[EP_BATCH];
    int total = 0;
    while (total < max) {
        int want = max - total < EP_BATCH ? max - total : EP_BATCH;
        int n = epoll_harvest(epf, k, want);
        if (n && events_out(uev, total, k, n))
            return total ? total : -EFAULT;
        total += n;
        if (n < want)
            break;
    }
    return total;
}

static long do_epoll_wait(int epfd, uint64_t uev, int max, uint64_t deadline)
{
    if (max <= 0 || max > EP_MAX_EVENTS)
        return -EINVAL;
    /* An array past user space is EFAULT at once, events or not (Linux's
     * access_ok); one in it but not mapped only when an event is copied. */
    if (uev > hal_user_top() || (uint64_t)max * sizeof(struct epoll_event_u) > hal_user_top() - uev)
        return -EFAULT;
    struct proc *me = proc_current();
    struct file *epf = fd_get(me->fs.fds, epfd);
    if (!epf)
        return -EBADF;
    if (!epoll_is(epf)) {
        file_put(epf);
        return -EINVAL;
    }
    long r;
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        if (deadline) {
            wait_set_add(&ws, epoll_waitqueue(epf));
            wait_set_add(&ws, &me->sig.wq);
        }
        r = take_events(epf, uev, max);
        if (r || !deadline) {
            wait_set_clear(&ws);
            break;
        }
        if (signal_pending()) {
            wait_set_clear(&ws);
            r = -EINTR;
            break;
        }
        int timed_out = deadline == NO_DEADLINE ? (wait_set_block(&ws), 0) : wait_set_block_until(&ws, deadline);
        wait_set_clear(&ws);
        if (timed_out)
            deadline = 0; /* one more look */
    }
    file_put(epf);
    return r;
}

static uint64_t ms_deadline(int ms)
{
    return ms < 0 ? NO_DEADLINE : poll_deadline_after(ms / 1000, (int64_t)(ms % 1000) * 1000000);
}

#ifdef SYSNR_epoll_wait
static long sys_epoll_wait(const uint64_t a[6]) { return do_epoll_wait((int)a[0], a[1], (int)a[2], ms_deadline((int)a[3])); }
#endif

/* epoll_pwait's mask is set before anything else is looked at, as Linux's. */
static long pwait(const uint64_t a[6], uint64_t deadline)
{
    long masked = poll_mask_for_call(a[4], a[5]);
    if (masked < 0)
        return masked;
    long r = do_epoll_wait((int)a[0], a[1], (int)a[2], deadline);
    if (masked)
        signal_mask_after_call(r);
    return r;
}

static long sys_epoll_pwait(const uint64_t a[6]) { return pwait(a, ms_deadline((int)a[3])); }

/* epoll_pwait2: the timeout a timespec (NULL: none). */
static long sys_epoll_pwait2(const uint64_t a[6])
{
    uint64_t deadline = NO_DEADLINE;
    if (a[3]) {
        int64_t ts[2];
        if (copy_from_user(ts, (const void *)(uintptr_t)a[3], sizeof ts))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        deadline = poll_deadline_after(ts[0], ts[1]);
    }
    return pwait(a, deadline);
}

const struct sysent sys_epoll_table[] = {
    SYSENT(epoll_create1),
    SYSENT(epoll_ctl),
    SYSENT(epoll_pwait),
    SYSENT(epoll_pwait2),
#ifdef SYSNR_epoll_create
    SYSENT(epoll_create),
#endif
#ifdef SYSNR_epoll_wait
    SYSENT(epoll_wait),
#endif
};
const unsigned sys_epoll_count = sizeof sys_epoll_table / sizeof sys_epoll_table[0];
