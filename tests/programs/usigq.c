/*
 * usigq: queued signals as Linux answers for them, one line a check ("ok
 * ..." or "FAIL ...: expected X, got Y"); exits with the number of
 * failures.
 * - rt_sigqueueinfo, rt_tgsigqueueinfo: real-time signals queue, one
 *   delivery each, in order, each with its si_value; standard ones
 *   coalesce; lower numbers first; SA_SIGINFO handlers get si_code
 *   SI_QUEUE, si_pid, si_uid, si_value; what a process may not send
 *   another (EPERM), and bad arguments;
 * - RLIMIT_SIGPENDING: past it sigqueue is EAGAIN; kill() passes it;
 * - rt_sigtimedwait: takes a pending signal and fills its siginfo, waits
 *   for one, times out (EAGAIN), is cut short by a handled signal (EINTR);
 *   SIGCHLD's siginfo through it;
 * - signalfd4: reads blocked pending signals as struct signalfd_siginfo,
 *   several a read, queued ones each with its value; poll readiness; a
 *   new mask; a blocking read; bad arguments.
 * Every check is Linux's answer: the program prints "0 failed" on Linux.
 */
#include "usys.h"
#include "umem.h"

#define SIGUSR1 10
#define SIGUSR2 12
#define SIGCHLD 17
#define SIGRTMIN 34
#define SA_SIGINFO 0x00000004ul
#define SA_RESTORER 0x04000000ul
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SI_USER 0
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define CLD_EXITED 1
#define EPERM 1
#define ESRCH 3
#define EINTR 4
#define EAGAIN 11
#define EFAULT 14
#define EINVAL 22
#define EBADF 9
#define SFD_NONBLOCK 04000
#define SFD_CLOEXEC 02000000
#define RLIMIT_SIGPENDING 11
#define BIT(s) (1ul << ((s) - 1))

#define fails (*ufails())

/* The compiler may call this for zeroing a struct. */


/* siginfo_t: the kill/queue part and the SIGCHLD part. */
struct usiginfo {
    int signo, errno_, code, pad;
    int pid, uid;
    union {
        long value; /* si_value (SI_QUEUE) */
        int status; /* si_status (SIGCHLD) */
    } u;
    char rest[128 - 32];
};

struct ts {
    long sec, nsec;
};

static long me, uid;

static void msleep(long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

static long now_ms(void) { return unow_ns() / 1000000; }
static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static long wait4_(long p, int *st) { return sys6(NR_wait4, p, (long)st, 0, 0, 0, 0); }

static long procmask(int how, unsigned long set)
{
    return sys6(NR_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0);
}

static unsigned long pending(void)
{
    unsigned long p = 0;
    sys3(NR_rt_sigpending, (long)&p, 8, 0);
    return p;
}

static long queue(long pid, int sig, int code, long value)
{
    struct usiginfo si = {0};
    si.signo = sig;
    si.code = code;
    si.pid = (int)me;
    si.uid = (int)uid;
    si.u.value = value;
    return sys3(NR_rt_sigqueueinfo, pid, sig, (long)&si);
}

static long timedwait(unsigned long set, struct usiginfo *si, const struct ts *t)
{
    return sys6(NR_rt_sigtimedwait, (long)&set, (long)si, (long)t, 8, 0, 0);
}

/* What the handler saw, in the order it ran. */
static volatile int n_seen;
static volatile int seen_sig[16], seen_code[16], seen_pid[16], seen_uid[16];
static volatile long seen_value[16];

static void record(int sig, struct usiginfo *si, void *uc)
{
    (void)uc;
    if (n_seen < 16) {
        seen_sig[n_seen] = sig;
        seen_code[n_seen] = si->code;
        seen_pid[n_seen] = si->pid;
        seen_uid[n_seen] = si->uid;
        seen_value[n_seen] = si->u.value;
    }
    n_seen++;
}

/* Every signal blocked while it runs: the handlers then run in the order
 * the signals were taken, one frame at a time. */
static long handle(int sig, void (*fn)(int, struct usiginfo *, void *))
{
    struct usigaction a = {0};
    a.handler = (unsigned long)fn;
    a.flags = SA_SIGINFO;
    a.mask = ~0ul;
#ifdef USA_RESTORER
    a.flags |= SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    return sys6(NR_rt_sigaction, sig, (long)&a, 0, 8, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    me = sys1(NR_getpid, 0);
    uid = sys1(NR_getuid, 0);
    long tid = sys1(NR_gettid, 0), r, c;
    int st;
    struct usiginfo si;

    /* ---- rt_sigqueueinfo ---- */
    handle(SIGRTMIN, record);
    handle(SIGRTMIN + 1, record);
    handle(SIGUSR1, record);
    n_seen = 0;
    uexpect(queue(me, SIGRTMIN, SI_QUEUE, 1234), 0, "rt_sigqueueinfo to ourselves");
    uexpect(n_seen, 1, "the handler ran before the call returned");
    uexpect(seen_sig[0], SIGRTMIN, "siginfo: the signal");
    uexpect(seen_code[0], SI_QUEUE, "siginfo: si_code SI_QUEUE");
    uexpect(seen_pid[0], me, "siginfo: si_pid");
    uexpect(seen_uid[0], uid, "siginfo: si_uid");
    uexpect(seen_value[0], 1234, "siginfo: si_value");

    /* Three real-time signals while blocked: three deliveries, in order. */
    procmask(SIG_BLOCK, BIT(SIGRTMIN) | BIT(SIGRTMIN + 1) | BIT(SIGUSR1));
    n_seen = 0;
    uexpect(queue(me, SIGRTMIN, SI_QUEUE, 11), 0, "queue SIGRTMIN, value 11, blocked");
    uexpect(queue(me, SIGRTMIN, SI_QUEUE, 22), 0, "queue SIGRTMIN, value 22, blocked");
    uexpect(queue(me, SIGRTMIN, SI_QUEUE, 33), 0, "queue SIGRTMIN, value 33, blocked");
    uexpect(n_seen, 0, "blocked: none delivered yet");
    uexpect((pending() & BIT(SIGRTMIN)) != 0, 1, "rt_sigpending shows SIGRTMIN");
    procmask(SIG_UNBLOCK, BIT(SIGRTMIN));
    uexpect(n_seen, 3, "unblocked: three deliveries");
    uexpect(seen_value[0] * 10000 + seen_value[1] * 100 + seen_value[2], 112233, "in the order sent (values 11 22 33)");
    uexpect((pending() & BIT(SIGRTMIN)) != 0, 0, "and none left pending");

    /* A standard signal does not queue: three sent, one delivered, the first's value. */
    n_seen = 0;
    uexpect(queue(me, SIGUSR1, SI_QUEUE, 1), 0, "queue SIGUSR1 (blocked), value 1");
    uexpect(queue(me, SIGUSR1, SI_QUEUE, 2), 0, "queue SIGUSR1 again: 0, though it is dropped");
    queue(me, SIGUSR1, SI_QUEUE, 3);
    procmask(SIG_UNBLOCK, BIT(SIGUSR1));
    uexpect(n_seen, 1, "SIGUSR1 three times while blocked: one delivery");
    uexpect(seen_value[0], 1, "with the first one's value");

    /* Lower numbers first; standard before real-time. */
    procmask(SIG_BLOCK, BIT(SIGRTMIN) | BIT(SIGUSR1));
    n_seen = 0;
    queue(me, SIGRTMIN + 1, SI_QUEUE, 3);
    queue(me, SIGRTMIN, SI_QUEUE, 2);
    queue(me, SIGUSR1, SI_QUEUE, 1);
    procmask(SIG_UNBLOCK, BIT(SIGRTMIN) | BIT(SIGRTMIN + 1) | BIT(SIGUSR1));
    uexpect(n_seen, 3, "three different signals: three deliveries");
    uexpect(seen_sig[0] * 10000 + seen_sig[1] * 100 + seen_sig[2], SIGUSR1 * 10000 + SIGRTMIN * 100 + SIGRTMIN + 1,
           "lowest number first: SIGUSR1, SIGRTMIN, SIGRTMIN+1");

    /* kill() of a real-time signal: SI_USER, the kernel's pid. */
    n_seen = 0;
    sys3(NR_kill, me, SIGRTMIN, 0);
    uexpect(n_seen == 1 && seen_code[0] == SI_USER && seen_pid[0] == me, 1, "kill of SIGRTMIN: SI_USER, our pid");

    /* rt_tgsigqueueinfo: to a thread. */
    n_seen = 0;
    struct usiginfo q = {0};
    q.signo = SIGRTMIN;
    q.code = SI_QUEUE;
    q.pid = (int)me;
    q.uid = (int)uid;
    q.u.value = 99;
    uexpect(sys6(NR_rt_tgsigqueueinfo, me, tid, SIGRTMIN, (long)&q, 0, 0), 0, "rt_tgsigqueueinfo to our thread");
    uexpect(n_seen == 1 && seen_value[0] == 99 && seen_code[0] == SI_QUEUE, 1, "delivered with its value");
    uexpect(sys6(NR_rt_tgsigqueueinfo, me, 0x7ffffff0, SIGRTMIN, (long)&q, 0, 0), -ESRCH,
           "rt_tgsigqueueinfo to a thread that is not there: ESRCH");
    uexpect(sys6(NR_rt_tgsigqueueinfo, me, 0, SIGRTMIN, (long)&q, 0, 0), -EINVAL, "rt_tgsigqueueinfo to tid 0: EINVAL");
    /* A thread's own queue: three sent to it while blocked, three delivered in order. */
    procmask(SIG_BLOCK, BIT(SIGRTMIN));
    n_seen = 0;
    for (int i = 1; i <= 3; i++) {
        q.u.value = 40 + i;
        sys6(NR_rt_tgsigqueueinfo, me, tid, SIGRTMIN, (long)&q, 0, 0);
    }
    procmask(SIG_UNBLOCK, BIT(SIGRTMIN));
    uexpect(n_seen, 3, "three rt_tgsigqueueinfo to our blocked thread: three deliveries");
    uexpect(seen_value[0] * 10000 + seen_value[1] * 100 + seen_value[2], 414243, "in the order sent (values 41 42 43)");

    /* To another process: a queued value gets there; what it may not send. */
    procmask(SIG_BLOCK, BIT(SIGRTMIN));
    c = ufork();
    if (c == 0) {
        struct ts t5 = {5, 0}; /* not for ever, if the signal never comes */
        r = timedwait(BIT(SIGRTMIN), &si, &t5);
        uexit(r == SIGRTMIN && si.code == SI_QUEUE && si.pid == sys1(NR_getppid, 0) ? (int)si.u.value : 1);
    }
    uexpect(queue(c, SIGRTMIN, SI_QUEUE, 77), 0, "rt_sigqueueinfo to a child");
    uexpect(wait4_(c, &st), c, "the child took it");
    uexpect(st, 77 << 8, "with its value and our pid (its exit code)");
    c = ufork();
    if (c == 0) {
        struct ts t5 = {5, 0}; /* not for ever, if the signal never comes */
        r = timedwait(BIT(SIGRTMIN), &si, &t5);
        uexit(r == SIGRTMIN && si.code == SI_QUEUE && si.pid == sys1(NR_getppid, 0) ? (int)si.u.value : 1);
    }
    q.u.value = 78;
    uexpect(sys6(NR_rt_tgsigqueueinfo, c, c, SIGRTMIN, (long)&q, 0, 0), 0, "rt_tgsigqueueinfo to a child's thread");
    uexpect(wait4_(c, &st), c, "the child took it");
    uexpect(st, 78 << 8, "with its value (its exit code)");
    c = ufork();
    if (c == 0) {
        msleep(2000);
        uexit(0);
    }
    uexpect(queue(c, SIGRTMIN, SI_USER, 0), -EPERM, "rt_sigqueueinfo to another process with SI_USER: EPERM");
    uexpect(queue(c, SIGRTMIN, SI_TKILL, 0), -EPERM, "rt_sigqueueinfo to another process with SI_TKILL: EPERM");
    uexpect(queue(c, SIGRTMIN, 0x80 /* SI_KERNEL */, 0), -EPERM, "rt_sigqueueinfo to another process with SI_KERNEL: EPERM");
    uexpect(sys6(NR_rt_tgsigqueueinfo, c, c, SIGRTMIN, (long)&(struct usiginfo){.signo = SIGRTMIN, .code = SI_USER}, 0, 0),
           -EPERM, "rt_tgsigqueueinfo to another process with SI_USER: EPERM");
    sys3(NR_kill, c, 9, 0);
    wait4_(c, &st);
    uexpect(queue(me, 65, SI_QUEUE, 0), -EINVAL, "rt_sigqueueinfo of signal 65: EINVAL");
    uexpect(queue(0x7ffffff0, SIGRTMIN, SI_QUEUE, 0), -ESRCH, "rt_sigqueueinfo to no such process: ESRCH");
    uexpect(sys3(NR_rt_sigqueueinfo, me, SIGRTMIN, 8), -EFAULT, "rt_sigqueueinfo from a bad pointer: EFAULT");
    uexpect(queue(me, 0, SI_QUEUE, 0), 0, "rt_sigqueueinfo of signal 0: only checks");
    procmask(SIG_UNBLOCK, BIT(SIGRTMIN));

    /* ---- RLIMIT_SIGPENDING ---- */
    /* Linux counts the signals pending for the whole user, so others of
     * ours pending elsewhere (a host's) take some of the room: up to the
     * limit queue, at least one, and then EAGAIN. As root the child takes
     * a uid of its own first (Linux charges the receiver's user), since a
     * host's root may have more than 8 pending. */
    struct {
        unsigned long cur, max;
    } lim = {0, 0}, small = {8, 8};
    uexpect(sys6(NR_prlimit64, 0, RLIMIT_SIGPENDING, 0, (long)&lim, 0, 0), 0, "prlimit64 reads RLIMIT_SIGPENDING");
    uexpect(lim.cur > 0 && lim.cur != ~0ul && lim.cur == lim.max, 1, "RLIMIT_SIGPENDING: a limit, soft as hard");
    c = ufork();
    if (c == 0) {
        int n = 0;
        me = sys1(NR_getpid, 0);
        if (sys6(NR_prlimit64, 0, RLIMIT_SIGPENDING, (long)&small, 0, 0, 0) != 0)
            uexit(100);
        if (sys1(NR_geteuid, 0) == 0 && sys3(NR_setresuid, 54321, 54321, 54321) != 0)
            uexit(107);
        procmask(SIG_BLOCK, BIT(SIGRTMIN) | BIT(SIGUSR1));
        while (n <= 8 && (r = queue(me, SIGRTMIN, SI_QUEUE, n)) == 0)
            n++;
        if (n < 1 || n > 8)
            uexit(101); /* none queued, or past the limit */
        if (r != -EAGAIN)
            uexit(102); /* the one past the limit */
        if (sys3(NR_kill, me, SIGRTMIN, 0) != 0)
            uexit(103); /* kill() is not refused: SIGRTMIN only stays pending */
        if (queue(me, SIGUSR1, SI_QUEUE, 5) != 0)
            uexit(104); /* nor a standard signal */
        n_seen = 0;
        procmask(SIG_UNBLOCK, BIT(SIGRTMIN) | BIT(SIGUSR1));
        if (n_seen != n + 1)
            uexit(105); /* the ones queued and SIGUSR1 (kill()'s added nothing) */
        if (queue(me, SIGRTMIN, SI_QUEUE, 6) != 0)
            uexit(106); /* taken: room again */
        uexit(0);
    }
    uexpect(wait4_(c, &st), c, "(the child at RLIMIT_SIGPENDING ends)");
    uexpect(st >> 8, 0, "RLIMIT_SIGPENDING 8: up to 8 queued, then EAGAIN, kill 0, room after (the child's step)");

    /* ---- rt_sigtimedwait ---- */
    handle(SIGUSR1, record);
    procmask(SIG_BLOCK, BIT(SIGUSR1) | BIT(SIGRTMIN));
    n_seen = 0;
    sys3(NR_kill, me, SIGUSR1, 0);
    for (unsigned i = 0; i < sizeof si; i++)
        ((char *)&si)[i] = (char)0x5a;
    uexpect(timedwait(BIT(SIGUSR1), &si, 0), SIGUSR1, "rt_sigtimedwait takes a pending signal: its number");
    uexpect(si.signo == SIGUSR1 && si.code == SI_USER && si.pid == me && si.uid == uid, 1,
           "rt_sigtimedwait fills siginfo: signo, SI_USER, pid, uid");
    uexpect(n_seen, 0, "the handler did not run");
    uexpect((pending() & BIT(SIGUSR1)) != 0, 0, "and the signal is no longer pending");
    struct ts zero = {0, 0}, t50 = {0, 50000000}, t2 = {2, 0}, bad = {0, 1000000000};
    long t0 = now_ms();
    uexpect(timedwait(BIT(SIGUSR1), &si, &zero), -EAGAIN, "rt_sigtimedwait with a zero timeout and none pending: EAGAIN");
    uexpect(now_ms() - t0 < 40, 1, "at once");
    t0 = now_ms();
    uexpect(timedwait(BIT(SIGUSR1), &si, &t50), -EAGAIN, "rt_sigtimedwait for 50 ms: EAGAIN");
    uexpect(now_ms() - t0 >= 50, 1, "after 50 ms");
    uexpect(timedwait(BIT(SIGUSR1), &si, &bad), -EINVAL, "rt_sigtimedwait with tv_nsec 1e9: EINVAL");
    uexpect(sys6(NR_rt_sigtimedwait, (long)&(unsigned long){BIT(SIGUSR1)}, 0, (long)&zero, 4, 0, 0), -EINVAL,
           "rt_sigtimedwait with a bad set size: EINVAL");
    uexpect(sys6(NR_rt_sigtimedwait, 8, 0, (long)&zero, 8, 0, 0), -EFAULT, "rt_sigtimedwait from a bad set: EFAULT");
    queue(me, SIGRTMIN, SI_QUEUE, 5);
    queue(me, SIGRTMIN, SI_QUEUE, 6);
    r = timedwait(BIT(SIGRTMIN), &si, &zero);
    uexpect(r == SIGRTMIN && si.code == SI_QUEUE && si.u.value == 5, 1, "rt_sigtimedwait takes queued ones in order: 5");
    r = timedwait(BIT(SIGRTMIN), 0, &zero);
    uexpect(r, SIGRTMIN, "then 6 (no siginfo asked for)");
    uexpect(timedwait(BIT(SIGRTMIN), &si, &zero), -EAGAIN, "then none");

    /* Waits for a signal sent later. */
    c = ufork();
    if (c == 0) {
        msleep(30);
        sys3(NR_kill, sys1(NR_getppid, 0), SIGUSR1, 0);
        uexit(0);
    }
    r = timedwait(BIT(SIGUSR1), &si, 0);
    uexpect(r == SIGUSR1 && si.pid == c, 1, "rt_sigtimedwait with no timeout waits for the child's signal");
    wait4_(c, &st);

    /* A handled signal not in the set cuts it short. */
    handle(SIGUSR2, record);
    n_seen = 0;
    c = ufork();
    if (c == 0) {
        msleep(30);
        sys3(NR_kill, sys1(NR_getppid, 0), SIGUSR2, 0);
        uexit(0);
    }
    t0 = now_ms();
    uexpect(timedwait(BIT(SIGUSR1), &si, &t2), -EINTR, "rt_sigtimedwait cut short by a handled signal: EINTR");
    uexpect(n_seen == 1 && seen_sig[0] == SIGUSR2, 1, "after the handler ran");
    uexpect(now_ms() - t0 < 1500, 1, "well before its timeout");
    wait4_(c, &st);

    /* SIGCHLD's siginfo. */
    procmask(SIG_BLOCK, BIT(SIGCHLD));
    c = ufork();
    if (c == 0)
        uexit(3);
    r = timedwait(BIT(SIGCHLD), &si, 0);
    uexpect(r == SIGCHLD && si.code == CLD_EXITED && si.pid == c && si.u.status == 3, 1,
           "rt_sigtimedwait(SIGCHLD): CLD_EXITED, the child's pid, its exit code");
    uexpect(wait4_(c, &st), c, "(reaped)");

    /* ---- signalfd ---- */
    procmask(SIG_SETMASK, BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGRTMIN));
    unsigned long sfmask = BIT(SIGUSR1) | BIT(SIGRTMIN);
    long sfd = sys6(NR_signalfd4, -1, (long)&sfmask, 8, SFD_NONBLOCK | SFD_CLOEXEC, 0, 0);
    uexpect(sfd >= 0, 1, "signalfd4 makes a descriptor");
    struct {
        unsigned signo;
        int errno_, code;
        unsigned pid, uid;
        int fd;
        unsigned tid, band, overrun, trapno;
        int status, int_;
        unsigned long ptr, utime, stime, addr;
        char pad[128 - 80];
    } ssi[3];
    uexpect(sys3(NR_read, sfd, (long)ssi, sizeof ssi), -EAGAIN, "signalfd: nothing pending, O_NONBLOCK: EAGAIN");
    struct {
        int fd;
        short events, revents;
    } pfd = {(int)sfd, 1 /* POLLIN */, 0};
    uexpect(sys6(NR_ppoll, (long)&pfd, 1, (long)&zero, 0, 8, 0), 0, "signalfd: poll says not readable");
    sys3(NR_kill, me, SIGUSR1, 0);
    queue(me, SIGRTMIN, SI_QUEUE, 7);
    queue(me, SIGRTMIN, SI_QUEUE, 8);
    sys3(NR_kill, me, SIGUSR2, 0); /* blocked, pending, not in its mask */
    uexpect(sys6(NR_ppoll, (long)&pfd, 1, (long)&zero, 0, 8, 0) == 1 && (pfd.revents & 1), 1,
           "signalfd: poll says readable (POLLIN)");
    uexpect(sys3(NR_read, sfd, (long)ssi, sizeof ssi), 3 * 128, "signalfd: one read takes three");
    uexpect(ssi[0].signo == SIGUSR1 && ssi[0].code == SI_USER && ssi[0].pid == (unsigned)me && ssi[0].uid == (unsigned)uid,
           1, "signalfd: SIGUSR1 first, SI_USER, our pid and uid");
    uexpect(ssi[1].signo == SIGRTMIN && ssi[1].code == SI_QUEUE && ssi[1].int_ == 7 && ssi[1].ptr == 7, 1,
           "signalfd: then SIGRTMIN, SI_QUEUE, ssi_int and ssi_ptr 7");
    uexpect(ssi[2].signo == SIGRTMIN && ssi[2].int_ == 8, 1, "signalfd: then the queued one, 8");
    uexpect((pending() & (BIT(SIGUSR1) | BIT(SIGRTMIN))) == 0 && (pending() & BIT(SIGUSR2)), 1,
           "signalfd: they are taken, SIGUSR2 (not in its mask) is left");
    uexpect(sys3(NR_read, sfd, (long)ssi, 100), -EINVAL, "signalfd: a read of less than 128 bytes: EINVAL");
    unsigned long usr2 = BIT(SIGUSR2);
    uexpect(sys6(NR_signalfd4, sfd, (long)&usr2, 8, 0, 0, 0), sfd, "signalfd4 on it: a new mask, the same descriptor");
    uexpect(sys3(NR_read, sfd, (long)ssi, sizeof ssi), 128, "signalfd: now reads SIGUSR2");
    uexpect(ssi[0].signo, SIGUSR2, "signalfd: SIGUSR2");
    uexpect(sys6(NR_signalfd4, -1, (long)&usr2, 4, 0, 0, 0), -EINVAL, "signalfd4 with a bad mask size: EINVAL");
    uexpect(sys6(NR_signalfd4, -1, (long)&usr2, 8, 1, 0, 0), -EINVAL, "signalfd4 with a bad flag: EINVAL");
    uexpect(sys6(NR_signalfd4, -1, 8, 8, 0, 0, 0), -EFAULT, "signalfd4 from a bad mask: EFAULT");
    uexpect(sys6(NR_signalfd4, 1, (long)&usr2, 8, 0, 0, 0), -EINVAL, "signalfd4 on a descriptor that is not one: EINVAL");
    uexpect(sys6(NR_signalfd4, 999, (long)&usr2, 8, 0, 0, 0), -EBADF, "signalfd4 on no descriptor: EBADF");
    sys1(NR_close, sfd);
    long bfd = sys6(NR_signalfd4, -1, (long)&usr2, 8, 0, 0, 0);
    c = ufork();
    if (c == 0) {
        msleep(30);
        sys3(NR_kill, sys1(NR_getppid, 0), SIGUSR2, 0);
        uexit(0);
    }
    uexpect(sys3(NR_read, bfd, (long)ssi, sizeof ssi), 128, "signalfd: a blocking read waits for the signal");
    uexpect(ssi[0].signo == SIGUSR2 && ssi[0].pid == (unsigned)c, 1, "signalfd: the child's SIGUSR2");
    wait4_(c, &st);
    sys1(NR_close, bfd);
    procmask(SIG_SETMASK, 0);

    uputs("usigq: ");
    uputn(fails);
    uputs(" failed\n");
    return fails;
}
