/*
 * uproc2: processes as Linux answers for them, one line a check ("ok ..."
 * or "FAIL ...: expected X, got Y"); exits with the number of failures.
 * - orphans: a child whose parent ends is reparented, to the nearest
 *   ancestor that set PR_SET_CHILD_SUBREAPER (which can then wait for it),
 *   else to init, pid 1, which reaps it (no zombie is left);
 * - a zombie is still a process to kill() until it is reaped;
 * - vfork: the child borrows the parent's memory, and the parent sleeps
 *   until the child calls execve or ends; clone(CLONE_VM) without
 *   CLONE_THREAD is a process sharing the parent's memory;
 * - the clone flag combinations Linux refuses (EINVAL);
 * - waitid: P_PID, P_PGID, P_ALL; WEXITED, WSTOPPED, WCONTINUED, WNOHANG,
 *   WNOWAIT; the siginfo it fills and the rusage; its bad arguments.
 * `uproc2 child wait RFD WFD CODE` is what the vfork-then-execve check runs:
 * it ends with CODE once the parent closes the pipe's other end (CODE + 1
 * if that never comes), so no check depends on how fast a loaded host is.
 * Every check is Linux's answer: the program prints "0 failed" on Linux.
 */
#include "usys.h"

#define SIGKILL 9
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define ECHILD 10
#define EFAULT 14
#define EINVAL 22
#define WNOHANG 1
#define WSTOPPED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define CLONE_VM 0x00000100ul
#define CLONE_FS 0x00000200ul
#define CLONE_SIGHAND 0x00000800ul
#define CLONE_PIDFD 0x00001000ul
#define CLONE_THREAD 0x00010000ul
#define CLONE_NEWNS 0x00020000ul
#define CLONE_PARENT_SETTID 0x00100000ul
#define CLONE_DETACHED 0x00400000ul
#define CLONE_NEWUSER 0x10000000ul
#define CLONE_NEWPID 0x20000000ul

#define fails (*ufails())

long uthread_clone(unsigned long flags, void *stack, int *ptid, void *tls, int *ctid, int (*fn)(void *),
                   void *arg);


struct ts {
    long sec, nsec;
};

static void msleep(long ms)
{
    struct ts t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

static long now_ms(void) { return unow_ns() / 1000000; }
static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static long wait4_(long p, int *st, long flags) { return sys6(NR_wait4, p, (long)st, flags, 0, 0, 0); }
static long kill_(long p, int sig) { return sys3(NR_kill, p, sig, 0); }

/* waitid's siginfo_t, the SIGCHLD part. */
struct winfo {
    int signo, errno_, code, pad;
    int pid, uid, status, pad2;
    long utime, stime;
    char rest[128 - 48];
};

struct rusage {
    long utime_sec, utime_usec, stime_sec, stime_usec;
    long more[14];
};

static long waitid_(int type, long id, struct winfo *wi, long options, struct rusage *ru)
{
    return sys6(NR_waitid, type, id, (long)wi, options, (long)ru, 0);
}

/* A winfo full of a pattern, to see what waitid writes. */
static void poison(struct winfo *wi)
{
    char *p = (char *)wi;
    for (size_t i = 0; i < sizeof *wi; i++)
        p[i] = (char)0xa5;
}

static long pipe_(int fd[2]) { return sys3(NR_pipe2, (long)fd, 0, 0); }

/* Reaps what a clone that Linux refuses made here, if it made one. */
static long clone_refused(unsigned long flags, long ptid)
{
    long r = sys6_child_exits(NR_clone, (long)flags, 0, ptid, 0, 0, 0);
    if (r > 0)
        wait4_(r, 0, 0x40000000 /* __WALL */);
    return r;
}

static volatile long vf_value, vf_pid;
static long vf_sleep[2] = {0, 100000000};

static int clone_vm_child(void *arg)
{
    long *where = arg;
    /* A mapping made by the child is the parent's too: one address space. */
    long m = sys6(NR_mmap, 0, 4096, 3 /* RW */, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
    if (m > 0)
        *(long *)m = 77;
    *where = m;
    return 9;
}

static char vm_stack[16384] __attribute__((aligned(16)));

int main(int argc, char **argv, char **envp)
{
    if (argc == 6 && ustreq(argv[1], "child") && ustreq(argv[2], "wait")) {
        sys1(NR_close, uatol(argv[4])); /* the write end, inherited */
        struct { int fd; short events, revents; } pfd = {(int)uatol(argv[3]), 1 /* POLLIN */, 0};
        struct { long sec, nsec; } limit = {60, 0};
        char b;
        if (sys6(NR_ppoll, (long)&pfd, 1, (long)&limit, 0, 0, 0) != 1 || sys3(NR_read, pfd.fd, (long)&b, 1) != 0)
            return (int)uatol(argv[5]) + 1;
        return (int)uatol(argv[5]);
    }
    long me = sys1(NR_getpid, 0), uid = sys1(NR_getuid, 0);
    int st = -1, fd[2];
    struct winfo wi;
    long r, c;

    /* ---- orphans ---- */
    /* With no subreaper above us: the orphan's parent is 1, and init (on
     * this kernel the kernel itself, for programs it started) reaps it.
     * The grandchild says its pid and then its getppid through a pipe. */
    pipe_(fd);
    c = ufork();
    if (c == 0) {
        long g = ufork();
        if (g == 0) {
            long gp = sys1(NR_getpid, 0);
            sys3(NR_write, fd[1], (long)&gp, sizeof gp);
            long pp = sys1(NR_getppid, 0);
            for (int i = 0; i < 500 && pp != 1; i++) {
                msleep(10);
                pp = sys1(NR_getppid, 0);
            }
            sys3(NR_write, fd[1], (long)&pp, sizeof pp);
            uexit(0);
        }
        uexit(0); /* the grandchild is an orphan now */
    }
    sys1(NR_close, fd[1]);
    long gpid = 0, gppid = -1;
    sys3(NR_read, fd[0], (long)&gpid, sizeof gpid);
    uexpect(wait4_(c, &st, 0), c, "the orphan's parent ends and is reaped");
    sys3(NR_read, fd[0], (long)&gppid, sizeof gppid);
    sys1(NR_close, fd[0]);
    uexpect(gppid, 1, "an orphan's getppid() is 1 (init)");
    r = 0;
    for (int i = 0; i < 500; i++) { /* init reaps it: kill finds no such process */
        r = kill_(gpid, 0);
        if (r == -ESRCH)
            break;
        msleep(10);
    }
    uexpect(r, -ESRCH, "init reaps the orphan: it is gone");
    uexpect(wait4_(gpid, &st, WNOHANG), -ECHILD, "the orphan is not our child");

    /* A subreaper gets its orphaned descendants, and waits for them. */
    int flag = -1;
    uexpect(sys6(NR_prctl, PR_GET_CHILD_SUBREAPER, (long)&flag, 0, 0, 0, 0), 0, "PR_GET_CHILD_SUBREAPER");
    uexpect(flag, 0, "a process is not a subreaper to start with");
    uexpect(sys6(NR_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER");
    flag = -1;
    sys6(NR_prctl, PR_GET_CHILD_SUBREAPER, (long)&flag, 0, 0, 0, 0);
    uexpect(flag, 1, "PR_GET_CHILD_SUBREAPER says it is one");
    uexpect(sys6(NR_prctl, PR_GET_CHILD_SUBREAPER, 8, 0, 0, 0, 0), -EFAULT, "PR_GET_CHILD_SUBREAPER to a bad pointer");
    int go[2]; /* the grandchild's pid comes up fd, its go-ahead down go */
    pipe_(fd);
    pipe_(go);
    c = ufork();
    if (c == 0) {
        long g = ufork();
        if (g == 0) {
            long pp = 0;
            char b;
            sys3(NR_read, go[0], (long)&b, 1); /* until the parent has ended */
            pp = sys1(NR_getppid, 0);
            uexit(pp == me ? 33 : 34);
        }
        sys3(NR_write, fd[1], (long)&g, sizeof g);
        uexit(0);
    }
    gpid = 0;
    sys3(NR_read, fd[0], (long)&gpid, sizeof gpid);
    uexpect(wait4_(c, &st, 0), c, "the middle process ends");
    sys3(NR_write, go[1], (long)"x", 1);
    sys1(NR_close, fd[0]);
    sys1(NR_close, fd[1]);
    sys1(NR_close, go[0]);
    sys1(NR_close, go[1]);
    st = -1;
    uexpect(wait4_(-1, &st, 0), gpid, "the subreaper reaps its orphaned grandchild");
    uexpect(st, 33 << 8, "whose getppid() was the subreaper");
    uexpect(wait4_(-1, &st, WNOHANG), -ECHILD, "and then has no children");
    /* A child of a subreaper is not one itself; fork keeps no flag. */
    c = ufork();
    if (c == 0) {
        int f = -1;
        sys6(NR_prctl, PR_GET_CHILD_SUBREAPER, (long)&f, 0, 0, 0, 0);
        uexit(f == 0 ? 0 : 1);
    }
    wait4_(c, &st, 0);
    uexpect(st, 0, "fork does not inherit PR_SET_CHILD_SUBREAPER");
    sys6(NR_prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0, 0);

    /* ---- a zombie is a process until reaped ---- */
    c = ufork();
    if (c == 0)
        uexit(4);
    poison(&wi); /* wait for it to end, reaping nothing */
    waitid_(P_PID, c, &wi, WEXITED | WNOWAIT, 0);
    uexpect(kill_(c, 0), 0, "kill(zombie, 0) finds it");
    uexpect(kill_(c, SIGTERM), 0, "kill(zombie, SIGTERM) succeeds");
    uexpect(wait4_(c, &st, 0), c, "the zombie is reaped");
    uexpect(st, 4 << 8, "with its exit code, not the late signal");
    uexpect(kill_(c, 0), -ESRCH, "kill of a reaped pid is ESRCH");

    /* ---- vfork ---- */
    vf_value = 0;
    long t0 = now_ms();
    c = UVFORK();
    if (c == 0) {
        /* The parent's memory: it waits for us, so its stack is ours
         * meanwhile; touch only globals, and end with _exit. */
        sys3(NR_nanosleep, (long)vf_sleep, 0, 0);
        vf_pid = sys1(NR_getpid, 0);
        vf_value = 42;
        sys1(NR_exit, 6);
    }
    long t1 = now_ms();
    uexpect(vf_value, 42, "vfork: the child's store is seen by the parent");
    uexpect(vf_pid, c, "vfork: the child is its own process");
    uexpect(t1 - t0 >= 95, 1, "vfork: the parent slept until the child ended");
    /* Not WNOHANG: the parent goes on once the child has let go of its
     * memory, before the child is a zombie, on Linux (mm_release) as here;
     * a host that stops the child's vCPU in between shows it. */
    uexpect(wait4_(c, &st, 0), c, "vfork: the child is reaped");
    uexpect(st, 6 << 8, "vfork: its exit code");
    /* The new program waits for the parent to close the pipe: the parent
     * must be running while it still is. */
    pipe_(fd);
    char rfd[] = {(char)('0' + fd[0] / 10), (char)('0' + fd[0] % 10), 0};
    char wfd[] = {(char)('0' + fd[1] / 10), (char)('0' + fd[1] % 10), 0};
    char *args[] = {argv[0], "child", "wait", rfd, wfd, "5", 0};
    vf_value = 0;
    c = UVFORK();
    if (c == 0) {
        sys3(NR_execve, (long)args[0], (long)args, (long)envp);
        args[0] = "/bin/uproc2"; /* `run uproc2` names no path */
        sys3(NR_execve, (long)args[0], (long)args, (long)envp);
        vf_value = -1;
        sys1(NR_exit, 99);
    }
    uexpect(vf_value, 0, "vfork: the child's execve worked");
    uexpect(wait4_(c, &st, WNOHANG), 0, "vfork: the parent goes on once the child has called execve");
    sys1(NR_close, fd[0]);
    sys1(NR_close, fd[1]); /* the new program may end now */
    uexpect(wait4_(c, &st, 0), c, "vfork: the exec'd child is reaped");
    uexpect(st, 5 << 8, "vfork: with the new program's exit code (6: the parent never went on before it timed out)");
    c = UVFORK();
    if (c == 0) {
        vf_value = sys3(NR_execve, (long)"/nosuch/program", (long)args, (long)envp);
        sys1(NR_exit, 7);
    }
    uexpect(vf_value, -ENOENT, "vfork: a failed execve returns to the child, the parent still waits");
    uexpect(wait4_(c, &st, 0), c, "and reaps it");

    /* clone(CLONE_VM) without CLONE_THREAD: a process, in our memory. */
    long where = 0;
    c = uthread_clone(CLONE_VM | SIGCHLD, vm_stack + sizeof vm_stack, 0, 0, 0, clone_vm_child, &where);
    uexpect(c > 0, 1, "clone(CLONE_VM | SIGCHLD) makes a child");
    uexpect(wait4_(c, &st, 0), c, "which wait4 reaps, being a process");
    uexpect(st, 9 << 8, "with its exit code");
    uexpect(where > 0 ? *(long *)where : -1, 77, "the child's mmap is in the parent's memory");

    /* ---- clone flags Linux refuses ---- */
    int ptid = 0;
    uexpect(clone_refused(CLONE_SIGHAND | SIGCHLD, 0), -EINVAL, "clone: CLONE_SIGHAND without CLONE_VM is EINVAL");
    uexpect(clone_refused(CLONE_THREAD | CLONE_VM, 0), -EINVAL, "clone: CLONE_THREAD without CLONE_SIGHAND is EINVAL");
    uexpect(clone_refused(CLONE_THREAD | CLONE_FS, 0), -EINVAL, "clone: CLONE_THREAD alone (no VM, no SIGHAND) is EINVAL");
    uexpect(clone_refused(CLONE_NEWNS | CLONE_FS | SIGCHLD, 0), -EINVAL, "clone: CLONE_NEWNS with CLONE_FS is EINVAL");
    uexpect(clone_refused(CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0), -EINVAL, "clone: CLONE_NEWUSER with CLONE_FS is EINVAL");
    uexpect(clone_refused(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, 0), -EINVAL,
           "clone: CLONE_THREAD with CLONE_NEWPID is EINVAL");
    uexpect(clone_refused(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, (long)&ptid), -EINVAL,
           "clone: CLONE_PIDFD with CLONE_PARENT_SETTID is EINVAL");
    uexpect(clone_refused(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, (long)&ptid), -EINVAL,
           "clone: CLONE_PIDFD with CLONE_DETACHED is EINVAL");

    /* ---- waitid ---- */
    c = ufork();
    if (c == 0)
        uexit(3);
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WEXITED | WNOWAIT, 0), 0, "waitid(P_PID, WEXITED | WNOWAIT)");
    uexpect(wi.signo, SIGCHLD, "waitid: si_signo SIGCHLD");
    uexpect(wi.code, CLD_EXITED, "waitid: si_code CLD_EXITED");
    uexpect(wi.pid, c, "waitid: si_pid");
    uexpect(wi.uid, uid, "waitid: si_uid");
    uexpect(wi.status, 3, "waitid: si_status the exit code");
    uexpect(wi.errno_, 0, "waitid: si_errno 0");
    struct rusage ru;
    for (int i = 0; i < 14; i++)
        ru.more[i] = -1;
    ru.utime_sec = ru.utime_usec = ru.stime_sec = ru.stime_usec = -1;
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WEXITED, &ru), 0, "WNOWAIT left it there: waitid(WEXITED) reaps it");
    uexpect(wi.pid == c && wi.status == 3, 1, "the same answer again");
    uexpect(ru.utime_sec >= 0 && ru.utime_usec >= 0 && ru.utime_usec < 1000000 && ru.stime_usec >= 0 &&
               ru.stime_usec < 1000000 && ru.more[13] >= 0,
           1, "waitid fills its rusage");
    uexpect(kill_(c, 0), -ESRCH, "and the child is gone");
    poison(&wi);
    uexpect(waitid_(P_ALL, 0, &wi, WEXITED | WNOHANG, 0), -ECHILD, "waitid with no children: ECHILD");

    /* WNOHANG with a child still running: 0, si_pid and si_signo zeroed. */
    pipe_(fd);
    c = ufork();
    if (c == 0) {
        char b;
        sys3(NR_read, fd[0], (long)&b, 1);
        uexit(0);
    }
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WEXITED | WNOHANG, 0), 0, "waitid(WNOHANG) of a running child: 0");
    uexpect(wi.pid, 0, "waitid(WNOHANG) with nothing to report: si_pid 0");
    uexpect(wi.signo, 0, "and si_signo 0");
    sys3(NR_write, fd[1], (long)"x", 1);
    sys1(NR_close, fd[0]);
    sys1(NR_close, fd[1]);
    uexpect(waitid_(P_PID, c, 0, WEXITED, 0), 0, "waitid with no siginfo still reaps");
    uexpect(kill_(c, 0), -ESRCH, "(the child is gone)");

    /* Stopped, continued, killed. */
    c = ufork();
    if (c == 0) {
        kill_(sys1(NR_getpid, 0), SIGSTOP);
        msleep(10000);
        uexit(1);
    }
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WSTOPPED | WNOWAIT, 0), 0, "waitid(WSTOPPED | WNOWAIT) of a stopping child");
    uexpect(wi.code, CLD_STOPPED, "waitid: CLD_STOPPED");
    uexpect(wi.status, SIGSTOP, "waitid: si_status the stop signal");
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WSTOPPED | WNOHANG, 0), 0, "WNOWAIT kept the stop to report again");
    uexpect(wi.pid == c && wi.code == CLD_STOPPED, 1, "and waitid(WSTOPPED) reports it");
    poison(&wi);
    waitid_(P_PID, c, &wi, WSTOPPED | WNOHANG, 0);
    uexpect(wi.pid, 0, "a stop is reported once");
    st = -1;
    uexpect(wait4_(c, &st, WNOHANG | 2 /* WUNTRACED */), 0, "nor does wait4(WUNTRACED) see it again");
    kill_(c, SIGCONT);
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WCONTINUED, 0), 0, "waitid(WCONTINUED)");
    uexpect(wi.code, CLD_CONTINUED, "waitid: CLD_CONTINUED");
    uexpect(wi.status, SIGCONT, "waitid: si_status SIGCONT");
    uexpect(wi.pid, c, "waitid: and the pid");
    kill_(c, SIGTERM);
    poison(&wi);
    uexpect(waitid_(P_ALL, 0, &wi, WEXITED, 0), 0, "waitid(P_ALL, WEXITED) of a killed child");
    uexpect(wi.code, CLD_KILLED, "waitid: CLD_KILLED");
    uexpect(wi.status, SIGTERM, "waitid: si_status the signal");
    uexpect(wi.pid, c, "waitid: and the pid");

    /* wait4's view of the same: stopped once, continued once. */
    c = ufork();
    if (c == 0) {
        kill_(sys1(NR_getpid, 0), SIGSTOP);
        msleep(10000);
        uexit(1);
    }
    uexpect(wait4_(c, &st, 2 /* WUNTRACED */), c, "wait4(WUNTRACED) of a stopping child");
    uexpect(st, 0x137f, "wait4: status stopped by SIGSTOP");
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WSTOPPED | WNOHANG, 0) == 0 && wi.pid == 0, 1,
           "a stop wait4 reported is not waitid's to report again");
    kill_(c, SIGCONT);
    uexpect(wait4_(c, &st, WCONTINUED), c, "wait4(WCONTINUED)");
    uexpect(st, 0xffff, "wait4: status continued");
    poison(&wi);
    uexpect(waitid_(P_PID, c, &wi, WCONTINUED | WNOHANG, 0) == 0 && wi.pid == 0, 1, "a continue is reported once");
    kill_(c, SIGKILL);
    uexpect(wait4_(c, &st, 0), c, "wait4 reaps the killed child");
    uexpect(st, SIGKILL, "wait4: status killed by SIGKILL");

    /* P_PGID. */
    pipe_(fd);
    c = ufork();
    if (c == 0) {
        char b;
        sys3(NR_setpgid, 0, 0, 0);
        sys3(NR_read, fd[0], (long)&b, 1);
        uexit(8);
    }
    sys3(NR_setpgid, c, c, 0);
    sys3(NR_write, fd[1], (long)"x", 1);
    sys1(NR_close, fd[0]);
    sys1(NR_close, fd[1]);
    poison(&wi);
    uexpect(waitid_(P_PGID, me, &wi, WEXITED | WNOHANG, 0), -ECHILD, "waitid(P_PGID) of a group with no children of ours");
    poison(&wi);
    uexpect(waitid_(P_PGID, c, &wi, WEXITED, 0), 0, "waitid(P_PGID) of the child's own group");
    uexpect(wi.pid == c && wi.status == 8, 1, "waitid(P_PGID): its pid and exit code");
    c = ufork();
    if (c == 0)
        uexit(9);
    poison(&wi);
    uexpect(waitid_(P_PGID, 0, &wi, WEXITED, 0), 0, "waitid(P_PGID, 0): our own group");
    uexpect(wi.pid == c && wi.status == 9, 1, "waitid(P_PGID, 0): the child in it");

    /* Bad arguments. */
    c = ufork();
    if (c == 0)
        uexit(2);
    uexpect(waitid_(P_PID, c, &wi, 0, 0), -EINVAL, "waitid without WEXITED, WSTOPPED or WCONTINUED: EINVAL");
    uexpect(waitid_(7, c, &wi, WEXITED, 0), -EINVAL, "waitid of a bad idtype: EINVAL");
    uexpect(waitid_(P_PID, 0, &wi, WEXITED, 0), -EINVAL, "waitid(P_PID, 0): EINVAL");
    uexpect(waitid_(P_PGID, -1, &wi, WEXITED, 0), -EINVAL, "waitid(P_PGID, -1): EINVAL");
    uexpect(waitid_(P_PID, c, &wi, WEXITED | 0x100, 0), -EINVAL, "waitid with an unknown option: EINVAL");
    uexpect(wait4_(c, &st, WNOWAIT), -EINVAL, "wait4 takes no WNOWAIT: EINVAL");
    uexpect(waitid_(P_PID, me, &wi, WEXITED, 0), -ECHILD, "waitid of a pid not our child: ECHILD");
    uexpect(waitid_(P_PID, c, (struct winfo *)8, WEXITED, 0), -EFAULT, "waitid to a bad siginfo: EFAULT");
    uexpect(kill_(c, 0), -ESRCH, "after reaping the child all the same");

    uputs("uproc2: ");
    uputn(fails);
    uputs(" failed\n");
    return fails;
}
