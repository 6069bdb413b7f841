/*
 * ufault KIND: does one forbidden thing; the kernel must kill it with the
 * right signal (the test checks the wait status) and carry on.
 *   null      read address 0              SIGSEGV
 *   kread     read a kernel address        SIGSEGV
 *   kwrite    write a kernel address       SIGSEGV
 *   kjump     jump to a kernel address     SIGSEGV
 *   stackexec jump into its own stack      SIGSEGV (W^X)
 *   textwrite write its own code           SIGSEGV
 *   ill       an undefined instruction     SIGILL
 *   forkbomb  forks until fork fails, then kills and reaps every child:
 *             exits 0 if the failure was EAGAIN (the process table full)
 *   hog       touches page after page of a huge mapping until memory runs
 *             out                          SIGKILL (out of memory)
 *   exit N    no fault: exit with N
 */
#include "usys.h"

#define SIGKILL 9
#define SIGCHLD 17
#define EAGAIN 11
#define MAX_KIDS 4096

/* Forks until fork fails; every child sleeps until killed. */
static int forkbomb(void)
{
    static long kids[MAX_KIDS];
    long n = 0, err = 0;
    while (n < MAX_KIDS) {
        long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (c == 0)
            for (;;) {
                long ts[2] = {100, 0};
                sys3(NR_nanosleep, (long)ts, 0, 0);
            }
        if (c < 0) {
            err = c;
            break;
        }
        kids[n++] = c;
    }
    for (long i = 0; i < n; i++)
        sys3(NR_kill, kids[i], SIGKILL, 0);
    long reaped = 0;
    for (long i = 0; i < n; i++)
        reaped += sys6(NR_wait4, kids[i], 0, 0, 0, 0, 0) == kids[i];
    uputs("ufault: forked ");
    uputn(n);
    uputs(err == -EAGAIN ? ", then EAGAIN\n" : ", then no EAGAIN\n");
    return err == -EAGAIN && n > 0 && reaped == n ? 0 : 1;
}

/* Touches a page of a 64 GiB mapping after another: memory runs out first. */
static int hog(void)
{
    unsigned long len = 64ul << 30;
    long m = sys6(NR_mmap, 0, len, 3, 0x22, -1, 0);
    if (m <= 0)
        return 3;
    for (unsigned long off = 0; off < len; off += 4096)
        ((volatile char *)m)[off] = 1;
    return 4; /* 64 GiB of frames: not on the machines this runs on */
}

/* The top of the address space is the kernel's on every arch here. */
#define KERNEL_ADDR ((volatile long *)0xffffffffc0000000ul)

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 2) {
        uputs("usage: ufault null|kread|kwrite|kjump|stackexec|textwrite|ill|forkbomb|hog|exit N\n");
        return 2;
    }
    const char *k = argv[1];
    if (ustreq(k, "null"))
        return (int)*(volatile long *)0;
    if (ustreq(k, "kread"))
        return (int)*KERNEL_ADDR;
    if (ustreq(k, "kwrite")) {
        *KERNEL_ADDR = 1;
        return 0;
    }
    if (ustreq(k, "kjump"))
        ((void (*)(void))(unsigned long)KERNEL_ADDR)();
    if (ustreq(k, "stackexec")) {
        volatile unsigned code[4] = {0, 0, 0, 0};
        ((void (*)(void))(unsigned long)code)();
    }
    if (ustreq(k, "textwrite")) {
        *(volatile unsigned char *)(unsigned long)main = 0;
        return 0;
    }
    if (ustreq(k, "ill"))
        ILLEGAL_INSN();
    if (ustreq(k, "forkbomb"))
        return forkbomb();
    if (ustreq(k, "hog"))
        return hog();
    if (ustreq(k, "exit") && argc > 2)
        return (int)uatol(argv[2]);
    uputs("ufault: unknown kind\n");
    return 2;
}
