/*
 * uvm: execve's argument limits and the stack that grows on demand, as
 * Linux has them (judged by Linux too: linux_uvm).
 *
 * execve takes strings and their pointers up to a quarter of RLIMIT_STACK
 * (2 MiB with the default 8 MiB), each string up to 32 pages with its NUL,
 * E2BIG beyond; the program execs itself ("args" mode) and counts what it
 * got. The stack grows on a fault below it up to RLIMIT_STACK, SIGSEGV
 * beyond, and no closer than the guard gap (256 pages) to the mapping
 * below it.
 */
#include "uchild.h"
#include "umem.h"

#define fails (*ufails())

enum { E2BIG = 7, EEXIST = 17, SIGSEGV = 11, PG = 4096 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000 };
enum { RLIMIT_STACK = 3, RLIMIT_CORE = 4, ARG_STRLEN = 32 * PG };

static const char *self;

static long ummap(long addr, long len, int prot, int flags)
{
    return sys6(NR_mmap, addr, len, prot, flags, -1, 0);
}

/* ---- execve's arguments ---- */

static void set_limit(int res, unsigned long cur)
{
    unsigned long old[2], lim[2];
    sys6(NR_prlimit64, 0, res, 0, (long)old, 0, 0);
    lim[0] = cur, lim[1] = old[1];
    sys6(NR_prlimit64, 0, res, (long)lim, 0, 0, 0);
}

static char *num(char *b, long v) /* b: 24 bytes */
{
    char *e = b + 23;
    *e = 0;
    do
        *--e = (char)('0' + v % 10);
    while (v /= 10);
    return e;
}

/* Exec this program with @p n strings of @p len bytes each (and "args",
 * the count and the bytes it should see), under a stack limit of @p stack
 * bytes (0: as it is), in a child: its exit status, which is 0 if the new
 * program saw them all, else execve's error. */
static int exec_with(long n, long len, unsigned long stack)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (stack)
            set_limit(RLIMIT_STACK, stack);
        long vbytes = (n + 6) * (long)sizeof(char *);
        char **v = (char **)ummap(0, vbytes + len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
        if ((long)v < 0)
            uexit(100);
        char *s = (char *)v + vbytes, cb[24], bb[24], *env[] = {0};
        for (long i = 0; i < len; i++)
            s[i] = 'a';
        s[len] = 0;
        v[0] = (char *)self, v[1] = "args", v[2] = num(cb, n + 4), v[3] = num(bb, n * len);
        for (long i = 0; i < n; i++)
            v[4 + i] = s;
        v[4 + n] = 0;
        long e = sys3(NR_execve, (long)self, (long)v, (long)env);
        uexit((int)-e);
    }
    int st = reap_status(c);
    return (st & 0x7f) ? 200 + (st & 0x7f) : (st >> 8) & 0xff;
}

/* "args" mode: argc and the bytes of argv[4...] as argv[2] and argv[3] say. */
static int args_mode(int argc, char **argv)
{
    long bytes = 0;
    for (int i = 4; i < argc; i++)
        bytes += (long)ustrlen(argv[i]);
    return argc == uatol(argv[2]) && bytes == uatol(argv[3]) && !argv[argc] ? 0 : 1;
}

static void args_checks(void)
{
    if (uskip_on_qemu_user("execve's argument limits (the program cannot execve itself there)"))
        return;
    uexpect(exec_with(14, ARG_STRLEN - 1, 0), 0, "execve with 14 strings of 32 pages (1.75 MiB) runs");
    uexpect(exec_with(17, ARG_STRLEN - 1, 0), E2BIG, "execve with 17 of them (past 2 MiB) is E2BIG");
    uexpect(exec_with(1, ARG_STRLEN, 0), E2BIG, "one string of 32 pages and its NUL is E2BIG");
    uexpect(exec_with(20000, 1, 0), 0, "execve with 20000 strings runs, argc counted");
    uexpect(exec_with(3, ARG_STRLEN - 1, 1 << 20), E2BIG, "a 1 MiB stack limit allows 256 KiB: 384 KiB is E2BIG");
    uexpect(exec_with(1, ARG_STRLEN - 1, 1 << 20), 0, "and 128 KiB runs");
}

/* ---- the stack ---- */

static char *stack_base;

/* Recurse until @p target bytes of stack are in use below stack_base. */
__attribute__((noinline)) static long recurse(long target)
{
    volatile char buf[512];
    buf[0] = 1;
    if (stack_base - (char *)buf >= target)
        return buf[0];
    return recurse(target) + buf[0];
}

static void deep(long target)
{
    volatile char here;
    stack_base = (char *)&here;
    recurse(target);
}

/* In a child: under a limit of @p limit bytes (0: as it is), with a page
 * mapped @p below bytes under the stack (0: none), use @p use bytes of
 * stack; its wait status. */
static int stack_child(unsigned long limit, long below, long use)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        volatile char here;
        set_limit(RLIMIT_CORE, 0); /* no core dump from the SIGSEGV */
        if (limit)
            set_limit(RLIMIT_STACK, limit);
        if (below) {
            long at = ((long)&here & -(long)PG) - below;
            if (ummap(at, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE) != at)
                uexit(100);
        }
        deep(use);
        uexit(0);
    }
    int st = reap_status(c);
    return st & 0x7f ? st & 0x7f : st; /* the signal alone, without a core dump's bit */
}

static void stack_checks(void)
{
    unsigned long lim[2] = {0, 0};
    sys6(NR_prlimit64, 0, RLIMIT_STACK, 0, (long)lim, 0, 0);
    uexpect((long)lim[0], 8 << 20, "RLIMIT_STACK is 8 MiB");
    uexpect(stack_child(0, 0, 4 << 20), 0, "a recursion using 4 MiB of stack runs");
    uexpect(stack_child(0, 0, 6 << 20), 0, "and one using 6 MiB");
    if (!uskip_on_qemu_user("the stack's limit and guard gap (qemu-user's stack is fixed)")) {
        uexpect(stack_child(1 << 20, 0, 2 << 20), SIGSEGV, "past a 1 MiB RLIMIT_STACK it is SIGSEGV");
        uexpect(stack_child(0, 3 << 20, 1 << 20), 0, "a page mapped 3 MiB below: 1 MiB of stack runs");
        uexpect(stack_child(0, 3 << 20, (5 << 20) / 2), SIGSEGV,
                "2.5 MiB is SIGSEGV: the stack keeps 256 pages from the mapping below");
    }
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc >= 4 && ustreq(argv[1], "args"))
        return args_mode(argc, argv);
    self = argv[0];
    args_checks();
    stack_checks();
    uputs("uvm: "), uputn(fails), uputs(" failed\n");
    return fails > 255 ? 255 : fails;
}
