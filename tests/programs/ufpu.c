/*
 * ufpu [rounds]: a process's FP/SIMD registers and thread pointer are its
 * own, through switches, migrations and fork.
 *
 * The parent fills every FP/SIMD register and the control word from one
 * seed and points its thread pointer at a word of its own, then forks with
 * CLONE_SETTLS. The child first checks it inherited the registers and got
 * the new thread pointer, then loads registers from another seed. Both
 * yield `rounds` times (on one CPU they take turns; on several they move)
 * and check after each that nothing changed. Exit status 0, or the number
 * of the first check that failed (the child's plus 10), as its output says.
 */
#include "usys.h"

#define SIGCHLD 17
#define CLONE_SETTLS 0x00080000

static void fill(unsigned long *w, unsigned long seed)
{
    unsigned long x = seed * 0x9e3779b97f4a7c15ul + 1;
    for (int i = 0; i < UFP_WORDS - 1; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = x;
    }
    w[UFP_WORDS - 1] = ufp_control(seed);
}

/* The first differing word, or -1. */
static int differ(const unsigned long *a, const unsigned long *b)
{
    for (int i = 0; i < UFP_WORDS; i++)
        if (a[i] != b[i])
            return i;
    return -1;
}

static int fail(int check, const char *what, int word)
{
    uputs("ufpu: ");
    uputs(what);
    if (word >= 0) {
        uputs(" (word ");
        uputn(word);
        uputs(")");
    }
    uputs("\n");
    return check;
}

/* Yield @p rounds times with the registers loaded from @p want; 0 or the failed check. */
static int hold(const unsigned long *want, long rounds, unsigned long tls_word, int base)
{
    unsigned long got[UFP_WORDS];
    for (long r = 0; r < rounds; r++) {
        sys1(NR_sched_yield, 0);
        ufp_store(got);
        int d = differ(want, got);
        if (d >= 0)
            return fail(base + 1, "FP/SIMD registers changed across a switch", d);
        if (utls_word0() != tls_word)
            return fail(base + 2, "thread pointer changed across a switch", -1);
    }
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    long rounds = argc > 1 ? uatol(argv[1]) : 200;
    static unsigned long tls_words[2] = {0x7e11a0000000aaaaul, 0x7e11a0000000bbbbul};
    unsigned long a[UFP_WORDS], b[UFP_WORDS], got[UFP_WORDS];
    fill(a, 1);
    fill(b, 2);
    if (utls_set(&tls_words[0]) != 0)
        return fail(1, "could not set the thread pointer", -1);
    ufp_load(a);
    long pid = UCLONE_TLS(SIGCHLD | CLONE_SETTLS, &tls_words[1]);
    if (pid < 0)
        return fail(2, "clone failed", -1);
    if (pid == 0) {
        ufp_store(got);
        int d = differ(a, got);
        if (d >= 0)
            uexit(fail(13, "child: registers not inherited from the parent", d));
        if (utls_word0() != tls_words[1])
            uexit(fail(14, "child: CLONE_SETTLS did not set the thread pointer", -1));
        ufp_load(b);
        uexit(hold(b, rounds, tls_words[1], 10));
    }
    int e = hold(a, rounds, tls_words[0], 0);
    int status = 0;
    if (sys6(NR_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return fail(5, "wait4 failed", -1);
    if (e)
        return e;
    if (status != 0)
        return fail((status >> 8 & 0xff) ? (status >> 8 & 0xff) : 6, "the child failed", -1);
    return 0;
}
