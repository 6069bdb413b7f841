/*
 * umcast: multicast UDP on eth0, judged by Linux (tests/qemu/packet_linux_test.py
 * runs it in our kernel and under Debian's Linux in the same QEMU, once eth0
 * has udhcpc's 10.0.2.15, and compares every "umcast:" line). IPv4: the
 * options' defaults, joining 239.1.2.3 by the interface's address and
 * 239.1.2.5 by its index, the errors of joining (twice, a unicast address,
 * an address no interface has, a short struct, a TCP socket), a datagram
 * to the group looped back to the member, none with IP_MULTICAST_LOOP off
 * or once the group is left, the other group still joined. IPv6 the same
 * with ff02::1:3 and IPV6_JOIN_GROUP, IPV6_MULTICAST_IF/HOPS/LOOP. Where a
 * datagram came in, as IP_PKTINFO and IPV6_RECVPKTINFO give it.
 */
#include "umsg.h"
#include "usock.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define IPPROTO_IP 0
#define IPPROTO_IPV6 41
#define IP_MULTICAST_IF 32
#define IP_MULTICAST_TTL 33
#define IP_MULTICAST_LOOP 34
#define IP_ADD_MEMBERSHIP 35
#define IP_DROP_MEMBERSHIP 36
#define IPV6_MULTICAST_IF 17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_ADD_MEMBERSHIP 20
#define IPV6_DROP_MEMBERSHIP 21
#define IP_PKTINFO 8
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50
#define SIOCGIFINDEX 0x8933
#define POLLIN 1
#define MSG_DONTWAIT 0x40

struct sin {
    unsigned short family, port;
    unsigned char addr[4];
    unsigned char zero[8];
};
struct sin6 {
    unsigned short family, port;
    unsigned flowinfo;
    unsigned char addr[16];
    unsigned scope;
};

static unsigned short n16(unsigned short v) { return (unsigned short)(v << 8 | v >> 8); }

static void say(const char *what, long v)
{
    uputs("umcast: "), uputs(what), uputs(" "), uputn(v), uputs("\n");
}

static long opt(long s, int lvl, int name, const void *v, unsigned len)
{
    return sys6(NR_setsockopt, s, lvl, name, (long)v, len, 0);
}

/* A datagram on @p s within @p ms: its length, or 0. */
static long got(long s, long ms, char *b)
{
    if (upoll1(s, POLLIN, ms) != POLLIN)
        return 0;
    return urecv(s, b, 64, MSG_DONTWAIT);
}

/* A datagram on @p s within 3 s, read with recvmsg(): its length, and
 * the control message @p level/@p type's first @p want bytes into
 * @p info; -1 if that message is missing. */
static long got_info(long s, char *b, int level, int type, unsigned char *info, unsigned want)
{
    if (upoll1(s, POLLIN, 3000) != POLLIN)
        return 0;
    static unsigned long ctl[16];
    struct iovec v = {b, 64};
    struct msghdr m = {0, 0, &v, 1, ctl, sizeof ctl, 0};
    long n = sys3(NR_recvmsg, s, (long)&m, MSG_DONTWAIT);
    int found = 0;
    for (size_t off = 0; off + sizeof(struct cmsghdr) <= m.controllen;) {
        const struct cmsghdr *c = (const struct cmsghdr *)((const char *)ctl + off);
        if (c->len < sizeof *c)
            break;
        if (c->level == level && c->type == type && c->len >= CMSG_LEN(want)) {
            for (unsigned k = 0; k < want; k++)
                info[k] = ((const unsigned char *)(c + 1))[k];
            found = 1;
        }
        off += (c->len + 7) & ~7ul;
    }
    return found ? n : -1;
}

static void ipv4(int ifindex)
{
    static const unsigned char g1[4] = {239, 1, 2, 3}, g2[4] = {239, 1, 2, 5}, me[4] = {10, 0, 2, 15};
    char b[64];
    long r = sys3(NR_socket, AF_INET, SOCK_DGRAM, 0), s = sys3(NR_socket, AF_INET, SOCK_DGRAM, 0);
    struct sin any = {AF_INET, n16(5400), {0}, {0}};
    say("bind 0.0.0.0:5400", sys3(NR_bind, r, (long)&any, sizeof any));
    say("IP_MULTICAST_TTL by default", ugetint(s, IPPROTO_IP, IP_MULTICAST_TTL));
    say("IP_MULTICAST_LOOP by default", ugetint(s, IPPROTO_IP, IP_MULTICAST_LOOP));
    say("IP_MULTICAST_IF by default (0.0.0.0)", ugetint(s, IPPROTO_IP, IP_MULTICAST_IF));
    struct {
        unsigned char group[4], iface[4];
        int index;
    } mr = {{239, 1, 2, 3}, {10, 0, 2, 15}, 0};
    say("join 239.1.2.3 on 10.0.2.15", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 8));
    say("  again (EADDRINUSE)", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 8));
    say("  with 4 bytes (EINVAL)", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 4));
    mr.group[0] = 10;
    say("join 10.1.2.3, no group (EINVAL)", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 8));
    mr.group[0] = 239, mr.iface[1] = 9;
    say("join on 10.9.2.15, no interface's (ENODEV)", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 8));
    struct {
        unsigned char group[4], iface[4];
        int index;
    } mrn = {{239, 1, 2, 5}, {0}, ifindex};
    say("join 239.1.2.5 by eth0's index (ip_mreqn)", opt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mrn, sizeof mrn));
    long t = sys3(NR_socket, AF_INET, SOCK_STREAM, 0);
    say("join on a TCP socket (EPROTO)", opt(t, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mrn, sizeof mrn));
    say("IP_MULTICAST_TTL on a TCP socket (EINVAL)", usetint(t, IPPROTO_IP, IP_MULTICAST_TTL, 2));
    uclose(t);

    say("IP_MULTICAST_IF 10.9.2.15, not ours (EADDRNOTAVAIL)", opt(s, IPPROTO_IP, IP_MULTICAST_IF, mr.iface, 4));
    say("IP_MULTICAST_IF 10.0.2.15", opt(s, IPPROTO_IP, IP_MULTICAST_IF, me, 4));
    unsigned char back[4] = {0};
    unsigned len = 4;
    sys6(NR_getsockopt, s, IPPROTO_IP, IP_MULTICAST_IF, (long)back, (long)&len, 0);
    say("  reads back as 10.0.2.15", len == 4 && back[0] == 10 && back[3] == 15);
    say("IP_MULTICAST_TTL 256 (EINVAL)", usetint(s, IPPROTO_IP, IP_MULTICAST_TTL, 256));
    say("IP_MULTICAST_TTL 2", usetint(s, IPPROTO_IP, IP_MULTICAST_TTL, 2));
    say("  reads back", ugetint(s, IPPROTO_IP, IP_MULTICAST_TTL));
    struct sin to = {AF_INET, n16(5400), {239, 1, 2, 3}, {0}};
    say("IP_PKTINFO on the member", usetint(r, IPPROTO_IP, IP_PKTINFO, 1));
    say("  reads back", ugetint(r, IPPROTO_IP, IP_PKTINFO));
    say("send to 239.1.2.3:5400", sys6(NR_sendto, s, (long)"mc4", 3, 0, (long)&to, sizeof to));
    unsigned char pi[12] = {0};
    long n = got_info(r, b, IPPROTO_IP, IP_PKTINFO, pi, 12);
    say("  the member gets it, looped back, with IP_PKTINFO", n == 3 && b[0] == 'm' && b[2] == '4');
    say("  in_pktinfo: eth0's index", pi[0] == (unsigned char)ifindex && !pi[1] && !pi[2] && !pi[3]);
    say("  its local address 10.0.2.15", pi[4] == 10 && pi[5] == 0 && pi[6] == 2 && pi[7] == 15);
    say("  its destination 239.1.2.3", pi[8] == 239 && pi[9] == 1 && pi[10] == 2 && pi[11] == 3);
    usetint(r, IPPROTO_IP, IP_PKTINFO, 0);
    say("IP_MULTICAST_LOOP 0", usetint(s, IPPROTO_IP, IP_MULTICAST_LOOP, 0));
    sys6(NR_sendto, s, (long)"mc4", 3, 0, (long)&to, sizeof to);
    say("  then nothing comes", got(r, 1000, b));
    usetint(s, IPPROTO_IP, IP_MULTICAST_LOOP, 1);
    mr.iface[1] = 0;
    say("leave 239.1.2.3", opt(r, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, 8));
    say("  again (EADDRNOTAVAIL)", opt(r, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, 8));
    sys6(NR_sendto, s, (long)"mc4", 3, 0, (long)&to, sizeof to);
    say("  a datagram to it no longer comes", got(r, 1000, b));
    for (int i = 0; i < 4; i++)
        to.addr[i] = g2[i];
    sys6(NR_sendto, s, (long)"mc5", 3, 0, (long)&to, sizeof to);
    n = got(r, 3000, b);
    say("239.1.2.5, still joined: comes", n == 3 && b[2] == '5');
    (void)g1;
    uclose(s), uclose(r);
}

static void ipv6(int ifindex)
{
    char b[64];
    long r = sys3(NR_socket, AF_INET6, SOCK_DGRAM, 0), s = sys3(NR_socket, AF_INET6, SOCK_DGRAM, 0);
    struct sin6 any = {AF_INET6, n16(5401), 0, {0}, 0};
    say("bind [::]:5401", sys3(NR_bind, r, (long)&any, sizeof any));
    say("IPV6_MULTICAST_HOPS by default", ugetint(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS));
    say("IPV6_MULTICAST_LOOP by default", ugetint(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP));
    say("IPV6_MULTICAST_IF by default", ugetint(s, IPPROTO_IPV6, IPV6_MULTICAST_IF));
    struct {
        unsigned char group[16];
        int index;
    } mr = {{0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3}, ifindex};
    say("join ff02::1:3 on eth0", opt(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof mr));
    say("  again (EADDRINUSE)", opt(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof mr));
    say("  with 16 bytes (EINVAL)", opt(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, 16));
    mr.index = 999;
    say("  on ifindex 999 (ENODEV)", opt(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof mr));
    mr.index = ifindex, mr.group[0] = 0xfe, mr.group[1] = 0x80;
    say("join fe80::1:3, no group (EINVAL)", opt(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof mr));
    mr.group[0] = 0xff, mr.group[1] = 2;

    say("IPV6_MULTICAST_IF 999 (ENODEV)", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, 999));
    say("IPV6_MULTICAST_IF eth0", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex));
    say("  reads back eth0's", ugetint(s, IPPROTO_IPV6, IPV6_MULTICAST_IF) == ifindex);
    say("IPV6_MULTICAST_HOPS 256 (EINVAL)", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 256));
    say("IPV6_MULTICAST_HOPS -1", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, -1));
    say("  reads back", ugetint(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS));
    say("IPV6_MULTICAST_LOOP 2 (EINVAL)", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 2));
    struct sin6 to = {AF_INET6, n16(5401), 0, {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3}, 0};
    say("IPV6_RECVPKTINFO on the member", usetint(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
    say("send to [ff02::1:3]:5401", sys6(NR_sendto, s, (long)"mc6", 3, 0, (long)&to, sizeof to));
    unsigned char pi[20] = {0};
    long n = got_info(r, b, IPPROTO_IPV6, IPV6_PKTINFO, pi, 20);
    say("  the member gets it, looped back, with IPV6_PKTINFO", n == 3 && b[2] == '6');
    int same = 1;
    for (int k = 0; k < 16; k++)
        same &= pi[k] == to.addr[k];
    say("  in6_pktinfo: the destination ff02::1:3", same);
    say("  eth0's index", pi[16] == (unsigned char)ifindex && !pi[17] && !pi[18] && !pi[19]);
    say("IPV6_MULTICAST_LOOP 0", usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0));
    sys6(NR_sendto, s, (long)"mc6", 3, 0, (long)&to, sizeof to);
    say("  then nothing comes", got(r, 1000, b));
    say("leave ff02::1:3", opt(r, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mr, sizeof mr));
    say("  again (EADDRNOTAVAIL)", opt(r, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mr, sizeof mr));
    usetint(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
    sys6(NR_sendto, s, (long)"mc6", 3, 0, (long)&to, sizeof to);
    say("  a datagram to it no longer comes", got(r, 1000, b));
    uclose(s), uclose(r);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    long s = sys3(NR_socket, AF_INET, SOCK_DGRAM, 0);
    static struct {
        char name[16];
        int index;
        char pad[20];
    } ifr = {"eth0", 0, {0}};
    sys3(NR_ioctl, s, SIOCGIFINDEX, (long)&ifr);
    uclose(s);
    say("eth0 has an index", ifr.index > 0);
    ipv4(ifr.index);
    ipv6(ifr.index);
    uputs("umcast: done\n");
    return 0;
}
