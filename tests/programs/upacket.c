/*
 * upacket: AF_PACKET sockets on eth0, judged by Linux (tests/qemu/
 * packet_linux_test.py runs it in our kernel and under Debian's Linux in
 * the same QEMU, on QEMU's user network, and compares every "upacket:"
 * line). An ARP request for the gateway (10.0.2.2) sent on a SOCK_DGRAM
 * socket with the kernel writing the Ethernet header, the reply read back
 * with its sockaddr_ll; a SOCK_RAW ETH_P_ALL socket seeing both, the
 * request as outgoing; MSG_TRUNC, MSG_PEEK, FIONREAD, getsockname, SO_RCVBUF,
 * PACKET_STATISTICS; and the errors: a user without root, an unknown type,
 * a short or foreign address, an interface that is not there, a frame too
 * long or too short, a send with no interface. Socket filters: classic BPF
 * programs that keep ARP frames only (cut to 20 bytes), only replies in a
 * SOCK_DGRAM socket's view, nothing at all; SO_GET_FILTER, SO_DETACH_FILTER,
 * SO_LOCK_FILTER, and the programs and arguments Linux refuses.
 */
#include "usock.h"

#define AF_PACKET 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOL_SOCKET 1
#define SO_RCVBUF 8
#define SO_ATTACH_FILTER 26
#define SO_GET_FILTER 26
#define SO_DETACH_FILTER 27
#define SO_LOCK_FILTER 44
#define SOL_PACKET 263
#define PACKET_STATISTICS 6
#define ETH_P_ALL 0x0003
#define ETH_P_ARP 0x0806
#define MSG_PEEK 2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define FIONREAD 0x541B
#define SIOCGIFINDEX 0x8933
#define SIOCGIFHWADDR 0x8927
#define POLLIN 1
#define SIGCHLD 17

struct sockaddr_ll {
    unsigned short family, protocol;
    int ifindex;
    unsigned short hatype;
    unsigned char pkttype, halen;
    unsigned char addr[8];
};

struct ifreq {
    char name[16];
    union {
        int index;
        struct {
            unsigned short family;
            unsigned char data[14];
        } hw;
        unsigned char pad[24];
    };
};

struct sock_filter {
    unsigned short code;
    unsigned char jt, jf;
    unsigned k;
};
struct sock_fprog {
    unsigned short len;
    const struct sock_filter *filter;
};

static unsigned short n16(unsigned short v) { return (unsigned short)(v << 8 | v >> 8); }

static void hex(const unsigned char *b, int n)
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        char c[3] = {d[b[i] >> 4], d[b[i] & 15], i + 1 < n ? ':' : 0};
        uputs(c);
    }
}

static void say(const char *what, long v)
{
    uputs("upacket: "), uputs(what), uputs(" "), uputn(v), uputs("\n");
}

/* The fields of a sockaddr_ll every address of eth0's has. */
static void say_ll(const struct sockaddr_ll *a, unsigned len, int ifindex)
{
    say("  length", len);
    say("  family", a->family);
    say("  protocol", n16(a->protocol));
    say("  ifindex is eth0's", a->ifindex == ifindex);
    say("  hatype", a->hatype);
    say("  halen", a->halen);
}

static long psocket(int type, int proto) { return sys3(NR_socket, AF_PACKET, type, n16((unsigned short)proto)); }

static long recvfrom_ll(long s, void *b, long n, int fl, struct sockaddr_ll *from, unsigned *len)
{
    *len = sizeof *from;
    return sys6(NR_recvfrom, s, (long)b, n, fl, (long)from, (long)len);
}

/* An ARP request, who has 10.0.2.2, from us at 10.0.2.15. */
static void arp_request(unsigned char *p, const unsigned char *mac)
{
    static const unsigned char head[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    static const unsigned char us[4] = {10, 0, 2, 15}, gw[4] = {10, 0, 2, 2};
    for (int i = 0; i < 8; i++)
        p[i] = head[i];
    for (int i = 0; i < 6; i++)
        p[8 + i] = mac[i], p[18 + i] = 0;
    for (int i = 0; i < 4; i++)
        p[14 + i] = us[i], p[24 + i] = gw[i];
}

/* The next frame on @s that is an ARP reply from 10.0.2.2 (SOCK_DGRAM
 * without its Ethernet header, SOCK_RAW with): its length, or -1. */
static long arp_reply(long s, int raw, unsigned char *b, long n, struct sockaddr_ll *from, unsigned *flen)
{
    for (int i = 0; i < 50; i++) {
        if (upoll1(s, POLLIN, 100) != POLLIN)
            continue;
        long r = recvfrom_ll(s, b, n, 0, from, flen);
        const unsigned char *a = b + (raw ? 14 : 0);
        if (r >= (raw ? 42 : 28) && (!raw || (b[12] == 8 && b[13] == 6)) && a[7] == 2 && a[14] == 10 &&
            a[15] == 0 && a[16] == 2 && a[17] == 2)
            return r;
    }
    return -1;
}

static void errors(int ifindex)
{
    say("socket SOCK_STREAM", psocket(SOCK_STREAM, ETH_P_ALL));
    long s = psocket(SOCK_DGRAM, ETH_P_ARP);
    struct sockaddr_ll a = {AF_PACKET, n16(ETH_P_ARP), ifindex, 0, 0, 0, {0}};
    say("bind short", sys3(NR_bind, s, (long)&a, 12));
    a.family = 2;
    say("bind AF_INET", sys3(NR_bind, s, (long)&a, sizeof a));
    a.family = AF_PACKET;
    a.ifindex = 999;
    say("bind ifindex 999", sys3(NR_bind, s, (long)&a, sizeof a));
    static unsigned char big[2000];
    a.ifindex = 0;
    a.halen = 6;
    say("send on no interface", sys6(NR_sendto, s, (long)big, 28, 0, (long)&a, sizeof a));
    say("send unbound, no address", sys6(NR_sendto, s, (long)big, 28, 0, 0, 0));
    a.ifindex = ifindex;
    say("send 1501 bytes", sys6(NR_sendto, s, (long)big, 1501, 0, (long)&a, sizeof a));
    sys1(NR_close, s);
    s = psocket(SOCK_RAW, ETH_P_ALL);
    say("send raw 1515 bytes", sys6(NR_sendto, s, (long)big, 1515, 0, (long)&a, sizeof a));
    say("send raw 10 bytes", sys6(NR_sendto, s, (long)big, 10, 0, (long)&a, sizeof a));
    sys1(NR_close, s);
    long pid = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys3(NR_setresuid, 1000, 1000, 1000);
        long r = psocket(SOCK_RAW, ETH_P_ALL);
        sys1(NR_exit, r == -1 /* -EPERM */ ? 0 : 1);
    }
    int st = -1;
    sys6(NR_wait4, pid, (long)&st, 0, 0, 0, 0);
    say("a user's socket is refused (EPERM)", st == 0);
}

static long attach(long s, const struct sock_filter *f, unsigned short n)
{
    struct sock_fprog p = {n, f};
    return sys6(NR_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, (long)&p, sizeof p, 0);
}

/* Frames @p s gets within 2 s of the last: how many, and whether every one
 * was ARP and @p want bytes long; *out and *in: the request going out, the
 * reply coming in. */
static int drain(long s, long want, int *all_ok, int *out, int *in)
{
    unsigned char b[2048];
    struct sockaddr_ll from;
    unsigned flen;
    int n = 0;
    while (upoll1(s, POLLIN, 2000) == POLLIN) {
        long r = recvfrom_ll(s, b, sizeof b, MSG_TRUNC, &from, &flen);
        n++;
        if (r != want || b[12] != 8 || b[13] != 6)
            *all_ok = 0;
        *out |= from.pkttype == 4;
        *in |= from.pkttype == 0;
        if (*out && *in)
            break;
    }
    return n;
}

static void filters(int ifindex, long s, const unsigned char *req, const struct sockaddr_ll *to)
{
    /* protocol 0 takes nothing until bind() names one: no frame comes unfiltered */
    long raw = psocket(SOCK_RAW, 0);
    /* ldh [12]; jeq #0x806, keep 20 bytes; else none */
    static const struct sock_filter arp[] = {{0x28, 0, 0, 12}, {0x15, 0, 1, 0x806}, {0x06, 0, 0, 20}, {0x06, 0, 0, 0}};
    say("filter: attach ARP only, 20 bytes", attach(raw, arp, 4));
    struct sockaddr_ll me = {AF_PACKET, n16(ETH_P_ALL), ifindex, 0, 0, 0, {0}};
    say("  bind ETH_P_ALL on eth0", sys3(NR_bind, raw, (long)&me, sizeof me));
    say("  send the request", sys6(NR_sendto, s, (long)req, 28, 0, (long)to, sizeof *to));
    int ok = 1, out = 0, in = 0;
    drain(raw, 20, &ok, &out, &in);
    say("  every frame ARP, 20 bytes long", ok);
    say("  the request going out and the reply coming in", out && in);
    while (upoll1(s, POLLIN, 200) == POLLIN) /* the reply, on the other socket */
        sys6(NR_recvfrom, s, 0, 0, MSG_DONTWAIT | MSG_TRUNC, 0, 0);

    struct sock_filter got[8] = {{0, 0, 0, 0}};
    unsigned len = 0;
    say("SO_GET_FILTER with no room", sys6(NR_getsockopt, raw, SOL_SOCKET, SO_GET_FILTER, (long)got, (long)&len, 0));
    say("  its instructions", len);
    len = 2;
    say("  with room for 2", sys6(NR_getsockopt, raw, SOL_SOCKET, SO_GET_FILTER, (long)got, (long)&len, 0));
    len = 8;
    say("  with room for 8", sys6(NR_getsockopt, raw, SOL_SOCKET, SO_GET_FILTER, (long)got, (long)&len, 0));
    say("  gives", len);
    int same = 1;
    for (int i = 0; i < 4; i++)
        same &= got[i].code == arp[i].code && got[i].jt == arp[i].jt && got[i].jf == arp[i].jf && got[i].k == arp[i].k;
    say("  the program as attached", same);

    /* Nothing kept: nothing comes, and nothing is counted */
    static const struct sock_filter none[] = {{0x06, 0, 0, 0}};
    struct {
        unsigned packets, drops;
    } st;
    len = sizeof st;
    sys6(NR_getsockopt, raw, SOL_PACKET, PACKET_STATISTICS, (long)&st, (long)&len, 0);
    say("filter: attach one that keeps nothing, in its place", attach(raw, none, 1));
    sys6(NR_sendto, s, (long)req, 28, 0, (long)to, sizeof *to);
    say("  nothing comes (poll)", upoll1(raw, POLLIN, 1000));
    len = sizeof st;
    sys6(NR_getsockopt, raw, SOL_PACKET, PACKET_STATISTICS, (long)&st, (long)&len, 0);
    say("  PACKET_STATISTICS: packets", st.packets);
    say("  dropped", st.drops);
    say("SO_DETACH_FILTER", sys6(NR_setsockopt, raw, SOL_SOCKET, SO_DETACH_FILTER, (long)&len, 4, 0));
    say("  again (ENOENT)", sys6(NR_setsockopt, raw, SOL_SOCKET, SO_DETACH_FILTER, (long)&len, 4, 0));
    len = 8;
    sys6(NR_getsockopt, raw, SOL_SOCKET, SO_GET_FILTER, (long)got, (long)&len, 0);
    say("  SO_GET_FILTER then gives", len);
    while (upoll1(s, POLLIN, 200) == POLLIN)
        sys6(NR_recvfrom, s, 0, 0, MSG_DONTWAIT | MSG_TRUNC, 0, 0);

    /* A SOCK_DGRAM socket's program sees the ARP header at 0: replies only, 8 bytes */
    static const struct sock_filter reply[] = {{0x28, 0, 0, 6}, {0x15, 0, 1, 2}, {0x06, 0, 0, 8}, {0x06, 0, 0, 0}};
    say("filter: a SOCK_DGRAM socket's, ARP replies only, 8 bytes", attach(s, reply, 4));
    sys6(NR_sendto, s, (long)req, 28, 0, (long)to, sizeof *to);
    unsigned char b[64];
    struct sockaddr_ll from;
    unsigned flen;
    upoll1(s, POLLIN, 3000);
    say("  the reply's length", recvfrom_ll(s, b, sizeof b, MSG_TRUNC, &from, &flen));
    say("  its opcode (2)", b[6] << 8 | b[7]);
    sys6(NR_setsockopt, s, SOL_SOCKET, SO_DETACH_FILTER, (long)&len, 4, 0);

    /* What Linux refuses */
    struct sock_fprog p = {4, arp};
    say("bad: a short struct (EINVAL)", sys6(NR_setsockopt, raw, SOL_SOCKET, SO_ATTACH_FILTER, (long)&p, 8, 0));
    say("bad: no instructions (EINVAL)", attach(raw, arp, 0));
    say("bad: 4097 instructions (EINVAL)", attach(raw, arp, 4097));
    say("bad: a NULL program (EINVAL)", attach(raw, 0, 4));
    say("bad: a program at a bad address (EFAULT)", attach(raw, (const struct sock_filter *)16, 4));
    static const struct sock_filter noret[] = {{0x28, 0, 0, 12}};
    say("bad: no RET last (EINVAL)", attach(raw, noret, 1));
    static const struct sock_filter far[] = {{0x05, 0, 0, 5}, {0x06, 0, 0, 0}};
    say("bad: a jump past the end (EINVAL)", attach(raw, far, 2));
    static const struct sock_filter unset[] = {{0x60, 0, 0, 3}, {0x16, 0, 0, 0}};
    say("bad: a scratch word read unwritten (EINVAL)", attach(raw, unset, 2));
    static const struct sock_filter div0[] = {{0x34, 0, 0, 0}, {0x16, 0, 0, 0}};
    say("bad: a division by 0 (EINVAL)", attach(raw, div0, 2));

    /* SO_LOCK_FILTER */
    attach(raw, arp, 4);
    say("SO_LOCK_FILTER", usetint(raw, SOL_SOCKET, SO_LOCK_FILTER, 1));
    say("  reads back", ugetint(raw, SOL_SOCKET, SO_LOCK_FILTER));
    say("  then attach (EPERM)", attach(raw, none, 1));
    say("  detach (EPERM)", sys6(NR_setsockopt, raw, SOL_SOCKET, SO_DETACH_FILTER, (long)&len, 4, 0));
    say("  unlock (EPERM)", usetint(raw, SOL_SOCKET, SO_LOCK_FILTER, 0));
    sys1(NR_close, raw);
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    long s = psocket(SOCK_DGRAM, ETH_P_ARP);
    say("socket SOCK_DGRAM ETH_P_ARP", s >= 0);
    static struct ifreq ifr = {"eth0", {0}};
    sys3(NR_ioctl, s, SIOCGIFINDEX, (long)&ifr);
    int ifindex = ifr.index;
    say("eth0 ifindex", ifindex);
    sys3(NR_ioctl, s, SIOCGIFHWADDR, (long)&ifr);
    unsigned char mac[6];
    for (int i = 0; i < 6; i++)
        mac[i] = ifr.hw.data[i];

    struct sockaddr_ll me = {AF_PACKET, n16(ETH_P_ARP), ifindex, 0, 0, 0, {0}};
    say("bind eth0 ETH_P_ARP", sys3(NR_bind, s, (long)&me, sizeof me));
    struct sockaddr_ll got = {0};
    unsigned len = sizeof got;
    say("getsockname", sys3(NR_getsockname, s, (long)&got, (long)&len));
    say_ll(&got, len, ifindex);
    int same = 1;
    for (int i = 0; i < 6; i++)
        same &= got.addr[i] == mac[i];
    say("  address is eth0's", same);
    say("SO_RCVBUF", ugetint(s, SOL_SOCKET, SO_RCVBUF));
    usetint(s, SOL_SOCKET, SO_RCVBUF, 65536);
    say("SO_RCVBUF set to 64 KiB", ugetint(s, SOL_SOCKET, SO_RCVBUF));

    long raw = psocket(SOCK_RAW, ETH_P_ALL);
    struct sockaddr_ll rawme = {AF_PACKET, 0, ifindex, 0, 0, 0, {0}};
    say("bind raw ETH_P_ALL to eth0, protocol 0 keeps it", sys3(NR_bind, raw, (long)&rawme, sizeof rawme));

    /* The request, to the broadcast address: the kernel writes the header */
    unsigned char req[28], b[2048];
    arp_request(req, mac);
    struct sockaddr_ll to = {AF_PACKET, n16(ETH_P_ARP), ifindex, 0, 0, 6, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    say("send the ARP request", sys6(NR_sendto, s, (long)req, sizeof req, 0, (long)&to, sizeof to));
    struct sockaddr_ll from;
    unsigned flen;
    long r = arp_reply(s, 0, b, sizeof b, &from, &flen);
    uexpect(r > 0, 1, "QEMU's gateway answered");
    say("reply length (no Ethernet header)", r);
    say_ll(&from, flen, ifindex);
    say("  pkttype (PACKET_HOST 0)", from.pkttype);
    uputs("upacket:   gateway is at "), hex(from.addr, 6), uputs(" and says it is at "), hex(b + 8, 6), uputs("\n");

    /* The raw socket saw our request go out, and the reply come in */
    int out = 0, in = 0;
    for (int i = 0; i < 100 && !(out && in); i++) {
        if (upoll1(raw, POLLIN, 50) != POLLIN)
            continue;
        long n = recvfrom_ll(raw, b, sizeof b, 0, &from, &flen);
        if (n < 42 || b[12] != 8 || b[13] != 6)
            continue;
        if (from.pkttype == 4 && b[21] == 1 && b[38] == 10 && b[41] == 2) {
            out = 1;
            say("raw: the request went out, pkttype (PACKET_OUTGOING 4)", from.pkttype);
            say("  length (the whole frame)", n);
            same = 1;
            for (int k = 0; k < 6; k++)
                same &= b[k] == 0xff && b[6 + k] == mac[k] && from.addr[k] == mac[k];
            say("  to the broadcast address, from eth0's", same);
        } else if (from.pkttype == 0 && b[21] == 2) {
            in = 1;
            say("raw: the reply came in, pkttype", from.pkttype);
            say("  length", n);
        }
    }
    say("raw saw both", out && in);

    /* A second request: the reply read with a short buffer, peeked first */
    say("send again", sys6(NR_sendto, s, (long)req, sizeof req, 0, (long)&to, sizeof to));
    upoll1(s, POLLIN, 3000);
    int avail = -1;
    sys3(NR_ioctl, s, FIONREAD, (long)&avail);
    say("FIONREAD", avail);
    say("MSG_PEEK with 8 bytes", recvfrom_ll(s, b, 8, MSG_PEEK, &from, &flen));
    say("MSG_TRUNC with 8 bytes", recvfrom_ll(s, b, 8, MSG_TRUNC, &from, &flen));
    say("then empty (EAGAIN)", recvfrom_ll(s, b, sizeof b, MSG_DONTWAIT, &from, &flen));
    struct {
        unsigned packets, drops;
    } st = {0, 0};
    len = sizeof st;
    say("PACKET_STATISTICS", sys6(NR_getsockopt, s, SOL_PACKET, PACKET_STATISTICS, (long)&st, (long)&len, 0));
    say("  length", len);
    say("  packets: the two replies at least", st.packets >= 2);
    say("  dropped", st.drops);
    len = sizeof st;
    sys6(NR_getsockopt, s, SOL_PACKET, PACKET_STATISTICS, (long)&st, (long)&len, 0);
    say("  read again: packets", st.packets);
    sys1(NR_close, raw);
    filters(ifindex, s, req, &to);
    sys1(NR_close, s);
    errors(ifindex);
    uputs("upacket: "), uputn(*ufails()), uputs(" failed\n");
    return *ufails() != 0;
}
