/*
 * ulimits: resource limits, CPU affinity and a few descriptor calls that
 * Debian's programs make (glibc's getrlimit/setrlimit, python's
 * close_range and posix_fadvise, sched_getaffinity behind nproc), against
 * Linux's answers, one line each ("ok ..." or "FAIL ..."); exits with the
 * number of failures. Every check is Linux's answer: the program also runs
 * on the build host's Linux (cmake/linux_judged.cmake), as root there too.
 *
 * Usage: ulimits [DIR]; DIR (default /tmp) is writable. Run as root: a
 * forked child gives root up to see the EPERM cases.
 *
 * getrlimit, setrlimit, prlimit64 of itself and of a child, their errors
 * (EFAULT before EINVAL, RLIMIT_NOFILE's ceiling, another user's process,
 * a raised hard limit); sched_getaffinity and sched_setaffinity (the mask
 * size, one CPU only and getcpu then on it, an empty mask, another user's
 * process); getcpu; close_range (closing, CLOSE_RANGE_CLOEXEC, errors);
 * fadvise64; get_robust_list; sysinfo (its size, uptime and MemTotal as
 * /proc says, EFAULT); getrandom's flags and errors; dup2 (x86_64).
 */
#include "usys.h"
#include "uchild.h"
#include "umem.h"

enum { AT_FDCWD = -100 };
enum { O_RDWR = 2, O_CREAT = 0100 };
enum { EPERM = 1, ESRCH = 3, EBADF = 9, EFAULT = 14, EINVAL = 22, ESPIPE = 29 };
enum { RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, F_GETFD = 1 };
#define NOBODY 65534
#define BAD_PTR 8l /* never mapped */
#define NO_PID 99999999l

#define fails (*ufails())

struct rlim {
    unsigned long cur, max;
};

static long get_lim(int res, struct rlim *r) { return sys3(NR_getrlimit, res, (long)r, 0); }
static long set_lim(int res, const struct rlim *r) { return sys3(NR_setrlimit, res, (long)r, 0); }
static long prlim(long pid, int res, const struct rlim *n, struct rlim *o)
{
    return sys6(NR_prlimit64, pid, res, (long)n, (long)o, 0, 0);
}

static void become_nobody(void)
{
    check(sys3(NR_setresgid, NOBODY, NOBODY, NOBODY) == 0 && sys3(NR_setresuid, NOBODY, NOBODY, NOBODY) == 0,
          "the child gives root up");
}

/* ---- limits ---- */

static void nobody_limits(long parent)
{
    become_nobody();
    struct rlim r, lower;
    get_lim(RLIMIT_NOFILE, &r);
    lower = (struct rlim){r.cur / 2, r.max / 2};
    uexpect(set_lim(RLIMIT_NOFILE, &lower), 0, "a user lowers its hard limit");
    uexpect(set_lim(RLIMIT_NOFILE, &r), -EPERM, "and may not raise it again: EPERM");
    get_lim(RLIMIT_NOFILE, &r);
    uexpect((long)r.max, (long)lower.max, "the lowered hard limit stays");
    uexpect(prlim(parent, RLIMIT_NOFILE, 0, &r), -EPERM, "prlimit64 of root's process: EPERM");
}

static void child_waits(long fd)
{
    char c;
    sys3(NR_read, fd, (long)&c, 1);
    struct rlim r;
    get_lim(RLIMIT_NOFILE, &r);
    uexpect((long)r.cur, 50, "the child sees the soft limit its parent set");
}

static void limits(void)
{
    struct rlim r = {1, 1}, p = {2, 2};
    uexpect(get_lim(RLIMIT_NOFILE, &r), 0, "getrlimit(RLIMIT_NOFILE)");
    uexpect(prlim(0, RLIMIT_NOFILE, 0, &p), 0, "prlimit64 reads it");
    check(r.cur == p.cur && r.max == p.max && r.cur <= r.max, "the same limit both ways");
    struct rlim lower = {r.cur - 1, r.max}, got;
    uexpect(set_lim(RLIMIT_NOFILE, &lower), 0, "setrlimit lowers the soft limit");
    prlim(0, RLIMIT_NOFILE, 0, &got);
    uexpect((long)got.cur, (long)lower.cur, "prlimit64 sees setrlimit's");
    uexpect(prlim(0, RLIMIT_NOFILE, &r, &got), 0, "prlimit64 sets it back");
    uexpect((long)got.cur, (long)lower.cur, "and returns the limit before");
    uexpect(get_lim(99, &got), -EINVAL, "getrlimit of no resource: EINVAL");
    uexpect(get_lim(RLIMIT_NOFILE, (struct rlim *)0), -EFAULT, "getrlimit to NULL: EFAULT");
    uexpect(set_lim(RLIMIT_NOFILE, (struct rlim *)0), -EFAULT, "setrlimit from NULL: EFAULT");
    uexpect(set_lim(99, (struct rlim *)BAD_PTR), -EFAULT, "setrlimit reads before it checks: EFAULT");
    struct rlim inverted = {r.max, r.cur - 1};
    uexpect(set_lim(RLIMIT_NOFILE, &inverted), -EINVAL, "a soft limit above the hard one: EINVAL");
    struct rlim huge = {1024, 1ul << 21};
    uexpect(set_lim(RLIMIT_NOFILE, &huge), -EPERM, "RLIMIT_NOFILE past fs.nr_open: EPERM, root too");
    uexpect(prlim(-1, RLIMIT_NOFILE, 0, &got), -ESRCH, "prlimit64 of pid -1: ESRCH");
    uexpect(prlim(NO_PID, RLIMIT_NOFILE, 0, &got), -ESRCH, "prlimit64 of no process: ESRCH");
    get_lim(RLIMIT_STACK, &got);
    check(got.cur >= 8ul << 20, "RLIMIT_STACK: at least 8 MiB");

    int fds[2];
    sys3(NR_pipe2, (long)fds, 0, 0);
    long c = fork_child(child_waits, fds[0]);
    struct rlim fifty = {50, r.max};
    uexpect(prlim(c, RLIMIT_NOFILE, &fifty, &got), 0, "prlimit64 sets a child's soft limit");
    uexpect((long)got.cur, (long)r.cur, "and reads the child's old one");
    sys3(NR_write, fds[1], (long)"x", 1);
    reap(c, "the child ends");
    sys1(NR_close, fds[0]);
    sys1(NR_close, fds[1]);
    in_child(nobody_limits, sys1(NR_getpid, 0));
}

/* ---- affinity ---- */

static int lowest_bit(unsigned long m)
{
    for (int i = 0; i < 64; i++)
        if (m >> i & 1)
            return i;
    return -1;
}

static void nobody_affinity(long parent)
{
    become_nobody();
    unsigned long m[16] = {0};
    check(sys3(NR_sched_getaffinity, parent, sizeof m, (long)m) > 0, "a user reads root's affinity");
    uexpect(sys3(NR_sched_setaffinity, parent, sizeof m, (long)m), -EPERM, "but may not set it: EPERM");
    check(sys3(NR_sched_setaffinity, 0, sizeof m, (long)m) == 0, "its own it may");
}

static void affinity(void)
{
    unsigned long all[16] = {0}, m[16];
    long n = sys3(NR_sched_getaffinity, 0, sizeof all, (long)all);
    check(n > 0 && n % 8 == 0 && n <= (long)sizeof all, "sched_getaffinity: whole words written");
    check(all[0] != 0, "sched_getaffinity: some CPU");
    unsigned cpu = 999, node = 999;
    uexpect(sys3(NR_getcpu, (long)&cpu, (long)&node, 0), 0, "getcpu");
    check(cpu < 64 && (all[0] >> cpu & 1), "getcpu: a CPU of the mask");
    uexpect(node, 0, "getcpu: node 0");
    uexpect(sys3(NR_getcpu, 0, 0, 0), 0, "getcpu with NULL pointers");
    uexpect(sys3(NR_getcpu, BAD_PTR, 0, 0), -EFAULT, "getcpu to a bad pointer: EFAULT");
    uexpect(sys3(NR_sched_getaffinity, 0, 4, (long)m), -EINVAL, "sched_getaffinity of 4 bytes: EINVAL");
    uexpect(sys3(NR_sched_getaffinity, 0, 12, (long)m), -EINVAL, "of 12 bytes: EINVAL");
    uexpect(sys3(NR_sched_getaffinity, 0, 8, BAD_PTR), -EFAULT, "to a bad pointer: EFAULT");
    uexpect(sys3(NR_sched_getaffinity, -1, 8, (long)m), -ESRCH, "of pid -1: ESRCH");
    uexpect(sys3(NR_sched_getaffinity, NO_PID, 8, (long)m), -ESRCH, "of no process: ESRCH");
    int last = 63;
    while (last > 0 && !(all[0] >> last & 1))
        last--;
    unsigned long one = 1ul << last;
    uexpect(sys3(NR_sched_setaffinity, 0, 8, (long)&one), 0, "sched_setaffinity to one CPU");
    memset(m, 0, sizeof m);
    sys3(NR_sched_getaffinity, 0, sizeof m, (long)m);
    uexpect((long)m[0], (long)one, "sched_getaffinity: that CPU only");
    sys1(NR_sched_yield, 0);
    sys3(NR_getcpu, (long)&cpu, 0, 0);
    uexpect(cpu, last, "getcpu: the thread runs there");
    unsigned char first = (unsigned char)(1u << lowest_bit(all[0]));
    /* (qemu-user converts masks a whole word at a time) */
    if (lowest_bit(all[0]) < 8 && !uskip_on_qemu_user("sched_setaffinity of one byte")) {
        uexpect(sys3(NR_sched_setaffinity, 0, 1, (long)&first), 0, "sched_setaffinity of one byte");
        sys3(NR_sched_getaffinity, 0, sizeof m, (long)m);
        uexpect((long)m[0], first, "takes that byte");
    }
    unsigned long none = 0, absent = 1ul << 60;
    uexpect(sys3(NR_sched_setaffinity, 0, 8, (long)&none), -EINVAL, "an empty mask: EINVAL");
    uexpect(sys3(NR_sched_setaffinity, 0, 8, (long)&absent), -EINVAL, "a mask of absent CPUs: EINVAL");
    uexpect(sys3(NR_sched_setaffinity, 0, 8, BAD_PTR), -EFAULT, "from a bad pointer: EFAULT");
    uexpect(sys3(NR_sched_setaffinity, NO_PID, 8, (long)all), -ESRCH, "of no process: ESRCH");
    uexpect(sys3(NR_sched_setaffinity, 0, sizeof all, (long)all), 0, "every CPU again");
    sys3(NR_sched_getaffinity, 0, sizeof m, (long)m);
    uexpect((long)m[0], (long)all[0], "the mask as it was");
    in_child(nobody_affinity, sys1(NR_getpid, 0));
}

/* ---- descriptors ---- */

static long fd_flags(long fd) { return sys3(NR_fcntl, fd, F_GETFD, 0); }

static void descriptors(const char *dir)
{
    for (long fd = 40; fd <= 44; fd++)
        sys3(NR_dup3, 0, fd, 0);
    uexpect(sys3(NR_close_range, 41, 43, 0), 0, "close_range(41, 43)");
    check(fd_flags(40) >= 0 && fd_flags(44) >= 0, "the descriptors around it stay open");
    check(fd_flags(41) == -EBADF && fd_flags(42) == -EBADF && fd_flags(43) == -EBADF, "the ones in it are closed");
    uexpect(sys3(NR_close_range, 40, 44, 4 /* CLOSE_RANGE_CLOEXEC */), 0, "close_range with CLOSE_RANGE_CLOEXEC");
    check(fd_flags(40) == 1 && fd_flags(44) == 1, "marks them close-on-exec");
    uexpect(sys3(NR_close_range, 5, 4, 0), -EINVAL, "close_range with first > last: EINVAL");
    uexpect(sys3(NR_close_range, 40, 44, 1), -EINVAL, "with an unknown flag: EINVAL");
    uexpect(sys3(NR_close_range, 1000, ~0u, 0), 0, "over no descriptor: 0");
    uexpect(sys3(NR_close_range, 40, ~0u, 0), 0, "close_range(40, ~0U)");
    check(fd_flags(40) == -EBADF && fd_flags(44) == -EBADF, "closes them all");

    char path[256];
    unsigned n = 0;
    for (const char *s = dir; *s && n < 200; s++)
        path[n++] = *s;
    for (const char *s = "/ulimits.tmp"; *s; s++)
        path[n++] = *s;
    path[n] = 0;
    long f = sys6(NR_openat, AT_FDCWD, (long)path, O_RDWR | O_CREAT, 0600, 0, 0);
    check(f >= 0, "a file to advise on");
    int bad = 0;
    for (long adv = 0; adv <= 5; adv++)
        bad += sys6(NR_fadvise64, f, 0, 4096, adv, 0, 0) != 0;
    uexpect(bad, 0, "fadvise64: every advice of Linux's taken");
    uexpect(sys6(NR_fadvise64, f, 0, 4096, 6, 0, 0), -EINVAL, "fadvise64 of unknown advice: EINVAL");
    uexpect(sys6(NR_fadvise64, f, 0, -1, 0, 0, 0), -EINVAL, "of a negative length: EINVAL");
    uexpect(sys6(NR_fadvise64, 77, 0, 0, 0, 0, 0), -EBADF, "of a closed descriptor: EBADF");
    int p[2];
    sys3(NR_pipe2, (long)p, 0, 0);
    uexpect(sys6(NR_fadvise64, p[0], 0, 0, 0, 0, 0), -ESPIPE, "of a pipe: ESPIPE");
    sys1(NR_close, p[0]);
    sys1(NR_close, p[1]);
    sys1(NR_close, f);
    sys3(NR_unlinkat, AT_FDCWD, (long)path, 0);
}

static void robust(void)
{
    static long head[3];
    if (uskip_on_qemu_user("set_robust_list and get_robust_list (qemu-user has neither)"))
        return;
    unsigned long got = 0, len = 0;
    uexpect(sys3(NR_set_robust_list, (long)head, 24, 0), 0, "set_robust_list");
    uexpect(sys3(NR_get_robust_list, 0, (long)&got, (long)&len), 0, "get_robust_list");
    check(got == (unsigned long)head && len == 24, "gives the head and its size back");
    uexpect(sys3(NR_get_robust_list, 0, BAD_PTR, (long)&len), -EFAULT, "to a bad pointer: EFAULT");
    uexpect(sys3(NR_get_robust_list, NO_PID, (long)&got, (long)&len), -ESRCH, "of no thread: ESRCH");
}

/* ---- sysinfo, getrandom's flags, dup2 ---- */

/* The whole number at the start of the first line of @p path that begins
 * with @p key (NULL: the file's start); -1 if none. */
static long number_in(const char *path, const char *key)
{
    static char buf[8192];
    long fd = sys6(NR_openat, AT_FDCWD, (long)path, 0, 0, 0, 0), n = 0, r;
    if (fd < 0)
        return -1;
    while (n < (long)sizeof buf - 1 && (r = sys3(NR_read, fd, (long)(buf + n), (long)sizeof buf - 1 - n)) > 0)
        n += r;
    sys1(NR_close, fd);
    buf[n] = 0;
    const char *p = buf;
    size_t kl = key ? ustrlen(key) : 0;
    while (key && *p && !memeq(p, key, kl)) {
        while (*p && *p != '\n')
            p++;
        if (*p)
            p++;
    }
    if (!*p)
        return -1;
    p += kl;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p >= '0' && *p <= '9' ? uatol(p) : -1;
}

/* Linux's struct sysinfo on a 64-bit machine: 112 bytes. */
struct usysinfo {
    long uptime;
    unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    unsigned short procs, pad;
    unsigned long totalhigh, freehigh;
    unsigned mem_unit;
    char rest[4];
};

static void misc(void)
{
    union {
        struct usysinfo si;
        unsigned char b[160];
    } u;
    for (unsigned i = 0; i < sizeof u.b; i++)
        u.b[i] = 0xa5;
    long up0 = number_in("/proc/uptime", 0);
    uexpect(sys1(NR_sysinfo, (long)&u.si), 0, "sysinfo");
    long up1 = number_in("/proc/uptime", 0);
    check(sizeof u.si == 112 && u.b[112] == 0xa5 && u.b[159] == 0xa5, "sysinfo writes 112 bytes, no more");
    check(u.si.uptime >= up0 && u.si.uptime <= up1 + 1, "sysinfo's uptime is /proc/uptime's seconds");
    long total_kb = number_in("/proc/meminfo", "MemTotal:");
    check(u.si.mem_unit >= 1 && total_kb > 0 &&
              u.si.totalram * u.si.mem_unit == (unsigned long)total_kb * 1024,
          "totalram times mem_unit is /proc/meminfo's MemTotal");
    check(u.si.freeram <= u.si.totalram && u.si.freeram > 0, "freeram: some, not more than totalram");
    check(u.si.procs >= 1 && u.si.totalhigh == 0 && u.si.freehigh == 0, "procs at least 1, no high memory");
    if (!uskip_on_qemu_user("sysinfo(NULL) (qemu-user answers 0)"))
        uexpect(sys1(NR_sysinfo, 0), -EFAULT, "sysinfo(NULL): EFAULT");
    uexpect(sys1(NR_sysinfo, BAD_PTR), -EFAULT, "sysinfo of an unmapped address: EFAULT");

    enum { GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4 };
    unsigned char r[64];
    uexpect(sys3(NR_getrandom, (long)r, 16, 0), 16, "getrandom");
    uexpect(sys3(NR_getrandom, (long)r, 16, GRND_NONBLOCK), 16, "getrandom GRND_NONBLOCK");
    uexpect(sys3(NR_getrandom, (long)r, 16, GRND_RANDOM), 16, "getrandom GRND_RANDOM");
    uexpect(sys3(NR_getrandom, (long)r, 16, GRND_INSECURE), 16, "getrandom GRND_INSECURE");
    uexpect(sys3(NR_getrandom, (long)r, 64, GRND_RANDOM | GRND_NONBLOCK), 64, "GRND_RANDOM | GRND_NONBLOCK");
    uexpect(sys3(NR_getrandom, (long)r, 0, 0), 0, "getrandom of 0 bytes: 0");
    uexpect(sys3(NR_getrandom, (long)r, 16, 8), -EINVAL, "getrandom with an unknown flag: EINVAL");
    uexpect(sys3(NR_getrandom, (long)r, 16, GRND_INSECURE | GRND_RANDOM), -EINVAL,
            "GRND_INSECURE with GRND_RANDOM: EINVAL");
    uexpect(sys3(NR_getrandom, 0, 16, 0), -EFAULT, "getrandom into NULL: EFAULT");
    uexpect(sys3(NR_getrandom, BAD_PTR, 16, GRND_NONBLOCK), -EFAULT, "into an unmapped address: EFAULT");

#ifdef NR_dup2 /* x86_64 has it; the generic table only dup3 */
    long fd = sys3(NR_dup3, 0, 50, 0), fd2 = sys3(NR_dup3, 0, 51, 02000000 /* O_CLOEXEC */);
    check(fd == 50 && fd2 == 51 && fd_flags(51) == 1, "two descriptors, the second close-on-exec");
    uexpect(sys3(NR_dup2, 50, 50, 0), 50, "dup2 of a descriptor onto itself: the descriptor");
    uexpect(sys3(NR_dup3, 50, 50, 0), -EINVAL, "(dup3 refuses that: EINVAL)");
    uexpect(sys3(NR_dup2, 999, 999, 0), -EBADF, "dup2 of a closed descriptor onto itself: EBADF");
    uexpect(sys3(NR_dup2, 999, 52, 0), -EBADF, "dup2 of a closed descriptor: EBADF");
    uexpect(sys3(NR_dup2, 50, -1, 0), -EBADF, "dup2 onto -1: EBADF");
    uexpect(sys3(NR_dup2, 50, 1 << 20, 0), -EBADF, "dup2 onto a number past RLIMIT_NOFILE: EBADF");
    uexpect(sys3(NR_dup2, 50, 51, 0), 51, "dup2 onto an open descriptor replaces it");
    uexpect(fd_flags(51), 0, "and the copy is not close-on-exec");
    sys1(NR_close, 50);
    sys1(NR_close, 51);
#endif
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    unsigned ids[3] = {1, 1, 1};
    sys3(NR_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2]);
    if (ids[1] != 0) {
        uputs("ulimits: not root: skipped\n");
        return 0;
    }
    limits();
    affinity();
    descriptors(argc > 1 ? argv[1] : "/tmp");
    robust();
    misc();
    uputs("ulimits: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
