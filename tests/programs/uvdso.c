/*
 * uvdso: the vDSO as a program without a C library finds and uses it,
 * each check Linux's answer (judged by Linux: linux_uvdso). The image from
 * AT_SYSINFO_EHDR, its dynamic symbols and their versions read from its
 * own tables (DT_SYMTAB, DT_STRTAB, DT_HASH, DT_VERSYM, DT_VERDEF), Linux's
 * names at Linux's version for this arch (usys_arch.h's UVDSO_*); then
 * clock_gettime, gettimeofday, clock_getres (and time where the arch has
 * it) called through it and compared with the system calls: monotonic
 * time between two system calls, the wall clock too; CPU clocks and bad
 * clocks answered as the system call answers; a handler without
 * sa_restorer returning through the vDSO's signal return where the arch
 * has one.
 *   uvdso            the checks
 *   uvdso loop N     N clock_gettime calls through the vDSO and none else
 *                    (the QEMU test counts the system calls made)
 *   uvdso bench      "bench:" lines: ns a call through the vDSO and as a
 *                    system call
 */
#include "uchild.h"
#include "uvdso.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_BOOTTIME 7
#define SIGUSR1 10
#define EINVAL 22
#define EFAULT 14

struct ts {
    long sec, nsec;
};
struct tv {
    long sec, usec;
};

static struct uvdso vd;


static void *lookup(const char *name, const char *version) { return uvdso_sym(&vd, name, version); }

typedef long (*gettime_fn)(long, struct ts *);
typedef long (*gettimeofday_fn)(struct tv *, void *);
typedef long (*time_fn)(long *);

static long ns_of(struct ts t) { return t.sec * 1000000000l + t.nsec; }

static long sys_ns(long clk)
{
    struct ts t;
    sys3(NR_clock_gettime, clk, (long)&t, 0);
    return ns_of(t);
}

static void check_clock(gettime_fn gt, long clk, const char *what)
{
    int ordered = 1, good = 1;
    for (int i = 0; i < 200; i++) {
        struct ts v = {-1, -1};
        long a = sys_ns(clk);
        good &= gt(clk, &v) == 0 && v.nsec >= 0 && v.nsec < 1000000000l;
        long b = sys_ns(clk);
        ordered &= a <= ns_of(v) && ns_of(v) <= b;
    }
    uputs(what), uputs(":\n");
    check(good, "  returns 0 and a normalised time");
    check(ordered, "  system call <= vDSO <= system call, 200 times");
}

/* The system call's copy-out as the page's rights change under it: each
 * answer Linux's, whatever the kernel remembered of the page from the call
 * before (kernel/user/proc.c, prefault_current()). */
#define PAGE 4096
static void child_writes(long m)
{
    struct ts *t = (struct ts *)(m + 64);
    t->sec = -1;
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), 0, "in a forked child: into the page it shares until written");
    uexit(t->sec >= 0 ? 0 : 1);
}

static void check_copy_out(void)
{
    long m = sys6(NR_mmap, 0, 2 * PAGE, 3 /* PROT_READ | PROT_WRITE */, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
    check(m > 0, "mmap of 2 pages");
    if (m <= 0)
        return;
    struct ts *t = (struct ts *)(m + 64);
    for (int i = 0; i < 2; i++)
        uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), 0, "clock_gettime into a writable page");
    sys3(NR_mprotect, m, PAGE, 1 /* PROT_READ */);
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), -EFAULT, "  the page made read-only: -EFAULT");
    sys3(NR_mprotect, m, PAGE, 0);
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), -EFAULT, "  made PROT_NONE: -EFAULT");
    sys3(NR_mprotect, m, PAGE, 3);
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), 0, "  writable again: 0");
    long before = t->sec;
    reap(fork_child(child_writes, m), "the child's call wrote its own copy");
    check(t->sec == before, "  the parent's page unchanged by the child's call");
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), 0, "  the parent's call after the fork: 0");
    sys3(NR_munmap, m, PAGE, 0);
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)t, 0), -EFAULT, "  unmapped: -EFAULT");
    uexpect(sys3(NR_clock_gettime, CLOCK_MONOTONIC, m + PAGE + 64, 0), 0, "  the next page, still mapped: 0");
    sys3(NR_munmap, m + PAGE, PAGE, 0);
}

static gettime_fn child_gt;

/* In a forked child: the mapping fork copied still answers. */
static void vdso_in_child(long unused)
{
    (void)unused;
    struct ts v;
    long a = sys_ns(CLOCK_MONOTONIC), r = child_gt(CLOCK_MONOTONIC, &v), b = sys_ns(CLOCK_MONOTONIC);
    check(r == 0 && a <= ns_of(v) && ns_of(v) <= b, "in a forked child: system call <= vDSO <= system call");
}

static volatile int handled;
static volatile unsigned long handler_ret;

__attribute__((noinline)) static void on_usr1(int sig)
{
    handled = sig;
    handler_ret = (unsigned long)__builtin_return_address(0);
}

static void check_signal(void)
{
    struct usigaction a = {0};
    a.handler = (unsigned long)on_usr1;
#ifdef USA_RESTORER
    a.flags |= 0x04000000ul; /* SA_RESTORER */
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    uexpect(sys6(NR_rt_sigaction, SIGUSR1, (long)&a, 0, 8, 0, 0), 0, "rt_sigaction(SIGUSR1)");
    uexpect(sys3(NR_kill, sys1(NR_getpid, 0), SIGUSR1, 0), 0, "kill(getpid(), SIGUSR1)");
    uexpect(handled, SIGUSR1, "the handler ran and returned to the program");
#ifdef UVDSO_SIGRETURN
    void *sr = lookup(UVDSO_SIGRETURN, UVDSO_VERSION);
    check(sr != 0, UVDSO_SIGRETURN "@" UVDSO_VERSION);
    check(handler_ret == (unsigned long)sr, "the handler returns to " UVDSO_SIGRETURN);
#endif
}

int main(int argc, char **argv, char **envp)
{
    const char *bad = uvdso_open(&vd, envp);
    if (!vd.base && uskip_on_qemu_user("the vDSO (qemu-user before 8.1 has none)")) {
        uputs("uvdso: 0 failed\n");
        return 0;
    }
    check(!bad, bad ? bad : "AT_SYSINFO_EHDR: an ELF shared object with its symbol and version tables");
    if (bad)
        goto out;
    gettime_fn gt = (gettime_fn)lookup(UVDSO_CLOCK_GETTIME, UVDSO_VERSION);
    gettimeofday_fn gtod = (gettimeofday_fn)lookup(UVDSO_GETTIMEOFDAY, UVDSO_VERSION);
    gettime_fn gres = (gettime_fn)lookup(UVDSO_CLOCK_GETRES, UVDSO_VERSION);
    check(gt != 0, UVDSO_CLOCK_GETTIME "@" UVDSO_VERSION);
    check(gtod != 0, UVDSO_GETTIMEOFDAY "@" UVDSO_VERSION);
    check(gres != 0, UVDSO_CLOCK_GETRES "@" UVDSO_VERSION);
    check(lookup(UVDSO_CLOCK_GETTIME, "LINUX_0.0") == 0, "no such symbol at another version");
    if (!gt || !gtod || !gres)
        goto out;

    if (argc == 3 && ustreq(argv[1], "loop")) {
        long n = uatol(argv[2]), bad = 0;
        struct ts t, last = {0, 0};
        for (long i = 0; i < n; i++) {
            gt(CLOCK_MONOTONIC, &t);
            bad += ns_of(t) < ns_of(last);
            last = t;
        }
        uputs("uvdso: "), uputn(n), uputs(" calls, "), uputn(bad), uputs(" backwards\n");
        return bad != 0;
    }
    if (argc == 2 && ustreq(argv[1], "bench")) {
        struct ts t;
        long n = 20000, t0 = unow_ns();
        for (long i = 0; i < n; i++)
            gt(CLOCK_MONOTONIC, &t);
        long t1 = unow_ns();
        for (long i = 0; i < n; i++)
            sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
        long t2 = unow_ns();
        ureport("vdso_clock_gettime_ns", (t1 - t0) / n, "ns");
        ureport("syscall_clock_gettime_ns", (t2 - t1) / n, "ns");
        return 0;
    }

    check_clock(gt, CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
    check_clock(gt, CLOCK_REALTIME, "CLOCK_REALTIME");
    check_clock(gt, CLOCK_BOOTTIME, "CLOCK_BOOTTIME");
    check_clock(gt, 4, "CLOCK_MONOTONIC_RAW");
    check_clock(gt, 5, "CLOCK_REALTIME_COARSE");
    check_clock(gt, 6, "CLOCK_MONOTONIC_COARSE");
    struct ts c = {-1, -1};
    uexpect(gt(CLOCK_PROCESS_CPUTIME_ID, &c), 0, "CLOCK_PROCESS_CPUTIME_ID through the vDSO");
    check(c.sec >= 0 && c.nsec >= 0 && c.nsec < 1000000000l, "  a CPU time");
    uexpect(gt(100, &c), -EINVAL, "clock 100: -EINVAL, as the system call");
    uexpect(gt(-1, &c), -EINVAL, "clock -1 (pid 0's CPU clock, no such): -EINVAL");

    /* gettimeofday: microseconds between two CLOCK_REALTIME readings. */
    int ordered = 1;
    for (int i = 0; i < 100; i++) {
        struct tv v = {-1, -1};
        long a = sys_ns(CLOCK_REALTIME) / 1000;
        long r = gtod(&v, 0);
        long b = sys_ns(CLOCK_REALTIME) / 1000;
        ordered &= r == 0 && v.usec >= 0 && v.usec < 1000000 && a <= v.sec * 1000000 + v.usec &&
                   v.sec * 1000000 + v.usec <= b;
    }
    check(ordered, "gettimeofday: between two CLOCK_REALTIME system calls, 100 times");
    struct {
        int minuteswest, dsttime;
    } tz = {-1, -1};
    struct tv v;
    uexpect(gtod(&v, &tz), 0, "gettimeofday(&tv, &tz)");
    uexpect(gtod(0, 0), 0, "gettimeofday(NULL, NULL)");
    struct tv sv;
    sys3(NR_gettimeofday, (long)&sv, 0, 0);
    check(v.sec - sv.sec <= 1 && sv.sec - v.sec <= 1, "  the same second as the system call's");

    struct ts r = {-1, -1}, sr = {-2, -2};
    uexpect(gres(CLOCK_MONOTONIC, &r), 0, "clock_getres(CLOCK_MONOTONIC)");
    sys3(NR_clock_getres, CLOCK_MONOTONIC, (long)&sr, 0);
    check(r.sec == sr.sec && r.nsec == sr.nsec, "  what the system call says");
    uexpect(gres(CLOCK_REALTIME, &r), 0, "clock_getres(CLOCK_REALTIME)");
    sys3(NR_clock_getres, CLOCK_REALTIME, (long)&sr, 0);
    check(r.sec == sr.sec && r.nsec == sr.nsec, "  what the system call says");
    uexpect(gres(CLOCK_MONOTONIC, 0), 0, "clock_getres(CLOCK_MONOTONIC, NULL)");
    uexpect(gres(100, &r), -EINVAL, "clock_getres(100): -EINVAL");

#ifdef UVDSO_TIME
    time_fn tm = (time_fn)lookup(UVDSO_TIME, UVDSO_VERSION);
    check(tm != 0, UVDSO_TIME "@" UVDSO_VERSION);
    if (tm) {
        long a = sys1(NR_time, 0), t = -1, got = tm(&t), b = sys1(NR_time, 0);
        check(a <= got && got <= b && t == got, "time(): between two system calls, and stored");
    }
#endif
#ifdef UVDSO_GETCPU
    typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);
    getcpu_fn gc = (getcpu_fn)lookup(UVDSO_GETCPU, UVDSO_VERSION);
    check(gc != 0, UVDSO_GETCPU "@" UVDSO_VERSION);
    if (gc) {
        /* The CPU may change between calls: the same answer as two system
         * calls around it that agree, in one of 100 tries. */
        int same = 0;
        for (int i = 0; i < 100 && !same; i++) {
            unsigned a = 99, b = 98, v = 97, node = 96;
            sys3(NR_getcpu, (long)&a, 0, 0);
            long r = gc(&v, &node, 0);
            sys3(NR_getcpu, (long)&b, 0, 0);
            same = a == b && r == 0 && v == a && node == 0;
        }
        check(same, "getcpu(): the system call's CPU, node 0");
        uexpect(gc(0, 0, 0), 0, "getcpu(NULL, NULL)");
    }
#endif
    check_copy_out();
    child_gt = gt;
    reap(fork_child(vdso_in_child, 0), "the forked child ended by a signal");
    check_signal();
out:
    uputs("uvdso: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails() != 0;
}
