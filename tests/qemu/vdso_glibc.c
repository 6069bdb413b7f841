/* tests/qemu/vdso_glibc_test.py's program: glibc's clock calls and a handler without
 * sa_restorer, linked static: glibc finds the vDSO from AT_SYSINFO_EHDR. The handler
 * also unwinds its own stack (libgcc's unwinder, as a C++ exception or a crash report
 * would) through the signal frame back to the function that raised the signal. */
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static volatile int got, found;
static void raiser(void);

static void on_usr1(int sig)
{
    void *pcs[32];
    int n = backtrace(pcs, 32);
    for (int i = 0; i < n; i++)
        if ((char *)pcs[i] > (char *)raiser && (char *)pcs[i] < (char *)raiser + 256)
            found = 1;
    got = sig;
}

__attribute__((noinline)) static void raiser(void)
{
    raise(SIGUSR1);
    __asm__ volatile("" ::: "memory"); /* no tail call: raiser stays on the stack */
}

int main(void)
{
    struct timespec a, b;
    long back = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        back += b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec);
        a = b;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    signal(SIGUSR1, on_usr1);
    raiser();
    printf("vdso_glibc: 1000 clock_gettime, %ld backwards, gettimeofday %s, time %s, handler %s, unwound %s\n",
           back, tv.tv_sec > 0 ? "ok" : "bad", t > 0 ? "ok" : "bad", got == SIGUSR1 ? "returned" : "did not run",
           found ? "to the raiser" : "short");
    return 0;
}
