/*
 * uinet6: AF_INET6 sockets over ::1 and 127.0.0.1, judged by Linux (the
 * same program passes on the host's Linux): a TCP echo between two
 * processes over ::1 (both ends' sockaddr_in6), a dual-stack listener on
 * :: taking an AF_INET client (its address IPv4-mapped) and an IPv4-mapped
 * connect, IPV6_V6ONLY (no IPv4 in or out, a port shared with an AF_INET
 * listener, only before bind), bind's EADDRINUSE across the families, UDP
 * over ::1 and from an AF_INET socket to a dual-stack one, the hop limit
 * and traffic class options, bad addresses (short, the wrong family,
 * not the machine's, link-local without or with an unknown interface), and
 * ICMPv6: an echo socket pinging ::1 (its id the socket's), a raw socket
 * as root with ICMP6_FILTER passing echo replies alone and the checksum
 * the kernel's, raw ICMPv6 refused to a user, each family's ICMP refused
 * to the other.
 */
#include "umsg.h"
#include "usock.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define IPPROTO_ICMP 1
#define IPPROTO_ICMPV6 58
#define SOL_RAW 255
#define POLLIN 1
#define IPV6_CHECKSUM 7
#define ICMP6_FILTER 1
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52
#define EACCES 13
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define SOL_SOCKET 1
#define SO_DOMAIN 39
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY 26
#define IPV6_TCLASS 67
#define EINVAL 22
#define ENODEV 19
#define EAFNOSUPPORT 97
#define EPROTONOSUPPORT 93
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETUNREACH 101
#define ECONNREFUSED 111

struct sin {
    unsigned short family, port; /* port in network order */
    unsigned addr;               /* network order */
    unsigned char zero[8];
};

struct sin6 {
    unsigned short family, port;
    unsigned flowinfo;
    unsigned char addr[16];
    unsigned scope_id;
};

#define LO4 0x0100007fu /* 127.0.0.1, network order */

static struct sin6 in6(const unsigned char *a, unsigned short port_net)
{
    struct sin6 s = {AF_INET6, port_net, 0, {0}, 0};
    if (a)
        for (int i = 0; i < 16; i++)
            s.addr[i] = a[i];
    return s;
}
static const unsigned char LO6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const unsigned char MAPPED_LO[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};

static int same16(const unsigned char *a, const unsigned char *b)
{
    for (int i = 0; i < 16; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static unsigned short n16(unsigned short v) { return (unsigned short)(v << 8 | v >> 8); }
static long usocket6(int t, int p) { return sys3(NR_socket, AF_INET6, t, p); }
static long bind6(long s, struct sin6 a) { return sys3(NR_bind, s, (long)&a, sizeof a); }
static long connect6(long s, struct sin6 a) { return sys3(NR_connect, s, (long)&a, sizeof a); }

/* getsockname (@peer 0) or getpeername of @s, with the length it gave. */
static struct sin6 name6(long s, int peer, unsigned *len)
{
    struct sin6 a = {0};
    unsigned l = sizeof a;
    sys3(peer ? NR_getpeername : NR_getsockname, s, (long)&a, (long)&l);
    if (len)
        *len = l;
    return a;
}

/* A TCP listener bound to @a (port 0: a free one); its port in *port. */
static long listen6(struct sin6 a, unsigned short *port, int v6only)
{
    long l = usocket6(SOCK_STREAM, 0);
    if (v6only >= 0)
        usetint(l, IPPROTO_IPV6, IPV6_V6ONLY, v6only);
    if (bind6(l, a) || sys3(NR_listen, l, 8, 0)) {
        uclose(l);
        return -1;
    }
    *port = name6(l, 0, 0).port;
    return l;
}

#define STREAM (64 * 1024)
#define PIECE 4096

static void echo(void)
{
    unsigned short port;
    unsigned len = 0;
    long s0 = usocket6(SOCK_STREAM, 0);
    check(s0 >= 0, "socket(AF_INET6, SOCK_STREAM)");
    uexpect(ugetint(s0, SOL_SOCKET, SO_DOMAIN), AF_INET6, "SO_DOMAIN: AF_INET6");
    struct sin6 fresh = name6(s0, 0, &len);
    uexpect(len, sizeof fresh, "getsockname of a new socket: a 28-byte sockaddr_in6");
    static const unsigned char any[16];
    check(fresh.family == AF_INET6 && fresh.port == 0 && same16(fresh.addr, any), "[::]:0");
    uclose(s0);

    long l = listen6(in6(LO6, 0), &port, -1);
    check(l >= 0, "listener on ::1");
    struct sin6 la = name6(l, 0, &len);
    check(la.family == AF_INET6 && same16(la.addr, LO6) && la.port == port && port, "getsockname: [::1] and the port bind chose");
    uexpect(len, sizeof la, "of 28 bytes");
    long d = usocket6(SOCK_STREAM, 0);
    uexpect(bind6(d, in6(LO6, port)), -EADDRINUSE, "bind to a listener's port: EADDRINUSE");
    uclose(d);

    long c = ufork();
    if (c == 0) { /* the client: pieces out, each echoed back */
        long s = usocket6(SOCK_STREAM, 0);
        if (connect6(s, in6(LO6, port)))
            uexit(2);
        uexit(uecho_client(s, STREAM, PIECE));
    }
    long a = sys3(NR_accept, l, 0, 0);
    check(a >= 0, "accept");
    uexpect(ugetint(a, SOL_SOCKET, SO_DOMAIN), AF_INET6, "the accepted socket is AF_INET6");
    struct sin6 peer = name6(a, 1, &len), me = name6(a, 0, 0);
    check(peer.family == AF_INET6 && same16(peer.addr, LO6) && peer.port && peer.port != port,
          "getpeername: the client's [::1] and its own port");
    uexpect(len, sizeof peer, "of 28 bytes");
    check(same16(me.addr, LO6) && me.port == port, "getsockname: [::1] at the listener's port");
    long n, total = uecho(a, &n);
    uexpect(n, 0, "recv: 0 at the client's FIN");
    uexpect(total, STREAM, "the whole stream echoed");
    uclose(a);
    uexpect(uwait(c), 0, "the client saw its stream back intact, then the end");
    uclose(l);
}

/* A listener on [::] takes IPv4 too, its peers IPv4-mapped; with
 * IPV6_V6ONLY it takes IPv6 only and shares its port with an AF_INET one. */
static void dual_stack(void)
{
    unsigned short port;
    long l = listen6(in6(0, 0), &port, -1);
    check(l >= 0, "listener on [::]");
    uexpect(ugetint(l, IPPROTO_IPV6, IPV6_V6ONLY), 0, "IPV6_V6ONLY off by default");
    long s4 = sys3(NR_socket, AF_INET, SOCK_STREAM, 0);
    struct sin to4 = {AF_INET, port, LO4, {0}};
    uexpect(sys3(NR_connect, s4, (long)&to4, sizeof to4), 0, "an AF_INET client connects to it at 127.0.0.1");
    long a = sys3(NR_accept, l, 0, 0);
    check(a >= 0, "accept");
    struct sin6 peer = name6(a, 1, 0), me = name6(a, 0, 0);
    check(peer.family == AF_INET6 && same16(peer.addr, MAPPED_LO), "getpeername: ::ffff:127.0.0.1");
    check(same16(me.addr, MAPPED_LO) && me.port == port, "getsockname: ::ffff:127.0.0.1 at the port");
    uexpect(usend(s4, "v4", 2, 0), 2, "the AF_INET client sends");
    char b[4] = {0};
    uexpect(urecv(a, b, sizeof b, 0), 2, "the AF_INET6 end receives it");
    uclose(a);
    uclose(s4);

    long s6 = usocket6(SOCK_STREAM, 0);
    uexpect(connect6(s6, in6(MAPPED_LO, port)), 0, "an AF_INET6 client connects to ::ffff:127.0.0.1");
    check(same16(name6(s6, 1, 0).addr, MAPPED_LO), "its peer: ::ffff:127.0.0.1");
    a = sys3(NR_accept, l, 0, 0);
    check(a >= 0, "accepted");
    uclose(a);
    uclose(s6);

    /* an AF_INET listener on the port: a dual-stack bind there clashes */
    long b4 = sys3(NR_socket, AF_INET, SOCK_STREAM, 0);
    struct sin any4 = {AF_INET, 0, 0, {0}};
    sys3(NR_bind, b4, (long)&any4, sizeof any4);
    sys3(NR_listen, b4, 1, 0);
    struct sin got4 = {0};
    unsigned len = sizeof got4;
    sys3(NR_getsockname, b4, (long)&got4, (long)&len);
    long d = usocket6(SOCK_STREAM, 0);
    uexpect(bind6(d, in6(0, got4.port)), -EADDRINUSE, "[::] at an AF_INET listener's port: EADDRINUSE");
    uclose(d);
    d = usocket6(SOCK_STREAM, 0);
    uexpect(usetint(d, IPPROTO_IPV6, IPV6_V6ONLY, 1), 0, "IPV6_V6ONLY set");
    uexpect(ugetint(d, IPPROTO_IPV6, IPV6_V6ONLY), 1, "and read back");
    uexpect(bind6(d, in6(0, got4.port)), 0, "with it, [::] at that port: bound");
    uexpect(usetint(d, IPPROTO_IPV6, IPV6_V6ONLY, 0), -EINVAL, "IPV6_V6ONLY after bind: EINVAL");
    uexpect(sys3(NR_listen, d, 1, 0), 0, "and listening beside the AF_INET one");
    uclose(d);
    uclose(b4);
    uclose(l);

    unsigned short p6;
    l = listen6(in6(0, 0), &p6, 1);
    check(l >= 0, "a V6ONLY listener on [::]");
    s4 = sys3(NR_socket, AF_INET, SOCK_STREAM, 0);
    to4.port = p6;
    uexpect(sys3(NR_connect, s4, (long)&to4, sizeof to4), -ECONNREFUSED, "takes no IPv4: ECONNREFUSED");
    uclose(s4);
    s6 = usocket6(SOCK_STREAM, 0);
    uexpect(connect6(s6, in6(LO6, p6)), 0, "takes IPv6");
    uclose(s6);
    s6 = usocket6(SOCK_STREAM, 0);
    usetint(s6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    uexpect(connect6(s6, in6(MAPPED_LO, port)), -ENETUNREACH, "a V6ONLY socket's connect to ::ffff:127.0.0.1: ENETUNREACH");
    uexpect(bind6(s6, in6(MAPPED_LO, 0)), -EINVAL, "its bind there: EINVAL");
    uclose(s6);
    uclose(l);
}

static void udp(void)
{
    long r = usocket6(SOCK_DGRAM, 0);
    uexpect(bind6(r, in6(0, 0)), 0, "UDP bound to [::]");
    unsigned short port = name6(r, 0, 0).port;
    long s = usocket6(SOCK_DGRAM, IPPROTO_UDP);
    struct sin6 to = in6(LO6, port);
    uexpect(sys6(NR_sendto, s, (long)"six", 3, 0, (long)&to, sizeof to), 3, "sendto [::1]");
    long s4 = sys3(NR_socket, AF_INET, SOCK_DGRAM, 0);
    struct sin to4 = {AF_INET, port, LO4, {0}};
    uexpect(sys6(NR_sendto, s4, (long)"four", 4, 0, (long)&to4, sizeof to4), 4, "an AF_INET socket's sendto 127.0.0.1 there");
    char b[8] = {0};
    struct sin6 from = {0};
    unsigned len = sizeof from;
    uexpect(sys6(NR_recvfrom, r, (long)b, sizeof b, 0, (long)&from, (long)&len), 3, "the first datagram");
    check(b[0] == 's' && from.family == AF_INET6 && same16(from.addr, LO6) && from.port == name6(s, 0, 0).port,
          "from [::1] at the sender's port");
    uexpect(len, sizeof from, "a 28-byte source");
    len = sizeof from;
    uexpect(sys6(NR_recvfrom, r, (long)b, sizeof b, 0, (long)&from, (long)&len), 4, "the second");
    check(b[0] == 'f' && same16(from.addr, MAPPED_LO), "from ::ffff:127.0.0.1");
    uexpect(connect6(s, in6(LO6, port)), 0, "UDP connect to [::1]");
    uexpect(usend(s, "c", 1, 0), 1, "send on it");
    uexpect(urecv(r, b, sizeof b, 0), 1, "received");
    uclose(s4);
    uclose(s);
    uclose(r);
}

static void options(void)
{
    long s = usocket6(SOCK_STREAM, 0);
    uexpect(ugetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64, "IPV6_UNICAST_HOPS: 64");
    uexpect(usetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7), 0, "set to 7");
    uexpect(ugetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 7, "reads 7");
    usetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1);
    uexpect(ugetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64, "-1: the default again");
    uexpect(usetint(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256), -EINVAL, "256: EINVAL");
    uexpect(ugetint(s, IPPROTO_IPV6, IPV6_TCLASS), 0, "IPV6_TCLASS: 0");
    usetint(s, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
    uexpect(ugetint(s, IPPROTO_IPV6, IPV6_TCLASS), 0x20, "set to 0x20");
    uclose(s);
}

static void bad_addresses(void)
{
    long s = usocket6(SOCK_STREAM, 0);
    struct sin6 a = in6(LO6, 0);
    uexpect(sys3(NR_bind, s, (long)&a, 23), -EINVAL, "bind with 23 bytes of address: EINVAL");
    struct sin four = {AF_INET, 0, LO4, {0}};
    uexpect(sys3(NR_bind, s, (long)&four, sizeof four), -EINVAL, "a sockaddr_in's 16 bytes: EINVAL");
    a.family = AF_INET;
    uexpect(sys3(NR_bind, s, (long)&a, sizeof a), -EAFNOSUPPORT, "28 bytes of the wrong family: EAFNOSUPPORT");
    static const unsigned char doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uexpect(bind6(s, in6(doc, 0)), -EADDRNOTAVAIL, "2001:db8::1, not the machine's: EADDRNOTAVAIL");
    static const unsigned char ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uexpect(bind6(s, in6(ll, 0)), -EINVAL, "fe80::1 without an interface: EINVAL");
    struct sin6 lls = in6(ll, 0);
    lls.scope_id = 999;
    uexpect(bind6(s, lls), -ENODEV, "with interface 999: ENODEV");
    uexpect(sys3(NR_bind, s, (long)&a, 24) == -EAFNOSUPPORT, 1, "RFC 2133's 24 bytes are taken");
    uclose(s);
    /* a fresh socket: Linux keeps the interface of a failed link-local bind */
    s = usocket6(SOCK_STREAM, 0);
    a.family = AF_INET6;
    uexpect(sys3(NR_bind, s, (long)&a, 24), 0, "so [::1] binds with them");
    uclose(s);
    uexpect(usocket6(SOCK_STREAM, IPPROTO_UDP), -EPROTONOSUPPORT, "SOCK_STREAM, IPPROTO_UDP: EPROTONOSUPPORT");
    long u = usocket6(SOCK_DGRAM, 0);
    struct sin6 to = in6(LO6, 9);
    static char big[65536];
    uexpect(sys6(NR_sendto, u, (long)big, 65536, 0, (long)&to, sizeof to), -90, "a 64 KiB datagram: EMSGSIZE");
    uclose(u);
}

/* Read from @s until an echo reply of @id and @seq comes (other pings may
 * share ::1), 2 s at most; its length, or what failed. */
static long echo_reply(long s, unsigned id, unsigned seq, unsigned char *rep, unsigned size,
                       struct sin6 *from)
{
    for (int tries = 0; tries < 16; tries++) {
        if (!(upoll1(s, POLLIN, 2000) & POLLIN))
            return -1;
        unsigned len = sizeof *from;
        long n = sys6(NR_recvfrom, s, (long)rep, size, 0, (long)from, (long)&len);
        if (n < 8 || (rep[0] == 129 && (unsigned)(rep[4] << 8 | rep[5]) == id && rep[7] == seq))
            return n;
    }
    return -2;
}

static void icmp6(void)
{
    unsigned char rep[64];
    struct sin6 from = {0}, to = in6(LO6, 0);
    long p = usocket6(SOCK_DGRAM, IPPROTO_ICMPV6);
    if (p == -EACCES && uskip_on_linux("ICMPv6 echo socket (net.ipv4.ping_group_range excludes us)"))
        ;
    else if (uexpect(p >= 0, 1, "ICMPv6 echo socket")) {
        unsigned char req[24] = {128, 0, 0, 0, 0, 0, 0, 9, 'u', 'i', 'n', 'e', 't', '6'};
        uexpect(sys6(NR_sendto, p, (long)req, sizeof req, 0, (long)&to, sizeof to), sizeof req,
                "ICMPv6 echo request sent to [::1]");
        unsigned id = n16(name6(p, 0, 0).port);
        uexpect(echo_reply(p, id, 9, rep, sizeof rep, &from), sizeof req,
                "its echo reply, the id the socket's port, the request's length");
        check(rep[8] == 'u' && rep[13] == '6', "its data");
        check(from.family == AF_INET6 && same16(from.addr, LO6), "from [::1]");
        unsigned char v4[8] = {8, 0};
        uexpect(sys6(NR_sendto, p, (long)v4, sizeof v4, 0, (long)&to, sizeof to), -EINVAL,
                "an ICMPv4 echo request on it: EINVAL");
        uclose(p);
    }
    uexpect(sys3(NR_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMPV6), -EPROTONOSUPPORT,
            "AF_INET with IPPROTO_ICMPV6: EPROTONOSUPPORT");
    uexpect(usocket6(SOCK_DGRAM, IPPROTO_ICMP), -EPROTONOSUPPORT,
            "AF_INET6 with IPPROTO_ICMP: EPROTONOSUPPORT");
    if (sys1(NR_getuid, 0) == 0) {
        long r = usocket6(SOCK_RAW, IPPROTO_ICMPV6);
        if (uexpect(r >= 0, 1, "raw ICMPv6 socket as root")) {
            unsigned filt[8];
            for (int i = 0; i < 8; i++)
                filt[i] = ~0u;
            filt[129 >> 5] &= ~(1u << (129 & 31)); /* pass echo replies, block the rest */
            uexpect(sys6(NR_setsockopt, r, IPPROTO_ICMPV6, ICMP6_FILTER, (long)filt, sizeof filt, 0), 0,
                    "ICMP6_FILTER: echo replies alone");
            uexpect(usetint(r, SOL_RAW, IPV6_CHECKSUM, 2), 0, "IPV6_CHECKSUM 2 at SOL_RAW");
            /* A wrong checksum: the kernel's replaces it, or ::1 would drop the request. */
            unsigned char req[16] = {128, 0, 0x12, 0x34, 0x42, 0x17, 0, 5, 'r', 'a', 'w'};
            uexpect(sys6(NR_sendto, r, (long)req, sizeof req, 0, (long)&to, sizeof to), sizeof req,
                    "a raw echo request to [::1]");
            uexpect(echo_reply(r, 0x4217, 5, rep, sizeof rep, &from), sizeof req,
                    "its reply, no IPv6 header in front, the id as sent");
            check(rep[8] == 'r' && rep[10] == 'w', "its data");
            /* IPV6_RECVHOPLIMIT: the next reply's hop limit as a control message */
            uexpect(usetint(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1), 0, "IPV6_RECVHOPLIMIT on");
            uexpect(ugetint(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT), 1, "reads 1");
            req[7] = 6;
            uexpect(sys6(NR_sendto, r, (long)req, sizeof req, 0, (long)&to, sizeof to), sizeof req,
                    "another raw echo request");
            struct {
                struct cmsghdr h;
                int v, pad;
            } c = {{0, 0, 0}, -1, 0};
            struct iovec v = {rep, sizeof rep};
            struct msghdr m = {0, 0, &v, 1, &c, sizeof c, 0};
            long n = upoll1(r, POLLIN, 2000) & POLLIN ? sys3(NR_recvmsg, r, (long)&m, 0) : -1;
            uexpect(n, sizeof req, "its reply through recvmsg");
            check(m.controllen == sizeof c.h + sizeof(int) + 4 && c.h.level == IPPROTO_IPV6 &&
                  c.h.type == IPV6_HOPLIMIT && c.h.len == sizeof c.h + sizeof(int),
                  "one control message: IPV6_HOPLIMIT");
            uexpect(c.v, 64, "the hop limit: 64, ::1's default");
            uclose(r);
        }
    }
    uexpect(usocket_as_user(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), 0, "raw ICMPv6 as a user: EPERM");
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    echo();
    dual_stack();
    udp();
    options();
    bad_addresses();
    icmp6();
    uputs("uinet6: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails() != 0;
}
