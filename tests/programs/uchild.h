/*
 * uchild.h: checks run in a forked child, for the test programs that judge
 * something between two processes. The child reports its own checks
 * ("ok"/"FAIL" lines) and exits with its failures; the parent adds them to
 * its own, or fails a check if the child was killed.
 */
#ifndef UCHILD_H
#define UCHILD_H

#include "usys.h"

#define UCHILD_SIGCHLD 17

/* Runs fn(arg) in a forked child; the child's pid. */
static inline long fork_child(void (*fn)(long), long arg)
{
    long c = sys6(NR_clone, UCHILD_SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        *ufails() = 0;
        fn(arg);
        uexit(*ufails() > 255 ? 255 : *ufails());
    }
    return c;
}

/* The child's wait status. */
static inline int reap_status(long c)
{
    int status = -1;
    sys6(NR_wait4, c, (long)&status, 0, 0, 0, 0);
    return status;
}

/* Waits for child @p c: its failures counted, or a failed check @p what
 * if a signal ended it. */
static inline void reap(long c, const char *what)
{
    int status = reap_status(c);
    if ((status & 0x7f) != 0)
        uexpect(status, 0, what);
    else
        *ufails() += (status >> 8) & 0xff;
}

static inline void in_child(void (*fn)(long), long arg) { reap(fork_child(fn, arg), "the child exits"); }

static inline void nap_ms(long ms)
{
    struct {
        long sec, nsec;
    } t = {ms / 1000, (ms % 1000) * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

#endif
