/*
 * uepoll: epoll, eventfd and poll as Linux answers for them, one line a
 * check ("ok ..." or "FAIL ...: got X, expected Y"); exits with the number
 * of failures. Every check is Linux's answer: the program prints
 * "uepoll: 0 failed" on Linux too (cmake/linux_judged.cmake).
 * - eventfd2: the counter (reads take it all, EFD_SEMAPHORE one at a
 *   time), EFD_NONBLOCK's EAGAIN, 8-byte buffers (EINVAL shorter), the
 *   all-ones write (EINVAL), a write past the maximum waiting for a read,
 *   poll readiness, EFD_CLOEXEC, bad flags;
 * - epoll_ctl: ADD/MOD/DEL and their EEXIST, ENOENT, EINVAL, EPERM (a
 *   directory), EBADF, EFAULT, ELOOP, EPOLLEXCLUSIVE's rules;
 * - epoll_wait/epoll_pwait/epoll_pwait2: level-triggered (reported again
 *   while ready), edge-triggered (once per write), EPOLLONESHOT and its
 *   re-arm by MOD, DEL, a watched file dropped with its last descriptor
 *   (not with a dup's close), epoll inside epoll and inside poll, an
 *   instance shared with a forked child, the mask of epoll_pwait letting a
 *   blocked signal in (EINTR), timeouts 0 and small, bad arguments;
 * - an eventfd (a read's wake does not report an edge-triggered POLLIN
 *   watch), a timerfd, a signalfd and a FIFO watched by epoll;
 * - a thousand descriptors (500 pipes, both ends) with few active, by
 *   epoll and by ppoll: each sleeps while it waits (its CPU time stays a
 *   small part of the wait) and a write in another process wakes it.
 */
#include "usys.h"
#include "umem.h"

#define SIGUSR1 10
#define SIGCHLD 17
#define SA_RESTORER 0x04000000ul
#define SIG_BLOCK 0
#define SIG_SETMASK 2
#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EFD_SEMAPHORE 1
#define F_GETFD 1
#define POLLIN 1
enum { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK = 04000, O_CLOEXEC = 02000000 };
enum { EPERM = 1, ENOENT = 2, EINTR = 4, EBADF = 9, EAGAIN = 11, EFAULT = 14, EEXIST = 17, EINVAL = 22, ELOOP = 40 };
enum { AT_FDCWD = -100 };

#define fails (*ufails())
#define NPIPES 500

#ifdef USYS_EPOLL_PACKED
struct ev {
    unsigned events;
    unsigned long data;
} __attribute__((packed));
#else
struct ev {
    unsigned events;
    unsigned long data;
};
#endif
struct ts {
    long sec, nsec;
};
struct pfd {
    int fd;
    short events, revents;
};

static long uclose(long fd) { return sys1(NR_close, fd); }
static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static long wait_status(long pid)
{
    int st = 0;
    sys6(NR_wait4, pid, (long)&st, 0, 0, 0, 0);
    return (st >> 8) & 0xff;
}
static void msleep(long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}
static long uread(long fd, void *b, long n) { return sys3(NR_read, fd, (long)b, n); }
static long uwrite(long fd, const void *b, long n) { return sys3(NR_write, fd, (long)b, n); }
static long upipe(int p[2], long flags) { return sys3(NR_pipe2, (long)p, flags, 0); }
static long efd(unsigned init, long flags) { return sys3(NR_eventfd2, init, flags, 0); }
static long ecreate(long flags) { return sys1(NR_epoll_create1, flags); }
static long ectl(long ep, long op, long fd, unsigned events, unsigned long data)
{
    struct ev e = {events, data};
    return sys6(NR_epoll_ctl, ep, op, fd, (long)&e, 0, 0);
}
static long pwait(long ep, struct ev *out, long max, long ms, const unsigned long *mask)
{
    return sys6(NR_epoll_pwait, ep, (long)out, max, ms, (long)mask, 8);
}
static long ewait(long ep, struct ev *out, long max, long ms) { return pwait(ep, out, max, ms, 0); }
static long ppoll_ms(struct pfd *p, long n, long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    return sys6(NR_ppoll, (long)p, n, ms < 0 ? 0 : (long)&t, 0, 8, 0);
}
static long procmask(int how, unsigned long set, unsigned long *old)
{
    return sys6(NR_rt_sigprocmask, how, (long)&set, (long)old, 8, 0, 0);
}
/* The process's CPU time (user and system) in microseconds. */
static long cpu_us(void)
{
    long ru[18];
    sys3(NR_getrusage, 0, (long)ru, 0);
    return ru[0] * 1000000 + ru[1] + ru[2] * 1000000 + ru[3];
}

static volatile int usr1;
static void on_usr1(int sig) { (void)sig, usr1++; }
static long handle(int sig, void (*fn)(int))
{
    struct usigaction a = {0};
    a.handler = (unsigned long)fn;
#ifdef USA_RESTORER
    a.flags |= SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    return sys6(NR_rt_sigaction, sig, (long)&a, 0, 8, 0, 0);
}

static void eventfds(void)
{
    unsigned long v = 0;
    long e = efd(3, 0);
    check(e >= 0, "eventfd2(3, 0)");
    uexpect(uread(e, &v, 8), 8, "read: 8 bytes");
    uexpect((long)v, 3, "read: the initial value");
    v = 5, uwrite(e, &v, 8);
    v = 7;
    uexpect(uwrite(e, &v, 8), 8, "write: 8 bytes");
    v = 0, uread(e, &v, 8);
    uexpect((long)v, 12, "read: the sum of the writes, all of it");
    uexpect(uread(e, &v, 4), -EINVAL, "read of 4 bytes: EINVAL");
    uexpect(uwrite(e, &v, 7), -EINVAL, "write of 7 bytes: EINVAL");
    v = ~0ul;
    uexpect(uwrite(e, &v, 8), -EINVAL, "write of all ones: EINVAL");
    uexpect(uwrite(e, (void *)8, 8), -EFAULT, "write from a bad pointer: EFAULT");
    uexpect(sys3(NR_fcntl, e, F_GETFD, 0), 0, "no FD_CLOEXEC without EFD_CLOEXEC");
    uclose(e);
    e = efd(0, O_NONBLOCK | O_CLOEXEC);
    uexpect(uread(e, &v, 8), -EAGAIN, "EFD_NONBLOCK: a read of 0 is EAGAIN");
    uexpect(sys3(NR_fcntl, e, F_GETFD, 0), 1, "EFD_CLOEXEC: FD_CLOEXEC");
    struct pfd p = {(int)e, POLLIN | EPOLLOUT, 0};
    uexpect(ppoll_ms(&p, 1, 0) * 1000 + p.revents, 1000 + EPOLLOUT, "poll at 0: writable only");
    v = 0xfffffffffffffffeul;
    uexpect(uwrite(e, &v, 8), 8, "write up to the maximum");
    p.revents = 0;
    uexpect(ppoll_ms(&p, 1, 0) * 1000 + p.revents, 1000 + POLLIN, "poll at the maximum: readable only");
    v = 1;
    uexpect(uwrite(e, &v, 8), -EAGAIN, "a write past the maximum, non-blocking: EAGAIN");
    uclose(e);
    e = efd(0xfffffffe, 0);
    v = 0xfffffffffffffffeul - 0xfffffffe;
    uwrite(e, &v, 8);
    long child = ufork();
    if (child == 0) {
        msleep(50);
        unsigned long got = 0;
        uread(e, &got, 8);
        uexit(got == 0xfffffffffffffffeul ? 0 : 1);
    }
    long t0 = unow_ns();
    v = 2;
    uexpect(uwrite(e, &v, 8), 8, "a write past the maximum waits for a read, then adds");
    check(unow_ns() - t0 > 20000000, "the write waited");
    uexpect(wait_status(child), 0, "the reader in the child took the maximum");
    v = 0, uread(e, &v, 8);
    uexpect((long)v, 2, "then the count is what the write added");
    uclose(e);
    e = efd(2, EFD_SEMAPHORE | O_NONBLOCK);
    v = 0, uread(e, &v, 8);
    uexpect((long)v, 1, "EFD_SEMAPHORE: a read takes 1");
    v = 0, uread(e, &v, 8);
    uexpect((long)v, 1, "EFD_SEMAPHORE: and 1 again");
    uexpect(uread(e, &v, 8), -EAGAIN, "EFD_SEMAPHORE: then EAGAIN");
    uclose(e);
    uexpect(efd(0, 8), -EINVAL, "eventfd2 with a bad flag: EINVAL");
#ifdef NR_eventfd
    e = sys1(NR_eventfd, 4);
    v = 0, uread(e, &v, 8);
    uexpect((long)v, 4, "eventfd(4)");
    uclose(e);
#endif
}

static void errors(void)
{
    struct ev out[4];
    int p[2];
    upipe(p, 0);
    uexpect(ecreate(1), -EINVAL, "epoll_create1 with a bad flag: EINVAL");
    long ep = ecreate(O_CLOEXEC);
    check(ep >= 0, "epoll_create1(EPOLL_CLOEXEC)");
    uexpect(sys3(NR_fcntl, ep, F_GETFD, 0), 1, "EPOLL_CLOEXEC: FD_CLOEXEC");
#ifdef NR_epoll_create
    uexpect(sys1(NR_epoll_create, 0), -EINVAL, "epoll_create(0): EINVAL");
    long ep0 = sys1(NR_epoll_create, 1);
    uexpect(sys3(NR_fcntl, ep0, F_GETFD, 0), 0, "epoll_create(1): no FD_CLOEXEC");
    uclose(ep0);
#endif
    uexpect(ectl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), 0, "ADD");
    uexpect(ectl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), -EEXIST, "ADD again: EEXIST");
    uexpect(ectl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 1), -ENOENT, "MOD of a descriptor not added: ENOENT");
    uexpect(ectl(ep, EPOLL_CTL_DEL, p[1], 0, 0), -ENOENT, "DEL of a descriptor not added: ENOENT");
    uexpect(ectl(ep, 99, p[0], EPOLLIN, 0), -EINVAL, "a bad op: EINVAL");
    uexpect(ectl(999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EBADF, "a bad epoll descriptor: EBADF");
    uexpect(ectl(ep, EPOLL_CTL_ADD, 999, EPOLLIN, 0), -EBADF, "a bad target descriptor: EBADF");
    uexpect(ectl(p[0], EPOLL_CTL_ADD, p[1], EPOLLIN, 0), -EINVAL, "a pipe as the instance: EINVAL");
    uexpect(ectl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -EINVAL, "the instance in itself: EINVAL");
    uexpect(sys6(NR_epoll_ctl, ep, EPOLL_CTL_ADD, p[1], 8, 0, 0), -EFAULT, "a bad event pointer: EFAULT");
    uexpect(sys6(NR_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], 8, 0, 0), 0, "DEL does not read the event");
    long dir = sys6(NR_openat, AT_FDCWD, (long)"/", O_RDONLY, 0, 0, 0);
    uexpect(ectl(ep, EPOLL_CTL_ADD, dir, EPOLLIN, 0), -EPERM, "a directory (no poll): EPERM");
    uclose(dir);
    long null = sys6(NR_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0, 0, 0);
    uexpect(ectl(ep, EPOLL_CTL_ADD, null, EPOLLIN, 0), -EPERM, "/dev/null (no poll): EPERM");
    struct pfd np = {(int)null, POLLIN | EPOLLOUT, 0};
    uexpect(ppoll_ms(&np, 1, 0) * 1000 + np.revents, 1000 + (POLLIN | EPOLLOUT), "but poll finds it ready");
    uclose(null);
    uexpect(ectl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, 0), -EINVAL,
            "EPOLLEXCLUSIVE with EPOLLONESHOT: EINVAL");
    uexpect(ectl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), 0, "EPOLLEXCLUSIVE with EPOLLIN");
    uexpect(ectl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), -EINVAL, "MOD of an EPOLLEXCLUSIVE watch: EINVAL");
    uexpect(ectl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL, "MOD with EPOLLEXCLUSIVE: EINVAL");
    uexpect(ectl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLWAKEUP, 0), 0, "EPOLLWAKEUP is accepted");
    long ep2 = ecreate(0);
    uexpect(ectl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL, "EPOLLEXCLUSIVE on an instance: EINVAL");
    uexpect(ectl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 0), 0, "an instance in an instance");
    uexpect(ectl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -ELOOP, "and back: ELOOP");
    /* A chain of instances, each added to the next: how long it may grow. */
    long chain[8];
    int first_loop = -1;
    for (int i = 0; i < 8; i++)
        chain[i] = ecreate(0);
    for (int i = 0; i < 7 && first_loop < 0; i++)
        if (ectl(chain[i + 1], EPOLL_CTL_ADD, chain[i], EPOLLIN, 0) == -ELOOP)
            first_loop = i;
    uexpect(first_loop, 4, "a chain of instances: the fifth link is ELOOP");
    for (int i = 0; i < 8; i++)
        uclose(chain[i]);
    uexpect(ewait(ep, out, 0, 0), -EINVAL, "maxevents 0: EINVAL");
    uexpect(ewait(ep, out, -1, 0), -EINVAL, "maxevents -1: EINVAL");
    uexpect(ewait(999, out, 4, 0), -EBADF, "epoll_wait on a bad descriptor: EBADF");
    uexpect(ewait(p[0], out, 4, 0), -EINVAL, "epoll_wait on a pipe: EINVAL");
    uexpect(ewait(ep, (struct ev *)8, 4, 0), -EFAULT, "events to a bad pointer (one is ready): EFAULT");
    long ep3 = ecreate(0);
    uexpect(ewait(ep3, (struct ev *)0xffff800000000000ul, 4, 0), -EFAULT,
            "events past user space (none ready): EFAULT");
    uclose(ep3);
    uexpect(sys6(NR_epoll_pwait, ep, (long)out, 4, 0, (long)out, 4), -EINVAL, "epoll_pwait's mask size 4: EINVAL");
    struct ts bad = {0, 2000000000};
    if (!uskip_on_qemu_user("epoll_pwait2's errors (qemu-user has no epoll_pwait2)")) {
        uexpect(sys6(NR_epoll_pwait2, ep, (long)out, 4, (long)&bad, 0, 8), -EINVAL, "epoll_pwait2 with 2e9 ns: EINVAL");
        uexpect(sys6(NR_epoll_pwait2, ep, (long)out, 4, 8, 0, 8), -EFAULT, "epoll_pwait2's timeout unreadable: EFAULT");
    }
    uclose(ep2), uclose(ep), uclose(p[0]), uclose(p[1]);
}

static void triggers(void)
{
    struct ev out[4];
    int a[2], b[2], c[2];
    char buf[16];
    upipe(a, 0), upipe(b, 0), upipe(c, 0);
    long ep = ecreate(0);
    ectl(ep, EPOLL_CTL_ADD, a[0], EPOLLIN, 0xa0);
    ectl(ep, EPOLL_CTL_ADD, b[0], EPOLLIN | EPOLLET, 0xb0);
    uexpect(ewait(ep, out, 4, 0), 0, "nothing ready: 0 at once");
    long t0 = unow_ns();
    uexpect(ewait(ep, out, 4, 30), 0, "nothing ready in 30 ms: 0");
    check(unow_ns() - t0 >= 25000000, "after about 30 ms");
    uwrite(a[1], "x", 1);
    out[0].events = 0, out[0].data = 0;
    uexpect(ewait(ep, out, 4, 0), 1, "level-triggered: the written pipe is ready");
    uexpect((long)out[0].events * 1000 + (long)out[0].data, EPOLLIN * 1000 + 0xa0, "with EPOLLIN and its data");
    uexpect(ewait(ep, out, 4, 0), 1, "level-triggered: again while it has data");
    uread(a[0], buf, 1);
    uexpect(ewait(ep, out, 4, 0), 0, "level-triggered: not once it is read");
    uwrite(b[1], "y", 1);
    uexpect(ewait(ep, out, 4, 0), 1, "edge-triggered: the written pipe is ready");
    uexpect((long)out[0].data, 0xb0, "edge-triggered: its data");
    uexpect(ewait(ep, out, 4, 0), 0, "edge-triggered: not again though it has data");
    uwrite(b[1], "z", 1);
    uexpect(ewait(ep, out, 4, 0), 1, "edge-triggered: again after another write");
    uexpect(ewait(ep, out, 4, 0), 0, "edge-triggered: and once only");
    uread(b[0], buf, 2);
    uwrite(b[1], "w", 1);
    uexpect(ewait(ep, out, 4, 20), 1, "edge-triggered: after a read, a new write");
    uread(b[0], buf, 1);
    uexpect(ectl(ep, EPOLL_CTL_ADD, c[0], EPOLLIN | EPOLLONESHOT, 0xc0), 0, "ADD with EPOLLONESHOT");
    uwrite(c[1], "1", 1);
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1000 + 0xc0, "one-shot: reported");
    uexpect(ewait(ep, out, 4, 0), 0, "one-shot: not again, though ready");
    uwrite(c[1], "2", 1);
    uexpect(ewait(ep, out, 4, 0), 0, "one-shot: not after a write either");
    uexpect(ectl(ep, EPOLL_CTL_ADD, c[0], EPOLLIN, 0), -EEXIST, "one-shot: still added");
    uexpect(ectl(ep, EPOLL_CTL_MOD, c[0], EPOLLIN | EPOLLONESHOT, 0xc1), 0, "one-shot: MOD arms it again");
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1000 + 0xc1, "one-shot: reported after MOD, new data");
    uexpect(ectl(ep, EPOLL_CTL_MOD, c[0], EPOLLIN, 0xc2), 0, "MOD to level-triggered");
    uexpect(ewait(ep, out, 4, 0), 1, "level-triggered after MOD");
    uexpect(ectl(ep, EPOLL_CTL_DEL, c[0], 0, 0), 0, "DEL");
    uexpect(ewait(ep, out, 4, 0), 0, "after DEL: not reported though ready");
    /* EPOLLOUT and EPOLLHUP, EPOLLERR. */
    long ep2 = ecreate(0);
    ectl(ep2, EPOLL_CTL_ADD, a[1], EPOLLOUT, 1);
    uexpect(ewait(ep2, out, 4, 0) * 1000 + out[0].events, 1000 + EPOLLOUT, "an empty pipe's write end: EPOLLOUT");
    ectl(ep2, EPOLL_CTL_DEL, a[1], 0, 0);
    ectl(ep2, EPOLL_CTL_ADD, a[0], EPOLLIN | EPOLLRDHUP, 2);
    uclose(a[1]);
    uexpect(ewait(ep2, out, 4, 0) * 1000 + out[0].events, 1000 + EPOLLHUP, "its writer gone: EPOLLHUP, asked or not");
    ectl(ep2, EPOLL_CTL_DEL, a[0], 0, 0);
    ectl(ep2, EPOLL_CTL_ADD, b[1], EPOLLOUT, 3);
    uclose(b[0]);
    uexpect(ewait(ep2, out, 4, 0) * 1000 + out[0].events, 1000 + (EPOLLOUT | EPOLLERR), "its reader gone: EPOLLERR");
    uclose(ep2), uclose(ep);
    uclose(a[0]), uclose(b[1]), uclose(c[0]), uclose(c[1]);
}

static void lifetimes(void)
{
    struct ev out[4];
    int a[2];
    upipe(a, 0);
    long ep = ecreate(0);
    ectl(ep, EPOLL_CTL_ADD, a[0], EPOLLIN, 7);
    uwrite(a[1], "x", 1);
    long d = sys1(NR_dup, a[0]);
    uclose(a[0]);
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1007, "closed, but a dup keeps the file: still watched");
    uexpect(ectl(ep, EPOLL_CTL_DEL, a[0], 0, 0), -EBADF, "DEL of the closed descriptor: EBADF");
    uclose(d);
    uexpect(ewait(ep, out, 4, 0), 0, "its last descriptor closed: the watch is gone");
    /* Inside another instance and inside poll. */
    upipe(a, 0);
    long inner = ecreate(0);
    ectl(inner, EPOLL_CTL_ADD, a[0], EPOLLIN, 9);
    uexpect(ectl(ep, EPOLL_CTL_ADD, inner, EPOLLIN, 8), 0, "an instance watched by another");
    uexpect(ewait(ep, out, 4, 0), 0, "the inner has nothing: the outer has nothing");
    struct pfd p = {(int)inner, POLLIN, 0};
    uexpect(ppoll_ms(&p, 1, 0), 0, "poll of the instance: not readable");
    long child = ufork();
    if (child == 0) {
        msleep(30);
        uwrite(a[1], "y", 1);
        uexit(0);
    }
    uexpect(ewait(ep, out, 4, 2000) * 1000 + (long)out[0].data, 1008, "a write in a child wakes the outer");
    uexpect(out[0].events, EPOLLIN, "which reports EPOLLIN");
    wait_status(child);
    p.revents = 0;
    uexpect(ppoll_ms(&p, 1, 0) * 1000 + p.revents, 1000 + POLLIN, "poll of the instance: readable");
    uexpect(ewait(inner, out, 4, 0) * 1000 + (long)out[0].data, 1009, "the inner reports the pipe");
    /* An instance shared with a child by fork. */
    child = ufork();
    if (child == 0) {
        struct ev o[2];
        long n = ewait(inner, o, 2, 0);
        uexit(n == 1 && o[0].data == 9 ? 0 : 1);
    }
    uexpect(wait_status(child), 0, "the instance works in a forked child");
    uclose(inner), uclose(ep), uclose(a[0]), uclose(a[1]);
}

static void masks(void)
{
    struct ev out[2];
    unsigned long old = 0, now = 0;
    long ep = ecreate(0);
    handle(SIGUSR1, on_usr1);
    procmask(SIG_BLOCK, 1ul << (SIGUSR1 - 1), &old);
    sys3(NR_kill, sys1(NR_getpid, 0), SIGUSR1, 0);
    uexpect(usr1, 0, "SIGUSR1 blocked: pending");
    uexpect(ewait(ep, out, 2, 20), 0, "epoll_wait with it pending but blocked: times out");
    unsigned long keep = 1ul << (SIGUSR1 - 1);
    uexpect(pwait(ep, out, 2, 20, &keep), 0, "epoll_pwait whose mask blocks it: times out");
    unsigned long none = 0;
    uexpect(pwait(ep, out, 2, 2000, &none), -EINTR, "epoll_pwait whose mask lets it in: EINTR");
    uexpect(usr1, 1, "the handler ran");
    procmask(SIG_BLOCK, 0, &now);
    uexpect((long)(now & keep), (long)keep, "the old mask is back after the call");
    procmask(SIG_SETMASK, old, 0);
    struct ts t = {0, 20000000};
    long t0 = unow_ns();
    if (!uskip_on_qemu_user("epoll_pwait2 (qemu-user has none)")) {
        uexpect(sys6(NR_epoll_pwait2, ep, (long)out, 2, (long)&t, 0, 8), 0, "epoll_pwait2 of 20 ms: 0");
        check(unow_ns() - t0 >= 15000000, "after about 20 ms");
    }
    uclose(ep);
}

/* The other files with a poll op: eventfd (whose wakes say which events),
 * timerfd, signalfd, a FIFO. */
static void others(void)
{
    struct ev out[4];
    unsigned long v = 2;
    long ep = ecreate(0);
    long e = efd(0, EFD_SEMAPHORE | O_NONBLOCK);
    uexpect(ectl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 0xe), 0, "an eventfd, edge-triggered");
    uexpect(ewait(ep, out, 4, 0), 0, "eventfd at 0: nothing");
    uwrite(e, &v, 8);
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1000 + 0xe, "eventfd written: reported");
    uread(e, &v, 8);
    uexpect(ewait(ep, out, 4, 0), 0, "eventfd read (1 left): a read's wake is not POLLIN's");
    uwrite(e, &v, 8);
    uexpect(ewait(ep, out, 4, 0), 1, "eventfd written again: reported again");
    uclose(e);
    long t = sys3(NR_timerfd_create, 1 /* CLOCK_MONOTONIC */, 0, 0);
    struct ts its[2] = {{0, 0}, {0, 20000000}};
    /* Timed from before it is set: it cannot expire sooner than 20 ms after
     * that, however long a busy host leaves the vCPU between the calls. */
    long t0 = unow_ns();
    sys6(NR_timerfd_settime, t, 0, (long)its, 0, 0, 0);
    ectl(ep, EPOLL_CTL_ADD, t, EPOLLIN, 0x7);
    uexpect(ewait(ep, out, 4, 2000) * 1000 + (long)out[0].data, 1007, "a timerfd of 20 ms wakes epoll_wait");
    check(unow_ns() - t0 >= 20000000, "when it expires");
    uclose(t);
    unsigned long usr2 = 1ul << (12 - 1), old;
    procmask(SIG_BLOCK, usr2, &old);
    long sfd = sys6(NR_signalfd4, -1, (long)&usr2, 8, O_NONBLOCK, 0, 0);
    ectl(ep, EPOLL_CTL_ADD, sfd, EPOLLIN, 0x5);
    uexpect(ewait(ep, out, 4, 0), 0, "a signalfd with nothing pending: nothing");
    sys3(NR_kill, sys1(NR_getpid, 0), 12, 0);
    uexpect(ewait(ep, out, 4, 1000) * 1000 + (long)out[0].data, 1005, "a signalfd: SIGUSR2 sent, reported");
    char si[128];
    uread(sfd, si, sizeof si);
    ectl(ep, EPOLL_CTL_DEL, sfd, 0, 0);
    /* A signalfd's poll waits on its caller's signals: added by a child,
     * the watch outlives the child's queue, whose end puts it on the ready
     * list one last time; then nothing wakes it. */
    long child = ufork();
    if (child == 0)
        uexit(ectl(ep, EPOLL_CTL_ADD, sfd, EPOLLIN, 0x55) == 0 ? 0 : 1);
    uexpect(wait_status(child), 0, "a child adds the signalfd to the shared instance");
    sys3(NR_kill, sys1(NR_getpid, 0), 12, 0);
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1000 + 0x55,
            "SIGUSR2 sent here: reported, looked at since the child's queue went");
    uread(sfd, si, sizeof si);
    uexpect(ewait(ep, out, 4, 0), 0, "read: no longer");
    sys3(NR_kill, sys1(NR_getpid, 0), 12, 0);
    uexpect(ewait(ep, out, 4, 0), 0, "SIGUSR2 again: nothing wakes the watch any more");
    uread(sfd, si, sizeof si);
    uclose(sfd);
    uexpect(ewait(ep, out, 4, 0), 0, "then closed: nothing");
    procmask(SIG_SETMASK, old, 0);
    char name[64] = "/tmp/uepoll.", *n = name + 12;
    long pid = sys1(NR_getpid, 0);
    char digits[24];
    int k = 0;
    do
        digits[k++] = (char)('0' + pid % 10);
    while ((pid /= 10) > 0);
    while (k)
        *n++ = digits[--k];
    *n = 0;
    uexpect(sys6(NR_mknodat, AT_FDCWD, (long)name, 010600, 0, 0, 0), 0, "a FIFO in /tmp");
    long fifo = sys6(NR_openat, AT_FDCWD, (long)name, O_RDWR | O_NONBLOCK, 0, 0, 0);
    ectl(ep, EPOLL_CTL_ADD, fifo, EPOLLIN | EPOLLET, 0xf);
    uexpect(ewait(ep, out, 4, 0), 0, "the FIFO empty: nothing");
    uwrite(fifo, "x", 1);
    uexpect(ewait(ep, out, 4, 0) * 1000 + (long)out[0].data, 1000 + 0xf, "the FIFO written: reported");
    uclose(fifo);
    sys3(NR_unlinkat, AT_FDCWD, (long)name, 0);
    uclose(ep);
}

static int pipes[NPIPES][2];

/* How long the child lets a wait sleep: long enough that the gaps in which
 * a busy host does not run the vCPU (which the guest counts as CPU time of
 * whatever it was running) stay a small part of it. */
#define SLEEP_MS 800

/* 1000 descriptors, few active: epoll and poll each sleep while waiting. */
static void many(void)
{
    long ep = ecreate(0);
    int made = 0;
    for (int i = 0; i < NPIPES; i++)
        made += upipe(pipes[i], O_NONBLOCK) == 0;
    uexpect(made, NPIPES, "500 pipes: 1000 descriptors");
    int added = 0;
    for (int i = 0; i < NPIPES; i++) {
        added += ectl(ep, EPOLL_CTL_ADD, pipes[i][0], EPOLLIN | (i % 2 ? EPOLLET : 0), (unsigned long)i) == 0;
        added += ectl(ep, EPOLL_CTL_ADD, pipes[i][1], EPOLLIN, 1000ul + (unsigned long)i) == 0;
    }
    uexpect(added, 2 * NPIPES, "all 1000 added");
    static struct ev out[64];
    uexpect(ewait(ep, out, 64, 0), 0, "none ready");
    long child = ufork();
    if (child == 0) {
        msleep(SLEEP_MS);
        uwrite(pipes[317][1], "a", 1);
        uwrite(pipes[42][1], "b", 1);
        uexit(0);
    }
    long cpu0 = cpu_us(), t0 = unow_ns();
    long n = ewait(ep, out, 64, 5000);
    long waited = (unow_ns() - t0) / 1000, cpu = cpu_us() - cpu0;
    check(n >= 1 && (out[0].data == 317 || out[0].data == 42), "epoll: a write in a child wakes the wait");
    check(cpu * 3 < waited, "epoll: the wait slept (CPU time under a third of it)");
    if (n == 1)
        n += ewait(ep, out + 1, 63, 2000);
    uexpect(n, 2, "epoll: both written pipes, no other");
    uexpect((long)(out[0].data + out[1].data), 317 + 42, "epoll: 317 and 42");
    wait_status(child);
    uexpect(ewait(ep, out, 64, 0), 1, "then the level-triggered one (42) only");
    uexpect((long)out[0].data, 42, "which is 42");
    char c;
    uread(pipes[42][0], &c, 1), uread(pipes[317][0], &c, 1);
    /* The same with ppoll. */
    static struct pfd pf[2 * NPIPES];
    for (int i = 0; i < NPIPES; i++) {
        pf[2 * i] = (struct pfd){pipes[i][0], POLLIN, 0};
        pf[2 * i + 1] = (struct pfd){pipes[i][1], POLLIN, 0};
    }
    uexpect(ppoll_ms(pf, 2 * NPIPES, 0), 0, "ppoll of 1000: none ready");
    child = ufork();
    if (child == 0) {
        msleep(SLEEP_MS);
        uwrite(pipes[499][1], "c", 1);
        uexit(0);
    }
    cpu0 = cpu_us(), t0 = unow_ns();
    n = ppoll_ms(pf, 2 * NPIPES, 5000);
    waited = (unow_ns() - t0) / 1000, cpu = cpu_us() - cpu0;
    uexpect(n * 1000 + pf[998].revents, 1000 + POLLIN, "ppoll of 1000: a write in a child wakes it");
    check(cpu * 3 < waited, "ppoll: the wait slept (CPU time under a third of it)");
    check(waited > 50000, "ppoll: it waited for the write");
    wait_status(child);
    for (int i = 0; i < NPIPES; i++)
        uclose(pipes[i][0]), uclose(pipes[i][1]);
    uclose(ep);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    eventfds();
    errors();
    triggers();
    lifetimes();
    masks();
    others();
    many();
    uputs("uepoll: "), uputn(fails), uputs(" failed\n");
    uexit(fails);
}
