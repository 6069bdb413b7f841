/*
 * ufuzz: a system-call fuzzer, to show that the kernel survives random and
 * hostile calls: no panic, no hang, nothing left behind.
 *
 *   ufuzz [-v] [seed] [calls] [workers]   (1, 20000, 8)
 *   ufuzz -x NR [ARG|s:TEXT]... [, NR ARG...]...   up to 4 given calls
 *
 * The parent forks the workers, four at a time (one with -v); worker i makes
 * calls/workers calls drawn by xorshift64* from seed + i, so `ufuzz -v S N 1`
 * replays the worker of seed S alone, printing each call before making it.
 * -x makes the calls given (s:TEXT: TEXT in that argument's slot) in a worker
 * set up the same way, each printed with its result and time: reproducers.
 *
 * A worker:
 *  - moves into its own process group and signals only itself, that group,
 *    or pids no process can have: never 0, -1 or its parent;
 *  - works in /tmp/ufuzz-<parent>/<pid>/s with fds 0-2 a null node, 3 a zero
 *    node (its own; /dev's where mknod is refused), 4 /proc/self/stat, 5-6 a
 *    pipe, 7 a file, 8 the directory, 40-41 its own (progress, console), and
 *    RLIMIT_NOFILE 32. Its paths stay in that tree (no "..", but "../x", which
 *    stays inside too), save for calls that change nothing (stat, access,
 *    readlink, execve, opening /proc files); it makes no node of a terminal or
 *    a disk;
 *  - passes buffers that end where a hole begins (4 slots of 2 pages at
 *    16 GiB), a 64 KiB arena at 32 GiB the mm calls (mmap, munmap, mprotect,
 *    mremap, madvise) may unmap, remap or discard, and
 *    NULL, kernel, non-canonical, read-only and random pointers, never one
 *    into its own data; memory calls over its code, data or stack are moved
 *    to the arena, but 1 in 1024;
 *  - catches every signal, without SA_RESTART, so that signals interrupt its
 *    calls (its own timers' too: setitimer, timer_create, alarm); a fault
 *    the kernel raises still kills it; timerfd_create's descriptors join
 *    those it reads and polls, as message queues do (their names are
 *    the tree's plain names, shared by every worker), and epoll's and
 *    eventfd's (epoll_ctl adds any of them to an instance, instances too);
 *  - forks and makes threads (32 at most): the child calls exit(0) in the same
 *    asm block, touching no memory; rt_sigreturn runs with its stack on a slot
 *    of junk (a SIGSEGV, never a return into this program with its registers
 *    mangled); exit and the unmapping of its own code come 1 call in 16384.
 * The parent pokes a worker that made no call for 100 ms with a signal
 * ignored by default, SIGKILLs one that stopped or made none for 3 s, prints
 * a line per worker and removes its tree. It exits 0 unless it saw the
 * impossible: an unknown child, a worker that could not start for another
 * reason than memory or descriptors its siblings hold (ENOMEM, EAGAIN,
 * ENFILE, EMFILE: the kernel's right answer when they hold them), a worker
 * that outlives SIGKILL by 30 s, a tree it cannot remove.
 */
#include "usys.h"

#define AT_FDCWD (-100)
#define PROGRESS_FD 40
#define CONSOLE_FD 41
#define NFD 32
#define PAR 4
#define PAGE 4096ul
#define SLOTS 0x400000000ul /* 16 GiB */
#define ARENA 0x800000000ul /* 32 GiB */
#define ARENA_LEN 0x10000ul
#define HIGH 0x1000000000ul                         /* 64 GiB: random mappings above */
#define POKES (1ul << 27 | 1ul << 22 | 1ul << 16) /* SIGWINCH, SIGURG, SIGCHLD */
#define ENOENT 2
#define EINTR 4

/* A call: number, weight, kind ('F' forks, 'S' rt_sigreturn, 'M' maps), name,
 * and a letter per argument saying how to make it (arg()); the rest random. */
struct call {
    long nr;
    char w, kind;
    const char *name, *args;
};
#define C(name, w, args) {NR_##name, w, 0, #name, args}
static const struct call calls[] = {
    C(read, 4, "fpn"), C(write, 4, "fpn"), C(readv, 3, "fvu"),
    C(writev, 3, "fvu"), C(pread64, 2, "fpni"), C(pwrite64, 3, "fpni"),
    C(openat, 6, "dsom"), C(openat, 2, "dyo"), C(close, 4, "f"),
    C(lseek, 2, "fiu"), C(getdents64, 3, "fpn"), C(newfstatat, 3, "drpF"),
    C(fstat, 2, "fp"), C(statx, 2, "drFip"), C(mkdirat, 4, "dsm"),
    C(mknodat, 2, "dsMD"), C(unlinkat, 4, "dsF"), C(renameat2, 3, "dsdsF"),
    C(linkat, 2, "dsdsF"), C(symlinkat, 3, "sds"), C(readlinkat, 2, "drpn"),
    C(faccessat, 1, "drmF"), C(faccessat2, 1, "drmF"), C(chdir, 3, "s"),
    C(fchdir, 2, "f"), C(getcwd, 2, "pn"), C(umask, 1, "m"),
    C(fchmodat, 2, "dsmF"), C(fchmod, 1, "fm"), C(fchownat, 1, "dsiiF"),
    C(fchown, 1, "fii"), C(utimensat, 2, "dstF"), C(ftruncate, 2, "fi"),
    C(truncate, 2, "si"), C(sync, 1, ""), C(fsync, 1, "f"),
    C(fdatasync, 1, "f"), C(dup, 3, "f"), C(dup3, 3, "ffF"),
    C(fcntl, 3, "fCi"), C(ioctl, 3, "fIp"), C(ioctl, 1, "4Jp"),
    C(pipe2, 3, "pO"), C(ppoll, 2, "qutBz"), C(pselect6, 2, "uppptp"), C(getpid, 1, ""),
    C(setuid, 1, "i"), C(setresuid, 1, "iii"), C(setreuid, 1, "ii"), C(setresgid, 1, "iii"),
    C(getresuid, 1, "ppp"), C(setfsuid, 1, "i"), C(getgroups, 1, "np"), C(setgroups, 1, "np"),
    C(setgid, 1, "i"), C(setregid, 1, "ii"), C(getresgid, 1, "ppp"), C(setfsgid, 1, "i"),
    C(times, 1, "p"), C(getrusage, 1, "ip"),
    C(getppid, 1, ""), C(gettid, 1, ""), C(getuid, 1, ""),
    C(geteuid, 1, ""), C(getgid, 1, ""), C(getegid, 1, ""),
    C(set_tid_address, 1, "p"), C(uname, 1, "p"), C(brk, 2, "a"),
    {NR_mmap, 4, 'M', "mmap", "alEXfi"}, {NR_munmap, 3, 'M', "munmap", "al"},
    {NR_mprotect, 3, 'M', "mprotect", "alE"}, {NR_mremap, 2, 'M', "mremap", "all+a"},
    {NR_madvise, 2, 'M', "madvise", "al@"}, C(clock_gettime, 2, "9p"),
    C(nanosleep, 1, "tp"), C(clock_nanosleep, 1, "9Ftp"),
    C(sched_yield, 1, ""), C(kill, 1, "Pk"), C(getrandom, 2, "pnF"),
    {NR_clone, 1, 'F', "clone", "cappp"}, C(execve, 1, "rAA"), C(wait4, 2, "ipWp"),
    C(rt_sigaction, 3, "kGpz"), C(rt_sigprocmask, 3, "iBpz"),
    C(rt_sigpending, 1, "pz"), C(rt_sigsuspend, 1, "Bz"),
    C(sigaltstack, 2, "pp"), C(tgkill, 1, "PPk"), C(tkill, 1, "Pk"),
    C(prlimit64, 1, "Pipp"), C(set_robust_list, 1, "pn"), C(prctl, 2, "Rpii"),
    C(getrlimit, 1, "ip"), C(setrlimit, 1, "ip"), C(get_robust_list, 1, "Ppp"),
    C(sched_getaffinity, 1, "Pnp"), C(sched_setaffinity, 1, "Pnp"), C(getcpu, 1, "ppp"),
    C(close_range, 1, "ffi"), C(fadvise64, 1, "fiii"), C(getsockname, 1, "f$)"), C(getpeername, 1, "f$)"),
    C(socket, 3, "!#i"), C(socketpair, 2, "!#ip"), C(bind, 2, "f$<"), C(listen, 1, "fu"), C(accept, 1, "f$)"),
    C(accept4, 2, "f$)#"), C(connect, 2, "f$<"), C(sendto, 3, "f?n&$<"), C(recvfrom, 3, "fpn&$)"),
    C(sendmsg, 3, "f^&"), C(recvmsg, 3, "f^&"), C(sendmmsg, 1, "f>u&"), C(recvmmsg, 1, "f>u&t"),
    C(shutdown, 1, "f="), C(setsockopt, 2, "f*(pn"), C(getsockopt, 2, "f*(p)"),
    C(getxattr, 1, "rppn"), C(lgetxattr, 1, "rppn"), C(fgetxattr, 1, "fppn"),
    C(setxattr, 1, "rppni"), C(lsetxattr, 1, "rppni"), C(fsetxattr, 1, "fppni"),
    C(listxattr, 1, "rpn"), C(llistxattr, 1, "rpn"), C(flistxattr, 1, "fpn"),
    C(removexattr, 1, "rp"), C(lremovexattr, 1, "rp"), C(fremovexattr, 1, "fp"),
    C(sysinfo, 1, "p"), C(setpgid, 1, "Pi"), C(getpgid, 1, "i"),
    C(getsid, 1, "i"), C(setsid, 1, ""), C(futex, 2, "piitpi"),
    C(clock_getres, 1, "9p"), C(getitimer, 1, "ip"), C(setitimer, 2, "iVp"),
    C(timer_create, 2, "9ep"), C(timer_settime, 2, "QFVp"), C(timer_gettime, 1, "Qp"),
    C(timer_getoverrun, 1, "Q"), C(timer_delete, 1, "Q"),
    C(timerfd_create, 1, "iO"), C(timerfd_settime, 2, "fFVp"), C(timerfd_gettime, 1, "fp"),
    C(waitid, 2, "wPpKp"), C(rt_sigqueueinfo, 1, "PkU"), C(rt_tgsigqueueinfo, 1, "PPkU"),
    C(rt_sigtimedwait, 1, "Bptz"), C(signalfd4, 1, "fBzO"),
    C(preadv, 2, "fvuii"), C(pwritev, 2, "fvuii"), C(preadv2, 1, "fvuiiL"),
    C(pwritev2, 1, "fvuiiL"), C(sendfile, 2, "ffpn"), C(copy_file_range, 2, "fpfpni"),
    C(flock, 2, "fL"), C(fcntl, 2, "fNp"),
    C(mq_open, 2, "~omZ"), C(mq_unlink, 1, "~"), C(mq_timedsend, 2, "fpnij"),
    C(mq_timedreceive, 2, "fpnpj"), C(mq_notify, 1, "fe"), C(mq_getsetattr, 1, "fZp"),
    C(sched_setscheduler, 1, "PYp"), C(sched_setparam, 1, "Pp"), C(sched_getscheduler, 1, "P"),
    C(sched_getparam, 1, "Pp"), C(sched_get_priority_max, 1, "Y"), C(sched_get_priority_min, 1, "i"),
    C(sched_rr_get_interval, 1, "Pp"), C(mlock, 1, "al"), C(munlock, 1, "al"), C(mlock2, 1, "ali"),
    C(mlockall, 1, "g"), C(munlockall, 1, ""), C(msync, 1, "alE"),
    C(shmget, 2, "Shb"), C(shmat, 2, "xab"), C(shmdt, 1, "a"), C(shmctl, 2, "x8p"),
    C(epoll_create1, 2, "O"), C(epoll_ctl, 4, "fEf%"), C(epoll_pwait, 2, "fpuTBz"),
    C(epoll_pwait2, 1, "fputBz"), C(eventfd2, 2, "iO"),
    {-1, 1, 0, "(-1)", "iiiiii"}, {500, 1, 0, "(500)", "iiiiii"}, {511, 1, 0, "(511)", "iiiiii"},
    {512, 1, 0, "(512)", "iiiiii"}, {100000, 1, 0, "(100000)", "iiiiii"},
    {(1l << 32) + NR_getpid, 1, 0, "(1<<32 + getpid)", ""},
#ifdef NR_arch_prctl
    C(arch_prctl, 2, "Hp"),
#endif
#ifdef NR_open /* the arch has Linux's older calls too (x86_64) */
    {NR_fork, 1, 'F', "fork", ""}, {NR_vfork, 1, 'F', "vfork", ""},
    C(getpgrp, 1, ""), C(renameat, 2, "dsds"), C(open, 3, "som"),
    C(creat, 2, "sm"), C(stat, 2, "rp"), C(lstat, 2, "rp"), C(access, 1, "rm"),
    C(pipe, 1, "p"), C(dup2, 2, "ff"), C(poll, 1, "quT"), C(rename, 2, "ss"),
    C(mkdir, 2, "sm"), C(rmdir, 2, "s"), C(unlink, 2, "s"), C(link, 1, "ss"),
    C(symlink, 2, "ss"), C(readlink, 1, "rpn"), C(chmod, 1, "sm"),
    C(chown, 1, "sii"), C(lchown, 1, "sii"), C(alarm, 1, "T"), C(pause, 1, ""),
    C(select, 1, "upppt"), C(epoll_create, 1, "i"), C(epoll_wait, 1, "fpuT"), C(eventfd, 1, "i"),
#endif
};
/* 1 call in 16384: one of these, which end a worker. Digits are constants. */
static const struct call rare[] = {
    C(exit, 0, "i"), C(exit_group, 0, "i"), {NR_rt_sigreturn, 0, 'S', "rt_sigreturn", "p"},
    C(prlimit64, 0, "0130"), C(prlimit64, 0, "0230"), C(munmap, 0, "56"),
    C(mprotect, 0, "750"),
};

/* Whether call @p nr makes a child process or thread (clone, fork, vfork). */
static int forks_child(long nr)
{
#ifdef NR_fork
    if (nr == NR_fork || nr == NR_vfork)
        return 1;
#endif
    return nr == NR_clone;
}

static unsigned long rs; /* xorshift64*, seeded through splitmix64 */
static unsigned long rnd(void) { return rs ^= rs >> 12, rs ^= rs << 25, rs ^= rs >> 27, rs * 0x2545f4914f6cdd1dul; }
static unsigned long pick(unsigned long n) { return rnd() % n; }
static void seed_rng(unsigned long s)
{
    s += 0x9e3779b97f4a7c15ul, s = (s ^ s >> 30) * 0xbf58476d1ce4e5b9ul, s = (s ^ s >> 27) * 0x94d049bb133111ebul;
    rs = (s ^ s >> 31) | 1;
}

static long self;          /* the worker's pid */
static char tree[96];      /* its directory (a path it passes too) */
static const char *str[6]; /* the string an argument holds, for -v */
static char out[512];      /* the line being printed */
static unsigned long outn;

static void put(const char *s)
{
    while (*s && outn < sizeof out - 1)
        out[outn++] = *s++;
}
static void putx(unsigned long v, int hex)
{
    char b[24], *p = b + sizeof b;
    *--p = 0;
    do
        *--p = "0123456789abcdef"[v % (hex ? 16 : 10)];
    while (v /= hex ? 16 : 10);
    put(hex ? "0x" : ""), put(p);
}
static void putd(long v) { put(v < 0 ? "-" : ""), putx(v < 0 ? -(unsigned long)v : (unsigned long)v, 0); }
static void putv(long v) { v >= -4096 && v < 65536 ? putd(v) : putx((unsigned long)v, 1); }
static void flush(int fd) { sys3(NR_write, fd, (long)out, (long)outn), outn = 0; }
static void take(char *dst, unsigned long size) /* the line into dst instead */
{
    unsigned long i = 0;
    for (; i < outn && i < size - 1; i++)
        dst[i] = out[i];
    dst[i] = 0, outn = 0;
}
static long now_ms(void)
{
    long t[2] = {0, 0};
    sys3(NR_clock_gettime, 1, (long)t, 0);
    return t[0] * 1000 + t[1] / 1000000;
}
static void nap(long ms)
{
    long t[2] = {0, ms * 1000000};
    sys3(NR_nanosleep, (long)t, 0, 0);
}

/* Slot k: 2 pages at SLOTS + 3k pages, then a hole; this is its end. */
static char *slot(int k) { return (char *)(SLOTS + (unsigned long)(k & 3) * 3 * PAGE + 2 * PAGE); }

/* Zeros, junk, small values or 0xff; never '/' or '.', so that random bytes as
 * a path name one file in the tree. */
static void fill(char *p, unsigned long n)
{
    unsigned long how = pick(4), w = 0;
    for (unsigned long i = 0; i < n; i++) {
        if (i % 8 == 0)
            w = how == 1 ? rnd() : how == 2 ? (unsigned long)((long)pick(12) - 1) : how == 3 ? ~0ul : 0;
        char c = (char)(w >> (i % 8 * 8));
        p[i] = c == '/' || c == '.' ? 'x' : c;
    }
}

static long bad_ptr(void)
{
    switch (pick(6)) {
    case 0: return 0;
    case 1: return pick(2) ? (long)0xffff800000000000ul : (long)0xffffffff80000000ul; /* the kernel */
    case 2: return 0x800000000000l;                                                  /* non-canonical */
    case 3: return (long)rnd();
    case 4: return (long)(ARENA + pick(ARENA_LEN));
    default: /* read-only; as a path, no program: execve finds built-ins by name */
        return pick(2) ? (long)(unsigned long)main : (long)"ro/data";
    }
}

/* 1 to 8192 bytes that end at slot k's hole, or a bad pointer. */
static long ptr(int k)
{
    if (pick(16) < 5)
        return bad_ptr();
    unsigned long n = pick(4) ? 1 + pick(pick(2) ? 2 * PAGE : 64) : 2 * PAGE;
    fill(slot(k) - n, n);
    return (long)(slot(k) - n);
}

/* A netlink request at the start of slot @p k's two pages, now and then:
 * a dump of links, addresses or routes, another type, flags and lengths
 * mixed, junk after it; else any buffer. */
static long nl_request(int k)
{
    if (pick(4))
        return ptr(k);
    char *b = slot(k) - 2 * PAGE;
    fill(b, 64);
    unsigned *h = (unsigned *)b; /* nlmsg_len, type and flags, seq, pid, then the family */
    static const unsigned short types[] = {18, 22, 26, 16, 20, 3, 1, 0x7ff0};
    h[0] = pick(4) ? 20 : (unsigned)pick(64);
    h[1] = types[pick(8)] | (unsigned)(pick(4) ? 0x301 : pick(16)) << 16;
    h[3] = 0;
    b[16] = (char)(pick(2) ? 0 : pick(2) ? 2 : 10);
    return (long)b;
}

static const long bounds[] = {0, -1, 0x7fffffff, -0x80000000l, 0xffffffffl, 0x80000000l, 1l << 32, 1l << 62,
                              0x7fffffffffffffffl, (long)(1ul << 63), 4095, 4096, -4096, 1023, 1024, 65536};
static long num(int k)
{
    switch (pick(8)) {
    case 0: case 1: case 2: return (long)pick(13) - 2;
    case 3: return bounds[pick(16)];
    case 4: return (long)rnd();
    case 5: return (long)(unsigned)rnd();
    case 6: return ptr(k);
    default: return (long)pick(256);
    }
}

static long fd(void)
{
    static const long odd[] = {-1, 1000, NFD, AT_FDCWD, 0x7fffffff, 1l << 32, (long)0x80000000u};
    unsigned long r = pick(16);
    return r < 12 ? (long)pick(NFD) : r == 12 ? (long)rnd() : odd[pick(7)];
}

/* Never 0, -1 or the parent: this worker, its group, or no process at all
 * (the low 32 bits above Linux's PID_MAX_LIMIT, or INT_MIN). */
static long pid(void)
{
    long p = 4194305 + (long)pick(0x7fffffff - 4194305);
    switch (self > 1 ? pick(8) : 7) {
    case 0: case 1: case 2: return self;
    case 3: return -self;
    case 4: return (long)(int)0x80000000u;
    case 5: return (long)(rnd() << 32 | (unsigned)self);
    default: return pick(2) ? p : -p;
    }
}

static const char *const paths[] = {"a", "b", "d", "d/e", "d/e/f", "../x", "a/", "f", "zero", ".", "", tree};
static const char *const rpaths[] = {"/", "/tmp", "/bin", "/dev/zero", "/dev/null", "/proc/self/stat",
                                     "/proc/self", "/proc/meminfo", "/nonexistent/x", "/proc/self/fd",
                                     "/proc/self/fd/3", "/proc/self/fd/0/", "/proc/self/cwd", "/proc/1/fd/1", "/dev/shm"};
static const char *const procs[] = {"/proc/self/stat", "/proc/self/status", "/proc/self/cmdline", "/proc/self/comm",
                                    "/proc/meminfo", "/proc/uptime", "/proc/version", "/proc/mounts"};

/* A path ending at slot k's hole: 's' in the tree, 'r' maybe outside (for
 * calls that change nothing), 'y' a /proc file, '~' a message queue's name
 * (as 's', never random bytes). */
static long path(int k, char kind)
{
    char *e = slot(k);
    unsigned long r = pick(16), n;
    const char *s = kind == 'y' ? procs[pick(8)] : kind == 'r' && r < 8 ? rpaths[pick(sizeof rpaths / sizeof rpaths[0])] : paths[pick(12)];
    if (r == 0) /* a message queue's name never random bytes: the end removes the queues by name */
        return kind == '~' ? bad_ptr() : ptr(k);
    if (r == 1) /* no NUL before the hole */
        return e[-2] = 'a', e[-1] = 'b', (long)(e - 2);
    if (r == 2) { /* too long */
        for (n = 256 + pick(2 * PAGE - 256), e[-1] = 0, r = 2; r <= n; r++)
            e[-(long)r] = 'n';
        return (long)(str[k] = e - n);
    }
    for (n = ustrlen(s) + 1, r = 0; r < n; r++)
        e[(long)(r - n)] = s[r];
    return (long)(str[k] = e - n);
}

static void set_handler(long sig, unsigned long h)
{
    struct usigaction a = {0};
    a.handler = h;
    a.flags = h > 1 ? 4 : 0; /* SA_SIGINFO, no SA_RESTART */
#ifdef USA_RESTORER
    a.flags |= 0x04000000, a.restorer = (unsigned long)USA_RESTORER;
#endif
    sys6(NR_rt_sigaction, sig, (long)&a, 0, 8, 0, 0);
}

/* Every signal comes here. After one the kernel may have raised for a fault
 * (si_code > 0), the default action: the instruction faults again and the
 * worker ends as it would have without a handler. */
static void on_signal(int sig, int *si, void *uc)
{
    (void)uc;
    if (si[2] > 0 && (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11))
        set_handler(sig, 0);
}

static const unsigned long zero_rlimit[2];

/* A socket address at @p w's end: an AF_UNIX name of the tree's (a file
 * in it, or an abstract one), an AF_NETLINK one (the kernel's port, or
 * another), an AF_INET or AF_INET6 one (a port the workers share or any,
 * loopback, any, broadcast, multicast or junk: the fuzzed machine has no
 * network card, so nothing leaves it), or junk. */
static unsigned long *sockaddr_at(unsigned long *w)
{
    static const char *const names[] = {"a", "b", "s", "d/e", "zero", ""};
    static const unsigned char v4[][4] = {{127, 0, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255},
                                          {224, 0, 0, 1}, {127, 1, 2, 3}, {10, 0, 2, 15}};
    static const unsigned short ports[] = {0, 0x3d15 /* 5437 */, 0x5000 /* 80 */, 0xffff};
    unsigned char *a = (unsigned char *)(w - 16);
    fill((char *)a, 128);
    unsigned long kind = pick(16);
    if (kind == 0) {
        unsigned *nl = (unsigned *)a; /* family and pad, nl_pid, nl_groups */
        nl[0] = 16, nl[1] = pick(2) ? 0 : (unsigned)rnd(), nl[2] = pick(2) ? 0 : (unsigned)rnd();
        return w - 16;
    }
    if (kind <= 3) { /* sockaddr_in: family, port (network order), address */
        unsigned short port = ports[pick(4)];
        a[0] = 2, a[1] = 0, a[2] = (unsigned char)port, a[3] = (unsigned char)(port >> 8);
        if (pick(8))
            for (int i = 0; i < 4; i++)
                a[4 + i] = v4[pick(6)][i];
        return w - 16;
    }
    if (kind == 4) { /* sockaddr_in6: family, port, flow, ::1 or :: or junk, scope */
        unsigned short port = ports[pick(4)];
        a[0] = 10, a[1] = 0, a[2] = (unsigned char)port, a[3] = (unsigned char)(port >> 8);
        if (pick(4)) {
            for (int i = 4; i < 28; i++)
                a[i] = 0;
            a[23] = (unsigned char)pick(2); /* ::1 or :: */
        }
        return w - 16;
    }
    if (pick(8)) {
        unsigned long r = pick(8), i = 0;
        a[0] = 1, a[1] = 0; /* AF_UNIX */
        if (r >= 6) /* abstract: a NUL, then a name every worker shares */
            return a[2] = 0, a[3] = 'u', a[4] = (char)('f' + r - 6), w - 16;
        for (; names[r][i]; i++)
            a[2 + i] = (unsigned char)names[r][i];
        a[2 + i] = 0;
    }
    return w - 16;
}

static long arg(char kind, int k);

/* A msghdr at @p w's end: a name, 8 iovecs in slot 3, and control data of
 * SCM_RIGHTS (descriptors of the worker's), SCM_CREDENTIALS or junk, each
 * part now and then a bad pointer or length. */
static unsigned long *msghdr_at(unsigned long *w)
{
    unsigned long *ctl = w - 32, *iov = w - 64, *m = w - 110, i;
    for (i = 0; i < 16; i += 2) {
        iov[i] = pick(4) ? (unsigned long)(slot(3) - 2 * PAGE + pick(2 * PAGE)) : (unsigned long)bad_ptr();
        iov[i + 1] = pick(4) ? pick(2 * PAGE + 1) : (unsigned long)arg('n', 3);
    }
    unsigned long nctl = 0;
    if (pick(2)) { /* cmsghdr: len, level and type, data */
        unsigned long nfd = pick(8), type = pick(8) ? 1 + pick(2) : pick(4);
        int *fds = (int *)(ctl + 2);
        for (i = 0; i < 8; i++)
            fds[i] = (int)fd();
        ctl[0] = type == 2 ? 16 + 12 : 16 + 4 * nfd;
        ctl[1] = (pick(8) ? 1ul : pick(300)) | type << 32;
        if (type == 2) {
            fds[0] = (int)self, fds[1] = (int)sys1(NR_getuid, 0), fds[2] = (int)sys1(NR_getgid, 0);
            if (!pick(4))
                fds[pick(3)] = (int)rnd();
        }
        if (!pick(8))
            ctl[0] = (unsigned long)num(0);
        nctl = pick(8) ? (ctl[0] + 7) & ~7ul : (unsigned long)arg('n', 0);
    }
    m[0] = pick(2) ? (unsigned long)sockaddr_at(w - 80) : pick(2) ? 0 : (unsigned long)bad_ptr();
    m[1] = pick(4) ? 110 : (unsigned long)arg('n', 0);
    m[2] = pick(8) ? (unsigned long)iov : (unsigned long)bad_ptr();
    m[3] = pick(4) ? 1 + pick(8) : (unsigned long)arg('u', 0);
    m[4] = nctl ? (pick(8) ? (unsigned long)ctl : (unsigned long)bad_ptr()) : pick(2) ? 0 : (unsigned long)ptr(2);
    m[5] = nctl ? nctl : pick(2) ? 0 : pick(300);
    m[6] = rnd();
    return m;
}

#define FROM(strict, ...)                                                                                    \
    do {                                                                                                     \
        static const long v_[] = {__VA_ARGS__};                                                              \
        return (strict) || pick(4) ? v_[pick(sizeof v_ / sizeof v_[0])] : num(k);                            \
    } while (0)

/* Argument k of a call, of the kind the letter says (slot k holds its data). */
static long arg(char kind, int k)
{
    unsigned long *w = (unsigned long *)slot(k), v, i;
    switch (kind) {
    case 'f': return fd();
    case 'd': return pick(2) ? AT_FDCWD : fd();
    case 'p': return ptr(k);
    case '?': return nl_request(k);
    case 's': case 'r': case 'y': case '~': return path(k, kind);
    case 'P': return pid();
    case 'k': /* a signal: seldom SIGKILL or SIGSTOP */
        if (!pick(8))
            FROM(1, 0, 65, -1, 1000, 64, 32, 0x100000000l + 10);
        v = 1 + pick(31) + (pick(4) ? 0 : 32);
        return (v == 9 || v == 19) && pick(8) ? 10 : (long)v;
    case 'n': /* a size */
        if (!pick(4))
            return pick(2) ? (long)pick(2 * PAGE + 2) : num(k);
        FROM(1, 0, 1, 2, 8, 16, 64, 128, 512, 4095, 4096, 4097, 8192, 8193, 65536, 1l << 31, 1l << 32, 1l << 62,
             -1, 0x7fffffff, -4096);
    case 'z': return pick(4) ? 8 : arg('n', k); /* a sigset's size */
    case 'B': /* a sigset, mostly one that lets the parent's pokes in */
        if (!pick(32))
            return ptr(k);
        return w[-1] = pick(8) ? rnd() & ~POKES : 0, (long)(w - 1);
    case 'G': { /* a struct sigaction: mostly our handler, SIG_IGN or SIG_DFL */
        static const unsigned long fl[] = {0x08000000, 0x10000000, 0x40000000, 0x80000000, 1, 2};
        unsigned long *sa = w - sizeof(struct usigaction) / 8;
        if (!pick(32))
            return ptr(k);
        v = pick(32);
        sa[0] = v < 26 ? (unsigned long)on_signal : v < 29 ? 1 : v < 31 ? 0 : (unsigned long)bad_ptr();
        for (sa[1] = 4, i = 0; i < 6; i++)
            sa[1] |= pick(8) ? 0 : fl[i];
#ifdef USA_RESTORER
        sa[1] |= pick(8) ? 0x04000000 : 0, sa[2] = (unsigned long)USA_RESTORER;
#endif
        return w[-1] = rnd(), (long)sa; /* the mask is last */
    }
    case 'u': FROM(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1024, 1025, -1); /* a count */
    case 'F': /* flags */
        if (!pick(4))
            return 1l << pick(32);
        FROM(0, 0, 1, 2, 3, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x6000, 1l << 31);
    case 'm': FROM(0, 0644, 0755, 0, 0777, 07777, 0100644, 0170777, 01777);
    case 'M': FROM(0, 0100644, 020666, 060666, 010644, 0140644, 040755, 0, 0644);
    case 'D': FROM(1, 0x103, 0x105, 0x107, 0x108, 0x109, 0, 0x163, 0xfa00, 0xfff00, -1); /* no tty, no disk */
    case 'o': { /* open flags */
        static const long bits[] = {0100, 0200, 0400, 01000, 02000, 04000, 040000, 0100000, 0200000, 0400000,
                                    02000000, 010000000, 020000000};
        if (!pick(8))
            return num(k);
        for (v = pick(4), i = 0; i < 13; i++)
            v |= pick(4) ? 0 : (unsigned long)bits[i];
        return (long)v;
    }
    case 'O': return pick(4) ? 04000 | (pick(2) ? 02000000 : 0) : pick(2) ? 0 : num(k); /* pipe2 */
    case 'C': FROM(1, 0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 1024, 1025, 1030, 1031, 1032, 1033, 1034, 1000, -1); /* no F_SETOWN */
    case 'I': FROM(0, 0x5401, 0x5402, 0x5403, 0x5404, 0x540e, 0x540f, 0x5410, 0x5413, 0x5414, 0x541b, 0x5421,
                   0x5422, 0x5429, 0x5450, 0x5451, 0x5452);
    case 'J': FROM(1, 0x5401, 0x5413, 0x540f, 0x5429, 0x541b); /* the console: only what reads */
    case 'R': FROM(0, 15, 16, 1, 2, 3, 4, 0, 36, 37, 38);
    case 'N': FROM(0, 5, 6, 7, 36, 37, 38, 6); /* fcntl's locks (F_GETLK ... F_OFD_SETLKW) */
    case 'L': FROM(0, 1, 2, 5, 6, 8, 12, 0, 3, 4, 9, 0x10, -1); /* flock's ops; RWF_* flags */
    case 'H': FROM(0, 0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0x2001, 0x2002, 0x2003);
    /* Scheduling policies: never SCHED_FIFO, SCHED_RR or SCHED_IDLE, whose
     * strict priorities would keep a worker's siblings (or it) off the CPU. */
    case 'Y': FROM(1, 0, 3, 0x40000000, 0x40000003, 4, 6, 7, 42, -1);
    case 'g': FROM(0, 0, 1, 2, 3, 4, 5, 7, 8); /* mlockall's flags */
    case 'W': FROM(0, 0, 1, 2, 3, 8, 9, 0x40000000, 0x80000000, 0x20000000, 0x1000000);
    case 'w': FROM(0, 0, 1, 2, 3, 7, -1); /* waitid's idtype */
    case 'K': FROM(0, 4, 5, 2, 3, 8, 9, 0xe, 0xf, 0x1000004, 0x1000005, 0, 1, 0x40000004); /* waitid's options */
    case 'U': { /* a siginfo to queue: signo, errno; code; pid, uid; value. Mostly sigqueue()'s (SI_QUEUE) */
        static const long codes[] = {-1, -1, -1, 0, -6, -2, -4, 0x80, 1};
        if (!pick(16))
            return ptr(k);
        w[-16] = rnd(), w[-15] = (unsigned)codes[pick(9)], w[-14] = rnd(), w[-13] = rnd();
        return (long)(w - 16);
    }
    case 'E': FROM(0, 0, 1, 2, 3, 4, 5, 6, 7);
    case '+': FROM(0, 0, 1, 3, 5, 2, 4, 7, 8); /* mremap's flags: MAYMOVE, FIXED, DONTUNMAP */
    /* madvise's advice, never MADV_HWPOISON or MADV_SOFT_OFFLINE (which would take a
     * page for good where they are allowed) */
    case '@': FROM(1, 0, 1, 2, 3, 4, 4, 5, 8, 9, 10, 11, 12, 14, 16, 18, 19, 20, 21, 22, 23, 24, 25, -1);
    case 'T': FROM(0, 0, 0, 1, 10, 100, -1);
    case 'X': /* mmap flags, never MAP_POPULATE, MAP_LOCKED or MAP_HUGETLB */
        if (!pick(4))
            return num(k) & ~0x4a000l;
        FROM(1, 0x22, 0x22, 0x32, 0x21, 0x31, 0x02, 0x01, 0x11, 0x122, 0x100022, 0x100032, 0x4022, 0x20022);
    case 'a': /* an address away from this program, unless hostile */
        switch (pick(8)) {
        case 0: case 1: case 2: case 3: return (long)(ARENA + pick(16) * PAGE);
        case 4: return (long)(HIGH + pick(1ul << 20) * PAGE);
        case 5: return (long)(ARENA + 1 + pick(PAGE - 1));
        case 6: FROM(1, 0, 4096, 0x800000000000l, (long)0xffff800000000000ul, -4096, (long)0xffffffff80000000ul);
        default: return (long)rnd();
        }
    case 'l': /* a length; 64 GiB at most, as the kernel forks and frees a mapping page by page */
        FROM(0, 4096, 8192, 65536, 0, 1, 4095, 4097, 1 << 20, 1 << 30, 1l << 36, 1l << 62, -1, -4096);
    case 'c': /* clone flags: a fork, a thread as pthread_create makes, others; never CLONE_PARENT */
        if (pick(2))
            return pick(4) ? 17 : 0x3d0f00;
        if (pick(2))
            return num(k) & ~0x8000l;
        for (v = 17, i = 0; i < 7; i++) /* vfork's VM | VFORK, VFORK, SETTLS, PARENT_SETTID, CHILD_*TID, VM */
            v |= pick(3) ? 0 : (unsigned long)(long[]){0x4100, 0x4000, 0x80000, 0x100000, 0x200000, 0x1000000, 0x100}[i];
        return (long)v;
    case 't': { /* two timespecs, mostly short */
        static const long nsecs[] = {999999999, 1000000000, -1, (1 << 30) - 1, (1 << 30) - 2, -1000000000};
        if (!pick(8))
            return bad_ptr();
        for (i = 0; i < 4; i += 2) {
            v = pick(16);
            w[i - 4] = v < 12 ? 0 : v == 12 ? ~0ul : v == 13 ? rnd() : v == 14 ? 1 : 0x7ffffffffffffffful;
            w[i - 3] = pick(4) ? pick(1000000) : (unsigned long)nsecs[pick(6)];
        }
        return (long)(w - 4) + (pick(8) ? 0 : 4);
    }
    case 'V': /* an itimerval or itimerspec (the same words): mostly once, soon, or a period of 0.1 ms and more */
        if (!pick(8))
            return pick(2) ? 0 : bad_ptr();
        v = pick(16);
        w[-4] = v < 14 ? 0 : v == 14 ? 1 : ~0ul;
        w[-3] = v < 8 ? 0 : v < 12 ? 100000 + pick(900000) : v < 14 ? 10000000 + pick(90000000) : pick(2) ? 1 : rnd();
        w[-2] = pick(16) ? 0 : pick(4);
        w[-1] = pick(16) ? pick(1000000) : rnd();
        return (long)(w - 4);
    case 'e': { /* a sigevent: a signal, none, a thread's, bad */
        static const long notify[] = {0, 0, 0, 1, 2, 4, 4, 5, 3, 99};
        if (!pick(8))
            return pick(2) ? 0 : bad_ptr();
        w[-8] = rnd();
        w[-7] = (unsigned long)arg('k', k) | (unsigned long)notify[pick(10)] << 32;
        w[-6] = pick(4) ? (unsigned long)sys1(NR_gettid, 0) : rnd();
        for (i = 5; i > 0; i--)
            w[-i] = 0;
        return (long)(w - 8);
    }
    case 'Z': /* a struct mq_attr: mostly a few small messages */
        if (!pick(8))
            return pick(2) ? 0 : bad_ptr();
        w[-8] = pick(4) ? 0 : pick(2) ? 04000 : rnd();
        w[-7] = pick(4) ? 1 + pick(10) : (unsigned long)num(k);
        w[-6] = pick(4) ? 1 + pick(256) : (unsigned long)num(k);
        for (w[-5] = rnd(), i = 4; i > 0; i--)
            w[-i] = 0;
        return (long)(w - 8);
    case 'j': return pick(4) ? arg('t', k) : 0; /* an absolute timeout, or none (a wait a poke ends) */
    case '9': /* a clock: the fixed ones, the CPU-time ones, a process's or thread's CPU clock */
        if (!pick(4))
            return (long)(~(unsigned long)pid() << 3 | (unsigned long)pick(8));
        FROM(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 12, -2, -6, -3, -5);
    case 'Q': return pick(8) ? (long)pick(4) : num(k); /* a timer id: the first few, or any */
    case 'v': /* 8 iovecs: in slot 3, or bad */
        for (i = 0; i < 16; i += 2) {
            w[i - 16] = pick(4) ? (unsigned long)(slot(3) - 2 * PAGE + pick(2 * PAGE)) : (unsigned long)bad_ptr();
            w[i - 15] = pick(4) ? pick(2 * PAGE + 1) : (unsigned long)arg('n', 3);
        }
        return pick(8) ? (long)(w - 16) : bad_ptr();
    case '%': { /* an epoll_event: mostly the usual events (with EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE) */
        static const unsigned long evs[] = {1, 4, 5, 0x2001, 0x80000001ul, 0x40000001ul, 0x10000001ul, 0x20000004ul, 0x18};
        if (!pick(8))
            return bad_ptr();
        w[-2] = (pick(4) ? evs[pick(9)] : rnd() & 0xffffffffu) | rnd() << 32;
        w[-1] = rnd();
        return (long)(w - 2);
    }
    case 'q': /* 8 pollfds */
        for (i = 0; i < 8; i++)
            w[i - 8] = (unsigned)fd() | (pick(2) ? rnd() << 32 : (1ul + pick(2) * 3) << 32);
        return pick(8) ? (long)(w - 8) : bad_ptr();
    case 'A': /* argv, envp: "x"s and bad pointers, sometimes unterminated or too many */
        if (!pick(4))
            return bad_ptr();
        for (v = pick(8) ? 1 + pick(8) : 2 * PAGE / 8, i = 0; i < v; i++)
            w[(long)(i - v)] = pick(8) ? (unsigned long)"x" : (unsigned long)bad_ptr();
        w[-1] = pick(8) ? 0 : w[-1];
        return (long)(w - v);
    /* System V shared memory: a few keys every worker shares, or
     * IPC_PRIVATE; sizes mostly small (a segment's page table is made up
     * front, and segments outlive their workers till the end); flags of
     * shmget and shmat mixed; an id mostly of a segment that exists. */
    case 'S': FROM(0, 0, 1, 2, 3, -1, 0x7fffffff);
    case 'h': FROM(1, 1, 100, 4096, 8193, 65536, 0, 1 << 20, 1l << 62, -1, -4096);
    case 'b':
        for (v = (pick(2) ? 0600 : pick(01000)) | (pick(2) ? 01000 : 0), i = 0; i < 7; i++)
            v |= pick(4) ? 0 : (unsigned long)(long[]){01000, 02000, 04000, 010000, 020000, 040000, 0100000}[i];
        return (long)v;
    case 'x':
        if (pick(4) && (v = (unsigned long)sys3(NR_shmget, pick(4) ? 1 + pick(3) : 0, 4096, 01600)) < 1ul << 31)
            return (long)v; /* (IPC_PRIVATE: a new one) */
        FROM(0, 0, 1, 32768, -1, 4095, 4096, 0x7fffffff);
    case '8': FROM(0, 0, 1, 2, 3, 11, 12, 13, 14, 15, 0x102, 99, -1); /* shmctl's command */
    /* Sockets: families, types (and their flags), addresses, lengths,
     * messages, flags, option levels and names. */
    case '!': FROM(0, 1, 1, 1, 1, 2, 10, 16, 17, 0, 46, -1);
    case '#': FROM(0, 1, 2, 5, 1 | 04000, 2 | 02000000, 5 | 04000 | 02000000, 3, 4, 10, 11, 0x100001);
    case '$': return pick(8) ? (long)sockaddr_at(w) : bad_ptr();
    case '<': FROM(0, 110, 2, 3, 4, 5, 8, 16, 109, 111, 128, 129, 0, -1);
    case ')': /* a length to read and write back */
        if (!pick(8))
            return bad_ptr();
        return w[-1] = pick(4) ? 110 : (unsigned long)num(k), (long)(w - 1);
    case '^': return pick(16) ? (long)msghdr_at(w) : bad_ptr();
    case '>': { /* two mmsghdrs */
        unsigned long *m = msghdr_at(w), *v = w - 140;
        for (i = 0; i < 7; i++)
            v[i] = v[i + 8] = m[i];
        return pick(16) ? (long)v : bad_ptr();
    }
    case '&': FROM(0, 0, 0, 0x40, 0x4000, 0x4040, 2, 0x42, 0x100, 0x20, 0x40000000, 1, 0x80, 0x8000, 0x10000);
    case '*': FROM(0, 1, 1, 1, 0, 6, 41, 263, -1);
    case '(': FROM(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 20, 21, 30, 38, 39, 66, 67, 12345);
    case '=': FROM(0, 0, 1, 2, 3, -1);
    case '0': return 0;
    case '1': return 7; /* RLIMIT_NOFILE */
    case '2': return 3; /* RLIMIT_STACK */
    case '3': return (long)zero_rlimit;
    case '4': return CONSOLE_FD;
    case '5': return 4096;
    case '6': return 1l << 46;
    case '7': return (long)((unsigned long)main & ~(PAGE - 1));
    default: return num(k);
    }
}

static long forks, nx; /* nx: how many calls -x gave */

/* Print call c (-v), make it, print what it returned (and with -x how long it took). */
static void make(const struct call *c, long *a, unsigned long n, long i, int verbose)
{
    if (verbose) {
        putd(self), put(" #"), putd(i), put(" "), put(c->name), put("(");
        for (unsigned long k = 0; k < n; k++) {
            char q[44];
            int j = 0;
            for (; str[k] && j < 40 && str[k][j]; j++)
                q[j] = str[k][j] >= ' ' && str[k][j] < 127 ? str[k][j] : '?';
            q[j] = 0;
            put(k ? ", " : "");
            str[k] ? put("\""), put(q), put(str[k][j] ? "...\"" : "\"") : putv(a[k]);
        }
        put(")"), flush(CONSOLE_FD);
    }
    long r, t0 = nx ? now_ms() : 0;
    if (c->kind == 'S') {
        USYS_SIGRETURN_ON(a[0]);
        __builtin_unreachable();
    }
    if (c->kind == 'F')
        forks++, r = sys6_child_exits(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    else
        r = sys6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (verbose) {
        put(" = "), putv(r);
        nx ? put(" ("), putd(now_ms() - t0), put(" ms)\n") : put("\n");
        flush(CONSOLE_FD);
    }
}

static long total_w;

static void one(long i, int verbose)
{
    const struct call *c = calls;
    do {
        long w = (long)pick((unsigned long)total_w);
        if (!pick(16384))
            c = &rare[pick(sizeof rare / sizeof rare[0])];
        else
            for (c = calls; (w -= c->w) >= 0; c++)
                ;
    } while (c->kind == 'F' && forks >= 32);
    long a[6];
    unsigned long n = ustrlen(c->args);
    for (int k = 0; k < 6; k++)
        str[k] = 0, a[k] = (unsigned long)k < n ? arg(c->args[k], k) : (long)rnd();
    /* Memory calls over this program, its slots or its stack go to the arena,
     * but 1 in 1024 (the worker most likely dies of it). */
    unsigned long lo = (unsigned long)a[0], hi = lo + (unsigned long)a[1], sp = (unsigned long)&n;
    hi = hi < lo ? ~0ul : hi;
    if (c->kind == 'M' && (c->nr != NR_mmap || a[3] & 0x10 /* MAP_FIXED */) && pick(1024) &&
        ((lo < SLOTS + 12 * PAGE && hi > 0x10000) || (lo < sp + (64 << 20) && hi > sp - (64 << 20))))
        a[0] = (long)(ARENA + (lo & 0xf000));
    make(c, a, n, i, verbose);
}

/* -x: the calls, their lengths, the s:TEXT arguments. */
static long xcall[4][7], xlen[4];
static const char *xstr[4][6];

static long parse(const char *s)
{
    unsigned long v = 0, neg = *s == '-', hex = s[neg] == '0' && s[neg + 1] == 'x';
    for (s += neg + 2 * hex; (*s >= '0' && *s <= '9') || (hex && (*s | 32) >= 'a' && (*s | 32) <= 'f'); s++)
        v = v * (hex ? 16 : 10) + (unsigned long)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
    return neg ? -(long)v : (long)v;
}

__attribute__((noreturn)) static void worker(unsigned long seed, long ncalls, int verbose, const char *top, long wr)
{
    sys3(NR_setpgid, 0, 0, 0);
    self = sys1(NR_getpid, 0);
    sys3(NR_dup3, wr, PROGRESS_FD, 0), sys3(NR_dup3, 1, CONSOLE_FD, 0);
    for (long f = 3; f < PROGRESS_FD; f++)
        sys1(NR_close, f);
    put(top), put("/"), putd(self), take(tree, sizeof tree);
    /* Each step's result, the first wrong one kept: the parent tells a
     * sibling's use of memory (ENOMEM and kin) from a kernel fault. */
    long r, fail = 0;
#define WANT(call, want) (r = (call), fail = fail ? fail : r == (want) ? 0 : r < 0 ? r : -1000)
    WANT(sys3(NR_mkdirat, AT_FDCWD, (long)tree, 0700), 0);
    put(tree), put("/s"), take(tree, sizeof tree);
    WANT(sys3(NR_mkdirat, AT_FDCWD, (long)tree, 0700), 0);
    WANT(sys1(NR_chdir, (long)tree), 0);
    /* Device nodes of its own (a chmod of fd 0 must not change /dev/null), or,
     * where mknod is refused, the system's. */
    const char *dev = sys6(NR_mknodat, AT_FDCWD, (long)"null", 020666, 0x103, 0, 0) ? "/dev/null" : "null";
    WANT(sys6(NR_openat, AT_FDCWD, (long)dev, 2, 0, 0, 0), 3);
    sys3(NR_dup3, 3, 0, 0), sys3(NR_dup3, 3, 1, 0), sys3(NR_dup3, 3, 2, 0), sys1(NR_close, 3);
    dev = sys6(NR_mknodat, AT_FDCWD, (long)"zero", 020666, 0x105, 0, 0) ? "/dev/zero" : "zero";
    WANT(sys6(NR_openat, AT_FDCWD, (long)dev, 2, 0, 0, 0), 3);
    int p[2];
    WANT(sys6(NR_openat, AT_FDCWD, (long)"/proc/self/stat", 0, 0, 0, 0), 4);
    WANT(sys3(NR_pipe2, (long)p, 04000, 0), 0);                          /* 5, 6 */
    WANT(sys6(NR_openat, AT_FDCWD, (long)"f", 0102, 0644, 0, 0), 7);
    WANT(sys6(NR_openat, AT_FDCWD, (long)".", 0, 0, 0, 0), 8);
#undef WANT
    if (fail) { /* 'F' and the error (0: a result that was no error but wrong) */
        char b[2] = {'F', (char)(fail > -256 && fail < 0 ? -fail : 0)};
        sys3(NR_write, PROGRESS_FD, (long)b, 2), uexit(99);
    }
    unsigned long lim[2] = {NFD, NFD};
    sys6(NR_prlimit64, 0, 7, (long)lim, 0, 0, 0);
    sys6(NR_mmap, (long)ARENA, (long)ARENA_LEN, 3, 0x32, -1, 0);
    sys6(NR_mmap, (long)SLOTS, (long)(12 * PAGE), 3, 0x32, -1, 0);
    for (int k = 0; k < 4; k++)
        sys3(NR_munmap, (long)slot(k), (long)PAGE, 0);
    for (long s = 1; s <= 64; s++)
        if (s != 9 && s != 19)
            set_handler(s, (unsigned long)on_signal);
    for (const struct call *c = calls; c < calls + sizeof calls / sizeof calls[0]; c++)
        total_w += c->w;
    seed_rng(seed);
    for (long i = 0; i < nx; i++) {
        long nr = xcall[i][0];
        struct call x = {nr, 0, forks_child(nr) ? 'F' : 0, "call", ""};
        for (int k = 0; k < 6; k++)
            for (unsigned long j = 0; (str[k] = xstr[i][k]) && j <= ustrlen(str[k]); j++)
                ((char *)xcall[i][k + 1])[j] = str[k][j];
        make(&x, xcall[i] + 1, (unsigned long)xlen[i] - 1, i, 1);
    }
    for (long i = 0; !nx && i < ncalls; i++) {
        if (i && i % 16 == 0)
            sys3(NR_write, PROGRESS_FD, (long)"p", 1);
        one(i, verbose);
    }
    sys3(NR_write, PROGRESS_FD, (long)"E", 1);
    uexit(0);
}

/* ---- the parent ---- */

/* Remove name under dfd and all in it: 0 or -errno. */
static long rm_tree(long dfd, const char *name, int depth)
{
    long e = sys3(NR_unlinkat, dfd, (long)name, 0), d, n;
    if (e == 0 || e == -ENOENT || depth > 40)
        return e == -ENOENT ? 0 : e;
    sys6(NR_fchmodat, dfd, (long)name, 0700, 0, 0, 0);
    if ((d = sys6(NR_openat, dfd, (long)name, 0, 0, 0, 0)) < 0)
        return d;
    char buf[512];
    for (int guard = 0; guard < 100000 && (n = sys3(NR_getdents64, d, (long)buf, sizeof buf)) > 0; guard++)
        for (long o = 0, len; o < n && (len = *(unsigned short *)(buf + o + 16)) > 0; o += len) {
            const char *s = buf + o + 19; /* d_ino, d_off, d_reclen, d_type, d_name */
            if (!(s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]))))
                rm_tree(d, s, depth + 1);
        }
    sys1(NR_close, d);
    return sys3(NR_unlinkat, dfd, (long)name, 0x200 /* AT_REMOVEDIR */);
}

struct run {
    long pid, seed, calls, last, killed;
    int rd, sig;
    char fate, done, failed; /* failed: 1 could not start, 2 and its error (ferr) came */
    unsigned char ferr;
};
enum { RUNNING, TIMED_OUT, STOPPED };

/* Its progress: a 'p' every 16 calls, 'E' at the end, 'F' and an error
 * number if it could not start. */
static void drain(struct run *w)
{
    char b[64];
    for (long n; (n = sys3(NR_read, w->rd, (long)b, sizeof b)) > 0; w->last = now_ms())
        for (long i = 0; i < n; i++) {
            if (w->failed == 1) {
                w->ferr = (unsigned char)b[i], w->failed = 2;
                continue;
            }
            w->calls += b[i] == 'p' ? 16 : 0, w->done |= b[i] == 'E';
            w->failed = b[i] == 'F' ? 1 : w->failed;
        }
}

/* What a worker's siblings can use up: its start failing so is the
 * kernel's right answer, not a fault. */
static int exhausted(unsigned e) { return e == 12 || e == 11 || e == 23 || e == 24; } /* ENOMEM EAGAIN ENFILE EMFILE */

static void kill_run(struct run *w, int fate) { sys3(NR_kill, w->pid, 9, 0), w->fate = (char)fate, w->killed = now_ms(); }

/* An orphan before the workers: the kernel starts its reaper thread the
 * first time a process outlives its parent, and a worker that first does
 * so in round N would leave `mem` one thread (and its stack) fuller after
 * round N than before, which the leak checks would take for a leak. */
static void orphan_once(void)
{
    long c = sys6(NR_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (sys6(NR_clone, 17, 0, 0, 0, 0, 0) == 0)
            nap(20); /* its parent is gone by then */
        sys1(NR_exit, 0);
    }
    if (c > 0)
        sys6(NR_wait4, c, 0, 0, 0, 0, 0);
}

static volatile int interrupted;
static void on_int(int sig, int *si, void *uc) { (void)sig, (void)si, (void)uc, interrupted = 1; }

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int verbose = argc > 1 && ustreq(argv[1], "-v");
    argv += verbose, argc -= verbose;
    if (argc > 2 && ustreq(argv[1], "-x")) {
        for (int i = 2; i < argc && nx < 4; i++) {
            long j = xlen[nx];
            if (ustreq(argv[i], ","))
                nx += j > 0;
            else if (j && j < 7 && argv[i][0] == 's' && argv[i][1] == ':') /* the worker puts it in the slot */
                xcall[nx][j] = (long)(slot((int)j - 1) - ustrlen(argv[i] + 2) - 1), xstr[nx][j - 1] = argv[i] + 2;
            else if (j < 7)
                xcall[nx][j] = parse(argv[i]);
            xlen[nx] += j < 7 && !ustreq(argv[i], ",");
        }
        nx += nx < 4 && xlen[nx] > 0, verbose = 1, argc = 1;
    }
    unsigned long seed = argc > 1 ? (unsigned long)parse(argv[1]) : 1;
    long total = argc > 2 ? parse(argv[2]) : nx ? 1 : 20000, nw = argc > 3 ? parse(argv[3]) : nx ? 1 : 8;
    if (total < 1 || nw < 1 || nw > 100000) {
        uputs("usage: ufuzz [-v] [seed] [calls] [workers] | ufuzz -x NR [ARG|s:TEXT]... [, NR ARG...]...\n");
        return 2;
    }
    long per = total / nw ? total / nw : 1, par = verbose ? 1 : PAR;
    long next = 0, active = 0, made = 0, killed = 0, timed_out = 0, bad = 0, poke = 0, ngroups = 0;
    static struct run run[PAR];
    static long groups[1024], lost[64]; /* the workers' process groups; those given up on */
    char top[32], path[64];
    put("/tmp/ufuzz-"), putd(sys1(NR_getpid, 0)), take(top, sizeof top);
    rm_tree(AT_FDCWD, top, 0);
    orphan_once();
    if (sys3(NR_mkdirat, AT_FDCWD, (long)top, 0700) != 0)
        return uputs("ufuzz: cannot make "), uputs(top), uputs("\n"), 1;
    set_handler(2, (unsigned long)on_int), set_handler(13, 1); /* SIGINT stops it; with no reader, still clean up */
    put("ufuzz: seed "), putd((long)seed), put(", "), putd(nw), put(" workers of "), putd(per);
    put(" calls (one alone: ufuzz -v SEED "), putd(per), put(" 1)\n"), flush(1);
    while ((next < nw && !interrupted) || active) {
        for (int i = 0; i < par && next < nw && !interrupted; i++) {
            int p[2];
            if (run[i].pid || sys3(NR_pipe2, (long)p, 04000 | 02000000, 0) != 0) /* O_NONBLOCK, O_CLOEXEC */
                continue;
            long pid = sys6(NR_clone, 17, 0, 0, 0, 0, 0);
            if (pid == 0)
                worker(seed + (unsigned long)next, per, verbose, top, p[1]);
            sys1(NR_close, p[1]);
            if (pid < 0) {
                sys1(NR_close, p[0]);
                break;
            }
            run[i] = (struct run){pid, (long)seed + next++, 0, now_ms(), 0, p[0], 0, RUNNING, 0, 0, 0};
            active++;
        }
        int st = 0, i;
        long r = sys6(NR_wait4, -1, (long)&st, 1 | 2 /* WNOHANG, WUNTRACED */, 0, 0, 0), t = now_ms();
        for (i = 0; r > 0 && i < par && run[i].pid != r; i++)
            ;
        struct run *w = &run[i];
        for (long j = 0; r > 0 && i == par && j < 64; j++)
            if (lost[j] == r)
                put("ufuzz: pid "), putd(r), put(" ended at last\n"), flush(1), lost[j] = 0, r = 0;
        if (r > 0 && i == par) {
            put("ufuzz: wait4 returned pid "), putd(r), put(", not a worker\n"), flush(1), bad++;
        } else if (r > 0 && (st & 0xff) == 0x7f) { /* stopped */
            kill_run(w, STOPPED), w->sig = st >> 8 & 0xff;
        } else if (r > 0) {
            drain(w);
            sys3(NR_kill, -w->pid, 9, 0); /* what it left in its group */
            put("ufuzz: worker seed "), putd(w->seed), put(" pid "), putd(w->pid), put(": ");
            w->done ? putd(per) : (put("~"), putd(w->calls));
            put(" calls, ");
            if (w->failed && exhausted(w->ferr))
                put("could not start (error "), putd(w->ferr), put(": resources its siblings hold)");
            else if (w->failed)
                put("could not start (error "), putd(w->ferr), put(")"), bad++;
            else if (w->fate == TIMED_OUT)
                put("timed out (no call for 3 s), killed"), timed_out++;
            else if (w->fate == STOPPED)
                put("stopped by signal "), putd(w->sig), put(", killed"), killed++;
            else if (st & 0x7f)
                put("killed by signal "), putd(st & 0x7f), killed++;
            else
                put("exit "), putd(st >> 8 & 0xff);
            put("\n"), flush(1);
            made += w->done ? per : w->calls;
            put(top), put("/"), putd(w->pid), take(path, sizeof path);
            if ((r = rm_tree(AT_FDCWD, path, 0)) != 0)
                put("ufuzz: cannot remove "), put(path), put(": "), putd(r), put("\n"), flush(1), bad++;
            sys1(NR_close, w->rd);
            groups[ngroups++ % 1024] = w->pid, w->pid = 0, active--;
        } else if (r == 0 || r == -EINTR) {
            for (i = 0, w = run; i < par; i++, w++) {
                if (!w->pid)
                    continue;
                drain(w);
                if (w->fate != RUNNING && t - w->killed > 30000) { /* a kernel bug: give up on it */
                    put("ufuzz: worker seed "), putd(w->seed), put(" pid "), putd(w->pid);
                    put(" still there 30 s after SIGKILL\n"), flush(1), bad++;
                    sys1(NR_close, w->rd), lost[poke % 64] = w->pid, w->pid = 0, active--;
                } else if (w->fate == RUNNING && (interrupted || t - w->last > 3000)) {
                    kill_run(w, TIMED_OUT);
                } else if (w->fate == RUNNING && t - w->last > 100) {
                    sys3(NR_kill, w->pid, (long[]){28, 23, 17}[poke++ % 3], 0);
                }
            }
            nap(10);
        } else {
            put("ufuzz: wait4: "), putd(r), put(" with "), putd(active), put(" workers running\n"), flush(1);
            bad++;
            break;
        }
    }
    /* What the workers left in their groups got SIGKILL: gone within 60 s. */
    for (long i = 0, t = now_ms(); i < ngroups && i < 1024; i++)
        while (sys3(NR_kill, -groups[i], 0, 0) == 0)
            if (now_ms() - t < 60000) {
                nap(50);
            } else {
                put("ufuzz: process group "), putd(groups[i]), put(" still there 60 s after SIGKILL\n"), flush(1);
                bad++;
                break;
            }
    if (rm_tree(AT_FDCWD, top, 0) != 0)
        put("ufuzz: cannot remove "), put(top), put("\n"), bad++;
    /* The message queues its plain names made: gone, with their messages;
     * also "ab", path()'s name without a NUL, which is a name when a
     * mapping has filled the hole after it, and the longest name of 'n's. */
    for (unsigned i = 0; i < sizeof paths / sizeof paths[0] - 1; i++)
        sys1(NR_mq_unlink, (long)paths[i]);
    static char longest[256];
    for (int i = 0; i < 255; i++)
        longest[i] = 'n';
    sys1(NR_mq_unlink, (long)"ab"), sys1(NR_mq_unlink, (long)longest);
    /* The System V segments they made: removed (IPC_INFO: the highest index in use). */
    static unsigned long ds[14];
    for (long i = 0, top = sys3(NR_shmctl, 0, 3 /* IPC_INFO */, (long)ds); i <= top; i++) {
        long id = sys3(NR_shmctl, i, 15 /* SHM_STAT_ANY */, (long)ds);
        if (id >= 0)
            sys3(NR_shmctl, id, 0 /* IPC_RMID */, 0);
    }
    put("ufuzz: "), putd(made), put(" calls in "), putd(next), put(" workers, "), putd(killed);
    put(" killed by signals, "), putd(timed_out), put(" timed out\n"), flush(1);
    return bad || interrupted ? 1 : 0;
}
