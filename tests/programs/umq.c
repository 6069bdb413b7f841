/*
 * umq: POSIX message queues through the system calls (mq_open, mq_unlink,
 * mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr), one line each
 * ("ok ..." or "FAIL ..." with what came back and what Linux gives); exits
 * with the number of failures. Every check is Linux's answer: the program
 * also runs on the build host's Linux (cmake/linux_judged.cmake), so its
 * queues are named after its pid and removed at the end.
 *
 * Covered: open, create, O_EXCL, the access mode and bad names; the
 * attribute checks; messages received highest priority first, in order
 * within one; O_NONBLOCK's EAGAIN both ways and mq_getsetattr setting it;
 * EMSGSIZE; a timed receive and send past an absolute CLOCK_REALTIME
 * timeout (ETIMEDOUT) and a bad one (EINVAL); EBADF for the wrong access
 * mode and a file that is no queue; read()'s status line; a blocking
 * receive woken by another process's send, and one interrupted by a signal
 * (EINTR); mq_notify with a signal (si_code SI_MESGQ, the sender's pid,
 * the value) when a message reaches the empty queue, one registration at a
 * time (EBUSY), SIGEV_NONE; the limits of a user without privilege, the
 * mode bits and the sticky name space; a queue used across fork; unlink
 * while open.
 */
#include "usys.h"
#include "umem.h"

#define SIGUSR1 10
#define SIGALRM 14
#define SIGCHLD 17
#define SA_SIGINFO 0x00000004ul
#define SA_RESTORER 0x04000000ul
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SI_MESGQ (-3)
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2

enum { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT = 0100, O_EXCL = 0200, O_NONBLOCK = 04000, O_CLOEXEC = 02000000 };
enum {
    EPERM = 1, ENOENT = 2, EINTR = 4, EBADF = 9, EAGAIN = 11, EFAULT = 14, EACCES = 13, EBUSY = 16, EEXIST = 17,
    EINVAL = 22, ENAMETOOLONG = 36, EMSGSIZE = 90, ETIMEDOUT = 110
};
enum { AT_FDCWD = -100 };

#define fails (*ufails())

struct mq_attr {
    long flags, maxmsg, msgsize, curmsgs, pad[4];
};
struct sigev {
    long value;
    int signo, notify;
    int pad[12];
};
struct usiginfo {
    int signo, errno_, code, pad;
    int pid, uid;
    long value;
    char rest[128 - 32];
};
struct ts {
    long sec, nsec;
};

/* Names as the C library passes them: its '/' off, but still before the
 * name in memory (qemu-user reads it from there). */
static char qbuf[32], qbuf2[32], nbuf[3][304];
static char *qname = qbuf + 1, *qname2 = qbuf2 + 1; /* "umq.<pid>", "umq2.<pid>" */
static const char *mqn(int i, const char *s)
{
    char *d = nbuf[i];
    *d++ = '/';
    while ((*d++ = *s++))
        ;
    return nbuf[i] + 1;
}

static long mq_open(const char *n, long fl, long mode, const struct mq_attr *a)
{
    return sys6(NR_mq_open, (long)n, fl, mode, (long)a, 0, 0);
}
static long mq_unlink(const char *n) { return sys1(NR_mq_unlink, (long)n); }
static long mq_send(long q, const char *m, long len, long prio, const struct ts *t)
{
    return sys6(NR_mq_timedsend, q, (long)m, len, prio, (long)t, 0);
}
static long mq_recv(long q, char *m, long len, unsigned *prio, const struct ts *t)
{
    return sys6(NR_mq_timedreceive, q, (long)m, len, (long)prio, (long)t, 0);
}
static long mq_notify(long q, const struct sigev *ev) { return sys3(NR_mq_notify, q, (long)ev, 0); }
static long mq_getsetattr(long q, const struct mq_attr *in, struct mq_attr *out)
{
    return sys3(NR_mq_getsetattr, q, (long)in, (long)out);
}
static long uclose(long fd) { return sys1(NR_close, fd); }
static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static long wait4_(long p, int *st) { return sys6(NR_wait4, p, (long)st, 0, 0, 0, 0); }
static long procmask(int how, unsigned long set) { return sys6(NR_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0); }
static void msleep(long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

/* CLOCK_REALTIME plus @p ms. */
static struct ts realtime_in(long ms)
{
    struct ts t;
    sys3(NR_clock_gettime, 0, (long)&t, 0);
    t.nsec += (ms % 1000) * 1000000;
    t.sec += ms / 1000 + t.nsec / 1000000000;
    t.nsec %= 1000000000;
    return t;
}

static void name_with(char *out, const char *base, long pid)
{
    char digits[24];
    int n = 0;
    do
        digits[n++] = (char)('0' + pid % 10);
    while ((pid /= 10) > 0);
    while (*base)
        *out++ = *base++;
    while (n)
        *out++ = digits[--n];
    *out = 0;
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig, alarms++; }

static long handle(int sig, void (*fn)(int), unsigned long flags)
{
    struct usigaction a = {0};
    a.handler = (unsigned long)fn;
    a.flags = flags;
#ifdef USA_RESTORER
    a.flags |= SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    return sys6(NR_rt_sigaction, sig, (long)&a, 0, 8, 0, 0);
}

static void opening(void)
{
    struct mq_attr a = {0, 4, 16, 0, {0}};
    uexpect(mq_open(qname, O_RDWR, 0, 0), -ENOENT, "open of a missing queue: ENOENT");
    long q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
    check(q >= 0, "create with O_EXCL");
    uexpect(mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, &a), -EEXIST, "O_EXCL again: EEXIST");
    long q2 = mq_open(qname, O_RDONLY, 0, 0);
    check(q2 >= 0 && q2 != q, "open of the existing queue: another descriptor");
    uclose(q2);
    uexpect(mq_open(qname, O_CREAT | O_RDWR, 0600, 0) >= 0, 1, "O_CREAT of an existing queue opens it");
    if (!uskip_on_qemu_user("access mode 3 (qemu-user's flag translation)"))
        uexpect(mq_open(qname, O_RDWR | O_WRONLY, 0, 0), -EINVAL, "access mode 3 on an existing queue: EINVAL");
    uexpect(mq_open(mqn(0, "a/b"), O_CREAT | O_RDWR, 0600, 0), -EACCES, "a name with '/': EACCES");
    uexpect(mq_open(mqn(0, ""), O_CREAT | O_RDWR, 0600, 0), -ENOENT, "the empty name: ENOENT");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    uexpect(mq_open(mqn(0, longname), O_CREAT | O_RDWR, 0600, 0), -ENAMETOOLONG, "a name of 299 bytes: ENAMETOOLONG");
    uexpect(mq_open(qname2, O_CREAT | O_RDWR, 0600, (struct mq_attr *)8), -EFAULT, "attr unreadable: EFAULT");
    struct mq_attr bad = {0, 0, 16, 0, {0}};
    uexpect(mq_open(qname2, O_CREAT | O_RDWR, 0600, &bad), -EINVAL, "mq_maxmsg 0: EINVAL");
    bad.maxmsg = 4, bad.msgsize = -1;
    uexpect(mq_open(qname2, O_CREAT | O_RDWR, 0600, &bad), -EINVAL, "mq_msgsize -1: EINVAL");
    bad.maxmsg = 1l << 20, bad.msgsize = 16;
    uexpect(mq_open(qname2, O_CREAT | O_RDWR, 0600, &bad), -EINVAL, "mq_maxmsg 1M (above every limit): EINVAL");
    struct mq_attr got;
    memset(&got, 0xff, sizeof got);
    uexpect(mq_getsetattr(q, 0, &got), 0, "mq_getsetattr");
    uexpect(got.maxmsg * 1000 + got.msgsize, 4016, "the attributes asked for");
    uexpect(got.flags | got.curmsgs, 0, "no flags, no messages");
    long d = mq_open(qname2, O_CREAT | O_EXCL | O_WRONLY, 0600, 0);
    mq_getsetattr(d, 0, &got);
    uexpect(got.maxmsg * 100000 + got.msgsize, 10 * 100000 + 8192, "the default attributes: 10 of 8192");
    uclose(d);
    uexpect(mq_unlink(qname2), 0, "unlink");
    uexpect(mq_unlink(qname2), -ENOENT, "unlink again: ENOENT");
    uclose(q);
    mq_unlink(qname);
}

static void messages(long q)
{
    char buf[64];
    unsigned prio = 99;
    uexpect(mq_send(q, "low", 3, 1, 0), 0, "send prio 1");
    uexpect(mq_send(q, "high", 4, 9, 0), 0, "send prio 9");
    uexpect(mq_send(q, "low2", 4, 1, 0), 0, "send prio 1 again");
    uexpect(mq_send(q, "mid", 3, 5, 0), 0, "send prio 5");
    uexpect(mq_send(q, "x", 1, 32768, 0), -EINVAL, "prio MQ_PRIO_MAX: EINVAL");
    char status[128];
    long n = sys3(NR_read, q, (long)status, sizeof status - 1);
    status[n > 0 ? n : 0] = 0;
    check(n == 60 && ustreq(status, "QSIZE:14         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n"),
          "read(): the status line, QSIZE the bytes queued");
    uexpect(mq_send(q, "full", 4, 0, 0) == 0 && mq_send(q, "over", 4, 0, 0) == -EAGAIN, 1,
            "a full queue, O_NONBLOCK: EAGAIN");
    uexpect(mq_send(q, "this message is far too long", 28, 0, 0), -EMSGSIZE, "longer than mq_msgsize: EMSGSIZE");
    uexpect(mq_recv(q, buf, 15, &prio, 0), -EMSGSIZE, "a buffer shorter than mq_msgsize: EMSGSIZE");
    const char *want[] = {"high", "mid", "low", "low2", "full"};
    unsigned wprio[] = {9, 5, 1, 1, 0};
    int order = 1;
    for (int i = 0; i < 5; i++) {
        n = mq_recv(q, buf, sizeof buf, &prio, 0);
        buf[n > 0 ? n : 0] = 0;
        order &= n == (long)ustrlen(want[i]) && ustreq(buf, want[i]) && prio == wprio[i];
    }
    check(order, "received by priority, in order sent within one");
    uexpect(mq_recv(q, buf, sizeof buf, &prio, 0), -EAGAIN, "an empty queue, O_NONBLOCK: EAGAIN");
    struct mq_attr a = {0, 0, 0, 0, {0}}, got;
    uexpect(mq_getsetattr(q, &a, &got), 0, "mq_getsetattr clears O_NONBLOCK");
    uexpect(got.flags, O_NONBLOCK, "the old flags: O_NONBLOCK");
    a.flags = O_RDWR | O_NONBLOCK;
    uexpect(mq_getsetattr(q, &a, 0), -EINVAL, "flags other than O_NONBLOCK: EINVAL");
    struct ts t = realtime_in(30);
    uexpect(mq_recv(q, buf, sizeof buf, &prio, &t), -ETIMEDOUT, "a timed receive on an empty queue: ETIMEDOUT");
    t.nsec = 1000000000;
    uexpect(mq_recv(q, buf, sizeof buf, &prio, &t), -EINVAL, "tv_nsec 1e9: EINVAL");
    for (int i = 0; i < 5; i++)
        mq_send(q, "f", 1, 0, 0);
    t = realtime_in(30);
    uexpect(mq_send(q, "f", 1, 0, &t), -ETIMEDOUT, "a timed send on a full queue: ETIMEDOUT");
    t = realtime_in(-1000);
    uexpect(mq_recv(q, buf, sizeof buf, &prio, &t), 1, "a timeout passed already, a message waiting: received");
    mq_getsetattr(q, 0, &got);
    uexpect(got.curmsgs, 4, "mq_curmsgs");
    while (got.curmsgs-- > 0)
        mq_recv(q, buf, sizeof buf, 0, 0);
}

static void modes(void)
{
    char buf[64];
    long r = mq_open(qname, O_RDONLY, 0, 0), w = mq_open(qname, O_WRONLY, 0, 0);
    uexpect(mq_send(r, "m", 1, 0, 0), -EBADF, "send on a read-only descriptor: EBADF");
    uexpect(mq_recv(w, buf, sizeof buf, 0, 0), -EBADF, "receive on a write-only descriptor: EBADF");
    uexpect(mq_send(99, "m", 1, 0, 0), -EBADF, "send on a closed descriptor: EBADF");
    uexpect(mq_send(1, "m", 1, 0, 0), -EBADF, "send on a descriptor that is no queue: EBADF");
    if (!uskip_on_qemu_user("mq_getsetattr with neither attribute (qemu-user returns 0 then)"))
        uexpect(mq_getsetattr(1, 0, 0), -EBADF, "mq_getsetattr of no queue: EBADF");
    uexpect(sys3(NR_write, w, (long)"m", 1), -EINVAL, "write() on a queue: EINVAL");
    uclose(r);
    uclose(w);
}

static void notify(long q)
{
    char buf[64];
    long me = sys1(NR_getpid, 0);
    struct sigev ev = {4242, SIGUSR1, SIGEV_SIGNAL, {0}};
    procmask(SIG_BLOCK, 1ul << (SIGUSR1 - 1));
    uexpect(mq_notify(q, &ev), 0, "mq_notify SIGEV_SIGNAL");
    uexpect(mq_notify(q, &ev), -EBUSY, "a second registration: EBUSY");
    char status[128];
    long n = sys6(NR_pread64, q, (long)status, sizeof status - 1, 0, 0, 0); /* read() is at the end */
    status[n > 0 ? n : 0] = 0;
    int shown = n == 60 && memeq(status, "QSIZE:0          NOTIFY:0     SIGNO:10    NOTIFY_PID:", 53);
    check(shown, "the status line shows the registration");
    if (!shown)
        uputs(status);
    long c = ufork();
    if (c == 0) {
        uexit(mq_notify(q, &ev) == -EBUSY && mq_send(q, "note", 4, 3, 0) == 0 ? 0 : 1);
    }
    int st = -1;
    wait4_(c, &st);
    uexpect(st, 0, "a child: EBUSY too, then sends");
    struct usiginfo si;
    memset(&si, 0, sizeof si);
    struct ts t = {2, 0};
    uexpect(sys6(NR_rt_sigtimedwait, (long)&(unsigned long){1ul << (SIGUSR1 - 1)}, (long)&si, (long)&t, 8, 0, 0),
            SIGUSR1, "the notification's signal came");
    uexpect(si.code, SI_MESGQ, "si_code SI_MESGQ");
    uexpect(si.pid, c, "si_pid: the sender");
    uexpect(si.value, 4242, "si_value: the registered value");
    uexpect(mq_notify(q, &ev), 0, "the registration was used up: register again");
    uexpect(mq_send(q, "more", 4, 0, 0), 0, "a second message (the queue not empty)");
    t.sec = 0, t.nsec = 1000000;
    uexpect(sys6(NR_rt_sigtimedwait, (long)&(unsigned long){1ul << (SIGUSR1 - 1)}, (long)&si, (long)&t, 8, 0, 0),
            -EAGAIN, "no notification for a queue that was not empty");
    uexpect(mq_notify(q, 0), 0, "mq_notify(NULL) removes it");
    uexpect(mq_notify(q, 0), 0, "mq_notify(NULL) again");
    mq_recv(q, buf, sizeof buf, 0, 0);
    mq_recv(q, buf, sizeof buf, 0, 0);
    struct sigev none = {0, 0, SIGEV_NONE, {0}};
    uexpect(mq_notify(q, &none), 0, "mq_notify SIGEV_NONE");
    uexpect(mq_notify(q, &ev), -EBUSY, "SIGEV_NONE holds the registration: EBUSY");
    mq_send(q, "n", 1, 0, 0);
    uexpect(mq_notify(q, &ev), 0, "a message ended it");
    mq_notify(q, 0);
    mq_recv(q, buf, sizeof buf, 0, 0);
    struct sigev bad = {0, 0, 7, {0}};
    uexpect(mq_notify(q, &bad), -EINVAL, "sigev_notify 7: EINVAL");
    bad.notify = SIGEV_SIGNAL, bad.signo = 65;
    uexpect(mq_notify(q, &bad), -EINVAL, "signal 65: EINVAL");
    uexpect(mq_notify(q, (struct sigev *)8), -EFAULT, "sigevent unreadable: EFAULT");
    uexpect(mq_notify(77, &ev), -EBADF, "mq_notify on a closed descriptor: EBADF");
    procmask(SIG_UNBLOCK, 1ul << (SIGUSR1 - 1));
    (void)me;
}

/* The limits: a user without privilege gets Linux's defaults (msg_max 10,
 * msgsize_max 8192) as ceilings, root more; the mode bits and the sticky
 * name space hold for it. */
static void limits(void)
{
    struct mq_attr a = {0, 40, 64, 0, {0}};
    long q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, 0);
    if (!uskip_on_linux("root's 40 messages (this host's root may lack CAP_SYS_RESOURCE)")) {
        long r = mq_open(qname2, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
        uexpect(r >= 0, 1, "root may ask for 40 messages");
        uclose(r);
        mq_unlink(qname2);
    }
    int qemu = uskip_on_qemu_user("the EPERM of mq_unlink (qemu-user calls the C library's, which says EACCES)");
    long c = ufork();
    if (c == 0) {
        int bad = 0;
        if (sys1(NR_setuid, 1000) != 0)
            uexit(100);
        bad += mq_open(qname2, O_CREAT | O_EXCL | O_RDWR, 0600, &a) != -EINVAL;
        a.maxmsg = 10, a.msgsize = 8193;
        bad += (mq_open(qname2, O_CREAT | O_EXCL | O_RDWR, 0600, &a) != -EINVAL) << 1;
        a.msgsize = 8192;
        long r = mq_open(qname2, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
        bad += (r < 0) << 2;
        uclose(r);
        bad += (mq_unlink(qname2) != 0) << 3;
        bad += (mq_open(qname, O_RDONLY, 0, 0) != -EACCES) << 4;
        bad += (mq_unlink(qname) != (qemu ? -EACCES : -EPERM)) << 5;
        uexit(bad);
    }
    int st = -1;
    wait4_(c, &st);
    uexpect(st >> 8, 0, "user 1000: 40 messages or 8193 bytes EINVAL, 10 of 8192 made; root's queue EACCES, its unlink EPERM");
    uclose(q);
    uexpect(mq_unlink(qname), 0, "root's queue is still there");
}

static void processes(void)
{
    char buf[64];
    unsigned prio;
    struct mq_attr a16 = {0, 5, 16, 0, {0}};
    long q = mq_open(qname, O_CREAT | O_RDWR, 0600, &a16); /* blocking */
    long c = ufork();
    if (c == 0) {
        msleep(50);
        uexit(mq_send(q, "from the child", 14, 2, 0) == 0 ? 0 : 1);
    }
    long n = mq_recv(q, buf, sizeof buf, &prio, 0);
    uexpect(n * 100 + prio, 1402, "a blocking receive woken by the child's send");
    int st = -1;
    wait4_(c, &st);
    c = ufork();
    if (c == 0) {
        n = mq_recv(q, buf, sizeof buf, &prio, 0);
        uexit(n == 6 && memeq(buf, "parent", 6) && prio == 7 ? 0 : 1);
    }
    mq_send(q, "parent", 6, 7, 0);
    st = -1;
    wait4_(c, &st);
    uexpect(st, 0, "the child received the parent's message");

    handle(SIGALRM, on_alarm, 0);
    struct {
        struct ts interval, value;
    } it = {{0, 0}, {0, 50000}};
    sys3(NR_setitimer, 0, (long)&it, 0);
    uexpect(mq_recv(q, buf, sizeof buf, &prio, 0), -EINTR, "a blocking receive, a signal: EINTR");
    uexpect(alarms, 1, "its handler ran");

    /* Unlinked while open: the name goes, the queue stays. */
    mq_send(q, "kept", 4, 0, 0);
    uexpect(mq_unlink(qname), 0, "unlink while open");
    uexpect(mq_open(qname, O_RDWR, 0, 0), -ENOENT, "the name is gone");
    struct mq_attr a = {0, 2, 16, 0, {0}};
    long q2 = mq_open(qname, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, 0600, &a);
    uexpect(mq_recv(q2, buf, sizeof buf, &prio, 0), -EAGAIN, "a new queue of that name is another, empty");
    n = mq_recv(q, buf, sizeof buf, &prio, 0);
    uexpect(n == 4 && memeq(buf, "kept", 4), 1, "the unlinked queue still holds its message");
    uclose(q2);
    mq_unlink(qname);
    uclose(q);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    long pid = sys1(NR_getpid, 0);
    name_with(qbuf, "/umq.", pid);
    name_with(qbuf2, "/umq2.", pid);
    opening();
    struct mq_attr a = {0, 5, 16, 0, {0}};
    long q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK | O_CLOEXEC, 0600, &a);
    check(q >= 0, "a queue of 5 messages of 16 bytes");
    messages(q);
    modes();
    if (!uskip_on_qemu_user("mq_notify (qemu-user has none)"))
        notify(q);
    uclose(q);
    mq_unlink(qname);
    limits();
    processes();
    mq_unlink(qname);
    mq_unlink(qname2);
    uputs("umq: "), uputn(fails), uputs(" failed\n");
    uexit(fails);
}
