/*
 * usys.h: the little our test programs need of the Linux ABI, with no C
 * library: a system call on each architecture, the process entry, and a
 * few helpers. Programs here are built by our clang, static, freestanding
 * (cmake/user_progs.cmake), and embedded in the kernel for `run` and the
 * user_* ktests.
 */
#ifndef USYS_H
#define USYS_H

typedef unsigned long size_t;
typedef long ssize_t;

/* The arch's half (arch/<arch>/usys_arch.h, the arch's own found through
 * the build's -I, so no program tests the arch): NR_* numbers, sys6(),
 * the _start stub that calls ustart_c(sp), ILLEGAL_INSN(). */
#include "usys_arch.h"

static inline long sys1(long n, long a) { return sys6(n, a, 0, 0, 0, 0, 0); }

/* rt_sigaction's struct sigaction, as the kernel takes it (the arch says
 * whether it has sa_restorer: USA_HAS_RESTORER). */
struct usigaction {
    unsigned long handler, flags;
#ifdef USA_HAS_RESTORER
    unsigned long restorer;
#endif
    unsigned long mask;
};
static inline long sys3(long n, long a, long b, long c) { return sys6(n, a, b, c, 0, 0, 0); }

static inline size_t ustrlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline void uputs(const char *s) { sys3(NR_write, 1, (long)s, (long)ustrlen(s)); }

static inline void uputn(long v)
{
    char b[24], *p = b + sizeof b;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    *--p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    uputs(p);
}

static inline long uatol(const char *s)
{
    long v = 0, neg = *s == '-';
    for (s += neg; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return neg ? -v : v;
}

static inline int ustreq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* CLOCK_MONOTONIC in nanoseconds (under QEMU's -icount shift=0, one guest
 * instruction each). */
static inline long unow_ns(void)
{
    struct {
        long sec, nsec;
    } t;
    sys3(NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)&t, 0);
    return t.sec * 1000000000l + t.nsec;
}

/* A benchmark's figure, as scripts/bench* read it: "bench: NAME VALUE UNIT". */
static inline void ureport(const char *name, long value, const char *unit)
{
    uputs("bench: "), uputs(name), uputs(" "), uputn(value), uputs(" "), uputs(unit), uputs("\n");
}

/* The checks of the test programs: one line each, "ok   what" or
 * "FAIL what"; ufails() counts the failures (the program's exit code). */
static inline int *ufails(void)
{
    static int n;
    return &n;
}

static inline void check(int ok, const char *what)
{
    uputs(ok ? "ok   " : "FAIL ");
    uputs(what);
    uputs("\n");
    *ufails() += !ok;
}

/* A check of a number: "ok   what", or "FAIL what (got G, expected W)"
 * naming both; counted as check() counts. Nonzero if it held. */
static inline int uexpect(long got, long want, const char *what)
{
    if (got == want) {
        check(1, what);
        return 1;
    }
    uputs("FAIL "), uputs(what), uputs(" (got "), uputn(got), uputs(", expected "), uputn(want), uputs(")\n");
    *ufails() += 1;
    return 0;
}

__attribute__((noreturn)) static inline void uexit(int code)
{
    sys1(NR_exit_group, code);
    for (;;)
        ;
}

/* The environment, as the entry (ustart_c) found it. */
static inline char ***uenviron(void)
{
    static char **env;
    return &env;
}

/* Whether this runs on Linux itself rather than on our kernel (whose uname
 * version says "kernel ..."): the programs whose every check is Linux's
 * answer also run on the build host's Linux (cmake/linux_judged.cmake). A
 * check that only makes sense in our kernel is guarded by
 * uskip_on_linux(what), which says it is skipped there. */
static inline int uon_linux(void)
{
    struct {
        char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
    } u;
    if (sys1(NR_uname, (long)&u) != 0)
        return 0;
    const char *v = u.version, *k = "kernel ";
    while (*k && *v == *k)
        v++, k++;
    return *k != 0;
}
static inline int uskip_on_linux(const char *what)
{
    if (!uon_linux())
        return 0;
    uputs("skip "), uputs(what), uputs(" (skipped on Linux)\n");
    return 1;
}
/* The same for a check where qemu-user (which runs the aarch64 and riscv64
 * builds on the host) answers otherwise than Linux: the ctest says so by
 * setting ULINUX_QEMU_USER=1 in the environment. */
static inline int uskip_on_qemu_user(const char *what)
{
    for (char **e = *uenviron(); e && *e; e++)
        if (ustreq(*e, "ULINUX_QEMU_USER=1")) {
            uputs("skip "), uputs(what), uputs(" (skipped under qemu-user, which answers otherwise)\n");
            return 1;
        }
    return 0;
}

int main(int argc, char **argv, char **envp);

/* The entry: the kernel leaves argc at sp, argv after it (System V ABI). */
__attribute__((used, noreturn)) static void ustart_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    *uenviron() = argv + argc + 1;
    uexit(main(argc, argv, argv + argc + 1));
}

#endif
