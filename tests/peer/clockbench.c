/*
 * clock_gettime as a user's program calls it, for scripts/bench-debian:
 * dynamically linked against Debian's glibc, so glibc's clock_gettime goes
 * through the vDSO (AT_SYSINFO_EHDR) where the kernel offers one, and the
 * same call made as a system call, for comparison.
 *
 *   clockbench [N]   (default 1,000,000 calls of each)
 *
 * Prints `clock_vdso_ns <ns per call, one decimal>` and `clock_syscall_ns
 * ...`, each timed by the clock it measures (CLOCK_MONOTONIC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Tenths of a nanosecond per call, printed as "<ns>.<tenth>". */
static void report(const char *name, long long ns, long n)
{
    long long tenths = ns * 10 / n;
    printf("%s %lld.%lld\n", name, tenths / 10, tenths % 10);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec t;
    volatile long long sink = 0;
    if (n < 1)
        n = 1;
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        sink += t.tv_nsec;
    }
    report("clock_vdso_ns", now_ns() - start, n);
    long m = n / 10 ? n / 10 : 1; /* the system call is the slow one */
    start = now_ns();
    for (long i = 0; i < m; i++) {
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
        sink += t.tv_nsec;
    }
    report("clock_syscall_ns", now_ns() - start, m);
    return sink == 42;
}
