/*
 * usyscalls: checks the system calls of the first user-mode slice from the
 * program's side, one line each ("ok ..." or "FAIL ..."); exits with the
 * number of failures.
 */
#include "usys.h"

#define fails (*ufails())

#define EFAULT 14
#define ENOSYS 38
#define EINVAL 22
#define EACCES 13
#define EBADF 9

struct ts {
    long sec, nsec;
};

#define ENOMEM 12
#define SIGSEGV 11
#define SIGCHLD 17

/* The wait status of a child that runs @p fn on @p arg. */
static int in_child(void (*fn)(volatile char *), volatile char *arg)
{
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        fn(arg);
        uexit(0);
    }
    int st = -1;
    sys6(NR_wait4, c, (long)&st, 0, 0, 0, 0);
    return st;
}

static void touch_read(volatile char *p) { (void)*p; }
static void touch_write(volatile char *p) { *p = 1; }
static void child_writes(volatile char *p) { p[0] = 99, p[4096] = 98; uexit(p[0] == 99 && p[4096] == 98 ? 3 : 4); }

struct rlim {
    unsigned long cur, max;
};

/* Demand-zero and copy-on-write memory, mprotect, PROT_NONE, prlimit64. */
static void memory_checks(void)
{
    /* 1 GiB: more than the machine has, so only pages touched exist. */
    long big = sys6(NR_mmap, 0, 1ul << 30, 3, 0x22, -1, 0);
    check(big > 0, "mmap of 1 GiB (pages come when touched)");
    if (big > 0) {
        volatile char *b = (volatile char *)big;
        check(b[0] == 0 && b[(1ul << 30) - 1] == 0, "its first and last bytes read zero");
        b[12345] = 7;
        check(b[12345] == 7, "and take a write");
        check(sys3(NR_munmap, big, 1ul << 30, 0) == 0, "munmap of it");
    }
    /* 64 GiB with two pages touched: fork, exit, mprotect and munmap cost
     * what is mapped, not the region's 16M pages (walked one by one, each
     * would take minutes under TCG and this program would time out). */
    unsigned long huge_len = 64ul << 30;
    long huge = sys6(NR_mmap, 0, huge_len, 3, 0x22, -1, 0);
    check(huge > 0, "mmap of 64 GiB");
    if (huge > 0) {
        volatile char *h = (volatile char *)huge;
        h[0] = 5;
        h[huge_len - 1] = 6;
        check(in_child(touch_write, h + huge_len / 2) == 0 && h[huge_len / 2] == 0 && h[0] == 5,
              "a fork of it writes its own copy and exits");
        check(sys3(NR_mprotect, huge, huge_len, 1) == 0 && h[huge_len - 1] == 6, "mprotect of all of it");
        check(sys3(NR_munmap, huge, huge_len, 0) == 0, "munmap of all of it");
    }
    int fresh = 1;
    for (int i = 0; i < 20; i++) { /* the same address each time: every touch a first touch */
        long t = sys6(NR_mmap, 0, 4096, 3, 0x22, -1, 0);
        volatile char *tp = (volatile char *)t;
        fresh &= t > 0 && tp[0] == 0;
        tp[0] = 1;
        sys3(NR_munmap, t, 4096, 0);
    }
    check(fresh, "mmap, touch, munmap twenty times: each page new and zero");
    long m = sys6(NR_mmap, 0, 2 * 4096, 3, 0x22, -1, 0);
    volatile char *p = (volatile char *)m;
    p[0] = 11, p[4096] = 12;
    check(in_child(child_writes, p) == 3 << 8 && p[0] == 11 && p[4096] == 12,
          "a child's writes to shared (copy-on-write) pages stay its own");
    p[0] = 13;
    check(p[0] == 13, "and the parent's next write is its own too");
    check(sys3(NR_mprotect, m, 4096, 1) == 0, "mprotect read-only");
    check(p[0] == 13, "a read-only page keeps its data");
    check(in_child(touch_write, p) == SIGSEGV, "writing it is SIGSEGV");
    check(sys3(NR_mprotect, m, 4096, 3) == 0 && (p[0] = 14, p[0] == 14), "mprotect read-write again");
    check(sys3(NR_mprotect, m, 4096, 0) == 0, "mprotect PROT_NONE");
    check(in_child(touch_read, p) == SIGSEGV, "reading a PROT_NONE page is SIGSEGV");
    check(sys3(NR_write, 1, m, 1) == -EFAULT, "the kernel will not read it either (EFAULT)");
    check(sys3(NR_mprotect, m, 4096, 1) == 0 && p[0] == 14, "and its data is there when readable again");
    check(sys3(NR_mprotect, m, 4096, 7) == -EACCES, "mprotect writable and executable is refused (W^X)");
    check(sys3(NR_mprotect, m + 1, 4096, 1) == -EINVAL, "mprotect of an unaligned address is EINVAL");
    sys3(NR_munmap, m + 4096, 4096, 0);
    check(sys3(NR_mprotect, m, 2 * 4096, 1) == -ENOMEM, "mprotect over a hole is ENOMEM");
    sys3(NR_munmap, m, 4096, 0);
    struct rlim r = {0, 0}, n = {512, 4096};
    check(sys6(NR_prlimit64, 0, 7, 0, (long)&r, 0, 0) == 0 && r.cur == 1024 && r.max == 4096,
          "prlimit64 reads RLIMIT_NOFILE: 1024, 4096");
    check(sys6(NR_prlimit64, 0, 7, (long)&n, 0, 0, 0) == 0 &&
              sys6(NR_prlimit64, 0, 7, 0, (long)&r, 0, 0) == 0 && r.cur == 512,
          "prlimit64 lowers it");
    n.cur = 9000;
    check(sys6(NR_prlimit64, 0, 7, (long)&n, 0, 0, 0) == -EINVAL, "a soft limit over the hard one is EINVAL");
    check(sys6(NR_prlimit64, 0, 99, 0, (long)&r, 0, 0) == -EINVAL, "an unknown resource is EINVAL");
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    check(sys1(NR_getpid, 0) > 0, "getpid is positive");
    check(sys1(NR_getpid, 0) == sys1(NR_gettid, 0), "gettid of the only thread is the pid");
    char uts[6 * 65];
    check(sys1(NR_uname, (long)uts) == 0 && ustreq(uts, "Linux"), "uname says Linux");
    check(sys1(NR_uname, 0) == -EFAULT, "uname(NULL) is EFAULT");
    check(sys1(NR_uname, (long)0xffffffffc0000000ul) == -EFAULT, "uname(kernel address) is EFAULT");
    check(sys3(NR_write, 1, (long)0xffffffffc0000000ul, 8) == -EFAULT, "write from a kernel address is EFAULT");
    check(sys3(NR_write, 1, 4096, 8) == -EFAULT, "write from an unmapped address is EFAULT");
    check(sys3(NR_write, 99, (long)"x", 1) == -EBADF, "write to a closed fd is EBADF");
    check(sys1(4000, 0) == -ENOSYS, "an unknown call is ENOSYS");
    check(sys1(-1, 0) == -ENOSYS, "call -1 is ENOSYS");
    long b0 = sys1(NR_brk, 0);
    long b1 = sys1(NR_brk, b0 + 100000);
    check(b0 > 0 && b1 == b0 + 100000, "brk grows");
    volatile char *heap = (volatile char *)b0;
    heap[0] = 1, heap[99999] = 2;
    check(heap[0] == 1 && heap[99999] == 2, "the grown heap holds data");
    check(sys1(NR_brk, b0) == b0, "brk shrinks back");
    check(sys1(NR_brk, 1) == b0, "brk below its start is refused with the current end");
    long m = sys6(NR_mmap, 0, 3 * 4096, 3, 0x22, -1, 0);
    check(m > 0 && (m & 4095) == 0, "mmap of anonymous memory");
    if (m > 0) {
        volatile long *mp = (volatile long *)m;
        check(mp[0] == 0 && mp[3 * 512 - 1] == 0, "mmap'd memory is zeroed");
        mp[0] = 42;
        check(mp[0] == 42, "mmap'd memory is writable");
        check(sys3(NR_munmap, m, 3 * 4096, 0) == 0, "munmap");
    }
    memory_checks();
    check(sys6(NR_mmap, 0, 4096, 7, 0x22, -1, 0) == -EACCES, "mmap writable and executable is refused (W^X)");
    check(sys6(NR_mmap, 0, 0, 3, 0x22, -1, 0) == -EINVAL, "mmap of 0 bytes is EINVAL");
    struct ts a, c;
    check(sys3(NR_clock_gettime, 1, (long)&a, 0) == 0, "clock_gettime(MONOTONIC)");
    struct ts req = {0, 20000000};
    check(sys3(NR_nanosleep, (long)&req, 0, 0) == 0, "nanosleep 20 ms");
    sys3(NR_clock_gettime, 1, (long)&c, 0);
    long slept = (c.sec - a.sec) * 1000000000 + (c.nsec - a.nsec);
    check(slept >= 20000000, "the monotonic clock saw the 20 ms");
    check(sys3(NR_clock_gettime, 1, 16, 0) == -EFAULT, "clock_gettime to a bad pointer is EFAULT");
    /* The wall clock: gettimeofday agrees with CLOCK_REALTIME, and an
     * absolute sleep on it ends at its deadline, not before; one already
     * past returns at once. */
    struct ts w0, w1, tv;
    check(sys3(NR_clock_gettime, 0, (long)&w0, 0) == 0, "clock_gettime(REALTIME)");
    check(sys3(NR_gettimeofday, (long)&tv, 0, 0) == 0 && tv.sec >= w0.sec && tv.sec - w0.sec < 60 &&
              tv.nsec < 1000000, "gettimeofday: the same seconds, and microseconds");
    struct ts until = {w0.sec, w0.nsec + 30000000};
    if (until.nsec >= 1000000000)
        until.sec++, until.nsec -= 1000000000;
    check(sys6(NR_clock_nanosleep, 0, 1 /* TIMER_ABSTIME */, (long)&until, 0, 0, 0) == 0,
          "clock_nanosleep(REALTIME, TIMER_ABSTIME) to 30 ms on");
    sys3(NR_clock_gettime, 0, (long)&w1, 0);
    check(w1.sec > until.sec || (w1.sec == until.sec && w1.nsec >= until.nsec), "and the wall clock is past it");
    sys3(NR_clock_gettime, 1, (long)&a, 0);
    struct ts boot = {0, 0};
    check(sys6(NR_clock_nanosleep, 1, 1, (long)&boot, 0, 0, 0) == 0 &&
              sys6(NR_clock_nanosleep, 0, 1, (long)&w0, 0, 0, 0) == 0,
          "an absolute deadline in the past returns at once (MONOTONIC, REALTIME)");
    sys3(NR_clock_gettime, 1, (long)&c, 0);
    check((c.sec - a.sec) * 1000000000 + (c.nsec - a.nsec) < 1000000000, "(without sleeping)");
    unsigned char r[32] = {0};
    check(sys3(NR_getrandom, (long)r, sizeof r, 0) == (long)sizeof r, "getrandom fills 32 bytes");
    int nonzero = 0;
    for (unsigned i = 0; i < sizeof r; i++)
        nonzero += r[i] != 0;
    check(nonzero > 16, "getrandom's bytes are not all zero");
    check(sys1(NR_sched_yield, 0) == 0, "sched_yield");
    check(sys3(NR_kill, sys1(NR_getpid, 0), 0, 0) == 0, "kill(self, 0) finds itself");
    uputs("usyscalls: ");
    uputn(fails);
    uputs(" failed\n");
    return fails;
}
