/*
 * usched: scheduling policies and memory locking against Linux's answers,
 * one line each ("ok ..." or "FAIL ..."); exits with the number of
 * failures. Every check is Linux's answer: the program also runs on the
 * build host's Linux (cmake/linux_judged.cmake).
 *
 * For any user: sched_get_priority_max/min of each policy, sched_getscheduler,
 * sched_getparam, sched_setscheduler and sched_setparam with their EINVAL,
 * ESRCH and EFAULT cases, SCHED_BATCH and SCHED_IDLE, SCHED_RESET_ON_FORK
 * (not inherited itself), sched_rr_get_interval; mlock, mlock2, munlock,
 * mlockall, munlockall (EINVAL, ENOMEM for unmapped pages); what a lock
 * is: msync(MS_INVALIDATE) over locked pages is EBUSY (mlock of part of a
 * mapping, munlock of part, shared memory), VmLck in /proc/self/status,
 * locked pages made present (VmRSS); fsync and fdatasync on a pipe (EINVAL).
 * As root (said skipped otherwise): SCHED_FIFO and SCHED_RR, inherited by
 * fork unless SCHED_RESET_ON_FORK; mlockall(MCL_CURRENT) and (MCL_FUTURE),
 * which mappings each locks; a child turned another user held to
 * RLIMIT_MEMLOCK (mlock ENOMEM, counting a page once, mlockall ENOMEM, an
 * mmap under MCL_FUTURE EAGAIN, a zero limit EPERM); and in our kernel only (QEMU's one CPU:
 * on the shared build host they would starve others), what they mean: children
 * of FIFO priorities 10 and 30 started in that order run the 30 first and
 * to its end; two SCHED_RR equals working 4 time slices each take turns
 * (at least three turns), two SCHED_FIFO equals do not (one each, the one
 * lowered to their priority last first: a thread lowered goes to the front).
 * (Work and turns are told by the CPU-time clock, which a busy host under
 * QEMU cannot fool.)
 *
 * Then the CPU-time clocks: the process's and the thread's move while
 * spinning, not while asleep; a child's clock as clock_getcpuclockid()
 * names it, and its errors (a reaped child, no such pid, a thread clock of
 * another process's thread).
 *
 * `usched spin`: spin forever at SCHED_FIFO 99 (Ctrl-C must still end it).
 */
#include "usys.h"

enum { EPERM = 1, ESRCH = 3, EAGAIN = 11, EFAULT = 14, EBUSY = 16, EINVAL = 22, ENOMEM = 12 };
enum { OTHER = 0, FIFO = 1, RR = 2, BATCH = 3, IDLE = 5, DEADLINE = 6 };
#define RESET_ON_FORK 0x40000000
#define NOPID 0x3ffffff0 /* above any pid_max */
#define SIGCHLD 17
#define PAGE 4096

static long setsched(long pid, long pol, int prio) { return sys3(NR_sched_setscheduler, pid, pol, (long)&prio); }
static long getparam(long pid)
{
    int p = -1;
    long r = sys3(NR_sched_getparam, pid, (long)&p, 0);
    return r ? r : p;
}

static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static long reap(long pid)
{
    int status = -1;
    sys6(NR_wait4, pid, (long)&status, 0, 0, 0, 0);
    return status;
}

/* A child that checks its own policy word and priority: its exit code
 * says whether both were as expected. */
static long child_sees(long pol, long prio)
{
    long c = ufork();
    if (c == 0)
        uexit(sys1(NR_sched_getscheduler, 0) == pol && getparam(0) == prio ? 0 : 1);
    return reap(c);
}

static void calls(void)
{
    static const struct {
        int pol, max, min;
    } lim[] = {{OTHER, 0, 0}, {FIFO, 99, 1}, {RR, 99, 1}, {BATCH, 0, 0}, {IDLE, 0, 0}, {DEADLINE, 0, 0}};
    for (unsigned i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        uexpect(sys1(NR_sched_get_priority_max, lim[i].pol), lim[i].max, "sched_get_priority_max");
        uexpect(sys1(NR_sched_get_priority_min, lim[i].pol), lim[i].min, "sched_get_priority_min");
    }
    uexpect(sys1(NR_sched_get_priority_max, 4), -EINVAL, "sched_get_priority_max(4): EINVAL");
    uexpect(sys1(NR_sched_get_priority_min, -1), -EINVAL, "sched_get_priority_min(-1): EINVAL");
    uexpect(sys1(NR_sched_get_priority_max, 42), -EINVAL, "sched_get_priority_max(42): EINVAL");

    uexpect(sys1(NR_sched_getscheduler, 0), OTHER, "sched_getscheduler(0): SCHED_OTHER");
    uexpect(sys1(NR_sched_getscheduler, sys1(NR_getpid, 0)), OTHER, "sched_getscheduler(getpid())");
    uexpect(sys1(NR_sched_getscheduler, -1), -EINVAL, "sched_getscheduler(-1): EINVAL");
    uexpect(sys1(NR_sched_getscheduler, NOPID), -ESRCH, "sched_getscheduler(no such pid): ESRCH");
    uexpect(getparam(0), 0, "sched_getparam(0): priority 0");
    uexpect(sys3(NR_sched_getparam, 0, 0, 0), -EINVAL, "sched_getparam(0, NULL): EINVAL");
    uexpect(getparam(-1), -EINVAL, "sched_getparam(-1): EINVAL");
    uexpect(getparam(NOPID), -ESRCH, "sched_getparam(no such pid): ESRCH");
    uexpect(sys3(NR_sched_getparam, 0, 8, 0), -EFAULT, "sched_getparam to a bad pointer: EFAULT");

    uexpect(setsched(0, OTHER, 1), -EINVAL, "SCHED_OTHER priority 1: EINVAL");
    uexpect(setsched(0, 42, 0), -EINVAL, "policy 42: EINVAL");
    uexpect(setsched(0, 4, 0), -EINVAL, "policy 4: EINVAL");
    uexpect(setsched(0, -1, 0), -EINVAL, "policy -1: EINVAL");
    uexpect(setsched(0, FIFO, 0), -EINVAL, "SCHED_FIFO priority 0: EINVAL");
    uexpect(setsched(0, RR, 100), -EINVAL, "SCHED_RR priority 100: EINVAL");
    uexpect(setsched(-1, OTHER, 0), -EINVAL, "pid -1: EINVAL");
    uexpect(setsched(NOPID, OTHER, 0), -ESRCH, "no such pid: ESRCH");
    uexpect(sys3(NR_sched_setscheduler, 0, OTHER, 0), -EINVAL, "a NULL param: EINVAL");
    uexpect(sys3(NR_sched_setscheduler, 0, OTHER, 8), -EFAULT, "a bad param pointer: EFAULT");
    uexpect(sys3(NR_sched_setparam, 0, 0, 0), -EINVAL, "sched_setparam NULL: EINVAL");
    int one = 1;
    uexpect(sys3(NR_sched_setparam, 0, (long)&one, 0), -EINVAL, "sched_setparam 1 under SCHED_OTHER: EINVAL");

    uexpect(setsched(0, BATCH, 0), 0, "SCHED_BATCH");
    uexpect(sys1(NR_sched_getscheduler, 0), BATCH, "sched_getscheduler: SCHED_BATCH");
    uexpect(child_sees(BATCH, 0), 0, "a forked child is SCHED_BATCH too");
    long ts[2] = {-1, -1};
    uexpect(sys3(NR_sched_rr_get_interval, 0, (long)ts, 0), 0, "sched_rr_get_interval(0)");
    uexpect(sys3(NR_sched_rr_get_interval, -1, (long)ts, 0), -EINVAL, "sched_rr_get_interval(-1): EINVAL");
    uexpect(sys3(NR_sched_rr_get_interval, NOPID, (long)ts, 0), -ESRCH, "sched_rr_get_interval(no such pid): ESRCH");
    uexpect(sys3(NR_sched_rr_get_interval, 0, 8, 0), -EFAULT, "sched_rr_get_interval to a bad pointer: EFAULT");
    uexpect(setsched(0, OTHER, 0), 0, "back to SCHED_OTHER");
    uexpect(sys1(NR_sched_getscheduler, 0), OTHER, "sched_getscheduler: SCHED_OTHER");
}

/* SCHED_IDLE and back, dropping SCHED_RESET_ON_FORK, and the real-time
 * policies: root's. */
static void realtime(void)
{
    uexpect(setsched(0, BATCH | RESET_ON_FORK, 0), 0, "SCHED_BATCH | SCHED_RESET_ON_FORK");
    uexpect(sys1(NR_sched_getscheduler, 0), BATCH | RESET_ON_FORK, "sched_getscheduler shows the flag");
    uexpect(child_sees(BATCH, 0), 0, "a child keeps SCHED_BATCH, not the flag");
    uexpect(setsched(0, IDLE, 0), 0, "SCHED_IDLE, dropping the flag");
    uexpect(sys1(NR_sched_getscheduler, 0), IDLE, "sched_getscheduler: SCHED_IDLE");
    uexpect(child_sees(IDLE, 0), 0, "a forked child is SCHED_IDLE too");
    uexpect(setsched(0, OTHER, 0), 0, "out of SCHED_IDLE");
    uexpect(setsched(0, FIFO, 10), 0, "SCHED_FIFO 10");
    uexpect(sys1(NR_sched_getscheduler, 0), FIFO, "sched_getscheduler: SCHED_FIFO");
    uexpect(getparam(0), 10, "sched_getparam: 10");
    long ts[2] = {-1, -1};
    uexpect(sys3(NR_sched_rr_get_interval, 0, (long)ts, 0), 0, "sched_rr_get_interval under SCHED_FIFO");
    uexpect(ts[0] * 1000000000l + ts[1], 0, "a SCHED_FIFO thread has no time slice");
    int p = 20;
    uexpect(sys3(NR_sched_setparam, 0, (long)&p, 0), 0, "sched_setparam 20");
    uexpect(getparam(0), 20, "sched_getparam: 20");
    uexpect(sys1(NR_sched_getscheduler, 0), FIFO, "still SCHED_FIFO");
    p = 0;
    uexpect(sys3(NR_sched_setparam, 0, (long)&p, 0), -EINVAL, "sched_setparam 0 under SCHED_FIFO: EINVAL");
    uexpect(child_sees(FIFO, 20), 0, "a forked child is SCHED_FIFO 20 too");
    uexpect(setsched(0, RR, 5), 0, "SCHED_RR 5");
    uexpect(sys3(NR_sched_rr_get_interval, 0, (long)ts, 0), 0, "sched_rr_get_interval under SCHED_RR");
    check(ts[0] == 0 && ts[1] > 0, "a SCHED_RR thread has a time slice");
    uexpect(setsched(0, RR | RESET_ON_FORK, 7), 0, "SCHED_RR 7 | SCHED_RESET_ON_FORK");
    uexpect(child_sees(OTHER, 0), 0, "a child of it starts as SCHED_OTHER, priority 0");
    uexpect(setsched(0, OTHER, 0), 0, "back to SCHED_OTHER");
}

/* The calling thread's CPU time, ns. */
static long thread_cpu(void)
{
    long ts[2];
    sys3(NR_clock_gettime, 3 /* CLOCK_THREAD_CPUTIME_ID */, (long)ts, 0);
    return ts[0] * 1000000000l + ts[1];
}

/* A child that works for @p ns of its own CPU time, writing its letter to
 * @p fd at its start and each time more than @p gap of wall time passed
 * that was not its CPU time (another ran meanwhile: a host's hiccup under
 * QEMU passes as the guest's CPU time too, so it counts as neither). */
static long worker(char me, int fd, long ns, long gap)
{
    long c = ufork();
    if (c)
        return c;
    long cpu0 = thread_cpu(), cpu = cpu0, wall = unow_ns();
    sys3(NR_write, fd, (long)&me, 1);
    while (cpu - cpu0 < ns) {
        long ncpu = thread_cpu(), nwall = unow_ns();
        if ((nwall - wall) - (ncpu - cpu) > gap)
            sys3(NR_write, fd, (long)&me, 1);
        cpu = ncpu, wall = nwall;
    }
    uexit(0);
}

/* Run two workers from a SCHED_FIFO 50 parent (they start queued behind
 * it), give them their policies, then block: what order did they run in? */
static long order(long pola, int pa, long polb, int pb, long ns, long gap, char *out, int max)
{
    int fds[2];
    sys3(NR_pipe2, (long)fds, 0, 0);
    setsched(0, FIFO, 50);
    long a = worker('a', fds[1], ns, gap);
    long b = worker('b', fds[1], ns, gap);
    long ea = setsched(a, pola, pa), eb = setsched(b, polb, pb);
    reap(a), reap(b);
    setsched(0, OTHER, 0);
    sys1(NR_close, fds[1]);
    long n = sys3(NR_read, fds[0], (long)out, max - 1);
    sys1(NR_close, fds[0]);
    out[n < 0 ? 0 : n] = 0;
    return ea || eb ? -1 : n;
}

/* Whether @p log is one or more @p x, then one or more @p y. */
static int runs(const char *log, char x, char y)
{
    if (*log != x)
        return 0;
    while (*log == x)
        log++;
    if (*log != y)
        return 0;
    while (*log == y)
        log++;
    return *log == 0;
}

static void meaning(void)
{
    long ts[2];
    setsched(0, RR, 1);
    sys3(NR_sched_rr_get_interval, 0, (long)ts, 0);
    setsched(0, OTHER, 0);
    long slice = ts[0] * 1000000000l + ts[1];
    char log[64];
    order(FIFO, 10, FIFO, 30, 20000000, slice / 2, log, sizeof log);
    check(runs(log, 'b', 'a'), "FIFO 30 runs before and through FIFO 10, started after it");
    uputs("     order: "), uputs(log), uputs("\n");
    order(RR, 20, RR, 20, slice * 4, slice / 2, log, sizeof log);
    check(!runs(log, 'a', 'b') && !runs(log, 'b', 'a') && ustrlen(log) >= 3, "two SCHED_RR equals take turns");
    uputs("     turns: "), uputs(log), uputs("\n");
    /* Both lowered from 50: each goes to the front of 20, b before a. */
    order(FIFO, 20, FIFO, 20, slice * 4, slice / 2, log, sizeof log);
    check(runs(log, 'b', 'a'), "two SCHED_FIFO equals do not");
    uputs("     turns: "), uputs(log), uputs("\n");
}

static void locking(void)
{
    char *m = (char *)sys6(NR_mmap, 0, 3 * PAGE, 3, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
    uexpect(sys3(NR_mlock, (long)m, 2 * PAGE, 0), 0, "mlock two pages");
    uexpect(sys3(NR_mlock, (long)m + 100, 10, 0), 0, "mlock an unaligned range");
    uexpect(sys3(NR_mlock, (long)m, 0, 0), 0, "mlock 0 bytes");
    uexpect(sys3(NR_munlock, (long)m, 2 * PAGE, 0), 0, "munlock");
    if (!uskip_on_qemu_user("mlock2 (ENOSYS there)")) {
        uexpect(sys3(NR_mlock2, (long)m, PAGE, 1), 0, "mlock2 MLOCK_ONFAULT");
        uexpect(sys3(NR_mlock2, (long)m, PAGE, 2), -EINVAL, "mlock2 flag 2: EINVAL");
    }
    sys3(NR_munmap, (long)m + PAGE, PAGE, 0);
    uexpect(sys3(NR_mlock, (long)m, 3 * PAGE, 0), -ENOMEM, "mlock over a hole: ENOMEM");
    uexpect(sys3(NR_munlock, (long)m, 3 * PAGE, 0), -ENOMEM, "munlock over a hole: ENOMEM");
    uexpect(sys3(NR_mlock, (long)m + PAGE, 10, 0), -ENOMEM, "mlock of an unmapped page: ENOMEM");
    uexpect(sys1(NR_mlockall, 0), -EINVAL, "mlockall(0): EINVAL");
    uexpect(sys1(NR_mlockall, 4), -EINVAL, "mlockall(MCL_ONFAULT): EINVAL");
    uexpect(sys1(NR_mlockall, 8), -EINVAL, "mlockall(8): EINVAL");
    if (sys1(NR_geteuid, 0) == 0)
        uexpect(sys1(NR_mlockall, 3), 0, "mlockall(MCL_CURRENT | MCL_FUTURE) as root");
    uexpect(sys1(NR_munlockall, 0), 0, "munlockall");
    sys3(NR_munmap, (long)m, 3 * PAGE, 0);
    int fds[2];
    sys3(NR_pipe2, (long)fds, 0, 0);
    uexpect(sys1(NR_fsync, fds[0]), -EINVAL, "fsync of a pipe: EINVAL");
    uexpect(sys1(NR_fdatasync, fds[1]), -EINVAL, "fdatasync of a pipe: EINVAL");
    sys1(NR_close, fds[0]), sys1(NR_close, fds[1]);
}

#define MS_SYNC 4
#define MS_INVALIDATE 2
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define RLIMIT_MEMLOCK 8

static long map_pages(long n, long flags) { return sys6(NR_mmap, 0, n * PAGE, 3, flags, -1, 0); }
static long invalidate(char *m, long pages) { return sys3(NR_msync, (long)m, pages * PAGE, MS_INVALIDATE); }

/* A field of /proc/self/status ("VmLck:"), in kB; -1 if missing. */
static long status_kb(const char *field)
{
    static char buf[4096];
    long fd = sys6(NR_openat, -100, (long)"/proc/self/status", 0, 0, 0, 0), n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (long)sizeof buf - 1 && (r = sys3(NR_read, fd, (long)buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    sys1(NR_close, fd);
    buf[n] = 0;
    for (char *p = buf; *p;) {
        const char *f = field;
        char *q = p;
        while (*f && *q == *f)
            q++, f++;
        if (!*f) {
            long v = 0;
            while (*q == ' ' || *q == '\t')
                q++;
            while (*q >= '0' && *q <= '9')
                v = v * 10 + (*q++ - '0');
            return v;
        }
        while (*p && *p++ != '\n')
            ;
    }
    return -1;
}

/* What a lock means: its pages stay (msync(MS_INVALIDATE) may not drop
 * them: EBUSY), are counted (VmLck) and were made present (VmRSS). */
static void lock_meaning(void)
{
    char *m = (char *)map_pages(64, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */);
    uexpect(status_kb("VmLck:"), 0, "VmLck: 0 kB before any lock");
    uexpect(invalidate(m, 4), 0, "msync(MS_INVALIDATE) of unlocked memory");
    uexpect(sys3(NR_mlock, (long)m + PAGE, 2 * PAGE, 0), 0, "mlock pages 1 and 2 of 64");
    uexpect(status_kb("VmLck:"), 8, "VmLck: 8 kB");
    uexpect(invalidate(m, 1), 0, "msync(MS_INVALIDATE) of page 0, not locked");
    uexpect(invalidate(m + PAGE, 1), -EBUSY, "msync(MS_INVALIDATE) of locked page 1: EBUSY");
    uexpect(invalidate(m, 4), -EBUSY, "msync(MS_INVALIDATE) of pages 0-3: EBUSY");
    uexpect(sys3(NR_msync, (long)m + PAGE, PAGE, MS_SYNC), 0, "msync(MS_SYNC) of a locked page");
    uexpect(sys3(NR_munlock, (long)m + 2 * PAGE, PAGE, 0), 0, "munlock page 2");
    uexpect(status_kb("VmLck:"), 4, "VmLck: 4 kB");
    uexpect(invalidate(m + 2 * PAGE, 1), 0, "page 2 unlocked: msync(MS_INVALIDATE)");
    uexpect(invalidate(m + PAGE, 1), -EBUSY, "page 1 still locked: EBUSY");
    uexpect(sys3(NR_mlock, (long)m, 2 * PAGE, 0), 0, "mlock pages 0 and 1 (1 locked already)");
    uexpect(status_kb("VmLck:"), 8, "VmLck: 8 kB, page 1 counted once");
    uexpect(sys3(NR_munmap, (long)m + PAGE, PAGE, 0), 0, "munmap locked page 1");
    uexpect(status_kb("VmLck:"), 4, "VmLck: 4 kB after it");
    long rss = status_kb("VmRSS:");
    uexpect(sys3(NR_mlock, (long)m + 16 * PAGE, 32 * PAGE, 0), 0, "mlock 32 pages never touched");
    long grew = status_kb("VmRSS:") - rss;
    check(grew >= 128, "mlock made them present: VmRSS grew by 128 kB");
    uexpect(status_kb("VmLck:"), 132, "VmLck: 132 kB");
    uexpect(sys3(NR_munlock, (long)m, 64 * PAGE, 0), -ENOMEM, "munlock over the hole at page 1: ENOMEM");
    uexpect(sys3(NR_munlock, (long)m + 2 * PAGE, 62 * PAGE, 0), 0, "munlock pages 2-63");
    uexpect(sys3(NR_munlock, (long)m, PAGE, 0), 0, "munlock page 0");
    uexpect(status_kb("VmLck:"), 0, "VmLck: 0 kB");
    uexpect(invalidate(m + 2 * PAGE, 62), 0, "msync(MS_INVALIDATE) of them all, unlocked");
    sys3(NR_munmap, (long)m, 64 * PAGE, 0);
    char *s = (char *)map_pages(2, 0x21 /* MAP_SHARED|MAP_ANONYMOUS */);
    s[0] = 1;
    uexpect(sys3(NR_mlock, (long)s, PAGE, 0), 0, "mlock a page of shared memory");
    uexpect(invalidate(s, 2), -EBUSY, "msync(MS_INVALIDATE) over it: EBUSY");
    uexpect(invalidate(s + PAGE, 1), 0, "msync(MS_INVALIDATE) of the page after it");
    sys3(NR_munmap, (long)s, 2 * PAGE, 0);
}

/* mlockall: MCL_CURRENT locks what is mapped, MCL_FUTURE what comes. */
static void lock_all(void)
{
    char *a = (char *)map_pages(2, 0x22);
    uexpect(sys1(NR_mlockall, MCL_CURRENT), 0, "mlockall(MCL_CURRENT)");
    uexpect(invalidate(a, 1), -EBUSY, "it locked a mapping made before: EBUSY");
    check(status_kb("VmLck:") >= 8, "VmLck counts it");
    char *b = (char *)map_pages(2, 0x22);
    uexpect(invalidate(b, 1), 0, "not one made after it");
    uexpect(sys1(NR_mlockall, MCL_FUTURE), 0, "mlockall(MCL_FUTURE)");
    char *c = (char *)map_pages(2, 0x22);
    uexpect(invalidate(c, 1), -EBUSY, "MCL_FUTURE: a mapping made after it is locked");
    uexpect(invalidate(b, 1), 0, "MCL_FUTURE alone: one made before stays unlocked");
    uexpect(sys1(NR_munlockall, 0), 0, "munlockall");
    uexpect(invalidate(a, 1) | invalidate(c, 1), 0, "munlockall unlocked them");
    char *d = (char *)map_pages(2, 0x22);
    uexpect(invalidate(d, 1), 0, "and a mapping after it is not locked");
    uexpect(status_kb("VmLck:"), 0, "VmLck: 0 kB");
    sys3(NR_munmap, (long)a, 2 * PAGE, 0), sys3(NR_munmap, (long)b, 2 * PAGE, 0);
    sys3(NR_munmap, (long)c, 2 * PAGE, 0), sys3(NR_munmap, (long)d, 2 * PAGE, 0);
}

static long memlock_limit(long bytes)
{
    long lim[2] = {bytes, bytes};
    return sys6(NR_prlimit64, 0, RLIMIT_MEMLOCK, (long)lim, 0, 0, 0);
}

/* Another user (a child of root that turned 65534) may lock RLIMIT_MEMLOCK. */
static void lock_limit(void)
{
    long c = ufork();
    if (c == 0) {
        *ufails() = 0;
        memlock_limit(2 * PAGE);
        sys1(NR_setuid, 65534);
        char *m = (char *)map_pages(4, 0x22);
        uexpect(sys3(NR_mlock, (long)m, 3 * PAGE, 0), -ENOMEM, "not root: mlock past RLIMIT_MEMLOCK: ENOMEM");
        uexpect(sys3(NR_mlock, (long)m, 2 * PAGE, 0), 0, "not root: mlock up to it");
        uexpect(sys3(NR_mlock, (long)m + PAGE, PAGE, 0), 0, "not root: mlock a locked page again");
        uexpect(sys3(NR_mlock, (long)m + 2 * PAGE, PAGE, 0), -ENOMEM, "not root: one page more: ENOMEM");
        uexpect(sys1(NR_mlockall, MCL_CURRENT), -ENOMEM, "not root: mlockall(MCL_CURRENT) past it: ENOMEM");
        uexpect(sys3(NR_munlock, (long)m, 4 * PAGE, 0), 0, "not root: munlock");
        uexpect(sys1(NR_mlockall, MCL_FUTURE), 0, "not root: mlockall(MCL_FUTURE)");
        if (!uskip_on_qemu_user("an mmap past RLIMIT_MEMLOCK under MCL_FUTURE (ENOMEM there)"))
            uexpect(map_pages(4, 0x22), -EAGAIN, "not root: mmap past RLIMIT_MEMLOCK under MCL_FUTURE: EAGAIN");
        uexpect(sys1(NR_munlockall, 0), 0, "not root: munlockall");
        memlock_limit(0);
        uexpect(sys3(NR_mlock, (long)m, PAGE, 0), -EPERM, "not root, RLIMIT_MEMLOCK 0: mlock EPERM");
        uexit(*ufails() > 255 ? 255 : *ufails());
    }
    long st = reap(c);
    if (st & 0x7f)
        uexpect(st, 0, "the child turned another user ends");
    else
        *ufails() += (st >> 8) & 0xff;
}

/* A clock's reading in ns, or the negative error. */
static long clock_ns(long clk)
{
    long ts[2];
    long r = sys3(NR_clock_gettime, clk, (long)ts, 0);
    return r ? r : ts[0] * 1000000000l + ts[1];
}

static void usleep_ms(long ms)
{
    long ts[2] = {0, ms * 1000000};
    sys3(NR_nanosleep, (long)ts, 0, 0);
}

static void spin_ms(long ms)
{
    long start = unow_ns();
    while (unow_ns() - start < ms * 1000000)
        ;
}

/* Linux's id of process (kind 2) or thread (kind 6) @p pid's CPU clock. */
static long cpuclk(long pid, int kind) { return (long)((unsigned long)~pid << 3) | kind; }

/* The CPU-time clocks: the caller's process and thread, and another
 * process's as glibc's clock_getcpuclockid() names it: (~pid << 3) | 2. */
static void cpu_clocks(void)
{
    /* Spin until both have moved 15 ms, for 2 s of wall time at most (a
     * busy host runs others meanwhile). */
    long p0 = clock_ns(2), t0 = clock_ns(3), w0 = unow_ns(), p1, t1;
    do {
        spin_ms(1);
        p1 = clock_ns(2), t1 = clock_ns(3);
    } while ((p1 - p0 < 15000000 || t1 - t0 < 15000000) && unow_ns() - w0 < 2000000000);
    check(p1 - p0 >= 15000000, "the process's CPU clock moves while it spins");
    check(t1 - t0 >= 15000000, "the thread's too");
    /* A 100 ms sleep moves it under 10 ms. Up to three tries: a busy host
     * that does not run the vCPU for a while makes the guest count that
     * gap as CPU time of whatever ran, here the few instructions around the
     * sleep; a clock that counted the sleep moves 100 ms every time. */
    long p2 = p1;
    for (int i = 0; i < 3; i++) {
        p1 = clock_ns(2);
        usleep_ms(100);
        p2 = clock_ns(2);
        if (p2 - p1 < 10000000)
            break;
    }
    check(p2 - p1 < 10000000, "and stands still while it sleeps");
    long me = sys1(NR_getpid, 0);
    long mine = clock_ns(cpuclk(me, 2)), p3 = clock_ns(2);
    check(mine >= p2 && mine <= p3, "getpid()'s clock is the process's");
    long zero = clock_ns(cpuclk(0, 2));
    check(zero >= p3 && zero <= clock_ns(2), "pid 0's clock is the caller's");
    long t2 = clock_ns(3), tz = clock_ns(cpuclk(0, 6));
    check(tz >= t2 && tz <= clock_ns(3), "thread 0's clock is the calling thread's");
    int fds[2];
    sys3(NR_pipe2, (long)fds, 0, 0);
    long c = ufork();
    if (c == 0) { /* spin 40 ms of CPU time, then wait for the parent */
        char x;
        sys1(NR_close, fds[1]);
        long t = thread_cpu();
        while (thread_cpu() - t < 40000000)
            ;
        sys3(NR_read, fds[0], (long)&x, 1);
        uexit(0);
    }
    sys1(NR_close, fds[0]);
    long cclk = cpuclk(c, 2), a;
    for (int i = 0; i < 100 && (a = clock_ns(cclk)) < 40000000; i++)
        usleep_ms(20);
    check(a >= 40000000, "a child's CPU clock counts its spin");
    usleep_ms(50);
    long b = clock_ns(cclk);
    check(b >= a && b - a < 10000000, "and not its wait");
    long ts[2];
    uexpect(sys3(NR_clock_getres, cclk, (long)ts, 0), 0, "clock_getres of the child's CPU clock");
    uexpect(clock_ns(cpuclk(c, 6)), -EINVAL, "a thread clock of another process's thread: EINVAL");
    sys1(NR_close, fds[1]);
    reap(c);
    uexpect(clock_ns(cclk), -EINVAL, "the reaped child's clock: EINVAL");
    uexpect(sys3(NR_clock_getres, cclk, (long)ts, 0), -EINVAL, "and its clock_getres: EINVAL");
    uexpect(clock_ns(cpuclk(NOPID, 2)), -EINVAL, "no such pid's clock: EINVAL");
    uexpect(clock_ns(cpuclk(me, 3)), -EINVAL, "CPU clock kind 3: EINVAL");
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc > 1 && ustreq(argv[1], "spin")) { /* a runaway real-time program, for Ctrl-C */
        long e = setsched(0, FIFO, 99);
        uputs(e ? "usched: no SCHED_FIFO\n" : "usched: spinning at SCHED_FIFO 99\n");
        for (;;)
            __asm__ volatile("" ::: "memory");
    }
    int root = sys1(NR_geteuid, 0) == 0;
    calls();
    if (root) {
        realtime();
        /* Not on the build host's Linux: real-time children spinning on
         * the one CPU they are pinned to would hold up whatever else the
         * shared host runs there (and under qemu-user its own threads,
         * starved, held them up for good). QEMU's guest is the judge. */
        if (!uskip_on_linux("what the real-time policies mean"))
            meaning();
    } else {
        uputs("skip the real-time policies (not root)\n");
    }
    locking();
    lock_meaning();
    if (root) {
        lock_all();
        lock_limit();
    } else {
        uputs("skip mlockall and RLIMIT_MEMLOCK (not root)\n");
    }
    cpu_clocks();
    int fails = *ufails();
    uputs("usched: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
