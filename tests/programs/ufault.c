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
 *             exits 0 if the failure was EAGAIN (the process table full);
 *             says how many processes /proc/sys/kernel/threads-max
 *             allows and how many the table held besides its children
 *   threadsmax /proc/sys/kernel/threads-max's errors, one line a check:
 *             EINVAL out of the kernel's bounds (64 to 4096) or not a
 *             number, EACCES opening it for writing as a user other
 *             than root; root's write in bounds is read back; exits
 *             with the failures (kernel only: it sets the limit)
 *   hog       touches page after page of a huge mapping until memory runs
 *             out                          SIGKILL (out of memory)
 *   exit N    no fault: exit with N
 */
#include "usys.h"

#define SIGKILL 9
#define SIGCHLD 17
#define EAGAIN 11
#define EACCES 13
#define EINVAL 22
#define MAX_KIDS 4096
#define AT_FDCWD (-100)
#define TM "/proc/sys/kernel/threads-max"

static long uopen(const char *p, long fl) { return sys6(NR_openat, AT_FDCWD, (long)p, fl, 0, 0, 0); }

/* threads-max's number, or -errno. */
static long threads_max(void)
{
    char b[24];
    long fd = uopen(TM, 0 /* O_RDONLY */);
    if (fd < 0)
        return fd;
    long n = sys3(NR_read, fd, (long)b, sizeof b - 1);
    sys1(NR_close, fd);
    if (n <= 0)
        return n < 0 ? n : -EINVAL;
    b[n] = 0;
    return uatol(b);
}

/* What root's write of @p text to threads-max returns. */
static long tm_write(const char *text)
{
    long fd = uopen(TM, 1 /* O_WRONLY */);
    if (fd < 0)
        return fd;
    long r = sys3(NR_write, fd, (long)text, (long)ustrlen(text));
    sys1(NR_close, fd);
    return r;
}

static int threadsmax(void)
{
    long l = threads_max();
    check(l >= 64 && l <= 4096, "threads-max reads a number from 64 to 4096");
    uexpect(tm_write("63\n"), -EINVAL, "write 63 (below 64): EINVAL");
    uexpect(tm_write("4097\n"), -EINVAL, "write 4097 (above 4096): EINVAL");
    uexpect(tm_write("-1\n"), -EINVAL, "write -1: EINVAL");
    uexpect(tm_write("99999999999999999999\n"), -EINVAL, "write 10^20: EINVAL");
    uexpect(tm_write("many\n"), -EINVAL, "write a word: EINVAL");
    uexpect(tm_write("100 5\n"), -EINVAL, "write two numbers: EINVAL");
    uexpect(threads_max(), l, "refused writes change nothing");
    uexpect(tm_write("64\n"), 3, "write 64: taken");
    uexpect(threads_max(), 64, "and read back");
    char b[24], *p = b + sizeof b;
    *--p = 0;
    for (unsigned long u = (unsigned long)l; u; u /= 10)
        *--p = (char)('0' + u % 10);
    uexpect(tm_write(p), (long)ustrlen(p), "write the first value back (no newline): taken");
    uexpect(threads_max(), l, "and read back");
    long c = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (sys1(NR_setuid, 1000) != 0)
            sys1(NR_exit, 2);
        sys1(NR_exit, uopen(TM, 1) == -EACCES && threads_max() == l ? 0 : 1);
    }
    int st = -1;
    sys6(NR_wait4, c, (long)&st, 0, 0, 0, 0);
    uexpect(st, 0, "user 1000: reads it, opening it for writing is EACCES");
    uputs("ufault: threadsmax: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails();
}

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
    long l = threads_max(); /* after the reaping: /proc needs no more process */
    uputs("ufault: threads-max "), uputn(l), uputs(", held besides the children "), uputn(l - n), uputs("\n");
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
        uputs("usage: ufault null|kread|kwrite|kjump|stackexec|textwrite|ill|forkbomb|threadsmax|hog|exit N\n");
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
    if (ustreq(k, "threadsmax"))
        return threadsmax();
    if (ustreq(k, "hog"))
        return hog();
    if (ustreq(k, "exit") && argc > 2)
        return (int)uatol(argv[2]);
    uputs("ufault: unknown kind\n");
    return 2;
}
