/*
 * usock.h: the socket helpers the socket test programs share: an int
 * option set and read, one descriptor polled, an echo until the peer's end.
 */
#ifndef USOCK_H
#define USOCK_H

#include "usys.h"

static inline long usetint(long s, int lvl, int name, int v) { return sys6(NR_setsockopt, s, lvl, name, (long)&v, 4, 0); }
static inline int ugetint(long s, int lvl, int name)
{
    int v = -1;
    unsigned len = 4;
    long r = sys6(NR_getsockopt, s, lvl, name, (long)&v, (long)&len, 0);
    return r ? (int)r : v;
}
static inline int upoll1(long fd, int events, long ms)
{
    struct {
        int fd;
        short ev, rev;
    } p = {(int)fd, (short)events, 0};
    struct {
        long s, ns;
    } t = {ms / 1000, ms % 1000 * 1000000};
    long r = sys6(NR_ppoll, (long)&p, 1, (long)&t, 0, 8, 0);
    return r < 0 ? (int)r : p.rev;
}

/* Send back what @s receives until the peer's end (or an error): the
 * bytes echoed; *@last the last recv's result (0 at the end). */
static inline long uecho(long s, long *last)
{
    static unsigned char buf[16384];
    long total = 0, n;
    while ((n = sys6(NR_recvfrom, s, (long)buf, sizeof buf, 0, 0, 0)) > 0) {
        total += n;
        if (sys6(NR_sendto, s, (long)buf, n, 0, 0, 0) != n)
            break;
    }
    *last = n;
    return total;
}

#endif
