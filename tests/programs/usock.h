/*
 * usock.h: the socket helpers the socket test programs share: send, recv,
 * close, a child forked and waited for, a socket asked for as a user, an
 * int option set and read, one descriptor polled, and both ends of a TCP
 * echo.
 */
#ifndef USOCK_H
#define USOCK_H

#include "usys.h"

static inline long uclose(long s) { return sys1(NR_close, s); }
static inline long usend(long s, const void *b, long n, int fl) { return sys6(NR_sendto, s, (long)b, n, fl, 0, 0); }
static inline long urecv(long s, void *b, long n, int fl) { return sys6(NR_recvfrom, s, (long)b, n, fl, 0, 0); }
/* A child process sharing nothing (fork(): SIGCHLD, 17, at its exit). */
static inline long ufork(void) { return sys6(NR_clone, 17, 0, 0, 0, 0, 0); }
/* The wait status of @pid, once it ended. */
static inline int uwait(long pid)
{
    int st = -1;
    sys6(NR_wait4, pid, (long)&st, 0, 0, 0, 0);
    return st;
}
/* The wait status of a child that becomes user 1000 if it is root, then
 * asks for socket(@family, @type, @proto): 0 if that was refused with
 * EPERM, 2 if the setuid failed, 3 if the socket was given or refused
 * otherwise (exit codes, so a status of 0 is the refusal). */
static inline int usocket_as_user(int family, int type, int proto)
{
    long c = ufork();
    if (c == 0) {
        if (sys1(NR_getuid, 0) == 0 && sys1(NR_setuid, 1000))
            uexit(2);
        long r = sys3(NR_socket, family, type, proto);
        uexit(r == -1 /* EPERM */ ? 0 : 3);
    }
    return uwait(c);
}
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
    while ((n = urecv(s, buf, sizeof buf, 0)) > 0) {
        total += n;
        if (usend(s, buf, n, 0) != n)
            break;
    }
    *last = n;
    return total;
}

/* The other end of uecho() on the connected @s: @total bytes in pieces of
 * @piece (at most 16 KiB), each read back whole and compared, then our FIN
 * and the server's close. 0 when all came back intact and the stream ended,
 * else the step that failed, as an exit status: 3 a send (or a piece too
 * large), 4 a receive, 5 no end, 6 bytes that differed. */
static inline int uecho_client(long s, long total, long piece)
{
    static unsigned char b[16384], r[16384];
    long bad = 0;
    if (piece > (long)sizeof b)
        return 3;
    for (long off = 0; off < total; off += piece) {
        for (long i = 0; i < piece; i++)
            b[i] = (unsigned char)((off + i) * 13 + ((off + i) >> 9));
        if (usend(s, b, piece, 0) != piece)
            return 3;
        if (urecv(s, r, piece, 0x100 /* MSG_WAITALL */) != piece)
            return 4;
        for (long i = 0; i < piece; i++)
            bad += r[i] != b[i];
    }
    sys3(NR_shutdown, s, 1 /* SHUT_WR */, 0);
    if (urecv(s, r, 1, 0) != 0) /* the server closes after our FIN */
        return 5;
    return bad ? 6 : 0;
}

#endif
