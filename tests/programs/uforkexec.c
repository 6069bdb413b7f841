/*
 * uforkexec: fork, execve and wait4 from the program's side, one line a
 * check ("ok ..." or "FAIL ..."); exits with the number of failures.
 * `uforkexec child N` is what the execve check runs: exit with N.
 */
#include "usys.h"

#define SIGCHLD 17
#define SIGSEGV 11
#define ECHILD 10
#define ENOENT 2
#define EFAULT 14

#define fails (*ufails())
static volatile int shared_looking = 1;

static long ufork(void) { return sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }

static long uwait(long pid, int *status) { return sys6(NR_wait4, pid, (long)status, 0, 0, 0, 0); }

int main(int argc, char **argv, char **envp)
{
    if (argc == 3 && ustreq(argv[1], "child"))
        return (int)uatol(argv[2]);
    long me = sys1(NR_getpid, 0);
    int st = -1;

    long pid = ufork();
    if (pid == 0)
        uexit(sys1(NR_getppid, 0) == me ? 5 : 6);
    check(pid > 0 && pid != me, "fork returns the child's pid");
    check(uwait(pid, &st) == pid && st == 5 << 8, "wait4 reaps it: exit 5, and its getppid was our pid");

    pid = ufork();
    if (pid == 0) {
        shared_looking = 2;
        uexit(shared_looking);
    }
    check(uwait(pid, &st) == pid && st == 2 << 8 && shared_looking == 1,
          "the child wrote its own copy of memory, not ours");

    pid = ufork();
    if (pid == 0) {
        char *args[] = {"/bin/uforkexec", "child", "42", 0};
        sys3(NR_execve, (long)args[0], (long)args, (long)envp);
        uexit(99);
    }
    check(uwait(pid, &st) == pid && st == 42 << 8, "execve in the child ran the program anew: exit 42");

    pid = ufork();
    if (pid == 0)
        uexit((int)*(volatile long *)0);
    check(uwait(pid, &st) == pid && (st & 0x7f) == SIGSEGV, "a child's fault is its own: killed by SIGSEGV");

    char *none[] = {"nosuch", 0};
    check(sys3(NR_execve, (long)"/bin/nosuch", (long)none, 0) == -ENOENT, "execve of a missing program is ENOENT");
    check(sys3(NR_execve, 16, (long)none, 0) == -EFAULT, "execve of a bad path pointer is EFAULT");
    check(sys3(NR_execve, (long)"/bin/hello", 16, 0) == -EFAULT, "execve of a bad argv is EFAULT");

    long sum = 0, n = 0;
    for (int i = 0; i < 20; i++) {
        pid = ufork();
        if (pid == 0)
            uexit(i);
        n += pid > 0;
    }
    for (long got; (got = uwait(-1, &st)) > 0;)
        sum += st >> 8, n--;
    check(n == 0 && sum == 190, "twenty children, each reaped once by wait4(-1)");
    check(uwait(-1, &st) == -ECHILD, "no children left: ECHILD");

    pid = ufork();
    if (pid == 0) { /* its own child outlives it: an orphan the kernel reaps */
        if (ufork() == 0) {
            struct { long s, ns; } t = {0, 30000000};
            sys3(NR_nanosleep, (long)&t, 0, 0);
            uexit(0);
        }
        uexit(3);
    }
    check(uwait(pid, &st) == pid && st == 3 << 8, "a parent ends before its child");

    uputs("uforkexec: ");
    uputn(fails);
    uputs(" failed\n");
    return fails;
}
