/* tests/qemu/vdso_glibc_test.py's program: glibc's clock calls and a handler without
 * sa_restorer, linked static: glibc finds the vDSO from AT_SYSINFO_EHDR. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static volatile int got;
static void on_usr1(int sig) { got = sig; }

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
    raise(SIGUSR1);
    printf("vdso_glibc: 1000 clock_gettime, %ld backwards, gettimeofday %s, time %s, handler %s\n", back,
           tv.tv_sec > 0 ? "ok" : "bad", t > 0 ? "ok" : "bad", got == SIGUSR1 ? "returned" : "did not run");
    return 0;
}
