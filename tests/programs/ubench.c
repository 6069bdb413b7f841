/*
 * ubench: the user-mode benchmarks, one static binary that runs unchanged in
 * this kernel and in Debian's Linux (it uses only the Linux system-call
 * ABI); scripts/bench-user runs it in both, in the same QEMU, and prints the
 * ratios (docs/performance.md).
 *
 *   ubench [quick] [EXEC]
 *
 * Prints one `bench: <name> <value> <unit>` line per figure:
 *   user_getpid_ns        a getpid() round trip
 *   user_fork_exit_wait_us fork(), the child's _exit(0), the parent's wait4()
 *   user_fork_exec_wait_us the same with the child exec'ing EXEC ("true" as
 *                         argv[0]; default /bin/busybox, so busybox true;
 *                         /bin/ubench itself does the same: exits 0 as "true")
 *   user_pipe_64k_mbps    32 MiB through a pipe in 64 KiB writes and reads,
 *                         a child writing and the parent reading (what
 *                         `dd if=/dev/zero bs=64k | cat > /dev/null` moves)
 *   user_pipe_pingpong_us a byte there and back between two processes over
 *                         two pipes: two context switches
 *   user_mmap_8k_ns       an mmap of one anonymous page, where the kernel
 *                         chooses, while 8192 are mapped one after another
 *                         (read-only and writable in turn, so none merge):
 *                         what a lookup among many regions costs
 *   user_munmap_8k_ns     an munmap of one of them, from the first mapped
 *   user_clock_gettime_ns clock_gettime(CLOCK_MONOTONIC) through the vDSO,
 *                         found as glibc finds it (uvdso.h): what a C
 *                         library's call costs; the system call if there
 *                         is no vDSO
 *   user_clock_syscall_ns the same call as a system call: the trip into the
 *                         kernel, the call and the copy-out
 * Times are CLOCK_MONOTONIC's; under QEMU's -icount shift=0 one guest
 * instruction is one nanosecond of it. `quick` runs a tenth of the
 * iterations (a test that it works, not a measurement). Exits 1 if a call
 * failed (and says which), 0 otherwise.
 */
#include "uvdso.h"

#define SIGCHLD 17

static int failed;

static void fail(const char *what, long r)
{
    uputs("ubench: "), uputs(what), uputs(" failed: "), uputn(r), uputs("\n");
    failed = 1;
}

static long fork_(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }

/* wait4 for @p pid; its status, or -1 (reported) if the wait failed. */
static int reap(long pid)
{
    int st = 0;
    long r = sys6(NR_wait4, pid, (long)&st, 0, 0, 0, 0);
    if (r != pid) {
        fail("wait4", r);
        return -1;
    }
    return st;
}

static void bench_getpid(long n)
{
    long t = unow_ns();
    for (long i = 0; i < n; i++)
        sys1(NR_getpid, 0);
    ureport("user_getpid_ns", (unow_ns() - t) / n, "ns");
}

static void bench_fork(long n, const char *exec)
{
    char *argv[] = {"true", 0}, *envp[] = {0};
    long t = unow_ns();
    for (long i = 0; i < n; i++) {
        long pid = fork_();
        if (pid == 0) {
            if (exec)
                sys3(NR_execve, (long)exec, (long)argv, (long)envp);
            sys1(NR_exit, exec ? 127 : 0);
        }
        if (pid < 0)
            return fail("fork", pid);
        int st = reap(pid);
        if (st != 0) {
            if (st > 0)
                uputs("ubench: "), uputs(exec ? exec : "the child"), uputs(" ended with status "),
                    uputn(st), uputs("\n");
            failed = 1;
            return;
        }
    }
    ureport(exec ? "user_fork_exec_wait_us" : "user_fork_exit_wait_us", (unow_ns() - t) / n / 1000, "us");
}

static char block[65536];

static void bench_pipe(long mib)
{
    int p[2];
    long r = sys3(NR_pipe2, (long)p, 0, 0);
    if (r)
        return fail("pipe2", r);
    long total = mib << 20, t = unow_ns();
    long pid = fork_();
    if (pid == 0) {
        sys1(NR_close, p[0]);
        for (long done = 0; done < total;) {
            long w = sys3(NR_write, p[1], (long)block, sizeof block);
            if (w <= 0)
                sys1(NR_exit, 1);
            done += w;
        }
        sys1(NR_exit, 0);
    }
    if (pid < 0)
        return fail("fork", pid);
    sys1(NR_close, p[1]);
    long got = 0;
    while ((r = sys3(NR_read, p[0], (long)block, sizeof block)) > 0)
        got += r;
    sys1(NR_close, p[0]);
    int st = reap(pid);
    long ns = unow_ns() - t;
    if (got != total || st != 0)
        return fail("the pipe's transfer (bytes read)", got);
    ureport("user_pipe_64k_mbps", mib * 1000000000l / (ns ? ns : 1), "MB/s");
}

static void bench_pingpong(long n)
{
    int a[2], b[2];
    long r = sys3(NR_pipe2, (long)a, 0, 0);
    if (!r)
        r = sys3(NR_pipe2, (long)b, 0, 0);
    if (r)
        return fail("pipe2", r);
    char c = 'x';
    long pid = fork_();
    if (pid == 0) {
        sys1(NR_close, a[1]), sys1(NR_close, b[0]); /* so that the parent's close is our EOF */
        while (sys3(NR_read, a[0], (long)&c, 1) == 1)
            if (sys3(NR_write, b[1], (long)&c, 1) != 1)
                sys1(NR_exit, 1);
        sys1(NR_exit, 0);
    }
    if (pid < 0)
        return fail("fork", pid);
    sys1(NR_close, a[0]), sys1(NR_close, b[1]);
    long t = unow_ns();
    for (long i = 0; i < n; i++)
        if (sys3(NR_write, a[1], (long)&c, 1) != 1 || sys3(NR_read, b[0], (long)&c, 1) != 1) {
            sys3(NR_kill, pid, 9, 0), reap(pid), sys1(NR_close, a[1]), sys1(NR_close, b[0]);
            return fail("the ping-pong, round", i);
        }
    long ns = unow_ns() - t;
    sys1(NR_close, a[1]); /* the child reads EOF and exits */
    reap(pid);
    sys1(NR_close, b[0]);
    ureport("user_pipe_pingpong_us", ns / n / 1000, "us");
}

static long maps[8192];

static void bench_maps(long n)
{
    long t = unow_ns();
    for (long i = 0; i < n; i++) {
        maps[i] = sys6(NR_mmap, 0, 4096, i & 1 ? 1 : 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
        if (maps[i] < 0 && maps[i] > -4096) {
            for (long k = 0; k < i; k++)
                sys3(NR_munmap, maps[k], 4096, 0);
            return fail("mmap", maps[i]);
        }
    }
    ureport("user_mmap_8k_ns", (unow_ns() - t) / n, "ns");
    t = unow_ns();
    for (long i = 0; i < n; i++) {
        long r = sys3(NR_munmap, maps[i], 4096, 0);
        if (r)
            fail("munmap", r);
    }
    ureport("user_munmap_8k_ns", (unow_ns() - t) / n, "ns");
}

static void bench_clock(long n, char **envp)
{
    struct uvdso v;
    struct {
        long sec, nsec;
    } ts;
    long (*gt)(long, void *) = 0;
    if (!uvdso_open(&v, envp))
        gt = (long (*)(long, void *))uvdso_sym(&v, UVDSO_CLOCK_GETTIME, UVDSO_VERSION);
    long t = unow_ns();
    for (long i = 0; i < n; i++)
        if ((gt ? gt(1, &ts) : sys3(NR_clock_gettime, 1, (long)&ts, 0)) != 0)
            fail("clock_gettime", -1);
    ureport("user_clock_gettime_ns", (unow_ns() - t) / n, "ns");
    t = unow_ns();
    for (long i = 0; i < n; i++)
        if (sys3(NR_clock_gettime, 1, (long)&ts, 0) != 0)
            fail("clock_gettime", -1);
    ureport("user_clock_syscall_ns", (unow_ns() - t) / n, "ns");
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 0 && ustreq(argv[0], "true"))
        return 0; /* exec'd by bench_fork() */
    int quick = argc > 1 && ustreq(argv[1], "quick");
    const char *exec = argc > 1 + quick ? argv[1 + quick] : "/bin/busybox";
    long k = quick ? 10 : 1;
    bench_getpid(200000 / k);
    bench_fork(400 / k, 0);
    bench_fork(200 / k, exec);
    bench_pipe(quick ? 4 : 32);
    bench_pingpong(4000 / k);
    bench_maps(8192 / k);
    bench_clock(200000 / k, envp);
    return failed;
}
