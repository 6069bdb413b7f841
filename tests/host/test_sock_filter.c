/* Classic BPF socket filters (kernel/net/sock_filter.c): the programs
 * tcpdump compiles, each kind of instruction, Linux's reasons to refuse a
 * program, and random programs run on random packets under ASan. */
#include <stdlib.h>

#include "../../kernel/net/sock_filter.h"
#include "check.h"

void *kmalloc(size_t n);
void kfree(void *p);
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

#define AD(k) (0xfffff000u + (k)) /* SKF_AD_OFF + k */
#define NET(k) (0xfff00000u + (k))
#define LL(k) (0xffe00000u + (k))
#define I(c, t, f, k) {(c), (t), (f), (k)}
#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* A frame: Ethernet, IPv4 (20 bytes), UDP from 67 to 68, 4 bytes of data. */
static uint8_t udp_frame[14 + 20 + 8 + 4] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x00,
    0x45, 0x00, 0x00, 32, 0x00, 0x01, 0x00, 0x00, 64, 17, 0, 0, 10, 0, 2, 2, 255, 255, 255, 255,
    0x00, 67, 0x00, 68, 0x00, 12, 0, 0,
    'd', 'h', 'c', 'p'};
static uint8_t arp_frame[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x06,
                                0, 1, 8, 0, 6, 4, 0, 1};

static struct sock_filter_pkt pkt(const uint8_t *f, uint32_t len, uint32_t start)
{
    struct sock_filter_pkt p = {f, len, start, 14, (uint16_t)(f[12] << 8 | f[13]), 1, 1, 7, 3, 99};
    return p;
}

static uint32_t run(const struct sock_filter *f, uint32_t n, const struct sock_filter_pkt *p)
{
    CHECK_EQ_INT(sock_filter_check(f, n), 0);
    return sock_filter_run(f, n, p);
}

static void tcpdump_programs(void)
{
    /* tcpdump -dd arp */
    static const struct sock_filter arp[] = {I(0x28, 0, 0, 12), I(0x15, 0, 1, 0x806), I(0x06, 0, 0, 262144),
                                             I(0x06, 0, 0, 0)};
    struct sock_filter_pkt a = pkt(arp_frame, sizeof arp_frame, 0), u = pkt(udp_frame, sizeof udp_frame, 0);
    CHECK_EQ_INT(run(arp, COUNT(arp), &a), sizeof arp_frame);
    CHECK_EQ_INT(run(arp, COUNT(arp), &u), 0);
    /* tcpdump -dd 'ip and udp dst port 68 and not ip[6:2] & 0x1fff != 0', as udhcpc wants */
    static const struct sock_filter dhcp[] = {
        I(0x28, 0, 0, 12), I(0x15, 0, 8, 0x800), I(0x30, 0, 0, 23), I(0x15, 0, 6, 17), I(0x28, 0, 0, 20),
        I(0x45, 4, 0, 0x1fff), I(0xb1, 0, 0, 14), I(0x48, 0, 0, 16), I(0x15, 0, 1, 68), I(0x06, 0, 0, 65535),
        I(0x06, 0, 0, 0)};
    CHECK_EQ_INT(run(dhcp, COUNT(dhcp), &u), sizeof udp_frame);
    CHECK_EQ_INT(run(dhcp, COUNT(dhcp), &a), 0);
    udp_frame[21] = 0x08; /* a fragment past the first: not taken */
    CHECK_EQ_INT(run(dhcp, COUNT(dhcp), &u), 0);
    udp_frame[21] = 0;
    udp_frame[37] = 69; /* another port */
    CHECK_EQ_INT(run(dhcp, COUNT(dhcp), &u), 0);
    udp_frame[37] = 68;
}

static void loads(void)
{
    struct sock_filter_pkt raw = pkt(udp_frame, sizeof udp_frame, 0), dgram = pkt(udp_frame, sizeof udp_frame, 14);
    /* ret A after a load: A is what the load gave */
    struct sock_filter p[2] = {I(0x30, 0, 0, 0), I(0x16, 0, 0, 0)}; /* ldb [k]; ret a */
    CHECK_EQ_INT(run(p, 2, &dgram), sizeof udp_frame - 14); /* 0x45, the IP header first: kept to the length */
    p[0].k = 14;
    CHECK_EQ_INT(run(p, 2, &raw), sizeof udp_frame);
    p[0].k = 9; /* the protocol, 17, in the SOCK_DGRAM view */
    CHECK_EQ_INT(run(p, 2, &dgram), 17);
    p[0] = (struct sock_filter)I(0x28, 0, 0, LL(12)); /* ldh [LL + 12]: the ethertype, from either view */
    CHECK_EQ_INT(run(p, 2, &dgram), sizeof udp_frame - 14); /* 0x800 kept to the packet's length */
    p[0] = (struct sock_filter)I(0x30, 0, 0, NET(9)); /* ldb [NET + 9]: the protocol */
    CHECK_EQ_INT(run(p, 2, &raw), 17);
    CHECK_EQ_INT(run(p, 2, &dgram), 17);
    p[0] = (struct sock_filter)I(0x20, 0, 0, 42); /* ld [42]: the data, 4 bytes, network order */
    CHECK_EQ_INT(sock_filter_run(p, 2, &raw), sizeof udp_frame); /* 'dhcp' is above the length */
    struct sock_filter cmp[] = {I(0x20, 0, 0, 42), I(0x15, 0, 1, 0x64686370), I(0x06, 0, 0, 1), I(0x06, 0, 0, 2)};
    CHECK_EQ_INT(run(cmp, 4, &raw), 1);
    /* past the end: the run ends with 0 */
    p[0].k = 43;
    CHECK_EQ_INT(run(p, 2, &raw), 0);
    p[0] = (struct sock_filter)I(0x30, 0, 0, LL(46)); /* one past */
    CHECK_EQ_INT(run(p, 2, &raw), 0);
    p[0] = (struct sock_filter)I(0x30, 0, 0, 0x80000000u);
    CHECK_EQ_INT(run(p, 2, &raw), 0);
    /* IND: X + k, X from ldx #; a huge X wraps to nowhere */
    struct sock_filter ind[] = {I(0x01, 0, 0, 20), I(0x50, 0, 0, 3), I(0x16, 0, 0, 0)}; /* ldx #20; ldb [x+3]; ret a */
    CHECK_EQ_INT(run(ind, 3, &raw), 17);
    ind[0].k = 0xffffff00u;
    CHECK_EQ_INT(run(ind, 3, &raw), 0);
    /* len, and MSH */
    struct sock_filter len[] = {I(0x80, 0, 0, 0), I(0x04, 0, 0, 1), I(0x16, 0, 0, 0)}; /* ld len; add #1; ret a */
    CHECK_EQ_INT(run(len, 3, &raw), sizeof udp_frame); /* kept to the length */
    struct sock_filter msh[] = {I(0xb1, 0, 0, 14), I(0x87, 0, 0, 0), I(0x16, 0, 0, 0)}; /* ldxb 4*([14]&0xf); txa */
    CHECK_EQ_INT(run(msh, 3, &raw), 20);
}

static void ancillary(void)
{
    struct sock_filter_pkt raw = pkt(udp_frame, sizeof udp_frame, 0);
    struct sock_filter p[2] = {I(0x20, 0, 0, AD(0)), I(0x16, 0, 0, 0)};
    uint32_t want[][2] = {{0, 0x800}, {4, 1}, {8, 7}, {28, 1}, {36, 3}, {56, 99}, {52, 14 + 20 + 8}, {20, 0}};
    for (unsigned i = 0; i < COUNT(want); i++) {
        p[0].k = AD(want[i][0]);
        uint32_t v = want[i][1] < sizeof udp_frame ? want[i][1] : sizeof udp_frame;
        CHECK_EQ_INT(run(p, 2, &raw), v);
    }
    /* A ^= X */
    struct sock_filter x[] = {I(0x00, 0, 0, 6), I(0x01, 0, 0, 3), I(0x20, 0, 0, AD(40)), I(0x16, 0, 0, 0)};
    CHECK_EQ_INT(run(x, 4, &raw), 5);
}

static void arithmetic_and_jumps(void)
{
    struct sock_filter_pkt raw = pkt(udp_frame, sizeof udp_frame, 0);
    /* ld #100; ldx #7; div x; ret a -> 14; mod x -> 2; by a 0 in X: 0 */
    struct sock_filter d[] = {I(0x00, 0, 0, 100), I(0x01, 0, 0, 7), I(0x3c, 0, 0, 0), I(0x16, 0, 0, 0)};
    CHECK_EQ_INT(run(d, 4, &raw), 14);
    d[2].code = 0x9c;
    CHECK_EQ_INT(run(d, 4, &raw), 2);
    d[1].k = 0;
    CHECK_EQ_INT(run(d, 4, &raw), 0);
    d[2].code = 0x3c;
    CHECK_EQ_INT(run(d, 4, &raw), 0);
    /* each operation with a constant, into scratch words, summed */
    struct sock_filter ops[] = {
        I(0x00, 0, 0, 40), I(0x04, 0, 0, 2),  I(0x14, 0, 0, 1),  I(0x24, 0, 0, 3), /* (40+2-1)*3 = 123 */
        I(0x54, 0, 0, 0x7f), I(0x44, 0, 0, 0x100), I(0xa4, 0, 0, 0x1), I(0x64, 0, 0, 1), /* ((123&127)|256)^1 <<1 = 756 */
        I(0x74, 0, 0, 2), I(0x02, 0, 0, 5), I(0x84, 0, 0, 0), I(0x61, 0, 0, 5), /* >>2 = 189; M[5] = 189; -A; X = 189 */
        I(0x0c, 0, 0, 0), I(0x16, 0, 0, 0)}; /* A = -189 + 189 = 0 */
    CHECK_EQ_INT(run(ops, COUNT(ops), &raw), 0);
    ops[12] = (struct sock_filter)I(0x87, 0, 0, 0); /* txa instead: 189 */
    CHECK_EQ_INT(run(ops, COUNT(ops), &raw), 189 < sizeof udp_frame ? 189 : sizeof udp_frame);
    /* jumps: ja over a ret; jgt, jge, jset with X */
    struct sock_filter j[] = {I(0x05, 0, 0, 1), I(0x06, 0, 0, 1), I(0x00, 0, 0, 5), I(0x01, 0, 0, 5),
                              I(0x2d, 3, 0, 0), I(0x3d, 0, 2, 0), I(0x4d, 0, 1, 0), I(0x06, 0, 0, 3),
                              I(0x06, 0, 0, 4)};
    CHECK_EQ_INT(run(j, COUNT(j), &raw), 3); /* not 5 > 5; 5 >= 5; 5 & 5 */
}

static void refused(void)
{
    struct sock_filter ok[] = {I(0x06, 0, 0, 0)};
    CHECK_EQ_INT(sock_filter_check(ok, 1), 0);
    CHECK_EQ_INT(sock_filter_check(ok, 0), -22);
    static struct sock_filter big[SOCK_FILTER_MAX + 1];
    for (unsigned i = 0; i < COUNT(big); i++)
        big[i] = (struct sock_filter)I(0x06, 0, 0, 0);
    CHECK_EQ_INT(sock_filter_check(big, SOCK_FILTER_MAX), 0);
    CHECK_EQ_INT(sock_filter_check(big, SOCK_FILTER_MAX + 1), -22);
    struct {
        struct sock_filter p[3];
        uint32_t n;
        int ok;
        const char *why;
    } cases[] = {
        {{I(0x00, 0, 0, 1)}, 1, 0, "no ret last"},
        {{I(0x0e, 0, 0, 0)}, 1, 0, "ret x is not an instruction"},
        {{I(0xff, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "an unknown opcode"},
        {{I(0x18, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "ld with size h and mode imm"},
        {{I(0x05, 0, 0, 1), I(0x06, 0, 0, 0)}, 2, 0, "ja past the end"},
        {{I(0x05, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 1, "ja to the next"},
        {{I(0x15, 1, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "jt past the end"},
        {{I(0x15, 0, 1, 0), I(0x06, 0, 0, 0)}, 2, 0, "jf past the end"},
        {{I(0x34, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "div by a constant 0"},
        {{I(0x94, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "mod by a constant 0"},
        {{I(0x64, 0, 0, 32), I(0x06, 0, 0, 0)}, 2, 0, "lsh by 32"},
        {{I(0x74, 0, 0, 31), I(0x06, 0, 0, 0)}, 2, 1, "rsh by 31"},
        {{I(0x02, 0, 0, 16), I(0x06, 0, 0, 0)}, 2, 0, "st M[16]"},
        {{I(0x60, 0, 0, 0), I(0x06, 0, 0, 0)}, 2, 0, "ld M[0] never written"},
        {{I(0x03, 0, 0, 0), I(0x60, 0, 0, 0), I(0x06, 0, 0, 0)}, 3, 1, "stx M[0] then ld M[0]"},
        {{I(0x15, 0, 1, 0), I(0x02, 0, 0, 2), I(0x61, 0, 0, 2)}, 3, 0, "M[2] written on one path only"},
        {{I(0x20, 0, 0, AD(64)), I(0x06, 0, 0, 0)}, 2, 0, "an ancillary load past SKF_AD_MAX"},
        {{I(0x20, 0, 0, AD(2)), I(0x06, 0, 0, 0)}, 2, 0, "an ancillary load between two"},
        {{I(0x28, 0, 0, AD(60)), I(0x06, 0, 0, 0)}, 2, 1, "SKF_AD_VLAN_TPID"},
    };
    for (unsigned i = 0; i < COUNT(cases); i++) {
        int e = sock_filter_check(cases[i].p, cases[i].n);
        if ((e == 0) != cases[i].ok)
            fprintf(stderr, "case %u (%s): %d\n", i, cases[i].why, e);
        CHECK_EQ_INT(e, cases[i].ok ? 0 : -22);
    }
}

/* Random programs of every opcode on random packets: a checked one never
 * reads outside the packet (ASan) and keeps at most its length. */
static void random_programs(void)
{
    static const uint16_t codes[] = {0x00, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x60, 0x80, 0x01, 0x61, 0x81,
                                     0xb1, 0x02, 0x03, 0x84, 0x06, 0x16, 0x07, 0x87, 0x05, 0x15, 0x25, 0x35,
                                     0x45, 0x1d, 0x2d, 0x3d, 0x4d, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34,
                                     0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x94, 0x9c, 0xa4,
                                     0xac, 0xff, 0x0e};
    srand(12345);
    unsigned checked = 0, kept = 0;
    for (int round = 0; round < 300000; round++) {
        struct sock_filter p[12];
        uint32_t n = 1 + (uint32_t)(rand() % 12);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = (uint32_t)rand();
            switch (rand() % 5) {
            case 0: k %= 64; break;
            case 1: k = AD((k % 17) * 4); break;
            case 2: k = (rand() & 1 ? NET(0) : LL(0)) + k % 64; break;
            case 3: k %= 16; break;
            }
            p[i] = (struct sock_filter)I(codes[rand() % COUNT(codes)], (uint8_t)(rand() % 4), (uint8_t)(rand() % 4),
                                         k);
        }
        if (rand() % 2)
            p[n - 1].code = rand() % 2 ? 0x06 : 0x16;
        if (sock_filter_check(p, n))
            continue;
        checked++;
        uint32_t len = (uint32_t)(rand() % 80);
        uint8_t *f = malloc(len ? len : 1);
        for (uint32_t i = 0; i < len; i++)
            f[i] = (uint8_t)rand();
        uint32_t start = len >= 14 && rand() % 2 ? 14 : 0;
        struct sock_filter_pkt pk = {f, len, start, len >= 14 ? 14 : 0, 0x800, 0, 1, 2, 0, 0};
        uint32_t r = sock_filter_run(p, n, &pk);
        CHECK(r <= len - start);
        kept += r != 0;
        free(f);
    }
    printf("random programs: %u checked and run, %u kept some bytes\n", checked, kept);
    CHECK(checked > 10000 && kept > 1000);
}

int main(void)
{
    tcpdump_programs();
    loads();
    ancillary();
    arithmetic_and_jumps();
    refused();
    random_programs();
    return CHECK_DONE("test_sock_filter");
}
