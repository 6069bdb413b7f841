/*
 * uunix: AF_UNIX sockets and the socket calls, checked against Linux's
 * answers (judged by Linux: cmake/linux_judged.cmake), one line each.
 *
 * A stream echo under load (three children through a listener at a
 * file-system name, the parent echoing with ppoll); socketpair of each
 * type, fstat (S_IFSOCK) and /proc/self/fd's socket:[INO]; SCM_RIGHTS
 * passing a pipe (MSG_CMSG_CLOEXEC, MSG_CTRUNC when the control buffer is
 * short, a socket passed over itself); datagram and seqpacket boundaries
 * (MSG_TRUNC, MSG_PEEK, sendmmsg and recvmmsg); abstract, file-system and
 * autobound names; the errors of bad arguments, and EFAULT for every bad
 * pointer; O_NONBLOCK and MSG_DONTWAIT (EAGAIN), SO_RCVTIMEO; SIGPIPE and
 * MSG_NOSIGNAL; shutdown and poll's events; EINTR and SA_RESTART; peer
 * credentials (SO_PEERCRED, SCM_CREDENTIALS); the generic options.
 */
#include "uchild.h"
#include "umsg.h"
#include "ustat.h"
#include "usys.h"

enum { AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5, SOCK_NONBLOCK = 04000,
       SOCK_CLOEXEC = 02000000 };
enum { MSG_PEEK = 2, MSG_CTRUNC = 8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_WAITALL = 0x100,
       MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000 };
enum { SOL_SOCKET = 1, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_PASSCRED = 16, SO_PEERCRED = 17,
       SO_RCVTIMEO = 20, SO_ACCEPTCONN = 30, SO_PROTOCOL = 38, SO_DOMAIN = 39 };
enum { SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2 };
enum { EPERM = 1, ENOENT = 2, ENXIO = 6, EINTR = 4, EBADF = 9, EAGAIN = 11, EFAULT = 14, EEXIST = 17, EINVAL = 22,
       EPIPE = 32, EDOM = 33, ENOTSOCK = 88, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93,
       ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98, ENOTCONN = 107,
       ECONNREFUSED = 111, EMSGSIZE = 90, EISCONN = 106 };
enum { POLLIN = 1, POLLOUT = 4, POLLHUP = 0x10, POLLRDHUP = 0x2000 };
enum { F_GETFD = 1, F_GETFL = 3, FD_CLOEXEC = 1, O_NONBLOCK = 04000, FIONREAD = 0x541B, FIONBIO = 0x5421 };
enum { AT_FDCWD = -100, S_IFMT = 0170000, S_IFSOCK = 0140000 };
enum { SIGUSR1 = 10, SIGPIPE = 13, SA_RESTART = 0x10000000 };
#define SA_RESTORER 0x04000000ul

#define BAD ((void *)8)           /* an address nothing maps */
#define KBAD ((void *)-4096l)    /* above user space */

struct sockaddr_un {
    unsigned short family;
    char path[108];
};
struct pollfd {
    int fd;
    short events, revents;
};
struct ucred {
    int pid, uid, gid;
};
struct timeval {
    long sec, usec;
};

static long usocket(long d, long t, long p) { return sys3(NR_socket, d, t, p); }
static long upair(long d, long t, int *sv) { return sys6(NR_socketpair, d, t, 0, (long)sv, 0, 0); }
static long ubind(long fd, const void *a, long n) { return sys3(NR_bind, fd, (long)a, n); }
static long uconnect(long fd, const void *a, long n) { return sys3(NR_connect, fd, (long)a, n); }
static long ulisten(long fd, long n) { return sys3(NR_listen, fd, n, 0); }
static long uaccept4(long fd, void *a, int *n, long fl) { return sys6(NR_accept4, fd, (long)a, (long)n, fl, 0, 0); }
static long usend(long fd, const void *b, long n, long fl) { return sys6(NR_sendto, fd, (long)b, n, fl, 0, 0); }
static long urecv(long fd, void *b, long n, long fl) { return sys6(NR_recvfrom, fd, (long)b, n, fl, 0, 0); }
static long usendto(long fd, const void *b, long n, const void *a, long al)
{
    return sys6(NR_sendto, fd, (long)b, n, 0, (long)a, al);
}
static long urecvfrom(long fd, void *b, long n, void *a, int *al) { return sys6(NR_recvfrom, fd, (long)b, n, 0, (long)a, (long)al); }
static long ugetopt(long fd, long lv, long nm, void *v, int *n) { return sys6(NR_getsockopt, fd, lv, nm, (long)v, (long)n, 0); }
static long usetopt(long fd, long lv, long nm, const void *v, long n) { return sys6(NR_setsockopt, fd, lv, nm, (long)v, n, 0); }
static long uclose(long fd) { return sys1(NR_close, fd); }
static long uread(long fd, void *b, long n) { return sys3(NR_read, fd, (long)b, n); }
static long uwrite(long fd, const void *b, long n) { return sys3(NR_write, fd, (long)b, n); }
static long upoll(struct pollfd *f, long n, long ms)
{
    struct {
        long sec, nsec;
    } t = {ms / 1000, (ms % 1000) * 1000000};
    return sys6(NR_ppoll, (long)f, n, ms < 0 ? 0 : (long)&t, 0, 8, 0);
}
static int events(long fd)
{
    struct pollfd p = {(int)fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    upoll(&p, 1, 0);
    return p.revents;
}

static void ucopy(void *d, const void *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((char *)d)[i] = ((const char *)s)[i];
}
static int usame(const void *a, const void *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((const char *)a)[i] != ((const char *)b)[i])
            return 0;
    return 1;
}

/* A name: a file-system path, or (abstract) a NUL and @p s; its length. */
static long mkaddr(struct sockaddr_un *a, const char *s, int abstract)
{
    size_t n = ustrlen(s);
    a->family = AF_UNIX;
    if (abstract) {
        a->path[0] = 0;
        ucopy(a->path + 1, s, n);
        return 2 + 1 + (long)n;
    }
    ucopy(a->path, s, n + 1);
    return 2 + (long)n + 1;
}

static char tag[24]; /* this run's pid, to make names unique */

static void name_of(char *out, const char *prefix)
{
    size_t n = ustrlen(prefix);
    ucopy(out, prefix, n);
    ucopy(out + n, tag, ustrlen(tag) + 1);
}

static long write_all(long fd, const char *b, long n)
{
    long done = 0;
    while (done < n) {
        long r = uwrite(fd, b + done, n - done);
        if (r <= 0)
            return r;
        done += r;
    }
    return done;
}

static long read_all(long fd, char *b, long n)
{
    long done = 0;
    while (done < n) {
        long r = uread(fd, b + done, n - done);
        if (r <= 0)
            return done ? done : r;
        done += r;
    }
    return done;
}

/* sendmsg of @p n bytes with @p nfds descriptors (SCM_RIGHTS). */
static long send_fds(long s, const char *data, long n, const int *fds, int nfds)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 8)];
    } c;
    struct iovec v = {(void *)data, (size_t)n};
    struct msghdr m = {0, 0, &v, 1, &c, CMSG_SPACE(sizeof(int) * nfds), 0};
    c.h.len = CMSG_LEN(sizeof(int) * nfds);
    c.h.level = SOL_SOCKET;
    c.h.type = SCM_RIGHTS;
    ucopy(c.b + sizeof c.h, fds, sizeof(int) * nfds);
    return sys3(NR_sendmsg, s, (long)&m, 0);
}

/* ---- the stream echo under load ---- */

#define ECHO_KIDS 3
#define ECHO_ROUNDS 60

static char path_echo[64];
static long parent_pid;

static void echo_child(long i)
{
    struct sockaddr_un a;
    long n = mkaddr(&a, path_echo, 0);
    long s = usocket(AF_UNIX, SOCK_STREAM, 0);
    if (!uexpect(uconnect(s, &a, n), 0, "child: connect to the listener"))
        return;
    struct ucred cr;
    int cl = sizeof cr;
    ugetopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    uexpect(cr.pid, parent_pid, "child: SO_PEERCRED is the listener's process");
    static char out[4096], in[4096];
    int bad = 0;
    for (int r = 0; r < ECHO_ROUNDS && !bad; r++) {
        long len = 1 + (i * 977 + r * 1237) % 4000;
        for (long k = 0; k < len; k++)
            out[k] = (char)(i * 31 + r * 7 + k);
        if (write_all(s, out, len) != len || read_all(s, in, len) != len || !usame(in, out, len))
            bad = 1;
    }
    uexpect(bad, 0, "child: every echo came back whole");
    uclose(s);
}

static void echo_under_load(void)
{
    name_of(path_echo, "/tmp/uunix.echo.");
    struct sockaddr_un a;
    long n = mkaddr(&a, path_echo, 0);
    long l = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(ubind(l, &a, n), 0, "bind a stream socket to a file-system name");
    uexpect(uconnect(usocket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), &a, n), -ECONNREFUSED,
            "connect before listen: ECONNREFUSED");
    uexpect(ulisten(l, 8), 0, "listen");
    int one = 0, ol = sizeof one;
    ugetopt(l, SOL_SOCKET, SO_ACCEPTCONN, &one, &ol);
    uexpect(one, 1, "SO_ACCEPTCONN of a listener");
    long kids[ECHO_KIDS];
    for (int i = 0; i < ECHO_KIDS; i++)
        kids[i] = fork_child(echo_child, i);
    struct pollfd p[ECHO_KIDS];
    int open = 0, peers_ok = 1;
    for (int i = 0; i < ECHO_KIDS; i++) {
        long c = uaccept4(l, 0, 0, 0);
        if (c < 0)
            break;
        struct ucred cr;
        int cl = sizeof cr;
        ugetopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
        int found = 0;
        for (int k = 0; k < ECHO_KIDS; k++)
            found |= cr.pid == kids[k];
        peers_ok &= found;
        p[open++] = (struct pollfd){(int)c, POLLIN, 0};
    }
    uexpect(open, ECHO_KIDS, "accepted every child");
    check(peers_ok, "SO_PEERCRED of each accepted socket is a child");
    static char buf[4096];
    int left = open, bad = 0;
    long t0 = unow_ns();
    while (left && unow_ns() - t0 < 20000000000l) {
        if (upoll(p, open, 5000) <= 0)
            break;
        for (int i = 0; i < open; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            long r = uread(p[i].fd, buf, sizeof buf);
            if (r <= 0) {
                bad |= r < 0;
                uclose(p[i].fd);
                p[i].fd = -1;
                left--;
                continue;
            }
            if (write_all(p[i].fd, buf, r) != r)
                bad = 1;
        }
    }
    uexpect(left, 0, "every child hung up after its echoes");
    uexpect(bad, 0, "the parent's reads and writes");
    for (int i = 0; i < ECHO_KIDS; i++)
        reap(kids[i], "an echo child exits");
    uclose(l);
    sys3(NR_unlinkat, AT_FDCWD, (long)path_echo, 0);
}

/* ---- socketpair, files, options ---- */

static void pairs(void)
{
    int sv[2];
    uexpect(upair(AF_UNIX, SOCK_STREAM, sv), 0, "socketpair stream");
    uexpect(uwrite(sv[0], "hello", 5), 5, "write to one end");
    int n = -1;
    uexpect(sys3(NR_ioctl, sv[1], FIONREAD, (long)&n), 0, "FIONREAD");
    uexpect(n, 5, "FIONREAD counts the bytes waiting");
    char b[16];
    uexpect(uread(sv[1], b, sizeof b), 5, "read from the other");
    check(usame(b, "hello", 5), "the bytes as written");
    struct ustat st;
    uexpect(sys3(NR_fstat, sv[0], (long)&st, 0), 0, "fstat of a socket");
    uexpect(st.mode & S_IFMT, S_IFSOCK, "fstat: S_IFSOCK");
    char link[64], want[64] = "socket:[";
    char num[24], *q = num + sizeof num;
    unsigned long ino = st.ino;
    *--q = 0;
    do
        *--q = (char)('0' + ino % 10);
    while (ino /= 10);
    ucopy(want + 8, q, ustrlen(q));
    ucopy(want + 8 + ustrlen(q), "]", 2);
    char fdpath[32] = "/proc/self/fd/";
    int fdn = sv[0], at = 14;
    if (fdn >= 10)
        fdpath[at++] = (char)('0' + fdn / 10);
    fdpath[at++] = (char)('0' + fdn % 10);
    fdpath[at] = 0;
    long ln = sys6(NR_readlinkat, AT_FDCWD, (long)fdpath, (long)link, sizeof link, 0, 0);
    uexpect(ln, (long)ustrlen(want), "/proc/self/fd/N of a socket: its length");
    check(ln > 0 && usame(link, want, (size_t)ln), "/proc/self/fd/N of a socket: socket:[INO]");
    uexpect(sys6(NR_openat, AT_FDCWD, (long)fdpath, 2, 0, 0, 0), -ENXIO, "open of /proc/self/fd/N of a socket: ENXIO");
    int v = 0, vl = sizeof v;
    ugetopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl);
    uexpect(v, SOCK_STREAM, "SO_TYPE");
    ugetopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &vl);
    uexpect(v, AF_UNIX, "SO_DOMAIN");
    v = -1;
    ugetopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &vl);
    uexpect(v, 0, "SO_PROTOCOL");
    v = -1;
    ugetopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &vl);
    uexpect(v, 0, "SO_ERROR");
    v = 65536;
    uexpect(usetopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0, "SO_SNDBUF set");
    ugetopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl);
    uexpect(v, 131072, "SO_SNDBUF reads back doubled");
    struct timeval tv = {1, 500000}, tv2 = {0, 0};
    uexpect(usetopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0, "SO_RCVTIMEO set");
    int tl = sizeof tv2;
    uexpect(ugetopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl), 0, "SO_RCVTIMEO get");
    check(tv2.sec == 1 && tv2.usec == 500000 && tl == sizeof tv2, "SO_RCVTIMEO reads back");
    tv.usec = 1000000;
    uexpect(usetopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), -EDOM, "SO_RCVTIMEO usec 1000000: EDOM");
    uexpect(usetopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8), -EINVAL, "SO_RCVTIMEO short: EINVAL");
    struct ucred cr;
    int cl = sizeof cr;
    uexpect(ugetopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl), 0, "SO_PEERCRED of a pair");
    check(cr.pid == sys1(NR_getpid, 0) && cr.uid == sys1(NR_geteuid, 0) && cr.gid == sys1(NR_getegid, 0),
          "SO_PEERCRED: this process's ids");
    struct sockaddr_un a;
    int al = sizeof a;
    uexpect(sys3(NR_getsockname, sv[0], (long)&a, (long)&al), 0, "getsockname of a pair's end");
    check(al == 2 && a.family == AF_UNIX, "an unnamed socket's name: the family alone");
    al = sizeof a;
    uexpect(sys3(NR_getpeername, sv[0], (long)&a, (long)&al), 0, "getpeername of a pair's end");
    uexpect(al, 2, "its peer is unnamed too");
    uclose(sv[0]);
    uclose(sv[1]);
}

/* ---- SCM_RIGHTS ---- */

static void rights(void)
{
    int sv[2], pf[2];
    upair(AF_UNIX, SOCK_STREAM, sv);
    sys3(NR_pipe2, (long)pf, 0, 0);
    uexpect(send_fds(sv[0], "p", 1, &pf[0], 1), 1, "sendmsg with a pipe's read end");
    uclose(pf[0]);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 8)];
    } c;
    char d[8];
    struct iovec v = {d, sizeof d};
    struct msghdr m = {0, 0, &v, 1, &c, sizeof c, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, MSG_CMSG_CLOEXEC), 1, "recvmsg: the byte");
    check(c.h.level == SOL_SOCKET && c.h.type == SCM_RIGHTS && c.h.len == CMSG_LEN(sizeof(int)),
          "recvmsg: one SCM_RIGHTS message");
    uexpect((long)m.controllen, CMSG_SPACE(sizeof(int)), "recvmsg: msg_controllen is what it used");
    int got;
    ucopy(&got, c.b + sizeof c.h, sizeof got);
    uexpect(sys3(NR_fcntl, got, F_GETFD, 0), FD_CLOEXEC, "MSG_CMSG_CLOEXEC: the descriptor is close-on-exec");
    uexpect(uwrite(pf[1], "through", 7), 7, "write into the pipe");
    uexpect(uread(got, d, sizeof d), 7, "read it from the passed descriptor");
    check(usame(d, "through", 7), "the pipe's bytes");
    uclose(got);
    uclose(pf[1]);

    /* Three descriptors, room for one: MSG_CTRUNC. */
    int three[3] = {0, 1, 2};
    uexpect(send_fds(sv[0], "x", 1, three, 3), 1, "sendmsg with three descriptors");
    m = (struct msghdr){0, 0, &v, 1, &c, CMSG_LEN(sizeof(int)), 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 1, "recvmsg with room for one");
    if (!uskip_on_qemu_user("MSG_CTRUNC with room for one of three"))
        check(m.flags & MSG_CTRUNC, "MSG_CTRUNC");
    uexpect((long)m.controllen, CMSG_LEN(sizeof(int)), "the control data filled");
    ucopy(&got, c.b + sizeof c.h, sizeof got);
    check(got > 2 && sys3(NR_fcntl, got, F_GETFD, 0) == 0, "the one installed, not close-on-exec");
    uclose(got);
    /* No control buffer at all: the descriptors are closed, MSG_CTRUNC. */
    send_fds(sv[0], "y", 1, three, 1);
    m = (struct msghdr){0, 0, &v, 1, 0, 0, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 1, "recvmsg without a control buffer");
    check(m.flags & MSG_CTRUNC, "MSG_CTRUNC without a control buffer");
    /* A read takes the descriptors of the data it reads, and stops after them. */
    uwrite(sv[0], "ab", 2);
    send_fds(sv[0], "cd", 2, three, 1);
    uwrite(sv[0], "ef", 2);
    m = (struct msghdr){0, 0, &v, 1, &c, sizeof c, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 4, "a read up to the end of a message with descriptors");
    ucopy(&got, c.b + sizeof c.h, sizeof got);
    check(m.controllen == CMSG_SPACE(sizeof(int)) && got > 2, "with its descriptor");
    uclose(got);
    m = (struct msghdr){0, 0, &v, 1, &c, sizeof c, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 2, "the next read has the rest");
    uexpect((long)m.controllen, 0, "and no descriptors");
    /* Errors: a descriptor not open, a bad header. */
    int badfd = 999;
    uexpect(send_fds(sv[0], "z", 1, &badfd, 1), -EBADF, "SCM_RIGHTS of a closed descriptor: EBADF");
    c.h.len = 8;
    m = (struct msghdr){0, 0, &v, 1, &c, sizeof c, 0};
    if (!uskip_on_qemu_user("a control header shorter than itself"))
        uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), -EINVAL, "a control header shorter than itself: EINVAL");
    /* A socket passed over itself, and both ends closed: nothing left behind. */
    send_fds(sv[1], "s", 1, &sv[1], 1);
    send_fds(sv[0], "s", 1, &sv[1], 1);
    send_fds(sv[1], "t", 1, &sv[0], 1);
    uclose(sv[0]);
    uclose(sv[1]);
    int sp[2];
    uexpect(upair(AF_UNIX, SOCK_DGRAM, sp), 0, "a socketpair after sockets left in flight");
    send_fds(sp[0], "u", 1, &sp[0], 1);
    uclose(sp[1]);
    uclose(sp[0]);
}

/* ---- datagrams and records ---- */

static void boundaries(void)
{
    int sv[2];
    uexpect(upair(AF_UNIX, SOCK_DGRAM, sv), 0, "socketpair dgram");
    static char big[300000];
    usend(sv[0], big, 10, 0);
    usend(sv[0], big, 1, 0);
    usend(sv[0], big, 0, 0);
    usend(sv[0], big, 100, 0);
    uexpect(urecv(sv[1], big, 200, 0), 10, "datagram 1: 10 bytes");
    uexpect(urecv(sv[1], big, 200, 0), 1, "datagram 2: 1 byte");
    uexpect(urecv(sv[1], big, 200, 0), 0, "datagram 3: empty");
    int n = 0;
    sys3(NR_ioctl, sv[1], FIONREAD, (long)&n);
    uexpect(n, 100, "FIONREAD of a datagram socket: the next datagram");
    uexpect(urecv(sv[1], big, 200, MSG_PEEK), 100, "MSG_PEEK sees datagram 4");
    char d[8];
    struct iovec v = {d, 8};
    struct msghdr m = {0, 0, &v, 1, 0, 0, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 8, "a short read takes part of the datagram");
    check(m.flags & MSG_TRUNC, "and says MSG_TRUNC");
    uexpect(urecv(sv[1], big, 200, MSG_DONTWAIT), -EAGAIN, "the rest is gone: EAGAIN");
    usend(sv[0], big, 50, 0);
    uexpect(urecv(sv[1], big, 5, MSG_TRUNC), 50, "MSG_TRUNC: the datagram's whole length");
    /* sendmmsg, recvmmsg */
    struct iovec vs[3] = {{big, 3}, {big, 5}, {big, 7}};
    struct mmsghdr mm[3];
    for (int i = 0; i < 3; i++)
        mm[i] = (struct mmsghdr){{0, 0, &vs[i], 1, 0, 0, 0}, 0};
    uexpect(sys6(NR_sendmmsg, sv[0], (long)mm, 3, 0, 0, 0), 3, "sendmmsg: three datagrams");
    check(mm[0].len == 3 && mm[1].len == 5 && mm[2].len == 7, "sendmmsg: each one's length");
    static char rb[3][16];
    struct iovec rv[3] = {{rb[0], 16}, {rb[1], 16}, {rb[2], 16}};
    for (int i = 0; i < 3; i++)
        mm[i] = (struct mmsghdr){{0, 0, &rv[i], 1, 0, 0, 0}, 0};
    uexpect(sys6(NR_recvmmsg, sv[1], (long)mm, 3, 0, 0, 0), 3, "recvmmsg: three datagrams");
    check(mm[0].len == 3 && mm[1].len == 5 && mm[2].len == 7, "recvmmsg: each one's length");
    uexpect(usend(sv[0], big, 300000, 0), -EMSGSIZE, "a datagram past the send buffer: EMSGSIZE");
    uclose(sv[0]);
    uclose(sv[1]);

    uexpect(upair(AF_UNIX, SOCK_SEQPACKET, sv), 0, "socketpair seqpacket");
    usend(sv[0], big, 20, 0);
    usend(sv[0], big, 30, 0);
    uexpect(urecv(sv[1], big, 100, 0), 20, "record 1");
    uexpect(urecv(sv[1], big, 10, 0), 10, "record 2, cut");
    uclose(sv[0]);
    uexpect(urecv(sv[1], big, 100, 0), 0, "a seqpacket peer's close: 0");
    uclose(sv[1]);
}

/* ---- names ---- */

static void names(void)
{
    char nm[64];
    struct sockaddr_un a, b, got;
    name_of(nm, "uunix-abstract.");
    long an = mkaddr(&a, nm, 1);
    long r = usocket(AF_UNIX, SOCK_DGRAM, 0), s = usocket(AF_UNIX, SOCK_DGRAM, 0);
    uexpect(ubind(r, &a, an), 0, "bind an abstract name");
    uexpect(ubind(s, &a, an), -EADDRINUSE, "the same abstract name again: EADDRINUSE");
    uexpect(ubind(r, &a, an), -EINVAL, "bind a bound socket: EINVAL");
    int gl = sizeof got;
    sys3(NR_getsockname, r, (long)&got, (long)&gl);
    check(gl == an && usame(&got, &a, (size_t)an), "getsockname: the abstract name");
    uexpect(usendto(s, "one", 3, &a, an), 3, "sendto an abstract name from an unbound socket");
    gl = sizeof got;
    uexpect(urecvfrom(r, nm, sizeof nm, &got, &gl), 3, "recvfrom");
    uexpect(gl, 0, "from an unbound sender: no address");
    uexpect(ubind(s, &a, 2), 0, "bind with the family alone: autobind");
    gl = sizeof b;
    sys3(NR_getsockname, s, (long)&b, (long)&gl);
    check(gl == 8 && b.path[0] == 0, "an autobound name: a NUL and five hex digits");
    usendto(s, "two", 3, &a, an);
    gl = sizeof got;
    urecvfrom(r, nm, sizeof nm, &got, &gl);
    check(gl == 8 && usame(&got, &b, 8), "recvfrom gives the sender's name");
    struct sockaddr_un none;
    long nn = mkaddr(&none, "uunix-nobody-here", 1);
    uexpect(usendto(s, "x", 1, &none, nn), -ECONNREFUSED, "sendto an abstract name nobody has: ECONNREFUSED");
    uexpect(uconnect(s, &a, an), 0, "connect a datagram socket");
    uexpect(usend(s, "three", 5, 0), 5, "send to its peer");
    uexpect(urecv(r, nm, sizeof nm, 0), 5, "received");
    uclose(r);
    uexpect(usend(s, "four", 4, 0), -ECONNREFUSED, "send to a closed peer: ECONNREFUSED");
    uexpect(usend(s, "four", 4, 0), -ENOTCONN, "then it has no peer: ENOTCONN");
    uclose(s);

    /* File-system names. */
    char p[64];
    name_of(p, "/tmp/uunix.fs.");
    long pn = mkaddr(&a, p, 0);
    long l = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(ubind(l, &a, pn), 0, "bind a file-system name");
    struct ustat st;
    uexpect(sys6(NR_newfstatat, AT_FDCWD, (long)p, (long)&st, 0, 0, 0), 0, "the name exists");
    uexpect(st.mode & S_IFMT, S_IFSOCK, "as a socket node");
    uexpect(sys6(NR_openat, AT_FDCWD, (long)p, 2, 0, 0, 0), -ENXIO, "open of a socket's name: ENXIO");
    long l2 = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(ubind(l2, &a, pn), -EADDRINUSE, "the same path again: EADDRINUSE");
    uclose(l2);
    uexpect(ulisten(l, 1), 0, "listen");
    long d = usocket(AF_UNIX, SOCK_DGRAM, 0);
    uexpect(uconnect(d, &a, pn), -EPROTOTYPE, "a datagram socket to a stream name: EPROTOTYPE");
    uclose(d);
    long c = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(uconnect(c, &a, pn), 0, "connect to it");
    uexpect(uconnect(c, &a, pn), -EISCONN, "connect again: EISCONN");
    gl = sizeof got;
    sys3(NR_getpeername, c, (long)&got, (long)&gl);
    check(gl == pn && usame(got.path, p, ustrlen(p) + 1), "getpeername: the listener's path");
    gl = sizeof got;
    long x = uaccept4(l, &got, &gl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    check(x >= 0, "accept4");
    uexpect(gl, 2, "accept4: the client is unnamed");
    uexpect(sys3(NR_fcntl, x, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK, "accept4 SOCK_NONBLOCK");
    uexpect(sys3(NR_fcntl, x, F_GETFD, 0), FD_CLOEXEC, "accept4 SOCK_CLOEXEC");
    gl = sizeof got;
    sys3(NR_getsockname, x, (long)&got, (long)&gl);
    check(gl == pn && usame(got.path, p, ustrlen(p) + 1), "the accepted socket's name: the listener's");
    int on = 1;
    uexpect(sys3(NR_ioctl, l, FIONBIO, (long)&on), 0, "FIONBIO on the listener");
    uexpect(uaccept4(l, 0, 0, 0), -EAGAIN, "accept with nothing pending, nonblocking: EAGAIN");
    uclose(x);
    uclose(c);
    uexpect(sys3(NR_unlinkat, AT_FDCWD, (long)p, 0), 0, "unlink the name");
    c = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(uconnect(c, &a, pn), -ENOENT, "connect to an unlinked name: ENOENT");
    uclose(c);
    uclose(l);
}

/* ---- bad arguments ---- */

static void errors(void)
{
    int sv[2], pf[2];
    if (!uskip_on_qemu_user("socket's unknown types and flags")) {
        uexpect(usocket(AF_UNIX, 99, 0), -EINVAL, "socket of type 99: EINVAL");
        uexpect(usocket(AF_UNIX, SOCK_STREAM | 0x100000, 0), -EINVAL, "socket with an unknown flag: EINVAL");
        uexpect(upair(AF_UNIX, 99, sv), -EINVAL, "socketpair of type 99: EINVAL");
    }
    uexpect(usocket(1000, SOCK_STREAM, 0), -EAFNOSUPPORT, "socket of family 1000: EAFNOSUPPORT");
    uexpect(usocket(AF_UNIX, SOCK_STREAM, 5), -EPROTONOSUPPORT, "AF_UNIX protocol 5: EPROTONOSUPPORT");
    uexpect(usocket(AF_UNIX, 4, 0), -ESOCKTNOSUPPORT, "AF_UNIX SOCK_RDM: ESOCKTNOSUPPORT");
    sys3(NR_pipe2, (long)pf, 0, 0);
    struct sockaddr_un a;
    long an = mkaddr(&a, "uunix-err", 1);
    int v = 1, vl = sizeof v;
    uexpect(ubind(pf[0], &a, an), -ENOTSOCK, "bind on a pipe: ENOTSOCK");
    uexpect(usend(pf[1], "x", 1, 0), -ENOTSOCK, "send on a pipe: ENOTSOCK");
    uexpect(ugetopt(pf[0], SOL_SOCKET, SO_TYPE, &v, &vl), -ENOTSOCK, "getsockopt on a pipe: ENOTSOCK");
    uexpect(sys3(NR_getpeername, pf[0], (long)&a, (long)&vl), -ENOTSOCK, "getpeername on a pipe: ENOTSOCK");
    uexpect(ulisten(999, 1), -EBADF, "listen on a closed descriptor: EBADF");
    uexpect(uaccept4(999, 0, 0, 0), -EBADF, "accept4 on a closed descriptor: EBADF");
    uclose(pf[0]);
    uclose(pf[1]);
    long s = usocket(AF_UNIX, SOCK_STREAM, 0);
    uexpect(ubind(s, &a, 200), -EINVAL, "bind with 200 bytes: EINVAL");
    uexpect(ubind(s, &a, 1), -EINVAL, "bind with 1 byte: EINVAL");
    a.family = AF_INET;
    uexpect(ubind(s, &a, an), -EINVAL, "bind an AF_INET address to AF_UNIX: EINVAL");
    a.family = AF_UNIX;
    uexpect(ulisten(s, 1), -EINVAL, "listen unbound: EINVAL");
    uexpect(uaccept4(s, 0, 0, 0), -EINVAL, "accept on a socket not listening: EINVAL");
    uexpect(uaccept4(s, 0, 0, 1), -EINVAL, "accept4 with an unknown flag: EINVAL");
    uexpect(sys3(NR_getpeername, s, (long)&a, (long)&vl), -ENOTCONN, "getpeername unconnected: ENOTCONN");
    uexpect(usend(s, "x", 1, MSG_NOSIGNAL), -ENOTCONN, "send unconnected: ENOTCONN");
    uexpect(urecv(s, &v, 1, 0), -EINVAL, "recv on an unconnected stream socket: EINVAL");
    uexpect(usendto(s, "x", 1, &a, an), -EOPNOTSUPP, "sendto with an address on a stream socket: EOPNOTSUPP");
    uexpect(sys3(NR_shutdown, s, 5, 0), -EINVAL, "shutdown how 5: EINVAL");
    uexpect(usetopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof v), -ENOPROTOOPT, "setsockopt SO_TYPE: ENOPROTOOPT");
    uexpect(usetopt(s, SOL_SOCKET, 12345, &v, sizeof v), -ENOPROTOOPT, "an unknown option: ENOPROTOOPT");
    uexpect(usetopt(s, SOL_SOCKET, SO_SNDBUF, &v, 2), -EINVAL, "an int option of 2 bytes: EINVAL");
    if (!uskip_on_qemu_user("a negative option length"))
        uexpect(usetopt(s, SOL_SOCKET, SO_SNDBUF, &v, -1), -EINVAL, "a negative option length: EINVAL");
    vl = -1;
    uexpect(ugetopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), -EINVAL, "getsockopt with a negative length: EINVAL");
    vl = 2;
    v = 0;
    uexpect(ugetopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), 0, "getsockopt with 2 bytes of room");
    check(vl == 2 && v == SOCK_STREAM, "gets 2 bytes");
    uclose(s);
    s = usocket(AF_UNIX, SOCK_DGRAM, 0);
    uexpect(ulisten(s, 1), -EOPNOTSUPP, "listen on a datagram socket: EOPNOTSUPP");
    uclose(s);
    upair(AF_UNIX, SOCK_STREAM, sv);
    struct iovec iv = {&v, 1};
    struct msghdr m = {0, 0, &iv, 2000, 0, 0, 0};
    uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), -EMSGSIZE, "sendmsg with 2000 vectors: EMSGSIZE");
    m.iovlen = 1;
    m.namelen = -1;
    m.name = &a;
    uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), -EINVAL, "sendmsg with a negative name length: EINVAL");
    struct iovec neg = {&v, (size_t)-1};
    m = (struct msghdr){0, 0, &neg, 1, 0, 0, 0};
    uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), -EINVAL, "a vector of negative length: EINVAL");
    uclose(sv[0]);
    uclose(sv[1]);
}

/* ---- every bad pointer: EFAULT ---- */

static void efaults(void)
{
    int sv[2];
    void *bad[2] = {BAD, KBAD};
    for (int k = 0; k < 2; k++) {
        void *p = bad[k];
        const char *w = k ? " (kernel address)" : " (unmapped)";
        char what[96];
#define E(call, name)                                                                                              \
        do {                                                                                                       \
            size_t n_ = ustrlen(name);                                                                             \
            ucopy(what, name, n_);                                                                                 \
            ucopy(what + n_, w, ustrlen(w) + 1);                                                                   \
            uexpect(call, -EFAULT, what);                                                                          \
        } while (0)
        E(upair(AF_UNIX, SOCK_STREAM, p), "socketpair's vector");
        upair(AF_UNIX, SOCK_STREAM, sv);
        long s = usocket(AF_UNIX, SOCK_DGRAM, 0);
        E(ubind(s, p, 10), "bind's address");
        E(uconnect(s, p, 10), "connect's address");
        E(usendto(s, "x", 1, p, 10), "sendto's address");
        E(usend(sv[0], p, 10, 0), "send's data");
        uwrite(sv[0], "data", 4);
        E(urecv(sv[1], p, 10, 0), "recv's buffer");
        struct sockaddr_un a;
        int al = sizeof a;
        E(sys3(NR_getsockname, s, (long)p, (long)&al), "getsockname's address");
        E(sys3(NR_getsockname, s, (long)&a, (long)p), "getsockname's length");
        E(sys3(NR_getpeername, sv[0], (long)p, (long)&al), "getpeername's address");
        E(sys3(NR_getpeername, sv[0], (long)&a, (long)p), "getpeername's length");
        int v = 1, vl = sizeof v;
        E(usetopt(s, SOL_SOCKET, SO_SNDBUF, p, 4), "setsockopt's value");
        E(ugetopt(s, SOL_SOCKET, SO_TYPE, p, &vl), "getsockopt's value");
        E(ugetopt(s, SOL_SOCKET, SO_TYPE, &v, p), "getsockopt's length");
        E(sys3(NR_sendmsg, sv[0], (long)p, 0), "sendmsg's header");
        E(sys3(NR_recvmsg, sv[1], (long)p, 0), "recvmsg's header");
        struct iovec iv = {&v, 1}, ivb = {p, 4};
        struct msghdr m = {0, 0, p, 1, 0, 0, 0};
        E(sys3(NR_sendmsg, sv[0], (long)&m, 0), "sendmsg's vector");
        E(sys3(NR_recvmsg, sv[1], (long)&m, 0), "recvmsg's vector");
        m.iov = &ivb;
        E(sys3(NR_sendmsg, sv[0], (long)&m, 0), "sendmsg's data");
        E(sys3(NR_recvmsg, sv[1], (long)&m, 0), "recvmsg's data");
        m = (struct msghdr){p, 10, &iv, 1, 0, 0, 0};
        E(sys3(NR_sendmsg, s, (long)&m, 0), "sendmsg's name");
        m = (struct msghdr){0, 0, &iv, 1, p, 32, 0};
        E(sys3(NR_sendmsg, sv[0], (long)&m, 0), "sendmsg's control data");
        E(sys6(NR_sendmmsg, sv[0], (long)p, 1, 0, 0, 0), "sendmmsg's vector");
        E(sys6(NR_recvmmsg, sv[1], (long)p, 1, 0, 0, 0), "recvmmsg's vector");
        uclose(s);
        uclose(sv[0]);
        uclose(sv[1]);
    }
}

/* ---- nonblocking, timeouts ---- */

static void nonblocking(void)
{
    int sv[2];
    uexpect(upair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv), 0, "socketpair SOCK_NONBLOCK");
    uexpect(sys3(NR_fcntl, sv[0], F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK, "O_NONBLOCK set");
    char b[16];
    uexpect(uread(sv[0], b, sizeof b), -EAGAIN, "read with nothing there: EAGAIN");
    check((events(sv[0]) & (POLLIN | POLLOUT)) == POLLOUT, "poll: writable, nothing to read");
    static char chunk[8192];
    long total = 0, r;
    while ((r = uwrite(sv[0], chunk, sizeof chunk)) > 0 && total < (64l << 20))
        total += r;
    uexpect(r, -EAGAIN, "write until full: EAGAIN");
    check(total > 0, "some went in first");
    check(!(events(sv[0]) & POLLOUT), "poll: not writable when full");
    check(events(sv[1]) & POLLIN, "poll: the other end readable");
    long drained = 0;
    while ((r = uread(sv[1], chunk, sizeof chunk)) > 0)
        drained += r;
    uexpect(drained, total, "read back all that went in");
    check(events(sv[0]) & POLLOUT, "writable again");
    uclose(sv[0]);
    uclose(sv[1]);
    upair(AF_UNIX, SOCK_STREAM, sv);
    uexpect(urecv(sv[0], b, 1, MSG_DONTWAIT), -EAGAIN, "MSG_DONTWAIT on a blocking socket: EAGAIN");
    struct timeval tv = {0, 60000};
    usetopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    long t0 = unow_ns();
    uexpect(urecv(sv[0], b, 1, 0), -EAGAIN, "SO_RCVTIMEO: EAGAIN after the timeout");
    check(unow_ns() - t0 >= 50000000, "after about the time asked");
    uwrite(sv[1], "abc", 3);
    uexpect(urecv(sv[0], b, 3, 0), 3, "then data comes");
    uclose(sv[0]);
    uclose(sv[1]);
}

/* ---- SIGPIPE, shutdown, a peer's close ---- */

static volatile int signals;
static void on_signal(int sig) { (void)sig, signals++; }
static long handle(int sig, void (*fn)(int), unsigned long flags)
{
    struct usigaction a = {0};
    a.handler = (unsigned long)fn;
    a.flags = flags;
#ifdef USA_RESTORER
    a.flags |= SA_RESTORER;
    a.restorer = (unsigned long)USA_RESTORER;
#endif
    return sys6(NR_rt_sigaction, sig, (long)&a, 0, 8, 0, 0);
}

static void hangups(void)
{
    int sv[2];
    upair(AF_UNIX, SOCK_STREAM, sv);
    uwrite(sv[0], "last", 4);
    uexpect(sys3(NR_shutdown, sv[0], SHUT_WR, 0), 0, "shutdown SHUT_WR");
    uexpect(usend(sv[0], "x", 1, MSG_NOSIGNAL), -EPIPE, "send after SHUT_WR: EPIPE");
    check((events(sv[1]) & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "the peer polls POLLIN|POLLRDHUP");
    char b[8];
    uexpect(read_all(sv[1], b, 8), 4, "the peer reads the data, then the end");
    uexpect(uread(sv[1], b, 8), 0, "and 0 after");
    uexpect(uwrite(sv[1], "back", 4), 4, "the other way still works");
    uexpect(uread(sv[0], b, 8), 4, "read it");
    uclose(sv[0]);
    check((events(sv[1]) & (POLLIN | POLLHUP | POLLRDHUP)) == (POLLIN | POLLHUP | POLLRDHUP),
          "a closed peer: POLLIN|POLLHUP|POLLRDHUP");
    handle(SIGPIPE, on_signal, 0);
    signals = 0;
    uexpect(usend(sv[1], "x", 1, MSG_NOSIGNAL), -EPIPE, "send to a closed peer, MSG_NOSIGNAL: EPIPE");
    uexpect(signals, 0, "and no SIGPIPE");
    uexpect(uwrite(sv[1], "x", 1), -EPIPE, "write to a closed peer: EPIPE");
    uexpect(signals, 1, "and SIGPIPE");
    handle(SIGPIPE, 0, 0);
    uclose(sv[1]);
    /* Closing with data unread resets the peer. */
    upair(AF_UNIX, SOCK_STREAM, sv);
    uwrite(sv[1], "unread", 6);
    uclose(sv[0]);
    uexpect(uread(sv[1], b, 8), -104, "the peer closed with data unread: ECONNRESET");
    uexpect(uread(sv[1], b, 8), 0, "then the end");
    uclose(sv[1]);
}

/* ---- MSG_WAITALL, MSG_PEEK, SO_SNDTIMEO, the backlog ---- */

static int late_sv[2];
static void late_writer(long arg)
{
    (void)arg;
    nap_ms(30);
    uwrite(late_sv[1], "def", 3);
}

static void blocked_reader(long arg)
{
    (void)arg;
    char b[2];
    uexpect(urecv(late_sv[0], b, 1, 0), 1, "child: its blocking recv gets the byte");
}

static void waits(void)
{
    /* A reader waiting does not hold up another reader of the same socket. */
    upair(AF_UNIX, SOCK_STREAM, late_sv);
    long w = fork_child(blocked_reader, 0);
    nap_ms(30);
    char b0[2];
    long t1 = unow_ns();
    uexpect(urecv(late_sv[0], b0, 1, MSG_DONTWAIT), -EAGAIN, "MSG_DONTWAIT while another reader waits: EAGAIN");
    check(unow_ns() - t1 < 1000000000l, "at once");
    uwrite(late_sv[1], "z", 1);
    reap(w, "the waiting reader exits");
    uclose(late_sv[0]);
    uclose(late_sv[1]);

    upair(AF_UNIX, SOCK_STREAM, late_sv);
    uwrite(late_sv[1], "abc", 3);
    char b[8];
    uexpect(urecv(late_sv[0], b, 2, MSG_PEEK), 2, "MSG_PEEK on a stream");
    uexpect(urecv(late_sv[0], b, 8, MSG_PEEK), 3, "MSG_PEEK again sees all");
    long c = fork_child(late_writer, 0);
    uexpect(urecv(late_sv[0], b, 6, MSG_WAITALL), 6, "MSG_WAITALL waits for all it asked");
    check(usame(b, "abcdef", 6), "in order");
    reap(c, "the late writer exits");
    struct timeval tv = {0, 50000};
    uexpect(usetopt(late_sv[0], SOL_SOCKET, 21 /* SO_SNDTIMEO */, &tv, sizeof tv), 0, "SO_SNDTIMEO");
    static char chunk[65536];
    long r, t0 = 0;
    for (int i = 0; i < 1000; i++) {
        t0 = unow_ns();
        if ((r = uwrite(late_sv[0], chunk, sizeof chunk)) <= 0)
            break;
    }
    uexpect(r, -EAGAIN, "SO_SNDTIMEO: EAGAIN once full");
    check(unow_ns() - t0 >= 40000000, "after about the time asked");
    uclose(late_sv[0]);
    uclose(late_sv[1]);

    char nm[64];
    struct sockaddr_un a;
    name_of(nm, "uunix-backlog.");
    long an = mkaddr(&a, nm, 1);
    long l = usocket(AF_UNIX, SOCK_STREAM, 0);
    ubind(l, &a, an);
    uexpect(ulisten(l, 0), 0, "listen with a backlog of 0");
    long c1 = usocket(AF_UNIX, SOCK_STREAM, 0), c2 = usocket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    uexpect(uconnect(c1, &a, an), 0, "one connection waits");
    uexpect(uconnect(c2, &a, an), -EAGAIN, "the next, nonblocking: EAGAIN");
    check(events(l) & POLLIN, "the listener polls readable");
    long x = uaccept4(l, 0, 0, 0);
    check(x >= 0, "accept it");
    uexpect(uconnect(c2, &a, an), 0, "then there is room");
    uclose(x);
    uclose(c1);
    uclose(c2);
    uclose(l);
}

/* Linux's layout: packed on x86_64 only (usys_arch.h says which). */
struct epoll_event {
    unsigned events;
    unsigned long data;
}
#ifdef USYS_EPOLL_PACKED
__attribute__((packed))
#endif
;

/* A connected datagram sender waits for room in its receiver's queue (11
 * datagrams, Linux's max_dgram_qlen of 10 plus one, sent by another
 * sender) by poll and by epoll, and is woken when the receiver reads one
 * of the other's; then it connects elsewhere and the
 * old receiver goes, while the epoll still watches the sender. */
static long room_r;

static void room_reader(long unused)
{
    (void)unused;
    char b[4];
    nap_ms(100);
    uexpect(urecv(room_r, b, 4, 0), 1, "the receiver reads one datagram");
}

static void dgram_room(void)
{
    char nm[64], nm2[64];
    struct sockaddr_un a, a2;
    name_of(nm, "uunix-room.");
    name_of(nm2, "uunix-room2.");
    long an = mkaddr(&a, nm, 1), an2 = mkaddr(&a2, nm2, 1);
    room_r = usocket(AF_UNIX, SOCK_DGRAM, 0);
    long r2 = usocket(AF_UNIX, SOCK_DGRAM, 0), s = usocket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ubind(room_r, &a, an);
    ubind(r2, &a2, an2);
    long f = usocket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    uexpect(uconnect(s, &a, an), 0, "connect a datagram sender");
    uexpect(uconnect(f, &a, an), 0, "and another, which fills the queue");
    long n = 0, e = 0;
    while (n < 100 && (e = usend(f, "d", 1, 0)) == 1)
        n++;
    uexpect(e, -EAGAIN, "the receiver's queue fills: EAGAIN");
    uexpect(n, 11, "after 11 datagrams");
    uexpect(usend(s, "d", 1, 0), -EAGAIN, "the first sender too");
    check(!(events(s) & POLLOUT), "the first sender does not poll writable");
    long ep = sys1(NR_epoll_create1, 0);
    struct epoll_event ev = {POLLOUT, 7}, got[2];
    uexpect(sys6(NR_epoll_ctl, ep, 1 /* EPOLL_CTL_ADD */, s, (long)&ev, 0, 0), 0, "epoll watches the sender for EPOLLOUT");
    uexpect(sys6(NR_epoll_pwait, ep, (long)got, 2, 0, 0, 8), 0, "not ready");
    long c = fork_child(room_reader, 0);
    struct pollfd p = {(int)s, POLLOUT, 0};
    uexpect(upoll(&p, 1, 5000), 1, "its poll wakes when the receiver reads (another's datagram)");
    check(p.revents & POLLOUT, "with POLLOUT");
    uexpect(sys6(NR_epoll_pwait, ep, (long)got, 2, 1000, 0, 8), 1, "and epoll reports it");
    check(got[0].events == POLLOUT && got[0].data == 7, "EPOLLOUT, its data");
    reap(c, "the reader exits");
    uexpect(uconnect(s, &a2, an2), 0, "the sender connects elsewhere");
    uclose(room_r); /* the old receiver goes, queue and all */
    uexpect(sys6(NR_epoll_pwait, ep, (long)got, 2, 0, 0, 8), 1, "the epoll still answers");
    uexpect(usend(s, "d", 1, 0), 1, "and the sender sends to the new one");
    uclose(ep);
    uclose(s);
    uclose(f);
    uclose(r2);
}

/* ---- signals interrupting a wait ---- */

static int intr_sv[2];

static void intr_child(long restart)
{
    handle(SIGUSR1, on_signal, restart ? SA_RESTART : 0);
    char b[4];
    uwrite(intr_sv[1], "r", 1); /* ready */
    long r = urecv(intr_sv[1], b, 4, 0);
    if (restart)
        uexpect(r, 3, "SA_RESTART: the recv restarts and gets the data");
    else
        uexpect(r, -EINTR, "no SA_RESTART: the recv fails with EINTR");
    struct timeval tv = {5, 0};
    usetopt(intr_sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uwrite(intr_sv[1], "r", 1);
    uexpect(urecv(intr_sv[1], b, 4, 0), -EINTR, "with SO_RCVTIMEO, EINTR even under SA_RESTART");
}

static void interrupts(void)
{
    for (int restart = 0; restart < 2; restart++) {
        upair(AF_UNIX, SOCK_STREAM, intr_sv);
        long c = fork_child(intr_child, restart);
        char b[4];
        uread(intr_sv[0], b, 1);
        nap_ms(30);
        sys3(NR_kill, c, SIGUSR1, 0);
        if (restart) {
            nap_ms(30);
            uwrite(intr_sv[0], "abc", 3);
        }
        uread(intr_sv[0], b, 1);
        nap_ms(30);
        sys3(NR_kill, c, SIGUSR1, 0);
        reap(c, "the interrupted child exits");
        uclose(intr_sv[0]);
        uclose(intr_sv[1]);
    }
}

/* ---- credentials ---- */

static void credentials(void)
{
    int sv[2];
    upair(AF_UNIX, SOCK_DGRAM, sv);
    int on = 1;
    uexpect(usetopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0, "SO_PASSCRED");
    usend(sv[0], "c", 1, 0);
    union {
        struct cmsghdr h;
        char b[64];
    } c;
    char d[4];
    struct iovec v = {d, 4};
    struct msghdr m = {0, 0, &v, 1, &c, sizeof c, 0};
    uexpect(sys3(NR_recvmsg, sv[1], (long)&m, 0), 1, "recvmsg with SO_PASSCRED");
    struct ucred cr;
    ucopy(&cr, c.b + sizeof c.h, sizeof cr);
    check(m.controllen == CMSG_SPACE(sizeof cr) && c.h.type == SCM_CREDENTIALS && c.h.level == SOL_SOCKET,
          "an SCM_CREDENTIALS message");
    check(cr.pid == sys1(NR_getpid, 0) && cr.uid == sys1(NR_geteuid, 0) && cr.gid == sys1(NR_getegid, 0),
          "with the sender's ids");
    /* Sent explicitly: the sender's own are allowed. */
    c.h.len = CMSG_LEN(sizeof cr);
    c.h.level = SOL_SOCKET;
    c.h.type = SCM_CREDENTIALS;
    cr = (struct ucred){(int)sys1(NR_getpid, 0), (int)sys1(NR_getuid, 0), (int)sys1(NR_getgid, 0)};
    ucopy(c.b + sizeof c.h, &cr, sizeof cr);
    m = (struct msghdr){0, 0, &v, 1, &c, CMSG_SPACE(sizeof cr), 0};
    uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), 4, "sendmsg with SCM_CREDENTIALS of its own");
    c.h.len = CMSG_LEN(4);
    uexpect(sys3(NR_sendmsg, sv[0], (long)&m, 0), -EINVAL, "SCM_CREDENTIALS of the wrong size: EINVAL");
    uclose(sv[0]);
    uclose(sv[1]);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    parent_pid = sys1(NR_getpid, 0);
    char *t = tag + sizeof tag;
    long pid = parent_pid;
    *--t = 0;
    do
        *--t = (char)('0' + pid % 10);
    while (pid /= 10);
    ucopy(tag, t, ustrlen(t) + 1);
    pairs();
    rights();
    boundaries();
    names();
    errors();
    efaults();
    nonblocking();
    hangups();
    waits();
    dgram_room();
    interrupts();
    credentials();
    echo_under_load();
    uputs("uunix: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails() > 255 ? 255 : *ufails();
}
