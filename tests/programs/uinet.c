/*
 * uinet: AF_INET sockets over 127.0.0.1, judged by Linux (the same program
 * passes on the host's Linux): a TCP echo between two processes (addresses
 * of both ends, a stream of 256 KiB in pieces, shutdown's end), bind's
 * EADDRINUSE and SO_REUSEADDR over a TIME_WAIT, a refused connect (blocking
 * and nonblocking), a nonblocking connect through ppoll and SO_ERROR,
 * EPIPE and SIGPIPE after the peer closed (MSG_NOSIGNAL keeps the signal),
 * MSG_PEEK and FIONREAD, a read taking all that is queued, SO_RCVTIMEO, EINTR from accept and recv, UDP datagrams (boundaries, sources, MSG_TRUNC,
 * connected UDP), options (TCP_NODELAY, SO_TYPE, IP_TTL), SO_RCVBUF and
 * SO_SNDBUF bounding what a writer gets in ahead of a reader, an ICMP echo
 * socket pinging 127.0.0.1 and raw ICMP refused to a user; the interface
 * ioctls ifconfig uses, on lo.
 */
#include "usock.h"

#define AF_INET 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_NONBLOCK 04000
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define TCP_NODELAY 1
#define IP_TTL 2
#define SHUT_WR 1
#define MSG_PEEK 2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000
#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411
#define POLLIN 1
#define POLLOUT 4
#define POLLERR 8
#define POLLHUP 0x10
#define POLLRDHUP 0x2000
#define SIGPIPE 13
#define SIGALRM 14
#define SO_RCVTIMEO 20
#define EINTR 4
#define SA_RESTORER 0x04000000ul
#define SA_RESTART 0x10000000ul
#define EPERM 1
#define EAGAIN 11
#define EACCES 13
#define EPIPE 32
#define EINVAL 22
#define EMSGSIZE 90
#define EDESTADDRREQ 89
#define EPROTONOSUPPORT 93
#define EOPNOTSUPP 95
#define EAFNOSUPPORT 97
#define EADDRNOTAVAIL 99
#define EISCONN 106
#define ENOTCONN 107
#define EADDRINUSE 98
#define EINPROGRESS 115
#define ECONNREFUSED 111

struct sin {
    unsigned short family, port; /* port in network order */
    unsigned addr;               /* network order */
    unsigned char zero[8];
};

static unsigned short n16(unsigned short v) { return (unsigned short)(v << 8 | v >> 8); }
static struct sin lo(unsigned short port_net) { return (struct sin){AF_INET, port_net, 0x0100007f, {0}}; }

static long usocket(int t, int p) { return sys3(NR_socket, AF_INET, t, p); }
static long ubind(long s, struct sin a) { return sys3(NR_bind, s, (long)&a, sizeof a); }
static long uconnect(long s, struct sin a) { return sys3(NR_connect, s, (long)&a, sizeof a); }
static struct sin uname_of(long s, int peer)
{
    struct sin a = {0};
    unsigned len = sizeof a;
    sys3(peer ? NR_getpeername : NR_getsockname, s, (long)&a, (long)&len);
    return a;
}
static void usleep_ms(long ms)
{
    struct {
        long s, ns;
    } t = {ms / 1000, ms % 1000 * 1000000};
    sys3(NR_nanosleep, (long)&t, 0, 0);
}

/* A listener on 127.0.0.1 at a free port; its port (network order) in *port. */
static long listener(unsigned short *port, int reuse)
{
    long l = usocket(SOCK_STREAM, 0);
    if (reuse)
        usetint(l, SOL_SOCKET, SO_REUSEADDR, 1);
    if (ubind(l, lo(0)) || sys3(NR_listen, l, 8, 0))
        return -1;
    *port = uname_of(l, 0).port;
    return l;
}

static unsigned char pat(long i) { return (unsigned char)(i * 13 + (i >> 9)); }

#define STREAM (256 * 1024)
#define PIECE 16384

static void echo(void)
{
    unsigned short port;
    long l = listener(&port, 0);
    check(l >= 0, "listener on 127.0.0.1");
    check(port != 0, "getsockname: the port bind chose");
    uexpect(uname_of(l, 0).addr, 0x0100007f, "getsockname: 127.0.0.1");
    long d = usocket(SOCK_STREAM, 0);
    uexpect(ubind(d, lo(port)), -EADDRINUSE, "bind to a listener's port: EADDRINUSE");
    uclose(d);

    long c = ufork();
    if (c == 0) { /* the client: pieces out, each echoed back */
        long s = usocket(SOCK_STREAM, 0);
        if (uconnect(s, lo(port)))
            uexit(2);
        uexit(uecho_client(s, STREAM, PIECE));
    }
    long a = sys3(NR_accept, l, 0, 0);
    check(a >= 0, "accept");
    struct sin peer = uname_of(a, 1), me = uname_of(a, 0);
    uexpect(peer.addr, 0x0100007f, "getpeername: the client's 127.0.0.1");
    check(peer.port != 0 && peer.port != port, "getpeername: the client's own port");
    uexpect(me.port, port, "the accepted socket's port is the listener's");
    long n, total = uecho(a, &n);
    uexpect(n, 0, "recv: 0 at the client's FIN");
    uexpect(total, STREAM, "the whole stream echoed");
    uclose(a);
    uexpect(uwait(c), 0, "the client saw its stream back intact, then the end");
    uclose(l);
}

static void refused_and_nonblocking(void)
{
    long t = usocket(SOCK_STREAM, 0);
    ubind(t, lo(0));
    unsigned short dead = uname_of(t, 0).port;
    uclose(t); /* nobody listens there now */
    long s = usocket(SOCK_STREAM, 0);
    uexpect(uconnect(s, lo(dead)), -ECONNREFUSED, "connect to a closed port: ECONNREFUSED");
    uclose(s);
    s = usocket(SOCK_STREAM | SOCK_NONBLOCK, 0);
    uexpect(uconnect(s, lo(dead)), -EINPROGRESS, "nonblocking connect to a closed port: EINPROGRESS");
    check(upoll1(s, POLLOUT, 2000) & POLLERR, "then POLLERR");
    uexpect(ugetint(s, SOL_SOCKET, SO_ERROR), ECONNREFUSED, "and SO_ERROR ECONNREFUSED");
    uclose(s);

    unsigned short port;
    long l = listener(&port, 0);
    s = usocket(SOCK_STREAM | SOCK_NONBLOCK, 0);
    uexpect(uconnect(s, lo(port)), -EINPROGRESS, "nonblocking connect: EINPROGRESS");
    uexpect(upoll1(s, POLLOUT, 2000) & (POLLOUT | POLLERR), POLLOUT, "then POLLOUT");
    uexpect(ugetint(s, SOL_SOCKET, SO_ERROR), 0, "and SO_ERROR 0");
    long a = sys3(NR_accept, l, 0, 0);
    check(a >= 0, "the listener accepts it");
    char b[8];
    uexpect(urecv(s, b, sizeof b, 0), -EAGAIN, "nonblocking recv with nothing there: EAGAIN");
    uexpect(usend(a, "peekaboo", 8, 0), 8, "send 8 bytes");
    uexpect(upoll1(s, POLLIN, 2000) & POLLIN, POLLIN, "POLLIN once they came");
    int nread = -1;
    sys3(NR_ioctl, s, FIONREAD, (long)&nread);
    uexpect(nread, 8, "FIONREAD: 8");
    uexpect(urecv(s, b, 4, MSG_PEEK), 4, "MSG_PEEK 4");
    uexpect(urecv(s, b, 8, 0), 8, "then all 8 are still there");
    check(b[0] == 'p' && b[7] == 'o', "in order");
    uexpect(ugetint(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM, "SO_TYPE");
    uexpect(ugetint(s, IPPROTO_TCP, TCP_NODELAY), 0, "TCP_NODELAY off at first");
    usetint(s, IPPROTO_TCP, TCP_NODELAY, 1);
    check(ugetint(s, IPPROTO_TCP, TCP_NODELAY) != 0, "TCP_NODELAY set");
    usetint(s, 0, IP_TTL, 9);
    uexpect(ugetint(s, 0, IP_TTL), 9, "IP_TTL set");
    uclose(a);
    uclose(s);
    uclose(l);
}

static volatile int pipes;
static void on_pipe(int sig) { (void)sig, pipes++; }

static void epipe(void)
{
    struct usigaction sa = {0};
    sa.handler = (unsigned long)on_pipe;
#ifdef USA_RESTORER
    sa.flags |= SA_RESTORER;
    sa.restorer = (unsigned long)USA_RESTORER;
#endif
    sys6(NR_rt_sigaction, SIGPIPE, (long)&sa, 0, 8, 0, 0);
    unsigned short port, p2;
    long l = listener(&port, 1), l2; /* its connections' TIME_WAIT allows SO_REUSEADDR (below) */
    char c1[4];
    long s = usocket(SOCK_STREAM, 0);
    uexpect(uconnect(s, lo(port)), 0, "connect");
    long a = sys3(NR_accept, l, 0, 0);
    uclose(a); /* the peer is gone */
    usleep_ms(50);
    uexpect(usend(s, "x", 1, 0), 1, "the first send after the peer closed goes out");
    usleep_ms(100); /* the peer's reset comes back */
    uexpect(usend(s, "x", 1, 0), -EPIPE, "the next: EPIPE");
    uexpect(pipes, 1, "and SIGPIPE");
    uexpect(usend(s, "x", 1, MSG_NOSIGNAL), -EPIPE, "MSG_NOSIGNAL: EPIPE");
    uexpect(pipes, 1, "without SIGPIPE");
    uclose(s);
    s = usocket(SOCK_STREAM, 0);
    uexpect(usend(s, "x", 1, MSG_NOSIGNAL), -EPIPE, "send on a socket never connected: EPIPE");
    uexpect(urecv(s, c1, 1, MSG_DONTWAIT), -ENOTCONN, "recv there: ENOTCONN");
    uclose(s);
    l2 = listener(&p2, 0);
    s = usocket(SOCK_STREAM, 0);
    uexpect(usend(l2, "x", 1, MSG_NOSIGNAL), -EPIPE, "send on a listener: EPIPE");
    uclose(s);
    uclose(l2);

    /* SO_REUSEADDR on both: the port of a connection in TIME_WAIT (the server closed first) */
    s = usocket(SOCK_STREAM, 0);
    uconnect(s, lo(port));
    a = sys3(NR_accept, l, 0, 0);
    uclose(a);
    usleep_ms(20);
    uclose(s);
    uclose(l);
    usleep_ms(50);
    long b = usocket(SOCK_STREAM, 0);
    uexpect(ubind(b, lo(port)), -EADDRINUSE, "bind over a TIME_WAIT: EADDRINUSE");
    uclose(b);
    b = usocket(SOCK_STREAM, 0);
    usetint(b, SOL_SOCKET, SO_REUSEADDR, 1);
    uexpect(ugetint(b, SOL_SOCKET, SO_REUSEADDR), 1, "SO_REUSEADDR set");
    uexpect(ubind(b, lo(port)), 0, "with SO_REUSEADDR: bound");
    uexpect(sys3(NR_listen, b, 1, 0), 0, "and listening");
    long b2 = usocket(SOCK_STREAM, 0);
    usetint(b2, SOL_SOCKET, SO_REUSEADDR, 1);
    uexpect(ubind(b2, lo(port)), -EADDRINUSE, "a second listener's bind, SO_REUSEADDR or not: EADDRINUSE");
    uclose(b2);
    uclose(b);
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig, alarms++; }

/* Waits a socket call ends: SO_RCVTIMEO (EAGAIN), a signal without
 * SA_RESTART (EINTR), for recv and accept; and a signal with SA_RESTART
 * when SO_RCVTIMEO is set (EINTR all the same, as Linux). */
static void waits(void)
{
    struct usigaction sa = {0};
    sa.handler = (unsigned long)on_alarm;
#ifdef USA_RESTORER
    sa.flags |= SA_RESTORER;
    sa.restorer = (unsigned long)USA_RESTORER;
#endif
    sys6(NR_rt_sigaction, SIGALRM, (long)&sa, 0, 8, 0, 0);
    unsigned short port;
    long l = listener(&port, 0);
    long s = usocket(SOCK_STREAM, 0);
    uconnect(s, lo(port));
    long a = sys3(NR_accept, l, 0, 0);
    struct {
        long sec, usec;
    } tv = {0, 100000};
    uexpect(sys6(NR_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof tv, 0), 0, "SO_RCVTIMEO 100 ms");
    char b[4];
    long t0 = unow_ns();
    uexpect(urecv(s, b, sizeof b, 0), -EAGAIN, "recv with nothing there: EAGAIN after it");
    check(unow_ns() - t0 >= 90000000, "after about 100 ms");
    struct {
        long isec, iusec, sec, usec;
    } it = {0, 0, 0, 50000};
    sys3(NR_setitimer, 0, (long)&it, 0);
    uexpect(sys3(NR_accept, l, 0, 0), -EINTR, "a blocking accept, a signal: EINTR");
    uexpect(alarms, 1, "its handler ran");
    sys3(NR_setitimer, 0, (long)&it, 0);
    uexpect(urecv(a, b, sizeof b, 0), -EINTR, "a blocking recv, a signal: EINTR");
    uexpect(alarms, 2, "its handler ran");
    /* With SA_RESTART the call would go on, but not one with a timeout */
    sa.flags |= SA_RESTART;
    sys6(NR_rt_sigaction, SIGALRM, (long)&sa, 0, 8, 0, 0);
    tv.sec = 5, tv.usec = 0;
    sys6(NR_setsockopt, a, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof tv, 0);
    sys3(NR_setitimer, 0, (long)&it, 0);
    t0 = unow_ns();
    uexpect(urecv(a, b, sizeof b, 0), -EINTR, "SA_RESTART, but SO_RCVTIMEO set: recv ends with EINTR");
    check(unow_ns() - t0 < 2000000000l, "at the signal, not the timeout");
    uexpect(alarms, 3, "its handler ran");
    sa.flags &= ~SA_RESTART;
    sys6(NR_rt_sigaction, SIGALRM, (long)&sa, 0, 8, 0, 0);
    uclose(a);
    uclose(s);
    uclose(l);
}

/* The errors Linux gives for calls out of place. */
static void corners(void)
{
    uexpect(usocket(SOCK_STREAM, 17), -EPROTONOSUPPORT, "a stream socket for UDP: EPROTONOSUPPORT");
    long s = usocket(SOCK_STREAM, 0);
    uexpect(upoll1(s, POLLIN | POLLOUT, 0), POLLOUT | POLLHUP, "a new TCP socket polls POLLOUT|POLLHUP");
    struct sin a = {0};
    unsigned len = sizeof a;
    uexpect(sys3(NR_getpeername, s, (long)&a, (long)&len), -ENOTCONN, "getpeername unconnected: ENOTCONN");
    uexpect(sys3(NR_accept, s, 0, 0), -EINVAL, "accept on a socket not listening: EINVAL");
    struct sin far = {AF_INET, 0, 0x010200c0, {0}}; /* 192.0.2.1: no interface has it */
    uexpect(ubind(s, far), -EADDRNOTAVAIL, "bind to an address not ours: EADDRNOTAVAIL");
    struct sin bad = {1 /* AF_UNIX */, 0, 0x0100007f, {0}};
    uexpect(ubind(s, bad), -EAFNOSUPPORT, "bind to another family's address: EAFNOSUPPORT");
    uexpect(ubind(s, lo(0)), 0, "bind");
    uexpect(ubind(s, lo(0)), -EINVAL, "bind again: EINVAL");
    uclose(s);
    unsigned short port;
    long l = listener(&port, 0);
    s = usocket(SOCK_STREAM, 0);
    uconnect(s, lo(port));
    uexpect(uconnect(s, lo(port)), -EISCONN, "connect when connected: EISCONN");
    long c = sys3(NR_accept, l, 0, 0);
    /* A read takes all that is queued, up to its length, in one call */
    static char queued[48 * 1024], got[64 * 1024];
    for (unsigned i = 0; i < sizeof queued; i++)
        queued[i] = (char)pat(i);
    uexpect(usend(s, queued, sizeof queued, 0), (long)sizeof queued, "send 48 KiB");
    int nread = 0;
    for (int i = 0; i < 200 && nread < (int)sizeof queued; i++) {
        sys3(NR_ioctl, c, FIONREAD, (long)&nread);
        if (nread < (int)sizeof queued)
            usleep_ms(10);
    }
    uexpect(urecv(c, got, sizeof got, 0), (long)sizeof queued, "one read of 64 KiB takes all 48 KiB queued");
    long diff = 0;
    for (unsigned i = 0; i < sizeof queued; i++)
        diff += got[i] != queued[i];
    uexpect(diff, 0, "intact");
    uexpect(sys3(NR_shutdown, s, SHUT_WR, 0), 0, "shutdown(SHUT_WR)");
    uexpect(usend(s, "x", 1, MSG_NOSIGNAL), -EPIPE, "then send: EPIPE");
    char b[4];
    uexpect(urecv(c, b, sizeof b, 0), 0, "the peer reads the end");
    uexpect(upoll1(c, POLLIN | POLLOUT | POLLRDHUP, 0) & (POLLIN | POLLOUT | POLLRDHUP | POLLHUP), POLLIN | POLLOUT | POLLRDHUP,
            "and polls POLLIN|POLLOUT|POLLRDHUP");
    uclose(c);
    uclose(s);
    uclose(l);
    long u = usocket(SOCK_DGRAM, 0);
    uexpect(sys3(NR_listen, u, 1, 0), -EOPNOTSUPP, "listen on UDP: EOPNOTSUPP");
    static char big[65508];
    struct sin to = lo(n16(9));
    uexpect(sys6(NR_sendto, u, (long)big, sizeof big, 0, (long)&to, sizeof to), -EMSGSIZE,
            "a UDP datagram of 65,508 bytes: EMSGSIZE");
    uexpect(usend(u, "x", 1, 0), -EDESTADDRREQ, "send on unconnected UDP: EDESTADDRREQ");
    uclose(u);
}

static void udp(void)
{
    long r = usocket(SOCK_DGRAM, 0), s = usocket(SOCK_DGRAM, 0);
    uexpect(ubind(r, lo(0)), 0, "UDP bind");
    struct sin ra = uname_of(r, 0);
    char b[32];
    uexpect(urecv(r, b, sizeof b, MSG_DONTWAIT), -EAGAIN, "UDP recv, nothing there: EAGAIN");
    uexpect(sys6(NR_sendto, s, (long)"one", 3, 0, (long)&ra, sizeof ra), 3, "sendto 3 bytes");
    uexpect(sys6(NR_sendto, s, (long)"two!!", 5, 0, (long)&ra, sizeof ra), 5, "sendto 5 bytes");
    struct sin from = {0};
    unsigned flen = sizeof from;
    uexpect(sys6(NR_recvfrom, r, (long)b, sizeof b, 0, (long)&from, (long)&flen), 3, "one datagram: 3 bytes");
    uexpect(from.port, uname_of(s, 0).port, "from the sender's port");
    uexpect(from.addr, 0x0100007f, "from 127.0.0.1");
    uexpect(urecv(r, b, 2, MSG_TRUNC), 5, "MSG_TRUNC: the datagram's whole length");
    uexpect(urecv(r, b, sizeof b, MSG_DONTWAIT), -EAGAIN, "its rest is gone");
    uexpect(uconnect(s, ra), 0, "UDP connect");
    uexpect(uname_of(s, 1).port, ra.port, "getpeername: the connected port");
    uexpect(usend(s, "abc", 3, 0), 3, "send on connected UDP");
    uexpect(urecv(r, b, sizeof b, 0), 3, "received");
    uclose(s);
    uclose(r);
}

static void icmp(void)
{
    long p = usocket(SOCK_DGRAM, IPPROTO_ICMP);
    if (p == -EACCES && uskip_on_linux("ICMP echo socket (net.ipv4.ping_group_range excludes us)"))
        ;
    else if (uexpect(p >= 0, 1, "ICMP echo socket")) {
        unsigned char req[24] = {8, 0, 0, 0, 0, 0, 0, 7, 'u', 'i', 'n', 'e', 't'}, rep[64];
        struct sin to = lo(0);
        uexpect(sys6(NR_sendto, p, (long)req, sizeof req, 0, (long)&to, sizeof to), sizeof req, "echo request sent");
        uexpect(upoll1(p, POLLIN, 2000) & POLLIN, POLLIN, "a reply comes");
        uexpect(urecv(p, rep, sizeof rep, 0), sizeof req, "the reply: the request's length");
        uexpect(rep[0], 0, "an echo reply");
        uexpect(rep[4] << 8 | rep[5], n16(uname_of(p, 0).port), "its id: the socket's port");
        uexpect(rep[7], 7, "its sequence");
        check(rep[8] == 'u' && rep[12] == 't', "its data");
        uclose(p);
    }
    uexpect(usocket_as_user(AF_INET, SOCK_RAW, IPPROTO_ICMP), 0, "raw ICMP as a user: EPERM");
}

/* The interface ioctls ifconfig uses, on lo (which both kernels have as
 * index 1, 127.0.0.1/8, MTU 65536). */
struct ifreq {
    char name[16];
    union {
        struct sin addr;
        short flags;
        int ivalue;
        char pad[24];
    };
};
#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define IFF_UP 1
#define IFF_LOOPBACK 8
#define IFF_RUNNING 0x40
#define ENODEV 19

static void lo_ifreq(struct ifreq *q)
{
    for (unsigned i = 0; i < sizeof *q; i++)
        ((char *)q)[i] = 0;
    q->name[0] = 'l', q->name[1] = 'o';
}

static void ifaces(void)
{
    long s = usocket(SOCK_DGRAM, 0);
    static struct ifreq all[16];
    struct {
        int len, pad;
        struct ifreq *buf;
    } c = {sizeof all, 0, all};
    uexpect(sys3(NR_ioctl, s, SIOCGIFCONF, (long)&c), 0, "SIOCGIFCONF");
    int found = 0;
    for (int i = 0; i < c.len / (int)sizeof all[0]; i++)
        if (ustreq(all[i].name, "lo") && all[i].addr.addr == 0x0100007f)
            found = 1;
    check(found, "it lists lo with 127.0.0.1");
    c.buf = 0;
    uexpect(sys3(NR_ioctl, s, SIOCGIFCONF, (long)&c) == 0 && c.len % (int)sizeof all[0] == 0 && c.len > 0, 1,
            "SIOCGIFCONF without a buffer: the length it needs");
    struct ifreq q;
    lo_ifreq(&q);
    uexpect(sys3(NR_ioctl, s, SIOCGIFFLAGS, (long)&q), 0, "SIOCGIFFLAGS lo");
    uexpect(q.flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING), IFF_UP | IFF_LOOPBACK | IFF_RUNNING, "lo is up, running, loopback");
    lo_ifreq(&q);
    uexpect(sys3(NR_ioctl, s, SIOCGIFADDR, (long)&q), 0, "SIOCGIFADDR lo");
    uexpect(q.addr.addr, 0x0100007f, "127.0.0.1");
    lo_ifreq(&q);
    sys3(NR_ioctl, s, SIOCGIFNETMASK, (long)&q);
    uexpect(q.addr.addr, 0x000000ff, "SIOCGIFNETMASK lo: 255.0.0.0");
    lo_ifreq(&q);
    sys3(NR_ioctl, s, SIOCGIFMTU, (long)&q);
    uexpect(q.ivalue, 65536, "SIOCGIFMTU lo: 65536");
    lo_ifreq(&q);
    sys3(NR_ioctl, s, SIOCGIFHWADDR, (long)&q);
    uexpect(q.addr.family, 772, "SIOCGIFHWADDR lo: ARPHRD_LOOPBACK");
    lo_ifreq(&q);
    sys3(NR_ioctl, s, SIOCGIFINDEX, (long)&q);
    uexpect(q.ivalue, 1, "SIOCGIFINDEX lo: 1");
    lo_ifreq(&q);
    q.name[0] = 0;
    q.ivalue = 1;
    uexpect(sys3(NR_ioctl, s, SIOCGIFNAME, (long)&q), 0, "SIOCGIFNAME 1");
    check(ustreq(q.name, "lo"), "is lo");
    lo_ifreq(&q);
    q.name[0] = 'n', q.name[1] = 'o', q.name[2] = 'p', q.name[3] = 'e';
    uexpect(sys3(NR_ioctl, s, SIOCGIFFLAGS, (long)&q), -ENODEV, "an unknown interface: ENODEV");
    long c2 = ufork();
    if (c2 == 0) {
        if (sys1(NR_getuid, 0) == 0 && sys1(NR_setuid, 1000))
            uexit(2);
        lo_ifreq(&q);
        q.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
        uexit(sys3(NR_ioctl, s, SIOCSIFFLAGS, (long)&q) == -EPERM ? 0 : 3);
    }
    uexpect(uwait(c2), 0, "SIOCSIFFLAGS as a user: EPERM");
    uclose(s);
}

/* Bytes a nonblocking writer gets into @s while nobody reads the other end:
 * until it is refused, a pause for what is in flight to land, and again. */
static long fill(long s, long from)
{
    static unsigned char chunk[4096];
    long total = 0;
    for (int round = 0; round < 3; round++) {
        for (;;) {
            for (unsigned i = 0; i < sizeof chunk; i++)
                chunk[i] = pat(from + total + i);
            long r = usend(s, chunk, sizeof chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (r <= 0 || total > (64l << 20))
                break;
            total += r;
        }
        usleep_ms(30);
    }
    return total;
}

/* Read @n bytes from @c; 0 when they follow pat() from @from. */
static long drain(long c, long from, long n)
{
    static unsigned char b[16384];
    long got = 0, bad = 0;
    while (got < n) {
        long r = urecv(c, b, n - got < (long)sizeof b ? n - got : (long)sizeof b, 0);
        if (r <= 0)
            return -1;
        for (long i = 0; i < r; i++)
            bad += b[i] != pat(from + got + i);
        got += r;
    }
    return bad;
}

/* @w writes while @r does not read, then @r reads it all, and the stream
 * goes on: what @w got ahead of the reader. */
static long stall(long w, long r, const char *how)
{
    long ahead = fill(w, 0);
    uputs("     "), uputs(how), uputs(":\n");
    uexpect(drain(r, 0, ahead), 0, "the reader gets it all, intact");
    /* the window opened again as the reader read */
    uexpect(upoll1(w, POLLOUT, 2000), POLLOUT, "writable again once read");
    int outq = -1;
    for (int i = 0; i < 100 && outq; i++) {
        sys3(NR_ioctl, w, SIOCOUTQ, (long)&outq);
        if (outq)
            usleep_ms(10);
    }
    uexpect(outq, 0, "nothing left in the send queue (SIOCOUTQ)");
    long more = fill(w, ahead);
    uexpect(more > 0 && drain(r, ahead, more) == 0, 1, "and the stream goes on");
    return ahead;
}

/*
 * SO_RCVBUF and SO_SNDBUF on TCP bound what a writer gets in ahead of a
 * reader that does not read: the window and the send queue. A listener's
 * buffers pass to the connections it accepts; a client's, set before
 * connect, hold from the handshake; SO_SNDBUF set on a connection holds from
 * then on. With 16 KiB ones, a stalled writer stops far sooner than with the
 * defaults, either way round, and the stream goes on once the reader reads.
 */
static void buffers(void)
{
    long ahead[2][2] = {{0, 0}, {0, 0}};
    for (int small = 0; small < 2; small++) {
        unsigned short port;
        long l = usocket(SOCK_STREAM, 0);
        if (small)
            usetint(l, SOL_SOCKET, SO_RCVBUF, 16384);
        if (ubind(l, lo(0)) || sys3(NR_listen, l, 8, 0)) {
            uexpect(1, 0, "a listener for the buffer checks");
            uclose(l);
            return;
        }
        port = uname_of(l, 0).port;
        long s = usocket(SOCK_STREAM, 0);
        if (small) {
            usetint(s, SOL_SOCKET, SO_SNDBUF, 16384);
            usetint(s, SOL_SOCKET, SO_RCVBUF, 16384);
        }
        uconnect(s, lo(port));
        long c = sys3(NR_accept, l, 0, 0);
        if (small) {
            usetint(c, SOL_SOCKET, SO_SNDBUF, 16384);
            uexpect(ugetint(c, SOL_SOCKET, SO_RCVBUF), 32768, "an accepted connection has its listener's SO_RCVBUF (doubled)");
            uexpect(ugetint(s, SOL_SOCKET, SO_SNDBUF), 32768, "SO_SNDBUF reads back doubled");
        }
        ahead[small][0] = stall(s, c, small ? "client to server, 16 KiB buffers" : "client to server");
        ahead[small][1] = stall(c, s, small ? "server to client, 16 KiB buffers" : "server to client");
        uclose(c);
        uclose(s);
        uclose(l);
    }
    for (int way = 0; way < 2; way++) {
        uexpect(ahead[1][way] > 0 && ahead[1][way] <= 256 * 1024, 1,
                way ? "server to client: with 16 KiB buffers a writer gets at most 256 KiB ahead"
                    : "client to server: with 16 KiB buffers a writer gets at most 256 KiB ahead");
        uexpect(ahead[0][way] >= 4 * ahead[1][way], 1, "with the defaults at least 4 times as much");
        uputs("uinet: a stalled writer got "), uputn(ahead[0][way]), uputs(" bytes ahead, ");
        uputn(ahead[1][way]), uputs(" with 16 KiB buffers\n");
    }
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    echo();
    refused_and_nonblocking();
    epipe();
    waits();
    udp();
    corners();
    buffers();
    icmp();
    ifaces();
    uputs("uinet: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails() != 0;
}
