/**
 * @file poll.c
 * @brief Waiting on many descriptors: poll, ppoll, select and pselect6.
 *
 * One loop serves all four. Each descriptor asked about becomes an entry
 * with the poll events that make it count as ready (@c want); the loop
 * asks every file's poll op, adding each file's wait queue and the
 * caller's signal queue to one wait set, and sleeps until a queue is
 * woken, the deadline passes or a signal comes, then looks again. poll's
 * answer is the events themselves; select's is three bit sets made from
 * them, as Linux makes them: readable is POLLIN, POLLHUP or POLLERR,
 * writable POLLOUT or POLLERR, exceptional POLLPRI.
 *
 * The time left is written back to the caller's timeout (select's timeval,
 * ppoll's and pselect6's timespec), also when a signal interrupts the call,
 * so a restarted call waits only for the rest, as on Linux.
 */
#include "signal.h"
#include "sys.h"
#include <hal/timer.h>
#include <kernel/errno.h>
#include <kernel/kmalloc.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/user.h>
#include <kernel/vfs.h>

#define POLLRDBAND 0x080
#define POLLWRBAND 0x200
#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX POLLPRI
#define POLL_MAX 1024
#define NO_DEADLINE (~0ull)
#define TIMEOUT_MAX_S 100000000u /* longer waits are as good as forever */

struct pollent {
    int fd;
    unsigned want;  /* the events that make it ready */
    unsigned got;   /* of those, the ones it has */
    struct file *f; /* held while the wait set may be on its queues, or NULL */
};

/* Put the files @p e held while the wait set was on their queues: a
 * descriptor closed meanwhile by another thread must not free the queue
 * under the set's entry (Linux's poll holds its files so too). */
static void put_held(struct pollent *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].f) {
            file_put(e[i].f);
            e[i].f = NULL;
        }
}

/* Look at @p n entries until one is ready, *@p deadline passes (0: look
 * once; NO_DEADLINE: none) or a signal comes: the number ready, or
 * -ERESTARTNOHAND. A closed descriptor is ready with POLLNVAL. */
static long poll_wait(struct pollent *e, size_t n, uint64_t deadline)
{
    struct proc *me = proc_current();
    for (;;) {
        struct wait_set ws;
        wait_set_init(&ws);
        int waiting = deadline != 0;
        if (waiting)
            wait_set_add(&ws, &me->sig.wq);
        long ready = 0;
        for (size_t i = 0; i < n; i++) {
            e[i].got = 0;
            if (e[i].fd < 0)
                continue;
            struct file *f = fd_get(me->fs.fds, e[i].fd);
            unsigned ev;
            if (!f)
                ev = POLLNVAL;
            else if (f->ops && f->ops->poll)
                ev = f->ops->poll(f, waiting ? &ws : NULL);
            else
                ev = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM; /* a regular file never waits */
            if (f && waiting)
                e[i].f = f; /* put after wait_set_clear() */
            else if (f)
                file_put(f);
            e[i].got = ev & e[i].want;
            if (e[i].got)
                ready++;
        }
        if (ready || !deadline) {
            wait_set_clear(&ws);
            put_held(e, n);
            return ready;
        }
        if (signal_pending()) {
            wait_set_clear(&ws);
            put_held(e, n);
            return -ERESTARTNOHAND;
        }
        int timed_out = deadline == NO_DEADLINE ? (wait_set_block(&ws), 0) : wait_set_block_until(&ws, deadline);
        wait_set_clear(&ws);
        put_held(e, n);
        if (timed_out)
            deadline = 0; /* one more look, then 0 */
    }
}

/* A relative timeout of @p sec, @p nsec as a deadline (0 for a zero
 * timeout: look once). */
uint64_t poll_deadline_after(int64_t sec, int64_t nsec)
{
    uint64_t ns = (uint64_t)sec > TIMEOUT_MAX_S ? TIMEOUT_MAX_S * 1000000000ull
                                                : (uint64_t)sec * 1000000000u + (uint64_t)nsec;
    return ns ? hal_time_ns() + ns : 0;
}

/* The time left before @p deadline, in ns (0 once it passed). */
static uint64_t time_left(uint64_t deadline)
{
    uint64_t now = hal_time_ns();
    return deadline > now ? deadline - now : 0;
}

/* Read the timespec at @p uts into a deadline (NO_DEADLINE for NULL). */
static long timespec_deadline(uint64_t uts, uint64_t *deadline)
{
    *deadline = NO_DEADLINE;
    if (!uts)
        return 0;
    int64_t ts[2];
    if (copy_from_user(ts, (const void *)(uintptr_t)uts, sizeof ts))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -EINVAL;
    *deadline = poll_deadline_after(ts[0], ts[1]);
    return 0;
}

/* Write the time left before @p deadline back to the timespec at @p uts.
 * A write that faults is ignored (the answer stands), as Linux does. */
static void timespec_left(uint64_t uts, uint64_t deadline)
{
    if (!uts || deadline == NO_DEADLINE)
        return;
    uint64_t left = deadline ? time_left(deadline) : 0;
    int64_t ts[2] = {(int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u)};
    (void)copy_to_user((void *)(uintptr_t)uts, ts, sizeof ts);
}

/* Run the call under the signal mask at @p umask (@p size its size; 0:
 * none), as sigsuspend does: a signal it lets through ends the call with
 * its handler run under that mask, then the old mask is back. */
long poll_mask_for_call(uint64_t umask, uint64_t size)
{
    if (!umask)
        return 0;
    uint64_t mask;
    if (size != sizeof mask)
        return -EINVAL;
    if (copy_from_user(&mask, (const void *)(uintptr_t)umask, sizeof mask))
        return -EFAULT;
    signal_mask_for_call(mask);
    return 1;
}

/* ---- poll, ppoll ---- */

struct pollfd_u {
    int32_t fd;
    int16_t events, revents;
};

static long do_poll(uint64_t ufds, uint64_t n, uint64_t deadline, uint64_t masked)
{
    if (n > POLL_MAX)
        return -EINVAL;
    struct pollfd_u *pf = n ? kmalloc(n * sizeof *pf) : NULL;
    struct pollent *e = n ? kmalloc(n * sizeof *e) : NULL;
    long r = 0;
    if (n && (!pf || !e))
        r = -ENOMEM;
    else if (n && copy_from_user(pf, (const void *)(uintptr_t)ufds, n * sizeof *pf))
        r = -EFAULT;
    for (uint64_t i = 0; !r && i < n; i++)
        e[i] = (struct pollent){pf[i].fd, (uint16_t)pf[i].events | POLLERR | POLLHUP | POLLNVAL, 0, NULL};
    if (!r)
        r = poll_wait(e, n, deadline);
    if (masked)
        signal_mask_after_call(r);
    for (uint64_t i = 0; r >= 0 && i < n; i++)
        pf[i].revents = (int16_t)e[i].got;
    if (r >= 0 && n && copy_to_user((void *)(uintptr_t)ufds, pf, n * sizeof *pf))
        r = -EFAULT;
    kfree(pf);
    kfree(e);
    return r;
}

static long sys_ppoll(const uint64_t a[6])
{
    uint64_t deadline;
    long e = timespec_deadline(a[2], &deadline);
    if (e)
        return e;
    long masked = poll_mask_for_call(a[3], a[4]);
    if (masked < 0)
        return masked;
    long r = do_poll(a[0], a[1], deadline, (uint64_t)masked);
    timespec_left(a[2], deadline);
    return r;
}

/* ---- select, pselect6 ---- */

#define SET_WORDS (FD_MAX / 64)

/* select's three sets at @p uset[3] over @p nfds descriptors: wait, then
 * write back the descriptors found ready and answer how many bits are
 * set; EBADF if a descriptor in a set is not open. */
static long do_select(int64_t nfds, const uint64_t uset[3], uint64_t deadline, uint64_t masked)
{
    if (nfds < 0 || nfds > 0x7fffffff) {
        if (masked)
            signal_mask_after_call(-EINVAL);
        return -EINVAL;
    }
    long r = 0;
    if (nfds > FD_MAX)
        nfds = FD_MAX; /* no descriptor lies above; their bits are ignored */
    size_t words = (size_t)(nfds + 63) / 64, bytes = words * sizeof(uint64_t);
    uint64_t (*set)[SET_WORDS] = kzalloc(3 * sizeof *set);
    struct pollent *e = nfds ? kmalloc((size_t)nfds * sizeof *e) : NULL;
    if (!set || (nfds && !e))
        r = -ENOMEM;
    for (int k = 0; !r && k < 3; k++)
        if (uset[k] && bytes && copy_from_user(set[k], (const void *)(uintptr_t)uset[k], bytes))
            r = -EFAULT;
    size_t n = 0;
    struct fdtable *fds = proc_current()->fs.fds;
    for (int64_t fd = 0; !r && fd < nfds; fd++) {
        uint64_t bit = 1ull << (fd % 64);
        unsigned want = (set[0][fd / 64] & bit ? SEL_IN : 0) | (set[1][fd / 64] & bit ? SEL_OUT : 0) |
                        (set[2][fd / 64] & bit ? SEL_EX : 0);
        if (!want)
            continue;
        struct file *f = fd_get(fds, (int)fd);
        if (!f)
            r = -EBADF;
        file_put(f);
        e[n++] = (struct pollent){(int)fd, want, 0, NULL};
    }
    if (!r)
        r = poll_wait(e, n, deadline);
    if (masked)
        signal_mask_after_call(r);
    if (r >= 0) {
        memset(set, 0, 3 * sizeof *set);
        r = 0;
        for (size_t i = 0; i < n; i++) {
            int fd = e[i].fd;
            uint64_t bit = 1ull << (fd % 64);
            const unsigned in[3] = {SEL_IN, SEL_OUT, SEL_EX};
            for (int k = 0; k < 3; k++)
                if (e[i].got & e[i].want & in[k]) {
                    set[k][fd / 64] |= bit;
                    r++;
                }
        }
        for (int k = 0; k < 3; k++)
            if (uset[k] && bytes && copy_to_user((void *)(uintptr_t)uset[k], set[k], bytes))
                r = -EFAULT;
    }
    kfree(set);
    kfree(e);
    return r;
}

/* pselect6's sixth argument: the mask's address and size, as one struct. */
struct sigset_arg {
    uint64_t mask, size;
};

static long sys_pselect6(const uint64_t a[6])
{
    uint64_t deadline;
    long e = timespec_deadline(a[4], &deadline);
    if (e)
        return e;
    struct sigset_arg sa = {0, 0};
    if (a[5] && copy_from_user(&sa, (const void *)(uintptr_t)a[5], sizeof sa))
        return -EFAULT;
    long masked = poll_mask_for_call(sa.mask, sa.size);
    if (masked < 0)
        return masked;
    long r = do_select((int64_t)(int32_t)a[0], &a[1], deadline, (uint64_t)masked);
    timespec_left(a[4], deadline);
    return r;
}

#ifdef SYSNR_select
/* select's timeval: microseconds past a second carry into the seconds,
 * as Linux takes them; a negative part is EINVAL. */
static long sys_select(const uint64_t a[6])
{
    uint64_t deadline = NO_DEADLINE;
    int64_t tv[2];
    if (a[4]) {
        if (copy_from_user(tv, (const void *)(uintptr_t)a[4], sizeof tv))
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0)
            return -EINVAL;
        int64_t sec = tv[0] > TIMEOUT_MAX_S ? tv[0] : tv[0] + tv[1] / 1000000;
        deadline = poll_deadline_after(sec, tv[1] % 1000000 * 1000);
    }
    long r = do_select((int64_t)(int32_t)a[0], &a[1], deadline, 0);
    if (a[4] && deadline != NO_DEADLINE) {
        uint64_t left = deadline ? time_left(deadline) : 0;
        tv[0] = (int64_t)(left / 1000000000u);
        tv[1] = (int64_t)(left % 1000000000u / 1000);
        (void)copy_to_user((void *)(uintptr_t)a[4], tv, sizeof tv);
    }
    return r;
}
#endif

#ifdef SYSNR_poll
static long sys_poll(const uint64_t a[6])
{
    int ms = (int)a[2];
    uint64_t deadline = ms < 0 ? NO_DEADLINE : ms == 0 ? 0 : hal_time_ns() + (uint64_t)ms * 1000000u;
    return do_poll(a[0], a[1], deadline, 0);
}
#endif

const struct sysent sys_poll_table[] = {
    SYSENT(ppoll),
    SYSENT(pselect6),
#ifdef SYSNR_poll
    SYSENT(poll),
#endif
#ifdef SYSNR_select
    SYSENT(select),
#endif
};

const unsigned sys_poll_count = sizeof sys_poll_table / sizeof sys_poll_table[0];
