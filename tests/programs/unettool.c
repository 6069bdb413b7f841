/*
 * unettool: the networking tests' and benchmarks' tool (issue 43). One
 * static executable with no C library, so the same file runs in our kernel
 * (/bin/unettool in the initrd) and in Debian's Linux peer
 * (tests/qemu/net_pair.py, scripts/bench-net put it in that initramfs):
 * both sides of a measurement run the same code.
 *
 *   unettool sink PORT                 TCP: read each connection to its end
 *   unettool stream HOST PORT MIB      TCP: send MIB MiB from memory
 *   unettool echo tcp|udp PORT         echo each connection / datagram back
 *   unettool rr tcp|udp HOST PORT N    N round trips of 1 byte
 *   unettool rrall tcp|udp HOST PORT N the same, and every trip's time in order
 *   unettool crr HOST PORT N           N times connect, 1 byte each way, close
 *   unettool udpcheck HOST PORT N MAX  N datagrams of 1..MAX bytes to an echo
 *                                      udp server, each echo checked byte by
 *                                      byte (lost ones sent again, 8 tries)
 *   unettool flood syn|junk IFACE MAC IP PORT N
 *                                      N raw frames at MAC/IP through a packet
 *                                      socket (Linux, root): SYNs from made-up
 *                                      hosts, or frames of random bytes and
 *                                      broken IPv4/TCP/UDP/ICMP/ARP headers;
 *                                      IFACE "-": instead on stdout as a QEMU
 *                                      `-netdev socket` stream (each frame
 *                                      after its length, 4 bytes big-endian),
 *                                      the result line on stderr
 *
 * Each result is one line, "unettool: <what> <numbers and units>"; the exit
 * status is 0 when the run did what it was asked, 1 otherwise (with a line
 * saying why). Servers run until killed; they fork nothing.
 */
#include "usys.h"
#include "umem.h"

#define AF_INET 2
#define AF_PACKET 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_RCVTIMEO 20
#define TCP_NODELAY 1
#define SIOCGIFINDEX 0x8933

struct sin {
    unsigned short family, port; /* network order */
    unsigned addr;               /* network order */
    unsigned char zero[8];
};

static unsigned short n16(unsigned v) { return (unsigned short)((v & 0xff) << 8 | (v >> 8 & 0xff)); }

static __attribute__((noreturn)) void die(const char *what, long err)
{
    uputs("unettool: "), uputs(what);
    if (err)
        uputs(" failed: error "), uputn(-err);
    uputs("\n");
    uexit(1);
}

/* "a.b.c.d" in network order, or dies. */
static unsigned parse_ip(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        long n = 0;
        int digits = 0;
        for (; *s >= '0' && *s <= '9'; s++, digits++)
            n = n * 10 + (*s - '0');
        if (!digits || n > 255 || (i < 3 ? *s != '.' : *s != 0))
            die("not an IPv4 address", 0);
        v |= (unsigned)n << (8 * i);
        s += i < 3;
    }
    return v;
}

static unsigned short parse_port(const char *s)
{
    long p = uatol(s);
    if (p <= 0 || p > 65535)
        die("not a port", 0);
    return n16((unsigned)p);
}

static long parse_count(const char *s)
{
    long n = uatol(s);
    if (n <= 0)
        die("not a positive count", 0);
    return n;
}

static long xsocket(int type)
{
    long s = sys3(NR_socket, AF_INET, type, 0);
    if (s < 0)
        die("socket", s);
    return s;
}

static void setint(long s, int lvl, int name, int v) { sys6(NR_setsockopt, s, lvl, name, (long)&v, 4, 0); }

static long xconnect(int type, unsigned ip, unsigned short port)
{
    long s = xsocket(type);
    struct sin a = {AF_INET, port, ip, {0}};
    long r = sys3(NR_connect, s, (long)&a, sizeof a);
    if (r)
        die("connect", r);
    if (type == SOCK_STREAM)
        setint(s, IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
}

static long xlisten(int type, unsigned short port)
{
    long s = xsocket(type);
    struct sin a = {AF_INET, port, 0, {0}};
    setint(s, SOL_SOCKET, SO_REUSEADDR, 1);
    long r = sys3(NR_bind, s, (long)&a, sizeof a);
    if (r)
        die("bind", r);
    if (type == SOCK_STREAM && (r = sys3(NR_listen, s, 128, 0)))
        die("listen", r);
    return s;
}

static long xaccept(long l)
{
    long c = sys3(NR_accept, l, 0, 0);
    if (c < 0)
        die("accept", c);
    setint(c, IPPROTO_TCP, TCP_NODELAY, 1);
    return c;
}

static long rd(long s, void *b, long n) { return sys3(NR_read, s, (long)b, n); }

/* All of @n bytes written, or dies. */
static void wr_all(long s, const void *b, long n)
{
    while (n > 0) {
        long w = sys3(NR_write, s, (long)b, n);
        if (w <= 0)
            die("write", w ? w : -5);
        b = (const char *)b + w, n -= w;
    }
}

static void line(const char *what, long a, const char *ua, long b, const char *ub, long c, const char *uc)
{
    uputs("unettool: "), uputs(what);
    if (ua)
        uputs(" "), uputn(a), uputs(" "), uputs(ua);
    if (ub)
        uputs(" "), uputn(b), uputs(" "), uputs(ub);
    if (uc)
        uputs(" "), uputn(c), uputs(" "), uputs(uc);
    uputs("\n");
}

static char buf[256 * 1024];

static int sink(unsigned short port)
{
    long l = xlisten(SOCK_STREAM, port);
    for (;;) {
        long c = xaccept(l), total = 0, r, t0 = unow_ns();
        while ((r = rd(c, buf, sizeof buf)) > 0)
            total += r;
        line("sink", total, "bytes", unow_ns() - t0, "ns", 0, 0);
        sys1(NR_close, c);
    }
}

static int stream(unsigned ip, unsigned short port, long mib)
{
    for (unsigned long i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i * 7 + (i >> 10));
    long s = xconnect(SOCK_STREAM, ip, port), t0 = unow_ns();
    for (long left = mib << 20; left > 0; left -= (long)sizeof buf)
        wr_all(s, buf, left < (long)sizeof buf ? left : (long)sizeof buf);
    sys1(NR_close, s);
    long ns = unow_ns() - t0;
    line("stream", mib << 20, "bytes", ns, "ns", (mib << 23) * 1000 / (ns > 0 ? ns : 1), "Mbit/s");
    return 0;
}

static int echo(int type, unsigned short port)
{
    long l = xlisten(type, port);
    if (type == SOCK_DGRAM) {
        for (;;) {
            struct sin from;
            unsigned len = sizeof from;
            long r = sys6(NR_recvfrom, l, (long)buf, sizeof buf, 0, (long)&from, (long)&len);
            if (r >= 0)
                sys6(NR_sendto, l, (long)buf, r, 0, (long)&from, len);
        }
    }
    /* One connection at a time: rr and crr make one at a time. */
    for (;;) {
        long c = xaccept(l), r;
        while ((r = rd(c, buf, sizeof buf)) > 0)
            wr_all(c, buf, r);
        sys1(NR_close, c);
    }
}

static void sort(long *v, long n)
{
    for (long i = 1; i < n; i++)
        for (long j = i; j > 0 && v[j - 1] > v[j]; j--) {
            long t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
}

#define RR_MAX 100000
static long trips[RR_MAX];

static int rr(int type, unsigned ip, unsigned short port, long n, int all)
{
    if (n > RR_MAX)
        die("rr: at most 100000 trips", 0);
    long s = xconnect(type, ip, port);
    struct {
        long s, us;
    } tv = {2, 0}; /* a datagram lost (or an answer that never comes) ends the run */
    sys6(NR_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof tv, 0);
    long sum = 0;
    for (long i = 0; i < n; i++) {
        char c = (char)i, back;
        long t0 = unow_ns();
        wr_all(s, &c, 1);
        long r = rd(s, &back, 1);
        if (r != 1 || back != c)
            die("rr: no answer (a datagram lost?)", r < 0 ? r : 0);
        trips[i] = unow_ns() - t0;
        sum += trips[i];
    }
    sys1(NR_close, s);
    if (all) /* every trip in order, in us: where the slow ones fall */
        for (long i = 0; i < n; i++)
            uputn(trips[i] / 1000), uputs(i % 20 == 19 ? "\n" : " ");
    sort(trips, n);
    uputs("unettool: rr "), uputs(type == SOCK_STREAM ? "tcp " : "udp ");
    uputn(n), uputs(" trips "), uputn(sum / n / 1000), uputs(" us mean ");
    uputn(trips[n / 2] / 1000), uputs(" us p50 "), uputn(trips[n * 99 / 100] / 1000), uputs(" us p99\n");
    return 0;
}

static int crr(unsigned ip, unsigned short port, long n)
{
    long t0 = unow_ns();
    for (long i = 0; i < n; i++) {
        long s = xconnect(SOCK_STREAM, ip, port);
        char c = (char)i, back;
        wr_all(s, &c, 1);
        if (rd(s, &back, 1) != 1 || back != c)
            die("crr: no answer", 0);
        sys1(NR_close, s);
    }
    long ns = unow_ns() - t0;
    line("crr", n, "conns", ns, "ns", n * 1000000000 / (ns > 0 ? ns : 1), "conn/s");
    return 0;
}

/* The byte @i of datagram @seq. */
static unsigned char dgram_byte(unsigned seq, long i) { return (unsigned char)(seq * 31 + i * 7 + (i >> 8)); }

static int udpcheck(unsigned ip, unsigned short port, long n, long max)
{
    static unsigned char out[65536], in[65536];
    if (max < 4 || max > 65507)
        die("udpcheck: MAX must be 4..65507", 0);
    long s = xconnect(SOCK_DGRAM, ip, port), intact = 0, resent = 0, stale = 0;
    struct {
        long s, us;
    } tv = {0, 500000};
    sys6(NR_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof tv, 0);
    for (unsigned seq = 0; seq < n; seq++) {
        /* Sizes 4..max, every one visited as seq grows, the largest among them. */
        long len = seq == 0 ? max : 4 + (long)(seq * 2654435761u % (unsigned)(max - 3));
        for (long i = 0; i < len; i++)
            out[i] = dgram_byte(seq, i);
        memcpy(out, &seq, 4);
        int ok = 0;
        for (int tries = 0; tries < 8 && !ok; tries++) {
            resent += tries > 0;
            wr_all(s, out, len);
            for (;;) {
                long r = rd(s, in, sizeof in);
                if (r < 0)
                    break; /* timed out: send again */
                unsigned got;
                memcpy(&got, in, 4);
                if (r < 4 || got != seq) {
                    stale++; /* an earlier one's echo, duplicated or late */
                    continue;
                }
                ok = r == len;
                for (long i = 4; ok && i < len; i++)
                    ok = in[i] == dgram_byte(seq, i);
                if (!ok) {
                    uputs("unettool: udpcheck: datagram "), uputn(seq), uputs(" of "), uputn(len);
                    uputs(" bytes came back as "), uputn(r), uputs(" bytes, not the same\n");
                    uexit(1);
                }
                break;
            }
        }
        intact += ok;
    }
    line("udpcheck", n, "sent", intact, "intact", resent, "resent");
    uputs("unettool: udpcheck "), uputn(stale), uputs(" stale echoes skipped\n");
    return intact == n ? 0 : 1;
}

/* The flood: frames written straight to the wire. */
static unsigned long rng = 0x2545F4914F6CDD1Dul;
static unsigned rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng >> 16);
}

static unsigned short csum(const unsigned char *p, long n, unsigned long sum)
{
    for (long i = 0; i + 1 < n; i += 2)
        sum += (unsigned)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (unsigned)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (unsigned short)~sum;
}

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v >> 8), p[1] = (unsigned char)v; }

/* An IPv4 header at @ip for @proto with @payload bytes after it, from
 * @src to @dst (network order). */
static void ipv4(unsigned char *ip, int proto, long payload, unsigned src, unsigned dst)
{
    memset(ip, 0, 20);
    ip[0] = 0x45, ip[8] = 64, ip[9] = (unsigned char)proto;
    put16(ip + 2, (unsigned)(20 + payload));
    put16(ip + 4, rnd());
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    put16(ip + 10, csum(ip, 20, 0));
}

/* A SYN from a made-up host of the peer's /24 (one that answers no ARP:
 * the SYN-ACKs wait for an address that never comes) to @dst:@port. */
static long syn_frame(unsigned char *f, unsigned dst, unsigned short port)
{
    unsigned src = (dst & 0x00ffffff) | (100 + rnd() % 150) << 24;
    unsigned char *ip = f + 14, *tcp = ip + 20;
    ipv4(ip, IPPROTO_TCP, 20, src, dst);
    memset(tcp, 0, 20);
    put16(tcp, 1024 + rnd() % 60000);
    memcpy(tcp + 2, &port, 2);
    unsigned isn = rnd() << 16 | rnd();
    put16(tcp + 4, isn >> 16), put16(tcp + 6, isn);
    tcp[12] = 5 << 4, tcp[13] = 0x02, put16(tcp + 14, 64240);
    unsigned char pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, put16(pseudo + 10, 20);
    unsigned long sum = ~csum(pseudo, 12, 0) & 0xffff;
    put16(tcp + 16, csum(tcp, 20, sum));
    return 14 + 40;
}

/* Junk of five kinds: random bytes under a random ethertype; IPv4 whose
 * header lies (lengths, version, options) with the checksum right so it
 * gets past the first check; TCP, UDP and ICMP cut short or with lengths
 * beyond the frame; ARP with odd sizes. */
static long junk_frame(unsigned char *f, unsigned dst)
{
    long len = 14 + rnd() % 1501;
    for (long i = 14; i < len; i++)
        f[i] = (unsigned char)rnd();
    unsigned kind = rnd() % 5, src = (dst & 0x00ffffff) | (100 + rnd() % 150) << 24;
    unsigned char *ip = f + 14;
    switch (kind) {
    case 0:
        put16(f + 12, rnd());
        break;
    case 1:
    case 2:
    case 3:
        if (len < 34)
            len = 34;
        put16(f + 12, 0x0800);
        ipv4(ip, kind == 1 ? IPPROTO_TCP : kind == 2 ? 17 : 1, len - 34, src, dst);
        if (rnd() % 2)
            ip[0] = (unsigned char)(0x40 | rnd() % 16); /* header length 0..60 */
        if (rnd() % 2)
            put16(ip + 2, rnd());           /* total length anything */
        if (rnd() % 4 == 0)
            put16(ip + 6, rnd());           /* fragment bits and offset */
        if (rnd() % 8 == 0)
            ip[0] = (unsigned char)rnd();   /* not even version 4 */
        ip[10] = ip[11] = 0;
        put16(ip + 10, csum(ip, 20, 0));
        break;
    default:
        put16(f + 12, 0x0806);
        if (rnd() % 2) {
            put16(ip, 1), put16(ip + 2, 0x0800), ip[4] = 6, ip[5] = 4; /* Ethernet/IPv4, */
            memcpy(ip + 24, &dst, 4);                     /* for our address, */
            put16(ip + 6, rnd() % 4);                               /* any operation */
        }
        break;
    }
    return len;
}

static int flood(int syn, const char *iface, const char *mac, unsigned dst, unsigned short port, long n)
{
    unsigned char dmac[6];
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++, mac++) {
            char c = *mac;
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                die("not a MAC address", 0);
            v = v << 4 | (unsigned)d;
        }
        if (*mac != (i < 5 ? ':' : 0))
            die("not a MAC address", 0);
        mac++;
        dmac[i] = (unsigned char)v;
    }
    /* To a QEMU socket netdev (a host's unettool, tests/qemu/net_pair.py):
     * the stream is fd 1, so the result line and any death go to fd 2. */
    int stream = ustreq(iface, "-");
    long s = -1;
    if (stream) {
        s = sys1(NR_dup, 1);
        long r = s < 0 ? s : sys3(NR_dup3, 2, 1, 0);
        if (r < 0)
            die("dup", r);
    }
    struct {
        unsigned short family, protocol;
        int ifindex;
        unsigned short hatype;
        unsigned char pkttype, halen, addr[8];
    } ll = {AF_PACKET, n16(0x0003), 0, 0, 0, 6, {0}};
    if (!stream) {
        s = sys3(NR_socket, AF_PACKET, SOCK_RAW, n16(0x0003));
        if (s < 0)
            die("packet socket (root on Linux only)", s);
        struct {
            char name[16];
            int index;
            char pad[20];
        } ifr = {{0}, 0, {0}};
        for (int i = 0; i < 15 && iface[i]; i++)
            ifr.name[i] = iface[i];
        long r = sys3(NR_ioctl, s, SIOCGIFINDEX, (long)&ifr);
        if (r)
            die("SIOCGIFINDEX", r);
        ll.ifindex = ifr.index;
    }
    memcpy(ll.addr, dmac, 6);
    rng ^= (unsigned long)unow_ns();
    /* The stream's length prefix sits before the frame, both written at once. */
    static unsigned char lf[4 + 1514], *f = lf + 4;
    long sent = 0, t0 = unow_ns();
    for (long i = 0; i < n; i++) {
        memcpy(f, dmac, 6);
        f[6] = 0x52, f[7] = 0x54, f[8] = 0, f[9] = 0xee, f[10] = (unsigned char)rnd(), f[11] = (unsigned char)rnd();
        put16(f + 12, 0x0800);
        long len = syn ? syn_frame(f, dst, port) : junk_frame(f, dst);
        if (stream) {
            put16(lf, 0), put16(lf + 2, (unsigned)len);
            wr_all(s, lf, 4 + len); /* dies when QEMU is gone */
            sent++;
        } else {
            sent += sys6(NR_sendto, s, (long)f, len, 0, (long)&ll, sizeof ll) == len;
        }
    }
    line(syn ? "flood syn" : "flood junk", sent, "frames", unow_ns() - t0, "ns", 0, 0);
    return sent == n ? 0 : 1;
}

static __attribute__((noreturn)) void usage(void)
{
    uputs("usage: unettool sink PORT | stream HOST PORT MIB | echo tcp|udp PORT |\n"
          "       rr|rrall tcp|udp HOST PORT N | crr HOST PORT N | udpcheck HOST PORT N MAX |\n"
          "       flood syn|junk IFACE MAC IP PORT N\n");
    uexit(2);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 3)
        usage();
    const char *c = argv[1];
    int type = argc > 2 && ustreq(argv[2], "udp") ? SOCK_DGRAM : SOCK_STREAM;
    int typed = argc > 2 && (ustreq(argv[2], "udp") || ustreq(argv[2], "tcp"));
    if (ustreq(c, "sink") && argc == 3)
        return sink(parse_port(argv[2]));
    if (ustreq(c, "stream") && argc == 5)
        return stream(parse_ip(argv[2]), parse_port(argv[3]), parse_count(argv[4]));
    if (ustreq(c, "echo") && argc == 4 && typed)
        return echo(type, parse_port(argv[3]));
    if ((ustreq(c, "rr") || ustreq(c, "rrall")) && argc == 6 && typed)
        return rr(type, parse_ip(argv[3]), parse_port(argv[4]), parse_count(argv[5]), ustreq(c, "rrall"));
    if (ustreq(c, "crr") && argc == 5)
        return crr(parse_ip(argv[2]), parse_port(argv[3]), parse_count(argv[4]));
    if (ustreq(c, "udpcheck") && argc == 6)
        return udpcheck(parse_ip(argv[2]), parse_port(argv[3]), parse_count(argv[4]), parse_count(argv[5]));
    if (ustreq(c, "flood") && argc == 8 && (ustreq(argv[2], "syn") || ustreq(argv[2], "junk")))
        return flood(ustreq(argv[2], "syn"), argv[3], argv[4], parse_ip(argv[5]), parse_port(argv[6]),
                     parse_count(argv[7]));
    usage();
}
